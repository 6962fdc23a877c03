/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The commands `guestcontrol VM run` starts inside a guest: ping (the output
 * of Linux's iputils ping), ip addr, ip route, arp (net-tools' table) and
 * dhcp renew; tcp and http belong to wb-guest-apps.c.
 */
#include "wb-guest-internal.h"

#include <string.h>

/* guestcontrol has no Ctrl-C: without -c, ping stops after this many. */
#define PING_DEFAULT_COUNT      4
#define PING_MAX_SIZE           (WB_IP_MAX_PAYLOAD - WB_ICMP_HLEN)
#define PING_DEFAULT_LINGER_US  ((gint64) 10 * G_USEC_PER_SEC)   /* iputils' MAXWAIT */
#define PING_MIN_INTERVAL_US    1000
/* An echo payload this long carries a struct timeval in iputils, which
 * then prints times. */
#define PING_TIMING_SIZE        16
#define PING_SLOTS              65536

typedef void (*WbCommandFunc) (WbGuest            *guest,
                               const char * const *argv,
                               GTask              *task);

/* --- results ------------------------------------------------------------------------------- */

static void
run_result_free (gpointer data)
{
  WbGuestRunResult *result = data;

  if (result->output != NULL)
    g_string_free (result->output, TRUE);
  g_free (result);
}

void
_wb_guest_run_return (GTask   *task,
                      int      exit_status,
                      GString *output)
{
  WbGuestRunResult *result = g_new0 (WbGuestRunResult, 1);

  result->exit_status = exit_status;
  result->output = output != NULL ? output : g_string_new (NULL);
  g_task_return_pointer (task, result, run_result_free);
}

static void
run_return_printf (GTask      *task,
                   int         exit_status,
                   const char *format,
                   ...) G_GNUC_PRINTF (3, 4);

static void
run_return_printf (GTask      *task,
                   int         exit_status,
                   const char *format,
                   ...)
{
  GString *output = g_string_new (NULL);
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (output, format, args);
  va_end (args);
  _wb_guest_run_return (task, exit_status, output);
}

gboolean
_wb_guest_parse_ipv4 (const char *text,
                      guint32    *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (text);

  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
    return FALSE;
  *address = wb_get_be32 (g_inet_address_to_bytes (inet));
  return TRUE;
}

/* --- ping ------------------------------------------------------------------------------------ */

typedef struct
{
  gint           ref_count;
  gboolean       done;
  WbGuest       *guest;
  GTask         *task;
  GString       *out;
  GSource       *timer;
  GSource       *cancel_source;

  char           host[16];
  guint32        dst;
  guint16        id;
  guint64        count;
  gsize          size;
  gint64         interval_us;
  gint64         linger_us;

  guint64        transmitted;
  guint64        received;
  guint64        repeats;
  guint64        errors;
  gint64         start;
  gint64         last_send;
  gint64         tmin;
  gint64         tmax;
  gint64         tsum;
  gint64         tsum2;
  /* When each sequence number left (0: never) and whether it was
   * answered, indexed by seq - 1 modulo the slots. */
  gint64        *sent_at;
  guint8        *answered;
  guint          slots;
} WbPing;

static WbPing *
ping_ref (WbPing *ping)
{
  ping->ref_count++;
  return ping;
}

static void
ping_unref (WbPing *ping)
{
  if (--ping->ref_count > 0)
    return;
  g_clear_object (&ping->task);
  if (ping->out != NULL)
    g_string_free (ping->out, TRUE);
  g_free (ping->sent_at);
  g_free (ping->answered);
  g_free (ping);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbPing, ping_unref)

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* iputils' llsqrt: an integer square root (Newton). */
static gint64
isqrt (gint64 a)
{
  gint64 x = a;
  gint64 previous = G_MAXINT64;

  if (a <= 0)
    return 0;
  while (x < previous)
    {
      previous = x;
      x = (x + a / x) / 2;
    }
  return x;
}

