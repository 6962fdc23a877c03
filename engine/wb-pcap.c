/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-pcap.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>

#define PCAP_MAGIC_US       0xa1b2c3d4u
#define PCAP_VERSION_MAJOR  2
#define PCAP_VERSION_MINOR  4
#define LINKTYPE_ETHERNET   1
#define FLUSH_INTERVAL_US   G_USEC_PER_SEC

struct _WbPcap
{
  char   *path;
  FILE   *file;
  int     error;          /* the first errno of a failed write, 0 if none */
  gint64  last_flush;     /* monotonic µs */
};

/* pcap files are in the writer's byte order (readers check the magic);
 * little-endian is what nearly every capture on the machines that read
 * ours has, so write that explicitly. */
static void
put_le32 (guint8  *p,
          guint32  v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = v >> 24;
}

static void
put_le16 (guint8  *p,
          guint16  v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
write_bytes (WbPcap       *pcap,
             const guint8 *data,
             gsize         len)
{
  if (pcap->error != 0)
    return;
  if (fwrite (data, 1, len, pcap->file) != len)
    pcap->error = errno != 0 ? errno : EIO;
}

WbPcap *
wb_pcap_open (const char  *path,
              GError     **error)
{
  WbPcap *pcap;
  FILE *file;
  guint8 header[24];

  g_return_val_if_fail (path != NULL, NULL);

  file = g_fopen (path, "wbe");
  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create trace file %s: %s", path, g_strerror (saved));
      return NULL;
    }

  pcap = g_new0 (WbPcap, 1);
  pcap->path = g_strdup (path);
  pcap->file = file;
  pcap->last_flush = g_get_monotonic_time ();

  put_le32 (header, PCAP_MAGIC_US);
  put_le16 (header + 4, PCAP_VERSION_MAJOR);
  put_le16 (header + 6, PCAP_VERSION_MINOR);
  put_le32 (header + 8, 0);            /* thiszone: UTC */
  put_le32 (header + 12, 0);           /* sigfigs */
  put_le32 (header + 16, WB_PCAP_SNAPLEN);
  put_le32 (header + 20, LINKTYPE_ETHERNET);
  write_bytes (pcap, header, sizeof header);
  return pcap;
}

const char *
wb_pcap_get_path (WbPcap *pcap)
{
  return pcap->path;
}

void
wb_pcap_write (WbPcap       *pcap,
               gint64        time_us,
               const guint8 *frame,
               gsize         len)
{
  guint8 record[16];
  gsize caplen = MIN (len, WB_PCAP_SNAPLEN);
  gint64 now;

  g_return_if_fail (pcap != NULL);

  if (pcap->error != 0)
    return;

  time_us = MAX (time_us, 0);
  put_le32 (record, (guint32) (time_us / G_USEC_PER_SEC));
  put_le32 (record + 4, (guint32) (time_us % G_USEC_PER_SEC));
  put_le32 (record + 8, (guint32) caplen);
  put_le32 (record + 12, (guint32) MIN (len, G_MAXUINT32));
  write_bytes (pcap, record, sizeof record);
  write_bytes (pcap, frame, caplen);

  /* Someone may be watching the file live (tail -f | tshark -r -). */
  now = g_get_monotonic_time ();
  if (now - pcap->last_flush >= FLUSH_INTERVAL_US)
    {
      pcap->last_flush = now;
      if (pcap->error == 0 && fflush (pcap->file) != 0)
        pcap->error = errno;
    }
}

gboolean
wb_pcap_close (WbPcap  *pcap,
               GError **error)
{
  int saved;
  gboolean ok;

  if (pcap == NULL)
    return TRUE;

  if (fclose (pcap->file) != 0 && pcap->error == 0)
    pcap->error = errno != 0 ? errno : EIO;
  saved = pcap->error;
  ok = saved == 0;
  if (!ok)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot write trace file %s: %s", pcap->path,
                 g_strerror (saved));
  g_free (pcap->path);
  g_free (pcap);
  return ok;
}
