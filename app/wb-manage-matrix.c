/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wirebox-manage matrix [--modes] [--format text|json] [--outside ADDR]:
 * the connectivity matrix (DESIGN.md §7) by the engine's RunMatrix, or the
 * modes measured against VirtualBox's table (VIRTUALBOX.md §6) by its
 * RunModesMatrix. Text is a grid with the reasons under it; JSON is for
 * scripts, alone on stdout.
 */
#include "wb-manage-private.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#define ENGINE_INTERFACE "io.github.wirebox.Engine"

typedef enum
{
  MATRIX_FORMAT_TEXT,
  MATRIX_FORMAT_JSON,
} MatrixFormat;

/* The columns of VIRTUALBOX.md §6, as RunModesMatrix names them. */
static const struct
{
  const char *key;
  const char *title;
} mode_columns[] = {
  { "vm-to-host", "VM->Host" },
  { "host-to-vm", "VM<-Host" },
  { "vm-to-vm", "VM1<->VM2" },
  { "vm-to-lan", "VM->Net/LAN" },
  { "lan-to-vm", "VM<-Net/LAN" },
};

static const struct
{
  const char *mode;
  const char *title;
} mode_titles[] = {
  { "hostonly", "Host-only" },
  { "intnet", "Internal" },
  { "bridged", "Bridged" },
  { "nat", "NAT" },
  { "natnetwork", "NAT Network" },
};

/* --- parsing ------------------------------------------------------------ */

static gboolean
parse_format (const WbManageArg  *arg,
              MatrixFormat       *format,
              GError            **error)
{
  if (g_str_equal (arg->value, "text"))
    *format = MATRIX_FORMAT_TEXT;
  else if (g_str_equal (arg->value, "json"))
    *format = MATRIX_FORMAT_JSON;
  else
    return _wb_manage_syntax_error (error, "%s takes text or json, not '%s'",
                                    arg->name, arg->value);
  return TRUE;
}

/* "IPv4" or "IPv4:PORT", as RunMatrix's "outside" option takes it; the
 * empty value leaves the Outside unprobed. Checked here so that a typo is
 * a syntax error (exit 2) before any engine starts. */
static gboolean
parse_outside (const WbManageArg  *arg,
               GError            **error)
{
  g_autofree char *address = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *colon;

  if (*arg->value == '\0')
    return TRUE;
  colon = strchr (arg->value, ':');
  address = g_strndup (arg->value,
                       colon != NULL ? (gsize) (colon - arg->value) : strlen (arg->value));
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
    return _wb_manage_syntax_error (error, "%s needs an IPv4 address[:port], not '%s'",
                                    arg->name, arg->value);
  if (colon != NULL &&
      !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, NULL, NULL))
    return _wb_manage_syntax_error (error, "%s needs a port number (1-65535) after ':', not '%s'",
                                    arg->name, colon + 1);
  return TRUE;
}

/* --- text --------------------------------------------------------------- */

/* Columns on a terminal: East Asian wide characters take two, combining
 * marks none. */
static gsize
display_width (const char *text)
{
  gsize width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

/* A table of strings, each row a GStrv of the same length, printed with
 * aligned columns and no trailing blanks. */
static void
append_table (GString   *out,
              GPtrArray *rows)
{
  g_autofree gsize *widths = NULL;
  guint n_columns;

  if (rows->len == 0)
    return;
  n_columns = g_strv_length (g_ptr_array_index (rows, 0));
  widths = g_new0 (gsize, n_columns);
  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);

      for (guint c = 0; c < n_columns; c++)
        widths[c] = MAX (widths[c], display_width (row[c]));
    }

  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      gsize line_start = out->len;

      for (guint c = 0; c < n_columns; c++)
        {
          g_string_append (out, row[c]);
          if (c + 1 == n_columns)
            break;
          for (gsize w = display_width (row[c]); w < widths[c] + 2; w++)
            g_string_append_c (out, ' ');
        }
      while (out->len > line_start && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      g_string_append_c (out, '\n');
    }
}

/* What a result looks like in VirtualBox's table. */
static const char *
result_text (const char *result)
{
  if (g_strcmp0 (result, "port-forward") == 0)
    return "Port forward";
  return result;
}

