/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-adapter-page.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wb-ui-util.h"

/* The "Attached to" choices, in VirtualBox's order. */
typedef enum
{
  MODE_NULL,
  MODE_NAT,
  MODE_NATNETWORK,
  MODE_BRIDGED,
  MODE_INTNET,
  MODE_HOSTONLY,
  MODE_GENERIC,
  N_MODES
} Mode;

static const struct
{
  const char *key;            /* "attachment" value and nic argument */
  const char *modify_key;     /* the modifyvm key of the mode's target */
  gboolean    promisc;        /* the promiscuous policy matters */
} modes[N_MODES] = {
  [MODE_NULL] = { "null", NULL, FALSE },
  [MODE_NAT] = { "nat", NULL, FALSE },
  [MODE_NATNETWORK] = { "natnetwork", "natnetwork", TRUE },
  [MODE_BRIDGED] = { "bridged", "bridgeadapter", TRUE },
  [MODE_INTNET] = { "intnet", "intnet", TRUE },
  [MODE_HOSTONLY] = { "hostonly", "hostonlyadapter", TRUE },
  [MODE_GENERIC] = { "generic", "nicgenericdrv", FALSE },
};

/* The engine's adapter types, in VirtualBox's order. */
static const char * const nic_types[] = {
  "Am79C970A", "Am79C973", "82540EM", "82543GC", "82545EM", "virtio",
};

static const struct
{
  const char *key;
  const char *label;
} promisc_policies[] = {
  { "deny", N_("Deny") },
  { "allow-vms", N_("Allow VMs") },
  { "allow-all", N_("Allow All") },
};

struct _WbAdapterPage
{
  AdwPreferencesPage    parent_instance;

  guint                 slot;
  gboolean              running;
  gboolean              valid;
  gboolean              modified;
  /* The adapter as the engine last showed it. */
  GVariant             *adapter;

  /* Template children. */
  GtkSwitch            *enable_switch;
  AdwPreferencesGroup  *settings_group;
  AdwComboRow          *attached_row;
  AdwComboRow          *natnetwork_row;
  GtkStringList        *natnetwork_model;
  AdwComboRow          *bridged_row;
  GtkStringList        *bridged_model;
  AdwEntryRow          *intnet_row;
  GtkMenuButton        *intnet_button;
  GtkPopover           *intnet_popover;
  GtkListBox           *intnet_list;
  AdwComboRow          *hostonly_row;
  GtkStringList        *hostonly_model;
  AdwComboRow          *generic_row;
  AdwExpanderRow       *advanced_row;
  AdwComboRow          *type_row;
  AdwComboRow          *promisc_row;
  AdwEntryRow          *mac_row;
  GtkButton            *regenerate_button;
  GtkSwitch            *cable_switch;
  AdwActionRow         *localhost_row;
  GtkSwitch            *localhost_switch;
  AdwActionRow         *forwarding_row;
  GtkButton            *forwarding_button;
  AdwPreferencesGroup  *generic_group;
  GtkTextView          *properties_view;
  GtkTextBuffer        *properties_buffer;
};

G_DEFINE_FINAL_TYPE (WbAdapterPage, wb_adapter_page, ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_SLOT,
  PROP_RUNNING,
  PROP_VALID,
  PROP_MODIFIED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- the adapter dictionary ------------------------------------------------- */

static const char *
lookup_string (GVariant   *adapter,
               const char *key)
{
  const char *value = NULL;

  if (adapter == NULL || key == NULL || !g_variant_lookup (adapter, key, "&s", &value))
    return "";
  return value;
}

static gboolean
lookup_boolean (GVariant   *adapter,
                const char *key)
{
  gboolean value = FALSE;

  if (adapter != NULL)
    g_variant_lookup (adapter, key, "b", &value);
  return value;
}

static Mode
mode_from_key (const char *key)
{
  for (guint i = 0; i < N_MODES; i++)
    if (g_strcmp0 (modes[i].key, key) == 0)
      return i;
  return MODE_NULL;
}

/* --- widgets -------------------------------------------------------------- */

static Mode
current_mode (WbAdapterPage *self)
{
  guint selected = adw_combo_row_get_selected (self->attached_row);

  return selected < N_MODES ? selected : MODE_NULL;
}

static const char *
combo_string (AdwComboRow *row)
{
  GObject *item = adw_combo_row_get_selected_item (row);

  return item != NULL ? gtk_string_object_get_string (GTK_STRING_OBJECT (item)) : "";
}

static guint
string_list_find (GListModel *model,
                  const char *text)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), text) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

