/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-dhcp-proto.h"

#include <string.h>

#include "wb-net.h"

#define DHCP_MAGIC_COOKIE 0x63825363u

/* Offsets in the fixed part. */
#define OFF_OP      0
#define OFF_HTYPE   1
#define OFF_HLEN    2
#define OFF_HOPS    3
#define OFF_XID     4
#define OFF_SECS    8
#define OFF_FLAGS   10
#define OFF_CIADDR  12
#define OFF_YIADDR  16
#define OFF_SIADDR  20
#define OFF_GIADDR  24
#define OFF_CHADDR  28
#define OFF_SNAME   44
#define OFF_FILE    108
#define OFF_COOKIE  236
#define OFF_OPTIONS 240

#define SNAME_LEN   64
#define FILE_LEN    128

/* Option 52's values: which fields carry options too. */
#define OVERLOAD_FILE  1
#define OVERLOAD_SNAME 2

/* What the variable-length options collect while the areas are walked;
 * instances of one option are concatenated (RFC 3396) before they are
 * decoded. */
typedef struct
{
  WbDhcpMessage *msg;
  guint8         overload;
  guint8         routers[255];
  guint          routers_len;
  guint8         dns[255];
  guint          dns_len;
  guint          message_len;
  guint          client_id_len;
  guint          param_request_len;
} ParseState;

void
wb_dhcp_message_init (WbDhcpMessage     *msg,
                      guint8             op,
                      WbDhcpMessageType  type,
                      guint32            xid,
                      const guint8       mac[6])
{
  memset (msg, 0, sizeof *msg);
  msg->op = op;
  msg->htype = WB_BOOTP_HTYPE_ETHERNET;
  msg->hlen = WB_ETH_ALEN;
  msg->xid = xid;
  msg->message_type = type;
  memcpy (msg->chaddr, mac, WB_ETH_ALEN);
}

const char *
wb_dhcp_message_type_to_string (guint8 type)
{
  static const char * const names[] = {
    "BOOTP", "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPDECLINE",
    "DHCPACK", "DHCPNAK", "DHCPRELEASE", "DHCPINFORM",
  };

  return type < G_N_ELEMENTS (names) ? names[type] : "DHCP?";
}

/* --- parsing ------------------------------------------------------------ */

/* Appends what fits of @data to @buf (of @cap bytes, @len used). */
static void
append_bytes (guint8       *buf,
              guint        *len,
              guint         cap,
              const guint8 *data,
              guint         n)
{
  guint room = cap - *len;

  n = MIN (n, room);
  memcpy (buf + *len, data, n);
  *len += n;
}

/* Reads a 4-byte option; FALSE (the option ignored) when its length is
 * another. */
static gboolean
read_u32 (const guint8 *data,
          guint         len,
          guint32      *out)
{
  if (len != 4)
    return FALSE;
  *out = wb_get_be32 (data);
  return TRUE;
}

static void
set_u32 (WbDhcpMessage *msg,
         WbDhcpHas      flag,
         guint32       *field,
         const guint8  *data,
         guint          len)
{
  if (read_u32 (data, len, field))
    msg->has |= flag;
}

