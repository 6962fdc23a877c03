/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-variant.h"

#define ADD(b, key, value) g_variant_builder_add (b, "{sv}", key, value)

GVariant *
wb_variant_from_rules (GPtrArray *rules)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sssqsq)"));
  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      const WbNatRule *rule = g_ptr_array_index (rules, i);

      g_variant_builder_add (&builder, "(sssqsq)", rule->name,
                             wb_proto_to_string (rule->proto), rule->host_ip,
                             rule->host_port, rule->guest_ip, rule->guest_port);
    }
  return g_variant_builder_end (&builder);
}

static GVariant *
properties_to_variant (GPtrArray *props)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; props != NULL && i < props->len; i++)
    {
      const WbProperty *prop = g_ptr_array_index (props, i);

      g_variant_builder_add (&builder, "(ss)", prop->name, prop->value);
    }
  return g_variant_builder_end (&builder);
}

/* The adapter's entries, added to a dictionary being built. */
static void
add_adapter_entries (GVariantBuilder *b,
                     const WbAdapter *a)
{
  ADD (b, "slot", g_variant_new_uint32 (a->slot));
  ADD (b, "enabled", g_variant_new_boolean (a->enabled));
  ADD (b, "attachment", g_variant_new_string (wb_attachment_to_key (a->attachment)));
  ADD (b, "type", g_variant_new_string (wb_nic_type_to_string (a->type)));
  ADD (b, "mac", g_variant_new_string (a->mac));
  ADD (b, "cable", g_variant_new_boolean (a->cable_connected));
  ADD (b, "promisc", g_variant_new_string (wb_promisc_to_string (a->promisc)));
  ADD (b, "trace", g_variant_new_boolean (a->trace));
  ADD (b, "trace-file", g_variant_new_string (a->trace_file));
  ADD (b, "speed", g_variant_new_uint32 (a->speed_kbps));
  ADD (b, "intnet", g_variant_new_string (a->intnet));
  ADD (b, "nat-network", g_variant_new_string (a->nat_network));
  ADD (b, "bridge-adapter", g_variant_new_string (a->bridge_adapter));
  ADD (b, "hostonly-adapter", g_variant_new_string (a->hostonly_adapter));
  ADD (b, "generic-driver", g_variant_new_string (a->generic_driver));
  ADD (b, "generic-properties", properties_to_variant (a->generic_props));
  ADD (b, "natnet", g_variant_new_string (a->natnet));
  ADD (b, "nat-localhost-reachable", g_variant_new_boolean (a->nat_localhost_reachable));
  ADD (b, "nat-mtu", g_variant_new_uint32 (a->nat_mtu));
  ADD (b, "rules", wb_variant_from_rules (a->nat_rules));
}

/* The adapter dictionary with the guest's settings of that interface. */
static GVariant *
adapter_with_guest (const WbAdapter       *adapter,
                    const WbGuestIfConfig *guest)
{
  g_autofree char *address = NULL;
  g_autofree char *gateway = NULL;
  GVariantBuilder b;

  if (!guest->dhcp)
    {
      g_autofree char *ip = wb_ipv4_to_string (guest->address);

      address = g_strdup_printf ("%s/%u", ip, guest->prefix);
    }
  gateway = guest->gateway != 0 ? wb_ipv4_to_string (guest->gateway) : g_strdup ("");

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  add_adapter_entries (&b, adapter);
  ADD (&b, "guest-dhcp", g_variant_new_boolean (guest->dhcp));
  ADD (&b, "guest-address", g_variant_new_string (address != NULL ? address : ""));
  ADD (&b, "guest-gateway", g_variant_new_string (gateway));
  ADD (&b, "guest-mtu", g_variant_new_uint32 (guest->mtu));
  ADD (&b, "masquerade", g_variant_new_boolean (guest->masquerade));
  return g_variant_builder_end (&b);
}

GVariant *
wb_variant_from_adapters (const WbVm *vm)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    g_variant_builder_add_value (&b, adapter_with_guest (&vm->adapters[i], &vm->guest[i]));
  return g_variant_builder_end (&b);
}

/* Summary: the enabled adapters, each (slot, attachment, target). Compact
 * and built without format strings: a subscribing client gets one per VM,
 * and with many VMs their size is most of what it waits for. */
GVariant *
wb_variant_adapter_summary (const WbVm *vm)
{
  GVariant *items[WB_MAX_ADAPTERS];
  guint n = 0;

  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      const WbAdapter *a = &vm->adapters[i];
      const char *target = NULL;
      GVariant *item[3];

      if (!a->enabled)
        continue;
      switch (a->attachment)
        {
        case WB_ATTACHMENT_INTNET: target = a->intnet; break;
        case WB_ATTACHMENT_NATNETWORK: target = a->nat_network; break;
        case WB_ATTACHMENT_BRIDGED: target = a->bridge_adapter; break;
        case WB_ATTACHMENT_HOSTONLY: target = a->hostonly_adapter; break;
        case WB_ATTACHMENT_GENERIC: target = a->generic_driver; break;
        default: break;
        }
      item[0] = g_variant_new_uint32 (a->slot);
      item[1] = g_variant_new_string (wb_attachment_to_key (a->attachment));
      item[2] = g_variant_new_string (target != NULL ? target : "");
      items[n++] = g_variant_new_tuple (item, G_N_ELEMENTS (item));
    }
  return g_variant_new_array (G_VARIANT_TYPE ("(uss)"), items, n);
}

