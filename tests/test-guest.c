/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The guest's IP layer, driven through its frames: guests wired together
 * by the in-test wire (wb-test-wire.h) as a hub per segment, commands run as
 * `guestcontrol` runs them, and hand-made frames for what a well-behaved
 * peer never sends.
 */
#include <string.h>

#include "wb-guest-internal.h"
#include "wb-test-wire.h"

#define MAX_NODES      4
#define WAIT_MS        20000

#define IP4(a, b, c, d) \
  (((guint32) (a) << 24) | ((guint32) (b) << 16) | ((guint32) (c) << 8) | (guint32) (d))

typedef struct _Lab Lab;

typedef struct
{
  Lab        *lab;
  guint       index;
  WbGuest    *guest;
  GHashTable *props;                      /* name -> value (set ones only) */
  GPtrArray  *logs;
  guint       segment[WB_GUEST_MAX_IFACES]; /* 0: not wired */
  guint       callbacks;                  /* every callback, to see that none follows shutdown */
} Node;

typedef struct
{
  guint   node;
  guint   iface;
  GBytes *frame;
} Frame;

/* Return FALSE to lose the frame on the wire. */
typedef gboolean (*TapFunc) (Lab          *lab,
                             guint         node,
                             guint         iface,
                             const guint8 *frame,
                             gsize         len);

struct _Lab
{
  GMainContext *context;
  Node          nodes[MAX_NODES];
  guint         n_nodes;
  WbTestWire   *wire;
  GPtrArray    *captured;                 /* Frame: everything transmitted */
  TapFunc       tap;
  gboolean      duplicate;                /* every frame arrives twice */
};

static void
frame_free (gpointer data)
{
  Frame *f = data;

  g_bytes_unref (f->frame);
  g_free (f);
}

/* A hub per segment. */
static void
wire_deliver (gpointer      user_data,
              guint         node,
              guint         iface,
              const guint8 *frame,
              gsize         len)
{
  Lab *lab = user_data;
  guint segment = lab->nodes[node].segment[iface];

  for (guint n = 0; n < lab->n_nodes; n++)
    for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
      if (n != node && segment != 0 && lab->nodes[n].segment[i] == segment
          && lab->nodes[n].guest != NULL)
        wb_guest_input (lab->nodes[n].guest, i, frame, len);
}

static void
transmit_cb (gpointer      user_data,
             guint         iface,
             const guint8 *frame,
             gsize         len)
{
  Node *node = user_data;
  Lab *lab = node->lab;
  Frame *f;

  g_assert_cmpuint (len, >=, WB_ETH_HLEN);
  node->callbacks++;
  f = g_new0 (Frame, 1);
  f->node = node->index;
  f->iface = iface;
  f->frame = g_bytes_new (frame, len);
  g_ptr_array_add (lab->captured, f);
  if (lab->tap != NULL && !lab->tap (lab, node->index, iface, frame, len))
    return;
  wb_test_wire_send (lab->wire, node->index, iface, frame, len);
  if (lab->duplicate)
    wb_test_wire_send (lab->wire, node->index, iface, frame, len);
}

static void
property_changed_cb (gpointer    user_data,
                     const char *name,
                     const char *value)
{
  Node *node = user_data;

  node->callbacks++;
  if (value != NULL)
    g_hash_table_insert (node->props, g_strdup (name), g_strdup (value));
  else
    g_hash_table_remove (node->props, name);
}

static void
log_cb (gpointer    user_data,
        const char *message)
{
  Node *node = user_data;

  node->callbacks++;
  g_ptr_array_add (node->logs, g_strdup (message));
}

static const WbGuestCallbacks node_callbacks = {
  transmit_cb,
  property_changed_cb,
  log_cb,
};

static Lab *
lab_new (void)
{
  Lab *lab = g_new0 (Lab, 1);

  lab->context = g_main_context_new ();
  g_main_context_push_thread_default (lab->context);
  lab->wire = wb_test_wire_new (lab->context, wire_deliver, lab);
  lab->captured = g_ptr_array_new_with_free_func (frame_free);
  return lab;
}

static void
lab_free (Lab *lab)
{
  for (guint n = 0; n < lab->n_nodes; n++)
    {
      g_clear_pointer (&lab->nodes[n].guest, wb_guest_free);
      g_hash_table_unref (lab->nodes[n].props);
      g_ptr_array_unref (lab->nodes[n].logs);
    }
  wb_test_wire_free (lab->wire);
  g_ptr_array_unref (lab->captured);
  /* Let GTask callbacks and destroyed sources go. */
  while (g_main_context_iteration (lab->context, FALSE))
    ;
  g_main_context_pop_thread_default (lab->context);
  g_main_context_unref (lab->context);
  g_free (lab);
}

static Node *
lab_add_node (Lab        *lab,
              const char *name)
{
  Node *node = &lab->nodes[lab->n_nodes];

  g_assert_cmpuint (lab->n_nodes, <, MAX_NODES);
  node->lab = lab;
  node->index = lab->n_nodes++;
  node->props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  node->logs = g_ptr_array_new_with_free_func (g_free);
  node->guest = wb_guest_new (name, lab->context, &node_callbacks, node);
  return node;
}

static void
node_mac (Node   *node,
          guint   iface,
          guint8  mac[6])
{
  mac[0] = 0x08;
  mac[1] = 0x00;
  mac[2] = 0x27;
  mac[3] = 0x00;
  mac[4] = (guint8) (node->index + 1);
  mac[5] = (guint8) iface;
}

/* An interface, wired to @segment, up, with a static address. */
static void
node_add_iface (Node    *node,
                guint    iface,
                guint    segment,
                guint    mtu,
                guint32  address,
                guint    prefix)
{
  guint8 mac[6];

  node_mac (node, iface, mac);
  wb_guest_add_interface (node->guest, iface, mac, mtu);
  node->segment[iface] = segment;
  wb_guest_set_link (node->guest, iface, TRUE);
  if (address != 0)
    wb_guest_configure_static (node->guest, iface, address, prefix);
}

/* The value of /VirtualBox/GuestInfo/Net/@leaf, NULL when unset. */
static const char *
prop (Node       *node,
      const char *leaf)
{
  g_autofree char *name = g_strconcat ("/VirtualBox/GuestInfo/Net/", leaf, NULL);

  return g_hash_table_lookup (node->props, name);
}

static gboolean
node_has_log (Node       *node,
              const char *fragment)
{
  for (guint i = 0; i < node->logs->len; i++)
    if (strstr (g_ptr_array_index (node->logs, i), fragment) != NULL)
      return TRUE;
  return FALSE;
}

static void
lab_run_ms (Lab  *lab,
            guint ms)
{
  wb_test_run_for (lab->context, ms);
}

/* Until the wire is quiet (frames answered, ARP done). */
static void
lab_settle (Lab *lab)
{
  for (guint i = 0; i < 1000 && (wb_test_wire_is_busy (lab->wire)
                                 || g_main_context_pending (lab->context)); i++)
    g_main_context_iteration (lab->context, wb_test_wire_is_busy (lab->wire));
}

static void
run_wait (Lab       *lab,
          WbTestRun *r)
{
  g_assert_true (wb_test_run_until (lab->context, &r->done, WAIT_MS));
}

/* Runs a command line (split at spaces) to its end; returns its output. */
static char *
node_run (Node       *node,
          const char *command,
          int        *status)
{
  g_auto(GStrv) argv = g_strsplit (command, " ", -1);

  return wb_test_guest_run (node->guest, node->lab->context, (const char * const *) argv, status,
                            WAIT_MS);
}

static void
assert_matches (const char *text,
                const char *pattern)
{
  if (!g_regex_match_simple (pattern, text, G_REGEX_MULTILINE | G_REGEX_DOTALL, 0))
    g_error ("\"%s\"\ndoes not match\n\"%s\"", text, pattern);
}

/* The "time NNNms" of ping's statistics. */
static guint
ping_time (const char *out)
{
  const char *t = strstr (out, "% packet loss, time ");

  g_assert_nonnull (t);
  return (guint) g_ascii_strtoull (t + strlen ("% packet loss, time "), NULL, 10);
}

/* --- frames made by hand ------------------------------------------------------------------- */

static gsize
build_ipv4 (guint8       *frame,
            const guint8 *dst_mac,
            const guint8 *src_mac,
            guint32       src,
            guint32       dst,
            guint8        proto,
            guint16       id,
            guint16       frag,
            guint8        ttl,
            const guint8 *payload,
            gsize         len)
{
  WbIpMeta meta = { .src = src, .dst = dst, .proto = proto, .ttl = ttl, .id = id };

  memcpy (frame, dst_mac, 6);
  memcpy (frame + 6, src_mac, 6);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_IPV4);
  _wb_guest_ip_header_write (frame + WB_ETH_HLEN, &meta, WB_IPV4_HLEN + len, frag);
  memcpy (frame + WB_ETH_HLEN + WB_IPV4_HLEN, payload, len);
  return WB_ETH_HLEN + WB_IPV4_HLEN + len;
}

/* An ICMP echo request with @size bytes of data. */
static guint8 *
build_echo (guint16  id,
            guint16  seq,
            gsize    size,
            gsize   *len)
{
  guint8 *msg = g_malloc0 (WB_ICMP_HLEN + size);

  msg[0] = WB_ICMP_ECHO_REQUEST;
  wb_put_be16 (msg + 4, id);
  wb_put_be16 (msg + 6, seq);
  for (gsize i = 0; i < size; i++)
    msg[WB_ICMP_HLEN + i] = (guint8) (i * 7);
  wb_put_be16 (msg + 2, wb_checksum (msg, WB_ICMP_HLEN + size));
  *len = WB_ICMP_HLEN + size;
  return msg;
}

static gboolean
frame_is_ipv4 (GBytes  *bytes,
               guint8   proto,
               guint32 *src,
               guint32 *dst)
{
  gsize len;
  const guint8 *f = g_bytes_get_data (bytes, &len);

  if (len < WB_ETH_HLEN + WB_IPV4_HLEN || wb_get_be16 (f + 12) != WB_ETHERTYPE_IPV4
      || f[WB_ETH_HLEN + 9] != proto)
    return FALSE;
  if (src != NULL)
    *src = wb_get_be32 (f + WB_ETH_HLEN + 12);
  if (dst != NULL)
    *dst = wb_get_be32 (f + WB_ETH_HLEN + 16);
  return TRUE;
}

