/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine in-process: its thread, the peer connection the GUI uses, the
 * root interface, registered errors, and the object manager after
 * Subscribe().
 */
#include <string.h>
#include <unistd.h>

#include "wb-client.h"
#include "wb-engine.h"
#include "wb-error.h"
#include "wb-home.h"
#include "wb-test-util.h"

typedef struct
{
  char            *home;
  WbEngine        *engine;
  GDBusConnection *connection;
  WbDBusEngine    *proxy;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* WIREBOX_HOME is set once in main(), before any thread exists. */
  f->home = g_strdup (g_getenv ("WIREBOX_HOME"));
  g_assert_cmpint (g_mkdir_with_parents (f->home, 0700), ==, 0);

  f->engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_assert_true (wb_engine_start (f->engine, &error));
  g_assert_no_error (error);

  f->connection = wb_engine_connect (f->engine, &error);
  g_assert_no_error (error);
  f->proxy = wb_client_get_engine_sync (f->connection, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->proxy);
  g_dbus_connection_close_sync (f->connection, NULL, NULL);
  g_clear_object (&f->connection);
  wb_engine_stop (f->engine);
  g_clear_object (&f->engine);
  /* Let the connections' last idles run before the next test. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  wb_test_rm_rf (f->home);
  g_free (f->home);
}

static char *
create_vm (Fixture    *f,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  char *uuid = NULL;

  wb_dbus_engine_call_create_vm_sync (f->proxy, name, TRUE, &uuid, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (uuid);
  return uuid;
}

static void
test_create_and_list (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) vms = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) adapters = NULL;
  g_autofree char *uuid = create_vm (f, "Router \"one\"; 'x'");
  const char *name = NULL;
  const char *listed_uuid = NULL;
  const char *attachment = NULL;
  gboolean enabled = FALSE;

  wb_dbus_engine_call_list_vms_sync (f->proxy, &vms, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (vms), ==, 1);
  g_variant_get_child (vms, 0, "(&s&s)", &name, &listed_uuid);
  g_assert_cmpstr (name, ==, "Router \"one\"; 'x'");
  g_assert_cmpstr (listed_uuid, ==, uuid);

  wb_dbus_engine_call_get_vm_sync (f->proxy, uuid, &info, NULL, &error);
  g_assert_no_error (error);
  adapters = g_variant_lookup_value (info, "adapters", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (adapters);
  g_assert_cmpuint (g_variant_n_children (adapters), ==, 8);
  {
    g_autoptr(GVariant) first = g_variant_get_child_value (adapters, 0);

    g_assert_true (g_variant_lookup (first, "enabled", "b", &enabled));
    g_assert_true (g_variant_lookup (first, "attachment", "&s", &attachment));
    g_assert_true (enabled);
    g_assert_cmpstr (attachment, ==, "nat");
  }

  /* Rules travel as (name, proto, host IP, host port, guest IP, guest port). */
  {
    g_autoptr(GVariant) again = NULL;
    g_autoptr(GVariant) list = NULL;
    g_autoptr(GVariant) first = NULL;
    g_autoptr(GVariant) rules = NULL;
    const char *rule_name, *proto, *host_ip, *guest_ip;
    guint16 host_port, guest_port;
    GVariantBuilder changes;

    g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
    g_variant_builder_add (&changes, "(sus)", "natpf", 1, "web,tcp,127.0.0.1,8080,,80");
    wb_dbus_engine_call_modify_vm_sync (f->proxy, uuid, g_variant_builder_end (&changes), NULL, &error);
    g_assert_no_error (error);
    wb_dbus_engine_call_get_vm_sync (f->proxy, uuid, &again, NULL, &error);
    g_assert_no_error (error);
    list = g_variant_lookup_value (again, "adapters", G_VARIANT_TYPE ("aa{sv}"));
    first = g_variant_get_child_value (list, 0);
    rules = g_variant_lookup_value (first, "rules", G_VARIANT_TYPE ("a(sssqsq)"));
    g_assert_nonnull (rules);
    g_assert_cmpuint (g_variant_n_children (rules), ==, 1);
    g_variant_get_child (rules, 0, "(&s&s&sq&sq)", &rule_name, &proto, &host_ip,
                         &host_port, &guest_ip, &guest_port);
    g_assert_cmpstr (rule_name, ==, "web");
    g_assert_cmpstr (proto, ==, "tcp");
    g_assert_cmpstr (host_ip, ==, "127.0.0.1");
    g_assert_cmpuint (host_port, ==, 8080);
    g_assert_cmpstr (guest_ip, ==, "");
    g_assert_cmpuint (guest_port, ==, 80);
  }
}

