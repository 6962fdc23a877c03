/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-window-private.h"

#include <glib/gi18n.h>

#include "wb-client.h"
#include "wb-error.h"
#include "wb-ui-util.h"

G_DEFINE_FINAL_TYPE (WbWindow, wb_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

char *
wb_window_summarize_adapters (GVariant *summary)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GVariantIter iter;
  const char *attachment;
  const char *target;
  guint32 slot;

  g_variant_iter_init (&iter, summary);
  while (g_variant_iter_next (&iter, "(u&s&s)", &slot, &attachment, &target))
    {
      if (text->len > 0)
        g_string_append (text, ", ");
      /* Translators: "Adapter 1: NAT" */
      g_string_append_printf (text, _("Adapter %u: %s"), slot, wb_ui_attachment_label (attachment));
      if (*target != '\0')
        g_string_append_printf (text, " ‘%s’", target);
    }

  if (text->len == 0)
    return g_strdup (_("No network adapters"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* --- closures of the list's row factory ----------------------------------- */

static char *
vm_summary_cb (GtkListItem *item,
               GVariant    *summary)
{
  if (summary == NULL)
    return g_strdup (_("No network adapters"));
  return wb_window_summarize_adapters (summary);
}

static char *
vm_state_label_cb (GtkListItem *item,
                   const char  *state)
{
  return g_strdup (g_strcmp0 (state, "running") == 0 ? _("Running") : _("Powered Off"));
}

static char **
vm_state_classes_cb (GtkListItem *item,
                     const char  *state)
{
  const char *running[] = { "caption", "success", NULL };
  const char *off[] = { "caption", "dim-label", NULL };

  return g_strdupv ((char **) (g_strcmp0 (state, "running") == 0 ? running : off));
}

/* --- settings --------------------------------------------------------------- */

/* The installed schema, else the one compiled into the build tree next to
 * the program (build-dir/data, from build-dir/app or build-dir/tests),
 * else none: then the window simply does not remember its size. */
static GSettings *
open_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, WB_APP_ID, TRUE);

  if (schema == NULL)
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *exe_dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
      g_autofree char *dir = exe_dir != NULL ? g_build_filename (exe_dir, "..", "data", NULL) : NULL;
      g_autofree char *compiled = dir != NULL ? g_build_filename (dir, "gschemas.compiled", NULL) : NULL;

      if (compiled != NULL && g_file_test (compiled, G_FILE_TEST_EXISTS))
        {
          g_autoptr(GSettingsSchemaSource) local =
            g_settings_schema_source_new_from_directory (dir, source, FALSE, NULL);

          if (local != NULL)
            schema = g_settings_schema_source_lookup (local, WB_APP_ID, FALSE);
        }
    }

  if (schema == NULL)
    {
      g_debug ("No GSettings schema %s: the window size is not remembered", WB_APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

/* --- the list ---------------------------------------------------------------- */

void
_wb_window_toast (WbWindow   *self,
                  const char *message)
{
  g_autofree char *markup = g_markup_escape_text (message, -1);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
}

static gboolean
manager_has_networks (WbWindow *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->manager);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      WbDBusObject *object = WB_DBUS_OBJECT (l->data);

      if (wb_dbus_object_peek_nat_network (object) != NULL ||
          wb_dbus_object_peek_host_only_if (object) != NULL)
        return TRUE;
    }
  return FALSE;
}

void
_wb_window_update_page (WbWindow *self)
{
  const char *page;

  if (self->manager == NULL || self->lab_loading)
    page = "loading";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->vms)) == 0)
    page = "empty";
  else
    page = "vms";
  gtk_stack_set_visible_child_name (self->main_stack, page);
  wb_connectivity_page_set_n_running (self->connectivity_page, _wb_window_count_running (self));
}

guint
_wb_window_count_running (WbWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->vms));
  guint running = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WbDBusVm) vm = g_list_model_get_item (G_LIST_MODEL (self->vms), i);

      if (g_strcmp0 (wb_dbus_vm_get_state (vm), "running") == 0)
        running++;
    }
  return running;
}

void
_wb_window_select_vm_named (WbWindow   *self,
                            const char *name)
{
  wb_ui_select_named (self->selection, name, &self->select_name);
}

