/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine: one per settings home (DESIGN.md §2). It runs on its own
 * thread with its own GMainContext, holds the lock of the settings home,
 * owns the store and serves D-Bus on the engine socket and on in-process
 * peer connections.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  WB_ENGINE_FLAGS_NONE      = 0,
  /* Emit "idle" once no client is connected (and no VM runs) for the idle
   * time: $WIREBOX_IDLE_EXIT_SECONDS, default 30. */
  WB_ENGINE_FLAGS_IDLE_EXIT = 1 << 0,
} WbEngineFlags;

#define WB_TYPE_ENGINE (wb_engine_get_type ())
G_DECLARE_FINAL_TYPE (WbEngine, wb_engine, WB, ENGINE, GObject)

WbEngine        *wb_engine_new     (WbEngineFlags   flags);
/* Starts the engine thread and returns once it serves: the lock taken, the
 * store open, the socket listening. "idle" is emitted in the thread-default
 * context of the caller of this function. */
gboolean         wb_engine_start   (WbEngine       *self,
                                    GError        **error);
/* Closes every client, the socket, the store and the lock; joins the thread.
 * Idempotent. */
void             wb_engine_stop    (WbEngine       *self);
/* A new peer-to-peer connection to the engine for the calling thread (its
 * thread-default context dispatches the connection's signals). */
GDBusConnection *wb_engine_connect (WbEngine       *self,
                                    GError        **error);

G_END_DECLS
