/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Benchmark (issue 6, "Speed"): the connectivity matrix of a lab of 50
 * running VMs of mixed modes, measured in the desktop application as a user
 * gets it, beside one probe's round trip in the same run. Prints figures,
 * never asserts times.
 *
 * The engine runs on its thread of this process (as app/wirebox.c does).
 * The lab is 4 internal networks of 9 VMs with static addresses, a router
 * (NAT, masquerading, forwarding) in front of two of them, 5 NAT VMs with a
 * forward each on a free 127.0.0.1 port, 4 host-only VMs, 2 VMs on a NAT
 * network (a forward to the first) and 2 bridged VMs on the engine's
 * emulated LAN: 50 VMs, 2,700 cells. Nothing leaves the machine: the matrix
 * only connects to 127.0.0.1 and to the engine's stand-ins.
 *
 * Figures:
 * - the baseline: one Probe (VM to VM over D-Bus), call to reply, median;
 * - RunMatrix as the Connectivity page calls it when it is first shown:
 *   call to reply, seen on the connection's worker thread (so the GUI's
 *   own delays do not count), and the engine thread's CPU time over it
 *   (/proc/self/task/TID/schedstat, else .../stat);
 * - the GUI main loop's longest stall, as the largest gap between ticks of
 *   a G_PRIORITY_HIGH 1 ms timeout, from the switch to the page until the
 *   grid with every cell has been painted.
 *
 * Run under xvfb-run (meson's benchmark 'matrix-50'); BENCH_MATRIX_DEBUG=1
 * prints the cells that waited for a probe's time-out.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wb-application.h"
#include "wb-client.h"
#include "wb-connectivity-page.h"
#include "wb-dbus.h"
#include "wb-engine.h"
#include "wb-home.h"
#include "wb-hostifs.h"
#include "wb-settings.h"
#include "wb-store.h"
#include "wb-test-util.h"
#include "wb-window.h"

#define IP_PROPERTY   "/VirtualBox/GuestInfo/Net/0/V4/IP"
#define N_INTNETS     4
#define N_PER_INTNET  9
#define N_NAT         5
#define N_HOSTONLY    4
#define N_NATNET      2
#define N_BRIDGED     2
#define N_VMS         (1 + N_INTNETS * N_PER_INTNET + N_NAT + N_HOSTONLY + N_NATNET + N_BRIDGED)
#define N_PROBES      9
#define SETTLE_MS     500
#define TAIL_MS       300
#define GIVE_UP_S     300

typedef struct
{
  /* Written on the connection's worker thread, read after the reply. */
  GMutex           lock;
  guint32          run_serial;
  gint64           t_call;
  gint64           t_reply;
  guint64          engine_cpu_call;
  guint64          engine_cpu_reply;
  GVariant        *reply;

  int              engine_tid;
  double           probe_ms;
  GDBusConnection *connection;
  GtkWidget       *window;
  WbConnectivityPage *page;
  gulong           paint_id;
  guint            wait_id;

  /* The main loop's ticks. */
  GSource         *ticker;
  gint64           last_tick;
  gint64           stall_run_us;     /* call to reply */
  gint64           stall_after_us;   /* reply to the painted grid */
  gint64           stall_before_us;  /* the switch to the call */
  gint64           t_switch;
  gint64           t_shown;
  gint64           t_painted;
  guint64          gui_cpu_switch;
  guint64          gui_cpu_painted;
  guint64          engine_cpu_switch;
  guint64          engine_cpu_painted;
} Bench;

/* --- the clock of a thread ---------------------------------------------------- */

/* The CPU time of thread @tid of this process, in ns: from schedstat
 * (nanoseconds) when the kernel keeps it, else from stat (clock ticks). */
static guint64
thread_cpu_ns (int tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/schedstat", tid);
  g_autofree char *text = NULL;
  const char *fields;
  guint64 utime = 0;
  guint64 stime = 0;

  if (g_file_get_contents (path, &text, NULL, NULL) && g_ascii_isdigit (text[0]))
    return g_ascii_strtoull (text, NULL, 10);
  g_clear_pointer (&text, g_free);
  g_free (path);
  path = g_strdup_printf ("/proc/self/task/%d/stat", tid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* After the command's closing parenthesis: state is field 3, utime 14. */
  fields = strrchr (text, ')');
  if (fields == NULL)
    return 0;
  {
    g_auto(GStrv) words = g_strsplit (fields + 2, " ", -1);

    if (g_strv_length (words) > 12)
      {
        utime = g_ascii_strtoull (words[11], NULL, 10);
        stime = g_ascii_strtoull (words[12], NULL, 10);
      }
  }
  return (utime + stime) * (G_USEC_PER_SEC * 1000 / sysconf (_SC_CLK_TCK));
}

/* The thread named @name ("wirebox-engine", g_thread_new's), or -1. */
static int
find_thread (const char *name)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", entry, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_equal (g_strchomp (comm), name))
        return atoi (entry);
    }
  return -1;
}

