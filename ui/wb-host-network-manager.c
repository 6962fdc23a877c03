/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-host-network-manager.h"

#include <glib/gi18n.h>

#include "wb-ui-util.h"

struct _WbHostNetworkManager
{
  AdwWindow           parent_instance;

  GDBusObjectManager *manager;
  WbDBusEngine       *engine;
  GCancellable       *cancellable;
  GListStore         *ifs;           /* of WbDBusHostOnlyIf */
  GPtrArray          *dhcp_cells;    /* bound GtkListItems of the DHCP column */
  WbDBusHostOnlyIf   *current;
  char               *select_name;   /* an interface to select once it appears */
  gboolean            loading;       /* filling the fields, not the user typing */
  gboolean            adapter_dirty;
  gboolean            dhcp_dirty;
  gboolean            busy;
  gboolean            sending_adapter;  /* what the Apply in flight sends */
  gboolean            sending_dhcp;

  /* Template children. */
  AdwToastOverlay    *toast_overlay;
  GtkStack           *list_stack;
  GtkSingleSelection *selection;
  GtkSortListModel   *sorted_ifs;
  GtkWidget          *create_button;
  GtkWidget          *remove_button;
  GtkWidget          *properties_button;
  GtkWidget          *properties_revealer;
  GtkStack           *properties_stack;
  AdwEntryRow        *ipv4_row;
  AdwEntryRow        *mask_row;
  AdwEntryRow        *ipv6_row;
  AdwEntryRow        *ipv6_prefix_row;
  GtkSwitch          *dhcp_switch;
  AdwEntryRow        *server_row;
  AdwEntryRow        *server_mask_row;
  AdwEntryRow        *lower_row;
  AdwEntryRow        *upper_row;
  GtkWidget          *reset_button;
  GtkWidget          *apply_button;
};

G_DEFINE_FINAL_TYPE (WbHostNetworkManager, wb_host_network_manager, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_MANAGER,
  PROP_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load_fields (WbHostNetworkManager *self);

/* --- looking things up ------------------------------------------------------ */

/* "HostInterfaceNetworking-vboxnet0", the name its DHCP server goes by. */
static char *
network_name_of (WbDBusHostOnlyIf *hif)
{
  const char *name = wb_ui_info_string (wb_dbus_host_only_if_get_info (hif), "network-name");

  if (*name != '\0')
    return g_strdup (name);
  return g_strconcat ("HostInterfaceNetworking-", wb_dbus_host_only_if_get_name (hif), NULL);
}

static WbDBusDhcpServer *
find_dhcp_server (WbHostNetworkManager *self,
                  WbDBusHostOnlyIf     *hif)
{
  g_autolist(GDBusObject) objects = NULL;
  g_autofree char *network = NULL;

  if (hif == NULL)
    return NULL;

  network = network_name_of (hif);
  objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      WbDBusDhcpServer *server = wb_dbus_object_peek_dhcp_server (WB_DBUS_OBJECT (l->data));

      if (server != NULL && g_strcmp0 (wb_dbus_dhcp_server_get_network_name (server), network) == 0)
        return g_object_ref (server);
    }
  return NULL;
}

/* --- the list ----------------------------------------------------------------- */

static char *
ipv4_text_cb (GtkListItem *item,
              GVariant    *info)
{
  const char *ip = wb_ui_info_string (info, "ip");
  const char *netmask = wb_ui_info_string (info, "netmask");

  if (*ip == '\0')
    return g_strdup ("");
  return g_strdup_printf ("%s/%u", ip, wb_ui_netmask_prefix (netmask));
}

static char *
ipv6_text_cb (GtkListItem *item,
              GVariant    *info)
{
  /* The engine keeps no IPv6 address for host-only interfaces yet. */
  return g_strdup ("");
}

static void
on_dhcp_cell_setup_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_name (label, "hostonly-dhcp");
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_list_item_set_child (item, label);
}

