/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-vm-settings-dialog.h"

#include <glib/gi18n.h>

#include "wb-adapter-page.h"
#include "wb-client.h"
#include "wb-port-forwarding-editor.h"
#include "wb-ui-util.h"

#define N_PAGES 4

struct _WbVmSettingsDialog
{
  AdwWindow           parent_instance;

  WbDBusVm           *vm;
  GDBusConnection    *connection;
  WbDBusEngine       *engine;
  GCancellable       *cancellable;
  gboolean            busy;
  gboolean            loading;        /* the VM's adapters are on their way */
  gboolean            close_when_applied;
  /* A tab is built when it is first shown: NULL until then. */
  WbAdapterPage      *pages[N_PAGES];
  GHashTable         *choices;        /* attachment -> GStrv, as listed */

  /* Template children. */
  AdwToastOverlay    *toast_overlay;
  AdwWindowTitle     *window_title;
  GtkButton          *ok_button;
  GtkButton          *apply_button;
  GtkSpinner         *spinner;
  AdwViewStack       *stack;
  AdwBin             *bin1;
  AdwBin             *bin2;
  AdwBin             *bin3;
  AdwBin             *bin4;
};

G_DEFINE_FINAL_TYPE (WbVmSettingsDialog, wb_vm_settings_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_VM,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The tab of adapter @index + 1, or NULL when it was never shown. */
static WbAdapterPage *
get_page (WbVmSettingsDialog *self,
          guint               index)
{
  return self->pages[index];
}

/* What holds that tab in the stack. */
static AdwBin *
get_bin (WbVmSettingsDialog *self,
         guint               index)
{
  AdwBin *bins[N_PAGES] = { self->bin1, self->bin2, self->bin3, self->bin4 };

  return bins[index];
}

static gboolean
is_running (WbVmSettingsDialog *self)
{
  return g_strcmp0 (wb_dbus_vm_get_state (self->vm), "running") == 0;
}

static void
update_buttons (WbVmSettingsDialog *self)
{
  gboolean valid = TRUE;
  gboolean modified = FALSE;
  gboolean idle;

  for (guint i = 0; i < N_PAGES; i++)
    {
      WbAdapterPage *page = get_page (self, i);
      AdwViewStackPage *stack_page;
      gboolean page_valid;

      /* A tab never shown holds no edit. */
      if (page == NULL)
        continue;
      stack_page = adw_view_stack_get_page (self->stack, GTK_WIDGET (get_bin (self, i)));
      page_valid = wb_adapter_page_get_valid (page);

      adw_view_stack_page_set_needs_attention (stack_page, !page_valid);
      valid = valid && page_valid;
      modified = modified || wb_adapter_page_get_modified (page);
    }

  idle = !self->busy && !self->loading;
  gtk_widget_set_sensitive (GTK_WIDGET (self->ok_button), valid && idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), valid && modified && idle);
  gtk_spinner_set_spinning (self->spinner, !idle);
}

static void
on_page_changed_cb (WbVmSettingsDialog *self)
{
  update_buttons (self);
}

GVariant *
wb_vm_find_adapter (GVariant *adapters,
                    guint     slot)
{
  GVariantIter iter;
  GVariant *adapter;

  if (adapters == NULL)
    return NULL;
  g_variant_iter_init (&iter, adapters);
  while ((adapter = g_variant_iter_next_value (&iter)) != NULL)
    {
      guint32 adapter_slot = 0;

      if (g_variant_lookup (adapter, "slot", "u", &adapter_slot) && adapter_slot == slot)
        return adapter;
      g_variant_unref (adapter);
    }
  return NULL;
}

/* @reset: show @adapters and drop the edits; otherwise keep the edits. */
static void
load_adapters (WbVmSettingsDialog *self,
               GVariant           *adapters,
               gboolean            reset)
{
  for (guint i = 0; i < N_PAGES; i++)
    {
      WbAdapterPage *page = get_page (self, i);
      g_autoptr(GVariant) adapter = NULL;

      if (page == NULL)
        continue;
      adapter = wb_vm_find_adapter (adapters, wb_adapter_page_get_slot (page));
      if (adapter == NULL)
        continue;
      if (reset)
        wb_adapter_page_set_adapter (page, adapter);
      else
        wb_adapter_page_update_adapter (page, adapter);
    }
  update_buttons (self);
}

