/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DHCP server. Every address of the pool that was ever given out has a
 * lease record, which a MAC keeps after its lease ran out or was released:
 * new clients get the lowest address that has no record, and only when
 * none is left is the record that ended longest ago taken over. So a VM
 * that powers off and on again gets its address back unless the pool had
 * to be reused in between (as VirtualBox's own dhcpd does). Records are
 * persisted on DHCPACK and DHCPRELEASE; offers and declined addresses live
 * in memory only.
 *
 * Clients are told apart by their hardware address (chaddr), which is
 * what wb_dhcpd_lookup() and the store key on; relayed messages (giaddr)
 * are not served, as a segment has no relays.
 */
#include "wb-dhcpd.h"

#include <string.h>

#include "wb-dhcp-proto.h"
#include "wb-net.h"

#define DEFAULT_LEASE_TIME 1200
/* How long an offered address stays reserved for a REQUEST. */
#define OFFER_HOLD         30
/* How long a declined address (someone else uses it) stays out of use. */
#define DECLINE_HOLD       600

#define ARP_LEN            28
#define ARP_REQUEST        1
#define ARP_REPLY          2

typedef enum
{
  LEASE_OFFERED,
  LEASE_BOUND,     /* expired or released when @expires has passed */
  LEASE_DECLINED,  /* no owner */
} LeaseState;

typedef struct
{
  guint32     ip;
  LeaseState  state;
  gint64      expires;          /* Unix time, seconds */
  gboolean    owned;
  gint64      mac_key;          /* the key in by_mac when owned */
  guint8      mac[WB_ETH_ALEN];
} Lease;

struct _WbDhcpd
{
  char            *network_name;
  WbStore         *store;
  guint8           mac[WB_ETH_ALEN];
  guint32          server_ip;
  guint32          netmask;
  guint32          lower;
  guint32          upper;
  guint32          router;
  guint32          dns;
  guint32          lease_time;

  WbDhcpdSendFunc  send;
  WbDhcpdLogFunc   log;
  gpointer         user_data;

  GTree           *by_ip;       /* ip -> Lease*, owns the leases */
  GHashTable      *by_mac;      /* &lease->mac_key -> Lease* */
  gboolean         store_failed;
};

/* --- helpers ------------------------------------------------------------ */

G_GNUC_PRINTF (2, 3)
static void
dhcpd_log (WbDhcpd    *self,
           const char *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (self->log == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  self->log (self->user_data, message);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gint64
mac_to_key (const guint8 *mac)
{
  gint64 key = 0;

  for (guint i = 0; i < WB_ETH_ALEN; i++)
    key = key << 8 | mac[i];
  return key;
}

static int
compare_ip (gconstpointer a,
            gconstpointer b,
            gpointer      user_data)
{
  guint32 x = GPOINTER_TO_UINT (a);
  guint32 y = GPOINTER_TO_UINT (b);

  return x < y ? -1 : x > y;
}

static gboolean
lease_is_active (const Lease *lease,
                 gint64       now)
{
  return lease->expires > now;
}

/* Whether @ip may be given to a client: inside the pool and the server's
 * subnet, not the server, the subnet's own address or its broadcast. */
static gboolean
is_assignable (WbDhcpd *self,
               guint32  ip)
{
  guint32 host = ip & ~self->netmask;

  if (ip < self->lower || ip > self->upper || ip == self->server_ip
      || (ip & self->netmask) != (self->server_ip & self->netmask))
    return FALSE;
  /* /31 and /32 have no network and broadcast addresses (RFC 3021). */
  if (self->netmask < 0xfffffffeu && (host == 0 || host == ~self->netmask))
    return FALSE;
  return TRUE;
}

static Lease *
lookup_mac (WbDhcpd      *self,
            const guint8 *mac)
{
  gint64 key = mac_to_key (mac);

  return g_hash_table_lookup (self->by_mac, &key);
}

static Lease *
lookup_ip (WbDhcpd *self,
           guint32  ip)
{
  return g_tree_lookup (self->by_ip, GUINT_TO_POINTER (ip));
}

/* An address of the pool that no client ever had. */
static gboolean
is_unassigned (WbDhcpd *self,
               guint32  ip)
{
  return is_assignable (self, ip) && lookup_ip (self, ip) == NULL;
}

/* A message that names another server (the client chose that one). */
static gboolean
for_another_server (WbDhcpd             *self,
                    const WbDhcpMessage *req)
{
  return (req->has & WB_DHCP_HAS_SERVER_ID) && req->server_id != self->server_ip;
}

static void
lease_disown (WbDhcpd *self,
              Lease   *lease)
{
  if (lease->owned)
    g_hash_table_remove (self->by_mac, &lease->mac_key);
  lease->owned = FALSE;
}

/* A record for @ip, which has none, without an owner. */
static Lease *
lease_new (WbDhcpd *self,
           guint32  ip)
{
  Lease *lease = g_new0 (Lease, 1);

  lease->ip = ip;
  g_tree_insert (self->by_ip, GUINT_TO_POINTER (ip), lease);
  return lease;
}

/* Gives @ip to @mac (which has no record): a new record, or the inactive
 * record of a previous holder, taken over. */
static Lease *
lease_assign (WbDhcpd      *self,
              const guint8 *mac,
              guint32       ip)
{
  Lease *lease = lookup_ip (self, ip);

  if (lease != NULL)
    lease_disown (self, lease);
  else
    lease = lease_new (self, ip);
  memcpy (lease->mac, mac, WB_ETH_ALEN);
  lease->mac_key = mac_to_key (mac);
  lease->owned = TRUE;
  lease->state = LEASE_OFFERED;
  lease->expires = 0;
  g_hash_table_insert (self->by_mac, &lease->mac_key, lease);
  return lease;
}

/* The lowest assignable address that has no record, 0 if none. */
static guint32
lowest_unassigned (WbDhcpd *self)
{
  GTreeNode *node = g_tree_lower_bound (self->by_ip,
                                        GUINT_TO_POINTER (self->lower));
  guint64 candidate;

  for (candidate = self->lower; candidate <= self->upper; candidate++)
    {
      if (!is_assignable (self, (guint32) candidate))
        continue;
      while (node != NULL
             && GPOINTER_TO_UINT (g_tree_node_key (node)) < candidate)
        node = g_tree_node_next (node);
      if (node == NULL || GPOINTER_TO_UINT (g_tree_node_key (node)) != candidate)
        return (guint32) candidate;
    }
  return 0;
}

typedef struct
{
  gint64  now;
  Lease  *oldest;
} OldestSearch;

static gboolean
find_oldest_cb (gpointer key,
                gpointer value,
                gpointer user_data)
{
  OldestSearch *search = user_data;
  Lease *lease = value;

  if (!lease_is_active (lease, search->now)
      && (search->oldest == NULL || lease->expires < search->oldest->expires))
    search->oldest = lease;
  return FALSE;
}

/* The record whose lease (or decline) ended longest ago, NULL if every
 * record is in use. */
static Lease *
oldest_inactive (WbDhcpd *self,
                 gint64   now)
{
  OldestSearch search = { now, NULL };

  g_tree_foreach (self->by_ip, find_oldest_cb, &search);
  return search.oldest;
}

/* --- persistence -------------------------------------------------------- */

static void
store_failed (WbDhcpd *self,
              GError  *error)
{
  if (self->store_failed)
    return;
  self->store_failed = TRUE;
  dhcpd_log (self, "DHCP leases of '%s' are not saved: %s",
             self->network_name, error->message);
}

static char *
mac_to_hex (const guint8 *mac)
{
  return g_strdup_printf ("%02X%02X%02X%02X%02X%02X",
                          mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void
lease_save (WbDhcpd *self,
            Lease   *lease)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *ip = NULL;
  WbDhcpLease row;

  if (self->store == NULL)
    return;
  mac = mac_to_hex (lease->mac);
  ip = wb_ipv4_to_string (lease->ip);
  row.mac = mac;
  row.ip = ip;
  row.expires = lease->expires;
  if (!wb_store_save_dhcp_lease (self->store, self->network_name, &row, &error))
    store_failed (self, error);
}

static void
lease_forget (WbDhcpd *self,
              Lease   *lease)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mac = NULL;

  if (self->store == NULL)
    return;
  mac = mac_to_hex (lease->mac);
  if (!wb_store_delete_dhcp_lease (self->store, self->network_name, mac,
                                   &error))
    store_failed (self, error);
}

/* Rows that do not fit the current pool (its bounds changed, say) are
 * ignored, not deleted. */
static void
leases_load (WbDhcpd *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  rows = wb_store_load_dhcp_leases (self->store, self->network_name, &error);
  if (rows == NULL)
    {
      dhcpd_log (self, "DHCP leases of '%s' could not be read: %s",
                 self->network_name, error->message);
      return;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      const WbDhcpLease *row = g_ptr_array_index (rows, i);
      guint8 mac[WB_ETH_ALEN];
      guint32 ip;
      Lease *lease;

      if (!wb_mac_from_hex (row->mac, mac) || wb_mac_is_multicast (mac)
          || !wb_ipv4_parse (row->ip, &ip, NULL) || !is_assignable (self, ip)
          || lookup_ip (self, ip) != NULL || lookup_mac (self, mac) != NULL)
        continue;
      lease = lease_assign (self, mac, ip);
      lease->state = LEASE_BOUND;
      lease->expires = row->expires;
    }
}

/* --- sending ------------------------------------------------------------ */

static void
send_frame (WbDhcpd      *self,
            const guint8 *dst_mac,
            guint32       dst_ip,
            const guint8 *payload,
            gsize         len)
{
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + WB_UDP_HLEN + WB_DHCP_BUILD_MAX];
  WbUdpFrame udp = {
    .dst_mac = dst_mac,
    .src_mac = self->mac,
    .src_ip = self->server_ip,
    .dst_ip = dst_ip,
    .src_port = WB_DHCP_SERVER_PORT,
    .dst_port = WB_DHCP_CLIENT_PORT,
    .payload = payload,
    .payload_len = len,
  };
  gsize frame_len = wb_udp_frame_build (&udp, frame, sizeof frame);

  if (frame_len > 0)
    self->send (self->user_data, frame, frame_len);
}

/* A reply to @req of @type with the server identifier. */
static void
reply_init (WbDhcpd             *self,
            WbDhcpMessage       *reply,
            const WbDhcpMessage *req,
            WbDhcpMessageType    type)
{
  wb_dhcp_message_init (reply, WB_BOOTP_REPLY, type, req->xid, req->chaddr);
  reply->flags = req->flags;
  reply->giaddr = req->giaddr;
  reply->server_id = self->server_ip;
  reply->has |= WB_DHCP_HAS_SERVER_ID;
}

/* The network's parameters: mask, router and DNS when set. */
static void
reply_add_config (WbDhcpd       *self,
                  WbDhcpMessage *reply)
{
  reply->subnet_mask = self->netmask;
  reply->has |= WB_DHCP_HAS_SUBNET_MASK;
  if (self->router != 0)
    {
      reply->router = self->router;
      reply->has |= WB_DHCP_HAS_ROUTER;
    }
  if (self->dns != 0)
    {
      reply->dns[0] = self->dns;
      reply->n_dns = 1;
    }
}

static void
reply_add_lease (WbDhcpd       *self,
                 WbDhcpMessage *reply,
                 guint32        ip)
{
  reply->yiaddr = ip;
  reply->lease_time = self->lease_time;
  reply->t1 = (guint32) ((guint64) self->lease_time / 2);
  reply->t2 = (guint32) ((guint64) self->lease_time * 7 / 8);
  reply->has |= WB_DHCP_HAS_LEASE_TIME | WB_DHCP_HAS_T1 | WB_DHCP_HAS_T2;
  reply_add_config (self, reply);
}

/* RFC 2131 §4.1, for a segment without relays: a client that has an
 * address and did not ask for broadcasts is sent to at that address, the
 * rest (NAKs always) to everyone. */
static void
reply_send (WbDhcpd             *self,
            const WbDhcpMessage *req,
            const WbDhcpMessage *reply)
{
  static const guint8 broadcast_mac[WB_ETH_ALEN] =
    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  guint8 payload[WB_DHCP_BUILD_MAX];
  gsize len = wb_dhcp_message_build (reply, payload, sizeof payload);

  if (len == 0)
    return;
  if (reply->message_type != WB_DHCP_NAK && req->ciaddr != 0
      && (req->flags & WB_DHCP_FLAG_BROADCAST) == 0)
    send_frame (self, req->chaddr, req->ciaddr, payload, len);
  else
    send_frame (self, broadcast_mac, WB_IPV4_BROADCAST, payload, len);
}

static void
send_nak (WbDhcpd             *self,
          const WbDhcpMessage *req,
          guint32              ip,
          const char          *mac_text,
          const char          *why)
{
  WbDhcpMessage reply;
  char ip_text[16];

  reply_init (self, &reply, req, WB_DHCP_NAK);
  g_strlcpy (reply.message, why, sizeof reply.message);
  reply_send (self, req, &reply);
  wb_ipv4_format (ip, ip_text);
  dhcpd_log (self, "DHCPNAK %s to %s (%s)", ip_text, mac_text, why);
}

/* --- messages ----------------------------------------------------------- */

static void
handle_discover (WbDhcpd             *self,
                 const WbDhcpMessage *req,
                 const char          *mac_text,
                 gint64               now)
{
  Lease *lease = lookup_mac (self, req->chaddr);
  WbDhcpMessage reply;
  char ip_text[16];

  if (lease == NULL)
    {
      guint32 ip = 0;

      if ((req->has & WB_DHCP_HAS_REQUESTED_IP)
          && is_unassigned (self, req->requested_ip))
        ip = req->requested_ip;
      if (ip == 0)
        ip = lowest_unassigned (self);
      if (ip == 0)
        {
          Lease *oldest = oldest_inactive (self, now);

          if (oldest != NULL)
            ip = oldest->ip;
        }
      if (ip == 0)
        {
          dhcpd_log (self, "DHCPDISCOVER from %s: pool exhausted", mac_text);
          return;
        }
      lease = lease_assign (self, req->chaddr, ip);
    }

  /* A bound lease stays bound (a client that rebooted asks again); any
   * other record is held for the client's REQUEST. */
  if (lease->state != LEASE_BOUND || !lease_is_active (lease, now))
    lease->state = LEASE_OFFERED;
  lease->expires = MAX (lease->expires, now + OFFER_HOLD);

  reply_init (self, &reply, req, WB_DHCP_OFFER);
  reply_add_lease (self, &reply, lease->ip);
  reply_send (self, req, &reply);
  wb_ipv4_format (lease->ip, ip_text);
  dhcpd_log (self, "DHCPOFFER %s to %s", ip_text, mac_text);
}

/*
 * A REQUEST names the server it chose (SELECTING), or asks to keep an
 * address: the requested-IP option (INIT-REBOOT) or ciaddr (RENEWING,
 * REBINDING). The server is authoritative on its segment: an address that
 * is this client's, or free in the pool, is acknowledged; anything else
 * is refused with a NAK so that the client starts over at once.
 */
static void
handle_request (WbDhcpd             *self,
                const WbDhcpMessage *req,
                const char          *mac_text,
                gint64               now)
{
  Lease *lease = lookup_mac (self, req->chaddr);
  gboolean selecting = (req->has & WB_DHCP_HAS_SERVER_ID) != 0;
  WbDhcpMessage reply;
  char ip_text[16];
  guint32 ip;

  if (for_another_server (self, req))
    {
      /* The client took another server's offer: ours is free again, and
       * still this client's to come back to. */
      if (lease != NULL && lease->state == LEASE_OFFERED)
        lease->expires = MIN (lease->expires, now);
      return;
    }

  ip = (req->has & WB_DHCP_HAS_REQUESTED_IP) ? req->requested_ip : req->ciaddr;
  if (ip == 0)
    return;

  if (lease == NULL && !selecting && is_unassigned (self, ip))
    lease = lease_assign (self, req->chaddr, ip);

  if (lease == NULL || lease->ip != ip)
    {
      const char *why;

      if ((ip & self->netmask) != (self->server_ip & self->netmask))
        why = "wrong network";
      else if (lease != NULL)
        why = "not the address leased to this client";
      else
        why = "address not available";
      send_nak (self, req, ip, mac_text, why);
      return;
    }

  lease->state = LEASE_BOUND;
  lease->expires = now + self->lease_time;
  lease_save (self, lease);

  reply_init (self, &reply, req, WB_DHCP_ACK);
  reply_add_lease (self, &reply, ip);
  reply_send (self, req, &reply);
  wb_ipv4_format (ip, ip_text);
  dhcpd_log (self, "DHCPACK %s to %s", ip_text, mac_text);
}

/* The client found @requested_ip in use by someone else: it stays out of
 * use for DECLINE_HOLD seconds, and the client no longer has a claim. */
static void
handle_decline (WbDhcpd             *self,
                const WbDhcpMessage *req,
                const char          *mac_text,
                gint64               now)
{
  Lease *lease = lookup_mac (self, req->chaddr);
  guint32 ip = req->requested_ip;
  char ip_text[16];

  if (for_another_server (self, req) || !(req->has & WB_DHCP_HAS_REQUESTED_IP))
    return;

  if (lease != NULL && lease->ip == ip)
    {
      lease_forget (self, lease);
      lease_disown (self, lease);
    }
  else if (is_unassigned (self, ip))
    lease = lease_new (self, ip);
  else
    return;

  lease->state = LEASE_DECLINED;
  lease->expires = now + DECLINE_HOLD;
  wb_ipv4_format (ip, ip_text);
  dhcpd_log (self, "DHCPDECLINE %s from %s", ip_text, mac_text);
}

/* The lease ends now (if it had not run out already); the client keeps
 * its claim on the address. */
static void
handle_release (WbDhcpd             *self,
                const WbDhcpMessage *req,
                const char          *mac_text,
                gint64               now)
{
  Lease *lease = lookup_mac (self, req->chaddr);
  char ip_text[16];

  if (for_another_server (self, req) || lease == NULL
      || lease->ip != req->ciaddr || lease->state != LEASE_BOUND)
    return;

  lease->expires = MIN (lease->expires, now);
  lease_save (self, lease);
  wb_ipv4_format (lease->ip, ip_text);
  dhcpd_log (self, "DHCPRELEASE %s from %s", ip_text, mac_text);
}

/* A client with an address of its own asks for the parameters only. */
static void
handle_inform (WbDhcpd             *self,
               const WbDhcpMessage *req,
               const char          *mac_text)
{
  WbDhcpMessage reply;

  reply_init (self, &reply, req, WB_DHCP_ACK);
  reply.ciaddr = req->ciaddr;
  reply_add_config (self, &reply);
  reply_send (self, req, &reply);
  dhcpd_log (self, "DHCPINFORM from %s", mac_text);
}

static void
dhcp_input (WbDhcpd          *self,
            const WbUdpFrame *udp)
{
  WbDhcpMessage req;
  char mac_text[18];
  gint64 now;

  if (udp->dst_port != WB_DHCP_SERVER_PORT
      || (udp->dst_ip != WB_IPV4_BROADCAST && udp->dst_ip != self->server_ip)
      || !wb_dhcp_message_parse (udp->payload, udp->payload_len, &req))
    return;
  if (req.op != WB_BOOTP_REQUEST || req.htype != WB_BOOTP_HTYPE_ETHERNET
      || req.hlen != WB_ETH_ALEN || req.giaddr != 0
      || wb_mac_is_multicast (req.chaddr)
      || mac_to_key (req.chaddr) == 0)
    return;

  wb_mac_format (req.chaddr, mac_text);
  now = now_seconds ();
  switch (req.message_type)
    {
    case WB_DHCP_DISCOVER:
      handle_discover (self, &req, mac_text, now);
      break;
    case WB_DHCP_REQUEST:
      handle_request (self, &req, mac_text, now);
      break;
    case WB_DHCP_DECLINE:
      handle_decline (self, &req, mac_text, now);
      break;
    case WB_DHCP_RELEASE:
      handle_release (self, &req, mac_text, now);
      break;
    case WB_DHCP_INFORM:
      handle_inform (self, &req, mac_text);
      break;
    default:
      break;
    }
}

/* Answers "who has <server IP>", so that renewing clients can unicast. */
static void
arp_input (WbDhcpd      *self,
           const guint8 *frame,
           gsize         len)
{
  const guint8 *arp = frame + WB_ETH_HLEN;
  guint8 reply[WB_ETH_MIN_FRAME] = { 0 };
  guint8 *out = reply + WB_ETH_HLEN;

  if (len < WB_ETH_HLEN + ARP_LEN
      || wb_get_be16 (arp) != 1 || wb_get_be16 (arp + 2) != WB_ETHERTYPE_IPV4
      || arp[4] != WB_ETH_ALEN || arp[5] != 4
      || wb_get_be16 (arp + 6) != ARP_REQUEST
      || wb_get_be32 (arp + 24) != self->server_ip
      || wb_mac_is_multicast (arp + 8))
    return;

  memcpy (reply, arp + 8, WB_ETH_ALEN);
  memcpy (reply + WB_ETH_ALEN, self->mac, WB_ETH_ALEN);
  wb_put_be16 (reply + 12, WB_ETHERTYPE_ARP);
  memcpy (out, arp, 6);                         /* htype, ptype, hlen, plen */
  wb_put_be16 (out + 6, ARP_REPLY);
  memcpy (out + 8, self->mac, WB_ETH_ALEN);
  wb_put_be32 (out + 14, self->server_ip);
  memcpy (out + 18, arp + 8, WB_ETH_ALEN + 4);  /* the asker's MAC and IP */
  self->send (self->user_data, reply, sizeof reply);
}

/* --- API ---------------------------------------------------------------- */

static guint32
parse_address (const char *text)
{
  guint32 address = 0;

  if (text == NULL || !wb_ipv4_parse (text, &address, NULL))
    return 0;
  return address;
}

WbDhcpd *
wb_dhcpd_new (const WbDhcpServer *config,
              WbStore            *store,
              const guint8        mac[6],
              WbDhcpdSendFunc     send,
              WbDhcpdLogFunc      log,
              gpointer            user_data)
{
  WbDhcpd *self;
  guint prefix = 0;

  g_return_val_if_fail (config != NULL && config->network_name != NULL, NULL);
  g_return_val_if_fail (store == NULL || WB_IS_STORE (store), NULL);
  g_return_val_if_fail (mac != NULL, NULL);
  g_return_val_if_fail (send != NULL, NULL);

  self = g_new0 (WbDhcpd, 1);
  self->network_name = g_strdup (config->network_name);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  memcpy (self->mac, mac, WB_ETH_ALEN);
  self->send = send;
  self->log = log;
  self->user_data = user_data;
  self->lease_time = DEFAULT_LEASE_TIME;
  self->by_ip = g_tree_new_full (compare_ip, NULL, NULL, g_free);
  self->by_mac = g_hash_table_new (g_int64_hash, g_int64_equal);

  self->server_ip = parse_address (config->server_ip);
  self->lower = parse_address (config->lower_ip);
  self->upper = parse_address (config->upper_ip);
  if (config->netmask != NULL && wb_netmask_parse (config->netmask, &prefix, NULL))
    self->netmask = wb_prefix_to_mask (prefix);
  if (self->server_ip == 0 || self->lower == 0 || self->upper < self->lower
      || self->netmask == 0)
    {
      /* The configuration is validated before it gets here; should it not
       * be, the pool is empty and nothing is answered. */
      dhcpd_log (self, "DHCP server for '%s': invalid configuration",
                 self->network_name);
      self->lower = 1;
      self->upper = 0;
    }

  if (self->store != NULL)
    leases_load (self);
  return self;
}

void
wb_dhcpd_free (WbDhcpd *dhcpd)
{
  if (dhcpd == NULL)
    return;
  g_hash_table_destroy (dhcpd->by_mac);
  g_tree_destroy (dhcpd->by_ip);
  g_clear_object (&dhcpd->store);
  g_free (dhcpd->network_name);
  g_free (dhcpd);
}

void
wb_dhcpd_set_router (WbDhcpd *dhcpd,
                     guint32  router)
{
  g_return_if_fail (dhcpd != NULL);
  dhcpd->router = router;
}

void
wb_dhcpd_set_dns (WbDhcpd *dhcpd,
                  guint32  dns)
{
  g_return_if_fail (dhcpd != NULL);
  dhcpd->dns = dns;
}

void
wb_dhcpd_set_lease_time (WbDhcpd *dhcpd,
                         guint32  seconds)
{
  g_return_if_fail (dhcpd != NULL);
  g_return_if_fail (seconds > 0);
  dhcpd->lease_time = seconds;
}

void
wb_dhcpd_input (WbDhcpd      *dhcpd,
                const guint8 *frame,
                gsize         len)
{
  WbUdpFrame udp;

  g_return_if_fail (dhcpd != NULL);

  if (frame == NULL || len < WB_ETH_HLEN
      || (!wb_mac_is_broadcast (frame) && !wb_mac_equal (frame, dhcpd->mac)))
    return;

  if (wb_get_be16 (frame + 12) == WB_ETHERTYPE_ARP)
    arp_input (dhcpd, frame, len);
  else if (wb_udp_frame_parse (frame, len, &udp))
    dhcp_input (dhcpd, &udp);
}

guint32
wb_dhcpd_lookup (WbDhcpd      *dhcpd,
                 const guint8  mac[6])
{
  Lease *lease;

  g_return_val_if_fail (dhcpd != NULL, 0);
  g_return_val_if_fail (mac != NULL, 0);

  lease = lookup_mac (dhcpd, mac);
  if (lease == NULL || lease->state != LEASE_BOUND
      || !lease_is_active (lease, now_seconds ()))
    return 0;
  return lease->ip;
}
