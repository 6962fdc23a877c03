/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The connectivity matrix's walk (wb-matrix-private.h): the way from a VM
 * to a target followed hop by hop through the guests' routing tables, the
 * lab's routers and an emulated LAN's gateway, and the Host as a VM's way
 * out defines it (DESIGN.md §5). Nothing is sent: what the runtime's
 * networks and the guests' tables say is read.
 */
#include "wb-matrix-private.h"

#include <string.h>

#include "wb-model.h"
#include "wb-probe-private.h"

#define MAX_HOPS 8

/* The running VM with address @address on network @key, or NULL. */
static const WbVm *
vm_at (WbRuntime  *runtime,
       const char *key,
       guint32     address)
{
  g_autoptr(GVariant) running = wb_runtime_list_running (runtime);
  GVariantIter iter;
  const char *uuid;

  g_variant_iter_init (&iter, running);
  while (g_variant_iter_next (&iter, "(&s&s)", NULL, &uuid))
    {
      WbGuest *guest = _wb_runtime_get_guest (runtime, uuid);

      for (guint slot = 1; guest != NULL && slot <= WB_MAX_ADAPTERS; slot++)
        {
          WbRuntimeNetwork network;

          /* The address first: it rules out nearly every adapter. */
          if (wb_guest_get_address (guest, slot - 1, NULL) != address
              || !_wb_runtime_get_adapter_network (runtime, uuid, slot, &network)
              || strcmp (network.key, key) != 0)
            continue;
          return _wb_runtime_get_vm (runtime, uuid);
        }
    }
  return NULL;
}

/* Where libslirp answers itself, without a real socket: its host alias
 * (the host's loopback) and, where the engine stands in for the Net/LAN,
 * 198.51.100.0/24. */
static gboolean
slirp_is_local (WbSlirp *slirp,
                guint32  address)
{
  return address == wb_slirp_get_config (slirp)->host || wb_slirp_is_local (slirp, address);
}

void
_wb_matrix_walk_clear (WbMatrixWalk *walk)
{
  g_free (walk->reason);
  g_string_free (walk->path, TRUE);
  g_ptr_array_unref (walk->through);
  g_free (walk->end_uuid);
}

/* The emulated LAN's gateway passes on what is sent to @target beyond
 * the LAN when it has a route, and a route to its uplink's libslirp is
 * taken only for what stays in the engine (wb-lan.h); the rest it answers
 * with "net unreachable" at once (and only so often), which is read here
 * rather than waited for. */
gboolean
_wb_matrix_lan_gateway_routes (WbLan   *lan,
                               guint32  target)
{
  WbGuest *gateway = wb_lan_get_station (lan, "gateway");
  WbSlirp *uplink = wb_lan_get_uplink (lan);
  guint32 next_hop = 0;
  guint iface = 0;
  gboolean local = FALSE;

  if (gateway == NULL)
    return TRUE;
  if (!_wb_probe_guest_route (gateway, target, &iface, &next_hop, &local))
    return FALSE;
  return local || uplink == NULL || next_hop == target
         || next_hop != wb_slirp_get_config (uplink)->host
         || wb_slirp_is_local (uplink, target);
}

void
_wb_matrix_walk_stop (WbMatrixWalk *walk,
                      const char   *reason)
{
  walk->send = FALSE;
  g_free (walk->reason);
  walk->reason = g_strdup (reason);
}

