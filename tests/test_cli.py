# SPDX-License-Identifier: GPL-3.0-or-later
"""wirebox-manage against a headless engine in a temporary WIREBOX_HOME:
VBoxManage's network syntax and output formats (VIRTUALBOX.md §2-§7), exit
codes, one-line errors, and no change at all when a command is refused."""

import os
import re
import subprocess
import unittest

import wbtest
from wbtest import Home, MANAGE

VM = 'VM_name'
ERROR_PREFIX = 'wirebox-manage: error: '


class CliTestCase(wbtest.HomeTestCase):
    def ok(self, *args):
        return self.home.ok(*args)

    def refused(self, *args, code=None, mentions=()):
        """Runs a command that must fail: non-zero exit (@code if given), no
        output, exactly one stderr line naming the problem (each item of
        @mentions, or one of a tuple of alternatives, appears in it), and
        the database exactly as before."""
        before = self.home.db_dump()
        r = self.home.manage(*args)
        after = self.home.db_dump()
        what = 'wirebox-manage %r' % (args,)
        self.assertNotEqual(r.returncode, 0, what)
        if code is not None:
            self.assertEqual(r.returncode, code, '%s: %s' % (what, r.stderr))
        self.assertEqual(r.stdout, '', what)
        self.assertTrue(r.stderr.startswith(ERROR_PREFIX),
                        '%s: %r' % (what, r.stderr))
        self.assertTrue(r.stderr.endswith('\n'), '%s: %r' % (what, r.stderr))
        self.assertEqual(r.stderr.count('\n'), 1,
                         '%s: not one line: %r' % (what, r.stderr))
        self.assertGreater(len(r.stderr), len(ERROR_PREFIX) + 1, what)
        message = r.stderr.lower()
        for mention in mentions:
            options = mention if isinstance(mention, tuple) else (mention,)
            self.assertTrue(any(o.lower() in message for o in options),
                            '%s: %r does not mention %r'
                            % (what, r.stderr, mention))
        self.assertEqual(before, after, '%s changed the database' % what)
        return r

    def createvm(self, name=VM):
        return self.ok('createvm', '--name', name, '--register')

    def mr(self, vm=VM):
        return self.machinereadable(vm)

    def readable(self, vm=VM):
        return self.ok('showvminfo', vm)

    def assertMr(self, expected, vm=VM):
        """@expected maps keys to unquoted values."""
        values = self.mr(vm)
        for key, value in expected.items():
            self.assertIn(key, values)
            self.assertEqual(values[key], '"%s"' % value, key)


class Vms(CliTestCase):
    def test_createvm_output(self):
        out = self.createvm()
        self.assertRegex(
            out,
            r"\AVirtual machine 'VM_name' is created and registered\.\n"
            r"UUID: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
            r"[0-9a-f]{12})\n"
            r"Settings file: '%s'\n\Z"
            % re.escape(os.path.join(self.home.path, VM, VM + '.vbox')))
        uuid = out.splitlines()[1].split()[1]
        self.assertEqual(self.ok('list', 'vms'), '"%s" {%s}\n' % (VM, uuid))
        self.assertMr({'name': VM, 'UUID': uuid, 'VMState': 'poweroff'})

    def test_createvm_without_register(self):
        out = self.ok('createvm', '--name', 'loose')
        self.assertTrue(out.startswith(
            "Virtual machine 'loose' is created.\nUUID: "), out)
        self.assertEqual(self.ok('list', 'vms'), '')
        self.refused('createvm', '--name', 'loose', '--register', code=1,
                     mentions=['loose'])

    def test_createvm_options(self):
        out = self.ok('createvm', '--name=a', '--ostype', 'Debian_64',
                      '--basefolder', '/srv/vms', '--register')
        self.assertIn("Settings file: '/srv/vms/a/a.vbox'\n", out)
        self.refused('createvm', '--register', code=2, mentions=['--name'])
        self.refused('createvm', '--name', 'b', '--groups', '/x', code=2,
                     mentions=['--groups', 'not supported by Wirebox'])
        self.refused('createvm', '--name', 'b', '--frobnicate', code=2,
                     mentions=['--frobnicate'])

    def test_list_vms_in_creation_order_and_sorted(self):
        for name in ('b', 'c', 'a'):
            self.createvm(name)
        names = [line.split('"')[1]
                 for line in self.ok('list', 'vms').splitlines()]
        self.assertEqual(names, ['b', 'c', 'a'])
        names = [line.split('"')[1]
                 for line in self.ok('list', '--sorted', 'vms').splitlines()]
        self.assertEqual(names, ['a', 'b', 'c'])
        long = self.ok('list', '-l', 'vms')
        self.assertEqual(long.count('NIC 1:'), 3)

    def test_unregistervm(self):
        self.createvm()
        self.createvm('other')
        self.assertEqual(self.ok('unregistervm', VM, '--delete'), '')
        self.assertNotIn('"%s"' % VM, self.ok('list', 'vms'))
        self.refused('unregistervm', VM, code=1, mentions=[VM])
        uuid = self.mr('other')['UUID'].strip('"')
        self.assertEqual(self.ok('unregistervm', uuid), '')
        self.assertEqual(self.ok('list', 'vms'), '')
        self.refused('unregistervm', code=2)

    def test_unknown_vm(self):
        self.createvm()
        self.refused('modifyvm', 'nosuch', '--nic1', 'nat', code=1,
                     mentions=['nosuch'])
        self.refused('showvminfo', 'nosuch', code=1, mentions=['nosuch'])
        self.refused('showvminfo', 'nosuch', '--machinereadable', code=1)
        self.refused('unregistervm', 'nosuch', code=1, mentions=['nosuch'])

    def test_second_vm_of_the_same_name(self):
        self.createvm()
        self.refused('createvm', '--name', VM, '--register', code=1,
                     mentions=[VM])
        self.refused('createvm', '--name', VM, code=1, mentions=[VM])

    def test_names_with_quotes_and_semicolons(self):
        names = ['say "hi"', 'a;b; rm -rf /', 'back\\slash "both"', "it's"]
        for name in names:
            self.createvm(name)
        listed = self.ok('list', 'vms').splitlines()
        for name, line in zip(names, listed):
            uuid = self.mr(name)['UUID'].strip('"')
            self.assertEqual(line, '"%s" {%s}' % (name, uuid))
            escaped = name.replace('\\', '\\\\').replace('"', '\\"')
            out = self.ok('showvminfo', name, '--machinereadable')
            self.assertEqual(out.splitlines()[0], 'name="%s"' % escaped)
            self.assertIn('Name:                        %s\n' % name,
                          self.readable(name))

    def test_names_refused_cleanly(self):
        self.createvm()
        self.refused('createvm', '--name', 'two\nlines', '--register',
                     code=1)
        self.refused('createvm', '--name', 'x' * 10000, '--register', code=1)
        self.refused('createvm', '--name', '', '--register', code=1)
        # An engine message quoting a name with a newline stays one line.
        self.refused('modifyvm', 'no\nsuch', '--nic1', 'nat', code=1)
        self.assertEqual(len(self.ok('list', 'vms').splitlines()), 1)

    def test_not_utf8(self):
        r = subprocess.run([MANAGE, 'createvm', '--name', b'\xff\xfe'],
                           env=self.home.env, capture_output=True)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.count(b'\n'), 1)
        self.assertEqual(self.ok('list', 'vms'), '')


