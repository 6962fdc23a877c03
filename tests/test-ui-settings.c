/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * VM Settings > Network and the port-forwarding table against a real
 * in-process engine, under Xvfb. Each test acts through the widgets as a
 * user would (switches, combo rows, entries, buttons) and reads the result
 * back from the engine with Engine.GetVm; the engine is called directly
 * only to set the scene.
 */

#include <string.h>

#include "wb-adapter-page.h"
#include "wb-client.h"
#include "wb-engine.h"
#include "wb-port-forwarding-editor.h"
#include "wb-resources.h"
#include "wb-test-util.h"
#include "wb-vm-settings-dialog.h"

#define TIMEOUT_S 10

static char *home;
static WbEngine *engine;
static GDBusConnection *connection;
static WbDBusEngine *proxy;
static GDBusObjectManager *manager;

/* --- finding widgets ---------------------------------------------------- */

/* Widgets built from a list item factory's template keep their id as the
 * buildable id. */
static void
collect_by_id (GtkWidget  *widget,
               const char *id,
               GPtrArray  *found)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), id) == 0)
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_by_id (child, id, found);
}

static gpointer
find_cell (gpointer    root,
           const char *id)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_by_id (GTK_WIDGET (root), id, found);
  g_assert_cmpuint (found->len, ==, 1);
  return found->pdata[0];
}

/* The child @id of the template of @owner's own class. */
static gpointer
child (gpointer    owner,
       const char *id)
{
  GObject *found = gtk_widget_get_template_child (owner, G_OBJECT_TYPE (owner), id);

  g_assert_nonnull (found);
  return found;
}

static gpointer
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

