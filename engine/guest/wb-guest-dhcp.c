/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The guest's DHCP client (RFC 2131 §4.4), one per interface:
 *
 *   SELECTING --OFFER--> REQUESTING --ACK--> BOUND --T1--> RENEWING
 *       ^                    |                ^  ^            |  (unicast)
 *       +-------NAK----------+                |  +----ACK-----+--T2--> REBINDING
 *       +-------NAK or expiry-----------------|--------------------------+ (broadcast)
 *   link up with an unexpired lease: REBOOTING (INIT-REBOOT) --ACK--> BOUND
 *
 * Every message is sent from the client's one timer, never from inside an
 * input callback, so no send re-enters the guest. Retransmissions back off
 * 1, 2, 4 ... 64 s plus up to a second of jitter: RFC 2131 starts at 4 s,
 * but a cable plugged back in should give an address back at once.
 *
 * UDP port 68 is bound once per guest: a shared port hands each reply to
 * the client of the interface it arrived on, which checks xid and chaddr.
 */
#include "wb-guest-private.h"

#include <string.h>

#include "wb-dhcp-proto.h"

#define RETRY_FIRST_MS       1000
#define RETRY_MAX_MS         64000
#define RETRY_JITTER_MS      1000
/* REQUESTs sent in REQUESTING / REBOOTING before starting over. */
#define REQUEST_TRIES        4
#define REBOOT_TRIES         3
/* RENEWING and REBINDING retransmit at half the time left, but not more
 * often than this (RFC 2131 says 60 s; short test leases need less). */
#define RENEW_RETRY_MIN_MS   1000
/* An ACK without a lease time (servers must send one) gets this; a lease
 * shorter than the minimum is stretched to it. */
#define DEFAULT_LEASE_TIME   3600
#define MIN_LEASE_TIME       2

typedef enum
{
  STATE_IDLE,          /* link down */
  STATE_SELECTING,
  STATE_REQUESTING,
  STATE_REBOOTING,
  STATE_BOUND,
  STATE_RENEWING,
  STATE_REBINDING,
} State;

typedef struct
{
  WbGuest      *guest;
  gboolean      bound;          /* port 68 bound */
  WbDhcpClient *clients[WB_GUEST_MAX_IFACES];
  guint         n_clients;
} DhcpPort;

struct _WbDhcpClient
{
  WbGuest  *guest;
  DhcpPort *port;
  guint     iface;
  State     state;
  guint32   xid;
  gint64    started;            /* when this exchange began (monotonic µs) */
  gint64    request_sent;       /* the last REQUEST (monotonic µs) */
  GSource  *timer;
  guint     tries;              /* messages sent in this state */
  guint     naks;               /* NAKs since the last lease */

  /* The offer being requested or the lease held (or last held: its
   * address is asked for again). */
  guint32   address;
  guint     prefix;
  guint32   router;
  guint32   server;
  guint32   lease_time;
  gint64    t1_at;              /* monotonic µs; G_MAXINT64 when infinite */
  gint64    t2_at;
  gint64    expires_at;
  gboolean  configured;         /* the address is on the interface */
};

static gboolean timer_cb (gpointer data);

/* --- the shared port 68 --------------------------------------------------- */

/* Guest -> DhcpPort. Guests live on the engine thread; the lock only
 * guards the table itself should two engines ever run in one process. */
static GHashTable *ports;
G_LOCK_DEFINE_STATIC (ports);

static void client_input (WbDhcpClient        *client,
                          const WbDhcpMessage *msg);

static void
port_receive_cb (WbGuest      *guest,
                 guint         iface,
                 guint32       src,
                 guint16       src_port,
                 guint32       dst,
                 guint16       dst_port,
                 const guint8 *data,
                 gsize         len,
                 gpointer      user_data)
{
  DhcpPort *port = user_data;
  WbDhcpMessage msg;

  if (src_port != WB_DHCP_SERVER_PORT || !wb_dhcp_message_parse (data, len, &msg)
      || msg.op != WB_BOOTP_REPLY)
    return;

  if (iface < WB_GUEST_MAX_IFACES && port->clients[iface] != NULL)
    {
      client_input (port->clients[iface], &msg);
      return;
    }
  /* Not from an interface with a client: whoever sent this xid. */
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    if (port->clients[i] != NULL && port->clients[i]->xid == msg.xid)
      {
        client_input (port->clients[i], &msg);
        return;
      }
}

