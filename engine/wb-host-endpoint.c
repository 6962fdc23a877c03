/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay. A VM's TCP connection to HOST:P is accepted by the endpoint's
 * guest stack (a wildcard listener); the endpoint then connects to
 * 127.0.0.1:P and pipes both ways. Host-to-guest data is read only when the
 * guest's send buffer took the previous read, so a fast host waits for a
 * slow guest. The guest stack offers no way to stop receiving, so
 * guest-to-host data waits in a buffer with a bound; a connection that
 * overruns it (the host stopped reading) is reset. If the host refuses, the
 * VM gets a reset too, as a refused connection should look.
 *
 * A UDP datagram to HOST:P opens a flow (a socket connected to
 * 127.0.0.1:P) keyed by the VM's address and port and P; replies go back
 * from HOST:P. Idle flows are closed after a minute.
 */
#include "wb-host-endpoint.h"

#include <gio/gio.h>

#include "wb-guest-private.h"
#include "wb-net.h"
#include "wb-tcp.h"

#define HOST_NAME            "host"
#define LOOPBACK             "127.0.0.1"
#define READ_CHUNK           65536
#define OUT_LIMIT            (4 * 1024 * 1024)   /* guest -> host, bytes */
#define MAX_TCP_RELAYS       1024
#define MAX_UDP_FLOWS        256
#define UDP_IDLE_US          (60 * G_USEC_PER_SEC)
#define UDP_SWEEP_S          15
#define CONNECT_TIMEOUT_S    10

typedef struct _TcpRelay TcpRelay;

struct _WbHostEndpoint
{
  GMainContext           *context;
  guint32                 address;
  gboolean                relay;
  WbHostEndpointLogFunc   log;
  gpointer                user_data;
  WbGuest                *guest;
  WbSegmentPort          *port;
  GList                  *tcp;          /* TcpRelay* */
  guint                   n_tcp;
  GHashTable             *udp;          /* guint64 key -> UdpFlow* (owned) */
  GSource                *udp_sweep;
};

struct _TcpRelay
{
  gint                ref_count;
  WbHostEndpoint     *endpoint;     /* NULL once the relay is closed */
  GList               link;         /* in endpoint->tcp */
  guint16             port;
  WbTcpSocket        *guest;        /* NULL once that side is over */
  GSocketConnection  *host;         /* NULL until connected */
  GCancellable       *cancellable;
  /* host -> guest: what the last read brought that the guest did not take */
  guint8             *in;
  gsize               in_len;
  gsize               in_off;
  gboolean            reading;
  gboolean            host_eof;
  gboolean            guest_shut;   /* FIN sent to the VM */
  /* guest -> host */
  GByteArray         *out;
  gboolean            writing;
  gboolean            guest_eof;
  gboolean            host_shut;    /* FIN sent to the host */
};

typedef struct
{
  guint64          key;
  WbHostEndpoint  *endpoint;
  guint32          vm_address;
  guint16          vm_port;
  guint16          host_port;
  GSocket         *socket;
  GSource         *source;
  gint64           last_used;
} UdpFlow;

static void
endpoint_log (WbHostEndpoint *endpoint,
              const char     *format,
              ...) G_GNUC_PRINTF (2, 3);

