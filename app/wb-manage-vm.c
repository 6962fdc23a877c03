/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The VM commands: createvm, unregistervm, list vms and runningvms,
 * showvminfo, the network options of modifyvm (VIRTUALBOX.md §2, §7),
 * startvm and controlvm; and the guest's: guestconfig, guestcontrol run,
 * guestproperty.
 */
#include "wb-manage-private.h"

#include <stdio.h>
#include <string.h>

#include "wb-error.h"
#include "wb-home.h"

#define VM_COLUMN 29

#define SLOT_VALUE (WB_MANAGE_OPTION_VALUE | WB_MANAGE_OPTION_SLOT)

/* VBoxManage's exit status for a guest program that ran out of time
 * (EXITCODEEXEC_TIMEOUT). */
#define GUEST_RUN_TIMEOUT_STATUS 20

/* Every network option of VIRTUALBOX.md §2, in both spellings. The engine
 * key is the older spelling without its dashes. */
const WbManageOption _wb_manage_modifyvm_options[] = {
  { "--nic", NULL, "nic", SLOT_VALUE,
    "none|null|nat|natnetwork|bridged|intnet|hostonly|generic" },
  { "--nic-type", "--nictype", "nictype", SLOT_VALUE,
    "Am79C970A|Am79C973|82540EM|82543GC|82545EM|virtio" },
  { "--cable-connected", "--cableconnected", "cableconnected", SLOT_VALUE,
    "on|off" },
  { "--nic-trace", "--nictrace", "nictrace", SLOT_VALUE, "on|off" },
  { "--nic-trace-file", "--nictracefile", "nictracefile", SLOT_VALUE,
    "<filename>" },
  { "--nic-property", "--nicproperty", "nicproperty", SLOT_VALUE,
    "<name>=[<value>]" },
  { "--nic-speed", "--nicspeed", "nicspeed", SLOT_VALUE, "<kbps>" },
  { "--nic-promisc", "--nicpromisc", "nicpromisc", SLOT_VALUE,
    "deny|allow-vms|allow-all" },
  { "--bridge-adapter", "--bridgeadapter", "bridgeadapter", SLOT_VALUE,
    "none|<devicename>" },
  { "--host-only-adapter", "--hostonlyadapter", "hostonlyadapter", SLOT_VALUE,
    "none|<devicename>" },
  { "--intnet", NULL, "intnet", SLOT_VALUE, "<network>" },
  { "--nat-network", "--natnetwork", "natnetwork", SLOT_VALUE,
    "<network name>" },
  { "--nic-generic-drv", "--nicgenericdrv", "nicgenericdrv", SLOT_VALUE,
    "UDPTunnel|VDE" },
  { "--nat-net", "--natnet", "natnet", SLOT_VALUE, "<network>|default" },
  { "--nat-settings", "--natsettings", "natsettings", SLOT_VALUE,
    "[<mtu>],[<socksnd>],[<sockrcv>],[<tcpsnd>],[<tcprcv>]" },
  { "--nat-pf", "--natpf", "natpf", SLOT_VALUE | WB_MANAGE_OPTION_DELETE,
    "[<name>],tcp|udp,[<hostip>],<hostport>,[<guestip>],<guestport>" },
  { "--nat-localhostreachable", "--natlocalhostreachable",
    "natlocalhostreachable", SLOT_VALUE, "on|off" },
  { "--mac-address", "--macaddress", "macaddress", SLOT_VALUE,
    "auto|<12 hex digits>" },
  { NULL }
};

/* Wirebox's own guest settings (issue 3 §5), kebab-case and without the
 * inner dashes; the engine key is the latter without its leading dashes. */
const WbManageOption _wb_manage_guestconfig_options[] = {
  { "--guest-ip", "--guestip", "guestip", SLOT_VALUE,
    "dhcp|<address>/<prefix>" },
  { "--guest-gateway", "--guestgateway", "guestgateway", SLOT_VALUE,
    "<address>|none" },
  { "--guest-mtu", "--guestmtu", "guestmtu", SLOT_VALUE, "<bytes>" },
  { "--masquerade", NULL, "masquerade", SLOT_VALUE, "on|off" },
  { "--ip-forward", "--ipforward", "ipforward", WB_MANAGE_OPTION_VALUE,
    "on|off" },
  { "--service", NULL, "service",
    WB_MANAGE_OPTION_VALUE | WB_MANAGE_OPTION_ADD_REMOVE,
    "tcp:<port>:http|ssh|echo", "tcp:<port>" },
  { NULL }
};

/* The other options of VBoxManage modifyvm (VirtualBox 7, both
 * spellings), without slot numbers: refused as not supported rather than
 * unknown. */
