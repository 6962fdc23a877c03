/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * DHCP: the message codec (round trips, malformed and fuzzed input), the
 * server (allocation, persistence, NAK, DECLINE, RELEASE, exhaustion,
 * ARP) driven by hand-built frames, and the guest's client against the
 * server over an in-test wire.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wb-dhcp-proto.h"
#include "wb-dhcpd.h"
#include "wb-error.h"
#include "wb-guest.h"
#include "wb-test-wire.h"
#include "wb-net.h"
#include "wb-store.h"

#define IP(a, b, c, d) \
  ((guint32) (a) << 24 | (guint32) (b) << 16 | (guint32) (c) << 8 | (guint32) (d))

static const guint8 server_mac[6] = { 0x0a, 0x00, 0x27, 0x00, 0x00, 0x64 };
static const guint8 mac_a[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x0a };
static const guint8 mac_b[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x0b };
static const guint8 mac_c[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x0c };
static const guint8 broadcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* --- codec --------------------------------------------------------------- */

static void
assert_messages_equal (const WbDhcpMessage *a,
                       const WbDhcpMessage *b)
{
  g_assert_cmpuint (a->op, ==, b->op);
  g_assert_cmpuint (a->htype, ==, b->htype);
  g_assert_cmpuint (a->hlen, ==, b->hlen);
  g_assert_cmpuint (a->hops, ==, b->hops);
  g_assert_cmpuint (a->xid, ==, b->xid);
  g_assert_cmpuint (a->secs, ==, b->secs);
  g_assert_cmpuint (a->flags, ==, b->flags);
  g_assert_cmpuint (a->ciaddr, ==, b->ciaddr);
  g_assert_cmpuint (a->yiaddr, ==, b->yiaddr);
  g_assert_cmpuint (a->siaddr, ==, b->siaddr);
  g_assert_cmpuint (a->giaddr, ==, b->giaddr);
  g_assert_cmpmem (a->chaddr, a->hlen, b->chaddr, b->hlen);
  g_assert_cmpuint (a->message_type, ==, b->message_type);
  g_assert_cmphex (a->has, ==, b->has);
  if (a->has & WB_DHCP_HAS_SUBNET_MASK)
    g_assert_cmpuint (a->subnet_mask, ==, b->subnet_mask);
  if (a->has & WB_DHCP_HAS_ROUTER)
    g_assert_cmpuint (a->router, ==, b->router);
  if (a->has & WB_DHCP_HAS_REQUESTED_IP)
    g_assert_cmpuint (a->requested_ip, ==, b->requested_ip);
  if (a->has & WB_DHCP_HAS_LEASE_TIME)
    g_assert_cmpuint (a->lease_time, ==, b->lease_time);
  if (a->has & WB_DHCP_HAS_SERVER_ID)
    g_assert_cmpuint (a->server_id, ==, b->server_id);
  if (a->has & WB_DHCP_HAS_MAX_SIZE)
    g_assert_cmpuint (a->max_size, ==, b->max_size);
  if (a->has & WB_DHCP_HAS_T1)
    g_assert_cmpuint (a->t1, ==, b->t1);
  if (a->has & WB_DHCP_HAS_T2)
    g_assert_cmpuint (a->t2, ==, b->t2);
  g_assert_cmpmem (a->dns, a->n_dns * sizeof (guint32),
                   b->dns, b->n_dns * sizeof (guint32));
  g_assert_cmpmem (a->client_id, a->client_id_len,
                   b->client_id, b->client_id_len);
  g_assert_cmpmem (a->param_request, a->param_request_len,
                   b->param_request, b->param_request_len);
  g_assert_cmpstr (a->message, ==, b->message);
}

/* A message with every option the codec knows. */
static void
full_message (WbDhcpMessage *msg)
{
  static const guint8 params[] = { 1, 3, 6, 51, 54, 58, 59 };

  wb_dhcp_message_init (msg, WB_BOOTP_REPLY, WB_DHCP_ACK, 0x12345678, mac_a);
  msg->hops = 1;
  msg->secs = 7;
  msg->flags = WB_DHCP_FLAG_BROADCAST;
  msg->ciaddr = IP (192, 168, 56, 9);
  msg->yiaddr = IP (192, 168, 56, 101);
  msg->siaddr = IP (192, 168, 56, 1);
  msg->giaddr = IP (10, 0, 0, 1);
  msg->has = WB_DHCP_HAS_SUBNET_MASK | WB_DHCP_HAS_ROUTER
             | WB_DHCP_HAS_REQUESTED_IP | WB_DHCP_HAS_LEASE_TIME
             | WB_DHCP_HAS_SERVER_ID | WB_DHCP_HAS_MAX_SIZE
             | WB_DHCP_HAS_T1 | WB_DHCP_HAS_T2;
  msg->subnet_mask = IP (255, 255, 255, 0);
  msg->router = IP (192, 168, 56, 1);
  msg->requested_ip = IP (192, 168, 56, 101);
  msg->lease_time = 1200;
  msg->server_id = IP (192, 168, 56, 100);
  msg->max_size = 1500;
  msg->t1 = 600;
  msg->t2 = 1050;
  msg->dns[0] = IP (192, 168, 56, 3);
  msg->dns[1] = IP (8, 8, 8, 8);
  msg->n_dns = 2;
  msg->client_id[0] = 1;
  memcpy (msg->client_id + 1, mac_a, 6);
  msg->client_id_len = 7;
  memcpy (msg->param_request, params, sizeof params);
  msg->param_request_len = sizeof params;
  g_strlcpy (msg->message, "hello", sizeof msg->message);
}

static void
test_codec_round_trip (void)
{
  for (guint type = WB_DHCP_DISCOVER; type <= WB_DHCP_INFORM; type++)
    {
      WbDhcpMessage msg, parsed;
      guint8 buf[WB_DHCP_BUILD_MAX];
      gsize len;

      full_message (&msg);
      msg.message_type = type;
      len = wb_dhcp_message_build (&msg, buf, sizeof buf);
      g_assert_cmpuint (len, >=, WB_DHCP_MIN_SEND_LEN);
      g_assert_true (wb_dhcp_message_parse (buf, len, &parsed));
      assert_messages_equal (&msg, &parsed);
      /* Option 53 comes first, as clients and servers expect. */
      g_assert_cmpuint (buf[240], ==, WB_DHCP_OPT_MESSAGE_TYPE);
      g_assert_cmpuint (buf[242], ==, type);
    }
}

static void
test_codec_minimal (void)
{
  WbDhcpMessage msg, parsed;
  guint8 buf[WB_DHCP_BUILD_MAX];
  gsize len;

  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, WB_DHCP_DISCOVER, 1, mac_b);
  len = wb_dhcp_message_build (&msg, buf, sizeof buf);
  /* Padded to BOOTP's 300 bytes; magic cookie; type option; end. */
  g_assert_cmpuint (len, ==, WB_DHCP_MIN_SEND_LEN);
  g_assert_cmphex (wb_get_be32 (buf + 236), ==, 0x63825363);
  g_assert_cmpuint (buf[243], ==, WB_DHCP_OPT_END);
  g_assert_true (wb_dhcp_message_parse (buf, len, &parsed));
  assert_messages_equal (&msg, &parsed);
  g_assert_cmpuint (parsed.n_dns, ==, 0);
  g_assert_cmpstr (parsed.message, ==, "");

  /* Too small a buffer. */
  g_assert_cmpuint (wb_dhcp_message_build (&msg, buf, 299), ==, 0);
  full_message (&msg);
  g_assert_cmpuint (wb_dhcp_message_build (&msg, buf, 320), ==, 0);

  /* Long options fit in WB_DHCP_BUILD_MAX. */
  memset (msg.client_id, 'c', 255);
  msg.client_id_len = 255;
  memset (msg.param_request, 'p', 255);
  msg.param_request_len = 255;
  memset (msg.message, 'm', 255);
  msg.message[255] = '\0';
  msg.n_dns = WB_DHCP_MAX_DNS;
  len = wb_dhcp_message_build (&msg, buf, sizeof buf);
  g_assert_cmpuint (len, >, 0);
  g_assert_true (wb_dhcp_message_parse (buf, len, &parsed));
  assert_messages_equal (&msg, &parsed);
}

/* A raw message: the fixed part, the cookie and @options. */
static gsize
raw_message (guint8       *buf,
             const guint8 *options,
             gsize         options_len)
{
  memset (buf, 0, 240);
  buf[0] = WB_BOOTP_REQUEST;
  buf[1] = 1;
  buf[2] = 6;
  memcpy (buf + 28, mac_c, 6);
  wb_put_be32 (buf + 236, 0x63825363);
  memcpy (buf + 240, options, options_len);
  return 240 + options_len;
}