/* Selects @text in @row, adding it to @model when it is missing. */
static void
combo_select (AdwComboRow   *row,
              GtkStringList *model,
              const char    *text)
{
  guint position;

  if (text == NULL || *text == '\0')
    return;
  position = string_list_find (G_LIST_MODEL (model), text);
  if (position == GTK_INVALID_LIST_POSITION)
    {
      gtk_string_list_append (model, text);
      position = g_list_model_get_n_items (G_LIST_MODEL (model)) - 1;
    }
  adw_combo_row_set_selected (row, position);
}

static AdwComboRow *
mode_combo (WbAdapterPage  *self,
            Mode            mode,
            GtkStringList **model)
{
  switch (mode)
    {
    case MODE_NATNETWORK:
      *model = self->natnetwork_model;
      return self->natnetwork_row;
    case MODE_BRIDGED:
      *model = self->bridged_model;
      return self->bridged_row;
    case MODE_HOSTONLY:
      *model = self->hostonly_model;
      return self->hostonly_row;
    case MODE_NULL:
    case MODE_NAT:
    case MODE_INTNET:
    case MODE_GENERIC:
    case N_MODES:
    default:
      *model = NULL;
      return NULL;
    }
}

/* The name the user chose for @mode ("" for none). */
static const char *
current_target (WbAdapterPage *self,
                Mode           mode)
{
  GtkStringList *model;
  AdwComboRow *row = mode_combo (self, mode, &model);

  if (row != NULL)
    return combo_string (row);
  if (mode == MODE_INTNET)
    return gtk_editable_get_text (GTK_EDITABLE (self->intnet_row));
  if (mode == MODE_GENERIC)
    return combo_string (self->generic_row);
  return "";
}

static guint
nic_type_find (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (nic_types); i++)
    if (g_ascii_strcasecmp (nic_types[i], key) == 0)
      return i;
  return 1;  /* the engine's default, Am79C973 */
}

static guint
promisc_find (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (promisc_policies); i++)
    if (g_strcmp0 (promisc_policies[i].key, key) == 0)
      return i;
  return 0;
}

static char *
properties_text (GVariant *adapter)
{
  g_autoptr(GVariant) props = adapter != NULL
    ? g_variant_lookup_value (adapter, "generic-properties", G_VARIANT_TYPE ("a(ss)"))
    : NULL;
  GString *text = g_string_new (NULL);
  GVariantIter iter;
  const char *name, *value;

  if (props != NULL)
    {
      g_variant_iter_init (&iter, props);
      while (g_variant_iter_next (&iter, "(&s&s)", &name, &value))
        g_string_append_printf (text, "%s=%s\n", name, value);
    }
  return g_string_free (text, FALSE);
}

/* The generic properties as typed, or NULL when a line is not
 * "name=value". Later lines win. */
static GHashTable *
parse_properties (WbAdapterPage *self)
{
  g_autoptr(GHashTable) props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->properties_buffer, &start, &end);
  text = gtk_text_buffer_get_text (self->properties_buffer, &start, &end, FALSE);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *equals = strchr (line, '=');

      if (*line == '\0')
        continue;
      if (equals == NULL || equals == line)
        return NULL;
      *equals = '\0';
      g_hash_table_replace (props, g_strdup (g_strchomp (line)), g_strdup (equals + 1));
    }
  return g_steal_pointer (&props);
}