static void
on_selected_vm_state_cb (WbWindow *self)
{
  _wb_window_update_actions (self);
}

static void
on_selected_item_cb (WbWindow *self)
{
  WbDBusVm *vm = gtk_single_selection_get_selected_item (self->selection);

  if (self->selected_vm != NULL)
    g_signal_handlers_disconnect_by_func (self->selected_vm, on_selected_vm_state_cb, self);
  g_set_object (&self->selected_vm, vm);
  if (vm != NULL)
    g_signal_connect_object (vm, "notify::state", G_CALLBACK (on_selected_vm_state_cb),
                             self, G_CONNECT_SWAPPED);

  wb_vm_details_set_vm (self->details, vm);
  gtk_stack_set_visible_child_name (self->details_stack, vm != NULL ? "details" : "none");
  adw_window_title_set_title (self->content_title, vm != NULL ? wb_dbus_vm_get_name (vm) : "");
  _wb_window_update_actions (self);
}

static void
on_vm_activated_cb (WbWindow *self,
                    guint     position)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_back_clicked_cb (WbWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
on_folded_changed_cb (WbWindow *self)
{
  /* Folded, the list is a page of its own: one tap opens the details. */
  gtk_list_view_set_single_click_activate (self->vm_list, adw_leaflet_get_folded (self->leaflet));
}

static gboolean
find_vm (WbWindow *self,
         WbDBusVm *vm,
         guint    *position)
{
  return g_list_store_find (self->vms, vm, position);
}

static void
add_object (WbWindow     *self,
            GDBusObject  *object)
{
  WbDBusVm *vm = wb_dbus_object_peek_vm (WB_DBUS_OBJECT (object));

  if (vm != NULL)
    wb_ui_store_append_named (self->vms, vm);
}

static void
on_object_added_cb (WbWindow    *self,
                    GDBusObject *object)
{
  add_object (self, object);
}

static void
on_vms_changed_cb (WbWindow *self)
{
  if (self->select_name != NULL)
    _wb_window_select_vm_named (self, self->select_name);
  _wb_window_update_page (self);
}

static void
on_object_removed_cb (WbWindow    *self,
                      GDBusObject *object)
{
  WbDBusVm *vm = wb_dbus_object_peek_vm (WB_DBUS_OBJECT (object));
  guint position;

  if (vm != NULL && find_vm (self, vm, &position))
    g_list_store_remove (self->vms, position);
}

static void
on_vm_properties_changed_cb (WbWindow           *self,
                             GDBusObjectProxy   *object,
                             GDBusProxy         *interface,
                             GVariant           *changed,
                             const char * const *invalidated)
{
  /* Rows follow their proxy's properties by themselves; the page and the
   * actions depend on the running states. */
  if (WB_DBUS_IS_VM (interface))
    {
      _wb_window_update_actions (self);
      wb_connectivity_page_set_n_running (self->connectivity_page, _wb_window_count_running (self));
    }
}

static void
on_manager_ready_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WbWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager = g_task_propagate_pointer (G_TASK (result), &error);
  g_autolist(GDBusObject) objects = NULL;
  g_autoptr(GPtrArray) named = NULL;

  if (manager == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        wb_ui_toast_error (self->toast_overlay, error);
      return;
    }

  self->manager = manager;
  g_signal_connect_object (manager, "object-added", G_CALLBACK (on_object_added_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "object-removed", G_CALLBACK (on_object_removed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "interface-proxy-properties-changed",
                           G_CALLBACK (on_vm_properties_changed_cb), self, G_CONNECT_SWAPPED);

  /* All at once: one items-changed, so the list sorts once and selects
   * its first VM instead of following 1,000 single inserts. */
  objects = g_dbus_object_manager_get_objects (manager);
  named = g_ptr_array_new ();
  for (GList *l = objects; l != NULL; l = l->next)
    {
      WbDBusVm *vm = wb_dbus_object_peek_vm (WB_DBUS_OBJECT (l->data));
      const char *name = vm != NULL ? wb_dbus_vm_get_name (vm) : NULL;

      if (name != NULL && *name != '\0')
        g_ptr_array_add (named, vm);
      else
        add_object (self, l->data);
    }
  g_list_store_splice (self->vms, g_list_model_get_n_items (G_LIST_MODEL (self->vms)), 0,
                       named->pdata, named->len);

  if (self->load_lab_if_empty &&
      g_list_model_get_n_items (G_LIST_MODEL (self->vms)) == 0 &&
      !manager_has_networks (self))
    _wb_window_load_example_lab (self, FALSE);

  _wb_window_update_page (self);
  _wb_window_update_actions (self);
}

/* Subscribes and builds the object manager on a worker thread: the
 * engine exports its tree while GTK draws the first frames, and no reply
 * waits on a busy UI thread between the two steps. With no thread-default
 * context here, the manager and its proxies deliver their signals in the
 * global default context, the UI thread's. */
static void
load_manager_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GDBusConnection *connection = task_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager;

  /* Rows need only the summaries; the details and the settings load a
   * VM's adapters when they show it. */
  reply = g_dbus_connection_call_sync (connection, NULL, WB_ENGINE_OBJECT_PATH,
                                       "io.github.wirebox.Engine", "SubscribeSummaries",
                                       NULL, G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE, -1,
                                       cancellable, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  manager = wb_dbus_object_manager_client_new_sync (connection,
                                                    G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                    NULL, WB_ENGINE_OBJECT_PATH,
                                                    cancellable, &error);
  if (manager == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, manager, g_object_unref);
}

static void
load_manager_async (GDBusConnection     *connection,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  /* No source object: the worker may drop the task's last reference, and
   * a window must not be released there. */
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, load_manager_async);
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);
  g_task_run_in_thread (task, load_manager_thread);
}

