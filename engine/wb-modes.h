/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The modes matrix (DESIGN.md §7, second tab): VIRTUALBOX.md §6 measured.
 * For each mode (hostonly, intnet, bridged, nat, natnetwork) a throwaway lab
 * of two VMs in a world of its own: a store in a temporary folder, its own
 * settings and runtime (on the calling thread's context), the VMs' logs in
 * that folder, host-only interfaces that are always the engine's endpoint
 * and bridged adapters that are always an emulated LAN — nothing stored in
 * the user's settings, nothing shared with the user's networks, nothing of
 * the host's touched but the port forwards' listening sockets (on ports the
 * kernel picks). Addresses come from 198.18.0.0/15 (198.18.N.0/24 for the
 * Nth mode). A WbMatrix on that runtime measures the five columns; the lab
 * is powered off and removed with its folder.
 *
 * The result is RunModesMatrix's dictionary (io.github.wirebox.Engine.xml).
 * Engine thread only.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  WB_MODES_FAULT_NONE,
  /* Test only: the NAT labs' port forwards are configured but not
   * installed: their sockets are closed once bound (the engine reads
   * WIREBOX_TEST_FAULT=forwards-not-installed). */
  WB_MODES_FAULT_FORWARDS_NOT_INSTALLED,
} WbModesFault;

#define WB_MODES_N_MODES   5
#define WB_MODES_N_COLUMNS 5

#define WB_TYPE_MODES (wb_modes_get_type ())
G_DECLARE_FINAL_TYPE (WbModes, wb_modes, WB, MODES, GObject)

/*
 * Signals:
 *   "progress"  (guint done, guint total): labs measured so far
 */

/* The fault comes from WIREBOX_TEST_FAULT. */
WbModes    *wb_modes_new           (void);
void        wb_modes_set_fault     (WbModes              *self,
                                    WbModesFault          fault);

/* Builds, measures and removes the five labs one after another. */
void        wb_modes_run_async     (WbModes              *self,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
GVariant   *wb_modes_run_finish    (WbModes              *self,
                                    GAsyncResult         *result,
                                    GError              **error);

/* "mode" names in order, and the column names of the result. */
extern const char * const wb_modes_names[WB_MODES_N_MODES];
extern const char * const wb_modes_columns[WB_MODES_N_COLUMNS];
/* VirtualBox's table (VIRTUALBOX.md §6) for @mode and @column. */
const char *wb_modes_expected      (guint                 mode,
                                    guint                 column);

G_END_DECLS