static void
endpoint_log (WbHostEndpoint *endpoint,
              const char     *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (endpoint->log == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  endpoint->log (endpoint->user_data, message);
}

/* --- TCP ----------------------------------------------------------------- */

static TcpRelay *
tcp_relay_ref (TcpRelay *relay)
{
  relay->ref_count++;
  return relay;
}

static void
tcp_relay_unref (TcpRelay *relay)
{
  if (--relay->ref_count > 0)
    return;
  g_clear_object (&relay->host);
  g_clear_object (&relay->cancellable);
  g_byte_array_unref (relay->out);
  g_free (relay->in);
  g_free (relay);
}

/* Ends the relay: a VM side still open gets an RST; the host side is
 * closed when the last operation on it has returned. */
static void
tcp_relay_close (TcpRelay *relay)
{
  WbHostEndpoint *endpoint = relay->endpoint;

  if (endpoint == NULL)
    return;
  relay->endpoint = NULL;
  endpoint->tcp = g_list_remove_link (endpoint->tcp, &relay->link);
  endpoint->n_tcp--;

  g_cancellable_cancel (relay->cancellable);
  if (relay->guest != NULL)
    wb_tcp_abort (g_steal_pointer (&relay->guest));
  tcp_relay_unref (relay);
}

static void tcp_relay_read (TcpRelay *relay);

/* Hands the guest what the last read brought; reads again once it took
 * all of it. */
static void
tcp_relay_push_to_guest (TcpRelay *relay)
{
  while (relay->guest != NULL && relay->in_off < relay->in_len)
    {
      gsize taken = wb_tcp_send (relay->guest, relay->in + relay->in_off,
                                 relay->in_len - relay->in_off);

      if (taken == 0)
        return;    /* "writable" calls us again */
      relay->in_off += taken;
    }
  if (relay->guest == NULL)
    return;

  if (relay->host_eof)
    {
      if (!relay->guest_shut)
        wb_tcp_shutdown (relay->guest);
      relay->guest_shut = TRUE;
    }
  else
    tcp_relay_read (relay);
}

static void
tcp_relay_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TcpRelay *relay = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  relay->reading = FALSE;
  if (relay->endpoint == NULL)
    {
      tcp_relay_unref (relay);
      return;
    }

  if (n < 0)
    {
      endpoint_log (relay->endpoint, "relay to port %u: %s", relay->port,
                    error->message);
      tcp_relay_close (relay);
    }
  else
    {
      relay->in_len = (gsize) n;
      relay->in_off = 0;
      relay->host_eof = n == 0;
      tcp_relay_push_to_guest (relay);
    }
  tcp_relay_unref (relay);
}

static void
tcp_relay_read (TcpRelay *relay)
{
  GInputStream *input;

  if (relay->reading || relay->host == NULL || relay->host_eof)
    return;
  if (relay->in == NULL)
    relay->in = g_malloc (READ_CHUNK);
  relay->reading = TRUE;
  input = g_io_stream_get_input_stream (G_IO_STREAM (relay->host));
  g_input_stream_read_async (input, relay->in, READ_CHUNK, G_PRIORITY_DEFAULT,
                             relay->cancellable, tcp_relay_read_cb,
                             tcp_relay_ref (relay));
}

static void tcp_relay_write (TcpRelay *relay);

/* What follows the guest-to-host data once it is all written. */
static void
tcp_relay_out_drained (TcpRelay *relay)
{
  if (relay->guest_eof && !relay->host_shut)
    {
      GSocket *socket = g_socket_connection_get_socket (relay->host);

      /* Half-close, as the VM did: the host may still answer. */
      g_socket_shutdown (socket, FALSE, TRUE, NULL);
      relay->host_shut = TRUE;
    }
  if (relay->guest == NULL)
    tcp_relay_close (relay);
}

static void
tcp_relay_write_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TcpRelay *relay = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_output_stream_write_finish (G_OUTPUT_STREAM (source), result, &error);
  relay->writing = FALSE;
  if (relay->endpoint == NULL)
    {
      tcp_relay_unref (relay);
      return;
    }

  if (n < 0)
    {
      endpoint_log (relay->endpoint, "relay to port %u: %s", relay->port,
                    error->message);
      tcp_relay_close (relay);
    }
  else
    {
      g_byte_array_remove_range (relay->out, 0, (guint) n);
      if (relay->out->len > 0)
        tcp_relay_write (relay);
      else
        tcp_relay_out_drained (relay);
    }
  tcp_relay_unref (relay);
}

static void
tcp_relay_write (TcpRelay *relay)
{
  GOutputStream *output;

  if (relay->writing || relay->host == NULL)
    return;
  if (relay->out->len == 0)
    {
      tcp_relay_out_drained (relay);
      return;
    }
  relay->writing = TRUE;
  output = g_io_stream_get_output_stream (G_IO_STREAM (relay->host));
  g_output_stream_write_async (output, relay->out->data, relay->out->len,
                               G_PRIORITY_DEFAULT, relay->cancellable,
                               tcp_relay_write_cb, tcp_relay_ref (relay));
}

