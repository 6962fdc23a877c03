/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include <glib.h>

#include "wb-error.h"
#include "wb-model.h"
#include "wb-test-util.h"

/* --- helpers ------------------------------------------------------------ */

static void
apply_ok (WbVm       *vm,
          const char *key,
          guint       slot,
          const char *value)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = wb_vm_apply (vm, key, slot, value, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

/* The call fails with @code, names the option, and changes nothing. */
static void
apply_fails (WbVm       *vm,
             const char *key,
             guint       slot,
             const char *value,
             int         code)
{
  g_autoptr(WbVm) before = wb_vm_copy (vm);
  g_autoptr(GError) error = NULL;
  g_autofree char *option = g_strdup_printf ("--%s%u", key, slot);
  gboolean ok = wb_vm_apply (vm, key, slot, value, &error);

  g_assert_error (error, WB_ERROR, code);
  g_assert_false (ok);
  wb_test_assert_message_contains (error, option);
  wb_test_assert_vms_equal (vm, before);
}

/* A VM with something in every field, so that a partial change shows. */
static WbVm *
make_rich_vm (void)
{
  WbVm *vm = wb_vm_new ("rich");

  apply_ok (vm, "natpf", 1, "ssh,tcp,,2222,,22");
  apply_ok (vm, "natpf", 1, "web,tcp,127.0.0.1,8080,10.0.2.15,80");
  apply_ok (vm, "natnet", 1, "192.168/16");
  apply_ok (vm, "natsettings", 1, "1400");
  apply_ok (vm, "nic", 2, "generic");
  apply_ok (vm, "nicgenericdrv", 2, "UDPTunnel");
  apply_ok (vm, "nicproperty", 2, "dest=127.0.0.1");
  apply_ok (vm, "nicproperty", 2, "sport=4444");
  apply_ok (vm, "nic", 3, "bridged");
  apply_ok (vm, "bridgeadapter", 3, "eth0");
  apply_ok (vm, "nictype", 3, "82540EM");
  apply_ok (vm, "nicpromisc", 3, "allow-all");
  apply_ok (vm, "nictrace", 3, "on");
  apply_ok (vm, "nictracefile", 3, "/tmp/trace.pcap");
  apply_ok (vm, "nicspeed", 3, "1000000");
  apply_ok (vm, "hostonlyadapter", 4, "vboxnet0");
  apply_ok (vm, "natnetwork", 5, "natnet1");
  apply_ok (vm, "intnet", 6, "lab");
  apply_ok (vm, "cableconnected", 6, "off");
  return vm;
}

static void
apply_nat_network_ok (WbNatNetwork *net,
                      const char   *key,
                      const char   *value)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = wb_nat_network_apply (net, key, value, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
apply_nat_network_fails (WbNatNetwork *net,
                         const char   *key,
                         const char   *value,
                         int           code)
{
  g_autoptr(WbNatNetwork) before = wb_nat_network_copy (net);
  g_autoptr(GError) error = NULL;
  /* Messages name the option as users spell it. */
  g_autofree char *option = g_str_has_prefix (key, "portforward4") ? g_strdup ("--port-forward-4")
                            : g_str_has_prefix (key, "loopback4") ? g_strdup ("--loopback-4")
                            : g_strdup_printf ("--%s", key);
  gboolean ok = wb_nat_network_apply (net, key, value, &error);

  g_assert_error (error, WB_ERROR, code);
  g_assert_false (ok);
  wb_test_assert_message_contains (error, option);
  wb_test_assert_nat_networks_equal (net, before);
}

static void
apply_dhcp_ok (WbDhcpServer *server,
               const char   *key,
               const char   *value)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = wb_dhcp_server_apply (server, key, value, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
apply_dhcp_fails (WbDhcpServer *server,
                  const char   *key,
                  const char   *value,
                  int           code)
{
  g_autoptr(WbDhcpServer) before = wb_dhcp_server_copy (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *option = g_strdup_printf ("--%s", key);
  gboolean ok = wb_dhcp_server_apply (server, key, value, &error);

  g_assert_error (error, WB_ERROR, code);
  g_assert_false (ok);
  wb_test_assert_message_contains (error, option);
  wb_test_assert_dhcp_servers_equal (server, before);
}

static const WbNatRule *
rule_at (GPtrArray *rules,
         guint      index)
{
  g_assert_cmpuint (index, <, rules->len);
  return g_ptr_array_index (rules, index);
}

static const WbProperty *
prop_at (GPtrArray *props,
         guint      index)
{
  g_assert_cmpuint (index, <, props->len);
  return g_ptr_array_index (props, index);
}

/* --- enums -------------------------------------------------------------- */

static void
test_attachment_parse (void)
{
  static const struct { const char *text; WbAttachment want; } cases[] = {
    { "null", WB_ATTACHMENT_NULL },
    { "nat", WB_ATTACHMENT_NAT },
    { "NAT", WB_ATTACHMENT_NAT },
    { "natnetwork", WB_ATTACHMENT_NATNETWORK },
    { "NatNetwork", WB_ATTACHMENT_NATNETWORK },
    { "bridged", WB_ATTACHMENT_BRIDGED },
    { "hostif", WB_ATTACHMENT_BRIDGED },
    { "HostIf", WB_ATTACHMENT_BRIDGED },
    { "intnet", WB_ATTACHMENT_INTNET },
    { "hostonly", WB_ATTACHMENT_HOSTONLY },
    { "generic", WB_ATTACHMENT_GENERIC },
    { "Generic", WB_ATTACHMENT_GENERIC },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      WbAttachment out = WB_N_ATTACHMENTS;
      gboolean enabled = FALSE;

      g_assert_true (wb_attachment_parse (cases[i].text, &out, &enabled, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, cases[i].want);
      g_assert_true (enabled);
    }
}

static void
test_attachment_parse_none (void)
{
  g_autoptr(GError) error = NULL;
  WbAttachment out = WB_ATTACHMENT_INTNET;
  gboolean enabled = TRUE;

  g_assert_true (wb_attachment_parse ("None", &out, &enabled, &error));
  g_assert_no_error (error);
  g_assert_false (enabled);
  g_assert_cmpint (out, ==, WB_ATTACHMENT_INTNET);
}

static void
test_attachment_parse_bad (void)
{
  static const char * const bad[] = {
    "", "nat ", " nat", "natnet", "bridge", "host-only", "internal", "off",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      WbAttachment out = WB_ATTACHMENT_HOSTONLY;
      gboolean enabled = TRUE;

      g_assert_false (wb_attachment_parse (bad[i], &out, &enabled, &error));
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_one_line (error);
      g_assert_cmpint (out, ==, WB_ATTACHMENT_HOSTONLY);
      g_assert_true (enabled);
    }
}

static void
test_attachment_strings (void)
{
  g_assert_cmpstr (wb_attachment_to_string (WB_ATTACHMENT_NULL), ==, "null");
  g_assert_cmpstr (wb_attachment_to_string (WB_ATTACHMENT_NAT), ==, "nat");
  g_assert_cmpstr (wb_attachment_to_string (WB_ATTACHMENT_BRIDGED), ==, "bridged");
  g_assert_cmpstr (wb_attachment_to_string (WB_ATTACHMENT_INTNET), ==, "intnet");
  g_assert_cmpstr (wb_attachment_to_string (WB_ATTACHMENT_HOSTONLY), ==, "hostonly");
  g_assert_cmpstr (wb_attachment_to_string (WB_ATTACHMENT_GENERIC), ==, "Generic");
  g_assert_cmpstr (wb_attachment_to_string (WB_ATTACHMENT_NATNETWORK), ==, "natnetwork");
}

static void
test_attachment_keys (void)
{
  WbAttachment a;

  g_assert_cmpstr (wb_attachment_to_key (WB_ATTACHMENT_GENERIC), ==, "generic");
  g_assert_cmpstr (wb_attachment_to_key (WB_ATTACHMENT_NATNETWORK), ==, "natnetwork");
  g_assert_cmpstr (wb_attachment_to_key (WB_ATTACHMENT_NULL), ==, "null");
  for (a = 0; a < WB_N_ATTACHMENTS; a++)
    {
      WbAttachment back = WB_N_ATTACHMENTS;
      g_autoptr(GError) error = NULL;
      gboolean enabled;

      g_assert_true (wb_attachment_from_key (wb_attachment_to_key (a), &back));
      g_assert_cmpint (back, ==, a);
      /* Both string forms parse back as modifyvm values. */
      back = WB_N_ATTACHMENTS;
      g_assert_true (wb_attachment_parse (wb_attachment_to_string (a), &back,
                                          &enabled, &error));
      g_assert_no_error (error);
      g_assert_cmpint (back, ==, a);
    }
}

static void
test_attachment_from_key_bad (void)
{
  WbAttachment out = WB_ATTACHMENT_NAT;

  g_assert_false (wb_attachment_from_key ("none", &out));
  g_assert_false (wb_attachment_from_key ("", &out));
  g_assert_false (wb_attachment_from_key ("hostif", &out));
  g_assert_false (wb_attachment_from_key ("bogus", &out));
  g_assert_cmpint (out, ==, WB_ATTACHMENT_NAT);
}

static void
test_nic_type_parse (void)
{
  static const struct { const char *text; WbNicType want; } cases[] = {
    { "Am79C970A", WB_NIC_TYPE_AM79C970A },
    { "am79c970a", WB_NIC_TYPE_AM79C970A },
    { "Am79C973", WB_NIC_TYPE_AM79C973 },
    { "AM79C973", WB_NIC_TYPE_AM79C973 },
    { "82540EM", WB_NIC_TYPE_82540EM },
    { "82540em", WB_NIC_TYPE_82540EM },
    { "82543GC", WB_NIC_TYPE_82543GC },
    { "82545EM", WB_NIC_TYPE_82545EM },
    { "virtio", WB_NIC_TYPE_VIRTIO },
    { "VirtIO", WB_NIC_TYPE_VIRTIO },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      WbNicType out = WB_N_NIC_TYPES;

      g_assert_true (wb_nic_type_parse (cases[i].text, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, cases[i].want);
    }
}

static void
test_nic_type_parse_bad (void)
{
  static const char * const bad[] = {
    "", "e1000", "virtio-net", "82540", "Am79C973 ", "pcnet",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      WbNicType out = WB_NIC_TYPE_VIRTIO;

      g_assert_false (wb_nic_type_parse (bad[i], &out, &error));
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_one_line (error);
      g_assert_cmpint (out, ==, WB_NIC_TYPE_VIRTIO);
    }
}

static void
test_nic_type_strings (void)
{
  static const char * const names[WB_N_NIC_TYPES] = {
    "Am79C970A", "Am79C973", "82540EM", "82543GC", "82545EM", "virtio",
  };
  static const char * const descriptions[WB_N_NIC_TYPES] = {
    "PCnet-PCI II (Am79C970A)",
    "PCnet-FAST III (Am79C973)",
    "Intel PRO/1000 MT Desktop (82540EM)",
    "Intel PRO/1000 T Server (82543GC)",
    "Intel PRO/1000 MT Server (82545EM)",
    "Paravirtualized Network (virtio-net)",
  };
  WbNicType t;

  for (t = 0; t < WB_N_NIC_TYPES; t++)
    {
      WbNicType back = WB_N_NIC_TYPES;

      g_assert_cmpstr (wb_nic_type_to_string (t), ==, names[t]);
      g_assert_cmpstr (wb_nic_type_description (t), ==, descriptions[t]);
      g_assert_true (wb_nic_type_parse (wb_nic_type_to_string (t), &back, NULL));
      g_assert_cmpint (back, ==, t);
    }
}

static void
test_nic_type_jumbo (void)
{
  g_assert_false (wb_nic_type_is_intel (WB_NIC_TYPE_AM79C970A));
  g_assert_false (wb_nic_type_is_intel (WB_NIC_TYPE_AM79C973));
  g_assert_true (wb_nic_type_is_intel (WB_NIC_TYPE_82540EM));
  g_assert_true (wb_nic_type_is_intel (WB_NIC_TYPE_82543GC));
  g_assert_true (wb_nic_type_is_intel (WB_NIC_TYPE_82545EM));
  g_assert_false (wb_nic_type_is_intel (WB_NIC_TYPE_VIRTIO));

  g_assert_false (wb_nic_type_carries_jumbo (WB_NIC_TYPE_AM79C970A));
  g_assert_false (wb_nic_type_carries_jumbo (WB_NIC_TYPE_AM79C973));
  g_assert_true (wb_nic_type_carries_jumbo (WB_NIC_TYPE_82540EM));
  g_assert_true (wb_nic_type_carries_jumbo (WB_NIC_TYPE_82543GC));
  g_assert_true (wb_nic_type_carries_jumbo (WB_NIC_TYPE_82545EM));
  g_assert_true (wb_nic_type_carries_jumbo (WB_NIC_TYPE_VIRTIO));
}

static void
test_promisc_parse (void)
{
  static const struct { const char *text; WbPromisc want; } cases[] = {
    { "deny", WB_PROMISC_DENY },
    { "Deny", WB_PROMISC_DENY },
    { "allow-vms", WB_PROMISC_ALLOW_VMS },
    { "allow-network", WB_PROMISC_ALLOW_VMS },
    { "Allow-Network", WB_PROMISC_ALLOW_VMS },
    { "allow-all", WB_PROMISC_ALLOW_ALL },
    { "ALLOW-ALL", WB_PROMISC_ALLOW_ALL },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      WbPromisc out = WB_N_PROMISC;

      g_assert_true (wb_promisc_parse (cases[i].text, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, cases[i].want);
    }
  g_assert_cmpstr (wb_promisc_to_string (WB_PROMISC_DENY), ==, "deny");
  g_assert_cmpstr (wb_promisc_to_string (WB_PROMISC_ALLOW_VMS), ==, "allow-vms");
  g_assert_cmpstr (wb_promisc_to_string (WB_PROMISC_ALLOW_ALL), ==, "allow-all");
}

static void
test_promisc_parse_bad (void)
{
  static const char * const bad[] = { "", "allow", "allow_all", "all", "on" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      WbPromisc out = WB_PROMISC_ALLOW_ALL;

      g_assert_false (wb_promisc_parse (bad[i], &out, &error));
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_one_line (error);
      g_assert_cmpint (out, ==, WB_PROMISC_ALLOW_ALL);
    }
}

static void
test_bool_parse (void)
{
  static const struct { const char *text; gboolean want; } cases[] = {
    { "on", TRUE }, { "ON", TRUE }, { "off", FALSE }, { "Off", FALSE },
    { "true", TRUE }, { "FALSE", FALSE }, { "yes", TRUE }, { "No", FALSE },
    { "1", TRUE }, { "0", FALSE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean out = !cases[i].want;

      g_assert_true (wb_bool_parse (cases[i].text, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, cases[i].want);
    }
}

static void
test_bool_parse_bad (void)
{
  static const char * const bad[] = { "", "2", "onn", "enable", " on", "y" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean out = 42;

      g_assert_false (wb_bool_parse (bad[i], &out, &error));
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_one_line (error);
      g_assert_cmpint (out, ==, 42);
    }
}

/* --- names -------------------------------------------------------------- */

static void
test_name_valid (void)
{
  static const char * const good[] = {
    "a", "My VM", "quote \"it\"", "semi;colon", "back\\slash", "it's",
    "日本語の仮想マシン", "  spaces  ",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (wb_name_validate ("VM name", good[i], WB_NAME_MAX, &error));
      g_assert_no_error (error);
    }
}

static void
test_name_empty (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (wb_name_validate ("VM name", "", WB_NAME_MAX, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  wb_test_assert_message_contains (error, "VM name");
}

static void
test_name_control (void)
{
  static const char * const bad[] = {
    "a\nb", "tab\there", "cr\r", "\x01", "del\x7f", "esc\x1b[0m",
    "c1 \xc2\x85 nel",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (wb_name_validate ("VM name", bad[i], WB_NAME_MAX, &error));
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_message_contains (error, "control character");
    }
}

static void
test_name_invalid_utf8 (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (wb_name_validate ("VM name", "bad \xff\xfe name", WB_NAME_MAX,
                                    &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  wb_test_assert_message_contains (error, "UTF-8");
}

static void
test_name_length (void)
{
  g_autofree char *ascii_max = g_strnfill (WB_NAME_MAX, 'a');
  g_autofree char *ascii_over = g_strnfill (WB_NAME_MAX + 1, 'a');
  g_autoptr(GString) wide = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  guint i;

  /* The limit counts characters, not bytes. */
  for (i = 0; i < WB_NAME_MAX; i++)
    g_string_append (wide, "é");
  g_assert_true (wb_name_validate ("VM name", ascii_max, WB_NAME_MAX, NULL));
  g_assert_true (wb_name_validate ("VM name", wide->str, WB_NAME_MAX, NULL));
  g_string_append (wide, "é");
  g_assert_false (wb_name_validate ("VM name", wide->str, WB_NAME_MAX, NULL));
  g_assert_false (wb_name_validate ("VM name", ascii_over, WB_NAME_MAX, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  wb_test_assert_message_contains (error, "256");
}

/* Messages quote bad values escaped, cut and valid: still one line. */
static void
test_error_value_display (void)
{
  g_autofree char *huge = g_strnfill (5000, 'x');
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;

  wb_name_validate ("VM name", "a\nb", WB_NAME_MAX, &e1);
  g_assert_cmpstr (e1->message, ==,
                   "Invalid VM name 'a\\nb': contains a control character");
  wb_mac_parse (huge, (char[13]) { 0 }, &e2);
  wb_test_assert_one_line (e2);
  g_assert_cmpuint (strlen (e2->message), <, 300);
  wb_nic_type_parse ("\xff\xfe", (WbNicType[1]) { 0 }, &e3);
  wb_test_assert_one_line (e3);
}

/* --- IPv4 --------------------------------------------------------------- */

static void
test_ipv4_parse (void)
{
  static const struct { const char *text; guint32 want; } cases[] = {
    { "0.0.0.0", 0 },
    { "255.255.255.255", 0xffffffff },
    { "192.168.56.1", 0xc0a83801 },
    { "10.0.2.15", 0x0a00020f },
    { "127.0.0.1", 0x7f000001 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *back = NULL;
      guint32 out = 1;

      g_assert_true (wb_ipv4_parse (cases[i].text, &out, &error));
      g_assert_no_error (error);
      g_assert_cmphex (out, ==, cases[i].want);
      back = wb_ipv4_to_string (out);
      g_assert_cmpstr (back, ==, cases[i].text);
    }
}

static void
test_ipv4_parse_bad (void)
{
  static const char * const bad[] = {
    "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1.2.3.-1",
    "+1.2.3.4", "1.+2.3.4", " 1.2.3.4", "1.2.3.4 ", "1. 2.3.4", "1..3.4",
    "1.2.3.", ".1.2.3", "01.2.3.4", "1.2.3.010", "1.2.3.00", "a.b.c.d",
    "0x1.2.3.4", "1.2.3.4/24", "1234.1.1.1", "abc", "localhost",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint32 out = 7;

      if (wb_ipv4_parse (bad[i], &out, &error))
        g_error ("'%s' was accepted", bad[i]);
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_one_line (error);
      g_assert_cmpuint (out, ==, 7);
    }
}

static void
test_netmask_parse (void)
{
  static const struct { const char *text; guint want; } cases[] = {
    { "0.0.0.0", 0 },
    { "128.0.0.0", 1 },
    { "255.0.0.0", 8 },
    { "255.255.128.0", 17 },
    { "255.255.255.0", 24 },
    { "255.255.255.252", 30 },
    { "255.255.255.255", 32 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint prefix = 99;

      g_assert_true (wb_netmask_parse (cases[i].text, &prefix, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (prefix, ==, cases[i].want);
    }
}

static void
test_netmask_parse_bad (void)
{
  static const char * const bad[] = {
    "255.0.255.0", "0.255.255.255", "255.255.255.1", "255.255.254.255",
    "abc", "255.255.255", "24", "",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint prefix = 99;

      g_assert_false (wb_netmask_parse (bad[i], &prefix, &error));
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_one_line (error);
      g_assert_cmpuint (prefix, ==, 99);
    }
}

static void
test_prefix_to_mask (void)
{
  g_assert_cmphex (wb_prefix_to_mask (0), ==, 0);
  g_assert_cmphex (wb_prefix_to_mask (1), ==, 0x80000000);
  g_assert_cmphex (wb_prefix_to_mask (8), ==, 0xff000000);
  g_assert_cmphex (wb_prefix_to_mask (24), ==, 0xffffff00);
  g_assert_cmphex (wb_prefix_to_mask (31), ==, 0xfffffffe);
  g_assert_cmphex (wb_prefix_to_mask (32), ==, 0xffffffff);
}

static void
test_cidr_parse (void)
{
  static const struct { const char *text; const char *want; } cases[] = {
    { "192.168.22.0/24", "192.168.22.0/24" },
    { "192.168.22.77/24", "192.168.22.0/24" },
    { "172.16.5.7/12", "172.16.0.0/12" },
    { "10.0.2.0/24", "10.0.2.0/24" },
    { "0.0.0.0/0", "0.0.0.0/0" },
    { "1.2.3.4/0", "0.0.0.0/0" },
    { "1.2.3.4/32", "1.2.3.4/32" },
    /* VirtualBox's short forms. */
    { "192.168/16", "192.168.0.0/16" },
    { "10/8", "10.0.0.0/8" },
    { "10.1/8", "10.0.0.0/8" },
    { "192.168.5/24", "192.168.5.0/24" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      guint32 network = 1;
      guint prefix = 99;

      g_assert_true (wb_cidr_parse (cases[i].text, &network, &prefix, &error));
      g_assert_no_error (error);
      text = wb_cidr_to_string (network, prefix);
      g_assert_cmpstr (text, ==, cases[i].want);
    }
}

static void
test_cidr_parse_bad (void)
{
  static const char * const bad[] = {
    "192.168.22.0/33", "300.1.1.0/24", "abc", "1.2.3.4/", "/24", "1.2.3.4",
    "", "/", "1.2.3.4/24/1", "1.2.3.4/-1", "1.2.3.4/+24", "1.2.3.4/ 24",
    "1.2.3.4.5/24", "1..3/24", "1.2.3.4/0x10", "1.2.3.4/abc", "01.2.3.4/24",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint32 network = 1;
      guint prefix = 99;

      if (wb_cidr_parse (bad[i], &network, &prefix, &error))
        g_error ("'%s' was accepted", bad[i]);
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_one_line (error);
      g_assert_cmpuint (network, ==, 1);
      g_assert_cmpuint (prefix, ==, 99);
    }
}

static void
test_cidr_to_string (void)
{
  g_autofree char *a = wb_cidr_to_string (0xc0a816ff, 24);
  g_autofree char *b = wb_cidr_to_string (0x0a000000, 8);
  g_autofree char *c = wb_cidr_to_string (0xffffffff, 0);

  g_assert_cmpstr (a, ==, "192.168.22.0/24");
  g_assert_cmpstr (b, ==, "10.0.0.0/8");
  g_assert_cmpstr (c, ==, "0.0.0.0/0");
}

/* --- MAC addresses ------------------------------------------------------ */

static void
test_mac_parse (void)
{
  static const struct { const char *text; const char *want; } cases[] = {
    { "080027BB1475", "080027BB1475" },
    { "080027bb1475", "080027BB1475" },
    { "0a0027000000", "0A0027000000" },
    { "020000000000", "020000000000" },
    { "FEffffffffff", "FEFFFFFFFFFF" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      char out[13] = "";

      g_assert_true (wb_mac_parse (cases[i].text, out, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].want);
    }
}

static void
test_mac_parse_bad (void)
{
  static const char * const bad[] = {
    "08002700000", "0800270000001", "", "08002700000G", "08:00:27:00:00:00",
    "08-00-27-00-00-00", "0800 2700000", " 080027000000", "080027000000 ",
    "0x0027000000", "xyz",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      char out[13] = "untouched";

      if (wb_mac_parse (bad[i], out, &error))
        g_error ("'%s' was accepted", bad[i]);
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_message_contains (error, "12 hexadecimal digits");
      g_assert_cmpstr (out, ==, "untouched");
    }
}

static void
test_mac_parse_message (void)
{
  g_autoptr(GError) error = NULL;
  char out[13];

  g_assert_false (wb_mac_parse ("08002700000", out, &error));
  wb_test_assert_message_contains (error,
                                   "Invalid MAC address '08002700000': "
                                   "expected 12 hexadecimal digits");
}

static void
test_mac_parse_multicast (void)
{
  static const char * const bad[] = {
    "010027000000", "0F0027000000", "FFFFFFFFFFFF", "0b0027000000",
    "330000000001",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      char out[13] = "untouched";

      g_assert_false (wb_mac_parse (bad[i], out, &error));
      g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
      wb_test_assert_message_contains (error, "multicast");
      g_assert_cmpstr (out, ==, "untouched");
    }
}

static void
test_mac_generate_shape (void)
{
  guint i;

  for (i = 0; i < 1000; i++)
    {
      char mac[13];
      char parsed[13];
      guint j;

      memset (mac, 'z', sizeof mac);
      wb_mac_generate (mac);
      g_assert_cmpuint (strlen (mac), ==, 12);
      g_assert_true (g_str_has_prefix (mac, "080027"));
      for (j = 0; j < 12; j++)
        g_assert_true (g_ascii_isdigit (mac[j])
                       || (mac[j] >= 'A' && mac[j] <= 'F'));
      g_assert_true (wb_mac_parse (mac, parsed, NULL));
      g_assert_cmpstr (parsed, ==, mac);
    }
}

static void
test_mac_generate_unique (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                      g_free, NULL);
  guint i;

  /* 24 random bits: among 1000 draws a birthday collision or two is
   * possible (p ~ 3%), many are not. */
  for (i = 0; i < 1000; i++)
    {
      char mac[13];

      wb_mac_generate (mac);
      g_hash_table_add (seen, g_strdup (mac));
    }
  g_assert_cmpuint (g_hash_table_size (seen), >=, 995);
}

/* --- port-forwarding rules --------------------------------------------- */

static void
test_proto (void)
{
  WbProto proto = WB_PROTO_UDP;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (wb_proto_to_string (WB_PROTO_TCP), ==, "tcp");
  g_assert_cmpstr (wb_proto_to_string (WB_PROTO_UDP), ==, "udp");
  g_assert_cmpint (WB_PROTO_TCP, ==, 1);
  g_assert_cmpint (WB_PROTO_UDP, ==, 0);
  g_assert_true (wb_proto_parse ("TCP", &proto, NULL));
  g_assert_cmpint (proto, ==, WB_PROTO_TCP);
  g_assert_true (wb_proto_parse ("Udp", &proto, NULL));
  g_assert_cmpint (proto, ==, WB_PROTO_UDP);
  g_assert_false (wb_proto_parse ("icmp", &proto, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  wb_test_assert_message_contains (error, "'icmp'");
  g_assert_cmpint (proto, ==, WB_PROTO_UDP);
}

static void
test_rule_parse_vm (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbNatRule) a = wb_nat_rule_parse_vm ("guestssh,tcp,,8022,,22", &error);
  g_autoptr(WbNatRule) b = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (a);
  g_assert_cmpstr (a->name, ==, "guestssh");
  g_assert_cmpint (a->proto, ==, WB_PROTO_TCP);
  g_assert_cmpstr (a->host_ip, ==, "");
  g_assert_cmpuint (a->host_port, ==, 8022);
  g_assert_cmpstr (a->guest_ip, ==, "");
  g_assert_cmpuint (a->guest_port, ==, 22);

  b = wb_nat_rule_parse_vm ("dns,UDP,127.0.0.1,65535,10.0.2.15,1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (b);
  g_assert_cmpstr (b->name, ==, "dns");
  g_assert_cmpint (b->proto, ==, WB_PROTO_UDP);
  g_assert_cmpstr (b->host_ip, ==, "127.0.0.1");
  g_assert_cmpuint (b->host_port, ==, 65535);
  g_assert_cmpstr (b->guest_ip, ==, "10.0.2.15");
  g_assert_cmpuint (b->guest_port, ==, 1);
}

static void
test_rule_default_name (void)
{
  g_autoptr(WbNatRule) a = wb_nat_rule_parse_vm (",tcp,,8022,,22", NULL);
  g_autoptr(WbNatRule) b = wb_nat_rule_parse_vm (",udp,,5353,,53", NULL);
  g_autoptr(WbNatRule) c = wb_nat_rule_parse_natnet (":tcp:[]:1022:[192.168.15.5]:22",
                                                      NULL);

  g_assert_nonnull (a);
  g_assert_cmpstr (a->name, ==, "tcp_8022_22");
  g_assert_nonnull (b);
  g_assert_cmpstr (b->name, ==, "udp_5353_53");
  g_assert_nonnull (c);
  g_assert_cmpstr (c->name, ==, "tcp_1022_22");
}

static void
test_rule_name_characters (void)
{
  g_autoptr(WbNatRule) rule = wb_nat_rule_parse_vm ("my \"rule\"; a\\b,tcp,,2222,,22",
                                                    NULL);
  g_autofree char *name64 = g_strnfill (WB_RULE_NAME_MAX, 'n');
  g_autofree char *text = g_strdup_printf ("%s,tcp,,2222,,22", name64);
  g_autoptr(WbNatRule) longest = wb_nat_rule_parse_vm (text, NULL);

  g_assert_nonnull (rule);
  g_assert_cmpstr (rule->name, ==, "my \"rule\"; a\\b");
  g_assert_nonnull (longest);
  g_assert_cmpstr (longest->name, ==, name64);
}

static void
assert_rule_vm_bad (const char *text,
                    const char *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbNatRule) rule = wb_nat_rule_parse_vm (text, &error);

  if (rule != NULL)
    g_error ("'%s' was accepted", text);
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  if (part != NULL)
    wb_test_assert_message_contains (error, part);
  else
    wb_test_assert_one_line (error);
}

static void
test_rule_parse_vm_bad (void)
{
  g_autofree char *name65 = g_strnfill (WB_RULE_NAME_MAX + 1, 'n');
  g_autofree char *too_long = g_strdup_printf ("%s,tcp,,2222,,22", name65);

  /* A comma in the name makes a seventh field. */
  assert_rule_vm_bad ("my,rule,tcp,,2222,,22", "cannot contain ','");
  assert_rule_vm_bad ("ssh,tcp,,2222,,22,", "7 fields");
  assert_rule_vm_bad ("ssh,tcp,,2222,22", "5 fields");
  assert_rule_vm_bad ("", NULL);
  assert_rule_vm_bad ("ssh", NULL);
  assert_rule_vm_bad ("ssh,icmp,,2222,,22", "'icmp'");
  assert_rule_vm_bad ("ssh,,,2222,,22", "protocol");
  assert_rule_vm_bad ("ssh,tcp,,0,,22", "'0'");
  assert_rule_vm_bad ("ssh,tcp,,65536,,22", "'65536'");
  assert_rule_vm_bad ("ssh,tcp,,abc,,22", "'abc'");
  assert_rule_vm_bad ("ssh,tcp,,,,22", "host port");
  assert_rule_vm_bad ("ssh,tcp,,2222,,0", "guest port");
  assert_rule_vm_bad ("ssh,tcp,,2222,,65536", "guest port");
  assert_rule_vm_bad ("ssh,tcp,,2222,,abc", "guest port");
  assert_rule_vm_bad ("ssh,tcp,,2222,,", "guest port");
  assert_rule_vm_bad ("ssh,tcp,,-1,,22", "host port");
  assert_rule_vm_bad ("ssh,tcp,,+22,,22", "host port");
  assert_rule_vm_bad ("ssh,tcp,, 22,,22", "host port");
  assert_rule_vm_bad ("ssh,tcp,,0x16,,22", "host port");
  assert_rule_vm_bad ("ssh,tcp,256.0.0.1,2222,,22", "host IP");
  assert_rule_vm_bad ("ssh,tcp,localhost,2222,,22", "host IP");
  assert_rule_vm_bad ("ssh,tcp,,2222,10.0.2,22", "guest IP");
  assert_rule_vm_bad (too_long, "rule name");
  assert_rule_vm_bad ("a\tb,tcp,,2222,,22", "control character");
  assert_rule_vm_bad ("a\nb,tcp,,2222,,22", "control character");
}

static void
test_rule_parse_natnet (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbNatRule) a = wb_nat_rule_parse_natnet ("ssh:tcp:[]:1022:[192.168.15.5]:22",
                                                     &error);
  g_autoptr(WbNatRule) b = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (a);
  g_assert_cmpstr (a->name, ==, "ssh");
  g_assert_cmpint (a->proto, ==, WB_PROTO_TCP);
  g_assert_cmpstr (a->host_ip, ==, "");
  g_assert_cmpuint (a->host_port, ==, 1022);
  g_assert_cmpstr (a->guest_ip, ==, "192.168.15.5");
  g_assert_cmpuint (a->guest_port, ==, 22);

  b = wb_nat_rule_parse_natnet ("dns:UDP:[127.0.0.1]:5353:[10.0.2.4]:53", &error);
  g_assert_no_error (error);
  g_assert_nonnull (b);
  g_assert_cmpint (b->proto, ==, WB_PROTO_UDP);
  g_assert_cmpstr (b->host_ip, ==, "127.0.0.1");
  g_assert_cmpstr (b->guest_ip, ==, "10.0.2.4");
}

static void
assert_rule_natnet_bad (const char *text,
                        const char *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbNatRule) rule = wb_nat_rule_parse_natnet (text, &error);

  if (rule != NULL)
    g_error ("'%s' was accepted", text);
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  wb_test_assert_message_contains (error, part);
}

static void
test_rule_parse_natnet_bad (void)
{
  assert_rule_natnet_bad ("ssh:tcp:[]:1022:[]:22",
                          "NAT network rule 'ssh' needs a guest IP address");
  assert_rule_natnet_bad ("ssh:tcp::1022:[192.168.15.5]:22", "square brackets");
  assert_rule_natnet_bad ("ssh:tcp:[]:1022:192.168.15.5:22", "square brackets");
  assert_rule_natnet_bad ("ssh:tcp:[:1022:[192.168.15.5]:22", "square brackets");
  assert_rule_natnet_bad ("ssh,tcp,,1022,192.168.15.5,22", "1 fields");
  assert_rule_natnet_bad ("a:b:tcp:[]:1022:[192.168.15.5]:22", "cannot contain ':'");
  assert_rule_natnet_bad ("ssh:tcp:[]:1022:[192.168.15.5]", "5 fields");
  assert_rule_natnet_bad ("ssh:icmp:[]:1022:[192.168.15.5]:22", "'icmp'");
  assert_rule_natnet_bad ("ssh:tcp:[]:0:[192.168.15.5]:22", "host port");
  assert_rule_natnet_bad ("ssh:tcp:[]:1022:[192.168.15.5]:65536", "guest port");
  assert_rule_natnet_bad ("ssh:tcp:[1.2.3]:1022:[192.168.15.5]:22", "host IP");
  assert_rule_natnet_bad ("ssh:tcp:[]:1022:[192.168.15.500]:22", "guest IP");
}

static void
test_rule_format (void)
{
  g_autoptr(WbNatRule) a = wb_nat_rule_new ("guestssh", WB_PROTO_TCP, "", 8022, "", 22);
  g_autoptr(WbNatRule) b = wb_nat_rule_new ("ssh", WB_PROTO_TCP, "", 1022,
                                            "192.168.15.5", 22);
  g_autoptr(WbNatRule) c = wb_nat_rule_new ("dns", WB_PROTO_UDP, "127.0.0.1", 5353,
                                            "10.0.2.15", 53);
  g_autofree char *fa = wb_nat_rule_format_vm (a);
  g_autofree char *fb = wb_nat_rule_format_natnet (b);
  g_autofree char *fc_vm = wb_nat_rule_format_vm (c);
  g_autofree char *fc_net = wb_nat_rule_format_natnet (c);

  g_assert_cmpstr (fa, ==, "guestssh,tcp,,8022,,22");
  g_assert_cmpstr (fb, ==, "ssh:tcp:[]:1022:[192.168.15.5]:22");
  g_assert_cmpstr (fc_vm, ==, "dns,udp,127.0.0.1,5353,10.0.2.15,53");
  g_assert_cmpstr (fc_net, ==, "dns:udp:[127.0.0.1]:5353:[10.0.2.15]:53");
}

static void
test_rule_round_trip (void)
{
  static const char * const vm_forms[] = {
    "guestssh,tcp,,8022,,22",
    "dns,udp,127.0.0.1,5353,10.0.2.15,53",
    "tcp_80_8080,tcp,0.0.0.0,80,,8080",
  };
  static const char * const natnet_forms[] = {
    "ssh:tcp:[]:1022:[192.168.15.5]:22",
    "dns:udp:[127.0.0.1]:5353:[10.0.2.4]:53",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (vm_forms); i++)
    {
      g_autoptr(WbNatRule) rule = wb_nat_rule_parse_vm (vm_forms[i], NULL);
      g_autofree char *text = NULL;
      g_autofree char *other = NULL;
      g_autoptr(WbNatRule) again = NULL;

      g_assert_nonnull (rule);
      text = wb_nat_rule_format_vm (rule);
      g_assert_cmpstr (text, ==, vm_forms[i]);
      /* A VM rule with a guest IP survives the other form too. */
      if (*rule->guest_ip == '\0')
        continue;
      other = wb_nat_rule_format_natnet (rule);
      again = wb_nat_rule_parse_natnet (other, NULL);
      g_assert_nonnull (again);
      g_clear_pointer (&text, g_free);
      text = wb_nat_rule_format_vm (again);
      g_assert_cmpstr (text, ==, vm_forms[i]);
    }
  for (i = 0; i < G_N_ELEMENTS (natnet_forms); i++)
    {
      g_autoptr(WbNatRule) rule = wb_nat_rule_parse_natnet (natnet_forms[i], NULL);
      g_autofree char *text = NULL;

      g_assert_nonnull (rule);
      text = wb_nat_rule_format_natnet (rule);
      g_assert_cmpstr (text, ==, natnet_forms[i]);
    }
}

static void
test_rule_copy (void)
{
  g_autoptr(WbNatRule) a = wb_nat_rule_new ("dns", WB_PROTO_UDP, "127.0.0.1", 5353,
                                            "10.0.2.15", 53);
  g_autoptr(WbNatRule) b = wb_nat_rule_copy (a);
  g_autoptr(WbNatRule) c = wb_nat_rule_new (NULL, WB_PROTO_TCP, NULL, 1, NULL, 2);

  g_assert_true (a->name != b->name);
  g_assert_true (a->host_ip != b->host_ip);
  g_assert_true (a->guest_ip != b->guest_ip);
  g_assert_cmpstr (b->name, ==, "dns");
  g_assert_cmpint (b->proto, ==, WB_PROTO_UDP);
  g_assert_cmpstr (b->host_ip, ==, "127.0.0.1");
  g_assert_cmpuint (b->host_port, ==, 5353);
  g_assert_cmpstr (b->guest_ip, ==, "10.0.2.15");
  g_assert_cmpuint (b->guest_port, ==, 53);
  /* NULL strings become "". */
  g_assert_cmpstr (c->name, ==, "");
  g_assert_cmpstr (c->host_ip, ==, "");
  g_assert_cmpstr (c->guest_ip, ==, "");
}

static void
assert_check_add (GPtrArray  *rules,
                  const char *text,
                  int         code)
{
  g_autoptr(WbNatRule) rule = wb_nat_rule_parse_vm (text, NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_assert_nonnull (rule);
  ok = wb_nat_rules_check_add (rules, rule, &error);
  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_error (error, WB_ERROR, code);
  g_assert_false (ok);
  wb_test_assert_message_contains (error, "ssh");
}

static void
test_rules_check_add (void)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_nat_rule_free);

  g_ptr_array_add (rules, wb_nat_rule_new ("ssh", WB_PROTO_TCP, "", 2222, "", 22));
  g_ptr_array_add (rules, wb_nat_rule_new ("web", WB_PROTO_TCP, "127.0.0.1", 8080, "", 80));
  assert_check_add (rules, "ssh,udp,,3333,,22", WB_ERROR_EXISTS);
  assert_check_add (rules, "other,tcp,,2222,,23", WB_ERROR_EXISTS);
  assert_check_add (rules, "other,udp,,2222,,22", -1);
  assert_check_add (rules, "other,tcp,127.0.0.1,2222,,22", -1);
  assert_check_add (rules, "other,tcp,,2223,,22", -1);
  assert_check_add (rules, "SSH,tcp,,2224,,22", -1);
  assert_check_add (rules, "other,tcp,,8080,,80", -1);
  g_assert_cmpuint (rules->len, ==, 2);
}

/* --- VMs ---------------------------------------------------------------- */

static void
test_vm_new (void)
{
  g_autoptr(WbVm) vm = wb_vm_new ("My VM");
  guint i, j;

  g_assert_cmpstr (vm->name, ==, "My VM");
  g_assert_true (g_uuid_string_is_valid (vm->uuid));
  g_assert_cmpint (vm->id, ==, 0);
  g_assert_false (vm->running);
  for (i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      const WbAdapter *a = &vm->adapters[i];

      g_assert_cmpuint (a->slot, ==, i + 1);
      g_assert_cmpint (a->enabled, ==, i == 0);
      g_assert_cmpint (a->attachment, ==, i == 0 ? WB_ATTACHMENT_NAT
                                                 : WB_ATTACHMENT_NULL);
      g_assert_cmpint (a->type, ==, WB_NIC_TYPE_AM79C973);
      g_assert_true (g_str_has_prefix (a->mac, "080027"));
      g_assert_cmpuint (strlen (a->mac), ==, 12);
      g_assert_true (a->cable_connected);
      g_assert_cmpint (a->promisc, ==, WB_PROMISC_DENY);
      g_assert_false (a->trace);
      g_assert_cmpstr (a->trace_file, ==, "");
      g_assert_cmpuint (a->speed_kbps, ==, 0);
      g_assert_cmpstr (a->intnet, ==, "");
      g_assert_cmpstr (a->nat_network, ==, "");
      g_assert_cmpstr (a->bridge_adapter, ==, "");
      g_assert_cmpstr (a->hostonly_adapter, ==, "");
      g_assert_cmpstr (a->generic_driver, ==, "");
      g_assert_cmpuint (a->generic_props->len, ==, 0);
      g_assert_cmpstr (a->natnet, ==, "");
      g_assert_false (a->nat_localhost_reachable);
      g_assert_cmpuint (a->nat_mtu, ==, 0);
      g_assert_cmpuint (a->nat_rules->len, ==, 0);
      for (j = 0; j < i; j++)
        g_assert_cmpstr (a->mac, !=, vm->adapters[j].mac);
    }
}

static void
test_vm_new_distinct (void)
{
  g_autoptr(WbVm) a = wb_vm_new ("a");
  g_autoptr(WbVm) b = wb_vm_new ("a");
  guint n, i, j;

  g_assert_cmpstr (a->uuid, !=, b->uuid);
  /* Within a VM the MACs never repeat, however the draws fall. */
  for (n = 0; n < 300; n++)
    {
      g_autoptr(WbVm) vm = wb_vm_new ("x");

      for (i = 0; i < WB_MAX_ADAPTERS; i++)
        for (j = i + 1; j < WB_MAX_ADAPTERS; j++)
          g_assert_cmpstr (vm->adapters[i].mac, !=, vm->adapters[j].mac);
    }
}

static void
test_vm_copy (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  g_autoptr(WbVm) copy = NULL;
  WbAdapter *a;

  vm->id = 42;
  vm->registered = TRUE;
  copy = wb_vm_copy (vm);
  wb_test_assert_vms_equal (vm, copy);
  g_assert_true (vm->uuid != copy->uuid);
  g_assert_true (vm->name != copy->name);
  a = &copy->adapters[0];
  g_assert_true (a->nat_rules != vm->adapters[0].nat_rules);
  g_assert_true (a->natnet != vm->adapters[0].natnet);
  g_assert_true (rule_at (a->nat_rules, 0) != rule_at (vm->adapters[0].nat_rules, 0));
  g_assert_true (copy->adapters[1].generic_props != vm->adapters[1].generic_props);
  g_assert_true (prop_at (copy->adapters[1].generic_props, 0)
                 != prop_at (vm->adapters[1].generic_props, 0));

  /* Changing the copy leaves the original alone. */
  apply_ok (copy, "natpfdelete", 1, "ssh");
  apply_ok (copy, "nicproperty", 2, "dest=");
  apply_ok (copy, "intnet", 6, "other");
  g_assert_cmpuint (vm->adapters[0].nat_rules->len, ==, 2);
  g_assert_cmpuint (vm->adapters[1].generic_props->len, ==, 2);
  g_assert_cmpstr (vm->adapters[5].intnet, ==, "lab");
}

static void
test_adapter_init_clear_copy (void)
{
  WbAdapter a, b;

  wb_adapter_init (&a, 3);
  g_assert_cmpuint (a.slot, ==, 3);
  g_assert_false (a.enabled);
  g_assert_cmpint (a.attachment, ==, WB_ATTACHMENT_NULL);
  g_assert_true (g_str_has_prefix (a.mac, "080027"));
  g_ptr_array_add (a.nat_rules, wb_nat_rule_new ("r", WB_PROTO_TCP, "", 1, "", 2));
  wb_adapter_copy_into (&b, &a);
  wb_test_assert_adapters_equal (&a, &b);
  wb_adapter_clear (&a);
  g_assert_null (a.nat_rules);
  g_assert_null (a.intnet);
  /* Clearing twice is harmless. */
  wb_adapter_clear (&a);
  g_assert_cmpstr (rule_at (b.nat_rules, 0)->name, ==, "r");
  wb_adapter_clear (&b);
}

static void
test_vm_apply_slot (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  g_autoptr(GError) error = NULL;

  apply_fails (vm, "nic", 0, "nat", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nic", 9, "nat", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nictype", 100, "virtio", WB_ERROR_INVALID_ARGUMENT);
  g_assert_false (wb_vm_apply (vm, "nic", 9, "nat", &error));
  g_assert_cmpstr (error->message, ==,
                   "Invalid NIC number 9 in '--nic9': must be 1 to 8");
  apply_ok (vm, "nic", 8, "nat");
  apply_ok (vm, "nic", 1, "nat");
}

static void
test_vm_apply_unknown (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  g_autoptr(GError) error = NULL;

  apply_fails (vm, "nicfoo", 1, "x", WB_ERROR_UNKNOWN_OPTION);
  apply_fails (vm, "nic-type", 1, "virtio", WB_ERROR_UNKNOWN_OPTION);
  apply_fails (vm, "", 1, "x", WB_ERROR_UNKNOWN_OPTION);
  apply_fails (vm, "NIC", 1, "nat", WB_ERROR_UNKNOWN_OPTION);
  /* An unknown option is reported as such even with a bad slot. */
  apply_fails (vm, "bogus", 9, "x", WB_ERROR_UNKNOWN_OPTION);
  g_assert_false (wb_vm_apply (vm, "nicfoo", 1, "x", &error));
  g_assert_cmpstr (error->message, ==, "Unknown option '--nicfoo1'");
}

static void
test_vm_apply_nic (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  WbAdapter *a = &vm->adapters[2];

  apply_ok (vm, "nic", 3, "intnet");
  g_assert_true (a->enabled);
  g_assert_cmpint (a->attachment, ==, WB_ATTACHMENT_INTNET);
  /* Other modes' targets stay. */
  g_assert_cmpstr (a->bridge_adapter, ==, "eth0");
  g_assert_cmpstr (a->intnet, ==, "intnet");   /* the default name, once chosen */
  /* A name given before the mode is kept. */
  apply_ok (vm, "intnet", 4, "lab4");
  apply_ok (vm, "nic", 4, "intnet");
  g_assert_cmpstr (vm->adapters[3].intnet, ==, "lab4");
  apply_ok (vm, "nic", 3, "none");
  g_assert_false (a->enabled);
  g_assert_cmpint (a->attachment, ==, WB_ATTACHMENT_INTNET);
  apply_ok (vm, "nic", 3, "HostIf");
  g_assert_true (a->enabled);
  g_assert_cmpint (a->attachment, ==, WB_ATTACHMENT_BRIDGED);
  apply_ok (vm, "nic", 3, "null");
  g_assert_true (a->enabled);
  g_assert_cmpint (a->attachment, ==, WB_ATTACHMENT_NULL);
  apply_ok (vm, "nic", 7, "NatNetwork");
  g_assert_true (vm->adapters[6].enabled);
  g_assert_cmpint (vm->adapters[6].attachment, ==, WB_ATTACHMENT_NATNETWORK);
  g_assert_cmpstr (a->bridge_adapter, ==, "eth0");

  apply_fails (vm, "nic", 3, "foo", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nic", 3, "", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nic", 1, "nat ", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_nictype (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();

  apply_ok (vm, "nictype", 1, "82545em");
  g_assert_cmpint (vm->adapters[0].type, ==, WB_NIC_TYPE_82545EM);
  apply_ok (vm, "nictype", 8, "VIRTIO");
  g_assert_cmpint (vm->adapters[7].type, ==, WB_NIC_TYPE_VIRTIO);
  apply_fails (vm, "nictype", 1, "e1000", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nictype", 1, "", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_cableconnected (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();

  apply_ok (vm, "cableconnected", 1, "off");
  g_assert_false (vm->adapters[0].cable_connected);
  apply_ok (vm, "cableconnected", 1, "on");
  g_assert_true (vm->adapters[0].cable_connected);
  apply_fails (vm, "cableconnected", 1, "maybe", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "cableconnected", 6, "", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_nicpromisc (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();

  apply_ok (vm, "nicpromisc", 2, "allow-network");
  g_assert_cmpint (vm->adapters[1].promisc, ==, WB_PROMISC_ALLOW_VMS);
  apply_ok (vm, "nicpromisc", 2, "allow-all");
  g_assert_cmpint (vm->adapters[1].promisc, ==, WB_PROMISC_ALLOW_ALL);
  apply_ok (vm, "nicpromisc", 2, "deny");
  g_assert_cmpint (vm->adapters[1].promisc, ==, WB_PROMISC_DENY);
  apply_fails (vm, "nicpromisc", 3, "allow", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_macaddress (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  char old[13];
  guint i, n;

  apply_ok (vm, "macaddress", 1, "080027aabbcc");
  g_assert_cmpstr (vm->adapters[0].mac, ==, "080027AABBCC");
  memcpy (old, vm->adapters[0].mac, sizeof old);
  for (n = 0; n < 50; n++)
    {
      apply_ok (vm, "macaddress", 1, n % 2 ? "auto" : "AUTO");
      g_assert_true (g_str_has_prefix (vm->adapters[0].mac, "080027"));
      g_assert_cmpuint (strlen (vm->adapters[0].mac), ==, 12);
      for (i = 1; i < WB_MAX_ADAPTERS; i++)
        g_assert_cmpstr (vm->adapters[0].mac, !=, vm->adapters[i].mac);
    }
  g_assert_cmpstr (vm->adapters[0].mac, !=, old);
  apply_fails (vm, "macaddress", 1, "08002700000", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "macaddress", 1, "0800270000001", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "macaddress", 1, "010027000000", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "macaddress", 1, "08:00:27:00:00:00", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "macaddress", 1, "", WB_ERROR_INVALID_ARGUMENT);
}

/* The four mode targets share their rules. */
static void
check_target_key (const char *key,
                  gsize       offset,
                  gboolean    none_clears)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  WbAdapter *a = &vm->adapters[6];
  char **field = G_STRUCT_MEMBER_P (a, offset);
  g_autofree char *longest = g_strnfill (WB_NAME_MAX, 'n');
  g_autofree char *too_long = g_strnfill (WB_NAME_MAX + 1, 'n');

  apply_ok (vm, key, 7, "lab net; \"x\" \\ y");
  g_assert_cmpstr (*field, ==, "lab net; \"x\" \\ y");
  /* Setting a target does not change the mode. */
  g_assert_false (a->enabled);
  g_assert_cmpint (a->attachment, ==, WB_ATTACHMENT_NULL);
  apply_ok (vm, key, 7, longest);
  g_assert_cmpstr (*field, ==, longest);
  apply_ok (vm, key, 7, "none");
  g_assert_cmpstr (*field, ==, none_clears ? "" : "none");
  apply_ok (vm, key, 7, "target");
  apply_fails (vm, key, 7, "", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, key, 7, "a\nb", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, key, 7, "a\tb", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, key, 7, "\xff", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, key, 7, too_long, WB_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (*field, ==, "target");
}

static void
test_vm_apply_intnet (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();

  check_target_key ("intnet", G_STRUCT_OFFSET (WbAdapter, intnet), FALSE);
  apply_ok (vm, "intnet", 1, "lab");
  g_assert_cmpint (vm->adapters[0].attachment, ==, WB_ATTACHMENT_NAT);
  g_assert_true (vm->adapters[0].enabled);
  g_assert_cmpstr (vm->adapters[0].intnet, ==, "lab");
}

static void
test_vm_apply_natnetwork (void)
{
  check_target_key ("natnetwork", G_STRUCT_OFFSET (WbAdapter, nat_network), FALSE);
}

static void
test_vm_apply_bridgeadapter (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();

  check_target_key ("bridgeadapter", G_STRUCT_OFFSET (WbAdapter, bridge_adapter), TRUE);
  apply_ok (vm, "bridgeadapter", 3, "NONE");
  g_assert_cmpstr (vm->adapters[2].bridge_adapter, ==, "");
}

static void
test_vm_apply_hostonlyadapter (void)
{
  check_target_key ("hostonlyadapter",
                    G_STRUCT_OFFSET (WbAdapter, hostonly_adapter), TRUE);
}

static void
test_vm_apply_nicgenericdrv (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();

  apply_ok (vm, "nicgenericdrv", 2, "vde");
  g_assert_cmpstr (vm->adapters[1].generic_driver, ==, "VDE");
  apply_ok (vm, "nicgenericdrv", 2, "udptunnel");
  g_assert_cmpstr (vm->adapters[1].generic_driver, ==, "UDPTunnel");
  apply_fails (vm, "nicgenericdrv", 2, "tap", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nicgenericdrv", 2, "", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_nicproperty (void)
{
  g_autoptr(WbVm) vm = wb_vm_new ("props");
  GPtrArray *props = vm->adapters[1].generic_props;
  g_autofree char *max_value = g_strnfill (WB_PROPERTY_MAX, 'v');
  g_autofree char *longest = g_strconcat ("k=", max_value, NULL);
  g_autofree char *too_long = g_strconcat (longest, "v", NULL);

  apply_ok (vm, "nicproperty", 2, "sport=4444");
  apply_ok (vm, "nicproperty", 2, "dest=127.0.0.1");
  apply_ok (vm, "nicproperty", 2, "dport=4445");
  g_assert_cmpuint (props->len, ==, 3);
  g_assert_cmpstr (prop_at (props, 0)->name, ==, "dest");
  g_assert_cmpstr (prop_at (props, 1)->name, ==, "dport");
  g_assert_cmpstr (prop_at (props, 2)->name, ==, "sport");
  /* Replace. */
  apply_ok (vm, "nicproperty", 2, "sport=5555");
  g_assert_cmpuint (props->len, ==, 3);
  g_assert_cmpstr (prop_at (props, 2)->value, ==, "5555");
  /* Split at the first '='. */
  apply_ok (vm, "nicproperty", 2, "a=b=c");
  g_assert_cmpstr (prop_at (props, 0)->name, ==, "a");
  g_assert_cmpstr (prop_at (props, 0)->value, ==, "b=c");
  /* An empty value removes; removing what is absent is fine. */
  apply_ok (vm, "nicproperty", 2, "dport=");
  apply_ok (vm, "nicproperty", 2, "missing=");
  g_assert_cmpuint (props->len, ==, 3);
  g_assert_cmpstr (prop_at (props, 0)->name, ==, "a");
  g_assert_cmpstr (prop_at (props, 1)->name, ==, "dest");
  g_assert_cmpstr (prop_at (props, 2)->name, ==, "sport");

  apply_ok (vm, "nicproperty", 2, longest);
  g_assert_cmpstr (prop_at (props, 2)->value, ==, max_value);
  apply_fails (vm, "nicproperty", 2, "=x", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nicproperty", 2, "noequals", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nicproperty", 2, "", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nicproperty", 2, "na\nme=x", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nicproperty", 2, "x=\x01", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nicproperty", 2, too_long, WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_natnet (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  static const char * const bad[] = {
    "192.168.22.0/33", "300.1.1.0/24", "abc", "1.2.3.4/", "/24", "",
    "10.0.2.0", "10.0.2.0/29",
  };
  guint i;

  apply_ok (vm, "natnet", 2, "192.168/16");
  g_assert_cmpstr (vm->adapters[1].natnet, ==, "192.168.0.0/16");
  apply_ok (vm, "natnet", 2, "10.0.5.7/24");
  g_assert_cmpstr (vm->adapters[1].natnet, ==, "10.0.5.0/24");
  apply_ok (vm, "natnet", 2, "10/8");
  g_assert_cmpstr (vm->adapters[1].natnet, ==, "10.0.0.0/8");
  apply_ok (vm, "natnet", 2, "172.16.0.0/28");
  g_assert_cmpstr (vm->adapters[1].natnet, ==, "172.16.0.0/28");
  apply_ok (vm, "natnet", 2, "Default");
  g_assert_cmpstr (vm->adapters[1].natnet, ==, "");
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    apply_fails (vm, "natnet", 1, bad[i], WB_ERROR_INVALID_ARGUMENT);
}

static void
test_adapter_effective_natnet (void)
{
  g_autoptr(WbVm) vm = wb_vm_new ("n");
  g_autofree char *one = wb_adapter_effective_natnet (&vm->adapters[0]);
  g_autofree char *eight = wb_adapter_effective_natnet (&vm->adapters[7]);
  g_autofree char *set = NULL;

  g_assert_cmpstr (one, ==, "10.0.2.0/24");
  g_assert_cmpstr (eight, ==, "10.0.9.0/24");
  apply_ok (vm, "natnet", 1, "192.168/16");
  set = wb_adapter_effective_natnet (&vm->adapters[0]);
  g_assert_cmpstr (set, ==, "192.168.0.0/16");
}

static void
test_vm_apply_natpf (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  GPtrArray *rules = vm->adapters[0].nat_rules;
  g_autoptr(GError) error = NULL;

  apply_ok (vm, "natpf", 1, ",tcp,,8022,,22");
  apply_ok (vm, "natpf", 1, "dns,udp,,2222,,53");
  g_assert_cmpuint (rules->len, ==, 4);
  g_assert_cmpstr (rule_at (rules, 0)->name, ==, "ssh");
  g_assert_cmpstr (rule_at (rules, 1)->name, ==, "web");
  g_assert_cmpstr (rule_at (rules, 2)->name, ==, "tcp_8022_22");
  g_assert_cmpstr (rule_at (rules, 3)->name, ==, "dns");
  /* Rules are per adapter. */
  apply_ok (vm, "natpf", 2, "ssh,tcp,,2222,,22");
  g_assert_cmpuint (vm->adapters[1].nat_rules->len, ==, 1);

  apply_fails (vm, "natpf", 1, "ssh,tcp,,3333,,22", WB_ERROR_EXISTS);
  apply_fails (vm, "natpf", 1, "other,tcp,,2222,,22", WB_ERROR_EXISTS);
  apply_fails (vm, "natpf", 1, "a,b,tcp,,4444,,22", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "natpf", 1, "x,tcp,,0,,22", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "natpf", 1, "x,gre,,4444,,22", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "natpf", 1, "", WB_ERROR_INVALID_ARGUMENT);
  g_assert_false (wb_vm_apply (vm, "natpf", 1, "ssh,tcp,,3333,,22", &error));
  wb_test_assert_message_contains (error, "--natpf1: ");
  wb_test_assert_message_contains (error, "'ssh'");
}

static void
test_vm_apply_natpfdelete (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  GPtrArray *rules = vm->adapters[0].nat_rules;

  apply_ok (vm, "natpfdelete", 1, "ssh");
  g_assert_cmpuint (rules->len, ==, 1);
  g_assert_cmpstr (rule_at (rules, 0)->name, ==, "web");
  apply_fails (vm, "natpfdelete", 1, "ssh", WB_ERROR_NOT_FOUND);
  apply_fails (vm, "natpfdelete", 1, "WEB", WB_ERROR_NOT_FOUND);
  apply_fails (vm, "natpfdelete", 2, "web", WB_ERROR_NOT_FOUND);
  apply_fails (vm, "natpfdelete", 1, "", WB_ERROR_NOT_FOUND);
  /* The port is free again. */
  apply_ok (vm, "natpf", 1, "again,tcp,,2222,,22");
}

static void
test_vm_apply_nictrace (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();

  apply_ok (vm, "nictrace", 1, "on");
  g_assert_true (vm->adapters[0].trace);
  apply_ok (vm, "nictrace", 1, "off");
  g_assert_false (vm->adapters[0].trace);
  apply_fails (vm, "nictrace", 3, "sometimes", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_nictracefile (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  g_autofree char *longest = g_strnfill (WB_PATH_MAX, 'p');
  g_autofree char *too_long = g_strnfill (WB_PATH_MAX + 1, 'p');

  apply_ok (vm, "nictracefile", 1, "/tmp/a b;\"c\".pcap");
  g_assert_cmpstr (vm->adapters[0].trace_file, ==, "/tmp/a b;\"c\".pcap");
  apply_ok (vm, "nictracefile", 1, longest);
  g_assert_cmpstr (vm->adapters[0].trace_file, ==, longest);
  apply_fails (vm, "nictracefile", 3, "", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nictracefile", 3, "/tmp/a\nb", WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nictracefile", 3, too_long, WB_ERROR_INVALID_ARGUMENT);
  apply_fails (vm, "nictracefile", 3, "/tmp/\xff", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_natlocalhostreachable (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();

  apply_ok (vm, "natlocalhostreachable", 1, "on");
  g_assert_true (vm->adapters[0].nat_localhost_reachable);
  apply_ok (vm, "natlocalhostreachable", 1, "off");
  g_assert_false (vm->adapters[0].nat_localhost_reachable);
  apply_fails (vm, "natlocalhostreachable", 1, "2", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_nicspeed (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  static const char * const bad[] = {
    "10000001", "-1", "abc", "", "4294967296", "1.5", "+100", " 100",
    "99999999999999999999999",
  };
  guint i;

  apply_ok (vm, "nicspeed", 1, "0");
  g_assert_cmpuint (vm->adapters[0].speed_kbps, ==, 0);
  apply_ok (vm, "nicspeed", 1, "10000000");
  g_assert_cmpuint (vm->adapters[0].speed_kbps, ==, 10000000);
  apply_ok (vm, "nicspeed", 1, "1000000");
  g_assert_cmpuint (vm->adapters[0].speed_kbps, ==, 1000000);
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    apply_fails (vm, "nicspeed", 1, bad[i], WB_ERROR_INVALID_ARGUMENT);
}

static void
test_vm_apply_natsettings (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  static const struct { const char *text; guint mtu; } good[] = {
    { "1500", 1500 }, { "0,,,,", 0 }, { "9000,64,64,64,64", 9000 },
    { "68", 68 }, { "65520", 65520 }, { ",128,128", 0 }, { "0", 0 },
    { "", 0 },
  };
  static const char * const bad[] = {
    "67", "1", "65521", "abc", "1500,x", "1500,1,2,3,4,5", "-1", "1500,-1",
    "1500, 64",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      apply_ok (vm, "natsettings", 1, good[i].text);
      g_assert_cmpuint (vm->adapters[0].nat_mtu, ==, good[i].mtu);
    }
  apply_ok (vm, "natsettings", 1, "1400");
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    apply_fails (vm, "natsettings", 1, bad[i], WB_ERROR_INVALID_ARGUMENT);
}

/* A change list applied to a copy, stopped at the first failure: the
 * original is untouched whatever happened to the copy. */
static void
test_vm_apply_on_copy (void)
{
  g_autoptr(WbVm) vm = make_rich_vm ();
  g_autoptr(WbVm) work = wb_vm_copy (vm);
  g_autoptr(WbVm) before = wb_vm_copy (vm);

  apply_ok (work, "nic", 1, "intnet");
  apply_ok (work, "natpf", 1, "x,tcp,,9999,,22");
  g_assert_false (wb_vm_apply (work, "nictype", 1, "bogus", NULL));
  wb_test_assert_vms_equal (vm, before);
}

/* --- NAT networks ------------------------------------------------------- */

static void
test_nat_network_new (void)
{
  g_autoptr(WbNatNetwork) net = wb_nat_network_new ("natnet1");
  g_autofree char *gateway = wb_nat_network_gateway (net);
  const WbLoopbackMap *map;

  g_assert_cmpstr (net->name, ==, "natnet1");
  g_assert_cmpstr (net->network, ==, "10.0.2.0/24");
  g_assert_true (net->enabled);
  g_assert_true (net->dhcp);
  g_assert_false (net->ipv6);
  g_assert_cmpstr (net->ipv6_prefix, ==, "fd17:625c:f037:2::/64");
  g_assert_false (net->running);
  g_assert_cmpuint (net->rules->len, ==, 0);
  g_assert_cmpuint (net->loopback->len, ==, 1);
  map = g_ptr_array_index (net->loopback, 0);
  g_assert_cmpstr (map->address, ==, "127.0.0.1");
  g_assert_cmpuint (map->offset, ==, 2);
  g_assert_cmpstr (gateway, ==, "10.0.2.1");
}

static void
test_nat_network_copy (void)
{
  g_autoptr(WbNatNetwork) net = wb_nat_network_new ("n");
  g_autoptr(WbNatNetwork) copy = NULL;

  apply_nat_network_ok (net, "portforward4", "ssh:tcp:[]:1022:[10.0.2.5]:22");
  net->running = TRUE;
  copy = wb_nat_network_copy (net);
  wb_test_assert_nat_networks_equal (net, copy);
  g_assert_true (copy->rules != net->rules);
  g_assert_true (copy->loopback != net->loopback);
  g_assert_true (g_ptr_array_index (copy->loopback, 0)
                 != g_ptr_array_index (net->loopback, 0));
  apply_nat_network_ok (copy, "portforward4delete", "ssh");
  g_assert_cmpuint (net->rules->len, ==, 1);
}

static void
test_nat_network_apply_network (void)
{
  g_autoptr(WbNatNetwork) net = wb_nat_network_new ("n");
  g_autofree char *gateway = NULL;
  static const char * const bad[] = {
    "192.168.22.0/33", "300.1.1.0/24", "abc", "1.2.3.4/", "/24", "",
    "10.0.0.0/7", "10.0.0.0/31", "10.0.0.0/32", "0.0.0.0/0",
  };
  guint i;

  apply_nat_network_ok (net, "network", "192.168.22.5/24");
  g_assert_cmpstr (net->network, ==, "192.168.22.0/24");
  gateway = wb_nat_network_gateway (net);
  g_assert_cmpstr (gateway, ==, "192.168.22.1");
  apply_nat_network_ok (net, "network", "10/8");
  g_assert_cmpstr (net->network, ==, "10.0.0.0/8");
  apply_nat_network_ok (net, "network", "10.9.9.0/30");
  g_assert_cmpstr (net->network, ==, "10.9.9.0/30");
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    apply_nat_network_fails (net, "network", bad[i], WB_ERROR_INVALID_ARGUMENT);
}

static void
test_nat_network_apply_flags (void)
{
  g_autoptr(WbNatNetwork) net = wb_nat_network_new ("n");

  apply_nat_network_ok (net, "disable", "");
  g_assert_false (net->enabled);
  apply_nat_network_ok (net, "enable", "");
  g_assert_true (net->enabled);
  apply_nat_network_ok (net, "dhcp", "off");
  g_assert_false (net->dhcp);
  apply_nat_network_ok (net, "dhcp", "on");
  g_assert_true (net->dhcp);
  apply_nat_network_ok (net, "ipv6", "on");
  g_assert_true (net->ipv6);
  apply_nat_network_ok (net, "ipv6", "off");
  g_assert_false (net->ipv6);
  apply_nat_network_fails (net, "dhcp", "maybe", WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "ipv6", "", WB_ERROR_INVALID_ARGUMENT);
}

static void
test_nat_network_apply_portforward (void)
{
  g_autoptr(WbNatNetwork) net = wb_nat_network_new ("n");

  apply_nat_network_ok (net, "portforward4", "ssh:tcp:[]:1022:[10.0.2.5]:22");
  apply_nat_network_ok (net, "portforward4", ":udp:[127.0.0.1]:53:[10.0.2.6]:53");
  g_assert_cmpuint (net->rules->len, ==, 2);
  g_assert_cmpstr (rule_at (net->rules, 1)->name, ==, "udp_53_53");
  apply_nat_network_fails (net, "portforward4", "ssh:tcp:[]:2022:[10.0.2.5]:22",
                           WB_ERROR_EXISTS);
  apply_nat_network_fails (net, "portforward4", "x:tcp:[]:1022:[10.0.2.5]:22",
                           WB_ERROR_EXISTS);
  apply_nat_network_fails (net, "portforward4", "x:tcp:[]:3022:[]:22",
                           WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "portforward4", "x,tcp,,3022,10.0.2.5,22",
                           WB_ERROR_INVALID_ARGUMENT);
  /* A comma in the name would break the VM form when printed back. */
  apply_nat_network_fails (net, "portforward4", "a,b:tcp:[]:3022:[10.0.2.5]:22",
                           WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_ok (net, "portforward4delete", "ssh");
  g_assert_cmpuint (net->rules->len, ==, 1);
  apply_nat_network_fails (net, "portforward4delete", "ssh", WB_ERROR_NOT_FOUND);
}

static void
test_nat_network_apply_loopback (void)
{
  g_autoptr(WbNatNetwork) net = wb_nat_network_new ("n");
  const WbLoopbackMap *map;

  apply_nat_network_ok (net, "loopback4", "127.0.0.1=10");
  g_assert_cmpuint (net->loopback->len, ==, 1);
  map = g_ptr_array_index (net->loopback, 0);
  g_assert_cmpuint (map->offset, ==, 10);
  apply_nat_network_ok (net, "loopback4", "127.1.2.3=254");
  g_assert_cmpuint (net->loopback->len, ==, 2);
  map = g_ptr_array_index (net->loopback, 1);
  g_assert_cmpstr (map->address, ==, "127.1.2.3");
  g_assert_cmpuint (map->offset, ==, 254);

  apply_nat_network_fails (net, "loopback4", "128.0.0.1=2", WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "loopback4", "127.0.0.1=0", WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "loopback4", "127.0.0.1=255", WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "loopback4", "127.0.0.1", WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "loopback4", "127.0.0.1=", WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "loopback4", "127.0.0.1=abc", WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "loopback4", "=2", WB_ERROR_INVALID_ARGUMENT);
  /* 127.1.2.3=254 does not fit a /25. */
  apply_nat_network_fails (net, "network", "10.0.2.0/25", WB_ERROR_INVALID_ARGUMENT);

  apply_nat_network_ok (net, "loopback4delete", "127.1.2.3");
  g_assert_cmpuint (net->loopback->len, ==, 1);
  apply_nat_network_ok (net, "network", "10.0.2.0/25");
  apply_nat_network_fails (net, "loopback4delete", "127.1.2.3", WB_ERROR_NOT_FOUND);
  apply_nat_network_fails (net, "loopback4delete", "10.0.0.1",
                           WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_fails (net, "loopback4delete", "abc", WB_ERROR_INVALID_ARGUMENT);
  apply_nat_network_ok (net, "loopback4delete", "127.0.0.1");
  g_assert_cmpuint (net->loopback->len, ==, 0);
}

static void
test_nat_network_apply_unknown (void)
{
  g_autoptr(WbNatNetwork) net = wb_nat_network_new ("n");
  g_autoptr(GError) error = NULL;

  apply_nat_network_fails (net, "netname", "x", WB_ERROR_UNKNOWN_OPTION);
  apply_nat_network_fails (net, "port-forward-4", "x", WB_ERROR_UNKNOWN_OPTION);
  g_assert_false (wb_nat_network_apply (net, "bogus", "x", &error));
  g_assert_cmpstr (error->message, ==, "Unknown option '--bogus'");
}

/* --- host-only interfaces ----------------------------------------------- */

static void
test_host_only_if_new (void)
{
  g_autoptr(WbHostOnlyIf) zero = wb_host_only_if_new (0);
  g_autoptr(WbHostOnlyIf) one = wb_host_only_if_new (1);
  g_autoptr(WbHostOnlyIf) twelve = wb_host_only_if_new (12);
  g_autoptr(WbHostOnlyIf) last = wb_host_only_if_new (WB_HOST_ONLY_IF_MAX);
  g_autoptr(WbHostOnlyIf) again = wb_host_only_if_new (12);

  g_assert_cmpstr (zero->name, ==, "vboxnet0");
  g_assert_cmpstr (zero->guid, ==, "786f6276-656e-4074-8000-0a0027000000");
  g_assert_cmpstr (zero->ip, ==, "192.168.56.1");
  g_assert_cmpstr (zero->netmask, ==, "255.255.255.0");
  g_assert_cmpstr (zero->mac, ==, "0a:00:27:00:00:00");
  g_assert_false (zero->dhcp);

  g_assert_cmpstr (one->name, ==, "vboxnet1");
  g_assert_cmpstr (one->guid, ==, "786f6276-656e-4174-8000-0a0027000001");
  g_assert_cmpstr (one->ip, ==, "192.168.57.1");
  g_assert_cmpstr (one->mac, ==, "0a:00:27:00:00:01");

  g_assert_cmpstr (twelve->guid, ==, "786f6276-656e-4174-b200-0a002700000c");
  g_assert_cmpstr (twelve->guid, ==, again->guid);
  g_assert_cmpstr (twelve->mac, ==, "0a:00:27:00:00:0c");

  g_assert_cmpstr (last->name, ==, "vboxnet199");
  g_assert_cmpstr (last->ip, ==, "192.168.255.1");
  g_assert_cmpstr (last->mac, ==, "0a:00:27:00:00:c7");
  g_assert_true (g_uuid_string_is_valid (zero->guid));
  g_assert_true (g_uuid_string_is_valid (twelve->guid));
  g_assert_true (g_uuid_string_is_valid (last->guid));
}

static void
test_host_only_if_copy (void)
{
  g_autoptr(WbHostOnlyIf) hif = wb_host_only_if_new (3);
  g_autoptr(WbHostOnlyIf) copy = NULL;

  hif->dhcp = TRUE;
  copy = wb_host_only_if_copy (hif);
  g_assert_true (copy->name != hif->name);
  g_assert_cmpstr (copy->name, ==, hif->name);
  g_assert_cmpstr (copy->guid, ==, hif->guid);
  g_assert_cmpstr (copy->ip, ==, hif->ip);
  g_assert_cmpstr (copy->netmask, ==, hif->netmask);
  g_assert_cmpstr (copy->mac, ==, hif->mac);
  g_assert_true (copy->dhcp);
}

static void
test_host_only_if_index (void)
{
  static const struct { const char *name; guint want; } good[] = {
    { "vboxnet0", 0 }, { "vboxnet7", 7 }, { "vboxnet10", 10 },
    { "vboxnet199", 199 },
  };
  static const char * const bad[] = {
    "vboxnet", "vboxnet07", "vboxnet200", "vboxnet-1", "vboxnet+1",
    "vboxnet1a", "eth0", "VBOXNET1", "vboxnet 1", "", "xvboxnet1",
    "vboxnet99999999999999999999",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      guint index = 999;

      g_assert_true (wb_host_only_if_index (good[i].name, &index));
      g_assert_cmpuint (index, ==, good[i].want);
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      guint index = 999;

      if (wb_host_only_if_index (bad[i], &index))
        g_error ("'%s' was accepted", bad[i]);
      g_assert_cmpuint (index, ==, 999);
    }
}

static void
test_host_only_network_name (void)
{
  g_autofree char *name = wb_host_only_network_name ("vboxnet0");

  g_assert_cmpstr (name, ==, "HostInterfaceNetworking-vboxnet0");
}

/* --- DHCP servers ------------------------------------------------------- */

static void
test_dhcp_new (void)
{
  g_autoptr(WbDhcpServer) server = wb_dhcp_server_new ("HostInterfaceNetworking-vboxnet0");
  g_autoptr(WbDhcpServer) copy = wb_dhcp_server_copy (server);

  g_assert_cmpstr (server->network_name, ==, "HostInterfaceNetworking-vboxnet0");
  g_assert_cmpstr (server->server_ip, ==, "");
  g_assert_cmpstr (server->netmask, ==, "");
  g_assert_cmpstr (server->lower_ip, ==, "");
  g_assert_cmpstr (server->upper_ip, ==, "");
  g_assert_false (server->enabled);
  wb_test_assert_dhcp_servers_equal (server, copy);
  g_assert_true (server->server_ip != copy->server_ip);
}

static void
test_dhcp_new_for_host_only (void)
{
  g_autoptr(WbHostOnlyIf) hif = wb_host_only_if_new (0);
  g_autoptr(WbHostOnlyIf) hif3 = wb_host_only_if_new (3);
  g_autoptr(WbDhcpServer) server = wb_dhcp_server_new_for_host_only (hif);
  g_autoptr(WbDhcpServer) server3 = wb_dhcp_server_new_for_host_only (hif3);
  g_autoptr(WbDhcpServer) wide = NULL;

  g_assert_cmpstr (server->network_name, ==, "HostInterfaceNetworking-vboxnet0");
  g_assert_cmpstr (server->server_ip, ==, "192.168.56.100");
  g_assert_cmpstr (server->netmask, ==, "255.255.255.0");
  g_assert_cmpstr (server->lower_ip, ==, "192.168.56.101");
  g_assert_cmpstr (server->upper_ip, ==, "192.168.56.254");
  g_assert_true (server->enabled);
  g_assert_true (wb_dhcp_server_validate (server, NULL));

  g_assert_cmpstr (server3->network_name, ==, "HostInterfaceNetworking-vboxnet3");
  g_assert_cmpstr (server3->server_ip, ==, "192.168.59.100");
  g_assert_cmpstr (server3->upper_ip, ==, "192.168.59.254");

  /* Computed from the interface's address and mask. */
  g_free (hif->ip);
  hif->ip = g_strdup ("10.1.2.3");
  g_free (hif->netmask);
  hif->netmask = g_strdup ("255.255.0.0");
  wide = wb_dhcp_server_new_for_host_only (hif);
  g_assert_cmpstr (wide->server_ip, ==, "10.1.0.100");
  g_assert_cmpstr (wide->netmask, ==, "255.255.0.0");
  g_assert_cmpstr (wide->lower_ip, ==, "10.1.0.101");
  g_assert_cmpstr (wide->upper_ip, ==, "10.1.255.254");
  g_assert_true (wb_dhcp_server_validate (wide, NULL));
}

static void
test_dhcp_apply (void)
{
  g_autoptr(WbDhcpServer) server = wb_dhcp_server_new ("n");
  g_autoptr(GError) error = NULL;

  apply_dhcp_ok (server, "server-ip", "192.168.56.2");
  apply_dhcp_ok (server, "netmask", "255.255.255.0");
  apply_dhcp_ok (server, "lower-ip", "192.168.56.10");
  apply_dhcp_ok (server, "upper-ip", "192.168.56.20");
  apply_dhcp_ok (server, "enable", "");
  g_assert_cmpstr (server->server_ip, ==, "192.168.56.2");
  g_assert_cmpstr (server->netmask, ==, "255.255.255.0");
  g_assert_cmpstr (server->lower_ip, ==, "192.168.56.10");
  g_assert_cmpstr (server->upper_ip, ==, "192.168.56.20");
  g_assert_true (server->enabled);
  apply_dhcp_ok (server, "disable", "");
  g_assert_false (server->enabled);

  apply_dhcp_fails (server, "server-ip", "abc", WB_ERROR_INVALID_ARGUMENT);
  apply_dhcp_fails (server, "server-ip", "192.168.56.256", WB_ERROR_INVALID_ARGUMENT);
  apply_dhcp_fails (server, "netmask", "255.0.255.0", WB_ERROR_INVALID_ARGUMENT);
  apply_dhcp_fails (server, "netmask", "24", WB_ERROR_INVALID_ARGUMENT);
  apply_dhcp_fails (server, "lower-ip", "1.2.3", WB_ERROR_INVALID_ARGUMENT);
  apply_dhcp_fails (server, "upper-ip", "", WB_ERROR_INVALID_ARGUMENT);
  apply_dhcp_fails (server, "ip", "192.168.56.2", WB_ERROR_UNKNOWN_OPTION);
  apply_dhcp_fails (server, "lowerip", "192.168.56.2", WB_ERROR_UNKNOWN_OPTION);
  g_assert_false (wb_dhcp_server_apply (server, "foo", "x", &error));
  g_assert_cmpstr (error->message, ==, "Unknown option '--foo'");
}

static WbDhcpServer *
make_dhcp (const char *server_ip,
           const char *netmask,
           const char *lower,
           const char *upper)
{
  WbDhcpServer *server = wb_dhcp_server_new ("n");

  if (server_ip != NULL)
    apply_dhcp_ok (server, "server-ip", server_ip);
  if (netmask != NULL)
    apply_dhcp_ok (server, "netmask", netmask);
  if (lower != NULL)
    apply_dhcp_ok (server, "lower-ip", lower);
  if (upper != NULL)
    apply_dhcp_ok (server, "upper-ip", upper);
  return server;
}

static void
assert_dhcp_invalid (WbDhcpServer *server,
                     const char   *part)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (wb_dhcp_server_validate (server, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT);
  wb_test_assert_message_contains (error, part);
  wb_dhcp_server_free (server);
}

static void
test_dhcp_validate (void)
{
  static const char *needs = "DHCP server needs --server-ip, --netmask, "
                             "--lower-ip and --upper-ip";
  g_autoptr(WbDhcpServer) good = make_dhcp ("192.168.56.100", "255.255.255.0",
                                            "192.168.56.101", "192.168.56.254");
  g_autoptr(WbDhcpServer) single = make_dhcp ("10.0.0.1", "255.0.0.0",
                                              "10.0.0.5", "10.0.0.5");
  g_autoptr(GError) error = NULL;

  g_assert_true (wb_dhcp_server_validate (good, &error));
  g_assert_no_error (error);
  g_assert_true (wb_dhcp_server_validate (single, &error));
  g_assert_no_error (error);

  assert_dhcp_invalid (make_dhcp (NULL, NULL, NULL, NULL), needs);
  assert_dhcp_invalid (make_dhcp (NULL, "255.255.255.0", "192.168.56.101",
                                  "192.168.56.254"), needs);
  assert_dhcp_invalid (make_dhcp ("192.168.56.100", NULL, "192.168.56.101",
                                  "192.168.56.254"), needs);
  assert_dhcp_invalid (make_dhcp ("192.168.56.100", "255.255.255.0", NULL,
                                  "192.168.56.254"), needs);
  assert_dhcp_invalid (make_dhcp ("192.168.56.100", "255.255.255.0",
                                  "192.168.56.101", NULL), needs);
  assert_dhcp_invalid (make_dhcp ("192.168.56.100", "255.255.255.0",
                                  "192.168.56.200", "192.168.56.101"),
                       "lower bound 192.168.56.200 is above upper bound "
                       "192.168.56.101");
  assert_dhcp_invalid (make_dhcp ("192.168.56.100", "255.255.255.0",
                                  "192.168.57.101", "192.168.57.254"),
                       "lower bound 192.168.57.101");
  assert_dhcp_invalid (make_dhcp ("192.168.56.100", "255.255.255.0",
                                  "192.168.56.101", "192.168.57.254"),
                       "upper bound 192.168.57.254");
  assert_dhcp_invalid (make_dhcp ("192.168.56.100", "255.255.255.0",
                                  "192.168.56.101", "192.168.56.255"),
                       "upper bound 192.168.56.255");
  assert_dhcp_invalid (make_dhcp ("192.168.56.0", "255.255.255.0",
                                  "192.168.56.101", "192.168.56.200"),
                       "address 192.168.56.0");
  assert_dhcp_invalid (make_dhcp ("192.168.56.100", "255.255.255.0",
                                  "192.168.56.0", "192.168.56.200"),
                       "lower bound 192.168.56.0");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/attachment/parse", test_attachment_parse);
  g_test_add_func ("/model/attachment/parse-none", test_attachment_parse_none);
  g_test_add_func ("/model/attachment/parse-bad", test_attachment_parse_bad);
  g_test_add_func ("/model/attachment/strings", test_attachment_strings);
  g_test_add_func ("/model/attachment/keys", test_attachment_keys);
  g_test_add_func ("/model/attachment/from-key-bad", test_attachment_from_key_bad);
  g_test_add_func ("/model/nic-type/parse", test_nic_type_parse);
  g_test_add_func ("/model/nic-type/parse-bad", test_nic_type_parse_bad);
  g_test_add_func ("/model/nic-type/strings", test_nic_type_strings);
  g_test_add_func ("/model/nic-type/jumbo", test_nic_type_jumbo);
  g_test_add_func ("/model/promisc/parse", test_promisc_parse);
  g_test_add_func ("/model/promisc/parse-bad", test_promisc_parse_bad);
  g_test_add_func ("/model/bool/parse", test_bool_parse);
  g_test_add_func ("/model/bool/parse-bad", test_bool_parse_bad);

  g_test_add_func ("/model/name/valid", test_name_valid);
  g_test_add_func ("/model/name/empty", test_name_empty);
  g_test_add_func ("/model/name/control", test_name_control);
  g_test_add_func ("/model/name/invalid-utf8", test_name_invalid_utf8);
  g_test_add_func ("/model/name/length", test_name_length);
  g_test_add_func ("/model/error/value-display", test_error_value_display);

  g_test_add_func ("/model/ipv4/parse", test_ipv4_parse);
  g_test_add_func ("/model/ipv4/parse-bad", test_ipv4_parse_bad);
  g_test_add_func ("/model/netmask/parse", test_netmask_parse);
  g_test_add_func ("/model/netmask/parse-bad", test_netmask_parse_bad);
  g_test_add_func ("/model/netmask/prefix-to-mask", test_prefix_to_mask);
  g_test_add_func ("/model/cidr/parse", test_cidr_parse);
  g_test_add_func ("/model/cidr/parse-bad", test_cidr_parse_bad);
  g_test_add_func ("/model/cidr/to-string", test_cidr_to_string);

  g_test_add_func ("/model/mac/parse", test_mac_parse);
  g_test_add_func ("/model/mac/parse-bad", test_mac_parse_bad);
  g_test_add_func ("/model/mac/parse-message", test_mac_parse_message);
  g_test_add_func ("/model/mac/parse-multicast", test_mac_parse_multicast);
  g_test_add_func ("/model/mac/generate-shape", test_mac_generate_shape);
  g_test_add_func ("/model/mac/generate-unique", test_mac_generate_unique);

  g_test_add_func ("/model/rule/proto", test_proto);
  g_test_add_func ("/model/rule/parse-vm", test_rule_parse_vm);
  g_test_add_func ("/model/rule/default-name", test_rule_default_name);
  g_test_add_func ("/model/rule/name-characters", test_rule_name_characters);
  g_test_add_func ("/model/rule/parse-vm-bad", test_rule_parse_vm_bad);
  g_test_add_func ("/model/rule/parse-natnet", test_rule_parse_natnet);
  g_test_add_func ("/model/rule/parse-natnet-bad", test_rule_parse_natnet_bad);
  g_test_add_func ("/model/rule/format", test_rule_format);
  g_test_add_func ("/model/rule/round-trip", test_rule_round_trip);
  g_test_add_func ("/model/rule/copy", test_rule_copy);
  g_test_add_func ("/model/rule/check-add", test_rules_check_add);

  g_test_add_func ("/model/vm/new", test_vm_new);
  g_test_add_func ("/model/vm/new-distinct", test_vm_new_distinct);
  g_test_add_func ("/model/vm/copy", test_vm_copy);
  g_test_add_func ("/model/adapter/init-clear-copy", test_adapter_init_clear_copy);
  g_test_add_func ("/model/adapter/effective-natnet", test_adapter_effective_natnet);
  g_test_add_func ("/model/vm/apply/slot", test_vm_apply_slot);
  g_test_add_func ("/model/vm/apply/unknown", test_vm_apply_unknown);
  g_test_add_func ("/model/vm/apply/nic", test_vm_apply_nic);
  g_test_add_func ("/model/vm/apply/nictype", test_vm_apply_nictype);
  g_test_add_func ("/model/vm/apply/cableconnected", test_vm_apply_cableconnected);
  g_test_add_func ("/model/vm/apply/nicpromisc", test_vm_apply_nicpromisc);
  g_test_add_func ("/model/vm/apply/macaddress", test_vm_apply_macaddress);
  g_test_add_func ("/model/vm/apply/intnet", test_vm_apply_intnet);
  g_test_add_func ("/model/vm/apply/natnetwork", test_vm_apply_natnetwork);
  g_test_add_func ("/model/vm/apply/bridgeadapter", test_vm_apply_bridgeadapter);
  g_test_add_func ("/model/vm/apply/hostonlyadapter", test_vm_apply_hostonlyadapter);
  g_test_add_func ("/model/vm/apply/nicgenericdrv", test_vm_apply_nicgenericdrv);
  g_test_add_func ("/model/vm/apply/nicproperty", test_vm_apply_nicproperty);
  g_test_add_func ("/model/vm/apply/natnet", test_vm_apply_natnet);
  g_test_add_func ("/model/vm/apply/natpf", test_vm_apply_natpf);
  g_test_add_func ("/model/vm/apply/natpfdelete", test_vm_apply_natpfdelete);
  g_test_add_func ("/model/vm/apply/nictrace", test_vm_apply_nictrace);
  g_test_add_func ("/model/vm/apply/nictracefile", test_vm_apply_nictracefile);
  g_test_add_func ("/model/vm/apply/natlocalhostreachable",
                   test_vm_apply_natlocalhostreachable);
  g_test_add_func ("/model/vm/apply/nicspeed", test_vm_apply_nicspeed);
  g_test_add_func ("/model/vm/apply/natsettings", test_vm_apply_natsettings);
  g_test_add_func ("/model/vm/apply/on-copy", test_vm_apply_on_copy);

  g_test_add_func ("/model/nat-network/new", test_nat_network_new);
  g_test_add_func ("/model/nat-network/copy", test_nat_network_copy);
  g_test_add_func ("/model/nat-network/apply/network", test_nat_network_apply_network);
  g_test_add_func ("/model/nat-network/apply/flags", test_nat_network_apply_flags);
  g_test_add_func ("/model/nat-network/apply/portforward",
                   test_nat_network_apply_portforward);
  g_test_add_func ("/model/nat-network/apply/loopback",
                   test_nat_network_apply_loopback);
  g_test_add_func ("/model/nat-network/apply/unknown", test_nat_network_apply_unknown);

  g_test_add_func ("/model/host-only/new", test_host_only_if_new);
  g_test_add_func ("/model/host-only/copy", test_host_only_if_copy);
  g_test_add_func ("/model/host-only/index", test_host_only_if_index);
  g_test_add_func ("/model/host-only/network-name", test_host_only_network_name);

  g_test_add_func ("/model/dhcp/new", test_dhcp_new);
  g_test_add_func ("/model/dhcp/new-for-host-only", test_dhcp_new_for_host_only);
  g_test_add_func ("/model/dhcp/apply", test_dhcp_apply);
  g_test_add_func ("/model/dhcp/validate", test_dhcp_validate);

  return g_test_run ();
}
