/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Probes (wb-probe.h) on a runtime lab: VMs made with the settings and
 * started by the runtime on this thread's default context. The only real
 * sockets are a listener on 127.0.0.1 (an ephemeral port), reached through
 * the host-only relay and libslirp's host alias; every other probe targets
 * an address inside the lab.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wb-error.h"
#include "wb-home.h"
#include "wb-net.h"
#include "wb-probe.h"
#include "wb-runtime-private.h"
#include "wb-settings.h"
#include "wb-store.h"
#include "wb-test-runtime.h"

#define IP_PROPERTY "/VirtualBox/GuestInfo/Net/0/V4/IP"
/* Long enough for ARP and a handshake on a loaded machine, short enough
 * for the silent cases. */
#define TIMEOUT_MS  1000

typedef WbTestFixture Fixture;

static guint32
ipv4 (const char *text)
{
  guint32 address = 0;

  g_assert_true (wb_ipv4_parse (text, &address, NULL));
  return address;
}

/* A probe that completes; the error (if any) in @error. */
static WbProbeResult *
probe_full (Fixture     *f,
            const char  *source,
            guint32      target,
            guint16      port,
            guint        timeout_ms,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  WbProbeResult *probe;

  wb_probe_runtime_async (f->runtime, source, target, port, timeout_ms, NULL,
                          wb_test_store_result_cb, &result);
  probe = wb_probe_runtime_finish (f->runtime, wb_test_wait_result (&result), error);
  if (probe != NULL)
    {
      g_autofree char *text = wb_probe_result_describe (probe);

      g_test_message ("probe %s -> %08x:%u: %s via %s", source, target, port, text,
                      probe->path);
    }
  return probe;
}

