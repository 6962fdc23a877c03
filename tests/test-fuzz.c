/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Bad frames from a guest or a peer (issue 3): every entry point that takes
 * untrusted frames — the switch (a VM's or an uplink's send), the DHCP
 * server, the host endpoint, the emulated LAN's gateway and
 * (test-fuzz-guest.c) the guest stack — gets FUZZ_FRAMES random and
 * damaged-valid frames from a seeded GRand. Nothing
 * may crash or read out of bounds (the sanitizer build runs this), what is
 * kept per peer stays under its cap, the heap does not grow without bound,
 * and each part still works afterwards.
 */
#include <errno.h>
#include <gio/gio.h>
#include <malloc.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-fuzz.h"
#include "wb-dhcp-proto.h"
#include "wb-dhcpd.h"
#include "wb-fd-uplink.h"
#include "wb-guest-private.h"
#include "wb-host-endpoint.h"
#include "wb-lan.h"
#include "wb-net.h"
#include "wb-segment.h"

#define SEED              0x5eedf00d
/* What the heap may grow by over a run: the caps of the parts under test
 * (reassembly buffers, half-open connections, leases, learned MACs) are
 * far below it; a leak per frame is far above it. */
#define HEAP_GROWTH_MAX   (48u << 20)

typedef enum
{
  KIND_RANDOM,
  KIND_ARP,
  KIND_ICMP,
  KIND_UDP,
  KIND_SYN,
  KIND_TCP,
  KIND_FRAGMENT,
  KIND_DHCP,
  N_KINDS
} Kind;

/* --- making frames --------------------------------------------------------- */

static guint
below (GRand *rand,
       guint  n)
{
  return (guint) g_rand_int_range (rand, 0, (gint32) n);
}

static void
fill_random (GRand  *rand,
             guint8 *p,
             gsize   n)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8) g_rand_int (rand);
}

gsize
fuzz_heap_in_use (void)
{
#if defined(__SANITIZE_ADDRESS__)
  return 0;
#else
  return mallinfo2 ().uordblks;
#endif
}

/* A source: mostly the plausible peer, else its neighbours, else anything
 * (broadcast, multicast, 0, our own). */
static guint32
pick_source (FuzzTarget *t)
{
  switch (below (t->rand, 4))
    {
    case 0:
    case 1:
      return t->peer;
    case 2:
      return (t->peer & 0xffffff00u) | below (t->rand, 256);
    default:
      return g_rand_int (t->rand);
    }
}

static void
source_mac (guint32  src,
            guint8   mac[6])
{
  mac[0] = 0x02;
  mac[1] = 0x66;
  wb_put_be32 (mac + 2, src);
}

/* The Ethernet and IPv4 headers in front of the @len bytes at buf + 34. */
static gsize
ip_frame (FuzzTarget *t,
          guint8     *buf,
          guint32     src,
          guint8      proto,
          guint16     id,
          guint16     frag,
          gsize       len)
{
  guint8 *ip = buf + WB_ETH_HLEN;

  memcpy (buf, t->mac, 6);
  source_mac (src, buf + 6);
  wb_put_be16 (buf + 12, WB_ETHERTYPE_IPV4);
  ip[0] = 0x45;
  ip[1] = 0;
  wb_put_be16 (ip + 2, (guint16) (WB_IPV4_HLEN + len));
  wb_put_be16 (ip + 4, id);
  wb_put_be16 (ip + 6, frag);
  ip[8] = 64;
  ip[9] = proto;
  wb_put_be16 (ip + 10, 0);
  wb_put_be32 (ip + 12, src);
  wb_put_be32 (ip + 16, t->address);
  wb_put_be16 (ip + 10, wb_checksum (ip, WB_IPV4_HLEN));
  return WB_ETH_HLEN + WB_IPV4_HLEN + len;
}

static void
l4_checksum (guint8  *segment,
             gsize    len,
             guint32  src,
             guint32  dst,
             guint8   proto,
             gsize    offset)
{
  wb_put_be16 (segment + offset, 0);
  wb_put_be16 (segment + offset, wb_checksum_l4 (src, dst, proto, segment, len));
}

static gsize
make_arp (FuzzTarget *t,
          guint8     *buf)
{
  guint8 *arp = buf + WB_ETH_HLEN;
  guint32 src = pick_source (t);

  if (g_rand_boolean (t->rand))
    memset (buf, 0xff, 6);
  else
    memcpy (buf, t->mac, 6);
  source_mac (src, buf + 6);
  wb_put_be16 (buf + 12, WB_ETHERTYPE_ARP);
  wb_put_be16 (arp, 1);
  wb_put_be16 (arp + 2, WB_ETHERTYPE_IPV4);
  arp[4] = 6;
  arp[5] = 4;
  wb_put_be16 (arp + 6, below (t->rand, 8) == 0 ? (guint16) g_rand_int (t->rand)
                                                 : (guint16) (1 + below (t->rand, 2)));
  memcpy (arp + 8, buf + 6, 6);
  wb_put_be32 (arp + 14, src);
  fill_random (t->rand, arp + 18, 6);
  wb_put_be32 (arp + 24, g_rand_boolean (t->rand) ? t->address : pick_source (t));
  return WB_ETH_HLEN + 28;
}

/* An error (unreachable, time exceeded) quoting what might be one of the
 * target's datagrams: a header that is mostly right (its length, version,
 * source, fragment offset now and then wrong) and some of its data. */
