/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The guest's TCP (RFC 9293), event-driven on the guest's context.
 *
 * Send side: a ring buffer per connection holds the bytes from SND.UNA on
 * (unacknowledged, then unsent); segments are cut from it at the egress MSS,
 * limited by the peer's (scaled, RFC 7323) window and by the congestion
 * window (RFC 5681 slow start and congestion avoidance with byte counting,
 * NewReno fast retransmit/recovery after RFC 6582, with Limited Transmit,
 * RFC 3042). One timer per connection serves retransmission (RFC 6298
 * estimator, Karn's rule, 200 ms..60 s, exponential back-off), loss probes
 * before it, zero-window probes, the handshake and TIME-WAIT. It is re-armed
 * lazily: moving its deadline later costs no new source, the source fires
 * at the old time and re-arms itself for the remainder.
 *
 * Loss probes (RFC 8985 §7): when max (2 SRTT, 10 ms) pass without a new
 * ACK, new data or the last segment is sent, or in recovery the hole again
 * (its retransmission may be what was lost). The duplicate ACKs they draw
 * let fast recovery go on where NewReno alone would wait for a timeout: a
 * lost retransmission, or holes left when recovery ends. At most four go,
 * a PTO apart, before the timeout. With 1% of frames lost, a bulk transfer
 * between two guests sees next to no timeouts this way.
 *
 * Receive side: in-order data goes straight from the segment to the owner's
 * "received" callback, so there is no receive buffer to fill and the window
 * we offer is constant: TCP_RCV_BUF bytes, the size of a second ring that
 * holds out-of-order data at (sequence number mod its size) until the gap
 * before it fills. Segments are acknowledged every second one; a lone one
 * is acknowledged when the main loop has dispatched what was ready (a
 * "flush" source shared by the stack), which also sends the tail of what
 * the owner wrote in that iteration in one segment rather than many.
 *
 * TIME-WAIT lasts 2 * MSL with MSL = 2 s (RFC 9293 suggests 2 minutes; here
 * both ends are in one process or on a local network, and a short MSL keeps
 * the table small). A new SYN above the old RCV.NXT reopens a connection in
 * TIME-WAIT. Sockets in TIME-WAIT share one timer, a queue in the order they
 * expire (the duration is the same for all): a GSource each would make
 * every main-loop iteration walk thousands of them when a client opens and
 * closes connections fast (an HTTP client through NAT: each request cost
 * milliseconds in g_main_context_prepare/check).
 *
 * Listeners keep at most TCP_BACKLOG half-open connections each; beyond
 * that the oldest is dropped silently (and counted), so a SYN flood costs a
 * bounded amount of memory and real clients still get through.
 *
 * Every entry point (input, timers, the flush source, the API) marks the
 * stack busy; a segment that arrives while it is (a synchronous wire, a
 * connection to ourselves) is queued and processed when the outermost entry
 * point returns, so processing never recurses into itself. The owners'
 * callbacks may call anything in wb-tcp.h, including wb_tcp_abort() on the
 * socket they are called for.
 */
#include "wb-guest-private.h"
#include "wb-tcp.h"

#include <string.h>

#define TCP_FIN  0x01
#define TCP_SYN  0x02
#define TCP_RST  0x04
#define TCP_PSH  0x08
#define TCP_ACK  0x10

#define TCP_SND_BUF        (2u << 20)   /* a power of two */
#define TCP_RCV_BUF        (2u << 20)   /* a power of two: the window we offer */
#define TCP_RCV_WSCALE     6            /* 65535 << 6 >= TCP_RCV_BUF */
#define TCP_RING_MIN       16384
#define TCP_WRITABLE_SPACE (TCP_SND_BUF / 4)
#define TCP_DEFAULT_MSS    536
#define TCP_SYN_OPT_LEN    8            /* MSS, NOP, window scale */
#define TCP_BACKLOG        128
/* Linux's range, below the ports a masquerading guest maps (61000..). */
#define TCP_EPHEMERAL_MIN  32768
#define TCP_EPHEMERAL_N    28232        /* 32768..60999 */
#define TCP_MSL_US         (2 * G_USEC_PER_SEC)
#define TCP_RTO_INITIAL_US (1 * G_USEC_PER_SEC)
#define TCP_RTO_MIN_US     (200 * 1000)
#define TCP_RTO_MAX_US     (60 * G_USEC_PER_SEC)
#define TCP_PTO_MIN_US     (10 * 1000)
#define TCP_MAX_PROBES     4
#define TCP_SYN_RETRIES    5            /* 1 + 2 + 4 + 8 + 16 + 32 s */
#define TCP_DATA_RETRIES   12
#define TCP_CWND_MAX       (4 * TCP_SND_BUF)
#define TCP_DEFERRED_MAX   4096

#define SEQ_LT(a, b)   ((gint32) ((guint32) (a) - (guint32) (b)) < 0)
#define SEQ_LEQ(a, b)  ((gint32) ((guint32) (a) - (guint32) (b)) <= 0)
#define SEQ_GT(a, b)   ((gint32) ((guint32) (a) - (guint32) (b)) > 0)
#define SEQ_GEQ(a, b)  ((gint32) ((guint32) (a) - (guint32) (b)) >= 0)

typedef enum
{
  TCP_CLOSED,
  TCP_SYN_SENT,
  TCP_SYN_RECEIVED,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT_1,
  TCP_FIN_WAIT_2,
  TCP_CLOSE_WAIT,
  TCP_CLOSING,
  TCP_LAST_ACK,
  TCP_TIME_WAIT,
} TcpState;

enum
{
  FLUSH_OUTPUT = 1 << 0,
  FLUSH_ACK    = 1 << 1,
};

typedef struct
{
  guint32 local_addr;
  guint32 remote_addr;
  guint16 local_port;
  guint16 remote_port;
} TcpKey;

/* Bytes at (head + i) mod capacity; capacity 0 or a power of two. */
typedef struct
{
  guint8 *data;
  gsize   capacity;
  gsize   head;
  gsize   len;
} TcpRing;

/* Out-of-order data held: [start, end) in sequence space. */
typedef struct
{
  guint32 start;
  guint32 end;
} TcpRange;

typedef struct
{
  guint16 mss;        /* 0: none */
  gint    wscale;     /* -1: none */
} TcpOptions;

typedef struct
{
  guint32       src;
  guint32       dst;
  guint16       sport;
  guint16       dport;
  guint32       seq;
  guint32       ack;
  guint8        flags;
  guint16       window;
  const guint8 *data;
  gsize         len;
  TcpOptions    options;
} TcpSegment;

typedef struct
{
  guint16          port;
  WbTcpAcceptFunc  accept;
  gpointer         user_data;
  GDestroyNotify   destroy;
  GQueue           backlog;      /* half-open sockets, oldest first */
  guint64          drops;
} TcpListener;

typedef struct
{
  GList   link;
  guint32 src;
  guint32 dst;
  gsize   len;
  guint8  data[];
} TcpDeferred;

typedef struct
{
  GSource     source;
  WbTcpStack *stack;
} TcpFlushSource;

struct _WbTcpStack
{
  WbGuest     *guest;
  GHashTable  *sockets;          /* TcpKey * -> WbTcpSocket * */
  GHashTable  *listeners;        /* port -> TcpListener * */
  TcpListener *any_listener;     /* port 0 */
  GQueue       flush_queue;      /* sockets with flush_flags != 0 */
  GSource     *flush_source;
  GQueue       deferred;         /* TcpDeferred, input that arrived while busy */
  GQueue       time_wait;        /* sockets in TIME-WAIT, the first to expire first */
  GSource     *time_wait_source;
  guint        depth;
  gboolean     destroying;
  guint8      *scratch;          /* where data segments are built */
  gsize        scratch_size;
  WbTcpStats   stats;
};

struct _WbTcpSocket
{
  WbTcpStack     *stack;
  TcpKey          key;
  TcpState        state;
  guint           ref_count;
  gboolean        attached;      /* an owner holds it */
  WbTcpCallbacks  callbacks;
  gpointer        user_data;
  TcpListener    *listener;      /* passive and not yet accepted */
  GList           backlog_link;
  GList           flush_link;
  guint           flush_flags;
  GList           time_wait_link;
  gint64          time_wait_until;

  /* Send side. The ring's first byte has sequence number snd_data_seq. */
  guint32         iss;
  guint32         snd_una;
  guint32         snd_nxt;
  guint32         snd_max;
  guint32         snd_data_seq;
  guint32         snd_wnd;
  guint32         max_snd_wnd;
  guint32         snd_wl1;
  guint32         snd_wl2;
  guint8          snd_wscale;
  guint8          rcv_wscale;
  gboolean        wscale_ok;
  guint           mss;           /* the largest segment we send */
  guint           rcv_mss;       /* the MSS we announced */
  TcpRing         snd;
  gboolean        fin_queued;
  gboolean        want_writable;

  /* Congestion control. */
  guint32         cwnd;
  guint32         ssthresh;
  guint32         recover;
  guint32         bytes_acked;
  guint           dupacks;
  gboolean        in_recovery;

  /* Round-trip time (microseconds). */
  gint64          srtt;
  gint64          rttvar;
  gint64          rto;
  gboolean        rtt_timing;
  guint32         rtt_seq;
  gint64          rtt_start;
  guint           retries;
  gboolean        probe_armed;   /* the timer is a loss probe's */
  guint           probes;        /* sent since the last new ACK */
  gint64          rto_at;        /* when the retransmission timeout is due */

  /* Receive side. */
  guint32         irs;
  guint32         rcv_nxt;
  guint32         rcv_wnd;
  guint8         *ooo;           /* TCP_RCV_BUF bytes, indexed by seq mod size */
  GArray         *ooo_ranges;    /* TcpRange, sorted, disjoint */
  gboolean        ooo_fin;
  guint32         ooo_fin_seq;
  gboolean        ack_pending;
  guint           unacked_segs;

  /* The one timer. */
  GSource        *timer;
  gint64          timer_at;      /* when the source fires */
  gint64          deadline;      /* 0: nothing due */
};

static void tcp_input       (WbTcpStack   *stack,
                             guint32       src,
                             guint32       dst,
                             const guint8 *segment,
                             gsize         len);
static void tcp_output      (WbTcpSocket  *sock,
                             gboolean      full_only);

/* --- the stack's busy mark ------------------------------------------------- */

static void
stack_enter (WbTcpStack *stack)
{
  stack->depth++;
}

static void
stack_leave (WbTcpStack *stack)
{
  GList *link;

  if (stack->depth > 1)
    {
      stack->depth--;
      return;
    }
  while ((link = g_queue_pop_head_link (&stack->deferred)) != NULL)
    {
      TcpDeferred *d = link->data;

      tcp_input (stack, d->src, d->dst, d->data, d->len);
      g_free (d);
    }
  stack->depth--;
}

/* --- rings ----------------------------------------------------------------- */

static void
ring_copy_in (guint8       *buf,
              gsize         capacity,
              gsize         pos,
              const guint8 *src,
              gsize         len)
{
  gsize first;

  pos &= capacity - 1;
  first = MIN (len, capacity - pos);
  memcpy (buf + pos, src, first);
  memcpy (buf, src + first, len - first);
}

static void
ring_copy_out (const guint8 *buf,
               gsize         capacity,
               gsize         pos,
               guint8       *dst,
               gsize         len)
{
  gsize first;

  pos &= capacity - 1;
  first = MIN (len, capacity - pos);
  memcpy (dst, buf + pos, first);
  memcpy (dst + first, buf, len - first);
}

static void
ring_append (TcpRing      *ring,
             const guint8 *data,
             gsize         len)
{
  if (ring->len + len > ring->capacity)
    {
      gsize capacity = MAX (ring->capacity, TCP_RING_MIN);
      guint8 *bigger;

      while (capacity < ring->len + len)
        capacity *= 2;
      bigger = g_malloc (capacity);
      if (ring->len > 0)
        ring_copy_out (ring->data, ring->capacity, ring->head, bigger, ring->len);
      g_free (ring->data);
      ring->data = bigger;
      ring->capacity = capacity;
      ring->head = 0;
    }
  ring_copy_in (ring->data, ring->capacity, ring->head + ring->len, data, len);
  ring->len += len;
}

static void
ring_consume (TcpRing *ring,
              gsize    len)
{
  ring->len -= len;
  if (ring->len == 0)
    {
      /* An idle connection keeps no buffer. */
      g_clear_pointer (&ring->data, g_free);
      ring->capacity = 0;
      ring->head = 0;
    }
  else
    ring->head = (ring->head + len) & (ring->capacity - 1);
}

/* --- sockets: lifetime and lookup ------------------------------------------- */

static guint
tcp_key_hash (gconstpointer p)
{
  const TcpKey *k = p;
  guint32 h = k->remote_addr * 0x9e3779b1u;

  h ^= ((guint32) k->remote_port << 16 | k->local_port) * 0x85ebca6bu;
  h ^= k->local_addr * 0xc2b2ae35u;
  return h ^ (h >> 15);
}

static gboolean
tcp_key_equal (gconstpointer a,
               gconstpointer b)
{
  const TcpKey *x = a;
  const TcpKey *y = b;

  return x->local_addr == y->local_addr && x->remote_addr == y->remote_addr
         && x->local_port == y->local_port && x->remote_port == y->remote_port;
}

static WbTcpSocket *
tcp_ref (WbTcpSocket *sock)
{
  sock->ref_count++;
  return sock;
}

static void
tcp_unref (WbTcpSocket *sock)
{
  if (--sock->ref_count == 0)
    g_free (sock);
}

static WbTcpSocket *
tcp_socket_new (WbTcpStack   *stack,
                const TcpKey *key,
                TcpState      state)
{
  WbTcpSocket *sock = g_new0 (WbTcpSocket, 1);

  sock->stack = stack;
  sock->key = *key;
  sock->state = state;
  sock->ref_count = 1;        /* the table's */
  sock->backlog_link.data = sock;
  sock->flush_link.data = sock;
  sock->iss = g_random_int ();
  sock->snd_una = sock->iss;
  sock->snd_nxt = sock->iss + 1;
  sock->snd_max = sock->iss + 1;
  sock->snd_data_seq = sock->iss + 1;
  sock->recover = sock->iss;
  sock->rcv_wnd = G_MAXUINT16;
  sock->rto = TCP_RTO_INITIAL_US;
  sock->ssthresh = TCP_CWND_MAX;
  g_hash_table_insert (stack->sockets, &sock->key, sock);
  stack->stats.sockets++;
  return sock;
}

/* Takes the socket out of every table and frees its buffers; the struct
 * lives on while someone holds a reference. */
static void
tcp_destroy (WbTcpSocket *sock)
{
  WbTcpStack *stack = sock->stack;

  if (sock->state == TCP_CLOSED)
    return;
  if (sock->listener != NULL)
    {
      g_queue_unlink (&sock->listener->backlog, &sock->backlog_link);
      sock->listener = NULL;
      stack->stats.half_open--;
    }
  if (sock->state == TCP_TIME_WAIT)
    {
      g_queue_unlink (&stack->time_wait, &sock->time_wait_link);
      stack->stats.time_wait--;
    }
  sock->state = TCP_CLOSED;
  sock->attached = FALSE;
  memset (&sock->callbacks, 0, sizeof sock->callbacks);
  if (sock->flush_flags != 0)
    {
      g_queue_unlink (&stack->flush_queue, &sock->flush_link);
      sock->flush_flags = 0;
    }
  if (sock->timer != NULL)
    {
      g_source_destroy (sock->timer);
      g_clear_pointer (&sock->timer, g_source_unref);
    }
  g_clear_pointer (&sock->snd.data, g_free);
  sock->snd.len = sock->snd.capacity = 0;
  g_clear_pointer (&sock->ooo, g_free);
  g_clear_pointer (&sock->ooo_ranges, g_array_unref);
  g_hash_table_remove (stack->sockets, &sock->key);
  stack->stats.sockets--;
  tcp_unref (sock);
}

/* The connection is over: the owner hears of it (if there is one) after the
 * socket has left every table, so that whatever it calls is harmless. */
static void
tcp_close_with (WbTcpSocket  *sock,
                const GError *error)
{
  gboolean attached = sock->attached;
  void (*closed) (WbTcpSocket *, const GError *, gpointer) = sock->callbacks.closed;
  gpointer user_data = sock->user_data;

  tcp_ref (sock);
  tcp_destroy (sock);
  if (attached && closed != NULL)
    closed (sock, error, user_data);
  tcp_unref (sock);
}

static void
tcp_fail (WbTcpSocket *sock,
          GIOErrorEnum code,
          const char  *message)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, code, message);

  tcp_close_with (sock, error);
}