static void
ping_print_statistics (WbPing *ping)
{
  char loss[G_ASCII_DTOSTR_BUF_SIZE];
  gint64 elapsed = ping->last_send - ping->start;

  g_string_append_printf (ping->out, "\n--- %s ping statistics ---\n", ping->host);
  g_string_append_printf (ping->out, "%" G_GUINT64_FORMAT " packets transmitted, "
                          "%" G_GUINT64_FORMAT " received", ping->transmitted, ping->received);
  if (ping->repeats > 0)
    g_string_append_printf (ping->out, ", +%" G_GUINT64_FORMAT " duplicates", ping->repeats);
  if (ping->errors > 0)
    g_string_append_printf (ping->out, ", +%" G_GUINT64_FORMAT " errors", ping->errors);
  if (ping->transmitted > 0)
    {
      /* iputils prints a float with %g, in the C locale. */
      g_ascii_formatd (loss, sizeof loss, "%g",
                       (float) ((ping->transmitted - ping->received) * 100.0 / ping->transmitted));
      g_string_append_printf (ping->out, ", %s%% packet loss, time %" G_GINT64_FORMAT "ms",
                              loss, (elapsed + 500) / 1000);
    }
  g_string_append_c (ping->out, '\n');
  if (ping->received > 0 && ping->size >= PING_TIMING_SIZE)
    {
      gint64 total = (gint64) (ping->received + ping->repeats);
      gint64 avg = ping->tsum / total;
      gint64 mdev = isqrt ((ping->tsum2 - ping->tsum * ping->tsum / total) / total);

      g_string_append_printf (ping->out,
                              "rtt min/avg/max/mdev = %" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT
                              "/%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT
                              "/%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT
                              "/%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT " ms",
                              ping->tmin / 1000, ping->tmin % 1000, avg / 1000, avg % 1000,
                              ping->tmax / 1000, ping->tmax % 1000, mdev / 1000, mdev % 1000);
    }
  g_string_append_c (ping->out, '\n');
}

/* Ends the ping: its statistics, or @error (cancelled, guest stopped). */
static void
ping_finish (WbPing *ping,
             GError *error)
{
  if (ping->done)
    {
      g_clear_error (&error);
      return;
    }
  ping->done = TRUE;
  clear_source (&ping->timer);
  clear_source (&ping->cancel_source);
  _wb_guest_icmp_unwatch (ping->guest, ping->id);
  ping->guest->commands = g_list_remove (ping->guest->commands, ping);
  if (error != NULL)
    g_task_return_error (ping->task, error);
  else
    {
      ping_print_statistics (ping);
      _wb_guest_run_return (ping->task, ping->received > 0 ? 0 : 1, g_steal_pointer (&ping->out));
    }
  ping_unref (ping);
}

static void
ping_append_time (GString *out,
                  gint64   us)
{
  /* iputils' precision: three significant digits or so. */
  if (us >= 100000 - 50)
    g_string_append_printf (out, " time=%" G_GINT64_FORMAT " ms", (us + 500) / 1000);
  else if (us >= 10000 - 5)
    g_string_append_printf (out, " time=%" G_GINT64_FORMAT ".%01" G_GINT64_FORMAT " ms",
                            (us + 50) / 1000, ((us + 50) % 1000) / 100);
  else if (us >= 1000)
    g_string_append_printf (out, " time=%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " ms",
                            (us + 5) / 1000, ((us + 5) % 1000) / 10);
  else
    g_string_append_printf (out, " time=%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT " ms",
                            us / 1000, us % 1000);
}

static void
ping_reply_cb (WbGuest  *guest,
               guint32   from,
               guint16   id,
               guint16   seq,
               guint8    ttl,
               gsize     len,
               gpointer  user_data)
{
  WbPing *ping = user_data;
  guint slot = (guint16) (seq - 1) % ping->slots;
  guint8 bit = (guint8) (1u << (slot % 8));
  gint64 sent = ping->sent_at[slot];
  gboolean duplicate;
  gint64 rtt;
  char address[16];

  if (ping->done || sent == 0)
    return;   /* not one of ours */
  duplicate = (ping->answered[slot / 8] & bit) != 0;
  ping->answered[slot / 8] |= bit;
  if (duplicate)
    ping->repeats++;
  else
    ping->received++;
  /* As iputils: duplicates count in the times too. */
  rtt = MAX (g_get_monotonic_time () - sent, 0);
  ping->tsum += rtt;
  ping->tsum2 += rtt * rtt;
  ping->tmin = ping->received + ping->repeats == 1 ? rtt : MIN (ping->tmin, rtt);
  ping->tmax = MAX (ping->tmax, rtt);

  wb_ipv4_format (from, address);
  g_string_append_printf (ping->out, "%" G_GSIZE_FORMAT " bytes from %s: icmp_seq=%u ttl=%u",
                          len + WB_ICMP_HLEN, address, seq, ttl);
  if (len < ping->size)
    g_string_append (ping->out, " (truncated)\n");
  else
    {
      if (ping->size >= PING_TIMING_SIZE)
        ping_append_time (ping->out, rtt);
      if (duplicate)
        g_string_append (ping->out, " (DUP!)");
      g_string_append_c (ping->out, '\n');
    }

  if (ping->received >= ping->count)
    ping_finish (ping, NULL);
}

