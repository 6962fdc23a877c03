/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A cell's job (wb-matrix-private.h): it finds its target, follows the way
 * there (wb-matrix-walk.c) and either says why nothing is sent or tests for
 * real: probes from a VM's guest, from the host's stations (a host-only
 * interface's host endpoint, a bridged LAN's stations, a LAN of the
 * matrix's own) and real connections to the forwards on 127.0.0.1.
 */
#include "wb-matrix-private.h"

#include <string.h>

#include "wb-model.h"
#include "wb-net.h"
#include "wb-probe-private.h"
#include "wb-segment.h"

/* --- the matrix's own LAN ------------------------------------------------------- */

/* The matrix's own LAN, shared with the probes that run from it so that
 * it outlives them. */
struct _WbMatrixOwnLan
{
  gatomicrefcount  ref;
  WbSegment       *segment;
  WbLan           *lan;
};

static WbMatrixOwnLan *
own_lan_ref (WbMatrixOwnLan *own)
{
  g_atomic_ref_count_inc (&own->ref);
  return own;
}

void
_wb_matrix_own_lan_unref (WbMatrixOwnLan *own)
{
  if (!g_atomic_ref_count_dec (&own->ref))
    return;
  wb_lan_free (own->lan);
  wb_segment_free (own->segment);
  g_free (own);
}

static WbMatrixOwnLan *
matrix_own_lan (WbMatrix *self)
{
  if (self->own_lan == NULL)
    {
      WbMatrixOwnLan *own = g_new0 (WbMatrixOwnLan, 1);
      WbLanPlan plan;

      g_atomic_ref_count_init (&own->ref);
      wb_lan_plan (WB_LAN_FALLBACK_HOST, WB_LAN_FALLBACK_PREFIX, &plan);
      own->segment = wb_segment_new ("matrix:lan", WB_ETH_JUMBO_MTU,
                                     g_main_context_get_thread_default ());
      own->lan = wb_lan_new (own->segment, "matrix", &plan, NULL, NULL);
      self->own_lan = own;
    }
  return self->own_lan;
}

/* --- jobs --------------------------------------------------------------------- */

WbMatrixJob *
_wb_matrix_job_new (WbMatrix   *matrix,
                    const char *cell_id,
                    guint       serial)
{
  WbMatrixJob *job = g_new0 (WbMatrixJob, 1);

  job->matrix = g_object_ref (matrix);
  job->cell_id = g_strdup (cell_id);
  job->serial = serial;
  job->rules = g_ptr_array_new_with_free_func (g_free);
  job->through = g_ptr_array_new_with_free_func (g_free);
  return job;
}

void
_wb_matrix_job_free (WbMatrixJob *job)
{
  g_object_unref (job->matrix);
  g_free (job->cell_id);
  g_free (job->reason);
  g_free (job->path);
  g_free (job->target);
  g_free (job->detail);
  g_ptr_array_unref (job->rules);
  g_ptr_array_unref (job->through);
  g_free (job->forward_reason);
  g_free (job->forward_path);
  g_free (job->forward_target);
  g_clear_pointer (&job->own_lan, _wb_matrix_own_lan_unref);
  g_free (job);
}

/* One test of @job ended; the last one completes it. */
static void
job_test_done (WbMatrixJob *job)
{
  g_assert (job->pending > 0);
  if (--job->pending == 0)
    {
      _wb_matrix_cell_done (job->matrix, job);
      _wb_matrix_job_free (job);
    }
}

static void
job_set (WbMatrixJob *job,
         gboolean     reachable,
         const char  *reason,
         const char  *path,
         const char  *target,
         const char  *detail)
{
  job->reachable = reachable;
  g_free (job->reason);
  job->reason = g_strdup (reason);
  g_free (job->path);
  job->path = g_strdup (path);
  g_free (job->target);
  job->target = g_strdup (target);
  g_free (job->detail);
  job->detail = g_strdup (detail);
}

char *
_wb_matrix_target_text (guint32 address,
                        guint16 port)
{
  g_autofree char *text = wb_ipv4_to_string (address);

  if (port == 0)
    return g_steal_pointer (&text);
  return g_strdup_printf ("%s:%u", text, port);
}

typedef struct
{
  WbMatrixJob  *job;
  char *path;          /* the walk's, or NULL: the probe's */
} ProbeTest;

static void
probe_test_finish (ProbeTest     *test,
                   WbProbeResult *result,
                   GError        *error)
{
  WbMatrixJob *job = test->job;

  /* A station probe that reached it wins; otherwise the first answer
   * stays, a later one only if the job has none yet. */
  if (!job->reachable)
    {
      g_autofree char *target = NULL;
      g_autofree char *detail = NULL;
      const char *reason;

      if (result != NULL)
        {
          target = _wb_matrix_target_text (result->target, result->tcp_port);
          detail = wb_probe_result_describe (result);
          reason = result->reachable ? "" : wb_probe_outcome_to_string (result->reason);
          if (!result->reachable && job->host_alias
              && (result->reason == WB_PROBE_REFUSED || result->reason == WB_PROBE_TIMED_OUT))
            reason = "host loopback not reachable";
          if (result->reachable || job->reason == NULL)
            job_set (job, result->reachable, reason,
                     test->path != NULL ? test->path : result->path, target, detail);
        }
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        job->cancelled = TRUE;
      else if (job->reason == NULL)
        job_set (job, FALSE, error->message, test->path, "", error->message);
    }
  job_test_done (job);
  g_free (test->path);
  g_free (test);
}

static void
probe_runtime_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbProbeResult) probe = wb_probe_runtime_finish (WB_RUNTIME (source), result, &error);

  probe_test_finish (user_data, probe, error);
}

