/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The connectivity matrix of a running world (DESIGN.md §7, issue 6): every
 * pair of endpoints probed for real, through the sources' own frames.
 *
 * Endpoints: each running VM ("vm:UUID"), the Host ("host"), the Net/LAN
 * ("lan") and the Outside ("outside", a target the user sets; a
 * destination only). The shape of the answer is the Matrix dictionary of
 * io.github.wirebox.Engine.xml (RunMatrix).
 *
 * What each endpoint is, as a source and as a destination:
 * - A VM probes from its guest (wb_probe_async); as a destination it is its
 *   address on a network the source shares with it, else its first one.
 * - The Host, as a destination of VM V, is the host as V's way out defines
 *   it (DESIGN.md §5 "The Host, per mode"): V's own adapter with a host
 *   (host-only endpoint, bridged LAN host, libslirp's host alias), else
 *   the host of the router V's default gateway leads to (a running VM with
 *   IP forwarding), hop by hop. TCP goes to a listener the matrix opens on
 *   127.0.0.1. As a source, the Host probes from its engine stations (the
 *   host endpoint of a host-only interface, the host station of a bridged
 *   LAN) and, for the NAT modes, connects for real to 127.0.0.1:PORT of
 *   each forward that leads to the VM ("port-forward", the rule named).
 * - The Net/LAN is the documentation stand-in at 198.51.100.1 behind every
 *   way out of the lab (the emulated LAN's gateway; libslirp's gateway,
 *   where the engine answers 198.51.100.0/24 itself, wb_slirp_is_local);
 *   as a source, the peer of the VM's emulated LAN (bridged), or through
 *   the forwards not bound to a loopback address (NAT modes), or a LAN of
 *   the matrix's own with no VM on it (whose gateway has no route to the
 *   lab: "-", read from the gateway's routing table).
 * - No probe leaves the machine: before sending, the way from the source
 *   to the target is followed hop by hop (routes, routers of the lab, an
 *   emulated LAN's gateway: where one has no route, "-" without a wait); a
 *   way that ends at libslirp for an address it would connect to for real
 *   is not taken, and the cell reads "-" with that reason. The one
 *   exception is the Outside the user names (DESIGN.md §7: "a real outside
 *   target is only probed when the user sets one"): probes to it go where
 *   the VMs' ways lead, libslirp included.
 *
 * Engine thread only.
 */
#pragma once

#include <gio/gio.h>

#include "wb-runtime.h"

G_BEGIN_DECLS

#define WB_MATRIX_MAX_IN_FLIGHT 64

#define WB_TYPE_MATRIX (wb_matrix_get_type ())
G_DECLARE_FINAL_TYPE (WbMatrix, wb_matrix, WB, MATRIX, GObject)

/*
 * Signals:
 *   "progress"       (guint generation, guint done, guint total)
 *   "cells-changed"  (guint generation, const char * const *cell_ids)
 *                    after a re-probe (not after wb_matrix_run_async)
 */

WbMatrix   *wb_matrix_new            (WbRuntime            *runtime);

/* The Outside target (host order); 0 = unset ("not probed"). A port of 0
 * probes ICMP only. */
void        wb_matrix_set_outside    (WbMatrix             *self,
                                      guint32               address,
                                      guint16               port);

/* Probes every pair of the running world; the result is the Matrix
 * dictionary. Afterwards the matrix is live: a VM that starts, stops or is
 * changed has its cells re-probed ("cells-changed"). */
void        wb_matrix_run_async      (WbMatrix             *self,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
GVariant   *wb_matrix_run_finish     (WbMatrix             *self,
                                      GAsyncResult         *result,
                                      GError              **error);

/* The Matrix dictionary as it stands (floating reference). */
GVariant   *wb_matrix_get            (WbMatrix             *self);

/* One cell's dictionary, by endpoint ids; NULL if there is no such cell. */
GVariant   *wb_matrix_lookup_cell    (WbMatrix             *self,
                                      const char           *from,
                                      const char           *to);

G_END_DECLS
