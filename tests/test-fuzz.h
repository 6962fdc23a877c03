/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Bad frames for every entry point that takes untrusted ones (test-fuzz.c
 * makes them; test-fuzz-guest.c feeds them to a guest, whose internals
 * cannot share a file with the segment's: both name a WbDropReason).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FUZZ_FRAMES        100000
#define FUZZ_FRAME_MAX     (14 + 9000)

#define IP4(a, b, c, d) \
  (((guint32) (a) << 24) | ((guint32) (b) << 16) | ((guint32) (c) << 8) | (guint32) (d))

/* What the frames are aimed at. Addresses in host order. */
typedef struct
{
  GRand         *rand;
  guint8         mac[6];          /* the target's MAC */
  guint32        address;         /* the target's IPv4 address */
  guint32        peer;            /* a plausible source on the same subnet */
  const guint16 *tcp_ports;       /* services: SYN floods and segments go there */
  guint          n_tcp_ports;
  const guint16 *udp_ports;       /* NULL: any port */
  guint          n_udp_ports;
  gboolean       dhcp_server;     /* DHCP requests (else replies for a client) */
  guint32        dhcp_xid;        /* replies: the client's transaction */
  guint32        dhcp_server_ip;
} FuzzTarget;

/* Writes one frame (at most FUZZ_FRAME_MAX bytes) of a random kind: random
 * bytes; or a valid ARP, ICMP echo or error (quoting one of the target's
 * datagrams, or nearly), UDP, TCP SYN (a flood from random sources and
 * ports), TCP segment, IPv4 fragment (overlapping, never completed, at
 * huge offsets) or DHCP message with garbage options — each
 * then often damaged: truncated, bits flipped, lengths and checksums
 * wrong. Returns the length (0 is possible). */
gsize      fuzz_frame              (FuzzTarget    *target,
                                    guint8        *buf);

/* Bytes the C library's allocator holds for the program (0 where that
 * cannot be told, e.g. under AddressSanitizer). */
gsize      fuzz_heap_in_use        (void);

/* Registers the guest's tests (test-fuzz-guest.c). */
void       fuzz_guest_add_tests    (void);

G_END_DECLS
