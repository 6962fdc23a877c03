/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The switch. Sending only queues a copy of the frame; a GSource (the pump)
 * drains the queue on the segment's context, one batch per dispatch, so a
 * delivery that makes its owner send (an ARP reply, a TCP ACK) never
 * recurses into another delivery, and other sources of the engine still run
 * between batches.
 *
 * Everything a delivery may do to the segment is allowed: ports removed
 * during a dispatch are only marked and freed after it (the "graveyard"),
 * and a segment freed during a dispatch lives on until the dispatch
 * returns (a reference held by the dispatch).
 */
#include "wb-segment.h"

#include "wb-net.h"

#define MAC_AGING_US   ((gint64) WB_SEGMENT_MAC_AGING_S * G_USEC_PER_SEC)
/* Learned MACs beyond this are not learned (frames to them are flooded to
 * the uplinks instead): a station spoofing source MACs cannot grow the
 * table without bound. */
#define MAX_LEARNED    8192

typedef struct
{
  GList          link;        /* in WbSegment.queue; link.data is the frame */
  WbSegmentPort *src;         /* NULL once that port has left */
  WbPortKind     src_kind;
  gsize          len;
  guint8         data[];
} Frame;

struct _WbSegmentPort
{
  WbSegment            *segment;
  WbPortKind            kind;
  WbPortFlags           flags;
  gboolean              has_mac;
  guint8                mac[WB_ETH_ALEN];
  WbSegmentDeliverFunc  deliver;
  gpointer              user_data;
  WbPromisc             promisc;
  gboolean              link_up;
  gboolean              removed;
  guint                 stamp;      /* = segment->stamp once a target of the frame */
  WbCounters            counters;
};

typedef struct
{
  guint64        mac;         /* the hash key */
  WbSegmentPort *port;
  gint64         seen;        /* monotonic µs; 0 for a port's own MAC */
} MacEntry;

typedef struct
{
  GSource    source;
  WbSegment *segment;
} PumpSource;

struct _WbSegment
{
  gint           ref_count;
  char          *name;
  guint          mtu;
  GMainContext  *context;
  GSource       *pump;
  GPtrArray     *ports;       /* WbSegmentPort*, in the order added */
  GPtrArray     *promisc;     /* the ports whose policy is not deny */
  GPtrArray     *uplinks;     /* the ports with WB_PORT_FLAGS_UPLINK */
  GPtrArray     *targets;     /* scratch: where the current frame goes */
  GPtrArray     *graveyard;   /* ports removed during a dispatch */
  guint          stamp;
  GHashTable    *macs;        /* &MacEntry.mac -> MacEntry* (owned) */
  guint          n_learned;
  GQueue         queue;       /* Frame.link */
  guint          queue_limit;
  Frame         *held;        /* held back by the reorder knob */
  guint          loss_permille;
  guint          reorder_permille;
  GRand         *rand;
  WbCounters     counters;
  gboolean       dispatching;
  gboolean       destroyed;
};

/* Dispatches in progress on this thread, of any segment: a flush from
 * inside one would deliver to a guest that is still busy with a frame. */
static _Thread_local guint n_draining;

static const char * const drop_names[WB_N_DROPS] = {
  [WB_DROP_RUNT] = "runt",
  [WB_DROP_OVERSIZE] = "oversize",
  [WB_DROP_LINK_DOWN] = "link-down",
  [WB_DROP_QUEUE_FULL] = "queue-full",
  [WB_DROP_ETHERTYPE] = "ethertype",
  [WB_DROP_LOSS] = "loss",
  [WB_DROP_FRAGMENT] = "fragment",
};

const char *
wb_drop_reason_to_string (WbDropReason reason)
{
  g_return_val_if_fail (reason < WB_N_DROPS, NULL);

  return drop_names[reason];
}

static guint64
mac_key (const guint8 *mac)
{
  guint64 key = 0;

  for (guint i = 0; i < WB_ETH_ALEN; i++)
    key = key << 8 | mac[i];
  return key;
}

static void
count_drop (WbSegmentPort *port,
            WbDropReason   reason)
{
  port->counters.drops[reason]++;
  port->segment->counters.drops[reason]++;
}

/* --- the MAC table ---------------------------------------------------- */

