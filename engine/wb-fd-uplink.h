/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A file descriptor that carries Ethernet frames (a TAP device, an
 * AF_PACKET socket) as a segment's uplink port: a source on the segment's
 * context reads at most WB_FD_UPLINK_READ_BATCH frames per dispatch and
 * sends them into the segment; frames the segment delivers are written at
 * once, and one the descriptor does not take (EAGAIN, a device that is
 * down) is dropped and counted: the segment never waits for the host.
 * Engine thread only.
 */
#pragma once

#include <glib.h>

#include "wb-segment.h"

G_BEGIN_DECLS

/* Frames read per dispatch: the other sources of the engine get their turn
 * under a flood. */
#define WB_FD_UPLINK_READ_BATCH  64

typedef struct
{
  guint64 frames_in;      /* descriptor -> segment */
  guint64 bytes_in;
  guint64 frames_out;     /* segment -> descriptor */
  guint64 bytes_out;
  guint64 write_drops;    /* the descriptor took no more (EAGAIN) or refused one */
  guint64 read_errors;
} WbFdUplinkCounters;

typedef struct _WbFdUplink WbFdUplink;

/* Reads one frame into @buffer: its length; 0 for a frame to pass over
 * (not for the segment); -1 with errno (EAGAIN: nothing more for now;
 * anything else ends the reading: the device went away). */
typedef gssize (*WbFdUplinkRecvFunc) (int       fd,
                                      guint8   *buffer,
                                      gsize     size,
                                      gpointer  user_data);

/* Sends one frame without waiting: its length, or -1 with errno (the
 * frame is then dropped and counted). For a descriptor where write(2) is
 * not the way (an unconnected UDP socket, a libvdeplug connection). */
typedef gssize (*WbFdUplinkSendFunc) (int           fd,
                                      const guint8 *frame,
                                      gsize         len,
                                      gpointer      user_data);

/* Plain read(2), for a TAP device (where 0 means the device went away). */
gssize         wb_fd_uplink_read           (int                  fd,
                                            guint8              *buffer,
                                            gsize                size,
                                            gpointer             user_data);
/* @fd stays the caller's (non-blocking). @name names the source. */
WbFdUplink    *wb_fd_uplink_new            (WbSegment           *segment,
                                            int                  fd,
                                            const char          *name,
                                            WbFdUplinkRecvFunc   recv,
                                            gpointer             user_data);
/* As wb_fd_uplink_new, frames leaving through @send (NULL: write(2)). */
WbFdUplink    *wb_fd_uplink_new_full       (WbSegment           *segment,
                                            int                  fd,
                                            const char          *name,
                                            WbFdUplinkRecvFunc   recv,
                                            WbFdUplinkSendFunc   send,
                                            gpointer             user_data);
/* Leaves the segment and stops reading; the descriptor is not closed. */
void           wb_fd_uplink_free           (WbFdUplink          *uplink);
void           wb_fd_uplink_get_counters   (WbFdUplink          *uplink,
                                            WbFdUplinkCounters  *counters);

G_END_DECLS
