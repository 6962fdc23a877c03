/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-model.h"

#include <stdarg.h>
#include <string.h>

#include "wb-error.h"
#include "wb-net.h"

/* Longest excerpt of a user's value quoted in an error message. */
#define DISPLAY_MAX_CHARS  64
/* VirtualBox's cap for --nicspeed: 10 Gbps. */
#define NIC_SPEED_MAX      10000000
#define NAT_MTU_MIN        68
#define NAT_MTU_MAX        65520
/* The per-VM NAT engine puts the guest at .15: a smaller net has no room. */
#define NATNET_PREFIX_MAX  28
#define NAT_NETWORK_PREFIX_MIN  8
#define NAT_NETWORK_PREFIX_MAX  30

/* --- messages ----------------------------------------------------------- */

/* A user's value made safe for a one-line UTF-8 message: invalid bytes
 * replaced, control characters escaped, long values cut. */
static char *
display_value (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_new (NULL);
  const char *p = valid;
  guint n;

  for (n = 0; *p != '\0' && n < DISPLAY_MAX_CHARS; n++, p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (g_unichar_iscntrl (c))
        g_string_append_printf (out, "\\x%02X", c);
      else
        g_string_append_unichar (out, c);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

/* "Invalid <what> '<value>': <why>" */
static void G_GNUC_PRINTF (4, 5)
set_invalid (GError     **error,
             const char  *what,
             const char  *value,
             const char  *format,
             ...)
{
  g_autofree char *shown = NULL;
  g_autofree char *why = NULL;
  va_list args;

  if (error == NULL)
    return;
  shown = display_value (value);
  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
               "Invalid %s '%s': %s", what, shown, why);
}

/* --- small parsers ------------------------------------------------------ */

/* Decimal digits only: no sign, no spaces, not empty; at most @max. */
static gboolean
parse_decimal (const char *text,
               guint64     max,
               guint64    *out)
{
  guint64 value = 0;
  const char *p;

  if (text == NULL || *text == '\0')
    return FALSE;
  for (p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      /* value <= max <= G_MAXUINT32 here, so this cannot overflow. */
      value = value * 10 + (guint64) (*p - '0');
      if (value > max)
        return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
parse_port (const char  *what,
            const char  *text,
            guint16     *out,
            GError     **error)
{
  guint64 value;

  if (!parse_decimal (text, G_MAXUINT16, &value) || value == 0)
    {
      set_invalid (error, what, text, "expected a number from 1 to 65535");
      return FALSE;
    }
  *out = (guint16) value;
  return TRUE;
}

typedef struct
{
  const char *name;
  int         value;
} NameValue;

/* Case-insensitive lookup of @text in @table. */
static gboolean
lookup_name (const NameValue *table,
             gsize            n_entries,
             const char      *text,
             int             *value)
{
  gsize i;

  for (i = 0; text != NULL && i < n_entries; i++)
    if (g_ascii_strcasecmp (table[i].name, text) == 0)
      {
        *value = table[i].value;
        return TRUE;
      }
  return FALSE;
}

/* Valid UTF-8 without control characters (empty is fine). */
static gboolean
check_text (const char  *what,
            const char  *text,
            GError     **error)
{
  const char *p;

  if (!g_utf8_validate (text, -1, NULL))
    {
      set_invalid (error, what, text, "not valid UTF-8");
      return FALSE;
    }
  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        set_invalid (error, what, text, "contains a control character");
        return FALSE;
      }
  return TRUE;
}

/* check_text() plus a length limit in bytes. */
static gboolean
check_text_bytes (const char  *what,
                  const char  *text,
                  gsize        max_bytes,
                  GError     **error)
{
  gsize len;

  if (!check_text (what, text, error))
    return FALSE;
  len = strlen (text);
  if (len > max_bytes)
    {
      set_invalid (error, what, text, "%" G_GSIZE_FORMAT " bytes, at most %"
                   G_GSIZE_FORMAT, len, max_bytes);
      return FALSE;
    }
  return TRUE;
}

/* --- enums <-> strings -------------------------------------------------- */

#define ATTACHMENT_NONE (-1)

static const NameValue attachment_names[] = {
  { "none", ATTACHMENT_NONE },
  { "null", WB_ATTACHMENT_NULL },
  { "nat", WB_ATTACHMENT_NAT },
  { "natnetwork", WB_ATTACHMENT_NATNETWORK },
  { "bridged", WB_ATTACHMENT_BRIDGED },
  { "hostif", WB_ATTACHMENT_BRIDGED },
  { "intnet", WB_ATTACHMENT_INTNET },
  { "hostonly", WB_ATTACHMENT_HOSTONLY },
  { "generic", WB_ATTACHMENT_GENERIC },
};

static const char * const attachment_strings[WB_N_ATTACHMENTS] = {
  "null", "nat", "bridged", "intnet", "hostonly", "Generic", "natnetwork",
};

static const char * const attachment_keys[WB_N_ATTACHMENTS] = {
  "null", "nat", "bridged", "intnet", "hostonly", "generic", "natnetwork",
};

gboolean
wb_attachment_parse (const char    *text,
                     WbAttachment  *out,
                     gboolean      *enabled,
                     GError       **error)
{
  int value;

  if (!lookup_name (attachment_names, G_N_ELEMENTS (attachment_names),
                    text, &value))
    {
      set_invalid (error, "networking mode", text,
                   "expected none, null, nat, natnetwork, bridged, intnet, "
                   "hostonly or generic");
      return FALSE;
    }
  if (value != ATTACHMENT_NONE)
    *out = (WbAttachment) value;
  if (enabled != NULL)
    *enabled = value != ATTACHMENT_NONE;
  return TRUE;
}

const char *
wb_attachment_to_string (WbAttachment attachment)
{
  g_return_val_if_fail (attachment < WB_N_ATTACHMENTS, NULL);
  return attachment_strings[attachment];
}

const char *
wb_attachment_to_key (WbAttachment attachment)
{
  g_return_val_if_fail (attachment < WB_N_ATTACHMENTS, NULL);
  return attachment_keys[attachment];
}

gboolean
wb_attachment_from_key (const char   *key,
                        WbAttachment *out)
{
  guint i;

  for (i = 0; key != NULL && i < WB_N_ATTACHMENTS; i++)
    if (strcmp (attachment_keys[i], key) == 0)
      {
        *out = (WbAttachment) i;
        return TRUE;
      }
  return FALSE;
}

static const struct
{
  const char *name;
  const char *description;
} nic_types[WB_N_NIC_TYPES] = {
  { "Am79C970A", "PCnet-PCI II (Am79C970A)" },
  { "Am79C973", "PCnet-FAST III (Am79C973)" },
  { "82540EM", "Intel PRO/1000 MT Desktop (82540EM)" },
  { "82543GC", "Intel PRO/1000 T Server (82543GC)" },
  { "82545EM", "Intel PRO/1000 MT Server (82545EM)" },
  { "virtio", "Paravirtualized Network (virtio-net)" },
};

gboolean
wb_nic_type_parse (const char  *text,
                   WbNicType   *out,
                   GError     **error)
{
  guint i;

  for (i = 0; text != NULL && i < WB_N_NIC_TYPES; i++)
    if (g_ascii_strcasecmp (nic_types[i].name, text) == 0)
      {
        *out = (WbNicType) i;
        return TRUE;
      }
  set_invalid (error, "adapter type", text,
               "expected Am79C970A, Am79C973, 82540EM, 82543GC, 82545EM "
               "or virtio");
  return FALSE;
}

const char *
wb_nic_type_to_string (WbNicType type)
{
  g_return_val_if_fail (type < WB_N_NIC_TYPES, NULL);
  return nic_types[type].name;
}

const char *
wb_nic_type_description (WbNicType type)
{
  g_return_val_if_fail (type < WB_N_NIC_TYPES, NULL);
  return nic_types[type].description;
}

gboolean
wb_nic_type_is_intel (WbNicType type)
{
  return type == WB_NIC_TYPE_82540EM
         || type == WB_NIC_TYPE_82543GC
         || type == WB_NIC_TYPE_82545EM;
}

gboolean
wb_nic_type_carries_jumbo (WbNicType type)
{
  return wb_nic_type_is_intel (type) || type == WB_NIC_TYPE_VIRTIO;
}

static const NameValue promisc_names[] = {
  { "deny", WB_PROMISC_DENY },
  { "allow-vms", WB_PROMISC_ALLOW_VMS },
  { "allow-network", WB_PROMISC_ALLOW_VMS },
  { "allow-all", WB_PROMISC_ALLOW_ALL },
};

static const char * const promisc_strings[WB_N_PROMISC] = {
  "deny", "allow-vms", "allow-all",
};

gboolean
wb_promisc_parse (const char  *text,
                  WbPromisc   *out,
                  GError     **error)
{
  int value;

  if (!lookup_name (promisc_names, G_N_ELEMENTS (promisc_names), text, &value))
    {
      set_invalid (error, "promiscuous mode policy", text,
                   "expected deny, allow-vms or allow-all");
      return FALSE;
    }
  *out = (WbPromisc) value;
  return TRUE;
}

const char *
wb_promisc_to_string (WbPromisc promisc)
{
  g_return_val_if_fail (promisc < WB_N_PROMISC, NULL);
  return promisc_strings[promisc];
}

static const NameValue bool_names[] = {
  { "on", TRUE }, { "off", FALSE },
  { "true", TRUE }, { "false", FALSE },
  { "yes", TRUE }, { "no", FALSE },
  { "1", TRUE }, { "0", FALSE },
};

gboolean
wb_bool_parse (const char  *text,
               gboolean    *out,
               GError     **error)
{
  int value;

  if (!lookup_name (bool_names, G_N_ELEMENTS (bool_names), text, &value))
    {
      set_invalid (error, "switch value", text, "expected on or off");
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* --- values ------------------------------------------------------------- */

gboolean
wb_name_validate (const char  *what,
                  const char  *name,
                  gsize        max_chars,
                  GError     **error)
{
  glong n_chars;

  if (name == NULL || *name == '\0')
    {
      set_invalid (error, what, "", "must not be empty");
      return FALSE;
    }
  if (!check_text (what, name, error))
    return FALSE;
  n_chars = g_utf8_strlen (name, -1);
  if ((gsize) n_chars > max_chars)
    {
      set_invalid (error, what, name, "%ld characters, at most %" G_GSIZE_FORMAT,
                   n_chars, max_chars);
      return FALSE;
    }
  return TRUE;
}

/* One part of a dotted quad: 1 to 3 digits, no leading zero, 0..255. */
static gboolean
parse_octet (const char *text,
             guint32    *out)
{
  guint64 value;

  if (strlen (text) > 3 || (text[0] == '0' && text[1] != '\0'))
    return FALSE;
  if (!parse_decimal (text, 255, &value))
    return FALSE;
  *out = (guint32) value;
  return TRUE;
}

/* @min_parts to 4 dot-separated octets, the missing ones zero
 * ("192.168" is 192.168.0.0). */
static gboolean
parse_dotted (const char *text,
              guint       min_parts,
              guint32    *out)
{
  g_auto(GStrv) parts = g_strsplit (text, ".", -1);
  guint n = g_strv_length (parts);
  guint32 address = 0;
  guint i;

  if (n < min_parts || n > 4)
    return FALSE;
  for (i = 0; i < n; i++)
    {
      guint32 octet;

      if (!parse_octet (parts[i], &octet))
        return FALSE;
      address |= octet << (8 * (3 - i));
    }
  *out = address;
  return TRUE;
}

gboolean
wb_ipv4_parse (const char  *text,
               guint32     *out,
               GError     **error)
{
  if (text == NULL || !parse_dotted (text, 4, out))
    {
      set_invalid (error, "IPv4 address", text,
                   "expected four numbers from 0 to 255 separated by dots");
      return FALSE;
    }
  return TRUE;
}

char *
wb_ipv4_to_string (guint32 address)
{
  return g_strdup_printf ("%u.%u.%u.%u", address >> 24, (address >> 16) & 0xff,
                          (address >> 8) & 0xff, address & 0xff);
}

guint32
wb_prefix_to_mask (guint prefix)
{
  g_return_val_if_fail (prefix <= 32, G_MAXUINT32);
  /* A shift by 32 is undefined. */
  return prefix == 0 ? 0 : G_MAXUINT32 << (32 - prefix);
}

gboolean
wb_netmask_parse (const char  *text,
                  guint       *prefix,
                  GError     **error)
{
  guint32 mask;
  guint bits = 0;

  if (!wb_ipv4_parse (text, &mask, error))
    return FALSE;
  while (bits < 32 && (mask & (0x80000000u >> bits)) != 0)
    bits++;
  if (mask != wb_prefix_to_mask (bits))
    {
      set_invalid (error, "netmask", text, "the one bits must be contiguous");
      return FALSE;
    }
  *prefix = bits;
  return TRUE;
}

gboolean
wb_cidr_parse (const char  *text,
               guint32     *network,
               guint       *prefix,
               GError     **error)
{
  const char *slash = text != NULL ? strchr (text, '/') : NULL;
  g_autofree char *address_part = NULL;
  guint32 address;
  guint64 bits;

  if (slash != NULL)
    address_part = g_strndup (text, (gsize) (slash - text));
  if (slash == NULL
      || !parse_dotted (address_part, 1, &address)
      || !parse_decimal (slash + 1, 32, &bits))
    {
      set_invalid (error, "network", text,
                   "expected an IPv4 network such as 192.168.15.0/24");
      return FALSE;
    }
  *network = address & wb_prefix_to_mask ((guint) bits);
  *prefix = (guint) bits;
  return TRUE;
}

char *
wb_cidr_to_string (guint32 network,
                   guint   prefix)
{
  g_autofree char *address = NULL;

  g_return_val_if_fail (prefix <= 32, NULL);
  address = wb_ipv4_to_string (network & wb_prefix_to_mask (prefix));
  return g_strdup_printf ("%s/%u", address, prefix);
}

gboolean
wb_mac_parse (const char  *text,
              char         out[13],
              GError     **error)
{
  guint i;

  for (i = 0; text != NULL && g_ascii_isxdigit (text[i]); i++)
    ;
  if (text == NULL || i != 12 || text[12] != '\0')
    {
      set_invalid (error, "MAC address", text,
                   "expected 12 hexadecimal digits without separators");
      return FALSE;
    }
  if ((g_ascii_xdigit_value (text[1]) & 1) != 0)
    {
      set_invalid (error, "MAC address", text,
                   "a multicast address (the second digit must be even)");
      return FALSE;
    }
  for (i = 0; i < 12; i++)
    out[i] = g_ascii_toupper (text[i]);
  out[12] = '\0';
  return TRUE;
}

void
wb_mac_generate (char out[13])
{
  g_snprintf (out, 13, "080027%06X",
              (guint) g_random_int_range (0, 0x1000000));
}

/* --- port-forwarding rules --------------------------------------------- */

WbNatRule *
wb_nat_rule_new (const char *name,
                 WbProto     proto,
                 const char *host_ip,
                 guint16     host_port,
                 const char *guest_ip,
                 guint16     guest_port)
{
  WbNatRule *rule = g_new0 (WbNatRule, 1);

  rule->name = g_strdup (name != NULL ? name : "");
  rule->proto = proto;
  rule->host_ip = g_strdup (host_ip != NULL ? host_ip : "");
  rule->host_port = host_port;
  rule->guest_ip = g_strdup (guest_ip != NULL ? guest_ip : "");
  rule->guest_port = guest_port;
  return rule;
}

WbNatRule *
wb_nat_rule_copy (const WbNatRule *rule)
{
  return wb_nat_rule_new (rule->name, rule->proto, rule->host_ip,
                          rule->host_port, rule->guest_ip, rule->guest_port);
}

void
wb_nat_rule_free (WbNatRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->name);
  g_free (rule->host_ip);
  g_free (rule->guest_ip);
  g_free (rule);
}

const char *
wb_proto_to_string (WbProto proto)
{
  return proto == WB_PROTO_TCP ? "tcp" : "udp";
}

static const NameValue proto_names[] = {
  { "tcp", WB_PROTO_TCP },
  { "udp", WB_PROTO_UDP },
};

gboolean
wb_proto_parse (const char  *text,
                WbProto     *out,
                GError     **error)
{
  int value;

  if (!lookup_name (proto_names, G_N_ELEMENTS (proto_names), text, &value))
    {
      set_invalid (error, "protocol", text, "expected tcp or udp");
      return FALSE;
    }
  *out = (WbProto) value;
  return TRUE;
}

/* "" or a dotted quad, normalised into *out. */
static gboolean
parse_optional_ip (const char  *what,
                   const char  *text,
                   char       **out,
                   GError     **error)
{
  guint32 address;

  if (*text == '\0')
    {
      *out = g_strdup ("");
      return TRUE;
    }
  if (!parse_dotted (text, 4, &address))
    {
      set_invalid (error, what, text,
                   "expected four numbers from 0 to 255 separated by dots");
      return FALSE;
    }
  *out = wb_ipv4_to_string (address);
  return TRUE;
}

/* The checks both rule forms share, on fields already split apart. */
static WbNatRule *
rule_from_fields (const char  *name,
                  const char  *proto_text,
                  const char  *host_ip_text,
                  const char  *host_port_text,
                  const char  *guest_ip_text,
                  const char  *guest_port_text,
                  GError     **error)
{
  g_autofree char *host_ip = NULL;
  g_autofree char *guest_ip = NULL;
  g_autofree char *default_name = NULL;
  WbProto proto;
  guint16 host_port, guest_port;

  if (!wb_proto_parse (proto_text, &proto, error)
      || !parse_optional_ip ("host IP address", host_ip_text, &host_ip, error)
      || !parse_port ("host port", host_port_text, &host_port, error)
      || !parse_optional_ip ("guest IP address", guest_ip_text, &guest_ip, error)
      || !parse_port ("guest port", guest_port_text, &guest_port, error))
    return NULL;
  if (*name == '\0')
    name = default_name = g_strdup_printf ("%s_%u_%u", wb_proto_to_string (proto),
                                           host_port, guest_port);
  if (!wb_name_validate ("rule name", name, WB_RULE_NAME_MAX, error))
    return NULL;
  /* Both rule forms must be able to print the rule back. */
  if (strpbrk (name, ",:") != NULL)
    {
      set_invalid (error, "rule name", name, "a rule name cannot contain ',' or ':'");
      return NULL;
    }
  return wb_nat_rule_new (name, proto, host_ip, host_port, guest_ip, guest_port);
}

/* Splits @text at @separator into exactly six fields. */
static GStrv
split_rule (const char  *text,
            const char  *separator,
            const char  *form,
            GError     **error)
{
  g_auto(GStrv) fields = g_strsplit (text != NULL ? text : "", separator, -1);
  guint n = g_strv_length (fields);

  if (n > 6)
    {
      set_invalid (error, "port-forwarding rule", text,
                   "%u fields separated by '%s', expected 6 (%s); the name "
                   "cannot contain '%s'", n, separator, form, separator);
      return NULL;
    }
  if (n < 6)
    {
      set_invalid (error, "port-forwarding rule", text,
                   "%u fields, expected 6 (%s)", n, form);
      return NULL;
    }
  return g_steal_pointer (&fields);
}

WbNatRule *
wb_nat_rule_parse_vm (const char  *text,
                      GError     **error)
{
  g_auto(GStrv) f = split_rule (text, ",",
                                "name,proto,hostip,hostport,guestip,guestport",
                                error);

  if (f == NULL)
    return NULL;
  return rule_from_fields (f[0], f[1], f[2], f[3], f[4], f[5], error);
}

/* "[text]" -> "text" in place; FALSE without the brackets. */
static gboolean
strip_brackets (char *field)
{
  gsize len = strlen (field);

  if (len < 2 || field[0] != '[' || field[len - 1] != ']')
    return FALSE;
  memmove (field, field + 1, len - 2);
  field[len - 2] = '\0';
  return TRUE;
}

WbNatRule *
wb_nat_rule_parse_natnet (const char  *text,
                          GError     **error)
{
  g_auto(GStrv) f = split_rule (text, ":",
                                "name:proto:[hostip]:hostport:[guestip]:guestport",
                                error);

  if (f == NULL)
    return NULL;
  if (!strip_brackets (f[2]) || !strip_brackets (f[4]))
    {
      set_invalid (error, "port-forwarding rule", text,
                   "the IP addresses must be in square brackets, as in "
                   "ssh:tcp:[]:1022:[192.168.15.5]:22");
      return NULL;
    }
  if (*f[4] == '\0')
    {
      g_autofree char *shown = display_value (f[0]);

      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "NAT network rule '%s' needs a guest IP address", shown);
      return NULL;
    }
  return rule_from_fields (f[0], f[1], f[2], f[3], f[4], f[5], error);
}

char *
wb_nat_rule_format_vm (const WbNatRule *rule)
{
  return g_strdup_printf ("%s,%s,%s,%u,%s,%u", rule->name,
                          wb_proto_to_string (rule->proto), rule->host_ip,
                          rule->host_port, rule->guest_ip, rule->guest_port);
}

char *
wb_nat_rule_format_natnet (const WbNatRule *rule)
{
  return g_strdup_printf ("%s:%s:[%s]:%u:[%s]:%u", rule->name,
                          wb_proto_to_string (rule->proto), rule->host_ip,
                          rule->host_port, rule->guest_ip, rule->guest_port);
}

gboolean
wb_nat_rules_check_add (GPtrArray        *rules,
                        const WbNatRule  *rule,
                        GError          **error)
{
  g_autofree char *shown = NULL;
  guint i;

  for (i = 0; i < rules->len; i++)
    {
      const WbNatRule *other = g_ptr_array_index (rules, i);

      if (strcmp (other->name, rule->name) == 0)
        {
          shown = display_value (rule->name);
          g_set_error (error, WB_ERROR, WB_ERROR_EXISTS,
                       "A port-forwarding rule named '%s' already exists",
                       shown);
          return FALSE;
        }
      if (other->proto == rule->proto
          && other->host_port == rule->host_port
          && strcmp (other->host_ip, rule->host_ip) == 0)
        {
          shown = display_value (other->name);
          g_set_error (error, WB_ERROR, WB_ERROR_EXISTS,
                       "Rule '%s' already forwards %s port %u on %s", shown,
                       wb_proto_to_string (rule->proto), rule->host_port,
                       *rule->host_ip != '\0' ? rule->host_ip
                                              : "every host address");
          return FALSE;
        }
    }
  return TRUE;
}

/* Finds the rule named @name; -1 when there is none. */
static int
rules_find (GPtrArray  *rules,
            const char *name)
{
  guint i;

  for (i = 0; i < rules->len; i++)
    if (strcmp (((WbNatRule *) g_ptr_array_index (rules, i))->name, name) == 0)
      return (int) i;
  return -1;
}

static gboolean
rules_delete (GPtrArray   *rules,
              const char  *name,
              GError     **error)
{
  int index = rules_find (rules, name);

  if (index < 0)
    {
      g_autofree char *shown = display_value (name);

      g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
                   "No port-forwarding rule named '%s'", shown);
      return FALSE;
    }
  g_ptr_array_remove_index (rules, (guint) index);
  return TRUE;
}

typedef WbNatRule *(*RuleParseFunc) (const char  *text,
                                     GError     **error);

/* Parses, checks against @rules, and appends. */
static gboolean
rules_add (GPtrArray      *rules,
           RuleParseFunc   parse,
           const char     *text,
           GError        **error)
{
  g_autoptr(WbNatRule) rule = parse (text, error);

  if (rule == NULL || !wb_nat_rules_check_add (rules, rule, error))
    return FALSE;
  g_ptr_array_add (rules, g_steal_pointer (&rule));
  return TRUE;
}

static GPtrArray *
rules_copy (GPtrArray *rules)
{
  GPtrArray *copy = g_ptr_array_new_full (rules->len,
                                          (GDestroyNotify) wb_nat_rule_free);
  guint i;

  for (i = 0; i < rules->len; i++)
    g_ptr_array_add (copy, wb_nat_rule_copy (g_ptr_array_index (rules, i)));
  return copy;
}

/* --- options ------------------------------------------------------------ */

/* One key of an apply function. @object is the adapter, NAT network or
 * DHCP server; @owner the VM (for adapters) or NULL. */
typedef struct _Option Option;
typedef gboolean (*ApplyFunc) (const Option  *option,
                               gpointer       object,
                               gpointer       owner,
                               const char    *value,
                               GError       **error);
struct _Option
{
  const char *key;
  ApplyFunc   apply;
  gsize       offset;         /* of the field the option sets */
  const char *what;           /* the value's name in messages */
  gboolean    flag;           /* option-specific */
  const char *spelling;       /* the option as users type it, if not --key */
};

#define FIELD(object, option, type) \
  ((type *) G_STRUCT_MEMBER_P ((object), (option)->offset))

static const Option *
find_option (const Option *options,
             gsize         n_options,
             const char   *key)
{
  gsize i;

  for (i = 0; key != NULL && i < n_options; i++)
    if (strcmp (options[i].key, key) == 0)
      return &options[i];
  return NULL;
}

static void
set_unknown_option (GError     **error,
                    const char  *key,
                    const char  *slot)
{
  g_autofree char *shown = display_value (key);

  g_set_error (error, WB_ERROR, WB_ERROR_UNKNOWN_OPTION,
               "Unknown option '--%s%s'", shown, slot);
}

/* Generic handlers, shared by the three option tables. */

static gboolean
apply_bool (const Option  *option,
            gpointer       object,
            gpointer       owner,
            const char    *value,
            GError       **error)
{
  return wb_bool_parse (value, FIELD (object, option, gboolean), error);
}

/* "enable", "disable": the value is ignored. */
static gboolean
apply_set_flag (const Option  *option,
                gpointer       object,
                gpointer       owner,
                const char    *value,
                GError       **error)
{
  *FIELD (object, option, gboolean) = option->flag;
  return TRUE;
}

static void
replace_string (char **field,
                char  *value)
{
  g_free (*field);
  *field = value;
}

/* --- objects: adapters and VMs ----------------------------------------- */

static void
property_free (WbProperty *property)
{
  g_free (property->name);
  g_free (property->value);
  g_free (property);
}

static WbProperty *
property_new (const char *name,
              const char *value)
{
  WbProperty *property = g_new0 (WbProperty, 1);

  property->name = g_strdup (name);
  property->value = g_strdup (value);
  return property;
}

void
wb_adapter_init (WbAdapter *adapter,
                 guint      slot)
{
  memset (adapter, 0, sizeof *adapter);
  adapter->slot = slot;
  adapter->enabled = slot == 1;
  adapter->attachment = slot == 1 ? WB_ATTACHMENT_NAT : WB_ATTACHMENT_NULL;
  adapter->type = WB_NIC_TYPE_AM79C973;
  wb_mac_generate (adapter->mac);
  adapter->cable_connected = TRUE;
  adapter->promisc = WB_PROMISC_DENY;
  adapter->trace_file = g_strdup ("");
  /* No internal network is named until the adapter is put on one. */
  adapter->intnet = g_strdup ("");
  adapter->nat_network = g_strdup ("");
  adapter->bridge_adapter = g_strdup ("");
  adapter->hostonly_adapter = g_strdup ("");
  adapter->generic_driver = g_strdup ("");
  adapter->generic_props = g_ptr_array_new_with_free_func ((GDestroyNotify) property_free);
  adapter->natnet = g_strdup ("");
  adapter->nat_rules = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_nat_rule_free);
}

