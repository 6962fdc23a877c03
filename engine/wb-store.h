/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The SQLite store: a versioned schema with migrations, foreign keys on, WAL.
 * Plain persistence of the model (wb-model.h); validation is the caller's
 * (wb-settings.c). Every write happens inside wb_store_begin()/commit(), so a
 * user-visible change is one transaction. Engine thread only.
 */
#pragma once

#include <glib-object.h>

#include "wb-model.h"

G_BEGIN_DECLS

/* The schema version this build writes. Each older version has a migration
 * step to the next one (wb-store.c). */
#define WB_STORE_SCHEMA_VERSION 3

#define WB_TYPE_STORE (wb_store_get_type ())
G_DECLARE_FINAL_TYPE (WbStore, wb_store, WB, STORE, GObject)

/* Opens (creating it if needed) the database at @path and migrates it to
 * WB_STORE_SCHEMA_VERSION. A database newer than this build is refused. */
WbStore      *wb_store_open              (const char    *path,
                                          GError       **error);
/* Tests only: creates or migrates up to @version and stops there. */
WbStore      *wb_store_open_at_version   (const char    *path,
                                          guint          version,
                                          GError       **error);
guint         wb_store_get_schema_version (WbStore      *self);
const char   *wb_store_get_path          (WbStore       *self);
/* Tests and diagnostics: the first column of the first row of @sql as an
 * integer, run on the store's own connection (PRAGMAs such as foreign_keys
 * are per connection, so another connection cannot check them). */
gboolean      wb_store_query_int         (WbStore       *self,
                                          const char    *sql,
                                          gint64        *out,
                                          GError       **error);

gboolean      wb_store_begin             (WbStore       *self,
                                          GError       **error);
gboolean      wb_store_commit            (WbStore       *self,
                                          GError       **error);
void          wb_store_rollback          (WbStore       *self);

/* VMs. Lookups take a name or a UUID; unregistered VMs are found only by
 * wb_store_load_vm (so their names stay taken). NOT_FOUND when absent. */
WbVm         *wb_store_load_vm           (WbStore       *self,
                                          const char    *name_or_uuid,
                                          GError       **error);
/* Registered VMs in creation order, each with only id, uuid, name,
 * registered filled in (adapters at defaults, not loaded). */
GPtrArray    *wb_store_list_vms          (WbStore       *self,
                                          GError       **error);
/* Registered VMs in creation order, fully loaded. */
GPtrArray    *wb_store_load_all_vms      (WbStore       *self,
                                          GError       **error);
/* Inserts @vm with its adapters and rules; sets vm->id. A taken name or
 * UUID is WB_ERROR_EXISTS. */
gboolean      wb_store_insert_vm         (WbStore       *self,
                                          WbVm          *vm,
                                          GError       **error);
/* Rewrites the VM's row, adapters and rules from @vm (by vm->id). */
gboolean      wb_store_update_vm         (WbStore       *self,
                                          const WbVm    *vm,
                                          GError       **error);
gboolean      wb_store_delete_vm         (WbStore       *self,
                                          gint64         vm_id,
                                          GError       **error);
/* Whether some adapter of a VM other than @except_vm_id has @mac. */
gboolean      wb_store_mac_in_use        (WbStore       *self,
                                          const char    *mac,
                                          gint64         except_vm_id,
                                          gboolean      *in_use,
                                          GError       **error);
/* Distinct non-empty internal network names of all VMs' adapters, sorted. */
GPtrArray    *wb_store_list_intnets      (WbStore       *self,
                                          GError       **error);

/* NAT networks (sorted by name). */
WbNatNetwork *wb_store_load_nat_network  (WbStore       *self,
                                          const char    *name,
                                          GError       **error);
GPtrArray    *wb_store_list_nat_networks (WbStore       *self,
                                          GError       **error);
gboolean      wb_store_insert_nat_network (WbStore      *self,
                                          const WbNatNetwork *net,
                                          GError       **error);
gboolean      wb_store_update_nat_network (WbStore      *self,
                                          const WbNatNetwork *net,
                                          GError       **error);
gboolean      wb_store_delete_nat_network (WbStore      *self,
                                          const char    *name,
                                          GError       **error);

/* Host-only interfaces (sorted by index). */
WbHostOnlyIf *wb_store_load_host_only_if (WbStore       *self,
                                          const char    *name,
                                          GError       **error);
GPtrArray    *wb_store_list_host_only_ifs (WbStore      *self,
                                          GError       **error);
gboolean      wb_store_insert_host_only_if (WbStore     *self,
                                          const WbHostOnlyIf *hif,
                                          GError       **error);
gboolean      wb_store_update_host_only_if (WbStore     *self,
                                          const WbHostOnlyIf *hif,
                                          GError       **error);
gboolean      wb_store_delete_host_only_if (WbStore     *self,
                                          const char    *name,
                                          GError       **error);

/* DHCP servers (sorted by network name). */
WbDhcpServer *wb_store_load_dhcp_server  (WbStore       *self,
                                          const char    *network_name,
                                          GError       **error);
GPtrArray    *wb_store_list_dhcp_servers (WbStore       *self,
                                          GError       **error);
gboolean      wb_store_insert_dhcp_server (WbStore      *self,
                                          const WbDhcpServer *server,
                                          GError       **error);
gboolean      wb_store_update_dhcp_server (WbStore      *self,
                                          const WbDhcpServer *server,
                                          GError       **error);
gboolean      wb_store_delete_dhcp_server (WbStore      *self,
                                          const char    *network_name,
                                          GError       **error);

/* --- DHCP leases ---------------------------------------------------------- */

/* One row of dhcp_lease: @mac held @ip until @expires. A lease that was
 * released or ran out stays as the MAC's claim on its address. */
typedef struct
{
  char   *mac;                /* 12 upper-case hex digits, as adapters' */
  char   *ip;                 /* dotted quad */
  gint64  expires;            /* Unix time, seconds */
} WbDhcpLease;

void          wb_dhcp_lease_free         (WbDhcpLease   *lease);

/* The leases of the DHCP server of @network_name (WbDhcpLease*), in the
 * order they were first saved. */
GPtrArray    *wb_store_load_dhcp_leases  (WbStore       *self,
                                          const char    *network_name,
                                          GError       **error);
/* Inserts or updates the lease of (@network_name, lease->mac) and drops any
 * other MAC's lease of the same address there: an address has one holder.
 * The network needs a dhcp_server row (foreign key). */
gboolean      wb_store_save_dhcp_lease   (WbStore       *self,
                                          const char    *network_name,
                                          const WbDhcpLease *lease,
                                          GError       **error);
/* Forgets @mac's lease in @network_name; no lease is not an error. */
gboolean      wb_store_delete_dhcp_lease (WbStore       *self,
                                          const char    *network_name,
                                          const char    *mac,
                                          GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbDhcpLease, wb_dhcp_lease_free)

G_END_DECLS