void
_wb_matrix_walk (WbRuntime    *runtime,
                 const char   *uuid,
                 guint32       target,
                 gboolean      may_leave,
                 WbMatrixWalk *walk)
{
  g_autofree char *current = g_strdup (uuid);

  *walk = (WbMatrixWalk) {
    .send = TRUE,
    .path = g_string_new (NULL),
    .through = g_ptr_array_new_with_free_func (g_free),
  };

  for (guint hop = 0; hop <= MAX_HOPS; hop++)
    {
      const WbVm *vm = _wb_runtime_get_vm (runtime, current);
      WbGuest *guest = _wb_runtime_get_guest (runtime, current);
      g_autofree char *gateway_text = NULL;
      g_autofree char *label = NULL;
      WbRuntimeNetwork network;
      const WbVm *next;
      struct
      {
        guint    iface;
        guint32  next_hop;
        gboolean local;
      } route;

      if (vm == NULL || guest == NULL)
        {
          _wb_matrix_walk_stop (walk, "not running");
          return;
        }
      if (!_wb_probe_guest_route (guest, target, &route.iface, &route.next_hop, &route.local))
        {
          if (walk->path->len > 0)
            g_string_append_printf (walk->path, " > %s: no route", vm->name);
          _wb_matrix_walk_stop (walk, "no route");
          walk->no_route = TRUE;
          return;
        }
      if (route.local)
        {
          if (hop == 0)
            g_string_append (walk->path, "local (the source's own address)");
          walk->end_uuid = g_strdup (vm->uuid);
          return;
        }
      if (walk->path->len > 0)
        g_string_append (walk->path, " > ");
      label = route.iface < WB_MAX_ADAPTERS ? _wb_probe_adapter_label (&vm->adapters[route.iface])
                                            : g_strdup_printf ("interface %u", route.iface);
      g_string_append (walk->path, label);
      if (route.next_hop != target)
        {
          gateway_text = wb_ipv4_to_string (route.next_hop);
          g_string_append_printf (walk->path, ", gateway %s", gateway_text);
        }
      if (!_wb_runtime_get_adapter_network (runtime, vm->uuid, route.iface + 1, &network))
        return;     /* on no network: nothing leaves, the probe says so */
      if (network.leaves && may_leave)
        {
          g_string_append (walk->path, " (where it leaves the engine)");
          return;
        }
      if (network.leaves)
        {
          _wb_matrix_walk_stop (walk, "the way leads out of this machine (a TAP device, a real "
                                      "interface or a generic driver); not probed off the "
                                      "machine");
          return;
        }
      if (network.slirp != NULL
          && (route.next_hop == wb_slirp_get_config (network.slirp)->host
              || route.next_hop == wb_slirp_get_config (network.slirp)->nameserver))
        {
          const WbSlirpConfig *config = wb_slirp_get_config (network.slirp);

          if (route.next_hop != target)
            g_string_append (walk->path, " (NAT)");
          else
            g_string_append_printf (walk->path, ", %s %s",
                                    target == config->host ? "host alias" : "NAT's address",
                                    (gateway_text = wb_ipv4_to_string (target)));
          if (target == config->host)
            {
              walk->host_alias = TRUE;
              if (!config->host_loopback)
                _wb_matrix_walk_stop (walk, "host loopback not reachable");
            }
          else if (!slirp_is_local (network.slirp, target) && may_leave)
            g_string_append (walk->path, ", on through libslirp");
          else if (!slirp_is_local (network.slirp, target))
            _wb_matrix_walk_stop (walk, "the way leads out of this machine through NAT; "
                                        "not probed off the machine");
          return;
        }
      /* The emulated LAN's gateway is a router of the engine's own: follow
       * its table as a VM router's. Where it has no route it answers
       * "net unreachable", which the probe does not heed: it would wait
       * for its time-out, one slot of the run held per such cell. */
      if (network.lan != NULL && route.next_hop != target
          && route.next_hop == wb_lan_get_plan (network.lan)->gateway)
        {
          if (!_wb_matrix_lan_gateway_routes (network.lan, target))
            {
              g_string_append (walk->path, " > LAN gateway: no route");
              _wb_matrix_walk_stop (walk, "no route");
              walk->no_route = TRUE;
            }
          return;
        }
      next = vm_at (runtime, network.key, route.next_hop);
      if (next == NULL)
        return;     /* an engine station, or nobody: the probe tells */
      if (route.next_hop == target)
        {
          walk->end_uuid = g_strdup (next->uuid);
          return;
        }
      g_string_append_printf (walk->path, " (%s)", next->name);
      g_ptr_array_add (walk->through, g_strdup (next->uuid));
      if (!_wb_probe_guest_forwards (_wb_runtime_get_guest (runtime, next->uuid)))
        return;     /* it drops what is not for it: the probe tells */
      g_free (current);
      current = g_strdup (next->uuid);
    }
  _wb_matrix_walk_stop (walk, "the way passes more than 8 routers; not probed");
}

