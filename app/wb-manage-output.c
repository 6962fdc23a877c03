/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The formats VBoxManage prints, which scripts parse: "Label:   value"
 * columns and the machine-readable key="value" lines.
 */
#include "wb-manage-private.h"

#include <stdio.h>

/* Appends "Label:" padded to @column (at least one space), the value and a
 * newline. An empty value still gets its padding, as VBoxManage prints. */
void
_wb_manage_append_field (GString    *out,
                         guint       column,
                         const char *label,
                         const char *format,
                         ...)
{
  gsize start = out->len;
  va_list ap;

  g_string_append (out, label);
  do
    g_string_append_c (out, ' ');
  while (out->len - start < column);

  va_start (ap, format);
  g_string_append_vprintf (out, format, ap);
  va_end (ap);
  g_string_append_c (out, '\n');
}

/* key="value": a double quote or a backslash in the value is preceded by a
 * backslash, as VBoxManage's outputMachineReadableString() does. */
void
_wb_manage_append_mr (GString    *out,
                      const char *key,
                      const char *value)
{
  g_string_append (out, key);
  g_string_append (out, "=\"");
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append (out, "\"\n");
}

void
_wb_manage_append_mr_printf (GString    *out,
                             const char *key,
                             const char *format,
                             ...)
{
  g_autofree char *value = NULL;
  va_list ap;

  va_start (ap, format);
  value = g_strdup_vprintf (format, ap);
  va_end (ap);
  _wb_manage_append_mr (out, key, value);
}

/* An error message may quote what the user typed; keep it on one line by
 * writing control characters as C escapes. */
char *
_wb_manage_one_line (const char *text)
{
  GString *line = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append (line, "\\n");
      else if (*p == '\r')
        g_string_append (line, "\\r");
      else if (*p == '\t')
        g_string_append (line, "\\t");
      else if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf (line, "\\x%02x", *p);
      else
        g_string_append_c (line, (char) *p);
    }

  return g_string_free (line, FALSE);
}

const char *
_wb_manage_yes_no (gboolean value)
{
  return value ? "Yes" : "No";
}

const char *
_wb_manage_on_off (gboolean value)
{
  return value ? "on" : "off";
}

/* Dictionary readers: a key the engine leaves out reads as empty, so that
 * the output keeps its shape. */
const char *
_wb_manage_lookup_string (GVariant   *dict,
                          const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (dict, key, "&s", &value))
    return "";
  return value;
}

gboolean
_wb_manage_lookup_boolean (GVariant   *dict,
                           const char *key)
{
  gboolean value = FALSE;

  if (!g_variant_lookup (dict, key, "b", &value))
    return FALSE;
  return value;
}

guint32
_wb_manage_lookup_uint (GVariant   *dict,
                        const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    return 0;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    return g_variant_get_uint16 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return (guint32) MAX (g_variant_get_int32 (value), 0);
  return 0;
}

guint64
_wb_manage_lookup_uint64 (GVariant   *dict,
                          const char *key)
{
  guint64 value = 0;

  if (!g_variant_lookup (dict, key, "t", &value))
    return _wb_manage_lookup_uint (dict, key);
  return value;
}

/* The value of @key if it has @type, else NULL. */
GVariant *
_wb_manage_lookup_value (GVariant   *dict,
                         const char *key,
                         const char *type)
{
  return g_variant_lookup_value (dict, key, G_VARIANT_TYPE (type));
}

void
_wb_manage_print (GString *out)
{
  fwrite (out->str, 1, out->len, stdout);
  fflush (stdout);
}