static gsize
make_icmp_error (FuzzTarget *t,
                 guint8     *icmp)
{
  static const guint8 protos[] = { WB_IP_PROTO_ICMP, WB_IP_PROTO_UDP, WB_IP_PROTO_TCP };
  guint8 *quoted = icmp + WB_ICMP_HLEN;
  gsize hlen = below (t->rand, 4) == 0 ? 4 * below (t->rand, 16) : WB_IPV4_HLEN;
  gsize len = below (t->rand, 4) == 0 ? below (t->rand, 80) : MAX (hlen, WB_IPV4_HLEN) + 8;

  fill_random (t->rand, icmp, WB_ICMP_HLEN + len);
  icmp[0] = g_rand_boolean (t->rand) ? 3 : 11;
  icmp[1] = (guint8) below (t->rand, 16);
  if (len >= WB_IPV4_HLEN)
    {
      quoted[0] = (guint8) ((below (t->rand, 8) == 0 ? below (t->rand, 16) : 4) << 4 | (hlen / 4));
      if (below (t->rand, 4) != 0)
        wb_put_be16 (quoted + 6, 0);
      quoted[9] = protos[below (t->rand, G_N_ELEMENTS (protos))];
      wb_put_be32 (quoted + 12, below (t->rand, 4) != 0 ? t->address : pick_source (t));
      wb_put_be32 (quoted + 16, pick_source (t));
    }
  return WB_ICMP_HLEN + len;
}

static gsize
make_icmp (FuzzTarget *t,
           guint8     *buf)
{
  guint8 *icmp = buf + WB_ETH_HLEN + WB_IPV4_HLEN;
  gsize len = WB_ICMP_HLEN + below (t->rand, 1400);
  guint32 src = pick_source (t);

  if (below (t->rand, 3) == 0)
    {
      len = make_icmp_error (t, icmp);
      wb_put_be16 (icmp + 2, 0);
      wb_put_be16 (icmp + 2, wb_checksum (icmp, len));
      return ip_frame (t, buf, src, WB_IP_PROTO_ICMP, (guint16) g_rand_int (t->rand), 0, len);
    }
  fill_random (t->rand, icmp, len);
  icmp[0] = below (t->rand, 4) == 0 ? icmp[0] : 8;
  icmp[1] = 0;
  wb_put_be16 (icmp + 2, 0);
  wb_put_be16 (icmp + 2, wb_checksum (icmp, len));
  return ip_frame (t, buf, src, WB_IP_PROTO_ICMP, (guint16) g_rand_int (t->rand), 0, len);
}

static gsize
make_udp (FuzzTarget *t,
          guint8     *buf)
{
  guint8 *udp = buf + WB_ETH_HLEN + WB_IPV4_HLEN;
  gsize len = WB_UDP_HLEN + below (t->rand, 1400);
  guint32 src = pick_source (t);
  guint16 port = t->udp_ports != NULL ? t->udp_ports[below (t->rand, t->n_udp_ports)]
                                      : (guint16) g_rand_int (t->rand);

  fill_random (t->rand, udp, len);
  wb_put_be16 (udp + 2, port);
  wb_put_be16 (udp + 4, (guint16) len);
  l4_checksum (udp, len, src, t->address, WB_IP_PROTO_UDP, 6);
  return ip_frame (t, buf, src, WB_IP_PROTO_UDP, (guint16) g_rand_int (t->rand), 0, len);
}

/* A SYN (@syn) from a random source and port at a service, or any
 * segment with random flags, sequence numbers, options and data. */
static gsize
make_tcp (FuzzTarget *t,
          guint8     *buf,
          gboolean    syn)
{
  guint8 *tcp = buf + WB_ETH_HLEN + WB_IPV4_HLEN;
  guint32 src = syn ? (t->peer & 0xffffff00u) | below (t->rand, 256) : pick_source (t);
  guint header = syn ? 24 : 4 * (5 + below (t->rand, 11));
  gsize len = header + (syn ? 0 : below (t->rand, 3) * below (t->rand, 1400));

  fill_random (t->rand, tcp, len);
  if (t->n_tcp_ports > 0 && (syn || below (t->rand, 4) != 0))
    wb_put_be16 (tcp + 2, t->tcp_ports[below (t->rand, t->n_tcp_ports)]);
  tcp[12] = (guint8) ((header / 4) << 4);
  if (syn)
    {
      tcp[13] = 0x02;
      tcp[20] = 2;        /* MSS */
      tcp[21] = 4;
      wb_put_be16 (tcp + 22, (guint16) (536 + below (t->rand, 9000)));
    }
  l4_checksum (tcp, len, src, t->address, WB_IP_PROTO_TCP, 16);
  return ip_frame (t, buf, src, WB_IP_PROTO_TCP, (guint16) g_rand_int (t->rand), 0, len);
}

/* A piece of one of a few datagrams: pieces overlap, most never complete,
 * some sit at offsets no datagram can reach. */
static gsize
make_fragment (FuzzTarget *t,
               guint8     *buf)
{
  static const guint8 protos[] = { WB_IP_PROTO_ICMP, WB_IP_PROTO_UDP, WB_IP_PROTO_TCP };
  gsize len = 8 * (1 + below (t->rand, 185));
  guint offset = below (t->rand, 3) == 0 ? below (t->rand, 0x2000) : below (t->rand, 64);
  gboolean more = below (t->rand, 4) != 0;
  guint16 id = (guint16) (below (t->rand, 3) == 0 ? g_rand_int (t->rand) : below (t->rand, 8));

  if (g_rand_boolean (t->rand))
    len -= below (t->rand, 8);
  fill_random (t->rand, buf + WB_ETH_HLEN + WB_IPV4_HLEN, len);
  return ip_frame (t, buf, t->peer, protos[id % G_N_ELEMENTS (protos)], id,
                   (guint16) ((more ? 0x2000 : 0) | offset), len);
}

/* Options after the cookie: a message type (usually), then random
 * options of random lengths, some running past the end, an overload
 * option now and then, not always an end. */