static gboolean
tcp_can_send (WbTcpSocket *sock)
{
  return sock->state == TCP_SYN_SENT || sock->state == TCP_SYN_RECEIVED
         || sock->state == TCP_ESTABLISHED || sock->state == TCP_CLOSE_WAIT;
}

static guint32
tcp_data_end (WbTcpSocket *sock)
{
  return sock->snd_data_seq + (guint32) sock->snd.len;
}

static gboolean
tcp_fin_acked (WbTcpSocket *sock)
{
  return sock->fin_queued && SEQ_GT (sock->snd_una, tcp_data_end (sock));
}

/* --- timer ------------------------------------------------------------------- */

static void tcp_on_timeout (WbTcpSocket *sock);

static gboolean
tcp_timer_cb (gpointer data)
{
  WbTcpSocket *sock = data;
  WbTcpStack *stack = sock->stack;

  /* The dispatch holds the source; ours goes. */
  g_clear_pointer (&sock->timer, g_source_unref);
  if (sock->deadline == 0)
    return G_SOURCE_REMOVE;

  stack_enter (stack);
  tcp_ref (sock);
  if (g_get_monotonic_time () >= sock->deadline)
    {
      sock->deadline = 0;
      tcp_on_timeout (sock);
    }
  /* Still due later (the deadline moved, or the timeout set a new one). */
  if (sock->state != TCP_CLOSED && sock->deadline != 0 && sock->timer == NULL)
    {
      gint64 now = g_get_monotonic_time ();
      guint ms = (guint) MAX ((sock->deadline - now + 999) / 1000, 1);

      sock->timer = _wb_guest_timeout_new (stack->guest, ms, tcp_timer_cb, sock);
      sock->timer_at = now + (gint64) ms * 1000;
    }
  tcp_unref (sock);
  stack_leave (stack);
  return G_SOURCE_REMOVE;
}

/* Due in @delay microseconds (0: nothing due). A later deadline than the
 * armed source's keeps the source: it re-arms itself when it fires. */
static void
tcp_set_timer (WbTcpSocket *sock,
               gint64       delay)
{
  gint64 now;
  guint ms;

  if (delay == 0)
    {
      sock->deadline = 0;
      return;
    }
  now = g_get_monotonic_time ();
  sock->deadline = now + delay;
  if (sock->timer != NULL && sock->timer_at <= sock->deadline)
    return;
  if (sock->timer != NULL)
    {
      g_source_destroy (sock->timer);
      g_clear_pointer (&sock->timer, g_source_unref);
    }
  ms = (guint) MAX ((delay + 999) / 1000, 1);
  sock->timer = _wb_guest_timeout_new (sock->stack->guest, ms, tcp_timer_cb, sock);
  sock->timer_at = now + (gint64) ms * 1000;
}