void
wb_adapter_clear (WbAdapter *adapter)
{
  g_clear_pointer (&adapter->trace_file, g_free);
  g_clear_pointer (&adapter->intnet, g_free);
  g_clear_pointer (&adapter->nat_network, g_free);
  g_clear_pointer (&adapter->bridge_adapter, g_free);
  g_clear_pointer (&adapter->hostonly_adapter, g_free);
  g_clear_pointer (&adapter->generic_driver, g_free);
  g_clear_pointer (&adapter->generic_props, g_ptr_array_unref);
  g_clear_pointer (&adapter->natnet, g_free);
  g_clear_pointer (&adapter->nat_rules, g_ptr_array_unref);
}

void
wb_adapter_copy_into (WbAdapter       *dest,
                      const WbAdapter *src)
{
  guint i;

  *dest = *src;
  dest->trace_file = g_strdup (src->trace_file);
  dest->intnet = g_strdup (src->intnet);
  dest->nat_network = g_strdup (src->nat_network);
  dest->bridge_adapter = g_strdup (src->bridge_adapter);
  dest->hostonly_adapter = g_strdup (src->hostonly_adapter);
  dest->generic_driver = g_strdup (src->generic_driver);
  dest->generic_props = g_ptr_array_new_full (src->generic_props->len,
                                              (GDestroyNotify) property_free);
  for (i = 0; i < src->generic_props->len; i++)
    {
      const WbProperty *property = g_ptr_array_index (src->generic_props, i);

      g_ptr_array_add (dest->generic_props,
                       property_new (property->name, property->value));
    }
  dest->natnet = g_strdup (src->natnet);
  dest->nat_rules = rules_copy (src->nat_rules);
}

