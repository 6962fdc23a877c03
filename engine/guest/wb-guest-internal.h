/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Inside the guest's IP layer: the WbGuest struct and what its three files
 * share. wb-guest.c has the interfaces, ARP, IPv4 (fragmentation,
 * reassembly), ICMP, UDP and routing; wb-guest-forward.c forwarding and
 * masquerading; wb-guest-commands.c the commands. TCP, the DHCP client and
 * the apps never include this: they use wb-guest-private.h.
 */
#pragma once

#include "wb-guest-private.h"

G_BEGIN_DECLS

#define WB_GUEST_TTL           64
#define WB_GUEST_MIN_MTU       68
#define WB_GUEST_MAX_MTU       65535
/* The most an IPv4 datagram without options carries. */
#define WB_IP_MAX_PAYLOAD      (65535 - WB_IPV4_HLEN)

#define WB_IP_FLAG_DF          0x4000
#define WB_IP_FLAG_MF          0x2000
#define WB_IP_OFFSET_MASK      0x1fff

#define WB_ICMP_ECHO_REPLY     0
#define WB_ICMP_UNREACHABLE    3
#define WB_ICMP_ECHO_REQUEST   8
#define WB_ICMP_TIME_EXCEEDED  11

/* Destination unreachable's codes (RFC 792, RFC 1812 5.2.7.1). */
#define WB_ICMP_CODE_NET_UNREACHABLE       0
#define WB_ICMP_CODE_HOST_UNREACHABLE      1
#define WB_ICMP_CODE_PROTOCOL_UNREACHABLE  2
#define WB_ICMP_CODE_PORT_UNREACHABLE      3
#define WB_ICMP_CODE_FRAG_NEEDED           4

typedef enum
{
  WB_DROP_NO_INTERFACE,
  WB_DROP_LINK_DOWN,
  WB_DROP_RUNT,
  WB_DROP_NOT_OUR_MAC,
  WB_DROP_ETHERTYPE,
  WB_DROP_ARP_MALFORMED,
  WB_DROP_ARP_FAILED,
  WB_DROP_ARP_QUEUE_FULL,
  WB_DROP_IP_MALFORMED,
  WB_DROP_IP_CHECKSUM,
  WB_DROP_IP_SOURCE,
  WB_DROP_NOT_OUR_ADDRESS,
  WB_DROP_FRAGMENT,
  WB_DROP_FRAGMENT_OVERLAP,
  WB_DROP_REASSEMBLY_TIMEOUT,
  WB_DROP_REASSEMBLY_FULL,
  WB_DROP_PROTOCOL,
  WB_DROP_ICMP_MALFORMED,
  WB_DROP_UDP_MALFORMED,
  WB_DROP_UDP_CHECKSUM,
  WB_DROP_UDP_NO_LISTENER,
  WB_DROP_NO_ROUTE,
  WB_DROP_TTL,
  WB_DROP_TOO_BIG,
  WB_DROP_NAT_FULL,
  WB_DROP_LOOPBACK_FULL,
  WB_N_DROP_REASONS
} WbDropReason;

typedef struct
{
  gboolean      present;
  gboolean      up;
  gboolean      masquerade;
  guint8        mac[WB_ETH_ALEN];
  guint         mtu;
  guint32       address;        /* 0: none */
  guint         prefix;
  guint32       router;         /* the lease's default router, 0: none */
  WbDhcpClient *dhcp;           /* NULL: static */
} WbGuestIface;

typedef enum
{
  WB_ARP_INCOMPLETE,            /* asking; datagrams wait in @pending */
  WB_ARP_REACHABLE,             /* confirmed less than a lifetime ago */
  WB_ARP_PROBE,                 /* lifetime over but in use: still sending
                                 * to @mac while asking again */
} WbArpState;

typedef struct
{
  guint64    key;               /* iface << 32 | address: the table's key */
  guint      iface;
  guint32    address;
  guint8     mac[WB_ETH_ALEN];
  WbArpState state;
  gboolean   used;              /* sent to since the last confirmation */
  guint      tries;             /* requests sent in this round */
  gint64     deadline;          /* monotonic µs: next request or expiry */
  GQueue     pending;           /* WbQueuedDatagram */
  gsize      pending_bytes;
} WbArpEntry;

/* An IPv4 header, parsed or to be written (no options). */
typedef struct
{
  guint32  src;
  guint32  dst;
  guint8   proto;
  guint8   ttl;
  guint8   tos;
  guint16  id;
  gboolean df;
  guint    iface;               /* input: where it arrived */
  gboolean link_broadcast;      /* input: in a broadcast/multicast frame */
} WbIpMeta;

/* A datagram's payload in two parts, so that a rewritten or new header can
 * go in front of received bytes without copying them. */
typedef struct
{
  const guint8 *head;
  gsize         head_len;
  const guint8 *body;
  gsize         body_len;
} WbPayload;

typedef struct
{
  WbIpMeta meta;
  gsize    len;
  guint8   data[];
} WbQueuedDatagram;

typedef struct
{
  guint    iface;
  guint32  src;
  guint32  next_hop;            /* the destination itself when on-link */
  guint    mtu;
  gboolean local;               /* one of our own addresses: looped back */
} WbRoute;

typedef struct _WbNat WbNat;

struct _WbGuest
{
  char             *name;
  GMainContext     *context;
  WbGuestCallbacks  callbacks;
  gpointer          user_data;
  gboolean          stopping;   /* wb_guest_shutdown() is running */
  gboolean          stopped;    /* no callback any more */
  double            time_scale; /* tests shorten the protocol timeouts */

