/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The connectivity matrix (wb-matrix.h). Every cell is a job: it finds its
 * target, follows the way there hop by hop (walk()), and either says why
 * nothing is sent or probes for real. At most WB_MATRIX_MAX_IN_FLIGHT jobs
 * run at once. A cell's serial numbers its probes, so that an answer for a
 * cell probed again meanwhile is dropped.
 */
#include "wb-matrix.h"

#include <string.h>

#include "wb-error.h"
#include "wb-lan.h"
#include "wb-net.h"
#include "wb-probe-private.h"
#include "wb-runtime-private.h"
#include "wb-segment.h"
#include "wb-settings.h"

#define MAX_HOPS          8
#define DEBOUNCE_MS       100

typedef enum
{
  ENDPOINT_VM,
  ENDPOINT_HOST,
  ENDPOINT_LAN,
  ENDPOINT_OUTSIDE,
} EndpointKind;

typedef struct
{
  char         *id;
  EndpointKind  kind;
  char         *uuid;           /* VMs */
  char         *name;
} Endpoint;

typedef struct
{
  char      *id;
  char      *from;
  char      *to;
  char      *result;
  char      *reason;
  char      *path;
  char      *target;
  char      *detail;
  GPtrArray *rules;             /* char* */
  GPtrArray *through;           /* UUIDs of the VMs the way went through */
  guint      serial;
} Cell;

/* The matrix's own LAN (no VM on it), shared with the probes that run from
 * it so that it outlives them. */
typedef struct
{
  gatomicrefcount  ref;
  WbSegment       *segment;
  WbLan           *lan;
} OwnLan;

struct _WbMatrix
{
  GObject          parent_instance;

  WbRuntime       *runtime;
  guint32          outside;
  guint16          outside_port;
  guint            generation;
  gboolean         live;         /* after the first run */
  GPtrArray       *endpoints;    /* Endpoint*, display order */
  GHashTable      *cells;        /* id -> Cell* */
  guint            done;
  guint            total;
  GQueue           queue;        /* Job* not started */
  guint            in_flight;
  gboolean         pumping;
  GCancellable    *cancellable;
  GSocketService  *listener;
  guint16          listener_port;
  OwnLan          *own_lan;
  /* The batch: a run (tasks waiting) or a re-probe (ids to announce). */
  gboolean         batch_active;
  GPtrArray       *run_tasks;    /* GTask* */
  GPtrArray       *batch_ids;    /* char*, a re-probe's cells */
  GHashTable      *dirty;        /* UUIDs changed since the last re-probe */
  gboolean         dirty_all;
  GSource         *debounce;
  gulong           state_id;
  gulong           settings_id;
};

G_DEFINE_FINAL_TYPE (WbMatrix, wb_matrix, G_TYPE_OBJECT)

