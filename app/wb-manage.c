/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wirebox-manage's dispatcher, its one option parser, connecting to the
 * engine, and errors as VBoxManage reports them: one line on stderr, exit 1
 * on failure and 2 on a syntax error.
 */
#include "wb-manage.h"
#include "wb-manage-private.h"
#include "wb-manage-probe.h"

#include <stdio.h>
#include <string.h>

#include "wb-client.h"
#include "wb-error.h"

G_DEFINE_QUARK (wb-manage-error-quark, _wb_manage_error)
G_DEFINE_QUARK (wb-manage-exit-quark, _wb_manage_exit)

#define USAGE_INDENT "                        "
#define USAGE_WIDTH 78

typedef struct
{
  const char           *name;
  WbManageCommandFunc   run;
  const char           *usage;
  const WbManageOption *options; /* listed after @usage, one per line */
} WbManageCommand;

static gboolean list_command (int argc, char **argv, GError **error);

static const WbManageCommand commands[] = {
  { "list", list_command,
    "wirebox-manage list [--long|-l] [--sorted|-s]\n"
    USAGE_INDENT "vms|runningvms|natnets|hostonlyifs|bridgedifs|intnets|\n"
    USAGE_INDENT "dhcpservers\n",
    NULL },
  { "showvminfo", _wb_manage_showvminfo,
    "wirebox-manage showvminfo <uuid|vmname> [--details] [--machinereadable]\n",
    NULL },
  { "createvm", _wb_manage_createvm,
    "wirebox-manage createvm --name <name> [--register]\n"
    USAGE_INDENT "[--basefolder <path>] [--ostype <ostype>]\n",
    NULL },
  { "unregistervm", _wb_manage_unregistervm,
    "wirebox-manage unregistervm <uuid|vmname> [--delete]\n",
    NULL },
  { "modifyvm", _wb_manage_modifyvm,
    "wirebox-manage modifyvm <uuid|vmname>\n",
    _wb_manage_modifyvm_options },
  { "startvm", _wb_manage_startvm,
    "wirebox-manage startvm <uuid|vmname>... [--type gui|headless|sdl|separate]\n",
    NULL },
  { "controlvm", _wb_manage_controlvm,
    "wirebox-manage controlvm <uuid|vmname>\n"
    USAGE_INDENT "poweroff|reset|\n"
    USAGE_INDENT "nic<1-N> null|nat|bridged|intnet|hostonly|generic|\n"
    USAGE_INDENT "         natnetwork [<network>|<devicename>|<driver>]|\n"
    USAGE_INDENT "setlinkstate<1-N> on|off|\n"
    USAGE_INDENT "nicpromisc<1-N> deny|allow-vms|allow-all|\n"
    USAGE_INDENT "nictrace<1-N> on|off|\n"
    USAGE_INDENT "nictracefile<1-N> <filename>|\n"
    USAGE_INDENT "nicproperty<1-N> <name>=[<value>]\n"
    "\n"
    "  <1-N> is the adapter slot, 1 to " G_STRINGIFY (WB_MANAGE_N_SLOTS)
    ". A change is in effect when the\n"
    "  command returns, and is saved as modifyvm would save it.\n",
    NULL },
  { "guestconfig", _wb_manage_guestconfig,
    "wirebox-manage guestconfig <uuid|vmname>\n",
    _wb_manage_guestconfig_options },
  { "guestcontrol", _wb_manage_guestcontrol,
    "wirebox-manage guestcontrol <uuid|vmname> run [--exe <program>]\n"
    USAGE_INDENT "[--timeout <msec>] [--username <name>]\n"
    USAGE_INDENT "[--password <password>|--passwordfile <file>]\n"
    USAGE_INDENT "[--] <program> [<argument>...]\n"
    "\n"
    "  The guest's programs: ping [-c <count>] [-i <interval>] [-s <size>]\n"
    "  [-W <timeout>] <host>, tcp <host> <port>, http <url>, ip addr, ip route,\n"
    "  arp, dhcp renew. wirebox-manage prints what the program wrote and exits\n"
    "  with its status; after --timeout it gives up with status 20. The user name,\n"
    "  password and domain are accepted and ignored.\n",
    NULL },
  { "guestproperty", _wb_manage_guestproperty,
    "wirebox-manage guestproperty get <uuid|vmname> <property> [--verbose]\n"
    "wirebox-manage guestproperty enumerate <uuid|vmname> [--old-format]\n"
    USAGE_INDENT "[<pattern>...]\n"
    "wirebox-manage guestproperty wait <uuid|vmname> <pattern> [--timeout <msec>]\n"
    USAGE_INDENT "[--fail-on-timeout]\n"
    "\n"
    "  Patterns use * and ?, and | between alternatives. enumerate prints\n"
    "  VirtualBox's older format, 'Name: <name>, value: <value>, timestamp: 0,\n"
    "  flags: ' (Wirebox keeps no timestamps or flags). wait returns at once if a\n"
    "  matching property has a value; on timeout it exits 1 (2 with\n"
    "  --fail-on-timeout).\n",
    NULL },
  { "probe", _wb_manage_probe,
    "wirebox-manage probe <uuid|vmname> <vmname>|<ipv4>|host [--tcp <port>]\n"
    "\n"
    "  Wirebox: from inside the running VM, an ICMP echo and a TCP connect to\n"
    "  <port> (default 22, the guests' SSH banner). 'host' is the host as the\n"
    "  VM's mode reaches it; a VM name means its address on a shared network.\n"
    "  Prints one line; exits 0 if the port answered, 1 if not.\n",
    NULL },
  { "matrix", _wb_manage_matrix,
    "wirebox-manage matrix [--modes] [--format text|json]\n"
    USAGE_INDENT "[--outside <ipv4>[:<port>]]\n"
    "\n"
    "  Wirebox: the connectivity matrix of the running VMs. Every pair of\n"
    "  endpoints (the VMs, the Host, the Net/LAN and the Outside) is probed for\n"
    "  real, an ICMP echo and a TCP connect; a cell reads +, Port forward (only\n"
    "  through a forward, which is named), - (with the reason) or not probed.\n"
    "  The Net/LAN is a stand-in at 198.51.100.1 behind every way out of the\n"
    "  lab; the Outside is probed only when --outside names a target (kept for\n"
    "  later runs), and only that target may take probes off this machine.\n"
    "  --modes measures the five modes in a throwaway lab of their own and\n"
    "  compares them with VirtualBox's table (Host-only, Internal, Bridged,\n"
    "  NAT, NAT Network). --format json prints JSON alone on stdout. The\n"
    "  command waits as long as the probes take.\n",
    NULL },
  { "natnetwork", _wb_manage_natnetwork,
    "wirebox-manage natnetwork add --netname <name> --network <network>\n"
    USAGE_INDENT "[--enable|--disable] [--dhcp on|off] [--ipv6 on|off]\n"
    USAGE_INDENT "[--port-forward-4 <rule>] [--loopback-4 <mapping>]\n"
    "wirebox-manage natnetwork modify --netname <name> [--network <network>]\n"
    USAGE_INDENT "[--enable|--disable] [--dhcp on|off] [--ipv6 on|off]\n"
    USAGE_INDENT "[--port-forward-4 <rule>] [--port-forward-4 delete <rulename>]\n"
    USAGE_INDENT "[--loopback-4 <mapping>] [--loopback-4 delete <address>]\n"
    "wirebox-manage natnetwork remove --netname <name>\n"
    "wirebox-manage natnetwork start --netname <name>\n"
    "wirebox-manage natnetwork stop --netname <name>\n"
    "wirebox-manage natnetwork list [<filter-pattern>]\n"
    "\n"
    "  <rule> is [<name>]:tcp|udp:[<hostip>]:<hostport>:[<guestip>]:<guestport>\n"
    "  (square brackets literal), <mapping> is 127.0.0.1=<offset>.\n"
    "  --ipv4-prefix is another name for --network, --ipv6-enable for --ipv6.\n",
    NULL },
  { "hostonlyif", _wb_manage_hostonlyif,
    "wirebox-manage hostonlyif ipconfig <ifname> --ip <ipv4> [--netmask <ipv4>]\n"
    "wirebox-manage hostonlyif create\n"
    "wirebox-manage hostonlyif remove <ifname>\n"
    "wirebox-manage hostonlyif relay <ifname> on|off\n"
    "    (Wirebox: whether the VMs' TCP and UDP to the interface's address\n"
    "    reach this host's 127.0.0.1; on by default)\n",
    NULL },
  { "dhcpserver", _wb_manage_dhcpserver,
    "wirebox-manage dhcpserver add --network <name> | --interface <ifname>\n"
    USAGE_INDENT "--server-ip <address> --netmask <mask>\n"
    USAGE_INDENT "--lower-ip <address> --upper-ip <address>\n"
    USAGE_INDENT "[--enable|--disable]\n"
    "wirebox-manage dhcpserver modify --network <name> | --interface <ifname>\n"
    USAGE_INDENT "[--server-ip <address>] [--netmask <mask>]\n"
    USAGE_INDENT "[--lower-ip <address>] [--upper-ip <address>]\n"
    USAGE_INDENT "[--enable|--disable]\n"
    "wirebox-manage dhcpserver remove --network <name> | --interface <ifname>\n"
    "\n"
    "  --interface vboxnet0 names the network HostInterfaceNetworking-vboxnet0.\n"
    "  Older spellings: --netname, --ifname, --ip, --lowerip, --upperip.\n",
    NULL },
};

