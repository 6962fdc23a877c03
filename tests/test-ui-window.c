/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The main window, the Host Network Manager and Preferences > Network
 * against a real in-process engine, under Xvfb. Each test acts through the
 * widgets (selects an item, types into an entry, clicks a button, picks a
 * dialog's response) and then reads the result back from the engine over a
 * second connection, as wirebox-manage would.
 */

#include "wb-host-network-manager.h"
#include "wb-nat-network-dialog.h"
#include "wb-new-vm-dialog.h"
#include "wb-preferences-window.h"
#include "wb-test-ui.h"
#include "wb-test-util.h"
#include "wb-window.h"

static char *home;

/* Its engine's cli is the "other client". */
typedef WbTestUiFixture Fixture;

/* --- helpers ---------------------------------------------------------------- */

/* Iterates until @condition holds, or fails after 10 s. */
static void
wait_until (WbTestCondition  condition,
            gpointer         data,
            const char      *what)
{
  wb_test_wait_until (condition, data, what, 10);
}

static void
collect_named (GtkWidget  *widget,
               const char *name,
               GPtrArray  *out)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0 && gtk_widget_get_mapped (widget))
    g_ptr_array_add (out, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_named (c, name, out);
}

static GPtrArray *
find_named (GtkWidget  *root,
            const char *name)
{
  GPtrArray *out = g_ptr_array_new ();

  collect_named (root, name, out);
  return out;
}

/* The first shown toplevel of exactly @type, if any. */
static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_OBJECT_TYPE (window) == type && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

typedef struct
{
  GType      type;
  GtkWindow *found;
} ToplevelWait;

static gboolean
toplevel_shown (gpointer data)
{
  ToplevelWait *wait = data;

  wait->found = find_toplevel (wait->type);
  return wait->found != NULL && gtk_widget_get_mapped (GTK_WIDGET (wait->found));
}

static GtkWindow *
wait_for_toplevel (GType type)
{
  ToplevelWait wait = { type, NULL };

  wait_until (toplevel_shown, &wait, g_type_name (type));
  return wait.found;
}

static void
type_text (gpointer    editable,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
  wb_test_iterate ();
}

