/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A TAP device as a segment's uplink. The device is opened non-blocking:
 * a source on the segment's context reads at most WB_TAP_READ_BATCH frames
 * per dispatch and sends them into the segment; frames the segment delivers
 * are written at once, and one the device does not take (EAGAIN, a device
 * that is down) is dropped and counted: the segment never waits for the
 * host.
 *
 * Creating a device is a change to the machine's network, so it is only
 * done when asked for twice: by running as root and by WIREBOX_HOSTONLY_TAP=1
 * (the privileged tests set both, inside a network namespace of their own).
 * A device that exists is only attached to, never created in its place: the
 * interface index is checked around the attach.
 */
#include "wb-tap.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wb-error.h"
#include "wb-net.h"

#define TUN_PATH        "/dev/net/tun"
#define CREATE_ENV      "WIREBOX_HOSTONLY_TAP"
/* Any frame the device can carry (its MTU can be raised to 65535). */
#define READ_BUFFER     (WB_ETH_HLEN + 65535 + 4)

struct _WbTap
{
  char           *name;
  int             fd;
  gboolean        created;
  WbSegmentPort  *port;
  GSource        *source;
  guint8         *buffer;
  WbTapCounters   counters;
};

static gboolean
may_create (void)
{
  return geteuid () == 0 && g_strcmp0 (g_getenv (CREATE_ENV), "1") == 0;
}

/* The segment delivers: hand the frame to the host's kernel. */
static void
port_deliver_cb (gpointer      user_data,
                 const guint8 *frame,
                 gsize         len)
{
  WbTap *tap = user_data;
  gssize n;

  do
    n = write (tap->fd, frame, len);
  while (n < 0 && errno == EINTR);

  if (n != (gssize) len)
    {
      tap->counters.write_drops++;
      return;
    }
  tap->counters.frames_out++;
  tap->counters.bytes_out += len;
}

static gboolean
readable_cb (gint         fd,
             GIOCondition condition,
             gpointer     user_data)
{
  WbTap *tap = user_data;

  for (guint i = 0; i < WB_TAP_READ_BATCH; i++)
    {
      gssize n = read (fd, tap->buffer, READ_BUFFER);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n <= 0)
        {
          /* The device went away (deleted under us, EBADFD): it would
           * stay readable forever, so stop reading rather than spin. */
          tap->counters.read_errors++;
          condition |= G_IO_ERR;
          break;
        }
      tap->counters.frames_in++;
      tap->counters.bytes_in += n;
      /* The segment drops (and counts) runts and frames above its MTU. */
      wb_segment_port_send (tap->port, tap->buffer, n);
    }
  if (condition & (G_IO_ERR | G_IO_HUP | G_IO_NVAL))
    {
      g_clear_pointer (&tap->source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Attaches @fd to the device @name (creating it when @create). */
static gboolean
tun_attach (int          fd,
            const char  *name,
            gboolean     create,
            GError     **error)
{
  struct ifreq ifr;

  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  /* Creating: fail rather than attach to a device that appeared since. */
  if (create)
    ifr.ifr_flags |= IFF_TUN_EXCL;
  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      int saved = errno;

      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "Cannot %s TAP device %s: %s", create ? "create" : "attach to",
                   name, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

WbTap *
wb_tap_open (WbSegment   *segment,
             const char  *ifname,
             GError     **error)
{
  WbTap *tap;
  unsigned int index;
  gboolean create;
  int fd;

  g_return_val_if_fail (segment != NULL, NULL);
  g_return_val_if_fail (ifname != NULL, NULL);

  if (*ifname == '\0' || strlen (ifname) >= IFNAMSIZ || strchr (ifname, '/') != NULL)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "'%s' cannot name a network device", ifname);
      return NULL;
    }

  index = if_nametoindex (ifname);
  create = index == 0;
  if (create && !may_create ())
    {
      g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
                   "No TAP device %s (root with " CREATE_ENV "=1 creates one)",
                   ifname);
      return NULL;
    }

  fd = open (TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, WB_ERROR, WB_ERROR_FAILED, "Cannot open %s: %s",
                   TUN_PATH, g_strerror (saved));
      return NULL;
    }
  if (!tun_attach (fd, ifname, create, error))
    {
      close (fd);
      return NULL;
    }
  /* The device that existed may have gone between the look-up and the
   * attach, and a root process then made a new one in its place: never
   * keep a device we were not allowed to create. */
  if (!create && if_nametoindex (ifname) != index)
    {
      close (fd);
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "TAP device %s changed while it was opened", ifname);
      return NULL;
    }

  tap = g_new0 (WbTap, 1);
  tap->name = g_strdup (ifname);
  tap->fd = fd;
  tap->created = create;
  tap->buffer = g_malloc (READ_BUFFER);
  tap->port = wb_segment_add_port (segment, WB_PORT_HOST, WB_PORT_FLAGS_UPLINK,
                                   NULL, port_deliver_cb, tap);
  tap->source = g_unix_fd_source_new (fd, G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_callback (tap->source, G_SOURCE_FUNC (readable_cb), tap, NULL);
  g_source_set_name (tap->source, "[wirebox] tap");
  g_source_attach (tap->source, wb_segment_get_context (segment));
  return tap;
}

void
wb_tap_free (WbTap *tap)
{
  if (tap == NULL)
    return;
  if (tap->source != NULL)
    {
      g_source_destroy (tap->source);
      g_source_unref (tap->source);
    }
  wb_segment_remove_port (tap->port);
  close (tap->fd);
  g_free (tap->buffer);
  g_free (tap->name);
  g_free (tap);
}

const char *
wb_tap_get_name (WbTap *tap)
{
  return tap->name;
}

gboolean
wb_tap_get_created (WbTap *tap)
{
  return tap->created;
}

void
wb_tap_get_counters (WbTap         *tap,
                     WbTapCounters *counters)
{
  *counters = tap->counters;
}
