/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Generic driver "VDE" (VIRTUALBOX.md §8): a libvdeplug connection as a
 * segment's uplink. Property network: a vde_switch socket path (its
 * directory, or PATH[PORT] for one port of the switch) or any libvdeplug
 * URL (vxvde://239.1.2.3 spans hosts without a daemon; vde://, ptp://...).
 * Without libvdeplug at build time every open fails with
 * WB_ERROR_NOT_SUPPORTED. Engine thread only.
 */
#pragma once

#include <glib.h>

#include "wb-segment.h"
#include "wb-fd-uplink.h"

G_BEGIN_DECLS

typedef struct _WbVde WbVde;

/* Whether this build has libvdeplug. */
gboolean     wb_vde_is_supported      (void);
/* @props: WbProperty* (the adapter's generic_props); @descr: what the
 * switch shows for the port ("Wirebox: VM 'A' adapter 1"). */
WbVde       *wb_vde_open              (WbSegment         *segment,
                                       const GPtrArray   *props,
                                       const char        *descr,
                                       GError           **error);
void         wb_vde_free              (WbVde             *vde);
/* "VDE network '/tmp/switch'" */
const char  *wb_vde_get_description   (WbVde             *vde);
void         wb_vde_get_counters      (WbVde               *vde,
                                       WbFdUplinkCounters  *counters);

G_END_DECLS
