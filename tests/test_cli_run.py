# SPDX-License-Identifier: GPL-3.0-or-later
"""wirebox-manage with running VMs (issue 3 §1, §2, §3, §5): startvm,
controlvm, list runningvms, the counters in showvminfo, guestcontrol run
and guestproperty, on the seed's internal-network example: VM1 at
192.168.23.1/24 forwarding, VM2 and VM3 at .2 and .3 with gateway .1."""

import os
import re
import time

import wbtest
from test_cli import CliTestCase

PROGRESS = ('0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...'
            '100%\n')
IP_PROPERTY = '/VirtualBox/GuestInfo/Net/0/V4/IP'
STATS = re.compile(r'^NIC (\d) Stats: +in (\d+) frames / (\d+) bytes, '
                   r'out (\d+) frames / (\d+) bytes, dropped: (.*)$', re.M)


class RunCase(CliTestCase):
    def setUp(self):
        super().setUp()
        for name in ('VM1', 'VM2', 'VM3'):
            self.createvm(name)
            self.ok('modifyvm', name, '--nic1', 'intnet', '--intnet1',
                    'intnet')
        self.ok('guestconfig', 'VM1', '--guest-ip1', '192.168.23.1/24',
                '--ip-forward', 'on')
        for name, address in (('VM2', '192.168.23.2/24'),
                              ('VM3', '192.168.23.3/24')):
            self.ok('guestconfig', name, '--guest-ip1', address,
                    '--guest-gateway1', '192.168.23.1')

    def start(self, *names, type='headless'):
        r = self.home.manage('startvm', *names, '--type', type)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, '')
        self.assertEqual(r.stdout, ''.join(
            'Waiting for VM "%s" to power on...\n'
            'VM "%s" has been successfully started.\n' % (n, n)
            for n in names))

    def run_guest(self, vm, *argv, options=()):
        return self.home.manage('guestcontrol', vm, 'run', *options, '--',
                                *argv)

    def ping(self, vm, host, *options):
        return self.run_guest(vm, 'ping', '-c', '2', '-i', '0.2', *options,
                              host)

    def assertPings(self, vm, host, *options):
        r = self.ping(vm, host, *options)
        self.assertEqual(r.returncode, 0, '%s -> %s: %s%s'
                         % (vm, host, r.stdout, r.stderr))
        self.assertTrue(r.stdout.startswith('PING %s ' % host), r.stdout)
        self.assertEqual(r.stderr, '')
        return r

    def assertNoPing(self, vm, host, *options):
        # -W 1: no reply is coming; do not wait ten seconds for it.
        r = self.ping(vm, host, '-W', '1', *options)
        self.assertEqual(r.returncode, 1, '%s -> %s: %s%s'
                         % (vm, host, r.stdout, r.stderr))
        self.assertIn(' 0 received', r.stdout)
        return r

    def stats(self, vm):
        """NIC N Stats lines as {slot: (frames in, bytes in, frames out,
        bytes out, dropped)}."""
        return {int(m[0]): (int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5])
                for m in STATS.findall(self.readable(vm))}


    def frames_out(self, vm):
        """Adapter 1's frames out; a failure that says what the engine
        showed, and why it went if it did, when there are none."""
        stats = self.stats(vm)
        if 1 not in stats:
            engine = self.home.engine
            gone = engine is not None and engine.poll() is not None
            self.fail('no adapter 1 counters for %s (engine %s):\n%s%s'
                      % (vm, 'exited %s' % engine.returncode if gone
                         else 'running', self.readable(vm),
                         engine.stderr.read() if gone else ''))
        return stats[1][2]


