/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A runtime lab for the C tests: a settings home with its store, settings
 * and runtime on this thread's default context, helpers that make, set up,
 * start and drive VMs (each fails the test itself), and a bulk TCP sender
 * and receiver that checksum what they move.
 */
#pragma once

#include <gio/gio.h>

#include "wb-runtime.h"
#include "wb-settings.h"
#include "wb-store.h"
#include "wb-tcp.h"

G_BEGIN_DECLS

typedef struct
{
  char       *home;
  WbStore    *store;
  WbSettings *settings;
  WbRuntime  *runtime;
  guint       state_changes;
} WbTestFixture;

/* Removes @path and everything below it, ignoring failures (unlike
 * wb_test_rm_rf(), which asserts). */
void           wb_test_runtime_rm_rf     (const char     *path);
/* Runs what is ready on the default context, without blocking. */
void           wb_test_run_pending       (void);

/* For main(), before any thread exists: a fresh folder from the
 * g_dir_make_tmp() template @tmpl, with WIREBOX_HOME set to "home" below
 * it (each test's fixture makes and removes that). Remove the folder with
 * wb_test_runtime_rm_rf() once the tests have run. */
char          *wb_test_runtime_set_up_base (const char   *tmpl);

/* The settings home is WIREBOX_HOME, set once in main() before any thread
 * exists; tear-down removes it. */
void           wb_test_fixture_set_up    (WbTestFixture  *f,
                                          gconstpointer   data);
void           wb_test_fixture_tear_down (WbTestFixture  *f,
                                          gconstpointer   data);
/* Adds the test @func at @path with the fixture above. */
#define wb_test_add(path, func) \
  g_test_add ((path), WbTestFixture, NULL, wb_test_fixture_set_up, (func), \
              wb_test_fixture_tear_down)

void           wb_test_create_vm         (WbTestFixture  *f,
                                          const char     *name);
/* Triples (key, slot, value) until a NULL key, all in one call. */
void           wb_test_change_vm         (WbTestFixture  *f,
                                          gboolean        guest,
                                          const char     *name,
                                          ...) G_GNUC_NULL_TERMINATED;
#define wb_test_modify_vm(f, name, ...) \
  wb_test_change_vm ((f), FALSE, (name), __VA_ARGS__, NULL)
#define wb_test_configure_guest(f, name, ...) \
  wb_test_change_vm ((f), TRUE, (name), __VA_ARGS__, NULL)
/* A VM with adapter 1 on internal network @intnet at @address (or DHCP
 * when NULL). */
void           wb_test_create_intnet_vm  (WbTestFixture  *f,
                                          const char     *name,
                                          const char     *intnet,
                                          const char     *address,
                                          const char     *gateway);
void           wb_test_start_vm          (WbTestFixture  *f,
                                          const char     *name);
void           wb_test_poweroff_vm       (WbTestFixture  *f,
                                          const char     *name);
void           wb_test_control_vm        (WbTestFixture  *f,
                                          const char     *name,
                                          const char     *key,
                                          guint           slot,
                                          const char     *arg1,
                                          const char     *arg2);

/* A GAsyncReadyCallback that stores a reference to the result in the
 * GAsyncResult * at @user_data; wb_test_wait_result() iterates until it
 * is there. */
void           wb_test_store_result_cb   (GObject        *source,
                                          GAsyncResult   *result,
                                          gpointer        user_data);
GAsyncResult  *wb_test_wait_result       (GAsyncResult  **slot);

/* guestcontrol VM run -- COMMAND: the exit status, the output in @output. */
int            wb_test_guest_run         (WbTestFixture  *f,
                                          const char     *name,
                                          const char     *command,
                                          char          **output);
/* The value of the guest property matching @pattern, or NULL on a
 * timeout. */
char          *wb_test_wait_property     (WbTestFixture  *f,
                                          const char     *name,
                                          const char     *pattern,
                                          guint           timeout_ms);

/* --- bulk TCP ------------------------------------------------------------------ */

typedef struct
{
  GChecksum   *sum;
  gsize        expected;
  gsize        received;
  gboolean     eof;
  gboolean     closed;
  GError      *error;
} WbTestBulkReceiver;

typedef struct
{
  GChecksum   *sum;
  GRand       *rand;
  guint8       chunk[16384];
  gsize        chunk_len;
  gsize        chunk_off;
  gsize        left;
  gboolean     done;
  gboolean     closed;
  GError      *error;
  WbTcpSocket *socket;
  GString     *reply;
} WbTestBulkSender;

/* @size pseudo-random bytes from @seed; the peer's reply is kept. */
void           wb_test_bulk_sender_init  (WbTestBulkSender *sender,
                                          gsize             size,
                                          guint32           seed);
void           wb_test_bulk_sender_clear (WbTestBulkSender *sender);
/* A listener's accept callback: the socket feeds the WbTestBulkReceiver
 * at @user_data. */
void           wb_test_bulk_accept_cb    (WbTcpSocket      *socket,
                                          gpointer          user_data);

/* For wb_tcp_connect() with a WbTestBulkSender. */
extern const WbTcpCallbacks wb_test_bulk_sender_callbacks;

G_END_DECLS
