/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The VM commands: createvm, unregistervm, list vms, showvminfo and the
 * network options of modifyvm (VIRTUALBOX.md §2, §7).
 */
#include "wb-manage-private.h"

#include <string.h>

#include "wb-home.h"

#define VM_COLUMN 29

/* Every network option of VIRTUALBOX.md §2, in both spellings. The engine
 * key is the older spelling without its dashes. */
const WbManageOption _wb_manage_modifyvm_options[] = {
#define SLOT_VALUE (WB_MANAGE_OPTION_VALUE | WB_MANAGE_OPTION_SLOT)
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
#undef SLOT_VALUE
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

static void
append_rules (GString    *out,
              GVariant   *adapter,
              guint32     slot,
              gboolean    machine_readable)
{
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

          _wb_manage_append_field (out, VM_COLUMN, label,
                                   "name = %s, protocol = %s, host ip = %s, "
                                   "host port = %u, guest ip = %s, "
                                   "guest port = %u",
                                   name, proto, host_ip, host_port,
                                   guest_ip, guest_port);
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
      append_rules (out, adapter, slot, TRUE);
    }
}

static void
append_adapter_readable (GString                *out,
                         GVariant               *adapter,
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
    append_rules (out, adapter, slot, FALSE);
}

static void
append_vm_info (GString  *out,
                GVariant *info,
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
        append_adapter_readable (out, adapter, slot, attachment, format);
    }
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
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GString) out = NULL;
  gboolean machine_readable = FALSE;
  const char *vm;

  if (!parse_vm_command (argc, argv, options, unsupported,
                         on_showvminfo_option, &machine_readable, &vm, error))
    return FALSE;

  engine = _wb_manage_connect (error);
  if (engine == NULL ||
      !wb_dbus_engine_call_get_vm_sync (engine, vm, &info, NULL, error))
    return FALSE;

  out = g_string_new (NULL);
  append_vm_info (out, info, machine_readable);
  _wb_manage_print (out);
  return TRUE;
}

/* list [--long] [--sorted] vms */

static int
compare_vm_names (gconstpointer a,
                  gconstpointer b)
{
  const char *name_a, *name_b;

  g_variant_get_child (*(GVariant * const *) a, 0, "&s", &name_a);
  g_variant_get_child (*(GVariant * const *) b, 0, "&s", &name_b);
  return strcmp (name_a, name_b);
}

gboolean
_wb_manage_list_vms (WbDBusEngine  *engine,
                     gboolean       long_format,
                     gboolean       sorted,
                     GString       *out,
                     GError       **error)
{
  g_autoptr(GVariant) vms = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  gsize n;

  if (!wb_dbus_engine_call_list_vms_sync (engine, &vms, NULL, error))
    return FALSE;

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
          g_autoptr(GVariant) info = NULL;

          if (!wb_dbus_engine_call_get_vm_sync (engine, uuid, &info, NULL,
                                                error))
            return FALSE;
          append_vm_info (out, info, FALSE);
          g_string_append_c (out, '\n');
        }
      else
        g_string_append_printf (out, "\"%s\" {%s}\n", name, uuid);
    }

  return TRUE;
}

/* modifyvm VM OPTIONS...: one (key, slot, value) triple per option, sent
 * in one call; the engine applies them in order, all or nothing. */

static void
on_modifyvm_option (const WbManageArg *arg,
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
                         modifyvm_unsupported, on_modifyvm_option, &changes,
                         &vm, error))
    return FALSE;

  engine = _wb_manage_connect (error);
  return engine != NULL &&
         wb_dbus_engine_call_modify_vm_sync (engine, vm,
                                             g_variant_builder_end (&changes),
                                             NULL, error);
}