class Lifecycle(RunCase):
    def test_startvm_and_list_runningvms(self):
        before = {vm: self.ok('showvminfo', vm, '--machinereadable')
                  for vm in ('VM1', 'VM2', 'VM3')}
        guest_before = [l for l in self.readable('VM2').splitlines()
                        if 'Guest:' in l]
        # Started in reverse: the list still follows creation order.
        self.start('VM3', 'VM2', 'VM1')

        self.assertEqual(self.ok('list', 'runningvms'), self.ok('list', 'vms'))
        self.assertEqual(len(self.ok('list', 'runningvms').splitlines()), 3)
        long = self.ok('list', '-l', 'runningvms')
        self.assertEqual(long.count('State:                       running\n'),
                         3)
        self.assertEqual(long.count('NIC 1 Stats:'), 3)
        for vm, mr in before.items():
            # Machine-readable: only the state changes.
            self.assertEqual(
                self.ok('showvminfo', vm, '--machinereadable'),
                mr.replace('VMState="poweroff"', 'VMState="running"'))

        out = self.readable('VM2')
        self.assertIn('State:                       running\n', out)
        self.assertEqual([l for l in out.splitlines() if 'Guest:' in l],
                         guest_before)
        self.assertEqual(list(self.stats('VM2')), [1])
        lines = out.splitlines()
        nic1 = [i for i, l in enumerate(lines) if l.startswith('NIC 1')]
        self.assertEqual([lines[i].split(':')[0] for i in nic1],
                         ['NIC 1', 'NIC 1 Guest', 'NIC 1 Stats'])
        for line in lines:
            self.assertRegex(line, r'^.{28} \S')

        r = self.home.manage('controlvm', 'VM1', 'poweroff')
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, '', PROGRESS))
        running = self.ok('list', '--sorted', 'runningvms')
        self.assertEqual([l.split('"')[1] for l in running.splitlines()],
                         ['VM2', 'VM3'])
        out = self.readable('VM1')
        self.assertIn('State:                       powered off\n', out)
        self.assertNotIn('Stats:', out)
        self.assertMr({'VMState': 'poweroff'}, vm='VM1')
        self.refused('controlvm', 'VM1', 'poweroff', code=1,
                     mentions=['VM1', 'not running'])

    def test_several_types_and_reset(self):
        self.start('VM1', type='gui')
        self.start('VM2', type='sdl')
        self.start('VM3', type='separate')
        r = self.home.manage('controlvm', 'VM3', 'reset')
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, '', ''))
        self.assertIn('"VM3"', self.ok('list', 'runningvms'))
        self.assertPings('VM2', '192.168.23.3')

    def test_startvm_goes_on_after_a_failure(self):
        r = self.home.manage('startvm', 'VM1', 'nosuch', 'VM2')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, ''.join(
            'Waiting for VM "%s" to power on...\n'
            'VM "%s" has been successfully started.\n' % (n, n)
            for n in ('VM1', 'VM2')))
        self.assertEqual(r.stderr.count('\n'), 1, r.stderr)
        self.assertIn('nosuch', r.stderr)
        # Already running: refused, and the next one still starts.
        r = self.home.manage('startvm', 'VM1', 'nosuch', 'VM3')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count('\n'), 2, r.stderr)
        self.assertIn('VM1', r.stderr.splitlines()[0])
        self.assertIn('nosuch', r.stderr.splitlines()[1])
        self.assertIn('VM "VM3" has been successfully started.', r.stdout)
        self.assertNotIn('VM1', r.stdout)

    def test_unregistervm_delete_removes_logs_and_traces(self):
        self.ok('modifyvm', 'VM2', '--nictrace1', 'on')
        self.ok('modifyvm', 'VM3', '--nictrace1', 'on')
        self.start('VM2', 'VM3')
        self.ok('controlvm', 'VM2', 'poweroff')
        self.ok('controlvm', 'VM3', 'poweroff')
        logs = os.path.join(self.home.path, 'logs')
        for name in ('VM2', 'VM3'):
            self.assertTrue(os.path.exists(os.path.join(logs, name + '.log')))
            self.assertTrue(os.path.exists(os.path.join(logs, name + '-1.pcap')))
        # Without --delete the files stay; with it they go.
        self.assertEqual(self.ok('unregistervm', 'VM2'), '')
        self.assertTrue(os.path.exists(os.path.join(logs, 'VM2.log')))
        self.assertEqual(self.ok('unregistervm', 'VM3', '--delete'), '')
        self.assertFalse(os.path.exists(os.path.join(logs, 'VM3.log')))
        self.assertFalse(os.path.exists(os.path.join(logs, 'VM3-1.pcap')))
        self.assertNotIn('"VM3"', self.ok('list', 'vms'))
        self.refused('unregistervm', 'VM3', '--delete', code=1, mentions=['VM3'])

    def test_refused_while_running(self):
        self.start('VM2')
        self.refused('startvm', 'VM2', code=1, mentions=['VM2'])
        self.refused('guestconfig', 'VM2', '--ip-forward', 'on', code=1,
                     mentions=['VM2'])
        self.refused('modifyvm', 'VM2', '--nic1', 'null', code=1,
                     mentions=['controlvm'])
        self.refused('controlvm', 'VM2', 'setlinkstate1', 'maybe', code=1,
                     mentions=['maybe'])
        self.refused('controlvm', 'VM2', 'setlinkstate9', 'off', code=1,
                     mentions=['9'])
        self.refused('controlvm', 'VM2', 'nicpromisc1', 'sometimes', code=1,
                     mentions=['sometimes'])
        self.refused('controlvm', 'VM2', 'nic1', 'bogus', code=1,
                     mentions=['bogus'])


