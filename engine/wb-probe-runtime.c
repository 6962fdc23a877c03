/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Probes from the endpoints of the running world, by name, and targets by
 * name (wb-probe.h): what the engine's Probe method and the CLI use.
 */
#include "wb-probe-private.h"

#include <string.h>

#include "wb-error.h"
#include "wb-guest-private.h"
#include "wb-lan.h"
#include "wb-model.h"
#include "wb-net.h"
#include "wb-runtime-private.h"
#include "wb-settings.h"
#include "wb-store.h"

/* The network an adapter is a port of, as the runtime keys it; NULL for
 * the private segments (NAT, Generic) and no attachment. */
static char *
adapter_network_key (const WbAdapter *adapter)
{
  if (!adapter->enabled)
    return NULL;
  switch (adapter->attachment)
    {
    case WB_ATTACHMENT_INTNET:
      return g_strconcat ("intnet:", adapter->intnet, NULL);
    case WB_ATTACHMENT_HOSTONLY:
      return g_strconcat ("hostonly:", adapter->hostonly_adapter, NULL);
    case WB_ATTACHMENT_BRIDGED:
      return g_strconcat ("bridged:", adapter->bridge_adapter, NULL);
    case WB_ATTACHMENT_NATNETWORK:
      return g_strconcat ("natnet:", adapter->nat_network, NULL);
    case WB_ATTACHMENT_NAT:
    case WB_ATTACHMENT_NULL:
    case WB_ATTACHMENT_GENERIC:
    case WB_N_ATTACHMENTS:
    default:
      return NULL;
    }
}

const char *
_wb_probe_adapter_attachment (const WbAdapter  *adapter,
                              const char      **name)
{
  *name = NULL;
  switch (adapter->attachment)
    {
    case WB_ATTACHMENT_INTNET:
      *name = adapter->intnet;
      return "internal network";
    case WB_ATTACHMENT_HOSTONLY:
      *name = adapter->hostonly_adapter;
      return "host-only interface";
    case WB_ATTACHMENT_BRIDGED:
      *name = adapter->bridge_adapter;
      return "bridged interface";
    case WB_ATTACHMENT_NATNETWORK:
      *name = adapter->nat_network;
      return "NAT network";
    case WB_ATTACHMENT_NAT:
      return "NAT";
    case WB_ATTACHMENT_GENERIC:
      *name = adapter->generic_driver;
      return "generic driver";
    case WB_ATTACHMENT_NULL:
    case WB_N_ATTACHMENTS:
    default:
      return "not attached";
    }
}

char *
_wb_probe_adapter_label (const WbAdapter *adapter)
{
  const char *name;
  const char *what = _wb_probe_adapter_attachment (adapter, &name);

  if (name != NULL)
    return g_strdup_printf ("adapter %u, %s '%s'", adapter->slot, what, name);
  return g_strdup_printf ("adapter %u, %s", adapter->slot, what);
}

/* A running VM's guest and its configuration as it runs (the runtime's:
 * VMs it runs need not be stored, and a probe needs no copy of it). */
static WbGuest *
lookup_vm (WbRuntime    *runtime,
           const char   *name,
           const WbVm  **vm_out,
           GError      **error)
{
  const WbVm *running = _wb_runtime_get_vm (runtime, name);
  g_autoptr(WbVm) stored = NULL;
  WbGuest *guest;

  /* By its stored name too (renamed while it runs); else the settings say
   * whether there is such a VM at all. */
  if (running == NULL)
    {
      stored = wb_settings_get_vm (_wb_runtime_get_settings (runtime), name, error);
      if (stored == NULL)
        return NULL;
      running = _wb_runtime_get_vm (runtime, stored->uuid);
    }
  guest = running != NULL ? _wb_runtime_get_guest (runtime, running->uuid) : NULL;
  if (guest == NULL)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_BUSY, "VM '%s' is not running",
                   running != NULL ? running->name : stored->name);
      return NULL;
    }
  *vm_out = running;
  return guest;
}