static void
collect_toast_labels (GtkWidget *widget,
                      gboolean   in_toast,
                      GString   *text)
{
  in_toast = in_toast || g_strcmp0 (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget") == 0;
  if (in_toast && GTK_IS_LABEL (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_toast_labels (child, in_toast, text);
}

/* The text of the toasts shown in @window. */
static char *
toast_text (gpointer window)
{
  GString *text = g_string_new (NULL);

  collect_toast_labels (GTK_WIDGET (window), FALSE, text);
  return g_string_free (text, FALSE);
}

/* --- waiting ------------------------------------------------------------- */

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @condition holds; fails after TIMEOUT_S. */
static void
wait_for (Condition condition,
          gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (!condition (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
window_is_gone (gpointer type)
{
  return find_toplevel (GPOINTER_TO_SIZE (type)) == NULL;
}

static gboolean
window_is_shown (gpointer type)
{
  return find_toplevel (GPOINTER_TO_SIZE (type)) != NULL;
}

static gboolean
is_sensitive (gpointer widget)
{
  return gtk_widget_get_sensitive (widget);
}

static gboolean
has_toast (gpointer window)
{
  g_autofree char *text = toast_text (window);

  return *text != '\0';
}

static gboolean
has_vm (gpointer name)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (manager);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      WbDBusVm *vm = wb_dbus_object_peek_vm (WB_DBUS_OBJECT (l->data));

      if (vm != NULL && g_strcmp0 (wb_dbus_vm_get_name (vm), name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* --- the engine ---------------------------------------------------------- */

static WbDBusVm *
create_vm (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autolist(GDBusObject) objects = NULL;

  wb_dbus_engine_call_create_vm_sync (proxy, name, TRUE, &uuid, NULL, &error);
  g_assert_no_error (error);
  wait_for (has_vm, (gpointer) name);

  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      WbDBusVm *vm = wb_dbus_object_peek_vm (WB_DBUS_OBJECT (l->data));

      if (vm != NULL && g_strcmp0 (wb_dbus_vm_get_name (vm), name) == 0)
        return g_object_ref (vm);
    }
  g_assert_not_reached ();
}

static void
modify (const char *vm,
        const char *key,
        guint       slot,
        const char *value)
{
  g_autoptr(GError) error = NULL;
  GVariantBuilder changes;

  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
  g_variant_builder_add (&changes, "(sus)", key, slot, value);
  wb_dbus_engine_call_modify_vm_sync (proxy, vm, g_variant_builder_end (&changes), NULL, &error);
  g_assert_no_error (error);
}

/* Adapter @slot of @vm as the engine has it now. */
static GVariant *
get_adapter (const char *vm,
             guint       slot)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) adapters = NULL;

  wb_dbus_engine_call_get_vm_sync (proxy, vm, &info, NULL, &error);
  g_assert_no_error (error);
  adapters = g_variant_lookup_value (info, "adapters", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (adapters);
  g_assert_cmpuint (g_variant_n_children (adapters), >=, slot);
  return g_variant_get_child_value (adapters, slot - 1);
}

static char *
adapter_string (const char *vm,
                guint       slot,
                const char *key)
{
  g_autoptr(GVariant) adapter = get_adapter (vm, slot);
  char *value = NULL;

  g_assert_true (g_variant_lookup (adapter, key, "s", &value));
  return value;
}

static gboolean
adapter_boolean (const char *vm,
                 guint       slot,
                 const char *key)
{
  g_autoptr(GVariant) adapter = get_adapter (vm, slot);
  gboolean value = FALSE;

  g_assert_true (g_variant_lookup (adapter, key, "b", &value));
  return value;
}

/* The rules of adapter @slot, "name,tcp,hostip,hostport,guestip,guestport"
 * each, joined by ";". */
static char *
adapter_rules (const char *vm,
               guint       slot)
{
  g_autoptr(GVariant) adapter = get_adapter (vm, slot);
  g_autoptr(GVariant) rules = g_variant_lookup_value (adapter, "rules", G_VARIANT_TYPE ("a(sssqsq)"));
  GString *text = g_string_new (NULL);
  GVariantIter iter;
  const char *name, *proto, *host_ip, *guest_ip;
  guint16 host_port, guest_port;

  g_assert_nonnull (rules);
  g_variant_iter_init (&iter, rules);
  while (g_variant_iter_next (&iter, "(&s&s&sq&sq)", &name, &proto, &host_ip, &host_port,
                              &guest_ip, &guest_port))
    g_string_append_printf (text, "%s%s,%s,%s,%u,%s,%u", text->len > 0 ? ";" : "",
                            name, proto, host_ip, host_port, guest_ip, guest_port);
  return g_string_free (text, FALSE);
}

typedef struct
{
  const char *vm;
  guint       slot;
  const char *key;
  const char *value;
} Expected;

static gboolean
adapter_has (gpointer data)
{
  const Expected *e = data;
  g_autofree char *value = adapter_string (e->vm, e->slot, e->key);

  return g_strcmp0 (value, e->value) == 0;
}

static gboolean
adapter_has_rules (gpointer data)
{
  const Expected *e = data;
  g_autofree char *rules = adapter_rules (e->vm, e->slot);

  return g_strcmp0 (rules, e->value) == 0;
}

/* --- acting on the dialog ---------------------------------------------- */

static WbVmSettingsDialog *
open_settings (WbDBusVm *vm)
{
  WbVmSettingsDialog *dialog;

  wb_vm_settings_dialog_present (vm, connection, NULL);
  wait_for (window_is_shown, GSIZE_TO_POINTER (WB_TYPE_VM_SETTINGS_DIALOG));
  dialog = find_toplevel (WB_TYPE_VM_SETTINGS_DIALOG);
  g_assert_true (wb_vm_settings_dialog_get_vm (dialog) == vm);
  return dialog;
}

static void
close_window (gpointer window)
{
  GType type = G_OBJECT_TYPE (window);

  gtk_window_destroy (window);
  wait_for (window_is_gone, GSIZE_TO_POINTER (type));
}

/* The tab of adapter @slot, shown as a click on its switcher button
 * would: the dialog builds a tab when it is first shown. */
static WbAdapterPage *
page (WbVmSettingsDialog *dialog,
      guint               slot)
{
  g_autofree char *id = g_strdup_printf ("bin%u", slot);
  AdwBin *bin = child (dialog, id);
  WbAdapterPage *found;

  adw_view_stack_set_visible_child (child (dialog, "stack"), GTK_WIDGET (bin));
  found = WB_ADAPTER_PAGE (adw_bin_get_child (bin));
  g_assert_nonnull (found);
  g_assert_cmpuint (wb_adapter_page_get_slot (found), ==, slot);
  return found;
}

/* Selects the item labelled @label in a combo row, as a click would. */
static void
select_item (AdwComboRow *row,
             const char  *label)
{
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), label) == 0)
        {
          adw_combo_row_set_selected (row, i);
          return;
        }
    }
  g_error ("No item '%s' in the combo row", label);
}

static void
click (gpointer button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
type_text (gpointer    editable,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
}

/* --- tests ---------------------------------------------------------------- */

static void
test_internal_network (void)
{
  g_autoptr(WbDBusVm) vm = create_vm ("Lab1");
  WbVmSettingsDialog *dialog = open_settings (vm);
  WbAdapterPage *page2 = page (dialog, 2);
  GtkWidget *apply_button = child (dialog, "apply_button");
  Expected intnet = { "Lab1", 2, "intnet", "lab" };
  Expected attachment = { "Lab1", 2, "attachment", "intnet" };

  /* Nothing edited yet: nothing to apply. */
  g_assert_false (gtk_widget_get_sensitive (apply_button));

  gtk_switch_set_active (child (page2, "enable_switch"), TRUE);
  select_item (child (page2, "attached_row"), "Internal Network");
  g_assert_true (gtk_widget_get_visible (child (page2, "intnet_row")));
  /* The name is required. */
  type_text (child (page2, "intnet_row"), "");
  g_assert_false (gtk_widget_get_sensitive (child (dialog, "ok_button")));
  type_text (child (page2, "intnet_row"), "lab");
  click (apply_button);

  wait_for (adapter_has, &intnet);
  g_assert_true (adapter_boolean ("Lab1", 2, "enabled"));
  g_assert_true (adapter_has (&attachment));
  /* Adapter 1 was not touched. */
  {
    g_autofree char *nat = adapter_string ("Lab1", 1, "attachment");
    g_assert_cmpstr (nat, ==, "nat");
  }

  /* Applied and reloaded: nothing left to apply; the dialog stays open. */
  wait_for (is_sensitive, child (dialog, "ok_button"));
  g_assert_false (gtk_widget_get_sensitive (apply_button));
  g_assert_true (find_toplevel (WB_TYPE_VM_SETTINGS_DIALOG) == dialog);

  /* OK with a further change applies it and closes. */
  gtk_switch_set_active (child (page2, "cable_switch"), FALSE);
  click (child (dialog, "ok_button"));
  wait_for (window_is_gone, GSIZE_TO_POINTER (WB_TYPE_VM_SETTINGS_DIALOG));
  g_assert_false (adapter_boolean ("Lab1", 2, "cable"));
}

static void
test_invalid_mac (void)
{
  g_autoptr(WbDBusVm) vm = create_vm ("Lab3");
  WbVmSettingsDialog *dialog = open_settings (vm);
  WbAdapterPage *page1 = page (dialog, 1);
  GtkWidget *mac_row = child (page1, "mac_row");
  GtkWidget *ok_button = child (dialog, "ok_button");
  g_autofree char *mac = adapter_string ("Lab3", 1, "mac");

  g_assert_true (gtk_widget_get_sensitive (ok_button));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (mac_row)), ==, mac);

  /* Too short, then multicast (odd second digit), then not hex. */
  type_text (mac_row, "08002712345");
  g_assert_true (gtk_widget_has_css_class (mac_row, "error"));
  g_assert_false (gtk_widget_get_sensitive (ok_button));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, "apply_button")));
  type_text (mac_row, "090027123456");
  g_assert_true (gtk_widget_has_css_class (mac_row, "error"));
  g_assert_false (gtk_widget_get_sensitive (ok_button));
  type_text (mac_row, "08002712345G");
  g_assert_false (gtk_widget_get_sensitive (ok_button));

  /* Lower case is fine; the engine stores upper case. */
  type_text (mac_row, "0800271a2b3c");
  g_assert_false (gtk_widget_has_css_class (mac_row, "error"));
  g_assert_true (gtk_widget_get_sensitive (ok_button));

  /* Regenerate gives a valid address of VirtualBox's prefix. */
  click (child (page1, "regenerate_button"));
  g_assert_true (g_str_has_prefix (gtk_editable_get_text (GTK_EDITABLE (mac_row)), "080027"));
  g_assert_true (gtk_widget_get_sensitive (ok_button));

  close_window (dialog);
  /* Cancel: nothing was sent. */
  {
    g_autofree char *after = adapter_string ("Lab3", 1, "mac");
    g_assert_cmpstr (after, ==, mac);
  }
}