/* Its own adapter with a host, else the host of the router its default
 * gateway leads to, hop by hop. */
gboolean
_wb_matrix_host_address (WbRuntime  *runtime,
                         const char *uuid,
                         guint32    *address,
                         GPtrArray  *through)
{
  g_autofree char *current = g_strdup (uuid);

  for (guint hop = 0; hop <= MAX_HOPS; hop++)
    {
      const WbVm *vm = _wb_runtime_get_vm (runtime, current);
      WbGuest *guest = _wb_runtime_get_guest (runtime, current);
      WbRuntimeNetwork network;
      guint32 gateway = 0;
      guint iface = 0;
      const WbVm *next;

      if (vm == NULL || guest == NULL)
        return FALSE;
      for (guint slot = 1; slot <= WB_MAX_ADAPTERS; slot++)
        {
          guint32 own = wb_guest_get_address (guest, slot - 1, NULL);

          if (!_wb_runtime_get_adapter_network (runtime, vm->uuid, slot, &network))
            continue;
          if (network.host != NULL)
            {
              *address = wb_guest_get_address (wb_host_endpoint_get_guest (network.host), 0,
                                               NULL);
              return *address != 0;
            }
          if (network.lan != NULL)
            {
              *address = wb_lan_get_plan (network.lan)->host;
              return TRUE;
            }
          if (network.slirp != NULL && own != 0)
            {
              *address = wb_slirp_get_config (network.slirp)->host;
              return TRUE;
            }
        }
      if (!_wb_probe_guest_default_route (guest, &iface, &gateway)
          || !_wb_runtime_get_adapter_network (runtime, vm->uuid, iface + 1, &network))
        return FALSE;
      next = vm_at (runtime, network.key, gateway);
      if (next == NULL || !_wb_probe_guest_forwards (_wb_runtime_get_guest (runtime,
                                                                             next->uuid)))
        return FALSE;
      g_ptr_array_add (through, g_strdup (next->uuid));
      g_free (current);
      current = g_strdup (next->uuid);
    }
  return FALSE;
}

guint32
_wb_matrix_vm_address_for (WbRuntime  *runtime,
                           const char *source_uuid,
                           const char *dest_uuid)
{
  WbGuest *guest = _wb_runtime_get_guest (runtime, dest_uuid);
  guint32 first = 0;

  if (guest == NULL)
    return 0;
  for (guint slot = 1; slot <= WB_MAX_ADAPTERS; slot++)
    {
      guint32 own = wb_guest_get_address (guest, slot - 1, NULL);
      WbRuntimeNetwork network;

      if (own == 0)
        continue;
      if (first == 0)
        first = own;
      if (source_uuid == NULL
          || !_wb_runtime_get_adapter_network (runtime, dest_uuid, slot, &network))
        continue;
      for (guint j = 1; j <= WB_MAX_ADAPTERS; j++)
        {
          WbRuntimeNetwork theirs;

          if (_wb_runtime_get_adapter_network (runtime, source_uuid, j, &theirs)
              && strcmp (theirs.key, network.key) == 0)
            return own;
        }
    }
  return first;
}

gboolean
_wb_matrix_is_own_address (WbRuntime  *runtime,
                           const char *uuid,
                           guint32     address)
{
  WbGuest *guest = _wb_runtime_get_guest (runtime, uuid);

  for (guint i = 0; guest != NULL && i < WB_MAX_ADAPTERS; i++)
    if (wb_guest_get_address (guest, i, NULL) == address)
      return TRUE;
  return FALSE;
}