enum {
  SIGNAL_PROGRESS,
  SIGNAL_CELLS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- small things ------------------------------------------------------------ */

static void
endpoint_free (gpointer data)
{
  Endpoint *endpoint = data;

  g_free (endpoint->id);
  g_free (endpoint->uuid);
  g_free (endpoint->name);
  g_free (endpoint);
}

static Endpoint *
endpoint_new (EndpointKind  kind,
              const char   *id,
              const char   *uuid,
              const char   *name)
{
  Endpoint *endpoint = g_new0 (Endpoint, 1);

  endpoint->kind = kind;
  endpoint->id = g_strdup (id);
  endpoint->uuid = g_strdup (uuid);
  endpoint->name = g_strdup (name);
  return endpoint;
}

static void
cell_free (gpointer data)
{
  Cell *cell = data;

  g_free (cell->id);
  g_free (cell->from);
  g_free (cell->to);
  g_free (cell->result);
  g_free (cell->reason);
  g_free (cell->path);
  g_free (cell->target);
  g_free (cell->detail);
  g_ptr_array_unref (cell->rules);
  g_ptr_array_unref (cell->through);
  g_free (cell);
}

static void
cell_reset (Cell       *cell,
            const char *result)
{
  g_free (cell->result);
  cell->result = g_strdup (result);
  g_clear_pointer (&cell->reason, g_free);
  g_clear_pointer (&cell->path, g_free);
  g_clear_pointer (&cell->target, g_free);
  g_clear_pointer (&cell->detail, g_free);
  g_ptr_array_set_size (cell->rules, 0);
  g_ptr_array_set_size (cell->through, 0);
}

static Cell *
cell_new (const char *from,
          const char *to)
{
  Cell *cell = g_new0 (Cell, 1);

  cell->id = g_strdup_printf ("%s>%s", from, to);
  cell->from = g_strdup (from);
  cell->to = g_strdup (to);
  cell->rules = g_ptr_array_new_with_free_func (g_free);
  cell->through = g_ptr_array_new_with_free_func (g_free);
  cell_reset (cell, "pending");
  return cell;
}

static char *
format_ipv4 (guint32 address)
{
  char text[16];

  wb_ipv4_format (address, text);
  return g_strdup (text);
}

static OwnLan *
own_lan_ref (OwnLan *own)
{
  g_atomic_ref_count_inc (&own->ref);
  return own;
}

static void
own_lan_unref (OwnLan *own)
{
  if (!g_atomic_ref_count_dec (&own->ref))
    return;
  wb_lan_free (own->lan);
  wb_segment_free (own->segment);
  g_free (own);
}

static OwnLan *
matrix_own_lan (WbMatrix *self)
{
  if (self->own_lan == NULL)
    {
      OwnLan *own = g_new0 (OwnLan, 1);
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

/* --- what the running world looks like --------------------------------------- */

static const char *
mode_label (const WbAdapter *adapter,
            const char     **name)
{
  *name = NULL;
  switch (adapter->attachment)
    {
    case WB_ATTACHMENT_INTNET:
      *name = adapter->intnet;
      return "internal network";
    case WB_ATTACHMENT_HOSTONLY:
      *name = adapter->hostonly_adapter;
      return "host-only interface";
    case WB_ATTACHMENT_BRIDGED:
      *name = adapter->bridge_adapter;
      return "bridged interface";
    case WB_ATTACHMENT_NATNETWORK:
      *name = adapter->nat_network;
      return "NAT network";
    case WB_ATTACHMENT_NAT:
      return "NAT";
    case WB_ATTACHMENT_GENERIC:
      *name = adapter->generic_driver;
      return "generic driver";
    case WB_ATTACHMENT_NULL:
    case WB_N_ATTACHMENTS:
    default:
      return "not attached";
    }
}

static char *
adapter_label (const WbAdapter *adapter)
{
  const char *name;
  const char *what = mode_label (adapter, &name);

  if (name != NULL)
    return g_strdup_printf ("adapter %u, %s '%s'", adapter->slot, what, name);
  return g_strdup_printf ("adapter %u, %s", adapter->slot, what);
}

/* The running VM with address @address on network @key, or NULL. */
static const WbVm *
vm_at (WbMatrix   *self,
       const char *key,
       guint32     address,
       guint      *slot_out)
{
  g_autoptr(GVariant) running = wb_runtime_list_running (self->runtime);
  GVariantIter iter;
  const char *uuid;

  g_variant_iter_init (&iter, running);
  while (g_variant_iter_next (&iter, "(&s&s)", NULL, &uuid))
    {
      WbGuest *guest = _wb_runtime_get_guest (self->runtime, uuid);

      for (guint slot = 1; guest != NULL && slot <= WB_MAX_ADAPTERS; slot++)
        {
          WbRuntimeNetwork network;

          if (!_wb_runtime_get_adapter_network (self->runtime, uuid, slot, &network)
              || strcmp (network.key, key) != 0
              || wb_guest_get_address (guest, slot - 1, NULL) != address)
            continue;
          if (slot_out != NULL)
            *slot_out = slot;
          return _wb_runtime_get_vm (self->runtime, uuid);
        }
    }
  return NULL;
}

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

/* Where libslirp answers itself, without a real socket: its host alias
 * (the host's loopback) and, where the engine stands in for the Net/LAN,
 * 198.51.100.0/24. */
static gboolean
slirp_is_local (WbSlirp *slirp,
                guint32  address)
{
  return address == wb_slirp_get_config (slirp)->host || wb_slirp_is_local (slirp, address);
}

/* --- the walk ------------------------------------------------------------------- */

typedef struct
{
  gboolean   send;              /* the probe may go */
  gboolean   no_route;
  char      *reason;            /* when !send */
  GString   *path;
  GPtrArray *through;           /* UUIDs */
  char      *end_uuid;          /* the VM that holds the target, if one does */
  gboolean   host_alias;        /* ends at libslirp's host alias */
} Walk;

static void
walk_clear (Walk *walk)
{
  g_free (walk->reason);
  g_string_free (walk->path, TRUE);
  g_ptr_array_unref (walk->through);
  g_free (walk->end_uuid);
}

/* Whether the emulated LAN's gateway passes on what is sent to @target
 * beyond the LAN: it has a route, and a route to its uplink's libslirp is
 * taken only for what stays in the engine (wb-lan.h); the rest it answers
 * with "net unreachable" at once (and only so often), which is read here
 * rather than waited for. */
static gboolean
lan_gateway_routes (WbLan   *lan,
                    guint32  target)
{
  WbGuest *gateway = wb_lan_get_station (lan, "gateway");
  WbSlirp *uplink = wb_lan_get_uplink (lan);
  guint32 next_hop = 0;
  guint iface = 0;
  gboolean local = FALSE;

  if (gateway == NULL)
    return TRUE;
  if (!_wb_probe_guest_route (gateway, target, &iface, &next_hop, &local))
    return FALSE;
  return local || uplink == NULL || next_hop == target
         || next_hop != wb_slirp_get_config (uplink)->host
         || wb_slirp_is_local (uplink, target);
}

static void
walk_stop (Walk       *walk,
           const char *reason)
{
  walk->send = FALSE;
  g_free (walk->reason);
  walk->reason = g_strdup (reason);
}

/* Follows the way from VM @uuid to @target as the guests' routing tables
 * and the lab's routers lead it, without sending anything; says whether a
 * probe may go (never to libslirp for an address it would connect to for
 * real, never out of the engine) and what the way is. */
static void
walk (WbMatrix   *self,
      const char *uuid,
      guint32     target,
      Walk       *walk)
{
  g_autofree char *current = g_strdup (uuid);

  *walk = (Walk) {
    .send = TRUE,
    .path = g_string_new (NULL),
    .through = g_ptr_array_new_with_free_func (g_free),
  };

  for (guint hop = 0; hop <= MAX_HOPS; hop++)
    {
      const WbVm *vm = _wb_runtime_get_vm (self->runtime, current);
      WbGuest *guest = _wb_runtime_get_guest (self->runtime, current);
      g_autofree char *gateway_text = NULL;
      g_autofree char *label = NULL;
      WbRuntimeNetwork network;
      const WbVm *next;
      struct
      {
        guint    iface;
        guint32  next_hop;
        gboolean local;
      } route;

      if (vm == NULL || guest == NULL)
        {
          walk_stop (walk, "not running");
          return;
        }
      if (!_wb_probe_guest_route (guest, target, &route.iface, &route.next_hop, &route.local))
        {
          if (walk->path->len > 0)
            g_string_append_printf (walk->path, " > %s: no route", vm->name);
          walk_stop (walk, "no route");
          walk->no_route = TRUE;
          return;
        }
      if (route.local)
        {
          if (hop == 0)
            g_string_append (walk->path, "local (the source's own address)");
          walk->end_uuid = g_strdup (vm->uuid);
          return;
        }
      if (walk->path->len > 0)
        g_string_append (walk->path, " > ");
      label = route.iface < WB_MAX_ADAPTERS ? adapter_label (&vm->adapters[route.iface])
                                            : g_strdup_printf ("interface %u", route.iface);
      g_string_append (walk->path, label);
      if (route.next_hop != target)
        {
          gateway_text = format_ipv4 (route.next_hop);
          g_string_append_printf (walk->path, ", gateway %s", gateway_text);
        }
      if (!_wb_runtime_get_adapter_network (self->runtime, vm->uuid, route.iface + 1, &network))
        return;     /* on no network: nothing leaves, the probe says so */
      if (network.leaves)
        {
          walk_stop (walk, "the way leads out of this machine (a TAP device, a real interface "
                           "or a generic driver); not probed off the machine");
          return;
        }
      if (network.slirp != NULL
          && (route.next_hop == wb_slirp_get_config (network.slirp)->host
              || route.next_hop == wb_slirp_get_config (network.slirp)->nameserver))
        {
          const WbSlirpConfig *config = wb_slirp_get_config (network.slirp);

          if (route.next_hop != target)
            g_string_append (walk->path, " (NAT)");
          else
            g_string_append_printf (walk->path, ", %s %s",
                                    target == config->host ? "host alias" : "NAT's address",
                                    (gateway_text = format_ipv4 (target)));
          if (target == config->host)
            {
              walk->host_alias = TRUE;
              if (!config->host_loopback)
                walk_stop (walk, "host loopback not reachable");
            }
          else if (!slirp_is_local (network.slirp, target))
            walk_stop (walk, "the way leads out of this machine through NAT; "
                             "not probed off the machine");
          return;
        }
      /* The emulated LAN's gateway is a router of the engine's own: follow
       * its table as a VM router's. Where it has no route it answers
       * "net unreachable", which the probe does not heed: it would wait
       * for its time-out, one slot of the run held per such cell. */
      if (network.lan != NULL && route.next_hop != target
          && route.next_hop == wb_lan_get_plan (network.lan)->gateway)
        {
          if (!lan_gateway_routes (network.lan, target))
            {
              g_string_append (walk->path, " > LAN gateway: no route");
              walk_stop (walk, "no route");
              walk->no_route = TRUE;
            }
          return;
        }
      next = vm_at (self, network.key, route.next_hop, NULL);
      if (next == NULL)
        return;     /* an engine station, or nobody: the probe tells */
      if (route.next_hop == target)
        {
          walk->end_uuid = g_strdup (next->uuid);
          return;
        }
      g_string_append_printf (walk->path, " (%s)", next->name);
      g_ptr_array_add (walk->through, g_strdup (next->uuid));
      if (!_wb_probe_guest_forwards (_wb_runtime_get_guest (self->runtime, next->uuid)))
        return;     /* it drops what is not for it: the probe tells */
      g_free (current);
      current = g_strdup (next->uuid);
    }
  walk_stop (walk, "the way passes more than 8 routers; not probed");
}

/* The Host as VM @uuid's way out defines it (DESIGN.md §5): its own
 * adapter with a host, else the host of the router its default gateway
 * leads to, hop by hop. @through gets the routers. */
static gboolean
host_address (WbMatrix   *self,
              const char *uuid,
              guint32    *address,
              GPtrArray  *through)
{
  g_autofree char *current = g_strdup (uuid);

  for (guint hop = 0; hop <= MAX_HOPS; hop++)
    {
      const WbVm *vm = _wb_runtime_get_vm (self->runtime, current);
      WbGuest *guest = _wb_runtime_get_guest (self->runtime, current);
      WbRuntimeNetwork network;
      guint32 gateway = 0;
      guint iface = 0;
      const WbVm *next;

      if (vm == NULL || guest == NULL)
        return FALSE;
      for (guint slot = 1; slot <= WB_MAX_ADAPTERS; slot++)
        {
          guint prefix = 0;
          guint32 own = wb_guest_get_address (guest, slot - 1, &prefix);

          if (!_wb_runtime_get_adapter_network (self->runtime, vm->uuid, slot, &network))
            continue;
          if (network.host != NULL)
            {
              *address = wb_guest_get_address (wb_host_endpoint_get_guest (network.host), 0,
                                               NULL);
              return *address != 0;
            }
          if (network.lan != NULL)
            {
              *address = wb_lan_get_plan (network.lan)->host;
              return TRUE;
            }
          if (network.slirp != NULL && own != 0)
            {
              *address = wb_slirp_get_config (network.slirp)->host;
              return TRUE;
            }
        }
      if (!_wb_probe_guest_default_route (guest, &iface, &gateway)
          || !_wb_runtime_get_adapter_network (self->runtime, vm->uuid, iface + 1, &network))
        return FALSE;
      next = vm_at (self, network.key, gateway, NULL);
      if (next == NULL || !_wb_probe_guest_forwards (_wb_runtime_get_guest (self->runtime,
                                                                             next->uuid)))
        return FALSE;
      g_ptr_array_add (through, g_strdup (next->uuid));
      g_free (current);
      current = g_strdup (next->uuid);
    }
  return FALSE;
}

/* VM @dest's address as @source_uuid sees it: on a network they share,
 * else its first one; 0 if it has none. */
static guint32
vm_address_for (WbMatrix   *self,
                const char *source_uuid,
                const char *dest_uuid)
{
  WbGuest *guest = _wb_runtime_get_guest (self->runtime, dest_uuid);
  guint32 first = 0;

  if (guest == NULL)
    return 0;
  for (guint slot = 1; slot <= WB_MAX_ADAPTERS; slot++)
    {
      guint32 own = wb_guest_get_address (guest, slot - 1, NULL);
      WbRuntimeNetwork network;

      if (own == 0)
        continue;
      if (first == 0)
        first = own;
      if (source_uuid == NULL
          || !_wb_runtime_get_adapter_network (self->runtime, dest_uuid, slot, &network))
        continue;
      for (guint j = 1; j <= WB_MAX_ADAPTERS; j++)
        {
          WbRuntimeNetwork theirs;

          if (_wb_runtime_get_adapter_network (self->runtime, source_uuid, j, &theirs)
              && strcmp (theirs.key, network.key) == 0)
            return own;
        }
    }
  return first;
}

static gboolean
is_own_address (WbMatrix   *self,
                const char *uuid,
                guint32     address)
{
  WbGuest *guest = _wb_runtime_get_guest (self->runtime, uuid);

  for (guint i = 0; guest != NULL && i < WB_MAX_ADAPTERS; i++)
    if (wb_guest_get_address (guest, i, NULL) == address)
      return TRUE;
  return FALSE;
}

/* --- jobs --------------------------------------------------------------------- */

/* One cell being probed. A job may run several tests at once (the host's
 * stations and forwards); it completes when the last one has. */
typedef struct
{
  WbMatrix   *matrix;
  char       *cell_id;
  guint       serial;
  guint       pending;           /* tests running */
  gboolean    started;
  /* What the tests found. */
  gboolean    reachable;         /* "+" */
  char       *reason;
  char       *path;
  char       *target;
  char       *detail;
  GPtrArray  *rules;             /* forwards that answered */
  GPtrArray  *through;
  char       *forward_reason;    /* the first forward failure */
  char       *forward_path;
  char       *forward_target;
  OwnLan     *own_lan;
  gboolean    host_alias;
  gboolean    cancelled;
} Job;

static void matrix_pump (WbMatrix *self);
static void matrix_schedule (WbMatrix *self);
static void matrix_cell_done (WbMatrix *self,
                              Job      *job);

static void
job_free (Job *job)
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
  g_clear_pointer (&job->own_lan, own_lan_unref);
  g_free (job);
}

/* One test of @job ended; the last one completes it. */
static void
job_test_done (Job *job)
{
  g_assert (job->pending > 0);
  if (--job->pending == 0 && job->started)
    {
      matrix_cell_done (job->matrix, job);
      job_free (job);
    }
}

static void
job_set (Job        *job,
         gboolean    reachable,
         const char *reason,
         const char *path,
         const char *target,
         const char *detail)
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

static char *
target_text (guint32 address,
             guint16 port)
{
  g_autofree char *text = format_ipv4 (address);

  if (port == 0)
    return g_steal_pointer (&text);
  return g_strdup_printf ("%s:%u", text, port);
}

typedef struct
{
  Job  *job;
  char *path;          /* the walk's, or NULL: the probe's */
} ProbeTest;

static void
probe_test_finish (ProbeTest     *test,
                   WbProbeResult *result,
                   GError        *error)
{
  Job *job = test->job;

  /* A station probe that reached it wins; otherwise the first answer
   * stays, a later one only if the job has none yet. */
  if (!job->reachable)
    {
      g_autofree char *target = NULL;
      g_autofree char *detail = NULL;
      const char *reason;

      if (result != NULL)
        {
          target = target_text (result->target, result->tcp_port);
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
job_probe (Job        *job,
           const char *source,
           guint32     target,
           guint16     port,
           const char *path)
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
job_probe_own (Job        *job,
               const char *role,
               guint32     target,
               guint16     port)
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
      g_autofree char *text = target_text (target, port);
      g_autofree char *path = g_strdup_printf ("%s: no route to %s", label, text);

      job_set (job, FALSE, "no route", path, text, "no route: not sent");
      return;
    }
  /* Its gateway has no route to the lab: read from its table, as walk()
   * does for a bridged LAN's gateway, rather than waited for. */
  if (next_hop != target && next_hop == wb_lan_get_plan (lan)->gateway
      && !lan_gateway_routes (lan, target))
    {
      g_autofree char *gateway = format_ipv4 (wb_lan_get_plan (lan)->gateway);
      g_autofree char *path = g_strdup_printf ("%s, gateway %s > LAN gateway: no route", label,
                                               gateway);
      g_autofree char *text = target_text (target, port);

      job_set (job, FALSE, "no route", path, text, "no route: not sent");
      return;
    }
  test = g_new0 (ProbeTest, 1);
  labels[0] = label;
  test->job = job;
  job->pending++;
  wb_probe_async (wb_lan_get_station (job->own_lan->lan, role), labels, target, port, 0,
                  job->matrix->cancellable, probe_own_cb, test);
}

/* --- forwards: real connections to 127.0.0.1 ---------------------------------------- */

typedef struct
{
  Job           *job;
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
  Job *job = test->job;

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
job_connect_forward (Job        *job,
                     guint32     address,
                     guint16     port,
                     const char *rule_text,
                     const char *path)
{
  ForwardTest *test = g_new0 (ForwardTest, 1);
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  guint8 bytes[4] = { address >> 24, address >> 16, address >> 8, address };

  /* Only the host's loopback, whatever the caller says. */
  g_return_if_fail ((address >> 24) == 127);

  test->job = job;
  test->rule_text = g_strdup (rule_text);
  test->path = g_strdup (path);
  test->target = target_text (address, port);
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

static void
job_from_walk (Job        *job,
               const char *source_uuid,
               guint32     target,
               guint16     port,
               Walk       *way)
{
  g_autofree char *text = target_text (target, port);

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
job_vm_to_vm (Job      *job,
              Endpoint *from,
              Endpoint *to)
{
  WbMatrix *self = job->matrix;
  const WbVm *dest = _wb_runtime_get_vm (self->runtime, to->uuid);
  guint32 target = vm_address_for (self, from->uuid, to->uuid);
  guint16 port = dest != NULL ? vm_probe_port (dest) : 0;
  g_autofree char *text = NULL;
  Walk way;

  if (dest == NULL || target == 0)
    {
      job_set (job, FALSE, "the destination has no IPv4 address", "", "", "not sent");
      return;
    }
  text = target_text (target, port);
  if (is_own_address (self, from->uuid, target))
    {
      g_autofree char *address = format_ipv4 (target);
      g_autofree char *reason =
        g_strdup_printf ("%s is also %s's own address: each NAT adapter is a network of "
                         "its own", address, from->name);

      job_set (job, FALSE, reason, "", text, "not sent");
      return;
    }
  walk (self, from->uuid, target, &way);
  if (way.send && way.end_uuid != NULL && strcmp (way.end_uuid, to->uuid) != 0)
    {
      const WbVm *other = _wb_runtime_get_vm (self->runtime, way.end_uuid);
      g_autofree char *address = format_ipv4 (target);
      g_autofree char *reason =
        g_strdup_printf ("%s is %s's address on the way there, not %s's: each NAT adapter is "
                         "a network of its own", address, other != NULL ? other->name : "?",
                         to->name);

      walk_stop (&way, reason);
    }
  job_from_walk (job, from->uuid, target, port, &way);
  walk_clear (&way);
}

static void
job_vm_to_host (Job      *job,
                Endpoint *from)
{
  WbMatrix *self = job->matrix;
  g_autoptr(GPtrArray) through = g_ptr_array_new_with_free_func (g_free);
  guint32 target = 0;
  Walk way;

  if (!host_address (self, from->uuid, &target, through))
    {
      for (guint i = 0; i < through->len; i++)
        g_ptr_array_add (job->through, g_strdup (g_ptr_array_index (through, i)));
      job_set (job, FALSE, "no route", "no adapter or router with a way to the host", "",
               "no route: not sent");
      return;
    }
  walk (self, from->uuid, target, &way);
  for (guint i = 0; i < through->len; i++)
    g_ptr_array_add (way.through, g_strdup (g_ptr_array_index (through, i)));
  job_from_walk (job, from->uuid, target, self->listener_port, &way);
  walk_clear (&way);
}

static void
job_vm_to_address (Job      *job,
                   Endpoint *from,
                   guint32   target,
                   guint16   port)
{
  Walk way;

  walk (job->matrix, from->uuid, target, &way);
  job_from_walk (job, from->uuid, target, port, &way);
  walk_clear (&way);
}

static char *
rule_text (const WbVm *vm,
           guint       slot,
           WbNatRule  *rule,
           const char *natnet)
{
  const char *host_ip = rule->host_ip[0] != '\0' ? rule->host_ip : "";

  if (natnet != NULL)
    return g_strdup_printf ("NAT network '%s' '%s': tcp %s:%u -> %s:%u", natnet, rule->name,
                            host_ip, rule->host_port, rule->guest_ip, rule->guest_port);
  return g_strdup_printf ("%s adapter %u '%s': tcp %s:%u -> %s:%u", vm->name, slot, rule->name,
                          host_ip, rule->host_port, rule->guest_ip, rule->guest_port);
}

/* The forwards that lead to VM @dest, tried for real. @from_lan: only those
 * that listen on every interface reach it from the LAN. Returns how many
 * forwards lead there (tried or not). */
static guint
job_forwards (Job        *job,
              const WbVm *dest,
              gboolean    from_lan)
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
job_to_vm (Job      *job,
           Endpoint *from,
           Endpoint *to)
{
  WbMatrix *self = job->matrix;
  gboolean lan = from->kind == ENDPOINT_LAN;
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
      mode_label (&dest->adapters[slot - 1], &name);
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
      guint32 target = vm_address_for (self, NULL, to->uuid);

      if (target != 0)
        job_probe_own (job, lan ? "peer" : "host", target, port);
      else
        job_set (job, FALSE, "no route", "", "", "the destination has no IPv4 address");
    }
}

/* Starts the job of a cell; it may complete before this returns. */
static void
job_start (Job *job)
{
  WbMatrix *self = job->matrix;
  Cell *cell = g_hash_table_lookup (self->cells, job->cell_id);
  Endpoint *from = NULL;
  Endpoint *to = NULL;

  for (guint i = 0; cell != NULL && i < self->endpoints->len; i++)
    {
      Endpoint *endpoint = g_ptr_array_index (self->endpoints, i);

      if (strcmp (endpoint->id, cell->from) == 0)
        from = endpoint;
      if (strcmp (endpoint->id, cell->to) == 0)
        to = endpoint;
    }

  job->pending++;      /* the start itself, so that no test completes the job early */
  if (from == NULL || to == NULL)
    job_set (job, FALSE, "the endpoint is gone", "", "", "not sent");
  else if (from->kind == ENDPOINT_VM && to->kind == ENDPOINT_VM)
    job_vm_to_vm (job, from, to);
  else if (from->kind == ENDPOINT_VM && to->kind == ENDPOINT_HOST)
    job_vm_to_host (job, from);
  else if (from->kind == ENDPOINT_VM && to->kind == ENDPOINT_LAN)
    job_vm_to_address (job, from, WB_LAN_OUTSIDE_ADDRESS, WB_PROBE_DEFAULT_TCP_PORT);
  else if (from->kind == ENDPOINT_VM && to->kind == ENDPOINT_OUTSIDE)
    job_vm_to_address (job, from, self->outside, self->outside_port);
  else if (to->kind == ENDPOINT_VM)
    job_to_vm (job, from, to);
  else
    job_set (job, FALSE, "not a pair", "", "", "not sent");
  job->started = TRUE;
  job_test_done (job);
}

/* --- the batch --------------------------------------------------------------------- */

static void
matrix_batch_end (WbMatrix *self)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->run_tasks);
  g_autoptr(GPtrArray) ids = g_steal_pointer (&self->batch_ids);

  self->batch_active = FALSE;
  self->run_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->batch_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_pointer (g_ptr_array_index (tasks, i),
                           g_variant_ref_sink (wb_matrix_get (self)),
                           (GDestroyNotify) g_variant_unref);
  if (tasks->len == 0 && ids->len > 0)
    {
      g_ptr_array_add (ids, NULL);
      g_signal_emit (self, signals[SIGNAL_CELLS_CHANGED], 0, self->generation,
                     (const char * const *) ids->pdata);
    }
  /* Changes that came in meanwhile. */
  if (self->live && (self->dirty_all || g_hash_table_size (self->dirty) > 0)
      && self->debounce == NULL)
    matrix_schedule (self);
}

static void
matrix_cell_done (WbMatrix *self,
                  Job      *job)
{
  Cell *cell = g_hash_table_lookup (self->cells, job->cell_id);

  self->in_flight--;
  if (cell != NULL && cell->serial == job->serial)
    {
      const char *result;
      const char *reason = job->reason;
      const char *path = job->path;
      const char *target = job->target;

      if (job->reachable)
        result = "+";
      else if (job->rules->len > 0)
        {
          result = "port-forward";
          reason = "";
          path = job->forward_path;
          target = job->forward_target;
        }
      else
        {
          result = "-";
          /* A station's probe says more than a forward. */
          if (reason == NULL && job->forward_reason != NULL)
            {
              reason = job->forward_reason;
              if (job->forward_path != NULL)
                {
                  path = job->forward_path;
                  target = job->forward_target;
                }
            }
          if (job->cancelled)
            {
              result = "not probed";
              reason = "the run was cancelled";
            }
          if (reason == NULL)
            reason = "not probed";
        }
      cell_reset (cell, result);
      cell->reason = g_strdup (reason != NULL ? reason : "");
      cell->path = g_strdup (path != NULL ? path : "");
      cell->target = g_strdup (target != NULL ? target : "");
      cell->detail = g_strdup (job->detail != NULL ? job->detail : "");
      for (guint i = 0; i < job->rules->len; i++)
        g_ptr_array_add (cell->rules, g_strdup (g_ptr_array_index (job->rules, i)));
      for (guint i = 0; i < job->through->len; i++)
        g_ptr_array_add (cell->through, g_strdup (g_ptr_array_index (job->through, i)));
      if (self->batch_active)
        {
          self->done++;
          g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, self->generation, self->done,
                         self->total);
          if (self->done == self->total)
            matrix_batch_end (self);
        }
    }
  matrix_pump (self);
}

static void
matrix_pump (WbMatrix *self)
{
  if (self->pumping)
    return;
  self->pumping = TRUE;
  while (self->in_flight < WB_MATRIX_MAX_IN_FLIGHT && !g_queue_is_empty (&self->queue))
    {
      Job *job = g_queue_pop_head (&self->queue);

      self->in_flight++;
      job_start (job);
    }
  self->pumping = FALSE;
}

static void
matrix_enqueue (WbMatrix *self,
                Cell     *cell)
{
  Job *job = g_new0 (Job, 1);

  cell->serial++;
  cell_reset (cell, "pending");
  job->matrix = g_object_ref (self);
  job->cell_id = g_strdup (cell->id);
  job->serial = cell->serial;
  job->rules = g_ptr_array_new_with_free_func (g_free);
  job->through = g_ptr_array_new_with_free_func (g_free);
  g_queue_push_tail (&self->queue, job);
}

static void
drop_queue (WbMatrix *self)
{
  Job *job;

  while ((job = g_queue_pop_head (&self->queue)) != NULL)
    job_free (job);
}

/* --- endpoints and cells ---------------------------------------------------------- */

static gboolean
is_source (const Endpoint *endpoint)
{
  return endpoint->kind != ENDPOINT_OUTSIDE;
}

static gboolean
is_pair (const Endpoint *from,
         const Endpoint *to)
{
  if (!is_source (from) || from == to)
    return FALSE;
  if (from->kind != ENDPOINT_VM && to->kind != ENDPOINT_VM)
    return FALSE;     /* host<->lan, and neither to the Outside */
  return TRUE;
}

static Endpoint *
find_endpoint (WbMatrix   *self,
               const char *id)
{
  for (guint i = 0; i < self->endpoints->len; i++)
    {
      Endpoint *endpoint = g_ptr_array_index (self->endpoints, i);

      if (strcmp (endpoint->id, id) == 0)
        return endpoint;
    }
  return NULL;
}

/* The endpoints as the runtime has them now: VMs that stopped leave with
 * their cells (their ids go to @removed), VMs that started come in (their
 * UUIDs go to @added). */
static void
sync_endpoints (WbMatrix  *self,
                GPtrArray *removed,
                GPtrArray *added)
{
  g_autoptr(GVariant) running = wb_runtime_list_running (self->runtime);
  g_autoptr(GPtrArray) endpoints = g_ptr_array_new_with_free_func (endpoint_free);
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  GVariantIter vms;
  const char *name;
  const char *uuid;

  g_variant_iter_init (&vms, running);
  while (g_variant_iter_next (&vms, "(&s&s)", &name, &uuid))
    {
      g_autofree char *id = g_strconcat ("vm:", uuid, NULL);

      if (find_endpoint (self, id) == NULL && added != NULL)
        g_ptr_array_add (added, g_strdup (uuid));
      g_ptr_array_add (endpoints, endpoint_new (ENDPOINT_VM, id, uuid, name));
    }
  g_ptr_array_add (endpoints, endpoint_new (ENDPOINT_HOST, "host", NULL, "Host"));
  g_ptr_array_add (endpoints, endpoint_new (ENDPOINT_LAN, "lan", NULL, "Net/LAN"));
  g_ptr_array_add (endpoints, endpoint_new (ENDPOINT_OUTSIDE, "outside", NULL, "Outside"));
  g_ptr_array_unref (self->endpoints);
  self->endpoints = g_steal_pointer (&endpoints);

  /* Cells of endpoints that left. */
  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Cell *cell = value;

      if (find_endpoint (self, cell->from) == NULL || find_endpoint (self, cell->to) == NULL)
        {
          if (removed != NULL)
            g_ptr_array_add (removed, g_strdup (cell->id));
          g_hash_table_iter_remove (&iter);
        }
    }
  /* Cells of every pair. */
  for (guint i = 0; i < self->endpoints->len; i++)
    for (guint j = 0; j < self->endpoints->len; j++)
      {
        Endpoint *from = g_ptr_array_index (self->endpoints, i);
        Endpoint *to = g_ptr_array_index (self->endpoints, j);
        g_autofree char *id = NULL;

        if (!is_pair (from, to))
          continue;
        id = g_strdup_printf ("%s>%s", from->id, to->id);
        if (!g_hash_table_contains (self->cells, id))
          {
            Cell *cell = cell_new (from->id, to->id);

            g_hash_table_insert (self->cells, cell->id, cell);
          }
      }
}

/* A cell that needs no probe: the Outside unset. */
static gboolean
cell_settle (WbMatrix *self,
             Cell     *cell)
{
  if (strcmp (cell->to, "outside") != 0 || self->outside != 0)
    return FALSE;
  cell->serial++;
  cell_reset (cell, "not probed");
  cell->reason = g_strdup ("the Outside is not set");
  cell->path = g_strdup ("");
  cell->target = g_strdup ("");
  cell->detail = g_strdup ("");
  return TRUE;
}

/* Starts probing @ids (all cells when NULL) as one batch. */
static void
matrix_start_batch (WbMatrix  *self,
                    GPtrArray *ids)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();