static gboolean
mac_is_valid (const char *text)
{
  if (strlen (text) != 12)
    return FALSE;
  for (guint i = 0; i < 12; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  /* Unicast: the lowest bit of the first byte is clear. */
  return (g_ascii_xdigit_value (text[1]) & 1) == 0;
}

/* Marks @widget and says why in its tooltip. */
static void
set_error (GtkWidget  *widget,
           const char *problem)
{
  wb_ui_mark_valid (widget, problem == NULL);
  gtk_widget_set_tooltip_text (widget, problem);
}

/* --- changes ------------------------------------------------------------- */

static void
add_change (GVariantBuilder *changes,
            const char      *key,
            guint            slot,
            const char      *value)
{
  g_variant_builder_add (changes, "(sus)", key, slot, value);
}

static void
add_call (GVariantBuilder *calls,
          const char      *key,
          guint            slot,
          const char      *arg0,
          const char      *arg1)
{
  const char *args[] = { arg0, arg1, NULL };

  g_variant_builder_add (calls, "(su^as)", key, slot, args);
}

static const char *
on_off (gboolean value)
{
  return value ? "on" : "off";
}

/* Calls @add (name=value) for each generic property that changed. */
static void
diff_properties (WbAdapterPage *self,
                 void         (*add) (WbAdapterPage *self, const char *property, gpointer data),
                 gpointer       data)
{
  g_autoptr(GHashTable) wanted = parse_properties (self);
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GHashTable) had = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  GVariantIter viter;
  const char *name, *value;

  if (wanted == NULL)
    return;
  props = g_variant_lookup_value (self->adapter, "generic-properties", G_VARIANT_TYPE ("a(ss)"));
  if (props != NULL)
    {
      g_variant_iter_init (&viter, props);
      while (g_variant_iter_next (&viter, "(&s&s)", &name, &value))
        g_hash_table_insert (had, (gpointer) name, (gpointer) value);
    }

  /* An empty value removes a property. */
  g_hash_table_iter_init (&iter, had);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (!g_hash_table_contains (wanted, name))
      {
        g_autofree char *property = g_strdup_printf ("%s=", name);
        add (self, property, data);
      }
  g_hash_table_iter_init (&iter, wanted);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    if (g_strcmp0 (g_hash_table_lookup (had, name), value) != 0)
      {
        g_autofree char *property = g_strdup_printf ("%s=%s", name, value);
        add (self, property, data);
      }
}

static void
add_property_change (WbAdapterPage *self,
                     const char    *property,
                     gpointer       data)
{
  add_change (data, "nicproperty", self->slot, property);
}

static void
add_property_call (WbAdapterPage *self,
                   const char    *property,
                   gpointer       data)
{
  add_call (data, "nicproperty", self->slot, property, NULL);
}

void
wb_adapter_page_collect_changes (WbAdapterPage   *self,
                                 GVariantBuilder *changes)
{
  Mode mode = current_mode (self);
  const char *target = current_target (self, mode);
  const char *type = nic_types[adw_combo_row_get_selected (self->type_row)];
  const char *promisc = promisc_policies[adw_combo_row_get_selected (self->promisc_row)].key;
  const char *mac = gtk_editable_get_text (GTK_EDITABLE (self->mac_row));
  gboolean enabled = gtk_switch_get_active (self->enable_switch);
  gboolean was_enabled = lookup_boolean (self->adapter, "enabled");

  g_return_if_fail (WB_IS_ADAPTER_PAGE (self));

  if (self->adapter == NULL)
    return;
  if (!enabled)
    {
      if (was_enabled)
        add_change (changes, "nic", self->slot, "none");
      return;
    }

  if (!was_enabled || mode != mode_from_key (lookup_string (self->adapter, "attachment")))
    add_change (changes, "nic", self->slot, modes[mode].key);
  if (modes[mode].modify_key != NULL && *target != '\0' &&
      g_strcmp0 (target, lookup_string (self->adapter, wb_ui_attachment_target_key (modes[mode].key))) != 0)
    add_change (changes, modes[mode].modify_key, self->slot, target);
  if (mode == MODE_GENERIC)
    diff_properties (self, add_property_change, changes);

  if (g_ascii_strcasecmp (type, lookup_string (self->adapter, "type")) != 0)
    add_change (changes, "nictype", self->slot, type);
  if (g_strcmp0 (promisc, lookup_string (self->adapter, "promisc")) != 0)
    add_change (changes, "nicpromisc", self->slot, promisc);
  if (g_ascii_strcasecmp (mac, lookup_string (self->adapter, "mac")) != 0)
    {
      g_autofree char *upper = g_ascii_strup (mac, -1);
      add_change (changes, "macaddress", self->slot, upper);
    }
  if (gtk_switch_get_active (self->cable_switch) != lookup_boolean (self->adapter, "cable"))
    add_change (changes, "cableconnected", self->slot,
                on_off (gtk_switch_get_active (self->cable_switch)));
  if (gtk_switch_get_active (self->localhost_switch) !=
      lookup_boolean (self->adapter, "nat-localhost-reachable"))
    add_change (changes, "natlocalhostreachable", self->slot,
                on_off (gtk_switch_get_active (self->localhost_switch)));
}

