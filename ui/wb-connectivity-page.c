/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-connectivity-page.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "wb-connectivity-page-private.h"
#include "wb-matrix-view.h"
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

/* The engine's Matrix dictionary, parsed on a worker thread (2,700 cells
 * for 50 VMs take tens of milliseconds) and then handed to the page. */
typedef struct
{
  GPtrArray  *sources;       /* rows: Endpoint, borrowed from destinations */
  GPtrArray  *destinations;  /* columns: Endpoint */
  GHashTable *endpoints;     /* id -> Endpoint */
  GHashTable *rows;          /* id -> row + 1 */
  GHashTable *columns;       /* id -> column + 1 */
  GHashTable *cells;         /* "FROM>TO" -> GVariant a{sv} */
  guint8     *results;       /* rows x columns: WbMatrixViewResult, or WB_MATRIX_VIEW_NO_CELL */
  char       *layout;        /* the endpoints, to tell when headers change */
  char       *outside;       /* NULL when the dictionary has none */
  guint       generation;
  guint       done;
  guint       total;
  gboolean    complete;
} Matrix;

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
  Matrix        *matrix;          /* as shown, or NULL */

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
  WbMatrixView  *matrix_view;
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

/* The engine's reasons are English; the ones it gives word for word are
 * shown in the user's language, the rest (sentences naming addresses and
 * machines) as they come. */
static const struct
{
  const char *engine;
  const char *shown;
} reasons[] = {
  { "no route", N_("no route") },
  { "no ARP answer", N_("no ARP answer") },
  { "host loopback not reachable", N_("host loopback not reachable") },
  { "no forward", N_("no forward") },
  { "refused", N_("refused") },
  { "timed out", N_("timed out") },
  { "not running", N_("not running") },
  { "the Outside is not set", N_("the Outside is not set") },
  { "the run was cancelled", N_("the run was cancelled") },
  { "the forward listens on loopback only", N_("the forward listens on loopback only") },
  { "the way leads out of this machine through NAT; not probed off the machine",
    N_("the way leads out of this machine through NAT; not probed off the machine") },
  { "the way leads out of this machine (a TAP device, a real interface or a generic "
    "driver); not probed off the machine",
    N_("the way leads out of this machine (a TAP device, a real interface or a generic "
       "driver); not probed off the machine") },
  { "the way passes more than 8 routers; not probed",
    N_("the way passes more than 8 routers; not probed") },
};

static const char *
reason_description (const char *reason)
{
  for (guint i = 0; reason != NULL && i < G_N_ELEMENTS (reasons); i++)
    if (strcmp (reason, reasons[i].engine) == 0)
      return _(reasons[i].shown);
  return reason;
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

/* A button (@interactive) or a plain box that shows a result in the
 * tables of modes; @key names it in the details. */
static GtkWidget *
cell_new (WbConnectivityPage *self,
          const char         *key,
          gboolean            interactive)
{
  GtkWidget *cell = wb_matrix_view_cell_new (interactive);

  if (interactive)
    g_signal_connect_object (cell, "clicked", G_CALLBACK (on_cell_clicked_cb), self,
                             G_CONNECT_SWAPPED);
  g_object_set_data_full (G_OBJECT (cell), "wb-key", g_strdup (key), g_free);
  return cell;
}

static void
mark_selected (WbConnectivityPage *self)
{
  int row = -1, column = -1;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->measured_grid)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      const char *key = g_object_get_data (G_OBJECT (c), "wb-key");

      if (key != NULL && GTK_IS_BUTTON (c) && g_strcmp0 (key, self->selected) == 0)
        gtk_widget_add_css_class (c, "selected");
      else
        gtk_widget_remove_css_class (c, "selected");
    }

  /* "lab:FROM>TO": the cell's row and column. */
  if (self->matrix != NULL && self->selected != NULL && g_str_has_prefix (self->selected, "lab:"))
    {
      GVariant *cell = g_hash_table_lookup (self->matrix->cells, self->selected + 4);
      const char *from = NULL, *to = NULL;

      if (cell != NULL && g_variant_lookup (cell, "from", "&s", &from) &&
          g_variant_lookup (cell, "to", "&s", &to))
        {
          row = (int) GPOINTER_TO_UINT (g_hash_table_lookup (self->matrix->rows, from)) - 1;
          column = (int) GPOINTER_TO_UINT (g_hash_table_lookup (self->matrix->columns, to)) - 1;
        }
    }
  wb_matrix_view_set_selected (self->matrix_view, row, column);
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
  int dx, dy;
  int column, row;
  int n_columns = 0, n_rows = 0;

  if (!wb_ui_arrow_step (GTK_WIDGET (grid), keyval, &dx, &dy))
    return FALSE;
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
      add_detail (self, _("Reason"), reason_description (wb_ui_info_string (probe, "reason")));
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

