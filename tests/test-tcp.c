/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The guests' TCP, services and tcp/http commands, between real guests on a
 * wire (wb-test-wire.h) that delivers each frame to the guest the
 * destination MAC names (all others for broadcasts). The wire can lose
 * frames (a seeded GRand), reorder them (hold one back until the next has
 * passed), drop
 * chosen ones (a filter), and has a fake peer at 192.168.23.66 that answers
 * ARP and records the TCP segments sent to it, so that tests can speak raw
 * TCP (SYN floods, malformed segments, reopening TIME-WAIT).
 */
#include <string.h>

#include "wb-guest.h"
#include "wb-guest-private.h"
#include "wb-net.h"
#include "wb-tcp.h"
#include "wb-test-wire.h"

#define ADDR(x)        (0xc0a81700u | (x))     /* 192.168.23.x */
#define FAKE_ADDR      ADDR (66)
#define MAX_NODES      3
#define FAKE_NODE      MAX_NODES
#define MB             (1024 * 1024)

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

static const guint8 fake_mac[6] = { 0x02, 0, 0, 0, 0, 0x66 };

typedef struct _Wire Wire;

typedef struct
{
  Wire    *wire;
  WbGuest *guest;
  guint    index;
  guint8   mac[6];
  guint32  address;
} Node;

/* TRUE: the frame is lost. */
typedef gboolean (*WireFilter) (Wire         *wire,
                                guint         from,
                                const guint8 *segment,
                                gsize         len);

/* A TCP segment a guest sent to the fake peer. */
typedef struct
{
  guint16 sport;
  guint16 dport;
  guint32 seq;
  guint32 ack;
  guint8  flags;
  gsize   len;
} FakeSegment;

struct _Wire
{
  GMainContext *context;
  WbTestWire   *link;
  Node          nodes[MAX_NODES];
  guint         n_nodes;
  GRand        *rand;
  guint         loss_permille;
  WireFilter    filter;
  guint         filter_count;       /* the filter's own state */
  GArray       *fake_rx;            /* FakeSegment */
  guint64       fake_rx_count;
  guint16       ip_id;
  /* What the wire saw. */
  guint64       frames;
  guint64       lost;
  int           syn_wscale[MAX_NODES];      /* -1: none, -2: no SYN seen */
  guint32       highest_seq[MAX_NODES];
  guint32       highest_ack[MAX_NODES];
  guint32       max_in_flight;              /* node 0 -> node 1 */
};

/* --- frames ---------------------------------------------------------------------- */

static const guint8 *
frame_tcp (const guint8 *frame,
           gsize         len,
           gsize        *tcp_len,
           guint32      *src,
           guint32      *dst)
{
  const guint8 *ip = frame + WB_ETH_HLEN;
  gsize ihl;
  gsize total;

  if (len < WB_ETH_HLEN + WB_IPV4_HLEN || wb_get_be16 (frame + 12) != WB_ETHERTYPE_IPV4)
    return NULL;
  ihl = (gsize) (ip[0] & 0xf) * 4;
  total = wb_get_be16 (ip + 2);
  if (ip[9] != WB_IP_PROTO_TCP || (wb_get_be16 (ip + 6) & 0x3fff) != 0
      || ihl < WB_IPV4_HLEN || total > len - WB_ETH_HLEN || total < ihl + WB_TCP_HLEN)
    return NULL;
  if (src != NULL)
    *src = wb_get_be32 (ip + 12);
  if (dst != NULL)
    *dst = wb_get_be32 (ip + 16);
  *tcp_len = total - ihl;
  return ip + ihl;
}

/* The window scale option of a SYN (-1: none). */
static int
tcp_syn_wscale (const guint8 *tcp,
                gsize         len)
{
  gsize hlen = (gsize) (tcp[12] >> 4) * 4;

  for (gsize i = WB_TCP_HLEN; i < hlen && i < len;)
    {
      if (tcp[i] == 0)
        break;
      if (tcp[i] == 1)
        {
          i++;
          continue;
        }
      if (i + 1 >= hlen || tcp[i + 1] < 2)
        break;
      if (tcp[i] == 3 && tcp[i + 1] == 3)
        return tcp[i + 2];
      i += tcp[i + 1];
    }
  return -1;
}

static gsize
build_tcp (guint8       *seg,
           guint32       src,
           guint32       dst,
           guint16       sport,
           guint16       dport,
           guint32       seq,
           guint32       ack,
           guint8        flags,
           guint16       window,
           const guint8 *options,
           gsize         optlen,
           const guint8 *data,
           gsize         len)
{
  gsize hlen = WB_TCP_HLEN + optlen;

  g_assert (optlen % 4 == 0);
  wb_put_be16 (seg, sport);
  wb_put_be16 (seg + 2, dport);
  wb_put_be32 (seg + 4, seq);
  wb_put_be32 (seg + 8, ack);
  seg[12] = (guint8) ((hlen / 4) << 4);
  seg[13] = flags;
  wb_put_be16 (seg + 14, window);
  memset (seg + 16, 0, 4);
  if (optlen > 0)
    memcpy (seg + WB_TCP_HLEN, options, optlen);
  if (len > 0)
    memcpy (seg + hlen, data, len);
  wb_put_be16 (seg + 16, wb_checksum_l4 (src, dst, WB_IP_PROTO_TCP, seg, hlen + len));
  return hlen + len;
}

/* An Ethernet frame around an IPv4 datagram from the fake peer. */
static gsize
build_ipv4_frame (Wire         *wire,
                  guint8       *frame,
                  const guint8 *dst_mac,
                  guint32       src,
                  guint32       dst,
                  const guint8 *payload,
                  gsize         len)
{
  guint8 *ip = frame + WB_ETH_HLEN;

  memcpy (frame, dst_mac, 6);
  memcpy (frame + 6, fake_mac, 6);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_IPV4);
  ip[0] = 0x45;
  ip[1] = 0;
  wb_put_be16 (ip + 2, (guint16) (WB_IPV4_HLEN + len));
  wb_put_be16 (ip + 4, wire->ip_id++);
  wb_put_be16 (ip + 6, 0x4000);
  ip[8] = 64;
  ip[9] = WB_IP_PROTO_TCP;
  memset (ip + 10, 0, 2);
  wb_put_be32 (ip + 12, src);
  wb_put_be32 (ip + 16, dst);
  wb_put_be16 (ip + 10, wb_checksum (ip, WB_IPV4_HLEN));
  memcpy (ip + WB_IPV4_HLEN, payload, len);
  return MAX (WB_ETH_HLEN + WB_IPV4_HLEN + len, WB_ETH_MIN_FRAME);
}

/* --- the wire -------------------------------------------------------------------- */

static void wire_queue (Wire         *wire,
                        guint         from,
                        const guint8 *frame,
                        gsize         len);

static void
fake_receive (Wire         *wire,
              const guint8 *frame,
              gsize         len)
{
  const guint8 *tcp;
  gsize tcp_len;

  if (len >= WB_ETH_HLEN + 28 && wb_get_be16 (frame + 12) == WB_ETHERTYPE_ARP)
    {
      const guint8 *arp = frame + WB_ETH_HLEN;
      guint8 reply[WB_ETH_MIN_FRAME] = { 0 };
      guint8 *r = reply + WB_ETH_HLEN;

      if (wb_get_be16 (arp + 6) != 1 || wb_get_be32 (arp + 24) != FAKE_ADDR)
        return;
      memcpy (reply, arp + 8, 6);
      memcpy (reply + 6, fake_mac, 6);
      wb_put_be16 (reply + 12, WB_ETHERTYPE_ARP);
      wb_put_be16 (r, 1);
      wb_put_be16 (r + 2, WB_ETHERTYPE_IPV4);
      r[4] = 6;
      r[5] = 4;
      wb_put_be16 (r + 6, 2);
      memcpy (r + 8, fake_mac, 6);
      wb_put_be32 (r + 14, FAKE_ADDR);
      memcpy (r + 18, arp + 8, 10);
      wire_queue (wire, FAKE_NODE, reply, sizeof reply);
      return;
    }
  tcp = frame_tcp (frame, len, &tcp_len, NULL, NULL);
  if (tcp != NULL)
    {
      FakeSegment s;

      s.sport = wb_get_be16 (tcp);
      s.dport = wb_get_be16 (tcp + 2);
      s.seq = wb_get_be32 (tcp + 4);
      s.ack = wb_get_be32 (tcp + 8);
      s.flags = tcp[13];
      s.len = tcp_len - (gsize) (tcp[12] >> 4) * 4;
      wire->fake_rx_count++;
      if (wire->fake_rx->len < 100000)
        g_array_append_val (wire->fake_rx, s);
    }
}

