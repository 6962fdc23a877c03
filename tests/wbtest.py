# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures for the tests that run the built programs.

Every test gets its own WIREBOX_HOME in a fresh temporary folder and, unless
it asks otherwise, a headless engine (`wirebox --headless`) serving it.
Results are printed as TAP so that meson counts each test.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import unittest

BUILD = os.environ.get('WIREBOX_BUILD_DIR',
                       os.path.join(os.path.dirname(__file__), '..', '_build'))
WIREBOX = os.path.join(BUILD, 'app', 'wirebox')
MANAGE = os.path.join(BUILD, 'app', 'wirebox-manage')


def wait_for(predicate, timeout=10.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def engine_pids(home):
    """PIDs of live `wirebox --headless` processes serving @home."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                cmdline = f.read().split(b'\0')
            with open('/proc/%s/environ' % entry, 'rb') as f:
                environ = f.read().split(b'\0')
            with open('/proc/%s/stat' % entry) as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            continue
        if state == 'Z':
            continue
        if (os.path.basename(cmdline[0]) == b'wirebox'
                and b'--headless' in cmdline
                and ('WIREBOX_HOME=%s' % home.path).encode() in environ):
            pids.append(int(entry))
    return pids


def signal_engines(home, sig):
    """Sends @sig to every engine serving @home."""
    for pid in engine_pids(home):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def kill_engines(home):
    signal_engines(home, signal.SIGKILL)
    wait_for(lambda: not engine_pids(home), timeout=5)


class Home:
    """A temporary settings home, optionally with a headless engine."""

    def __init__(self, start=True, extra_env=None):
        self._tmp = tempfile.TemporaryDirectory(prefix='wirebox-test-')
        self.path = self._tmp.name
        self.env = dict(os.environ)
        self.env['WIREBOX_HOME'] = self.path
        self.env.pop('DISPLAY', None)
        self.env.pop('WAYLAND_DISPLAY', None)
        self.env.pop('DBUS_SESSION_BUS_ADDRESS', None)
        if extra_env:
            self.env.update(extra_env)
        self.socket = os.path.join(self.path, 'engine.sock')
        self.db = os.path.join(self.path, 'wirebox.db')
        self.engine = None
        if start:
            self.start_engine()

    def start_engine(self, *args):
        self.engine = subprocess.Popen([WIREBOX, '--headless', *args],
                                       env=self.env,
                                       stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        if not wait_for(lambda: os.path.exists(self.socket) or
                        self.engine.poll() is not None):
            raise RuntimeError('engine did not open its socket')
        if self.engine.poll() is not None:
            raise RuntimeError('engine exited: ' + self.engine.stderr.read())
        return self.engine

    def stop_engine(self, sig=signal.SIGTERM):
        if self.engine is None:
            return None
        if self.engine.poll() is None:
            self.engine.send_signal(sig)
        try:
            self.engine.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.engine.kill()
            self.engine.wait()
        code = self.engine.returncode
        self.engine.stdout.close()
        self.engine.stderr.close()
        self.engine = None
        return code

    def manage(self, *args, input=None, timeout=60):
        return subprocess.run([MANAGE, *args], env=self.env, input=input,
                              capture_output=True, text=True,
                              timeout=timeout)

    def ok(self, *args):
        """Runs wirebox-manage and fails the caller's test unless it exits 0."""
        r = self.manage(*args)
        if r.returncode != 0:
            raise AssertionError('wirebox-manage %s exited %d: %s'
                                 % (' '.join(args), r.returncode, r.stderr))
        return r.stdout

    def db_dump(self):
        """Every row of every table, for comparing before and after."""
        con = sqlite3.connect('file:%s?mode=ro' % self.db, uri=True)
        try:
            return '\n'.join(con.iterdump())
        finally:
            con.close()

    def close(self):
        self.stop_engine()
        self._tmp.cleanup()


class HomeTestCase(unittest.TestCase):
    """A test case with self.home: a fresh home and a running engine."""

    start_engine = True

    def setUp(self):
        self.home = Home(start=self.start_engine)

    def tearDown(self):
        self.home.close()

    def machinereadable(self, vm):
        """showvminfo --machinereadable as a dict of raw (quoted) values."""
        out = self.home.ok('showvminfo', vm, '--machinereadable')
        values = {}
        for line in out.splitlines():
            key, _, value = line.partition('=')
            values[key] = value
        return values


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.count = 0

    def _line(self, ok, test, extra=''):
        self.count += 1
        print('%s %d - %s%s' % ('ok' if ok else 'not ok', self.count,
                                test.id(), extra), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        for line in self._exc_info_to_string(err, test).splitlines():
            print('# ' + line)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        for line in self._exc_info_to_string(err, test).splitlines():
            print('# ' + line)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, ' # SKIP ' + reason)


def main():
    module = sys.modules['__main__']
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    if len(sys.argv) > 1:
        wanted = sys.argv[1:]
        suite = unittest.TestSuite(t for t in _flatten(suite)
                                   if any(w in t.id() for w in wanted))
    result = TapResult()
    try:
        suite.run(result)
    except Exception:
        traceback.print_exc()
        print('Bail out!')
        sys.exit(1)
    print('1..%d' % result.count)
    sys.exit(0 if result.wasSuccessful() else 1)


def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t
