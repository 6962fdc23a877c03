/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Generic driver's UDP tunnel: its properties and framing against a
 * plain UDP socket, and two VMs whose private segments are joined only by
 * two tunnels on 127.0.0.1 moving 10 MB over the guests' TCP, intact.
 * (Two engine processes and VDE: tests/test_generic.py.)
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wb-error.h"
#include "wb-guest-private.h"
#include "wb-home.h"
#include "wb-model.h"
#include "wb-net.h"
#include "wb-runtime-private.h"
#include "wb-segment.h"
#include "wb-settings.h"
#include "wb-store.h"
#include "wb-tcp.h"
#include "wb-test-runtime.h"
#include "wb-udp-tunnel.h"
#include "wb-vde.h"

#define BULK_SIZE   (10 * 1024 * 1024)
#define BULK_PORT   5001

/* --- helpers ------------------------------------------------------------------- */

static GSocket *
udp_socket (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket_ = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                   G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket_, address, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket_, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket_;
}

/* A UDP port free on 127.0.0.1 now. */
static guint16
free_port (void)
{
  guint16 port;
  g_autoptr(GSocket) socket_ = udp_socket (&port);

  return port;
}

static GPtrArray *
props_new (const char *first,
           ...)
{
  GPtrArray *props = g_ptr_array_new ();
  const char *name = first;
  va_list args;

  va_start (args, first);
  while (name != NULL)
    {
      WbProperty *prop = g_new0 (WbProperty, 1);

      prop->name = g_strdup (name);
      prop->value = g_strdup (va_arg (args, const char *));
      g_ptr_array_add (props, prop);
      name = va_arg (args, const char *);
    }
  va_end (args);
  return props;
}

static void
props_free (GPtrArray *props)
{
  for (guint i = 0; i < props->len; i++)
    {
      WbProperty *prop = g_ptr_array_index (props, i);

      g_free (prop->name);
      g_free (prop->value);
      g_free (prop);
    }
  g_ptr_array_unref (props);
}

static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

/* --- the tunnel alone ---------------------------------------------------------- */

static void
count_cb (gpointer      user_data,
          const guint8 *frame,
          gsize         len)
{
  GPtrArray *frames = user_data;

  g_ptr_array_add (frames, g_bytes_new (frame, len));
}

static void
test_properties (void)
{
  WbSegment *segment = wb_segment_new ("t", WB_ETH_JUMBO_MTU, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) holder = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *expected = NULL;
  guint16 port;
  struct { const char *name, *value, *message; } bad[] = {
    { "dest", "localhost", "UDP tunnel: dest 'localhost' is not an IPv4 address" },
    { "dest", "::1", "UDP tunnel: dest '::1' is not an IPv4 address" },
    { "sport", "0", "UDP tunnel: sport '0' is not a port number" },
    { "dport", "65536", "UDP tunnel: dport '65536' is not a port number" },
    { "sport", "44x", "UDP tunnel: sport '44x' is not a port number" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GPtrArray *props = props_new (bad[i].name, bad[i].value, NULL);

      g_assert_null (wb_udp_tunnel_open (segment, props, &error));
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_str_has_prefix (error->message, bad[i].message));
      g_clear_error (&error);
      props_free (props);
    }

  /* A port in use: the system's words, and no tunnel. */
  holder = udp_socket (&port);
  port_text = g_strdup_printf ("%u", port);
  {
    GPtrArray *props = props_new ("sport", port_text, NULL);

    g_assert_null (wb_udp_tunnel_open (segment, props, &error));
    props_free (props);
  }
  expected = g_strdup_printf ("UDP tunnel: cannot listen on 127.0.0.1:%u: "
                              "Address already in use", port);
  g_assert_error (error, WB_ERROR, WB_ERROR_PORT_IN_USE);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpuint (wb_segment_get_n_ports (segment), ==, 0);
  wb_segment_free (segment);
}

