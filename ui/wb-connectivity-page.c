/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-connectivity-page.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "wb-ui-util.h"

/* RunMatrix and RunModesMatrix take as long as their probes take. */
#define NO_TIMEOUT G_MAXINT

typedef struct
{
  char *id;
  char *kind;
  char *name;      /* as shown: stand-ins translated */
  char *address;   /* the first one, or NULL */
} Endpoint;

struct _WbConnectivityPage
{
  AdwBin         parent_instance;

  WbDBusEngine  *engine;
  GCancellable  *cancellable;
  guint          n_running;

  /* The lab. */
  gboolean       run_in_flight;
  gboolean       ran;             /* a run was started from here */
  gboolean       completed_once;  /* a full matrix has been shown */
  gboolean       fetch_in_flight;
  gboolean       fetch_again;
  gboolean       setting_outside;
  gboolean       outside_touched;
  guint          generation;
  guint          done;
  guint          total;
  guint          n_cells;
  char          *layout;          /* the endpoints the grid was built for */
  GPtrArray     *sources;         /* of Endpoint */
  GPtrArray     *destinations;    /* of Endpoint */
  GHashTable    *cell_buttons;    /* id -> GtkWidget (owned by the grid) */
  GHashTable    *cell_data;       /* id -> GVariant a{sv} */

  /* The modes. */
  gboolean       modes_in_flight;
  gboolean       busy;            /* as last notified */
  GVariant      *modes;           /* RunModesMatrix's answer */

  /* The cell whose details show: "lab:FROM>TO" or "mode:MODE:COLUMN". */
  char          *selected;

  /* Template children. */
  GtkStack      *controls_stack;
  GtkEntry      *outside_entry;
  GtkWidget     *rerun_button;
  GtkWidget     *measure_button;
  GtkRevealer   *details_revealer;
  GtkStack      *tabs;
  GtkStack      *lab_stack;
  GtkProgressBar *first_progress;
  GtkGrid       *matrix_grid;
  GtkProgressBar *lab_progress;
  GtkGrid       *expected_grid;
  GtkStack      *measured_stack;
  GtkGrid       *measured_grid;
  GtkBox        *findings_box;
  GtkProgressBar *modes_progress;
  GtkLabel      *details_title;
  GtkBox        *details_box;
};

G_DEFINE_FINAL_TYPE (WbConnectivityPage, wb_connectivity_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_GENERATION,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* VIRTUALBOX.md §6: the modes and columns of VirtualBox's table. */
static const struct
{
  const char *id;
  const char *label;
} modes[] = {
  { "hostonly", N_("Host-only") },
  { "intnet", N_("Internal") },
  { "bridged", N_("Bridged") },
  { "nat", N_("NAT") },
  { "natnetwork", N_("NAT Network") },
};

static const struct
{
  const char *key;
  const char *label;
  const char *from;  /* who probes whom, for the accessible names */
  const char *to;
} columns[] = {
  { "vm-to-host", N_("VM→Host"), N_("VM"), N_("Host") },
  { "host-to-vm", N_("VM←Host"), N_("Host"), N_("VM") },
  { "vm-to-vm", N_("VM1↔VM2"), N_("VM1"), N_("VM2") },
  { "vm-to-lan", N_("VM→Net/LAN"), N_("VM"), N_("Net/LAN") },
  { "lan-to-vm", N_("VM←Net/LAN"), N_("Net/LAN"), N_("VM") },
};

/* Shown before a measurement brings the engine's own copy. */
static const char *const virtualbox_table[G_N_ELEMENTS (modes)][G_N_ELEMENTS (columns)] = {
  { "+", "+", "+", "-", "-" },
  { "-", "-", "+", "-", "-" },
  { "+", "+", "+", "+", "+" },
  { "+", "port-forward", "-", "+", "port-forward" },
  { "+", "port-forward", "+", "+", "port-forward" },
};

static void update_state (WbConnectivityPage *self);

/* --- results ------------------------------------------------------------------ */

const char *
wb_connectivity_result_label (const char *result)
{
  if (g_strcmp0 (result, "+") == 0)
    return "+";
  if (g_strcmp0 (result, "port-forward") == 0)
    return _("Port forward");
  if (g_strcmp0 (result, "-") == 0)
    return "–";
  if (g_strcmp0 (result, "not probed") == 0)
    return _("Not probed");
  if (g_strcmp0 (result, "pending") == 0)
    return "…";
  return result != NULL ? result : "";
}

/* In a sentence: "VM2 to Host: reachable". */
static const char *
result_description (const char *result)
{
  if (g_strcmp0 (result, "+") == 0)
    return _("reachable");
  if (g_strcmp0 (result, "port-forward") == 0)
    return _("reachable through a port forward");
  if (g_strcmp0 (result, "-") == 0)
    return _("not reachable");
  if (g_strcmp0 (result, "not probed") == 0)
    return _("not probed");
  if (g_strcmp0 (result, "pending") == 0)
    return _("being probed");
  return result != NULL ? result : "";
}

static const char *
result_icon (const char *result)
{
  if (g_strcmp0 (result, "+") == 0)
    return "object-select-symbolic";
  if (g_strcmp0 (result, "port-forward") == 0)
    return "mail-forward-symbolic";
  if (g_strcmp0 (result, "-") == 0)
    return "action-unavailable-symbolic";
  if (g_strcmp0 (result, "pending") == 0)
    return "content-loading-symbolic";
  /* "Not probed" says it all. */
  return NULL;
}

static const char *
result_class (const char *result)
{
  if (g_strcmp0 (result, "+") == 0)
    return "success";
  if (g_strcmp0 (result, "port-forward") == 0)
    return "warning";
  if (g_strcmp0 (result, "-") == 0)
    return "error";
  return "dim-label";
}

/* --- cells ---------------------------------------------------------------------- */

static void
clear_grid (GtkGrid *grid)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (grid))) != NULL)
    gtk_grid_remove (grid, child);
}

