/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The connectivity matrix (wb-matrix.h), the GObject: its endpoints and
 * cells, the batches that probe them (a run, a re-probe), the live
 * re-probes and the Matrix dictionary. Every cell is a job
 * (wb-matrix-probes.c): it finds its target, follows the way there hop by
 * hop (wb-matrix-walk.c), and either says why nothing is sent or probes
 * for real. At most WB_MATRIX_MAX_IN_FLIGHT jobs run at once. A cell's
 * serial numbers its probes, so that an answer for a cell probed again
 * meanwhile is dropped.
 */
#include "wb-matrix-private.h"

#include <string.h>

#include "wb-model.h"
#include "wb-settings.h"

#define DEBOUNCE_MS 100

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
  WbMatrixEndpoint *endpoint = data;

  g_free (endpoint->id);
  g_free (endpoint->uuid);
  g_free (endpoint->name);
  g_free (endpoint);
}

static WbMatrixEndpoint *
endpoint_new (WbMatrixEndpointKind  kind,
              const char           *id,
              const char           *uuid,
              const char           *name)
{
  WbMatrixEndpoint *endpoint = g_new0 (WbMatrixEndpoint, 1);

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

/* "vm:UUID>host": the key of the cell @from > @to. */
static char *
cell_id (const char *from,
         const char *to)
{
  return g_strdup_printf ("%s>%s", from, to);
}

static Cell *
cell_new (const char *from,
          const char *to)
{
  Cell *cell = g_new0 (Cell, 1);

  cell->id = cell_id (from, to);
  cell->from = g_strdup (from);
  cell->to = g_strdup (to);
  cell->rules = g_ptr_array_new_with_free_func (g_free);
  cell->through = g_ptr_array_new_with_free_func (g_free);
  cell_reset (cell, "pending");
  return cell;
}

static gboolean
is_source (const WbMatrixEndpoint *endpoint)
{
  return endpoint->kind != WB_MATRIX_ENDPOINT_OUTSIDE;
}

static gboolean
is_pair (const WbMatrixEndpoint *from,
         const WbMatrixEndpoint *to)
{
  if (!is_source (from) || from == to)
    return FALSE;
  if (from->kind != WB_MATRIX_ENDPOINT_VM && to->kind != WB_MATRIX_ENDPOINT_VM)
    return FALSE;     /* host<->lan, and neither to the Outside */
  return TRUE;
}

static WbMatrixEndpoint *
find_endpoint (WbMatrix   *self,
               const char *id)
{
  return g_hash_table_lookup (self->endpoint_ids, id);
}

/* --- the batch --------------------------------------------------------------------- */

static void matrix_pump     (WbMatrix *self);
static void matrix_schedule (WbMatrix *self);

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
  if (self->live && g_hash_table_size (self->dirty) > 0 && self->debounce == NULL)
    matrix_schedule (self);
}

void
_wb_matrix_cell_done (WbMatrix    *self,
                      WbMatrixJob *job)
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
      WbMatrixJob *job = g_queue_pop_head (&self->queue);
      Cell *cell = g_hash_table_lookup (self->cells, job->cell_id);

      self->in_flight++;
      _wb_matrix_job_start (job,
                            cell != NULL ? find_endpoint (self, cell->from) : NULL,
                            cell != NULL ? find_endpoint (self, cell->to) : NULL);
    }
  self->pumping = FALSE;
}

static void
matrix_enqueue (WbMatrix *self,
                Cell     *cell)
{
  cell->serial++;
  cell_reset (cell, "pending");
  g_queue_push_tail (&self->queue, _wb_matrix_job_new (self, cell->id, cell->serial));
}

static void
drop_queue (WbMatrix *self)
{
  WbMatrixJob *job;

  while ((job = g_queue_pop_head (&self->queue)) != NULL)
    _wb_matrix_job_free (job);
}

/* --- endpoints and cells ---------------------------------------------------------- */

/* The endpoints as the runtime has them now: VMs that stopped leave with
 * their cells (their ids go to @removed), VMs that started come in (their
 * endpoint ids go to the set @added). */
static void
sync_endpoints (WbMatrix   *self,
                GPtrArray  *removed,
                GHashTable *added)
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
        g_hash_table_add (added, g_strdup (id));
      g_ptr_array_add (endpoints, endpoint_new (WB_MATRIX_ENDPOINT_VM, id, uuid, name));
    }
  g_ptr_array_add (endpoints, endpoint_new (WB_MATRIX_ENDPOINT_HOST, "host", NULL, "Host"));
  g_ptr_array_add (endpoints, endpoint_new (WB_MATRIX_ENDPOINT_LAN, "lan", NULL, "Net/LAN"));
  g_ptr_array_add (endpoints,
                   endpoint_new (WB_MATRIX_ENDPOINT_OUTSIDE, "outside", NULL, "Outside"));
  g_hash_table_remove_all (self->endpoint_ids);
  g_ptr_array_unref (self->endpoints);
  self->endpoints = g_steal_pointer (&endpoints);
  for (guint i = 0; i < self->endpoints->len; i++)
    {
      WbMatrixEndpoint *endpoint = g_ptr_array_index (self->endpoints, i);

      g_hash_table_insert (self->endpoint_ids, endpoint->id, endpoint);
    }

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
        WbMatrixEndpoint *from = g_ptr_array_index (self->endpoints, i);
        WbMatrixEndpoint *to = g_ptr_array_index (self->endpoints, j);
        g_autofree char *id = NULL;

        if (!is_pair (from, to))
          continue;
        id = cell_id (from->id, to->id);
        if (!g_hash_table_contains (self->cells, id))
          {
            Cell *cell = cell_new (from->id, to->id);

            g_hash_table_insert (self->cells, cell->id, cell);
          }
      }
}