static void
probe_own_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbProbeResult) probe = wb_probe_finish (result, &error);

  probe_test_finish (user_data, probe, error);
}

/* A probe from a source of the runtime (a VM's UUID, "bridged:IFACE/ROLE",
 * "hostonly:IFACE/host"). */
static void
job_probe (WbMatrixJob *job,
           const char  *source,
           guint32      target,
           guint16      port,
           const char  *path)
{
  ProbeTest *test = g_new0 (ProbeTest, 1);

  test->job = job;
  test->path = g_strdup (path);
  job->pending++;
  wb_probe_runtime_async (job->matrix->runtime, source, target, port, 0,
                          job->matrix->cancellable, probe_runtime_cb, test);
}

/* A probe from a station of the matrix's own LAN ("peer", "host"). */
static void
job_probe_own (WbMatrixJob *job,
               const char  *role,
               guint32      target,
               guint16      port)
{
  ProbeTest *test;
  const char *labels[WB_GUEST_MAX_IFACES] = { NULL, };
  g_autofree char *label = g_strdup_printf ("%s of a LAN with no VM on it", role);
  WbLan *lan;
  guint32 next_hop = 0;
  guint iface = 0;
  gboolean local = FALSE;

  if (job->own_lan == NULL)
    job->own_lan = own_lan_ref (matrix_own_lan (job->matrix));
  lan = job->own_lan->lan;
  /* The station itself (the host's, which has only its LAN) may have no
   * route: nothing would be sent. */
  if (!_wb_probe_guest_route (wb_lan_get_station (lan, role), target, &iface, &next_hop, &local))
    {
      g_autofree char *text = _wb_matrix_target_text (target, port);
      g_autofree char *path = g_strdup_printf ("%s: no route to %s", label, text);

      job_set (job, FALSE, "no route", path, text, "no route: not sent");
      return;
    }
  /* Its gateway has no route to the lab: read from its table, as the walk
   * does for a bridged LAN's gateway, rather than waited for. */
  if (next_hop != target && next_hop == wb_lan_get_plan (lan)->gateway
      && !_wb_matrix_lan_gateway_routes (lan, target))
    {
      g_autofree char *gateway = wb_ipv4_to_string (wb_lan_get_plan (lan)->gateway);
      g_autofree char *path = g_strdup_printf ("%s, gateway %s > LAN gateway: no route", label,
                                               gateway);
      g_autofree char *text = _wb_matrix_target_text (target, port);

      job_set (job, FALSE, "no route", path, text, "no route: not sent");
      return;
    }
  test = g_new0 (ProbeTest, 1);
  labels[0] = label;
  test->job = job;
  job->pending++;
  wb_probe_async (wb_lan_get_station (lan, role), labels, target, port, 0,
                  job->matrix->cancellable, probe_own_cb, test);
}

/* --- forwards: real connections to 127.0.0.1 ---------------------------------------- */

typedef struct
{
  WbMatrixJob           *job;
  char          *rule_text;
  char          *path;
  char          *target;
  GSocketClient *client;
  GCancellable  *cancellable;
  GCancellable  *outer;          /* the matrix's, when the test started */
  gulong         cancel_id;
  GSource       *deadline;
  GIOStream     *connection;
  gboolean       timed_out;
  guint8         byte;
} ForwardTest;