static void
click (gpointer button)
{
  if (!gtk_widget_is_sensitive (GTK_WIDGET (button)))
    g_error ("%s %p is insensitive (own: %d)", G_OBJECT_TYPE_NAME (button), button, gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  wb_test_iterate ();
}

static gboolean
window_ready (gpointer data)
{
  GtkStack *stack = GTK_STACK (wb_test_child (data, WB_TYPE_WINDOW, "main_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "loading") != 0;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  load_lab)
{
  wb_test_engine_start (&fixture->engine, home);
  fixture->window = GTK_WIDGET (wb_window_new (NULL, fixture->engine.ui_connection));
  wb_window_set_load_lab_if_empty (WB_WINDOW (fixture->window), GPOINTER_TO_INT (load_lab));
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (fixture->window));
  wait_until (window_ready, fixture->window, "the window to be ready");
}

/* --- reading the engine ------------------------------------------------------------ */

typedef struct
{
  Fixture    *fixture;
  const char *name;
} Named;

static gboolean
engine_has_vm (Fixture    *fixture,
               const char *name)
{
  g_autoptr(GVariant) vms = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *vm;

  wb_dbus_engine_call_list_vms_sync (fixture->engine.cli, &vms, NULL, &error);
  g_assert_no_error (error);
  g_variant_iter_init (&iter, vms);
  while (g_variant_iter_next (&iter, "(&s&s)", &vm, NULL))
    if (g_strcmp0 (vm, name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
vm_exists (gpointer data)
{
  Named *n = data;

  return engine_has_vm (n->fixture, n->name);
}

static gboolean
vm_gone (gpointer data)
{
  return !vm_exists (data);
}

/* The dictionary whose @key is @value in the aa{sv} @list, or NULL. */
static GVariant *
find_dict (GVariant   *list,
           const char *key,
           const char *value)
{
  GVariantIter iter;
  GVariant *dict;

  g_variant_iter_init (&iter, list);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *v = NULL;

      if (g_variant_lookup (dict, key, "&s", &v) && g_strcmp0 (v, value) == 0)
        return dict;
      g_variant_unref (dict);
    }
  return NULL;
}

static GVariant *
engine_nat_network (Fixture    *fixture,
                    const char *name)
{
  g_autoptr(GVariant) nets = NULL;
  g_autoptr(GError) error = NULL;

  wb_dbus_engine_call_list_nat_networks_sync (fixture->engine.cli, &nets, NULL, &error);
  g_assert_no_error (error);
  return find_dict (nets, "name", name);
}

/* --- the example lab and the VM list ------------------------------------------------- */

static guint
count_rows (Fixture *fixture)
{
  g_autoptr(GPtrArray) rows = find_named (fixture->window, "vm-name");

  return rows->len;
}

static gboolean
eight_vms_listed (gpointer data)
{
  Fixture *fixture = data;

  return count_rows (fixture) == 8;
}

static gboolean
lab_vms_exist (gpointer data)
{
  Fixture *fixture = data;
  static const char *const names[] = {
    "Router", "VM2", "VM3", "Web", "NatVM1", "NatVM2", "HostOnlyVM", "BridgedVM",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (!engine_has_vm (fixture, names[i]))
      return FALSE;
  return TRUE;
}

static void
test_first_start_loads_lab (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GVariant) natnet = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) adapters = NULL;
  g_autoptr(GVariant) adapter2 = NULL;
  g_autoptr(GError) error = NULL;
  AdwWindowTitle *title;
  const char *intnet = NULL;

  /* The home is empty: the window loads the example lab by itself. */
  wait_until (lab_vms_exist, fixture, "the example lab's VMs");
  wait_until (eight_vms_listed, fixture, "eight rows");

  natnet = engine_nat_network (fixture, "natnet1");
  g_assert_nonnull (natnet);
  wb_dbus_engine_call_get_vm_sync (fixture->engine.cli, "Router", &info, NULL, &error);
  g_assert_no_error (error);
  adapters = g_variant_lookup_value (info, "adapters", G_VARIANT_TYPE ("aa{sv}"));
  adapter2 = g_variant_get_child_value (adapters, 1);
  g_assert_true (g_variant_lookup (adapter2, "intnet", "&s", &intnet));
  g_assert_cmpstr (intnet, ==, "intnet");

  /* The router is selected and its details are shown. */
  title = ADW_WINDOW_TITLE (wb_test_child (fixture->window, WB_TYPE_WINDOW, "content_title"));
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "Router");
}

static void
test_load_lab_from_menu (Fixture       *fixture,
                         gconstpointer  data)
{
  Named gone = { fixture, "Web" };
  GtkWidget *button;

  /* Remove one piece of the lab: loading it again brings that back and
   * leaves the rest alone. */
  if (engine_has_vm (fixture, "Web"))
    {
      wb_dbus_engine_call_delete_vm_sync (fixture->engine.cli, "Web", FALSE, NULL, NULL);
      wait_until (vm_gone, &gone, "Web to go");
    }

  /* The menu item and the empty page's button share the action. */
  button = GTK_WIDGET (wb_test_child (fixture->window, WB_TYPE_WINDOW, "load_lab_button"));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.load-example-lab");
  gtk_widget_activate_action (fixture->window, "win.load-example-lab", NULL);
  wait_until (lab_vms_exist, fixture, "the example lab's VMs");
  wait_until (eight_vms_listed, fixture, "eight rows");
}

static void
select_vm (Fixture    *fixture,
           const char *name)
{
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (wb_test_child (fixture->window, WB_TYPE_WINDOW, "selection"));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (selection));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WbDBusVm) vm = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (g_strcmp0 (wb_dbus_vm_get_name (vm), name) == 0)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), i, TRUE);
          wb_test_iterate ();
          return;
        }
    }
  g_error ("No VM %s in the list", name);
}