static void
on_vm_adapters_changed_cb (WbVmSettingsDialog *self)
{
  /* While LoadAdapters runs, its reply fills the pages. */
  if (!self->loading)
    load_adapters (self, wb_dbus_vm_get_adapters (self->vm), FALSE);
}

static void
on_adapters_loaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(WbVmSettingsDialog) self = user_data;
  g_autoptr(GVariant) loaded = NULL;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_vm_call_load_adapters_finish (WB_DBUS_VM (source), &loaded, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      wb_ui_toast_error (self->toast_overlay, error);
    }
  self->loading = FALSE;
  load_adapters (self, loaded != NULL ? loaded : wb_dbus_vm_get_adapters (self->vm), TRUE);
}

static void
on_vm_state_changed_cb (WbVmSettingsDialog *self)
{
  gboolean running = is_running (self);

  for (guint i = 0; i < N_PAGES; i++)
    {
      if (get_page (self, i) != NULL)
        wb_adapter_page_set_running (get_page (self, i), running);
    }
  adw_window_title_set_title (self->window_title,
                              running ? _("Network (Running)") : _("Network"));
  update_buttons (self);
}

static void
on_vm_name_changed_cb (WbVmSettingsDialog *self)
{
  /* Translators: the window title of VM Settings; %s is the VM's name. */
  g_autofree char *title = g_strdup_printf (_("%s — Settings"), wb_dbus_vm_get_name (self->vm));

  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_subtitle (self->window_title, wb_dbus_vm_get_name (self->vm));
}

/* --- the names each mode can attach to ------------------------------------ */

static void
set_choices (WbVmSettingsDialog *self,
             const char         *attachment,
             const char * const *names)
{
  /* Kept for the tabs shown later. */
  g_hash_table_insert (self->choices, (gpointer) attachment, g_strdupv ((char **) names));
  for (guint i = 0; i < N_PAGES; i++)
    {
      if (get_page (self, i) != NULL)
        wb_adapter_page_set_choices (get_page (self, i), attachment, names);
    }
  update_buttons (self);
}

/* The "name" of each dictionary of an aa{sv}. */
static GStrv
dictionary_names (GVariant *dictionaries)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  GVariantIter iter;
  GVariant *dictionary;

  g_variant_iter_init (&iter, dictionaries);
  while ((dictionary = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = dictionary;
      const char *name;

      if (g_variant_lookup (dictionary, "name", "&s", &name))
        g_strv_builder_add (names, name);
    }
  return g_strv_builder_end (names);
}

static gboolean
choices_failed (WbVmSettingsDialog *self,
                GError             *error)
{
  if (error == NULL)
    return FALSE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    wb_ui_toast_error (self->toast_overlay, error);
  return TRUE;
}

/* The attachment whose choices a List* call fills in. */
typedef struct
{
  WbVmSettingsDialog *dialog;
  const char         *attachment;
} ChoicesCall;

static ChoicesCall *
choices_call_new (WbVmSettingsDialog *self,
                  const char         *attachment)
{
  ChoicesCall *call = g_new0 (ChoicesCall, 1);

  call->dialog = g_object_ref (self);
  call->attachment = attachment;
  return call;
}

/* A list of names (as) or of dictionaries with a "name" (aa{sv}). */
static void
on_choices_listed_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  ChoicesCall *call = user_data;
  g_autoptr(WbVmSettingsDialog) self = call->dialog;
  const char *attachment = call->attachment;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  g_free (call);
  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (choices_failed (self, error))
    return;
  list = g_variant_get_child_value (reply, 0);
  if (g_variant_is_of_type (list, G_VARIANT_TYPE_STRING_ARRAY))
    names = g_variant_dup_strv (list, NULL);
  else
    names = dictionary_names (list);
  set_choices (self, attachment, (const char * const *) names);
}

static void
list_choices (WbVmSettingsDialog *self)
{
  wb_dbus_engine_call_list_nat_networks (self->engine, self->cancellable, on_choices_listed_cb,
                                         choices_call_new (self, "natnetwork"));
  wb_dbus_engine_call_list_bridged_ifs (self->engine, self->cancellable, on_choices_listed_cb,
                                        choices_call_new (self, "bridged"));
  wb_dbus_engine_call_list_host_only_ifs (self->engine, self->cancellable, on_choices_listed_cb,
                                          choices_call_new (self, "hostonly"));
  wb_dbus_engine_call_list_int_nets (self->engine, self->cancellable, on_choices_listed_cb,
                                     choices_call_new (self, "intnet"));
}

