/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-port-forwarding-editor.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wb-port-forwarding-rule.h"
#include "wb-ui-util.h"
#include "wb-vm-settings-dialog.h"

/* The engine's limit (WB_RULE_NAME_MAX). */
#define RULE_NAME_MAX 64

struct _WbPortForwardingEditor
{
  AdwWindow             parent_instance;

  WbPortForwardingMode  mode;
  WbDBusVm             *vm;
  guint                 slot;
  WbDBusNatNetwork     *network;
  GCancellable         *cancellable;
  /* The rules as the engine had them, in the form a change takes. */
  GPtrArray            *original;      /* formatted rule strings */
  GPtrArray            *original_names;
  gboolean              busy;

  /* Template children. */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkStack             *stack;
  GtkColumnView        *column_view;
  GtkSingleSelection   *selection;
  GListStore           *store;
  GtkButton            *ok_button;
  GtkButton            *add_button;
  GtkButton            *copy_button;
  GtkButton            *remove_button;
  GtkLabel             *hint_label;
};

G_DEFINE_FINAL_TYPE (WbPortForwardingEditor, wb_port_forwarding_editor, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_MODE,
  PROP_VM,
  PROP_SLOT,
  PROP_NAT_NETWORK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- what the engine accepts (model: wb_nat_rule_parse_*) ---------------- */

/* 1..65535, decimal digits only. */
static gboolean
parse_port (const char *text,
            guint      *port)
{
  guint64 value;

  if (*text == '\0' || !g_ascii_string_to_unsigned (text, 10, 1, 65535, &value, NULL))
    return FALSE;
  *port = (guint) value;
  return TRUE;
}

static gboolean
name_is_valid (const char *name)
{
  if (g_utf8_strlen (name, -1) > RULE_NAME_MAX || strpbrk (name, ",:") != NULL)
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* A rule checked on its own, in the form the engine takes. */
typedef struct
{
  char  *name;                /* the name the engine will give it */
  char  *host_ip;             /* "" = every address */
  guint  host_port;
  char  *guest_ip;
  guint  guest_port;
} CheckedRule;

static void
checked_rule_clear (CheckedRule *rule)
{
  g_clear_pointer (&rule->name, g_free);
  g_clear_pointer (&rule->host_ip, g_free);
  g_clear_pointer (&rule->guest_ip, g_free);
}

/* Fills @out and returns TRUE, or marks @rule with its first problem. */
static gboolean
check_fields (WbPortForwardingEditor *self,
              WbPortForwardingRule   *rule,
              CheckedRule            *out)
{
  const char *name = wb_port_forwarding_rule_get_name (rule);
  const char *host_ip = wb_port_forwarding_rule_get_host_ip (rule);
  const char *guest_ip = wb_port_forwarding_rule_get_guest_ip (rule);

  if (!name_is_valid (name))
    {
      wb_port_forwarding_rule_set_problem (rule, "name",
                                           _("A rule name has at most 64 characters, without “,” or “:”"));
      return FALSE;
    }
  if (*host_ip != '\0' && !wb_ui_is_ipv4 (host_ip))
    {
      wb_port_forwarding_rule_set_problem (rule, "host-ip",
                                           _("The host IP address must be four numbers from 0 to 255 separated by dots, or empty for every address of the host"));
      return FALSE;
    }
  if (!parse_port (wb_port_forwarding_rule_get_host_port (rule), &out->host_port))
    {
      wb_port_forwarding_rule_set_problem (rule, "host-port",
                                           _("The host port must be a number from 1 to 65535"));
      return FALSE;
    }
  if (*guest_ip == '\0' && self->mode == WB_PORT_FORWARDING_MODE_NAT_NETWORK)
    {
      wb_port_forwarding_rule_set_problem (rule, "guest-ip",
                                           _("A NAT network rule needs the guest’s IP address"));
      return FALSE;
    }
  if (*guest_ip != '\0' && !wb_ui_is_ipv4 (guest_ip))
    {
      wb_port_forwarding_rule_set_problem (rule, "guest-ip",
                                           _("The guest IP address must be four numbers from 0 to 255 separated by dots"));
      return FALSE;
    }
  if (!parse_port (wb_port_forwarding_rule_get_guest_port (rule), &out->guest_port))
    {
      wb_port_forwarding_rule_set_problem (rule, "guest-port",
                                           _("The guest port must be a number from 1 to 65535"));
      return FALSE;
    }

  out->host_ip = g_strdup (host_ip);
  out->guest_ip = g_strdup (guest_ip);
  /* The engine names an unnamed rule "tcp_2222_22". */
  out->name = *name != '\0'
    ? g_strdup (name)
    : g_strdup_printf ("%s_%u_%u",
                       wb_rule_protocol_to_string (wb_port_forwarding_rule_get_protocol (rule)),
                       out->host_port, out->guest_port);
  return TRUE;
}

/* The rule as a natpf / portforward4 value. */
static char *
format_rule (WbPortForwardingEditor *self,
             const char             *name,
             WbRuleProtocol          protocol,
             const CheckedRule      *rule)
{
  const char *proto = wb_rule_protocol_to_string (protocol);

  if (self->mode == WB_PORT_FORWARDING_MODE_NAT_NETWORK)
    return g_strdup_printf ("%s:%s:[%s]:%u:[%s]:%u", name, proto, rule->host_ip,
                            rule->host_port, rule->guest_ip, rule->guest_port);
  return g_strdup_printf ("%s,%s,%s,%u,%s,%u", name, proto, rule->host_ip,
                          rule->host_port, rule->guest_ip, rule->guest_port);
}

/* Marks every row with its first problem, as the engine would refuse it:
 * each row on its own, then against the rows above it (a name used twice,
 * or the same protocol, host address and host port twice). Fills
 * @formatted (when not NULL) with the rules as changes, and returns
 * whether every row is fine. */
static gboolean
validate (WbPortForwardingEditor *self,
          GPtrArray              *formatted)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n = g_list_model_get_n_items (model);
  g_autofree CheckedRule *checked = g_new0 (CheckedRule, MAX (n, 1));
  g_autofree gboolean *ok = g_new0 (gboolean, MAX (n, 1));
  gboolean all_ok = TRUE;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WbPortForwardingRule) rule = g_list_model_get_item (model, i);

      ok[i] = check_fields (self, rule, &checked[i]);
      if (!ok[i])
        {
          all_ok = FALSE;
          continue;
        }

      for (guint j = 0; j < i && ok[i]; j++)
        {
          g_autoptr(WbPortForwardingRule) other = NULL;
          g_autofree char *problem = NULL;
          const char *field = NULL;

          if (!ok[j])
            continue;
          other = g_list_model_get_item (model, j);
          if (g_strcmp0 (checked[j].name, checked[i].name) == 0)
            {
              field = "name";
              problem = g_strdup_printf (_("Another rule is already named “%s”"), checked[i].name);
            }
          else if (wb_port_forwarding_rule_get_protocol (other) == wb_port_forwarding_rule_get_protocol (rule)
                   && checked[j].host_port == checked[i].host_port
                   && g_strcmp0 (checked[j].host_ip, checked[i].host_ip) == 0)
            {
              field = "host-port";
              problem = g_strdup_printf (_("Rule “%s” already forwards this port of the host"),
                                         checked[j].name);
            }
          if (problem != NULL)
            {
              wb_port_forwarding_rule_set_problem (rule, field, problem);
              ok[i] = FALSE;
              all_ok = FALSE;
            }
        }
      if (ok[i])
        wb_port_forwarding_rule_set_problem (rule, NULL, NULL);
      if (ok[i] && formatted != NULL)
        g_ptr_array_add (formatted,
                         format_rule (self, wb_port_forwarding_rule_get_name (rule),
                                      wb_port_forwarding_rule_get_protocol (rule),
                                      &checked[i]));
    }

  for (guint i = 0; i < n; i++)
    checked_rule_clear (&checked[i]);
  return all_ok;
}