/* A string the engine sent, made fit for one line of a grid. */
static char *
engine_text (GVariant   *dict,
             const char *key)
{
  return _wb_manage_one_line (_wb_manage_lookup_string (dict, key));
}

static char *
join_rules (GVariant *cell)
{
  g_autoptr(GVariant) rules = _wb_manage_lookup_value (cell, "rules", "as");
  g_autofree const char **strv = NULL;
  g_autofree char *joined = NULL;

  if (rules == NULL)
    return g_strdup ("");
  strv = g_variant_get_strv (rules, NULL);
  joined = g_strjoinv (", ", (char **) strv);
  return _wb_manage_one_line (joined);
}

/* "LABEL (TARGET): REASON via PATH", or for a port forward
 * "LABEL (TARGET): port forward RULES via PATH"; @label says which cell,
 * "FROM -> TO". */
static void
append_explanation (GString    *out,
                    const char *label,
                    GVariant   *cell)
{
  const char *result = _wb_manage_lookup_string (cell, "result");
  g_autofree char *target = engine_text (cell, "target");
  g_autofree char *reason = engine_text (cell, "reason");
  g_autofree char *path = engine_text (cell, "path");
  g_autofree char *rules = join_rules (cell);

  g_string_append (out, label);
  if (*target != '\0')
    g_string_append_printf (out, " (%s)", target);
  g_string_append (out, ": ");
  if (g_str_equal (result, "port-forward"))
    g_string_append_printf (out, "port forward %s", *rules != '\0' ? rules : "(unnamed)");
  else
    g_string_append (out, *reason != '\0' ? reason : "not reachable");
  if (*path != '\0')
    {
      /* Without a route, the path says why there is none (as probe). */
      if (g_str_equal (reason, "no route"))
        g_string_append_printf (out, "; %s", path);
      else
        g_string_append_printf (out, " via %s", path);
    }
  g_string_append_c (out, '\n');
}

static char *
cell_key (const char *from,
          const char *to)
{
  return g_strconcat (from, ">", to, NULL);
}

static void
append_lab_text (GString  *out,
                 GVariant *matrix)
{
  g_autoptr(GVariant) endpoints = _wb_manage_lookup_value (matrix, "endpoints", "aa{sv}");
  g_autoptr(GVariant) cells = _wb_manage_lookup_value (matrix, "cells", "aa{sv}");
  g_autoptr(GHashTable) by_pair = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                         g_free, (GDestroyNotify) g_variant_unref);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) kinds = g_ptr_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GString) explanations = g_string_new (NULL);
  g_autofree char *outside = engine_text (matrix, "outside");
  gsize n_endpoints = endpoints != NULL ? g_variant_n_children (endpoints) : 0;
  gsize n_cells = cells != NULL ? g_variant_n_children (cells) : 0;
  char **header;

  for (gsize i = 0; i < n_endpoints; i++)
    {
      g_autoptr(GVariant) endpoint = g_variant_get_child_value (endpoints, i);

      g_ptr_array_add (ids, (gpointer) _wb_manage_lookup_string (endpoint, "id"));
      g_ptr_array_add (kinds, (gpointer) _wb_manage_lookup_string (endpoint, "kind"));
      g_ptr_array_add (names, engine_text (endpoint, "name"));
    }
  for (gsize i = 0; i < n_cells; i++)
    {
      GVariant *cell = g_variant_get_child_value (cells, i);

      g_hash_table_replace (by_pair,
                            cell_key (_wb_manage_lookup_string (cell, "from"),
                                      _wb_manage_lookup_string (cell, "to")),
                            cell);
    }

  /* Rows are the sources (everything but the Outside), columns every
   * destination; a pair the matrix does not probe stays blank. */
  header = g_new0 (char *, n_endpoints + 2);
  header[0] = g_strdup ("From \\ To");
  for (gsize c = 0; c < n_endpoints; c++)
    header[c + 1] = g_strdup (g_ptr_array_index (names, c));
  g_ptr_array_add (rows, header);
  for (gsize r = 0; r < n_endpoints; r++)
    {
      char **row;

      if (g_str_equal (g_ptr_array_index (kinds, r), "outside"))
        continue;
      row = g_new0 (char *, n_endpoints + 2);
      row[0] = g_strdup (g_ptr_array_index (names, r));
      for (gsize c = 0; c < n_endpoints; c++)
        {
          g_autofree char *key = cell_key (g_ptr_array_index (ids, r),
                                           g_ptr_array_index (ids, c));
          GVariant *cell = g_hash_table_lookup (by_pair, key);
          const char *result = cell != NULL ? _wb_manage_lookup_string (cell, "result") : "";

          row[c + 1] = _wb_manage_one_line (result_text (result));
          if (g_str_equal (result, "-") || g_str_equal (result, "port-forward"))
            {
              g_autofree char *label = g_strdup_printf ("%s -> %s", row[0],
                                                        (char *) g_ptr_array_index (names, c));

              append_explanation (explanations, label, cell);
            }
        }
      g_ptr_array_add (rows, row);
    }

  append_table (out, rows);
  g_string_append (out,
                   "\n"
                   "+ reachable, Port forward: reachable only through a port forward,\n"
                   "- not reachable, not probed: no Outside target (--outside).\n");
  if (*outside != '\0')
    g_string_append_printf (out, "Outside: %s\n", outside);
  if (!_wb_manage_lookup_boolean (matrix, "complete"))
    g_string_append_printf (out, "Still probing: %u of %u cells done.\n",
                            _wb_manage_lookup_uint (matrix, "done"),
                            _wb_manage_lookup_uint (matrix, "total"));
  if (explanations->len > 0)
    g_string_append_printf (out, "\n%s", explanations->str);
}