/* Whether an adapter of @vm other than @skip, among the first @n, has @mac. */
static gboolean
vm_has_mac (const WbVm      *vm,
            guint            n,
            const WbAdapter *skip,
            const char      *mac)
{
  guint i;

  for (i = 0; i < n; i++)
    if (&vm->adapters[i] != skip && strcmp (vm->adapters[i].mac, mac) == 0)
      return TRUE;
  return FALSE;
}

/* Adds or replaces the service on @port, keeping @services sorted. */
static void
services_set (GArray          *services,
              guint16          port,
              WbVmServiceKind  kind)
{
  WbVmService service = { port, kind };
  guint i;

  for (i = 0; i < services->len; i++)
    {
      WbVmService *it = &g_array_index (services, WbVmService, i);

      if (it->port == port)
        {
          it->kind = kind;
          return;
        }
      if (it->port > port)
        break;
    }
  g_array_insert_val (services, i, service);
}

WbVm *
wb_vm_new (const char *name)
{
  WbVm *vm = g_new0 (WbVm, 1);
  guint i;

  vm->uuid = g_uuid_string_random ();
  vm->name = g_strdup (name);
  for (i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      wb_adapter_init (&vm->adapters[i], i + 1);
      while (vm_has_mac (vm, i, NULL, vm->adapters[i].mac))
        wb_mac_generate (vm->adapters[i].mac);
      vm->guest[i].dhcp = TRUE;
    }
  /* What every guest runs unless told otherwise (DESIGN.md §4). */
  vm->services = g_array_new (FALSE, FALSE, sizeof (WbVmService));
  services_set (vm->services, 22, WB_VM_SERVICE_SSH);
  services_set (vm->services, 80, WB_VM_SERVICE_HTTP);
  return vm;
}