/* Arms a loss probe if one may go before the retransmission timeout;
 * FALSE if not. */
static gboolean
tcp_arm_probe (WbTcpSocket *sock)
{
  gint64 pto = MAX (2 * sock->srtt, TCP_PTO_MIN_US);
  gint64 now = g_get_monotonic_time ();

  if (sock->srtt == 0 || sock->retries > 0 || sock->probes >= TCP_MAX_PROBES
      || now + pto >= sock->rto_at)
    return FALSE;
  sock->probe_armed = TRUE;
  tcp_set_timer (sock, pto);
  return TRUE;
}

/* Arms the timer for what is in flight (after a new ACK, or when sending
 * starts): the timeout is due in RTO, a loss probe before it. */
static void
tcp_arm_retransmit (WbTcpSocket *sock)
{
  sock->probe_armed = FALSE;
  if (sock->snd_una == sock->snd_max)
    {
      sock->rto_at = 0;
      tcp_set_timer (sock, 0);
      return;
    }
  sock->rto_at = g_get_monotonic_time () + sock->rto;
  if (!tcp_arm_probe (sock))
    tcp_set_timer (sock, sock->rto);
}

/* --- output -------------------------------------------------------------------- */

static guint8 *
tcp_scratch (WbTcpStack *stack,
             gsize       size)
{
  if (stack->scratch_size < size)
    {
      g_free (stack->scratch);
      stack->scratch = g_malloc (size);
      stack->scratch_size = size;
    }
  return stack->scratch;
}

static void
tcp_write_header (guint8  *h,
                  guint16  sport,
                  guint16  dport,
                  guint32  seq,
                  guint32  ack,
                  guint8   flags,
                  guint16  window,
                  gsize    hlen)
{
  wb_put_be16 (h, sport);
  wb_put_be16 (h + 2, dport);
  wb_put_be32 (h + 4, seq);
  wb_put_be32 (h + 8, ack);
  h[12] = (guint8) ((hlen / 4) << 4);
  h[13] = flags;
  wb_put_be16 (h + 14, window);
  memset (h + 16, 0, 4);      /* checksum, urgent pointer */
}

static void
tcp_emit (WbTcpStack *stack,
          guint32     src,
          guint32     dst,
          guint8     *segment,
          gsize       len)
{
  wb_put_be16 (segment + 16, wb_checksum_l4 (src, dst, WB_IP_PROTO_TCP, segment, len));
  stack->stats.segments_out++;
  /* A failure is a lost segment: the timer sends it again. */
  _wb_guest_ip_output (stack->guest, src, dst, WB_IP_PROTO_TCP, segment, len, NULL);
}

/* The answer to a segment that has no connection (RFC 9293 §3.10.7.1). */
static void
tcp_send_reset_for (WbTcpStack       *stack,
                    const TcpSegment *s)
{
  guint8 h[WB_TCP_HLEN];

  if (s->flags & TCP_ACK)
    tcp_write_header (h, s->dport, s->sport, s->ack, 0, TCP_RST, 0, sizeof h);
  else
    tcp_write_header (h, s->dport, s->sport, 0,
                      s->seq + (guint32) s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN),
                      TCP_RST | TCP_ACK, 0, sizeof h);
  stack->stats.resets_sent++;
  tcp_emit (stack, s->dst, s->src, h, sizeof h);
}

static guint16
tcp_window_field (WbTcpSocket *sock,
                  guint8       flags)
{
  /* The window in a SYN is never scaled (RFC 7323 §2.2). */
  if (flags & TCP_SYN)
    return (guint16) MIN (sock->rcv_wnd, G_MAXUINT16);
  return (guint16) MIN (sock->rcv_wnd >> sock->rcv_wscale, G_MAXUINT16);
}

/* One segment at @seq: @len bytes from the send ring, SYN options when
 * @flags has SYN. Every segment but the first SYN acknowledges. */
static void
tcp_send (WbTcpSocket *sock,
          guint32      seq,
          guint8       flags,
          gsize        len)
{
  WbTcpStack *stack = sock->stack;
  guint8 small[WB_TCP_HLEN + TCP_SYN_OPT_LEN];
  gsize hlen = WB_TCP_HLEN;
  guint8 *seg = small;

  if (sock->state != TCP_SYN_SENT || (flags & TCP_RST))
    flags |= TCP_ACK;
  if (flags & TCP_SYN)
    hlen += (sock->state == TCP_SYN_SENT || sock->wscale_ok) ? 8 : 4;
  if (len > 0)
    seg = tcp_scratch (stack, hlen + len);

  tcp_write_header (seg, sock->key.local_port, sock->key.remote_port, seq,
                    (flags & TCP_ACK) ? sock->rcv_nxt : 0, flags,
                    tcp_window_field (sock, flags), hlen);
  if (flags & TCP_SYN)
    {
      seg[20] = 2;
      seg[21] = 4;
      wb_put_be16 (seg + 22, (guint16) sock->rcv_mss);
      if (hlen > 24)
        {
          seg[24] = 1;
          seg[25] = 3;
          seg[26] = 3;
          seg[27] = TCP_RCV_WSCALE;
        }
    }
  if (len > 0)
    ring_copy_out (sock->snd.data, sock->snd.capacity,
                   sock->snd.head + (seq - sock->snd_data_seq), seg + hlen, len);

  if (flags & TCP_ACK)
    {
      sock->ack_pending = FALSE;
      sock->unacked_segs = 0;
    }
  tcp_emit (stack, sock->key.local_addr, sock->key.remote_addr, seg, hlen + len);
}

static void
tcp_send_ack (WbTcpSocket *sock)
{
  tcp_send (sock, sock->snd_nxt, TCP_ACK, 0);
}

static void
tcp_schedule (WbTcpSocket *sock,
              guint        what)
{
  WbTcpStack *stack = sock->stack;

  if (sock->flush_flags == 0)
    g_queue_push_tail_link (&stack->flush_queue, &sock->flush_link);
  sock->flush_flags |= what;
  if (g_source_get_ready_time (stack->flush_source) != 0)
    g_source_set_ready_time (stack->flush_source, 0);
}

static gboolean
tcp_flush_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  WbTcpStack *stack = ((TcpFlushSource *) source)->stack;
  GList *link;

  g_source_set_ready_time (source, -1);
  stack_enter (stack);
  while ((link = g_queue_pop_head_link (&stack->flush_queue)) != NULL)
    {
      WbTcpSocket *sock = tcp_ref (link->data);
      guint what = sock->flush_flags;

      sock->flush_flags = 0;
      if (what & FLUSH_OUTPUT)
        tcp_output (sock, FALSE);
      if (sock->ack_pending && sock->state != TCP_CLOSED)
        tcp_send_ack (sock);
      tcp_unref (sock);
    }
  stack_leave (stack);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs tcp_flush_funcs = {
  .dispatch = tcp_flush_dispatch,
};

static gboolean
tcp_can_output (WbTcpSocket *sock)
{
  return sock->state == TCP_ESTABLISHED || sock->state == TCP_CLOSE_WAIT
         || sock->state == TCP_FIN_WAIT_1 || sock->state == TCP_CLOSING
         || sock->state == TCP_LAST_ACK;
}

/* Sends what the windows allow from SND.NXT on. @full_only: only
 * full-sized segments (the caller will come back for the tail). */
static void
tcp_output (WbTcpSocket *sock,
            gboolean     full_only)
{
  if (!tcp_can_output (sock))
    return;

  for (;;)
    {
      guint32 data_end = tcp_data_end (sock);
      guint32 in_flight = sock->snd_nxt - sock->snd_una;
      guint32 wnd = MIN (sock->snd_wnd, sock->cwnd);
      gsize avail = SEQ_LT (sock->snd_nxt, data_end) ? data_end - sock->snd_nxt : 0;
      gsize usable = wnd > in_flight ? wnd - in_flight : 0;
      gsize len = MIN (MIN (avail, usable), sock->mss);
      gboolean fin;

      if (len < avail && len < sock->mss)
        {
          /* Sender-side silly window avoidance: a short segment while more
           * data waits only when the peer's window limits us and is at
           * least half the largest it offered. */
          if (sock->cwnd < sock->snd_wnd || len < sock->max_snd_wnd / 2)
            len = 0;
        }
      if (full_only && len < sock->mss)
        len = 0;
      fin = sock->fin_queued && !full_only && len == avail
            && SEQ_LEQ (sock->snd_nxt, data_end);
      if (len == 0 && !fin)
        break;

      if (!sock->rtt_timing && sock->snd_nxt == sock->snd_max)
        {
          sock->rtt_timing = TRUE;
          sock->rtt_seq = sock->snd_nxt;
          sock->rtt_start = g_get_monotonic_time ();
        }
      if (sock->snd_nxt != sock->snd_max)
        sock->stack->stats.retransmits++;
      tcp_send (sock, sock->snd_nxt,
                TCP_ACK | (fin ? TCP_FIN : 0) | (len > 0 && len == avail ? TCP_PSH : 0), len);
      sock->snd_nxt += (guint32) len + fin;
      if (SEQ_GT (sock->snd_nxt, sock->snd_max))
        sock->snd_max = sock->snd_nxt;
      if (sock->deadline == 0)
        tcp_arm_retransmit (sock);
      if (fin)
        break;
    }

  /* Data waits for a window that is shut: probe it. (With @full_only,
   * it only waits for the flush.) */
  if (!full_only && sock->snd_una == sock->snd_max && sock->deadline == 0
      && SEQ_LT (sock->snd_nxt, tcp_data_end (sock)))
    {
      sock->probe_armed = FALSE;
      tcp_set_timer (sock, sock->rto);
    }
}

