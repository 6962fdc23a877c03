/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libslirp glue (PLATFORM-NOTES.md, "libslirp 4.7").
 *
 * The GSource: prepare runs slirp_pollfds_fill and changes GLib's fd set
 * only where slirp's set changed (re-registering every fd each turn burns
 * a core); check is TRUE only on an event, an expired slirp timeout, or a
 * re-poll flagged after input (frames slirp queues during slirp_input
 * would otherwise wait up to half a second); dispatch runs
 * slirp_pollfds_poll. An fd slirp does not want polled this turn leaves
 * GLib's set: poll() reports HUP/ERR even for no events, which would spin.
 *
 * Frames slirp emits go to wb_segment_port_send(), which only queues (the
 * segment delivers from its own source), so slirp is never re-entered from
 * its send_packet.
 *
 * The Net/LAN stand-in (wb-standin.h) shares the port: its router's inward
 * interface has slirp's MAC and host alias, takes the IPv4 frames bound
 * for 198.51.100.0/24 (and the ARP replies to slirp's MAC, which answer
 * its own requests as much as slirp's) and sends through the port as if
 * slirp had. It is made at the first frame for it, or when asked for
 * (wb_slirp_make_standin_station).
 */
#include "wb-slirp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <slirp/libslirp.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string.h>

#include "wb-error.h"
#include "wb-net.h"
#include "wb-standin.h"

#define ARP_LEN          28
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

typedef struct
{
  int          fd;
  GIOCondition events;      /* what slirp asked for this turn */
} PollEntry;

typedef struct
{
  gpointer     tag;
  GIOCondition events;
  guint        turn;        /* the last turn slirp asked for it */
} Watch;

typedef struct
{
  GSource  source;
  WbSlirp *slirp;
} SlirpSource;

typedef struct
{
  WbSlirp      *slirp;
  SlirpTimerId  id;
  void         *cb_opaque;
  GSource      *source;
} Timer;

typedef struct
{
  WbNatRule      *rule;
  struct in_addr  host;
  gboolean        bound;
  char           *error;     /* NULL when bound */
} Rule;

struct _WbSlirp
{
  WbSlirpConfig   config;
  WbSegment      *segment;
  WbSegmentPort  *port;
  guint8          mac[WB_ETH_ALEN];
  guint8          dns_mac[WB_ETH_ALEN];
  Slirp          *slirp;
  GSource        *source;
  WbSlirpLogFunc  log;
  gpointer        user_data;

  GArray         *fill;      /* PollEntry, by slirp's index, this turn */
  GHashTable     *watches;   /* fd -> Watch* */
  guint           turn;
  gint64          deadline;  /* monotonic µs; -1: none */
  gboolean        repoll;

  GPtrArray      *rules;     /* Rule* */
  WbCounters      counters;  /* drops before libslirp */
  guint64         n_input;   /* frames given to libslirp */

  gboolean        standin_wanted;   /* its network is not ours */
  WbStandin      *standin;
  guint64         n_standin;        /* frames given to the stand-in */
};

/* --- poll flags ---------------------------------------------------------- */

/* SLIRP_POLL_OUT = 2 and PRI = 4 are POLLPRI and POLLOUT swapped. */
static GIOCondition
condition_from_slirp (int events)
{
  GIOCondition cond = 0;

  if (events & SLIRP_POLL_IN)
    cond |= G_IO_IN;
  if (events & SLIRP_POLL_OUT)
    cond |= G_IO_OUT;
  if (events & SLIRP_POLL_PRI)
    cond |= G_IO_PRI;
  if (events & SLIRP_POLL_ERR)
    cond |= G_IO_ERR;
  if (events & SLIRP_POLL_HUP)
    cond |= G_IO_HUP;
  return cond;
}

static int
condition_to_slirp (GIOCondition cond)
{
  int events = 0;

  if (cond & G_IO_IN)
    events |= SLIRP_POLL_IN;
  if (cond & G_IO_OUT)
    events |= SLIRP_POLL_OUT;
  if (cond & G_IO_PRI)
    events |= SLIRP_POLL_PRI;
  if (cond & (G_IO_ERR | G_IO_NVAL))
    events |= SLIRP_POLL_ERR;
  if (cond & G_IO_HUP)
    events |= SLIRP_POLL_HUP;
  return events;
}

/* --- the GSource ----------------------------------------------------------- */

static void
watch_remove (WbSlirp *self,
              int      fd)
{
  Watch *watch = g_hash_table_lookup (self->watches, GINT_TO_POINTER (fd));

  if (watch == NULL)
    return;
  if (self->source != NULL)
    g_source_remove_unix_fd (self->source, watch->tag);
  g_hash_table_remove (self->watches, GINT_TO_POINTER (fd));
}

static int
add_poll_cb (int   fd,
             int   events,
             void *opaque)
{
  WbSlirp *self = opaque;
  PollEntry entry = { fd, condition_from_slirp (events) };

  g_array_append_val (self->fill, entry);
  return (int) self->fill->len - 1;
}

static int
get_revents_cb (int   idx,
                void *opaque)
{
  WbSlirp *self = opaque;
  const PollEntry *entry;
  Watch *watch;

  if (idx < 0 || (guint) idx >= self->fill->len)
    return 0;
  entry = &g_array_index (self->fill, PollEntry, idx);
  watch = g_hash_table_lookup (self->watches, GINT_TO_POINTER (entry->fd));
  if (watch == NULL)
    return 0;
  return condition_to_slirp (g_source_query_unix_fd (self->source, watch->tag)
                             & (entry->events | G_IO_ERR | G_IO_HUP | G_IO_NVAL));
}

/* GLib's set becomes slirp's set of this turn, touching only what
 * changed. */
static void
sync_watches (WbSlirp *self)
{
  GHashTableIter iter;
  gpointer key;
  Watch *watch;

  self->turn++;
  for (guint i = 0; i < self->fill->len; i++)
    {
      const PollEntry *entry = &g_array_index (self->fill, PollEntry, i);

      watch = g_hash_table_lookup (self->watches, GINT_TO_POINTER (entry->fd));
      if (watch == NULL)
        {
          watch = g_new0 (Watch, 1);
          watch->tag = g_source_add_unix_fd (self->source, entry->fd, entry->events);
          watch->events = entry->events;
          g_hash_table_insert (self->watches, GINT_TO_POINTER (entry->fd), watch);
        }
      else if (watch->events != entry->events)
        {
          g_source_modify_unix_fd (self->source, watch->tag, entry->events);
          watch->events = entry->events;
        }
      watch->turn = self->turn;
    }

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, &key, (gpointer *) &watch))
    {
      if (watch->turn == self->turn)
        continue;
      g_source_remove_unix_fd (self->source, watch->tag);
      g_hash_table_iter_remove (&iter);
    }
}