class Seed(CliTestCase):
    """The seed's own commands, as written, with their effects."""

    def test_seed_commands(self):
        self.createvm()
        self.assertEqual(self.ok('modifyvm', VM, '--nic1', 'nat'), '')
        self.assertMr({'nic1': 'nat', 'natnet1': 'nat'})
        self.assertEqual(self.ok('natnetwork', 'add', '--netname', 'natnet1',
                                 '--network', '192.168.22.0/24', '--enable'),
                         '')
        self.assertIn('Gateway:      192.168.22.1\n',
                      self.ok('list', 'natnets'))
        self.ok('modifyvm', VM, '--nic1', 'natnetwork', '--nat-network1',
                'natnet1')
        values = self.mr()
        self.assertEqual(values['nat-network1'], '"natnet1"')
        self.assertEqual(values['nic1'], '"natnetwork"')
        self.assertNotIn('natnet1', values)

    def test_machinereadable_layout(self):
        self.createvm()
        self.ok('modifyvm', VM, '--nic1', 'nat', '--nictype1', '82540EM',
                '--natpf1', 'ssh,tcp,127.0.0.1,2222,,22', '--nic3', 'intnet')
        lines = self.ok('showvminfo', VM, '--machinereadable').splitlines()
        self.assertEqual(lines[:3], [
            'name="VM_name"', lines[1], 'VMState="poweroff"'])
        self.assertRegex(lines[1], r'^UUID="[0-9a-f-]{36}"$')
        mac = self.mr()['macaddress1'].strip('"')
        self.assertRegex(mac, r'^080027[0-9A-F]{6}$')
        self.assertEqual(lines[3:], [
            'natnet1="nat"',
            'macaddress1="%s"' % mac,
            'cableconnected1="on"',
            'nic1="nat"',
            'nictype1="82540EM"',
            'nicspeed1="0"',
            'mtu="0"',
            'sockSnd="64"',
            'sockRcv="64"',
            'tcpWndSnd="64"',
            'tcpWndRcv="64"',
            'Forwarding(0)="ssh,tcp,127.0.0.1,2222,,22"',
            'nic2="none"',
            'intnet3="intnet"',
            'macaddress3="%s"' % self.mr()['macaddress3'].strip('"'),
            'cableconnected3="on"',
            'nic3="intnet"',
            'nictype3="Am79C973"',
            'nicspeed3="0"',
            'nic4="none"', 'nic5="none"', 'nic6="none"', 'nic7="none"',
            'nic8="none"'])

    def test_readable_layout(self):
        self.createvm()
        self.ok('modifyvm', VM, '--nic1', 'nat', '--natpf1',
                'guestssh,tcp,,8022,,22', '--nic2', 'intnet', '--intnet2',
                'lab', '--nic3', 'null', '--nic4', 'generic',
                '--nicgenericdrv4', 'UDPTunnel', '--nicproperty4',
                'sport=5555')
        out = self.readable()
        mac = self.mr()['macaddress1'].strip('"')
        self.assertIn('State:                       powered off\n', out)
        self.assertIn(
            'NIC 1:                       MAC: %s, Attachment: NAT, '
            'Cable connected: on, Trace: off (file: none), Type: Am79C973, '
            'Reported speed: 0 Mbps, Boot priority: 0, Promisc Policy: deny, '
            'Bandwidth group: none' % mac, out)
        self.assertIn(
            'NIC 1 Rule(0):               name = guestssh, protocol = tcp, '
            'host ip = , host port = 8022, guest ip = , guest port = 22\n',
            out)
        self.assertIn("Attachment: Internal Network 'lab',", out)
        self.assertRegex(out, r"NIC 3: +MAC: [0-9A-F]{12}, Attachment: none,")
        self.assertIn("Attachment: Generic 'UDPTunnel' { sport='5555' },",
                      out)
        self.assertIn('NIC 5:                       disabled\n', out)
        for line in out.splitlines():
            self.assertRegex(line, r'^.{28} \S')


