/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-matrix-view.h"

#include <glib/gi18n.h>

#include "wb-ui-util.h"

/* One widget draws the whole grid: thousands of cell widgets cost seconds
 * to build, style and lay out, and every later frame lays them all out
 * again. Headers stay real widgets; a cell is drawn from a prototype of
 * its result (styled by the CSS like the Modes tab's cells), and only the
 * focused cell is spoken, through the grid's own accessible label (GTK 4.8
 * cannot give a drawn cell an accessible object of its own).
 *
 * It scrolls itself (GtkScrollable) so that, as in a spreadsheet, the row
 * headers stay at the left and the column headers at the top while the
 * cells scroll under them: the user always sees whose cell is whose. */

#define SPACING 4
/* Room around the grid. */
#define MARGIN  18

#define N_RESULTS WB_MATRIX_VIEW_N_RESULTS
#define NO_CELL   WB_MATRIX_VIEW_NO_CELL

static const char *const result_ids[N_RESULTS] = {
  "+", "port-forward", "-", "not probed", "pending", "?",
};

struct _WbMatrixView
{
  GtkWidget                 parent_instance;

  WbMatrixViewDescribeFunc  describe;
  gpointer                  describe_data;
  GDestroyNotify            describe_destroy;

  guint8                   *results;         /* rows x columns, or NULL */
  guint                    *column_counts;   /* columns x results: how many cells show it */
  GtkWidget                *corner;
  GPtrArray                *row_headers;
  GPtrArray                *column_headers;
  /* Drawn, never shown as such: a cell of each result, plain (as wide as
   * most of its cells) and hovered, the same plain as wide as the widest
   * column, and the rings of the selected and the focused cell. */
  GtkWidget                *protos[N_RESULTS][2];
  GtkWidget                *wide_protos[N_RESULTS];
  GtkWidget                *selection_ring;
  GtkWidget                *focus_ring;

  int                       header_width;
  int                       header_height;
  int                       cell_height;
  int                       result_widths[N_RESULTS];   /* a cell of each, as wide as it needs */
  int                       content_widths[N_RESULTS];  /* its icon and label */
  int                      *column_x;        /* columns + 1: where each starts, then the end */
  int                       proto_width;     /* the widest column */
  int                       common_widths[N_RESULTS];  /* the width of most cells of each result */
  int                       focus_row;
  int                       focus_column;
  int                       hover_row;
  int                       hover_column;
  int                       selected_row;
  int                       selected_column;

  /* As allocated: where the grid's top left corner is, and how far its
   * cells are scrolled. */
  int                       origin_x;
  int                       origin_y;
  int                       scroll_x;
  int                       scroll_y;

  /* The cell kept in view while the view's room changes (the details
   * slide in beside it), until the user scrolls. */
  GtkAdjustment            *hadjustment;
  GtkAdjustment            *vadjustment;
  guint                     hscroll_policy : 1;
  guint                     vscroll_policy : 1;
  int                       keep_row;
  int                       keep_column;
  gboolean                  scrolling;
};

G_DEFINE_FINAL_TYPE_WITH_CODE (WbMatrixView, wb_matrix_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, NULL))

enum {
  PROP_0,
  PROP_HADJUSTMENT,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
  N_PROPS
};

enum {
  SIGNAL_CELL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- the cells' look -------------------------------------------------------------- */

WbMatrixViewResult
wb_matrix_view_result_parse (const char *result)
{
  for (guint r = 0; r < WB_MATRIX_VIEW_RESULT_OTHER; r++)
    if (g_strcmp0 (result, result_ids[r]) == 0)
      return r;
  return WB_MATRIX_VIEW_RESULT_OTHER;
}

const char *
wb_matrix_view_result_label (const char *result)
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

GtkWidget *
wb_matrix_view_cell_new (gboolean interactive)
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
    gtk_button_set_child (GTK_BUTTON (cell), box);
  else
    gtk_center_box_set_center_widget (GTK_CENTER_BOX (cell), box);

  g_object_set_data (G_OBJECT (cell), "wb-content", box);
  g_object_set_data (G_OBJECT (cell), "wb-icon", icon);
  g_object_set_data (G_OBJECT (cell), "wb-label", label);
  g_object_set_data (G_OBJECT (cell), "wb-marker", marker);
  return cell;
}