/* Frames @node sent: ICMP of @type (first fragments only), or -1 for any. */
static guint
count_icmp (Lab  *lab,
            Node *node,
            gint  type)
{
  guint count = 0;

  for (guint i = 0; i < lab->captured->len; i++)
    {
      Frame *f = g_ptr_array_index (lab->captured, i);
      const guint8 *data = g_bytes_get_data (f->frame, NULL);

      if (f->node == node->index && frame_is_ipv4 (f->frame, WB_IP_PROTO_ICMP, NULL, NULL)
          && (wb_get_be16 (data + WB_ETH_HLEN + 6) & WB_IP_OFFSET_MASK) == 0
          && (type < 0 || data[WB_ETH_HLEN + WB_IPV4_HLEN] == type))
        count++;
    }
  return count;
}

/* The @nth ARP request @node sent for @target (from 0), NULL if none. */
static const guint8 *
nth_arp_request (Lab     *lab,
                 Node    *node,
                 guint32  target,
                 guint    nth)
{
  for (guint i = 0; i < lab->captured->len; i++)
    {
      Frame *f = g_ptr_array_index (lab->captured, i);
      gsize len;
      const guint8 *data = g_bytes_get_data (f->frame, &len);
      const guint8 *arp = data + WB_ETH_HLEN;

      if (f->node == node->index && len >= WB_ETH_HLEN + 28
          && wb_get_be16 (data + 12) == WB_ETHERTYPE_ARP && wb_get_be16 (arp + 6) == 1
          && wb_get_be32 (arp + 24) == target && nth-- == 0)
        return data;
    }
  return NULL;
}

static guint
count_arp_requests (Lab     *lab,
                    Node    *node,
                    guint32  target)
{
  guint count = 0;

  while (nth_arp_request (lab, node, target, count) != NULL)
    count++;
  return count;
}

/* --- UDP sinks --------------------------------------------------------------------------------- */

typedef struct
{
  guint    count;
  guint    iface;
  guint32  src;
  guint16  src_port;
  guint32  dst;
  guint16  dst_port;
  GBytes  *data;
  gboolean echo;       /* send it back where it came from */
} UdpSink;

static void
udp_sink_cb (WbGuest      *guest,
             guint         iface,
             guint32       src,
             guint16       src_port,
             guint32       dst,
             guint16       dst_port,
             const guint8 *data,
             gsize         len,
             gpointer      user_data)
{
  UdpSink *sink = user_data;

  sink->count++;
  sink->iface = iface;
  sink->src = src;
  sink->src_port = src_port;
  sink->dst = dst;
  sink->dst_port = dst_port;
  g_clear_pointer (&sink->data, g_bytes_unref);
  sink->data = g_bytes_new (data, len);
  if (sink->echo)
    g_assert_true (_wb_guest_udp_send (guest, 0, dst_port, src, src_port, data, len, NULL));
}

static void
udp_sink_clear (UdpSink *sink)
{
  g_clear_pointer (&sink->data, g_bytes_unref);
}

/* Two guests on 192.168.23.0/24: A .2 and B .3. */
static Lab *
lab_pair (guint mtu,
          Node **a,
          Node **b)
{
  Lab *lab = lab_new ();

  *a = lab_add_node (lab, "A");
  *b = lab_add_node (lab, "B");
  node_add_iface (*a, 0, 1, mtu, IP4 (192, 168, 23, 2), 24);
  node_add_iface (*b, 0, 1, mtu, IP4 (192, 168, 23, 3), 24);
  lab_settle (lab);
  g_ptr_array_set_size (lab->captured, 0);
  return lab;
}

/* A 192.168.23.2/24 (gateway .1) - R .1 | 10.0.0.1 - B 10.0.0.2/24. */
static Lab *
lab_routed (Node **a,
            Node **r,
            Node **b)
{
  Lab *lab = lab_new ();

  *a = lab_add_node (lab, "A");
  *r = lab_add_node (lab, "R");
  *b = lab_add_node (lab, "B");
  node_add_iface (*a, 0, 1, 1500, IP4 (192, 168, 23, 2), 24);
  wb_guest_set_gateway ((*a)->guest, 0, IP4 (192, 168, 23, 1));
  node_add_iface (*r, 0, 1, 1500, IP4 (192, 168, 23, 1), 24);
  node_add_iface (*r, 1, 2, 1500, IP4 (10, 0, 0, 1), 24);
  node_add_iface (*b, 0, 2, 1500, IP4 (10, 0, 0, 2), 24);
  wb_guest_set_ip_forward ((*r)->guest, TRUE);
  lab_settle (lab);
  g_ptr_array_set_size (lab->captured, 0);
  return lab;
}

/* --- tests --------------------------------------------------------------------------------------- */

static void
test_properties (void)
{
  Lab *lab = lab_new ();
  Node *a = lab_add_node (lab, "A");
  guint8 mac[6] = { 0x08, 0x00, 0x27, 0xbb, 0x14, 0x75 };
  guint prefix = 0;
  guint arp_before;

  wb_guest_add_interface (a->guest, 0, mac, 1500);
  a->segment[0] = 1;
  g_assert_cmpstr (prop (a, "Count"), ==, "1");
  g_assert_cmpstr (prop (a, "0/MAC"), ==, "080027BB1475");
  g_assert_cmpstr (prop (a, "0/Status"), ==, "Down");
  g_assert_null (prop (a, "0/V4/IP"));
  g_assert_true (wb_guest_has_interface (a->guest, 0));
  g_assert_false (wb_guest_has_interface (a->guest, 1));
  g_assert_false (wb_guest_has_interface (a->guest, 99));

  wb_guest_set_link (a->guest, 0, TRUE);
  g_assert_cmpstr (prop (a, "0/Status"), ==, "Up");
  g_assert_true (node_has_log (a, "eth0: link up"));

  arp_before = count_arp_requests (lab, a, IP4 (192, 168, 56, 101));
  wb_guest_configure_static (a->guest, 0, IP4 (192, 168, 56, 101), 24);
  g_assert_cmpstr (prop (a, "0/V4/IP"), ==, "192.168.56.101");
  g_assert_cmpstr (prop (a, "0/V4/Broadcast"), ==, "192.168.56.255");
  g_assert_cmpstr (prop (a, "0/V4/Netmask"), ==, "255.255.255.0");
  g_assert_cmpuint (wb_guest_get_address (a->guest, 0, &prefix), ==, IP4 (192, 168, 56, 101));
  g_assert_cmpuint (prefix, ==, 24);
  g_assert_true (node_has_log (a, "eth0: address 192.168.56.101/24"));
  /* A gratuitous ARP announced it. */
  g_assert_cmpuint (count_arp_requests (lab, a, IP4 (192, 168, 56, 101)), ==, arp_before + 1);

  wb_guest_configure_static (a->guest, 0, IP4 (10, 1, 2, 3), 8);
  g_assert_cmpstr (prop (a, "0/V4/Broadcast"), ==, "10.255.255.255");
  g_assert_cmpstr (prop (a, "0/V4/Netmask"), ==, "255.0.0.0");

  mac[5] = 0x76;
  wb_guest_add_interface (a->guest, 3, mac, 9000);
  g_assert_cmpstr (prop (a, "Count"), ==, "2");
  g_assert_cmpstr (prop (a, "3/MAC"), ==, "080027BB1476");
  g_assert_cmpuint (_wb_guest_iface_mtu (a->guest, 3), ==, 9000);
  wb_guest_remove_interface (a->guest, 3);
  g_assert_cmpstr (prop (a, "Count"), ==, "1");
  g_assert_null (prop (a, "3/MAC"));

  /* The address goes: its properties are unset. */
  wb_guest_configure_static (a->guest, 0, 0, 0);
  g_assert_null (prop (a, "0/V4/IP"));
  g_assert_null (prop (a, "0/V4/Broadcast"));
  g_assert_null (prop (a, "0/V4/Netmask"));
  g_assert_true (node_has_log (a, "eth0: address cleared"));
  g_assert_cmpuint (wb_guest_get_address (a->guest, 0, NULL), ==, 0);

  /* DHCP (a client that has no lease yet) starts unconfigured. */
  wb_guest_configure_static (a->guest, 0, IP4 (192, 168, 56, 101), 24);
  wb_guest_configure_dhcp (a->guest, 0);
  g_assert_null (prop (a, "0/V4/IP"));
  wb_guest_set_link (a->guest, 0, FALSE);
  g_assert_cmpstr (prop (a, "0/Status"), ==, "Down");
  g_assert_true (node_has_log (a, "eth0: link down"));

  lab_free (lab);
}

static void
test_arp (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  UdpSink sink = { 0 };
  g_autofree char *table = NULL;
  g_autofree char *table_b = NULL;
  int status;

  g_assert_true (_wb_guest_udp_bind (b->guest, 9, udp_sink_cb, &sink, NULL));
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 4000, IP4 (192, 168, 23, 3), 9,
                                     (const guint8 *) "one", 3, NULL));
  lab_settle (lab);
  g_assert_cmpuint (sink.count, ==, 1);
  g_assert_cmpuint (count_arp_requests (lab, a, IP4 (192, 168, 23, 3)), ==, 1);

  /* The cache answers the second time. */
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 4000, IP4 (192, 168, 23, 3), 9,
                                     (const guint8 *) "two", 3, NULL));
  lab_settle (lab);
  g_assert_cmpuint (sink.count, ==, 2);
  g_assert_cmpuint (count_arp_requests (lab, a, IP4 (192, 168, 23, 3)), ==, 1);

  table = node_run (a, "arp", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (table, ==,
                   "Address                  HWtype  HWaddress           Flags Mask            Iface\n"
                   "192.168.23.3             ether   08:00:27:00:02:00   C                     eth0\n");
  /* B learned A from its request. */
  table_b = node_run (b, "arp", &status);
  g_assert_nonnull (strstr (table_b, "192.168.23.2             ether   08:00:27:00:01:00   C"));

  udp_sink_clear (&sink);
  lab_free (lab);
}