/* VBoxManage commands that Wirebox does not implement. */
static const char * const unsupported_commands[] = {
  "clonevm", "movevm", "encryptvm", "registervm",
  "snapshot", "closemedium", "storagectl", "storageattach", "import",
  "export", "discardstate", "adoptstate", "showmediuminfo", "showhdinfo",
  "showvdiinfo", "createmedium", "createhd", "createvdi", "modifymedium",
  "modifyhd", "modifyvdi", "clonemedium", "clonehd", "clonevdi",
  "mediumproperty", "encryptmedium", "checkmediumpwd", "convertfromraw",
  "mediumio", "getextradata", "setextradata", "setproperty", "usbfilter",
  "sharedfolder", "metrics", "cloud",
  "cloudprofile", "debugvm", "extpack", "unattended", "bandwidthctl",
  "usbdevsource", "updatecheck", "modifynvram", "signova", "hostonlynet",
  "internalcommands", "convertdd", "convertvdi",
  NULL
};

typedef struct
{
  const char       *name;
  WbManageListFunc  list;
} WbManageListType;

static const WbManageListType list_types[] = {
  { "vms", _wb_manage_list_vms },
  { "runningvms", _wb_manage_list_running_vms },
  { "natnets", _wb_manage_list_natnets },
  { "natnetworks", _wb_manage_list_natnets },
  { "hostonlyifs", _wb_manage_list_hostonlyifs },
  { "bridgedifs", _wb_manage_list_bridgedifs },
  { "hostifs", _wb_manage_list_bridgedifs },
  { "intnets", _wb_manage_list_intnets },
  { "dhcpservers", _wb_manage_list_dhcpservers },
};

