/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every settings operation has the same shape: BEGIN; load; apply the
 * changes in memory with the model's functions; check what spans objects
 * (MAC uniqueness, a host-only interface behind a DHCP server); save;
 * COMMIT; and only then a signal. Any failure rolls the transaction back, so
 * a change list is stored whole or not at all. Each public function opens
 * and closes the transaction around a static helper that does the work.
 */
#include "wb-settings.h"

#include <string.h>

#include "wb-error.h"

/* How many random MACs to try before giving up: with 2^24 addresses per
 * prefix, needing more than a few means the store is nearly full. */
#define MAC_ATTEMPTS 1000

#define HOST_ONLY_NETWORK_PREFIX "HostInterfaceNetworking-"

struct _WbSettings
{
  GObject      parent_instance;

  WbStore     *store;
  GHashTable  *running;   /* UUIDs of running VMs (a set) */
};

G_DEFINE_FINAL_TYPE (WbSettings, wb_settings, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ADDED,
  SIGNAL_CHANGED,
  SIGNAL_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- helpers ------------------------------------------------------------ */

/* Commits when @ok; otherwise, or when the commit fails, rolls back. */
static gboolean
finish (WbSettings  *self,
        gboolean     ok,
        GError     **error)
{
  if (ok && wb_store_commit (self->store, error))
    return TRUE;

  wb_store_rollback (self->store);
  return FALSE;
}

static void
emit (WbSettings   *self,
      guint         signal,
      WbObjectKind  kind,
      const char   *id)
{
  g_signal_emit (self, signals[signal], 0, (guint) kind, id);
}

/* After a lookup returned NULL: TRUE when it found nothing (the NOT_FOUND
 * in @local_error is dropped), FALSE with @error when it failed. */
static gboolean
lookup_missed (GError  **local_error,
               GError  **error)
{
  if (g_error_matches (*local_error, WB_ERROR, WB_ERROR_NOT_FOUND))
    {
      g_clear_error (local_error);
      return TRUE;
    }

  g_propagate_error (error, g_steal_pointer (local_error));
  return FALSE;
}

static void
replace_str (char       **field,
             char        *value)
{
  g_free (*field);
  *field = value;
}

typedef gboolean (*ApplyFunc) (gpointer     object,
                               const char  *key,
                               const char  *value,
                               GError     **error);

/* Applies @options in order; the first failure stops. */
static gboolean
apply_options (gpointer         object,
               ApplyFunc        apply,
               const WbOption  *options,
               gsize            n_options,
               GError         **error)
{
  for (gsize i = 0; i < n_options; i++)
    {
      if (!apply (object, options[i].key, options[i].value, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
nat_network_apply_cb (gpointer     net,
                      const char  *key,
                      const char  *value,
                      GError     **error)
{
  return wb_nat_network_apply (net, key, value, error);
}

static gboolean
dhcp_server_apply_cb (gpointer     server,
                      const char  *key,
                      const char  *value,
                      GError     **error)
{
  return wb_dhcp_server_apply (server, key, value, error);
}

/* Deletes the DHCP server of @network_name if there is one. */
static gboolean
delete_dhcp_server_if_any (WbSettings  *self,
                           const char  *network_name,
                           gboolean    *deleted,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  *deleted = wb_store_delete_dhcp_server (self->store, network_name,
                                          &local_error);
  return *deleted || lookup_missed (&local_error, error);
}

/* --- VMs ---------------------------------------------------------------- */

static gboolean
is_running (WbSettings *self,
            const WbVm *vm)
{
  return g_hash_table_contains (self->running, vm->uuid);
}

/* A registered VM, with its running flag; an unregistered one is as good as
 * absent. */
static WbVm *
load_registered_vm (WbSettings  *self,
                    const char  *name_or_uuid,
                    GError     **error)
{
  g_autoptr(WbVm) vm = wb_store_load_vm (self->store, name_or_uuid, error);

  if (vm == NULL)
    return NULL;

  if (!vm->registered)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
                   "Could not find a registered machine named '%s'",
                   name_or_uuid);
      return NULL;
    }

  vm->running = is_running (self, vm);
  return g_steal_pointer (&vm);
}

/* Whether adapter @index of @vm has the MAC of an earlier adapter of @vm
 * or of any adapter of another VM. */
static gboolean
mac_taken (WbSettings  *self,
           const WbVm  *vm,
           guint        index,
           gboolean    *taken,
           GError     **error)
{
  const char *mac = vm->adapters[index].mac;

  for (guint i = 0; i < index; i++)
    {
      if (strcmp (vm->adapters[i].mac, mac) == 0)
        {
          *taken = TRUE;
          return TRUE;
        }
    }

  return wb_store_mac_in_use (self->store, mac, vm->id, taken, error);
}

static gboolean
make_macs_unique (WbSettings  *self,
                  WbVm        *vm,
                  GError     **error)
{
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      gboolean taken = TRUE;

      for (guint attempt = 0; taken; attempt++)
        {
          if (attempt == MAC_ATTEMPTS)
            {
              g_set_error_literal (error, WB_ERROR, WB_ERROR_FAILED,
                                   "Could not generate a unique MAC address");
              return FALSE;
            }
          if (attempt > 0)
            wb_mac_generate (vm->adapters[i].mac);
          if (!mac_taken (self, vm, i, &taken, error))
            return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_macs_unique (WbSettings  *self,
                   const WbVm  *vm,
                   GError     **error)
{
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      gboolean taken = FALSE;

      if (!mac_taken (self, vm, i, &taken, error))
        return FALSE;
      if (taken)
        {
          g_set_error (error, WB_ERROR, WB_ERROR_EXISTS,
                       "MAC address %s is already used by another adapter",
                       vm->adapters[i].mac);
          return FALSE;
        }
    }

  return TRUE;
}

static WbVm *
create_vm (WbSettings  *self,
           const char  *name,
           gboolean     do_register,
           GError     **error)
{
  g_autoptr(WbVm) vm = wb_vm_new (name);

  vm->registered = do_register;
  /* A taken name, registered or not, fails the INSERT with EXISTS. */
  if (!make_macs_unique (self, vm, error) ||
      !wb_store_insert_vm (self->store, vm, error))
    return NULL;

  return g_steal_pointer (&vm);
}

char *
wb_settings_create_vm (WbSettings  *self,
                       const char  *name,
                       gboolean     do_register,
                       GError     **error)
{
  g_autoptr(WbVm) vm = NULL;

  g_return_val_if_fail (WB_IS_SETTINGS (self), NULL);

  if (!wb_name_validate ("VM name", name, WB_NAME_MAX, error) ||
      !wb_store_begin (self->store, error))
    return NULL;

  vm = create_vm (self, name, do_register, error);
  if (!finish (self, vm != NULL, error))
    return NULL;

  /* An unregistered VM is invisible until registered: nothing to tell. */
  if (vm->registered)
    emit (self, SIGNAL_ADDED, WB_OBJECT_VM, vm->uuid);
  return g_strdup (vm->uuid);
}

static char *
delete_vm (WbSettings  *self,
           const char  *name_or_uuid,
           GError     **error)
{
  g_autoptr(WbVm) vm = load_registered_vm (self, name_or_uuid, error);

  if (vm == NULL)
    return NULL;

  if (vm->running)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_BUSY,
                   "Machine '%s' is running: power it off first", vm->name);
      return NULL;
    }

  if (!wb_store_delete_vm (self->store, vm->id, error))
    return NULL;

  return g_steal_pointer (&vm->uuid);
}

gboolean
wb_settings_delete_vm (WbSettings  *self,
                       const char  *name_or_uuid,
                       GError     **error)
{
  g_autofree char *uuid = NULL;

  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name_or_uuid != NULL, FALSE);

  if (!wb_store_begin (self->store, error))
    return FALSE;

  uuid = delete_vm (self, name_or_uuid, error);
  if (!finish (self, uuid != NULL, error))
    return FALSE;

  emit (self, SIGNAL_REMOVED, WB_OBJECT_VM, uuid);
  return TRUE;
}

WbVm *
wb_settings_get_vm (WbSettings  *self,
                    const char  *name_or_uuid,
                    GError     **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);

  return load_registered_vm (self, name_or_uuid, error);
}

