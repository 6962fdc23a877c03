/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Adds or edits one NAT network: name (fixed once the network exists),
 * CIDR, "Supports DHCP", "Supports IPv6" and its port-forwarding rules.
 * Fields are marked as they are typed and OK stays off while one is
 * malformed; OK sends one call, and the engine's refusal shows as a toast
 * with the dialog left open.
 */
#pragma once

#include <adwaita.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

#define WB_TYPE_NAT_NETWORK_DIALOG (wb_nat_network_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WbNatNetworkDialog, wb_nat_network_dialog, WB, NAT_NETWORK_DIALOG, AdwWindow)

/* @network NULL adds a network, proposing @new_name and 10.0.2.0/24. */
WbNatNetworkDialog *wb_nat_network_dialog_new (GtkWindow        *parent,
                                               WbDBusEngine     *engine,
                                               WbDBusNatNetwork *network,
                                               const char       *new_name);

G_END_DECLS