static const char * const unsupported_list_types[] = {
  "ostypes", "ossubtypes", "hostdvds", "hostfloppies",
  "hostonlynets", "cloudnets", "hostinfo", "hostcpuids", "hddbackends",
  "hdds", "dvds", "floppies", "usbhost", "usbfilters", "systemproperties",
  "updates", "extpacks", "groups", "webcams", "screenshotformats",
  "cloudproviders", "cloudprofiles", "cpu-profiles", "hostdrives",
  "execution-engines",
  NULL
};

gboolean
_wb_manage_syntax_error (GError     **error,
                         const char  *format,
                         ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, WB_MANAGE_ERROR, WB_MANAGE_ERROR_SYNTAX,
                       message);
  return FALSE;
}

/* A VBoxManage feature Wirebox lacks: a failure (exit 1), not a syntax
 * error, since the command line itself is right. */
gboolean
_wb_manage_not_supported (GError     **error,
                          const char  *what)
{
  g_set_error (error, WB_ERROR, WB_ERROR_NOT_SUPPORTED,
               "'%s' is not supported by Wirebox", what);
  return FALSE;
}

void
_wb_manage_args_init (WbManageArgs          *args,
                      int                    argc,
                      char                 **argv,
                      const WbManageOption  *options,
                      const char * const    *unsupported)
{
  static const WbManageOption no_options[] = { { NULL } };

  memset (args, 0, sizeof *args);
  args->argc = argc;
  args->argv = argv;
  args->options = options != NULL ? options : no_options;
  args->unsupported = unsupported;
}