static WbVm *
modify_vm (WbSettings        *self,
           const char        *name_or_uuid,
           const WbVmChange  *changes,
           gsize              n_changes,
           GError           **error)
{
  g_autoptr(WbVm) vm = load_registered_vm (self, name_or_uuid, error);

  if (vm == NULL)
    return NULL;

  if (vm->running)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_BUSY,
                   "Machine '%s' is running: change it with 'controlvm'",
                   vm->name);
      return NULL;
    }

  if (n_changes == 0)
    return g_steal_pointer (&vm);

  /* @vm is our own copy: a failure below drops it unsaved. */
  for (gsize i = 0; i < n_changes; i++)
    {
      if (!wb_vm_apply (vm, changes[i].key, changes[i].slot, changes[i].value,
                        error))
        return NULL;
    }

  if (!check_macs_unique (self, vm, error) ||
      !wb_store_update_vm (self->store, vm, error))
    return NULL;

  return g_steal_pointer (&vm);
}

gboolean
wb_settings_modify_vm (WbSettings        *self,
                       const char        *name_or_uuid,
                       const WbVmChange  *changes,
                       gsize              n_changes,
                       GError           **error)
{
  g_autoptr(WbVm) vm = NULL;

  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name_or_uuid != NULL, FALSE);
  g_return_val_if_fail (changes != NULL || n_changes == 0, FALSE);

  if (!wb_store_begin (self->store, error))
    return FALSE;

  vm = modify_vm (self, name_or_uuid, changes, n_changes, error);
  if (!finish (self, vm != NULL, error))
    return FALSE;

  if (n_changes > 0)
    emit (self, SIGNAL_CHANGED, WB_OBJECT_VM, vm->uuid);
  return TRUE;
}