static const char *
mode_title (const char *mode)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mode_titles); i++)
    if (g_str_equal (mode_titles[i].mode, mode))
      return mode_titles[i].title;
  return mode;
}

/* The five columns of every mode, measured (@expected FALSE) or as
 * VirtualBox's table has them. */
static void
append_modes_table (GString  *out,
                    GVariant *modes,
                    gboolean  expected)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  gsize n_modes = g_variant_n_children (modes);
  char **header = g_new0 (char *, G_N_ELEMENTS (mode_columns) + 2);

  header[0] = g_strdup ("Mode");
  for (gsize c = 0; c < G_N_ELEMENTS (mode_columns); c++)
    header[c + 1] = g_strdup (mode_columns[c].title);
  g_ptr_array_add (rows, header);

  for (gsize r = 0; r < n_modes; r++)
    {
      g_autoptr(GVariant) mode = g_variant_get_child_value (modes, r);
      g_autoptr(GVariant) table = _wb_manage_lookup_value (mode, "expected", "a{ss}");
      g_autofree char *name = engine_text (mode, "mode");
      char **row = g_new0 (char *, G_N_ELEMENTS (mode_columns) + 2);

      row[0] = g_strdup (mode_title (name));
      for (gsize c = 0; c < G_N_ELEMENTS (mode_columns); c++)
        {
          const char *value = "";

          if (!expected)
            value = _wb_manage_lookup_string (mode, mode_columns[c].key);
          else if (table != NULL)
            g_variant_lookup (table, mode_columns[c].key, "&s", &value);
          row[c + 1] = _wb_manage_one_line (result_text (value));
        }
      g_ptr_array_add (rows, row);
    }
  append_table (out, rows);
}