static const char * const modifyvm_unsupported[] = {
  "--name", "--groups", "--description", "--os-type", "--ostype",
  "--icon-file", "--iconfile", "--memory", "--page-fusion", "--pagefusion",
  "--vram", "--firmware", "--acpi", "--ioapic", "--cpuid-portability-level",
  "--paravirt-provider", "--paravirtprovider", "--paravirt-debug",
  "--paravirtdebug", "--cpus", "--cpu-hotplug", "--cpuhotplug",
  "--cpu-profile", "--plug-cpu", "--plugcpu", "--unplug-cpu", "--unplugcpu",
  "--cpu-execution-cap", "--cpuexecutioncap", "--rtc-use-utc", "--rtcuseutc",
  "--graphicscontroller", "--graphics-controller", "--monitor-count",
  "--monitorcount", "--accelerate-3d", "--accelerate3d",
  "--accelerate-2d-video", "--accelerate2dvideo", "--firmware-logo-fade-in",
  "--firmware-logo-fade-out", "--firmware-logo-image-path",
  "--firmware-logo-display-time", "--firmware-boot-menu",
  "--firmware-system-time-offset", "--firmware-apic", "--firmware-pxe-debug",
  "--bios-logo-fade-in", "--bioslogofadein", "--bios-logo-fade-out",
  "--bioslogofadeout", "--bios-logo-display-time", "--bioslogodisplaytime",
  "--bios-logo-image-path", "--bioslogoimagepath", "--bios-boot-menu",
  "--biosbootmenu", "--bios-system-time-offset", "--biossystemtimeoffset",
  "--bios-apic", "--biosapic", "--bios-pxe-debug", "--biospxedebug",
  "--system-uuid-le", "--bios-auto-serial-num-gen", "--biosautoserialnumgen",
  "--boot", "--hda", "--hdb", "--hdd", "--idecontroller", "--sataportcount",
  "--sataport", "--sata", "--scsiport", "--scsitype", "--scsi",
  "--dvdpassthrough", "--dvd", "--floppy", "--nic-boot-prio", "--nicbootprio",
  "--nic-bandwidth-group", "--nicbandwidthgroup", "--cloud-network",
  "--cloudnetwork", "--host-only-net", "--hostonlynet", "--nat-bind-ip",
  "--natbindip", "--nat-alias-mode", "--nataliasmode", "--nat-tftp-prefix",
  "--nattftpprefix", "--nat-tftp-file", "--nattftpfile", "--nat-tftp-server",
  "--nattftpserver", "--nat-dns-pass-domain", "--natdnspassdomain",
  "--nat-dns-proxy", "--natdnsproxy", "--nat-dns-host-resolver",
  "--natdnshostresolver", "--mouse", "--keyboard", "--uart-mode",
  "--uartmode", "--uart-type", "--uarttype", "--uart", "--lpt-mode",
  "--lptmode", "--lpt", "--guest-memory-balloon", "--guestmemoryballoon",
  "--audio-controller", "--audiocontroller", "--audio-codec", "--audiocodec",
  "--audio", "--audio-driver", "--audiodriver", "--audio-enabled",
  "--audioenabled", "--audio-in", "--audioin", "--audio-out", "--audioout",
  "--clipboard-mode", "--clipboard", "--clipboard-file-transfers",
  "--drag-and-drop", "--draganddrop", "--vrdp", "--vrdpport", "--vrdpaddress",
  "--vrdpauthtype", "--vrdpmulticon", "--vrdpreusecon", "--vrdpvideochannel",
  "--vrdpvideochannelquality", "--vrde", "--vrde-property", "--vrdeproperty",
  "--vrde-port", "--vrdeport", "--vrde-address", "--vrdeaddress",
  "--vrde-auth-type", "--vrdeauthtype", "--vrde-auth-library",
  "--vrdeauthlibrary", "--vrde-multi-con", "--vrdemulticon",
  "--vrde-reuse-con", "--vrdereusecon", "--vrde-video-channel",
  "--vrdevideochannel", "--vrde-video-channel-quality",
  "--vrdevideochannelquality", "--vrde-extpack", "--vrdeextpack",
  "--usb-rename", "--usbrename", "--usb-xhci", "--usbxhci", "--usb-ehci",
  "--usbehci", "--usb-ohci", "--usbohci", "--usb", "--snapshot-folder",
  "--snapshotfolder", "--teleporter", "--teleporter-enabled",
  "--teleporterenabled", "--teleporter-port", "--teleporterport",
  "--teleporter-address", "--teleporteraddress", "--teleporter-password",
  "--teleporterpassword", "--teleporter-password-file",
  "--teleporterpasswordfile", "--tracing-enabled", "--tracing-config",
  "--tracing-allow-vm-access", "--hardware-uuid", "--hardwareuuid",
  "--iocache", "--iocache-size", "--iocachesize", "--chipset", "--iommu",
  "--tpm-type", "--tpm-location", "--recording", "--recording-screens",
  "--recordingscreens", "--recording-file", "--recordingfile",
  "--recording-max-time", "--recordingmaxtime", "--recording-max-size",
  "--recordingmaxsize", "--recording-opts", "--recordingopts",
  "--recording-options", "--recordingoptions", "--recording-video-res",
  "--recordingvideores", "--recording-video-resolution",
  "--recordingvideoresolution", "--recording-video-rate",
  "--recordingvideorate", "--recording-video-fps", "--recordingvideofps",
  "--autostart-enabled", "--autostart-delay", "--autostop-type",
  "--pci-attach", "--pciattach", "--pci-detach", "--pcidetach",
  "--usb-card-reader", "--usbcardreader", "--default-frontend",
  "--defaultfrontend", "--vm-process-priority", "--vm-execution-engine",
  "--testing-enabled", "--testing-mmio", "--testing-cfg-dword",
  "--guest-debug-provider", "--guest-debug-io-provider",
  "--guest-debug-address", "--guest-debug-port", "--apic", "--x2apic",
  "--hpet", "--hwvirtex", "--nested-paging", "--nestedpaging",
  "--large-pages", "--largepages", "--long-mode", "--longmode", "--pae",
  "--vtx-vpid", "--vtxvpid", "--vtx-ux", "--vtxux", "--nested-hw-virt",
  "--triple-fault-reset", "--triplefaultreset", "--cpuid-set", "--cpuidset",
  "--cpuid-remove", "--cpuidremove", "--cpuid-remove-all", "--cpuidremoveall",
  "--spec-ctrl", "--ibpb-on-vm-exit", "--ibpb-on-vm-entry",
  "--l1d-flush-on-sched", "--l1d-flush-on-vm-entry", "--mds-clear-on-sched",
  "--mds-clear-on-vm-entry", "--virt-vmsave-vmload",
  NULL
};

/* How each attachment shows (VIRTUALBOX.md §7): the machine-readable line
 * naming its target, the nicN value, and the readable form. */
typedef struct
{
  const char *attachment;   /* the engine's "attachment" */
  const char *mr_key;       /* "bridgeadapter", or NULL for no line */
  const char *target_key;   /* the adapter dictionary key of the target */
  const char *mr_value;     /* nicN="..." */
  const char *readable;     /* "Bridged Interface", then " '<target>'" */
} AttachmentFormat;

static const AttachmentFormat attachment_formats[] = {
  { "null", NULL, NULL, "null", "none" },
  { "nat", "natnet", "natnet", "nat", "NAT" },
  { "bridged", "bridgeadapter", "bridge-adapter", "bridged",
    "Bridged Interface" },
  { "intnet", "intnet", "intnet", "intnet", "Internal Network" },
  { "hostonly", "hostonlyadapter", "hostonly-adapter", "hostonly",
    "Host-only Interface" },
  { "generic", "generic", "generic-driver", "Generic", "Generic" },
  { "natnetwork", "nat-network", "nat-network", "natnetwork", "NAT Network" },
};

static const AttachmentFormat *
find_attachment_format (const char *attachment)
{
  for (gsize i = 0; i < G_N_ELEMENTS (attachment_formats); i++)
    if (g_str_equal (attachment_formats[i].attachment, attachment))
      return &attachment_formats[i];
  return NULL;
}

/* Takes the single positional argument (the VM) and options of @options. */
typedef void (*OptionFunc) (const WbManageArg *arg,
                            gpointer           user_data);

static gboolean
parse_vm_command (int                    argc,
                  char                 **argv,
                  const WbManageOption  *options,
                  const char * const    *unsupported,
                  OptionFunc             func,
                  gpointer               user_data,
                  const char           **vm,
                  GError               **error)
{
  g_auto(WbManageArgs) args = { 0 };
  WbManageArg arg;

  *vm = NULL;
  _wb_manage_args_init (&args, argc - 1, argv + 1, options, unsupported);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option != NULL)
        func (&arg, user_data);
      else if (*vm == NULL)
        *vm = arg.value;
      else
        return _wb_manage_syntax_error (error, "unexpected argument '%s'",
                                        arg.value);
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (*vm == NULL)
    return _wb_manage_syntax_error (error, "%s needs a VM name or UUID",
                                    argv[0]);
  return TRUE;
}

/* createvm --name N [--register] [--basefolder PATH] [--ostype TYPE] */

typedef struct
{
  const char *name;
  const char *basefolder;
  gboolean    do_register;
} CreateVm;

