/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The running world (DESIGN.md §5): one segment (switch) per network, the
 * running VMs as guests with one NIC per enabled adapter, DHCP servers and
 * host endpoints on their segments, traces. Built from the settings when a
 * VM starts; changed live by controlvm. Engine thread only: every socket,
 * timer and frame is a source on the thread-default GMainContext of the
 * thread that created it.
 */
#pragma once

#include <gio/gio.h>

#include "wb-settings.h"

G_BEGIN_DECLS

#define WB_TYPE_RUNTIME (wb_runtime_get_type ())
G_DECLARE_FINAL_TYPE (WbRuntime, wb_runtime, WB, RUNTIME, GObject)

/*
 * Signals:
 *   "vm-state-changed"  (const char *uuid, gboolean running)
 *   "property-changed"  (const char *uuid, const char *name, const char *value-or-NULL)
 */

WbRuntime  *wb_runtime_new                (WbSettings           *settings);
/* Powers off every VM (as wb_runtime_poweroff_vm). */
void        wb_runtime_shutdown           (WbRuntime            *self);

/* Returns once the VM runs and its interfaces are up (a DHCP lease may
 * still be pending). BUSY if it runs already. */
gboolean    wb_runtime_start_vm           (WbRuntime            *self,
                                           const char           *name_or_uuid,
                                           GError              **error);
/* Releases everything the VM held; traces are flushed and closed, DHCP
 * leases released, before this returns. */
gboolean    wb_runtime_poweroff_vm        (WbRuntime            *self,
                                           const char           *name_or_uuid,
                                           GError              **error);
gboolean    wb_runtime_reset_vm           (WbRuntime            *self,
                                           const char           *name_or_uuid,
                                           GError              **error);
/* unregistervm --delete: removes the VM's log and default trace files. */
void        wb_runtime_delete_vm_files    (WbRuntime            *self,
                                           const char           *name);
gboolean    wb_runtime_is_running         (WbRuntime            *self,
                                           const char           *uuid);
guint       wb_runtime_get_n_running      (WbRuntime            *self);
/* The running VMs as a(ss) (name, uuid), in creation order. */
GVariant   *wb_runtime_list_running       (WbRuntime            *self);

/* controlvm on a running VM, in effect when this returns:
 *   "nic"          args: MODE [TARGET]   (as modifyvm --nicN / its target)
 *   "setlinkstate" args: on|off
 *   "nicpromisc"   args: deny|allow-vms|allow-all
 *   "nictrace"     args: on|off
 *   "nictracefile" args: PATH
 *   "nicproperty"  args: NAME=VALUE
 *   "natpf"        args: RULE | delete NAME  (the socket bound or closed
 *                  when this returns; a port that cannot be bound is not
 *                  an error: see "rules" in wb_runtime_get_nic_stats)
 *   "natpfdelete"  args: NAME
 * The change is also stored (as VirtualBox saves it). NOT_FOUND / BUSY
 * ("not running") / INVALID_ARGUMENT / UNKNOWN_OPTION as usual. */
gboolean    wb_runtime_control_vm         (WbRuntime            *self,
                                           const char           *name_or_uuid,
                                           const char           *key,
                                           guint                 slot,
                                           const char * const   *args,
                                           GError              **error);

/* Per enabled adapter of a running VM: aa{sv} with "slot" u, "frames-in" t,
 * "bytes-in" t, "frames-out" t, "bytes-out" t, "drops" a{st} (reason ->
 * count), "link" b, "address" s, "rules" a(sss) (a NAT adapter's port
 * forwards: name, "bound" | "not bound", reason). NULL (NOT_FOUND / BUSY)
 * if not running. */
GVariant   *wb_runtime_get_nic_stats      (WbRuntime            *self,
                                           const char           *name_or_uuid,
                                           GError              **error);

/* NAT network @name's port forwards as its gateway has them: a(sss)
 * (name, "bound" | "not bound", reason), none when the gateway does not run
 * in this engine; *@running says whether it does. NULL (NOT_FOUND) if there
 * is no such network. */
GVariant   *wb_runtime_get_nat_network_status (WbRuntime        *self,
                                               const char       *name,
                                               gboolean         *running,
                                               GError          **error);

/* Guest properties of a running VM (a{ss}, sorted by name). */
GVariant   *wb_runtime_get_properties     (WbRuntime            *self,
                                           const char           *name_or_uuid,
                                           GError              **error);
/* Completes as soon as a property whose name matches @pattern (glob, as
 * g_pattern_match_simple) has a value — at once if one has already — or
 * with G_IO_ERROR_TIMED_OUT after @timeout_ms. */
void        wb_runtime_wait_property_async (WbRuntime           *self,
                                           const char           *name_or_uuid,
                                           const char           *pattern,
                                           guint                 timeout_ms,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean    wb_runtime_wait_property_finish (WbRuntime          *self,
                                           GAsyncResult         *result,
                                           char                **name,
                                           char                **value,
                                           GError              **error);

/* guestcontrol VM run -- ARGV (wb_guest_run_async). */
void        wb_runtime_guest_run_async    (WbRuntime            *self,
                                           const char           *name_or_uuid,
                                           const char * const   *argv,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean    wb_runtime_guest_run_finish   (WbRuntime            *self,
                                           GAsyncResult         *result,
                                           int                  *exit_status,
                                           char                **output,
                                           GError              **error);

/* Test knob: drop @loss_permille of the frames crossing the segment of an
 * internal network (and hold back @reorder_permille one frame). */
gboolean    wb_runtime_set_segment_faults (WbRuntime            *self,
                                           const char           *intnet,
                                           guint                 loss_permille,
                                           guint                 reorder_permille,
                                           GError              **error);

G_END_DECLS
