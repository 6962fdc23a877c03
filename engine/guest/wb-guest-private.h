/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the parts of a guest offer each other. The IP layer (wb-guest.c)
 * owns the WbGuest struct, the interfaces, ARP, IPv4, ICMP and UDP; TCP
 * (wb-guest-tcp.c), the DHCP client (wb-guest-dhcp.c) and the services and
 * commands (wb-guest-apps.c) reach it only through these functions.
 */
#pragma once

#include "wb-guest.h"
#include "wb-net.h"

G_BEGIN_DECLS

/* --- the guest (wb-guest.c) ----------------------------------------------- */

GMainContext *_wb_guest_get_context        (WbGuest       *guest);
const char   *_wb_guest_get_name           (WbGuest       *guest);
/* A line for the VM's log. */
void          _wb_guest_log                (WbGuest       *guest,
                                            const char    *format,
                                            ...) G_GNUC_PRINTF (2, 3);
void          _wb_guest_set_property       (WbGuest       *guest,
                                            const char    *name,
                                            const char    *value);
/* A new GSource timer on the guest's context (ms), already attached;
 * the caller owns the returned reference and destroys it to cancel. */
GSource      *_wb_guest_timeout_new        (WbGuest       *guest,
                                            guint          ms,
                                            GSourceFunc    func,
                                            gpointer       data);

/* --- interfaces ------------------------------------------------------------ */

const guint8 *_wb_guest_iface_mac          (WbGuest       *guest,
                                            guint          iface);
gboolean      _wb_guest_iface_is_up        (WbGuest       *guest,
                                            guint          iface);
guint         _wb_guest_iface_mtu          (WbGuest       *guest,
                                            guint          iface);
/* Sets (address != 0) or clears the interface's address; @router is the
 * lease's default router (0: none). Updates routes and the guest
 * properties, and announces the address with a gratuitous ARP. */
void          _wb_guest_iface_set_address  (WbGuest       *guest,
                                            guint          iface,
                                            guint32        address,
                                            guint          prefix,
                                            guint32        router);

/* --- IPv4 ------------------------------------------------------------------ */

/* Chooses the interface, the source address and the MTU for @dst; FALSE
 * when no route leads there. */
gboolean      _wb_guest_route              (WbGuest       *guest,
                                            guint32        dst,
                                            guint         *iface,
                                            guint32       *src,
                                            guint         *mtu);
/* Sends one IPv4 datagram: routes it (src 0: the egress address), resolves
 * the next hop with ARP (queueing until the reply, dropping after a
 * timeout), fragments it to the egress MTU. FALSE with G_IO_ERROR_
 * HOST_UNREACHABLE / NETWORK_UNREACHABLE when there is no route. */
gboolean      _wb_guest_ip_output          (WbGuest       *guest,
                                            guint32        src,
                                            guint32        dst,
                                            guint8         proto,
                                            const guint8  *payload,
                                            gsize          len,
                                            GError       **error);
/* A broadcast (255.255.255.255, to ff:ff:ff:ff:ff:ff) out of @iface from
 * @src (0.0.0.0 allowed), without routing: what DHCP needs. */
gboolean      _wb_guest_ip_output_broadcast (WbGuest      *guest,
                                            guint          iface,
                                            guint32        src,
                                            guint8         proto,
                                            const guint8  *payload,
                                            gsize          len);

/* --- UDP (wb-guest.c) -------------------------------------------------------- */

typedef void (*WbUdpReceiveFunc) (WbGuest      *guest,
                                  guint         iface,
                                  guint32       src,
                                  guint16       src_port,
                                  guint32       dst,
                                  guint16       dst_port,
                                  const guint8 *data,
                                  gsize         len,
                                  gpointer      user_data);

/* @port 0: every port without a binding of its own (the host relay). */
gboolean      _wb_guest_udp_bind           (WbGuest          *guest,
                                            guint16           port,
                                            WbUdpReceiveFunc  receive,
                                            gpointer          user_data,
                                            GError          **error);
void          _wb_guest_udp_unbind         (WbGuest          *guest,
                                            guint16           port);
gboolean      _wb_guest_udp_send           (WbGuest          *guest,
                                            guint32           src,
                                            guint16           src_port,
                                            guint32           dst,
                                            guint16           dst_port,
                                            const guint8     *data,
                                            gsize             len,
                                            GError          **error);
gboolean      _wb_guest_udp_send_broadcast (WbGuest          *guest,
                                            guint             iface,
                                            guint32           src,
                                            guint16           src_port,
                                            guint16           dst_port,
                                            const guint8     *data,
                                            gsize             len);

/* --- ICMP echo (wb-guest.c), for ping ---------------------------------------- */

typedef void (*WbEchoReplyFunc) (WbGuest  *guest,
                                 guint32   from,
                                 guint16   id,
                                 guint16   seq,
                                 guint8    ttl,
                                 gsize     len,     /* ICMP payload bytes */
                                 gpointer  user_data);
/* Replies to echo requests of identifier @id go to @func. */
void          _wb_guest_icmp_watch         (WbGuest          *guest,
                                            guint16           id,
                                            WbEchoReplyFunc   func,
                                            gpointer          user_data);
void          _wb_guest_icmp_unwatch       (WbGuest          *guest,
                                            guint16           id);