/* --- the tabs -------------------------------------------------------------- */

/* Builds the tab of adapter @index + 1 as it is first shown: four at once
 * would make the dialog open several times slower, for tabs often never
 * looked at. It starts from what the dialog knows now. */
static void
ensure_page (WbVmSettingsDialog *self,
             guint               index)
{
  WbAdapterPage *page;
  GHashTableIter iter;
  gpointer attachment, names;

  if (self->pages[index] != NULL)
    return;

  page = g_object_new (WB_TYPE_ADAPTER_PAGE, "slot", index + 1, NULL);
  self->pages[index] = page;
  adw_bin_set_child (get_bin (self, index), GTK_WIDGET (page));
  wb_adapter_page_set_running (page, is_running (self));
  /* While LoadAdapters runs, its reply fills the page. */
  if (!self->loading)
    {
      g_autoptr(GVariant) adapter = wb_vm_find_adapter (wb_dbus_vm_get_adapters (self->vm),
                                                        index + 1);

      if (adapter != NULL)
        wb_adapter_page_set_adapter (page, adapter);
    }
  g_hash_table_iter_init (&iter, self->choices);
  while (g_hash_table_iter_next (&iter, &attachment, &names))
    wb_adapter_page_set_choices (page, attachment, names);
  g_signal_connect_object (page, "notify::valid", G_CALLBACK (on_page_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (page, "notify::modified", G_CALLBACK (on_page_changed_cb),
                           self, G_CONNECT_SWAPPED);
  update_buttons (self);
}

static void
on_visible_page_cb (WbVmSettingsDialog *self)
{
  GtkWidget *visible = adw_view_stack_get_visible_child (self->stack);

  for (guint i = 0; i < N_PAGES; i++)
    {
      if (visible == GTK_WIDGET (get_bin (self, i)))
        ensure_page (self, i);
    }
}

/* --- applying --------------------------------------------------------------- */

static void
set_busy (WbVmSettingsDialog *self,
          gboolean            busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), !busy);
  update_buttons (self);
}

static void
on_vm_reloaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(WbVmSettingsDialog) self = user_data;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) adapters = NULL;
  g_autoptr(GError) error = NULL;
  gboolean close = self->close_when_applied;

  if (!wb_dbus_engine_call_get_vm_finish (WB_DBUS_ENGINE (source), &info, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      wb_ui_toast_error (self->toast_overlay, error);
      return;
    }

  set_busy (self, FALSE);
  self->close_when_applied = FALSE;
  adapters = g_variant_lookup_value (info, "adapters", G_VARIANT_TYPE ("aa{sv}"));
  load_adapters (self, adapters, TRUE);
  if (close)
    gtk_window_destroy (GTK_WINDOW (self));
}

/* What the engine holds now: the Adapters property follows by
 * PropertiesChanged, which may come after the reply. */
static void
reload (WbVmSettingsDialog *self)
{
  wb_dbus_engine_call_get_vm (self->engine, wb_dbus_vm_get_uuid (self->vm), self->cancellable,
                              on_vm_reloaded_cb, g_object_ref (self));
}

static void
on_modified_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WbVmSettingsDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_vm_call_modify_finish (WB_DBUS_VM (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Nothing was applied: the edits stay for the user to fix. */
      self->close_when_applied = FALSE;
      set_busy (self, FALSE);
      wb_ui_toast_error (self->toast_overlay, error);
      return;
    }
  reload (self);
}

static void
on_controlled_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WbVmSettingsDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wb_vm_control_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The calls before the failed one are in effect: show them, and
       * keep the edits that are not. */
      self->close_when_applied = FALSE;
      set_busy (self, FALSE);
      wb_ui_toast_error (self->toast_overlay, error);
      load_adapters (self, wb_dbus_vm_get_adapters (self->vm), FALSE);
      return;
    }
  reload (self);
}

