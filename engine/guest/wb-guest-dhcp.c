/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER until the DHCP client lands: never gets a lease. */
#include "wb-guest-private.h"

struct _WbDhcpClient
{
  WbGuest *guest;
  guint    iface;
};

WbDhcpClient *
_wb_dhcp_client_new (WbGuest *guest,
                     guint    iface)
{
  WbDhcpClient *client = g_new0 (WbDhcpClient, 1);

  client->guest = guest;
  client->iface = iface;
  return client;
}

void
_wb_dhcp_client_free (WbDhcpClient *client,
                      gboolean      release)
{
  g_free (client);
}

void
_wb_dhcp_client_link_changed (WbDhcpClient *client,
                              gboolean      up)
{
}

void
_wb_dhcp_client_renew (WbDhcpClient *client)
{
}

char *
_wb_dhcp_client_describe (WbDhcpClient *client)
{
  return g_strdup ("no lease");
}
