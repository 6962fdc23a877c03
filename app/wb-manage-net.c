/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The network commands: natnetwork, hostonlyif, dhcpserver, and their
 * lists in VBoxManage's formats (VIRTUALBOX.md §3, §5).
 */
#include "wb-manage-private.h"

#include <stdio.h>
#include <string.h>

#include "wb-error.h"

#define NATNET_COLUMN 14
#define HOSTIF_COLUMN 17
#define DHCP_COLUMN 16
#define INTNET_COLUMN 13

#define HOSTIF_NETWORK_PREFIX "HostInterfaceNetworking-"

/* Parses "SUBCOMMAND [args]" against @options: the positional arguments
 * collect in @positionals, the options as (key, value) pairs in @pairs, in
 * order. */
static gboolean
parse_subcommand (int                    argc,
                  char                 **argv,
                  const WbManageOption  *options,
                  const char * const    *unsupported,
                  GPtrArray             *positionals,
                  GPtrArray             *pairs,
                  GError               **error)
{
  g_auto(WbManageArgs) args = { 0 };
  WbManageArg arg;

  _wb_manage_args_init (&args, argc, argv, options, unsupported);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option == NULL)
        g_ptr_array_add (positionals, g_strdup (arg.value));
      else
        {
          g_ptr_array_add (pairs, _wb_manage_arg_key (&arg));
          g_ptr_array_add (pairs, g_strdup (arg.value != NULL ? arg.value : ""));
        }
    }
  return _wb_manage_args_finish (&args, error);
}

/* The value of the last @key in @pairs, or NULL. */
static const char *
pairs_lookup (GPtrArray  *pairs,
              const char *key)
{
  const char *value = NULL;

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    if (g_str_equal (pairs->pdata[i], key))
      value = pairs->pdata[i + 1];
  return value;
}

static guint
pairs_count (GPtrArray  *pairs,
             const char *key)
{
  guint count = 0;

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    if (g_str_equal (pairs->pdata[i], key))
      count++;
  return count;
}

/* The pairs as a(ss) for the engine, leaving out those in @skip. */
static GVariant *
pairs_to_variant (GPtrArray          *pairs,
                  const char * const *skip)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    if (!g_strv_contains (skip, pairs->pdata[i]))
      g_variant_builder_add (&builder, "(ss)", pairs->pdata[i],
                             pairs->pdata[i + 1]);
  return g_variant_builder_end (&builder);
}

/* Only @allowed options may be given to this subcommand. */
static gboolean
check_only (GPtrArray           *pairs,
            const char * const  *allowed,
            const char          *command,
            GError             **error)
{
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    if (!g_strv_contains (allowed, pairs->pdata[i]))
      return _wb_manage_syntax_error (error,
                                      "'%s' takes no option '%s'",
                                      command, (const char *) pairs->pdata[i]);
  return TRUE;
}

/* A subcommand that names one object with @key and nothing else. */
static const char *
require_once (GPtrArray   *pairs,
              const char  *key,
              const char  *option,
              const char  *command,
              GError     **error)
{
  guint count = pairs_count (pairs, key);

  if (count == 0)
    _wb_manage_syntax_error (error, "'%s' needs %s", command, option);
  else if (count > 1)
    _wb_manage_syntax_error (error, "'%s' takes %s only once", command, option);
  else
    return pairs_lookup (pairs, key);
  return NULL;
}

/* Why the running gateway left rule @name unbound, from @states
 * (GetNatNetworkStatus' a(sss)); NULL when it is bound or not running. */
static const char *
natnet_rule_not_bound (GVariant   *states,
                       const char *name)
{
  GVariantIter iter;
  const char *rule, *state, *reason;

  if (states == NULL)
    return NULL;
  g_variant_iter_init (&iter, states);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &rule, &state, &reason))
    if (strcmp (rule, name) == 0 && strcmp (state, "bound") != 0)
      return reason;
  return NULL;
}

/* "ssh:tcp:[]:1022:[192.168.15.5]:22", the NAT network rule form, with
 * ": not bound: REASON" when the running gateway could not bind it. */
