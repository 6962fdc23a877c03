/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The guest's IP layer: interfaces, ARP, IPv4 with fragmentation and
 * reassembly, ICMP, UDP and routing. Forwarding and masquerading are in
 * wb-guest-forward.c, the commands in wb-guest-commands.c.
 *
 * Every received byte is untrusted: a length is checked against the buffer
 * before anything is read behind it. Tables that a peer can fill (ARP,
 * reassembly, queues) have fixed limits.
 */
#include "wb-guest-internal.h"

#include <string.h>

#define ARP_LEN                  28
#define ARP_OP_REQUEST           1
#define ARP_OP_REPLY             2
#define ARP_LIFETIME_US          ((gint64) 60 * G_USEC_PER_SEC)
#define ARP_RETRY_US             G_USEC_PER_SEC
#define ARP_TRIES                3
#define ARP_MAX_ENTRIES          4096
#define ARP_MAX_PENDING          64          /* datagrams per next hop */
#define ARP_MAX_PENDING_BYTES    (1024 * 1024)

#define REASSEMBLY_TIMEOUT_US    ((gint64) 30 * G_USEC_PER_SEC)
#define REASSEMBLY_MAX           64          /* datagrams per guest */

#define LOOPBACK_MAX             256
#define DROP_LOG_INTERVAL_US     ((gint64) 10 * G_USEC_PER_SEC)
/* Housekeeping deadlines are rounded up to this grid so that one run
 * serves many entries. */
#define HOUSEKEEPING_GRID_US     (100 * 1000)

typedef struct
{
  WbUdpReceiveFunc receive;
  gpointer         user_data;
} WbUdpBinding;

typedef struct
{
  WbEchoReplyFunc func;
  gpointer        user_data;
} WbEchoWatch;

typedef struct
{
  guint32 start;
  guint32 end;
} WbFragRange;

/* One datagram being reassembled; the first four fields are its key. */
typedef struct
{
  guint32  src;
  guint32  dst;
  guint16  id;
  guint8   proto;

  WbIpMeta meta;               /* from the fragment at offset 0 */
  guint8  *data;
  gsize    allocated;
  gsize    total;              /* known once the last fragment came; 0 before */
  gsize    received;
  GArray  *ranges;             /* WbFragRange, sorted and disjoint */
  gint64   deadline;
} WbReassembly;

static const struct
{
  const char *text;
  gboolean    log;             /* routine drops (other hosts' traffic) are only counted */
} drop_reasons[WB_N_DROP_REASONS] = {
  [WB_DROP_NO_INTERFACE]       = { "no such interface", TRUE },
  [WB_DROP_LINK_DOWN]          = { "link down", FALSE },
  [WB_DROP_RUNT]               = { "runt frame", TRUE },
  [WB_DROP_NOT_OUR_MAC]        = { "frame for another MAC address", FALSE },
  [WB_DROP_ETHERTYPE]          = { "unknown ethertype", TRUE },
  [WB_DROP_ARP_MALFORMED]      = { "malformed ARP packet", TRUE },
  [WB_DROP_ARP_FAILED]         = { "no ARP reply from the next hop", TRUE },
  [WB_DROP_ARP_QUEUE_FULL]     = { "ARP queue full", TRUE },
  [WB_DROP_IP_MALFORMED]       = { "malformed IPv4 header", TRUE },
  [WB_DROP_IP_CHECKSUM]        = { "bad IPv4 header checksum", TRUE },
  [WB_DROP_IP_SOURCE]          = { "bad IPv4 source or destination", TRUE },
  [WB_DROP_NOT_OUR_ADDRESS]    = { "datagram for another address", FALSE },
  [WB_DROP_FRAGMENT]           = { "bad IPv4 fragment", TRUE },
  [WB_DROP_FRAGMENT_OVERLAP]   = { "overlapping IPv4 fragments", TRUE },
  [WB_DROP_REASSEMBLY_TIMEOUT] = { "incomplete datagram timed out", TRUE },
  [WB_DROP_REASSEMBLY_FULL]    = { "too many datagrams in reassembly", TRUE },
  [WB_DROP_PROTOCOL]           = { "unknown IP protocol", TRUE },
  [WB_DROP_ICMP_MALFORMED]     = { "malformed ICMP message", TRUE },
  [WB_DROP_UDP_MALFORMED]      = { "malformed UDP datagram", TRUE },
  [WB_DROP_UDP_CHECKSUM]       = { "bad UDP checksum", TRUE },
  [WB_DROP_UDP_NO_LISTENER]    = { "UDP port not bound", FALSE },
  [WB_DROP_NO_ROUTE]           = { "no route", TRUE },
  [WB_DROP_TTL]                = { "TTL exceeded", TRUE },
  [WB_DROP_TOO_BIG]            = { "datagram larger than the MTU with DF set", TRUE },
  [WB_DROP_NAT_FULL]           = { "masquerading table full", TRUE },
  [WB_DROP_LOOPBACK_FULL]      = { "loopback queue full", TRUE },
};

static const guint8 mac_broadcast[WB_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const guint8 mac_zero[WB_ETH_ALEN] = { 0 };

static void     arp_flush_interface (WbGuest         *guest,
                                     guint            iface);
static void     arp_announce        (WbGuest         *guest,
                                     guint            iface);
static void     ip_transmit         (WbGuest         *guest,
                                     guint            iface,
                                     const guint8    *mac,
                                     const WbIpMeta  *meta,
                                     const WbPayload *payload);
static void     ip_deliver          (WbGuest         *guest,
                                     const WbIpMeta  *meta,
                                     const guint8    *payload,
                                     gsize            len);
static void     ip_deliver_local    (WbGuest         *guest,
                                     const WbIpMeta  *meta,
                                     const guint8    *payload,
                                     gsize            len);

static WbGuestIface *
get_iface (WbGuest *guest,
           guint    iface)
{
  if (iface >= WB_GUEST_MAX_IFACES || !guest->ifaces[iface].present)
    return NULL;
  return &guest->ifaces[iface];
}

static guint32
iface_broadcast (const WbGuestIface *ifc)
{
  return ifc->address | ~_wb_ipv4_mask (ifc->prefix);
}

static WbQueuedDatagram *
queued_datagram_new (const WbIpMeta  *meta,
                     const WbPayload *payload)
{
  gsize len = payload->head_len + payload->body_len;
  WbQueuedDatagram *q = g_malloc (sizeof (WbQueuedDatagram) + len);

  q->meta = *meta;
  q->len = len;
  if (payload->head_len > 0)
    memcpy (q->data, payload->head, payload->head_len);
  if (payload->body_len > 0)
    memcpy (q->data + payload->head_len, payload->body, payload->body_len);
  return q;
}

/* Sums a payload for a checksum; the head has an even length, so the two
 * parts sum as one buffer. */
static guint32
payload_checksum_add (guint32          sum,
                      const WbPayload *payload)
{
  g_assert (payload->head_len % 2 == 0);
  sum = wb_checksum_add (sum, payload->head, payload->head_len);
  return wb_checksum_add (sum, payload->body, payload->body_len);
}

static guint16
payload_l4_checksum (guint32          src,
                     guint32          dst,
                     guint8           proto,
                     const WbPayload *payload)
{
  guint8 pseudo[12];

  wb_put_be32 (pseudo, src);
  wb_put_be32 (pseudo + 4, dst);
  pseudo[8] = 0;
  pseudo[9] = proto;
  wb_put_be16 (pseudo + 10, (guint16) (payload->head_len + payload->body_len));
  return wb_checksum_finish (payload_checksum_add (wb_checksum_add (0, pseudo, sizeof pseudo),
                                                   payload));
}

/* --- the guest ------------------------------------------------------------------ */

static void
arp_entry_free (gpointer data)
{
  WbArpEntry *entry = data;

  g_queue_clear_full (&entry->pending, g_free);
  g_free (entry);
}

static void
reassembly_free (gpointer data)
{
  WbReassembly *r = data;

  g_free (r->data);
  g_array_unref (r->ranges);
  g_free (r);
}

static guint
reassembly_hash (gconstpointer key)
{
  const WbReassembly *r = key;

  return r->src ^ (r->dst * 2654435761u) ^ ((guint) r->id << 8) ^ r->proto;
}

static gboolean
reassembly_equal (gconstpointer a,
                  gconstpointer b)
{
  const WbReassembly *ra = a;
  const WbReassembly *rb = b;

  return ra->src == rb->src && ra->dst == rb->dst && ra->id == rb->id && ra->proto == rb->proto;
}

static gboolean
housekeeping_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  return callback (user_data);
}

/* A source that only has a ready time: one timer per guest, however many
 * entries wait. */
static GSourceFuncs housekeeping_funcs = {
  .dispatch = housekeeping_dispatch,
};

static gboolean housekeeping_cb (gpointer user_data);

