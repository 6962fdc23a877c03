/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * IP forwarding and masquerading (source NAT) between a guest's interfaces,
 * as a Linux router with `ip_forward=1` and `-o IFACE -j MASQUERADE` does:
 * TTL decremented, ICMP time exceeded / unreachable / fragmentation needed
 * sent back, and for masqueraded flows a mapping table (TCP and UDP by
 * ports, ICMP echo by identifier) that translates the replies back.
 * Datagrams arrive here reassembled, so every mapping sees a whole
 * transport header.
 */
#include "wb-guest-internal.h"

#include <string.h>

#define NAT_MAX_ENTRIES          4096        /* below the 4536 ports handed out */
#define NAT_PORT_COUNT           (65536 - WB_NAT_PORT_FIRST)

/* Idle timeouts, close to Linux conntrack's. */
#define NAT_TCP_UNREPLIED_US     ((gint64) 120 * G_USEC_PER_SEC)
#define NAT_TCP_ESTABLISHED_US   ((gint64) 7200 * G_USEC_PER_SEC)
#define NAT_TCP_CLOSING_US       ((gint64) 120 * G_USEC_PER_SEC)
#define NAT_TCP_RESET_US         ((gint64) 10 * G_USEC_PER_SEC)
#define NAT_UDP_UNREPLIED_US     ((gint64) 30 * G_USEC_PER_SEC)
#define NAT_UDP_REPLIED_US       ((gint64) 180 * G_USEC_PER_SEC)
#define NAT_ICMP_US              ((gint64) 30 * G_USEC_PER_SEC)

#define ICMP_ERRORS_PER_SECOND   100

#define TCP_FLAG_FIN             0x01
#define TCP_FLAG_RST             0x04

typedef struct
{
  guint8   proto;
  guint    out_iface;
  guint32  inside_addr;
  guint16  inside_port;         /* or the ICMP echo identifier */
  guint32  remote_addr;
  guint16  remote_port;         /* 0 for ICMP */
  guint32  outside_addr;
  guint16  outside_port;
  gboolean replied;
  gboolean reset;
  guint8   fins;                /* 1: from inside, 2: from outside */
  gint64   last_seen;
} WbNatEntry;

struct _WbNat
{
  GHashTable *by_inside;        /* entry -> entry (owns them) */
  GHashTable *by_outside;       /* proto << 16 | outside port -> entry */
  guint       next_port;
};

/* Where masquerading rewrites a transport header: the port (or echo
 * identifier) on our side and the checksum. */
typedef struct
{
  gsize    head_len;            /* bytes copied out to be rewritten */
  gsize    checksum_off;
  gboolean pseudo;              /* the checksum covers the IP addresses */
  gsize    port_off;
  guint16  port;
  guint16  remote_port;
} WbNatFields;

static guint
nat_inside_hash (gconstpointer key)
{
  const WbNatEntry *e = key;

  return (e->inside_addr * 2654435761u) ^ e->remote_addr ^ ((guint) e->inside_port << 16)
         ^ e->remote_port ^ ((guint) e->proto << 8) ^ e->out_iface;
}

static gboolean
nat_inside_equal (gconstpointer a,
                  gconstpointer b)
{
  const WbNatEntry *ea = a;
  const WbNatEntry *eb = b;

  return ea->proto == eb->proto && ea->inside_addr == eb->inside_addr
         && ea->inside_port == eb->inside_port && ea->remote_addr == eb->remote_addr
         && ea->remote_port == eb->remote_port && ea->out_iface == eb->out_iface;
}

static gpointer
nat_outside_key (guint8  proto,
                 guint16 port)
{
  return GUINT_TO_POINTER ((guint) proto << 16 | port);
}

static WbNat *
nat_get (WbGuest *guest)
{
  if (guest->nat == NULL)
    {
      guest->nat = g_new0 (WbNat, 1);
      guest->nat->by_inside = g_hash_table_new_full (nat_inside_hash, nat_inside_equal, NULL, g_free);
      guest->nat->by_outside = g_hash_table_new (g_direct_hash, g_direct_equal);
    }
  return guest->nat;
}

void
_wb_guest_nat_free (WbGuest *guest)
{
  if (guest->nat == NULL)
    return;
  g_hash_table_unref (guest->nat->by_outside);
  g_hash_table_unref (guest->nat->by_inside);
  g_clear_pointer (&guest->nat, g_free);
}

/* @outbound: from the inside host (our side is the source); else a reply
 * (our side is the destination). FALSE when there is nothing to map. */
