/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The emulated LAN (wb-lan.h). Every station is a guest stack of the
 * engine's. The gateway's eth0 is on the LAN, its eth1 on the uplink
 * segment with a WbSlirp. The DHCP server shares the gateway's LAN port
 * and address: DHCP requests go to it, everything else to the gateway's
 * stack (which answers ARP for the shared address).
 */
#include "wb-lan.h"

#include <string.h>

#include "wb-dhcpd.h"
#include "wb-guest-private.h"
#include "wb-host-endpoint.h"
#include "wb-model.h"
#include "wb-net.h"

#define LAN_MTU               WB_ETH_JUMBO_MTU
#define POOL_SIZE             100
#define POOL_PREFERRED_START  100             /* .100, as home routers do */
#define PEER_FROM_TOP         5               /* .250 on a /24 */
#define MAX_PREFIX            29              /* room for every member and a pool */
#define DHCP_SERVER_PORT      67
#define UPLINK_SLIRP          2               /* libslirp's host alias */
#define UPLINK_NAMESERVER     3
#define UPLINK_GATEWAY        15              /* where libslirp's DHCP would put it */
#define UNREACHABLES_PER_SECOND 100           /* as the guest stack's ICMP errors */

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
  Station          gateway;       /* ports[0] also the DHCP server's */
  guint8           gateway_mac[WB_ETH_ALEN];
  gint64           unreachable_second;
  guint            unreachables;
  WbSegment       *uplink;        /* the gateway's eth1 and libslirp */
  WbSlirp         *slirp;
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

/* An IPv4 datagram from the LAN, to the gateway's MAC, that the gateway
 * would route to its uplink for an address libslirp would reach off the
 * machine (see uplink_allows). */
static gboolean
is_bound_off_machine (WbLan        *lan,
                      const guint8 *frame,
                      gsize         len)
{
  guint32 mask = wb_prefix_to_mask (lan->plan.prefix);
  guint32 dst;

  if (lan->slirp == NULL || len < WB_ETH_HLEN + WB_IPV4_HLEN
      || wb_get_be16 (frame + 12) != WB_ETHERTYPE_IPV4
      || !wb_mac_equal (frame, lan->gateway_mac) || (frame[WB_ETH_HLEN] >> 4) != 4)
    return FALSE;
  dst = wb_get_be32 (frame + WB_ETH_HLEN + 16);
  return (dst & mask) != (lan->plan.host & mask)
         && dst != wb_guest_get_address (lan->gateway.guest, 1, NULL)
         && !wb_slirp_is_local (lan->slirp, dst);
}

/* "Net unreachable" from the gateway for @frame, as its stack says when it
 * has no route: a probe knows at once. As the stack (and RFC 1812
 * 4.3.2.7): not for a header with a bad checksum, fragments after the
 * first or ICMP errors, nor to no one, a broadcast or a group; at most
 * UNREACHABLES_PER_SECOND. */