static void
apply_option (ParseState   *state,
              guint8        code,
              const guint8 *data,
              guint         len)
{
  WbDhcpMessage *msg = state->msg;

  switch (code)
    {
    case WB_DHCP_OPT_MESSAGE_TYPE:
      if (len == 1)
        msg->message_type = data[0];
      break;
    case WB_DHCP_OPT_SUBNET_MASK:
      set_u32 (msg, WB_DHCP_HAS_SUBNET_MASK, &msg->subnet_mask, data, len);
      break;
    case WB_DHCP_OPT_REQUESTED_IP:
      set_u32 (msg, WB_DHCP_HAS_REQUESTED_IP, &msg->requested_ip, data, len);
      break;
    case WB_DHCP_OPT_LEASE_TIME:
      set_u32 (msg, WB_DHCP_HAS_LEASE_TIME, &msg->lease_time, data, len);
      break;
    case WB_DHCP_OPT_SERVER_ID:
      set_u32 (msg, WB_DHCP_HAS_SERVER_ID, &msg->server_id, data, len);
      break;
    case WB_DHCP_OPT_T1:
      set_u32 (msg, WB_DHCP_HAS_T1, &msg->t1, data, len);
      break;
    case WB_DHCP_OPT_T2:
      set_u32 (msg, WB_DHCP_HAS_T2, &msg->t2, data, len);
      break;
    case WB_DHCP_OPT_MAX_SIZE:
      if (len == 2)
        {
          msg->max_size = wb_get_be16 (data);
          msg->has |= WB_DHCP_HAS_MAX_SIZE;
        }
      break;
    case WB_DHCP_OPT_ROUTER:
      append_bytes (state->routers, &state->routers_len,
                    sizeof state->routers, data, len);
      break;
    case WB_DHCP_OPT_DNS:
      append_bytes (state->dns, &state->dns_len, sizeof state->dns, data, len);
      break;
    case WB_DHCP_OPT_CLIENT_ID:
      append_bytes (msg->client_id, &state->client_id_len,
                    sizeof msg->client_id, data, len);
      break;
    case WB_DHCP_OPT_PARAM_REQUEST:
      append_bytes (msg->param_request, &state->param_request_len,
                    sizeof msg->param_request, data, len);
      break;
    case WB_DHCP_OPT_MESSAGE:
      /* One byte stays free for the terminating NUL. */
      append_bytes ((guint8 *) msg->message, &state->message_len,
                    sizeof msg->message - 1, data, len);
      break;
    default:
      break;
    }
}

/* Walks the options in data[start, end): FALSE when one runs past the
 * end. Option 52 counts only in the options field itself. */
static gboolean
walk_options (ParseState   *state,
              const guint8 *data,
              gsize         start,
              gsize         end,
              gboolean      main_area)
{
  gsize i = start;

  while (i < end)
    {
      guint8 code = data[i];
      guint8 len;

      if (code == WB_DHCP_OPT_PAD)
        {
          i++;
          continue;
        }
      if (code == WB_DHCP_OPT_END)
        return TRUE;
      if (end - i < 2 || end - i - 2 < data[i + 1])
        return FALSE;
      len = data[i + 1];
      if (code == WB_DHCP_OPT_OVERLOAD)
        {
          if (main_area && len == 1)
            state->overload = data[i + 2];
        }
      else
        apply_option (state, code, data + i + 2, len);
      i += 2 + (gsize) len;
    }

  /* A missing end option is forgiven: the field ended anyway. */
  return TRUE;
}

/* Decodes the concatenated list options. */
static void
finish_options (ParseState *state)
{
  WbDhcpMessage *msg = state->msg;

  if (state->routers_len >= 4 && state->routers_len % 4 == 0)
    {
      msg->router = wb_get_be32 (state->routers);
      msg->has |= WB_DHCP_HAS_ROUTER;
    }
  if (state->dns_len % 4 == 0)
    {
      for (guint i = 0; i + 4 <= state->dns_len && msg->n_dns < WB_DHCP_MAX_DNS; i += 4)
        msg->dns[msg->n_dns++] = wb_get_be32 (state->dns + i);
    }
  msg->client_id_len = (guint8) state->client_id_len;
  msg->param_request_len = (guint8) state->param_request_len;
  msg->message[state->message_len] = '\0';
}

