/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What runs inside a guest on top of its TCP: the services (an SSH
 * identification line, a small HTTP/1.1 server whose page names the VM and
 * its addresses, echo) and the `tcp` and `http` commands of `guestcontrol`.
 *
 * A service is the user data of its port's listener: the TCP stack's table
 * of listeners is the guest's table of services, and the listener's destroy
 * notify frees the service, whether the port is closed by
 * _wb_guest_apps_stop_service() or the guest's stack goes away. Stopping a
 * service aborts its connections. Each connection of a service is bounded
 * in time (SSH 120 s; HTTP 30 s per request, and as long idle between the
 * requests of a persistent connection) and in memory (an HTTP request 8 KiB, the
 * output an echo keeps while the peer does not read 4 MiB): a peer cannot
 * pin a guest's resources by going quiet.
 *
 * A command connects with a 5 s timeout, then waits for what it needs (the
 * first line for `tcp`, 5 s; the whole response for `http`, 30 s). Once it
 * has its result it returns it and closes its side; the connection lingers
 * (at most 5 s) only to close in order.
 */
#include "wb-guest-private.h"
#include "wb-tcp.h"

#include <string.h>

#define SSH_SESSION_MS      120000
#define HTTP_SESSION_MS     30000
#define HTTP_REQUEST_MAX    8192
#define ECHO_PENDING_MAX    (4u << 20)

#define CONNECT_TIMEOUT_MS  5000
#define LINGER_MS           5000
#define TCP_LINE_WAIT_MS    5000
#define TCP_LINE_MAX        65536
#define HTTP_RESPONSE_MS    30000
#define HTTP_HEAD_MAX       65536
#define HTTP_LINE_MAX       4096
#define HTTP_BODY_MAX       (16u << 20)

/* --- services --------------------------------------------------------------------- */

typedef struct
{
  WbGuest            *guest;
  guint16             port;
  WbGuestServiceKind  kind;
  GQueue              conns;
} Service;

typedef struct
{
  GList         link;          /* in Service.conns */
  Service      *service;
  WbTcpSocket  *socket;
  GSource      *timer;
  GByteArray   *in;            /* HTTP: the request so far */
  GByteArray   *out;           /* what the send buffer did not take yet */
  gsize         out_pos;
  gboolean      closing;       /* shut down once out is sent */
  gboolean      done;          /* HTTP: answered the last request; the rest is ignored */
} Conn;

static void
conn_free (Conn *conn)
{
  g_queue_unlink (&conn->service->conns, &conn->link);
  if (conn->timer != NULL)
    {
      g_source_destroy (conn->timer);
      g_source_unref (conn->timer);
    }
  if (conn->in != NULL)
    g_byte_array_unref (conn->in);
  if (conn->out != NULL)
    g_byte_array_unref (conn->out);
  g_free (conn);
}

static void
conn_abort (Conn *conn)
{
  wb_tcp_abort (conn->socket);
  conn_free (conn);
}

static gboolean
conn_timeout_cb (gpointer data)
{
  Conn *conn = data;

  /* The dispatch holds the source. */
  g_clear_pointer (&conn->timer, g_source_unref);
  conn_abort (conn);
  return G_SOURCE_REMOVE;
}

static gsize
conn_pending (Conn *conn)
{
  return conn->out != NULL ? conn->out->len - conn->out_pos : 0;
}

/* Sends what is pending; shuts our side down once it is all gone and the
 * connection is to close. */
static void
conn_flush (Conn *conn)
{
  while (conn_pending (conn) > 0)
    {
      gsize n = wb_tcp_send (conn->socket, conn->out->data + conn->out_pos, conn_pending (conn));

      if (n == 0)
        {
          /* What was sent goes once it is most of the buffer: a stream
           * that never drains does not grow it. */
          if (conn->out_pos > conn->out->len / 2)
            {
              g_byte_array_remove_range (conn->out, 0, (guint) conn->out_pos);
              conn->out_pos = 0;
            }
          return;
        }
      conn->out_pos += n;
    }
  if (conn->out != NULL)
    {
      g_byte_array_set_size (conn->out, 0);
      conn->out_pos = 0;
    }
  if (conn->closing)
    wb_tcp_shutdown (conn->socket);
}

/* Queues @data after what is pending. FALSE when the connection was
 * aborted because the peer does not read what it is sent. */
static gboolean
conn_write (Conn         *conn,
            const guint8 *data,
            gsize         len)
{
  gsize n = 0;

  if (conn_pending (conn) == 0)
    n = wb_tcp_send (conn->socket, data, len);
  if (n == len)
    return TRUE;
  if (conn->out == NULL)
    conn->out = g_byte_array_new ();
  if (conn_pending (conn) + (len - n) > ECHO_PENDING_MAX)
    {
      conn_abort (conn);
      return FALSE;
    }
  g_byte_array_append (conn->out, data + n, (guint) (len - n));
  return TRUE;
}

