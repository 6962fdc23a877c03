/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wirebox-manage probe (wb-manage-probe.c).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean _wb_manage_probe (int      argc,
                           char   **argv,
                           GError **error);

G_END_DECLS
