/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-nat-network-dialog.h"

#include <glib/gi18n.h>

#include "wb-port-forwarding-editor.h"
#include "wb-ui-util.h"

#define DEFAULT_CIDR "10.0.2.0/24"

struct _WbNatNetworkDialog
{
  AdwWindow         parent_instance;

  WbDBusEngine     *engine;
  WbDBusNatNetwork *network;     /* NULL while adding */
  GCancellable     *cancellable;
  gboolean          busy;

  /* Template children. */
  AdwToastOverlay  *toast_overlay;
  AdwWindowTitle   *window_title;
  GtkWidget        *ok_button;
  AdwEntryRow      *name_row;
  AdwEntryRow      *cidr_row;
  GtkSwitch        *dhcp_switch;
  GtkSwitch        *ipv6_switch;
  AdwActionRow     *port_forwarding_row;
};

G_DEFINE_FINAL_TYPE (WbNatNetworkDialog, wb_nat_network_dialog, ADW_TYPE_WINDOW)

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static gboolean
validate (WbNatNetworkDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (row_text (self->name_row)));
  gboolean ok = TRUE;

  /* Shape only; the engine decides whether the network may be made. */
  ok &= wb_ui_mark_valid (GTK_WIDGET (self->name_row), *name != '\0');
  ok &= wb_ui_mark_valid (GTK_WIDGET (self->cidr_row), wb_ui_is_ipv4_cidr (row_text (self->cidr_row)));
  gtk_widget_set_sensitive (self->ok_button, ok && !self->busy);
  return ok;
}

static void
on_field_changed_cb (WbNatNetworkDialog *self)
{
  validate (self);
}

static void
update_rules_subtitle (WbNatNetworkDialog *self)
{
  g_autoptr(GVariant) rules = NULL;
  g_autofree char *subtitle = NULL;
  gsize n = 0;

  if (self->network == NULL)
    {
      adw_action_row_set_subtitle (self->port_forwarding_row,
                                   _("Available once the network is added"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->port_forwarding_row), FALSE);
      return;
    }

  rules = g_variant_lookup_value (wb_dbus_nat_network_get_info (self->network), "rules",
                                  G_VARIANT_TYPE ("a(sssqsq)"));
  if (rules != NULL)
    n = g_variant_n_children (rules);
  if (n == 0)
    subtitle = g_strdup (_("No rules"));
  else
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u rule", "%u rules", (gulong) n),
                                (guint) n);
  adw_action_row_set_subtitle (self->port_forwarding_row, subtitle);
}

static void
on_port_forwarding_activated_cb (WbNatNetworkDialog *self)
{
  GtkWindow *editor;

  if (self->network == NULL)
    return;
  editor = GTK_WINDOW (wb_port_forwarding_editor_new_for_nat_network (self->network));
  gtk_window_set_transient_for (editor, GTK_WINDOW (self));
  gtk_window_set_modal (editor, TRUE);
  gtk_window_present (editor);
}

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WbNatNetworkDialog) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->busy = FALSE;
  if (reply == NULL)
    {
      wb_ui_toast_error (self->toast_overlay, error);
      validate (self);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_ok_clicked_cb (WbNatNetworkDialog *self)
{
  const char *cidr = row_text (self->cidr_row);
  gboolean dhcp = gtk_switch_get_active (self->dhcp_switch);
  gboolean ipv6 = gtk_switch_get_active (self->ipv6_switch);
  GVariantBuilder options;

  if (self->busy || !validate (self))
    return;

  g_variant_builder_init (&options, G_VARIANT_TYPE ("a(ss)"));
  if (self->network == NULL)
    {
      g_autofree char *name = g_strstrip (g_strdup (row_text (self->name_row)));

      g_variant_builder_add (&options, "(ss)", "network", cidr);
      g_variant_builder_add (&options, "(ss)", "enable", "");
      g_variant_builder_add (&options, "(ss)", "dhcp", dhcp ? "on" : "off");
      g_variant_builder_add (&options, "(ss)", "ipv6", ipv6 ? "on" : "off");
      wb_dbus_engine_call_add_nat_network (self->engine, name, g_variant_builder_end (&options),
                                           self->cancellable, on_done_cb, g_object_ref (self));
    }
  else
    {
      GVariant *info = wb_dbus_nat_network_get_info (self->network);
      gboolean changed = FALSE;

      /* Only what changed, so that OK on an untouched network is a no-op. */
      if (g_strcmp0 (cidr, wb_ui_info_string (info, "network")) != 0)
        {
          g_variant_builder_add (&options, "(ss)", "network", cidr);
          changed = TRUE;
        }
      if (dhcp != wb_ui_info_boolean (info, "dhcp", TRUE))
        {
          g_variant_builder_add (&options, "(ss)", "dhcp", dhcp ? "on" : "off");
          changed = TRUE;
        }
      if (ipv6 != wb_ui_info_boolean (info, "ipv6", FALSE))
        {
          g_variant_builder_add (&options, "(ss)", "ipv6", ipv6 ? "on" : "off");
          changed = TRUE;
        }
      if (!changed)
        {
          g_variant_builder_clear (&options);
          gtk_window_destroy (GTK_WINDOW (self));
          return;
        }
      wb_dbus_engine_call_modify_nat_network (self->engine,
                                              wb_dbus_nat_network_get_name (self->network),
                                              g_variant_builder_end (&options),
                                              self->cancellable, on_done_cb, g_object_ref (self));
    }

  self->busy = TRUE;
  validate (self);
}

static void
on_entry_activated_cb (WbNatNetworkDialog *self)
{
  if (gtk_widget_get_sensitive (self->ok_button))
    on_ok_clicked_cb (self);
}

static void
wb_nat_network_dialog_dispose (GObject *object)
{
  WbNatNetworkDialog *self = WB_NAT_NETWORK_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_NAT_NETWORK_DIALOG);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  g_clear_object (&self->network);

  G_OBJECT_CLASS (wb_nat_network_dialog_parent_class)->dispose (object);
}