static gboolean ping_tick_cb (gpointer user_data);

static gboolean
ping_linger_cb (gpointer user_data)
{
  WbPing *ping = user_data;

  g_clear_pointer (&ping->timer, g_source_unref);
  ping_finish (ping, NULL);
  return G_SOURCE_REMOVE;
}

static void
ping_send (WbPing *ping)
{
  g_autoptr(GError) error = NULL;
  guint16 seq = (guint16) (ping->transmitted + 1);
  guint slot = (guint16) (seq - 1) % ping->slots;
  gint64 now = g_get_monotonic_time ();

  if (ping->transmitted == 0)
    ping->start = now;
  ping->last_send = now;
  ping->transmitted++;
  /* Set before sending: the reply may come back at once. */
  ping->sent_at[slot] = now;
  ping->answered[slot / 8] &= (guint8) ~(1u << (slot % 8));
  if (!_wb_guest_icmp_echo (ping->guest, ping->dst, ping->id, seq, ping->size, &error))
    {
      ping->sent_at[slot] = 0;
      ping->errors++;
      g_string_append_printf (ping->out, "ping: sendmsg: %s\n", error->message);
    }
}

/* After the last request: iputils waits twice the longest round trip (at
 * least an interval) once something came back, else the linger time. */
static void
ping_schedule (WbPing *ping)
{
  gint64 wait_us;

  if (ping->transmitted < ping->count)
    wait_us = ping->interval_us;
  else if (ping->received > 0)
    wait_us = MAX (2 * ping->tmax, ping->interval_us);
  else
    wait_us = ping->linger_us;
  ping->timer = _wb_guest_timeout_new (ping->guest, (guint) MIN ((wait_us + 999) / 1000, G_MAXUINT),
                                       ping->transmitted < ping->count ? ping_tick_cb : ping_linger_cb,
                                       ping);
}

static gboolean
ping_tick_cb (gpointer user_data)
{
  g_autoptr(WbPing) ping = ping_ref (user_data);

  g_clear_pointer (&ping->timer, g_source_unref);
  ping_send (ping);
  if (!ping->done)
    ping_schedule (ping);
  return G_SOURCE_REMOVE;
}

static gboolean
ping_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  WbPing *ping = user_data;

  g_clear_pointer (&ping->cancel_source, g_source_unref);
  ping_finish (ping, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
  return G_SOURCE_REMOVE;
}

static gboolean
parse_seconds (const char *text,
               gint64     *us)
{
  char *end = NULL;
  double value = g_ascii_strtod (text, &end);

  if (end == text || *end != '\0' || !(value >= 0) || value > G_MAXINT / 1000)
    return FALSE;
  *us = (gint64) (value * G_USEC_PER_SEC);
  return TRUE;
}