static void
forward_cancel_cb (GCancellable *outer,
                   GCancellable *inner)
{
  g_cancellable_cancel (inner);
}

static gboolean
forward_deadline_cb (gpointer user_data)
{
  ForwardTest *test = user_data;

  test->timed_out = TRUE;
  g_cancellable_cancel (test->cancellable);
  return G_SOURCE_REMOVE;
}

static void
forward_test_finish (ForwardTest *test,
                     const char  *failure,
                     const char  *detail)
{
  WbMatrixJob *job = test->job;

  if (failure == NULL)
    g_ptr_array_add (job->rules, g_strdup (test->rule_text));
  if (failure == NULL && job->forward_path == NULL)
    {
      job->forward_path = g_strdup (test->path);
      job->forward_target = g_strdup (test->target);
    }
  else if (failure != NULL && job->forward_reason == NULL)
    {
      job->forward_reason = g_strdup (failure);
      if (job->forward_path == NULL)
        {
          job->forward_path = g_strdup (test->path);
          job->forward_target = g_strdup (test->target);
        }
    }
  if (detail != NULL && job->detail == NULL)
    job->detail = g_strdup (detail);

  g_cancellable_disconnect (test->outer, test->cancel_id);
  g_clear_object (&test->outer);
  if (test->deadline != NULL)
    {
      g_source_destroy (test->deadline);
      g_source_unref (test->deadline);
    }
  if (test->connection != NULL)
    g_io_stream_close (test->connection, NULL, NULL);
  g_clear_object (&test->connection);
  g_clear_object (&test->client);
  g_clear_object (&test->cancellable);
  g_free (test->rule_text);
  g_free (test->path);
  g_free (test->target);
  g_free (test);
  job_test_done (job);
}

static const char *
forward_failure (ForwardTest *test,
                 GError      *error)
{
  if (test->timed_out)
    return "timed out";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    return "refused";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      test->job->cancelled = TRUE;
      return "cancelled";
    }
  return "refused";
}

static void
forward_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ForwardTest *test = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n > 0)
    forward_test_finish (test, NULL, "forward answered");
  else if (n == 0)
    forward_test_finish (test, "refused", "the forward closed the connection first");
  else
    forward_test_finish (test, forward_failure (test, error), error->message);
}

static void
forward_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ForwardTest *test = user_data;
  g_autoptr(GError) error = NULL;

  /* An answer may already wait even when the write failed (a banner, then
   * the close): read in any case. */
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  g_input_stream_read_async (g_io_stream_get_input_stream (test->connection), &test->byte, 1,
                             G_PRIORITY_DEFAULT, test->cancellable, forward_read_cb, test);
}

static void
forward_connected_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  static const char request[] = "GET / HTTP/1.0\r\n\r\n";
  ForwardTest *test = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source),
                                                                   result, &error);

  if (connection == NULL)
    {
      forward_test_finish (test, forward_failure (test, error), error->message);
      return;
    }
  test->connection = G_IO_STREAM (connection);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (test->connection), request,
                                   strlen (request), G_PRIORITY_DEFAULT, test->cancellable,
                                   forward_written_cb, test);
}

/* Connects for real to @address:@port (a loopback address), sends an HTTP
 * request and waits for any byte. */
static void
job_connect_forward (WbMatrixJob *job,
                     guint32      address,
                     guint16      port,
                     const char  *rule_text,
                     const char  *path)
{
  ForwardTest *test;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  guint8 bytes[4] = { address >> 24, address >> 16, address >> 8, address };

  /* Only the host's loopback, whatever the caller says. */
  g_return_if_fail ((address >> 24) == 127);

  test = g_new0 (ForwardTest, 1);
  test->job = job;
  test->rule_text = g_strdup (rule_text);
  test->path = g_strdup (path);
  test->target = _wb_matrix_target_text (address, port);
  test->cancellable = g_cancellable_new ();
  test->outer = g_object_ref (job->matrix->cancellable);
  test->cancel_id = g_cancellable_connect (test->outer,
                                           G_CALLBACK (forward_cancel_cb),
                                           g_object_ref (test->cancellable), g_object_unref);
  test->deadline = g_timeout_source_new (WB_PROBE_DEFAULT_TIMEOUT_MS);
  g_source_set_callback (test->deadline, forward_deadline_cb, test, NULL);
  g_source_attach (test->deadline, g_main_context_get_thread_default ());
  test->client = g_socket_client_new ();
  inet = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV4);
  socket_address = g_inet_socket_address_new (inet, port);
  job->pending++;
  g_socket_client_connect_async (test->client, G_SOCKET_CONNECTABLE (socket_address),
                                 test->cancellable, forward_connected_cb, test);
}

