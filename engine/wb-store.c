/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The SQLite store. One connection, used from the engine thread only, so it
 * is opened without SQLite's own mutex. WAL with synchronous=NORMAL keeps a
 * committed transaction across a killed process (not across a power cut,
 * which the engine does not promise). Statements are prepared once, on first
 * use, and kept: a modifyvm against ten thousand VMs costs a few indexed
 * lookups, not a parse per row.
 */
#include "wb-store.h"

#include <string.h>
#include <sqlite3.h>

#include "wb-error.h"

/*
 * Migrations: step i takes a database from user_version i to i + 1. Each
 * runs in its own transaction together with the user_version update, so an
 * interrupted upgrade leaves the previous version intact.
 */
static const char * const migrations[] = {
  /* 0 -> 1: the base schema. */
  "CREATE TABLE vm ("
  "  id INTEGER PRIMARY KEY,"
  "  uuid TEXT UNIQUE NOT NULL,"
  "  name TEXT UNIQUE NOT NULL,"
  "  registered INTEGER NOT NULL"
  ");"
  "CREATE TABLE adapter ("
  "  vm_id INTEGER NOT NULL REFERENCES vm (id) ON DELETE CASCADE,"
  "  slot INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 8),"
  "  enabled INTEGER NOT NULL,"
  "  attachment TEXT NOT NULL,"
  "  type TEXT NOT NULL,"
  "  mac TEXT NOT NULL,"
  "  cable INTEGER NOT NULL,"
  "  promisc TEXT NOT NULL,"
  "  trace INTEGER NOT NULL,"
  "  trace_file TEXT NOT NULL,"
  "  speed INTEGER NOT NULL,"
  "  intnet TEXT NOT NULL,"
  "  nat_network TEXT NOT NULL,"
  "  bridge_adapter TEXT NOT NULL,"
  "  hostonly_adapter TEXT NOT NULL,"
  "  generic_driver TEXT NOT NULL,"
  "  natnet TEXT NOT NULL,"
  "  PRIMARY KEY (vm_id, slot)"
  ");"
  "CREATE INDEX adapter_mac ON adapter (mac);"
  "CREATE INDEX adapter_intnet ON adapter (intnet);"
  "CREATE TABLE generic_property ("
  "  vm_id INTEGER NOT NULL,"
  "  slot INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  value TEXT NOT NULL,"
  "  PRIMARY KEY (vm_id, slot, name),"
  "  FOREIGN KEY (vm_id, slot) REFERENCES adapter (vm_id, slot)"
  "    ON DELETE CASCADE"
  ");"
  "CREATE TABLE nat_rule ("
  "  vm_id INTEGER NOT NULL,"
  "  slot INTEGER NOT NULL,"
  "  position INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  proto TEXT NOT NULL,"
  "  host_ip TEXT NOT NULL,"
  "  host_port INTEGER NOT NULL,"
  "  guest_ip TEXT NOT NULL,"
  "  guest_port INTEGER NOT NULL,"
  "  PRIMARY KEY (vm_id, slot, position),"
  "  UNIQUE (vm_id, slot, name),"
  "  FOREIGN KEY (vm_id, slot) REFERENCES adapter (vm_id, slot)"
  "    ON DELETE CASCADE"
  ");"
  "CREATE TABLE nat_network ("
  "  name TEXT PRIMARY KEY,"
  "  network TEXT NOT NULL,"
  "  enabled INTEGER NOT NULL,"
  "  dhcp INTEGER NOT NULL,"
  "  ipv6 INTEGER NOT NULL,"
  "  ipv6_prefix TEXT NOT NULL,"
  "  running INTEGER NOT NULL"
  ");"
  "CREATE TABLE nat_network_rule ("
  "  network TEXT NOT NULL REFERENCES nat_network (name)"
  "    ON DELETE CASCADE ON UPDATE CASCADE,"
  "  position INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  proto TEXT NOT NULL,"
  "  host_ip TEXT NOT NULL,"
  "  host_port INTEGER NOT NULL,"
  "  guest_ip TEXT NOT NULL,"
  "  guest_port INTEGER NOT NULL,"
  "  PRIMARY KEY (network, position),"
  "  UNIQUE (network, name)"
  ");"
  /* position keeps the order the mappings were given in. */
  "CREATE TABLE nat_network_loopback ("
  "  network TEXT NOT NULL REFERENCES nat_network (name)"
  "    ON DELETE CASCADE ON UPDATE CASCADE,"
  "  position INTEGER NOT NULL,"
  "  address TEXT NOT NULL,"
  "  \"offset\" INTEGER NOT NULL,"
  "  PRIMARY KEY (network, position)"
  ");"
  "CREATE TABLE host_only_if ("
  "  name TEXT PRIMARY KEY,"
  "  idx INTEGER UNIQUE NOT NULL,"
  "  guid TEXT,"
  "  ip TEXT,"
  "  netmask TEXT,"
  "  mac TEXT,"
  "  dhcp INTEGER NOT NULL"
  ");"
  "CREATE TABLE dhcp_server ("
  "  network_name TEXT PRIMARY KEY,"
  "  server_ip TEXT,"
  "  netmask TEXT,"
  "  lower_ip TEXT,"
  "  upper_ip TEXT,"
  "  enabled INTEGER NOT NULL"
  ");",

  /* 1 -> 2: per-adapter NAT engine settings, and room for DHCP leases. */
  "ALTER TABLE adapter ADD COLUMN nat_localhost_reachable"
  "  INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE adapter ADD COLUMN nat_mtu INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE dhcp_lease ("
  "  network_name TEXT NOT NULL REFERENCES dhcp_server (network_name)"
  "    ON DELETE CASCADE ON UPDATE CASCADE,"
  "  mac TEXT NOT NULL,"
  "  ip TEXT NOT NULL,"
  "  expires INTEGER NOT NULL,"
  "  PRIMARY KEY (network_name, mac)"
  ");",

  /* 2 -> 3: guest settings (what the VM's operating system holds), and the
   * services every existing guest ran by default. */
  "ALTER TABLE adapter ADD COLUMN guest_dhcp INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE adapter ADD COLUMN guest_address INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE adapter ADD COLUMN guest_prefix INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE adapter ADD COLUMN guest_gateway INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE adapter ADD COLUMN guest_mtu INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE adapter ADD COLUMN guest_masquerade INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE vm ADD COLUMN ip_forward INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE vm_service ("
  "  vm_id INTEGER NOT NULL REFERENCES vm (id) ON DELETE CASCADE,"
  "  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),"
  "  kind TEXT NOT NULL,"
  "  PRIMARY KEY (vm_id, port)"
  ");"
  "INSERT INTO vm_service (vm_id, port, kind) SELECT id, 22, 'ssh' FROM vm;"
  "INSERT INTO vm_service (vm_id, port, kind) SELECT id, 80, 'http' FROM vm;"
  "ALTER TABLE host_only_if ADD COLUMN relay INTEGER NOT NULL DEFAULT 1;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == WB_STORE_SCHEMA_VERSION);

/* The adapter columns after (vm_id, slot), in the order bind_adapter() and
 * read_adapter() use: parameters ?3.. and result columns 1.. */
#define ADAPTER_COLUMNS \
  "enabled, attachment, type, mac, cable, promisc, trace, trace_file, " \
  "speed, intnet, nat_network, bridge_adapter, hostonly_adapter, " \
  "generic_driver, natnet, nat_localhost_reachable, nat_mtu, " \
  "guest_dhcp, guest_address, guest_prefix, guest_gateway, guest_mtu, " \
  "guest_masquerade"
#define ADAPTER_VALUES \
  "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, " \
  "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25"

/* A rule's columns, bound by bind_rule() and read by read_rule(). */
#define RULE_COLUMNS \
  "name, proto, host_ip, host_port, guest_ip, guest_port"

#define VM_COLUMNS "id, uuid, name, registered, ip_forward"
#define NAT_NETWORK_COLUMNS \
  "name, network, enabled, dhcp, ipv6, ipv6_prefix, running"
#define HOST_ONLY_IF_COLUMNS "name, guid, ip, netmask, mac, dhcp, relay"
#define DHCP_SERVER_COLUMNS \
  "network_name, server_ip, netmask, lower_ip, upper_ip, enabled"

typedef enum
{
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_SAVEPOINT,
  STMT_RELEASE,
  STMT_ROLLBACK_TO,

  STMT_VM_BY_UUID,
  STMT_VM_BY_NAME,
  STMT_VM_LIST,
  STMT_VM_INSERT,
  STMT_VM_UPDATE,
  STMT_VM_DELETE,
  STMT_ADAPTER_SELECT,
  STMT_ADAPTER_INSERT,
  STMT_ADAPTER_UPDATE,
  STMT_PROPERTY_SELECT,
  STMT_PROPERTY_INSERT,
  STMT_PROPERTY_DELETE,
  STMT_RULE_SELECT,
  STMT_RULE_INSERT,
  STMT_RULE_DELETE,
  STMT_SERVICE_SELECT,
  STMT_SERVICE_INSERT,
  STMT_SERVICE_DELETE,
  STMT_MAC_IN_USE,
  STMT_INTNETS,

  STMT_NAT_NETWORK_SELECT,
  STMT_NAT_NETWORK_LIST,
  STMT_NAT_NETWORK_INSERT,
  STMT_NAT_NETWORK_UPDATE,
  STMT_NAT_NETWORK_DELETE,
  STMT_NAT_NETWORK_RULE_SELECT,
  STMT_NAT_NETWORK_RULE_INSERT,
  STMT_NAT_NETWORK_RULE_DELETE,
  STMT_LOOPBACK_SELECT,
  STMT_LOOPBACK_INSERT,
  STMT_LOOPBACK_DELETE,

  STMT_HOST_ONLY_IF_SELECT,
  STMT_HOST_ONLY_IF_LIST,
  STMT_HOST_ONLY_IF_INSERT,
  STMT_HOST_ONLY_IF_UPDATE,
  STMT_HOST_ONLY_IF_DELETE,

  STMT_DHCP_SERVER_SELECT,
  STMT_DHCP_SERVER_LIST,
  STMT_DHCP_SERVER_INSERT,
  STMT_DHCP_SERVER_UPDATE,
  STMT_DHCP_SERVER_DELETE,

  N_STMTS
} StmtId;

static const char * const stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_SAVEPOINT] = "SAVEPOINT wb_store",
  [STMT_RELEASE] = "RELEASE wb_store",
  [STMT_ROLLBACK_TO] = "ROLLBACK TO wb_store",

  [STMT_VM_BY_UUID] = "SELECT " VM_COLUMNS " FROM vm WHERE uuid = ?1",
  [STMT_VM_BY_NAME] = "SELECT " VM_COLUMNS " FROM vm WHERE name = ?1",
  [STMT_VM_LIST] =
    "SELECT " VM_COLUMNS " FROM vm WHERE registered ORDER BY id",
  /* The parameters of STMT_VM_UPDATE; the id (?1) is SQLite's to choose. */
  [STMT_VM_INSERT] =
    "INSERT INTO vm (uuid, name, registered, ip_forward) VALUES (?2, ?3, ?4, ?5)",
  [STMT_VM_UPDATE] =
    "UPDATE vm SET uuid = ?2, name = ?3, registered = ?4, ip_forward = ?5"
    " WHERE id = ?1",
  [STMT_VM_DELETE] = "DELETE FROM vm WHERE id = ?1",
  [STMT_ADAPTER_SELECT] =
    "SELECT slot, " ADAPTER_COLUMNS " FROM adapter WHERE vm_id = ?1",
  [STMT_ADAPTER_INSERT] =
    "INSERT INTO adapter (vm_id, slot, " ADAPTER_COLUMNS ")"
    " VALUES (?1, ?2, " ADAPTER_VALUES ")",
  [STMT_ADAPTER_UPDATE] =
    "UPDATE adapter SET (" ADAPTER_COLUMNS ") = (" ADAPTER_VALUES ")"
    " WHERE vm_id = ?1 AND slot = ?2",
  [STMT_PROPERTY_SELECT] =
    "SELECT slot, name, value FROM generic_property WHERE vm_id = ?1"
    " ORDER BY slot, name",
  [STMT_PROPERTY_INSERT] =
    "INSERT INTO generic_property (vm_id, slot, name, value)"
    " VALUES (?1, ?2, ?3, ?4)",
  [STMT_PROPERTY_DELETE] = "DELETE FROM generic_property WHERE vm_id = ?1",
  [STMT_RULE_SELECT] =
    "SELECT slot, " RULE_COLUMNS " FROM nat_rule WHERE vm_id = ?1"
    " ORDER BY slot, position",
  [STMT_RULE_INSERT] =
    "INSERT INTO nat_rule (vm_id, slot, position, " RULE_COLUMNS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
  [STMT_RULE_DELETE] = "DELETE FROM nat_rule WHERE vm_id = ?1",
  [STMT_SERVICE_SELECT] =
    "SELECT port, kind FROM vm_service WHERE vm_id = ?1 ORDER BY port",
  [STMT_SERVICE_INSERT] =
    "INSERT INTO vm_service (vm_id, port, kind) VALUES (?1, ?2, ?3)",
  [STMT_SERVICE_DELETE] = "DELETE FROM vm_service WHERE vm_id = ?1",
  [STMT_MAC_IN_USE] =
    "SELECT 1 FROM adapter WHERE mac = ?1 AND vm_id <> ?2 LIMIT 1",
  [STMT_INTNETS] =
    "SELECT DISTINCT adapter.intnet FROM adapter"
    " JOIN vm ON vm.id = adapter.vm_id"
    " WHERE vm.registered AND adapter.intnet <> ''"
    " ORDER BY adapter.intnet",

  [STMT_NAT_NETWORK_SELECT] =
    "SELECT " NAT_NETWORK_COLUMNS " FROM nat_network WHERE name = ?1",
  [STMT_NAT_NETWORK_LIST] =
    "SELECT " NAT_NETWORK_COLUMNS " FROM nat_network ORDER BY name",
  [STMT_NAT_NETWORK_INSERT] =
    "INSERT INTO nat_network (" NAT_NETWORK_COLUMNS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_NAT_NETWORK_UPDATE] =
    "UPDATE nat_network SET (" NAT_NETWORK_COLUMNS ")"
    " = (?1, ?2, ?3, ?4, ?5, ?6, ?7) WHERE name = ?1",
  [STMT_NAT_NETWORK_DELETE] = "DELETE FROM nat_network WHERE name = ?1",
  [STMT_NAT_NETWORK_RULE_SELECT] =
    "SELECT " RULE_COLUMNS " FROM nat_network_rule WHERE network = ?1"
    " ORDER BY position",
  [STMT_NAT_NETWORK_RULE_INSERT] =
    "INSERT INTO nat_network_rule (network, position, " RULE_COLUMNS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  [STMT_NAT_NETWORK_RULE_DELETE] =
    "DELETE FROM nat_network_rule WHERE network = ?1",
  [STMT_LOOPBACK_SELECT] =
    "SELECT address, \"offset\" FROM nat_network_loopback"
    " WHERE network = ?1 ORDER BY position",
  [STMT_LOOPBACK_INSERT] =
    "INSERT INTO nat_network_loopback (network, position, address, \"offset\")"
    " VALUES (?1, ?2, ?3, ?4)",
  [STMT_LOOPBACK_DELETE] =
    "DELETE FROM nat_network_loopback WHERE network = ?1",

  [STMT_HOST_ONLY_IF_SELECT] =
    "SELECT " HOST_ONLY_IF_COLUMNS " FROM host_only_if WHERE name = ?1",
  [STMT_HOST_ONLY_IF_LIST] =
    "SELECT " HOST_ONLY_IF_COLUMNS " FROM host_only_if ORDER BY idx",
  [STMT_HOST_ONLY_IF_INSERT] =
    "INSERT INTO host_only_if (" HOST_ONLY_IF_COLUMNS ", idx)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  [STMT_HOST_ONLY_IF_UPDATE] =
    "UPDATE host_only_if SET (" HOST_ONLY_IF_COLUMNS ", idx)"
    " = (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) WHERE name = ?1",
  [STMT_HOST_ONLY_IF_DELETE] = "DELETE FROM host_only_if WHERE name = ?1",

  [STMT_DHCP_SERVER_SELECT] =
    "SELECT " DHCP_SERVER_COLUMNS " FROM dhcp_server"
    " WHERE network_name = ?1",
  [STMT_DHCP_SERVER_LIST] =
    "SELECT " DHCP_SERVER_COLUMNS " FROM dhcp_server ORDER BY network_name",
  [STMT_DHCP_SERVER_INSERT] =
    "INSERT INTO dhcp_server (" DHCP_SERVER_COLUMNS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_DHCP_SERVER_UPDATE] =
    "UPDATE dhcp_server SET (" DHCP_SERVER_COLUMNS ")"
    " = (?1, ?2, ?3, ?4, ?5, ?6) WHERE network_name = ?1",
  [STMT_DHCP_SERVER_DELETE] =
    "DELETE FROM dhcp_server WHERE network_name = ?1",
};