static void
test_engine_error (void)
{
  g_autoptr(WbDBusVm) vm = create_vm ("Lab4");
  g_autoptr(WbDBusVm) other = create_vm ("Lab4-other");
  g_autofree char *other_mac = adapter_string ("Lab4-other", 1, "mac");
  g_autofree char *mac = adapter_string ("Lab4", 1, "mac");
  g_autofree char *toast = NULL;
  WbVmSettingsDialog *dialog = open_settings (vm);
  WbAdapterPage *page1 = page (dialog, 1);

  /* Two changes, one of which the engine refuses: neither is applied. */
  gtk_switch_set_active (child (page1, "cable_switch"), FALSE);
  type_text (child (page1, "mac_row"), other_mac);
  g_assert_false (gtk_widget_has_css_class (child (page1, "mac_row"), "error"));
  click (child (dialog, "apply_button"));

  wait_for (has_toast, dialog);
  toast = toast_text (dialog);
  g_assert_nonnull (strstr (toast, "already used"));
  g_assert_null (strstr (toast, "GDBus.Error"));
  {
    g_autofree char *after = adapter_string ("Lab4", 1, "mac");
    g_assert_cmpstr (after, ==, mac);
  }
  g_assert_true (adapter_boolean ("Lab4", 1, "cable"));

  /* The edits stay for the user to fix. */
  wait_for (is_sensitive, child (dialog, "apply_button"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (page1, "mac_row"))), ==, other_mac);
  g_assert_true (find_toplevel (WB_TYPE_VM_SETTINGS_DIALOG) == dialog);
  close_window (dialog);
}