class GuestNetwork(RunCase):
    def setUp(self):
        super().setUp()
        self.start('VM1', 'VM2', 'VM3')

    def test_ping_and_tcp(self):
        r = self.assertPings('VM2', '192.168.23.3')
        self.assertIn('2 packets transmitted, 2 received', r.stdout)
        self.assertPings('VM2', '192.168.23.1')
        r = self.run_guest('VM2', 'tcp', '192.168.23.3', '22')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('SSH-2.0-Wirebox_guest VM3', r.stdout)
        # Without "--" and with --exe: the same command.
        r = self.home.manage('guestcontrol', 'VM2', 'run', 'ping', '-c',
                             '1', '192.168.23.3')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.home.manage('guestcontrol', 'VM2', 'run', '--exe', 'ping',
                             '--username', 'u', '--password', 'p', '--',
                             '-c', '1', '192.168.23.3')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_exit_status_is_the_commands(self):
        r = self.run_guest('VM2', 'ping', '-c', '1', '-W', '1',
                           '192.168.23.77')
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith('PING 192.168.23.77 '))
        self.assertEqual(r.stderr, '')
        r = self.run_guest('VM2', 'nosuchprogram')
        self.assertNotEqual(r.returncode, 0)
        r = self.run_guest('VM2', 'ip', 'route')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('default via 192.168.23.1', r.stdout)

    def test_guestcontrol_timeout(self):
        r = self.run_guest('VM2', 'ping', '-c', '50', '-i', '0.2',
                           '192.168.23.3', options=['--timeout', '200'])
        self.assertEqual(r.returncode, 20, r.stdout + r.stderr)
        self.assertEqual(r.stderr.count('\n'), 1, r.stderr)
        self.assertIn('200 ms', r.stderr)
        # The client gave up and closed its connection: the engine stops the
        # command instead of pinging on.
        time.sleep(0.5)
        sent = self.frames_out('VM2')
        time.sleep(1.0)
        self.assertEqual(self.frames_out('VM2'), sent)

    def test_link_state_and_moving(self):
        self.assertPings('VM2', '192.168.23.3')
        r = self.home.manage('controlvm', 'VM3', 'setlinkstate1', 'off')
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, '', ''))
        self.assertNoPing('VM2', '192.168.23.3')
        # The change is saved, as VirtualBox saves it.
        self.assertMr({'cableconnected1': 'off'}, vm='VM3')
        self.ok('controlvm', 'VM3', 'setlinkstate1', 'on')
        self.assertPings('VM2', '192.168.23.3')

        self.ok('controlvm', 'VM3', 'nic1', 'intnet', 'other')
        self.assertMr({'intnet1': 'other', 'nic1': 'intnet'}, vm='VM3')
        self.assertNoPing('VM2', '192.168.23.3')
        self.ok('controlvm', 'VM3', 'nic1', 'intnet', 'intnet')
        self.assertPings('VM2', '192.168.23.3')

    def test_counters(self):
        before = self.stats('VM3')[1]
        self.assertPings('VM2', '192.168.23.3')
        after = self.stats('VM3')[1]
        # Two echo requests in and two replies out at least, 98 bytes each.
        self.assertGreaterEqual(after[0] - before[0], 2)
        self.assertGreaterEqual(after[2] - before[2], 2)
        self.assertGreaterEqual(after[1] - before[1], 2 * 98)
        self.assertGreaterEqual(after[3] - before[3], 2 * 98)