WbVm *
wb_vm_copy (const WbVm *vm)
{
  WbVm *copy = g_new0 (WbVm, 1);
  guint i;

  *copy = *vm;
  copy->uuid = g_strdup (vm->uuid);
  copy->name = g_strdup (vm->name);
  for (i = 0; i < WB_MAX_ADAPTERS; i++)
    wb_adapter_copy_into (&copy->adapters[i], &vm->adapters[i]);
  copy->services = g_array_new (FALSE, FALSE, sizeof (WbVmService));
  if (vm->services != NULL)
    g_array_append_vals (copy->services, vm->services->data, vm->services->len);
  return copy;
}

void
wb_vm_free (WbVm *vm)
{
  guint i;

  if (vm == NULL)
    return;
  g_free (vm->uuid);
  g_free (vm->name);
  for (i = 0; i < WB_MAX_ADAPTERS; i++)
    wb_adapter_clear (&vm->adapters[i]);
  g_clear_pointer (&vm->services, g_array_unref);
  g_free (vm);
}

static gboolean
apply_nic (const Option  *option,
           gpointer       object,
           gpointer       owner,
           const char    *value,
           GError       **error)
{
  WbAdapter *adapter = object;
  WbAttachment attachment = adapter->attachment;
  gboolean enabled;

  if (!wb_attachment_parse (value, &attachment, &enabled, error))
    return FALSE;
  adapter->enabled = enabled;
  adapter->attachment = attachment;
  /* As VirtualBox's dialog does: an internal network is "intnet" until the
   * user names another. */
  if (attachment == WB_ATTACHMENT_INTNET && enabled && *adapter->intnet == '\0')
    {
      g_free (adapter->intnet);
      adapter->intnet = g_strdup ("intnet");
    }
  return TRUE;
}

static gboolean
apply_nic_type (const Option  *option,
                gpointer       object,
                gpointer       owner,
                const char    *value,
                GError       **error)
{
  return wb_nic_type_parse (value, &((WbAdapter *) object)->type, error);
}

static gboolean
apply_promisc (const Option  *option,
               gpointer       object,
               gpointer       owner,
               const char    *value,
               GError       **error)
{
  return wb_promisc_parse (value, &((WbAdapter *) object)->promisc, error);
}

static gboolean
apply_mac (const Option  *option,
           gpointer       object,
           gpointer       owner,
           const char    *value,
           GError       **error)
{
  WbAdapter *adapter = object;
  char mac[13];

  if (g_ascii_strcasecmp (value, "auto") != 0)
    return wb_mac_parse (value, adapter->mac, error);
  do
    wb_mac_generate (mac);
  while (vm_has_mac (owner, WB_MAX_ADAPTERS, adapter, mac));
  memcpy (adapter->mac, mac, sizeof mac);
  return TRUE;
}

/* The target of a mode; with option->flag, "none" clears it. */
static gboolean
apply_target (const Option  *option,
              gpointer       object,
              gpointer       owner,
              const char    *value,
              GError       **error)
{
  if (option->flag && g_ascii_strcasecmp (value, "none") == 0)
    value = "";
  else if (!wb_name_validate (option->what, value, WB_NAME_MAX, error))
    return FALSE;
  replace_string (FIELD (object, option, char *), g_strdup (value));
  return TRUE;
}

