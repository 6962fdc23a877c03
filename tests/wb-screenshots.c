/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wb-screenshots: opens each view of Wirebox with the example lab loaded
 * (some of its VMs running) and saves it as a PNG, for README.md and
 * data/screenshots/. Run by `build-aux/dev screenshots` under Xvfb, once
 * per language (LANGUAGE=en / ko, LANG=C.UTF-8) and size:
 *
 *   wb-screenshots --output DIR --lang ko --size 800x600 --localedir BUILD/po
 *
 * Each window is rendered by its own GSK renderer into a texture, so the
 * pictures hold exactly the window, whatever the X server shows.
 */

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "wb-client.h"
#include "wb-connectivity-page-private.h"
#include "wb-engine.h"
#include "wb-host-network-manager.h"
#include "wb-nat-network-dialog.h"
#include "wb-port-forwarding-editor.h"
#include "wb-preferences-window.h"
#include "wb-resources.h"
#include "wb-test-util.h"
#include "wb-vm-settings-dialog.h"
#include "wb-window.h"

static char *output_dir;
static char *lang = "en";
static int width = 1280;
static int height = 800;

/* Lets the main loop run for @ms milliseconds: layout, frames, D-Bus. */
static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (5000);
    }
}

static GObject *
child (gpointer    widget,
       GType       type,
       const char *id)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, id);

  if (object == NULL)
    g_error ("No template child %s in %s", id, g_type_name (type));
  return object;
}

static GtkWindow *
wait_for_toplevel (GType type)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      GListModel *toplevels = gtk_window_get_toplevels ();

      for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
        {
          g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

          if (G_OBJECT_TYPE (window) == type && gtk_widget_get_mapped (GTK_WIDGET (window)))
            return window;
        }
      settle (20);
    }
  g_error ("No %s appeared", g_type_name (type));
}

static GtkWidget *main_window;

/* What @widget shows now, as a render node. */
static GskRenderNode *
take_node (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                          gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    g_error ("Nothing drawn for a %s", G_OBJECT_TYPE_NAME (widget));
  return node;
}

/* Saves the main window, with @dialog (if any) over it as a desktop would
 * show it: centred, with a shadow, the window behind dimmed. The picture
 * is the main window's size, so that each one shows what fits on a
 * screen of that size. */
static void
save (GtkWindow  *dialog,
      const char *view)
{
  int w = gtk_widget_get_width (main_window);
  int h = gtk_widget_get_height (main_window);
  g_autoptr(GskRenderNode) back = take_node (main_window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *name = g_strdup_printf ("%s-%s-%dx%d.png", view, lang, width, height);
  g_autofree char *path = g_build_filename (output_dir, name, NULL);
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  gtk_snapshot_append_node (snapshot, back);
  if (dialog != NULL && GTK_WIDGET (dialog) != main_window)
    {
      g_autoptr(GskRenderNode) front = take_node (GTK_WIDGET (dialog));
      int dw = gtk_widget_get_width (GTK_WIDGET (dialog));
      int dh = gtk_widget_get_height (GTK_WIDGET (dialog));
      GskRoundedRect outline;

      if (dw > w || dh > h)
        g_error ("%s (%dx%d) does not fit in %dx%d", view, dw, dh, w, h);
      gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 0.3 },
                                 &GRAPHENE_RECT_INIT (0, 0, w, h));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((w - dw) / 2, (h - dh) / 2));
      gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (0, 0, dw, dh), 8);
      gtk_snapshot_append_outset_shadow (snapshot, &outline, &(GdkRGBA) { 0, 0, 0, 0.35 },
                                         0, 4, 1, 18);
      gtk_snapshot_push_rounded_clip (snapshot, &outline);
      gtk_snapshot_append_node (snapshot, front);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_restore (snapshot);
    }
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (main_window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("Cannot write %s", path);
  g_print ("%s (%dx%d)\n", path, w, h);
}

/* Dialogs keep their own size, within the screen being shown. */
static void
fit (GtkWindow *window)
{
  int w, h;

  gtk_window_get_default_size (window, &w, &h);
  if (w > width - 20 || h > height - 20)
    gtk_window_set_default_size (window, MIN (w, width - 20), MIN (h, height - 20));
}

/* Opens the first expander row shown in @widget (the settings' Advanced). */
static gboolean
expand_first (GtkWidget *widget)
{
  if (ADW_IS_EXPANDER_ROW (widget) && gtk_widget_get_mapped (widget))
    {
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (widget), TRUE);
      return TRUE;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (expand_first (c))
      return TRUE;
  return FALSE;
}

