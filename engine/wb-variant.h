/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The model as D-Bus values: the dictionaries documented in
 * data/io.github.wirebox.Engine.xml, and change lists from callers.
 */
#pragma once

#include <glib.h>

#include "wb-hostifs.h"
#include "wb-model.h"
#include "wb-settings.h"

G_BEGIN_DECLS

GVariant   *wb_variant_from_rules          (GPtrArray          *rules);     /* a(sssqsq) */
GVariant   *wb_variant_from_adapters       (const WbVm         *vm);        /* aa{sv} */
GVariant   *wb_variant_adapter_summary     (const WbVm         *vm);        /* a(uss) */
GVariant   *wb_variant_from_vm             (const WbVm         *vm);        /* a{sv} */
GVariant   *wb_variant_from_nat_network    (const WbNatNetwork *net);       /* a{sv} */
GVariant   *wb_variant_from_host_only_if   (const WbHostOnlyIf *hif);       /* a{sv} */
GVariant   *wb_variant_from_dhcp_server    (const WbDhcpServer *server);    /* a{sv} */
GVariant   *wb_variant_from_host_if        (const WbHostIf     *hostif);    /* a{sv} */

/* Borrowed views into @changes (a(sus)) and @options (a(ss)): the strings
 * stay valid while the variant lives. Free the result with g_free. */
WbVmChange *wb_variant_to_vm_changes       (GVariant           *changes,
                                            gsize              *n_changes);
WbOption   *wb_variant_to_options          (GVariant           *options,
                                            gsize              *n_options);

G_END_DECLS