static gsize
garbage_options (FuzzTarget *t,
                 guint8     *options,
                 gsize       room,
                 guint8      type)
{
  gsize n = 0;

  if (below (t->rand, 8) != 0)
    {
      options[n++] = WB_DHCP_OPT_MESSAGE_TYPE;
      options[n++] = 1;
      options[n++] = type;
    }
  while (n + 2 < room && below (t->rand, 6) != 0)
    {
      guint8 code = below (t->rand, 4) == 0 ? WB_DHCP_OPT_OVERLOAD : (guint8) g_rand_int (t->rand);
      guint8 len = (guint8) (below (t->rand, 3) == 0 ? g_rand_int (t->rand) : below (t->rand, 8));

      options[n++] = code;
      options[n++] = len;
      if (n + len > room)
        return room;            /* the last option runs past the end */
      fill_random (t->rand, options + n, len);
      n += len;
    }
  if (n < room && g_rand_boolean (t->rand))
    options[n++] = WB_DHCP_OPT_END;
  return n;
}

static gsize
make_dhcp (FuzzTarget *t,
           guint8     *buf)
{
  static const guint8 client_types[] = { WB_DHCP_DISCOVER, WB_DHCP_REQUEST, WB_DHCP_RELEASE,
                                         WB_DHCP_DECLINE, WB_DHCP_INFORM, 0, 42 };
  static const guint8 server_types[] = { WB_DHCP_OFFER, WB_DHCP_ACK, WB_DHCP_NAK, 0, 42 };
  static const guint8 broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  guint8 payload[WB_DHCP_BUILD_MAX];
  guint8 client[6] = { 0x02, 0x77, 0, 0, 0, 0 };
  WbDhcpMessage msg;
  WbUdpFrame frame = { 0 };
  guint8 type;
  gsize len;

  if (t->dhcp_server)
    {
      /* A few hundred clients, so that requests meet their offers. */
      wb_put_be16 (client + 4, (guint16) below (t->rand, 300));
      type = client_types[below (t->rand, G_N_ELEMENTS (client_types))];
      wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, type, g_rand_int (t->rand), client);
      if (g_rand_boolean (t->rand))
        {
          msg.has |= WB_DHCP_HAS_REQUESTED_IP;
          msg.requested_ip = g_rand_boolean (t->rand) ? (t->address & 0xffffff00u) | below (t->rand, 256)
                                                      : g_rand_int (t->rand);
        }
      if (g_rand_boolean (t->rand))
        {
          msg.has |= WB_DHCP_HAS_SERVER_ID;
          msg.server_id = g_rand_boolean (t->rand) ? t->address : g_rand_int (t->rand);
        }
      if (below (t->rand, 4) == 0)
        msg.ciaddr = (t->address & 0xffffff00u) | below (t->rand, 256);
      frame.dst_mac = g_rand_boolean (t->rand) ? broadcast : t->mac;
      frame.src_mac = client;
      frame.src_ip = msg.ciaddr;
      frame.dst_ip = g_rand_boolean (t->rand) ? WB_IPV4_BROADCAST : t->address;
      frame.src_port = WB_DHCP_CLIENT_PORT;
      frame.dst_port = WB_DHCP_SERVER_PORT;
    }
  else
    {
      type = server_types[below (t->rand, G_N_ELEMENTS (server_types))];
      wb_dhcp_message_init (&msg, WB_BOOTP_REPLY, type,
                            below (t->rand, 8) != 0 ? t->dhcp_xid : g_rand_int (t->rand), t->mac);
      msg.yiaddr = g_rand_boolean (t->rand) ? (t->peer & 0xffffff00u) | below (t->rand, 256)
                                            : g_rand_int (t->rand);
      msg.has = g_rand_int (t->rand) & 0xff;
      msg.subnet_mask = g_rand_boolean (t->rand) ? 0xffffff00u : g_rand_int (t->rand);
      msg.router = g_rand_int (t->rand);
      msg.lease_time = below (t->rand, 3) == 0 ? g_rand_int (t->rand) : below (t->rand, 4);
      msg.server_id = g_rand_boolean (t->rand) ? t->dhcp_server_ip : g_rand_int (t->rand);
      msg.t1 = g_rand_int (t->rand);
      msg.t2 = g_rand_int (t->rand);
      frame.dst_mac = g_rand_boolean (t->rand) ? broadcast : t->mac;
      frame.src_mac = (const guint8 *) "\x02\x66\x00\x00\x00\x01";
      frame.src_ip = t->dhcp_server_ip;
      frame.dst_ip = g_rand_boolean (t->rand) ? WB_IPV4_BROADCAST : msg.yiaddr;
      frame.src_port = WB_DHCP_SERVER_PORT;
      frame.dst_port = WB_DHCP_CLIENT_PORT;
    }

  len = wb_dhcp_message_build (&msg, payload, sizeof payload);
  g_assert_cmpuint (len, >=, WB_DHCP_MIN_LEN);
  if (g_rand_boolean (t->rand))
    len = WB_DHCP_MIN_LEN + garbage_options (t, payload + WB_DHCP_MIN_LEN,
                                             sizeof payload - WB_DHCP_MIN_LEN - 1, type);
  /* Overloaded options in file and sname hold garbage too. */
  if (below (t->rand, 4) == 0)
    fill_random (t->rand, payload + 44, 64 + 128);
  frame.payload = payload;
  frame.payload_len = len;
  return wb_udp_frame_build (&frame, buf, FUZZ_FRAME_MAX);
}

/* Damage: truncation, flipped bytes, wrong lengths and header fields,
 * garbage at the end, another ethertype; the IPv4 header checksum is
 * often made right again so that the damage reaches the layer above. */