WbGuest *
wb_guest_new (const char             *name,
              GMainContext           *context,
              const WbGuestCallbacks *callbacks,
              gpointer                user_data)
{
  WbGuest *guest = g_new0 (WbGuest, 1);

  guest->name = g_strdup (name != NULL ? name : "");
  guest->context = context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  if (callbacks != NULL)
    guest->callbacks = *callbacks;
  guest->user_data = user_data;
  guest->time_scale = 1.0;
  guest->next_ip_id = (guint16) g_random_int ();
  guest->next_echo_id = (guint16) g_random_int_range (1, WB_NAT_PORT_FIRST);

  guest->arp = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, arp_entry_free);
  guest->reassembly = g_hash_table_new_full (reassembly_hash, reassembly_equal, NULL, reassembly_free);
  guest->udp = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  guest->echo_watches = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  g_hook_list_init (&guest->icmp_error_hooks, sizeof (GHook));
  g_queue_init (&guest->loopback);
  guest->services = g_array_new (FALSE, FALSE, sizeof (guint16));

  guest->housekeeping = g_source_new (&housekeeping_funcs, sizeof (GSource));
  g_source_set_callback (guest->housekeeping, housekeeping_cb, guest, NULL);
  g_source_set_static_name (guest->housekeeping, "[wirebox] guest housekeeping");
  g_source_attach (guest->housekeeping, guest->context);
  guest->housekeeping_at = -1;

  guest->tcp = _wb_tcp_stack_new (guest);
  return guest;
}

void
wb_guest_shutdown (WbGuest *guest)
{
  g_autoptr(GArray) services = NULL;

  g_return_if_fail (guest != NULL);

  if (guest->stopping)
    return;
  guest->stopping = TRUE;

  /* The DHCP releases and TCP resets still leave as frames. */
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    {
      WbDhcpClient *dhcp = guest->ifaces[i].dhcp;

      guest->ifaces[i].dhcp = NULL;
      if (dhcp != NULL)
        _wb_dhcp_client_free (dhcp, TRUE);
    }
  /* Stopped from a copy: a service may remove itself as it stops. */
  services = g_steal_pointer (&guest->services);
  guest->services = g_array_new (FALSE, FALSE, sizeof (guint16));
  for (guint i = 0; i < services->len; i++)
    _wb_guest_apps_stop_service (guest, g_array_index (services, guint16, i));
  _wb_guest_commands_shutdown (guest);
  g_clear_pointer (&guest->tcp, _wb_tcp_stack_free);

  guest->stopped = TRUE;
  if (guest->housekeeping != NULL)
    {
      g_source_destroy (guest->housekeeping);
      g_clear_pointer (&guest->housekeeping, g_source_unref);
    }
  if (guest->loopback_source != NULL)
    {
      g_source_destroy (guest->loopback_source);
      g_clear_pointer (&guest->loopback_source, g_source_unref);
    }
  g_queue_clear_full (&guest->loopback, g_free);
  g_hash_table_remove_all (guest->arp);
  guest->arp_pending_bytes = 0;
  g_hash_table_remove_all (guest->reassembly);
  g_hash_table_remove_all (guest->udp);
  g_hash_table_remove_all (guest->echo_watches);
  _wb_guest_nat_free (guest);
}

void
wb_guest_free (WbGuest *guest)
{
  if (guest == NULL)
    return;

  wb_guest_shutdown (guest);
  g_hash_table_unref (guest->arp);
  g_hash_table_unref (guest->reassembly);
  g_hash_table_unref (guest->udp);
  g_hash_table_unref (guest->echo_watches);
  g_hook_list_clear (&guest->icmp_error_hooks);
  g_array_unref (guest->services);
  g_main_context_unref (guest->context);
  g_free (guest->scratch);
  g_free (guest->name);
  g_free (guest);
}

GMainContext *
_wb_guest_get_context (WbGuest *guest)
{
  return guest->context;
}

const char *
_wb_guest_get_name (WbGuest *guest)
{
  return guest->name;
}

WbTcpStack *
_wb_guest_get_tcp (WbGuest *guest)
{
  return guest->tcp;
}

void
_wb_guest_log (WbGuest    *guest,
               const char *format,
               ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (guest->stopped || guest->callbacks.log == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  guest->callbacks.log (guest->user_data, message);
}

void
_wb_guest_set_property (WbGuest    *guest,
                        const char *name,
                        const char *value)
{
  if (guest->stopped || guest->callbacks.property_changed == NULL)
    return;
  guest->callbacks.property_changed (guest->user_data, name, value);
}

GSource *
_wb_guest_timeout_new (WbGuest     *guest,
                       guint        ms,
                       GSourceFunc  func,
                       gpointer     data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, guest->context);
  return source;
}

gint64
_wb_guest_scaled (WbGuest *guest,
                  gint64   us)
{
  return MAX ((gint64) (us * guest->time_scale), 1);
}

void
_wb_guest_set_time_scale (WbGuest *guest,
                          double   scale)
{
  g_return_if_fail (scale > 0);
  guest->time_scale = scale;
  /* A pass now re-reads the timeouts that depend on the scale. */
  _wb_guest_schedule (guest, g_get_monotonic_time ());
}

guint64
_wb_guest_get_drops (WbGuest *guest)
{
  return guest->drops;
}

void
_wb_guest_drop (WbGuest      *guest,
                guint         iface,
                WbDropReason  reason)
{
  gint64 now;
  guint64 count;

  guest->drops++;
  if (!drop_reasons[reason].log)
    return;

  /* One line per reason and interval, with the count it stands for. */
  count = ++guest->drops_unlogged[reason];
  now = g_get_monotonic_time ();
  if (guest->drop_logged_at[reason] != 0 && now - guest->drop_logged_at[reason] < DROP_LOG_INTERVAL_US)
    return;
  guest->drop_logged_at[reason] = now;
  guest->drops_unlogged[reason] = 0;
  if (count == 1)
    _wb_guest_log (guest, "eth%u: dropped: %s", iface, drop_reasons[reason].text);
  else
    _wb_guest_log (guest, "eth%u: dropped %" G_GUINT64_FORMAT " since the last report: %s",
                   iface, count, drop_reasons[reason].text);
}

/* --- housekeeping ----------------------------------------------------------------- */

void
_wb_guest_schedule (WbGuest *guest,
                    gint64   deadline)
{
  gint64 grid = MAX (_wb_guest_scaled (guest, HOUSEKEEPING_GRID_US), 1000);

  if (guest->stopped)
    return;
  deadline = (deadline + grid - 1) / grid * grid;
  if (guest->housekeeping_at >= 0 && guest->housekeeping_at <= deadline)
    return;
  guest->housekeeping_at = deadline;
  g_source_set_ready_time (guest->housekeeping, deadline);
}

typedef struct
{
  guint   iface;
  guint32 address;
  guint8  mac[WB_ETH_ALEN];
} WbArpRequest;

static void
arp_send (WbGuest      *guest,
          guint         iface,
          guint16       op,
          const guint8 *eth_dst,
          const guint8 *target_mac,
          guint32       target_ip);

static void
arp_drop_pending (WbGuest    *guest,
                  WbArpEntry *entry)
{
  WbQueuedDatagram *q;

  while ((q = g_queue_pop_head (&entry->pending)) != NULL)
    {
      _wb_guest_drop (guest, entry->iface, WB_DROP_ARP_FAILED);
      g_free (q);
    }
  guest->arp_pending_bytes -= entry->pending_bytes;
  entry->pending_bytes = 0;
}

static void
arp_expire (WbGuest *guest,
            gint64   now)
{
  g_autoptr(GArray) requests = g_array_new (FALSE, FALSE, sizeof (WbArpRequest));
  GHashTableIter iter;
  WbArpEntry *entry;

  g_hash_table_iter_init (&iter, guest->arp);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      WbArpRequest request;

      if (entry->deadline > now)
        {
          _wb_guest_schedule (guest, entry->deadline);
          continue;
        }
      if (entry->state == WB_ARP_REACHABLE)
        {
          /* Unused entries go; used ones are confirmed while still in use,
           * so that a busy flow never waits for ARP. */
          if (!entry->used)
            {
              g_hash_table_iter_remove (&iter);
              continue;
            }
          entry->state = WB_ARP_PROBE;
          entry->tries = 0;
        }
      if (entry->tries >= ARP_TRIES)
        {
          arp_drop_pending (guest, entry);
          g_hash_table_iter_remove (&iter);
          continue;
        }
      request.iface = entry->iface;
      request.address = entry->address;
      memcpy (request.mac, entry->state == WB_ARP_PROBE ? entry->mac : mac_broadcast, WB_ETH_ALEN);
      g_array_append_val (requests, request);
      entry->tries++;
      entry->deadline = now + _wb_guest_scaled (guest, ARP_RETRY_US);
      _wb_guest_schedule (guest, entry->deadline);
    }

  /* Sent after the walk: a transmit callback may come back into the table. */
  for (guint i = 0; i < requests->len; i++)
    {
      WbArpRequest *r = &g_array_index (requests, WbArpRequest, i);

      arp_send (guest, r->iface, ARP_OP_REQUEST, r->mac, mac_zero, r->address);
    }
}

