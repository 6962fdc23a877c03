/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A guest: the network side of one running VM (DESIGN.md §6). One interface
 * per enabled adapter, numbered by adapter slot - 1 (0..7); an ARP cache;
 * IPv4 with fragmentation and reassembly; ICMP; UDP; TCP (wb-tcp.h); a DHCP
 * client per interface; a routing table; optional IP forwarding and
 * masquerading; services; and the commands that `guestcontrol` runs.
 *
 * Everything a guest does goes through its frames: it receives frames with
 * wb_guest_input() and emits them through the transmit callback. It is not
 * thread-safe: every call happens on the engine thread, and its timers are
 * sources on the GMainContext it was given.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WB_GUEST_MAX_IFACES 8

typedef struct _WbGuest WbGuest;

typedef struct
{
  /* A frame leaves interface @iface (an Ethernet frame without FCS, at
   * least 14 bytes; the caller pads to 60 if it needs to). */
  void (*transmit)         (gpointer      user_data,
                            guint         iface,
                            const guint8 *frame,
                            gsize         len);
  /* A guest property changed (VirtualBox's names, e.g.
   * "/VirtualBox/GuestInfo/Net/0/V4/IP"); @value NULL when it was unset. */
  void (*property_changed) (gpointer      user_data,
                            const char   *name,
                            const char   *value);
  /* One line for the VM's log (lease obtained, link change, drop...). */
  void (*log)              (gpointer      user_data,
                            const char   *message);
} WbGuestCallbacks;

typedef enum
{
  WB_GUEST_SERVICE_SSH,       /* sends "SSH-2.0-Wirebox_guest <vm-name>\r\n" */
  WB_GUEST_SERVICE_HTTP,      /* a page that names the VM and its addresses */
  WB_GUEST_SERVICE_ECHO,      /* echoes what it receives */
} WbGuestServiceKind;

/* @name is the VM's name (services show it). The callbacks struct is
 * copied. */
WbGuest    *wb_guest_new                (const char             *name,
                                         GMainContext           *context,
                                         const WbGuestCallbacks *callbacks,
                                         gpointer                user_data);
/* Sends DHCPRELEASE for every lease, then stops everything: no callback is
 * called after this returns. */
void        wb_guest_shutdown           (WbGuest                *guest);
void        wb_guest_free               (WbGuest                *guest);

/* Interfaces. @mtu is the IP MTU (1500 by default, 9000 for jumbo). A new
 * interface is down and unconfigured. */
void        wb_guest_add_interface      (WbGuest                *guest,
                                         guint                   iface,
                                         const guint8            mac[6],
                                         guint                   mtu);
void        wb_guest_remove_interface   (WbGuest                *guest,
                                         guint                   iface);
gboolean    wb_guest_has_interface      (WbGuest                *guest,
                                         guint                   iface);
/* Link (cable, attachment). Going up starts DHCP discovery on a DHCP
 * interface; going down forgets the lease's address (kept for a re-request). */
void        wb_guest_set_link           (WbGuest                *guest,
                                         guint                   iface,
                                         gboolean                up);
void        wb_guest_set_mtu            (WbGuest                *guest,
                                         guint                   iface,
                                         guint                   mtu);
/* DHCP (the default) or a static address/prefix. */
void        wb_guest_configure_dhcp     (WbGuest                *guest,
                                         guint                   iface);
void        wb_guest_configure_static   (WbGuest                *guest,
                                         guint                   iface,
                                         guint32                 address,
                                         guint                   prefix);
/* A static default gateway reached through @iface; 0 removes it. A DHCP
 * lease's router is used when no static gateway is set. */
void        wb_guest_set_gateway        (WbGuest                *guest,
                                         guint                   iface,
                                         guint32                 gateway);
void        wb_guest_set_ip_forward     (WbGuest                *guest,
                                         gboolean                forward);
/* Source NAT of forwarded traffic leaving @iface. */
void        wb_guest_set_masquerade     (WbGuest                *guest,
                                         guint                   iface,
                                         gboolean                masquerade);

/* A frame arrived at interface @iface. Any bytes at all: a guest never
 * trusts a frame. */
void        wb_guest_input              (WbGuest                *guest,
                                         guint                   iface,
                                         const guint8           *frame,
                                         gsize                   len);

/* Services on TCP @port. */
gboolean    wb_guest_add_service        (WbGuest                *guest,
                                         guint16                 port,
                                         WbGuestServiceKind      kind,
                                         GError                **error);
void        wb_guest_remove_service     (WbGuest                *guest,
                                         guint16                 port);

/*
 * Runs a command inside the guest, as `guestcontrol VM run -- ARGV`:
 *   ping [-c COUNT] [-s SIZE] [-W SECONDS] HOST   Linux ping's output; 0 if any reply came, 1 if none
 *   tcp HOST PORT                   the first line received; 1 if refused or timed out
 *   http URL                        the body; 1 unless a 2xx came
 *   ip addr | ip route | arp        the guest's tables
 *   dhcp renew                      renews every DHCP lease now
 * An unknown command exits 127 with a message, as a shell would.
 */
void        wb_guest_run_async          (WbGuest                *guest,
                                         const char * const     *argv,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
gboolean    wb_guest_run_finish         (GAsyncResult           *result,
                                         int                    *exit_status,
                                         char                  **output,
                                         GError                **error);

/* The interface's current IPv4 address (0 if none) and prefix. */
guint32     wb_guest_get_address        (WbGuest                *guest,
                                         guint                   iface,
                                         guint                  *prefix);

G_END_DECLS
