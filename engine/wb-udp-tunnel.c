/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The socket is bound with bind(2) before GSocket takes it so that a port
 * in use is reported in the words of the system, and it never takes
 * SO_REUSEADDR: two tunnels on one port would split the frames between
 * them. Datagrams are read from anyone who can reach the port, as
 * VirtualBox's driver does; that is why a loopback destination keeps the
 * port on 127.0.0.1.
 */
#include "wb-udp-tunnel.h"

#include <errno.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wb-error.h"
#include "wb-model.h"
#include "wb-net.h"

struct _WbUdpTunnel
{
  GSocket              *socket;
  struct sockaddr_in    dest;
  gsize                 max_frame;
  WbFdUplink           *uplink;
  char                 *description;
  WbUdpTunnelCounters   counters;
};

static gboolean
parse_port (const char  *name,
            const char  *text,
            guint16     *out,
            GError     **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &value, NULL))
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "UDP tunnel: %s '%s' is not a port number from 1 to 65535",
                   name, text);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
parse_props (const GPtrArray  *props,
             guint16          *sport,
             guint16          *dport,
             guint32          *dest,
             GError          **error)
{
  *sport = WB_UDP_TUNNEL_DEFAULT_SPORT;
  *dport = WB_UDP_TUNNEL_DEFAULT_DPORT;
  if (!wb_ipv4_parse (WB_UDP_TUNNEL_DEFAULT_DEST, dest, NULL))
    g_assert_not_reached ();

  for (guint i = 0; props != NULL && i < props->len; i++)
    {
      const WbProperty *prop = g_ptr_array_index ((GPtrArray *) props, i);

      if (strcmp (prop->name, "sport") == 0)
        {
          if (!parse_port ("sport", prop->value, sport, error))
            return FALSE;
        }
      else if (strcmp (prop->name, "dport") == 0)
        {
          if (!parse_port ("dport", prop->value, dport, error))
            return FALSE;
        }
      else if (strcmp (prop->name, "dest") == 0)
        {
          /* No DNS: the engine never resolves names (DESIGN.md §9). */
          if (!wb_ipv4_parse (prop->value, dest, NULL))
            {
              g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                           "UDP tunnel: dest '%s' is not an IPv4 address "
                           "(a.b.c.d; host names are not resolved)", prop->value);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* A non-blocking UDP socket bound to @address:@port. */
static GSocket *
bind_socket (guint32   address,
             guint16   port,
             GError  **error)
{
  g_autofree char *text = wb_ipv4_to_string (address);
  struct sockaddr_in sin;
  GSocket *socket_;
  int fd;

  fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  memset (&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = g_htons (port);
  sin.sin_addr.s_addr = g_htonl (address);
  if (fd < 0 || bind (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, WB_ERROR,
                   saved == EADDRINUSE ? WB_ERROR_PORT_IN_USE : WB_ERROR_FAILED,
                   "UDP tunnel: cannot listen on %s:%u: %s", text, port,
                   g_strerror (saved));
      return NULL;
    }
  socket_ = g_socket_new_from_fd (fd, error);
  if (socket_ == NULL)
    {
      close (fd);
      return NULL;
    }
  g_socket_set_blocking (socket_, FALSE);
  return socket_;
}

static gssize
tunnel_recv (int       fd,
             guint8   *buffer,
             gsize     size,
             gpointer  user_data)
{
  WbUdpTunnel *tunnel = user_data;
  gssize n = recv (fd, buffer, size, MSG_TRUNC);

  if (n < 0)
    /* An ICMP error for an earlier datagram (nobody listens at the other
     * end yet) is no reason to stop reading. */
    return errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH
           ? 0 : -1;
  if (n < WB_ETH_HLEN)
    {
      tunnel->counters.runts++;
      return 0;
    }
  /* With MSG_TRUNC, @n is the datagram's length even when it did not fit. */
  if ((gsize) n > tunnel->max_frame || (gsize) n > size)
    {
      tunnel->counters.oversize++;
      return 0;
    }
  return n;
}

static gssize
tunnel_send (int           fd,
             const guint8 *frame,
             gsize         len,
             gpointer      user_data)
{
  WbUdpTunnel *tunnel = user_data;

  return sendto (fd, frame, len, MSG_DONTWAIT, (struct sockaddr *) &tunnel->dest,
                 sizeof tunnel->dest);
}

WbUdpTunnel *
wb_udp_tunnel_open (WbSegment        *segment,
                    const GPtrArray  *props,
                    GError          **error)
{
  g_autofree char *dest_text = NULL;
  g_autofree char *local_text = NULL;
  WbUdpTunnel *tunnel;
  GSocket *socket_;
  guint16 sport, dport;
  guint32 dest, local;

  g_return_val_if_fail (segment != NULL, NULL);

  if (!parse_props (props, &sport, &dport, &dest, error))
    return NULL;
  /* 127.0.0.0/8 */
  local = (dest >> 24) == 127 ? 0x7f000001 : INADDR_ANY;
  socket_ = bind_socket (local, sport, error);
  if (socket_ == NULL)
    return NULL;

  dest_text = wb_ipv4_to_string (dest);
  local_text = wb_ipv4_to_string (local);
  tunnel = g_new0 (WbUdpTunnel, 1);
  tunnel->socket = socket_;
  tunnel->dest.sin_family = AF_INET;
  tunnel->dest.sin_port = g_htons (dport);
  tunnel->dest.sin_addr.s_addr = g_htonl (dest);
  /* A VLAN tag may come on top of the segment's largest frame. */
  tunnel->max_frame = WB_ETH_MAX_FRAME (wb_segment_get_mtu (segment)) + 4;
  tunnel->description = g_strdup_printf ("UDP tunnel to %s:%u from %s:%u",
                                         dest_text, dport, local_text, sport);
  tunnel->uplink = wb_fd_uplink_new_full (segment, g_socket_get_fd (socket_),
                                          "[wirebox] udp-tunnel", tunnel_recv,
                                          tunnel_send, tunnel);
  return tunnel;
}

void
wb_udp_tunnel_free (WbUdpTunnel *tunnel)
{
  if (tunnel == NULL)
    return;
  wb_fd_uplink_free (tunnel->uplink);
  g_socket_close (tunnel->socket, NULL);
  g_object_unref (tunnel->socket);
  g_free (tunnel->description);
  g_free (tunnel);
}

const char *
wb_udp_tunnel_get_description (WbUdpTunnel *tunnel)
{
  return tunnel->description;
}

void
wb_udp_tunnel_get_counters (WbUdpTunnel         *tunnel,
                            WbUdpTunnelCounters *counters)
{
  *counters = tunnel->counters;
  wb_fd_uplink_get_counters (tunnel->uplink, &counters->uplink);
}
