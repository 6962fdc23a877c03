/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Probes from inside an endpoint (wb-probe.h). The probe is a guest's own
 * echo and TCP socket; it looks into the guest's routing table and ARP
 * cache (wb-guest-internal.h) only to say why nothing came back.
 */
#include "wb-probe-private.h"

#include "wb-error.h"
#include "wb-guest-internal.h"
#include "wb-net.h"
#include "wb-tcp.h"

struct _WbProbeRun
{
  GTask          *task;           /* NULL once completed */
  WbGuest        *guest;          /* NULL once the source is gone */
  char           *labels[WB_GUEST_MAX_IFACES];
  guint32         target;
  guint16         tcp_port;
  guint           timeout_ms;
  guint16         echo_id;
  gboolean        echo_watched;
  guint           echoes_sent;
  gulong          error_watch;    /* ICMP errors; 0: none */
  WbRoute         route;
  WbTcpSocket    *socket;
  GSource        *retry;
  GSource        *deadline;
  GSource        *cancel_source;
  WbProbeResult  *result;
  /* wb-probe-runtime.c: how it notices the source stopping. */
  gpointer        instance;
  gulong          handler;
  gpointer        data;
  GDestroyNotify  data_free;
};

typedef WbProbeRun Probe;

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

void
wb_probe_result_free (WbProbeResult *result)
{
  if (result == NULL)
    return;
  g_free (result->path);
  g_free (result);
}

const char *
wb_probe_outcome_to_string (WbProbeOutcome outcome)
{
  switch (outcome)
    {
    case WB_PROBE_OK:
      return "ok";
    case WB_PROBE_REFUSED:
      return "refused";
    case WB_PROBE_TIMED_OUT:
      return "timed out";
    case WB_PROBE_NO_ROUTE:
      return "no route";
    case WB_PROBE_NO_ARP:
      return "no ARP answer";
    case WB_PROBE_NOT_RUN:
    default:
      return "not run";
    }
}

static const char *
unreachable_to_string (guint8 code)
{
  switch (code)
    {
    case WB_ICMP_CODE_NET_UNREACHABLE:
      return "net unreachable";
    case WB_ICMP_CODE_HOST_UNREACHABLE:
      return "host unreachable";
    case WB_ICMP_CODE_PROTOCOL_UNREACHABLE:
      return "protocol unreachable";
    case WB_ICMP_CODE_PORT_UNREACHABLE:
      return "port unreachable";
    case 6:
      return "net unknown";
    case 7:
      return "host unknown";
    case 9:
    case 10:
    case 13:
      return "administratively prohibited";
    default:
      return "unreachable";
    }
}

char *
wb_probe_result_describe (const WbProbeResult *result)
{
  g_autoptr(GString) tests = g_string_new (NULL);

  g_string_append_printf (tests, "icmp %s", wb_probe_outcome_to_string (result->icmp));
  if (result->tcp_port != 0)
    g_string_append_printf (tests, ", tcp %u %s", result->tcp_port,
                            wb_probe_outcome_to_string (result->tcp));
  if (result->unreachable_from != 0)
    {
      char from[16];

      wb_ipv4_format (result->unreachable_from, from);
      g_string_append_printf (tests, "; %s from %s",
                              unreachable_to_string (result->unreachable_code), from);
    }
  if (result->reachable)
    return g_strdup_printf ("reachable (%s)", tests->str);
  return g_strdup_printf ("unreachable: %s (%s)",
                          wb_probe_outcome_to_string (result->reason), tests->str);
}

static void
probe_free (Probe *probe)
{
  g_assert (probe->task == NULL);
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    g_free (probe->labels[i]);
  wb_probe_result_free (probe->result);
  if (probe->data_free != NULL)
    probe->data_free (probe->data);
  g_free (probe);
}

/* Ends the probe: nothing of it stays in the guest, then the task returns
 * (the result, or @error). */
static void
probe_complete (Probe  *probe,
                GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&probe->task);

  destroy_source (&probe->retry);
  destroy_source (&probe->deadline);
  destroy_source (&probe->cancel_source);
  if (probe->handler != 0)
    g_clear_signal_handler (&probe->handler, probe->instance);
  g_clear_object (&probe->instance);
  if (probe->guest != NULL)
    {
      if (probe->echo_watched)
        _wb_guest_icmp_unwatch (probe->guest, probe->echo_id);
      if (probe->error_watch != 0)
        _wb_guest_icmp_error_unwatch (probe->guest, probe->error_watch);
      if (probe->socket != NULL)
        wb_tcp_abort (probe->socket);
    }
  probe->echo_watched = FALSE;
  probe->error_watch = 0;
  probe->socket = NULL;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&probe->result),
                           (GDestroyNotify) wb_probe_result_free);
  probe_free (probe);
}

