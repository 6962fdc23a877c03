# SPDX-License-Identifier: GPL-3.0-or-later
"""Engine start-up, locking, spawning, idle exit and crash safety
(DESIGN.md §2), with the built programs."""

import fcntl
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import threading
import time
import unittest

import wbtest
from wbtest import Home, WIREBOX, engine_pids, kill_engines, wait_for


class Headless(unittest.TestCase):
    def setUp(self):
        self.home = Home(start=False)

    def tearDown(self):
        kill_engines(self.home)
        self.home.close()

    def test_sigterm_exits_cleanly(self):
        self.home.start_engine()
        self.home.ok('createvm', '--name', 'A', '--register')
        code = self.home.stop_engine(signal.SIGTERM)
        self.assertEqual(code, 0)
        self.assertFalse(os.path.exists(self.home.socket),
                         'the socket is removed on a clean exit')

    def test_runs_without_display_or_session_bus(self):
        env = dict(self.home.env)
        for var in ('DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS',
                    'XDG_RUNTIME_DIR'):
            env.pop(var, None)
        proc = subprocess.Popen([WIREBOX, '--headless'], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            self.assertTrue(wait_for(lambda: os.path.exists(self.home.socket)))
            self.assertEqual(self.home.ok('list', 'vms'), '')
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(timeout=10), 0)
            proc.stdout.close()
            proc.stderr.close()

    def test_second_engine_refused_naming_holder(self):
        first = self.home.start_engine()
        second = subprocess.run([WIREBOX, '--headless'], env=self.home.env,
                                capture_output=True, text=True, timeout=20)
        self.assertEqual(second.returncode, 1)
        self.assertIn('PID %d' % first.pid, second.stderr)
        # The first one still serves.
        self.assertEqual(self.home.ok('list', 'vms'), '')

    def test_lock_taken_before_socket(self):
        # With the lock held by a running engine, a second engine must not
        # touch the socket (it would cut off the first one's clients).
        self.home.start_engine()
        inode = os.stat(self.home.socket).st_ino
        subprocess.run([WIREBOX, '--headless'], env=self.home.env,
                       capture_output=True, timeout=20)
        self.assertEqual(os.stat(self.home.socket).st_ino, inode)

    def test_socket_accepts_only_dbus_auth(self):
        # Garbage on the socket is refused without harming the engine.
        self.home.start_engine()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.home.socket)
        s.sendall(b'\0AUTH ANONYMOUS\r\n')
        s.settimeout(5)
        reply = s.recv(256)
        s.close()
        self.assertFalse(reply.startswith(b'OK'), reply)
        self.assertEqual(self.home.ok('list', 'vms'), '')