static gboolean
nat_parse (guint8        proto,
           const guint8 *payload,
           gsize         len,
           gboolean      outbound,
           WbNatFields  *f)
{
  switch (proto)
    {
    case WB_IP_PROTO_TCP:
    case WB_IP_PROTO_UDP:
      f->head_len = proto == WB_IP_PROTO_TCP ? WB_TCP_HLEN : WB_UDP_HLEN;
      if (len < f->head_len)
        return FALSE;
      f->checksum_off = proto == WB_IP_PROTO_TCP ? 16 : 6;
      f->pseudo = TRUE;
      f->port_off = outbound ? 0 : 2;
      f->remote_port = wb_get_be16 (payload + (outbound ? 2 : 0));
      break;
    case WB_IP_PROTO_ICMP:
      if (len < WB_ICMP_HLEN
          || payload[0] != (outbound ? WB_ICMP_ECHO_REQUEST : WB_ICMP_ECHO_REPLY))
        return FALSE;
      f->head_len = WB_ICMP_HLEN;
      f->checksum_off = 2;
      f->pseudo = FALSE;
      f->port_off = 4;
      f->remote_port = 0;
      break;
    default:
      return FALSE;
    }
  f->port = wb_get_be16 (payload + f->port_off);
  return TRUE;
}

/* RFC 1624 incremental update: HC' = ~(~HC + ~m + m') per 16-bit word. */
static void
checksum_adjust (guint8       *checksum,
                 const guint8 *old_bytes,
                 const guint8 *new_bytes,
                 gsize         len)
{
  guint32 sum = (guint16) ~wb_get_be16 (checksum);

  for (gsize i = 0; i + 1 < len; i += 2)
    sum += (guint32) (guint16) ~wb_get_be16 (old_bytes + i) + wb_get_be16 (new_bytes + i);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  wb_put_be16 (checksum, (guint16) ~sum);
}

/* Rewrites our side of a copied transport header: its address moves from
 * @old_addr to @new_addr (in the pseudo-header only) and its port to
 * @new_port. */
static void
nat_rewrite (guint8            *head,
             const WbNatFields *f,
             guint8             proto,
             guint32            old_addr,
             guint32            new_addr,
             guint16            new_port)
{
  guint8 old_a[4], new_a[4], new_p[2];
  guint8 *checksum = head + f->checksum_off;
  gboolean none = proto == WB_IP_PROTO_UDP && wb_get_be16 (checksum) == 0;

  wb_put_be32 (old_a, old_addr);
  wb_put_be32 (new_a, new_addr);
  wb_put_be16 (new_p, new_port);
  if (!none)
    {
      if (f->pseudo)
        checksum_adjust (checksum, old_a, new_a, sizeof old_a);
      checksum_adjust (checksum, head + f->port_off, new_p, sizeof new_p);
      /* UDP's 0 means "no checksum": a real 0 is sent as 0xffff. */
      if (proto == WB_IP_PROTO_UDP && wb_get_be16 (checksum) == 0)
        wb_put_be16 (checksum, 0xffff);
    }
  memcpy (head + f->port_off, new_p, sizeof new_p);
}

static gint64
nat_timeout (WbGuest          *guest,
             const WbNatEntry *e)
{
  gint64 us;

  switch (e->proto)
    {
    case WB_IP_PROTO_TCP:
      us = e->reset ? NAT_TCP_RESET_US
           : e->fins == 3 ? NAT_TCP_CLOSING_US
           : e->replied ? NAT_TCP_ESTABLISHED_US : NAT_TCP_UNREPLIED_US;
      break;
    case WB_IP_PROTO_UDP:
      us = e->replied ? NAT_UDP_REPLIED_US : NAT_UDP_UNREPLIED_US;
      break;
    default:
      us = NAT_ICMP_US;
      break;
    }
  return _wb_guest_scaled (guest, us);
}

/* A datagram of the flow went through: note it and what TCP says. */
static void
nat_touch (WbGuest      *guest,
           WbNatEntry   *e,
           const guint8 *payload,
           gboolean      outbound)
{
  if (e->proto == WB_IP_PROTO_TCP)
    {
      guint8 flags = payload[13];

      if (flags & TCP_FLAG_RST)
        e->reset = TRUE;
      if (flags & TCP_FLAG_FIN)
        e->fins |= outbound ? 1 : 2;
    }
  if (!outbound)
    e->replied = TRUE;
  e->last_seen = g_get_monotonic_time ();
  _wb_guest_schedule (guest, e->last_seen + nat_timeout (guest, e));
}

static void
nat_remove (WbNat      *nat,
            WbNatEntry *e)
{
  g_hash_table_remove (nat->by_outside, nat_outside_key (e->proto, e->outside_port));
  g_hash_table_remove (nat->by_inside, e);
}

/* A free outside port (or echo identifier), avoiding our own UDP bindings
 * and pings. */