static void
test_errors_are_registered (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = create_vm (f, "A");
  g_autoptr(GVariant) info = NULL;
  char *dup = NULL;
  GVariantBuilder changes;

  wb_dbus_engine_call_create_vm_sync (f->proxy, "A", TRUE, &dup, NULL, &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_clear_error (&error);

  wb_dbus_engine_call_get_vm_sync (f->proxy, "nope", &info, NULL, &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
  g_variant_builder_add (&changes, "(sus)", "nic", 9, "nat");
  wb_dbus_engine_call_modify_vm_sync (f->proxy, "A", g_variant_builder_end (&changes), NULL, &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
  g_variant_builder_add (&changes, "(sus)", "memory", 1, "512");
  wb_dbus_engine_call_modify_vm_sync (f->proxy, "A", g_variant_builder_end (&changes), NULL, &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_UNKNOWN_OPTION);
  g_clear_error (&error);

  /* A malformed call from an untrusted caller is refused by GDBus itself. */
  g_dbus_connection_call_sync (f->connection, NULL, WB_ENGINE_OBJECT_PATH,
                               "io.github.wirebox.Engine", "ModifyVm",
                               g_variant_new ("(su)", "A", 7), NULL,
                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
}

static void
wait_until (gboolean (*predicate) (gpointer),
            gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!predicate (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

typedef struct
{
  GDBusObjectManager *manager;
  char               *path;
  const char         *expect_intnet;   /* NULL: expect the object gone */
} Watch;

static gboolean
object_matches (gpointer data)
{
  Watch *w = data;
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (w->manager, w->path);
  WbDBusVm *vm;
  GVariant *adapters;
  const char *intnet = NULL;

  if (w->expect_intnet == NULL)
    return object == NULL;
  if (object == NULL || (vm = wb_dbus_object_peek_vm (WB_DBUS_OBJECT (object))) == NULL)
    return FALSE;
  adapters = wb_dbus_vm_get_adapters (vm);
  if (adapters == NULL)
    return FALSE;
  {
    g_autoptr(GVariant) second = g_variant_get_child_value (adapters, 1);

    g_variant_lookup (second, "intnet", "&s", &intnet);
  }
  return g_strcmp0 (intnet, w->expect_intnet) == 0;
}

static void
test_object_manager (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autofree char *uuid = create_vm (f, "Watched");
  g_autofree char *escaped = g_dbus_escape_object_path (uuid);
  g_autoptr(GDBusObject) object = NULL;
  WbDBusVm *vm;
  GVariantBuilder changes;
  Watch watch;

  wb_dbus_engine_call_subscribe_sync (f->proxy, NULL, &error);
  g_assert_no_error (error);
  manager = wb_dbus_object_manager_client_new_sync (f->connection,
                                                    G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                    NULL, WB_ENGINE_OBJECT_PATH, NULL, &error);
  g_assert_no_error (error);

  watch.manager = manager;
  watch.path = g_strdup_printf (WB_ENGINE_OBJECT_PATH "/vm/%s", escaped);
  watch.expect_intnet = "";
  wait_until (object_matches, &watch);
  object = g_dbus_object_manager_get_object (manager, watch.path);
  vm = wb_dbus_object_peek_vm (WB_DBUS_OBJECT (object));
  g_assert_cmpstr (wb_dbus_vm_get_name (vm), ==, "Watched");
  g_assert_cmpstr (wb_dbus_vm_get_state (vm), ==, "poweroff");

  /* A change through the root interface reaches the object's properties;
   * one through the object's own Modify too. */
  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
  g_variant_builder_add (&changes, "(sus)", "intnet", 2, "lab");
  wb_dbus_engine_call_modify_vm_sync (f->proxy, "Watched", g_variant_builder_end (&changes), NULL, &error);
  g_assert_no_error (error);
  watch.expect_intnet = "lab";
  wait_until (object_matches, &watch);

  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
  g_variant_builder_add (&changes, "(sus)", "intnet", 2, "lab2");
  wb_dbus_vm_call_modify_sync (vm, g_variant_builder_end (&changes), NULL, &error);
  g_assert_no_error (error);
  watch.expect_intnet = "lab2";
  wait_until (object_matches, &watch);

  /* Networks appear as objects too. */
  {
    g_autoptr(GDBusObject) net = NULL;
    g_autofree char *name = NULL;

    wb_dbus_engine_call_create_host_only_if_sync (f->proxy, &name, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (name, ==, "vboxnet0");
    while ((net = g_dbus_object_manager_get_object (manager, WB_ENGINE_OBJECT_PATH "/hostonly/vboxnet0")) == NULL)
      g_main_context_iteration (NULL, TRUE);
  }

  wb_dbus_engine_call_delete_vm_sync (f->proxy, uuid, FALSE, NULL, &error);
  g_assert_no_error (error);
  watch.expect_intnet = NULL;
  wait_until (object_matches, &watch);
  g_free (watch.path);
}

static void
test_second_engine_refused (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(WbEngine) second = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = g_strdup_printf ("PID %d", (int) getpid ());
  pid_t holder = 0;

  g_assert_false (wb_engine_start (second, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  wb_test_assert_message_contains (error, pid);
  g_assert_true (wb_home_lock_is_held (&holder));
  g_assert_cmpint (holder, ==, getpid ());
}

static void
test_socket_client (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = wb_home_get_socket_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = wb_client_connect_socket_sync (path, NULL, &error);
  g_autoptr(WbDBusEngine) proxy = NULL;
  g_autoptr(GVariant) vms = NULL;
  g_autofree char *uuid = create_vm (f, "Seen over the socket");

  g_assert_no_error (error);
  proxy = wb_client_get_engine_sync (connection, NULL, &error);
  g_assert_no_error (error);
  wb_dbus_engine_call_list_vms_sync (proxy, &vms, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (vms), ==, 1);
  g_dbus_connection_close_sync (connection, NULL, NULL);
}

/* --- the connectivity matrix over D-Bus ------------------------------------------ */

typedef struct
{
  guint  generation;
  guint  done;
  guint  total;
  guint  n_progress;
  guint  changed_generation;
  GStrv  changed;
} MatrixSignals;

static void
on_matrix_progress_cb (WbDBusEngine  *proxy,
                       guint          generation,
                       guint          done,
                       guint          total,
                       MatrixSignals *signals)
{
  signals->generation = generation;
  signals->done = done;
  signals->total = total;
  signals->n_progress++;
}

static void
on_matrix_changed_cb (WbDBusEngine       *proxy,
                      guint               generation,
                      const char * const *cells,
                      MatrixSignals      *signals)
{
  g_strfreev (signals->changed);
  signals->changed = g_strdupv ((char **) cells);
  signals->changed_generation = generation;
}

static GVariant *
run_matrix (WbDBusEngine  *proxy,
            const char    *outside,
            GError       **error)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  GVariant *matrix = NULL;

  if (outside != NULL)
    g_variant_dict_insert (&options, "outside", "s", outside);
  wb_dbus_engine_call_run_matrix_sync (proxy, g_variant_dict_end (&options), &matrix, NULL,
                                       error);
  return matrix;
}

static GVariant *
matrix_cell (GVariant   *matrix,
             const char *id)
{
  g_autoptr(GVariant) cells = g_variant_lookup_value (matrix, "cells", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *cell;

  g_assert_nonnull (cells);
  g_variant_iter_init (&iter, cells);
  while ((cell = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *cell_id = NULL;

      g_assert_true (g_variant_lookup (cell, "id", "&s", &cell_id));
      if (strcmp (cell_id, id) == 0)
        return cell;
      g_variant_unref (cell);
    }
  return NULL;
}

static char *
matrix_result (GVariant   *matrix,
               const char *id)
{
  g_autoptr(GVariant) cell = matrix_cell (matrix, id);
  char *result = NULL;

  g_assert_nonnull (cell);
  g_assert_true (g_variant_lookup (cell, "result", "s", &result));
  return result;
}

static void
assert_keys (GVariant           *dict,
             const char * const *keys)
{
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (dict, keys[i], NULL);

      if (value == NULL)
        g_error ("no key '%s' in %s", keys[i], g_variant_print (dict, TRUE));
    }
  g_assert_cmpuint (g_variant_n_children (dict), ==, g_strv_length ((char **) keys));
}

static void
test_matrix (Fixture       *f,
             gconstpointer  data)
{
  static const char * const matrix_keys[] = {
    "generation", "complete", "done", "total", "outside", "endpoints", "cells", NULL
  };
  static const char * const endpoint_keys[] = { "id", "kind", "name", "addresses", NULL };
  static const char * const cell_keys[] = {
    "id", "from", "to", "result", "reason", "path", "rules", "target", "detail", NULL
  };
  static const char * const bad[] = { "300.1.1.1", "1.2.3.4:0", "1.2.3.4:99999", "x", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(WbDBusEngine) proxy = NULL;
  g_autoptr(GVariant) matrix = NULL;
  g_autoptr(GVariant) again = NULL;
  g_autoptr(GVariant) endpoints = NULL;
  g_autoptr(GVariant) cells = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autofree char *a = create_vm (f, "A");
  g_autofree char *b = create_vm (f, "B");
  g_autofree char *a_to_b = g_strdup_printf ("vm:%s>vm:%s", a, b);
  g_autofree char *result = NULL;
  const char *outside = NULL;
  const char *names[] = { "A", "B" };
  const char *addresses[] = { "10.7.0.2/24", "10.7.0.3/24" };
  MatrixSignals signals = { 0, };
  gboolean complete = FALSE;
  guint generation = 0;
  guint current = 0;
  guint done = 0;
  guint total = 0;

  /* Two VMs on an internal network: nothing leaves the engine. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GVariantBuilder changes;

      g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
      g_variant_builder_add (&changes, "(sus)", "nic", 1, "intnet");
      g_variant_builder_add (&changes, "(sus)", "intnet", 1, "lab");
      wb_dbus_engine_call_modify_vm_sync (f->proxy, names[i], g_variant_builder_end (&changes),
                                          NULL, &error);
      g_assert_no_error (error);
      g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
      g_variant_builder_add (&changes, "(sus)", "guestip", 1, addresses[i]);
      wb_dbus_engine_call_configure_guest_sync (f->proxy, names[i],
                                                g_variant_builder_end (&changes), NULL, &error);
      g_assert_no_error (error);
      wb_dbus_engine_call_start_vm_sync (f->proxy, names[i], "headless", NULL, &error);
      g_assert_no_error (error);
    }

  /* The fixture's proxy does not listen for signals; the window's does. */
  proxy = wb_dbus_engine_proxy_new_sync (f->connection, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                         NULL, WB_ENGINE_OBJECT_PATH, NULL, &error);
  g_assert_no_error (error);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), G_MAXINT);
  g_signal_connect (proxy, "matrix-progress", G_CALLBACK (on_matrix_progress_cb), &signals);
  g_signal_connect (proxy, "matrix-changed", G_CALLBACK (on_matrix_changed_cb), &signals);

  /* A run: the documented keys, and the last progress says all done. */
  matrix = run_matrix (proxy, "198.51.100.7:80", &error);
  g_assert_no_error (error);
  assert_keys (matrix, matrix_keys);
  g_assert_true (g_variant_lookup (matrix, "generation", "u", &generation));
  g_assert_true (g_variant_lookup (matrix, "complete", "b", &complete));
  g_assert_true (complete);
  g_assert_true (g_variant_lookup (matrix, "done", "u", &done));
  g_assert_true (g_variant_lookup (matrix, "total", "u", &total));
  /* A>B, B>A, each to host, lan, outside, and from host and lan. */
  g_assert_cmpuint (total, ==, 2 + 2 * 3 + 2 * 2);
  g_assert_cmpuint (done, ==, total);
  g_assert_true (g_variant_lookup (matrix, "outside", "&s", &outside));
  g_assert_cmpstr (outside, ==, "198.51.100.7:80");
  endpoints = g_variant_lookup_value (matrix, "endpoints", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (endpoints), ==, 2 + 3);
  for (gsize i = 0; i < g_variant_n_children (endpoints); i++)
    {
      g_autoptr(GVariant) endpoint = g_variant_get_child_value (endpoints, i);

      assert_keys (endpoint, endpoint_keys);
    }
  cells = g_variant_lookup_value (matrix, "cells", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (cells), ==, total);
  for (gsize i = 0; i < g_variant_n_children (cells); i++)
    {
      g_autoptr(GVariant) cell = g_variant_get_child_value (cells, i);

      assert_keys (cell, cell_keys);
    }
  result = matrix_result (matrix, a_to_b);
  g_assert_cmpstr (result, ==, "+");
  g_clear_pointer (&result, g_free);
  while (signals.generation != generation || signals.done != signals.total)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (signals.total, ==, total);
  g_assert_cmpuint (signals.n_progress, >, 0);

  /* A bad Outside is refused, and the one set stays. */
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GVariant) refused = run_matrix (proxy, bad[i], &error);
      g_autofree char *remote = g_dbus_error_get_remote_error (error);

      g_test_message ("outside '%s': %s", bad[i], error != NULL ? error->message : "accepted");
      g_assert_null (refused);
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (remote, ==, "io.github.wirebox.Error.InvalidArgument");
      /* The message names what was refused. */
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_clear_error (&error);
    }
  wb_dbus_engine_call_get_matrix_sync (proxy, &again, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (again, "outside", "&s", &outside));
  g_assert_cmpstr (outside, ==, "198.51.100.7:80");
  g_assert_true (g_variant_lookup (again, "generation", "u", &current));
  g_assert_cmpuint (current, ==, generation);
  g_clear_pointer (&again, g_variant_unref);

  /* Live: A leaves the internal network; its cells are probed again. */
  {
    const char *args[] = { "intnet", "elsewhere", NULL };

    wb_dbus_engine_call_control_vm_sync (f->proxy, "A", "nic", 1, args, NULL, &error);
    g_assert_no_error (error);
  }
  while (signals.changed == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (signals.changed_generation, >, generation);
  g_assert_true (g_strv_contains ((const char * const *) signals.changed, a_to_b));
  {
    g_autofree char *b_to_a = g_strdup_printf ("vm:%s>vm:%s", b, a);

    g_assert_true (g_strv_contains ((const char * const *) signals.changed, b_to_a));
  }
  wb_dbus_engine_call_get_matrix_sync (proxy, &again, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (again, "generation", "u", &generation));
  g_assert_cmpuint (generation, ==, signals.changed_generation);
  g_assert_true (g_variant_lookup (again, "complete", "b", &complete));
  g_assert_true (complete);
  result = matrix_result (again, a_to_b);
  g_assert_cmpstr (result, ==, "-");
  first = matrix_cell (again, a_to_b);
  g_clear_pointer (&result, g_free);
  g_assert_true (g_variant_lookup (first, "reason", "s", &result));
  g_test_message ("A>B after the change: %s", result);
  /* B's address is still on A's link, and nothing there answers. */
  g_assert_cmpstr (result, ==, "no ARP answer");

  g_signal_handlers_disconnect_by_data (proxy, &signals);
  g_strfreev (signals.changed);
}

/* A{sv} options are checked whole: an unknown key or a value of the wrong
 * type is refused before anything runs or changes. */
static void
test_vardict_options_checked (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) matrix = NULL;
  const char *outside = NULL;
  struct {
    const char *text;
    int         code;
    gboolean    modes;
  } bad[] = {
    { "{'outside': <uint32 7>}", WB_ERROR_INVALID_ARGUMENT, FALSE },
    { "{'outside': <'198.51.100.7'>, 'outsider': <'x'>}", WB_ERROR_UNKNOWN_OPTION, FALSE },
    { "{'outside': <'198.51.100.7'>}", WB_ERROR_UNKNOWN_OPTION, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GVariant *options = g_variant_parse (G_VARIANT_TYPE_VARDICT, bad[i].text, NULL, NULL, NULL);
      GVariant *answer = NULL;

      g_assert_nonnull (options);
      if (bad[i].modes)
        wb_dbus_engine_call_run_modes_matrix_sync (f->proxy, options, &answer, NULL, &error);
      else
        wb_dbus_engine_call_run_matrix_sync (f->proxy, options, &answer, NULL, &error);
      g_test_message ("%s: %s", bad[i].text, error != NULL ? error->message : "accepted");
      g_assert_error (error, WB_ERROR, bad[i].code);
      g_assert_null (answer);
      g_clear_error (&error);
    }

  /* Nothing half-applied: the valid "outside" beside the unknown key. */
  wb_dbus_engine_call_get_matrix_sync (f->proxy, &matrix, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (matrix, "outside", "&s", &outside));
  g_assert_cmpstr (outside, ==, "");
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *home = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  home = wb_test_set_up_home ("wirebox-service-XXXXXX");

  g_test_add ("/service/create-and-list", Fixture, NULL,
              fixture_set_up, test_create_and_list, fixture_tear_down);
  g_test_add ("/service/errors", Fixture, NULL,
              fixture_set_up, test_errors_are_registered, fixture_tear_down);
  g_test_add ("/service/object-manager", Fixture, NULL,
              fixture_set_up, test_object_manager, fixture_tear_down);
  g_test_add ("/service/second-engine-refused", Fixture, NULL,
              fixture_set_up, test_second_engine_refused, fixture_tear_down);
  g_test_add ("/service/socket-client", Fixture, NULL,
              fixture_set_up, test_socket_client, fixture_tear_down);
  g_test_add ("/service/matrix", Fixture, NULL,
              fixture_set_up, test_matrix, fixture_tear_down);
  g_test_add ("/service/vardict-options-checked", Fixture, NULL,
              fixture_set_up, test_vardict_options_checked, fixture_tear_down);

  status = g_test_run ();
  wb_test_rm_rf (home);
  return status;
}
