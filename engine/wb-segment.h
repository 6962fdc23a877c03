/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A segment: the Ethernet switch of one network (DESIGN.md §5). Ports are
 * VM adapters or infrastructure (DHCP server, host endpoint, gateway,
 * uplink). The switch learns source MACs, floods broadcast and multicast,
 * applies each port's promiscuous policy, enforces the segment's MTU and
 * drops runts.
 *
 * Frames are never delivered from inside wb_segment_port_send(): they are
 * queued (a bounded queue) and delivered by a GSource on the segment's
 * GMainContext, so a port may send while it is being delivered to without
 * re-entering anyone. Engine thread only.
 */
#pragma once

#include <glib.h>

#include "wb-model.h"

G_BEGIN_DECLS

/* Why a frame was dropped; shared by the switch and the adapter models. */
typedef enum
{
  WB_DROP_RUNT,               /* shorter than an Ethernet header */
  WB_DROP_OVERSIZE,           /* payload above the segment's or adapter's MTU */
  WB_DROP_LINK_DOWN,          /* sent while the link was down */
  WB_DROP_QUEUE_FULL,         /* the segment's queue was full */
  WB_DROP_ETHERTYPE,          /* not IPv4/ARP, for a port that takes only those */
  WB_DROP_LOSS,               /* the loss test knob */
  WB_DROP_FRAGMENT,           /* an IPv4 fragment, for a port that takes none (libslirp) */
  WB_N_DROPS
} WbDropReason;

/* "runt", "oversize", "link-down", "queue-full", "ethertype", "loss",
 * "fragment" */
const char  *wb_drop_reason_to_string (WbDropReason reason);

/* "in" is what reached the port's owner, "out" what it sent (and the
 * switch accepted). Drops count frames from the port, or for it
 * (WB_DROP_ETHERTYPE). */
typedef struct
{
  guint64 frames_in;
  guint64 bytes_in;
  guint64 frames_out;
  guint64 bytes_out;
  guint64 drops[WB_N_DROPS];
} WbCounters;

typedef enum
{
  WB_PORT_VM,                 /* a VM's adapter */
  WB_PORT_HOST,               /* infrastructure: the host, a DHCP server, a LAN */
} WbPortKind;

typedef enum
{
  WB_PORT_FLAGS_NONE      = 0,
  /* Only IPv4 and ARP frames reach this port (stacks that must not see
   * anything else, e.g. libslirp). */
  WB_PORT_FLAGS_IPV4_ONLY = 1 << 0,
  /* The port leads to more stations (a TAP device, a LAN): unknown unicast
   * is flooded to it, and the MACs behind it are learned. */
  WB_PORT_FLAGS_UPLINK    = 1 << 1,
} WbPortFlags;

typedef struct _WbSegment     WbSegment;
typedef struct _WbSegmentPort WbSegmentPort;

/* A frame for the port's owner; @frame is valid only during the call. The
 * owner may send, add or remove ports (even this one) from here. */
typedef void (*WbSegmentDeliverFunc) (gpointer      user_data,
                                      const guint8 *frame,
                                      gsize         len);

#define WB_SEGMENT_DEFAULT_QUEUE_LIMIT 4096   /* frames */
#define WB_SEGMENT_MAC_AGING_S         300

/* @mtu: the largest payload (bytes after the 14-byte header). Sources go
 * to @context (NULL: the thread-default context). */
WbSegment     *wb_segment_new             (const char            *name,
                                           guint                  mtu,
                                           GMainContext          *context);
/* Removes every port, drops what is queued, and frees the segment (safe
 * from inside a delivery: it then goes away when the delivery returns). */
void           wb_segment_free            (WbSegment             *segment);
const char    *wb_segment_get_name        (WbSegment             *segment);
/* Where the segment's sources run (and where its ports' owners put theirs). */
GMainContext  *wb_segment_get_context     (WbSegment             *segment);
guint          wb_segment_get_mtu         (WbSegment             *segment);
guint          wb_segment_get_n_ports     (WbSegment             *segment);
guint          wb_segment_get_queue_length (WbSegment            *segment);
void           wb_segment_set_queue_limit (WbSegment             *segment,
                                           guint                  frames);
/* Test knob: drop @loss_permille of the frames, and hold back
 * @reorder_permille of them behind the next frame; @seed makes it
 * repeatable. */
void           wb_segment_set_faults      (WbSegment             *segment,
                                           guint                  loss_permille,
                                           guint                  reorder_permille,
                                           guint32                seed);
/* Delivers what is queued now, at once (not what those deliveries send).
 * For a teardown that wants a guest's last frames out (DHCPRELEASE) before
 * its ports go. Does nothing and returns FALSE from inside a delivery of
 * any segment (the frames then go with the next dispatch). */
gboolean       wb_segment_flush           (WbSegment             *segment);
/* Totals over all ports, including ports that have left. */
void           wb_segment_get_counters    (WbSegment             *segment,
                                           WbCounters            *counters);

/* @mac: the port's own address (for the promiscuous policy, and a
 * permanent entry in the MAC table); NULL for a port without one (an
 * uplink). A new port's link is up. */
WbSegmentPort *wb_segment_add_port        (WbSegment             *segment,
                                           WbPortKind             kind,
                                           WbPortFlags            flags,
                                           const guint8          *mac,
                                           WbSegmentDeliverFunc   deliver,
                                           gpointer               user_data);
/* Nothing is delivered to the port after this returns; frames it sent
 * that are still queued have left it and are delivered. */
void           wb_segment_remove_port     (WbSegmentPort         *port);
WbSegment     *wb_segment_port_get_segment (WbSegmentPort        *port);
/* Sends a frame (copied). Dropped and counted when it is a runt, above the
 * MTU, the link is down or the queue is full. */
void           wb_segment_port_send       (WbSegmentPort         *port,
                                           const guint8          *frame,
                                           gsize                  len);
/* A port whose link is down neither sends nor receives (frames it queued
 * before still go), and the switch forgets the MACs it learned there. */
void           wb_segment_port_set_link   (WbSegmentPort         *port,
                                           gboolean               up);
gboolean       wb_segment_port_get_link   (WbSegmentPort         *port);
void           wb_segment_port_set_promisc (WbSegmentPort        *port,
                                           WbPromisc              promisc);
const WbCounters *wb_segment_port_get_counters (WbSegmentPort    *port);

G_END_DECLS