static void
wire_observe (Wire         *wire,
              guint         from,
              const guint8 *frame,
              gsize         len)
{
  const guint8 *tcp;
  gsize tcp_len;
  guint32 seq_end;

  if (from >= MAX_NODES || (tcp = frame_tcp (frame, len, &tcp_len, NULL, NULL)) == NULL)
    return;
  if (tcp[13] & TCP_SYN)
    wire->syn_wscale[from] = tcp_syn_wscale (tcp, tcp_len);
  seq_end = wb_get_be32 (tcp + 4) + (guint32) (tcp_len - (gsize) (tcp[12] >> 4) * 4);
  if ((gint32) (seq_end - wire->highest_seq[from]) > 0 || wire->highest_seq[from] == 0)
    wire->highest_seq[from] = seq_end;
  if ((tcp[13] & TCP_ACK)
      && ((gint32) (wb_get_be32 (tcp + 8) - wire->highest_ack[from]) > 0 || wire->highest_ack[from] == 0))
    wire->highest_ack[from] = wb_get_be32 (tcp + 8);
  if (from == 0 && wire->highest_ack[1] != 0)
    {
      guint32 flight = wire->highest_seq[0] - wire->highest_ack[1];

      if (flight < (1u << 30))
        wire->max_in_flight = MAX (wire->max_in_flight, flight);
    }
}

static void
wire_deliver (gpointer      user_data,
              guint         from,
              guint         iface,
              const guint8 *frame,
              gsize         len)
{
  Wire *wire = user_data;

  if (wb_mac_is_multicast (frame))
    {
      for (guint i = 0; i < wire->n_nodes; i++)
        if (i != from)
          wb_guest_input (wire->nodes[i].guest, 0, frame, len);
      if (from != FAKE_NODE)
        fake_receive (wire, frame, len);
      return;
    }
  if (wb_mac_equal (frame, fake_mac))
    {
      fake_receive (wire, frame, len);
      return;
    }
  for (guint i = 0; i < wire->n_nodes; i++)
    if (wb_mac_equal (frame, wire->nodes[i].mac))
      wb_guest_input (wire->nodes[i].guest, 0, frame, len);
}

static void
wire_queue (Wire         *wire,
            guint         from,
            const guint8 *frame,
            gsize         len)
{
  const guint8 *tcp;
  gsize tcp_len;

  wire->frames++;
  wire_observe (wire, from, frame, len);
  if (wire->loss_permille > 0
      && (guint) g_rand_int_range (wire->rand, 0, 1000) < wire->loss_permille)
    {
      wire->lost++;
      return;
    }
  if (wire->filter != NULL && (tcp = frame_tcp (frame, len, &tcp_len, NULL, NULL)) != NULL
      && wire->filter (wire, from, tcp, tcp_len))
    {
      wire->lost++;
      return;
    }
  wb_test_wire_send (wire->link, from, 0, frame, len);
}

static void
on_transmit (gpointer      user_data,
             guint         iface,
             const guint8 *frame,
             gsize         len)
{
  Node *node = user_data;

  wire_queue (node->wire, node->index, frame, len);
}

static void
on_log (gpointer    user_data,
        const char *message)
{
  Node *node = user_data;

  g_test_message ("%s: %s", _wb_guest_get_name (node->guest), message);
}

static Wire *
wire_new (guint n_nodes)
{
  Wire *wire = g_new0 (Wire, 1);
  static const char * const names[] = { "vm-a", "vm-b <test> & co", "vm-c" };
  WbGuestCallbacks callbacks = { .transmit = on_transmit, .log = on_log };

  wire->context = g_main_context_new ();
  /* Command tasks answer on the thread-default context. */
  g_main_context_push_thread_default (wire->context);
  /* From the test seed: each run loses other frames; --seed repeats one. */
  wire->rand = g_rand_new_with_seed (g_test_rand_int ());
  wire->link = wb_test_wire_new (wire->context, wire_deliver, wire);
  wire->fake_rx = g_array_new (FALSE, FALSE, sizeof (FakeSegment));
  wire->n_nodes = n_nodes;
  for (guint i = 0; i < MAX_NODES; i++)
    wire->syn_wscale[i] = -2;
  for (guint i = 0; i < n_nodes; i++)
    {
      Node *node = &wire->nodes[i];
      guint8 mac[6] = { 0x02, 0, 0, 0, 0, (guint8) (i + 1) };

      node->wire = wire;
      node->index = i;
      memcpy (node->mac, mac, 6);
      node->address = ADDR (i + 1);
      node->guest = wb_guest_new (names[i], wire->context, &callbacks, node);
      wb_guest_add_interface (node->guest, 0, mac, 1500);
      wb_guest_configure_static (node->guest, 0, node->address, 24);
      wb_guest_set_link (node->guest, 0, TRUE);
    }
  return wire;
}

static void
wire_free (Wire *wire)
{
  for (guint i = 0; i < wire->n_nodes; i++)
    wb_guest_free (wire->nodes[i].guest);
  wb_test_wire_free (wire->link);
  while (g_main_context_iteration (wire->context, FALSE))
    ;
  g_main_context_pop_thread_default (wire->context);
  g_main_context_unref (wire->context);
  g_rand_free (wire->rand);
  g_array_unref (wire->fake_rx);
  g_free (wire);
}

/* Runs the wire until *@flag or @ms pass; returns *@flag. */
static gboolean
wire_run_until (Wire     *wire,
                gboolean *flag,
                guint     ms)
{
  return wb_test_run_until (wire->context, flag, ms);
}

static void
wire_run_for (Wire  *wire,
              guint  ms)
{
  wb_test_run_for (wire->context, ms);
}

static WbTcpStats
node_stats (Wire  *wire,
            guint  i)
{
  WbTcpStats stats;

  _wb_tcp_stack_get_stats (_wb_guest_get_tcp (wire->nodes[i].guest), &stats);
  return stats;
}

/* Sends a TCP segment from the fake peer to node @to. */
static void
fake_send (Wire         *wire,
           guint         to,
           guint16       sport,
           guint16       dport,
           guint32       seq,
           guint32       ack,
           guint8        flags,
           const guint8 *data,
           gsize         len)
{
  static const guint8 syn_options[] = { 2, 4, 0x05, 0xb4 };      /* MSS 1460 */
  guint8 seg[2048];
  guint8 frame[2048];
  gsize n;

  n = build_tcp (seg, FAKE_ADDR, wire->nodes[to].address, sport, dport, seq, ack, flags, 65535,
                 (flags & TCP_SYN) ? syn_options : NULL, (flags & TCP_SYN) ? sizeof syn_options : 0,
                 data, len);
  n = build_ipv4_frame (wire, frame, wire->nodes[to].mac, FAKE_ADDR, wire->nodes[to].address, seg, n);
  wb_guest_input (wire->nodes[to].guest, 0, frame, n);
}

/* The last segment the fake peer got with all of @flags, from @index on. */
static const FakeSegment *
fake_find (Wire   *wire,
           guint8  flags,
           guint   from_index)
{
  for (guint i = wire->fake_rx->len; i > from_index; i--)
    {
      const FakeSegment *s = &g_array_index (wire->fake_rx, FakeSegment, i - 1);

      if ((s->flags & flags) == flags)
        return s;
    }
  return NULL;
}

/* --- endpoints: simple owners of sockets ------------------------------------------- */

typedef struct
{
  WbTcpSocket *socket;
  GString     *received;
  gboolean     connected;
  gboolean     eof;
  gboolean     closed;
  GError      *error;
  gboolean     shutdown_on_eof;
  gboolean     abort_on_data;
  guint        accepted;
} Endpoint;

static void
on_ep_connected (WbTcpSocket *socket,
                 gpointer     user_data)
{
  Endpoint *ep = user_data;

  ep->connected = TRUE;
}

static void
on_ep_received (WbTcpSocket  *socket,
                const guint8 *data,
                gsize         len,
                gpointer      user_data)
{
  Endpoint *ep = user_data;

  g_assert_false (ep->eof);
  if (len == 0)
    {
      ep->eof = TRUE;
      if (ep->shutdown_on_eof)
        wb_tcp_shutdown (socket);
      return;
    }
  g_string_append_len (ep->received, (const char *) data, (gssize) len);
  if (ep->abort_on_data)
    {
      ep->socket = NULL;
      ep->closed = TRUE;
      wb_tcp_abort (socket);
    }
}

