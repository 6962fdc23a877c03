/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-example-lab.h"

#include "wb-client.h"
#include "wb-error.h"

typedef struct
{
  const char *key;
  guint       slot;
  const char *value;
} Change;

typedef struct
{
  const char   *name;
  const Change *modify;
  const Change *guest;
} LabVm;

/* "@hostonly" and "@bridged" stand for names known only at run time. */
static const Change router_modify[] = {
  { "nic", 1, "nat" },
  { "natlocalhostreachable", 1, "on" },
  { "nic", 2, "intnet" },
  { "intnet", 2, "intnet" },
  { NULL },
};
static const Change router_guest[] = {
  { "masquerade", 1, "on" },
  { "guestip", 2, "192.168.23.1/24" },
  { "ipforward", 0, "on" },
  { NULL },
};
static const Change inside_modify[] = {
  { "nic", 1, "intnet" },
  { "intnet", 1, "intnet" },
  { NULL },
};
static const Change vm2_guest[] = {
  { "guestip", 1, "192.168.23.2/24" },
  { "guestgateway", 1, "192.168.23.1" },
  { NULL },
};
static const Change vm3_guest[] = {
  { "guestip", 1, "192.168.23.3/24" },
  { "guestgateway", 1, "192.168.23.1" },
  { NULL },
};
static const Change web_modify[] = {
  { "nic", 1, "nat" },
  { "natpf", 1, "guestssh,tcp,127.0.0.1,8022,,22" },
  { "natpf", 1, "web,tcp,127.0.0.1,8080,,80" },
  { NULL },
};
static const Change natnet_modify[] = {
  { "nic", 1, "natnetwork" },
  { "natnetwork", 1, "natnet1" },
  { NULL },
};
static const Change hostonly_modify[] = {
  { "nic", 1, "hostonly" },
  { "hostonlyadapter", 1, "@hostonly" },
  { NULL },
};
static const Change bridged_modify[] = {
  { "nic", 1, "bridged" },
  { "bridgeadapter", 1, "@bridged" },
  { NULL },
};

static const LabVm lab_vms[] = {
  { "Router", router_modify, router_guest },
  { "VM2", inside_modify, vm2_guest },
  { "VM3", inside_modify, vm3_guest },
  { "Web", web_modify, NULL },
  { "NatVM1", natnet_modify, NULL },
  { "NatVM2", natnet_modify, NULL },
  { "HostOnlyVM", hostonly_modify, NULL },
  { "BridgedVM", bridged_modify, NULL },
};

typedef struct
{
  WbDBusEngine *engine;
  char         *hostonly;
  char         *bridged;
  GError       *first_error;
} Loader;

static void
loader_free (Loader *loader)
{
  g_clear_object (&loader->engine);
  g_free (loader->hostonly);
  g_free (loader->bridged);
  g_clear_error (&loader->first_error);
  g_free (loader);
}

/* Keeps the first error, with the engine's message stripped of its D-Bus
 * prefix and prefixed by the piece it was about. */
static void
loader_fail (Loader     *loader,
             const char *piece,
             GError     *error)
{
  if (loader->first_error == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_prefix_error (&error, "%s: ", piece);
      loader->first_error = error;
    }
  else
    g_error_free (error);
}

static gboolean
names_contain (GVariant   *list,
               const char *format,
               const char *name)
{
  GVariantIter iter;
  const char *item;

  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, format, &item, NULL))
    {
      if (g_strcmp0 (item, name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Whether a dictionary of the aa{sv} has "name" @name. */
static gboolean
dicts_contain (GVariant   *dicts,
               const char *name)
{
  GVariantIter iter;
  GVariant *dict;

  g_variant_iter_init (&iter, dicts);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = dict;
      const char *value = NULL;

      if (g_variant_lookup (dict, "name", "&s", &value) && g_strcmp0 (value, name) == 0)
        return TRUE;
    }
  return FALSE;
}

static GVariant *
build_changes (Loader       *loader,
               const Change *changes)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sus)"));
  for (const Change *c = changes; c->key != NULL; c++)
    {
      const char *value = c->value;

      if (g_strcmp0 (value, "@hostonly") == 0)
        value = loader->hostonly;
      else if (g_strcmp0 (value, "@bridged") == 0)
        value = loader->bridged;
      /* With no host interface at all, the bridged VM keeps the emulated
       * LAN that the engine gives an adapter without a target. */
      if (value == NULL)
        continue;
      g_variant_builder_add (&builder, "(sus)", c->key, c->slot, value);
    }
  return g_variant_builder_end (&builder);
}