static void
mac_table_add_static (WbSegment     *segment,
                      WbSegmentPort *port)
{
  guint64 key = mac_key (port->mac);
  MacEntry *entry = g_hash_table_lookup (segment->macs, &key);

  if (entry != NULL)
    {
      /* A port's own MAC outranks one learned on another port; of two ports
       * with the same MAC (a misconfiguration), the first keeps it. */
      if (entry->seen == 0)
        return;
      entry->port = port;
      entry->seen = 0;
      segment->n_learned--;
      return;
    }

  entry = g_new0 (MacEntry, 1);
  entry->mac = key;
  entry->port = port;
  g_hash_table_insert (segment->macs, &entry->mac, entry);
}

typedef struct
{
  WbSegmentPort *port;
  gboolean       learned_only;
  gint64         expired_before;   /* 0: ignore age */
} ForgetFilter;

static gboolean
forget_entry_cb (gpointer key,
                 gpointer value,
                 gpointer user_data)
{
  MacEntry *entry = value;
  ForgetFilter *filter = user_data;

  if (filter->port != NULL && entry->port != filter->port)
    return FALSE;
  if (filter->learned_only && entry->seen == 0)
    return FALSE;
  if (filter->expired_before != 0
      && (entry->seen == 0 || entry->seen >= filter->expired_before))
    return FALSE;
  return TRUE;
}