static const NameValue generic_drivers[] = {
  { "UDPTunnel", 0 },
  { "VDE", 1 },
};

static gboolean
apply_generic_driver (const Option  *option,
                      gpointer       object,
                      gpointer       owner,
                      const char    *value,
                      GError       **error)
{
  WbAdapter *adapter = object;
  int index;

  if (!lookup_name (generic_drivers, G_N_ELEMENTS (generic_drivers), value,
                    &index))
    {
      set_invalid (error, "generic driver", value, "expected UDPTunnel or VDE");
      return FALSE;
    }
  replace_string (&adapter->generic_driver,
                  g_strdup (generic_drivers[index].name));
  return TRUE;
}

/* Sets, replaces or (with an empty value) removes a property, keeping the
 * array sorted by name. */
static void
properties_set (GPtrArray  *props,
                const char *name,
                const char *value)
{
  guint i;
  int cmp = 1;

  for (i = 0; i < props->len; i++)
    {
      cmp = strcmp (((WbProperty *) g_ptr_array_index (props, i))->name, name);
      if (cmp >= 0)
        break;
    }
  if (i < props->len && cmp == 0)
    g_ptr_array_remove_index (props, i);
  if (*value != '\0')
    g_ptr_array_insert (props, (int) i, property_new (name, value));
}

static gboolean
apply_property (const Option  *option,
                gpointer       object,
                gpointer       owner,
                const char    *value,
                GError       **error)
{
  WbAdapter *adapter = object;
  const char *equals = strchr (value, '=');
  g_autofree char *name = NULL;

  if (equals == NULL || equals == value)
    {
      set_invalid (error, "property", value, "expected name=value");
      return FALSE;
    }
  name = g_strndup (value, (gsize) (equals - value));
  if (!check_text_bytes ("property name", name, WB_PROPERTY_MAX, error)
      || !check_text_bytes ("property value", equals + 1, WB_PROPERTY_MAX, error))
    return FALSE;
  properties_set (adapter->generic_props, name, equals + 1);
  return TRUE;
}

static gboolean
apply_natnet (const Option  *option,
              gpointer       object,
              gpointer       owner,
              const char    *value,
              GError       **error)
{
  WbAdapter *adapter = object;
  guint32 network;
  guint prefix;

  if (g_ascii_strcasecmp (value, "default") == 0)
    {
      replace_string (&adapter->natnet, g_strdup (""));
      return TRUE;
    }
  if (!wb_cidr_parse (value, &network, &prefix, error))
    return FALSE;
  if (prefix > NATNET_PREFIX_MAX)
    {
      set_invalid (error, "NAT network", value,
                   "too small, the prefix must be at most /%u",
                   NATNET_PREFIX_MAX);
      return FALSE;
    }
  replace_string (&adapter->natnet, wb_cidr_to_string (network, prefix));
  return TRUE;
}

static gboolean
apply_natpf (const Option  *option,
             gpointer       object,
             gpointer       owner,
             const char    *value,
             GError       **error)
{
  return rules_add (((WbAdapter *) object)->nat_rules, wb_nat_rule_parse_vm,
                    value, error);
}

static gboolean
apply_natpf_delete (const Option  *option,
                    gpointer       object,
                    gpointer       owner,
                    const char    *value,
                    GError       **error)
{
  return rules_delete (((WbAdapter *) object)->nat_rules, value, error);
}

static gboolean
apply_trace_file (const Option  *option,
                  gpointer       object,
                  gpointer       owner,
                  const char    *value,
                  GError       **error)
{
  WbAdapter *adapter = object;

  if (*value == '\0')
    {
      set_invalid (error, "trace file", value, "must not be empty");
      return FALSE;
    }
  if (!check_text_bytes ("trace file", value, WB_PATH_MAX, error))
    return FALSE;
  replace_string (&adapter->trace_file, g_strdup (value));
  return TRUE;
}

static gboolean
apply_speed (const Option  *option,
             gpointer       object,
             gpointer       owner,
             const char    *value,
             GError       **error)
{
  guint64 speed;

  if (!parse_decimal (value, NIC_SPEED_MAX, &speed))
    {
      set_invalid (error, "speed", value,
                   "expected a number of kbps from 0 to %u", NIC_SPEED_MAX);
      return FALSE;
    }
  ((WbAdapter *) object)->speed_kbps = (guint32) speed;
  return TRUE;
}

/* "MTU[,socksnd,sockrcv,tcpwndsnd,tcpwndrcv]": only the MTU is kept; the
 * others must be empty or decimal. */
static gboolean
apply_nat_settings (const Option  *option,
                    gpointer       object,
                    gpointer       owner,
                    const char    *value,
                    GError       **error)
{
  g_auto(GStrv) fields = g_strsplit (value, ",", -1);
  guint n = g_strv_length (fields);
  guint64 number = 0, mtu = 0;
  guint i;

  if (n > 5)
    {
      set_invalid (error, "NAT settings", value,
                   "expected MTU[,socksnd,sockrcv,tcpwndsnd,tcpwndrcv]");
      return FALSE;
    }
  for (i = 1; i < n; i++)
    if (*fields[i] != '\0' && !parse_decimal (fields[i], G_MAXUINT32, &number))
      {
        set_invalid (error, "NAT settings", value,
                     "the socket and window sizes must be decimal numbers");
        return FALSE;
      }
  if (n > 0 && *fields[0] != '\0'
      && (!parse_decimal (fields[0], NAT_MTU_MAX, &mtu)
          || (mtu != 0 && mtu < NAT_MTU_MIN)))
    {
      set_invalid (error, "NAT settings", value,
                   "the MTU must be 0 (default) or from %u to %u",
                   NAT_MTU_MIN, NAT_MTU_MAX);
      return FALSE;
    }
  ((WbAdapter *) object)->nat_mtu = (guint) mtu;
  return TRUE;
}

static const Option vm_options[] = {
  { "nic", apply_nic },
  { "nictype", apply_nic_type },
  { "cableconnected", apply_bool, G_STRUCT_OFFSET (WbAdapter, cable_connected) },
  { "nicpromisc", apply_promisc },
  { "macaddress", apply_mac },
  { "intnet", apply_target, G_STRUCT_OFFSET (WbAdapter, intnet),
    "internal network name", FALSE },
  { "natnetwork", apply_target, G_STRUCT_OFFSET (WbAdapter, nat_network),
    "NAT network name", FALSE },
  { "bridgeadapter", apply_target, G_STRUCT_OFFSET (WbAdapter, bridge_adapter),
    "bridged adapter name", TRUE },
  { "hostonlyadapter", apply_target, G_STRUCT_OFFSET (WbAdapter, hostonly_adapter),
    "host-only adapter name", TRUE },
  { "nicgenericdrv", apply_generic_driver },
  { "nicproperty", apply_property },
  { "natnet", apply_natnet },
  { "natpf", apply_natpf },
  { "natpfdelete", apply_natpf_delete },
  { "nictrace", apply_bool, G_STRUCT_OFFSET (WbAdapter, trace) },
  { "nictracefile", apply_trace_file },
  { "natlocalhostreachable", apply_bool,
    G_STRUCT_OFFSET (WbAdapter, nat_localhost_reachable) },
  { "nicspeed", apply_speed },
  { "natsettings", apply_nat_settings },
};

/* Every handler validates the whole value before it changes anything, so a
 * failed call leaves the VM as it was. */
gboolean
wb_vm_apply (WbVm        *vm,
             const char  *key,
             guint        slot,
             const char  *value,
             GError     **error)
{
  const Option *option = find_option (vm_options, G_N_ELEMENTS (vm_options), key);

  g_return_val_if_fail (vm != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (option == NULL)
    {
      g_autofree char *slot_text = g_strdup_printf ("%u", slot);

      set_unknown_option (error, key, slot_text);
      return FALSE;
    }
  if (slot < 1 || slot > WB_MAX_ADAPTERS)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Invalid NIC number %u in '--%s%u': must be 1 to %u",
                   slot, key, slot, WB_MAX_ADAPTERS);
      return FALSE;
    }
  if (!option->apply (option, &vm->adapters[slot - 1], vm, value, error))
    {
      g_prefix_error (error, "--%s%u: ", key, slot);
      return FALSE;
    }
  return TRUE;
}

/* --- guest settings ------------------------------------------------------ */

static const NameValue service_kinds[] = {
  { "ssh", WB_VM_SERVICE_SSH },
  { "http", WB_VM_SERVICE_HTTP },
  { "echo", WB_VM_SERVICE_ECHO },
};

