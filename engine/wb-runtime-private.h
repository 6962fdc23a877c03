/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What tests may look at inside the running world (wb-runtime.c).
 */
#pragma once

#include "wb-guest.h"
#include "wb-host-endpoint.h"
#include "wb-lan.h"
#include "wb-runtime.h"
#include "wb-slirp.h"

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

/* A running VM's configuration as it runs (controlvm keeps it current;
 * also VMs that are not stored), NULL if it does not run. */
const WbVm *_wb_runtime_get_vm         (WbRuntime  *self,
                                        const char *name_or_uuid);
/* The settings it runs (held for as long as it lives). */
WbSettings *_wb_runtime_get_settings   (WbRuntime  *self);

/* What stands on a network (segment) of the running world, for the
 * connectivity matrix's walk. */
typedef struct
{
  const char     *key;          /* "intnet:lab", "nat:UUID:1", ... */
  WbSlirp        *slirp;        /* NAT: the router; NAT network: the gateway */
  WbHostEndpoint *host;         /* host-only: the host endpoint */
  WbLan          *lan;          /* bridged: the emulated LAN */
  const WbNatNetwork *natnet;   /* NAT network: its settings while it runs */
  /* Frames leave the engine there: a TAP device, the real interface, a
   * generic driver's tunnel. */
  gboolean        leaves;
} WbRuntimeNetwork;

/* The network adapter @slot (1-based) of running VM @uuid is a port of;
 * FALSE if it is on none. */
gboolean    _wb_runtime_get_adapter_network (WbRuntime        *self,
                                             const char       *uuid,
                                             guint             slot,
                                             WbRuntimeNetwork *network);
/* A network by key; FALSE if it is not up. */
gboolean    _wb_runtime_get_network    (WbRuntime        *self,
                                        const char       *key,
                                        WbRuntimeNetwork *network);

/* A runtime for a world of its own beside the user's (the modes matrix,
 * wb-modes.h), set before its first VM starts. Its VMs log and trace into
 * @dir (NULL: the settings home's logs folder). */
void        _wb_runtime_set_logs_dir   (WbRuntime        *self,
                                        const char       *dir);
/* Nothing of the host's is touched: host-only interfaces are always the
 * engine's host endpoint (never a TAP device), bridged adapters always the
 * emulated LAN (never the real interface), planned on @lan_network/
 * @lan_prefix (gateway .1, host .2) whatever interface they name. */
void        _wb_runtime_set_engine_only (WbRuntime       *self,
                                        guint32           lan_network,
                                        guint             lan_prefix);

G_END_DECLS
