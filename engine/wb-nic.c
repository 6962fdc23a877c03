/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-nic.h"

#include "wb-net.h"
#include "wb-pcap.h"

struct _WbNic
{
  WbNicType       type;
  guint8          mac[WB_ETH_ALEN];
  WbNicCallbacks  callbacks;
  gpointer        user_data;
  WbSegmentPort  *port;
  gboolean        cable_connected;
  WbPromisc       promisc;
  WbPcap         *trace;
  /* The adapter's own counts, plus the drops of the ports it has left. */
  WbCounters      counters;
};

guint
wb_nic_type_max_payload (WbNicType type)
{
  return wb_nic_type_carries_jumbo (type) ? WB_ETH_JUMBO_MTU : WB_ETH_MTU;
}

guint
wb_nic_get_max_payload (WbNic *nic)
{
  guint max = wb_nic_type_max_payload (nic->type);

  /* Jumbo types carry what a NAT network raised its MTU to. */
  if (wb_nic_type_carries_jumbo (nic->type) && nic->port != NULL)
    max = MAX (max, wb_segment_get_mtu (wb_segment_port_get_segment (nic->port)));
  return max;
}

static gboolean
fits (WbNic *nic,
      gsize  len)
{
  return len - WB_ETH_HLEN <= wb_nic_get_max_payload (nic);
}

static void
trace (WbNic        *nic,
       const guint8 *frame,
       gsize         len)
{
  if (nic->trace != NULL)
    wb_pcap_write (nic->trace, g_get_real_time (), frame, len);
}

static void
port_deliver_cb (gpointer      user_data,
                 const guint8 *frame,
                 gsize         len)
{
  WbNic *nic = user_data;

  /* The trace sees the wire, so it shows what the adapter then refused. */
  trace (nic, frame, len);
  if (!fits (nic, len))
    {
      nic->counters.drops[WB_DROP_OVERSIZE]++;
      return;
    }

  nic->counters.frames_in++;
  nic->counters.bytes_in += len;
  nic->callbacks.receive (nic->user_data, frame, len);
}

WbNic *
wb_nic_new (WbNicType             type,
            const guint8         *mac,
            const WbNicCallbacks *callbacks,
            gpointer              user_data)
{
  WbNic *nic;

  g_return_val_if_fail (type < WB_N_NIC_TYPES, NULL);
  g_return_val_if_fail (mac != NULL, NULL);
  g_return_val_if_fail (callbacks != NULL && callbacks->receive != NULL, NULL);

  nic = g_new0 (WbNic, 1);
  nic->type = type;
  memcpy (nic->mac, mac, WB_ETH_ALEN);
  nic->callbacks = *callbacks;
  nic->user_data = user_data;
  nic->cable_connected = TRUE;
  nic->promisc = WB_PROMISC_DENY;
  return nic;
}

static void
detach (WbNic *nic)
{
  const WbCounters *port_counters;

  if (nic->port == NULL)
    return;
  port_counters = wb_segment_port_get_counters (nic->port);
  for (guint i = 0; i < WB_N_DROPS; i++)
    nic->counters.drops[i] += port_counters->drops[i];
  wb_segment_remove_port (g_steal_pointer (&nic->port));
}

void
wb_nic_free (WbNic *nic)
{
  if (nic == NULL)
    return;
  detach (nic);
  wb_pcap_close (g_steal_pointer (&nic->trace), NULL);
  g_free (nic);
}

gboolean
wb_nic_get_link (WbNic *nic)
{
  return nic->port != NULL && nic->cable_connected;
}

/* Calls link_changed when the link is not what it was. */
static void
notify_link (WbNic    *nic,
             gboolean  was_up)
{
  gboolean up = wb_nic_get_link (nic);

  if (up != was_up && nic->callbacks.link_changed != NULL)
    nic->callbacks.link_changed (nic->user_data, up);
}

void
wb_nic_attach (WbNic     *nic,
               WbSegment *segment)
{
  gboolean was_up = wb_nic_get_link (nic);

  detach (nic);
  /* A move is seen by the guest as the cable pulled and plugged again. */
  notify_link (nic, was_up);
  if (segment == NULL)
    return;

  nic->port = wb_segment_add_port (segment, WB_PORT_VM, WB_PORT_FLAGS_NONE,
                                   nic->mac, port_deliver_cb, nic);
  wb_segment_port_set_link (nic->port, nic->cable_connected);
  wb_segment_port_set_promisc (nic->port, nic->promisc);
  notify_link (nic, FALSE);
}

WbSegment *
wb_nic_get_segment (WbNic *nic)
{
  return nic->port != NULL ? wb_segment_port_get_segment (nic->port) : NULL;
}

void
wb_nic_set_cable_connected (WbNic    *nic,
                            gboolean  connected)
{
  gboolean was_up = wb_nic_get_link (nic);

  nic->cable_connected = !!connected;
  if (nic->port != NULL)
    wb_segment_port_set_link (nic->port, nic->cable_connected);
  notify_link (nic, was_up);
}

void
wb_nic_set_promisc (WbNic     *nic,
                    WbPromisc  promisc)
{
  nic->promisc = promisc;
  if (nic->port != NULL)
    wb_segment_port_set_promisc (nic->port, promisc);
}

gboolean
wb_nic_set_trace (WbNic       *nic,
                  const char  *path,
                  GError     **error)
{
  WbPcap *pcap = NULL;
  WbPcap *old;

  if (path != NULL)
    {
      pcap = wb_pcap_open (path, error);
      if (pcap == NULL)
        return FALSE;
    }

  /* The new trace runs even when closing the old one reports a failed
   * write: the error is about the old file. */
  old = g_steal_pointer (&nic->trace);
  nic->trace = pcap;
  return wb_pcap_close (old, error);
}

const char *
wb_nic_get_trace_path (WbNic *nic)
{
  return nic->trace != NULL ? wb_pcap_get_path (nic->trace) : NULL;
}

void
wb_nic_transmit (WbNic        *nic,
                 const guint8 *frame,
                 gsize         len)
{
  guint8 padded[WB_ETH_MIN_FRAME];

  if (len < WB_ETH_HLEN)
    {
      nic->counters.drops[WB_DROP_RUNT]++;
      return;
    }
  if (!fits (nic, len))
    {
      nic->counters.drops[WB_DROP_OVERSIZE]++;
      return;
    }
  if (!wb_nic_get_link (nic))
    {
      nic->counters.drops[WB_DROP_LINK_DOWN]++;
      return;
    }

  /* Hardware pads to the Ethernet minimum; so do we, so that traces and
   * peers see what a real adapter sends. */
  if (len < WB_ETH_MIN_FRAME)
    {
      memcpy (padded, frame, len);
      memset (padded + len, 0, WB_ETH_MIN_FRAME - len);
      frame = padded;
      len = WB_ETH_MIN_FRAME;
    }

  nic->counters.frames_out++;
  nic->counters.bytes_out += len;
  trace (nic, frame, len);
  wb_segment_port_send (nic->port, frame, len);
}

void
wb_nic_get_counters (WbNic      *nic,
                     WbCounters *counters)
{
  *counters = nic->counters;
  if (nic->port != NULL)
    {
      const WbCounters *port_counters = wb_segment_port_get_counters (nic->port);

      for (guint i = 0; i < WB_N_DROPS; i++)
        counters->drops[i] += port_counters->drops[i];
    }
}