struct _WbStore
{
  GObject        parent_instance;

  char          *path;
  sqlite3       *db;
  guint          version;
  sqlite3_stmt  *stmts[N_STMTS];
};

G_DEFINE_FINAL_TYPE (WbStore, wb_store, G_TYPE_OBJECT)

/* A cached statement handed out by get_stmt(); g_auto(WbStmt) resets it and
 * drops its bindings when it goes out of scope, on every path. */
typedef sqlite3_stmt *WbStmt;

static void
stmt_release (sqlite3_stmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (WbStmt, stmt_release, NULL)

/* --- errors ------------------------------------------------------------- */

static gboolean
set_sql_error (WbStore  *self,
               GError  **error)
{
  g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
               "Settings database error: %s", sqlite3_errmsg (self->db));
  return FALSE;
}

/* After a failed write: a UNIQUE or PRIMARY KEY violation becomes
 * WB_ERROR_EXISTS with the given message, anything else WB_ERROR_FAILED. */
G_GNUC_PRINTF (3, 4)
static gboolean
set_write_error (WbStore     *self,
                 GError     **error,
                 const char  *exists_format,
                 ...)
{
  int code = sqlite3_extended_errcode (self->db);
  va_list args;

  if (code != SQLITE_CONSTRAINT_UNIQUE && code != SQLITE_CONSTRAINT_PRIMARYKEY)
    return set_sql_error (self, error);

  if (error != NULL)
    {
      va_start (args, exists_format);
      *error = g_error_new_valist (WB_ERROR, WB_ERROR_EXISTS,
                                   exists_format, args);
      va_end (args);
    }
  return FALSE;
}

