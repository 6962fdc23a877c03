# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: guest-to-guest TCP bulk throughput (issue 3, "Speed and memory").

Prints the guests' figures at MTU 1500 and 9000 beside a memcpy of the same
bytes (bench-runtime throughput), and, when root, beside two Linux kernel
stacks in two network namespaces of their own, each with a TAP device
plugged into one Debian vde_switch (vde_plug2tap), measured with iperf3.
The kernel part is skipped, saying why, when not permitted. Nothing is
configured outside the namespaces it makes. Figures, not assertions.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BUILD = os.environ['WIREBOX_BUILD_DIR']
BENCH = os.path.join(BUILD, 'tests', 'bench-runtime')
MIB = int(os.environ.get('WIREBOX_BENCH_MIB', '1024'))
SECONDS = int(os.environ.get('WIREBOX_BENCH_SECONDS', '5'))
ADDRESSES = ('10.99.0.1', '10.99.0.2')
LINE = re.compile(r'MTU (\d+).*?([\d.]+) Gbit/s')


def guest_figures():
    out = subprocess.run([BENCH, 'throughput', str(MIB)], check=True,
                         capture_output=True, text=True).stdout
    sys.stdout.write(out)
    return {int(m[0]): float(m[1]) for m in LINE.findall(out)}


def why_no_kernel_baseline():
    if os.geteuid() != 0:
        return 'needs root (network namespaces and TAP devices)'
    for tool in ('unshare', 'nsenter', 'ip', 'vde_switch', 'vde_plug2tap',
                 'iperf3'):
        if shutil.which(tool) is None:
            return 'needs %s' % tool
    r = subprocess.run(['unshare', '--net', 'true'], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return 'unshare --net failed: ' + r.stderr.strip()
    return None


class Namespace:
    """A network namespace held by a sleeping process."""

    def __init__(self):
        self.holder = subprocess.Popen(['unshare', '--net', '--', 'sleep',
                                        '3600'])
        path = '/proc/%d/ns/net' % self.holder.pid
        deadline = time.monotonic() + 5
        while os.readlink(path) == os.readlink('/proc/self/ns/net'):
            if time.monotonic() > deadline:
                raise RuntimeError('unshare made no namespace')
            time.sleep(0.01)
        self.path = path

    def argv(self, *argv):
        # Never the machine's own namespace.
        assert os.readlink(self.path) != os.readlink('/proc/self/ns/net')
        return ['nsenter', '--net=' + self.path, '--', *argv]

    def run(self, *argv):
        return subprocess.run(self.argv(*argv), check=True,
                              capture_output=True, text=True)

    def popen(self, *argv, **kwargs):
        return subprocess.Popen(self.argv(*argv), **kwargs)

    def close(self):
        self.holder.kill()
        self.holder.wait()


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def kernel_figures(mtus):
    """Gbit/s between two kernel stacks through vde_switch, per MTU."""
    procs, spaces = [], []
    figures = {}
    with tempfile.TemporaryDirectory(prefix='wirebox-bench-vde-') as folder:
        switch = os.path.join(folder, 'switch')
        try:
            # Its console reads stdin: a pipe nobody writes keeps it up.
            procs.append(subprocess.Popen(['vde_switch', '-s', switch],
                                          stdin=subprocess.PIPE,
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
            deadline = time.monotonic() + 5
            while not os.path.exists(os.path.join(switch, 'ctl')):
                if time.monotonic() > deadline:
                    raise RuntimeError('vde_switch did not start')
                time.sleep(0.02)
            for address in ADDRESSES:
                ns = Namespace()
                spaces.append(ns)
                procs.append(ns.popen('vde_plug2tap', '-s', switch, 'tap0',
                                      stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
                deadline = time.monotonic() + 5
                while subprocess.run(ns.argv('ip', 'link', 'show', 'tap0'),
                                     capture_output=True).returncode != 0:
                    if time.monotonic() > deadline:
                        raise RuntimeError('vde_plug2tap made no TAP device')
                    time.sleep(0.02)
                ns.run('ip', 'link', 'set', 'lo', 'up')
                ns.run('ip', 'addr', 'add', address + '/24', 'dev', 'tap0')
                ns.run('ip', 'link', 'set', 'tap0', 'up')
            for mtu in mtus:
                for ns in spaces:
                    ns.run('ip', 'link', 'set', 'tap0', 'mtu', str(mtu))
                server = spaces[1].popen('iperf3', '-s', '-1', '-B',
                                         ADDRESSES[1],
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
                procs.append(server)
                time.sleep(0.3)
                r = subprocess.run(spaces[0].argv('iperf3', '-c', ADDRESSES[1],
                                                  '-t', str(SECONDS), '-J'),
                                   capture_output=True, text=True)
                stop(server)
                try:
                    result = json.loads(r.stdout)
                    figures[mtu] = (result['end']['sum_received']
                                    ['bits_per_second'] / 1e9)
                except (ValueError, KeyError) as e:
                    print('kernel stacks at MTU %d: no figure (%s: %s)'
                          % (mtu, e, (r.stdout + r.stderr)[-300:]))
        finally:
            for proc in reversed(procs):
                stop(proc)
            for ns in spaces:
                ns.close()
    return figures


def main():
    guests = guest_figures()
    reason = why_no_kernel_baseline()
    if reason is not None:
        print('kernel stacks over TAP through vde_switch: skipped (%s)'
              % reason)
        return
    kernel = kernel_figures(sorted(guests))
    for mtu in sorted(guests):
        if mtu not in kernel:
            continue
        if kernel[mtu] == 0:
            # vde_switch's packets stop short of jumbo frames.
            print('kernel stacks, TAP + vde_switch, MTU %4d: nothing '
                  'arrived (the switch does not carry such frames)' % mtu)
            continue
        print('kernel stacks, TAP + vde_switch, MTU %4d (iperf3 %d s): '
              '%6.2f Gbit/s  (guests: %.1fx the kernel stacks)'
              % (mtu, SECONDS, kernel[mtu], guests[mtu] / kernel[mtu]))


if __name__ == '__main__':
    main()
