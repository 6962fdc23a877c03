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

#include "wb-connectivity-page-private.h"
#include "wb-test-ui.h"
#include "wb-test-util.h"
#include "wb-window.h"

static char *home;

typedef WbTestUiFixture Fixture;

/* --- helpers ---------------------------------------------------------------- */

static GtkWidget *
page_child (Fixture    *fixture,
            const char *id)
{
  GtkWidget *page = GTK_WIDGET (wb_test_child (fixture->window, WB_TYPE_WINDOW, "connectivity_page"));

  return GTK_WIDGET (wb_test_child (page, WB_TYPE_CONNECTIVITY_PAGE, id));
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
    ok = wb_dbus_engine_call_configure_guest_sync (fixture->engine.cli, vm, g_variant_builder_end (&changes),
                                                   NULL, &error);
  else
    ok = wb_dbus_engine_call_modify_vm_sync (fixture->engine.cli, vm, g_variant_builder_end (&changes),
                                             NULL, &error);
  call_ok (ok, error);
}

static void
create_vm (Fixture    *fixture,
           const char *name)
{
  g_autofree char *uuid = NULL;
  g_autoptr(GError) error = NULL;

  call_ok (wb_dbus_engine_call_create_vm_sync (fixture->engine.cli, name, TRUE, &uuid, NULL, &error), error);
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

  call_ok (wb_dbus_engine_call_list_vms_sync (fixture->engine.cli, &vms, NULL, &error), error);
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
  GtkStack *stack = GTK_STACK (wb_test_child (data, WB_TYPE_WINDOW, "main_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "vms") == 0;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *forward = g_strdup_printf ("web,tcp,127.0.0.1,%u,,80", free_port ());

  wb_test_engine_start (&fixture->engine, home);

  /* Two VMs on "lab" with static addresses, one NAT VM with a forward
   * (made once: the tests share the settings home). */
  if (!lab_exists (fixture))
    make_lab (fixture, forward);

  fixture->window = GTK_WIDGET (wb_window_new (NULL, fixture->engine.ui_connection));
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (fixture->window));
  wb_test_wait_until (window_ready, fixture->window, "the window to list the VMs", 0);
}

/* --- the engine's answer ------------------------------------------------------- */

static GVariant *
engine_matrix (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GVariant *matrix = NULL;

  call_ok (wb_dbus_engine_call_get_matrix_sync (fixture->engine.cli, &matrix, NULL, &error), error);
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

  call_ok (wb_dbus_engine_call_list_running_vms_sync (settled->fixture->engine.cli, &vms, NULL, &error), error);
  return g_variant_n_children (vms) == settled->n_vms;
}

/* The page is done probing and shows the engine's latest matrix, which is
 * complete and has every running VM in it. */
static gboolean
page_settled (gpointer data)
{
  Settled *settled = data;
  WbConnectivityPage *page = WB_CONNECTIVITY_PAGE (wb_test_child (settled->fixture->window, WB_TYPE_WINDOW,
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

static WbConnectivityPage *
page_of (Fixture *fixture)
{
  return WB_CONNECTIVITY_PAGE (wb_test_child (fixture->window, WB_TYPE_WINDOW, "connectivity_page"));
}

/* "FROM>TO" by the headers' names -> the label drawn, for every cell of
 * the grid (the page draws its cells, each from a widget of its result). */
static GHashTable *
shown_cells (Fixture *fixture)
{
  WbConnectivityPage *page = page_of (fixture);
  GHashTable *shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint n_sources = 0, n_destinations = 0;

  _wb_connectivity_page_get_size (page, &n_sources, &n_destinations);
  for (guint row = 0; row < n_sources; row++)
    for (guint column = 0; column < n_destinations; column++)
      {
        GtkWidget *c = _wb_connectivity_page_get_cell (page, row, column);

        if (c == NULL)
          continue;
        g_hash_table_insert (shown,
                             g_strdup_printf ("%s>%s",
                                              label_of (_wb_connectivity_page_get_header (page, TRUE, row), "header-label"),
                                              label_of (_wb_connectivity_page_get_header (page, FALSE, column), "header-label")),
                             g_strdup (label_of (c, "cell-label")));
      }
  return shown;
}

/* --- the tests ----------------------------------------------------------------- */

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
  AdwViewStack *views = ADW_VIEW_STACK (wb_test_child (fixture->window, WB_TYPE_WINDOW, "view_stack"));
  GtkStack *lab_stack = GTK_STACK (page_child (fixture, "lab_stack"));
  GtkWidget *grid = page_child (fixture, "matrix_view");
  WbConnectivityPage *page = page_of (fixture);
  g_autoptr(GVariant) matrix = NULL;
  g_autoptr(GVariant) cells = NULL;
  g_autoptr(GHashTable) shown = NULL;
  g_autoptr(GError) error = NULL;
  Settled settled = { fixture, G_N_ELEMENTS (vms) };
  GVariantIter iter;
  GVariant *cell;
  guint column, row, moved_column, moved_row, selected_column, selected_row;

  /* Nothing runs: the page says so and measures nothing. */
  adw_view_stack_set_visible_child_name (views, "connectivity");
  for (guint i = 0; i < 20; i++)
    wb_test_iterate ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (lab_stack), ==, "empty");
  g_assert_cmpuint (wb_connectivity_page_get_generation (WB_CONNECTIVITY_PAGE (wb_test_child (fixture->window, WB_TYPE_WINDOW, "connectivity_page"))), ==, 0);
  adw_view_stack_set_visible_child_name (views, "machines");

  for (guint i = 0; i < G_N_ELEMENTS (vms); i++)
    call_ok (wb_dbus_engine_call_start_vm_sync (fixture->engine.cli, vms[i], "headless", NULL, &error), error);
  wb_test_wait_until (all_running, &settled, "the VMs to run", 0);

  /* Shown with VMs running, the page measures them by itself. */
  adw_view_stack_set_visible_child_name (views, "connectivity");
  wb_test_wait_until (page_settled, &settled, "the matrix to be measured and shown", 0);
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

      g_assert_true (g_variant_lookup (cell, "from", "&s", &from));
      g_assert_true (g_variant_lookup (cell, "to", "&s", &to));
      g_assert_true (g_variant_lookup (cell, "result", "&s", &result));
      key = g_strdup_printf ("%s>%s", endpoint_name (matrix, from), endpoint_name (matrix, to));
      g_assert_cmpstr (g_hash_table_lookup (shown, key), ==, expected_label (result));
    }
  /* VirtualBox's table: VMs on one internal network reach each other; the
   * host reaches a NAT VM through its forward only; a NAT VM and an
   * internal network do not meet; the Outside is unset, so not probed. */
  g_assert_cmpstr (g_hash_table_lookup (shown, "VmA>VmB"), ==, "+");
  g_assert_cmpstr (g_hash_table_lookup (shown, "VmB>VmA"), ==, "+");
  g_assert_cmpstr (g_hash_table_lookup (shown, "Host>NatVm"), ==, "Port forward");
  g_assert_cmpstr (g_hash_table_lookup (shown, "NatVm>VmA"), ==, "–");
  g_assert_cmpstr (g_hash_table_lookup (shown, "VmA>NatVm"), ==, "–");
  g_assert_cmpstr (g_hash_table_lookup (shown, "NatVm>Outside"), ==, "Not probed");

  /* Keyboard: focused, the grid focuses its first cell; Right moves to
   * the next cell of the row. */
  g_assert_true (gtk_widget_grab_focus (grid));
  g_assert_true (gtk_root_get_focus (GTK_ROOT (fixture->window)) == grid);
  g_assert_true (_wb_connectivity_page_get_focus (page, &row, &column));
  g_assert_nonnull (_wb_connectivity_page_get_cell (page, row, column));
  /* The first cell: the first row's, left of which there is none (the
   * diagonal has none). */
  g_assert_cmpuint (row, ==, 0);
  for (guint c = 0; c < column; c++)
    g_assert_null (_wb_connectivity_page_get_cell (page, row, c));
  g_assert_true (press_key (grid, GDK_KEY_Right));
  g_assert_true (_wb_connectivity_page_get_focus (page, &moved_row, &moved_column));
  g_assert_nonnull (_wb_connectivity_page_get_cell (page, moved_row, moved_column));
  g_assert_cmpuint (moved_row, ==, row);
  g_assert_cmpuint (moved_column, >, column);
  /* The next cell, not one further. */
  for (guint c = column + 1; c < moved_column; c++)
    g_assert_null (_wb_connectivity_page_get_cell (page, row, c));

  /* Enter selects it: the side panel shows its pair. */
  g_assert_true (press_key (grid, GDK_KEY_Return));
  wb_test_wait_until (details_revealed, page_child (fixture, "details_revealer"), "the details of the cell", 0);
  {
    g_autofree char *title =
      g_strdup_printf ("%s → %s",
                       label_of (_wb_connectivity_page_get_header (page, TRUE, moved_row), "header-label"),
                       label_of (_wb_connectivity_page_get_header (page, FALSE, moved_column), "header-label"));

    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (page_child (fixture, "details_title"))), ==, title);
    g_assert_true (_wb_connectivity_page_get_selected (page, &selected_row, &selected_column));
    g_assert_cmpuint (selected_row, ==, moved_row);
    g_assert_cmpuint (selected_column, ==, moved_column);
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

  home = wb_test_ui_init (&argc, &argv, "wirebox-ui-connectivity-XXXXXX");

  g_test_add ("/ui-connectivity/outside-validated", Fixture, NULL,
              fixture_set_up, test_outside_validated, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-connectivity/matrix", Fixture, NULL,
              fixture_set_up, test_matrix, wb_test_ui_fixture_tear_down);
  status = g_test_run ();
  wb_test_rm_rf (home);
  g_free (home);
  return status;
}