static gboolean
set_vm_not_found (GError     **error,
                  const char  *name_or_uuid)
{
  g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
               "Could not find a registered machine named '%s'",
               name_or_uuid);
  return FALSE;
}

/* What the messages call a NAT network, host-only interface or DHCP
 * server: "<noun> '<key>' not found". */
#define NAT_NETWORK_NOUN "NAT network"
#define HOST_ONLY_IF_NOUN "Host-only interface"
#define DHCP_SERVER_NOUN "DHCP server for network"

static gboolean
set_not_found (GError     **error,
               const char  *noun,
               const char  *key)
{
  g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
               "%s '%s' not found", noun, key);
  return FALSE;
}

static gboolean
set_corrupt (WbStore     *self,
             GError     **error,
             const char  *what,
             const char  *value)
{
  g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
               "Settings database '%s' is damaged: invalid %s '%s'",
               self->path, what, value != NULL ? value : "(null)");
  return FALSE;
}

/* --- statements --------------------------------------------------------- */

static sqlite3_stmt *
get_stmt (WbStore  *self,
          StmtId    id,
          GError  **error)
{
  if (self->stmts[id] == NULL &&
      sqlite3_prepare_v3 (self->db, stmt_sql[id], -1,
                          SQLITE_PREPARE_PERSISTENT,
                          &self->stmts[id], NULL) != SQLITE_OK)
    {
      set_sql_error (self, error);
      return NULL;
    }

  return self->stmts[id];
}

/* Steps a statement that returns no rows. */
static gboolean
step_done (WbStore       *self,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sql_error (self, error);
  return TRUE;
}

/* Steps a query: SQLITE_ROW, SQLITE_DONE, or -1 with @error set. */
static int
step_row (WbStore       *self,
          sqlite3_stmt  *stmt,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  set_sql_error (self, error);
  return -1;
}

/* Runs a cached statement without parameters (transaction control). */
static gboolean
run_stmt (WbStore  *self,
          StmtId    id,
          GError  **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, id, error);

  return stmt != NULL && step_done (self, stmt, error);
}

/* Runs one statement that takes a single text key (the DELETEs by name),
 * optionally reporting how many rows it changed. */
static gboolean
run_stmt_text (WbStore     *self,
               StmtId       id,
               const char  *key,
               int         *changes,
               GError     **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, id, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (!step_done (self, stmt, error))
    return FALSE;
  if (changes != NULL)
    *changes = sqlite3_changes (self->db);
  return TRUE;
}

static gboolean
run_stmt_id (WbStore  *self,
             StmtId    id,
             gint64    key,
             GError  **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, id, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, key);
  return step_done (self, stmt, error);
}

/* Every multi-row write runs under a savepoint, so that a store call is
 * atomic even outside wb_store_begin() (and nests inside it). */
static gboolean
savepoint_begin (WbStore  *self,
                 GError  **error)
{
  return run_stmt (self, STMT_SAVEPOINT, error);
}

static gboolean
savepoint_end (WbStore   *self,
               gboolean   ok,
               GError   **error)
{
  if (ok)
    {
      if (run_stmt (self, STMT_RELEASE, error))
        return TRUE;
    }

  run_stmt (self, STMT_ROLLBACK_TO, NULL);
  run_stmt (self, STMT_RELEASE, NULL);
  return FALSE;
}

/* --- values ------------------------------------------------------------- */

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           col)
{
  return (const char *) sqlite3_column_text (stmt, col);
}

static gboolean
column_bool (sqlite3_stmt *stmt,
             int           col)
{
  return sqlite3_column_int (stmt, col) != 0;
}

