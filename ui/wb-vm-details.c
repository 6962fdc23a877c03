/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-vm-details.h"

#include <glib/gi18n.h>

#include "wb-ui-util.h"

#define REFRESH_INTERVAL_MS 2000

/* The rows of one adapter that change while the VM runs. */
typedef struct
{
  guint      slot;
  GtkLabel  *address;
  GtkLabel  *received;
  GtkLabel  *sent;
  GtkLabel  *dropped;
  GtkWidget *dropped_row;
} LiveRows;

struct _WbVmDetails
{
  AdwBin        parent_instance;

  WbDBusVm     *vm;
  WbDBusEngine *engine;
  GCancellable *refresh_cancellable;
  guint         refresh_id;
  GArray       *live_rows;   /* of LiveRows */

  /* Template children. */
  GtkLabel     *name_label;
  GtkLabel     *state_label;
  GtkBox       *adapters_box;
};

G_DEFINE_FINAL_TYPE (WbVmDetails, wb_vm_details, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_VM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
is_running (WbVmDetails *self)
{
  return self->vm != NULL && g_strcmp0 (wb_dbus_vm_get_state (self->vm), "running") == 0;
}

/* A row with the value as a dimmed, selectable suffix label. */
static GtkLabel *
add_value_row (AdwPreferencesGroup *group,
               const char          *title,
               const char          *value,
               GtkWidget          **row_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (value);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  adw_preferences_group_add (group, row);
  if (row_out != NULL)
    *row_out = row;
  return GTK_LABEL (label);
}

static void
add_rules_row (AdwPreferencesGroup *group,
               GVariant            *rules)
{
  GtkWidget *expander = adw_expander_row_new ();
  GVariantIter iter;
  const char *name, *proto, *host_ip, *guest_ip;
  guint16 host_port, guest_port;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Port Forwarding"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                 _("Host ports that lead to the guest"));
  g_variant_iter_init (&iter, rules);
  while (g_variant_iter_next (&iter, "(&s&s&sq&sq)", &name, &proto, &host_ip, &host_port,
                              &guest_ip, &guest_port))
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label;
      g_autofree char *value = NULL;

      /* Translators: a port-forwarding rule, "TCP 127.0.0.1:8022 → 22";
       * an empty address is shown as "*". */
      value = g_strdup_printf (_("%s %s:%u → %s%s%u"),
                               g_ascii_strcasecmp (proto, "udp") == 0 ? "UDP" : "TCP",
                               *host_ip != '\0' ? host_ip : "*", host_port,
                               guest_ip, *guest_ip != '\0' ? ":" : "", guest_port);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      label = gtk_label_new (value);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
    }
  adw_preferences_group_add (group, expander);
}

static char *
guest_address_text (GVariant *adapter)
{
  gboolean dhcp = TRUE;
  const char *address = "";
  const char *gateway = "";

  g_variant_lookup (adapter, "guest-dhcp", "b", &dhcp);
  g_variant_lookup (adapter, "guest-address", "&s", &address);
  g_variant_lookup (adapter, "guest-gateway", "&s", &gateway);
  if (dhcp || *address == '\0')
    return g_strdup (_("DHCP"));
  if (*gateway != '\0')
    /* Translators: "192.168.23.2/24 via 192.168.23.1" (the gateway) */
    return g_strdup_printf (_("%s via %s"), address, gateway);
  return g_strdup (address);
}

