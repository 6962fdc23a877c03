# SPDX-License-Identifier: GPL-3.0-or-later
"""The Linux kernel as a real peer (issue 3, "Real peer"; DESIGN.md §9).

Runs only as root, and then only inside a network namespace of its own:
the script re-executes itself under `unshare --net` and refuses to touch a
device, an address or a route unless its namespace differs from the one it
was started in.
There it makes TAP devices named like host-only interfaces, gives the
kernel the host's address (192.168.56.1), and checks, against a headless
engine from the build folder:

- the kernel pings a guest and fetches its HTTP page with curl;
- a guest downloads 10 MB from a kernel-side TCP server, intact (SHA-256);
- busybox udhcpc gets a lease from Wirebox's DHCP server over the TAP;
- a guest gets a lease from dnsmasq on a host-only network whose own DHCP
  server is disabled (a TAP the engine creates: WIREBOX_HOSTONLY_TAP=1);
- an engine not allowed to create a TAP creates none and stands in for
  the host itself.

Traffic goes only to addresses inside the namespace. Skipped, saying why,
when not root or when unshare --net fails.
"""

import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import wbtest

# Set by the re-execution: the namespace the test was started in.
INSIDE = 'WIREBOX_TEST_STARTED_IN_NETNS'
IP_PROPERTY = '/VirtualBox/GuestInfo/Net/0/V4/IP'
DOWNLOAD_SIZE = 10 * 1024 * 1024
WHY = 'needs root and unshare --net'


def namespace():
    return os.readlink('/proc/self/ns/net')


def own_namespace():
    """Whether this process runs in a network namespace made for it: not the
    one it was started in (which the re-execution names in INSIDE)."""
    started_in = os.environ.get(INSIDE)
    try:
        return started_in is not None and namespace() != started_in
    except OSError:
        return False


