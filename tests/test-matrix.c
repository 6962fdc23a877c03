/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The connectivity matrix (wb-matrix.h) on the example lab's topology:
 * Router (NAT with the host's loopback reachable, masquerading, forwarding)
 * in front of VM2 and VM3 on an internal network, Web (NAT with two
 * forwards on 127.0.0.1), and a host-only VM; then two VMs on a NAT
 * network with a forward to the first, and a VM bridged to the host's first
 * interface (the engine's emulated LAN, which touches no interface). The
 * only real sockets are the matrix's listener and the forwards, all on
 * 127.0.0.1; the Net/LAN and the Outside (198.51.100.0/24) are the engine's
 * stand-ins, never reached for real: the matrix does not send there through
 * libslirp.
 */
#include <gio/gio.h>
#include <string.h>

#include "wb-hostifs.h"
#include "wb-matrix.h"
#include "wb-settings.h"
#include "wb-test-runtime.h"

#define IP_PROPERTY "/VirtualBox/GuestInfo/Net/0/V4/IP"

typedef WbTestFixture Fixture;

/* A port the kernel picks on 127.0.0.1, free when this returns. */
static guint16
free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static char *
vm_id (Fixture    *f,
       const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = wb_settings_get_vm (f->settings, name, &error);

  g_assert_no_error (error);
  return g_strconcat ("vm:", vm->uuid, NULL);
}

static char *
endpoint_id (Fixture    *f,
             const char *name)
{
  if (strcmp (name, "host") == 0 || strcmp (name, "lan") == 0 || strcmp (name, "outside") == 0)
    return g_strdup (name);
  return vm_id (f, name);
}

static GVariant *
cell (Fixture    *f,
      WbMatrix   *matrix,
      const char *from,
      const char *to)
{
  g_autofree char *from_id = endpoint_id (f, from);
  g_autofree char *to_id = endpoint_id (f, to);
  GVariant *value = wb_matrix_lookup_cell (matrix, from_id, to_id);
  const char *result = NULL;
  const char *reason = NULL;
  const char *path = NULL;

  g_assert_nonnull (value);
  g_variant_ref_sink (value);
  g_variant_lookup (value, "result", "&s", &result);
  g_variant_lookup (value, "reason", "&s", &reason);
  g_variant_lookup (value, "path", "&s", &path);
  g_test_message ("%s > %s: %s (%s) via %s", from, to, result, reason, path);
  return value;
}

static char *
cell_string (GVariant   *value,
             const char *key)
{
  char *text = NULL;

  g_assert_true (g_variant_lookup (value, key, "s", &text));
  return text;
}

static void
assert_cell (Fixture    *f,
             WbMatrix   *matrix,
             const char *from,
             const char *to,
             const char *result)
{
  g_autoptr(GVariant) value = cell (f, matrix, from, to);
  g_autofree char *actual = cell_string (value, "result");

  g_assert_cmpstr (actual, ==, result);
}

/* @expected: the address its DHCP server hands out, NULL when it depends
 * on the host (a bridged VM's emulated LAN). */
static void
wait_ip (Fixture    *f,
         const char *name,
         const char *expected)
{
  g_autofree char *ip = wb_test_wait_property (f, name, IP_PROPERTY, 10000);

  g_assert_nonnull (ip);
  if (expected != NULL)
    g_assert_cmpstr (ip, ==, expected);
}

/* The cell @from > @to is not among @ids (a "cells-changed"): the change
 * did not touch its way. */
static void
assert_not_reprobed (Fixture            *f,
                     const char * const *ids,
                     const char         *from,
                     const char         *to)
{
  g_autofree char *from_id = endpoint_id (f, from);
  g_autofree char *to_id = endpoint_id (f, to);
  g_autofree char *cell_id = g_strdup_printf ("%s>%s", from_id, to_id);

  g_assert_false (g_strv_contains (ids, cell_id));
}

static void
build_lab (Fixture *f,
           guint16  ssh_port,
           guint16  web_port)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hostonly = wb_settings_create_host_only_if (f->settings, &error);
  g_autofree char *ssh_rule = g_strdup_printf ("guestssh,tcp,127.0.0.1,%u,,22", ssh_port);
  g_autofree char *web_rule = g_strdup_printf ("web,tcp,127.0.0.1,%u,,80", web_port);

  g_assert_no_error (error);
  wb_test_create_vm (f, "Router");
  wb_test_modify_vm (f, "Router", "nic", 1u, "nat", "natlocalhostreachable", 1u, "on",
                     "nic", 2u, "intnet", "intnet", 2u, "intnet");
  wb_test_configure_guest (f, "Router", "masquerade", 1u, "on",
                           "guestip", 2u, "192.168.23.1/24", "ipforward", 0u, "on");
  wb_test_create_intnet_vm (f, "VM2", "intnet", "192.168.23.2/24", "192.168.23.1");
  wb_test_create_intnet_vm (f, "VM3", "intnet", "192.168.23.3/24", "192.168.23.1");
  wb_test_create_vm (f, "Web");
  wb_test_modify_vm (f, "Web", "nic", 1u, "nat", "natpf", 1u, ssh_rule, "natpf", 1u, web_rule);
  wb_test_create_vm (f, "HostOnlyVM");
  wb_test_modify_vm (f, "HostOnlyVM", "nic", 1u, "hostonly", "hostonlyadapter", 1u, hostonly);

  wb_test_start_vm (f, "Router");
  wb_test_start_vm (f, "VM2");
  wb_test_start_vm (f, "VM3");
  wb_test_start_vm (f, "Web");
  wb_test_start_vm (f, "HostOnlyVM");
  /* libslirp's first lease, and VirtualBox's host-only DHCP range. */
  wait_ip (f, "Router", "10.0.2.15");
  wait_ip (f, "Web", "10.0.2.15");
  wait_ip (f, "HostOnlyVM", "192.168.56.101");
}

static GVariant *
run_matrix (WbMatrix *matrix)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *value;

  wb_matrix_run_async (matrix, NULL, wb_test_store_result_cb, &result);
  value = wb_matrix_run_finish (matrix, wb_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

typedef struct
{
  GStrv ids;
  guint generation;
} Changed;

static void
on_cells_changed_cb (WbMatrix           *matrix,
                     guint               generation,
                     const char * const *ids,
                     Changed            *changed)
{
  g_strfreev (changed->ids);
  changed->ids = g_strdupv ((char **) ids);
  changed->generation = generation;
}

static void
test_lab (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(WbMatrix) matrix = wb_matrix_new (f->runtime);
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) cells = NULL;
  g_autoptr(GHashTable) through_router = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                g_free, NULL);
  g_autofree char *router = NULL;
  g_autofree char *path = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *rules_text = NULL;
  g_autofree const char **rules = NULL;
  guint16 ssh_port = free_port ();
  guint16 web_port = free_port ();
  Changed changed = { NULL, 0 };
  gboolean complete = FALSE;
  GVariantIter iter;
  GVariant *item;
  guint generation = 0;
  guint n_cells = 0;

  build_lab (f, ssh_port, web_port);
  router = vm_id (f, "Router");
  wb_matrix_set_outside (matrix, 0xc6336401u, 22);
  all = run_matrix (matrix);

  g_assert_true (g_variant_lookup (all, "complete", "b", &complete));
  g_assert_true (complete);
  g_assert_true (g_variant_lookup (all, "generation", "u", &generation));
  g_assert_cmpuint (generation, >, 0);
  cells = g_variant_lookup_value (all, "cells", G_VARIANT_TYPE ("aa{sv}"));
  /* 5 VMs: 5x4 VM pairs, 5 to each of host, lan, outside, 5 from each of
   * host and lan. */
  g_assert_cmpuint (g_variant_n_children (cells), ==, 5 * 4 + 5 * 3 + 5 * 2);

  /* Inside the internal network, and out through Router's NAT to the
   * host's loopback. */
  assert_cell (f, matrix, "VM2", "VM3", "+");
  value = cell (f, matrix, "VM2", "host");
  g_clear_pointer (&reason, g_free);
  reason = cell_string (value, "result");
  g_assert_cmpstr (reason, ==, "+");
  path = cell_string (value, "path");
  g_assert_nonnull (strstr (path, "gateway 192.168.23.1 (Router)"));
  g_clear_pointer (&value, g_variant_unref);

  /* The host reaches Web only through its two forwards. */
  value = cell (f, matrix, "host", "Web");
  g_clear_pointer (&reason, g_free);
  reason = cell_string (value, "result");
  g_assert_cmpstr (reason, ==, "port-forward");
  g_assert_true (g_variant_lookup (value, "rules", "^a&s", &rules));
  g_assert_cmpuint (g_strv_length ((char **) rules), ==, 2);
  rules_text = g_strjoinv ("\n", (char **) rules);
  g_assert_nonnull (strstr (rules_text, "'guestssh'"));
  g_assert_nonnull (strstr (rules_text, "'web'"));
  g_clear_pointer (&value, g_variant_unref);

  /* The Net/LAN stand-in answers behind NAT (wb_slirp_is_local), for a
   * NAT VM and for one behind a router. */
  assert_cell (f, matrix, "Web", "lan", "+");
  assert_cell (f, matrix, "VM2", "lan", "+");

  /* Two plain NAT adapters are networks of their own. */
  assert_cell (f, matrix, "Router", "Web", "-");
  assert_cell (f, matrix, "Web", "Router", "-");
  value = cell (f, matrix, "Router", "Web");
  g_clear_pointer (&reason, g_free);
  reason = cell_string (value, "reason");
  g_assert_nonnull (strstr (reason, "each NAT adapter is a network of its own"));
  g_clear_pointer (&value, g_variant_unref);

  /* Host-only: the host endpoint, and no way out. */
  assert_cell (f, matrix, "HostOnlyVM", "host", "+");
  value = cell (f, matrix, "HostOnlyVM", "outside");
  g_clear_pointer (&reason, g_free);
  reason = cell_string (value, "result");
  g_assert_cmpstr (reason, ==, "-");
  g_clear_pointer (&reason, g_free);
  reason = cell_string (value, "reason");
  g_assert_cmpstr (reason, ==, "no route");
  g_clear_pointer (&value, g_variant_unref);

  /* Live: Router leaves the NAT. Its row and column are probed again, and
   * every cell whose way went through it. */
  g_variant_iter_init (&iter, cells);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *id = cell_string (item, "id");
      g_autofree char *from = cell_string (item, "from");
      g_autofree char *to = cell_string (item, "to");
      g_autofree char *cell_path = cell_string (item, "path");

      if (strcmp (from, router) == 0 || strcmp (to, router) == 0
          || strstr (cell_path, "(Router)") != NULL)
        g_hash_table_add (through_router, g_steal_pointer (&id));
      g_variant_unref (item);
    }
  g_signal_connect (matrix, "cells-changed", G_CALLBACK (on_cells_changed_cb), &changed);
  wb_test_control_vm (f, "Router", "nic", 1, "intnet", "elsewhere");
  while (changed.ids == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (changed.generation, >, generation);
  for (guint i = 0; changed.ids[i] != NULL; i++)
    {
      g_test_message ("re-probed %s", changed.ids[i]);
      g_assert_true (g_hash_table_contains (through_router, changed.ids[i]));
      n_cells++;
    }
  g_assert_cmpuint (n_cells, ==, g_hash_table_size (through_router));
  {
    g_autofree char *vm2 = vm_id (f, "VM2");
    g_autofree char *vm3 = vm_id (f, "VM3");
    g_autofree char *vm2_host = g_strconcat (vm2, ">host", NULL);
    g_autofree char *vm3_host = g_strconcat (vm3, ">host", NULL);

    g_assert_true (g_strv_contains ((const char * const *) changed.ids, vm2_host));
    g_assert_true (g_strv_contains ((const char * const *) changed.ids, vm3_host));
  }
  /* Ways that never went through Router are left alone. */
  assert_not_reprobed (f, (const char * const *) changed.ids, "VM2", "VM3");
  assert_not_reprobed (f, (const char * const *) changed.ids, "Web", "lan");
  assert_not_reprobed (f, (const char * const *) changed.ids, "host", "Web");
  assert_not_reprobed (f, (const char * const *) changed.ids, "HostOnlyVM", "host");
  value = cell (f, matrix, "VM2", "host");
  g_clear_pointer (&reason, g_free);
  reason = cell_string (value, "result");
  g_assert_cmpstr (reason, ==, "-");
  g_clear_pointer (&reason, g_free);
  reason = cell_string (value, "reason");
  g_assert_cmpstr (reason, ==, "no route");
  g_clear_pointer (&value, g_variant_unref);
  assert_cell (f, matrix, "VM2", "VM3", "+");
  g_strfreev (changed.ids);
  g_signal_handlers_disconnect_by_data (matrix, &changed);
}