static const char *
endpoint_name (WbConnectivityPage *self,
               const char         *id)
{
  Endpoint *e = self->matrix != NULL && id != NULL ? g_hash_table_lookup (self->matrix->endpoints, id) : NULL;

  return e != NULL ? e->name : id;
}

static gboolean
show_lab_cell (WbConnectivityPage *self,
               const char         *id)
{
  GVariant *cell = self->matrix != NULL ? g_hash_table_lookup (self->matrix->cells, id) : NULL;
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
matrix_free (gpointer data)
{
  Matrix *m = data;

  g_clear_pointer (&m->sources, g_ptr_array_unref);
  g_clear_pointer (&m->destinations, g_ptr_array_unref);
  g_clear_pointer (&m->endpoints, g_hash_table_unref);
  g_clear_pointer (&m->rows, g_hash_table_unref);
  g_clear_pointer (&m->columns, g_hash_table_unref);
  g_clear_pointer (&m->cells, g_hash_table_unref);
  g_free (m->results);
  g_free (m->layout);
  g_free (m->outside);
  g_free (m);
}

/* Runs on a worker thread: touches nothing but @dict. */
static Matrix *
matrix_parse (GVariant *dict)
{
  g_autoptr(GVariant) endpoints = NULL;
  g_autoptr(GVariant) cells = NULL;
  g_autoptr(GString) layout = g_string_new (NULL);
  Matrix *m = g_new0 (Matrix, 1);
  GVariantIter iter;
  GVariant *child;
  const char *outside = NULL;
  gsize n_slots;

  m->sources = g_ptr_array_new ();
  m->destinations = g_ptr_array_new_with_free_func (endpoint_free);
  m->endpoints = g_hash_table_new (g_str_hash, g_str_equal);
  m->rows = g_hash_table_new (g_str_hash, g_str_equal);
  m->columns = g_hash_table_new (g_str_hash, g_str_equal);
  m->cells = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_variant_unref);
  g_variant_lookup (dict, "generation", "u", &m->generation);
  g_variant_lookup (dict, "complete", "b", &m->complete);
  g_variant_lookup (dict, "done", "u", &m->done);
  g_variant_lookup (dict, "total", "u", &m->total);
  if (g_variant_lookup (dict, "outside", "&s", &outside))
    m->outside = g_strdup (outside);

  endpoints = g_variant_lookup_value (dict, "endpoints", G_VARIANT_TYPE ("aa{sv}"));
  if (endpoints != NULL)
    {
      g_variant_iter_init (&iter, endpoints);
      while ((child = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(GVariant) owned = child;
          g_autoptr(GVariant) addresses = g_variant_lookup_value (child, "addresses", G_VARIANT_TYPE_STRING_ARRAY);
          Endpoint *e = g_new0 (Endpoint, 1);

          e->id = g_strdup (wb_ui_info_string (child, "id"));
          e->kind = g_strdup (wb_ui_info_string (child, "kind"));
          e->name = endpoint_display_name (e->kind, wb_ui_info_string (child, "name"));
          if (addresses != NULL && g_variant_n_children (addresses) > 0)
            g_variant_get_child (addresses, 0, "s", &e->address);
          g_string_append_printf (layout, "%s=%s@%s;", e->id, e->name, e->address ? e->address : "");
          if (g_hash_table_contains (m->endpoints, e->id))
            {
              endpoint_free (e);
              continue;
            }
          g_hash_table_insert (m->endpoints, e->id, e);
          if (g_strcmp0 (e->kind, "outside") != 0)
            {
              g_ptr_array_add (m->sources, e);
              g_hash_table_insert (m->rows, e->id, GUINT_TO_POINTER (m->sources->len));
            }
          g_ptr_array_add (m->destinations, e);
          g_hash_table_insert (m->columns, e->id, GUINT_TO_POINTER (m->destinations->len));
        }
    }

  n_slots = (gsize) m->sources->len * m->destinations->len;
  m->results = g_malloc (MAX (n_slots, 1));
  memset (m->results, WB_MATRIX_VIEW_NO_CELL, MAX (n_slots, 1));
  cells = g_variant_lookup_value (dict, "cells", G_VARIANT_TYPE ("aa{sv}"));
  if (cells != NULL)
    {
      g_variant_iter_init (&iter, cells);
      while ((child = g_variant_iter_next_value (&iter)) != NULL)
        {
          const char *id = NULL, *from = NULL, *to = NULL, *result = "pending";
          guint row, column;

          g_variant_lookup (child, "id", "&s", &id);
          g_variant_lookup (child, "from", "&s", &from);
          g_variant_lookup (child, "to", "&s", &to);
          g_variant_lookup (child, "result", "&s", &result);
          /* The key borrows from the cell, which the table holds. */
          g_hash_table_insert (m->cells, (gpointer) (id != NULL ? id : ""), child);
          row = from != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (m->rows, from)) : 0;
          column = to != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (m->columns, to)) : 0;
          if (row > 0 && column > 0)
            m->results[(row - 1) * m->destinations->len + column - 1] = wb_matrix_view_result_parse (result);
        }
      /* Which pairs have a cell is part of the layout too. */
      g_string_append_printf (layout, "%u cells", g_hash_table_size (m->cells));
    }
  m->layout = g_string_free (g_steal_pointer (&layout), FALSE);
  return m;
}