void
wb_matrix_view_cell_set_result (GtkWidget  *cell,
                                const char *result,
                                const char *accessible,
                                const char *tooltip,
                                gboolean    differs)
{
  static const char *const classes[] = { "success", "warning", "error", "dim-label" };

  g_return_if_fail (GTK_IS_WIDGET (cell));

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
                       wb_matrix_view_result_label (result));
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (cell), "wb-marker"), differs);
  gtk_widget_set_tooltip_text (cell, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (cell),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

GtkWidget *
wb_matrix_view_header_new (const char *name,
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

/* --- geometry ------------------------------------------------------------------------ */

static guint
view_n_rows (WbMatrixView *self)
{
  return self->results != NULL ? self->row_headers->len : 0;
}

static guint
view_n_columns (WbMatrixView *self)
{
  return self->results != NULL ? self->column_headers->len : 0;
}

static guint8
view_result (WbMatrixView *self,
             int           row,
             int           column)
{
  if (row < 0 || column < 0 || (guint) row >= view_n_rows (self) || (guint) column >= view_n_columns (self))
    return NO_CELL;
  return self->results[row * view_n_columns (self) + column];
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

static int
view_column_width (WbMatrixView *self,
                   guint         column)
{
  return self->column_x[column + 1] - SPACING - self->column_x[column];
}

/* Every row as high as the highest; each column as wide as its header and
 * the widest result it shows, so that the grid takes no more room than
 * it needs (a column of "+" and "–" stays narrow beside one with a
 * port forward). A cell's size does not hang on its own result. */
static void
view_compute_sizes (WbMatrixView *self)
{
  int corner_width = 0, corner_height = 0;
  int x;

  self->header_width = self->header_height = 0;
  self->cell_height = 0;
  self->proto_width = 0;
  view_child_size (self->corner, &corner_width, &corner_height);
  for (guint r = 0; r < N_RESULTS; r++)
    {
      GtkWidget *content = g_object_get_data (G_OBJECT (self->protos[r][0]), "wb-content");
      int content_height = 0;

      self->result_widths[r] = self->content_widths[r] = 0;
      view_child_size (self->protos[r][0], &self->result_widths[r], &self->cell_height);
      view_child_size (content, &self->content_widths[r], &content_height);
      self->proto_width = MAX (self->proto_width, self->result_widths[r]);
    }
  for (guint i = 0; i < self->row_headers->len; i++)
    view_child_size (self->row_headers->pdata[i], &self->header_width, &self->cell_height);
  self->header_width = MAX (self->header_width, corner_width);

  x = self->header_width + SPACING;
  for (guint j = 0; j < self->column_headers->len; j++)
    {
      int width = 0;

      view_child_size (self->column_headers->pdata[j], &width, &self->header_height);
      for (guint r = 0; r < N_RESULTS; r++)
        if (self->column_counts[j * N_RESULTS + r] > 0)
          width = MAX (width, self->result_widths[r]);
      self->column_x[j] = x;
      x += width + SPACING;
      self->proto_width = MAX (self->proto_width, width);
    }
  self->column_x[self->column_headers->len] = x;
  self->header_height = MAX (self->header_height, corner_height);

  /* Most cells of a result are drawn as they are, the others cut from the
   * wide prototype (see view_snapshot_at ()). */
  for (guint r = 0; r < N_RESULTS; r++)
    {
      guint best = 0;

      self->common_widths[r] = self->proto_width;
      for (guint j = 0; j < self->column_headers->len; j++)
        {
          int width = view_column_width (self, j);
          gboolean seen = FALSE;
          guint total = 0;

          if (self->column_counts[j * N_RESULTS + r] == 0)
            continue;
          for (guint k = 0; k < j && !seen; k++)
            seen = self->column_counts[k * N_RESULTS + r] > 0 && view_column_width (self, k) == width;
          for (guint k = j; k < self->column_headers->len && !seen; k++)
            if (view_column_width (self, k) == width)
              total += self->column_counts[k * N_RESULTS + r];
          if (total > best)
            {
              best = total;
              self->common_widths[r] = width;
            }
        }
    }
}

/* The grid's size, headers included, margins not. */
static void
view_grid_size (WbMatrixView *self,
                int          *width,
                int          *height)
{
  *width = self->column_x[self->column_headers->len] - SPACING;
  *height = self->header_height + view_n_rows (self) * (self->cell_height + SPACING);
}

/* Where a cell is in the grid, unscrolled. */
static int
view_row_y (WbMatrixView *self,
            int           row)
{
  return self->header_height + SPACING + row * (self->cell_height + SPACING);
}

/* Where a cell is in the widget, as scrolled. */
static void
view_cell_rect (WbMatrixView    *self,
                int              row,
                int              column,
                graphene_rect_t *rect)
{
  graphene_rect_init (rect,
                      self->origin_x + self->column_x[column] - self->scroll_x,
                      self->origin_y + view_row_y (self, row) - self->scroll_y,
                      view_column_width (self, column),
                      self->cell_height);
}

/* Under the headers, no cell is seen. */
static gboolean
view_cell_at (WbMatrixView *self,
              double        x,
              double        y,
              int          *row,
              int          *column)
{
  double cy = y - self->origin_y + self->scroll_y - self->header_height - SPACING;
  guint n_columns = self->column_headers->len;
  guint low = 0, high = n_columns;
  int i, j;

  if (x < self->origin_x + self->header_width || y < self->origin_y + self->header_height)
    return FALSE;
  x = x - self->origin_x + self->scroll_x;
  if (n_columns == 0 || x < self->column_x[0] || cy < 0 || self->cell_height <= 0)
    return FALSE;
  /* The last column that starts at or before x. */
  while (high - low > 1)
    {
      guint middle = (low + high) / 2;

      if (self->column_x[middle] <= x)
        low = middle;
      else
        high = middle;
    }
  j = low;
  i = (int) (cy / (self->cell_height + SPACING));
  /* Not in the spacing after a cell. */
  if (x > self->column_x[j + 1] - SPACING ||
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
  int width, height;

  view_compute_sizes (self);
  view_grid_size (self, &width, &height);
  *minimum = 2 * MARGIN + (orientation == GTK_ORIENTATION_HORIZONTAL ? width : height);
  *natural = *minimum;
}

/* The scroll position, clamped, that shows the kept cell beside the
 * headers (@start: where a cell starts in the grid, @size: its size,
 * @header: the headers' size, @origin: where the grid starts, @page: the
 * room). */
static double
view_kept_value (double value,
                 int    start,
                 int    size,
                 int    header,
                 int    origin,
                 int    page)
{
  value = MAX (value, origin + start + size + SPACING - page);
  /* A cell larger than the room shows its start. */
  return MIN (value, start - header - SPACING);
}

static void
view_configure_adjustment (WbMatrixView  *self,
                           GtkAdjustment *adjustment,
                           double         value,
                           int            page,
                           int            total,
                           int            step)
{
  int upper = MAX (total, page);

  value = CLAMP (value, 0, upper - page);
  self->scrolling = TRUE;
  gtk_adjustment_configure (adjustment, value, 0, upper, step, page * 0.9, page);
  self->scrolling = FALSE;
}

static void
wb_matrix_view_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  WbMatrixView *self = WB_MATRIX_VIEW (widget);
  int grid_width, grid_height, x, y;
  double hvalue = 0, vvalue = 0;

  view_compute_sizes (self);
  view_grid_size (self, &grid_width, &grid_height);
  /* Centred when it fits. */
  self->origin_x = MAX (MARGIN, (width - grid_width) / 2);
  self->origin_y = MARGIN;
  if (self->hadjustment != NULL)
    hvalue = gtk_adjustment_get_value (self->hadjustment);
  if (self->vadjustment != NULL)
    vvalue = gtk_adjustment_get_value (self->vadjustment);
  if (view_result (self, self->keep_row, self->keep_column) != NO_CELL)
    {
      hvalue = view_kept_value (hvalue, self->column_x[self->keep_column],
                                view_column_width (self, self->keep_column),
                                self->header_width, self->origin_x, width);
      vvalue = view_kept_value (vvalue, view_row_y (self, self->keep_row), self->cell_height,
                                self->header_height, self->origin_y, height);
    }
  if (self->hadjustment != NULL)
    {
      view_configure_adjustment (self, self->hadjustment, hvalue, width, grid_width + 2 * MARGIN,
                                 self->proto_width + SPACING);
      hvalue = gtk_adjustment_get_value (self->hadjustment);
    }
  if (self->vadjustment != NULL)
    {
      view_configure_adjustment (self, self->vadjustment, vvalue, height, grid_height + 2 * MARGIN,
                                 self->cell_height + SPACING);
      vvalue = gtk_adjustment_get_value (self->vadjustment);
    }
  /* Whole pixels: the cells stay sharp. */
  self->scroll_x = (int) (MAX (hvalue, 0) + 0.5);
  self->scroll_y = (int) (MAX (vvalue, 0) + 0.5);

  /* The corner stays; the column headers scroll across, the row headers
   * up and down (see wb_matrix_view_snapshot () for what hides them). */
  x = self->origin_x - self->scroll_x;
  y = self->origin_y - self->scroll_y;
  gtk_widget_size_allocate (self->corner,
                            &(GtkAllocation) { self->origin_x, self->origin_y,
                                               self->header_width, self->header_height }, -1);
  for (guint j = 0; j < self->column_headers->len; j++)
    gtk_widget_size_allocate (self->column_headers->pdata[j],
                              &(GtkAllocation) { x + self->column_x[j], self->origin_y,
                                                 view_column_width (self, j), self->header_height }, -1);
  for (guint i = 0; i < self->row_headers->len; i++)
    gtk_widget_size_allocate (self->row_headers->pdata[i],
                              &(GtkAllocation) { self->origin_x, y + view_row_y (self, i),
                                                 self->header_width, self->cell_height }, -1);
  /* Drawn where the cells are, by translation. */
  for (guint r = 0; r < N_RESULTS; r++)
    {
      gtk_widget_size_allocate (self->protos[r][0],
                                &(GtkAllocation) { 0, 0, self->common_widths[r], self->cell_height }, -1);
      gtk_widget_size_allocate (self->protos[r][1],
                                &(GtkAllocation) { 0, 0, self->proto_width, self->cell_height }, -1);
      gtk_widget_size_allocate (self->wide_protos[r],
                                &(GtkAllocation) { 0, 0, self->proto_width, self->cell_height }, -1);
    }
  gtk_widget_size_allocate (self->selection_ring,
                            &(GtkAllocation) { 0, 0, self->proto_width, self->cell_height }, -1);
  gtk_widget_size_allocate (self->focus_ring,
                            &(GtkAllocation) { 0, 0, self->proto_width, self->cell_height }, -1);
}

/* --- drawing ------------------------------------------------------------------------- */

static void
view_snapshot_piece (WbMatrixView *self,
                     GtkSnapshot  *snapshot,
                     GtkWidget    *proto,
                     float         clip_x,
                     float         clip_width,
                     float         shift)
{
  float height = self->cell_height;

  /* Room above, below and outside for the rings' outer shadow. */
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (clip_x, -height, clip_width, 3 * height));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-shift, 0));
  gtk_widget_snapshot_child (GTK_WIDGET (self), proto, snapshot);
  gtk_snapshot_restore (snapshot);
  gtk_snapshot_pop (snapshot);
}

