/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The running world. A running VM is a guest (wb-guest.h) with one adapter
 * model (wb-nic.h) per enabled adapter; each adapter whose mode has a
 * segment is a port on the network of that mode:
 *
 *   Internal Network  "intnet:NAME"       MTU 9000, a DHCP server if an
 *                                         enabled one is named NAME
 *   Host-only         "hostonly:vboxnetN" MTU 9000, the host endpoint at
 *                                         the interface's address (or the
 *                                         TAP device vboxnetN instead,
 *                                         wb-tap.h), and the interface's
 *                                         DHCP server if enabled
 *   Bridged           "bridged:IFACE"     MTU 9000, the emulated LAN that
 *                                         mirrors IFACE's subnet (wb-lan.h),
 *                                         or IFACE itself through AF_PACKET
 *                                         with WIREBOX_BRIDGE_REAL=1
 *                                         (wb-packet.h)
 *   NAT               "nat:UUID:SLOT"     one per NAT adapter: libslirp
 *                                         (wb-slirp.h) at .2, DNS .3, its
 *                                         DHCP from .15; MTU 1500 or
 *                                         --natsettingsN MTU (Intel, virtio)
 *   NAT Network       "natnet:NAME"       MTU 1500, the gateway: libslirp at
 *                                         .1 (host loopback there), DNS .3,
 *                                         Wirebox's DHCP server at .3; stays
 *                                         while the network runs, VMs or not
 *   Generic           "generic:UUID:SLOT" MTU 9000, one per adapter: its
 *                                         driver as the uplink, a UDP
 *                                         tunnel (wb-udp-tunnel.h) or VDE
 *                                         (wb-vde.h); controlvm
 *                                         nicpropertyN re-opens it
 *
 * A network is made when its first VM adapter arrives and torn down with
 * its DHCP server and host endpoint when its last one leaves. A NAT
 * network's gateway follows its settings (the "changed" signal): natnetwork
 * stop takes the links of its VMs down, start brings them back, rule edits
 * re-bind its sockets before the call that made them returns.
 *
 * Choices where VirtualBox leaves one:
 * - A trace with no file goes to "<logs>/<vm>-<slot>.pcap"; a relative
 *   trace file is taken relative to the logs folder (the engine does not
 *   know a client's working folder).
 * - A trace file that cannot be created fails the start (and controlvm),
 *   as VirtualBox's sniffer does; an unreachable NAT-family mode does not.
 * - controlvm cannot enable or disable an adapter (it is hardware).
 * - A VM whose adapter is on a disabled NAT network does not start (the
 *   error says which network); VirtualBox starts it without a link there.
 * - A port forward that cannot be bound never fails a start or controlvm:
 *   it stays "not bound" with the reason (GetNicStats, showvminfo, the
 *   VM's log).
 * - Frames dropped are reported in the VM's log every few seconds per
 *   adapter and reason, and once more at power-off.
 */
#include "wb-runtime-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "wb-dhcpd.h"
#include "wb-error.h"
#include "wb-guest.h"
#include "wb-home.h"
#include "wb-host-endpoint.h"
#include "wb-hostifs.h"
#include "wb-lan.h"
#include "wb-net.h"
#include "wb-nic.h"
#include "wb-packet.h"
#include "wb-segment.h"
#include "wb-slirp.h"
#include "wb-tap.h"
#include "wb-udp-tunnel.h"
#include "wb-vde.h"

#define SEGMENT_MTU            WB_ETH_JUMBO_MTU
#define DROP_REPORT_S          5
/* Guest log lines beyond this many per second are counted, not written. */
#define LOG_LINES_PER_S        50
#define LOG_NAME_MAX_BYTES     200
#define IP_PROPERTY_PREFIX     "/VirtualBox/GuestInfo/Net/"
#define IP_PROPERTY_SUFFIX     "/V4/IP"

typedef struct _RunningVm RunningVm;

typedef struct
{
  WbRuntime       *runtime;
  char            *name;          /* "intnet:lab", the key */
  char            *description;   /* "internal network 'lab'" */
  WbSegment       *segment;
  WbSegmentPort   *dhcpd_port;
  WbDhcpd         *dhcpd;
  WbHostEndpoint  *host;
  WbTap           *tap;           /* the host's kernel instead of @host */
  WbUdpTunnel     *udp_tunnel;    /* a Generic adapter's driver (uplink) */
  WbVde           *vde;           /* the same, VDE */
  WbLan           *lan;           /* bridged: the emulated LAN ... */
  WbPacket        *packet;        /* ... or the real interface */
  WbSlirp         *slirp;         /* NAT: the router; NAT network: the gateway */
  WbNatNetwork    *natnet;        /* a NAT network's settings while its gateway runs */
  guint            n_vm_ports;
} Network;

typedef struct
{
  RunningVm  *vm;
  guint       slot;
  guint8      mac[WB_ETH_ALEN];
  WbNic      *nic;                /* NULL: the adapter is disabled */
  Network    *network;            /* NULL: on no segment */
  guint64     drops_reported[WB_N_DROPS];
} Adapter;

struct _RunningVm
{
  WbRuntime   *runtime;
  WbVm        *vm;                /* what it runs, kept current by controlvm */
  WbGuest     *guest;
  Adapter      adapters[WB_MAX_ADAPTERS];
  char        *log_path;
  GHashTable  *properties;        /* name -> value */
  gboolean     stopping;
  gint64       log_second;        /* the second the guest's lines are counted in */
  guint        log_lines;
  guint        log_suppressed;
};

typedef struct
{
  guint loss_permille;
  guint reorder_permille;
} Faults;

typedef struct
{
  WbRuntime *runtime;
  char      *uuid;
  char      *pattern;
  GTask     *task;
  GSource   *timeout;
  GSource   *cancelled;
} PropertyWait;

typedef struct
{
  char *name;
  char *value;
} PropertyResult;

typedef struct
{
  int   exit_status;
  char *output;
} RunResult;

struct _WbRuntime
{
  GObject        parent_instance;

  WbSettings    *settings;
  GMainContext  *context;
  GHashTable    *vms;             /* uuid -> RunningVm* */
  GHashTable    *networks;        /* name -> Network* */
  GHashTable    *faults;          /* internal network name -> Faults* */
  GList         *waits;           /* PropertyWait* */
  GSource       *drop_report;     /* while a VM runs */

  /* A world of its own (the modes matrix, wb-runtime-private.h). */
  char          *logs_dir;        /* NULL: the settings home's */
  gboolean       engine_only;     /* never a TAP device nor the real interface */
  guint32        lan_network;     /* emulated LANs planned here; 0: mirror */
  guint          lan_prefix;
};

G_DEFINE_FINAL_TYPE (WbRuntime, wb_runtime, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_VM_STATE_CHANGED,
  SIGNAL_PROPERTY_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- logs ---------------------------------------------------------------- */

/* A file name from a VM name: no '/', no control characters, not "." or
 * "..", short enough for a suffix. */
static char *
sanitize_file_name (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      const char *next = g_utf8_next_char (p);

      if (out->len + (gsize) (next - p) > LOG_NAME_MAX_BYTES)
        break;
      if (*p == '/' || g_ascii_iscntrl (*p))
        g_string_append_c (out, '_');
      else
        g_string_append_len (out, p, next - p);
    }
  if (out->len == 0 || strcmp (out->str, ".") == 0 || strcmp (out->str, "..") == 0)
    g_string_assign (out, "_");
  return g_string_free (out, FALSE);
}

static void
vm_log_line (RunningVm  *vm,
             const char *message)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  FILE *file;

  /* Opened per line: lines are few (guest lines are rate-limited), and a
   * thousand running VMs must not hold a thousand descriptors. A VM whose
   * log cannot be written still runs: the log is for the user. */
  file = g_fopen (vm->log_path, "ae");
  if (file == NULL)
    {
      g_debug ("Cannot open %s: %s", vm->log_path, g_strerror (errno));
      return;
    }
  fprintf (file, "%s.%03d %s\n", stamp,
           g_date_time_get_microsecond (now) / 1000, message);
  fclose (file);
}

static void vm_log (RunningVm  *vm,
                    const char *format,
                    ...) G_GNUC_PRINTF (2, 3);

static void
vm_log (RunningVm  *vm,
        const char *format,
        ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  vm_log_line (vm, message);
}

/* The logs folder, created if need be (a failure shows when a file in it
 * is opened). */
static char *
logs_dir (WbRuntime *self)
{
  char *dir = self->logs_dir != NULL ? g_strdup (self->logs_dir) : wb_home_get_logs_dir ();

  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_debug ("Cannot create %s: %s", dir, g_strerror (errno));
  return dir;
}

/* "<logs>/<name><suffix>" */
static char *
name_file_path (WbRuntime  *self,
                const char *name,
                const char *suffix)
{
  g_autofree char *dir = logs_dir (self);
  g_autofree char *base = sanitize_file_name (name);
  g_autofree char *file = g_strconcat (base, suffix, NULL);

  return g_build_filename (dir, file, NULL);
}

static char *
vm_file_path (RunningVm  *vm,
              const char *suffix)
{
  return name_file_path (vm->runtime, vm->vm->name, suffix);
}

void
wb_runtime_delete_vm_files (WbRuntime  *self,
                            const char *name)
{
  g_return_if_fail (WB_IS_RUNTIME (self));
  g_return_if_fail (name != NULL);

  /* Only what the engine names after the VM in its logs folder: a trace
   * file the user chose elsewhere is the user's. */
  for (guint slot = 0; slot <= WB_MAX_ADAPTERS; slot++)
    {
      g_autofree char *suffix = slot == 0 ? g_strdup (".log")
                                          : g_strdup_printf ("-%u.pcap", slot);
      g_autofree char *path = name_file_path (self, name, suffix);

      if (g_unlink (path) != 0 && errno != ENOENT)
        g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
    }
}

/* Reports the drops since the last report, per adapter and reason. */
static void
vm_report_drops (RunningVm *vm)
{
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      Adapter *adapter = &vm->adapters[i];
      WbCounters counters;

      if (adapter->nic == NULL)
        continue;
      wb_nic_get_counters (adapter->nic, &counters);
      for (guint r = 0; r < WB_N_DROPS; r++)
        {
          guint64 count = counters.drops[r];

          if (count == adapter->drops_reported[r])
            continue;
          vm_log (vm, "Adapter %u: %" G_GUINT64_FORMAT " frames dropped (%s), %"
                  G_GUINT64_FORMAT " in all", adapter->slot,
                  count - adapter->drops_reported[r],
                  wb_drop_reason_to_string (r), count);
          adapter->drops_reported[r] = count;
        }
    }
}

