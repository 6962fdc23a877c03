/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Generic driver "UDPTunnel" (VIRTUALBOX.md §8): a UDP socket as a
 * segment's uplink, one raw Ethernet frame per datagram, as VirtualBox's
 * UDPTunnel driver and QEMU's `-netdev dgram` frame them. Properties:
 * sport (the local port, default 4444), dport (default 4445) and dest
 * (default 127.0.0.1, an IPv4 address: names are not resolved). It listens
 * on 127.0.0.1 when dest is a loopback address, else on every interface.
 * Engine thread only.
 */
#pragma once

#include <glib.h>

#include "wb-segment.h"
#include "wb-fd-uplink.h"

G_BEGIN_DECLS

typedef struct _WbUdpTunnel WbUdpTunnel;

typedef struct
{
  WbFdUplinkCounters uplink;
  guint64            runts;       /* datagrams shorter than an Ethernet header */
  guint64            oversize;    /* frames above the segment's MTU */
} WbUdpTunnelCounters;

#define WB_UDP_TUNNEL_DEFAULT_SPORT  4444
#define WB_UDP_TUNNEL_DEFAULT_DPORT  4445
#define WB_UDP_TUNNEL_DEFAULT_DEST   "127.0.0.1"

/* @props: WbProperty* (the adapter's generic_props); unknown names are
 * ignored, as VirtualBox does. Fails when a property is malformed or the
 * local port cannot be bound ("UDP tunnel: cannot listen on
 * 127.0.0.1:4444: Address already in use"). */
WbUdpTunnel *wb_udp_tunnel_open          (WbSegment         *segment,
                                          const GPtrArray   *props,
                                          GError           **error);
void         wb_udp_tunnel_free          (WbUdpTunnel       *tunnel);
/* "UDP tunnel to 127.0.0.1:4445 from 127.0.0.1:4444" */
const char  *wb_udp_tunnel_get_description (WbUdpTunnel     *tunnel);
void         wb_udp_tunnel_get_counters  (WbUdpTunnel          *tunnel,
                                          WbUdpTunnelCounters  *counters);

G_END_DECLS