static gsize
damage (FuzzTarget *t,
        guint8     *buf,
        gsize       len)
{
  guint8 *ip = buf + WB_ETH_HLEN;

  for (guint n = 1 + below (t->rand, 3); n > 0; n--)
    {
      switch (below (t->rand, 7))
        {
        case 0:
          len = below (t->rand, len + 1);
          break;
        case 1:
          for (guint k = 1 + below (t->rand, 4); k > 0 && len > 0; k--)
            buf[below (t->rand, len)] ^= (guint8) (1 + below (t->rand, 255));
          break;
        case 2:
          if (len >= WB_ETH_HLEN + 4)
            wb_put_be16 (ip + 2, (guint16) g_rand_int (t->rand));
          break;
        case 3:
          if (len > WB_ETH_HLEN)
            ip[0] = (guint8) (0x40 | below (t->rand, 16));
          break;
        case 4:
          {
            gsize extra = below (t->rand, 200);

            if (len + extra <= FUZZ_FRAME_MAX)
              {
                fill_random (t->rand, buf + len, extra);
                len += extra;
              }
          }
          break;
        case 5:
          if (len >= WB_ETH_HLEN + 24)
            buf[WB_ETH_HLEN + WB_IPV4_HLEN + below (t->rand, 4)] ^= 0xff;    /* ports */
          break;
        default:
          if (len >= WB_ETH_HLEN)
            wb_put_be16 (buf + 12, below (t->rand, 2) == 0 ? (guint16) g_rand_int (t->rand)
                                                            : WB_ETHERTYPE_IPV6);
          break;
        }
    }
  if (len >= WB_ETH_HLEN + WB_IPV4_HLEN && wb_get_be16 (buf + 12) == WB_ETHERTYPE_IPV4
      && ip[0] == 0x45 && g_rand_boolean (t->rand))
    {
      wb_put_be16 (ip + 10, 0);
      wb_put_be16 (ip + 10, wb_checksum (ip, WB_IPV4_HLEN));
    }
  return len;
}