static void
test_framing (void)
{
  WbSegment *segment = wb_segment_new ("t", WB_ETH_JUMBO_MTU, NULL);
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) peer = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to_tunnel = NULL;
  g_autofree char *sport = NULL;
  g_autofree char *dport = NULL;
  g_autofree char *description = NULL;
  g_autofree guint8 *big = g_malloc0 (WB_ETH_HLEN + WB_ETH_JUMBO_MTU + 100);
  static const guint8 bcast[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  guint8 frame[60] = { 0 };
  guint8 back[100];
  WbUdpTunnelCounters counters;
  WbSegmentPort *port;
  WbUdpTunnel *tunnel;
  guint16 peer_port, tunnel_port = free_port ();
  GPtrArray *props;
  gssize n;

  peer = udp_socket (&peer_port);
  sport = g_strdup_printf ("%u", tunnel_port);
  dport = g_strdup_printf ("%u", peer_port);
  props = props_new ("dest", "127.0.0.1", "dport", dport, "sport", sport, NULL);
  tunnel = wb_udp_tunnel_open (segment, props, &error);
  props_free (props);
  g_assert_no_error (error);
  description = g_strdup_printf ("UDP tunnel to 127.0.0.1:%s from 127.0.0.1:%s",
                                 dport, sport);
  g_assert_cmpstr (wb_udp_tunnel_get_description (tunnel), ==, description);
  port = wb_segment_add_port (segment, WB_PORT_VM, WB_PORT_FLAGS_NONE,
                              (const guint8 *) "\x08\x00\x27\x00\x00\x01",
                              count_cb, frames);

  /* In: a frame, a runt and one above the MTU; one datagram each. */
  to_tunnel = g_inet_socket_address_new (loopback, tunnel_port);
  memcpy (frame, bcast, sizeof bcast);
  frame[12] = 0x08;
  frame[13] = 0x06;
  g_assert_cmpint (g_socket_send_to (peer, to_tunnel, (char *) frame, sizeof frame, NULL, &error), ==, sizeof frame);
  g_assert_cmpint (g_socket_send_to (peer, to_tunnel, (char *) frame, 5, NULL, &error), ==, 5);
  memcpy (big, bcast, sizeof bcast);
  g_assert_cmpint (g_socket_send_to (peer, to_tunnel, (char *) big,
                                     WB_ETH_HLEN + WB_ETH_JUMBO_MTU + 100, NULL, &error),
                   ==, WB_ETH_HLEN + WB_ETH_JUMBO_MTU + 100);
  g_assert_no_error (error);
  run_for (100);
  g_assert_cmpuint (frames->len, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (frames->pdata[0]), ==, sizeof frame);
  wb_udp_tunnel_get_counters (tunnel, &counters);
  g_assert_cmpuint (counters.uplink.frames_in, ==, 1);
  g_assert_cmpuint (counters.runts, ==, 1);
  g_assert_cmpuint (counters.oversize, ==, 1);

  /* Out: one frame, one datagram, to dest:dport. */
  frame[6] = 0x08;
  frame[11] = 0x01;
  wb_segment_port_send (port, frame, sizeof frame);
  run_for (100);
  n = g_socket_receive (peer, (char *) back, sizeof back, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, sizeof frame);
  g_assert_cmpmem (back, n, frame, sizeof frame);

  wb_segment_remove_port (port);
  wb_udp_tunnel_free (tunnel);
  wb_segment_free (segment);
}

static void
test_vde_support (void)
{
  WbSegment *segment = wb_segment_new ("t", WB_ETH_JUMBO_MTU, NULL);
  g_autoptr(GError) error = NULL;
  GPtrArray *props = props_new ("network", "/nonexistent/wirebox-switch", NULL);

  g_assert_null (wb_vde_open (segment, props, "test", &error));
  if (wb_vde_is_supported ())
    g_assert_error (error, WB_ERROR, WB_ERROR_FAILED);
  else
    g_assert_error (error, WB_ERROR, WB_ERROR_NOT_SUPPORTED);
  g_test_message ("%s", error->message);
  props_free (props);
  wb_segment_free (segment);
}

/* --- two VMs, two tunnels, 10 MB ------------------------------------------------- */