static void
run_ping (WbGuest            *guest,
          const char * const *argv,
          GTask              *task)
{
  g_autoptr(WbPing) ping = g_new0 (WbPing, 1);
  const char *host = NULL;
  guint64 number;

  ping->ref_count = 1;
  ping->guest = guest;
  ping->task = g_object_ref (task);
  ping->count = PING_DEFAULT_COUNT;
  ping->size = 56;
  ping->interval_us = G_USEC_PER_SEC;
  ping->linger_us = PING_DEFAULT_LINGER_US;

  for (guint i = 1; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];
      const char *value;
      char option;

      if (arg[0] != '-' || arg[1] == '\0')
        {
          if (host != NULL)
            {
              run_return_printf (task, 2, "ping: usage error: extra operand '%s'\n", arg);
              return;
            }
          host = arg;
          continue;
        }
      option = arg[1];
      if (strchr ("cisW", option) == NULL)
        {
          run_return_printf (task, 2, "ping: invalid option -- '%c'\n"
                             "Usage: ping [-c count] [-i interval] [-s packetsize] [-W timeout] "
                             "destination\n",
                             option);
          return;
        }
      value = arg[2] != '\0' ? arg + 2 : argv[++i];
      if (value == NULL)
        {
          run_return_printf (task, 2, "ping: option requires an argument -- '%c'\n", option);
          return;
        }
      switch (option)
        {
        case 'c':
          if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXINT64, &number, NULL))
            {
              run_return_printf (task, 1, "ping: invalid argument: '%s': out of range: "
                                 "1 <= value <= %" G_GINT64_FORMAT "\n", value, G_MAXINT64);
              return;
            }
          ping->count = number;
          break;
        case 's':
          if (!g_ascii_string_to_unsigned (value, 10, 0, PING_MAX_SIZE, &number, NULL))
            {
              run_return_printf (task, 1, "ping: invalid argument: '%s': out of range: "
                                 "0 <= value <= %d\n", value, PING_MAX_SIZE);
              return;
            }
          ping->size = number;
          break;
        case 'i':
          if (!parse_seconds (value, &ping->interval_us))
            {
              run_return_printf (task, 2, "ping: bad timing interval: %s\n", value);
              return;
            }
          ping->interval_us = MAX (ping->interval_us, PING_MIN_INTERVAL_US);
          break;
        case 'W':
          if (!parse_seconds (value, &ping->linger_us))
            {
              run_return_printf (task, 2, "ping: bad linger time: %s\n", value);
              return;
            }
          break;
        default:
          g_assert_not_reached ();
        }
    }

  if (host == NULL)
    {
      run_return_printf (task, 1, "ping: usage error: Destination address required\n");
      return;
    }
  if (!_wb_guest_parse_ipv4 (host, &ping->dst))
    {
      run_return_printf (task, 2, "ping: %s: Name or service not known\n", host);
      return;
    }
  if (!_wb_guest_route (guest, ping->dst, NULL, NULL, NULL))
    {
      run_return_printf (task, 2, "ping: connect: Network is unreachable\n");
      return;
    }

  wb_ipv4_format (ping->dst, ping->host);
  ping->slots = (guint) MIN (ping->count, PING_SLOTS);
  ping->sent_at = g_new0 (gint64, ping->slots);
  ping->answered = g_new0 (guint8, (ping->slots + 7) / 8);
  /* Identifiers below the masquerading range, one per running ping. */
  do
    {
      ping->id = guest->next_echo_id++;
      if (guest->next_echo_id == 0 || guest->next_echo_id >= WB_NAT_PORT_FIRST)
        guest->next_echo_id = 1;
    }
  while (ping->id == 0 || g_hash_table_contains (guest->echo_watches, GUINT_TO_POINTER (ping->id)));

  ping->out = g_string_new (NULL);
  g_string_append_printf (ping->out, "PING %s (%s) %" G_GSIZE_FORMAT "(%" G_GSIZE_FORMAT ") "
                          "bytes of data.\n", ping->host, ping->host, ping->size,
                          ping->size + WB_ICMP_HLEN + WB_IPV4_HLEN);
  _wb_guest_icmp_watch (guest, ping->id, ping_reply_cb, ping);
  guest->commands = g_list_prepend (guest->commands, ping_ref (ping));
  if (g_task_get_cancellable (task) != NULL)
    {
      /* Dispatched on the guest's context, whichever thread cancels. */
      ping->cancel_source = g_cancellable_source_new (g_task_get_cancellable (task));
      g_source_set_callback (ping->cancel_source, G_SOURCE_FUNC (ping_cancelled_cb), ping, NULL);
      g_source_attach (ping->cancel_source, guest->context);
    }
  ping->timer = _wb_guest_timeout_new (guest, 0, ping_tick_cb, ping);
}

void
_wb_guest_commands_shutdown (WbGuest *guest)
{
  while (guest->commands != NULL)
    ping_finish (guest->commands->data,
                 g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "The guest stopped"));
}

/* --- ip, arp, dhcp ----------------------------------------------------------------------------- */