/* --- state ----------------------------------------------------------------- */

static void
update (WbPortForwardingEditor *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  gboolean selected = gtk_single_selection_get_selected (self->selection) != GTK_INVALID_LIST_POSITION;
  gboolean valid = validate (self, NULL);

  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "rules" : "empty");
  gtk_widget_set_sensitive (GTK_WIDGET (self->ok_button), valid && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->copy_button), selected);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), selected);
}

/* "Rule 1", or the next number that no rule has. */
static char *
new_rule_name (WbPortForwardingEditor *self)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n = g_list_model_get_n_items (model);

  for (guint number = 1; ; number++)
    {
      /* Translators: the default name of a new port-forwarding rule. */
      g_autofree char *name = g_strdup_printf (_("Rule %u"), number);
      gboolean taken = FALSE;

      for (guint i = 0; i < n && !taken; i++)
        {
          g_autoptr(WbPortForwardingRule) rule = g_list_model_get_item (model, i);

          taken = g_strcmp0 (wb_port_forwarding_rule_get_name (rule), name) == 0;
        }
      if (!taken)
        return g_steal_pointer (&name);
    }
}

static void
insert_rule (WbPortForwardingEditor *self,
             guint                   position,
             WbPortForwardingRule   *rule)
{
  g_list_store_insert (self->store, position, rule);
  gtk_single_selection_set_selected (self->selection, position);
  update (self);
}