class Spawning(unittest.TestCase):
    def setUp(self):
        self.home = Home(start=False, extra_env={'WIREBOX_IDLE_EXIT_SECONDS': '2'})

    def tearDown(self):
        kill_engines(self.home)
        self.home.close()

    def test_client_spawns_engine(self):
        self.assertEqual(engine_pids(self.home), [])
        self.home.ok('createvm', '--name', 'Spawned', '--register')
        self.assertEqual(len(engine_pids(self.home)), 1)
        self.assertIn('"Spawned"', self.home.ok('list', 'vms'))

    def test_two_clients_at_once_start_one_engine(self):
        results = []

        def run(name):
            results.append(self.home.manage('createvm', '--name', name, '--register'))

        threads = [threading.Thread(target=run, args=('VM%d' % i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in results:
            self.assertEqual(r.returncode, 0, r.stderr)
        # Engines that lost the race exit at once; one serves.
        self.assertTrue(wait_for(lambda: len(engine_pids(self.home)) == 1, timeout=5),
                        engine_pids(self.home))
        listed = self.home.ok('list', 'vms')
        for i in range(4):
            self.assertIn('"VM%d"' % i, listed)

    def test_stale_socket_and_lock_do_not_block(self):
        self.home.ok('createvm', '--name', 'Before', '--register')
        kill_engines(self.home)
        # The killed engine left its socket file and its lock file behind.
        self.assertTrue(os.path.exists(self.home.socket))
        self.assertTrue(os.path.exists(os.path.join(self.home.path, 'engine.lock')))
        self.assertIn('"Before"', self.home.ok('list', 'vms'))
        self.assertEqual(len(engine_pids(self.home)), 1)

    def test_idle_exit(self):
        self.home.ok('list', 'vms')
        self.assertEqual(len(engine_pids(self.home)), 1)
        self.assertTrue(wait_for(lambda: not engine_pids(self.home), timeout=15),
                        'the spawned engine exits once idle')
        self.assertFalse(os.path.exists(self.home.socket))

    def test_client_waits_for_starting_engine(self):
        # A client that finds the lock held (an engine starting up) waits for
        # the socket instead of spawning an engine of its own.
        fd = os.open(os.path.join(self.home.path, 'engine.lock'),
                     os.O_RDWR | os.O_CREAT, 0o600)
        lock = struct.pack('hhqqi4x', fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, lock)
        client = subprocess.Popen([wbtest.MANAGE, 'list', 'vms'], env=self.home.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(1.5)
            self.assertIsNone(client.poll(), 'the client waits')
            self.assertEqual(engine_pids(self.home), [],
                             'no engine is spawned while the lock is held')
        finally:
            os.close(fd)
        # The lock is free again (that engine "died" while starting): the
        # client goes on and gets an engine.
        out, err = client.communicate(timeout=20)
        self.assertEqual(client.returncode, 0, err)
        self.assertEqual(len(engine_pids(self.home)), 1)


class CrashSafety(unittest.TestCase):
    def setUp(self):
        self.home = Home(start=True)

    def tearDown(self):
        kill_engines(self.home)
        self.home.close()

    def test_kill_9_keeps_acknowledged_changes(self):
        self.home.ok('createvm', '--name', 'Stream', '--register')
        acknowledged = []
        stop = threading.Event()

        def stream():
            port = 2000
            while not stop.is_set() and port < 60000:
                r = self.home.manage('modifyvm', 'Stream', '--natpf1',
                                     'r%d,tcp,,%d,,22' % (port, port))
                if r.returncode != 0:
                    break
                acknowledged.append('r%d' % port)
                port += 1

        worker = threading.Thread(target=stream)
        worker.start()
        self.assertTrue(wait_for(lambda: len(acknowledged) >= 30, timeout=60))
        os.kill(self.home.engine.pid, signal.SIGKILL)
        self.home.engine.wait()
        stop.set()
        worker.join()
        self.home.stop_engine()

        con = sqlite3.connect(self.home.db)
        try:
            self.assertEqual(con.execute('PRAGMA integrity_check').fetchone()[0], 'ok')
            names = {row[0] for row in con.execute('SELECT name FROM nat_rule')}
        finally:
            con.close()
        missing = [n for n in acknowledged if n not in names]
        self.assertEqual(missing, [], 'every acknowledged change is stored')

        # And the engine starts again on that database.
        self.home.start_engine()
        out = self.home.ok('showvminfo', 'Stream', '--machinereadable')
        self.assertIn('Forwarding(0)="r2000,tcp,,2000,,22"', out)

    def test_settings_survive_restart(self):
        self.home.ok('createvm', '--name', 'Keep', '--register')
        self.home.ok('modifyvm', 'Keep', '--nic2', 'intnet', '--intnet2', 'lab')
        before = self.home.ok('showvminfo', 'Keep', '--machinereadable')
        self.assertEqual(self.home.stop_engine(), 0)
        self.home.start_engine()
        self.assertEqual(self.home.ok('showvminfo', 'Keep', '--machinereadable'), before)


if __name__ == '__main__':
    wbtest.main()