gboolean
wb_dhcp_message_parse (const guint8  *data,
                       gsize          len,
                       WbDhcpMessage *msg)
{
  ParseState state = { msg, 0, };

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);

  memset (msg, 0, sizeof *msg);
  if (len < WB_DHCP_MIN_LEN || len > WB_DHCP_MAX_LEN)
    return FALSE;
  if (wb_get_be32 (data + OFF_COOKIE) != DHCP_MAGIC_COOKIE)
    return FALSE;

  msg->op = data[OFF_OP];
  msg->htype = data[OFF_HTYPE];
  msg->hlen = data[OFF_HLEN];
  msg->hops = data[OFF_HOPS];
  if ((msg->op != WB_BOOTP_REQUEST && msg->op != WB_BOOTP_REPLY)
      || msg->hlen > sizeof msg->chaddr)
    return FALSE;
  msg->xid = wb_get_be32 (data + OFF_XID);
  msg->secs = wb_get_be16 (data + OFF_SECS);
  msg->flags = wb_get_be16 (data + OFF_FLAGS);
  msg->ciaddr = wb_get_be32 (data + OFF_CIADDR);
  msg->yiaddr = wb_get_be32 (data + OFF_YIADDR);
  msg->siaddr = wb_get_be32 (data + OFF_SIADDR);
  msg->giaddr = wb_get_be32 (data + OFF_GIADDR);
  memcpy (msg->chaddr, data + OFF_CHADDR, msg->hlen);

  /* RFC 2131 §4.1: the options field first, then file, then sname. */
  if (!walk_options (&state, data, OFF_OPTIONS, len, TRUE))
    return FALSE;
  if ((state.overload & OVERLOAD_FILE)
      && !walk_options (&state, data, OFF_FILE, OFF_FILE + FILE_LEN, FALSE))
    return FALSE;
  if ((state.overload & OVERLOAD_SNAME)
      && !walk_options (&state, data, OFF_SNAME, OFF_SNAME + SNAME_LEN, FALSE))
    return FALSE;

  finish_options (&state);
  return TRUE;
}

/* --- building ----------------------------------------------------------- */

typedef struct
{
  guint8   *buf;
  gsize     size;
  gsize     pos;
  gboolean  overflow;
} Writer;

/* Writes one option, leaving room for the end option. */
static void
put_option (Writer       *w,
            guint8        code,
            const guint8 *data,
            gsize         len)
{
  g_assert (len <= 255);

  if (w->overflow || w->size - w->pos < len + 3)
    {
      w->overflow = TRUE;
      return;
    }
  w->buf[w->pos] = code;
  w->buf[w->pos + 1] = (guint8) len;
  memcpy (w->buf + w->pos + 2, data, len);
  w->pos += 2 + len;
}

static void
put_u32_option (Writer   *w,
                gboolean  present,
                guint8    code,
                guint32   value)
{
  guint8 data[4];

  if (!present)
    return;
  wb_put_be32 (data, value);
  put_option (w, code, data, sizeof data);
}

