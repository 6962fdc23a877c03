/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wirebox: the desktop application with its engine on a thread, or, with
 * --headless, just the engine in the foreground (no display, no session bus).
 */
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "wb-client.h"
#include "wb-error.h"
#include "wb-engine.h"
#include "wb-home.h"

#ifdef WB_WITH_GUI
#include "wb-application.h"
#endif

static gboolean
on_quit_signal_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_engine_idle_cb (WbEngine  *engine,
                   GMainLoop *loop)
{
  g_main_loop_quit (loop);
}

static int
run_headless (gboolean idle_exit)
{
  g_autoptr(WbEngine) engine = wb_engine_new (idle_exit ? WB_ENGINE_FLAGS_IDLE_EXIT
                                                        : WB_ENGINE_FLAGS_NONE);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *socket_path = wb_home_get_socket_path ();
  guint signal_ids[3];

  if (!wb_engine_start (engine, &error))
    {
      g_printerr ("wirebox: %s\n", error->message);
      return EXIT_FAILURE;
    }

  signal_ids[0] = g_unix_signal_add (SIGTERM, on_quit_signal_cb, loop);
  signal_ids[1] = g_unix_signal_add (SIGINT, on_quit_signal_cb, loop);
  signal_ids[2] = g_unix_signal_add (SIGHUP, on_quit_signal_cb, loop);
  g_signal_connect (engine, "idle", G_CALLBACK (on_engine_idle_cb), loop);

  g_print ("Wirebox engine %s serving %s (PID %d)\n", WB_VERSION, socket_path, (int) getpid ());
  g_main_loop_run (loop);

  for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_source_remove (signal_ids[i]);
  wb_engine_stop (engine);
  return EXIT_SUCCESS;
}

#ifdef WB_WITH_GUI
static int
run_gui (int    argc,
         char **argv)
{
  g_autoptr(WbEngine) engine = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(WbApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  /* Use the engine that already serves this settings home, else run ours
   * on a thread of this process. */
  if (wb_home_lock_is_held (NULL))
    connection = wb_client_connect_sync (NULL, &error);
  else
    {
      engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
      if (wb_engine_start (engine, &error))
        connection = wb_engine_connect (engine, &error);
      else if (g_error_matches (error, WB_ERROR, WB_ERROR_BUSY))
        {
          /* Another engine won the race for the lock: use it. */
          g_clear_error (&error);
          g_clear_object (&engine);
          connection = wb_client_connect_sync (NULL, &error);
        }
    }

  if (connection == NULL)
    {
      g_printerr ("wirebox: %s\n", error->message);
      return EXIT_FAILURE;
    }

  app = wb_application_new (connection);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  if (engine != NULL)
    wb_engine_stop (engine);
  return status;
}
#endif

int
main (int    argc,
      char **argv)
{
  gboolean headless = FALSE;
  gboolean idle_exit = FALSE;
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless,
      N_("Run only the engine, in the foreground, without a display"), NULL },
    { "idle-exit", 0, 0, G_OPTION_ARG_NONE, &idle_exit,
      N_("With --headless: exit once no client is connected and no VM runs"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  g_option_context_set_help_enabled (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("wirebox: %s\n", error->message);
      return 2;
    }

  if (version)
    {
      g_print ("wirebox %s\n", WB_VERSION);
      return EXIT_SUCCESS;
    }
  if (idle_exit && !headless)
    {
      g_printerr ("wirebox: --idle-exit needs --headless\n");
      return 2;
    }
  if (headless)
    return run_headless (idle_exit);

#ifdef WB_WITH_GUI
  return run_gui (argc, argv);
#else
  g_printerr ("wirebox: built without the GUI; use --headless\n");
  return 2;
#endif
}