static void
tcp_received_cb (WbTcpSocket  *socket,
                 const guint8 *data,
                 gsize         len,
                 gpointer      user_data)
{
  TcpRelay *relay = user_data;

  if (len == 0)
    {
      relay->guest_eof = TRUE;
      tcp_relay_write (relay);
      return;
    }
  if (relay->out->len + len > OUT_LIMIT)
    {
      endpoint_log (relay->endpoint,
                    "relay to port %u: the host does not read, connection reset",
                    relay->port);
      tcp_relay_close (relay);
      return;
    }
  g_byte_array_append (relay->out, data, (guint) len);
  tcp_relay_write (relay);
}

static void
tcp_writable_cb (WbTcpSocket *socket,
                 gpointer     user_data)
{
  tcp_relay_push_to_guest (user_data);
}

static void
tcp_closed_cb (WbTcpSocket  *socket,
               const GError *error,
               gpointer      user_data)
{
  TcpRelay *relay = user_data;

  /* The socket is freed when we return. */
  relay->guest = NULL;
  if (error != NULL || relay->host == NULL)
    tcp_relay_close (relay);
  else if (!relay->writing)
    tcp_relay_write (relay);     /* closes once the rest is written */
}

static const WbTcpCallbacks tcp_callbacks = {
  .received = tcp_received_cb,
  .writable = tcp_writable_cb,
  .closed = tcp_closed_cb,
};

static void
tcp_relay_connect_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  TcpRelay *relay = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result,
                                               &error);
  if (relay->endpoint == NULL)
    {
      g_clear_object (&connection);
      tcp_relay_unref (relay);
      return;
    }

  if (connection == NULL)
    {
      endpoint_log (relay->endpoint, "relay to " LOOPBACK ":%u: %s",
                    relay->port, error->message);
      tcp_relay_close (relay);
    }
  else
    {
      relay->host = connection;
      tcp_relay_read (relay);
      if (relay->out->len > 0 || relay->guest_eof || relay->guest == NULL)
        tcp_relay_write (relay);
    }
  tcp_relay_unref (relay);
}

static void
tcp_accept_cb (WbTcpSocket *socket,
               gpointer     user_data)
{
  WbHostEndpoint *endpoint = user_data;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  TcpRelay *relay;
  guint32 local;
  guint16 port;

  wb_tcp_get_local (socket, &local, &port);
  if (!endpoint->relay || local != endpoint->address || port == 0
      || endpoint->n_tcp >= MAX_TCP_RELAYS)
    {
      wb_tcp_abort (socket);
      return;
    }

  relay = g_new0 (TcpRelay, 1);
  relay->ref_count = 1;
  relay->endpoint = endpoint;
  relay->link.data = relay;
  relay->port = port;
  relay->guest = socket;
  relay->cancellable = g_cancellable_new ();
  relay->out = g_byte_array_new ();
  endpoint->tcp = g_list_concat (&relay->link, endpoint->tcp);
  endpoint->n_tcp++;
  wb_tcp_socket_set_callbacks (socket, &tcp_callbacks, relay);

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_S);
  address = g_inet_socket_address_new_from_string (LOOPBACK, port);
  g_main_context_push_thread_default (endpoint->context);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address),
                                 relay->cancellable, tcp_relay_connect_cb,
                                 tcp_relay_ref (relay));
  g_main_context_pop_thread_default (endpoint->context);
}

/* --- UDP ----------------------------------------------------------------- */

static guint64
udp_flow_key (guint32 vm_address,
              guint16 vm_port,
              guint16 host_port)
{
  return (guint64) vm_address << 32 | (guint64) vm_port << 16 | host_port;
}

static void
udp_flow_free (gpointer data)
{
  UdpFlow *flow = data;

  g_source_destroy (flow->source);
  g_source_unref (flow->source);
  g_socket_close (flow->socket, NULL);
  g_object_unref (flow->socket);
  g_free (flow);
}