gsize
wb_dhcp_message_build (const WbDhcpMessage *msg,
                       guint8              *buf,
                       gsize                size)
{
  Writer w = { buf, size, OFF_OPTIONS, FALSE };
  guint8 dns[4 * WB_DHCP_MAX_DNS];
  gsize message_len;

  g_return_val_if_fail (msg != NULL, 0);
  g_return_val_if_fail (buf != NULL, 0);
  g_return_val_if_fail (msg->hlen <= sizeof msg->chaddr, 0);
  g_return_val_if_fail (msg->n_dns <= WB_DHCP_MAX_DNS, 0);

  if (size < WB_DHCP_MIN_SEND_LEN)
    return 0;

  memset (buf, 0, OFF_OPTIONS);
  buf[OFF_OP] = msg->op;
  buf[OFF_HTYPE] = msg->htype;
  buf[OFF_HLEN] = msg->hlen;
  buf[OFF_HOPS] = msg->hops;
  wb_put_be32 (buf + OFF_XID, msg->xid);
  wb_put_be16 (buf + OFF_SECS, msg->secs);
  wb_put_be16 (buf + OFF_FLAGS, msg->flags);
  wb_put_be32 (buf + OFF_CIADDR, msg->ciaddr);
  wb_put_be32 (buf + OFF_YIADDR, msg->yiaddr);
  wb_put_be32 (buf + OFF_SIADDR, msg->siaddr);
  wb_put_be32 (buf + OFF_GIADDR, msg->giaddr);
  memcpy (buf + OFF_CHADDR, msg->chaddr, msg->hlen);
  wb_put_be32 (buf + OFF_COOKIE, DHCP_MAGIC_COOKIE);

  if (msg->message_type != 0)
    put_option (&w, WB_DHCP_OPT_MESSAGE_TYPE, &msg->message_type, 1);
  put_u32_option (&w, msg->has & WB_DHCP_HAS_SERVER_ID,
                  WB_DHCP_OPT_SERVER_ID, msg->server_id);
  put_u32_option (&w, msg->has & WB_DHCP_HAS_LEASE_TIME,
                  WB_DHCP_OPT_LEASE_TIME, msg->lease_time);
  put_u32_option (&w, msg->has & WB_DHCP_HAS_T1, WB_DHCP_OPT_T1, msg->t1);
  put_u32_option (&w, msg->has & WB_DHCP_HAS_T2, WB_DHCP_OPT_T2, msg->t2);
  put_u32_option (&w, msg->has & WB_DHCP_HAS_SUBNET_MASK,
                  WB_DHCP_OPT_SUBNET_MASK, msg->subnet_mask);
  put_u32_option (&w, msg->has & WB_DHCP_HAS_ROUTER,
                  WB_DHCP_OPT_ROUTER, msg->router);
  if (msg->n_dns > 0)
    {
      for (guint i = 0; i < msg->n_dns; i++)
        wb_put_be32 (dns + 4 * i, msg->dns[i]);
      put_option (&w, WB_DHCP_OPT_DNS, dns, 4 * (gsize) msg->n_dns);
    }
  put_u32_option (&w, msg->has & WB_DHCP_HAS_REQUESTED_IP,
                  WB_DHCP_OPT_REQUESTED_IP, msg->requested_ip);
  if (msg->client_id_len > 0)
    put_option (&w, WB_DHCP_OPT_CLIENT_ID, msg->client_id, msg->client_id_len);
  if (msg->param_request_len > 0)
    put_option (&w, WB_DHCP_OPT_PARAM_REQUEST, msg->param_request,
                msg->param_request_len);
  if (msg->has & WB_DHCP_HAS_MAX_SIZE)
    {
      guint8 max_size[2];

      wb_put_be16 (max_size, msg->max_size);
      put_option (&w, WB_DHCP_OPT_MAX_SIZE, max_size, sizeof max_size);
    }
  message_len = strnlen (msg->message, 255);
  if (message_len > 0)
    put_option (&w, WB_DHCP_OPT_MESSAGE, (const guint8 *) msg->message,
                message_len);
  if (w.overflow)
    return 0;

  /* put_option() kept room for it. */
  buf[w.pos++] = WB_DHCP_OPT_END;
  if (w.pos < WB_DHCP_MIN_SEND_LEN)
    {
      memset (buf + w.pos, 0, WB_DHCP_MIN_SEND_LEN - w.pos);
      w.pos = WB_DHCP_MIN_SEND_LEN;
    }
  return w.pos;
}

/* --- framing ------------------------------------------------------------ */

#define IP_FLAG_DF     0x4000
#define IP_FLAG_MF     0x2000
#define IP_OFFSET_MASK 0x1fff
#define IP_TTL         64