static void
replace_str (char       **field,
             const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

static void
replace_column (char         **field,
                sqlite3_stmt  *stmt,
                int            col)
{
  replace_str (field, column_text (stmt, col));
}

/* The six rule columns from parameter @first on (RULE_COLUMNS). */
static void
bind_rule (sqlite3_stmt    *stmt,
           int              first,
           const WbNatRule *rule)
{
  bind_text (stmt, first, rule->name);
  bind_text (stmt, first + 1, wb_proto_to_string (rule->proto));
  bind_text (stmt, first + 2, rule->host_ip != NULL ? rule->host_ip : "");
  sqlite3_bind_int (stmt, first + 3, rule->host_port);
  bind_text (stmt, first + 4, rule->guest_ip != NULL ? rule->guest_ip : "");
  sqlite3_bind_int (stmt, first + 5, rule->guest_port);
}

/* The six rule columns from result column @first on (RULE_COLUMNS). */
static WbNatRule *
read_rule (WbStore       *self,
           sqlite3_stmt  *stmt,
           int            first,
           GError       **error)
{
  const char *proto_text = column_text (stmt, first + 1);
  WbProto proto;

  if (proto_text == NULL || !wb_proto_parse (proto_text, &proto, NULL))
    {
      set_corrupt (self, error, "rule protocol", proto_text);
      return NULL;
    }

  return wb_nat_rule_new (column_text (stmt, first),
                          proto,
                          column_text (stmt, first + 2),
                          (guint16) sqlite3_column_int (stmt, first + 3),
                          column_text (stmt, first + 4),
                          (guint16) sqlite3_column_int (stmt, first + 5));
}

/* (vm_id, slot) as ?1, ?2 and the ADAPTER_COLUMNS as ?3.. : the same
 * binding serves the INSERT and the UPDATE. */
static void
bind_adapter (sqlite3_stmt          *stmt,
              gint64                 vm_id,
              const WbAdapter       *adapter,
              const WbGuestIfConfig *guest)
{
  sqlite3_bind_int64 (stmt, 1, vm_id);
  sqlite3_bind_int (stmt, 2, adapter->slot);
  sqlite3_bind_int (stmt, 3, adapter->enabled);
  bind_text (stmt, 4, wb_attachment_to_key (adapter->attachment));
  bind_text (stmt, 5, wb_nic_type_to_string (adapter->type));
  bind_text (stmt, 6, adapter->mac);
  sqlite3_bind_int (stmt, 7, adapter->cable_connected);
  bind_text (stmt, 8, wb_promisc_to_string (adapter->promisc));
  sqlite3_bind_int (stmt, 9, adapter->trace);
  bind_text (stmt, 10, adapter->trace_file);
  sqlite3_bind_int64 (stmt, 11, adapter->speed_kbps);
  bind_text (stmt, 12, adapter->intnet);
  bind_text (stmt, 13, adapter->nat_network);
  bind_text (stmt, 14, adapter->bridge_adapter);
  bind_text (stmt, 15, adapter->hostonly_adapter);
  bind_text (stmt, 16, adapter->generic_driver);
  bind_text (stmt, 17, adapter->natnet);
  sqlite3_bind_int (stmt, 18, adapter->nat_localhost_reachable);
  sqlite3_bind_int64 (stmt, 19, adapter->nat_mtu);
  sqlite3_bind_int (stmt, 20, guest->dhcp);
  sqlite3_bind_int64 (stmt, 21, guest->address);
  sqlite3_bind_int (stmt, 22, guest->prefix);
  sqlite3_bind_int64 (stmt, 23, guest->gateway);
  sqlite3_bind_int (stmt, 24, guest->mtu);
  sqlite3_bind_int (stmt, 25, guest->masquerade);
}

/* Result column 0 is the slot, 1.. the ADAPTER_COLUMNS. */
static gboolean
read_adapter (WbStore          *self,
              sqlite3_stmt     *stmt,
              WbAdapter        *adapter,
              WbGuestIfConfig  *guest,
              GError          **error)
{
  gint64 prefix = sqlite3_column_int64 (stmt, 20);
  gint64 mtu = sqlite3_column_int64 (stmt, 22);
  const char *attachment = column_text (stmt, 2);
  const char *type = column_text (stmt, 3);
  const char *promisc = column_text (stmt, 6);

  if (attachment == NULL ||
      !wb_attachment_from_key (attachment, &adapter->attachment))
    return set_corrupt (self, error, "attachment", attachment);
  if (type == NULL || !wb_nic_type_parse (type, &adapter->type, NULL))
    return set_corrupt (self, error, "adapter type", type);
  if (promisc == NULL || !wb_promisc_parse (promisc, &adapter->promisc, NULL))
    return set_corrupt (self, error, "promiscuous mode", promisc);

  adapter->enabled = column_bool (stmt, 1);
  g_strlcpy (adapter->mac, column_text (stmt, 4), sizeof adapter->mac);
  adapter->cable_connected = column_bool (stmt, 5);
  adapter->trace = column_bool (stmt, 7);
  replace_column (&adapter->trace_file, stmt, 8);
  adapter->speed_kbps = (guint32) sqlite3_column_int64 (stmt, 9);
  replace_column (&adapter->intnet, stmt, 10);
  replace_column (&adapter->nat_network, stmt, 11);
  replace_column (&adapter->bridge_adapter, stmt, 12);
  replace_column (&adapter->hostonly_adapter, stmt, 13);
  replace_column (&adapter->generic_driver, stmt, 14);
  replace_column (&adapter->natnet, stmt, 15);
  adapter->nat_localhost_reachable = column_bool (stmt, 16);
  adapter->nat_mtu = (guint) sqlite3_column_int64 (stmt, 17);
  /* Guest settings were validated when stored; a bad row is corruption. */
  if (prefix < 0 || prefix > 32 || mtu < 0 || mtu > 9000)
    return set_corrupt (self, error, "guest setting", "prefix or MTU");
  guest->dhcp = column_bool (stmt, 18);
  guest->address = (guint32) sqlite3_column_int64 (stmt, 19);
  guest->prefix = (guint) prefix;
  guest->gateway = (guint32) sqlite3_column_int64 (stmt, 21);
  guest->mtu = (guint) mtu;
  guest->masquerade = column_bool (stmt, 23);
  return TRUE;
}

/* --- opening and migrations --------------------------------------------- */

static gboolean
exec_sql (WbStore     *self,
          const char  *sql,
          GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "Settings database error: %s",
                   message != NULL ? message : sqlite3_errmsg (self->db));
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
query_int (WbStore     *self,
           const char  *sql,
           gint64      *out,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return set_sql_error (self, error);

  switch (step_row (self, stmt, error))
    {
    case SQLITE_ROW:
      *out = sqlite3_column_int64 (stmt, 0);
      ok = TRUE;
      break;
    case SQLITE_DONE:
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "Settings database error: '%s' returned no row", sql);
      break;
    default:
      break;
    }

  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
read_user_version (WbStore  *self,
                   guint    *version,
                   GError  **error)
{
  gint64 value;

  if (!query_int (self, "PRAGMA user_version", &value, error))
    return FALSE;

  if (value > WB_STORE_SCHEMA_VERSION || value < 0)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_NOT_SUPPORTED,
                   "Settings database '%s' was written by a newer Wirebox "
                   "(schema %" G_GINT64_FORMAT "; this build knows %d)",
                   self->path, value, WB_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  *version = (guint) value;
  return TRUE;
}

/* Runs migrations[version] and bumps user_version, in one transaction. The
 * version is read again inside it, in case another process got there
 * first. */
static gboolean
migrate_step (WbStore  *self,
              GError  **error)
{
  g_autofree char *bump = NULL;
  guint version;

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  if (!read_user_version (self, &version, error))
    goto fail;

  if (version == self->version)
    {
      bump = g_strdup_printf ("PRAGMA user_version = %u", version + 1);
      if (!exec_sql (self, migrations[version], error) ||
          !exec_sql (self, bump, error))
        goto fail;
      version++;
    }

  if (!exec_sql (self, "COMMIT", error))
    goto fail;

  self->version = version;
  return TRUE;

fail:
  exec_sql (self, "ROLLBACK", NULL);
  return FALSE;
}

static gboolean
store_open (WbStore     *self,
            guint        target,
            GError     **error)
{
  static const char pragmas[] =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA foreign_keys = ON;"
    "PRAGMA busy_timeout = 5000;";

  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                       SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "Could not open the settings database '%s': %s",
                   self->path,
                   self->db != NULL ? sqlite3_errmsg (self->db)
                                    : "out of memory");
      return FALSE;
    }

  sqlite3_extended_result_codes (self->db, 1);

  if (!exec_sql (self, pragmas, error) ||
      !read_user_version (self, &self->version, error))
    return FALSE;

  while (self->version < target)
    {
      if (!migrate_step (self, error))
        return FALSE;
    }

  return TRUE;
}

static WbStore *
store_new (const char  *path,
           guint        version,
           GError     **error)
{
  g_autoptr(WbStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (version > WB_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Schema version %u is unknown (this build knows %d)",
                   version, WB_STORE_SCHEMA_VERSION);
      return NULL;
    }

  self = g_object_new (WB_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  if (!store_open (self, version, error))
    return NULL;

  return g_steal_pointer (&self);
}

WbStore *
wb_store_open (const char  *path,
               GError     **error)
{
  return store_new (path, WB_STORE_SCHEMA_VERSION, error);
}

WbStore *
wb_store_open_at_version (const char  *path,
                          guint        version,
                          GError     **error)
{
  return store_new (path, version, error);
}

guint
wb_store_get_schema_version (WbStore *self)
{
  g_return_val_if_fail (WB_IS_STORE (self), 0);

  return self->version;
}

const char *
wb_store_get_path (WbStore *self)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  return self->path;
}

gboolean
wb_store_query_int (WbStore     *self,
                    const char  *sql,
                    gint64      *out,
                    GError     **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (sql != NULL && out != NULL, FALSE);

  return query_int (self, sql, out, error);
}

/* --- transactions ------------------------------------------------------- */

gboolean
wb_store_begin (WbStore  *self,
                GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);

  return run_stmt (self, STMT_BEGIN, error);
}

gboolean
wb_store_commit (WbStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);

  return run_stmt (self, STMT_COMMIT, error);
}

void
wb_store_rollback (WbStore *self)
{
  g_return_if_fail (WB_IS_STORE (self));

  /* SQLite may have rolled back already (after some errors it does). */
  if (!sqlite3_get_autocommit (self->db))
    run_stmt (self, STMT_ROLLBACK, NULL);
}