static gboolean
slirp_source_prepare (GSource *source,
                      int     *timeout)
{
  WbSlirp *self = ((SlirpSource *) source)->slirp;
  uint32_t slirp_timeout = UINT32_MAX;

  g_array_set_size (self->fill, 0);
  slirp_pollfds_fill (self->slirp, &slirp_timeout, add_poll_cb, self);
  sync_watches (self);

  if (slirp_timeout == UINT32_MAX)
    {
      self->deadline = -1;
      *timeout = -1;
    }
  else
    {
      *timeout = (int) MIN (slirp_timeout, (uint32_t) G_MAXINT);
      self->deadline = g_source_get_time (source) + (gint64) slirp_timeout * 1000;
    }
  if (self->repoll)
    *timeout = 0;
  return self->repoll || slirp_timeout == 0;
}

static gboolean
slirp_source_check (GSource *source)
{
  WbSlirp *self = ((SlirpSource *) source)->slirp;
  GHashTableIter iter;
  Watch *watch;

  if (self->repoll
      || (self->deadline >= 0 && g_source_get_time (source) >= self->deadline))
    return TRUE;
  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &watch))
    {
      if (g_source_query_unix_fd (source, watch->tag) != 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
slirp_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  WbSlirp *self = ((SlirpSource *) source)->slirp;

  self->repoll = FALSE;
  slirp_pollfds_poll (self->slirp, 0, get_revents_cb, self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs slirp_source_funcs = {
  .prepare = slirp_source_prepare,
  .check = slirp_source_check,
  .dispatch = slirp_source_dispatch,
};

/* --- timers (only the IPv6 RA timer in 4.7; kept general) ------------------ */

static gboolean
timer_dispatch_cb (gpointer user_data)
{
  Timer *timer = user_data;

  g_source_set_ready_time (timer->source, -1);
  slirp_handle_timer (timer->slirp->slirp, timer->id, timer->cb_opaque);
  return G_SOURCE_CONTINUE;
}

static gboolean
timer_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs timer_source_funcs = {
  .dispatch = timer_source_dispatch,
};

static void *
timer_new_opaque_cb (SlirpTimerId  id,
                     void         *cb_opaque,
                     void         *opaque)
{
  WbSlirp *self = opaque;
  Timer *timer = g_new0 (Timer, 1);

  timer->slirp = self;
  timer->id = id;
  timer->cb_opaque = cb_opaque;
  timer->source = g_source_new (&timer_source_funcs, sizeof (GSource));
  g_source_set_callback (timer->source, timer_dispatch_cb, timer, NULL);
  g_source_attach (timer->source, wb_segment_get_context (self->segment));
  return timer;
}

static void
timer_free_cb (void *data,
               void *opaque)
{
  Timer *timer = data;

  g_source_destroy (timer->source);
  g_source_unref (timer->source);
  g_free (timer);
}

/* @expire_ms on the clock of clock_get_ns (the monotonic clock). */
static void
timer_mod_cb (void    *data,
              int64_t  expire_ms,
              void    *opaque)
{
  Timer *timer = data;

  g_source_set_ready_time (timer->source, expire_ms * 1000);
}

/* --- callbacks ------------------------------------------------------------- */

static ssize_t
send_packet_cb (const void *buf,
                size_t      len,
                void       *opaque)
{
  WbSlirp *self = opaque;

  /* Queued by the segment: nothing is delivered (nor slirp re-entered)
   * from here. */
  wb_segment_port_send (self->port, buf, len);
  return (ssize_t) len;
}

static void
guest_error_cb (const char *msg,
                void       *opaque)
{
  WbSlirp *self = opaque;

  if (self->log != NULL)
    self->log (self->user_data, msg);
}

static int64_t
clock_get_ns_cb (void *opaque)
{
  return g_get_monotonic_time () * 1000;
}

static void
register_poll_fd_cb (int   fd,
                     void *opaque)
{
  /* Watched from the next fill on, when slirp says what it wants. */
}

static void
unregister_poll_fd_cb (int   fd,
                       void *opaque)
{
  /* The fd is about to be closed: its number may come back for another
   * socket before the next fill. */
  watch_remove (opaque, fd);
}

static void
notify_cb (void *opaque)
{
  WbSlirp *self = opaque;

  self->repoll = TRUE;
}

static const SlirpCb slirp_callbacks = {
  .send_packet = send_packet_cb,
  .guest_error = guest_error_cb,
  .clock_get_ns = clock_get_ns_cb,
  .timer_free = timer_free_cb,
  .timer_mod = timer_mod_cb,
  .register_poll_fd = register_poll_fd_cb,
  .unregister_poll_fd = unregister_poll_fd_cb,
  .notify = notify_cb,
  .timer_new_opaque = timer_new_opaque_cb,
};

/* --- input ------------------------------------------------------------------ */

static void
count_drop (WbSlirp      *self,
            WbDropReason  reason)
{
  self->counters.drops[reason]++;
}

static gboolean
for_us (WbSlirp      *self,
        const guint8 *dst)
{
  return wb_mac_is_multicast (dst) || wb_mac_equal (dst, self->mac)
         || wb_mac_equal (dst, self->dns_mac);
}

/* Whether an IPv4 packet is DHCP, which must not reach a slirp without its
 * DHCP server: it would send a unicast renewal for the name server's
 * address on to the host's real name server. */
static gboolean
is_dhcp (const guint8 *ip,
         gsize         len)
{
  gsize ihl = (gsize) (ip[0] & 0x0f) * 4;
  guint16 dport;

  if (ip[9] != WB_IP_PROTO_UDP || len < ihl + WB_UDP_HLEN)
    return FALSE;
  dport = wb_get_be16 (ip + ihl + 2);
  return dport == DHCP_SERVER_PORT || dport == DHCP_CLIENT_PORT;
}

static void
standin_transmit_cb (gpointer      user_data,
                     const guint8 *frame,
                     gsize         len)
{
  WbSlirp *self = user_data;

  if (self->port != NULL)
    wb_segment_port_send (self->port, frame, len);
}

static void
standin_log_cb (gpointer    user_data,
                const char *message)
{
  WbSlirp *self = user_data;

  if (self->log != NULL)
    self->log (self->user_data, message);
}

static void
ensure_standin (WbSlirp *self)
{
  if (self->standin == NULL)
    {
      WbStandinConfig config = { 0 };
      g_autofree char *name = NULL;
      char address[16];

      wb_ipv4_format (self->config.host, address);
      name = g_strdup_printf ("%s Net/LAN", address);
      config.router_name = "nat-router";
      config.segment_name = name;
      memcpy (config.inward_mac, self->mac, WB_ETH_ALEN);
      config.inward_address = self->config.host;
      config.inward_prefix = self->config.prefix;
      config.inward_mtu = self->config.mtu;
      /* 02:57:4f ("WO", a Wirebox outside) and the host alias: the same
       * every time, so that traces compare. */
      config.outward_mac[0] = 0x02;
      config.outward_mac[1] = 0x57;
      config.outward_mac[2] = 0x4f;
      config.outward_mac[3] = (self->config.host >> 8) & 0xff;
      config.outward_mac[4] = self->config.host & 0xff;
      config.outward_mac[5] = 0x01;
      memcpy (config.station_mac, config.outward_mac, WB_ETH_ALEN);
      config.station_mac[5] = 0x02;
      self->standin = wb_standin_new (&config, wb_segment_get_context (self->segment),
                                      standin_transmit_cb, standin_log_cb, self);
    }
}

static void
to_standin (WbSlirp      *self,
            const guint8 *frame,
            gsize         len)
{
  ensure_standin (self);
  self->n_standin++;
  wb_standin_input (self->standin, frame, len);
}

static void
deliver_cb (gpointer      user_data,
            const guint8 *frame,
            gsize         len)
{
  WbSlirp *self = user_data;
  guint16 type;

  if (len < WB_ETH_HLEN)
    {
      count_drop (self, WB_DROP_RUNT);
      return;
    }
  if (len - WB_ETH_HLEN > self->config.mtu)
    {
      count_drop (self, WB_DROP_OVERSIZE);
      return;
    }
  /* The port sees every frame on the segment (see wb_slirp_new). */
  if (!for_us (self, frame))
    return;

  type = wb_get_be16 (frame + 12);
  if (type == WB_ETHERTYPE_ARP)
    {
      if (len < WB_ETH_HLEN + ARP_LEN)
        {
          count_drop (self, WB_DROP_RUNT);
          return;
        }
      /* A reply to the stand-in's request looks like one to slirp's. */
      if (self->standin != NULL && wb_get_be16 (frame + WB_ETH_HLEN + 6) == 2
          && wb_mac_equal (frame, self->mac))
        wb_standin_input (self->standin, frame, len);
    }
  else if (type == WB_ETHERTYPE_IPV4)
    {
      const guint8 *ip = frame + WB_ETH_HLEN;
      gsize ip_len = len - WB_ETH_HLEN;
      gsize ihl;

      /* libslirp checks these too; a truncated or lying header never gets
       * that far here. */
      if (ip_len < WB_IPV4_HLEN || (ip[0] >> 4) != 4
          || (ihl = (gsize) (ip[0] & 0x0f) * 4) < WB_IPV4_HLEN || ihl > ip_len
          || wb_get_be16 (ip + 2) < ihl || wb_get_be16 (ip + 2) > ip_len)
        {
          count_drop (self, WB_DROP_RUNT);
          return;
        }
      /* The Net/LAN is the stand-in's, never libslirp's (which would
       * send it off the machine). */
      if (self->standin_wanted && wb_standin_contains (wb_get_be32 (ip + 16)))
        {
          to_standin (self, frame, len);
          return;
        }
      /* libslirp 4.7 crashes on a last fragment it has no queue for
       * (found by tests/test-nat.c): it gets no fragments at all. */
      if ((wb_get_be16 (ip + 6) & 0x3fff) != 0)
        {
          count_drop (self, WB_DROP_FRAGMENT);
          return;
        }
      if (self->config.dhcp_start == 0 && is_dhcp (ip, wb_get_be16 (ip + 2)))
        return;
    }
  else
    {
      count_drop (self, WB_DROP_ETHERTYPE);
      return;
    }

  self->n_input++;
  slirp_input (self->slirp, frame, (int) len);
  /* What slirp answered is queued inside it until the next poll. */
  self->repoll = TRUE;
}

/* --- the instance ------------------------------------------------------------- */

static void
mac_for (guint32 address,
         guint8  mac[WB_ETH_ALEN])
{
  mac[0] = 0x52;
  mac[1] = 0x55;
  wb_put_be32 (mac + 2, address);
}

static struct in_addr
in_addr_from (guint32 address)
{
  struct in_addr in = { .s_addr = g_htonl (address) };

  return in;
}

WbSlirp *
wb_slirp_new (WbSegment            *segment,
              const WbSlirpConfig  *config,
              WbSlirpLogFunc        log,
              gpointer              user_data,
              GError              **error)
{
  guint32 mask;
  WbSlirp *self;
  SlirpConfig cfg = { 0 };

  g_return_val_if_fail (segment != NULL && config != NULL, NULL);

  mask = wb_prefix_to_mask (config->prefix);
  if (config->prefix < 1 || config->prefix > 30
      || (config->host & mask) != config->network
      || (config->nameserver & mask) != config->network
      || config->host == config->nameserver
      || (config->dhcp_start != 0 && (config->dhcp_start & mask) != config->network)
      || config->mtu > MIN (WB_SLIRP_MAX_MTU, wb_segment_get_mtu (segment)))
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Invalid NAT engine configuration (network, host, name "
                   "server or MTU)");
      return NULL;
    }

  self = g_new0 (WbSlirp, 1);
  self->config = *config;
  if (self->config.mtu == 0)
    self->config.mtu = WB_ETH_MTU;
  self->segment = segment;
  self->log = log;
  self->user_data = user_data;
  self->fill = g_array_new (FALSE, FALSE, sizeof (PollEntry));
  self->watches = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->rules = g_ptr_array_new ();
  self->deadline = -1;
  mac_for (config->host, self->mac);
  mac_for (config->nameserver, self->dns_mac);
  /* A network that covers the stand-in's is the guests' own business. */
  self->standin_wanted = config->prefix >= WB_STANDIN_PREFIX
                         ? !wb_standin_contains (config->network)
                         : (WB_STANDIN_ADDRESS & mask) != config->network;

  /* Version 4 for disable_dhcp; 5 would make slirp_new fail. */
  cfg.version = 4;
  cfg.in_enabled = true;
  cfg.vnetwork = in_addr_from (config->network);
  cfg.vnetmask = in_addr_from (mask);
  cfg.vhost = in_addr_from (config->host);
  cfg.vnameserver = in_addr_from (config->nameserver);
  cfg.vdhcp_start = in_addr_from (config->dhcp_start != 0 ? config->dhcp_start
                                  : config->network + 15);
  cfg.disable_dhcp = config->dhcp_start == 0;
  cfg.disable_host_loopback = !config->host_loopback;
  cfg.if_mtu = self->config.mtu;
  cfg.if_mru = self->config.mtu;
  cfg.vhostname = "wirebox";
  /* enable_emu off, tftp_path NULL, IPv6 off: nothing more than needed. */

  self->source = g_source_new (&slirp_source_funcs, sizeof (SlirpSource));
  ((SlirpSource *) self->source)->slirp = self;
  g_source_set_name (self->source, "WbSlirp");

  self->slirp = slirp_new (&cfg, &slirp_callbacks, self);
  if (self->slirp == NULL)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED, "libslirp refused the configuration");
      g_source_unref (self->source);
      self->source = NULL;
      wb_slirp_free (self);
      return NULL;
    }
  g_source_attach (self->source, wb_segment_get_context (segment));

  /* Every frame on the segment comes here, and deliver_cb keeps those for
   * its MACs: slirp answers ARP for the name server with a MAC of its own
   * that the switch may have aged out. */
  self->port = wb_segment_add_port (segment, WB_PORT_HOST, WB_PORT_FLAGS_IPV4_ONLY,
                                    self->mac, deliver_cb, self);
  wb_segment_port_set_promisc (self->port, WB_PROMISC_ALLOW_ALL);
  return self;
}

