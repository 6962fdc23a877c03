/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The guest stack under bad frames (see test-fuzz.c): a router-like guest
 * with services, forwarding and masquerading on, a static interface and a
 * DHCP one whose client gets forged replies for its own transaction. What
 * a peer can make it keep — reassembly buffers, ARP entries and the
 * datagrams waiting for them, looped-back datagrams, half-open and other
 * TCP connections — must stay under the stack's caps throughout.
 */
#include <string.h>

#include "test-fuzz.h"
#include "wb-dhcp-proto.h"
#include "wb-guest-internal.h"
#include "wb-tcp.h"

/* The caps of wb-guest.c and wb-guest-tcp.c, as documented there. */
#define REASSEMBLY_CAP     64
#define ARP_ENTRIES_CAP    4096
#define ARP_BYTES_CAP      (1024 * 1024)
#define LOOPBACK_CAP       256
#define TCP_BACKLOG_CAP    128

static const guint16 services[] = { 22, 80, 7 };

typedef struct
{
  guint    frames_out;
  guint32  dhcp_xid;          /* the client's latest transaction on eth1 */
  guint    dhcp_messages;
  gboolean arp_reply;         /* to the probe at the end */
  guint    icmp_errors;       /* that passed the checks */
} Outside;

static void
transmit_cb (gpointer      user_data,
             guint         iface,
             const guint8 *frame,
             gsize         len)
{
  Outside *out = user_data;
  WbUdpFrame udp;
  WbDhcpMessage msg;

  out->frames_out++;
  g_assert_cmpuint (len, >=, WB_ETH_HLEN);
  g_assert_cmpuint (len, <=, WB_ETH_HLEN + WB_ETH_JUMBO_MTU);
  if (iface == 1 && wb_udp_frame_parse (frame, len, &udp)
      && udp.dst_port == WB_DHCP_SERVER_PORT
      && wb_dhcp_message_parse (udp.payload, udp.payload_len, &msg))
    {
      out->dhcp_xid = msg.xid;
      out->dhcp_messages++;
    }
  if (iface == 0 && len >= WB_ETH_HLEN + 28 && wb_get_be16 (frame + 12) == WB_ETHERTYPE_ARP
      && wb_get_be16 (frame + WB_ETH_HLEN + 6) == 2
      && wb_get_be32 (frame + WB_ETH_HLEN + 24) == IP4 (10, 0, 0, 77))
    out->arp_reply = TRUE;
}

static void
property_cb (gpointer    user_data,
             const char *name,
             const char *value)
{
}

static void
log_cb (gpointer    user_data,
        const char *message)
{
}

/* What the guest hands on of an ICMP error must hold what it promises. */
static void
icmp_error_cb (WbGuest           *guest,
               const WbIcmpError *error,
               gpointer           user_data)
{
  Outside *out = user_data;

  g_assert_true (error->type == WB_ICMP_UNREACHABLE || error->type == WB_ICMP_TIME_EXCEEDED);
  g_assert_true (_wb_guest_is_local_address (guest, error->src));
  g_assert_cmpuint (error->data_len, >=, 8);
  /* Within the frame: the sanitizer build checks the reads. */
  g_assert_cmpuint (error->data[0] ^ error->data[error->data_len - 1], <=, 0xff);
  out->icmp_errors++;
}

static const WbGuestCallbacks callbacks = {
  .transmit = transmit_cb,
  .property_changed = property_cb,
  .log = log_cb,
};

