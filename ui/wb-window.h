/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wb-application.h"

G_BEGIN_DECLS

#define WB_TYPE_WINDOW (wb_window_get_type ())
G_DECLARE_FINAL_TYPE (WbWindow, wb_window, WB, WINDOW, AdwApplicationWindow)

/* @application may be NULL (tests). */
WbWindow *wb_window_new (WbApplication   *application,
                         GDBusConnection *connection);

/* Starts loading what a window on @connection lists, before GTK is up;
 * the next window created on @connection takes the load over. */
void      wb_window_prefetch (GDBusConnection *connection);

/* Load the example lab once the window knows the settings home holds no
 * VM and no network (the first start). Off by default. */
void      wb_window_set_load_lab_if_empty (WbWindow *self,
                                           gboolean  load);

/* "Adapter 1: NAT, Adapter 2: Internal Network 'intnet'" for a VM's
 * Summary (a(uss)); "No network adapters" when it lists none. */
char     *wb_window_summarize_adapters (GVariant *summary);

G_END_DECLS