/* iproute2 takes any prefix of an object or command name. */
static gboolean
matches (const char *arg,
         const char *word)
{
  gsize len = strlen (arg);

  return len > 0 && len <= strlen (word) && strncmp (arg, word, len) == 0;
}

static void
print_ip_addr (WbGuest *guest,
               GString *out)
{
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    {
      const WbGuestIface *ifc = &guest->ifaces[i];
      char mac[18], address[16], broadcast[16];

      if (!ifc->present)
        continue;
      wb_mac_format (ifc->mac, mac);
      /* Numbered after "1: lo", as Linux would. */
      g_string_append_printf (out, "%u: eth%u: <%s> mtu %u qdisc fq_codel state %s "
                              "group default qlen 1000\n", i + 2, i,
                              ifc->up ? "BROADCAST,MULTICAST,UP,LOWER_UP" : "NO-CARRIER,BROADCAST,MULTICAST,UP",
                              ifc->mtu, ifc->up ? "UP" : "DOWN");
      g_string_append_printf (out, "    link/ether %s brd ff:ff:ff:ff:ff:ff\n", mac);
      if (ifc->address != 0)
        {
          wb_ipv4_format (ifc->address, address);
          wb_ipv4_format (ifc->address | ~_wb_ipv4_mask (ifc->prefix), broadcast);
          g_string_append_printf (out, "    inet %s/%u brd %s scope global %seth%u\n", address,
                                  ifc->prefix, broadcast, ifc->dhcp != NULL ? "dynamic " : "", i);
          if (ifc->dhcp == NULL)
            g_string_append (out, "       valid_lft forever preferred_lft forever\n");
        }
      if (ifc->dhcp != NULL)
        {
          g_autofree char *lease = _wb_dhcp_client_describe (ifc->dhcp);

          g_string_append_printf (out, "    dhcp: %s\n", lease);
        }
    }
}

static void
print_ip_route (WbGuest *guest,
                GString *out)
{
  guint iface;
  guint32 gateway;
  char text[16], src[16];

  if (_wb_guest_default_route (guest, &iface, &gateway))
    {
      const WbGuestIface *ifc = &guest->ifaces[iface];

      wb_ipv4_format (gateway, text);
      if (gateway == guest->gateway && iface == guest->gateway_iface)
        g_string_append_printf (out, "default via %s dev eth%u\n", text, iface);
      else
        {
          wb_ipv4_format (ifc->address, src);
          g_string_append_printf (out, "default via %s dev eth%u proto dhcp src %s\n", text, iface, src);
        }
    }
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    {
      const WbGuestIface *ifc = &guest->ifaces[i];

      if (!ifc->present || !ifc->up || ifc->address == 0)
        continue;
      wb_ipv4_format (ifc->address & _wb_ipv4_mask (ifc->prefix), text);
      wb_ipv4_format (ifc->address, src);
      g_string_append_printf (out, "%s/%u dev eth%u proto kernel scope link src %s\n",
                              text, ifc->prefix, i, src);
    }
}

static void
run_ip (WbGuest            *guest,
        const char * const *argv,
        GTask              *task)
{
  const char *object = argv[1];
  const char *command = object != NULL ? argv[2] : NULL;
  GString *out;

  if (object == NULL)
    {
      run_return_printf (task, 255, "Usage: ip OBJECT [ show ]\nwhere  OBJECT := { address | route }\n");
      return;
    }
  if (!matches (object, "address") && !matches (object, "route"))
    {
      run_return_printf (task, 1, "Object \"%s\" is unknown, try \"ip help\".\n", object);
      return;
    }
  if (command != NULL && !matches (command, "show") && !matches (command, "list"))
    {
      run_return_printf (task, 1, "Command \"%s\" is unknown, try \"ip %s help\".\n",
                         command, matches (object, "address") ? "address" : "route");
      return;
    }
  out = g_string_new (NULL);
  if (matches (object, "address"))
    print_ip_addr (guest, out);
  else
    print_ip_route (guest, out);
  _wb_guest_run_return (task, 0, out);
}