void
wb_adapter_page_collect_live_changes (WbAdapterPage   *self,
                                      GVariantBuilder *calls)
{
  Mode mode = current_mode (self);
  const char *target = current_target (self, mode);
  const char *promisc = promisc_policies[adw_combo_row_get_selected (self->promisc_row)].key;

  g_return_if_fail (WB_IS_ADAPTER_PAGE (self));

  /* controlvm cannot plug an adapter in or out. */
  if (self->adapter == NULL || !lookup_boolean (self->adapter, "enabled"))
    return;

  if (mode != mode_from_key (lookup_string (self->adapter, "attachment")) ||
      (wb_ui_attachment_target_key (modes[mode].key) != NULL &&
       g_strcmp0 (target, lookup_string (self->adapter, wb_ui_attachment_target_key (modes[mode].key))) != 0))
    add_call (calls, "nic", self->slot, modes[mode].key,
              wb_ui_attachment_target_key (modes[mode].key) != NULL && *target != '\0' ? target : NULL);
  if (mode == MODE_GENERIC)
    diff_properties (self, add_property_call, calls);
  if (gtk_switch_get_active (self->cable_switch) != lookup_boolean (self->adapter, "cable"))
    add_call (calls, "setlinkstate", self->slot,
              on_off (gtk_switch_get_active (self->cable_switch)), NULL);
  if (g_strcmp0 (promisc, lookup_string (self->adapter, "promisc")) != 0)
    add_call (calls, "nicpromisc", self->slot, promisc, NULL);
}

/* --- state ------------------------------------------------------------------ */

static gboolean
compute_modified (WbAdapterPage *self)
{
  GVariantBuilder builder;
  g_autoptr(GVariant) changes = NULL;

  g_variant_builder_init (&builder, self->running ? G_VARIANT_TYPE ("a(suas)")
                                                  : G_VARIANT_TYPE ("a(sus)"));
  if (self->running)
    wb_adapter_page_collect_live_changes (self, &builder);
  else
    wb_adapter_page_collect_changes (self, &builder);
  changes = g_variant_ref_sink (g_variant_builder_end (&builder));
  return g_variant_n_children (changes) > 0;
}

/* Marks each field and returns whether all of them are valid. */
static gboolean
check_fields (WbAdapterPage *self,
              Mode           mode)
{
  g_autoptr(GHashTable) props = parse_properties (self);
  const char *mac = gtk_editable_get_text (GTK_EDITABLE (self->mac_row));
  const char *intnet = gtk_editable_get_text (GTK_EDITABLE (self->intnet_row));
  gboolean enabled = gtk_switch_get_active (self->enable_switch);
  const char *mac_problem = NULL;
  const char *intnet_problem = NULL;
  const char *props_problem = NULL;
  const char *combo_problem = NULL;
  GtkStringList *model;
  AdwComboRow *combo = mode_combo (self, mode, &model);

  if (!mac_is_valid (mac))
    mac_problem = _("A MAC address is 12 hexadecimal digits, the second one even (0, 2, 4, 6, 8, A, C or E)");
  if (mode == MODE_INTNET && (*intnet == '\0' || g_utf8_strlen (intnet, -1) > 255))
    intnet_problem = _("Enter the name of an internal network");
  if (mode == MODE_GENERIC && props == NULL)
    props_problem = _("Each line must be “name=value”");
  if (combo != NULL && adw_combo_row_get_selected_item (combo) == NULL)
    {
      if (mode == MODE_NATNETWORK)
        combo_problem = _("There is no NAT network: add one in Preferences");
      else if (mode == MODE_BRIDGED)
        combo_problem = _("The host has no network interface to bridge to");
      else
        combo_problem = _("There is no host-only interface: create one in the Host Network Manager");
    }

  set_error (GTK_WIDGET (self->mac_row), mac_problem);
  set_error (GTK_WIDGET (self->intnet_row), intnet_problem);
  set_error (GTK_WIDGET (self->properties_view), props_problem);
  set_error (GTK_WIDGET (self->natnetwork_row), NULL);
  set_error (GTK_WIDGET (self->bridged_row), NULL);
  set_error (GTK_WIDGET (self->hostonly_row), NULL);
  if (combo != NULL)
    {
      set_error (GTK_WIDGET (combo), combo_problem);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (combo), combo_problem != NULL ? combo_problem : "");
    }

  /* A disabled adapter sends nothing but its switch. */
  return !enabled ||
         (mac_problem == NULL && intnet_problem == NULL &&
          props_problem == NULL && combo_problem == NULL);
}

