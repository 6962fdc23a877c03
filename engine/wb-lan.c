/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The emulated LAN (wb-lan.h). Every station is a guest stack of the
 * engine's; the gateway is the router of the "Outside" stand-in
 * (wb-standin.h), with its eth0 on the LAN. The DHCP server shares the
 * gateway's port and address: DHCP requests go to it, everything else to
 * the gateway's stack (which answers ARP for the shared address).
 */
#include "wb-lan.h"

#include <string.h>

#include "wb-dhcpd.h"
#include "wb-guest-private.h"
#include "wb-host-endpoint.h"
#include "wb-model.h"
#include "wb-net.h"
#include "wb-standin.h"

#define LAN_MTU               WB_ETH_JUMBO_MTU
#define POOL_SIZE             100
#define POOL_PREFERRED_START  100             /* .100, as home routers do */
#define PEER_FROM_TOP         5               /* .250 on a /24 */
#define MAX_PREFIX            29              /* room for every member and a pool */
#define DHCP_SERVER_PORT      67

typedef enum
{
  ROLE_GATEWAY,
  ROLE_HOST,
  ROLE_PEER,
  ROLE_OUTSIDE,
  N_ROLES
} Role;

static const char * const role_names[N_ROLES] = {
  [ROLE_GATEWAY] = "gateway",
  [ROLE_HOST] = "host",
  [ROLE_PEER] = "peer",
  [ROLE_OUTSIDE] = "outside",
};

typedef struct
{
  WbLan          *lan;
  WbGuest        *guest;
  WbSegmentPort  *ports[2];     /* per interface */
} Station;

struct _WbLan
{
  WbLanPlan        plan;
  char            *ifname;
  WbLanLogFunc     log;
  gpointer         user_data;
  GMainContext    *context;
  WbStandin       *outside;       /* its router is the gateway */
  WbSegmentPort   *gateway_port;  /* the gateway's eth0 and the DHCP server */
  Station          peer;
  WbDhcpd         *dhcpd;
  WbHostEndpoint  *host;
  guint64          outside_drops;
};

/* --- the plan ---------------------------------------------------------------- */

