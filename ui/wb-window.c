/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-window.h"

#include <glib/gi18n.h>

#include "wb-client.h"
#include "wb-dbus.h"

struct _WbWindow
{
  AdwApplicationWindow  parent_instance;

  GDBusConnection      *connection;
  GCancellable         *cancellable;
  WbDBusEngine         *engine;
  GDBusObjectManager   *manager;

  /* Template children. */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkListBox           *vm_list;
};

G_DEFINE_FINAL_TYPE (WbWindow, wb_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
attachment_label (const char *attachment)
{
  if (g_strcmp0 (attachment, "nat") == 0)
    return _("NAT");
  if (g_strcmp0 (attachment, "natnetwork") == 0)
    return _("NAT Network");
  if (g_strcmp0 (attachment, "bridged") == 0)
    return _("Bridged Adapter");
  if (g_strcmp0 (attachment, "intnet") == 0)
    return _("Internal Network");
  if (g_strcmp0 (attachment, "hostonly") == 0)
    return _("Host-only Adapter");
  if (g_strcmp0 (attachment, "generic") == 0)
    return _("Generic Driver");
  return _("Not attached");
}

/* The target key of each mode in the adapter dictionary. */
static const char *
attachment_target_key (const char *attachment)
{
  if (g_strcmp0 (attachment, "natnetwork") == 0)
    return "nat-network";
  if (g_strcmp0 (attachment, "bridged") == 0)
    return "bridge-adapter";
  if (g_strcmp0 (attachment, "intnet") == 0)
    return "intnet";
  if (g_strcmp0 (attachment, "hostonly") == 0)
    return "hostonly-adapter";
  if (g_strcmp0 (attachment, "generic") == 0)
    return "generic-driver";
  return NULL;
}

char *
wb_window_summarize_adapters (GVariant *adapters)
{
  g_autoptr(GString) summary = g_string_new (NULL);
  GVariantIter iter;
  GVariant *adapter;

  g_variant_iter_init (&iter, adapters);
  while ((adapter = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = adapter;
      const char *attachment = "null";
      const char *target = NULL;
      const char *key;
      gboolean enabled = FALSE;
      guint32 slot = 0;

      g_variant_lookup (adapter, "enabled", "b", &enabled);
      g_variant_lookup (adapter, "slot", "u", &slot);
      g_variant_lookup (adapter, "attachment", "&s", &attachment);
      if (!enabled)
        continue;

      if (summary->len > 0)
        g_string_append (summary, ", ");
      /* Translators: "Adapter 1: NAT" */
      g_string_append_printf (summary, _("Adapter %u: %s"), slot, attachment_label (attachment));
      key = attachment_target_key (attachment);
      if (key != NULL && g_variant_lookup (adapter, key, "&s", &target) && *target != '\0')
        g_string_append_printf (summary, " ‘%s’", target);
    }

  if (summary->len == 0)
    return g_strdup (_("No network adapters"));
  return g_string_free (g_steal_pointer (&summary), FALSE);
}

static int
compare_vm_names (gconstpointer a,
                  gconstpointer b)
{
  WbDBusVm *x = *(WbDBusVm * const *) a;
  WbDBusVm *y = *(WbDBusVm * const *) b;

  return g_utf8_collate (wb_dbus_vm_get_name (x), wb_dbus_vm_get_name (y));
}

static void
rebuild_list (WbWindow *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->manager);
  g_autoptr(GPtrArray) vms = g_ptr_array_new ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->vm_list))) != NULL)
    gtk_list_box_remove (self->vm_list, child);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      WbDBusVm *vm = wb_dbus_object_peek_vm (WB_DBUS_OBJECT (l->data));

      if (vm != NULL)
        g_ptr_array_add (vms, vm);
    }
  g_ptr_array_sort (vms, compare_vm_names);

  for (guint i = 0; i < vms->len; i++)
    {
      WbDBusVm *vm = g_ptr_array_index (vms, i);
      g_autofree char *summary = NULL;
      GVariant *adapters = wb_dbus_vm_get_adapters (vm);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *state = gtk_label_new (g_strcmp0 (wb_dbus_vm_get_state (vm), "running") == 0
                                        ? _("Running") : _("Powered Off"));

      summary = adapters != NULL ? wb_window_summarize_adapters (adapters)
                                 : g_strdup (_("No network adapters"));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), wb_dbus_vm_get_name (vm));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("computer-symbolic"));
      gtk_widget_add_css_class (state, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), state);
      gtk_list_box_append (self->vm_list, row);
    }

  gtk_stack_set_visible_child_name (self->stack, vms->len > 0 ? "list" : "empty");
}

static void
on_objects_changed_cb (WbWindow *self)
{
  rebuild_list (self);
}

static void
show_error (WbWindow   *self,
            const char *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
on_manager_ready_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WbWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager = wb_dbus_object_manager_client_new_finish (result, &error);

  if (manager == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }

  self->manager = manager;
  g_signal_connect_object (manager, "object-added", G_CALLBACK (on_objects_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "object-removed", G_CALLBACK (on_objects_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "interface-proxy-properties-changed",
                           G_CALLBACK (on_objects_changed_cb), self, G_CONNECT_SWAPPED);
  rebuild_list (self);
}

static void
on_subscribed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WbWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_engine_call_subscribe_finish (WB_DBUS_ENGINE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }

  wb_dbus_object_manager_client_new (self->connection,
                                     G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                     NULL, WB_ENGINE_OBJECT_PATH,
                                     self->cancellable, on_manager_ready_cb,
                                     g_object_ref (self));
}

static void
on_engine_proxy_ready_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(WbWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->engine = wb_dbus_engine_proxy_new_finish (result, &error);
  if (self->engine == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  wb_dbus_engine_call_subscribe (self->engine, self->cancellable, on_subscribed_cb,
                                 g_object_ref (self));
}

static void
wb_window_constructed (GObject *object)
{
  WbWindow *self = WB_WINDOW (object);

  G_OBJECT_CLASS (wb_window_parent_class)->constructed (object);

  wb_dbus_engine_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE, NULL,
                            WB_ENGINE_OBJECT_PATH, self->cancellable,
                            on_engine_proxy_ready_cb, g_object_ref (self));
}

static void
wb_window_dispose (GObject *object)
{
  WbWindow *self = WB_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->manager);
  g_clear_object (&self->engine);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_WINDOW);

  G_OBJECT_CLASS (wb_window_parent_class)->dispose (object);
}

static void
wb_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  WbWindow *self = WB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  WbWindow *self = WB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_window_class_init (WbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wb_window_constructed;
  object_class->dispose = wb_window_dispose;
  object_class->get_property = wb_window_get_property;
  object_class->set_property = wb_window_set_property;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WbWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, vm_list);
}

static void
wb_window_init (WbWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

WbWindow *
wb_window_new (WbApplication   *application,
               GDBusConnection *connection)
{
  return g_object_new (WB_TYPE_WINDOW,
                       "application", application,
                       "connection", connection,
                       NULL);
}
