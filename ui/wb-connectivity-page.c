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

typedef enum
{
  RESULT_PLUS,
  RESULT_FORWARD,
  RESULT_MINUS,
  RESULT_NOT_PROBED,
  RESULT_PENDING,
  RESULT_OTHER,
  N_RESULTS
} Result;

#define NO_CELL 0xff

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
  guint8     *results;       /* rows x columns: Result, or NO_CELL */
  char       *layout;        /* the endpoints, to tell when headers change */
  char       *outside;       /* NULL when the dictionary has none */
  guint       generation;
  guint       done;
  guint       total;
  gboolean    complete;
} Matrix;

#define WB_TYPE_MATRIX_VIEW (wb_matrix_view_get_type ())

G_DECLARE_FINAL_TYPE (WbMatrixView, wb_matrix_view, WB, MATRIX_VIEW, GtkWidget)

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

static void view_set_selected (WbMatrixView *self,
                               int           row,
                               int           column);

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
  view_set_selected (self->matrix_view, row, column);
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

/* --- the lab's grid ------------------------------------------------------------- */

/* One widget draws the whole grid: thousands of cell widgets cost seconds
 * to build, style and lay out, and every later frame lays them all out
 * again. Headers stay real widgets; a cell is drawn from a prototype of
 * its result (styled by the CSS like the Modes tab's cells), and only the
 * focused cell is spoken, through the grid's own accessible label (GTK 4.8
 * cannot give a drawn cell an accessible object of its own). */

#define SPACING 4

static char *describe_lab_cell (WbConnectivityPage *self,
                                guint               row,
                                guint               column,
                                gboolean            with_reason);
static void  activate_lab_cell (WbConnectivityPage *self,
                                guint               row,
                                guint               column);

static const char *const result_ids[N_RESULTS] = {
  "+", "port-forward", "-", "not probed", "pending", "?",
};

struct _WbMatrixView
{
  GtkWidget           parent_instance;

  WbConnectivityPage *page;         /* borrowed: the page holds the view */
  Matrix             *matrix;       /* borrowed from the page */
  GtkWidget          *corner;
  GPtrArray          *row_headers;
  GPtrArray          *column_headers;
  /* Drawn, never shown as such: a cell of each result, plain and hovered,
   * and the rings of the selected and the focused cell. */
  GtkWidget          *protos[N_RESULTS][2];
  GtkWidget          *selection_ring;
  GtkWidget          *focus_ring;

  int                 header_width;
  int                 header_height;
  int                 cell_width;
  int                 cell_height;
  int                 focus_row;
  int                 focus_column;
  int                 hover_row;
  int                 hover_column;
  int                 selected_row;
  int                 selected_column;
};

G_DEFINE_FINAL_TYPE (WbMatrixView, wb_matrix_view, GTK_TYPE_WIDGET)

static guint
view_n_rows (WbMatrixView *self)
{
  return self->matrix != NULL ? self->matrix->sources->len : 0;
}

static guint
view_n_columns (WbMatrixView *self)
{
  return self->matrix != NULL ? self->matrix->destinations->len : 0;
}

static guint8
view_result (WbMatrixView *self,
             int           row,
             int           column)
{
  if (row < 0 || column < 0 || (guint) row >= view_n_rows (self) || (guint) column >= view_n_columns (self))
    return NO_CELL;
  return self->matrix->results[row * view_n_columns (self) + column];
}

static void
view_child_size (GtkWidget *child,
                 int       *width,
                 int       *height)
{
  int w, h;

  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &w, NULL, NULL);
  gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, w, NULL, &h, NULL, NULL);
  *width = MAX (*width, w);
  *height = MAX (*height, h);
}

/* Every column as wide and every row as high as the largest: a cell's
 * size does not hang on its result. */
