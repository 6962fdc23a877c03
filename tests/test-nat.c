/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libslirp on a segment (wb-slirp.h), without guests: what reaches it, its
 * port forwards, and malformed frames towards it (run under the sanitizer
 * build too). The NAT modes end to end are tests/test_nat.py.
 *
 * Network safety: every IPv4 frame sent here goes to an address inside the
 * virtual network other than the name server (.3, which libslirp relays to
 * the host's real name server) or to broadcast; the host loopback is off,
 * so libslirp opens no socket for them (pings to the network reach only
 * 127.0.0.1).
 */
#include <gio/gio.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "wb-guest.h"
#include "wb-net.h"
#include "wb-nic.h"
#include "wb-segment.h"
#include "wb-slirp.h"
#include "wb-tcp.h"

#define NET       0x0a000200u   /* 10.0.2.0 */
#define HOST      (NET + 2)
#define DNS       (NET + 3)
#define GUEST     (NET + 15)

static const guint8 guest_mac[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x01 };
static const guint8 slirp_mac[WB_ETH_ALEN] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };

typedef struct
{
  WbSegment     *segment;
  WbSlirp       *slirp;
  WbSegmentPort *guest;
  GPtrArray     *received;   /* GBytes*, what reached the guest port */
} Fixture;

static void
guest_deliver_cb (gpointer      user_data,
                  const guint8 *frame,
                  gsize         len)
{
  Fixture *fixture = user_data;

  g_ptr_array_add (fixture->received, g_bytes_new (frame, len));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  WbSlirpConfig config = {
    .network = NET, .prefix = 24, .host = HOST, .nameserver = DNS,
    .dhcp_start = GUEST, .host_loopback = FALSE, .mtu = 1500,
  };
  g_autoptr(GError) error = NULL;

  fixture->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  fixture->segment = wb_segment_new ("nat:test", WB_ETH_MTU, NULL);
  fixture->slirp = wb_slirp_new (fixture->segment, &config, NULL, NULL, &error);
  g_assert_no_error (error);
  fixture->guest = wb_segment_add_port (fixture->segment, WB_PORT_VM, WB_PORT_FLAGS_NONE,
                                        guest_mac, guest_deliver_cb, fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  wb_slirp_free (fixture->slirp);
  wb_segment_free (fixture->segment);
  g_ptr_array_unref (fixture->received);
}

/* Runs the context until it has nothing to do right now. */
static void
settle (void)
{
  for (guint i = 0; i < 10; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static gsize
arp_request (guint8        *frame,
             const guint8  *dst,
             guint32        target)
{
  memset (frame, 0, 60);
  memcpy (frame, dst, WB_ETH_ALEN);
  memcpy (frame + 6, guest_mac, WB_ETH_ALEN);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_ARP);
  wb_put_be16 (frame + 14, 1);
  wb_put_be16 (frame + 16, WB_ETHERTYPE_IPV4);
  frame[18] = 6;
  frame[19] = 4;
  wb_put_be16 (frame + 20, 1);
  memcpy (frame + 22, guest_mac, WB_ETH_ALEN);
  wb_put_be32 (frame + 28, GUEST);
  wb_put_be32 (frame + 38, target);
  return 60;
}

/* An IPv4 packet with a valid header checksum; returns the frame length. */
static gsize
ipv4_frame (guint8        *frame,
            const guint8  *dst_mac,
            guint8         proto,
            guint32        dst,
            const guint8  *payload,
            gsize          payload_len)
{
  guint8 *ip = frame + WB_ETH_HLEN;

  memcpy (frame, dst_mac, WB_ETH_ALEN);
  memcpy (frame + 6, guest_mac, WB_ETH_ALEN);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_IPV4);
  memset (ip, 0, WB_IPV4_HLEN);
  ip[0] = 0x45;
  wb_put_be16 (ip + 2, WB_IPV4_HLEN + payload_len);
  ip[8] = 64;
  ip[9] = proto;
  wb_put_be32 (ip + 12, GUEST);
  wb_put_be32 (ip + 16, dst);
  wb_put_be16 (ip + 10, wb_checksum (ip, WB_IPV4_HLEN));
  memcpy (ip + WB_IPV4_HLEN, payload, payload_len);
  /* A valid transport checksum too, so that libslirp looks further. */
  if (proto == WB_IP_PROTO_ICMP && payload_len >= WB_ICMP_HLEN)
    {
      ip[WB_IPV4_HLEN] = 8;     /* echo request */
      wb_put_be16 (ip + WB_IPV4_HLEN + 2, 0);
      wb_put_be16 (ip + WB_IPV4_HLEN + 2, wb_checksum (ip + WB_IPV4_HLEN, payload_len));
    }
  else if (proto == WB_IP_PROTO_UDP && payload_len >= WB_UDP_HLEN)
    {
      wb_put_be16 (ip + WB_IPV4_HLEN + 4, payload_len);
      wb_put_be16 (ip + WB_IPV4_HLEN + 6, 0);   /* none */
    }
  else if (proto == WB_IP_PROTO_TCP && payload_len >= WB_TCP_HLEN)
    {
      ip[WB_IPV4_HLEN + 12] = 0x50;
      ip[WB_IPV4_HLEN + 13] = 0x02;             /* SYN */
      wb_put_be16 (ip + WB_IPV4_HLEN + 16, 0);
      wb_put_be16 (ip + WB_IPV4_HLEN + 16,
                   wb_checksum_l4 (GUEST, dst, proto, ip + WB_IPV4_HLEN, payload_len));
    }
  return WB_ETH_HLEN + WB_IPV4_HLEN + payload_len;
}

static void
test_arp_and_mac_filter (Fixture       *fixture,
                         gconstpointer  data)
{
  const guint8 broadcast[WB_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  const guint8 other[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x09 };
  guint8 frame[60];
  GBytes *reply;

  /* The host alias answers ARP with its own MAC. */
  wb_segment_port_send (fixture->guest, frame, arp_request (frame, broadcast, HOST));
  settle ();
  g_assert_cmpuint (fixture->received->len, ==, 1);
  reply = g_ptr_array_index (fixture->received, 0);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (reply, NULL) + 6, 6, slirp_mac, 6);

  /* A frame for another station never reaches libslirp (which would
   * answer anything it is given). */
  g_ptr_array_set_size (fixture->received, 0);
  wb_segment_port_send (fixture->guest, frame, arp_request (frame, other, HOST));
  settle ();
  g_assert_cmpuint (fixture->received->len, ==, 0);
}

static void
test_drops_before_slirp (Fixture       *fixture,
                         gconstpointer  data)
{
  guint8 frame[WB_ETH_HLEN + 1500] = { 0 };
  WbCounters counters;
  gsize len;

  /* ARP cut short, IPv4 whose header lies about its length, IPv6. */
  arp_request (frame, slirp_mac, HOST);
  wb_segment_port_send (fixture->guest, frame, WB_ETH_HLEN + 10);
  len = ipv4_frame (frame, slirp_mac, WB_IP_PROTO_ICMP, HOST, (const guint8 *) "12345678", 8);
  wb_put_be16 (frame + WB_ETH_HLEN + 2, 1000);
  wb_segment_port_send (fixture->guest, frame, len);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_IPV6);
  wb_segment_port_send (fixture->guest, frame, len);
  settle ();

  wb_slirp_get_counters (fixture->slirp, &counters);
  g_assert_cmpuint (counters.drops[WB_DROP_RUNT], ==, 2);
  g_assert_cmpuint (counters.drops[WB_DROP_ETHERTYPE], ==, 1);
  g_assert_cmpuint (fixture->received->len, ==, 0);
}

