/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The main window against a real in-process engine, under Xvfb: it lists
 * the VMs with their adapter summaries and follows changes made by another
 * client.
 */

#include "wb-client.h"
#include "wb-engine.h"
#include "wb-resources.h"
#include "wb-test-util.h"
#include "wb-window.h"

static char *home;

/* The rows of the VM list: a box per VM, with labels "vm-name" and
 * "vm-state" and an inscription "vm-summary". */
static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), "vm-row") == 0 && gtk_widget_get_mapped (widget))
    g_ptr_array_add (rows, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
row_text (gpointer    row,
          const char *name)
{
  GtkWidget *widget = find_named (row, name);

  g_assert_nonnull (widget);
  if (GTK_IS_INSCRIPTION (widget))
    return gtk_inscription_get_text (GTK_INSCRIPTION (widget));
  return gtk_label_get_label (GTK_LABEL (widget));
}

/* Iterates until the window shows @n rows (in name order, as the list
 * sorts them), or fails after 10 s. */
static GPtrArray *
wait_for_rows (GtkWidget *window,
               guint      n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GPtrArray) rows = g_ptr_array_new ();

      collect_rows (window, rows);
      if (rows->len == n)
        return g_steal_pointer (&rows);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
modify (WbDBusEngine *proxy,
        const char   *vm,
        const char   *key,
        guint         slot,
        const char   *value)
{
  g_autoptr(GError) error = NULL;
  GVariantBuilder changes;

  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
  g_variant_builder_add (&changes, "(sus)", key, slot, value);
  wb_dbus_engine_call_modify_vm_sync (proxy, vm, g_variant_builder_end (&changes), NULL, &error);
  g_assert_no_error (error);
}

static void
test_window_lists_vms (void)
{
  g_autoptr(WbEngine) engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_autoptr(GDBusConnection) ui_connection = NULL;
  g_autoptr(GDBusConnection) cli_connection = NULL;
  g_autoptr(WbDBusEngine) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *socket_path = NULL;
  g_autofree char *uuid = NULL;
  GtkWidget *window;

  g_assert_true (wb_engine_start (engine, &error));
  g_assert_no_error (error);
  ui_connection = wb_engine_connect (engine, &error);
  g_assert_no_error (error);

  window = GTK_WIDGET (wb_window_new (NULL, ui_connection));
  gtk_window_present (GTK_WINDOW (window));

  /* Empty first: the status page, no rows. */
  rows = wait_for_rows (window, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Another client (as wirebox-manage would) adds VMs over the socket. */
  socket_path = g_build_filename (home, "engine.sock", NULL);
  cli_connection = wb_client_connect_socket_sync (socket_path, NULL, &error);
  g_assert_no_error (error);
  proxy = wb_client_get_engine_sync (cli_connection, NULL, &error);
  g_assert_no_error (error);
  wb_dbus_engine_call_create_vm_sync (proxy, "Router", TRUE, &uuid, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&uuid, g_free);
  wb_dbus_engine_call_create_vm_sync (proxy, "VM2", TRUE, &uuid, NULL, &error);
  g_assert_no_error (error);
  modify (proxy, "Router", "nic", 2, "intnet");

  rows = wait_for_rows (window, 2);
  g_assert_cmpstr (row_text (rows->pdata[0], "vm-name"), ==, "Router");
  g_assert_cmpstr (row_text (rows->pdata[0], "vm-state"), ==, "Powered Off");
  g_assert_cmpstr (row_text (rows->pdata[1], "vm-name"), ==, "VM2");
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* The summary follows the change to adapter 2 without a reload. */
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      rows = wait_for_rows (window, 2);
      if (g_strcmp0 (row_text (rows->pdata[0], "vm-summary"),
                     "Adapter 1: NAT, Adapter 2: Internal Network ‘intnet’") == 0)
        break;
      g_clear_pointer (&rows, g_ptr_array_unref);
      g_main_context_iteration (NULL, FALSE);
    }
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Deleting one is seen too. */
  wb_dbus_engine_call_delete_vm_sync (proxy, "VM2", FALSE, NULL, &error);
  g_assert_no_error (error);
  rows = wait_for_rows (window, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  g_dbus_connection_close_sync (cli_connection, NULL, NULL);
  g_dbus_connection_close_sync (ui_connection, NULL, NULL);
  wb_engine_stop (engine);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_summary (void)
{
  g_autoptr(GVariant) adapters = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *none = NULL;
  GVariantBuilder b;

  adapters = g_variant_ref_sink (g_variant_parse (G_VARIANT_TYPE ("a(uss)"),
    "[(1, 'natnetwork', 'natnet1'), (3, 'null', '')]", NULL, NULL, NULL));
  summary = wb_window_summarize_adapters (adapters);
  g_assert_cmpstr (summary, ==, "Adapter 1: NAT Network ‘natnet1’, Adapter 3: Not attached");

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(uss)"));
  none = wb_window_summarize_adapters (g_variant_builder_end (&b));
  g_assert_cmpstr (none, ==, "No network adapters");
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_setenv ("LANGUAGE", "C", TRUE);
  home = wb_test_set_up_home ("wirebox-ui-XXXXXX");

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_resources_register (wb_get_resource ());

  g_test_add_func ("/ui/summary", test_summary);
  g_test_add_func ("/ui/window-lists-vms", test_window_lists_vms);
  status = g_test_run ();
  wb_test_rm_rf (home);
  g_free (home);
  return status;
}