/* A run cancelled midway, a run after it, and a VM that stops: its cells
 * leave the matrix and are announced. */
static void
test_cancel_and_stop (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(WbMatrix) matrix = wb_matrix_new (f->runtime);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *gone_to = NULL;
  Changed changed = { NULL, 0 };

  wb_test_create_intnet_vm (f, "A", "lab", "10.7.0.2/24", NULL);
  wb_test_create_intnet_vm (f, "B", "lab", "10.7.0.3/24", NULL);
  /* Its gateway never answers: a slow cell to cancel. */
  wb_test_create_intnet_vm (f, "C", "lab", "10.7.0.4/24", "10.7.0.254");
  wb_test_start_vm (f, "A");
  wb_test_start_vm (f, "B");
  wb_test_start_vm (f, "C");

  wb_matrix_run_async (matrix, cancellable, wb_test_store_result_cb, &result);
  wb_test_run_pending ();
  g_cancellable_cancel (cancellable);
  value = wb_matrix_run_finish (matrix, wb_test_wait_result (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (value);
  g_clear_error (&error);

  all = run_matrix (matrix);
  {
    gboolean complete = FALSE;

    g_assert_true (g_variant_lookup (all, "complete", "b", &complete));
    g_assert_true (complete);
  }
  assert_cell (f, matrix, "A", "B", "+");
  assert_cell (f, matrix, "C", "lan", "-");
  {
    g_autoptr(GVariant) c_lan = cell (f, matrix, "C", "lan");
    g_autofree char *reason = cell_string (c_lan, "reason");

    /* Its gateway is on-link and silent. */
    g_assert_cmpstr (reason, ==, "no ARP answer");
  }

  g_signal_connect (matrix, "cells-changed", G_CALLBACK (on_cells_changed_cb), &changed);
  gone = vm_id (f, "C");
  gone_to = vm_id (f, "A");
  wb_test_poweroff_vm (f, "C");
  while (changed.ids == NULL)
    g_main_context_iteration (NULL, TRUE);
  {
    g_autofree char *c_to_a = g_strdup_printf ("%s>%s", gone, gone_to);
    g_autofree char *a_to_c = g_strdup_printf ("%s>%s", gone_to, gone);

    g_assert_true (g_strv_contains ((const char * const *) changed.ids, c_to_a));
    g_assert_true (g_strv_contains ((const char * const *) changed.ids, a_to_c));
    g_assert_null (wb_matrix_lookup_cell (matrix, gone, gone_to));
    g_assert_null (wb_matrix_lookup_cell (matrix, gone_to, gone));
    g_assert_null (wb_matrix_lookup_cell (matrix, gone, "host"));
  }
  assert_cell (f, matrix, "A", "B", "+");
  g_strfreev (changed.ids);
  g_signal_handlers_disconnect_by_data (matrix, &changed);
}

static void
test_natnetwork_bridged (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(WbMatrix) matrix = wb_matrix_new (f->runtime);
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ifname = wb_host_ifs_pick_bridge ();
  g_autofree char *rule = NULL;
  g_autofree char *text = NULL;
  g_autofree const char **rules = NULL;
  guint16 port = free_port ();
  gboolean complete = FALSE;

  /* A NAT network without DHCP; its forward names its guest, the first VM. */
  rule = g_strdup_printf ("nnssh:tcp:[127.0.0.1]:%u:[10.0.9.4]:22", port);
  {
    const WbOption options[] = {
      { "network", "10.0.9.0/24" },
      { "enable", "" },
      { "dhcp", "off" },
      { "portforward4", rule },
    };

    g_assert_true (wb_settings_add_nat_network (f->settings, "natlab", options,
                                                G_N_ELEMENTS (options), &error));
    g_assert_no_error (error);
  }
  wb_test_create_vm (f, "NatA");
  wb_test_modify_vm (f, "NatA", "nic", 1u, "natnetwork", "natnetwork", 1u, "natlab");
  wb_test_configure_guest (f, "NatA", "guestip", 1u, "10.0.9.4/24",
                           "guestgateway", 1u, "10.0.9.1");
  wb_test_create_vm (f, "NatB");
  wb_test_modify_vm (f, "NatB", "nic", 1u, "natnetwork", "natnetwork", 1u, "natlab");
  wb_test_configure_guest (f, "NatB", "guestip", 1u, "10.0.9.5/24",
                           "guestgateway", 1u, "10.0.9.1");
  wb_test_start_vm (f, "NatA");
  wb_test_start_vm (f, "NatB");

  /* Bridged: an address from the emulated LAN's DHCP server. */
  if (ifname != NULL)
    {
      wb_test_create_vm (f, "Bridged");
      wb_test_modify_vm (f, "Bridged", "nic", 1u, "bridged", "bridgeadapter", 1u, ifname);
      wb_test_start_vm (f, "Bridged");
      wait_ip (f, "Bridged", NULL);
    }

  all = run_matrix (matrix);
  g_assert_true (g_variant_lookup (all, "complete", "b", &complete));
  g_assert_true (complete);

  /* The NAT network is one network. */
  assert_cell (f, matrix, "NatA", "NatB", "+");
  assert_cell (f, matrix, "NatB", "NatA", "+");

  /* The host reaches the first only through its forward... */
  value = cell (f, matrix, "host", "NatA");
  text = cell_string (value, "result");
  g_assert_cmpstr (text, ==, "port-forward");
  g_assert_true (g_variant_lookup (value, "rules", "^a&s", &rules));
  g_assert_cmpuint (g_strv_length ((char **) rules), ==, 1);
  g_assert_nonnull (strstr (rules[0], "NAT network 'natlab' 'nnssh'"));
  g_clear_pointer (&value, g_variant_unref);
  g_clear_pointer (&text, g_free);

  /* ...and the second not at all. */
  value = cell (f, matrix, "host", "NatB");
  text = cell_string (value, "result");
  g_assert_cmpstr (text, ==, "-");
  g_clear_pointer (&text, g_free);
  text = cell_string (value, "reason");
  g_assert_cmpstr (text, ==, "no forward");
  g_clear_pointer (&value, g_variant_unref);
  g_clear_pointer (&text, g_free);

  /* The Net/LAN stand-in behind the NAT network's gateway. */
  assert_cell (f, matrix, "NatA", "lan", "+");

  if (ifname == NULL)
    {
      /* Said in the TAP output, not only in a message: the NAT network's
       * cells above were checked, the bridged ones were not. */
      g_test_skip ("no host interface to bridge to: the bridged cells are not checked");
      return;
    }
  g_test_message ("bridged to %s", ifname);
  assert_cell (f, matrix, "Bridged", "host", "+");
  assert_cell (f, matrix, "host", "Bridged", "+");
  assert_cell (f, matrix, "lan", "Bridged", "+");
  assert_cell (f, matrix, "Bridged", "lan", "+");
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
  base = g_dir_make_tmp ("wirebox-matrix-XXXXXX", &error);
  g_assert_no_error (error);
  home = g_build_filename (base, "home", NULL);
  g_setenv ("WIREBOX_HOME", home, TRUE);

  g_test_add ("/matrix/lab", Fixture, NULL, wb_test_fixture_set_up, test_lab,
              wb_test_fixture_tear_down);
  g_test_add ("/matrix/natnetwork-bridged", Fixture, NULL, wb_test_fixture_set_up,
              test_natnetwork_bridged, wb_test_fixture_tear_down);
  g_test_add ("/matrix/cancel-and-stop", Fixture, NULL, wb_test_fixture_set_up,
              test_cancel_and_stop, wb_test_fixture_tear_down);

  status = g_test_run ();
  wb_test_runtime_rm_rf (base);
  return status;
}