static void
on_ep_closed (WbTcpSocket  *socket,
              const GError *error,
              gpointer      user_data)
{
  Endpoint *ep = user_data;

  g_assert_false (ep->closed);
  ep->closed = TRUE;
  ep->socket = NULL;
  if (error != NULL)
    ep->error = g_error_copy (error);
}

static const WbTcpCallbacks ep_callbacks = {
  .connected = on_ep_connected,
  .received = on_ep_received,
  .closed = on_ep_closed,
};

static void
on_ep_accept (WbTcpSocket *socket,
              gpointer     user_data)
{
  Endpoint *ep = user_data;

  ep->accepted++;
  ep->socket = socket;
  ep->connected = TRUE;
  wb_tcp_socket_set_callbacks (socket, &ep_callbacks, ep);
}

/* A listener whose accepted sockets all get one set of callbacks and one
 * user_data; it lives as long as the listener (the test's wire). */
typedef struct
{
  const WbTcpCallbacks *callbacks;
  gpointer              user_data;
} Acceptor;

static void
on_acceptor_accept (WbTcpSocket *socket,
                    gpointer     user_data)
{
  const Acceptor *acceptor = user_data;

  wb_tcp_socket_set_callbacks (socket, acceptor->callbacks, acceptor->user_data);
}

static void
endpoint_init (Endpoint *ep)
{
  memset (ep, 0, sizeof *ep);
  ep->received = g_string_new (NULL);
}

static void
endpoint_clear (Endpoint *ep)
{
  if (ep->socket != NULL)
    wb_tcp_abort (ep->socket);
  g_string_free (ep->received, TRUE);
  g_clear_error (&ep->error);
}

static void
send_all (WbTcpSocket *socket,
          const char  *text)
{
  g_assert_cmpuint (wb_tcp_send (socket, (const guint8 *) text, strlen (text)), ==, strlen (text));
}

/* A connection from node 0 to node 1's @port, both ends as endpoints. */
static void
connect_pair (Wire     *wire,
              guint16   port,
              Endpoint *client,
              Endpoint *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wb_tcp_listen (wire->nodes[1].guest, port, on_ep_accept, server, &error));
  g_assert_no_error (error);
  client->socket = wb_tcp_connect (wire->nodes[0].guest, wire->nodes[1].address, port,
                                   &ep_callbacks, client, &error);
  g_assert_no_error (error);
  g_assert_nonnull (client->socket);
  g_assert_true (wire_run_until (wire, &client->connected, 5000));
  g_assert_true (wire_run_until (wire, &server->connected, 5000));
}

/* --- handshake, data, close ---------------------------------------------------------- */

static void
test_handshake_data (void)
{
  Wire *wire = wire_new (2);
  Endpoint client;
  Endpoint server;
  guint32 address;
  guint16 port;
  guint16 client_port;

  endpoint_init (&client);
  endpoint_init (&server);
  connect_pair (wire, 5000, &client, &server);
  g_assert_cmpuint (server.accepted, ==, 1);

  wb_tcp_get_local (client.socket, &address, &client_port);
  g_assert_cmphex (address, ==, ADDR (1));
  /* The guest's ephemeral range, below the masquerading one. */
  g_assert_cmpuint (client_port, >=, 32768);
  g_assert_cmpuint (client_port, <=, 60999);
  wb_tcp_get_remote (client.socket, &address, &port);
  g_assert_cmphex (address, ==, ADDR (2));
  g_assert_cmpuint (port, ==, 5000);
  wb_tcp_get_remote (server.socket, &address, &port);
  g_assert_cmphex (address, ==, ADDR (1));
  g_assert_cmpuint (port, ==, client_port);
  wb_tcp_get_local (server.socket, &address, &port);
  g_assert_cmpuint (port, ==, 5000);

  /* Window scaling was offered both ways. */
  g_assert_cmpint (wire->syn_wscale[0], >, 0);
  g_assert_cmpint (wire->syn_wscale[1], >, 0);

  send_all (client.socket, "hello from A");
  send_all (server.socket, "hello from B");
  wire_run_for (wire, 50);
  g_assert_cmpstr (server.received->str, ==, "hello from A");
  g_assert_cmpstr (client.received->str, ==, "hello from B");

  /* A closes first; B may still send; then B closes. */
  wb_tcp_shutdown (client.socket);
  g_assert_true (wire_run_until (wire, &server.eof, 2000));
  g_assert_cmpuint (wb_tcp_send (client.socket, (const guint8 *) "x", 1), ==, 0);
  send_all (server.socket, " and more after your FIN");
  wire_run_for (wire, 50);
  g_assert_cmpstr (client.received->str, ==, "hello from B and more after your FIN");
  g_assert_false (client.eof);
  wb_tcp_shutdown (server.socket);
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  g_assert_true (wire_run_until (wire, &server.closed, 2000));
  g_assert_true (client.eof);
  g_assert_no_error (client.error);
  g_assert_no_error (server.error);

  /* The side that closed first waits in TIME-WAIT, the other is gone. */
  g_assert_cmpuint (node_stats (wire, 0).time_wait, ==, 1);
  g_assert_cmpuint (node_stats (wire, 0).sockets, ==, 1);
  g_assert_cmpuint (node_stats (wire, 1).sockets, ==, 0);

  endpoint_clear (&client);
  endpoint_clear (&server);
  wire_free (wire);
}

static void
test_simultaneous_close_time_wait (void)
{
  Wire *wire = wire_new (2);
  Endpoint client;
  Endpoint server;
  Endpoint again_client;
  Endpoint again_server;
  gboolean gone = FALSE;
  gint64 start;

  endpoint_init (&client);
  endpoint_init (&server);
  connect_pair (wire, 5001, &client, &server);

  /* Both FINs cross: CLOSING on both sides, then TIME-WAIT on both. */
  send_all (client.socket, "bye");
  wb_tcp_shutdown (client.socket);
  wb_tcp_shutdown (server.socket);
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  g_assert_true (wire_run_until (wire, &server.closed, 2000));
  g_assert_true (client.eof);
  g_assert_true (server.eof);
  g_assert_cmpstr (server.received->str, ==, "bye");
  g_assert_cmpuint (node_stats (wire, 0).time_wait, ==, 1);
  g_assert_cmpuint (node_stats (wire, 1).time_wait, ==, 1);

  /* TIME-WAIT ends after 2 MSL (4 s). */
  start = g_get_monotonic_time ();
  while (!gone && g_get_monotonic_time () - start < 8 * G_USEC_PER_SEC)
    {
      wire_run_for (wire, 100);
      gone = node_stats (wire, 0).sockets == 0 && node_stats (wire, 1).sockets == 0;
    }
  g_assert_true (gone);
  g_assert_cmpint (g_get_monotonic_time () - start, >, 3 * G_USEC_PER_SEC);
  g_assert_cmpuint (node_stats (wire, 0).time_wait, ==, 0);

  /* The port serves new connections. */
  wb_tcp_unlisten (wire->nodes[1].guest, 5001);
  endpoint_init (&again_client);
  endpoint_init (&again_server);
  connect_pair (wire, 5001, &again_client, &again_server);
  send_all (again_client.socket, "again");
  wire_run_for (wire, 50);
  g_assert_cmpstr (again_server.received->str, ==, "again");

  endpoint_clear (&again_client);
  endpoint_clear (&again_server);
  endpoint_clear (&client);
  endpoint_clear (&server);
  wire_free (wire);
}

static void
test_refused (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  Endpoint client;

  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, wire->nodes[1].address, 6000,
                                  &ep_callbacks, &client, &error);
  g_assert_no_error (error);
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  g_assert_false (client.connected);
  g_assert_error (client.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpuint (node_stats (wire, 1).resets_sent, ==, 1);
  g_assert_cmpuint (node_stats (wire, 0).sockets, ==, 0);

  /* No route: an error at once. */
  g_assert_null (wb_tcp_connect (wire->nodes[0].guest, 0x0a000001, 80, &ep_callbacks, &client, &error));
  g_assert_nonnull (error);

  endpoint_clear (&client);
  wire_free (wire);
}

