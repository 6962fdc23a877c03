# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: the control plane on a store of 10,000 VMs with 8 adapters.

Prints, each beside the process floor (`wirebox-manage --version`) measured
in the same run: engine start-up to serving, one `modifyvm` round trip and
one `showvminfo --machinereadable`. Figures, not assertions.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.environ['WIREBOX_BUILD_DIR']
WIREBOX = os.path.join(BUILD, 'app', 'wirebox')
MANAGE = os.path.join(BUILD, 'app', 'wirebox-manage')
POPULATE = os.path.join(BUILD, 'tests', 'bench-populate')
N_VMS = int(os.environ.get('WIREBOX_BENCH_VMS', '10000'))
ROUNDS = 30


def timed(argv, env):
    start = time.perf_counter()
    r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit('%s failed: %s' % (' '.join(argv), r.stderr.decode()))
    return elapsed


def median_ms(argv, env, rounds=ROUNDS):
    return statistics.median(timed(argv, env) for _ in range(rounds)) * 1000


def start_engine(env):
    """Milliseconds from exec to the engine's "serving" line."""
    start = time.perf_counter()
    proc = subprocess.Popen([WIREBOX, '--headless'], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    if 'serving' not in line:
        sys.exit('engine did not start: ' + proc.stderr.read())
    return proc, elapsed


def stop_engine(proc):
    proc.terminate()
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()


def main():
    with tempfile.TemporaryDirectory(prefix='wirebox-bench-') as home:
        env = dict(os.environ, WIREBOX_HOME=home)
        db = os.path.join(home, 'wirebox.db')
        t0 = time.perf_counter()
        subprocess.run([POPULATE, db, str(N_VMS)], check=True)
        print('store: %d VMs x 8 adapters, filled in %.1f s, %.1f MiB'
              % (N_VMS, time.perf_counter() - t0, os.path.getsize(db) / 2**20))

        floor = median_ms([MANAGE, '--version'], env)

        starts = []
        for _ in range(5):
            proc, ms = start_engine(env)
            starts.append(ms)
            stop_engine(proc)
        startup = statistics.median(starts)

        proc, _ = start_engine(env)
        try:
            middle = 'vm%05d' % (N_VMS // 2)
            flips = iter(['off', 'on'] * ROUNDS)
            modify = statistics.median(
                timed([MANAGE, 'modifyvm', middle, '--cableconnected3', next(flips)], env)
                for _ in range(ROUNDS)) * 1000
            show = median_ms([MANAGE, 'showvminfo', middle, '--machinereadable'], env)
            listing = median_ms([MANAGE, 'list', 'vms'], env, rounds=5)
        finally:
            stop_engine(proc)

    print('process floor (wirebox-manage --version): %7.2f ms' % floor)
    print('engine start-up to serving:               %7.2f ms  (%.1fx floor; aim < 300 ms)'
          % (startup, startup / floor))
    print('modifyvm round trip:                      %7.2f ms  (floor + %.2f ms; aim within 5 ms)'
          % (modify, modify - floor))
    print('showvminfo --machinereadable:             %7.2f ms  (floor + %.2f ms)'
          % (show, show - floor))
    print('list vms (%d lines):                   %7.2f ms  (floor + %.2f ms)'
          % (N_VMS, listing, listing - floor))


if __name__ == '__main__':
    main()