static void
tunnel_vm (WbSettings *settings,
           const char *name,
           guint16     sport,
           guint16     dport,
           const char *address)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wb_settings_create_vm (settings, name, TRUE, &error);
  g_autofree char *s = g_strdup_printf ("sport=%u", sport);
  g_autofree char *d = g_strdup_printf ("dport=%u", dport);
  WbVmChange changes[] = {
    { "nic", 1, "generic" },
    { "nicgenericdrv", 1, "UDPTunnel" },
    { "nicproperty", 1, s },
    { "nicproperty", 1, d },
    { "nicproperty", 1, "dest=127.0.0.1" },
  };
  WbVmChange guest[] = { { "guestip", 1, address } };

  g_assert_no_error (error);
  g_assert_true (wb_settings_modify_vm (settings, name, changes, G_N_ELEMENTS (changes), &error));
  g_assert_no_error (error);
  g_assert_true (wb_settings_configure_guest (settings, name, guest, 1, &error));
  g_assert_no_error (error);
}

static void
test_bulk_through_tunnels (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = wb_home_get_dir ();
  g_autofree char *db = NULL;
  WbStore *store;
  WbSettings *settings;
  WbRuntime *runtime;
  guint16 pa = free_port (), pb = free_port ();
  WbTestBulkReceiver receiver = { g_checksum_new (G_CHECKSUM_SHA256) };
  WbTestBulkSender sender = { 0 };
  gint64 start, deadline;
  double seconds;

  while (pb == pa)
    pb = free_port ();
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  db = wb_home_get_db_path ();
  store = wb_store_open (db, &error);
  g_assert_no_error (error);
  settings = wb_settings_new (store);
  runtime = wb_runtime_new (settings);

  tunnel_vm (settings, "A", pa, pb, "10.9.0.1/24");
  tunnel_vm (settings, "B", pb, pa, "10.9.0.2/24");
  g_assert_true (wb_runtime_start_vm (runtime, "A", &error));
  g_assert_no_error (error);
  g_assert_true (wb_runtime_start_vm (runtime, "B", &error));
  g_assert_no_error (error);
  /* Two private segments: nothing joins them but the tunnels. */
  g_assert_cmpuint (_wb_runtime_get_n_networks (runtime), ==, 2);

  g_assert_true (wb_tcp_listen (_wb_runtime_get_guest (runtime, "B"), BULK_PORT,
                                wb_test_bulk_accept_cb, &receiver, &error));
  g_assert_no_error (error);
  wb_test_bulk_sender_init (&sender, BULK_SIZE, 11);
  sender.socket = wb_tcp_connect (_wb_runtime_get_guest (runtime, "A"), 0x0a090002,
                                  BULK_PORT, &wb_test_bulk_sender_callbacks, &sender,
                                  &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  deadline = start + 120 * G_USEC_PER_SEC;
  while (!(receiver.closed && sender.closed) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%d bytes through two UDP tunnels in %.2f s", BULK_SIZE, seconds);

  g_assert_no_error (receiver.error);
  g_assert_no_error (sender.error);
  g_assert_true (receiver.eof);
  g_assert_cmpuint (receiver.received, ==, BULK_SIZE);
  g_assert_cmpstr (g_checksum_get_string (receiver.sum), ==,
                   g_checksum_get_string (sender.sum));

  wb_tcp_unlisten (_wb_runtime_get_guest (runtime, "B"), BULK_PORT);
  wb_runtime_shutdown (runtime);
  g_assert_cmpuint (_wb_runtime_get_n_networks (runtime), ==, 0);
  g_object_unref (runtime);
  g_object_unref (settings);
  g_object_unref (store);
  wb_test_run_pending ();
  g_checksum_free (receiver.sum);
  wb_test_bulk_sender_clear (&sender);
  wb_test_runtime_rm_rf (home);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("wirebox-test-generic-XXXXXX", NULL);
  int status;

  g_setenv ("WIREBOX_HOME", home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/generic/udp-tunnel/properties", test_properties);
  g_test_add_func ("/generic/udp-tunnel/framing", test_framing);
  g_test_add_func ("/generic/vde/support", test_vde_support);
  g_test_add_func ("/generic/udp-tunnel/bulk-10MB", test_bulk_through_tunnels);
  status = g_test_run ();
  wb_test_runtime_rm_rf (home);
  return status;
}
