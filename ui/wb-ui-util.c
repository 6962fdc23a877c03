/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-ui-util.h"

#include <glib/gi18n.h>

const char *
wb_ui_attachment_label (const char *attachment)
{
  if (g_strcmp0 (attachment, "nat") == 0)
    return _("NAT");
  if (g_strcmp0 (attachment, "natnetwork") == 0)
    return _("NAT Network");
  if (g_strcmp0 (attachment, "bridged") == 0)
    return _("Bridged Adapter");
  if (g_strcmp0 (attachment, "intnet") == 0)
    return _("Internal Network");
  if (g_strcmp0 (attachment, "hostonly") == 0)
    return _("Host-only Adapter");
  if (g_strcmp0 (attachment, "generic") == 0)
    return _("Generic Driver");
  return _("Not attached");
}

const char *
wb_ui_attachment_tooltip (const char *attachment)
{
  if (g_strcmp0 (attachment, "nat") == 0)
    return _("The VM reaches the host and the outside through its own NAT; "
             "nothing reaches the VM except through port forwarding.");
  if (g_strcmp0 (attachment, "natnetwork") == 0)
    return _("VMs on the same NAT network reach each other, the host and the outside; "
             "the host and the outside reach them only through port forwarding.");
  if (g_strcmp0 (attachment, "bridged") == 0)
    return _("The VM is a machine of the host’s network: it reaches, and is reached by, "
             "the host, other VMs and the LAN.");
  if (g_strcmp0 (attachment, "intnet") == 0)
    return _("VMs on the same internal network reach each other, and nothing else.");
  if (g_strcmp0 (attachment, "hostonly") == 0)
    return _("VMs on the same host-only interface reach each other and the host, "
             "but not the outside.");
  if (g_strcmp0 (attachment, "generic") == 0)
    return _("Frames travel through a UDP tunnel or a VDE switch, usually to another host.");
  return _("The adapter is present but has no cable plugged into any network.");
}

const char *
wb_ui_attachment_target_key (const char *attachment)
{
  if (g_strcmp0 (attachment, "natnetwork") == 0)
    return "nat-network";
  if (g_strcmp0 (attachment, "bridged") == 0)
    return "bridge-adapter";
  if (g_strcmp0 (attachment, "intnet") == 0)
    return "intnet";
  if (g_strcmp0 (attachment, "hostonly") == 0)
    return "hostonly-adapter";
  if (g_strcmp0 (attachment, "generic") == 0)
    return "generic-driver";
  return NULL;
}

const char *
wb_ui_adapter_type_label (const char *type)
{
  /* Product names stay as they are; only the generic one is translated. */
  if (g_strcmp0 (type, "Am79C970A") == 0)
    return "PCnet-PCI II (Am79C970A)";
  if (g_strcmp0 (type, "Am79C973") == 0)
    return "PCnet-FAST III (Am79C973)";
  if (g_strcmp0 (type, "82540EM") == 0)
    return "Intel PRO/1000 MT Desktop (82540EM)";
  if (g_strcmp0 (type, "82543GC") == 0)
    return "Intel PRO/1000 T Server (82543GC)";
  if (g_strcmp0 (type, "82545EM") == 0)
    return "Intel PRO/1000 MT Server (82545EM)";
  if (g_strcmp0 (type, "virtio") == 0)
    return _("Paravirtualized Network (virtio-net)");
  return type != NULL ? type : "";
}

char *
wb_ui_format_mac (const char *mac)
{
  GString *s;

  if (mac == NULL || strlen (mac) != 12)
    return g_strdup (mac != NULL ? mac : "");

  s = g_string_new (NULL);
  for (guint i = 0; i < 12; i += 2)
    {
      if (i > 0)
        g_string_append_c (s, ':');
      g_string_append_len (s, mac + i, 2);
    }
  return g_string_free (s, FALSE);
}

char *
wb_ui_format_traffic (guint64 frames,
                      guint64 bytes)
{
  g_autofree char *size = g_format_size (bytes);
  g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, frames);

  /* Translators: "12 frames, 1.5 kB" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s frame, %s", "%s frames, %s",
                                       (gulong) MIN (frames, G_MAXULONG)),
                          count, size);
}

static gboolean
parse_ipv4 (const char *text,
            guint32    *out)
{
  guint32 value = 0;
  const char *p = text;

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      guint octet = 0;
      guint digits = 0;

      while (g_ascii_isdigit (*p) && digits < 4)
        {
          octet = octet * 10 + (guint) (*p - '0');
          p++;
          digits++;
        }
      if (digits == 0 || digits > 3 || octet > 255)
        return FALSE;
      value = (value << 8) | octet;
      if (i < 3)
        {
          if (*p != '.')
            return FALSE;
          p++;
        }
    }
  if (*p != '\0')
    return FALSE;
  if (out != NULL)
    *out = value;
  return TRUE;
}

gboolean
wb_ui_is_ipv4 (const char *text)
{
  return parse_ipv4 (text, NULL);
}

gboolean
wb_ui_is_ipv4_cidr (const char *text)
{
  g_autofree char *address = NULL;
  const char *slash;
  guint64 prefix;
  char *end = NULL;

  if (text == NULL || (slash = strchr (text, '/')) == NULL)
    return FALSE;
  address = g_strndup (text, (gsize) (slash - text));
  if (!parse_ipv4 (address, NULL) || !g_ascii_isdigit (slash[1]))
    return FALSE;
  prefix = g_ascii_strtoull (slash + 1, &end, 10);
  return *end == '\0' && prefix <= 32;
}

gboolean
wb_ui_is_netmask (const char *text)
{
  guint32 mask;

  if (!parse_ipv4 (text, &mask))
    return FALSE;
  /* Contiguous ones: the inverted mask plus one is a power of two. */
  return ((~mask + 1) & ~mask) == 0;
}