static void on_cell_clicked_cb (WbConnectivityPage *self,
                                GtkWidget          *cell);

/* A button (@interactive) or a plain box that shows a result. */
static GtkWidget *
cell_new (WbConnectivityPage *self,
          const char         *key,
          gboolean            interactive)
{
  GtkWidget *cell = interactive ? gtk_button_new () : gtk_center_box_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *marker = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_widget_set_name (cell, "matrix-cell");
  gtk_widget_add_css_class (cell, "matrix-cell");
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_name (label, "cell-label");
  gtk_widget_set_visible (marker, FALSE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), marker);
  if (interactive)
    {
      gtk_button_set_child (GTK_BUTTON (cell), box);
      g_signal_connect_object (cell, "clicked", G_CALLBACK (on_cell_clicked_cb), self,
                               G_CONNECT_SWAPPED);
    }
  else
    gtk_center_box_set_center_widget (GTK_CENTER_BOX (cell), box);

  g_object_set_data_full (G_OBJECT (cell), "wb-key", g_strdup (key), g_free);
  g_object_set_data (G_OBJECT (cell), "wb-icon", icon);
  g_object_set_data (G_OBJECT (cell), "wb-label", label);
  g_object_set_data (G_OBJECT (cell), "wb-marker", marker);
  return cell;
}

static void
cell_set_result (GtkWidget  *cell,
                 const char *result,
                 const char *accessible,
                 const char *tooltip,
                 gboolean    differs)
{
  static const char *const classes[] = { "success", "warning", "error", "dim-label" };

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (cell, classes[i]);
  gtk_widget_add_css_class (cell, result_class (result));
  if (differs)
    gtk_widget_add_css_class (cell, "differs");
  else
    gtk_widget_remove_css_class (cell, "differs");

  gtk_image_set_from_icon_name (g_object_get_data (G_OBJECT (cell), "wb-icon"), result_icon (result));
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (cell), "wb-icon"), result_icon (result) != NULL);
  gtk_label_set_label (g_object_get_data (G_OBJECT (cell), "wb-label"),
                       wb_connectivity_result_label (result));
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (cell), "wb-marker"), differs);
  gtk_widget_set_tooltip_text (cell, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (cell),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

static void
mark_selected (WbConnectivityPage *self)
{
  GtkGrid *grids[] = { self->matrix_grid, self->measured_grid };

  for (guint i = 0; i < G_N_ELEMENTS (grids); i++)
    for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (grids[i])); c != NULL;
         c = gtk_widget_get_next_sibling (c))
      {
        const char *key = g_object_get_data (G_OBJECT (c), "wb-key");

        if (key != NULL && GTK_IS_BUTTON (c) && g_strcmp0 (key, self->selected) == 0)
          gtk_widget_add_css_class (c, "selected");
        else
          gtk_widget_remove_css_class (c, "selected");
      }
}

/* A header of the grids: a name, and below it an address if any. */
static GtkWidget *
header_new (const char *name,
            const char *address,
            gboolean    row)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new (name);

  gtk_widget_set_name (box, row ? "row-header" : "column-header");
  gtk_widget_add_css_class (box, "matrix-header");
  gtk_widget_set_valign (box, row ? GTK_ALIGN_CENTER : GTK_ALIGN_END);
  gtk_widget_set_name (label, "header-label");
  gtk_label_set_xalign (GTK_LABEL (label), row ? 0.0 : 0.5);
  /* Long VM names are cut, never short ones: a narrow window scrolls. */
  if (g_utf8_strlen (name, -1) > 14)
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (label), 14);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 14);
    }
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), label);
  if (address != NULL && *address != '\0')
    {
      GtkWidget *sub = gtk_label_new (address);

      gtk_label_set_xalign (GTK_LABEL (sub), row ? 0.0 : 0.5);
      gtk_widget_add_css_class (sub, "caption");
      gtk_widget_add_css_class (sub, "dim-label");
      gtk_box_append (GTK_BOX (box), sub);
    }
  if (address != NULL && *address != '\0')
    {
      g_autofree char *tooltip = g_strdup_printf ("%s (%s)", name, address);

      gtk_widget_set_tooltip_text (box, tooltip);
    }
  else
    gtk_widget_set_tooltip_text (box, name);
  return box;
}

/* --- keyboard ------------------------------------------------------------------ */

static gboolean
on_grid_key_pressed_cb (GtkEventControllerKey *controller,
                        guint                  keyval,
                        guint                  keycode,
                        GdkModifierType        state,
                        gpointer               user_data)
{
  GtkGrid *grid = GTK_GRID (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));
  GtkWidget *focus = gtk_widget_get_focus_child (GTK_WIDGET (grid));
  int dx = 0, dy = 0;
  int column, row;
  int n_columns = 0, n_rows = 0;

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      dx = -1;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      dx = 1;
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      dy = -1;
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      dy = 1;
      break;
    default:
      return FALSE;
    }
  if (focus == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;

  /* Right moves to the next cell of the row, skipping the pairs that
   * have none; at the edge focus stays where it is. */
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (grid)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      gtk_grid_query_child (grid, c, &column, &row, NULL, NULL);
      n_columns = MAX (n_columns, column + 1);
      n_rows = MAX (n_rows, row + 1);
    }
  gtk_grid_query_child (grid, focus, &column, &row, NULL, NULL);
  for (column += dx, row += dy;
       column >= 0 && row >= 0 && column < n_columns && row < n_rows;
       column += dx, row += dy)
    {
      GtkWidget *next = gtk_grid_get_child_at (grid, column, row);

      if (next != NULL && GTK_IS_BUTTON (next) && gtk_widget_get_focusable (next))
        {
          gtk_widget_grab_focus (next);
          return TRUE;
        }
    }
  gtk_widget_error_bell (GTK_WIDGET (grid));
  return TRUE;
}

