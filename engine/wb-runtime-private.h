/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What tests may look at inside the running world (wb-runtime.c).
 */
#pragma once

#include "wb-guest.h"
#include "wb-lan.h"
#include "wb-runtime.h"

G_BEGIN_DECLS

/* The guest of a running VM, NULL if it does not run. */
WbGuest    *_wb_runtime_get_guest      (WbRuntime  *self,
                                        const char *name_or_uuid);
/* Networks (segments) in use. */
guint       _wb_runtime_get_n_networks (WbRuntime  *self);
/* The emulated LAN of bridged interface @ifname, NULL if none runs. Its
 * stations (wb_lan_get_station) probe the VMs from the LAN's side; the
 * same stations answer `guestcontrol "bridged:IFACE/peer" run -- ...`. */
WbLan      *_wb_runtime_get_lan        (WbRuntime  *self,
                                        const char *ifname);

G_END_DECLS