static void
rule_free (Rule *rule)
{
  wb_nat_rule_free (rule->rule);
  g_free (rule->error);
  g_free (rule);
}

void
wb_slirp_free (WbSlirp *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->port, wb_segment_remove_port);
  g_clear_pointer (&self->standin, wb_standin_free);
  /* Closes every socket (unregistering its fd from the source). */
  g_clear_pointer (&self->slirp, slirp_cleanup);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  for (guint i = 0; i < self->rules->len; i++)
    rule_free (g_ptr_array_index (self->rules, i));
  g_ptr_array_free (self->rules, TRUE);
  g_hash_table_unref (self->watches);
  g_array_unref (self->fill);
  g_free (self);
}

const guint8 *
wb_slirp_get_mac (WbSlirp *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->mac;
}

const WbSlirpConfig *
wb_slirp_get_config (WbSlirp *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->config;
}

void
wb_slirp_get_counters (WbSlirp    *self,
                       WbCounters *counters)
{
  g_return_if_fail (self != NULL && counters != NULL);

  *counters = self->counters;
  if (self->port != NULL)
    {
      const WbCounters *port = wb_segment_port_get_counters (self->port);

      counters->frames_in = port->frames_in;
      counters->bytes_in = port->bytes_in;
      counters->frames_out = port->frames_out;
      counters->bytes_out = port->bytes_out;
      for (guint i = 0; i < WB_N_DROPS; i++)
        counters->drops[i] += port->drops[i];
    }
}