static void
add_navigation (GtkGrid *grid)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_grid_key_pressed_cb), NULL);
  gtk_widget_add_controller (GTK_WIDGET (grid), keys);
}

/* --- details -------------------------------------------------------------------- */

static void
add_detail (WbConnectivityPage *self,
            const char         *title,
            const char         *value)
{
  GtkWidget *box, *heading, *label;

  if (value == NULL || *value == '\0')
    return;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  heading = gtk_label_new (title);
  label = gtk_label_new (value);
  gtk_label_set_xalign (GTK_LABEL (heading), 0.0);
  gtk_widget_add_css_class (heading, "caption-heading");
  gtk_widget_add_css_class (heading, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  /* Narrow: the panel must leave the grid its room. */
  gtk_label_set_max_width_chars (GTK_LABEL (label), 32);
  gtk_widget_set_name (label, "detail-value");
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (self->details_box, box);
}

/* The evidence of one probe: a lab cell or a mode's column. */
static void
show_probe (WbConnectivityPage *self,
            const char         *from,
            const char         *to,
            const char         *result,
            GVariant           *probe,
            const char         *expected)
{
  g_autofree char *title = g_strdup_printf ("%s → %s", from, to);
  g_autoptr(GVariant) rules = NULL;
  g_autofree char *rules_text = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->details_box))) != NULL)
    gtk_box_remove (self->details_box, child);

  gtk_label_set_label (self->details_title, title);
  add_detail (self, _("From"), from);
  add_detail (self, _("To"), to);
  add_detail (self, _("Result"), result_description (result));
  if (expected != NULL)
    add_detail (self, _("VirtualBox"), result_description (expected));
  if (probe != NULL)
    {
      add_detail (self, _("Reason"), wb_ui_info_string (probe, "reason"));
      add_detail (self, _("Path"), wb_ui_info_string (probe, "path"));
      rules = g_variant_lookup_value (probe, "rules", G_VARIANT_TYPE_STRING_ARRAY);
      if (rules != NULL)
        {
          g_autofree const char **strv = g_variant_get_strv (rules, NULL);

          rules_text = g_strjoinv ("\n", (char **) strv);
        }
      add_detail (self, _("Forwards"), rules_text);
      add_detail (self, _("Target"), wb_ui_info_string (probe, "target"));
      add_detail (self, _("Detail"), wb_ui_info_string (probe, "detail"));
    }
  gtk_revealer_set_reveal_child (self->details_revealer, TRUE);
}

static Endpoint *
find_endpoint (GPtrArray  *endpoints,
               const char *id)
{
  for (guint i = 0; endpoints != NULL && i < endpoints->len; i++)
    {
      Endpoint *e = endpoints->pdata[i];

      if (g_strcmp0 (e->id, id) == 0)
        return e;
    }
  return NULL;
}

static const char *
endpoint_name (WbConnectivityPage *self,
               const char         *id)
{
  Endpoint *e = find_endpoint (self->destinations, id);

  if (e == NULL)
    e = find_endpoint (self->sources, id);
  return e != NULL ? e->name : id;
}

static gboolean
show_lab_cell (WbConnectivityPage *self,
               const char         *id)
{
  GVariant *cell = g_hash_table_lookup (self->cell_data, id);
  const char *from = NULL, *to = NULL, *result = NULL;

  if (cell == NULL)
    return FALSE;
  g_variant_lookup (cell, "from", "&s", &from);
  g_variant_lookup (cell, "to", "&s", &to);
  g_variant_lookup (cell, "result", "&s", &result);
  show_probe (self, endpoint_name (self, from), endpoint_name (self, to), result, cell, NULL);
  return TRUE;
}

/* "host", "lan", "outside" as shown. */
static const char *
standin_name (const char *id)
{
  if (g_strcmp0 (id, "host") == 0)
    return _("Host");
  if (g_strcmp0 (id, "lan") == 0)
    return _("Net/LAN");
  if (g_strcmp0 (id, "outside") == 0)
    return _("Outside");
  return id;
}

