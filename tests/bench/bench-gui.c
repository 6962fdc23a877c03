/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Benchmark: the desktop application with 1,000 VMs in the store, beside
 * GTK's own start-up measured in the same run. Prints figures, never
 * asserts times.
 *
 *   bench-gui                   everything below, in fresh subprocesses
 *   bench-gui baseline T0       an empty AdwApplicationWindow
 *   bench-gui window T0 N       the Wirebox window on $WIREBOX_HOME (N VMs)
 *   bench-gui settings T0 N     the same, then VM Settings opened repeatedly
 *
 * T0 is the parent's monotonic time just before it spawned the child (the
 * clock is system-wide), so "launch" includes exec and dynamic linking; the
 * child also reports the time from its main(). A frame is counted when the
 * surface's frame clock emits "after-paint" and the window shows what it
 * should: for Wirebox, the list page with the row of the first VM mapped.
 */
#include <stdlib.h>

#include "wb-dbus.h"
#include "wb-engine.h"
#include "wb-application.h"
#include "wb-settings.h"
#include "wb-store.h"
#include "wb-home.h"
#include "wb-test-util.h"
#include "wb-vm-settings-dialog.h"
#include "wb-window.h"

#define N_VMS 1000
#define N_LAUNCHES 5
#define N_OPENS 9

static const char *const modes[] = { "nat", "intnet", "hostonly", "natnetwork",
                                     "bridged", "intnet", "nat", "null" };

typedef struct
{
  gint64        t0_launch;
  gint64        t0_main;
  guint         n_vms;
  const char   *mode;
  GApplication *app;
  GtkWidget    *window;
  gulong        paint_id;
  guint         timeout_id;

  /* settings mode */
  GDBusConnection *connection;
  guint         round;
  gboolean      plain_turn;     /* this round opens the empty AdwWindow */
  gint64        t_open;
  GtkWidget    *dialog;
  GArray       *dialog_ms;      /* double */
  GArray       *plain_ms;       /* double */
} Bench;

static double
ms_since (gint64 t)
{
  return (g_get_monotonic_time () - t) / 1000.0;
}

/* Calls @func on @widget's surface's frame clock after each paint. */
static gulong
on_after_paint (GtkWidget *widget,
                GCallback  func,
                gpointer   data)
{
  GdkFrameClock *clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (widget)));

  return g_signal_connect (clock, "after-paint", func, data);
}

static void
stop_after_paint (GtkWidget *widget,
                  gulong    *id)
{
  GdkFrameClock *clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (widget)));

  g_clear_signal_handler (id, clock);
}

/* --- what the first frame must show -------------------------------------- */

static GtkWidget *
find_mapped_label (GtkWidget  *widget,
                   const char *name,
                   const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_widget_get_name (widget), name) == 0 &&
      g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_mapped_label (c, name, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The list page is up, holds every VM and shows the first one's row. */
static gboolean
list_shown (Bench *bench)
{
  GtkWidget *window = bench->window;
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (window, WB_TYPE_WINDOW, "main_stack"));
  GListModel *vms = G_LIST_MODEL (gtk_widget_get_template_child (window, WB_TYPE_WINDOW, "sorted_vms"));
  GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (window, WB_TYPE_WINDOW, "vm_list"));
  g_autoptr(WbDBusVm) first = NULL;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "vms") != 0 ||
      g_list_model_get_n_items (vms) != bench->n_vms)
    return FALSE;
  first = g_list_model_get_item (vms, 0);
  return find_mapped_label (list, "vm-name", wb_dbus_vm_get_name (first)) != NULL;
}

/* --- children --------------------------------------------------------------- */

static gboolean
on_timeout_cb (gpointer data)
{
  Bench *bench = data;
  GtkWidget *window = bench->window;

  if (window == NULL || !WB_IS_WINDOW (window))
    g_error ("bench-gui %s: no first frame in 60 s", bench->mode);
  g_error ("bench-gui %s: no frame with the list in 60 s (page %s, %u VMs)", bench->mode,
           gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_template_child (window, WB_TYPE_WINDOW, "main_stack"))),
           g_list_model_get_n_items (G_LIST_MODEL (gtk_widget_get_template_child (window, WB_TYPE_WINDOW, "sorted_vms"))));
  return G_SOURCE_REMOVE;
}