static void
test_arp_failure (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  guint64 drops = _wb_guest_get_drops (a->guest);
  g_autofree char *table = NULL;
  int status;

  /* 1 s between requests becomes 10 ms. */
  _wb_guest_set_time_scale (a->guest, 0.01);
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 4000, IP4 (192, 168, 23, 99), 9,
                                     (const guint8 *) "x", 1, NULL));
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 4000, IP4 (192, 168, 23, 99), 9,
                                     (const guint8 *) "y", 1, NULL));
  table = node_run (a, "arp", &status);
  g_assert_nonnull (strstr (table, "192.168.23.99                    (incomplete)                              eth0\n"));
  lab_run_ms (lab, 300);
  g_assert_cmpuint (count_arp_requests (lab, a, IP4 (192, 168, 23, 99)), ==, 3);
  g_assert_cmpuint (_wb_guest_get_drops (a->guest), ==, drops + 2);
  g_assert_true (node_has_log (a, "no ARP reply"));
  g_clear_pointer (&table, g_free);
  table = node_run (a, "arp", &status);
  g_assert_cmpstr (table, ==, "");
  lab_free (lab);
}

static void
test_arp_expiry (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *table = NULL;
  g_autofree char *out = NULL;
  int status;

  /* A 60 s lifetime becomes 60 ms; a used entry is confirmed again. */
  _wb_guest_set_time_scale (a->guest, 0.001);
  out = node_run (a, "ping -c 3 -i 0.1 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpuint (count_arp_requests (lab, a, IP4 (192, 168, 23, 3)), >=, 2);
  g_assert_nonnull (strstr (out, "3 received"));
  /* Unused, it goes. */
  lab_run_ms (lab, 400);
  table = node_run (a, "arp", &status);
  g_assert_cmpstr (table, ==, "");
  lab_free (lab);
}

static void
test_arp_conflict (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);

  /* B takes A's address: A sees B's gratuitous ARP. */
  wb_guest_configure_static (b->guest, 0, IP4 (192, 168, 23, 2), 24);
  lab_settle (lab);
  g_assert_true (node_has_log (a, "08:00:27:00:02:00 claims our address 192.168.23.2"));
  lab_free (lab);
}

static void
test_ping (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  int status;

  out = node_run (a, "ping -c 3 -i 0.2 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  assert_matches (out,
                  "^PING 192\\.168\\.23\\.3 \\(192\\.168\\.23\\.3\\) 56\\(84\\) bytes of data\\.\n"
                  "64 bytes from 192\\.168\\.23\\.3: icmp_seq=1 ttl=64 time=[0-9]+\\.[0-9]+ ms\n"
                  "64 bytes from 192\\.168\\.23\\.3: icmp_seq=2 ttl=64 time=[0-9]+\\.[0-9]+ ms\n"
                  "64 bytes from 192\\.168\\.23\\.3: icmp_seq=3 ttl=64 time=[0-9]+\\.[0-9]+ ms\n"
                  "\n"
                  "--- 192\\.168\\.23\\.3 ping statistics ---\n"
                  "3 packets transmitted, 3 received, 0% packet loss, time [0-9]+ms\n"
                  "rtt min/avg/max/mdev = [0-9]+\\.[0-9]{3}/[0-9]+\\.[0-9]{3}/[0-9]+\\.[0-9]{3}/[0-9]+\\.[0-9]{3} ms\n$");
  /* From the first request to the last. */
  g_assert_cmpuint (ping_time (out), >=, 399);
  g_assert_cmpuint (count_icmp (lab, a, WB_ICMP_ECHO_REQUEST), ==, 3);
  g_assert_cmpuint (count_icmp (lab, b, WB_ICMP_ECHO_REPLY), ==, 3);
  g_clear_pointer (&out, g_free);

  /* Small payloads carry no timestamp in iputils: no times. */
  out = node_run (a, "ping -c 1 -s 8 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  assert_matches (out, "^PING 192\\.168\\.23\\.3 \\(192\\.168\\.23\\.3\\) 8\\(36\\) bytes of data\\.\n"
                       "16 bytes from 192\\.168\\.23\\.3: icmp_seq=1 ttl=64\n\n"
                       "--- 192\\.168\\.23\\.3 ping statistics ---\n"
                       "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n\n$");
  g_clear_pointer (&out, g_free);

  /* Its own address, through the loopback. */
  out = node_run (a, "ping -c 1 192.168.23.2", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "64 bytes from 192.168.23.2: icmp_seq=1 ttl=64 time="));
  lab_free (lab);
}

static void
test_ping_unreachable (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  int status;

  out = node_run (a, "ping -c 2 -i 0.2 -W 0.5 192.168.23.99", &status);
  g_assert_cmpint (status, ==, 1);
  assert_matches (out,
                  "^PING 192\\.168\\.23\\.99 \\(192\\.168\\.23\\.99\\) 56\\(84\\) bytes of data\\.\n"
                  "\n"
                  "--- 192\\.168\\.23\\.99 ping statistics ---\n"
                  "2 packets transmitted, 0 received, 100% packet loss, time [0-9]+ms\n"
                  "\n$");
  g_assert_cmpuint (ping_time (out), >=, 199);
  g_clear_pointer (&out, g_free);

  out = node_run (a, "ping -c 1 10.9.9.9", &status);
  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (out, ==, "ping: connect: Network is unreachable\n");
  g_clear_pointer (&out, g_free);

  out = node_run (a, "ping -c 1 host.example", &status);
  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (out, ==, "ping: host.example: Name or service not known\n");
  g_clear_pointer (&out, g_free);

  out = node_run (a, "ping -c", &status);
  g_assert_cmpint (status, ==, 2);
  g_clear_pointer (&out, g_free);
  out = node_run (a, "ping -x 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 2);
  g_clear_pointer (&out, g_free);
  out = node_run (a, "ping -s 70000 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 1);
  g_clear_pointer (&out, g_free);
  out = node_run (a, "ping", &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "ping: usage error: Destination address required\n");
  lab_free (lab);
}

static guint
count_fragments (Lab  *lab,
                 Node *node,
                 gsize max_len)
{
  guint count = 0;

  for (guint i = 0; i < lab->captured->len; i++)
    {
      Frame *f = g_ptr_array_index (lab->captured, i);
      gsize len;
      const guint8 *data = g_bytes_get_data (f->frame, &len);

      if (f->node != node->index || !frame_is_ipv4 (f->frame, WB_IP_PROTO_ICMP, NULL, NULL))
        continue;
      g_assert_cmpuint (len, <=, max_len);
      if ((wb_get_be16 (data + WB_ETH_HLEN + 6) & (WB_IP_FLAG_MF | WB_IP_OFFSET_MASK)) != 0)
        count++;
    }
  return count;
}

static void
test_ping_jumbo (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (9000, &a, &b);
  g_autofree char *out = NULL;
  int status;

  out = node_run (a, "ping -c 1 -s 8000 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "PING 192.168.23.3 (192.168.23.3) 8000(8028) bytes of data.\n"
                                 "8008 bytes from 192.168.23.3: icmp_seq=1 ttl=64 time="));
  /* One frame each way. */
  g_assert_cmpuint (count_fragments (lab, a, WB_ETH_HLEN + 9000), ==, 0);
  g_assert_cmpuint (count_fragments (lab, b, WB_ETH_HLEN + 9000), ==, 0);
  g_assert_cmpuint (count_icmp (lab, a, -1), ==, 1);
  lab_free (lab);
}

static void
test_ping_fragmented (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  int status;

  out = node_run (a, "ping -c 2 -i 0.2 -s 8000 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "8008 bytes from 192.168.23.3: icmp_seq=2 ttl=64 time="));
  /* 8028 bytes in 1480-byte pieces: 6 fragments per datagram. */
  g_assert_cmpuint (count_fragments (lab, a, WB_ETH_HLEN + 1500), ==, 12);
  g_assert_cmpuint (count_fragments (lab, b, WB_ETH_HLEN + 1500), ==, 12);
  g_clear_pointer (&out, g_free);

  /* The largest datagram there is. */
  out = node_run (a, "ping -c 1 -s 65507 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "65515 bytes from 192.168.23.3: icmp_seq=1"));
  lab_free (lab);
}

/* Injects fragment [@offset, @offset + @len) of @msg into B as if from A. */
static void
inject_fragment (Node         *a,
                 Node         *b,
                 guint16       id,
                 const guint8 *msg,
                 gsize         offset,
                 gsize         len,
                 gboolean      more)
{
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + 2048];
  guint8 mac_a[6], mac_b[6];
  gsize n;

  g_assert_cmpuint (len, <=, 2048);
  node_mac (a, 0, mac_a);
  node_mac (b, 0, mac_b);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_ICMP,
                  id, (guint16) ((more ? WB_IP_FLAG_MF : 0) | offset / 8), 64, msg + offset, len);
  wb_guest_input (b->guest, 0, frame, n);
}

static void
test_reassembly (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  gsize len;
  g_autofree guint8 *msg = build_echo (0x4242, 1, 3000, &len);
  guint64 drops;

  /* In reverse order, with a duplicate: answered. */
  inject_fragment (a, b, 1, msg, 2400, len - 2400, FALSE);
  inject_fragment (a, b, 1, msg, 1200, 1200, TRUE);
  inject_fragment (a, b, 1, msg, 1200, 1200, TRUE);
  inject_fragment (a, b, 1, msg, 0, 1200, TRUE);
  g_assert_cmpuint (g_hash_table_size (b->guest->reassembly), ==, 0);
  lab_settle (lab);
  g_assert_cmpuint (count_icmp (lab, b, WB_ICMP_ECHO_REPLY), ==, 1);

  /* Never completed: dropped after the (shortened) 30 s. */
  _wb_guest_set_time_scale (b->guest, 0.01);
  drops = _wb_guest_get_drops (b->guest);
  inject_fragment (a, b, 2, msg, 0, 1200, TRUE);
  inject_fragment (a, b, 2, msg, 2400, len - 2400, FALSE);
  g_assert_cmpuint (g_hash_table_size (b->guest->reassembly), ==, 1);
  lab_run_ms (lab, 600);
  g_assert_cmpuint (g_hash_table_size (b->guest->reassembly), ==, 0);
  g_assert_cmpuint (_wb_guest_get_drops (b->guest), ==, drops + 1);
  g_assert_true (node_has_log (b, "incomplete datagram timed out"));
  g_assert_cmpuint (count_icmp (lab, b, WB_ICMP_ECHO_REPLY), ==, 1);

  /* A flood of beginnings: at most 64 datagrams are held. */
  for (guint16 id = 100; id < 300; id++)
    inject_fragment (a, b, id, msg, 0, 1200, TRUE);
  g_assert_cmpuint (g_hash_table_size (b->guest->reassembly), ==, 64);
  lab_free (lab);
}

static void
test_fragment_overlap (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  gsize len;
  g_autofree guint8 *msg = build_echo (0x4242, 1, 3000, &len);
  guint64 drops = _wb_guest_get_drops (b->guest);
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + 64];
  guint8 mac_a[6], mac_b[6];
  gsize n;

  /* Overlapping: the datagram is dropped, the rest of it ignored. */
  inject_fragment (a, b, 7, msg, 0, 1200, TRUE);
  inject_fragment (a, b, 7, msg, 1192, 1200, TRUE);
  g_assert_cmpuint (_wb_guest_get_drops (b->guest), ==, drops + 1);
  g_assert_true (node_has_log (b, "overlapping IPv4 fragments"));
  inject_fragment (a, b, 7, msg, 2392, len - 2392, FALSE);
  inject_fragment (a, b, 8, msg, 1200, 1200, TRUE);
  inject_fragment (a, b, 8, msg, 0, 1208, TRUE);
  /* A last fragment short of what came already, and a middle one past the end. */
  inject_fragment (a, b, 9, msg, 1200, 1200, TRUE);
  inject_fragment (a, b, 9, msg, 400, 400, FALSE);
  inject_fragment (a, b, 11, msg, 2400, 8, FALSE);
  inject_fragment (a, b, 11, msg, 2400, 16, TRUE);
  /* A fragment whose length is not a multiple of 8, and an empty one. */
  inject_fragment (a, b, 12, msg, 0, 1001, TRUE);
  inject_fragment (a, b, 13, msg, 0, 0, TRUE);
  lab_settle (lab);
  g_assert_cmpuint (count_icmp (lab, b, WB_ICMP_ECHO_REPLY), ==, 0);
  g_assert_cmpuint (_wb_guest_get_drops (b->guest), ==, drops + 6);
  g_assert_cmpuint (g_hash_table_size (b->guest->reassembly), ==, 1);

  /* Ping of death: a fragment ending past 65535 bytes. */
  node_mac (a, 0, mac_a);
  node_mac (b, 0, mac_b);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_ICMP,
                  99, WB_IP_OFFSET_MASK, 64, msg, 64);
  drops = _wb_guest_get_drops (b->guest);
  wb_guest_input (b->guest, 0, frame, n);
  g_assert_cmpuint (_wb_guest_get_drops (b->guest), ==, drops + 1);
  /* Only the tail of datagram 7, which came after the discard, waits. */
  g_assert_cmpuint (g_hash_table_size (b->guest->reassembly), ==, 1);
  lab_free (lab);
}