static gboolean
show_mode_cell (WbConnectivityPage *self,
                const char         *key)
{
  g_auto(GStrv) parts = g_strsplit (key, ":", 3);
  g_autoptr(GVariant) list = NULL;
  GVariantIter iter;
  GVariant *mode;

  if (self->modes == NULL || g_strv_length (parts) != 3)
    return FALSE;
  list = g_variant_lookup_value (self->modes, "modes", G_VARIANT_TYPE ("aa{sv}"));
  if (list == NULL)
    return FALSE;

  g_variant_iter_init (&iter, list);
  while ((mode = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = mode;
      g_autoptr(GVariant) expected = NULL;
      g_autoptr(GVariant) evidence = NULL;
      g_autoptr(GVariant) probe = NULL;
      const char *id = wb_ui_info_string (mode, "mode");
      const char *result = wb_ui_info_string (mode, parts[2]);
      const char *want = NULL;
      const char *from = NULL, *to = NULL;
      const char *label = id;

      if (g_strcmp0 (id, parts[1]) != 0)
        continue;
      expected = g_variant_lookup_value (mode, "expected", G_VARIANT_TYPE ("a{ss}"));
      if (expected != NULL)
        g_variant_lookup (expected, parts[2], "&s", &want);
      evidence = g_variant_lookup_value (mode, "evidence", G_VARIANT_TYPE ("a{sa{sv}}"));
      if (evidence != NULL)
        probe = g_variant_lookup_value (evidence, parts[2], G_VARIANT_TYPE_VARDICT);
      for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
        if (g_strcmp0 (modes[i].id, id) == 0)
          label = _(modes[i].label);
      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        if (g_strcmp0 (columns[c].key, parts[2]) == 0)
          {
            g_autofree char *title = g_strdup_printf ("%s: %s", label, _(columns[c].label));

            /* The throwaway lab's endpoints have ids, not names. */
            from = probe != NULL ? wb_ui_info_string (probe, "from") : "";
            to = probe != NULL ? wb_ui_info_string (probe, "to") : "";
            from = g_str_has_prefix (from, "vm:") || *from == '\0' ? _(columns[c].from) : standin_name (from);
            to = g_str_has_prefix (to, "vm:") || *to == '\0' ? _(columns[c].to) : standin_name (to);
            show_probe (self, from, to, result, probe, want);
            gtk_label_set_label (self->details_title, title);
          }
      return TRUE;
    }
  return FALSE;
}

static void
select_key (WbConnectivityPage *self,
            const char         *key)
{
  gboolean shown = FALSE;

  if (key != self->selected)
    {
      g_free (self->selected);
      self->selected = g_strdup (key);
    }
  if (key != NULL && g_str_has_prefix (key, "lab:"))
    shown = show_lab_cell (self, key + 4);
  else if (key != NULL && g_str_has_prefix (key, "mode:"))
    shown = show_mode_cell (self, key);
  if (!shown)
    {
      g_clear_pointer (&self->selected, g_free);
      gtk_revealer_set_reveal_child (self->details_revealer, FALSE);
    }
  mark_selected (self);
}

static void
on_cell_clicked_cb (WbConnectivityPage *self,
                    GtkWidget          *cell)
{
  select_key (self, g_object_get_data (G_OBJECT (cell), "wb-key"));
}

static void
on_details_close_cb (WbConnectivityPage *self)
{
  select_key (self, NULL);
}

static void
on_tab_changed_cb (WbConnectivityPage *self)
{
  const char *tab = gtk_stack_get_visible_child_name (self->tabs);

  gtk_stack_set_visible_child_name (self->controls_stack, tab);
  /* The details belong to a cell of the tab that was left. */
  if (self->selected != NULL &&
      !g_str_has_prefix (self->selected, g_strcmp0 (tab, "lab") == 0 ? "lab:" : "mode:"))
    select_key (self, NULL);
}

/* --- the lab's matrix ------------------------------------------------------------ */

static void
endpoint_free (gpointer data)
{
  Endpoint *e = data;

  g_free (e->id);
  g_free (e->kind);
  g_free (e->name);
  g_free (e->address);
  g_free (e);
}

/* The engine names its stand-ins in English. */
static char *
endpoint_display_name (const char *kind,
                       const char *name)
{
  if (g_strcmp0 (kind, "host") == 0)
    return g_strdup (_("Host"));
  if (g_strcmp0 (kind, "lan") == 0)
    return g_strdup (_("Net/LAN"));
  if (g_strcmp0 (kind, "outside") == 0)
    return g_strdup (_("Outside"));
  return g_strdup (name);
}

static gboolean
outside_text_valid (const char *text)
{
  g_autofree char *address = NULL;
  const char *colon;

  if (text == NULL || *text == '\0')
    return TRUE;
  colon = strchr (text, ':');
  if (colon == NULL)
    return wb_ui_is_ipv4 (text);

  address = g_strndup (text, colon - text);
  if (!wb_ui_is_ipv4 (address) || colon[1] == '\0' || strlen (colon + 1) > 5)
    return FALSE;
  for (const char *p = colon + 1; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return atoi (colon + 1) >= 1 && atoi (colon + 1) <= 65535;
}

static void
cell_update (WbConnectivityPage *self,
             GtkWidget          *button,
             GVariant           *cell)
{
  const char *from = NULL, *to = NULL, *result = "pending", *reason = "";
  g_autofree char *accessible = NULL;
  g_autofree char *tooltip = NULL;

  g_variant_lookup (cell, "from", "&s", &from);
  g_variant_lookup (cell, "to", "&s", &to);
  g_variant_lookup (cell, "result", "&s", &result);
  g_variant_lookup (cell, "reason", "&s", &reason);
  /* Translators: "VM2 to Host: reachable" */
  accessible = g_strdup_printf (_("%s to %s: %s"), endpoint_name (self, from), endpoint_name (self, to),
                                result_description (result));
  tooltip = *reason != '\0' ? g_strdup_printf ("%s (%s)", accessible, reason) : g_strdup (accessible);
  cell_set_result (button, result, accessible, tooltip, FALSE);
}

static void
build_grid (WbConnectivityPage *self,
            GHashTable         *cell_ids)
{
  GtkWidget *corner = gtk_label_new (_("From ↓ To →"));

  clear_grid (self->matrix_grid);
  g_hash_table_remove_all (self->cell_buttons);

  gtk_widget_add_css_class (corner, "caption");
  gtk_widget_add_css_class (corner, "dim-label");
  gtk_widget_set_valign (corner, GTK_ALIGN_END);
  gtk_label_set_xalign (GTK_LABEL (corner), 0.0);
  gtk_grid_attach (self->matrix_grid, corner, 0, 0, 1, 1);

  for (guint j = 0; j < self->destinations->len; j++)
    {
      Endpoint *to = self->destinations->pdata[j];

      gtk_grid_attach (self->matrix_grid, header_new (to->name, to->address, FALSE), j + 1, 0, 1, 1);
    }
  for (guint i = 0; i < self->sources->len; i++)
    {
      Endpoint *from = self->sources->pdata[i];

      gtk_grid_attach (self->matrix_grid, header_new (from->name, from->address, TRUE), 0, i + 1, 1, 1);
      for (guint j = 0; j < self->destinations->len; j++)
        {
          Endpoint *to = self->destinations->pdata[j];
          g_autofree char *id = g_strdup_printf ("%s>%s", from->id, to->id);
          g_autofree char *key = g_strdup_printf ("lab:%s", id);
          GtkWidget *cell;

          if (!g_hash_table_contains (cell_ids, id))
            {
              /* Itself, or host and LAN: no pair to probe. */
              cell = gtk_label_new (NULL);
              gtk_widget_add_css_class (cell, "matrix-none");
            }
          else
            {
              cell = cell_new (self, key, TRUE);
              g_hash_table_insert (self->cell_buttons, g_strdup (id), cell);
            }
          gtk_grid_attach (self->matrix_grid, cell, j + 1, i + 1, 1, 1);
        }
    }
}

static void
apply_matrix (WbConnectivityPage *self,
              GVariant           *matrix)
{
  g_autoptr(GVariant) endpoints = NULL;
  g_autoptr(GVariant) cells = NULL;
  g_autoptr(GHashTable) cell_ids = NULL;
  g_autoptr(GString) layout = g_string_new (NULL);
  GVariantIter iter;
  GVariant *dict;
  guint generation = 0;
  gboolean complete = FALSE;
  const char *outside = NULL;

  g_variant_lookup (matrix, "generation", "u", &generation);
  g_variant_lookup (matrix, "complete", "b", &complete);
  /* A reply overtaken by a newer one. */
  if (generation < self->generation && self->n_cells > 0)
    return;

  endpoints = g_variant_lookup_value (matrix, "endpoints", G_VARIANT_TYPE ("aa{sv}"));
  cells = g_variant_lookup_value (matrix, "cells", G_VARIANT_TYPE ("aa{sv}"));
  cell_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_ptr_array_set_size (self->sources, 0);
  g_ptr_array_set_size (self->destinations, 0);
  if (endpoints != NULL)
    {
      g_variant_iter_init (&iter, endpoints);
      while ((dict = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(GVariant) owned = dict;
          g_autoptr(GVariant) addresses = g_variant_lookup_value (dict, "addresses", G_VARIANT_TYPE_STRING_ARRAY);
          Endpoint *e = g_new0 (Endpoint, 1);

          e->id = g_strdup (wb_ui_info_string (dict, "id"));
          e->kind = g_strdup (wb_ui_info_string (dict, "kind"));
          e->name = endpoint_display_name (e->kind, wb_ui_info_string (dict, "name"));
          if (addresses != NULL && g_variant_n_children (addresses) > 0)
            g_variant_get_child (addresses, 0, "s", &e->address);
          g_string_append_printf (layout, "%s=%s@%s;", e->id, e->name, e->address ? e->address : "");
          if (g_strcmp0 (e->kind, "outside") != 0)
            {
              Endpoint *copy = g_new0 (Endpoint, 1);

              copy->id = g_strdup (e->id);
              copy->kind = g_strdup (e->kind);
              copy->name = g_strdup (e->name);
              copy->address = g_strdup (e->address);
              g_ptr_array_add (self->sources, copy);
            }
          g_ptr_array_add (self->destinations, e);
        }
    }

  g_hash_table_remove_all (self->cell_data);
  if (cells != NULL)
    {
      g_variant_iter_init (&iter, cells);
      while ((dict = g_variant_iter_next_value (&iter)) != NULL)
        {
          const char *id = wb_ui_info_string (dict, "id");

          g_hash_table_add (cell_ids, g_strdup (id));
          g_string_append_printf (layout, "%s;", id);
          g_hash_table_insert (self->cell_data, g_strdup (id), dict);
        }
    }

  if (g_strcmp0 (layout->str, self->layout) != 0)
    {
      g_free (self->layout);
      self->layout = g_string_free (g_steal_pointer (&layout), FALSE);
      build_grid (self, cell_ids);
    }

  {
    GHashTableIter cells_iter;
    gpointer id, button;

    g_hash_table_iter_init (&cells_iter, self->cell_buttons);
    while (g_hash_table_iter_next (&cells_iter, &id, &button))
      {
        GVariant *cell = g_hash_table_lookup (self->cell_data, id);

        if (cell != NULL)
          cell_update (self, button, cell);
      }
  }

  self->n_cells = g_hash_table_size (self->cell_data);
  self->generation = generation;
  g_variant_lookup (matrix, "done", "u", &self->done);
  g_variant_lookup (matrix, "total", "u", &self->total);
  if (complete)
    self->done = self->total;
  if (complete && self->n_cells > 0)
    self->completed_once = TRUE;

  if (g_variant_lookup (matrix, "outside", "&s", &outside) && !self->outside_touched)
    {
      self->setting_outside = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->outside_entry), outside);
      self->setting_outside = FALSE;
    }

  /* The selected cell may have a new answer, or be gone. */
  if (self->selected != NULL && g_str_has_prefix (self->selected, "lab:"))
    select_key (self, self->selected);
  else
    mark_selected (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATION]);
  update_state (self);
}