  self->generation++;
  self->batch_active = TRUE;
  self->done = 0;
  if (ids == NULL)
    {
      for (guint i = 0; i < self->endpoints->len; i++)
        for (guint j = 0; j < self->endpoints->len; j++)
          {
            Endpoint *from = g_ptr_array_index (self->endpoints, i);
            Endpoint *to = g_ptr_array_index (self->endpoints, j);
            g_autofree char *id = g_strdup_printf ("%s>%s", from->id, to->id);
            Cell *cell = is_pair (from, to) ? g_hash_table_lookup (self->cells, id) : NULL;

            if (cell != NULL)
              g_ptr_array_add (cells, cell);
          }
    }
  else
    {
      for (guint i = 0; i < ids->len; i++)
        {
          Cell *cell = g_hash_table_lookup (self->cells, g_ptr_array_index (ids, i));

          if (cell != NULL)
            g_ptr_array_add (cells, cell);
        }
    }
  self->total = 0;
  for (guint i = 0; i < cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (cells, i);

      if (!cell_settle (self, cell))
        {
          matrix_enqueue (self, cell);
          self->total++;
        }
    }
  if (self->total == 0)
    {
      matrix_batch_end (self);
      return;
    }
  matrix_pump (self);
}

/* Nobody waits for the run any more: what is queued is not probed, what
 * runs is cancelled. */
