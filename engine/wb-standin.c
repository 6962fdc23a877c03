/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The stand-in (wb-standin.h): two guest stacks and a private segment.
 * The router's eth1 and the station's eth0 are ports on the segment; the
 * router's eth0 is wired to the caller's callbacks.
 */
#include "wb-standin.h"

#include "wb-guest-private.h"
#include "wb-segment.h"

#define OUTSIDE_MTU  WB_ETH_MTU

struct _WbStandin
{
  WbSegment             *segment;
  WbGuest               *router;
  WbGuest               *station;
  WbSegmentPort         *router_port;      /* the router's eth1 */
  WbSegmentPort         *station_port;
  WbStandinTransmitFunc  transmit;
  WbStandinLogFunc       log;
  gpointer               user_data;
};

static void
standin_log (WbStandin  *standin,
             WbGuest    *guest,
             const char *message)
{
  g_autofree char *line = NULL;

  if (standin->log == NULL)
    return;
  line = g_strdup_printf ("%s: %s", _wb_guest_get_name (guest), message);
  standin->log (standin->user_data, line);
}

static void
router_transmit_cb (gpointer      user_data,
                    guint         iface,
                    const guint8 *frame,
                    gsize         len)
{
  WbStandin *standin = user_data;

  if (iface == 0)
    standin->transmit (standin->user_data, frame, len);
  else if (iface == 1 && standin->router_port != NULL)
    wb_segment_port_send (standin->router_port, frame, len);
}

static void
router_log_cb (gpointer    user_data,
               const char *message)
{
  WbStandin *standin = user_data;

  standin_log (standin, standin->router, message);
}

static void
router_deliver_cb (gpointer      user_data,
                   const guint8 *frame,
                   gsize         len)
{
  WbStandin *standin = user_data;

  wb_guest_input (standin->router, 1, frame, len);
}

static void
station_transmit_cb (gpointer      user_data,
                     guint         iface,
                     const guint8 *frame,
                     gsize         len)
{
  WbStandin *standin = user_data;

  if (iface == 0 && standin->station_port != NULL)
    wb_segment_port_send (standin->station_port, frame, len);
}

static void
station_log_cb (gpointer    user_data,
                const char *message)
{
  WbStandin *standin = user_data;

  standin_log (standin, standin->station, message);
}

static void
station_deliver_cb (gpointer      user_data,
                    const guint8 *frame,
                    gsize         len)
{
  WbStandin *standin = user_data;

  wb_guest_input (standin->station, 0, frame, len);
}

/* Interface @iface of @guest on the private segment at @address. */
static WbSegmentPort *
attach (WbStandin            *standin,
        WbGuest              *guest,
        guint                 iface,
        const guint8         *mac,
        guint32               address,
        WbSegmentDeliverFunc  deliver)
{
  WbSegmentPort *port;

  wb_guest_add_interface (guest, iface, mac, OUTSIDE_MTU);
  wb_guest_configure_static (guest, iface, address, WB_STANDIN_PREFIX);
  port = wb_segment_add_port (standin->segment, WB_PORT_HOST, WB_PORT_FLAGS_IPV4_ONLY,
                              mac, deliver, standin);
  return port;
}

WbStandin *
wb_standin_new (const WbStandinConfig  *config,
                GMainContext           *context,
                WbStandinTransmitFunc   transmit,
                WbStandinLogFunc        log,
                gpointer                user_data)
{
  static const WbGuestCallbacks router_callbacks = {
    .transmit = router_transmit_cb,
    .log = router_log_cb,
  };
  static const WbGuestCallbacks station_callbacks = {
    .transmit = station_transmit_cb,
    .log = station_log_cb,
  };
  g_autoptr(GError) error = NULL;
  WbStandin *standin;

  g_return_val_if_fail (config != NULL && transmit != NULL, NULL);

  standin = g_new0 (WbStandin, 1);
  standin->transmit = transmit;
  standin->log = log;
  standin->user_data = user_data;
  standin->segment = wb_segment_new (config->segment_name, OUTSIDE_MTU, context);

  standin->router = wb_guest_new (config->router_name, context, &router_callbacks, standin);
  wb_guest_add_interface (standin->router, 0, config->inward_mac, config->inward_mtu);
  wb_guest_configure_static (standin->router, 0, config->inward_address,
                             config->inward_prefix);
  standin->router_port = attach (standin, standin->router, 1, config->outward_mac,
                                 WB_STANDIN_ROUTER_ADDRESS, router_deliver_cb);
  wb_guest_set_ip_forward (standin->router, TRUE);
  /* The station needs no route back: it sees the router's address. */
  wb_guest_set_masquerade (standin->router, 1, TRUE);

  standin->station = wb_guest_new ("outside", context, &station_callbacks, standin);
  standin->station_port = attach (standin, standin->station, 0, config->station_mac,
                                  WB_STANDIN_ADDRESS, station_deliver_cb);
  if (!wb_guest_add_service (standin->station, 80, WB_GUEST_SERVICE_HTTP, &error)
      || !wb_guest_add_service (standin->station, 22, WB_GUEST_SERVICE_SSH, &error))
    standin_log (standin, standin->station, error->message);

  wb_guest_set_link (standin->router, 0, TRUE);
  wb_guest_set_link (standin->router, 1, TRUE);
  wb_guest_set_link (standin->station, 0, TRUE);
  return standin;
}

void
wb_standin_free (WbStandin *standin)
{
  if (standin == NULL)
    return;
  wb_guest_shutdown (standin->station);
  wb_guest_shutdown (standin->router);
  g_clear_pointer (&standin->station_port, wb_segment_remove_port);
  g_clear_pointer (&standin->router_port, wb_segment_remove_port);
  g_clear_pointer (&standin->station, wb_guest_free);
  g_clear_pointer (&standin->router, wb_guest_free);
  wb_segment_free (standin->segment);
  g_free (standin);
}

void
wb_standin_input (WbStandin    *standin,
                  const guint8 *frame,
                  gsize         len)
{
  g_return_if_fail (standin != NULL);

  wb_guest_input (standin->router, 0, frame, len);
}

WbGuest *
wb_standin_get_router (WbStandin *standin)
{
  return standin->router;
}

WbGuest *
wb_standin_get_station (WbStandin *standin)
{
  return standin->station;
}

gboolean
wb_standin_contains (guint32 address)
{
  guint32 mask = wb_prefix_to_mask (WB_STANDIN_PREFIX);

  return (address & mask) == (WB_STANDIN_ADDRESS & mask);
}
