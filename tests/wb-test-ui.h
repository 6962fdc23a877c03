/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Helpers shared by the widget tests (linked only where GTK is): set-up,
 * a fixture of a window on an in-process engine, template children and
 * tear-down of every window. Each helper fails the test itself instead of
 * returning an error.
 */
#pragma once

#include <gtk/gtk.h>

#include "wb-test-util.h"

G_BEGIN_DECLS

/* For main(), before any thread exists: a fresh settings home from the
 * g_dir_make_tmp() template @tmpl (returned; remove it with
 * wb_test_rm_rf()), messages in C, then GTK, libadwaita and the app's
 * resources. */
char     *wb_test_ui_init                (int                 *argc,
                                          char              ***argv,
                                          const char          *tmpl);

/* A window on an in-process engine; the set-up is each test's own. */
typedef struct
{
  WbTestEngine  engine;
  GtkWidget    *window;
} WbTestUiFixture;

/* Destroys every window and stops the engine. */
void      wb_test_ui_fixture_tear_down   (WbTestUiFixture     *fixture,
                                          gconstpointer        data);

/* The child @id of @widget's template of class @type; it must exist. */
GObject  *wb_test_child                  (gpointer             widget,
                                          GType                type,
                                          const char          *id);
/* Destroys every toplevel, dialogs too. */
void      wb_test_destroy_toplevels      (void);

G_END_DECLS