static WbProbeResult *
probe (Fixture    *f,
       const char *source,
       const char *target,
       guint16     port)
{
  g_autoptr(GError) error = NULL;
  guint32 address = 0;
  WbProbeResult *result;

  g_assert_true (wb_probe_resolve_target (f->runtime, source, target, &address, &error));
  g_assert_no_error (error);
  result = probe_full (f, source, address, port, TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmphex (result->target, ==, address);
  return result;
}

/* A listener on 127.0.0.1 (the kernel completes handshakes from its
 * backlog; nothing is accepted). Returns its port. */
static guint16
host_listener (GSocket **out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (socket, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *out = socket;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* --- tests ------------------------------------------------------------------- */

static void
test_internal (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(WbProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint32 address = 0;

  wb_test_create_intnet_vm (f, "vm2", "lab", "10.7.0.2/24", NULL);
  wb_test_create_intnet_vm (f, "vm3", "lab", "10.7.0.3/24", NULL);
  wb_test_create_intnet_vm (f, "other", "elsewhere", "10.8.0.5/24", NULL);
  wb_test_start_vm (f, "vm2");
  wb_test_start_vm (f, "vm3");
  wb_test_start_vm (f, "other");

  /* Reachable on the shared network, SSH banner port by default. */
  result = probe (f, "vm2", "vm3", WB_PROBE_DEFAULT_TCP_PORT);
  g_assert_cmphex (result->target, ==, ipv4 ("10.7.0.3"));
  g_assert_true (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->reason, ==, WB_PROBE_OK);
  g_assert_cmpuint (result->iface, ==, 0);
  g_assert_cmphex (result->source_address, ==, ipv4 ("10.7.0.2"));
  g_assert_cmphex (result->gateway, ==, 0);
  g_assert_cmpstr (result->path, ==, "adapter 1, internal network 'lab'");
  text = wb_probe_result_describe (result);
  g_assert_cmpstr (text, ==, "reachable (icmp ok, tcp 22 ok)");
  g_clear_pointer (&result, wb_probe_result_free);
  g_clear_pointer (&text, g_free);

  result = probe (f, "vm3", "vm2", WB_PROBE_DEFAULT_TCP_PORT);
  g_assert_cmphex (result->target, ==, ipv4 ("10.7.0.2"));
  g_assert_true (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_OK);
  g_assert_cmphex (result->source_address, ==, ipv4 ("10.7.0.3"));
  g_assert_cmpstr (result->path, ==, "adapter 1, internal network 'lab'");
  g_clear_pointer (&result, wb_probe_result_free);

  /* The address answers, the port does not listen. */
  result = probe (f, "vm2", "10.7.0.3", 2323);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_REFUSED);
  g_assert_cmpint (result->reason, ==, WB_PROBE_REFUSED);
  text = wb_probe_result_describe (result);
  g_assert_cmpstr (text, ==, "unreachable: refused (icmp ok, tcp 2323 refused)");
  g_clear_pointer (&result, wb_probe_result_free);

  /* ICMP alone. */
  result = probe (f, "vm2", "vm3", 0);
  g_assert_true (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_NOT_RUN);
  g_clear_pointer (&text, g_free);
  text = wb_probe_result_describe (result);
  g_assert_cmpstr (text, ==, "reachable (icmp ok)");
  g_clear_pointer (&result, wb_probe_result_free);
  g_clear_pointer (&text, g_free);

  /* On-link, but nobody there. */
  result = probe (f, "vm2", "10.7.0.99", 22);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_NO_ARP);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_NO_ARP);
  g_assert_cmpint (result->reason, ==, WB_PROBE_NO_ARP);
  g_clear_pointer (&result, wb_probe_result_free);

  /* A VM on another internal network: its address, and no route to it. */
  g_assert_true (wb_probe_resolve_target (f->runtime, "vm2", "other", &address, &error));
  g_assert_no_error (error);
  g_assert_cmphex (address, ==, ipv4 ("10.8.0.5"));
  result = probe (f, "vm2", "other", 22);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpint (result->reason, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpuint (result->iface, ==, G_MAXUINT);
  g_assert_cmpstr (result->path, ==, "no route in the source's routing table");
}

static void
test_gateway (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(WbProbeResult) result = NULL;

  wb_test_create_intnet_vm (f, "vm2", "lab", "10.7.0.2/24", "10.7.0.254");
  wb_test_create_intnet_vm (f, "other", "elsewhere", "10.8.0.5/24", NULL);
  wb_test_start_vm (f, "vm2");
  wb_test_start_vm (f, "other");

  result = probe (f, "vm2", "other", 22);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_NO_ARP);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_NO_ARP);
  g_assert_cmpint (result->reason, ==, WB_PROBE_NO_ARP);
  g_assert_cmphex (result->gateway, ==, ipv4 ("10.7.0.254"));
  g_assert_cmpstr (result->path, ==, "adapter 1, internal network 'lab', gateway 10.7.0.254");
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(WbProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) async = NULL;
  guint32 address = 0;

  wb_test_create_intnet_vm (f, "vm2", "lab", "10.7.0.2/24", NULL);

  /* Not running, no such VM, no host on an internal network. */
  result = probe_full (f, "vm2", ipv4 ("10.7.0.3"), 22, TIMEOUT_MS, &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  g_assert_null (result);
  g_clear_error (&error);
  result = probe_full (f, "nobody", ipv4 ("10.7.0.3"), 22, TIMEOUT_MS, &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_assert_null (result);
  g_clear_error (&error);
  wb_test_start_vm (f, "vm2");
  g_assert_false (wb_probe_resolve_target (f->runtime, "vm2", "host", &address, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (wb_probe_resolve_target (f->runtime, "vm2", "nobody", &address, &error));
  g_assert_error (error, WB_ERROR, WB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The source stops while the probe waits. */
  wb_probe_runtime_async (f->runtime, "vm2", ipv4 ("10.7.0.99"), 22, 60000, NULL,
                          wb_test_store_result_cb, &async);
  wb_test_run_pending ();
  wb_test_poweroff_vm (f, "vm2");
  result = wb_probe_runtime_finish (f->runtime, wb_test_wait_result (&async), &error);
  g_assert_error (error, WB_ERROR, WB_ERROR_BUSY);
  g_assert_null (result);
  g_clear_error (&error);
  g_clear_object (&async);

  /* Cancelled. */
  wb_test_start_vm (f, "vm2");
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    wb_probe_runtime_async (f->runtime, "vm2", ipv4 ("10.7.0.99"), 22, 60000, cancellable,
                            wb_test_store_result_cb, &async);
    wb_test_run_pending ();
    g_cancellable_cancel (cancellable);
    result = wb_probe_runtime_finish (f->runtime, wb_test_wait_result (&async), &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (result);
  }
}

static void
test_host_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(WbProbeResult) result = NULL;
  g_autofree char *ifname = wb_settings_create_host_only_if (f->settings, &error);
  g_autofree char *ip = NULL;
  guint16 port = host_listener (&listener);

  g_assert_no_error (error);
  wb_test_create_vm (f, "ho");
  wb_test_modify_vm (f, "ho", "nic", 1u, "hostonly", "hostonlyadapter", 1u, ifname);
  wb_test_start_vm (f, "ho");
  ip = wb_test_wait_property (f, "ho", IP_PROPERTY, 10000);
  /* The first of VirtualBox's host-only DHCP range. */
  g_assert_cmpstr (ip, ==, "192.168.56.101");

  result = probe (f, "ho", "host", port);
  g_assert_cmphex (result->target, ==, ipv4 ("192.168.56.1"));
  g_assert_true (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_OK);
  g_assert_cmpstr (result->path, ==, "adapter 1, host-only interface 'vboxnet0'");
}

static void
test_nat_host (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(WbProbeResult) result = NULL;
  g_autofree char *ip = NULL;
  guint16 port = host_listener (&listener);

  wb_test_create_vm (f, "natvm");
  wb_test_modify_vm (f, "natvm", "nic", 1u, "nat", "natlocalhostreachable", 1u, "on");
  wb_test_start_vm (f, "natvm");
  ip = wb_test_wait_property (f, "natvm", IP_PROPERTY, 10000);
  g_assert_cmpstr (ip, ==, "10.0.2.15");

  result = probe (f, "natvm", "host", port);
  g_assert_cmphex (result->target, ==, ipv4 ("10.0.2.2"));
  g_assert_true (result->reachable);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_OK);
  g_assert_cmpstr (result->path, ==, "adapter 1, NAT");
  g_clear_pointer (&result, wb_probe_result_free);
  wb_test_poweroff_vm (f, "natvm");

  /* VirtualBox 7's default: the host's loopback is not reachable. */
  wb_test_modify_vm (f, "natvm", "natlocalhostreachable", 1u, "off");
  wb_test_start_vm (f, "natvm");
  g_clear_pointer (&ip, g_free);
  ip = wb_test_wait_property (f, "natvm", IP_PROPERTY, 10000);
  g_assert_cmpstr (ip, ==, "10.0.2.15");
  result = probe (f, "natvm", "host", port);
  g_assert_cmphex (result->target, ==, ipv4 ("10.0.2.2"));
  g_assert_false (result->reachable);
  g_assert_cmpint (result->tcp, !=, WB_PROBE_OK);
  g_assert_cmpint (result->reason, !=, WB_PROBE_OK);
  /* The alias answers; the connection is turned away at once rather than
   * left to time out. */
  g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_REFUSED);
  g_assert_cmpint (result->reason, ==, WB_PROBE_REFUSED);
  g_assert_cmphex (result->unreachable_from, ==, ipv4 ("10.0.2.2"));
  g_assert_cmpstr (result->path, ==, "adapter 1, NAT");
}

/* A router VM that has no route beyond its networks answers "net
 * unreachable": the probe says "no route" and names the router. Its
 * time-out is a minute, so that only the router's answer can end it
 * within the test's time. */
static void
test_router_unreachable (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(WbProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  wb_test_create_intnet_vm (f, "vm2", "lab", "10.7.0.2/24", "10.7.0.1");
  wb_test_create_intnet_vm (f, "router", "lab", "10.7.0.1/24", NULL);
  wb_test_modify_vm (f, "router", "nic", 2u, "intnet", "intnet", 2u, "beyond");
  wb_test_configure_guest (f, "router", "guestip", 2u, "10.9.0.1/24", "ipforward", 0u, "on");
  wb_test_create_intnet_vm (f, "far", "beyond", "10.9.0.5/24", "10.9.0.1");
  wb_test_start_vm (f, "router");
  wb_test_start_vm (f, "vm2");
  wb_test_start_vm (f, "far");

  /* Through the router. */
  result = probe (f, "vm2", "far", 22);
  g_assert_true (result->reachable);
  g_assert_cmphex (result->unreachable_from, ==, 0);
  g_assert_cmpstr (result->path, ==, "adapter 1, internal network 'lab', gateway 10.7.0.1");
  g_clear_pointer (&result, wb_probe_result_free);

  /* Beyond it. */
  result = probe_full (f, "vm2", ipv4 ("172.16.5.5"), 22, 60000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpint (result->reason, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmphex (result->gateway, ==, ipv4 ("10.7.0.1"));
  g_assert_cmphex (result->unreachable_from, ==, ipv4 ("10.7.0.1"));
  g_assert_cmpuint (result->unreachable_code, ==, 0);
  g_assert_cmpstr (result->path, ==, "adapter 1, internal network 'lab', gateway 10.7.0.1");
  text = wb_probe_result_describe (result);
  g_assert_cmpstr (text, ==, "unreachable: no route (icmp no route, tcp 22 no route; "
                             "net unreachable from 10.7.0.1)");
  g_clear_pointer (&result, wb_probe_result_free);

  /* ICMP alone. */
  result = probe_full (f, "vm2", ipv4 ("172.16.5.5"), 0, 60000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_false (result->reachable);
  g_assert_cmpint (result->icmp, ==, WB_PROBE_NO_ROUTE);
  g_assert_cmpint (result->tcp, ==, WB_PROBE_NOT_RUN);
  g_assert_cmphex (result->unreachable_from, ==, ipv4 ("10.7.0.1"));
  g_assert_cmpint (result->reason, ==, WB_PROBE_NO_ROUTE);
}

/* --- a peer that answers a SYN with ICMP errors ---------------------------------- */

#define PEER_ADDRESS    0x0a070003u     /* 10.7.0.3 */
#define PROBER_ADDRESS  0x0a070002u     /* 10.7.0.2 */
#define ICMP_UNREACHABLE      3
#define ICMP_TIME_EXCEEDED    11

static const guint8 prober_mac[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x02 };
static const guint8 peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };

typedef struct
{
  WbGuest *guest;
  guint8   code;              /* what the SYN finally gets */
  GQueue   frames;            /* GBytes for the guest, delivered when idle */
  guint    idle;
} Peer;

static gboolean
peer_deliver_cb (gpointer user_data)
{
  Peer *peer = user_data;
  GBytes *bytes;

  peer->idle = 0;
  while ((bytes = g_queue_pop_head (&peer->frames)) != NULL)
    {
      gsize len;
      const guint8 *frame = g_bytes_get_data (bytes, &len);

      wb_guest_input (peer->guest, 0, frame, len);
      g_bytes_unref (bytes);
    }
  return G_SOURCE_REMOVE;
}

/* Queued, not delivered: the guest is still inside its transmit. */
static void
peer_send (Peer         *peer,
           const guint8 *frame,
           gsize         len)
{
  g_queue_push_tail (&peer->frames, g_bytes_new (frame, len));
  if (peer->idle == 0)
    peer->idle = g_idle_add (peer_deliver_cb, peer);
}

/* Ethernet and IPv4 headers from the peer to the prober in front of @len
 * bytes at @frame + 34. */
static gsize
peer_ip_frame (guint8       *frame,
               const guint8 *dst_mac,
               guint8        proto,
               gsize         len)
{
  guint8 *ip = frame + WB_ETH_HLEN;

  memcpy (frame, dst_mac, 6);
  memcpy (frame + 6, peer_mac, 6);
  wb_put_be16 (frame + 12, WB_ETHERTYPE_IPV4);
  memset (ip, 0, WB_IPV4_HLEN);
  ip[0] = 0x45;
  wb_put_be16 (ip + 2, (guint16) (WB_IPV4_HLEN + len));
  ip[8] = 64;
  ip[9] = proto;
  wb_put_be32 (ip + 12, PEER_ADDRESS);
  wb_put_be32 (ip + 16, PROBER_ADDRESS);
  wb_put_be16 (ip + 10, wb_checksum (ip, WB_IPV4_HLEN));
  return WB_ETH_HLEN + WB_IPV4_HLEN + len;
}

typedef enum
{
  BAD_NONE,
  BAD_CHECKSUM,
  BAD_SHORT,                  /* 4 bytes of data quoted */
  BAD_IHL_SMALL,
  BAD_IHL_LARGE,              /* a header longer than the quote */
  BAD_VERSION,
  BAD_FRAGMENT,
  BAD_SOURCE,                 /* not the prober's datagram */
  BAD_PORT,
  BAD_BROADCAST,
  BAD_TIME_EXCEEDED,          /* well formed, not an unreachable */
  BAD_FRAG_NEEDED,
  N_BAD
} Bad;

/* An ICMP error of @code quoting @quoted (an IPv4 header and data), spoilt
 * as @bad says. */
static void
peer_send_error (Peer         *peer,
                 guint8        code,
                 const guint8 *quoted,
                 gsize         quoted_len,
                 Bad           bad)
{
  static const guint8 broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  guint8 frame[WB_ETH_HLEN + WB_IPV4_HLEN + WB_ICMP_HLEN + 128] = { 0 };
  guint8 *icmp = frame + WB_ETH_HLEN + WB_IPV4_HLEN;
  guint8 *copy = icmp + WB_ICMP_HLEN;
  gsize hlen = (gsize) (quoted[0] & 0x0f) * 4;
  gsize len;

  g_assert_cmpuint (hlen + 8, <=, MIN (quoted_len, 128));
  len = bad == BAD_SHORT ? hlen + 4 : hlen + 8;
  memcpy (copy, quoted, len);
  icmp[0] = bad == BAD_TIME_EXCEEDED ? ICMP_TIME_EXCEEDED : ICMP_UNREACHABLE;
  icmp[1] = bad == BAD_FRAG_NEEDED ? 4 : bad == BAD_NONE ? code : 0;
  switch (bad)
    {
    case BAD_IHL_SMALL:
      copy[0] = 0x44;
      break;
    case BAD_IHL_LARGE:
      copy[0] = 0x4f;
      break;
    case BAD_VERSION:
      copy[0] = 0x65;
      break;
    case BAD_FRAGMENT:
      wb_put_be16 (copy + 6, 0x0010);
      break;
    case BAD_SOURCE:
      wb_put_be32 (copy + 12, PEER_ADDRESS + 6);
      break;
    case BAD_PORT:
      wb_put_be16 (copy + hlen + 2, 23);
      break;
    default:
      break;
    }
  wb_put_be16 (icmp + 2, wb_checksum (icmp, WB_ICMP_HLEN + len));
  if (bad == BAD_CHECKSUM)
    icmp[2] ^= 0x10;
  peer_send (peer, frame,
             peer_ip_frame (frame, bad == BAD_BROADCAST ? broadcast : prober_mac,
                            WB_IP_PROTO_ICMP, WB_ICMP_HLEN + len));
}

/* The prober's frames: ARP answered, echoes answered, a SYN answered by
 * every spoilt error first (a router's "net unreachable", each, were it
 * taken), then by the real one. */
static void
peer_transmit_cb (gpointer      user_data,
                  guint         iface,
                  const guint8 *frame,
                  gsize         len)
{
  Peer *peer = user_data;
  const guint8 *ip = frame + WB_ETH_HLEN;
  guint8 reply[1600];

  if (len >= WB_ETH_HLEN + 28 && wb_get_be16 (frame + 12) == WB_ETHERTYPE_ARP
      && wb_get_be16 (ip + 6) == 1 && wb_get_be32 (ip + 24) == PEER_ADDRESS)
    {
      memcpy (reply, frame + 6, 6);
      memcpy (reply + 6, peer_mac, 6);
      wb_put_be16 (reply + 12, WB_ETHERTYPE_ARP);
      memcpy (reply + WB_ETH_HLEN, ip, 8);
      wb_put_be16 (reply + WB_ETH_HLEN + 6, 2);
      memcpy (reply + WB_ETH_HLEN + 8, peer_mac, 6);
      wb_put_be32 (reply + WB_ETH_HLEN + 14, PEER_ADDRESS);
      memcpy (reply + WB_ETH_HLEN + 18, ip + 8, 10);
      peer_send (peer, reply, WB_ETH_HLEN + 28);
      return;
    }
  if (len < WB_ETH_HLEN + WB_IPV4_HLEN + 8 || wb_get_be16 (frame + 12) != WB_ETHERTYPE_IPV4
      || wb_get_be32 (ip + 16) != PEER_ADDRESS || ip[0] != 0x45)
    return;
  if (ip[9] == WB_IP_PROTO_ICMP && ip[WB_IPV4_HLEN] == 8)
    {
      gsize icmp_len = wb_get_be16 (ip + 2) - WB_IPV4_HLEN;
      guint8 *icmp = reply + WB_ETH_HLEN + WB_IPV4_HLEN;

      g_assert_cmpuint (icmp_len, <=, sizeof reply - WB_ETH_HLEN - WB_IPV4_HLEN);
      memcpy (icmp, ip + WB_IPV4_HLEN, icmp_len);
      icmp[0] = 0;
      wb_put_be16 (icmp + 2, 0);
      wb_put_be16 (icmp + 2, wb_checksum (icmp, icmp_len));
      peer_send (peer, reply, peer_ip_frame (reply, prober_mac, WB_IP_PROTO_ICMP, icmp_len));
    }
  else if (ip[9] == WB_IP_PROTO_TCP && (ip[WB_IPV4_HLEN + 13] & 0x02) != 0)
    {
      gsize ip_len = len - WB_ETH_HLEN;

      for (Bad bad = BAD_CHECKSUM; bad < N_BAD; bad++)
        peer_send_error (peer, 0, ip, ip_len, bad);
      peer_send_error (peer, peer->code, ip, ip_len, BAD_NONE);
    }
}

static void
peer_property_cb (gpointer    user_data,
                  const char *name,
                  const char *value)
{
}

static void
peer_log_cb (gpointer    user_data,
             const char *message)
{
  g_test_message ("prober: %s", message);
}

/* A SYN answered by the target's ICMP port or protocol unreachable is
 * refused, at once; the malformed and unrelated errors before it change
 * nothing. */
static void
test_port_unreachable (void)
{
  static const WbGuestCallbacks callbacks = {
    .transmit = peer_transmit_cb,
    .property_changed = peer_property_cb,
    .log = peer_log_cb,
  };
  static const guint8 codes[] = { 3, 2 };
  static const char * const labels[WB_GUEST_MAX_IFACES] = { "adapter 1" };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr(WbProbeResult) result = NULL;
      g_autoptr(GAsyncResult) async = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      Peer peer = { .code = codes[i] };

      g_queue_init (&peer.frames);
      peer.guest = wb_guest_new ("prober", NULL, &callbacks, &peer);
      wb_guest_add_interface (peer.guest, 0, prober_mac, WB_ETH_MTU);
      wb_guest_configure_static (peer.guest, 0, PROBER_ADDRESS, 24);
      wb_guest_set_link (peer.guest, 0, TRUE);

      wb_probe_async (peer.guest, labels, PEER_ADDRESS, 22, 60000, NULL,
                      wb_test_store_result_cb, &async);
      result = wb_probe_finish (wb_test_wait_result (&async), &error);
      g_assert_no_error (error);
      g_assert_nonnull (result);
      g_assert_false (result->reachable);
      g_assert_cmpint (result->icmp, ==, WB_PROBE_OK);
      g_assert_cmpint (result->tcp, ==, WB_PROBE_REFUSED);
      g_assert_cmpint (result->reason, ==, WB_PROBE_REFUSED);
      g_assert_cmphex (result->unreachable_from, ==, PEER_ADDRESS);
      g_assert_cmpuint (result->unreachable_code, ==, codes[i]);
      g_assert_cmpstr (result->path, ==, "adapter 1");
      text = wb_probe_result_describe (result);
      g_assert_cmpstr (text, ==, codes[i] == 3
                       ? "unreachable: refused (icmp ok, tcp 22 refused; port unreachable from 10.7.0.3)"
                       : "unreachable: refused (icmp ok, tcp 22 refused; protocol unreachable from 10.7.0.3)");

      wb_guest_shutdown (peer.guest);
      g_clear_handle_id (&peer.idle, g_source_remove);
      g_queue_clear_full (&peer.frames, (GDestroyNotify) g_bytes_unref);
      wb_guest_free (peer.guest);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *base = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  base = wb_test_runtime_set_up_base ("wirebox-probe-XXXXXX");

  wb_test_add ("/probe/internal", test_internal);
  wb_test_add ("/probe/gateway", test_gateway);
  wb_test_add ("/probe/errors", test_errors);
  wb_test_add ("/probe/host-only", test_host_only);
  wb_test_add ("/probe/nat-host", test_nat_host);
  wb_test_add ("/probe/router-unreachable", test_router_unreachable);
  g_test_add_func ("/probe/port-unreachable", test_port_unreachable);

  status = g_test_run ();
  wb_test_runtime_rm_rf (base);
  return status;
}