static void
on_add_clicked_cb (WbPortForwardingEditor *self)
{
  g_autofree char *name = new_rule_name (self);
  g_autoptr(WbPortForwardingRule) rule =
    wb_port_forwarding_rule_new (name, WB_RULE_PROTOCOL_TCP, "", "", "", "");

  insert_rule (self, g_list_model_get_n_items (G_LIST_MODEL (self->store)), rule);
}

static void
on_copy_clicked_cb (WbPortForwardingEditor *self)
{
  WbPortForwardingRule *selected = gtk_single_selection_get_selected_item (self->selection);
  guint position = gtk_single_selection_get_selected (self->selection);
  g_autofree char *name = NULL;
  g_autoptr(WbPortForwardingRule) copy = NULL;

  if (selected == NULL)
    return;
  name = new_rule_name (self);
  copy = wb_port_forwarding_rule_copy (selected, name);
  insert_rule (self, position + 1, copy);
}

static void
on_remove_clicked_cb (WbPortForwardingEditor *self)
{
  guint position = gtk_single_selection_get_selected (self->selection);

  if (position == GTK_INVALID_LIST_POSITION)
    return;
  g_list_store_remove (self->store, position);
  update (self);
}

static void
on_selection_changed_cb (WbPortForwardingEditor *self)
{
  update (self);
}

/* --- cells ------------------------------------------------------------------ */

/* Cells find the editor above them: a list item factory's callbacks get
 * the list item. */
static WbPortForwardingEditor *
cell_editor (GtkWidget *cell)
{
  GtkWidget *editor = gtk_widget_get_ancestor (cell, WB_TYPE_PORT_FORWARDING_EDITOR);

  return editor != NULL ? WB_PORT_FORWARDING_EDITOR (editor) : NULL;
}

/* A text cell is named after the rule property it edits. */
static void
on_cell_changed_cb (GtkEditable *cell,
                    GParamSpec  *pspec,
                    GtkListItem *item)
{
  WbPortForwardingEditor *self = cell_editor (GTK_WIDGET (cell));
  WbPortForwardingRule *rule = gtk_list_item_get_item (item);
  const char *field = gtk_widget_get_name (GTK_WIDGET (cell));
  g_autofree char *old = NULL;

  if (self == NULL || rule == NULL)
    return;
  g_object_get (rule, field, &old, NULL);
  if (g_strcmp0 (old, gtk_editable_get_text (cell)) == 0)
    return;
  g_object_set (rule, field, gtk_editable_get_text (cell), NULL);
  update (self);
}

static void
on_protocol_changed_cb (GtkDropDown *dropdown,
                        GParamSpec  *pspec,
                        GtkListItem *item)
{
  WbPortForwardingEditor *self = cell_editor (GTK_WIDGET (dropdown));
  WbPortForwardingRule *rule = gtk_list_item_get_item (item);
  guint protocol = gtk_drop_down_get_selected (dropdown);

  if (self == NULL || rule == NULL || protocol > WB_RULE_PROTOCOL_UDP ||
      protocol == wb_port_forwarding_rule_get_protocol (rule))
    return;
  g_object_set (rule, "protocol", protocol, NULL);
  update (self);
}

/* Editing a cell selects its row, so Copy and Remove act on it. */
static void
on_cell_focus_enter_cb (GtkEventControllerFocus *controller,
                        GtkListItem             *item)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  WbPortForwardingEditor *self = cell_editor (cell);
  guint position = gtk_list_item_get_position (item);

  if (self != NULL && position != GTK_INVALID_LIST_POSITION)
    gtk_single_selection_set_selected (self->selection, position);
}

