/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Probes (wb-probe.h) on a runtime lab: VMs made with the settings and
 * started by the runtime on this thread's default context. The only real
 * sockets are a listener on 127.0.0.1 (an ephemeral port), reached through
 * the host-only relay and libslirp's host alias; every other probe targets
 * an address inside the lab.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wb-error.h"
#include "wb-home.h"
#include "wb-net.h"
#include "wb-probe.h"
#include "wb-runtime-private.h"
#include "wb-settings.h"
#include "wb-store.h"
#include "wb-test-runtime.h"

#define IP_PROPERTY "/VirtualBox/GuestInfo/Net/0/V4/IP"
/* Long enough for ARP and a handshake on a loaded machine, short enough
 * for the silent cases. */
#define TIMEOUT_MS  1000

typedef WbTestFixture Fixture;

static guint32
ipv4 (const char *text)
{
  guint32 address = 0;

  g_assert_true (wb_ipv4_parse (text, &address, NULL));
  return address;
}

/* A probe that completes; the error (if any) in @error. */
static WbProbeResult *
probe_full (Fixture     *f,
            const char  *source,
            guint32      target,
            guint16      port,
            guint        timeout_ms,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  WbProbeResult *probe;

  wb_probe_runtime_async (f->runtime, source, target, port, timeout_ms, NULL,
                          wb_test_store_result_cb, &result);
  probe = wb_probe_runtime_finish (f->runtime, wb_test_wait_result (&result), error);
  if (probe != NULL)
    {
      g_autofree char *text = wb_probe_result_describe (probe);

      g_test_message ("probe %s -> %08x:%u: %s via %s", source, target, port, text,
                      probe->path);
    }
  return probe;
}

