/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The "Port Forwarding Rules" dialog, for a VM's NAT adapter or for a NAT
 * network. The table marks what the engine would refuse while it is typed;
 * OK sends the difference (deletions, then additions) in one call and
 * stays open with the engine's message when the engine refuses it.
 */
#pragma once

#include <adwaita.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

typedef enum
{
  WB_PORT_FORWARDING_MODE_NAT,          /* an adapter: guest IP may be empty */
  WB_PORT_FORWARDING_MODE_NAT_NETWORK,  /* a NAT network: guest IP required */
} WbPortForwardingMode;

#define WB_TYPE_PORT_FORWARDING_EDITOR (wb_port_forwarding_editor_get_type ())
G_DECLARE_FINAL_TYPE (WbPortForwardingEditor, wb_port_forwarding_editor, WB, PORT_FORWARDING_EDITOR, AdwWindow)

/* The rules of adapter @slot of @vm (natpf / natpfdelete; through
 * Engine.ControlVm while the VM runs). */
WbPortForwardingEditor *wb_port_forwarding_editor_new_for_adapter     (WbDBusVm         *vm,
                                                                       guint             slot);
/* The rules of @network (portforward4 / portforward4delete). */
WbPortForwardingEditor *wb_port_forwarding_editor_new_for_nat_network (WbDBusNatNetwork *network);

WbPortForwardingMode    wb_port_forwarding_editor_get_mode            (WbPortForwardingEditor *self);
/* The rows being edited (WbPortForwardingRule). */
GListModel             *wb_port_forwarding_editor_get_rules           (WbPortForwardingEditor *self);

G_END_DECLS
