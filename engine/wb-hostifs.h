/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The host's real network interfaces, for `list bridgedifs` and Bridged. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char     *name;
  char     *ip;         /* first IPv4 address, "" if none */
  char     *netmask;    /* "" if none */
  char     *mac;        /* "aa:bb:cc:dd:ee:ff", "" if unknown */
  guint     mtu;
  gboolean  up;
  gboolean  wireless;
} WbHostIf;

/* Every interface but loopback, sorted by name. */
GPtrArray  *wb_host_ifs_list  (void);
void        wb_host_if_free   (WbHostIf *hostif);
/* The interface a user would bridge to: the first with an IPv4 address,
 * else the first (whose emulated LAN is then the fallback subnet); NULL if
 * the host has none. */
char       *wb_host_ifs_pick_bridge (void);

G_END_DECLS
