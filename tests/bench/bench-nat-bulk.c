/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Guest -> host TCP bulk through NAT (issue 4, "Speed"), the engine's part:
 * a guest behind a virtio adapter on a NAT network, assembled as the
 * runtime does (segment, libslirp, NIC model, guest), pushes N MB to a sink
 * thread on the host's 127.0.0.1 through the gateway 10.0.2.2 (host
 * loopback on). One line per MTU; bench_nat_bulk.py puts them beside
 * slirp4netns. No assertions: an MTU the adapter or libslirp glue does not
 * carry yet is reported as such.
 *
 *   bench-nat-bulk MB MTU...
 */
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

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
#define CHUNK     (256 * 1024)

static const guint8 guest_mac[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x01 };

typedef struct
{
  WbNic       *nic;
  WbGuest     *guest;
  gsize        largest;     /* the longest frame the guest sent */
  guint64      to_send;
  gboolean     failed;
  GSocket     *listener;
  guint64      expected;
  gint         done;        /* atomic: the sink has it all */
  gint64       end;
} Bench;

static void
transmit_cb (gpointer      user_data,
             guint         iface,
             const guint8 *frame,
             gsize         len)
{
  Bench *bench = user_data;

  bench->largest = MAX (bench->largest, len);
  wb_nic_transmit (bench->nic, frame, len);
}

static void
receive_cb (gpointer      user_data,
            const guint8 *frame,
            gsize         len)
{
  Bench *bench = user_data;

  wb_guest_input (bench->guest, 0, frame, len);
}

static void
send_more (WbTcpSocket *socket,
           Bench       *bench)
{
  static guint8 chunk[CHUNK];

  while (bench->to_send > 0)
    {
      gsize n = wb_tcp_send (socket, chunk, (gsize) MIN (bench->to_send, CHUNK));

      if (n == 0)
        return;
      bench->to_send -= n;
    }
  wb_tcp_shutdown (socket);
}

static void
connected_cb (WbTcpSocket *socket,
              gpointer     user_data)
{
  send_more (socket, user_data);
}

static void
writable_cb (WbTcpSocket *socket,
             gpointer     user_data)
{
  send_more (socket, user_data);
}

static void
received_cb (WbTcpSocket  *socket,
             const guint8 *data,
             gsize         len,
             gpointer      user_data)
{
}

static void
closed_cb (WbTcpSocket  *socket,
           const GError *error,
           gpointer      user_data)
{
  Bench *bench = user_data;

  /* Once the sink has it all, the guest stopping under a lingering close
   * is no failure. */
  if (error != NULL && !g_atomic_int_get (&bench->done))
    {
      g_printerr ("guest connection: %s\n", error->message);
      bench->failed = TRUE;
      g_main_context_wakeup (NULL);
    }
}

/* The sink: a plain blocking reader, as a host program would be. */
static gpointer
sink_thread (gpointer data)
{
  Bench *bench = data;
  g_autoptr(GSocket) accepted = g_socket_accept (bench->listener, NULL, NULL);
  g_autofree char *buf = g_malloc (1 << 20);
  guint64 got = 0;
  gssize n = 1;

  while (accepted != NULL && n > 0)
    {
      n = g_socket_receive (accepted, buf, 1 << 20, NULL, NULL);
      if (n > 0)
        got += (guint64) n;
    }
  bench->end = g_get_monotonic_time ();
  if (got != bench->expected)
    {
      g_printerr ("sink: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes\n",
                  got, bench->expected);
      bench->failed = TRUE;
    }
  g_atomic_int_set (&bench->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
run (guint   mtu,
     guint64 bytes)
{
  static const WbNicCallbacks nic_callbacks = { .receive = receive_cb };
  static const WbGuestCallbacks guest_callbacks = { .transmit = transmit_cb };
  static const WbTcpCallbacks tcp_callbacks = {
    .connected = connected_cb, .received = received_cb,
    .writable = writable_cb, .closed = closed_cb,
  };
  WbSlirpConfig config = {
    .network = NET, .prefix = 24, .host = HOST, .nameserver = DNS,
    .dhcp_start = GUEST, .host_loopback = TRUE, .mtu = mtu,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  Bench bench = { .to_send = bytes, .expected = bytes };
  GThread *sink;
  WbSegment *segment;
  WbSlirp *slirp;
  gint64 start;
  guint carried;

  segment = wb_segment_new ("nat:bench", mtu, NULL);
  slirp = wb_slirp_new (segment, &config, NULL, NULL, &error);
  if (slirp == NULL)
    {
      g_print ("MTU %5u: not available yet (NAT engine: %s)\n", mtu, error->message);
      wb_segment_free (segment);
      return;
    }
  bench.nic = wb_nic_new (WB_NIC_TYPE_VIRTIO, guest_mac, &nic_callbacks, &bench);
  bench.guest = wb_guest_new ("bench", NULL, &guest_callbacks, &bench);
  wb_guest_add_interface (bench.guest, 0, guest_mac, mtu);
  wb_guest_configure_static (bench.guest, 0, GUEST, 24);
  wb_guest_set_gateway (bench.guest, 0, HOST);
  wb_nic_attach (bench.nic, segment);
  wb_guest_set_link (bench.guest, 0, TRUE);
  carried = wb_nic_get_max_payload (bench.nic);

  bench.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (bench.listener, bound, TRUE, &error));
  g_assert_true (g_socket_listen (bench.listener, &error));
  local = g_socket_get_local_address (bench.listener, &error);
  g_assert_no_error (error);
  sink = g_thread_new ("sink", sink_thread, &bench);

  start = g_get_monotonic_time ();
  if (wb_tcp_connect (bench.guest, HOST,
                      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)),
                      &tcp_callbacks, &bench, &error) == NULL)
    {
      g_printerr ("connect: %s\n", error->message);
      bench.failed = TRUE;
      g_socket_close (bench.listener, NULL);
    }
  while (!g_atomic_int_get (&bench.done) && !bench.failed)
    g_main_context_iteration (NULL, TRUE);
  if (bench.failed)
    g_socket_shutdown (bench.listener, TRUE, TRUE, NULL);
  g_thread_join (sink);

  if (bench.failed)
    g_print ("MTU %5u: failed (see above)\n", mtu);
  else
    g_print ("MTU %5u: %.2f Gbit/s (%" G_GUINT64_FORMAT " MB in %.2f s; largest guest "
             "frame %" G_GSIZE_FORMAT " bytes; the adapter carries %u)%s\n",
             mtu, bytes * 8.0 / ((bench.end - start) * 1000.0), bytes >> 20,
             (bench.end - start) / 1e6, bench.largest, carried,
             carried < mtu ? " -- this MTU is not available yet" : "");

  g_object_unref (bench.listener);
  wb_guest_shutdown (bench.guest);
  wb_guest_free (bench.guest);
  wb_nic_free (bench.nic);
  wb_slirp_free (slirp);
  wb_segment_free (segment);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int    argc,
      char **argv)
{
  guint64 mb;

  if (argc < 3)
    {
      g_printerr ("usage: bench-nat-bulk MB MTU...\n");
      return 2;
    }
  mb = g_ascii_strtoull (argv[1], NULL, 10);
  for (int i = 2; i < argc; i++)
    run ((guint) g_ascii_strtoull (argv[i], NULL, 10), mb << 20);
  return 0;
}