static void
matrix_abort (WbMatrix *self)
{
  Job *job;

  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  self->cancellable = g_cancellable_new ();
  while ((job = g_queue_pop_head (&self->queue)) != NULL)
    {
      Cell *cell = g_hash_table_lookup (self->cells, job->cell_id);

      if (cell != NULL && cell->serial == job->serial)
        {
          cell_reset (cell, "not probed");
          cell->reason = g_strdup ("the run was cancelled");
        }
      job_free (job);
    }
  self->batch_active = FALSE;
  g_ptr_array_set_size (self->batch_ids, 0);
}

static gboolean
run_cancelled_cb (GCancellable *cancellable,
                  gpointer      user_data)
{
  GTask *task = user_data;
  WbMatrix *self = g_task_get_source_object (task);
  guint index;

  if (g_ptr_array_find (self->run_tasks, task, &index))
    {
      g_autoptr(GTask) owned = g_ptr_array_steal_index (self->run_tasks, index);

      g_task_return_error_if_cancelled (owned);
      if (self->run_tasks->len == 0 && self->batch_active)
        matrix_abort (self);
    }
  return G_SOURCE_REMOVE;
}

static void
destroy_source (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

/* --- live ------------------------------------------------------------------------ */

static gboolean
debounce_cb (gpointer user_data)
{
  WbMatrix *self = user_data;
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  g_clear_pointer (&self->debounce, g_source_unref);
  if (self->batch_active)
    return G_SOURCE_REMOVE;   /* again when the batch ends */

  /* Cells that went through a VM that changed or stopped, and the rows and
   * columns of the VMs that changed, before the endpoints move. */
  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Cell *cell = value;
      gboolean hit = self->dirty_all;

      for (guint i = 0; !hit && i < cell->through->len; i++)
        hit = g_hash_table_contains (self->dirty, g_ptr_array_index (cell->through, i));
      if (!hit && g_str_has_prefix (cell->from, "vm:"))
        hit = g_hash_table_contains (self->dirty, cell->from + 3);
      if (!hit && g_str_has_prefix (cell->to, "vm:"))
        hit = g_hash_table_contains (self->dirty, cell->to + 3);
      if (hit)
        g_hash_table_add (wanted, g_strdup (cell->id));
    }
  sync_endpoints (self, removed, added);
  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Cell *cell = value;

      for (guint i = 0; i < added->len; i++)
        {
          const char *uuid = g_ptr_array_index (added, i);

          if ((g_str_has_prefix (cell->from, "vm:") && strcmp (cell->from + 3, uuid) == 0)
              || (g_str_has_prefix (cell->to, "vm:") && strcmp (cell->to + 3, uuid) == 0))
            g_hash_table_add (wanted, g_strdup (cell->id));
        }
    }
  g_hash_table_remove_all (self->dirty);
  self->dirty_all = FALSE;

  /* In display order, then the cells that left. */
  for (guint i = 0; i < self->endpoints->len; i++)
    for (guint j = 0; j < self->endpoints->len; j++)
      {
        Endpoint *from = g_ptr_array_index (self->endpoints, i);
        Endpoint *to = g_ptr_array_index (self->endpoints, j);
        g_autofree char *id = g_strdup_printf ("%s>%s", from->id, to->id);

        if (g_hash_table_remove (wanted, id))
          g_ptr_array_add (ids, g_steal_pointer (&id));
      }
  if (ids->len == 0 && removed->len == 0)
    return G_SOURCE_REMOVE;
  matrix_start_batch (self, ids);
  if (self->batch_active)
    {
      for (guint i = 0; i < ids->len; i++)
        g_ptr_array_add (self->batch_ids, g_strdup (g_ptr_array_index (ids, i)));
      for (guint i = 0; i < removed->len; i++)
        g_ptr_array_add (self->batch_ids, g_strdup (g_ptr_array_index (removed, i)));
    }
  else if (ids->len + removed->len > 0)
    {
      for (guint i = 0; i < removed->len; i++)
        g_ptr_array_add (ids, g_strdup (g_ptr_array_index (removed, i)));
      g_ptr_array_add (ids, NULL);
      g_signal_emit (self, signals[SIGNAL_CELLS_CHANGED], 0, self->generation,
                     (const char * const *) ids->pdata);
    }
  return G_SOURCE_REMOVE;
}