/* The end of the data sent so far. */
static guint32
tcp_sent_end (WbTcpSocket *sock)
{
  guint32 data_end = tcp_data_end (sock);

  return SEQ_LT (sock->snd_max, data_end) ? sock->snd_max : data_end;
}

/* The segment that starts at @seq again: sent data only, with the FIN if
 * it reaches it. */
static void
tcp_retransmit_at (WbTcpSocket *sock,
                   guint32      seq)
{
  guint32 data_end = tcp_data_end (sock);
  guint32 sent_end = tcp_sent_end (sock);
  gsize len = SEQ_LT (seq, sent_end) ? MIN (sent_end - seq, sock->mss) : 0;
  gboolean fin = sock->fin_queued && seq + len == data_end && SEQ_GT (sock->snd_max, data_end);

  if (len == 0 && !fin)
    return;
  sock->stack->stats.retransmits++;
  sock->rtt_timing = FALSE;
  tcp_send (sock, seq, TCP_ACK | (fin ? TCP_FIN : 0), len);
}

/* Fast retransmit, NewReno's partial acknowledgements. */
static void
tcp_retransmit_first (WbTcpSocket *sock)
{
  tcp_retransmit_at (sock, sock->snd_una);
}

/* One new segment beyond the congestion window if the peer's window has
 * room (Limited Transmit, loss probes). FALSE if there was none to send. */
static gboolean
tcp_send_beyond_cwnd (WbTcpSocket *sock)
{
  guint32 cwnd = sock->cwnd;
  guint32 before = sock->snd_max;

  if (sock->snd_nxt != sock->snd_max || !SEQ_LT (sock->snd_nxt, tcp_data_end (sock)))
    return FALSE;
  sock->cwnd = (sock->snd_nxt - sock->snd_una) + sock->mss;
  tcp_output (sock, FALSE);
  sock->cwnd = cwnd;
  return sock->snd_max != before;
}

/* A loss probe (RFC 8985 §7.3); in recovery, the hole again. */
static void
tcp_send_probe (WbTcpSocket *sock)
{
  guint32 sent_end = tcp_sent_end (sock);

  if (sock->in_recovery)
    tcp_retransmit_first (sock);
  else if (!tcp_send_beyond_cwnd (sock))
    tcp_retransmit_at (sock, SEQ_GT (sent_end, sock->snd_una)
                             ? sent_end - MIN (sent_end - sock->snd_una, sock->mss)
                             : sock->snd_una);
}

static void
tcp_maybe_writable (WbTcpSocket *sock)
{
  if (!sock->want_writable || !sock->attached || !tcp_can_send (sock))
    return;
  if (sock->snd.len > 0 && TCP_SND_BUF - sock->snd.len < TCP_WRITABLE_SPACE)
    return;
  sock->want_writable = FALSE;
  if (sock->callbacks.writable != NULL)
    sock->callbacks.writable (sock, sock->user_data);
}

/* --- timeouts ------------------------------------------------------------------ */

static void
tcp_back_off (WbTcpSocket *sock)
{
  sock->rto = MIN (sock->rto * 2, TCP_RTO_MAX_US);
  sock->rto_at = g_get_monotonic_time () + sock->rto;
  sock->probe_armed = FALSE;
  tcp_set_timer (sock, sock->rto);
}

static void
tcp_on_timeout (WbTcpSocket *sock)
{
  WbTcpStack *stack = sock->stack;
  guint32 flight;

  switch (sock->state)
    {
    case TCP_CLOSED:
      return;

    case TCP_TIME_WAIT:
      tcp_destroy (sock);
      return;

    case TCP_SYN_SENT:
    case TCP_SYN_RECEIVED:
      stack->stats.timeouts++;
      if (++sock->retries > TCP_SYN_RETRIES)
        {
          if (sock->listener != NULL)
            tcp_destroy (sock);
          else
            tcp_fail (sock, G_IO_ERROR_TIMED_OUT, "Connection timed out");
          return;
        }
      stack->stats.retransmits++;
      tcp_send (sock, sock->iss, TCP_SYN, 0);
      tcp_back_off (sock);
      return;

    default:
      break;
    }

  if (sock->snd_una != sock->snd_max && sock->probe_armed)
    {
      gint64 now = g_get_monotonic_time ();

      /* Another probe may go before the timeout. */
      sock->probe_armed = FALSE;
      sock->probes++;
      tcp_send_probe (sock);
      if (!tcp_arm_probe (sock))
        tcp_set_timer (sock, MAX (sock->rto_at - now, 1));
    }
  else if (sock->snd_una != sock->snd_max)
    {
      stack->stats.timeouts++;
      if (++sock->retries > TCP_DATA_RETRIES)
        {
          tcp_send (sock, sock->snd_max, TCP_RST, 0);
          stack->stats.resets_sent++;
          tcp_fail (sock, G_IO_ERROR_TIMED_OUT, "Connection timed out");
          return;
        }
      /* RFC 5681 §3.1: start over from one segment. Unlike RFC 6582 §3.2
       * step 4, recover stays: three duplicate ACKs while the rest is sent
       * again mean the next hole, and fast retransmit beats another
       * timeout. */
      flight = sock->snd_max - sock->snd_una;
      sock->ssthresh = MAX (flight / 2, 2 * sock->mss);
      sock->cwnd = sock->mss;
      sock->bytes_acked = 0;
      sock->in_recovery = FALSE;
      sock->dupacks = 0;
      sock->rtt_timing = FALSE;
      sock->snd_nxt = sock->snd_una;
      tcp_output (sock, FALSE);
      /* A shut window sends nothing: what went beyond it (a zero window
       * probe) goes again. */
      if (sock->snd_nxt == sock->snd_una)
        tcp_retransmit_first (sock);
      tcp_back_off (sock);
    }
  else if (SEQ_LT (sock->snd_nxt, tcp_data_end (sock)))
    {
      /* Zero window probe: one byte beyond the window. */
      tcp_send (sock, sock->snd_nxt, TCP_ACK, 1);
      sock->snd_nxt++;
      sock->snd_max = sock->snd_nxt;
      tcp_back_off (sock);
    }
}

/* --- input: parsing ---------------------------------------------------------------- */

static gboolean
tcp_parse_options (const guint8 *opt,
                   gsize         len,
                   TcpOptions   *out)
{
  gsize i = 0;

  out->mss = 0;
  out->wscale = -1;
  while (i < len)
    {
      guint8 kind = opt[i];
      guint8 olen;

      if (kind == 0)
        break;
      if (kind == 1)
        {
          i++;
          continue;
        }
      if (i + 1 >= len)
        return FALSE;
      olen = opt[i + 1];
      if (olen < 2 || olen > len - i)
        return FALSE;
      if (kind == 2)
        {
          if (olen != 4)
            return FALSE;
          out->mss = wb_get_be16 (opt + i + 2);
        }
      else if (kind == 3)
        {
          if (olen != 3)
            return FALSE;
          out->wscale = MIN (opt[i + 2], 14);   /* RFC 7323 §2.3 */
        }
      i += olen;
    }
  return TRUE;
}

static gboolean
tcp_address_is_unicast (guint32 address)
{
  return address != 0 && address != WB_IPV4_BROADCAST && (address >> 28) != 0xe;
}

static gboolean
tcp_parse (guint32       src,
           guint32       dst,
           const guint8 *seg,
           gsize         len,
           TcpSegment   *s)
{
  gsize hlen;

  if (len < WB_TCP_HLEN)
    return FALSE;
  hlen = (gsize) (seg[12] >> 4) * 4;
  if (hlen < WB_TCP_HLEN || hlen > len)
    return FALSE;
  if (!tcp_address_is_unicast (src) || !tcp_address_is_unicast (dst))
    return FALSE;
  if (wb_checksum_l4 (src, dst, WB_IP_PROTO_TCP, seg, len) != 0)
    return FALSE;
  if (!tcp_parse_options (seg + WB_TCP_HLEN, hlen - WB_TCP_HLEN, &s->options))
    return FALSE;
  s->src = src;
  s->dst = dst;
  s->sport = wb_get_be16 (seg);
  s->dport = wb_get_be16 (seg + 2);
  s->seq = wb_get_be32 (seg + 4);
  s->ack = wb_get_be32 (seg + 8);
  s->flags = seg[13] & 0x3f;
  s->window = wb_get_be16 (seg + 14);
  s->data = seg + hlen;
  s->len = len - hlen;
  return s->sport != 0 && s->dport != 0;
}

/* --- input: the handshake --------------------------------------------------------- */

static void
tcp_rtt_sample (WbTcpSocket *sock,
                gint64       r)
{
  r = MAX (r, 1);
  if (sock->srtt == 0)
    {
      sock->srtt = r;
      sock->rttvar = r / 2;
    }
  else
    {
      gint64 delta = sock->srtt > r ? sock->srtt - r : r - sock->srtt;

      sock->rttvar = (3 * sock->rttvar + delta) / 4;
      sock->srtt = (7 * sock->srtt + r) / 8;
    }
  sock->rto = CLAMP (sock->srtt + MAX (1000, 4 * sock->rttvar), TCP_RTO_MIN_US, TCP_RTO_MAX_US);
}

