# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: guest -> host TCP bulk through NAT (issue 4, "Speed"), at MTU
1500 and 65520 (and 9000, the largest the adapter may carry until the
65520 work lands), beside the same transfer by a real Linux stack through
Debian's slirp4netns: iperf3 -c 10.0.2.2 from a private network namespace
(unshare --net) to an iperf3 -s on the host's 127.0.0.1 (slirp4netns maps
10.0.2.2 to the host loopback). The baseline needs root and is skipped,
saying why, otherwise. Figures and ratios, no assertions. Loopback and a
private namespace only."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

MB = os.environ.get('WIREBOX_BENCH_MB', '512')
SECONDS = os.environ.get('WIREBOX_BENCH_SECONDS', '5')
MTUS = [1500, 9000, 65520]


def wirebox(tool):
    out = subprocess.run([tool, MB] + [str(m) for m in MTUS],
                         capture_output=True, text=True, timeout=600)
    sys.stdout.write(out.stdout)
    sys.stderr.write(out.stderr)
    figures = {}
    for line in out.stdout.splitlines():
        m = re.match(r'MTU\s+(\d+): ([\d.]+) Gbit/s', line)
        if m and 'not available' not in line:
            figures[int(m.group(1))] = float(m.group(2))
    return figures


def baseline_skip_reason():
    if os.geteuid() != 0:
        return 'not root (slirp4netns needs a private network namespace)'
    for tool in ('slirp4netns', 'iperf3', 'unshare', 'ip'):
        if shutil.which(tool) is None:
            return '%s is not installed' % tool
    return None


def slirp4netns(mtu, port):
    """Gbit/s of iperf3 from a private namespace through slirp4netns."""
    server = subprocess.Popen(['iperf3', '-s', '-1', '-B', '127.0.0.1', '-p', str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The namespace waits until slirp4netns has made tap0 (ready fd).
    space = subprocess.Popen(['unshare', '--net', '--', 'sh', '-c',
                              'read x; iperf3 -J -c 10.0.2.2 -p %d -t %s' % (port, SECONDS)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    rfd, wfd = os.pipe()
    try:
        time.sleep(0.2)
        slirp = subprocess.Popen(['slirp4netns', '--configure', '--mtu=%d' % mtu,
                                  '--ready-fd=%d' % wfd, str(space.pid), 'tap0'],
                                 pass_fds=(wfd,), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        os.close(wfd)
        wfd = -1
        os.read(rfd, 1)
        space.stdin.write('go\n')
        space.stdin.flush()
        out, _ = space.communicate(timeout=int(SECONDS) + 60)
        slirp.send_signal(signal.SIGTERM)
        slirp.wait(timeout=10)
        result = json.loads(out)
        return result['end']['sum_received']['bits_per_second'] / 1e9
    finally:
        if wfd >= 0:
            os.close(wfd)
        os.close(rfd)
        for p in (space, server):
            if p.poll() is None:
                p.kill()
            p.wait()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    print('Guest -> host TCP bulk through NAT, %s MB each (virtio adapter):' % MB)
    ours = wirebox(sys.argv[1])
    if 65520 not in ours:
        print('NOTE: MTU 65520 is not available yet; largest working MTU: %s'
              % (max(ours) if ours else 'none'))
    reason = baseline_skip_reason()
    if reason is not None:
        print('SKIP slirp4netns baseline: %s' % reason)
        return
    for mtu in (1500, 65520):
        try:
            base = slirp4netns(mtu, free_port())
        except Exception as e:  # noqa: BLE001 -- a figure, not a verdict
            print('slirp4netns MTU %5d: failed (%s)' % (mtu, e))
            continue
        print('slirp4netns + Linux TCP, MTU %5d: %.2f Gbit/s (iperf3 %s s)'
              % (mtu, base, SECONDS))
        if mtu in ours and base > 0:
            print('  ratio Wirebox/slirp4netns at %d: %.2f (aim: at least 1)'
                  % (mtu, ours[mtu] / base))
        elif mtu not in ours:
            largest = max(ours) if ours else None
            if largest and base > 0:
                print('  ratio Wirebox at %d / slirp4netns at %d: %.2f (65520 not available yet)'
                      % (largest, mtu, ours[largest] / base))


if __name__ == '__main__':
    main()