static void
test_abort (void)
{
  Wire *wire = wire_new (2);
  Endpoint client;
  Endpoint server;

  endpoint_init (&client);
  endpoint_init (&server);
  connect_pair (wire, 5002, &client, &server);

  /* An abort from the owner's own callback: the server aborts on data. */
  server.abort_on_data = TRUE;
  send_all (client.socket, "provoke");
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  g_assert_error (client.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_cmpuint (node_stats (wire, 0).sockets, ==, 0);
  g_assert_cmpuint (node_stats (wire, 1).sockets, ==, 0);

  /* An abort from outside. */
  endpoint_clear (&client);
  endpoint_clear (&server);
  endpoint_init (&client);
  endpoint_init (&server);
  wb_tcp_unlisten (wire->nodes[1].guest, 5002);
  connect_pair (wire, 5002, &client, &server);
  wb_tcp_abort (client.socket);
  client.socket = NULL;
  g_assert_true (wire_run_until (wire, &server.closed, 2000));
  g_assert_error (server.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_false (client.closed);      /* no callback after wb_tcp_abort() */

  endpoint_clear (&client);
  endpoint_clear (&server);
  wire_free (wire);
}

/* --- retransmission ---------------------------------------------------------------- */

/* Loses the first SYN node 0 sends. */
static gboolean
drop_first_syn (Wire         *wire,
                guint         from,
                const guint8 *tcp,
                gsize         len)
{
  if (from == 0 && (tcp[13] & TCP_SYN) && wire->filter_count == 0)
    {
      wire->filter_count++;
      return TRUE;
    }
  return FALSE;
}

/* Loses the first and the fourth data segment node 0 sends, and the first
 * one of 100 bytes (the last of the test, alone in flight). */
static gboolean
drop_data (Wire         *wire,
           guint         from,
           const guint8 *tcp,
           gsize         len)
{
  static gboolean tail_lost;
  gsize payload = len - (gsize) (tcp[12] >> 4) * 4;

  if (from != 0 || payload == 0)
    return FALSE;
  if (wire->filter_count++ == 0)
    tail_lost = FALSE;
  if (payload == 100 && !tail_lost)
    {
      tail_lost = TRUE;
      return TRUE;
    }
  return wire->filter_count == 1 || wire->filter_count == 4;
}

static void
test_retransmit_syn (void)
{
  Wire *wire = wire_new (2);
  Endpoint client;
  Endpoint server;
  gint64 start = g_get_monotonic_time ();

  endpoint_init (&client);
  endpoint_init (&server);
  wire->filter = drop_first_syn;
  connect_pair (wire, 5003, &client, &server);
  g_assert_cmpuint (wire->filter_count, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC - 50000);
  g_assert_cmpuint (node_stats (wire, 0).retransmits, >=, 1);

  endpoint_clear (&client);
  endpoint_clear (&server);
  wire_free (wire);
}

static void
test_retransmit_data (void)
{
  Wire *wire = wire_new (2);
  Endpoint client;
  Endpoint server;
  g_autofree guint8 *data = g_malloc (100000 + 100);

  for (gsize i = 0; i < 100000 + 100; i++)
    data[i] = (guint8) (i * 7 + (i >> 9));
  endpoint_init (&client);
  endpoint_init (&server);
  connect_pair (wire, 5004, &client, &server);
  wire->filter = drop_data;

  g_assert_cmpuint (wb_tcp_send (client.socket, data, 100000), ==, 100000);
  wire_run_for (wire, 100);
  /* A lone last segment: only the timer can bring it back. */
  g_assert_cmpuint (wb_tcp_send (client.socket, data + 100000, 100), ==, 100);
  wb_tcp_shutdown (client.socket);
  server.shutdown_on_eof = TRUE;
  g_assert_true (wire_run_until (wire, &server.eof, 5000));
  g_assert_cmpuint (server.received->len, ==, 100100);
  g_assert_true (memcmp (server.received->str, data, 100100) == 0);
  g_test_message ("retransmits %" G_GUINT64_FORMAT ", timeouts %" G_GUINT64_FORMAT,
                  node_stats (wire, 0).retransmits, node_stats (wire, 0).timeouts);
  g_assert_cmpuint (node_stats (wire, 0).retransmits, >=, 3);
  g_assert_true (wire_run_until (wire, &client.closed, 5000));
  g_assert_no_error (client.error);

  endpoint_clear (&client);
  endpoint_clear (&server);
  wire_free (wire);
}

/* --- bulk transfers ---------------------------------------------------------------- */

#define BULK_BLOCK (MB + 7)

typedef struct
{
  Wire        *wire;
  WbTcpSocket *sender;
  guint8      *block;
  gsize        total;
  gsize        sent;
  gsize        received;
  GChecksum   *tx;
  GChecksum   *rx;                 /* NULL: compare with the block instead */
  gboolean     eof;
  gboolean     sender_closed;
  gboolean     receiver_closed;
  guint        writable_calls;
  guint        received_calls;
} Bulk;

static void
bulk_fill (Bulk *bulk)
{
  while (bulk->sent < bulk->total)
    {
      gsize off = bulk->sent % BULK_BLOCK;
      gsize want = MIN (bulk->total - bulk->sent, BULK_BLOCK - off);
      gsize n = wb_tcp_send (bulk->sender, bulk->block + off, want);

      if (bulk->tx != NULL)
        g_checksum_update (bulk->tx, bulk->block + off, (gssize) n);
      bulk->sent += n;
      if (n < want)
        return;
    }
  wb_tcp_shutdown (bulk->sender);
}

static void
on_bulk_connected (WbTcpSocket *socket,
                   gpointer     user_data)
{
  bulk_fill (user_data);
}

static void
on_bulk_writable (WbTcpSocket *socket,
                  gpointer     user_data)
{
  Bulk *bulk = user_data;

  bulk->writable_calls++;
  bulk_fill (bulk);
}

static void
on_bulk_sender_closed (WbTcpSocket  *socket,
                       const GError *error,
                       gpointer      user_data)
{
  Bulk *bulk = user_data;

  g_assert_no_error (error);
  bulk->sender_closed = TRUE;
}

static void
on_bulk_received (WbTcpSocket  *socket,
                  const guint8 *data,
                  gsize         len,
                  gpointer      user_data)
{
  Bulk *bulk = user_data;

  bulk->received_calls++;
  if (len == 0)
    {
      bulk->eof = TRUE;
      wb_tcp_shutdown (socket);
      return;
    }
  if (bulk->rx != NULL)
    g_checksum_update (bulk->rx, data, (gssize) len);
  else
    {
      /* Byte for byte against what was sent: exact, and cheaper than a
       * hash, so that the figure measures the stack. */
      for (gsize done = 0; done < len;)
        {
          gsize off = (bulk->received + done) % BULK_BLOCK;
          gsize n = MIN (len - done, BULK_BLOCK - off);

          g_assert_true (memcmp (data + done, bulk->block + off, n) == 0);
          done += n;
        }
    }
  bulk->received += len;
}

static void
on_bulk_receiver_closed (WbTcpSocket  *socket,
                         const GError *error,
                         gpointer      user_data)
{
  Bulk *bulk = user_data;

  g_assert_no_error (error);
  bulk->receiver_closed = TRUE;
}

static const WbTcpCallbacks bulk_sender_callbacks = {
  .connected = on_bulk_connected,
  .writable = on_bulk_writable,
  .closed = on_bulk_sender_closed,
};

static const WbTcpCallbacks bulk_receiver_callbacks = {
  .received = on_bulk_received,
  .closed = on_bulk_receiver_closed,
};

/* WIREBOX_TEST_BULK_MB overrides the size of every transfer. */
static gsize
bulk_size (gsize megabytes)
{
  const char *env = g_getenv ("WIREBOX_TEST_BULK_MB");

  if (env != NULL)
    return (gsize) g_ascii_strtoull (env, NULL, 10) * MB;
  return megabytes * MB;
}

/* Moves @megabytes from node 0 to node 1 and checks them: SHA-256 on both
 * sides, or (@hash FALSE) byte for byte. */
static void
run_bulk (gsize    megabytes,
          gboolean hash,
          guint    loss_permille,
          guint    reorder_permille,
          guint    mtu)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  Bulk bulk = { 0 };
  Acceptor acceptor = { &bulk_receiver_callbacks, &bulk };
  g_autofree char *tx = NULL;
  g_autofree char *rx = NULL;
  WbTcpStats stats;
  double seconds;

  if (mtu != 1500)
    for (guint i = 0; i < 2; i++)
      wb_guest_set_mtu (wire->nodes[i].guest, 0, mtu);
  bulk.wire = wire;
  bulk.total = bulk_size (megabytes);
  bulk.block = g_malloc (BULK_BLOCK);
  for (gsize i = 0; i < BULK_BLOCK; i++)
    bulk.block[i] = (guint8) g_rand_int (rand);
  if (hash)
    {
      bulk.tx = g_checksum_new (G_CHECKSUM_SHA256);
      bulk.rx = g_checksum_new (G_CHECKSUM_SHA256);
    }

  g_assert_true (wb_tcp_listen (wire->nodes[1].guest, 9000, on_acceptor_accept, &acceptor, &error));
  g_assert_no_error (error);
  /* Let ARP settle before the clock starts. */
  wire_run_for (wire, 20);
  wire->loss_permille = loss_permille;
  wb_test_wire_set_reorder (wire->link, wire->rand, reorder_permille);

  g_test_timer_start ();
  bulk.sender = wb_tcp_connect (wire->nodes[0].guest, wire->nodes[1].address, 9000,
                                &bulk_sender_callbacks, &bulk, &error);
  g_assert_no_error (error);
  g_assert_true (wire_run_until (wire, &bulk.eof, 120000));
  seconds = g_test_timer_elapsed ();
  g_assert_true (wire_run_until (wire, &bulk.sender_closed, 10000));
  g_assert_true (wire_run_until (wire, &bulk.receiver_closed, 10000));

  g_assert_cmpuint (bulk.received, ==, bulk.total);
  if (hash)
    {
      tx = g_strdup (g_checksum_get_string (bulk.tx));
      rx = g_strdup (g_checksum_get_string (bulk.rx));
      g_assert_cmpstr (rx, ==, tx);
    }

  stats = node_stats (wire, 0);
  g_test_message ("%" G_GSIZE_FORMAT " MiB at MTU %u, loss %u/1000, reordering %u/1000%s: %.2f s, %.0f MB/s "
                  "(%.2f Gbit/s); frames %" G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT
                  ", reordered %" G_GUINT64_FORMAT "; retransmits %" G_GUINT64_FORMAT
                  ", timeouts %" G_GUINT64_FORMAT "; max in flight %u; writable calls %u, "
                  "received calls %u",
                  bulk.total / MB, mtu, loss_permille, reorder_permille,
                  hash ? ", SHA-256 both sides" : "", seconds,
                  bulk.total / seconds / 1e6, bulk.total * 8 / seconds / 1e9,
                  wire->frames, wire->lost, wb_test_wire_get_reordered (wire->link), stats.retransmits, stats.timeouts,
                  wire->max_in_flight, bulk.writable_calls, bulk.received_calls);
  if (loss_permille > 0)
    g_assert_cmpuint (stats.retransmits, >, 0);
  /* The window went far beyond what 16 bits say: scaling is in use. */
  if (loss_permille == 0 && reorder_permille == 0)
    g_assert_cmpuint (wire->max_in_flight, >, 65535);
  g_assert_cmpint (wire->syn_wscale[0], ==, wire->syn_wscale[1]);

  g_clear_pointer (&bulk.tx, g_checksum_free);
  g_clear_pointer (&bulk.rx, g_checksum_free);
  g_free (bulk.block);
  wire_free (wire);
}

static void
test_bulk_clean (void)
{
  run_bulk (50, TRUE, 0, 0, 1500);
}

static void
test_bulk_loss (void)
{
  run_bulk (50, TRUE, 10, 0, 1500);
}

static void
test_bulk_reorder (void)
{
  run_bulk (50, TRUE, 0, 20, 1500);
}

static void
test_bulk_loss_reorder (void)
{
  run_bulk (50, TRUE, 10, 20, 1500);
}

/* The stack's own speed, beside a memcpy of the same bytes. */
static void
test_bulk_speed (gconstpointer data)
{
  guint mtu = GPOINTER_TO_UINT (data);
#if defined(__SANITIZE_ADDRESS__)
  /* A figure from the sanitizer build means little: a shorter run. */
  gsize megabytes = g_test_slow () ? 200 : 50;
#else
  gsize megabytes = 200;
#endif
  gsize size = bulk_size (megabytes);
  g_autofree guint8 *src = g_malloc (size);
  g_autofree guint8 *dst = g_malloc (size);
  double seconds;

  memset (src, 0x5a, size);
  memset (dst, 0, size);
  g_test_timer_start ();
  memcpy (dst, src, size);
  seconds = g_test_timer_elapsed ();
  g_assert_cmpint (dst[size - 1], ==, 0x5a);
  g_test_message ("memcpy of %" G_GSIZE_FORMAT " MiB: %.0f MB/s", size / MB, size / seconds / 1e6);
  run_bulk (megabytes, FALSE, 0, 0, mtu);
}

/* --- hostile peers ------------------------------------------------------------------- */

static void
test_syn_flood (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  Endpoint client;
  WbTcpStats stats;
  guint n = 5000;

  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 7, WB_GUEST_SERVICE_ECHO, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    {
      fake_send (wire, 1, (guint16) (1024 + i), 7,
                 g_rand_int (wire->rand), 0, TCP_SYN, NULL, 0);
      if (i % 100 == 99)
        wire_run_for (wire, 1);
    }
  wire_run_for (wire, 20);
  stats = node_stats (wire, 1);
  g_test_message ("after %u SYNs: %u sockets, %u half-open, %" G_GUINT64_FORMAT " dropped, "
                  "%" G_GUINT64_FORMAT " SYN-ACKs seen",
                  n, stats.sockets, stats.half_open, stats.backlog_drops, wire->fake_rx_count);
  g_assert_cmpuint (stats.half_open, <=, 128);
  g_assert_cmpuint (stats.sockets, <=, 128);
  g_assert_cmpuint (stats.backlog_drops, ==, n - 128);
  g_assert_cmpuint (wire->fake_rx_count, >, n / 2);

  /* A real client still gets through, and the echo works. */
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, wire->nodes[1].address, 7,
                                  &ep_callbacks, &client, &error);
  g_assert_no_error (error);
  g_assert_true (wire_run_until (wire, &client.connected, 5000));
  send_all (client.socket, "still here");
  wire_run_for (wire, 50);
  g_assert_cmpstr (client.received->str, ==, "still here");

  endpoint_clear (&client);
  wire_free (wire);
}