/* --- rows --------------------------------------------------------------- */

/* Reads the object in the current row of @row; NULL with @error set when
 * the row is damaged. */
typedef gpointer (*ReadRowFunc) (WbStore       *self,
                                 sqlite3_stmt  *row,
                                 GError       **error);

/* Binds an object's columns, the same for its INSERT and its UPDATE. */
typedef void (*BindRowFunc) (sqlite3_stmt  *stmt,
                             gconstpointer  object);

/* The row of the SELECT @id whose key (?1) is @key, read by @read_row.
 * When there is none: NOT_FOUND for @noun, or with @noun NULL, NULL
 * without an error. */
static gpointer
load_row (WbStore       *self,
          StmtId         id,
          const char    *key,
          ReadRowFunc    read_row,
          const char    *noun,
          GError       **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, id, error);
  int rc;

  if (stmt == NULL)
    return NULL;

  bind_text (stmt, 1, key);
  rc = step_row (self, stmt, error);
  if (rc == SQLITE_DONE && noun != NULL)
    set_not_found (error, noun, key);
  if (rc != SQLITE_ROW)
    return NULL;

  return read_row (self, stmt, error);
}

/* Every row of the SELECT @id, read by @read_row, in the query's order. */
static GPtrArray *
load_rows (WbStore         *self,
           StmtId           id,
           ReadRowFunc      read_row,
           GDestroyNotify   free_func,
           GError         **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, id, error);
  g_autoptr(GPtrArray) objects = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;

  objects = g_ptr_array_new_with_free_func (free_func);
  while ((rc = step_row (self, stmt, error)) == SQLITE_ROW)
    {
      gpointer object = read_row (self, stmt, error);

      if (object == NULL)
        return NULL;
      g_ptr_array_add (objects, object);
    }
  if (rc < 0)
    return NULL;

  return g_steal_pointer (&objects);
}

/* Runs the INSERT or UPDATE @id of one row, its columns bound by
 * @bind_row. A taken key is EXISTS, an UPDATE that matches no row
 * NOT_FOUND, both for @noun and @key. */
static gboolean
write_row (WbStore        *self,
           StmtId          id,
           BindRowFunc     bind_row,
           gconstpointer   object,
           const char     *noun,
           const char     *key,
           GError        **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, id, error);

  if (stmt == NULL)
    return FALSE;

  bind_row (stmt, object);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_write_error (self, error, "%s '%s' already exists", noun, key);
  if (sqlite3_changes (self->db) == 0)
    return set_not_found (error, noun, key);

  return TRUE;
}

/* Runs the DELETE @id of the row keyed @key; NOT_FOUND for @noun when
 * there was none. */
static gboolean
delete_row (WbStore     *self,
            StmtId       id,
            const char  *noun,
            const char  *key,
            GError     **error)
{
  int changes = 0;

  if (!run_stmt_text (self, id, key, &changes, error))
    return FALSE;
  if (changes == 0)
    return set_not_found (error, noun, key);
  return TRUE;
}

/* --- VMs ---------------------------------------------------------------- */

/* A VM from a VM_COLUMNS row; adapters at wb_vm_new()'s defaults. */
static gpointer
read_vm_row (WbStore       *self,
             sqlite3_stmt  *row,
             GError       **error)
{
  WbVm *vm = wb_vm_new (column_text (row, 2));

  vm->id = sqlite3_column_int64 (row, 0);
  replace_column (&vm->uuid, row, 1);
  vm->registered = column_bool (row, 3);
  vm->ip_forward = column_bool (row, 4);
  return vm;
}

static WbAdapter *
adapter_for_slot (WbStore       *self,
                  WbVm          *vm,
                  sqlite3_stmt  *stmt,
                  GError       **error)
{
  int slot = sqlite3_column_int (stmt, 0);

  if (slot < 1 || slot > WB_MAX_ADAPTERS)
    {
      g_autofree char *text = g_strdup_printf ("%d", slot);

      set_corrupt (self, error, "adapter slot", text);
      return NULL;
    }

  return &vm->adapters[slot - 1];
}

/* The services of vm->id, replacing wb_vm_new()'s defaults. */
static gboolean
load_vm_services (WbStore  *self,
                  WbVm     *vm,
                  GError  **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, STMT_SERVICE_SELECT, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  g_array_set_size (vm->services, 0);
  sqlite3_bind_int64 (stmt, 1, vm->id);
  while ((rc = step_row (self, stmt, error)) == SQLITE_ROW)
    {
      int port = sqlite3_column_int (stmt, 0);
      const char *kind = column_text (stmt, 1);
      WbVmService service = { (guint16) port, WB_VM_SERVICE_SSH };
      gboolean known = FALSE;
      g_autofree char *spec = NULL;

      /* wb_vm_apply_guest() copies the whole VM for each service, and
       * loading every VM at once is what a subscribing client waits for:
       * the usual kinds are read directly (rows come by port, each port
       * once), anything else goes through the model's own parser. */
      for (int k = WB_VM_SERVICE_SSH; k <= WB_VM_SERVICE_ECHO && !known; k++)
        {
          known = kind != NULL && g_ascii_strcasecmp (kind, wb_vm_service_kind_to_string (k)) == 0;
          if (known)
            service.kind = k;
        }
      if (known && port >= 1 && port <= G_MAXUINT16)
        {
          g_array_append_val (vm->services, service);
          continue;
        }
      spec = g_strdup_printf ("tcp:%d:%s", port, kind);
      if (!wb_vm_apply_guest (vm, "service", 0, spec, NULL))
        return set_corrupt (self, error, "service", spec);
    }

  return rc == SQLITE_DONE;
}

static gboolean
insert_vm_services (WbStore     *self,
                    const WbVm  *vm,
                    GError     **error)
{
  for (guint i = 0; i < vm->services->len; i++)
    {
      const WbVmService *service = &g_array_index (vm->services, WbVmService, i);
      g_auto(WbStmt) stmt = get_stmt (self, STMT_SERVICE_INSERT, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, vm->id);
      sqlite3_bind_int (stmt, 2, service->port);
      bind_text (stmt, 3, wb_vm_service_kind_to_string (service->kind));
      if (!step_done (self, stmt, error))
        return FALSE;
    }

  return TRUE;
}

/* Adapters, generic properties, NAT rules and services of vm->id. */
static gboolean
load_vm_children (WbStore  *self,
                  WbVm     *vm,
                  GError  **error)
{
  g_auto(WbStmt) adapters = get_stmt (self, STMT_ADAPTER_SELECT, error);
  g_auto(WbStmt) props = NULL;
  g_auto(WbStmt) rules = NULL;
  int rc;

  if (adapters == NULL)
    return FALSE;

  sqlite3_bind_int64 (adapters, 1, vm->id);
  while ((rc = step_row (self, adapters, error)) == SQLITE_ROW)
    {
      WbAdapter *adapter = adapter_for_slot (self, vm, adapters, error);

      if (adapter == NULL ||
          !read_adapter (self, adapters, adapter, &vm->guest[adapter->slot - 1], error))
        return FALSE;
      g_ptr_array_set_size (adapter->generic_props, 0);
      g_ptr_array_set_size (adapter->nat_rules, 0);
    }
  if (rc < 0)
    return FALSE;

  props = get_stmt (self, STMT_PROPERTY_SELECT, error);
  if (props == NULL)
    return FALSE;
  sqlite3_bind_int64 (props, 1, vm->id);
  while ((rc = step_row (self, props, error)) == SQLITE_ROW)
    {
      WbAdapter *adapter = adapter_for_slot (self, vm, props, error);
      WbProperty *prop;

      if (adapter == NULL)
        return FALSE;
      prop = g_new0 (WbProperty, 1);
      prop->name = column_dup (props, 1);
      prop->value = column_dup (props, 2);
      g_ptr_array_add (adapter->generic_props, prop);
    }
  if (rc < 0)
    return FALSE;

  rules = get_stmt (self, STMT_RULE_SELECT, error);
  if (rules == NULL)
    return FALSE;
  sqlite3_bind_int64 (rules, 1, vm->id);
  while ((rc = step_row (self, rules, error)) == SQLITE_ROW)
    {
      WbAdapter *adapter = adapter_for_slot (self, vm, rules, error);
      WbNatRule *rule;

      if (adapter == NULL)
        return FALSE;
      rule = read_rule (self, rules, 1, error);
      if (rule == NULL)
        return FALSE;
      g_ptr_array_add (adapter->nat_rules, rule);
    }
  if (rc < 0)
    return FALSE;

  return load_vm_services (self, vm, error);
}