class Modifyvm(CliTestCase):
    def setUp(self):
        super().setUp()
        self.createvm()

    def test_eight_adapters(self):
        self.ok('modifyvm', VM, '--nic8', 'intnet', '--intnet8', 'lab')
        self.assertMr({'nic8': 'intnet', 'intnet8': 'lab'})
        self.refused('modifyvm', VM, '--nic9', 'intnet', code=1,
                     mentions=['9'])
        self.refused('modifyvm', VM, '--nic0', 'nat', code=1, mentions=['0'])
        self.refused('modifyvm', VM, '--intnet9', 'lab', code=1)
        self.refused('modifyvm', VM, '--nic99999999999', 'nat', code=1)
        self.refused('modifyvm', VM, '--nic', 'nat', code=2,
                     mentions=['--nic'])

    def test_natpf_add_unnamed_and_delete(self):
        self.ok('modifyvm', VM, '--nic1', 'nat')
        self.ok('modifyvm', VM, '--natpf1', 'guestssh,tcp,,8022,,22')
        self.assertMr({'Forwarding(0)': 'guestssh,tcp,,8022,,22'})
        self.ok('modifyvm', VM, '--natpf1', 'delete', 'guestssh')
        self.assertNotIn('Forwarding(0)', self.mr())
        self.ok('modifyvm', VM, '--natpf1', ',tcp,,8022,,22')
        self.assertMr({'Forwarding(0)': 'tcp_8022_22,tcp,,8022,,22'})
        self.ok('modifyvm', VM, '--nat-pf1=delete', 'tcp_8022_22')
        self.assertNotIn('Forwarding(0)', self.mr())
        self.refused('modifyvm', VM, '--natpf1', 'delete', code=2,
                     mentions=['delete'])
        self.refused('modifyvm', VM, '--natpf1', 'delete', 'nosuch', code=1,
                     mentions=['nosuch'])

    def test_natpf_rules_in_order(self):
        self.ok('modifyvm', VM, '--nic2', 'nat',
                '--natpf2', 'b,udp,,5353,,53',
                '--natpf2', 'a,tcp,127.0.0.1,8080,10.0.3.15,80')
        self.assertMr({'Forwarding(0)': 'b,udp,,5353,,53',
                       'Forwarding(1)': 'a,tcp,127.0.0.1,8080,10.0.3.15,80'})

    def test_bad_rules(self):
        self.ok('modifyvm', VM, '--nic1', 'nat', '--natpf1',
                'dup,tcp,,8022,,22')
        for rule, mention in [
                ('a,b,tcp,,9000,,22', ()),
                ('p0,tcp,,0,,22', 'port'),
                ('p1,tcp,,65536,,22', ('port', '65536')),
                ('p2,tcp,,9000,,0', 'port'),
                ('p3,tcp,,9000,,65536', ('port', '65536')),
                ('p4,icmp,,9000,,22', 'icmp'),
                ('p5,tcp,,abc,,22', ('abc', 'port')),
                ('dup,udp,,9000,,22', 'dup'),
                ('other,tcp,,8022,,23', '8022'),
                ('too,few', ())]:
            self.refused('modifyvm', VM, '--natpf1', rule, code=1,
                         mentions=[mention] if mention else [])
        # The same host port on UDP, or on another host IP, is fine.
        self.ok('modifyvm', VM, '--natpf1', 'u,udp,,8022,,22')
        self.ok('modifyvm', VM, '--natpf1', 'l,tcp,127.0.0.1,8022,,22')

    def test_bad_values(self):
        for args, mention in [
                (('--nic1', 'bogus'), 'bogus'),
                (('--nictype1', 'bogus'), 'bogus'),
                (('--nic-type1', 'NE2000'), 'NE2000'),
                (('--macaddress1', '010000000000'), '010000000000'),
                (('--macaddress1', '08002712345'), '08002712345'),
                (('--macaddress1', '0800271234567'), '0800271234567'),
                (('--macaddress1', '08002712345G'), '08002712345G'),
                (('--macaddress1', '08:00:27:12:34:56'), ()),
                (('--cableconnected1', 'maybe'), 'maybe'),
                (('--nicpromisc1', 'sometimes'), 'sometimes'),
                (('--nicspeed1', 'fast'), 'fast'),
                (('--natnet1', 'abc'), 'abc'),
                (('--nicgenericdrv1', 'Bogus'), 'bogus')]:
            self.refused('modifyvm', VM, *args, code=1,
                         mentions=[mention] if mention else [])

    def test_syntax_errors(self):
        self.refused('modifyvm', VM, '--nic1', code=2, mentions=['--nic1'])
        self.refused('modifyvm', VM, '--frobnicate1', 'x', code=2,
                     mentions=['--frobnicate1'])
        self.refused('modifyvm', code=2)
        self.refused('modifyvm', VM, 'extra', '--nic1', 'nat', code=2,
                     mentions=['extra'])
        for option in ('--memory', '--cpus', '--ostype', '--vram', '--boot1',
                       '--nicbootprio1', '--nat-dns-proxy1', '--uart1'):
            self.refused('modifyvm', VM, option, '1', code=2,
                         mentions=[option, 'not supported by Wirebox'])

    def test_all_or_nothing(self):
        self.ok('modifyvm', VM, '--nic2', 'nat', '--natpf2',
                'keep,tcp,,2222,,22')
        before = self.ok('showvminfo', VM, '--machinereadable')
        self.refused('modifyvm', VM, '--nic1', 'intnet', '--intnet1', 'x',
                     '--natpf2', 'delete', 'keep', '--nictype3', 'bogus',
                     code=1, mentions=['bogus'])
        self.assertEqual(self.ok('showvminfo', VM, '--machinereadable'),
                         before)

    def test_several_options_in_order(self):
        self.ok('modifyvm', VM, '--nic3', 'intnet', '--intnet3', 'first',
                '--intnet3', 'second', '--cableconnected3', 'off',
                '--cableconnected3', 'on', '--cableconnected3', 'off')
        self.assertMr({'nic3': 'intnet', 'intnet3': 'second',
                       'cableconnected3': 'off'})
        # A mode and its target, in either order.
        self.ok('modifyvm', VM, '--intnet4', 'lab', '--nic4', 'intnet')
        self.ok('modifyvm', VM, '--nic5', 'intnet', '--intnet5', 'lab')
        self.assertMr({'nic4': 'intnet', 'intnet4': 'lab',
                       'nic5': 'intnet', 'intnet5': 'lab'})
        # The last mode wins; the other targets are remembered.
        self.ok('modifyvm', VM, '--nic6', 'bridged', '--bridgeadapter6',
                'eth0', '--nic6', 'intnet', '--intnet6', 'x')
        self.assertMr({'nic6': 'intnet', 'intnet6': 'x'})
        self.ok('modifyvm', VM, '--nic6', 'bridged')
        self.assertMr({'nic6': 'bridged', 'bridgeadapter6': 'eth0'})

    def test_mode_lines(self):
        self.ok('hostonlyif', 'create')
        self.ok('modifyvm', VM,
                '--nic1', 'bridged', '--bridge-adapter1', 'eth0',
                '--nic2', 'hostonly', '--host-only-adapter2', 'vboxnet0',
                '--nic3', 'generic', '--nic-generic-drv3', 'UDPTunnel',
                '--nic4', 'null',
                '--nic5', 'nat', '--nat-net5', '10.0.5.0/24',
                '--nic6', 'hostif')
        values = self.mr()
        self.assertEqual(values['bridgeadapter1'], '"eth0"')
        self.assertEqual(values['nic1'], '"bridged"')
        self.assertEqual(values['hostonlyadapter2'], '"vboxnet0"')
        self.assertEqual(values['nic2'], '"hostonly"')
        self.assertEqual(values['generic3'], '"UDPTunnel"')
        self.assertEqual(values['nic3'], '"Generic"')
        self.assertEqual(values['nic4'], '"null"')
        self.assertEqual(values['natnet5'], '"10.0.5.0/24"')
        self.assertEqual(values['nic6'], '"bridged"')
        out = self.readable()
        self.assertIn("Attachment: Bridged Interface 'eth0',", out)
        self.assertIn("Attachment: Host-only Interface 'vboxnet0',", out)

    # (kebab-case, compact, arguments that prepare the adapter, value, and
    # what shows: ('mr', key prefix, expected) or ('text', format of a
    # readable substring with {v} for the value)).
    SPELLINGS = [
        ('--nic', '--nic', [], 'intnet', ('mr', 'nic', 'intnet')),
        ('--nic-type', '--nictype', [], '82540EM',
         ('mr', 'nictype', '82540EM')),
        ('--cable-connected', '--cableconnected', [], 'off',
         ('mr', 'cableconnected', 'off')),
        ('--nic-promisc', '--nicpromisc', [], 'allow-all',
         ('text', 'Promisc Policy: {v}')),
        ('--mac-address', '--macaddress', [], '080027C0FFEE',
         ('mr', 'macaddress', '080027C0FFEE')),
        ('--intnet', '--intnet', ['--nic{n}', 'intnet'], 'labnet',
         ('mr', 'intnet', 'labnet')),
        ('--nat-network', '--natnetwork', ['--nic{n}', 'natnetwork'], 'nn',
         ('mr', 'nat-network', 'nn')),
        ('--bridge-adapter', '--bridgeadapter', ['--nic{n}', 'bridged'],
         'eth9', ('mr', 'bridgeadapter', 'eth9')),
        ('--host-only-adapter', '--hostonlyadapter', ['--nic{n}', 'hostonly'],
         'vboxnet0', ('mr', 'hostonlyadapter', 'vboxnet0')),
        ('--nic-generic-drv', '--nicgenericdrv', ['--nic{n}', 'generic'],
         'VDE', ('mr', 'generic', 'VDE')),
        ('--nic-property', '--nicproperty',
         ['--nic{n}', 'generic', '--nicgenericdrv{n}', 'UDPTunnel'],
         'dport=4999', ('text', "dport='4999'")),
        ('--nat-net', '--natnet', ['--nic{n}', 'nat'], '10.0.77.0/24',
         ('mr', 'natnet', '10.0.77.0/24')),
        ('--nat-pf', '--natpf', ['--nic{n}', 'nat'], 'web,tcp,,8080,,80',
         ('text', 'name = web, protocol = tcp, host ip = , host port = 8080')),
        ('--nic-trace', '--nictrace', [], 'on', ('text', 'Trace: on')),
        ('--nic-trace-file', '--nictracefile', [], '/tmp/wb-trace.pcap',
         ('text', '(file: /tmp/wb-trace.pcap)')),
        ('--nat-localhostreachable', '--natlocalhostreachable',
         ['--nic{n}', 'nat'], 'on', ('text', 'Localhost reachable: on')),
        ('--nic-speed', '--nicspeed', [], '1000000',
         ('mr', 'nicspeed', '1000000')),
        ('--nat-settings', '--natsettings', ['--nic{n}', 'nat'], '1400',
         ('mr', 'mtu', '1400')),
    ]

    def test_both_spellings_and_three_value_forms(self):
        self.ok('hostonlyif', 'create')
        for kebab, compact, prepare, value, shows in self.SPELLINGS:
            for spelling in (kebab, compact):
                for form in ('space', '=', ':'):
                    # Each combination on a fresh VM, so that it alone
                    # shows the value.
                    name = 'v%s%s' % (spelling, form)
                    self.createvm(name)
                    n = 2
                    # A disabled adapter shows nothing but nic2="none".
                    self.ok('modifyvm', name,
                            *[a.format(n=n)
                              for a in prepare or ['--nic{n}', 'null']])
                    option = '%s%d' % (spelling, n)
                    if form == 'space':
                        args = [option, value]
                    else:
                        args = [option + form + value]
                    self.ok('modifyvm', name, *args)
                    what = '%s %s' % (name, ' '.join(args))
                    if shows[0] == 'mr':
                        key = shows[1] + ('' if shows[1] == 'mtu' else '2')
                        self.assertEqual(self.mr(name).get(key),
                                         '"%s"' % shows[2], what)
                    else:
                        line = [l for l in self.readable(name).splitlines()
                                if l.startswith('NIC 2')]
                        self.assertIn(shows[1].format(v=value),
                                      '\n'.join(line), what)
                    self.ok('unregistervm', name)


