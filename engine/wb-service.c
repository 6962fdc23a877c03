/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-service.h"

#include <string.h>

#include "wb-error.h"
#include "wb-hostifs.h"
#include "wb-matrix.h"
#include "wb-modes.h"
#include "wb-probe.h"
#include "wb-variant.h"

#define ROOT_PATH "/io/github/wirebox/Engine"

typedef struct
{
  WbService                *service;
  GDBusConnection          *connection;
  GDBusObjectManagerServer *manager;     /* NULL until Subscribe() */
  GHashTable               *loaded;      /* UUIDs whose Adapters are filled,
                                          * after SubscribeSummaries(); else NULL */
  gulong                    closed_id;
} Client;

struct _WbService
{
  WbDBusEngineSkeleton  parent_instance;

  WbSettings           *settings;
  WbRuntime            *runtime;
  GPtrArray            *clients;         /* Client* */
  WbMatrix             *matrix;          /* from the first RunMatrix or GetMatrix */
  gint64                progress_at;     /* MatrixProgress: the last one sent */
  GSource              *progress_source; /* ... and the one held back */
  guint                 progress[3];     /* generation, done, total */
};

static void wb_service_iface_init (WbDBusEngineIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WbService, wb_service, WB_DBUS_TYPE_ENGINE_SKELETON,
                               G_IMPLEMENT_INTERFACE (WB_DBUS_TYPE_ENGINE,
                                                      wb_service_iface_init))

enum {
  PROP_0,
  PROP_N_CONNECTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- replies ----------------------------------------------------------- */

/* Returns FALSE with the error sent when @ok is FALSE. Errors that are not
 * the engine's own still reach the caller as io.github.wirebox.Error.Failed. */
static gboolean
reply_error (GDBusMethodInvocation *invocation,
             GError                *error)
{
  if (error->domain == WB_ERROR)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error_literal (invocation, WB_ERROR,
                                                   WB_ERROR_FAILED,
                                                   error->message);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
reply_empty (GDBusMethodInvocation *invocation,
             gboolean               ok,
             GError                *error)
{
  if (!ok)
    return reply_error (invocation, error);
  g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* A wb_dbus_engine_complete_*() whose answer is one GVariant... */
typedef void (*CompleteFunc) (WbDBusEngine          *object,
                              GDBusMethodInvocation *invocation,
                              GVariant              *answer);

/* ... or one string. */
typedef void (*CompleteStringFunc) (WbDBusEngine          *object,
                                    GDBusMethodInvocation *invocation,
                                    const char            *answer);

/* Completes with @answer, or fails with @error when @answer is NULL. */
static gboolean
reply_value (WbDBusEngine          *iface,
             GDBusMethodInvocation *invocation,
             CompleteFunc           complete,
             GVariant              *answer,
             GError                *error)
{
  if (answer == NULL)
    return reply_error (invocation, error);
  complete (iface, invocation, answer);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
reply_string (WbDBusEngine          *iface,
              GDBusMethodInvocation *invocation,
              CompleteStringFunc     complete,
              const char            *answer,
              GError                *error)
{
  if (answer == NULL)
    return reply_error (invocation, error);
  complete (iface, invocation, answer);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

typedef struct
{
  const char *key;
  const char *type;
} OptionSpec;

/* Refuses an a{sv} @options with a key not in @specs (UnknownOption) or
 * a value of another type (InvalidArgument): g_variant_lookup() would
 * silently skip both. */
static gboolean
check_vardict (GVariant          *options,
               const OptionSpec  *specs,
               gsize              n_specs,
               GError           **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      gsize i;

      for (i = 0; i < n_specs && strcmp (specs[i].key, key) != 0; i++)
        ;
      if (i == n_specs)
        {
          g_set_error (error, WB_ERROR, WB_ERROR_UNKNOWN_OPTION, "Unknown option '%s'", key);
          g_variant_unref (value);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (specs[i].type)))
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       "Option '%s' must be of type '%s', not '%s'",
                       key, specs[i].type, g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }
    }
  return TRUE;
}

typedef GVariant *(*ToVariantFunc) (gconstpointer item);

/* Replies (aa{sv}) with every item of @items as a dictionary, or the error
 * when @items is NULL. */
static gboolean
reply_dicts (GDBusMethodInvocation *invocation,
             GPtrArray             *items,
             GError                *error,
             ToVariantFunc          to_variant)
{
  GVariantBuilder builder;

  if (items == NULL)
    return reply_error (invocation, error);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < items->len; i++)
    g_variant_builder_add_value (&builder, to_variant (g_ptr_array_index (items, i)));
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(@aa{sv})", g_variant_builder_end (&builder)));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

typedef gboolean (*OptionsFunc) (WbSettings      *settings,
                                 const char      *name,
                                 const WbOption  *options,
                                 gsize            n_options,
                                 GError         **error);

/* Calls @func with the (key, value) pairs of @options and replies. */
static gboolean
reply_options_call (WbService             *self,
                    GDBusMethodInvocation *invocation,
                    OptionsFunc            func,
                    const char            *name,
                    GVariant              *options)
{
  g_autoptr(GError) error = NULL;
  g_autofree WbOption *list = NULL;
  gsize n = 0;
  gboolean ok;

  list = wb_variant_to_options (options, &n);
  ok = func (self->settings, name, list, n, &error);
  return reply_empty (invocation, ok, error);
}

typedef gboolean (*VmChangesFunc) (WbSettings        *settings,
                                   const char        *vm,
                                   const WbVmChange  *changes,
                                   gsize              n_changes,
                                   GError           **error);

/* Calls @func with the (key, slot, value) triples of @changes and replies. */
static gboolean
reply_vm_changes (WbService             *self,
                  GDBusMethodInvocation *invocation,
                  VmChangesFunc          func,
                  const char            *vm,
                  GVariant              *changes)
{
  g_autoptr(GError) error = NULL;
  g_autofree WbVmChange *list = NULL;
  gsize n = 0;
  gboolean ok;

  list = wb_variant_to_vm_changes (changes, &n);
  ok = func (self->settings, vm, list, n, &error);
  return reply_empty (invocation, ok, error);
}

typedef gboolean (*NameFunc) (WbSettings  *settings,
                              const char  *name,
                              GError     **error);

static gboolean
reply_name_call (WbService             *self,
                 GDBusMethodInvocation *invocation,
                 NameFunc               func,
                 const char            *name)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = func (self->settings, name, &error);

  return reply_empty (invocation, ok, error);
}

static gboolean
start_nat_network (WbSettings  *settings,
                   const char  *name,
                   GError     **error)
{
  return wb_settings_set_nat_network_running (settings, name, TRUE, error);
}

static gboolean
stop_nat_network (WbSettings  *settings,
                  const char  *name,
                  GError     **error)
{
  return wb_settings_set_nat_network_running (settings, name, FALSE, error);
}

/* --- the object tree, per subscribed client ------------------------------ */

static char *
object_path (WbObjectKind  kind,
             const char   *id)
{
  static const char *const folders[] = {
    [WB_OBJECT_VM] = "vm",
    [WB_OBJECT_NAT_NETWORK] = "natnetwork",
    [WB_OBJECT_HOST_ONLY_IF] = "hostonly",
    [WB_OBJECT_DHCP_SERVER] = "dhcp",
  };
  g_autofree char *escaped = g_dbus_escape_object_path (id);

  return g_strdup_printf (ROOT_PATH "/%s/%s", folders[kind], escaped);
}

static gboolean
on_vm_modify_cb (WbDBusVm              *vm,
                 GDBusMethodInvocation *invocation,
                 GVariant              *changes,
                 WbService             *self)
{
  return reply_vm_changes (self, invocation, wb_settings_modify_vm, wb_dbus_vm_get_uuid (vm), changes);
}

static void refresh_object (WbService    *self,
                            Client       *client,
                            WbObjectKind  kind,
                            const char   *id);
static Client *find_client (WbService       *self,
                            GDBusConnection *connection);

static gboolean
on_vm_load_adapters_cb (WbDBusVm              *vm,
                        GDBusMethodInvocation *invocation,
                        WbService             *self)
{
  Client *client = find_client (self, g_dbus_method_invocation_get_connection (invocation));
  const char *uuid = wb_dbus_vm_get_uuid (vm);

  if (client != NULL && client->loaded != NULL &&
      g_hash_table_add (client->loaded, g_strdup (uuid)))
    {
      refresh_object (self, client, WB_OBJECT_VM, uuid);
      /* The new value reaches the caller before the reply. */
      g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (vm));
    }
  wb_dbus_vm_complete_load_adapters (vm, invocation, wb_dbus_vm_get_adapters (vm));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_nat_network_modify_cb (WbDBusNatNetwork      *net,
                          GDBusMethodInvocation *invocation,
                          GVariant              *options,
                          WbService             *self)
{
  return reply_options_call (self, invocation, wb_settings_modify_nat_network,
                             wb_dbus_nat_network_get_name (net), options);
}

static gboolean
on_dhcp_server_modify_cb (WbDBusDhcpServer      *server,
                          GDBusMethodInvocation *invocation,
                          GVariant              *options,
                          WbService             *self)
{
  return reply_options_call (self, invocation, wb_settings_modify_dhcp_server,
                             wb_dbus_dhcp_server_get_network_name (server), options);
}

/* Finds the interface skeleton of @kind at @path in @manager, creating and
 * exporting the object when it does not exist yet. */
static gpointer
ensure_interface (WbService                *self,
                  GDBusObjectManagerServer *manager,
                  WbObjectKind              kind,
                  const char               *path)
{
  g_autoptr(GDBusObject) existing = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (manager), path);
  g_autoptr(WbDBusObjectSkeleton) object = NULL;
  gpointer iface = NULL;