static void
parse_matrix_thread_cb (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  g_task_return_pointer (task, matrix_parse (task_data), matrix_free);
}

static void
parse_matrix_async (WbConnectivityPage  *self,
                    GVariant            *dict,
                    GAsyncReadyCallback  callback)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, callback, NULL);

  g_task_set_source_tag (task, parse_matrix_async);
  g_task_set_task_data (task, g_variant_ref (dict), (GDestroyNotify) g_variant_unref);
  g_task_run_in_thread (task, parse_matrix_thread_cb);
}

static Matrix *
parse_matrix_finish (GAsyncResult  *result,
                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GVariant *
matrix_cell (Matrix *m,
             guint   row,
             guint   column)
{
  g_autofree char *id = NULL;

  if (m == NULL || row >= m->sources->len || column >= m->destinations->len)
    return NULL;
  id = g_strdup_printf ("%s>%s", ((Endpoint *) m->sources->pdata[row])->id,
                        ((Endpoint *) m->destinations->pdata[column])->id);
  return g_hash_table_lookup (m->cells, id);
}

/* "VM2 to Host: reachable", with the reason why not if @with_reason. */
static char *
describe_lab_cell (WbConnectivityPage *self,
                   guint               row,
                   guint               column,
                   gboolean            with_reason)
{
  GVariant *cell = matrix_cell (self->matrix, row, column);
  const char *result = "pending", *reason = "";
  g_autofree char *text = NULL;

  if (cell == NULL)
    return NULL;
  g_variant_lookup (cell, "result", "&s", &result);
  g_variant_lookup (cell, "reason", "&s", &reason);
  /* Translators: "VM2 to Host: reachable" */
  text = g_strdup_printf (_("%s to %s: %s"), ((Endpoint *) self->matrix->sources->pdata[row])->name,
                          ((Endpoint *) self->matrix->destinations->pdata[column])->name,
                          result_description (result));
  if (with_reason && *reason != '\0')
    return g_strdup_printf ("%s (%s)", text, reason_description (reason));
  return g_steal_pointer (&text);
}

static char *
describe_lab_cell_cb (WbMatrixView *view,
                      guint         row,
                      guint         column,
                      gpointer      user_data)
{
  return describe_lab_cell (user_data, row, column, TRUE);
}

static void
activate_lab_cell (WbConnectivityPage *self,
                   guint               row,
                   guint               column)
{
  g_autofree char *key = NULL;

  if (matrix_cell (self->matrix, row, column) == NULL)
    return;
  key = g_strdup_printf ("lab:%s>%s", ((Endpoint *) self->matrix->sources->pdata[row])->id,
                         ((Endpoint *) self->matrix->destinations->pdata[column])->id);
  select_key (self, key);
}

/* A click on a cell of the lab's grid, or Enter on it. */
static void
on_matrix_cell_activated_cb (WbConnectivityPage *self,
                             guint               row,
                             guint               column)
{
  activate_lab_cell (self, row, column);
}

/* The grid's rows and columns: the endpoints, by name and address. */
static void
show_endpoints (WbConnectivityPage *self)
{
  GPtrArray *sources = self->matrix->sources;
  GPtrArray *destinations = self->matrix->destinations;
  g_autofree const char **row_names = g_new0 (const char *, sources->len + 1);
  g_autofree const char **row_addresses = g_new0 (const char *, sources->len + 1);
  g_autofree const char **column_names = g_new0 (const char *, destinations->len + 1);
  g_autofree const char **column_addresses = g_new0 (const char *, destinations->len + 1);

  for (guint i = 0; i < sources->len; i++)
    {
      row_names[i] = ((Endpoint *) sources->pdata[i])->name;
      row_addresses[i] = ((Endpoint *) sources->pdata[i])->address;
    }
  for (guint j = 0; j < destinations->len; j++)
    {
      column_names[j] = ((Endpoint *) destinations->pdata[j])->name;
      column_addresses[j] = ((Endpoint *) destinations->pdata[j])->address;
    }
  wb_matrix_view_set_headers (self->matrix_view,
                              sources->len, row_names, row_addresses,
                              destinations->len, column_names, column_addresses);
}

/* Takes @m. */
static void
apply_matrix (WbConnectivityPage *self,
              Matrix             *m)
{
  gboolean layout_changed;

  /* A reply overtaken by a newer one. */
  if (m->generation < self->generation && self->n_cells > 0)
    {
      matrix_free (m);
      return;
    }

  layout_changed = self->matrix == NULL || g_strcmp0 (m->layout, self->matrix->layout) != 0;
  g_clear_pointer (&self->matrix, matrix_free);
  self->matrix = m;
  if (layout_changed)
    show_endpoints (self);
  wb_matrix_view_set_results (self->matrix_view, m->results);

  self->n_cells = g_hash_table_size (m->cells);
  self->generation = m->generation;
  self->done = m->done;
  self->total = m->total;
  if (m->complete)
    self->done = self->total;
  if (m->complete && self->n_cells > 0)
    self->completed_once = TRUE;

  if (m->outside != NULL && !self->outside_touched)
    {
      self->setting_outside = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->outside_entry), m->outside);
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
on_get_matrix_parsed_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  WbConnectivityPage *self = WB_CONNECTIVITY_PAGE (source);
  g_autoptr(GError) error = NULL;
  Matrix *matrix = parse_matrix_finish (result, &error);

  if (matrix == NULL)
    return;  /* cancelled: the page left its window */
  self->fetch_in_flight = FALSE;
  apply_matrix (self, matrix);
  if (self->fetch_again)
    fetch_matrix (self);
}

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
  /* Still in flight until parsed: answers apply in order. */
  parse_matrix_async (self, matrix, on_get_matrix_parsed_cb);
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
on_run_matrix_parsed_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  WbConnectivityPage *self = WB_CONNECTIVITY_PAGE (source);
  g_autoptr(GError) error = NULL;
  Matrix *matrix = parse_matrix_finish (result, &error);

  if (matrix == NULL)
    return;  /* cancelled: the page left its window */
  self->run_in_flight = FALSE;
  apply_matrix (self, matrix);
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
  if (reply == NULL)
    {
      self->run_in_flight = FALSE;
      toast_error (self, error);
      update_state (self);
      return;
    }
  /* Busy until the grid shows it. */
  g_variant_get (reply, "(@a{sv})", &matrix);
  parse_matrix_async (self, matrix, on_run_matrix_parsed_cb);
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
  return wb_matrix_view_header_new (label, NULL, FALSE);
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
      gtk_grid_attach (grid, wb_matrix_view_header_new (_(modes[m].label), NULL, TRUE), 0, m + 1, 1, 1);
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
          wb_matrix_view_cell_set_result (cell, result, differs ? tooltip : accessible,
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

void
_wb_connectivity_page_get_size (WbConnectivityPage *self,
                                guint              *n_sources,
                                guint              *n_destinations)
{
  g_return_if_fail (WB_IS_CONNECTIVITY_PAGE (self));

  *n_sources = wb_matrix_view_get_n_rows (self->matrix_view);
  *n_destinations = wb_matrix_view_get_n_columns (self->matrix_view);
}

GtkWidget *
_wb_connectivity_page_get_header (WbConnectivityPage *self,
                                  gboolean            source,
                                  guint               index)
{
  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), NULL);

  return wb_matrix_view_get_header (self->matrix_view, source, index);
}