static gboolean
destroy_windows_cb (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }
  return G_SOURCE_REMOVE;
}

static void open_next (Bench *bench);

static void
on_dialog_painted_cb (GdkFrameClock *clock,
                      Bench         *bench)
{
  double ms = ms_since (bench->t_open);

  /* VM Settings counts once it shows the VM's adapters: it asks for them
   * asynchronously when the list loaded only summaries. */
  if (!bench->plain_turn)
    {
      GtkSpinner *spinner = GTK_SPINNER (gtk_widget_get_template_child (bench->dialog,
                                                                        WB_TYPE_VM_SETTINGS_DIALOG,
                                                                        "spinner"));

      if (gtk_spinner_get_spinning (spinner))
        return;
    }
  stop_after_paint (bench->dialog, &bench->paint_id);
  g_array_append_val (bench->plain_turn ? bench->plain_ms : bench->dialog_ms, ms);
  gtk_window_destroy (GTK_WINDOW (bench->dialog));
  bench->dialog = NULL;
  /* Let the window settle before the next round. */
  g_timeout_add_once (100, (GSourceOnceFunc) open_next, bench);
}

static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_OBJECT_TYPE (window) == type)
        return window;
    }
  return NULL;
}

static void
print_series (const char *key,
              GArray     *values)
{
  g_print ("%s", key);
  for (guint i = 0; i < values->len; i++)
    g_print (" %.3f", g_array_index (values, double, i));
  g_print ("\n");
}

/* Alternates an empty AdwWindow (GTK's floor for a new toplevel) with VM
 * Settings of a different VM each time. */
static void
open_next (Bench *bench)
{
  GListModel *vms = G_LIST_MODEL (gtk_widget_get_template_child (bench->window, WB_TYPE_WINDOW, "sorted_vms"));

  if (bench->round == 2 * N_OPENS)
    {
      print_series ("settings", bench->dialog_ms);
      print_series ("plain", bench->plain_ms);
      destroy_windows_cb (NULL);
      return;
    }
  bench->plain_turn = bench->round % 2 == 0;
  bench->t_open = g_get_monotonic_time ();
  if (bench->plain_turn)
    {
      bench->dialog = adw_window_new ();
      gtk_window_set_transient_for (GTK_WINDOW (bench->dialog), GTK_WINDOW (bench->window));
      gtk_window_set_modal (GTK_WINDOW (bench->dialog), TRUE);
      gtk_window_present (GTK_WINDOW (bench->dialog));
    }
  else
    {
      g_autoptr(WbDBusVm) vm = g_list_model_get_item (vms, (bench->round * 97) % bench->n_vms);

      wb_vm_settings_dialog_present (vm, bench->connection, GTK_WINDOW (bench->window));
      bench->dialog = find_toplevel (WB_TYPE_VM_SETTINGS_DIALOG);
    }
  g_assert_nonnull (bench->dialog);
  bench->round++;
  bench->paint_id = on_after_paint (bench->dialog, G_CALLBACK (on_dialog_painted_cb), bench);
}

static void
on_window_painted_cb (GdkFrameClock *clock,
                      Bench         *bench)
{
  double launch_ms = ms_since (bench->t0_launch);
  double main_ms = ms_since (bench->t0_main);

  if (g_str_equal (bench->mode, "baseline") ? FALSE : !list_shown (bench))
    return;

  stop_after_paint (bench->window, &bench->paint_id);
  g_clear_handle_id (&bench->timeout_id, g_source_remove);
  g_print ("launch %.3f\nmain %.3f\n", launch_ms, main_ms);
  if (g_str_equal (bench->mode, "settings"))
    g_timeout_add_once (200, (GSourceOnceFunc) open_next, bench);
  else
    g_idle_add (destroy_windows_cb, NULL);
}

