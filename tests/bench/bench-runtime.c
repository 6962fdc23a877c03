/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Benchmarks of the running world (issue 3, "Speed and memory"), in-process
 * on a runtime of its own in a temporary settings home. Figures, not
 * assertions; each beside a baseline measured in the same run.
 *
 *   bench-runtime throughput [MIB]
 *       Guest-to-guest TCP bulk transfer between two VMs on an internal
 *       network at MTU 1500 and 9000 (through the adapters, the switch and
 *       both stacks), beside a memcpy of the same number of bytes.
 *   bench-runtime vms [N]
 *       N VMs with DHCP on one internal network whose DHCP server's pool
 *       holds them all, started together: the time until all hold a lease
 *       and the engine's memory per running, idle VM; beside one VM's start
 *       and the runtime's memory with no VM running.
 */
#include <glib/gstdio.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include "wb-home.h"
#include "wb-runtime-private.h"
#include "wb-settings.h"
#include "wb-store.h"
#include "wb-tcp.h"
#include "wb-test-runtime.h"

#define IP_PROPERTY   "/VirtualBox/GuestInfo/Net/0/V4/IP"
#define SINK_PORT     5001
#define CHUNK         (64 * 1024)
#define COPY_BUFFER   (64u << 20)

typedef struct
{
  char       *base;
  WbStore    *store;
  WbSettings *settings;
  WbRuntime  *runtime;
} Bench;

static void
fail_on (GError *error)
{
  if (error != NULL)
    g_error ("%s", error->message);
}

static void
bench_init (Bench *b)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  g_autofree char *db = NULL;

  b->base = g_dir_make_tmp ("wirebox-bench-XXXXXX", &error);
  fail_on (error);
  home = g_build_filename (b->base, "home", NULL);
  g_setenv ("WIREBOX_HOME", home, TRUE);
  g_mkdir_with_parents (home, 0700);
  db = wb_home_get_db_path ();
  b->store = wb_store_open (db, &error);
  fail_on (error);
  b->settings = wb_settings_new (b->store);
  b->runtime = wb_runtime_new (b->settings);
}

static void
bench_clear (Bench *b)
{
  wb_runtime_shutdown (b->runtime);
  g_clear_object (&b->runtime);
  g_clear_object (&b->settings);
  g_clear_object (&b->store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  wb_test_runtime_rm_rf (b->base);
  g_free (b->base);
}

static void
change (Bench      *b,
        gboolean    guest,
        const char *name,
        const char *key,
        guint       slot,
        const char *value)
{
  g_autoptr(GError) error = NULL;
  WbVmChange vm_change = { key, slot, value };

  if (guest)
    wb_settings_configure_guest (b->settings, name, &vm_change, 1, &error);
  else
    wb_settings_modify_vm (b->settings, name, &vm_change, 1, &error);
  fail_on (error);
}

static void
create_intnet_vm (Bench      *b,
                  const char *name,
                  const char *intnet)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wb_settings_create_vm (b->settings, name, TRUE, &error);

  fail_on (error);
  change (b, FALSE, name, "nic", 1, "intnet");
  change (b, FALSE, name, "intnet", 1, intnet);
}

static void
start_vm (Bench      *b,
          const char *name)
{
  g_autoptr(GError) error = NULL;

  wb_runtime_start_vm (b->runtime, name, &error);
  fail_on (error);
}

/* --- throughput -------------------------------------------------------------- */

typedef struct
{
  WbTcpSocket *socket;
  guint8      *chunk;
  gsize        left;
  gsize        received;
  gboolean     eof;
  gboolean     closed;
  GError      *error;
} Transfer;

static void
pump (Transfer *t)
{
  while (t->left > 0)
    {
      gsize taken = wb_tcp_send (t->socket, t->chunk, MIN (t->left, CHUNK));

      if (taken == 0)
        return;
      t->left -= taken;
    }
  wb_tcp_shutdown (t->socket);
  t->left = 0;
}

static void
sender_connected_cb (WbTcpSocket *socket,
                     gpointer     user_data)
{
  pump (user_data);
}

static void
sender_writable_cb (WbTcpSocket *socket,
                    gpointer     user_data)
{
  Transfer *t = user_data;

  if (t->left > 0)
    pump (t);
}

