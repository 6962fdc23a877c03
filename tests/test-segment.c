/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The switch (wb-segment), the pcap writer and the adapter models, without
 * guests: ports here are recorders of what reaches them.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wb-net.h"
#include "wb-nic.h"
#include "wb-pcap.h"
#include "wb-segment.h"

typedef struct
{
  const char    *name;
  guint8         mac[WB_ETH_ALEN];
  WbSegmentPort *port;
  GPtrArray     *frames;     /* GBytes* */
  /* what a delivery does besides recording */
  void         (*on_deliver) (gpointer       recorder,
                              const guint8  *frame,
                              gsize          len);
  gpointer       data;
  guint          depth;      /* deliveries in progress: must stay <= 1 */
} Recorder;

static guint max_depth;
static guint total_depth;

static void
recorder_deliver_cb (gpointer      user_data,
                     const guint8 *frame,
                     gsize         len)
{
  Recorder *recorder = user_data;

  total_depth++;
  max_depth = MAX (max_depth, total_depth);
  g_ptr_array_add (recorder->frames, g_bytes_new (frame, len));
  if (recorder->on_deliver != NULL)
    recorder->on_deliver (recorder, frame, len);
  total_depth--;
}

static Recorder *
recorder_new (WbSegment   *segment,
              const char  *name,
              WbPortKind   kind,
              WbPortFlags  flags,
              guint8       last_byte)
{
  Recorder *recorder = g_new0 (Recorder, 1);
  const guint8 mac[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0x00, 0x00, last_byte };

  recorder->name = name;
  memcpy (recorder->mac, mac, sizeof mac);
  recorder->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  recorder->port = wb_segment_add_port (segment, kind, flags,
                                        (flags & WB_PORT_FLAGS_UPLINK) ? NULL : mac,
                                        recorder_deliver_cb, recorder);
  return recorder;
}

