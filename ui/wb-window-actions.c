/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-window-private.h"

#include <glib/gi18n.h>

#include "wb-example-lab.h"
#include "wb-host-network-manager.h"
#include "wb-new-vm-dialog.h"
#include "wb-preferences-window.h"
#include "wb-ui-util.h"
#include "wb-vm-settings-dialog.h"

void
_wb_window_update_actions (WbWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean ready = self->engine != NULL && self->manager != NULL;
  gboolean selected = ready && self->selected_vm != NULL;
  gboolean running = selected && g_strcmp0 (wb_dbus_vm_get_state (self->selected_vm), "running") == 0;

  gtk_widget_action_set_enabled (widget, "win.new-vm", ready);
  gtk_widget_action_set_enabled (widget, "win.load-example-lab", ready && !self->lab_loading);
  gtk_widget_action_set_enabled (widget, "win.host-network-manager", ready);
  gtk_widget_action_set_enabled (widget, "win.preferences", ready);
  gtk_widget_action_set_enabled (widget, "win.start-vm", selected && !running);
  gtk_widget_action_set_enabled (widget, "win.stop-vm", running);
  gtk_widget_action_set_enabled (widget, "win.vm-settings", selected);
  /* A running VM is powered off first, as in VirtualBox. */
  gtk_widget_action_set_enabled (widget, "win.delete-vm", selected && !running);
}

/* --- start, stop, settings -------------------------------------------------- */

static void
start_vm_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  WbWindow *self = WB_WINDOW (widget);

  if (self->selected_vm == NULL)
    return;
  wb_dbus_engine_call_start_vm (self->engine, wb_dbus_vm_get_uuid (self->selected_vm), "gui",
                                self->cancellable, wb_ui_toast_reply_cb,
                                g_object_ref (self->toast_overlay));
}

static void
stop_vm_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  WbWindow *self = WB_WINDOW (widget);
  const char *no_args[] = { NULL };

  if (self->selected_vm == NULL)
    return;
  wb_dbus_engine_call_control_vm (self->engine, wb_dbus_vm_get_uuid (self->selected_vm),
                                  "poweroff", 0, no_args, self->cancellable,
                                  wb_ui_toast_reply_cb, g_object_ref (self->toast_overlay));
}

static void
vm_settings_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  WbWindow *self = WB_WINDOW (widget);

  if (self->selected_vm == NULL)
    return;
  wb_vm_settings_dialog_present (self->selected_vm, self->connection, GTK_WINDOW (self));
}

/* --- new and delete ----------------------------------------------------------- */

typedef struct
{
  WbWindow *window;
  char     *name;
} CreateData;

static void
create_data_free (CreateData *data)
{
  g_clear_object (&data->window);
  g_free (data->name);
  g_free (data);
}

static void
on_vm_created_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CreateData *data = user_data;
  g_autofree char *uuid = NULL;
  g_autoptr(GError) error = NULL;

  if (wb_dbus_engine_call_create_vm_finish (WB_DBUS_ENGINE (source), &uuid, result, &error))
    _wb_window_select_vm_named (data->window, data->name);
  else
    wb_ui_toast_error (data->window->toast_overlay, error);
  create_data_free (data);
}

static void
on_new_vm_response_cb (WbNewVmDialog *dialog,
                       const char    *response,
                       WbWindow      *self)
{
  CreateData *data;

  if (g_strcmp0 (response, "create") != 0)
    return;

  data = g_new0 (CreateData, 1);
  data->window = g_object_ref (self);
  data->name = g_strdup (wb_new_vm_dialog_get_name (dialog));
  wb_dbus_engine_call_create_vm (self->engine, data->name, TRUE, self->cancellable,
                                 on_vm_created_cb, data);
}