void
_wb_manage_args_clear (WbManageArgs *args)
{
  g_clear_pointer (&args->name, g_free);
  g_clear_error (&args->error);
}

/* Whether @written is @name followed by one or more digits; the digits are
 * the slot (clamped, so that a huge one still reaches the engine's check). */
gboolean
_wb_manage_match_slot (const char *written,
                       const char *name,
                       guint32    *slot)
{
  gsize len;
  guint64 value = 0;

  if (name == NULL || !g_str_has_prefix (written, name))
    return FALSE;
  len = strlen (name);
  if (written[len] == '\0')
    return FALSE;
  for (const char *p = written + len; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = MIN (value * 10 + (guint64) (*p - '0'), (guint64) G_MAXUINT32);
    }
  *slot = (guint32) value;
  return TRUE;
}

static const WbManageOption *
find_option (const WbManageOption *options,
             const char           *written,
             guint32              *slot)
{
  for (const WbManageOption *option = options; option->name != NULL; option++)
    {
      if (option->flags & WB_MANAGE_OPTION_SLOT)
        {
          if (_wb_manage_match_slot (written, option->name, slot) ||
              _wb_manage_match_slot (written, option->alias, slot))
            return option;
        }
      else if (g_strcmp0 (written, option->name) == 0 ||
               g_strcmp0 (written, option->alias) == 0)
        return option;
    }

  return NULL;
}

/* Explains an option that is not in the table: a VBoxManage option Wirebox
 * lacks, a slot option without its number, or an unknown word. */
static void
set_unknown_option_error (WbManageArgs *args,
                          const char   *written)
{
  g_autofree char *stem = g_strdup (written);
  gsize len = strlen (stem);

  while (len > 0 && g_ascii_isdigit (stem[len - 1]))
    stem[--len] = '\0';

  for (const WbManageOption *option = args->options; option->name != NULL; option++)
    {
      if ((option->flags & WB_MANAGE_OPTION_SLOT) &&
          (g_strcmp0 (written, option->name) == 0 ||
           g_strcmp0 (written, option->alias) == 0))
        {
          _wb_manage_syntax_error (&args->error,
                                   "option '%s' needs an adapter number, e.g. '%s1'",
                                   written, written);
          return;
        }
    }

  if (args->unsupported != NULL &&
      (g_strv_contains (args->unsupported, written) ||
       g_strv_contains (args->unsupported, stem)))
    {
      _wb_manage_syntax_error (&args->error,
                               "option '%s' is not supported by Wirebox",
                               written);
      return;
    }

  _wb_manage_syntax_error (&args->error, "unknown option '%s'", written);
}

/* Takes the next argument. Values may follow as "--opt value",
 * "--opt=value" or "--opt:value". Returns FALSE at the end and on an error,
 * which _wb_manage_args_finish() then reports. */