gboolean
_wb_manage_createvm (int      argc,
                     char   **argv,
                     GError **error)
{
  static const WbManageOption options[] = {
    { "--name", NULL, "name", WB_MANAGE_OPTION_VALUE, "<name>" },
    { "--register", NULL, "register", WB_MANAGE_OPTION_FLAG, NULL },
    { "--basefolder", "--base-folder", "basefolder", WB_MANAGE_OPTION_VALUE,
      "<path>" },
    /* Accepted and ignored: Wirebox guests have no OS type. */
    { "--ostype", "--os-type", "ostype", WB_MANAGE_OPTION_VALUE, "<ostype>" },
    { NULL }
  };
  static const char * const unsupported[] = {
    "--groups", "--uuid", "--default", "--cipher", "--password-id",
    "--password", "--platform-architecture", "--platform-arch", NULL
  };
  g_auto(WbManageArgs) args = { 0 };
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *home = NULL;
  g_autofree char *file_name = NULL;
  g_autofree char *folder_name = NULL;
  g_autofree char *settings = NULL;
  WbManageArg arg;
  CreateVm create = { NULL };

  _wb_manage_args_init (&args, argc - 1, argv + 1, options, unsupported);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option == NULL)
        return _wb_manage_syntax_error (error, "unexpected argument '%s'",
                                        arg.value);
      if (g_str_equal (arg.option->key, "name"))
        create.name = arg.value;
      else if (g_str_equal (arg.option->key, "register"))
        create.do_register = TRUE;
      else if (g_str_equal (arg.option->key, "basefolder"))
        create.basefolder = arg.value;
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (create.name == NULL)
    return _wb_manage_syntax_error (error, "createvm needs --name");

  engine = _wb_manage_connect (error);
  if (engine == NULL ||
      !wb_dbus_engine_call_create_vm_sync (engine, create.name,
                                           create.do_register, &uuid,
                                           NULL, error))
    return FALSE;

  /* Informational, as VBoxManage prints it; Wirebox writes no such file.
   * A slash cannot be part of a file name. */
  folder_name = g_strdelimit (g_strdup (create.name), "/", '_');
  file_name = g_strconcat (folder_name, ".vbox", NULL);
  if (create.basefolder == NULL)
    home = wb_home_get_dir ();
  settings = g_build_filename (create.basefolder != NULL ? create.basefolder : home,
                               folder_name, file_name, NULL);

  g_print ("Virtual machine '%s' is created%s.\n"
           "UUID: %s\n"
           "Settings file: '%s'\n",
           create.name, create.do_register ? " and registered" : "",
           uuid, settings);
  return TRUE;
}

/* unregistervm VM [--delete] */

static void
on_unregistervm_option (const WbManageArg *arg,
                        gpointer           user_data)
{
  gboolean *delete_files = user_data;

  *delete_files = TRUE;
}

gboolean
_wb_manage_unregistervm (int      argc,
                         char   **argv,
                         GError **error)
{
  static const WbManageOption options[] = {
    { "--delete", "--delete-all", "delete", WB_MANAGE_OPTION_FLAG, NULL },
    { NULL }
  };
  g_autoptr(WbDBusEngine) engine = NULL;
  gboolean delete_files = FALSE;
  const char *vm;

  if (!parse_vm_command (argc, argv, options, NULL, on_unregistervm_option,
                         &delete_files, &vm, error))
    return FALSE;

  engine = _wb_manage_connect (error);
  return engine != NULL &&
         wb_dbus_engine_call_delete_vm_sync (engine, vm, delete_files, NULL,
                                             error);
}

/* showvminfo VM [--machinereadable|--details] */

/* The GetNicStats entry of adapter @slot, or NULL. */
static GVariant *
lookup_stats_entry (GVariant *stats,
                    guint32   slot)
{
  GVariant *entry;
  GVariantIter iter;

  if (stats == NULL)
    return NULL;
  g_variant_iter_init (&iter, stats);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      if (_wb_manage_lookup_uint (entry, "slot") == slot)
        return entry;
      g_variant_unref (entry);
    }
  return NULL;
}

/* ": not bound: REASON" for a rule of a running VM whose socket is not
 * bound (GetNicStats "rules"), else "". */
static char *
format_rule_state (GVariant   *states,
                   const char *rule)
{
  GVariantIter iter;
  const char *name, *state, *reason;

  if (states == NULL)
    return g_strdup ("");
  g_variant_iter_init (&iter, states);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &name, &state, &reason))
    if (g_str_equal (name, rule) && !g_str_equal (state, "bound"))
      return g_strdup_printf (": %s: %s", state, reason);
  return g_strdup ("");
}

/* @stats: GetNicStats of the running VM (readable form only), or NULL. */
static void
append_rules (GString    *out,
              GVariant   *adapter,
              GVariant   *stats,
              guint32     slot,
              gboolean    machine_readable)
{
  g_autoptr(GVariant) entry = lookup_stats_entry (stats, slot);
  g_autoptr(GVariant) states = entry != NULL ? _wb_manage_lookup_value (entry, "rules", "a(sss)")
                                             : NULL;
  g_autoptr(GVariant) rules = _wb_manage_lookup_value (adapter, "rules",
                                                       "a(sssqsq)");
  GVariantIter iter;
  const char *name, *proto, *host_ip, *guest_ip;
  guint16 host_port, guest_port;
  guint index = 0;

  if (rules == NULL)
    return;

  g_variant_iter_init (&iter, rules);
  while (g_variant_iter_next (&iter, "(&s&s&sq&sq)", &name, &proto, &host_ip,
                              &host_port, &guest_ip, &guest_port))
    {
      if (machine_readable)
        {
          g_autofree char *key = g_strdup_printf ("Forwarding(%u)", index);

          _wb_manage_append_mr_printf (out, key, "%s,%s,%s,%u,%s,%u",
                                       name, proto, host_ip, host_port,
                                       guest_ip, guest_port);
        }
      else
        {
          g_autofree char *label = g_strdup_printf ("NIC %u Rule(%u):",
                                                    slot, index);
          g_autofree char *state = format_rule_state (states, name);

          _wb_manage_append_field (out, VM_COLUMN, label,
                                   "name = %s, protocol = %s, host ip = %s, "
                                   "host port = %u, guest ip = %s, "
                                   "guest port = %u%s",
                                   name, proto, host_ip, host_port,
                                   guest_ip, guest_port, state);
        }
      index++;
    }
}

/* "Generic 'UDPTunnel' { sport='4444', dport='4445' }", as VBoxManage. */
static char *
format_generic_attachment (GVariant   *adapter,
                           const char *driver)
{
  g_autoptr(GVariant) properties =
    _wb_manage_lookup_value (adapter, "generic-properties", "a(ss)");
  GString *text = g_string_new (NULL);
  GVariantIter iter;
  const char *name, *value;
  gboolean first = TRUE;

  g_string_printf (text, "Generic '%s'", driver);
  if (properties == NULL || g_variant_n_children (properties) == 0)
    return g_string_free (text, FALSE);

  g_string_append (text, " {");
  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_next (&iter, "(&s&s)", &name, &value))
    {
      g_string_append_printf (text, "%s %s='%s'", first ? "" : ",",
                              name, value);
      first = FALSE;
    }
  g_string_append (text, " }");
  return g_string_free (text, FALSE);
}

/* keyN="value" */
static void
append_slot_mr (GString    *out,
                const char *key,
                guint32     slot,
                const char *value)
{
  g_autofree char *name = g_strdup_printf ("%s%u", key, slot);

  _wb_manage_append_mr (out, name, value);
}

