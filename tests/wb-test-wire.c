/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-test-wire.h"

#include <string.h>

typedef struct
{
  guint  from;
  guint  iface;
  gsize  len;
  guint8 data[];
} Frame;

struct _WbTestWire
{
  GMainContext          *context;
  WbTestWireDeliverFunc  deliver;
  gpointer               user_data;
  GQueue                 queue;          /* Frame */
  GSource               *idle;
  Frame                 *held;           /* reordered: waits for the next frame */
  GRand                 *rand;
  guint                  reorder_permille;
  guint64                reordered;
  guint                  delay_ms;
  GPtrArray             *delayed;        /* GSource: frames on their way */
};

typedef struct
{
  WbTestWire *wire;
  Frame      *frame;
  GSource    *source;
} DelayedFrame;

static void
deliver (WbTestWire *wire,
         Frame      *f)
{
  wire->deliver (wire->user_data, f->from, f->iface, f->data, f->len);
  g_free (f);
}

static gboolean
idle_cb (gpointer data)
{
  WbTestWire *wire = data;
  /* Frames sent while delivering wait for the next round. */
  guint budget = wire->queue.length;
  Frame *f;

  while (budget-- > 0 && (f = g_queue_pop_head (&wire->queue)) != NULL)
    {
      if (wire->held == NULL && wire->reorder_permille > 0
          && (guint) g_rand_int_range (wire->rand, 0, 1000) < wire->reorder_permille)
        {
          wire->held = f;
          wire->reordered++;
          continue;
        }
      deliver (wire, f);
      if (wire->held != NULL)
        deliver (wire, g_steal_pointer (&wire->held));
    }
  if (wire->held != NULL && wire->queue.length == 0)
    deliver (wire, g_steal_pointer (&wire->held));
  if (wire->queue.length > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&wire->idle, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
delayed_cb (gpointer user_data)
{
  DelayedFrame *d = user_data;
  WbTestWire *wire = d->wire;

  deliver (wire, g_steal_pointer (&d->frame));
  /* Destroys the source, and @d with it. */
  g_ptr_array_remove (wire->delayed, d->source);
  return G_SOURCE_REMOVE;
}

static void
delayed_free (gpointer user_data)
{
  DelayedFrame *d = user_data;

  g_free (d->frame);
  g_free (d);
}

static void
source_destroy (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  g_source_unref (source);
}

WbTestWire *
wb_test_wire_new (GMainContext          *context,
                  WbTestWireDeliverFunc  deliver_func,
                  gpointer               user_data)
{
  WbTestWire *wire = g_new0 (WbTestWire, 1);

  wire->context = context != NULL ? g_main_context_ref (context) : NULL;
  wire->deliver = deliver_func;
  wire->user_data = user_data;
  g_queue_init (&wire->queue);
  wire->delayed = g_ptr_array_new_with_free_func (source_destroy);
  return wire;
}

void
wb_test_wire_free (WbTestWire *wire)
{
  if (wire->idle != NULL)
    source_destroy (wire->idle);
  g_queue_clear_full (&wire->queue, g_free);
  g_free (wire->held);
  g_ptr_array_unref (wire->delayed);
  g_clear_pointer (&wire->context, g_main_context_unref);
  g_free (wire);
}

void
wb_test_wire_send (WbTestWire   *wire,
                   guint         from,
                   guint         iface,
                   const guint8 *frame,
                   gsize         len)
{
  Frame *f = g_malloc (sizeof *f + len);

  f->from = from;
  f->iface = iface;
  f->len = len;
  memcpy (f->data, frame, len);
  if (wire->delay_ms > 0)
    {
      DelayedFrame *d = g_new0 (DelayedFrame, 1);

      d->wire = wire;
      d->frame = f;
      d->source = g_timeout_source_new (wire->delay_ms);
      g_source_set_callback (d->source, delayed_cb, d, delayed_free);
      g_source_attach (d->source, wire->context);
      g_ptr_array_add (wire->delayed, d->source);
      return;
    }
  g_queue_push_tail (&wire->queue, f);
  if (wire->idle == NULL)
    {
      wire->idle = g_idle_source_new ();
      g_source_set_callback (wire->idle, idle_cb, wire, NULL);
      g_source_attach (wire->idle, wire->context);
    }
}

void
wb_test_wire_set_delay (WbTestWire *wire,
                        guint       ms)
{
  wire->delay_ms = ms;
}

void
wb_test_wire_set_reorder (WbTestWire *wire,
                          GRand      *rand,
                          guint       permille)
{
  g_assert (permille == 0 || rand != NULL);
  wire->rand = rand;
  wire->reorder_permille = permille;
}

guint64
wb_test_wire_get_reordered (WbTestWire *wire)
{
  return wire->reordered;
}

gboolean
wb_test_wire_is_busy (WbTestWire *wire)
{
  return wire->idle != NULL || wire->held != NULL || wire->delayed->len > 0;
}

/* --- waiting ----------------------------------------------------------------------- */

static gboolean
expire_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
wb_test_wait_for (GMainContext    *context,
                  WbTestCondition  cond,
                  gpointer         data,
                  gconstpointer    arg,
                  guint            ms)
{
  gboolean expired = FALSE;
  GSource *timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, expire_cb, &expired, NULL);
  g_source_attach (timeout, context);
  while (!cond (data, arg) && !expired)
    g_main_context_iteration (context, TRUE);
  source_destroy (timeout);
  return cond (data, arg);
}

static gboolean
flag_is_set (gpointer      data,
             gconstpointer arg)
{
  return *(const gboolean *) arg;
}

gboolean
wb_test_run_until (GMainContext   *context,
                   const gboolean *flag,
                   guint           ms)
{
  return wb_test_wait_for (context, flag_is_set, NULL, flag, ms);
}

void
wb_test_run_for (GMainContext *context,
                 guint         ms)
{
  gboolean never = FALSE;

  wb_test_run_until (context, &never, ms);
}

/* --- guest commands ------------------------------------------------------------------- */

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  WbTestRun *r = user_data;

  r->ok = wb_guest_run_finish (result, &r->status, &r->output, &r->error);
  r->done = TRUE;
}

void
wb_test_guest_run_async (WbGuest            *guest,
                         const char * const *argv,
                         GCancellable       *cancellable,
                         WbTestRun          *run)
{
  wb_guest_run_async (guest, argv, cancellable, run_done_cb, run);
}

char *
wb_test_guest_run (WbGuest            *guest,
                   GMainContext       *context,
                   const char * const *argv,
                   int                *status,
                   guint               ms)
{
  WbTestRun r = { 0 };

  wb_test_guest_run_async (guest, argv, NULL, &r);
  g_assert_true (wb_test_run_until (context, &r.done, ms));
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  if (status != NULL)
    *status = r.status;
  return r.output;
}