/* The last frame @node sent on @iface with @proto, its IP header at *ip. */
static gboolean
last_frame (Lab           *lab,
            Node          *node,
            guint          iface,
            guint8         proto,
            const guint8 **ip,
            gsize         *ip_len)
{
  for (guint i = lab->captured->len; i-- > 0;)
    {
      Frame *f = g_ptr_array_index (lab->captured, i);
      gsize len;
      const guint8 *data = g_bytes_get_data (f->frame, &len);

      if (f->node == node->index && f->iface == iface && frame_is_ipv4 (f->frame, proto, NULL, NULL))
        {
          *ip = data + WB_ETH_HLEN;
          *ip_len = len - WB_ETH_HLEN;
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_forward (void)
{
  Node *a, *r, *b;
  Lab *lab = lab_routed (&a, &r, &b);
  g_autofree char *out = NULL;
  int status;

  wb_guest_set_gateway (b->guest, 0, IP4 (10, 0, 0, 1));
  out = node_run (a, "ping -c 2 -i 0.2 10.0.0.2", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "64 bytes from 10.0.0.2: icmp_seq=1 ttl=63 time="));
  g_clear_pointer (&out, g_free);

  /* The router itself, on both sides. */
  out = node_run (a, "ping -c 1 10.0.0.1", &status);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);
  out = node_run (b, "ping -c 1 192.168.23.2", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "ttl=63"));
  g_clear_pointer (&out, g_free);

  /* Large datagrams are reassembled and fragmented again on the way. */
  out = node_run (a, "ping -c 1 -s 4000 10.0.0.2", &status);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);

  /* No route beyond the router: it says so. */
  out = node_run (a, "ping -c 1 -W 0.3 172.16.0.1", &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpuint (count_icmp (lab, r, WB_ICMP_UNREACHABLE), ==, 1);
  g_clear_pointer (&out, g_free);

  wb_guest_set_ip_forward (r->guest, FALSE);
  out = node_run (a, "ping -c 1 -W 0.3 10.0.0.2", &status);
  g_assert_cmpint (status, ==, 1);
  lab_free (lab);
}

static void
test_forward_ttl (void)
{
  Node *a, *r, *b;
  Lab *lab = lab_routed (&a, &r, &b);
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + 64];
  guint8 mac_a[6], mac_r[6];
  gsize len, n;
  g_autofree guint8 *msg = build_echo (1, 1, 32, &len);
  guint8 big[2000] = { 0 };
  const guint8 *ip;
  gsize ip_len;

  /* TTL 1 dies at the router: time exceeded back to A. */
  node_mac (a, 0, mac_a);
  node_mac (r, 0, mac_r);
  n = build_ipv4 (frame, mac_r, mac_a, IP4 (192, 168, 23, 2), IP4 (10, 0, 0, 2), WB_IP_PROTO_ICMP,
                  5, 0, 1, msg, len);
  wb_guest_input (r->guest, 0, frame, n);
  lab_settle (lab);
  g_assert_cmpuint (count_icmp (lab, r, WB_ICMP_TIME_EXCEEDED), ==, 1);
  g_assert_cmpuint (count_icmp (lab, b, -1), ==, 0);
  /* To A, from the router, quoting the header and 8 bytes. */
  g_assert_true (last_frame (lab, r, 0, WB_IP_PROTO_ICMP, &ip, &ip_len));
  g_assert_cmpuint (ip_len, ==, WB_IPV4_HLEN + WB_ICMP_HLEN + WB_IPV4_HLEN + 8);
  g_assert_cmpuint (wb_get_be32 (ip + 12), ==, IP4 (192, 168, 23, 1));
  g_assert_cmpuint (wb_get_be32 (ip + 16), ==, IP4 (192, 168, 23, 2));
  g_assert_cmpuint (wb_checksum (ip + WB_IPV4_HLEN, ip_len - WB_IPV4_HLEN), ==, 0);
  g_assert_cmpmem (ip + WB_IPV4_HLEN + WB_ICMP_HLEN, WB_IPV4_HLEN + 8,
                   frame + WB_ETH_HLEN, WB_IPV4_HLEN + 8);

  /* DF and too big for the next hop: "fragmentation needed". */
  wb_guest_set_mtu (r->guest, 1, 576);
  {
    gsize big_len;
    g_autofree guint8 *echo = build_echo (1, 2, 992, &big_len);

    n = build_ipv4 (big, mac_r, mac_a, IP4 (192, 168, 23, 2), IP4 (10, 0, 0, 2), WB_IP_PROTO_ICMP,
                    6, WB_IP_FLAG_DF, 64, echo, big_len);
  }
  wb_guest_input (r->guest, 0, big, n);
  lab_settle (lab);
  g_assert_cmpuint (count_icmp (lab, r, WB_ICMP_UNREACHABLE), ==, 1);
  g_assert_cmpuint (count_icmp (lab, b, -1), ==, 0);
  g_assert_true (last_frame (lab, r, 0, WB_IP_PROTO_ICMP, &ip, &ip_len));
  g_assert_cmpuint (ip[WB_IPV4_HLEN + 1], ==, 4);
  g_assert_cmpuint (wb_get_be16 (ip + WB_IPV4_HLEN + 6), ==, 576);
  lab_free (lab);
}

static void
test_masquerade (void)
{
  Node *a, *r, *b;
  Lab *lab = lab_routed (&a, &r, &b);
  UdpSink at_b = { .echo = TRUE };
  UdpSink at_a = { 0 };
  g_autofree char *out = NULL;
  int status;

  /* B has no route back to 192.168.23.0/24: only masquerading helps. */
  out = node_run (a, "ping -c 1 -W 0.3 10.0.0.2", &status);
  g_assert_cmpint (status, ==, 1);
  g_clear_pointer (&out, g_free);

  wb_guest_set_masquerade (r->guest, 1, TRUE);
  out = node_run (a, "ping -c 2 -i 0.2 10.0.0.2", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "64 bytes from 10.0.0.2: icmp_seq=2 ttl=63 time="));
  g_clear_pointer (&out, g_free);

  /* UDP: B sees the router, answers it, and A gets the answer. */
  g_assert_true (_wb_guest_udp_bind (b->guest, 7, udp_sink_cb, &at_b, NULL));
  g_assert_true (_wb_guest_udp_bind (a->guest, 5000, udp_sink_cb, &at_a, NULL));
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 5000, IP4 (10, 0, 0, 2), 7,
                                     (const guint8 *) "hello", 5, NULL));
  lab_settle (lab);
  g_assert_cmpuint (at_b.count, ==, 1);
  g_assert_cmpuint (at_b.src, ==, IP4 (10, 0, 0, 1));
  g_assert_cmpuint (at_b.src_port, >=, WB_NAT_PORT_FIRST);
  g_assert_cmpuint (at_a.count, ==, 1);
  g_assert_cmpuint (at_a.src, ==, IP4 (10, 0, 0, 2));
  g_assert_cmpuint (at_a.src_port, ==, 7);
  g_assert_cmpuint (at_a.dst_port, ==, 5000);
  g_assert_true (g_bytes_equal (at_a.data, at_b.data));

  /* The same flow keeps its mapping. */
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 5000, IP4 (10, 0, 0, 2), 7,
                                     (const guint8 *) "again", 5, NULL));
  lab_settle (lab);
  g_assert_cmpuint (at_b.count, ==, 2);
  g_assert_cmpuint (at_a.count, ==, 2);

  /* Another host may not use the mapping: B's neighbour C tries. */
  {
    Node *c = lab_add_node (lab, "C");
    UdpSink strays = { 0 };
    guint16 mapped = at_b.src_port;

    node_add_iface (c, 0, 2, 1500, IP4 (10, 0, 0, 3), 24);
    lab_settle (lab);
    g_assert_true (_wb_guest_udp_bind (r->guest, 0, udp_sink_cb, &strays, NULL));
    g_assert_true (_wb_guest_udp_send (c->guest, 0, 7, IP4 (10, 0, 0, 1), mapped,
                                       (const guint8 *) "sneak", 5, NULL));
    lab_settle (lab);
    g_assert_cmpuint (at_a.count, ==, 2);
    /* It reached the router itself instead. */
    g_assert_cmpuint (strays.count, ==, 1);
    udp_sink_clear (&strays);
  }

  /* Mappings time out: the flow then gets a new one. */
  {
    guint16 mapped = at_b.src_port;

    _wb_guest_set_time_scale (r->guest, 0.001);
    lab_run_ms (lab, 400);
    g_assert_true (_wb_guest_udp_send (a->guest, 0, 5000, IP4 (10, 0, 0, 2), 7,
                                       (const guint8 *) "late", 4, NULL));
    lab_settle (lab);
    g_assert_cmpuint (at_a.count, ==, 3);
    g_assert_cmpuint (at_b.src_port, !=, mapped);
  }

  udp_sink_clear (&at_a);
  udp_sink_clear (&at_b);
  lab_free (lab);
}