/* "bridged:IFACE/ROLE": a station of a running emulated LAN;
 * "hostonly:IFACE/host": the host endpoint of a host-only network. */
static WbGuest *
lookup_station (WbRuntime   *runtime,
                const char  *name,
                char       **ifname)
{
  const char *slash = strrchr (name, '/');
  g_autofree char *iface = NULL;
  WbLan *lan;
  WbGuest *station;

  if (slash != NULL && g_str_has_prefix (name, "hostonly:") && strcmp (slash, "/host") == 0)
    {
      g_autofree char *key = g_strndup (name, slash - name);
      WbRuntimeNetwork network;

      if (!_wb_runtime_get_network (runtime, key, &network) || network.host == NULL)
        return NULL;
      if (ifname != NULL)
        *ifname = g_strdup (key + strlen ("hostonly:"));
      return wb_host_endpoint_get_guest (network.host);
    }
  if (slash == NULL || !g_str_has_prefix (name, "bridged:"))
    return NULL;
  iface = g_strndup (name + strlen ("bridged:"), slash - name - strlen ("bridged:"));
  lan = _wb_runtime_get_lan (runtime, iface);
  station = lan != NULL ? wb_lan_get_station (lan, slash + 1) : NULL;
  if (station != NULL && ifname != NULL)
    *ifname = g_steal_pointer (&iface);
  return station;
}

/* The host as DESIGN.md §5 defines it for @vm's adapter @adapter. */
static gboolean
adapter_host_address (WbRuntime       *runtime,
                      WbGuest         *guest,
                      const WbAdapter *adapter,
                      guint32         *address)
{
  guint prefix = 0;
  guint32 own = wb_guest_get_address (guest, adapter->slot - 1, &prefix);

  if (!adapter->enabled)
    return FALSE;
  switch (adapter->attachment)
    {
    case WB_ATTACHMENT_HOSTONLY:
      {
        WbStore *store = wb_settings_get_store (_wb_runtime_get_settings (runtime));
        g_autoptr(WbHostOnlyIf) hif = wb_store_load_host_only_if (store, adapter->hostonly_adapter,
                                                                   NULL);

        return hif != NULL && wb_ipv4_parse (hif->ip, address, NULL);
      }
    case WB_ATTACHMENT_BRIDGED:
      {
        WbLan *lan = _wb_runtime_get_lan (runtime, adapter->bridge_adapter);

        if (lan == NULL)
          return FALSE;
        *address = wb_lan_get_plan (lan)->host;
        return TRUE;
      }
    case WB_ATTACHMENT_NAT:
      /* libslirp's host alias, .2 of the adapter's network. */
      if (own == 0)
        return FALSE;
      *address = (own & wb_prefix_to_mask (prefix)) | 2;
      return TRUE;
    case WB_ATTACHMENT_NATNETWORK:
      /* The gateway at .1 is also the host alias. */
      if (own == 0)
        return FALSE;
      *address = (own & wb_prefix_to_mask (prefix)) | 1;
      return TRUE;
    case WB_ATTACHMENT_INTNET:
    case WB_ATTACHMENT_NULL:
    case WB_ATTACHMENT_GENERIC:
    case WB_N_ATTACHMENTS:
    default:
      return FALSE;
    }
}