static void
matrix_schedule (WbMatrix *self)
{
  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_source_unref (self->debounce);
    }
  self->debounce = g_timeout_source_new (DEBOUNCE_MS);
  g_source_set_callback (self->debounce, debounce_cb, self, NULL);
  g_source_attach (self->debounce, g_main_context_get_thread_default ());
}

static void
on_vm_state_changed_cb (WbRuntime  *runtime,
                        const char *uuid,
                        gboolean    running,
                        WbMatrix   *self)
{
  g_hash_table_add (self->dirty, g_strdup (uuid));
  matrix_schedule (self);
}

static gboolean
adapter_uses (const WbAdapter *adapter,
              WbObjectKind     kind,
              const char      *id)
{
  if (!adapter->enabled)
    return FALSE;
  if (kind == WB_OBJECT_NAT_NETWORK)
    return adapter->attachment == WB_ATTACHMENT_NATNETWORK
           && g_strcmp0 (adapter->nat_network, id) == 0;
  if (kind == WB_OBJECT_HOST_ONLY_IF)
    return adapter->attachment == WB_ATTACHMENT_HOSTONLY
           && g_strcmp0 (adapter->hostonly_adapter, id) == 0;
  return FALSE;
}

static void
on_settings_changed_cb (WbSettings *settings,
                        guint       kind,
                        const char *id,
                        WbMatrix   *self)
{
  gboolean any = FALSE;

  for (guint i = 0; i < self->endpoints->len; i++)
    {
      Endpoint *endpoint = g_ptr_array_index (self->endpoints, i);
      const WbVm *vm;

      if (endpoint->kind != ENDPOINT_VM)
        continue;
      vm = _wb_runtime_get_vm (self->runtime, endpoint->uuid);
      if (kind == WB_OBJECT_VM)
        {
          if (strcmp (endpoint->uuid, id) != 0)
            continue;
        }
      else
        {
          gboolean uses = FALSE;

          for (guint slot = 0; vm != NULL && slot < WB_MAX_ADAPTERS; slot++)
            uses = uses || adapter_uses (&vm->adapters[slot], kind, id);
          if (!uses)
            continue;
        }
      g_hash_table_add (self->dirty, g_strdup (endpoint->uuid));
      any = TRUE;
    }
  if (any)
    matrix_schedule (self);
}