static void
send_raw (Wire         *wire,
          const guint8 *tcp,
          gsize         len)
{
  guint8 frame[256];
  gsize n = build_ipv4_frame (wire, frame, wire->nodes[1].mac, FAKE_ADDR, wire->nodes[1].address, tcp, len);

  wb_guest_input (wire->nodes[1].guest, 0, frame, n);
}

static void
test_malformed (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  guint32 b = ADDR (2);
  guint8 seg[128];
  gsize n;
  guint expected = 0;

  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 7, WB_GUEST_SERVICE_ECHO, &error));
  wire_run_for (wire, 20);

  /* Data offset below 5. */
  n = build_tcp (seg, FAKE_ADDR, b, 40000, 7, 1, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
  seg[12] = 4 << 4;
  memset (seg + 16, 0, 2);
  wb_put_be16 (seg + 16, wb_checksum_l4 (FAKE_ADDR, b, WB_IP_PROTO_TCP, seg, n));
  send_raw (wire, seg, n);
  expected++;

  /* Data offset beyond the segment. */
  n = build_tcp (seg, FAKE_ADDR, b, 40000, 7, 1, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
  seg[12] = 15 << 4;
  memset (seg + 16, 0, 2);
  wb_put_be16 (seg + 16, wb_checksum_l4 (FAKE_ADDR, b, WB_IP_PROTO_TCP, seg, n));
  send_raw (wire, seg, n);
  expected++;

  /* Truncated options: an MSS option whose length runs past the header,
   * a kind without its length byte, a zero length. */
  {
    static const guint8 runs_past[] = { 1, 1, 2, 4 };
    static const guint8 no_length[] = { 1, 1, 1, 3 };
    static const guint8 zero_length[] = { 8, 0, 1, 1 };
    static const guint8 wrong_mss_length[] = { 2, 3, 1, 1 };
    const guint8 *bad[] = { runs_past, no_length, zero_length, wrong_mss_length };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        n = build_tcp (seg, FAKE_ADDR, b, 40000, 7, 1, 0, TCP_SYN, 1000, bad[i], 4, NULL, 0);
        send_raw (wire, seg, n);
        expected++;
      }
  }

  /* A bad checksum. */
  n = build_tcp (seg, FAKE_ADDR, b, 40000, 7, 1, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
  seg[16] ^= 0x55;
  send_raw (wire, seg, n);
  expected++;

  /* Shorter than a header. */
  send_raw (wire, seg, 12);
  expected++;

  /* Port 0. */
  n = build_tcp (seg, FAKE_ADDR, b, 0, 7, 1, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
  send_raw (wire, seg, n);
  expected++;

  wire_run_for (wire, 20);
  g_assert_cmpuint (node_stats (wire, 1).bad_segments, ==, expected);
  g_assert_cmpuint (node_stats (wire, 1).sockets, ==, 0);
  g_assert_cmpuint (node_stats (wire, 1).resets_sent, ==, 0);
  g_assert_cmpuint (wire->fake_rx->len, ==, 0);

  /* A good SYN after all that gets its SYN-ACK. */
  fake_send (wire, 1, 40000, 7, 1, 0, TCP_SYN, NULL, 0);
  wire_run_for (wire, 20);
  g_assert_nonnull (fake_find (wire, TCP_SYN | TCP_ACK, 0));
  g_assert_cmpuint (node_stats (wire, 1).half_open, ==, 1);

  /* An ACK for nothing to a closed port is reset; a RST gets nothing. */
  fake_send (wire, 1, 40001, 8, 1000, 5000, TCP_ACK, NULL, 0);
  fake_send (wire, 1, 40001, 8, 1000, 5000, TCP_RST, NULL, 0);
  wire_run_for (wire, 20);
  g_assert_cmpuint (node_stats (wire, 1).resets_sent, ==, 1);
  g_assert_cmpuint (fake_find (wire, TCP_RST, 0)->seq, ==, 5000);

  wire_free (wire);
}

/* A connection in TIME-WAIT is reopened by a new SYN with a higher
 * sequence number (the fake peer reuses its port at once). */
static void
test_time_wait_reuse (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  static const char request[] = "GET / HTTP/1.0\r\n\r\n";
  const FakeSegment *s;
  guint32 iss = 1000;
  guint32 server_seq;
  guint32 fin_seq;
  guint mark;

  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 80, WB_GUEST_SERVICE_HTTP, &error));
  fake_send (wire, 1, 41000, 80, iss, 0, TCP_SYN, NULL, 0);
  wire_run_for (wire, 20);
  s = fake_find (wire, TCP_SYN | TCP_ACK, 0);
  g_assert_nonnull (s);
  g_assert_cmpuint (s->ack, ==, iss + 1);
  server_seq = s->seq + 1;
  mark = wire->fake_rx->len;
  fake_send (wire, 1, 41000, 80, iss + 1, server_seq, TCP_ACK | TCP_PSH,
             (const guint8 *) request, strlen (request));
  wire_run_for (wire, 50);

  /* The server answers and closes first. */
  s = fake_find (wire, TCP_FIN, mark);
  g_assert_nonnull (s);
  fin_seq = s->seq + (guint32) s->len;
  fake_send (wire, 1, 41000, 80, iss + 1 + (guint32) strlen (request), fin_seq + 1,
             TCP_ACK | TCP_FIN, NULL, 0);
  wire_run_for (wire, 20);
  g_assert_cmpuint (node_stats (wire, 1).time_wait, ==, 1);

  /* A new SYN from the same port, above the old sequence numbers. */
  mark = wire->fake_rx->len;
  fake_send (wire, 1, 41000, 80, iss + 100000, 0, TCP_SYN, NULL, 0);
  wire_run_for (wire, 20);
  s = fake_find (wire, TCP_SYN | TCP_ACK, mark);
  g_assert_nonnull (s);
  g_assert_cmpuint (s->ack, ==, iss + 100001);
  g_assert_cmpuint (node_stats (wire, 1).time_wait, ==, 0);
  g_assert_cmpuint (node_stats (wire, 1).half_open, ==, 1);

  wire_free (wire);
}