static DhcpPort *
port_attach (WbDhcpClient *client)
{
  g_autoptr(GError) error = NULL;
  DhcpPort *port;

  G_LOCK (ports);
  if (ports == NULL)
    ports = g_hash_table_new (NULL, NULL);
  port = g_hash_table_lookup (ports, client->guest);
  if (port == NULL)
    {
      port = g_new0 (DhcpPort, 1);
      port->guest = client->guest;
      g_hash_table_insert (ports, client->guest, port);
    }
  G_UNLOCK (ports);

  if (!port->bound)
    {
      port->bound = _wb_guest_udp_bind (client->guest, WB_DHCP_CLIENT_PORT,
                                        port_receive_cb, port, &error);
      if (!port->bound)
        _wb_guest_log (client->guest, "DHCP: cannot use UDP port %u: %s",
                       WB_DHCP_CLIENT_PORT, error->message);
    }

  g_warn_if_fail (port->clients[client->iface] == NULL);
  port->clients[client->iface] = client;
  port->n_clients++;
  return port;
}

static void
port_detach (WbDhcpClient *client)
{
  DhcpPort *port = client->port;

  port->clients[client->iface] = NULL;
  if (--port->n_clients > 0)
    return;

  if (port->bound)
    _wb_guest_udp_unbind (port->guest, WB_DHCP_CLIENT_PORT);
  G_LOCK (ports);
  g_hash_table_remove (ports, port->guest);
  if (g_hash_table_size (ports) == 0)
    g_clear_pointer (&ports, g_hash_table_unref);
  G_UNLOCK (ports);
  g_free (port);
}

/* --- helpers ---------------------------------------------------------------- */

static gboolean
has_lease (WbDhcpClient *client)
{
  return client->state == STATE_BOUND || client->state == STATE_RENEWING
         || client->state == STATE_REBINDING;
}

static void
timer_clear (WbDhcpClient *client)
{
  if (client->timer == NULL)
    return;
  g_source_destroy (client->timer);
  g_clear_pointer (&client->timer, g_source_unref);
}

static void
timer_start (WbDhcpClient *client,
             gint64        delay_ms)
{
  timer_clear (client);
  client->timer = _wb_guest_timeout_new (client->guest,
                                         (guint) CLAMP (delay_ms, 0, G_MAXUINT),
                                         timer_cb, client);
}

/* 1, 2, 4 ... 64 s after the @tries-th message, plus jitter. */
static guint
retry_delay_ms (guint tries)
{
  guint shift = MIN (tries > 0 ? tries - 1 : 0, 6);
  guint base = MIN (RETRY_FIRST_MS << shift, RETRY_MAX_MS);

  return base + (guint) g_random_int_range (0, RETRY_JITTER_MS + 1);
}

/* Half the time until @deadline, at least RENEW_RETRY_MIN_MS, at most all
 * of it. */
static gint64
half_way_ms (gint64 now,
             gint64 deadline)
{
  gint64 left_ms = (deadline - now + 999) / 1000;

  return CLAMP (left_ms / 2, MIN (RENEW_RETRY_MIN_MS, left_ms), left_ms);
}

/* Moves to @state and sends its first message from the timer, after
 * @delay_ms. REQUESTING continues the exchange of the OFFER; every other
 * state begins one of its own. */
static void
enter (WbDhcpClient *client,
       State         state,
       guint         delay_ms)
{
  client->state = state;
  client->tries = 0;
  if (state != STATE_REQUESTING)
    {
      client->xid = g_random_int ();
      client->started = g_get_monotonic_time ();
    }
  timer_start (client, delay_ms);
}

static void
unconfigure (WbDhcpClient *client)
{
  if (!client->configured)
    return;
  client->configured = FALSE;
  _wb_guest_iface_set_address (client->guest, client->iface, 0, 0, 0);
}

/* Back to the start after a NAK: at once the first time, backing off if
 * the server keeps refusing. */
static void
restart (WbDhcpClient *client)
{
  unconfigure (client);
  client->naks++;
  enter (client, STATE_SELECTING,
         client->naks <= 1 ? 0 : retry_delay_ms (client->naks - 1));
}

