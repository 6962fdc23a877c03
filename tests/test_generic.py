# SPDX-License-Identifier: GPL-3.0-or-later
"""The Generic driver across engine processes (issue 4 §5): two engines (two
WIREBOX_HOMEs) joined by a UDP tunnel with swapped ports on 127.0.0.1, two
VMs on one Debian vde_switch started by the test, and vxvde:// between two
engines inside a network namespace of the test's own (root and unshare
--net; skipped, saying why, otherwise). The 10 MB TCP transfer through a
tunnel is tests/test-generic.c. Nothing leaves 127.0.0.1 or the namespace.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import wbtest
from wbtest import Home

INSIDE = 'WIREBOX_TEST_VXVDE_STARTED_IN_NETNS'
VXVDE_GROUP = '239.255.42.7'


def free_udp_ports(n):
    """@n distinct UDP ports free on 127.0.0.1 (bound together, then let go)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(('127.0.0.1', 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Engines:
    """Engine processes, each with a home of its own."""

    def __init__(self, n):
        self.homes = []
        try:
            for _ in range(n):
                self.homes.append(Home())
        except Exception:
            self.close()
            raise

    def close(self):
        for home in self.homes:
            home.close()


def generic_vm(home, name, driver, address, **props):
    home.ok('createvm', '--name', name, '--register')
    args = ['modifyvm', name, '--nic1', 'generic', '--nicgenericdrv1', driver]
    for key, value in props.items():
        args += ['--nicproperty1', '%s=%s' % (key, value)]
    home.ok(*args)
    home.ok('guestconfig', name, '--guest-ip1', address)


def ping(home, vm, host, *options):
    return home.manage('guestcontrol', vm, 'run', '--', 'ping', '-c', '2',
                       '-i', '0.2', *options, host)


class GenericCase(unittest.TestCase):
    def assertPings(self, home, vm, host):
        r = ping(home, vm, host)
        self.assertEqual(r.returncode, 0, '%s -> %s: %s%s'
                         % (vm, host, r.stdout, r.stderr))
        self.assertIn(' 2 received', r.stdout)

    def assertNoPing(self, home, vm, host):
        r = ping(home, vm, host, '-W', '1')
        self.assertEqual(r.returncode, 1, '%s -> %s: %s%s'
                         % (vm, host, r.stdout, r.stderr))

    def start(self, home, vm):
        r = home.manage('startvm', vm, '--type', 'headless')
        self.assertEqual(r.returncode, 0, r.stderr)


class UdpTunnel(GenericCase):
    def setUp(self):
        self.engines = Engines(2)
        self.a, self.b = self.engines.homes
        self.pa, self.pb = free_udp_ports(2)
        generic_vm(self.a, 'A', 'UDPTunnel', '10.9.0.1/24',
                   sport=self.pa, dport=self.pb, dest='127.0.0.1')
        generic_vm(self.b, 'B', 'UDPTunnel', '10.9.0.2/24',
                   sport=self.pb, dport=self.pa, dest='127.0.0.1')

    def tearDown(self):
        self.engines.close()

    def test_ping_across_engines(self):
        self.start(self.a, 'A')
        self.start(self.b, 'B')
        self.assertPings(self.a, 'A', '10.9.0.2')
        self.assertPings(self.b, 'B', '10.9.0.1')

    def test_port_in_use_fails_the_start(self):
        taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            taken.bind(('127.0.0.1', self.pa))
            r = self.a.manage('startvm', 'A', '--type', 'headless')
        finally:
            taken.close()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('UDP tunnel: cannot listen on 127.0.0.1:%d: '
                      'Address already in use' % self.pa, r.stderr)
        self.assertNotIn('A', self.a.ok('list', 'runningvms').replace(
            '"', ' ').split())

    def test_dest_name_is_refused(self):
        self.a.ok('modifyvm', 'A', '--nicproperty1', 'dest=localhost')
        r = self.a.manage('startvm', 'A', '--type', 'headless')
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("dest 'localhost' is not an IPv4 address", r.stderr)

    def test_nicproperty_reopens_the_tunnel(self):
        self.start(self.a, 'A')
        self.start(self.b, 'B')
        self.assertPings(self.a, 'A', '10.9.0.2')
        # A moves to another local port: B still sends to the old one.
        (moved,) = free_udp_ports(1)
        self.a.ok('controlvm', 'A', 'nicproperty1', 'sport=%d' % moved)
        self.assertNoPing(self.a, 'A', '10.9.0.2')
        self.b.ok('controlvm', 'B', 'nicproperty1', 'dport=%d' % moved)
        self.assertPings(self.a, 'A', '10.9.0.2')
        # The old port was let go before controlvm returned.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(('127.0.0.1', self.pa))
        finally:
            s.close()
        # A port that cannot be bound leaves the running tunnel as it was.
        taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            taken.bind(('127.0.0.1', self.pa))
            r = self.a.manage('controlvm', 'A', 'nicproperty1',
                              'sport=%d' % self.pa)
        finally:
            taken.close()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('Address already in use', r.stderr)
        self.assertPings(self.a, 'A', '10.9.0.2')


def vde_skip_reason():
    if shutil.which('vde_switch') is None:
        return 'needs vde_switch (Debian package vde2)'
    # libvdeplug's plugins (loaded with RTLD_DEEPBIND) cannot run under
    # AddressSanitizer: such a build has no VDE.
    try:
        with open(os.path.join(wbtest.BUILD, 'meson-info',
                               'intro-buildoptions.json')) as f:
            options = {o['name']: o['value'] for o in json.load(f)}
    except (OSError, ValueError, KeyError):
        options = {}
    if options.get('b_sanitize', 'none') != 'none':
        return 'VDE is not in a sanitizer build (libvdeplug uses RTLD_DEEPBIND)'
    return None


VDE_REASON = vde_skip_reason()


def vde_switch(directory):
    """A vde_switch in the foreground (its console on a pipe kept open)."""
    return subprocess.Popen(['vde_switch', '-s', directory],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


@unittest.skipIf(VDE_REASON, VDE_REASON)
class Vde(GenericCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='wirebox-vde-')
        self.switch_dir = os.path.join(self.tmp.name, 'switch')
        self.switch = vde_switch(self.switch_dir)
        ctl = os.path.join(self.switch_dir, 'ctl')
        if not wbtest.wait_for(lambda: os.path.exists(ctl)
                               or self.switch.poll() is not None):
            self.fail('vde_switch made no control socket')
        self.assertIsNone(self.switch.poll(), 'vde_switch exited')
        self.home = Home()

    def tearDown(self):
        self.home.close()
        # By its PID, as the switch is ours.
        self.switch.terminate()
        try:
            self.switch.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.switch.kill()
            self.switch.wait()
        self.switch.stdin.close()
        self.tmp.cleanup()

    def test_two_vms_on_one_switch(self):
        generic_vm(self.home, 'V1', 'VDE', '10.9.1.1/24',
                   network=self.switch_dir)
        # PATH[PORT]: one port of the switch.
        generic_vm(self.home, 'V2', 'VDE', '10.9.1.2/24',
                   network=self.switch_dir + '[5]')
        self.start(self.home, 'V1')
        self.start(self.home, 'V2')
        self.assertPings(self.home, 'V1', '10.9.1.2')
        self.assertPings(self.home, 'V2', '10.9.1.1')

    def test_no_switch_fails_the_start(self):
        missing = os.path.join(self.tmp.name, 'nosuch')
        generic_vm(self.home, 'V1', 'VDE', '10.9.1.1/24', network=missing)
        r = self.home.manage('startvm', 'V1', '--type', 'headless')
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("VDE: cannot connect to '%s'" % missing, r.stderr)


def namespace():
    return os.readlink('/proc/self/ns/net')


def vxvde_skip_reason():
    why = 'vxvde:// needs root and unshare --net (multicast only inside a ' \
          'private network namespace)'
    if os.geteuid() != 0:
        return '%s: running as uid %d' % (why, os.geteuid())
    for tool in ('unshare', 'ip'):
        if shutil.which(tool) is None:
            return '%s: no %s' % (why, tool)
    try:
        r = subprocess.run(['unshare', '--net', 'true'], capture_output=True,
                           text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return '%s: %s' % (why, e)
    if r.returncode != 0:
        return '%s: unshare --net failed: %s' % (why, r.stderr.strip())
    return None


VXVDE_REASON = VDE_REASON or vxvde_skip_reason()


def vxvde_inner():
    """In the namespace: lo carries the multicast; two engines, one VM each
    on vxvde://GROUP, ping each other. Exits 0 when they do."""
    if namespace() == os.environ.get(INSIDE):
        sys.exit('refusing: not in a network namespace of our own')
    for argv in (['ip', 'link', 'set', 'lo', 'up'],
                 ['ip', 'link', 'set', 'lo', 'multicast', 'on'],
                 ['ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo']):
        subprocess.run(argv, check=True)
    engines = Engines(2)
    try:
        a, b = engines.homes
        url = 'vxvde://' + VXVDE_GROUP
        generic_vm(a, 'X1', 'VDE', '10.9.2.1/24', network=url)
        generic_vm(b, 'X2', 'VDE', '10.9.2.2/24', network=url)
        a.ok('startvm', 'X1', '--type', 'headless')
        b.ok('startvm', 'X2', '--type', 'headless')
        status = 0
        for home, vm, host in ((a, 'X1', '10.9.2.2'), (b, 'X2', '10.9.2.1')):
            r = ping(home, vm, host)
            print('%s -> %s: %d\n%s%s' % (vm, host, r.returncode, r.stdout,
                                          r.stderr))
            status |= r.returncode
        sys.exit(1 if status else 0)
    finally:
        engines.close()


@unittest.skipIf(VXVDE_REASON, VXVDE_REASON)
class VxVde(unittest.TestCase):
    def test_two_engines_in_a_namespace(self):
        env = dict(os.environ, **{INSIDE: namespace()})
        r = subprocess.run(['unshare', '--net', '--', sys.executable,
                            os.path.abspath(__file__), '--vxvde-inner'],
                           env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == '__main__':
    if sys.argv[1:] == ['--vxvde-inner']:
        vxvde_inner()
    wbtest.main()