static char **
cell_css_classes (gpointer    this,
                  const char *problem_field,
                  const char *field)
{
  g_autoptr(GStrvBuilder) classes = g_strv_builder_new ();

  if (g_strcmp0 (problem_field, field) == 0)
    g_strv_builder_add (classes, "error");
  return g_strv_builder_end (classes);
}

static char *
status_icon_name (gpointer    this,
                  const char *problem,
                  const char *reason)
{
  if (problem != NULL && *problem != '\0')
    return g_strdup ("dialog-warning-symbolic");
  if (reason != NULL && *reason != '\0')
    return g_strdup ("network-error-symbolic");
  return NULL;
}

/* The row's problem, else what the engine said about its port. */
static char *
status_text (gpointer    this,
             const char *problem,
             const char *reason)
{
  if (problem != NULL && *problem != '\0')
    return g_strdup (problem);
  if (reason != NULL && *reason != '\0')
    return g_strdup (reason);
  return NULL;
}

/* --- loading and saving -------------------------------------------------- */

static void
load_rules (WbPortForwardingEditor *self)
{
  g_autoptr(GVariant) owner = NULL;
  g_autoptr(GVariant) rules = NULL;
  GVariantIter iter;
  GVariant *tuple;

  if (self->mode == WB_PORT_FORWARDING_MODE_NAT_NETWORK)
    {
      owner = wb_dbus_nat_network_get_info (self->network);
      if (owner != NULL)
        g_variant_ref (owner);
    }
  else
    owner = wb_vm_find_adapter (wb_dbus_vm_get_adapters (self->vm), self->slot);
  if (owner != NULL)
    rules = g_variant_lookup_value (owner, "rules", NULL);
  if (rules == NULL || !g_variant_is_of_type (rules, G_VARIANT_TYPE_ARRAY))
    return;

  g_variant_iter_init (&iter, rules);
  while ((tuple = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = tuple;
      g_autoptr(WbPortForwardingRule) rule = NULL;
      CheckedRule checked = { NULL, };

      if (!g_variant_is_of_type (tuple, G_VARIANT_TYPE_TUPLE) ||
          (rule = wb_port_forwarding_rule_new_from_variant (tuple)) == NULL)
        continue;
      g_list_store_append (self->store, rule);

      /* What the engine holds, as this editor would send it back; a rule
       * the table cannot show as it is ("") is sent again once fixed. */
      g_ptr_array_add (self->original_names, g_strdup (wb_port_forwarding_rule_get_name (rule)));
      g_ptr_array_add (self->original,
                       check_fields (self, rule, &checked)
                       ? format_rule (self, wb_port_forwarding_rule_get_name (rule),
                                      wb_port_forwarding_rule_get_protocol (rule), &checked)
                       : g_strdup (""));
      checked_rule_clear (&checked);
    }
}

static gboolean
contains_string (GPtrArray  *array,
                 const char *text)
{
  return g_ptr_array_find_with_equal_func (array, text, g_str_equal, NULL);
}

static void
set_busy (WbPortForwardingEditor *self,
          gboolean                busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->column_view), !busy);
  update (self);
}


static void
finish_save (WbPortForwardingEditor *self,
             gboolean                ok,
             GError                 *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (!ok)
    wb_ui_toast_error (self->toast_overlay, error);
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

/* Vm.Modify or NatNetwork.Modify: an empty reply. */
static void
on_modified_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WbPortForwardingEditor) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  finish_save (self, reply != NULL, error);
}

static void
on_vm_controlled_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WbPortForwardingEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = wb_vm_control_finish (result, &error);

  finish_save (self, ok, error);
}

