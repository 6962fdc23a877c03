/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The settings model: plain structs for VMs, adapters, NAT rules, NAT
 * networks, host-only interfaces and DHCP servers, with the parsing and
 * validation of every value a user can give (VIRTUALBOX.md §1-§5).
 *
 * Nothing here touches the store or D-Bus. Every parser takes untrusted text
 * and either fills its output or sets a WB_ERROR with a one-line message
 * that names the problem, leaving the output untouched.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WB_MAX_ADAPTERS      8
#define WB_NAME_MAX          255   /* characters, for VM and network names */
#define WB_RULE_NAME_MAX     64    /* characters, for port-forwarding rules */
#define WB_PATH_MAX          4096  /* bytes, for trace file paths */
#define WB_PROPERTY_MAX      1024  /* bytes, for generic driver properties */
#define WB_HOST_ONLY_IF_MAX  199   /* vboxnet0..vboxnet199: 192.168.56-255.1 */

typedef enum
{
  WB_ATTACHMENT_NULL,         /* "null": not attached */
  WB_ATTACHMENT_NAT,
  WB_ATTACHMENT_BRIDGED,
  WB_ATTACHMENT_INTNET,
  WB_ATTACHMENT_HOSTONLY,
  WB_ATTACHMENT_GENERIC,
  WB_ATTACHMENT_NATNETWORK,
  WB_N_ATTACHMENTS
} WbAttachment;

typedef enum
{
  WB_NIC_TYPE_AM79C970A,
  WB_NIC_TYPE_AM79C973,       /* the default */
  WB_NIC_TYPE_82540EM,
  WB_NIC_TYPE_82543GC,
  WB_NIC_TYPE_82545EM,
  WB_NIC_TYPE_VIRTIO,
  WB_N_NIC_TYPES
} WbNicType;

typedef enum
{
  WB_PROMISC_DENY,
  WB_PROMISC_ALLOW_VMS,
  WB_PROMISC_ALLOW_ALL,
  WB_N_PROMISC
} WbPromisc;

typedef enum
{
  WB_PROTO_UDP = 0,           /* the values of .vbox "proto" */
  WB_PROTO_TCP = 1,
} WbProto;

typedef struct
{
  char    *name;
  WbProto  proto;
  char    *host_ip;           /* "" = every interface */
  guint16  host_port;         /* 1..65535 */
  char    *guest_ip;          /* "" = the first DHCP lease (NAT only) */
  guint16  guest_port;        /* 1..65535 */
} WbNatRule;

typedef struct
{
  char *name;
  char *value;
} WbProperty;

typedef struct
{
  char  *address;             /* "127.0.0.1" */
  guint  offset;              /* host part inside the NAT network */
} WbLoopbackMap;

typedef struct
{
  guint         slot;         /* 1..WB_MAX_ADAPTERS */
  gboolean      enabled;
  WbAttachment  attachment;
  WbNicType     type;
  char          mac[13];      /* 12 upper-case hex digits */
  gboolean      cable_connected;
  WbPromisc     promisc;
  gboolean      trace;
  char         *trace_file;   /* never NULL; "" = none */
  guint32       speed_kbps;
  /* The target of every mode is remembered ("disabled modes"). Never NULL. */
  char         *intnet;
  char         *nat_network;
  char         *bridge_adapter;
  char         *hostonly_adapter;
  char         *generic_driver;
  GPtrArray    *generic_props;  /* WbProperty*, sorted by name */
  /* NAT engine settings of this adapter. */
  char         *natnet;       /* never NULL; "" = 10.0.(slot+1).0/24 */
  gboolean      nat_localhost_reachable;
  guint         nat_mtu;      /* 0 = default (1500) */
  GPtrArray    *nat_rules;    /* WbNatRule*, in the order added */
} WbAdapter;

/* What a real VM's operating system would hold for one interface
 * (DESIGN.md §4 "Guest settings"). */
typedef struct
{
  gboolean   dhcp;            /* TRUE (the default): address by DHCP */
  guint32    address;         /* static address (host order) when !dhcp */
  guint      prefix;          /* static prefix length when !dhcp */
  guint32    gateway;         /* static default gateway; 0 = none */
  guint      mtu;             /* 0 = 1500 */
  gboolean   masquerade;      /* source NAT of forwarded traffic leaving here */
} WbGuestIfConfig;