static void
on_window_realized_cb (GtkWidget *window,
                       Bench     *bench)
{
  bench->paint_id = on_after_paint (window, G_CALLBACK (on_window_painted_cb), bench);
}

static void
on_window_added_cb (GtkApplication *app,
                    GtkWindow      *window,
                    Bench          *bench)
{
  if (bench->window != NULL)
    return;
  bench->window = GTK_WIDGET (window);
  g_signal_connect_after (window, "realize", G_CALLBACK (on_window_realized_cb), bench);
}

static void
on_baseline_activate_cb (GtkApplication *app)
{
  GtkWidget *window = adw_application_window_new (app);

  gtk_window_set_default_size (GTK_WINDOW (window), 960, 640);
  gtk_window_present (GTK_WINDOW (window));
}

static int
run_baseline (Bench *bench)
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.wirebox.BenchBaseline",
                                                       G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added_cb), bench);
  g_signal_connect (app, "activate", G_CALLBACK (on_baseline_activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), 0, NULL);
}

/* As app/wirebox.c does: the engine on a thread of this process. */
static int
run_wirebox (Bench *bench)
{
  g_autoptr(WbEngine) engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_autoptr(WbApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (!wb_engine_start (engine, &error) ||
      !(bench->connection = wb_engine_connect (engine, &error)))
    {
      g_printerr ("bench-gui: %s\n", error->message);
      return EXIT_FAILURE;
    }
  bench->dialog_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench->plain_ms = g_array_new (FALSE, FALSE, sizeof (double));

  app = wb_application_new (bench->connection);
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added_cb), bench);
  status = g_application_run (G_APPLICATION (app), 0, NULL);

  g_dbus_connection_close_sync (bench->connection, NULL, NULL);
  g_clear_object (&bench->connection);
  wb_engine_stop (engine);
  g_clear_pointer (&bench->dialog_ms, g_array_unref);
  g_clear_pointer (&bench->plain_ms, g_array_unref);
  return status;
}

/* --- the parent ------------------------------------------------------------- */

static void
populate (guint n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = wb_home_get_db_path ();
  g_autoptr(WbStore) store = wb_store_open (db, &error);
  g_autoptr(WbSettings) settings = NULL;

  g_assert_no_error (error);
  settings = wb_settings_new (store);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("vm%05u", i);
      g_autofree char *uuid = wb_settings_create_vm (settings, name, TRUE, &error);
      WbVmChange changes[WB_MAX_ADAPTERS + 2];
      guint k = 0;

      g_assert_no_error (error);
      for (guint slot = 1; slot <= WB_MAX_ADAPTERS; slot++)
        changes[k++] = (WbVmChange) { "nic", slot, modes[slot - 1] };
      changes[k++] = (WbVmChange) { "intnet", 2, "lab" };
      changes[k++] = (WbVmChange) { "natpf", 1, "ssh,tcp,127.0.0.1,2222,,22" };
      wb_settings_modify_vm (settings, name, changes, k, &error);
      g_assert_no_error (error);
    }
}

/* Runs this program in @mode; returns its output as "key value..." lines
 * in a table of key -> GArray of double. */
static GHashTable *
run_child (const char *mode,
           const char *arg)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *t0 = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_array_unref);
  int status;

  t0 = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_monotonic_time ());
  {
    const char *argv[] = { self, mode, t0, arg, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                  &out, &err, &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("bench-gui %s: %s\n%s", mode, error->message, err);

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", -1);
      GArray *series;

      if (words[0] == NULL || words[1] == NULL)
        continue;
      series = g_array_new (FALSE, FALSE, sizeof (double));
      for (guint j = 1; words[j] != NULL; j++)
        {
          double v = g_ascii_strtod (words[j], NULL);

          g_array_append_val (series, v);
        }
      g_hash_table_insert (values, g_strdup (words[0]), series);
    }
  return values;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_autoptr(GArray) sorted = g_array_copy (values);

  g_assert_cmpuint (sorted->len, >, 0);
  g_array_sort (sorted, compare_doubles);
  if (sorted->len % 2 == 1)
    return g_array_index (sorted, double, sorted->len / 2);
  return (g_array_index (sorted, double, sorted->len / 2 - 1) +
          g_array_index (sorted, double, sorted->len / 2)) / 2;
}