/* Applies the peer's SYN options. */
static void
tcp_take_syn_options (WbTcpSocket      *sock,
                      const TcpSegment *s)
{
  guint peer_mss = s->options.mss != 0 ? s->options.mss : TCP_DEFAULT_MSS;

  sock->mss = MAX (MIN (peer_mss, sock->rcv_mss), 64);
  sock->wscale_ok = s->options.wscale >= 0;
  sock->snd_wscale = sock->wscale_ok ? (guint8) s->options.wscale : 0;
  sock->rcv_wscale = sock->wscale_ok ? TCP_RCV_WSCALE : 0;
  sock->irs = s->seq;
  sock->rcv_nxt = s->seq + 1;
}

/* Our MSS towards @address: the egress MTU less the IP and TCP headers. */
static gboolean
tcp_route_mss (WbTcpStack *stack,
               guint32     address,
               guint32    *src,
               guint      *mss)
{
  guint iface;
  guint mtu;
  guint32 local;

  if (!_wb_guest_route (stack->guest, address, &iface, &local, &mtu))
    return FALSE;
  if (src != NULL)
    *src = local;
  *mss = MAX (mtu, 576) - 40;
  return TRUE;
}

static void
tcp_establish (WbTcpSocket      *sock,
               const TcpSegment *s)
{
  sock->state = TCP_ESTABLISHED;
  /* Only the SYN was sent. */
  sock->snd_una = sock->iss + 1;
  sock->snd_nxt = sock->snd_una;
  sock->snd_max = sock->snd_una;
  sock->snd_wnd = (guint32) s->window << ((s->flags & TCP_SYN) ? 0 : sock->snd_wscale);
  sock->max_snd_wnd = sock->snd_wnd;
  sock->snd_wl1 = s->seq;
  sock->snd_wl2 = s->ack;
  sock->rcv_wnd = sock->wscale_ok ? TCP_RCV_BUF : G_MAXUINT16;
  sock->cwnd = MIN (10 * sock->mss, MAX (2 * sock->mss, 14600));
  if (sock->retries == 0)
    tcp_rtt_sample (sock, g_get_monotonic_time () - sock->rtt_start);
  else
    sock->rto = 3 * G_USEC_PER_SEC;      /* RFC 6298 §5.7 */
  sock->rtt_timing = FALSE;
  sock->retries = 0;
  tcp_set_timer (sock, 0);
  if (sock->listener != NULL)
    {
      g_queue_unlink (&sock->listener->backlog, &sock->backlog_link);
      sock->listener = NULL;
      sock->stack->stats.half_open--;
    }
}

static void
tcp_input_listen (WbTcpStack       *stack,
                  TcpListener      *listener,
                  const TcpSegment *s)
{
  TcpKey key = { s->dst, s->src, s->dport, s->sport };
  WbTcpSocket *sock;
  guint mss;

  if (!tcp_route_mss (stack, s->src, NULL, &mss))
    return;
  sock = tcp_socket_new (stack, &key, TCP_SYN_RECEIVED);
  sock->rcv_mss = mss;
  tcp_take_syn_options (sock, s);
  sock->snd_wnd = s->window;
  sock->listener = listener;
  g_queue_push_tail_link (&listener->backlog, &sock->backlog_link);
  stack->stats.half_open++;
  if (listener->backlog.length > TCP_BACKLOG)
    {
      WbTcpSocket *oldest = g_queue_peek_head (&listener->backlog);

      if (listener->drops++ == 0)
        _wb_guest_log (stack->guest,
                       "TCP port %u: too many half-open connections, dropping the oldest",
                       listener->port);
      stack->stats.backlog_drops++;
      tcp_destroy (oldest);
    }
  sock->rtt_start = g_get_monotonic_time ();
  tcp_send (sock, sock->iss, TCP_SYN, 0);
  tcp_set_timer (sock, sock->rto);
}

static void
tcp_input_no_socket (WbTcpStack       *stack,
                     const TcpSegment *s)
{
  TcpListener *listener;

  if (s->flags & TCP_RST)
    return;
  listener = g_hash_table_lookup (stack->listeners, GUINT_TO_POINTER (s->dport));
  if (listener == NULL)
    listener = stack->any_listener;
  if (listener != NULL && !(s->flags & TCP_ACK))
    {
      if (s->flags & TCP_SYN)
        tcp_input_listen (stack, listener, s);
      return;
    }
  tcp_send_reset_for (stack, s);
}

static void tcp_process_data (WbTcpSocket      *sock,
                              const TcpSegment *s,
                              guint32           seq,
                              gboolean         *ack_now);
static void tcp_after_input  (WbTcpSocket      *sock,
                              gboolean          ack_now);

static void
tcp_input_syn_sent (WbTcpSocket      *sock,
                    const TcpSegment *s)
{
  gboolean ack_now = FALSE;

  if ((s->flags & TCP_ACK) && (SEQ_LEQ (s->ack, sock->iss) || SEQ_GT (s->ack, sock->snd_max)))
    {
      if (!(s->flags & TCP_RST))
        tcp_send_reset_for (sock->stack, s);
      return;
    }
  if (s->flags & TCP_RST)
    {
      if (s->flags & TCP_ACK)
        tcp_fail (sock, G_IO_ERROR_CONNECTION_REFUSED, "Connection refused");
      return;
    }
  if (!(s->flags & TCP_SYN))
    return;

  tcp_take_syn_options (sock, s);
  if (!(s->flags & TCP_ACK))
    {
      /* Simultaneous open. */
      sock->state = TCP_SYN_RECEIVED;
      sock->snd_wnd = s->window;
      tcp_send (sock, sock->iss, TCP_SYN, 0);
      return;
    }

  tcp_establish (sock, s);
  tcp_send_ack (sock);
  if (sock->fin_queued)
    sock->state = TCP_FIN_WAIT_1;
  if (sock->callbacks.connected != NULL)
    sock->callbacks.connected (sock, sock->user_data);
  if (sock->state == TCP_CLOSED)
    return;
  if (s->len > 0 || (s->flags & TCP_FIN))
    tcp_process_data (sock, s, s->seq + 1, &ack_now);
  if (sock->state != TCP_CLOSED)
    tcp_after_input (sock, ack_now);
}

/* --- input: acknowledgements --------------------------------------------------------- */

static void
tcp_new_ack (WbTcpSocket *sock,
             guint32      ack)
{
  guint32 acked = ack - sock->snd_una;
  guint32 data_acked = 0;

  if (sock->rtt_timing && SEQ_GT (ack, sock->rtt_seq))
    {
      tcp_rtt_sample (sock, g_get_monotonic_time () - sock->rtt_start);
      sock->rtt_timing = FALSE;
    }
  sock->retries = 0;
  if (SEQ_GT (ack, sock->snd_data_seq))
    data_acked = MIN (ack - sock->snd_data_seq, (guint32) sock->snd.len);
  if (data_acked > 0)
    {
      ring_consume (&sock->snd, data_acked);
      sock->snd_data_seq += data_acked;
    }
  sock->snd_una = ack;
  if (SEQ_LT (sock->snd_nxt, ack))
    sock->snd_nxt = ack;

  if (sock->in_recovery)
    {
      if (SEQ_GEQ (ack, sock->recover))
        {
          /* Full acknowledgement: deflate (RFC 6582 §3.2 step 3). */
          sock->cwnd = MIN (sock->ssthresh, MAX (sock->snd_max - ack, sock->mss) + sock->mss);
          sock->in_recovery = FALSE;
          sock->dupacks = 0;
        }
      else
        {
          /* Partial: the next hole. */
          tcp_retransmit_first (sock);
          sock->cwnd = (sock->cwnd > acked ? sock->cwnd - acked : 0) + sock->mss;
          sock->cwnd = MAX (sock->cwnd, sock->mss);
        }
    }
  else
    {
      sock->dupacks = 0;
      if (sock->cwnd < sock->ssthresh)
        sock->cwnd += MIN (acked, 2 * sock->mss);
      else
        {
          sock->bytes_acked += acked;
          if (sock->bytes_acked >= sock->cwnd)
            {
              sock->bytes_acked -= sock->cwnd;
              sock->cwnd += sock->mss;
            }
        }
      sock->cwnd = MIN (sock->cwnd, TCP_CWND_MAX);
    }

  sock->probes = 0;
  tcp_arm_retransmit (sock);
}

static void
tcp_duplicate_ack (WbTcpSocket *sock,
                   guint32      ack)
{
  sock->dupacks++;
  if (sock->in_recovery)
    {
      sock->cwnd = MIN (sock->cwnd + sock->mss, TCP_CWND_MAX);
      return;
    }
  if (sock->dupacks < 3)
    {
      tcp_send_beyond_cwnd (sock);
      return;
    }
  /* Not again for losses of the window already being recovered
   * (RFC 6582 §3.2 step 2; recover is one past the highest sequence
   * number sent then). */
  if (sock->dupacks == 3 && SEQ_GEQ (ack, sock->recover))
    {
      guint32 flight = sock->snd_max - sock->snd_una;

      sock->ssthresh = MAX (flight / 2, 2 * sock->mss);
      sock->recover = sock->snd_max;
      sock->in_recovery = TRUE;
      tcp_retransmit_first (sock);
      sock->cwnd = sock->ssthresh + 3 * sock->mss;
    }
}

/* Step five of RFC 9293 §3.10.7.4 for the synchronized states. FALSE when
 * the segment goes no further. */