  if (existing != NULL)
    {
      WbDBusObject *o = WB_DBUS_OBJECT (existing);

      switch (kind)
        {
        case WB_OBJECT_VM: return wb_dbus_object_peek_vm (o);
        case WB_OBJECT_NAT_NETWORK: return wb_dbus_object_peek_nat_network (o);
        case WB_OBJECT_HOST_ONLY_IF: return wb_dbus_object_peek_host_only_if (o);
        case WB_OBJECT_DHCP_SERVER: return wb_dbus_object_peek_dhcp_server (o);
        default: g_return_val_if_reached (NULL);
        }
    }

  object = wb_dbus_object_skeleton_new (path);
  switch (kind)
    {
    case WB_OBJECT_VM:
      iface = wb_dbus_vm_skeleton_new ();
      g_signal_connect_object (iface, "handle-modify", G_CALLBACK (on_vm_modify_cb), self, 0);
      g_signal_connect_object (iface, "handle-load-adapters", G_CALLBACK (on_vm_load_adapters_cb), self, 0);
      wb_dbus_object_skeleton_set_vm (object, iface);
      break;
    case WB_OBJECT_NAT_NETWORK:
      iface = wb_dbus_nat_network_skeleton_new ();
      g_signal_connect_object (iface, "handle-modify", G_CALLBACK (on_nat_network_modify_cb), self, 0);
      wb_dbus_object_skeleton_set_nat_network (object, iface);
      break;
    case WB_OBJECT_HOST_ONLY_IF:
      iface = wb_dbus_host_only_if_skeleton_new ();
      wb_dbus_object_skeleton_set_host_only_if (object, iface);
      break;
    case WB_OBJECT_DHCP_SERVER:
      iface = wb_dbus_dhcp_server_skeleton_new ();
      g_signal_connect_object (iface, "handle-modify", G_CALLBACK (on_dhcp_server_modify_cb), self, 0);
      wb_dbus_object_skeleton_set_dhcp_server (object, iface);
      break;
    default:
      g_return_val_if_reached (NULL);
    }
  g_object_unref (iface);  /* the object holds it */
  g_dbus_object_manager_server_export (manager, G_DBUS_OBJECT_SKELETON (object));
  return iface;
}

