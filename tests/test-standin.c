/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Net/LAN stand-in behind libslirp (wb-slirp.h, wb-standin.h): a NAT
 * VM and a NAT-network VM reach 198.51.100.1 through their own frames, the
 * stand-in sees the router's masqueraded address, and nothing bound for
 * 198.51.100.0/24 reaches libslirp. A bridged VM reaches it through the
 * emulated LAN's gateway and the libslirp of its uplink (wb-lan.h), and
 * the gateway gives that libslirp nothing else.
 *
 * Network safety: every frame goes to the stand-in's documentation
 * network, which never reaches libslirp (asserted), or stays inside the
 * engine; host loopback is off. The one datagram for elsewhere (192.0.2.99
 * or 203.0.113.99, documentation addresses off the LAN) is dropped by the
 * LAN gateway before libslirp (asserted).
 */
#include <gio/gio.h>
#include <string.h>

#include "wb-hostifs.h"
#include "wb-lan.h"
#include "wb-net.h"
#include "wb-runtime-private.h"
#include "wb-segment.h"
#include "wb-settings.h"
#include "wb-slirp.h"
#include "wb-standin.h"
#include "wb-test-runtime.h"

#define IP_PROPERTY "/VirtualBox/GuestInfo/Net/0/V4/IP"

typedef WbTestFixture Fixture;

static WbSlirp *
vm_slirp (Fixture    *f,
          const char *name)
{
  const WbVm *vm = _wb_runtime_get_vm (f->runtime, name);
  WbRuntimeNetwork network;

  g_assert_nonnull (vm);
  g_assert_true (_wb_runtime_get_adapter_network (f->runtime, vm->uuid, 1, &network));
  g_assert_nonnull (network.slirp);
  return network.slirp;
}

static int
station_run (WbGuest     *guest,
             const char  *command,
             char       **output)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_auto(GStrv) argv = NULL;
  int status = -1;

  g_assert_true (g_shell_parse_argv (command, NULL, &argv, &error));
  wb_guest_run_async (guest, (const char * const *) argv, NULL,
                      wb_test_store_result_cb, &result);
  g_assert_true (wb_guest_run_finish (wb_test_wait_result (&result), &status, output,
                                      &error));
  g_assert_no_error (error);
  return status;
}

/* The VM reaches the stand-in, which knows only the router. */
static void
check_reaches_standin (Fixture    *f,
                       const char *name)
{
  g_autofree char *address = wb_test_wait_property (f, name, IP_PROPERTY, 10000);
  g_autofree char *output = NULL;
  g_autofree char *arp = NULL;
  g_autofree char *ping = NULL;
  WbSlirp *slirp;
  WbGuest *station;
  guint64 input;

  g_assert_nonnull (address);
  slirp = vm_slirp (f, name);
  g_assert_true (wb_slirp_is_local (slirp, WB_STANDIN_ADDRESS));
  g_assert_true (wb_slirp_is_local (slirp, WB_STANDIN_ADDRESS + 6));
  g_assert_true (wb_slirp_is_local (slirp, wb_slirp_get_config (slirp)->host));
  g_assert_false (wb_slirp_is_local (slirp, 0xc0000201u));   /* 192.0.2.1 */
  g_assert_null (wb_slirp_get_standin_station (slirp));

  /* The first exchange also resolves the gateway (ARP, which libslirp may
   * see); what follows is IPv4 only. */
  g_assert_cmpint (wb_test_guest_run (f, name, "ping -c 1 198.51.100.1", NULL), ==, 0);
  input = wb_slirp_get_n_input (slirp);
  g_assert_cmpint (wb_test_guest_run (f, name, "ping -c 1 198.51.100.1", NULL), ==, 0);
  g_assert_cmpint (wb_test_guest_run (f, name, "tcp 198.51.100.1 22", &output), ==, 0);
  g_assert_true (g_str_has_prefix (output, "SSH-2.0-"));
  g_clear_pointer (&output, g_free);
  g_assert_cmpint (wb_test_guest_run (f, name, "http http://198.51.100.1/", &output), ==, 0);
  g_assert_nonnull (strstr (output, "outside"));
  g_assert_cmpuint (wb_slirp_get_n_standin (slirp), >, 0);

  /* Masqueraded: the station learned the router's outward address, not
   * the VM's, and has no way back to the VM. */
  station = wb_slirp_get_standin_station (slirp);
  g_assert_nonnull (station);
  g_assert_cmpint (station_run (station, "arp", &arp), ==, 0);
  g_test_message ("outside$ arp\n%s", arp);
  g_assert_nonnull (strstr (arp, "198.51.100.254"));
  g_assert_null (strstr (arp, address));
  {
    g_autofree char *command = g_strdup_printf ("ping -c 1 -W 1 %s", address);

    g_assert_cmpint (station_run (station, command, &ping), !=, 0);
  }

  /* Nothing that VM sent to the stand-in went to libslirp. */
  g_test_message ("libslirp took %" G_GUINT64_FORMAT " frames meanwhile",
                  wb_slirp_get_n_input (slirp) - input);
  g_assert_cmpuint (wb_slirp_get_n_input (slirp), ==, input);
}