static void
update (WbAdapterPage *self)
{
  Mode mode = current_mode (self);
  gboolean enabled = gtk_switch_get_active (self->enable_switch);
  gboolean was_enabled = lookup_boolean (self->adapter, "enabled");
  gboolean valid, modified;

  gtk_widget_set_visible (GTK_WIDGET (self->natnetwork_row), mode == MODE_NATNETWORK);
  gtk_widget_set_visible (GTK_WIDGET (self->bridged_row), mode == MODE_BRIDGED);
  gtk_widget_set_visible (GTK_WIDGET (self->intnet_row), mode == MODE_INTNET);
  gtk_widget_set_visible (GTK_WIDGET (self->hostonly_row), mode == MODE_HOSTONLY);
  gtk_widget_set_visible (GTK_WIDGET (self->generic_row), mode == MODE_GENERIC);
  gtk_widget_set_visible (GTK_WIDGET (self->generic_group), mode == MODE_GENERIC);
  gtk_widget_set_visible (GTK_WIDGET (self->localhost_row), mode == MODE_NAT);
  gtk_widget_set_visible (GTK_WIDGET (self->forwarding_row), mode == MODE_NAT);
  gtk_widget_set_sensitive (GTK_WIDGET (self->promisc_row), modes[mode].promisc);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->attached_row), wb_ui_attachment_tooltip (modes[mode].key));

  /* A running VM keeps its hardware: only what controlvm changes. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->enable_switch), !self->running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->settings_group),
                            enabled && (!self->running || was_enabled));
  gtk_widget_set_sensitive (GTK_WIDGET (self->generic_group),
                            enabled && (!self->running || was_enabled));
  gtk_widget_set_sensitive (GTK_WIDGET (self->type_row), !self->running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mac_row), !self->running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->localhost_row), !self->running);

  valid = check_fields (self, mode);
  /* Invalid edits are edits too: a change made elsewhere must not wipe
   * them (wb_adapter_page_update_adapter). */
  modified = compute_modified (self);
  if (valid != self->valid)
    {
      self->valid = valid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
    }
  if (modified != self->modified)
    {
      self->modified = modified;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
    }
}

static void
on_changed_cb (WbAdapterPage *self)
{
  /* Template signals fire while the template is built. */
  if (self->adapter != NULL)
    update (self);
}

static void
on_regenerate_clicked_cb (WbAdapterPage *self)
{
  /* VirtualBox's prefix and three random bytes; the engine checks that no
   * other adapter has it. */
  g_autofree char *mac = g_strdup_printf ("080027%02X%02X%02X",
                                          g_random_int_range (0, 256),
                                          g_random_int_range (0, 256),
                                          g_random_int_range (0, 256));

  gtk_editable_set_text (GTK_EDITABLE (self->mac_row), mac);
}

static void
on_intnet_chosen_cb (WbAdapterPage *self,
                     GtkListBoxRow *row)
{
  GtkWidget *label = gtk_list_box_row_get_child (row);

  gtk_editable_set_text (GTK_EDITABLE (self->intnet_row), gtk_label_get_text (GTK_LABEL (label)));
  gtk_popover_popdown (self->intnet_popover);
}

static char *
mode_tooltip (gpointer this,
              guint    position)
{
  return position < N_MODES ? g_strdup (wb_ui_attachment_tooltip (modes[position].key)) : NULL;
}