static void
recorder_free (Recorder *recorder)
{
  g_ptr_array_unref (recorder->frames);
  g_free (recorder);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

static guint
recorder_count (Recorder *recorder)
{
  return recorder->frames->len;
}

static void
recorder_clear (Recorder *recorder)
{
  g_ptr_array_set_size (recorder->frames, 0);
}

/* A frame of @len bytes from @src to @dst with @ethertype; the payload's
 * first bytes carry @tag. */
static guint8 *
make_frame (const guint8 *dst,
            const guint8 *src,
            guint16       ethertype,
            gsize         len,
            guint32       tag)
{
  guint8 *frame = g_malloc0 (MAX (len, 18));

  memcpy (frame, dst, WB_ETH_ALEN);
  memcpy (frame + 6, src, WB_ETH_ALEN);
  wb_put_be16 (frame + 12, ethertype);
  if (len >= 18)
    wb_put_be32 (frame + 14, tag);
  return frame;
}

static const guint8 broadcast[WB_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const guint8 multicast[WB_ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const guint8 unknown[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0xee, 0xee, 0xee };

static void
send_frame (Recorder     *from,
            const guint8 *dst,
            guint16       ethertype,
            gsize         len,
            guint32       tag)
{
  g_autofree guint8 *frame = make_frame (dst, from->mac, ethertype, len, tag);

  wb_segment_port_send (from->port, frame, len);
}

static void
run_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Delivers what is queued, then checks what each recorder holds: pairs of
 * a recorder and its count, up to a NULL recorder. */
G_GNUC_NULL_TERMINATED
static void
deliver_and_count (Recorder *recorder,
                   guint     count,
                   ...)
{
  va_list args;

  run_pending ();
  va_start (args, count);
  while (recorder != NULL)
    {
      if (recorder_count (recorder) != count)
        g_test_message ("port %s holds %u frames, expected %u", recorder->name,
                        recorder_count (recorder), count);
      g_assert_cmpuint (recorder_count (recorder), ==, count);
      recorder = va_arg (args, Recorder *);
      if (recorder != NULL)
        count = va_arg (args, guint);
    }
  va_end (args);
}

/* --- the switch ---------------------------------------------------------- */

static void
test_unicast_and_flooding (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);
  g_autoptr(Recorder) c = recorder_new (segment, "c", WB_PORT_VM, 0, 3);

  /* To a port's own MAC: that port only. */
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 1);
  deliver_and_count (a, 0, b, 1, c, 0, NULL);

  /* Broadcast and multicast: everyone but the sender. */
  send_frame (a, broadcast, WB_ETHERTYPE_ARP, 60, 2);
  send_frame (a, multicast, WB_ETHERTYPE_IPV4, 60, 3);
  deliver_and_count (a, 0, b, 3, c, 2, NULL);

  /* Unknown unicast: deny ports only take their own MAC. */
  send_frame (a, unknown, WB_ETHERTYPE_IPV4, 60, 4);
  deliver_and_count (b, 3, c, 2, NULL);

  /* A frame to oneself goes nowhere. */
  send_frame (a, a->mac, WB_ETHERTYPE_IPV4, 60, 5);
  deliver_and_count (a, 0, NULL);

  wb_segment_free (segment);
}

static void
test_learning (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) up1 = recorder_new (segment, "up1", WB_PORT_HOST, WB_PORT_FLAGS_UPLINK, 0x11);
  g_autoptr(Recorder) up2 = recorder_new (segment, "up2", WB_PORT_HOST, WB_PORT_FLAGS_UPLINK, 0x12);
  const guint8 station[WB_ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
  g_autofree guint8 *from_station = make_frame (a->mac, station, WB_ETHERTYPE_IPV4, 60, 0);
  g_autofree guint8 *spoof = make_frame (broadcast, a->mac, WB_ETHERTYPE_ARP, 60, 0);

  /* Unknown unicast is flooded to the uplinks. */
  send_frame (a, station, WB_ETHERTYPE_IPV4, 60, 1);
  deliver_and_count (up1, 1, up2, 1, NULL);

  /* Once the station behind up1 spoke, frames for it go there only. */
  wb_segment_port_send (up1->port, from_station, 60);
  deliver_and_count (a, 1, NULL);
  send_frame (a, station, WB_ETHERTYPE_IPV4, 60, 2);
  deliver_and_count (up1, 2, up2, 1, NULL);

  /* A port's own MAC is not learned away by a spoofer. */
  wb_segment_port_send (up2->port, spoof, 60);
  deliver_and_count (a, 2, NULL);
  send_frame (up1, a->mac, WB_ETHERTYPE_IPV4, 60, 3);
  deliver_and_count (a, 3, up1, 3, up2, 1, NULL);

  /* Link loss forgets what was learned there: flooded again. */
  wb_segment_port_set_link (up1->port, FALSE);
  wb_segment_port_set_link (up1->port, TRUE);
  send_frame (a, station, WB_ETHERTYPE_IPV4, 60, 4);
  deliver_and_count (up1, 4, up2, 2, NULL);

  wb_segment_free (segment);
}

static void
test_promisc (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);
  g_autoptr(Recorder) p = recorder_new (segment, "p", WB_PORT_VM, 0, 3);
  g_autoptr(Recorder) host = recorder_new (segment, "host", WB_PORT_HOST, 0, 4);
  struct
  {
    WbPromisc policy;
    guint     vm_to_vm, vm_to_host, host_to_vm, vm_to_unknown;
  } cases[] = {
    { WB_PROMISC_DENY, 0, 0, 0, 0 },
    { WB_PROMISC_ALLOW_VMS, 1, 0, 0, 1 },
    { WB_PROMISC_ALLOW_ALL, 1, 1, 1, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      wb_segment_port_set_promisc (p->port, cases[i].policy);

      recorder_clear (p);
      send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 1);
      deliver_and_count (p, cases[i].vm_to_vm, NULL);

      recorder_clear (p);
      send_frame (a, host->mac, WB_ETHERTYPE_IPV4, 60, 2);
      deliver_and_count (p, cases[i].vm_to_host, NULL);

      recorder_clear (p);
      send_frame (host, b->mac, WB_ETHERTYPE_IPV4, 60, 3);
      deliver_and_count (p, cases[i].host_to_vm, NULL);

      recorder_clear (p);
      send_frame (a, unknown, WB_ETHERTYPE_IPV4, 60, 4);
      deliver_and_count (p, cases[i].vm_to_unknown, NULL);

      /* Broadcasts and its own frames, whatever the policy. */
      recorder_clear (p);
      send_frame (host, broadcast, WB_ETHERTYPE_ARP, 60, 5);
      send_frame (a, p->mac, WB_ETHERTYPE_IPV4, 60, 6);
      deliver_and_count (p, 2, NULL);
    }

  /* The addressee gets one copy, never two (two frames and a broadcast
   * per policy). */
  g_assert_cmpuint (recorder_count (b), ==, 3 * 3);

  wb_segment_free (segment);
}