static void
test_udp (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  Node *c = lab_add_node (lab, "C");
  UdpSink at_b = { 0 }, at_c = { 0 }, any_b = { 0 };
  g_autoptr(GError) error = NULL;
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + 64];
  guint8 udp[WB_UDP_HLEN + 4];
  guint8 mac_a[6], mac_b[6];
  guint64 drops;
  gsize n;

  node_add_iface (c, 0, 1, 1500, IP4 (192, 168, 23, 4), 24);
  lab_settle (lab);

  g_assert_true (_wb_guest_udp_bind (b->guest, 53, udp_sink_cb, &at_b, NULL));
  g_assert_false (_wb_guest_udp_bind (b->guest, 53, udp_sink_cb, &at_b, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_true (_wb_guest_udp_bind (b->guest, 0, udp_sink_cb, &any_b, NULL));
  g_assert_true (_wb_guest_udp_bind (c->guest, 53, udp_sink_cb, &at_c, NULL));

  g_assert_true (_wb_guest_udp_send (a->guest, 0, 1234, IP4 (192, 168, 23, 3), 53,
                                     (const guint8 *) "query", 5, NULL));
  lab_settle (lab);
  g_assert_cmpuint (at_b.count, ==, 1);
  g_assert_cmpuint (at_b.src, ==, IP4 (192, 168, 23, 2));
  g_assert_cmpuint (at_b.src_port, ==, 1234);
  g_assert_cmpuint (at_b.dst, ==, IP4 (192, 168, 23, 3));
  g_assert_cmpmem (g_bytes_get_data (at_b.data, NULL), g_bytes_get_size (at_b.data), "query", 5);

  /* Port 0 takes the ports without a binding. */
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 1234, IP4 (192, 168, 23, 3), 999,
                                     (const guint8 *) "relay", 5, NULL));
  lab_settle (lab);
  g_assert_cmpuint (any_b.count, ==, 1);
  g_assert_cmpuint (any_b.dst_port, ==, 999);
  g_assert_cmpuint (at_b.count, ==, 1);

  /* Broadcasts, limited and directed, reach both. */
  g_assert_true (_wb_guest_udp_send_broadcast (a->guest, 0, 0, 68, 53, (const guint8 *) "dhcp", 4));
  lab_settle (lab);
  g_assert_cmpuint (at_b.count, ==, 2);
  g_assert_cmpuint (at_b.src, ==, 0);
  g_assert_cmpuint (at_b.dst, ==, WB_IPV4_BROADCAST);
  g_assert_cmpuint (at_c.count, ==, 1);
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 1234, IP4 (192, 168, 23, 255), 53,
                                     (const guint8 *) "all", 3, NULL));
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 1234, WB_IPV4_BROADCAST, 53,
                                     (const guint8 *) "all", 3, NULL));
  lab_settle (lab);
  g_assert_cmpuint (at_b.count, ==, 4);
  g_assert_cmpuint (at_c.count, ==, 3);
  g_assert_cmpuint (at_c.src, ==, IP4 (192, 168, 23, 2));

  /* Checksums: 0 is "none"; a wrong one is dropped. */
  node_mac (a, 0, mac_a);
  node_mac (b, 0, mac_b);
  wb_put_be16 (udp, 1234);
  wb_put_be16 (udp + 2, 53);
  wb_put_be16 (udp + 4, sizeof udp);
  wb_put_be16 (udp + 6, 0);
  memcpy (udp + WB_UDP_HLEN, "none", 4);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_UDP,
                  1, 0, 64, udp, sizeof udp);
  wb_guest_input (b->guest, 0, frame, n);
  g_assert_cmpuint (at_b.count, ==, 5);
  wb_put_be16 (udp + 6, 0x1234);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_UDP,
                  2, 0, 64, udp, sizeof udp);
  drops = _wb_guest_get_drops (b->guest);
  wb_guest_input (b->guest, 0, frame, n);
  g_assert_cmpuint (at_b.count, ==, 5);
  g_assert_cmpuint (_wb_guest_get_drops (b->guest), ==, drops + 1);
  g_assert_true (node_has_log (b, "bad UDP checksum"));

  _wb_guest_udp_unbind (b->guest, 53);
  _wb_guest_udp_unbind (b->guest, 0);
  g_assert_true (_wb_guest_udp_send (a->guest, 0, 1234, IP4 (192, 168, 23, 3), 53,
                                     (const guint8 *) "gone", 4, NULL));
  lab_settle (lab);
  g_assert_cmpuint (at_b.count, ==, 5);

  /* No route, and too large. */
  g_clear_error (&error);
  g_assert_false (_wb_guest_udp_send (a->guest, 0, 1, IP4 (10, 0, 0, 1), 2, (const guint8 *) "x", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE);
  g_clear_error (&error);
  {
    g_autofree guint8 *huge = g_malloc0 (70000);

    g_assert_false (_wb_guest_udp_send (a->guest, 0, 1, IP4 (192, 168, 23, 3), 2, huge, 70000, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  }

  udp_sink_clear (&at_b);
  udp_sink_clear (&at_c);
  udp_sink_clear (&any_b);
  lab_free (lab);
}

/* --- bad frames --------------------------------------------------------------------------------- */

static void
assert_dropped (Node         *node,
                const guint8 *frame,
                gsize         len)
{
  guint64 drops = _wb_guest_get_drops (node->guest);

  wb_guest_input (node->guest, 0, frame, len);
  g_assert_cmpuint (_wb_guest_get_drops (node->guest), >, drops);
}

static void
fix_ip_checksum (guint8 *frame)
{
  gsize hlen = (gsize) (frame[WB_ETH_HLEN] & 0x0f) * 4;

  wb_put_be16 (frame + WB_ETH_HLEN + 10, 0);
  wb_put_be16 (frame + WB_ETH_HLEN + 10, wb_checksum (frame + WB_ETH_HLEN, hlen));
}

static void
test_malformed (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + 64];
  guint8 mac_a[6], mac_b[6];
  gsize len, n;
  g_autofree guint8 *echo = build_echo (1, 1, 16, &len);
  guint8 udp[WB_UDP_HLEN + 4] = { 0 };

  node_mac (a, 0, mac_a);
  node_mac (b, 0, mac_b);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_ICMP,
                  1, 0, 64, echo, len);

  assert_dropped (b, NULL, 0);
  assert_dropped (b, frame, 0);
  assert_dropped (b, frame, 13);
  /* Truncated IPv4 and ARP headers. */
  assert_dropped (b, frame, WB_ETH_HLEN + 10);
  {
    guint8 arp[WB_ETH_HLEN + 10];

    memcpy (arp, frame, sizeof arp);
    wb_put_be16 (arp + 12, WB_ETHERTYPE_ARP);
    assert_dropped (b, arp, sizeof arp);
  }
  /* Unknown ethertype, another MAC, an absent interface. */
  {
    guint8 copy[sizeof frame];
    guint64 drops = _wb_guest_get_drops (b->guest);

    memcpy (copy, frame, n);
    wb_put_be16 (copy + 12, WB_ETHERTYPE_IPV6);
    assert_dropped (b, copy, n);
    memcpy (copy, frame, n);
    copy[5] ^= 0x40;
    assert_dropped (b, copy, n);
    wb_guest_input (b->guest, 5, frame, n);
    wb_guest_input (b->guest, 1000, frame, n);
    g_assert_cmpuint (_wb_guest_get_drops (b->guest), ==, drops + 4);
  }
  /* Version, IHL, total length. */
  frame[WB_ETH_HLEN] = 0x65;
  fix_ip_checksum (frame);
  assert_dropped (b, frame, n);
  frame[WB_ETH_HLEN] = 0x44;
  assert_dropped (b, frame, n);
  frame[WB_ETH_HLEN] = 0x4f;
  assert_dropped (b, frame, n);
  frame[WB_ETH_HLEN] = 0x45;
  wb_put_be16 (frame + WB_ETH_HLEN + 2, (guint16) (n - WB_ETH_HLEN + 1));
  fix_ip_checksum (frame);
  assert_dropped (b, frame, n);
  wb_put_be16 (frame + WB_ETH_HLEN + 2, 19);
  fix_ip_checksum (frame);
  assert_dropped (b, frame, n);
  wb_put_be16 (frame + WB_ETH_HLEN + 2, (guint16) (n - WB_ETH_HLEN));
  fix_ip_checksum (frame);
  /* Header checksum. */
  frame[WB_ETH_HLEN + 10] ^= 0x01;
  assert_dropped (b, frame, n);
  frame[WB_ETH_HLEN + 10] ^= 0x01;
  /* ICMP checksum and truncation. */
  frame[WB_ETH_HLEN + WB_IPV4_HLEN + 10] ^= 0xff;
  assert_dropped (b, frame, n);
  frame[WB_ETH_HLEN + WB_IPV4_HLEN + 10] ^= 0xff;
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_ICMP,
                  1, 0, 64, echo, 4);
  assert_dropped (b, frame, n);
  /* UDP lengths. */
  wb_put_be16 (udp + 4, 40);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_UDP,
                  1, 0, 64, udp, sizeof udp);
  assert_dropped (b, frame, n);
  wb_put_be16 (udp + 4, 4);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_UDP,
                  1, 0, 64, udp, sizeof udp);
  assert_dropped (b, frame, n);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), WB_IP_PROTO_UDP,
                  1, 0, 64, udp, 6);
  assert_dropped (b, frame, n);
  /* A source that cannot be, a protocol nobody speaks. */
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (224, 0, 0, 5), IP4 (192, 168, 23, 3), WB_IP_PROTO_UDP,
                  1, 0, 64, udp, sizeof udp);
  assert_dropped (b, frame, n);
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 3), 99,
                  1, 0, 64, udp, sizeof udp);
  assert_dropped (b, frame, n);
  /* For another address, without forwarding. */
  n = build_ipv4 (frame, mac_b, mac_a, IP4 (192, 168, 23, 2), IP4 (192, 168, 23, 9), WB_IP_PROTO_UDP,
                  1, 0, 64, udp, sizeof udp);
  assert_dropped (b, frame, n);

  lab_free (lab);
}