/* A load started by wb_window_prefetch(), kept on its connection until a
 * window takes it over. */
#define PREFETCH_KEY "wb-window-prefetch"

typedef struct
{
  GDBusConnection    *connection;  /* unowned: the load holds it */
  GDBusObjectManager *manager;     /* once loaded */
  GError             *error;       /* once failed */
  GTask              *waiter;      /* the window's load, once taken over */
} Prefetch;

static void
prefetch_free (gpointer data)
{
  Prefetch *prefetch = data;

  g_clear_object (&prefetch->manager);
  g_clear_error (&prefetch->error);
  g_clear_object (&prefetch->waiter);
  g_free (prefetch);
}

/* Hands the result over to @task and forgets the prefetch. */
static void
prefetch_hand_over (Prefetch *prefetch,
                    GTask    *task)
{
  if (prefetch->manager != NULL)
    g_task_return_pointer (task, g_steal_pointer (&prefetch->manager), g_object_unref);
  else
    g_task_return_error (task, g_steal_pointer (&prefetch->error));
  g_object_set_data (G_OBJECT (prefetch->connection), PREFETCH_KEY, NULL);
}

static void
on_prefetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Prefetch *prefetch = user_data;
  g_autoptr(GTask) waiter = NULL;

  prefetch->manager = g_task_propagate_pointer (G_TASK (result), &prefetch->error);
  if (prefetch->waiter != NULL)
    {
      waiter = g_steal_pointer (&prefetch->waiter);
      prefetch_hand_over (prefetch, waiter);
    }
}

void
wb_window_prefetch (GDBusConnection *connection)
{
  Prefetch *prefetch;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  if (g_object_get_data (G_OBJECT (connection), PREFETCH_KEY) != NULL)
    return;
  prefetch = g_new0 (Prefetch, 1);
  prefetch->connection = connection;
  g_object_set_data_full (G_OBJECT (connection), PREFETCH_KEY, prefetch, prefetch_free);
  load_manager_async (connection, NULL, on_prefetched_cb, prefetch);
}

