/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The running world end to end: VMs made with the settings, started by the
 * runtime on this thread's default context, driven with guestcontrol
 * commands as a user would. The only real sockets are on 127.0.0.1 (the
 * host-only relay's peer).
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wb-error.h"
#include "wb-guest-private.h"
#include "wb-home.h"
#include "wb-net.h"
#include "wb-runtime-private.h"
#include "wb-settings.h"
#include "wb-store.h"
#include "wb-tcp.h"
#include "wb-test-runtime.h"

#define IP_PROPERTY "/VirtualBox/GuestInfo/Net/0/V4/IP"

typedef WbTestFixture Fixture;

static guint64
nic_drops (Fixture    *f,
           const char *name,
           guint       slot,
           const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats = wb_runtime_get_nic_stats (f->runtime, name, &error);
  GVariantIter iter;
  GVariant *nic;

  g_assert_no_error (error);
  g_variant_iter_init (&iter, stats);
  while ((nic = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariantDict) dict = g_variant_dict_new (nic);
      g_autoptr(GVariant) drops = NULL;
      guint32 nic_slot = 0;
      guint64 count = 0;

      g_variant_unref (nic);
      g_assert_true (g_variant_dict_lookup (dict, "slot", "u", &nic_slot));
      if (nic_slot != slot)
        continue;
      drops = g_variant_dict_lookup_value (dict, "drops", G_VARIANT_TYPE ("a{st}"));
      g_assert_nonnull (drops);
      g_assert_true (g_variant_lookup (drops, reason, "t", &count));
      return count;
    }
  g_assert_not_reached ();
}

static char *
temp_path (Fixture    *f,
           const char *file)
{
  return g_build_filename (f->home, file, NULL);
}

/* --- pcap reading ------------------------------------------------------------- */

static guint32
get_le32 (const guint8 *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (guint32) p[3] << 24;
}

/* The frames of a pcap file (GBytes*). */
static GPtrArray *
read_pcap (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize length, offset = 24;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, >=, 24);
  g_assert_cmphex (get_le32 ((const guint8 *) contents), ==, 0xa1b2c3d4);
  while (offset + 16 <= length)
    {
      guint32 caplen = get_le32 ((const guint8 *) contents + offset + 8);

      g_assert_cmpuint (offset + 16 + caplen, <=, length);
      g_ptr_array_add (frames, g_bytes_new (contents + offset + 16, caplen));
      offset += 16 + caplen;
    }
  g_assert_cmpuint (offset, ==, length);
  return frames;
}

static gboolean
is_icmp_echo (GBytes *frame,
              guint8  type)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (frame, &len);

  return len >= 14 + 20 + 8 && wb_get_be16 (data + 12) == WB_ETHERTYPE_IPV4
         && data[14 + 9] == WB_IP_PROTO_ICMP && data[14 + 20] == type;
}

static void
adapter_mac (Fixture    *f,
             const char *name,
             guint8      mac[WB_ETH_ALEN])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = wb_settings_get_vm (f->settings, name, &error);

  g_assert_no_error (error);
  g_assert_true (wb_mac_from_hex (vm->adapters[0].mac, mac));
}

static void
check_tshark (const char *path)
{
  g_autofree char *tshark = g_find_program_in_path ("tshark");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status;

  if (tshark == NULL)
    {
      g_test_message ("tshark not installed: %s not read with it", path);
      return;
    }
  {
    const char *argv[] = { tshark, "-o", "ip.check_checksum:TRUE",
                           "-o", "tcp.check_checksum:TRUE",
                           "-o", "udp.check_checksum:TRUE",
                           "-r", path, "-T", "fields", "-e", "_ws.expert.message", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, &error));
    g_assert_no_error (error);
    g_assert_null (strstr (out, "alformed"));
    g_assert_null (strstr (out, "Bad checksum"));
    g_assert_null (strstr (out, "incorrect"));
  }
}

/* --- tests ---------------------------------------------------------------- */