gboolean
wb_slirp_is_local (WbSlirp *self,
                   guint32  address)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return address == self->config.host
         || (self->standin_wanted && wb_standin_contains (address));
}

guint64
wb_slirp_get_n_input (WbSlirp *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_input;
}

guint64
wb_slirp_get_n_standin (WbSlirp *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_standin;
}

WbGuest *
wb_slirp_get_standin_station (WbSlirp *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->standin != NULL ? wb_standin_get_station (self->standin) : NULL;
}

WbGuest *
wb_slirp_make_standin_station (WbSlirp *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (!self->standin_wanted)
    return NULL;
  ensure_standin (self);
  return wb_standin_get_station (self->standin);
}

/* --- port forwards ------------------------------------------------------------ */

static gboolean
rule_equal (const WbNatRule *a,
            const WbNatRule *b)
{
  return strcmp (a->name, b->name) == 0 && a->proto == b->proto
         && strcmp (a->host_ip, b->host_ip) == 0 && a->host_port == b->host_port
         && strcmp (a->guest_ip, b->guest_ip) == 0 && a->guest_port == b->guest_port;
}

static void
rule_close (WbSlirp *self,
            Rule    *rule)
{
  if (!rule->bound)
    return;
  slirp_remove_hostfwd (self->slirp, rule->rule->proto == WB_PROTO_UDP,
                        rule->host, rule->rule->host_port);
  rule->bound = FALSE;
}