static void
test_mtu_and_runts (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);
  const WbCounters *counters = wb_segment_port_get_counters (a->port);
  WbCounters totals;

  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 1514, 1);
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 1515, 2);
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 14, 3);
  wb_segment_port_send (a->port, (const guint8 *) "short", 5);
  run_pending ();

  g_assert_cmpuint (recorder_count (b), ==, 2);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (b->frames, 0)), ==, 1514);
  g_assert_cmpuint (counters->drops[WB_DROP_OVERSIZE], ==, 1);
  g_assert_cmpuint (counters->drops[WB_DROP_RUNT], ==, 1);
  g_assert_cmpuint (counters->frames_out, ==, 2);
  g_assert_cmpuint (counters->bytes_out, ==, 1514 + 14);
  g_assert_cmpuint (wb_segment_port_get_counters (b->port)->frames_in, ==, 2);

  wb_segment_get_counters (segment, &totals);
  g_assert_cmpuint (totals.drops[WB_DROP_OVERSIZE], ==, 1);
  g_assert_cmpuint (totals.frames_in, ==, 2);

  /* Jumbo segments carry 9000. */
  wb_segment_free (segment);
  segment = wb_segment_new ("jumbo", WB_ETH_JUMBO_MTU, NULL);
  {
    g_autoptr(Recorder) c = recorder_new (segment, "c", WB_PORT_VM, 0, 3);
    g_autoptr(Recorder) d = recorder_new (segment, "d", WB_PORT_VM, 0, 4);

    send_frame (c, d->mac, WB_ETHERTYPE_IPV4, 9014, 1);
    send_frame (c, d->mac, WB_ETHERTYPE_IPV4, 9015, 2);
    deliver_and_count (d, 1, NULL);
    g_assert_cmpuint (wb_segment_port_get_counters (c->port)->drops[WB_DROP_OVERSIZE], ==, 1);
    wb_segment_free (segment);
  }
}

static void
test_ethertype_filter (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);
  g_autoptr(Recorder) gw = recorder_new (segment, "gw", WB_PORT_HOST, WB_PORT_FLAGS_IPV4_ONLY, 3);

  send_frame (a, broadcast, WB_ETHERTYPE_ARP, 60, 1);
  send_frame (a, broadcast, WB_ETHERTYPE_IPV4, 60, 2);
  send_frame (a, broadcast, WB_ETHERTYPE_IPV6, 60, 3);
  send_frame (a, gw->mac, 0x88b5, 60, 4);
  run_pending ();

  g_assert_cmpuint (recorder_count (b), ==, 3);
  g_assert_cmpuint (recorder_count (gw), ==, 2);
  g_assert_cmpuint (wb_segment_port_get_counters (gw->port)->drops[WB_DROP_ETHERTYPE], ==, 2);

  wb_segment_free (segment);
}

static void
test_link (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);

  wb_segment_port_set_link (b->port, FALSE);
  g_assert_false (wb_segment_port_get_link (b->port));
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 1);
  send_frame (a, broadcast, WB_ETHERTYPE_ARP, 60, 2);
  send_frame (b, a->mac, WB_ETHERTYPE_IPV4, 60, 3);
  deliver_and_count (a, 0, b, 0, NULL);
  g_assert_cmpuint (wb_segment_port_get_counters (b->port)->drops[WB_DROP_LINK_DOWN], ==, 1);

  /* A frame queued for a port whose cable is pulled before delivery does
   * not reach it. */
  wb_segment_port_set_link (b->port, TRUE);
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 4);
  wb_segment_port_set_link (b->port, FALSE);
  deliver_and_count (b, 0, NULL);

  wb_segment_port_set_link (b->port, TRUE);
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 5);
  send_frame (b, a->mac, WB_ETHERTYPE_IPV4, 60, 6);
  deliver_and_count (a, 1, b, 1, NULL);

  wb_segment_free (segment);
}