static gboolean
drop_report_cb (gpointer user_data)
{
  WbRuntime *self = user_data;
  GHashTableIter iter;
  RunningVm *vm;

  g_hash_table_iter_init (&iter, self->vms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &vm))
    vm_report_drops (vm);
  return G_SOURCE_CONTINUE;
}

/* --- networks ------------------------------------------------------------ */

/* A locally administered MAC for an engine port (a DHCP server), the same
 * for a network every time so that traces compare. */
static void
engine_mac (const char *network,
            guint8      mac[WB_ETH_ALEN])
{
  guint hash = g_str_hash (network);

  mac[0] = 0x02;
  mac[1] = 0x57;      /* "WB" */
  mac[2] = 0x42;
  mac[3] = (hash >> 16) & 0xff;
  mac[4] = (hash >> 8) & 0xff;
  mac[5] = hash & 0xff;
}

static void
network_dhcpd_deliver_cb (gpointer      user_data,
                          const guint8 *frame,
                          gsize         len)
{
  Network *network = user_data;

  if (network->dhcpd != NULL)
    wb_dhcpd_input (network->dhcpd, frame, len);
}

static void
network_dhcpd_send_cb (gpointer      user_data,
                       const guint8 *frame,
                       gsize         len)
{
  Network *network = user_data;

  wb_segment_port_send (network->dhcpd_port, frame, len);
}

static void
network_log_cb (gpointer    user_data,
                const char *message)
{
  Network *network = user_data;

  g_debug ("%s: %s", network->name, message);
}

/* Puts the DHCP server of @dhcp_network (a store name) on @network if the
 * store has an enabled one. */
static gboolean
network_add_dhcpd (Network     *network,
                   const char  *dhcp_network,
                   GError     **error)
{
  WbStore *store = wb_settings_get_store (network->runtime->settings);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(WbDhcpServer) config = NULL;
  guint8 mac[WB_ETH_ALEN];

  config = wb_store_load_dhcp_server (store, dhcp_network, &local_error);
  if (config == NULL)
    {
      if (g_error_matches (local_error, WB_ERROR, WB_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!config->enabled)
    return TRUE;

  engine_mac (network->name, mac);
  network->dhcpd_port = wb_segment_add_port (network->segment, WB_PORT_HOST,
                                             WB_PORT_FLAGS_IPV4_ONLY, mac,
                                             network_dhcpd_deliver_cb, network);
  /* No router: these networks lead nowhere beyond the host. */
  network->dhcpd = wb_dhcpd_new (config, store, mac, network_dhcpd_send_cb,
                                 network_log_cb, network);
  return TRUE;
}

/* The host's kernel through the TAP device named @ifname, where there is
 * one we may open (or may create): then the engine's host endpoint stays
 * off this network, and nothing the TAP brings is relayed. */
static gboolean
network_add_tap (Network    *network,
                 const char *ifname)
{
  g_autoptr(GError) error = NULL;

  network->tap = wb_tap_open (network->segment, ifname, &error);
  if (network->tap == NULL)
    {
      g_debug ("%s: the engine stands in for the host (%s)", network->name,
               error->message);
      return FALSE;
    }
  g_debug ("%s: the host is TAP device %s%s", network->name, ifname,
           wb_tap_get_created (network->tap) ? " (created)" : "");
  /* The VMs' logs say who the host is. */
  g_free (network->description);
  network->description = g_strdup_printf ("host-only interface '%s' (the host through TAP device %s)",
                                          ifname, ifname);
  return TRUE;
}

static void
network_remove_tap (Network *network)
{
  WbTapCounters counters;

  wb_tap_get_counters (network->tap, &counters);
  g_debug ("%s: TAP device %s: %" G_GUINT64_FORMAT " frames in, %" G_GUINT64_FORMAT
           " out, %" G_GUINT64_FORMAT " not taken by the device", network->name,
           wb_tap_get_name (network->tap), counters.frames_in, counters.frames_out,
           counters.write_drops);
  g_clear_pointer (&network->tap, wb_tap_free);
}

static gboolean
network_add_host (Network     *network,
                  const char  *ifname,
                  GError     **error)
{
  WbStore *store = wb_settings_get_store (network->runtime->settings);
  g_autoptr(WbHostOnlyIf) hif = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *hex = NULL;
  guint8 mac[WB_ETH_ALEN];
  guint32 address;
  guint prefix;

  hif = wb_store_load_host_only_if (store, ifname, error);
  if (hif == NULL)
    return FALSE;
  if (!network->runtime->engine_only && network_add_tap (network, ifname))
    return TRUE;
  if (!wb_ipv4_parse (hif->ip, &address, error)
      || !wb_netmask_parse (hif->netmask, &prefix, error))
    return FALSE;
  /* The row holds "0a:00:27:00:00:00"; the parser takes bare hex. */
  parts = g_strsplit (hif->mac, ":", -1);
  hex = g_strjoinv ("", parts);
  if (!wb_mac_from_hex (hex, mac))
    engine_mac (ifname, mac);

  network->host = wb_host_endpoint_new (network->segment, mac, address, prefix,
                                        hif->relay, network_log_cb, network);
  return TRUE;
}

/* Bridged onto @ifname: the real interface when the user asked for it
 * (wb-packet.h), else the emulated LAN that mirrors its IPv4 subnet
 * (wb-lan.h), which never touches the interface. */
static gboolean
network_add_bridged (Network     *network,
                     const char  *ifname,
                     GError     **error)
{
  g_autoptr(GPtrArray) ifs = wb_host_ifs_list ();
  g_autofree char *subnet = NULL;
  const WbHostIf *hostif = NULL;
  guint32 address = 0;
  guint prefix = 0;
  WbLanPlan plan;

  /* A world of its own: its LAN on its own subnet, whatever @ifname is. */
  if (network->runtime->lan_network != 0)
    {
      wb_lan_plan (network->runtime->lan_network + 2, network->runtime->lan_prefix, &plan);
      network->lan = wb_lan_new (network->segment, ifname, &plan, network_log_cb, network);
      g_free (network->description);
      network->description = g_strdup_printf ("bridged interface '%s' (emulated LAN)", ifname);
      return TRUE;
    }

  for (guint i = 0; i < ifs->len && hostif == NULL; i++)
    {
      const WbHostIf *candidate = g_ptr_array_index (ifs, i);

      if (strcmp (candidate->name, ifname) == 0)
        hostif = candidate;
    }
  if (hostif == NULL)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_NOT_FOUND,
                   "No host interface '%s' to bridge to (see list bridgedifs)",
                   ifname);
      return FALSE;
    }

  if (!network->runtime->engine_only && wb_packet_wanted ())
    {
      network->packet = wb_packet_open (network->segment, ifname, error);
      g_free (network->description);
      network->description = g_strdup_printf ("bridged interface '%s'", ifname);
      return network->packet != NULL;
    }

  if (*hostif->ip != '\0'
      && (!wb_ipv4_parse (hostif->ip, &address, NULL)
          || !wb_netmask_parse (hostif->netmask, &prefix, NULL)))
    address = 0;
  wb_lan_plan (address, prefix, &plan);
  network->lan = wb_lan_new (network->segment, ifname, &plan, network_log_cb, network);
  subnet = wb_ipv4_to_string (plan.host & wb_prefix_to_mask (plan.prefix));
  g_free (network->description);
  network->description = g_strdup_printf ("bridged interface '%s' (emulated LAN %s/%u)",
                                          ifname, subnet, plan.prefix);
  return TRUE;
}

static void
network_free (Network *network)
{
  g_clear_pointer (&network->packet, wb_packet_free);
  g_clear_pointer (&network->slirp, wb_slirp_free);
  g_clear_pointer (&network->natnet, wb_nat_network_free);
  g_clear_pointer (&network->lan, wb_lan_free);
  wb_host_endpoint_free (network->host);
  if (network->tap != NULL)
    network_remove_tap (network);
  g_clear_pointer (&network->udp_tunnel, wb_udp_tunnel_free);
  g_clear_pointer (&network->vde, wb_vde_free);
  g_clear_pointer (&network->dhcpd, wb_dhcpd_free);
  g_clear_pointer (&network->dhcpd_port, wb_segment_remove_port);
  wb_segment_free (network->segment);
  g_free (network->description);
  g_free (network->name);
  g_free (network);
}

/* --- NAT and NAT networks (libslirp, wb-slirp.h) ---------------------------- */

static gboolean
network_is_nat (Network *network)
{
  return network != NULL && g_str_has_prefix (network->name, "nat:");
}

/* Each rule's state, in the VM's log (or the engine's debug log). */
static void
nat_log_rules (RunningVm *vm,
               guint      slot,
               Network   *network)
{
  g_autoptr(GVariant) states = g_variant_ref_sink (wb_slirp_get_rule_states (network->slirp));
  const char *name, *state, *reason;
  GVariantIter iter;

  g_variant_iter_init (&iter, states);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &name, &state, &reason))
    {
      if (vm != NULL)
        vm_log (vm, "Adapter %u: rule '%s' %s%s%s", slot, name, state,
                *reason != '\0' ? ": " : "", reason);
      else
        g_debug ("%s: rule '%s' %s%s%s", network->name, name, state,
                 *reason != '\0' ? ": " : "", reason);
    }
}

/* A NAT adapter's network (VIRTUALBOX.md §4): a segment of its own with
 * libslirp as gateway and host alias .2, DNS .3, and its DHCP from .15
 * (one guest per instance: what libslirp's DHCP is good for). */