static void
publish_vm (WbService  *self,
            Client     *client,
            const WbVm *vm)
{
  g_autofree char *path = object_path (WB_OBJECT_VM, vm->uuid);
  WbDBusVm *iface = ensure_interface (self, client->manager, WB_OBJECT_VM, path);
  gboolean full = client->loaded == NULL || g_hash_table_contains (client->loaded, vm->uuid);

  wb_dbus_vm_set_name (iface, vm->name);
  wb_dbus_vm_set_uuid (iface, vm->uuid);
  wb_dbus_vm_set_state (iface, vm->running ? "running" : "poweroff");
  wb_dbus_vm_set_summary (iface, wb_variant_adapter_summary (vm));
  if (full)
    wb_dbus_vm_set_adapters (iface, wb_variant_from_adapters (vm));
  else
    wb_dbus_vm_set_adapters (iface, g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));
}

static void
publish_nat_network (WbService                *self,
                     GDBusObjectManagerServer *manager,
                     const WbNatNetwork       *net)
{
  g_autofree char *path = object_path (WB_OBJECT_NAT_NETWORK, net->name);
  WbDBusNatNetwork *iface = ensure_interface (self, manager, WB_OBJECT_NAT_NETWORK, path);

  wb_dbus_nat_network_set_name (iface, net->name);
  wb_dbus_nat_network_set_info (iface, wb_variant_from_nat_network (net));
}

static void
publish_host_only_if (WbService                *self,
                      GDBusObjectManagerServer *manager,
                      const WbHostOnlyIf       *hif)
{
  g_autofree char *path = object_path (WB_OBJECT_HOST_ONLY_IF, hif->name);
  WbDBusHostOnlyIf *iface = ensure_interface (self, manager, WB_OBJECT_HOST_ONLY_IF, path);

  wb_dbus_host_only_if_set_name (iface, hif->name);
  wb_dbus_host_only_if_set_info (iface, wb_variant_from_host_only_if (hif));
}

static void
publish_dhcp_server (WbService                *self,
                     GDBusObjectManagerServer *manager,
                     const WbDhcpServer       *server)
{
  g_autofree char *path = object_path (WB_OBJECT_DHCP_SERVER, server->network_name);
  WbDBusDhcpServer *iface = ensure_interface (self, manager, WB_OBJECT_DHCP_SERVER, path);

  wb_dbus_dhcp_server_set_network_name (iface, server->network_name);
  wb_dbus_dhcp_server_set_info (iface, wb_variant_from_dhcp_server (server));
}

/* Reads the current state of one object, or NULL when it no longer exists
 * (or, with a warning, cannot be read). */
static gpointer
load_object (WbService       *self,
             WbObjectKind     kind,
             const char      *id,
             GDestroyNotify  *free_func)
{
  WbStore *store = wb_settings_get_store (self->settings);
  g_autoptr(GError) error = NULL;
  gpointer object;

  switch (kind)
    {
    case WB_OBJECT_VM:
      object = wb_settings_get_vm (self->settings, id, &error);
      *free_func = (GDestroyNotify) wb_vm_free;
      break;
    case WB_OBJECT_NAT_NETWORK:
      object = wb_store_load_nat_network (store, id, &error);
      *free_func = (GDestroyNotify) wb_nat_network_free;
      break;
    case WB_OBJECT_HOST_ONLY_IF:
      object = wb_store_load_host_only_if (store, id, &error);
      *free_func = (GDestroyNotify) wb_host_only_if_free;
      break;
    case WB_OBJECT_DHCP_SERVER:
      object = wb_store_load_dhcp_server (store, id, &error);
      *free_func = (GDestroyNotify) wb_dhcp_server_free;
      break;
    default:
      g_return_val_if_reached (NULL);
    }

  if (object == NULL && !g_error_matches (error, WB_ERROR, WB_ERROR_NOT_FOUND))
    {
      g_autofree char *path = object_path (kind, id);

      g_warning ("Cannot publish %s: %s", path, error->message);
    }
  return object;
}

/* Publishes @object on @client's manager, or unexports @id when @object
 * is NULL. */
static void
publish_object (WbService     *self,
                Client        *client,
                WbObjectKind   kind,
                const char    *id,
                gconstpointer  object)
{
  GDBusObjectManagerServer *manager = client->manager;

  if (object == NULL)
    {
      g_autofree char *path = object_path (kind, id);

      g_dbus_object_manager_server_unexport (manager, path);
      return;
    }

  switch (kind)
    {
    case WB_OBJECT_VM:
      publish_vm (self, client, object);
      break;
    case WB_OBJECT_NAT_NETWORK:
      publish_nat_network (self, manager, object);
      break;
    case WB_OBJECT_HOST_ONLY_IF:
      publish_host_only_if (self, manager, object);
      break;
    case WB_OBJECT_DHCP_SERVER:
      publish_dhcp_server (self, manager, object);
      break;
    default:
      g_return_if_reached ();
    }
}

/* Publishes the current state of one object on @client's manager, or
 * unexports it when it no longer exists. */
static void
refresh_object (WbService    *self,
                Client       *client,
                WbObjectKind  kind,
                const char   *id)
{
  GDestroyNotify free_func = NULL;
  gpointer object = load_object (self, kind, id, &free_func);

  publish_object (self, client, kind, id, object);
  if (object != NULL)
    free_func (object);
}

/* Read once, published to every subscribed client. */
static void
on_settings_changed_cb (WbSettings *settings,
                        guint       kind,
                        const char *id,
                        WbService  *self)
{
  GDestroyNotify free_func = NULL;
  gpointer object = NULL;
  gboolean loaded = FALSE;

  for (guint i = 0; i < self->clients->len; i++)
    {
      Client *client = g_ptr_array_index (self->clients, i);

      if (client->manager == NULL)
        continue;
      if (!loaded)
        {
          object = load_object (self, kind, id, &free_func);
          loaded = TRUE;
        }
      publish_object (self, client, kind, id, object);
    }
  if (object != NULL)
    free_func (object);
}