static gboolean
nat_allocate_port (WbGuest *guest,
                   WbNat   *nat,
                   guint8   proto,
                   guint16 *port)
{
  for (guint i = 0; i < NAT_PORT_COUNT; i++)
    {
      guint slot = (nat->next_port + i) % NAT_PORT_COUNT;
      guint16 candidate = (guint16) (WB_NAT_PORT_FIRST + slot);

      gpointer key = GUINT_TO_POINTER (candidate);

      if (g_hash_table_contains (nat->by_outside, nat_outside_key (proto, candidate))
          || (proto == WB_IP_PROTO_UDP && g_hash_table_contains (guest->udp, key))
          || (proto == WB_IP_PROTO_ICMP && g_hash_table_contains (guest->echo_watches, key)))
        continue;
      nat->next_port = slot + 1;
      *port = candidate;
      return TRUE;
    }
  return FALSE;
}

static WbNatEntry *
nat_lookup_or_add (WbGuest           *guest,
                   const WbIpMeta    *meta,
                   const WbNatFields *f,
                   const WbRoute     *route)
{
  WbNat *nat = nat_get (guest);
  WbNatEntry key = {
    .proto = meta->proto,
    .out_iface = route->iface,
    .inside_addr = meta->src,
    .inside_port = f->port,
    .remote_addr = meta->dst,
    .remote_port = f->remote_port,
  };
  WbNatEntry *e = g_hash_table_lookup (nat->by_inside, &key);

  /* The egress address changed (a new lease): start afresh. */
  if (e != NULL && e->outside_addr != route->src)
    {
      nat_remove (nat, e);
      e = NULL;
    }
  if (e != NULL)
    return e;
  if (g_hash_table_size (nat->by_inside) >= NAT_MAX_ENTRIES
      || !nat_allocate_port (guest, nat, meta->proto, &key.outside_port))
    return NULL;
  e = g_memdup2 (&key, sizeof key);
  e->outside_addr = route->src;
  g_hash_table_add (nat->by_inside, e);
  g_hash_table_insert (nat->by_outside, nat_outside_key (e->proto, e->outside_port), e);
  return e;
}

void
_wb_guest_nat_expire (WbGuest *guest,
                      gint64   now)
{
  GHashTableIter iter;
  WbNatEntry *e;

  if (guest->nat == NULL)
    return;
  g_hash_table_iter_init (&iter, guest->nat->by_inside);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
    {
      gint64 deadline = e->last_seen + nat_timeout (guest, e);

      if (deadline > now)
        {
          _wb_guest_schedule (guest, deadline);
          continue;
        }
      g_hash_table_remove (guest->nat->by_outside, nat_outside_key (e->proto, e->outside_port));
      g_hash_table_iter_remove (&iter);
    }
}

void
_wb_guest_icmp_error (WbGuest        *guest,
                      guint8          type,
                      guint8          code,
                      guint32         info,
                      const WbIpMeta *meta,
                      const guint8   *payload,
                      gsize           len)
{
  guint8 msg[WB_ICMP_HLEN + WB_IPV4_HLEN + 8];
  gsize quoted = MIN (len, 8);
  gint64 now;

  /* RFC 1812 4.3.2.7: never about a broadcast, a group, an unspecified
   * source or another ICMP error. */
  if (meta->link_broadcast || meta->src == 0 || meta->dst == WB_IPV4_BROADCAST
      || _wb_ipv4_is_multicast (meta->dst))
    return;
  if (meta->proto == WB_IP_PROTO_ICMP
      && (len < 1 || (payload[0] != WB_ICMP_ECHO_REQUEST && payload[0] != WB_ICMP_ECHO_REPLY)))
    return;
  now = g_get_monotonic_time ();
  if (now - guest->icmp_error_at >= G_USEC_PER_SEC)
    {
      guest->icmp_error_at = now;
      guest->icmp_error_tokens = ICMP_ERRORS_PER_SECOND;
    }
  if (guest->icmp_error_tokens == 0)
    return;
  guest->icmp_error_tokens--;

  msg[0] = type;
  msg[1] = code;
  wb_put_be16 (msg + 2, 0);
  wb_put_be32 (msg + 4, info);
  /* The offending header as it arrived, and its first 8 bytes of data. */
  _wb_guest_ip_header_write (msg + WB_ICMP_HLEN, meta, WB_IPV4_HLEN + len,
                             meta->df ? WB_IP_FLAG_DF : 0);
  memcpy (msg + WB_ICMP_HLEN + WB_IPV4_HLEN, payload, quoted);
  wb_put_be16 (msg + 2, wb_checksum (msg, WB_ICMP_HLEN + WB_IPV4_HLEN + quoted));
  _wb_guest_ip_output (guest, 0, meta->src, WB_IP_PROTO_ICMP, msg,
                       WB_ICMP_HLEN + WB_IPV4_HLEN + quoted, NULL);
}

/* Routes a datagram that goes on to another host; @out is what will be
 * sent (after masquerading), @meta/@payload what arrived. */