/* Answers every frame to the sender, up to data (a counter) times. */
static void
echo_back (gpointer      user_data,
           const guint8 *frame,
           gsize         len)
{
  Recorder *recorder = user_data;
  guint *left = recorder->data;
  g_autofree guint8 *reply = NULL;

  if (*left == 0)
    return;
  (*left)--;
  reply = make_frame (frame + 6, recorder->mac, WB_ETHERTYPE_IPV4, len, 0);
  wb_segment_port_send (recorder->port, reply, len);
}

static void
test_no_reentrancy (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);
  guint a_left = 50, b_left = 50;

  a->on_deliver = echo_back;
  a->data = &a_left;
  b->on_deliver = echo_back;
  b->data = &b_left;
  max_depth = 0;

  /* Sending delivers nothing by itself. */
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 1);
  g_assert_cmpuint (recorder_count (b), ==, 0);
  g_assert_cmpuint (wb_segment_get_queue_length (segment), ==, 1);

  /* One dispatch delivers what was queued, not the replies. */
  g_assert_true (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (recorder_count (b), ==, 1);
  g_assert_cmpuint (recorder_count (a), ==, 0);
  g_assert_cmpuint (wb_segment_get_queue_length (segment), ==, 1);

  run_pending ();
  g_assert_cmpuint (recorder_count (a) + recorder_count (b), ==, 101);
  g_assert_cmpuint (max_depth, ==, 1);

  wb_segment_free (segment);
}

static void
test_queue_bound (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);

  wb_segment_set_queue_limit (segment, 10);
  for (guint i = 0; i < 15; i++)
    send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, i);
  g_assert_cmpuint (wb_segment_get_queue_length (segment), ==, 10);
  deliver_and_count (b, 10, NULL);
  g_assert_cmpuint (wb_segment_port_get_counters (a->port)->drops[WB_DROP_QUEUE_FULL], ==, 5);

  /* Room again once delivered. */
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 99);
  deliver_and_count (b, 11, NULL);

  wb_segment_free (segment);
}

static guint32
frame_tag (GBytes *frame)
{
  return wb_get_be32 ((const guint8 *) g_bytes_get_data (frame, NULL) + 14);
}

static void
test_faults (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);
  WbCounters totals;
  gboolean reordered = FALSE;
  guint64 sum = 0;

  wb_segment_set_faults (segment, 100, 0, 42);
  for (guint i = 0; i < 1000; i++)
    send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, i);
  run_pending ();
  wb_segment_get_counters (segment, &totals);
  g_assert_cmpuint (recorder_count (b) + totals.drops[WB_DROP_LOSS], ==, 1000);
  g_assert_cmpuint (totals.drops[WB_DROP_LOSS], >, 50);
  g_assert_cmpuint (totals.drops[WB_DROP_LOSS], <, 150);
  g_assert_cmpuint (wb_segment_port_get_counters (a->port)->drops[WB_DROP_LOSS], ==,
                    totals.drops[WB_DROP_LOSS]);

  /* Reordering loses nothing. */
  recorder_clear (b);
  wb_segment_set_faults (segment, 0, 200, 42);
  for (guint i = 0; i < 200; i++)
    send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, i);
  deliver_and_count (b, 200, NULL);
  for (guint i = 0; i < 200; i++)
    {
      guint32 tag = frame_tag (g_ptr_array_index (b->frames, i));

      sum += tag;
      reordered |= tag != i;
    }
  g_assert_cmpuint (sum, ==, 199 * 200 / 2);
  g_assert_true (reordered);

  /* A lone frame held back still goes. */
  recorder_clear (b);
  wb_segment_set_faults (segment, 0, 1000, 1);
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 7);
  deliver_and_count (b, 1, NULL);

  wb_segment_free (segment);
}

typedef struct
{
  WbSegment *segment;
  Recorder  *other;
  gboolean   free_segment;
} Wrecker;

static void
wreck (gpointer      user_data,
       const guint8 *frame,
       gsize         len)
{
  Recorder *self = user_data;
  Wrecker *wrecker = self->data;

  if (wrecker->other->port != NULL)
    {
      wb_segment_remove_port (wrecker->other->port);
      wrecker->other->port = NULL;
    }
  if (wrecker->free_segment && wrecker->segment != NULL)
    {
      wb_segment_free (wrecker->segment);
      wrecker->segment = NULL;
      self->port = NULL;
      return;
    }
  if (self->port != NULL)
    {
      wb_segment_remove_port (self->port);
      self->port = NULL;
    }
}