/* Exports every object on a freshly subscribed client's manager. */
static gboolean
publish_all (WbService  *self,
             Client     *client,
             GError    **error)
{
  GDBusObjectManagerServer *manager = client->manager;
  WbStore *store = wb_settings_get_store (self->settings);
  g_autoptr(GPtrArray) vms = NULL;
  g_autoptr(GPtrArray) nets = NULL;
  g_autoptr(GPtrArray) hifs = NULL;
  g_autoptr(GPtrArray) servers = NULL;

  if (!(vms = wb_store_load_all_vms (store, error)) ||
      !(nets = wb_store_list_nat_networks (store, error)) ||
      !(hifs = wb_store_list_host_only_ifs (store, error)) ||
      !(servers = wb_store_list_dhcp_servers (store, error)))
    return FALSE;

  for (guint i = 0; i < vms->len; i++)
    {
      WbVm *vm = g_ptr_array_index (vms, i);

      /* What only the engine knows; not a second load of every VM. */
      vm->running = wb_runtime_is_running (self->runtime, vm->uuid);
      publish_vm (self, client, vm);
    }
  for (guint i = 0; i < nets->len; i++)
    publish_nat_network (self, manager, g_ptr_array_index (nets, i));
  for (guint i = 0; i < hifs->len; i++)
    publish_host_only_if (self, manager, g_ptr_array_index (hifs, i));
  for (guint i = 0; i < servers->len; i++)
    publish_dhcp_server (self, manager, g_ptr_array_index (servers, i));
  return TRUE;
}

/* --- clients ----------------------------------------------------------- */

static void
client_free (Client *client)
{
  g_clear_signal_handler (&client->closed_id, client->connection);
  if (client->manager != NULL)
    g_dbus_object_manager_server_set_connection (client->manager, NULL);
  g_clear_object (&client->manager);
  g_clear_pointer (&client->loaded, g_hash_table_unref);
  g_dbus_interface_skeleton_unexport_from_connection (G_DBUS_INTERFACE_SKELETON (client->service),
                                                      client->connection);
  g_clear_object (&client->connection);
  g_free (client);
}

static Client *
find_client (WbService       *self,
             GDBusConnection *connection)
{
  for (guint i = 0; i < self->clients->len; i++)
    {
      Client *client = g_ptr_array_index (self->clients, i);

      if (client->connection == connection)
        return client;
    }
  return NULL;
}

static void
on_connection_closed_cb (GDBusConnection *connection,
                         gboolean         remote_peer_vanished,
                         GError          *error,
                         WbService       *self)
{
  Client *client = find_client (self, connection);

  if (client != NULL)
    {
      g_ptr_array_remove (self->clients, client);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTIONS]);
    }
}

void
wb_service_add_connection (WbService       *self,
                           GDBusConnection *connection)
{
  g_autoptr(GError) error = NULL;
  Client *client;

  g_return_if_fail (WB_IS_SERVICE (self));
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self), connection,
                                         ROOT_PATH, &error))
    {
      g_warning ("Cannot serve a client: %s", error->message);
      g_dbus_connection_close (connection, NULL, NULL, NULL);
      return;
    }

  client = g_new0 (Client, 1);
  client->service = self;
  client->connection = g_object_ref (connection);
  client->closed_id = g_signal_connect_object (connection, "closed",
                                               G_CALLBACK (on_connection_closed_cb),
                                               self, 0);
  g_ptr_array_add (self->clients, client);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTIONS]);
}

guint
wb_service_get_n_connections (WbService *self)
{
  g_return_val_if_fail (WB_IS_SERVICE (self), 0);

  return self->clients->len;
}

void
wb_service_close_all (WbService *self)
{
  g_return_if_fail (WB_IS_SERVICE (self));

  while (self->clients->len > 0)
    {
      Client *client = g_ptr_array_index (self->clients, self->clients->len - 1);
      g_autoptr(GDBusConnection) connection = g_object_ref (client->connection);

      g_ptr_array_remove_index (self->clients, self->clients->len - 1);
      g_dbus_connection_flush_sync (connection, NULL, NULL);
      g_dbus_connection_close_sync (connection, NULL, NULL);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTIONS]);
}

/* --- io.github.wirebox.Engine ----------------------------------------- */

/* Exports the object tree on the caller's connection, with each VM's
 * Adapters filled unless @summaries. */
static gboolean
subscribe (WbService             *self,
           GDBusMethodInvocation *invocation,
           gboolean               summaries)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  Client *client = find_client (self, connection);
  g_autoptr(GError) error = NULL;

  if (client == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, WB_ERROR, WB_ERROR_FAILED,
                                                     "Unknown connection");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (client->manager == NULL)
    {
      client->manager = g_dbus_object_manager_server_new (ROOT_PATH);
      if (summaries)
        client->loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (!publish_all (self, client, &error))
        {
          g_clear_object (&client->manager);
          g_clear_pointer (&client->loaded, g_hash_table_unref);
          return reply_error (invocation, error);
        }
      g_dbus_object_manager_server_set_connection (client->manager, connection);
    }
  return reply_empty (invocation, TRUE, NULL);
}

static gboolean
handle_subscribe (WbDBusEngine          *iface,
                  GDBusMethodInvocation *invocation)
{
  return subscribe (WB_SERVICE (iface), invocation, FALSE);
}

static gboolean
handle_subscribe_summaries (WbDBusEngine          *iface,
                            GDBusMethodInvocation *invocation)
{
  return subscribe (WB_SERVICE (iface), invocation, TRUE);
}

static gboolean
handle_create_vm (WbDBusEngine          *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *name,
                  gboolean               do_register)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wb_settings_create_vm (self->settings, name, do_register, &error);

  return reply_string (iface, invocation, wb_dbus_engine_complete_create_vm, uuid, error);
}

static gboolean
handle_delete_vm (WbDBusEngine          *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *vm,
                  gboolean               delete_files)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) found = NULL;
  gboolean ok;

  /* The files are named after the VM: only then is it loaded here too. */
  if (delete_files && (found = wb_settings_get_vm (self->settings, vm, &error)) == NULL)
    return reply_error (invocation, error);
  ok = wb_settings_delete_vm (self->settings, found != NULL ? found->uuid : vm, &error);
  if (ok && found != NULL)
    wb_runtime_delete_vm_files (self->runtime, found->name);
  return reply_empty (invocation, ok, error);
}