/* Median of @key over N_LAUNCHES fresh processes. */
static void
launches (const char *mode,
          const char *arg,
          double     *launch_ms,
          double     *main_ms)
{
  g_autoptr(GArray) launch = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) from_main = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < N_LAUNCHES; i++)
    {
      g_autoptr(GHashTable) values = run_child (mode, arg);

      g_array_append_val (launch, g_array_index ((GArray *) g_hash_table_lookup (values, "launch"), double, 0));
      g_array_append_val (from_main, g_array_index ((GArray *) g_hash_table_lookup (values, "main"), double, 0));
    }
  *launch_ms = median (launch);
  *main_ms = median (from_main);
}

static int
run_all (void)
{
  g_autofree char *home = wb_test_set_up_home ("wirebox-bench-gui-XXXXXX");
  g_autofree char *n = g_strdup_printf ("%u", N_VMS);
  g_autoptr(GHashTable) opened = NULL;
  GArray *settings, *plain;
  gint64 t;
  double base, base_main, list, list_main, open_first, open_ms, plain_ms;

  /* One throwaway start warms the disk cache for both sides. */
  g_hash_table_unref (run_child ("baseline", ""));
  launches ("baseline", "", &base, &base_main);
  g_print ("GTK baseline (empty AdwApplicationWindow, launch to first frame): %.1f ms "
           "(from main: %.1f ms), median of %u\n", base, base_main, N_LAUNCHES);

  t = g_get_monotonic_time ();
  populate (N_VMS);
  g_print ("store: %u VMs x 8 adapters, filled in %.1f s\n", N_VMS, ms_since (t) / 1000);

  launches ("window", n, &list, &list_main);
  g_print ("Wirebox with %u VMs, launch to first frame with the list: %.1f ms "
           "(from main: %.1f ms; %.1f / %.1f = %.2f x baseline; aim < 500 ms)\n",
           N_VMS, list, list_main, list, base, list / base);

  opened = run_child ("settings", n);
  settings = g_hash_table_lookup (opened, "settings");
  plain = g_hash_table_lookup (opened, "plain");
  open_first = g_array_index (settings, double, 0);
  g_array_remove_index (settings, 0);
  open_ms = median (settings);
  plain_ms = median (plain);
  g_print ("empty AdwWindow over the main window, present to first frame: %.1f ms, median of %u\n",
           plain_ms, plain->len);
  g_print ("open VM Settings, present to the first frame with its adapters: %.1f ms "
           "(%.1f / %.1f = %.2f x empty window; first, cold: %.1f ms; median of %u; aim < 100 ms)\n",
           open_ms, open_ms, plain_ms, open_ms / plain_ms, open_first, settings->len);

  wb_test_rm_rf (home);
  return EXIT_SUCCESS;
}

int
main (int    argc,
      char **argv)
{
  Bench bench = { 0 };

  bench.t0_main = g_get_monotonic_time ();
  if (argc == 1)
    return run_all ();
  if (argc < 3)
    {
      g_printerr ("usage: %s [baseline|window|settings T0 [N]]\n", argv[0]);
      return 2;
    }

  bench.mode = argv[1];
  bench.t0_launch = g_ascii_strtoll (argv[2], NULL, 10);
  bench.n_vms = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 0;
  bench.timeout_id = g_timeout_add_seconds (60, on_timeout_cb, &bench);
  if (g_str_equal (bench.mode, "baseline"))
    return run_baseline (&bench);
  if (g_str_equal (bench.mode, "window") || g_str_equal (bench.mode, "settings"))
    return run_wirebox (&bench);
  g_printerr ("bench-gui: unknown mode %s\n", bench.mode);
  return 2;
}