static void
update_rules (WbAdapterPage *self,
              GVariant      *adapter)
{
  g_autoptr(GVariant) rules = g_variant_lookup_value (adapter, "rules", NULL);
  g_autoptr(GString) names = g_string_new (NULL);
  GVariantIter iter;
  GVariant *rule;

  if (rules != NULL && g_variant_is_of_type (rules, G_VARIANT_TYPE ("a*")))
    {
      g_variant_iter_init (&iter, rules);
      while ((rule = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(GVariant) owned = rule;
          const char *name;

          if (!g_variant_is_of_type (rule, G_VARIANT_TYPE_TUPLE) || g_variant_n_children (rule) < 1)
            continue;
          g_variant_get_child (rule, 0, "&s", &name);
          if (names->len > 0)
            g_string_append (names, ", ");
          g_string_append (names, name);
        }
    }
  adw_action_row_set_subtitle (self->forwarding_row, names->len > 0 ? names->str : _("No rules"));
}

/* --- public ----------------------------------------------------------------- */

void
wb_adapter_page_set_adapter (WbAdapterPage *self,
                             GVariant      *adapter)
{
  g_autofree char *props = NULL;
  Mode mode;

  g_return_if_fail (WB_IS_ADAPTER_PAGE (self));
  g_return_if_fail (adapter != NULL && g_variant_is_of_type (adapter, G_VARIANT_TYPE_VARDICT));

  /* The widgets first, the snapshot last: until then nothing is compared. */
  g_clear_pointer (&self->adapter, g_variant_unref);

  mode = mode_from_key (lookup_string (adapter, "attachment"));
  gtk_switch_set_active (self->enable_switch, lookup_boolean (adapter, "enabled"));
  adw_combo_row_set_selected (self->attached_row, mode);
  combo_select (self->natnetwork_row, self->natnetwork_model, lookup_string (adapter, "nat-network"));
  combo_select (self->bridged_row, self->bridged_model, lookup_string (adapter, "bridge-adapter"));
  combo_select (self->hostonly_row, self->hostonly_model, lookup_string (adapter, "hostonly-adapter"));
  adw_combo_row_set_selected (self->generic_row,
                              g_ascii_strcasecmp (lookup_string (adapter, "generic-driver"), "VDE") == 0);
  gtk_editable_set_text (GTK_EDITABLE (self->intnet_row), lookup_string (adapter, "intnet"));
  props = properties_text (adapter);
  gtk_text_buffer_set_text (self->properties_buffer, props, -1);

  adw_combo_row_set_selected (self->type_row,
                              nic_type_find (lookup_string (adapter, "type")));
  adw_combo_row_set_selected (self->promisc_row,
                              promisc_find (lookup_string (adapter, "promisc")));
  gtk_editable_set_text (GTK_EDITABLE (self->mac_row), lookup_string (adapter, "mac"));
  gtk_switch_set_active (self->cable_switch, lookup_boolean (adapter, "cable"));
  gtk_switch_set_active (self->localhost_switch, lookup_boolean (adapter, "nat-localhost-reachable"));
  update_rules (self, adapter);

  self->adapter = g_variant_ref_sink (adapter);
  update (self);
}

void
wb_adapter_page_update_adapter (WbAdapterPage *self,
                                GVariant      *adapter)
{
  g_return_if_fail (WB_IS_ADAPTER_PAGE (self));

  if (self->adapter == NULL || !self->modified)
    wb_adapter_page_set_adapter (self, adapter);
  else
    update_rules (self, adapter);
}

void
wb_adapter_page_set_choices (WbAdapterPage      *self,
                             const char         *attachment,
                             const char * const *names)
{
  Mode mode = mode_from_key (attachment);
  GtkStringList *model = NULL;
  AdwComboRow *row;
  g_autofree char *keep = NULL;

  g_return_if_fail (WB_IS_ADAPTER_PAGE (self));

  if (mode == MODE_INTNET)
    {
      GtkWidget *child;

      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->intnet_list))) != NULL)
        gtk_list_box_remove (self->intnet_list, child);
      for (guint i = 0; names != NULL && names[i] != NULL; i++)
        {
          GtkWidget *label = gtk_label_new (names[i]);

          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_list_box_append (self->intnet_list, label);
        }
      gtk_widget_set_visible (GTK_WIDGET (self->intnet_button), names != NULL && names[0] != NULL);
      return;
    }

  row = mode_combo (self, mode, &model);
  g_return_if_fail (row != NULL);

  /* Keep the user's choice, else the adapter's own target. */
  keep = g_strdup (adw_combo_row_get_selected_item (row) != NULL
                   ? combo_string (row)
                   : lookup_string (self->adapter, wb_ui_attachment_target_key (modes[mode].key)));
  gtk_string_list_splice (model, 0, g_list_model_get_n_items (G_LIST_MODEL (model)), names);
  combo_select (row, model, keep);
  if (self->adapter != NULL)
    update (self);
}

