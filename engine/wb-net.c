/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "wb-net.h"

guint32
wb_checksum_add (guint32       sum,
                 const guint8 *data,
                 gsize         len)
{
  gsize i;

  for (i = 0; i + 1 < len; i += 2)
    sum += (guint32) ((data[i] << 8) | data[i + 1]);
  if (len & 1)
    sum += (guint32) data[len - 1] << 8;
  /* Fold early so that a long buffer cannot overflow 32 bits. */
  while (sum >> 16 && sum > 0x7fffffffu)
    sum = (sum & 0xffff) + (sum >> 16);
  return sum;
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