static gint
arp_entry_compare (gconstpointer a,
                   gconstpointer b)
{
  const WbArpEntry *ea = *(const WbArpEntry * const *) a;
  const WbArpEntry *eb = *(const WbArpEntry * const *) b;

  if (ea->key != eb->key)
    return ea->key < eb->key ? -1 : 1;
  return 0;
}

/* One row of net-tools' table. */
static void
arp_row (GString    *out,
         const char *address,
         const char *hwtype,
         const char *hwaddress,
         const char *flags,
         const char *mask,
         const char *iface)
{
  g_string_append_printf (out, "%-23.23s  %-8.8s%-20.20s%-6.6s%-15.15s %s\n",
                          address, hwtype, hwaddress, flags, mask, iface);
}

static void
run_arp (WbGuest            *guest,
         const char * const *argv,
         GTask              *task)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  GString *out = g_string_new (NULL);
  GHashTableIter iter;
  gpointer entry;

  g_hash_table_iter_init (&iter, guest->arp);
  while (g_hash_table_iter_next (&iter, NULL, &entry))
    g_ptr_array_add (entries, entry);
  g_ptr_array_sort (entries, arp_entry_compare);

  /* net-tools' `arp -n`: a header before the first entry, nothing when
   * the cache is empty. */
  for (guint i = 0; i < entries->len; i++)
    {
      const WbArpEntry *e = g_ptr_array_index (entries, i);
      char address[16], mac[18], dev[16];

      if (i == 0)
        arp_row (out, "Address", "HWtype", "HWaddress", "Flags", "Mask", "Iface");
      wb_ipv4_format (e->address, address);
      g_snprintf (dev, sizeof dev, "eth%u", e->iface);
      if (e->state == WB_ARP_INCOMPLETE)
        arp_row (out, address, "", "(incomplete)", "", "", dev);
      else
        {
          wb_mac_format (e->mac, mac);
          arp_row (out, address, "ether", mac, "C", "", dev);
        }
    }
  _wb_guest_run_return (task, 0, out);
}

static void
run_dhcp (WbGuest            *guest,
          const char * const *argv,
          GTask              *task)
{
  GString *out;

  if (argv[1] == NULL || strcmp (argv[1], "renew") != 0 || argv[2] != NULL)
    {
      run_return_printf (task, 2, "Usage: dhcp renew\n");
      return;
    }
  out = g_string_new (NULL);
  for (guint i = 0; i < WB_GUEST_MAX_IFACES; i++)
    if (guest->ifaces[i].present && guest->ifaces[i].dhcp != NULL)
      {
        g_string_append_printf (out, "eth%u: renewing the lease\n", i);
        _wb_dhcp_client_renew (guest->ifaces[i].dhcp);
      }
  if (out->len == 0)
    {
      g_string_append (out, "dhcp: no interface uses DHCP\n");
      _wb_guest_run_return (task, 1, out);
      return;
    }
  _wb_guest_run_return (task, 0, out);
}

/* --- run ---------------------------------------------------------------------------------------- */

static const struct
{
  const char    *name;
  WbCommandFunc  func;
} commands[] = {
  { "ping", run_ping },
  { "ip", run_ip },
  { "arp", run_arp },
  { "dhcp", run_dhcp },
  { "tcp", _wb_guest_apps_run_tcp },
  { "http", _wb_guest_apps_run_http },
};

void
wb_guest_run_async (WbGuest             *guest,
                    const char * const  *argv,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  /* A command borrows the task: it takes a reference if it answers later. */
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (guest != NULL);
  g_task_set_source_tag (task, wb_guest_run_async);

  if (argv == NULL || argv[0] == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "No command given");
      return;
    }
  if (guest->stopping)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The guest stopped");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[0], commands[i].name) == 0)
      {
        commands[i].func (guest, argv, task);
        return;
      }
  run_return_printf (task, 127, "%s: command not found\n", argv[0]);
}

gboolean
wb_guest_run_finish (GAsyncResult  *result,
                     int           *exit_status,
                     char         **output,
                     GError       **error)
{
  WbGuestRunResult *run;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  run = g_task_propagate_pointer (G_TASK (result), error);
  if (run == NULL)
    return FALSE;
  if (exit_status != NULL)
    *exit_status = run->exit_status;
  if (output != NULL)
    *output = g_string_free (g_steal_pointer (&run->output), FALSE);
  run_result_free (run);
  return TRUE;
}
