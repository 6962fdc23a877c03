/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-preferences-window.h"

#include <glib/gi18n.h>

#include "wb-nat-network-dialog.h"
#include "wb-ui-util.h"

struct _WbPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GDBusObjectManager   *manager;
  WbDBusEngine         *engine;
  GCancellable         *cancellable;
  GListStore           *networks;    /* of WbDBusNatNetwork */
  GtkSortListModel     *sorted;

  /* Template children. */
  GtkListBox           *nat_list;
  GtkWidget            *add_button;
};

G_DEFINE_FINAL_TYPE (WbPreferencesWindow, wb_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_MANAGER,
  PROP_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
info_to_subtitle (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  GVariant *info = g_value_get_variant (from);
  const char *network = wb_ui_info_string (info, "network");
  gboolean dhcp = wb_ui_info_boolean (info, "dhcp", FALSE);

  /* Translators: a NAT network's row, "192.168.22.0/24 · DHCP" */
  g_value_take_string (to, dhcp ? g_strdup_printf (_("%s · DHCP"), network) : g_strdup (network));
  return TRUE;
}

static gboolean
info_to_enabled (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  g_value_set_boolean (to, wb_ui_info_boolean (g_value_get_variant (from), "enabled", FALSE));
  return TRUE;
}

/* --- one row per network ---------------------------------------------------- */

typedef struct
{
  WbPreferencesWindow *window;
  GtkSwitch           *toggle;
  WbDBusNatNetwork    *network;
} SwitchCall;

static void
on_enable_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SwitchCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_engine_call_modify_nat_network_finish (WB_DBUS_ENGINE (source), result, &error))
    {
      GVariant *info = wb_dbus_nat_network_get_info (call->network);

      wb_ui_toast_error (call->window, error);
      /* Show what the engine holds. */
      gtk_switch_set_active (call->toggle, wb_ui_info_boolean (info, "enabled", FALSE));
    }
  g_object_unref (call->window);
  g_object_unref (call->toggle);
  g_object_unref (call->network);
  g_free (call);
}

static void
on_enable_toggled_cb (GtkSwitch           *toggle,
                      GParamSpec          *pspec,
                      WbPreferencesWindow *self)
{
  WbDBusNatNetwork *network = g_object_get_data (G_OBJECT (toggle), "network");
  gboolean active = gtk_switch_get_active (toggle);
  GVariantBuilder options;
  SwitchCall *call;

  /* The binding from the engine's state also lands here. */
  if (active == wb_ui_info_boolean (wb_dbus_nat_network_get_info (network), "enabled", FALSE))
    return;

  g_variant_builder_init (&options, G_VARIANT_TYPE ("a(ss)"));
  g_variant_builder_add (&options, "(ss)", active ? "enable" : "disable", "");
  call = g_new0 (SwitchCall, 1);
  call->window = g_object_ref (self);
  call->toggle = g_object_ref (toggle);
  call->network = g_object_ref (network);
  wb_dbus_engine_call_modify_nat_network (self->engine, wb_dbus_nat_network_get_name (network),
                                          g_variant_builder_end (&options), self->cancellable,
                                          on_enable_done_cb, call);
}

static void
on_edit_clicked_cb (GtkButton           *button,
                    WbPreferencesWindow *self)
{
  WbDBusNatNetwork *network = g_object_get_data (G_OBJECT (button), "network");
  WbNatNetworkDialog *dialog = wb_nat_network_dialog_new (GTK_WINDOW (self), self->engine, network, NULL);

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_remove_response_cb (AdwMessageDialog    *dialog,
                       const char          *response,
                       WbPreferencesWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (dialog), "name");

  if (g_strcmp0 (response, "remove") == 0)
    wb_dbus_engine_call_remove_nat_network (self->engine, name, self->cancellable,
                                            wb_ui_toast_reply_cb, g_object_ref (self));
}

static void
on_remove_clicked_cb (GtkButton           *button,
                      WbPreferencesWindow *self)
{
  WbDBusNatNetwork *network = g_object_get_data (G_OBJECT (button), "network");
  const char *name = wb_dbus_nat_network_get_name (network);
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  /* Translators: the heading of the confirmation, with the network's name */
  heading = g_strdup_printf (_("Remove “%s”?"), name);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Adapters attached to this NAT network are left without a network."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "name", g_strdup (name), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
suffix_button (const char *icon_name,
               const char *tooltip,
               const char *widget_name)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_name (button, widget_name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  return button;
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  WbPreferencesWindow *self = user_data;
  WbDBusNatNetwork *network = item;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();
  GtkWidget *edit = suffix_button ("document-edit-symbolic", _("Edit"), "nat-edit");
  GtkWidget *remove = suffix_button ("user-trash-symbolic", _("Remove"), "nat-remove");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  g_object_bind_property (network, "name", row, "title", G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (network, "info", row, "subtitle", G_BINDING_SYNC_CREATE,
                               info_to_subtitle, NULL, NULL, NULL);

  gtk_widget_set_name (toggle, "nat-enabled");
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (toggle, _("Enabled"));
  g_object_set_data_full (G_OBJECT (toggle), "network", g_object_ref (network), g_object_unref);
  g_object_bind_property_full (network, "info", toggle, "active", G_BINDING_SYNC_CREATE,
                               info_to_enabled, NULL, NULL, NULL);
  g_signal_connect_object (toggle, "notify::active", G_CALLBACK (on_enable_toggled_cb), self, 0);

  g_object_set_data_full (G_OBJECT (edit), "network", g_object_ref (network), g_object_unref);
  g_signal_connect_object (edit, "clicked", G_CALLBACK (on_edit_clicked_cb), self, 0);
  g_object_set_data_full (G_OBJECT (remove), "network", g_object_ref (network), g_object_unref);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked_cb), self, 0);

  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), edit);
  return row;
}