static void
test_codec_malformed (void)
{
  WbDhcpMessage msg;
  guint8 buf[2048];
  gsize len;

  {
    /* Pads, then options, no end option: accepted. */
    static const guint8 opts[] = { 0, 0, 53, 1, 1, 0, 50, 4, 10, 0, 0, 7 };

    len = raw_message (buf, opts, sizeof opts);
    g_assert_true (wb_dhcp_message_parse (buf, len, &msg));
    g_assert_cmpuint (msg.message_type, ==, WB_DHCP_DISCOVER);
    g_assert_cmpuint (msg.requested_ip, ==, IP (10, 0, 0, 7));
    /* Every truncation of it is refused or parsed, never read past. */
    for (gsize cut = 0; cut < len; cut++)
      {
        g_autofree guint8 *copy = g_memdup2 (buf, cut);

        if (wb_dhcp_message_parse (copy, cut, &msg))
          g_assert_cmpuint (cut, >=, 240);
      }
  }
  {
    /* An option whose length runs past the end. */
    static const guint8 opts[] = { 53, 1, 1, 61, 10, 1, 2, 3 };

    len = raw_message (buf, opts, sizeof opts);
    g_assert_false (wb_dhcp_message_parse (buf, len, &msg));
  }
  {
    /* A code without its length byte. */
    static const guint8 opts[] = { 53, 1, 1, 61 };

    len = raw_message (buf, opts, sizeof opts);
    g_assert_false (wb_dhcp_message_parse (buf, len, &msg));
  }
  {
    /* Options of the wrong length are ignored, the rest kept; whatever
     * follows the end option is not read. */
    static const guint8 opts[] = { 53, 2, 1, 1, 54, 3, 1, 2, 3, 51, 4, 0, 0, 0, 60,
                                   1, 5, 255, 0, 0, 0, 0 };

    len = raw_message (buf, opts, sizeof opts);
    g_assert_true (wb_dhcp_message_parse (buf, len, &msg));
    g_assert_cmpuint (msg.message_type, ==, 0);
    g_assert_false (msg.has & WB_DHCP_HAS_SERVER_ID);
    g_assert_true (msg.has & WB_DHCP_HAS_LEASE_TIME);
    g_assert_cmpuint (msg.lease_time, ==, 60);
    g_assert_false (msg.has & WB_DHCP_HAS_SUBNET_MASK);
  }
  {
    /* Garbage after the end option that would be malformed. */
    static const guint8 opts[] = { 53, 1, 3, 255, 61, 200 };

    len = raw_message (buf, opts, sizeof opts);
    g_assert_true (wb_dhcp_message_parse (buf, len, &msg));
    g_assert_cmpuint (msg.message_type, ==, WB_DHCP_REQUEST);
  }
  {
    /* Routers and DNS: lists of 4-byte addresses; a ragged list is not
     * used. */
    static const guint8 opts[] = { 3, 8, 1, 1, 1, 1, 2, 2, 2, 2,
                                   6, 5, 9, 9, 9, 9, 9 };

    len = raw_message (buf, opts, sizeof opts);
    g_assert_true (wb_dhcp_message_parse (buf, len, &msg));
    g_assert_true (msg.has & WB_DHCP_HAS_ROUTER);
    g_assert_cmpuint (msg.router, ==, IP (1, 1, 1, 1));
    g_assert_cmpuint (msg.n_dns, ==, 0);
  }

  /* Short, no cookie, bad op, hlen over 16, too long. */
  len = raw_message (buf, (const guint8 *) "\x35\x01\x01\xff", 4);
  g_assert_false (wb_dhcp_message_parse (buf, 239, &msg));
  g_assert_false (wb_dhcp_message_parse (buf, 0, &msg));
  buf[236] ^= 1;
  g_assert_false (wb_dhcp_message_parse (buf, len, &msg));
  buf[236] ^= 1;
  buf[0] = 3;
  g_assert_false (wb_dhcp_message_parse (buf, len, &msg));
  buf[0] = 1;
  buf[2] = 17;
  g_assert_false (wb_dhcp_message_parse (buf, len, &msg));
  buf[2] = 6;
  g_assert_true (wb_dhcp_message_parse (buf, len, &msg));
  {
    g_autofree guint8 *big = g_malloc0 (WB_DHCP_MAX_LEN + 1);

    memcpy (big, buf, len);
    g_assert_true (wb_dhcp_message_parse (big, WB_DHCP_MAX_LEN, &msg));
    g_assert_false (wb_dhcp_message_parse (big, WB_DHCP_MAX_LEN + 1, &msg));
  }
}

static void
test_codec_overload (void)
{
  WbDhcpMessage msg;
  guint8 buf[512];
  gsize len;
  static const guint8 opts[] = { 53, 1, 5, 52, 1, 3, 61, 2, 'a', 'b', 255 };

  len = raw_message (buf, opts, sizeof opts);
  /* file (108..235): the rest of the client id (RFC 3396 concatenation),
   * the lease time; sname (44..107): the server id, and a stray
   * overload option that counts only in the options field. */
  memcpy (buf + 108, (const guint8 *) "\x3d\x02" "cd" "\x33\x04\x00\x00\x04\xb0" "\xff", 11);
  memcpy (buf + 44, (const guint8 *) "\x00\x36\x04\xc0\xa8\x38\x64" "\x34\x01\x00", 10);
  g_assert_true (wb_dhcp_message_parse (buf, len, &msg));
  g_assert_cmpuint (msg.message_type, ==, WB_DHCP_ACK);
  g_assert_cmpmem (msg.client_id, msg.client_id_len, "abcd", 4);
  g_assert_cmpuint (msg.lease_time, ==, 1200);
  g_assert_cmpuint (msg.server_id, ==, IP (192, 168, 56, 100));

  /* Without option 52 those fields are not options. */
  buf[245] = 0;
  g_assert_true (wb_dhcp_message_parse (buf, len, &msg));
  g_assert_cmpmem (msg.client_id, msg.client_id_len, "ab", 2);
  g_assert_false (msg.has & WB_DHCP_HAS_LEASE_TIME);

  /* An option in sname that runs past sname's end. */
  buf[245] = 2;
  buf[106] = 61;
  buf[107] = 5;
  g_assert_false (wb_dhcp_message_parse (buf, len, &msg));
}

static void
test_frame (void)
{
  static const guint8 payload[] = "some payload of odd length";
  guint8 frame[256];
  WbUdpFrame in = {
    .dst_mac = broadcast_mac,
    .src_mac = server_mac,
    .src_ip = IP (192, 168, 56, 100),
    .dst_ip = WB_IPV4_BROADCAST,
    .src_port = 67,
    .dst_port = 68,
    .payload = payload,
    .payload_len = sizeof payload,
  };
  WbUdpFrame out;
  gsize len = wb_udp_frame_build (&in, frame, sizeof frame);

  g_assert_cmpuint (len, ==, 14 + 20 + 8 + sizeof payload);
  g_assert_cmpuint (wb_checksum (frame + 14, 20), ==, 0);
  g_assert_cmpuint (wb_checksum_l4 (in.src_ip, in.dst_ip, 17, frame + 34,
                                    8 + sizeof payload), ==, 0);
  g_assert_true (wb_udp_frame_parse (frame, len, &out));
  g_assert_cmpmem (out.dst_mac, 6, broadcast_mac, 6);
  g_assert_cmpmem (out.src_mac, 6, server_mac, 6);
  g_assert_cmpuint (out.src_ip, ==, in.src_ip);
  g_assert_cmpuint (out.dst_ip, ==, in.dst_ip);
  g_assert_cmpuint (out.src_port, ==, 67);
  g_assert_cmpuint (out.dst_port, ==, 68);
  g_assert_cmpmem (out.payload, out.payload_len, payload, sizeof payload);

  /* Ethernet padding is allowed; a bad checksum, a fragment, a short
   * frame are not. */
  g_assert_true (wb_udp_frame_parse (frame, len + 10, &out));
  g_assert_false (wb_udp_frame_parse (frame, len - 1, &out));
  frame[40] ^= 0x55;
  g_assert_false (wb_udp_frame_parse (frame, len, &out));
  frame[40] ^= 0x55;
  frame[14 + 6] |= 0x20;
  g_assert_false (wb_udp_frame_parse (frame, len, &out));
  frame[14 + 6] &= ~0x20;
  g_assert_true (wb_udp_frame_parse (frame, len, &out));
  /* A zero UDP checksum means none. */
  frame[40] = frame[41] = 0;
  g_assert_true (wb_udp_frame_parse (frame, len, &out));

  /* Short payloads are padded to 60 bytes. */
  in.payload_len = 2;
  g_assert_cmpuint (wb_udp_frame_build (&in, frame, sizeof frame), ==, 60);
  g_assert_true (wb_udp_frame_parse (frame, 60, &out));
  g_assert_cmpuint (out.payload_len, ==, 2);
  g_assert_cmpuint (wb_udp_frame_build (&in, frame, 59), ==, 0);
}

/* Mutations of valid messages and of random bytes: the parser never reads
 * outside the buffer (the sanitizer build checks), and whatever it
 * accepts survives a build and a second parse unchanged. */
static void
test_codec_fuzz (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  WbDhcpMessage seed_msg;
  guint8 seed[WB_DHCP_BUILD_MAX];
  gsize seed_len;
  guint accepted = 0;

  full_message (&seed_msg);
  seed_len = wb_dhcp_message_build (&seed_msg, seed, sizeof seed);

  for (guint n = 0; n < 10000; n++)
    {
      gsize len = seed_len;
      g_autofree guint8 *buf = NULL;
      WbDhcpMessage msg, again;
      guint8 rebuilt[WB_DHCP_BUILD_MAX];
      gsize rebuilt_len;

      if (n % 10 == 0)
        {
          /* Random bytes behind a valid header and cookie. */
          len = g_rand_int_range (rand, 0, 1200);
          buf = g_malloc (MAX (len, 1));
          for (gsize i = 0; i < len; i++)
            buf[i] = (guint8) g_rand_int (rand);
          if (len >= 240)
            {
              memcpy (buf, seed, 240);
              buf[2] = (guint8) g_rand_int_range (rand, 0, 18);
            }
        }
      else
        {
          guint flips = g_rand_int_range (rand, 1, 8);

          if (g_rand_boolean (rand))
            len = g_rand_int_range (rand, 0, seed_len + 1);
          buf = g_memdup2 (seed, MAX (len, 1));
          for (guint i = 0; i < flips && len > 240; i++)
            {
              gsize at = g_rand_int_range (rand, 240, len);

              buf[at] = (guint8) g_rand_int (rand);
            }
          if (g_rand_int_range (rand, 0, 4) == 0 && len > 245)
            buf[245] = WB_DHCP_OPT_OVERLOAD;  /* sometimes overload */
        }

      if (!wb_dhcp_message_parse (buf, len, &msg))
        continue;
      accepted++;
      rebuilt_len = wb_dhcp_message_build (&msg, rebuilt, sizeof rebuilt);
      g_assert_cmpuint (rebuilt_len, >, 0);
      g_assert_true (wb_dhcp_message_parse (rebuilt, rebuilt_len, &again));
      assert_messages_equal (&msg, &again);
    }
  g_test_message ("%u of 10000 fuzzed messages parsed", accepted);
  g_assert_cmpuint (accepted, >, 1000);
}