static void
toast_error (WbConnectivityPage *self,
             const GError       *error)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    wb_ui_toast_error (overlay, error);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Connectivity: %s", error->message);
}

static void fetch_matrix (WbConnectivityPage *self);

static void
on_get_matrix_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WbConnectivityPage) self = user_data;
  g_autoptr(GVariant) matrix = NULL;
  g_autoptr(GError) error = NULL;

  if (!wb_dbus_engine_call_get_matrix_finish (WB_DBUS_ENGINE (source), &matrix, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->fetch_in_flight = FALSE;
      toast_error (self, error);
      return;
    }
  self->fetch_in_flight = FALSE;
  apply_matrix (self, matrix);
  if (self->fetch_again)
    fetch_matrix (self);
}

/* One GetMatrix at a time: signals that arrive meanwhile ask for one more. */
static void
fetch_matrix (WbConnectivityPage *self)
{
  if (self->engine == NULL)
    return;
  if (self->fetch_in_flight)
    {
      self->fetch_again = TRUE;
      return;
    }
  self->fetch_in_flight = TRUE;
  self->fetch_again = FALSE;
  wb_dbus_engine_call_get_matrix (self->engine, self->cancellable, on_get_matrix_cb,
                                  g_object_ref (self));
}

static void
on_run_matrix_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WbConnectivityPage) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) matrix = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->run_in_flight = FALSE;
  if (reply == NULL)
    {
      toast_error (self, error);
      update_state (self);
      return;
    }
  g_variant_get (reply, "(@a{sv})", &matrix);
  apply_matrix (self, matrix);
}

