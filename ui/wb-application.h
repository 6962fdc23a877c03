/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WB_TYPE_APPLICATION (wb_application_get_type ())
G_DECLARE_FINAL_TYPE (WbApplication, wb_application, WB, APPLICATION, AdwApplication)

/* @connection: a peer connection to the engine. */
WbApplication   *wb_application_new            (GDBusConnection *connection);
GDBusConnection *wb_application_get_connection (WbApplication   *self);

G_END_DECLS