static void
reassembly_expire (WbGuest *guest,
                   gint64   now)
{
  GHashTableIter iter;
  WbReassembly *r;

  g_hash_table_iter_init (&iter, guest->reassembly);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &r))
    {
      if (r->deadline > now)
        {
          _wb_guest_schedule (guest, r->deadline);
          continue;
        }
      _wb_guest_drop (guest, r->meta.iface, WB_DROP_REASSEMBLY_TIMEOUT);
      g_hash_table_iter_remove (&iter);
    }
}

static gboolean
housekeeping_cb (gpointer user_data)
{
  WbGuest *guest = user_data;
  gint64 now = g_get_monotonic_time ();

  guest->housekeeping_at = -1;
  g_source_set_ready_time (guest->housekeeping, -1);
  /* Each pass reschedules what it keeps. */
  reassembly_expire (guest, now);
  _wb_guest_nat_expire (guest, now);
  arp_expire (guest, now);
  return G_SOURCE_CONTINUE;
}

/* --- interfaces and guest properties ------------------------------------------------ */

static void
iface_property (WbGuest    *guest,
                guint       iface,
                const char *leaf,
                const char *value)
{
  g_autofree char *name = g_strdup_printf ("/VirtualBox/GuestInfo/Net/%u/%s", iface, leaf);

  _wb_guest_set_property (guest, name, value);
}

static void
publish_count (WbGuest *guest)
{
  char value[4];
  guint count = 0;

  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    count += guest->ifaces[i].present;
  g_snprintf (value, sizeof value, "%u", count);
  _wb_guest_set_property (guest, "/VirtualBox/GuestInfo/Net/Count", value);
}

static void
publish_address (WbGuest *guest,
                 guint    iface)
{
  WbGuestIface *ifc = &guest->ifaces[iface];
  char ip[16], broadcast[16], netmask[16];

  if (ifc->address == 0)
    {
      iface_property (guest, iface, "V4/IP", NULL);
      iface_property (guest, iface, "V4/Broadcast", NULL);
      iface_property (guest, iface, "V4/Netmask", NULL);
      return;
    }
  wb_ipv4_format (ifc->address, ip);
  wb_ipv4_format (iface_broadcast (ifc), broadcast);
  wb_ipv4_format (_wb_ipv4_mask (ifc->prefix), netmask);
  iface_property (guest, iface, "V4/IP", ip);
  iface_property (guest, iface, "V4/Broadcast", broadcast);
  iface_property (guest, iface, "V4/Netmask", netmask);
}

static void
publish_status (WbGuest *guest,
                guint    iface)
{
  iface_property (guest, iface, "Status", guest->ifaces[iface].up ? "Up" : "Down");
}

void
wb_guest_add_interface (WbGuest      *guest,
                        guint         iface,
                        const guint8  mac[6],
                        guint         mtu)
{
  WbGuestIface *ifc;
  char hex[13];

  g_return_if_fail (guest != NULL && mac != NULL);
  g_return_if_fail (iface < WB_GUEST_MAX_IFACES);

  if (guest->ifaces[iface].present)
    wb_guest_remove_interface (guest, iface);
  ifc = &guest->ifaces[iface];
  memset (ifc, 0, sizeof *ifc);
  ifc->present = TRUE;
  memcpy (ifc->mac, mac, WB_ETH_ALEN);
  ifc->mtu = CLAMP (mtu != 0 ? mtu : WB_ETH_MTU, WB_GUEST_MIN_MTU, WB_GUEST_MAX_MTU);

  publish_count (guest);
  g_snprintf (hex, sizeof hex, "%02X%02X%02X%02X%02X%02X",
              mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  iface_property (guest, iface, "MAC", hex);
  publish_status (guest, iface);
}

void
wb_guest_remove_interface (WbGuest *guest,
                           guint    iface)
{
  WbGuestIface *ifc = get_iface (guest, iface);
  WbDhcpClient *dhcp;

  if (ifc == NULL)
    return;
  /* The adapter is gone: no DHCPRELEASE can leave through it. */
  dhcp = g_steal_pointer (&ifc->dhcp);
  if (dhcp != NULL)
    _wb_dhcp_client_free (dhcp, FALSE);
  ifc->up = FALSE;
  arp_flush_interface (guest, iface);
  if (ifc->address != 0)
    {
      ifc->address = 0;
      ifc->prefix = 0;
      publish_address (guest, iface);
    }
  ifc->present = FALSE;
  iface_property (guest, iface, "MAC", NULL);
  iface_property (guest, iface, "Status", NULL);
  publish_count (guest);
}

gboolean
wb_guest_has_interface (WbGuest *guest,
                        guint    iface)
{
  return get_iface (guest, iface) != NULL;
}

void
wb_guest_set_link (WbGuest  *guest,
                   guint     iface,
                   gboolean  up)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  if (ifc == NULL || guest->stopping || ifc->up == !!up)
    return;
  ifc->up = !!up;
  _wb_guest_log (guest, "eth%u: link %s", iface, up ? "up" : "down");
  publish_status (guest, iface);
  if (!up)
    arp_flush_interface (guest, iface);
  else if (ifc->address != 0)
    arp_announce (guest, iface);
  if (ifc->dhcp != NULL)
    _wb_dhcp_client_link_changed (ifc->dhcp, ifc->up);
}

void
wb_guest_set_mtu (WbGuest *guest,
                  guint    iface,
                  guint    mtu)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  if (ifc != NULL)
    ifc->mtu = CLAMP (mtu, WB_GUEST_MIN_MTU, WB_GUEST_MAX_MTU);
}

void
wb_guest_configure_dhcp (WbGuest *guest,
                         guint    iface)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  if (ifc == NULL || guest->stopping || ifc->dhcp != NULL)
    return;
  _wb_guest_iface_set_address (guest, iface, 0, 0, 0);
  ifc->dhcp = _wb_dhcp_client_new (guest, iface);
}

void
wb_guest_configure_static (WbGuest *guest,
                           guint    iface,
                           guint32  address,
                           guint    prefix)
{
  WbGuestIface *ifc = get_iface (guest, iface);
  WbDhcpClient *dhcp;

  if (ifc == NULL || guest->stopping)
    return;
  dhcp = g_steal_pointer (&ifc->dhcp);
  if (dhcp != NULL)
    _wb_dhcp_client_free (dhcp, TRUE);
  _wb_guest_iface_set_address (guest, iface, address, prefix, 0);
}

void
wb_guest_set_gateway (WbGuest *guest,
                      guint    iface,
                      guint32  gateway)
{
  char text[16];

  g_return_if_fail (iface < WB_GUEST_MAX_IFACES);

  if (guest->gateway == gateway && (gateway == 0 || guest->gateway_iface == iface))
    return;
  guest->gateway = gateway;
  guest->gateway_iface = iface;
  wb_ipv4_format (gateway, text);
  if (gateway != 0)
    _wb_guest_log (guest, "default gateway %s via eth%u", text, iface);
  else
    _wb_guest_log (guest, "default gateway removed");
}

void
wb_guest_set_ip_forward (WbGuest  *guest,
                         gboolean  forward)
{
  guest->ip_forward = !!forward;
}

void
wb_guest_set_masquerade (WbGuest  *guest,
                         guint     iface,
                         gboolean  masquerade)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  if (ifc != NULL)
    ifc->masquerade = !!masquerade;
}

guint32
wb_guest_get_address (WbGuest *guest,
                      guint    iface,
                      guint   *prefix)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  if (prefix != NULL)
    *prefix = ifc != NULL ? ifc->prefix : 0;
  return ifc != NULL ? ifc->address : 0;
}

const guint8 *
_wb_guest_iface_mac (WbGuest *guest,
                     guint    iface)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  return ifc != NULL ? ifc->mac : NULL;
}

gboolean
_wb_guest_iface_is_up (WbGuest *guest,
                       guint    iface)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  return ifc != NULL && ifc->up;
}

guint
_wb_guest_iface_mtu (WbGuest *guest,
                     guint    iface)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  return ifc != NULL ? ifc->mtu : 0;
}

void
_wb_guest_iface_set_address (WbGuest *guest,
                             guint    iface,
                             guint32  address,
                             guint    prefix,
                             guint32  router)
{
  WbGuestIface *ifc = get_iface (guest, iface);
  char text[16];

  if (ifc == NULL)
    return;
  if (address == 0)
    prefix = router = 0;
  prefix = MIN (prefix, 32);
  if (ifc->address == address && ifc->prefix == prefix && ifc->router == router)
    return;

  if (ifc->address != address || ifc->prefix != prefix)
    {
      ifc->address = address;
      ifc->prefix = prefix;
      wb_ipv4_format (address, text);
      if (address != 0)
        _wb_guest_log (guest, "eth%u: address %s/%u", iface, text, prefix);
      else
        _wb_guest_log (guest, "eth%u: address cleared", iface);
      publish_address (guest, iface);
      if (address != 0 && ifc->up)
        arp_announce (guest, iface);
    }
  ifc->router = router;
}

/* --- frames out ------------------------------------------------------------------------ */

