/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The emulated LAN behind a bridged adapter (DESIGN.md §5, the Bridged
 * row): what stands on the host interface's network when the engine does
 * not bridge onto the real interface. It mirrors the interface's IPv4
 * subnet (10.10.10.0/24 with the host at .72 when it has none) and puts on
 * the segment:
 *
 * - the LAN gateway at the subnet's .1 (.254 if .1 is the host): a router
 *   with a DHCP server at its address (router option: itself; no DNS),
 *   whose uplink (its eth1, at .15 of WB_LAN_UPLINK_NETWORK on a private
 *   segment of its own) goes through libslirp (wb-slirp.h): a WbSlirp at
 *   .2 of that segment is its default route, and it masquerades onto the
 *   segment as a home router onto its provider's network;
 * - the host's own address: the engine's host endpoint (wb-host-endpoint.h),
 *   which answers ARP and ping and relays TCP/UDP to the real 127.0.0.1;
 * - a LAN peer (a station at a free address near the top, .250 on a /24)
 *   that answers ping and serves HTTP and SSH banners;
 * - the "Outside" stand-in at WB_LAN_OUTSIDE_ADDRESS (198.51.100.1, a
 *   documentation address), reached through the gateway and libslirp's
 *   port: the uplink's WbSlirp keeps 198.51.100.0/24 from libslirp and
 *   answers it with its engine stand-in (wb-standin.h), as it does for NAT
 *   adapters and NAT networks. It sees every flow as coming from
 *   libslirp's stand-in router.
 *
 * No real traffic leaves: the gateway hands its uplink only what libslirp's
 * port keeps in the engine (wb_slirp_is_local: the stand-in's network and
 * libslirp's host alias, whose host loopback is off) and ARP. A datagram
 * from the LAN for any other address beyond the LAN (which the gateway's
 * default route would take out through libslirp, to a real socket) is
 * answered "net unreachable" by the gateway, as by a router without a way
 * out, and counted (wb_lan_get_outside_drops); the uplink drops whatever
 * else would reach libslirp. So probes of the connectivity matrix, which
 * follow the gateway's routing table, learn at once that nothing is there.
 * The LAN's own subnet (the host's real one) is on the gateway's eth0 and
 * never routed to the uplink. None of these members opens a socket,
 * except the host endpoint's relay, which connects only to 127.0.0.1, and
 * libslirp, which is given nothing that would make it open one.
 *
 * Engine thread only; sources go to the segment's context.
 */
#pragma once

#include "wb-guest.h"
#include "wb-segment.h"
#include "wb-slirp.h"
#include "wb-standin.h"

G_BEGIN_DECLS

#define WB_LAN_OUTSIDE_ADDRESS   WB_STANDIN_ADDRESS   /* 198.51.100.1 */
#define WB_LAN_OUTSIDE_PREFIX    WB_STANDIN_PREFIX
#define WB_LAN_FALLBACK_NETWORK  0x0a0a0a00u   /* 10.10.10.0/24 */
#define WB_LAN_FALLBACK_HOST     0x0a0a0a48u   /* 10.10.10.72 */
#define WB_LAN_FALLBACK_PREFIX   24
/* The gateway's uplink network (the next one, 172.30.3.0/24, when the
 * LAN's subnet overlaps it): .2 is libslirp, .3 its name server, .15 the
 * gateway. Not 10.0.2.0/24: a NAT VM's 10.0.2.15 would be the gateway. */
#define WB_LAN_UPLINK_NETWORK    0xac1e0200u   /* 172.30.2.0/24 */
#define WB_LAN_UPLINK_PREFIX     24

typedef struct _WbLan WbLan;

typedef void (*WbLanLogFunc) (gpointer    user_data,
                              const char *message);

/* Where each member sits (host order). */
typedef struct
{
  guint32 host;
  guint   prefix;
  guint32 gateway;              /* also the DHCP server */
  guint32 peer;
  guint32 pool_lower;
  guint32 pool_upper;
} WbLanPlan;

/* The plan for a host interface at @host/@prefix; @host 0 (no IPv4) or a
 * subnet too small for the members (prefix above 29) gives the fallback. */
void        wb_lan_plan               (guint32          host,
                                       guint            prefix,
                                       WbLanPlan       *plan);

/* The members for @ifname on @segment, laid out by @plan. */
WbLan      *wb_lan_new                (WbSegment       *segment,
                                       const char      *ifname,
                                       const WbLanPlan *plan,
                                       WbLanLogFunc     log,
                                       gpointer         user_data);
void        wb_lan_free               (WbLan           *lan);
const WbLanPlan *wb_lan_get_plan      (WbLan           *lan);

/* The stations, for probes and `guestcontrol` ("peer", "host", "gateway",
 * "outside"); NULL for another name. */
WbGuest    *wb_lan_get_station        (WbLan           *lan,
                                       const char      *role);
/* The gateway's uplink: the libslirp instance on its private segment. */
WbSlirp    *wb_lan_get_uplink         (WbLan           *lan);
/* Datagrams for addresses libslirp would have reached off the machine:
 * from the LAN (answered "net unreachable"), or at the uplink; none of them
 * reached libslirp. */
guint64     wb_lan_get_outside_drops  (WbLan           *lan);

G_END_DECLS