/* --- the cells, by kind ---------------------------------------------------------- */

/* For a VM destination: TCP 22 when it serves it, else its first service
 * port, else 0 (ICMP only). */
static guint16
vm_probe_port (const WbVm *vm)
{
  if (vm->services == NULL || vm->services->len == 0)
    return 0;
  for (guint i = 0; i < vm->services->len; i++)
    if (g_array_index (vm->services, WbVmService, i).port == WB_PROBE_DEFAULT_TCP_PORT)
      return WB_PROBE_DEFAULT_TCP_PORT;
  return g_array_index (vm->services, WbVmService, 0).port;
}

static void
job_from_walk (WbMatrixJob  *job,
               const char   *source_uuid,
               guint32       target,
               guint16       port,
               WbMatrixWalk *way)
{
  g_autofree char *text = _wb_matrix_target_text (target, port);

  for (guint i = 0; i < way->through->len; i++)
    g_ptr_array_add (job->through, g_strdup (g_ptr_array_index (way->through, i)));
  if (!way->send)
    {
      job_set (job, FALSE, way->reason, way->path->str, text,
               way->no_route ? "no route: not sent" : "not sent");
      return;
    }
  job->host_alias = way->host_alias;
  job_probe (job, source_uuid, target, port, way->path->str);
}

static void
job_vm_to_vm (WbMatrixJob      *job,
              WbMatrixEndpoint *from,
              WbMatrixEndpoint *to)
{
  WbMatrix *self = job->matrix;
  const WbVm *dest = _wb_runtime_get_vm (self->runtime, to->uuid);
  guint32 target = _wb_matrix_vm_address_for (self->runtime, from->uuid, to->uuid);
  guint16 port = dest != NULL ? vm_probe_port (dest) : 0;
  g_autofree char *text = NULL;
  WbMatrixWalk way;

  if (dest == NULL || target == 0)
    {
      job_set (job, FALSE, "the destination has no IPv4 address", "", "", "not sent");
      return;
    }
  text = _wb_matrix_target_text (target, port);
  if (_wb_matrix_is_own_address (self->runtime, from->uuid, target))
    {
      g_autofree char *address = wb_ipv4_to_string (target);
      g_autofree char *reason =
        g_strdup_printf ("%s is also %s's own address: each NAT adapter is a network of "
                         "its own", address, from->name);

      job_set (job, FALSE, reason, "", text, "not sent");
      return;
    }
  _wb_matrix_walk (self->runtime, from->uuid, target, FALSE, &way);
  if (way.send && way.end_uuid != NULL && strcmp (way.end_uuid, to->uuid) != 0)
    {
      const WbVm *other = _wb_runtime_get_vm (self->runtime, way.end_uuid);
      g_autofree char *address = wb_ipv4_to_string (target);
      g_autofree char *reason =
        g_strdup_printf ("%s is %s's address on the way there, not %s's: each NAT adapter is "
                         "a network of its own", address, other != NULL ? other->name : "?",
                         to->name);

      _wb_matrix_walk_stop (&way, reason);
    }
  job_from_walk (job, from->uuid, target, port, &way);
  _wb_matrix_walk_clear (&way);
}

static void
job_vm_to_host (WbMatrixJob      *job,
                WbMatrixEndpoint *from)
{
  WbMatrix *self = job->matrix;
  g_autoptr(GPtrArray) through = g_ptr_array_new_with_free_func (g_free);
  guint32 target = 0;
  WbMatrixWalk way;

  if (!_wb_matrix_host_address (self->runtime, from->uuid, &target, through))
    {
      for (guint i = 0; i < through->len; i++)
        g_ptr_array_add (job->through, g_strdup (g_ptr_array_index (through, i)));
      job_set (job, FALSE, "no route", "no adapter or router with a way to the host", "",
               "no route: not sent");
      return;
    }
  _wb_matrix_walk (self->runtime, from->uuid, target, FALSE, &way);
  for (guint i = 0; i < through->len; i++)
    g_ptr_array_add (way.through, g_strdup (g_ptr_array_index (through, i)));
  job_from_walk (job, from->uuid, target, self->listener_port, &way);
  _wb_matrix_walk_clear (&way);
}