static void
test_changes_during_delivery (void)
{
  for (guint pass = 0; pass < 2; pass++)
    {
      WbSegment *segment = wb_segment_new ("test", 1500, NULL);
      g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
      g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);
      g_autoptr(Recorder) c = recorder_new (segment, "c", WB_PORT_VM, 0, 3);
      Wrecker wrecker = { segment, c, pass == 1 };

      /* b, delivered before c, removes c (and itself, or the segment). */
      b->on_deliver = wreck;
      b->data = &wrecker;
      send_frame (a, broadcast, WB_ETHERTYPE_ARP, 60, 1);
      send_frame (a, broadcast, WB_ETHERTYPE_ARP, 60, 2);
      deliver_and_count (b, 1, c, 0, NULL);

      if (wrecker.segment != NULL)
        {
          g_assert_cmpuint (wb_segment_get_n_ports (segment), ==, 1);
          wb_segment_free (segment);
        }
    }
}

static void
try_flush (gpointer      user_data,
           const guint8 *frame,
           gsize         len)
{
  Recorder *recorder = user_data;
  WbSegment *other = recorder->data;

  /* Not from inside a delivery, not even of another segment. */
  g_assert_false (wb_segment_flush (other));
}

static void
test_flush_and_leaving_ports (void)
{
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);

  /* A port's last frames still go after it left (a DHCPRELEASE). */
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 1);
  wb_segment_remove_port (a->port);
  g_assert_true (wb_segment_flush (segment));
  g_assert_cmpuint (recorder_count (b), ==, 1);
  g_assert_cmpuint (wb_segment_get_queue_length (segment), ==, 0);
  g_assert_cmpuint (wb_segment_get_n_ports (segment), ==, 1);

  {
    WbSegment *other = wb_segment_new ("other", 1500, NULL);
    g_autoptr(Recorder) c = recorder_new (other, "c", WB_PORT_VM, 0, 3);
    g_autoptr(Recorder) d = recorder_new (other, "d", WB_PORT_VM, 0, 4);
    g_autoptr(Recorder) e = recorder_new (segment, "e", WB_PORT_VM, 0, 5);

    b->on_deliver = try_flush;
    b->data = other;
    send_frame (c, d->mac, WB_ETHERTYPE_IPV4, 60, 2);
    send_frame (e, b->mac, WB_ETHERTYPE_IPV4, 60, 3);
    g_assert_true (wb_segment_flush (segment));
    g_assert_cmpuint (recorder_count (b), ==, 2);
    g_assert_cmpuint (recorder_count (d), ==, 0);
    deliver_and_count (d, 1, NULL);
    wb_segment_free (other);
  }

  wb_segment_free (segment);
  run_pending ();
}

/* --- pcap ---------------------------------------------------------------- */

static guint32
get_le32 (const guint8 *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (guint32) p[3] << 24;
}

/* An ICMP echo request from 192.168.23.2 to .3, checksums right. */
static gsize
make_ping (guint8 frame[98])
{
  const guint8 dst[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0, 0, 3 };
  const guint8 src[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0, 0, 2 };
  guint8 *ip = frame + WB_ETH_HLEN;
  guint8 *icmp = ip + WB_IPV4_HLEN;

  memset (frame, 0, 98);
  memcpy (frame, dst, 6);
  memcpy (frame + 6, src, 6);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_IPV4);
  ip[0] = 0x45;
  wb_put_be16 (ip + 2, 84);
  ip[8] = 64;
  ip[9] = WB_IP_PROTO_ICMP;
  wb_put_be32 (ip + 12, 0xc0a81702);
  wb_put_be32 (ip + 16, 0xc0a81703);
  wb_put_be16 (ip + 10, wb_checksum (ip, WB_IPV4_HLEN));
  icmp[0] = 8;
  wb_put_be16 (icmp + 4, 0x1234);
  wb_put_be16 (icmp + 6, 1);
  for (guint i = 8; i < 64; i++)
    icmp[i] = (guint8) i;
  wb_put_be16 (icmp + 2, wb_checksum (icmp, 64));
  return 98;
}

