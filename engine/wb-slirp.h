/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libslirp on a segment (DESIGN.md §5): one WbSlirp is one libslirp
 * instance, an infrastructure port on a WbSegment with the MAC
 * 52:55:<host alias bytes> (the MAC libslirp itself sends from). It is the
 * router and host alias of a NAT adapter's private segment, the gateway of
 * a NAT network, or the uplink of an emulated LAN.
 *
 * What reaches libslirp: only IPv4 and ARP frames addressed to one of its
 * MACs (52:55:<host alias>, 52:55:<name server>) or broadcast/multicast,
 * of at least an Ethernet header and at most the MTU, with headers that
 * fit, and no IPv4 fragments (4.7 crashes on a lone last fragment; guests
 * fragment nothing: they send at most the MTU). Everything else is
 * dropped before libslirp (it would NAT any IP frame, whatever its MAC,
 * and Debian's 4.7 lacks later security fixes); the drops are counted.
 *
 * The Net/LAN: IPv4 frames to libslirp's MAC bound for 198.51.100.0/24
 * never reach libslirp. They go to an engine stand-in (wb-standin.h) that
 * answers as if it were out there: a router speaking with libslirp's
 * identity (host alias and MAC, its frames sent from this port) that
 * masquerades them onto a private segment where the station at
 * 198.51.100.1 (WB_LAN_OUTSIDE_ADDRESS) answers ping and serves SSH on 22
 * and HTTP on 80; any other address there gets no answer. The guests'
 * own frames show in their traces, and the stand-in reaches a guest only
 * with replies, as on a real NAT. (libslirp 4.7's guest forwarding takes
 * only addresses inside its virtual network, hence this.) Not when the
 * virtual network itself covers 198.51.100.0/24.
 *
 * Port forwards are libslirp hostfwds: real listening sockets on the host.
 * A rule that cannot be bound (port in use, below 1024 without privilege)
 * is kept with its reason and never fails the caller.
 *
 * libslirp is not thread-safe, even across instances: every WbSlirp lives
 * on the engine thread, driven by a GSource on its segment's context.
 */
#pragma once

#include <glib.h>

#include "wb-guest.h"
#include "wb-model.h"
#include "wb-segment.h"

G_BEGIN_DECLS

#define WB_SLIRP_MAX_MTU 65520   /* VirtualBox's limit (libslirp: 65521) */

typedef struct _WbSlirp WbSlirp;

/* Addresses in host byte order. */
typedef struct
{
  guint32   network;          /* 10.0.2.0 */
  guint     prefix;           /* 24 */
  guint32   host;             /* gateway and host alias (vhost): 10.0.2.2 */
  guint32   nameserver;       /* DNS (vnameserver), must differ from @host */
  /* libslirp's own DHCP server, handing out @dhcp_start (then the next
   * 15 addresses) with router @host and DNS @nameserver; 0: no DHCP
   * (disable_dhcp, for networks where Wirebox's DHCP server serves). */
  guint32   dhcp_start;
  /* TCP/UDP to @host reaches the host's 127.0.0.1 (not
   * disable_host_loopback). */
  gboolean  host_loopback;
  /* Largest payload in both directions: 0 = 1500, up to WB_SLIRP_MAX_MTU
   * (and at most the segment's MTU). */
  guint     mtu;
} WbSlirpConfig;

typedef void (*WbSlirpLogFunc) (gpointer    user_data,
                                const char *message);

/* A libslirp instance as a port on @segment (whose context must be the
 * thread-default one of the calling thread). Fails (INVALID_ARGUMENT or
 * FAILED) on a configuration libslirp refuses. @log gets libslirp's
 * guest-error messages; it may be NULL. */
WbSlirp     *wb_slirp_new             (WbSegment            *segment,
                                       const WbSlirpConfig  *config,
                                       WbSlirpLogFunc        log,
                                       gpointer              user_data,
                                       GError              **error);
/* Closes every host socket (listening and connected), leaves the segment
 * and frees libslirp's instance. NULL is fine. */
void         wb_slirp_free            (WbSlirp              *self);
/* 52:55:<host alias>. */
const guint8 *wb_slirp_get_mac        (WbSlirp              *self);
const WbSlirpConfig *wb_slirp_get_config (WbSlirp           *self);

/* Makes the host forwards exactly @rules (WbNatRule*, NULL = none), in
 * effect when this returns: rules gone or changed are closed, new ones
 * bound, unchanged ones left alone (their connections stay). An empty
 * host IP listens on every interface; an empty guest IP means
 * @default_guest (0: the rule stays "not bound: no guest address"). A rule
 * that cannot be bound is kept as not bound, with the reason
 * ("Address already in use"); it is retried at the next call. */
void         wb_slirp_set_rules       (WbSlirp              *self,
                                       GPtrArray            *rules,
                                       guint32               default_guest);
/* The rules as last set, in their order: a(sss) (name, "bound" or
 * "not bound", reason or ""). */
GVariant    *wb_slirp_get_rule_states (WbSlirp              *self);
/* NULL when the rule named @name is bound (or unknown), else why not. */
const char  *wb_slirp_get_rule_error  (WbSlirp              *self,
                                       const char           *name);

/* Frames kept from libslirp by the checks above, by reason (runt,
 * oversize, ethertype, fragment; frames for other MACs are not drops: they were
 * never meant for it), and libslirp's own traffic on its port. */
void         wb_slirp_get_counters    (WbSlirp              *self,
                                       WbCounters           *counters);

/* Whether traffic from the guests to @address (host order) stays in the
 * engine: the host alias (which reaches only the host's loopback, and only
 * with host_loopback) and the Net/LAN stand-in's 198.51.100.0/24. For
 * probes that must not leave the machine. */
gboolean     wb_slirp_is_local        (WbSlirp              *self,
                                       guint32               address);
/* Frames given to libslirp, and to the Net/LAN stand-in, so far. */
guint64      wb_slirp_get_n_input     (WbSlirp              *self);
guint64      wb_slirp_get_n_standin   (WbSlirp              *self);
/* The stand-in's station at 198.51.100.1, once a frame has made it. */
WbGuest     *wb_slirp_get_standin_station (WbSlirp          *self);
/* The same, made now if need be (for an emulated LAN's "outside" station,
 * which `guestcontrol` may address before any frame went there); NULL when
 * the virtual network covers 198.51.100.0/24. */
WbGuest     *wb_slirp_make_standin_station (WbSlirp         *self);

G_END_DECLS
