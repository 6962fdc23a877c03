/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-application.h"

#include <glib/gi18n.h>

#include "wb-resources.h"
#include "wb-window.h"

struct _WbApplication
{
  AdwApplication   parent_instance;

  GDBusConnection *connection;
};

G_DEFINE_FINAL_TYPE (WbApplication, wb_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
wb_application_activate (GApplication *app)
{
  WbApplication *self = WB_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      WbWindow *main_window = wb_window_new (self, self->connection);

      /* An empty settings home is a first start: show the example lab. */
      wb_window_set_load_lab_if_empty (main_window, TRUE);
      window = GTK_WINDOW (main_window);
    }
  gtk_window_present (window);
}

static gpointer
ref_object (gconstpointer object,
            gpointer      user_data)
{
  return g_object_ref ((gpointer) object);
}

static void
on_quit_action_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  GList *windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (user_data)),
                                     ref_object, NULL);
  gboolean any = FALSE;

  /* Closing the main windows asks first while VMs run (WbWindow's
   * close-request); the other windows go with them. */
  for (GList *l = windows; l != NULL; l = l->next)
    {
      if (WB_IS_WINDOW (l->data))
        {
          gtk_window_close (GTK_WINDOW (l->data));
          any = TRUE;
        }
    }
  g_list_free_full (windows, g_object_unref);
  if (!any)
    g_application_quit (G_APPLICATION (user_data));
}

static void
on_about_action_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  adw_show_about_window (window,
                         "application-name", _("Wirebox"),
                         "application-icon", WB_APP_ID,
                         "version", WB_VERSION,
                         "comments", _("Design and test VirtualBox-style virtual machine networks"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developer-name", _("The Wirebox developers"),
                         /* Translators: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", on_quit_action_cb },
  { "about", on_about_action_cb },
};

static void
wb_application_startup (GApplication *app)
{
  static const struct {
    const char *action;
    const char *accels[2];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.new-vm", { "<Control>n", NULL } },
    { "win.vm-settings", { "<Control>s", NULL } },
    { "win.start-vm", { "<Control>Return", NULL } },
    { "win.host-network-manager", { "<Control>h", NULL } },
    { "win.preferences", { "<Control>comma", NULL } },
  };

  WbApplication *self = WB_APPLICATION (app);

  /* The engine exports its objects and a worker thread loads them while
   * GTK starts up here; the first window takes the load over. */
  if (self->connection != NULL)
    wb_window_prefetch (self->connection);

  G_APPLICATION_CLASS (wb_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);
}

static void
wb_application_dispose (GObject *object)
{
  WbApplication *self = WB_APPLICATION (object);

  g_clear_object (&self->connection);

  G_OBJECT_CLASS (wb_application_parent_class)->dispose (object);
}

static void
wb_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WbApplication *self = WB_APPLICATION (object);

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
wb_application_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  WbApplication *self = WB_APPLICATION (object);

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
wb_application_class_init (WbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = wb_application_dispose;
  object_class->get_property = wb_application_get_property;
  object_class->set_property = wb_application_set_property;
  app_class->activate = wb_application_activate;
  app_class->startup = wb_application_startup;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wb_application_init (WbApplication *self)
{
  /* Our resources live in a static library, where the linker would drop an
   * automatic constructor: register them here. */
  g_resources_register (wb_get_resource ());
}

WbApplication *
wb_application_new (GDBusConnection *connection)
{
  /* Each window process talks to the settings home's one engine, so
   * instances need no session bus to find each other. */
  return g_object_new (WB_TYPE_APPLICATION,
                       "application-id", WB_APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/wirebox/Wirebox",
                       "connection", connection,
                       NULL);
}

GDBusConnection *
wb_application_get_connection (WbApplication *self)
{
  g_return_val_if_fail (WB_IS_APPLICATION (self), NULL);

  return self->connection;
}
