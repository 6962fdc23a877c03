/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The emulated LAN behind a bridged adapter (DESIGN.md §5, the Bridged
 * row): what stands on the host interface's network when the engine does
 * not bridge onto the real interface. It mirrors the interface's IPv4
 * subnet (10.10.10.0/24 with the host at .72 when it has none) and puts on
 * the segment:
 *
 * - the LAN gateway at the subnet's .1 (.254 if .1 is the host): a router
 *   with a DHCP server at its address (router option: itself; no DNS) and
 *   an uplink to the "Outside" stand-in;
 * - the host's own address: the engine's host endpoint (wb-host-endpoint.h),
 *   which answers ARP and ping and relays TCP/UDP to the real 127.0.0.1;
 * - a LAN peer (a station at a free address near the top, .250 on a /24)
 *   that answers ping and serves HTTP and SSH banners;
 * - behind the gateway, on a private segment, the "Outside" stand-in at
 *   WB_LAN_OUTSIDE_ADDRESS (198.51.100.1, a documentation address) serving
 *   the same (wb-standin.h; the gateway is its router). NAT adapters and
 *   NAT networks reach the same kind of stand-in through their libslirp
 *   port (wb-slirp.h), never through libslirp itself.
 *
 * No real traffic leaves: the gateway is the engine's own router (a guest
 * stack with forwarding), whose only routes are the LAN subnet and
 * 198.51.100.0/24; everything else is dropped there, answered with ICMP
 * "net unreachable" and counted (wb_lan_get_outside_drops). None of these
 * members opens a socket, except the host endpoint's relay, which connects
 * only to 127.0.0.1. libslirp is deliberately not in this path: it turns
 * any datagram it is given into a real socket (even a ping to a guest-
 * forwarded address becomes a real ICMP echo), so it could only be made
 * safe by the same filter, which then leaves it nothing to do.
 *
 * Engine thread only; sources go to the segment's context.
 */
#pragma once

#include "wb-guest.h"
#include "wb-segment.h"
#include "wb-standin.h"

G_BEGIN_DECLS

#define WB_LAN_OUTSIDE_ADDRESS   WB_STANDIN_ADDRESS   /* 198.51.100.1 */
#define WB_LAN_OUTSIDE_PREFIX    WB_STANDIN_PREFIX
#define WB_LAN_FALLBACK_NETWORK  0x0a0a0a00u   /* 10.10.10.0/24 */
#define WB_LAN_FALLBACK_HOST     0x0a0a0a48u   /* 10.10.10.72 */
#define WB_LAN_FALLBACK_PREFIX   24

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
/* Datagrams that reached the gateway bound elsewhere than the LAN and the
 * stand-in's network: the gateway has no route for them and drops them. */
guint64     wb_lan_get_outside_drops  (WbLan           *lan);

G_END_DECLS