guint
wb_ui_netmask_prefix (const char *netmask)
{
  guint32 mask = 0;
  guint prefix = 0;

  if (!parse_ipv4 (netmask, &mask))
    return 0;
  while (mask & 0x80000000u)
    {
      prefix++;
      mask <<= 1;
    }
  return prefix;
}

static gboolean
has_name (gpointer proxy)
{
  g_autofree char *name = NULL;

  g_object_get (proxy, "name", &name, NULL);
  return name != NULL && *name != '\0';
}

static void
on_proxy_named_cb (GObject    *proxy,
                   GParamSpec *pspec,
                   GListStore *store)
{
  if (!has_name (proxy))
    return;
  g_signal_handlers_disconnect_by_func (proxy, on_proxy_named_cb, store);
  if (!g_list_store_find (store, proxy, NULL))
    g_list_store_append (store, proxy);
}

void
wb_ui_store_append_named (GListStore *store,
                          gpointer    proxy)
{
  g_return_if_fail (G_IS_LIST_STORE (store));
  g_return_if_fail (G_IS_OBJECT (proxy));

  if (g_list_store_find (store, proxy, NULL))
    return;
  if (has_name (proxy))
    g_list_store_append (store, proxy);
  else
    g_signal_connect_object (proxy, "notify::name", G_CALLBACK (on_proxy_named_cb), store, 0);
}

void
wb_ui_select_named (GtkSingleSelection  *selection,
                    const char          *name,
                    char               **pending)
{
  GListModel *model = gtk_single_selection_get_model (selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);
      g_autofree char *item_name = NULL;

      g_object_get (item, "name", &item_name, NULL);
      if (g_strcmp0 (item_name, name) == 0)
        {
          gtk_single_selection_set_selected (selection, i);
          g_clear_pointer (pending, g_free);
          return;
        }
    }
  if (name != *pending)
    {
      g_free (*pending);
      *pending = g_strdup (name);
    }
}

gboolean
wb_ui_arrow_step (GtkWidget *widget,
                  guint      keyval,
                  int       *dx,
                  int       *dy)
{
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;

  *dx = *dy = 0;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      *dx = rtl ? 1 : -1;
      return TRUE;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      *dx = rtl ? -1 : 1;
      return TRUE;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      *dy = -1;
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      *dy = 1;
      return TRUE;
    default:
      return FALSE;
    }
}

const char *
wb_ui_info_string (GVariant   *info,
                   const char *key)
{
  const char *value = NULL;

  if (info == NULL || !g_variant_lookup (info, key, "&s", &value))
    return "";
  return value;
}

gboolean
wb_ui_info_boolean (GVariant   *info,
                    const char *key,
                    gboolean    fallback)
{
  gboolean value = fallback;

  if (info != NULL)
    g_variant_lookup (info, key, "b", &value);
  return value;
}

gboolean
wb_ui_mark_valid (GtkWidget *widget,
                  gboolean   valid)
{
  if (valid)
    gtk_widget_remove_css_class (widget, "error");
  else
    gtk_widget_add_css_class (widget, "error");
  return valid;
}

char *
wb_ui_error_message (const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);

  g_dbus_error_strip_remote_error (copy);
  return g_strdup (copy->message);
}

void
wb_ui_toast_error (gpointer      target,
                   const GError *error)
{
  g_autofree char *message = NULL;
  g_autofree char *markup = NULL;
  AdwToast *toast;

  g_return_if_fail (ADW_IS_TOAST_OVERLAY (target) || ADW_IS_PREFERENCES_WINDOW (target));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A toast's title is markup; the engine's message is plain text. */
  message = wb_ui_error_message (error);
  markup = g_markup_escape_text (message, -1);
  toast = adw_toast_new (markup);
  adw_toast_set_timeout (toast, 5);
  if (ADW_IS_PREFERENCES_WINDOW (target))
    adw_preferences_window_add_toast (target, toast);
  else
    adw_toast_overlay_add_toast (target, toast);
}

void
wb_ui_toast_reply_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GObject) target = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL)
    wb_ui_toast_error (target, error);
}
