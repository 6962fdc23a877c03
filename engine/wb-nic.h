/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * An adapter model: what sits between a guest's interface and a segment
 * port. It knows its type's frame size limits (DESIGN.md §5: Intel types
 * and virtio carry 9000 bytes of payload, or up to 65520 on a NAT network
 * whose MTU was raised; AMD PCnet types drop anything over 1500 in both
 * directions), pads short frames as real hardware does,
 * counts frames, bytes and drops, keeps the link (attached and cable
 * connected), and writes the trace. Engine thread only.
 */
#pragma once

#include <glib.h>

#include "wb-model.h"
#include "wb-segment.h"

G_BEGIN_DECLS

typedef struct _WbNic WbNic;

typedef struct
{
  /* A frame for the guest (valid during the call). */
  void (*receive)      (gpointer      user_data,
                        const guint8 *frame,
                        gsize         len);
  /* The link went up or down. */
  void (*link_changed) (gpointer      user_data,
                        gboolean      up);
} WbNicCallbacks;

/* The largest payload (bytes after the Ethernet header) the type carries
 * on a segment of at most 9000. */
guint       wb_nic_type_max_payload    (WbNicType              type);

/* A new adapter is not attached (link down) with its cable connected.
 * The callbacks struct is copied. */
WbNic      *wb_nic_new                 (WbNicType              type,
                                        const guint8          *mac,
                                        const WbNicCallbacks  *callbacks,
                                        gpointer               user_data);
/* Detaches without calling link_changed and closes the trace (an error
 * closing it is lost: call wb_nic_set_trace (nic, NULL) first to see it). */
void        wb_nic_free                (WbNic                 *nic);

/* Moves the adapter to a port of @segment (NULL: not attached). Frames of
 * the old port still queued are dropped. Counters carry over. */
void        wb_nic_attach              (WbNic                 *nic,
                                        WbSegment             *segment);
WbSegment  *wb_nic_get_segment         (WbNic                 *nic);
void        wb_nic_set_cable_connected (WbNic                 *nic,
                                        gboolean               connected);
void        wb_nic_set_promisc         (WbNic                 *nic,
                                        WbPromisc              promisc);
/* Attached and cable connected. */
gboolean    wb_nic_get_link            (WbNic                 *nic);
/* The largest payload the adapter carries now: its type's, or for a type
 * that carries jumbo frames on a segment with a larger MTU (a NAT network
 * raised by --natsettingsN, up to 65520), the segment's. */
guint       wb_nic_get_max_payload     (WbNic                 *nic);

/* Starts writing every frame in and out of the adapter to a new pcap file
 * at @path (replacing a running trace only once the new file is open), or
 * with @path NULL stops and closes the trace. */
gboolean    wb_nic_set_trace           (WbNic                 *nic,
                                        const char            *path,
                                        GError               **error);
/* NULL when no trace runs. */
const char *wb_nic_get_trace_path      (WbNic                 *nic);

/* A frame from the guest. */
void        wb_nic_transmit            (WbNic                 *nic,
                                        const guint8          *frame,
                                        gsize                  len);

/* The adapter's counters, with the drops its ports on segments counted
 * (queue full, loss...). */
void        wb_nic_get_counters        (WbNic                 *nic,
                                        WbCounters            *counters);

G_END_DECLS