static WbProbeResult *
probe (Fixture    *f,
       const char *source,
       const char *target,
       guint16     port)
{
  g_autoptr(GError) error = NULL;
  guint32 address = 0;
  WbProbeResult *result;

  g_assert_true (wb_probe_resolve_target (f->runtime, source, target, &address, &error));
  g_assert_no_error (error);
  result = probe_full (f, source, address, port, TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmphex (result->target, ==, address);
  return result;
}

/* A listener on 127.0.0.1 (the kernel completes handshakes from its
 * backlog; nothing is accepted). Returns its port. */
static guint16
host_listener (GSocket **out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (socket, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *out = socket;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* --- tests ------------------------------------------------------------------- */

static void
test_internal (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(WbProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint32 address = 0;

  wb_test_create_intnet_vm (f, "vm2", "lab", "10.7.0.2/24", NULL);
  wb_test_create_intnet_vm (f, "vm3", "lab", "10.7.0.3/24", NULL);
  wb_test_create_intnet_vm (f, "other", "elsewhere", "10.8.0.5/24", NULL);
  wb_test_start_vm (f, "vm2");
  wb_test_start_vm (f, "vm3");
  wb_test_start_vm (f, "other");

  /* Reachable on the shared network, SSH banner port by default. */
  result = probe (f, "vm2", "vm3", WB_PROBE_DEFAULT_TCP_PORT);
  g_assert_cmphex (result->target, ==, ipv4 ("10.7.0.3"));
  g_assert_true (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->reason, ==, WB_PROBE_OK);
  g_assert_cmpuint (result->iface, ==, 0);
  g_assert_cmphex (result->source_address, ==, ipv4 ("10.7.0.2"));
  g_assert_cmphex (result->gateway, ==, 0);
  g_assert_cmpstr (result->path, ==, "adapter 1, internal network 'lab'");
  text = wb_probe_result_describe (result);
  g_assert_cmpstr (text, ==, "reachable (icmp ok, tcp 22 ok)");
  g_clear_pointer (&result, wb_probe_result_free);
  g_clear_pointer (&text, g_free);

  result = probe (f, "vm3", "vm2", WB_PROBE_DEFAULT_TCP_PORT);
  g_assert_true (result->reachable);
  g_clear_pointer (&result, wb_probe_result_free);

  /* The address answers, the port does not listen. */
  result = probe (f, "vm2", "10.7.0.3", 2323);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_REFUSED);
  g_assert_cmpint (result->reason, ==, WB_PROBE_REFUSED);
  text = wb_probe_result_describe (result);
  g_assert_cmpstr (text, ==, "unreachable: refused (icmp ok, tcp 2323 refused)");
  g_clear_pointer (&result, wb_probe_result_free);

  /* ICMP alone. */
  result = probe (f, "vm2", "vm3", 0);
  g_assert_true (result->reachable);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_NOT_RUN);
  g_clear_pointer (&result, wb_probe_result_free);

  /* On-link, but nobody there. */
  result = probe (f, "vm2", "10.7.0.99", 22);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_NO_ARP);
  g_assert_cmpint (result->reason, ==, WB_PROBE_NO_ARP);
  g_clear_pointer (&result, wb_probe_result_free);

  /* A VM on another internal network: its address, and no route to it. */
  g_assert_true (wb_probe_resolve_target (f->runtime, "vm2", "other", &address, &error));
  g_assert_no_error (error);
  g_assert_cmphex (address, ==, ipv4 ("10.8.0.5"));
  result = probe (f, "vm2", "other", 22);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpint (result->reason, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpuint (result->iface, ==, G_MAXUINT);
}

static void
test_gateway (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(WbProbeResult) result = NULL;

  wb_test_create_intnet_vm (f, "vm2", "lab", "10.7.0.2/24", "10.7.0.254");
  wb_test_create_intnet_vm (f, "other", "elsewhere", "10.8.0.5/24", NULL);
  wb_test_start_vm (f, "vm2");
  wb_test_start_vm (f, "other");

  result = probe (f, "vm2", "other", 22);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->reason, ==, WB_PROBE_NO_ARP);
  g_assert_cmphex (result->gateway, ==, ipv4 ("10.7.0.254"));
  g_assert_cmpstr (result->path, ==, "adapter 1, internal network 'lab', gateway 10.7.0.254");
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(WbProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) async = NULL;
  guint32 address = 0;

  wb_test_create_intnet_vm (f, "vm2", "lab", "10.7.0.2/24", NULL);

  /* Not running, no such VM, no host on an internal network. */
  result = probe_full (f, "vm2", ipv4 ("10.7.0.3"), 22, TIMEOUT_MS, &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  g_assert_null (result);
  g_clear_error (&error);
  result = probe_full (f, "nobody", ipv4 ("10.7.0.3"), 22, TIMEOUT_MS, &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  wb_test_start_vm (f, "vm2");
  g_assert_false (wb_probe_resolve_target (f->runtime, "vm2", "host", &address, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (wb_probe_resolve_target (f->runtime, "vm2", "nobody", &address, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The source stops while the probe waits. */
  wb_probe_runtime_async (f->runtime, "vm2", ipv4 ("10.7.0.99"), 22, 60000, NULL,
                          wb_test_store_result_cb, &async);
  wb_test_run_pending ();
  wb_test_poweroff_vm (f, "vm2");
  result = wb_probe_runtime_finish (f->runtime, wb_test_wait_result (&async), &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  g_assert_null (result);
  g_clear_error (&error);
  g_clear_object (&async);

  /* Cancelled. */
  wb_test_start_vm (f, "vm2");
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    wb_probe_runtime_async (f->runtime, "vm2", ipv4 ("10.7.0.99"), 22, 60000, cancellable,
                            wb_test_store_result_cb, &async);
    wb_test_run_pending ();
    g_cancellable_cancel (cancellable);
    result = wb_probe_runtime_finish (f->runtime, wb_test_wait_result (&async), &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (result);
  }
}

static void
test_host_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(WbProbeResult) result = NULL;
  g_autofree char *ifname = wb_settings_create_host_only_if (f->settings, &error);
  g_autofree char *ip = NULL;
  guint16 port = host_listener (&listener);

  g_assert_no_error (error);
  wb_test_create_vm (f, "ho");
  wb_test_modify_vm (f, "ho", "nic", 1u, "hostonly", "hostonlyadapter", 1u, ifname);
  wb_test_start_vm (f, "ho");
  ip = wb_test_wait_property (f, "ho", IP_PROPERTY, 10000);
  g_assert_nonnull (ip);

  result = probe (f, "ho", "host", port);
  g_assert_cmphex (result->target, ==, ipv4 ("192.168.56.1"));
  g_assert_true (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_OK);
  g_assert_cmpstr (result->path, ==, "adapter 1, host-only interface 'vboxnet0'");
}

static void
test_nat_host (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(WbProbeResult) result = NULL;
  g_autofree char *ip = NULL;
  guint16 port = host_listener (&listener);

  wb_test_create_vm (f, "natvm");
  wb_test_modify_vm (f, "natvm", "nic", 1u, "nat", "natlocalhostreachable", 1u, "on");
  wb_test_start_vm (f, "natvm");
  ip = wb_test_wait_property (f, "natvm", IP_PROPERTY, 10000);
  g_assert_cmpstr (ip, ==, "10.0.2.15");

  result = probe (f, "natvm", "host", port);
  g_assert_cmphex (result->target, ==, ipv4 ("10.0.2.2"));
  g_assert_true (result->reachable);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_OK);
  g_assert_cmpstr (result->path, ==, "adapter 1, NAT");
  g_clear_pointer (&result, wb_probe_result_free);
  wb_test_poweroff_vm (f, "natvm");

  /* VirtualBox 7's default: the host's loopback is not reachable. */
  wb_test_modify_vm (f, "natvm", "natlocalhostreachable", 1u, "off");
  wb_test_start_vm (f, "natvm");
  g_clear_pointer (&ip, g_free);
  ip = wb_test_wait_property (f, "natvm", IP_PROPERTY, 10000);
  g_assert_nonnull (ip);
  result = probe (f, "natvm", "host", port);
  g_assert_cmphex (result->target, ==, ipv4 ("10.0.2.2"));
  g_assert_false (result->reachable);
  g_assert_cmpint (result->tcp, !=, WB_PROBE_OK);
  g_assert_cmpint (result->reason, !=, WB_PROBE_OK);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *home = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  base = g_dir_make_tmp ("wirebox-probe-XXXXXX", &error);
  g_assert_no_error (error);
  home = g_build_filename (base, "home", NULL);
  g_setenv ("WIREBOX_HOME", home, TRUE);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, wb_test_fixture_set_up, func, wb_test_fixture_tear_down)
  ADD ("/probe/internal", test_internal);
  ADD ("/probe/gateway", test_gateway);
  ADD ("/probe/errors", test_errors);
  ADD ("/probe/host-only", test_host_only);
  ADD ("/probe/nat-host", test_nat_host);
#undef ADD

  status = g_test_run ();
  wb_test_runtime_rm_rf (base);
  return status;
}
