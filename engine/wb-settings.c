/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every settings operation has the same shape: BEGIN; load; apply the
 * changes in memory with the model's functions; check what spans objects
 * (MAC uniqueness, a host-only interface behind a DHCP server); save;
 * COMMIT; and only then a signal. Any failure rolls the transaction back, so
 * a change list is stored whole or not at all. Each public function opens
 * and closes the transaction around a static helper that does the work;
 * for NAT networks, host-only interfaces and DHCP servers that skeleton is
 * written once (add_object(), change_object(), remove_object()).
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

/* --- named objects ------------------------------------------------------ */

/*
 * NAT networks, host-only interfaces and DHCP servers are named objects
 * whose model and store functions have the same shapes, so one table per
 * kind lets one skeleton add, change and remove them all. The casts in the
 * tables only turn the object pointer into a gpointer.
 */
typedef gpointer (*LoadFunc)   (WbStore        *store,
                                const char     *name,
                                GError        **error);
typedef gpointer (*CreateFunc) (const char     *name);
typedef gboolean (*ApplyFunc)  (gpointer        object,
                                const char     *key,
                                const char     *value,
                                GError        **error);
typedef gboolean (*CheckFunc)  (gconstpointer   object,
                                GError        **error);
typedef gboolean (*SaveFunc)   (WbStore        *store,
                                gconstpointer   object,
                                GError        **error);
typedef gboolean (*DeleteFunc) (WbStore        *store,
                                const char     *name,
                                GError        **error);
/* A check of @name against other objects, inside the transaction. */
typedef gboolean (*NameCheckFunc) (WbSettings  *self,
                                   const char  *name,
                                   GError     **error);

typedef struct
{
  WbObjectKind    kind;
  LoadFunc        load;
  SaveFunc        update;
  DeleteFunc      delete;
  NameCheckFunc   check_remove;  /* may be NULL */
  GDestroyNotify  free_func;
  /* Only for the kinds that add_object() makes: */
  const char     *noun;          /* "<noun> '<name>' already exists" */
  CreateFunc      create;
  ApplyFunc       apply;
  CheckFunc       validate;      /* the whole object; may be NULL */
  SaveFunc        insert;
  NameCheckFunc   check_add;     /* may be NULL */
} ObjectOps;

/* EXISTS when an object of the kind is named @name. */
static gboolean
check_name_free (WbSettings       *self,
                 const ObjectOps  *ops,
                 const char       *name,
                 GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  gpointer existing = ops->load (self->store, name, &local_error);

  if (existing != NULL)
    {
      ops->free_func (existing);
      g_set_error (error, WB_ERROR, WB_ERROR_EXISTS,
                   "%s '%s' already exists", ops->noun, name);
      return FALSE;
    }

  return lookup_missed (&local_error, error);
}

/* Applies @options in order (the first failure stops), then checks the
 * object whole. */
static gboolean
apply_options (const ObjectOps  *ops,
               gpointer          object,
               const WbOption   *options,
               gsize             n_options,
               GError          **error)
{
  for (gsize i = 0; i < n_options; i++)
    {
      if (!ops->apply (object, options[i].key, options[i].value, error))
        return FALSE;
    }

  return ops->validate == NULL || ops->validate (object, error);
}

static gboolean
insert_object (WbSettings       *self,
               const ObjectOps  *ops,
               const char       *name,
               const WbOption   *options,
               gsize             n_options,
               GError          **error)
{
  gpointer object;
  gboolean ok;

  if (!check_name_free (self, ops, name, error) ||
      (ops->check_add != NULL && !ops->check_add (self, name, error)))
    return FALSE;

  object = ops->create (name);
  ok = apply_options (ops, object, options, n_options, error) &&
       ops->insert (self->store, object, error);
  ops->free_func (object);
  return ok;
}

/* A new object @name with @options, stored whole; then "added". */
static gboolean
add_object (WbSettings       *self,
            const ObjectOps  *ops,
            const char       *name,
            const WbOption   *options,
            gsize             n_options,
            GError          **error)
{
  if (!wb_store_begin (self->store, error) ||
      !finish (self,
               insert_object (self, ops, name, options, n_options, error),
               error))
    return FALSE;

  emit (self, SIGNAL_ADDED, ops->kind, name);
  return TRUE;
}

/* Changes @object in memory; a failure drops it unsaved. */
typedef gboolean (*EditFunc) (gpointer        object,
                              gconstpointer   data,
                              GError        **error);