static gboolean
tcp_process_ack (WbTcpSocket      *sock,
                 const TcpSegment *s)
{
  guint32 wnd;
  gboolean window_changed = FALSE;

  if (SEQ_GT (s->ack, sock->snd_max))
    {
      tcp_send_ack (sock);
      return FALSE;
    }
  if (SEQ_LT (s->ack, sock->snd_una))
    return TRUE;     /* old: ignore it, keep the data */

  wnd = (guint32) s->window << sock->snd_wscale;
  if (SEQ_LT (sock->snd_wl1, s->seq)
      || (sock->snd_wl1 == s->seq && SEQ_LEQ (sock->snd_wl2, s->ack)))
    {
      window_changed = sock->snd_wnd != wnd;
      sock->snd_wnd = wnd;
      sock->max_snd_wnd = MAX (sock->max_snd_wnd, wnd);
      sock->snd_wl1 = s->seq;
      sock->snd_wl2 = s->ack;
      /* A peer that answers our probes is alive. */
      if (wnd == 0)
        sock->retries = 0;
    }

  if (s->ack != sock->snd_una)
    tcp_new_ack (sock, s->ack);
  else if (sock->snd_una != sock->snd_max && s->len == 0
           && !(s->flags & (TCP_SYN | TCP_FIN)) && !window_changed)
    tcp_duplicate_ack (sock, s->ack);
  return TRUE;
}

/* --- input: data ----------------------------------------------------------------------- */

static void
tcp_deliver (WbTcpSocket  *sock,
             const guint8 *data,
             gsize         len)
{
  if (sock->attached && sock->callbacks.received != NULL)
    sock->callbacks.received (sock, data, len, sock->user_data);
}

/* (Re)starts the 2 * MSL of a socket in TIME-WAIT: it goes to the end of
 * the queue. */
static void
tcp_time_wait_restart (WbTcpSocket *sock)
{
  WbTcpStack *stack = sock->stack;

  if (sock->time_wait_link.data != NULL)
    g_queue_unlink (&stack->time_wait, &sock->time_wait_link);
  sock->time_wait_link.data = sock;
  sock->time_wait_until = g_get_monotonic_time () + 2 * TCP_MSL_US;
  g_queue_push_tail_link (&stack->time_wait, &sock->time_wait_link);
  if (g_source_get_ready_time (stack->time_wait_source) == -1)
    g_source_set_ready_time (stack->time_wait_source, sock->time_wait_until);
}

static gboolean
tcp_time_wait_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  WbTcpStack *stack = ((TcpFlushSource *) source)->stack;
  gint64 now = g_get_monotonic_time ();
  WbTcpSocket *sock;

  g_source_set_ready_time (source, -1);
  stack_enter (stack);
  while ((sock = g_queue_peek_head (&stack->time_wait)) != NULL
         && sock->time_wait_until <= now)
    tcp_destroy (sock);
  if (sock != NULL)
    g_source_set_ready_time (source, sock->time_wait_until);
  stack_leave (stack);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs tcp_time_wait_funcs = {
  .dispatch = tcp_time_wait_dispatch,
};

static void
tcp_enter_time_wait (WbTcpSocket *sock)
{
  gboolean attached = sock->attached;
  void (*closed) (WbTcpSocket *, const GError *, gpointer) = sock->callbacks.closed;

  sock->state = TCP_TIME_WAIT;
  sock->stack->stats.time_wait++;
  sock->attached = FALSE;
  g_clear_pointer (&sock->snd.data, g_free);
  sock->snd.len = sock->snd.capacity = 0;
  g_clear_pointer (&sock->ooo, g_free);
  g_clear_pointer (&sock->ooo_ranges, g_array_unref);
  /* The socket's own timer goes now: the queue's serves TIME-WAIT. */
  sock->deadline = 0;
  if (sock->timer != NULL)
    {
      g_source_destroy (sock->timer);
      g_clear_pointer (&sock->timer, g_source_unref);
    }
  tcp_time_wait_restart (sock);
  if (attached && closed != NULL)
    closed (sock, NULL, sock->user_data);
  memset (&sock->callbacks, 0, sizeof sock->callbacks);
}

/* Our side of a FIN that reached RCV.NXT. */
static void
tcp_receive_fin (WbTcpSocket *sock)
{
  gboolean time_wait = FALSE;

  sock->rcv_nxt++;
  switch (sock->state)
    {
    case TCP_ESTABLISHED:
      sock->state = TCP_CLOSE_WAIT;
      break;
    case TCP_FIN_WAIT_1:
      /* (An acknowledged FIN moved us to FIN-WAIT-2 already.) */
      sock->state = TCP_CLOSING;
      break;
    case TCP_FIN_WAIT_2:
      /* TIME-WAIT after the owner heard EOF: "closed" comes last. */
      time_wait = TRUE;
      break;
    default:
      break;
    }
  tcp_send_ack (sock);
  tcp_deliver (sock, NULL, 0);
  if (time_wait && sock->state != TCP_CLOSED)
    tcp_enter_time_wait (sock);
}

/* Keeps [seq, seq + len) for later (the ring is indexed by sequence number,
 * so nothing moves when the gap fills). */
static void
tcp_store_out_of_order (WbTcpSocket  *sock,
                        guint32       seq,
                        const guint8 *data,
                        gsize         len)
{
  TcpRange r = { seq, seq + (guint32) len };
  GArray *ranges;
  guint i;
  guint j;

  if (sock->ooo == NULL)
    {
      sock->ooo = g_malloc (TCP_RCV_BUF);
      sock->ooo_ranges = g_array_new (FALSE, FALSE, sizeof (TcpRange));
    }
  ring_copy_in (sock->ooo, TCP_RCV_BUF, seq, data, len);

  /* Merge into the sorted list: usually it extends the last range. */
  ranges = sock->ooo_ranges;
  for (i = ranges->len; i > 0; i--)
    if (SEQ_LEQ (g_array_index (ranges, TcpRange, i - 1).start, r.start))
      break;
  /* i: the first range starting after r.start; merge with i - 1 if they touch. */
  if (i > 0 && SEQ_GEQ (g_array_index (ranges, TcpRange, i - 1).end, r.start))
    {
      i--;
      r.start = g_array_index (ranges, TcpRange, i).start;
      if (SEQ_GT (g_array_index (ranges, TcpRange, i).end, r.end))
        r.end = g_array_index (ranges, TcpRange, i).end;
      g_array_remove_index (ranges, i);
    }
  for (j = i; j < ranges->len && SEQ_LEQ (g_array_index (ranges, TcpRange, j).start, r.end); j++)
    if (SEQ_GT (g_array_index (ranges, TcpRange, j).end, r.end))
      r.end = g_array_index (ranges, TcpRange, j).end;
  if (j > i)
    g_array_remove_range (ranges, i, j - i);
  g_array_insert_val (ranges, i, r);
}

/* Hands over what the out-of-order ring holds from RCV.NXT on. */
static void
tcp_deliver_out_of_order (WbTcpSocket *sock)
{
  while (sock->ooo_ranges != NULL && sock->ooo_ranges->len > 0 && sock->state != TCP_CLOSED)
    {
      TcpRange r = g_array_index (sock->ooo_ranges, TcpRange, 0);
      gsize pos;
      gsize len;
      gsize first;

      if (SEQ_GT (r.start, sock->rcv_nxt))
        break;
      g_array_remove_index (sock->ooo_ranges, 0);
      if (SEQ_LEQ (r.end, sock->rcv_nxt))
        continue;
      pos = sock->rcv_nxt & (TCP_RCV_BUF - 1);
      len = r.end - sock->rcv_nxt;
      first = MIN (len, TCP_RCV_BUF - pos);
      /* The owner may send from its callback: RCV.NXT is already past
       * what it is given. The ring is not written while it reads. */
      sock->rcv_nxt = r.end;
      tcp_deliver (sock, sock->ooo + pos, first);
      if (first < len && sock->state != TCP_CLOSED)
        tcp_deliver (sock, sock->ooo, len - first);
    }
}

/* Steps seven and eight of RFC 9293 §3.10.7.4: text and FIN, @seq being
 * the sequence number of the first data byte. */
static void
tcp_process_data (WbTcpSocket      *sock,
                  const TcpSegment *s,
                  guint32           seq,
                  gboolean         *ack_now)
{
  const guint8 *data = s->data;
  gsize len = s->len;
  gboolean fin = (s->flags & TCP_FIN) != 0;
  guint32 wnd_end = sock->rcv_nxt + sock->rcv_wnd;
  gboolean had_gap = sock->ooo_ranges != NULL && sock->ooo_ranges->len > 0;

  if (sock->state != TCP_ESTABLISHED && sock->state != TCP_FIN_WAIT_1
      && sock->state != TCP_FIN_WAIT_2)
    {
      /* The peer's FIN came already: a retransmission. */
      if (fin)
        *ack_now = TRUE;
      return;
    }

  /* Trim to the window. */
  if (SEQ_LT (seq, sock->rcv_nxt))
    {
      guint32 skip = sock->rcv_nxt - seq;

      *ack_now = TRUE;
      if (skip > len)
        {
          /* Only a FIN we already have, or nothing new. */
          return;
        }
      data += skip;
      len -= skip;
      seq = sock->rcv_nxt;
    }
  if (SEQ_GT (seq + (guint32) len, wnd_end))
    {
      len = SEQ_GT (wnd_end, seq) ? wnd_end - seq : 0;
      fin = FALSE;
      *ack_now = TRUE;
    }

  if (seq != sock->rcv_nxt)
    {
      /* Out of order: keep it, and say at once what we miss (the
       * duplicate ACK drives the sender's fast retransmit). */
      if (len > 0)
        tcp_store_out_of_order (sock, seq, data, len);
      if (fin)
        {
          sock->ooo_fin = TRUE;
          sock->ooo_fin_seq = seq + (guint32) len;
        }
      *ack_now = TRUE;
      return;
    }

  if (len > 0)
    {
      sock->rcv_nxt += (guint32) len;
      sock->ack_pending = TRUE;
      if (++sock->unacked_segs >= 2 || had_gap)
        *ack_now = TRUE;
      tcp_deliver (sock, data, len);
      if (sock->state == TCP_CLOSED)
        return;
      if (had_gap)
        {
          tcp_deliver_out_of_order (sock);
          if (sock->state == TCP_CLOSED)
            return;
        }
    }
  if (sock->ooo_fin && sock->ooo_fin_seq == sock->rcv_nxt)
    {
      sock->ooo_fin = FALSE;
      fin = TRUE;
    }
  if (fin && (sock->state == TCP_ESTABLISHED || sock->state == TCP_FIN_WAIT_1
              || sock->state == TCP_FIN_WAIT_2))
    {
      tcp_receive_fin (sock);
      *ack_now = FALSE;     /* sent */
    }
}