static double
ms (gint64 us)
{
  return us / 1000.0;
}

/* --- the lab ----------------------------------------------------------------- */

static void
fail_on (GError *error)
{
  if (error != NULL)
    g_error ("bench-matrix: %s", error->message);
}

/* A port the kernel picks on 127.0.0.1, free when this returns. */
static guint16
free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);

  fail_on (error);
  g_socket_bind (socket, address, TRUE, &error);
  fail_on (error);
  bound = g_socket_get_local_address (socket, &error);
  fail_on (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
vm_new (WbSettings       *settings,
        const char       *name,
        const WbVmChange *changes,
        gsize             n_changes,
        const WbVmChange *guest,
        gsize             n_guest)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wb_settings_create_vm (settings, name, TRUE, &error);

  fail_on (error);
  wb_settings_modify_vm (settings, name, changes, n_changes, &error);
  fail_on (error);
  if (n_guest > 0)
    wb_settings_configure_guest (settings, name, guest, n_guest, &error);
  fail_on (error);
}

/* Fills the store; returns the names of the VMs that take their address
 * from DHCP (to wait for). */
static GPtrArray *
populate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = wb_home_get_db_path ();
  g_autoptr(WbStore) store = wb_store_open (db, &error);
  g_autoptr(WbSettings) settings = NULL;
  g_autofree char *hostonly = NULL;
  /* Any name will do when the host has none: the LAN is only emulated. */
  g_autofree char *picked = wb_host_ifs_pick_bridge ();
  const char *ifname = picked != NULL ? picked : "eth0";
  g_autofree char *natnet_rule = NULL;
  GPtrArray *dhcp = g_ptr_array_new_with_free_func (g_free);

  fail_on (error);
  settings = wb_settings_new (store);

  {
    const WbVmChange changes[] = {
      { "nic", 1, "nat" }, { "natlocalhostreachable", 1, "on" },
      { "nic", 2, "intnet" }, { "intnet", 2, "net0" },
      { "nic", 3, "intnet" }, { "intnet", 3, "net1" },
    };
    const WbVmChange guest[] = {
      { "guestip", 2, "10.50.0.1/24" }, { "guestip", 3, "10.50.1.1/24" },
      { "masquerade", 1, "on" }, { "ipforward", 0, "on" },
    };

    vm_new (settings, "router", changes, G_N_ELEMENTS (changes), guest, G_N_ELEMENTS (guest));
    g_ptr_array_add (dhcp, g_strdup ("router"));
  }
  for (guint n = 0; n < N_INTNETS; n++)
    for (guint i = 1; i <= N_PER_INTNET; i++)
      {
        g_autofree char *name = g_strdup_printf ("n%u-%u", n, i);
        g_autofree char *intnet = g_strdup_printf ("net%u", n);
        g_autofree char *address = g_strdup_printf ("10.50.%u.%u/24", n, 10 + i);
        g_autofree char *gateway = g_strdup_printf ("10.50.%u.1", n);
        const WbVmChange changes[] = { { "nic", 1, "intnet" }, { "intnet", 1, intnet } };
        const WbVmChange guest[] = { { "guestip", 1, address }, { "guestgateway", 1, gateway } };

        /* net0 and net1 lie behind the router; net2 and net3 are closed. */
        vm_new (settings, name, changes, G_N_ELEMENTS (changes), guest, n < 2 ? 2 : 1);
      }
  for (guint i = 1; i <= N_NAT; i++)
    {
      g_autofree char *name = g_strdup_printf ("nat%u", i);
      g_autofree char *rule = g_strdup_printf ("ssh,tcp,127.0.0.1,%u,,22", free_port ());
      const WbVmChange changes[] = {
        { "nic", 1, "nat" }, { "natpf", 1, rule },
        { "natlocalhostreachable", 1, i <= 3 ? "on" : "off" },
      };

      vm_new (settings, name, changes, G_N_ELEMENTS (changes), NULL, 0);
      g_ptr_array_add (dhcp, g_steal_pointer (&name));
    }
  hostonly = wb_settings_create_host_only_if (settings, &error);
  fail_on (error);
  for (guint i = 1; i <= N_HOSTONLY; i++)
    {
      g_autofree char *name = g_strdup_printf ("ho%u", i);
      const WbVmChange changes[] = { { "nic", 1, "hostonly" }, { "hostonlyadapter", 1, hostonly } };

      vm_new (settings, name, changes, G_N_ELEMENTS (changes), NULL, 0);
      g_ptr_array_add (dhcp, g_steal_pointer (&name));
    }
  natnet_rule = g_strdup_printf ("nn1ssh:tcp:[127.0.0.1]:%u:[10.50.9.4]:22", free_port ());
  {
    const WbOption options[] = {
      { "network", "10.50.9.0/24" }, { "enable", "" }, { "dhcp", "off" },
      { "portforward4", natnet_rule },
    };

    wb_settings_add_nat_network (settings, "natlab", options, G_N_ELEMENTS (options), &error);
    fail_on (error);
  }
  for (guint i = 1; i <= N_NATNET; i++)
    {
      g_autofree char *name = g_strdup_printf ("nn%u", i);
      g_autofree char *address = g_strdup_printf ("10.50.9.%u/24", 3 + i);
      const WbVmChange changes[] = { { "nic", 1, "natnetwork" }, { "natnetwork", 1, "natlab" } };
      const WbVmChange guest[] = { { "guestip", 1, address }, { "guestgateway", 1, "10.50.9.1" } };

      vm_new (settings, name, changes, G_N_ELEMENTS (changes), guest, G_N_ELEMENTS (guest));
    }
  for (guint i = 1; i <= N_BRIDGED; i++)
    {
      g_autofree char *name = g_strdup_printf ("br%u", i);
      const WbVmChange changes[] = { { "nic", 1, "bridged" }, { "bridgeadapter", 1, ifname } };

      vm_new (settings, name, changes, G_N_ELEMENTS (changes), NULL, 0);
      g_ptr_array_add (dhcp, g_steal_pointer (&name));
    }
  return dhcp;
}