static void
add_adapter_group (WbVmDetails *self,
                   GVariant    *adapter)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  const char *attachment = "null";
  const char *type = "";
  const char *mac = "";
  const char *target = NULL;
  const char *key;
  gboolean cable = TRUE;
  gboolean masquerade = FALSE;
  guint32 slot = 0;
  g_autofree char *title = NULL;
  g_autofree char *mac_text = NULL;
  g_autofree char *guest = NULL;
  g_autoptr(GVariant) rules = NULL;
  GtkWidget *row = NULL;

  g_variant_lookup (adapter, "slot", "u", &slot);
  g_variant_lookup (adapter, "attachment", "&s", &attachment);
  g_variant_lookup (adapter, "type", "&s", &type);
  g_variant_lookup (adapter, "mac", "&s", &mac);
  g_variant_lookup (adapter, "cable", "b", &cable);
  g_variant_lookup (adapter, "masquerade", "b", &masquerade);
  rules = g_variant_lookup_value (adapter, "rules", G_VARIANT_TYPE ("a(sssqsq)"));

  /* Translators: the title of an adapter's group, "Adapter 1" */
  title = g_strdup_printf (_("Adapter %u"), slot);
  adw_preferences_group_set_title (group, title);

  add_value_row (group, _("Attached to"), wb_ui_attachment_label (attachment), &row);
  gtk_widget_set_tooltip_text (row, wb_ui_attachment_tooltip (attachment));
  key = wb_ui_attachment_target_key (attachment);
  if (key != NULL && g_variant_lookup (adapter, key, "&s", &target) && *target != '\0')
    add_value_row (group, _("Name"), target, NULL);
  add_value_row (group, _("Adapter Type"), wb_ui_adapter_type_label (type), NULL);
  mac_text = wb_ui_format_mac (mac);
  add_value_row (group, _("MAC Address"), mac_text, NULL);
  add_value_row (group, _("Cable Connected"), cable ? _("Yes") : _("No"), NULL);
  guest = guest_address_text (adapter);
  add_value_row (group, _("Guest Address"), guest, NULL);
  if (masquerade)
    add_value_row (group, _("Masquerading"), _("On"), NULL);
  if (g_strcmp0 (attachment, "nat") == 0 && rules != NULL && g_variant_n_children (rules) > 0)
    add_rules_row (group, rules);

  if (is_running (self))
    {
      LiveRows live = { .slot = slot };

      live.address = add_value_row (group, _("Current Address"), "…", NULL);
      live.received = add_value_row (group, _("Received"), "…", NULL);
      live.sent = add_value_row (group, _("Sent"), "…", NULL);
      live.dropped = add_value_row (group, _("Dropped"), "0", &live.dropped_row);
      gtk_widget_set_tooltip_text (live.dropped_row,
                                   _("Frames the adapter or its network did not deliver"));
      gtk_widget_set_visible (live.dropped_row, FALSE);
      g_array_append_val (self->live_rows, live);
    }

  gtk_box_append (self->adapters_box, GTK_WIDGET (group));
}

static LiveRows *
find_live_rows (WbVmDetails *self,
                guint        slot)
{
  for (guint i = 0; i < self->live_rows->len; i++)
    {
      LiveRows *live = &g_array_index (self->live_rows, LiveRows, i);

      if (live->slot == slot)
        return live;
    }
  return NULL;
}

static void
on_stats_ready_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  WbVmDetails *self = user_data;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *nic;

  if (!wb_dbus_engine_call_get_nic_stats_finish (WB_DBUS_ENGINE (source), &stats, result, &error))
    return;  /* cancelled, or the VM stopped in between: the next turn tells */

  g_variant_iter_init (&iter, stats);
  while ((nic = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = nic;
      g_autoptr(GVariant) drops = NULL;
      guint64 frames_in = 0, bytes_in = 0, frames_out = 0, bytes_out = 0, dropped = 0;
      const char *address = "";
      gboolean link = TRUE;
      guint32 slot = 0;
      g_autofree char *received = NULL;
      g_autofree char *sent = NULL;
      g_autofree char *dropped_text = NULL;
      LiveRows *live;

      g_variant_lookup (nic, "slot", "u", &slot);
      if ((live = find_live_rows (self, slot)) == NULL)
        continue;
      g_variant_lookup (nic, "frames-in", "t", &frames_in);
      g_variant_lookup (nic, "bytes-in", "t", &bytes_in);
      g_variant_lookup (nic, "frames-out", "t", &frames_out);
      g_variant_lookup (nic, "bytes-out", "t", &bytes_out);
      g_variant_lookup (nic, "address", "&s", &address);
      g_variant_lookup (nic, "link", "b", &link);
      drops = g_variant_lookup_value (nic, "drops", G_VARIANT_TYPE ("a{st}"));
      if (drops != NULL)
        {
          GVariantIter d;
          guint64 count;

          g_variant_iter_init (&d, drops);
          while (g_variant_iter_next (&d, "{&st}", NULL, &count))
            dropped += count;
        }

      received = wb_ui_format_traffic (frames_in, bytes_in);
      sent = wb_ui_format_traffic (frames_out, bytes_out);
      gtk_label_set_label (live->received, received);
      gtk_label_set_label (live->sent, sent);
      dropped_text = g_strdup_printf ("%" G_GUINT64_FORMAT, dropped);
      gtk_label_set_label (live->dropped, dropped_text);
      gtk_widget_set_visible (live->dropped_row, dropped > 0);
      if (!link)
        gtk_label_set_label (live->address, _("Link down"));
      else if (*address != '\0')
        gtk_label_set_label (live->address, address);
    }
}