static void
test_lifecycle (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = NULL;
  g_autofree char *log_dir = wb_home_get_logs_dir ();
  g_autofree char *log_path = g_build_filename (log_dir, "a_b.log", NULL);
  g_autofree char *log = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_autofree char *ip = NULL;

  wb_test_create_intnet_vm (f, "a/b", "life", "10.1.1.1/24", NULL);

  g_assert_false (wb_runtime_poweroff_vm (f->runtime, "a/b", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_false (wb_runtime_start_vm (f->runtime, "nobody", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  wb_test_start_vm (f, "a/b");
  g_assert_cmpuint (f->state_changes, ==, 1);
  g_assert_cmpuint (wb_runtime_get_n_running (f->runtime), ==, 1);
  g_assert_cmpuint (_wb_runtime_get_n_networks (f->runtime), ==, 1);
  vm = wb_settings_get_vm (f->settings, "a/b", &error);
  g_assert_true (vm->running);
  g_assert_true (wb_runtime_is_running (f->runtime, vm->uuid));
  g_assert_false (wb_runtime_start_vm (f->runtime, "a/b", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  g_clear_error (&error);

  /* modifyvm on a running VM is refused and names controlvm. */
  {
    WbVmChange change = { "nicpromisc", 1, "allow-all" };

    g_assert_false (wb_settings_modify_vm (f->settings, "a/b", &change, 1, &error));
    g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
    g_assert_nonnull (strstr (error->message, "controlvm"));
    g_clear_error (&error);
  }

  /* A static address is a property at once. */
  ip = wb_test_wait_property (f, "a/b", IP_PROPERTY, 1000);
  g_assert_cmpstr (ip, ==, "10.1.1.1");
  properties = wb_runtime_get_properties (f->runtime, vm->uuid, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (properties, G_VARIANT_TYPE ("a{ss}")));
  g_assert_null (wb_test_wait_property (f, "a/b", "/No/Such/*", 50));

  g_assert_true (wb_runtime_reset_vm (f->runtime, "a/b", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->state_changes, ==, 3);
  g_assert_cmpuint (wb_runtime_get_n_running (f->runtime), ==, 1);

  wb_test_poweroff_vm (f, "a/b");
  g_assert_cmpuint (f->state_changes, ==, 4);
  g_assert_cmpuint (wb_runtime_get_n_running (f->runtime), ==, 0);
  g_assert_cmpuint (_wb_runtime_get_n_networks (f->runtime), ==, 0);
  g_clear_pointer (&vm, wb_vm_free);
  vm = wb_settings_get_vm (f->settings, "a/b", &error);
  g_assert_false (vm->running);
  g_assert_null (wb_runtime_get_properties (f->runtime, "a/b", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  g_clear_error (&error);

  /* The log's name is the VM's, made safe. */
  g_assert_true (g_file_get_contents (log_path, &log, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "Running"));
  g_assert_nonnull (strstr (log, "Adapter 1: attached to internal network 'life'"));
  g_assert_nonnull (strstr (log, "Adapter 1: link up"));
  g_assert_nonnull (strstr (log, "Stopped"));
}

static void
test_not_yet_modes (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autofree char *log_dir = wb_home_get_logs_dir ();
  g_autofree char *log_path = g_build_filename (log_dir, "natvm.log", NULL);
  g_autofree char *log = NULL;
  gboolean link = TRUE;

  /* A new VM's adapter 1 is NAT. */
  wb_test_create_vm (f, "natvm");
  wb_test_start_vm (f, "natvm");
  stats = wb_runtime_get_nic_stats (f->runtime, "natvm", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (stats), ==, 1);
  {
    g_autoptr(GVariant) nic = g_variant_get_child_value (stats, 0);

    g_assert_true (g_variant_lookup (nic, "link", "b", &link));
    g_assert_true (link);
  }
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "Adapter 1: attached to NAT 10.0.2.0/24"));

  /* A host-only interface that does not exist fails the start. */
  wb_test_create_vm (f, "ghost");
  wb_test_modify_vm (f, "ghost", "nic", 1u, "hostonly", "hostonlyadapter", 1u, "vboxnet7");
  g_assert_false (wb_runtime_start_vm (f->runtime, "ghost", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_false (wb_runtime_is_running (f->runtime, "ghost"));
}

static void
test_internal_network (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *output = NULL;

  wb_test_create_intnet_vm (f, "vm1", "intnet", "192.168.23.1/24", NULL);
  wb_test_configure_guest (f, "vm1", "ipforward", 0u, "on");
  wb_test_create_intnet_vm (f, "vm2", "intnet", "192.168.23.2/24", "192.168.23.1");
  wb_test_create_intnet_vm (f, "vm3", "intnet", "192.168.23.3/24", "192.168.23.1");
  wb_test_create_intnet_vm (f, "vm4", "elsewhere", "192.168.23.4/24", NULL);
  wb_test_start_vm (f, "vm1");
  wb_test_start_vm (f, "vm2");
  wb_test_start_vm (f, "vm3");
  wb_test_start_vm (f, "vm4");
  g_assert_cmpuint (_wb_runtime_get_n_networks (f->runtime), ==, 2);

  g_assert_cmpint (wb_test_guest_run (f, "vm2", "ping -c 3 -i 0.2 192.168.23.3", &output), ==, 0);
  g_assert_nonnull (strstr (output, "3 received"));
  g_clear_pointer (&output, g_free);
  g_assert_cmpint (wb_test_guest_run (f, "vm2", "ping -c 1 192.168.23.1", NULL), ==, 0);

  g_assert_cmpint (wb_test_guest_run (f, "vm2", "tcp 192.168.23.3 22", &output), ==, 0);
  g_assert_true (g_str_has_prefix (output, "SSH-2.0-Wirebox_guest vm3"));
  g_clear_pointer (&output, g_free);

  g_assert_cmpint (wb_test_guest_run (f, "vm4", "ping -c 1 -W 1 192.168.23.1", NULL), ==, 1);
  g_assert_cmpint (wb_test_guest_run (f, "vm4", "ping -c 1 -W 1 192.168.23.2", NULL), ==, 1);
  g_assert_cmpint (wb_test_guest_run (f, "vm4", "ping -c 1 -W 1 192.168.23.3", NULL), ==, 1);
}

/* --- bulk TCP ------------------------------------------------------------------ */

static void
bulk_transfer (Fixture    *f,
               const char *from,
               const char *to,
               guint32     to_address,
               gsize       size)
{
  g_autoptr(GError) error = NULL;
  WbGuest *server = _wb_runtime_get_guest (f->runtime, to);
  WbGuest *client = _wb_runtime_get_guest (f->runtime, from);
  WbTestBulkReceiver receiver = { g_checksum_new (G_CHECKSUM_SHA256), size };
  WbTestBulkSender sender = { 0 };
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + 300 * G_USEC_PER_SEC;
  double seconds;

  wb_test_bulk_sender_init (&sender, size, 7);
  g_assert_true (wb_tcp_listen (server, 5001, wb_test_bulk_accept_cb, &receiver, &error));
  g_assert_no_error (error);
  sender.socket = wb_tcp_connect (client, to_address, 5001, &wb_test_bulk_sender_callbacks,
                                  &sender, &error);
  g_assert_no_error (error);

  while (!(receiver.closed && sender.closed) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%zu bytes in %.2f s (%.1f Mbit/s)", size, seconds,
                  size * 8 / seconds / 1e6);

  g_assert_no_error (receiver.error);
  g_assert_no_error (sender.error);
  g_assert_true (receiver.eof);
  g_assert_cmpuint (receiver.received, ==, size);
  g_assert_cmpstr (g_checksum_get_string (receiver.sum), ==,
                   g_checksum_get_string (sender.sum));
  wb_tcp_unlisten (server, 5001);
  g_checksum_free (receiver.sum);
  wb_test_bulk_sender_clear (&sender);
}

/* --- the real host's side of the host-only relay ------------------------------ */

#define BIG_BODY_SIZE (4 * 1024 * 1024)

typedef struct
{
  GSocket      *socket;
  GCancellable *cancellable;
  GThread      *thread;
  guint16       port;
  guint         requests;
} HostResponder;

static char *
big_body (void)
{
  char *body = g_malloc (BIG_BODY_SIZE + 1);

  for (gsize i = 0; i < BIG_BODY_SIZE; i++)
    body[i] = (i % 64 == 63) ? '\n' : 'a' + i % 26;
  body[BIG_BODY_SIZE] = '\0';
  return body;
}

static gboolean
send_all (GSocket      *socket,
          const char   *data,
          gsize         len,
          GCancellable *cancellable)
{
  while (len > 0)
    {
      gssize n = g_socket_send (socket, data, len, cancellable, NULL);

      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* "GET /" answers a short page, "GET /big" a 4 MB one; anything else is
 * a sink that answers the SHA-256 of all it got once the peer shut down
 * its side. */
static void
serve (HostResponder *responder,
       GSocket       *client)
{
  g_autoptr(GString) request = g_string_new (NULL);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *body = NULL;
  g_autofree char *head = NULL;
  char buffer[65536];
  gssize n;

  while (request->len < 4
         && (n = g_socket_receive (client, buffer, sizeof buffer,
                                   responder->cancellable, NULL)) > 0)
    g_string_append_len (request, buffer, n);

  if (!g_str_has_prefix (request->str, "GET "))
    {
      g_checksum_update (sum, (const guchar *) request->str, request->len);
      while ((n = g_socket_receive (client, buffer, sizeof buffer,
                                    responder->cancellable, NULL)) > 0)
        g_checksum_update (sum, (const guchar *) buffer, (gsize) n);
      send_all (client, g_checksum_get_string (sum), 64, responder->cancellable);
      return;
    }

  while (strstr (request->str, "\r\n\r\n") == NULL
         && (n = g_socket_receive (client, buffer, sizeof buffer,
                                   responder->cancellable, NULL)) > 0)
    g_string_append_len (request, buffer, n);
  /* Counted before answering: the guest may be done with the answer
   * before this thread gets to close the connection. */
  g_atomic_int_inc (&responder->requests);
  body = g_str_has_prefix (request->str, "GET /big ") ? big_body ()
                                                      : g_strdup ("hello from the host\n");
  head = g_strdup_printf ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                          strlen (body));
  if (send_all (client, head, strlen (head), responder->cancellable))
    send_all (client, body, strlen (body), responder->cancellable);
}

static gpointer
host_responder_thread (gpointer data)
{
  HostResponder *responder = data;

  for (;;)
    {
      g_autoptr(GSocket) client = g_socket_accept (responder->socket,
                                                   responder->cancellable, NULL);

      if (client == NULL)
        return NULL;
      serve (responder, client);
      g_socket_close (client, NULL);
    }
}

/* On its own thread, so that the engine's context is never blocked. */
static void
host_responder_start (HostResponder *responder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;

  responder->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                    G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (responder->socket, address, TRUE, &error));
  g_assert_true (g_socket_listen (responder->socket, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (responder->socket, &error);
  responder->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  responder->cancellable = g_cancellable_new ();
  responder->thread = g_thread_new ("host-responder", host_responder_thread, responder);
}

static void
host_responder_stop (HostResponder *responder)
{
  g_cancellable_cancel (responder->cancellable);
  g_thread_join (responder->thread);
  g_socket_close (responder->socket, NULL);
  g_clear_object (&responder->socket);
  g_clear_object (&responder->cancellable);
}

/* A UDP echo on 127.0.0.1, served from this thread's context. */
static gboolean
udp_echo_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  g_autoptr(GSocketAddress) from = NULL;
  char buffer[2048];
  gssize n;

  n = g_socket_receive_from (socket, &from, buffer, sizeof buffer, NULL, NULL);
  if (n > 0)
    g_socket_send_to (socket, from, buffer, (gsize) n, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  guint32  from;
  guint16  from_port;
  GString *data;
} UdpReply;

static void
udp_reply_cb (WbGuest      *guest,
              guint         iface,
              guint32       src,
              guint16       src_port,
              guint32       dst,
              guint16       dst_port,
              const guint8 *data,
              gsize         len,
              gpointer      user_data)
{
  UdpReply *reply = user_data;

  reply->from = src;
  reply->from_port = src_port;
  g_string_append_len (reply->data, (const char *) data, len);
}

static void
test_udp_relay (WbGuest *guest)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) echo = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                          G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSource) source = NULL;
  UdpReply reply = { 0, 0, g_string_new (NULL) };
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint16 port;

  g_assert_true (g_socket_bind (echo, address, TRUE, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (echo, FALSE);
  bound = g_socket_get_local_address (echo, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  source = g_socket_create_source (echo, G_IO_IN, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (udp_echo_cb), NULL, NULL);
  g_source_attach (source, NULL);

  g_assert_true (_wb_guest_udp_bind (guest, 40000, udp_reply_cb, &reply, &error));
  g_assert_true (_wb_guest_udp_send (guest, 0, 40000, 0xc0a83801, port,
                                     (const guint8 *) "over the relay", 14, &error));
  g_assert_no_error (error);
  while (reply.data->len == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (reply.data->str, ==, "over the relay");
  g_assert_cmphex (reply.from, ==, 0xc0a83801);
  g_assert_cmpuint (reply.from_port, ==, port);

  _wb_guest_udp_unbind (guest, 40000);
  g_source_destroy (source);
  g_string_free (reply.data, TRUE);
}

static void
test_host_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ifname = wb_settings_create_host_only_if (f->settings, &error);
  g_autofree char *ip_a = NULL;
  g_autofree char *ip_b = NULL;
  g_autofree char *output = NULL;
  g_autofree char *command = NULL;
  g_autofree char *expected = NULL;
  HostResponder responder = { 0 };
  WbTestBulkSender sender = { 0 };
  gint64 deadline;

  g_assert_no_error (error);
  g_assert_cmpstr (ifname, ==, "vboxnet0");
  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "hostonly-a" : "hostonly-b";

      wb_test_create_vm (f, name);
      wb_test_modify_vm (f, name, "nic", 1u, "hostonly", "hostonlyadapter", 1u, ifname);
    }

  wb_test_start_vm (f, "hostonly-a");
  ip_a = wb_test_wait_property (f, "hostonly-a", IP_PROPERTY, 10000);
  wb_test_start_vm (f, "hostonly-b");
  ip_b = wb_test_wait_property (f, "hostonly-b", IP_PROPERTY, 10000);
  g_assert_cmpstr (ip_a, ==, "192.168.56.101");
  g_assert_cmpstr (ip_b, ==, "192.168.56.102");

  g_assert_cmpint (wb_test_guest_run (f, "hostonly-a", "ping -c 2 -i 0.2 192.168.56.102", NULL), ==, 0);
  g_assert_cmpint (wb_test_guest_run (f, "hostonly-b", "ping -c 2 -i 0.2 192.168.56.101", NULL), ==, 0);
  g_assert_cmpint (wb_test_guest_run (f, "hostonly-a", "ping -c 2 -i 0.2 192.168.56.1", NULL), ==, 0);

  /* The relay reaches the real host's 127.0.0.1 (and only that). */
  host_responder_start (&responder);
  command = g_strdup_printf ("http http://192.168.56.1:%u/", responder.port);
  g_assert_cmpint (wb_test_guest_run (f, "hostonly-a", command, &output), ==, 0);
  g_assert_nonnull (strstr (output, "hello from the host"));
  g_assert_cmpuint (g_atomic_int_get (&responder.requests), ==, 1);

  /* Host to guest: more than the guest's buffers hold at once. */
  g_clear_pointer (&command, g_free);
  g_clear_pointer (&output, g_free);
  command = g_strdup_printf ("http http://192.168.56.1:%u/big", responder.port);
  g_assert_cmpint (wb_test_guest_run (f, "hostonly-b", command, &output), ==, 0);
  expected = big_body ();
  g_assert_cmpuint (strlen (output), ==, BIG_BODY_SIZE);
  g_assert_true (strcmp (output, expected) == 0);

  /* Guest to host, then the host's answer after the guest's FIN. */
  wb_test_bulk_sender_init (&sender, 8 * 1024 * 1024, 7);
  sender.socket = wb_tcp_connect (_wb_runtime_get_guest (f->runtime, "hostonly-a"),
                                  0xc0a83801, responder.port, &wb_test_bulk_sender_callbacks,
                                  &sender, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!sender.closed && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (sender.error);
  g_assert_cmpstr (sender.reply->str, ==, g_checksum_get_string (sender.sum));
  wb_test_bulk_sender_clear (&sender);

  /* The per-interface switch turns the relay off at once, and on again. */
  g_assert_true (wb_settings_set_host_only_relay (f->settings, "vboxnet0", FALSE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&command, g_free);
  g_clear_pointer (&output, g_free);
  command = g_strdup_printf ("http http://192.168.56.1:%u/", responder.port);
  g_assert_cmpint (wb_test_guest_run (f, "hostonly-a", command, &output), !=, 0);
  g_assert_nonnull (strstr (output, "refused"));
  g_assert_cmpint (wb_test_guest_run (f, "hostonly-a", "ping -c 1 192.168.56.1", NULL), ==, 0);
  g_assert_true (wb_settings_set_host_only_relay (f->settings, "vboxnet0", TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wb_test_guest_run (f, "hostonly-a", command, NULL), ==, 0);
  host_responder_stop (&responder);

  /* A port nobody listens on is refused, not hung. */
  g_clear_pointer (&command, g_free);
  command = g_strdup_printf ("tcp 192.168.56.1 %u", responder.port);
  g_assert_cmpint (wb_test_guest_run (f, "hostonly-b", command, NULL), !=, 0);

  test_udp_relay (_wb_runtime_get_guest (f->runtime, "hostonly-b"));

  /* Leases survive a restart. */
  wb_test_poweroff_vm (f, "hostonly-a");
  wb_test_poweroff_vm (f, "hostonly-b");
  g_assert_cmpuint (_wb_runtime_get_n_networks (f->runtime), ==, 0);
  wb_test_start_vm (f, "hostonly-b");
  g_clear_pointer (&ip_b, g_free);
  ip_b = wb_test_wait_property (f, "hostonly-b", IP_PROPERTY, 10000);
  g_assert_cmpstr (ip_b, ==, "192.168.56.102");
}

static void
test_promiscuous (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *allow_path = temp_path (f, "allow.pcap");
  g_autofree char *deny_path = temp_path (f, "deny.pcap");
  g_autoptr(GPtrArray) frames = NULL;
  guint8 mac1[WB_ETH_ALEN], mac2[WB_ETH_ALEN], mac3[WB_ETH_ALEN];
  guint seen = 0;

  wb_test_create_intnet_vm (f, "p1", "promisc", "10.7.0.1/24", NULL);
  wb_test_create_intnet_vm (f, "p2", "promisc", "10.7.0.2/24", NULL);
  wb_test_create_intnet_vm (f, "p3", "promisc", "10.7.0.3/24", NULL);
  wb_test_modify_vm (f, "p3", "nicpromisc", 1u, "allow-vms", "nictrace", 1u, "on",
             "nictracefile", 1u, allow_path);
  adapter_mac (f, "p1", mac1);
  adapter_mac (f, "p2", mac2);
  adapter_mac (f, "p3", mac3);
  wb_test_start_vm (f, "p1");
  wb_test_start_vm (f, "p2");
  wb_test_start_vm (f, "p3");

  g_assert_cmpint (wb_test_guest_run (f, "p1", "ping -c 2 -i 0.2 10.7.0.2", NULL), ==, 0);
  wb_test_control_vm (f, "p3", "nicpromisc", 1, "deny", NULL);
  wb_test_control_vm (f, "p3", "nictracefile", 1, deny_path, NULL);
  g_assert_cmpint (wb_test_guest_run (f, "p1", "ping -c 2 -i 0.2 10.7.0.2", NULL), ==, 0);
  g_assert_cmpint (wb_test_guest_run (f, "p1", "ping -c 1 10.7.0.3", NULL), ==, 0);
  wb_test_control_vm (f, "p3", "nictrace", 1, "off", NULL);

  /* allow-vms: p1 <-> p2 unicast ICMP. */
  frames = read_pcap (allow_path);
  for (guint i = 0; i < frames->len; i++)
    {
      const guint8 *frame = g_bytes_get_data (g_ptr_array_index (frames, i), NULL);

      if (is_icmp_echo (g_ptr_array_index (frames, i), 8)
          && wb_mac_equal (frame, mac2) && wb_mac_equal (frame + 6, mac1))
        seen++;
    }
  g_assert_cmpuint (seen, ==, 2);
  check_tshark (allow_path);
  g_clear_pointer (&frames, g_ptr_array_unref);

  /* deny: broadcasts and its own only; its own ping is there. */
  seen = 0;
  frames = read_pcap (deny_path);
  for (guint i = 0; i < frames->len; i++)
    {
      const guint8 *frame = g_bytes_get_data (g_ptr_array_index (frames, i), NULL);

      g_assert_true (wb_mac_is_multicast (frame) || wb_mac_equal (frame, mac3)
                     || wb_mac_equal (frame + 6, mac3));
      if (is_icmp_echo (g_ptr_array_index (frames, i), 8) && wb_mac_equal (frame, mac3))
        seen++;
    }
  g_assert_cmpuint (seen, ==, 1);
  check_tshark (deny_path);

  /* The settings follow controlvm. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(WbVm) vm = wb_settings_get_vm (f->settings, "p3", &error);

    g_assert_cmpint (vm->adapters[0].promisc, ==, WB_PROMISC_DENY);
    g_assert_false (vm->adapters[0].trace);
    g_assert_cmpstr (vm->adapters[0].trace_file, ==, deny_path);
  }
}

static void
test_jumbo (Fixture       *f,
            gconstpointer  data)
{
  const char *names[] = { "j1", "j2", "j3" };
  const char *types[] = { "82540EM", "82540EM", "Am79C973" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *address = g_strdup_printf ("10.9.0.%u/24", i + 1);

      wb_test_create_intnet_vm (f, names[i], "jumbo", address, NULL);
      wb_test_modify_vm (f, names[i], "nictype", 1u, types[i]);
      wb_test_configure_guest (f, names[i], "guestmtu", 1u, "9000");
      wb_test_start_vm (f, names[i]);
    }

  g_assert_cmpint (wb_test_guest_run (f, "j1", "ping -c 2 -i 0.2 -s 8000 10.9.0.2", NULL), ==, 0);
  g_assert_cmpuint (nic_drops (f, "j3", 1, "oversize"), ==, 0);
  g_assert_cmpint (wb_test_guest_run (f, "j1", "ping -c 2 -i 0.2 -W 1 -s 8000 10.9.0.3", NULL), ==, 1);
  g_assert_cmpuint (nic_drops (f, "j3", 1, "oversize"), >=, 2);
  g_assert_cmpint (wb_test_guest_run (f, "j1", "ping -c 2 -i 0.2 -s 1000 10.9.0.3", NULL), ==, 0);
}

static void
test_cable_and_moves (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = NULL;
  const char *bad[] = { "sideways", NULL };

  wb_test_create_intnet_vm (f, "c1", "intnet", "192.168.23.1/24", NULL);
  wb_test_create_intnet_vm (f, "c2", "intnet", "192.168.23.2/24", NULL);
  wb_test_create_intnet_vm (f, "c3", "intnet", "192.168.23.3/24", NULL);
  wb_test_create_intnet_vm (f, "c5", "other", "192.168.23.5/24", NULL);
  wb_test_start_vm (f, "c1");
  wb_test_start_vm (f, "c2");
  wb_test_start_vm (f, "c3");
  wb_test_start_vm (f, "c5");

  g_assert_cmpint (wb_test_guest_run (f, "c2", "ping -c 1 192.168.23.3", NULL), ==, 0);
  wb_test_control_vm (f, "c3", "setlinkstate", 1, "off", NULL);
  g_assert_cmpint (wb_test_guest_run (f, "c2", "ping -c 1 -W 1 192.168.23.3", NULL), ==, 1);
  vm = wb_settings_get_vm (f->settings, "c3", &error);
  g_assert_false (vm->adapters[0].cable_connected);
  g_clear_pointer (&vm, wb_vm_free);
  wb_test_control_vm (f, "c3", "setlinkstate", 1, "on", NULL);
  g_assert_cmpint (wb_test_guest_run (f, "c2", "ping -c 1 192.168.23.3", NULL), ==, 0);

  wb_test_control_vm (f, "c3", "nic", 1, "intnet", "other");
  g_assert_cmpint (wb_test_guest_run (f, "c2", "ping -c 1 -W 1 192.168.23.3", NULL), ==, 1);
  g_assert_cmpint (wb_test_guest_run (f, "c5", "ping -c 1 192.168.23.3", NULL), ==, 0);
  vm = wb_settings_get_vm (f->settings, "c3", &error);
  g_assert_cmpstr (vm->adapters[0].intnet, ==, "other");
  g_assert_cmpint (vm->adapters[0].attachment, ==, WB_ATTACHMENT_INTNET);
  g_clear_pointer (&vm, wb_vm_free);

  wb_test_control_vm (f, "c3", "nic", 1, "null", NULL);
  g_assert_cmpint (wb_test_guest_run (f, "c5", "ping -c 1 -W 1 192.168.23.3", NULL), ==, 1);

  /* Refused, and nothing changes. */
  g_assert_false (wb_runtime_control_vm (f->runtime, "c3", "nic", 1, bad, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (wb_runtime_control_vm (f->runtime, "c3", "setlinkstate", 1, bad, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (wb_runtime_control_vm (f->runtime, "c3", "teleport", 1, bad, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_UNKNOWN_OPTION);
  g_clear_error (&error);
  g_assert_false (wb_runtime_control_vm (f->runtime, "c3", "setlinkstate", 9, bad, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (wb_runtime_control_vm (f->runtime, "c3", "setlinkstate", 2,
                                         (const char *[]) { "on", NULL }, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  wb_test_poweroff_vm (f, "c5");
  g_assert_false (wb_runtime_control_vm (f->runtime, "c5", "setlinkstate", 1,
                                         (const char *[]) { "on", NULL }, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  g_clear_error (&error);
  vm = wb_settings_get_vm (f->settings, "c3", &error);
  g_assert_cmpint (vm->adapters[0].attachment, ==, WB_ATTACHMENT_NULL);
  g_assert_true (vm->adapters[0].cable_connected);
}

static void
test_poweroff_releases (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *log_dir = wb_home_get_logs_dir ();
  g_autofree char *trace = g_build_filename (log_dir, "t1-1.pcap", NULL);
  g_autofree char *log_path = g_build_filename (log_dir, "t1.log", NULL);
  g_autofree char *log = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  g_autofree char *t2_ip = NULL;
  g_autofree char *ping = NULL;
  g_autofree char *tcp = NULL;
  guint echoes = 0, arp = 0, dhcp = 0, tcp_segments = 0;

  /* An internal network with a DHCP server: a lease, ARP, ping, TCP. */
  {
    WbOption options[] = {
      { "server-ip", "10.3.0.100" }, { "netmask", "255.255.255.0" },
      { "lower-ip", "10.3.0.101" }, { "upper-ip", "10.3.0.110" },
      { "enable", "" },
    };

    g_assert_true (wb_settings_add_dhcp_server (f->settings, "lab", options,
                                                G_N_ELEMENTS (options), &error));
    g_assert_no_error (error);
  }
  wb_test_create_intnet_vm (f, "t1", "lab", NULL, NULL);
  wb_test_modify_vm (f, "t1", "nictrace", 1u, "on");     /* no file: the default */
  wb_test_create_intnet_vm (f, "t2", "lab", NULL, NULL);
  wb_test_start_vm (f, "t1");
  wb_test_start_vm (f, "t2");
  g_free (wb_test_wait_property (f, "t1", IP_PROPERTY, 10000));
  t2_ip = wb_test_wait_property (f, "t2", IP_PROPERTY, 10000);
  g_assert_nonnull (t2_ip);
  ping = g_strdup_printf ("ping -c 2 -i 0.2 %s", t2_ip);
  tcp = g_strdup_printf ("tcp %s 22", t2_ip);
  g_assert_cmpint (wb_test_guest_run (f, "t1", ping, NULL), ==, 0);
  g_assert_cmpint (wb_test_guest_run (f, "t1", tcp, NULL), ==, 0);

  wb_test_poweroff_vm (f, "t1");
  wb_test_poweroff_vm (f, "t2");
  g_assert_cmpuint (_wb_runtime_get_n_networks (f->runtime), ==, 0);
  g_assert_cmpuint (wb_runtime_get_n_running (f->runtime), ==, 0);

  /* Flushed whole before poweroff returned. */
  frames = read_pcap (trace);
  for (guint i = 0; i < frames->len; i++)
    {
      gsize len;
      const guint8 *frame = g_bytes_get_data (g_ptr_array_index (frames, i), &len);
      guint16 type = wb_get_be16 (frame + 12);

      echoes += is_icmp_echo (g_ptr_array_index (frames, i), 8)
                || is_icmp_echo (g_ptr_array_index (frames, i), 0);
      arp += type == WB_ETHERTYPE_ARP;
      if (type == WB_ETHERTYPE_IPV4 && len >= 14 + 20 + 4)
        {
          dhcp += frame[14 + 9] == WB_IP_PROTO_UDP && wb_get_be16 (frame + 14 + 22) == 67;
          tcp_segments += frame[14 + 9] == WB_IP_PROTO_TCP;
        }
    }
  g_assert_cmpuint (echoes, ==, 4);
  g_assert_cmpuint (arp, >, 0);
  g_assert_cmpuint (dhcp, >=, 2);          /* DISCOVER, REQUEST (and RELEASE) */
  g_assert_cmpuint (tcp_segments, >=, 4);
  check_tshark (trace);

  g_assert_true (g_file_get_contents (log_path, &log, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (log, "tracing to"));
  g_assert_nonnull (strstr (log, "Adapter 1: IPv4 address 10.3.0.10"));
  g_assert_nonnull (strstr (log, "Powering off"));
}

#define BULK_SIZE (50 * 1024 * 1024)

static void
test_tcp_bulk (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  wb_test_create_intnet_vm (f, "b1", "bulk", "10.5.0.1/24", NULL);
  wb_test_create_intnet_vm (f, "b2", "bulk", "10.5.0.2/24", NULL);
  wb_test_start_vm (f, "b1");
  wb_test_start_vm (f, "b2");

  g_test_message ("1%% loss");
  g_assert_true (wb_runtime_set_segment_faults (f->runtime, "bulk", 10, 0, &error));
  bulk_transfer (f, "b1", "b2", 0x0a050002, BULK_SIZE);

  g_test_message ("1%% loss and 1%% reordering");
  g_assert_true (wb_runtime_set_segment_faults (f->runtime, "bulk", 10, 10, &error));
  bulk_transfer (f, "b2", "b1", 0x0a050001, BULK_SIZE);

  g_assert_false (wb_runtime_set_segment_faults (f->runtime, "bulk", 1001, 0, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *base = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  base = wb_test_runtime_set_up_base ("wirebox-runtime-XXXXXX");

  wb_test_add ("/runtime/lifecycle", test_lifecycle);
  wb_test_add ("/runtime/not-yet-modes", test_not_yet_modes);
  wb_test_add ("/runtime/internal-network", test_internal_network);
  wb_test_add ("/runtime/host-only", test_host_only);
  wb_test_add ("/runtime/promiscuous", test_promiscuous);
  wb_test_add ("/runtime/jumbo", test_jumbo);
  wb_test_add ("/runtime/cable-and-moves", test_cable_and_moves);
  wb_test_add ("/runtime/poweroff-releases", test_poweroff_releases);
  wb_test_add ("/runtime/tcp-bulk", test_tcp_bulk);

  status = g_test_run ();
  wb_test_runtime_rm_rf (base);
  return status;
}