/* Checksum-valid segments with random contents against listeners and open
 * connections: nothing breaks, and the guest still serves afterwards. */
static void
test_random_segments (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  guint32 client_seq[4];
  guint32 server_seq[4];
  guint8 seg[1600];
  guint8 options[40];
  guint8 payload[1460];
  Endpoint client;

  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 7, WB_GUEST_SERVICE_ECHO, &error));
  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 80, WB_GUEST_SERVICE_HTTP, &error));
  for (guint c = 0; c < G_N_ELEMENTS (client_seq); c++)
    {
      const FakeSegment *s;
      guint mark = wire->fake_rx->len;

      client_seq[c] = g_rand_int (wire->rand);
      fake_send (wire, 1, (guint16) (43000 + c), c % 2 ? 80 : 7, client_seq[c], 0, TCP_SYN, NULL, 0);
      wire_run_for (wire, 5);
      s = fake_find (wire, TCP_SYN | TCP_ACK, mark);
      g_assert_nonnull (s);
      server_seq[c] = s->seq + 1;
      client_seq[c]++;
      fake_send (wire, 1, (guint16) (43000 + c), c % 2 ? 80 : 7, client_seq[c], server_seq[c], TCP_ACK, NULL, 0);
    }

  for (guint i = 0; i < 20000; i++)
    {
      guint c = (guint) g_rand_int_range (wire->rand, 0, G_N_ELEMENTS (client_seq));
      gboolean wild = g_rand_int_range (wire->rand, 0, 10) == 0;
      guint16 sport = wild ? (guint16) g_rand_int (wire->rand) : (guint16) (43000 + c);
      guint16 dport = wild ? (guint16) g_rand_int (wire->rand) : (c % 2 ? 80 : 7);
      guint32 seq = wild ? g_rand_int (wire->rand)
                         : client_seq[c] + (guint32) g_rand_int_range (wire->rand, -70000, 70000);
      guint32 ack = wild ? g_rand_int (wire->rand)
                         : server_seq[c] + (guint32) g_rand_int_range (wire->rand, -70000, 70000);
      gsize optlen = 4 * (gsize) g_rand_int_range (wire->rand, 0, 11);
      gsize len = g_rand_int_range (wire->rand, 0, 4) == 0 ? (gsize) g_rand_int_range (wire->rand, 0, 1461) : 0;
      gsize n;
      guint8 frame[1700];

      for (gsize j = 0; j < optlen; j++)
        options[j] = (guint8) g_rand_int_range (wire->rand, 0, 6);
      for (gsize j = 0; j < len; j++)
        payload[j] = (guint8) g_rand_int (wire->rand);
      n = build_tcp (seg, FAKE_ADDR, ADDR (2), sport, dport, seq, ack,
                     (guint8) g_rand_int_range (wire->rand, 0, 64), (guint16) g_rand_int (wire->rand),
                     options, optlen, payload, len);
      n = build_ipv4_frame (wire, frame, wire->nodes[1].mac, FAKE_ADDR, ADDR (2), seg, n);
      wb_guest_input (wire->nodes[1].guest, 0, frame, n);
      if (i % 200 == 199)
        wire_run_for (wire, 1);
    }
  wire_run_for (wire, 50);
  g_test_message ("after 20000 random segments: %u sockets, %" G_GUINT64_FORMAT " bad, %"
                  G_GUINT64_FORMAT " resets sent",
                  node_stats (wire, 1).sockets, node_stats (wire, 1).bad_segments,
                  node_stats (wire, 1).resets_sent);

  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 7, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.connected, 2000));
  send_all (client.socket, "fine");
  wire_run_for (wire, 50);
  g_assert_cmpstr (client.received->str, ==, "fine");

  endpoint_clear (&client);
  wire_free (wire);
}