static void
start_run (WbConnectivityPage *self)
{
  const char *outside = gtk_editable_get_text (GTK_EDITABLE (self->outside_entry));
  GVariantBuilder options;

  if (self->engine == NULL || self->run_in_flight || !outside_text_valid (outside))
    return;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "outside", g_variant_new_string (outside));
  self->run_in_flight = TRUE;
  self->ran = TRUE;
  self->done = 0;
  self->total = 0;
  /* No D-Bus time-out: the call lasts as long as the probes do. */
  g_dbus_proxy_call (G_DBUS_PROXY (self->engine), "RunMatrix",
                     g_variant_new ("(a{sv})", &options),
                     G_DBUS_CALL_FLAGS_NONE, NO_TIMEOUT, self->cancellable,
                     on_run_matrix_cb, g_object_ref (self));
  update_state (self);
}

static void
maybe_start_first_run (WbConnectivityPage *self)
{
  if (!self->ran && self->engine != NULL && self->n_running > 0 &&
      gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_run (self);
}

static void
on_rerun_clicked_cb (WbConnectivityPage *self)
{
  start_run (self);
}

static void
on_outside_changed_cb (WbConnectivityPage *self)
{
  if (!self->setting_outside)
    self->outside_touched = TRUE;
  wb_ui_mark_valid (GTK_WIDGET (self->outside_entry),
                    outside_text_valid (gtk_editable_get_text (GTK_EDITABLE (self->outside_entry))));
  update_state (self);
}

static void
on_outside_activate_cb (WbConnectivityPage *self)
{
  if (gtk_widget_get_sensitive (self->rerun_button))
    start_run (self);
}

static void
on_matrix_progress_cb (WbConnectivityPage *self,
                       guint               generation,
                       guint               done,
                       guint               total)
{
  self->done = done;
  self->total = total;
  /* Cells fill in as they are probed, once a matrix shows. */
  if (self->completed_once)
    fetch_matrix (self);
  update_state (self);
}

static void
on_matrix_changed_cb (WbConnectivityPage *self,
                      guint               generation,
                      const char * const *cells)
{
  fetch_matrix (self);
}

/* --- the modes ------------------------------------------------------------------ */

static GtkWidget *
column_header_new (const char *label)
{
  return header_new (label, NULL, FALSE);
}

/* @table: the results in order of modes[] x columns[]; @expected the same
 * for VirtualBox, or NULL for VirtualBox's own table. */
static void
build_modes_grid (WbConnectivityPage *self,
                  GtkGrid            *grid,
                  const char         *table[G_N_ELEMENTS (modes)][G_N_ELEMENTS (columns)],
                  const char         *expected[G_N_ELEMENTS (modes)][G_N_ELEMENTS (columns)])
{
  gboolean measured = expected != NULL;

  clear_grid (grid);
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    gtk_grid_attach (grid, column_header_new (_(columns[c].label)), c + 1, 0, 1, 1);
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      gtk_grid_attach (grid, header_new (_(modes[m].label), NULL, TRUE), 0, m + 1, 1, 1);
      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        {
          g_autofree char *key = g_strdup_printf ("mode:%s:%s", modes[m].id, columns[c].key);
          g_autofree char *accessible = NULL;
          g_autofree char *tooltip = NULL;
          const char *result = table[m][c];
          gboolean differs = measured && g_strcmp0 (result, expected[m][c]) != 0;
          GtkWidget *cell = cell_new (self, key, measured);

          /* Translators: "NAT, VM←Host: reachable through a port forward" */
          accessible = g_strdup_printf (_("%s, %s: %s"), _(modes[m].label), _(columns[c].label),
                                        result_description (result));
          if (differs)
            /* Translators: "…; VirtualBox: reachable" */
            tooltip = g_strdup_printf (_("%s; VirtualBox: %s"), accessible,
                                       result_description (expected[m][c]));
          cell_set_result (cell, result, differs ? tooltip : accessible,
                           differs ? tooltip : accessible, differs);
          gtk_grid_attach (grid, cell, c + 1, m + 1, 1, 1);
        }
    }
}

