/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The host on a host-only (or emulated bridged) segment, when no TAP device
 * stands in for it (DESIGN.md §5): a guest stack of its own at the host
 * interface's address that answers ARP and ping, and relays what the VMs
 * send to its TCP and UDP ports to the same ports on the real host's
 * 127.0.0.1 — and to nothing else: it never opens a connection to another
 * address. Engine thread only.
 */
#pragma once

#include <glib.h>

#include "wb-guest.h"
#include "wb-segment.h"

G_BEGIN_DECLS

typedef struct _WbHostEndpoint WbHostEndpoint;

typedef void (*WbHostEndpointLogFunc) (gpointer    user_data,
                                       const char *message);

/* A port on @segment with @mac at @address/@prefix (host order), relaying
 * when @relay. Sources go to the segment's context, which must be the
 * thread-default one of the calling thread. */
WbHostEndpoint *wb_host_endpoint_new       (WbSegment             *segment,
                                            const guint8          *mac,
                                            guint32                address,
                                            guint                  prefix,
                                            gboolean               relay,
                                            WbHostEndpointLogFunc  log,
                                            gpointer               user_data);
/* Resets the relayed connections, closes the host sockets and leaves the
 * segment. */
void            wb_host_endpoint_free      (WbHostEndpoint        *endpoint);
/* Off: new connections are refused and datagrams go nowhere (existing
 * connections are reset). */
void            wb_host_endpoint_set_relay (WbHostEndpoint        *endpoint,
                                            gboolean               relay);
/* The endpoint's own stack (its commands ping and connect from the host's
 * address: how probes reach a VM "from the host" without a TAP). */
WbGuest        *wb_host_endpoint_get_guest (WbHostEndpoint    *endpoint);
/* Relayed TCP connections and UDP flows now open. */
guint           wb_host_endpoint_get_n_relays (WbHostEndpoint     *endpoint);

G_END_DECLS