/* Whether @fd is a TCP socket listening on @host:@port (another thread
 * may have taken the number first). */
static gboolean
is_listener (int            fd,
             struct in_addr host,
             guint16        port)
{
  struct sockaddr_in address;
  socklen_t len = sizeof address;
  int listening = 0;
  socklen_t opt_len = sizeof listening;

  return fd >= 0
         && getsockopt (fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &opt_len) == 0
         && listening
         && getsockname (fd, (struct sockaddr *) &address, &len) == 0
         && address.sin_family == AF_INET && address.sin_addr.s_addr == host.s_addr
         && address.sin_port == g_htons (port);
}

static void
rule_bind (WbSlirp *self,
           Rule    *rule,
           guint32  default_guest)
{
  const WbNatRule *config = rule->rule;
  guint32 guest = default_guest;
  int listener;

  g_clear_pointer (&rule->error, g_free);
  if (*config->host_ip == '\0')
    rule->host.s_addr = INADDR_ANY;
  else if (inet_pton (AF_INET, config->host_ip, &rule->host) != 1)
    {
      rule->error = g_strdup_printf ("bad host address '%s'", config->host_ip);
      return;
    }
  if (*config->guest_ip != '\0' && !wb_ipv4_parse (config->guest_ip, &guest, NULL))
    guest = 0;
  if (guest == 0)
    {
      rule->error = g_strdup ("no guest address");
      return;
    }

  /* The socket slirp is about to create gets the lowest free number. */
  listener = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (listener >= 0)
    close (listener);
  errno = 0;
  if (slirp_add_hostfwd (self->slirp, config->proto == WB_PROTO_UDP, rule->host,
                         config->host_port, in_addr_from (guest),
                         config->guest_port) < 0)
    {
      rule->error = g_strdup (g_strerror (errno != 0 ? errno : EINVAL));
      return;
    }
  /* libslirp listens with a backlog of 1: a burst of clients overflows
   * it, and the kernel's SYN cookies then reset some of them. Listening
   * again only changes the backlog. */
  if (config->proto == WB_PROTO_TCP && is_listener (listener, rule->host, config->host_port))
    listen (listener, SOMAXCONN);
  rule->bound = TRUE;
}