gsize
fuzz_frame (FuzzTarget *t,
            guint8     *buf)
{
  Kind kind = below (t->rand, N_KINDS);
  gsize len;

  switch (kind)
    {
    case KIND_RANDOM:
      len = below (t->rand, below (t->rand, 8) == 0 ? FUZZ_FRAME_MAX + 1 : 200);
      fill_random (t->rand, buf, len);
      /* Past the MAC filter now and then. */
      if (len >= 6 && g_rand_boolean (t->rand))
        memcpy (buf, t->mac, 6);
      return len;
    case KIND_ARP:
      len = make_arp (t, buf);
      break;
    case KIND_ICMP:
      len = make_icmp (t, buf);
      break;
    case KIND_UDP:
      len = make_udp (t, buf);
      break;
    case KIND_SYN:
    case KIND_TCP:
      len = make_tcp (t, buf, kind == KIND_SYN);
      break;
    case KIND_FRAGMENT:
      len = make_fragment (t, buf);
      break;
    case KIND_DHCP:
    case N_KINDS:
    default:
      len = make_dhcp (t, buf);
      break;
    }
  /* A SYN flood is a flood of valid SYNs: leave most of them whole. */
  if (below (t->rand, 10) < (kind == KIND_SYN ? 2u : 6u))
    len = damage (t, buf, len);
  return len;
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* --- the switch ------------------------------------------------------------- */

#define SEGMENT_PORTS  5

typedef struct
{
  WbSegmentPort *port;
  guint8         mac[6];
  guint          frames;
} SwitchPort;

static void
switch_deliver_cb (gpointer      user_data,
                   const guint8 *frame,
                   gsize         len)
{
  SwitchPort *port = user_data;

  /* What the switch lets through is an Ethernet frame within the MTU. */
  g_assert_cmpuint (len, >=, WB_ETH_HLEN);
  g_assert_cmpuint (len, <=, WB_ETH_HLEN + WB_ETH_JUMBO_MTU);
  port->frames++;
}

static void
switch_add_port (WbSegment  *segment,
                 SwitchPort *port,
                 guint       i)
{
  static const WbPortFlags flags[SEGMENT_PORTS] = {
    WB_PORT_FLAGS_NONE, WB_PORT_FLAGS_NONE, WB_PORT_FLAGS_NONE,
    WB_PORT_FLAGS_IPV4_ONLY, WB_PORT_FLAGS_UPLINK,
  };

  port->mac[0] = 0x02;
  port->mac[5] = (guint8) i;
  port->port = wb_segment_add_port (segment, i == 3 ? WB_PORT_HOST : WB_PORT_VM, flags[i],
                                    flags[i] == WB_PORT_FLAGS_UPLINK ? NULL : port->mac,
                                    switch_deliver_cb, port);
  if (i == 2)
    wb_segment_port_set_promisc (port->port, WB_PROMISC_ALLOW_ALL);
}

static void
test_segment (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  g_autofree guint8 *buf = g_malloc (FUZZ_FRAME_MAX + 4096);
  WbSegment *segment = wb_segment_new ("fuzz", WB_ETH_JUMBO_MTU, NULL);
  SwitchPort ports[SEGMENT_PORTS] = { 0 };
  FuzzTarget target = { rand };
  gsize heap = fuzz_heap_in_use ();
  WbCounters counters;
  guint delivered = 0;

  for (guint i = 0; i < SEGMENT_PORTS; i++)
    switch_add_port (segment, &ports[i], i);
  target.peer = IP4 (10, 0, 0, 9);

  for (guint i = 0; i < FUZZ_FRAMES; i++)
    {
      SwitchPort *from = &ports[below (rand, SEGMENT_PORTS)];
      gsize len;

      target.address = IP4 (10, 0, 0, below (rand, 8));
      memcpy (target.mac, ports[below (rand, SEGMENT_PORTS)].mac, 6);
      len = fuzz_frame (&target, buf);
      /* A station behind the uplink that spoofs every source MAC, and
       * frames above any MTU. */
      if (len >= 12 && below (rand, 4) == 0)
        fill_random (rand, buf + 6, 6);
      if (below (rand, 50) == 0)
        len = WB_ETH_HLEN + WB_ETH_JUMBO_MTU + below (rand, 4096);
      wb_segment_port_send (from->port, buf, len);
      g_assert_cmpuint (wb_segment_get_queue_length (segment), <=, WB_SEGMENT_DEFAULT_QUEUE_LIMIT);

      /* Ports come and go, links flap, policies change under traffic. */
      switch (below (rand, 2000))
        {
        case 0:
          wb_segment_remove_port (from->port);
          switch_add_port (segment, from, (guint) (from - ports));
          break;
        case 1:
          wb_segment_port_set_link (from->port, !wb_segment_port_get_link (from->port));
          break;
        case 2:
          wb_segment_port_set_promisc (from->port, below (rand, WB_N_PROMISC));
          break;
        default:
          break;
        }
      if (i % 256 == 255)
        iterate ();
    }
  iterate ();

  wb_segment_get_counters (segment, &counters);
  g_assert_cmpuint (counters.drops[WB_DROP_RUNT], >, 0);
  g_assert_cmpuint (counters.drops[WB_DROP_OVERSIZE], >, 0);
  for (guint i = 0; i < SEGMENT_PORTS; i++)
    delivered += ports[i].frames;
  g_assert_cmpuint (delivered, >, FUZZ_FRAMES / 2);
  g_test_message ("segment: %u delivered, %" G_GUINT64_FORMAT " runts, %" G_GUINT64_FORMAT
                  " oversize, %" G_GUINT64_FORMAT " link-down, %" G_GUINT64_FORMAT " ethertype",
                  delivered, counters.drops[WB_DROP_RUNT], counters.drops[WB_DROP_OVERSIZE],
                  counters.drops[WB_DROP_LINK_DOWN], counters.drops[WB_DROP_ETHERTYPE]);
  g_assert_cmpuint (fuzz_heap_in_use (), <, heap + HEAP_GROWTH_MAX);
  wb_segment_free (segment);
  iterate ();
}

/* --- the DHCP server ----------------------------------------------------------- */

static const guint8 server_mac[6] = { 0x02, 0x57, 0x42, 0x00, 0x00, 0x01 };

typedef struct
{
  guint replies;
  guint offers_and_acks;
} ServerLog;

static void
server_send_cb (gpointer      user_data,
                const guint8 *frame,
                gsize         len)
{
  ServerLog *log = user_data;
  WbUdpFrame udp;
  WbDhcpMessage msg;

  log->replies++;
  /* Whatever it was given, the server sends well-formed frames. */
  g_assert_cmpuint (len, <=, WB_ETH_HLEN + WB_ETH_MTU);
  if (len >= WB_ETH_HLEN && wb_get_be16 (frame + 12) == WB_ETHERTYPE_ARP)
    return;
  g_assert_true (wb_udp_frame_parse (frame, len, &udp));
  g_assert_true (wb_dhcp_message_parse (udp.payload, udp.payload_len, &msg));
  /* (An ACK to an INFORM gives no address.) */
  if ((msg.message_type == WB_DHCP_OFFER || msg.message_type == WB_DHCP_ACK) && msg.yiaddr != 0)
    {
      log->offers_and_acks++;
      g_assert_cmphex (msg.yiaddr, >=, IP4 (10, 1, 0, 10));
      g_assert_cmphex (msg.yiaddr, <=, IP4 (10, 1, 0, 200));
    }
}

static WbDhcpd *
server_new (ServerLog *log)
{
  g_autoptr(WbDhcpServer) config = wb_dhcp_server_new ("fuzz");

  g_free (config->server_ip);
  config->server_ip = g_strdup ("10.1.0.1");
  g_free (config->netmask);
  config->netmask = g_strdup ("255.255.255.0");
  g_free (config->lower_ip);
  config->lower_ip = g_strdup ("10.1.0.10");
  g_free (config->upper_ip);
  config->upper_ip = g_strdup ("10.1.0.200");
  config->enabled = TRUE;
  return wb_dhcpd_new (config, NULL, server_mac, server_send_cb, NULL, log);
}

static void
test_dhcpd (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 1);
  g_autofree guint8 *buf = g_malloc (FUZZ_FRAME_MAX + 4096);
  g_autoptr(GHashTable) leased = g_hash_table_new (NULL, NULL);
  ServerLog log = { 0 };
  WbDhcpd *dhcpd = server_new (&log);
  FuzzTarget target = { rand };
  gsize heap = fuzz_heap_in_use ();

  memcpy (target.mac, server_mac, 6);
  target.address = IP4 (10, 1, 0, 1);
  target.peer = IP4 (10, 1, 0, 50);
  target.dhcp_server = TRUE;

  for (guint i = 0; i < FUZZ_FRAMES; i++)
    {
      gsize len;

      /* DHCP most of the time: the server looks at nothing else. */
      if (below (rand, 4) != 0)
        {
          len = make_dhcp (&target, buf);
          if (g_rand_boolean (rand))
            len = damage (&target, buf, len);
        }
      else
        len = fuzz_frame (&target, buf);
      wb_dhcpd_input (dhcpd, buf, len);
      if (i % 1024 == 1023)
        iterate ();
    }
  iterate ();
  g_test_message ("dhcpd: %u replies, %u offers and acks", log.replies, log.offers_and_acks);
  g_assert_cmpuint (log.offers_and_acks, >, 100);

  /* No more leases than the pool holds, each address once. */
  for (guint c = 0; c < 300; c++)
    {
      guint8 client[6] = { 0x02, 0x77, 0, 0, (guint8) (c >> 8), (guint8) c };
      guint32 address = wb_dhcpd_lookup (dhcpd, client);

      if (address == 0)
        continue;
      g_assert_cmphex (address, >=, IP4 (10, 1, 0, 10));
      g_assert_cmphex (address, <=, IP4 (10, 1, 0, 200));
      g_assert_false (g_hash_table_contains (leased, GUINT_TO_POINTER (address)));
      g_hash_table_add (leased, GUINT_TO_POINTER (address));
    }
  g_assert_cmpuint (fuzz_heap_in_use (), <, heap + HEAP_GROWTH_MAX);
  wb_dhcpd_free (dhcpd);
}

