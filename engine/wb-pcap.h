/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A pcap file writer: the classic libpcap format (not pcapng), Ethernet
 * link type, microsecond timestamps, snaplen 65535 — what Wireshark, tshark
 * and tcpdump all read. Writes are buffered; the file is flushed at least
 * once a second while frames arrive, and on close.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WB_PCAP_SNAPLEN 65535

typedef struct _WbPcap WbPcap;

/* Creates (or truncates) @path and writes the file header. */
WbPcap     *wb_pcap_open     (const char    *path,
                              GError       **error);
const char *wb_pcap_get_path (WbPcap        *pcap);
/* One record, stamped with @time_us (wall clock, µs since the epoch);
 * frames above the snaplen are cut to it (the record keeps the real
 * length). After a write error nothing more is written and close reports
 * it. */
void        wb_pcap_write    (WbPcap        *pcap,
                              gint64         time_us,
                              const guint8  *frame,
                              gsize          len);
/* Flushes, closes and frees; FALSE with @error if any write failed. */
gboolean    wb_pcap_close    (WbPcap        *pcap,
                              GError       **error);

G_END_DECLS
