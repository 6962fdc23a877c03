/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-engine.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wb-error.h"
#include "wb-home.h"
#include "wb-runtime.h"
#include "wb-service.h"
#include "wb-settings.h"
#include "wb-store.h"

#define DEFAULT_IDLE_SECONDS 30

struct _WbEngine
{
  GObject           parent_instance;

  WbEngineFlags     flags;
  guint             idle_seconds;
  GMainContext     *owner_context;   /* where "idle" is emitted */

  /* Engine thread. */
  GThread          *thread;
  GMainContext     *context;
  GMainLoop        *loop;
  int               lock_fd;
  char             *socket_path;
  char             *guid;
  GDBusAuthObserver *observer;
  GDBusServer      *server;
  WbStore          *store;
  WbSettings       *settings;
  WbRuntime        *runtime;
  WbService        *service;
  GSource          *idle_source;

  /* Start-up handshake between the caller and the engine thread. */
  GMutex            mutex;
  GCond             cond;
  gboolean          ready;
  GError           *start_error;
};

G_DEFINE_FINAL_TYPE (WbEngine, wb_engine, G_TYPE_OBJECT)

enum {
  SIGNAL_IDLE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- the lock ---------------------------------------------------------- */

static gboolean
take_lock (WbEngine  *self,
           GError   **error)
{
  g_autofree char *path = wb_home_get_lock_path ();
  struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  g_autofree char *pid = g_strdup_printf ("%d\n", (int) getpid ());
  int fd;

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, WB_ERROR, WB_ERROR_FAILED, "Cannot open %s: %s",
                   path, g_strerror (saved));
      return FALSE;
    }

  /* An open-file-description lock: it is ours until the engine stops or
   * dies, and closing another descriptor of the file does not drop it. */
  if (fcntl (fd, F_OFD_SETLK, &lock) != 0)
    {
      char buf[32] = { 0 };

      if (pread (fd, buf, sizeof buf - 1, 0) < 0)
        buf[0] = '\0';
      close (fd);
      g_set_error (error, WB_ERROR, WB_ERROR_BUSY,
                   "Another Wirebox engine (PID %s) is running for %s",
                   *g_strstrip (buf) != '\0' ? buf : "unknown", path);
      return FALSE;
    }

  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) < 0)
    g_warning ("Cannot write the PID into %s: %s", path, g_strerror (errno));
  self->lock_fd = fd;
  return TRUE;
}

static void
release_lock (WbEngine *self)
{
  if (self->lock_fd >= 0)
    {
      /* Leave the file: removing it would race with the next engine. */
      if (ftruncate (self->lock_fd, 0) != 0)
        g_debug ("Cannot truncate the lock file: %s", g_strerror (errno));
      close (self->lock_fd);
      self->lock_fd = -1;
    }
}

/* --- idle exit --------------------------------------------------------- */

static gboolean
emit_idle_cb (gpointer user_data)
{
  WbEngine *self = user_data;

  g_signal_emit (self, signals[SIGNAL_IDLE], 0);
  return G_SOURCE_REMOVE;
}

static gboolean
on_idle_timeout_cb (gpointer user_data)
{
  WbEngine *self = user_data;

  g_clear_pointer (&self->idle_source, g_source_unref);
  g_main_context_invoke_full (self->owner_context, G_PRIORITY_DEFAULT, emit_idle_cb,
                              g_object_ref (self), g_object_unref);
  return G_SOURCE_REMOVE;
}

static void
update_idle_timer (WbEngine *self)
{
  gboolean idle;

  if ((self->flags & WB_ENGINE_FLAGS_IDLE_EXIT) == 0 || self->service == NULL)
    return;

  idle = wb_service_get_n_connections (self->service) == 0 &&
         wb_runtime_get_n_running (self->runtime) == 0;
  if (idle && self->idle_source == NULL)
    {
      self->idle_source = g_timeout_source_new_seconds (self->idle_seconds);
      g_source_set_callback (self->idle_source, on_idle_timeout_cb, self, NULL);
      g_source_set_name (self->idle_source, "[wirebox] idle exit");
      g_source_attach (self->idle_source, self->context);
    }
  else if (!idle && self->idle_source != NULL)
    {
      g_source_destroy (self->idle_source);
      g_clear_pointer (&self->idle_source, g_source_unref);
    }
}

static void
on_n_connections_cb (WbService  *service,
                     GParamSpec *pspec,
                     WbEngine   *self)
{
  update_idle_timer (self);
}