/* --- NAT networks ------------------------------------------------------- */

static gboolean
has_option (const WbOption *options,
            gsize           n_options,
            const char     *key)
{
  for (gsize i = 0; i < n_options; i++)
    {
      if (g_strcmp0 (options[i].key, key) == 0)
        return TRUE;
    }

  return FALSE;
}

static gboolean
add_nat_network (WbSettings      *self,
                 const char      *name,
                 const WbOption  *options,
                 gsize            n_options,
                 GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(WbNatNetwork) existing = NULL;
  g_autoptr(WbNatNetwork) net = NULL;

  existing = wb_store_load_nat_network (self->store, name, &local_error);
  if (existing != NULL)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_EXISTS,
                   "NAT network '%s' already exists", name);
      return FALSE;
    }
  if (!lookup_missed (&local_error, error))
    return FALSE;

  /* The model checks loopback offsets against the network both ways
   * (--network after --loopback-4 and before), so the result is whole. */
  net = wb_nat_network_new (name);
  return apply_options (net, nat_network_apply_cb, options, n_options, error) &&
         wb_store_insert_nat_network (self->store, net, error);
}

gboolean
wb_settings_add_nat_network (WbSettings      *self,
                             const char      *name,
                             const WbOption  *options,
                             gsize            n_options,
                             GError         **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (options != NULL || n_options == 0, FALSE);

  if (!wb_name_validate ("NAT network name", name, WB_NAME_MAX, error))
    return FALSE;

  if (!has_option (options, n_options, "network"))
    {
      g_set_error_literal (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                           "A NAT network needs --network");
      return FALSE;
    }

  if (!wb_store_begin (self->store, error) ||
      !finish (self, add_nat_network (self, name, options, n_options, error),
               error))
    return FALSE;

  emit (self, SIGNAL_ADDED, WB_OBJECT_NAT_NETWORK, name);
  return TRUE;
}