static void
update_dhcp_cell (WbHostNetworkManager *self,
                  GtkListItem          *item)
{
  WbDBusHostOnlyIf *hif = gtk_list_item_get_item (item);
  g_autoptr(WbDBusDhcpServer) server = find_dhcp_server (self, hif);
  gboolean enabled = FALSE;
  const char *text;

  if (server == NULL)
    text = _("Not set up");
  else
    {
      g_variant_lookup (wb_dbus_dhcp_server_get_info (server), "enabled", "b", &enabled);
      text = enabled ? _("Enabled") : _("Disabled");
    }
  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
on_dhcp_cell_bind_cb (WbHostNetworkManager     *self,
                      GtkListItem              *item,
                      GtkSignalListItemFactory *factory)
{
  if (self->dhcp_cells == NULL)
    return;
  g_ptr_array_add (self->dhcp_cells, item);
  update_dhcp_cell (self, item);
}

static void
on_dhcp_cell_unbind_cb (WbHostNetworkManager     *self,
                        GtkListItem              *item,
                        GtkSignalListItemFactory *factory)
{
  /* The column view may outlive dispose a little. */
  if (self->dhcp_cells != NULL)
    g_ptr_array_remove_fast (self->dhcp_cells, item);
}

/* A DHCP server changed: the DHCP cells depend on it, not on their row's
 * item, so they are updated by hand (re-announcing the items would make
 * the selection jump and lose what is being typed). */
static void
refresh_rows (WbHostNetworkManager *self)
{
  for (guint i = 0; i < self->dhcp_cells->len; i++)
    update_dhcp_cell (self, g_ptr_array_index (self->dhcp_cells, i));
}

static void
update_list_page (WbHostNetworkManager *self)
{
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->ifs)) == 0;

  gtk_stack_set_visible_child_name (self->list_stack, empty ? "empty" : "list");
}

static void
on_ifs_changed_cb (WbHostNetworkManager *self)
{
  if (self->select_name != NULL)
    wb_ui_select_named (self->selection, self->select_name, &self->select_name);
  update_list_page (self);
}

static void
on_object_added_cb (WbHostNetworkManager *self,
                    GDBusObject          *object)
{
  WbDBusHostOnlyIf *hif = wb_dbus_object_peek_host_only_if (WB_DBUS_OBJECT (object));

  if (hif != NULL)
    wb_ui_store_append_named (self->ifs, hif);
  else if (wb_dbus_object_peek_dhcp_server (WB_DBUS_OBJECT (object)) != NULL)
    {
      refresh_rows (self);
      if (!self->dhcp_dirty)
        load_fields (self);
    }
}

static void
on_object_removed_cb (WbHostNetworkManager *self,
                      GDBusObject          *object)
{
  WbDBusHostOnlyIf *hif = wb_dbus_object_peek_host_only_if (WB_DBUS_OBJECT (object));
  guint position;

  if (hif != NULL && g_list_store_find (self->ifs, hif, &position))
    g_list_store_remove (self->ifs, position);
  else if (wb_dbus_object_peek_dhcp_server (WB_DBUS_OBJECT (object)) != NULL)
    {
      refresh_rows (self);
      if (!self->dhcp_dirty)
        load_fields (self);
    }
}

static void
on_properties_changed_cb (WbHostNetworkManager *self,
                          GDBusObjectProxy     *object,
                          GDBusProxy           *interface)
{
  if (WB_DBUS_IS_DHCP_SERVER (interface))
    refresh_rows (self);
  /* Someone else (wirebox-manage, say) changed what is shown: show it,
   * unless the user is in the middle of editing it. */
  if ((WB_DBUS_IS_DHCP_SERVER (interface) || (gpointer) interface == (gpointer) self->current) &&
      !self->adapter_dirty && !self->dhcp_dirty && !self->busy)
    load_fields (self);
}

