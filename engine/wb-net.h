/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Wire formats shared by the guest stack, the switch, the DHCP server and
 * the host endpoint: byte order, the Internet checksum, header offsets.
 * Frames are plain byte buffers; nothing here trusts a length it was given
 * without checking it against the buffer.
 */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

#define WB_ETH_ALEN            6
#define WB_ETH_HLEN            14
#define WB_ETH_MIN_FRAME       60      /* without FCS: shorter frames are padded */
#define WB_ETH_MTU             1500
#define WB_ETH_JUMBO_MTU       9000
#define WB_ETH_MAX_FRAME(mtu)  (WB_ETH_HLEN + (mtu))

#define WB_ETHERTYPE_IPV4      0x0800
#define WB_ETHERTYPE_ARP       0x0806
#define WB_ETHERTYPE_IPV6      0x86dd

#define WB_IP_PROTO_ICMP       1
#define WB_IP_PROTO_TCP        6
#define WB_IP_PROTO_UDP        17

#define WB_IPV4_HLEN           20      /* without options */
#define WB_UDP_HLEN            8
#define WB_TCP_HLEN            20      /* without options */
#define WB_ICMP_HLEN           8

#define WB_IPV4_BROADCAST      0xffffffffu
#define WB_IPV4_ANY            0u

typedef struct
{
  guint8 b[WB_ETH_ALEN];
} WbMac;

static inline guint16
wb_get_be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
wb_get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline void
wb_put_be16 (guint8  *p,
             guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static inline void
wb_put_be32 (guint8  *p,
             guint32  v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

static inline gboolean
wb_mac_is_broadcast (const guint8 *mac)
{
  return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

static inline gboolean
wb_mac_is_multicast (const guint8 *mac)
{
  return (mac[0] & 1) != 0;   /* broadcast included */
}

static inline gboolean
wb_mac_equal (const guint8 *a,
              const guint8 *b)
{
  return memcmp (a, b, WB_ETH_ALEN) == 0;
}

/* Accumulates the ones' complement sum of @len bytes into @sum (start at 0);
 * fold with wb_checksum_finish. */
guint32   wb_checksum_add      (guint32        sum,
                                const guint8  *data,
                                gsize          len);
guint16   wb_checksum_finish   (guint32        sum);
/* The checksum of @len bytes (an IPv4 header, an ICMP message). */
guint16   wb_checksum          (const guint8  *data,
                                gsize          len);
/* TCP/UDP checksum over the IPv4 pseudo-header and @segment (whose checksum
 * field must be zero when computing, or as received when verifying: a valid
 * segment then sums to 0). Addresses in host order. */
guint16   wb_checksum_l4       (guint32        src,
                                guint32        dst,
                                guint8         proto,
                                const guint8  *segment,
                                gsize          len);

/* "08:00:27:bb:14:75" */
void      wb_mac_format        (const guint8  *mac,
                                char           out[18]);
/* From the model's 12 hex digits ("080027BB1475"); FALSE if malformed. */
gboolean  wb_mac_from_hex      (const char    *hex,
                                guint8         out[WB_ETH_ALEN]);
/* "192.168.56.101" (host order in). @out holds 16 bytes. */
void      wb_ipv4_format       (guint32        address,
                                char           out[16]);

G_END_DECLS
