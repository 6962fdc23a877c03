/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A TAP device as a segment's uplink: the device is opened non-blocking
 * and carried by a WbFdUplink (wb-fd-uplink.h).
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
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wb-error.h"
#include "wb-net.h"

#define TUN_PATH        "/dev/net/tun"
#define CREATE_ENV      "WIREBOX_HOSTONLY_TAP"

struct _WbTap
{
  char           *name;
  int             fd;
  gboolean        created;
  WbFdUplink     *uplink;
};

static gboolean
may_create (void)
{
  return geteuid () == 0 && g_strcmp0 (g_getenv (CREATE_ENV), "1") == 0;
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
  tap->uplink = wb_fd_uplink_new (segment, fd, "[wirebox] tap",
                                  wb_fd_uplink_read, NULL);
  return tap;
}

void
wb_tap_free (WbTap *tap)
{
  if (tap == NULL)
    return;
  wb_fd_uplink_free (tap->uplink);
  close (tap->fd);
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
  wb_fd_uplink_get_counters (tap->uplink, counters);
}