static void
append_modes_text (GString  *out,
                   GVariant *result)
{
  g_autoptr(GVariant) modes = _wb_manage_lookup_value (result, "modes", "aa{sv}");
  g_autoptr(GVariant) findings = _wb_manage_lookup_value (result, "findings", "as");
  g_autoptr(GString) evidence = g_string_new (NULL);
  g_autofree char *fault = engine_text (result, "fault");
  gsize n_findings = findings != NULL ? g_variant_n_children (findings) : 0;
  gboolean differs = FALSE;

  if (modes == NULL)
    modes = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));

  append_modes_table (out, modes, FALSE);

  /* For each measured cell that differs from VirtualBox's: what was
   * probed and why it came out so. */
  for (gsize r = 0; r < g_variant_n_children (modes); r++)
    {
      g_autoptr(GVariant) mode = g_variant_get_child_value (modes, r);
      g_autoptr(GVariant) table = _wb_manage_lookup_value (mode, "expected", "a{ss}");
      g_autoptr(GVariant) cells = _wb_manage_lookup_value (mode, "evidence", "a{sa{sv}}");
      g_autofree char *name = engine_text (mode, "mode");

      for (gsize c = 0; c < G_N_ELEMENTS (mode_columns); c++)
        {
          const char *measured = _wb_manage_lookup_string (mode, mode_columns[c].key);
          const char *wanted = NULL;
          g_autoptr(GVariant) cell = NULL;
          g_autofree char *label = NULL;

          if (table == NULL ||
              !g_variant_lookup (table, mode_columns[c].key, "&s", &wanted) ||
              g_str_equal (wanted, measured))
            continue;
          differs = TRUE;
          if (cells != NULL)
            cell = g_variant_lookup_value (cells, mode_columns[c].key, G_VARIANT_TYPE_VARDICT);
          if (cell == NULL)
            continue;
          /* The column says which way; the throwaway lab's endpoint
           * ids would say nothing more. */
          label = g_strdup_printf ("  %s, %s", mode_title (name), mode_columns[c].title);
          append_explanation (evidence, label, cell);
        }
    }

  if (differs)
    {
      g_string_append (out, "\nVirtualBox's table:\n");
      append_modes_table (out, modes, TRUE);
    }

  g_string_append_c (out, '\n');
  if (n_findings == 0)
    g_string_append (out, "Matches VirtualBox's table.\n");
  for (gsize i = 0; i < n_findings; i++)
    {
      const char *finding = NULL;
      g_autofree char *line = NULL;

      g_variant_get_child (findings, i, "&s", &finding);
      line = _wb_manage_one_line (finding);
      g_string_append_printf (out, "%s\n", line);
    }
  if (evidence->len > 0)
    g_string_append_printf (out, "Evidence:\n%s", evidence->str);
  if (*fault != '\0')
    g_string_append_printf (out, "Test fault in force: %s\n", fault);
}

/* --- JSON --------------------------------------------------------------- */

static void
add_string (JsonBuilder *builder,
            const char  *member,
            GVariant    *dict,
            const char  *key)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, _wb_manage_lookup_string (dict, key));
}