/* --- the properties ------------------------------------------------------------ */

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_row_text (AdwEntryRow *row,
              const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

static void
validate (WbHostNetworkManager *self)
{
  gboolean has_current = self->current != NULL;
  gboolean dhcp_on = gtk_switch_get_active (self->dhcp_switch);
  gboolean adapter_ok = TRUE;
  gboolean dhcp_ok = TRUE;
  gboolean dirty = self->adapter_dirty || self->dhcp_dirty;
  AdwEntryRow *dhcp_rows[] = { self->server_row, self->server_mask_row, self->lower_row, self->upper_row };

  /* Mark every field, not only the first bad one. */
  adapter_ok &= wb_ui_mark_valid (GTK_WIDGET (self->ipv4_row),
                                  !has_current || wb_ui_is_ipv4 (row_text (self->ipv4_row)));
  adapter_ok &= wb_ui_mark_valid (GTK_WIDGET (self->mask_row),
                                  !has_current || wb_ui_is_netmask (row_text (self->mask_row)));
  for (guint i = 0; i < G_N_ELEMENTS (dhcp_rows); i++)
    {
      const char *text = row_text (dhcp_rows[i]);
      gboolean ok = dhcp_rows[i] == self->server_mask_row ? wb_ui_is_netmask (text) : wb_ui_is_ipv4 (text);

      gtk_widget_set_sensitive (GTK_WIDGET (dhcp_rows[i]), has_current && dhcp_on);
      dhcp_ok &= wb_ui_mark_valid (GTK_WIDGET (dhcp_rows[i]), !has_current || !dhcp_on || ok);
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->ipv4_row), has_current);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mask_row), has_current);
  gtk_widget_set_sensitive (GTK_WIDGET (self->dhcp_switch), has_current);
  gtk_widget_set_sensitive (self->apply_button,
                            has_current && dirty && adapter_ok && dhcp_ok && !self->busy);
  gtk_widget_set_sensitive (self->reset_button, has_current && dirty && !self->busy);
}

static void
load_fields (WbHostNetworkManager *self)
{
  g_autoptr(WbDBusDhcpServer) server = find_dhcp_server (self, self->current);
  GVariant *info = self->current != NULL ? wb_dbus_host_only_if_get_info (self->current) : NULL;
  GVariant *dhcp = server != NULL ? wb_dbus_dhcp_server_get_info (server) : NULL;
  gboolean enabled = FALSE;

  self->loading = TRUE;
  set_row_text (self->ipv4_row, wb_ui_info_string (info, "ip"));
  set_row_text (self->mask_row, wb_ui_info_string (info, "netmask"));
  set_row_text (self->ipv6_row, "");
  set_row_text (self->ipv6_prefix_row, "");
  if (dhcp != NULL)
    g_variant_lookup (dhcp, "enabled", "b", &enabled);
  gtk_switch_set_active (self->dhcp_switch, enabled);
  set_row_text (self->server_row, wb_ui_info_string (dhcp, "server-ip"));
  set_row_text (self->server_mask_row, wb_ui_info_string (dhcp, "netmask"));
  set_row_text (self->lower_row, wb_ui_info_string (dhcp, "lower-ip"));
  set_row_text (self->upper_row, wb_ui_info_string (dhcp, "upper-ip"));
  self->adapter_dirty = FALSE;
  self->dhcp_dirty = FALSE;
  self->loading = FALSE;
  validate (self);
}

static void
on_selection_changed_cb (WbHostNetworkManager *self)
{
  WbDBusHostOnlyIf *hif = gtk_single_selection_get_selected_item (self->selection);

  if (g_set_object (&self->current, hif))
    load_fields (self);
  gtk_widget_set_sensitive (self->remove_button, hif != NULL);
  gtk_widget_set_sensitive (self->properties_button, hif != NULL);
  gtk_widget_set_sensitive (self->properties_revealer, hif != NULL);
}

static void
on_adapter_changed_cb (WbHostNetworkManager *self)
{
  if (self->loading)
    return;
  self->adapter_dirty = TRUE;
  validate (self);
}

static void
on_dhcp_changed_cb (WbHostNetworkManager *self)
{
  if (self->loading)
    return;
  self->dhcp_dirty = TRUE;
  validate (self);
}

static void
on_reset_clicked_cb (WbHostNetworkManager *self)
{
  load_fields (self);
}

static void
finish_apply (WbHostNetworkManager *self,
              GError               *error)
{
  self->busy = FALSE;
  if (error != NULL)
    {
      /* What was not applied is still the user's. */
      self->adapter_dirty |= self->sending_adapter;
      self->dhcp_dirty |= self->sending_dhcp;
      wb_ui_toast_error (self->toast_overlay, error);
      validate (self);
      return;
    }
  /* Show what the engine now holds, unless the user typed on meanwhile
   * (the property change may still be on its way and reloads the fields
   * once more when it comes). */
  if (self->adapter_dirty || self->dhcp_dirty)
    validate (self);
  else
    load_fields (self);
}