/* A VM from a VM_COLUMNS row with its adapters, properties and rules. */
static gpointer
read_full_vm_row (WbStore       *self,
                  sqlite3_stmt  *row,
                  GError       **error)
{
  g_autoptr(WbVm) vm = read_vm_row (self, row, error);

  if (!load_vm_children (self, vm, error))
    return NULL;

  return g_steal_pointer (&vm);
}

WbVm *
wb_store_load_vm (WbStore     *self,
                  const char  *name_or_uuid,
                  GError     **error)
{
  g_autoptr(WbVm) vm = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (WB_IS_STORE (self), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);

  /* A UUID names the VM first, as in VBoxManage; both lookups are by a
   * unique index. */
  if (g_uuid_string_is_valid (name_or_uuid))
    vm = load_row (self, STMT_VM_BY_UUID, name_or_uuid, read_full_vm_row,
                   NULL, &local_error);
  if (vm == NULL && local_error == NULL)
    vm = load_row (self, STMT_VM_BY_NAME, name_or_uuid, read_full_vm_row,
                   NULL, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (vm == NULL)
    {
      set_vm_not_found (error, name_or_uuid);
      return NULL;
    }

  return g_steal_pointer (&vm);
}

GPtrArray *
wb_store_list_vms (WbStore  *self,
                   GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  return load_rows (self, STMT_VM_LIST, read_vm_row,
                    (GDestroyNotify) wb_vm_free, error);
}

GPtrArray *
wb_store_load_all_vms (WbStore  *self,
                       GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  return load_rows (self, STMT_VM_LIST, read_full_vm_row,
                    (GDestroyNotify) wb_vm_free, error);
}

static gboolean
write_adapter (WbStore                *self,
               StmtId                  id,
               gint64                  vm_id,
               const WbAdapter        *adapter,
               const WbGuestIfConfig  *guest,
               GError                **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, id, error);

  if (stmt == NULL)
    return FALSE;

  bind_adapter (stmt, vm_id, adapter, guest);
  if (!step_done (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) != 1)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "Settings database error: adapter %u of VM %" G_GINT64_FORMAT
                   " is missing", adapter->slot, vm_id);
      return FALSE;
    }

  return TRUE;
}

static gboolean
insert_adapter_children (WbStore          *self,
                         gint64            vm_id,
                         const WbAdapter  *adapter,
                         GError          **error)
{
  for (guint i = 0; i < adapter->generic_props->len; i++)
    {
      const WbProperty *prop = g_ptr_array_index (adapter->generic_props, i);
      g_auto(WbStmt) stmt = get_stmt (self, STMT_PROPERTY_INSERT, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, vm_id);
      sqlite3_bind_int (stmt, 2, adapter->slot);
      bind_text (stmt, 3, prop->name);
      bind_text (stmt, 4, prop->value);
      if (!step_done (self, stmt, error))
        return FALSE;
    }

  for (guint i = 0; i < adapter->nat_rules->len; i++)
    {
      const WbNatRule *rule = g_ptr_array_index (adapter->nat_rules, i);
      g_auto(WbStmt) stmt = get_stmt (self, STMT_RULE_INSERT, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, vm_id);
      sqlite3_bind_int (stmt, 2, adapter->slot);
      sqlite3_bind_int (stmt, 3, i);
      bind_rule (stmt, 4, rule);
      if (!step_done (self, stmt, error))
        return FALSE;
    }

  return TRUE;
}

/* Writes the eight adapters (INSERT or UPDATE) and their rules and
 * properties (always inserted: an update deletes them first). */
static gboolean
write_vm_adapters (WbStore     *self,
                   StmtId       adapter_stmt,
                   const WbVm  *vm,
                   GError     **error)
{
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      if (!write_adapter (self, adapter_stmt, vm->id, &vm->adapters[i], &vm->guest[i], error) ||
          !insert_adapter_children (self, vm->id, &vm->adapters[i], error))
        return FALSE;
    }

  return insert_vm_services (self, vm, error);
}

/* The INSERT or UPDATE of the vm row (the same parameters; an UPDATE that
 * matches no row is NOT_FOUND). */
static gboolean
write_vm_row (WbStore     *self,
              StmtId       id,
              const WbVm  *vm,
              GError     **error)
{
  g_auto(WbStmt) stmt = get_stmt (self, id, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, vm->id);
  bind_text (stmt, 2, vm->uuid);
  bind_text (stmt, 3, vm->name);
  sqlite3_bind_int (stmt, 4, vm->registered);
  sqlite3_bind_int (stmt, 5, vm->ip_forward);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      if (strstr (sqlite3_errmsg (self->db), "vm.uuid") != NULL)
        return set_write_error (self, error,
                                "A VM with UUID '%s' already exists", vm->uuid);
      return set_write_error (self, error, "A VM named '%s' already exists",
                              vm->name);
    }
  if (sqlite3_changes (self->db) == 0)
    return set_vm_not_found (error, vm->name);

  return TRUE;
}

static gboolean
insert_vm (WbStore  *self,
           WbVm     *vm,
           GError  **error)
{
  if (!write_vm_row (self, STMT_VM_INSERT, vm, error))
    return FALSE;

  vm->id = sqlite3_last_insert_rowid (self->db);
  return write_vm_adapters (self, STMT_ADAPTER_INSERT, vm, error);
}

gboolean
wb_store_insert_vm (WbStore  *self,
                    WbVm     *vm,
                    GError  **error)
{
  gint64 old_id;

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (vm != NULL, FALSE);

  old_id = vm->id;
  if (!savepoint_begin (self, error))
    return FALSE;
  if (!savepoint_end (self, insert_vm (self, vm, error), error))
    {
      vm->id = old_id;
      return FALSE;
    }

  return TRUE;
}

static gboolean
update_vm (WbStore     *self,
           const WbVm  *vm,
           GError     **error)
{
  return write_vm_row (self, STMT_VM_UPDATE, vm, error) &&
         run_stmt_id (self, STMT_RULE_DELETE, vm->id, error) &&
         run_stmt_id (self, STMT_PROPERTY_DELETE, vm->id, error) &&
         run_stmt_id (self, STMT_SERVICE_DELETE, vm->id, error) &&
         write_vm_adapters (self, STMT_ADAPTER_UPDATE, vm, error);
}

gboolean
wb_store_update_vm (WbStore     *self,
                    const WbVm  *vm,
                    GError     **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (vm != NULL, FALSE);

  if (!savepoint_begin (self, error))
    return FALSE;
  return savepoint_end (self, update_vm (self, vm, error), error);
}

gboolean
wb_store_delete_vm (WbStore  *self,
                    gint64    vm_id,
                    GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);

  /* Adapters, properties and rules go by ON DELETE CASCADE. */
  if (!run_stmt_id (self, STMT_VM_DELETE, vm_id, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
                   "Could not find a registered machine with id %" G_GINT64_FORMAT,
                   vm_id);
      return FALSE;
    }

  return TRUE;
}