static Network *
nat_network_new (RunningVm        *vm,
                 const WbAdapter  *config,
                 GError          **error)
{
  WbRuntime *self = vm->runtime;
  g_autofree char *cidr = wb_adapter_effective_natnet (config);
  WbSlirpConfig plan = { 0 };
  Network *network;

  if (!wb_cidr_parse (cidr, &plan.network, &plan.prefix, error))
    {
      g_prefix_error (error, "Adapter %u: ", config->slot);
      return NULL;
    }
  plan.host = plan.network + 2;
  plan.nameserver = plan.network + 3;
  plan.dhcp_start = plan.network + 15;
  plan.host_loopback = config->nat_localhost_reachable;
  plan.mtu = MIN (wb_adapter_effective_nat_mtu (config), WB_SLIRP_MAX_MTU);

  network = g_new0 (Network, 1);
  network->runtime = self;
  network->name = g_strdup_printf ("nat:%s:%u", vm->vm->uuid, config->slot);
  network->description = g_strdup_printf ("NAT %s (MTU %u, host loopback %s)", cidr,
                                          plan.mtu,
                                          plan.host_loopback ? "reachable" : "not reachable");
  network->segment = wb_segment_new (network->name, plan.mtu, self->context);
  network->slirp = wb_slirp_new (network->segment, &plan, network_log_cb, network, error);
  if (network->slirp == NULL)
    {
      g_prefix_error (error, "Adapter %u: ", config->slot);
      network_free (network);
      return NULL;
    }
  wb_slirp_set_rules (network->slirp, config->nat_rules, plan.dhcp_start);
  g_hash_table_insert (self->networks, network->name, network);
  network->n_vm_ports = 1;
  return network;
}

/* The NAT adapter's port forwards as @config has them, bound or closed
 * before this returns (controlvm natpfN). Other modes keep them stored. */
static void
adapter_sync_nat_rules (Adapter         *adapter,
                        const WbAdapter *config)
{
  Network *network = adapter->network;

  if (!network_is_nat (network))
    return;
  wb_slirp_set_rules (network->slirp, config->nat_rules,
                      wb_slirp_get_config (network->slirp)->dhcp_start);
  nat_log_rules (adapter->vm, adapter->slot, network);
}

/* a(sss) for GetNicStats: the NAT adapter's rules and their state. */
static GVariant *
adapter_rule_states (Adapter *adapter)
{
  if (!network_is_nat (adapter->network))
    return g_variant_new_array (G_VARIANT_TYPE ("(sss)"), NULL, 0);
  return wb_slirp_get_rule_states (adapter->network->slirp);
}

GVariant *
wb_runtime_get_nat_network_status (WbRuntime   *self,
                                   const char  *name,
                                   gboolean    *running,
                                   GError     **error)
{
  g_autoptr(WbNatNetwork) net = NULL;
  g_autofree char *key = NULL;
  Network *network;

  g_return_val_if_fail (WB_IS_RUNTIME (self), NULL);
  g_return_val_if_fail (name != NULL && running != NULL, NULL);

  net = wb_store_load_nat_network (wb_settings_get_store (self->settings), name, error);
  if (net == NULL)
    return NULL;
  key = g_strconcat ("natnet:", net->name, NULL);
  network = g_hash_table_lookup (self->networks, key);
  *running = network != NULL && network->slirp != NULL;
  if (!*running)
    return g_variant_new_array (G_VARIANT_TYPE ("(sss)"), NULL, 0);
  return wb_slirp_get_rule_states (network->slirp);
}

/* A NAT network stopping or starting under running VMs: their links go
 * down or come back. */
static void
natnet_set_links (Network  *network,
                  gboolean  up)
{
  GHashTableIter iter;
  RunningVm *vm;

  g_hash_table_iter_init (&iter, network->runtime->vms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &vm))
    {
      for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
        {
          Adapter *adapter = &vm->adapters[i];

          if (adapter->network == network && adapter->nic != NULL)
            wb_nic_attach (adapter->nic, up ? network->segment : NULL);
        }
    }
}

static void
natnet_gateway_stop (Network *network)
{
  if (network->natnet == NULL)
    return;
  natnet_set_links (network, FALSE);
  g_clear_pointer (&network->dhcpd, wb_dhcpd_free);
  g_clear_pointer (&network->dhcpd_port, wb_segment_remove_port);
  g_clear_pointer (&network->slirp, wb_slirp_free);
  g_clear_pointer (&network->natnet, wb_nat_network_free);
}

/* Wirebox's DHCP server of a NAT network: .3, pool .4 to the last host
 * address, router .1, DNS .3. Its MAC is the one libslirp gives the name
 * server's address (52:55:<.3>) when it answers ARP, so that guests see
 * one MAC for .3 whoever answers: DHCP then reaches the server and DNS
 * libslirp. Leases live in memory: the store keeps leases only for its
 * own DHCP servers. */
static void
natnet_add_dhcpd (Network             *network,
                  const WbNatNetwork  *net,
                  const WbSlirpConfig *plan)
{
  g_autoptr(WbDhcpServer) config = wb_dhcp_server_new (net->name);
  guint32 broadcast = plan->network | ~wb_prefix_to_mask (plan->prefix);
  guint8 mac[WB_ETH_ALEN] = { 0x52, 0x55 };

  g_free (config->server_ip);
  config->server_ip = wb_ipv4_to_string (plan->nameserver);
  g_free (config->netmask);
  config->netmask = wb_ipv4_to_string (wb_prefix_to_mask (plan->prefix));
  g_free (config->lower_ip);
  config->lower_ip = wb_ipv4_to_string (plan->network + 4);
  g_free (config->upper_ip);
  config->upper_ip = wb_ipv4_to_string (broadcast - 1);
  config->enabled = TRUE;

  wb_put_be32 (mac + 2, plan->nameserver);
  network->dhcpd_port = wb_segment_add_port (network->segment, WB_PORT_HOST,
                                             WB_PORT_FLAGS_IPV4_ONLY, mac,
                                             network_dhcpd_deliver_cb, network);
  network->dhcpd = wb_dhcpd_new (config, NULL, mac, network_dhcpd_send_cb,
                                 network_log_cb, network);
  wb_dhcpd_set_router (network->dhcpd, plan->host);
  wb_dhcpd_set_dns (network->dhcpd, plan->nameserver);
}

/* The gateway port of a NAT network (DESIGN.md §5, VIRTUALBOX.md §10):
 * libslirp without its DHCP as router and host alias .1 (the host's
 * loopback reachable there), DNS .3; the DHCP server if the network has
 * one; the network's rules (guest IP required) as host sockets. */
static gboolean
natnet_gateway_start (Network             *network,
                      const WbNatNetwork  *net,
                      GError             **error)
{
  WbSlirpConfig plan = { 0 };

  if (!wb_cidr_parse (net->network, &plan.network, &plan.prefix, error))
    return FALSE;
  plan.host = plan.network + 1;
  plan.nameserver = plan.network + 3;
  plan.host_loopback = TRUE;
  plan.mtu = WB_ETH_MTU;
  network->slirp = wb_slirp_new (network->segment, &plan, network_log_cb, network, error);
  if (network->slirp == NULL)
    return FALSE;
  if (net->dhcp)
    natnet_add_dhcpd (network, net, &plan);
  wb_slirp_set_rules (network->slirp, net->rules, 0);
  nat_log_rules (NULL, 0, network);
  network->natnet = wb_nat_network_copy (net);
  natnet_set_links (network, TRUE);
  return TRUE;
}

/* Makes the world match the stored NAT network @name: its gateway up, with
 * its rules re-synced, while the network is enabled and running; down
 * (the links of its VMs with it) otherwise. A network without VMs and
 * without a gateway goes. Called from the settings' signals, so that a
 * change is in effect before the call that made it returns. */
static void
natnet_sync (WbRuntime  *self,
             const char *name)
{
  WbStore *store = wb_settings_get_store (self->settings);
  g_autoptr(WbNatNetwork) net = wb_store_load_nat_network (store, name, NULL);
  g_autofree char *key = g_strconcat ("natnet:", name, NULL);
  g_autoptr(GError) error = NULL;
  Network *network = g_hash_table_lookup (self->networks, key);

  if (net != NULL && net->running && net->enabled)
    {
      if (network == NULL)
        {
          network = g_new0 (Network, 1);
          network->runtime = self;
          network->name = g_steal_pointer (&key);
          network->description = g_strdup_printf ("NAT network '%s' (%s)", name, net->network);
          network->segment = wb_segment_new (network->name, WB_ETH_MTU, self->context);
          g_hash_table_insert (self->networks, network->name, network);
        }
      else if (network->natnet != NULL
               && strcmp (network->natnet->network, net->network) == 0
               && network->natnet->dhcp == net->dhcp)
        {
          wb_slirp_set_rules (network->slirp, net->rules, 0);
          nat_log_rules (NULL, 0, network);
          return;
        }
      natnet_gateway_stop (network);
      if (natnet_gateway_start (network, net, &error))
        return;
      g_message ("NAT network '%s' did not start: %s", name, error->message);
    }
  if (network == NULL)
    return;
  natnet_gateway_stop (network);
  if (network->n_vm_ports == 0)
    {
      g_hash_table_remove (self->networks, network->name);
      network_free (network);
    }
}

/* An adapter on a NAT network: starting a VM starts its network. A
 * disabled network refuses the start (VirtualBox leaves such an adapter
 * without a link; an error says why at once). */