static guint8 *
frame_buffer_get (WbGuest *guest,
                  gsize    size)
{
  if (guest->scratch_busy)
    return g_malloc (size);
  if (size > guest->scratch_size)
    {
      g_free (guest->scratch);
      guest->scratch = g_malloc (size);
      guest->scratch_size = size;
    }
  guest->scratch_busy = TRUE;
  return guest->scratch;
}

static void
frame_buffer_put (WbGuest *guest,
                  guint8  *buffer)
{
  if (buffer == guest->scratch)
    guest->scratch_busy = FALSE;
  else
    g_free (buffer);
}

static void
eth_header_write (guint8       *frame,
                  const guint8 *dst,
                  const guint8 *src,
                  guint16       ethertype)
{
  memcpy (frame, dst, WB_ETH_ALEN);
  memcpy (frame + WB_ETH_ALEN, src, WB_ETH_ALEN);
  wb_put_be16 (frame + 12, ethertype);
}

static void
eth_transmit (WbGuest      *guest,
              guint         iface,
              const guint8 *frame,
              gsize         len)
{
  WbGuestIface *ifc = get_iface (guest, iface);

  if (guest->stopped || guest->callbacks.transmit == NULL)
    return;
  if (ifc == NULL || !ifc->up)
    {
      _wb_guest_drop (guest, iface, WB_DROP_LINK_DOWN);
      return;
    }
  guest->callbacks.transmit (guest->user_data, iface, frame, len);
}

/* --- ARP ------------------------------------------------------------------------------- */

static guint64
arp_key (guint   iface,
         guint32 address)
{
  return (guint64) iface << 32 | address;
}

static void
arp_send (WbGuest      *guest,
          guint         iface,
          guint16       op,
          const guint8 *eth_dst,
          const guint8 *target_mac,
          guint32       target_ip)
{
  WbGuestIface *ifc = get_iface (guest, iface);
  guint8 frame[WB_ETH_HLEN + ARP_LEN];
  guint8 *p = frame + WB_ETH_HLEN;

  if (ifc == NULL)
    return;
  eth_header_write (frame, eth_dst, ifc->mac, WB_ETHERTYPE_ARP);
  wb_put_be16 (p, 1);
  wb_put_be16 (p + 2, WB_ETHERTYPE_IPV4);
  p[4] = WB_ETH_ALEN;
  p[5] = 4;
  wb_put_be16 (p + 6, op);
  memcpy (p + 8, ifc->mac, WB_ETH_ALEN);
  wb_put_be32 (p + 14, ifc->address);
  memcpy (p + 18, target_mac, WB_ETH_ALEN);
  wb_put_be32 (p + 24, target_ip);
  eth_transmit (guest, iface, frame, sizeof frame);
}

/* A gratuitous ARP: tells the segment (and its switches) where the
 * address is now. */
static void
arp_announce (WbGuest *guest,
              guint    iface)
{
  arp_send (guest, iface, ARP_OP_REQUEST, mac_broadcast, mac_zero, guest->ifaces[iface].address);
}

static void
arp_flush_interface (WbGuest *guest,
                     guint    iface)
{
  GHashTableIter iter;
  WbArpEntry *entry;

  g_hash_table_iter_init (&iter, guest->arp);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->iface == iface)
      {
        arp_drop_pending (guest, entry);
        g_hash_table_iter_remove (&iter);
      }
}

static WbArpEntry *
arp_entry_add (WbGuest    *guest,
               guint       iface,
               guint32     address,
               WbArpState  state)
{
  WbArpEntry *entry;

  if (g_hash_table_size (guest->arp) >= ARP_MAX_ENTRIES)
    return NULL;
  entry = g_new0 (WbArpEntry, 1);
  entry->key = arp_key (iface, address);
  entry->iface = iface;
  entry->address = address;
  entry->state = state;
  g_queue_init (&entry->pending);
  g_hash_table_insert (guest->arp, &entry->key, entry);
  return entry;
}

/* @mac answered for the entry's address: send what waited for it. */
static void
arp_entry_confirm (WbGuest      *guest,
                   WbArpEntry   *entry,
                   const guint8 *mac)
{
  GQueue pending = entry->pending;
  guint8 resolved[WB_ETH_ALEN];
  guint iface = entry->iface;
  WbQueuedDatagram *q;

  memcpy (entry->mac, mac, WB_ETH_ALEN);
  memcpy (resolved, mac, WB_ETH_ALEN);
  entry->state = WB_ARP_REACHABLE;
  entry->used = FALSE;
  entry->tries = 0;
  entry->deadline = g_get_monotonic_time () + _wb_guest_scaled (guest, ARP_LIFETIME_US);
  _wb_guest_schedule (guest, entry->deadline);
  g_queue_init (&entry->pending);
  guest->arp_pending_bytes -= entry->pending_bytes;
  entry->pending_bytes = 0;

  /* The entry is not touched again: sending may re-enter the guest. */
  while ((q = g_queue_pop_head (&pending)) != NULL)
    {
      WbPayload payload = { NULL, 0, q->data, q->len };

      ip_transmit (guest, iface, resolved, &q->meta, &payload);
      g_free (q);
    }
}

static void
arp_input (WbGuest      *guest,
           guint         iface,
           const guint8 *pkt,
           gsize         len)
{
  WbGuestIface *ifc = &guest->ifaces[iface];
  const guint8 *sha;
  guint32 spa, tpa;
  guint16 op;
  guint64 key;
  WbArpEntry *entry;
  gboolean for_us;

  if (len < ARP_LEN || wb_get_be16 (pkt) != 1 || wb_get_be16 (pkt + 2) != WB_ETHERTYPE_IPV4
      || pkt[4] != WB_ETH_ALEN || pkt[5] != 4)
    {
      _wb_guest_drop (guest, iface, WB_DROP_ARP_MALFORMED);
      return;
    }
  op = wb_get_be16 (pkt + 6);
  sha = pkt + 8;
  spa = wb_get_be32 (pkt + 14);
  tpa = wb_get_be32 (pkt + 24);
  if ((op != ARP_OP_REQUEST && op != ARP_OP_REPLY) || wb_mac_is_multicast (sha))
    {
      _wb_guest_drop (guest, iface, WB_DROP_ARP_MALFORMED);
      return;
    }
  if (ifc->address != 0 && spa == ifc->address)
    {
      if (!wb_mac_equal (sha, ifc->mac))
        {
          char mac[18], ip[16];

          wb_mac_format (sha, mac);
          wb_ipv4_format (spa, ip);
          _wb_guest_log (guest, "eth%u: %s claims our address %s", iface, mac, ip);
        }
      return;
    }

  for_us = ifc->address != 0 && tpa == ifc->address;
  /* A probe (sender 0.0.0.0) or a bogus sender teaches nothing. */
  if (spa != 0 && spa != WB_IPV4_BROADCAST && !_wb_ipv4_is_multicast (spa))
    {
      key = arp_key (iface, spa);
      entry = g_hash_table_lookup (guest->arp, &key);
      /* As RFC 826: update what we know; learn only from who talks to us. */
      if (entry == NULL && for_us)
        entry = arp_entry_add (guest, iface, spa, WB_ARP_REACHABLE);
      if (entry != NULL)
        arp_entry_confirm (guest, entry, sha);
    }
  if (op == ARP_OP_REQUEST && for_us)
    {
      guint8 requester[WB_ETH_ALEN];

      memcpy (requester, sha, WB_ETH_ALEN);
      arp_send (guest, iface, ARP_OP_REPLY, requester, requester, spa);
    }
}

/* Sends to an on-link unicast next hop: at once if its MAC is known, else
 * after ARP (the datagram waits in a bounded queue). */
static void
arp_output (WbGuest         *guest,
            guint            iface,
            guint32          next_hop,
            const WbIpMeta  *meta,
            const WbPayload *payload)
{
  guint64 key = arp_key (iface, next_hop);
  WbArpEntry *entry = g_hash_table_lookup (guest->arp, &key);
  gsize len = payload->head_len + payload->body_len;
  gboolean created = FALSE;

  if (entry != NULL && entry->state != WB_ARP_INCOMPLETE)
    {
      entry->used = TRUE;
      ip_transmit (guest, iface, entry->mac, meta, payload);
      return;
    }
  if (!guest->ifaces[iface].up)
    {
      _wb_guest_drop (guest, iface, WB_DROP_LINK_DOWN);
      return;
    }
  if (guest->stopping)
    {
      /* There is no later to wait for (a DHCPRELEASE at power-off): a
       * unicast datagram in a broadcast frame still reaches its host. */
      ip_transmit (guest, iface, mac_broadcast, meta, payload);
      return;
    }
  if (entry == NULL)
    {
      entry = arp_entry_add (guest, iface, next_hop, WB_ARP_INCOMPLETE);
      if (entry == NULL)
        {
          _wb_guest_drop (guest, iface, WB_DROP_ARP_QUEUE_FULL);
          return;
        }
      entry->tries = 1;
      entry->deadline = g_get_monotonic_time () + _wb_guest_scaled (guest, ARP_RETRY_US);
      _wb_guest_schedule (guest, entry->deadline);
      created = TRUE;
    }
  if (entry->pending.length >= ARP_MAX_PENDING || guest->arp_pending_bytes + len > ARP_MAX_PENDING_BYTES)
    _wb_guest_drop (guest, iface, WB_DROP_ARP_QUEUE_FULL);
  else
    {
      g_queue_push_tail (&entry->pending, queued_datagram_new (meta, payload));
      entry->pending_bytes += len;
      guest->arp_pending_bytes += len;
    }
  /* Asked after queueing, in case the answer comes back synchronously. */
  if (created)
    arp_send (guest, iface, ARP_OP_REQUEST, mac_broadcast, mac_zero, next_hop);
}