class NatNetworks(CliTestCase):
    def test_add_modify_list_remove(self):
        self.ok('natnetwork', 'add', '--netname', 'natnet1', '--network',
                '192.168.22.0/24', '--enable')
        self.ok('natnetwork', 'add', '--netname=alpha', '--ipv4-prefix:10.5.0.0/24',
                '--ipv6-enable', 'on', '--dhcp', 'off')
        self.assertEqual(self.ok('list', 'natnets'), (
            'Name:         alpha\n'
            'Network:      10.5.0.0/24\n'
            'Gateway:      10.5.0.1\n'
            'DHCP Server:  No\n'
            'IPv6:         Yes\n'
            'IPv6 Prefix:  %s\n'
            'IPv6 Default: No\n'
            '\n'
            'Name:         natnet1\n'
            'Network:      192.168.22.0/24\n'
            'Gateway:      192.168.22.1\n'
            'DHCP Server:  Yes\n'
            'IPv6:         No\n'
            'IPv6 Prefix:  %s\n'
            'IPv6 Default: No\n'
            '\n') % tuple(
                re.findall(r'^IPv6 Prefix: +(.*)$',
                           self.ok('list', 'natnets'), re.M)))
        self.assertEqual(self.ok('list', 'natnetworks'),
                         self.ok('list', 'natnets'))
        self.ok('natnetwork', 'modify', '--netname', 'natnet1',
                '--port-forward-4', 'ssh:tcp:[]:1022:[192.168.22.5]:22',
                '--port-forward-4', 'web:tcp:[127.0.0.1]:8080:[192.168.22.6]:80',
                '--loopback-4', '127.0.0.1=2', '--disable')
        long = self.ok('list', '-l', 'natnets')
        block = long.split('\n\n')[1] + '\n'
        self.assertTrue(block.startswith(
            'Name:         natnet1\nEnabled:      No\nNetwork:      '
            '192.168.22.0/24\n'), block)
        self.assertIn('Port-forwarding (ipv4)\n'
                      '        ssh:tcp:[]:1022:[192.168.22.5]:22\n'
                      '        web:tcp:[127.0.0.1]:8080:[192.168.22.6]:80\n',
                      block)
        self.assertIn('loopback mappings (ipv4)\n        127.0.0.1=2\n', block)
        self.assertEqual(self.ok('list', '--long', 'natnets'), long)

        out = self.ok('natnetwork', 'list')
        self.assertTrue(out.startswith('NAT Networks:\n\n'), out)
        self.assertTrue(out.endswith('\n2 networks found\n'), out)
        self.assertEqual(out, 'NAT Networks:\n\n' + long + '2 networks found\n')
        out = self.ok('natnetwork', 'list', 'nat*')
        self.assertIn('Name:         natnet1\n', out)
        self.assertNotIn('alpha', out)
        self.assertTrue(out.endswith('\n1 network found\n'), out)
        self.assertEqual(self.ok('natnetwork', 'list', 'zzz*'),
                         'NAT Networks:\n\n0 networks found\n')

        self.ok('natnetwork', 'modify', '--netname', 'natnet1',
                '--port-forward-4', 'delete', 'ssh', '--enable')
        long = self.ok('list', '-l', 'natnets')
        self.assertNotIn('ssh:tcp', long)
        self.assertIn('Enabled:      Yes', long)
        self.ok('natnetwork', 'stop', '--netname', 'natnet1')
        self.ok('natnetwork', 'start', '--netname', 'natnet1')
        self.ok('natnetwork', 'remove', '--netname', 'natnet1')
        self.assertNotIn('natnet1', self.ok('list', 'natnets'))
        self.refused('natnetwork', 'remove', '--netname', 'natnet1', code=1,
                     mentions=['natnet1'])

    def test_bad_input(self):
        self.ok('natnetwork', 'add', '--netname', 'natnet1', '--network',
                '192.168.22.0/24')
        for network in ('192.168.22.0/33', '300.1.1.0/24', 'abc'):
            self.refused('natnetwork', 'add', '--netname', 'n2', '--network',
                         network, code=1, mentions=[network])
            self.refused('natnetwork', 'modify', '--netname', 'natnet1',
                         '--network', network, code=1, mentions=[network])
        self.refused('natnetwork', 'add', '--netname', 'natnet1', '--network',
                     '10.1.0.0/24', code=1, mentions=['natnet1'])
        self.ok('natnetwork', 'modify', '--netname', 'natnet1',
                '--port-forward-4', 'ssh:tcp:[]:1022:[192.168.22.5]:22')
        for rule, mention in [
                ('no guest:tcp:[]:1023:[]:22', 'guest'),
                ('a,b:tcp:[]:1024:[192.168.22.5]:22', ()),
                ('p:tcp:[]:0:[192.168.22.5]:22', 'port'),
                ('p:tcp:[]:65536:[192.168.22.5]:22', ('port', '65536')),
                ('p:icmp:[]:1025:[192.168.22.5]:22', 'icmp'),
                ('ssh:udp:[]:1026:[192.168.22.5]:22', 'ssh'),
                ('other:tcp:[]:1022:[192.168.22.6]:22', '1022')]:
            self.refused('natnetwork', 'modify', '--netname', 'natnet1',
                         '--port-forward-4', rule, code=1,
                         mentions=[mention] if mention else [])
        self.refused('natnetwork', 'modify', '--netname', 'nosuch',
                     '--dhcp', 'off', code=1, mentions=['nosuch'])
        self.refused('natnetwork', 'modify', '--netname', 'natnet1',
                     '--dhcp', 'maybe', code=1, mentions=['maybe'])

    def test_syntax(self):
        self.refused('natnetwork', 'add', '--netname', 'n', code=2,
                     mentions=['--network'])
        self.refused('natnetwork', 'add', '--network', '10.0.0.0/24', code=2,
                     mentions=['--netname'])
        self.refused('natnetwork', 'frob', '--netname', 'n', code=2,
                     mentions=['frob'])
        self.refused('natnetwork', code=2)
        self.refused('natnetwork', 'remove', code=2, mentions=['--netname'])
        self.refused('natnetwork', 'modify', '--netname', 'n',
                     '--port-forward-4', 'delete', code=2)
        self.refused('natnetwork', 'add', '--netname', 'n', '--network',
                     '10.0.0.0/24', '--port-forward-6', 'x', code=2,
                     mentions=['--port-forward-6', 'not supported by Wirebox'])
        self.refused('natnetwork', 'add', '--netname', 'n', '--network',
                     '10.0.0.0/24', '--enable=yes', code=2,
                     mentions=['--enable'])