/* --- server ------------------------------------------------------------ */

typedef struct
{
  char      *dir;
  WbStore   *store;
  WbDhcpd   *dhcpd;
  GPtrArray *frames;            /* GBytes*: what the server sent */
  GPtrArray *log;               /* char* */
} Server;

static void
server_send_cb (gpointer      user_data,
                const guint8 *frame,
                gsize         len)
{
  Server *server = user_data;

  g_assert_cmpuint (len, >=, WB_ETH_MIN_FRAME);
  g_ptr_array_add (server->frames, g_bytes_new (frame, len));
}

static void
server_log_cb (gpointer    user_data,
               const char *message)
{
  Server *server = user_data;

  g_test_message ("dhcpd: %s", message);
  g_ptr_array_add (server->log, g_strdup (message));
}

static WbDhcpServer *
make_config (const char *lower,
             const char *upper)
{
  WbDhcpServer *config = wb_dhcp_server_new ("HostInterfaceNetworking-vboxnet0");

  g_free (config->server_ip);
  config->server_ip = g_strdup ("192.168.56.100");
  g_free (config->netmask);
  config->netmask = g_strdup ("255.255.255.0");
  g_free (config->lower_ip);
  config->lower_ip = g_strdup (lower);
  g_free (config->upper_ip);
  config->upper_ip = g_strdup (upper);
  config->enabled = TRUE;
  return config;
}

/* (Re)starts the server on @server's store, if any. */
static void
server_start (Server     *server,
              const char *lower,
              const char *upper)
{
  g_autoptr(WbDhcpServer) config = make_config (lower, upper);

  g_clear_pointer (&server->dhcpd, wb_dhcpd_free);
  server->dhcpd = wb_dhcpd_new (config, server->store, server_mac,
                                server_send_cb, server_log_cb, server);
  g_assert_nonnull (server->dhcpd);
}

/* A server with a store in a fresh temporary folder when @persistent. */
static Server *
server_new (gboolean    persistent,
            const char *lower,
            const char *upper)
{
  Server *server = g_new0 (Server, 1);

  server->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  server->log = g_ptr_array_new_with_free_func (g_free);
  if (persistent)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WbDhcpServer) config = make_config (lower, upper);
      g_autofree char *path = NULL;

      server->dir = g_dir_make_tmp ("wb-test-dhcp-XXXXXX", &error);
      g_assert_no_error (error);
      path = g_build_filename (server->dir, "wirebox.db", NULL);
      server->store = wb_store_open (path, &error);
      g_assert_no_error (error);
      /* dhcp_lease rows belong to a dhcp_server row. */
      g_assert_true (wb_store_insert_dhcp_server (server->store, config, &error));
      g_assert_no_error (error);
    }
  server_start (server, lower, upper);
  return server;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
server_free (Server *server)
{
  g_clear_pointer (&server->dhcpd, wb_dhcpd_free);
  g_clear_object (&server->store);
  if (server->dir != NULL)
    remove_tree (server->dir);
  g_free (server->dir);
  g_ptr_array_unref (server->frames);
  g_ptr_array_unref (server->log);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

static gboolean
server_logged (Server     *server,
               const char *needle)
{
  for (guint i = 0; i < server->log->len; i++)
    if (strstr (g_ptr_array_index (server->log, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

/* Sends a client message from @mac (from @src_ip, to @dst_ip at
 * @dst_mac). */
static void
client_send_to (Server              *server,
                const WbDhcpMessage *msg,
                guint32              src_ip,
                const guint8        *dst_mac,
                guint32              dst_ip)
{
  guint8 payload[WB_DHCP_BUILD_MAX];
  guint8 frame[2048];
  WbUdpFrame udp = {
    .dst_mac = dst_mac,
    .src_mac = msg->chaddr,
    .src_ip = src_ip,
    .dst_ip = dst_ip,
    .src_port = 68,
    .dst_port = 67,
    .payload = payload,
  };
  gsize len;

  udp.payload_len = wb_dhcp_message_build (msg, payload, sizeof payload);
  g_assert_cmpuint (udp.payload_len, >, 0);
  len = wb_udp_frame_build (&udp, frame, sizeof frame);
  g_assert_cmpuint (len, >, 0);
  wb_dhcpd_input (server->dhcpd, frame, len);
}

static void
client_send (Server              *server,
             const WbDhcpMessage *msg)
{
  client_send_to (server, msg, msg->ciaddr, broadcast_mac, WB_IPV4_BROADCAST);
}

/* The one reply the server sent since the last call (parsed, with the
 * frame's addresses), or FALSE when it sent nothing. */
static gboolean
take_reply (Server        *server,
            WbDhcpMessage *reply,
            WbUdpFrame    *udp_out)
{
  g_autoptr(GBytes) bytes = NULL;
  WbUdpFrame udp;
  gsize len;
  const guint8 *frame;

  if (server->frames->len == 0)
    return FALSE;
  g_assert_cmpuint (server->frames->len, ==, 1);
  bytes = g_ptr_array_steal_index (server->frames, 0);
  frame = g_bytes_get_data (bytes, &len);
  g_assert_true (wb_udp_frame_parse (frame, len, &udp));
  g_assert_cmpmem (udp.src_mac, 6, server_mac, 6);
  g_assert_cmpuint (udp.src_ip, ==, IP (192, 168, 56, 100));
  g_assert_cmpuint (udp.src_port, ==, 67);
  g_assert_cmpuint (udp.dst_port, ==, 68);
  g_assert_true (wb_dhcp_message_parse (udp.payload, udp.payload_len, reply));
  g_assert_cmpuint (reply->op, ==, WB_BOOTP_REPLY);
  g_assert_true (reply->has & WB_DHCP_HAS_SERVER_ID);
  g_assert_cmpuint (reply->server_id, ==, IP (192, 168, 56, 100));
  if (udp_out != NULL)
    {
      /* The frame is gone with @bytes: keep the addresses only. */
      *udp_out = udp;
      udp_out->payload = NULL;
      udp_out->dst_mac = udp_out->src_mac = NULL;
    }
  return TRUE;
}

/* DISCOVER from @mac: the offered address, 0 when nothing came. */
static guint32
discover (Server       *server,
          const guint8 *mac)
{
  WbDhcpMessage msg, reply;

  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, WB_DHCP_DISCOVER, 42, mac);
  client_send (server, &msg);
  if (!take_reply (server, &reply, NULL))
    return 0;
  g_assert_cmpuint (reply.message_type, ==, WB_DHCP_OFFER);
  g_assert_cmpuint (reply.xid, ==, 42);
  g_assert_cmpmem (reply.chaddr, 6, mac, 6);
  return reply.yiaddr;
}

/* REQUEST: SELECTING when @server_id is not 0, else INIT-REBOOT (or with
 * @ciaddr RENEWING). The reply's type, 0 when none came. */
static guint8
request (Server       *server,
         const guint8 *mac,
         guint32       ip,
         guint32       server_id,
         guint32       ciaddr,
         guint32      *yiaddr)
{
  WbDhcpMessage msg, reply;

  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, WB_DHCP_REQUEST, 43, mac);
  if (ciaddr != 0)
    msg.ciaddr = ciaddr;
  else
    {
      msg.requested_ip = ip;
      msg.has |= WB_DHCP_HAS_REQUESTED_IP;
    }
  if (server_id != 0)
    {
      msg.server_id = server_id;
      msg.has |= WB_DHCP_HAS_SERVER_ID;
    }
  client_send (server, &msg);
  if (!take_reply (server, &reply, NULL))
    return 0;
  if (yiaddr != NULL)
    *yiaddr = reply.yiaddr;
  return reply.message_type;
}

/* DISCOVER and REQUEST: the address acknowledged. */
static guint32
acquire (Server       *server,
         const guint8 *mac)
{
  guint32 offered = discover (server, mac);
  guint32 acked = 0;

  g_assert_cmpuint (offered, !=, 0);
  g_assert_cmpuint (request (server, mac, offered, IP (192, 168, 56, 100), 0,
                             &acked), ==, WB_DHCP_ACK);
  g_assert_cmpuint (acked, ==, offered);
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac), ==, offered);
  return acked;
}

/* RELEASE of @ip from @mac, unicast to the server: never answered. */
static void
send_release (Server       *server,
              const guint8 *mac,
              guint32       ip)
{
  WbDhcpMessage msg;

  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, WB_DHCP_RELEASE, 44, mac);
  msg.ciaddr = ip;
  msg.server_id = IP (192, 168, 56, 100);
  msg.has |= WB_DHCP_HAS_SERVER_ID;
  client_send_to (server, &msg, ip, server_mac, IP (192, 168, 56, 100));
  g_assert_cmpuint (server->frames->len, ==, 0);
}

static void
release (Server       *server,
         const guint8 *mac,
         guint32       ip)
{
  send_release (server, mac, ip);
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac), ==, 0);
}