static void
append_adapter_machine_readable (GString                *out,
                                 GVariant               *adapter,
                                 guint32                 slot,
                                 const char             *attachment,
                                 const AttachmentFormat *format)
{
  g_autofree char *speed = g_strdup_printf ("%u", _wb_manage_lookup_uint (adapter, "speed"));
  gboolean nat = g_str_equal (attachment, "nat");

  if (format != NULL && format->mr_key != NULL)
    {
      const char *target = _wb_manage_lookup_string (adapter,
                                                     format->target_key);

      /* natnetN is "nat" unless --natnet moved the NAT engine's network. */
      if (nat && *target == '\0')
        target = "nat";
      append_slot_mr (out, format->mr_key, slot, target);
    }

  append_slot_mr (out, "macaddress", slot,
                  _wb_manage_lookup_string (adapter, "mac"));
  append_slot_mr (out, "cableconnected", slot,
                  _wb_manage_on_off (_wb_manage_lookup_boolean (adapter, "cable")));
  append_slot_mr (out, "nic", slot,
                  format != NULL ? format->mr_value : "unknown");
  append_slot_mr (out, "nictype", slot,
                  _wb_manage_lookup_string (adapter, "type"));
  append_slot_mr (out, "nicspeed", slot, speed);

  if (nat)
    {
      _wb_manage_append_mr_printf (out, "mtu", "%u",
                                   _wb_manage_lookup_uint (adapter, "nat-mtu"));
      _wb_manage_append_mr (out, "sockSnd", "64");
      _wb_manage_append_mr (out, "sockRcv", "64");
      _wb_manage_append_mr (out, "tcpWndSnd", "64");
      _wb_manage_append_mr (out, "tcpWndRcv", "64");
      append_rules (out, adapter, NULL, slot, TRUE);
    }
}

static void
append_adapter_readable (GString                *out,
                         GVariant               *adapter,
                         GVariant               *stats,
                         guint32                 slot,
                         const char             *attachment,
                         const AttachmentFormat *format)
{
  g_autofree char *label = g_strdup_printf ("NIC %u:", slot);
  g_autofree char *shown = NULL;
  g_autofree char *localhost = NULL;
  const char *trace_file = _wb_manage_lookup_string (adapter, "trace-file");
  gboolean nat = g_str_equal (attachment, "nat");

  if (format == NULL)
    shown = g_strdup ("unknown");
  else if (g_str_equal (attachment, "generic"))
    shown = format_generic_attachment (adapter,
                                       _wb_manage_lookup_string (adapter, format->target_key));
  else if (format->mr_key == NULL || nat)
    shown = g_strdup (format->readable);
  else
    shown = g_strdup_printf ("%s '%s'", format->readable,
                             _wb_manage_lookup_string (adapter, format->target_key));

  /* Not in VBoxManage's line: Wirebox shows it, as the GUI does. */
  if (nat)
    localhost = g_strdup_printf (", Localhost reachable: %s",
                                 _wb_manage_on_off (_wb_manage_lookup_boolean (adapter, "nat-localhost-reachable")));

  _wb_manage_append_field (out, VM_COLUMN, label,
                           "MAC: %s, Attachment: %s, Cable connected: %s, "
                           "Trace: %s (file: %s), Type: %s, "
                           "Reported speed: %u Mbps, Boot priority: 0, "
                           "Promisc Policy: %s, Bandwidth group: none%s",
                           _wb_manage_lookup_string (adapter, "mac"),
                           shown,
                           _wb_manage_on_off (_wb_manage_lookup_boolean (adapter, "cable")),
                           _wb_manage_on_off (_wb_manage_lookup_boolean (adapter, "trace")),
                           *trace_file != '\0' ? trace_file : "none",
                           _wb_manage_lookup_string (adapter, "type"),
                           _wb_manage_lookup_uint (adapter, "speed") / 1000,
                           _wb_manage_lookup_string (adapter, "promisc"),
                           localhost != NULL ? localhost : "");
  if (nat)
    append_rules (out, adapter, stats, slot, FALSE);
}

/* Not in VBoxManage: the guest's own settings of this interface,
 * "IP 192.168.23.2/24 (static), gateway 192.168.23.1, MTU 1500,
 * masquerade off". */
static void
append_adapter_guest (GString  *out,
                      GVariant *adapter,
                      guint32   slot)
{
  g_autofree char *label = g_strdup_printf ("NIC %u Guest:", slot);
  g_autofree char *address = NULL;
  const char *gateway = _wb_manage_lookup_string (adapter, "guest-gateway");
  gboolean dhcp = _wb_manage_lookup_boolean (adapter, "guest-dhcp");
  guint32 mtu = _wb_manage_lookup_uint (adapter, "guest-mtu");

  if (dhcp)
    address = g_strdup ("from DHCP");
  else
    address = g_strdup_printf ("%s (static)",
                               _wb_manage_lookup_string (adapter, "guest-address"));
  /* A static gateway overrides the DHCP server's router. */
  if (*gateway == '\0')
    gateway = dhcp ? "from DHCP" : "none";

  _wb_manage_append_field (out, VM_COLUMN, label,
                           "IP %s, gateway %s, MTU %u, masquerade %s",
                           address, gateway, mtu != 0 ? mtu : 1500,
                           _wb_manage_on_off (_wb_manage_lookup_boolean (adapter, "masquerade")));
}

/* The counters of a running VM's adapter, from GetNicStats: "in 12 frames
 * / 1400 bytes, out 10 frames / 1200 bytes, dropped: oversize 2". */
static void
append_adapter_stats (GString  *out,
                      GVariant *stats,
                      guint32   slot)
{
  g_autoptr(GVariant) entry = lookup_stats_entry (stats, slot);
  g_autoptr(GVariant) drops = NULL;
  g_autoptr(GString) dropped = g_string_new (NULL);
  g_autofree char *label = g_strdup_printf ("NIC %u Stats:", slot);
  GVariantIter iter;
  const char *reason;
  guint64 count;

  if (entry == NULL)
    return;

  drops = _wb_manage_lookup_value (entry, "drops", "a{st}");
  if (drops != NULL)
    {
      g_variant_iter_init (&iter, drops);
      while (g_variant_iter_next (&iter, "{&st}", &reason, &count))
        if (count > 0)
          g_string_append_printf (dropped, "%s%s %" G_GUINT64_FORMAT,
                                  dropped->len > 0 ? ", " : "", reason, count);
    }

  _wb_manage_append_field (out, VM_COLUMN, label,
                           "in %" G_GUINT64_FORMAT " frames / %" G_GUINT64_FORMAT " bytes, "
                           "out %" G_GUINT64_FORMAT " frames / %" G_GUINT64_FORMAT " bytes, "
                           "dropped: %s",
                           _wb_manage_lookup_uint64 (entry, "frames-in"),
                           _wb_manage_lookup_uint64 (entry, "bytes-in"),
                           _wb_manage_lookup_uint64 (entry, "frames-out"),
                           _wb_manage_lookup_uint64 (entry, "bytes-out"),
                           dropped->len > 0 ? dropped->str : "none");
}

/* Not in VBoxManage: the guest's settings that are not an interface's,
 * "IP forwarding on, services tcp:22 ssh, tcp:80 http". */
