/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Connectivity page against a real in-process engine, under Xvfb: a
 * small lab (two VMs on an internal network with static addresses, one
 * NAT VM with a port forward) runs, the page measures it by itself when
 * it is first shown, and every cell it shows must say what the engine's
 * GetMatrix says, read over a second connection as wirebox-manage would.
 * Waits have no deadline of their own: the test's time-out is meson's.
 */

#include <string.h>

#include "wb-client.h"
#include "wb-connectivity-page.h"
#include "wb-engine.h"
#include "wb-resources.h"
#include "wb-test-util.h"
#include "wb-window.h"

static char *home;

typedef struct
{
  WbEngine        *engine;
  GDBusConnection *ui_connection;
  GDBusConnection *cli_connection;
  WbDBusEngine    *cli;
  GtkWidget       *window;
} Fixture;

/* --- helpers ---------------------------------------------------------------- */

static void
iterate (void)
{
  g_main_context_iteration (NULL, FALSE);
  g_usleep (1000);
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  g_test_message ("waiting for %s", what);
  while (!condition (data))
    iterate ();
}

static GObject *
child (gpointer    widget,
       GType       type,
       const char *id)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, id);

  g_assert_nonnull (object);
  return object;
}

static GtkWidget *
page_child (Fixture    *fixture,
            const char *id)
{
  GtkWidget *page = GTK_WIDGET (child (fixture->window, WB_TYPE_WINDOW, "connectivity_page"));

  return GTK_WIDGET (child (page, WB_TYPE_CONNECTIVITY_PAGE, id));
}

/* The first descendant of @widget named @name. */
static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
label_of (GtkWidget  *widget,
          const char *name)
{
  GtkWidget *label = find_named (widget, name);

  g_assert_nonnull (label);
  return gtk_label_get_label (GTK_LABEL (label));
}

