/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reaching an engine from a client (DESIGN.md §2). Connect to the engine
 * socket; when nothing answers and the lock is free, spawn
 * `wirebox --headless --idle-exit` (the one next to our own executable) and
 * wait for its socket; when the lock is held, wait for the socket without
 * spawning.
 */
#pragma once

#include <gio/gio.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

#define WB_ENGINE_OBJECT_PATH "/io/github/wirebox/Engine"

/* Connects to the running engine's socket, without spawning. */
GDBusConnection *wb_client_connect_socket_sync (const char    *socket_path,
                                               GCancellable  *cancellable,
                                               GError       **error);
/* Connects to the engine of the current settings home, spawning one if
 * needed. Blocks for at most about 10 seconds. */
GDBusConnection *wb_client_connect_sync   (GCancellable  *cancellable,
                                           GError       **error);
/* The path of the `wirebox` executable next to the current one. */
char            *wb_client_find_engine_executable (void);
/* A proxy for the root object, without property caching or signals. */
WbDBusEngine    *wb_client_get_engine_sync (GDBusConnection *connection,
                                            GCancellable    *cancellable,
                                            GError         **error);

G_END_DECLS