static guint16
free_port (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET };
  socklen_t len = sizeof address;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint16 port;

  address.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &address, len), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &address, &len), ==, 0);
  port = g_ntohs (address.sin_port);
  close (fd);
  return port;
}

static void
test_rule_states (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_nat_rule_free);
  g_autoptr(GVariant) states = NULL;
  g_autofree char *printed = NULL;
  struct sockaddr_in address = { .sin_family = AF_INET };
  int taken = socket (AF_INET, SOCK_STREAM, 0);
  guint16 busy, free;

  address.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (taken, (struct sockaddr *) &address, sizeof address), ==, 0);
  g_assert_cmpint (listen (taken, 1), ==, 0);
  busy = free_port ();
  {
    socklen_t len = sizeof address;

    g_assert_cmpint (getsockname (taken, (struct sockaddr *) &address, &len), ==, 0);
    busy = g_ntohs (address.sin_port);
  }
  free = free_port ();

  g_ptr_array_add (rules, wb_nat_rule_new ("busy", WB_PROTO_TCP, "127.0.0.1", busy, "", 80));
  g_ptr_array_add (rules, wb_nat_rule_new ("free", WB_PROTO_TCP, "127.0.0.1", free, "", 80));
  g_ptr_array_add (rules, wb_nat_rule_new ("udp", WB_PROTO_UDP, "127.0.0.1", free, "", 53));
  wb_slirp_set_rules (fixture->slirp, rules, GUEST);
  g_assert_cmpstr (wb_slirp_get_rule_error (fixture->slirp, "busy"), ==, g_strerror (EADDRINUSE));
  g_assert_null (wb_slirp_get_rule_error (fixture->slirp, "free"));
  g_assert_null (wb_slirp_get_rule_error (fixture->slirp, "udp"));

  states = g_variant_ref_sink (wb_slirp_get_rule_states (fixture->slirp));
  printed = g_variant_print (states, FALSE);
  g_assert_cmpstr (printed, ==,
                   "[('busy', 'not bound', 'Address already in use'), "
                   "('free', 'bound', ''), ('udp', 'bound', '')]");

  /* Freed: the rule binds at the next sync. */
  close (taken);
  wb_slirp_set_rules (fixture->slirp, rules, GUEST);
  g_assert_null (wb_slirp_get_rule_error (fixture->slirp, "busy"));
  /* Gone: its port is closed. */
  g_ptr_array_remove_index (rules, 0);
  wb_slirp_set_rules (fixture->slirp, rules, GUEST);
  g_assert_null (wb_slirp_get_rule_error (fixture->slirp, "busy"));
  {
    int probe = socket (AF_INET, SOCK_STREAM, 0);

    address.sin_port = g_htons (busy);
    g_assert_cmpint (bind (probe, (struct sockaddr *) &address, sizeof address), ==, 0);
    close (probe);
  }
}

