/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-test-util.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

/* --- folders ------------------------------------------------------------ */

void
wb_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  /* G_FILE_TEST_EXISTS follows links: a dangling one still goes. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS) &&
      !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    return;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) &&
      !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          wb_test_rm_rf (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    {
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
}

char *
wb_test_make_tmp_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

char *
wb_test_set_up_home (const char *tmpl)
{
  char *home = wb_test_make_tmp_dir (tmpl);

  g_setenv ("WIREBOX_HOME", home, TRUE);
  return home;
}

WbStore *
wb_test_open_tmp_store (const char  *tmpl,
                        char       **dir,
                        char       **path)
{
  g_autoptr(GError) error = NULL;
  WbStore *store;

  *dir = wb_test_make_tmp_dir (tmpl);
  *path = g_build_filename (*dir, "wirebox.db", NULL);
  store = wb_store_open (*path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* --- databases ---------------------------------------------------------- */

char *
wb_test_dump_db (const char *path)
{
  GString *dump = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *tables = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT name FROM sqlite_master"
                                       " WHERE type = 'table' ORDER BY name",
                                       -1, &tables, NULL), ==, SQLITE_OK);
  while (sqlite3_step (tables) == SQLITE_ROW)
    {
      const char *table = (const char *) sqlite3_column_text (tables, 0);
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\" ORDER BY rowid",
                                              table);
      sqlite3_stmt *rows = NULL;

      g_string_append_printf (dump, "[%s]\n", table);
      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &rows, NULL), ==,
                       SQLITE_OK);
      while (sqlite3_step (rows) == SQLITE_ROW)
        {
          for (int col = 0; col < sqlite3_column_count (rows); col++)
            {
              const char *text = (const char *) sqlite3_column_text (rows, col);

              g_string_append_printf (dump, "%s|", text != NULL ? text : "NULL");
            }
          g_string_append_c (dump, '\n');
        }
      sqlite3_finalize (rows);
    }
  sqlite3_finalize (tables);
  sqlite3_close (db);
  return g_string_free (dump, FALSE);
}

/* --- values ------------------------------------------------------------- */

void
wb_test_set_str (char       **field,
                 const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* --- errors ------------------------------------------------------------- */

void
wb_test_assert_one_line (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strchr (error->message, '\r'));
}

void
wb_test_assert_message_contains (const GError *error,
                                 const char   *part)
{
  wb_test_assert_one_line (error);
  if (strstr (error->message, part) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, part);
}

/* --- model objects ------------------------------------------------------ */

void
wb_test_assert_rules_equal (GPtrArray *a,
                            GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const WbNatRule *x = g_ptr_array_index (a, i);
      const WbNatRule *y = g_ptr_array_index (b, i);

      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpint (x->proto, ==, y->proto);
      g_assert_cmpstr (x->host_ip, ==, y->host_ip);
      g_assert_cmpuint (x->host_port, ==, y->host_port);
      g_assert_cmpstr (x->guest_ip, ==, y->guest_ip);
      g_assert_cmpuint (x->guest_port, ==, y->guest_port);
    }
}

static void
assert_props_equal (GPtrArray *a,
                    GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const WbProperty *x = g_ptr_array_index (a, i);
      const WbProperty *y = g_ptr_array_index (b, i);

      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpstr (x->value, ==, y->value);
    }
}

void
wb_test_assert_adapters_equal (const WbAdapter *a,
                               const WbAdapter *b)
{
  g_assert_cmpuint (a->slot, ==, b->slot);
  g_assert_cmpint (a->enabled, ==, b->enabled);
  g_assert_cmpint (a->attachment, ==, b->attachment);
  g_assert_cmpint (a->type, ==, b->type);
  g_assert_cmpstr (a->mac, ==, b->mac);
  g_assert_cmpint (a->cable_connected, ==, b->cable_connected);
  g_assert_cmpint (a->promisc, ==, b->promisc);
  g_assert_cmpint (a->trace, ==, b->trace);
  g_assert_cmpstr (a->trace_file, ==, b->trace_file);
  g_assert_cmpuint (a->speed_kbps, ==, b->speed_kbps);
  g_assert_cmpstr (a->intnet, ==, b->intnet);
  g_assert_cmpstr (a->nat_network, ==, b->nat_network);
  g_assert_cmpstr (a->bridge_adapter, ==, b->bridge_adapter);
  g_assert_cmpstr (a->hostonly_adapter, ==, b->hostonly_adapter);
  g_assert_cmpstr (a->generic_driver, ==, b->generic_driver);
  assert_props_equal (a->generic_props, b->generic_props);
  g_assert_cmpstr (a->natnet, ==, b->natnet);
  g_assert_cmpint (a->nat_localhost_reachable, ==, b->nat_localhost_reachable);
  g_assert_cmpuint (a->nat_mtu, ==, b->nat_mtu);
  wb_test_assert_rules_equal (a->nat_rules, b->nat_rules);
}

