/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The socket is made with protocol 0 (it receives nothing) and only then
 * bound to the interface with ETH_P_ALL, so that no frame of another
 * interface ever reaches the segment. Frames the host itself sends out of
 * the interface are passed on too, as a bridge would see them; the
 * kernel never loops our own writes back to this socket.
 *
 * A frame that the host's stack sent through a device with checksum
 * offload (a veth, a bridge) arrives with its TCP/UDP checksum not yet
 * filled in (TP_STATUS_CSUMNOTREADY): the checksum is completed here, as
 * a NIC would, since a guest drops a segment with a bad one.
 */
#include "wb-packet.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wb-error.h"
#include "wb-fd-uplink.h"
#include "wb-net.h"

#define WANTED_ENV      "WIREBOX_BRIDGE_REAL"

struct _WbPacket
{
  char        *name;
  int          fd;
  WbFdUplink  *uplink;
};

gboolean
wb_packet_wanted (void)
{
  return g_strcmp0 (g_getenv (WANTED_ENV), "1") == 0;
}

/* Fills in the TCP or UDP checksum of an IPv4 frame whose stack left it to
 * the hardware. */
static void
complete_checksum (guint8 *frame,
                   gsize   len)
{
  guint8 *ip = frame + WB_ETH_HLEN;
  gsize ihl, total;
  guint8 proto;
  guint8 *l4;
  gsize l4_len, field;
  guint16 sum;

  if (len < WB_ETH_HLEN + WB_IPV4_HLEN || wb_get_be16 (frame + 12) != WB_ETHERTYPE_IPV4)
    return;
  ihl = (gsize) (ip[0] & 0x0f) * 4;
  total = wb_get_be16 (ip + 2);
  proto = ip[9];
  if (ihl < WB_IPV4_HLEN || total < ihl || WB_ETH_HLEN + total > len
      || (wb_get_be16 (ip + 6) & 0x3fff) != 0)      /* a fragment */
    return;
  l4 = ip + ihl;
  l4_len = total - ihl;
  if (proto == WB_IP_PROTO_TCP && l4_len >= WB_TCP_HLEN)
    field = 16;
  else if (proto == WB_IP_PROTO_UDP && l4_len >= WB_UDP_HLEN)
    field = 6;
  else
    return;

  l4[field] = l4[field + 1] = 0;
  sum = wb_checksum_l4 (wb_get_be32 (ip + 12), wb_get_be32 (ip + 16), proto, l4, l4_len);
  if (proto == WB_IP_PROTO_UDP && sum == 0)
    sum = 0xffff;
  wb_put_be16 (l4 + field, sum);
}

static gssize
packet_recv (int       fd,
             guint8   *buffer,
             gsize     size,
             gpointer  user_data)
{
  union {
    struct cmsghdr header;
    char           space[CMSG_SPACE (sizeof (struct tpacket_auxdata))];
  } control;
  struct iovec iov = { buffer, size };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = &control,
    .msg_controllen = sizeof control,
  };
  gssize n = recvmsg (fd, &msg, MSG_TRUNC);

  if (n <= 0)
    {
      if (n == 0)
        errno = EAGAIN;
      return -1;
    }
  if ((gsize) n > size)
    return 0;         /* larger than any MTU: not ours to carry */

  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    {
      struct tpacket_auxdata aux;

      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA
          || c->cmsg_len < CMSG_LEN (sizeof aux))
        continue;
      memcpy (&aux, CMSG_DATA (c), sizeof aux);
      if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
        complete_checksum (buffer, (gsize) n);
    }
  return n;
}

static gboolean
fail (GError     **error,
      const char  *ifname,
      const char  *what)
{
  int saved = errno;

  g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
               "Cannot bridge onto %s: %s: %s%s", ifname, what, g_strerror (saved),
               saved == EPERM || saved == EACCES ? " (needs CAP_NET_RAW)" : "");
  return FALSE;
}

WbPacket *
wb_packet_open (WbSegment   *segment,
                const char  *ifname,
                GError     **error)
{
  struct sockaddr_ll address;
  struct packet_mreq membership;
  unsigned int index;
  WbPacket *packet;
  int on = 1;
  int fd;

  g_return_val_if_fail (segment != NULL, NULL);
  g_return_val_if_fail (ifname != NULL, NULL);

  index = strlen (ifname) < IFNAMSIZ ? if_nametoindex (ifname) : 0;
  if (index == 0)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
                   "No network interface '%s' to bridge onto", ifname);
      return NULL;
    }

  fd = socket (AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      fail (error, ifname, "packet socket");
      return NULL;
    }
  memset (&address, 0, sizeof address);
  address.sll_family = AF_PACKET;
  address.sll_protocol = g_htons (ETH_P_ALL);
  address.sll_ifindex = (int) index;
  memset (&membership, 0, sizeof membership);
  membership.mr_ifindex = (int) index;
  membership.mr_type = PACKET_MR_PROMISC;
  if ((setsockopt (fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof on) < 0
       && !fail (error, ifname, "PACKET_AUXDATA"))
      || (bind (fd, (struct sockaddr *) &address, sizeof address) < 0
          && !fail (error, ifname, "bind"))
      || (setsockopt (fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership,
                      sizeof membership) < 0
          && !fail (error, ifname, "promiscuous mode")))
    {
      close (fd);
      return NULL;
    }

  packet = g_new0 (WbPacket, 1);
  packet->name = g_strdup (ifname);
  packet->fd = fd;
  packet->uplink = wb_fd_uplink_new (segment, fd, "[wirebox] bridged", packet_recv,
                                     packet);
  return packet;
}

void
wb_packet_free (WbPacket *packet)
{
  if (packet == NULL)
    return;
  wb_fd_uplink_free (packet->uplink);
  close (packet->fd);        /* the membership goes with it */
  g_free (packet->name);
  g_free (packet);
}
