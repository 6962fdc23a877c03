/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * VM Settings > Network: the tabs "Adapter 1" to "Adapter 4" of one VM,
 * with OK, Apply and Cancel. Apply sends every edit of every tab in one
 * Vm.Modify call (all or nothing, the engine's guarantee); while the VM
 * runs it sends them as Engine.ControlVm calls instead, in effect when
 * Apply returns. An engine error is shown as a toast.
 */
#pragma once

#include <adwaita.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

#define WB_TYPE_VM_SETTINGS_DIALOG (wb_vm_settings_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WbVmSettingsDialog, wb_vm_settings_dialog, WB, VM_SETTINGS_DIALOG, AdwWindow)

/* Opens the dialog for @vm (a proxy from the engine's object manager on
 * @connection), modal for @parent; presents the open one instead when
 * there is one for @vm. */
void                wb_vm_settings_dialog_present (WbDBusVm        *vm,
                                                   GDBusConnection *connection,
                                                   GtkWindow       *parent);

WbDBusVm           *wb_vm_settings_dialog_get_vm  (WbVmSettingsDialog *self);

/* The Adapter dictionary of @slot in @adapters (the aa{sv} of a VM), or
 * NULL. */
GVariant           *wb_vm_find_adapter            (GVariant            *adapters,
                                                   guint                slot);

/* Runs @calls, an a(suas) of Engine.ControlVm (key, slot, args) on @vm,
 * one after the other; stops at the first error. */
void                wb_vm_control_async           (WbDBusVm            *vm,
                                                   GVariant            *calls,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean            wb_vm_control_finish          (GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