static void
tcp_after_input (WbTcpSocket *sock,
                 gboolean     ack_now)
{
  if (sock->state == TCP_CLOSED || sock->state == TCP_TIME_WAIT)
    return;
  tcp_maybe_writable (sock);
  if (sock->state == TCP_CLOSED)
    return;
  if (ack_now)
    sock->ack_pending = TRUE;
  /* Data sent now carries the acknowledgement. */
  tcp_output (sock, FALSE);
  if (sock->ack_pending)
    {
      if (ack_now)
        tcp_send_ack (sock);
      else
        tcp_schedule (sock, FLUSH_ACK);
    }
}

/* Step one of RFC 9293 §3.10.7.4. */
static gboolean
tcp_acceptable (WbTcpSocket *sock,
                guint32      seq,
                guint32      seg_len)
{
  guint32 wnd_end = sock->rcv_nxt + sock->rcv_wnd;

  if (seg_len == 0)
    {
      if (sock->rcv_wnd == 0)
        return seq == sock->rcv_nxt;
      return SEQ_LEQ (sock->rcv_nxt, seq) && SEQ_LT (seq, wnd_end);
    }
  if (sock->rcv_wnd == 0)
    return FALSE;
  return (SEQ_LEQ (sock->rcv_nxt, seq) && SEQ_LT (seq, wnd_end))
         || (SEQ_LEQ (sock->rcv_nxt, seq + seg_len - 1) && SEQ_LT (seq + seg_len - 1, wnd_end));
}

static void
tcp_input_synchronized (WbTcpSocket      *sock,
                        const TcpSegment *s)
{
  guint32 seg_len = (guint32) s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
  gboolean ack_now = FALSE;

  /* Our SYN-ACK was lost: the peer sends its SYN again. */
  if (sock->state == TCP_SYN_RECEIVED && (s->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN
      && s->seq == sock->irs)
    {
      sock->stack->stats.retransmits++;
      tcp_send (sock, sock->iss, TCP_SYN, 0);
      return;
    }

  if (!tcp_acceptable (sock, s->seq, seg_len))
    {
      if (!(s->flags & TCP_RST))
        {
          if (sock->state == TCP_TIME_WAIT && (s->flags & TCP_FIN))
            tcp_time_wait_restart (sock);
          tcp_send_ack (sock);
        }
      return;
    }

  if (s->flags & TCP_RST)
    {
      /* RFC 5961 §3: only an exact match resets; others get a challenge. */
      if (s->seq != sock->rcv_nxt)
        tcp_send_ack (sock);
      else if (sock->state == TCP_TIME_WAIT || sock->listener != NULL)
        tcp_destroy (sock);
      else if (sock->state == TCP_SYN_RECEIVED)
        tcp_fail (sock, G_IO_ERROR_CONNECTION_REFUSED, "Connection refused");
      else
        tcp_fail (sock, G_IO_ERROR_CONNECTION_CLOSED, "Connection reset by peer");
      return;
    }

  if (s->flags & TCP_SYN)
    {
      /* RFC 5961 §4: a challenge ACK; the peer resets if it restarted. */
      tcp_send_ack (sock);
      return;
    }
  if (!(s->flags & TCP_ACK))
    return;

  if (sock->state == TCP_TIME_WAIT)
    {
      /* Our ACK of the peer's FIN was lost. */
      if (s->flags & TCP_FIN)
        {
          tcp_time_wait_restart (sock);
          tcp_send_ack (sock);
        }
      return;
    }

  if (sock->state == TCP_SYN_RECEIVED)
    {
      TcpListener *listener = sock->listener;

      if (!SEQ_GT (s->ack, sock->snd_una) || SEQ_GT (s->ack, sock->snd_max))
        {
          tcp_send_reset_for (sock->stack, s);
          return;
        }
      tcp_establish (sock, s);
      if (listener != NULL)
        {
          sock->attached = TRUE;
          listener->accept (sock, listener->user_data);
        }
      else
        {
          if (sock->fin_queued)
            sock->state = TCP_FIN_WAIT_1;
          if (sock->callbacks.connected != NULL)
            sock->callbacks.connected (sock, sock->user_data);
        }
      if (sock->state == TCP_CLOSED)
        return;
    }

  if (!tcp_process_ack (sock, s))
    return;

  switch (sock->state)
    {
    case TCP_FIN_WAIT_1:
      if (tcp_fin_acked (sock))
        sock->state = TCP_FIN_WAIT_2;
      break;
    case TCP_CLOSING:
      if (tcp_fin_acked (sock))
        {
          tcp_enter_time_wait (sock);
          return;
        }
      break;
    case TCP_LAST_ACK:
      if (tcp_fin_acked (sock))
        {
          tcp_close_with (sock, NULL);
          return;
        }
      break;
    default:
      break;
    }

  if (s->len > 0 || (s->flags & TCP_FIN))
    tcp_process_data (sock, s, s->seq, &ack_now);
  tcp_after_input (sock, ack_now);
}

static void
tcp_input (WbTcpStack   *stack,
           guint32       src,
           guint32       dst,
           const guint8 *segment,
           gsize         len)
{
  TcpSegment s;
  TcpKey key;
  WbTcpSocket *sock;

  stack->stats.segments_in++;
  if (!tcp_parse (src, dst, segment, len, &s))
    {
      stack->stats.bad_segments++;
      return;
    }
  key.local_addr = dst;
  key.remote_addr = src;
  key.local_port = s.dport;
  key.remote_port = s.sport;
  sock = g_hash_table_lookup (stack->sockets, &key);

  /* A new SYN above what the old connection saw reopens it (RFC 9293
   * §3.6.1). */
  if (sock != NULL && sock->state == TCP_TIME_WAIT
      && (s.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && SEQ_GT (s.seq, sock->rcv_nxt))
    {
      tcp_destroy (sock);
      sock = NULL;
    }
  if (sock == NULL)
    {
      tcp_input_no_socket (stack, &s);
      return;
    }

  tcp_ref (sock);
  if (sock->state == TCP_SYN_SENT)
    tcp_input_syn_sent (sock, &s);
  else
    tcp_input_synchronized (sock, &s);
  tcp_unref (sock);
}

/* --- the stack ------------------------------------------------------------------------ */

static void
tcp_listener_free (TcpListener *listener)
{
  GList *link;

  /* Half-open connections of a closed port are refused. */
  while ((link = g_queue_peek_head_link (&listener->backlog)) != NULL)
    {
      WbTcpSocket *sock = link->data;

      tcp_send (sock, sock->snd_max, TCP_RST, 0);
      sock->stack->stats.resets_sent++;
      tcp_destroy (sock);
    }
  if (listener->destroy != NULL)
    listener->destroy (listener->user_data);
  g_free (listener);
}

WbTcpStack *
_wb_tcp_stack_new (WbGuest *guest)
{
  WbTcpStack *stack = g_new0 (WbTcpStack, 1);

  stack->guest = guest;
  stack->sockets = g_hash_table_new (tcp_key_hash, tcp_key_equal);
  stack->listeners = g_hash_table_new (NULL, NULL);
  stack->flush_source = g_source_new (&tcp_flush_funcs, sizeof (TcpFlushSource));
  ((TcpFlushSource *) stack->flush_source)->stack = stack;
  g_source_set_name (stack->flush_source, "[wirebox] guest TCP flush");
  g_source_set_ready_time (stack->flush_source, -1);
  g_source_attach (stack->flush_source, _wb_guest_get_context (guest));
  stack->time_wait_source = g_source_new (&tcp_time_wait_funcs, sizeof (TcpFlushSource));
  ((TcpFlushSource *) stack->time_wait_source)->stack = stack;
  g_source_set_name (stack->time_wait_source, "[wirebox] guest TCP TIME-WAIT");
  g_source_set_ready_time (stack->time_wait_source, -1);
  g_source_attach (stack->time_wait_source, _wb_guest_get_context (guest));
  return stack;
}

void
_wb_tcp_stack_free (WbTcpStack *stack)
{
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer value;
  GList *link;

  if (stack == NULL)
    return;
  stack->destroying = TRUE;
  stack_enter (stack);
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The guest stopped");
  for (;;)
    {
      WbTcpSocket *sock = NULL;

      g_hash_table_iter_init (&iter, stack->sockets);
      if (g_hash_table_iter_next (&iter, NULL, &value))
        sock = value;
      if (sock == NULL)
        break;
      if (sock->state != TCP_SYN_SENT && sock->state != TCP_TIME_WAIT)
        {
          tcp_send (sock, sock->snd_max, TCP_RST, 0);
          stack->stats.resets_sent++;
        }
      tcp_close_with (sock, error);
    }
  g_hash_table_iter_init (&iter, stack->listeners);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_hash_table_iter_remove (&iter);
      tcp_listener_free (value);
      g_hash_table_iter_init (&iter, stack->listeners);
    }
  if (stack->any_listener != NULL)
    tcp_listener_free (g_steal_pointer (&stack->any_listener));
  /* Whatever arrived meanwhile is dropped, not processed. */
  while ((link = g_queue_pop_head_link (&stack->deferred)) != NULL)
    g_free (link->data);
  stack->depth--;

  g_source_destroy (stack->flush_source);
  g_source_unref (stack->flush_source);
  g_source_destroy (stack->time_wait_source);
  g_source_unref (stack->time_wait_source);
  g_hash_table_unref (stack->sockets);
  g_hash_table_unref (stack->listeners);
  g_free (stack->scratch);
  g_free (stack);
}

void
_wb_tcp_input (WbTcpStack   *stack,
               guint32       src,
               guint32       dst,
               const guint8 *segment,
               gsize         len)
{
  TcpDeferred *d;

  g_return_if_fail (stack != NULL);
  g_return_if_fail (segment != NULL || len == 0);

  if (stack->destroying)
    return;
  if (stack->depth == 0)
    {
      stack_enter (stack);
      tcp_input (stack, src, dst, segment, len);
      stack_leave (stack);
      return;
    }
  if (stack->deferred.length >= TCP_DEFERRED_MAX)
    return;
  d = g_malloc (sizeof *d + len);
  d->link.data = d;
  d->src = src;
  d->dst = dst;
  d->len = len;
  memcpy (d->data, segment, len);
  g_queue_push_tail_link (&stack->deferred, &d->link);
}

void
_wb_tcp_stack_get_stats (WbTcpStack *stack,
                         WbTcpStats *stats)
{
  g_return_if_fail (stack != NULL);
  *stats = stack->stats;
}

/* --- the API ---------------------------------------------------------------------------- */

gboolean
wb_tcp_listen_full (WbGuest          *guest,
                    guint16           port,
                    WbTcpAcceptFunc   accept,
                    gpointer          user_data,
                    GDestroyNotify    destroy,
                    GError          **error)
{
  WbTcpStack *stack;
  TcpListener *listener;

  g_return_val_if_fail (guest != NULL, FALSE);
  g_return_val_if_fail (accept != NULL, FALSE);

  /* (No stack: the guest stopped, or is stopping.) */
  stack = _wb_guest_get_tcp (guest);
  if (stack == NULL || stack->destroying)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The guest stopped");
      return FALSE;
    }
  if (port == 0 ? stack->any_listener != NULL
                : g_hash_table_contains (stack->listeners, GUINT_TO_POINTER (port)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   "TCP port %u is already in use", port);
      return FALSE;
    }
  listener = g_new0 (TcpListener, 1);
  listener->port = port;
  listener->accept = accept;
  listener->user_data = user_data;
  listener->destroy = destroy;
  if (port == 0)
    stack->any_listener = listener;
  else
    g_hash_table_insert (stack->listeners, GUINT_TO_POINTER (port), listener);
  return TRUE;
}

