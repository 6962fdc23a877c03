/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The settings operations: every user-visible change, validated whole and
 * stored in one transaction (all or nothing), with a signal once it is
 * stored. Used by the D-Bus service; engine thread only.
 */
#pragma once

#include <glib-object.h>

#include "wb-model.h"
#include "wb-store.h"

G_BEGIN_DECLS

/* One modifyvm change: the option name without dashes, its slot, its value. */
typedef struct
{
  const char *key;
  guint       slot;
  const char *value;
} WbVmChange;

/* One natnetwork / dhcpserver option. */
typedef struct
{
  const char *key;
  const char *value;
} WbOption;

typedef enum
{
  WB_OBJECT_VM,
  WB_OBJECT_NAT_NETWORK,
  WB_OBJECT_HOST_ONLY_IF,
  WB_OBJECT_DHCP_SERVER,
} WbObjectKind;

#define WB_TYPE_SETTINGS (wb_settings_get_type ())
G_DECLARE_FINAL_TYPE (WbSettings, wb_settings, WB, SETTINGS, GObject)

/*
 * Signals, emitted after the transaction committed:
 *   "added"   (WbObjectKind kind, const char *id)
 *   "changed" (WbObjectKind kind, const char *id)
 *   "removed" (WbObjectKind kind, const char *id)
 * where id is a VM's UUID, or the name of a NAT network, host-only
 * interface or DHCP server's network.
 */

WbSettings   *wb_settings_new            (WbStore       *store);
WbStore      *wb_settings_get_store      (WbSettings    *self);

/* Running VMs refuse modifyvm (the message names controlvm) and deletion. */
void          wb_settings_set_vm_running (WbSettings    *self,
                                          const char    *uuid,
                                          gboolean       running);

/* Returns the new VM's UUID. MACs are unique among all VMs. */
char         *wb_settings_create_vm      (WbSettings    *self,
                                          const char    *name,
                                          gboolean       do_register,
                                          GError       **error);
gboolean      wb_settings_delete_vm      (WbSettings    *self,
                                          const char    *name_or_uuid,
                                          GError       **error);
/* Registered VMs only. */
WbVm         *wb_settings_get_vm         (WbSettings    *self,
                                          const char    *name_or_uuid,
                                          GError       **error);
gboolean      wb_settings_modify_vm      (WbSettings    *self,
                                          const char    *name_or_uuid,
                                          const WbVmChange *changes,
                                          gsize          n_changes,
                                          GError       **error);

/* As wb_settings_modify_vm, for a running VM: the runtime's controlvm path,
 * after it applied the change live. */
gboolean      wb_settings_modify_running_vm (WbSettings       *self,
                                             const char       *name_or_uuid,
                                             const WbVmChange *changes,
                                             gsize             n_changes,
                                             GError          **error);
/* guestconfig: wb_vm_apply_guest for each change, all or nothing. */
gboolean      wb_settings_configure_guest   (WbSettings       *self,
                                             const char       *name_or_uuid,
                                             const WbVmChange *changes,
                                             gsize             n_changes,
                                             GError          **error);

gboolean      wb_settings_add_nat_network    (WbSettings *self,
                                              const char *name,
                                              const WbOption *options,
                                              gsize       n_options,
                                              GError    **error);
gboolean      wb_settings_modify_nat_network (WbSettings *self,
                                              const char *name,
                                              const WbOption *options,
                                              gsize       n_options,
                                              GError    **error);
gboolean      wb_settings_remove_nat_network (WbSettings *self,
                                              const char *name,
                                              GError    **error);
gboolean      wb_settings_set_nat_network_running (WbSettings *self,
                                                   const char *name,
                                                   gboolean    running,
                                                   GError    **error);

/* Creates the lowest free vboxnetN and its DHCP server; returns its name. */
char         *wb_settings_create_host_only_if    (WbSettings *self,
                                                  GError    **error);
/* Also removes its DHCP server. Refused while an adapter of a running VM
 * uses it. */
gboolean      wb_settings_remove_host_only_if    (WbSettings *self,
                                                  const char *name,
                                                  GError    **error);
gboolean      wb_settings_configure_host_only_if (WbSettings *self,
                                                  const char *name,
                                                  const char *ip,
                                                  const char *netmask,
                                                  GError    **error);

/* Whether the engine's host endpoint on that network relays the VMs'
 * TCP/UDP to the host's 127.0.0.1 (DESIGN.md §5). */
gboolean      wb_settings_set_host_only_relay    (WbSettings *self,
                                                  const char *name,
                                                  gboolean    relay,
                                                  GError    **error);

gboolean      wb_settings_add_dhcp_server    (WbSettings *self,
                                              const char *network_name,
                                              const WbOption *options,
                                              gsize       n_options,
                                              GError    **error);
gboolean      wb_settings_modify_dhcp_server (WbSettings *self,
                                              const char *network_name,
                                              const WbOption *options,
                                              gsize       n_options,
                                              GError    **error);
gboolean      wb_settings_remove_dhcp_server (WbSettings *self,
                                              const char *network_name,
                                              GError    **error);

G_END_DECLS