/* --- add ------------------------------------------------------------------------- */

static gboolean
name_taken (WbPreferencesWindow *self,
            const char          *name)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->networks));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WbDBusNatNetwork) network = g_list_model_get_item (G_LIST_MODEL (self->networks), i);

      if (g_strcmp0 (wb_dbus_nat_network_get_name (network), name) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
on_add_clicked_cb (WbPreferencesWindow *self)
{
  g_autofree char *name = g_strdup ("NatNetwork");
  WbNatNetworkDialog *dialog;

  /* VirtualBox's proposals: NatNetwork, NatNetwork1, NatNetwork2, ... */
  for (guint i = 1; name_taken (self, name); i++)
    {
      g_free (name);
      name = g_strdup_printf ("NatNetwork%u", i);
    }
  dialog = wb_nat_network_dialog_new (GTK_WINDOW (self), self->engine, NULL, name);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- following the engine ----------------------------------------------------------- */

static void
on_object_added_cb (WbPreferencesWindow *self,
                    GDBusObject         *object)
{
  WbDBusNatNetwork *network = wb_dbus_object_peek_nat_network (WB_DBUS_OBJECT (object));

  if (network != NULL)
    wb_ui_store_append_named (self->networks, network);
}

static void
on_object_removed_cb (WbPreferencesWindow *self,
                      GDBusObject         *object)
{
  WbDBusNatNetwork *network = wb_dbus_object_peek_nat_network (WB_DBUS_OBJECT (object));
  guint position;

  if (network != NULL && g_list_store_find (self->networks, network, &position))
    g_list_store_remove (self->networks, position);
}

static void
wb_preferences_window_constructed (GObject *object)
{
  WbPreferencesWindow *self = WB_PREFERENCES_WINDOW (object);
  g_autolist(GDBusObject) objects = NULL;
  GtkSorter *sorter;
  GtkWidget *placeholder;

  G_OBJECT_CLASS (wb_preferences_window_parent_class)->constructed (object);

  sorter = GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (WB_DBUS_TYPE_NAT_NETWORK,
                                                                            NULL, "name")));
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->networks)), sorter);
  gtk_list_box_bind_model (self->nat_list, G_LIST_MODEL (self->sorted), create_row_cb, self, NULL);

  placeholder = gtk_label_new (_("No NAT networks"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->nat_list, placeholder);

  g_signal_connect_object (self->manager, "object-added", G_CALLBACK (on_object_added_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "object-removed", G_CALLBACK (on_object_removed_cb),
                           self, G_CONNECT_SWAPPED);
  objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    on_object_added_cb (self, l->data);
}

static void
wb_preferences_window_dispose (GObject *object)
{
  WbPreferencesWindow *self = WB_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->sorted);
  g_clear_object (&self->networks);
  g_clear_object (&self->manager);
  g_clear_object (&self->engine);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (wb_preferences_window_parent_class)->dispose (object);
}

static void
wb_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  WbPreferencesWindow *self = WB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  WbPreferencesWindow *self = WB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      self->manager = g_value_dup_object (value);
      break;
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_preferences_window_class_init (WbPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wb_preferences_window_constructed;
  object_class->dispose = wb_preferences_window_dispose;
  object_class->get_property = wb_preferences_window_get_property;
  object_class->set_property = wb_preferences_window_set_property;

  properties[PROP_MANAGER] =
    g_param_spec_object ("manager", NULL, NULL, G_TYPE_DBUS_OBJECT_MANAGER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, WB_DBUS_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WbPreferencesWindow, nat_list);
  gtk_widget_class_bind_template_child (widget_class, WbPreferencesWindow, add_button);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked_cb);
}

static void
wb_preferences_window_init (WbPreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->networks = g_list_store_new (WB_DBUS_TYPE_NAT_NETWORK);
  gtk_widget_init_template (GTK_WIDGET (self));
}

WbPreferencesWindow *
wb_preferences_window_new (GtkWindow          *parent,
                           GDBusObjectManager *manager,
                           WbDBusEngine       *engine)
{
  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager), NULL);
  g_return_val_if_fail (WB_DBUS_IS_ENGINE (engine), NULL);

  return g_object_new (WB_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "manager", manager,
                       "engine", engine,
                       NULL);
}