typedef enum
{
  WB_VM_SERVICE_SSH,
  WB_VM_SERVICE_HTTP,
  WB_VM_SERVICE_ECHO,
} WbVmServiceKind;

typedef struct
{
  guint16          port;
  WbVmServiceKind  kind;
} WbVmService;

typedef struct
{
  gint64     id;              /* store row id; 0 before it is stored */
  char      *uuid;
  char      *name;
  gboolean   registered;
  gboolean   running;
  WbAdapter  adapters[WB_MAX_ADAPTERS];   /* adapters[i].slot == i + 1 */
  /* Guest settings: per adapter (same index), then the whole guest. */
  WbGuestIfConfig guest[WB_MAX_ADAPTERS];
  gboolean   ip_forward;
  GArray    *services;        /* WbVmService, sorted by port; default ssh:22, http:80 */
} WbVm;

typedef struct
{
  char       *name;
  char       *network;        /* normalised CIDR "a.b.c.d/p" */
  gboolean    enabled;
  gboolean    dhcp;
  gboolean    ipv6;
  char       *ipv6_prefix;    /* never NULL */
  gboolean    running;
  GPtrArray  *rules;          /* WbNatRule*, guest_ip always set */
  GPtrArray  *loopback;       /* WbLoopbackMap* */
} WbNatNetwork;

typedef struct
{
  char     *name;             /* "vboxnetN" */
  char     *guid;
  char     *ip;               /* dotted quad */
  char     *netmask;          /* dotted quad */
  char     *mac;              /* "0a:00:27:00:00:0N" */
  gboolean  dhcp;             /* the interface's own address by DHCP */
  gboolean  relay;            /* the engine's host endpoint relays the VMs'
                               * TCP/UDP to the host's 127.0.0.1 (default) */
} WbHostOnlyIf;

typedef struct
{
  char     *network_name;     /* "HostInterfaceNetworking-vboxnet0", ... */
  char     *server_ip;
  char     *netmask;
  char     *lower_ip;
  char     *upper_ip;
  gboolean  enabled;
} WbDhcpServer;

/* --- enums <-> strings ------------------------------------------------ */

/* Case-insensitive. "none" sets *enabled = FALSE and leaves *out alone;
 * "hostif" is an alias of "bridged". */
gboolean     wb_attachment_parse         (const char    *text,
                                          WbAttachment  *out,
                                          gboolean      *enabled,
                                          GError       **error);
/* The showvminfo nicN value: "null", "nat", "bridged", "intnet",
 * "hostonly", "Generic", "natnetwork". */
const char  *wb_attachment_to_string     (WbAttachment   attachment);
/* "generic" for WB_ATTACHMENT_GENERIC, the rest as above (D-Bus form). */
const char  *wb_attachment_to_key        (WbAttachment   attachment);
gboolean     wb_attachment_from_key      (const char    *key,
                                          WbAttachment  *out);

/* Case-insensitive. */
gboolean     wb_nic_type_parse           (const char    *text,
                                          WbNicType     *out,
                                          GError       **error);
const char  *wb_nic_type_to_string       (WbNicType      type);  /* "Am79C973" */
const char  *wb_nic_type_description     (WbNicType      type);  /* "PCnet-FAST III (Am79C973)" */
gboolean     wb_nic_type_is_intel        (WbNicType      type);
gboolean     wb_nic_type_carries_jumbo   (WbNicType      type);

/* "deny", "allow-vms" (alias "allow-network"), "allow-all"; case-insensitive. */
gboolean     wb_promisc_parse            (const char    *text,
                                          WbPromisc     *out,
                                          GError       **error);
const char  *wb_promisc_to_string        (WbPromisc      promisc);

/* "on"/"off" (also "true"/"false", "yes"/"no", "1"/"0"), case-insensitive. */
gboolean     wb_bool_parse               (const char    *text,
                                          gboolean      *out,
                                          GError       **error);

/* --- values ------------------------------------------------------------- */

/* Non-empty valid UTF-8, no control characters, at most @max_chars
 * characters. @what names the thing in the message ("VM name"). */
gboolean     wb_name_validate            (const char    *what,
                                          const char    *name,
                                          gsize          max_chars,
                                          GError       **error);

/* Dotted quad, exactly four decimal parts 0..255. Host byte order. */
gboolean     wb_ipv4_parse               (const char    *text,
                                          guint32       *out,
                                          GError       **error);