static gboolean
modify_nat_network (WbSettings      *self,
                    const char      *name,
                    const WbOption  *options,
                    gsize            n_options,
                    GError         **error)
{
  g_autoptr(WbNatNetwork) net = wb_store_load_nat_network (self->store, name,
                                                           error);

  if (net == NULL)
    return FALSE;
  if (n_options == 0)
    return TRUE;

  return apply_options (net, nat_network_apply_cb, options, n_options, error) &&
         wb_store_update_nat_network (self->store, net, error);
}

gboolean
wb_settings_modify_nat_network (WbSettings      *self,
                                const char      *name,
                                const WbOption  *options,
                                gsize            n_options,
                                GError         **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (options != NULL || n_options == 0, FALSE);

  if (!wb_store_begin (self->store, error) ||
      !finish (self, modify_nat_network (self, name, options, n_options, error),
               error))
    return FALSE;

  if (n_options > 0)
    emit (self, SIGNAL_CHANGED, WB_OBJECT_NAT_NETWORK, name);
  return TRUE;
}

/* Removes the network and the DHCP server named after it, if any. */
static gboolean
remove_nat_network (WbSettings  *self,
                    const char  *name,
                    gboolean    *dhcp_removed,
                    GError     **error)
{
  return wb_store_delete_nat_network (self->store, name, error) &&
         delete_dhcp_server_if_any (self, name, dhcp_removed, error);
}

gboolean
wb_settings_remove_nat_network (WbSettings  *self,
                                const char  *name,
                                GError     **error)
{
  gboolean dhcp_removed = FALSE;

  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!wb_store_begin (self->store, error) ||
      !finish (self, remove_nat_network (self, name, &dhcp_removed, error),
               error))
    return FALSE;

  emit (self, SIGNAL_REMOVED, WB_OBJECT_NAT_NETWORK, name);
  if (dhcp_removed)
    emit (self, SIGNAL_REMOVED, WB_OBJECT_DHCP_SERVER, name);
  return TRUE;
}

static gboolean
set_nat_network_running (WbSettings  *self,
                         const char  *name,
                         gboolean     running,
                         GError     **error)
{
  g_autoptr(WbNatNetwork) net = wb_store_load_nat_network (self->store, name,
                                                           error);

  if (net == NULL)
    return FALSE;

  net->running = running;
  /* natnetwork start enables a disabled network; stop leaves it enabled. */
  if (running)
    net->enabled = TRUE;
  return wb_store_update_nat_network (self->store, net, error);
}

gboolean
wb_settings_set_nat_network_running (WbSettings  *self,
                                     const char  *name,
                                     gboolean     running,
                                     GError     **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!wb_store_begin (self->store, error) ||
      !finish (self, set_nat_network_running (self, name, running, error),
               error))
    return FALSE;

  emit (self, SIGNAL_CHANGED, WB_OBJECT_NAT_NETWORK, name);
  return TRUE;
}

/* --- host-only interfaces ----------------------------------------------- */

/* Creates the lowest free vboxnetN and, unless one exists already for its
 * network, its DHCP server. */
