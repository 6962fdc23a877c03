/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Wirebox's DHCP server (RFC 2131/2132) on a segment: a port of its own
 * (its MAC, the server IP) that answers DISCOVER, REQUEST, RELEASE, DECLINE
 * and INFORM, and ARP for its address. Addresses are given lowest free
 * first; leases are persisted in the store (table dhcp_lease) so that a VM
 * keeps its address across restarts; an exhausted pool is logged and the
 * DISCOVER left unanswered (a REQUEST for an address not ours gets a NAK).
 * Engine thread only.
 */
#pragma once

#include <glib.h>

#include "wb-model.h"
#include "wb-store.h"

G_BEGIN_DECLS

typedef struct _WbDhcpd WbDhcpd;

typedef void (*WbDhcpdSendFunc) (gpointer      user_data,
                                 const guint8 *frame,
                                 gsize         len);
typedef void (*WbDhcpdLogFunc)  (gpointer      user_data,
                                 const char   *message);

/* @config: server IP, netmask, range (validated already). @store may be NULL
 * (leases then live only in memory). @mac: the server port's MAC. */
WbDhcpd   *wb_dhcpd_new          (const WbDhcpServer *config,
                                  WbStore            *store,
                                  const guint8        mac[6],
                                  WbDhcpdSendFunc     send,
                                  WbDhcpdLogFunc      log,
                                  gpointer            user_data);
void       wb_dhcpd_free         (WbDhcpd            *dhcpd);
/* Options given to clients: the default router (0: none, as on host-only
 * networks), the DNS server (0: none), and the lease time (default 1200 s). */
void       wb_dhcpd_set_router   (WbDhcpd            *dhcpd,
                                  guint32             router);
void       wb_dhcpd_set_dns      (WbDhcpd            *dhcpd,
                                  guint32             dns);
void       wb_dhcpd_set_lease_time (WbDhcpd          *dhcpd,
                                  guint32             seconds);
/* A frame seen on the segment (broadcasts and frames to the server's MAC);
 * anything at all, untrusted. */
void       wb_dhcpd_input        (WbDhcpd            *dhcpd,
                                  const guint8       *frame,
                                  gsize               len);
/* The address leased to @mac, 0 if none. */
guint32    wb_dhcpd_lookup       (WbDhcpd            *dhcpd,
                                  const guint8        mac[6]);

G_END_DECLS