static void
start_lab (Bench     *bench,
           WbDBusEngine *proxy,
           GPtrArray *dhcp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) vms = NULL;
  GVariantIter iter;
  const char *name;
  gint64 t = g_get_monotonic_time ();
  guint n = 0;

  wb_dbus_engine_call_list_vms_sync (proxy, &vms, NULL, &error);
  fail_on (error);
  g_variant_iter_init (&iter, vms);
  while (g_variant_iter_next (&iter, "(&s&s)", &name, NULL))
    {
      wb_dbus_engine_call_start_vm_sync (proxy, name, "headless", NULL, &error);
      fail_on (error);
      n++;
    }
  for (guint i = 0; i < dhcp->len; i++)
    {
      g_autofree char *property = NULL;
      g_autofree char *value = NULL;
      gboolean found = FALSE;

      wb_dbus_engine_call_wait_guest_property_sync (proxy, g_ptr_array_index (dhcp, i),
                                                    IP_PROPERTY, 30000, &found, &property,
                                                    &value, NULL, &error);
      fail_on (error);
      if (!found)
        g_error ("bench-matrix: %s has no address after 30 s",
                 (const char *) g_ptr_array_index (dhcp, i));
    }
  g_assert_cmpuint (n, ==, N_VMS);
  g_print ("lab: %u VMs running (1 router, %u on %u internal networks, %u NAT, %u host-only, "
           "%u on a NAT network, %u bridged), started with addresses in %.0f ms\n",
           n, N_INTNETS * N_PER_INTNET, N_INTNETS, N_NAT, N_HOSTONLY, N_NATNET, N_BRIDGED,
           ms (g_get_monotonic_time () - t));
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* One Probe VM -> VM, call to reply; the median of N_PROBES after one to
 * warm up. */
