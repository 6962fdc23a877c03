/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-new-vm-dialog.h"

struct _WbNewVmDialog
{
  AdwMessageDialog  parent_instance;

  GtkEntry         *name_entry;
};

G_DEFINE_FINAL_TYPE (WbNewVmDialog, wb_new_vm_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
on_name_changed_cb (WbNewVmDialog *self)
{
  /* Only emptiness is decided here; the engine judges the rest. */
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "create", *name != '\0');
}

static void
wb_new_vm_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), WB_TYPE_NEW_VM_DIALOG);

  G_OBJECT_CLASS (wb_new_vm_dialog_parent_class)->dispose (object);
}

static void
wb_new_vm_dialog_class_init (WbNewVmDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wb_new_vm_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-new-vm-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WbNewVmDialog, name_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed_cb);
}

static void
wb_new_vm_dialog_init (WbNewVmDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

WbNewVmDialog *
wb_new_vm_dialog_new (GtkWindow *parent)
{
  return g_object_new (WB_TYPE_NEW_VM_DIALOG,
                       "transient-for", parent,
                       NULL);
}

const char *
wb_new_vm_dialog_get_name (WbNewVmDialog *self)
{
  g_return_val_if_fail (WB_IS_NEW_VM_DIALOG (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
}