static void
add_strv (JsonBuilder *builder,
          const char  *member,
          GVariant    *dict,
          const char  *key)
{
  g_autoptr(GVariant) strv = _wb_manage_lookup_value (dict, key, "as");

  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (gsize i = 0; strv != NULL && i < g_variant_n_children (strv); i++)
    {
      const char *value = NULL;

      g_variant_get_child (strv, i, "&s", &value);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_array (builder);
}

/* @key of @dict as JSON (json-glib's mapping of GVariant), or an empty
 * object when the engine left it out. */
static void
add_serialized (JsonBuilder *builder,
                const char  *member,
                GVariant    *dict,
                const char  *key,
                const char  *type)
{
  g_autoptr(GVariant) value = _wb_manage_lookup_value (dict, key, type);

  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_value (builder, json_gvariant_serialize (value));
  else
    {
      json_builder_begin_object (builder);
      json_builder_end_object (builder);
    }
}

static void
build_lab_json (JsonBuilder *builder,
                GVariant    *matrix)
{
  g_autoptr(GVariant) endpoints = _wb_manage_lookup_value (matrix, "endpoints", "aa{sv}");
  g_autoptr(GVariant) cells = _wb_manage_lookup_value (matrix, "cells", "aa{sv}");
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "generation");
  json_builder_add_int_value (builder, _wb_manage_lookup_uint (matrix, "generation"));
  json_builder_set_member_name (builder, "complete");
  json_builder_add_boolean_value (builder, _wb_manage_lookup_boolean (matrix, "complete"));
  json_builder_set_member_name (builder, "done");
  json_builder_add_int_value (builder, _wb_manage_lookup_uint (matrix, "done"));
  json_builder_set_member_name (builder, "total");
  json_builder_add_int_value (builder, _wb_manage_lookup_uint (matrix, "total"));
  add_string (builder, "outside", matrix, "outside");

  json_builder_set_member_name (builder, "endpoints");
  json_builder_begin_array (builder);
  for (gsize i = 0; endpoints != NULL && i < g_variant_n_children (endpoints); i++)
    {
      g_autoptr(GVariant) endpoint = g_variant_get_child_value (endpoints, i);

      /* The strings stay valid as long as @endpoints does. */
      g_hash_table_replace (names,
                            (gpointer) _wb_manage_lookup_string (endpoint, "id"),
                            (gpointer) _wb_manage_lookup_string (endpoint, "name"));
      json_builder_begin_object (builder);
      add_string (builder, "id", endpoint, "id");
      add_string (builder, "kind", endpoint, "kind");
      add_string (builder, "name", endpoint, "name");
      add_strv (builder, "addresses", endpoint, "addresses");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "cells");
  json_builder_begin_array (builder);
  for (gsize i = 0; cells != NULL && i < g_variant_n_children (cells); i++)
    {
      g_autoptr(GVariant) cell = g_variant_get_child_value (cells, i);
      const char *from_name = g_hash_table_lookup (names, _wb_manage_lookup_string (cell, "from"));
      const char *to_name = g_hash_table_lookup (names, _wb_manage_lookup_string (cell, "to"));

      json_builder_begin_object (builder);
      add_string (builder, "id", cell, "id");
      add_string (builder, "from", cell, "from");
      add_string (builder, "to", cell, "to");
      /* Endpoint ids are exact; names are what a reader knows. */
      json_builder_set_member_name (builder, "from-name");
      json_builder_add_string_value (builder, from_name != NULL ? from_name : "");
      json_builder_set_member_name (builder, "to-name");
      json_builder_add_string_value (builder, to_name != NULL ? to_name : "");
      add_string (builder, "result", cell, "result");
      add_string (builder, "reason", cell, "reason");
      add_string (builder, "path", cell, "path");
      add_strv (builder, "rules", cell, "rules");
      add_string (builder, "target", cell, "target");
      add_string (builder, "detail", cell, "detail");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
build_modes_json (JsonBuilder *builder,
                  GVariant    *result)
{
  g_autoptr(GVariant) modes = _wb_manage_lookup_value (result, "modes", "aa{sv}");

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "modes");
  json_builder_begin_array (builder);
  for (gsize i = 0; modes != NULL && i < g_variant_n_children (modes); i++)
    {
      g_autoptr(GVariant) mode = g_variant_get_child_value (modes, i);

      json_builder_begin_object (builder);
      add_string (builder, "mode", mode, "mode");
      for (gsize c = 0; c < G_N_ELEMENTS (mode_columns); c++)
        add_string (builder, mode_columns[c].key, mode, mode_columns[c].key);
      add_serialized (builder, "expected", mode, "expected", "a{ss}");
      add_serialized (builder, "evidence", mode, "evidence", "a{sa{sv}}");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  add_strv (builder, "findings", result, "findings");
  add_string (builder, "fault", result, "fault");
  json_builder_end_object (builder);
}

static void
append_json (GString     *out,
             JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_string_append_printf (out, "%s\n", text);
}

/* --- the call ----------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  GVariant  *result;
  GError    *error;
  gboolean   modes;
  gsize      progress_len; /* of the progress line on stderr */
} MatrixCall;

static void
on_progress_cb (GDBusConnection *connection,
                const char      *sender,
                const char      *object_path,
                const char      *interface_name,
                const char      *signal_name,
                GVariant        *parameters,
                gpointer         user_data)
{
  MatrixCall *call = user_data;
  g_autofree char *line = NULL;
  guint done = 0;
  guint total = 0;

  if (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uuu)")))
    g_variant_get (parameters, "(uuu)", NULL, &done, &total);
  else if (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    g_variant_get (parameters, "(uu)", &done, &total);
  else
    return;

  if (call->modes)
    line = g_strdup_printf ("\rMeasuring the modes: %u of %u", done, total);
  else
    line = g_strdup_printf ("\rProbing: %u of %u cells", done, total);
  call->progress_len = MAX (call->progress_len, strlen (line));
  fputs (line, stderr);
  fflush (stderr);
}

static void
on_call_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  MatrixCall *call = user_data;
  WbDBusEngine *engine = WB_DBUS_ENGINE (source);

  if (call->modes)
    wb_dbus_engine_call_run_modes_matrix_finish (engine, &call->result, result, &call->error);
  else
    wb_dbus_engine_call_run_matrix_finish (engine, &call->result, result, &call->error);
  g_main_loop_quit (call->loop);
}

/* Runs RunMatrix or RunModesMatrix. It takes as long as the probes take,
 * so there is no D-Bus time-out; on a terminal, stderr shows the engine's
 * progress meanwhile. */
static GVariant *
run_matrix (WbDBusEngine  *engine,
            gboolean       modes,
            GVariant      *options,
            GError       **error)
{
  GDBusConnection *connection = g_dbus_proxy_get_connection (G_DBUS_PROXY (engine));
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  MatrixCall call = { loop, NULL, NULL, modes, 0 };
  guint subscription = 0;

  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (engine), G_MAXINT);
  if (isatty (STDERR_FILENO))
    subscription = g_dbus_connection_signal_subscribe (connection, NULL, ENGINE_INTERFACE,
                                                       modes ? "ModesProgress" : "MatrixProgress",
                                                       g_dbus_proxy_get_object_path (G_DBUS_PROXY (engine)),
                                                       NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                       on_progress_cb, &call, NULL);

  if (modes)
    wb_dbus_engine_call_run_modes_matrix (engine, options, NULL, on_call_done_cb, &call);
  else
    wb_dbus_engine_call_run_matrix (engine, options, NULL, on_call_done_cb, &call);
  g_main_loop_run (loop);

  if (subscription != 0)
    g_dbus_connection_signal_unsubscribe (connection, subscription);
  if (call.progress_len > 0)
    {
      /* Clears the progress line. */
      g_printerr ("\r%*s\r", (int) call.progress_len, "");
    }

  if (call.error != NULL)
    {
      g_propagate_error (error, call.error);
      return NULL;
    }
  return call.result;
}

