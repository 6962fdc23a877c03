/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Asks for the name of a new VM. Its "response" is "create" or "cancel";
 * the caller makes the VM (the engine judges the name).
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WB_TYPE_NEW_VM_DIALOG (wb_new_vm_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WbNewVmDialog, wb_new_vm_dialog, WB, NEW_VM_DIALOG, AdwMessageDialog)

WbNewVmDialog *wb_new_vm_dialog_new      (GtkWindow     *parent);
const char    *wb_new_vm_dialog_get_name (WbNewVmDialog *self);

G_END_DECLS