/* A cell narrower than @proto (@proto_width wide) takes its left edge,
 * its middle (the icon and label, @content_width wide) and its right
 * edge, the background between them being even. */
static void
view_snapshot_at (WbMatrixView *self,
                  GtkSnapshot  *snapshot,
                  GtkWidget    *proto,
                  int           proto_width,
                  int           content_width,
                  int           row,
                  int           column)
{
  graphene_rect_t rect;
  int width, extra, edge;

  view_cell_rect (self, row, column, &rect);
  width = rect.size.width;
  extra = proto_width - width;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &rect.origin);
  if (extra <= 0)
    gtk_widget_snapshot_child (GTK_WIDGET (self), proto, snapshot);
  else
    {
      /* A pixel to spare around the middle, whole pixels everywhere. */
      edge = MAX ((width - content_width) / 2 - 1, 0);
      view_snapshot_piece (self, snapshot, proto, -width, width + edge, 0);
      view_snapshot_piece (self, snapshot, proto, edge, width - 2 * edge, extra / 2);
      view_snapshot_piece (self, snapshot, proto, width - edge, width + edge, extra);
    }
  gtk_snapshot_restore (snapshot);
}

static void
wb_matrix_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  WbMatrixView *self = WB_MATRIX_VIEW (widget);
  guint n_rows = view_n_rows (self), n_columns = view_n_columns (self);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  /* Right of the row headers, below the column headers, with a gap that
   * leaves room for the focus ring: what scrolls under them is hidden. */
  int left = self->origin_x + self->header_width + SPACING / 2;
  int top = self->origin_y + self->header_height + SPACING / 2;
  int first_row, last_row;

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (left, top, MAX (width - left, 0),
                                                         MAX (height - top, 0)));
  /* Only the rows and columns in sight: a lab of 50 machines has 2,500
   * cells. */
  first_row = MAX ((self->scroll_y - SPACING) / (self->cell_height + SPACING) - 1, 0);
  last_row = MIN ((self->scroll_y + height) / (self->cell_height + SPACING) + 1, (int) n_rows - 1);
  for (int i = first_row; i <= last_row; i++)
    for (guint j = 0; j < n_columns; j++)
      {
        guint8 result = self->results[i * n_columns + j];
        gboolean hover = i == self->hover_row && (int) j == self->hover_column;
        int x = self->origin_x + self->column_x[j] - self->scroll_x;

        if (result == NO_CELL || x + view_column_width (self, j) + SPACING < left || x - SPACING > width)
          continue;
        if (hover)
          view_snapshot_at (self, snapshot, self->protos[result][1], self->proto_width,
                            self->content_widths[result], i, j);
        else if (view_column_width (self, j) == self->common_widths[result])
          view_snapshot_at (self, snapshot, self->protos[result][0], self->common_widths[result],
                            self->content_widths[result], i, j);
        else
          view_snapshot_at (self, snapshot, self->wide_protos[result], self->proto_width,
                            self->content_widths[result], i, j);
      }
  if (view_result (self, self->selected_row, self->selected_column) != NO_CELL)
    view_snapshot_at (self, snapshot, self->selection_ring, self->proto_width, 0,
                      self->selected_row, self->selected_column);
  if (gtk_widget_has_visible_focus (widget) &&
      view_result (self, self->focus_row, self->focus_column) != NO_CELL)
    view_snapshot_at (self, snapshot, self->focus_ring, self->proto_width, 0,
                      self->focus_row, self->focus_column);
  gtk_snapshot_pop (snapshot);

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (left, 0, MAX (width - left, 0), height));
  for (guint j = 0; j < self->column_headers->len; j++)
    gtk_widget_snapshot_child (widget, self->column_headers->pdata[j], snapshot);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, top, width, MAX (height - top, 0)));
  for (guint i = 0; i < self->row_headers->len; i++)
    gtk_widget_snapshot_child (widget, self->row_headers->pdata[i], snapshot);
  gtk_snapshot_pop (snapshot);
  gtk_widget_snapshot_child (widget, self->corner, snapshot);
}