gboolean
_wb_manage_args_next (WbManageArgs *args,
                      WbManageArg  *arg)
{
  const char *token;
  const char *inline_value = NULL;
  gsize name_len;

  memset (arg, 0, sizeof *arg);
  if (args->error != NULL || args->next >= args->argc)
    return FALSE;

  token = args->argv[args->next++];
  if (!args->positional_only && g_str_equal (token, "--"))
    {
      args->positional_only = TRUE;
      return _wb_manage_args_next (args, arg);
    }
  if (args->positional_only || token[0] != '-' || token[1] == '\0')
    {
      arg->value = token;
      return TRUE;
    }
  if (g_str_equal (token, "--help") || g_str_equal (token, "-h"))
    {
      g_set_error_literal (&args->error, WB_MANAGE_ERROR,
                           WB_MANAGE_ERROR_HELP, "help");
      return FALSE;
    }

  name_len = strcspn (token, "=:");
  if (token[name_len] != '\0')
    inline_value = token + name_len + 1;
  g_free (args->name);
  args->name = g_strndup (token, name_len);
  arg->name = args->name;

  arg->option = find_option (args->options, args->name, &arg->slot);
  if (arg->option == NULL)
    {
      set_unknown_option_error (args, args->name);
      return FALSE;
    }

  if (!(arg->option->flags & WB_MANAGE_OPTION_VALUE))
    {
      if (inline_value != NULL)
        {
          _wb_manage_syntax_error (&args->error,
                                   "option '%s' takes no value", arg->name);
          return FALSE;
        }
      return TRUE;
    }

  if (inline_value != NULL)
    arg->value = inline_value;
  else if (args->next < args->argc)
    arg->value = args->argv[args->next++];
  else
    {
      _wb_manage_syntax_error (&args->error,
                               "option '%s' needs a value", arg->name);
      return FALSE;
    }

  if ((arg->option->flags & WB_MANAGE_OPTION_DELETE) &&
      g_str_equal (arg->value, "delete"))
    {
      if (args->next >= args->argc)
        {
          _wb_manage_syntax_error (&args->error,
                                   "'%s delete' needs the name to delete",
                                   arg->name);
          return FALSE;
        }
      arg->delete = TRUE;
      arg->value = args->argv[args->next++];
    }
  else if (arg->option->flags & WB_MANAGE_OPTION_ADD_REMOVE)
    {
      if (!g_str_equal (arg->value, "add") && !g_str_equal (arg->value, "remove"))
        {
          _wb_manage_syntax_error (&args->error,
                                   "option '%s' takes 'add <value>' or 'remove <value>', not '%s'",
                                   arg->name, arg->value);
          return FALSE;
        }
      if (args->next >= args->argc)
        {
          _wb_manage_syntax_error (&args->error, "'%s %s' needs a value",
                                   arg->name, arg->value);
          return FALSE;
        }
      arg->delete = g_str_equal (arg->value, "remove");
      arg->value = args->argv[args->next++];
    }

  return TRUE;
}

gboolean
_wb_manage_args_finish (WbManageArgs  *args,
                        GError       **error)
{
  if (args->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&args->error));
      return FALSE;
    }
  return TRUE;
}

/* The engine's key for a parsed option: "natpf", or "natpfdelete" for
 * "--natpf1 delete NAME"; "service", or "serviceremove" for "--service
 * remove VALUE". */
char *
_wb_manage_arg_key (const WbManageArg *arg)
{
  const char *suffix = "";

  if (arg->delete)
    suffix = (arg->option->flags & WB_MANAGE_OPTION_ADD_REMOVE) ? "remove" : "delete";
  return g_strconcat (arg->option->key, suffix, NULL);
}

/* Ends the command with exit @status, printing @message (if not NULL) as
 * an error. */
gboolean
_wb_manage_exit (GError     **error,
                 int          status,
                 const char  *message)
{
  g_set_error_literal (error, WB_MANAGE_EXIT, status,
                       message != NULL ? message : "");
  return FALSE;
}

WbDBusEngine *
_wb_manage_connect (GError **error)
{
  g_autoptr(GDBusConnection) connection = NULL;
  WbDBusEngine *engine;

  /* Registers the engine's D-Bus error names, so that its errors arrive
   * in the WB_ERROR domain. */
  (void) wb_error_quark ();

  connection = wb_client_connect_sync (NULL, error);
  if (connection == NULL)
    {
      g_prefix_error (error, "cannot reach the Wirebox engine: ");
      return NULL;
    }

  engine = wb_client_get_engine_sync (connection, NULL, error);
  if (engine == NULL)
    g_prefix_error (error, "cannot reach the Wirebox engine: ");
  return engine;
}