static void
conn_close_when_sent (Conn *conn)
{
  conn->closing = TRUE;
  if (conn_pending (conn) == 0)
    wb_tcp_shutdown (conn->socket);
}

/* The page: the VM's name and its addresses. */
static char *
http_page (WbGuest *guest)
{
  g_autofree char *name = g_markup_escape_text (_wb_guest_get_name (guest), -1);
  GString *page = g_string_new (NULL);
  gboolean any = FALSE;

  g_string_append_printf (page,
                          "<!DOCTYPE html>\n"
                          "<html>\n"
                          "<head><meta charset=\"utf-8\"><title>%s</title></head>\n"
                          "<body>\n"
                          "<h1>%s</h1>\n"
                          "<p>Served by the Wirebox guest of the VM <b>%s</b>.</p>\n"
                          "<h2>Addresses</h2>\n"
                          "<ul>\n",
                          name, name, name);
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    {
      guint prefix = 0;
      guint32 address = wb_guest_get_address (guest, i, &prefix);
      char text[16];

      if (address == 0)
        continue;
      wb_ipv4_format (address, text);
      g_string_append_printf (page, "<li>adapter %u: %s/%u</li>\n", i + 1, text, prefix);
      any = TRUE;
    }
  if (!any)
    g_string_append (page, "<li>none</li>\n");
  g_string_append (page, "</ul>\n</body>\n</html>\n");
  return g_string_free (page, FALSE);
}

/* How a response ends its connection. */
typedef enum
{
  HTTP_CLOSE,
  HTTP_KEEP_ALIVE,          /* HTTP/1.1: persistent unless said otherwise */
  HTTP_KEEP_ALIVE_1_0,      /* HTTP/1.0 with "Connection: keep-alive" */
} HttpPersistence;

/* Sends a response. After HTTP_CLOSE the connection closes once it is
 * sent; otherwise it waits for the next request (the session timer starts
 * again). FALSE when the connection is gone (aborted: the peer does not
 * read). */
static gboolean
http_respond (Conn            *conn,
              guint            code,
              const char      *reason,
              const char      *body,
              gboolean         head_only,
              HttpPersistence  persistence)
{
  g_autoptr(GString) response = g_string_new (NULL);
  gsize body_len = strlen (body);

  g_string_append_printf (response,
                          "HTTP/1.1 %u %s\r\n"
                          "Server: Wirebox-guest\r\n"
                          "Content-Type: text/html; charset=utf-8\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "%s"
                          "%s"
                          "\r\n",
                          code, reason, body_len,
                          code == 405 ? "Allow: GET, HEAD\r\n" : "",
                          persistence == HTTP_CLOSE ? "Connection: close\r\n"
                          : persistence == HTTP_KEEP_ALIVE_1_0 ? "Connection: keep-alive\r\n"
                          : "");
  if (!head_only)
    g_string_append_len (response, body, (gssize) body_len);
  if (persistence == HTTP_CLOSE)
    {
      conn->done = TRUE;
      g_clear_pointer (&conn->in, g_byte_array_unref);
    }
  if (!conn_write (conn, (const guint8 *) response->str, response->len))
    return FALSE;
  if (persistence == HTTP_CLOSE)
    {
      conn_close_when_sent (conn);
      return TRUE;
    }
  if (conn->timer != NULL)
    {
      g_source_destroy (conn->timer);
      g_clear_pointer (&conn->timer, g_source_unref);
    }
  conn->timer = _wb_guest_timeout_new (conn->service->guest, HTTP_SESSION_MS,
                                       conn_timeout_cb, conn);
  return TRUE;
}

static void
http_respond_error (Conn       *conn,
                    guint       code,
                    const char *reason)
{
  g_autofree char *body = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                                           "<title>%u %s</title></head>\n"
                                           "<body><h1>%u %s</h1></body></html>\n",
                                           code, reason, code, reason);

  http_respond (conn, code, reason, body, FALSE, HTTP_CLOSE);
}

static gboolean
http_is_token (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && strchr ("!#$%&'*+-.^_`|~", *s) == NULL)
      return FALSE;
  return TRUE;
}

/* Whether a "Connection" header's value lists @token. */
static gboolean
http_connection_has (const char *value,
                     const char *token)
{
  g_auto(GStrv) tokens = g_strsplit (value, ",", -1);

  for (guint i = 0; tokens[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_strstrip (tokens[i]), token) == 0)
      return TRUE;
  return FALSE;
}

/* Answers the request in @head (the request line and headers, without the
 * empty line that ends them). TRUE when the connection stays open for
 * another request. */