static WbProbeOutcome
most_specific (WbProbeOutcome a,
               WbProbeOutcome b)
{
  static const WbProbeOutcome order[] = {
    WB_PROBE_NO_ROUTE, WB_PROBE_NO_ARP, WB_PROBE_REFUSED, WB_PROBE_TIMED_OUT,
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (a == order[i] || b == order[i])
      return order[i];
  return WB_PROBE_TIMED_OUT;
}

static void
probe_check_done (Probe *probe)
{
  WbProbeResult *result = probe->result;

  if (result->icmp == WB_PROBE_NOT_RUN
      || (probe->tcp_port != 0 && result->tcp == WB_PROBE_NOT_RUN))
    return;
  result->reachable = probe->tcp_port != 0 ? result->tcp == WB_PROBE_OK
                                           : result->icmp == WB_PROBE_OK;
  if (result->reachable)
    result->reason = WB_PROBE_OK;
  else if (probe->tcp_port == 0)
    result->reason = result->icmp;
  else if (result->tcp == WB_PROBE_OK)
    result->reason = result->icmp;
  else if (result->icmp == WB_PROBE_OK)
    result->reason = result->tcp;
  else
    result->reason = most_specific (result->icmp, result->tcp);
  probe_complete (probe, NULL);
}

/* What silence means: the next hop never answered ARP, or the target
 * did not. */
static WbProbeOutcome
silence_reason (Probe *probe)
{
  guint64 key = (guint64) probe->route.iface << 32 | probe->route.next_hop;
  WbArpEntry *entry;

  if (probe->route.local)
    return WB_PROBE_TIMED_OUT;
  entry = g_hash_table_lookup (probe->guest->arp, &key);
  if (entry == NULL || entry->state == WB_ARP_INCOMPLETE)
    return WB_PROBE_NO_ARP;
  return WB_PROBE_TIMED_OUT;
}

static gboolean
deadline_cb (gpointer user_data)
{
  Probe *probe = user_data;
  WbProbeOutcome silence = silence_reason (probe);

  g_clear_pointer (&probe->deadline, g_source_unref);
  if (probe->result->icmp == WB_PROBE_NOT_RUN)
    probe->result->icmp = silence;
  if (probe->tcp_port != 0 && probe->result->tcp == WB_PROBE_NOT_RUN)
    probe->result->tcp = silence;
  probe_check_done (probe);
  return G_SOURCE_REMOVE;
}

static void
send_echo (Probe *probe)
{
  g_autoptr(GError) error = NULL;

  probe->echoes_sent++;
  if (!_wb_guest_icmp_echo (probe->guest, probe->target, probe->echo_id,
                            (guint16) probe->echoes_sent, 56, &error))
    g_debug ("probe: echo not sent: %s", error->message);
}

static gboolean
retry_cb (gpointer user_data)
{
  Probe *probe = user_data;

  g_clear_pointer (&probe->retry, g_source_unref);
  if (probe->result->icmp == WB_PROBE_NOT_RUN)
    send_echo (probe);
  return G_SOURCE_REMOVE;
}

static void
echo_reply_cb (WbGuest  *guest,
               guint32   from,
               guint16   id,
               guint16   seq,
               guint8    ttl,
               gsize     len,
               gpointer  user_data)
{
  Probe *probe = user_data;

  if (from != probe->target || probe->result->icmp != WB_PROBE_NOT_RUN)
    return;
  probe->result->icmp = WB_PROBE_OK;
  destroy_source (&probe->retry);
  probe_check_done (probe);
}

static void
tcp_connected_cb (WbTcpSocket *socket,
                  gpointer     user_data)
{
  Probe *probe = user_data;

  /* The handshake is the answer; RST rather than FIN so that no
   * connection lingers in the target. */
  wb_tcp_abort (socket);
  probe->socket = NULL;
  probe->result->tcp = WB_PROBE_OK;
  probe_check_done (probe);
}

static void
tcp_closed_cb (WbTcpSocket  *socket,
               const GError *error,
               gpointer      user_data)
{
  Probe *probe = user_data;

  probe->socket = NULL;
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The guest's stack is going away with the guest. */
      _wb_probe_run_source_gone (probe);
      return;
    }
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    probe->result->tcp = WB_PROBE_REFUSED;
  else if (error != NULL && (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
                             || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)))
    probe->result->tcp = WB_PROBE_NO_ROUTE;
  else if (error == NULL)
    probe->result->tcp = WB_PROBE_OK;   /* closed before we saw it connected */
  else
    probe->result->tcp = silence_reason (probe);
  probe_check_done (probe);
}

/* Is @error about our echo or our SYN? The quoted identifier and sequence,
 * or ports and address, must be ours. */
