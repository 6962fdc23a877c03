/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Where things live (DESIGN.md §3): the settings home ($WIREBOX_HOME, else
 * $XDG_CONFIG_HOME/wirebox) with wirebox.db and the engine's lock file, and
 * the engine socket ($WIREBOX_HOME/engine.sock when WIREBOX_HOME is set,
 * else $XDG_RUNTIME_DIR/wirebox/engine.sock).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *wb_home_get_dir          (void);
char     *wb_home_get_db_path      (void);
char     *wb_home_get_lock_path    (void);
char     *wb_home_get_socket_path  (void);
char     *wb_home_get_logs_dir     (void);
/* Creates the settings home and the socket's folder (0700). */
gboolean  wb_home_ensure_dirs      (GError **error);

/* Whether some process holds the engine lock; if so and @pid is not NULL,
 * the PID written in the lock file (0 if unreadable). */
gboolean  wb_home_lock_is_held     (pid_t   *pid);

G_END_DECLS