static gboolean
http_answer (Conn *conn,
             char *head)
{
  g_auto(GStrv) lines = g_strsplit (head, "\n", -1);
  g_auto(GStrv) parts = NULL;
  g_autofree char *page = NULL;
  HttpPersistence persistence;
  gboolean said_close = FALSE;
  gboolean said_keep_alive = FALSE;
  char *path;
  char *query;
  gboolean head_only;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      gsize n = strlen (lines[i]);

      if (n > 0 && lines[i][n - 1] == '\r')
        lines[i][n - 1] = '\0';
    }
  parts = g_strsplit (lines[0], " ", -1);
  if (g_strv_length (parts) != 3 || !http_is_token (parts[0])
      || parts[1][0] != '/' || !g_str_has_prefix (parts[2], "HTTP/1.")
      || !g_ascii_isdigit (parts[2][7]) || parts[2][8] != '\0')
    {
      http_respond_error (conn, 400, "Bad Request");
      return FALSE;
    }
  for (guint i = 0; parts[1][i] != '\0'; i++)
    if (g_ascii_iscntrl (parts[1][i]))
      {
        http_respond_error (conn, 400, "Bad Request");
        return FALSE;
      }
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');

      if (colon == NULL)
        {
          http_respond_error (conn, 400, "Bad Request");
          return FALSE;
        }
      *colon = '\0';
      if (!http_is_token (lines[i]))
        {
          http_respond_error (conn, 400, "Bad Request");
          return FALSE;
        }
      if (g_ascii_strcasecmp (lines[i], "Connection") == 0)
        {
          said_close |= http_connection_has (colon + 1, "close");
          said_keep_alive |= http_connection_has (colon + 1, "keep-alive");
        }
    }
  if (said_close)
    persistence = HTTP_CLOSE;
  else if (parts[2][7] == '0')
    persistence = said_keep_alive ? HTTP_KEEP_ALIVE_1_0 : HTTP_CLOSE;
  else
    persistence = HTTP_KEEP_ALIVE;

  head_only = strcmp (parts[0], "HEAD") == 0;
  if (!head_only && strcmp (parts[0], "GET") != 0)
    {
      http_respond_error (conn, 405, "Method Not Allowed");
      return FALSE;
    }
  path = parts[1];
  query = strchr (path, '?');
  if (query != NULL)
    *query = '\0';
  if (strcmp (path, "/") != 0 && strcmp (path, "/index.html") != 0)
    {
      http_respond_error (conn, 404, "Not Found");
      return FALSE;
    }
  page = http_page (conn->service->guest);
  return http_respond (conn, 200, "OK", page, head_only, persistence)
         && persistence != HTTP_CLOSE;
}

static void
http_service_received (Conn         *conn,
                       const guint8 *data,
                       gsize         len)
{
  const guint8 *end;
  gsize head_len;

  if (conn->done)
    return;
  if (len == 0)
    {
      /* The peer gave up before a whole request. */
      conn_close_when_sent (conn);
      return;
    }
  if (conn->in == NULL)
    conn->in = g_byte_array_new ();
  if (conn->in->len + len > HTTP_REQUEST_MAX)
    {
      http_respond_error (conn, 431, "Request Header Fields Too Large");
      return;
    }
  g_byte_array_append (conn->in, data, (guint) len);
  /* Each whole request in turn (a client may send the next before the
   * answer to the last: pipelining). The requests are bodiless: only GET
   * and HEAD are served, and anything else closes the connection. */
  for (;;)
    {
      gsize terminator;

      /* Skip the empty lines a client may send before a request (RFC 9112
       * §2.2), then look for the end of the headers. */
      while (conn->in->len > 0 && (conn->in->data[0] == '\r' || conn->in->data[0] == '\n'))
        g_byte_array_remove_index (conn->in, 0);
      end = memmem (conn->in->data, conn->in->len, "\r\n\r\n", 4);
      terminator = 4;
      if (end == NULL)
        {
          end = memmem (conn->in->data, conn->in->len, "\n\n", 2);
          terminator = 2;
        }
      if (end == NULL)
        return;
      head_len = (gsize) (end - conn->in->data);
      if (memchr (conn->in->data, '\0', head_len) != NULL)
        {
          http_respond_error (conn, 400, "Bad Request");
          return;
        }
      conn->in->data[head_len] = '\0';
      if (!http_answer (conn, (char *) conn->in->data))
        return;
      g_byte_array_remove_range (conn->in, 0, (guint) (head_len + terminator));
    }
}

