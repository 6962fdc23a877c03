/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-client.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <unistd.h>

#include "wb-error.h"
#include "wb-home.h"

#define WB_CLIENT_WAIT_US     (10 * G_USEC_PER_SEC)
#define WB_CLIENT_POLL_US     (10 * 1000)

GDBusConnection *
wb_client_connect_socket_sync (const char    *socket_path,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autoptr(GSocketConnection) stream = NULL;

  stream = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address),
                                    cancellable, error);
  if (stream == NULL)
    return NULL;

  return g_dbus_connection_new_sync (G_IO_STREAM (stream), NULL,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                     NULL, cancellable, error);
}

char *
wb_client_find_engine_executable (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;

  if (self == NULL)
    return g_strdup ("wirebox");
  dir = g_path_get_dirname (self);
  return g_build_filename (dir, "wirebox", NULL);
}

static void
detach_child_setup (gpointer user_data)
{
  /* The engine outlives its client: keep it out of the terminal's signals. */
  setsid ();
}

static gboolean
spawn_engine (GError **error)
{
  g_autofree char *exe = wb_client_find_engine_executable ();
  char *argv[] = { exe, (char *) "--headless", (char *) "--idle-exit", NULL };

  /* Without G_SPAWN_DO_NOT_REAP_CHILD GLib double-forks, so the engine is
   * adopted by init and never becomes our zombie. */
  return g_spawn_async (NULL, argv, NULL,
                        G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                        detach_child_setup, NULL, NULL, error);
}

GDBusConnection *
wb_client_connect_sync (GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *socket_path = wb_home_get_socket_path ();
  gint64 deadline = g_get_monotonic_time () + WB_CLIENT_WAIT_US;
  gboolean spawned = FALSE;

  /* Register the error domain so that the engine's errors arrive as WB_ERROR. */
  (void) WB_ERROR;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      GDBusConnection *connection;

      connection = wb_client_connect_socket_sync (socket_path, cancellable,
                                                  &local_error);
      if (connection != NULL)
        return connection;
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      /* No engine answers. If none holds the lock, start one (once); if one
       * holds it, it is starting or another client spawned it: wait. */
      if (!spawned && !wb_home_lock_is_held (NULL))
        {
          if (!wb_home_ensure_dirs (error) || !spawn_engine (error))
            return NULL;
          spawned = TRUE;
        }

      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "Cannot reach the Wirebox engine at %s: %s",
                       socket_path, local_error->message);
          return NULL;
        }
      g_usleep (WB_CLIENT_POLL_US);
    }
}

WbDBusEngine *
wb_client_get_engine_sync (GDBusConnection  *connection,
                           GCancellable     *cancellable,
                           GError          **error)
{
  WbDBusEngine *engine;

  engine = wb_dbus_engine_proxy_new_sync (connection,
                                          G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                          G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                          NULL, WB_ENGINE_OBJECT_PATH,
                                          cancellable, error);
  if (engine != NULL)
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (engine), G_MAXINT);
  return engine;
}