static void
on_dhcp_applied_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(WbHostNetworkManager) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  finish_apply (self, error);
}

static void
apply_dhcp (WbHostNetworkManager *self)
{
  g_autoptr(WbDBusDhcpServer) server = find_dhcp_server (self, self->current);
  g_autofree char *network = network_name_of (self->current);
  gboolean enabled = gtk_switch_get_active (self->dhcp_switch);
  GVariantBuilder options;

  if (!self->sending_dhcp || (server == NULL && !enabled))
    {
      finish_apply (self, NULL);
      return;
    }

  g_variant_builder_init (&options, G_VARIANT_TYPE ("a(ss)"));
  if (enabled)
    {
      g_variant_builder_add (&options, "(ss)", "server-ip", row_text (self->server_row));
      g_variant_builder_add (&options, "(ss)", "netmask", row_text (self->server_mask_row));
      g_variant_builder_add (&options, "(ss)", "lower-ip", row_text (self->lower_row));
      g_variant_builder_add (&options, "(ss)", "upper-ip", row_text (self->upper_row));
    }
  g_variant_builder_add (&options, "(ss)", enabled ? "enable" : "disable", "");

  if (server != NULL)
    wb_dbus_engine_call_modify_dhcp_server (self->engine, network, g_variant_builder_end (&options),
                                            self->cancellable, on_dhcp_applied_cb, g_object_ref (self));
  else
    wb_dbus_engine_call_add_dhcp_server (self->engine, network, g_variant_builder_end (&options),
                                         self->cancellable, on_dhcp_applied_cb, g_object_ref (self));
}

static void
on_adapter_applied_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(WbHostNetworkManager) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_engine_call_configure_host_only_if_finish (WB_DBUS_ENGINE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        finish_apply (self, error);
      return;
    }
  self->sending_adapter = FALSE;
  if (self->current != NULL)
    apply_dhcp (self);
  else
    finish_apply (self, NULL);
}

static void
on_apply_clicked_cb (WbHostNetworkManager *self)
{
  if (self->current == NULL || self->busy)
    return;

  /* Edits made while the calls are in flight count as new ones. */
  self->busy = TRUE;
  self->sending_adapter = self->adapter_dirty;
  self->sending_dhcp = self->dhcp_dirty;
  self->adapter_dirty = FALSE;
  self->dhcp_dirty = FALSE;
  validate (self);
  if (self->sending_adapter)
    wb_dbus_engine_call_configure_host_only_if (self->engine,
                                                wb_dbus_host_only_if_get_name (self->current),
                                                row_text (self->ipv4_row), row_text (self->mask_row),
                                                self->cancellable, on_adapter_applied_cb,
                                                g_object_ref (self));
  else
    apply_dhcp (self);
}

/* --- create and remove ------------------------------------------------------------ */

static void
on_created_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WbHostNetworkManager) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (!wb_dbus_engine_call_create_host_only_if_finish (WB_DBUS_ENGINE (source), &name, result, &error))
    wb_ui_toast_error (self->toast_overlay, error);
  else
    wb_ui_select_named (self->selection, name, &self->select_name);
}

static void
on_create_clicked_cb (WbHostNetworkManager *self)
{
  wb_dbus_engine_call_create_host_only_if (self->engine, self->cancellable, on_created_cb,
                                           g_object_ref (self));
}

static void
on_remove_response_cb (AdwMessageDialog     *dialog,
                       const char           *response,
                       WbHostNetworkManager *self)
{
  const char *name = g_object_get_data (G_OBJECT (dialog), "name");

  if (g_strcmp0 (response, "remove") == 0)
    wb_dbus_engine_call_remove_host_only_if (self->engine, name, self->cancellable,
                                             wb_ui_toast_reply_cb,
                                             g_object_ref (self->toast_overlay));
}

static void
on_remove_clicked_cb (WbHostNetworkManager *self)
{
  g_autofree char *heading = NULL;
  const char *name;
  GtkWidget *dialog;

  if (self->current == NULL)
    return;

  name = wb_dbus_host_only_if_get_name (self->current);
  /* Translators: the heading of the confirmation, with the interface's name */
  heading = g_strdup_printf (_("Remove “%s”?"), name);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("The interface and its DHCP server are removed. "
                                     "Adapters attached to it are left without a network."));
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