static gboolean
handle_list_vms (WbDBusEngine          *iface,
                 GDBusMethodInvocation *invocation)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vms = wb_store_list_vms (wb_settings_get_store (self->settings), &error);
  GVariantBuilder builder;

  if (vms == NULL)
    return reply_error (invocation, error);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < vms->len; i++)
    {
      const WbVm *vm = g_ptr_array_index (vms, i);

      g_variant_builder_add (&builder, "(ss)", vm->name, vm->uuid);
    }
  wb_dbus_engine_complete_list_vms (iface, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_vm (WbDBusEngine          *iface,
               GDBusMethodInvocation *invocation,
               const char            *name)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) vm = wb_settings_get_vm (self->settings, name, &error);

  return reply_value (iface, invocation, wb_dbus_engine_complete_get_vm,
                      vm != NULL ? wb_variant_from_vm (vm) : NULL, error);
}

static gboolean
handle_modify_vm (WbDBusEngine          *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *vm,
                  GVariant              *changes)
{
  return reply_vm_changes (WB_SERVICE (iface), invocation, wb_settings_modify_vm, vm, changes);
}

static gboolean
handle_list_int_nets (WbDBusEngine          *iface,
                      GDBusMethodInvocation *invocation)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = wb_store_list_intnets (wb_settings_get_store (self->settings), &error);

  if (names == NULL)
    return reply_error (invocation, error);
  g_ptr_array_add (names, NULL);
  wb_dbus_engine_complete_list_int_nets (iface, invocation, (const char * const *) names->pdata);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_bridged_ifs (WbDBusEngine          *iface,
                         GDBusMethodInvocation *invocation)
{
  g_autoptr(GPtrArray) hostifs = wb_host_ifs_list ();

  return reply_dicts (invocation, hostifs, NULL, (ToVariantFunc) wb_variant_from_host_if);
}

static gboolean
handle_add_nat_network (WbDBusEngine          *iface,
                        GDBusMethodInvocation *invocation,
                        const char            *name,
                        GVariant              *options)
{
  return reply_options_call (WB_SERVICE (iface), invocation,
                             wb_settings_add_nat_network, name, options);
}

static gboolean
handle_modify_nat_network (WbDBusEngine          *iface,
                           GDBusMethodInvocation *invocation,
                           const char            *name,
                           GVariant              *options)
{
  return reply_options_call (WB_SERVICE (iface), invocation,
                             wb_settings_modify_nat_network, name, options);
}

static gboolean
handle_remove_nat_network (WbDBusEngine          *iface,
                           GDBusMethodInvocation *invocation,
                           const char            *name)
{
  return reply_name_call (WB_SERVICE (iface), invocation, wb_settings_remove_nat_network, name);
}

static gboolean
handle_start_nat_network (WbDBusEngine          *iface,
                          GDBusMethodInvocation *invocation,
                          const char            *name)
{
  return reply_name_call (WB_SERVICE (iface), invocation, start_nat_network, name);
}

static gboolean
handle_stop_nat_network (WbDBusEngine          *iface,
                         GDBusMethodInvocation *invocation,
                         const char            *name)
{
  return reply_name_call (WB_SERVICE (iface), invocation, stop_nat_network, name);
}

static gboolean
handle_list_nat_networks (WbDBusEngine          *iface,
                          GDBusMethodInvocation *invocation)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nets = wb_store_list_nat_networks (wb_settings_get_store (self->settings), &error);

  return reply_dicts (invocation, nets, error, (ToVariantFunc) wb_variant_from_nat_network);
}

static gboolean
handle_create_host_only_if (WbDBusEngine          *iface,
                            GDBusMethodInvocation *invocation)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = wb_settings_create_host_only_if (self->settings, &error);

  return reply_string (iface, invocation, wb_dbus_engine_complete_create_host_only_if, name,
                       error);
}

static gboolean
handle_remove_host_only_if (WbDBusEngine          *iface,
                            GDBusMethodInvocation *invocation,
                            const char            *name)
{
  return reply_name_call (WB_SERVICE (iface), invocation, wb_settings_remove_host_only_if, name);
}

static gboolean
handle_configure_host_only_if (WbDBusEngine          *iface,
                               GDBusMethodInvocation *invocation,
                               const char            *name,
                               const char            *ip,
                               const char            *netmask)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  gboolean ok = wb_settings_configure_host_only_if (self->settings, name, ip, netmask, &error);

  return reply_empty (invocation, ok, error);
}

static gboolean
handle_set_host_only_relay (WbDBusEngine          *iface,
                            GDBusMethodInvocation *invocation,
                            const char            *name,
                            gboolean               relay)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  gboolean ok = wb_settings_set_host_only_relay (self->settings, name, relay, &error);

  return reply_empty (invocation, ok, error);
}

static gboolean
handle_list_host_only_ifs (WbDBusEngine          *iface,
                           GDBusMethodInvocation *invocation)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hifs = wb_store_list_host_only_ifs (wb_settings_get_store (self->settings), &error);

  return reply_dicts (invocation, hifs, error, (ToVariantFunc) wb_variant_from_host_only_if);
}

static gboolean
handle_add_dhcp_server (WbDBusEngine          *iface,
                        GDBusMethodInvocation *invocation,
                        const char            *network,
                        GVariant              *options)
{
  return reply_options_call (WB_SERVICE (iface), invocation,
                             wb_settings_add_dhcp_server, network, options);
}

static gboolean
handle_modify_dhcp_server (WbDBusEngine          *iface,
                           GDBusMethodInvocation *invocation,
                           const char            *network,
                           GVariant              *options)
{
  return reply_options_call (WB_SERVICE (iface), invocation,
                             wb_settings_modify_dhcp_server, network, options);
}

static gboolean
handle_remove_dhcp_server (WbDBusEngine          *iface,
                           GDBusMethodInvocation *invocation,
                           const char            *network)
{
  return reply_name_call (WB_SERVICE (iface), invocation, wb_settings_remove_dhcp_server, network);
}