static double
probe_round_trip (WbDBusEngine *proxy)
{
  double times[N_PROBES];

  for (guint i = 0; i <= N_PROBES; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) result = NULL;
      const char *reachable = NULL;
      gint64 t = g_get_monotonic_time ();

      wb_dbus_engine_call_probe_sync (proxy, "n0-1", "n0-2", 0, &result, NULL, &error);
      fail_on (error);
      if (i == 0)
        {
          g_variant_lookup (result, "reachable", "&s", &reachable);
          if (g_strcmp0 (reachable, "+") != 0)
            {
              g_autofree char *text = g_variant_print (result, FALSE);

              g_printerr ("bench-matrix: the baseline probe did not reach its VM: %s\n", text);
            }
          continue;
        }
      times[i - 1] = ms (g_get_monotonic_time () - t);
    }
  qsort (times, N_PROBES, sizeof (double), (int (*) (const void *, const void *)) compare_doubles);
  return times[N_PROBES / 2];
}

/* --- RunMatrix on the wire ----------------------------------------------------- */

/* On the connection's worker thread: the page's RunMatrix going out and its
 * reply coming in. */
static GDBusMessage *
filter_cb (GDBusConnection *connection,
           GDBusMessage    *message,
           gboolean         incoming,
           gpointer         user_data)
{
  Bench *bench = user_data;
  GDBusMessageType type = g_dbus_message_get_message_type (message);

  g_mutex_lock (&bench->lock);
  if (!incoming && type == G_DBUS_MESSAGE_TYPE_METHOD_CALL
      && g_strcmp0 (g_dbus_message_get_member (message), "RunMatrix") == 0
      && bench->t_call == 0)
    {
      bench->t_call = g_get_monotonic_time ();
      bench->engine_cpu_call = thread_cpu_ns (bench->engine_tid);
      bench->run_serial = g_dbus_message_get_serial (message);
    }
  else if (incoming && bench->run_serial != 0 && bench->t_reply == 0
           && g_dbus_message_get_reply_serial (message) == bench->run_serial)
    {
      bench->t_reply = g_get_monotonic_time ();
      bench->engine_cpu_reply = thread_cpu_ns (bench->engine_tid);
      if (type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN && g_dbus_message_get_body (message) != NULL)
        bench->reply = g_variant_ref (g_dbus_message_get_body (message));
      else
        g_printerr ("bench-matrix: RunMatrix failed: %s\n",
                    g_dbus_message_get_error_name (message));
    }
  g_mutex_unlock (&bench->lock);
  return message;
}

/* --- the window ----------------------------------------------------------------- */

static gboolean
tick_cb (gpointer user_data)
{
  Bench *bench = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 gap = now - bench->last_tick;
  gint64 t_call, t_reply;

  g_mutex_lock (&bench->lock);
  t_call = bench->t_call;
  t_reply = bench->t_reply;
  g_mutex_unlock (&bench->lock);

  /* A gap belongs to the phase it ended in. */
  if (t_call == 0)
    bench->stall_before_us = MAX (bench->stall_before_us, gap);
  else if (t_reply == 0)
    bench->stall_run_us = MAX (bench->stall_run_us, gap);
  else
    bench->stall_after_us = MAX (bench->stall_after_us, gap);
  bench->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
destroy_windows_cb (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }
  return G_SOURCE_REMOVE;
}

static int
compare_counts (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  GHashTable *counts = user_data;

  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, *(const char **) b))
         - GPOINTER_TO_UINT (g_hash_table_lookup (counts, *(const char **) a));
}

/* The reasons of the "-" cells, most frequent first: where the time goes
 * (a silent target waits for the probe's time-out). */
static char *
reasons_text (GHashTable *counts)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GString *text = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);

  g_ptr_array_sort_with_data (keys, compare_counts, counts);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *reason = g_ptr_array_index (keys, i);

      g_string_append_printf (text, "%s%u '%.60s'", i > 0 ? ", " : "",
                              GPOINTER_TO_UINT (g_hash_table_lookup (counts, reason)), reason);
    }
  return g_string_free (text, FALSE);
}