class HostOnly(CliTestCase):
    def test_relay_switch(self):
        self.ok('hostonlyif', 'create')
        self.assertIn('Relay:           on\n', self.ok('list', '-l', 'hostonlyifs'))
        self.assertNotIn('Relay:', self.ok('list', 'hostonlyifs'))
        self.assertEqual(self.ok('hostonlyif', 'relay', 'vboxnet0', 'off'), '')
        self.assertIn('Relay:           off\n', self.ok('list', '-l', 'hostonlyifs'))
        self.refused('hostonlyif', 'relay', 'vboxnet0', 'maybe', code=2,
                     mentions=('maybe',))
        self.refused('hostonlyif', 'relay', 'vboxnet0', code=2)
        self.refused('hostonlyif', 'relay', 'vboxnet7', 'on', code=1,
                     mentions=('vboxnet7',))

    def test_create_list_and_dhcp(self):
        self.assertEqual(self.ok('hostonlyif', 'create'), (
            '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n'
            "Interface 'vboxnet0' was successfully created\n"))
        out = self.ok('list', 'hostonlyifs')
        self.assertRegex(out, (
            r'\AName:            vboxnet0\n'
            r'GUID:            [0-9a-f-]{36}\n'
            r'DHCP:            Disabled\n'
            r'IPAddress:       192\.168\.56\.1\n'
            r'NetworkMask:     255\.255\.255\.0\n'
            r'IPV6Address: *\n'
            r'IPV6NetworkMaskPrefixLength: 0\n'
            r'HardwareAddress: [0-9a-f]{2}(:[0-9a-f]{2}){5}\n'
            r'MediumType:      Ethernet\n'
            r'Wireless:        No\n'
            r'Status:          Up\n'
            r'VBoxNetworkName: HostInterfaceNetworking-vboxnet0\n'
            r'\n\Z'))
        self.assertEqual(self.ok('list', 'dhcpservers'), (
            'NetworkName:    HostInterfaceNetworking-vboxnet0\n'
            'Dhcpd IP:       192.168.56.100\n'
            'LowerIPAddress: 192.168.56.101\n'
            'UpperIPAddress: 192.168.56.254\n'
            'NetworkMask:    255.255.255.0\n'
            'Enabled:        Yes\n'))

        self.assertIn("'vboxnet1'", self.ok('hostonlyif', 'create'))
        out = self.ok('list', 'hostonlyifs')
        self.assertIn('Name:            vboxnet1\n', out)
        self.assertIn('IPAddress:       192.168.57.1\n', out)
        servers = self.ok('list', 'dhcpservers')
        self.assertEqual(servers.count('\n\n'), 1)
        self.assertIn('Dhcpd IP:       192.168.57.100\n', servers)

        self.assertEqual(self.ok('hostonlyif', 'ipconfig', 'vboxnet1', '--ip',
                                 '192.168.57.1', '--netmask', '255.255.0.0'),
                         '')
        self.assertIn('NetworkMask:     255.255.0.0\n',
                      self.ok('list', 'hostonlyifs'))
        self.ok('hostonlyif', 'ipconfig', 'vboxnet1', '--ip=192.168.57.1')
        self.assertNotIn('255.255.0.0', self.ok('list', 'hostonlyifs'))
        self.refused('hostonlyif', 'ipconfig', 'vboxnet1', '--dhcp', code=1,
                     mentions=['not supported by Wirebox'])
        self.refused('hostonlyif', 'ipconfig', 'vboxnet1', '--ip',
                     '300.1.1.1', code=1, mentions=['300.1.1.1'])
        self.refused('hostonlyif', 'ipconfig', 'vboxnet9', '--ip',
                     '192.168.99.1', code=1, mentions=['vboxnet9'])
        self.refused('hostonlyif', 'ipconfig', 'vboxnet1', code=2)

        self.ok('hostonlyif', 'remove', 'vboxnet1')
        self.assertNotIn('vboxnet1', self.ok('list', 'hostonlyifs'))
        self.refused('hostonlyif', 'remove', 'vboxnet1', code=1,
                     mentions=['vboxnet1'])
        self.refused('hostonlyif', 'frob', code=2, mentions=['frob'])
        self.refused('hostonlyif', 'create', 'extra', code=2)

    def test_dhcpserver(self):
        self.ok('hostonlyif', 'create')
        self.ok('dhcpserver', 'modify', '--interface', 'vboxnet0',
                '--lower-ip', '192.168.56.110', '--upperip', '192.168.56.120',
                '--disable')
        out = self.ok('list', 'dhcpservers')
        self.assertIn('LowerIPAddress: 192.168.56.110\n', out)
        self.assertIn('UpperIPAddress: 192.168.56.120\n', out)
        self.assertIn('Enabled:        No\n', out)
        self.ok('dhcpserver', 'modify', '--netname',
                'HostInterfaceNetworking-vboxnet0', '--enable')
        self.assertIn('Enabled:        Yes\n', self.ok('list', 'dhcpservers'))

        self.refused('dhcpserver', 'modify', '--ifname', 'vboxnet0',
                     '--lower-ip', '192.168.56.200', '--upper-ip',
                     '192.168.56.150', code=1, mentions=['192.168.56.200'])
        self.refused('dhcpserver', 'modify', '--ifname', 'vboxnet0',
                     '--lower-ip', '10.0.0.5', code=1, mentions=['10.0.0.5'])
        self.refused('dhcpserver', 'modify', '--ifname', 'vboxnet0',
                     '--upper-ip', '192.168.57.5', code=1,
                     mentions=['192.168.57.5'])

        self.ok('dhcpserver', 'add', '--network=labnet', '--server-ip',
                '10.7.0.1', '--netmask', '255.255.255.0', '--lowerip',
                '10.7.0.10', '--upper-ip', '10.7.0.20')
        out = self.ok('list', 'dhcpservers')
        self.assertIn('\n\nNetworkName:    labnet\n'
                      'Dhcpd IP:       10.7.0.1\n'
                      'LowerIPAddress: 10.7.0.10\n'
                      'UpperIPAddress: 10.7.0.20\n'
                      'NetworkMask:    255.255.255.0\n'
                      'Enabled:        No\n', out)
        self.refused('dhcpserver', 'add', '--network', 'labnet',
                     '--server-ip', '10.7.0.1', '--netmask', '255.255.255.0',
                     '--lower-ip', '10.7.0.10', '--upper-ip', '10.7.0.20',
                     code=1, mentions=['labnet'])
        self.refused('dhcpserver', 'add', '--network', 'bad', '--server-ip',
                     '10.8.0.1', '--netmask', '255.255.255.0', '--lower-ip',
                     '10.8.0.30', '--upper-ip', '10.8.0.20', code=1)
        for missing in ('--server-ip', '--netmask', '--lower-ip',
                        '--upper-ip'):
            args = {'--server-ip': '10.9.0.1', '--netmask': '255.255.255.0',
                    '--lower-ip': '10.9.0.10', '--upper-ip': '10.9.0.20'}
            del args[missing]
            flat = [x for pair in args.items() for x in pair]
            self.refused('dhcpserver', 'add', '--network', 'n9', *flat,
                         code=2, mentions=[missing])
        self.refused('dhcpserver', 'modify', '--enable', code=2,
                     mentions=['--network'])
        self.refused('dhcpserver', 'modify', '--network', 'a',
                     '--interface', 'b', '--enable', code=2)
        self.refused('dhcpserver', 'start', '--network', 'labnet', code=1,
                     mentions=['not supported by Wirebox'])
        self.refused('dhcpserver', 'stop', '--network', 'labnet', code=1,
                     mentions=['not supported by Wirebox'])

        self.ok('dhcpserver', 'remove', '--network', 'labnet')
        self.assertNotIn('labnet', self.ok('list', 'dhcpservers'))
        self.refused('dhcpserver', 'remove', '--network', 'labnet', code=1,
                     mentions=['labnet'])