gboolean
_wb_manage_matrix (int      argc,
                   char   **argv,
                   GError **error)
{
  static const WbManageOption options[] = {
    { "--modes", NULL, "modes", WB_MANAGE_OPTION_FLAG, NULL },
    { "--format", NULL, "format", WB_MANAGE_OPTION_VALUE, "text|json" },
    { "--outside", NULL, "outside", WB_MANAGE_OPTION_VALUE, "<ipv4>[:<port>]" },
    { NULL }
  };
  g_auto(WbManageArgs) args = { 0 };
  g_auto(GVariantBuilder) call_options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  WbManageArg arg;
  MatrixFormat format = MATRIX_FORMAT_TEXT;
  gboolean modes = FALSE;
  const char *outside = NULL;

  _wb_manage_args_init (&args, argc - 1, argv + 1, options, NULL);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option == NULL)
        return _wb_manage_syntax_error (error, "matrix takes no arguments, not '%s'",
                                        arg.value);
      else if (g_str_equal (arg.option->key, "modes"))
        modes = TRUE;
      else if (g_str_equal (arg.option->key, "format"))
        {
          if (!parse_format (&arg, &format, error))
            return FALSE;
        }
      else
        {
          if (!parse_outside (&arg, error))
            return FALSE;
          outside = arg.value;
        }
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (modes && outside != NULL)
    return _wb_manage_syntax_error (error, "--outside is for the lab's matrix, not --modes");

  if (outside != NULL)
    g_variant_builder_add (&call_options, "{sv}", "outside", g_variant_new_string (outside));

  engine = _wb_manage_connect (error);
  if (engine == NULL)
    return FALSE;
  result = run_matrix (engine, modes, g_variant_builder_end (&call_options), error);
  if (result == NULL)
    return FALSE;

  if (format == MATRIX_FORMAT_JSON)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      if (modes)
        build_modes_json (builder, result);
      else
        build_lab_json (builder, result);
      append_json (out, builder);
    }
  else if (modes)
    append_modes_text (out, result);
  else
    append_lab_text (out, result);

  _wb_manage_print (out);
  return TRUE;
}