static gboolean
list_command (int      argc,
              char   **argv,
              GError **error)
{
  static const WbManageOption options[] = {
    { "--long", "-l", "long", WB_MANAGE_OPTION_FLAG, NULL },
    { "--sorted", "-s", "sorted", WB_MANAGE_OPTION_FLAG, NULL },
    { NULL }
  };
  static const char * const unsupported[] = {
    "--multiple", "-m", "--platform-arch", "--platform", "-p", NULL
  };
  g_auto(WbManageArgs) args = { 0 };
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autoptr(GString) out = NULL;
  WbManageArg arg;
  const char *type = NULL;
  gboolean long_format = FALSE;
  gboolean sorted = FALSE;

  _wb_manage_args_init (&args, argc - 1, argv + 1, options, unsupported);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option == NULL && type != NULL)
        return _wb_manage_syntax_error (error, "list takes one type, not '%s' and '%s'",
                                        type, arg.value);
      else if (arg.option == NULL)
        type = arg.value;
      else if (g_str_equal (arg.option->key, "long"))
        long_format = TRUE;
      else
        sorted = TRUE;
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (type == NULL)
    return _wb_manage_syntax_error (error, "list needs a type, e.g. 'list vms'");

  for (gsize i = 0; i < G_N_ELEMENTS (list_types); i++)
    {
      if (!g_str_equal (type, list_types[i].name))
        continue;

      engine = _wb_manage_connect (error);
      if (engine == NULL)
        return FALSE;
      out = g_string_new (NULL);
      if (!list_types[i].list (engine, long_format, sorted, out, error))
        return FALSE;
      _wb_manage_print (out);
      return TRUE;
    }

  if (g_strv_contains (unsupported_list_types, type))
    {
      g_autofree char *what = g_strconcat ("list ", type, NULL);
      return _wb_manage_not_supported (error, what);
    }
  return _wb_manage_syntax_error (error, "unknown list type '%s'", type);
}

static const WbManageCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

/* One "[--option<1-N> value]" line; @verb is "delete", "add" or "remove"
 * for the forms those options take, else NULL. */
static void
append_option_usage (GString              *out,
                     const WbManageOption *option,
                     const char           *verb)
{
  const char *slot = (option->flags & WB_MANAGE_OPTION_SLOT) ? "<1-N>" : "";

  g_string_append_printf (out, USAGE_INDENT "[%s%s", option->name, slot);
  if (g_strcmp0 (verb, "delete") == 0)
    g_string_append (out, " delete <name>");
  else if (g_strcmp0 (verb, "remove") == 0)
    g_string_append_printf (out, " remove %s", option->remove_syntax);
  else if (verb != NULL)
    g_string_append_printf (out, " %s %s", verb, option->syntax);
  else if (option->flags & WB_MANAGE_OPTION_VALUE)
    g_string_append_printf (out, " %s", option->syntax);
  g_string_append (out, "]\n");
}

static void
append_command_usage (GString               *out,
                      const WbManageCommand *command)
{
  gsize line_start;
  gboolean first_alias = TRUE;

  g_string_append (out, command->usage);
  if (command->options == NULL)
    return;

  for (const WbManageOption *option = command->options; option->name != NULL; option++)
    {
      if (option->flags & WB_MANAGE_OPTION_ADD_REMOVE)
        {
          append_option_usage (out, option, "add");
          append_option_usage (out, option, "remove");
          continue;
        }
      append_option_usage (out, option, NULL);
      if (option->flags & WB_MANAGE_OPTION_DELETE)
        append_option_usage (out, option, "delete");
    }

  g_string_append_printf (out,
                          "\n  <1-N> is the adapter slot, 1 to %d.\n"
                          "  Values may also be written --option=value or --option:value.\n",
                          WB_MANAGE_N_SLOTS);
  line_start = out->len;
  g_string_append (out, "  The compact spellings are accepted too:");
  for (const WbManageOption *option = command->options; option->name != NULL; option++)
    {
      if (option->alias == NULL)
        continue;
      if (!first_alias)
        g_string_append_c (out, ',');
      if (out->len - line_start + strlen (option->alias) + 2 > USAGE_WIDTH)
        {
          g_string_append_c (out, '\n');
          line_start = out->len;
          g_string_append_c (out, ' ');
        }
      g_string_append_printf (out, " %s", option->alias);
      first_alias = FALSE;
    }
  g_string_append (out, ".\n");
}