static void
test_new_and_delete_vm (Fixture       *fixture,
                        gconstpointer  data)
{
  Named created = { fixture, "Scratch" };
  GtkWindow *dialog;
  AdwWindowTitle *title;

  gtk_widget_activate_action (fixture->window, "win.new-vm", NULL);
  dialog = wait_for_toplevel (WB_TYPE_NEW_VM_DIALOG);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "create"));
  type_text (wb_test_child (dialog, WB_TYPE_NEW_VM_DIALOG, "name_entry"), "Scratch");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "create"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "create");
  wait_until (vm_exists, &created, "Scratch to be created");

  /* The new VM is selected: delete it, which asks first. */
  title = ADW_WINDOW_TITLE (wb_test_child (fixture->window, WB_TYPE_WINDOW, "content_title"));
  while (g_strcmp0 (adw_window_title_get_title (title), "Scratch") != 0)
    wb_test_iterate ();
  select_vm (fixture, "Scratch");
  gtk_widget_activate_action (fixture->window, "win.delete-vm", NULL);
  dialog = wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_true (engine_has_vm (fixture, "Scratch"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  wait_until (vm_gone, &created, "Scratch to be deleted");
}

static void
test_delete_asks (Fixture       *fixture,
                  gconstpointer  data)
{
  Named vm3 = { fixture, "VM3" };
  GtkWindow *dialog;

  g_assert_true (engine_has_vm (fixture, "VM3"));
  select_vm (fixture, "VM3");

  /* Cancel keeps it. */
  gtk_widget_activate_action (fixture->window, "win.delete-vm", NULL);
  dialog = wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  for (guint i = 0; i < 50; i++)
    wb_test_iterate ();
  g_assert_true (engine_has_vm (fixture, "VM3"));

  gtk_widget_activate_action (fixture->window, "win.delete-vm", NULL);
  dialog = wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  wait_until (vm_gone, &vm3, "VM3 to be deleted");
}

/* --- the window follows other clients -------------------------------------------------- */

typedef struct
{
  Fixture    *fixture;
  const char *text;
} Shown;

static gboolean
details_show (gpointer data)
{
  Shown *shown = data;
  GtkWidget *details = GTK_WIDGET (wb_test_child (shown->fixture->window, WB_TYPE_WINDOW, "details"));
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  gboolean found = FALSE;

  /* Every label of the details pane. */
  for (GtkWidget *w = details; w != NULL;)
    {
      if (GTK_IS_LABEL (w) && gtk_widget_get_mapped (w) &&
          g_strcmp0 (gtk_label_get_label (GTK_LABEL (w)), shown->text) == 0)
        found = TRUE;
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != details && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w == details ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  return found;
}

static void
test_follows_other_client (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Shown shown = { fixture, "lab-b" };
  GVariantBuilder changes;

  select_vm (fixture, "VM2");
  g_assert_false (details_show (&shown));

  /* wirebox-manage modifyvm VM2 --intnet1 lab-b */
  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
  g_variant_builder_add (&changes, "(sus)", "intnet", 1, "lab-b");
  wb_dbus_engine_call_modify_vm_sync (fixture->engine.cli, "VM2", g_variant_builder_end (&changes),
                                      NULL, &error);
  g_assert_no_error (error);
  wait_until (details_show, &shown, "the details to show lab-b");
}

/* --- quitting while VMs run ------------------------------------------------------------ */

static guint
count_running (Fixture *fixture)
{
  g_autoptr(GVariant) vms = NULL;
  g_autoptr(GError) error = NULL;

  wb_dbus_engine_call_list_running_vms_sync (fixture->engine.cli, &vms, NULL, &error);
  g_assert_no_error (error);
  return g_variant_n_children (vms);
}

static gboolean
window_knows_running (gpointer data)
{
  Fixture *fixture = data;
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (wb_test_child (fixture->window, WB_TYPE_WINDOW, "selection"));
  WbDBusVm *vm = gtk_single_selection_get_selected_item (selection);

  return vm != NULL && g_strcmp0 (wb_dbus_vm_get_state (vm), "running") == 0;
}

static gboolean
window_gone (gpointer data)
{
  return find_toplevel (WB_TYPE_WINDOW) == NULL;
}

static void
test_quit_asks_to_power_off (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWindow *dialog;

  /* Another client starts a VM; the window learns it runs. */
  select_vm (fixture, "VM2");
  wb_dbus_engine_call_start_vm_sync (fixture->engine.cli, "VM2", "headless", NULL, &error);
  g_assert_no_error (error);
  wait_until (window_knows_running, fixture, "VM2 to run");

  /* Closing asks; Cancel keeps the window and the VM. */
  gtk_window_close (GTK_WINDOW (fixture->window));
  dialog = wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  for (guint i = 0; i < 50; i++)
    wb_test_iterate ();
  g_assert_nonnull (find_toplevel (WB_TYPE_WINDOW));
  g_assert_cmpuint (count_running (fixture), ==, 1);

  /* Power Off and Quit does both. */
  gtk_window_close (GTK_WINDOW (fixture->window));
  dialog = wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "poweroff");
  wait_until (window_gone, NULL, "the window to close");
  g_assert_cmpuint (count_running (fixture), ==, 0);
}

static void
test_remembers_size (Fixture       *fixture,
                     gconstpointer  data)
{
  GtkWindow *window;
  int w0 = 0, h0 = 0;
  int w = 0, h = 0;

  g_assert_cmpuint (count_running (fixture), ==, 0);
  /* Whatever size the window has when it closes (the X server has the last
   * word on it), not the schema's default of 960x640. */
  wb_test_iterate ();
  gtk_window_get_default_size (GTK_WINDOW (fixture->window), &w0, &h0);
  g_assert_true (w0 != 960 || h0 != 640);
  gtk_window_close (GTK_WINDOW (fixture->window));
  wait_until (window_gone, NULL, "the window to close");

  /* GSettings (the memory backend here) holds the size for the next one. */
  window = GTK_WINDOW (wb_window_new (NULL, fixture->engine.ui_connection));
  gtk_window_get_default_size (window, &w, &h);
  g_assert_cmpint (w, ==, w0);
  g_assert_cmpint (h, ==, h0);
  gtk_window_destroy (window);
}

/* --- Host Network Manager ---------------------------------------------------------------- */

typedef struct
{
  Fixture    *fixture;
  const char *network;
  const char *lower;
  const char *upper;
} DhcpWait;

static gboolean
dhcp_range_is (gpointer data)
{
  DhcpWait *wait = data;
  g_autoptr(GVariant) servers = NULL;
  g_autoptr(GVariant) server = NULL;
  g_autoptr(GError) error = NULL;
  const char *lower = NULL, *upper = NULL;

  wb_dbus_engine_call_list_dhcp_servers_sync (wait->fixture->engine.cli, &servers, NULL, &error);
  g_assert_no_error (error);
  server = find_dict (servers, "network-name", wait->network);
  if (server == NULL)
    return FALSE;
  g_variant_lookup (server, "lower-ip", "&s", &lower);
  g_variant_lookup (server, "upper-ip", "&s", &upper);
  return g_strcmp0 (lower, wait->lower) == 0 && g_strcmp0 (upper, wait->upper) == 0;
}

static gboolean
apply_sensitive (gpointer data)
{
  return gtk_widget_get_sensitive (data);
}

/* Nothing left to apply: the Apply in flight has come back. */
static gboolean
nothing_to_apply (gpointer data)
{
  return !gtk_widget_get_sensitive (GTK_WIDGET (wb_test_child (data, WB_TYPE_HOST_NETWORK_MANAGER, "reset_button")));
}

static gboolean
interface_selected (gpointer data)
{
  GtkSingleSelection *selection = data;

  return gtk_single_selection_get_selected_item (selection) != NULL;
}

static gboolean
switch_is_on (gpointer data)
{
  return gtk_switch_get_active (GTK_SWITCH (data));
}

static void
test_host_network_manager (Fixture       *fixture,
                           gconstpointer  data)
{
  GType type = WB_TYPE_HOST_NETWORK_MANAGER;
  g_autoptr(GVariant) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *network = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *lo = NULL;
  g_autofree char *hi = NULL;
  const char *server;
  WbDBusHostOnlyIf *hif;
  GtkSingleSelection *selection;
  GtkWindow *hnm;
  GObject *apply, *lower, *upper;
  DhcpWait wait = { fixture, NULL, NULL, NULL };

  gtk_widget_activate_action (fixture->window, "win.host-network-manager", NULL);
  hnm = wait_for_toplevel (type);

  /* Create: a new vboxnetN appears and is selected. */
  wb_dbus_engine_call_list_host_only_ifs_sync (fixture->engine.cli, &before, NULL, &error);
  g_assert_no_error (error);
  selection = GTK_SINGLE_SELECTION (wb_test_child (hnm, type, "selection"));
  gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
  click (wb_test_child (hnm, type, "create_button"));
  wait_until (interface_selected, selection, "the new interface");
  hif = gtk_single_selection_get_selected_item (selection);
  name = g_strdup (wb_dbus_host_only_if_get_name (hif));
  g_assert_null (find_dict (before, "name", name));
  network = g_strconcat ("HostInterfaceNetworking-", name, NULL);

  /* Properties > DHCP Server: a malformed bound is marked and blocks Apply. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (wb_test_child (hnm, type, "properties_button")), TRUE);
  gtk_stack_set_visible_child_name (GTK_STACK (wb_test_child (hnm, type, "properties_stack")), "dhcp");
  /* The interface's DHCP server is exported after the interface itself. */
  wait_until (switch_is_on, wb_test_child (hnm, type, "dhcp_switch"), "the new interface's DHCP server");
  apply = wb_test_child (hnm, type, "apply_button");
  lower = wb_test_child (hnm, type, "lower_row");
  upper = wb_test_child (hnm, type, "upper_row");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (apply)));
  type_text (lower, "192.168.300.1");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (lower), "error"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (apply)));

  /* The interface's subnet is 192.168.(56+N).0/24: keep its first three
   * octets and change the range. */
  server = gtk_editable_get_text (GTK_EDITABLE (wb_test_child (hnm, type, "server_row")));
  prefix = g_strndup (server, strrchr (server, '.') - server);
  lo = g_strdup_printf ("%s.110", prefix);
  hi = g_strdup_printf ("%s.200", prefix);
  type_text (lower, lo);
  type_text (upper, hi);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (lower), "error"));
  click (apply);
  wait.network = network;
  wait.lower = lo;
  wait.upper = hi;
  wait_until (dhcp_range_is, &wait, "the new DHCP range");
  wait_until (nothing_to_apply, hnm, "Apply to come back");

  /* An engine refusal (upper below lower) shows as a toast and changes
   * nothing. */
  type_text (upper, lo);
  type_text (lower, hi);
  click (apply);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (apply)));
  wait_until (apply_sensitive, apply, "Apply to come back refused");
  g_assert_true (dhcp_range_is (&wait));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (lower)), ==, hi);
}