static void
job_vm_to_address (WbMatrixJob      *job,
                   WbMatrixEndpoint *from,
                   guint32           target,
                   guint16           port,
                   gboolean          may_leave)
{
  WbMatrixWalk way;

  _wb_matrix_walk (job->matrix->runtime, from->uuid, target, may_leave, &way);
  job_from_walk (job, from->uuid, target, port, &way);
  _wb_matrix_walk_clear (&way);
}

static char *
rule_text (const WbVm *vm,
           guint       slot,
           WbNatRule  *rule,
           const char *natnet)
{
  if (natnet != NULL)
    return g_strdup_printf ("NAT network '%s' '%s': tcp %s:%u -> %s:%u", natnet, rule->name,
                            rule->host_ip, rule->host_port, rule->guest_ip, rule->guest_port);
  return g_strdup_printf ("%s adapter %u '%s': tcp %s:%u -> %s:%u", vm->name, slot, rule->name,
                          rule->host_ip, rule->host_port, rule->guest_ip, rule->guest_port);
}

/* The forwards that lead to VM @dest, tried for real. @from_lan: only those
 * that listen on every interface reach it from the LAN. Returns how many
 * forwards lead there (tried or not). */
static guint
job_forwards (WbMatrixJob *job,
              const WbVm  *dest,
              gboolean     from_lan)
{
  WbMatrix *self = job->matrix;
  WbGuest *guest = _wb_runtime_get_guest (self->runtime, dest->uuid);
  guint n = 0;

  for (guint slot = 1; guest != NULL && slot <= WB_MAX_ADAPTERS; slot++)
    {
      const WbAdapter *adapter = &dest->adapters[slot - 1];
      guint32 own = wb_guest_get_address (guest, slot - 1, NULL);
      WbRuntimeNetwork network;
      GPtrArray *rules;
      const char *natnet = NULL;

      if (!_wb_runtime_get_adapter_network (self->runtime, dest->uuid, slot, &network)
          || network.slirp == NULL)
        continue;
      if (network.natnet != NULL)
        {
          rules = network.natnet->rules;
          natnet = network.natnet->name;
        }
      else
        rules = adapter->nat_rules;
      for (guint i = 0; rules != NULL && i < rules->len; i++)
        {
          WbNatRule *rule = g_ptr_array_index (rules, i);
          g_autofree char *text = NULL;
          g_autofree char *path = NULL;
          const char *error;
          guint32 host = 0;
          guint32 guest_ip = 0;

          if (rule->proto != WB_PROTO_TCP)
            continue;
          if (natnet != NULL && (!wb_ipv4_parse (rule->guest_ip, &guest_ip, NULL)
                                 || guest_ip != own))
            continue;
          if (natnet == NULL && rule->guest_ip[0] != '\0'
              && (!wb_ipv4_parse (rule->guest_ip, &guest_ip, NULL) || guest_ip != own))
            continue;
          n++;
          text = rule_text (dest, slot, rule, natnet);
          if (rule->host_ip[0] != '\0' && !wb_ipv4_parse (rule->host_ip, &host, NULL))
            continue;
          if (from_lan && host != 0)
            {
              if (job->forward_reason == NULL)
                job->forward_reason = g_strdup ((host >> 24) == 127
                                                ? "the forward listens on loopback only"
                                                : "the forward listens on one address only; "
                                                  "not probed");
              continue;
            }
          if (host != 0 && (host >> 24) != 127)
            {
              if (job->forward_reason == NULL)
                job->forward_reason = g_strdup_printf ("the forward listens on %s, not a "
                                                       "loopback address; not probed",
                                                       rule->host_ip);
              continue;
            }
          error = wb_slirp_get_rule_error (network.slirp, rule->name);
          if (error != NULL)
            {
              if (job->forward_reason == NULL)
                job->forward_reason = g_strdup_printf ("the forward is not bound: %s", error);
              continue;
            }
          path = g_strdup_printf ("forward '%s' 127.0.0.1:%u%s > %s adapter %u:%u", rule->name,
                                  rule->host_port,
                                  from_lan ? " (standing in for the host's LAN address)" : "",
                                  dest->name, slot, rule->guest_port);
          job_connect_forward (job, host != 0 ? host : 0x7f000001u, rule->host_port, text,
                               path);
        }
    }
  return n;
}