static void
test_nat (Fixture       *f,
          gconstpointer  data)
{
  wb_test_create_vm (f, "natvm");
  wb_test_modify_vm (f, "natvm", "nic", 1u, "nat");
  wb_test_start_vm (f, "natvm");
  check_reaches_standin (f, "natvm");
  wb_test_poweroff_vm (f, "natvm");
}

static void
test_nat_network (Fixture       *f,
                  gconstpointer  data)
{
  const WbOption options[] = {
    { "network", "192.168.22.0/24" },
    { "enable", "" },
    { "dhcp", "on" },
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (wb_settings_add_nat_network (f->settings, "natnet1", options,
                                              G_N_ELEMENTS (options), &error));
  g_assert_no_error (error);
  wb_test_create_vm (f, "netvm");
  wb_test_modify_vm (f, "netvm", "nic", 1u, "natnetwork", "natnetwork", 1u, "natnet1");
  wb_test_start_vm (f, "netvm");
  check_reaches_standin (f, "netvm");
  wb_test_poweroff_vm (f, "netvm");
  g_assert_true (wb_settings_remove_nat_network (f->settings, "natnet1", &error));
  g_assert_no_error (error);
}

/* An address there that nothing serves: no answer, and the frames go to
 * the stand-in's router, not to libslirp. */
static void
test_unserved (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *address = NULL;
  WbSlirp *slirp;
  guint64 standin, input;

  wb_test_create_vm (f, "natvm");
  wb_test_modify_vm (f, "natvm", "nic", 1u, "nat");
  wb_test_start_vm (f, "natvm");
  address = wb_test_wait_property (f, "natvm", IP_PROPERTY, 10000);
  g_assert_nonnull (address);
  slirp = vm_slirp (f, "natvm");

  /* Resolve the gateway first, so that what follows is IPv4 only. */
  g_assert_cmpint (wb_test_guest_run (f, "natvm", "ping -c 1 198.51.100.1", NULL), ==, 0);
  standin = wb_slirp_get_n_standin (slirp);
  input = wb_slirp_get_n_input (slirp);
  g_assert_cmpint (wb_test_guest_run (f, "natvm", "ping -c 2 -W 1 198.51.100.7", NULL), ==, 1);
  g_assert_cmpuint (wb_slirp_get_n_standin (slirp), >=, standin + 2);
  g_assert_cmpuint (wb_slirp_get_n_input (slirp), ==, input);
  wb_test_poweroff_vm (f, "natvm");
}

/* A bridged VM reaches the stand-in through the LAN gateway and its
 * uplink's libslirp port, where the divert answers: the stand-in counts
 * the frames, libslirp itself gets none of them. */
static void
test_bridged (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *ifname = wb_host_ifs_pick_bridge ();
  g_autofree char *address = NULL;
  g_autofree char *output = NULL;
  g_autofree char *arp = NULL;
  const WbVm *vm;
  WbRuntimeNetwork network;
  WbSlirp *slirp;
  WbGuest *station;
  const WbLanPlan *plan;
  guint32 elsewhere = 0xc0000263u;   /* 192.0.2.99 */
  g_autofree char *target = NULL;
  g_autofree char *command = NULL;
  guint64 input, standin, drops;

  if (ifname == NULL)
    {
      g_test_skip ("no host interface to bridge to");
      return;
    }
  wb_test_create_vm (f, "lanvm");
  wb_test_modify_vm (f, "lanvm", "nic", 1u, "bridged", "bridgeadapter", 1u, ifname);
  wb_test_start_vm (f, "lanvm");
  address = wb_test_wait_property (f, "lanvm", IP_PROPERTY, 10000);
  g_assert_nonnull (address);

  vm = _wb_runtime_get_vm (f->runtime, "lanvm");
  g_assert_nonnull (vm);
  g_assert_true (_wb_runtime_get_adapter_network (f->runtime, vm->uuid, 1, &network));
  g_assert_nonnull (network.lan);
  slirp = wb_lan_get_uplink (network.lan);
  g_assert_nonnull (slirp);
  g_assert_true (wb_slirp_is_local (slirp, WB_STANDIN_ADDRESS));
  /* "bridged:IFACE/outside" names the stand-in behind the uplink. */
  station = wb_lan_get_station (network.lan, "outside");
  g_assert_nonnull (station);
  g_assert_true (station == wb_slirp_get_standin_station (slirp));

  /* The first exchange also resolves the uplink's neighbours (ARP, which
   * libslirp does see); what follows is IPv4 only. */
  g_assert_cmpint (wb_test_guest_run (f, "lanvm", "ping -c 1 198.51.100.1", NULL), ==, 0);
  input = wb_slirp_get_n_input (slirp);
  standin = wb_slirp_get_n_standin (slirp);
  g_assert_cmpuint (standin, >, 0);
  g_assert_cmpint (wb_test_guest_run (f, "lanvm", "ping -c 1 198.51.100.1", NULL), ==, 0);
  g_assert_cmpint (wb_test_guest_run (f, "lanvm", "tcp 198.51.100.1 22", &output), ==, 0);
  g_assert_true (g_str_has_prefix (output, "SSH-2.0-"));
  /* An echo request and a SYN at least. */
  g_assert_cmpuint (wb_slirp_get_n_standin (slirp), >=, standin + 2);
  g_assert_cmpuint (wb_slirp_get_n_input (slirp), ==, input);

  /* Masqueraded twice: the station knows libslirp's stand-in router only. */
  g_assert_cmpint (station_run (station, "arp", &arp), ==, 0);
  g_test_message ("outside$ arp\n%s", arp);
  g_assert_nonnull (strstr (arp, "198.51.100.254"));
  g_assert_null (strstr (arp, address));

  /* Elsewhere (TEST-NET-1, or TEST-NET-3 when the LAN mirrors TEST-NET-1):
   * routed to the uplink by the gateway's default route, and dropped
   * there, before libslirp. */
  plan = wb_lan_get_plan (network.lan);
  if ((elsewhere & wb_prefix_to_mask (plan->prefix))
      == (plan->host & wb_prefix_to_mask (plan->prefix)))
    elsewhere = 0xcb007163u;         /* 203.0.113.99 */
  target = wb_ipv4_to_string (elsewhere);
  command = g_strdup_printf ("ping -c 1 -W 1 %s", target);
  drops = wb_lan_get_outside_drops (network.lan);
  g_assert_cmpint (wb_test_guest_run (f, "lanvm", command, NULL), ==, 1);
  g_assert_cmpuint (wb_lan_get_outside_drops (network.lan), >, drops);
  g_assert_cmpuint (wb_slirp_get_n_input (slirp), ==, input);
  wb_test_poweroff_vm (f, "lanvm");
}

/* --- libslirp alone: counted exactly ----------------------------------------- */

static void
deliver_nothing_cb (gpointer      user_data,
                    const guint8 *frame,
                    gsize         len)
{
  guint *received = user_data;

  (*received)++;
}

static void
settle (void)
{
  for (guint i = 0; i < 10; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static void
test_never_libslirp (void)
{
  static const guint8 guest_mac[WB_ETH_ALEN] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x09 };
  WbSlirpConfig config = {
    .network = 0x0a000200u, .prefix = 24, .host = 0x0a000202u,
    .nameserver = 0x0a000203u, .dhcp_start = 0x0a00020fu, .mtu = 1500,
  };
  g_autoptr(GError) error = NULL;
  WbSegment *segment = wb_segment_new ("nat:standin", WB_ETH_MTU, NULL);
  WbSlirp *slirp = wb_slirp_new (segment, &config, NULL, NULL, &error);
  WbSegmentPort *port;
  guint received = 0;
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + 8] = { 0 };
  guint8 *ip = frame + WB_ETH_HLEN;
  guint8 *icmp = ip + WB_IPV4_HLEN;

  g_assert_no_error (error);
  port = wb_segment_add_port (segment, WB_PORT_VM, WB_PORT_FLAGS_NONE, guest_mac,
                              deliver_nothing_cb, &received);

  /* An echo request from 10.0.2.15 to 198.51.100.7, to libslirp's MAC. */
  memcpy (frame, wb_slirp_get_mac (slirp), WB_ETH_ALEN);
  memcpy (frame + 6, guest_mac, WB_ETH_ALEN);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_IPV4);
  ip[0] = 0x45;
  wb_put_be16 (ip + 2, WB_IPV4_HLEN + 8);
  ip[8] = 64;
  ip[9] = WB_IP_PROTO_ICMP;
  wb_put_be32 (ip + 12, 0x0a00020fu);
  wb_put_be32 (ip + 16, WB_STANDIN_ADDRESS + 6);
  wb_put_be16 (ip + 10, wb_checksum (ip, WB_IPV4_HLEN));
  icmp[0] = 8;
  wb_put_be16 (icmp + 4, 0x1234);
  wb_put_be16 (icmp + 6, 1);
  wb_put_be16 (icmp + 2, wb_checksum (icmp, 8));

  for (guint i = 0; i < 3; i++)
    wb_segment_port_send (port, frame, sizeof frame);
  settle ();
  g_assert_cmpuint (wb_slirp_get_n_input (slirp), ==, 0);
  g_assert_cmpuint (wb_slirp_get_n_standin (slirp), ==, 3);
  g_assert_nonnull (wb_slirp_get_standin_station (slirp));

  wb_segment_remove_port (port);
  wb_slirp_free (slirp);
  wb_segment_free (segment);
}