class Lists(CliTestCase):
    def test_intnets(self):
        self.createvm('a')
        self.createvm('b')
        self.ok('modifyvm', 'a', '--nic1', 'intnet', '--intnet1', 'lab')
        # A target that is not the current mode still names the network.
        self.ok('modifyvm', 'b', '--nic2', 'nat', '--intnet2', 'office')
        out = self.ok('list', 'intnets')
        names = []
        for line in out.splitlines():
            self.assertRegex(line, r'^Name:        \S')
            names.append(line[13:])
        self.assertIn('lab', names)
        self.assertIn('office', names)
        self.assertEqual(names, sorted(set(names)))

    def test_bridgedifs(self):
        out = self.ok('list', 'bridgedifs')
        self.assertEqual(self.ok('list', 'hostifs'), out)
        if out == '':
            self.skipTest('no host interfaces visible')
        self.assertTrue(out.endswith('\n\n'))
        labels = ['Name:', 'GUID:', 'DHCP:', 'IPAddress:', 'NetworkMask:',
                  'IPV6Address:', 'IPV6NetworkMaskPrefixLength:',
                  'HardwareAddress:', 'MediumType:', 'Wireless:', 'Status:',
                  'VBoxNetworkName:']
        for block in out[:-2].split('\n\n'):
            lines = block.split('\n')
            self.assertEqual([l.split(' ')[0] for l in lines], labels, block)
            for line in lines:
                if not line.startswith('IPV6NetworkMaskPrefixLength:'):
                    self.assertEqual(line[16], ' ', line)
                    self.assertTrue(len(line) == 17 or line[17] != ' ', line)
            name = lines[0][17:]
            self.assertNotEqual(name, 'lo')
            self.assertEqual(lines[-1],
                             'VBoxNetworkName: HostInterfaceNetworking-'
                             + name)
            self.assertIn(lines[10][17:], ('Up', 'Down'))

    def test_list_syntax(self):
        self.refused('list', code=2)
        self.refused('list', 'frobs', code=2, mentions=['frobs'])
        self.refused('list', 'vms', 'natnets', code=2)
        self.refused('list', '--frob', 'vms', code=2, mentions=['--frob'])
        for kind in ('ostypes', 'hostinfo', 'hdds'):
            self.refused('list', kind, code=1,
                         mentions=[kind, 'not supported by Wirebox'])


    def test_runningvms_none(self):
        self.createvm()
        for args in (['runningvms'], ['-l', 'runningvms'],
                     ['--sorted', 'runningvms']):
            r = self.home.manage('list', *args)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, '', ''),
                             args)


GUEST_DEFAULTS = ('IP from DHCP, gateway from DHCP, MTU 1500, '
                  'masquerade off')


class GuestConfig(CliTestCase):
    """guestconfig: the guest's settings, stored and shown (readable
    showvminfo only), all or nothing."""

    def setUp(self):
        super().setUp()
        self.createvm()
        self.ok('modifyvm', VM, '--nic1', 'intnet', '--nic2', 'null')

    def guest_lines(self, vm=VM):
        return [l for l in self.readable(vm).splitlines()
                if re.match(r'^(NIC \d+ )?Guest:', l)]

    def test_defaults(self):
        self.assertEqual(self.guest_lines(), [
            'NIC 1 Guest:                 ' + GUEST_DEFAULTS,
            'NIC 2 Guest:                 ' + GUEST_DEFAULTS,
            'Guest:                       IP forwarding off, '
            'services tcp:22 ssh, tcp:80 http'])

    def test_settings_shown_readable_only(self):
        before = self.ok('showvminfo', VM, '--machinereadable')
        self.assertEqual(self.ok(
            'guestconfig', VM, '--guest-ip1', '192.168.23.2/24',
            '--guest-gateway1', '192.168.23.1', '--guest-mtu1', '9000',
            '--masquerade1', 'on', '--guest-gateway2', '10.0.0.1',
            '--ip-forward', 'on', '--service', 'add', 'tcp:7:echo',
            '--service', 'remove', 'tcp:80', '--service', 'add',
            'tcp:8080:http'), '')
        self.assertEqual(self.guest_lines(), [
            'NIC 1 Guest:                 IP 192.168.23.2/24 (static), '
            'gateway 192.168.23.1, MTU 9000, masquerade on',
            'NIC 2 Guest:                 IP from DHCP, gateway 10.0.0.1, '
            'MTU 1500, masquerade off',
            'Guest:                       IP forwarding on, services '
            'tcp:7 echo, tcp:22 ssh, tcp:8080 http'])
        # VBoxManage's machine-readable format has no place for them.
        self.assertEqual(self.ok('showvminfo', VM, '--machinereadable'),
                         before)
        out = self.readable()
        for line in out.splitlines():
            self.assertRegex(line, r'^.{28} \S')
        self.assertNotIn('Stats:', out)
        # A disabled adapter shows none.
        self.assertNotIn('NIC 3 Guest:', out)

    def test_back_to_dhcp_and_no_gateway(self):
        self.ok('guestconfig', VM, '--guest-ip1', '10.1.0.5/16',
                '--guest-gateway1', '10.1.0.1')
        self.ok('guestconfig', VM, '--guest-ip1', 'DHCP',
                '--guest-gateway1', 'none')
        self.assertEqual(self.guest_lines()[0],
                         'NIC 1 Guest:                 ' + GUEST_DEFAULTS)
        self.ok('guestconfig', VM, '--guest-ip1', '10.1.0.5/16')
        self.assertEqual(self.guest_lines()[0],
                         'NIC 1 Guest:                 IP 10.1.0.5/16 '
                         '(static), gateway none, MTU 1500, masquerade off')

    def test_in_order_and_replacing(self):
        self.ok('guestconfig', VM, '--guest-ip1', '10.0.0.2/24',
                '--guest-ip1', '10.0.0.3/24', '--service', 'add',
                'tcp:22:echo', '--service', 'add', 'tcp:23:ssh',
                '--service', 'remove', 'tcp:23')
        lines = self.guest_lines()
        self.assertIn('IP 10.0.0.3/24 (static)', lines[0])
        self.assertEqual(lines[2], 'Guest:                       IP forwarding '
                         'off, services tcp:22 echo, tcp:80 http')

    # (kebab-case, compact, slot, value, what the readable lines show)
    SPELLINGS = [
        ('--guest-ip', '--guestip', 2, '172.16.5.9/12',
         'IP 172.16.5.9/12 (static)'),
        ('--guest-gateway', '--guestgateway', 2, '172.16.0.1',
         'gateway 172.16.0.1'),
        ('--guest-mtu', '--guestmtu', 2, '576', 'MTU 576'),
        ('--masquerade', '--masquerade', 2, 'on', 'masquerade on'),
        ('--ip-forward', '--ipforward', None, 'on', 'IP forwarding on'),
    ]

    def test_both_spellings_and_three_value_forms(self):
        for kebab, compact, slot, value, shows in self.SPELLINGS:
            for spelling in (kebab, compact):
                for form in ('space', '=', ':'):
                    name = 'g%s%s' % (spelling, form)
                    self.createvm(name)
                    self.ok('modifyvm', name, '--nic2', 'intnet')
                    option = spelling + ('%d' % slot if slot else '')
                    args = ([option, value] if form == 'space'
                            else [option + form + value])
                    self.ok('guestconfig', name, *args)
                    what = '%s %s' % (name, ' '.join(args))
                    lines = '\n'.join(self.guest_lines(name))
                    self.assertIn(shows, lines, what)
                    self.ok('unregistervm', name)
        self.ok('guestconfig', VM, '--service=add', 'tcp:99:echo',
                '--service:remove', 'tcp:99')
        self.assertIn('services tcp:22 ssh, tcp:80 http',
                      self.guest_lines()[-1])

    def test_refused(self):
        self.ok('guestconfig', VM, '--guest-ip1', '192.168.23.2/24')
        for args, code, mentions in [
                # Values: the engine's judgement, exit 1.
                (['--guest-ip1', '300.1.2.3/24'], 1, ['300.1.2.3']),
                (['--guest-ip1', '192.168.23.5'], 1, ['192.168.23.5']),
                (['--guest-ip1', '192.168.23.5/33'], 1, ['192.168.23.5/33']),
                (['--guest-ip1', '192.168.23.0/24'], 1, ['192.168.23.0']),
                (['--guest-ip1', '192.168.23.255/24'], 1,
                 ['192.168.23.255']),
                (['--guest-ip9', 'dhcp'], 1, ['9']),
                (['--guest-ip0', 'dhcp'], 1, ['0']),
                (['--guest-gateway1', 'gw'], 1, ['gw']),
                (['--guest-mtu1', '9001'], 1, ['9001']),
                (['--guest-mtu1', 'big'], 1, ['big']),
                (['--masquerade1', 'maybe'], 1, ['maybe']),
                (['--ip-forward', 'maybe'], 1, ['maybe']),
                (['--service', 'add', 'tcp:8080:ftp'], 1, ['ftp']),
                (['--service', 'add', 'tcp:8080'], 1, ['tcp:8080']),
                (['--service', 'add', 'udp:53:echo'], 1, ['udp:53']),
                (['--service', 'add', 'tcp:70000:echo'], 1, ['70000']),
                (['--service', 'remove', 'tcp:8080'], 1, ['8080']),
                # Syntax: exit 2.
                (['--guest-ip', 'dhcp'], 2, ['--guest-ip']),
                (['--guest-ip1'], 2, ['--guest-ip1']),
                (['--ip-forward1', 'on'], 2, ['--ip-forward1']),
                (['--service', 'frob', 'tcp:1:echo'], 2, ['--service']),
                (['--service', 'add'], 2, ['--service']),
                (['--memory', '64'], 2, ['--memory']),
                (['extra'], 2, ['extra'])]:
            self.refused('guestconfig', VM, *args, code=code,
                         mentions=mentions)
        # All or nothing: the good changes before a bad one are dropped.
        before = self.readable()
        self.refused('guestconfig', VM, '--guest-ip1', 'dhcp',
                     '--ip-forward', 'on', '--service', 'add', 'tcp:1:echo',
                     '--guest-mtu1', '1', code=1, mentions=['1'])
        self.assertEqual(self.readable(), before)
        self.refused('guestconfig', 'nosuch', '--ip-forward', 'on', code=1,
                     mentions=['nosuch'])
        self.refused('guestconfig', code=2)