static void
append_guest (GString  *out,
              GVariant *info)
{
  g_autoptr(GVariant) services = _wb_manage_lookup_value (info, "services",
                                                          "a(qs)");
  g_autoptr(GString) list = g_string_new (NULL);
  GVariantIter iter;
  const char *kind;
  guint16 port;

  if (services != NULL)
    {
      g_variant_iter_init (&iter, services);
      while (g_variant_iter_next (&iter, "(q&s)", &port, &kind))
        g_string_append_printf (list, "%stcp:%u %s", list->len > 0 ? ", " : "",
                                port, kind);
    }

  _wb_manage_append_field (out, VM_COLUMN, "Guest:",
                           "IP forwarding %s, services %s",
                           _wb_manage_on_off (_wb_manage_lookup_boolean (info, "ip-forward")),
                           list->len > 0 ? list->str : "none");
}

/* @stats: GetNicStats of the VM when it runs, else NULL. */
static void
append_vm_info (GString  *out,
                GVariant *info,
                GVariant *stats,
                gboolean  machine_readable)
{
  g_autoptr(GVariant) adapters = _wb_manage_lookup_value (info, "adapters",
                                                          "aa{sv}");
  const char *state = _wb_manage_lookup_string (info, "state");
  gsize n_adapters = adapters != NULL ? g_variant_n_children (adapters) : 0;

  if (machine_readable)
    {
      _wb_manage_append_mr (out, "name", _wb_manage_lookup_string (info, "name"));
      _wb_manage_append_mr (out, "UUID", _wb_manage_lookup_string (info, "uuid"));
      _wb_manage_append_mr (out, "VMState", state);
    }
  else
    {
      _wb_manage_append_field (out, VM_COLUMN, "Name:", "%s",
                               _wb_manage_lookup_string (info, "name"));
      _wb_manage_append_field (out, VM_COLUMN, "UUID:", "%s",
                               _wb_manage_lookup_string (info, "uuid"));
      _wb_manage_append_field (out, VM_COLUMN, "State:", "%s",
                               g_str_equal (state, "poweroff") ? "powered off" : state);
    }

  for (gsize i = 0; i < n_adapters; i++)
    {
      g_autoptr(GVariant) adapter = g_variant_get_child_value (adapters, i);
      guint32 slot = _wb_manage_lookup_uint (adapter, "slot");
      const char *attachment = _wb_manage_lookup_string (adapter, "attachment");
      const AttachmentFormat *format = find_attachment_format (attachment);

      if (slot == 0)
        slot = (guint32) i + 1;

      if (!_wb_manage_lookup_boolean (adapter, "enabled"))
        {
          g_autofree char *label = g_strdup_printf ("NIC %u:", slot);

          if (machine_readable)
            append_slot_mr (out, "nic", slot, "none");
          else
            _wb_manage_append_field (out, VM_COLUMN, label, "disabled");
        }
      else if (machine_readable)
        append_adapter_machine_readable (out, adapter, slot, attachment, format);
      else
        {
          append_adapter_readable (out, adapter, stats, slot, attachment, format);
          append_adapter_guest (out, adapter, slot);
          if (stats != NULL)
            append_adapter_stats (out, stats, slot);
        }
    }

  if (!machine_readable)
    append_guest (out, info);
}

/* GetVm, and GetNicStats if the VM runs, appended as showvminfo shows
 * them. */
static gboolean
append_vm_details (GString       *out,
                   WbDBusEngine  *engine,
                   const char    *vm,
                   gboolean       machine_readable,
                   GError       **error)
{
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!wb_dbus_engine_call_get_vm_sync (engine, vm, &info, NULL, error))
    return FALSE;

  if (!machine_readable &&
      g_str_equal (_wb_manage_lookup_string (info, "state"), "running") &&
      !wb_dbus_engine_call_get_nic_stats_sync (engine,
                                               _wb_manage_lookup_string (info, "uuid"),
                                               &stats, NULL, &local_error))
    {
      /* Powered off between the two calls: shown as it was, without its
       * counters. */
      if (!g_error_matches (local_error, WB_ERROR, WB_ERROR_BUSY))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  append_vm_info (out, info, stats, machine_readable);
  return TRUE;
}

static void
on_showvminfo_option (const WbManageArg *arg,
                      gpointer           user_data)
{
  gboolean *machine_readable = user_data;

  if (g_str_equal (arg->option->key, "machinereadable"))
    *machine_readable = TRUE;
}

gboolean
_wb_manage_showvminfo (int      argc,
                       char   **argv,
                       GError **error)
{
  static const WbManageOption options[] = {
    { "--machinereadable", NULL, "machinereadable", WB_MANAGE_OPTION_FLAG,
      NULL },
    { "--details", NULL, "details", WB_MANAGE_OPTION_FLAG, NULL },
    { NULL }
  };
  static const char * const unsupported[] = {
    "--log", "--password-id", "--password", NULL
  };
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean machine_readable = FALSE;
  const char *vm;

  if (!parse_vm_command (argc, argv, options, unsupported,
                         on_showvminfo_option, &machine_readable, &vm, error))
    return FALSE;

  engine = _wb_manage_connect (error);
  if (engine == NULL ||
      !append_vm_details (out, engine, vm, machine_readable, error))
    return FALSE;

  _wb_manage_print (out);
  return TRUE;
}

/* list [--long] [--sorted] vms|runningvms */

static int
compare_vm_names (gconstpointer a,
                  gconstpointer b)
{
  const char *name_a, *name_b;

  g_variant_get_child (*(GVariant * const *) a, 0, "&s", &name_a);
  g_variant_get_child (*(GVariant * const *) b, 0, "&s", &name_b);
  return strcmp (name_a, name_b);
}

/* @vms: (name, uuid) pairs, as ListVms and ListRunningVms give them. */
static gboolean
append_vm_list (WbDBusEngine  *engine,
                GVariant      *vms,
                gboolean       long_format,
                gboolean       sorted,
                GString       *out,
                GError       **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  gsize n;

  n = g_variant_n_children (vms);
  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (entries, g_variant_get_child_value (vms, i));
  if (sorted)
    g_ptr_array_sort (entries, compare_vm_names);

  for (guint i = 0; i < entries->len; i++)
    {
      const char *name, *uuid;

      g_variant_get (entries->pdata[i], "(&s&s)", &name, &uuid);
      if (long_format)
        {
          if (!append_vm_details (out, engine, uuid, FALSE, error))
            return FALSE;
          g_string_append_c (out, '\n');
        }
      else
        g_string_append_printf (out, "\"%s\" {%s}\n", name, uuid);
    }

  return TRUE;
}

gboolean
_wb_manage_list_vms (WbDBusEngine  *engine,
                     gboolean       long_format,
                     gboolean       sorted,
                     GString       *out,
                     GError       **error)
{
  g_autoptr(GVariant) vms = NULL;

  return wb_dbus_engine_call_list_vms_sync (engine, &vms, NULL, error) &&
         append_vm_list (engine, vms, long_format, sorted, out, error);
}

gboolean
_wb_manage_list_running_vms (WbDBusEngine  *engine,
                             gboolean       long_format,
                             gboolean       sorted,
                             GString       *out,
                             GError       **error)
{
  g_autoptr(GVariant) vms = NULL;

  return wb_dbus_engine_call_list_running_vms_sync (engine, &vms, NULL, error) &&
         append_vm_list (engine, vms, long_format, sorted, out, error);
}

