/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The connectivity matrix's shared state (wb-matrix.h). wb-matrix.c is the
 * GObject: the endpoints and their cells, batches of jobs at bounded
 * concurrency, the live re-probes and the Matrix dictionary.
 * wb-matrix-walk.c follows the way from a VM to a target hop by hop
 * without sending anything, and finds the Host as a VM's way out defines
 * it; it sees only the runtime. wb-matrix-probes.c is a cell's job: the
 * tests it runs (probes from guests and stations, real connections to
 * forwards) and what they found.
 */
#pragma once

#include "wb-lan.h"
#include "wb-matrix.h"
#include "wb-runtime-private.h"

G_BEGIN_DECLS

typedef enum
{
  WB_MATRIX_ENDPOINT_VM,
  WB_MATRIX_ENDPOINT_HOST,
  WB_MATRIX_ENDPOINT_LAN,
  WB_MATRIX_ENDPOINT_OUTSIDE,
} WbMatrixEndpointKind;

typedef struct
{
  char                 *id;
  WbMatrixEndpointKind  kind;
  char                 *uuid;     /* VMs */
  char                 *name;
} WbMatrixEndpoint;

/* The matrix's own LAN (no VM on it), made when a probe first needs it
 * (wb-matrix-probes.c). */
typedef struct _WbMatrixOwnLan WbMatrixOwnLan;

typedef struct _WbMatrixJob WbMatrixJob;

struct _WbMatrix
{
  GObject          parent_instance;

  WbRuntime       *runtime;
  guint32          outside;
  guint16          outside_port;
  guint            generation;
  gboolean         live;         /* after the first run */
  GPtrArray       *endpoints;    /* WbMatrixEndpoint*, display order */
  GHashTable      *endpoint_ids; /* id -> WbMatrixEndpoint* of endpoints */
  GHashTable      *cells;        /* id -> Cell* */
  guint            done;
  guint            total;
  GQueue           queue;        /* WbMatrixJob* not started */
  guint            in_flight;
  gboolean         pumping;
  GCancellable    *cancellable;
  GSocketService  *listener;
  guint16          listener_port;
  WbMatrixOwnLan  *own_lan;
  /* The batch: a run (tasks waiting) or a re-probe (ids to announce). */
  gboolean         batch_active;
  GPtrArray       *run_tasks;    /* GTask* */
  GPtrArray       *batch_ids;    /* char*, a re-probe's cells */
  GHashTable      *dirty;        /* UUIDs changed since the last re-probe */
  GSource         *debounce;
  gulong           state_id;
  gulong           settings_id;
};

/* wb-matrix.c */

/* @job's tests have all ended: its cell takes what they found (unless it
 * was probed again meanwhile) and the next job starts. */
void          _wb_matrix_cell_done         (WbMatrix          *self,
                                            WbMatrixJob       *job);

/* wb-matrix-walk.c */

typedef struct
{
  gboolean   send;              /* the probe may go */
  gboolean   no_route;
  char      *reason;            /* when !send */
  GString   *path;
  GPtrArray *through;           /* UUIDs */
  char      *end_uuid;          /* the VM that holds the target, if one does */
  gboolean   host_alias;        /* ends at libslirp's host alias */
} WbMatrixWalk;

/* Follows the way from running VM @uuid to @target as the guests'
 * routing tables and the lab's routers lead it, without sending anything;
 * says whether a probe may go (never to libslirp for an address it would
 * connect to for real, never out of the engine — unless @may_leave: the
 * Outside target the user named) and what the way is.
 * @walk is to be cleared. */
void          _wb_matrix_walk              (WbRuntime         *runtime,
                                            const char        *uuid,
                                            guint32            target,
                                            gboolean           may_leave,
                                            WbMatrixWalk      *walk);
/* No probe goes, for @reason. */
void          _wb_matrix_walk_stop         (WbMatrixWalk      *walk,
                                            const char        *reason);
void          _wb_matrix_walk_clear        (WbMatrixWalk      *walk);
/* The Host as VM @uuid's way out defines it (DESIGN.md §5); @through
 * gets the routers on the way. */
gboolean      _wb_matrix_host_address      (WbRuntime         *runtime,
                                            const char        *uuid,
                                            guint32           *address,
                                            GPtrArray         *through);
/* VM @dest_uuid's address as @source_uuid (NULL: nobody) sees it: on a
 * network they share, else its first one; 0 if it has none. */
guint32       _wb_matrix_vm_address_for    (WbRuntime         *runtime,
                                            const char        *source_uuid,
                                            const char        *dest_uuid);
gboolean      _wb_matrix_is_own_address    (WbRuntime         *runtime,
                                            const char        *uuid,
                                            guint32            address);
/* Whether the emulated LAN's gateway passes on what is sent to @target
 * beyond the LAN. */
gboolean      _wb_matrix_lan_gateway_routes (WbLan            *lan,
                                            guint32            target);

/* wb-matrix-probes.c */

/* One cell being probed. A job may run several tests at once (the host's
 * stations and forwards); it completes when the last one has. */
struct _WbMatrixJob
{
  WbMatrix        *matrix;
  char            *cell_id;
  guint            serial;
  guint            pending;           /* tests running, and the start itself */
  /* What the tests found. */
  gboolean         reachable;         /* "+" */
  char            *reason;
  char            *path;
  char            *target;
  char            *detail;
  GPtrArray       *rules;             /* forwards that answered */
  GPtrArray       *through;
  char            *forward_reason;    /* the first forward failure */
  char            *forward_path;
  char            *forward_target;
  WbMatrixOwnLan  *own_lan;
  gboolean         host_alias;
  gboolean         cancelled;
};

WbMatrixJob  *_wb_matrix_job_new           (WbMatrix          *matrix,
                                            const char        *cell_id,
                                            guint              serial);
void          _wb_matrix_job_free          (WbMatrixJob       *job);
/* Starts the tests of the cell @from > @to (NULL: the endpoint is gone);
 * the job may complete (_wb_matrix_cell_done, then freed) before this
 * returns. */
void          _wb_matrix_job_start         (WbMatrixJob       *job,
                                            WbMatrixEndpoint  *from,
                                            WbMatrixEndpoint  *to);
/* "192.0.2.1:22", or "192.0.2.1" for a port of 0. */
char         *_wb_matrix_target_text       (guint32            address,
                                            guint16            port);
void          _wb_matrix_own_lan_unref     (WbMatrixOwnLan    *own);

G_END_DECLS