gboolean
wb_udp_frame_parse (const guint8 *frame,
                    gsize         len,
                    WbUdpFrame   *out)
{
  const guint8 *ip;
  const guint8 *udp;
  gsize ihl, total, udp_len;
  guint16 frag;

  g_return_val_if_fail (frame != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (len < WB_ETH_HLEN + WB_IPV4_HLEN + WB_UDP_HLEN
      || wb_get_be16 (frame + 12) != WB_ETHERTYPE_IPV4)
    return FALSE;

  ip = frame + WB_ETH_HLEN;
  ihl = (gsize) (ip[0] & 0x0f) * 4;
  total = wb_get_be16 (ip + 2);
  frag = wb_get_be16 (ip + 6);
  if ((ip[0] >> 4) != 4 || ihl < WB_IPV4_HLEN
      || total < ihl + WB_UDP_HLEN || total > len - WB_ETH_HLEN
      || wb_checksum (ip, ihl) != 0
      || (frag & (IP_FLAG_MF | IP_OFFSET_MASK)) != 0
      || ip[9] != WB_IP_PROTO_UDP)
    return FALSE;

  udp = ip + ihl;
  udp_len = wb_get_be16 (udp + 4);
  if (udp_len < WB_UDP_HLEN || udp_len > total - ihl)
    return FALSE;

  out->dst_mac = frame;
  out->src_mac = frame + WB_ETH_ALEN;
  out->src_ip = wb_get_be32 (ip + 12);
  out->dst_ip = wb_get_be32 (ip + 16);
  if (wb_get_be16 (udp + 6) != 0
      && wb_checksum_l4 (out->src_ip, out->dst_ip, WB_IP_PROTO_UDP,
                         udp, udp_len) != 0)
    return FALSE;

  out->src_port = wb_get_be16 (udp);
  out->dst_port = wb_get_be16 (udp + 2);
  out->payload = udp + WB_UDP_HLEN;
  out->payload_len = udp_len - WB_UDP_HLEN;
  return TRUE;
}

gsize
wb_udp_frame_build (const WbUdpFrame *in,
                    guint8           *buf,
                    gsize             size)
{
  const gsize headers = WB_ETH_HLEN + WB_IPV4_HLEN + WB_UDP_HLEN;
  guint8 *ip = buf + WB_ETH_HLEN;
  guint8 *udp = ip + WB_IPV4_HLEN;
  gsize len;
  guint16 sum;

  g_return_val_if_fail (in != NULL, 0);
  g_return_val_if_fail (buf != NULL, 0);
  g_return_val_if_fail (in->payload != NULL || in->payload_len == 0, 0);

  if (in->payload_len > G_MAXUINT16 - WB_IPV4_HLEN - WB_UDP_HLEN
      || size < headers + in->payload_len || size < WB_ETH_MIN_FRAME)
    return 0;

  memcpy (buf, in->dst_mac, WB_ETH_ALEN);
  memcpy (buf + WB_ETH_ALEN, in->src_mac, WB_ETH_ALEN);
  wb_put_be16 (buf + 12, WB_ETHERTYPE_IPV4);

  ip[0] = 0x45;
  ip[1] = 0;
  wb_put_be16 (ip + 2, (guint16) (WB_IPV4_HLEN + WB_UDP_HLEN + in->payload_len));
  /* An atomic datagram (DF, never fragmented) needs no identification
   * (RFC 6864). */
  wb_put_be16 (ip + 4, 0);
  wb_put_be16 (ip + 6, IP_FLAG_DF);
  ip[8] = IP_TTL;
  ip[9] = WB_IP_PROTO_UDP;
  wb_put_be16 (ip + 10, 0);
  wb_put_be32 (ip + 12, in->src_ip);
  wb_put_be32 (ip + 16, in->dst_ip);
  wb_put_be16 (ip + 10, wb_checksum (ip, WB_IPV4_HLEN));

  wb_put_be16 (udp, in->src_port);
  wb_put_be16 (udp + 2, in->dst_port);
  wb_put_be16 (udp + 4, (guint16) (WB_UDP_HLEN + in->payload_len));
  wb_put_be16 (udp + 6, 0);
  if (in->payload_len > 0)
    memcpy (udp + WB_UDP_HLEN, in->payload, in->payload_len);
  sum = wb_checksum_l4 (in->src_ip, in->dst_ip, WB_IP_PROTO_UDP, udp,
                        WB_UDP_HLEN + in->payload_len);
  /* Zero means "no checksum" in UDP: send its other form. */
  wb_put_be16 (udp + 6, sum != 0 ? sum : 0xffff);

  len = headers + in->payload_len;
  if (len < WB_ETH_MIN_FRAME)
    {
      memset (buf + len, 0, WB_ETH_MIN_FRAME - len);
      len = WB_ETH_MIN_FRAME;
    }
  return len;
}