static void
on_properties_ready_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  WbVmDetails *self = user_data;
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_engine_call_get_guest_properties_finish (WB_DBUS_ENGINE (source), &props, result, &error))
    return;

  for (guint i = 0; i < self->live_rows->len; i++)
    {
      LiveRows *live = &g_array_index (self->live_rows, LiveRows, i);
      /* The guest numbers its interfaces like the adapters, from 0. */
      g_autofree char *name = g_strdup_printf ("/VirtualBox/GuestInfo/Net/%u/V4/IP", live->slot - 1);
      const char *ip = NULL;

      if (g_variant_lookup (props, name, "&s", &ip) && *ip != '\0')
        gtk_label_set_label (live->address, ip);
      else if (g_strcmp0 (gtk_label_get_label (live->address), "…") == 0)
        gtk_label_set_label (live->address, _("No address yet"));
    }
}

static gboolean
refresh_cb (gpointer user_data)
{
  WbVmDetails *self = user_data;
  const char *uuid;

  if (self->engine == NULL || !is_running (self) || self->live_rows->len == 0)
    return G_SOURCE_CONTINUE;

  uuid = wb_dbus_vm_get_uuid (self->vm);
  wb_dbus_engine_call_get_guest_properties (self->engine, uuid, self->refresh_cancellable,
                                            on_properties_ready_cb, self);
  wb_dbus_engine_call_get_nic_stats (self->engine, uuid, self->refresh_cancellable,
                                     on_stats_ready_cb, self);
  return G_SOURCE_CONTINUE;
}

static void
stop_refresh (WbVmDetails *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
}

static void
on_adapters_loaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GVariant) adapters = NULL;
  g_autoptr(GError) error = NULL;

  /* The proxy's Adapters follows, and with it the details. */
  if (!wb_dbus_vm_call_load_adapters_finish (WB_DBUS_VM (source), &adapters, result, &error))
    g_debug ("Cannot load the adapters: %s", error->message);
}

static void
rebuild (WbVmDetails *self)
{
  GtkWidget *child;
  GVariant *adapters;
  gboolean any = FALSE;

  stop_refresh (self);
  g_array_set_size (self->live_rows, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->adapters_box))) != NULL)
    gtk_box_remove (self->adapters_box, child);

  if (self->vm == NULL)
    {
      gtk_label_set_label (self->name_label, "");
      gtk_label_set_label (self->state_label, "");
      return;
    }

  gtk_label_set_label (self->name_label, wb_dbus_vm_get_name (self->vm));
  gtk_label_set_label (self->state_label, is_running (self) ? _("Running") : _("Powered Off"));

  adapters = wb_dbus_vm_get_adapters (self->vm);
  if (adapters != NULL && g_variant_n_children (adapters) == 0)
    {
      /* Subscribed to summaries: not loaded yet. */
      wb_dbus_vm_call_load_adapters (self->vm, NULL, on_adapters_loaded_cb, NULL);
      return;
    }
  if (adapters != NULL)
    {
      GVariantIter iter;
      GVariant *adapter;

      g_variant_iter_init (&iter, adapters);
      while ((adapter = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(GVariant) owned = adapter;
          gboolean enabled = FALSE;

          g_variant_lookup (adapter, "enabled", "b", &enabled);
          if (!enabled)
            continue;
          add_adapter_group (self, adapter);
          any = TRUE;
        }
    }

  if (!any)
    {
      GtkWidget *page = adw_status_page_new ();

      adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "network-offline-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (page), _("No Network Adapters"));
      adw_status_page_set_description (ADW_STATUS_PAGE (page),
                                       _("Enable an adapter in the virtual machine’s settings."));
      gtk_widget_add_css_class (page, "compact");
      gtk_box_append (self->adapters_box, page);
    }

  if (is_running (self))
    {
      self->refresh_cancellable = g_cancellable_new ();
      self->refresh_id = g_timeout_add (REFRESH_INTERVAL_MS, refresh_cb, self);
      refresh_cb (self);
    }
}