class GuestProperties(RunCase):
    def setUp(self):
        super().setUp()
        self.start('VM2')

    def test_get(self):
        self.assertEqual(self.ok('guestproperty', 'get', 'VM2', IP_PROPERTY),
                         'Value: 192.168.23.2\n')
        self.assertEqual(self.ok('guestproperty', 'get', 'VM2', IP_PROPERTY,
                                 '--verbose'),
                         'Value: 192.168.23.2\nTimestamp: 0\nFlags: \n')
        self.assertEqual(self.ok('guestproperty', 'get', 'VM2', '/nothing'),
                         'No value set!\n')

    def test_enumerate(self):
        out = self.ok('guestproperty', 'enumerate', 'VM2')
        self.assertIn('Name: %s, value: 192.168.23.2, timestamp: 0, flags: \n'
                      % IP_PROPERTY, out)
        names = []
        for line in out.splitlines():
            m = re.match(r'^Name: (.*), value: (.*), timestamp: 0, flags: $',
                         line)
            self.assertIsNotNone(m, line)
            names.append(m[1])
        self.assertEqual(names, sorted(names))
        self.assertEqual(self.ok('guestproperty', 'enumerate', 'VM2',
                                 '*/V4/IP'),
                         'Name: %s, value: 192.168.23.2, timestamp: 0, '
                         'flags: \n' % IP_PROPERTY)
        self.assertEqual(self.ok('guestproperty', 'enumerate', 'VM2',
                                 '/nothing|*/V4/IP', '--old-format'),
                         self.ok('guestproperty', 'enumerate', 'VM2',
                                 '--patterns', '*/V4/IP'))
        self.assertEqual(self.ok('guestproperty', 'enumerate', 'VM2',
                                 '/nothing'), 'No properties found.\n')

    def test_wait(self):
        self.assertEqual(self.ok('guestproperty', 'wait', 'VM2', IP_PROPERTY,
                                 '--timeout', '5000'),
                         'Name: %s, value: 192.168.23.2, flags: \n'
                         % IP_PROPERTY)
        # No timeout: it has a value already.
        self.assertEqual(self.ok('guestproperty', 'wait', 'VM2', '*/V4/IP'),
                         'Name: %s, value: 192.168.23.2, flags: \n'
                         % IP_PROPERTY)
        for options, code in (([], 1), (['--fail-on-timeout'], 2)):
            r = self.home.manage('guestproperty', 'wait', 'VM2', '/nothing',
                                 '--timeout', '200', *options)
            self.assertEqual((r.returncode, r.stdout, r.stderr),
                             (code, '', 'wirebox-manage: error: Time out or '
                              'interruption while waiting for a '
                              'notification.\n'))


class Jumbo(CliTestCase):
    """Intel adapters carry 9000-byte frames; an AMD one drops them, and
    its counters say so."""

    def test_oversize_dropped_and_counted(self):
        for name, kind, address in (('J1', '82540EM', '10.9.0.1/24'),
                                    ('J2', '82540EM', '10.9.0.2/24'),
                                    ('J3', 'Am79C973', '10.9.0.3/24')):
            self.createvm(name)
            self.ok('modifyvm', name, '--nic1', 'intnet', '--intnet1',
                    'jumbo', '--nictype1', kind)
            self.ok('guestconfig', name, '--guest-ip1', address,
                    '--guest-mtu1', '9000')
        self.ok('startvm', 'J1', 'J2', 'J3')
        self.assertIn('MTU 9000', self.readable('J3'))
        r = self.home.manage('guestcontrol', 'J1', 'run', '--', 'ping', '-c',
                             '1', '-s', '8000', '10.9.0.2')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.home.manage('guestcontrol', 'J1', 'run', '--', 'ping', '-c',
                             '1', '-W', '1', '-s', '8000', '10.9.0.3')
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        stats = STATS.findall(self.readable('J3'))
        self.assertEqual(len(stats), 1)
        self.assertRegex(stats[0][5], r'(^|, )oversize [1-9]\d*(,|$)')
        r = self.home.manage('guestcontrol', 'J1', 'run', '--', 'ping', '-c',
                             '1', '-s', '1000', '10.9.0.3')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == '__main__':
    wbtest.main()
