/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * WbStore: schema, migrations, round trips of every stored object, cascades
 * and durability. Objects are filled field by field (not through the model's
 * parsers) so that a column the store forgets shows up as a difference.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wb-error.h"
#include "wb-store.h"
#include "wb-test-util.h"

typedef struct
{
  char    *dir;
  char    *path;
  WbStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->store = wb_test_open_tmp_store ("wb-test-store-XXXXXX",
                                           &fixture->dir, &fixture->path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  wb_test_rm_rf (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static void
reopen (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&fixture->store);
  fixture->store = wb_store_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->store);
}

static gint64
query (WbStore    *store,
       const char *sql)
{
  g_autoptr(GError) error = NULL;
  gint64 value = -1;

  g_assert_true (wb_store_query_int (store, sql, &value, &error));
  g_assert_no_error (error);
  return value;
}

/* Runs @sql on a connection of the test's own, outside any WbStore. */
static void
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static char *
raw_query_text (const char *path,
                const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *text;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return text;
}

/* --- objects to store --------------------------------------------------- */

static void
add_property (WbAdapter  *adapter,
              const char *name,
              const char *value)
{
  WbProperty *prop = g_new0 (WbProperty, 1);

  prop->name = g_strdup (name);
  prop->value = g_strdup (value);
  g_ptr_array_add (adapter->generic_props, prop);
}

/* Every field of every adapter differs from the defaults and from the other
 * adapters, so a swapped or forgotten column is seen. */
static WbVm *
make_full_vm (const char *name)
{
  WbVm *vm = wb_vm_new (name);

  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      WbAdapter *adapter = &vm->adapters[i];
      g_autofree char *text = NULL;

      adapter->enabled = i % 2 == 0;
      adapter->attachment = (WbAttachment) (i % WB_N_ATTACHMENTS);
      adapter->type = (WbNicType) ((i + 2) % WB_N_NIC_TYPES);
      text = g_strdup_printf ("0800270000%02X", i + (guint) (g_str_hash (name) & 0x70));
      g_strlcpy (adapter->mac, text, sizeof adapter->mac);
      adapter->cable_connected = i % 3 != 0;
      adapter->promisc = (WbPromisc) (i % WB_N_PROMISC);
      adapter->trace = i % 2 == 1;
      g_free (text);
      text = g_strdup_printf ("/tmp/trace %u ü.pcap", i);
      wb_test_set_str (&adapter->trace_file, text);
      adapter->speed_kbps = 1000000 + i;
      g_free (text);
      text = g_strdup_printf ("lab-%u", i);
      wb_test_set_str (&adapter->intnet, text);
      g_free (text);
      text = g_strdup_printf ("natnet-%u", i);
      wb_test_set_str (&adapter->nat_network, text);
      g_free (text);
      text = g_strdup_printf ("eth%u", i);
      wb_test_set_str (&adapter->bridge_adapter, text);
      g_free (text);
      text = g_strdup_printf ("vboxnet%u", i);
      wb_test_set_str (&adapter->hostonly_adapter, text);
      wb_test_set_str (&adapter->generic_driver, i % 2 ? "VDE" : "UDPTunnel");
      add_property (adapter, "dest", "10.9.9.9");
      add_property (adapter, "sport", "10001");
      g_free (text);
      text = g_strdup_printf ("192.168.%u.0/24", 100 + i);
      wb_test_set_str (&adapter->natnet, text);
      adapter->nat_localhost_reachable = i % 2 == 1;
      adapter->nat_mtu = 1400 + i;
      vm->guest[i].dhcp = i % 3 == 0;
      vm->guest[i].address = 0x0a000001 + (i << 8);
      vm->guest[i].prefix = 16 + i;
      vm->guest[i].gateway = 0x0a0000fe + (i << 8);
      vm->guest[i].mtu = 1000 + i;
      vm->guest[i].masquerade = i % 2 == 0;
      /* Not in name order, to see that the order added is kept. */
      g_ptr_array_add (adapter->nat_rules,
                       wb_nat_rule_new ("web", WB_PROTO_TCP, "127.0.0.1",
                                        8080 + i, "10.0.2.15", 80));
      g_ptr_array_add (adapter->nat_rules,
                       wb_nat_rule_new ("dns", WB_PROTO_UDP, "", 5353 + i, "",
                                        53));
      g_ptr_array_add (adapter->nat_rules,
                       wb_nat_rule_new ("a-ssh", WB_PROTO_TCP, "", 2222 + i, "",
                                        22));
    }

  vm->ip_forward = TRUE;
  g_assert_true (wb_vm_apply_guest (vm, "service", 0, "tcp:7:echo", NULL));
  g_assert_true (wb_vm_apply_guest (vm, "service", 0, "tcp:22:http", NULL));
  return vm;
}