/* The cells in display order: rows and columns in the endpoints' order,
 * as the Matrix dictionary lists them and a run probes them. */
static GPtrArray *
cells_in_order (WbMatrix *self)
{
  GPtrArray *cells = g_ptr_array_new ();

  for (guint i = 0; i < self->endpoints->len; i++)
    for (guint j = 0; j < self->endpoints->len; j++)
      {
        WbMatrixEndpoint *from = g_ptr_array_index (self->endpoints, i);
        WbMatrixEndpoint *to = g_ptr_array_index (self->endpoints, j);
        g_autofree char *id = NULL;
        Cell *cell;

        if (!is_pair (from, to))
          continue;
        id = cell_id (from->id, to->id);
        cell = g_hash_table_lookup (self->cells, id);
        if (cell != NULL)
          g_ptr_array_add (cells, cell);
      }
  return cells;
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
  return TRUE;
}

/* Starts probing @ids (all cells when NULL) as one batch. */
static void
matrix_start_batch (WbMatrix  *self,
                    GPtrArray *ids)
{
  g_autoptr(GPtrArray) cells = NULL;

  self->generation++;
  self->batch_active = TRUE;
  self->done = 0;
  if (ids == NULL)
    cells = cells_in_order (self);
  else
    {
      cells = g_ptr_array_new ();
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
  WbMatrixJob *job;

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
      _wb_matrix_job_free (job);
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
  g_autoptr(GHashTable) added = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) in_order = NULL;
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
      gboolean hit = FALSE;

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

      if (g_hash_table_contains (added, cell->from) || g_hash_table_contains (added, cell->to))
        g_hash_table_add (wanted, g_strdup (cell->id));
    }
  g_hash_table_remove_all (self->dirty);

  /* In display order, then the cells that left. */
  in_order = cells_in_order (self);
  for (guint i = 0; i < in_order->len; i++)
    {
      Cell *cell = g_ptr_array_index (in_order, i);

      if (g_hash_table_remove (wanted, cell->id))
        g_ptr_array_add (ids, g_strdup (cell->id));
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
  g_clear_pointer (&self->debounce, destroy_source);
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
      WbMatrixEndpoint *endpoint = g_ptr_array_index (self->endpoints, i);

      if (endpoint->kind != WB_MATRIX_ENDPOINT_VM)
        continue;
      if (kind == WB_OBJECT_VM)
        {
          if (strcmp (endpoint->uuid, id) != 0)
            continue;
        }
      else
        {
          const WbVm *vm = _wb_runtime_get_vm (self->runtime, endpoint->uuid);
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
  g_clear_pointer (&self->debounce, destroy_source);
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
  return _wb_matrix_target_text (self->outside, self->outside_port);
}

GVariant *
wb_matrix_get (WbMatrix *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *outside = NULL;
  g_autoptr(GPtrArray) in_order = NULL;
  GVariantBuilder endpoints;
  GVariantBuilder cells;
  gboolean complete = TRUE;

  g_return_val_if_fail (WB_IS_MATRIX (self), NULL);

  outside = outside_text (self);
  g_variant_builder_init (&endpoints, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_init (&cells, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->endpoints->len; i++)
    {
      WbMatrixEndpoint *endpoint = g_ptr_array_index (self->endpoints, i);
      static const char * const kinds[] = { "vm", "host", "lan", "outside" };
      GVariantBuilder addresses;

      g_variant_builder_init (&addresses, G_VARIANT_TYPE ("as"));
      if (endpoint->kind == WB_MATRIX_ENDPOINT_VM)
        {
          WbGuest *guest = _wb_runtime_get_guest (self->runtime, endpoint->uuid);

          for (guint slot = 0; guest != NULL && slot < WB_MAX_ADAPTERS; slot++)
            {
              guint32 address = wb_guest_get_address (guest, slot, NULL);
              g_autofree char *text = NULL;

              if (address == 0)
                continue;
              text = wb_ipv4_to_string (address);
              g_variant_builder_add (&addresses, "s", text);
            }
        }
      else if (endpoint->kind == WB_MATRIX_ENDPOINT_LAN)
        g_variant_builder_add (&addresses, "s", "198.51.100.1");
      else if (endpoint->kind == WB_MATRIX_ENDPOINT_OUTSIDE && self->outside != 0)
        {
          g_autofree char *text = wb_ipv4_to_string (self->outside);

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
  in_order = cells_in_order (self);
  for (guint i = 0; i < in_order->len; i++)
    {
      Cell *cell = g_ptr_array_index (in_order, i);

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

  id = cell_id (from, to);
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
  g_clear_pointer (&self->debounce, destroy_source);
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
  g_clear_pointer (&self->own_lan, _wb_matrix_own_lan_unref);
  g_clear_object (&self->runtime);

  G_OBJECT_CLASS (wb_matrix_parent_class)->dispose (object);
}

static void
wb_matrix_finalize (GObject *object)
{
  WbMatrix *self = (WbMatrix *) object;

  g_hash_table_unref (self->endpoint_ids);
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
  self->endpoint_ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->cells = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, cell_free);
  self->run_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->batch_ids = g_ptr_array_new_with_free_func (g_free);
  self->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->queue);
}