static void
test_server_lowest_first (void)
{
  g_autoptr(Server) server = server_new (FALSE, "192.168.56.101", "192.168.56.254");
  WbDhcpMessage msg, reply;
  WbUdpFrame udp;

  wb_dhcpd_set_router (server->dhcpd, IP (192, 168, 56, 1));
  wb_dhcpd_set_dns (server->dhcpd, IP (192, 168, 56, 3));

  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));
  g_assert_cmpuint (acquire (server, mac_b), ==, IP (192, 168, 56, 102));
  g_assert_true (server_logged (server, "DHCPACK 192.168.56.101 to 08:00:27:00:00:0a"));
  g_assert_true (server_logged (server, "DHCPOFFER 192.168.56.102 to 08:00:27:00:00:0b"));
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_c), ==, 0);

  /* A second DISCOVER of a bound client offers its address again. */
  g_assert_cmpuint (discover (server, mac_a), ==, IP (192, 168, 56, 101));

  /* An offer holds its address: C is offered .103, so D gets .104. */
  g_assert_cmpuint (discover (server, mac_c), ==, IP (192, 168, 56, 103));
  {
    static const guint8 mac_d[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x0d };

    g_assert_cmpuint (discover (server, mac_d), ==, IP (192, 168, 56, 104));
  }

  /* The ACK's options; broadcast because the client had no address. */
  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, WB_DHCP_REQUEST, 7, mac_c);
  msg.requested_ip = IP (192, 168, 56, 103);
  msg.server_id = IP (192, 168, 56, 100);
  msg.has |= WB_DHCP_HAS_REQUESTED_IP | WB_DHCP_HAS_SERVER_ID;
  client_send (server, &msg);
  g_assert_true (take_reply (server, &reply, &udp));
  g_assert_cmpuint (reply.message_type, ==, WB_DHCP_ACK);
  g_assert_cmpuint (reply.xid, ==, 7);
  g_assert_cmpuint (reply.yiaddr, ==, IP (192, 168, 56, 103));
  g_assert_cmpuint (reply.lease_time, ==, 1200);
  g_assert_cmpuint (reply.t1, ==, 600);
  g_assert_cmpuint (reply.t2, ==, 1050);
  g_assert_cmpuint (reply.subnet_mask, ==, IP (255, 255, 255, 0));
  g_assert_true (reply.has & WB_DHCP_HAS_ROUTER);
  g_assert_cmpuint (reply.router, ==, IP (192, 168, 56, 1));
  g_assert_cmpuint (reply.n_dns, ==, 1);
  g_assert_cmpuint (reply.dns[0], ==, IP (192, 168, 56, 3));
  g_assert_cmpuint (udp.dst_ip, ==, WB_IPV4_BROADCAST);

  /* Renewal: unicast to the server, answered by unicast to ciaddr at the
   * client's MAC, with the lease time set. */
  wb_dhcpd_set_lease_time (server->dhcpd, 60);
  g_ptr_array_set_size (server->frames, 0);
  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, WB_DHCP_REQUEST, 8, mac_c);
  msg.ciaddr = IP (192, 168, 56, 103);
  client_send_to (server, &msg, msg.ciaddr, server_mac, IP (192, 168, 56, 100));
  g_assert_cmpuint (server->frames->len, ==, 1);
  {
    GBytes *bytes = g_ptr_array_index (server->frames, 0);

    g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 6, mac_c, 6);
  }
  g_assert_true (take_reply (server, &reply, &udp));
  g_assert_cmpuint (reply.message_type, ==, WB_DHCP_ACK);
  g_assert_cmpuint (udp.dst_ip, ==, IP (192, 168, 56, 103));
  g_assert_cmpuint (reply.lease_time, ==, 60);
  g_assert_cmpuint (reply.t1, ==, 30);
  g_assert_cmpuint (reply.t2, ==, 52);

  /* ...unless the client asks for broadcasts. */
  msg.flags = WB_DHCP_FLAG_BROADCAST;
  client_send_to (server, &msg, msg.ciaddr, server_mac, IP (192, 168, 56, 100));
  g_assert_true (take_reply (server, &reply, &udp));
  g_assert_cmpuint (udp.dst_ip, ==, WB_IPV4_BROADCAST);
  g_assert_cmpuint (reply.flags, ==, WB_DHCP_FLAG_BROADCAST);
}

static void
test_server_restart (void)
{
  g_autoptr(Server) server = server_new (TRUE, "192.168.56.101", "192.168.56.254");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup (wb_store_get_path (server->store));

  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));
  g_assert_cmpuint (acquire (server, mac_b), ==, IP (192, 168, 56, 102));
  release (server, mac_a, IP (192, 168, 56, 101));

  /* A new engine: the store reopened, the server restarted. B asks first
   * and still gets .102, A (released, yet remembered) .101, C the next. */
  g_clear_pointer (&server->dhcpd, wb_dhcpd_free);
  g_clear_object (&server->store);
  server->store = wb_store_open (path, &error);
  g_assert_no_error (error);
  server_start (server, "192.168.56.101", "192.168.56.254");
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_b), ==, IP (192, 168, 56, 102));
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_a), ==, 0);
  g_assert_cmpuint (acquire (server, mac_b), ==, IP (192, 168, 56, 102));
  g_assert_cmpuint (acquire (server, mac_c), ==, IP (192, 168, 56, 103));
  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));
  g_assert_false (server_logged (server, "not saved"));

  /* A narrower pool ignores the rows outside it. */
  server_start (server, "192.168.56.102", "192.168.56.110");
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_a), ==, 0);
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_b), ==, IP (192, 168, 56, 102));
  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 104));
}

/* A released address is kept for its client while fresh ones remain... */
static void
test_server_release (void)
{
  g_autoptr(Server) server = server_new (FALSE, "192.168.56.101", "192.168.56.254");

  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));
  release (server, mac_a, IP (192, 168, 56, 101));
  g_assert_true (server_logged (server, "DHCPRELEASE 192.168.56.101 from 08:00:27:00:00:0a"));
  g_assert_cmpuint (acquire (server, mac_b), ==, IP (192, 168, 56, 102));
  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));

  /* A release of an address not the client's changes nothing. */
  send_release (server, mac_b, IP (192, 168, 56, 101));
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_a), ==, IP (192, 168, 56, 101));
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_b), ==, IP (192, 168, 56, 102));
}

/* ...and reused, oldest first, when none remain. */
static void
test_server_exhaustion (void)
{
  g_autoptr(Server) server = server_new (TRUE, "192.168.56.101", "192.168.56.102");
  guint32 ip = 0;

  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));
  g_assert_cmpuint (acquire (server, mac_b), ==, IP (192, 168, 56, 102));

  /* Full: C's DISCOVER goes unanswered, and is logged. */
  g_assert_cmpuint (discover (server, mac_c), ==, 0);
  g_assert_true (server_logged (server, "pool exhausted"));
  g_assert_cmpuint (request (server, mac_c, IP (192, 168, 56, 101), 0, 0, NULL),
                    ==, WB_DHCP_NAK);

  /* A releases: C gets .101, and now A finds the pool full. */
  release (server, mac_a, IP (192, 168, 56, 101));
  g_assert_cmpuint (acquire (server, mac_c), ==, IP (192, 168, 56, 101));
  g_assert_cmpuint (discover (server, mac_a), ==, 0);
  g_assert_cmpuint (request (server, mac_a, IP (192, 168, 56, 101), 0, 0, &ip),
                    ==, WB_DHCP_NAK);

  /* The store holds one row per address: C's, not A's. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) rows =
      wb_store_load_dhcp_leases (server->store, "HostInterfaceNetworking-vboxnet0",
                                 &error);

    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 2);
    for (guint i = 0; i < rows->len; i++)
      {
        WbDhcpLease *row = g_ptr_array_index (rows, i);

        g_assert_cmpstr (row->mac, !=, "08002700000A");
      }
  }
}

static void
test_server_nak (void)
{
  g_autoptr(Server) server = server_new (FALSE, "192.168.56.101", "192.168.56.254");
  guint32 ip = 0;

  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));

  /* Another network (a VM moved here with its old lease). */
  g_assert_cmpuint (request (server, mac_b, IP (10, 0, 2, 15), 0, 0, NULL),
                    ==, WB_DHCP_NAK);
  g_assert_true (server_logged (server, "DHCPNAK 10.0.2.15 to 08:00:27:00:00:0b (wrong network)"));
  /* Someone else's address; the server's own; outside the pool. */
  g_assert_cmpuint (request (server, mac_b, IP (192, 168, 56, 101), 0, 0, NULL),
                    ==, WB_DHCP_NAK);
  g_assert_cmpuint (request (server, mac_b, IP (192, 168, 56, 100), 0, 0, NULL),
                    ==, WB_DHCP_NAK);
  g_assert_cmpuint (request (server, mac_b, IP (192, 168, 56, 50), 0, 0, NULL),
                    ==, WB_DHCP_NAK);
  /* Renewing an address that is not the client's. */
  g_assert_cmpuint (request (server, mac_b, 0, 0, IP (192, 168, 56, 101), NULL),
                    ==, WB_DHCP_NAK);
  /* SELECTING with our id for an address never offered. */
  g_assert_cmpuint (request (server, mac_b, IP (192, 168, 56, 150),
                             IP (192, 168, 56, 100), 0, NULL), ==, WB_DHCP_NAK);
  /* A, asking for another address than its own. */
  g_assert_cmpuint (request (server, mac_a, IP (192, 168, 56, 102), 0, 0, NULL),
                    ==, WB_DHCP_NAK);
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_a), ==, IP (192, 168, 56, 101));

  /* INIT-REBOOT for a free address of the pool: granted. */
  g_assert_cmpuint (request (server, mac_b, IP (192, 168, 56, 150), 0, 0, &ip),
                    ==, WB_DHCP_ACK);
  g_assert_cmpuint (ip, ==, IP (192, 168, 56, 150));
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_b), ==, IP (192, 168, 56, 150));

  /* A REQUEST naming another server: no answer, and our offer to C is
   * withdrawn (C keeps its claim on it all the same). */
  g_assert_cmpuint (discover (server, mac_c), ==, IP (192, 168, 56, 102));
  g_assert_cmpuint (request (server, mac_c, IP (10, 9, 9, 9), IP (10, 9, 9, 1), 0,
                             NULL), ==, 0);
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_c), ==, 0);
}

