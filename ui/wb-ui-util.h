/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Small helpers shared by the windows: the user-facing names of modes and
 * adapter types, and shape checks used only to mark fields as they are
 * typed (the engine stays the judge of every value).
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* "NAT", "Internal Network", ... for a VBoxManage nicN value. */
const char *wb_ui_attachment_label      (const char   *attachment);
/* What the mode reaches, after VirtualBox's connectivity table. */
const char *wb_ui_attachment_tooltip    (const char   *attachment);
/* The adapter dictionary key that names the mode's target, or NULL. */
const char *wb_ui_attachment_target_key (const char   *attachment);
/* "Intel PRO/1000 MT Desktop (82540EM)" for "82540EM". */
const char *wb_ui_adapter_type_label    (const char   *type);
/* "08:00:27:BB:14:75" for "080027BB1475". */
char       *wb_ui_format_mac            (const char   *mac);
/* "1.5 kB" and the like, with a frame count: "12 frames, 1.5 kB". */
char       *wb_ui_format_traffic        (guint64       frames,
                                         guint64       bytes);

gboolean    wb_ui_is_ipv4               (const char   *text);
/* "a.b.c.d/p" with p in 0..32. */
gboolean    wb_ui_is_ipv4_cidr          (const char   *text);
/* "255.255.255.0": an IPv4 address whose bits are contiguous ones. */
gboolean    wb_ui_is_netmask            (const char   *text);
/* The prefix length of a valid netmask. */
guint       wb_ui_netmask_prefix        (const char   *netmask);

/* Appends @proxy (a WbDBus interface proxy with a "name" property) to
 * @store once its name is known: the engine exports an object before it
 * fills in its properties, and a list sorted by name needs the name when
 * the item arrives. */
void        wb_ui_store_append_named    (GListStore   *store,
                                         gpointer      proxy);

/* Selects the item of @selection's model whose "name" property is @name
 * and clears *@pending; when there is none yet (the object manager
 * announces it soon), keeps @name in *@pending to select it later. */
void        wb_ui_select_named          (GtkSingleSelection *selection,
                                         const char   *name,
                                         char        **pending);

/* The step an arrow key (keypad ones too) takes across a grid that
 * @widget draws: Left and Right swap in a right-to-left locale. FALSE
 * for any other key. */
gboolean    wb_ui_arrow_step            (GtkWidget    *widget,
                                         guint         keyval,
                                         int          *dx,
                                         int          *dy);

/* @key of an engine info dictionary (a{sv}, may be NULL): "" or
 * @fallback when it is missing. */
const char *wb_ui_info_string           (GVariant     *info,
                                         const char   *key);
gboolean    wb_ui_info_boolean          (GVariant     *info,
                                         const char   *key,
                                         gboolean      fallback);

/* Adds or removes the "error" style class; returns @valid. */
gboolean    wb_ui_mark_valid            (GtkWidget    *widget,
                                         gboolean      valid);

/* The message of an engine error as the user should read it: without the
 * "GDBus.Error:..." prefix of an unregistered remote error. */
char       *wb_ui_error_message         (const GError *error);
/* Shows @error in a toast on @target (an AdwToastOverlay or an
 * AdwPreferencesWindow), unless it is a cancellation. */
void        wb_ui_toast_error           (gpointer      target,
                                         const GError *error);
/* The end of a D-Bus call whose reply only reports failure: shows the
 * error as wb_ui_toast_error() does. @user_data is a reference on the
 * target, which this drops. */
void        wb_ui_toast_reply_cb        (GObject      *source,
                                         GAsyncResult *result,
                                         gpointer      user_data);

G_END_DECLS
