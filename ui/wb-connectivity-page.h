/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Connectivity page of the main window (DESIGN.md §7): the running
 * lab's matrix of what reaches what, kept live from the engine's
 * RunMatrix/GetMatrix and their signals, and the modes measured against
 * VirtualBox's table (RunModesMatrix).
 */
#pragma once

#include <adwaita.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

#define WB_TYPE_CONNECTIVITY_PAGE (wb_connectivity_page_get_type ())

G_DECLARE_FINAL_TYPE (WbConnectivityPage, wb_connectivity_page, WB, CONNECTIVITY_PAGE, AdwBin)

GtkWidget  *wb_connectivity_page_new             (void);
void        wb_connectivity_page_set_engine      (WbConnectivityPage *self,
                                                  WbDBusEngine       *engine);
/* How many VMs run: none shows the empty state; the first shown moment
 * with some starts a measurement. */
void        wb_connectivity_page_set_n_running   (WbConnectivityPage *self,
                                                  guint               n_running);
/* The generation of the matrix shown (0: none yet). */
guint       wb_connectivity_page_get_generation  (WbConnectivityPage *self);
/* A RunMatrix in flight, or cells being probed. */
gboolean    wb_connectivity_page_get_busy        (WbConnectivityPage *self);

G_END_DECLS