gboolean
wb_tcp_listen (WbGuest          *guest,
               guint16           port,
               WbTcpAcceptFunc   accept,
               gpointer          user_data,
               GError          **error)
{
  return wb_tcp_listen_full (guest, port, accept, user_data, NULL, error);
}

void
wb_tcp_unlisten (WbGuest *guest,
                 guint16  port)
{
  WbTcpStack *stack;
  TcpListener *listener;

  g_return_if_fail (guest != NULL);

  stack = _wb_guest_get_tcp (guest);
  if (stack == NULL)
    return;
  if (port == 0)
    listener = g_steal_pointer (&stack->any_listener);
  else
    {
      listener = g_hash_table_lookup (stack->listeners, GUINT_TO_POINTER (port));
      g_hash_table_remove (stack->listeners, GUINT_TO_POINTER (port));
    }
  if (listener == NULL)
    return;
  stack_enter (stack);
  tcp_listener_free (listener);
  stack_leave (stack);
}

WbTcpSocket *
wb_tcp_connect (WbGuest               *guest,
                guint32                address,
                guint16                port,
                const WbTcpCallbacks  *callbacks,
                gpointer               user_data,
                GError               **error)
{
  WbTcpStack *stack;
  WbTcpSocket *sock;
  TcpKey key;
  guint32 src;
  guint mss;
  guint start;
  guint i;

  g_return_val_if_fail (guest != NULL, NULL);

  stack = _wb_guest_get_tcp (guest);
  if (stack == NULL || stack->destroying)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The guest stopped");
      return NULL;
    }
  if (port == 0 || !tcp_address_is_unicast (address))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Invalid address");
      return NULL;
    }
  if (!tcp_route_mss (stack, address, &src, &mss))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE, "No route to host");
      return NULL;
    }
  if (src == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                           "Network is unreachable");
      return NULL;
    }

  key.local_addr = src;
  key.remote_addr = address;
  key.remote_port = port;
  start = g_random_int_range (0, TCP_EPHEMERAL_N);
  for (i = 0; i < TCP_EPHEMERAL_N; i++)
    {
      key.local_port = (guint16) (TCP_EPHEMERAL_MIN + (start + i) % TCP_EPHEMERAL_N);
      if (!g_hash_table_contains (stack->sockets, &key))
        break;
    }
  if (i == TCP_EPHEMERAL_N)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                           "No local port is free");
      return NULL;
    }

  stack_enter (stack);
  sock = tcp_socket_new (stack, &key, TCP_SYN_SENT);
  sock->attached = TRUE;
  if (callbacks != NULL)
    sock->callbacks = *callbacks;
  sock->user_data = user_data;
  sock->rcv_mss = mss;
  sock->mss = MIN (mss, TCP_DEFAULT_MSS);
  sock->rtt_start = g_get_monotonic_time ();
  tcp_send (sock, sock->iss, TCP_SYN, 0);
  tcp_set_timer (sock, sock->rto);
  stack_leave (stack);
  return sock;
}

void
wb_tcp_socket_set_callbacks (WbTcpSocket          *socket,
                             const WbTcpCallbacks *callbacks,
                             gpointer              user_data)
{
  g_return_if_fail (socket != NULL);

  if (!socket->attached)
    return;
  if (callbacks != NULL)
    socket->callbacks = *callbacks;
  else
    memset (&socket->callbacks, 0, sizeof socket->callbacks);
  socket->user_data = user_data;
}

gsize
wb_tcp_get_send_space (WbTcpSocket *socket)
{
  g_return_val_if_fail (socket != NULL, 0);

  if (!socket->attached || !tcp_can_send (socket) || socket->fin_queued)
    return 0;
  return TCP_SND_BUF - socket->snd.len;
}

gsize
wb_tcp_send (WbTcpSocket  *socket,
             const guint8 *data,
             gsize         len)
{
  gsize n;

  g_return_val_if_fail (socket != NULL, 0);
  g_return_val_if_fail (data != NULL || len == 0, 0);

  n = MIN (len, wb_tcp_get_send_space (socket));
  if (n < len)
    socket->want_writable = socket->attached;
  if (n == 0)
    return 0;
  stack_enter (socket->stack);
  ring_append (&socket->snd, data, n);
  /* Full segments now; the tail when this main loop iteration is done,
   * together with whatever else the owner writes meanwhile. */
  tcp_output (socket, TRUE);
  if (socket->state != TCP_CLOSED && SEQ_LT (socket->snd_nxt, tcp_data_end (socket)))
    tcp_schedule (socket, FLUSH_OUTPUT);
  stack_leave (socket->stack);
  return n;
}

void
wb_tcp_shutdown (WbTcpSocket *socket)
{
  g_return_if_fail (socket != NULL);

  if (!socket->attached || socket->fin_queued)
    return;
  switch (socket->state)
    {
    case TCP_SYN_SENT:
    case TCP_SYN_RECEIVED:
      socket->fin_queued = TRUE;   /* sent once connected */
      return;
    case TCP_ESTABLISHED:
      socket->state = TCP_FIN_WAIT_1;
      break;
    case TCP_CLOSE_WAIT:
      socket->state = TCP_LAST_ACK;
      break;
    default:
      return;
    }
  socket->fin_queued = TRUE;
  socket->want_writable = FALSE;
  stack_enter (socket->stack);
  tcp_output (socket, FALSE);
  stack_leave (socket->stack);
}

void
wb_tcp_abort (WbTcpSocket *socket)
{
  WbTcpStack *stack;

  g_return_if_fail (socket != NULL);

  if (!socket->attached)
    return;
  stack = socket->stack;
  stack_enter (stack);
  socket->attached = FALSE;
  if (socket->state != TCP_SYN_SENT && socket->state != TCP_CLOSED)
    {
      tcp_send (socket, socket->snd_max, TCP_RST, 0);
      stack->stats.resets_sent++;
    }
  tcp_destroy (socket);
  stack_leave (stack);
}

void
wb_tcp_get_local (WbTcpSocket *socket,
                  guint32     *address,
                  guint16     *port)
{
  g_return_if_fail (socket != NULL);

  if (address != NULL)
    *address = socket->key.local_addr;
  if (port != NULL)
    *port = socket->key.local_port;
}

void
wb_tcp_get_remote (WbTcpSocket *socket,
                   guint32     *address,
                   guint16     *port)
{
  g_return_if_fail (socket != NULL);

  if (address != NULL)
    *address = socket->key.remote_addr;
  if (port != NULL)
    *port = socket->key.remote_port;
}
