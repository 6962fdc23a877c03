/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The host's own kernel on a host-only segment (DESIGN.md §5): a TAP device
 * named like the interface (vboxnetN) as the segment's uplink port, so that
 * the host's programs reach the VMs at their addresses, as in VirtualBox.
 *
 * The engine only opens (or, when allowed, creates) the device; it never
 * sets its link, its addresses or its routes: that is the user's (or a
 * privileged test's, inside its own network namespace). Engine thread only.
 */
#pragma once

#include <glib.h>

#include "wb-fd-uplink.h"

G_BEGIN_DECLS

typedef struct _WbTap WbTap;

typedef WbFdUplinkCounters WbTapCounters;

/* Puts the TAP device @ifname on @segment where this process may: a TAP
 * device of that name exists and can be opened, or none exists,
 * WIREBOX_HOSTONLY_TAP=1 is set and we run as root (it is then created, not
 * persistent: it goes when the segment does). NULL with @error otherwise:
 * NOT_FOUND when there is
 * no device and creating one is not allowed, FAILED when it cannot be
 * opened. On success the device is an uplink port of @segment, read by a
 * source on the segment's context. */
WbTap      *wb_tap_open          (WbSegment      *segment,
                                  const char     *ifname,
                                  GError        **error);
/* Leaves the segment and closes the device. */
void        wb_tap_free          (WbTap          *tap);
const char *wb_tap_get_name      (WbTap          *tap);
/* Whether this process created the device (it goes with the WbTap). */
gboolean    wb_tap_get_created   (WbTap          *tap);
void        wb_tap_get_counters  (WbTap          *tap,
                                  WbTapCounters  *counters);

G_END_DECLS