/* --- the host endpoint ------------------------------------------------------------ */

/* The host's side of the relay: a TCP listener that takes connections and
 * drops them, a UDP socket that reads and forgets. Loopback only. */
typedef struct
{
  GSocket *tcp;
  GSocket *udp;
  GSource *tcp_source;
  GSource *udp_source;
  guint16  ports[2];
  guint    accepted;
} HostSide;

static gboolean
host_tcp_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  HostSide *host = user_data;
  g_autoptr(GSocket) conn = g_socket_accept (socket, NULL, NULL);

  if (conn != NULL)
    host->accepted++;
  return G_SOURCE_CONTINUE;
}

static gboolean
host_udp_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  guint8 sink[2048];

  while (g_socket_receive (socket, (char *) sink, sizeof sink, NULL, NULL) > 0)
    ;
  return G_SOURCE_CONTINUE;
}

static GSocket *
host_socket (GSocketType  type,
             guint16     *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type, G_SOCKET_PROTOCOL_DEFAULT, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  if (type == G_SOCKET_TYPE_STREAM)
    g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

static void
host_side_start (HostSide *host)
{
  host->tcp = host_socket (G_SOCKET_TYPE_STREAM, &host->ports[0]);
  host->udp = host_socket (G_SOCKET_TYPE_DATAGRAM, &host->ports[1]);
  host->tcp_source = g_socket_create_source (host->tcp, G_IO_IN, NULL);
  g_source_set_callback (host->tcp_source, G_SOURCE_FUNC (host_tcp_cb), host, NULL);
  g_source_attach (host->tcp_source, NULL);
  host->udp_source = g_socket_create_source (host->udp, G_IO_IN, NULL);
  g_source_set_callback (host->udp_source, G_SOURCE_FUNC (host_udp_cb), host, NULL);
  g_source_attach (host->udp_source, NULL);
}

static void
host_side_stop (HostSide *host)
{
  g_source_destroy (host->tcp_source);
  g_source_unref (host->tcp_source);
  g_source_destroy (host->udp_source);
  g_source_unref (host->udp_source);
  g_object_unref (host->tcp);
  g_object_unref (host->udp);
}

static void
peer_deliver_cb (gpointer      user_data,
                 const guint8 *frame,
                 gsize         len)
{
  (*(guint *) user_data)++;
}

static void
test_host_endpoint (void)
{
  static const guint8 host_mac[6] = { 0x0a, 0x00, 0x27, 0x00, 0x00, 0x00 };
  static const guint8 peer_mac[6] = { 0x02, 0x66, 0xc0, 0xa8, 0x38, 0x65 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 2);
  g_autofree guint8 *buf = g_malloc (FUZZ_FRAME_MAX + 4096);
  WbSegment *segment = wb_segment_new ("fuzz-host", WB_ETH_JUMBO_MTU, NULL);
  FuzzTarget target = { rand };
  HostSide host = { 0 };
  WbHostEndpoint *endpoint;
  WbSegmentPort *peer;
  guint replies = 0;
  gboolean relay = TRUE;
  gsize heap = fuzz_heap_in_use ();

  host_side_start (&host);
  endpoint = wb_host_endpoint_new (segment, host_mac, IP4 (192, 168, 56, 1), 24, TRUE,
                                   NULL, NULL);
  peer = wb_segment_add_port (segment, WB_PORT_VM, WB_PORT_FLAGS_NONE, peer_mac,
                              peer_deliver_cb, &replies);
  memcpy (target.mac, host_mac, 6);
  target.address = IP4 (192, 168, 56, 1);
  target.peer = IP4 (192, 168, 56, 101);
  /* Relayed ports are the test's own: nothing else on the machine is
   * reached. */
  target.tcp_ports = host.ports;
  target.n_tcp_ports = 1;
  target.udp_ports = host.ports + 1;
  target.n_udp_ports = 1;

  for (guint i = 0; i < FUZZ_FRAMES; i++)
    {
      gsize len = fuzz_frame (&target, buf);
      guint8 *ip = buf + WB_ETH_HLEN;

      /* Damage may have moved a segment to a port the test does not own:
       * such frames go in with the relay off. */
      if (len >= WB_ETH_HLEN + WB_IPV4_HLEN + 4 && wb_get_be16 (buf + 12) == WB_ETHERTYPE_IPV4
          && (ip[9] == WB_IP_PROTO_TCP || ip[9] == WB_IP_PROTO_UDP)
          && (ip[0] & 0x0f) >= 5 && len >= WB_ETH_HLEN + 4u * (ip[0] & 0x0f) + 4)
        {
          guint16 port = wb_get_be16 (ip + 4 * (ip[0] & 0x0f) + 2);
          gboolean ours = port == host.ports[0] || port == host.ports[1];

          if (ours != relay)
            wb_host_endpoint_set_relay (endpoint, relay = ours);
        }
      wb_segment_port_send (peer, buf, len);
      if (i % 256 == 255)
        {
          iterate ();
          /* Relays are bounded (1024 TCP, 256 UDP). */
          g_assert_cmpuint (wb_host_endpoint_get_n_relays (endpoint), <=, 1024 + 256);
        }
    }
  iterate ();
  g_test_message ("host endpoint: %u frames back, %u host connections, %u relays open",
                  replies, host.accepted, wb_host_endpoint_get_n_relays (endpoint));
  g_assert_cmpuint (replies, >, 0);
  g_assert_cmpuint (fuzz_heap_in_use (), <, heap + HEAP_GROWTH_MAX);

  wb_segment_remove_port (peer);
  wb_host_endpoint_free (endpoint);
  wb_segment_free (segment);
  iterate ();
  host_side_stop (&host);
}

/* --- the emulated LAN's gateway ------------------------------------------------------ */

#define LAN_BEYOND  IP4 (203, 0, 113, 7)    /* beyond the LAN, not libslirp's */

static void
lan_deliver_cb (gpointer      user_data,
                const guint8 *frame,
                gsize         len)
{
  guint *unreachables = user_data;
  const guint8 *ip = frame + WB_ETH_HLEN;

  if (len >= WB_ETH_HLEN + WB_IPV4_HLEN + WB_ICMP_HLEN
      && wb_get_be16 (frame + 12) == WB_ETHERTYPE_IPV4
      && ip[9] == WB_IP_PROTO_ICMP && ip[WB_IPV4_HLEN] == 3)
    (*unreachables)++;
}

/* A UDP datagram from @src (at @src_mac) to LAN_BEYOND through @gateway_mac. */
static gsize
lan_datagram (guint8       *buf,
              const guint8 *gateway_mac,
              const guint8 *src_mac,
              guint32       src)
{
  FuzzTarget target = { NULL };
  gsize len;

  memcpy (target.mac, gateway_mac, 6);
  target.address = LAN_BEYOND;
  memset (buf + WB_ETH_HLEN + WB_IPV4_HLEN, 0, WB_UDP_HLEN);
  wb_put_be16 (buf + WB_ETH_HLEN + WB_IPV4_HLEN, 40000);
  wb_put_be16 (buf + WB_ETH_HLEN + WB_IPV4_HLEN + 2, 33434);
  wb_put_be16 (buf + WB_ETH_HLEN + WB_IPV4_HLEN + 4, WB_UDP_HLEN);
  len = ip_frame (&target, buf, src, WB_IP_PROTO_UDP, 1, 0, WB_UDP_HLEN);
  memcpy (buf + 6, src_mac, 6);
  return len;
}

/* What the gateway answers "net unreachable" for (wb-lan.c) is read from
 * the frame: the quoted header must be checked, and no answer may go to a
 * broadcast, a group or a header with a bad checksum. */
static void
test_lan (void)
{
  static const guint8 peer_mac[6] = { 0x02, 0x66, 0x0a, 0x0a, 0x0a, 0x65 };
  static const guint8 group_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 5);
  g_autofree guint8 *buf = g_malloc (FUZZ_FRAME_MAX + 4096);
  WbSegment *segment = wb_segment_new ("fuzz-lan", WB_ETH_JUMBO_MTU, NULL);
  FuzzTarget target = { rand };
  WbLanPlan plan;
  WbLan *lan;
  WbSegmentPort *peer;
  guint8 gateway_mac[6];
  guint unreachables = 0;
  guint64 drops;
  gsize len;

  wb_lan_plan (IP4 (10, 10, 10, 72), 24, &plan);
  lan = wb_lan_new (segment, "fuzz0", &plan, NULL, NULL);
  peer = wb_segment_add_port (segment, WB_PORT_VM, WB_PORT_FLAGS_NONE, peer_mac,
                              lan_deliver_cb, &unreachables);
  memcpy (gateway_mac, _wb_guest_iface_mac (wb_lan_get_station (lan, "gateway"), 0), 6);
  iterate ();

  /* A plain one is answered. */
  unreachables = 0;
  wb_segment_port_send (peer, buf, lan_datagram (buf, gateway_mac, peer_mac, IP4 (10, 10, 10, 101)));
  iterate ();
  g_assert_cmpuint (unreachables, ==, 1);

  /* A bad header checksum, a group or broadcast source address, a group
   * source MAC: dropped, not answered. */
  drops = wb_lan_get_outside_drops (lan);
  len = lan_datagram (buf, gateway_mac, peer_mac, IP4 (10, 10, 10, 101));
  buf[WB_ETH_HLEN + 10] ^= 0x5a;
  wb_segment_port_send (peer, buf, len);
  wb_segment_port_send (peer, buf, lan_datagram (buf, gateway_mac, peer_mac, IP4 (224, 0, 0, 1)));
  wb_segment_port_send (peer, buf, lan_datagram (buf, gateway_mac, peer_mac, 0xffffffffu));
  wb_segment_port_send (peer, buf, lan_datagram (buf, gateway_mac, group_mac, IP4 (10, 10, 10, 101)));
  iterate ();
  g_assert_cmpuint (wb_lan_get_outside_drops (lan), ==, drops + 4);
  g_assert_cmpuint (unreachables, ==, 1);

  /* Then anything, at the gateway, for beyond the LAN. */
  memcpy (target.mac, gateway_mac, 6);
  target.address = LAN_BEYOND;
  target.peer = IP4 (10, 10, 10, 101);
  for (guint i = 0; i < FUZZ_FRAMES; i++)
    {
      wb_segment_port_send (peer, buf, fuzz_frame (&target, buf));
      if (i % 256 == 255)
        iterate ();
    }
  iterate ();
  g_test_message ("LAN: %" G_GUINT64_FORMAT " dropped beyond the LAN, %u answered",
                  wb_lan_get_outside_drops (lan), unreachables);
  g_assert_cmpuint (wb_lan_get_outside_drops (lan), >, drops + 4);

  wb_segment_remove_port (peer);
  wb_lan_free (lan);
  wb_segment_free (segment);
  iterate ();
}