static gboolean
natnet_acquire (WbRuntime        *self,
                const WbAdapter  *adapter,
                Network         **out,
                GError          **error)
{
  WbStore *store = wb_settings_get_store (self->settings);
  g_autoptr(WbNatNetwork) net = NULL;
  g_autofree char *key = NULL;
  Network *network;

  if (*adapter->nat_network == '\0')
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Adapter %u: no NAT network chosen", adapter->slot);
      return FALSE;
    }
  net = wb_store_load_nat_network (store, adapter->nat_network, error);
  if (net == NULL)
    {
      g_prefix_error (error, "Adapter %u: ", adapter->slot);
      return FALSE;
    }
  if (!net->enabled)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Adapter %u: NAT network '%s' is disabled "
                   "(natnetwork modify --netname %s --enable)",
                   adapter->slot, net->name, net->name);
      return FALSE;
    }
  /* Its gateway comes up from the settings' "changed" signal. */
  if (!net->running
      && !wb_settings_set_nat_network_running (self->settings, net->name, TRUE, error))
    return FALSE;

  key = g_strconcat ("natnet:", net->name, NULL);
  network = g_hash_table_lookup (self->networks, key);
  /* Marked running by an engine that has gone. */
  if (network == NULL || network->natnet == NULL)
    {
      natnet_sync (self, net->name);
      network = g_hash_table_lookup (self->networks, key);
    }
  if (network == NULL || network->natnet == NULL)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                   "Adapter %u: NAT network '%s' did not start", adapter->slot,
                   net->name);
      return FALSE;
    }
  network->n_vm_ports++;
  *out = network;
  return TRUE;
}

static void
on_settings_object_cb (WbSettings *settings,
                       guint       kind,
                       const char *id,
                       gpointer    user_data)
{
  if (kind == WB_OBJECT_NAT_NETWORK)
    natnet_sync (user_data, id);
}

/* The network an adapter's mode puts it on: NULL (and TRUE) for modes
 * without a segment here. The caller owns one VM port reference. */
static gboolean
network_acquire (WbRuntime        *self,
                 const WbAdapter  *adapter,
                 Network         **out,
                 GError          **error)
{
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autofree char *dhcp_network = NULL;
  const char *ifname = NULL;
  const char *bridged_if = NULL;
  Network *network;

  *out = NULL;
  switch (adapter->attachment)
    {
    case WB_ATTACHMENT_INTNET:
      if (*adapter->intnet == '\0')
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       "Adapter %u: no internal network name", adapter->slot);
          return FALSE;
        }
      name = g_strconcat ("intnet:", adapter->intnet, NULL);
      description = g_strdup_printf ("internal network '%s'", adapter->intnet);
      dhcp_network = g_strdup (adapter->intnet);
      break;

    case WB_ATTACHMENT_HOSTONLY:
      ifname = adapter->hostonly_adapter;
      if (*ifname == '\0')
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       "Adapter %u: no host-only interface chosen", adapter->slot);
          return FALSE;
        }
      name = g_strconcat ("hostonly:", ifname, NULL);
      description = g_strdup_printf ("host-only interface '%s'", ifname);
      dhcp_network = wb_host_only_network_name (ifname);
      break;

    case WB_ATTACHMENT_BRIDGED:
      bridged_if = adapter->bridge_adapter;
      if (*bridged_if == '\0' || strcmp (bridged_if, "none") == 0)
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       "Adapter %u: no host interface chosen to bridge to", adapter->slot);
          return FALSE;
        }
      name = g_strconcat ("bridged:", bridged_if, NULL);
      description = g_strdup_printf ("bridged interface '%s'", bridged_if);
      break;

    case WB_ATTACHMENT_NATNETWORK:
      return natnet_acquire (self, adapter, out, error);

    case WB_ATTACHMENT_NULL:
    case WB_ATTACHMENT_NAT:
    case WB_ATTACHMENT_GENERIC:
    case WB_N_ATTACHMENTS:
    default:
      return TRUE;
    }

  network = g_hash_table_lookup (self->networks, name);
  if (network == NULL)
    {
      Faults *faults;

      network = g_new0 (Network, 1);
      network->runtime = self;
      network->name = g_steal_pointer (&name);
      network->description = g_steal_pointer (&description);
      network->segment = wb_segment_new (network->name, SEGMENT_MTU, self->context);
      if (adapter->attachment == WB_ATTACHMENT_INTNET
          && (faults = g_hash_table_lookup (self->faults, adapter->intnet)) != NULL)
        wb_segment_set_faults (network->segment, faults->loss_permille,
                               faults->reorder_permille, g_str_hash (network->name));

      if ((ifname != NULL && !network_add_host (network, ifname, error))
          || (bridged_if != NULL && !network_add_bridged (network, bridged_if, error))
          || (dhcp_network != NULL && !network_add_dhcpd (network, dhcp_network, error)))
        {
          g_prefix_error (error, "Adapter %u: ", adapter->slot);
          network_free (network);
          return FALSE;
        }
      g_hash_table_insert (self->networks, network->name, network);
    }

  network->n_vm_ports++;
  *out = network;
  return TRUE;
}

static void
network_release (Network *network)
{
  if (network == NULL || --network->n_vm_ports > 0)
    return;
  /* A running NAT network stays, its port forwards with it. */
  if (network->natnet != NULL)
    return;
  g_hash_table_remove (network->runtime->networks, network->name);
  network_free (network);
}

/* --- generic driver -------------------------------------------------------- */

/* Opens @config's generic driver as the uplink of @network (the adapter's
 * private segment). */
static gboolean
network_open_generic (Network          *network,
                      RunningVm        *vm,
                      const WbAdapter  *config,
                      GError          **error)
{
  const char *description;

  if (strcmp (config->generic_driver, "UDPTunnel") == 0)
    {
      network->udp_tunnel = wb_udp_tunnel_open (network->segment,
                                                config->generic_props, error);
      if (network->udp_tunnel == NULL)
        return FALSE;
      description = wb_udp_tunnel_get_description (network->udp_tunnel);
    }
  else if (strcmp (config->generic_driver, "VDE") == 0)
    {
      g_autofree char *descr = g_strdup_printf ("Wirebox: VM '%s' adapter %u",
                                                vm->vm->name, config->slot);

      network->vde = wb_vde_open (network->segment, config->generic_props,
                                  descr, error);
      if (network->vde == NULL)
        return FALSE;
      description = wb_vde_get_description (network->vde);
    }
  else
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "no generic driver chosen (--nicgenericdrv%u UDPTunnel or VDE)",
                   config->slot);
      return FALSE;
    }
  g_free (network->description);
  network->description = g_strdup (description);
  return TRUE;
}

static void
network_close_generic (Network *network)
{
  g_clear_pointer (&network->udp_tunnel, wb_udp_tunnel_free);
  g_clear_pointer (&network->vde, wb_vde_free);
}

static gboolean
network_is_generic (Network *network)
{
  return network != NULL && g_str_has_prefix (network->name, "generic:");
}

/* A Generic adapter's network: a segment of its own whose only other port
 * is the driver. */
static Network *
generic_network_new (RunningVm        *vm,
                     const WbAdapter  *config,
                     GError          **error)
{
  WbRuntime *self = vm->runtime;
  Network *network = g_new0 (Network, 1);

  network->runtime = self;
  network->name = g_strdup_printf ("generic:%s:%u", vm->vm->uuid, config->slot);
  network->segment = wb_segment_new (network->name, SEGMENT_MTU, self->context);
  if (!network_open_generic (network, vm, config, error))
    {
      g_prefix_error (error, "Adapter %u: ", config->slot);
      network_free (network);
      return NULL;
    }
  g_hash_table_insert (self->networks, network->name, network);
  network->n_vm_ports = 1;
  return network;
}

/* New properties (or a new driver) for an adapter on its generic network:
 * the old driver goes first, as it may hold the port the new one wants, and
 * comes back if the new one cannot open. */
static gboolean
generic_network_reopen (Adapter          *adapter,
                        const WbAdapter  *config,
                        GError          **error)
{
  const WbAdapter *current = &adapter->vm->vm->adapters[adapter->slot - 1];
  Network *network = adapter->network;
  g_autoptr(GError) restore_error = NULL;

  network_close_generic (network);
  if (network_open_generic (network, adapter->vm, config, error))
    {
      vm_log (adapter->vm, "Adapter %u: attached to %s", adapter->slot,
              network->description);
      return TRUE;
    }
  g_prefix_error (error, "Adapter %u: ", adapter->slot);
  if (!network_open_generic (network, adapter->vm, current, &restore_error))
    vm_log (adapter->vm, "Adapter %u: the previous driver did not come back: %s",
            adapter->slot, restore_error->message);
  return FALSE;
}

/* --- adapters ------------------------------------------------------------ */

static void
adapter_receive_cb (gpointer      user_data,
                    const guint8 *frame,
                    gsize         len)
{
  Adapter *adapter = user_data;

  if (!adapter->vm->stopping)
    wb_guest_input (adapter->vm->guest, adapter->slot - 1, frame, len);
}

static void
adapter_link_changed_cb (gpointer user_data,
                         gboolean up)
{
  Adapter *adapter = user_data;

  if (adapter->vm->stopping)
    return;
  wb_guest_set_link (adapter->vm->guest, adapter->slot - 1, up);
  vm_log (adapter->vm, "Adapter %u: link %s", adapter->slot, up ? "up" : "down");
}

static const WbNicCallbacks nic_callbacks = {
  .receive = adapter_receive_cb,
  .link_changed = adapter_link_changed_cb,
};

static const char *
mode_name (WbAttachment attachment)
{
  switch (attachment)
    {
    case WB_ATTACHMENT_NAT:
    case WB_ATTACHMENT_NATNETWORK:
    case WB_ATTACHMENT_NULL:
    case WB_ATTACHMENT_INTNET:
    case WB_ATTACHMENT_HOSTONLY:
    case WB_ATTACHMENT_GENERIC:
    case WB_ATTACHMENT_BRIDGED:
    case WB_N_ATTACHMENTS:
    default:
      return NULL;
    }
}

/* Moves the adapter to the network of @config's mode; on failure nothing
 * changed. */