void
wb_adapter_page_set_running (WbAdapterPage *self,
                             gboolean       running)
{
  g_return_if_fail (WB_IS_ADAPTER_PAGE (self));

  running = !!running;
  if (self->running == running)
    return;
  self->running = running;
  if (self->adapter != NULL)
    update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

guint
wb_adapter_page_get_slot (WbAdapterPage *self)
{
  g_return_val_if_fail (WB_IS_ADAPTER_PAGE (self), 0);

  return self->slot;
}

gboolean
wb_adapter_page_get_valid (WbAdapterPage *self)
{
  g_return_val_if_fail (WB_IS_ADAPTER_PAGE (self), FALSE);

  return self->valid;
}

gboolean
wb_adapter_page_get_modified (WbAdapterPage *self)
{
  g_return_val_if_fail (WB_IS_ADAPTER_PAGE (self), FALSE);

  return self->modified;
}

/* --- GObject ------------------------------------------------------------------ */

static void
wb_adapter_page_constructed (GObject *object)
{
  WbAdapterPage *self = WB_ADAPTER_PAGE (object);

  G_OBJECT_CLASS (wb_adapter_page_parent_class)->constructed (object);

  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->forwarding_button), "u", self->slot);
}

static void
wb_adapter_page_dispose (GObject *object)
{
  WbAdapterPage *self = WB_ADAPTER_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_ADAPTER_PAGE);
  g_clear_pointer (&self->adapter, g_variant_unref);

  G_OBJECT_CLASS (wb_adapter_page_parent_class)->dispose (object);
}

static void
wb_adapter_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  WbAdapterPage *self = WB_ADAPTER_PAGE (object);

  switch (prop_id)
    {
    case PROP_SLOT:
      g_value_set_uint (value, self->slot);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_adapter_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  WbAdapterPage *self = WB_ADAPTER_PAGE (object);

  switch (prop_id)
    {
    case PROP_SLOT:
      self->slot = g_value_get_uint (value);
      break;
    case PROP_RUNNING:
      wb_adapter_page_set_running (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_adapter_page_class_init (WbAdapterPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wb_adapter_page_constructed;
  object_class->dispose = wb_adapter_page_dispose;
  object_class->get_property = wb_adapter_page_get_property;
  object_class->set_property = wb_adapter_page_set_property;

  properties[PROP_SLOT] =
    g_param_spec_uint ("slot", NULL, NULL, 1, 8, 1,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-adapter-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, enable_switch);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, settings_group);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, attached_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, natnetwork_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, natnetwork_model);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, bridged_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, bridged_model);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, intnet_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, intnet_button);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, intnet_popover);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, intnet_list);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, hostonly_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, hostonly_model);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, generic_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, type_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, promisc_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, mac_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, regenerate_button);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, cable_switch);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, localhost_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, localhost_switch);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, forwarding_row);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, forwarding_button);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, generic_group);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, properties_view);
  gtk_widget_class_bind_template_child (widget_class, WbAdapterPage, properties_buffer);
  gtk_widget_class_bind_template_callback (widget_class, on_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_regenerate_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_intnet_chosen_cb);
  gtk_widget_class_bind_template_callback (widget_class, mode_tooltip);
}

static void
wb_adapter_page_init (WbAdapterPage *self)
{
  g_autoptr(GtkStringList) attachments = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) types = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) policies = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < N_MODES; i++)
    gtk_string_list_append (attachments, wb_ui_attachment_label (modes[i].key));
  for (guint i = 0; i < G_N_ELEMENTS (nic_types); i++)
    gtk_string_list_append (types, wb_ui_adapter_type_label (nic_types[i]));
  for (guint i = 0; i < G_N_ELEMENTS (promisc_policies); i++)
    gtk_string_list_append (policies, _(promisc_policies[i].label));
  adw_combo_row_set_model (self->attached_row, G_LIST_MODEL (attachments));
  adw_combo_row_set_model (self->type_row, G_LIST_MODEL (types));
  adw_combo_row_set_model (self->promisc_row, G_LIST_MODEL (policies));
  gtk_widget_set_visible (GTK_WIDGET (self->intnet_button), FALSE);
}