/* --- an uplink: what a TAP device brings ---------------------------------------------- */

/* The reading side of a TAP device, with a socket pair standing in for the
 * device (frames keep their boundaries; no root needed): whatever the peer
 * writes reaches the segment checked, nothing it writes stops the reading,
 * and what the segment sends back leaves. */
static void
test_fd_uplink (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 4);
  g_autofree guint8 *buf = g_malloc (FUZZ_FRAME_MAX + 4096);
  WbSegment *segment = wb_segment_new ("fuzz-uplink", WB_ETH_JUMBO_MTU, NULL);
  SwitchPort vm = { 0 };
  FuzzTarget target = { rand };
  WbFdUplinkCounters counters;
  WbFdUplink *uplink;
  guint8 sink[FUZZ_FRAME_MAX];
  guint sent = 0, echoed = 0;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), ==, 0);
  uplink = wb_fd_uplink_new (segment, fds[0], "[test] uplink", wb_fd_uplink_read, NULL);
  switch_add_port (segment, &vm, 0);
  memcpy (target.mac, vm.mac, 6);
  target.address = IP4 (10, 0, 0, 2);
  target.peer = IP4 (10, 0, 0, 9);

  for (guint i = 0; i < FUZZ_FRAMES; i++)
    {
      gsize len = fuzz_frame (&target, buf);

      /* A device never brings an empty frame (to a reader, 0 is its end). */
      if (len == 0)
        continue;
      while (send (fds[1], buf, len, 0) < 0)
        {
          g_assert_cmpint (errno, ==, EAGAIN);
          iterate ();
        }
      sent++;
      /* Now and then the VM answers: the frame goes out of the uplink. */
      if (i % 64 == 0)
        wb_segment_port_send (vm.port, buf, MAX (len, WB_ETH_HLEN));
      if (i % 128 == 127)
        iterate ();
      while (recv (fds[1], sink, sizeof sink, 0) > 0)
        echoed++;
    }
  iterate ();
  while (recv (fds[1], sink, sizeof sink, 0) > 0)
    echoed++;

  wb_fd_uplink_get_counters (uplink, &counters);
  g_test_message ("uplink: %u sent, %" G_GUINT64_FORMAT " read, %u delivered to the VM, "
                  "%" G_GUINT64_FORMAT " written back, %u read back",
                  sent, counters.frames_in, vm.frames, counters.frames_out, echoed);
  g_assert_cmpuint (counters.frames_in, ==, sent);
  g_assert_cmpuint (counters.read_errors, ==, 0);
  g_assert_cmpuint (vm.frames, >, 0);
  g_assert_cmpuint (counters.frames_out, >, 0);
  wb_segment_remove_port (vm.port);
  wb_fd_uplink_free (uplink);
  wb_segment_free (segment);
  close (fds[0]);
  close (fds[1]);
}