static void
call_ok (gboolean  ok,
         GError   *error)
{
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
modify (Fixture    *fixture,
        const char *vm,
        gboolean    guest,
        const char *key,
        guint       slot,
        const char *value)
{
  g_autoptr(GError) error = NULL;
  GVariantBuilder changes;
  gboolean ok;

  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
  g_variant_builder_add (&changes, "(sus)", key, slot, value);
  if (guest)
    ok = wb_dbus_engine_call_configure_guest_sync (fixture->cli, vm, g_variant_builder_end (&changes),
                                                   NULL, &error);
  else
    ok = wb_dbus_engine_call_modify_vm_sync (fixture->cli, vm, g_variant_builder_end (&changes),
                                             NULL, &error);
  call_ok (ok, error);
}

static void
create_vm (Fixture    *fixture,
           const char *name)
{
  g_autofree char *uuid = NULL;
  g_autoptr(GError) error = NULL;

  call_ok (wb_dbus_engine_call_create_vm_sync (fixture->cli, name, TRUE, &uuid, NULL, &error), error);
}

/* A TCP port on 127.0.0.1 that nothing listens on now. */
static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
lab_exists (Fixture *fixture)
{
  g_autoptr(GVariant) vms = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *name;

  call_ok (wb_dbus_engine_call_list_vms_sync (fixture->cli, &vms, NULL, &error), error);
  g_variant_iter_init (&iter, vms);
  while (g_variant_iter_next (&iter, "(&s&s)", &name, NULL))
    if (g_strcmp0 (name, "NatVm") == 0)
      return TRUE;
  return FALSE;
}

static void
make_lab (Fixture    *fixture,
          const char *forward)
{
  create_vm (fixture, "VmA");
  create_vm (fixture, "VmB");
  create_vm (fixture, "NatVm");
  modify (fixture, "VmA", FALSE, "nic", 1, "intnet");
  modify (fixture, "VmA", FALSE, "intnet", 1, "lab");
  modify (fixture, "VmA", TRUE, "guestip", 1, "192.168.77.2/24");
  modify (fixture, "VmB", FALSE, "nic", 1, "intnet");
  modify (fixture, "VmB", FALSE, "intnet", 1, "lab");
  modify (fixture, "VmB", TRUE, "guestip", 1, "192.168.77.3/24");
  modify (fixture, "NatVm", FALSE, "nic", 1, "nat");
  modify (fixture, "NatVm", FALSE, "natpf", 1, forward);
}

static gboolean
window_ready (gpointer data)
{
  GtkStack *stack = GTK_STACK (child (data, WB_TYPE_WINDOW, "main_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "vms") == 0;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *socket_path = g_build_filename (home, "engine.sock", NULL);
  g_autofree char *forward = g_strdup_printf ("web,tcp,127.0.0.1,%u,,80", free_port ());

  fixture->engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_assert_true (wb_engine_start (fixture->engine, &error));
  g_assert_no_error (error);
  fixture->ui_connection = wb_engine_connect (fixture->engine, &error);
  g_assert_no_error (error);
  fixture->cli_connection = wb_client_connect_socket_sync (socket_path, NULL, &error);
  g_assert_no_error (error);
  fixture->cli = wb_client_get_engine_sync (fixture->cli_connection, NULL, &error);
  g_assert_no_error (error);

  /* Two VMs on "lab" with static addresses, one NAT VM with a forward
   * (made once: the tests share the settings home). */
  if (!lab_exists (fixture))
    make_lab (fixture, forward);

  fixture->window = GTK_WIDGET (wb_window_new (NULL, fixture->ui_connection));
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (fixture->window));
  wait_until (window_ready, fixture->window, "the window to list the VMs");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }
  g_clear_object (&fixture->cli);
  g_dbus_connection_close_sync (fixture->cli_connection, NULL, NULL);
  g_dbus_connection_close_sync (fixture->ui_connection, NULL, NULL);
  g_clear_object (&fixture->cli_connection);
  g_clear_object (&fixture->ui_connection);
  wb_engine_stop (fixture->engine);
  g_clear_object (&fixture->engine);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* --- the engine's answer ------------------------------------------------------- */

static GVariant *
engine_matrix (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GVariant *matrix = NULL;

  call_ok (wb_dbus_engine_call_get_matrix_sync (fixture->cli, &matrix, NULL, &error), error);
  return matrix;
}

/* What a cell must show for a result; written out here rather than taken
 * from the page, so that the test checks the page's mapping too. */
static const char *
expected_label (const char *result)
{
  static const struct { const char *result, *label; } labels[] = {
    { "+", "+" },
    { "port-forward", "Port forward" },
    { "-", "–" },
    { "not probed", "Not probed" },
    { "pending", "…" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (labels[i].result, result) == 0)
      return labels[i].label;
  g_error ("Unknown result '%s'", result);
}

static const char *
endpoint_name (GVariant   *matrix,
               const char *id)
{
  g_autoptr(GVariant) endpoints = g_variant_lookup_value (matrix, "endpoints", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *endpoint;

  g_variant_iter_init (&iter, endpoints);
  while ((endpoint = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = endpoint;
      const char *eid = NULL, *name = NULL;

      g_variant_lookup (endpoint, "id", "&s", &eid);
      g_variant_lookup (endpoint, "name", "&s", &name);
      if (g_strcmp0 (eid, id) == 0)
        return g_intern_string (name);
    }
  g_error ("No endpoint %s", id);
}

typedef struct
{
  Fixture *fixture;
  guint    n_vms;
} Settled;

static gboolean
all_running (gpointer data)
{
  Settled *settled = data;
  g_autoptr(GVariant) vms = NULL;
  g_autoptr(GError) error = NULL;

  call_ok (wb_dbus_engine_call_list_running_vms_sync (settled->fixture->cli, &vms, NULL, &error), error);
  return g_variant_n_children (vms) == settled->n_vms;
}

/* The page is done probing and shows the engine's latest matrix, which is
 * complete and has every running VM in it. */
static gboolean
page_settled (gpointer data)
{
  Settled *settled = data;
  WbConnectivityPage *page = WB_CONNECTIVITY_PAGE (child (settled->fixture->window, WB_TYPE_WINDOW,
                                                          "connectivity_page"));
  g_autoptr(GVariant) matrix = NULL;
  g_autoptr(GVariant) endpoints = NULL;
  GVariantIter iter;
  GVariant *endpoint;
  guint generation = 0, vms = 0;
  gboolean complete = FALSE;

  if (wb_connectivity_page_get_busy (page) || wb_connectivity_page_get_generation (page) == 0)
    return FALSE;
  matrix = engine_matrix (settled->fixture);
  g_variant_lookup (matrix, "generation", "u", &generation);
  g_variant_lookup (matrix, "complete", "b", &complete);
  endpoints = g_variant_lookup_value (matrix, "endpoints", G_VARIANT_TYPE ("aa{sv}"));
  g_variant_iter_init (&iter, endpoints);
  while ((endpoint = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *kind = NULL;

      if (g_variant_lookup (endpoint, "kind", "&s", &kind) && g_strcmp0 (kind, "vm") == 0)
        vms++;
      g_variant_unref (endpoint);
    }
  return complete && vms == settled->n_vms && generation == wb_connectivity_page_get_generation (page);
}

/* "FROM>TO" by names -> the label shown, for every cell of the grid. */
static GHashTable *
shown_cells (Fixture *fixture)
{
  GtkGrid *grid = GTK_GRID (page_child (fixture, "matrix_grid"));
  GHashTable *shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (grid)); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      int column, row;
      GtkWidget *row_header, *column_header;

      if (!GTK_IS_BUTTON (c))
        continue;
      gtk_grid_query_child (grid, c, &column, &row, NULL, NULL);
      row_header = gtk_grid_get_child_at (grid, 0, row);
      column_header = gtk_grid_get_child_at (grid, column, 0);
      g_hash_table_insert (shown,
                           g_strdup_printf ("%s>%s", label_of (row_header, "header-label"),
                                            label_of (column_header, "header-label")),
                           g_strdup (label_of (c, "cell-label")));
    }
  return shown;
}

/* --- the tests ----------------------------------------------------------------- */

static GtkWidget *
first_cell (GtkGrid *grid,
            int      row)
{
  for (int column = 1; column < 64; column++)
    {
      GtkWidget *cell = gtk_grid_get_child_at (grid, column, row);

      if (cell != NULL && GTK_IS_BUTTON (cell))
        return cell;
    }
  return NULL;
}

static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  return handled;
}

/* A button fires "clicked" once its activation has shown. */
static gboolean
details_revealed (gpointer data)
{
  return gtk_revealer_get_reveal_child (GTK_REVEALER (data));
}

static void
test_matrix (Fixture       *fixture,
             gconstpointer  data)
{
  static const char *const vms[] = { "VmA", "VmB", "NatVm" };
  AdwViewStack *views = ADW_VIEW_STACK (child (fixture->window, WB_TYPE_WINDOW, "view_stack"));
  GtkStack *lab_stack = GTK_STACK (page_child (fixture, "lab_stack"));
  GtkGrid *grid = GTK_GRID (page_child (fixture, "matrix_grid"));
  g_autoptr(GVariant) matrix = NULL;
  g_autoptr(GVariant) cells = NULL;
  g_autoptr(GHashTable) shown = NULL;
  g_autoptr(GError) error = NULL;
  Settled settled = { fixture, G_N_ELEMENTS (vms) };
  GVariantIter iter;
  GVariant *cell;
  GtkWidget *focus, *moved;
  int column, row, moved_column, moved_row;

  /* Nothing runs: the page says so and measures nothing. */
  adw_view_stack_set_visible_child_name (views, "connectivity");
  for (guint i = 0; i < 20; i++)
    iterate ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (lab_stack), ==, "empty");
  g_assert_cmpuint (wb_connectivity_page_get_generation (WB_CONNECTIVITY_PAGE (child (fixture->window, WB_TYPE_WINDOW, "connectivity_page"))), ==, 0);
  adw_view_stack_set_visible_child_name (views, "machines");

  for (guint i = 0; i < G_N_ELEMENTS (vms); i++)
    call_ok (wb_dbus_engine_call_start_vm_sync (fixture->cli, vms[i], "headless", NULL, &error), error);
  wait_until (all_running, &settled, "the VMs to run");

  /* Shown with VMs running, the page measures them by itself. */
  adw_view_stack_set_visible_child_name (views, "connectivity");
  wait_until (page_settled, &settled, "the matrix to be measured and shown");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (lab_stack), ==, "matrix");

  /* Every cell the engine has is shown, saying what the engine says. */
  matrix = engine_matrix (fixture);
  cells = g_variant_lookup_value (matrix, "cells", G_VARIANT_TYPE ("aa{sv}"));
  shown = shown_cells (fixture);
  g_assert_cmpuint (g_hash_table_size (shown), ==, g_variant_n_children (cells));
  g_variant_iter_init (&iter, cells);
  while ((cell = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = cell;
      const char *from = NULL, *to = NULL, *result = NULL;
      g_autofree char *key = NULL;

      g_variant_lookup (cell, "from", "&s", &from);
      g_variant_lookup (cell, "to", "&s", &to);
      g_variant_lookup (cell, "result", "&s", &result);
      key = g_strdup_printf ("%s>%s", endpoint_name (matrix, from), endpoint_name (matrix, to));
      g_assert_cmpstr (g_hash_table_lookup (shown, key), ==, expected_label (result));
    }
  /* VirtualBox's table: VMs on one internal network reach each other. */
  g_assert_cmpstr (g_hash_table_lookup (shown, "VmA>VmB"), ==, "+");

  /* Keyboard: Right moves to the next cell of the row. */
  focus = first_cell (grid, 1);
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_grab_focus (focus));
  g_assert_true (gtk_root_get_focus (GTK_ROOT (fixture->window)) == focus);
  g_assert_true (press_key (GTK_WIDGET (grid), GDK_KEY_Right));
  moved = gtk_root_get_focus (GTK_ROOT (fixture->window));
  g_assert_true (moved != focus);
  g_assert_true (gtk_widget_get_parent (moved) == GTK_WIDGET (grid));
  gtk_grid_query_child (grid, focus, &column, &row, NULL, NULL);
  gtk_grid_query_child (grid, moved, &moved_column, &moved_row, NULL, NULL);
  g_assert_cmpint (moved_row, ==, row);
  g_assert_cmpint (moved_column, >, column);

  /* Enter (activation) selects it: the side panel shows its pair. */
  gtk_widget_activate (moved);
  wait_until (details_revealed, page_child (fixture, "details_revealer"), "the details of the cell");
  {
    GtkWidget *row_header = gtk_grid_get_child_at (grid, 0, moved_row);
    GtkWidget *column_header = gtk_grid_get_child_at (grid, moved_column, 0);
    g_autofree char *title = g_strdup_printf ("%s → %s", label_of (row_header, "header-label"),
                                              label_of (column_header, "header-label"));

    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (page_child (fixture, "details_title"))), ==, title);
    g_assert_true (gtk_widget_has_css_class (moved, "selected"));
  }
}

static void
test_outside_validated (Fixture       *fixture,
                        gconstpointer  data)
{
  GtkWidget *entry = page_child (fixture, "outside_entry");

  gtk_editable_set_text (GTK_EDITABLE (entry), "198.51.100.300");
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "198.51.100.7:70000");
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "198.51.100.7:8080");
  g_assert_false (gtk_widget_has_css_class (entry, "error"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_assert_false (gtk_widget_has_css_class (entry, "error"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_setenv ("LANGUAGE", "C", TRUE);
  home = wb_test_set_up_home ("wirebox-ui-connectivity-XXXXXX");

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_resources_register (wb_get_resource ());

  g_test_add ("/ui-connectivity/outside-validated", Fixture, NULL,
              fixture_set_up, test_outside_validated, fixture_tear_down);
  g_test_add ("/ui-connectivity/matrix", Fixture, NULL,
              fixture_set_up, test_matrix, fixture_tear_down);
  status = g_test_run ();
  wb_test_rm_rf (home);
  g_free (home);
  return status;
}