/* --- the host listener ------------------------------------------------------------- */

static gboolean
on_incoming_cb (GSocketService    *service,
                GSocketConnection *connection,
                GObject           *source,
                gpointer           user_data)
{
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static gboolean
matrix_open_listener (WbMatrix  *self,
                      GError   **error)
{
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;

  if (self->listener != NULL)
    return TRUE;
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  self->listener = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->listener), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, error))
    {
      g_clear_object (&self->listener);
      return FALSE;
    }
  self->listener_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (self->listener, "incoming", G_CALLBACK (on_incoming_cb), NULL);
  g_socket_service_start (self->listener);
  return TRUE;
}

/* --- API ----------------------------------------------------------------------------- */

WbMatrix *
wb_matrix_new (WbRuntime *runtime)
{
  WbMatrix *self;

  g_return_val_if_fail (WB_IS_RUNTIME (runtime), NULL);

  self = g_object_new (WB_TYPE_MATRIX, NULL);
  self->runtime = g_object_ref (runtime);
  return self;
}

void
wb_matrix_set_outside (WbMatrix *self,
                       guint32   address,
                       guint16   port)
{
  g_return_if_fail (WB_IS_MATRIX (self));

  self->outside = address;
  self->outside_port = port;
}

void
wb_matrix_run_async (WbMatrix            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (WB_IS_MATRIX (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_matrix_run_async);
  if (!matrix_open_listener (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!self->live)
    {
      self->live = TRUE;
      self->state_id = g_signal_connect (self->runtime, "vm-state-changed",
                                         G_CALLBACK (on_vm_state_changed_cb), self);
      self->settings_id = g_signal_connect (_wb_runtime_get_settings (self->runtime), "changed",
                                            G_CALLBACK (on_settings_changed_cb), self);
    }
  if (cancellable != NULL)
    {
      GSource *source = g_cancellable_source_new (cancellable);

      g_source_set_callback (source, (GSourceFunc) (void (*) (void)) run_cancelled_cb, task,
                             NULL);
      g_source_attach (source, g_main_context_get_thread_default ());
      g_task_set_task_data (task, source, destroy_source);
    }
  /* A run supersedes what is running: its answers are dropped (serials). */
  g_ptr_array_add (self->run_tasks, g_steal_pointer (&task));
  drop_queue (self);
  g_ptr_array_set_size (self->batch_ids, 0);
  g_hash_table_remove_all (self->dirty);
  self->dirty_all = FALSE;
  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_clear_pointer (&self->debounce, g_source_unref);
    }
  sync_endpoints (self, NULL, NULL);
  matrix_start_batch (self, NULL);
}

GVariant *
wb_matrix_run_finish (WbMatrix      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static GVariant *
cell_to_variant (const Cell *cell)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "id", "s", cell->id);
  g_variant_dict_insert (&dict, "from", "s", cell->from);
  g_variant_dict_insert (&dict, "to", "s", cell->to);
  g_variant_dict_insert (&dict, "result", "s", cell->result);
  g_variant_dict_insert (&dict, "reason", "s", cell->reason != NULL ? cell->reason : "");
  g_variant_dict_insert (&dict, "path", "s", cell->path != NULL ? cell->path : "");
  g_variant_dict_insert_value (&dict, "rules",
                               g_variant_new_strv ((const char * const *) cell->rules->pdata,
                                                   cell->rules->len));
  g_variant_dict_insert (&dict, "target", "s", cell->target != NULL ? cell->target : "");
  g_variant_dict_insert (&dict, "detail", "s", cell->detail != NULL ? cell->detail : "");
  return g_variant_dict_end (&dict);
}