static guint
mask_to_prefix (guint32 mask,
                guint32 address)
{
  guint prefix = 0;

  while (prefix < 32 && (mask & (0x80000000u >> prefix)) != 0)
    prefix++;
  if (prefix > 0 && mask == (G_MAXUINT32 << (32 - prefix)))
    return prefix;
  /* No usable mask: the address's class, as old stacks did. */
  if (address >> 31 == 0)
    return 8;
  if (address >> 30 == 2)
    return 16;
  return 24;
}

/* --- sending -------------------------------------------------------------- */

static void
client_send (WbDhcpClient      *client,
             WbDhcpMessageType  type)
{
  static const guint8 params[] = {
    WB_DHCP_OPT_SUBNET_MASK, WB_DHCP_OPT_ROUTER, WB_DHCP_OPT_DNS,
    WB_DHCP_OPT_LEASE_TIME, WB_DHCP_OPT_SERVER_ID, WB_DHCP_OPT_T1,
    WB_DHCP_OPT_T2,
  };
  const guint8 *mac = _wb_guest_iface_mac (client->guest, client->iface);
  gint64 now = g_get_monotonic_time ();
  guint8 buf[WB_DHCP_BUILD_MAX];
  WbDhcpMessage msg;
  guint32 src = 0;
  gsize len;

  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, type, client->xid, mac);
  msg.secs = (guint16) MIN ((now - client->started) / G_USEC_PER_SEC, G_MAXUINT16);
  msg.client_id[0] = WB_BOOTP_HTYPE_ETHERNET;
  memcpy (msg.client_id + 1, mac, WB_ETH_ALEN);
  msg.client_id_len = 7;
  if (type != WB_DHCP_RELEASE)
    {
      memcpy (msg.param_request, params, sizeof params);
      msg.param_request_len = sizeof params;
      msg.max_size = (guint16) CLAMP (_wb_guest_iface_mtu (client->guest, client->iface),
                                      576, G_MAXUINT16);
      msg.has |= WB_DHCP_HAS_MAX_SIZE;
    }

  switch (client->state)
    {
    case STATE_SELECTING:
    case STATE_REQUESTING:
    case STATE_REBOOTING:
      /* No address yet: ask for broadcast replies. The last address is
       * the one a DISCOVER hopes for again. */
      msg.flags = WB_DHCP_FLAG_BROADCAST;
      if (client->address != 0)
        {
          msg.requested_ip = client->address;
          msg.has |= WB_DHCP_HAS_REQUESTED_IP;
        }
      if (client->state == STATE_REQUESTING)
        {
          msg.server_id = client->server;
          msg.has |= WB_DHCP_HAS_SERVER_ID;
        }
      break;
    default:
      msg.ciaddr = client->address;
      src = client->address;
      if (type == WB_DHCP_RELEASE)
        {
          msg.server_id = client->server;
          msg.has |= WB_DHCP_HAS_SERVER_ID;
        }
      break;
    }

  len = wb_dhcp_message_build (&msg, buf, sizeof buf);
  g_return_if_fail (len > 0);
  if (type == WB_DHCP_REQUEST)
    client->request_sent = now;
  client->tries++;

  if (client->state == STATE_RENEWING && type == WB_DHCP_REQUEST)
    {
      /* Unicast to the server; when that fails (no route), the next
       * retransmission or REBINDING's broadcast will do. */
      _wb_guest_udp_send (client->guest, src, WB_DHCP_CLIENT_PORT, client->server,
                          WB_DHCP_SERVER_PORT, buf, len, NULL);
    }
  else
    {
      /* RELEASE is broadcast too: sent as the guest stops, it cannot wait
       * for ARP to find the server; servers take broadcasts. */
      _wb_guest_udp_send_broadcast (client->guest, client->iface, src,
                                    WB_DHCP_CLIENT_PORT, WB_DHCP_SERVER_PORT,
                                    buf, len);
    }
}

/* --- the state machine -------------------------------------------------------- */

static void
expire (WbDhcpClient *client)
{
  char address[16];

  wb_ipv4_format (client->address, address);
  _wb_guest_log (client->guest, "DHCP lease %s expired on interface %u",
                 address, client->iface);
  unconfigure (client);
  client->naks = 0;
  enter (client, STATE_SELECTING, 0);
}