static void
append_natnet_rules (GString  *out,
                     GVariant *network,
                     GVariant *states)
{
  g_autoptr(GVariant) rules = _wb_manage_lookup_value (network, "rules",
                                                       "a(sssqsq)");
  g_autoptr(GVariant) loopback = _wb_manage_lookup_value (network, "loopback",
                                                          "a(su)");
  GVariantIter iter;
  const char *name, *proto, *host_ip, *guest_ip, *address;
  guint16 host_port, guest_port;
  guint32 offset;

  if (rules != NULL && g_variant_n_children (rules) > 0)
    {
      g_string_append (out, "Port-forwarding (ipv4)\n");
      g_variant_iter_init (&iter, rules);
      while (g_variant_iter_next (&iter, "(&s&s&sq&sq)", &name, &proto,
                                  &host_ip, &host_port, &guest_ip,
                                  &guest_port))
        {
          const char *reason = natnet_rule_not_bound (states, name);

          g_string_append_printf (out, "        %s:%s:[%s]:%u:[%s]:%u",
                                  name, proto, host_ip, host_port, guest_ip,
                                  guest_port);
          if (reason != NULL)
            g_string_append_printf (out, ": not bound: %s", reason);
          g_string_append_c (out, '\n');
        }
    }

  if (loopback != NULL && g_variant_n_children (loopback) > 0)
    {
      g_string_append (out, "loopback mappings (ipv4)\n");
      g_variant_iter_init (&iter, loopback);
      while (g_variant_iter_next (&iter, "(&su)", &address, &offset))
        g_string_append_printf (out, "        %s=%u\n", address, offset);
    }
}

/* @states: the rules' states while the network runs, else NULL. */
static void
append_natnet (GString  *out,
               GVariant *network,
               GVariant *states,
               gboolean  long_format)
{
  _wb_manage_append_field (out, NATNET_COLUMN, "Name:", "%s",
                           _wb_manage_lookup_string (network, "name"));
  if (long_format)
    _wb_manage_append_field (out, NATNET_COLUMN, "Enabled:", "%s",
                             _wb_manage_yes_no (_wb_manage_lookup_boolean (network, "enabled")));
  _wb_manage_append_field (out, NATNET_COLUMN, "Network:", "%s",
                           _wb_manage_lookup_string (network, "network"));
  _wb_manage_append_field (out, NATNET_COLUMN, "Gateway:", "%s",
                           _wb_manage_lookup_string (network, "gateway"));
  _wb_manage_append_field (out, NATNET_COLUMN, "DHCP Server:", "%s",
                           _wb_manage_yes_no (_wb_manage_lookup_boolean (network, "dhcp")));
  _wb_manage_append_field (out, NATNET_COLUMN, "IPv6:", "%s",
                           _wb_manage_yes_no (_wb_manage_lookup_boolean (network, "ipv6")));
  _wb_manage_append_field (out, NATNET_COLUMN, "IPv6 Prefix:", "%s",
                           _wb_manage_lookup_string (network, "ipv6-prefix"));
  _wb_manage_append_field (out, NATNET_COLUMN, "IPv6 Default:", "%s",
                           _wb_manage_yes_no (FALSE));
  if (long_format)
    append_natnet_rules (out, network, states);
  g_string_append_c (out, '\n');
}

/* Appends the NAT networks whose names match @pattern (all if NULL);
 * returns how many. */