static gboolean
update_object (WbSettings       *self,
               const ObjectOps  *ops,
               const char       *name,
               EditFunc          edit,
               gconstpointer     data,
               GError          **error)
{
  gpointer object = ops->load (self->store, name, error);
  gboolean ok;

  if (object == NULL)
    return FALSE;

  ok = edit == NULL ||
       (edit (object, data, error) && ops->update (self->store, object, error));
  ops->free_func (object);
  return ok;
}

/* Loads @name, changes it with @edit and stores it; then "changed". With
 * @edit NULL only checks that @name exists, and tells nobody. */
static gboolean
change_object (WbSettings       *self,
               const ObjectOps  *ops,
               const char       *name,
               EditFunc          edit,
               gconstpointer     data,
               GError          **error)
{
  if (!wb_store_begin (self->store, error) ||
      !finish (self, update_object (self, ops, name, edit, data, error),
               error))
    return FALSE;

  if (edit != NULL)
    emit (self, SIGNAL_CHANGED, ops->kind, name);
  return TRUE;
}

typedef struct
{
  const ObjectOps *ops;
  const WbOption  *options;
  gsize            n_options;
} OptionList;

static gboolean
edit_apply_options (gpointer        object,
                    gconstpointer   data,
                    GError        **error)
{
  const OptionList *list = data;

  return apply_options (list->ops, object, list->options, list->n_options,
                        error);
}

static gboolean
modify_object (WbSettings       *self,
               const ObjectOps  *ops,
               const char       *name,
               const WbOption   *options,
               gsize             n_options,
               GError          **error)
{
  const OptionList list = { ops, options, n_options };

  return change_object (self, ops, name,
                        n_options > 0 ? edit_apply_options : NULL, &list,
                        error);
}

static gboolean
delete_object (WbSettings       *self,
               const ObjectOps  *ops,
               const char       *name,
               const char       *dhcp_network,
               gboolean         *dhcp_removed,
               GError          **error)
{
  return (ops->check_remove == NULL || ops->check_remove (self, name, error)) &&
         ops->delete (self->store, name, error) &&
         (dhcp_network == NULL ||
          delete_dhcp_server_if_any (self, dhcp_network, dhcp_removed, error));
}

/* Deletes @name and, unless @dhcp_network is NULL, the DHCP server of that
 * network if there is one; then "removed" for each. */
static gboolean
remove_object (WbSettings       *self,
               const ObjectOps  *ops,
               const char       *name,
               const char       *dhcp_network,
               GError          **error)
{
  gboolean dhcp_removed = FALSE;

  if (!wb_store_begin (self->store, error) ||
      !finish (self,
               delete_object (self, ops, name, dhcp_network, &dhcp_removed,
                              error),
               error))
    return FALSE;

  emit (self, SIGNAL_REMOVED, ops->kind, name);
  if (dhcp_removed)
    emit (self, SIGNAL_REMOVED, WB_OBJECT_DHCP_SERVER, dhcp_network);
  return TRUE;
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

/* A registered VM that is not running: BUSY, with @advice, when it is. */
static WbVm *
load_stopped_vm (WbSettings  *self,
                 const char  *name_or_uuid,
                 const char  *advice,
                 GError     **error)
{
  g_autoptr(WbVm) vm = load_registered_vm (self, name_or_uuid, error);

  if (vm != NULL && vm->running)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_BUSY,
                   "Machine '%s' is running: %s", vm->name, advice);
      return NULL;
    }

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
  g_autoptr(WbVm) vm = load_stopped_vm (self, name_or_uuid,
                                        "power it off first", error);

  if (vm == NULL || !wb_store_delete_vm (self->store, vm->id, error))
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

typedef gboolean (*VmApplyFunc) (WbVm        *vm,
                                 const char  *key,
                                 guint        slot,
                                 const char  *value,
                                 GError     **error);

/* How a change list reaches a VM: which parser applies it, and whether a
 * running VM takes it (the runtime's controlvm path) or refuses it. */
typedef struct
{
  VmApplyFunc  apply;
  gboolean     running_ok;
  const char  *advice;        /* when refused because the VM runs */
} VmChangeKind;

static const VmChangeKind vm_settings_change = { wb_vm_apply, FALSE, "change it with 'controlvm'" };
static const VmChangeKind vm_live_change = { wb_vm_apply, TRUE, NULL };
static const VmChangeKind vm_guest_change = {
  wb_vm_apply_guest, FALSE, "its guest settings apply when it starts: power it off first"
};