static void
apply (WbVmSettingsDialog *self,
       gboolean            close)
{
  g_autoptr(GVariant) changes = NULL;
  GVariantBuilder builder;
  gboolean running = is_running (self);

  if (self->busy)
    return;

  g_variant_builder_init (&builder, running ? G_VARIANT_TYPE ("a(suas)") : G_VARIANT_TYPE ("a(sus)"));
  for (guint i = 0; i < N_PAGES; i++)
    {
      if (get_page (self, i) == NULL)
        continue;
      if (running)
        wb_adapter_page_collect_live_changes (get_page (self, i), &builder);
      else
        wb_adapter_page_collect_changes (get_page (self, i), &builder);
    }
  changes = g_variant_ref_sink (g_variant_builder_end (&builder));

  if (g_variant_n_children (changes) == 0)
    {
      if (close)
        gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  self->close_when_applied = close;
  set_busy (self, TRUE);
  if (running)
    wb_vm_control_async (self->vm, changes, self->cancellable, on_controlled_cb, g_object_ref (self));
  else
    wb_dbus_vm_call_modify (self->vm, changes, self->cancellable, on_modified_cb, g_object_ref (self));
}

static void
on_apply_clicked_cb (WbVmSettingsDialog *self)
{
  apply (self, FALSE);
}

static void
on_ok_clicked_cb (WbVmSettingsDialog *self)
{
  apply (self, TRUE);
}

static void
port_forwarding_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  WbVmSettingsDialog *self = WB_VM_SETTINGS_DIALOG (widget);
  guint slot = g_variant_get_uint32 (parameter);
  WbPortForwardingEditor *editor = wb_port_forwarding_editor_new_for_adapter (self->vm, slot);

  gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (editor));
}

/* --- ControlVm, one call after the other ----------------------------------- */

typedef struct
{
  WbDBusEngine *engine;
  char         *vm;
  GVariant     *calls;
  gsize         next;
} ControlData;

static void
control_data_free (ControlData *data)
{
  g_clear_object (&data->engine);
  g_free (data->vm);
  g_clear_pointer (&data->calls, g_variant_unref);
  g_free (data);
}

static void control_next (GTask *task);