static void
on_conn_received (WbTcpSocket  *socket,
                  const guint8 *data,
                  gsize         len,
                  gpointer      user_data)
{
  Conn *conn = user_data;

  switch (conn->service->kind)
    {
    case WB_GUEST_SERVICE_SSH:
      /* Whatever the client says is read and forgotten. */
      if (len == 0)
        conn_close_when_sent (conn);
      break;

    case WB_GUEST_SERVICE_HTTP:
      http_service_received (conn, data, len);
      break;

    case WB_GUEST_SERVICE_ECHO:
      if (len == 0)
        conn_close_when_sent (conn);
      else
        conn_write (conn, data, len);
      break;
    }
}

static void
on_conn_writable (WbTcpSocket *socket,
                  gpointer     user_data)
{
  conn_flush (user_data);
}

static void
on_conn_closed (WbTcpSocket  *socket,
                const GError *error,
                gpointer      user_data)
{
  conn_free (user_data);
}

static const WbTcpCallbacks conn_callbacks = {
  .received = on_conn_received,
  .writable = on_conn_writable,
  .closed = on_conn_closed,
};

static void
on_service_accept (WbTcpSocket *socket,
                   gpointer     user_data)
{
  Service *service = user_data;
  Conn *conn = g_new0 (Conn, 1);
  guint session_ms = 0;

  conn->link.data = conn;
  conn->service = service;
  conn->socket = socket;
  g_queue_push_tail_link (&service->conns, &conn->link);
  wb_tcp_socket_set_callbacks (socket, &conn_callbacks, conn);

  switch (service->kind)
    {
    case WB_GUEST_SERVICE_SSH:
      {
        g_autofree char *banner = g_strdup_printf ("SSH-2.0-Wirebox_guest %s\r\n",
                                                   _wb_guest_get_name (service->guest));

        session_ms = SSH_SESSION_MS;
        conn_write (conn, (const guint8 *) banner, strlen (banner));
      }
      break;
    case WB_GUEST_SERVICE_HTTP:
      session_ms = HTTP_SESSION_MS;
      break;
    case WB_GUEST_SERVICE_ECHO:
      break;
    }
  if (session_ms > 0)
    conn->timer = _wb_guest_timeout_new (service->guest, session_ms, conn_timeout_cb, conn);
}

static void
service_free (gpointer data)
{
  Service *service = data;
  GList *link;

  while ((link = g_queue_peek_head_link (&service->conns)) != NULL)
    conn_abort (link->data);
  g_free (service);
}

gboolean
_wb_guest_apps_start_service (WbGuest            *guest,
                              guint16             port,
                              WbGuestServiceKind  kind,
                              GError            **error)
{
  Service *service;

  g_return_val_if_fail (guest != NULL, FALSE);

  if (port == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "A service needs a port from 1 to 65535");
      return FALSE;
    }
  if (kind != WB_GUEST_SERVICE_SSH && kind != WB_GUEST_SERVICE_HTTP
      && kind != WB_GUEST_SERVICE_ECHO)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Unknown service kind %d", kind);
      return FALSE;
    }
  service = g_new0 (Service, 1);
  service->guest = guest;
  service->port = port;
  service->kind = kind;
  /* On failure the listener was not made, and the service is ours to free. */
  if (!wb_tcp_listen_full (guest, port, on_service_accept, service, service_free, error))
    {
      g_free (service);
      return FALSE;
    }
  return TRUE;
}

void
_wb_guest_apps_stop_service (WbGuest *guest,
                             guint16  port)
{
  g_return_if_fail (guest != NULL);

  /* Only services listen on a guest's own ports; port 0 (every port) is
   * never one. */
  if (port != 0)
    wb_tcp_unlisten (guest, port);
}

/* --- commands: a client connection -------------------------------------------------- */

typedef struct _Client Client;

typedef struct
{
  const char *name;
  guint       wait_ms;         /* for the answer, once connected */
  void      (*connected) (Client       *client);
  /* @len 0: the server closed its side. */
  void      (*received)  (Client       *client,
                          const guint8 *data,
                          gsize         len);
  void      (*timed_out) (Client       *client);
} ClientClass;

typedef enum
{
  HTTP_HEAD,
  HTTP_BODY_LENGTH,
  HTTP_BODY_CLOSE,
  HTTP_CHUNK_SIZE,
  HTTP_CHUNK_DATA,
  HTTP_CHUNK_END,
  HTTP_TRAILER,
  HTTP_DONE,
} HttpState;

struct _Client
{
  const ClientClass *klass;
  WbGuest           *guest;
  GTask             *task;         /* NULL once answered */
  guint32            address;
  guint16            port;
  WbTcpSocket       *socket;       /* NULL once closed */
  GSource           *timer;
  GSource           *cancel_source;
  gboolean           connected;
  GString           *buf;          /* tcp: the line so far; http: the request, then lines */
  /* http */
  HttpState          http_state;
  guint              http_status;
  guint64            http_remaining;
  GString           *body;
};