static void
job_to_vm (WbMatrixJob      *job,
           WbMatrixEndpoint *from,
           WbMatrixEndpoint *to)
{
  WbMatrix *self = job->matrix;
  gboolean lan = from->kind == WB_MATRIX_ENDPOINT_LAN;
  const WbVm *dest = _wb_runtime_get_vm (self->runtime, to->uuid);
  WbGuest *guest = _wb_runtime_get_guest (self->runtime, to->uuid);
  gboolean facing = FALSE;
  gboolean nat = FALSE;
  guint16 port;

  if (dest == NULL || guest == NULL)
    {
      job_set (job, FALSE, "not running", "", "", "not sent");
      return;
    }
  port = vm_probe_port (dest);
  for (guint slot = 1; slot <= WB_MAX_ADAPTERS; slot++)
    {
      guint32 own = wb_guest_get_address (guest, slot - 1, NULL);
      WbRuntimeNetwork network;
      g_autofree char *source = NULL;
      g_autofree char *path = NULL;
      const char *name;

      if (!_wb_runtime_get_adapter_network (self->runtime, dest->uuid, slot, &network))
        continue;
      _wb_probe_adapter_attachment (&dest->adapters[slot - 1], &name);
      if (network.slirp != NULL)
        facing = nat = TRUE;
      if (network.lan != NULL)
        {
          facing = TRUE;
          source = g_strdup_printf ("bridged:%s/%s", name, lan ? "peer" : "host");
          path = g_strdup_printf ("LAN %s, bridged interface '%s' > %s adapter %u",
                                  lan ? "peer" : "host", name, dest->name, slot);
        }
      else if (network.host != NULL && !lan)
        {
          facing = TRUE;
          source = g_strdup_printf ("hostonly:%s/host", name);
          path = g_strdup_printf ("host endpoint, host-only interface '%s' > %s adapter %u",
                                  name, dest->name, slot);
        }
      if (source == NULL)
        continue;
      if (own == 0)
        {
          if (job->reason == NULL)
            job_set (job, FALSE, "the destination has no IPv4 address there", path, "",
                     "not sent");
          continue;
        }
      job_probe (job, source, own, port, path);
    }
  if (job_forwards (job, dest, lan) == 0 && nat && job->forward_reason == NULL)
    job->forward_reason = g_strdup ("no forward");
  if (!facing)
    {
      guint32 target = _wb_matrix_vm_address_for (self->runtime, NULL, to->uuid);

      if (target != 0)
        job_probe_own (job, lan ? "peer" : "host", target, port);
      else
        job_set (job, FALSE, "no route", "", "", "the destination has no IPv4 address");
    }
}

void
_wb_matrix_job_start (WbMatrixJob      *job,
                      WbMatrixEndpoint *from,
                      WbMatrixEndpoint *to)
{
  WbMatrix *self = job->matrix;

  job->pending++;      /* the start itself, so that no test completes the job early */
  if (from == NULL || to == NULL)
    job_set (job, FALSE, "the endpoint is gone", "", "", "not sent");
  else if (from->kind == WB_MATRIX_ENDPOINT_VM && to->kind == WB_MATRIX_ENDPOINT_VM)
    job_vm_to_vm (job, from, to);
  else if (from->kind == WB_MATRIX_ENDPOINT_VM && to->kind == WB_MATRIX_ENDPOINT_HOST)
    job_vm_to_host (job, from);
  else if (from->kind == WB_MATRIX_ENDPOINT_VM && to->kind == WB_MATRIX_ENDPOINT_LAN)
    job_vm_to_address (job, from, WB_LAN_OUTSIDE_ADDRESS, WB_PROBE_DEFAULT_TCP_PORT, FALSE);
  else if (from->kind == WB_MATRIX_ENDPOINT_VM && to->kind == WB_MATRIX_ENDPOINT_OUTSIDE)
    /* The user named this target: the one probe that may leave the
     * machine (DESIGN.md §7). */
    job_vm_to_address (job, from, self->outside, self->outside_port, TRUE);
  else if (to->kind == WB_MATRIX_ENDPOINT_VM)
    job_to_vm (job, from, to);
  else
    job_set (job, FALSE, "not a pair", "", "", "not sent");
  job_test_done (job);
}