/* Takes over a prefetch on the window's connection, else loads anew. */
static void
load_manager (WbWindow *self)
{
  Prefetch *prefetch = g_object_get_data (G_OBJECT (self->connection), PREFETCH_KEY);
  g_autoptr(GTask) task = NULL;

  if (prefetch == NULL || prefetch->waiter != NULL)
    {
      load_manager_async (self->connection, self->cancellable, on_manager_ready_cb,
                          g_object_ref (self));
      return;
    }
  task = g_task_new (NULL, self->cancellable, on_manager_ready_cb, g_object_ref (self));
  g_task_set_source_tag (task, load_manager);
  if (prefetch->manager != NULL || prefetch->error != NULL)
    prefetch_hand_over (prefetch, task);
  else
    prefetch->waiter = g_steal_pointer (&task);
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
      wb_ui_toast_error (self->toast_overlay, error);
      return;
    }
  wb_vm_details_set_engine (self->details, self->engine);
  wb_connectivity_page_set_engine (self->connectivity_page, self->engine);
  _wb_window_update_actions (self);
}

/* --- GtkWindow ---------------------------------------------------------------- */

static gboolean
wb_window_close_request (GtkWindow *window)
{
  WbWindow *self = WB_WINDOW (window);

  if (!_wb_window_confirm_close (self))
    return TRUE;

  if (self->settings != NULL && !gtk_window_is_maximized (window))
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }

  return GTK_WINDOW_CLASS (wb_window_parent_class)->close_request (window);
}

/* --- GObject ------------------------------------------------------------------ */

static void
wb_window_constructed (GObject *object)
{
  WbWindow *self = WB_WINDOW (object);

  G_OBJECT_CLASS (wb_window_parent_class)->constructed (object);

  /* Both at once: the list waits only for the manager. */
  wb_dbus_engine_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE, NULL,
                            WB_ENGINE_OBJECT_PATH, self->cancellable,
                            on_engine_proxy_ready_cb, g_object_ref (self));
  load_manager (self);
}

static void
wb_window_dispose (GObject *object)
{
  WbWindow *self = WB_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->selected_vm != NULL)
    g_signal_handlers_disconnect_by_func (self->selected_vm, on_selected_vm_state_cb, self);
  g_clear_object (&self->selected_vm);
  g_clear_weak_pointer (&self->host_network_manager);
  g_clear_weak_pointer (&self->preferences);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_WINDOW);
  g_clear_object (&self->vms);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->manager);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->select_name, g_free);

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
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = wb_window_constructed;
  object_class->dispose = wb_window_dispose;
  object_class->get_property = wb_window_get_property;
  object_class->set_property = wb_window_set_property;
  window_class->close_request = wb_window_close_request;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Types named in the template. */
  g_type_ensure (WB_DBUS_TYPE_VM);
  g_type_ensure (WB_TYPE_VM_DETAILS);
  g_type_ensure (WB_TYPE_CONNECTIVITY_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WbWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, connectivity_page);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, vm_list);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, selection);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, sorted_vms);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, details_stack);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, details);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, WbWindow, load_lab_button);
  gtk_widget_class_bind_template_callback (widget_class, on_selected_item_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_vm_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_folded_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, vm_summary_cb);
  gtk_widget_class_bind_template_callback (widget_class, vm_state_label_cb);
  gtk_widget_class_bind_template_callback (widget_class, vm_state_classes_cb);

  _wb_window_class_init_actions (klass);
}

static void
wb_window_init (WbWindow *self)
{
  /* Registers the engine's D-Bus error names, so that its replies arrive
   * as WB_ERROR with the plain message. */
  wb_error_quark ();

  self->cancellable = g_cancellable_new ();
  self->vms = g_list_store_new (WB_DBUS_TYPE_VM);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_sort_list_model_set_model (self->sorted_vms, G_LIST_MODEL (self->vms));
  /* After the sort model's own handler: the new item is in place. */
  g_signal_connect_object (self->sorted_vms, "items-changed", G_CALLBACK (on_vms_changed_cb),
                           self, G_CONNECT_SWAPPED);

  self->settings = open_settings ();
  if (self->settings != NULL)
    gtk_window_set_default_size (GTK_WINDOW (self),
                                 g_settings_get_int (self->settings, "window-width"),
                                 g_settings_get_int (self->settings, "window-height"));

  _wb_window_update_page (self);
  _wb_window_update_actions (self);
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

void
wb_window_set_load_lab_if_empty (WbWindow *self,
                                 gboolean  load)
{
  g_return_if_fail (WB_IS_WINDOW (self));

  self->load_lab_if_empty = !!load;
}