char        *wb_ipv4_to_string           (guint32        address);
/* A contiguous dotted-quad netmask; *prefix gets its length (0..32). */
gboolean     wb_netmask_parse            (const char    *text,
                                          guint         *prefix,
                                          GError       **error);
guint32      wb_prefix_to_mask           (guint          prefix);
/* "a.b.c.d/p" with p 0..32; VirtualBox's short forms "192.168/16" and
 * "10/8" are accepted (missing parts are zero). Host bits are cleared in
 * *network. */
gboolean     wb_cidr_parse               (const char    *text,
                                          guint32       *network,
                                          guint         *prefix,
                                          GError       **error);
char        *wb_cidr_to_string           (guint32        network,
                                          guint          prefix);

/* 12 hex digits, no separators, unicast (second digit even). Stored upper
 * case in @out. "auto" is not handled here. */
gboolean     wb_mac_parse                (const char    *text,
                                          char           out[13],
                                          GError       **error);
/* "080027" and three random bytes. */
void         wb_mac_generate             (char           out[13]);

/* --- port-forwarding rules --------------------------------------------- */

WbNatRule   *wb_nat_rule_new             (const char    *name,
                                          WbProto        proto,
                                          const char    *host_ip,
                                          guint16        host_port,
                                          const char    *guest_ip,
                                          guint16        guest_port);
WbNatRule   *wb_nat_rule_copy            (const WbNatRule *rule);
void         wb_nat_rule_free            (WbNatRule     *rule);
const char  *wb_proto_to_string          (WbProto        proto);  /* "tcp" */
gboolean     wb_proto_parse              (const char    *text,
                                          WbProto       *out,
                                          GError       **error);
/* modifyvm form: "name,tcp|udp,hostip,hostport,guestip,guestport". An empty
 * name becomes "tcp_2222_22". IPs may be empty. */
WbNatRule   *wb_nat_rule_parse_vm        (const char    *text,
                                          GError       **error);
/* natnetwork form: "[name]:tcp|udp:[hostip]:hostport:[guestip]:guestport",
 * brackets literal, guest IP required. */
WbNatRule   *wb_nat_rule_parse_natnet    (const char    *text,
                                          GError       **error);
char        *wb_nat_rule_format_vm       (const WbNatRule *rule);
char        *wb_nat_rule_format_natnet   (const WbNatRule *rule);
/* Refuses a second rule of the same name or of the same protocol + host IP +
 * host port in @rules. */
gboolean     wb_nat_rules_check_add      (GPtrArray     *rules,
                                          const WbNatRule *rule,
                                          GError       **error);

/* --- objects ------------------------------------------------------------ */

/* A new VM with VirtualBox's defaults: adapter 1 enabled on NAT, the others
 * disabled (attachment null); every adapter Am79C973, cable on, promiscuous
 * deny, a generated MAC (not yet checked for uniqueness: the caller does). */
WbVm        *wb_vm_new                   (const char    *name);
WbVm        *wb_vm_copy                  (const WbVm    *vm);
void         wb_vm_free                  (WbVm          *vm);
/* init and copy_into overwrite @adapter / @dest without freeing what it
 * held: pass an uninitialised or cleared adapter. init gives the defaults of
 * wb_vm_new() for @slot, with a generated MAC. clear frees the contents. */
void         wb_adapter_init             (WbAdapter     *adapter,
                                          guint          slot);
void         wb_adapter_clear            (WbAdapter     *adapter);
void         wb_adapter_copy_into        (WbAdapter     *dest,
                                          const WbAdapter *src);

/*
 * Apply one modifyvm change to @vm in memory (the caller works on a copy and
 * stores it only when every change of a call succeeded). @key is the option
 * name without dashes and without the slot number ("nictype"); @slot is the
 * number that followed it. Keys as in io.github.wirebox.Engine.xml ModifyVm.
 * An unknown key is WB_ERROR_UNKNOWN_OPTION; a slot outside 1..8 or a bad
 * value is WB_ERROR_INVALID_ARGUMENT; a duplicate rule is WB_ERROR_EXISTS.
 * The message names the option as "--<key><slot>".
 */
gboolean     wb_vm_apply                 (WbVm          *vm,
                                          const char    *key,
                                          guint          slot,
                                          const char    *value,
                                          GError       **error);