/* --- routing ------------------------------------------------------------------------- */

gboolean
_wb_guest_is_local_address (WbGuest *guest,
                            guint32  address)
{
  if (address == 0)
    return FALSE;
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    if (guest->ifaces[i].present && guest->ifaces[i].address == address)
      return TRUE;
  return FALSE;
}

static gboolean
iface_is_usable (const WbGuestIface *ifc)
{
  return ifc->present && ifc->up && ifc->address != 0;
}

gboolean
_wb_guest_default_route (WbGuest *guest,
                         guint   *iface,
                         guint32 *gateway)
{
  if (guest->gateway != 0 && iface_is_usable (&guest->ifaces[guest->gateway_iface]))
    {
      *iface = guest->gateway_iface;
      *gateway = guest->gateway;
      return TRUE;
    }
  /* Without a static gateway, the first lease that names a router. */
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    if (iface_is_usable (&guest->ifaces[i]) && guest->ifaces[i].router != 0)
      {
        *iface = i;
        *gateway = guest->ifaces[i].router;
        return TRUE;
      }
  return FALSE;
}

static void
route_set (WbRoute *route,
           WbGuest *guest,
           guint    iface,
           guint32  next_hop)
{
  route->iface = iface;
  route->src = guest->ifaces[iface].address;
  route->next_hop = next_hop;
  route->mtu = guest->ifaces[iface].mtu;
  route->local = FALSE;
}

gboolean
_wb_guest_route_lookup (WbGuest *guest,
                        guint32  dst,
                        WbRoute *route)
{
  gint best = -1;
  guint gw_iface;
  guint32 gateway;

  if (dst == 0)
    return FALSE;
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    if (guest->ifaces[i].present && guest->ifaces[i].address == dst)
      {
        route_set (route, guest, i, dst);
        route->local = TRUE;
        return TRUE;
      }

  if (dst == WB_IPV4_BROADCAST || _wb_ipv4_is_multicast (dst))
    {
      /* Out of the default route's interface, else the first configured. */
      if (_wb_guest_default_route (guest, &gw_iface, &gateway))
        best = gw_iface;
      for (guint i = 0; best < 0 && i < WB_GUEST_MAX_IFACES; i++)
        if (iface_is_usable (&guest->ifaces[i]))
          best = i;
      if (best < 0)
        return FALSE;
      route_set (route, guest, best, dst);
      return TRUE;
    }

  /* Longest prefix over the connected routes: at most eight. */
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    {
      const WbGuestIface *ifc = &guest->ifaces[i];
      guint32 mask = _wb_ipv4_mask (ifc->prefix);

      if (iface_is_usable (ifc) && (dst & mask) == (ifc->address & mask)
          && (best < 0 || ifc->prefix > guest->ifaces[best].prefix))
        best = i;
    }
  if (best >= 0)
    {
      route_set (route, guest, best, dst);
      return TRUE;
    }
  if (_wb_guest_default_route (guest, &gw_iface, &gateway))
    {
      route_set (route, guest, gw_iface, gateway);
      return TRUE;
    }
  return FALSE;
}

gboolean
_wb_guest_route (WbGuest *guest,
                 guint32  dst,
                 guint   *iface,
                 guint32 *src,
                 guint   *mtu)
{
  WbRoute route;

  if (guest->stopped || !_wb_guest_route_lookup (guest, dst, &route))
    return FALSE;
  if (iface != NULL)
    *iface = route.iface;
  if (src != NULL)
    *src = route.local ? dst : route.src;
  if (mtu != NULL)
    *mtu = route.mtu;
  return TRUE;
}

/* --- IPv4 output ------------------------------------------------------------------------ */

void
_wb_guest_ip_header_write (guint8         *buf,
                           const WbIpMeta *meta,
                           gsize           total_len,
                           guint16         frag)
{
  buf[0] = 0x45;
  buf[1] = meta->tos;
  wb_put_be16 (buf + 2, (guint16) total_len);
  wb_put_be16 (buf + 4, meta->id);
  wb_put_be16 (buf + 6, frag);
  buf[8] = meta->ttl;
  buf[9] = meta->proto;
  wb_put_be16 (buf + 10, 0);
  wb_put_be32 (buf + 12, meta->src);
  wb_put_be32 (buf + 16, meta->dst);
  wb_put_be16 (buf + 10, wb_checksum (buf, WB_IPV4_HLEN));
}

/* Copies @len bytes of the payload from @offset, across its two parts. */
static void
payload_copy (const WbPayload *payload,
              gsize            offset,
              guint8          *out,
              gsize            len)
{
  if (offset < payload->head_len)
    {
      gsize n = MIN (len, payload->head_len - offset);

      memcpy (out, payload->head + offset, n);
      out += n;
      len -= n;
      offset = 0;
    }
  else
    offset -= payload->head_len;
  if (len > 0)
    memcpy (out, payload->body + offset, len);
}

/* Frames a datagram for @mac on @iface, in fragments if the MTU wants. */
static void
ip_transmit (WbGuest         *guest,
             guint            iface,
             const guint8    *mac,
             const WbIpMeta  *meta,
             const WbPayload *payload)
{
  WbGuestIface *ifc = get_iface (guest, iface);
  gsize total = payload->head_len + payload->body_len;
  gsize max_data, chunk, offset;
  guint16 df = meta->df ? WB_IP_FLAG_DF : 0;
  guint8 *frame;

  if (ifc == NULL || !ifc->up)
    {
      _wb_guest_drop (guest, iface, WB_DROP_LINK_DOWN);
      return;
    }
  max_data = ifc->mtu - WB_IPV4_HLEN;
  if (total > max_data && meta->df)
    {
      _wb_guest_drop (guest, iface, WB_DROP_TOO_BIG);
      return;
    }
  /* Every fragment but the last carries a multiple of 8 bytes. */
  chunk = total <= max_data ? total : max_data & ~(gsize) 7;
  frame = frame_buffer_get (guest, WB_ETH_HLEN + WB_IPV4_HLEN + chunk);
  eth_header_write (frame, mac, ifc->mac, WB_ETHERTYPE_IPV4);
  for (offset = 0;; offset += chunk)
    {
      gsize n = MIN (chunk, total - offset);
      gboolean more = offset + n < total;

      _wb_guest_ip_header_write (frame + WB_ETH_HLEN, meta, WB_IPV4_HLEN + n,
                                 df | (more ? WB_IP_FLAG_MF : 0) | (guint16) (offset / 8));
      payload_copy (payload, offset, frame + WB_ETH_HLEN + WB_IPV4_HLEN, n);
      eth_transmit (guest, iface, frame, WB_ETH_HLEN + WB_IPV4_HLEN + n);
      if (!more)
        break;
    }
  frame_buffer_put (guest, frame);
}

static gboolean
loopback_cb (gpointer user_data)
{
  WbGuest *guest = user_data;
  GQueue batch = guest->loopback;
  WbQueuedDatagram *q;

  /* What is looped back while this batch is delivered waits for the next
   * turn of the loop. */
  g_queue_init (&guest->loopback);
  g_clear_pointer (&guest->loopback_source, g_source_unref);
  while ((q = g_queue_pop_head (&batch)) != NULL)
    {
      if (!guest->stopped)
        ip_deliver_local (guest, &q->meta, q->data, q->len);
      g_free (q);
    }
  return G_SOURCE_REMOVE;
}

static void
loopback_queue (WbGuest         *guest,
                guint            iface,
                const WbIpMeta  *meta,
                const WbPayload *payload)
{
  WbQueuedDatagram *q;

  if (guest->stopping || guest->loopback.length >= LOOPBACK_MAX)
    {
      _wb_guest_drop (guest, iface, WB_DROP_LOOPBACK_FULL);
      return;
    }
  q = queued_datagram_new (meta, payload);
  q->meta.iface = iface;
  q->meta.link_broadcast = FALSE;
  g_queue_push_tail (&guest->loopback, q);
  if (guest->loopback_source == NULL)
    {
      guest->loopback_source = g_idle_source_new ();
      g_source_set_callback (guest->loopback_source, loopback_cb, guest, NULL);
      g_source_set_static_name (guest->loopback_source, "[wirebox] guest loopback");
      g_source_attach (guest->loopback_source, guest->context);
    }
}