static void
client_set_timer (Client *client,
                  guint   ms);

static void
client_clear_cancel_source (Client *client)
{
  if (client->cancel_source != NULL)
    {
      g_source_destroy (client->cancel_source);
      g_clear_pointer (&client->cancel_source, g_source_unref);
    }
}

static void
client_free (Client *client)
{
  if (client->timer != NULL)
    {
      g_source_destroy (client->timer);
      g_source_unref (client->timer);
    }
  client_clear_cancel_source (client);
  if (client->socket != NULL)
    wb_tcp_abort (client->socket);
  g_clear_object (&client->task);
  if (client->buf != NULL)
    g_string_free (client->buf, TRUE);
  if (client->body != NULL)
    g_string_free (client->body, TRUE);
  g_free (client);
}

/* The command's result. The connection closes in order behind it, or is
 * aborted after a while. */
static void
client_return (Client  *client,
               int      status,
               GString *output)
{
  GTask *task = g_steal_pointer (&client->task);

  client_clear_cancel_source (client);
  _wb_guest_run_return (task, status, output);
  g_object_unref (task);
  if (client->socket == NULL)
    {
      client_free (client);
      return;
    }
  wb_tcp_shutdown (client->socket);
  client_set_timer (client, LINGER_MS);
}

static void
client_return_printf (Client     *client,
                      int         status,
                      const char *format,
                      ...) G_GNUC_PRINTF (3, 4);

static void
client_return_printf (Client     *client,
                      int         status,
                      const char *format,
                      ...)
{
  GString *output = g_string_new (NULL);
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (output, format, args);
  va_end (args);
  client_return (client, status, output);
}

static const char *
client_error_text (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_CONNECTION_REFUSED:
        return "Connection refused";
      case G_IO_ERROR_TIMED_OUT:
        return "Connection timed out";
      case G_IO_ERROR_HOST_UNREACHABLE:
        return "No route to host";
      case G_IO_ERROR_NETWORK_UNREACHABLE:
        return "Network is unreachable";
      default:
        break;
      }
  return error->message;
}

static void
client_fail (Client       *client,
             const GError *error)
{
  char address[16];

  wb_ipv4_format (client->address, address);
  if (client->connected)
    client_return_printf (client, 1, "%s: %s port %u: %s\n", client->klass->name,
                          address, client->port, client_error_text (error));
  else
    client_return_printf (client, 1, "%s: connect to %s port %u: %s\n", client->klass->name,
                          address, client->port, client_error_text (error));
}

static gboolean
client_timeout_cb (gpointer data)
{
  Client *client = data;

  g_clear_pointer (&client->timer, g_source_unref);
  if (client->task == NULL)
    client_free (client);            /* lingered long enough */
  else if (!client->connected)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "");

      client_fail (client, error);
    }
  else
    client->klass->timed_out (client);
  return G_SOURCE_REMOVE;
}

static void
client_set_timer (Client *client,
                  guint   ms)
{
  if (client->timer != NULL)
    {
      g_source_destroy (client->timer);
      g_source_unref (client->timer);
    }
  client->timer = _wb_guest_timeout_new (client->guest, ms, client_timeout_cb, client);
}

static gboolean
client_cancelled_cb (GCancellable *cancellable,
                     gpointer      data)
{
  Client *client = data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 "Operation was cancelled");

  /* The task reports the cancellation itself; this only ends the work. */
  client_fail (client, error);
  return G_SOURCE_REMOVE;
}

static void
on_client_connected (WbTcpSocket *socket,
                     gpointer     user_data)
{
  Client *client = user_data;

  client->connected = TRUE;
  client_set_timer (client, client->klass->wait_ms);
  if (client->klass->connected != NULL)
    client->klass->connected (client);
}

static void
on_client_received (WbTcpSocket  *socket,
                    const guint8 *data,
                    gsize         len,
                    gpointer      user_data)
{
  Client *client = user_data;

  /* After the result, what still comes is only read. */
  if (client->task != NULL)
    client->klass->received (client, data, len);
}

static void
on_client_closed (WbTcpSocket  *socket,
                  const GError *error,
                  gpointer      user_data)
{
  Client *client = user_data;

  client->socket = NULL;
  if (client->task == NULL)
    client_free (client);
  else if (error != NULL)
    client_fail (client, error);
  else
    client->klass->received (client, NULL, 0);   /* (already told) */
}

static const WbTcpCallbacks client_callbacks = {
  .connected = on_client_connected,
  .received = on_client_received,
  .closed = on_client_closed,
};