/* Random frames, and valid ones with random damage, at a guest and at a
 * masquerading router: nothing may crash or read out of bounds (the
 * sanitizer build checks), and both keep working. */
static void
test_fuzz (void)
{
  Node *a, *r, *b;
  Lab *lab = lab_routed (&a, &r, &b);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240501);
  g_autofree char *out = NULL;
  guint8 mac_a[6], mac_r[6], mac_b[6];
  guint8 frame[1600];
  guint64 drops_r, drops_b;
  gsize echo_len;
  g_autofree guint8 *echo = build_echo (3, 3, 100, &echo_len);
  int status;

  wb_guest_set_masquerade (r->guest, 1, TRUE);
  node_mac (a, 0, mac_a);
  node_mac (r, 0, mac_r);
  node_mac (b, 0, mac_b);
  drops_r = _wb_guest_get_drops (r->guest);
  drops_b = _wb_guest_get_drops (b->guest);

  for (guint i = 0; i < 10000; i++)
    {
      gsize len = g_rand_int_range (rand, 0, sizeof frame + 1);
      guint kind = g_rand_int_range (rand, 0, 4);
      Node *target = g_rand_boolean (rand) ? r : b;

      for (gsize j = 0; j < len; j++)
        frame[j] = (guint8) g_rand_int (rand);
      if (kind >= 1 && len >= WB_ETH_HLEN)
        {
          /* Past the MAC filter, into ARP or IPv4. */
          memcpy (frame, target == r ? mac_r : mac_b, 6);
          wb_put_be16 (frame + 12, g_rand_boolean (rand) ? WB_ETHERTYPE_IPV4 : WB_ETHERTYPE_ARP);
        }
      if (kind >= 2 && len >= WB_ETH_HLEN + WB_IPV4_HLEN)
        {
          static const guint8 protos[] = { WB_IP_PROTO_ICMP, WB_IP_PROTO_UDP, WB_IP_PROTO_TCP };
          guint8 *ip = frame + WB_ETH_HLEN;

          /* A header that passes the checks, with random lengths,
           * fragment fields and addresses near ours. */
          wb_put_be16 (frame + 12, WB_ETHERTYPE_IPV4);
          ip[0] = 0x45;
          ip[9] = protos[g_rand_int_range (rand, 0, 3)];
          wb_put_be16 (ip + 2, (guint16) g_rand_int_range (rand, WB_IPV4_HLEN, len - WB_ETH_HLEN + 1));
          if (g_rand_boolean (rand))
            wb_put_be16 (ip + 6, (guint16) (g_rand_int (rand) & (WB_IP_FLAG_MF | 0x3f)));
          wb_put_be32 (ip + 12, g_rand_boolean (rand) ? IP4 (192, 168, 23, 2) : IP4 (10, 0, 0, 2));
          wb_put_be32 (ip + 16, g_rand_boolean (rand) ? IP4 (10, 0, 0, g_rand_int_range (rand, 1, 3))
                                                      : IP4 (192, 168, 23, g_rand_int_range (rand, 1, 4)));
          if (kind == 3 && len >= WB_ETH_HLEN + WB_IPV4_HLEN + echo_len)
            {
              /* A valid echo, then a few bytes flipped. */
              memcpy (ip + WB_IPV4_HLEN, echo, echo_len);
              ip[9] = WB_IP_PROTO_ICMP;
              for (guint k = g_rand_int_range (rand, 0, 3); k > 0; k--)
                ip[WB_IPV4_HLEN + g_rand_int_range (rand, 0, echo_len)] ^= (guint8) g_rand_int (rand);
            }
          fix_ip_checksum (frame);
        }
      wb_guest_input (target->guest, 0, len > 0 ? frame : NULL, len);
      if (i % 100 == 0)
        lab_settle (lab);
    }
  lab_settle (lab);
  g_assert_cmpuint (_wb_guest_get_drops (r->guest), >, drops_r + 1000);
  g_assert_cmpuint (_wb_guest_get_drops (b->guest), >, drops_b + 1000);

  /* Still at work. */
  wb_guest_set_gateway (b->guest, 0, IP4 (10, 0, 0, 1));
  out = node_run (a, "ping -c 1 10.0.0.2", &status);
  g_assert_cmpint (status, ==, 0);
  lab_free (lab);
}