static void
print_usage (const WbManageCommand *command)
{
  g_autoptr(GString) out = g_string_new ("Usage:\n\n");

  if (command != NULL)
    append_command_usage (out, command);
  else
    {
      g_string_append (out,
                       "wirebox-manage [-V|--version] [-q|--nologo] <command> [<options>]\n"
                       "wirebox-manage help [<command>]\n");
      for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
        {
          g_string_append_c (out, '\n');
          append_command_usage (out, &commands[i]);
        }
    }

  _wb_manage_print (out);
}

/* Prints @error as VBoxManage does and returns the exit status. */
int
_wb_manage_report_error (GError *error)
{
  g_autofree char *message = NULL;

  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  message = _wb_manage_one_line (error->message);
  if (error->domain != WB_MANAGE_EXIT || *message != '\0')
    g_printerr ("wirebox-manage: error: %s\n", message);

  if (error->domain == WB_MANAGE_EXIT)
    return CLAMP (error->code, 0, 255);
  if (g_error_matches (error, WB_MANAGE_ERROR, WB_MANAGE_ERROR_SYNTAX) ||
      g_error_matches (error, WB_ERROR, WB_ERROR_UNKNOWN_OPTION))
    return 2;
  return 1;
}

/* `help [COMMAND]` */
static gboolean
help_command (int      argc,
              char   **argv,
              GError **error)
{
  const WbManageCommand *command;

  if (argc < 2)
    {
      print_usage (NULL);
      return TRUE;
    }
  if (argc > 2)
    return _wb_manage_syntax_error (error, "help takes one command");

  command = find_command (argv[1]);
  if (command != NULL)
    {
      print_usage (command);
      return TRUE;
    }
  if (g_strv_contains (unsupported_commands, argv[1]))
    return _wb_manage_not_supported (error, argv[1]);
  return _wb_manage_syntax_error (error, "unknown command '%s'", argv[1]);
}

int
wb_manage_main (int    argc,
                char **argv)
{
  g_autoptr(GError) error = NULL;
  const WbManageCommand *command = NULL;
  int first = 1;

  for (; first < argc; first++)
    {
      const char *arg = argv[first];

      if (g_str_equal (arg, "-V") || g_str_equal (arg, "--version"))
        {
          g_print ("%s\n", WB_VERSION);
          return 0;
        }
      else if (g_str_equal (arg, "-h") || g_str_equal (arg, "--help"))
        {
          print_usage (NULL);
          return 0;
        }
      else if (!g_str_equal (arg, "-q") && !g_str_equal (arg, "--nologo"))
        break;
    }

  if (first >= argc)
    {
      print_usage (NULL);
      return 2;
    }

  /* D-Bus strings are UTF-8; refuse anything else before it gets there. */
  for (int i = first; i < argc; i++)
    {
      if (!g_utf8_validate (argv[i], -1, NULL))
        {
          _wb_manage_syntax_error (&error, "argument %d is not valid UTF-8",
                                   i);
          return _wb_manage_report_error (error);
        }
    }

  if (g_str_equal (argv[first], "help"))
    {
      if (help_command (argc - first, argv + first, &error))
        return 0;
      return _wb_manage_report_error (error);
    }

  command = find_command (argv[first]);
  if (command == NULL)
    {
      if (g_strv_contains (unsupported_commands, argv[first]))
        _wb_manage_not_supported (&error, argv[first]);
      else
        _wb_manage_syntax_error (&error, "unknown command '%s'", argv[first]);
      return _wb_manage_report_error (error);
    }

  if (command->run (argc - first, argv + first, &error))
    return 0;

  if (g_error_matches (error, WB_MANAGE_ERROR, WB_MANAGE_ERROR_HELP))
    {
      print_usage (command);
      return 0;
    }
  return _wb_manage_report_error (error);
}