/*
 * Apply one guestconfig change (`wirebox-manage guestconfig VM ...`), like
 * wb_vm_apply. Keys (dashes removed, slot split off as for modifyvm):
 *   guestip     "dhcp" | "A.B.C.D/P"        (slot 1..8)
 *   guestgateway "A.B.C.D" | "none"          (slot 1..8)
 *   guestmtu    68..9000                    (slot 1..8)
 *   masquerade  on|off                      (slot 1..8)
 *   ipforward   on|off                      (slot 0: no slot)
 *   service     "tcp:PORT:http|ssh|echo"    (slot 0; adds or replaces)
 *   serviceremove "tcp:PORT"                (slot 0; NOT_FOUND if absent)
 */
gboolean     wb_vm_apply_guest           (WbVm          *vm,
                                          const char    *key,
                                          guint          slot,
                                          const char    *value,
                                          GError       **error);
const char  *wb_vm_service_kind_to_string (WbVmServiceKind kind);  /* "ssh" */

/* The lowest natnet for the adapter ("10.0.2.0/24" for slot 1) when
 * adapter->natnet is "". */
char        *wb_adapter_effective_natnet (const WbAdapter *adapter);
/* The MTU of a NAT adapter's network (DESIGN.md §5): adapter->nat_mtu
 * (--natsettingsN, up to 65520) where the type carries jumbo frames (Intel,
 * virtio), else 1500. */
guint        wb_adapter_effective_nat_mtu (const WbAdapter *adapter);
/* The guest's IP MTU on @adapter: the guest setting when there is one (the
 * user configured the guest's interface); else on NAT the NAT network's
 * MTU, which a guest of VirtualBox learns by DHCP option 26 (libslirp's
 * DHCP does not send it: the guest is given it here); else 1500. */
guint        wb_guest_if_effective_mtu   (const WbGuestIfConfig *ifconfig,
                                          const WbAdapter       *adapter);

WbNatNetwork *wb_nat_network_new         (const char    *name);  /* VirtualBox defaults */
WbNatNetwork *wb_nat_network_copy        (const WbNatNetwork *net);
void          wb_nat_network_free        (WbNatNetwork  *net);
/* Keys: network, enable, disable, dhcp, ipv6, portforward4,
 * portforward4delete, loopback4, loopback4delete. */
gboolean      wb_nat_network_apply       (WbNatNetwork  *net,
                                          const char    *key,
                                          const char    *value,
                                          GError       **error);
/* "192.168.22.1": the network's first host address. */
char         *wb_nat_network_gateway     (const WbNatNetwork *net);

/* vboxnetN with VirtualBox's defaults (192.168.(56+N).1/24), N at most
 * WB_HOST_ONLY_IF_MAX. */
WbHostOnlyIf *wb_host_only_if_new        (guint          index);
WbHostOnlyIf *wb_host_only_if_copy       (const WbHostOnlyIf *hif);
void          wb_host_only_if_free       (WbHostOnlyIf  *hif);
/* "vboxnet7" -> 7; FALSE when @name is not of that form (no leading zeros)
 * or the number is above WB_HOST_ONLY_IF_MAX. */
gboolean      wb_host_only_if_index      (const char    *name,
                                          guint         *index);
/* "HostInterfaceNetworking-" + name. */
char         *wb_host_only_network_name  (const char    *ifname);

WbDhcpServer *wb_dhcp_server_new         (const char    *network_name);
/* The GUI's defaults for a host-only interface: .100, pool .101-.254,
 * enabled. */
WbDhcpServer *wb_dhcp_server_new_for_host_only (const WbHostOnlyIf *hif);
WbDhcpServer *wb_dhcp_server_copy        (const WbDhcpServer *server);
void          wb_dhcp_server_free        (WbDhcpServer  *server);
/* Keys: server-ip, netmask, lower-ip, upper-ip, enable, disable. */
gboolean      wb_dhcp_server_apply       (WbDhcpServer  *server,
                                          const char    *key,
                                          const char    *value,
                                          GError       **error);
/* All four addresses set; lower <= upper; server, lower and upper inside the
 * same network (server IP and netmask). */
gboolean      wb_dhcp_server_validate    (const WbDhcpServer *server,
                                          GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbNatRule, wb_nat_rule_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbVm, wb_vm_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbNatNetwork, wb_nat_network_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbHostOnlyIf, wb_host_only_if_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbDhcpServer, wb_dhcp_server_free)

G_END_DECLS