static void
test_pcap_format (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wirebox-pcap-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "trace.pcap", NULL);
  g_autofree char *tshark = g_find_program_in_path ("tshark");
  g_autofree char *contents = NULL;
  g_autofree guint8 *big = g_malloc0 (70000);
  guint8 ping[98];
  const guint8 *p;
  gsize length;
  WbPcap *pcap;

  g_assert_no_error (error);
  pcap = wb_pcap_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wb_pcap_get_path (pcap), ==, path);
  make_ping (ping);
  wb_pcap_write (pcap, G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC + 123456, ping, sizeof ping);
  wb_pcap_write (pcap, G_GINT64_CONSTANT (1700000001) * G_USEC_PER_SEC, ping, sizeof ping);
  memcpy (big, ping, 14);
  wb_pcap_write (pcap, G_GINT64_CONSTANT (1700000002) * G_USEC_PER_SEC, big, 70000);
  g_assert_true (wb_pcap_close (pcap, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_cmpuint (length, ==, 24 + 2 * (16 + 98) + 16 + 65535);
  p = (const guint8 *) contents;
  g_assert_cmphex (get_le32 (p), ==, 0xa1b2c3d4);
  g_assert_cmpuint (p[4] | p[5] << 8, ==, 2);
  g_assert_cmpuint (p[6] | p[7] << 8, ==, 4);
  g_assert_cmpuint (get_le32 (p + 16), ==, 65535);
  g_assert_cmpuint (get_le32 (p + 20), ==, 1);
  p += 24;
  g_assert_cmpuint (get_le32 (p), ==, 1700000000);
  g_assert_cmpuint (get_le32 (p + 4), ==, 123456);
  g_assert_cmpuint (get_le32 (p + 8), ==, 98);
  g_assert_cmpuint (get_le32 (p + 12), ==, 98);
  g_assert_cmpmem (p + 16, 98, ping, 98);
  p += 2 * (16 + 98);
  g_assert_cmpuint (get_le32 (p + 8), ==, 65535);
  g_assert_cmpuint (get_le32 (p + 12), ==, 70000);

  if (tshark != NULL)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;
      const char *argv[] = { tshark, "-o", "ip.check_checksum:TRUE",
                             "-r", path, "-T", "fields", "-e", "frame.len",
                             "-e", "icmp.type", NULL };

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                                   NULL, NULL, &out, &err, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, "98\t8\n98\t8\n70000\t\n");
    }
  else
    g_test_message ("tshark not installed: the file was not read with it");

  g_assert_null (wb_pcap_open ("/nonexistent/dir/trace.pcap", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  g_unlink (path);
  g_rmdir (dir);
}

/* --- adapter models ---------------------------------------------------------- */

typedef struct
{
  GPtrArray *received;
  GArray    *links;     /* gboolean */
} NicSpy;

static void
nic_receive_cb (gpointer      user_data,
                const guint8 *frame,
                gsize         len)
{
  NicSpy *spy = user_data;

  g_ptr_array_add (spy->received, g_bytes_new (frame, len));
}

static void
nic_link_cb (gpointer user_data,
             gboolean up)
{
  NicSpy *spy = user_data;

  g_array_append_val (spy->links, up);
}

static const WbNicCallbacks spy_callbacks = {
  .receive = nic_receive_cb,
  .link_changed = nic_link_cb,
};

static void
nic_spy_init (NicSpy *spy)
{
  spy->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  spy->links = g_array_new (FALSE, FALSE, sizeof (gboolean));
}

static void
nic_spy_clear (NicSpy *spy)
{
  g_ptr_array_unref (spy->received);
  g_array_unref (spy->links);
}

static void
test_nic_jumbo (void)
{
  WbSegment *segment = wb_segment_new ("jumbo", WB_ETH_JUMBO_MTU, NULL);
  const guint8 intel_mac[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0, 0, 1 };
  const guint8 pcnet_mac[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0, 0, 2 };
  NicSpy intel_spy, pcnet_spy;
  WbNic *intel, *pcnet;
  g_autofree guint8 *jumbo = make_frame (pcnet_mac, intel_mac, WB_ETHERTYPE_IPV4, 9014, 1);
  g_autofree guint8 *normal = make_frame (pcnet_mac, intel_mac, WB_ETHERTYPE_IPV4, 1514, 2);
  g_autofree guint8 *back = make_frame (intel_mac, pcnet_mac, WB_ETHERTYPE_IPV4, 1515, 3);
  g_autofree guint8 *to_intel = make_frame (intel_mac, pcnet_mac, WB_ETHERTYPE_IPV4, 9014, 4);
  WbCounters counters;

  g_assert_cmpuint (wb_nic_type_max_payload (WB_NIC_TYPE_82540EM), ==, 9000);
  g_assert_cmpuint (wb_nic_type_max_payload (WB_NIC_TYPE_VIRTIO), ==, 9000);
  g_assert_cmpuint (wb_nic_type_max_payload (WB_NIC_TYPE_AM79C973), ==, 1500);
  g_assert_cmpuint (wb_nic_type_max_payload (WB_NIC_TYPE_AM79C970A), ==, 1500);

  nic_spy_init (&intel_spy);
  nic_spy_init (&pcnet_spy);
  intel = wb_nic_new (WB_NIC_TYPE_82540EM, intel_mac, &spy_callbacks, &intel_spy);
  pcnet = wb_nic_new (WB_NIC_TYPE_AM79C973, pcnet_mac, &spy_callbacks, &pcnet_spy);
  wb_nic_attach (intel, segment);
  wb_nic_attach (pcnet, segment);

  /* Intel sends 9000; the PCnet drops it on receive. */
  wb_nic_transmit (intel, jumbo, 9014);
  wb_nic_transmit (intel, normal, 1514);
  run_pending ();
  g_assert_cmpuint (pcnet_spy.received->len, ==, 1);
  wb_nic_get_counters (pcnet, &counters);
  g_assert_cmpuint (counters.drops[WB_DROP_OVERSIZE], ==, 1);
  g_assert_cmpuint (counters.frames_in, ==, 1);
  g_assert_cmpuint (counters.bytes_in, ==, 1514);
  wb_nic_get_counters (intel, &counters);
  g_assert_cmpuint (counters.frames_out, ==, 2);
  g_assert_cmpuint (counters.bytes_out, ==, 9014 + 1514);

  /* The PCnet does not send above 1500 either; the Intel takes 9000. */
  wb_nic_transmit (pcnet, back, 1515);
  wb_nic_transmit (pcnet, to_intel, 9014);
  run_pending ();
  g_assert_cmpuint (intel_spy.received->len, ==, 0);
  wb_nic_get_counters (pcnet, &counters);
  g_assert_cmpuint (counters.drops[WB_DROP_OVERSIZE], ==, 3);
  g_assert_cmpuint (counters.frames_out, ==, 0);

  wb_nic_free (intel);
  wb_nic_free (pcnet);
  wb_segment_free (segment);
  nic_spy_clear (&intel_spy);
  nic_spy_clear (&pcnet_spy);
}

static void
test_nic_link_and_padding (void)
{
  WbSegment *one = wb_segment_new ("one", 1500, NULL);
  WbSegment *two = wb_segment_new ("two", 1500, NULL);
  const guint8 mac[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0, 0, 1 };
  g_autoptr(Recorder) peer = recorder_new (one, "peer", WB_PORT_VM, 0, 9);
  g_autofree guint8 *small = make_frame (peer->mac, mac, WB_ETHERTYPE_ARP, 42, 1);
  NicSpy spy;
  WbNic *nic;
  WbCounters counters;
  const guint8 *data;
  gsize len;

  nic_spy_init (&spy);
  nic = wb_nic_new (WB_NIC_TYPE_VIRTIO, mac, &spy_callbacks, &spy);
  g_assert_false (wb_nic_get_link (nic));
  wb_nic_transmit (nic, small, 42);          /* not attached: dropped */

  wb_nic_attach (nic, one);
  g_assert_true (wb_nic_get_link (nic));
  wb_nic_transmit (nic, small, 42);
  deliver_and_count (peer, 1, NULL);
  data = g_bytes_get_data (g_ptr_array_index (peer->frames, 0), &len);
  g_assert_cmpuint (len, ==, 60);            /* padded as hardware does */
  g_assert_cmpmem (data, 42, small, 42);
  g_assert_cmpuint (data[59], ==, 0);

  wb_nic_set_cable_connected (nic, FALSE);
  g_assert_false (wb_nic_get_link (nic));
  wb_nic_transmit (nic, small, 42);
  send_frame (peer, mac, WB_ETHERTYPE_IPV4, 60, 2);
  run_pending ();
  g_assert_cmpuint (spy.received->len, ==, 0);
  wb_nic_set_cable_connected (nic, TRUE);
  send_frame (peer, mac, WB_ETHERTYPE_IPV4, 60, 3);
  run_pending ();
  g_assert_cmpuint (spy.received->len, ==, 1);

  /* A move is down, then up; counters carry over. */
  wb_nic_attach (nic, two);
  g_assert_true (wb_nic_get_segment (nic) == two);
  g_assert_cmpuint (wb_segment_get_n_ports (one), ==, 1);
  wb_nic_attach (nic, NULL);
  g_assert_null (wb_nic_get_segment (nic));

  {
    const gboolean expected[] = { TRUE, FALSE, TRUE, FALSE, TRUE, FALSE };

    g_assert_cmpuint (spy.links->len, ==, G_N_ELEMENTS (expected));
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      g_assert_cmpint (g_array_index (spy.links, gboolean, i), ==, expected[i]);
  }
  wb_nic_get_counters (nic, &counters);
  g_assert_cmpuint (counters.drops[WB_DROP_LINK_DOWN], ==, 2);
  g_assert_cmpuint (counters.frames_out, ==, 1);
  g_assert_cmpuint (counters.frames_in, ==, 1);

  wb_nic_free (nic);
  wb_segment_free (one);
  wb_segment_free (two);
  nic_spy_clear (&spy);
}

static void
test_nic_promisc_trace (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wirebox-nic-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "nic.pcap", NULL);
  g_autofree char *contents = NULL;
  WbSegment *segment = wb_segment_new ("test", 1500, NULL);
  g_autoptr(Recorder) a = recorder_new (segment, "a", WB_PORT_VM, 0, 1);
  g_autoptr(Recorder) b = recorder_new (segment, "b", WB_PORT_VM, 0, 2);
  const guint8 mac[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0, 0, 3 };
  g_autofree guint8 *own = make_frame (a->mac, mac, WB_ETHERTYPE_IPV4, 60, 1);
  NicSpy spy;
  WbNic *nic;
  gsize length;

  nic_spy_init (&spy);
  nic = wb_nic_new (WB_NIC_TYPE_82540EM, mac, &spy_callbacks, &spy);
  wb_nic_attach (nic, segment);
  g_assert_true (wb_nic_set_trace (nic, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (wb_nic_get_trace_path (nic), ==, path);

  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 1);       /* not seen */
  run_pending ();
  wb_nic_set_promisc (nic, WB_PROMISC_ALLOW_VMS);
  send_frame (a, b->mac, WB_ETHERTYPE_IPV4, 60, 2);       /* seen */
  wb_nic_transmit (nic, own, 60);                        /* traced out */
  run_pending ();
  g_assert_cmpuint (spy.received->len, ==, 1);

  g_assert_false (wb_nic_set_trace (nic, "/nonexistent/x.pcap", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpstr (wb_nic_get_trace_path (nic), ==, path);   /* still on */

  g_assert_true (wb_nic_set_trace (nic, NULL, &error));
  g_assert_null (wb_nic_get_trace_path (nic));
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 24 + 2 * (16 + 60));

  wb_nic_free (nic);
  wb_segment_free (segment);
  nic_spy_clear (&spy);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/segment/unicast-and-flooding", test_unicast_and_flooding);
  g_test_add_func ("/segment/learning", test_learning);
  g_test_add_func ("/segment/promisc", test_promisc);
  g_test_add_func ("/segment/mtu-and-runts", test_mtu_and_runts);
  g_test_add_func ("/segment/ethertype-filter", test_ethertype_filter);
  g_test_add_func ("/segment/link", test_link);
  g_test_add_func ("/segment/no-reentrancy", test_no_reentrancy);
  g_test_add_func ("/segment/queue-bound", test_queue_bound);
  g_test_add_func ("/segment/faults", test_faults);
  g_test_add_func ("/segment/changes-during-delivery", test_changes_during_delivery);
  g_test_add_func ("/segment/flush-and-leaving-ports", test_flush_and_leaving_ports);
  g_test_add_func ("/pcap/format", test_pcap_format);
  g_test_add_func ("/nic/jumbo", test_nic_jumbo);
  g_test_add_func ("/nic/link-and-padding", test_nic_link_and_padding);
  g_test_add_func ("/nic/promisc-and-trace", test_nic_promisc_trace);

  return g_test_run ();
}