static void
show_modes (WbConnectivityPage *self)
{
  const char *measured[G_N_ELEMENTS (modes)][G_N_ELEMENTS (columns)];
  const char *expected[G_N_ELEMENTS (modes)][G_N_ELEMENTS (columns)];
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GVariant) findings = NULL;
  const char *fault = "";
  GtkWidget *child;

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
      {
        measured[m][c] = "not probed";
        expected[m][c] = virtualbox_table[m][c];
      }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->findings_box))) != NULL)
    gtk_box_remove (self->findings_box, child);

  if (self->modes == NULL)
    {
      build_modes_grid (self, self->expected_grid, expected, NULL);
      gtk_stack_set_visible_child_name (self->measured_stack, "none");
      return;
    }

  list = g_variant_lookup_value (self->modes, "modes", G_VARIANT_TYPE ("aa{sv}"));
  for (guint m = 0; list != NULL && m < G_N_ELEMENTS (modes); m++)
    {
      GVariantIter iter;
      GVariant *mode;

      g_variant_iter_init (&iter, list);
      while ((mode = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(GVariant) owned = mode;
          g_autoptr(GVariant) want = NULL;

          if (g_strcmp0 (wb_ui_info_string (mode, "mode"), modes[m].id) != 0)
            continue;
          want = g_variant_lookup_value (mode, "expected", G_VARIANT_TYPE ("a{ss}"));
          for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
            {
              const char *value = NULL;

              /* Borrowed from self->modes, which outlives the grids' build. */
              if (g_variant_lookup (mode, columns[c].key, "&s", &value))
                measured[m][c] = value;
              if (want != NULL && g_variant_lookup (want, columns[c].key, "&s", &value))
                expected[m][c] = value;
            }
        }
    }
  build_modes_grid (self, self->expected_grid, expected, NULL);
  build_modes_grid (self, self->measured_grid, measured, expected);
  gtk_stack_set_visible_child_name (self->measured_stack, "grid");

  findings = g_variant_lookup_value (self->modes, "findings", G_VARIANT_TYPE_STRING_ARRAY);
  g_variant_lookup (self->modes, "fault", "&s", &fault);
  if (*fault != '\0')
    {
      /* Translators: the engine's test-only fault, such as "forwards-not-installed" */
      g_autofree char *text = g_strdup_printf (_("Test fault in force: %s"), fault);
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_widget_add_css_class (label, "warning");
      gtk_box_append (self->findings_box, label);
    }
  if (findings == NULL || g_variant_n_children (findings) == 0)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *label = gtk_label_new (_("Matches VirtualBox's table"));

      gtk_widget_set_name (label, "finding");
      gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("object-select-symbolic"));
      gtk_box_append (GTK_BOX (box), label);
      gtk_widget_add_css_class (box, "success");
      gtk_box_append (self->findings_box, box);
    }
  else
    {
      GVariantIter iter;
      const char *finding;

      g_variant_iter_init (&iter, findings);
      while (g_variant_iter_next (&iter, "&s", &finding))
        {
          GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
          GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
          GtkWidget *label = gtk_label_new (finding);

          gtk_widget_set_name (label, "finding");
          gtk_widget_set_valign (icon, GTK_ALIGN_START);
          gtk_widget_add_css_class (icon, "error");
          gtk_label_set_xalign (GTK_LABEL (label), 0.0);
          gtk_label_set_wrap (GTK_LABEL (label), TRUE);
          gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
          gtk_label_set_selectable (GTK_LABEL (label), TRUE);
          gtk_box_append (GTK_BOX (box), icon);
          gtk_box_append (GTK_BOX (box), label);
          gtk_box_append (self->findings_box, box);
        }
    }

  if (self->selected != NULL && g_str_has_prefix (self->selected, "mode:"))
    select_key (self, self->selected);
}

static void
on_modes_matrix_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(WbConnectivityPage) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->modes_in_flight = FALSE;
  if (reply == NULL)
    toast_error (self, error);
  else
    {
      g_clear_pointer (&self->modes, g_variant_unref);
      g_variant_get (reply, "(@a{sv})", &self->modes);
      show_modes (self);
    }
  update_state (self);
}

static void
on_measure_clicked_cb (WbConnectivityPage *self)
{
  GVariantBuilder options;

  if (self->engine == NULL || self->modes_in_flight)
    return;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  self->modes_in_flight = TRUE;
  gtk_progress_bar_set_fraction (self->modes_progress, 0.0);
  g_dbus_proxy_call (G_DBUS_PROXY (self->engine), "RunModesMatrix",
                     g_variant_new ("(a{sv})", &options),
                     G_DBUS_CALL_FLAGS_NONE, NO_TIMEOUT, self->cancellable,
                     on_modes_matrix_cb, g_object_ref (self));
  update_state (self);
}

static void
on_modes_progress_cb (WbConnectivityPage *self,
                      guint               done,
                      guint               total)
{
  if (total > 0)
    gtk_progress_bar_set_fraction (self->modes_progress, (double) done / total);
}

/* --- state ------------------------------------------------------------------------ */