const char *
wb_vm_service_kind_to_string (WbVmServiceKind kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (service_kinds); i++)
    if (service_kinds[i].value == (int) kind)
      return service_kinds[i].name;
  g_return_val_if_reached ("ssh");
}

static gboolean
apply_guest_ip (const Option  *option,
                gpointer       object,
                gpointer       owner,
                const char    *value,
                GError       **error)
{
  WbGuestIfConfig *config = object;
  g_auto(GStrv) parts = NULL;
  guint32 address;
  guint64 prefix;

  if (g_ascii_strcasecmp (value, "dhcp") == 0)
    {
      config->dhcp = TRUE;
      return TRUE;
    }
  parts = g_strsplit (value, "/", 2);
  if (g_strv_length (parts) != 2 || !parse_decimal (parts[1], 32, &prefix)
      || prefix < 1 || prefix > 30)
    {
      set_invalid (error, "guest address", value,
                   "expected 'dhcp' or ADDRESS/PREFIX with a prefix from 1 to 30");
      return FALSE;
    }
  if (!wb_ipv4_parse (parts[0], &address, error))
    return FALSE;
  {
    guint32 host = address & ~wb_prefix_to_mask ((guint) prefix);

    /* Neither the network's own address nor its broadcast address. */
    if (host == 0 || host == ~wb_prefix_to_mask ((guint) prefix))
      {
        set_invalid (error, "guest address", value,
                     "the network or broadcast address of its subnet");
        return FALSE;
      }
  }
  config->dhcp = FALSE;
  config->address = address;
  config->prefix = (guint) prefix;
  return TRUE;
}

static gboolean
apply_guest_gateway (const Option  *option,
                     gpointer       object,
                     gpointer       owner,
                     const char    *value,
                     GError       **error)
{
  WbGuestIfConfig *config = object;
  guint32 gateway;

  if (g_ascii_strcasecmp (value, "none") == 0)
    gateway = 0;
  else if (!wb_ipv4_parse (value, &gateway, error))
    return FALSE;
  config->gateway = gateway;
  return TRUE;
}

static gboolean
apply_guest_mtu (const Option  *option,
                 gpointer       object,
                 gpointer       owner,
                 const char    *value,
                 GError       **error)
{
  WbGuestIfConfig *config = object;
  guint64 mtu;

  if (!parse_decimal (value, 9000, &mtu) || mtu < 68)
    {
      set_invalid (error, "MTU", value, "expected a number from 68 to 9000");
      return FALSE;
    }
  config->mtu = (guint) mtu;
  return TRUE;
}

/* "tcp:PORT" -> PORT, and the rest after a further ':' in *rest. */
static gboolean
parse_service_port (const char   *value,
                    guint16      *port,
                    const char  **rest,
                    GError      **error)
{
  g_auto(GStrv) parts = g_strsplit (value, ":", 3);
  const char *end;

  if (g_strv_length (parts) < 2 || g_ascii_strcasecmp (parts[0], "tcp") != 0)
    {
      set_invalid (error, "service", value, "expected tcp:PORT[:KIND]");
      return FALSE;
    }
  if (!parse_port ("service port", parts[1], port, error))
    return FALSE;
  end = strchr (value, ':');
  end = strchr (end + 1, ':');
  *rest = end != NULL ? end + 1 : NULL;
  return TRUE;
}

static gboolean
apply_service (const Option  *option,
               gpointer       object,
               gpointer       owner,
               const char    *value,
               GError       **error)
{
  WbVm *vm = object;
  const char *kind_text = NULL;
  guint16 port;
  int kind;

  if (!parse_service_port (value, &port, &kind_text, error))
    return FALSE;
  if (kind_text == NULL
      || !lookup_name (service_kinds, G_N_ELEMENTS (service_kinds), kind_text, &kind))
    {
      set_invalid (error, "service", value, "expected tcp:PORT:http, tcp:PORT:ssh or tcp:PORT:echo");
      return FALSE;
    }
  services_set (vm->services, port, (WbVmServiceKind) kind);
  return TRUE;
}

static gboolean
apply_service_remove (const Option  *option,
                      gpointer       object,
                      gpointer       owner,
                      const char    *value,
                      GError       **error)
{
  WbVm *vm = object;
  const char *rest = NULL;
  guint16 port;

  if (!parse_service_port (value, &port, &rest, error))
    return FALSE;
  for (guint i = 0; i < vm->services->len; i++)
    if (g_array_index (vm->services, WbVmService, i).port == port)
      {
        g_array_remove_index (vm->services, i);
        return TRUE;
      }
  g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND, "No service on TCP port %u", port);
  return FALSE;
}

/* Options of one interface (slot 1..8) and of the whole guest (slot 0). */
static const Option guest_if_options[] = {
  { "guestip", apply_guest_ip },
  { "guestgateway", apply_guest_gateway },
  { "guestmtu", apply_guest_mtu },
  { "masquerade", apply_bool, G_STRUCT_OFFSET (WbGuestIfConfig, masquerade) },
};

static const Option guest_options[] = {
  { "ipforward", apply_bool, G_STRUCT_OFFSET (WbVm, ip_forward), NULL, FALSE, "ip-forward" },
  { "service", apply_service },
  { "serviceremove", apply_service_remove, 0, NULL, FALSE, "service" },
};

gboolean
wb_vm_apply_guest (WbVm        *vm,
                   const char  *key,
                   guint        slot,
                   const char  *value,
                   GError     **error)
{
  const Option *option;
  g_autoptr(WbVm) work = NULL;

  g_return_val_if_fail (vm != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  /* Work on a copy: a handler may fail after a partial change. */
  work = wb_vm_copy (vm);
  if ((option = find_option (guest_options, G_N_ELEMENTS (guest_options), key)) != NULL)
    {
      if (slot != 0)
        {
          set_unknown_option (error, key, "N");
          return FALSE;
        }
      if (!option->apply (option, work, NULL, value, error))
        {
          g_prefix_error (error, "--%s: ", option->spelling != NULL ? option->spelling : key);
          return FALSE;
        }
    }
  else if ((option = find_option (guest_if_options, G_N_ELEMENTS (guest_if_options), key)) != NULL)
    {
      if (slot < 1 || slot > WB_MAX_ADAPTERS)
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       "Invalid NIC number %u in '--%s%u': must be 1 to %u",
                       slot, key, slot, WB_MAX_ADAPTERS);
          return FALSE;
        }
      if (!option->apply (option, &work->guest[slot - 1], work, value, error))
        {
          g_prefix_error (error, "--%s%u: ", key, slot);
          return FALSE;
        }
    }
  else
    {
      g_autofree char *slot_text = slot != 0 ? g_strdup_printf ("%u", slot) : g_strdup ("");

      set_unknown_option (error, key, slot_text);
      return FALSE;
    }

  memcpy (vm->guest, work->guest, sizeof vm->guest);
  vm->ip_forward = work->ip_forward;
  g_array_set_size (vm->services, 0);
  g_array_append_vals (vm->services, work->services->data, work->services->len);
  return TRUE;
}

char *
wb_adapter_effective_natnet (const WbAdapter *adapter)
{
  if (*adapter->natnet != '\0')
    return g_strdup (adapter->natnet);
  return g_strdup_printf ("10.0.%u.0/24", adapter->slot + 1);
}

guint
wb_adapter_effective_nat_mtu (const WbAdapter *adapter)
{
  if (adapter->nat_mtu == 0 || !wb_nic_type_carries_jumbo (adapter->type))
    return WB_ETH_MTU;
  return MIN (adapter->nat_mtu, NAT_MTU_MAX);
}

guint
wb_guest_if_effective_mtu (const WbGuestIfConfig *ifconfig,
                           const WbAdapter       *adapter)
{
  if (ifconfig->mtu != 0)
    return ifconfig->mtu;
  if (adapter->attachment == WB_ATTACHMENT_NAT)
    return wb_adapter_effective_nat_mtu (adapter);
  return WB_ETH_MTU;
}

/* --- NAT networks ------------------------------------------------------- */

static void
loopback_map_free (WbLoopbackMap *map)
{
  g_free (map->address);
  g_free (map);
}

static WbLoopbackMap *
loopback_map_new (const char *address,
                  guint       offset)
{
  WbLoopbackMap *map = g_new0 (WbLoopbackMap, 1);

  map->address = g_strdup (address);
  map->offset = offset;
  return map;
}