static gboolean
handle_list_dhcp_servers (WbDBusEngine          *iface,
                          GDBusMethodInvocation *invocation)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) servers = wb_store_list_dhcp_servers (wb_settings_get_store (self->settings), &error);

  return reply_dicts (invocation, servers, error, (ToVariantFunc) wb_variant_from_dhcp_server);
}

static gboolean
handle_configure_guest (WbDBusEngine          *iface,
                        GDBusMethodInvocation *invocation,
                        const char            *vm,
                        GVariant              *changes)
{
  return reply_vm_changes (WB_SERVICE (iface), invocation, wb_settings_configure_guest,
                           vm, changes);
}

static gboolean
handle_start_vm (WbDBusEngine          *iface,
                 GDBusMethodInvocation *invocation,
                 const char            *vm,
                 const char            *type)
{
  /* VBoxManage's front-ends: all the same to Wirebox, whose VMs have no
   * screen, but a typo is still refused. */
  static const char * const types[] = { "", "headless", "gui", "sdl", "separate", NULL };
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (!g_strv_contains (types, type))
    {
      g_dbus_method_invocation_return_error (invocation, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                                             "Invalid VM type '%s': expected headless, gui, "
                                             "sdl or separate", g_utf8_validate (type, -1, NULL) ? type : "?");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  ok = wb_runtime_start_vm (self->runtime, vm, &error);
  return reply_empty (invocation, ok, error);
}

static gboolean
handle_control_vm (WbDBusEngine          *iface,
                   GDBusMethodInvocation *invocation,
                   const char            *vm,
                   const char            *key,
                   guint                  slot,
                   const char * const    *args)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_strcmp0 (key, "poweroff") == 0)
    ok = wb_runtime_poweroff_vm (self->runtime, vm, &error);
  else if (g_strcmp0 (key, "reset") == 0)
    ok = wb_runtime_reset_vm (self->runtime, vm, &error);
  else
    ok = wb_runtime_control_vm (self->runtime, vm, key, slot, args, &error);
  return reply_empty (invocation, ok, error);
}

static gboolean
handle_list_running_vms (WbDBusEngine          *iface,
                         GDBusMethodInvocation *invocation)
{
  WbService *self = WB_SERVICE (iface);

  /* The runtime knows what runs: no need to read every VM of the store. */
  wb_dbus_engine_complete_list_running_vms (iface, invocation,
                                            wb_runtime_list_running (self->runtime));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_nic_stats (WbDBusEngine          *iface,
                      GDBusMethodInvocation *invocation,
                      const char            *vm)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  GVariant *stats = wb_runtime_get_nic_stats (self->runtime, vm, &error);

  return reply_value (iface, invocation, wb_dbus_engine_complete_get_nic_stats, stats, error);
}

static gboolean
handle_get_nat_network_status (WbDBusEngine          *iface,
                               GDBusMethodInvocation *invocation,
                               const char            *name)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  gboolean running = FALSE;
  GVariant *rules = wb_runtime_get_nat_network_status (self->runtime, name, &running, &error);

  if (rules == NULL)
    return reply_error (invocation, error);
  wb_dbus_engine_complete_get_nat_network_status (iface, invocation, running, rules);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_guest_properties (WbDBusEngine          *iface,
                             GDBusMethodInvocation *invocation,
                             const char            *vm)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  GVariant *values = wb_runtime_get_properties (self->runtime, vm, &error);

  return reply_value (iface, invocation, wb_dbus_engine_complete_get_guest_properties, values,
                      error);
}

/* The pending reply of a call that completes later. When the caller goes
 * away first, its command or wait is cancelled rather than left running. */
typedef struct
{
  WbService             *service;
  GDBusMethodInvocation *invocation;
  GDBusConnection       *connection;
  GCancellable          *cancellable;
  gulong                 closed_id;
} Pending;

static void
on_caller_closed_cb (GDBusConnection *connection,
                     gboolean         remote_peer_vanished,
                     GError          *error,
                     GCancellable    *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static Pending *
pending_new (WbService             *self,
             GDBusMethodInvocation *invocation)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->service = g_object_ref (self);
  pending->invocation = g_object_ref (invocation);
  pending->connection = g_object_ref (g_dbus_method_invocation_get_connection (invocation));
  pending->cancellable = g_cancellable_new ();
  pending->closed_id = g_signal_connect_object (pending->connection, "closed",
                                                G_CALLBACK (on_caller_closed_cb),
                                                pending->cancellable, 0);
  if (g_dbus_connection_is_closed (pending->connection))
    g_cancellable_cancel (pending->cancellable);
  return pending;
}

static void
pending_free (Pending *pending)
{
  g_clear_signal_handler (&pending->closed_id, pending->connection);
  g_object_unref (pending->cancellable);
  g_object_unref (pending->connection);
  g_object_unref (pending->service);
  g_object_unref (pending->invocation);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void
pending_reply (Pending      *pending,
               CompleteFunc  complete,
               GVariant     *answer,
               GError       *error)
{
  reply_value (WB_DBUS_ENGINE (pending->service), pending->invocation, complete, answer, error);
}

static void
on_property_waited_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  if (wb_runtime_wait_property_finish (WB_RUNTIME (source), result, &name, &value, &error))
    wb_dbus_engine_complete_wait_guest_property (WB_DBUS_ENGINE (pending->service),
                                                 pending->invocation, TRUE, name, value);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    wb_dbus_engine_complete_wait_guest_property (WB_DBUS_ENGINE (pending->service),
                                                 pending->invocation, FALSE, "", "");
  else
    reply_error (pending->invocation, error);
}