static gboolean
has_cells (gpointer editor)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  guint n = g_list_model_get_n_items (wb_port_forwarding_editor_get_rules (editor));

  collect_by_id (GTK_WIDGET (editor), "host_port_entry", found);
  return n > 0 && found->len == n;
}

/* The cell @id of the table's only row. */
static GtkWidget *
cell (gpointer    editor,
      const char *id)
{
  wait_for (has_cells, editor);
  return find_cell (editor, id);
}

static gboolean
subtitle_is (gpointer row)
{
  return g_strcmp0 (adw_action_row_get_subtitle (row), "ssh") == 0;
}

static void
test_port_forwarding (void)
{
  g_autoptr(WbDBusVm) vm = create_vm ("Lab2");
  WbVmSettingsDialog *dialog = open_settings (vm);
  WbAdapterPage *page1 = page (dialog, 1);
  WbPortForwardingEditor *editor;
  GtkWidget *ok_button;
  Expected rules = { "Lab2", 1, NULL, "ssh,tcp,127.0.0.1,8022,,22" };
  g_autofree char *empty = adapter_rules ("Lab2", 1);

  g_assert_cmpstr (empty, ==, "");
  g_assert_true (gtk_widget_get_visible (child (page1, "forwarding_row")));
  click (child (page1, "forwarding_button"));
  wait_for (window_is_shown, GSIZE_TO_POINTER (WB_TYPE_PORT_FORWARDING_EDITOR));
  editor = find_toplevel (WB_TYPE_PORT_FORWARDING_EDITOR);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (editor)) == GTK_WINDOW (dialog));
  g_assert_cmpint (wb_port_forwarding_editor_get_mode (editor), ==, WB_PORT_FORWARDING_MODE_NAT);
  ok_button = child (editor, "ok_button");

  click (child (editor, "add_button"));
  g_assert_cmpuint (g_list_model_get_n_items (wb_port_forwarding_editor_get_rules (editor)), ==, 1);
  /* A new rule has no ports yet. */
  g_assert_false (gtk_widget_get_sensitive (ok_button));

  type_text (cell (editor, "name_entry"), "ssh");
  type_text (cell (editor, "host_ip_entry"), "127.0.0.1");
  type_text (cell (editor, "host_port_entry"), "70000");
  type_text (cell (editor, "guest_port_entry"), "22");
  g_assert_true (gtk_widget_has_css_class (cell (editor, "host_port_entry"), "error"));
  g_assert_false (gtk_widget_get_sensitive (ok_button));
  type_text (cell (editor, "host_port_entry"), "8022");
  g_assert_false (gtk_widget_has_css_class (cell (editor, "host_port_entry"), "error"));
  type_text (cell (editor, "name_entry"), "ss,h");
  g_assert_true (gtk_widget_has_css_class (cell (editor, "name_entry"), "error"));
  g_assert_false (gtk_widget_get_sensitive (ok_button));
  type_text (cell (editor, "name_entry"), "ssh");
  g_assert_true (gtk_widget_get_sensitive (ok_button));

  /* A copy forwards the same host port: marked until it differs. */
  click (child (editor, "copy_button"));
  g_assert_cmpuint (g_list_model_get_n_items (wb_port_forwarding_editor_get_rules (editor)), ==, 2);
  g_assert_false (gtk_widget_get_sensitive (ok_button));
  click (child (editor, "remove_button"));
  g_assert_cmpuint (g_list_model_get_n_items (wb_port_forwarding_editor_get_rules (editor)), ==, 1);
  g_assert_true (gtk_widget_get_sensitive (ok_button));

  click (ok_button);
  wait_for (window_is_gone, GSIZE_TO_POINTER (WB_TYPE_PORT_FORWARDING_EDITOR));
  g_assert_true (adapter_has_rules (&rules));
  /* The adapter page follows the engine. */
  wait_for (subtitle_is, child (page1, "forwarding_row"));

  /* Editing the rule deletes and adds it again, in one call. */
  click (child (page1, "forwarding_button"));
  wait_for (window_is_shown, GSIZE_TO_POINTER (WB_TYPE_PORT_FORWARDING_EDITOR));
  editor = find_toplevel (WB_TYPE_PORT_FORWARDING_EDITOR);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (cell (editor, "host_port_entry"))), ==, "8022");
  type_text (cell (editor, "host_port_entry"), "8023");
  click (child (editor, "ok_button"));
  wait_for (window_is_gone, GSIZE_TO_POINTER (WB_TYPE_PORT_FORWARDING_EDITOR));
  rules.value = "ssh,tcp,127.0.0.1,8023,,22";
  g_assert_true (adapter_has_rules (&rules));

  close_window (dialog);
}