/* --- focus, scrolling, pointer ---------------------------------------------------------- */

static char *
view_describe (WbMatrixView *self,
               int           row,
               int           column)
{
  if (self->describe == NULL || view_result (self, row, column) == NO_CELL)
    return NULL;
  return self->describe (self, row, column, self->describe_data);
}

static void
view_update_accessible (WbMatrixView *self)
{
  g_autofree char *text = NULL;

  if (gtk_widget_is_focus (GTK_WIDGET (self)))
    text = view_describe (self, self->focus_row, self->focus_column);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text != NULL ? text : _("Connectivity matrix"),
                                  -1);
}

/* The next allocation scrolls to the cell, and the ones after keep it in
 * view while the room changes (the window, the details panel). */
static void
view_keep_in_view (WbMatrixView *self,
                   int           row,
                   int           column)
{
  self->keep_row = row;
  self->keep_column = column;
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
on_adjustment_value_changed_cb (WbMatrixView *self)
{
  /* Set in size_allocate (), already followed. */
  if (self->scrolling)
    return;
  self->keep_row = self->keep_column = -1;
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
view_set_focus (WbMatrixView *self,
                int           row,
                int           column)
{
  self->focus_row = row;
  self->focus_column = column;
  view_update_accessible (self);
  view_keep_in_view (self, row, column);
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

static void
view_activate (WbMatrixView *self,
               int           row,
               int           column)
{
  if (view_result (self, row, column) != NO_CELL)
    g_signal_emit (self, signals[SIGNAL_CELL_ACTIVATED], 0, (guint) row, (guint) column);
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   WbMatrixView          *self)
{
  int dx, dy;

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_space:
    case GDK_KEY_KP_Space:
      view_focus_some_cell (self);
      view_activate (self, self->focus_row, self->focus_column);
      return TRUE;
    default:
      if (!wb_ui_arrow_step (GTK_WIDGET (self), keyval, &dx, &dy))
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
on_pressed_cb (GtkGestureClick *gesture,
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
  view_activate (self, row, column);
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
on_motion_cb (GtkEventControllerMotion *motion,
              double                    x,
              double                    y,
              WbMatrixView             *self)
{
  int row = -1, column = -1;

  view_cell_at (self, x, y, &row, &column);
  view_set_hover (self, row, column);
}

static void
on_leave_cb (GtkEventControllerMotion *motion,
             WbMatrixView             *self)
{
  view_set_hover (self, -1, -1);
}

static void
on_focus_changed_cb (WbMatrixView *self)
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

  if (keyboard ? view_result (self, row, column) == NO_CELL : !view_cell_at (self, x, y, &row, &column))
    return FALSE;
  text = view_describe (self, row, column);
  if (text == NULL)
    return FALSE;
  view_cell_rect (self, row, column, &rect);
  gtk_tooltip_set_text (tooltip, text);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { rect.origin.x, rect.origin.y,
                                                        rect.size.width, rect.size.height });
  return TRUE;
}

/* --- public ------------------------------------------------------------------------- */

GtkWidget *
wb_matrix_view_new (void)
{
  return g_object_new (WB_TYPE_MATRIX_VIEW, NULL);
}

void
wb_matrix_view_set_describe_func (WbMatrixView             *self,
                                  WbMatrixViewDescribeFunc  func,
                                  gpointer                  user_data,
                                  GDestroyNotify            destroy)
{
  g_return_if_fail (WB_IS_MATRIX_VIEW (self));

  if (self->describe_destroy != NULL)
    self->describe_destroy (self->describe_data);
  self->describe = func;
  self->describe_data = user_data;
  self->describe_destroy = destroy;
  view_update_accessible (self);
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

void
wb_matrix_view_set_headers (WbMatrixView       *self,
                            guint               n_rows,
                            const char * const *row_names,
                            const char * const *row_addresses,
                            guint               n_columns,
                            const char * const *column_names,
                            const char * const *column_addresses)
{
  g_return_if_fail (WB_IS_MATRIX_VIEW (self));
  g_return_if_fail (n_rows == 0 || row_names != NULL);
  g_return_if_fail (n_columns == 0 || column_names != NULL);

  view_clear_headers (self);
  g_clear_pointer (&self->results, g_free);
  for (guint j = 0; j < n_columns; j++)
    {
      GtkWidget *header = wb_matrix_view_header_new (column_names[j],
                                                     column_addresses != NULL ? column_addresses[j] : NULL,
                                                     FALSE);

      gtk_widget_insert_before (header, GTK_WIDGET (self), self->corner);
      g_ptr_array_add (self->column_headers, header);
    }
  for (guint i = 0; i < n_rows; i++)
    {
      GtkWidget *header = wb_matrix_view_header_new (row_names[i],
                                                     row_addresses != NULL ? row_addresses[i] : NULL,
                                                     TRUE);

      gtk_widget_insert_before (header, GTK_WIDGET (self), self->corner);
      g_ptr_array_add (self->row_headers, header);
    }
  g_free (self->column_counts);
  self->column_counts = g_new0 (guint, MAX (n_columns, 1) * N_RESULTS);
  g_free (self->column_x);
  self->column_x = g_new0 (int, n_columns + 1);
  self->focus_row = self->focus_column = -1;
  self->hover_row = self->hover_column = -1;
  self->keep_row = self->keep_column = -1;
  view_update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
wb_matrix_view_set_results (WbMatrixView *self,
                            const guint8 *results)
{
  guint n_rows, n_columns;
  gboolean resize = FALSE;

  g_return_if_fail (WB_IS_MATRIX_VIEW (self));

  n_rows = self->row_headers->len;
  n_columns = self->column_headers->len;
  g_clear_pointer (&self->results, g_free);
  if (results != NULL)
    self->results = g_memdup2 (results, MAX ((gsize) n_rows * n_columns, 1));

  /* A column widens when it shows a wider result. */
  for (guint j = 0; j < n_columns; j++)
    {
      guint *counts = self->column_counts + j * N_RESULTS;
      guint new_counts[N_RESULTS] = { 0, };

      for (guint i = 0; self->results != NULL && i < n_rows; i++)
        {
          guint8 result = self->results[i * n_columns + j];

          if (result < N_RESULTS)
            new_counts[result]++;
        }
      for (guint r = 0; r < N_RESULTS; r++)
        {
          resize |= (counts[r] > 0) != (new_counts[r] > 0);
          counts[r] = new_counts[r];
        }
    }
  if (resize)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else
    /* Which width most cells of a result have may change. */
    gtk_widget_queue_allocate (GTK_WIDGET (self));
  view_update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
wb_matrix_view_get_n_rows (WbMatrixView *self)
{
  g_return_val_if_fail (WB_IS_MATRIX_VIEW (self), 0);

  return view_n_rows (self);
}

guint
wb_matrix_view_get_n_columns (WbMatrixView *self)
{
  g_return_val_if_fail (WB_IS_MATRIX_VIEW (self), 0);

  return view_n_columns (self);
}

guint8
wb_matrix_view_get_result (WbMatrixView *self,
                           guint         row,
                           guint         column)
{
  g_return_val_if_fail (WB_IS_MATRIX_VIEW (self), NO_CELL);

  if (row > G_MAXINT || column > G_MAXINT)
    return NO_CELL;
  return view_result (self, row, column);
}

GtkWidget *
wb_matrix_view_get_header (WbMatrixView *self,
                           gboolean      row,
                           guint         index)
{
  GPtrArray *headers;

  g_return_val_if_fail (WB_IS_MATRIX_VIEW (self), NULL);

  headers = row ? self->row_headers : self->column_headers;
  return index < headers->len ? headers->pdata[index] : NULL;
}

GtkWidget *
wb_matrix_view_get_cell_widget (WbMatrixView *self,
                                guint         row,
                                guint         column)
{
  guint8 result;

  g_return_val_if_fail (WB_IS_MATRIX_VIEW (self), NULL);

  result = wb_matrix_view_get_result (self, row, column);
  return result != NO_CELL ? self->protos[result][0] : NULL;
}

void
wb_matrix_view_set_selected (WbMatrixView *self,
                             int           row,
                             int           column)
{
  g_return_if_fail (WB_IS_MATRIX_VIEW (self));

  if (row == self->selected_row && column == self->selected_column)
    return;
  self->selected_row = row;
  self->selected_column = column;
  if (view_result (self, row, column) != NO_CELL)
    view_keep_in_view (self, row, column);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
cell_position (int    row,
               int    column,
               guint *out_row,
               guint *out_column)
{
  if (row < 0 || column < 0)
    return FALSE;
  if (out_row != NULL)
    *out_row = row;
  if (out_column != NULL)
    *out_column = column;
  return TRUE;
}

gboolean
wb_matrix_view_get_selected (WbMatrixView *self,
                             guint        *row,
                             guint        *column)
{
  g_return_val_if_fail (WB_IS_MATRIX_VIEW (self), FALSE);

  return cell_position (self->selected_row, self->selected_column, row, column);
}

gboolean
wb_matrix_view_get_focus (WbMatrixView *self,
                          guint        *row,
                          guint        *column)
{
  g_return_val_if_fail (WB_IS_MATRIX_VIEW (self), FALSE);

  return cell_position (self->focus_row, self->focus_column, row, column);
}

/* --- GtkWidget / GObject ------------------------------------------------------------ */

static void
view_set_adjustment (WbMatrixView   *self,
                     GtkAdjustment **slot,
                     GtkAdjustment  *adjustment)
{
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);
  if (*slot == adjustment)
    return;
  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_data (*slot, self);
      g_object_unref (*slot);
    }
  *slot = g_object_ref_sink (adjustment);
  g_signal_connect_swapped (adjustment, "value-changed",
                            G_CALLBACK (on_adjustment_value_changed_cb), self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
wb_matrix_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WbMatrixView *self = WB_MATRIX_VIEW (object);

  switch (prop_id)
    {
    case PROP_HADJUSTMENT:
      g_value_set_object (value, self->hadjustment);
      break;
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->vadjustment);
      break;
    case PROP_HSCROLL_POLICY:
      g_value_set_enum (value, self->hscroll_policy);
      break;
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->vscroll_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_matrix_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  WbMatrixView *self = WB_MATRIX_VIEW (object);

  switch (prop_id)
    {
    case PROP_HADJUSTMENT:
      view_set_adjustment (self, &self->hadjustment, g_value_get_object (value));
      break;
    case PROP_VADJUSTMENT:
      view_set_adjustment (self, &self->vadjustment, g_value_get_object (value));
      break;
    case PROP_HSCROLL_POLICY:
      if (self->hscroll_policy != (guint) g_value_get_enum (value))
        {
          self->hscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_VSCROLL_POLICY:
      if (self->vscroll_policy != (guint) g_value_get_enum (value))
        {
          self->vscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_matrix_view_dispose (GObject *object)
{
  WbMatrixView *self = WB_MATRIX_VIEW (object);
  GtkWidget *child;

  if (self->hadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->hadjustment, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);
  if (self->describe_destroy != NULL)
    self->describe_destroy (self->describe_data);
  self->describe = NULL;
  self->describe_data = NULL;
  self->describe_destroy = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->row_headers, g_ptr_array_unref);
  g_clear_pointer (&self->column_headers, g_ptr_array_unref);

  G_OBJECT_CLASS (wb_matrix_view_parent_class)->dispose (object);
}

static void
wb_matrix_view_finalize (GObject *object)
{
  WbMatrixView *self = WB_MATRIX_VIEW (object);

  g_free (self->results);
  g_free (self->column_counts);
  g_free (self->column_x);

  G_OBJECT_CLASS (wb_matrix_view_parent_class)->finalize (object);
}

static void
wb_matrix_view_class_init (WbMatrixViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wb_matrix_view_dispose;
  object_class->finalize = wb_matrix_view_finalize;
  object_class->get_property = wb_matrix_view_get_property;
  object_class->set_property = wb_matrix_view_set_property;
  widget_class->measure = wb_matrix_view_measure;
  widget_class->size_allocate = wb_matrix_view_size_allocate;
  widget_class->snapshot = wb_matrix_view_snapshot;
  widget_class->query_tooltip = wb_matrix_view_query_tooltip;
  widget_class->grab_focus = wb_matrix_view_grab_focus;

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  /**
   * WbMatrixView::cell-activated:
   * @row: the cell's row
   * @column: the cell's column
   *
   * A click on a cell, or Enter or Space on the focused one.
   */
  signals[SIGNAL_CELL_ACTIVATED] =
    g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

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
  self->column_counts = g_new0 (guint, N_RESULTS);
  self->column_x = g_new0 (int, 1);
  self->focus_row = self->focus_column = -1;
  self->hover_row = self->hover_column = -1;
  self->selected_row = self->selected_column = -1;
  self->keep_row = self->keep_column = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  /* Headers scrolled out of sight are not there for the pointer. */
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  self->corner = gtk_label_new (_("From ↓ To →"));
  gtk_widget_add_css_class (self->corner, "caption");
  gtk_widget_add_css_class (self->corner, "dim-label");
  gtk_widget_set_valign (self->corner, GTK_ALIGN_END);
  gtk_label_set_xalign (GTK_LABEL (self->corner), 0.0);
  gtk_widget_set_parent (self->corner, GTK_WIDGET (self));

  for (guint r = 0; r < N_RESULTS; r++)
    for (guint h = 0; h < 2; h++)
      {
        GtkWidget *proto = view_proto_new (self, wb_matrix_view_cell_new (FALSE));
        const char *label = wb_matrix_view_result_label (result_ids[r]);

        wb_matrix_view_cell_set_result (proto, result_ids[r], label, NULL, FALSE);
        if (h == 1)
          gtk_widget_set_state_flags (proto, GTK_STATE_FLAG_PRELIGHT, FALSE);
        self->protos[r][h] = proto;
      }
  for (guint r = 0; r < N_RESULTS; r++)
    {
      GtkWidget *proto = view_proto_new (self, wb_matrix_view_cell_new (FALSE));
      const char *label = wb_matrix_view_result_label (result_ids[r]);

      wb_matrix_view_cell_set_result (proto, result_ids[r], label, NULL, FALSE);
      self->wide_protos[r] = proto;
    }
  self->selection_ring = view_proto_new (self, gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0));
  gtk_widget_add_css_class (self->selection_ring, "matrix-cell-ring");
  gtk_widget_add_css_class (self->selection_ring, "selected");
  self->focus_ring = view_proto_new (self, gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0));
  gtk_widget_add_css_class (self->focus_ring, "matrix-cell-ring");
  gtk_widget_add_css_class (self->focus_ring, "focus");

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  g_signal_connect (controller, "pressed", G_CALLBACK (on_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (controller, "enter", G_CALLBACK (on_focus_changed_cb), self);
  g_signal_connect_swapped (controller, "leave", G_CALLBACK (on_focus_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}