/* --- Preferences > Network ------------------------------------------------------------------- */

static gboolean
nat_network_exists (gpointer data)
{
  Named *n = data;
  g_autoptr(GVariant) net = engine_nat_network (n->fixture, n->name);

  return net != NULL;
}

static gboolean
nat_network_disabled (gpointer data)
{
  Named *n = data;
  g_autoptr(GVariant) net = engine_nat_network (n->fixture, n->name);
  gboolean enabled = TRUE;

  g_assert_nonnull (net);
  g_variant_lookup (net, "enabled", "b", &enabled);
  return !enabled;
}

typedef struct
{
  GtkWidget  *window;
  const char *title;
  GtkWidget  *row;
} RowWait;

static gboolean
nat_row_shown (gpointer data)
{
  RowWait *wait = data;
  GtkWidget *list = GTK_WIDGET (wb_test_child (wait->window, WB_TYPE_PREFERENCES_WINDOW, "nat_list"));

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row) &&
        g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), wait->title) == 0)
      {
        wait->row = row;
        return TRUE;
      }
  return FALSE;
}

static void
test_nat_networks (Fixture       *fixture,
                   gconstpointer  data)
{
  GType type = WB_TYPE_NAT_NETWORK_DIALOG;
  g_autoptr(GPtrArray) switches = NULL;
  g_autoptr(GVariant) net = NULL;
  g_autoptr(GError) error = NULL;
  Named added = { fixture, "Lab22" };
  Named other = { fixture, "FromCli" };
  RowWait row = { NULL, "Lab22", NULL };
  GtkWindow *prefs, *dialog;
  GObject *ok, *cidr;
  const char *network = NULL;
  GVariantBuilder options;

  gtk_widget_activate_action (fixture->window, "win.preferences", NULL);
  prefs = wait_for_toplevel (WB_TYPE_PREFERENCES_WINDOW);
  row.window = GTK_WIDGET (prefs);

  /* Add proposes a free name and VirtualBox's default CIDR. */
  click (wb_test_child (prefs, WB_TYPE_PREFERENCES_WINDOW, "add_button"));
  dialog = wait_for_toplevel (type);
  ok = wb_test_child (dialog, type, "ok_button");
  cidr = wb_test_child (dialog, type, "cidr_row");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (wb_test_child (dialog, type, "name_row"))), ==, "NatNetwork");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (cidr)), ==, "10.0.2.0/24");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (ok)));

  /* A prefix of 33 is marked at once and OK stays off. */
  type_text (cidr, "192.168.1.0/33");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (cidr), "error"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (ok)));

  type_text (wb_test_child (dialog, type, "name_row"), "Lab22");
  type_text (cidr, "192.168.122.0/24");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (cidr), "error"));
  click (ok);
  wait_until (nat_network_exists, &added, "Lab22 in the engine");
  net = engine_nat_network (fixture, "Lab22");
  g_assert_true (g_variant_lookup (net, "network", "&s", &network));
  g_assert_cmpstr (network, ==, "192.168.122.0/24");

  /* The list shows it; its switch disables it in the engine. */
  wait_until (nat_row_shown, &row, "Lab22's row");
  switches = find_named (row.row, "nat-enabled");
  g_assert_cmpuint (switches->len, ==, 1);
  g_assert_true (gtk_switch_get_active (switches->pdata[0]));
  gtk_switch_set_active (switches->pdata[0], FALSE);
  wait_until (nat_network_disabled, &added, "Lab22 to be disabled");

  /* Editing keeps the name fixed and still checks the CIDR. */
  {
    g_autoptr(GPtrArray) edits = find_named (row.row, "nat-edit");

    click (edits->pdata[0]);
    dialog = wait_for_toplevel (type);
    g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (wb_test_child (dialog, type, "name_row"))));
    type_text (wb_test_child (dialog, type, "cidr_row"), "192.168.1.0/33");
    g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (wb_test_child (dialog, type, "ok_button"))));
    gtk_window_destroy (dialog);
  }

  /* A network added by another client shows without a reload. */
  g_variant_builder_init (&options, G_VARIANT_TYPE ("a(ss)"));
  g_variant_builder_add (&options, "(ss)", "network", "10.9.0.0/24");
  wb_dbus_engine_call_add_nat_network_sync (fixture->engine.cli, "FromCli", g_variant_builder_end (&options),
                                            NULL, &error);
  g_assert_no_error (error);
  g_assert_true (nat_network_exists (&other));
  row.title = "FromCli";
  wait_until (nat_row_shown, &row, "FromCli's row");
}

