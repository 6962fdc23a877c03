/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Between the probe itself (wb-probe.c, inside the guest's IP layer) and
 * its sources by name (wb-probe-runtime.c, beside the runtime): the two
 * cannot share headers (the guest's and the segment's drop reasons).
 */
#pragma once

#include "wb-model.h"
#include "wb-probe.h"

G_BEGIN_DECLS

typedef struct _WbProbeRun WbProbeRun;

/* A probe that returns through @task (taken). */
WbProbeRun *_wb_probe_run_new         (WbGuest            *source,
                                       const char * const *iface_labels,
                                       guint32             target,
                                       guint16             tcp_port,
                                       guint               timeout_ms,
                                       GTask              *task);
/* At completion, @handler is disconnected from @instance (a GObject,
 * referenced meanwhile) and @data freed with @data_free. */
void        _wb_probe_run_watch       (WbProbeRun         *probe,
                                       gpointer            instance,
                                       gulong              handler,
                                       gpointer            data,
                                       GDestroyNotify      data_free);
/* Starts the tests; the probe frees itself when it completes. */
void        _wb_probe_run_start       (WbProbeRun         *probe,
                                       GCancellable       *cancellable);
WbGuest    *_wb_probe_run_get_source  (WbProbeRun         *probe);
/* The source has been freed: completes with WB_ERROR_BUSY without
 * touching it. */
void        _wb_probe_run_source_gone (WbProbeRun         *probe);

/* The guest's routing, for the connectivity matrix's walk (which cannot
 * see the guest's internals): the route to @dst (FALSE: none); the
 * default route; whether it forwards. */
gboolean    _wb_probe_guest_route     (WbGuest            *guest,
                                       guint32             dst,
                                       guint              *iface,
                                       guint32            *next_hop,
                                       gboolean           *local);
gboolean    _wb_probe_guest_default_route (WbGuest        *guest,
                                       guint              *iface,
                                       guint32            *gateway);
gboolean    _wb_probe_guest_forwards  (WbGuest            *guest);

/* How the probes' paths name an adapter (wb-probe-runtime.c): its
 * attachment ("host-only interface") with @name set to the attachment's
 * own name (NULL for NAT and none), and the whole label ("adapter 2,
 * host-only interface 'vboxnet0'"), which the connectivity matrix's walk
 * writes as the probe would. */
const char *_wb_probe_adapter_attachment (const WbAdapter  *adapter,
                                          const char      **name);
char       *_wb_probe_adapter_label   (const WbAdapter    *adapter);

G_END_DECLS