static void
test_server_decline (void)
{
  g_autoptr(Server) server = server_new (TRUE, "192.168.56.101", "192.168.56.254");
  WbDhcpMessage msg;

  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));
  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, WB_DHCP_DECLINE, 9, mac_a);
  msg.requested_ip = IP (192, 168, 56, 101);
  msg.server_id = IP (192, 168, 56, 100);
  msg.has |= WB_DHCP_HAS_REQUESTED_IP | WB_DHCP_HAS_SERVER_ID;
  client_send (server, &msg);
  g_assert_cmpuint (server->frames->len, ==, 0);
  g_assert_true (server_logged (server, "DHCPDECLINE 192.168.56.101 from 08:00:27:00:00:0a"));
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_a), ==, 0);

  /* .101 is out of use for a while: A gets .102, B .103. */
  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 102));
  g_assert_cmpuint (acquire (server, mac_b), ==, IP (192, 168, 56, 103));
  g_assert_cmpuint (request (server, mac_c, IP (192, 168, 56, 101), 0, 0, NULL),
                    ==, WB_DHCP_NAK);

  /* A DECLINE of a free address takes it out of use too. */
  msg.requested_ip = IP (192, 168, 56, 104);
  memcpy (msg.chaddr, mac_c, 6);
  client_send (server, &msg);
  g_assert_cmpuint (acquire (server, mac_c), ==, IP (192, 168, 56, 105));
}

static void
test_server_inform (void)
{
  g_autoptr(Server) server = server_new (FALSE, "192.168.56.101", "192.168.56.254");
  WbDhcpMessage msg, reply;
  WbUdpFrame udp;

  wb_dhcpd_set_router (server->dhcpd, IP (192, 168, 56, 1));
  wb_dhcp_message_init (&msg, WB_BOOTP_REQUEST, WB_DHCP_INFORM, 10, mac_a);
  msg.ciaddr = IP (192, 168, 56, 20);
  client_send_to (server, &msg, msg.ciaddr, server_mac, IP (192, 168, 56, 100));
  g_assert_true (take_reply (server, &reply, &udp));
  g_assert_cmpuint (reply.message_type, ==, WB_DHCP_ACK);
  g_assert_cmpuint (reply.yiaddr, ==, 0);
  g_assert_false (reply.has & WB_DHCP_HAS_LEASE_TIME);
  g_assert_cmpuint (reply.subnet_mask, ==, IP (255, 255, 255, 0));
  g_assert_cmpuint (reply.router, ==, IP (192, 168, 56, 1));
  g_assert_cmpuint (udp.dst_ip, ==, IP (192, 168, 56, 20));
  g_assert_cmpuint (wb_dhcpd_lookup (server->dhcpd, mac_a), ==, 0);
}

static gsize
arp_request (guint8       *frame,
             const guint8 *dst_mac,
             guint32       target)
{
  memset (frame, 0, 60);
  memcpy (frame, dst_mac, 6);
  memcpy (frame + 6, mac_a, 6);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_ARP);
  wb_put_be16 (frame + 14, 1);
  wb_put_be16 (frame + 16, WB_ETHERTYPE_IPV4);
  frame[18] = 6;
  frame[19] = 4;
  wb_put_be16 (frame + 20, 1);
  memcpy (frame + 22, mac_a, 6);
  wb_put_be32 (frame + 28, IP (192, 168, 56, 101));
  wb_put_be32 (frame + 38, target);
  return 60;
}

static void
test_server_arp (void)
{
  g_autoptr(Server) server = server_new (FALSE, "192.168.56.101", "192.168.56.254");
  guint8 frame[60];
  const guint8 *reply;
  gsize len;

  len = arp_request (frame, broadcast_mac, IP (192, 168, 56, 100));
  wb_dhcpd_input (server->dhcpd, frame, len);
  g_assert_cmpuint (server->frames->len, ==, 1);
  reply = g_bytes_get_data (g_ptr_array_index (server->frames, 0), &len);
  g_assert_cmpuint (len, ==, 60);
  g_assert_cmpmem (reply, 6, mac_a, 6);
  g_assert_cmpmem (reply + 6, 6, server_mac, 6);
  g_assert_cmpuint (wb_get_be16 (reply + 12), ==, WB_ETHERTYPE_ARP);
  g_assert_cmpuint (wb_get_be16 (reply + 20), ==, 2);
  g_assert_cmpmem (reply + 22, 6, server_mac, 6);
  g_assert_cmpuint (wb_get_be32 (reply + 28), ==, IP (192, 168, 56, 100));
  g_assert_cmpmem (reply + 32, 6, mac_a, 6);
  g_assert_cmpuint (wb_get_be32 (reply + 38), ==, IP (192, 168, 56, 101));
  g_ptr_array_set_size (server->frames, 0);

  /* Unicast ARP to the server is answered; other targets, truncated
   * requests, frames for other MACs are not. */
  len = arp_request (frame, server_mac, IP (192, 168, 56, 100));
  wb_dhcpd_input (server->dhcpd, frame, len);
  g_assert_cmpuint (server->frames->len, ==, 1);
  g_ptr_array_set_size (server->frames, 0);
  len = arp_request (frame, broadcast_mac, IP (192, 168, 56, 1));
  wb_dhcpd_input (server->dhcpd, frame, len);
  len = arp_request (frame, broadcast_mac, IP (192, 168, 56, 100));
  wb_dhcpd_input (server->dhcpd, frame, 41);
  len = arp_request (frame, mac_b, IP (192, 168, 56, 100));
  wb_dhcpd_input (server->dhcpd, frame, len);
  g_assert_cmpuint (server->frames->len, ==, 0);
}

/* Mutated ARP requests and DHCP messages of every type, framed with valid
 * checksums (so that they reach the DHCP logic) or mutated after framing:
 * nothing crashes, and what the server sends is always well-formed. */
static void
test_server_fuzz (void)
{
  g_autoptr(Server) server = server_new (FALSE, "192.168.56.101", "192.168.56.120");
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint8 arp[60];
  guint replies = 0;

  arp_request (arp, broadcast_mac, IP (192, 168, 56, 100));
  for (guint n = 0; n < 10000; n++)
    {
      guint8 payload[WB_DHCP_BUILD_MAX];
      guint8 buf[2048];
      WbDhcpMessage msg;
      WbUdpFrame udp = {
        .dst_mac = broadcast_mac, .src_mac = mac_a, .src_ip = 0,
        .dst_ip = WB_IPV4_BROADCAST, .src_port = 68, .dst_port = 67,
        .payload = payload,
      };
      gsize len;

      if (n % 8 == 0)
        {
          memcpy (buf, arp, sizeof arp);
          len = sizeof arp;
        }
      else
        {
          full_message (&msg);
          msg.op = WB_BOOTP_REQUEST;
          msg.giaddr = 0;
          msg.flags = 0;
          msg.message_type = g_rand_int_range (rand, WB_DHCP_DISCOVER, WB_DHCP_INFORM + 1);
          msg.chaddr[5] = (guint8) g_rand_int_range (rand, 0, 40);
          msg.ciaddr = g_rand_boolean (rand) ? 0 : IP (192, 168, 56, g_rand_int_range (rand, 95, 125));
          msg.requested_ip = IP (192, 168, 56, g_rand_int_range (rand, 95, 125));
          msg.server_id = g_rand_boolean (rand) ? IP (192, 168, 56, 100) : IP (10, 0, 0, 1);
          msg.has = g_rand_int (rand);
          udp.payload_len = wb_dhcp_message_build (&msg, payload, sizeof payload);
          for (guint i = g_rand_int_range (rand, 0, 4); i > 0; i--)
            payload[g_rand_int_range (rand, 0, udp.payload_len)] = (guint8) g_rand_int (rand);
          len = wb_udp_frame_build (&udp, buf, sizeof buf);
        }
      /* Sometimes a damaged frame, sometimes a truncated one. */
      if (g_rand_int_range (rand, 0, 4) == 0)
        buf[g_rand_int_range (rand, 0, len)] = (guint8) g_rand_int (rand);
      if (g_rand_int_range (rand, 0, 4) == 0)
        len = g_rand_int_range (rand, 0, len + 1);
      wb_dhcpd_input (server->dhcpd, buf, len);

      while (server->frames->len > 0)
        {
          g_autoptr(GBytes) out = g_ptr_array_steal_index (server->frames, 0);
          const guint8 *sent = g_bytes_get_data (out, &len);
          WbUdpFrame reply_udp;
          WbDhcpMessage reply;

          replies++;
          if (wb_get_be16 (sent + 12) == WB_ETHERTYPE_ARP)
            continue;
          g_assert_true (wb_udp_frame_parse (sent, len, &reply_udp));
          g_assert_true (wb_dhcp_message_parse (reply_udp.payload,
                                                reply_udp.payload_len, &reply));
        }
    }
  g_test_message ("%u replies to 10000 fuzzed frames", replies);
  g_assert_cmpuint (replies, >, 1000);
}