static void
view_compute_sizes (WbMatrixView *self)
{
  int corner_width = 0, corner_height = 0;

  self->header_width = self->header_height = 0;
  self->cell_width = self->cell_height = 0;
  view_child_size (self->corner, &corner_width, &corner_height);
  for (guint r = 0; r < N_RESULTS; r++)
    view_child_size (self->protos[r][0], &self->cell_width, &self->cell_height);
  for (guint i = 0; i < self->row_headers->len; i++)
    view_child_size (self->row_headers->pdata[i], &self->header_width, &self->cell_height);
  for (guint j = 0; j < self->column_headers->len; j++)
    view_child_size (self->column_headers->pdata[j], &self->cell_width, &self->header_height);
  self->header_width = MAX (self->header_width, corner_width);
  self->header_height = MAX (self->header_height, corner_height);
}

static void
view_cell_rect (WbMatrixView   *self,
                int             row,
                int             column,
                graphene_rect_t *rect)
{
  graphene_rect_init (rect,
                      self->header_width + SPACING + column * (self->cell_width + SPACING),
                      self->header_height + SPACING + row * (self->cell_height + SPACING),
                      self->cell_width, self->cell_height);
}

static gboolean
view_cell_at (WbMatrixView *self,
              double        x,
              double        y,
              int          *row,
              int          *column)
{
  double cx = x - self->header_width - SPACING;
  double cy = y - self->header_height - SPACING;
  int j, i;

  if (cx < 0 || cy < 0 || self->cell_width <= 0 || self->cell_height <= 0)
    return FALSE;
  j = (int) (cx / (self->cell_width + SPACING));
  i = (int) (cy / (self->cell_height + SPACING));
  /* Not in the spacing after a cell. */
  if (cx - j * (self->cell_width + SPACING) > self->cell_width ||
      cy - i * (self->cell_height + SPACING) > self->cell_height ||
      view_result (self, i, j) == NO_CELL)
    return FALSE;
  *row = i;
  *column = j;
  return TRUE;
}

static void
wb_matrix_view_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  WbMatrixView *self = WB_MATRIX_VIEW (widget);

  view_compute_sizes (self);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = self->header_width + view_n_columns (self) * (self->cell_width + SPACING);
  else
    *minimum = self->header_height + view_n_rows (self) * (self->cell_height + SPACING);
  *natural = *minimum;
}

static void
wb_matrix_view_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  WbMatrixView *self = WB_MATRIX_VIEW (widget);
  graphene_rect_t rect;

  view_compute_sizes (self);
  gtk_widget_size_allocate (self->corner,
                            &(GtkAllocation) { 0, 0, self->header_width, self->header_height }, -1);
  for (guint j = 0; j < self->column_headers->len; j++)
    {
      view_cell_rect (self, 0, j, &rect);
      gtk_widget_size_allocate (self->column_headers->pdata[j],
                                &(GtkAllocation) { rect.origin.x, 0, self->cell_width, self->header_height }, -1);
    }
  for (guint i = 0; i < self->row_headers->len; i++)
    {
      view_cell_rect (self, i, 0, &rect);
      gtk_widget_size_allocate (self->row_headers->pdata[i],
                                &(GtkAllocation) { 0, rect.origin.y, self->header_width, self->cell_height }, -1);
    }
  /* Drawn where the cells are, by translation. */
  for (guint r = 0; r < N_RESULTS; r++)
    for (guint h = 0; h < 2; h++)
      gtk_widget_size_allocate (self->protos[r][h],
                                &(GtkAllocation) { 0, 0, self->cell_width, self->cell_height }, -1);
  gtk_widget_size_allocate (self->selection_ring,
                            &(GtkAllocation) { 0, 0, self->cell_width, self->cell_height }, -1);
  gtk_widget_size_allocate (self->focus_ring,
                            &(GtkAllocation) { 0, 0, self->cell_width, self->cell_height }, -1);
}