static gboolean
udp_flow_readable_cb (GSocket      *socket,
                      GIOCondition  condition,
                      gpointer      user_data)
{
  UdpFlow *flow = user_data;
  WbHostEndpoint *endpoint = flow->endpoint;
  guint8 buffer[65536];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, (char *) buffer, sizeof buffer,
                                   NULL, &error);

      if (n < 0)
        {
          /* A refused port (ICMP from the host) says nothing we can pass
           * on; anything else ends the flow. */
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)
              || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
            return G_SOURCE_CONTINUE;
          endpoint_log (endpoint, "UDP relay to port %u: %s", flow->host_port,
                        error->message);
          g_hash_table_remove (endpoint->udp, &flow->key);
          return G_SOURCE_REMOVE;
        }
      flow->last_used = g_get_monotonic_time ();
      _wb_guest_udp_send (endpoint->guest, endpoint->address, flow->host_port,
                          flow->vm_address, flow->vm_port, buffer, (gsize) n,
                          NULL);
    }
}

static UdpFlow *
udp_flow_new (WbHostEndpoint *endpoint,
              guint32         vm_address,
              guint16         vm_port,
              guint16         host_port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (LOOPBACK, 0);
  g_autoptr(GSocketAddress) remote = g_inet_socket_address_new_from_string (LOOPBACK, host_port);
  UdpFlow *flow;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, &error);
  if (socket == NULL
      || !g_socket_bind (socket, local, FALSE, &error)
      || !g_socket_connect (socket, remote, NULL, &error))
    {
      endpoint_log (endpoint, "UDP relay to port %u: %s", host_port,
                    error->message);
      return NULL;
    }
  g_socket_set_blocking (socket, FALSE);

  flow = g_new0 (UdpFlow, 1);
  flow->key = udp_flow_key (vm_address, vm_port, host_port);
  flow->endpoint = endpoint;
  flow->vm_address = vm_address;
  flow->vm_port = vm_port;
  flow->host_port = host_port;
  flow->socket = g_steal_pointer (&socket);
  flow->source = g_socket_create_source (flow->socket, G_IO_IN, NULL);
  g_source_set_callback (flow->source, G_SOURCE_FUNC (udp_flow_readable_cb),
                         flow, NULL);
  g_source_attach (flow->source, endpoint->context);
  g_hash_table_insert (endpoint->udp, &flow->key, flow);
  return flow;
}

static void
udp_receive_cb (WbGuest      *guest,
                guint         iface,
                guint32       src,
                guint16       src_port,
                guint32       dst,
                guint16       dst_port,
                const guint8 *data,
                gsize         len,
                gpointer      user_data)
{
  WbHostEndpoint *endpoint = user_data;
  guint64 key = udp_flow_key (src, src_port, dst_port);
  UdpFlow *flow;

  /* Broadcasts (a DHCP DISCOVER) are not for the host's programs. */
  if (!endpoint->relay || dst != endpoint->address || dst_port == 0)
    return;

  flow = g_hash_table_lookup (endpoint->udp, &key);
  if (flow == NULL)
    {
      if (g_hash_table_size (endpoint->udp) >= MAX_UDP_FLOWS)
        {
          endpoint_log (endpoint, "UDP relay: %u flows open, datagram to port %u dropped",
                        MAX_UDP_FLOWS, dst_port);
          return;
        }
      flow = udp_flow_new (endpoint, src, src_port, dst_port);
      if (flow == NULL)
        return;
    }
  flow->last_used = g_get_monotonic_time ();
  /* A datagram the host's socket buffer cannot take is lost, as UDP may. */
  g_socket_send (flow->socket, (const char *) data, len, NULL, NULL);
}

static gboolean
udp_idle_cb (gpointer key,
             gpointer value,
             gpointer user_data)
{
  const UdpFlow *flow = value;

  return flow->last_used < *(const gint64 *) user_data;
}

static gboolean
udp_sweep_cb (gpointer user_data)
{
  WbHostEndpoint *endpoint = user_data;
  gint64 before = g_get_monotonic_time () - UDP_IDLE_US;

  g_hash_table_foreach_remove (endpoint->udp, udp_idle_cb, &before);
  return G_SOURCE_CONTINUE;
}

/* --- the endpoint ---------------------------------------------------------- */

static void
guest_transmit_cb (gpointer      user_data,
                   guint         iface,
                   const guint8 *frame,
                   gsize         len)
{
  WbHostEndpoint *endpoint = user_data;

  wb_segment_port_send (endpoint->port, frame, len);
}