static void
test_store_leases (void)
{
  g_autoptr(Server) server = server_new (TRUE, "192.168.56.101", "192.168.56.254");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  const char *net = "HostInterfaceNetworking-vboxnet0";
  WbDhcpLease a = { "080027000001", "192.168.56.101", 1000 };
  WbDhcpLease b = { "080027000002", "192.168.56.102", 2000 };
  WbDhcpLease c = { "080027000003", "192.168.56.101", 3000 };
  WbDhcpLease *row;

  g_assert_true (wb_store_save_dhcp_lease (server->store, net, &a, &error));
  g_assert_true (wb_store_save_dhcp_lease (server->store, net, &b, &error));
  b.expires = 2500;
  g_assert_true (wb_store_save_dhcp_lease (server->store, net, &b, &error));
  g_assert_no_error (error);
  rows = wb_store_load_dhcp_leases (server->store, net, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (row->mac, ==, "080027000002");
  g_assert_cmpstr (row->ip, ==, "192.168.56.102");
  g_assert_cmpint (row->expires, ==, 2500);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* C takes A's address: A's row goes. */
  g_assert_true (wb_store_save_dhcp_lease (server->store, net, &c, &error));
  rows = wb_store_load_dhcp_leases (server->store, net, &error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((WbDhcpLease *) g_ptr_array_index (rows, 0))->mac, ==, "080027000002");
  g_assert_cmpstr (((WbDhcpLease *) g_ptr_array_index (rows, 1))->mac, ==, "080027000003");
  g_clear_pointer (&rows, g_ptr_array_unref);

  g_assert_true (wb_store_delete_dhcp_lease (server->store, net, "080027000002", &error));
  g_assert_true (wb_store_delete_dhcp_lease (server->store, net, "080027000002", &error));
  g_assert_no_error (error);
  rows = wb_store_load_dhcp_leases (server->store, net, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = wb_store_load_dhcp_leases (server->store, "intnet", &error);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* No dhcp_server row: refused (foreign key), and a deleted server takes
   * its leases along. */
  g_assert_false (wb_store_save_dhcp_lease (server->store, "intnet", &a, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (wb_store_delete_dhcp_server (server->store, net, &error));
  rows = wb_store_load_dhcp_leases (server->store, net, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);
}

/* A server whose network has no dhcp_server row still serves, and says
 * once that its leases are not saved. */
static void
test_server_store_failure (void)
{
  g_autoptr(Server) server = server_new (TRUE, "192.168.56.101", "192.168.56.254");
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (wb_store_delete_dhcp_server (server->store,
                                              "HostInterfaceNetworking-vboxnet0",
                                              &error));
  g_assert_cmpuint (acquire (server, mac_a), ==, IP (192, 168, 56, 101));
  g_assert_cmpuint (acquire (server, mac_b), ==, IP (192, 168, 56, 102));
  for (guint i = 0; i < server->log->len; i++)
    if (strstr (g_ptr_array_index (server->log, i), "not saved") != NULL)
      n++;
  g_assert_cmpuint (n, ==, 1);
}

/* --- client and server over a wire --------------------------------------- */

/* What crossed the wire, for the tests to look at. */
typedef struct
{
  gboolean from_guest;
  guint    iface;
  guint8   type;
  gboolean unicast;             /* to a MAC, not to broadcast */
  guint32  dst_ip;
  guint32  ciaddr;
  gboolean has_server_id;
  gboolean has_requested_ip;
} Seen;

typedef struct
{
  WbGuest    *guest;
  WbDhcpd    *dhcpd;
  WbTestWire *link;             /* from WIRE_GUEST or WIRE_SERVER */
  GArray     *seen;             /* Seen */
  GHashTable *props;            /* name -> value */
  GPtrArray  *guest_log;
  GPtrArray  *server_log;
  gboolean    server_down;      /* frames to the server are lost */
  gboolean    unicast_lost;     /* frames to the server's MAC are lost */
  gboolean    guest_stopped;
  GRand      *hostile;          /* answers the guest with garbage */
} Wire;

enum
{
  WIRE_GUEST,
  WIRE_SERVER,
};

static void
wire_note (Wire         *wire,
           gboolean      from_guest,
           guint         iface,
           const guint8 *frame,
           gsize         len)
{
  WbUdpFrame udp;
  WbDhcpMessage msg;
  Seen seen = { from_guest, iface, };

  if (!wb_udp_frame_parse (frame, len, &udp)
      || !wb_dhcp_message_parse (udp.payload, udp.payload_len, &msg))
    return;
  /* DHCP frames from the guest are well-formed, checksums included. */
  g_assert_cmpuint (udp.src_port, ==, from_guest ? 68 : 67);
  seen.type = msg.message_type;
  seen.unicast = !wb_mac_is_broadcast (frame);
  seen.dst_ip = udp.dst_ip;
  seen.ciaddr = msg.ciaddr;
  seen.has_server_id = (msg.has & WB_DHCP_HAS_SERVER_ID) != 0;
  seen.has_requested_ip = (msg.has & WB_DHCP_HAS_REQUESTED_IP) != 0;
  g_array_append_val (wire->seen, seen);
}

static void
wire_deliver (gpointer      user_data,
              guint         from,
              guint         iface,
              const guint8 *frame,
              gsize         len)
{
  Wire *wire = user_data;

  if (from == WIRE_SERVER)
    {
      if (!wire->guest_stopped)
        wb_guest_input (wire->guest, iface, frame, len);
      return;
    }
  if (wire->server_down || (wire->unicast_lost && wb_mac_equal (frame, server_mac)))
    return;
  wb_dhcpd_input (wire->dhcpd, frame, len);
}

static void wire_server_send_cb (gpointer      user_data,
                                 const guint8 *frame,
                                 gsize         len);

/* Replies to a client message as a broken or malicious server would: the
 * right xid and chaddr, anything at all in the rest. */
static void
hostile_answer (Wire         *wire,
                const guint8 *frame,
                gsize         len)
{
  static const guint32 times[] = { 0, 1, 2, 4, 0x7fffffff, 0xffffffff };
  WbUdpFrame udp;
  WbDhcpMessage req, reply;

  if (!wb_udp_frame_parse (frame, len, &udp)
      || !wb_dhcp_message_parse (udp.payload, udp.payload_len, &req))
    return;

  for (guint n = g_rand_int_range (wire->hostile, 2, 7); n > 0; n--)
    {
      guint8 payload[WB_DHCP_BUILD_MAX];
      guint8 out[2048];
      WbUdpFrame reply_udp = {
        .dst_mac = broadcast_mac, .src_mac = server_mac,
        .src_ip = IP (192, 168, 56, 100), .dst_ip = WB_IPV4_BROADCAST,
        .src_port = 67, .dst_port = 68, .payload = payload,
      };
      GRand *r = wire->hostile;

      full_message (&reply);
      reply.xid = req.xid;
      memcpy (reply.chaddr, req.chaddr, 6);
      /* Mostly what the client waits for, so that it gets somewhere;
       * NAKs rarely, as they send it back to the start. */
      switch (g_rand_int_range (r, 0, 20))
        {
        case 0 ... 7:
          reply.message_type = WB_DHCP_OFFER;
          break;
        case 8 ... 15:
          reply.message_type = WB_DHCP_ACK;
          break;
        case 16:
          reply.message_type = WB_DHCP_NAK;
          break;
        default:
          reply.message_type = g_rand_int_range (r, 0, 10);
          break;
        }
      reply.has = g_rand_int (r);
      if (g_rand_int_range (r, 0, 4) > 0)
        reply.has |= WB_DHCP_HAS_SERVER_ID;
      reply.yiaddr = g_rand_boolean (r) ? IP (192, 168, 56, g_rand_int_range (r, 0, 256))
                                        : g_rand_int (r);
      reply.server_id = g_rand_boolean (r) ? IP (192, 168, 56, 100) : g_rand_int (r);
      reply.lease_time = times[g_rand_int_range (r, 0, G_N_ELEMENTS (times))];
      reply.t1 = times[g_rand_int_range (r, 0, G_N_ELEMENTS (times))];
      reply.t2 = times[g_rand_int_range (r, 0, G_N_ELEMENTS (times))];
      reply.subnet_mask = g_rand_boolean (r) ? g_rand_int (r) : IP (255, 255, 255, 0);
      reply.router = g_rand_int (r);
      reply_udp.payload_len = wb_dhcp_message_build (&reply, payload, sizeof payload);
      for (guint i = g_rand_int_range (r, 0, 3); i > 0; i--)
        payload[g_rand_int_range (r, 240, reply_udp.payload_len)] = (guint8) g_rand_int (r);
      wire_server_send_cb (wire, out, wb_udp_frame_build (&reply_udp, out, sizeof out));
    }
}

static void
guest_transmit_cb (gpointer      user_data,
                   guint         iface,
                   const guint8 *frame,
                   gsize         len)
{
  Wire *wire = user_data;

  if (wire->hostile != NULL)
    {
      hostile_answer (wire, frame, len);
      return;
    }
  wire_note (wire, TRUE, iface, frame, len);
  /* The guest's frames go to the server only: its interfaces never need
   * to hear each other here. */
  wb_test_wire_send (wire->link, WIRE_GUEST, iface, frame, len);
}

static void
guest_property_cb (gpointer    user_data,
                   const char *name,
                   const char *value)
{
  Wire *wire = user_data;

  if (value != NULL)
    g_hash_table_insert (wire->props, g_strdup (name), g_strdup (value));
  else
    g_hash_table_remove (wire->props, name);
}

static void
guest_log_cb (gpointer    user_data,
              const char *message)
{
  Wire *wire = user_data;

  g_test_message ("guest: %s", message);
  g_ptr_array_add (wire->guest_log, g_strdup (message));
}

/* The server's frames reach every interface of the guest. */
static void
wire_server_send_cb (gpointer      user_data,
                     const guint8 *frame,
                     gsize         len)
{
  Wire *wire = user_data;

  wire_note (wire, FALSE, 0, frame, len);
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    if (wb_guest_has_interface (wire->guest, i))
      wb_test_wire_send (wire->link, WIRE_SERVER, i, frame, len);
}

static void
wire_server_log_cb (gpointer    user_data,
                    const char *message)
{
  Wire *wire = user_data;

  g_test_message ("dhcpd: %s", message);
  g_ptr_array_add (wire->server_log, g_strdup (message));
}

static void
wire_start_server (Wire       *wire,
                   const char *server_ip,
                   const char *lower,
                   const char *upper)
{
  g_autoptr(WbDhcpServer) config = make_config (lower, upper);

  g_free (config->server_ip);
  config->server_ip = g_strdup (server_ip);
  g_clear_pointer (&wire->dhcpd, wb_dhcpd_free);
  wire->dhcpd = wb_dhcpd_new (config, NULL, server_mac, wire_server_send_cb,
                              wire_server_log_cb, wire);
}

/* A guest with @n_ifaces DHCP interfaces (MACs mac_a, mac_b, ...; links
 * down) and a server for 192.168.56.0/24 (.100, pool .101-.254). */
static Wire *
wire_new (guint n_ifaces)
{
  static const WbGuestCallbacks callbacks = {
    guest_transmit_cb, guest_property_cb, guest_log_cb,
  };
  Wire *wire = g_new0 (Wire, 1);

  wire->link = wb_test_wire_new (NULL, wire_deliver, wire);
  wire->seen = g_array_new (FALSE, TRUE, sizeof (Seen));
  wire->props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  wire->guest_log = g_ptr_array_new_with_free_func (g_free);
  wire->server_log = g_ptr_array_new_with_free_func (g_free);
  wire_start_server (wire, "192.168.56.100", "192.168.56.101", "192.168.56.254");
  wire->guest = wb_guest_new ("vm1", g_main_context_default (), &callbacks, wire);
  for (guint i = 0; i < n_ifaces; i++)
    {
      guint8 mac[6];

      memcpy (mac, mac_a, 6);
      mac[5] += i;
      wb_guest_add_interface (wire->guest, i, mac, 1500);
      wb_guest_configure_dhcp (wire->guest, i);
    }
  return wire;
}

static void
wire_stop_guest (Wire *wire)
{
  if (wire->guest_stopped)
    return;
  wb_guest_shutdown (wire->guest);
  wire->guest_stopped = TRUE;
}

static void
wire_free (Wire *wire)
{
  wire_stop_guest (wire);
  wb_test_wire_free (wire->link);
  wb_guest_free (wire->guest);
  wb_dhcpd_free (wire->dhcpd);
  g_array_unref (wire->seen);
  g_hash_table_unref (wire->props);
  g_ptr_array_unref (wire->guest_log);
  g_ptr_array_unref (wire->server_log);
  g_clear_pointer (&wire->hostile, g_rand_free);
  g_free (wire);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Wire, wire_free)

/* Runs the main loop until @cond holds; FALSE after @timeout_ms. */
static gboolean
wire_wait (Wire            *wire,
           WbTestCondition  cond,
           gconstpointer    arg,
           guint            timeout_ms)
{
  return wb_test_wait_for (NULL, cond, wire, arg, timeout_ms);
}

/* @arg: "name=value", or "name" for "unset". */
static gboolean
property_is (gpointer       data,
             gconstpointer  arg)
{
  Wire *wire = data;
  g_auto(GStrv) parts = g_strsplit (arg, "=", 2);
  const char *value = g_hash_table_lookup (wire->props, parts[0]);

  return g_strcmp0 (value, parts[1]) == 0;
}

static guint
count_logged (GPtrArray  *log,
              const char *needle)
{
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    if (strstr (g_ptr_array_index (log, i), needle) != NULL)
      n++;
  return n;
}

static gboolean
logged (GPtrArray  *log,
        const char *needle)
{
  return count_logged (log, needle) > 0;
}

static gboolean
server_logged_cond (gpointer       data,
                    gconstpointer  needle)
{
  Wire *wire = data;
  return logged (wire->server_log, needle);
}

static guint
count_seen (Wire     *wire,
            gboolean  from_guest,
            guint8    type,
            gint      unicast)   /* -1: either */
{
  guint n = 0;

  for (guint i = 0; i < wire->seen->len; i++)
    {
      Seen *seen = &g_array_index (wire->seen, Seen, i);

      if (seen->from_guest == from_guest && seen->type == type
          && (unicast < 0 || seen->unicast == !!unicast))
        n++;
    }
  return n;
}

/* @count: a guint, as GUINT_TO_POINTER. */
static gboolean
acks_at_least (gpointer       data,
               gconstpointer  count)
{
  Wire *wire = data;
  return count_seen (wire, FALSE, WB_DHCP_ACK, -1) >= GPOINTER_TO_UINT (count);
}

#define IP0 "/VirtualBox/GuestInfo/Net/0/V4/IP"
#define IP1 "/VirtualBox/GuestInfo/Net/1/V4/IP"

static void
wire_get_lease (Wire *wire)
{
  wb_guest_set_link (wire->guest, 0, TRUE);
  g_assert_true (wire_wait (wire, property_is, IP0 "=192.168.56.101", 5000));
}

static void
test_client_lease (void)
{
  g_autoptr(Wire) wire = wire_new (1);
  guint prefix = 0;

  /* Nothing happens while the link is down. */
  wb_test_run_for (NULL, 100);
  g_assert_cmpuint (wire->seen->len, ==, 0);

  wire_get_lease (wire);
  g_assert_cmpuint (wb_guest_get_address (wire->guest, 0, &prefix), ==, IP (192, 168, 56, 101));
  g_assert_cmpuint (prefix, ==, 24);
  g_assert_true (logged (wire->guest_log,
                         "DHCP lease 192.168.56.101/24 from 192.168.56.100 on interface 0 (1200 s)"));
  g_assert_cmpuint (wb_dhcpd_lookup (wire->dhcpd, mac_a), ==, IP (192, 168, 56, 101));
  /* DISCOVER, OFFER, REQUEST (naming the server), ACK: all broadcast. */
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_DISCOVER, FALSE), ==, 1);
  g_assert_cmpuint (count_seen (wire, FALSE, WB_DHCP_OFFER, FALSE), ==, 1);
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_REQUEST, FALSE), ==, 1);
  g_assert_cmpuint (count_seen (wire, FALSE, WB_DHCP_ACK, FALSE), ==, 1);

  /* Shut down: the lease is released and the server knows it. */
  wire_stop_guest (wire);
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_RELEASE, -1), ==, 1);
  g_assert_true (wire_wait (wire, server_logged_cond,
                            "DHCPRELEASE 192.168.56.101 from 08:00:27:00:00:0a", 2000));
  g_assert_cmpuint (wb_dhcpd_lookup (wire->dhcpd, mac_a), ==, 0);
}