static void
send_net_unreachable (WbLan        *lan,
                      const guint8 *frame,
                      gsize         len)
{
  const guint8 *ip = frame + WB_ETH_HLEN;
  gsize ihl = (gsize) (ip[0] & 0x0f) * 4;
  gsize quoted;
  guint8 reply[WB_ETH_HLEN + WB_IPV4_HLEN + WB_ICMP_HLEN + 60 + 8];
  guint8 *rip = reply + WB_ETH_HLEN;
  guint8 *icmp = rip + WB_IPV4_HLEN;
  gsize ip_len = MIN (len - WB_ETH_HLEN, wb_get_be16 (ip + 2));
  gint64 second = g_get_monotonic_time () / G_USEC_PER_SEC;
  gsize total;

  if (ihl < WB_IPV4_HLEN || ip_len < ihl || wb_checksum (ip, ihl) != 0
      || wb_get_be32 (ip + 12) == 0 || wb_get_be32 (ip + 12) == WB_IPV4_BROADCAST
      || (ip[12] & 0xf0) == 0xe0 || wb_mac_is_multicast (frame + 6)
      || (wb_get_be16 (ip + 6) & 0x1fff) != 0
      || (ip[9] == WB_IP_PROTO_ICMP
          && (ip_len < ihl + 1 || (ip[ihl] != 8 && ip[ihl] != 0))))
    return;
  if (second != lan->unreachable_second)
    {
      lan->unreachable_second = second;
      lan->unreachables = 0;
    }
  if (lan->unreachables++ >= UNREACHABLES_PER_SECOND)
    return;
  quoted = MIN (ip_len, ihl + 8);
  total = WB_IPV4_HLEN + WB_ICMP_HLEN + quoted;

  memset (reply, 0, sizeof reply);
  memcpy (reply, frame + 6, WB_ETH_ALEN);
  memcpy (reply + 6, frame, WB_ETH_ALEN);
  wb_put_be16 (reply + 12, WB_ETHERTYPE_IPV4);
  rip[0] = 0x45;
  wb_put_be16 (rip + 2, (guint16) total);
  rip[8] = 64;
  rip[9] = WB_IP_PROTO_ICMP;
  wb_put_be32 (rip + 12, lan->plan.gateway);
  memcpy (rip + 16, ip + 12, 4);
  wb_put_be16 (rip + 10, wb_checksum (rip, WB_IPV4_HLEN));
  icmp[0] = 3;        /* destination unreachable */
  icmp[1] = 0;        /* net unreachable */
  memcpy (icmp + WB_ICMP_HLEN, ip, quoted);
  wb_put_be16 (icmp + 2, wb_checksum (icmp, WB_ICMP_HLEN + quoted));
  wb_segment_port_send (lan->gateway.ports[0], reply, WB_ETH_HLEN + total);
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
  if (is_bound_off_machine (lan, frame, len))
    {
      lan->outside_drops++;
      send_net_unreachable (lan, frame, len);
      return;
    }
  wb_guest_input (lan->gateway.guest, 0, frame, len);
}

static void
uplink_deliver_cb (gpointer      user_data,
                   const guint8 *frame,
                   gsize         len)
{
  WbLan *lan = user_data;

  wb_guest_input (lan->gateway.guest, 1, frame, len);
}

/* What libslirp may be given: ARP, and IPv4 that its port keeps in the
 * engine. Anything else it would turn into a real socket. */
static gboolean
uplink_allows (WbLan        *lan,
               const guint8 *frame,
               gsize         len)
{
  if (len < WB_ETH_HLEN)
    return FALSE;
  if (wb_get_be16 (frame + 12) == WB_ETHERTYPE_ARP)
    return TRUE;
  return wb_get_be16 (frame + 12) == WB_ETHERTYPE_IPV4
         && len >= WB_ETH_HLEN + WB_IPV4_HLEN
         && wb_slirp_is_local (lan->slirp, wb_get_be32 (frame + WB_ETH_HLEN + 16));
}

static void
gateway_transmit_cb (gpointer      user_data,
                     guint         iface,
                     const guint8 *frame,
                     gsize         len)
{
  Station *station = user_data;
  WbLan *lan = station->lan;

  if (iface == 1 && lan->slirp != NULL && !uplink_allows (lan, frame, len))
    {
      lan->outside_drops++;
      return;
    }
  station_transmit_cb (user_data, iface, frame, len);
}

/* The gateway's eth0 and the DHCP server send through the same port. */
static void
gateway_send_cb (gpointer      user_data,
                 const guint8 *frame,
                 gsize         len)
{
  WbLan *lan = user_data;

  wb_segment_port_send (lan->gateway.ports[0], frame, len);
}

static void
slirp_log_cb (gpointer    user_data,
              const char *message)
{
  lan_log (user_data, "uplink: %s", message);
}

static void
dhcpd_log_cb (gpointer    user_data,
              const char *message)
{
  lan_log (user_data, "DHCP: %s", message);
}

/* The uplink network: one that the LAN's subnet does not overlap. */
static guint32
uplink_network (const WbLanPlan *plan)
{
  guint32 network = WB_LAN_UPLINK_NETWORK;
  guint prefix = MIN (plan->prefix, WB_LAN_UPLINK_PREFIX);
  guint32 mask = wb_prefix_to_mask (prefix);

  while ((network & mask) == (plan->host & mask))
    network += 1u << (32 - WB_LAN_UPLINK_PREFIX);
  return network;
}

/* libslirp on a private segment, and the gateway's eth1 there with its
 * default route through it. */