/* modifyvm VM OPTIONS... and guestconfig VM OPTIONS...: one (key, slot,
 * value) triple per option, sent in one call; the engine applies them in
 * order, all or nothing. */

static void
on_change_option (const WbManageArg *arg,
                  gpointer           user_data)
{
  GVariantBuilder *changes = user_data;
  g_autofree char *key = _wb_manage_arg_key (arg);

  g_variant_builder_add (changes, "(sus)", key, arg->slot, arg->value);
}

gboolean
_wb_manage_modifyvm (int      argc,
                     char   **argv,
                     GError **error)
{
  g_auto(GVariantBuilder) changes = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sus)"));
  g_autoptr(WbDBusEngine) engine = NULL;
  const char *vm;

  if (!parse_vm_command (argc, argv, _wb_manage_modifyvm_options,
                         modifyvm_unsupported, on_change_option, &changes,
                         &vm, error))
    return FALSE;

  engine = _wb_manage_connect (error);
  return engine != NULL &&
         wb_dbus_engine_call_modify_vm_sync (engine, vm,
                                             g_variant_builder_end (&changes),
                                             NULL, error);
}

gboolean
_wb_manage_guestconfig (int      argc,
                        char   **argv,
                        GError **error)
{
  g_auto(GVariantBuilder) changes = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sus)"));
  g_autoptr(WbDBusEngine) engine = NULL;
  const char *vm;

  if (!parse_vm_command (argc, argv, _wb_manage_guestconfig_options, NULL,
                         on_change_option, &changes, &vm, error))
    return FALSE;

  engine = _wb_manage_connect (error);
  return engine != NULL &&
         wb_dbus_engine_call_configure_guest_sync (engine, vm,
                                                   g_variant_builder_end (&changes),
                                                   NULL, error);
}

/* startvm VM... [--type TYPE]: each VM in turn; VBoxManage goes on after a
 * failure and exits 1 at the end. */

gboolean
_wb_manage_startvm (int      argc,
                    char   **argv,
                    GError **error)
{
  static const WbManageOption options[] = {
    { "--type", NULL, "type", WB_MANAGE_OPTION_VALUE,
      "gui|headless|sdl|separate" },
    { NULL }
  };
  static const char * const unsupported[] = {
    "--putenv", "-E", "--password", "--password-id", NULL
  };
  g_auto(WbManageArgs) args = { 0 };
  g_autoptr(GPtrArray) vms = g_ptr_array_new ();
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autoptr(GError) failure = NULL;
  WbManageArg arg;
  /* VBoxManage's default; every type runs the same in Wirebox. */
  const char *type = "gui";

  _wb_manage_args_init (&args, argc - 1, argv + 1, options, unsupported);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option == NULL)
        g_ptr_array_add (vms, (gpointer) arg.value);
      else
        type = arg.value;
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (vms->len == 0)
    return _wb_manage_syntax_error (error, "startvm needs a VM name or UUID");

  engine = _wb_manage_connect (error);
  if (engine == NULL)
    return FALSE;

  for (guint i = 0; i < vms->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      const char *vm = vms->pdata[i];

      /* StartVm returns once the VM runs: both lines at once, so that a
       * refusal prints nothing but its error. */
      if (wb_dbus_engine_call_start_vm_sync (engine, vm, type, NULL,
                                             &local_error))
        {
          g_print ("Waiting for VM \"%s\" to power on...\n"
                   "VM \"%s\" has been successfully started.\n", vm, vm);
          continue;
        }
      if (failure != NULL)
        _wb_manage_report_error (failure);
      g_clear_error (&failure);
      failure = g_steal_pointer (&local_error);
    }

  if (failure != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&failure));
      return FALSE;
    }
  return TRUE;
}

/* controlvm VM ACTION [ARGS...] */

typedef struct
{
  const char *name;      /* as written, without the slot; the engine's key */
  gboolean    slot;      /* the adapter number follows the name */
  guint       min_args;
  guint       max_args;
} ControlVmAction;

static const ControlVmAction controlvm_actions[] = {
  { "poweroff", FALSE, 0, 0 },
  { "reset", FALSE, 0, 0 },
  { "nic", TRUE, 1, 2 },
  { "setlinkstate", TRUE, 1, 1 },
  { "nicpromisc", TRUE, 1, 1 },
  { "nictrace", TRUE, 1, 1 },
  { "nictracefile", TRUE, 1, 1 },
  { "nicproperty", TRUE, 1, 1 },
  { "natpf", TRUE, 1, 2 },      /* RULE, or delete NAME */
};

/* The other actions of VBoxManage controlvm (VirtualBox 7), without their
 * slot numbers. */
static const char * const controlvm_unsupported[] = {
  "pause", "resume", "savestate", "acpipowerbutton", "acpisleepbutton",
  "reboot", "shutdown", "keyboardputscancode", "keyboardputstring",
  "keyboardputfile", "guestmemoryballoon", "usbattach",
  "usbdetach", "audioin", "audioout", "clipboard", "draganddrop", "vrde",
  "vrdeport", "vrdeproperty", "vrdevideochannelquality", "vrdp", "vrdpport",
  "setvideomodehint", "setscreenlayout", "screenshotpng", "recording",
  "setcredentials", "teleport", "plugcpu", "unplugcpu", "cpuexecutioncap",
  "vm-process-priority", "webcam", "addencpassword", "removeencpassword",
  "removeallencpasswords", "changeuartmode", "autostart-enabled",
  "autostart-delay",
  NULL
};

static const ControlVmAction *
find_controlvm_action (const char  *written,
                       guint32     *slot,
                       GError     **error)
{
  g_autofree char *stem = g_strdup (written);
  g_autofree char *what = g_strconcat ("controlvm ", written, NULL);
  gsize len = strlen (stem);

  *slot = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (controlvm_actions); i++)
    {
      const ControlVmAction *action = &controlvm_actions[i];

      if (action->slot ? _wb_manage_match_slot (written, action->name, slot)
                       : g_str_equal (written, action->name))
        return action;
      if (action->slot && g_str_equal (written, action->name))
        {
          _wb_manage_syntax_error (error,
                                   "'%s' needs an adapter number, e.g. '%s1'",
                                   written, written);
          return NULL;
        }
    }

  while (len > 0 && g_ascii_isdigit (stem[len - 1]))
    stem[--len] = '\0';
  if (g_strv_contains (controlvm_unsupported, stem))
    _wb_manage_not_supported (error, what);
  else
    _wb_manage_syntax_error (error, "unknown controlvm action '%s'", written);
  return NULL;
}