static WbHostOnlyIf *
create_host_only_if (WbSettings  *self,
                     gboolean    *dhcp_added,
                     GError     **error)
{
  gboolean used[WB_HOST_ONLY_IF_MAX + 1] = { FALSE, };
  g_autoptr(GPtrArray) hifs = NULL;
  g_autoptr(WbHostOnlyIf) hif = NULL;
  g_autoptr(WbDhcpServer) server = NULL;
  g_autoptr(GError) local_error = NULL;
  guint index;

  hifs = wb_store_list_host_only_ifs (self->store, error);
  if (hifs == NULL)
    return NULL;

  for (guint i = 0; i < hifs->len; i++)
    {
      const WbHostOnlyIf *other = g_ptr_array_index (hifs, i);

      if (wb_host_only_if_index (other->name, &index))
        used[index] = TRUE;
    }

  for (index = 0; index <= WB_HOST_ONLY_IF_MAX && used[index]; index++)
    ;
  if (index > WB_HOST_ONLY_IF_MAX)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "No free host-only interface: vboxnet0 to vboxnet%d all exist",
                   WB_HOST_ONLY_IF_MAX);
      return NULL;
    }

  hif = wb_host_only_if_new (index);
  if (!wb_store_insert_host_only_if (self->store, hif, error))
    return NULL;

  server = wb_dhcp_server_new_for_host_only (hif);
  *dhcp_added = wb_store_insert_dhcp_server (self->store, server, &local_error);
  if (!*dhcp_added)
    {
      /* A server configured for this network before stays as it is. */
      if (!g_error_matches (local_error, WB_ERROR, WB_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }

  return g_steal_pointer (&hif);
}

char *
wb_settings_create_host_only_if (WbSettings  *self,
                                 GError     **error)
{
  g_autoptr(WbHostOnlyIf) hif = NULL;
  g_autofree char *network_name = NULL;
  gboolean dhcp_added = FALSE;

  g_return_val_if_fail (WB_IS_SETTINGS (self), NULL);

  if (!wb_store_begin (self->store, error))
    return NULL;

  hif = create_host_only_if (self, &dhcp_added, error);
  if (!finish (self, hif != NULL, error))
    return NULL;

  emit (self, SIGNAL_ADDED, WB_OBJECT_HOST_ONLY_IF, hif->name);
  if (dhcp_added)
    {
      network_name = wb_host_only_network_name (hif->name);
      emit (self, SIGNAL_ADDED, WB_OBJECT_DHCP_SERVER, network_name);
    }
  return g_steal_pointer (&hif->name);
}

/* BUSY when an enabled host-only adapter of a running VM uses @name. */
static gboolean
check_host_only_if_unused (WbSettings  *self,
                           const char  *name,
                           GError     **error)
{
  GHashTableIter iter;
  gpointer uuid;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, &uuid, NULL))
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(WbVm) vm = wb_store_load_vm (self->store, uuid, &local_error);

      if (vm == NULL)
        {
          /* A VM marked running may have gone from the store. */
          if (!lookup_missed (&local_error, error))
            return FALSE;
          continue;
        }

      for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
        {
          const WbAdapter *adapter = &vm->adapters[i];

          if (adapter->enabled &&
              adapter->attachment == WB_ATTACHMENT_HOSTONLY &&
              g_strcmp0 (adapter->hostonly_adapter, name) == 0)
            {
              g_set_error (error, WB_ERROR, WB_ERROR_BUSY,
                           "Host-only interface '%s' is used by the running "
                           "machine '%s'", name, vm->name);
              return FALSE;
            }
        }
    }

  return TRUE;
}

static gboolean
remove_host_only_if (WbSettings  *self,
                     const char  *name,
                     const char  *network_name,
                     gboolean    *dhcp_removed,
                     GError     **error)
{
  g_autoptr(WbHostOnlyIf) hif = wb_store_load_host_only_if (self->store, name,
                                                            error);

  return hif != NULL &&
         check_host_only_if_unused (self, name, error) &&
         wb_store_delete_host_only_if (self->store, name, error) &&
         delete_dhcp_server_if_any (self, network_name, dhcp_removed, error);
}

gboolean
wb_settings_remove_host_only_if (WbSettings  *self,
                                 const char  *name,
                                 GError     **error)
{
  g_autofree char *network_name = NULL;
  gboolean dhcp_removed = FALSE;

  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  network_name = wb_host_only_network_name (name);
  if (!wb_store_begin (self->store, error) ||
      !finish (self,
               remove_host_only_if (self, name, network_name, &dhcp_removed,
                                    error),
               error))
    return FALSE;

  emit (self, SIGNAL_REMOVED, WB_OBJECT_HOST_ONLY_IF, name);
  if (dhcp_removed)
    emit (self, SIGNAL_REMOVED, WB_OBJECT_DHCP_SERVER, network_name);
  return TRUE;
}