int
main (int    argc,
      char **argv)
{
  int status;

  home = wb_test_ui_init (&argc, &argv, "wirebox-ui-window-XXXXXX");

  /* In this order: the first start sees an empty settings home. */
  g_test_add ("/ui-window/first-start-loads-lab", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_first_start_loads_lab, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-window/new-and-delete-vm", Fixture, NULL,
              fixture_set_up, test_new_and_delete_vm, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-window/follows-other-client", Fixture, NULL,
              fixture_set_up, test_follows_other_client, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-window/delete-asks", Fixture, NULL,
              fixture_set_up, test_delete_asks, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-window/load-lab-from-menu", Fixture, NULL,
              fixture_set_up, test_load_lab_from_menu, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-window/host-network-manager", Fixture, NULL,
              fixture_set_up, test_host_network_manager, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-window/nat-networks", Fixture, NULL,
              fixture_set_up, test_nat_networks, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-window/quit-asks-to-power-off", Fixture, NULL,
              fixture_set_up, test_quit_asks_to_power_off, wb_test_ui_fixture_tear_down);
  g_test_add ("/ui-window/remembers-size", Fixture, NULL,
              fixture_set_up, test_remembers_size, wb_test_ui_fixture_tear_down);
  status = g_test_run ();
  wb_test_rm_rf (home);
  g_free (home);
  return status;
}
