/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Probes (DESIGN.md §7, issue 6): can this endpoint reach that address?
 *
 * A probe runs inside its source — a running VM's guest, a station of an
 * emulated LAN, or a host endpoint's stack (all WbGuest) — and sends through
 * the source's own frames, so that a probe shows in the adapters' traces
 * like any other traffic. It sends an ICMP echo (two tries, half the time-out
 * apart) and, at the same time, opens a TCP connection to one port (22 by
 * default: every guest's SSH banner). It opens no socket of its own and
 * sends nothing a guest could not send: what leaves the engine is what
 * libslirp or a host relay makes of the source's frames, which DESIGN.md §5
 * confines to 127.0.0.1.
 *
 * The answer: reachable or not, each test's outcome, the reason when it is
 * not reachable, and the path (the egress interface, its network, the
 * gateway when the target is not on-link).
 *
 * "Reachable" means the service answered: the TCP handshake completed (or,
 * with no port, the echo came back). An echo alone only says the address is
 * alive — libslirp answers pings to its host alias even when the host's
 * loopback is closed to the guest — so a refused or silent port makes the
 * target unreachable with that reason. The reason is the most specific thing
 * observed: no route (the source's routing table, _wb_guest_route, or a
 * router's ICMP destination unreachable), no ARP answer (the next hop's ARP
 * entry still unresolved when the time is up), refused (RST, ICMP port or
 * protocol unreachable, or any ICMP unreachable from the target itself),
 * timed out (nothing came back). An ICMP unreachable ends its test at
 * once; a router's "no route" ends the other test too, since the router
 * routes by destination alone.
 *
 * Engine thread only.
 *
 * Next (issue 6 §3, not built yet), the modes matrix. One throwaway lab
 * per mode, built in the engine beside the user's lab and never touching it:
 * - Its VMs are WbVm values made in memory and handed to the runtime, never
 *   stored, so that no client lists them and no name can clash; they are
 *   powered off (and their networks torn down) when the measurement ends.
 * - Its networks get keys no user setting can produce (a ":modes" suffix on
 *   the runtime's network names, e.g. "intnet:modes-intnet:modes"), so that
 *   they never share a segment with the user's internal networks, NAT
 *   networks or host-only interfaces.
 * - Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking space, which
 *   no default of VirtualBox or Wirebox uses): 198.18.N.0/24 for mode N,
 *   NAT adapters with --natnet 198.18.N.0/24 and --nat-localhostreachable
 *   on, the host-only stand-in at 198.18.N.1 (its own host endpoint, not
 *   vboxnetN), the bridged lab on an emulated LAN planned on 198.18.N.0/24
 *   (wb_lan_plan with that subnet, no real interface involved).
 * - Forwards have an empty host IP, as VirtualBox's table assumes, on ports
 *   the kernel picks (bind port 0, close, hand the port to the rule; a lost
 *   race shows as "not bound" and is retried with another port).
 * - The columns: VM->Host probes "host" (the Host of DESIGN.md §5) to an
 *   engine listener on 127.0.0.1 (ephemeral port); VM<-Host probes from the
 *   host endpoint's stack (host-only, bridged) or connects to the bound
 *   forward on 127.0.0.1 (NAT modes: "port-forward", naming the rule);
 *   VM1<->VM2 probes between two VMs of the lab; VM->Net/LAN probes the LAN
 *   peer (bridged) or, for the NAT modes, an engine stand-in at
 *   198.51.100.0/24 behind libslirp's guest forwarding; VM<-Net/LAN probes
 *   from the LAN peer, or through the forward as for the host.
 * - A test-only knob skips installing the forwards, so that the
 *   forward-dependent cells must turn "-": proof that the table is measured.
 */
#pragma once

#include <gio/gio.h>

#include "wb-guest.h"
#include "wb-runtime.h"

G_BEGIN_DECLS

#define WB_PROBE_DEFAULT_TCP_PORT     22
#define WB_PROBE_DEFAULT_TIMEOUT_MS   2000

typedef enum
{
  WB_PROBE_NOT_RUN,           /* TCP with port 0 */
  WB_PROBE_OK,
  WB_PROBE_REFUSED,
  WB_PROBE_TIMED_OUT,
  WB_PROBE_NO_ROUTE,
  WB_PROBE_NO_ARP,
} WbProbeOutcome;

typedef struct
{
  gboolean        reachable;
  WbProbeOutcome  icmp;
  WbProbeOutcome  tcp;
  guint16         tcp_port;        /* 0: TCP not probed */
  WbProbeOutcome  reason;          /* WB_PROBE_OK when reachable */
  guint32         target;
  guint           iface;           /* egress interface; G_MAXUINT: no route */
  guint32         source_address;  /* 0: no route */
  guint32         gateway;         /* next hop when not on-link, else 0 */
  guint32         unreachable_from; /* who answered ICMP destination unreachable, else 0 */
  guint8          unreachable_code; /* its code (0: net, 1: host, 3: port...) */
  char           *path;            /* "adapter 1, internal network 'lab'[, gateway 10.0.2.2]" */
} WbProbeResult;

void            wb_probe_result_free   (WbProbeResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbProbeResult, wb_probe_result_free)

/* "ok", "refused", "timed out", "no route", "no ARP answer", "not run". */
const char     *wb_probe_outcome_to_string (WbProbeOutcome outcome);
/* "reachable (icmp ok, tcp 22 ok)" / "unreachable: refused (icmp ok, tcp 22
 * refused)" / "unreachable: no route (icmp no route, tcp 22 no route; net
 * unreachable from 10.7.0.1)". */
char           *wb_probe_result_describe   (const WbProbeResult *result);

/* Probes @target (host order) from @source: an echo and, unless @tcp_port
 * is 0, a TCP connect to @tcp_port, for at most @timeout_ms (0: the
 * default). @iface_labels, if not NULL, names each interface for the path
 * (WB_GUEST_MAX_IFACES entries, NULL where unnamed). @source must outlive
 * the probe (wb_probe_runtime_async handles VMs that stop meanwhile). */
void            wb_probe_async         (WbGuest              *source,
                                        const char * const   *iface_labels,
                                        guint32               target,
                                        guint16               tcp_port,
                                        guint                 timeout_ms,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
WbProbeResult  *wb_probe_finish        (GAsyncResult         *result,
                                        GError              **error);

/* The same from an endpoint of @runtime's world, by name: a running VM
 * (name or UUID; its path names the adapter and its network), or a station
 * of an emulated LAN, "bridged:IFACE/ROLE" (ROLE as wb_lan_get_station:
 * peer, host, gateway, outside), or the host endpoint of a host-only
 * network, "hostonly:IFACE/host". NOT_FOUND / BUSY ("not running") when there
 * is no such source; a source that stops during the probe fails it with
 * WB_ERROR_BUSY. */
void            wb_probe_runtime_async (WbRuntime            *runtime,
                                        const char           *source,
                                        guint32               target,
                                        guint16               tcp_port,
                                        guint                 timeout_ms,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
WbProbeResult  *wb_probe_runtime_finish (WbRuntime           *runtime,
                                         GAsyncResult        *result,
                                         GError             **error);

/* A target by name for a probe from @source: an IPv4 literal; "host" (the
 * host as DESIGN.md §5 defines it for @source's first adapter that has
 * one: the host endpoint for host-only, the LAN's host address for
 * bridged, libslirp's host alias for NAT and NAT Network); or a running
 * VM's name, resolved to its address on a network it shares with @source
 * (else its first address). NOT_FOUND / BUSY / INVALID_ARGUMENT. */
gboolean        wb_probe_resolve_target (WbRuntime           *runtime,
                                         const char          *source,
                                         const char          *target,
                                         guint32             *address,
                                         GError             **error);

/* wb_probe_resolve_target, then wb_probe_runtime_async with the default
 * time-out. A running VM without a path to the host (internal network)
 * gets an unreachable result with reason "no route", not an error. */
void            wb_probe_names_async    (WbRuntime           *runtime,
                                         const char          *source,
                                         const char          *target,
                                         guint16              tcp_port,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
WbProbeResult  *wb_probe_names_finish   (WbRuntime           *runtime,
                                         GAsyncResult        *result,
                                         GError             **error);

/* The engine's Probe answer (io.github.wirebox.Engine.xml): a{sv} with
 * "reachable" s ("+" | "-"), "icmp" s, "tcp" s (wb_probe_outcome_to_string),
 * "tcp-port" q (0: not probed), "reason" s ("" when reachable), "path" s,
 * "target" s (the address probed, "" if none), "unreachable-from" s (who
 * answered ICMP destination unreachable, "" if nobody did). */
GVariant       *wb_probe_result_to_variant (const WbProbeResult *result);

G_END_DECLS