static gboolean
append_natnets (WbDBusEngine  *engine,
                const char    *pattern,
                gboolean       long_format,
                GString       *out,
                guint         *n_found,
                GError       **error)
{
  g_autoptr(GVariant) networks = NULL;
  GVariantIter iter;
  GVariant *network;

  *n_found = 0;
  if (!wb_dbus_engine_call_list_nat_networks_sync (engine, &networks, NULL,
                                                   error))
    return FALSE;

  g_variant_iter_init (&iter, networks);
  while ((network = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *name = _wb_manage_lookup_string (network, "name");
      g_autoptr(GVariant) states = NULL;
      gboolean running = FALSE;

      if (pattern == NULL || g_pattern_match_simple (pattern, name))
        {
          if (long_format
              && !wb_dbus_engine_call_get_nat_network_status_sync (engine, name, &running,
                                                                   &states, NULL, error))
            {
              g_variant_unref (network);
              return FALSE;
            }
          append_natnet (out, network, running ? states : NULL, long_format);
          (*n_found)++;
        }
      g_variant_unref (network);
    }

  return TRUE;
}

gboolean
_wb_manage_list_natnets (WbDBusEngine  *engine,
                         gboolean       long_format,
                         gboolean       sorted,
                         GString       *out,
                         GError       **error)
{
  guint n_found;

  return append_natnets (engine, NULL, long_format, out, &n_found, error);
}

/* natnetwork add|modify|remove|start|stop|list */

static const WbManageOption natnetwork_options[] = {
  { "--netname", NULL, "netname", WB_MANAGE_OPTION_VALUE, "<name>" },
  { "--network", "--ipv4-prefix", "network", WB_MANAGE_OPTION_VALUE,
    "<network>" },
  { "--enable", NULL, "enable", WB_MANAGE_OPTION_FLAG, NULL },
  { "--disable", NULL, "disable", WB_MANAGE_OPTION_FLAG, NULL },
  { "--dhcp", NULL, "dhcp", WB_MANAGE_OPTION_VALUE, "on|off" },
  { "--ipv6", "--ipv6-enable", "ipv6", WB_MANAGE_OPTION_VALUE, "on|off" },
  { "--port-forward-4", NULL, "portforward4",
    WB_MANAGE_OPTION_VALUE | WB_MANAGE_OPTION_DELETE, "<rule>" },
  { "--loopback-4", NULL, "loopback4",
    WB_MANAGE_OPTION_VALUE | WB_MANAGE_OPTION_DELETE, "<mapping>" },
  { NULL }
};

static const char * const natnetwork_unsupported[] = {
  "--ipv6-prefix", "--ipv6-default", "--port-forward-6", "--loopback-6", NULL
};

static gboolean
natnetwork_list (WbDBusEngine  *engine,
                 GPtrArray     *positionals,
                 GError       **error)
{
  g_autoptr(GString) out = g_string_new ("NAT Networks:\n\n");
  guint n_found;

  if (!append_natnets (engine,
                       positionals->len > 0 ? positionals->pdata[0] : NULL,
                       TRUE, out, &n_found, error))
    return FALSE;

  g_string_append_printf (out, "%u %s found\n", n_found,
                          n_found == 1 ? "network" : "networks");
  _wb_manage_print (out);
  return TRUE;
}

gboolean
_wb_manage_natnetwork (int      argc,
                       char   **argv,
                       GError **error)
{
  static const char * const only_netname[] = { "netname", NULL };
  static const char * const none[] = { NULL };
  g_autoptr(GPtrArray) positionals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autofree char *command = NULL;
  g_autofree char *subcommand = NULL;
  const char *name = NULL;
  gboolean ok;

  if (!parse_subcommand (argc - 1, argv + 1, natnetwork_options,
                         natnetwork_unsupported, positionals, pairs, error))
    return FALSE;
  if (positionals->len == 0)
    return _wb_manage_syntax_error (error,
                                    "natnetwork needs add, modify, remove, start, stop or list");

  subcommand = g_ptr_array_steal_index (positionals, 0);
  command = g_strconcat ("natnetwork ", subcommand, NULL);

  if (g_str_equal (subcommand, "list"))
    {
      if (positionals->len > 1)
        return _wb_manage_syntax_error (error, "'%s' takes one pattern",
                                        command);
      if (!check_only (pairs, none, command, error))
        return FALSE;
    }
  else if (g_str_equal (subcommand, "add") ||
           g_str_equal (subcommand, "modify") ||
           g_str_equal (subcommand, "remove") ||
           g_str_equal (subcommand, "start") ||
           g_str_equal (subcommand, "stop"))
    {
      if (positionals->len > 0)
        return _wb_manage_syntax_error (error, "unexpected argument '%s'",
                                        (const char *) positionals->pdata[0]);
      name = require_once (pairs, "netname", "--netname", command, error);
      if (name == NULL)
        return FALSE;
      if (!g_str_equal (subcommand, "add") &&
          !g_str_equal (subcommand, "modify") &&
          !check_only (pairs, only_netname, command, error))
        return FALSE;
      if (g_str_equal (subcommand, "add") &&
          pairs_lookup (pairs, "network") == NULL)
        return _wb_manage_syntax_error (error, "'%s' needs --network",
                                        command);
      if (g_str_equal (subcommand, "add") &&
          (pairs_lookup (pairs, "portforward4delete") != NULL ||
           pairs_lookup (pairs, "loopback4delete") != NULL))
        return _wb_manage_syntax_error (error,
                                        "'%s' cannot delete; use 'natnetwork modify'",
                                        command);
    }
  else
    return _wb_manage_syntax_error (error, "unknown subcommand '%s'",
                                    command);

  engine = _wb_manage_connect (error);
  if (engine == NULL)
    return FALSE;

  if (g_str_equal (subcommand, "list"))
    ok = natnetwork_list (engine, positionals, error);
  else if (g_str_equal (subcommand, "add"))
    ok = wb_dbus_engine_call_add_nat_network_sync (engine, name,
                                                   pairs_to_variant (pairs, only_netname),
                                                   NULL, error);
  else if (g_str_equal (subcommand, "modify"))
    ok = wb_dbus_engine_call_modify_nat_network_sync (engine, name,
                                                      pairs_to_variant (pairs, only_netname),
                                                      NULL, error);
  else if (g_str_equal (subcommand, "remove"))
    ok = wb_dbus_engine_call_remove_nat_network_sync (engine, name, NULL,
                                                      error);
  else if (g_str_equal (subcommand, "start"))
    ok = wb_dbus_engine_call_start_nat_network_sync (engine, name, NULL,
                                                     error);
  else
    ok = wb_dbus_engine_call_stop_nat_network_sync (engine, name, NULL,
                                                    error);
  return ok;
}

/* Host interfaces: list hostonlyifs, list bridgedifs */

/* "0a:00:27:00:00:00" from 12 hex digits; any other form as it is. */
static char *
format_hardware_address (const char *mac)
{
  GString *text;

  if (strlen (mac) != 12 || strspn (mac, "0123456789abcdefABCDEF") != 12)
    return g_strdup (mac);

  text = g_string_new (NULL);
  for (int i = 0; i < 12; i += 2)
    g_string_append_printf (text, "%s%c%c", i > 0 ? ":" : "",
                            g_ascii_tolower (mac[i]),
                            g_ascii_tolower (mac[i + 1]));
  return g_string_free (text, FALSE);
}

/* VirtualBox on Linux derives a host interface's GUID from its name and
 * MAC (the name's bytes, version 4 and variant bits, the MAC as the node);
 * the same here, for an interface the engine gives no GUID. */
static char *
derive_interface_guid (const char *name,
                       const char *mac)
{
  guint8 bytes[16] = { 0 };
  guint hex[6] = { 0 };

  memcpy (bytes, name, MIN (strlen (name), sizeof bytes));
  bytes[7] = (bytes[7] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  if (sscanf (mac, "%2x:%2x:%2x:%2x:%2x:%2x",
              &hex[0], &hex[1], &hex[2], &hex[3], &hex[4], &hex[5]) == 6)
    for (int i = 0; i < 6; i++)
      bytes[10 + i] = (guint8) hex[i];

  /* The first three fields are little-endian integers, as RTUuidToStr(). */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          bytes[3], bytes[2], bytes[1], bytes[0],
                          bytes[5], bytes[4], bytes[7], bytes[6],
                          bytes[8], bytes[9], bytes[10], bytes[11],
                          bytes[12], bytes[13], bytes[14], bytes[15]);
}

static void
append_host_interface (GString    *out,
                       GVariant   *interface,
                       gboolean    dhcp,
                       const char *network_name,
                       gboolean    wireless,
                       gboolean    up)
{
  const char *name = _wb_manage_lookup_string (interface, "name");
  const char *ip = _wb_manage_lookup_string (interface, "ip");
  const char *netmask = _wb_manage_lookup_string (interface, "netmask");
  g_autofree char *mac = format_hardware_address (_wb_manage_lookup_string (interface, "mac"));
  g_autofree char *guid = g_strdup (_wb_manage_lookup_string (interface, "guid"));
  g_autofree char *default_network = NULL;

  if (*guid == '\0')
    {
      g_free (guid);
      guid = derive_interface_guid (name, mac);
    }
  if (*network_name == '\0')
    network_name = default_network = g_strconcat (HOSTIF_NETWORK_PREFIX, name, NULL);

  /* An interface without IPv4 shows 0.0.0.0, as VirtualBox does. */
  _wb_manage_append_field (out, HOSTIF_COLUMN, "Name:", "%s", name);
  _wb_manage_append_field (out, HOSTIF_COLUMN, "GUID:", "%s", guid);
  _wb_manage_append_field (out, HOSTIF_COLUMN, "DHCP:", "%s",
                           dhcp ? "Enabled" : "Disabled");
  _wb_manage_append_field (out, HOSTIF_COLUMN, "IPAddress:", "%s",
                           *ip != '\0' ? ip : "0.0.0.0");
  _wb_manage_append_field (out, HOSTIF_COLUMN, "NetworkMask:", "%s",
                           *netmask != '\0' ? netmask : "0.0.0.0");
  _wb_manage_append_field (out, HOSTIF_COLUMN, "IPV6Address:", "%s", "");
  _wb_manage_append_field (out, HOSTIF_COLUMN, "IPV6NetworkMaskPrefixLength:",
                           "%u", 0);
  _wb_manage_append_field (out, HOSTIF_COLUMN, "HardwareAddress:", "%s", mac);
  _wb_manage_append_field (out, HOSTIF_COLUMN, "MediumType:", "%s", "Ethernet");
  _wb_manage_append_field (out, HOSTIF_COLUMN, "Wireless:", "%s",
                           _wb_manage_yes_no (wireless));
  _wb_manage_append_field (out, HOSTIF_COLUMN, "Status:", "%s",
                           up ? "Up" : "Down");
  _wb_manage_append_field (out, HOSTIF_COLUMN, "VBoxNetworkName:", "%s",
                           network_name);
  g_string_append_c (out, '\n');
}

gboolean
_wb_manage_list_hostonlyifs (WbDBusEngine  *engine,
                             gboolean       long_format,
                             gboolean       sorted,
                             GString       *out,
                             GError       **error)
{
  g_autoptr(GVariant) interfaces = NULL;
  GVariantIter iter;
  GVariant *interface;

  if (!wb_dbus_engine_call_list_host_only_ifs_sync (engine, &interfaces,
                                                    NULL, error))
    return FALSE;

  g_variant_iter_init (&iter, interfaces);
  while ((interface = g_variant_iter_next_value (&iter)) != NULL)
    {
      append_host_interface (out, interface,
                             _wb_manage_lookup_boolean (interface, "dhcp"),
                             _wb_manage_lookup_string (interface, "network-name"),
                             FALSE, TRUE);
      /* Wirebox's own setting, only in the long form so that the short one
       * stays VBoxManage's. */
      if (long_format)
        {
          g_string_truncate (out, out->len - 1);
          _wb_manage_append_field (out, HOSTIF_COLUMN, "Relay:", "%s",
                                   _wb_manage_lookup_boolean (interface, "relay") ? "on" : "off");
          g_string_append_c (out, '\n');
        }
      g_variant_unref (interface);
    }
  return TRUE;
}

gboolean
_wb_manage_list_bridgedifs (WbDBusEngine  *engine,
                            gboolean       long_format,
                            gboolean       sorted,
                            GString       *out,
                            GError       **error)
{
  g_autoptr(GVariant) interfaces = NULL;
  GVariantIter iter;
  GVariant *interface;

  if (!wb_dbus_engine_call_list_bridged_ifs_sync (engine, &interfaces, NULL,
                                                  error))
    return FALSE;

  g_variant_iter_init (&iter, interfaces);
  while ((interface = g_variant_iter_next_value (&iter)) != NULL)
    {
      append_host_interface (out, interface, FALSE, "",
                             _wb_manage_lookup_boolean (interface, "wireless"),
                             _wb_manage_lookup_boolean (interface, "up"));
      g_variant_unref (interface);
    }
  return TRUE;
}

gboolean
_wb_manage_list_intnets (WbDBusEngine  *engine,
                         gboolean       long_format,
                         gboolean       sorted,
                         GString       *out,
                         GError       **error)
{
  g_auto(GStrv) names = NULL;

  if (!wb_dbus_engine_call_list_int_nets_sync (engine, &names, NULL, error))
    return FALSE;

  for (guint i = 0; names[i] != NULL; i++)
    _wb_manage_append_field (out, INTNET_COLUMN, "Name:", "%s", names[i]);
  return TRUE;
}

/* hostonlyif create | remove IF | ipconfig IF --ip IP [--netmask MASK]
 *            | relay IF on|off (Wirebox's own) */

gboolean
_wb_manage_hostonlyif (int      argc,
                       char   **argv,
                       GError **error)
{
  static const WbManageOption options[] = {
    { "--ip", NULL, "ip", WB_MANAGE_OPTION_VALUE, "<ipv4>" },
    { "--netmask", NULL, "netmask", WB_MANAGE_OPTION_VALUE, "<ipv4>" },
    { "--dhcp", NULL, "dhcp", WB_MANAGE_OPTION_FLAG, NULL },
    { NULL }
  };
  static const char * const unsupported[] = {
    "--ipv6", "--netmasklengthv6", NULL
  };
  g_autoptr(GPtrArray) positionals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autofree char *command = NULL;
  g_autofree char *created = NULL;
  const char *subcommand;
  const char *ip = NULL;
  const char *netmask = NULL;
  gboolean relay = TRUE;
  guint n_names;

  if (!parse_subcommand (argc - 1, argv + 1, options, unsupported,
                         positionals, pairs, error))
    return FALSE;
  if (positionals->len == 0)
    return _wb_manage_syntax_error (error,
                                    "hostonlyif needs create, remove, ipconfig or relay");

  subcommand = positionals->pdata[0];
  command = g_strconcat ("hostonlyif ", subcommand, NULL);
  n_names = positionals->len - 1;

  if (g_str_equal (subcommand, "create"))
    {
      if (n_names > 0 || pairs->len > 0)
        return _wb_manage_syntax_error (error, "'%s' takes no arguments",
                                        command);
    }
  else if (g_str_equal (subcommand, "remove"))
    {
      if (n_names != 1 || pairs->len > 0)
        return _wb_manage_syntax_error (error, "'%s' takes one interface name",
                                        command);
    }
  else if (g_str_equal (subcommand, "relay"))
    {
      if (n_names != 2 || pairs->len > 0)
        return _wb_manage_syntax_error (error, "'%s' takes an interface name and on|off",
                                        command);
      relay = g_ascii_strcasecmp (positionals->pdata[2], "on") == 0;
      if (!relay && g_ascii_strcasecmp (positionals->pdata[2], "off") != 0)
        return _wb_manage_syntax_error (error, "'%s' takes on or off, not '%s'",
                                        command, (const char *) positionals->pdata[2]);
    }
  else if (g_str_equal (subcommand, "ipconfig"))
    {
      if (n_names != 1)
        return _wb_manage_syntax_error (error, "'%s' takes one interface name",
                                        command);
      ip = pairs_lookup (pairs, "ip");
      netmask = pairs_lookup (pairs, "netmask");
      if (pairs_lookup (pairs, "dhcp") != NULL)
        {
          if (ip != NULL || netmask != NULL)
            return _wb_manage_syntax_error (error,
                                            "'%s': --dhcp excludes --ip and --netmask",
                                            command);
          return _wb_manage_not_supported (error, "hostonlyif ipconfig --dhcp");
        }
      if (ip == NULL)
        return _wb_manage_syntax_error (error, "'%s' needs --ip or --dhcp",
                                        command);
      if (netmask == NULL)
        netmask = "255.255.255.0";
    }
  else
    return _wb_manage_syntax_error (error, "unknown subcommand '%s'", command);

  engine = _wb_manage_connect (error);
  if (engine == NULL)
    return FALSE;

  if (g_str_equal (subcommand, "remove"))
    return wb_dbus_engine_call_remove_host_only_if_sync (engine,
                                                         positionals->pdata[1],
                                                         NULL, error);
  if (g_str_equal (subcommand, "relay"))
    return wb_dbus_engine_call_set_host_only_relay_sync (engine, positionals->pdata[1],
                                                         relay, NULL, error);
  if (g_str_equal (subcommand, "ipconfig"))
    return wb_dbus_engine_call_configure_host_only_if_sync (engine,
                                                            positionals->pdata[1],
                                                            ip, netmask,
                                                            NULL, error);

  if (!wb_dbus_engine_call_create_host_only_if_sync (engine, &created, NULL,
                                                     error))
    return FALSE;
  /* VBoxManage's progress line on Linux, then its message. */
  g_print ("0%%...10%%...20%%...30%%...40%%...50%%...60%%...70%%...80%%...90%%...100%%\n"
           "Interface '%s' was successfully created\n", created);
  return TRUE;
}

/* DHCP servers: list dhcpservers, dhcpserver add|modify|remove */

gboolean
_wb_manage_list_dhcpservers (WbDBusEngine  *engine,
                             gboolean       long_format,
                             gboolean       sorted,
                             GString       *out,
                             GError       **error)
{
  g_autoptr(GVariant) servers = NULL;
  GVariantIter iter;
  GVariant *server;
  gboolean first = TRUE;

  if (!wb_dbus_engine_call_list_dhcp_servers_sync (engine, &servers, NULL,
                                                   error))
    return FALSE;

  g_variant_iter_init (&iter, servers);
  while ((server = g_variant_iter_next_value (&iter)) != NULL)
    {
      /* VBoxManage separates the blocks, with no blank line at the end. */
      if (!first)
        g_string_append_c (out, '\n');
      first = FALSE;

      _wb_manage_append_field (out, DHCP_COLUMN, "NetworkName:", "%s",
                               _wb_manage_lookup_string (server, "network-name"));
      _wb_manage_append_field (out, DHCP_COLUMN, "Dhcpd IP:", "%s",
                               _wb_manage_lookup_string (server, "server-ip"));
      _wb_manage_append_field (out, DHCP_COLUMN, "LowerIPAddress:", "%s",
                               _wb_manage_lookup_string (server, "lower-ip"));
      _wb_manage_append_field (out, DHCP_COLUMN, "UpperIPAddress:", "%s",
                               _wb_manage_lookup_string (server, "upper-ip"));
      _wb_manage_append_field (out, DHCP_COLUMN, "NetworkMask:", "%s",
                               _wb_manage_lookup_string (server, "netmask"));
      _wb_manage_append_field (out, DHCP_COLUMN, "Enabled:", "%s",
                               _wb_manage_yes_no (_wb_manage_lookup_boolean (server, "enabled")));
      g_variant_unref (server);
    }
  return TRUE;
}

static const WbManageOption dhcpserver_options[] = {
  { "--network", "--netname", "network", WB_MANAGE_OPTION_VALUE,
    "<network_name>" },
  { "--interface", "--ifname", "interface", WB_MANAGE_OPTION_VALUE,
    "<interface_name>" },
  { "--server-ip", "--ip", "server-ip", WB_MANAGE_OPTION_VALUE, "<address>" },
  { "--netmask", NULL, "netmask", WB_MANAGE_OPTION_VALUE, "<mask>" },
  { "--lower-ip", "--lowerip", "lower-ip", WB_MANAGE_OPTION_VALUE,
    "<address>" },
  { "--upper-ip", "--upperip", "upper-ip", WB_MANAGE_OPTION_VALUE,
    "<address>" },
  { "--enable", NULL, "enable", WB_MANAGE_OPTION_FLAG, NULL },
  { "--disable", NULL, "disable", WB_MANAGE_OPTION_FLAG, NULL },
  { NULL }
};

/* The DHCP options and configurations of VirtualBox 6.1+. */
static const char * const dhcpserver_unsupported[] = {
  "--set-opt", "--set-opt-hex", "--force-opt", "--unforce-opt",
  "--suppress-opt", "--unsuppress-opt", "--remove-opt", "--del-opt",
  "--id", "--value", "--remove", "--min-lease-time", "--default-lease-time",
  "--max-lease-time", "--global", "--group", "--incl-mac", "--excl-mac",
  "--del-mac", "--incl-mac-wild", "--excl-mac-wild", "--del-mac-wild",
  "--incl-vendor", "--excl-vendor", "--del-vendor", "--incl-vendor-wild",
  "--excl-vendor-wild", "--del-vendor-wild", "--incl-user", "--excl-user",
  "--del-user", "--incl-user-wild", "--excl-user-wild", "--del-user-wild",
  "--zap-conditions", "--vm", "--nic", "--mac-address", "--fixed-address",
  "--remove-config", "--options", "--config", "--log", NULL
};

gboolean
_wb_manage_dhcpserver (int      argc,
                       char   **argv,
                       GError **error)
{
  static const char * const addresses[] = {
    "server-ip", "netmask", "lower-ip", "upper-ip", NULL
  };
  static const char * const address_options[] = {
    "--server-ip", "--netmask", "--lower-ip", "--upper-ip", NULL
  };
  static const char * const naming[] = { "network", "interface", NULL };
  g_autoptr(GPtrArray) positionals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autofree char *command = NULL;
  g_autofree char *network = NULL;
  const char *subcommand;
  guint n_naming;

  if (!parse_subcommand (argc - 1, argv + 1, dhcpserver_options,
                         dhcpserver_unsupported, positionals, pairs, error))
    return FALSE;
  if (positionals->len == 0)
    return _wb_manage_syntax_error (error,
                                    "dhcpserver needs add, modify, remove, start or stop");

  subcommand = positionals->pdata[0];
  command = g_strconcat ("dhcpserver ", subcommand, NULL);
  if (positionals->len > 1)
    return _wb_manage_syntax_error (error, "unexpected argument '%s'",
                                    (const char *) positionals->pdata[1]);
  if (!g_str_equal (subcommand, "add") &&
      !g_str_equal (subcommand, "modify") &&
      !g_str_equal (subcommand, "remove") &&
      !g_str_equal (subcommand, "start") &&
      !g_str_equal (subcommand, "stop"))
    return _wb_manage_syntax_error (error, "unknown subcommand '%s'", command);

  n_naming = pairs_count (pairs, "network") + pairs_count (pairs, "interface");
  if (n_naming == 0)
    return _wb_manage_syntax_error (error, "'%s' needs --network or --interface",
                                    command);
  if (n_naming > 1)
    return _wb_manage_syntax_error (error,
                                    "'%s' takes one --network or --interface",
                                    command);
  if (pairs_lookup (pairs, "network") != NULL)
    network = g_strdup (pairs_lookup (pairs, "network"));
  else
    network = g_strconcat (HOSTIF_NETWORK_PREFIX,
                           pairs_lookup (pairs, "interface"), NULL);

  if (g_str_equal (subcommand, "add"))
    {
      for (guint i = 0; addresses[i] != NULL; i++)
        if (pairs_lookup (pairs, addresses[i]) == NULL)
          return _wb_manage_syntax_error (error, "'%s' needs %s", command,
                                          address_options[i]);
    }
  else if (!g_str_equal (subcommand, "modify") &&
           !check_only (pairs, naming, command, error))
    return FALSE;

  if (g_str_equal (subcommand, "start") || g_str_equal (subcommand, "stop"))
    return _wb_manage_not_supported (error, command);

  engine = _wb_manage_connect (error);
  if (engine == NULL)
    return FALSE;

  if (g_str_equal (subcommand, "add"))
    return wb_dbus_engine_call_add_dhcp_server_sync (engine, network,
                                                     pairs_to_variant (pairs, naming),
                                                     NULL, error);
  if (g_str_equal (subcommand, "modify"))
    return wb_dbus_engine_call_modify_dhcp_server_sync (engine, network,
                                                        pairs_to_variant (pairs, naming),
                                                        NULL, error);
  return wb_dbus_engine_call_remove_dhcp_server_sync (engine, network, NULL,
                                                      error);
}