  WbGuestIface      ifaces[WB_GUEST_MAX_IFACES];
  guint32           gateway;    /* static default gateway, 0: none */
  guint             gateway_iface;
  gboolean          ip_forward;
  guint16           next_ip_id;

  GHashTable       *arp;        /* &key -> WbArpEntry */
  gsize             arp_pending_bytes;
  GHashTable       *reassembly; /* WbReassembly -> itself */
  GHashTable       *udp;        /* port -> binding */
  GHashTable       *echo_watches; /* id -> watch */
  GHookList         icmp_error_hooks; /* WbIcmpErrorFunc */
  WbNat            *nat;
  GQueue            loopback;   /* WbQueuedDatagram */
  GSource          *loopback_source;
  GSource          *housekeeping;
  gint64            housekeeping_at;

  /* Output frames are built here; a transmit callback that re-enters the
   * guest gets a buffer of its own. */
  guint8           *scratch;
  gsize             scratch_size;
  gboolean          scratch_busy;

  guint64           drops;
  guint64           drops_unlogged[WB_N_DROP_REASONS];
  gint64            drop_logged_at[WB_N_DROP_REASONS];
  gint64            icmp_error_at;
  guint             icmp_error_tokens;

  GArray           *services;   /* guint16 ports */
  GList            *commands;   /* running pings (wb-guest-commands.c) */
  guint16           next_echo_id;
  WbTcpStack       *tcp;
};

/* --- wb-guest.c -------------------------------------------------------------- */

/* Counts a dropped frame or datagram and logs it at a bounded rate. */
void      _wb_guest_drop               (WbGuest          *guest,
                                        guint             iface,
                                        WbDropReason      reason);
/* A protocol timeout (µs) as the guest runs it (tests scale them). */
gint64    _wb_guest_scaled             (WbGuest          *guest,
                                        gint64            us);
/* Runs the housekeeping (ARP retries and expiry, reassembly and NAT
 * timeouts) no later than @deadline (monotonic µs). */
void      _wb_guest_schedule           (WbGuest          *guest,
                                        gint64            deadline);
gboolean  _wb_guest_is_local_address   (WbGuest          *guest,
                                        guint32           address);
gboolean  _wb_guest_route_lookup       (WbGuest          *guest,
                                        guint32           dst,
                                        WbRoute          *route);
/* The default route: FALSE when there is none. */
gboolean  _wb_guest_default_route      (WbGuest          *guest,
                                        guint            *iface,
                                        guint32          *gateway);
/* Writes a 20-byte header; @frag holds the flags and the offset / 8. */
void      _wb_guest_ip_header_write    (guint8           *buf,
                                        const WbIpMeta   *meta,
                                        gsize             total_len,
                                        guint16           frag);
/* Sends a datagram along @route: loops it back, or resolves the next hop
 * (queueing until ARP answers) and fragments it to the route's MTU. */
void      _wb_guest_ip_send            (WbGuest          *guest,
                                        const WbRoute    *route,
                                        const WbIpMeta   *meta,
                                        const WbPayload  *payload);
/* A datagram of ours: routes it, numbers it and sends it. */
gboolean  _wb_guest_ip_output_payload  (WbGuest          *guest,
                                        guint32           src,
                                        guint32           dst,
                                        guint8            proto,
                                        const WbPayload  *payload,
                                        GError          **error);
static inline gboolean
_wb_ipv4_is_multicast (guint32 address)
{
  return (address & 0xf0000000u) == 0xe0000000u;
}

static inline guint32
_wb_ipv4_mask (guint prefix)
{
  return prefix == 0 ? 0 : 0xffffffffu << (32 - MIN (prefix, 32));
}

/* Tests: multiplies the ARP, reassembly and NAT timeouts by @scale. */
void      _wb_guest_set_time_scale     (WbGuest          *guest,
                                        double            scale);
/* Tests and counters: frames and datagrams dropped so far, all reasons. */
guint64   _wb_guest_get_drops          (WbGuest          *guest);

/* --- wb-guest-forward.c ------------------------------------------------------ */

/* A datagram for another host arrived: forward it (if forwarding is on),
 * masquerading it when its egress interface says so. */
void      _wb_guest_forward            (WbGuest          *guest,
                                        const WbIpMeta   *meta,
                                        const guint8     *payload,
                                        gsize             len);
/* A datagram for one of our addresses: TRUE when it was a reply to
 * masqueraded traffic and went on to the inside host. */
gboolean  _wb_guest_nat_reverse        (WbGuest          *guest,
                                        const WbIpMeta   *meta,
                                        const guint8     *payload,
                                        gsize             len);
/* An ICMP error about a datagram we received (rate-limited; never about an
 * ICMP error, a broadcast or a fragment). */
void      _wb_guest_icmp_error         (WbGuest          *guest,
                                        guint8            type,
                                        guint8            code,
                                        guint32           info,
                                        const WbIpMeta   *meta,
                                        const guint8     *payload,
                                        gsize             len);
/* Forgets idle mappings; reschedules for the others. */
void      _wb_guest_nat_expire         (WbGuest          *guest,
                                        gint64            now);
void      _wb_guest_nat_free           (WbGuest          *guest);
/* The first port (and ICMP id) masquerading hands out; below it, local
 * sockets and pings never meet a mapping. */
#define WB_NAT_PORT_FIRST      61000

/* --- wb-guest-commands.c ----------------------------------------------------- */

/* Ends running commands with an error (the guest is stopping). */
void      _wb_guest_commands_shutdown  (WbGuest          *guest);

G_END_DECLS