static void
mac_table_forget (WbSegment     *segment,
                  WbSegmentPort *port,
                  gboolean       learned_only,
                  gint64         expired_before)
{
  ForgetFilter filter = { port, learned_only, expired_before };
  GHashTableIter iter;
  MacEntry *entry;
  guint n_static = 0;

  g_hash_table_foreach_remove (segment->macs, forget_entry_cb, &filter);
  g_hash_table_iter_init (&iter, segment->macs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    n_static += entry->seen == 0;
  segment->n_learned = g_hash_table_size (segment->macs) - n_static;
}

static void
mac_table_learn (WbSegment     *segment,
                 WbSegmentPort *port,
                 const guint8  *mac,
                 gint64         now)
{
  guint64 key;
  MacEntry *entry;

  if (wb_mac_is_multicast (mac))
    return;

  key = mac_key (mac);
  entry = g_hash_table_lookup (segment->macs, &key);
  if (entry != NULL)
    {
      if (entry->seen != 0)
        {
          entry->port = port;
          entry->seen = now;
        }
      return;
    }

  if (segment->n_learned >= MAX_LEARNED)
    {
      mac_table_forget (segment, NULL, TRUE, now - MAC_AGING_US);
      if (segment->n_learned >= MAX_LEARNED)
        return;
    }

  entry = g_new0 (MacEntry, 1);
  entry->mac = key;
  entry->port = port;
  /* 0 marks a port's own MAC: never learn at time 0. */
  entry->seen = MAX (now, 1);
  g_hash_table_insert (segment->macs, &entry->mac, entry);
  segment->n_learned++;
}

static WbSegmentPort *
mac_table_lookup (WbSegment    *segment,
                  const guint8 *mac,
                  gint64        now)
{
  guint64 key = mac_key (mac);
  MacEntry *entry = g_hash_table_lookup (segment->macs, &key);

  if (entry == NULL)
    return NULL;
  if (entry->seen != 0 && now - entry->seen > MAC_AGING_US)
    {
      g_hash_table_remove (segment->macs, &key);
      segment->n_learned--;
      return NULL;
    }
  return entry->port;
}

/* --- delivery ---------------------------------------------------------- */

static void
add_target (WbSegment     *segment,
            WbSegmentPort *port)
{
  if (port->stamp == segment->stamp)
    return;
  port->stamp = segment->stamp;
  g_ptr_array_add (segment->targets, port);
}

/* Whether a promiscuous port also sees a unicast frame from a @src_kind
 * port to @target (NULL: a destination the switch does not know). */
static gboolean
promisc_sees (const WbSegmentPort *port,
              WbPortKind           src_kind,
              const WbSegmentPort *target)
{
  switch (port->promisc)
    {
    case WB_PROMISC_ALLOW_ALL:
      return TRUE;
    case WB_PROMISC_ALLOW_VMS:
      /* Traffic between VMs, not the host's (VIRTUALBOX.md §8). */
      return src_kind == WB_PORT_VM && (target == NULL || target->kind == WB_PORT_VM);
    case WB_PROMISC_DENY:
    case WB_N_PROMISC:
    default:
      return FALSE;
    }
}

static gboolean
is_ipv4_or_arp (const Frame *frame)
{
  guint16 type = wb_get_be16 (frame->data + 12);

  return type == WB_ETHERTYPE_IPV4 || type == WB_ETHERTYPE_ARP;
}

static void
deliver (WbSegment     *segment,
         WbSegmentPort *port,
         const Frame   *frame)
{
  if (port->removed || !port->link_up)
    return;
  if ((port->flags & WB_PORT_FLAGS_IPV4_ONLY) && !is_ipv4_or_arp (frame))
    {
      count_drop (port, WB_DROP_ETHERTYPE);
      return;
    }

  port->counters.frames_in++;
  port->counters.bytes_in += frame->len;
  segment->counters.frames_in++;
  segment->counters.bytes_in += frame->len;
  port->deliver (port->user_data, frame->data, frame->len);
}

static void
process_frame (WbSegment *segment,
               Frame     *frame,
               gint64     now)
{
  WbSegmentPort *src = frame->src;
  const guint8 *dst = frame->data;

  /* A queued frame has left its port: it is delivered even when that
   * port's cable was pulled or the port removed since (that is how a
   * guest's last DHCPRELEASE gets out). */
  if (segment->loss_permille > 0
      && (guint) g_rand_int_range (segment->rand, 0, 1000) < segment->loss_permille)
    {
      if (src != NULL)
        src->counters.drops[WB_DROP_LOSS]++;
      segment->counters.drops[WB_DROP_LOSS]++;
      return;
    }

  segment->stamp++;
  g_ptr_array_set_size (segment->targets, 0);
  if (src != NULL)
    {
      if (src->link_up)
        mac_table_learn (segment, src, frame->data + WB_ETH_ALEN, now);
      src->stamp = segment->stamp;    /* never back to the sender */
    }

  if (wb_mac_is_multicast (dst))
    {
      for (guint i = 0; i < segment->ports->len; i++)
        add_target (segment, g_ptr_array_index (segment->ports, i));
    }
  else
    {
      WbSegmentPort *target = mac_table_lookup (segment, dst, now);

      if (target != NULL)
        add_target (segment, target);
      else
        for (guint i = 0; i < segment->uplinks->len; i++)
          add_target (segment, g_ptr_array_index (segment->uplinks, i));

      for (guint i = 0; i < segment->promisc->len; i++)
        {
          WbSegmentPort *port = g_ptr_array_index (segment->promisc, i);

          if (promisc_sees (port, frame->src_kind, target))
            add_target (segment, port);
        }
    }

  /* A delivery may remove ports or free the segment: removed ports are
   * skipped (they stay allocated until the dispatch ends). */
  for (guint i = 0; i < segment->targets->len && !segment->destroyed; i++)
    deliver (segment, g_ptr_array_index (segment->targets, i), frame);
}

static Frame *
queue_pop (WbSegment *segment)
{
  GList *link = g_queue_pop_head_link (&segment->queue);

  return link != NULL ? link->data : NULL;
}

static void segment_unref (WbSegment *segment);

/* Delivers the frames queued now (not those their deliveries queue: they
 * wait for the next dispatch, so other sources get their turn). */
static void
drain (WbSegment *segment,
       gint64     now)
{
  guint budget = segment->queue.length;
  Frame *frame;

  segment->ref_count++;
  segment->dispatching = TRUE;
  n_draining++;
  while (budget-- > 0 && !segment->destroyed && (frame = queue_pop (segment)) != NULL)
    {
      if (segment->held == NULL && segment->reorder_permille > 0
          && (guint) g_rand_int_range (segment->rand, 0, 1000) < segment->reorder_permille)
        {
          segment->held = frame;
          continue;
        }
      process_frame (segment, frame, now);
      g_free (frame);
      if (segment->held != NULL && !segment->destroyed)
        {
          frame = g_steal_pointer (&segment->held);
          process_frame (segment, frame, now);
          g_free (frame);
        }
    }
  /* Nothing left to overtake a held frame: let it go. */
  if (segment->held != NULL && segment->queue.length == 0 && !segment->destroyed)
    {
      frame = g_steal_pointer (&segment->held);
      process_frame (segment, frame, now);
      g_free (frame);
    }
  n_draining--;
  segment->dispatching = FALSE;
  g_ptr_array_set_size (segment->graveyard, 0);

  if (!segment->destroyed)
    g_source_set_ready_time (segment->pump, segment->queue.length > 0 ? 0 : -1);
  segment_unref (segment);
}

static gboolean
pump_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  drain (((PumpSource *) source)->segment, g_source_get_time (source));
  return G_SOURCE_CONTINUE;
}

gboolean
wb_segment_flush (WbSegment *segment)
{
  g_return_val_if_fail (segment != NULL && !segment->destroyed, FALSE);

  if (n_draining > 0)
    return FALSE;
  drain (segment, g_get_monotonic_time ());
  return TRUE;
}