void
_wb_guest_ip_send (WbGuest         *guest,
                   const WbRoute   *route,
                   const WbIpMeta  *meta,
                   const WbPayload *payload)
{
  const WbGuestIface *ifc = &guest->ifaces[route->iface];
  guint32 hop = route->next_hop;
  guint8 mac[WB_ETH_ALEN];

  if (route->local)
    {
      loopback_queue (guest, route->iface, meta, payload);
      return;
    }
  if (hop == WB_IPV4_BROADCAST || (ifc->prefix < 31 && hop == iface_broadcast (ifc)))
    memcpy (mac, mac_broadcast, WB_ETH_ALEN);
  else if (_wb_ipv4_is_multicast (hop))
    {
      /* RFC 1112: 01:00:5e and the group's low 23 bits. */
      mac[0] = 0x01;
      mac[1] = 0x00;
      mac[2] = 0x5e;
      mac[3] = (hop >> 16) & 0x7f;
      mac[4] = (hop >> 8) & 0xff;
      mac[5] = hop & 0xff;
    }
  else
    {
      arp_output (guest, route->iface, hop, meta, payload);
      return;
    }
  ip_transmit (guest, route->iface, mac, meta, payload);
}

static void
ip_meta_init_local (WbGuest  *guest,
                    WbIpMeta *meta,
                    guint32   src,
                    guint32   dst,
                    guint8    proto)
{
  memset (meta, 0, sizeof *meta);
  meta->src = src;
  meta->dst = dst;
  meta->proto = proto;
  meta->ttl = WB_GUEST_TTL;
  meta->id = guest->next_ip_id++;
}

static gboolean
ip_route_or_error (WbGuest  *guest,
                   guint32   dst,
                   gsize     len,
                   WbRoute  *route,
                   GError  **error)
{
  if (guest->stopped)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The guest is stopped");
      return FALSE;
    }
  if (len > WB_IP_MAX_PAYLOAD)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "Message too long");
      return FALSE;
    }
  if (!_wb_guest_route_lookup (guest, dst, route))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, "Network is unreachable");
      return FALSE;
    }
  return TRUE;
}

gboolean
_wb_guest_ip_output_payload (WbGuest          *guest,
                             guint32           src,
                             guint32           dst,
                             guint8            proto,
                             const WbPayload  *payload,
                             GError          **error)
{
  WbRoute route;
  WbIpMeta meta;

  if (!ip_route_or_error (guest, dst, payload->head_len + payload->body_len, &route, error))
    return FALSE;
  ip_meta_init_local (guest, &meta, src != 0 ? src : route.src, dst, proto);
  _wb_guest_ip_send (guest, &route, &meta, payload);
  return TRUE;
}

gboolean
_wb_guest_ip_output (WbGuest       *guest,
                     guint32        src,
                     guint32        dst,
                     guint8         proto,
                     const guint8  *payload,
                     gsize          len,
                     GError       **error)
{
  WbPayload p = { NULL, 0, payload, len };

  return _wb_guest_ip_output_payload (guest, src, dst, proto, &p, error);
}

static gboolean
ip_output_broadcast_payload (WbGuest         *guest,
                             guint            iface,
                             guint32          src,
                             guint8           proto,
                             const WbPayload *payload)
{
  WbGuestIface *ifc = get_iface (guest, iface);
  WbIpMeta meta;

  if (ifc == NULL || !ifc->up || guest->stopped
      || payload->head_len + payload->body_len > WB_IP_MAX_PAYLOAD)
    return FALSE;
  ip_meta_init_local (guest, &meta, src, WB_IPV4_BROADCAST, proto);
  ip_transmit (guest, iface, mac_broadcast, &meta, payload);
  return TRUE;
}

gboolean
_wb_guest_ip_output_broadcast (WbGuest      *guest,
                               guint         iface,
                               guint32       src,
                               guint8        proto,
                               const guint8 *payload,
                               gsize         len)
{
  WbPayload p = { NULL, 0, payload, len };

  return ip_output_broadcast_payload (guest, iface, src, proto, &p);
}

/* --- reassembly ------------------------------------------------------------------------- */

static void
reassembly_discard (WbGuest      *guest,
                    WbReassembly *r,
                    guint         iface,
                    WbDropReason  reason)
{
  _wb_guest_drop (guest, iface, reason);
  g_hash_table_remove (guest->reassembly, r);
}

/* Room for one more datagram: the oldest goes when all slots are taken. */
static void
reassembly_make_room (WbGuest *guest,
                      guint    iface)
{
  GHashTableIter iter;
  WbReassembly *r, *oldest = NULL;

  if (g_hash_table_size (guest->reassembly) < REASSEMBLY_MAX)
    return;
  g_hash_table_iter_init (&iter, guest->reassembly);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &r))
    if (oldest == NULL || r->deadline < oldest->deadline)
      oldest = r;
  reassembly_discard (guest, oldest, iface, WB_DROP_REASSEMBLY_FULL);
}

static void
reassembly_input (WbGuest        *guest,
                  const WbIpMeta *meta,
                  guint16         frag,
                  const guint8   *payload,
                  gsize           len)
{
  WbReassembly key = { .src = meta->src, .dst = meta->dst, .id = meta->id, .proto = meta->proto };
  gsize offset = (gsize) (frag & WB_IP_OFFSET_MASK) * 8;
  gsize end = offset + len;
  gboolean more = (frag & WB_IP_FLAG_MF) != 0;
  WbReassembly *r;
  WbFragRange range = { (guint32) offset, (guint32) end };
  guint lo, hi;

  if (len == 0 || (more && len % 8 != 0) || end > WB_IP_MAX_PAYLOAD)
    {
      r = g_hash_table_lookup (guest->reassembly, &key);
      if (r != NULL)
        reassembly_discard (guest, r, meta->iface, WB_DROP_FRAGMENT);
      else
        _wb_guest_drop (guest, meta->iface, WB_DROP_FRAGMENT);
      return;
    }

  r = g_hash_table_lookup (guest->reassembly, &key);
  if (r == NULL)
    {
      reassembly_make_room (guest, meta->iface);
      r = g_new0 (WbReassembly, 1);
      *r = key;
      r->meta = *meta;
      r->ranges = g_array_new (FALSE, FALSE, sizeof (WbFragRange));
      r->deadline = g_get_monotonic_time () + _wb_guest_scaled (guest, REASSEMBLY_TIMEOUT_US);
      g_hash_table_add (guest->reassembly, r);
      _wb_guest_schedule (guest, r->deadline);
    }

  /* The last fragment fixes the size; nothing may lie beyond it. */
  if (!more)
    {
      gsize highest = r->ranges->len > 0
                      ? g_array_index (r->ranges, WbFragRange, r->ranges->len - 1).end : 0;

      if ((r->total != 0 && r->total != end) || highest > end)
        {
          reassembly_discard (guest, r, meta->iface, WB_DROP_FRAGMENT);
          return;
        }
      r->total = end;
    }
  else if (r->total != 0 && end > r->total)
    {
      reassembly_discard (guest, r, meta->iface, WB_DROP_FRAGMENT);
      return;
    }

  /* lo: the first range that starts at or after this one. */
  lo = 0;
  hi = r->ranges->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (r->ranges, WbFragRange, mid).start < offset)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo < r->ranges->len)
    {
      const WbFragRange *next = &g_array_index (r->ranges, WbFragRange, lo);

      if (next->start == range.start && next->end == range.end)
        return;   /* an exact duplicate: harmless */
      if (next->start < end)
        {
          reassembly_discard (guest, r, meta->iface, WB_DROP_FRAGMENT_OVERLAP);
          return;
        }
    }
  if (lo > 0 && g_array_index (r->ranges, WbFragRange, lo - 1).end > offset)
    {
      reassembly_discard (guest, r, meta->iface, WB_DROP_FRAGMENT_OVERLAP);
      return;
    }

  if (end > r->allocated)
    {
      gsize size = r->total != 0 ? r->total
                   : MIN (MAX (end, r->allocated * 2), (gsize) WB_IP_MAX_PAYLOAD);

      r->data = g_realloc (r->data, size);
      r->allocated = size;
    }
  memcpy (r->data + offset, payload, len);
  g_array_insert_val (r->ranges, lo, range);
  r->received += len;
  if (offset == 0)
    r->meta = *meta;

  if (r->total != 0 && r->received == r->total)
    {
      WbReassembly *done = r;

      g_hash_table_steal (guest->reassembly, done);
      done->meta.df = FALSE;
      ip_deliver (guest, &done->meta, done->data, done->total);
      reassembly_free (done);
    }
}

/* --- IPv4 input ------------------------------------------------------------------------- */