GtkWidget *
_wb_connectivity_page_get_cell (WbConnectivityPage *self,
                                guint               source,
                                guint               destination)
{
  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), NULL);

  return wb_matrix_view_get_cell_widget (self->matrix_view, source, destination);
}

void
_wb_connectivity_page_activate_cell (WbConnectivityPage *self,
                                     guint               source,
                                     guint               destination)
{
  g_return_if_fail (WB_IS_CONNECTIVITY_PAGE (self));

  activate_lab_cell (self, source, destination);
}

gboolean
_wb_connectivity_page_get_focus (WbConnectivityPage *self,
                                 guint              *source,
                                 guint              *destination)
{
  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), FALSE);

  return wb_matrix_view_get_focus (self->matrix_view, source, destination);
}

gboolean
_wb_connectivity_page_get_selected (WbConnectivityPage *self,
                                    guint              *source,
                                    guint              *destination)
{
  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), FALSE);

  return wb_matrix_view_get_selected (self->matrix_view, source, destination);
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
  g_clear_pointer (&self->matrix, matrix_free);
  g_clear_pointer (&self->modes, g_variant_unref);
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

  g_type_ensure (WB_TYPE_MATRIX_VIEW);
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
  gtk_widget_class_bind_template_child (widget_class, WbConnectivityPage, matrix_view);
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
  gtk_widget_class_bind_template_callback (widget_class, on_matrix_cell_activated_cb);
}

static void
wb_connectivity_page_init (WbConnectivityPage *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  wb_matrix_view_set_describe_func (self->matrix_view, describe_lab_cell_cb, self, NULL);
  add_navigation (self->measured_grid);
  show_modes (self);
  update_state (self);
}