/* A 4 s lease: renewed by unicast at T1 (2 s), again and again. */
static void
test_client_renew (void)
{
  g_autoptr(Wire) wire = wire_new (1);

  wb_dhcpd_set_lease_time (wire->dhcpd, 4);
  wire_get_lease (wire);
  g_assert_true (logged (wire->guest_log, "(4 s)"));
  g_assert_true (wire_wait (wire, acks_at_least, GUINT_TO_POINTER (3), 6000));
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_REQUEST, TRUE), >=, 2);
  g_assert_cmpuint (count_seen (wire, FALSE, WB_DHCP_ACK, TRUE), >=, 2);
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_DISCOVER, -1), ==, 1);
  g_assert_true (property_is (wire, IP0 "=192.168.56.101"));
}

/* The server cannot be reached by unicast: at T2 (3.5 s) the client
 * broadcasts and keeps its lease. */
static void
test_client_rebind (void)
{
  g_autoptr(Wire) wire = wire_new (1);

  wb_dhcpd_set_lease_time (wire->dhcpd, 4);
  wire_get_lease (wire);
  wire->unicast_lost = TRUE;
  g_assert_true (wire_wait (wire, acks_at_least, GUINT_TO_POINTER (2), 6000));
  /* The renewal's unicast REQUEST, then a broadcast one with ciaddr. */
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_REQUEST, TRUE), >=, 1);
  for (guint i = wire->seen->len; i > 0; i--)
    {
      Seen *seen = &g_array_index (wire->seen, Seen, i - 1);

      if (seen->from_guest && seen->type == WB_DHCP_REQUEST)
        {
          g_assert_false (seen->unicast);
          g_assert_cmpuint (seen->ciaddr, ==, IP (192, 168, 56, 101));
          g_assert_false (seen->has_server_id);
          break;
        }
    }
  g_assert_true (property_is (wire, IP0 "=192.168.56.101"));
}

/* No server at all: the lease runs out and the address goes; the server
 * comes back and the client finds it again. */
static void
test_client_expiry (void)
{
  g_autoptr(Wire) wire = wire_new (1);

  wb_dhcpd_set_lease_time (wire->dhcpd, 4);
  wire_get_lease (wire);
  wire->server_down = TRUE;
  g_assert_true (wire_wait (wire, property_is, IP0, 6000));
  g_assert_cmpuint (wb_guest_get_address (wire->guest, 0, NULL), ==, 0);
  g_assert_true (logged (wire->guest_log, "DHCP lease 192.168.56.101 expired on interface 0"));
  wire->server_down = FALSE;
  g_assert_true (wire_wait (wire, property_is, IP0 "=192.168.56.101", 5000));
}

/* A first DISCOVER that is lost is repeated within two seconds. */
static void
test_client_retransmit (void)
{
  g_autoptr(Wire) wire = wire_new (1);
  gint64 start = g_get_monotonic_time ();

  wire->server_down = TRUE;
  wb_guest_set_link (wire->guest, 0, TRUE);
  wb_test_run_for (NULL, 200);
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_DISCOVER, FALSE), ==, 1);
  wire->server_down = FALSE;
  g_assert_true (wire_wait (wire, property_is, IP0 "=192.168.56.101", 5000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2500 * 1000);
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_DISCOVER, FALSE), ==, 2);
}