static gboolean
icmp_error_is_echo (Probe             *probe,
                    const WbIcmpError *error)
{
  guint16 seq;

  if (error->proto != WB_IP_PROTO_ICMP || error->data[0] != WB_ICMP_ECHO_REQUEST
      || wb_get_be16 (error->data + 4) != probe->echo_id)
    return FALSE;
  seq = wb_get_be16 (error->data + 6);
  return seq >= 1 && seq <= probe->echoes_sent;
}

static gboolean
icmp_error_is_syn (Probe             *probe,
                   const WbIcmpError *error)
{
  guint32 address;
  guint16 port;

  if (error->proto != WB_IP_PROTO_TCP || probe->socket == NULL)
    return FALSE;
  wb_tcp_get_local (probe->socket, &address, &port);
  return error->src == address && wb_get_be16 (error->data) == port
         && wb_get_be16 (error->data + 2) == probe->tcp_port;
}

/* Destination unreachable for one of our datagrams: the test ends at once
 * with what it says (soft errors to TCP, RFC 1122 4.2.3.9, but a probe
 * only needs the answer). */
static void
icmp_error_cb (WbGuest           *guest,
               const WbIcmpError *error,
               gpointer           user_data)
{
  Probe *probe = user_data;
  WbProbeResult *result = probe->result;
  WbProbeOutcome outcome;
  gboolean echo, syn;

  if (error->type != WB_ICMP_UNREACHABLE || error->dst != probe->target
      /* Path MTU, not reachability: our datagrams are small. */
      || error->code == WB_ICMP_CODE_FRAG_NEEDED)
    return;
  echo = result->icmp == WB_PROBE_NOT_RUN && icmp_error_is_echo (probe, error);
  syn = !echo && icmp_error_is_syn (probe, error);
  if (!echo && !syn)
    return;

  /* The target turned the datagram away (a port or protocol it does not
   * serve, or libslirp's host alias that may not relay to the host's
   * loopback), or a router on the way could not deliver it. */
  outcome = error->from == probe->target
            || error->code == WB_ICMP_CODE_PROTOCOL_UNREACHABLE
            || error->code == WB_ICMP_CODE_PORT_UNREACHABLE ? WB_PROBE_REFUSED : WB_PROBE_NO_ROUTE;
  if (result->unreachable_from == 0)
    {
      result->unreachable_from = error->from;
      result->unreachable_code = error->code;
    }
  if (echo)
    {
      result->icmp = outcome;
      destroy_source (&probe->retry);
    }
  else
    {
      wb_tcp_abort (probe->socket);
      probe->socket = NULL;
      result->tcp = outcome;
    }
  /* A router routes by destination alone: the other test's datagram
   * meets the same answer there. */
  if (outcome == WB_PROBE_NO_ROUTE && error->from != probe->target)
    {
      if (result->icmp == WB_PROBE_NOT_RUN)
        {
          result->icmp = outcome;
          destroy_source (&probe->retry);
        }
      if (probe->tcp_port != 0 && result->tcp == WB_PROBE_NOT_RUN)
        result->tcp = outcome;
    }
  probe_check_done (probe);
}

static const WbTcpCallbacks tcp_callbacks = {
  tcp_connected_cb,
  NULL,
  NULL,
  tcp_closed_cb,
};

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  Probe *probe = user_data;

  g_clear_pointer (&probe->cancel_source, g_source_unref);
  probe_complete (probe, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
probe_set_path (Probe *probe)
{
  WbProbeResult *result = probe->result;
  const char *label = probe->labels[probe->route.iface];
  g_autoptr(GString) path = g_string_new (NULL);

  result->iface = probe->route.iface;
  result->source_address = probe->route.src;
  if (probe->route.local)
    {
      result->path = g_strdup ("local (the source's own address)");
      return;
    }
  if (label != NULL)
    g_string_append (path, label);
  else
    g_string_append_printf (path, "interface %u", probe->route.iface);
  if (probe->route.next_hop != probe->target)
    {
      char text[16];

      result->gateway = probe->route.next_hop;
      wb_ipv4_format (probe->route.next_hop, text);
      g_string_append_printf (path, ", gateway %s", text);
    }
  result->path = g_string_free (g_steal_pointer (&path), FALSE);
}

static GSource *
timeout_new (Probe       *probe,
             guint        ms,
             GSourceFunc  func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, probe, NULL);
  g_source_attach (source, g_task_get_context (probe->task));
  return source;
}