static void
add_uplink (WbLan     *lan,
            WbSegment *segment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strconcat (wb_segment_get_name (segment), " uplink", NULL);
  guint mtu = MIN (wb_segment_get_mtu (segment), WB_SLIRP_MAX_MTU);
  guint32 network = uplink_network (&lan->plan);
  WbSlirpConfig config = {
    .network = network,
    .prefix = WB_LAN_UPLINK_PREFIX,
    .host = network + UPLINK_SLIRP,
    .nameserver = network + UPLINK_NAMESERVER,
    .dhcp_start = 0,              /* the gateway is static */
    .host_loopback = FALSE,       /* the LAN reaches the host at its address */
    .mtu = mtu,
  };
  Station *gateway = &lan->gateway;
  guint8 mac[WB_ETH_ALEN];

  lan->uplink = wb_segment_new (name, mtu, lan->context);
  lan->slirp = wb_slirp_new (lan->uplink, &config, slirp_log_cb, lan, &error);
  if (lan->slirp == NULL)
    {
      lan_log (lan, "no uplink: %s", error->message);
      return;
    }
  /* Made now, so that "outside" names a station before any frame went
   * there. */
  wb_slirp_make_standin_station (lan->slirp);

  station_mac (lan->ifname, ROLE_GATEWAY, 1, mac);
  wb_guest_add_interface (gateway->guest, 1, mac, mtu);
  wb_guest_configure_static (gateway->guest, 1, network + UPLINK_GATEWAY,
                             WB_LAN_UPLINK_PREFIX);
  gateway->ports[1] = wb_segment_add_port (lan->uplink, WB_PORT_HOST,
                                           WB_PORT_FLAGS_IPV4_ONLY, mac,
                                           uplink_deliver_cb, lan);
  wb_guest_set_gateway (gateway->guest, 1, config.host);
  /* libslirp sees one host, as it would a VM; the stand-in sees libslirp. */
  wb_guest_set_masquerade (gateway->guest, 1, TRUE);
}

static void
add_gateway (WbLan     *lan,
             WbSegment *segment)
{
  static const WbGuestCallbacks callbacks = {
    .transmit = gateway_transmit_cb,
    .log = station_log_cb,
  };
  g_autoptr(WbDhcpServer) config = NULL;
  g_autofree char *name = g_strconcat ("bridged:", lan->ifname, NULL);
  const WbLanPlan *plan = &lan->plan;
  Station *gateway = &lan->gateway;
  guint8 mac[WB_ETH_ALEN];

  gateway->lan = lan;
  gateway->guest = wb_guest_new (role_names[ROLE_GATEWAY], lan->context, &callbacks, gateway);
  station_mac (lan->ifname, ROLE_GATEWAY, 0, mac);
  memcpy (lan->gateway_mac, mac, WB_ETH_ALEN);
  wb_guest_add_interface (gateway->guest, 0, mac, wb_segment_get_mtu (segment));
  wb_guest_configure_static (gateway->guest, 0, plan->gateway, plan->prefix);
  /* The ports first: the gateway announces its addresses as it comes up. */
  gateway->ports[0] = wb_segment_add_port (segment, WB_PORT_HOST, WB_PORT_FLAGS_IPV4_ONLY,
                                           mac, gateway_deliver_cb, lan);
  add_uplink (lan, segment);
  wb_guest_set_ip_forward (gateway->guest, TRUE);
  wb_guest_set_link (gateway->guest, 0, TRUE);
  if (gateway->ports[1] != NULL)
    wb_guest_set_link (gateway->guest, 1, TRUE);

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
  station_clear (&lan->gateway);
  g_clear_pointer (&lan->slirp, wb_slirp_free);
  g_clear_pointer (&lan->uplink, wb_segment_free);
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
    return lan->gateway.guest;
  if (g_strcmp0 (role, role_names[ROLE_HOST]) == 0)
    return wb_host_endpoint_get_guest (lan->host);
  if (g_strcmp0 (role, role_names[ROLE_PEER]) == 0)
    return lan->peer.guest;
  if (g_strcmp0 (role, role_names[ROLE_OUTSIDE]) == 0)
    return lan->slirp != NULL ? wb_slirp_get_standin_station (lan->slirp) : NULL;
  return NULL;
}

WbSlirp *
wb_lan_get_uplink (WbLan *lan)
{
  return lan->slirp;
}

guint64
wb_lan_get_outside_drops (WbLan *lan)
{
  return lan->outside_drops;
}