gboolean      _wb_guest_icmp_echo          (WbGuest          *guest,
                                            guint32           dst,
                                            guint16           id,
                                            guint16           seq,
                                            gsize             payload_len,
                                            GError          **error);

/* --- ICMP errors (wb-guest.c) ------------------------------------------------- */

/* A destination unreachable or time exceeded about a datagram we sent,
 * already checked: the message's checksum, a quoted IPv4 header whose
 * length fits, from one of our addresses, of a first fragment, and at
 * least 8 bytes of its data (the transport ports, or the echo's id and
 * sequence). */
typedef struct
{
  guint32       from;           /* the router or host that answered */
  guint8        type;           /* 3: destination unreachable, 11: time exceeded */
  guint8        code;
  guint32       src;            /* the quoted datagram's (ours) */
  guint32       dst;
  guint8        proto;
  const guint8 *data;           /* its first bytes of data... */
  gsize         data_len;       /* ...at least 8 */
} WbIcmpError;

typedef void (*WbIcmpErrorFunc) (WbGuest           *guest,
                                 const WbIcmpError *error,
                                 gpointer           user_data);
/* Every ICMP error goes to @func until the watch is removed (safe from
 * inside @func). Returns the watch's id (never 0). */
gulong        _wb_guest_icmp_error_watch   (WbGuest          *guest,
                                            WbIcmpErrorFunc   func,
                                            gpointer          user_data);
void          _wb_guest_icmp_error_unwatch (WbGuest          *guest,
                                            gulong            id);

/* --- TCP (wb-guest-tcp.c) ------------------------------------------------------ */

typedef struct _WbTcpStack WbTcpStack;

WbTcpStack   *_wb_tcp_stack_new            (WbGuest       *guest);
/* Aborts every connection (RST) and frees the stack. The owners of open
 * sockets get their "closed" callback with G_IO_ERROR_CANCELLED, and the
 * listeners' destroy notifies run, so that they can free their state. */
void          _wb_tcp_stack_free           (WbTcpStack    *stack);
/* A TCP segment for this guest (the IP header checked, the segment not). */
void          _wb_tcp_input                (WbTcpStack    *stack,
                                            guint32        src,
                                            guint32        dst,
                                            const guint8  *segment,
                                            gsize          len);
/* The guest's TCP stack (created by wb_guest_new). */
WbTcpStack   *_wb_guest_get_tcp            (WbGuest       *guest);

/* Counters, for the VM's log and for tests. */
typedef struct
{
  guint64 segments_in;
  guint64 segments_out;
  guint64 retransmits;     /* segments sent again (timeout or fast retransmit) */
  guint64 timeouts;        /* retransmission timer expiries */
  guint64 bad_segments;    /* dropped: short, bad data offset or options, bad checksum, bad address */
  guint64 resets_sent;
  guint64 backlog_drops;   /* half-open connections dropped from a full listener backlog */
  guint   sockets;         /* connections, half-open and TIME-WAIT ones included */
  guint   half_open;
  guint   time_wait;
} WbTcpStats;

void          _wb_tcp_stack_get_stats      (WbTcpStack    *stack,
                                            WbTcpStats    *stats);

/* --- DHCP client (wb-guest-dhcp.c) ------------------------------------------------ */

typedef struct _WbDhcpClient WbDhcpClient;

/* Runs DHCP on @iface from the next link-up (at once if it is up). */
WbDhcpClient *_wb_dhcp_client_new          (WbGuest       *guest,
                                            guint          iface);
/* @release: send DHCPRELEASE first when a lease is held. */
void          _wb_dhcp_client_free         (WbDhcpClient  *client,
                                            gboolean       release);
void          _wb_dhcp_client_link_changed (WbDhcpClient  *client,
                                            gboolean       up);
void          _wb_dhcp_client_renew        (WbDhcpClient  *client);
/* "lease 192.168.56.101/24 from 192.168.56.100, 1200 s left" or "no lease". */
char         *_wb_dhcp_client_describe     (WbDhcpClient  *client);

/* --- services and commands (wb-guest-apps.c) ------------------------------------- */

/* Starts @kind on @port (wb_guest_add_service calls this). */
gboolean      _wb_guest_apps_start_service (WbGuest            *guest,
                                            guint16             port,
                                            WbGuestServiceKind  kind,
                                            GError            **error);
void          _wb_guest_apps_stop_service  (WbGuest            *guest,
                                            guint16             port);
/* The `tcp` and `http` commands: write to @output, return the exit status
 * through @task (g_task_return_int). */
void          _wb_guest_apps_run_tcp       (WbGuest            *guest,
                                            const char * const *argv,
                                            GTask              *task);
void          _wb_guest_apps_run_http      (WbGuest            *guest,
                                            const char * const *argv,
                                            GTask              *task);

/* A command's result, the task's value (wb-guest.c). */
typedef struct
{
  int      exit_status;
  GString *output;
} WbGuestRunResult;

void          _wb_guest_run_return         (GTask              *task,
                                            int                 exit_status,
                                            GString            *output);
/* A dotted quad and nothing else, for the commands' arguments (the guest
 * has no resolver). */
gboolean      _wb_guest_parse_ipv4         (const char         *text,
                                            guint32            *address);

G_END_DECLS