static void
view_snapshot_at (WbMatrixView *self,
                  GtkSnapshot  *snapshot,
                  GtkWidget    *proto,
                  int           row,
                  int           column)
{
  graphene_rect_t rect;

  view_cell_rect (self, row, column, &rect);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &rect.origin);
  gtk_widget_snapshot_child (GTK_WIDGET (self), proto, snapshot);
  gtk_snapshot_restore (snapshot);
}

static void
wb_matrix_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  WbMatrixView *self = WB_MATRIX_VIEW (widget);
  guint n_rows = view_n_rows (self), n_columns = view_n_columns (self);

  gtk_widget_snapshot_child (widget, self->corner, snapshot);
  for (guint j = 0; j < self->column_headers->len; j++)
    gtk_widget_snapshot_child (widget, self->column_headers->pdata[j], snapshot);
  for (guint i = 0; i < self->row_headers->len; i++)
    gtk_widget_snapshot_child (widget, self->row_headers->pdata[i], snapshot);

  for (guint i = 0; i < n_rows; i++)
    for (guint j = 0; j < n_columns; j++)
      {
        guint8 result = self->matrix->results[i * n_columns + j];
        gboolean hover = (int) i == self->hover_row && (int) j == self->hover_column;

        if (result != NO_CELL)
          view_snapshot_at (self, snapshot, self->protos[result][hover], i, j);
      }
  if (view_result (self, self->selected_row, self->selected_column) != NO_CELL)
    view_snapshot_at (self, snapshot, self->selection_ring, self->selected_row, self->selected_column);
  if (gtk_widget_has_visible_focus (widget) &&
      view_result (self, self->focus_row, self->focus_column) != NO_CELL)
    view_snapshot_at (self, snapshot, self->focus_ring, self->focus_row, self->focus_column);
}

static void
view_update_accessible (WbMatrixView *self)
{
  g_autofree char *text = NULL;

  if (self->page != NULL && gtk_widget_is_focus (GTK_WIDGET (self)) &&
      view_result (self, self->focus_row, self->focus_column) != NO_CELL)
    text = describe_lab_cell (self->page, self->focus_row, self->focus_column, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text != NULL ? text : _("Connectivity matrix"),
                                  -1);
}

/* Brings the focused cell into the scrolled window's view. */
static void
view_scroll_to_focus (WbMatrixView *self)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *viewport;
  graphene_rect_t rect;
  double x, y;

  if (scrolled == NULL || view_result (self, self->focus_row, self->focus_column) == NO_CELL)
    return;
  viewport = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled));
  view_cell_rect (self, self->focus_row, self->focus_column, &rect);
  if (viewport == NULL ||
      !gtk_widget_translate_coordinates (GTK_WIDGET (self), viewport, rect.origin.x, rect.origin.y, &x, &y))
    return;
  {
    GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scrolled));
    GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

    x += gtk_adjustment_get_value (h);
    y += gtk_adjustment_get_value (v);
    gtk_adjustment_clamp_page (h, x - SPACING, x + rect.size.width + SPACING);
    gtk_adjustment_clamp_page (v, y - SPACING, y + rect.size.height + SPACING);
  }
}

