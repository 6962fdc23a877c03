/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-fd-uplink.h"

#include <errno.h>
#include <glib-unix.h>
#include <unistd.h>

#include "wb-net.h"

/* Any frame a device can carry (an MTU can be raised to 65535). */
#define READ_BUFFER     (WB_ETH_HLEN + 65535 + 4)

struct _WbFdUplink
{
  int                  fd;
  WbFdUplinkRecvFunc   recv;
  WbFdUplinkSendFunc   send;
  gpointer             user_data;
  WbSegmentPort       *port;
  GSource             *source;
  guint8              *buffer;
  WbFdUplinkCounters   counters;
};

gssize
wb_fd_uplink_read (int       fd,
                   guint8   *buffer,
                   gsize     size,
                   gpointer  user_data)
{
  gssize n = read (fd, buffer, size);

  if (n == 0)
    {
      errno = ENODEV;
      return -1;
    }
  return n;
}

/* The segment delivers: hand the frame to the host. */
static void
port_deliver_cb (gpointer      user_data,
                 const guint8 *frame,
                 gsize         len)
{
  WbFdUplink *uplink = user_data;
  gssize n;

  do
    n = uplink->send != NULL ? uplink->send (uplink->fd, frame, len, uplink->user_data)
                             : write (uplink->fd, frame, len);
  while (n < 0 && errno == EINTR);

  if (n != (gssize) len)
    {
      uplink->counters.write_drops++;
      return;
    }
  uplink->counters.frames_out++;
  uplink->counters.bytes_out += len;
}

static gboolean
readable_cb (gint         fd,
             GIOCondition condition,
             gpointer     user_data)
{
  WbFdUplink *uplink = user_data;

  for (guint i = 0; i < WB_FD_UPLINK_READ_BATCH; i++)
    {
      gssize n = uplink->recv (fd, uplink->buffer, READ_BUFFER, uplink->user_data);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n < 0)
        {
          /* The device went away (deleted under us, EBADFD): it would
           * stay readable forever, so stop reading rather than spin. */
          uplink->counters.read_errors++;
          condition |= G_IO_ERR;
          break;
        }
      if (n == 0)
        continue;
      uplink->counters.frames_in++;
      uplink->counters.bytes_in += n;
      /* The segment drops (and counts) runts and frames above its MTU. */
      wb_segment_port_send (uplink->port, uplink->buffer, n);
    }
  if (condition & (G_IO_ERR | G_IO_HUP | G_IO_NVAL))
    {
      g_clear_pointer (&uplink->source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

WbFdUplink *
wb_fd_uplink_new (WbSegment          *segment,
                  int                 fd,
                  const char         *name,
                  WbFdUplinkRecvFunc  recv,
                  gpointer            user_data)
{
  return wb_fd_uplink_new_full (segment, fd, name, recv, NULL, user_data);
}

WbFdUplink *
wb_fd_uplink_new_full (WbSegment          *segment,
                       int                 fd,
                       const char         *name,
                       WbFdUplinkRecvFunc  recv,
                       WbFdUplinkSendFunc  send,
                       gpointer            user_data)
{
  WbFdUplink *uplink = g_new0 (WbFdUplink, 1);

  uplink->fd = fd;
  uplink->recv = recv;
  uplink->send = send;
  uplink->user_data = user_data;
  uplink->buffer = g_malloc (READ_BUFFER);
  uplink->port = wb_segment_add_port (segment, WB_PORT_HOST, WB_PORT_FLAGS_UPLINK,
                                      NULL, port_deliver_cb, uplink);
  uplink->source = g_unix_fd_source_new (fd, G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_callback (uplink->source, G_SOURCE_FUNC (readable_cb), uplink, NULL);
  g_source_set_name (uplink->source, name);
  g_source_attach (uplink->source, wb_segment_get_context (segment));
  return uplink;
}

void
wb_fd_uplink_free (WbFdUplink *uplink)
{
  if (uplink == NULL)
    return;
  if (uplink->source != NULL)
    {
      g_source_destroy (uplink->source);
      g_source_unref (uplink->source);
    }
  wb_segment_remove_port (uplink->port);
  g_free (uplink->buffer);
  g_free (uplink);
}

void
wb_fd_uplink_get_counters (WbFdUplink         *uplink,
                           WbFdUplinkCounters *counters)
{
  *counters = uplink->counters;
}