static void
test_arp_probe (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  const guint8 *first, *second;
  guint8 mac_b[6];
  int status;

  /* A 600 ms lifetime under a ping every 100 ms: the entry is confirmed
   * again by a unicast request while it stays in use. */
  _wb_guest_set_time_scale (a->guest, 0.01);
  out = node_run (a, "ping -c 10 -i 0.1 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "10 packets transmitted, 10 received, 0% packet loss"));
  g_assert_cmpuint (count_arp_requests (lab, a, IP4 (192, 168, 23, 3)), >=, 2);
  first = nth_arp_request (lab, a, IP4 (192, 168, 23, 3), 0);
  second = nth_arp_request (lab, a, IP4 (192, 168, 23, 3), 1);
  node_mac (b, 0, mac_b);
  g_assert_true (wb_mac_is_broadcast (first));
  g_assert_cmpmem (second, 6, mac_b, 6);
  lab_free (lab);
}

static void
test_arp_queue (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  guint64 drops = _wb_guest_get_drops (a->guest);

  /* 64 datagrams wait for an answer; the rest are dropped at once. */
  for (guint i = 0; i < 70; i++)
    g_assert_true (_wb_guest_udp_send (a->guest, 0, 4000, IP4 (192, 168, 23, 99), 9,
                                       (const guint8 *) "x", 1, NULL));
  g_assert_cmpuint (_wb_guest_get_drops (a->guest), ==, drops + 6);
  g_assert_true (node_has_log (a, "ARP queue full"));
  lab_free (lab);
}

static gboolean
no_replies_to_a_cb (Lab          *lab,
                    guint         node,
                    guint         iface,
                    const guint8 *frame,
                    gsize         len)
{
  return node != 1;
}

static void
test_ping_duplicates (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  int status;

  lab->duplicate = TRUE;
  out = node_run (a, "ping -c 2 -i 0.2 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  assert_matches (out, "icmp_seq=1 ttl=64 time=[0-9.]+ ms\n"
                       "64 bytes from 192\\.168\\.23\\.3: icmp_seq=1 ttl=64 time=[0-9.]+ ms \\(DUP!\\)\n");
  /* Request and reply both doubled: three copies too many for seq 1. */
  g_assert_nonnull (strstr (out, "2 packets transmitted, 2 received, +3 duplicates, 0% packet loss"));
  g_clear_pointer (&out, g_free);

  /* Some answers, then none: "time" is the last request's. */
  lab->duplicate = FALSE;
  lab->tap = no_replies_to_a_cb;
  out = node_run (a, "ping -c 2 -i 0.2 -W 0.2 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (out, "2 packets transmitted, 0 received, 100% packet loss, time "));
  g_assert_cmpuint (ping_time (out), >=, 199);
  lab_free (lab);
}

static void
test_ping_slow (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  int status;

  /* 6 ms each way: times of 10 ms and more print one decimal. */
  wb_test_wire_set_delay (lab->wire, 6);
  out = node_run (a, "ping -c 2 -i 0.2 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  assert_matches (out, "icmp_seq=2 ttl=64 time=[0-9]{2}\\.[0-9] ms\n");
  assert_matches (out, "rtt min/avg/max/mdev = [0-9]{2}\\.[0-9]{3}/");
  lab_free (lab);
}

static void
test_unconfigured (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  UdpSink sink = { 0 };
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + 64];
  guint8 udp[WB_UDP_HLEN + 5];
  guint8 mac_a[6], mac_b1[6];
  WbPayload p = { NULL, 0, udp, sizeof udp };
  guint64 drops;
  gsize n;

  /* B's second interface waits for DHCP: a unicast offer still arrives. */
  node_add_iface (b, 1, 3, 1500, 0, 0);
  g_assert_true (_wb_guest_udp_bind (b->guest, 68, udp_sink_cb, &sink, NULL));
  node_mac (a, 0, mac_a);
  node_mac (b, 1, mac_b1);
  wb_put_be16 (udp, 67);
  wb_put_be16 (udp + 2, 68);
  wb_put_be16 (udp + 4, sizeof udp);
  wb_put_be16 (udp + 6, 0);
  memcpy (udp + WB_UDP_HLEN, "offer", 5);
  wb_put_be16 (udp + 6, wb_checksum_l4 (IP4 (192, 168, 99, 1), IP4 (192, 168, 99, 77), WB_IP_PROTO_UDP,
                                        udp, sizeof udp));
  n = build_ipv4 (frame, mac_b1, mac_a, IP4 (192, 168, 99, 1), IP4 (192, 168, 99, 77), WB_IP_PROTO_UDP,
                  1, 0, 64, udp, sizeof udp);
  wb_guest_input (b->guest, 1, frame, n);
  g_assert_cmpuint (sink.count, ==, 1);
  g_assert_cmpuint (sink.iface, ==, 1);
  g_assert_cmpuint (sink.dst, ==, IP4 (192, 168, 99, 77));
  /* Not TCP, though. */
  drops = _wb_guest_get_drops (b->guest);
  n = build_ipv4 (frame, mac_b1, mac_a, IP4 (192, 168, 99, 1), IP4 (192, 168, 99, 77), WB_IP_PROTO_TCP,
                  2, 0, 64, udp, sizeof udp);
  wb_guest_input (b->guest, 1, frame, n);
  g_assert_cmpuint (_wb_guest_get_drops (b->guest), ==, drops + 1);

  /* What DHCP sends before it has an address. */
  g_assert_true (_wb_guest_ip_output_broadcast (b->guest, 0, 0, WB_IP_PROTO_UDP, udp, sizeof udp));
  g_assert_false (_wb_guest_ip_output_broadcast (b->guest, 5, 0, WB_IP_PROTO_UDP, udp, sizeof udp));
  wb_guest_set_link (b->guest, 1, FALSE);
  g_assert_false (_wb_guest_ip_output_broadcast (b->guest, 1, 0, WB_IP_PROTO_UDP, udp, sizeof udp));
  g_assert_true (_wb_guest_ip_output_payload (b->guest, 0, IP4 (224, 0, 0, 251), WB_IP_PROTO_UDP, &p, NULL));
  lab_settle (lab);
  {
    Frame *f = g_ptr_array_index (lab->captured, lab->captured->len - 1);
    const guint8 *data = g_bytes_get_data (f->frame, NULL);
    const guint8 group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

    g_assert_cmpmem (data, 6, group, 6);
  }

  /* Removing the interface takes its address and properties along. */
  wb_guest_remove_interface (b->guest, 0);
  g_assert_false (wb_guest_has_interface (b->guest, 0));
  g_assert_null (prop (b, "0/V4/IP"));
  g_assert_null (prop (b, "0/Status"));
  g_assert_null (_wb_guest_iface_mac (b->guest, 0));
  g_assert_nonnull (_wb_guest_iface_mac (b->guest, 1));
  g_assert_cmpstr (_wb_guest_get_name (b->guest), ==, "B");
  udp_sink_clear (&sink);
  lab_free (lab);
}

static void
set_tcp_checksum (guint8  *tcp,
                  gsize    len,
                  guint32  src,
                  guint32  dst)
{
  wb_put_be16 (tcp + 16, 0);
  wb_put_be16 (tcp + 16, wb_checksum_l4 (src, dst, WB_IP_PROTO_TCP, tcp, len));
}

static void
test_masquerade_tcp (void)
{
  Node *a, *r, *b;
  Lab *lab = lab_routed (&a, &r, &b);
  guint8 tcp[WB_TCP_HLEN] = { 0 };
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + WB_TCP_HLEN];
  guint8 mac_a[6], mac_r0[6], mac_r1[6], mac_b[6];
  const guint8 *ip;
  gsize ip_len, n;
  guint16 mapped;

  wb_guest_set_masquerade (r->guest, 1, TRUE);
  node_mac (a, 0, mac_a);
  node_mac (r, 0, mac_r0);
  node_mac (r, 1, mac_r1);
  node_mac (b, 0, mac_b);

  /* A SYN from A:40000 to B:22, made by hand so that only R's rewriting
   * is under test. */
  wb_put_be16 (tcp, 40000);
  wb_put_be16 (tcp + 2, 22);
  wb_put_be32 (tcp + 4, 1000);
  tcp[12] = 5 << 4;
  tcp[13] = 0x02;
  wb_put_be16 (tcp + 14, 65535);
  set_tcp_checksum (tcp, sizeof tcp, IP4 (192, 168, 23, 2), IP4 (10, 0, 0, 2));
  n = build_ipv4 (frame, mac_r0, mac_a, IP4 (192, 168, 23, 2), IP4 (10, 0, 0, 2), WB_IP_PROTO_TCP,
                  1, 0, 64, tcp, sizeof tcp);
  wb_guest_input (r->guest, 0, frame, n);
  lab_settle (lab);
  g_assert_true (last_frame (lab, r, 1, WB_IP_PROTO_TCP, &ip, &ip_len));
  g_assert_cmpuint (wb_get_be32 (ip + 12), ==, IP4 (10, 0, 0, 1));
  g_assert_cmpuint (ip[8], ==, 63);
  g_assert_cmpuint (wb_checksum (ip, WB_IPV4_HLEN), ==, 0);
  mapped = wb_get_be16 (ip + WB_IPV4_HLEN);
  g_assert_cmpuint (mapped, >=, WB_NAT_PORT_FIRST);
  g_assert_cmpuint (wb_checksum_l4 (IP4 (10, 0, 0, 1), IP4 (10, 0, 0, 2), WB_IP_PROTO_TCP,
                                    ip + WB_IPV4_HLEN, ip_len - WB_IPV4_HLEN), ==, 0);

  /* B's SYN-ACK comes back to A:40000, checksums right. */
  wb_put_be16 (tcp, 22);
  wb_put_be16 (tcp + 2, mapped);
  tcp[13] = 0x12;
  set_tcp_checksum (tcp, sizeof tcp, IP4 (10, 0, 0, 2), IP4 (10, 0, 0, 1));
  n = build_ipv4 (frame, mac_r1, mac_b, IP4 (10, 0, 0, 2), IP4 (10, 0, 0, 1), WB_IP_PROTO_TCP,
                  2, 0, 64, tcp, sizeof tcp);
  wb_guest_input (r->guest, 1, frame, n);
  lab_settle (lab);
  g_assert_true (last_frame (lab, r, 0, WB_IP_PROTO_TCP, &ip, &ip_len));
  g_assert_cmpuint (wb_get_be32 (ip + 16), ==, IP4 (192, 168, 23, 2));
  g_assert_cmpuint (wb_get_be16 (ip + WB_IPV4_HLEN + 2), ==, 40000);
  g_assert_cmpuint (wb_get_be16 (ip + WB_IPV4_HLEN), ==, 22);
  g_assert_cmpuint (wb_checksum_l4 (IP4 (10, 0, 0, 2), IP4 (192, 168, 23, 2), WB_IP_PROTO_TCP,
                                    ip + WB_IPV4_HLEN, ip_len - WB_IPV4_HLEN), ==, 0);

  /* A reset shortens the mapping's life: gone after 10 s (10 ms here). */
  tcp[13] = 0x04;
  set_tcp_checksum (tcp, sizeof tcp, IP4 (10, 0, 0, 2), IP4 (10, 0, 0, 1));
  n = build_ipv4 (frame, mac_r1, mac_b, IP4 (10, 0, 0, 2), IP4 (10, 0, 0, 1), WB_IP_PROTO_TCP,
                  3, 0, 64, tcp, sizeof tcp);
  wb_guest_input (r->guest, 1, frame, n);
  _wb_guest_set_time_scale (r->guest, 0.001);
  lab_run_ms (lab, 300);
  {
    guint before = lab->captured->len;

    n = build_ipv4 (frame, mac_r1, mac_b, IP4 (10, 0, 0, 2), IP4 (10, 0, 0, 1), WB_IP_PROTO_TCP,
                    4, 0, 64, tcp, sizeof tcp);
    wb_guest_input (r->guest, 1, frame, n);
    lab_settle (lab);
    /* Nothing went on to A: the segment was R's own. */
    for (guint i = before; i < lab->captured->len; i++)
      {
        Frame *f = g_ptr_array_index (lab->captured, i);

        g_assert_false (f->node == r->index && f->iface == 0
                        && frame_is_ipv4 (f->frame, WB_IP_PROTO_TCP, NULL, NULL));
      }
  }
  lab_free (lab);
}

/* --- commands and tables ------------------------------------------------------------------------ */

static void
test_commands (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  const char *empty[] = { NULL };
  WbTestRun r = { 0 };
  int status;

  wb_guest_set_gateway (a->guest, 0, IP4 (192, 168, 23, 1));
  out = node_run (a, "ip addr", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==,
                   "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000\n"
                   "    link/ether 08:00:27:00:01:00 brd ff:ff:ff:ff:ff:ff\n"
                   "    inet 192.168.23.2/24 brd 192.168.23.255 scope global eth0\n"
                   "       valid_lft forever preferred_lft forever\n");
  g_clear_pointer (&out, g_free);

  out = node_run (a, "ip route", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==,
                   "default via 192.168.23.1 dev eth0\n"
                   "192.168.23.0/24 dev eth0 proto kernel scope link src 192.168.23.2\n");
  g_clear_pointer (&out, g_free);
  out = node_run (a, "ip r show", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "default via 192.168.23.1 dev eth0\n"));
  g_clear_pointer (&out, g_free);

  out = node_run (a, "ip link", &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "Object \"link\" is unknown, try \"ip help\".\n");
  g_clear_pointer (&out, g_free);
  out = node_run (a, "ip", &status);
  g_assert_cmpint (status, ==, 255);
  g_clear_pointer (&out, g_free);

  /* A second interface, down, on DHCP. */
  {
    guint8 mac[6] = { 0x08, 0x00, 0x27, 0x00, 0x01, 0x01 };

    wb_guest_add_interface (a->guest, 1, mac, 9000);
    wb_guest_configure_dhcp (a->guest, 1);
  }
  out = node_run (a, "ip a", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "3: eth1: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 9000 qdisc fq_codel state DOWN group default qlen 1000\n"
                                 "    link/ether 08:00:27:00:01:01 brd ff:ff:ff:ff:ff:ff\n"
                                 "    dhcp: "));
  g_clear_pointer (&out, g_free);

  out = node_run (a, "dhcp renew", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "eth1: renewing the lease\n");
  g_clear_pointer (&out, g_free);
  out = node_run (b, "dhcp renew", &status);
  g_assert_cmpint (status, ==, 1);
  g_clear_pointer (&out, g_free);
  out = node_run (b, "dhcp", &status);
  g_assert_cmpint (status, ==, 2);
  g_clear_pointer (&out, g_free);

  out = node_run (a, "arp", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);

  out = node_run (a, "traceroute 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 127);
  g_assert_cmpstr (out, ==, "traceroute: command not found\n");
  g_clear_pointer (&out, g_free);

  /* tcp and http belong to the apps: whatever they say, they answer. */
  out = node_run (a, "tcp 192.168.23.3 22", &status);
  g_assert_cmpint (status, !=, 0);
  g_clear_pointer (&out, g_free);

  wb_test_guest_run_async (a->guest, empty, NULL, &r);
  run_wait (lab, &r);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&r.error);
  lab_free (lab);
}