static GSourceFuncs pump_funcs = {
  .dispatch = pump_dispatch,
};

/* --- the segment --------------------------------------------------------- */

WbSegment *
wb_segment_new (const char   *name,
                guint         mtu,
                GMainContext *context)
{
  WbSegment *segment = g_new0 (WbSegment, 1);
  g_autofree char *source_name = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  segment->ref_count = 1;
  segment->name = g_strdup (name);
  segment->mtu = mtu;
  segment->context = context != NULL ? g_main_context_ref (context)
                                     : g_main_context_ref_thread_default ();
  segment->ports = g_ptr_array_new ();
  segment->promisc = g_ptr_array_new ();
  segment->uplinks = g_ptr_array_new ();
  segment->targets = g_ptr_array_new ();
  segment->graveyard = g_ptr_array_new_with_free_func (g_free);
  segment->macs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  g_queue_init (&segment->queue);
  segment->queue_limit = WB_SEGMENT_DEFAULT_QUEUE_LIMIT;
  segment->rand = g_rand_new_with_seed (0x5eed);

  segment->pump = g_source_new (&pump_funcs, sizeof (PumpSource));
  ((PumpSource *) segment->pump)->segment = segment;
  source_name = g_strdup_printf ("[wirebox] segment %s", name);
  g_source_set_name (segment->pump, source_name);
  g_source_set_ready_time (segment->pump, -1);
  g_source_attach (segment->pump, segment->context);
  return segment;
}

static void
queue_clear (WbSegment *segment)
{
  Frame *frame;

  while ((frame = queue_pop (segment)) != NULL)
    g_free (frame);
  g_clear_pointer (&segment->held, g_free);
}

static void
segment_unref (WbSegment *segment)
{
  if (--segment->ref_count > 0)
    return;

  queue_clear (segment);
  g_ptr_array_unref (segment->graveyard);
  g_ptr_array_unref (segment->targets);
  g_ptr_array_unref (segment->uplinks);
  g_ptr_array_unref (segment->promisc);
  g_ptr_array_unref (segment->ports);
  g_hash_table_unref (segment->macs);
  g_source_unref (segment->pump);
  g_main_context_unref (segment->context);
  g_rand_free (segment->rand);
  g_free (segment->name);
  g_free (segment);
}

void
wb_segment_free (WbSegment *segment)
{
  if (segment == NULL)
    return;
  g_return_if_fail (!segment->destroyed);

  segment->destroyed = TRUE;
  while (segment->ports->len > 0)
    wb_segment_remove_port (g_ptr_array_index (segment->ports, segment->ports->len - 1));
  queue_clear (segment);
  g_source_destroy (segment->pump);
  segment_unref (segment);
}

const char *
wb_segment_get_name (WbSegment *segment)
{
  return segment->name;
}

GMainContext *
wb_segment_get_context (WbSegment *segment)
{
  return segment->context;
}

guint
wb_segment_get_mtu (WbSegment *segment)
{
  return segment->mtu;
}

guint
wb_segment_get_n_ports (WbSegment *segment)
{
  return segment->ports->len;
}

guint
wb_segment_get_queue_length (WbSegment *segment)
{
  return segment->queue.length + (segment->held != NULL);
}

void
wb_segment_set_queue_limit (WbSegment *segment,
                            guint      frames)
{
  segment->queue_limit = MAX (frames, 1);
}

void
wb_segment_set_faults (WbSegment *segment,
                       guint      loss_permille,
                       guint      reorder_permille,
                       guint32    seed)
{
  segment->loss_permille = MIN (loss_permille, 1000);
  segment->reorder_permille = MIN (reorder_permille, 1000);
  g_rand_set_seed (segment->rand, seed);
}

void
wb_segment_get_counters (WbSegment  *segment,
                         WbCounters *counters)
{
  *counters = segment->counters;
}

/* --- ports --------------------------------------------------------------- */