static WbVm *
change_vm (WbSettings          *self,
           const VmChangeKind  *kind,
           const char          *name_or_uuid,
           const WbVmChange    *changes,
           gsize                n_changes,
           GError             **error)
{
  g_autoptr(WbVm) vm = kind->running_ok ? load_registered_vm (self, name_or_uuid, error)
                                        : load_stopped_vm (self, name_or_uuid, kind->advice, error);

  if (vm == NULL)
    return NULL;

  if (n_changes == 0)
    return g_steal_pointer (&vm);

  /* @vm is our own copy: a failure below drops it unsaved. */
  for (gsize i = 0; i < n_changes; i++)
    {
      if (!kind->apply (vm, changes[i].key, changes[i].slot, changes[i].value, error))
        return NULL;
    }

  if (!check_macs_unique (self, vm, error) ||
      !wb_store_update_vm (self->store, vm, error))
    return NULL;

  return g_steal_pointer (&vm);
}

static gboolean
run_vm_change (WbSettings          *self,
               const VmChangeKind  *kind,
               const char          *name_or_uuid,
               const WbVmChange    *changes,
               gsize                n_changes,
               GError             **error)
{
  g_autoptr(WbVm) vm = NULL;

  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name_or_uuid != NULL, FALSE);
  g_return_val_if_fail (changes != NULL || n_changes == 0, FALSE);

  if (!wb_store_begin (self->store, error))
    return FALSE;

  vm = change_vm (self, kind, name_or_uuid, changes, n_changes, error);
  if (!finish (self, vm != NULL, error))
    return FALSE;

  if (n_changes > 0)
    emit (self, SIGNAL_CHANGED, WB_OBJECT_VM, vm->uuid);
  return TRUE;
}

gboolean
wb_settings_modify_vm (WbSettings        *self,
                       const char        *name_or_uuid,
                       const WbVmChange  *changes,
                       gsize              n_changes,
                       GError           **error)
{
  return run_vm_change (self, &vm_settings_change, name_or_uuid, changes, n_changes, error);
}

gboolean
wb_settings_modify_running_vm (WbSettings        *self,
                               const char        *name_or_uuid,
                               const WbVmChange  *changes,
                               gsize              n_changes,
                               GError           **error)
{
  return run_vm_change (self, &vm_live_change, name_or_uuid, changes, n_changes, error);
}

gboolean
wb_settings_configure_guest (WbSettings        *self,
                             const char        *name_or_uuid,
                             const WbVmChange  *changes,
                             gsize              n_changes,
                             GError           **error)
{
  return run_vm_change (self, &vm_guest_change, name_or_uuid, changes, n_changes, error);
}

/* --- NAT networks ------------------------------------------------------- */

static const ObjectOps nat_network_ops = {
  .kind = WB_OBJECT_NAT_NETWORK,
  .load = (LoadFunc) wb_store_load_nat_network,
  .update = (SaveFunc) wb_store_update_nat_network,
  .delete = wb_store_delete_nat_network,
  .free_func = (GDestroyNotify) wb_nat_network_free,
  .noun = "NAT network",
  .create = (CreateFunc) wb_nat_network_new,
  .apply = (ApplyFunc) wb_nat_network_apply,
  /* No .validate: the model checks loopback offsets against the network
   * both ways (--network after --loopback-4 and before), so the result of
   * the options is whole. */
  .insert = (SaveFunc) wb_store_insert_nat_network,
};

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

  return add_object (self, &nat_network_ops, name, options, n_options, error);
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

  return modify_object (self, &nat_network_ops, name, options, n_options,
                        error);
}

/* Removes the network and the DHCP server named after it, if any. */
gboolean
wb_settings_remove_nat_network (WbSettings  *self,
                                const char  *name,
                                GError     **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return remove_object (self, &nat_network_ops, name, name, error);
}

static gboolean
edit_nat_network_running (gpointer        object,
                          gconstpointer   data,
                          GError        **error)
{
  WbNatNetwork *net = object;
  const gboolean *running = data;

  net->running = *running;
  /* natnetwork start enables a disabled network; stop leaves it enabled. */
  if (*running)
    net->enabled = TRUE;
  return TRUE;
}