static void
count_results (GVariant   *reply,
               GHashTable *reasons,
               guint      *n_cells,
               guint      *plus,
               guint      *forward,
               guint      *minus,
               guint      *other)
{
  g_autoptr(GVariant) matrix = NULL;
  g_autoptr(GVariant) cells = NULL;
  GVariantIter iter;
  GVariant *cell;

  *n_cells = *plus = *forward = *minus = *other = 0;
  if (reply == NULL)
    return;
  matrix = g_variant_get_child_value (reply, 0);
  cells = g_variant_lookup_value (matrix, "cells", G_VARIANT_TYPE ("aa{sv}"));
  if (cells == NULL)
    return;
  g_variant_iter_init (&iter, cells);
  while ((cell = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *result = "";

      g_variant_lookup (cell, "result", "&s", &result);
      (*n_cells)++;
      if (g_str_equal (result, "+"))
        (*plus)++;
      else if (g_str_equal (result, "port-forward"))
        (*forward)++;
      else if (g_str_equal (result, "-"))
        {
          const char *reason = "";

          g_variant_lookup (cell, "reason", "&s", &reason);
          if (g_getenv ("BENCH_MATRIX_DEBUG") != NULL && g_str_equal (reason, "timed out"))
            {
              g_autofree char *text = g_variant_print (cell, FALSE);

              g_printerr ("%s\n", text);
            }
          g_hash_table_insert (reasons, g_strdup (reason),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (reasons, reason)) + 1));
          (*minus)++;
        }
      else
        (*other)++;
      g_variant_unref (cell);
    }
}

static void
finish_cb (gpointer user_data)
{
  Bench *bench = user_data;
  g_autoptr(GHashTable) reasons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *reasons_line = NULL;
  double wall, engine_cpu, gui_cpu, engine_all, stall;
  guint n_cells, plus, forward, minus, other;

  g_source_destroy (bench->ticker);
  g_clear_pointer (&bench->ticker, g_source_unref);

  g_mutex_lock (&bench->lock);
  wall = ms (bench->t_reply - bench->t_call);
  engine_cpu = (bench->engine_cpu_reply - bench->engine_cpu_call) / 1e6;
  count_results (bench->reply, reasons, &n_cells, &plus, &forward, &minus, &other);
  g_mutex_unlock (&bench->lock);
  gui_cpu = (bench->gui_cpu_painted - bench->gui_cpu_switch) / 1e6;
  engine_all = (bench->engine_cpu_painted - bench->engine_cpu_switch) / 1e6;
  stall = ms (MAX (MAX (bench->stall_before_us, bench->stall_run_us), bench->stall_after_us));

  g_print ("probe round trip (D-Bus Probe n0-1 -> n0-2, icmp + tcp 22), median of %u: %.2f ms\n",
           N_PROBES, bench->probe_ms);
  g_print ("RunMatrix, %u VMs, %u cells (%u +, %u port-forward, %u -, %u other), "
           "call to reply: %.1f ms = %.0f x probe (aim < 3000 ms)\n",
           N_VMS, n_cells, plus, forward, minus, other, wall, wall / bench->probe_ms);
  reasons_line = reasons_text (reasons);
  g_print ("  why not (\"-\"): %s\n", reasons_line);
  g_print ("engine thread CPU, call to reply: %.1f ms (%.0f%% of the wall time; %.0f x probe; "
           "%.1f us per cell)\n",
           engine_cpu, 100 * engine_cpu / wall, engine_cpu / bench->probe_ms,
           1000 * engine_cpu / MAX (n_cells, 1));
  g_print ("Connectivity page shown to the full grid painted: %.1f ms (the reply applied "
           "%.1f ms after it came); GUI main thread CPU: %.1f ms, engine thread CPU: %.1f ms\n",
           ms (bench->t_painted - bench->t_switch), ms (bench->t_shown - bench->t_reply),
           gui_cpu, engine_all);
  g_print ("GUI main loop, longest stall (largest gap between 1 ms ticks): %.1f ms (aim < 50 ms; "
           "%.1f x probe) -- shown to call %.1f ms, call to reply %.1f ms, "
           "reply to grid painted %.1f ms\n",
           stall, stall / bench->probe_ms, ms (bench->stall_before_us), ms (bench->stall_run_us),
           ms (bench->stall_after_us));
  destroy_windows_cb (NULL);
}

static void
on_page_painted_cb (GdkFrameClock *clock,
                    Bench         *bench)
{
  if (bench->t_shown == 0)
    return;
  g_clear_signal_handler (&bench->paint_id, clock);
  bench->t_painted = g_get_monotonic_time ();
  bench->gui_cpu_painted = thread_cpu_ns (getpid ());
  bench->engine_cpu_painted = thread_cpu_ns (bench->engine_tid);
  /* Ticks go on a little: what the painted grid costs next counts too. */
  g_timeout_add_once (TAIL_MS, finish_cb, bench);
}

static void
on_page_busy_cb (WbConnectivityPage *page,
                 GParamSpec         *pspec,
                 Bench              *bench)
{
  if (bench->t_shown != 0 || wb_connectivity_page_get_busy (page)
      || wb_connectivity_page_get_generation (page) == 0)
    return;
  bench->t_shown = g_get_monotonic_time ();
}