static gboolean
timer_cb (gpointer data)
{
  WbDhcpClient *client = data;
  gint64 now = g_get_monotonic_time ();

  g_clear_pointer (&client->timer, g_source_unref);

  switch (client->state)
    {
    case STATE_IDLE:
      break;

    case STATE_SELECTING:
      client_send (client, WB_DHCP_DISCOVER);
      timer_start (client, retry_delay_ms (client->tries));
      break;

    case STATE_REQUESTING:
    case STATE_REBOOTING:
      if (client->tries >= (client->state == STATE_REQUESTING ? REQUEST_TRIES
                                                              : REBOOT_TRIES))
        {
          enter (client, STATE_SELECTING, 0);
          break;
        }
      client_send (client, WB_DHCP_REQUEST);
      timer_start (client, retry_delay_ms (client->tries));
      break;

    case STATE_BOUND:
      /* T1 */
      enter (client, STATE_RENEWING, 0);
      break;

    case STATE_RENEWING:
      if (now >= client->t2_at)
        {
          enter (client, STATE_REBINDING, 0);
          break;
        }
      client_send (client, WB_DHCP_REQUEST);
      timer_start (client, half_way_ms (now, client->t2_at));
      break;

    case STATE_REBINDING:
      if (now >= client->expires_at)
        {
          expire (client);
          break;
        }
      client_send (client, WB_DHCP_REQUEST);
      timer_start (client, half_way_ms (now, client->expires_at));
      break;
    }

  return G_SOURCE_REMOVE;
}

static void
bind_lease (WbDhcpClient        *client,
            const WbDhcpMessage *msg)
{
  guint32 lease = (msg->has & WB_DHCP_HAS_LEASE_TIME) ? msg->lease_time
                                                      : DEFAULT_LEASE_TIME;
  guint32 t1 = (msg->has & WB_DHCP_HAS_T1) ? msg->t1 : 0;
  guint32 t2 = (msg->has & WB_DHCP_HAS_T2) ? msg->t2 : 0;
  guint prefix = mask_to_prefix ((msg->has & WB_DHCP_HAS_SUBNET_MASK) ? msg->subnet_mask : 0,
                                 msg->yiaddr);
  guint32 router = (msg->has & WB_DHCP_HAS_ROUTER) ? msg->router : 0;
  gint64 start = client->request_sent;
  char address[16], server[16];

  lease = MAX (lease, MIN_LEASE_TIME);
  if (!(msg->has & WB_DHCP_HAS_T1) || !(msg->has & WB_DHCP_HAS_T2)
      || t1 == 0 || t1 > t2 || t2 > lease)
    {
      t1 = (guint32) ((guint64) lease / 2);
      t2 = (guint32) ((guint64) lease * 7 / 8);
    }

  if (!client->configured || client->address != msg->yiaddr
      || client->prefix != prefix || client->router != router)
    {
      client->configured = TRUE;
      _wb_guest_iface_set_address (client->guest, client->iface, msg->yiaddr,
                                   prefix, router);
    }
  client->address = msg->yiaddr;
  client->prefix = prefix;
  client->router = router;
  if (msg->has & WB_DHCP_HAS_SERVER_ID)
    client->server = msg->server_id;
  client->lease_time = lease;
  client->naks = 0;

  wb_ipv4_format (client->address, address);
  wb_ipv4_format (client->server, server);
  _wb_guest_log (client->guest, "DHCP lease %s/%u from %s on interface %u (%u s)",
                 address, prefix, server, client->iface, lease);

  client->state = STATE_BOUND;
  client->tries = 0;
  if (lease == WB_DHCP_INFINITE_LEASE)
    {
      client->t1_at = client->t2_at = client->expires_at = G_MAXINT64;
      timer_clear (client);
      return;
    }
  client->t1_at = start + (gint64) t1 * G_USEC_PER_SEC;
  client->t2_at = start + (gint64) t2 * G_USEC_PER_SEC;
  client->expires_at = start + (gint64) lease * G_USEC_PER_SEC;
  timer_start (client, (client->t1_at - g_get_monotonic_time ()) / 1000);
}

