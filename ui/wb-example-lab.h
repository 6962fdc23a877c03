/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The example lab (DESIGN.md's seed topology), made with the engine's
 * D-Bus API like any other client would: a router VM between NAT and the
 * internal network "intnet" with two VMs behind it, a web VM with port
 * forwards, the NAT network "natnet1" with two VMs, "vboxnet0" with one VM
 * and one bridged VM. Pieces that already exist are left alone.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void     wb_example_lab_load_async  (GDBusConnection     *connection,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
/* FALSE with the first error met (prefixed by the piece's name); the
 * pieces that could be made are made all the same. */
gboolean wb_example_lab_load_finish (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