/* A virtual network that covers 198.51.100.0/24 keeps it: no stand-in. */
static void
test_covered (void)
{
  WbSlirpConfig config = {
    .network = 0xc6336400u, .prefix = 24, .host = 0xc6336402u,
    .nameserver = 0xc6336403u, .mtu = 1500,
  };
  g_autoptr(GError) error = NULL;
  WbSegment *segment = wb_segment_new ("nat:covered", WB_ETH_MTU, NULL);
  WbSlirp *slirp = wb_slirp_new (segment, &config, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (wb_slirp_is_local (slirp, 0xc6336402u));
  g_assert_false (wb_slirp_is_local (slirp, WB_STANDIN_ADDRESS));
  wb_slirp_free (slirp);
  wb_segment_free (segment);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *home = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  base = g_dir_make_tmp ("wirebox-standin-XXXXXX", &error);
  g_assert_no_error (error);
  home = g_build_filename (base, "home", NULL);
  g_setenv ("WIREBOX_HOME", home, TRUE);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, wb_test_fixture_set_up, func, wb_test_fixture_tear_down)
  ADD ("/standin/nat", test_nat);
  ADD ("/standin/nat-network", test_nat_network);
  ADD ("/standin/unserved", test_unserved);
  ADD ("/standin/bridged", test_bridged);
#undef ADD
  g_test_add_func ("/standin/never-libslirp", test_never_libslirp);
  g_test_add_func ("/standin/covered", test_covered);

  status = g_test_run ();
  wb_test_runtime_rm_rf (base);
  return status;
}
