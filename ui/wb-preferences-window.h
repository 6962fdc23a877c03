/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Preferences > Network: the NAT networks, each with an enable switch,
 * Edit and Remove, and Add. The list follows the engine's object manager.
 */
#pragma once

#include <adwaita.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

#define WB_TYPE_PREFERENCES_WINDOW (wb_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (WbPreferencesWindow, wb_preferences_window, WB, PREFERENCES_WINDOW, AdwPreferencesWindow)

WbPreferencesWindow *wb_preferences_window_new (GtkWindow          *parent,
                                                GDBusObjectManager *manager,
                                                WbDBusEngine       *engine);

G_END_DECLS