/* Connects; the result comes through the class's callbacks. */
static void
client_start (Client *client)
{
  g_autoptr(GError) error = NULL;

  client->socket = wb_tcp_connect (client->guest, client->address, client->port,
                                   &client_callbacks, client, &error);
  if (client->socket == NULL)
    {
      client_fail (client, error);
      return;
    }
  client_set_timer (client, CONNECT_TIMEOUT_MS);
}

static Client *
client_new (const ClientClass *klass,
            WbGuest           *guest,
            GTask             *task,
            guint32            address,
            guint16            port)
{
  Client *client = g_new0 (Client, 1);

  client->klass = klass;
  client->guest = guest;
  client->task = g_object_ref (task);
  client->address = address;
  client->port = port;
  client->buf = g_string_new (NULL);
  if (g_task_get_cancellable (task) != NULL)
    {
      /* Dispatched on the guest's context, whichever thread cancels. */
      client->cancel_source = g_cancellable_source_new (g_task_get_cancellable (task));
      g_source_set_callback (client->cancel_source, G_SOURCE_FUNC (client_cancelled_cb),
                             client, NULL);
      g_source_attach (client->cancel_source, _wb_guest_get_context (guest));
    }
  return client;
}

static gboolean
parse_port (const char *text,
            gsize       len,
            guint16    *port)
{
  guint64 value = 0;

  if (len == 0 || len > 5)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (guint64) (text[i] - '0');
    }
  if (value == 0 || value > G_MAXUINT16)
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

static void
run_usage (GTask      *task,
           const char *usage)
{
  _wb_guest_run_return (task, 2, g_string_new (usage));
}

/* Nothing (or not enough) came within the class's wait. */
static void
client_return_timeout (Client     *client,
                       const char *what)
{
  char address[16];

  wb_ipv4_format (client->address, address);
  client_return_printf (client, 1, "%s: %s port %u: no %s within %u s\n", client->klass->name,
                        address, client->port, what, client->klass->wait_ms / 1000);
}

/* --- the tcp command ------------------------------------------------------------------ */

static void
tcp_print_line (Client *client)
{
  GString *output = g_string_new_len (client->buf->str, (gssize) client->buf->len);

  if (output->len > 0 && output->str[output->len - 1] == '\r')
    g_string_truncate (output, output->len - 1);
  g_string_append_c (output, '\n');
  client_return (client, 0, output);
}

static void
tcp_received (Client       *client,
              const guint8 *data,
              gsize         len)
{
  const guint8 *nl;

  if (len == 0)
    {
      /* Closed before a whole line: what came is the line. */
      if (client->buf->len > 0)
        tcp_print_line (client);
      else
        client_return (client, 0, g_string_new (NULL));
      return;
    }
  nl = memchr (data, '\n', len);
  len = nl != NULL ? (gsize) (nl - data) : len;
  len = MIN (len, TCP_LINE_MAX - client->buf->len);
  g_string_append_len (client->buf, (const char *) data, (gssize) len);
  if (nl != NULL || client->buf->len >= TCP_LINE_MAX)
    tcp_print_line (client);
}

static void
tcp_timed_out (Client *client)
{
  if (client->buf->len > 0)
    {
      tcp_print_line (client);
      return;
    }
  client_return_timeout (client, "data");
}

static const ClientClass tcp_client_class = {
  .name = "tcp",
  .wait_ms = TCP_LINE_WAIT_MS,
  .received = tcp_received,
  .timed_out = tcp_timed_out,
};

void
_wb_guest_apps_run_tcp (WbGuest            *guest,
                        const char * const *argv,
                        GTask              *task)
{
  guint32 address;
  guint16 port;

  g_return_if_fail (guest != NULL);
  g_return_if_fail (argv != NULL);

  if (g_strv_length ((char **) argv) != 3)
    {
      run_usage (task, "usage: tcp HOST PORT\n");
      return;
    }
  if (!_wb_guest_parse_ipv4 (argv[1], &address))
    {
      run_usage (task, "tcp: HOST is an IPv4 address (A.B.C.D)\n");
      return;
    }
  if (!parse_port (argv[2], strlen (argv[2]), &port))
    {
      run_usage (task, "tcp: the port is a number from 1 to 65535\n");
      return;
    }
  client_start (client_new (&tcp_client_class, guest, task, address, port));
}

/* --- the http command ------------------------------------------------------------------ */

static gboolean
http_header_is (const char *line,
                const char *name,
                const char **value)
{
  gsize n = strlen (name);

  if (g_ascii_strncasecmp (line, name, n) != 0 || line[n] != ':')
    return FALSE;
  *value = line + n + 1;
  while (**value == ' ' || **value == '\t')
    (*value)++;
  return TRUE;
}