WbNatNetwork *
wb_nat_network_new (const char *name)
{
  WbNatNetwork *net = g_new0 (WbNatNetwork, 1);

  net->name = g_strdup (name);
  net->network = g_strdup ("10.0.2.0/24");
  net->enabled = TRUE;
  net->dhcp = TRUE;
  net->ipv6 = FALSE;
  net->ipv6_prefix = g_strdup ("fd17:625c:f037:2::/64");
  net->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_nat_rule_free);
  net->loopback = g_ptr_array_new_with_free_func ((GDestroyNotify) loopback_map_free);
  g_ptr_array_add (net->loopback, loopback_map_new ("127.0.0.1", 2));
  return net;
}

WbNatNetwork *
wb_nat_network_copy (const WbNatNetwork *net)
{
  WbNatNetwork *copy = g_new0 (WbNatNetwork, 1);
  guint i;

  *copy = *net;
  copy->name = g_strdup (net->name);
  copy->network = g_strdup (net->network);
  copy->ipv6_prefix = g_strdup (net->ipv6_prefix);
  copy->rules = rules_copy (net->rules);
  copy->loopback = g_ptr_array_new_full (net->loopback->len,
                                         (GDestroyNotify) loopback_map_free);
  for (i = 0; i < net->loopback->len; i++)
    {
      const WbLoopbackMap *map = g_ptr_array_index (net->loopback, i);

      g_ptr_array_add (copy->loopback, loopback_map_new (map->address, map->offset));
    }
  return copy;
}

void
wb_nat_network_free (WbNatNetwork *net)
{
  if (net == NULL)
    return;
  g_free (net->name);
  g_free (net->network);
  g_free (net->ipv6_prefix);
  g_clear_pointer (&net->rules, g_ptr_array_unref);
  g_clear_pointer (&net->loopback, g_ptr_array_unref);
  g_free (net);
}

/* The largest host offset of a /@prefix network (without the broadcast). */
static guint
host_offset_max (guint prefix)
{
  if (prefix >= 31)
    return 0;
  return (guint) ((G_GUINT64_CONSTANT (1) << (32 - prefix)) - 2);
}

static guint
nat_network_prefix (const WbNatNetwork *net)
{
  guint32 network;
  guint prefix = 24;

  wb_cidr_parse (net->network, &network, &prefix, NULL);
  return prefix;
}

static gboolean
apply_network (const Option  *option,
               gpointer       object,
               gpointer       owner,
               const char    *value,
               GError       **error)
{
  WbNatNetwork *net = object;
  guint32 network;
  guint prefix, i;

  if (!wb_cidr_parse (value, &network, &prefix, error))
    return FALSE;
  if (prefix < NAT_NETWORK_PREFIX_MIN || prefix > NAT_NETWORK_PREFIX_MAX)
    {
      set_invalid (error, "network", value, "the prefix must be from /%u to /%u",
                   NAT_NETWORK_PREFIX_MIN, NAT_NETWORK_PREFIX_MAX);
      return FALSE;
    }
  for (i = 0; i < net->loopback->len; i++)
    {
      const WbLoopbackMap *map = g_ptr_array_index (net->loopback, i);

      if (map->offset > host_offset_max (prefix))
        {
          set_invalid (error, "network", value,
                       "too small for the loopback mapping %s=%u",
                       map->address, map->offset);
          return FALSE;
        }
    }
  replace_string (&net->network, wb_cidr_to_string (network, prefix));
  return TRUE;
}

static gboolean
apply_portforward4 (const Option  *option,
                    gpointer       object,
                    gpointer       owner,
                    const char    *value,
                    GError       **error)
{
  return rules_add (((WbNatNetwork *) object)->rules, wb_nat_rule_parse_natnet,
                    value, error);
}

static gboolean
apply_portforward4_delete (const Option  *option,
                           gpointer       object,
                           gpointer       owner,
                           const char    *value,
                           GError       **error)
{
  return rules_delete (((WbNatNetwork *) object)->rules, value, error);
}

/* A 127.0.0.0/8 address, normalised into *out. */
static gboolean
parse_loopback_address (const char  *text,
                        char       **out,
                        GError     **error)
{
  guint32 address;

  if (!wb_ipv4_parse (text, &address, error))
    return FALSE;
  if ((address >> 24) != 127)
    {
      set_invalid (error, "loopback address", text, "must be in 127.0.0.0/8");
      return FALSE;
    }
  *out = wb_ipv4_to_string (address);
  return TRUE;
}

/* Finds the map of @address (normalised); -1 when there is none. */
static int
loopback_find (GPtrArray  *loopback,
               const char *address)
{
  guint i;

  for (i = 0; i < loopback->len; i++)
    if (strcmp (((WbLoopbackMap *) g_ptr_array_index (loopback, i))->address,
                address) == 0)
      return (int) i;
  return -1;
}

static gboolean
apply_loopback4 (const Option  *option,
                 gpointer       object,
                 gpointer       owner,
                 const char    *value,
                 GError       **error)
{
  WbNatNetwork *net = object;
  const char *equals = strchr (value, '=');
  g_autofree char *address_text = NULL;
  g_autofree char *address = NULL;
  guint max = host_offset_max (nat_network_prefix (net));
  guint64 offset;
  int index;

  if (equals == NULL)
    {
      set_invalid (error, "loopback mapping", value, "expected 127.0.0.1=OFFSET");
      return FALSE;
    }
  address_text = g_strndup (value, (gsize) (equals - value));
  if (!parse_loopback_address (address_text, &address, error))
    return FALSE;
  if (!parse_decimal (equals + 1, max, &offset) || offset == 0)
    {
      set_invalid (error, "loopback mapping", value,
                   "the offset must be from 1 to %u in %s", max, net->network);
      return FALSE;
    }
  index = loopback_find (net->loopback, address);
  if (index >= 0)
    g_ptr_array_remove_index (net->loopback, (guint) index);
  g_ptr_array_add (net->loopback, loopback_map_new (address, (guint) offset));
  return TRUE;
}

static gboolean
apply_loopback4_delete (const Option  *option,
                        gpointer       object,
                        gpointer       owner,
                        const char    *value,
                        GError       **error)
{
  WbNatNetwork *net = object;
  g_autofree char *address = NULL;
  int index;

  if (!parse_loopback_address (value, &address, error))
    return FALSE;
  index = loopback_find (net->loopback, address);
  if (index < 0)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
                   "No loopback mapping for %s", address);
      return FALSE;
    }
  g_ptr_array_remove_index (net->loopback, (guint) index);
  return TRUE;
}

static const Option nat_network_options[] = {
  { "network", apply_network },
  { "enable", apply_set_flag, G_STRUCT_OFFSET (WbNatNetwork, enabled), NULL, TRUE },
  { "disable", apply_set_flag, G_STRUCT_OFFSET (WbNatNetwork, enabled), NULL, FALSE },
  { "dhcp", apply_bool, G_STRUCT_OFFSET (WbNatNetwork, dhcp) },
  { "ipv6", apply_bool, G_STRUCT_OFFSET (WbNatNetwork, ipv6) },
  { "portforward4", apply_portforward4, 0, NULL, FALSE, "port-forward-4" },
  { "portforward4delete", apply_portforward4_delete, 0, NULL, FALSE, "port-forward-4" },
  { "loopback4", apply_loopback4, 0, NULL, FALSE, "loopback-4" },
  { "loopback4delete", apply_loopback4_delete, 0, NULL, FALSE, "loopback-4" },
};

/* Applies @key of @options to @object; the message names "--<key>". */
static gboolean
apply_option (const Option  *options,
              gsize          n_options,
              gpointer       object,
              const char    *key,
              const char    *value,
              GError       **error)
{
  const Option *option = find_option (options, n_options, key);

  g_return_val_if_fail (value != NULL, FALSE);

  if (option == NULL)
    {
      set_unknown_option (error, key, "");
      return FALSE;
    }
  if (!option->apply (option, object, NULL, value, error))
    {
      g_prefix_error (error, "--%s: ", option->spelling != NULL ? option->spelling : key);
      return FALSE;
    }
  return TRUE;
}

gboolean
wb_nat_network_apply (WbNatNetwork  *net,
                      const char    *key,
                      const char    *value,
                      GError       **error)
{
  return apply_option (nat_network_options, G_N_ELEMENTS (nat_network_options),
                       net, key, value, error);
}

char *
wb_nat_network_gateway (const WbNatNetwork *net)
{
  guint32 network;
  guint prefix;

  if (!wb_cidr_parse (net->network, &network, &prefix, NULL))
    return NULL;
  return wb_ipv4_to_string (network + 1);
}

/* --- host-only interfaces ----------------------------------------------- */