static void
iterate (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

static void
assert_bounded (WbGuest *guest)
{
  WbTcpStats stats;

  g_assert_cmpuint (g_hash_table_size (guest->reassembly), <=, REASSEMBLY_CAP);
  g_assert_cmpuint (g_hash_table_size (guest->arp), <=, ARP_ENTRIES_CAP);
  g_assert_cmpuint (guest->arp_pending_bytes, <=, ARP_BYTES_CAP);
  g_assert_cmpuint (guest->loopback.length, <=, LOOPBACK_CAP);
  _wb_tcp_stack_get_stats (_wb_guest_get_tcp (guest), &stats);
  g_assert_cmpuint (stats.half_open, <=, TCP_BACKLOG_CAP * G_N_ELEMENTS (services));
  /* Connections a peer completes are the services': still bounded by the
   * backlogs, plus those closing. */
  g_assert_cmpuint (stats.sockets - stats.time_wait, <=, 2 * TCP_BACKLOG_CAP * G_N_ELEMENTS (services));
}

static void
test_guest (void)
{
  static const guint8 mac0[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x02 };
  static const guint8 mac1[6] = { 0x08, 0x00, 0x27, 0x00, 0x01, 0x02 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x6e57);
  g_autofree guint8 *buf = g_malloc (FUZZ_FRAME_MAX + 4096);
  GMainContext *context = g_main_context_new ();
  Outside out = { 0 };
  FuzzTarget targets[2] = { { rand }, { rand } };
  g_autoptr(GError) error = NULL;
  WbTcpStats stats;
  WbGuest *guest;
  guint64 drops;
  gsize heap, len;
  guint8 probe[WB_ETH_HLEN + 28];

  g_main_context_push_thread_default (context);
  guest = wb_guest_new ("fuzz", context, &callbacks, &out);
  /* Reassembly and ARP give up in a hundredth of their time, so that
   * their timeouts run during the test too. */
  _wb_guest_set_time_scale (guest, 0.01);
  wb_guest_add_interface (guest, 0, mac0, WB_ETH_JUMBO_MTU);
  wb_guest_configure_static (guest, 0, IP4 (10, 0, 0, 2), 24);
  wb_guest_set_link (guest, 0, TRUE);
  wb_guest_add_interface (guest, 1, mac1, WB_ETH_MTU);
  wb_guest_configure_dhcp (guest, 1);
  wb_guest_set_link (guest, 1, TRUE);
  wb_guest_set_ip_forward (guest, TRUE);
  wb_guest_set_masquerade (guest, 1, TRUE);
  _wb_guest_icmp_error_watch (guest, icmp_error_cb, &out);
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      static const WbGuestServiceKind kinds[] = {
        WB_GUEST_SERVICE_SSH, WB_GUEST_SERVICE_HTTP, WB_GUEST_SERVICE_ECHO
      };

      g_assert_true (wb_guest_add_service (guest, services[i], kinds[i], &error));
      g_assert_no_error (error);
    }
  iterate (context);

  memcpy (targets[0].mac, mac0, 6);
  targets[0].address = IP4 (10, 0, 0, 2);
  targets[0].peer = IP4 (10, 0, 0, 9);
  targets[0].tcp_ports = services;
  targets[0].n_tcp_ports = G_N_ELEMENTS (services);
  memcpy (targets[1].mac, mac1, 6);
  targets[1].address = IP4 (172, 16, 0, 20);
  targets[1].peer = IP4 (172, 16, 0, 1);
  targets[1].dhcp_server_ip = IP4 (172, 16, 0, 1);
  targets[1].tcp_ports = services;
  targets[1].n_tcp_ports = G_N_ELEMENTS (services);

  heap = fuzz_heap_in_use ();
  drops = _wb_guest_get_drops (guest);
  for (guint i = 0; i < FUZZ_FRAMES; i++)
    {
      guint iface = g_rand_int_range (rand, 0, 4) == 0 ? 1 : 0;

      targets[1].dhcp_xid = out.dhcp_xid;
      len = fuzz_frame (&targets[iface], buf);
      wb_guest_input (guest, iface, len > 0 ? buf : NULL, len);
      if (i % 128 == 127)
        {
          iterate (context);
          assert_bounded (guest);
        }
    }
  iterate (context);
  assert_bounded (guest);

  _wb_tcp_stack_get_stats (_wb_guest_get_tcp (guest), &stats);
  g_test_message ("guest: %" G_GUINT64_FORMAT " dropped, %u frames out, %u DHCP messages, "
                  "%u reassemblies, %u ARP entries, %" G_GUINT64_FORMAT " bad TCP segments, "
                  "%" G_GUINT64_FORMAT " backlog drops, %u half-open, %u sockets, "
                  "%u ICMP errors",
                  _wb_guest_get_drops (guest) - drops, out.frames_out, out.dhcp_messages,
                  g_hash_table_size (guest->reassembly), g_hash_table_size (guest->arp),
                  stats.bad_segments, stats.backlog_drops, stats.half_open, stats.sockets,
                  out.icmp_errors);
  g_assert_cmpuint (_wb_guest_get_drops (guest) - drops, >, FUZZ_FRAMES / 10);
  g_assert_cmpuint (stats.bad_segments, >, 0);
  g_assert_cmpuint (stats.backlog_drops, >, 0);
  g_assert_cmpuint (out.icmp_errors, >, 0);
  g_assert_cmpuint (fuzz_heap_in_use (), <, heap + (48u << 20));

  /* Still at work: it answers ARP for its address. */
  memset (probe, 0xff, 6);
  memcpy (probe + 6, "\x02\x66\x0a\x00\x00\x4d", 6);
  wb_put_be16 (probe + 12, WB_ETHERTYPE_ARP);
  wb_put_be16 (probe + 14, 1);
  wb_put_be16 (probe + 16, WB_ETHERTYPE_IPV4);
  probe[18] = 6;
  probe[19] = 4;
  wb_put_be16 (probe + 20, 1);
  memcpy (probe + 22, probe + 6, 6);
  wb_put_be32 (probe + 28, IP4 (10, 0, 0, 77));
  memset (probe + 32, 0, 6);
  wb_put_be32 (probe + 38, IP4 (10, 0, 0, 2));
  wb_guest_input (guest, 0, probe, sizeof probe);
  iterate (context);
  g_assert_true (out.arp_reply);

  wb_guest_shutdown (guest);
  wb_guest_free (guest);
  iterate (context);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

void
fuzz_guest_add_tests (void)
{
  g_test_add_func ("/fuzz/guest", test_guest);
}