static void
test_routing (void)
{
  Lab *lab = lab_new ();
  Node *a = lab_add_node (lab, "A");
  g_autofree char *out = NULL;
  guint iface, mtu;
  guint32 src;
  int status;

  node_add_iface (a, 0, 1, 1500, IP4 (10, 0, 0, 2), 8);
  node_add_iface (a, 1, 2, 9000, IP4 (10, 1, 0, 2), 16);
  node_add_iface (a, 2, 3, 1500, IP4 (10, 1, 2, 2), 24);

  g_assert_true (_wb_guest_route (a->guest, IP4 (10, 1, 2, 9), &iface, &src, &mtu));
  g_assert_cmpuint (iface, ==, 2);
  g_assert_cmpuint (src, ==, IP4 (10, 1, 2, 2));
  g_assert_true (_wb_guest_route (a->guest, IP4 (10, 1, 3, 9), &iface, &src, &mtu));
  g_assert_cmpuint (iface, ==, 1);
  g_assert_cmpuint (mtu, ==, 9000);
  g_assert_true (_wb_guest_route (a->guest, IP4 (10, 200, 0, 1), &iface, &src, NULL));
  g_assert_cmpuint (iface, ==, 0);
  g_assert_false (_wb_guest_route (a->guest, IP4 (192, 168, 1, 1), &iface, &src, NULL));
  /* Our own address is ours, whichever interface has it. */
  g_assert_true (_wb_guest_route (a->guest, IP4 (10, 1, 0, 2), &iface, &src, NULL));
  g_assert_cmpuint (iface, ==, 1);
  g_assert_cmpuint (src, ==, IP4 (10, 1, 0, 2));

  /* A link going down takes its routes along. */
  wb_guest_set_link (a->guest, 2, FALSE);
  g_assert_true (_wb_guest_route (a->guest, IP4 (10, 1, 2, 9), &iface, NULL, NULL));
  g_assert_cmpuint (iface, ==, 1);

  /* A lease's router is the default route, unless a static gateway is set. */
  _wb_guest_iface_set_address (a->guest, 0, IP4 (10, 0, 0, 2), 8, IP4 (10, 0, 0, 1));
  g_assert_true (_wb_guest_route (a->guest, IP4 (192, 168, 1, 1), &iface, &src, NULL));
  g_assert_cmpuint (iface, ==, 0);
  out = node_run (a, "ip route", &status);
  g_assert_cmpstr (out, ==,
                   "default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.2\n"
                   "10.0.0.0/8 dev eth0 proto kernel scope link src 10.0.0.2\n"
                   "10.1.0.0/16 dev eth1 proto kernel scope link src 10.1.0.2\n");
  g_clear_pointer (&out, g_free);
  wb_guest_set_gateway (a->guest, 1, IP4 (10, 1, 0, 1));
  g_assert_true (_wb_guest_route (a->guest, IP4 (192, 168, 1, 1), &iface, &src, NULL));
  g_assert_cmpuint (iface, ==, 1);
  g_assert_cmpuint (src, ==, IP4 (10, 1, 0, 2));
  wb_guest_set_gateway (a->guest, 1, 0);
  g_assert_true (_wb_guest_route (a->guest, IP4 (192, 168, 1, 1), &iface, NULL, NULL));
  g_assert_cmpuint (iface, ==, 0);
  g_assert_true (node_has_log (a, "default gateway 10.1.0.1 via eth1"));
  lab_free (lab);
}

static void
test_link (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  int status;

  out = node_run (a, "ping -c 1 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);

  /* A down link neither receives nor sends. */
  wb_guest_set_link (b->guest, 0, FALSE);
  out = node_run (a, "ping -c 2 -i 0.2 -W 0.3 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (out, "2 packets transmitted, 0 received, 100% packet loss"));
  g_clear_pointer (&out, g_free);
  wb_guest_set_link (b->guest, 0, TRUE);
  out = node_run (a, "ping -c 1 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  lab_free (lab);
}

static gboolean
lose_seq_two_cb (Lab          *lab,
                 guint         node,
                 guint         iface,
                 const guint8 *frame,
                 gsize         len)
{
  const guint8 *icmp = frame + WB_ETH_HLEN + WB_IPV4_HLEN;

  if (len < WB_ETH_HLEN + WB_IPV4_HLEN + WB_ICMP_HLEN || wb_get_be16 (frame + 12) != WB_ETHERTYPE_IPV4
      || frame[WB_ETH_HLEN + 9] != WB_IP_PROTO_ICMP)
    return TRUE;
  return !(icmp[0] == WB_ICMP_ECHO_REQUEST && wb_get_be16 (icmp + 6) == 2);
}

static void
test_ping_loss (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autofree char *out = NULL;
  int status;

  lab->tap = lose_seq_two_cb;
  out = node_run (a, "ping -c 3 -i 0.2 192.168.23.3", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_null (strstr (out, "icmp_seq=2 "));
  g_assert_nonnull (strstr (out, "3 packets transmitted, 2 received, 33.3333% packet loss, time"));
  lab_free (lab);
}

static void
test_shutdown (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_auto(GStrv) argv = g_strsplit ("ping -c 50 -i 0.05 192.168.23.3", " ", -1);
  WbTestRun r = { 0 }, late = { 0 };
  guint callbacks;

  wb_test_guest_run_async (a->guest, (const char * const *) argv, NULL, &r);
  lab_run_ms (lab, 200);
  g_assert_false (r.done);
  wb_guest_shutdown (a->guest);
  callbacks = a->callbacks;
  run_wait (lab, &r);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&r.error);

  /* Nothing more comes out of a stopped guest. */
  wb_test_guest_run_async (a->guest, (const char * const *) argv, NULL, &late);
  run_wait (lab, &late);
  g_assert_error (late.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&late.error);
  wb_guest_set_link (a->guest, 0, FALSE);
  wb_guest_configure_static (a->guest, 0, IP4 (1, 2, 3, 4), 8);
  g_assert_false (_wb_guest_udp_send (a->guest, 0, 1, IP4 (192, 168, 23, 3), 2, (const guint8 *) "x", 1, NULL));
  lab_settle (lab);
  lab_run_ms (lab, 100);
  g_assert_cmpuint (a->callbacks, ==, callbacks);
  g_assert_null (_wb_guest_get_tcp (a->guest));
  lab_free (lab);
}

static void
test_cancel (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_auto(GStrv) argv = g_strsplit ("ping -c 50 -i 0.05 192.168.23.3", " ", -1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  WbTestRun r = { 0 };

  wb_test_guest_run_async (a->guest, (const char * const *) argv, cancellable, &r);
  lab_run_ms (lab, 150);
  g_cancellable_cancel (cancellable);
  run_wait (lab, &r);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  /* Its identifier is free again: no watch is left behind. */
  g_assert_cmpuint (g_hash_table_size (a->guest->echo_watches), ==, 0);
  lab_free (lab);
}

static void
test_services (void)
{
  Node *a, *b;
  Lab *lab = lab_pair (1500, &a, &b);
  g_autoptr(GError) error = NULL;

  /* What a service does is the apps' business; the guest keeps the list
   * and refuses a second service on one port. */
  if (wb_guest_add_service (a->guest, 22, WB_GUEST_SERVICE_SSH, &error))
    {
      g_assert_no_error (error);
      g_assert_false (wb_guest_add_service (a->guest, 22, WB_GUEST_SERVICE_ECHO, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
      g_clear_error (&error);
      wb_guest_remove_service (a->guest, 22);
      g_assert_true (wb_guest_add_service (a->guest, 22, WB_GUEST_SERVICE_ECHO, NULL));
      g_assert_true (wb_guest_add_service (a->guest, 80, WB_GUEST_SERVICE_HTTP, NULL));
    }
  else
    g_assert_nonnull (error);
  wb_guest_remove_service (a->guest, 4444);
  /* Shutdown stops what is left. */
  lab_free (lab);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/guest/properties", test_properties);
  g_test_add_func ("/guest/arp/resolve", test_arp);
  g_test_add_func ("/guest/arp/failure", test_arp_failure);
  g_test_add_func ("/guest/arp/expiry", test_arp_expiry);
  g_test_add_func ("/guest/arp/conflict", test_arp_conflict);
  g_test_add_func ("/guest/arp/probe", test_arp_probe);
  g_test_add_func ("/guest/arp/queue", test_arp_queue);
  g_test_add_func ("/guest/ping/basic", test_ping);
  g_test_add_func ("/guest/ping/unreachable", test_ping_unreachable);
  g_test_add_func ("/guest/ping/loss", test_ping_loss);
  g_test_add_func ("/guest/ping/duplicates", test_ping_duplicates);
  g_test_add_func ("/guest/ping/slow", test_ping_slow);
  g_test_add_func ("/guest/ping/jumbo", test_ping_jumbo);
  g_test_add_func ("/guest/ping/fragmented", test_ping_fragmented);
  g_test_add_func ("/guest/ip/reassembly", test_reassembly);
  g_test_add_func ("/guest/ip/fragment-overlap", test_fragment_overlap);
  g_test_add_func ("/guest/ip/forward", test_forward);
  g_test_add_func ("/guest/ip/forward-errors", test_forward_ttl);
  g_test_add_func ("/guest/ip/masquerade", test_masquerade);
  g_test_add_func ("/guest/ip/masquerade-tcp", test_masquerade_tcp);
  g_test_add_func ("/guest/ip/unconfigured", test_unconfigured);
  g_test_add_func ("/guest/ip/routing", test_routing);
  g_test_add_func ("/guest/udp", test_udp);
  g_test_add_func ("/guest/malformed", test_malformed);
  g_test_add_func ("/guest/fuzz", test_fuzz);
  g_test_add_func ("/guest/commands", test_commands);
  g_test_add_func ("/guest/link", test_link);
  g_test_add_func ("/guest/shutdown", test_shutdown);
  g_test_add_func ("/guest/cancel", test_cancel);
  g_test_add_func ("/guest/services", test_services);

  return g_test_run ();
}
