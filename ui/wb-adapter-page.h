/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One "Adapter N" tab of VM Settings > Network. It shows an Adapter
 * dictionary of the engine (io.github.wirebox.Engine.xml), lets the user
 * edit it, marks invalid input as it is typed, and turns the edits into
 * the changes the engine takes: modifyvm triples for a powered-off VM,
 * controlvm calls for a running one. It makes no D-Bus call itself.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WB_TYPE_ADAPTER_PAGE (wb_adapter_page_get_type ())
G_DECLARE_FINAL_TYPE (WbAdapterPage, wb_adapter_page, WB, ADAPTER_PAGE, AdwPreferencesPage)

guint       wb_adapter_page_get_slot             (WbAdapterPage      *self);
/* Shows @adapter (an a{sv} Adapter dictionary) and drops the edits. */
void        wb_adapter_page_set_adapter          (WbAdapterPage      *self,
                                                  GVariant           *adapter);
/* Follows a change made elsewhere: everything when nothing is edited,
 * otherwise only what the page does not edit (the rule list). */
void        wb_adapter_page_update_adapter       (WbAdapterPage      *self,
                                                  GVariant           *adapter);
/* The names the "Name" row offers for @attachment ("natnetwork",
 * "bridged", "intnet", "hostonly"); the adapter's own is kept. */
void        wb_adapter_page_set_choices          (WbAdapterPage      *self,
                                                  const char         *attachment,
                                                  const char * const *names);
/* A running VM changes only what controlvm changes. */
void        wb_adapter_page_set_running          (WbAdapterPage      *self,
                                                  gboolean            running);
gboolean    wb_adapter_page_get_valid            (WbAdapterPage      *self);
gboolean    wb_adapter_page_get_modified         (WbAdapterPage      *self);
/* Appends the edits as ModifyVm (key, slot, value) triples to an a(sus)
 * builder. */
void        wb_adapter_page_collect_changes      (WbAdapterPage      *self,
                                                  GVariantBuilder    *changes);
/* Appends the edits as ControlVm (key, slot, args) calls to an a(suas)
 * builder. */
void        wb_adapter_page_collect_live_changes (WbAdapterPage      *self,
                                                  GVariantBuilder    *calls);

G_END_DECLS