static void
on_vm_state_changed_cb (WbRuntime  *runtime,
                        const char *uuid,
                        gboolean    running,
                        WbEngine   *self)
{
  update_idle_timer (self);
}

/* --- serving ----------------------------------------------------------- */

static gboolean
on_authorize_cb (GDBusAuthObserver *observer,
                 GIOStream         *stream,
                 GCredentials      *credentials,
                 gpointer           user_data)
{
  /* Only the user who runs the engine may talk to it. */
  return credentials != NULL &&
         g_credentials_get_unix_user (credentials, NULL) == getuid ();
}

static gboolean
on_allow_mechanism_cb (GDBusAuthObserver *observer,
                       const char        *mechanism,
                       gpointer           user_data)
{
  return g_strcmp0 (mechanism, "EXTERNAL") == 0;
}

static gboolean
on_new_connection_cb (GDBusServer     *server,
                      GDBusConnection *connection,
                      WbEngine        *self)
{
  wb_service_add_connection (self->service, connection);
  return TRUE;
}

static gboolean
open_socket (WbEngine  *self,
             GError   **error)
{
  g_autofree char *address = NULL;
  g_autofree char *escaped = g_dbus_address_escape_value (self->socket_path);

  /* We hold the lock, so a socket file left here is a dead engine's. */
  if (g_unlink (self->socket_path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, WB_ERROR, WB_ERROR_FAILED, "Cannot remove the stale socket %s: %s",
                   self->socket_path, g_strerror (saved));
      return FALSE;
    }

  address = g_strdup_printf ("unix:path=%s", escaped);
  self->server = g_dbus_server_new_sync (address, G_DBUS_SERVER_FLAGS_NONE, self->guid,
                                         self->observer, NULL, error);
  if (self->server == NULL)
    return FALSE;
  g_chmod (self->socket_path, 0600);
  g_signal_connect_object (self->server, "new-connection",
                           G_CALLBACK (on_new_connection_cb), self, 0);
  g_dbus_server_start (self->server);
  return TRUE;
}

static gboolean
engine_setup (WbEngine  *self,
              GError   **error)
{
  g_autofree char *db_path = wb_home_get_db_path ();

  if (!wb_home_ensure_dirs (error) || !take_lock (self, error))
    return FALSE;

  self->store = wb_store_open (db_path, error);
  if (self->store == NULL)
    return FALSE;
  self->settings = wb_settings_new (self->store);
  self->runtime = wb_runtime_new (self->settings);
  g_signal_connect_object (self->runtime, "vm-state-changed",
                           G_CALLBACK (on_vm_state_changed_cb), self, 0);
  self->service = wb_service_new (self->settings, self->runtime);
  g_signal_connect_object (self->service, "notify::n-connections",
                           G_CALLBACK (on_n_connections_cb), self, 0);

  self->observer = g_dbus_auth_observer_new ();
  g_signal_connect (self->observer, "authorize-authenticated-peer",
                    G_CALLBACK (on_authorize_cb), NULL);
  g_signal_connect (self->observer, "allow-mechanism",
                    G_CALLBACK (on_allow_mechanism_cb), NULL);

  if (!open_socket (self, error))
    return FALSE;
  update_idle_timer (self);
  return TRUE;
}

static void
engine_teardown (WbEngine *self)
{
  if (self->idle_source != NULL)
    {
      g_source_destroy (self->idle_source);
      g_clear_pointer (&self->idle_source, g_source_unref);
    }
  if (self->server != NULL)
    {
      g_dbus_server_stop (self->server);
      g_unlink (self->socket_path);
      g_clear_object (&self->server);
    }
  if (self->service != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->service, self);
      wb_service_close_all (self->service);
      g_clear_object (&self->service);
    }
  if (self->runtime != NULL)
    {
      /* VMs release what they hold (leases, traces) before the store goes. */
      g_signal_handlers_disconnect_by_data (self->runtime, self);
      wb_runtime_shutdown (self->runtime);
      g_clear_object (&self->runtime);
    }
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->observer);
  release_lock (self);
}

