/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The main window's shared state: wb-window.c keeps the VM list in step
 * with the engine's object manager, wb-window-actions.c holds the win.*
 * actions (start, stop, settings, new, delete, the example lab, the other
 * windows) and the quit confirmation.
 */
#pragma once

#include "wb-connectivity-page.h"
#include "wb-dbus.h"
#include "wb-vm-details.h"
#include "wb-window.h"

G_BEGIN_DECLS

struct _WbWindow
{
  AdwApplicationWindow  parent_instance;

  GDBusConnection      *connection;
  GCancellable         *cancellable;
  WbDBusEngine         *engine;
  GDBusObjectManager   *manager;
  GSettings            *settings;       /* NULL when the schema is missing */
  GListStore           *vms;            /* of WbDBusVm, unsorted */
  WbDBusVm             *selected_vm;
  char                 *select_name;    /* a VM to select once it appears */
  GtkWindow            *host_network_manager;
  GtkWindow            *preferences;
  gboolean              load_lab_if_empty;
  gboolean              lab_loading;
  gboolean              lab_announce;   /* asked for: say when it is done */
  gboolean              quit_confirmed;
  guint                 pending_poweroffs;

  /* Template children. */
  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *view_stack;
  WbConnectivityPage   *connectivity_page;
  GtkStack             *main_stack;
  AdwLeaflet           *leaflet;
  GtkListView          *vm_list;
  GtkSingleSelection   *selection;
  GtkSortListModel     *sorted_vms;
  GtkStack             *details_stack;
  WbVmDetails          *details;
  AdwWindowTitle       *content_title;
  GtkWidget            *load_lab_button;
};

/* wb-window.c */
void      _wb_window_update_page      (WbWindow   *self);
void      _wb_window_select_vm_named  (WbWindow   *self,
                                       const char *name);
guint     _wb_window_count_running    (WbWindow   *self);
void      _wb_window_toast            (WbWindow   *self,
                                       const char *message);

/* wb-window-actions.c */
void      _wb_window_class_init_actions (WbWindowClass *klass);
void      _wb_window_update_actions   (WbWindow   *self);
void      _wb_window_load_example_lab (WbWindow   *self,
                                       gboolean    announce);
/* TRUE when the window may close now; otherwise it asks first. */
gboolean  _wb_window_confirm_close    (WbWindow   *self);

G_END_DECLS