static gboolean
handle_wait_guest_property (WbDBusEngine          *iface,
                            GDBusMethodInvocation *invocation,
                            const char            *vm,
                            const char            *pattern,
                            guint                  timeout_ms)
{
  WbService *self = WB_SERVICE (iface);
  Pending *pending = pending_new (self, invocation);

  wb_runtime_wait_property_async (self->runtime, vm, pattern, timeout_ms, pending->cancellable,
                                  on_property_waited_cb, pending);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_guest_ran_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  int status = 0;

  if (!wb_runtime_guest_run_finish (WB_RUNTIME (source), result, &status, &output, &error))
    {
      reply_error (pending->invocation, error);
      return;
    }
  /* Command output is text the guest made: keep it valid for D-Bus. */
  if (!g_utf8_validate (output, -1, NULL))
    {
      char *valid = g_utf8_make_valid (output, -1);

      g_free (output);
      output = valid;
    }
  wb_dbus_engine_complete_guest_run (WB_DBUS_ENGINE (pending->service), pending->invocation,
                                     status, output);
}

static gboolean
handle_guest_run (WbDBusEngine          *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *vm,
                  const char * const    *argv)
{
  WbService *self = WB_SERVICE (iface);
  Pending *pending;

  if (argv == NULL || argv[0] == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, WB_ERROR,
                                                     WB_ERROR_INVALID_ARGUMENT,
                                                     "No command to run");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  pending = pending_new (self, invocation);
  wb_runtime_guest_run_async (self->runtime, vm, argv, pending->cancellable, on_guest_ran_cb,
                              pending);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_probed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WbProbeResult) probe = wb_probe_names_finish (WB_RUNTIME (source), result, &error);

  pending_reply (pending, wb_dbus_engine_complete_probe,
                 probe != NULL ? wb_probe_result_to_variant (probe) : NULL, error);
}

static gboolean
handle_probe (WbDBusEngine          *iface,
              GDBusMethodInvocation *invocation,
              const char            *from,
              const char            *to,
              guint16                tcp_port)
{
  WbService *self = WB_SERVICE (iface);
  Pending *pending = pending_new (self, invocation);

  wb_probe_names_async (self->runtime, from, to,
                        tcp_port != 0 ? tcp_port : WB_PROBE_DEFAULT_TCP_PORT,
                        pending->cancellable, on_probed_cb, pending);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* --- the modes matrix (wb-modes.h) ------------------------------------------- */

static void
on_modes_progress_cb (WbModes   *modes,
                      guint      done,
                      guint      total,
                      WbService *self)
{
  wb_dbus_engine_emit_modes_progress (WB_DBUS_ENGINE (self), done, total);
}

static void
on_modes_run_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = wb_modes_run_finish (WB_MODES (source), result, &error);

  pending_reply (pending, wb_dbus_engine_complete_run_modes_matrix, answer, error);
}

/* Each call measures worlds of its own; the user's runtime is not used. */
static gboolean
handle_run_modes_matrix (WbDBusEngine          *iface,
                         GDBusMethodInvocation *invocation,
                         GVariant              *options)
{
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  g_autoptr(WbModes) modes = NULL;
  Pending *pending;

  if (!check_vardict (options, NULL, 0, &error))
    return reply_error (invocation, error);
  modes = wb_modes_new ();
  pending = pending_new (self, invocation);
  g_signal_connect_object (modes, "progress", G_CALLBACK (on_modes_progress_cb), self, 0);
  wb_modes_run_async (modes, pending->cancellable, on_modes_run_cb, pending);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* --- the connectivity matrix ------------------------------------------------- */

#define MATRIX_PROGRESS_INTERVAL_MS 50

static void
matrix_progress_send (WbService *self)
{
  self->progress_at = g_get_monotonic_time ();
  wb_dbus_engine_emit_matrix_progress (WB_DBUS_ENGINE (self), self->progress[0],
                                       self->progress[1], self->progress[2]);
}

static gboolean
matrix_progress_cb (gpointer user_data)
{
  WbService *self = user_data;

  g_clear_pointer (&self->progress_source, g_source_unref);
  matrix_progress_send (self);
  return G_SOURCE_REMOVE;
}

/* At most one signal per interval, and always the last one. */
static void
on_matrix_progress_cb (WbMatrix  *matrix,
                       guint      generation,
                       guint      done,
                       guint      total,
                       WbService *self)
{
  gint64 wait_us;

  self->progress[0] = generation;
  self->progress[1] = done;
  self->progress[2] = total;
  wait_us = self->progress_at + MATRIX_PROGRESS_INTERVAL_MS * 1000 - g_get_monotonic_time ();
  if (done == total || wait_us <= 0)
    {
      if (self->progress_source != NULL)
        {
          g_source_destroy (self->progress_source);
          g_clear_pointer (&self->progress_source, g_source_unref);
        }
      matrix_progress_send (self);
    }
  else if (self->progress_source == NULL)
    {
      self->progress_source = g_timeout_source_new (MAX (wait_us / 1000, 1));
      g_source_set_callback (self->progress_source, matrix_progress_cb, self, NULL);
      g_source_attach (self->progress_source, g_main_context_get_thread_default ());
    }
}

static void
on_matrix_cells_changed_cb (WbMatrix           *matrix,
                            guint               generation,
                            const char * const *ids,
                            WbService          *self)
{
  wb_dbus_engine_emit_matrix_changed (WB_DBUS_ENGINE (self), generation, ids);
}

static WbMatrix *
service_matrix (WbService *self)
{
  if (self->matrix == NULL)
    {
      self->matrix = wb_matrix_new (self->runtime);
      g_signal_connect (self->matrix, "progress", G_CALLBACK (on_matrix_progress_cb), self);
      g_signal_connect (self->matrix, "cells-changed",
                        G_CALLBACK (on_matrix_cells_changed_cb), self);
    }
  return self->matrix;
}

/* "IPv4" or "IPv4:PORT"; "" unsets. */
static gboolean
parse_outside (const char  *text,
               guint32     *address,
               guint16     *port,
               GError     **error)
{
  g_autofree char *host = g_strdup (text);
  char *colon = strchr (host, ':');
  guint64 value = 0;

  *address = 0;
  *port = 0;
  if (*text == '\0')
    return TRUE;
  if (colon != NULL)
    {
      *colon = '\0';
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &value, NULL))
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       "Invalid Outside port in '%s'", text);
          return FALSE;
        }
    }
  if (!wb_ipv4_parse (host, address, NULL) || *address == 0)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Invalid Outside target '%s': expected IPv4 or IPv4:PORT", text);
      return FALSE;
    }
  *port = value;
  return TRUE;
}