/* --- the checksum ------------------------------------------------------------------ */

/* RFC 1071 as written: 16-bit big-endian words, an odd byte padded. */
static guint16
reference_checksum (guint32       sum,
                    const guint8 *data,
                    gsize         len)
{
  guint64 acc = sum;

  for (gsize i = 0; i + 1 < len; i += 2)
    acc += (guint32) ((data[i] << 8) | data[i + 1]);
  if (len & 1)
    acc += (guint32) data[len - 1] << 8;
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (guint16) ~acc;
}

/* wb_checksum_add() sums whole words at a time: whatever the length, the
 * alignment, the sum it continues or how it is chained, the checksum is
 * RFC 1071's. */
static void
test_checksum (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 3);
  g_autofree guint8 *buf = g_malloc (FUZZ_FRAME_MAX + 16);

  for (guint i = 0; i < FUZZ_FRAMES; i++)
    {
      gsize len = below (rand, i % 8 == 0 ? FUZZ_FRAME_MAX : 128);
      gsize offset = below (rand, 16);
      gsize split = len > 0 ? 2 * below (rand, len / 2 + 1) : 0;
      guint32 start = below (rand, 4) == 0 ? g_rand_int (rand) & 0x7fffffffu : below (rand, 0x10000);
      guint8 *data = buf + offset;
      guint32 sum;

      /* All ones and all zeros too: the sums that fold to 0 or 0xffff. */
      switch (below (rand, 8))
        {
        case 0:
          memset (data, 0xff, len);
          break;
        case 1:
          memset (data, 0, len);
          break;
        default:
          fill_random (rand, data, len);
          break;
        }
      g_assert_cmphex (wb_checksum_finish (wb_checksum_add (start, data, len)), ==,
                       reference_checksum (start, data, len));
      /* Chained at an even split, as a header and a payload are. */
      sum = wb_checksum_add (start, data, split);
      g_assert_cmphex (wb_checksum_finish (wb_checksum_add (sum, data + split, len - split)), ==,
                       reference_checksum (start, data, len));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fuzz/checksum", test_checksum);

  g_test_add_func ("/fuzz/segment", test_segment);
  g_test_add_func ("/fuzz/dhcpd", test_dhcpd);
  g_test_add_func ("/fuzz/host-endpoint", test_host_endpoint);
  g_test_add_func ("/fuzz/lan", test_lan);
  g_test_add_func ("/fuzz/fd-uplink", test_fd_uplink);
  fuzz_guest_add_tests ();
  return g_test_run ();
}