/* Destinations the fuzz may use: see the top of the file. */
static guint32
safe_destination (GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 4))
    {
    case 0:
      return HOST;
    case 1:
      return WB_IPV4_BROADCAST;
    case 2:
      return GUEST;
    default:
      return NET + (guint32) g_rand_int_range (rand, 4, 255);
    }
}

static void
test_fuzz (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5117);
  const guint8 broadcast[WB_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  guint8 payload[600];
  guint8 frame[WB_ETH_HLEN + 1500];
  WbCounters counters;

  for (gsize i = 0; i < sizeof payload; i++)
    payload[i] = (guint8) i;

  for (guint n = 0; n < 30000; n++)
    {
      static const guint8 protos[] = { WB_IP_PROTO_ICMP, WB_IP_PROTO_TCP, WB_IP_PROTO_UDP, 2, 0 };
      guint kind = g_rand_int_range (rand, 0, 6);
      gsize len;

      if (kind == 0)
        len = arp_request (frame, broadcast, (guint32) g_rand_int (rand));
      else
        {
          guint8 proto = protos[g_rand_int_range (rand, 0, G_N_ELEMENTS (protos))];

          len = ipv4_frame (frame, g_rand_boolean (rand) ? slirp_mac : broadcast, proto,
                            safe_destination (rand), payload,
                            (gsize) g_rand_int_range (rand, 0, sizeof payload));
          if (proto == WB_IP_PROTO_UDP && len >= 38)
            wb_put_be16 (frame + 36, g_rand_boolean (rand) ? 67 : (guint16) g_rand_int (rand));
        }

      /* Mutations: truncated, bytes flipped, lengths and fragments that
       * lie, garbage. */
      switch (kind)
        {
        case 1:
          len = (gsize) g_rand_int_range (rand, WB_ETH_HLEN, (gint32) len + 1);
          break;
        case 2:
          for (guint k = 0; k < 8; k++)
            frame[g_rand_int_range (rand, WB_ETH_HLEN, (gint32) len)] = (guint8) g_rand_int (rand);
          break;
        case 3:
          wb_put_be16 (frame + WB_ETH_HLEN + 2, (guint16) g_rand_int (rand));
          frame[WB_ETH_HLEN] = 0x40 | (g_rand_int (rand) & 0x0f);
          break;
        case 4:
          /* More fragments and an offset, sometimes overlapping. */
          wb_put_be16 (frame + WB_ETH_HLEN + 4, (guint16) g_rand_int_range (rand, 1, 4));
          wb_put_be16 (frame + WB_ETH_HLEN + 6, (guint16) ((g_rand_boolean (rand) ? 0x2000 : 0)
                                                           | g_rand_int_range (rand, 0, 200)));
          break;
        case 5:
          for (gsize k = WB_ETH_HLEN; k < len; k++)
            frame[k] = (guint8) g_rand_int (rand);
          break;
        default:
          break;
        }
      /* Whatever the mutation did, the destination stays a safe one, and
       * the header checksum mostly holds so that libslirp looks further. */
      if (wb_get_be16 (frame + 12) == WB_ETHERTYPE_IPV4 && len >= WB_ETH_HLEN + WB_IPV4_HLEN)
        {
          guint8 *ip = frame + WB_ETH_HLEN;
          gsize ihl = (gsize) (ip[0] & 0x0f) * 4;

          wb_put_be32 (ip + 16, safe_destination (rand));
          if (ihl >= WB_IPV4_HLEN && WB_ETH_HLEN + ihl <= len && g_rand_int_range (rand, 0, 4) != 0)
            {
              wb_put_be16 (ip + 10, 0);
              wb_put_be16 (ip + 10, wb_checksum (ip, ihl));
            }
        }
      wb_segment_port_send (fixture->guest, frame, len);
      if (n % 64 == 0)
        settle ();
    }
  settle ();

  wb_slirp_get_counters (fixture->slirp, &counters);
  g_test_message ("to libslirp: %" G_GUINT64_FORMAT " frames in, %" G_GUINT64_FORMAT
                  " out, %" G_GUINT64_FORMAT " runts kept away",
                  counters.frames_in, counters.frames_out, counters.drops[WB_DROP_RUNT]);
  g_assert_cmpuint (counters.frames_in, >, 10000);
  g_assert_cmpuint (counters.frames_out, >, 100);   /* it answered: the fuzz got deep */
  g_assert_cmpuint (counters.drops[WB_DROP_RUNT], >, 0);
  g_assert_cmpuint (counters.drops[WB_DROP_FRAGMENT], >, 0);
}