static void
select_vm (GtkWidget  *window,
           const char *name)
{
  GListModel *selection = G_LIST_MODEL (child (window, WB_TYPE_WINDOW, "selection"));

  for (guint i = 0; i < g_list_model_get_n_items (selection); i++)
    {
      g_autoptr(WbDBusVm) vm = g_list_model_get_item (selection, i);

      if (g_strcmp0 (wb_dbus_vm_get_name (vm), name) == 0)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), i, TRUE);
          settle (100);
          return;
        }
    }
  g_error ("No VM %s", name);
}

static gboolean
lab_loaded (GtkWidget *window)
{
  GtkStack *stack = GTK_STACK (child (window, WB_TYPE_WINDOW, "main_stack"));
  GListModel *selection = G_LIST_MODEL (child (window, WB_TYPE_WINDOW, "selection"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "vms") == 0 &&
         g_list_model_get_n_items (selection) >= 8;
}

static void
close_toplevel (GtkWindow *window)
{
  gtk_window_destroy (window);
  settle (100);
}

/* The label of the first header or cell label inside @widget. */
static const char *
first_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_label (GTK_LABEL (widget));
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      const char *label = first_label (c);

      if (label != NULL)
        return label;
    }
  return NULL;
}

/* The Connectivity page: the lab's matrix with one cell's details, then
 * the modes measured beside VirtualBox's table. */
static void
save_connectivity (GtkWidget *window)
{
  GtkWidget *page = GTK_WIDGET (child (window, WB_TYPE_WINDOW, "connectivity_page"));
  GtkWidget *measure = GTK_WIDGET (child (page, WB_TYPE_CONNECTIVITY_PAGE, "measure_button"));
  const char *host = g_dgettext (GETTEXT_PACKAGE, "Host");
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  WbConnectivityPage *cpage = WB_CONNECTIVITY_PAGE (page);
  guint n_sources = 0, n_destinations = 0;
  guint source = G_MAXUINT, destination = G_MAXUINT;
  GtkWidget *cell = NULL;

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, WB_TYPE_WINDOW, "view_stack")),
                                         "connectivity");
  settle (300);
  while (wb_connectivity_page_get_busy (WB_CONNECTIVITY_PAGE (page)) ||
         wb_connectivity_page_get_generation (WB_CONNECTIVITY_PAGE (page)) == 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The connectivity matrix was not measured");
      settle (100);
    }
  /* The host reaching the web VM through its forwards. */
  _wb_connectivity_page_get_size (cpage, &n_sources, &n_destinations);
  for (guint i = 0; i < n_sources; i++)
    if (g_strcmp0 (first_label (_wb_connectivity_page_get_header (cpage, TRUE, i)), host) == 0)
      source = i;
  for (guint j = 0; j < n_destinations; j++)
    if (g_strcmp0 (first_label (_wb_connectivity_page_get_header (cpage, FALSE, j)), "Web") == 0)
      destination = j;
  if (source != G_MAXUINT && destination != G_MAXUINT)
    _wb_connectivity_page_activate_cell (cpage, source, destination);
  settle (800);
  save (NULL, "connectivity");

  gtk_stack_set_visible_child_name (GTK_STACK (child (page, WB_TYPE_CONNECTIVITY_PAGE, "tabs")), "modes");
  settle (300);
  gtk_widget_activate (measure);
  deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;
  settle (300);
  while (!gtk_widget_get_sensitive (measure))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The modes were not measured");
      settle (100);
    }
  /* NAT, VM<-Host: the port forward's evidence. */
  cell = gtk_grid_get_child_at (GTK_GRID (child (page, WB_TYPE_CONNECTIVITY_PAGE, "measured_grid")), 2, 4);
  if (cell != NULL && GTK_IS_BUTTON (cell))
    gtk_widget_activate (cell);
  settle (800);
  save (NULL, "connectivity-modes");
}