static void
client_input (WbDhcpClient        *client,
              const WbDhcpMessage *msg)
{
  const guint8 *mac = _wb_guest_iface_mac (client->guest, client->iface);
  char server[16];

  if (msg->xid != client->xid || msg->hlen != WB_ETH_ALEN
      || memcmp (msg->chaddr, mac, WB_ETH_ALEN) != 0)
    return;

  switch (client->state)
    {
    case STATE_SELECTING:
      /* The first offer wins. */
      if (msg->message_type != WB_DHCP_OFFER || msg->yiaddr == 0
          || !(msg->has & WB_DHCP_HAS_SERVER_ID))
        return;
      client->address = msg->yiaddr;
      client->server = msg->server_id;
      enter (client, STATE_REQUESTING, 0);
      break;

    case STATE_REQUESTING:
    case STATE_REBOOTING:
    case STATE_RENEWING:
    case STATE_REBINDING:
      /* While REQUESTING, only the chosen server's answer counts. */
      if (client->state == STATE_REQUESTING && (msg->has & WB_DHCP_HAS_SERVER_ID)
          && msg->server_id != client->server)
        return;
      if (msg->message_type == WB_DHCP_ACK && msg->yiaddr != 0)
        bind_lease (client, msg);
      else if (msg->message_type == WB_DHCP_NAK)
        {
          wb_ipv4_format (msg->server_id, server);
          _wb_guest_log (client->guest, "DHCP NAK from %s on interface %u%s%s",
                         server, client->iface, msg->message[0] ? ": " : "",
                         msg->message);
          client->address = 0;
          restart (client);
        }
      break;

    case STATE_IDLE:
    case STATE_BOUND:
      break;
    }
}

/* Starts from INIT, or from INIT-REBOOT while an earlier lease is still
 * good. */
static void
start (WbDhcpClient *client)
{
  client->naks = 0;
  if (client->address != 0 && client->expires_at > g_get_monotonic_time ())
    enter (client, STATE_REBOOTING, 0);
  else
    enter (client, STATE_SELECTING, 0);
}

/* --- API ------------------------------------------------------------------ */

WbDhcpClient *
_wb_dhcp_client_new (WbGuest *guest,
                     guint    iface)
{
  WbDhcpClient *client;

  g_return_val_if_fail (guest != NULL, NULL);
  g_return_val_if_fail (iface < WB_GUEST_MAX_IFACES, NULL);

  client = g_new0 (WbDhcpClient, 1);
  client->guest = guest;
  client->iface = iface;
  client->state = STATE_IDLE;
  client->port = port_attach (client);
  if (_wb_guest_iface_is_up (guest, iface))
    start (client);
  return client;
}

void
_wb_dhcp_client_free (WbDhcpClient *client,
                      gboolean      release)
{
  if (client == NULL)
    return;

  if (release && has_lease (client)
      && _wb_guest_iface_is_up (client->guest, client->iface))
    {
      char address[16];

      wb_ipv4_format (client->address, address);
      _wb_guest_log (client->guest, "DHCP release of %s on interface %u",
                     address, client->iface);
      client->xid = g_random_int ();
      client_send (client, WB_DHCP_RELEASE);
    }

  timer_clear (client);
  port_detach (client);
  g_free (client);
}

void
_wb_dhcp_client_link_changed (WbDhcpClient *client,
                              gboolean      up)
{
  g_return_if_fail (client != NULL);

  if (up)
    {
      if (client->state == STATE_IDLE)
        start (client);
      return;
    }

  /* The lease is kept for INIT-REBOOT; its address leaves the interface. */
  timer_clear (client);
  client->state = STATE_IDLE;
  unconfigure (client);
}

void
_wb_dhcp_client_renew (WbDhcpClient *client)
{
  g_return_if_fail (client != NULL);

  if (client->state == STATE_IDLE)
    return;
  if (has_lease (client))
    enter (client, STATE_RENEWING, 0);
  else
    start (client);
}

char *
_wb_dhcp_client_describe (WbDhcpClient *client)
{
  char address[16], server[16];
  gint64 left;

  g_return_val_if_fail (client != NULL, NULL);

  if (!has_lease (client))
    return g_strdup ("no lease");

  wb_ipv4_format (client->address, address);
  wb_ipv4_format (client->server, server);
  if (client->expires_at == G_MAXINT64)
    return g_strdup_printf ("lease %s/%u from %s, infinite", address,
                            client->prefix, server);
  left = MAX (client->expires_at - g_get_monotonic_time (), 0) / G_USEC_PER_SEC;
  return g_strdup_printf ("lease %s/%u from %s, %" G_GINT64_FORMAT " s left",
                          address, client->prefix, server, left);
}
