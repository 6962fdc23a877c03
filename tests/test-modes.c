/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The modes matrix (wb-modes.h): five throwaway labs measured in worlds of
 * their own must reproduce VirtualBox's table (VIRTUALBOX.md §6), a lab
 * without its forwards must show it, and the user's world beside them is
 * left as it was: no VM, no network, no log, no temporary folder behind.
 *
 * Network safety: the labs' only real sockets are the NAT forwards (on
 * ports the kernel picks) and the matrix's listener, reached over
 * 127.0.0.1; the Net/LAN is the engine's stand-in at 198.51.100.0/24.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wb-modes.h"
#include "wb-runtime-private.h"
#include "wb-store.h"
#include "wb-test-runtime.h"
#include "wb-test-util.h"

typedef WbTestFixture Fixture;

static char *tmp_dir;   /* TMPDIR of this test: the labs' folders go there */

typedef struct
{
  guint done;
  guint total;
  guint count;
} Progress;

static void
on_progress_cb (WbModes  *modes,
                guint     done,
                guint     total,
                Progress *progress)
{
  g_assert_cmpuint (done, >=, progress->done);
  progress->done = done;
  progress->total = total;
  progress->count++;
}

static GVariant *
run_modes (WbModesFault  fault,
           Progress     *progress)
{
  g_autoptr(WbModes) modes = wb_modes_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *answer;

  wb_modes_set_fault (modes, fault);
  g_signal_connect (modes, "progress", G_CALLBACK (on_progress_cb), progress);
  wb_modes_run_async (modes, NULL, wb_test_store_result_cb, &result);
  answer = wb_modes_run_finish (modes, wb_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  {
    g_autofree char *text = g_variant_print (answer, FALSE);

    g_test_message ("%s", text);
  }
  return answer;
}

/* The user's world saw nothing of the labs. */
static void
assert_untouched (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vms = wb_store_list_vms (f->store, &error);
  g_autoptr(GPtrArray) natnets = NULL;
  g_autoptr(GPtrArray) hifs = NULL;
  g_autofree char *logs = g_build_filename (f->home, "logs", NULL);
  g_autoptr(GDir) dir = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (vms->len, ==, 0);
  natnets = wb_store_list_nat_networks (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (natnets->len, ==, 0);
  hifs = wb_store_list_host_only_ifs (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hifs->len, ==, 0);
  g_assert_cmpuint (_wb_runtime_get_n_networks (f->runtime), ==, 0);
  g_assert_cmpuint (wb_runtime_get_n_running (f->runtime), ==, 0);
  g_assert_cmpuint (f->state_changes, ==, 0);
  g_assert_false (g_file_test (logs, G_FILE_TEST_EXISTS));

  /* Every lab's folder is gone. */
  dir = g_dir_open (tmp_dir, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));
}

static const char *
mode_column (GVariant   *mode,
             const char *column)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (mode, column, "&s", &value));
  return value;
}

/* VIRTUALBOX.md §6, written out here rather than taken from wb-modes.c, so
 * that the engine's own table is checked too. */
static const struct
{
  const char *mode;
  const char *cells[WB_MODES_N_COLUMNS];   /* in the order of columns[] */
} virtualbox[] = {
  { "hostonly",   { "+", "+", "+", "-", "-" } },
  { "intnet",     { "-", "-", "+", "-", "-" } },
  { "bridged",    { "+", "+", "+", "+", "+" } },
  { "nat",        { "+", "port-forward", "-", "+", "port-forward" } },
  { "natnetwork", { "+", "port-forward", "+", "+", "port-forward" } },
};
static const char * const columns[WB_MODES_N_COLUMNS] = {
  "vm-to-host", "host-to-vm", "vm-to-vm", "vm-to-lan", "lan-to-vm",
};

static const char *
virtualbox_cell (const char *mode,
                 const char *column)
{
  for (guint i = 0; i < G_N_ELEMENTS (virtualbox); i++)
    for (guint j = 0; j < G_N_ELEMENTS (columns); j++)
      if (g_strcmp0 (virtualbox[i].mode, mode) == 0 && g_strcmp0 (columns[j], column) == 0)
        return virtualbox[i].cells[j];
  g_error ("No cell %s %s in VirtualBox's table", mode, column);
}