/* A link flap: the address goes with the link and comes back by
 * INIT-REBOOT (a REQUEST for it, no DISCOVER) at once. */
static void
test_client_link_flap (void)
{
  g_autoptr(Wire) wire = wire_new (1);
  guint discovers;
  gint64 start;

  wire_get_lease (wire);
  discovers = count_seen (wire, TRUE, WB_DHCP_DISCOVER, -1);
  wb_guest_set_link (wire->guest, 0, FALSE);
  g_assert_true (property_is (wire, IP0));
  wb_test_run_for (NULL, 100);
  start = g_get_monotonic_time ();
  wb_guest_set_link (wire->guest, 0, TRUE);
  g_assert_true (wire_wait (wire, property_is, IP0 "=192.168.56.101", 5000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_DISCOVER, -1), ==, discovers);
  {
    Seen *last = NULL;

    for (guint i = 0; i < wire->seen->len; i++)
      {
        Seen *seen = &g_array_index (wire->seen, Seen, i);

        if (seen->from_guest && seen->type == WB_DHCP_REQUEST)
          last = seen;
      }
    g_assert_nonnull (last);
    g_assert_true (last->has_requested_ip);
    g_assert_false (last->has_server_id);
    g_assert_cmpuint (last->ciaddr, ==, 0);
  }
}

/* The VM moved to another network while its link was down: its
 * INIT-REBOOT is refused, and it starts over there. */
static void
test_client_nak (void)
{
  g_autoptr(Wire) wire = wire_new (1);

  wire_get_lease (wire);
  wb_guest_set_link (wire->guest, 0, FALSE);
  wire_start_server (wire, "192.168.57.100", "192.168.57.101", "192.168.57.254");
  wb_guest_set_link (wire->guest, 0, TRUE);
  g_assert_true (wire_wait (wire, property_is, IP0 "=192.168.57.101", 5000));
  g_assert_cmpuint (count_seen (wire, FALSE, WB_DHCP_NAK, FALSE), ==, 1);
  g_assert_true (logged (wire->guest_log, "DHCP NAK from 192.168.57.100 on interface 0: wrong network"));
}

/* Two interfaces share the guest's port 68: each gets its own lease,
 * and one keeps working when the other goes. */
static void
test_client_two_interfaces (void)
{
  g_autoptr(Wire) wire = wire_new (2);

  wb_dhcpd_set_lease_time (wire->dhcpd, 4);
  wb_guest_set_link (wire->guest, 0, TRUE);
  wb_guest_set_link (wire->guest, 1, TRUE);
  g_assert_true (wire_wait (wire, property_is, IP0 "=192.168.56.101", 5000));
  g_assert_true (wire_wait (wire, property_is, IP1 "=192.168.56.102", 5000));
  g_assert_cmpuint (wb_dhcpd_lookup (wire->dhcpd, mac_b), ==, IP (192, 168, 56, 102));

  /* Static configuration replaces DHCP on interface 1 (its lease is
   * released); interface 0 still renews. */
  wb_guest_configure_static (wire->guest, 1, IP (192, 168, 56, 50), 24);
  g_assert_true (wire_wait (wire, server_logged_cond, "DHCPRELEASE 192.168.56.102", 2000));
  g_array_set_size (wire->seen, 0);
  g_assert_true (wire_wait (wire, acks_at_least, GUINT_TO_POINTER (1), 4000));
  g_assert_true (property_is (wire, IP0 "=192.168.56.101"));
  g_assert_true (property_is (wire, IP1 "=192.168.56.50"));

  /* Removing interface 0 stops its client; DHCP on interface 1 again
   * binds port 68 anew. */
  wb_guest_remove_interface (wire->guest, 0);
  wb_guest_configure_dhcp (wire->guest, 1);
  g_assert_true (wire_wait (wire, property_is, IP1 "=192.168.56.102", 5000));
}

/* Runs a command in the guest; its output. */
static char *
wire_guest_run (Wire               *wire,
                const char * const *argv,
                int                 expected_status)
{
  int status = -1;
  char *output = wb_test_guest_run (wire->guest, NULL, argv, &status, 5000);

  g_assert_cmpint (status, ==, expected_status);
  return output;
}

/* `ip addr` shows the lease; `dhcp renew` renews it at once. */
static void
test_client_commands (void)
{
  static const char * const ip_addr[] = { "ip", "addr", NULL };
  static const char * const renew[] = { "dhcp", "renew", NULL };
  g_autoptr(Wire) wire = wire_new (1);
  g_autofree char *before = NULL;
  g_autofree char *output = NULL;
  guint acks;

  before = wire_guest_run (wire, ip_addr, 0);
  g_assert_nonnull (strstr (before, "dhcp: no lease"));
  wire_get_lease (wire);
  output = wire_guest_run (wire, ip_addr, 0);
  g_test_message ("%s", output);
  g_assert_nonnull (strstr (output, "dhcp: lease 192.168.56.101/24 from 192.168.56.100, 1"));
  g_assert_nonnull (strstr (output, " s left"));

  acks = count_seen (wire, FALSE, WB_DHCP_ACK, -1);
  g_clear_pointer (&output, g_free);
  output = wire_guest_run (wire, renew, 0);
  g_assert_true (wire_wait (wire, acks_at_least, GUINT_TO_POINTER (acks + 1), 3000));
  /* The renewal: unicast both ways. */
  g_assert_cmpuint (count_seen (wire, TRUE, WB_DHCP_REQUEST, TRUE), ==, 1);
  g_assert_cmpuint (count_seen (wire, FALSE, WB_DHCP_ACK, TRUE), ==, 1);
}

/* The guest holds the address the server leased to interface 0. */
static gboolean
server_agrees (gpointer       data,
               gconstpointer  unused)
{
  Wire *wire = data;
  guint32 leased = wb_dhcpd_lookup (wire->dhcpd, mac_a);
  char text[16];

  wb_ipv4_format (leased, text);
  return leased != 0 && wb_guest_get_address (wire->guest, 0, NULL) == leased
         && g_strcmp0 (g_hash_table_lookup (wire->props, IP0), text) == 0;
}

/* Garbage from a server never crashes the client (the sanitizer build
 * checks); whatever it made of it, the interface and its property agree,
 * and a real server is found again once the link flaps. */
static void
test_client_hostile_server (void)
{
  g_autoptr(Wire) wire = wire_new (1);
  char text[16];
  guint32 address;

  wire->hostile = g_rand_new_with_seed (99);
  wb_guest_set_link (wire->guest, 0, TRUE);
  wb_test_run_for (NULL, 4000);
  address = wb_guest_get_address (wire->guest, 0, NULL);
  wb_ipv4_format (address, text);
  g_test_message ("after the hostile server: %s, %u leases, %u NAKs", text,
                  count_logged (wire->guest_log, "DHCP lease "),
                  count_logged (wire->guest_log, "DHCP NAK"));
  g_assert_cmpstr (g_hash_table_lookup (wire->props, IP0), ==, address != 0 ? text : NULL);

  /* A remembered lease is asked for again (and granted, if in the pool),
   * or the client starts over. */
  g_clear_pointer (&wire->hostile, g_rand_free);
  wb_guest_set_link (wire->guest, 0, FALSE);
  wb_guest_set_link (wire->guest, 0, TRUE);
  g_assert_true (wire_wait (wire, server_agrees, NULL, 8000));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dhcp/codec/round-trip", test_codec_round_trip);
  g_test_add_func ("/dhcp/codec/minimal", test_codec_minimal);
  g_test_add_func ("/dhcp/codec/malformed", test_codec_malformed);
  g_test_add_func ("/dhcp/codec/overload", test_codec_overload);
  g_test_add_func ("/dhcp/codec/fuzz", test_codec_fuzz);
  g_test_add_func ("/dhcp/codec/frame", test_frame);
  g_test_add_func ("/dhcp/store/leases", test_store_leases);
  g_test_add_func ("/dhcp/server/lowest-first", test_server_lowest_first);
  g_test_add_func ("/dhcp/server/restart", test_server_restart);
  g_test_add_func ("/dhcp/server/release", test_server_release);
  g_test_add_func ("/dhcp/server/exhaustion", test_server_exhaustion);
  g_test_add_func ("/dhcp/server/nak", test_server_nak);
  g_test_add_func ("/dhcp/server/decline", test_server_decline);
  g_test_add_func ("/dhcp/server/inform", test_server_inform);
  g_test_add_func ("/dhcp/server/arp", test_server_arp);
  g_test_add_func ("/dhcp/server/store-failure", test_server_store_failure);
  g_test_add_func ("/dhcp/server/fuzz", test_server_fuzz);
  g_test_add_func ("/dhcp/client/lease", test_client_lease);
  g_test_add_func ("/dhcp/client/renew", test_client_renew);
  g_test_add_func ("/dhcp/client/rebind", test_client_rebind);
  g_test_add_func ("/dhcp/client/expiry", test_client_expiry);
  g_test_add_func ("/dhcp/client/retransmit", test_client_retransmit);
  g_test_add_func ("/dhcp/client/link-flap", test_client_link_flap);
  g_test_add_func ("/dhcp/client/nak", test_client_nak);
  g_test_add_func ("/dhcp/client/two-interfaces", test_client_two_interfaces);
  g_test_add_func ("/dhcp/client/hostile-server", test_client_hostile_server);
  g_test_add_func ("/dhcp/client/commands", test_client_commands);

  return g_test_run ();
}
