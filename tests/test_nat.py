# SPDX-License-Identifier: GPL-3.0-or-later
"""NAT, port forwarding and NAT networks through libslirp (issue 4 §1-§3),
as a user runs them with wirebox-manage.

Network safety: guests only talk to 10.0.x.2 (libslirp's host alias, which
is the host's 127.0.0.1) and the tests only to forwarded ports on
127.0.0.1; no DNS. Ports are found by binding port 0."""

import http.server
import os
import socket
import socketserver
import threading
import time

import wbtest
from test_cli import CliTestCase

IP_PROPERTY = '/VirtualBox/GuestInfo/Net/0/V4/IP'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def fetch(port, timeout=10):
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(b'GET / HTTP/1.0\r\nHost: x\r\n\r\n')
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data.decode(errors='replace')
            data += chunk


def refused(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


class HostServer:
    """A test server on the host's 127.0.0.1 (http.server in a thread)."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b'hello from the host\n'
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class NatCase(CliTestCase):
    def start(self, *names):
        for name in names:
            self.ok('startvm', name, '--type', 'headless')

    def address(self, vm):
        out = self.ok('guestproperty', 'wait', vm, IP_PROPERTY,
                      '--timeout', '10000')
        return out.split('value: ')[1].split(',')[0]

    def nat_vm(self, name, *options):
        self.createvm(name)
        self.ok('modifyvm', name, '--nic1', 'nat', *options)

    def engine_fds(self):
        return len(os.listdir('/proc/%d/fd' % self.home.engine.pid))


class Nat(NatCase):
    def test_seed_ssh_and_http(self):
        ssh, web, late = free_port(), free_port(), free_port()
        self.nat_vm('Web', '--natpf1', 'guestssh,tcp,127.0.0.1,%d,,22' % ssh,
                    '--natpf1', 'web,tcp,127.0.0.1,%d,,80' % web)
        self.start('Web')
        self.assertEqual(self.address('Web'), '10.0.2.15')
        with socket.create_connection(('127.0.0.1', ssh), timeout=10) as s:
            self.assertTrue(s.recv(100).startswith(b'SSH-2.0-Wirebox_guest'))
        self.assertIn('<h1>Web</h1>', fetch(web))

        # Live: bound before controlvm returns, closed before it returns.
        self.ok('controlvm', 'Web', 'natpf1',
                'late,tcp,127.0.0.1,%d,,80' % late)
        self.assertIn('<h1>Web</h1>', fetch(late))
        self.ok('controlvm', 'Web', 'natpf1', 'delete', 'late')
        self.assertTrue(refused(late))
        self.assertIn('<h1>Web</h1>', fetch(web))
        # Stored as VirtualBox saves it.
        self.assertNotIn('late', self.readable('Web'))
        self.refused('controlvm', 'Web', 'natpf1', 'delete', 'nosuch')
        self.refused('controlvm', 'Web', 'natpf1', 'x,tcp,127.0.0.1,1,,')

    def test_localhost_reachable(self):
        server = HostServer()
        self.addCleanup(server.close)
        url = 'http://10.0.2.2:%d/' % server.port
        self.nat_vm('On', '--nat-localhostreachable1', 'on')
        self.nat_vm('Off')
        self.start('On', 'Off')
        self.address('On')
        self.address('Off')
        r = self.home.manage('guestcontrol', 'On', 'run', '--', 'http', url)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('hello from the host', r.stdout)
        r = self.home.manage('guestcontrol', 'Off', 'run', '--timeout',
                             '5000', '--', 'http', url)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertNotIn('hello from the host', r.stdout)

    def test_two_nat_vms_are_apart(self):
        self.nat_vm('A')
        self.nat_vm('B')
        self.start('A', 'B')
        self.assertEqual(self.address('A'), '10.0.2.15')
        self.assertEqual(self.address('B'), '10.0.2.15')
        # Each reaches only itself at 10.0.2.15, and nobody else is there.
        for vm in ('A', 'B'):
            r = self.home.manage('guestcontrol', vm, 'run', '--', 'http',
                                 'http://10.0.2.15/')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('<h1>%s</h1>' % vm, r.stdout)
            r = self.home.manage('guestcontrol', vm, 'run', '--', 'ping',
                                 '-c', '1', '-W', '1', '10.0.2.16')
            self.assertEqual(r.returncode, 1, r.stdout)

    def test_port_in_use(self):
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        busy, free = taken.getsockname()[1], free_port()
        self.nat_vm('Busy', '--natpf1', 'web,tcp,127.0.0.1,%d,,80' % busy,
                    '--natpf1', 'web2,tcp,127.0.0.1,%d,,80' % free)
        self.start('Busy')
        self.address('Busy')
        self.assertIn('<h1>Busy</h1>', fetch(free))
        info = self.readable('Busy')
        self.assertIn('name = web, protocol = tcp, host ip = 127.0.0.1, '
                      'host port = %d, guest ip = , guest port = 80: '
                      'not bound: Address already in use' % busy, info)
        self.assertIn('host port = %d, guest ip = , guest port = 80\n'
                      % free, info)
        # Stopped: the rule lines are the settings only.
        self.ok('controlvm', 'Busy', 'poweroff')
        self.assertNotIn('not bound', self.readable('Busy'))

    def test_200_connections(self):
        port = free_port()
        self.nat_vm('Echo', '--natpf1', 'echo,tcp,127.0.0.1,%d,,7' % port)
        self.ok('guestconfig', 'Echo', '--service', 'add', 'tcp:7:echo')
        self.start('Echo')
        self.address('Echo')
        fetch_ok = socket.create_connection(('127.0.0.1', port), timeout=10)
        fetch_ok.close()
        time.sleep(0.5)
        before = self.engine_fds()

        errors = []
        deadline = time.monotonic() + 60

        def client(i):
            payload = (('%04d' % i) * 2048).encode()
            try:
                with socket.create_connection(('127.0.0.1', port),
                                              timeout=30) as s:
                    s.sendall(payload)
                    s.shutdown(socket.SHUT_WR)
                    data = b''
                    while len(data) < len(payload):
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                if data != payload:
                    errors.append('%d: %d bytes, wrong data' % (i, len(data)))
            except OSError as e:
                errors.append('%d: %s' % (i, e))

        threads = [threading.Thread(target=client, args=(i,))
                   for i in range(200)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.1, deadline - time.monotonic()))
        self.assertFalse(any(t.is_alive() for t in threads),
                         'not done within 60 s')
        self.assertEqual(errors, [])
        self.assertTrue(wbtest.wait_for(lambda: self.engine_fds() <= before,
                                        timeout=30),
                        'engine fds: %d before, %d after'
                        % (before, self.engine_fds()))


class NatNetwork(NatCase):
    def test_natnet1(self):
        self.ok('natnetwork', 'add', '--netname', 'natnet1', '--network',
                '192.168.22.0/24', '--enable', '--dhcp', 'on')
        for vm in ('VM1', 'VM2'):
            self.createvm(vm)
            self.ok('modifyvm', vm, '--nic1', 'natnetwork', '--nat-network1',
                    'natnet1')
        self.start('VM1')
        self.assertEqual(self.address('VM1'), '192.168.22.4')
        self.start('VM2')
        self.assertEqual(self.address('VM2'), '192.168.22.5')
        self.assertIn('Enabled:      Yes',
                      self.ok('natnetwork', 'list'))
        for vm, peer in (('VM1', '192.168.22.5'), ('VM2', '192.168.22.4'),
                         ('VM1', '192.168.22.1')):
            r = self.home.manage('guestcontrol', vm, 'run', '--', 'ping',
                                 '-c', '2', '-i', '0.2', peer)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        port = free_port()
        self.ok('natnetwork', 'modify', '--netname', 'natnet1',
                '--port-forward-4',
                'web:tcp:[127.0.0.1]:%d:[192.168.22.4]:80' % port)
        self.assertIn('<h1>VM1</h1>', fetch(port))
        self.refused('natnetwork', 'modify', '--netname', 'natnet1',
                     '--port-forward-4', 'bad:tcp:[127.0.0.1]:%d:[]:80'
                     % free_port())
        self.ok('natnetwork', 'modify', '--netname', 'natnet1',
                '--port-forward-4', 'delete', 'web')
        self.assertTrue(refused(port))

        # Stopped under its VMs: links down; started: back.
        self.ok('natnetwork', 'stop', '--netname', 'natnet1')
        r = self.home.manage('guestcontrol', 'VM1', 'run', '--', 'ping',
                             '-c', '1', '-W', '1', '192.168.22.5')
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.ok('natnetwork', 'start', '--netname', 'natnet1')
        self.assertTrue(wbtest.wait_for(lambda: self.home.manage(
            'guestcontrol', 'VM1', 'run', '--', 'ping', '-c', '1', '-W', '1',
            '192.168.22.5').returncode == 0, timeout=15))

    def test_rule_not_bound(self):
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        busy, free = taken.getsockname()[1], free_port()
        self.ok('natnetwork', 'add', '--netname', 'busy', '--network',
                '192.168.23.0/24', '--enable')
        for rule in ('web:tcp:[127.0.0.1]:%d:[192.168.23.4]:80' % busy,
                     'web2:tcp:[127.0.0.1]:%d:[192.168.23.4]:80' % free):
            self.ok('natnetwork', 'modify', '--netname', 'busy',
                    '--port-forward-4', rule)
        # Not running: the rule lines are the settings only.
        self.assertNotIn('not bound', self.ok('natnetwork', 'list'))
        self.ok('natnetwork', 'start', '--netname', 'busy')
        for out in (self.ok('natnetwork', 'list'),
                    self.ok('list', '-l', 'natnets')):
            self.assertIn('web:tcp:[127.0.0.1]:%d:[192.168.23.4]:80: '
                          'not bound: Address already in use\n' % busy, out)
            self.assertIn('web2:tcp:[127.0.0.1]:%d:[192.168.23.4]:80\n'
                          % free, out)
        self.ok('natnetwork', 'stop', '--netname', 'busy')
        self.assertNotIn('not bound', self.ok('natnetwork', 'list'))

    def test_disabled_network_refuses_the_start(self):
        self.ok('natnetwork', 'add', '--netname', 'off', '--network',
                '192.168.30.0/24', '--disable')
        self.createvm('VM')
        self.ok('modifyvm', 'VM', '--nic1', 'natnetwork', '--nat-network1',
                'off')
        r = self.home.manage('startvm', 'VM', '--type', 'headless')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("NAT network 'off' is disabled", r.stderr)


if __name__ == '__main__':
    wbtest.main()
