/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The selected VM's details: its enabled adapters with their settings and,
 * while the VM runs, their addresses and counters (refreshed every 2 s).
 * The buttons act through the window's win.* actions.
 */
#pragma once

#include <adwaita.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

#define WB_TYPE_VM_DETAILS (wb_vm_details_get_type ())
G_DECLARE_FINAL_TYPE (WbVmDetails, wb_vm_details, WB, VM_DETAILS, AdwBin)

WbDBusVm *wb_vm_details_get_vm     (WbVmDetails  *self);
void      wb_vm_details_set_vm     (WbVmDetails  *self,
                                    WbDBusVm     *vm);
void      wb_vm_details_set_engine (WbVmDetails  *self,
                                    WbDBusEngine *engine);

G_END_DECLS