gboolean
wb_store_mac_in_use (WbStore     *self,
                     const char  *mac,
                     gint64       except_vm_id,
                     gboolean    *in_use,
                     GError     **error)
{
  g_auto(WbStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (mac != NULL && in_use != NULL, FALSE);

  stmt = get_stmt (self, STMT_MAC_IN_USE, error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, mac);
  sqlite3_bind_int64 (stmt, 2, except_vm_id);
  rc = step_row (self, stmt, error);
  if (rc < 0)
    return FALSE;

  *in_use = rc == SQLITE_ROW;
  return TRUE;
}

/* A row's first column as a string (never NULL: the column is NOT NULL). */
static gpointer
read_string_row (WbStore       *self,
                 sqlite3_stmt  *row,
                 GError       **error)
{
  return column_dup (row, 0);
}

GPtrArray *
wb_store_list_intnets (WbStore  *self,
                       GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  /* Only registered VMs: an unregistered one is invisible everywhere. */
  return load_rows (self, STMT_INTNETS, read_string_row, g_free, error);
}

/* --- NAT networks ------------------------------------------------------- */

/* A network from a NAT_NETWORK_COLUMNS row, with its rules and loopback
 * mappings. */
static gpointer
read_nat_network (WbStore       *self,
                  sqlite3_stmt  *row,
                  GError       **error)
{
  g_autoptr(WbNatNetwork) net = wb_nat_network_new (column_text (row, 0));
  g_auto(WbStmt) rules = NULL;
  g_auto(WbStmt) loopback = NULL;
  int rc;

  replace_column (&net->network, row, 1);
  net->enabled = column_bool (row, 2);
  net->dhcp = column_bool (row, 3);
  net->ipv6 = column_bool (row, 4);
  replace_column (&net->ipv6_prefix, row, 5);
  net->running = column_bool (row, 6);
  g_ptr_array_set_size (net->rules, 0);
  g_ptr_array_set_size (net->loopback, 0);

  rules = get_stmt (self, STMT_NAT_NETWORK_RULE_SELECT, error);
  if (rules == NULL)
    return NULL;
  bind_text (rules, 1, net->name);
  while ((rc = step_row (self, rules, error)) == SQLITE_ROW)
    {
      WbNatRule *rule = read_rule (self, rules, 0, error);

      if (rule == NULL)
        return NULL;
      g_ptr_array_add (net->rules, rule);
    }
  if (rc < 0)
    return NULL;

  loopback = get_stmt (self, STMT_LOOPBACK_SELECT, error);
  if (loopback == NULL)
    return NULL;
  bind_text (loopback, 1, net->name);
  while ((rc = step_row (self, loopback, error)) == SQLITE_ROW)
    {
      WbLoopbackMap *map = g_new0 (WbLoopbackMap, 1);

      map->address = column_dup (loopback, 0);
      map->offset = (guint) sqlite3_column_int64 (loopback, 1);
      g_ptr_array_add (net->loopback, map);
    }
  if (rc < 0)
    return NULL;

  return g_steal_pointer (&net);
}

WbNatNetwork *
wb_store_load_nat_network (WbStore     *self,
                           const char  *name,
                           GError     **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return load_row (self, STMT_NAT_NETWORK_SELECT, name, read_nat_network,
                   NAT_NETWORK_NOUN, error);
}

GPtrArray *
wb_store_list_nat_networks (WbStore  *self,
                            GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  return load_rows (self, STMT_NAT_NETWORK_LIST, read_nat_network,
                    (GDestroyNotify) wb_nat_network_free, error);
}

static void
bind_nat_network (sqlite3_stmt  *stmt,
                  gconstpointer  object)
{
  const WbNatNetwork *net = object;

  bind_text (stmt, 1, net->name);
  bind_text (stmt, 2, net->network);
  sqlite3_bind_int (stmt, 3, net->enabled);
  sqlite3_bind_int (stmt, 4, net->dhcp);
  sqlite3_bind_int (stmt, 5, net->ipv6);
  bind_text (stmt, 6, net->ipv6_prefix != NULL ? net->ipv6_prefix : "");
  sqlite3_bind_int (stmt, 7, net->running);
}

static gboolean
insert_nat_network_children (WbStore             *self,
                             const WbNatNetwork  *net,
                             GError             **error)
{
  for (guint i = 0; i < net->rules->len; i++)
    {
      g_auto(WbStmt) stmt = get_stmt (self, STMT_NAT_NETWORK_RULE_INSERT, error);

      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, net->name);
      sqlite3_bind_int (stmt, 2, i);
      bind_rule (stmt, 3, g_ptr_array_index (net->rules, i));
      if (!step_done (self, stmt, error))
        return FALSE;
    }

  for (guint i = 0; i < net->loopback->len; i++)
    {
      const WbLoopbackMap *map = g_ptr_array_index (net->loopback, i);
      g_auto(WbStmt) stmt = get_stmt (self, STMT_LOOPBACK_INSERT, error);

      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, net->name);
      sqlite3_bind_int (stmt, 2, i);
      bind_text (stmt, 3, map->address);
      sqlite3_bind_int64 (stmt, 4, map->offset);
      if (!step_done (self, stmt, error))
        return FALSE;
    }

  return TRUE;
}

/* INSERT or UPDATE of the network row (same parameters), then its rules
 * and loopback mappings rewritten, all or nothing. */
static gboolean
write_nat_network (WbStore             *self,
                   StmtId               id,
                   const WbNatNetwork  *net,
                   GError             **error)
{
  if (!savepoint_begin (self, error))
    return FALSE;

  return savepoint_end (self,
                        write_row (self, id, bind_nat_network, net,
                                   NAT_NETWORK_NOUN, net->name, error) &&
                        run_stmt_text (self, STMT_NAT_NETWORK_RULE_DELETE,
                                       net->name, NULL, error) &&
                        run_stmt_text (self, STMT_LOOPBACK_DELETE, net->name,
                                       NULL, error) &&
                        insert_nat_network_children (self, net, error),
                        error);
}

gboolean
wb_store_insert_nat_network (WbStore             *self,
                             const WbNatNetwork  *net,
                             GError             **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (net != NULL, FALSE);

  return write_nat_network (self, STMT_NAT_NETWORK_INSERT, net, error);
}

gboolean
wb_store_update_nat_network (WbStore             *self,
                             const WbNatNetwork  *net,
                             GError             **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (net != NULL, FALSE);

  return write_nat_network (self, STMT_NAT_NETWORK_UPDATE, net, error);
}

gboolean
wb_store_delete_nat_network (WbStore     *self,
                             const char  *name,
                             GError     **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return delete_row (self, STMT_NAT_NETWORK_DELETE, NAT_NETWORK_NOUN, name,
                     error);
}

/* --- host-only interfaces ----------------------------------------------- */

static gpointer
read_host_only_if (WbStore       *self,
                   sqlite3_stmt  *row,
                   GError       **error)
{
  const char *name = column_text (row, 0);
  WbHostOnlyIf *hif;
  guint index;

  if (name == NULL || !wb_host_only_if_index (name, &index))
    {
      set_corrupt (self, error, "host-only interface name", name);
      return NULL;
    }

  hif = wb_host_only_if_new (index);
  replace_str (&hif->name, name);
  replace_column (&hif->guid, row, 1);
  replace_column (&hif->ip, row, 2);
  replace_column (&hif->netmask, row, 3);
  replace_column (&hif->mac, row, 4);
  hif->dhcp = column_bool (row, 5);
  hif->relay = column_bool (row, 6);
  return hif;
}

WbHostOnlyIf *
wb_store_load_host_only_if (WbStore     *self,
                            const char  *name,
                            GError     **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return load_row (self, STMT_HOST_ONLY_IF_SELECT, name, read_host_only_if,
                   HOST_ONLY_IF_NOUN, error);
}

GPtrArray *
wb_store_list_host_only_ifs (WbStore  *self,
                             GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  return load_rows (self, STMT_HOST_ONLY_IF_LIST, read_host_only_if,
                    (GDestroyNotify) wb_host_only_if_free, error);
}

/* The HOST_ONLY_IF_COLUMNS and the index (?8) of a name that
 * write_host_only_if() checked. */
static void
bind_host_only_if (sqlite3_stmt  *stmt,
                   gconstpointer  object)
{
  const WbHostOnlyIf *hif = object;
  guint index = 0;

  wb_host_only_if_index (hif->name, &index);
  bind_text (stmt, 1, hif->name);
  bind_text (stmt, 2, hif->guid);
  bind_text (stmt, 3, hif->ip);
  bind_text (stmt, 4, hif->netmask);
  bind_text (stmt, 5, hif->mac);
  sqlite3_bind_int (stmt, 6, hif->dhcp);
  sqlite3_bind_int (stmt, 7, hif->relay);
  sqlite3_bind_int (stmt, 8, index);
}

