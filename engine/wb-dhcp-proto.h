/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The BOOTP/DHCP message (RFC 2131, options of RFC 2132), shared by the
 * guest's DHCP client and Wirebox's DHCP server, and the Ethernet/IPv4/UDP
 * framing the server needs because it has no IP stack of its own.
 *
 * Parsing trusts nothing: every option is checked against the buffer, pads,
 * the end option and option overload (options in the file and sname
 * fields) are handled, and an option given several times is concatenated
 * (RFC 3396). Addresses are in host byte order throughout.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WB_DHCP_SERVER_PORT      67
#define WB_DHCP_CLIENT_PORT      68

#define WB_BOOTP_REQUEST         1
#define WB_BOOTP_REPLY           2
#define WB_BOOTP_HTYPE_ETHERNET  1
#define WB_DHCP_FLAG_BROADCAST   0x8000

/* The fixed part (op .. file) and the magic cookie. */
#define WB_DHCP_FIXED_LEN        236
#define WB_DHCP_MIN_LEN          240
/* Messages are at least this long when sent (BOOTP's minimum, which some
 * relays and old clients insist on). */
#define WB_DHCP_MIN_SEND_LEN     300
/* The largest message parsed: a UDP payload in a 9000-byte IP datagram. */
#define WB_DHCP_MAX_LEN          (9000 - 20 - 8)
/* A buffer this large always holds what wb_dhcp_message_build() writes. */
#define WB_DHCP_BUILD_MAX        1500

#define WB_DHCP_MAX_DNS          3
#define WB_DHCP_INFINITE_LEASE   0xffffffffu

typedef enum
{
  WB_DHCP_DISCOVER = 1,
  WB_DHCP_OFFER    = 2,
  WB_DHCP_REQUEST  = 3,
  WB_DHCP_DECLINE  = 4,
  WB_DHCP_ACK      = 5,
  WB_DHCP_NAK      = 6,
  WB_DHCP_RELEASE  = 7,
  WB_DHCP_INFORM   = 8,
} WbDhcpMessageType;

typedef enum
{
  WB_DHCP_OPT_PAD            = 0,
  WB_DHCP_OPT_SUBNET_MASK    = 1,
  WB_DHCP_OPT_ROUTER         = 3,
  WB_DHCP_OPT_DNS            = 6,
  WB_DHCP_OPT_REQUESTED_IP   = 50,
  WB_DHCP_OPT_LEASE_TIME     = 51,
  WB_DHCP_OPT_OVERLOAD       = 52,
  WB_DHCP_OPT_MESSAGE_TYPE   = 53,
  WB_DHCP_OPT_SERVER_ID      = 54,
  WB_DHCP_OPT_PARAM_REQUEST  = 55,
  WB_DHCP_OPT_MESSAGE        = 56,
  WB_DHCP_OPT_MAX_SIZE       = 57,
  WB_DHCP_OPT_T1             = 58,
  WB_DHCP_OPT_T2             = 59,
  WB_DHCP_OPT_CLIENT_ID      = 61,
  WB_DHCP_OPT_END            = 255,
} WbDhcpOption;

/* Which of the optional fields of a WbDhcpMessage are present (the
 * variable-length ones are present when their length is not zero). */
typedef enum
{
  WB_DHCP_HAS_SUBNET_MASK  = 1 << 0,
  WB_DHCP_HAS_ROUTER       = 1 << 1,
  WB_DHCP_HAS_REQUESTED_IP = 1 << 2,
  WB_DHCP_HAS_LEASE_TIME   = 1 << 3,
  WB_DHCP_HAS_SERVER_ID    = 1 << 4,
  WB_DHCP_HAS_MAX_SIZE     = 1 << 5,
  WB_DHCP_HAS_T1           = 1 << 6,
  WB_DHCP_HAS_T2           = 1 << 7,
} WbDhcpHas;

typedef struct
{
  /* The fixed part. */
  guint8      op;               /* WB_BOOTP_REQUEST or WB_BOOTP_REPLY */
  guint8      htype;
  guint8      hlen;             /* at most 16 */
  guint8      hops;
  guint32     xid;
  guint16     secs;
  guint16     flags;
  guint32     ciaddr;
  guint32     yiaddr;
  guint32     siaddr;
  guint32     giaddr;
  guint8      chaddr[16];

  /* Options. message_type is 0 when option 53 is absent (plain BOOTP). */
  guint8      message_type;
  WbDhcpHas   has;
  guint32     subnet_mask;
  guint32     router;           /* the first router given */
  guint32     requested_ip;
  guint32     lease_time;
  guint32     server_id;
  guint16     max_size;
  guint32     t1;
  guint32     t2;
  guint32     dns[WB_DHCP_MAX_DNS];
  guint8      n_dns;
  guint8      client_id_len;
  guint8      client_id[255];
  guint8      param_request_len;
  guint8      param_request[255];
  /* Option 56 (why a NAK was sent), NUL-terminated; may hold anything
   * but NUL bytes. */
  char        message[256];
} WbDhcpMessage;

/* A message with op, htype (Ethernet), hlen 6, xid and chaddr from @mac
 * set and everything else zero. */
void         wb_dhcp_message_init     (WbDhcpMessage       *msg,
                                       guint8               op,
                                       WbDhcpMessageType    type,
                                       guint32              xid,
                                       const guint8         mac[6]);
/* Parses the UDP payload @data. FALSE when it is not a DHCP message: too
 * short or too long, no magic cookie, a bad hlen, or an option running
 * past its field. An option of the wrong length is ignored. */
gboolean     wb_dhcp_message_parse    (const guint8        *data,
                                       gsize                len,
                                       WbDhcpMessage       *msg);
/* Writes @msg to @buf (options 53, 54, 51, 58, 59, 1, 3, 6, 50, 61, 55,
 * 57, 56, each when present), padded to WB_DHCP_MIN_SEND_LEN. Returns the
 * length, 0 if it does not fit in @size (it always fits in
 * WB_DHCP_BUILD_MAX). */
gsize        wb_dhcp_message_build    (const WbDhcpMessage *msg,
                                       guint8              *buf,
                                       gsize                size);
/* "DHCPDISCOVER" ... "DHCPINFORM", "BOOTP" for 0, "DHCP?" otherwise. */
const char  *wb_dhcp_message_type_to_string (guint8         type);

/* --- Ethernet/IPv4/UDP framing ------------------------------------------- */

typedef struct
{
  const guint8 *dst_mac;
  const guint8 *src_mac;
  guint32       src_ip;
  guint32       dst_ip;
  guint16       src_port;
  guint16       dst_port;
  const guint8 *payload;        /* points into the frame */
  gsize         payload_len;
} WbUdpFrame;

/* A UDP datagram in an Ethernet frame: IPv4 header (options allowed)
 * with a valid checksum, not a fragment, lengths consistent with the frame
 * (Ethernet padding allowed), the UDP checksum valid when it is not zero.
 * FALSE for anything else. */
gboolean     wb_udp_frame_parse       (const guint8        *frame,
                                       gsize                len,
                                       WbUdpFrame          *out);
/* Writes a frame (Ethernet, IPv4 with TTL 64 and DF, UDP with its
 * checksum) carrying @payload from @frame_in's addresses and ports, padded
 * to the Ethernet minimum. Returns the length, 0 if @size is too small. */
gsize        wb_udp_frame_build       (const WbUdpFrame    *frame_in,
                                       guint8              *buf,
                                       gsize                size);

G_END_DECLS