/* A peer whose window is shut: the guest probes it, and sends when it opens. */
static void
test_zero_window (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  const FakeSegment *s;
  guint32 iss = 5000;
  guint32 server_seq;
  guint8 seg[128];
  gsize n;
  guint mark;
  guint data_segments = 0;
  gint64 start;

  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 7, WB_GUEST_SERVICE_ECHO, &error));
  fake_send (wire, 1, 42000, 7, iss, 0, TCP_SYN, NULL, 0);
  wire_run_for (wire, 20);
  s = fake_find (wire, TCP_SYN | TCP_ACK, 0);
  g_assert_nonnull (s);
  server_seq = s->seq + 1;

  /* The handshake's ACK carries "hello" and a window of 0. */
  mark = wire->fake_rx->len;
  n = build_tcp (seg, FAKE_ADDR, ADDR (2), 42000, 7, iss + 1, server_seq, TCP_ACK | TCP_PSH, 0,
                 NULL, 0, (const guint8 *) "hello", 5);
  send_raw (wire, seg, n);
  /* A probe after RTO (200 ms), the same again 400 ms later. */
  start = g_get_monotonic_time ();
  while (data_segments < 2 && g_get_monotonic_time () - start < 3 * G_USEC_PER_SEC)
    {
      wire_run_for (wire, 50);
      for (; mark < wire->fake_rx->len; mark++)
        {
          s = &g_array_index (wire->fake_rx, FakeSegment, mark);
          if (s->len > 0)
            {
              data_segments++;
              g_assert_cmpuint (s->len, ==, 1);        /* probes only */
              g_assert_cmpuint (s->seq, ==, server_seq);
            }
        }
    }
  g_test_message ("2 zero window probes in %.2f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (data_segments, ==, 2);
  /* Backing off: at least RTO and twice RTO apart. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 550000);

  /* The window opens: the rest follows at once. */
  mark = wire->fake_rx->len;
  n = build_tcp (seg, FAKE_ADDR, ADDR (2), 42000, 7, iss + 6, server_seq, TCP_ACK, 1000,
                 NULL, 0, NULL, 0);
  send_raw (wire, seg, n);
  wire_run_for (wire, 20);
  s = fake_find (wire, TCP_ACK, mark);
  g_assert_nonnull (s);
  g_assert_cmpuint (s->seq + s->len, ==, server_seq + 5);

  wire_free (wire);
}

/* --- port 0: every port ---------------------------------------------------------------- */

static void
test_listen_any (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  Endpoint any;
  Endpoint own;
  Endpoint c1;
  Endpoint c2;
  guint16 port;

  endpoint_init (&any);
  endpoint_init (&own);
  endpoint_init (&c1);
  endpoint_init (&c2);
  g_assert_true (wb_tcp_listen (wire->nodes[1].guest, 0, on_ep_accept, &any, &error));
  g_assert_true (wb_tcp_listen (wire->nodes[1].guest, 5005, on_ep_accept, &own, &error));
  g_assert_false (wb_tcp_listen (wire->nodes[1].guest, 5005, on_ep_accept, &own, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);

  c1.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 12345, &ep_callbacks, &c1, &error);
  c2.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 5005, &ep_callbacks, &c2, &error);
  g_assert_true (wire_run_until (wire, &any.connected, 2000));
  g_assert_true (wire_run_until (wire, &own.connected, 2000));
  g_assert_true (c1.connected);
  g_assert_true (c2.connected);
  g_assert_cmpuint (any.accepted, ==, 1);
  g_assert_cmpuint (own.accepted, ==, 1);
  wb_tcp_get_local (any.socket, NULL, &port);
  g_assert_cmpuint (port, ==, 12345);

  endpoint_clear (&any);
  endpoint_clear (&own);
  endpoint_clear (&c1);
  endpoint_clear (&c2);
  wire_free (wire);
}

/* --- services and commands ---------------------------------------------------------------- */

typedef struct
{
  gboolean done;
  int      status;
  char    *output;
} RunResult;

static void
run_command (Wire       *wire,
             guint       node,
             RunResult  *r,
             const char *first,
             ...) G_GNUC_NULL_TERMINATED;

static void
run_command (Wire       *wire,
             guint       node,
             RunResult  *r,
             const char *first,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  memset (r, 0, sizeof *r);
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  r->output = wb_test_guest_run (wire->nodes[node].guest, wire->context,
                                 (const char * const *) argv->pdata, &r->status, 15000);
  r->done = TRUE;
}

static void
test_service_ssh (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  Endpoint client;
  RunResult r;

  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 22, WB_GUEST_SERVICE_SSH, &error));
  g_assert_no_error (error);

  /* The bytes on the wire. */
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 22, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.connected, 2000));
  send_all (client.socket, "SSH-2.0-test\r\n");
  wire_run_for (wire, 50);
  g_assert_cmpstr (client.received->str, ==, "SSH-2.0-Wirebox_guest vm-b <test> & co\r\n");
  wb_tcp_shutdown (client.socket);
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  g_assert_no_error (client.error);
  endpoint_clear (&client);

  /* The tcp command. */
  run_command (wire, 0, &r, "tcp", "192.168.23.2", "22", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.output, ==, "SSH-2.0-Wirebox_guest vm-b <test> & co\n");
  g_free (r.output);

  /* Both ends close in order behind the command. */
  wire_run_for (wire, 100);
  g_assert_cmpuint (node_stats (wire, 1).sockets, ==, 0);

  wire_free (wire);
}

/* How many times @needle occurs in @text. */
static guint
count_text (const char *text,
            const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_service_http (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  const char *second;
  Endpoint client;
  RunResult r;

  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 80, WB_GUEST_SERVICE_HTTP, &error));
  g_assert_no_error (error);

  run_command (wire, 0, &r, "http", "http://192.168.23.2/", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.output, "<!DOCTYPE html>"));
  g_assert_nonnull (strstr (r.output, "vm-b &lt;test&gt; &amp; co"));
  g_assert_null (strstr (r.output, "<test>"));
  g_assert_nonnull (strstr (r.output, "192.168.23.2/24"));
  g_free (r.output);

  run_command (wire, 0, &r, "http", "http://192.168.23.2:80/index.html?x=1#top", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.output, "vm-b &lt;test&gt; &amp; co"));
  g_free (r.output);

  run_command (wire, 0, &r, "http", "http://192.168.23.2/missing", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.output, ==, "http: HTTP 404\n");
  g_free (r.output);

  /* The response's header block, as sent. */
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 80, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.connected, 2000));
  send_all (client.socket, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  wire_run_for (wire, 100);
  g_assert_true (g_str_has_prefix (client.received->str, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (client.received->str, "\r\nContent-Type: text/html; charset=utf-8\r\n"));
  g_assert_nonnull (strstr (client.received->str, "\r\nContent-Length: "));
  /* HTTP/1.1 keeps the connection for the next requests: two pipelined,
   * the second asking to close. */
  g_assert_null (strstr (client.received->str, "Connection:"));
  g_assert_false (client.eof);
  g_string_truncate (client.received, 0);
  send_all (client.socket, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n");
  g_assert_true (wire_run_until (wire, &client.eof, 2000));
  g_assert_true (g_str_has_prefix (client.received->str, "HTTP/1.1 200 OK\r\n"));
  second = strstr (client.received->str + 1, "HTTP/1.1 200 OK\r\n");
  g_assert_nonnull (second);
  g_assert_nonnull (strstr (second, "\r\nConnection: close\r\n"));
  /* Exactly two answers, and only the second closes. */
  g_assert_cmpuint (count_text (client.received->str, "HTTP/1.1 "), ==, 2);
  g_assert_cmpuint (count_text (client.received->str, "\r\nConnection: "), ==, 1);
  /* The HEAD answer has no body: the first page is the second answer's. */
  g_assert_true (strstr (client.received->str, "<!DOCTYPE html>") > second);
  wb_tcp_shutdown (client.socket);
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  endpoint_clear (&client);

  /* HTTP/1.0 closes unless the client asks to keep the connection. */
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 80, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.connected, 2000));
  send_all (client.socket, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  wire_run_for (wire, 100);
  g_assert_nonnull (strstr (client.received->str, "\r\nConnection: keep-alive\r\n"));
  g_assert_false (client.eof);
  send_all (client.socket, "GET / HTTP/1.0\r\n\r\n");
  g_assert_true (wire_run_until (wire, &client.eof, 2000));
  g_assert_nonnull (strstr (client.received->str, "\r\nConnection: close\r\n"));
  /* Both requests answered on the one connection: the kept one, then the
   * closing one, each with its page. */
  g_assert_cmpuint (count_text (client.received->str, " 200 OK\r\n"), ==, 2);
  g_assert_cmpuint (count_text (client.received->str, "<!DOCTYPE html>"), ==, 2);
  g_assert_true (strstr (client.received->str, "\r\nConnection: keep-alive\r\n")
                 < strstr (client.received->str, "\r\nConnection: close\r\n"));
  wb_tcp_shutdown (client.socket);
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  endpoint_clear (&client);

  /* Garbage. */
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 80, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.connected, 2000));
  send_all (client.socket, "\x01\x02 nonsense\r\n\r\n");
  g_assert_true (wire_run_until (wire, &client.eof, 2000));
  g_assert_true (g_str_has_prefix (client.received->str, "HTTP/1.1 400 "));
  endpoint_clear (&client);

  /* A request that never ends is cut at 8 KiB. */
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 80, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.connected, 2000));
  send_all (client.socket, "GET / HTTP/1.1\r\n");
  for (guint i = 0; i < 200; i++)
    send_all (client.socket, "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  g_assert_true (wire_run_until (wire, &client.eof, 2000));
  g_assert_true (g_str_has_prefix (client.received->str, "HTTP/1.1 431 "));
  endpoint_clear (&client);

  wire_free (wire);
}