WbHostOnlyIf *
wb_host_only_if_new (guint index)
{
  WbHostOnlyIf *hif;
  guchar b[10] = { 0 };

  g_return_val_if_fail (index <= WB_HOST_ONLY_IF_MAX, NULL);

  hif = g_new0 (WbHostOnlyIf, 1);
  hif->name = g_strdup_printf ("vboxnet%u", index);
  /* VirtualBox on Linux: the name's bytes made a version 4 UUID, with the
   * interface's MAC address as the node. */
  memcpy (b, hif->name, MIN (strlen (hif->name), sizeof b));
  hif->guid = g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                               "0a00270000%02x",
                               b[3], b[2], b[1], b[0], b[5], b[4],
                               (b[7] & 0x0f) | 0x40, b[6],
                               (b[8] & 0x3f) | 0x80, b[9], index);
  hif->ip = g_strdup_printf ("192.168.%u.1", 56 + index);
  hif->netmask = g_strdup ("255.255.255.0");
  hif->mac = g_strdup_printf ("0a:00:27:00:00:%02x", index);
  hif->dhcp = FALSE;
  hif->relay = TRUE;
  return hif;
}

WbHostOnlyIf *
wb_host_only_if_copy (const WbHostOnlyIf *hif)
{
  WbHostOnlyIf *copy = g_new0 (WbHostOnlyIf, 1);

  copy->name = g_strdup (hif->name);
  copy->guid = g_strdup (hif->guid);
  copy->ip = g_strdup (hif->ip);
  copy->netmask = g_strdup (hif->netmask);
  copy->mac = g_strdup (hif->mac);
  copy->dhcp = hif->dhcp;
  copy->relay = hif->relay;
  return copy;
}

void
wb_host_only_if_free (WbHostOnlyIf *hif)
{
  if (hif == NULL)
    return;
  g_free (hif->name);
  g_free (hif->guid);
  g_free (hif->ip);
  g_free (hif->netmask);
  g_free (hif->mac);
  g_free (hif);
}

gboolean
wb_host_only_if_index (const char *name,
                       guint      *index)
{
  const char *digits;
  guint64 value;

  if (name == NULL || !g_str_has_prefix (name, "vboxnet"))
    return FALSE;
  digits = name + strlen ("vboxnet");
  /* "vboxnet07" is not vboxnet7. */
  if (digits[0] == '0' && digits[1] != '\0')
    return FALSE;
  if (!parse_decimal (digits, WB_HOST_ONLY_IF_MAX, &value))
    return FALSE;
  *index = (guint) value;
  return TRUE;
}

char *
wb_host_only_network_name (const char *ifname)
{
  return g_strconcat ("HostInterfaceNetworking-", ifname, NULL);
}

/* --- DHCP servers ------------------------------------------------------- */

WbDhcpServer *
wb_dhcp_server_new (const char *network_name)
{
  WbDhcpServer *server = g_new0 (WbDhcpServer, 1);

  server->network_name = g_strdup (network_name);
  server->server_ip = g_strdup ("");
  server->netmask = g_strdup ("");
  server->lower_ip = g_strdup ("");
  server->upper_ip = g_strdup ("");
  server->enabled = FALSE;
  return server;
}

WbDhcpServer *
wb_dhcp_server_new_for_host_only (const WbHostOnlyIf *hif)
{
  g_autofree char *network_name = wb_host_only_network_name (hif->name);
  WbDhcpServer *server = wb_dhcp_server_new (network_name);
  guint32 ip, mask, net, broadcast, first;
  guint prefix;

  if (!wb_ipv4_parse (hif->ip, &ip, NULL)
      || !wb_netmask_parse (hif->netmask, &prefix, NULL))
    return server;
  mask = wb_prefix_to_mask (prefix);
  net = ip & mask;
  broadcast = net | ~mask;
  /* .100 and up when the subnet is large enough, else right after the
   * interface's own address. */
  first = broadcast - net > 101 ? net + 100 : ip + 1;
  replace_string (&server->server_ip, wb_ipv4_to_string (first));
  replace_string (&server->netmask, g_strdup (hif->netmask));
  replace_string (&server->lower_ip, wb_ipv4_to_string (first + 1));
  replace_string (&server->upper_ip, wb_ipv4_to_string (broadcast - 1));
  server->enabled = TRUE;
  return server;
}

WbDhcpServer *
wb_dhcp_server_copy (const WbDhcpServer *server)
{
  WbDhcpServer *copy = g_new0 (WbDhcpServer, 1);

  copy->network_name = g_strdup (server->network_name);
  copy->server_ip = g_strdup (server->server_ip);
  copy->netmask = g_strdup (server->netmask);
  copy->lower_ip = g_strdup (server->lower_ip);
  copy->upper_ip = g_strdup (server->upper_ip);
  copy->enabled = server->enabled;
  return copy;
}

void
wb_dhcp_server_free (WbDhcpServer *server)
{
  if (server == NULL)
    return;
  g_free (server->network_name);
  g_free (server->server_ip);
  g_free (server->netmask);
  g_free (server->lower_ip);
  g_free (server->upper_ip);
  g_free (server);
}

static gboolean
apply_address (const Option  *option,
               gpointer       object,
               gpointer       owner,
               const char    *value,
               GError       **error)
{
  guint32 address;

  if (!wb_ipv4_parse (value, &address, error))
    return FALSE;
  replace_string (FIELD (object, option, char *), wb_ipv4_to_string (address));
  return TRUE;
}

static gboolean
apply_netmask (const Option  *option,
               gpointer       object,
               gpointer       owner,
               const char    *value,
               GError       **error)
{
  guint prefix;

  if (!wb_netmask_parse (value, &prefix, error))
    return FALSE;
  replace_string (FIELD (object, option, char *),
                  wb_ipv4_to_string (wb_prefix_to_mask (prefix)));
  return TRUE;
}

static const Option dhcp_options[] = {
  { "server-ip", apply_address, G_STRUCT_OFFSET (WbDhcpServer, server_ip) },
  { "netmask", apply_netmask, G_STRUCT_OFFSET (WbDhcpServer, netmask) },
  { "lower-ip", apply_address, G_STRUCT_OFFSET (WbDhcpServer, lower_ip) },
  { "upper-ip", apply_address, G_STRUCT_OFFSET (WbDhcpServer, upper_ip) },
  { "enable", apply_set_flag, G_STRUCT_OFFSET (WbDhcpServer, enabled), NULL, TRUE },
  { "disable", apply_set_flag, G_STRUCT_OFFSET (WbDhcpServer, enabled), NULL, FALSE },
};

gboolean
wb_dhcp_server_apply (WbDhcpServer  *server,
                      const char    *key,
                      const char    *value,
                      GError       **error)
{
  return apply_option (dhcp_options, G_N_ELEMENTS (dhcp_options),
                       server, key, value, error);
}

/* @address must be a host address (not the network's own address nor its
 * broadcast) of @net/@prefix. */
static gboolean
check_host_address (const char  *what,
                    guint32      address,
                    guint32      net,
                    guint        prefix,
                    GError     **error)
{
  guint32 mask = wb_prefix_to_mask (prefix);
  g_autofree char *address_text = NULL;
  g_autofree char *net_text = NULL;

  if ((address & mask) == net
      && (prefix >= 31 || (address != net && address != (net | ~mask))))
    return TRUE;
  address_text = wb_ipv4_to_string (address);
  net_text = wb_cidr_to_string (net, prefix);
  g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
               "DHCP server's %s %s is not a host address of %s",
               what, address_text, net_text);
  return FALSE;
}

gboolean
wb_dhcp_server_validate (const WbDhcpServer  *server,
                         GError             **error)
{
  guint32 server_ip, lower, upper, net;
  guint prefix;

  if (*server->server_ip == '\0' || *server->netmask == '\0'
      || *server->lower_ip == '\0' || *server->upper_ip == '\0')
    {
      g_set_error_literal (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                           "DHCP server needs --server-ip, --netmask, "
                           "--lower-ip and --upper-ip");
      return FALSE;
    }
  if (!wb_ipv4_parse (server->server_ip, &server_ip, error)
      || !wb_netmask_parse (server->netmask, &prefix, error)
      || !wb_ipv4_parse (server->lower_ip, &lower, error)
      || !wb_ipv4_parse (server->upper_ip, &upper, error))
    return FALSE;
  if (lower > upper)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "DHCP server's lower bound %s is above upper bound %s",
                   server->lower_ip, server->upper_ip);
      return FALSE;
    }
  net = server_ip & wb_prefix_to_mask (prefix);
  return check_host_address ("address", server_ip, net, prefix, error)
         && check_host_address ("lower bound", lower, net, prefix, error)
         && check_host_address ("upper bound", upper, net, prefix, error);
}