static gboolean
write_host_only_if (WbStore             *self,
                    StmtId               id,
                    const WbHostOnlyIf  *hif,
                    GError             **error)
{
  guint index;

  if (hif->name == NULL || !wb_host_only_if_index (hif->name, &index))
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a host-only interface name (vboxnetN)",
                   hif->name != NULL ? hif->name : "");
      return FALSE;
    }

  return write_row (self, id, bind_host_only_if, hif, HOST_ONLY_IF_NOUN,
                    hif->name, error);
}

gboolean
wb_store_insert_host_only_if (WbStore             *self,
                              const WbHostOnlyIf  *hif,
                              GError             **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (hif != NULL, FALSE);

  return write_host_only_if (self, STMT_HOST_ONLY_IF_INSERT, hif, error);
}

gboolean
wb_store_update_host_only_if (WbStore             *self,
                              const WbHostOnlyIf  *hif,
                              GError             **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (hif != NULL, FALSE);

  return write_host_only_if (self, STMT_HOST_ONLY_IF_UPDATE, hif, error);
}

gboolean
wb_store_delete_host_only_if (WbStore     *self,
                              const char  *name,
                              GError     **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return delete_row (self, STMT_HOST_ONLY_IF_DELETE, HOST_ONLY_IF_NOUN, name,
                     error);
}

/* --- DHCP servers ------------------------------------------------------- */

static gpointer
read_dhcp_server (WbStore       *self,
                  sqlite3_stmt  *row,
                  GError       **error)
{
  WbDhcpServer *server = wb_dhcp_server_new (column_text (row, 0));

  replace_column (&server->server_ip, row, 1);
  replace_column (&server->netmask, row, 2);
  replace_column (&server->lower_ip, row, 3);
  replace_column (&server->upper_ip, row, 4);
  server->enabled = column_bool (row, 5);
  return server;
}

WbDhcpServer *
wb_store_load_dhcp_server (WbStore     *self,
                           const char  *network_name,
                           GError     **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);
  g_return_val_if_fail (network_name != NULL, NULL);

  return load_row (self, STMT_DHCP_SERVER_SELECT, network_name,
                   read_dhcp_server, DHCP_SERVER_NOUN, error);
}

GPtrArray *
wb_store_list_dhcp_servers (WbStore  *self,
                            GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  return load_rows (self, STMT_DHCP_SERVER_LIST, read_dhcp_server,
                    (GDestroyNotify) wb_dhcp_server_free, error);
}

static void
bind_dhcp_server (sqlite3_stmt  *stmt,
                  gconstpointer  object)
{
  const WbDhcpServer *server = object;

  bind_text (stmt, 1, server->network_name);
  bind_text (stmt, 2, server->server_ip);
  bind_text (stmt, 3, server->netmask);
  bind_text (stmt, 4, server->lower_ip);
  bind_text (stmt, 5, server->upper_ip);
  sqlite3_bind_int (stmt, 6, server->enabled);
}

gboolean
wb_store_insert_dhcp_server (WbStore             *self,
                             const WbDhcpServer  *server,
                             GError             **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (server != NULL && server->network_name != NULL, FALSE);

  return write_row (self, STMT_DHCP_SERVER_INSERT, bind_dhcp_server, server,
                    DHCP_SERVER_NOUN, server->network_name, error);
}

gboolean
wb_store_update_dhcp_server (WbStore             *self,
                             const WbDhcpServer  *server,
                             GError             **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (server != NULL && server->network_name != NULL, FALSE);

  return write_row (self, STMT_DHCP_SERVER_UPDATE, bind_dhcp_server, server,
                    DHCP_SERVER_NOUN, server->network_name, error);
}

gboolean
wb_store_delete_dhcp_server (WbStore     *self,
                             const char  *network_name,
                             GError     **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (network_name != NULL, FALSE);

  return delete_row (self, STMT_DHCP_SERVER_DELETE, DHCP_SERVER_NOUN,
                     network_name, error);
}

/* --- GObject ------------------------------------------------------------ */

static void
wb_store_finalize (GObject *object)
{
  WbStore *self = (WbStore *) object;

  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (wb_store_parent_class)->finalize (object);
}

static void
wb_store_class_init (WbStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wb_store_finalize;
}

static void
wb_store_init (WbStore *self)
{
}

/* --- DHCP leases -------------------------------------------------------- */

/* A lease is written once per DHCPACK or DHCPRELEASE, not per user action,
 * so its statements are prepared per call and kept out of stmt_sql[]. */
typedef sqlite3_stmt *WbLeaseStmt;

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (WbLeaseStmt, sqlite3_finalize, NULL)

void
wb_dhcp_lease_free (WbDhcpLease *lease)
{
  if (lease == NULL)
    return;
  g_free (lease->mac);
  g_free (lease->ip);
  g_free (lease);
}

static sqlite3_stmt *
prepare_lease_stmt (WbStore     *self,
                    const char  *sql,
                    const char  *network_name,
                    GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  bind_text (stmt, 1, network_name);
  return stmt;
}

GPtrArray *
wb_store_load_dhcp_leases (WbStore     *self,
                           const char  *network_name,
                           GError     **error)
{
  g_auto(WbLeaseStmt) stmt = NULL;
  g_autoptr(GPtrArray) leases = NULL;
  int rc;

  g_return_val_if_fail (WB_IS_STORE (self), NULL);
  g_return_val_if_fail (network_name != NULL, NULL);

  stmt = prepare_lease_stmt (self,
                             "SELECT mac, ip, expires FROM dhcp_lease"
                             " WHERE network_name = ?1 ORDER BY rowid",
                             network_name, error);
  if (stmt == NULL)
    return NULL;

  leases = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_dhcp_lease_free);
  while ((rc = step_row (self, stmt, error)) == SQLITE_ROW)
    {
      WbDhcpLease *lease = g_new0 (WbDhcpLease, 1);

      lease->mac = g_strdup (column_text (stmt, 0));
      lease->ip = g_strdup (column_text (stmt, 1));
      lease->expires = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (leases, lease);
    }
  if (rc < 0)
    return NULL;

  return g_steal_pointer (&leases);
}

static gboolean
write_dhcp_lease (WbStore            *self,
                  const char         *network_name,
                  const WbDhcpLease  *lease,
                  GError            **error)
{
  g_auto(WbLeaseStmt) drop = NULL;
  g_auto(WbLeaseStmt) upsert = NULL;

  drop = prepare_lease_stmt (self,
                             "DELETE FROM dhcp_lease WHERE network_name = ?1"
                             " AND ip = ?2 AND mac <> ?3",
                             network_name, error);
  if (drop == NULL)
    return FALSE;
  bind_text (drop, 2, lease->ip);
  bind_text (drop, 3, lease->mac);
  if (!step_done (self, drop, error))
    return FALSE;

  upsert = prepare_lease_stmt (self,
                               "INSERT INTO dhcp_lease"
                               " (network_name, mac, ip, expires)"
                               " VALUES (?1, ?2, ?3, ?4)"
                               " ON CONFLICT (network_name, mac) DO UPDATE"
                               " SET ip = excluded.ip,"
                               " expires = excluded.expires",
                               network_name, error);
  if (upsert == NULL)
    return FALSE;
  bind_text (upsert, 2, lease->mac);
  bind_text (upsert, 3, lease->ip);
  sqlite3_bind_int64 (upsert, 4, lease->expires);
  return step_done (self, upsert, error);
}

gboolean
wb_store_save_dhcp_lease (WbStore            *self,
                          const char         *network_name,
                          const WbDhcpLease  *lease,
                          GError            **error)
{
  gboolean ok;

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (network_name != NULL, FALSE);
  g_return_val_if_fail (lease != NULL && lease->mac != NULL && lease->ip != NULL,
                        FALSE);

  if (!savepoint_begin (self, error))
    return FALSE;
  ok = write_dhcp_lease (self, network_name, lease, error);
  return savepoint_end (self, ok, error);
}

gboolean
wb_store_delete_dhcp_lease (WbStore     *self,
                            const char  *network_name,
                            const char  *mac,
                            GError     **error)
{
  g_auto(WbLeaseStmt) stmt = NULL;

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (network_name != NULL, FALSE);
  g_return_val_if_fail (mac != NULL, FALSE);

  stmt = prepare_lease_stmt (self,
                             "DELETE FROM dhcp_lease"
                             " WHERE network_name = ?1 AND mac = ?2",
                             network_name, error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 2, mac);
  return step_done (self, stmt, error);
}
