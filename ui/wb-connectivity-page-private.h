/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Connectivity page's internals, for tests and the screenshot tool:
 * the lab's grid as drawn. Rows are sources, columns destinations.
 */
#pragma once

#include "wb-connectivity-page.h"

G_BEGIN_DECLS

void        _wb_connectivity_page_get_size       (WbConnectivityPage *self,
                                                  guint              *n_sources,
                                                  guint              *n_destinations);
GtkWidget  *_wb_connectivity_page_get_header     (WbConnectivityPage *self,
                                                  gboolean            source,
                                                  guint               index);
/* The widget a cell is drawn from (NULL: no pair). */
GtkWidget  *_wb_connectivity_page_get_cell       (WbConnectivityPage *self,
                                                  guint               source,
                                                  guint               destination);
/* As a click on the cell does: selects it and shows its details. */
void        _wb_connectivity_page_activate_cell  (WbConnectivityPage *self,
                                                  guint               source,
                                                  guint               destination);
gboolean    _wb_connectivity_page_get_focus      (WbConnectivityPage *self,
                                                  guint              *source,
                                                  guint              *destination);
gboolean    _wb_connectivity_page_get_selected   (WbConnectivityPage *self,
                                                  guint              *source,
                                                  guint              *destination);

G_END_DECLS
