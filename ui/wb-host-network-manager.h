/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * File > Host Network Manager: the host-only interfaces with Create,
 * Remove and Properties (the Adapter and DHCP Server tabs), as in
 * VirtualBox. A pure client of the engine: the lists follow its object
 * manager, changes go through Engine methods, refusals show as toasts.
 */
#pragma once

#include <adwaita.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

#define WB_TYPE_HOST_NETWORK_MANAGER (wb_host_network_manager_get_type ())
G_DECLARE_FINAL_TYPE (WbHostNetworkManager, wb_host_network_manager, WB, HOST_NETWORK_MANAGER, AdwWindow)

/* @manager: the engine's object manager (after Engine.Subscribe). */
WbHostNetworkManager *wb_host_network_manager_new (GtkWindow          *parent,
                                                   GDBusObjectManager *manager,
                                                   WbDBusEngine       *engine);

G_END_DECLS
