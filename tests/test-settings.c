/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * WbSettings: each operation validated whole and stored all or nothing,
 * cross-object rules (MACs, names, host-only interfaces and their DHCP
 * servers), and one signal per committed change. "Nothing changed" is
 * checked on the database itself: a dump of every row of every table,
 * read over a connection of the test's own.
 */
#include <glib.h>

#include "wb-error.h"
#include "wb-settings.h"
#include "wb-test-util.h"

typedef struct
{
  char       *dir;
  char       *path;
  WbStore    *store;
  WbSettings *settings;
  GPtrArray  *signals;    /* "added 0 <id>", ... in the order emitted */
} Fixture;

static void
on_signal_cb (WbSettings *settings,
              guint       kind,
              const char *id,
              gpointer    user_data)
{
  Fixture *fixture = user_data;
  const char *name = g_signal_name (g_signal_get_invocation_hint (settings)->signal_id);

  g_ptr_array_add (fixture->signals, g_strdup_printf ("%s %u %s", name, kind, id));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char *names[] = { "added", "changed", "removed" };

  fixture->store = wb_test_open_tmp_store ("wb-test-settings-XXXXXX",
                                           &fixture->dir, &fixture->path);
  fixture->settings = wb_settings_new (fixture->store);
  g_assert_true (wb_settings_get_store (fixture->settings) == fixture->store);
  fixture->signals = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_signal_connect (fixture->settings, names[i], G_CALLBACK (on_signal_cb),
                      fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->signals, g_ptr_array_unref);
  wb_test_rm_rf (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* Asserts the signals since the last call, then forgets them. */
G_GNUC_NULL_TERMINATED
static void
assert_signals (Fixture *fixture,
                ...)
{
  va_list args;
  const char *expected;
  guint i = 0;

  va_start (args, fixture);
  while ((expected = va_arg (args, const char *)) != NULL)
    {
      g_assert_cmpuint (i, <, fixture->signals->len);
      g_assert_cmpstr (fixture->signals->pdata[i], ==, expected);
      i++;
    }
  va_end (args);
  g_assert_cmpuint (fixture->signals->len, ==, i);
  g_ptr_array_set_size (fixture->signals, 0);
}

/* @ok is a call's answer: it failed with @code, which is then cleared. */
static void
assert_refused (gboolean   ok,
                GError   **error,
                gint       code)
{
  g_assert_false (ok);
  g_assert_error (*error, WB_ERROR, code);
  g_clear_error (error);
}

static char *
sig (const char   *name,
     WbObjectKind  kind,
     const char   *id)
{
  return g_strdup_printf ("%s %u %s", name, (guint) kind, id);
}

/* The database is as @before (a wb_test_dump_db()) and nobody was told
 * anything. */
static void
assert_unchanged (Fixture    *fixture,
                  const char *before)
{
  g_autofree char *after = wb_test_dump_db (fixture->path);

  g_assert_cmpstr (before, ==, after);
  assert_signals (fixture, NULL);
}

static char *
create_vm (Fixture    *fixture,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  char *uuid = wb_settings_create_vm (fixture->settings, name, TRUE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (uuid);
  return uuid;
}

static WbVm *
get_vm (Fixture    *fixture,
        const char *name)
{
  g_autoptr(GError) error = NULL;
  WbVm *vm = wb_settings_get_vm (fixture->settings, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (vm);
  return vm;
}

/* --- VMs ---------------------------------------------------------------- */

static void
test_vm_lifecycle (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = create_vm (fixture, "web");
  g_autofree char *added = sig ("added", WB_OBJECT_VM, uuid);
  g_autofree char *removed = sig ("removed", WB_OBJECT_VM, uuid);
  g_autoptr(WbVm) vm = NULL;
  g_autoptr(WbVm) by_uuid = NULL;
  g_autoptr(WbVm) gone = NULL;

  g_assert_true (g_uuid_string_is_valid (uuid));
  assert_signals (fixture, added, NULL);

  vm = get_vm (fixture, "web");
  by_uuid = get_vm (fixture, uuid);
  g_assert_cmpstr (vm->uuid, ==, uuid);
  g_assert_cmpstr (by_uuid->name, ==, "web");
  g_assert_true (vm->registered);
  g_assert_false (vm->running);
  /* VirtualBox's defaults. */
  g_assert_true (vm->adapters[0].enabled);
  g_assert_cmpint (vm->adapters[0].attachment, ==, WB_ATTACHMENT_NAT);
  g_assert_false (vm->adapters[1].enabled);
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    g_assert_true (g_str_has_prefix (vm->adapters[i].mac, "080027"));

  g_assert_true (wb_settings_delete_vm (fixture->settings, "web", &error));
  g_assert_no_error (error);
  assert_signals (fixture, removed, NULL);

  gone = wb_settings_get_vm (fixture->settings, uuid, &error);
  g_assert_null (gone);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (wb_settings_delete_vm (fixture->settings, "web", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "Could not find a registered machine named 'web'");
  assert_signals (fixture, NULL);
}

static void
test_vm_duplicate (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = create_vm (fixture, "a");
  g_autofree char *dump = NULL;
  char *again;

  g_ptr_array_set_size (fixture->signals, 0);
  dump = wb_test_dump_db (fixture->path);

  again = wb_settings_create_vm (fixture->settings, "a", TRUE, &error);
  g_assert_null (again);
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "A VM named 'a' already exists");
  g_clear_error (&error);

  again = wb_settings_create_vm (fixture->settings, "", TRUE, &error);
  g_assert_null (again);
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  again = wb_settings_create_vm (fixture->settings, "bad\nname", TRUE, &error);
  g_assert_null (again);
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);

  assert_unchanged (fixture, dump);
}

static void
test_vm_unregistered (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autoptr(WbVm) vm = NULL;
  g_autoptr(WbVm) stored = NULL;
  const WbVmChange change = { "cableconnected", 1, "off" };
  char *again;

  uuid = wb_settings_create_vm (fixture->settings, "hidden", FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (uuid));
  /* Invisible, so nobody is told. */
  assert_signals (fixture, NULL);

  stored = wb_store_load_vm (fixture->store, uuid, &error);
  g_assert_no_error (error);
  g_assert_false (stored->registered);

  vm = wb_settings_get_vm (fixture->settings, "hidden", &error);
  g_assert_null (vm);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "Could not find a registered machine named 'hidden'");
  g_clear_error (&error);

  vm = wb_settings_get_vm (fixture->settings, uuid, &error);
  g_assert_null (vm);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  assert_refused (wb_settings_modify_vm (fixture->settings, "hidden", &change, 1,
                                         &error),
                  &error, WB_ERROR_NOT_FOUND);

  assert_refused (wb_settings_delete_vm (fixture->settings, "hidden", &error),
                  &error, WB_ERROR_NOT_FOUND);

  /* Its name stays taken. */
  again = wb_settings_create_vm (fixture->settings, "hidden", TRUE, &error);
  g_assert_null (again);
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  assert_signals (fixture, NULL);
}

static void
test_vm_modify (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = create_vm (fixture, "router");
  g_autofree char *changed = sig ("changed", WB_OBJECT_VM, uuid);
  g_autoptr(WbVm) vm = NULL;
  const WbVmChange changes[] = {
    { "nic", 2, "intnet" },
    { "intnet", 2, "lab" },
    { "nictype", 2, "virtio" },
    { "natpf", 1, "ssh,tcp,,2222,,22" },
    { "natpf", 1, "web,tcp,127.0.0.1,8080,,80" },
    { "cableconnected", 1, "off" },
    { "macaddress", 3, "0800271234AB" },
    { "natsettings", 1, "1400" },
    { "natlocalhostreachable", 1, "on" },
  };
  const WbNatRule *rule;

  g_ptr_array_set_size (fixture->signals, 0);
  g_assert_true (wb_settings_modify_vm (fixture->settings, "router", changes,
                                        G_N_ELEMENTS (changes), &error));
  g_assert_no_error (error);
  assert_signals (fixture, changed, NULL);

  vm = get_vm (fixture, uuid);
  g_assert_true (vm->adapters[1].enabled);
  g_assert_cmpint (vm->adapters[1].attachment, ==, WB_ATTACHMENT_INTNET);
  g_assert_cmpstr (vm->adapters[1].intnet, ==, "lab");
  g_assert_cmpint (vm->adapters[1].type, ==, WB_NIC_TYPE_VIRTIO);
  g_assert_false (vm->adapters[0].cable_connected);
  g_assert_cmpstr (vm->adapters[2].mac, ==, "0800271234AB");
  g_assert_cmpuint (vm->adapters[0].nat_mtu, ==, 1400);
  g_assert_true (vm->adapters[0].nat_localhost_reachable);
  g_assert_cmpuint (vm->adapters[0].nat_rules->len, ==, 2);
  rule = g_ptr_array_index (vm->adapters[0].nat_rules, 0);
  g_assert_cmpstr (rule->name, ==, "ssh");
  g_assert_cmpuint (rule->host_port, ==, 2222);
  rule = g_ptr_array_index (vm->adapters[0].nat_rules, 1);
  g_assert_cmpstr (rule->name, ==, "web");

  /* No changes: fine, nothing stored, nobody told. */
  g_assert_true (wb_settings_modify_vm (fixture->settings, "router", NULL, 0,
                                        &error));
  g_assert_no_error (error);
  assert_signals (fixture, NULL);

  g_assert_false (wb_settings_modify_vm (fixture->settings, "nobody", changes, 1,
                                         &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "Could not find a registered machine named 'nobody'");
  assert_signals (fixture, NULL);
}

static void
test_vm_all_or_nothing (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = create_vm (fixture, "atomic");
  g_autofree char *before = NULL;
  const WbVmChange bad_value[] = {
    { "nic", 2, "intnet" },
    { "natpf", 1, "ssh,tcp,,2222,,22" },
    { "nictype", 1, "bogus" },
    { "cableconnected", 1, "off" },
  };
  const WbVmChange bad_key[] = {
    { "intnet", 2, "lab" },
    { "nicspeed", 1, "1000" },
    { "frobnicate", 1, "on" },
  };
  const WbVmChange bad_slot[] = {
    { "intnet", 2, "lab" },
    { "nic", 3, "nat" },
    { "nic", 9, "nat" },
  };
  const WbVmChange duplicate_rule[] = {
    { "natpf", 1, "ssh,tcp,,2222,,22" },
    { "intnet", 2, "lab" },
    { "natpf", 1, "ssh,tcp,,2223,,22" },
  };

  g_ptr_array_set_size (fixture->signals, 0);
  before = wb_test_dump_db (fixture->path);

  assert_refused (wb_settings_modify_vm (fixture->settings, uuid, bad_value,
                                         G_N_ELEMENTS (bad_value), &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  assert_refused (wb_settings_modify_vm (fixture->settings, uuid, bad_key,
                                         G_N_ELEMENTS (bad_key), &error),
                  &error, WB_ERROR_UNKNOWN_OPTION);

  assert_refused (wb_settings_modify_vm (fixture->settings, uuid, bad_slot,
                                         G_N_ELEMENTS (bad_slot), &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  assert_refused (wb_settings_modify_vm (fixture->settings, uuid, duplicate_rule,
                                         G_N_ELEMENTS (duplicate_rule), &error),
                  &error, WB_ERROR_EXISTS);

  assert_unchanged (fixture, before);

  /* The store is still usable after the rollbacks. */
  g_assert_true (wb_settings_modify_vm (fixture->settings, uuid, bad_value, 2,
                                        &error));
  g_assert_no_error (error);
}

static void
test_vm_mac_unique (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid_a = create_vm (fixture, "a");
  g_autofree char *uuid_b = create_vm (fixture, "b");
  g_autoptr(WbVm) a = get_vm (fixture, "a");
  g_autoptr(GHashTable) macs = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                      g_free, NULL);
  g_autofree char *before = NULL;
  g_autofree char *expected = NULL;
  WbVmChange steal = { "macaddress", 1, a->adapters[4].mac };
  WbVmChange twice[] = {
    { "macaddress", 2, "0800270000AA" },
    { "macaddress", 7, "0800270000AA" },
  };
  WbVmChange swap[] = {
    { "macaddress", 1, "0800270000B1" },
    { "macaddress", 2, "0800270000B1" },
    { "macaddress", 1, "0800270000B2" },
  };

  g_ptr_array_set_size (fixture->signals, 0);
  before = wb_test_dump_db (fixture->path);

  /* Another VM's MAC. */
  g_assert_false (wb_settings_modify_vm (fixture->settings, "b", &steal, 1,
                                         &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  expected = g_strdup_printf ("MAC address %s is already used by another adapter",
                              a->adapters[4].mac);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* Twice in one VM. */
  assert_refused (wb_settings_modify_vm (fixture->settings, "b", twice,
                                         G_N_ELEMENTS (twice), &error),
                  &error, WB_ERROR_EXISTS);

  assert_unchanged (fixture, before);

  /* Only the final state counts: a MAC passed between adapters is fine. */
  g_assert_true (wb_settings_modify_vm (fixture->settings, "b", swap,
                                        G_N_ELEMENTS (swap), &error));
  g_assert_no_error (error);

  /* A VM keeps its own MAC (re-set on the same adapter), but not on a
   * second adapter. */
  assert_refused (wb_settings_modify_vm (fixture->settings, "a", &steal, 1,
                                         &error),
                  &error, WB_ERROR_EXISTS);
  steal.slot = 5;
  g_assert_true (wb_settings_modify_vm (fixture->settings, "a", &steal, 1, &error));
  g_assert_no_error (error);

  /* Generated MACs are unique across VMs. */
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *name = g_strdup_printf ("vm%u", i);
      g_autofree char *uuid = create_vm (fixture, name);
      g_autoptr(WbVm) vm = get_vm (fixture, uuid);

      for (guint j = 0; j < WB_MAX_ADAPTERS; j++)
        g_assert_true (g_hash_table_add (macs, g_strdup (vm->adapters[j].mac)));
    }
}

static void
test_vm_running (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = create_vm (fixture, "busy");
  g_autofree char *changed = sig ("changed", WB_OBJECT_VM, uuid);
  g_autofree char *before = NULL;
  g_autoptr(WbVm) vm = NULL;
  const WbVmChange change = { "cableconnected", 1, "off" };

  g_ptr_array_set_size (fixture->signals, 0);
  wb_settings_set_vm_running (fixture->settings, uuid, TRUE);
  wb_settings_set_vm_running (fixture->settings, uuid, TRUE);
  /* The state is part of the VM: one change, not two. */
  assert_signals (fixture, changed, NULL);

  vm = get_vm (fixture, "busy");
  g_assert_true (vm->running);

  before = wb_test_dump_db (fixture->path);
  g_assert_false (wb_settings_modify_vm (fixture->settings, "busy", &change, 1,
                                         &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  wb_test_assert_message_contains (error, "controlvm");
  g_assert_cmpstr (error->message, ==,
                   "Machine 'busy' is running: change it with 'controlvm'");
  g_clear_error (&error);

  assert_refused (wb_settings_delete_vm (fixture->settings, uuid, &error), &error, WB_ERROR_BUSY);
  assert_unchanged (fixture, before);

  wb_settings_set_vm_running (fixture->settings, uuid, FALSE);
  assert_signals (fixture, changed, NULL);
  g_clear_pointer (&vm, wb_vm_free);
  vm = get_vm (fixture, "busy");
  g_assert_false (vm->running);

  g_assert_true (wb_settings_modify_vm (fixture->settings, "busy", &change, 1,
                                        &error));
  g_assert_no_error (error);
  g_assert_true (wb_settings_delete_vm (fixture->settings, "busy", &error));
  g_assert_no_error (error);
}

static void
test_vm_running_changes (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = create_vm (fixture, "live");
  g_autofree char *changed = sig ("changed", WB_OBJECT_VM, uuid);
  g_autofree char *before = NULL;
  g_autoptr(WbVm) vm = NULL;
  const WbVmChange live[] = { { "nic", 1, "intnet" }, { "intnet", 1, "other" } };
  const WbVmChange guest[] = { { "guestip", 1, "192.168.23.2/24" } };
  const WbVmChange bad[] = { { "nic", 1, "intnet" }, { "nic", 9, "nat" } };

  wb_settings_set_vm_running (fixture->settings, uuid, TRUE);
  g_ptr_array_set_size (fixture->signals, 0);

  /* The runtime's controlvm path stores into a running VM. */
  g_assert_true (wb_settings_modify_running_vm (fixture->settings, "live", live,
                                                G_N_ELEMENTS (live), &error));
  g_assert_no_error (error);
  assert_signals (fixture, changed, NULL);
  vm = get_vm (fixture, "live");
  g_assert_cmpint (vm->adapters[0].attachment, ==, WB_ATTACHMENT_INTNET);
  g_assert_cmpstr (vm->adapters[0].intnet, ==, "other");

  /* All or nothing there too. */
  before = wb_test_dump_db (fixture->path);
  assert_refused (wb_settings_modify_running_vm (fixture->settings, "live", bad,
                                                 G_N_ELEMENTS (bad), &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);
  assert_unchanged (fixture, before);

  /* Guest settings wait for the VM to be off. */
  g_assert_false (wb_settings_configure_guest (fixture->settings, "live", guest, 1, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  wb_test_assert_message_contains (error, "power it off");
  g_clear_error (&error);
  assert_unchanged (fixture, before);
}

static void
test_vm_guest_settings (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = create_vm (fixture, "router");
  g_autofree char *changed = sig ("changed", WB_OBJECT_VM, uuid);
  g_autofree char *before = NULL;
  g_autoptr(WbVm) vm = NULL;
  const WbVmChange good[] = {
    { "guestip", 2, "192.168.23.1/24" },
    { "ipforward", 0, "on" },
    { "masquerade", 1, "on" },
    { "service", 0, "tcp:7:echo" },
  };
  const WbVmChange bad[] = {
    { "guestip", 1, "10.0.0.5/24" },
    { "guestmtu", 1, "70000" },
  };

  g_ptr_array_set_size (fixture->signals, 0);
  g_assert_true (wb_settings_configure_guest (fixture->settings, "router", good,
                                              G_N_ELEMENTS (good), &error));
  g_assert_no_error (error);
  assert_signals (fixture, changed, NULL);

  vm = get_vm (fixture, "router");
  g_assert_false (vm->guest[1].dhcp);
  g_assert_cmphex (vm->guest[1].address, ==, 0xc0a81701);
  g_assert_true (vm->ip_forward);
  g_assert_true (vm->guest[0].masquerade);
  g_assert_cmpuint (vm->services->len, ==, 3);

  before = wb_test_dump_db (fixture->path);
  g_assert_false (wb_settings_configure_guest (fixture->settings, "router", bad,
                                               G_N_ELEMENTS (bad), &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  wb_test_assert_message_contains (error, "--guestmtu1");
  g_clear_error (&error);
  assert_unchanged (fixture, before);
}

/* --- NAT networks ------------------------------------------------------- */

static void
test_nat_network (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbNatNetwork) net = NULL;
  g_autofree char *before = NULL;
  g_autofree char *added = sig ("added", WB_OBJECT_NAT_NETWORK, "natnet1");
  g_autofree char *changed = sig ("changed", WB_OBJECT_NAT_NETWORK, "natnet1");
  g_autofree char *removed = sig ("removed", WB_OBJECT_NAT_NETWORK, "natnet1");
  g_autofree char *dhcp_added = sig ("added", WB_OBJECT_DHCP_SERVER, "natnet1");
  g_autofree char *dhcp_removed = sig ("removed", WB_OBJECT_DHCP_SERVER, "natnet1");
  const WbOption add[] = {
    { "portforward4", "ssh:tcp:[]:1022:[192.168.22.5]:22" },
    { "network", "192.168.22.0/24" },
    { "dhcp", "off" },
    { "disable", "" },
  };
  const WbOption no_network[] = {
    { "dhcp", "off" },
  };
  const WbOption add_bad[] = {
    { "network", "10.9.0.0/16" },
    { "dhcp", "on" },
    { "portforward4", "broken" },
  };
  const WbOption modify_bad[] = {
    { "portforward4", "web:tcp:[]:8080:[192.168.22.6]:80" },
    { "network", "not-a-cidr" },
  };
  const WbOption modify_bad_loopback[] = {
    { "network", "192.168.30.0/24" },
    { "loopback4", "127.0.0.1=300" },
  };
  const WbOption modify[] = {
    { "portforward4delete", "ssh" },
    { "portforward4", "web:tcp:[]:8080:[192.168.22.6]:80" },
    { "ipv6", "on" },
  };
  const WbOption dhcp[] = {
    { "server-ip", "192.168.22.3" },
    { "netmask", "255.255.255.0" },
    { "lower-ip", "192.168.22.4" },
    { "upper-ip", "192.168.22.254" },
  };

  g_assert_true (wb_settings_add_nat_network (fixture->settings, "natnet1", add,
                                              G_N_ELEMENTS (add), &error));
  g_assert_no_error (error);
  assert_signals (fixture, added, NULL);

  net = wb_store_load_nat_network (fixture->store, "natnet1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (net->network, ==, "192.168.22.0/24");
  g_assert_false (net->dhcp);
  g_assert_false (net->enabled);
  g_assert_cmpuint (net->rules->len, ==, 1);

  before = wb_test_dump_db (fixture->path);

  g_assert_false (wb_settings_add_nat_network (fixture->settings, "natnet1", add,
                                               G_N_ELEMENTS (add), &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "NAT network 'natnet1' already exists");
  g_clear_error (&error);

  g_assert_false (wb_settings_add_nat_network (fixture->settings, "natnet2",
                                               no_network, 1, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "A NAT network needs --network");
  g_clear_error (&error);

  assert_refused (wb_settings_add_nat_network (fixture->settings, "natnet2",
                                               add_bad, G_N_ELEMENTS (add_bad),
                                               &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  assert_refused (wb_settings_add_nat_network (fixture->settings, "", add,
                                               G_N_ELEMENTS (add), &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  assert_refused (wb_settings_modify_nat_network (fixture->settings, "natnet1",
                                                  modify_bad,
                                                  G_N_ELEMENTS (modify_bad),
                                                  &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  /* The loopback offset must fit the network. */
  assert_refused (wb_settings_modify_nat_network (fixture->settings, "natnet1",
                                                  modify_bad_loopback,
                                                  G_N_ELEMENTS (modify_bad_loopback),
                                                  &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  g_assert_false (wb_settings_modify_nat_network (fixture->settings, "natnet9",
                                                  modify, 1, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "NAT network 'natnet9' not found");
  g_clear_error (&error);

  assert_unchanged (fixture, before);

  g_assert_true (wb_settings_modify_nat_network (fixture->settings, "natnet1",
                                                 modify, G_N_ELEMENTS (modify),
                                                 &error));
  g_assert_no_error (error);
  assert_signals (fixture, changed, NULL);
  g_clear_pointer (&net, wb_nat_network_free);
  net = wb_store_load_nat_network (fixture->store, "natnet1", &error);
  g_assert_no_error (error);
  g_assert_true (net->ipv6);
  g_assert_cmpuint (net->rules->len, ==, 1);
  g_assert_cmpstr (((WbNatRule *) net->rules->pdata[0])->name, ==, "web");

  g_assert_true (wb_settings_modify_nat_network (fixture->settings, "natnet1",
                                                 NULL, 0, &error));
  assert_signals (fixture, NULL);

  /* Starting enables; stopping leaves it enabled. */
  g_assert_true (wb_settings_set_nat_network_running (fixture->settings,
                                                      "natnet1", TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&net, wb_nat_network_free);
  net = wb_store_load_nat_network (fixture->store, "natnet1", &error);
  g_assert_true (net->running);
  g_assert_true (net->enabled);
  g_assert_true (wb_settings_set_nat_network_running (fixture->settings,
                                                      "natnet1", FALSE, &error));
  g_clear_pointer (&net, wb_nat_network_free);
  net = wb_store_load_nat_network (fixture->store, "natnet1", &error);
  g_assert_false (net->running);
  g_assert_true (net->enabled);
  assert_signals (fixture, changed, changed, NULL);
  assert_refused (wb_settings_set_nat_network_running (fixture->settings,
                                                       "natnet9", TRUE, &error),
                  &error, WB_ERROR_NOT_FOUND);

  /* Removing the network takes its DHCP server along. */
  g_assert_true (wb_settings_add_dhcp_server (fixture->settings, "natnet1", dhcp,
                                              G_N_ELEMENTS (dhcp), &error));
  g_assert_no_error (error);
  assert_signals (fixture, dhcp_added, NULL);
  g_assert_true (wb_settings_remove_nat_network (fixture->settings, "natnet1",
                                                 &error));
  g_assert_no_error (error);
  assert_signals (fixture, removed, dhcp_removed, NULL);
  g_assert_null (wb_store_load_dhcp_server (fixture->store, "natnet1", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (wb_settings_remove_nat_network (fixture->settings, "natnet1",
                                                  &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  assert_signals (fixture, NULL);
}

/* --- host-only interfaces and DHCP servers ------------------------------ */

static void
assert_dhcp_server (Fixture    *fixture,
                    const char *network_name,
                    const char *server_ip,
                    const char *lower_ip,
                    const char *upper_ip,
                    gboolean    enabled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbDhcpServer) server = wb_store_load_dhcp_server (fixture->store,
                                                              network_name,
                                                              &error);

  g_assert_no_error (error);
  g_assert_cmpstr (server->server_ip, ==, server_ip);
  g_assert_cmpstr (server->netmask, ==, "255.255.255.0");
  g_assert_cmpstr (server->lower_ip, ==, lower_ip);
  g_assert_cmpstr (server->upper_ip, ==, upper_ip);
  g_assert_cmpint (server->enabled, ==, enabled);
}

static char *
create_host_only_if (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  char *name = wb_settings_create_host_only_if (fixture->settings, &error);

  g_assert_no_error (error);
  g_assert_nonnull (name);
  return name;
}

static void
test_host_only (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = create_host_only_if (fixture);
  g_autofree char *second = NULL;
  g_autofree char *again = NULL;
  g_autofree char *added0 = sig ("added", WB_OBJECT_HOST_ONLY_IF, "vboxnet0");
  g_autofree char *removed0 = sig ("removed", WB_OBJECT_HOST_ONLY_IF, "vboxnet0");
  g_autofree char *changed1 = sig ("changed", WB_OBJECT_HOST_ONLY_IF, "vboxnet1");
  g_autofree char *dhcp_added0 = sig ("added", WB_OBJECT_DHCP_SERVER,
                                      "HostInterfaceNetworking-vboxnet0");
  g_autofree char *dhcp_removed0 = sig ("removed", WB_OBJECT_DHCP_SERVER,
                                        "HostInterfaceNetworking-vboxnet0");
  g_autoptr(WbHostOnlyIf) hif = NULL;
  g_autofree char *before = NULL;

  g_assert_cmpstr (first, ==, "vboxnet0");
  assert_signals (fixture, added0, dhcp_added0, NULL);
  assert_dhcp_server (fixture, "HostInterfaceNetworking-vboxnet0",
                      "192.168.56.100", "192.168.56.101", "192.168.56.254", TRUE);
  hif = wb_store_load_host_only_if (fixture->store, "vboxnet0", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hif->ip, ==, "192.168.56.1");

  second = create_host_only_if (fixture);
  g_assert_cmpstr (second, ==, "vboxnet1");
  assert_dhcp_server (fixture, "HostInterfaceNetworking-vboxnet1",
                      "192.168.57.100", "192.168.57.101", "192.168.57.254", TRUE);
  g_ptr_array_set_size (fixture->signals, 0);

  /* Remove, then create: the lowest free index comes back. */
  g_assert_true (wb_settings_remove_host_only_if (fixture->settings, "vboxnet0",
                                                  &error));
  g_assert_no_error (error);
  assert_signals (fixture, removed0, dhcp_removed0, NULL);
  g_assert_null (wb_store_load_dhcp_server (fixture->store,
                                            "HostInterfaceNetworking-vboxnet0",
                                            &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  again = create_host_only_if (fixture);
  g_assert_cmpstr (again, ==, "vboxnet0");
  assert_signals (fixture, added0, dhcp_added0, NULL);

  g_assert_false (wb_settings_remove_host_only_if (fixture->settings, "vboxnet7",
                                                   &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "Host-only interface 'vboxnet7' not found");
  g_clear_error (&error);

  /* ipconfig */
  before = wb_test_dump_db (fixture->path);
  assert_refused (wb_settings_configure_host_only_if (fixture->settings,
                                                      "vboxnet1", "192.168.57",
                                                      "255.255.255.0", &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);
  assert_refused (wb_settings_configure_host_only_if (fixture->settings,
                                                      "vboxnet1", "10.1.1.1",
                                                      "255.0.255.0", &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);
  assert_refused (wb_settings_configure_host_only_if (fixture->settings,
                                                      "vboxnet5", "10.1.1.1",
                                                      "255.255.0.0", &error),
                  &error, WB_ERROR_NOT_FOUND);
  assert_unchanged (fixture, before);

  g_assert_true (wb_settings_configure_host_only_if (fixture->settings,
                                                     "vboxnet1", "10.1.1.1",
                                                     "255.255.0.0", &error));
  g_assert_no_error (error);
  assert_signals (fixture, changed1, NULL);
  g_clear_pointer (&hif, wb_host_only_if_free);
  hif = wb_store_load_host_only_if (fixture->store, "vboxnet1", &error);
  g_assert_cmpstr (hif->ip, ==, "10.1.1.1");
  g_assert_cmpstr (hif->netmask, ==, "255.255.0.0");
  g_assert_true (wb_settings_configure_host_only_if (fixture->settings,
                                                     "vboxnet1", "10.1.1.2",
                                                     NULL, &error));
  g_clear_pointer (&hif, wb_host_only_if_free);
  hif = wb_store_load_host_only_if (fixture->store, "vboxnet1", &error);
  g_assert_cmpstr (hif->netmask, ==, "255.255.255.0");
}

static void
test_host_only_keeps_dhcp (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbDhcpServer) custom = wb_dhcp_server_new ("HostInterfaceNetworking-vboxnet0");
  g_autofree char *name = NULL;
  g_autofree char *added0 = sig ("added", WB_OBJECT_HOST_ONLY_IF, "vboxnet0");

  /* A server left from before (as an older engine could leave it). */
  wb_test_set_str (&custom->server_ip, "192.168.56.2");
  wb_test_set_str (&custom->netmask, "255.255.255.0");
  wb_test_set_str (&custom->lower_ip, "192.168.56.10");
  wb_test_set_str (&custom->upper_ip, "192.168.56.20");
  g_assert_true (wb_store_insert_dhcp_server (fixture->store, custom, &error));
  g_assert_no_error (error);

  name = create_host_only_if (fixture);
  g_assert_cmpstr (name, ==, "vboxnet0");
  assert_signals (fixture, added0, NULL);
  assert_dhcp_server (fixture, "HostInterfaceNetworking-vboxnet0",
                      "192.168.56.2", "192.168.56.10", "192.168.56.20", FALSE);
}

static void
test_host_only_in_use (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = create_host_only_if (fixture);
  g_autofree char *uuid = create_vm (fixture, "guest");
  g_autofree char *before = NULL;
  const WbVmChange changes[] = {
    { "nic", 1, "hostonly" },
    { "hostonlyadapter", 1, "vboxnet0" },
  };

  g_assert_true (wb_settings_modify_vm (fixture->settings, uuid, changes,
                                        G_N_ELEMENTS (changes), &error));
  g_assert_no_error (error);
  wb_settings_set_vm_running (fixture->settings, uuid, TRUE);
  g_ptr_array_set_size (fixture->signals, 0);

  before = wb_test_dump_db (fixture->path);
  assert_refused (wb_settings_remove_host_only_if (fixture->settings, "vboxnet0",
                                                   &error),
                  &error, WB_ERROR_BUSY);
  assert_unchanged (fixture, before);

  wb_settings_set_vm_running (fixture->settings, uuid, FALSE);
  g_assert_true (wb_settings_remove_host_only_if (fixture->settings, "vboxnet0",
                                                  &error));
  g_assert_no_error (error);
}

static void
test_dhcp_server (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *added = sig ("added", WB_OBJECT_DHCP_SERVER, "lab");
  g_autofree char *changed = sig ("changed", WB_OBJECT_DHCP_SERVER, "lab");
  g_autofree char *removed = sig ("removed", WB_OBJECT_DHCP_SERVER, "lab");
  const WbOption add[] = {
    { "server-ip", "10.0.0.2" },
    { "netmask", "255.255.255.0" },
    { "lower-ip", "10.0.0.10" },
    { "upper-ip", "10.0.0.100" },
  };
  const WbOption reversed[] = {
    { "server-ip", "10.0.0.2" },
    { "netmask", "255.255.255.0" },
    { "lower-ip", "10.0.0.100" },
    { "upper-ip", "10.0.0.10" },
  };
  const WbOption outside[] = {
    { "server-ip", "10.0.0.2" },
    { "netmask", "255.255.255.0" },
    { "lower-ip", "10.0.0.10" },
    { "upper-ip", "10.0.1.10" },
  };
  const WbOption incomplete[] = {
    { "server-ip", "10.0.0.2" },
    { "netmask", "255.255.255.0" },
    { "lower-ip", "10.0.0.10" },
    { "enable", "" },
  };
  const WbOption modify_bad[] = {
    { "enable", "" },
    { "upper-ip", "10.0.0.5" },
  };
  const WbOption modify[] = {
    { "upper-ip", "10.0.0.200" },
    { "enable", "" },
  };

  /* Without --enable a new server is disabled. */
  g_assert_true (wb_settings_add_dhcp_server (fixture->settings, "lab", add,
                                              G_N_ELEMENTS (add), &error));
  g_assert_no_error (error);
  assert_signals (fixture, added, NULL);
  assert_dhcp_server (fixture, "lab", "10.0.0.2", "10.0.0.10", "10.0.0.100",
                      FALSE);

  before = wb_test_dump_db (fixture->path);

  g_assert_false (wb_settings_add_dhcp_server (fixture->settings, "lab", add,
                                               G_N_ELEMENTS (add), &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==,
                   "DHCP server for network 'lab' already exists");
  g_clear_error (&error);

  assert_refused (wb_settings_add_dhcp_server (fixture->settings, "lab2",
                                               reversed, G_N_ELEMENTS (reversed),
                                               &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  assert_refused (wb_settings_add_dhcp_server (fixture->settings, "lab2",
                                               outside, G_N_ELEMENTS (outside),
                                               &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  assert_refused (wb_settings_add_dhcp_server (fixture->settings, "lab2",
                                               incomplete,
                                               G_N_ELEMENTS (incomplete), &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  assert_refused (wb_settings_add_dhcp_server (fixture->settings, "", add,
                                               G_N_ELEMENTS (add), &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  /* --interface vboxnet9 needs vboxnet9. */
  g_assert_false (wb_settings_add_dhcp_server (fixture->settings,
                                               "HostInterfaceNetworking-vboxnet9",
                                               add, G_N_ELEMENTS (add), &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "Host-only interface 'vboxnet9' not found");
  g_clear_error (&error);

  assert_refused (wb_settings_modify_dhcp_server (fixture->settings, "lab",
                                                  modify_bad,
                                                  G_N_ELEMENTS (modify_bad),
                                                  &error),
                  &error, WB_ERROR_INVALID_ARGUMENT);

  g_assert_false (wb_settings_modify_dhcp_server (fixture->settings, "nolab",
                                                  modify, G_N_ELEMENTS (modify),
                                                  &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "DHCP server for network 'nolab' not found");
  g_clear_error (&error);

  assert_unchanged (fixture, before);

  g_assert_true (wb_settings_modify_dhcp_server (fixture->settings, "lab",
                                                 modify, G_N_ELEMENTS (modify),
                                                 &error));
  g_assert_no_error (error);
  assert_signals (fixture, changed, NULL);
  assert_dhcp_server (fixture, "lab", "10.0.0.2", "10.0.0.10", "10.0.0.200",
                      TRUE);

  g_assert_true (wb_settings_remove_dhcp_server (fixture->settings, "lab",
                                                 &error));
  g_assert_no_error (error);
  assert_signals (fixture, removed, NULL);
  g_assert_false (wb_settings_remove_dhcp_server (fixture->settings, "lab",
                                                  &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  assert_signals (fixture, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/settings/vm/lifecycle", test_vm_lifecycle);
  ADD ("/settings/vm/duplicate", test_vm_duplicate);
  ADD ("/settings/vm/unregistered", test_vm_unregistered);
  ADD ("/settings/vm/modify", test_vm_modify);
  ADD ("/settings/vm/all-or-nothing", test_vm_all_or_nothing);
  ADD ("/settings/vm/mac-unique", test_vm_mac_unique);
  ADD ("/settings/vm/running", test_vm_running);
  ADD ("/settings/vm/running-changes", test_vm_running_changes);
  ADD ("/settings/vm/guest-settings", test_vm_guest_settings);
  ADD ("/settings/nat-network", test_nat_network);
  ADD ("/settings/host-only", test_host_only);
  ADD ("/settings/host-only/keeps-dhcp", test_host_only_keeps_dhcp);
  ADD ("/settings/host-only/in-use", test_host_only_in_use);
  ADD ("/settings/dhcp-server", test_dhcp_server);

#undef ADD

  return g_test_run ();
}