static void
make_vm (Loader       *loader,
         const LabVm  *vm,
         GCancellable *cancellable)
{
  g_autofree char *uuid = NULL;
  GError *error = NULL;

  if (!wb_dbus_engine_call_create_vm_sync (loader->engine, vm->name, TRUE, &uuid,
                                           cancellable, &error))
    {
      loader_fail (loader, vm->name, error);
      return;
    }

  if (!wb_dbus_engine_call_modify_vm_sync (loader->engine, vm->name,
                                           build_changes (loader, vm->modify),
                                           cancellable, &error) ||
      (vm->guest != NULL &&
       !wb_dbus_engine_call_configure_guest_sync (loader->engine, vm->name,
                                                  build_changes (loader, vm->guest),
                                                  cancellable, &error)))
    {
      /* A half-made VM would be skipped as "existing" next time: drop it. */
      wb_dbus_engine_call_delete_vm_sync (loader->engine, vm->name, FALSE, NULL, NULL);
      loader_fail (loader, vm->name, error);
    }
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GDBusConnection *connection = task_data;
  Loader *loader = g_new0 (Loader, 1);
  g_autoptr(GVariant) vms = NULL;
  g_autoptr(GVariant) nat_networks = NULL;
  g_autoptr(GVariant) hostonly_ifs = NULL;
  g_autoptr(GVariant) bridged_ifs = NULL;
  GError *error = NULL;

  loader->engine = wb_client_get_engine_sync (connection, cancellable, &error);
  if (loader->engine == NULL ||
      !wb_dbus_engine_call_list_vms_sync (loader->engine, &vms, cancellable, &error) ||
      !wb_dbus_engine_call_list_nat_networks_sync (loader->engine, &nat_networks, cancellable, &error) ||
      !wb_dbus_engine_call_list_host_only_ifs_sync (loader->engine, &hostonly_ifs, cancellable, &error) ||
      !wb_dbus_engine_call_list_bridged_ifs_sync (loader->engine, &bridged_ifs, cancellable, &error))
    {
      g_dbus_error_strip_remote_error (error);
      loader_free (loader);
      g_task_return_error (task, error);
      return;
    }

  if (!dicts_contain (nat_networks, "natnet1"))
    {
      GVariantBuilder options;

      g_variant_builder_init (&options, G_VARIANT_TYPE ("a(ss)"));
      g_variant_builder_add (&options, "(ss)", "network", "192.168.22.0/24");
      g_variant_builder_add (&options, "(ss)", "enable", "");
      if (!wb_dbus_engine_call_add_nat_network_sync (loader->engine, "natnet1",
                                                     g_variant_builder_end (&options),
                                                     cancellable, &error))
        loader_fail (loader, "natnet1", error);
    }

  if (dicts_contain (hostonly_ifs, "vboxnet0"))
    loader->hostonly = g_strdup ("vboxnet0");
  else if (!wb_dbus_engine_call_create_host_only_if_sync (loader->engine, &loader->hostonly,
                                                          cancellable, &error))
    loader_fail (loader, "vboxnet0", error);

  if (g_variant_n_children (bridged_ifs) > 0)
    {
      g_autoptr(GVariant) first = g_variant_get_child_value (bridged_ifs, 0);

      g_variant_lookup (first, "name", "s", &loader->bridged);
    }

  for (guint i = 0; i < G_N_ELEMENTS (lab_vms); i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (names_contain (vms, "(&s&s)", lab_vms[i].name))
        continue;
      /* Without its interface, the host-only VM would fail anyway. */
      if (g_strcmp0 (lab_vms[i].name, "HostOnlyVM") == 0 && loader->hostonly == NULL)
        continue;
      make_vm (loader, &lab_vms[i], cancellable);
    }

  if (loader->first_error != NULL)
    g_task_return_error (task, g_steal_pointer (&loader->first_error));
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
  loader_free (loader);
}

void
wb_example_lab_load_async (GDBusConnection     *connection,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  /* Registers the engine's error names before any reply can carry one. */
  wb_error_quark ();

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_example_lab_load_async);
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);
  /* A sequence of short calls: simplest as sync calls on a worker, which
   * blocks neither the UI thread nor the engine thread. */
  g_task_run_in_thread (task, load_in_thread);
}

gboolean
wb_example_lab_load_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