static void
on_control_vm_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_engine_call_control_vm_finish (WB_DBUS_ENGINE (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    control_next (task);
}

static void
control_next (GTask *task)
{
  ControlData *data = g_task_get_task_data (task);
  g_autofree const char **args = NULL;
  const char *key;
  guint32 slot;

  if (data->next >= g_variant_n_children (data->calls))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_variant_get_child (data->calls, data->next++, "(&su^a&s)", &key, &slot, &args);
  wb_dbus_engine_call_control_vm (data->engine, data->vm, key, slot, args,
                                  g_task_get_cancellable (task), on_control_vm_cb,
                                  g_object_ref (task));
}

void
wb_vm_control_async (WbDBusVm            *vm,
                     GVariant            *calls,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ControlData *data;

  g_return_if_fail (WB_DBUS_IS_VM (vm));
  g_return_if_fail (g_variant_is_of_type (calls, G_VARIANT_TYPE ("a(suas)")));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_vm_control_async);
  data = g_new0 (ControlData, 1);
  data->vm = g_strdup (wb_dbus_vm_get_uuid (vm));
  data->calls = g_variant_ref_sink (calls);
  g_task_set_task_data (task, data, (GDestroyNotify) control_data_free);

  /* A proxy without properties or signals: no D-Bus traffic here. */
  data->engine = wb_client_get_engine_sync (g_dbus_proxy_get_connection (G_DBUS_PROXY (vm)),
                                            NULL, &error);
  if (data->engine == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  control_next (task);
}

gboolean
wb_vm_control_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- GObject ------------------------------------------------------------------ */

static void
wb_vm_settings_dialog_constructed (GObject *object)
{
  WbVmSettingsDialog *self = WB_VM_SETTINGS_DIALOG (object);
  g_autoptr(GError) error = NULL;
  GVariant *adapters;

  G_OBJECT_CLASS (wb_vm_settings_dialog_parent_class)->constructed (object);

  g_return_if_fail (self->vm != NULL && self->connection != NULL);

  g_signal_connect_object (self->vm, "notify::adapters",
                           G_CALLBACK (on_vm_adapters_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vm, "notify::state",
                           G_CALLBACK (on_vm_state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vm, "notify::name",
                           G_CALLBACK (on_vm_name_changed_cb), self, G_CONNECT_SWAPPED);
  on_vm_name_changed_cb (self);
  on_vm_state_changed_cb (self);
  g_signal_connect_object (self->stack, "notify::visible-child",
                           G_CALLBACK (on_visible_page_cb), self, G_CONNECT_SWAPPED);

  /* A client subscribed to summaries has not loaded this VM's adapters
   * unless its details showed it: the dialog opens with them, not empty.
   * The proxy's Adapters follows the call and stays current. */
  adapters = wb_dbus_vm_get_adapters (self->vm);
  if (adapters != NULL && g_variant_n_children (adapters) == 0)
    {
      /* Nothing blocks the UI thread: the pages fill when the reply comes,
       * OK and Apply wait for it. */
      self->loading = TRUE;
      update_buttons (self);
      wb_dbus_vm_call_load_adapters (self->vm, self->cancellable, on_adapters_loaded_cb,
                                     g_object_ref (self));
    }
  else
    load_adapters (self, adapters, TRUE);
  on_visible_page_cb (self);

  self->engine = wb_client_get_engine_sync (self->connection, NULL, &error);
  if (self->engine == NULL)
    wb_ui_toast_error (self->toast_overlay, error);
  else
    list_choices (self);
}

static void
wb_vm_settings_dialog_dispose (GObject *object)
{
  WbVmSettingsDialog *self = WB_VM_SETTINGS_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_VM_SETTINGS_DIALOG);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  g_clear_object (&self->vm);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->choices, g_hash_table_unref);

  G_OBJECT_CLASS (wb_vm_settings_dialog_parent_class)->dispose (object);
}

static void
wb_vm_settings_dialog_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  WbVmSettingsDialog *self = WB_VM_SETTINGS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_VM:
      g_value_set_object (value, self->vm);
      break;
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_vm_settings_dialog_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  WbVmSettingsDialog *self = WB_VM_SETTINGS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_VM:
      self->vm = g_value_dup_object (value);
      break;
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_vm_settings_dialog_class_init (WbVmSettingsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wb_vm_settings_dialog_constructed;
  object_class->dispose = wb_vm_settings_dialog_dispose;
  object_class->get_property = wb_vm_settings_dialog_get_property;
  object_class->set_property = wb_vm_settings_dialog_set_property;

  properties[PROP_VM] =
    g_param_spec_object ("vm", NULL, NULL, WB_DBUS_TYPE_VM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WB_TYPE_ADAPTER_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-vm-settings-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, ok_button);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, bin1);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, bin2);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, bin3);
  gtk_widget_class_bind_template_child (widget_class, WbVmSettingsDialog, bin4);
  gtk_widget_class_bind_template_callback (widget_class, on_ok_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_apply_clicked_cb);

  gtk_widget_class_install_action (widget_class, "settings.port-forwarding", "u",
                                   port_forwarding_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
wb_vm_settings_dialog_init (WbVmSettingsDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->choices = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_strfreev);
  gtk_widget_init_template (GTK_WIDGET (self));
}

WbDBusVm *
wb_vm_settings_dialog_get_vm (WbVmSettingsDialog *self)
{
  g_return_val_if_fail (WB_IS_VM_SETTINGS_DIALOG (self), NULL);

  return self->vm;
}

void
wb_vm_settings_dialog_present (WbDBusVm        *vm,
                               GDBusConnection *connection,
                               GtkWindow       *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWindow *dialog;

  g_return_if_fail (WB_DBUS_IS_VM (vm));
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  /* One settings dialog per VM. */
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (WB_IS_VM_SETTINGS_DIALOG (window) &&
          g_strcmp0 (wb_dbus_vm_get_uuid (WB_VM_SETTINGS_DIALOG (window)->vm),
                     wb_dbus_vm_get_uuid (vm)) == 0)
        {
          gtk_window_present (window);
          return;
        }
    }

  dialog = g_object_new (WB_TYPE_VM_SETTINGS_DIALOG,
                         "vm", vm,
                         "connection", connection,
                         "transient-for", parent,
                         NULL);
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (dialog, gtk_window_get_application (parent));
  gtk_window_present (dialog);
}
