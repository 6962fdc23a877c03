/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Bridged for real: a host interface as a segment's uplink through an
 * AF_PACKET socket (SOCK_RAW, ETH_P_ALL, bound to the interface, with
 * promiscuous membership so that frames for the VMs' MACs are received),
 * as VirtualBox's bridged driver puts a VM on the host's LAN.
 *
 * It sends the VMs' frames onto a real network, so it is only used when
 * asked for twice: WIREBOX_BRIDGE_REAL=1 in the engine's environment, and
 * the privilege to open the socket (CAP_NET_RAW). The tests use it only
 * inside a network namespace of their own, on a veth pair. Engine thread
 * only.
 */
#pragma once

#include <glib.h>

#include "wb-segment.h"

G_BEGIN_DECLS

typedef struct _WbPacket WbPacket;

/* Whether the user asked for real bridging (WIREBOX_BRIDGE_REAL=1). */
gboolean    wb_packet_wanted     (void);
/* @ifname as an uplink port of @segment; NULL with @error (NOT_FOUND: no
 * such interface; FAILED: the socket could not be opened or bound, e.g.
 * without CAP_NET_RAW). */
WbPacket   *wb_packet_open       (WbSegment   *segment,
                                  const char  *ifname,
                                  GError     **error);
/* Leaves the segment, drops the membership and closes the socket. */
void        wb_packet_free       (WbPacket    *packet);

G_END_DECLS