static void
ip_input (WbGuest      *guest,
          guint         iface,
          const guint8 *pkt,
          gsize         len,
          gboolean      link_broadcast)
{
  WbIpMeta meta;
  gsize hlen, total;
  guint16 frag;

  if (len < WB_IPV4_HLEN || (pkt[0] >> 4) != 4)
    {
      _wb_guest_drop (guest, iface, WB_DROP_IP_MALFORMED);
      return;
    }
  hlen = (gsize) (pkt[0] & 0x0f) * 4;
  total = wb_get_be16 (pkt + 2);
  /* Bytes past the total length are the link's padding. */
  if (hlen < WB_IPV4_HLEN || hlen > len || total < hlen || total > len)
    {
      _wb_guest_drop (guest, iface, WB_DROP_IP_MALFORMED);
      return;
    }
  if (wb_checksum (pkt, hlen) != 0)
    {
      _wb_guest_drop (guest, iface, WB_DROP_IP_CHECKSUM);
      return;
    }

  meta.tos = pkt[1];
  meta.id = wb_get_be16 (pkt + 4);
  frag = wb_get_be16 (pkt + 6);
  meta.df = (frag & WB_IP_FLAG_DF) != 0;
  meta.ttl = pkt[8];
  meta.proto = pkt[9];
  meta.src = wb_get_be32 (pkt + 12);
  meta.dst = wb_get_be32 (pkt + 16);
  meta.iface = iface;
  meta.link_broadcast = link_broadcast;
  if (meta.src == WB_IPV4_BROADCAST || _wb_ipv4_is_multicast (meta.src) || meta.dst == 0)
    {
      _wb_guest_drop (guest, iface, WB_DROP_IP_SOURCE);
      return;
    }

  if ((frag & (WB_IP_FLAG_MF | WB_IP_OFFSET_MASK)) != 0)
    reassembly_input (guest, &meta, frag, pkt + hlen, total - hlen);
  else
    ip_deliver (guest, &meta, pkt + hlen, total - hlen);
}

/* Ours: one of our addresses, a broadcast or a group; and, on an interface
 * that has no address yet, whatever UDP comes (a DHCP offer may be unicast
 * to the address it offers). */
static gboolean
ip_is_for_us (WbGuest        *guest,
              const WbIpMeta *meta)
{
  const WbGuestIface *ifc = &guest->ifaces[meta->iface];

  if (meta->dst == WB_IPV4_BROADCAST || _wb_ipv4_is_multicast (meta->dst))
    return TRUE;
  if (ifc->address == 0)
    return meta->proto == WB_IP_PROTO_UDP;
  if (ifc->prefix < 31 && meta->dst == iface_broadcast (ifc))
    return TRUE;
  return _wb_guest_is_local_address (guest, meta->dst);
}

static void
ip_deliver (WbGuest        *guest,
            const WbIpMeta *meta,
            const guint8   *payload,
            gsize           len)
{
  if (ip_is_for_us (guest, meta))
    {
      if (!(guest->ip_forward && _wb_guest_nat_reverse (guest, meta, payload, len)))
        ip_deliver_local (guest, meta, payload, len);
    }
  else if (guest->ip_forward)
    _wb_guest_forward (guest, meta, payload, len);
  else
    _wb_guest_drop (guest, meta->iface, WB_DROP_NOT_OUR_ADDRESS);
}

static void icmp_input (WbGuest        *guest,
                        const WbIpMeta *meta,
                        const guint8   *payload,
                        gsize           len);
static void udp_input  (WbGuest        *guest,
                        const WbIpMeta *meta,
                        const guint8   *payload,
                        gsize           len);

static void
ip_deliver_local (WbGuest        *guest,
                  const WbIpMeta *meta,
                  const guint8   *payload,
                  gsize           len)
{
  switch (meta->proto)
    {
    case WB_IP_PROTO_ICMP:
      icmp_input (guest, meta, payload, len);
      break;
    case WB_IP_PROTO_UDP:
      udp_input (guest, meta, payload, len);
      break;
    case WB_IP_PROTO_TCP:
      /* TCP is unicast only. */
      if (guest->tcp != NULL && _wb_guest_is_local_address (guest, meta->dst))
        _wb_tcp_input (guest->tcp, meta->src, meta->dst, payload, len);
      else
        _wb_guest_drop (guest, meta->iface, WB_DROP_NOT_OUR_ADDRESS);
      break;
    default:
      _wb_guest_drop (guest, meta->iface, WB_DROP_PROTOCOL);
      break;
    }
}

/* --- Ethernet input ---------------------------------------------------------------------- */

void
wb_guest_input (WbGuest      *guest,
                guint         iface,
                const guint8 *frame,
                gsize         len)
{
  WbGuestIface *ifc;
  gboolean link_broadcast;

  g_return_if_fail (guest != NULL);

  if (guest->stopped)
    return;
  ifc = get_iface (guest, iface);
  if (ifc == NULL)
    {
      _wb_guest_drop (guest, iface, WB_DROP_NO_INTERFACE);
      return;
    }
  if (!ifc->up)
    {
      _wb_guest_drop (guest, iface, WB_DROP_LINK_DOWN);
      return;
    }
  if (frame == NULL || len < WB_ETH_HLEN)
    {
      _wb_guest_drop (guest, iface, WB_DROP_RUNT);
      return;
    }
  link_broadcast = wb_mac_is_multicast (frame);
  if (!link_broadcast && !wb_mac_equal (frame, ifc->mac))
    {
      _wb_guest_drop (guest, iface, WB_DROP_NOT_OUR_MAC);
      return;
    }
  switch (wb_get_be16 (frame + 12))
    {
    case WB_ETHERTYPE_ARP:
      arp_input (guest, iface, frame + WB_ETH_HLEN, len - WB_ETH_HLEN);
      break;
    case WB_ETHERTYPE_IPV4:
      ip_input (guest, iface, frame + WB_ETH_HLEN, len - WB_ETH_HLEN, link_broadcast);
      break;
    default:
      _wb_guest_drop (guest, iface, WB_DROP_ETHERTYPE);
      break;
    }
}

/* --- ICMP -------------------------------------------------------------------------------- */

typedef struct
{
  WbGuest           *guest;
  const WbIcmpError *error;
} WbIcmpErrorCall;

static void
icmp_error_marshal (GHook    *hook,
                    gpointer  data)
{
  WbIcmpErrorCall *call = data;

  ((WbIcmpErrorFunc) hook->func) (call->guest, call->error, hook->data);
}

/* An error about a datagram we sent, from anyone on the path: nothing in
 * it is trusted (RFC 1122 3.2.2). The quoted header's total length and
 * checksum are not relied on: a router quotes what it received, NATs
 * rewrite it, and only the first bytes of the data come back anyway. */
static void
icmp_error_input (WbGuest        *guest,
                  const WbIpMeta *meta,
                  const guint8   *payload,
                  gsize           len)
{
  const guint8 *quoted = payload + WB_ICMP_HLEN;
  gsize quoted_len = len - WB_ICMP_HLEN;
  WbIcmpError error;
  WbIcmpErrorCall call;
  gsize hlen;

  /* Never sent to a broadcast or a group (RFC 1812 4.3.2.7). */
  if (meta->link_broadcast || !_wb_guest_is_local_address (guest, meta->dst))
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_NOT_OUR_ADDRESS);
      return;
    }
  if (quoted_len < WB_IPV4_HLEN + 8 || (quoted[0] >> 4) != 4)
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_ICMP_MALFORMED);
      return;
    }
  hlen = (gsize) (quoted[0] & 0x0f) * 4;
  /* A header that fits with 8 bytes after it, of a first fragment (the
   * only one with a transport header), of a datagram of ours. */
  if (hlen < WB_IPV4_HLEN || hlen + 8 > quoted_len
      || (wb_get_be16 (quoted + 6) & WB_IP_OFFSET_MASK) != 0
      || !_wb_guest_is_local_address (guest, wb_get_be32 (quoted + 12)))
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_ICMP_MALFORMED);
      return;
    }

  error.from = meta->src;
  error.type = payload[0];
  error.code = payload[1];
  error.src = wb_get_be32 (quoted + 12);
  error.dst = wb_get_be32 (quoted + 16);
  error.proto = quoted[9];
  error.data = quoted + hlen;
  error.data_len = quoted_len - hlen;
  call.guest = guest;
  call.error = &error;
  g_hook_list_marshal (&guest->icmp_error_hooks, TRUE, icmp_error_marshal, &call);
}

static void
icmp_input (WbGuest        *guest,
            const WbIpMeta *meta,
            const guint8   *payload,
            gsize           len)
{
  if (len < WB_ICMP_HLEN || wb_checksum (payload, len) != 0)
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_ICMP_MALFORMED);
      return;
    }

  switch (payload[0])
    {
    case WB_ICMP_ECHO_REQUEST:
      /* As Linux: no answer to broadcast pings (smurf amplification). */
      if (meta->src != 0 && _wb_guest_is_local_address (guest, meta->dst))
        {
          guint8 head[WB_ICMP_HLEN];
          WbPayload reply = { head, sizeof head, payload + WB_ICMP_HLEN, len - WB_ICMP_HLEN };

          memcpy (head, payload, WB_ICMP_HLEN);
          head[0] = WB_ICMP_ECHO_REPLY;
          head[1] = 0;
          wb_put_be16 (head + 2, 0);
          wb_put_be16 (head + 2, wb_checksum_finish (payload_checksum_add (0, &reply)));
          _wb_guest_ip_output_payload (guest, meta->dst, meta->src, WB_IP_PROTO_ICMP, &reply, NULL);
        }
      break;

    case WB_ICMP_ECHO_REPLY:
      {
        guint16 id = wb_get_be16 (payload + 4);
        WbEchoWatch *watch = g_hash_table_lookup (guest->echo_watches, GUINT_TO_POINTER (id));

        if (watch != NULL)
          watch->func (guest, meta->src, id, wb_get_be16 (payload + 6), meta->ttl,
                       len - WB_ICMP_HLEN, watch->user_data);
      }
      break;

    case WB_ICMP_UNREACHABLE:
    case WB_ICMP_TIME_EXCEEDED:
      icmp_error_input (guest, meta, payload, len);
      break;

    default:
      /* The rest: nothing here acts on it. */
      break;
    }
}