gboolean
wb_probe_resolve_target (WbRuntime   *runtime,
                         const char  *source,
                         const char  *target,
                         guint32     *address,
                         GError     **error)
{
  const WbVm *source_vm = NULL;
  const WbVm *target_vm = NULL;
  g_autofree char *station_if = NULL;
  g_autofree char *station_key = NULL;
  WbGuest *source_guest;
  WbGuest *target_guest;
  guint32 first = 0;

  g_return_val_if_fail (WB_IS_RUNTIME (runtime), FALSE);

  if (_wb_guest_parse_ipv4 (target, address))
    return TRUE;

  source_guest = lookup_station (runtime, source, &station_if);
  if (source_guest != NULL)
    station_key = g_strndup (source, strrchr (source, '/') - source);
  else if ((source_guest = lookup_vm (runtime, source, &source_vm, error)) == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (target, "host") == 0)
    {
      if (station_key != NULL && g_str_has_prefix (station_key, "hostonly:"))
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       "'%s' is the host itself", source);
          return FALSE;
        }
      if (station_key != NULL)
        {
          *address = wb_lan_get_plan (_wb_runtime_get_lan (runtime, station_if))->host;
          return TRUE;
        }
      for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
        if (adapter_host_address (runtime, source_guest, &source_vm->adapters[i], address))
          return TRUE;
      g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
                   "No adapter of VM '%s' has a path to the host", source_vm->name);
      return FALSE;
    }

  if ((target_guest = lookup_vm (runtime, target, &target_vm, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      g_autofree char *key = adapter_network_key (&target_vm->adapters[i]);
      guint32 own = wb_guest_get_address (target_guest, i, NULL);

      if (own == 0)
        continue;
      if (first == 0)
        first = own;
      if (key == NULL)
        continue;
      if (g_strcmp0 (key, station_key) == 0)
        {
          *address = own;
          return TRUE;
        }
      for (guint j = 0; source_vm != NULL && j < WB_MAX_ADAPTERS; j++)
        {
          g_autofree char *source_key = adapter_network_key (&source_vm->adapters[j]);

          if (g_strcmp0 (key, source_key) == 0)
            {
              *address = own;
              return TRUE;
            }
        }
    }
  if (first == 0)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_BUSY, "VM '%s' has no IPv4 address yet",
                   target_vm->name);
      return FALSE;
    }
  /* No shared network: its first address, which the probe will show
   * unreachable (or reachable through a router). */
  *address = first;
  return TRUE;
}

typedef struct
{
  WbProbeRun *probe;
  char       *uuid;       /* a VM */
  char       *station;    /* "bridged:IFACE/ROLE" */
} SourceWatch;

static void
source_watch_free (gpointer data)
{
  SourceWatch *watch = data;

  g_free (watch->uuid);
  g_free (watch->station);
  g_free (watch);
}

static void
on_vm_state_changed_cb (WbRuntime   *runtime,
                        const char  *uuid,
                        gboolean     running,
                        SourceWatch *watch)
{
  gboolean gone;

  if (running)
    return;
  /* Emitted once the VM (and a LAN left without VMs) has been freed. */
  if (watch->uuid != NULL)
    gone = g_strcmp0 (uuid, watch->uuid) == 0;
  else
    gone = lookup_station (runtime, watch->station, NULL) != _wb_probe_run_get_source (watch->probe);
  if (gone)
    _wb_probe_run_source_gone (watch->probe);
}

void
wb_probe_runtime_async (WbRuntime           *runtime,
                        const char          *source,
                        guint32              target,
                        guint16              tcp_port,
                        guint                timeout_ms,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  const WbVm *vm = NULL;
  g_autofree char *station_if = NULL;
  char *labels[WB_GUEST_MAX_IFACES] = { NULL, };
  GError *error = NULL;
  SourceWatch *watch;
  WbGuest *guest;
  GTask *task;

  g_return_if_fail (WB_IS_RUNTIME (runtime));
  g_return_if_fail (source != NULL);

  task = g_task_new (runtime, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_probe_runtime_async);

  guest = lookup_station (runtime, source, &station_if);
  if (guest != NULL)
    labels[0] = g_str_has_prefix (source, "hostonly:")
                ? g_strdup_printf ("host endpoint, host-only interface '%s'", station_if)
                : g_strdup_printf ("LAN station '%s', bridged interface '%s'",
                                   strrchr (source, '/') + 1, station_if);
  else if ((guest = lookup_vm (runtime, source, &vm, &error)) != NULL)
    {
      for (guint i = 0; i < WB_MAX_ADAPTERS && i < WB_GUEST_MAX_IFACES; i++)
        labels[i] = _wb_probe_adapter_label (&vm->adapters[i]);
    }
  else
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  watch = g_new0 (SourceWatch, 1);
  watch->probe = _wb_probe_run_new (guest, (const char * const *) labels, target, tcp_port,
                                    timeout_ms, task);
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    g_free (labels[i]);
  if (vm != NULL)
    watch->uuid = g_strdup (vm->uuid);
  else
    watch->station = g_strdup (source);
  _wb_probe_run_watch (watch->probe, runtime,
                       g_signal_connect (runtime, "vm-state-changed",
                                         G_CALLBACK (on_vm_state_changed_cb), watch),
                       watch, source_watch_free);
  _wb_probe_run_start (watch->probe, cancellable);
}