static gboolean
adapter_attach (Adapter          *adapter,
                const WbAdapter  *config,
                GError          **error)
{
  Network *old = adapter->network;
  Network *network;
  const char *unsupported = mode_name (config->attachment);

  /* A Generic adapter keeps its private network: only the driver changes. */
  if (config->attachment == WB_ATTACHMENT_GENERIC && network_is_generic (old))
    return generic_network_reopen (adapter, config, error);
  /* A NAT adapter keeps its NAT engine (and its connections). */
  if (config->attachment == WB_ATTACHMENT_NAT && network_is_nat (old))
    {
      adapter_sync_nat_rules (adapter, config);
      return TRUE;
    }
  if (!network_acquire (adapter->vm->runtime, config, &network, error))
    return FALSE;
  if (config->attachment == WB_ATTACHMENT_NAT
      && (network = nat_network_new (adapter->vm, config, error)) == NULL)
    return FALSE;
  if (config->attachment == WB_ATTACHMENT_GENERIC
      && (network = generic_network_new (adapter->vm, config, error)) == NULL)
    return FALSE;

  /* Said before the link changes it brings, so that the log reads in
   * order. */
  if (network != NULL)
    vm_log (adapter->vm, "Adapter %u: attached to %s", adapter->slot,
            network->description);
  else if (unsupported != NULL)
    vm_log (adapter->vm, "Adapter %u: %s is not running yet in this version",
            adapter->slot, unsupported);
  else
    vm_log (adapter->vm, "Adapter %u: not attached", adapter->slot);

  /* The guest learns a NAT network's MTU as it would by DHCP. */
  wb_guest_set_mtu (adapter->vm->guest, adapter->slot - 1,
                    wb_guest_if_effective_mtu (&adapter->vm->vm->guest[adapter->slot - 1],
                                               config));
  wb_nic_attach (adapter->nic, network != NULL ? network->segment : NULL);
  adapter->network = network;
  network_release (old);
  return TRUE;
}

/* NULL when @config has no trace on. */
static char *
adapter_trace_path (RunningVm       *vm,
                    const WbAdapter *config)
{
  g_autofree char *dir = NULL;
  g_autofree char *suffix = NULL;

  if (!config->trace)
    return NULL;
  if (g_path_is_absolute (config->trace_file))
    return g_strdup (config->trace_file);
  if (*config->trace_file == '\0')
    {
      suffix = g_strdup_printf ("-%u.pcap", config->slot);
      return vm_file_path (vm, suffix);
    }

  dir = logs_dir (vm->runtime);
  return g_build_filename (dir, config->trace_file, NULL);
}

/* Starts, stops or moves the trace to what @config says. */
static gboolean
adapter_update_trace (Adapter          *adapter,
                      const WbAdapter  *config,
                      GError          **error)
{
  g_autofree char *path = adapter_trace_path (adapter->vm, config);

  if (g_strcmp0 (path, wb_nic_get_trace_path (adapter->nic)) == 0)
    return TRUE;
  if (!wb_nic_set_trace (adapter->nic, path, error))
    {
      g_prefix_error (error, "Adapter %u: ", adapter->slot);
      return FALSE;
    }
  if (path != NULL)
    vm_log (adapter->vm, "Adapter %u: tracing to %s", adapter->slot, path);
  else
    vm_log (adapter->vm, "Adapter %u: trace stopped", adapter->slot);
  return TRUE;
}

static void
adapter_stop (Adapter *adapter)
{
  g_autoptr(GError) error = NULL;

  if (adapter->nic == NULL)
    return;
  if (!wb_nic_set_trace (adapter->nic, NULL, &error))
    vm_log (adapter->vm, "Adapter %u: %s", adapter->slot, error->message);
  g_clear_pointer (&adapter->nic, wb_nic_free);
  network_release (g_steal_pointer (&adapter->network));
}

/* --- running VMs ----------------------------------------------------------- */

static void
guest_transmit_cb (gpointer      user_data,
                   guint         iface,
                   const guint8 *frame,
                   gsize         len)
{
  RunningVm *vm = user_data;

  if (iface < WB_MAX_ADAPTERS && vm->adapters[iface].nic != NULL)
    wb_nic_transmit (vm->adapters[iface].nic, frame, len);
}

static void
guest_log_cb (gpointer    user_data,
              const char *message)
{
  RunningVm *vm = user_data;
  gint64 second = g_get_monotonic_time () / G_USEC_PER_SEC;

  /* A guest under a flood of bad frames must not fill the disk. */
  if (second != vm->log_second)
    {
      if (vm->log_suppressed > 0)
        vm_log (vm, "(%u more guest lines not logged)", vm->log_suppressed);
      vm->log_second = second;
      vm->log_lines = 0;
      vm->log_suppressed = 0;
    }
  if (vm->log_lines++ >= LOG_LINES_PER_S)
    {
      vm->log_suppressed++;
      return;
    }
  vm_log (vm, "Guest: %s", message);
}

static void property_waits_check (WbRuntime  *self,
                                  const char *uuid,
                                  const char *name,
                                  const char *value);

static void
guest_property_changed_cb (gpointer    user_data,
                           const char *name,
                           const char *value)
{
  RunningVm *vm = user_data;
  WbRuntime *self = vm->runtime;
  g_autofree char *uuid = g_strdup (vm->vm->uuid);

  if (g_strcmp0 (g_hash_table_lookup (vm->properties, name), value) == 0)
    return;
  if (value != NULL)
    g_hash_table_replace (vm->properties, g_strdup (name), g_strdup (value));
  else
    g_hash_table_remove (vm->properties, name);

  /* The address properties are how leases show in the log. */
  if (g_str_has_prefix (name, IP_PROPERTY_PREFIX)
      && g_str_has_suffix (name, IP_PROPERTY_SUFFIX))
    {
      guint64 index = g_ascii_strtoull (name + strlen (IP_PROPERTY_PREFIX), NULL, 10);

      vm_log (vm, "Adapter %" G_GUINT64_FORMAT ": IPv4 address %s", index + 1,
              value != NULL ? value : "none");
    }

  g_signal_emit (self, signals[SIGNAL_PROPERTY_CHANGED], 0, uuid, name, value);
  if (value != NULL)
    property_waits_check (self, uuid, name, value);
}

static const WbGuestCallbacks guest_callbacks = {
  .transmit = guest_transmit_cb,
  .property_changed = guest_property_changed_cb,
  .log = guest_log_cb,
};

static WbGuestServiceKind
service_kind (WbVmServiceKind kind)
{
  switch (kind)
    {
    case WB_VM_SERVICE_HTTP:
      return WB_GUEST_SERVICE_HTTP;
    case WB_VM_SERVICE_ECHO:
      return WB_GUEST_SERVICE_ECHO;
    case WB_VM_SERVICE_SSH:
    default:
      return WB_GUEST_SERVICE_SSH;
    }
}

/* The guest's side of the settings: interfaces, addresses, routing,
 * services. */
static gboolean
vm_configure_guest (RunningVm  *vm,
                    GError    **error)
{
  const WbVm *config = vm->vm;

  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      const WbAdapter *adapter = &config->adapters[i];
      const WbGuestIfConfig *ifconfig = &config->guest[i];

      if (!adapter->enabled)
        continue;
      if (!wb_mac_from_hex (adapter->mac, vm->adapters[i].mac))
        {
          g_set_error (error, WB_ERROR, WB_ERROR_FAILED,
                       "Adapter %u: bad MAC address '%s'", i + 1, adapter->mac);
          return FALSE;
        }
      wb_guest_add_interface (vm->guest, i, vm->adapters[i].mac,
                              wb_guest_if_effective_mtu (ifconfig, adapter));
      if (ifconfig->dhcp)
        wb_guest_configure_dhcp (vm->guest, i);
      else
        wb_guest_configure_static (vm->guest, i, ifconfig->address, ifconfig->prefix);
      if (ifconfig->gateway != 0)
        wb_guest_set_gateway (vm->guest, i, ifconfig->gateway);
      if (ifconfig->masquerade)
        wb_guest_set_masquerade (vm->guest, i, TRUE);
    }
  wb_guest_set_ip_forward (vm->guest, config->ip_forward);

  for (guint i = 0; config->services != NULL && i < config->services->len; i++)
    {
      const WbVmService *service = &g_array_index (config->services, WbVmService, i);
      g_autoptr(GError) local_error = NULL;

      /* A service that cannot start is the guest's problem, not the VM's. */
      if (!wb_guest_add_service (vm->guest, service->port,
                                 service_kind (service->kind), &local_error))
        vm_log (vm, "Service %s on TCP %u not started: %s",
                wb_vm_service_kind_to_string (service->kind), service->port,
                local_error->message);
    }
  return TRUE;
}

static gboolean
vm_start_adapters (RunningVm  *vm,
                   GError    **error)
{
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      const WbAdapter *config = &vm->vm->adapters[i];
      Adapter *adapter = &vm->adapters[i];

      if (!config->enabled)
        continue;
      adapter->nic = wb_nic_new (config->type, adapter->mac, &nic_callbacks, adapter);
      wb_nic_set_cable_connected (adapter->nic, config->cable_connected);
      wb_nic_set_promisc (adapter->nic, config->promisc);
      if (!adapter_update_trace (adapter, config, error)
          || !adapter_attach (adapter, config, error))
        return FALSE;
    }
  return TRUE;
}

static RunningVm *
running_vm_new (WbRuntime *self,
                WbVm      *config)
{
  RunningVm *vm = g_new0 (RunningVm, 1);

  vm->runtime = self;
  vm->vm = config;
  vm->properties = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      vm->adapters[i].vm = vm;
      vm->adapters[i].slot = i + 1;
    }
  vm->log_path = vm_file_path (vm, ".log");
  vm->guest = wb_guest_new (config->name, self->context, &guest_callbacks, vm);
  return vm;
}

/* Stops the guest (its last frames, DHCPRELEASE among them, still reach
 * the networks), closes the traces, leaves the networks. */
static void
running_vm_free (RunningVm *vm)
{
  vm->stopping = TRUE;
  wb_guest_shutdown (vm->guest);
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      if (vm->adapters[i].network != NULL)
        wb_segment_flush (vm->adapters[i].network->segment);
    }
  vm_report_drops (vm);
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    adapter_stop (&vm->adapters[i]);
  wb_guest_free (vm->guest);
  g_hash_table_unref (vm->properties);
  vm_log (vm, "Stopped");
  g_free (vm->log_path);
  wb_vm_free (vm->vm);
  g_free (vm);
}