static void
view_set_focus (WbMatrixView *self,
                int           row,
                int           column)
{
  self->focus_row = row;
  self->focus_column = column;
  view_update_accessible (self);
  view_scroll_to_focus (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The selected cell, else the first. */
static void
view_focus_some_cell (WbMatrixView *self)
{
  if (view_result (self, self->focus_row, self->focus_column) != NO_CELL)
    return;
  if (view_result (self, self->selected_row, self->selected_column) != NO_CELL)
    {
      view_set_focus (self, self->selected_row, self->selected_column);
      return;
    }
  for (guint i = 0; i < view_n_rows (self); i++)
    for (guint j = 0; j < view_n_columns (self); j++)
      if (view_result (self, i, j) != NO_CELL)
        {
          view_set_focus (self, i, j);
          return;
        }
}

static gboolean
on_view_key_pressed_cb (GtkEventControllerKey *controller,
                        guint                  keyval,
                        guint                  keycode,
                        GdkModifierType        state,
                        WbMatrixView          *self)
{
  int dx = 0, dy = 0;

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      dx = gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL ? 1 : -1;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      dx = gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL ? -1 : 1;
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      dy = -1;
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      dy = 1;
      break;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_space:
    case GDK_KEY_KP_Space:
      view_focus_some_cell (self);
      if (self->page != NULL && view_result (self, self->focus_row, self->focus_column) != NO_CELL)
        activate_lab_cell (self->page, self->focus_row, self->focus_column);
      return TRUE;
    default:
      return FALSE;
    }

  if (view_result (self, self->focus_row, self->focus_column) == NO_CELL)
    {
      view_focus_some_cell (self);
      return TRUE;
    }
  /* Right moves to the next cell of the row, skipping the pairs that
   * have none; at the edge focus stays where it is. */
  for (int row = self->focus_row + dy, column = self->focus_column + dx;
       row >= 0 && column >= 0 && (guint) row < view_n_rows (self) && (guint) column < view_n_columns (self);
       row += dy, column += dx)
    if (view_result (self, row, column) != NO_CELL)
      {
        view_set_focus (self, row, column);
        return TRUE;
      }
  gtk_widget_error_bell (GTK_WIDGET (self));
  return TRUE;
}

static void
on_view_pressed_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    WbMatrixView    *self)
{
  int row, column;

  if (!view_cell_at (self, x, y, &row, &column))
    return;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  view_set_focus (self, row, column);
  if (self->page != NULL)
    activate_lab_cell (self->page, row, column);
}