static void
test_service_echo (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc (3 * MB);
  Endpoint client;
  gsize sent = 0;

  for (gsize i = 0; i < 3 * MB; i++)
    data[i] = (guint8) (i ^ (i >> 11));
  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 7, WB_GUEST_SERVICE_ECHO, &error));
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 7, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.connected, 2000));

  /* More than a send buffer: the echo waits for room ("writable"). */
  while (sent < 3 * MB)
    {
      sent += wb_tcp_send (client.socket, data + sent, 3 * MB - sent);
      g_main_context_iteration (wire->context, FALSE);
    }
  wb_tcp_shutdown (client.socket);
  g_assert_true (wire_run_until (wire, &client.closed, 10000));
  g_assert_no_error (client.error);
  g_assert_true (client.eof);
  g_assert_cmpuint (client.received->len, ==, 3 * MB);
  g_assert_true (memcmp (client.received->str, data, 3 * MB) == 0);

  /* Removing the service closes the port. */
  wb_guest_remove_service (wire->nodes[1].guest, 7);
  endpoint_clear (&client);
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 7, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  g_assert_error (client.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);

  endpoint_clear (&client);
  wire_free (wire);
}

/* A test server that answers with a chunked body. */
static void
on_chunked_received (WbTcpSocket  *socket,
                     const guint8 *data,
                     gsize         len,
                     gpointer      user_data)
{
  static const char response[] =
    "HTTP/1.1 200 OK\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "7;ext=1\r\n, wire!\r\n"
    "0\r\n"
    "X-Trailer: 1\r\n"
    "\r\n";
  GString *request = user_data;

  g_string_append_len (request, (const char *) data, (gssize) len);
  if (strstr (request->str, "\r\n\r\n") != NULL && len > 0)
    {
      send_all (socket, response);
      wb_tcp_shutdown (socket);
    }
}

static void
on_chunked_closed (WbTcpSocket  *socket,
                   const GError *error,
                   gpointer      user_data)
{
}

static const WbTcpCallbacks chunked_callbacks = {
  .received = on_chunked_received,
  .closed = on_chunked_closed,
};

static void
test_commands (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) request = g_string_new (NULL);
  Acceptor acceptor = { &chunked_callbacks, request };
  RunResult r;

  /* Refused. */
  run_command (wire, 0, &r, "tcp", "192.168.23.2", "22", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.output, ==, "tcp: connect to 192.168.23.2 port 22: Connection refused\n");
  g_free (r.output);
  run_command (wire, 0, &r, "http", "http://192.168.23.2:8080/", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.output, ==, "http: connect to 192.168.23.2 port 8080: Connection refused\n");
  g_free (r.output);

  /* No route. */
  run_command (wire, 0, &r, "tcp", "10.1.2.3", "22", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.output, ==, "tcp: connect to 10.1.2.3 port 22: No route to host\n");
  g_free (r.output);

  /* Usage: each refusal says what was wrong. */
  run_command (wire, 0, &r, "tcp", "192.168.23.2", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_true (g_str_has_prefix (r.output, "usage: tcp "));
  g_free (r.output);
  run_command (wire, 0, &r, "tcp", "host.example", "22", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_true (g_str_has_prefix (r.output, "tcp: "));
  g_assert_nonnull (strstr (r.output, "IPv4 address"));
  g_free (r.output);
  run_command (wire, 0, &r, "http", "https://192.168.23.2/", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_true (g_str_has_prefix (r.output, "http: "));
  g_assert_nonnull (strstr (r.output, "http://"));
  g_free (r.output);

  /* Chunked. */
  g_assert_true (wb_tcp_listen (wire->nodes[1].guest, 8080, on_acceptor_accept, &acceptor, &error));
  g_assert_no_error (error);
  run_command (wire, 0, &r, "http", "http://192.168.23.2:8080/path?q=1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.output, ==, "hello, wire!");
  g_assert_true (g_str_has_prefix (request->str, "GET /path?q=1 HTTP/1.1\r\n"));
  g_assert_nonnull (strstr (request->str, "\r\nHost: 192.168.23.2:8080\r\n"));
  g_assert_nonnull (strstr (request->str, "\r\nConnection: close\r\n"));
  g_free (r.output);

  wire_free (wire);
}

/* Nothing answers: the tcp command gives up after 5 s. */
static void
test_command_timeout (void)
{
  Wire *wire = wire_new (2);
  RunResult r;
  gint64 start = g_get_monotonic_time ();

  /* 192.168.23.9 is on the link, but nobody answers its ARP. */
  run_command (wire, 0, &r, "tcp", "192.168.23.9", "22", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.output, ==, "tcp: connect to 192.168.23.9 port 22: Connection timed out\n");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 4 * G_USEC_PER_SEC);
  g_free (r.output);

  wire_free (wire);
}

/* A guest that stops with connections open: their owners hear of it, and
 * nothing leaks (the sanitizer build checks). */
static void
test_guest_stops (void)
{
  Wire *wire = wire_new (2);
  g_autoptr(GError) error = NULL;
  Endpoint client;
  WbTestRun r = { 0 };

  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 7, WB_GUEST_SERVICE_ECHO, &error));
  g_assert_true (wb_guest_add_service (wire->nodes[1].guest, 80, WB_GUEST_SERVICE_HTTP, &error));
  endpoint_init (&client);
  client.socket = wb_tcp_connect (wire->nodes[0].guest, ADDR (2), 7, &ep_callbacks, &client, &error);
  g_assert_true (wire_run_until (wire, &client.connected, 2000));
  /* A command waiting for a line that the echo will never send. */
  wb_test_guest_run_async (wire->nodes[0].guest,
                           (const char * const[]) { "tcp", "192.168.23.2", "7", NULL }, NULL, &r);
  wire_run_for (wire, 50);
  g_assert_false (r.done);

  wb_guest_shutdown (wire->nodes[1].guest);
  g_assert_true (wire_run_until (wire, &client.closed, 2000));
  g_assert_error (client.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);

  wb_guest_shutdown (wire->nodes[0].guest);
  g_assert_true (wire_run_until (wire, &r.done, 2000));
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpint (r.status, !=, 0);
  g_free (r.output);

  endpoint_clear (&client);
  wire_free (wire);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tcp/handshake-data-close", test_handshake_data);
  g_test_add_func ("/tcp/simultaneous-close-time-wait", test_simultaneous_close_time_wait);
  g_test_add_func ("/tcp/refused", test_refused);
  g_test_add_func ("/tcp/abort", test_abort);
  g_test_add_func ("/tcp/listen-any", test_listen_any);
  g_test_add_func ("/tcp/retransmit/syn", test_retransmit_syn);
  g_test_add_func ("/tcp/retransmit/data", test_retransmit_data);
  g_test_add_func ("/tcp/bulk/clean", test_bulk_clean);
  g_test_add_data_func ("/tcp/bulk/speed-1500", GUINT_TO_POINTER (1500), test_bulk_speed);
  g_test_add_data_func ("/tcp/bulk/speed-9000", GUINT_TO_POINTER (9000), test_bulk_speed);
  g_test_add_func ("/tcp/bulk/loss", test_bulk_loss);
  g_test_add_func ("/tcp/bulk/reorder", test_bulk_reorder);
  g_test_add_func ("/tcp/bulk/loss-reorder", test_bulk_loss_reorder);
  g_test_add_func ("/tcp/syn-flood", test_syn_flood);
  g_test_add_func ("/tcp/malformed", test_malformed);
  g_test_add_func ("/tcp/time-wait-reuse", test_time_wait_reuse);
  g_test_add_func ("/tcp/zero-window", test_zero_window);
  g_test_add_func ("/tcp/random-segments", test_random_segments);
  g_test_add_func ("/tcp/service/ssh", test_service_ssh);
  g_test_add_func ("/tcp/service/http", test_service_http);
  g_test_add_func ("/tcp/service/echo", test_service_echo);
  g_test_add_func ("/tcp/commands", test_commands);
  g_test_add_func ("/tcp/commands/timeout", test_command_timeout);
  g_test_add_func ("/tcp/guest-stops", test_guest_stops);

  return g_test_run ();
}