static void
on_vm_changed_cb (WbVmDetails *self)
{
  rebuild (self);
}

WbDBusVm *
wb_vm_details_get_vm (WbVmDetails *self)
{
  g_return_val_if_fail (WB_IS_VM_DETAILS (self), NULL);

  return self->vm;
}

void
wb_vm_details_set_vm (WbVmDetails *self,
                      WbDBusVm    *vm)
{
  g_return_if_fail (WB_IS_VM_DETAILS (self));
  g_return_if_fail (vm == NULL || WB_DBUS_IS_VM (vm));

  if (self->vm == vm)
    return;

  if (self->vm != NULL)
    g_signal_handlers_disconnect_by_func (self->vm, on_vm_changed_cb, self);
  g_set_object (&self->vm, vm);
  if (vm != NULL)
    {
      g_signal_connect_object (vm, "notify::adapters", G_CALLBACK (on_vm_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (vm, "notify::state", G_CALLBACK (on_vm_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VM]);
}

void
wb_vm_details_set_engine (WbVmDetails  *self,
                          WbDBusEngine *engine)
{
  g_return_if_fail (WB_IS_VM_DETAILS (self));

  if (g_set_object (&self->engine, engine))
    rebuild (self);
}

static void
wb_vm_details_dispose (GObject *object)
{
  WbVmDetails *self = WB_VM_DETAILS (object);

  stop_refresh (self);
  if (self->vm != NULL)
    g_signal_handlers_disconnect_by_func (self->vm, on_vm_changed_cb, self);
  g_clear_object (&self->vm);
  g_clear_object (&self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_VM_DETAILS);

  G_OBJECT_CLASS (wb_vm_details_parent_class)->dispose (object);
}

static void
wb_vm_details_finalize (GObject *object)
{
  WbVmDetails *self = WB_VM_DETAILS (object);

  g_clear_pointer (&self->live_rows, g_array_unref);

  G_OBJECT_CLASS (wb_vm_details_parent_class)->finalize (object);
}

static void
wb_vm_details_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WbVmDetails *self = WB_VM_DETAILS (object);

  switch (prop_id)
    {
    case PROP_VM:
      g_value_set_object (value, self->vm);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_vm_details_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  WbVmDetails *self = WB_VM_DETAILS (object);

  switch (prop_id)
    {
    case PROP_VM:
      wb_vm_details_set_vm (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_vm_details_class_init (WbVmDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wb_vm_details_dispose;
  object_class->finalize = wb_vm_details_finalize;
  object_class->get_property = wb_vm_details_get_property;
  object_class->set_property = wb_vm_details_set_property;

  properties[PROP_VM] =
    g_param_spec_object ("vm", NULL, NULL, WB_DBUS_TYPE_VM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-vm-details.ui");
  gtk_widget_class_bind_template_child (widget_class, WbVmDetails, name_label);
  gtk_widget_class_bind_template_child (widget_class, WbVmDetails, state_label);
  gtk_widget_class_bind_template_child (widget_class, WbVmDetails, adapters_box);
}

static void
wb_vm_details_init (WbVmDetails *self)
{
  self->live_rows = g_array_new (FALSE, TRUE, sizeof (LiveRows));
  gtk_widget_init_template (GTK_WIDGET (self));
}