/* --- a guest behind an adapter model, NAT MTU raised ----------------------- */

#define BIG_CHUNK 60000

typedef struct
{
  WbNic      *nic;
  WbGuest    *guest;
  gsize       largest;      /* the longest frame the guest sent */
  gsize       to_send;      /* of BIG_CHUNK, not yet given to the socket */
  gboolean    ran;
  int         status;
  char       *output;
} Station;

static void
station_transmit_cb (gpointer      user_data,
                     guint         iface,
                     const guint8 *frame,
                     gsize         len)
{
  Station *station = user_data;

  station->largest = MAX (station->largest, len);
  wb_nic_transmit (station->nic, frame, len);
}

static void
station_receive_cb (gpointer      user_data,
                    const guint8 *frame,
                    gsize         len)
{
  Station *station = user_data;

  wb_guest_input (station->guest, 0, frame, len);
}

static void
station_send_more (WbTcpSocket *socket,
                   Station     *station)
{
  static guint8 chunk[BIG_CHUNK];

  while (station->to_send > 0)
    {
      gsize n = wb_tcp_send (socket, chunk + BIG_CHUNK - station->to_send, station->to_send);

      if (n == 0)
        break;
      station->to_send -= n;
    }
}

static void
station_connected_cb (WbTcpSocket *socket,
                      gpointer     user_data)
{
  station_send_more (socket, user_data);
}

