/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wirebox-manage probe FROM TO [--tcp PORT]: one probe by the engine
 * (its Probe method), one line out, exit 0 if reachable and 1 if not.
 */
#include "wb-manage-probe.h"

#include <stdio.h>
#include <stdlib.h>

#include "wb-manage-private.h"

/* The engine answers within its time-out (seconds); this is only a
 * bound for an engine that does not answer at all. */
#define PROBE_CALL_TIMEOUT_MS  (60 * 1000)

static gboolean
parse_port (const WbManageArg  *arg,
            guint16            *port,
            GError            **error)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (arg->value, 10, 1, G_MAXUINT16, &value, NULL))
    return _wb_manage_syntax_error (error, "%s needs a port number (1-65535), not '%s'",
                                    arg->name, arg->value);
  *port = (guint16) value;
  return TRUE;
}

/* "VM2 -> VM3: reachable (icmp ok, tcp 22 ok) via adapter 1, internal
 * network 'intnet'" */
static char *
describe (const char *from,
          const char *to,
          GVariant   *result)
{
  g_autoptr(GString) line = g_string_new (NULL);
  const char *reachable = _wb_manage_lookup_string (result, "reachable");
  const char *reason = _wb_manage_lookup_string (result, "reason");
  const char *path = _wb_manage_lookup_string (result, "path");
  const char *from_router = _wb_manage_lookup_string (result, "unreachable-from");
  guint32 port = _wb_manage_lookup_uint (result, "tcp-port");

  g_string_append_printf (line, "%s -> %s: ", from, to);
  if (g_strcmp0 (reachable, "+") == 0)
    g_string_append (line, "reachable");
  else
    g_string_append_printf (line, "unreachable: %s", reason != NULL ? reason : "unknown");
  g_string_append_printf (line, " (icmp %s", _wb_manage_lookup_string (result, "icmp"));
  if (port != 0)
    g_string_append_printf (line, ", tcp %u %s", port, _wb_manage_lookup_string (result, "tcp"));
  if (from_router != NULL && *from_router != '\0')
    g_string_append_printf (line, "; unreachable from %s", from_router);
  g_string_append_c (line, ')');
  if (path != NULL && *path != '\0')
    {
      /* Without a route, the path says why there is none. */
      if (g_strcmp0 (reason, "no route") == 0)
        g_string_append_printf (line, "; %s", path);
      else
        g_string_append_printf (line, " via %s", path);
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

gboolean
_wb_manage_probe (int      argc,
                  char   **argv,
                  GError **error)
{
  static const WbManageOption options[] = {
    { "--tcp", NULL, "tcp", WB_MANAGE_OPTION_VALUE, "<port>" },
    { NULL }
  };
  g_auto(WbManageArgs) args = { 0 };
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *line = NULL;
  WbManageArg arg;
  const char *from = NULL;
  const char *to = NULL;
  guint16 port = 0;

  _wb_manage_args_init (&args, argc - 1, argv + 1, options, NULL);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option != NULL)
        {
          if (!parse_port (&arg, &port, error))
            return FALSE;
        }
      else if (from == NULL)
        from = arg.value;
      else if (to == NULL)
        to = arg.value;
      else
        return _wb_manage_syntax_error (error, "probe takes two endpoints, not '%s'",
                                        arg.value);
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (from == NULL || to == NULL)
    return _wb_manage_syntax_error (error, "probe needs a source VM and a target");

  engine = _wb_manage_connect (error);
  if (engine == NULL)
    return FALSE;
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (engine), PROBE_CALL_TIMEOUT_MS);
  if (!wb_dbus_engine_call_probe_sync (engine, from, to, port, &result, NULL, error))
    return FALSE;

  line = describe (from, to, result);
  puts (line);
  fflush (stdout);
  if (g_strcmp0 (_wb_manage_lookup_string (result, "reachable"), "+") != 0)
    return _wb_manage_exit (error, 1, NULL);
  return TRUE;
}