static gboolean
nat_network_has_rules (gpointer expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) networks = NULL;
  g_autoptr(GVariant) rules = NULL;
  g_autoptr(GVariant) network = NULL;
  const char *name, *proto, *host_ip, *guest_ip;
  guint16 host_port, guest_port;
  g_autofree char *text = NULL;

  wb_dbus_engine_call_list_nat_networks_sync (proxy, &networks, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (networks), ==, 1);
  network = g_variant_get_child_value (networks, 0);
  rules = g_variant_lookup_value (network, "rules", G_VARIANT_TYPE ("a(sssqsq)"));
  if (g_variant_n_children (rules) != 1)
    return FALSE;
  g_variant_get_child (rules, 0, "(&s&s&sq&sq)", &name, &proto, &host_ip, &host_port,
                       &guest_ip, &guest_port);
  text = g_strdup_printf ("%s:%s:[%s]:%u:[%s]:%u", name, proto, host_ip, host_port,
                          guest_ip, guest_port);
  return g_strcmp0 (text, expected) == 0;
}

static gboolean
has_nat_network_proxy (gpointer data)
{
  g_autoptr(GDBusObject) object =
    g_dbus_object_manager_get_object (manager, "/io/github/wirebox/Engine/natnetwork/labnet");

  return object != NULL;
}

static void
test_nat_network_rules (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObject) object = NULL;
  WbPortForwardingEditor *editor;
  GtkWidget *ok_button;
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE ("a(ss)"));
  g_variant_builder_add (&options, "(ss)", "network", "192.168.30.0/24");
  wb_dbus_engine_call_add_nat_network_sync (proxy, "labnet", g_variant_builder_end (&options),
                                            NULL, &error);
  g_assert_no_error (error);
  wait_for (has_nat_network_proxy, NULL);
  object = g_dbus_object_manager_get_object (manager, "/io/github/wirebox/Engine/natnetwork/labnet");

  editor = wb_port_forwarding_editor_new_for_nat_network (wb_dbus_object_peek_nat_network (WB_DBUS_OBJECT (object)));
  gtk_window_present (GTK_WINDOW (editor));
  g_assert_cmpint (wb_port_forwarding_editor_get_mode (editor), ==, WB_PORT_FORWARDING_MODE_NAT_NETWORK);
  ok_button = child (editor, "ok_button");

  click (child (editor, "add_button"));
  type_text (cell (editor, "name_entry"), "web");
  type_text (cell (editor, "host_port_entry"), "8080");
  type_text (cell (editor, "guest_port_entry"), "80");
  /* A NAT network rule needs the guest's address. */
  g_assert_true (gtk_widget_has_css_class (cell (editor, "guest_ip_entry"), "error"));
  g_assert_false (gtk_widget_get_sensitive (ok_button));
  type_text (cell (editor, "guest_ip_entry"), "192.168.30.300");
  g_assert_false (gtk_widget_get_sensitive (ok_button));
  type_text (cell (editor, "guest_ip_entry"), "192.168.30.5");
  g_assert_true (gtk_widget_get_sensitive (ok_button));

  click (ok_button);
  wait_for (window_is_gone, GSIZE_TO_POINTER (WB_TYPE_PORT_FORWARDING_EDITOR));
  g_assert_true (nat_network_has_rules ("web:tcp:[]:8080:[192.168.30.5]:80"));
}