static RunningVm *
lookup_running (WbRuntime   *self,
                const char  *name_or_uuid,
                GError     **error)
{
  g_autoptr(WbVm) config = NULL;
  GHashTableIter iter;
  RunningVm *vm;

  vm = g_hash_table_lookup (self->vms, name_or_uuid);
  if (vm != NULL)
    return vm;
  g_hash_table_iter_init (&iter, self->vms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &vm))
    {
      if (strcmp (vm->vm->name, name_or_uuid) == 0)
        return vm;
    }

  config = wb_settings_get_vm (self->settings, name_or_uuid, error);
  if (config != NULL)
    g_set_error (error, WB_ERROR, WB_ERROR_BUSY,
                 "Machine '%s' is not running", config->name);
  return NULL;
}

static void
set_running (WbRuntime  *self,
             const char *uuid,
             gboolean    running)
{
  g_autofree char *id = g_strdup (uuid);

  wb_settings_set_vm_running (self->settings, id, running);
  if (running && self->drop_report == NULL)
    {
      self->drop_report = g_timeout_source_new_seconds (DROP_REPORT_S);
      g_source_set_callback (self->drop_report, drop_report_cb, self, NULL);
      g_source_attach (self->drop_report, self->context);
    }
  else if (!running && g_hash_table_size (self->vms) == 0 && self->drop_report != NULL)
    {
      g_source_destroy (self->drop_report);
      g_clear_pointer (&self->drop_report, g_source_unref);
    }
  g_signal_emit (self, signals[SIGNAL_VM_STATE_CHANGED], 0, id, running);
}

gboolean
wb_runtime_start_vm (WbRuntime   *self,
                     const char  *name_or_uuid,
                     GError     **error)
{
  g_autoptr(WbVm) config = NULL;
  RunningVm *vm;

  g_return_val_if_fail (WB_IS_RUNTIME (self), FALSE);
  g_return_val_if_fail (name_or_uuid != NULL, FALSE);

  config = wb_settings_get_vm (self->settings, name_or_uuid, error);
  if (config == NULL)
    return FALSE;
  if (g_hash_table_contains (self->vms, config->uuid))
    {
      g_set_error (error, WB_ERROR, WB_ERROR_BUSY,
                   "Machine '%s' is already running", config->name);
      return FALSE;
    }

  vm = running_vm_new (self, g_steal_pointer (&config));
  vm_log (vm, "Starting '%s' (%s)", vm->vm->name, vm->vm->uuid);
  if (!vm_configure_guest (vm, error) || !vm_start_adapters (vm, error))
    {
      vm_log (vm, "Start failed: %s", (*error)->message);
      running_vm_free (vm);
      return FALSE;
    }

  g_hash_table_insert (self->vms, g_strdup (vm->vm->uuid), vm);
  vm_log (vm, "Running");
  set_running (self, vm->vm->uuid, TRUE);
  return TRUE;
}

static void
stop_vm (WbRuntime *self,
         RunningVm *vm)
{
  g_autofree char *uuid = g_strdup (vm->vm->uuid);

  vm_log (vm, "Powering off");
  g_hash_table_remove (self->vms, uuid);
  running_vm_free (vm);
  set_running (self, uuid, FALSE);
}

gboolean
wb_runtime_poweroff_vm (WbRuntime   *self,
                        const char  *name_or_uuid,
                        GError     **error)
{
  RunningVm *vm;

  g_return_val_if_fail (WB_IS_RUNTIME (self), FALSE);
  g_return_val_if_fail (name_or_uuid != NULL, FALSE);

  vm = lookup_running (self, name_or_uuid, error);
  if (vm == NULL)
    return FALSE;
  stop_vm (self, vm);
  return TRUE;
}

gboolean
wb_runtime_reset_vm (WbRuntime   *self,
                     const char  *name_or_uuid,
                     GError     **error)
{
  g_autofree char *uuid = NULL;
  RunningVm *vm;

  g_return_val_if_fail (WB_IS_RUNTIME (self), FALSE);
  g_return_val_if_fail (name_or_uuid != NULL, FALSE);

  vm = lookup_running (self, name_or_uuid, error);
  if (vm == NULL)
    return FALSE;
  uuid = g_strdup (vm->vm->uuid);
  stop_vm (self, vm);
  return wb_runtime_start_vm (self, uuid, error);
}

gboolean
wb_runtime_is_running (WbRuntime  *self,
                       const char *uuid)
{
  g_return_val_if_fail (WB_IS_RUNTIME (self), FALSE);

  return uuid != NULL && g_hash_table_contains (self->vms, uuid);
}

guint
wb_runtime_get_n_running (WbRuntime *self)
{
  g_return_val_if_fail (WB_IS_RUNTIME (self), 0);

  return g_hash_table_size (self->vms);
}

static int
compare_by_creation (gconstpointer a,
                     gconstpointer b)
{
  const RunningVm *x = *(RunningVm * const *) a;
  const RunningVm *y = *(RunningVm * const *) b;

  return (x->vm->id > y->vm->id) - (x->vm->id < y->vm->id);
}

GVariant *
wb_runtime_list_running (WbRuntime *self)
{
  g_autoptr(GPtrArray) vms = g_ptr_array_new ();
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (WB_IS_RUNTIME (self), NULL);

  g_hash_table_iter_init (&iter, self->vms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (vms, value);
  g_ptr_array_sort (vms, compare_by_creation);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < vms->len; i++)
    {
      const RunningVm *vm = g_ptr_array_index (vms, i);

      g_variant_builder_add (&builder, "(ss)", vm->vm->name, vm->vm->uuid);
    }
  return g_variant_builder_end (&builder);
}

void
wb_runtime_shutdown (WbRuntime *self)
{
  g_return_if_fail (WB_IS_RUNTIME (self));

  while (g_hash_table_size (self->vms) > 0)
    {
      GHashTableIter iter;
      RunningVm *vm;

      g_hash_table_iter_init (&iter, self->vms);
      g_hash_table_iter_next (&iter, NULL, (gpointer *) &vm);
      stop_vm (self, vm);
    }

  /* What is left are NAT networks running without VMs. */
  while (g_hash_table_size (self->networks) > 0)
    {
      GHashTableIter iter;
      Network *network;

      g_hash_table_iter_init (&iter, self->networks);
      g_hash_table_iter_next (&iter, NULL, (gpointer *) &network);
      g_hash_table_iter_remove (&iter);
      network_free (network);
    }
}

/* --- controlvm ------------------------------------------------------------ */

/* The modifyvm changes equal to a controlvm one; @args must outlive them. */
static gboolean
control_changes (const char          *key,
                 guint                slot,
                 const char * const  *args,
                 WbVmChange          *changes,
                 gsize               *n_changes,
                 GError             **error)
{
  static const struct
  {
    const char *control;
    const char *modify;
  } simple[] = {
    { "setlinkstate", "cableconnected" },
    { "nicpromisc", "nicpromisc" },
    { "nictrace", "nictrace" },
    { "nictracefile", "nictracefile" },
    { "nicproperty", "nicproperty" },
  };
  static const char * const target_keys[WB_N_ATTACHMENTS] = {
    [WB_ATTACHMENT_INTNET] = "intnet",
    [WB_ATTACHMENT_HOSTONLY] = "hostonlyadapter",
    [WB_ATTACHMENT_BRIDGED] = "bridgeadapter",
    [WB_ATTACHMENT_NATNETWORK] = "natnetwork",
    [WB_ATTACHMENT_GENERIC] = "nicgenericdrv",
  };
  guint n_args = args != NULL ? g_strv_length ((char **) args) : 0;
  WbAttachment attachment = WB_ATTACHMENT_NULL;
  gboolean enabled;

  /* natpfN RULE, natpfN delete NAME (also the key "natpfdelete" NAME). */
  if (strcmp (key, "natpf") == 0 || strcmp (key, "natpfdelete") == 0)
    {
      gboolean delete = strcmp (key, "natpfdelete") == 0;

      if (!delete && n_args == 2 && g_ascii_strcasecmp (args[0], "delete") == 0)
        changes[0] = (WbVmChange) { "natpfdelete", slot, args[1] };
      else if (n_args == 1)
        changes[0] = (WbVmChange) { delete ? "natpfdelete" : "natpf", slot, args[0] };
      else
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       delete ? "%s%u takes a rule name"
                              : "%s%u takes a rule, or 'delete' and a rule name",
                       key, slot);
          return FALSE;
        }
      *n_changes = 1;
      return TRUE;
    }
  if (strcmp (key, "nic") != 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (simple); i++)
        {
          if (strcmp (key, simple[i].control) != 0)
            continue;
          if (n_args != 1)
            {
              g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                           "%s%u takes one value", key, slot);
              return FALSE;
            }
          changes[0] = (WbVmChange) { simple[i].modify, slot, args[0] };
          *n_changes = 1;
          return TRUE;
        }
      g_set_error (error, WB_ERROR, WB_ERROR_UNKNOWN_OPTION,
                   "Unknown controlvm option '%s'", key);
      return FALSE;
    }

  if (n_args < 1 || n_args > 2)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "nic%u takes a mode and an optional target", slot);
      return FALSE;
    }
  if (!wb_attachment_parse (args[0], &attachment, &enabled, error))
    return FALSE;
  if (!enabled)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Adapter %u cannot be disabled while the machine runs "
                   "(use 'null' to detach it)", slot);
      return FALSE;
    }
  changes[0] = (WbVmChange) { "nic", slot, args[0] };
  *n_changes = 1;
  if (n_args == 2)
    {
      if (target_keys[attachment] == NULL)
        {
          g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                       "nic%u %s takes no target", slot, args[0]);
          return FALSE;
        }
      changes[1] = (WbVmChange) { target_keys[attachment], slot, args[1] };
      *n_changes = 2;
    }
  return TRUE;
}