static void
on_matrix_ran_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) matrix = wb_matrix_run_finish (WB_MATRIX (source), result, &error);

  pending_reply (pending, wb_dbus_engine_complete_run_matrix, matrix, error);
}

static gboolean
handle_run_matrix (WbDBusEngine          *iface,
                   GDBusMethodInvocation *invocation,
                   GVariant              *options)
{
  static const OptionSpec specs[] = { { "outside", "s" } };
  WbService *self = WB_SERVICE (iface);
  g_autoptr(GError) error = NULL;
  const char *outside = NULL;
  WbMatrix *matrix;
  Pending *pending;

  if (!check_vardict (options, specs, G_N_ELEMENTS (specs), &error))
    return reply_error (invocation, error);
  matrix = service_matrix (self);
  if (g_variant_lookup (options, "outside", "&s", &outside))
    {
      guint32 address;
      guint16 port;

      if (!parse_outside (outside, &address, &port, &error))
        return reply_error (invocation, error);
      wb_matrix_set_outside (matrix, address, port);
    }
  pending = pending_new (self, invocation);
  wb_matrix_run_async (matrix, pending->cancellable, on_matrix_ran_cb, pending);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_matrix (WbDBusEngine          *iface,
                   GDBusMethodInvocation *invocation)
{
  WbService *self = WB_SERVICE (iface);

  wb_dbus_engine_complete_get_matrix (iface, invocation, wb_matrix_get (service_matrix (self)));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
wb_service_iface_init (WbDBusEngineIface *iface)
{
  iface->handle_configure_guest = handle_configure_guest;
  iface->handle_start_vm = handle_start_vm;
  iface->handle_control_vm = handle_control_vm;
  iface->handle_list_running_vms = handle_list_running_vms;
  iface->handle_get_nic_stats = handle_get_nic_stats;
  iface->handle_get_guest_properties = handle_get_guest_properties;
  iface->handle_wait_guest_property = handle_wait_guest_property;
  iface->handle_guest_run = handle_guest_run;
  iface->handle_probe = handle_probe;
  iface->handle_run_modes_matrix = handle_run_modes_matrix;
  iface->handle_run_matrix = handle_run_matrix;
  iface->handle_get_matrix = handle_get_matrix;
  iface->handle_subscribe = handle_subscribe;
  iface->handle_subscribe_summaries = handle_subscribe_summaries;
  iface->handle_create_vm = handle_create_vm;
  iface->handle_delete_vm = handle_delete_vm;
  iface->handle_list_vms = handle_list_vms;
  iface->handle_get_vm = handle_get_vm;
  iface->handle_modify_vm = handle_modify_vm;
  iface->handle_list_int_nets = handle_list_int_nets;
  iface->handle_list_bridged_ifs = handle_list_bridged_ifs;
  iface->handle_add_nat_network = handle_add_nat_network;
  iface->handle_modify_nat_network = handle_modify_nat_network;
  iface->handle_remove_nat_network = handle_remove_nat_network;
  iface->handle_start_nat_network = handle_start_nat_network;
  iface->handle_stop_nat_network = handle_stop_nat_network;
  iface->handle_list_nat_networks = handle_list_nat_networks;
  iface->handle_get_nat_network_status = handle_get_nat_network_status;
  iface->handle_create_host_only_if = handle_create_host_only_if;
  iface->handle_remove_host_only_if = handle_remove_host_only_if;
  iface->handle_configure_host_only_if = handle_configure_host_only_if;
  iface->handle_list_host_only_ifs = handle_list_host_only_ifs;
  iface->handle_set_host_only_relay = handle_set_host_only_relay;
  iface->handle_add_dhcp_server = handle_add_dhcp_server;
  iface->handle_modify_dhcp_server = handle_modify_dhcp_server;
  iface->handle_remove_dhcp_server = handle_remove_dhcp_server;
  iface->handle_list_dhcp_servers = handle_list_dhcp_servers;
}

/* --- GObject ----------------------------------------------------------- */

static void
wb_service_dispose (GObject *object)
{
  WbService *self = WB_SERVICE (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_pointer (&self->clients, g_ptr_array_unref);
  if (self->matrix != NULL)
    g_signal_handlers_disconnect_by_data (self->matrix, self);
  g_clear_object (&self->matrix);
  if (self->progress_source != NULL)
    {
      g_source_destroy (self->progress_source);
      g_clear_pointer (&self->progress_source, g_source_unref);
    }
  g_clear_object (&self->runtime);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wb_service_parent_class)->dispose (object);
}

static void
wb_service_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  WbService *self = WB_SERVICE (object);

  switch (prop_id)
    {
    case PROP_N_CONNECTIONS:
      g_value_set_uint (value, self->clients != NULL ? self->clients->len : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_service_class_init (WbServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_service_dispose;
  object_class->get_property = wb_service_get_property;

  properties[PROP_N_CONNECTIONS] =
    g_param_spec_uint ("n-connections", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wb_service_init (WbService *self)
{
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  wb_dbus_engine_set_version (WB_DBUS_ENGINE (self), WB_VERSION);
  /* Handlers run in the engine thread, in order: no worker threads. */
  g_dbus_interface_skeleton_set_flags (G_DBUS_INTERFACE_SKELETON (self),
                                       G_DBUS_INTERFACE_SKELETON_FLAGS_NONE);
}

WbService *
wb_service_new (WbSettings *settings,
                WbRuntime  *runtime)
{
  WbService *self;

  g_return_val_if_fail (WB_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (WB_IS_RUNTIME (runtime), NULL);

  self = g_object_new (WB_TYPE_SERVICE, NULL);
  self->settings = g_object_ref (settings);
  self->runtime = g_object_ref (runtime);
  g_signal_connect_object (settings, "added", G_CALLBACK (on_settings_changed_cb), self, 0);
  g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed_cb), self, 0);
  g_signal_connect_object (settings, "removed", G_CALLBACK (on_settings_changed_cb), self, 0);
  return self;
}
