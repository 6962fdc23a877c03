/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Helpers shared by the C tests: temporary folders and settings homes, a
 * dump of a database for before/after comparisons, assertions on errors
 * and on whole model objects, and an in-process engine with its clients.
 * Each helper fails the test itself (g_assert*) instead of returning an
 * error.
 */
#pragma once

#include <glib.h>

#include "wb-client.h"
#include "wb-engine.h"
#include "wb-model.h"
#include "wb-store.h"

G_BEGIN_DECLS

/* Removes @path and everything below it (links are removed, not
 * followed), asserting that each removal works. A missing @path is
 * fine. */
void      wb_test_rm_rf                  (const char          *path);
/* A fresh folder from the g_dir_make_tmp() template @tmpl. */
char     *wb_test_make_tmp_dir           (const char          *tmpl);
/* A fresh folder from @tmpl, made the settings home (WIREBOX_HOME). Call
 * it before any thread exists. */
char     *wb_test_set_up_home            (const char          *tmpl);
/* A fresh folder from @tmpl (returned in @dir) with the store
 * "wirebox.db" (its path in @path) opened in it. */
WbStore  *wb_test_open_tmp_store         (const char          *tmpl,
                                          char               **dir,
                                          char               **path);

/* Every row of every table of the database at @path, in a stable order,
 * read over a connection of the test's own. */
char     *wb_test_dump_db                (const char          *path);

/* Replaces the string in @field with a copy of @value. */
void      wb_test_set_str                (char               **field,
                                          const char          *value);

/* Error messages are one line and valid UTF-8 (they travel over D-Bus). */
void      wb_test_assert_one_line        (const GError        *error);
/* One line, and contains @part. */
void      wb_test_assert_message_contains (const GError       *error,
                                          const char          *part);

/* Field by field, so that a field a copy, a parser or the store loses
 * shows up as a difference. */
void      wb_test_assert_rules_equal     (GPtrArray           *a,
                                          GPtrArray           *b);
void      wb_test_assert_adapters_equal  (const WbAdapter     *a,
                                          const WbAdapter     *b);
void      wb_test_assert_services_equal  (GArray              *a,
                                          GArray              *b);
void      wb_test_assert_vms_equal       (const WbVm          *a,
                                          const WbVm          *b);
void      wb_test_assert_nat_networks_equal (const WbNatNetwork *a,
                                          const WbNatNetwork  *b);
void      wb_test_assert_host_only_ifs_equal (const WbHostOnlyIf *a,
                                          const WbHostOnlyIf  *b);
void      wb_test_assert_dhcp_servers_equal (const WbDhcpServer *a,
                                          const WbDhcpServer  *b);

/* An in-process engine with the connection a UI in the same process
 * uses and a second one over its socket, as wirebox-manage would. */
typedef struct
{
  WbEngine        *engine;
  GDBusConnection *ui_connection;
  GDBusConnection *cli_connection;
  WbDBusEngine    *cli;
} WbTestEngine;

/* Starts the engine of the settings home (WIREBOX_HOME), which is @home;
 * with @home NULL, without the second connection. */
void      wb_test_engine_start           (WbTestEngine        *engine,
                                          const char          *home);
/* Closes both connections, stops the engine and runs what is left on
 * the default context. */
void      wb_test_engine_stop            (WbTestEngine        *engine);

/* One turn of the default context, without blocking, then a millisecond's
 * rest. */
void      wb_test_iterate                (void);
typedef gboolean (*WbTestCondition) (gpointer data);
/* Iterates until @condition holds. With @timeout_s, fails naming @what
 * after that many seconds; with 0 there is no deadline but meson's, and
 * the wait is logged instead. */
void      wb_test_wait_until             (WbTestCondition      condition,
                                          gpointer             data,
                                          const char          *what,
                                          guint                timeout_s);

G_END_DECLS