static void
wb_nat_network_dialog_class_init (WbNatNetworkDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wb_nat_network_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-nat-network-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WbNatNetworkDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WbNatNetworkDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, WbNatNetworkDialog, ok_button);
  gtk_widget_class_bind_template_child (widget_class, WbNatNetworkDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, WbNatNetworkDialog, cidr_row);
  gtk_widget_class_bind_template_child (widget_class, WbNatNetworkDialog, dhcp_switch);
  gtk_widget_class_bind_template_child (widget_class, WbNatNetworkDialog, ipv6_switch);
  gtk_widget_class_bind_template_child (widget_class, WbNatNetworkDialog, port_forwarding_row);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_ok_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_port_forwarding_activated_cb);
}

static void
wb_nat_network_dialog_init (WbNatNetworkDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

WbNatNetworkDialog *
wb_nat_network_dialog_new (GtkWindow        *parent,
                           WbDBusEngine     *engine,
                           WbDBusNatNetwork *network,
                           const char       *new_name)
{
  WbNatNetworkDialog *self;
  GVariant *info;

  g_return_val_if_fail (WB_DBUS_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (network == NULL || WB_DBUS_IS_NAT_NETWORK (network), NULL);

  self = g_object_new (WB_TYPE_NAT_NETWORK_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->engine = g_object_ref (engine);

  if (network == NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Add NAT Network"));
      adw_window_title_set_title (self->window_title, _("Add NAT Network"));
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), new_name != NULL ? new_name : "");
      gtk_editable_set_text (GTK_EDITABLE (self->cidr_row), DEFAULT_CIDR);
    }
  else
    {
      self->network = g_object_ref (network);
      info = wb_dbus_nat_network_get_info (network);
      gtk_window_set_title (GTK_WINDOW (self), _("NAT Network Details"));
      adw_window_title_set_title (self->window_title, _("NAT Network Details"));
      adw_window_title_set_subtitle (self->window_title, wb_dbus_nat_network_get_name (network));
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), wb_dbus_nat_network_get_name (network));
      /* The name is the network's identity: fixed once it exists. */
      gtk_editable_set_editable (GTK_EDITABLE (self->name_row), FALSE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_row),
                                   _("The name cannot be changed once the network exists"));
      gtk_editable_set_text (GTK_EDITABLE (self->cidr_row), wb_ui_info_string (info, "network"));
      gtk_switch_set_active (self->dhcp_switch, wb_ui_info_boolean (info, "dhcp", TRUE));
      gtk_switch_set_active (self->ipv6_switch, wb_ui_info_boolean (info, "ipv6", FALSE));
      g_signal_connect_object (network, "notify::info", G_CALLBACK (update_rules_subtitle),
                               self, G_CONNECT_SWAPPED);
    }
  update_rules_subtitle (self);
  validate (self);
  return self;
}