WbProbeResult *
wb_probe_runtime_finish (WbRuntime     *runtime,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, runtime), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
probe_names_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  WbProbeResult *probe = wb_probe_runtime_finish (WB_RUNTIME (source), result, &error);

  if (probe == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, probe, (GDestroyNotify) wb_probe_result_free);
}

void
wb_probe_names_async (WbRuntime           *runtime,
                      const char          *source,
                      const char          *target,
                      guint16              tcp_port,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  guint32 address = 0;

  g_return_if_fail (WB_IS_RUNTIME (runtime));
  g_return_if_fail (source != NULL && target != NULL);

  task = g_task_new (runtime, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_probe_names_async);
  if (!wb_probe_resolve_target (runtime, source, target, &address, &error))
    {
      const WbVm *vm = NULL;
      WbProbeResult *probe;

      if (g_ascii_strcasecmp (target, "host") != 0
          || !g_error_matches (error, WB_ERROR, WB_ERROR_NOT_FOUND)
          || lookup_vm (runtime, source, &vm, NULL) == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      /* A running VM without a path to the host (internal network, not
       * attached...): a measured "no", not a failure. */
      probe = g_new0 (WbProbeResult, 1);
      probe->icmp = WB_PROBE_NO_ROUTE;
      probe->tcp = WB_PROBE_NO_ROUTE;
      probe->tcp_port = tcp_port;
      probe->reason = WB_PROBE_NO_ROUTE;
      probe->iface = G_MAXUINT;
      probe->path = g_strdup (error->message);
      g_error_free (error);
      g_task_return_pointer (task, probe, (GDestroyNotify) wb_probe_result_free);
      return;
    }
  wb_probe_runtime_async (runtime, source, address, tcp_port, 0, cancellable,
                          probe_names_cb, g_steal_pointer (&task));
}

WbProbeResult *
wb_probe_names_finish (WbRuntime     *runtime,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, runtime), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

GVariant *
wb_probe_result_to_variant (const WbProbeResult *result)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  char text[16] = "";

  if (result->target != 0)
    wb_ipv4_format (result->target, text);
  g_variant_dict_insert (&dict, "reachable", "s", result->reachable ? "+" : "-");
  g_variant_dict_insert (&dict, "icmp", "s", wb_probe_outcome_to_string (result->icmp));
  g_variant_dict_insert (&dict, "tcp", "s", wb_probe_outcome_to_string (result->tcp));
  g_variant_dict_insert (&dict, "tcp-port", "q", result->tcp_port);
  g_variant_dict_insert (&dict, "reason", "s",
                         result->reachable ? "" : wb_probe_outcome_to_string (result->reason));
  g_variant_dict_insert (&dict, "path", "s", result->path != NULL ? result->path : "");
  g_variant_dict_insert (&dict, "target", "s", text);
  text[0] = '\0';
  if (result->unreachable_from != 0)
    wb_ipv4_format (result->unreachable_from, text);
  g_variant_dict_insert (&dict, "unreachable-from", "s", text);
  return g_variant_dict_end (&dict);
}