static void
on_ok_clicked_cb (WbPortForwardingEditor *self)
{
  g_autoptr(GPtrArray) current = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) deletes = g_ptr_array_new ();
  g_autoptr(GPtrArray) adds = g_ptr_array_new ();
  gboolean running;

  if (self->busy || !validate (self, current))
    return;

  /* A rule that changed is deleted and added again. */
  for (guint i = 0; i < self->original->len; i++)
    if (!contains_string (current, self->original->pdata[i]))
      g_ptr_array_add (deletes, self->original_names->pdata[i]);
  for (guint i = 0; i < current->len; i++)
    if (!contains_string (self->original, current->pdata[i]))
      g_ptr_array_add (adds, current->pdata[i]);

  if (deletes->len == 0 && adds->len == 0)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  set_busy (self, TRUE);
  running = self->vm != NULL && g_strcmp0 (wb_dbus_vm_get_state (self->vm), "running") == 0;

  if (self->mode == WB_PORT_FORWARDING_MODE_NAT_NETWORK)
    {
      GVariantBuilder options;

      g_variant_builder_init (&options, G_VARIANT_TYPE ("a(ss)"));
      for (guint i = 0; i < deletes->len; i++)
        g_variant_builder_add (&options, "(ss)", "portforward4delete", deletes->pdata[i]);
      for (guint i = 0; i < adds->len; i++)
        g_variant_builder_add (&options, "(ss)", "portforward4", adds->pdata[i]);
      wb_dbus_nat_network_call_modify (self->network, g_variant_builder_end (&options),
                                       self->cancellable, on_modified_cb,
                                       g_object_ref (self));
    }
  else if (running)
    {
      /* As `controlvm VM natpfN ...`: in effect when the calls return. */
      GVariantBuilder calls;

      g_variant_builder_init (&calls, G_VARIANT_TYPE ("a(suas)"));
      for (guint i = 0; i < deletes->len; i++)
        {
          const char *args[] = { "delete", deletes->pdata[i], NULL };

          g_variant_builder_add (&calls, "(su^as)", "natpf", self->slot, args);
        }
      for (guint i = 0; i < adds->len; i++)
        {
          const char *args[] = { adds->pdata[i], NULL };

          g_variant_builder_add (&calls, "(su^as)", "natpf", self->slot, args);
        }
      wb_vm_control_async (self->vm, g_variant_builder_end (&calls), self->cancellable,
                           on_vm_controlled_cb, g_object_ref (self));
    }
  else
    {
      GVariantBuilder changes;

      g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sus)"));
      for (guint i = 0; i < deletes->len; i++)
        g_variant_builder_add (&changes, "(sus)", "natpfdelete", self->slot, deletes->pdata[i]);
      for (guint i = 0; i < adds->len; i++)
        g_variant_builder_add (&changes, "(sus)", "natpf", self->slot, adds->pdata[i]);
      wb_dbus_vm_call_modify (self->vm, g_variant_builder_end (&changes),
                              self->cancellable, on_modified_cb, g_object_ref (self));
    }
}

/* --- GObject ------------------------------------------------------------------ */

static void
wb_port_forwarding_editor_constructed (GObject *object)
{
  WbPortForwardingEditor *self = WB_PORT_FORWARDING_EDITOR (object);
  g_autofree char *subtitle = NULL;

  G_OBJECT_CLASS (wb_port_forwarding_editor_parent_class)->constructed (object);

  if (self->mode == WB_PORT_FORWARDING_MODE_NAT_NETWORK)
    {
      g_return_if_fail (self->network != NULL);
      /* Translators: the subtitle of the port-forwarding dialog. */
      subtitle = g_strdup_printf (_("NAT Network “%s”"), wb_dbus_nat_network_get_name (self->network));
      gtk_label_set_label (self->hint_label,
                           _("An empty host IP listens on every address of the host. The guest IP is required."));
    }
  else
    {
      g_return_if_fail (self->vm != NULL);
      /* Translators: the subtitle of the port-forwarding dialog: VM name, adapter number. */
      subtitle = g_strdup_printf (_("%s, Adapter %u"), wb_dbus_vm_get_name (self->vm), self->slot);
      gtk_label_set_label (self->hint_label,
                           _("An empty host IP listens on every address of the host; an empty guest IP reaches the guest’s DHCP address."));
    }
  adw_window_title_set_subtitle (self->window_title, subtitle);

  load_rules (self);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0)
    gtk_single_selection_set_selected (self->selection, 0);
  update (self);
}

static void
wb_port_forwarding_editor_dispose (GObject *object)
{
  WbPortForwardingEditor *self = WB_PORT_FORWARDING_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_PORT_FORWARDING_EDITOR);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->vm);
  g_clear_object (&self->network);

  G_OBJECT_CLASS (wb_port_forwarding_editor_parent_class)->dispose (object);
}

static void
wb_port_forwarding_editor_finalize (GObject *object)
{
  WbPortForwardingEditor *self = WB_PORT_FORWARDING_EDITOR (object);

  g_clear_pointer (&self->original, g_ptr_array_unref);
  g_clear_pointer (&self->original_names, g_ptr_array_unref);

  G_OBJECT_CLASS (wb_port_forwarding_editor_parent_class)->finalize (object);
}