def skip_reason():
    """None when the tests may run here, else why not."""
    if os.geteuid() != 0:
        return '%s (running as uid %d)' % (WHY, os.geteuid())
    if INSIDE not in os.environ:
        if shutil.which('unshare') is None:
            return '%s (no unshare)' % WHY
        try:
            r = subprocess.run(['unshare', '--net', 'true'],
                               capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as e:
            return '%s (%s)' % (WHY, e)
        if r.returncode != 0:
            return '%s (unshare --net failed: %s)' % (WHY, r.stderr.strip())
        return None
    if not own_namespace():
        return '%s (not in a network namespace of its own)' % WHY
    if not os.path.exists('/dev/net/tun'):
        return '%s and /dev/net/tun (missing)' % WHY
    if shutil.which('ip') is None:
        return '%s and ip (iproute2 missing)' % WHY
    return None


REASON = skip_reason()


def sh(*argv, check=True):
    """Runs a command of the namespace's own network set-up."""
    # The last line of defence: nothing is configured outside our namespace.
    assert own_namespace(), 'refusing to configure the machine\'s network'
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError('%s exited %d: %s%s' % (' '.join(argv),
                                                      r.returncode, r.stdout,
                                                      r.stderr))
    return r


def device_exists(name):
    # Not /sys/class/net: sysfs shows the namespace that mounted it.
    return sh('ip', 'link', 'show', 'dev', name, check=False).returncode == 0


def tool(name):
    return shutil.which(name) is not None


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Engine(wbtest.Home):
    def host_only_vm(self, name, ifname):
        self.ok('createvm', '--name', name, '--register')
        self.ok('modifyvm', name, '--nic1', 'hostonly',
                '--hostonlyadapter1', ifname)

    def wait_ip(self, name, timeout_ms=20000):
        out = self.ok('guestproperty', 'wait', name, IP_PROPERTY,
                      '--timeout', str(timeout_ms))
        value = self.ok('guestproperty', 'get', name, IP_PROPERTY)
        assert value.startswith('Value: '), out + value
        return value[len('Value: '):].strip()

    def log(self, name):
        with open(os.path.join(self.path, 'logs', name + '.log')) as f:
            return f.read()

    def run_guest(self, name, *argv):
        return self.manage('guestcontrol', name, 'run', '--', *argv,
                           timeout=120)


@unittest.skipIf(REASON, REASON)
class RealPeer(unittest.TestCase):
    """vboxnet0 is a TAP made beforehand (as a user would with `ip tuntap
    add ... user ME`); the kernel holds 192.168.56.1 on it."""

    @classmethod
    def setUpClass(cls):
        sh('ip', 'link', 'set', 'lo', 'up')
        sh('ip', 'tuntap', 'add', 'dev', 'vboxnet0', 'mode', 'tap')
        sh('ip', 'addr', 'add', '192.168.56.1/24', 'dev', 'vboxnet0')
        sh('ip', 'link', 'set', 'vboxnet0', 'up')
        cls.engine = None
        try:
            cls.engine = Engine(extra_env={'WIREBOX_HOSTONLY_TAP': '1'})
            cls.engine.ok('hostonlyif', 'create')
            for name in ('Peer1', 'Peer2'):
                cls.engine.host_only_vm(name, 'vboxnet0')
            cls.engine.ok('startvm', 'Peer1', 'Peer2', '--type', 'headless')
            cls.ips = [cls.engine.wait_ip(n) for n in ('Peer1', 'Peer2')]
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.engine is not None:
            cls.engine.close()
        sh('ip', 'link', 'del', 'vboxnet0', check=False)
        sh('ip', 'link', 'del', 'vboxnet1', check=False)

    def test_leases(self):
        self.assertEqual(self.ips, ['192.168.56.101', '192.168.56.102'])
        self.assertIn("attached to host-only interface 'vboxnet0' (the host "
                      "through TAP device vboxnet0)", self.engine.log('Peer1'))

    @unittest.skipUnless(tool('ping'), 'ping (iputils-ping) not installed')
    def test_kernel_pings_guest(self):
        r = sh('ping', '-c', '2', '-i', '0.2', '-W', '2', '192.168.56.101',
               check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('2 received', r.stdout)
        # And the other way: the guest reaches the kernel, not an endpoint.
        r = self.engine.run_guest('Peer2', 'ping', '-c', '2', '-i', '0.2',
                                  '192.168.56.1')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    @unittest.skipUnless(tool('curl'), 'curl not installed')
    def test_kernel_fetches_guest_page(self):
        r = sh('curl', '-s', '--noproxy', '*', '--max-time', '10',
               'http://192.168.56.101/', check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Peer1', r.stdout)
        self.assertIn('192.168.56.101', r.stdout)

    def test_guest_downloads_from_kernel(self):
        with tempfile.TemporaryDirectory(prefix='wirebox-priv-') as folder:
            # Text: the command's output travels as a D-Bus string.
            body = os.urandom(DOWNLOAD_SIZE // 2).hex().encode()
            with open(os.path.join(folder, 'file'), 'wb') as f:
                f.write(body)

            def handler(*args, **kwargs):
                return QuietHandler(*args, directory=folder, **kwargs)

            server = http.server.ThreadingHTTPServer(('192.168.56.1', 0),
                                                     handler)
            thread = threading.Thread(target=server.serve_forever,
                                      daemon=True)
            thread.start()
            try:
                url = 'http://192.168.56.1:%d/file' % server.server_port
                start = time.monotonic()
                r = self.engine.run_guest('Peer2', 'http', url)
                elapsed = time.monotonic() - start
            finally:
                server.shutdown()
                server.server_close()
        self.assertEqual(r.returncode, 0, r.stderr)
        got = r.stdout.encode()
        self.assertEqual(len(got), len(body))
        self.assertEqual(hashlib.sha256(got).hexdigest(),
                         hashlib.sha256(body).hexdigest())
        print('# 10 MB from the kernel in %.2f s' % elapsed)

    @unittest.skipUnless(tool('busybox'), 'busybox (udhcpc) not installed')
    def test_udhcpc_lease_from_wirebox(self):
        with tempfile.TemporaryDirectory(prefix='wirebox-priv-') as folder:
            record = os.path.join(folder, 'lease')
            script = os.path.join(folder, 'script')
            # Records the lease and configures nothing: the kernel keeps
            # its static 192.168.56.1.
            with open(script, 'w') as f:
                f.write('#!/bin/sh\n'
                        '[ "$1" = bound ] && echo "$ip $subnet $serverid"'
                        ' > "%s"\nexit 0\n' % record)
            os.chmod(script, 0o755)
            r = sh('busybox', 'udhcpc', '-i', 'vboxnet0', '-n', '-q', '-f',
                   '-t', '5', '-T', '2', '-s', script, check=False)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            with open(record) as f:
                ip, subnet, server = f.read().split()
        self.assertEqual(server, '192.168.56.100')
        self.assertEqual(subnet, '255.255.255.0')
        last = int(ip.split('.')[-1])
        self.assertTrue(ip.startswith('192.168.56.') and 103 <= last <= 254,
                        ip)

    @unittest.skipUnless(shutil.which('dnsmasq'), 'dnsmasq not installed')
    def test_guest_lease_from_dnsmasq(self):
        e = self.engine
        self.assertIn("'vboxnet1'", e.ok('hostonlyif', 'create'))
        e.ok('dhcpserver', 'modify', '--interface', 'vboxnet1', '--disable')
        e.host_only_vm('Dnsmasq1', 'vboxnet1')
        self.assertFalse(device_exists('vboxnet1'))
        e.ok('startvm', 'Dnsmasq1', '--type', 'headless')
        # Made by the engine (root and WIREBOX_HOSTONLY_TAP=1), left
        # unconfigured: configuring it is the user's part.
        self.assertTrue(wbtest.wait_for(lambda: device_exists('vboxnet1')))
        self.assertNotIn('inet ', sh('ip', 'addr', 'show', 'vboxnet1').stdout)
        sh('ip', 'addr', 'add', '192.168.57.1/24', 'dev', 'vboxnet1')
        sh('ip', 'link', 'set', 'vboxnet1', 'up')
        with tempfile.TemporaryDirectory(prefix='wirebox-priv-') as folder:
            dnsmasq = subprocess.Popen(
                ['dnsmasq', '--no-daemon', '--port=0', '--interface=vboxnet1',
                 '--bind-interfaces', '--no-resolv', '--no-hosts',
                 '--dhcp-range=192.168.57.50,192.168.57.60,255.255.255.0,1h',
                 '--dhcp-leasefile=' + os.path.join(folder, 'leases'),
                 '--pid-file=' + os.path.join(folder, 'pid')],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            try:
                ip = e.wait_ip('Dnsmasq1', timeout_ms=30000)
                r = e.run_guest('Dnsmasq1', 'ip', 'addr')
            finally:
                dnsmasq.terminate()
                log = dnsmasq.communicate(timeout=10)[0]
        self.assertEqual(r.returncode, 0, r.stderr)
        last = int(ip.split('.')[-1])
        self.assertTrue(ip.startswith('192.168.57.') and 50 <= last <= 60,
                        ip + '\n' + log)
        self.assertIn('DHCPACK(vboxnet1) ' + ip, log)
        e.ok('controlvm', 'Dnsmasq1', 'poweroff')
        # Created by the engine, gone with the network.
        self.assertTrue(wbtest.wait_for(
            lambda: not device_exists('vboxnet1')))


@unittest.skipIf(REASON, REASON)
class NoPermission(unittest.TestCase):
    """Without WIREBOX_HOSTONLY_TAP=1 the engine creates no device: its host
    endpoint stands in for the host."""

    def test_endpoint_stands_in(self):
        engine = Engine()
        try:
            for _ in range(4):
                engine.ok('hostonlyif', 'create')
            engine.host_only_vm('Alone', 'vboxnet3')
            engine.ok('startvm', 'Alone', '--type', 'headless')
            self.assertEqual(engine.wait_ip('Alone'), '192.168.59.101')
            self.assertFalse(device_exists('vboxnet3'))
            self.assertIn("attached to host-only interface 'vboxnet3'\n",
                          engine.log('Alone'))
            r = engine.run_guest('Alone', 'ping', '-c', '2', '-i', '0.2',
                                 '192.168.59.1')
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            engine.close()
        self.assertFalse(device_exists('vboxnet3'))


if __name__ == '__main__':
    if REASON is None and INSIDE not in os.environ:
        # Everything else happens in a network namespace of our own.
        env = dict(os.environ, **{INSIDE: namespace()})
        os.execvpe('unshare', ['unshare', '--net', '--', sys.executable,
                               os.path.abspath(__file__), *sys.argv[1:]], env)
    wbtest.main()
