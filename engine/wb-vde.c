/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libvdeplug hands out a data fd for every plugin: it is made non-blocking
 * here so that the shared uplink (wb-fd-uplink.h) can drain it and drop what
 * the other side does not take; as a plugin's data fd may be an epoll set
 * that vde_recv() waits on (vxvde), it is polled before each read. A
 * plugin that filters a datagram (vxvde drops its own multicast echoes)
 * returns 1 from vde_recv(): no frame.
 */
#include "wb-vde.h"

#include <errno.h>
#include <string.h>

#include "wb-error.h"
#include "wb-model.h"

/* libvdeplug loads its plugins with RTLD_DEEPBIND, which AddressSanitizer
 * cannot run (it aborts the process): a sanitizer build goes without. */
#if defined(WB_WITH_VDE) && defined(__SANITIZE_ADDRESS__)
#undef WB_WITH_VDE
#define WB_VDE_SANITIZED 1
#endif

#ifdef WB_WITH_VDE
#include <fcntl.h>
#include <libvdeplug.h>
#include <poll.h>
#include <sys/socket.h>
#endif

struct _WbVde
{
#ifdef WB_WITH_VDE
  VDECONN   *conn;
#endif
  WbFdUplink *uplink;
  char      *description;
};

gboolean
wb_vde_is_supported (void)
{
#ifdef WB_WITH_VDE
  return TRUE;
#else
  return FALSE;
#endif
}

#ifdef WB_WITH_VDE

static const char *
lookup_network (const GPtrArray *props)
{
  for (guint i = 0; props != NULL && i < props->len; i++)
    {
      const WbProperty *prop = g_ptr_array_index ((GPtrArray *) props, i);

      if (strcmp (prop->name, "network") == 0)
        return prop->value;
    }
  return "";
}

/* "PATH[PORT]" (VirtualBox's form for one port of a vde_switch): PATH in
 * @path, PORT in @port. Anything else (a URL, a bare path) is left to
 * libvdeplug. */
static gboolean
split_port (const char  *network,
            char       **path,
            int         *port)
{
  const char *open = strrchr (network, '[');
  gsize len = strlen (network);
  g_autofree char *digits = NULL;
  guint64 value;

  if (strstr (network, "://") != NULL || open == NULL || open == network
      || network[len - 1] != ']')
    return FALSE;
  digits = g_strndup (open + 1, network + len - 1 - (open + 1));
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT, &value, NULL))
    return FALSE;
  *path = g_strndup (network, open - network);
  *port = value;
  return TRUE;
}

static gssize
vde_read (int       fd,
          guint8   *buffer,
          gsize     size,
          gpointer  user_data)
{
  WbVde *vde = user_data;
  struct pollfd ready = { .fd = fd, .events = POLLIN };
  gssize n;

  /* Some plugins' data fd is an epoll set (vxvde: one socket per address
   * family) whose vde_recv() waits: ask first whether a frame is there. */
  if (poll (&ready, 1, 0) == 0)
    {
      errno = EAGAIN;
      return -1;
    }
  n = vde_recv (vde->conn, buffer, size, 0);

  /* 1: a datagram the plugin filtered, no frame. */
  return n == 1 ? 0 : n;
}

static gssize
vde_write (int           fd,
           const guint8 *frame,
           gsize         len,
           gpointer      user_data)
{
  WbVde *vde = user_data;

  return vde_send (vde->conn, frame, len, MSG_DONTWAIT);
}

#endif /* WB_WITH_VDE */

WbVde *
wb_vde_open (WbSegment        *segment,
             const GPtrArray  *props,
             const char       *descr,
             GError          **error)
{
#ifdef WB_WITH_VDE
  const char *network = lookup_network (props);
  g_autofree char *path = NULL;
  g_autofree char *descr_copy = g_strdup (descr);
  struct vde_open_args args = { 0 };
  VDECONN *conn;
  WbVde *vde;
  int fd, flags;

  g_return_val_if_fail (segment != NULL, NULL);

  if (*network == '\0')
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "VDE: no network (set the property network= to a "
                   "vde_switch path or a libvdeplug URL)");
      return NULL;
    }
  if (!split_port (network, &path, &args.port))
    path = g_strdup (network);

  errno = 0;
  conn = vde_open (path, descr_copy, &args);
  if (conn == NULL)
    {
      int saved = errno;

      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "VDE: cannot connect to '%s': %s", network,
                   saved != 0 ? g_strerror (saved) : "refused by libvdeplug");
      return NULL;
    }
  fd = vde_datafd (conn);
  flags = fd >= 0 ? fcntl (fd, F_GETFL) : -1;
  if (flags < 0 || fcntl (fd, F_SETFL, flags | O_NONBLOCK) < 0)
    {
      int saved = errno;

      vde_close (conn);
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "VDE: no usable data socket for '%s': %s", network,
                   g_strerror (saved));
      return NULL;
    }

  vde = g_new0 (WbVde, 1);
  vde->conn = conn;
  vde->description = g_strdup_printf ("VDE network '%s'", network);
  vde->uplink = wb_fd_uplink_new_full (segment, fd, "[wirebox] vde", vde_read,
                                       vde_write, vde);
  return vde;
#elif defined(WB_VDE_SANITIZED)
  g_set_error (error, WB_ERROR, WB_ERROR_NOT_SUPPORTED,
               "VDE: not supported in this build (a sanitizer build cannot "
               "load libvdeplug's plugins)");
  return NULL;
#else
  g_set_error (error, WB_ERROR, WB_ERROR_NOT_SUPPORTED,
               "VDE: not supported in this build (built without libvdeplug)");
  return NULL;
#endif
}

void
wb_vde_free (WbVde *vde)
{
  if (vde == NULL)
    return;
  wb_fd_uplink_free (vde->uplink);
#ifdef WB_WITH_VDE
  vde_close (vde->conn);
#endif
  g_free (vde->description);
  g_free (vde);
}

const char *
wb_vde_get_description (WbVde *vde)
{
  return vde->description;
}

void
wb_vde_get_counters (WbVde              *vde,
                     WbFdUplinkCounters *counters)
{
  wb_fd_uplink_get_counters (vde->uplink, counters);
}
