/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wirebox-manage: VBoxManage's network commands, spoken to the engine over
 * D-Bus. A library so that the tests link the code the program runs.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs one command line; returns the exit status (0, 1 failure, 2 syntax). */
int wb_manage_main (int    argc,
                    char **argv);

G_END_DECLS