static void
sender_received_cb (WbTcpSocket  *socket,
                    const guint8 *data,
                    gsize         len,
                    gpointer      user_data)
{
}

static void
sender_closed_cb (WbTcpSocket  *socket,
                  const GError *error,
                  gpointer      user_data)
{
  Transfer *t = user_data;

  t->closed = TRUE;
  if (error != NULL && t->error == NULL)
    t->error = g_error_copy (error);
}

static const WbTcpCallbacks sender_callbacks = {
  .connected = sender_connected_cb,
  .received = sender_received_cb,
  .writable = sender_writable_cb,
  .closed = sender_closed_cb,
};

static void
sink_received_cb (WbTcpSocket  *socket,
                  const guint8 *data,
                  gsize         len,
                  gpointer      user_data)
{
  Transfer *t = user_data;

  if (len == 0)
    {
      t->eof = TRUE;
      wb_tcp_shutdown (socket);
      return;
    }
  t->received += len;
}

static void
sink_closed_cb (WbTcpSocket  *socket,
                const GError *error,
                gpointer      user_data)
{
}

static const WbTcpCallbacks sink_callbacks = {
  .received = sink_received_cb,
  .closed = sink_closed_cb,
};

static void
sink_accept_cb (WbTcpSocket *socket,
                gpointer     user_data)
{
  wb_tcp_socket_set_callbacks (socket, &sink_callbacks, user_data);
}

/* VMs "txMTU" and "rxMTU" on internal network "benchMTU". */
static void
make_pair (Bench *b,
           guint  mtu)
{
  g_autofree char *intnet = g_strdup_printf ("bench%u", mtu);
  g_autofree char *name_a = g_strdup_printf ("tx%u", mtu);
  g_autofree char *name_b = g_strdup_printf ("rx%u", mtu);
  g_autofree char *mtu_text = g_strdup_printf ("%u", mtu);

  create_intnet_vm (b, name_a, intnet);
  create_intnet_vm (b, name_b, intnet);
  /* An adapter type that carries jumbo frames (the default PCnet does not). */
  change (b, FALSE, name_a, "nictype", 1, "82540EM");
  change (b, FALSE, name_b, "nictype", 1, "82540EM");
  change (b, TRUE, name_a, "guestip", 1, "10.9.0.1/24");
  change (b, TRUE, name_b, "guestip", 1, "10.9.0.2/24");
  change (b, TRUE, name_a, "guestmtu", 1, mtu_text);
  change (b, TRUE, name_b, "guestmtu", 1, mtu_text);
}

/* Seconds to move @size bytes from VM txMTU to VM rxMTU (started for
 * it): from the connect to the last byte in. */
