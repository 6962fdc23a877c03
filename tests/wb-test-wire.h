/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The wire the C tests put between guests (and a DHCP server, or a fake
 * peer): what is sent is copied and queued, and delivered later from a
 * source on the wire's main context, so that no guest is re-entered from
 * its own transmit callback. Who receives a frame is the test's business
 * (its deliver function); the wire only keeps the order, and can delay or
 * reorder frames. Also the main-loop waits the tests share.
 */
#pragma once

#include <glib.h>

#include "wb-guest.h"

G_BEGIN_DECLS

typedef struct _WbTestWire WbTestWire;

/* One frame off the wire: @from and @iface as given to
 * wb_test_wire_send(). */
typedef void (*WbTestWireDeliverFunc) (gpointer      user_data,
                                       guint         from,
                                       guint         iface,
                                       const guint8 *frame,
                                       gsize         len);

WbTestWire *wb_test_wire_new            (GMainContext          *context,
                                         WbTestWireDeliverFunc  deliver,
                                         gpointer               user_data);
/* Frames still on the wire are lost, not delivered. */
void        wb_test_wire_free           (WbTestWire            *wire);
void        wb_test_wire_send           (WbTestWire            *wire,
                                         guint                  from,
                                         guint                  iface,
                                         const guint8          *frame,
                                         gsize                  len);
/* Each frame arrives @ms after it was sent (0: at the next idle). */
void        wb_test_wire_set_delay      (WbTestWire            *wire,
                                         guint                  ms);
/* With @permille in 1000, a frame is held back until the next one has
 * passed; @rand (owned by the caller) decides. */
void        wb_test_wire_set_reorder    (WbTestWire            *wire,
                                         GRand                 *rand,
                                         guint                  permille);
guint64     wb_test_wire_get_reordered  (WbTestWire            *wire);
/* Frames are queued or on their way. */
gboolean    wb_test_wire_is_busy        (WbTestWire            *wire);

typedef gboolean (*WbTestCondition) (gpointer      data,
                                     gconstpointer arg);

/* Iterates @context until @cond holds; FALSE when @ms passed first. */
gboolean    wb_test_wait_for            (GMainContext          *context,
                                         WbTestCondition        cond,
                                         gpointer               data,
                                         gconstpointer          arg,
                                         guint                  ms);
/* Iterates @context until *@flag or @ms pass; returns *@flag. */
gboolean    wb_test_run_until           (GMainContext          *context,
                                         const gboolean        *flag,
                                         guint                  ms);
/* Iterates @context for @ms. */
void        wb_test_run_for             (GMainContext          *context,
                                         guint                  ms);

/* A command run in a guest, filled in when it ends. */
typedef struct
{
  gboolean  done;
  gboolean  ok;
  int       status;
  char     *output;
  GError   *error;
} WbTestRun;

/* Starts @argv in @guest; @run (zeroed by the caller) is filled in when it
 * ends, from @guest's context. */
void        wb_test_guest_run_async     (WbGuest               *guest,
                                         const char * const    *argv,
                                         GCancellable          *cancellable,
                                         WbTestRun             *run);
/* Runs @argv in @guest to its end (asserting that it ends within @ms,
 * iterating @context, and without an error); its output and exit status. */
char       *wb_test_guest_run           (WbGuest               *guest,
                                         GMainContext          *context,
                                         const char * const    *argv,
                                         int                   *status,
                                         guint                  ms);

G_END_DECLS