static gboolean
is_forward_cell (guint mode,
                 guint column)
{
  return (g_strcmp0 (wb_modes_names[mode], "nat") == 0
          || g_strcmp0 (wb_modes_names[mode], "natnetwork") == 0)
         && (g_strcmp0 (wb_modes_columns[column], "host-to-vm") == 0
             || g_strcmp0 (wb_modes_columns[column], "lan-to-vm") == 0);
}

static void
check_answer (GVariant     *answer,
              WbModesFault  fault)
{
  g_autoptr(GVariant) modes = NULL;
  g_autofree const char **findings = NULL;
  const char *fault_name = NULL;
  guint expected_findings = 0;

  g_assert_true (g_variant_lookup (answer, "fault", "&s", &fault_name));
  g_assert_cmpstr (fault_name, ==, fault == WB_MODES_FAULT_NONE ? "" : "forwards-not-installed");
  modes = g_variant_lookup_value (answer, "modes", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (modes);
  g_assert_cmpuint (g_variant_n_children (modes), ==, WB_MODES_N_MODES);
  g_assert_cmpuint (G_N_ELEMENTS (virtualbox), ==, WB_MODES_N_MODES);
  for (guint column = 0; column < WB_MODES_N_COLUMNS; column++)
    g_assert_cmpstr (wb_modes_columns[column], ==, columns[column]);

  for (guint i = 0; i < WB_MODES_N_MODES; i++)
    {
      g_autoptr(GVariant) mode = g_variant_get_child_value (modes, i);
      g_autoptr(GVariant) expected = g_variant_lookup_value (mode, "expected",
                                                             G_VARIANT_TYPE ("a{ss}"));
      g_autoptr(GVariant) evidence = g_variant_lookup_value (mode, "evidence",
                                                             G_VARIANT_TYPE ("a{sa{sv}}"));

      g_assert_cmpstr (mode_column (mode, "mode"), ==, wb_modes_names[i]);
      g_assert_nonnull (expected);
      g_assert_nonnull (evidence);
      for (guint column = 0; column < WB_MODES_N_COLUMNS; column++)
        {
          const char *measured = mode_column (mode, wb_modes_columns[column]);
          const char *want = wb_modes_expected (i, column);
          const char *listed = NULL;
          g_autoptr(GVariant) proof = NULL;

          g_assert_cmpstr (want, ==, virtualbox_cell (wb_modes_names[i], wb_modes_columns[column]));
          g_assert_true (g_variant_lookup (expected, wb_modes_columns[column], "&s", &listed));
          g_assert_cmpstr (listed, ==, want);
          proof = g_variant_lookup_value (evidence, wb_modes_columns[column],
                                          G_VARIANT_TYPE_VARDICT);
          g_assert_nonnull (proof);
          g_assert_cmpstr (measured, !=, "not probed");
          if (fault != WB_MODES_FAULT_NONE && is_forward_cell (i, column))
            {
              const char *reason = NULL;

              g_assert_cmpstr (measured, ==, "-");
              /* The forward's port on 127.0.0.1 has no listener. */
              g_assert_true (g_variant_lookup (proof, "reason", "&s", &reason));
              g_assert_cmpstr (reason, ==, "refused");
              expected_findings++;
            }
          else
            {
              if (strcmp (measured, want) != 0)
                g_test_message ("%s %s: measured %s, expected %s", wb_modes_names[i],
                                wb_modes_columns[column], measured, want);
              g_assert_cmpstr (measured, ==, want);
            }
        }
    }

  g_assert_true (g_variant_lookup (answer, "findings", "^a&s", &findings));
  for (guint i = 0; findings[i] != NULL; i++)
    {
      g_test_message ("finding: %s", findings[i]);
      /* Only the forwards' cells differ. */
      g_assert_nonnull (strstr (findings[i], "measured '-' where VirtualBox has 'port-forward'"));
      g_assert_true (g_str_has_prefix (findings[i], "NAT, ")
                     || g_str_has_prefix (findings[i], "NAT Network, "));
    }
  g_assert_cmpuint (g_strv_length ((char **) findings), ==, expected_findings);
}

static void
test_table (Fixture       *f,
            gconstpointer  data)
{
  Progress progress = { 0 };
  g_autoptr(GVariant) answer = run_modes (WB_MODES_FAULT_NONE, &progress);

  check_answer (answer, WB_MODES_FAULT_NONE);
  g_assert_cmpuint (progress.done, ==, WB_MODES_N_MODES);
  g_assert_cmpuint (progress.total, ==, WB_MODES_N_MODES);
  g_assert_cmpuint (progress.count, ==, WB_MODES_N_MODES + 1);
  assert_untouched (f);
}

static void
test_fault (Fixture       *f,
            gconstpointer  data)
{
  Progress progress = { 0 };
  g_autoptr(GVariant) answer = run_modes (WB_MODES_FAULT_FORWARDS_NOT_INSTALLED, &progress);

  check_answer (answer, WB_MODES_FAULT_FORWARDS_NOT_INSTALLED);
  /* The fault changes what is measured, not how far the run goes. */
  g_assert_cmpuint (progress.done, ==, WB_MODES_N_MODES);
  g_assert_cmpuint (progress.total, ==, WB_MODES_N_MODES);
  g_assert_cmpuint (progress.count, ==, WB_MODES_N_MODES + 1);
  assert_untouched (f);
}

static void
on_dbus_progress_cb (WbDBusEngine *proxy,
                     guint         done,
                     guint         total,
                     Progress     *progress)
{
  on_progress_cb (NULL, done, total, progress);
}

/* RunModesMatrix through the engine's own thread and peer connection: the
 * same labs, and the user's engine keeps no VM of them. */
static void
test_dbus (void)
{
  g_autoptr(GError) error = NULL;
  WbTestEngine engine = { NULL };
  g_autoptr(WbDBusEngine) proxy = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(GVariant) modes = NULL;
  g_autoptr(GVariant) vms = NULL;
  g_autofree char *home = g_strdup (g_getenv ("WIREBOX_HOME"));
  Progress progress = { 0 };
  const char *fault = NULL;

  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  wb_test_engine_start (&engine, NULL);
  /* A proxy that listens for signals, and waits as long as the labs take. */
  proxy = wb_dbus_engine_proxy_new_sync (engine.ui_connection,
                                         G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                         NULL, WB_ENGINE_OBJECT_PATH, NULL, &error);
  g_assert_no_error (error);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), G_MAXINT);
  g_signal_connect (proxy, "modes-progress", G_CALLBACK (on_dbus_progress_cb), &progress);

  wb_dbus_engine_call_run_modes_matrix (proxy, g_variant_new ("a{sv}", NULL), NULL,
                                        wb_test_store_result_cb, &result);
  g_assert_true (wb_dbus_engine_call_run_modes_matrix_finish (proxy, &answer,
                                                              wb_test_wait_result (&result),
                                                              &error));
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (answer, "fault", "&s", &fault));
  g_assert_cmpstr (fault, ==, "");
  modes = g_variant_lookup_value (answer, "modes", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (modes);
  g_assert_cmpuint (g_variant_n_children (modes), ==, WB_MODES_N_MODES);
  /* The same table over D-Bus as in process. */
  check_answer (answer, WB_MODES_FAULT_NONE);
  /* The last progress signal may trail the reply. */
  while (progress.done < WB_MODES_N_MODES)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (progress.total, ==, WB_MODES_N_MODES);

  wb_dbus_engine_call_list_vms_sync (proxy, &vms, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (vms), ==, 0);

  g_clear_object (&proxy);
  wb_test_engine_stop (&engine);
  wb_test_runtime_rm_rf (home);
}

int
main (int    argc,
      char **argv)
{
  const char *outer = g_getenv ("TMPDIR");
  g_autofree char *base = NULL;
  g_autofree char *home = NULL;
  int status;

  /* The labs make their folders under g_get_tmp_dir(), which reads TMPDIR
   * once: point it into the test's own folder before anything asks. */
  base = g_build_filename (outer != NULL && *outer != '\0' ? outer : "/tmp",
                           "wirebox-modes-test-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (base));
  tmp_dir = g_build_filename (base, "tmp", NULL);
  g_assert_cmpint (g_mkdir (tmp_dir, 0700), ==, 0);
  g_setenv ("TMPDIR", tmp_dir, TRUE);
  home = g_build_filename (base, "home", NULL);
  g_setenv ("WIREBOX_HOME", home, TRUE);

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpstr (g_get_tmp_dir (), ==, tmp_dir);

  wb_test_add ("/modes/table", test_table);
  wb_test_add ("/modes/fault", test_fault);
  g_test_add_func ("/modes/dbus", test_dbus);

  status = g_test_run ();
  wb_test_runtime_rm_rf (base);
  g_free (tmp_dir);
  return status;
}