/* The status line and headers in client->buf. FALSE if they make no sense. */
static gboolean
http_parse_head (Client *client)
{
  g_auto(GStrv) lines = g_strsplit (client->buf->str, "\n", -1);
  gboolean chunked = FALSE;
  gboolean has_length = FALSE;
  guint64 length = 0;
  const char *s = lines[0];

  if (!g_str_has_prefix (s, "HTTP/1.") || !g_ascii_isdigit (s[7]) || s[8] != ' '
      || !g_ascii_isdigit (s[9]) || !g_ascii_isdigit (s[10]) || !g_ascii_isdigit (s[11])
      || (s[12] != ' ' && s[12] != '\r' && s[12] != '\0'))
    return FALSE;
  client->http_status = (guint) ((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));

  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *value;

      g_strchomp (lines[i]);
      if (http_header_is (lines[i], "Transfer-Encoding", &value))
        chunked = g_ascii_strcasecmp (value, "chunked") == 0
                  || g_str_has_suffix (value, "chunked");
      else if (http_header_is (lines[i], "Content-Length", &value))
        {
          char *end;

          if (!g_ascii_isdigit (*value))
            return FALSE;
          length = g_ascii_strtoull (value, &end, 10);
          if (*end != '\0')
            return FALSE;
          has_length = TRUE;
        }
    }

  if (client->http_status >= 100 && client->http_status < 200)
    client->http_state = HTTP_HEAD;          /* an interim response: the real one follows */
  else if (client->http_status == 204 || client->http_status == 304)
    client->http_state = HTTP_DONE;
  else if (chunked)
    client->http_state = HTTP_CHUNK_SIZE;
  else if (has_length)
    {
      client->http_remaining = length;
      client->http_state = length > 0 ? HTTP_BODY_LENGTH : HTTP_DONE;
    }
  else
    client->http_state = HTTP_BODY_CLOSE;
  if (has_length && length > HTTP_BODY_MAX)
    return FALSE;
  return TRUE;
}