static char *
outside_text (WbMatrix *self)
{
  if (self->outside == 0)
    return g_strdup ("");
  return target_text (self->outside, self->outside_port);
}

GVariant *
wb_matrix_get (WbMatrix *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *outside = NULL;
  GVariantBuilder endpoints;
  GVariantBuilder cells;
  gboolean complete = TRUE;

  g_return_val_if_fail (WB_IS_MATRIX (self), NULL);

  outside = outside_text (self);
  g_variant_builder_init (&endpoints, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_init (&cells, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->endpoints->len; i++)
    {
      Endpoint *endpoint = g_ptr_array_index (self->endpoints, i);
      static const char * const kinds[] = { "vm", "host", "lan", "outside" };
      GVariantBuilder addresses;

      g_variant_builder_init (&addresses, G_VARIANT_TYPE ("as"));
      if (endpoint->kind == ENDPOINT_VM)
        {
          WbGuest *guest = _wb_runtime_get_guest (self->runtime, endpoint->uuid);

          for (guint slot = 0; guest != NULL && slot < WB_MAX_ADAPTERS; slot++)
            {
              guint32 address = wb_guest_get_address (guest, slot, NULL);
              g_autofree char *text = NULL;

              if (address == 0)
                continue;
              text = format_ipv4 (address);
              g_variant_builder_add (&addresses, "s", text);
            }
        }
      else if (endpoint->kind == ENDPOINT_LAN)
        g_variant_builder_add (&addresses, "s", "198.51.100.1");
      else if (endpoint->kind == ENDPOINT_OUTSIDE && self->outside != 0)
        {
          g_autofree char *text = format_ipv4 (self->outside);

          g_variant_builder_add (&addresses, "s", text);
        }
      {
        g_auto(GVariantDict) entry = G_VARIANT_DICT_INIT (NULL);

        g_variant_dict_insert (&entry, "id", "s", endpoint->id);
        g_variant_dict_insert (&entry, "kind", "s", kinds[endpoint->kind]);
        g_variant_dict_insert (&entry, "name", "s", endpoint->name);
        g_variant_dict_insert_value (&entry, "addresses", g_variant_builder_end (&addresses));
        g_variant_builder_add (&endpoints, "@a{sv}", g_variant_dict_end (&entry));
      }
    }
  for (guint i = 0; i < self->endpoints->len; i++)
    for (guint j = 0; j < self->endpoints->len; j++)
      {
        Endpoint *from = g_ptr_array_index (self->endpoints, i);
        Endpoint *to = g_ptr_array_index (self->endpoints, j);
        g_autofree char *id = g_strdup_printf ("%s>%s", from->id, to->id);
        Cell *cell = is_pair (from, to) ? g_hash_table_lookup (self->cells, id) : NULL;

        if (cell == NULL)
          continue;
        if (strcmp (cell->result, "pending") == 0)
          complete = FALSE;
        g_variant_builder_add (&cells, "@a{sv}", cell_to_variant (cell));
      }

  g_variant_dict_insert (&dict, "generation", "u", self->generation);
  g_variant_dict_insert (&dict, "complete", "b", complete);
  g_variant_dict_insert (&dict, "done", "u", self->batch_active ? self->done : self->total);
  g_variant_dict_insert (&dict, "total", "u", self->total);
  g_variant_dict_insert (&dict, "outside", "s", outside);
  g_variant_dict_insert_value (&dict, "endpoints", g_variant_builder_end (&endpoints));
  g_variant_dict_insert_value (&dict, "cells", g_variant_builder_end (&cells));
  return g_variant_dict_end (&dict);
}

GVariant *
wb_matrix_lookup_cell (WbMatrix   *self,
                       const char *from,
                       const char *to)
{
  g_autofree char *id = NULL;
  Cell *cell;

  g_return_val_if_fail (WB_IS_MATRIX (self), NULL);
  g_return_val_if_fail (from != NULL && to != NULL, NULL);

  id = g_strdup_printf ("%s>%s", from, to);
  cell = g_hash_table_lookup (self->cells, id);
  return cell != NULL ? cell_to_variant (cell) : NULL;
}

/* --- GObject ---------------------------------------------------------------------- */

static void
wb_matrix_dispose (GObject *object)
{
  WbMatrix *self = (WbMatrix *) object;

  g_cancellable_cancel (self->cancellable);
  drop_queue (self);
  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_clear_pointer (&self->debounce, g_source_unref);
    }
  if (self->runtime != NULL)
    {
      g_clear_signal_handler (&self->state_id, self->runtime);
      if (self->settings_id != 0)
        g_clear_signal_handler (&self->settings_id, _wb_runtime_get_settings (self->runtime));
    }
  if (self->listener != NULL)
    {
      g_socket_service_stop (self->listener);
      g_socket_listener_close (G_SOCKET_LISTENER (self->listener));
      g_clear_object (&self->listener);
    }
  g_clear_pointer (&self->own_lan, own_lan_unref);
  g_clear_object (&self->runtime);

  G_OBJECT_CLASS (wb_matrix_parent_class)->dispose (object);
}

static void
wb_matrix_finalize (GObject *object)
{
  WbMatrix *self = (WbMatrix *) object;

  g_ptr_array_unref (self->endpoints);
  g_hash_table_unref (self->cells);
  g_ptr_array_unref (self->run_tasks);
  g_ptr_array_unref (self->batch_ids);
  g_hash_table_unref (self->dirty);
  g_object_unref (self->cancellable);

  G_OBJECT_CLASS (wb_matrix_parent_class)->finalize (object);
}

static void
wb_matrix_class_init (WbMatrixClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_matrix_dispose;
  object_class->finalize = wb_matrix_finalize;

  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
  signals[SIGNAL_CELLS_CHANGED] =
    g_signal_new ("cells-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRV);
}

static void
wb_matrix_init (WbMatrix *self)
{
  self->endpoints = g_ptr_array_new_with_free_func (endpoint_free);
  self->cells = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, cell_free);
  self->run_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->batch_ids = g_ptr_array_new_with_free_func (g_free);
  self->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->queue);
}