static void
guest_log_cb (gpointer    user_data,
              const char *message)
{
  WbHostEndpoint *endpoint = user_data;

  if (endpoint->log != NULL)
    endpoint->log (endpoint->user_data, message);
}

static void
port_deliver_cb (gpointer      user_data,
                 const guint8 *frame,
                 gsize         len)
{
  WbHostEndpoint *endpoint = user_data;

  wb_guest_input (endpoint->guest, 0, frame, len);
}

static void
start_relay (WbHostEndpoint *endpoint)
{
  g_autoptr(GError) error = NULL;

  if (!wb_tcp_listen (endpoint->guest, 0, tcp_accept_cb, endpoint, &error)
      || !_wb_guest_udp_bind (endpoint->guest, 0, udp_receive_cb, endpoint, &error))
    endpoint_log (endpoint, "relay not started: %s", error->message);
}

static void
stop_relay (WbHostEndpoint *endpoint)
{
  wb_tcp_unlisten (endpoint->guest, 0);
  _wb_guest_udp_unbind (endpoint->guest, 0);
  while (endpoint->tcp != NULL)
    tcp_relay_close (endpoint->tcp->data);
  g_hash_table_remove_all (endpoint->udp);
}

WbHostEndpoint *
wb_host_endpoint_new (WbSegment             *segment,
                      const guint8          *mac,
                      guint32                address,
                      guint                  prefix,
                      gboolean               relay,
                      WbHostEndpointLogFunc  log,
                      gpointer               user_data)
{
  static const WbGuestCallbacks callbacks = {
    .transmit = guest_transmit_cb,
    .log = guest_log_cb,
  };
  WbHostEndpoint *endpoint;

  g_return_val_if_fail (segment != NULL, NULL);
  g_return_val_if_fail (mac != NULL, NULL);

  endpoint = g_new0 (WbHostEndpoint, 1);
  endpoint->context = g_main_context_ref_thread_default ();
  endpoint->address = address;
  endpoint->log = log;
  endpoint->user_data = user_data;
  endpoint->udp = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                         udp_flow_free);

  endpoint->guest = wb_guest_new (HOST_NAME, endpoint->context, &callbacks,
                                  endpoint);
  wb_guest_add_interface (endpoint->guest, 0, mac, wb_segment_get_mtu (segment));
  wb_guest_configure_static (endpoint->guest, 0, address, prefix);
  endpoint->port = wb_segment_add_port (segment, WB_PORT_HOST,
                                        WB_PORT_FLAGS_IPV4_ONLY, mac,
                                        port_deliver_cb, endpoint);
  wb_guest_set_link (endpoint->guest, 0, TRUE);

  endpoint->udp_sweep = g_timeout_source_new_seconds (UDP_SWEEP_S);
  g_source_set_callback (endpoint->udp_sweep, udp_sweep_cb, endpoint, NULL);
  g_source_attach (endpoint->udp_sweep, endpoint->context);

  wb_host_endpoint_set_relay (endpoint, relay);
  return endpoint;
}

void
wb_host_endpoint_set_relay (WbHostEndpoint *endpoint,
                            gboolean        relay)
{
  relay = !!relay;
  if (endpoint->relay == relay)
    return;
  endpoint->relay = relay;
  if (relay)
    start_relay (endpoint);
  else
    stop_relay (endpoint);
}

WbGuest *
wb_host_endpoint_get_guest (WbHostEndpoint *endpoint)
{
  return endpoint->guest;
}

guint
wb_host_endpoint_get_n_relays (WbHostEndpoint *endpoint)
{
  return endpoint->n_tcp + g_hash_table_size (endpoint->udp);
}

void
wb_host_endpoint_free (WbHostEndpoint *endpoint)
{
  if (endpoint == NULL)
    return;

  wb_host_endpoint_set_relay (endpoint, FALSE);
  wb_guest_shutdown (endpoint->guest);
  wb_segment_remove_port (endpoint->port);
  wb_guest_free (endpoint->guest);
  g_source_destroy (endpoint->udp_sweep);
  g_source_unref (endpoint->udp_sweep);
  g_hash_table_unref (endpoint->udp);
  g_main_context_unref (endpoint->context);
  g_free (endpoint);
}