static int
compare_addresses (gconstpointer a,
                   gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* The pool: POOL_SIZE addresses of the longest run that holds none of the
 * members, from .100 when the run covers it. */
static void
plan_pool (WbLanPlan *plan,
           guint32    network,
           guint32    broadcast)
{
  guint32 taken[3] = { plan->host, plan->gateway, plan->peer };
  guint32 run_start = network + 1;
  guint32 best_start = 0;
  guint32 best_len = 0;

  qsort (taken, G_N_ELEMENTS (taken), sizeof taken[0], compare_addresses);
  for (guint i = 0; i <= G_N_ELEMENTS (taken); i++)
    {
      guint32 run_end = i < G_N_ELEMENTS (taken) ? taken[i] : broadcast;   /* exclusive */

      if (run_end > run_start && run_end - run_start > best_len)
        {
          best_start = run_start;
          best_len = run_end - run_start;
        }
      if (i < G_N_ELEMENTS (taken))
        run_start = taken[i] + 1;
    }

  if (network + POOL_PREFERRED_START >= best_start
      && network + POOL_PREFERRED_START < best_start + best_len)
    {
      best_len -= network + POOL_PREFERRED_START - best_start;
      best_start = network + POOL_PREFERRED_START;
    }
  plan->pool_lower = best_start;
  plan->pool_upper = best_start + MIN (best_len, POOL_SIZE) - 1;
}

void
wb_lan_plan (guint32    host,
             guint      prefix,
             WbLanPlan *plan)
{
  guint32 mask, network, broadcast;

  if (host == 0 || prefix > MAX_PREFIX || prefix == 0)
    {
      host = WB_LAN_FALLBACK_HOST;
      prefix = WB_LAN_FALLBACK_PREFIX;
    }
  mask = wb_prefix_to_mask (prefix);
  network = host & mask;
  broadcast = network | ~mask;

  plan->host = host;
  plan->prefix = prefix;
  plan->gateway = network + 1 != host ? network + 1 : broadcast - 1;
  plan->peer = broadcast - PEER_FROM_TOP;
  while (plan->peer == host || plan->peer == plan->gateway)
    plan->peer--;
  plan_pool (plan, network, broadcast);
}

/* --- stations ---------------------------------------------------------------- */

static void lan_log (WbLan      *lan,
                     const char *format,
                     ...) G_GNUC_PRINTF (2, 3);

static void
lan_log (WbLan      *lan,
         const char *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (lan->log == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  lan->log (lan->user_data, message);
}

/* A locally administered MAC per interface and role, the same every time
 * so that traces compare. */
static void
station_mac (const char *ifname,
             Role        role,
             guint       iface,
             guint8      mac[WB_ETH_ALEN])
{
  guint hash = g_str_hash (ifname);

  mac[0] = 0x02;
  mac[1] = 0x57;      /* "WL": a Wirebox LAN station */
  mac[2] = 0x4c;
  mac[3] = (hash >> 8) & 0xff;
  mac[4] = hash & 0xff;
  mac[5] = (guint8) (role << 4 | iface);
}

static void
station_transmit_cb (gpointer      user_data,
                     guint         iface,
                     const guint8 *frame,
                     gsize         len)
{
  Station *station = user_data;

  if (iface < G_N_ELEMENTS (station->ports) && station->ports[iface] != NULL)
    wb_segment_port_send (station->ports[iface], frame, len);
}

static void
station_log_cb (gpointer    user_data,
                const char *message)
{
  Station *station = user_data;

  lan_log (station->lan, "%s: %s", _wb_guest_get_name (station->guest), message);
}

static void
station_deliver0_cb (gpointer      user_data,
                     const guint8 *frame,
                     gsize         len)
{
  Station *station = user_data;

  wb_guest_input (station->guest, 0, frame, len);
}

static void
station_init (Station    *station,
              WbLan      *lan,
              Role        role)
{
  static const WbGuestCallbacks callbacks = {
    .transmit = station_transmit_cb,
    .log = station_log_cb,
  };

  station->lan = lan;
  station->guest = wb_guest_new (role_names[role],
                                 lan->context,
                                 &callbacks, station);
}

/* Interface 0 of @station at @address/@prefix on @segment. */
static void
station_attach (Station    *station,
                Role        role,
                WbSegment  *segment,
                guint32     address,
                guint       prefix)
{
  guint8 mac[WB_ETH_ALEN];

  station_mac (station->lan->ifname, role, 0, mac);
  wb_guest_add_interface (station->guest, 0, mac, wb_segment_get_mtu (segment));
  wb_guest_configure_static (station->guest, 0, address, prefix);
  station->ports[0] = wb_segment_add_port (segment, WB_PORT_HOST,
                                           WB_PORT_FLAGS_IPV4_ONLY, mac,
                                           station_deliver0_cb, station);
  wb_guest_set_link (station->guest, 0, TRUE);
}

static void
station_add_services (Station *station)
{
  g_autoptr(GError) error = NULL;

  if (!wb_guest_add_service (station->guest, 80, WB_GUEST_SERVICE_HTTP, &error)
      || !wb_guest_add_service (station->guest, 22, WB_GUEST_SERVICE_SSH, &error))
    lan_log (station->lan, "services not started: %s", error->message);
}

static void
station_clear (Station *station)
{
  if (station->guest == NULL)
    return;
  wb_guest_shutdown (station->guest);
  for (guint i = 0; i < G_N_ELEMENTS (station->ports); i++)
    g_clear_pointer (&station->ports[i], wb_segment_remove_port);
  g_clear_pointer (&station->guest, wb_guest_free);
}

/* --- the gateway and its DHCP server ------------------------------------------------ */

/* A DHCP message for the server: IPv4, UDP, to port 67. */
static gboolean
is_dhcp_request (const guint8 *frame,
                 gsize         len)
{
  gsize ihl;

  if (len < WB_ETH_HLEN + WB_IPV4_HLEN + WB_UDP_HLEN
      || wb_get_be16 (frame + 12) != WB_ETHERTYPE_IPV4)
    return FALSE;
  ihl = (gsize) (frame[WB_ETH_HLEN] & 0x0f) * 4;
  return frame[WB_ETH_HLEN + 9] == WB_IP_PROTO_UDP
         && ihl >= WB_IPV4_HLEN
         && len >= WB_ETH_HLEN + ihl + WB_UDP_HLEN
         && wb_get_be16 (frame + WB_ETH_HLEN + ihl + 2) == DHCP_SERVER_PORT;
}

/* An IPv4 datagram to the gateway's MAC for neither the LAN nor the
 * stand-in's network: the gateway has no route for it (it answers "net
 * unreachable"); counted here, where the guarantee is made. */
static gboolean
is_bound_outside (WbLan        *lan,
                  const guint8 *frame,
                  gsize         len)
{
  guint32 mask = wb_prefix_to_mask (lan->plan.prefix);
  guint32 outside_mask = wb_prefix_to_mask (WB_LAN_OUTSIDE_PREFIX);
  guint32 dst;

  if (len < WB_ETH_HLEN + WB_IPV4_HLEN || wb_get_be16 (frame + 12) != WB_ETHERTYPE_IPV4
      || wb_mac_is_multicast (frame))
    return FALSE;
  dst = wb_get_be32 (frame + WB_ETH_HLEN + 16);
  return (dst & mask) != (lan->plan.host & mask)
         && (dst & outside_mask) != (WB_LAN_OUTSIDE_ADDRESS & outside_mask);
}

static void
gateway_deliver_cb (gpointer      user_data,
                    const guint8 *frame,
                    gsize         len)
{
  WbLan *lan = user_data;

  if (lan->dhcpd != NULL && is_dhcp_request (frame, len))
    {
      wb_dhcpd_input (lan->dhcpd, frame, len);
      return;
    }
  if (lan->outside == NULL)
    return;
  if (is_bound_outside (lan, frame, len))
    lan->outside_drops++;
  wb_standin_input (lan->outside, frame, len);
}

/* The gateway's eth0 and the DHCP server send through the same port. */
static void
gateway_send_cb (gpointer      user_data,
                 const guint8 *frame,
                 gsize         len)
{
  WbLan *lan = user_data;

  wb_segment_port_send (lan->gateway_port, frame, len);
}

static void
outside_log_cb (gpointer    user_data,
                const char *message)
{
  lan_log (user_data, "%s", message);
}

static void
dhcpd_log_cb (gpointer    user_data,
              const char *message)
{
  lan_log (user_data, "DHCP: %s", message);
}

static void
add_gateway (WbLan     *lan,
             WbSegment *segment)
{
  g_autoptr(WbDhcpServer) config = NULL;
  g_autofree char *name = g_strconcat ("bridged:", lan->ifname, NULL);
  g_autofree char *outside_name = NULL;
  const WbLanPlan *plan = &lan->plan;
  WbStandinConfig outside = { 0 };
  guint8 mac[WB_ETH_ALEN];

  station_mac (lan->ifname, ROLE_GATEWAY, 0, mac);
  /* The port first: the gateway announces its address as it comes up. */
  lan->gateway_port = wb_segment_add_port (segment, WB_PORT_HOST, WB_PORT_FLAGS_IPV4_ONLY,
                                           mac, gateway_deliver_cb, lan);
  outside_name = g_strconcat (wb_segment_get_name (segment), " outside", NULL);
  outside.router_name = role_names[ROLE_GATEWAY];
  outside.segment_name = outside_name;
  memcpy (outside.inward_mac, mac, WB_ETH_ALEN);
  outside.inward_address = plan->gateway;
  outside.inward_prefix = plan->prefix;
  outside.inward_mtu = wb_segment_get_mtu (segment);
  station_mac (lan->ifname, ROLE_GATEWAY, 1, outside.outward_mac);
  station_mac (lan->ifname, ROLE_OUTSIDE, 0, outside.station_mac);
  lan->outside = wb_standin_new (&outside, lan->context, gateway_send_cb,
                                 outside_log_cb, lan);

  config = wb_dhcp_server_new (name);
  g_free (config->server_ip);
  config->server_ip = wb_ipv4_to_string (plan->gateway);
  g_free (config->netmask);
  config->netmask = wb_ipv4_to_string (wb_prefix_to_mask (plan->prefix));
  g_free (config->lower_ip);
  config->lower_ip = wb_ipv4_to_string (plan->pool_lower);
  g_free (config->upper_ip);
  config->upper_ip = wb_ipv4_to_string (plan->pool_upper);
  config->enabled = TRUE;

  /* Leases live as long as the LAN: it is not the user's DHCP server. */
  lan->dhcpd = wb_dhcpd_new (config, NULL, mac, gateway_send_cb, dhcpd_log_cb, lan);
  wb_dhcpd_set_router (lan->dhcpd, plan->gateway);
}

/* --- the LAN ---------------------------------------------------------------- */

static void
host_log_cb (gpointer    user_data,
             const char *message)
{
  lan_log (user_data, "host: %s", message);
}

WbLan *
wb_lan_new (WbSegment       *segment,
            const char      *ifname,
            const WbLanPlan *plan,
            WbLanLogFunc     log,
            gpointer         user_data)
{
  WbLan *lan;
  guint8 mac[WB_ETH_ALEN];

  g_return_val_if_fail (segment != NULL, NULL);
  g_return_val_if_fail (ifname != NULL && plan != NULL, NULL);

  lan = g_new0 (WbLan, 1);
  lan->plan = *plan;
  lan->ifname = g_strdup (ifname);
  lan->log = log;
  lan->user_data = user_data;
  lan->context = wb_segment_get_context (segment);

  add_gateway (lan, segment);

  station_mac (ifname, ROLE_HOST, 0, mac);
  lan->host = wb_host_endpoint_new (segment, mac, plan->host, plan->prefix, TRUE,
                                    host_log_cb, lan);

  station_init (&lan->peer, lan, ROLE_PEER);
  station_attach (&lan->peer, ROLE_PEER, segment, plan->peer, plan->prefix);
  wb_guest_set_gateway (lan->peer.guest, 0, plan->gateway);
  station_add_services (&lan->peer);
  return lan;
}

void
wb_lan_free (WbLan *lan)
{
  if (lan == NULL)
    return;
  station_clear (&lan->peer);
  wb_host_endpoint_free (lan->host);
  g_clear_pointer (&lan->dhcpd, wb_dhcpd_free);
  g_clear_pointer (&lan->outside, wb_standin_free);
  g_clear_pointer (&lan->gateway_port, wb_segment_remove_port);
  g_free (lan->ifname);
  g_free (lan);
}

const WbLanPlan *
wb_lan_get_plan (WbLan *lan)
{
  return &lan->plan;
}

WbGuest *
wb_lan_get_station (WbLan      *lan,
                    const char *role)
{
  if (g_strcmp0 (role, role_names[ROLE_GATEWAY]) == 0)
    return wb_standin_get_router (lan->outside);
  if (g_strcmp0 (role, role_names[ROLE_HOST]) == 0)
    return wb_host_endpoint_get_guest (lan->host);
  if (g_strcmp0 (role, role_names[ROLE_PEER]) == 0)
    return lan->peer.guest;
  if (g_strcmp0 (role, role_names[ROLE_OUTSIDE]) == 0)
    return wb_standin_get_station (lan->outside);
  return NULL;
}

guint64
wb_lan_get_outside_drops (WbLan *lan)
{
  return lan->outside_drops;
}