gboolean
wb_runtime_control_vm (WbRuntime           *self,
                       const char          *name_or_uuid,
                       const char          *key,
                       guint                slot,
                       const char * const  *args,
                       GError             **error)
{
  g_autoptr(WbVm) config = NULL;
  g_autofree char *joined = NULL;
  WbVmChange changes[2];
  gsize n_changes = 0;
  const WbAdapter *wanted;
  Adapter *adapter;
  RunningVm *vm;
  gboolean ok = TRUE;

  g_return_val_if_fail (WB_IS_RUNTIME (self), FALSE);
  g_return_val_if_fail (name_or_uuid != NULL && key != NULL, FALSE);

  vm = lookup_running (self, name_or_uuid, error);
  if (vm == NULL || !control_changes (key, slot, args, changes, &n_changes, error))
    return FALSE;
  if (slot < 1 || slot > WB_MAX_ADAPTERS)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Invalid adapter number %u: expected 1 to %u", slot,
                   WB_MAX_ADAPTERS);
      return FALSE;
    }

  /* The model validates the values on a copy; the running VM changes only
   * once all of them passed. */
  config = wb_vm_copy (vm->vm);
  for (gsize i = 0; i < n_changes; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *prefix = g_strdup_printf ("--%s%u: ", changes[i].key, changes[i].slot);

      if (!wb_vm_apply (config, changes[i].key, changes[i].slot, changes[i].value, &local_error))
        {
          /* Name the controlvm option the user typed, not its modifyvm twin. */
          if (g_str_has_prefix (local_error->message, prefix))
            {
              g_autofree char *rest = g_strdup (local_error->message + strlen (prefix));

              g_free (local_error->message);
              local_error->message = g_strdup_printf ("%s%u: %s", key, slot, rest);
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  adapter = &vm->adapters[slot - 1];
  wanted = &config->adapters[slot - 1];
  if (adapter->nic == NULL)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Adapter %u of '%s' is not enabled", slot, vm->vm->name);
      return FALSE;
    }

  if (strcmp (key, "nic") == 0)
    ok = adapter_attach (adapter, wanted, error);
  else if (strcmp (key, "setlinkstate") == 0)
    wb_nic_set_cable_connected (adapter->nic, wanted->cable_connected);
  else if (strcmp (key, "nicpromisc") == 0)
    wb_nic_set_promisc (adapter->nic, wanted->promisc);
  else if (strcmp (key, "nictrace") == 0 || strcmp (key, "nictracefile") == 0)
    ok = adapter_update_trace (adapter, wanted, error);
  else if (g_str_has_prefix (key, "natpf"))
    adapter_sync_nat_rules (adapter, wanted);
  /* nicproperty: a generic driver re-opens with the new properties. */
  else if (strcmp (key, "nicproperty") == 0 && network_is_generic (adapter->network))
    ok = generic_network_reopen (adapter, wanted, error);
  if (!ok)
    return FALSE;

  joined = g_strjoinv (" ", (char **) args);
  vm_log (vm, "controlvm %s%u %s", key, slot, joined);
  wb_vm_free (vm->vm);
  vm->vm = g_steal_pointer (&config);
  if (!wb_settings_modify_running_vm (self->settings, vm->vm->uuid, changes,
                                      n_changes, error))
    {
      g_prefix_error (error, "The change is in effect but was not saved: ");
      return FALSE;
    }
  return TRUE;
}

/* --- statistics and faults --------------------------------------------------- */

GVariant *
wb_runtime_get_nic_stats (WbRuntime   *self,
                          const char  *name_or_uuid,
                          GError     **error)
{
  GVariantBuilder builder;
  RunningVm *vm;

  g_return_val_if_fail (WB_IS_RUNTIME (self), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);

  vm = lookup_running (self, name_or_uuid, error);
  if (vm == NULL)
    return NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      Adapter *adapter = &vm->adapters[i];
      GVariantBuilder drops;
      WbCounters counters;
      char address[16] = "";
      guint prefix;
      guint32 ip;

      if (adapter->nic == NULL)
        continue;
      wb_nic_get_counters (adapter->nic, &counters);
      g_variant_builder_init (&drops, G_VARIANT_TYPE ("a{st}"));
      for (guint r = 0; r < WB_N_DROPS; r++)
        g_variant_builder_add (&drops, "{st}", wb_drop_reason_to_string (r),
                               counters.drops[r]);
      ip = wb_guest_get_address (vm->guest, i, &prefix);
      if (ip != 0)
        wb_ipv4_format (ip, address);

      g_variant_builder_open (&builder, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&builder, "{sv}", "slot", g_variant_new_uint32 (adapter->slot));
      g_variant_builder_add (&builder, "{sv}", "frames-in", g_variant_new_uint64 (counters.frames_in));
      g_variant_builder_add (&builder, "{sv}", "bytes-in", g_variant_new_uint64 (counters.bytes_in));
      g_variant_builder_add (&builder, "{sv}", "frames-out", g_variant_new_uint64 (counters.frames_out));
      g_variant_builder_add (&builder, "{sv}", "bytes-out", g_variant_new_uint64 (counters.bytes_out));
      g_variant_builder_add (&builder, "{sv}", "drops", g_variant_builder_end (&drops));
      g_variant_builder_add (&builder, "{sv}", "link", g_variant_new_boolean (wb_nic_get_link (adapter->nic)));
      g_variant_builder_add (&builder, "{sv}", "address", g_variant_new_string (address));
      g_variant_builder_add (&builder, "{sv}", "rules", adapter_rule_states (adapter));
      g_variant_builder_close (&builder);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

gboolean
wb_runtime_set_segment_faults (WbRuntime   *self,
                               const char  *intnet,
                               guint        loss_permille,
                               guint        reorder_permille,
                               GError     **error)
{
  g_autofree char *name = NULL;
  Network *network;
  Faults *faults;

  g_return_val_if_fail (WB_IS_RUNTIME (self), FALSE);
  g_return_val_if_fail (intnet != NULL, FALSE);

  if (loss_permille > 1000 || reorder_permille > 1000)
    {
      g_set_error (error, WB_ERROR, WB_ERROR_INVALID_ARGUMENT,
                   "Loss and reorder are per mille: 0 to 1000");
      return FALSE;
    }

  /* Kept for a network that starts later too. */
  faults = g_new0 (Faults, 1);
  faults->loss_permille = loss_permille;
  faults->reorder_permille = reorder_permille;
  g_hash_table_replace (self->faults, g_strdup (intnet), faults);

  name = g_strconcat ("intnet:", intnet, NULL);
  network = g_hash_table_lookup (self->networks, name);
  if (network != NULL)
    wb_segment_set_faults (network->segment, loss_permille, reorder_permille,
                           g_str_hash (name));
  return TRUE;
}

/* --- guest properties ---------------------------------------------------------- */

static int
compare_names (const void *a,
               const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The VM's property names, sorted (owned by the table). */
static const char **
property_names (RunningVm *vm,
                guint     *n)
{
  const char **names = (const char **) g_hash_table_get_keys_as_array (vm->properties, n);

  qsort (names, *n, sizeof (char *), compare_names);
  return names;
}

GVariant *
wb_runtime_get_properties (WbRuntime   *self,
                           const char  *name_or_uuid,
                           GError     **error)
{
  g_autofree const char **names = NULL;
  GVariantBuilder builder;
  RunningVm *vm;
  guint n;

  g_return_val_if_fail (WB_IS_RUNTIME (self), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);

  vm = lookup_running (self, name_or_uuid, error);
  if (vm == NULL)
    return NULL;

  names = property_names (vm, &n);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; i < n; i++)
    g_variant_builder_add (&builder, "{ss}", names[i],
                           (const char *) g_hash_table_lookup (vm->properties, names[i]));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
property_result_free (gpointer data)
{
  PropertyResult *result = data;

  g_free (result->name);
  g_free (result->value);
  g_free (result);
}

/* Completes @wait with @name = @value, or with @error when @name is NULL. */
static void
property_wait_complete (PropertyWait *wait,
                        const char   *name,
                        const char   *value,
                        GError       *error)
{
  WbRuntime *self = wait->runtime;

  self->waits = g_list_remove (self->waits, wait);
  g_source_destroy (wait->timeout);
  g_source_unref (wait->timeout);
  if (wait->cancelled != NULL)
    {
      g_source_destroy (wait->cancelled);
      g_source_unref (wait->cancelled);
    }

  if (name != NULL)
    {
      PropertyResult *result = g_new0 (PropertyResult, 1);

      result->name = g_strdup (name);
      result->value = g_strdup (value);
      g_task_return_pointer (wait->task, result, property_result_free);
    }
  else
    g_task_return_error (wait->task, error);

  g_object_unref (wait->task);
  g_free (wait->pattern);
  g_free (wait->uuid);
  g_free (wait);
}

static void
property_waits_check (WbRuntime  *self,
                      const char *uuid,
                      const char *name,
                      const char *value)
{
  GList *l = self->waits;

  while (l != NULL)
    {
      PropertyWait *wait = l->data;

      l = l->next;
      if (strcmp (wait->uuid, uuid) == 0 && g_pattern_match_simple (wait->pattern, name))
        property_wait_complete (wait, name, value, NULL);
    }
}

static gboolean
property_wait_timeout_cb (gpointer user_data)
{
  PropertyWait *wait = user_data;

  property_wait_complete (wait, NULL, NULL,
                          g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                       "No property matching '%s' got a value",
                                       wait->pattern));
  return G_SOURCE_REMOVE;
}

static gboolean
property_wait_cancelled_cb (GCancellable *cancellable,
                            gpointer      user_data)
{
  PropertyWait *wait = user_data;

  property_wait_complete (wait, NULL, NULL,
                          g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                               "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

void
wb_runtime_wait_property_async (WbRuntime           *self,
                                const char          *name_or_uuid,
                                const char          *pattern,
                                guint                timeout_ms,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree const char **names = NULL;
  GError *error = NULL;
  PropertyWait *wait;
  RunningVm *vm;
  guint n;

  g_return_if_fail (WB_IS_RUNTIME (self));
  g_return_if_fail (name_or_uuid != NULL && pattern != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_runtime_wait_property_async);

  vm = lookup_running (self, name_or_uuid, &error);
  if (vm == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* At once when a matching property has a value (the first by name). */
  names = property_names (vm, &n);
  for (guint i = 0; i < n; i++)
    {
      if (g_pattern_match_simple (pattern, names[i]))
        {
          PropertyResult *result = g_new0 (PropertyResult, 1);

          result->name = g_strdup (names[i]);
          result->value = g_strdup (g_hash_table_lookup (vm->properties, names[i]));
          g_task_return_pointer (task, result, property_result_free);
          return;
        }
    }

  wait = g_new0 (PropertyWait, 1);
  wait->runtime = self;
  wait->uuid = g_strdup (vm->vm->uuid);
  wait->pattern = g_strdup (pattern);
  wait->task = g_steal_pointer (&task);
  wait->timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (wait->timeout, property_wait_timeout_cb, wait, NULL);
  g_source_attach (wait->timeout, self->context);
  if (cancellable != NULL)
    {
      wait->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (wait->cancelled, G_SOURCE_FUNC (property_wait_cancelled_cb),
                             wait, NULL);
      g_source_attach (wait->cancelled, self->context);
    }
  self->waits = g_list_prepend (self->waits, wait);
}

gboolean
wb_runtime_wait_property_finish (WbRuntime     *self,
                                 GAsyncResult  *result,
                                 char         **name,
                                 char         **value,
                                 GError       **error)
{
  PropertyResult *found;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;
  if (name != NULL)
    *name = g_steal_pointer (&found->name);
  if (value != NULL)
    *value = g_steal_pointer (&found->value);
  property_result_free (found);
  return TRUE;
}

/* --- guestcontrol ------------------------------------------------------------ */

static void
run_result_free (gpointer data)
{
  RunResult *result = data;

  g_free (result->output);
  g_free (result);
}

static void
guest_run_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunResult *result = g_new0 (RunResult, 1);
  GError *error = NULL;

  if (!wb_guest_run_finish (res, &result->exit_status, &result->output, &error))
    {
      run_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, run_result_free);
}

/* A station of a running emulated LAN, named "bridged:IFACE/ROLE" (ROLE as
 * in wb_lan_get_station: peer, host, gateway, outside), so that
 * `guestcontrol` can run commands from the LAN's side too. A running VM
 * of that name comes first. */
static WbGuest *
lan_station (WbRuntime  *self,
             const char *name)
{
  const char *slash = strrchr (name, '/');
  g_autofree char *network_name = NULL;
  Network *network;

  if (slash == NULL || !g_str_has_prefix (name, "bridged:"))
    return NULL;
  network_name = g_strndup (name, slash - name);
  network = g_hash_table_lookup (self->networks, network_name);
  if (network == NULL || network->lan == NULL)
    return NULL;
  return wb_lan_get_station (network->lan, slash + 1);
}

void
wb_runtime_guest_run_async (WbRuntime           *self,
                            const char          *name_or_uuid,
                            const char * const  *argv,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  RunningVm *vm;
  WbGuest *guest;

  g_return_if_fail (WB_IS_RUNTIME (self));
  g_return_if_fail (name_or_uuid != NULL && argv != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_runtime_guest_run_async);

  vm = lookup_running (self, name_or_uuid, &error);
  guest = vm != NULL ? vm->guest : lan_station (self, name_or_uuid);
  if (guest == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_error (&error);
  wb_guest_run_async (guest, argv, cancellable, guest_run_cb,
                      g_steal_pointer (&task));
}

gboolean
wb_runtime_guest_run_finish (WbRuntime     *self,
                             GAsyncResult  *result,
                             int           *exit_status,
                             char         **output,
                             GError       **error)
{
  RunResult *run;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  run = g_task_propagate_pointer (G_TASK (result), error);
  if (run == NULL)
    return FALSE;
  if (exit_status != NULL)
    *exit_status = run->exit_status;
  if (output != NULL)
    *output = g_steal_pointer (&run->output);
  run_result_free (run);
  return TRUE;
}

/* --- test hooks ------------------------------------------------------------- */

WbGuest *
_wb_runtime_get_guest (WbRuntime  *self,
                       const char *name_or_uuid)
{
  RunningVm *vm = lookup_running (self, name_or_uuid, NULL);

  return vm != NULL ? vm->guest : NULL;
}

guint
_wb_runtime_get_n_networks (WbRuntime *self)
{
  return g_hash_table_size (self->networks);
}

WbLan *
_wb_runtime_get_lan (WbRuntime  *self,
                     const char *ifname)
{
  g_autofree char *name = g_strconcat ("bridged:", ifname, NULL);
  Network *network = g_hash_table_lookup (self->networks, name);

  return network != NULL ? network->lan : NULL;
}

const WbVm *
_wb_runtime_get_vm (WbRuntime  *self,
                    const char *name_or_uuid)
{
  RunningVm *vm = lookup_running (self, name_or_uuid, NULL);

  return vm != NULL ? vm->vm : NULL;
}

WbSettings *
_wb_runtime_get_settings (WbRuntime *self)
{
  return self->settings;
}

static void
network_describe (Network          *network,
                  WbRuntimeNetwork *out)
{
  *out = (WbRuntimeNetwork) {
    .key = network->name,
    .slirp = network->slirp,
    .host = network->host,
    .lan = network->lan,
    .natnet = network->natnet,
    .leaves = network->tap != NULL || network->packet != NULL
              || network->udp_tunnel != NULL || network->vde != NULL,
  };
}

gboolean
_wb_runtime_get_adapter_network (WbRuntime        *self,
                                 const char       *uuid,
                                 guint             slot,
                                 WbRuntimeNetwork *network)
{
  RunningVm *vm = lookup_running (self, uuid, NULL);
  Adapter *adapter;

  if (vm == NULL || slot < 1 || slot > WB_MAX_ADAPTERS)
    return FALSE;
  adapter = &vm->adapters[slot - 1];
  if (adapter->nic == NULL || adapter->network == NULL)
    return FALSE;
  network_describe (adapter->network, network);
  return TRUE;
}

gboolean
_wb_runtime_get_network (WbRuntime        *self,
                         const char       *key,
                         WbRuntimeNetwork *network)
{
  Network *found = g_hash_table_lookup (self->networks, key);

  if (found == NULL)
    return FALSE;
  network_describe (found, network);
  return TRUE;
}

void
_wb_runtime_set_logs_dir (WbRuntime  *self,
                          const char *dir)
{
  g_return_if_fail (WB_IS_RUNTIME (self));

  g_free (self->logs_dir);
  self->logs_dir = g_strdup (dir);
}

void
_wb_runtime_set_engine_only (WbRuntime *self,
                             guint32    lan_network,
                             guint      lan_prefix)
{
  g_return_if_fail (WB_IS_RUNTIME (self));

  self->engine_only = TRUE;
  self->lan_network = lan_network;
  self->lan_prefix = lan_prefix;
}

/* --- GObject ---------------------------------------------------------------- */

WbRuntime *
wb_runtime_new (WbSettings *settings)
{
  WbRuntime *self;

  g_return_val_if_fail (WB_IS_SETTINGS (settings), NULL);

  self = g_object_new (WB_TYPE_RUNTIME, "settings", settings, NULL);
  /* NAT networks follow their settings (natnetwork start|stop, rules). */
  g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_object_cb), self, 0);
  g_signal_connect_object (settings, "removed", G_CALLBACK (on_settings_object_cb), self, 0);
  return self;
}

static void
wb_runtime_dispose (GObject *object)
{
  WbRuntime *self = (WbRuntime *) object;

  if (self->settings != NULL)
    wb_runtime_shutdown (self);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wb_runtime_parent_class)->dispose (object);
}

static void
wb_runtime_finalize (GObject *object)
{
  WbRuntime *self = (WbRuntime *) object;

  g_hash_table_unref (self->vms);
  g_hash_table_unref (self->networks);
  g_hash_table_unref (self->faults);
  g_main_context_unref (self->context);
  g_free (self->logs_dir);

  G_OBJECT_CLASS (wb_runtime_parent_class)->finalize (object);
}

static void
wb_runtime_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  WbRuntime *self = (WbRuntime *) object;

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_runtime_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  WbRuntime *self = (WbRuntime *) object;

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* `hostonlyif relay` on a network in use takes effect before the call
 * returns: settings emit "changed" inside the D-Bus handler. */
static void
on_settings_changed_cb (WbSettings *settings,
                        guint       kind,
                        const char *id,
                        WbRuntime  *self)
{
  g_autofree char *name = NULL;
  g_autoptr(WbHostOnlyIf) hif = NULL;
  Network *network;

  if (kind != WB_OBJECT_HOST_ONLY_IF)
    return;
  name = g_strconcat ("hostonly:", id, NULL);
  network = g_hash_table_lookup (self->networks, name);
  if (network == NULL || network->host == NULL)
    return;
  hif = wb_store_load_host_only_if (wb_settings_get_store (settings), id, NULL);
  if (hif != NULL)
    wb_host_endpoint_set_relay (network->host, hif->relay);
}

static void
wb_runtime_constructed (GObject *object)
{
  WbRuntime *self = (WbRuntime *) object;

  G_OBJECT_CLASS (wb_runtime_parent_class)->constructed (object);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (on_settings_changed_cb), self, 0);
}

static void
wb_runtime_class_init (WbRuntimeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = wb_runtime_constructed;
  object_class->dispose = wb_runtime_dispose;
  object_class->finalize = wb_runtime_finalize;
  object_class->get_property = wb_runtime_get_property;
  object_class->set_property = wb_runtime_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, WB_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_VM_STATE_CHANGED] =
    g_signal_new ("vm-state-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[SIGNAL_PROPERTY_CHANGED] =
    g_signal_new ("property-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
wb_runtime_init (WbRuntime *self)
{
  self->context = g_main_context_ref_thread_default ();
  /* Keyed by a copy: controlvm replaces vm->vm. */
  self->vms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->networks = g_hash_table_new (g_str_hash, g_str_equal);
  self->faults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