static void
wb_port_forwarding_editor_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  WbPortForwardingEditor *self = WB_PORT_FORWARDING_EDITOR (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_uint (value, self->mode);
      break;
    case PROP_VM:
      g_value_set_object (value, self->vm);
      break;
    case PROP_SLOT:
      g_value_set_uint (value, self->slot);
      break;
    case PROP_NAT_NETWORK:
      g_value_set_object (value, self->network);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_port_forwarding_editor_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  WbPortForwardingEditor *self = WB_PORT_FORWARDING_EDITOR (object);

  switch (prop_id)
    {
    case PROP_MODE:
      self->mode = g_value_get_uint (value);
      break;
    case PROP_VM:
      self->vm = g_value_dup_object (value);
      break;
    case PROP_SLOT:
      self->slot = g_value_get_uint (value);
      break;
    case PROP_NAT_NETWORK:
      self->network = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_port_forwarding_editor_class_init (WbPortForwardingEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wb_port_forwarding_editor_constructed;
  object_class->dispose = wb_port_forwarding_editor_dispose;
  object_class->finalize = wb_port_forwarding_editor_finalize;
  object_class->get_property = wb_port_forwarding_editor_get_property;
  object_class->set_property = wb_port_forwarding_editor_set_property;

  properties[PROP_MODE] =
    g_param_spec_uint ("mode", NULL, NULL,
                       WB_PORT_FORWARDING_MODE_NAT, WB_PORT_FORWARDING_MODE_NAT_NETWORK,
                       WB_PORT_FORWARDING_MODE_NAT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VM] =
    g_param_spec_object ("vm", NULL, NULL, WB_DBUS_TYPE_VM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SLOT] =
    g_param_spec_uint ("slot", NULL, NULL, 0, 8, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAT_NETWORK] =
    g_param_spec_object ("nat-network", NULL, NULL, WB_DBUS_TYPE_NAT_NETWORK,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WB_TYPE_PORT_FORWARDING_RULE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-port-forwarding-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, stack);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, column_view);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, selection);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, store);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, ok_button);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, add_button);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, copy_button);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, remove_button);
  gtk_widget_class_bind_template_child (widget_class, WbPortForwardingEditor, hint_label);
  gtk_widget_class_bind_template_callback (widget_class, on_ok_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_protocol_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_focus_enter_cb);
  gtk_widget_class_bind_template_callback (widget_class, cell_css_classes);
  gtk_widget_class_bind_template_callback (widget_class, status_icon_name);
  gtk_widget_class_bind_template_callback (widget_class, status_text);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
wb_port_forwarding_editor_init (WbPortForwardingEditor *self)
{
  self->cancellable = g_cancellable_new ();
  self->original = g_ptr_array_new_with_free_func (g_free);
  self->original_names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

WbPortForwardingEditor *
wb_port_forwarding_editor_new_for_adapter (WbDBusVm *vm,
                                           guint     slot)
{
  g_return_val_if_fail (WB_DBUS_IS_VM (vm), NULL);
  g_return_val_if_fail (slot >= 1 && slot <= 8, NULL);

  return g_object_new (WB_TYPE_PORT_FORWARDING_EDITOR,
                       "mode", WB_PORT_FORWARDING_MODE_NAT,
                       "vm", vm,
                       "slot", slot,
                       NULL);
}

WbPortForwardingEditor *
wb_port_forwarding_editor_new_for_nat_network (WbDBusNatNetwork *network)
{
  g_return_val_if_fail (WB_DBUS_IS_NAT_NETWORK (network), NULL);

  return g_object_new (WB_TYPE_PORT_FORWARDING_EDITOR,
                       "mode", WB_PORT_FORWARDING_MODE_NAT_NETWORK,
                       "nat-network", network,
                       NULL);
}

WbPortForwardingMode
wb_port_forwarding_editor_get_mode (WbPortForwardingEditor *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_EDITOR (self), WB_PORT_FORWARDING_MODE_NAT);

  return self->mode;
}

GListModel *
wb_port_forwarding_editor_get_rules (WbPortForwardingEditor *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_EDITOR (self), NULL);

  return G_LIST_MODEL (self->store);
}