gboolean
_wb_manage_controlvm (int      argc,
                      char   **argv,
                      GError **error)
{
  g_auto(WbManageArgs) args = { 0 };
  g_autoptr(GPtrArray) words = g_ptr_array_new_null_terminated (argc, NULL, TRUE);
  g_autoptr(WbDBusEngine) engine = NULL;
  const ControlVmAction *action;
  WbManageArg arg;
  const char *vm;
  guint32 slot;
  guint n_args;

  _wb_manage_args_init (&args, argc - 1, argv + 1, NULL, NULL);
  while (_wb_manage_args_next (&args, &arg))
    {
      g_ptr_array_add (words, (gpointer) arg.value);
      /* After the action, its arguments as they are ("nictracefile1 -x"). */
      if (words->len == 2)
        args.positional_only = TRUE;
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (words->len == 0)
    return _wb_manage_syntax_error (error, "controlvm needs a VM name or UUID");
  if (words->len == 1)
    return _wb_manage_syntax_error (error,
                                    "controlvm needs an action, e.g. 'poweroff'");

  vm = words->pdata[0];
  action = find_controlvm_action (words->pdata[1], &slot, error);
  if (action == NULL)
    return FALSE;
  n_args = words->len - 2;
  if (n_args < action->min_args)
    return _wb_manage_syntax_error (error, "'%s' needs a value",
                                    (const char *) words->pdata[1]);
  if (n_args > action->max_args)
    return _wb_manage_syntax_error (error, "unexpected argument '%s'",
                                    (const char *) words->pdata[2 + action->max_args]);

  engine = _wb_manage_connect (error);
  if (engine == NULL ||
      !wb_dbus_engine_call_control_vm_sync (engine, vm, action->name, slot,
                                            (const char * const *) words->pdata + 2,
                                            NULL, error))
    return FALSE;

  /* VBoxManage's progress line, on stderr as it writes it. */
  if (g_str_equal (action->name, "poweroff"))
    g_printerr ("0%%...10%%...20%%...30%%...40%%...50%%...60%%...70%%...80%%...90%%...100%%\n");
  return TRUE;
}

/* A number of milliseconds, as VBoxManage's --timeout takes it. */
static gboolean
parse_msec (const WbManageArg  *arg,
            guint32            *msec,
            GError            **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (arg->value, 10, 0, G_MAXUINT32, &value,
                                   NULL))
    return _wb_manage_syntax_error (error,
                                    "option '%s' needs a number of milliseconds, not '%s'",
                                    arg->name, arg->value);
  *msec = (guint32) value;
  return TRUE;
}

/* guestcontrol VM run [OPTIONS] [--] PROGRAM [ARGS...] */

static const char * const guestcontrol_unsupported_subcommands[] = {
  "start", "copyfrom", "copyto", "mkdir", "rmdir", "rm", "mv", "mktemp",
  "stat", "fsinfo", "list", "closeprocess", "closesession", "updatega",
  "updateguestadditions", "watch", "waitrunlevel",
  NULL
};