WbSegmentPort *
wb_segment_add_port (WbSegment            *segment,
                     WbPortKind            kind,
                     WbPortFlags           flags,
                     const guint8         *mac,
                     WbSegmentDeliverFunc  deliver_func,
                     gpointer              user_data)
{
  WbSegmentPort *port;

  g_return_val_if_fail (segment != NULL && !segment->destroyed, NULL);
  g_return_val_if_fail (deliver_func != NULL, NULL);

  port = g_new0 (WbSegmentPort, 1);
  port->segment = segment;
  port->kind = kind;
  port->flags = flags;
  port->deliver = deliver_func;
  port->user_data = user_data;
  port->promisc = WB_PROMISC_DENY;
  port->link_up = TRUE;
  port->stamp = segment->stamp;
  g_ptr_array_add (segment->ports, port);
  if (flags & WB_PORT_FLAGS_UPLINK)
    g_ptr_array_add (segment->uplinks, port);
  if (mac != NULL)
    {
      port->has_mac = TRUE;
      memcpy (port->mac, mac, WB_ETH_ALEN);
      mac_table_add_static (segment, port);
    }
  return port;
}

static void
orphan_queued_from (WbSegment     *segment,
                    WbSegmentPort *port)
{
  for (GList *link = segment->queue.head; link != NULL; link = link->next)
    {
      Frame *frame = link->data;

      if (frame->src == port)
        frame->src = NULL;
    }
  if (segment->held != NULL && segment->held->src == port)
    segment->held->src = NULL;
}

void
wb_segment_remove_port (WbSegmentPort *port)
{
  WbSegment *segment;

  g_return_if_fail (port != NULL && !port->removed);

  segment = port->segment;
  orphan_queued_from (segment, port);
  mac_table_forget (segment, port, FALSE, 0);
  g_ptr_array_remove (segment->ports, port);
  g_ptr_array_remove (segment->promisc, port);
  g_ptr_array_remove (segment->uplinks, port);
  /* Its own MAC may belong to a port with the same address that stays. */
  for (guint i = 0; port->has_mac && i < segment->ports->len; i++)
    {
      WbSegmentPort *other = g_ptr_array_index (segment->ports, i);

      if (other->has_mac && wb_mac_equal (other->mac, port->mac))
        {
          mac_table_add_static (segment, other);
          break;
        }
    }

  port->removed = TRUE;
  if (segment->dispatching)
    g_ptr_array_add (segment->graveyard, port);
  else
    g_free (port);
}

WbSegment *
wb_segment_port_get_segment (WbSegmentPort *port)
{
  return port->segment;
}

void
wb_segment_port_send (WbSegmentPort *port,
                      const guint8  *data,
                      gsize          len)
{
  WbSegment *segment;
  Frame *frame;

  g_return_if_fail (port != NULL && !port->removed);

  segment = port->segment;
  if (len < WB_ETH_HLEN)
    count_drop (port, WB_DROP_RUNT);
  else if (len - WB_ETH_HLEN > segment->mtu)
    count_drop (port, WB_DROP_OVERSIZE);
  else if (!port->link_up)
    count_drop (port, WB_DROP_LINK_DOWN);
  else if (segment->queue.length >= segment->queue_limit)
    count_drop (port, WB_DROP_QUEUE_FULL);
  else
    {
      frame = g_malloc (sizeof (Frame) + len);
      frame->link.data = frame;
      frame->link.prev = frame->link.next = NULL;
      frame->src = port;
      frame->src_kind = port->kind;
      frame->len = len;
      memcpy (frame->data, data, len);
      g_queue_push_tail_link (&segment->queue, &frame->link);

      port->counters.frames_out++;
      port->counters.bytes_out += len;
      segment->counters.frames_out++;
      segment->counters.bytes_out += len;
      g_source_set_ready_time (segment->pump, 0);
    }
}

void
wb_segment_port_set_link (WbSegmentPort *port,
                          gboolean       up)
{
  g_return_if_fail (port != NULL && !port->removed);

  up = !!up;
  if (port->link_up == up)
    return;
  port->link_up = up;
  /* As a real switch does on link loss: stations learned there may show up
   * elsewhere. */
  if (!up)
    mac_table_forget (port->segment, port, TRUE, 0);
}

gboolean
wb_segment_port_get_link (WbSegmentPort *port)
{
  return port->link_up;
}

void
wb_segment_port_set_promisc (WbSegmentPort *port,
                             WbPromisc      promisc)
{
  g_return_if_fail (port != NULL && !port->removed);
  g_return_if_fail (promisc < WB_N_PROMISC);

  if ((port->promisc == WB_PROMISC_DENY) != (promisc == WB_PROMISC_DENY))
    {
      if (promisc == WB_PROMISC_DENY)
        g_ptr_array_remove (port->segment->promisc, port);
      else
        g_ptr_array_add (port->segment->promisc, port);
    }
  port->promisc = promisc;
}

const WbCounters *
wb_segment_port_get_counters (WbSegmentPort *port)
{
  return &port->counters;
}