/* --- GObject ------------------------------------------------------------------------ */

static void
wb_host_network_manager_constructed (GObject *object)
{
  WbHostNetworkManager *self = WB_HOST_NETWORK_MANAGER (object);
  g_autolist(GDBusObject) objects = NULL;

  G_OBJECT_CLASS (wb_host_network_manager_parent_class)->constructed (object);

  g_signal_connect_object (self->manager, "object-added", G_CALLBACK (on_object_added_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "object-removed", G_CALLBACK (on_object_removed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "interface-proxy-properties-changed",
                           G_CALLBACK (on_properties_changed_cb), self, G_CONNECT_SWAPPED);

  objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      WbDBusHostOnlyIf *hif = wb_dbus_object_peek_host_only_if (WB_DBUS_OBJECT (l->data));

      if (hif != NULL)
        wb_ui_store_append_named (self->ifs, hif);
    }
  update_list_page (self);
  on_selection_changed_cb (self);
}

static void
wb_host_network_manager_dispose (GObject *object)
{
  WbHostNetworkManager *self = WB_HOST_NETWORK_MANAGER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_HOST_NETWORK_MANAGER);
  g_clear_object (&self->current);
  g_clear_object (&self->ifs);
  g_clear_pointer (&self->dhcp_cells, g_ptr_array_unref);
  g_clear_object (&self->manager);
  g_clear_object (&self->engine);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->select_name, g_free);

  G_OBJECT_CLASS (wb_host_network_manager_parent_class)->dispose (object);
}

static void
wb_host_network_manager_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  WbHostNetworkManager *self = WB_HOST_NETWORK_MANAGER (object);

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
wb_host_network_manager_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  WbHostNetworkManager *self = WB_HOST_NETWORK_MANAGER (object);

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
wb_host_network_manager_class_init (WbHostNetworkManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wb_host_network_manager_constructed;
  object_class->dispose = wb_host_network_manager_dispose;
  object_class->get_property = wb_host_network_manager_get_property;
  object_class->set_property = wb_host_network_manager_set_property;

  properties[PROP_MANAGER] =
    g_param_spec_object ("manager", NULL, NULL, G_TYPE_DBUS_OBJECT_MANAGER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, WB_DBUS_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WB_DBUS_TYPE_HOST_ONLY_IF);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-host-network-manager.ui");
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, selection);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, sorted_ifs);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, create_button);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, remove_button);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, properties_button);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, properties_revealer);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, properties_stack);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, ipv4_row);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, mask_row);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, ipv6_row);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, ipv6_prefix_row);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, dhcp_switch);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, server_row);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, server_mask_row);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, lower_row);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, upper_row);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, reset_button);
  gtk_widget_class_bind_template_child (widget_class, WbHostNetworkManager, apply_button);
  gtk_widget_class_bind_template_callback (widget_class, ipv4_text_cb);
  gtk_widget_class_bind_template_callback (widget_class, ipv6_text_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dhcp_cell_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dhcp_cell_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dhcp_cell_unbind_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_adapter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dhcp_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_apply_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_create_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked_cb);
}

static void
wb_host_network_manager_init (WbHostNetworkManager *self)
{
  self->cancellable = g_cancellable_new ();
  self->ifs = g_list_store_new (WB_DBUS_TYPE_HOST_ONLY_IF);
  self->dhcp_cells = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_sort_list_model_set_model (self->sorted_ifs, G_LIST_MODEL (self->ifs));
  g_signal_connect_object (self->sorted_ifs, "items-changed", G_CALLBACK (on_ifs_changed_cb),
                           self, G_CONNECT_SWAPPED);
}

WbHostNetworkManager *
wb_host_network_manager_new (GtkWindow          *parent,
                             GDBusObjectManager *manager,
                             WbDBusEngine       *engine)
{
  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager), NULL);
  g_return_val_if_fail (WB_DBUS_IS_ENGINE (engine), NULL);

  return g_object_new (WB_TYPE_HOST_NETWORK_MANAGER,
                       "transient-for", parent,
                       "manager", manager,
                       "engine", engine,
                       NULL);
}
