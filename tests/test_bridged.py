# SPDX-License-Identifier: GPL-3.0-or-later
"""Bridged networking (issue 4, "Bridged"; DESIGN.md §5 and §9).

EmulatedLan (no privilege): a VM bridged to the host's first interface
with an IPv4 address in `list bridgedifs` (or, where there is none, the
first interface, whose LAN is then 10.10.10.0/24) gets an address in that
subnet from the LAN gateway's DHCP server, pings the gateway, the host's
address and the LAN peer, is pinged by the LAN peer and by the host's
address (`guestcontrol "bridged:IFACE/peer"` and `.../host` run commands
on those stations), reaches the host's 127.0.0.1 through the host's
address, and fetches the "Outside" stand-in's page at 198.51.100.1. A
datagram for any other address is dropped by the gateway, and the engine
opens no socket for it. The real interface is only read, never used.

RealBridge (root only, inside a network namespace of its own made with
`unshare --net`): WIREBOX_BRIDGE_REAL=1 bridges a VM onto vethA through an
AF_PACKET socket; dnsmasq on vethB (192.168.77.0/24) leases it an address
and the kernel pings it. Skipped, saying why, otherwise.
"""

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

import wbtest

IP_PROPERTY = '/VirtualBox/GuestInfo/Net/0/V4/IP'
OUTSIDE = '198.51.100.1'
FALLBACK = ipaddress.ip_interface('10.10.10.72/24')
INSIDE = 'WIREBOX_TEST_STARTED_IN_NETNS'
REAL_FLAG = '--real-bridge-inside-namespace'
SKIP_EXIT = 77


def bridged_ifs(home):
    """`list bridgedifs` as [(name, ip, netmask)]."""
    out = home.ok('list', 'bridgedifs')
    ifs = []
    for block in out.strip().split('\n\n'):
        fields = {}
        for line in block.splitlines():
            key, _, value = line.partition(':')
            fields[key.strip()] = value.strip()
        if 'Name' in fields:
            ifs.append((fields['Name'], fields.get('IPAddress', ''),
                        fields.get('NetworkMask', '')))
    return ifs


def lan_of(ifs):
    """The interface a user would bridge to, and the LAN Wirebox mirrors:
    (name, host interface address)."""
    for name, ip, mask in ifs:
        if ip not in ('', '0.0.0.0'):
            iface = ipaddress.ip_interface('%s/%s' % (ip, mask))
            # Too small a subnet for the LAN's stations: the fallback.
            if iface.network.prefixlen <= 29:
                return name, iface
            return name, FALLBACK
    return (ifs[0][0], FALLBACK) if ifs else (None, None)


def engine_fds(home):
    return len(os.listdir('/proc/%d/fd' % home.engine.pid))