static int
run (void)
{
  g_autoptr(WbEngine) engine = wb_engine_new (WB_ENGINE_FLAGS_NONE);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(WbDBusEngine) proxy = NULL;
  g_autoptr(GError) error = NULL;
  static const char *const running[] = { "Router", "VM2", "VM3", "Web" };
  GtkWidget *window;
  GtkWindow *dialog;
  gint64 deadline;

  if (!wb_engine_start (engine, &error) ||
      (connection = wb_engine_connect (engine, &error)) == NULL ||
      (proxy = wb_client_get_engine_sync (connection, NULL, &error)) == NULL)
    g_error ("%s", error->message);

  /* The main window on a first start: it loads the example lab. */
  window = GTK_WIDGET (wb_window_new (NULL, connection));
  main_window = window;
  wb_window_set_load_lab_if_empty (WB_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!lab_loaded (window))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The example lab did not load");
      settle (50);
    }

  /* A lab in use: the router and what sits behind it run. */
  for (guint i = 0; i < G_N_ELEMENTS (running); i++)
    if (!wb_dbus_engine_call_start_vm_sync (proxy, running[i], "headless", NULL, &error))
      {
        g_printerr ("wb-screenshots: cannot start %s: %s\n", running[i], error->message);
        g_clear_error (&error);
      }
  select_vm (window, "Router");
  /* The requested size is the window's own, without the frame that the
   * X server's window adds around it. */
  {
    int w = gtk_widget_get_width (window);
    int h = gtk_widget_get_height (window);

    if (w != width || h != height)
      gtk_window_set_default_size (GTK_WINDOW (window), 2 * width - w, 2 * height - h);
  }
  settle (4500);  /* two refreshes of the live counters */
  save (NULL, "main-window");

  /* VM Settings > Network of the web VM: NAT with port forwarding. */
  select_vm (window, "Web");
  settle (300);
  gtk_widget_activate_action (window, "win.vm-settings", NULL);
  dialog = wait_for_toplevel (WB_TYPE_VM_SETTINGS_DIALOG);
  fit (dialog);
  settle (300);
  expand_first (GTK_WIDGET (dialog));
  settle (800);
  save (dialog, "vm-settings-network");

  /* Its port-forwarding rules. */
  {
    WbDBusVm *vm = wb_vm_settings_dialog_get_vm (WB_VM_SETTINGS_DIALOG (dialog));
    GtkWindow *editor = GTK_WINDOW (wb_port_forwarding_editor_new_for_adapter (vm, 1));

    gtk_window_set_transient_for (editor, dialog);
    gtk_window_present (editor);
    editor = wait_for_toplevel (WB_TYPE_PORT_FORWARDING_EDITOR);
    fit (editor);
    settle (800);
    save (editor, "port-forwarding");
    close_toplevel (editor);
  }
  close_toplevel (dialog);

  /* File > Host Network Manager, with vboxnet0's DHCP server shown. */
  gtk_widget_activate_action (window, "win.host-network-manager", NULL);
  dialog = wait_for_toplevel (WB_TYPE_HOST_NETWORK_MANAGER);
  fit (dialog);
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (child (dialog, WB_TYPE_HOST_NETWORK_MANAGER,
                                                                  "selection")), 0);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dialog, WB_TYPE_HOST_NETWORK_MANAGER,
                                                          "properties_button")), TRUE);
  gtk_stack_set_visible_child_name (GTK_STACK (child (dialog, WB_TYPE_HOST_NETWORK_MANAGER,
                                                      "properties_stack")), "dhcp");
  settle (1000);
  save (dialog, "host-network-manager");
  close_toplevel (dialog);

  /* Preferences > Network, and the editor of natnet1. */
  gtk_widget_activate_action (window, "win.preferences", NULL);
  dialog = wait_for_toplevel (WB_TYPE_PREFERENCES_WINDOW);
  fit (dialog);
  settle (800);
  save (dialog, "preferences-network");
  {
    GtkWidget *list = GTK_WIDGET (child (dialog, WB_TYPE_PREFERENCES_WINDOW, "nat_list"));
    GtkWidget *row = gtk_widget_get_first_child (list);

    if (ADW_IS_ACTION_ROW (row))
      {
        GtkWindow *editor;

        gtk_widget_activate (row);
        editor = wait_for_toplevel (WB_TYPE_NAT_NETWORK_DIALOG);
        fit (editor);
        settle (800);
        save (editor, "nat-network-editor");
        close_toplevel (editor);
      }
  }
  close_toplevel (dialog);

  save_connectivity (window);

  gtk_window_destroy (GTK_WINDOW (window));
  settle (100);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  wb_engine_stop (engine);
  return EXIT_SUCCESS;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *size = NULL;
  g_autofree char *localedir = NULL;
  g_autofree char *home = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &output_dir, "Folder for the PNG files", "DIR" },
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang, "Language tag in the file names", "TAG" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Main window size", "WxH" },
    { "localedir", 0, 0, G_OPTION_ARG_FILENAME, &localedir, "Where the built .mo files are", "DIR" },
    { NULL }
  };
  int status;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("wb-screenshots: %s\n", error->message);
      return 2;
    }
  if (output_dir == NULL)
    output_dir = g_strdup (".");
  if (size != NULL && sscanf (size, "%dx%d", &width, &height) != 2)
    {
      g_printerr ("wb-screenshots: --size takes WIDTHxHEIGHT\n");
      return 2;
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_mkdir_with_parents (output_dir, 0755);

  /* A settings home of our own, empty: the first start. */
  home = wb_test_set_up_home ("wirebox-screenshots-XXXXXX");

  gtk_init ();
  adw_init ();
  g_resources_register (wb_get_resource ());
  status = run ();
  wb_test_rm_rf (home);
  return status;
}