static void
show_page (Bench *bench)
{
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_template_child (bench->window, WB_TYPE_WINDOW,
                                                                        "view_stack"));
  GdkFrameClock *clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (bench->window)));

  bench->page = WB_CONNECTIVITY_PAGE (gtk_widget_get_template_child (bench->window, WB_TYPE_WINDOW,
                                                                      "connectivity_page"));
  g_signal_connect (bench->page, "notify::busy", G_CALLBACK (on_page_busy_cb), bench);
  bench->paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_page_painted_cb), bench);

  bench->ticker = g_timeout_source_new (1);
  g_source_set_priority (bench->ticker, G_PRIORITY_HIGH);
  g_source_set_callback (bench->ticker, tick_cb, bench, NULL);
  g_source_attach (bench->ticker, NULL);
  bench->t_switch = bench->last_tick = g_get_monotonic_time ();
  bench->gui_cpu_switch = thread_cpu_ns (getpid ());
  bench->engine_cpu_switch = thread_cpu_ns (bench->engine_tid);
  /* As a click on the view switcher does: the page, once mapped with VMs
   * running, starts its first run. */
  adw_view_stack_set_visible_child_name (stack, "connectivity");
}

/* Every VM listed, then a moment to settle. */
static gboolean
wait_loaded_cb (gpointer user_data)
{
  Bench *bench = user_data;
  GListModel *vms;

  if (bench->window == NULL || !gtk_widget_get_mapped (bench->window))
    return G_SOURCE_CONTINUE;
  vms = G_LIST_MODEL (gtk_widget_get_template_child (bench->window, WB_TYPE_WINDOW, "sorted_vms"));
  if (g_list_model_get_n_items (vms) < N_VMS)
    return G_SOURCE_CONTINUE;
  bench->wait_id = 0;
  g_timeout_add_once (SETTLE_MS, (GSourceOnceFunc) show_page, bench);
  return G_SOURCE_REMOVE;
}

static void
on_window_added_cb (GtkApplication *app,
                    GtkWindow      *window,
                    Bench          *bench)
{
  if (bench->window == NULL)
    bench->window = GTK_WIDGET (window);
}

static gboolean
give_up_cb (gpointer user_data)
{
  Bench *bench = user_data;

  g_error ("bench-matrix: no full matrix painted in %u s (call %s, reply %s)", GIVE_UP_S,
           bench->t_call != 0 ? "sent" : "not sent", bench->t_reply != 0 ? "in" : "not in");
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *home = wb_test_set_up_home ("wirebox-bench-matrix-XXXXXX");
  g_autoptr(GPtrArray) dhcp = populate ();
  g_autoptr(WbEngine) engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_autoptr(WbDBusEngine) proxy = NULL;
  g_autoptr(WbApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  Bench bench = { 0, };
  guint filter_id;
  int status;

  g_mutex_init (&bench.lock);
  wb_engine_start (engine, &error);
  fail_on (error);
  bench.engine_tid = find_thread ("wirebox-engine");
  if (bench.engine_tid < 0)
    g_error ("bench-matrix: no engine thread");
  bench.connection = wb_engine_connect (engine, &error);
  fail_on (error);
  proxy = wb_client_get_engine_sync (bench.connection, NULL, &error);
  fail_on (error);

  start_lab (&bench, proxy, dhcp);
  bench.probe_ms = probe_round_trip (proxy);

  filter_id = g_dbus_connection_add_filter (bench.connection, filter_cb, &bench, NULL);
  app = wb_application_new (bench.connection);
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added_cb), &bench);
  bench.wait_id = g_timeout_add (50, wait_loaded_cb, &bench);
  g_timeout_add_seconds (GIVE_UP_S, give_up_cb, &bench);
  status = g_application_run (G_APPLICATION (app), 0, NULL);

  g_dbus_connection_remove_filter (bench.connection, filter_id);
  g_clear_handle_id (&bench.wait_id, g_source_remove);
  g_clear_object (&app);
  g_clear_object (&proxy);
  g_dbus_connection_close_sync (bench.connection, NULL, NULL);
  g_clear_object (&bench.connection);
  wb_engine_stop (engine);
  g_clear_pointer (&bench.reply, g_variant_unref);
  g_mutex_clear (&bench.lock);
  wb_test_rm_rf (home);
  return status;
}