void
_wb_guest_icmp_watch (WbGuest         *guest,
                      guint16          id,
                      WbEchoReplyFunc  func,
                      gpointer         user_data)
{
  WbEchoWatch *watch = g_new0 (WbEchoWatch, 1);

  watch->func = func;
  watch->user_data = user_data;
  g_hash_table_replace (guest->echo_watches, GUINT_TO_POINTER (id), watch);
}

void
_wb_guest_icmp_unwatch (WbGuest *guest,
                        guint16  id)
{
  g_hash_table_remove (guest->echo_watches, GUINT_TO_POINTER (id));
}

gulong
_wb_guest_icmp_error_watch (WbGuest         *guest,
                            WbIcmpErrorFunc  func,
                            gpointer         user_data)
{
  GHook *hook = g_hook_alloc (&guest->icmp_error_hooks);

  hook->func = (gpointer) func;
  hook->data = user_data;
  g_hook_append (&guest->icmp_error_hooks, hook);
  return hook->hook_id;
}

void
_wb_guest_icmp_error_unwatch (WbGuest *guest,
                              gulong   id)
{
  g_hook_destroy (&guest->icmp_error_hooks, id);
}

gboolean
_wb_guest_icmp_echo (WbGuest  *guest,
                     guint32   dst,
                     guint16   id,
                     guint16   seq,
                     gsize     payload_len,
                     GError  **error)
{
  g_autofree guint8 *body = NULL;
  guint8 head[WB_ICMP_HLEN];
  WbPayload request = { head, sizeof head, NULL, payload_len };

  if (payload_len > WB_IP_MAX_PAYLOAD - WB_ICMP_HLEN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "Message too long");
      return FALSE;
    }
  /* The pattern Linux ping sends: 0, 1, 2... */
  body = g_malloc (MAX (payload_len, 1));
  for (gsize i = 0; i < payload_len; i++)
    body[i] = (guint8) i;
  request.body = body;
  head[0] = WB_ICMP_ECHO_REQUEST;
  head[1] = 0;
  wb_put_be16 (head + 2, 0);
  wb_put_be16 (head + 4, id);
  wb_put_be16 (head + 6, seq);
  wb_put_be16 (head + 2, wb_checksum_finish (payload_checksum_add (0, &request)));
  return _wb_guest_ip_output_payload (guest, 0, dst, WB_IP_PROTO_ICMP, &request, error);
}

/* --- UDP --------------------------------------------------------------------------------- */

static void
udp_input (WbGuest        *guest,
           const WbIpMeta *meta,
           const guint8   *payload,
           gsize           len)
{
  WbUdpBinding *binding;
  gsize udp_len;
  guint16 dst_port;

  if (len < WB_UDP_HLEN)
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_UDP_MALFORMED);
      return;
    }
  udp_len = wb_get_be16 (payload + 4);
  if (udp_len < WB_UDP_HLEN || udp_len > len)
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_UDP_MALFORMED);
      return;
    }
  /* The port first: a broadcast for a port we do not listen on (every
   * DHCPDISCOVER on a network of a thousand VMs) costs no checksum. */
  dst_port = wb_get_be16 (payload + 2);
  binding = g_hash_table_lookup (guest->udp, GUINT_TO_POINTER (dst_port));
  if (binding == NULL)
    binding = g_hash_table_lookup (guest->udp, GUINT_TO_POINTER (0));
  if (binding == NULL)
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_UDP_NO_LISTENER);
      return;
    }
  /* A zero checksum means the sender computed none. */
  if (wb_get_be16 (payload + 6) != 0
      && wb_checksum_l4 (meta->src, meta->dst, WB_IP_PROTO_UDP, payload, udp_len) != 0)
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_UDP_CHECKSUM);
      return;
    }
  binding->receive (guest, meta->iface, meta->src, wb_get_be16 (payload), meta->dst, dst_port,
                    payload + WB_UDP_HLEN, udp_len - WB_UDP_HLEN, binding->user_data);
}

gboolean
_wb_guest_udp_bind (WbGuest           *guest,
                    guint16            port,
                    WbUdpReceiveFunc   receive,
                    gpointer           user_data,
                    GError           **error)
{
  WbUdpBinding *binding;

  g_return_val_if_fail (receive != NULL, FALSE);

  if (g_hash_table_contains (guest->udp, GUINT_TO_POINTER (port)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "UDP port %u is already bound", port);
      return FALSE;
    }
  binding = g_new0 (WbUdpBinding, 1);
  binding->receive = receive;
  binding->user_data = user_data;
  g_hash_table_insert (guest->udp, GUINT_TO_POINTER (port), binding);
  return TRUE;
}

void
_wb_guest_udp_unbind (WbGuest *guest,
                      guint16  port)
{
  g_hash_table_remove (guest->udp, GUINT_TO_POINTER (port));
}

static void
udp_header_write (guint8        head[WB_UDP_HLEN],
                  guint32       src,
                  guint16       src_port,
                  guint32       dst,
                  guint16       dst_port,
                  const guint8 *data,
                  gsize         len)
{
  WbPayload datagram = { head, WB_UDP_HLEN, data, len };
  guint16 checksum;

  wb_put_be16 (head, src_port);
  wb_put_be16 (head + 2, dst_port);
  wb_put_be16 (head + 4, (guint16) (WB_UDP_HLEN + len));
  wb_put_be16 (head + 6, 0);
  /* A computed 0 goes out as 0xffff: 0 would mean "no checksum". */
  checksum = payload_l4_checksum (src, dst, WB_IP_PROTO_UDP, &datagram);
  wb_put_be16 (head + 6, checksum != 0 ? checksum : 0xffff);
}

gboolean
_wb_guest_udp_send (WbGuest       *guest,
                    guint32        src,
                    guint16        src_port,
                    guint32        dst,
                    guint16        dst_port,
                    const guint8  *data,
                    gsize          len,
                    GError       **error)
{
  guint8 head[WB_UDP_HLEN];
  WbPayload datagram = { head, sizeof head, data, len };
  WbRoute route;
  WbIpMeta meta;

  if (!ip_route_or_error (guest, dst, WB_UDP_HLEN + len, &route, error))
    return FALSE;
  if (src == 0)
    src = route.src;
  udp_header_write (head, src, src_port, dst, dst_port, data, len);
  ip_meta_init_local (guest, &meta, src, dst, WB_IP_PROTO_UDP);
  _wb_guest_ip_send (guest, &route, &meta, &datagram);
  return TRUE;
}

gboolean
_wb_guest_udp_send_broadcast (WbGuest      *guest,
                              guint         iface,
                              guint32       src,
                              guint16       src_port,
                              guint16       dst_port,
                              const guint8 *data,
                              gsize         len)
{
  guint8 head[WB_UDP_HLEN];
  WbPayload datagram = { head, sizeof head, data, len };

  udp_header_write (head, src, src_port, WB_IPV4_BROADCAST, dst_port, data, len);
  return ip_output_broadcast_payload (guest, iface, src, WB_IP_PROTO_UDP, &datagram);
}

/* --- services ----------------------------------------------------------------------------- */

static gint
service_index (WbGuest *guest,
               guint16  port)
{
  for (guint i = 0; i < guest->services->len; i++)
    if (g_array_index (guest->services, guint16, i) == port)
      return (gint) i;
  return -1;
}

gboolean
wb_guest_add_service (WbGuest             *guest,
                      guint16              port,
                      WbGuestServiceKind   kind,
                      GError             **error)
{
  g_return_val_if_fail (guest != NULL, FALSE);

  if (guest->stopping)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The guest is stopped");
      return FALSE;
    }
  if (service_index (guest, port) >= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "TCP port %u already has a service", port);
      return FALSE;
    }
  if (!_wb_guest_apps_start_service (guest, port, kind, error))
    return FALSE;
  g_array_append_val (guest->services, port);
  return TRUE;
}

void
wb_guest_remove_service (WbGuest *guest,
                         guint16  port)
{
  gint index = service_index (guest, port);

  if (index < 0)
    return;
  g_array_remove_index (guest->services, (guint) index);
  _wb_guest_apps_stop_service (guest, port);
}
