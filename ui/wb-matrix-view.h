/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Connectivity page's grid of the lab (DESIGN.md §7): one widget that
 * draws every cell, with a real widget for each row and column header. A
 * cell is drawn from a prototype of its result, styled by the CSS like
 * the cells of the page's tables of modes, which are built with the
 * helpers below. It scrolls itself (GtkScrollable: put it straight in
 * a GtkScrolledWindow), the headers staying in view.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a cell shows: one of the engine's results. */
typedef enum
{
  WB_MATRIX_VIEW_RESULT_PLUS,        /* "+" */
  WB_MATRIX_VIEW_RESULT_FORWARD,     /* "port-forward" */
  WB_MATRIX_VIEW_RESULT_MINUS,       /* "-" */
  WB_MATRIX_VIEW_RESULT_NOT_PROBED,  /* "not probed" */
  WB_MATRIX_VIEW_RESULT_PENDING,     /* "pending" */
  WB_MATRIX_VIEW_RESULT_OTHER,
  WB_MATRIX_VIEW_N_RESULTS
} WbMatrixViewResult;

/* In a grid of results: the pair has no cell. */
#define WB_MATRIX_VIEW_NO_CELL 0xff

#define WB_TYPE_MATRIX_VIEW (wb_matrix_view_get_type ())

G_DECLARE_FINAL_TYPE (WbMatrixView, wb_matrix_view, WB, MATRIX_VIEW, GtkWidget)

/* A cell in a sentence, for its tooltip and for assistive technologies
 * ("VM2 to Host: reachable"); NULL: nothing to say. */
typedef char *(*WbMatrixViewDescribeFunc) (WbMatrixView *view,
                                           guint         row,
                                           guint         column,
                                           gpointer      user_data);

GtkWidget          *wb_matrix_view_new                (void);
void                wb_matrix_view_set_describe_func  (WbMatrixView             *self,
                                                       WbMatrixViewDescribeFunc  func,
                                                       gpointer                  user_data,
                                                       GDestroyNotify            destroy);
/* Other rows and columns: a name each, and below it an address (NULL or
 * "": none). No cell shows until the results are set; focus and hover
 * are forgotten. */
void                wb_matrix_view_set_headers        (WbMatrixView             *self,
                                                       guint                     n_rows,
                                                       const char * const       *row_names,
                                                       const char * const       *row_addresses,
                                                       guint                     n_columns,
                                                       const char * const       *column_names,
                                                       const char * const       *column_addresses);
/* @results: n_rows x n_columns of WbMatrixViewResult or
 * WB_MATRIX_VIEW_NO_CELL, row by row (copied); NULL: no cells. */
void                wb_matrix_view_set_results        (WbMatrixView             *self,
                                                       const guint8             *results);
guint               wb_matrix_view_get_n_rows         (WbMatrixView             *self);
guint               wb_matrix_view_get_n_columns      (WbMatrixView             *self);
/* WB_MATRIX_VIEW_NO_CELL outside the grid. */
guint8              wb_matrix_view_get_result         (WbMatrixView             *self,
                                                       guint                     row,
                                                       guint                     column);
/* The header of a row (@row) or of a column; NULL past the last. */
GtkWidget          *wb_matrix_view_get_header         (WbMatrixView             *self,
                                                       gboolean                  row,
                                                       guint                     index);
/* The widget a cell is drawn from (NULL: no cell there). */
GtkWidget          *wb_matrix_view_get_cell_widget    (WbMatrixView             *self,
                                                       guint                     row,
                                                       guint                     column);
/* The selected cell wears a ring and is scrolled into view (-1, -1:
 * none). Selection is the owner's: a click or Enter only emits
 * ::cell-activated. */
void                wb_matrix_view_set_selected       (WbMatrixView             *self,
                                                       int                       row,
                                                       int                       column);
gboolean            wb_matrix_view_get_selected       (WbMatrixView             *self,
                                                       guint                    *row,
                                                       guint                    *column);
gboolean            wb_matrix_view_get_focus          (WbMatrixView             *self,
                                                       guint                    *row,
                                                       guint                    *column);

/* The parts of the grid, for tables built of widgets. */
/* Thread-safe. */
WbMatrixViewResult  wb_matrix_view_result_parse       (const char               *result);
/* The label a cell shows for an engine result ("+", "port-forward", "-",
 * "not probed", "pending"). */
const char         *wb_matrix_view_result_label       (const char               *result);
/* A cell that shows a result: a button (@interactive) or a plain box; its
 * label is named "cell-label". */
GtkWidget          *wb_matrix_view_cell_new           (gboolean                  interactive);
void                wb_matrix_view_cell_set_result    (GtkWidget                *cell,
                                                       const char               *result,
                                                       const char               *accessible,
                                                       const char               *tooltip,
                                                       gboolean                  differs);
/* A header: @name (a label named "header-label") and below it @address,
 * if any. */
GtkWidget          *wb_matrix_view_header_new         (const char               *name,
                                                       const char               *address,
                                                       gboolean                  row);

G_END_DECLS
