# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: HTTP requests per second through a NAT port forward (issue 4,
"Speed"): Debian's wrk against a VM's page on a forwarded 127.0.0.1 port,
beside the same wrk against a native loopback HTTP server (asyncio, in a
process of its own) in the same run. Figures and their ratio, no
assertions; skipped, saying why, without wrk. Loopback only."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import wbtest  # noqa: E402

SECONDS = os.environ.get('WIREBOX_BENCH_SECONDS', '5')
NATIVE = r'''
import asyncio, sys
BODY = sys.argv[2].encode()
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(BODY)
async def serve(reader, writer):
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            writer.write(HEAD + BODY)
            await writer.drain()
    except Exception:
        writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
'''


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wrk(port):
    out = subprocess.run(['wrk', '-t', '2', '-c', '32', '-d', SECONDS + 's',
                          'http://127.0.0.1:%d/' % port],
                         capture_output=True, text=True, timeout=120).stdout
    for line in out.splitlines():
        if line.startswith('Requests/sec:'):
            return float(line.split()[1])
    sys.stdout.write(out)
    return 0.0


def main():
    if shutil.which('wrk') is None:
        print('SKIP: wrk is not installed (build-aux/dev installs it)')
        return
    home = wbtest.Home()
    native = None
    try:
        port = free_port()
        home.ok('createvm', '--name', 'Web', '--register')
        home.ok('modifyvm', 'Web', '--nic1', 'nat', '--natpf1',
                'web,tcp,127.0.0.1,%d,,80' % port)
        home.ok('startvm', 'Web', '--type', 'headless')
        home.ok('guestproperty', 'wait', 'Web',
                '/VirtualBox/GuestInfo/Net/0/V4/IP', '--timeout', '10000')
        page = subprocess.run(['curl', '-s', 'http://127.0.0.1:%d/' % port],
                              capture_output=True, text=True).stdout
        native_port = free_port()
        native = subprocess.Popen([sys.executable, '-c', NATIVE,
                                   str(native_port), page],
                                  stdout=subprocess.PIPE, text=True)
        native.stdout.readline()

        forwarded = wrk(port)
        baseline = wrk(native_port)
        print('HTTP through the NAT port forward: %.0f requests/s' % forwarded)
        print('HTTP, native loopback server (asyncio): %.0f requests/s' % baseline)
        if baseline > 0:
            print('ratio: %.2f (aim: at least 0.33)' % (forwarded / baseline))
    finally:
        if native is not None:
            native.kill()
            native.wait()
        home.close()


if __name__ == '__main__':
    main()