class StoppedVms(CliTestCase):
    """The run-time commands' syntax, and what they say of a VM that is
    not running."""

    def setUp(self):
        super().setUp()
        self.createvm()
        self.ok('modifyvm', VM, '--nic1', 'intnet')

    def test_not_running(self):
        for args in (['controlvm', VM, 'poweroff'],
                     ['controlvm', VM, 'reset'],
                     ['controlvm', VM, 'setlinkstate1', 'off'],
                     ['controlvm', VM, 'nic1', 'intnet', 'other'],
                     ['guestcontrol', VM, 'run', '--', 'ping', '-c', '1',
                      '10.0.0.1'],
                     ['guestproperty', 'get', VM,
                      '/VirtualBox/GuestInfo/Net/0/V4/IP'],
                     ['guestproperty', 'enumerate', VM],
                     ['guestproperty', 'wait', VM, '*', '--timeout', '100']):
            self.refused(*args, code=1, mentions=[VM, 'not running'])
        self.assertMr({'VMState': 'poweroff'})
        self.assertIn('State:                       powered off\n',
                      self.readable())

    def test_unknown_vm(self):
        for args in (['startvm', 'nosuch'],
                     ['controlvm', 'nosuch', 'poweroff'],
                     ['guestcontrol', 'nosuch', 'run', 'arp'],
                     ['guestproperty', 'get', 'nosuch', '/a'],
                     ['guestproperty', 'enumerate', 'nosuch']):
            self.refused(*args, code=1, mentions=['nosuch'])

    def test_startvm_syntax(self):
        self.refused('startvm', code=2)
        self.refused('startvm', VM, '--type', code=2, mentions=['--type'])
        self.refused('startvm', VM, '--frob', code=2, mentions=['--frob'])
        self.refused('startvm', VM, '--putenv', 'A=1', code=2,
                     mentions=['--putenv', 'not supported by Wirebox'])

    def test_controlvm_syntax(self):
        for args, mentions in [
                ([], ['controlvm']),
                ([VM], ['action']),
                ([VM, 'nic', 'intnet'], ['nic1']),
                ([VM, 'setlinkstate', 'on'], ['setlinkstate1']),
                ([VM, 'setlinkstate1'], ['setlinkstate1']),
                ([VM, 'setlinkstate1', 'on', 'off'], ['off']),
                ([VM, 'nic1'], ['nic1']),
                ([VM, 'nic1', 'intnet', 'lab', 'more'], ['more']),
                ([VM, 'poweroff', 'now'], ['now']),
                ([VM, 'reset', 'now'], ['now']),
                ([VM, 'frob'], ['frob']),
                ([VM, '--frob'], ['--frob'])]:
            self.refused('controlvm', *args, code=2, mentions=mentions)

    def test_controlvm_not_supported(self):
        for args in (['pause'], ['resume'],
                     ['savestate'], ['acpipowerbutton'], ['acpisleepbutton'],
                     ['reboot'], ['shutdown', '--force'],
                     ['keyboardputstring', 'x'], ['guestmemoryballoon', '1'],
                     ['screenshotpng', '/tmp/x.png'], ['teleport'],
                     ['cpuexecutioncap', '50'], ['changeuartmode1', 'file'],
                     ['vrde', 'on'], ['setcredentials', 'a', 'b', 'c']):
            self.refused('controlvm', VM, *args, code=1,
                         mentions=['controlvm ' + args[0],
                                   'not supported by Wirebox'])

    def test_guestcontrol_syntax(self):
        for args, mentions in [
                ([], ['guestcontrol']),
                ([VM], ['run']),
                ([VM, 'run'], ['program']),
                ([VM, 'run', '--'], ['program']),
                ([VM, 'run', '--timeout', 'soon', '--', 'arp'], ['soon']),
                ([VM, 'run', '--timeout'], ['--timeout']),
                ([VM, 'run', '--cwd', '/', '--', 'arp'],
                 ['--cwd', 'not supported by Wirebox']),
                ([VM, 'run', '--frob', 'arp'], ['--frob']),
                ([VM, 'frob'], ['frob'])]:
            self.refused('guestcontrol', *args, code=2, mentions=mentions)
        for sub in ('copyto', 'copyfrom', 'mkdir', 'rm', 'stat', 'start',
                    'updatega'):
            self.refused('guestcontrol', VM, sub, '--target-directory', 'x',
                         code=1, mentions=['guestcontrol ' + sub,
                                           'not supported by Wirebox'])

    def test_guestproperty_syntax(self):
        for args, mentions in [
                ([], ['get']),
                (['get'], ['VM']),
                (['get', VM], ['property']),
                (['get', VM, '/a', '/b'], ['/b']),
                (['get', VM, '/a', '--timeout', '5'], ['--timeout']),
                (['enumerate'], ['VM']),
                (['enumerate', VM, '--verbose'], ['--verbose']),
                (['enumerate', VM, '--no-flags'],
                 ['--no-flags', 'not supported by Wirebox']),
                (['wait', VM], ['pattern']),
                (['wait', VM, '*', 'more'], ['more']),
                (['wait', VM, '*', '--timeout', 'soon'], ['soon']),
                (['wait', VM, '*', '--timeout', '-1'], ['-1']),
                (['wait', VM, '*', '--timeout', '4294967296'],
                 ['4294967296']),
                (['frob', VM], ['frob'])]:
            self.refused('guestproperty', *args, code=2, mentions=mentions)
        for sub in ('set', 'unset', 'delete'):
            self.refused('guestproperty', sub, VM, '/a', code=1,
                         mentions=['guestproperty ' + sub,
                                   'not supported by Wirebox'])