/* One line of the chunked framing (without its "\n"). */
static gboolean
http_chunk_line (Client *client)
{
  char *line = client->buf->str;

  g_strchomp (line);
  switch (client->http_state)
    {
    case HTTP_CHUNK_SIZE:
      {
        char *end;
        guint64 size;

        if (!g_ascii_isxdigit (*line))
          return FALSE;
        size = g_ascii_strtoull (line, &end, 16);
        while (*end == ' ' || *end == '\t')
          end++;
        if ((*end != '\0' && *end != ';') || size > HTTP_BODY_MAX)
          return FALSE;
        client->http_remaining = size;
        client->http_state = size > 0 ? HTTP_CHUNK_DATA : HTTP_TRAILER;
      }
      return TRUE;
    case HTTP_CHUNK_END:
      client->http_state = HTTP_CHUNK_SIZE;
      return *line == '\0';
    case HTTP_TRAILER:
      if (*line == '\0')
        client->http_state = HTTP_DONE;
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

/* Feeds response bytes to the parser. FALSE on a malformed or too large
 * response. */
static gboolean
http_feed (Client       *client,
           const guint8 *data,
           gsize         len)
{
  while (len > 0 && client->http_state != HTTP_DONE)
    {
      gsize n;

      switch (client->http_state)
        {
        case HTTP_HEAD:
          {
            gsize old = client->buf->len;
            const char *end;

            n = MIN (len, HTTP_HEAD_MAX - old);
            g_string_append_len (client->buf, (const char *) data, (gssize) n);
            end = strstr (client->buf->str + (old > 3 ? old - 3 : 0), "\r\n\r\n");
            if (end == NULL)
              {
                if (client->buf->len >= HTTP_HEAD_MAX)
                  return FALSE;
                return TRUE;
              }
            n = (gsize) (end + 4 - client->buf->str) - old;
            g_string_truncate (client->buf, (gsize) (end - client->buf->str));
            if (strlen (client->buf->str) != client->buf->len || !http_parse_head (client))
              return FALSE;
            g_string_truncate (client->buf, 0);
          }
          break;

        case HTTP_BODY_LENGTH:
        case HTTP_CHUNK_DATA:
          n = (gsize) MIN ((guint64) len, client->http_remaining);
          g_string_append_len (client->body, (const char *) data, (gssize) n);
          client->http_remaining -= n;
          if (client->http_remaining == 0)
            client->http_state = client->http_state == HTTP_BODY_LENGTH ? HTTP_DONE
                                                                        : HTTP_CHUNK_END;
          break;

        case HTTP_BODY_CLOSE:
          n = len;
          g_string_append_len (client->body, (const char *) data, (gssize) n);
          break;

        case HTTP_CHUNK_SIZE:
        case HTTP_CHUNK_END:
        case HTTP_TRAILER:
          {
            const guint8 *nl = memchr (data, '\n', len);

            n = nl != NULL ? (gsize) (nl - data) + 1 : len;
            g_string_append_len (client->buf, (const char *) data,
                                 (gssize) (nl != NULL ? n - 1 : n));
            if (client->buf->len > HTTP_LINE_MAX)
              return FALSE;
            if (nl != NULL)
              {
                if (strlen (client->buf->str) != client->buf->len || !http_chunk_line (client))
                  return FALSE;
                g_string_truncate (client->buf, 0);
              }
          }
          break;

        default:
          g_assert_not_reached ();
        }
      if (client->body->len > HTTP_BODY_MAX)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static void
http_finish (Client *client)
{
  if (client->http_status >= 200 && client->http_status < 300)
    {
      GString *body = g_steal_pointer (&client->body);

      client->body = g_string_new (NULL);
      client_return (client, 0, body);
    }
  else
    client_return_printf (client, 1, "http: HTTP %u\n", client->http_status);
}

static void
http_connected (Client *client)
{
  /* A few hundred bytes: the send buffer takes them at once. */
  wb_tcp_send (client->socket, (const guint8 *) client->buf->str, client->buf->len);
  g_string_truncate (client->buf, 0);
}

static void
http_received (Client       *client,
               const guint8 *data,
               gsize         len)
{
  char address[16];

  if (len == 0 && client->http_state == HTTP_BODY_CLOSE)
    client->http_state = HTTP_DONE;
  if (len > 0 && !http_feed (client, data, len))
    {
      wb_ipv4_format (client->address, address);
      client_return_printf (client, 1, "http: %s port %u: malformed or too large response\n",
                            address, client->port);
      return;
    }
  if (client->http_state == HTTP_DONE)
    http_finish (client);
  else if (len == 0)
    {
      wb_ipv4_format (client->address, address);
      client_return_printf (client, 1,
                            "http: %s port %u: the connection closed before the response "
                            "was complete\n", address, client->port);
    }
}

static void
http_timed_out (Client *client)
{
  client_return_timeout (client, "complete response");
}

static const ClientClass http_client_class = {
  .name = "http",
  .wait_ms = HTTP_RESPONSE_MS,
  .connected = http_connected,
  .received = http_received,
  .timed_out = http_timed_out,
};

/* http://A.B.C.D[:PORT][/path]: no names, no user info. */
static gboolean
parse_url (const char  *url,
           guint32     *address,
           guint16     *port,
           char       **host,
           char       **path)
{
  g_autofree char *host_text = NULL;
  const char *p;
  const char *host_end;
  const char *path_start;

  if (g_ascii_strncasecmp (url, "http://", 7) != 0)
    return FALSE;
  p = url + 7;
  host_end = p + strcspn (p, ":/?#");
  host_text = g_strndup (p, (gsize) (host_end - p));
  if (!_wb_guest_parse_ipv4 (host_text, address))
    return FALSE;
  *port = 80;
  path_start = host_end;
  if (*host_end == ':')
    {
      const char *port_start = host_end + 1;
      gsize port_len = strcspn (port_start, "/?#");

      if (!parse_port (port_start, port_len, port))
        return FALSE;
      path_start = port_start + port_len;
    }
  /* The path (and query) go into the request line as they are; the
   * fragment stays here. */
  for (p = path_start; *p != '\0' && *p != '#'; p++)
    if (g_ascii_iscntrl (*p) || *p == ' ')
      return FALSE;
  if (*path_start == '/')
    *path = g_strndup (path_start, (gsize) (p - path_start));
  else
    *path = g_strdup_printf ("/%.*s", (int) (p - path_start), path_start);
  *host = *port == 80 ? g_strdup (host_text) : g_strdup_printf ("%s:%u", host_text, *port);
  return TRUE;
}

void
_wb_guest_apps_run_http (WbGuest            *guest,
                         const char * const *argv,
                         GTask              *task)
{
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  guint32 address;
  guint16 port;
  Client *client;

  g_return_if_fail (guest != NULL);
  g_return_if_fail (argv != NULL);

  if (g_strv_length ((char **) argv) != 2)
    {
      run_usage (task, "usage: http URL\n");
      return;
    }
  if (!parse_url (argv[1], &address, &port, &host, &path))
    {
      _wb_guest_run_return (task, 2,
                            g_string_new ("http: the URL must be http://A.B.C.D[:PORT][/PATH]\n"));
      return;
    }
  client = client_new (&http_client_class, guest, task, address, port);
  client->body = g_string_new (NULL);
  g_string_printf (client->buf,
                   "GET %s HTTP/1.1\r\n"
                   "Host: %s\r\n"
                   "User-Agent: Wirebox-guest\r\n"
                   "Accept: */*\r\n"
                   "Connection: close\r\n"
                   "\r\n",
                   path, host);
  client_start (client);
}