static void
station_writable_cb (WbTcpSocket *socket,
                     gpointer     user_data)
{
  station_send_more (socket, user_data);
}

static void
station_received_cb (WbTcpSocket  *socket,
                     const guint8 *data,
                     gsize         len,
                     gpointer      user_data)
{
}

static void
station_closed_cb (WbTcpSocket  *socket,
                   const GError *error,
                   gpointer      user_data)
{
}

static void
station_ran_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Station *station = user_data;

  g_assert_true (wb_guest_run_finish (result, &station->status, &station->output, NULL));
  station->ran = TRUE;
}

/* The guest pings the NAT gateway with @size bytes; the ping's exit status. */
static int
station_ping (Station    *station,
              const char *size)
{
  const char *argv[] = { "ping", "-c", "1", "-W", "2", "-s", size, "10.0.2.2", NULL };

  station->ran = FALSE;
  g_clear_pointer (&station->output, g_free);
  wb_guest_run_async (station->guest, argv, NULL, station_ran_cb, station);
  while (!station->ran)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("%s", station->output);
  return station->status;
}

/* A NAT adapter as the runtime builds it (wb-runtime.c nat_network_new,
 * vm_configure_guest): --natsettings1 65520 on @type. */
static void
test_big_mtu (gconstpointer data)
{
  WbNicType type = GPOINTER_TO_UINT (data);
  WbAdapter adapter = { .type = type, .attachment = WB_ATTACHMENT_NAT, .nat_mtu = 65520 };
  WbGuestIfConfig ifconfig = { .mtu = 0 };
  guint mtu = wb_adapter_effective_nat_mtu (&adapter);
  WbSlirpConfig config = {
    .network = NET, .prefix = 24, .host = HOST, .nameserver = DNS,
    .dhcp_start = GUEST, .host_loopback = TRUE, .mtu = mtu,
  };
  static const WbNicCallbacks nic_callbacks = { .receive = station_receive_cb };
  static const WbGuestCallbacks guest_callbacks = { .transmit = station_transmit_cb };
  static const WbTcpCallbacks tcp_callbacks = {
    .connected = station_connected_cb, .received = station_received_cb,
    .writable = station_writable_cb, .closed = station_closed_cb,
  };
  gboolean jumbo = type == WB_NIC_TYPE_VIRTIO;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) accepted = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  Station station = { .to_send = BIG_CHUNK };
  WbSegment *segment;
  WbSlirp *slirp;
  WbCounters counters;
  gsize got = 0;
  guint8 buf[65536];

  /* PCnet stays at 1500 whatever the settings say; virtio takes them. */
  g_assert_cmpuint (mtu, ==, jumbo ? 65520 : WB_ETH_MTU);
  g_assert_cmpuint (wb_guest_if_effective_mtu (&ifconfig, &adapter), ==, mtu);

  segment = wb_segment_new ("nat:mtu", mtu, NULL);
  slirp = wb_slirp_new (segment, &config, NULL, NULL, &error);
  g_assert_no_error (error);
  station.nic = wb_nic_new (type, guest_mac, &nic_callbacks, &station);
  station.guest = wb_guest_new ("mtu", NULL, &guest_callbacks, &station);
  wb_guest_add_interface (station.guest, 0, guest_mac,
                          wb_guest_if_effective_mtu (&ifconfig, &adapter));
  wb_guest_configure_static (station.guest, 0, GUEST, 24);
  wb_guest_set_gateway (station.guest, 0, HOST);
  wb_nic_attach (station.nic, segment);
  wb_guest_set_link (station.guest, 0, TRUE);
  g_assert_cmpuint (wb_nic_get_max_payload (station.nic), ==, mtu);

  /* A transfer chunk to the host through the gateway (host loopback). */
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                           &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, bound, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  g_socket_set_blocking (listener, FALSE);
  local = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  g_assert_nonnull (wb_tcp_connect (station.guest, HOST,
                                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)),
                                    &tcp_callbacks, &station, &error));
  g_assert_no_error (error);
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       got < BIG_CHUNK && g_get_monotonic_time () < end;)
    {
      gssize n;

      g_main_context_iteration (NULL, FALSE);
      if (accepted == NULL)
        {
          accepted = g_socket_accept (listener, NULL, NULL);
          if (accepted != NULL)
            g_socket_set_blocking (accepted, FALSE);
          continue;
        }
      n = g_socket_receive (accepted, (char *) buf, sizeof buf, NULL, NULL);
      if (n > 0)
        got += (gsize) n;
      else
        g_usleep (1000);
    }
  g_assert_cmpuint (got, ==, BIG_CHUNK);
  if (jumbo)
    g_assert_cmpuint (station.largest, >, WB_ETH_HLEN + WB_ETH_JUMBO_MTU);
  else
    g_assert_cmpuint (station.largest, <=, WB_ETH_HLEN + WB_ETH_MTU);

  /* A large ping, one frame each way (fragments never reach libslirp:
   * wb-slirp.c, so PCnet's largest is 1472 bytes). */
  station.largest = 0;
  g_assert_cmpint (station_ping (&station, jumbo ? "60000" : "1472"), ==, 0);
  g_assert_cmpuint (station.largest, ==, WB_ETH_HLEN + (jumbo ? 60028 : WB_ETH_MTU));

  wb_nic_get_counters (station.nic, &counters);
  g_assert_cmpuint (counters.drops[WB_DROP_OVERSIZE], ==, 0);
  wb_slirp_get_counters (slirp, &counters);
  g_assert_cmpuint (counters.drops[WB_DROP_OVERSIZE], ==, 0);

  g_clear_object (&accepted);
  wb_guest_shutdown (station.guest);
  wb_guest_free (station.guest);
  wb_nic_free (station.nic);
  wb_slirp_free (slirp);
  wb_segment_free (segment);
  g_free (station.output);
  settle ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/nat/arp-and-mac-filter", Fixture, NULL, fixture_set_up,
              test_arp_and_mac_filter, fixture_tear_down);
  g_test_add ("/nat/drops-before-slirp", Fixture, NULL, fixture_set_up,
              test_drops_before_slirp, fixture_tear_down);
  g_test_add ("/nat/rule-states", Fixture, NULL, fixture_set_up,
              test_rule_states, fixture_tear_down);
  g_test_add ("/nat/fuzz", Fixture, NULL, fixture_set_up,
              test_fuzz, fixture_tear_down);
  g_test_add_data_func ("/nat/big-mtu/virtio", GUINT_TO_POINTER (WB_NIC_TYPE_VIRTIO),
                        test_big_mtu);
  g_test_add_data_func ("/nat/big-mtu/pcnet", GUINT_TO_POINTER (WB_NIC_TYPE_AM79C973),
                        test_big_mtu);
  return g_test_run ();
}