void
wb_slirp_set_rules (WbSlirp   *self,
                    GPtrArray *rules,
                    guint32    default_guest)
{
  g_autoptr(GPtrArray) old = NULL;

  g_return_if_fail (self != NULL);

  old = g_steal_pointer (&self->rules);
  self->rules = g_ptr_array_new ();
  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      const WbNatRule *wanted = g_ptr_array_index (rules, i);
      Rule *rule = NULL;

      /* An unchanged bound rule keeps its socket and its connections. */
      for (guint j = 0; j < old->len; j++)
        {
          Rule *candidate = g_ptr_array_index (old, j);

          if (candidate->bound && rule_equal (candidate->rule, wanted))
            {
              rule = g_ptr_array_steal_index (old, j);
              break;
            }
        }
      if (rule == NULL)
        {
          rule = g_new0 (Rule, 1);
          rule->rule = wb_nat_rule_copy (wanted);
        }
      g_ptr_array_add (self->rules, rule);
    }

  /* Closed first: a changed rule may bind the port it had. */
  for (guint i = 0; i < old->len; i++)
    {
      Rule *rule = g_ptr_array_index (old, i);

      rule_close (self, rule);
      rule_free (rule);
    }
  for (guint i = 0; i < self->rules->len; i++)
    {
      Rule *rule = g_ptr_array_index (self->rules, i);

      if (!rule->bound)
        rule_bind (self, rule, default_guest);
    }
}

GVariant *
wb_slirp_get_rule_states (WbSlirp *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (self != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sss)"));
  for (guint i = 0; i < self->rules->len; i++)
    {
      const Rule *rule = g_ptr_array_index (self->rules, i);

      g_variant_builder_add (&builder, "(sss)", rule->rule->name,
                             rule->bound ? "bound" : "not bound",
                             rule->error != NULL ? rule->error : "");
    }
  return g_variant_builder_end (&builder);
}

const char *
wb_slirp_get_rule_error (WbSlirp    *self,
                         const char *name)
{
  g_return_val_if_fail (self != NULL && name != NULL, NULL);

  for (guint i = 0; i < self->rules->len; i++)
    {
      const Rule *rule = g_ptr_array_index (self->rules, i);

      if (strcmp (rule->rule->name, name) == 0)
        return rule->bound ? NULL : rule->error;
    }
  return NULL;
}