static gboolean
is_running (gpointer vm)
{
  return g_strcmp0 (wb_dbus_vm_get_state (vm), "running") == 0;
}

static void
test_running_vm (void)
{
  g_autoptr(WbDBusVm) vm = create_vm ("Lab5");
  g_autoptr(GError) error = NULL;
  WbVmSettingsDialog *dialog;
  WbAdapterPage *page2;
  Expected intnet = { "Lab5", 2, "intnet", "lab2" };
  const char *no_args[] = { NULL };

  modify ("Lab5", "nic", 2, "intnet");
  modify ("Lab5", "intnet", 2, "lab");
  wb_dbus_engine_call_start_vm_sync (proxy, "Lab5", "headless", NULL, &error);
  g_assert_no_error (error);
  wait_for (is_running, vm);

  dialog = open_settings (vm);
  page2 = page (dialog, 2);
  /* Hardware stays as it is while the VM runs. */
  g_assert_false (gtk_widget_is_sensitive (child (page2, "enable_switch")));
  g_assert_false (gtk_widget_is_sensitive (child (page2, "type_row")));
  g_assert_false (gtk_widget_is_sensitive (child (page2, "mac_row")));
  g_assert_true (gtk_widget_is_sensitive (child (page2, "cable_switch")));

  type_text (child (page2, "intnet_row"), "lab2");
  gtk_switch_set_active (child (page2, "cable_switch"), FALSE);
  click (child (dialog, "apply_button"));

  /* controlvm: in effect, and stored, when Apply is done. */
  wait_for (adapter_has, &intnet);
  wait_for (is_sensitive, child (dialog, "ok_button"));
  g_assert_false (adapter_boolean ("Lab5", 2, "cable"));
  g_assert_true (is_running (vm));
  close_window (dialog);

  wb_dbus_engine_call_control_vm_sync (proxy, "Lab5", "poweroff", 0, no_args, NULL, &error);
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_setenv ("LANGUAGE", "C", TRUE);
  home = wb_test_set_up_home ("wirebox-ui-settings-XXXXXX");

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_resources_register (wb_get_resource ());

  /* One engine for the whole run; each test makes VMs of its own. */
  engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_assert_true (wb_engine_start (engine, &error));
  g_assert_no_error (error);
  connection = wb_engine_connect (engine, &error);
  g_assert_no_error (error);
  proxy = wb_client_get_engine_sync (connection, NULL, &error);
  g_assert_no_error (error);
  wb_dbus_engine_call_subscribe_sync (proxy, NULL, &error);
  g_assert_no_error (error);
  manager = wb_dbus_object_manager_client_new_sync (connection,
                                                    G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                    NULL, WB_ENGINE_OBJECT_PATH, NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/ui-settings/internal-network", test_internal_network);
  g_test_add_func ("/ui-settings/invalid-mac", test_invalid_mac);
  g_test_add_func ("/ui-settings/engine-error", test_engine_error);
  g_test_add_func ("/ui-settings/port-forwarding", test_port_forwarding);
  g_test_add_func ("/ui-settings/nat-network-rules", test_nat_network_rules);
  g_test_add_func ("/ui-settings/running-vm", test_running_vm);
  status = g_test_run ();

  g_clear_object (&manager);
  g_clear_object (&proxy);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_clear_object (&connection);
  wb_engine_stop (engine);
  g_clear_object (&engine);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  wb_test_rm_rf (home);
  g_free (home);
  return status;
}