gboolean
_wb_manage_guestcontrol (int      argc,
                         char   **argv,
                         GError **error)
{
  static const WbManageOption options[] = {
    { "--exe", NULL, "exe", WB_MANAGE_OPTION_VALUE, "<program>" },
    { "--timeout", NULL, "timeout", WB_MANAGE_OPTION_VALUE, "<msec>" },
    /* Accepted and ignored: a Wirebox guest has no accounts. */
    { "--username", "--user", "username", WB_MANAGE_OPTION_VALUE, "<name>" },
    { "--password", NULL, "password", WB_MANAGE_OPTION_VALUE, "<password>" },
    { "--passwordfile", NULL, "passwordfile", WB_MANAGE_OPTION_VALUE,
      "<file>" },
    { "--domain", NULL, "domain", WB_MANAGE_OPTION_VALUE, "<domain>" },
    { "--quiet", "-q", "quiet", WB_MANAGE_OPTION_FLAG, NULL },
    { "--verbose", "-v", "verbose", WB_MANAGE_OPTION_FLAG, NULL },
    { NULL }
  };
  static const char * const unsupported[] = {
    "--arg0", "--cwd", "--putenv", "-E", "--unquoted-args",
    "--ignore-orphaned-processes", "--profile", "--no-profile",
    "--dos2unix", "--unix2dos", "--wait-stdout", "--no-wait-stdout",
    "--wait-stderr", "--no-wait-stderr", NULL
  };
  g_auto(WbManageArgs) args = { 0 };
  g_autoptr(GPtrArray) program = g_ptr_array_new_null_terminated (argc, NULL, TRUE);
  g_autoptr(WbDBusEngine) engine = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *output = NULL;
  WbManageArg arg;
  const char *vm = NULL;
  const char *subcommand = NULL;
  const char *exe = NULL;
  guint32 timeout_ms = 0;
  int status;

  _wb_manage_args_init (&args, argc - 1, argv + 1, options, unsupported);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option != NULL)
        {
          if (g_str_equal (arg.option->key, "exe"))
            exe = arg.value;
          else if (g_str_equal (arg.option->key, "timeout") &&
                   !parse_msec (&arg, &timeout_ms, error))
            return FALSE;
        }
      else if (vm == NULL)
        vm = arg.value;
      else if (subcommand == NULL)
        {
          subcommand = arg.value;
          /* Another subcommand's options are not ours to judge. */
          if (!g_str_equal (subcommand, "run"))
            break;
        }
      else
        {
          /* As VBoxManage: options first; from the program on, all is
           * the program's. */
          g_ptr_array_add (program, (gpointer) arg.value);
          args.positional_only = TRUE;
        }
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (vm == NULL)
    return _wb_manage_syntax_error (error, "guestcontrol needs a VM name or UUID");
  if (subcommand == NULL)
    return _wb_manage_syntax_error (error, "guestcontrol needs a subcommand, e.g. 'run'");
  if (g_strv_contains (guestcontrol_unsupported_subcommands, subcommand))
    {
      g_autofree char *what = g_strconcat ("guestcontrol ", subcommand, NULL);

      return _wb_manage_not_supported (error, what);
    }
  if (!g_str_equal (subcommand, "run"))
    return _wb_manage_syntax_error (error, "unknown subcommand 'guestcontrol %s'",
                                    subcommand);
  /* --exe names the program; the words after it are its arguments. */
  if (exe != NULL)
    g_ptr_array_insert (program, 0, (gpointer) exe);
  if (program->len == 0)
    return _wb_manage_syntax_error (error, "'guestcontrol run' needs a program to run");

  engine = _wb_manage_connect (error);
  if (engine == NULL)
    return FALSE;
  /* G_MAXINT is GDBus's "no timeout", the default. */
  if (timeout_ms > 0 && timeout_ms < G_MAXINT)
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (engine), (int) timeout_ms);

  if (!wb_dbus_engine_call_guest_run_sync (engine, vm,
                                           (const char * const *) program->pdata,
                                           &status, &output, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_autofree char *message = g_strdup_printf ("'%s' did not finish within %u ms",
                                                      (const char *) program->pdata[0],
                                                      timeout_ms);

          return _wb_manage_exit (error, GUEST_RUN_TIMEOUT_STATUS, message);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  fputs (output, stdout);
  fflush (stdout);
  /* The program's own status (VBoxManage moves 1..93 up by 32; the issue
   * asks for the status itself). */
  if (status != 0)
    return _wb_manage_exit (error, status > 0 && status <= 255 ? status : 255,
                            NULL);
  return TRUE;
}

/* guestproperty get|enumerate|wait */

typedef struct
{
  const char         *name;
  guint               min_words;  /* after the subcommand, the VM first */
  guint               max_words;
  const char * const  options[3]; /* the option keys it takes */
} PropertyCommand;

static const PropertyCommand property_commands[] = {
  { "get", 2, 2, { "verbose" } },
  { "enumerate", 1, G_MAXUINT, { "patterns", "oldformat" } },
  { "wait", 2, 2, { "timeout", "failontimeout" } },
};

static const char * const property_unsupported_commands[] = {
  "set", "unset", "delete", NULL
};

/* Whether @name matches one of @patterns, each a glob or several joined
 * by '|' (RTStrSimplePatternMultiMatch); no patterns match everything. */
static gboolean
match_patterns (GPtrArray  *patterns,
                const char *name)
{
  if (patterns->len == 0)
    return TRUE;
  for (guint i = 0; i < patterns->len; i++)
    {
      g_auto(GStrv) alternatives = g_strsplit (patterns->pdata[i], "|", -1);

      for (guint j = 0; alternatives[j] != NULL; j++)
        if (g_pattern_match_simple (alternatives[j], name))
          return TRUE;
    }
  return FALSE;
}

static gboolean
guestproperty_get (WbDBusEngine  *engine,
                   const char    *vm,
                   const char    *name,
                   gboolean       verbose,
                   GError       **error)
{
  g_autoptr(GVariant) properties = NULL;
  const char *value;

  if (!wb_dbus_engine_call_get_guest_properties_sync (engine, vm, &properties,
                                                      NULL, error))
    return FALSE;

  if (!g_variant_lookup (properties, name, "&s", &value))
    g_print ("No value set!\n");
  else if (verbose)
    g_print ("Value: %s\nTimestamp: 0\nFlags: \n", value);
  else
    g_print ("Value: %s\n", value);
  return TRUE;
}

static gboolean
guestproperty_enumerate (WbDBusEngine  *engine,
                         const char    *vm,
                         GPtrArray     *patterns,
                         GError       **error)
{
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  GVariantIter iter;
  const char *name, *value;

  if (!wb_dbus_engine_call_get_guest_properties_sync (engine, vm, &properties,
                                                      NULL, error))
    return FALSE;

  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
    if (match_patterns (patterns, name))
      g_string_append_printf (out, "Name: %s, value: %s, timestamp: 0, flags: \n",
                              name, value);
  if (out->len == 0)
    g_string_append (out, "No properties found.\n");
  _wb_manage_print (out);
  return TRUE;
}

static gboolean
guestproperty_wait (WbDBusEngine  *engine,
                    const char    *vm,
                    const char    *pattern,
                    guint32        timeout_ms,
                    gboolean       fail_on_timeout,
                    GError       **error)
{
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  gboolean found;

  if (!wb_dbus_engine_call_wait_guest_property_sync (engine, vm, pattern,
                                                     timeout_ms, &found,
                                                     &name, &value, NULL,
                                                     error))
    return FALSE;

  if (!found)
    return _wb_manage_exit (error, fail_on_timeout ? 2 : 1,
                            "Time out or interruption while waiting for a notification.");
  g_print ("Name: %s, value: %s, flags: \n", name, value);
  return TRUE;
}

gboolean
_wb_manage_guestproperty (int      argc,
                          char   **argv,
                          GError **error)
{
  static const WbManageOption options[] = {
    { "--verbose", NULL, "verbose", WB_MANAGE_OPTION_FLAG, NULL },
    { "--patterns", NULL, "patterns", WB_MANAGE_OPTION_VALUE, "<patterns>" },
    /* Wirebox prints only the older format. */
    { "--old-format", NULL, "oldformat", WB_MANAGE_OPTION_FLAG, NULL },
    { "--timeout", NULL, "timeout", WB_MANAGE_OPTION_VALUE, "<msec>" },
    { "--fail-on-timeout", NULL, "failontimeout", WB_MANAGE_OPTION_FLAG,
      NULL },
    { NULL }
  };
  static const char * const unsupported[] = {
    "--no-timestamp", "--no-flags", "--relative", "--flags", NULL
  };
  g_auto(WbManageArgs) args = { 0 };
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  g_autoptr(GPtrArray) patterns = g_ptr_array_new ();
  g_autoptr(GPtrArray) given = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(WbDBusEngine) engine = NULL;
  const PropertyCommand *command = NULL;
  g_autofree char *what = NULL;
  WbManageArg arg;
  guint32 timeout_ms = G_MAXUINT32;
  gboolean verbose = FALSE;
  gboolean fail_on_timeout = FALSE;
  guint n_words;

  _wb_manage_args_init (&args, argc - 1, argv + 1, options, unsupported);
  while (_wb_manage_args_next (&args, &arg))
    {
      if (arg.option == NULL)
        {
          g_ptr_array_add (words, (gpointer) arg.value);
          continue;
        }
      /* Checked against the subcommand once it is known. */
      g_ptr_array_add (given, g_strdup (arg.option->key));
      g_ptr_array_add (given, g_strdup (arg.name));
      if (g_str_equal (arg.option->key, "verbose"))
        verbose = TRUE;
      else if (g_str_equal (arg.option->key, "patterns"))
        g_ptr_array_add (patterns, (gpointer) arg.value);
      else if (g_str_equal (arg.option->key, "failontimeout"))
        fail_on_timeout = TRUE;
      else if (g_str_equal (arg.option->key, "timeout") &&
               !parse_msec (&arg, &timeout_ms, error))
        return FALSE;
    }
  if (!_wb_manage_args_finish (&args, error))
    return FALSE;
  if (words->len == 0)
    return _wb_manage_syntax_error (error,
                                    "guestproperty needs get, enumerate or wait");

  what = g_strconcat ("guestproperty ", (const char *) words->pdata[0], NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (property_commands); i++)
    if (g_str_equal (property_commands[i].name, words->pdata[0]))
      command = &property_commands[i];
  if (command == NULL && g_strv_contains (property_unsupported_commands,
                                          words->pdata[0]))
    return _wb_manage_not_supported (error, what);
  if (command == NULL)
    return _wb_manage_syntax_error (error, "unknown subcommand '%s'", what);

  for (guint i = 0; i + 1 < given->len; i += 2)
    if (!g_strv_contains (command->options, given->pdata[i]))
      return _wb_manage_syntax_error (error, "'%s' takes no option '%s'",
                                      what, (const char *) given->pdata[i + 1]);
  n_words = words->len - 1;
  if (n_words == 0)
    return _wb_manage_syntax_error (error, "'%s' needs a VM name or UUID", what);
  if (n_words < command->min_words)
    return _wb_manage_syntax_error (error, "'%s' needs a %s", what,
                                    g_str_equal (command->name, "get") ? "property name"
                                                                       : "pattern");
  if (n_words > command->max_words)
    return _wb_manage_syntax_error (error, "unexpected argument '%s'",
                                    (const char *) words->pdata[1 + command->max_words]);

  engine = _wb_manage_connect (error);
  if (engine == NULL)
    return FALSE;

  if (g_str_equal (command->name, "get"))
    return guestproperty_get (engine, words->pdata[1], words->pdata[2],
                              verbose, error);
  if (g_str_equal (command->name, "enumerate"))
    {
      for (guint i = 2; i < words->len; i++)
        g_ptr_array_add (patterns, words->pdata[i]);
      return guestproperty_enumerate (engine, words->pdata[1], patterns, error);
    }
  return guestproperty_wait (engine, words->pdata[1], words->pdata[2],
                             timeout_ms, fail_on_timeout, error);
}
