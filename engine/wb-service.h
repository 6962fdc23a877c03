/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine's D-Bus service: the root io.github.wirebox.Engine object,
 * exported on every client connection, and, for connections that call
 * Subscribe(), an object manager with one object per VM, NAT network,
 * host-only interface and DHCP server, kept in step with the settings.
 * Engine thread only.
 */
#pragma once

#include <gio/gio.h>

#include "wb-dbus.h"
#include "wb-runtime.h"
#include "wb-settings.h"

G_BEGIN_DECLS

#define WB_TYPE_SERVICE (wb_service_get_type ())
G_DECLARE_FINAL_TYPE (WbService, wb_service, WB, SERVICE, WbDBusEngineSkeleton)

WbService  *wb_service_new               (WbSettings       *settings,
                                          WbRuntime        *runtime);
/* Serves @connection until it closes. */
void        wb_service_add_connection    (WbService        *self,
                                          GDBusConnection  *connection);
guint       wb_service_get_n_connections (WbService        *self);
/* Closes every client connection (on shutdown). */
void        wb_service_close_all         (WbService        *self);

G_END_DECLS
