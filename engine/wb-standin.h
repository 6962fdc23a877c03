/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The "Outside" stand-in behind a router (DESIGN.md §7): what a libslirp
 * port (wb-slirp.h) puts where the world would be, for NAT adapters, NAT
 * networks and the emulated LAN's uplink (wb-lan.h), so that probes to the
 * outside never leave the machine.
 *
 * A router (a guest stack with IP forwarding on and masquerading out of
 * its outward interface) and, on a private segment it shares with nobody
 * else, the stand-in station at WB_STANDIN_ADDRESS (198.51.100.1, a
 * documentation address) answering ping and serving an SSH banner on TCP
 * 22 and HTTP on 80. The router's outward address is 198.51.100.254; its
 * only routes are its inward subnet and 198.51.100.0/24, so nothing else
 * goes anywhere (the router answers "net unreachable"), and the station
 * sees every flow as coming from the router (it has no route back inside).
 *
 * The router's inward interface (0) belongs to the caller: it takes the
 * caller's MAC and address, its frames go to @transmit, and the caller
 * hands it frames with wb_standin_input(). Engine thread only.
 */
#pragma once

#include "wb-guest.h"
#include "wb-net.h"

G_BEGIN_DECLS

#define WB_STANDIN_ADDRESS          0xc6336401u   /* 198.51.100.1 */
#define WB_STANDIN_PREFIX           24
#define WB_STANDIN_ROUTER_ADDRESS   0xc63364feu   /* 198.51.100.254 */

typedef struct _WbStandin WbStandin;

typedef void (*WbStandinTransmitFunc) (gpointer      user_data,
                                       const guint8 *frame,
                                       gsize         len);
/* One line, already prefixed with the station's name ("outside: ..."). */
typedef void (*WbStandinLogFunc)      (gpointer      user_data,
                                       const char   *message);

typedef struct
{
  const char *router_name;        /* the router's guest name ("nat-router") */
  const char *segment_name;       /* the private segment's name */
  guint8      inward_mac[WB_ETH_ALEN];
  guint32     inward_address;     /* host order */
  guint       inward_prefix;
  guint       inward_mtu;
  guint8      outward_mac[WB_ETH_ALEN];
  guint8      station_mac[WB_ETH_ALEN];
} WbStandinConfig;

/* Everything is up when this returns (the router announces its inward
 * address through @transmit). Sources go to @context. */
WbStandin  *wb_standin_new           (const WbStandinConfig  *config,
                                      GMainContext           *context,
                                      WbStandinTransmitFunc   transmit,
                                      WbStandinLogFunc        log,
                                      gpointer                user_data);
void        wb_standin_free          (WbStandin              *standin);
/* A frame for the router's inward interface. */
void        wb_standin_input         (WbStandin              *standin,
                                      const guint8           *frame,
                                      gsize                   len);
WbGuest    *wb_standin_get_router    (WbStandin              *standin);
WbGuest    *wb_standin_get_station   (WbStandin              *standin);
/* Whether @address (host order) is in the stand-in's network. */
gboolean    wb_standin_contains      (guint32                 address);

G_END_DECLS