gboolean
wb_settings_set_nat_network_running (WbSettings  *self,
                                     const char  *name,
                                     gboolean     running,
                                     GError     **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return change_object (self, &nat_network_ops, name,
                        edit_nat_network_running, &running, error);
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

/* Only an existing interface can go, and not while an enabled host-only
 * adapter of a running VM uses it (BUSY). */
static gboolean
check_host_only_if_removable (WbSettings  *self,
                              const char  *name,
                              GError     **error)
{
  g_autoptr(WbHostOnlyIf) hif = wb_store_load_host_only_if (self->store, name,
                                                            error);
  GHashTableIter iter;
  gpointer uuid;

  if (hif == NULL)
    return FALSE;

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

/* Created by create_host_only_if(), not by add_object(). */
static const ObjectOps host_only_if_ops = {
  .kind = WB_OBJECT_HOST_ONLY_IF,
  .load = (LoadFunc) wb_store_load_host_only_if,
  .update = (SaveFunc) wb_store_update_host_only_if,
  .delete = wb_store_delete_host_only_if,
  .check_remove = check_host_only_if_removable,
  .free_func = (GDestroyNotify) wb_host_only_if_free,
};

gboolean
wb_settings_remove_host_only_if (WbSettings  *self,
                                 const char  *name,
                                 GError     **error)
{
  g_autofree char *network_name = NULL;

  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  network_name = wb_host_only_network_name (name);
  return remove_object (self, &host_only_if_ops, name, network_name, error);
}

typedef struct
{
  guint32 ip;
  guint   prefix;
} HostAddress;

static gboolean
edit_host_only_if_address (gpointer        object,
                           gconstpointer   data,
                           GError        **error)
{
  WbHostOnlyIf *hif = object;
  const HostAddress *address = data;

  replace_str (&hif->ip, wb_ipv4_to_string (address->ip));
  replace_str (&hif->netmask,
               wb_ipv4_to_string (wb_prefix_to_mask (address->prefix)));
  /* A static address replaces a DHCP-configured interface. */
  hif->dhcp = FALSE;
  return TRUE;
}

gboolean
wb_settings_configure_host_only_if (WbSettings  *self,
                                    const char  *name,
                                    const char  *ip,
                                    const char  *netmask,
                                    GError     **error)
{
  HostAddress address;

  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  /* As hostonlyif ipconfig: the mask defaults to 255.255.255.0. */
  if (netmask == NULL || *netmask == '\0')
    netmask = "255.255.255.0";

  if (!wb_ipv4_parse (ip != NULL ? ip : "", &address.ip, error) ||
      !wb_netmask_parse (netmask, &address.prefix, error))
    return FALSE;

  return change_object (self, &host_only_if_ops, name,
                        edit_host_only_if_address, &address, error);
}

static gboolean
edit_host_only_if_relay (gpointer        object,
                         gconstpointer   data,
                         GError        **error)
{
  WbHostOnlyIf *hif = object;

  hif->relay = *(const gboolean *) data;
  return TRUE;
}

gboolean
wb_settings_set_host_only_relay (WbSettings  *self,
                                 const char  *name,
                                 gboolean     relay,
                                 GError     **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  relay = !!relay;
  return change_object (self, &host_only_if_ops, name,
                        edit_host_only_if_relay, &relay, error);
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

/* dhcpserver add without --enable makes a disabled server. */
static gpointer
new_dhcp_server (const char *network_name)
{
  WbDhcpServer *server = wb_dhcp_server_new (network_name);

  server->enabled = FALSE;
  return server;
}

static const ObjectOps dhcp_server_ops = {
  .kind = WB_OBJECT_DHCP_SERVER,
  .load = (LoadFunc) wb_store_load_dhcp_server,
  .update = (SaveFunc) wb_store_update_dhcp_server,
  .delete = wb_store_delete_dhcp_server,
  .free_func = (GDestroyNotify) wb_dhcp_server_free,
  .noun = "DHCP server for network",
  .create = new_dhcp_server,
  .apply = (ApplyFunc) wb_dhcp_server_apply,
  .validate = (CheckFunc) wb_dhcp_server_validate,
  .insert = (SaveFunc) wb_store_insert_dhcp_server,
  .check_add = check_dhcp_network,
};

gboolean
wb_settings_add_dhcp_server (WbSettings      *self,
                             const char      *network_name,
                             const WbOption  *options,
                             gsize            n_options,
                             GError         **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (options != NULL || n_options == 0, FALSE);

  if (!wb_name_validate ("Network name", network_name, WB_NAME_MAX, error))
    return FALSE;

  return add_object (self, &dhcp_server_ops, network_name, options, n_options,
                     error);
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

  return modify_object (self, &dhcp_server_ops, network_name, options,
                        n_options, error);
}

gboolean
wb_settings_remove_dhcp_server (WbSettings  *self,
                                const char  *network_name,
                                GError     **error)
{
  g_return_val_if_fail (WB_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (network_name != NULL, FALSE);

  return remove_object (self, &dhcp_server_ops, network_name, NULL, error);
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