class EmulatedLan(wbtest.HomeTestCase):
    def setUp(self):
        super().setUp()
        self.ifname, self.host = lan_of(bridged_ifs(self.home))
        if self.ifname is None:
            self.skipTest('no host interface to bridge to')
        net = self.host.network
        first, last = net.network_address + 1, net.broadcast_address - 1
        self.gateway = first if first != self.host.ip else last
        self.peer = net.broadcast_address - 5
        while self.peer in (self.host.ip, self.gateway):
            self.peer -= 1
        self.ok = self.home.ok
        self.ok('createvm', '--name', 'Lan1', '--register')
        self.ok('modifyvm', 'Lan1', '--nic1', 'bridged',
                '--bridgeadapter1', self.ifname)
        self.ok('startvm', 'Lan1', '--type', 'headless')
        self.ok('guestproperty', 'wait', 'Lan1', IP_PROPERTY,
                '--timeout', '20000')
        value = self.ok('guestproperty', 'get', 'Lan1', IP_PROPERTY)
        self.assertTrue(value.startswith('Value: '), value)
        self.vm = ipaddress.ip_address(value[len('Value: '):].strip())

    def run_on(self, who, *argv):
        return self.home.manage('guestcontrol', who, 'run', '--', *argv,
                                timeout=60)

    def station(self, role):
        return 'bridged:%s/%s' % (self.ifname, role)

    def assertPings(self, who, target):
        r = self.run_on(who, 'ping', '-c', '2', '-i', '0.2', str(target))
        self.assertEqual(r.returncode, 0, '%s -> %s: %s%s'
                         % (who, target, r.stdout, r.stderr))
        self.assertIn(' 2 received', r.stdout)

    def test_lease_in_the_mirrored_subnet(self):
        self.assertIn(self.vm, self.host.network)
        self.assertNotIn(self.vm, (self.host.ip, self.gateway, self.peer))
        r = self.run_on('Lan1', 'ip', 'route')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('default via %s' % self.gateway, r.stdout)
        with open(os.path.join(self.home.path, 'logs', 'Lan1.log')) as f:
            self.assertIn("attached to bridged interface '%s' (emulated LAN %s)"
                          % (self.ifname, self.host.network), f.read())

    def test_vm_reaches_gateway_host_and_peer(self):
        for target in (self.gateway, self.host.ip, self.peer):
            self.assertPings('Lan1', target)
        r = self.run_on('Lan1', 'http', 'http://%s/' % self.peer)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('peer', r.stdout)

    def test_lan_peer_and_host_reach_vm(self):
        self.assertPings(self.station('peer'), self.vm)
        self.assertPings(self.station('host'), self.vm)
        r = self.run_on(self.station('peer'), 'http', 'http://%s/' % self.vm)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('Lan1', r.stdout)
        r = self.run_on(self.station('host'), 'tcp', str(self.vm), '22')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('SSH-2.0-Wirebox_guest', r.stdout)

    def test_host_address_relays_to_loopback(self):
        server = socket.socket()
        server.bind(('127.0.0.1', 0))
        server.listen(1)
        port = server.getsockname()[1]

        def serve():
            conn, _ = server.accept()
            conn.sendall(b'hello from the host\r\n')
            conn.close()
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            r = self.run_on('Lan1', 'tcp', str(self.host.ip), str(port))
        finally:
            thread.join(timeout=10)
            server.close()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('hello from the host', r.stdout)

    def test_outside_stand_in(self):
        self.assertPings('Lan1', OUTSIDE)
        r = self.run_on('Lan1', 'http', 'http://%s/' % OUTSIDE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('outside', r.stdout)
        self.assertIn(OUTSIDE, r.stdout)

    def test_nothing_else_leaves(self):
        # TEST-NET-1, or TEST-NET-3 when the LAN mirrors TEST-NET-1.
        elsewhere = ipaddress.ip_address('192.0.2.99')
        if elsewhere in self.host.network:
            elsewhere = ipaddress.ip_address('203.0.113.99')
        before = engine_fds(self.home)
        r = self.run_on('Lan1', 'ping', '-c', '2', '-i', '0.2', '-W', '1',
                        str(elsewhere))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(' 0 received', r.stdout)
        r = self.run_on('Lan1', 'tcp', str(elsewhere), '80')
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        # No socket was opened for either: the gateway has no route. (The
        # engine closes a finished client's connection a moment later.)
        # A leaked socket stays; a client connection counted in @before may
        # be gone by now, so "no more than before".
        self.assertTrue(wbtest.wait_for(lambda: engine_fds(self.home) <= before,
                                        timeout=5),
                        'engine fds: %d before, %d after'
                        % (before, engine_fds(self.home)))


# --- bridged for real, inside a network namespace ---------------------------------


def real_skip_reason():
    why = 'needs root, unshare --net, ip and dnsmasq'
    if os.geteuid() != 0:
        return '%s (running as uid %d)' % (why, os.geteuid())
    for tool in ('unshare', 'ip', 'dnsmasq', 'ping'):
        if shutil.which(tool) is None:
            return '%s (no %s)' % (why, tool)
    r = subprocess.run(['unshare', '--net', 'true'], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 0:
        return '%s (unshare --net failed: %s)' % (why, r.stderr.strip())
    return None


def own_namespace():
    started_in = os.environ.get(INSIDE)
    return (started_in is not None
            and os.readlink('/proc/self/ns/net') != started_in)


def sh(*argv, check=True):
    # The last line of defence: nothing is configured outside our namespace.
    assert own_namespace(), 'refusing to configure the machine\'s network'
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError('%s exited %d: %s%s' % (
            ' '.join(argv), r.returncode, r.stdout, r.stderr))
    return r


def real_bridge_inside():
    """Runs inside the new namespace; raises on failure."""
    sh('ip', 'link', 'set', 'lo', 'up')
    sh('ip', 'link', 'add', 'vethA', 'type', 'veth', 'peer', 'name', 'vethB')
    sh('ip', 'addr', 'add', '192.168.77.1/24', 'dev', 'vethB')
    sh('ip', 'link', 'set', 'vethA', 'up')
    sh('ip', 'link', 'set', 'vethB', 'up')
    home = wbtest.Home(extra_env={'WIREBOX_BRIDGE_REAL': '1'})
    folder = tempfile.mkdtemp(prefix='wirebox-bridged-')
    dnsmasq = subprocess.Popen(
        ['dnsmasq', '--no-daemon', '--port=0', '--interface=vethB',
         '--bind-interfaces', '--no-resolv', '--no-hosts',
         '--dhcp-range=192.168.77.50,192.168.77.60,255.255.255.0,1h',
         '--dhcp-leasefile=' + os.path.join(folder, 'leases'),
         '--pid-file=' + os.path.join(folder, 'pid')],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = ''
    try:
        home.ok('createvm', '--name', 'Real1', '--register')
        home.ok('modifyvm', 'Real1', '--nic1', 'bridged',
                '--bridgeadapter1', 'vethA')
        home.ok('startvm', 'Real1', '--type', 'headless')
        home.ok('guestproperty', 'wait', 'Real1', IP_PROPERTY,
                '--timeout', '30000')
        ip = home.ok('guestproperty', 'get', 'Real1',
                     IP_PROPERTY)[len('Value: '):].strip()
        last = int(ip.split('.')[-1])
        assert ip.startswith('192.168.77.') and 50 <= last <= 60, ip
        r = sh('ping', '-c', '2', '-i', '0.2', '-W', '2', ip, check=False)
        assert r.returncode == 0 and '2 received' in r.stdout, r.stdout
        r = home.manage('guestcontrol', 'Real1', 'run', '--', 'ping', '-c',
                        '2', '-i', '0.2', '192.168.77.1')
        assert r.returncode == 0, r.stdout + r.stderr
        home.ok('controlvm', 'Real1', 'poweroff')
    finally:
        home.close()
        dnsmasq.terminate()
        log = dnsmasq.communicate(timeout=10)[0]
        shutil.rmtree(folder, ignore_errors=True)
        print(log, file=sys.stderr)
    assert 'DHCPACK(vethB) ' + ip in log, log


class RealBridge(unittest.TestCase):
    def test_dnsmasq_lease_and_kernel_ping(self):
        reason = real_skip_reason()
        if reason:
            self.skipTest(reason)
        env = dict(os.environ, **{INSIDE: os.readlink('/proc/self/ns/net')})
        r = subprocess.run(['unshare', '--net', '--', sys.executable,
                            os.path.abspath(__file__), REAL_FLAG],
                           env=env, capture_output=True, text=True,
                           timeout=240)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == '__main__':
    if sys.argv[1:] == [REAL_FLAG]:
        if not own_namespace():
            sys.exit('not in a network namespace of its own')
        real_bridge_inside()
        sys.exit(0)
    wbtest.main()