static void
view_set_hover (WbMatrixView *self,
                int           row,
                int           column)
{
  if (row == self->hover_row && column == self->hover_column)
    return;
  self->hover_row = row;
  self->hover_column = column;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_view_motion_cb (GtkEventControllerMotion *motion,
                   double                    x,
                   double                    y,
                   WbMatrixView             *self)
{
  int row = -1, column = -1;

  view_cell_at (self, x, y, &row, &column);
  view_set_hover (self, row, column);
}

static void
on_view_leave_cb (GtkEventControllerMotion *motion,
                  WbMatrixView             *self)
{
  view_set_hover (self, -1, -1);
}

static void
on_view_focus_changed_cb (WbMatrixView *self)
{
  view_update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* However focus comes (Tab, a click, the program), a cell has it. */
static gboolean
wb_matrix_view_grab_focus (GtkWidget *widget)
{
  WbMatrixView *self = WB_MATRIX_VIEW (widget);

  if (!GTK_WIDGET_CLASS (wb_matrix_view_parent_class)->grab_focus (widget))
    return FALSE;
  view_focus_some_cell (self);
  view_update_accessible (self);
  return TRUE;
}

static gboolean
wb_matrix_view_query_tooltip (GtkWidget  *widget,
                              int         x,
                              int         y,
                              gboolean    keyboard,
                              GtkTooltip *tooltip)
{
  WbMatrixView *self = WB_MATRIX_VIEW (widget);
  g_autofree char *text = NULL;
  graphene_rect_t rect;
  int row = self->focus_row, column = self->focus_column;

  if (self->page == NULL)
    return FALSE;
  if (keyboard ? view_result (self, row, column) == NO_CELL : !view_cell_at (self, x, y, &row, &column))
    return FALSE;
  text = describe_lab_cell (self->page, row, column, TRUE);
  view_cell_rect (self, row, column, &rect);
  gtk_tooltip_set_text (tooltip, text);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { rect.origin.x, rect.origin.y,
                                                        rect.size.width, rect.size.height });
  return TRUE;
}

static void
view_clear_headers (WbMatrixView *self)
{
  for (guint i = 0; i < self->row_headers->len; i++)
    gtk_widget_unparent (self->row_headers->pdata[i]);
  for (guint j = 0; j < self->column_headers->len; j++)
    gtk_widget_unparent (self->column_headers->pdata[j]);
  g_ptr_array_set_size (self->row_headers, 0);
  g_ptr_array_set_size (self->column_headers, 0);
}

/* @matrix is the page's; @layout_changed: other endpoints than before. */
static void
view_set_matrix (WbMatrixView *self,
                 Matrix       *matrix,
                 gboolean      layout_changed)
{
  self->matrix = matrix;
  if (layout_changed)
    {
      view_clear_headers (self);
      for (guint j = 0; matrix != NULL && j < matrix->destinations->len; j++)
        {
          Endpoint *to = matrix->destinations->pdata[j];
          GtkWidget *header = header_new (to->name, to->address, FALSE);

          gtk_widget_insert_before (header, GTK_WIDGET (self), self->protos[0][0]);
          g_ptr_array_add (self->column_headers, header);
        }
      for (guint i = 0; matrix != NULL && i < matrix->sources->len; i++)
        {
          Endpoint *from = matrix->sources->pdata[i];
          GtkWidget *header = header_new (from->name, from->address, TRUE);

          gtk_widget_insert_before (header, GTK_WIDGET (self), self->protos[0][0]);
          g_ptr_array_add (self->row_headers, header);
        }
      self->focus_row = self->focus_column = -1;
      self->hover_row = self->hover_column = -1;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  view_update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
view_set_selected (WbMatrixView *self,
                   int           row,
                   int           column)
{
  if (row == self->selected_row && column == self->selected_column)
    return;
  self->selected_row = row;
  self->selected_column = column;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
wb_matrix_view_dispose (GObject *object)
{
  WbMatrixView *self = WB_MATRIX_VIEW (object);
  GtkWidget *child;

  self->matrix = NULL;
  self->page = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->row_headers, g_ptr_array_unref);
  g_clear_pointer (&self->column_headers, g_ptr_array_unref);

  G_OBJECT_CLASS (wb_matrix_view_parent_class)->dispose (object);
}

static void
wb_matrix_view_class_init (WbMatrixViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wb_matrix_view_dispose;
  widget_class->measure = wb_matrix_view_measure;
  widget_class->size_allocate = wb_matrix_view_size_allocate;
  widget_class->snapshot = wb_matrix_view_snapshot;
  widget_class->query_tooltip = wb_matrix_view_query_tooltip;
  widget_class->grab_focus = wb_matrix_view_grab_focus;
  gtk_widget_class_set_css_name (widget_class, "matrixview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GRID);
}

/* Hidden from the pointer and from assistive technologies: drawn only. */
static GtkWidget *
view_proto_new (WbMatrixView *self,
                GtkWidget    *proto)
{
  gtk_widget_set_can_target (proto, FALSE);
  gtk_accessible_update_state (GTK_ACCESSIBLE (proto), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_widget_set_parent (proto, GTK_WIDGET (self));
  return proto;
}

static void
wb_matrix_view_init (WbMatrixView *self)
{
  GtkEventController *controller;

  self->row_headers = g_ptr_array_new ();
  self->column_headers = g_ptr_array_new ();
  self->focus_row = self->focus_column = -1;
  self->hover_row = self->hover_column = -1;
  self->selected_row = self->selected_column = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);

  self->corner = gtk_label_new (_("From ↓ To →"));
  gtk_widget_add_css_class (self->corner, "caption");
  gtk_widget_add_css_class (self->corner, "dim-label");
  gtk_widget_set_valign (self->corner, GTK_ALIGN_END);
  gtk_label_set_xalign (GTK_LABEL (self->corner), 0.0);
  gtk_widget_set_parent (self->corner, GTK_WIDGET (self));

  for (guint r = 0; r < N_RESULTS; r++)
    for (guint h = 0; h < 2; h++)
      {
        GtkWidget *proto = view_proto_new (self, cell_new (NULL, NULL, FALSE));
        const char *label = wb_connectivity_result_label (result_ids[r]);

        cell_set_result (proto, result_ids[r], label, NULL, FALSE);
        if (h == 1)
          gtk_widget_set_state_flags (proto, GTK_STATE_FLAG_PRELIGHT, FALSE);
        self->protos[r][h] = proto;
      }
  self->selection_ring = view_proto_new (self, gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0));
  gtk_widget_add_css_class (self->selection_ring, "matrix-cell-ring");
  gtk_widget_add_css_class (self->selection_ring, "selected");
  self->focus_ring = view_proto_new (self, gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0));
  gtk_widget_add_css_class (self->focus_ring, "matrix-cell-ring");
  gtk_widget_add_css_class (self->focus_ring, "focus");

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_view_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  g_signal_connect (controller, "pressed", G_CALLBACK (on_view_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_view_motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_view_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (controller, "enter", G_CALLBACK (on_view_focus_changed_cb), self);
  g_signal_connect_swapped (controller, "leave", G_CALLBACK (on_view_focus_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
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

static Result
result_parse (const char *result)
{
  for (guint r = 0; r < RESULT_OTHER; r++)
    if (g_strcmp0 (result, result_ids[r]) == 0)
      return r;
  return RESULT_OTHER;
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
  memset (m->results, NO_CELL, MAX (n_slots, 1));
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
            m->results[(row - 1) * m->destinations->len + column - 1] = result_parse (result);
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
  view_set_matrix (self->matrix_view, m, layout_changed);
  g_clear_pointer (&self->matrix, matrix_free);
  self->matrix = m;

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

void
_wb_connectivity_page_get_size (WbConnectivityPage *self,
                                guint              *n_sources,
                                guint              *n_destinations)
{
  g_return_if_fail (WB_IS_CONNECTIVITY_PAGE (self));

  *n_sources = view_n_rows (self->matrix_view);
  *n_destinations = view_n_columns (self->matrix_view);
}

GtkWidget *
_wb_connectivity_page_get_header (WbConnectivityPage *self,
                                  gboolean            source,
                                  guint               index)
{
  GPtrArray *headers;

  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), NULL);

  headers = source ? self->matrix_view->row_headers : self->matrix_view->column_headers;
  return index < headers->len ? headers->pdata[index] : NULL;
}

GtkWidget *
_wb_connectivity_page_get_cell (WbConnectivityPage *self,
                                guint               source,
                                guint               destination)
{
  guint8 result;

  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), NULL);

  result = view_result (self->matrix_view, source, destination);
  return result != NO_CELL ? self->matrix_view->protos[result][0] : NULL;
}

void
_wb_connectivity_page_activate_cell (WbConnectivityPage *self,
                                     guint               source,
                                     guint               destination)
{
  g_return_if_fail (WB_IS_CONNECTIVITY_PAGE (self));

  activate_lab_cell (self, source, destination);
}

static gboolean
cell_position (int    row,
               int    column,
               guint *source,
               guint *destination)
{
  if (row < 0 || column < 0)
    return FALSE;
  *source = row;
  *destination = column;
  return TRUE;
}

gboolean
_wb_connectivity_page_get_focus (WbConnectivityPage *self,
                                 guint              *source,
                                 guint              *destination)
{
  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), FALSE);

  return cell_position (self->matrix_view->focus_row, self->matrix_view->focus_column, source, destination);
}

gboolean
_wb_connectivity_page_get_selected (WbConnectivityPage *self,
                                    guint              *source,
                                    guint              *destination)
{
  g_return_val_if_fail (WB_IS_CONNECTIVITY_PAGE (self), FALSE);

  return cell_position (self->matrix_view->selected_row, self->matrix_view->selected_column,
                        source, destination);
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
}

static void
wb_connectivity_page_init (WbConnectivityPage *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->matrix_view->page = self;
  add_navigation (self->measured_grid);
  show_modes (self);
  update_state (self);
}