void
_wb_probe_run_start (WbProbeRun   *probe,
                     GCancellable *cancellable)
{
  WbProbeResult *result = probe->result;
  g_autoptr(GError) error = NULL;

  if (g_cancellable_is_cancelled (cancellable))
    {
      probe->guest = NULL;
      probe_complete (probe, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  "Operation was cancelled"));
      return;
    }
  if (!_wb_guest_route_lookup (probe->guest, probe->target, &probe->route))
    {
      result->icmp = WB_PROBE_NO_ROUTE;
      result->tcp = probe->tcp_port != 0 ? WB_PROBE_NO_ROUTE : WB_PROBE_NOT_RUN;
      result->path = g_strdup ("no route in the source's routing table");
      probe_check_done (probe);
      return;
    }
  probe_set_path (probe);
  probe->error_watch = _wb_guest_icmp_error_watch (probe->guest, icmp_error_cb, probe);

  /* The same numbering as the ping command: below the masquerading range. */
  probe->echo_id = probe->guest->next_echo_id++;
  if (probe->guest->next_echo_id == 0 || probe->guest->next_echo_id >= WB_NAT_PORT_FIRST)
    probe->guest->next_echo_id = 1;
  _wb_guest_icmp_watch (probe->guest, probe->echo_id, echo_reply_cb, probe);
  probe->echo_watched = TRUE;
  send_echo (probe);
  probe->retry = timeout_new (probe, MAX (probe->timeout_ms / 2, 1), retry_cb);
  probe->deadline = timeout_new (probe, probe->timeout_ms, deadline_cb);
  if (cancellable != NULL)
    {
      probe->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (probe->cancel_source, (GSourceFunc) (void (*) (void)) cancelled_cb,
                             probe, NULL);
      g_source_attach (probe->cancel_source, g_task_get_context (probe->task));
    }

  if (probe->tcp_port != 0)
    {
      probe->socket = wb_tcp_connect (probe->guest, probe->target, probe->tcp_port,
                                      &tcp_callbacks, probe, &error);
      if (probe->socket == NULL)
        {
          g_debug ("probe: no connection: %s", error->message);
          result->tcp = WB_PROBE_NO_ROUTE;
        }
    }
}

WbProbeRun *
_wb_probe_run_new (WbGuest            *source,
                   const char * const *iface_labels,
                   guint32             target,
                   guint16             tcp_port,
                   guint               timeout_ms,
                   GTask              *task)
{
  Probe *probe = g_new0 (Probe, 1);

  probe->task = task;
  probe->guest = source;
  probe->target = target;
  probe->tcp_port = tcp_port;
  probe->timeout_ms = timeout_ms != 0 ? timeout_ms : WB_PROBE_DEFAULT_TIMEOUT_MS;
  for (guint i = 0; iface_labels != NULL && i < WB_GUEST_MAX_IFACES; i++)
    probe->labels[i] = g_strdup (iface_labels[i]);
  probe->result = g_new0 (WbProbeResult, 1);
  probe->result->target = target;
  probe->result->tcp_port = tcp_port;
  probe->result->iface = G_MAXUINT;
  return probe;
}

void
wb_probe_async (WbGuest             *source,
                const char * const  *iface_labels,
                guint32              target,
                guint16              tcp_port,
                guint                timeout_ms,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (source != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_probe_async);
  _wb_probe_run_start (_wb_probe_run_new (source, iface_labels, target, tcp_port,
                                         timeout_ms, task),
                       cancellable);
}

WbProbeResult *
wb_probe_finish (GAsyncResult  *result,
                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
_wb_probe_run_watch (WbProbeRun     *probe,
                     gpointer        instance,
                     gulong          handler,
                     gpointer        data,
                     GDestroyNotify  data_free)
{
  probe->instance = g_object_ref (instance);
  probe->handler = handler;
  probe->data = data;
  probe->data_free = data_free;
}

WbGuest *
_wb_probe_run_get_source (WbProbeRun *probe)
{
  return probe->guest;
}

void
_wb_probe_run_source_gone (WbProbeRun *probe)
{
  probe->guest = NULL;
  probe->socket = NULL;
  probe->echo_watched = FALSE;
  probe->error_watch = 0;
  probe_complete (probe, g_error_new_literal (WB_ERROR, WB_ERROR_BUSY,
                                              "The probe's source stopped"));
}

gboolean
_wb_probe_guest_route (WbGuest  *guest,
                       guint32   dst,
                       guint    *iface,
                       guint32  *next_hop,
                       gboolean *local)
{
  WbRoute route;

  if (!_wb_guest_route_lookup (guest, dst, &route))
    return FALSE;
  *iface = route.iface;
  *next_hop = route.next_hop;
  *local = route.local;
  return TRUE;
}

gboolean
_wb_probe_guest_default_route (WbGuest *guest,
                               guint   *iface,
                               guint32 *gateway)
{
  return _wb_guest_default_route (guest, iface, gateway);
}

gboolean
_wb_probe_guest_forwards (WbGuest *guest)
{
  return guest->ip_forward;
}