static void
update_state (WbConnectivityPage *self)
{
  gboolean probing = self->run_in_flight || self->done < self->total;
  const char *page;
  double fraction = self->total > 0 ? (double) self->done / self->total : 0.0;
  g_autofree char *text = NULL;

  if (self->n_running == 0)
    page = "empty";
  else if (self->n_cells > 0 && (self->completed_once || !self->run_in_flight))
    page = "matrix";
  else if (self->run_in_flight)
    page = "first";
  else
    page = "idle";
  gtk_stack_set_visible_child_name (self->lab_stack, page);

  /* Translators: cells probed so far, of all */
  text = self->total > 0 ? g_strdup_printf (_("%u of %u"), self->done, self->total) : g_strdup ("");
  gtk_progress_bar_set_fraction (self->first_progress, fraction);
  gtk_progress_bar_set_text (self->first_progress, text);
  if (self->total == 0)
    gtk_progress_bar_pulse (self->first_progress);
  gtk_progress_bar_set_fraction (self->lab_progress, fraction);
  gtk_widget_set_visible (GTK_WIDGET (self->lab_progress), probing && g_str_equal (page, "matrix"));

  gtk_widget_set_sensitive (self->rerun_button,
                            self->engine != NULL && self->n_running > 0 && !self->run_in_flight &&
                            outside_text_valid (gtk_editable_get_text (GTK_EDITABLE (self->outside_entry))));
  gtk_widget_set_sensitive (self->measure_button, self->engine != NULL && !self->modes_in_flight);
  gtk_widget_set_visible (GTK_WIDGET (self->modes_progress), self->modes_in_flight);

  if (self->busy != probing)
    {
      self->busy = probing;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

/* --- public --------------------------------------------------------------------- */

GtkWidget *
wb_connectivity_page_new (void)
{
  return g_object_new (WB_TYPE_CONNECTIVITY_PAGE, NULL);
}

void
wb_connectivity_page_set_engine (WbConnectivityPage *self,
                                 WbDBusEngine       *engine)
{
  g_return_if_fail (WB_IS_CONNECTIVITY_PAGE (self));
  g_return_if_fail (engine == NULL || WB_DBUS_IS_ENGINE (engine));

  if (self->engine == engine)
    return;
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (engine != NULL)
    {
      g_signal_connect_object (engine, "matrix-progress", G_CALLBACK (on_matrix_progress_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "matrix-changed", G_CALLBACK (on_matrix_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "modes-progress", G_CALLBACK (on_modes_progress_cb),
                               self, G_CONNECT_SWAPPED);
      /* What another client measured, and the Outside target it set. */
      fetch_matrix (self);
    }
  update_state (self);
  maybe_start_first_run (self);
}

void
wb_connectivity_page_set_n_running (WbConnectivityPage *self,
                                    guint               n_running)
{
  g_return_if_fail (WB_IS_CONNECTIVITY_PAGE (self));

  if (self->n_running == n_running)
    return;
  self->n_running = n_running;
  update_state (self);
  maybe_start_first_run (self);
}

guint
wb_connectivity_page_get_generation (WbConnectivityPage *self)
{
  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), 0);

  return self->generation;
}

gboolean
wb_connectivity_page_get_busy (WbConnectivityPage *self)
{
  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), FALSE);

  return self->run_in_flight || self->done < self->total;
}

/* --- GtkWidget / GObject ------------------------------------------------------------ */

static void
wb_connectivity_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (wb_connectivity_page_parent_class)->map (widget);

  maybe_start_first_run (WB_CONNECTIVITY_PAGE (widget));
}

static void
wb_connectivity_page_unroot (GtkWidget *widget)
{
  WbConnectivityPage *self = WB_CONNECTIVITY_PAGE (widget);

  /* Out of its window: calls in flight (which may last long) let go. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->run_in_flight = FALSE;
  self->fetch_in_flight = FALSE;
  self->modes_in_flight = FALSE;

  GTK_WIDGET_CLASS (wb_connectivity_page_parent_class)->unroot (widget);
}

static void
wb_connectivity_page_dispose (GObject *object)
{
  WbConnectivityPage *self = WB_CONNECTIVITY_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WB_TYPE_CONNECTIVITY_PAGE);
  g_clear_object (&self->engine);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->cell_buttons, g_hash_table_unref);
  g_clear_pointer (&self->cell_data, g_hash_table_unref);
  g_clear_pointer (&self->sources, g_ptr_array_unref);
  g_clear_pointer (&self->destinations, g_ptr_array_unref);
  g_clear_pointer (&self->modes, g_variant_unref);
  g_clear_pointer (&self->layout, g_free);
  g_clear_pointer (&self->selected, g_free);

  G_OBJECT_CLASS (wb_connectivity_page_parent_class)->dispose (object);
}

static void
wb_connectivity_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  WbConnectivityPage *self = WB_CONNECTIVITY_PAGE (object);

  switch (prop_id)
    {
    case PROP_GENERATION:
      g_value_set_uint (value, self->generation);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, wb_connectivity_page_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_connectivity_page_class_init (WbConnectivityPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GdkDisplay *display = gdk_display_get_default ();

  object_class->dispose = wb_connectivity_page_dispose;
  object_class->get_property = wb_connectivity_page_get_property;
  widget_class->map = wb_connectivity_page_map;
  widget_class->unroot = wb_connectivity_page_unroot;

  properties[PROP_GENERATION] =
    g_param_spec_uint ("generation", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The cells' colours; the application's own style.css is not loaded
   * when the page runs outside WbApplication (tests, screenshots). */
  if (display != NULL)
    {
      g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (css, "/io/github/wirebox/Wirebox/wb-connectivity-page.css");
      gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wirebox/Wirebox/wb-connectivity-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, controls_stack);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, outside_entry);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, rerun_button);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, measure_button);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, details_revealer);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, tabs);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, lab_stack);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, first_progress);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, matrix_grid);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, lab_progress);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, expected_grid);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, measured_stack);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, measured_grid);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, findings_box);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, modes_progress);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, details_title);
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, details_box);
  gtk_widget_class_bind_template_callback (widget_class, on_outside_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_outside_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_rerun_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_measure_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_tab_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_details_close_cb);
}

static void
wb_connectivity_page_init (WbConnectivityPage *self)
{
  self->cancellable = g_cancellable_new ();
  self->cell_buttons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cell_data = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_variant_unref);
  self->sources = g_ptr_array_new_with_free_func (endpoint_free);
  self->destinations = g_ptr_array_new_with_free_func (endpoint_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  add_navigation (self->matrix_grid);
  add_navigation (self->measured_grid);
  show_modes (self);
  update_state (self);
}