static WbNatNetwork *
make_nat_network (const char *name)
{
  WbNatNetwork *net = wb_nat_network_new (name);
  WbLoopbackMap *map = g_new0 (WbLoopbackMap, 1);

  wb_test_set_str (&net->network, "192.168.22.0/24");
  net->enabled = FALSE;
  net->dhcp = FALSE;
  net->ipv6 = TRUE;
  wb_test_set_str (&net->ipv6_prefix, "fd00:1::/64");
  net->running = TRUE;
  g_ptr_array_add (net->rules,
                   wb_nat_rule_new ("ssh", WB_PROTO_TCP, "", 1022,
                                    "192.168.22.5", 22));
  g_ptr_array_add (net->rules,
                   wb_nat_rule_new ("dns", WB_PROTO_UDP, "127.0.0.1", 1053,
                                    "192.168.22.6", 53));
  map->address = g_strdup ("127.0.0.9");
  map->offset = 9;
  g_ptr_array_add (net->loopback, map);
  return net;
}

/* --- tests -------------------------------------------------------------- */

static void
test_schema_fresh (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *journal = NULL;

  g_assert_cmpuint (wb_store_get_schema_version (fixture->store), ==, 3);
  g_assert_cmpstr (wb_store_get_path (fixture->store), ==, fixture->path);
  g_assert_cmpint (query (fixture->store, "PRAGMA user_version"), ==, 3);
  /* Per connection, so asked of the store's own. */
  g_assert_cmpint (query (fixture->store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query (fixture->store, "PRAGMA synchronous"), ==, 1);
  g_assert_cmpint (query (fixture->store, "PRAGMA busy_timeout"), ==, 5000);
  /* WAL is a property of the file: another connection sees it. */
  journal = raw_query_text (fixture->path, "PRAGMA journal_mode");
  g_assert_cmpstr (journal, ==, "wal");

  g_assert_cmpint (query (fixture->store,
                          "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                          " AND name IN ('vm', 'adapter', 'generic_property',"
                          " 'nat_rule', 'nat_network', 'nat_network_rule',"
                          " 'nat_network_loopback', 'host_only_if',"
                          " 'dhcp_server', 'dhcp_lease', 'vm_service')"), ==, 11);
  g_assert_cmpint (query (fixture->store,
                          "SELECT count(*) FROM pragma_table_info('adapter')"
                          " WHERE name IN ('nat_localhost_reachable', 'nat_mtu')"),
                   ==, 2);
  g_assert_cmpint (query (fixture->store,
                          "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                          " AND name IN ('adapter_mac', 'adapter_intnet')"), ==, 2);

  /* Opening again migrates nothing and keeps the version. */
  reopen (fixture);
  g_assert_cmpuint (wb_store_get_schema_version (fixture->store), ==, 3);
}

static void
test_schema_newer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autofree char *dir = wb_test_make_tmp_dir ("wb-test-store-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "wirebox.db", NULL);
  g_autofree char *expected = NULL;

  raw_exec (path, "CREATE TABLE t (x); PRAGMA user_version = 7;");

  store = wb_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_SUPPORTED);
  expected = g_strdup_printf ("Settings database '%s' was written by a newer "
                              "Wirebox (schema 7; this build knows %d)", path,
                              WB_STORE_SCHEMA_VERSION);
  g_assert_cmpstr (error->message, ==, expected);

  /* Nothing was changed on the way. */
  g_clear_error (&error);
  store = wb_store_open_at_version (path, 1, &error);
  g_assert_null (store);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_SUPPORTED);

  wb_test_rm_rf (dir);
}

static void
test_migrations_in_turn (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autoptr(WbVm) vm = NULL;
  g_autofree char *dir = wb_test_make_tmp_dir ("wb-test-store-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "wirebox.db", NULL);
  GString *sql = g_string_new (NULL);

  store = wb_store_open_at_version (path, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wb_store_get_schema_version (store), ==, 1);
  g_assert_cmpint (query (store, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (query (store,
                          "SELECT count(*) FROM pragma_table_info('adapter')"
                          " WHERE name = 'nat_mtu'"), ==, 0);
  g_assert_cmpint (query (store,
                          "SELECT count(*) FROM sqlite_master"
                          " WHERE name = 'dhcp_lease'"), ==, 0);
  g_clear_object (&store);

  /* A v1 database as a v1 build wrote it. */
  g_string_append (sql,
                   "INSERT INTO vm (id, uuid, name, registered) VALUES"
                   " (7, '9d3c7ae8-4f0a-4b53-9a43-5d8fb3c6b8a1', 'old', 1);");
  for (guint slot = 1; slot <= WB_MAX_ADAPTERS; slot++)
    g_string_append_printf (sql,
                            "INSERT INTO adapter (vm_id, slot, enabled, attachment,"
                            " type, mac, cable, promisc, trace, trace_file, speed,"
                            " intnet, nat_network, bridge_adapter, hostonly_adapter,"
                            " generic_driver, natnet) VALUES (7, %u, %d, '%s',"
                            " '82540EM', '08002700AA0%u', 1, 'allow-all', 0, '',"
                            " 0, 'lab', '', '', 'vboxnet0', '', '');",
                            slot, slot == 1, slot == 1 ? "nat" : "intnet", slot);
  g_string_append (sql,
                   "INSERT INTO nat_rule VALUES"
                   " (7, 1, 0, 'ssh', 'tcp', '', 2222, '', 22);"
                   "INSERT INTO generic_property VALUES (7, 2, 'dest', 'x');"
                   "INSERT INTO dhcp_server VALUES ('lab', '10.0.0.2',"
                   " '255.255.255.0', '10.0.0.10', '10.0.0.20', 1);");
  raw_exec (path, sql->str);
  g_string_free (sql, TRUE);

  store = wb_store_open_at_version (path, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wb_store_get_schema_version (store), ==, 2);
  g_assert_cmpint (query (store, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (query (store,
                          "SELECT count(*) FROM sqlite_master"
                          " WHERE name = 'dhcp_lease'"), ==, 1);

  /* The columns v2 added, at their defaults (this build reads only the
   * newest schema, so look at the rows themselves). */
  g_assert_cmpint (query (store,
                          "SELECT count(*) FROM adapter WHERE vm_id = 7"
                          " AND nat_mtu = 0 AND NOT nat_localhost_reachable"), ==, 8);
  g_clear_object (&store);

  /* On to v3: guest settings at their defaults, and the services every
   * guest ran before they could be chosen. */
  g_clear_pointer (&vm, wb_vm_free);
  store = wb_store_open (path, &error);
  g_assert_no_error (error);
  vm = wb_store_load_vm (store, "old", &error);
  g_assert_no_error (error);
  g_assert_cmpint (vm->id, ==, 7);
  g_assert_cmpstr (vm->uuid, ==, "9d3c7ae8-4f0a-4b53-9a43-5d8fb3c6b8a1");
  g_assert_true (vm->registered);
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      const WbAdapter *adapter = &vm->adapters[i];
      g_autofree char *mac = g_strdup_printf ("08002700AA0%u", i + 1);

      g_assert_cmpuint (adapter->slot, ==, i + 1);
      g_assert_cmpint (adapter->enabled, ==, i == 0);
      g_assert_cmpint (adapter->attachment, ==,
                       i == 0 ? WB_ATTACHMENT_NAT : WB_ATTACHMENT_INTNET);
      g_assert_cmpint (adapter->type, ==, WB_NIC_TYPE_82540EM);
      g_assert_cmpstr (adapter->mac, ==, mac);
      g_assert_cmpint (adapter->promisc, ==, WB_PROMISC_ALLOW_ALL);
      g_assert_cmpstr (adapter->intnet, ==, "lab");
      g_assert_cmpstr (adapter->hostonly_adapter, ==, "vboxnet0");
      /* The columns v2 added, at their defaults. */
      g_assert_false (adapter->nat_localhost_reachable);
      g_assert_cmpuint (adapter->nat_mtu, ==, 0);
      g_assert_cmpuint (adapter->nat_rules->len, ==, i == 0 ? 1 : 0);
      g_assert_cmpuint (adapter->generic_props->len, ==, i == 1 ? 1 : 0);
    }
  g_assert_cmpstr (((WbNatRule *) g_ptr_array_index (vm->adapters[0].nat_rules, 0))->name,
                   ==, "ssh");

  g_assert_cmpuint (wb_store_get_schema_version (store), ==, 3);
  g_assert_false (vm->ip_forward);
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      g_assert_true (vm->guest[i].dhcp);
      g_assert_cmpuint (vm->guest[i].mtu, ==, 0);
    }
  g_assert_cmpuint (vm->services->len, ==, 2);
  g_assert_cmpuint (g_array_index (vm->services, WbVmService, 0).port, ==, 22);
  g_assert_cmpint (g_array_index (vm->services, WbVmService, 1).kind, ==, WB_VM_SERVICE_HTTP);

  /* The migrated database takes the new data. */
  vm->adapters[0].nat_mtu = 9000;
  vm->guest[1].dhcp = FALSE;
  vm->guest[1].address = 0xc0a81702;
  vm->guest[1].prefix = 24;
  vm->ip_forward = TRUE;
  g_assert_true (wb_store_update_vm (store, vm, &error));
  g_assert_no_error (error);
  g_clear_pointer (&vm, wb_vm_free);
  vm = wb_store_load_vm (store, "old", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vm->adapters[0].nat_mtu, ==, 9000);
  g_assert_false (vm->guest[1].dhcp);
  g_assert_cmphex (vm->guest[1].address, ==, 0xc0a81702);
  g_assert_true (vm->ip_forward);

  g_clear_object (&store);
  wb_test_rm_rf (dir);
}

static void
test_migration_atomic (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autofree char *dir = wb_test_make_tmp_dir ("wb-test-store-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "wirebox.db", NULL);

  store = wb_store_open_at_version (path, 1, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  /* A table in the way makes step 1 -> 2 fail after its ALTER TABLEs. */
  raw_exec (path, "CREATE TABLE dhcp_lease (x);");
  store = wb_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, WB_ERROR, WB_ERROR_FAILED);
  g_clear_error (&error);

  store = wb_store_open_at_version (path, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wb_store_get_schema_version (store), ==, 1);
  g_assert_cmpint (query (store,
                          "SELECT count(*) FROM pragma_table_info('adapter')"
                          " WHERE name = 'nat_localhost_reachable'"), ==, 0);
  g_clear_object (&store);

  g_assert_null (wb_store_open_at_version (path, WB_STORE_SCHEMA_VERSION + 1,
                                           &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);

  wb_test_rm_rf (dir);
}

static void
test_vm_round_trip (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = make_full_vm ("full");
  g_autoptr(WbVm) loaded = NULL;
  g_autoptr(WbVm) by_uuid = NULL;

  g_assert_cmpint (vm->id, ==, 0);
  g_assert_true (wb_store_insert_vm (fixture->store, vm, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vm->id, >, 0);

  reopen (fixture);
  loaded = wb_store_load_vm (fixture->store, "full", &error);
  g_assert_no_error (error);
  wb_test_assert_vms_equal (vm, loaded);
  by_uuid = wb_store_load_vm (fixture->store, vm->uuid, &error);
  g_assert_no_error (error);
  wb_test_assert_vms_equal (vm, by_uuid);

  /* An update rewrites every column, rule and property. */
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      WbAdapter *adapter = &vm->adapters[i];

      adapter->enabled = !adapter->enabled;
      adapter->attachment = (WbAttachment) ((i + 3) % WB_N_ATTACHMENTS);
      adapter->type = (WbNicType) (i % WB_N_NIC_TYPES);
      adapter->mac[11] = 'F';
      adapter->cable_connected = !adapter->cable_connected;
      adapter->promisc = (WbPromisc) ((i + 1) % WB_N_PROMISC);
      adapter->trace = !adapter->trace;
      wb_test_set_str (&adapter->trace_file, "");
      adapter->speed_kbps = 0;
      wb_test_set_str (&adapter->intnet, "other");
      wb_test_set_str (&adapter->nat_network, "");
      wb_test_set_str (&adapter->bridge_adapter, "");
      wb_test_set_str (&adapter->hostonly_adapter, "");
      wb_test_set_str (&adapter->generic_driver, "");
      g_ptr_array_remove_index (adapter->generic_props, 0);
      wb_test_set_str (&adapter->natnet, "");
      adapter->nat_localhost_reachable = !adapter->nat_localhost_reachable;
      adapter->nat_mtu = 0;
      g_ptr_array_remove_index (adapter->nat_rules, 1);
      g_ptr_array_add (adapter->nat_rules,
                       wb_nat_rule_new ("new", WB_PROTO_UDP, "", 999, "", 9));
    }
  wb_test_set_str (&vm->name, "renamed");
  vm->registered = FALSE;
  g_assert_true (wb_store_update_vm (fixture->store, vm, &error));
  g_assert_no_error (error);

  reopen (fixture);
  g_clear_pointer (&loaded, wb_vm_free);
  loaded = wb_store_load_vm (fixture->store, vm->uuid, &error);
  g_assert_no_error (error);
  wb_test_assert_vms_equal (vm, loaded);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM nat_rule"), ==,
                   3 * WB_MAX_ADAPTERS);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM generic_property"),
                   ==, WB_MAX_ADAPTERS);
}

static void
test_vm_lists (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) intnets = NULL;
  const char *names[] = { "zeta", "alpha", "hidden", "mid" };
  WbVm *vms[G_N_ELEMENTS (names)];

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      vms[i] = make_full_vm (names[i]);
      vms[i]->registered = i != 2;
      wb_test_set_str (&vms[i]->adapters[3].intnet,
                       i == 2 ? "secret" : "shared");
      g_assert_true (wb_store_insert_vm (fixture->store, vms[i], &error));
      g_assert_no_error (error);
    }

  /* Creation order, registered only. */
  list = wb_store_list_vms (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((WbVm *) list->pdata[0])->name, ==, "zeta");
  g_assert_cmpstr (((WbVm *) list->pdata[1])->name, ==, "alpha");
  g_assert_cmpstr (((WbVm *) list->pdata[2])->name, ==, "mid");
  g_assert_cmpstr (((WbVm *) list->pdata[2])->uuid, ==, vms[3]->uuid);
  g_assert_cmpint (((WbVm *) list->pdata[2])->id, ==, vms[3]->id);

  all = wb_store_load_all_vms (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  wb_test_assert_vms_equal (vms[0], all->pdata[0]);
  wb_test_assert_vms_equal (vms[1], all->pdata[1]);
  wb_test_assert_vms_equal (vms[3], all->pdata[2]);

  /* An unregistered VM is still found by load_vm (its name stays taken). */
  {
    g_autoptr(WbVm) hidden = wb_store_load_vm (fixture->store, "hidden", &error);

    g_assert_no_error (error);
    wb_test_assert_vms_equal (vms[2], hidden);
  }

  intnets = wb_store_list_intnets (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (intnets->len, ==, WB_MAX_ADAPTERS);
  g_assert_cmpstr (intnets->pdata[0], ==, "lab-0");
  g_assert_cmpstr (intnets->pdata[3], ==, "lab-4");
  g_assert_cmpstr (intnets->pdata[7], ==, "shared");
  for (guint i = 0; i < intnets->len; i++)
    g_assert_cmpstr (intnets->pdata[i], !=, "secret");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    wb_vm_free (vms[i]);
}

static void
test_vm_errors (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = make_full_vm ("dup");
  g_autoptr(WbVm) twin = make_full_vm ("dup");
  g_autoptr(WbVm) same_uuid = make_full_vm ("other");
  g_autoptr(WbVm) missing = NULL;

  g_assert_true (wb_store_insert_vm (fixture->store, vm, &error));
  g_assert_no_error (error);

  g_assert_false (wb_store_insert_vm (fixture->store, twin, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "A VM named 'dup' already exists");
  g_assert_cmpint (twin->id, ==, 0);
  g_clear_error (&error);

  wb_test_set_str (&same_uuid->uuid, vm->uuid);
  g_assert_false (wb_store_insert_vm (fixture->store, same_uuid, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_clear_error (&error);

  /* A failed insert leaves nothing behind. */
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM vm"), ==, 1);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM adapter"), ==,
                   WB_MAX_ADAPTERS);

  /* Nor does one that fails after the vm and adapter rows were written:
   * two rules of one name on an adapter break UNIQUE (vm_id, slot, name). */
  wb_test_set_str (&twin->name, "twin");
  wb_test_set_str (&twin->uuid, "22222222-2222-4222-8222-222222222222");
  g_ptr_array_add (twin->adapters[6].nat_rules,
                   wb_nat_rule_new ("web", WB_PROTO_UDP, "", 1, "", 1));
  g_assert_false (wb_store_insert_vm (fixture->store, twin, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_FAILED);
  g_assert_cmpint (twin->id, ==, 0);
  g_clear_error (&error);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM vm"), ==, 1);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM adapter"), ==,
                   WB_MAX_ADAPTERS);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM nat_rule"), ==,
                   3 * WB_MAX_ADAPTERS);

  /* The same for an update: the stored VM stays as it was. */
  twin->id = vm->id;
  wb_test_set_str (&twin->name, "dup");
  wb_test_set_str (&twin->uuid, vm->uuid);
  g_assert_false (wb_store_update_vm (fixture->store, twin, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_FAILED);
  g_clear_error (&error);
  {
    g_autoptr(WbVm) reloaded = wb_store_load_vm (fixture->store, "dup", &error);

    g_assert_no_error (error);
    wb_test_assert_vms_equal (vm, reloaded);
  }
  twin->id = 0;

  missing = wb_store_load_vm (fixture->store, "nope", &error);
  g_assert_null (missing);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "Could not find a registered machine named 'nope'");
  g_clear_error (&error);

  missing = wb_store_load_vm (fixture->store,
                              "00000000-0000-4000-8000-000000000000", &error);
  g_assert_null (missing);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (wb_store_delete_vm (fixture->store, vm->id + 100, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  twin->id = vm->id + 100;
  g_assert_false (wb_store_update_vm (fixture->store, twin, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Renaming onto a taken name. */
  wb_test_set_str (&same_uuid->uuid, "11111111-1111-4111-8111-111111111111");
  g_assert_true (wb_store_insert_vm (fixture->store, same_uuid, &error));
  g_assert_no_error (error);
  wb_test_set_str (&same_uuid->name, "dup");
  g_assert_false (wb_store_update_vm (fixture->store, same_uuid, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
}

static void
test_vm_cascade (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = make_full_vm ("gone");
  g_autoptr(WbVm) kept = make_full_vm ("kept");
  g_autoptr(WbVm) missing = NULL;

  g_assert_true (wb_store_insert_vm (fixture->store, vm, &error));
  g_assert_true (wb_store_insert_vm (fixture->store, kept, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM nat_rule"), ==,
                   2 * 3 * WB_MAX_ADAPTERS);

  g_assert_true (wb_store_delete_vm (fixture->store, vm->id, &error));
  g_assert_no_error (error);

  /* Only ON DELETE CASCADE with foreign_keys on removes these. */
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM vm"), ==, 1);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM adapter"), ==,
                   WB_MAX_ADAPTERS);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM nat_rule"), ==,
                   3 * WB_MAX_ADAPTERS);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM generic_property"),
                   ==, 2 * WB_MAX_ADAPTERS);
  g_assert_cmpint (query (fixture->store,
                          "SELECT count(*) FROM adapter WHERE vm_id NOT IN"
                          " (SELECT id FROM vm)"), ==, 0);

  missing = wb_store_load_vm (fixture->store, "gone", &error);
  g_assert_null (missing);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
}

static void
test_vm_mac_in_use (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = make_full_vm ("macs");
  gboolean in_use = TRUE;

  g_assert_true (wb_store_insert_vm (fixture->store, vm, &error));
  g_assert_no_error (error);

  g_assert_true (wb_store_mac_in_use (fixture->store, vm->adapters[5].mac, 0,
                                      &in_use, &error));
  g_assert_no_error (error);
  g_assert_true (in_use);

  /* Its own VM does not count. */
  g_assert_true (wb_store_mac_in_use (fixture->store, vm->adapters[5].mac,
                                      vm->id, &in_use, &error));
  g_assert_false (in_use);

  g_assert_true (wb_store_mac_in_use (fixture->store, "080027ABCDEF", 0,
                                      &in_use, &error));
  g_assert_false (in_use);
}

static void
test_transaction (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = make_full_vm ("tx");
  g_autoptr(WbVm) missing = NULL;

  g_assert_true (wb_store_begin (fixture->store, &error));
  g_assert_true (wb_store_insert_vm (fixture->store, vm, &error));
  g_assert_no_error (error);
  wb_store_rollback (fixture->store);

  missing = wb_store_load_vm (fixture->store, "tx", &error);
  g_assert_null (missing);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM adapter"), ==, 0);

  /* A rollback without a transaction is harmless; a nested begin fails. */
  wb_store_rollback (fixture->store);
  g_assert_true (wb_store_begin (fixture->store, &error));
  g_assert_false (wb_store_begin (fixture->store, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_FAILED);
  g_clear_error (&error);
  vm->id = 0;
  g_assert_true (wb_store_insert_vm (fixture->store, vm, &error));
  g_assert_true (wb_store_commit (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query (fixture->store, "SELECT count(*) FROM vm"), ==, 1);
}

/* A committed transaction survives kill -9 of the process that made it:
 * WAL with synchronous=NORMAL. */
static void
test_durability (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) loaded = NULL;
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  GStatBuf st;
  int status = 0;
  pid_t pid;

  g_clear_object (&fixture->store);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      WbStore *store = wb_store_open (fixture->path, NULL);
      WbVm *vm = make_full_vm ("survivor");

      if (store == NULL ||
          !wb_store_begin (store, NULL) ||
          !wb_store_insert_vm (store, vm, NULL) ||
          !wb_store_commit (store, NULL))
        _exit (1);
      raise (SIGKILL);
      _exit (2);
    }

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  /* The commit is in the WAL, never checkpointed by a clean close. */
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);

  reopen (fixture);
  loaded = wb_store_load_vm (fixture->store, "survivor", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->adapters[7].nat_rules->len, ==, 3);
}

static void
test_nat_network_round_trip (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbNatNetwork) net = make_nat_network ("net-b");
  g_autoptr(WbNatNetwork) other = wb_nat_network_new ("net-a");
  g_autoptr(WbNatNetwork) loaded = NULL;
  g_autoptr(GPtrArray) list = NULL;

  g_assert_true (wb_store_insert_nat_network (fixture->store, net, &error));
  g_assert_true (wb_store_insert_nat_network (fixture->store, other, &error));
  g_assert_no_error (error);

  reopen (fixture);
  loaded = wb_store_load_nat_network (fixture->store, "net-b", &error);
  g_assert_no_error (error);
  wb_test_assert_nat_networks_equal (net, loaded);

  list = wb_store_list_nat_networks (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  wb_test_assert_nat_networks_equal (other, list->pdata[0]);
  wb_test_assert_nat_networks_equal (net, list->pdata[1]);

  /* Update: rules and mappings rewritten, in order. */
  g_ptr_array_remove_index (net->rules, 0);
  g_ptr_array_add (net->rules,
                   wb_nat_rule_new ("http", WB_PROTO_TCP, "", 8080,
                                    "192.168.22.7", 80));
  g_ptr_array_set_size (net->loopback, 0);
  wb_test_set_str (&net->network, "10.1.0.0/16");
  net->running = FALSE;
  g_assert_true (wb_store_update_nat_network (fixture->store, net, &error));
  g_assert_no_error (error);
  g_clear_pointer (&loaded, wb_nat_network_free);
  loaded = wb_store_load_nat_network (fixture->store, "net-b", &error);
  g_assert_no_error (error);
  wb_test_assert_nat_networks_equal (net, loaded);

  g_assert_false (wb_store_insert_nat_network (fixture->store, net, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "NAT network 'net-b' already exists");
  g_clear_error (&error);

  g_assert_true (wb_store_delete_nat_network (fixture->store, "net-b", &error));
  g_assert_no_error (error);
  g_assert_cmpint (query (fixture->store,
                          "SELECT count(*) FROM nat_network_rule"), ==, 0);
  g_assert_cmpint (query (fixture->store,
                          "SELECT count(*) FROM nat_network_loopback"), ==, 1);

  g_assert_false (wb_store_delete_nat_network (fixture->store, "net-b", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "NAT network 'net-b' not found");
  g_clear_error (&error);
  g_assert_null (wb_store_load_nat_network (fixture->store, "net-b", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (wb_store_update_nat_network (fixture->store, net, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
}

static void
test_host_only_round_trip (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbHostOnlyIf) ten = wb_host_only_if_new (10);
  g_autoptr(WbHostOnlyIf) two = wb_host_only_if_new (2);
  g_autoptr(WbHostOnlyIf) loaded = NULL;
  g_autoptr(GPtrArray) list = NULL;

  wb_test_set_str (&ten->ip, "10.10.10.1");
  wb_test_set_str (&ten->netmask, "255.255.0.0");
  ten->dhcp = TRUE;
  g_assert_true (wb_store_insert_host_only_if (fixture->store, ten, &error));
  g_assert_true (wb_store_insert_host_only_if (fixture->store, two, &error));
  g_assert_no_error (error);

  reopen (fixture);
  loaded = wb_store_load_host_only_if (fixture->store, "vboxnet10", &error);
  g_assert_no_error (error);
  wb_test_assert_host_only_ifs_equal (ten, loaded);

  /* By index, not by name: vboxnet2 before vboxnet10. */
  list = wb_store_list_host_only_ifs (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  wb_test_assert_host_only_ifs_equal (two, list->pdata[0]);
  wb_test_assert_host_only_ifs_equal (ten, list->pdata[1]);

  wb_test_set_str (&two->ip, "192.168.99.1");
  g_assert_true (wb_store_update_host_only_if (fixture->store, two, &error));
  g_clear_pointer (&loaded, wb_host_only_if_free);
  loaded = wb_store_load_host_only_if (fixture->store, "vboxnet2", &error);
  g_assert_no_error (error);
  wb_test_assert_host_only_ifs_equal (two, loaded);

  g_assert_false (wb_store_insert_host_only_if (fixture->store, two, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_true (wb_store_delete_host_only_if (fixture->store, "vboxnet2", &error));
  g_assert_false (wb_store_delete_host_only_if (fixture->store, "vboxnet2", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "Host-only interface 'vboxnet2' not found");
  g_clear_error (&error);
  g_assert_false (wb_store_update_host_only_if (fixture->store, two, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  wb_test_set_str (&two->name, "eth0");
  g_assert_false (wb_store_insert_host_only_if (fixture->store, two, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
}

static void
test_dhcp_round_trip (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbHostOnlyIf) hif = wb_host_only_if_new (0);
  g_autoptr(WbDhcpServer) host = wb_dhcp_server_new_for_host_only (hif);
  g_autoptr(WbDhcpServer) lab = wb_dhcp_server_new ("lab");
  g_autoptr(WbDhcpServer) loaded = NULL;
  g_autoptr(GPtrArray) list = NULL;

  wb_test_set_str (&lab->server_ip, "10.5.0.2");
  wb_test_set_str (&lab->netmask, "255.255.0.0");
  wb_test_set_str (&lab->lower_ip, "10.5.1.1");
  wb_test_set_str (&lab->upper_ip, "10.5.1.200");
  lab->enabled = FALSE;
  g_assert_true (wb_store_insert_dhcp_server (fixture->store, lab, &error));
  g_assert_true (wb_store_insert_dhcp_server (fixture->store, host, &error));
  g_assert_no_error (error);

  reopen (fixture);
  loaded = wb_store_load_dhcp_server (fixture->store,
                                      "HostInterfaceNetworking-vboxnet0", &error);
  g_assert_no_error (error);
  wb_test_assert_dhcp_servers_equal (host, loaded);

  list = wb_store_list_dhcp_servers (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  wb_test_assert_dhcp_servers_equal (host, list->pdata[0]);
  wb_test_assert_dhcp_servers_equal (lab, list->pdata[1]);

  lab->enabled = TRUE;
  wb_test_set_str (&lab->upper_ip, "10.5.1.250");
  g_assert_true (wb_store_update_dhcp_server (fixture->store, lab, &error));
  g_clear_pointer (&loaded, wb_dhcp_server_free);
  loaded = wb_store_load_dhcp_server (fixture->store, "lab", &error);
  g_assert_no_error (error);
  wb_test_assert_dhcp_servers_equal (lab, loaded);

  g_assert_false (wb_store_insert_dhcp_server (fixture->store, lab, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_true (wb_store_delete_dhcp_server (fixture->store, "lab", &error));
  g_assert_false (wb_store_delete_dhcp_server (fixture->store, "lab", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "DHCP server for network 'lab' not found");
  g_clear_error (&error);
  g_assert_null (wb_store_load_dhcp_server (fixture->store, "lab", &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/store/schema/fresh", test_schema_fresh);
  g_test_add_func ("/store/schema/newer", test_schema_newer);
  g_test_add_func ("/store/migration/v1-to-v3", test_migrations_in_turn);
  g_test_add_func ("/store/migration/atomic", test_migration_atomic);
  ADD ("/store/vm/round-trip", test_vm_round_trip);
  ADD ("/store/vm/lists", test_vm_lists);
  ADD ("/store/vm/errors", test_vm_errors);
  ADD ("/store/vm/cascade", test_vm_cascade);
  ADD ("/store/vm/mac-in-use", test_vm_mac_in_use);
  ADD ("/store/transaction", test_transaction);
  ADD ("/store/durability", test_durability);
  ADD ("/store/nat-network/round-trip", test_nat_network_round_trip);
  ADD ("/store/host-only/round-trip", test_host_only_round_trip);
  ADD ("/store/dhcp/round-trip", test_dhcp_round_trip);

#undef ADD

  return g_test_run ();
}