static gboolean
forward_route (WbGuest        *guest,
               guint32         dst,
               const WbIpMeta *meta,
               const guint8   *payload,
               gsize           len,
               WbRoute        *route)
{
  const WbGuestIface *egress;

  if (meta->ttl <= 1)
    {
      _wb_guest_icmp_error (guest, WB_ICMP_TIME_EXCEEDED, 0, 0, meta, payload, len);
      _wb_guest_drop (guest, meta->iface, WB_DROP_TTL);
      return FALSE;
    }
  egress = _wb_guest_route_lookup (guest, dst, route) ? &guest->ifaces[route->iface] : NULL;
  /* Directed broadcasts are not forwarded (Linux: bc_forwarding=0). */
  if (egress == NULL || route->local
      || (egress->prefix < 31 && dst == (egress->address | ~_wb_ipv4_mask (egress->prefix))))
    {
      _wb_guest_icmp_error (guest, WB_ICMP_UNREACHABLE, WB_ICMP_CODE_NET_UNREACHABLE, 0,
                            meta, payload, len);
      _wb_guest_drop (guest, meta->iface, WB_DROP_NO_ROUTE);
      return FALSE;
    }
  if (meta->df && len + WB_IPV4_HLEN > route->mtu)
    {
      _wb_guest_icmp_error (guest, WB_ICMP_UNREACHABLE, WB_ICMP_CODE_FRAG_NEEDED, route->mtu & 0xffff,
                            meta, payload, len);
      _wb_guest_drop (guest, meta->iface, WB_DROP_TOO_BIG);
      return FALSE;
    }
  return TRUE;
}

void
_wb_guest_forward (WbGuest        *guest,
                   const WbIpMeta *meta,
                   const guint8   *payload,
                   gsize           len)
{
  WbIpMeta out = *meta;
  WbPayload p = { NULL, 0, payload, len };
  guint8 head[WB_TCP_HLEN];
  WbNatFields f;
  WbRoute route;

  /* Only unicast between real hosts; never what claims to come from us. */
  if (meta->link_broadcast || meta->src == 0 || meta->dst == WB_IPV4_BROADCAST
      || _wb_ipv4_is_multicast (meta->dst) || _wb_guest_is_local_address (guest, meta->src))
    {
      _wb_guest_drop (guest, meta->iface, WB_DROP_NOT_OUR_ADDRESS);
      return;
    }
  if (!forward_route (guest, meta->dst, meta, payload, len, &route))
    return;
  out.ttl = meta->ttl - 1;

  if (guest->ifaces[route.iface].masquerade && route.src != 0)
    {
      if (nat_parse (meta->proto, payload, len, TRUE, &f))
        {
          WbNatEntry *e = nat_lookup_or_add (guest, meta, &f, &route);

          if (e == NULL)
            {
              _wb_guest_drop (guest, meta->iface, WB_DROP_NAT_FULL);
              return;
            }
          nat_touch (guest, e, payload, TRUE);
          memcpy (head, payload, f.head_len);
          nat_rewrite (head, &f, meta->proto, meta->src, e->outside_addr, e->outside_port);
          p = (WbPayload) { head, f.head_len, payload + f.head_len, len - f.head_len };
        }
      /* Without ports (other ICMP, other protocols) only the address
       * changes; their checksums do not cover it. */
      out.src = route.src;
    }
  _wb_guest_ip_send (guest, &route, &out, &p);
}

gboolean
_wb_guest_nat_reverse (WbGuest        *guest,
                       const WbIpMeta *meta,
                       const guint8   *payload,
                       gsize           len)
{
  WbNat *nat = guest->nat;
  WbIpMeta out = *meta;
  guint8 head[WB_TCP_HLEN];
  WbPayload p;
  WbNatFields f;
  WbNatEntry *e;
  WbRoute route;

  if (nat == NULL || g_hash_table_size (nat->by_outside) == 0
      || !nat_parse (meta->proto, payload, len, FALSE, &f))
    return FALSE;
  e = g_hash_table_lookup (nat->by_outside, nat_outside_key (meta->proto, f.port));
  /* Only the remote end of the flow may answer through it. */
  if (e == NULL || e->remote_addr != meta->src || e->remote_port != f.remote_port
      || e->outside_addr != meta->dst)
    return FALSE;

  nat_touch (guest, e, payload, FALSE);
  out.dst = e->inside_addr;
  if (!forward_route (guest, out.dst, meta, payload, len, &route))
    return TRUE;
  out.ttl = meta->ttl - 1;
  memcpy (head, payload, f.head_len);
  nat_rewrite (head, &f, meta->proto, meta->dst, e->inside_addr, e->inside_port);
  p = (WbPayload) { head, f.head_len, payload + f.head_len, len - f.head_len };
  _wb_guest_ip_send (guest, &route, &out, &p);
  return TRUE;
}