static gboolean
configure_host_only_if (WbSettings  *self,
                        const char  *name,
                        guint32      ip,
                        guint        prefix,
                        GError     **error)
{
  g_autoptr(WbHostOnlyIf) hif = wb_store_load_host_only_if (self->store, name,
                                                            error);

  if (hif == NULL)
    return FALSE;

  replace_str (&hif->ip, wb_ipv4_to_string (ip));
  replace_str (&hif->netmask, wb_ipv4_to_string (wb_prefix_to_mask (prefix)));
  /* A static address replaces a DHCP-configured interface. */
  hif->dhcp = FALSE;
  return wb_store_update_host_only_if (self->store, hif, error);
}

gboolean
wb_settings_configure_host_only_if (WbSettings  *self,
                                    const char  *name,
                                    const char  *ip,
                                    const char  *netmask,
                                    GError     **error)
{
  guint32 address;
  guint prefix;

  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  /* As hostonlyif ipconfig: the mask defaults to 255.255.255.0. */
  if (netmask == NULL || *netmask == '\0')
    netmask = "255.255.255.0";

  if (!wb_ipv4_parse (ip != NULL ? ip : "", &address, error) ||
      !wb_netmask_parse (netmask, &prefix, error))
    return FALSE;

  if (!wb_store_begin (self->store, error) ||
      !finish (self, configure_host_only_if (self, name, address, prefix, error),
               error))
    return FALSE;

  emit (self, SIGNAL_CHANGED, WB_OBJECT_HOST_ONLY_IF, name);
  return TRUE;
}

/* --- DHCP servers ------------------------------------------------------- */

/* A server for a host-only network needs that interface. */
static gboolean
check_dhcp_network (WbSettings  *self,
                    const char  *network_name,
                    GError     **error)
{
  g_autoptr(WbHostOnlyIf) hif = NULL;

  if (!g_str_has_prefix (network_name, HOST_ONLY_NETWORK_PREFIX))
    return TRUE;

  hif = wb_store_load_host_only_if (self->store,
                                    network_name + strlen (HOST_ONLY_NETWORK_PREFIX),
                                    error);
  return hif != NULL;
}

static gboolean
add_dhcp_server (WbSettings      *self,
                 const char      *network_name,
                 const WbOption  *options,
                 gsize            n_options,
                 GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(WbDhcpServer) existing = NULL;
  g_autoptr(WbDhcpServer) server = NULL;

  existing = wb_store_load_dhcp_server (self->store, network_name,
                                        &local_error);
  if (existing != NULL)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_EXISTS,
                   "DHCP server for network '%s' already exists", network_name);
      return FALSE;
    }
  if (!lookup_missed (&local_error, error) ||
      !check_dhcp_network (self, network_name, error))
    return FALSE;

  server = wb_dhcp_server_new (network_name);
  /* dhcpserver add without --enable makes a disabled server. */
  server->enabled = FALSE;
  return apply_options (server, dhcp_server_apply_cb, options, n_options,
                        error) &&
         wb_dhcp_server_validate (server, error) &&
         wb_store_insert_dhcp_server (self->store, server, error);
}

gboolean
wb_settings_add_dhcp_server (WbSettings      *self,
                             const char      *network_name,
                             const WbOption  *options,
                             gsize            n_options,
                             GError         **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (options != NULL || n_options == 0, FALSE);

  if (!wb_name_validate ("Network name", network_name, WB_NAME_MAX, error) ||
      !wb_store_begin (self->store, error) ||
      !finish (self,
               add_dhcp_server (self, network_name, options, n_options, error),
               error))
    return FALSE;

  emit (self, SIGNAL_ADDED, WB_OBJECT_DHCP_SERVER, network_name);
  return TRUE;
}