GVariant *
wb_variant_from_vm (const WbVm *vm)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  ADD (&b, "name", g_variant_new_string (vm->name));
  ADD (&b, "uuid", g_variant_new_string (vm->uuid));
  ADD (&b, "state", g_variant_new_string (vm->running ? "running" : "poweroff"));
  ADD (&b, "adapters", wb_variant_from_adapters (vm));
  ADD (&b, "ip-forward", g_variant_new_boolean (vm->ip_forward));
  {
    GVariantBuilder services;

    g_variant_builder_init (&services, G_VARIANT_TYPE ("a(qs)"));
    for (guint i = 0; vm->services != NULL && i < vm->services->len; i++)
      {
        const WbVmService *service = &g_array_index (vm->services, WbVmService, i);

        g_variant_builder_add (&services, "(qs)", service->port,
                               wb_vm_service_kind_to_string (service->kind));
      }
    ADD (&b, "services", g_variant_builder_end (&services));
  }
  return g_variant_builder_end (&b);
}

GVariant *
wb_variant_from_nat_network (const WbNatNetwork *net)
{
  g_autofree char *gateway = wb_nat_network_gateway (net);
  GVariantBuilder b;
  GVariantBuilder loopback;

  g_variant_builder_init (&loopback, G_VARIANT_TYPE ("a(su)"));
  for (guint i = 0; i < net->loopback->len; i++)
    {
      const WbLoopbackMap *map = g_ptr_array_index (net->loopback, i);

      g_variant_builder_add (&loopback, "(su)", map->address, map->offset);
    }

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  ADD (&b, "name", g_variant_new_string (net->name));
  ADD (&b, "network", g_variant_new_string (net->network));
  ADD (&b, "gateway", g_variant_new_string (gateway));
  ADD (&b, "enabled", g_variant_new_boolean (net->enabled));
  ADD (&b, "dhcp", g_variant_new_boolean (net->dhcp));
  ADD (&b, "ipv6", g_variant_new_boolean (net->ipv6));
  ADD (&b, "ipv6-prefix", g_variant_new_string (net->ipv6_prefix));
  ADD (&b, "running", g_variant_new_boolean (net->running));
  ADD (&b, "rules", wb_variant_from_rules (net->rules));
  ADD (&b, "loopback", g_variant_builder_end (&loopback));
  return g_variant_builder_end (&b);
}

GVariant *
wb_variant_from_host_only_if (const WbHostOnlyIf *hif)
{
  g_autofree char *network_name = wb_host_only_network_name (hif->name);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  ADD (&b, "name", g_variant_new_string (hif->name));
  ADD (&b, "guid", g_variant_new_string (hif->guid));
  ADD (&b, "ip", g_variant_new_string (hif->ip));
  ADD (&b, "netmask", g_variant_new_string (hif->netmask));
  ADD (&b, "mac", g_variant_new_string (hif->mac));
  ADD (&b, "dhcp", g_variant_new_boolean (hif->dhcp));
  ADD (&b, "relay", g_variant_new_boolean (hif->relay));
  ADD (&b, "network-name", g_variant_new_string (network_name));
  return g_variant_builder_end (&b);
}

GVariant *
wb_variant_from_dhcp_server (const WbDhcpServer *server)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  ADD (&b, "network-name", g_variant_new_string (server->network_name));
  ADD (&b, "server-ip", g_variant_new_string (server->server_ip));
  ADD (&b, "netmask", g_variant_new_string (server->netmask));
  ADD (&b, "lower-ip", g_variant_new_string (server->lower_ip));
  ADD (&b, "upper-ip", g_variant_new_string (server->upper_ip));
  ADD (&b, "enabled", g_variant_new_boolean (server->enabled));
  return g_variant_builder_end (&b);
}

GVariant *
wb_variant_from_host_if (const WbHostIf *hostif)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  ADD (&b, "name", g_variant_new_string (hostif->name));
  ADD (&b, "ip", g_variant_new_string (hostif->ip));
  ADD (&b, "netmask", g_variant_new_string (hostif->netmask));
  ADD (&b, "mac", g_variant_new_string (hostif->mac));
  ADD (&b, "up", g_variant_new_boolean (hostif->up));
  ADD (&b, "wireless", g_variant_new_boolean (hostif->wireless));
  ADD (&b, "mtu", g_variant_new_uint32 (hostif->mtu));
  return g_variant_builder_end (&b);
}

WbVmChange *
wb_variant_to_vm_changes (GVariant *changes,
                          gsize    *n_changes)
{
  gsize n = g_variant_n_children (changes);
  WbVmChange *out = g_new0 (WbVmChange, n + 1);

  for (gsize i = 0; i < n; i++)
    g_variant_get_child (changes, i, "(&su&s)",
                         &out[i].key, &out[i].slot, &out[i].value);
  *n_changes = n;
  return out;
}

WbOption *
wb_variant_to_options (GVariant *options,
                       gsize    *n_options)
{
  gsize n = g_variant_n_children (options);
  WbOption *out = g_new0 (WbOption, n + 1);

  for (gsize i = 0; i < n; i++)
    g_variant_get_child (options, i, "(&s&s)", &out[i].key, &out[i].value);
  *n_options = n;
  return out;
}