static void
new_vm_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WbWindow *self = WB_WINDOW (widget);
  WbNewVmDialog *dialog = wb_new_vm_dialog_new (GTK_WINDOW (self));

  g_signal_connect_object (dialog, "response", G_CALLBACK (on_new_vm_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_delete_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       WbWindow         *self)
{
  const char *uuid = g_object_get_data (G_OBJECT (dialog), "uuid");

  if (g_strcmp0 (response, "delete") != 0)
    return;
  wb_dbus_engine_call_delete_vm (self->engine, uuid, FALSE, self->cancellable,
                                 wb_ui_toast_reply_cb, g_object_ref (self->toast_overlay));
}

static void
delete_vm_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  WbWindow *self = WB_WINDOW (widget);
  GtkWidget *dialog;
  g_autofree char *heading = NULL;

  if (self->selected_vm == NULL)
    return;

  /* Translators: the heading of the confirmation, with the VM's name */
  heading = g_strdup_printf (_("Delete “%s”?"), wb_dbus_vm_get_name (self->selected_vm));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("The virtual machine and its network settings are removed for good."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "uuid",
                          g_strdup (wb_dbus_vm_get_uuid (self->selected_vm)), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- the example lab ---------------------------------------------------------- */

static void
on_lab_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WbWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean loaded = wb_example_lab_load_finish (result, &error);

  self->lab_loading = FALSE;
  /* The window went away meanwhile. */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (!loaded)
    wb_ui_toast_error (self->toast_overlay, error);
  else
    {
      if (gtk_single_selection_get_selected_item (self->selection) == NULL ||
          self->select_name != NULL)
        _wb_window_select_vm_named (self, "Router");
      if (self->lab_announce)
        _wb_window_toast (self, _("Example lab loaded"));
    }
  _wb_window_update_page (self);
  _wb_window_update_actions (self);
}

void
_wb_window_load_example_lab (WbWindow *self,
                             gboolean  announce)
{
  if (self->lab_loading)
    return;

  self->lab_loading = TRUE;
  self->lab_announce = announce;
  _wb_window_update_page (self);
  _wb_window_update_actions (self);
  wb_example_lab_load_async (self->connection, self->cancellable, on_lab_loaded_cb,
                             g_object_ref (self));
}

static void
load_example_lab_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  _wb_window_load_example_lab (WB_WINDOW (widget), TRUE);
}

/* --- the other windows ---------------------------------------------------------- */

static void
host_network_manager_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  WbWindow *self = WB_WINDOW (widget);

  if (self->host_network_manager == NULL)
    {
      GtkWindow *window = GTK_WINDOW (wb_host_network_manager_new (GTK_WINDOW (self), self->manager,
                                                                   self->engine));

      g_set_weak_pointer (&self->host_network_manager, window);
    }
  gtk_window_present (self->host_network_manager);
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  WbWindow *self = WB_WINDOW (widget);

  if (self->preferences == NULL)
    {
      GtkWindow *window = GTK_WINDOW (wb_preferences_window_new (GTK_WINDOW (self), self->manager,
                                                                 self->engine));

      g_set_weak_pointer (&self->preferences, window);
    }
  gtk_window_present (self->preferences);
}

/* --- closing while VMs run ---------------------------------------------------- */

static void
on_poweroff_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WbWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_engine_call_control_vm_finish (WB_DBUS_ENGINE (source), result, &error))
    g_warning ("Cannot power off a VM: %s", error->message);

  if (--self->pending_poweroffs == 0)
    {
      self->quit_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static void
on_quit_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     WbWindow         *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->vms));
  const char *no_args[] = { NULL };

  if (g_strcmp0 (response, "poweroff") != 0)
    return;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WbDBusVm) vm = g_list_model_get_item (G_LIST_MODEL (self->vms), i);

      if (g_strcmp0 (wb_dbus_vm_get_state (vm), "running") != 0)
        continue;
      self->pending_poweroffs++;
      wb_dbus_engine_call_control_vm (self->engine, wb_dbus_vm_get_uuid (vm), "poweroff", 0,
                                      no_args, NULL, on_poweroff_done_cb, g_object_ref (self));
    }

  if (self->pending_poweroffs == 0)
    {
      self->quit_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

gboolean
_wb_window_confirm_close (WbWindow *self)
{
  guint running;
  GtkWidget *dialog;
  g_autofree char *body = NULL;

  if (self->quit_confirmed || self->engine == NULL)
    return TRUE;
  if (self->pending_poweroffs > 0)
    return FALSE;
  if ((running = _wb_window_count_running (self)) == 0)
    return TRUE;

  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u virtual machine is running. Quitting powers it off.",
                                       "%u virtual machines are running. Quitting powers them off.",
                                       running),
                          running);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Power Off and Quit?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "poweroff", _("_Power Off and Quit"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "poweroff",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_quit_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return FALSE;
}

void
_wb_window_class_init_actions (WbWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.new-vm", NULL, new_vm_action);
  gtk_widget_class_install_action (widget_class, "win.delete-vm", NULL, delete_vm_action);
  gtk_widget_class_install_action (widget_class, "win.start-vm", NULL, start_vm_action);
  gtk_widget_class_install_action (widget_class, "win.stop-vm", NULL, stop_vm_action);
  gtk_widget_class_install_action (widget_class, "win.vm-settings", NULL, vm_settings_action);
  gtk_widget_class_install_action (widget_class, "win.load-example-lab", NULL,
                                   load_example_lab_action);
  gtk_widget_class_install_action (widget_class, "win.host-network-manager", NULL,
                                   host_network_manager_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
}