/* Field by field: the struct has padding that memcmp would read. */
void
wb_test_assert_services_equal (GArray *a,
                               GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      g_assert_cmpuint (g_array_index (a, WbVmService, i).port, ==,
                        g_array_index (b, WbVmService, i).port);
      g_assert_cmpint (g_array_index (a, WbVmService, i).kind, ==,
                       g_array_index (b, WbVmService, i).kind);
    }
}

void
wb_test_assert_vms_equal (const WbVm *a,
                          const WbVm *b)
{
  g_assert_cmpint (a->id, ==, b->id);
  g_assert_cmpstr (a->uuid, ==, b->uuid);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpint (a->registered, ==, b->registered);
  g_assert_cmpint (a->running, ==, b->running);
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      wb_test_assert_adapters_equal (&a->adapters[i], &b->adapters[i]);
      g_assert_cmpint (a->guest[i].dhcp, ==, b->guest[i].dhcp);
      g_assert_cmphex (a->guest[i].address, ==, b->guest[i].address);
      g_assert_cmpuint (a->guest[i].prefix, ==, b->guest[i].prefix);
      g_assert_cmphex (a->guest[i].gateway, ==, b->guest[i].gateway);
      g_assert_cmpuint (a->guest[i].mtu, ==, b->guest[i].mtu);
      g_assert_cmpint (a->guest[i].masquerade, ==, b->guest[i].masquerade);
    }
  g_assert_cmpint (a->ip_forward, ==, b->ip_forward);
  wb_test_assert_services_equal (a->services, b->services);
}

void
wb_test_assert_nat_networks_equal (const WbNatNetwork *a,
                                   const WbNatNetwork *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->network, ==, b->network);
  g_assert_cmpint (a->enabled, ==, b->enabled);
  g_assert_cmpint (a->dhcp, ==, b->dhcp);
  g_assert_cmpint (a->ipv6, ==, b->ipv6);
  g_assert_cmpstr (a->ipv6_prefix, ==, b->ipv6_prefix);
  g_assert_cmpint (a->running, ==, b->running);
  wb_test_assert_rules_equal (a->rules, b->rules);
  g_assert_cmpuint (a->loopback->len, ==, b->loopback->len);
  for (guint i = 0; i < a->loopback->len; i++)
    {
      const WbLoopbackMap *x = g_ptr_array_index (a->loopback, i);
      const WbLoopbackMap *y = g_ptr_array_index (b->loopback, i);

      g_assert_cmpstr (x->address, ==, y->address);
      g_assert_cmpuint (x->offset, ==, y->offset);
    }
}

void
wb_test_assert_host_only_ifs_equal (const WbHostOnlyIf *a,
                                    const WbHostOnlyIf *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->guid, ==, b->guid);
  g_assert_cmpstr (a->ip, ==, b->ip);
  g_assert_cmpstr (a->netmask, ==, b->netmask);
  g_assert_cmpstr (a->mac, ==, b->mac);
  g_assert_cmpint (a->dhcp, ==, b->dhcp);
}

void
wb_test_assert_dhcp_servers_equal (const WbDhcpServer *a,
                                   const WbDhcpServer *b)
{
  g_assert_cmpstr (a->network_name, ==, b->network_name);
  g_assert_cmpstr (a->server_ip, ==, b->server_ip);
  g_assert_cmpstr (a->netmask, ==, b->netmask);
  g_assert_cmpstr (a->lower_ip, ==, b->lower_ip);
  g_assert_cmpstr (a->upper_ip, ==, b->upper_ip);
  g_assert_cmpint (a->enabled, ==, b->enabled);
}

/* --- an engine and its clients ------------------------------------------ */

void
wb_test_engine_start (WbTestEngine *engine,
                      const char   *home)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *socket_path = NULL;

  engine->engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_assert_true (wb_engine_start (engine->engine, &error));
  g_assert_no_error (error);
  engine->ui_connection = wb_engine_connect (engine->engine, &error);
  g_assert_no_error (error);
  if (home == NULL)
    return;
  socket_path = g_build_filename (home, "engine.sock", NULL);
  engine->cli_connection = wb_client_connect_socket_sync (socket_path, NULL, &error);
  g_assert_no_error (error);
  engine->cli = wb_client_get_engine_sync (engine->cli_connection, NULL, &error);
  g_assert_no_error (error);
}

void
wb_test_engine_stop (WbTestEngine *engine)
{
  g_clear_object (&engine->cli);
  if (engine->cli_connection != NULL)
    g_dbus_connection_close_sync (engine->cli_connection, NULL, NULL);
  g_dbus_connection_close_sync (engine->ui_connection, NULL, NULL);
  g_clear_object (&engine->cli_connection);
  g_clear_object (&engine->ui_connection);
  wb_engine_stop (engine->engine);
  g_clear_object (&engine->engine);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
wb_test_iterate (void)
{
  g_main_context_iteration (NULL, FALSE);
  g_usleep (1000);
}

void
wb_test_wait_until (WbTestCondition  condition,
                    gpointer         data,
                    const char      *what,
                    guint            timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  if (timeout_s == 0)
    g_test_message ("waiting for %s", what);
  while (!condition (data))
    {
      if (timeout_s != 0 && g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      wb_test_iterate ();
    }
}
