/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "wb-net.h"

static guint16
fold16 (guint64 acc)
{
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (guint16) acc;
}

/* Every frame in and out is summed (twice for TCP data: by the sender and
 * by the receiver), so this loop sets the stacks' bulk throughput. It sums
 * 32-bit words in the machine's byte order, as RFC 1071 allows: a word
 * folds to the same ones' complement sum as its two 16-bit halves (2^16 =
 * 1 modulo 2^16 - 1), and a sum over byte-swapped words is the
 * byte-swapped sum. Two sums of 16 bytes a turn keep the loads
 * overlapping; neither can overflow 64 bits. */
guint32
wb_checksum_add (guint32       sum,
                 const guint8 *data,
                 gsize         len)
{
  guint64 acc = 0;
  guint64 acc2 = 0;
  gsize i = 0;
  guint16 folded;

  for (; i + 16 <= len; i += 16)
    {
      guint64 a, b;

      memcpy (&a, data + i, 8);
      memcpy (&b, data + i + 8, 8);
      acc += (a & 0xffffffffu) + (a >> 32);
      acc2 += (b & 0xffffffffu) + (b >> 32);
    }
  for (; i + 2 <= len; i += 2)
    {
      guint16 half;

      memcpy (&half, data + i, 2);
      acc += half;
    }
  folded = fold16 (acc + acc2);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  folded = GUINT16_SWAP_LE_BE (folded);
#endif
  /* In network order again: the odd byte (padded) and the sum so far. */
  return fold16 ((guint64) sum + folded + (i < len ? (guint32) data[i] << 8 : 0));
}

guint16
wb_checksum_finish (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

guint16
wb_checksum (const guint8 *data,
             gsize         len)
{
  return wb_checksum_finish (wb_checksum_add (0, data, len));
}

guint16
wb_checksum_l4 (guint32       src,
                guint32       dst,
                guint8        proto,
                const guint8 *segment,
                gsize         len)
{
  guint8 pseudo[12];

  wb_put_be32 (pseudo, src);
  wb_put_be32 (pseudo + 4, dst);
  pseudo[8] = 0;
  pseudo[9] = proto;
  wb_put_be16 (pseudo + 10, (guint16) len);
  return wb_checksum_finish (wb_checksum_add (wb_checksum_add (0, pseudo, sizeof pseudo),
                                              segment, len));
}

void
wb_mac_format (const guint8 *mac,
               char          out[18])
{
  g_snprintf (out, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
              mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

gboolean
wb_mac_from_hex (const char *hex,
                 guint8      out[WB_ETH_ALEN])
{
  guint8 mac[WB_ETH_ALEN];

  if (hex == NULL || strlen (hex) != 12)
    return FALSE;
  for (guint i = 0; i < WB_ETH_ALEN; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      mac[i] = (guint8) (hi << 4 | lo);
    }
  memcpy (out, mac, sizeof mac);
  return TRUE;
}

void
wb_ipv4_format (guint32 address,
                char    out[16])
{
  g_snprintf (out, 16, "%u.%u.%u.%u", address >> 24, (address >> 16) & 0xff,
              (address >> 8) & 0xff, address & 0xff);
}
