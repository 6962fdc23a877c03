# SPDX-License-Identifier: GPL-3.0-or-later
"""wirebox-manage probe (issue 6 §1, §4): probes from inside running VMs,
as a user runs them.

Network safety: the probes target addresses inside the lab, the host-only
host endpoint and libslirp's host alias 10.0.2.2; the only real sockets
they reach are a listener of this test on 127.0.0.1 (an ephemeral port)."""

import socket

import wbtest
from test_bridged import bridged_ifs, lan_of
from test_cli import CliTestCase

IP_PROPERTY = '/VirtualBox/GuestInfo/Net/0/V4/IP'


class ProbeCase(CliTestCase):
    def start(self, *names):
        for name in names:
            self.ok('startvm', name, '--type', 'headless')

    def address(self, vm):
        out = self.ok('guestproperty', 'wait', vm, IP_PROPERTY,
                      '--timeout', '10000')
        return out.split('value: ')[1].split(',')[0]

    def listener(self):
        """A listener on the host's 127.0.0.1; the kernel completes the
        handshakes from its backlog. Returns its port."""
        s = socket.socket()
        self.addCleanup(s.close)
        s.bind(('127.0.0.1', 0))
        s.listen(16)
        return s.getsockname()[1]

    def probe(self, *args, code=0):
        r = self.home.manage('probe', *args)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        self.assertEqual(r.stderr, '')
        self.assertEqual(r.stdout.count('\n'), 1, r.stdout)
        return r.stdout.rstrip('\n')


class Internal(ProbeCase):
    def setUp(self):
        super().setUp()
        for name, net, address in (('VM2', 'intnet', '192.168.23.2/24'),
                                   ('VM3', 'intnet', '192.168.23.3/24'),
                                   ('VM4', 'other', '10.9.0.4/24')):
            self.createvm(name)
            self.ok('modifyvm', name, '--nic1', 'intnet', '--intnet1', net)
            self.ok('guestconfig', name, '--guest-ip1', address)
        self.start('VM2', 'VM3', 'VM4')

    def test_reachable(self):
        self.assertEqual(
            self.probe('VM2', 'VM3'),
            "VM2 -> VM3: reachable (icmp ok, tcp 22 ok) via adapter 1, "
            "internal network 'intnet'")
        self.assertEqual(
            self.probe('VM3', '192.168.23.2', '--tcp', '80'),
            "VM3 -> 192.168.23.2: reachable (icmp ok, tcp 80 ok) via "
            "adapter 1, internal network 'intnet'")

    def test_unreachable(self):
        self.assertEqual(
            self.probe('VM2', 'VM3', '--tcp', '2323', code=1),
            "VM2 -> VM3: unreachable: refused (icmp ok, tcp 2323 refused) "
            "via adapter 1, internal network 'intnet'")
        self.assertEqual(
            self.probe('VM2', 'VM4', code=1),
            "VM2 -> VM4: unreachable: no route (icmp no route, tcp 22 no "
            "route); no route in the source's routing table")
        self.assertEqual(
            self.probe('VM2', 'host', code=1),
            "VM2 -> host: unreachable: no route (icmp no route, tcp 22 no "
            "route); No adapter of VM 'VM2' has a path to the host")

    def test_errors(self):
        self.refused('probe', 'VM2', code=2, mentions=('probe',))
        self.refused('probe', 'VM2', 'VM3', 'VM4', code=2, mentions=('VM4',))
        self.refused('probe', 'VM2', 'VM3', '--tcp', 'ssh', code=2,
                     mentions=('--tcp',))
        self.refused('probe', 'VM2', 'VM3', '--tcp', '0', code=2,
                     mentions=('--tcp',))
        self.refused('probe', 'nosuch', 'VM3', code=1, mentions=('nosuch',))
        self.ok('controlvm', 'VM4', 'poweroff')
        self.refused('probe', 'VM4', 'VM2', code=1,
                     mentions=('VM4', 'not running'))
        self.refused('probe', 'VM2', 'VM4', code=1,
                     mentions=('VM4', 'not running'))


class Host(ProbeCase):
    def test_host_only(self):
        port = self.listener()
        self.ok('hostonlyif', 'create')
        self.createvm('HO')
        self.ok('modifyvm', 'HO', '--nic1', 'hostonly', '--hostonlyadapter1',
                'vboxnet0')
        self.start('HO')
        self.address('HO')
        self.assertEqual(
            self.probe('HO', 'host', '--tcp', str(port)),
            "HO -> host: reachable (icmp ok, tcp %d ok) via adapter 1, "
            "host-only interface 'vboxnet0'" % port)

    def test_nat_localhost_reachable(self):
        port = self.listener()
        self.createvm('On')
        self.ok('modifyvm', 'On', '--nic1', 'nat',
                '--nat-localhostreachable1', 'on')
        self.createvm('Off')
        self.ok('modifyvm', 'Off', '--nic1', 'nat')
        self.start('On', 'Off')
        self.address('On')
        self.address('Off')
        self.assertEqual(
            self.probe('On', 'host', '--tcp', str(port)),
            "On -> host: reachable (icmp ok, tcp %d ok) via adapter 1, NAT"
            % port)
        line = self.probe('Off', 'host', '--tcp', str(port), code=1)
        self.assertTrue(line.startswith('Off -> host: unreachable: '), line)
        self.assertIn('tcp %d ' % port, line)
        # libslirp itself turns the connection away from its address.
        self.assertIn('; unreachable from 10.0.2.2)', line)
        self.assertTrue(line.endswith('via adapter 1, NAT'), line)


class Bridged(ProbeCase):
    """The emulated LAN (wb-lan.h): a LAN station as a source, and the
    LAN's host address as the Host."""

    def test_lan(self):
        ifname, host = lan_of(bridged_ifs(self.home))
        if ifname is None:
            self.skipTest('no host interface to bridge to')
        port = self.listener()
        self.createvm('Lan1')
        self.ok('modifyvm', 'Lan1', '--nic1', 'bridged', '--bridgeadapter1',
                ifname)
        self.start('Lan1')
        self.address('Lan1')
        via = "via adapter 1, bridged interface '%s'" % ifname
        self.assertEqual(
            self.probe('Lan1', 'host', '--tcp', str(port)),
            'Lan1 -> host: reachable (icmp ok, tcp %d ok) %s' % (port, via))
        peer = 'bridged:%s/peer' % ifname
        self.assertEqual(
            self.probe(peer, 'Lan1'),
            "%s -> Lan1: reachable (icmp ok, tcp 22 ok) via LAN station "
            "'peer', bridged interface '%s'" % (peer, ifname))
        # The host endpoint's own stack: the Host probing the VM.
        station = 'bridged:%s/host' % ifname
        self.assertEqual(
            self.probe(station, 'Lan1', '--tcp', '80'),
            "%s -> Lan1: reachable (icmp ok, tcp 80 ok) via LAN station "
            "'host', bridged interface '%s'" % (station, ifname))
        # The Outside stand-in, through the LAN gateway (.1, or .254 when
        # the host is .1).
        gateway = host.network[1]
        if host.ip == gateway:
            gateway = host.network[-2]
        self.assertEqual(
            self.probe('Lan1', '198.51.100.1'),
            'Lan1 -> 198.51.100.1: reachable (icmp ok, tcp 22 ok) %s, '
            'gateway %s' % (via, gateway))


if __name__ == '__main__':
    wbtest.main()