class Stability(CliTestCase):
    COMMANDS = [
        ('list', 'vms'), ('list', 'natnets'), ('list', '-l', 'natnets'),
        ('natnetwork', 'list'), ('list', 'hostonlyifs'),
        ('list', 'dhcpservers'), ('list', 'intnets'),
        ('showvminfo', VM), ('showvminfo', VM, '--machinereadable'),
        ('showvminfo', 'second', '--machinereadable'),
    ]

    def populate(self):
        self.createvm()
        self.createvm('second')
        self.ok('hostonlyif', 'create')
        self.ok('hostonlyif', 'create')
        self.ok('natnetwork', 'add', '--netname', 'zeta', '--network',
                '10.20.0.0/24', '--port-forward-4',
                'b:udp:[]:5000:[10.20.0.5]:50', '--port-forward-4',
                'a:tcp:[]:5001:[10.20.0.6]:51')
        self.ok('natnetwork', 'add', '--netname', 'alpha', '--network',
                '10.21.0.0/24')
        self.ok('modifyvm', VM, '--nic1', 'nat', '--natpf1',
                'z,tcp,,7000,,70', '--natpf1', 'a,udp,,7001,,71',
                '--nic2', 'intnet', '--intnet2', 'zz', '--nic3', 'hostonly',
                '--hostonlyadapter3', 'vboxnet1', '--nic4', 'natnetwork',
                '--nat-network4', 'alpha')
        self.ok('modifyvm', 'second', '--nic1', 'intnet', '--intnet1', 'aa')

    def outputs(self):
        return {c: self.ok(*c) for c in self.COMMANDS}

    def test_same_bytes_twice(self):
        self.populate()
        first = self.outputs()
        self.assertEqual(self.outputs(), first)
        values = self.mr()
        self.assertEqual(values['Forwarding(0)'], '"z,tcp,,7000,,70"')
        self.assertEqual(values['Forwarding(1)'], '"a,udp,,7001,,71"')

    def test_settings_survive_an_engine_restart(self):
        self.populate()
        first = self.outputs()
        self.assertEqual(self.home.stop_engine(), 0)
        self.home.start_engine()
        self.assertEqual(self.outputs(), first)


class Usage(CliTestCase):
    COMMANDS = ['list', 'showvminfo', 'createvm', 'unregistervm', 'modifyvm',
                'startvm', 'controlvm', 'guestconfig', 'guestcontrol',
                'guestproperty', 'natnetwork', 'hostonlyif', 'dhcpserver']

    def test_help_for_each_command(self):
        for command in self.COMMANDS:
            for args in ([command, '--help'], [command, '-h'],
                         ['help', command]):
                r = self.home.manage(*args)
                self.assertEqual(r.returncode, 0, args)
                self.assertEqual(r.stderr, '', args)
                self.assertTrue(r.stdout.startswith('Usage:\n\n'), args)
                self.assertIn('wirebox-manage %s' % command, r.stdout, args)
        r = self.home.manage('natnetwork', 'add', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--port-forward-4', r.stdout)

    def test_modifyvm_help_lists_the_options(self):
        out = self.ok('modifyvm', '--help')
        for kebab, compact, *_ in Modifyvm.SPELLINGS:
            self.assertIn('[%s<1-N> ' % kebab, out)
            if compact != kebab:
                self.assertIn(compact, out)
        self.assertIn('[--nat-pf<1-N> delete <name>]', out)

    def test_guestconfig_help_lists_the_options(self):
        out = self.ok('guestconfig', '--help')
        for kebab, compact, slot, *_ in GuestConfig.SPELLINGS:
            self.assertIn('[%s%s ' % (kebab, '<1-N>' if slot else ''), out)
            self.assertIn(compact, out)
        self.assertIn('[--service add tcp:<port>:http|ssh|echo]', out)
        self.assertIn('[--service remove tcp:<port>]', out)

    def test_run_time_help(self):
        out = self.ok('controlvm', '--help')
        for action in ('poweroff', 'reset', 'nic<1-N>', 'setlinkstate<1-N>',
                       'nicpromisc<1-N>', 'nictrace<1-N>',
                       'nictracefile<1-N>', 'nicproperty<1-N>'):
            self.assertIn(action, out)
        self.assertNotIn('natpf', out)
        self.assertIn('--type gui|headless|sdl|separate',
                      self.ok('startvm', '--help'))
        out = self.ok('guestcontrol', '--help')
        for word in ('run', '--exe', '--timeout', '--username', '[--]',
                     'ping', 'tcp', 'http', 'ip addr', 'ip route', 'arp',
                     'dhcp renew'):
            self.assertIn(word, out)
        out = self.ok('guestproperty', '--help')
        for word in ('get', 'enumerate', 'wait', '--timeout',
                     '--fail-on-timeout'):
            self.assertIn(word, out)
        for command in ('startvm', 'controlvm', 'guestconfig', 'guestcontrol',
                        'guestproperty'):
            for line in self.ok(command, '--help').splitlines():
                self.assertLessEqual(len(line), 80, line)

    def test_global(self):
        self.assertEqual(self.ok('--version'), '0.1.0\n')
        self.assertEqual(self.ok('-V'), '0.1.0\n')
        for args in (['--help'], ['help'], ['-q', 'help']):
            r = self.home.manage(*args)
            self.assertEqual(r.returncode, 0)
            for command in self.COMMANDS:
                self.assertIn('wirebox-manage %s' % command, r.stdout)
        r = self.home.manage()
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stdout.startswith('Usage:'))
        self.refused('help', 'frob', code=2, mentions=['frob'])
        self.refused('help', 'clonevm', code=1,
                     mentions=['not supported by Wirebox'])

    def test_unsupported_commands(self):
        self.createvm()
        for command in ('clonevm', 'snapshot', 'storagectl', 'import',
                        'export', 'sharedfolder', 'registervm', 'metrics',
                        'debugvm'):
            self.refused(command, VM, code=1,
                         mentions=[command, 'not supported by Wirebox'])

    def test_unknown_command(self):
        self.refused('frobnicate', code=2, mentions=['frobnicate'])
        self.refused('--frob', code=2)


class NoEngine(unittest.TestCase):
    """--help and syntax errors are answered without starting an engine."""

    def setUp(self):
        self.home = Home(start=False)

    def tearDown(self):
        self.home.close()

    def test_syntax_needs_no_engine(self):
        for args, code in [(['modifyvm', '--help'], 0), (['--version'], 0),
                           (['modifyvm', VM, '--nic1'], 2),
                           (['modifyvm', VM, '--memory', '1'], 2),
                           (['createvm'], 2), (['frob'], 2),
                           (['clonevm', VM], 1), (['startvm'], 2),
                           (['startvm', '--help'], 0),
                           (['controlvm', VM], 2),
                           (['controlvm', VM, 'guestmemoryballoon', '1'], 1),
                           (['controlvm', VM, 'setlinkstate1'], 2),
                           (['guestconfig', VM, '--guest-ip', 'dhcp'], 2),
                           (['guestconfig', '--help'], 0),
                           (['guestcontrol', VM, 'run'], 2),
                           (['guestcontrol', VM, 'copyto', 'a', 'b'], 1),
                           (['guestproperty', 'get', VM], 2),
                           (['guestproperty', 'set', VM, 'a', 'b'], 1)]:
            r = self.home.manage(*args)
            self.assertEqual(r.returncode, code, args)
        self.assertFalse(os.path.exists(self.home.socket))
        self.assertFalse(os.path.exists(self.home.db))


if __name__ == '__main__':
    wbtest.main()