static gboolean
modify_dhcp_server (WbSettings      *self,
                    const char      *network_name,
                    const WbOption  *options,
                    gsize            n_options,
                    GError         **error)
{
  g_autoptr(WbDhcpServer) server = wb_store_load_dhcp_server (self->store,
                                                              network_name,
                                                              error);

  if (server == NULL)
    return FALSE;
  if (n_options == 0)
    return TRUE;

  return apply_options (server, dhcp_server_apply_cb, options, n_options,
                        error) &&
         wb_dhcp_server_validate (server, error) &&
         wb_store_update_dhcp_server (self->store, server, error);
}

gboolean
wb_settings_modify_dhcp_server (WbSettings      *self,
                                const char      *network_name,
                                const WbOption  *options,
                                gsize            n_options,
                                GError         **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (network_name != NULL, FALSE);
  g_return_val_if_fail (options != NULL || n_options == 0, FALSE);

  if (!wb_store_begin (self->store, error) ||
      !finish (self,
               modify_dhcp_server (self, network_name, options, n_options,
                                   error),
               error))
    return FALSE;

  if (n_options > 0)
    emit (self, SIGNAL_CHANGED, WB_OBJECT_DHCP_SERVER, network_name);
  return TRUE;
}

gboolean
wb_settings_remove_dhcp_server (WbSettings  *self,
                                const char  *network_name,
                                GError     **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (network_name != NULL, FALSE);

  if (!wb_store_begin (self->store, error) ||
      !finish (self,
               wb_store_delete_dhcp_server (self->store, network_name, error),
               error))
    return FALSE;

  emit (self, SIGNAL_REMOVED, WB_OBJECT_DHCP_SERVER, network_name);
  return TRUE;
}

/* --- running VMs -------------------------------------------------------- */

void
wb_settings_set_vm_running (WbSettings  *self,
                            const char  *uuid,
                            gboolean     running)
{
  gboolean changed;

  g_return_if_fail (WB_IS_SETTINGS (self));
  g_return_if_fail (uuid != NULL);

  if (running)
    changed = g_hash_table_add (self->running, g_strdup (uuid));
  else
    changed = g_hash_table_remove (self->running, uuid);

  /* The VM's state is part of what get_vm() returns. */
  if (changed)
    emit (self, SIGNAL_CHANGED, WB_OBJECT_VM, uuid);
}

/* --- GObject ------------------------------------------------------------ */

WbSettings *
wb_settings_new (WbStore *store)
{
  g_return_val_if_fail (WB_IS_STORE (store), NULL);

  return g_object_new (WB_TYPE_SETTINGS, "store", store, NULL);
}

WbStore *
wb_settings_get_store (WbSettings *self)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), NULL);

  return self->store;
}

static void
wb_settings_dispose (GObject *object)
{
  WbSettings *self = (WbSettings *) object;

  g_clear_object (&self->store);

  G_OBJECT_CLASS (wb_settings_parent_class)->dispose (object);
}

static void
wb_settings_finalize (GObject *object)
{
  WbSettings *self = (WbSettings *) object;

  g_clear_pointer (&self->running, g_hash_table_unref);

  G_OBJECT_CLASS (wb_settings_parent_class)->finalize (object);
}

static void
wb_settings_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  WbSettings *self = WB_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_settings_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  WbSettings *self = WB_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_settings_class_init (WbSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const char * const names[N_SIGNALS] = {
    [SIGNAL_ADDED] = "added",
    [SIGNAL_CHANGED] = "changed",
    [SIGNAL_REMOVED] = "removed",
  };

  object_class->dispose = wb_settings_dispose;
  object_class->finalize = wb_settings_finalize;
  object_class->get_property = wb_settings_get_property;
  object_class->set_property = wb_settings_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         WB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (WbObjectKind kind, const char *id), after the change is committed. */
  for (guint i = 0; i < N_SIGNALS; i++)
    signals[i] = g_signal_new (names[i],
                               G_TYPE_FROM_CLASS (klass),
                               G_SIGNAL_RUN_LAST,
                               0, NULL, NULL, NULL,
                               G_TYPE_NONE, 2,
                               G_TYPE_UINT,
                               G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
wb_settings_init (WbSettings *self)
{
  self->running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