static double
guest_transfer (Bench *b,
                guint  mtu,
                gsize  size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name_a = g_strdup_printf ("tx%u", mtu);
  g_autofree char *name_b = g_strdup_printf ("rx%u", mtu);
  Transfer t = { 0 };
  WbGuest *a, *b_guest;
  gint64 start;
  double seconds;

  start_vm (b, name_a);
  start_vm (b, name_b);
  a = _wb_runtime_get_guest (b->runtime, name_a);
  b_guest = _wb_runtime_get_guest (b->runtime, name_b);

  t.chunk = g_malloc (CHUNK);
  memset (t.chunk, 0x5a, CHUNK);
  t.left = size;
  wb_tcp_listen (b_guest, SINK_PORT, sink_accept_cb, &t, &error);
  fail_on (error);

  start = g_get_monotonic_time ();
  t.socket = wb_tcp_connect (a, 0x0a090002, SINK_PORT, &sender_callbacks, &t, &error);
  fail_on (error);
  while (!t.eof && t.error == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (t.error != NULL)
    g_error ("Transfer failed: %s", t.error->message);
  if (t.received != size)
    g_error ("Transfer lost bytes: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT, t.received, size);
  seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;

  while (!t.closed)
    g_main_context_iteration (NULL, TRUE);
  g_free (t.chunk);
  wb_tcp_unlisten (b_guest, SINK_PORT);
  wb_runtime_poweroff_vm (b->runtime, name_a, &error);
  wb_runtime_poweroff_vm (b->runtime, name_b, &error);
  fail_on (error);
  return seconds;
}

/* Seconds to memcpy @size bytes through buffers larger than the caches
 * (touched beforehand: no page faults in the figure). */
static double
memcpy_seconds (gsize size)
{
  g_autofree guint8 *src = g_malloc (COPY_BUFFER);
  g_autofree guint8 *dst = g_malloc (COPY_BUFFER);
  gint64 start;

  memset (src, 0x5a, COPY_BUFFER);
  memset (dst, 0, COPY_BUFFER);
  start = g_get_monotonic_time ();
  for (gsize done = 0; done < size; done += COPY_BUFFER)
    {
      memcpy (dst, src, MIN (COPY_BUFFER, size - done));
      /* Keep the copy from being optimised away. */
      src[done % COPY_BUFFER] ^= dst[(done + 1) % COPY_BUFFER];
    }
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

static double
gbits (gsize  size,
       double seconds)
{
  return size * 8.0 / seconds / 1e9;
}

static int
bench_throughput (gsize mib)
{
  gsize size = mib << 20;
  double copy = memcpy_seconds (size);
  Bench b = { 0 };

  bench_init (&b);
  make_pair (&b, 1500);
  make_pair (&b, 9000);
  /* A first short run warms the allocator and the caches up. */
  guest_transfer (&b, 1500, 16u << 20);
  g_print ("memcpy of %" G_GSIZE_FORMAT " MiB:                %7.2f Gbit/s\n", mib,
           gbits (size, copy));
  for (guint i = 0; i < 2; i++)
    {
      guint mtu = i == 0 ? 1500 : 9000;
      double seconds = guest_transfer (&b, mtu, size);

      g_print ("guest TCP, MTU %4u, %" G_GSIZE_FORMAT " MiB:   %7.2f Gbit/s  (%.1f%% of memcpy%s)\n",
               mtu, mib, gbits (size, seconds), 100.0 * copy / seconds,
               mtu == 1500 ? "; aim >= 3 Gbit/s" : "");
    }
  bench_clear (&b);
  return 0;
}

/* --- 1,000 VMs ------------------------------------------------------------------- */

typedef struct
{
  guint  leases;
  gint64 start;
  gint64 half;          /* when half of them had one */
} LeaseCount;

static void
property_changed_cb (WbRuntime  *runtime,
                     const char *uuid,
                     const char *name,
                     const char *value,
                     LeaseCount *count)
{
  if (value != NULL && strcmp (name, IP_PROPERTY) == 0
      && ++count->leases == wb_runtime_get_n_running (runtime) / 2)
    count->half = g_get_monotonic_time ();
}

static gsize
rss_bytes (void)
{
  g_autofree char *statm = NULL;
  guint64 pages = 0;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    {
      const char *second = strchr (statm, ' ');

      if (second != NULL)
        pages = g_ascii_strtoull (second + 1, NULL, 10);
    }
  return pages * (gsize) sysconf (_SC_PAGESIZE);
}

static gsize
heap_bytes (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

/* Runs the loop until @count holds @n leases; seconds. */
static double
wait_leases (LeaseCount *count,
             guint       n,
             gint64      start)
{
  gint64 deadline = start + 120 * G_USEC_PER_SEC;

  while (count->leases < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (count->leases < n)
    g_error ("Only %u of %u VMs got a lease in 120 s", count->leases, n);
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* Frames the adapters of the first @n VMs dropped, in all and for a full
 * queue. */
static guint64
count_drops (Bench     *b,
             GPtrArray *names,
             guint      n,
             guint64   *queue_full)
{
  guint64 total = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GVariant) stats = wb_runtime_get_nic_stats (b->runtime, names->pdata[i], NULL);
      g_autoptr(GVariant) nic = stats != NULL ? g_variant_get_child_value (stats, 0) : NULL;
      g_autoptr(GVariant) reasons = nic != NULL ? g_variant_lookup_value (nic, "drops", NULL) : NULL;
      GVariantIter iter;
      const char *reason;
      guint64 count;

      if (reasons == NULL)
        continue;
      g_variant_iter_init (&iter, reasons);
      while (g_variant_iter_next (&iter, "{&st}", &reason, &count))
        {
          total += count;
          if (strcmp (reason, "queue-full") == 0)
            *queue_full += count;
        }
    }
  return total;
}

static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static int
bench_vms (guint n)
{
  static const WbOption pool[] = {
    { "server-ip", "10.1.0.1" },
    { "netmask", "255.255.248.0" },
    { "lower-ip", "10.1.0.10" },
    { "upper-ip", "10.1.7.254" },
    { "enable", "" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  LeaseCount count = { 0 };
  Bench b = { 0 };
  gsize rss0, heap0, rss1, heap1;
  double one, all, starting, stopping;
  guint64 drops, queue_full = 0;
  gint64 start, start_all;

  bench_init (&b);
  wb_settings_add_dhcp_server (b.settings, "big", pool, G_N_ELEMENTS (pool), &error);
  fail_on (error);
  start = g_get_monotonic_time ();
  for (guint i = 0; i <= n; i++)
    {
      char *name = g_strdup_printf ("vm%04u", i);

      create_intnet_vm (&b, name, "big");
      g_ptr_array_add (names, name);
    }
  g_print ("%u VMs made in the settings in %.2f s\n", n + 1,
           (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  g_signal_connect (b.runtime, "property-changed", G_CALLBACK (property_changed_cb), &count);

  /* The baseline: one VM (the last) on its own, its network made for it. */
  start = g_get_monotonic_time ();
  start_vm (&b, names->pdata[n]);
  one = wait_leases (&count, 1, start);
  wb_runtime_poweroff_vm (b.runtime, names->pdata[n], &error);
  fail_on (error);
  settle (200);
  malloc_trim (0);
  rss0 = rss_bytes ();
  heap0 = heap_bytes ();

  count.leases = 0;
  start_all = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    start_vm (&b, names->pdata[i]);
  starting = (double) (g_get_monotonic_time () - start_all) / G_USEC_PER_SEC;
  all = wait_leases (&count, n, start_all);
  drops = count_drops (&b, names, n, &queue_full);

  /* Idle: the leases are held, nothing else happens. */
  settle (1000);
  malloc_trim (0);
  rss1 = rss_bytes ();
  heap1 = heap_bytes ();

  start = g_get_monotonic_time ();
  wb_runtime_shutdown (b.runtime);
  stopping = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;

  g_print ("1 VM: started and leased in                %8.3f s  (baseline)\n", one);
  g_print ("%u VMs: startvm calls took                 %8.3f s\n", n, starting);
  g_print ("%u VMs: all leased after                   %8.3f s  (%.0fx one VM; aim < 2 s)\n",
           n, all, all / one);
  g_print ("%u VMs: half of them leased after           %8.3f s\n", n,
           (double) (count.half - start_all) / G_USEC_PER_SEC);
  g_print ("%u VMs: frames dropped on the way:  %" G_GUINT64_FORMAT " (queue full: %" G_GUINT64_FORMAT ")\n",
           n, drops, queue_full);
  g_print ("%u VMs: powered off in                     %8.3f s\n", n, stopping);
  g_print ("engine with no VM running:      RSS %7.1f MiB, heap %7.1f MiB  (baseline)\n",
           rss0 / 1048576.0, heap0 / 1048576.0);
  g_print ("engine with %u idle VMs:      RSS %7.1f MiB, heap %7.1f MiB\n", n,
           rss1 / 1048576.0, heap1 / 1048576.0);
  g_print ("per running idle VM:            RSS %7.1f KiB, heap %7.1f KiB  (aim < 64 KiB)\n",
           ((double) rss1 - rss0) / n / 1024, ((double) heap1 - heap0) / n / 1024);
  bench_clear (&b);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";
  guint64 arg = argc > 2 ? g_ascii_strtoull (argv[2], NULL, 10) : 0;

  if (strcmp (mode, "throughput") == 0)
    return bench_throughput (arg > 0 ? arg : 1024);
  if (strcmp (mode, "vms") == 0)
    return bench_vms (arg > 0 ? (guint) arg : 1000);
  g_printerr ("usage: %s throughput [MIB] | vms [N]\n", argv[0]);
  return 2;
}