static gpointer
engine_thread (gpointer user_data)
{
  WbEngine *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);

  ok = engine_setup (self, &error);

  g_mutex_lock (&self->mutex);
  self->ready = TRUE;
  if (!ok)
    self->start_error = g_steal_pointer (&error);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (ok)
    g_main_loop_run (self->loop);

  engine_teardown (self);
  /* Let pending finalisations (connections, sources) run here. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

gboolean
wb_engine_start (WbEngine  *self,
                 GError   **error)
{
  g_return_val_if_fail (WB_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  g_clear_pointer (&self->owner_context, g_main_context_unref);
  self->owner_context = g_main_context_ref_thread_default ();
  self->thread = g_thread_new ("wirebox-engine", engine_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->start_error != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  WbEngine *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

void
wb_engine_stop (WbEngine *self)
{
  g_return_if_fail (WB_IS_ENGINE (self));

  if (self->thread == NULL)
    return;
  g_main_context_invoke (self->context, quit_cb, self);
  g_thread_join (g_steal_pointer (&self->thread));
}

/* --- in-process peers -------------------------------------------------- */

typedef struct
{
  WbEngine *engine;
  GSocket  *socket;
} PeerSetup;

static void
on_peer_connection_ready_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr(WbEngine) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = g_dbus_connection_new_finish (result, &error);

  if (connection == NULL)
    {
      g_warning ("In-process client refused: %s", error->message);
      return;
    }
  if (self->service == NULL)
    return;
  wb_service_add_connection (self->service, connection);
  g_dbus_connection_start_message_processing (connection);
}

static gboolean
accept_peer_cb (gpointer user_data)
{
  PeerSetup *setup = user_data;
  g_autoptr(GSocketConnection) stream = g_socket_connection_factory_create_connection (setup->socket);

  g_dbus_connection_new (G_IO_STREAM (stream), setup->engine->guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                         G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                         setup->engine->observer, NULL,
                         on_peer_connection_ready_cb, g_object_ref (setup->engine));
  return G_SOURCE_REMOVE;
}

static void
peer_setup_free (gpointer data)
{
  PeerSetup *setup = data;

  g_object_unref (setup->engine);
  g_object_unref (setup->socket);
  g_free (setup);
}

GDBusConnection *
wb_engine_connect (WbEngine  *self,
                   GError   **error)
{
  g_autoptr(GSocket) ours = NULL;
  g_autoptr(GSocketConnection) stream = NULL;
  PeerSetup *setup;
  int fds[2];

  g_return_val_if_fail (WB_IS_ENGINE (self), NULL);
  g_return_val_if_fail (self->thread != NULL, NULL);

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create a socket pair: %s", g_strerror (saved));
      return NULL;
    }

  setup = g_new0 (PeerSetup, 1);
  setup->engine = g_object_ref (self);
  setup->socket = g_socket_new_from_fd (fds[1], error);
  ours = g_socket_new_from_fd (fds[0], error);
  if (setup->socket == NULL || ours == NULL)
    {
      if (setup->socket == NULL)
        close (fds[1]);
      if (ours == NULL)
        close (fds[0]);
      g_clear_object (&setup->socket);
      g_object_unref (setup->engine);
      g_free (setup);
      return NULL;
    }

  /* The engine's end is set up on the engine thread, ours here. */
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, accept_peer_cb,
                              setup, peer_setup_free);
  stream = g_socket_connection_factory_create_connection (ours);
  return g_dbus_connection_new_sync (G_IO_STREAM (stream), NULL,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                     NULL, NULL, error);
}

/* --- GObject ----------------------------------------------------------- */

static void
wb_engine_finalize (GObject *object)
{
  WbEngine *self = WB_ENGINE (object);

  wb_engine_stop (self);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_clear_error (&self->start_error);
  g_free (self->socket_path);
  g_free (self->guid);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (wb_engine_parent_class)->finalize (object);
}

static void
wb_engine_class_init (WbEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wb_engine_finalize;

  /* Emitted when the engine has been idle for the idle time (only with
   * WB_ENGINE_FLAGS_IDLE_EXIT). */
  signals[SIGNAL_IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 0);
}

static void
wb_engine_init (WbEngine *self)
{
  self->lock_fd = -1;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->socket_path = wb_home_get_socket_path ();
  self->guid = g_dbus_generate_guid ();
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

WbEngine *
wb_engine_new (WbEngineFlags flags)
{
  WbEngine *self = g_object_new (WB_TYPE_ENGINE, NULL);
  const char *idle = g_getenv ("WIREBOX_IDLE_EXIT_SECONDS");

  self->flags = flags;
  self->idle_seconds = DEFAULT_IDLE_SECONDS;
  if (idle != NULL)
    {
      guint64 seconds = g_ascii_strtoull (idle, NULL, 10);

      if (seconds > 0 && seconds < G_MAXUINT)
        self->idle_seconds = (guint) seconds;
    }
  return self;
}
