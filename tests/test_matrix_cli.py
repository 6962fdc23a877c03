# SPDX-License-Identifier: GPL-3.0-or-later
"""wirebox-manage matrix (issue 6 §4): the connectivity matrix of the
running lab and the modes measured against VirtualBox's table
(VIRTUALBOX.md §6), as text and as JSON.

Network safety: the lab's probes stay inside the engine (the Net/LAN and
Outside stand-ins are engine endpoints at 198.51.100.0/24); the only real
sockets are the NAT VM's forward on 127.0.0.1 (a port the kernel picked)
and, with --outside, a listener of this test on 127.0.0.1."""

import json
import os
import signal
import socket
import unicodedata
import unittest

import wbtest
from test_cli import CliTestCase, ERROR_PREFIX
from test_nat import free_port
from wbtest import Home, engine_pids, kill_engines, signal_engines, wait_for

IP_PROPERTY = '/VirtualBox/GuestInfo/Net/0/V4/IP'
MODES = ['hostonly', 'intnet', 'bridged', 'nat', 'natnetwork']
COLUMNS = ['vm-to-host', 'host-to-vm', 'vm-to-vm', 'vm-to-lan', 'lan-to-vm']
# VIRTUALBOX.md §6, in RunModesMatrix's words.
VIRTUALBOX = {
    'hostonly': ['+', '+', '+', '-', '-'],
    'intnet': ['-', '-', '+', '-', '-'],
    'bridged': ['+', '+', '+', '+', '+'],
    'nat': ['+', 'port-forward', '-', '+', 'port-forward'],
    'natnetwork': ['+', 'port-forward', '+', '+', 'port-forward'],
}
FAULT = 'forwards-not-installed'
# The measurement builds five labs and probes them; allow for it.
MODES_TIMEOUT = 240

# A VM name that is two columns per character on a terminal.
WIDE = '서버'


def display_width(text):
    width = 0
    for c in text:
        if unicodedata.combining(c):
            continue
        width += 2 if unicodedata.east_asian_width(c) in ('W', 'F') else 1
    return width


def column_of(line, index):
    """The display column at which @line's character @index starts."""
    return display_width(line[:index])


def grid_cells(line, starts):
    """The cells of a grid line, cut at the header's display columns."""
    cells = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else None
        text, column = '', 0
        for c in line:
            if column >= start and (end is None or column < end):
                text += c
            column += display_width(c)
        cells.append(text.strip())
    return cells


class MatrixCase(CliTestCase):
    def json_of(self, *args, timeout=120):
        r = self.home.manage('matrix', '--format', 'json', *args,
                             timeout=timeout)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, '', 'JSON mode writes only JSON')
        return json.loads(r.stdout)

    def check_modes_shape(self, result):
        self.assertEqual(set(result), {'modes', 'findings', 'fault'})
        self.assertEqual([m['mode'] for m in result['modes']], MODES)
        for mode in result['modes']:
            for column in COLUMNS:
                self.assertIn(mode[column],
                              ('+', '-', 'port-forward', 'not probed'))
            self.assertEqual(set(mode['expected']), set(COLUMNS))
            self.assertEqual([mode['expected'][c] for c in COLUMNS],
                             VIRTUALBOX[mode['mode']], mode['mode'])
            self.assertIsInstance(mode['evidence'], dict)
        self.assertIsInstance(result['findings'], list)


class Syntax(MatrixCase):
    def test_errors(self):
        self.refused('matrix', '--format', 'xml', code=2,
                     mentions=('--format', 'xml'))
        self.refused('matrix', '--format', code=2, mentions=('--format',))
        self.refused('matrix', '--outside', '300.1.1.1', code=2,
                     mentions=('--outside', '300.1.1.1'))
        self.refused('matrix', '--outside', 'example.org', code=2,
                     mentions=('--outside',))
        self.refused('matrix', '--outside', '::1', code=2,
                     mentions=('--outside',))
        self.refused('matrix', '--outside', '192.0.2.1:0', code=2,
                     mentions=('--outside', 'port'))
        self.refused('matrix', '--outside', '192.0.2.1:http', code=2,
                     mentions=('--outside', 'port'))
        self.refused('matrix', '--outside=192.0.2.1:70000', code=2,
                     mentions=('--outside', 'port'))
        self.refused('matrix', '--modes', '--outside', '192.0.2.1', code=2,
                     mentions=('--outside', '--modes'))
        self.refused('matrix', 'VM1', code=2, mentions=('VM1',))
        self.refused('matrix', '--frobnicate', code=2,
                     mentions=('--frobnicate',))

    def test_help(self):
        for args in (('matrix', '--help'), ('help', 'matrix')):
            out = self.ok(*args)
            self.assertIn('wirebox-manage matrix [--modes]', out)
            self.assertIn('--format text|json', out)
            self.assertIn('--outside <ipv4>[:<port>]', out)
        self.assertIn('wirebox-manage matrix', self.ok('help'))


class Unreachable(unittest.TestCase):
    def test_engine_error_is_one_line(self):
        """No engine can serve a home that is a file: exit 1, one line,
        nothing on stdout, even in JSON mode."""
        home = Home(start=False)
        try:
            path = os.path.join(home.path, 'not-a-folder')
            open(path, 'w').close()
            home.env['WIREBOX_HOME'] = path
            r = home.manage('matrix', '--format', 'json')
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(r.stdout, '')
            self.assertTrue(r.stderr.startswith(ERROR_PREFIX), r.stderr)
            self.assertEqual(r.stderr.count('\n'), 1, r.stderr)
        finally:
            home.close()


class EmptyLab(MatrixCase):
    def test_json(self):
        matrix = self.json_of()
        for key in ('generation', 'complete', 'outside', 'endpoints',
                    'cells'):
            self.assertIn(key, matrix)
        self.assertTrue(matrix['complete'])
        self.assertEqual(matrix['outside'], '')
        self.assertEqual([e['kind'] for e in matrix['endpoints']],
                         ['host', 'lan', 'outside'])
        self.assertEqual([e['id'] for e in matrix['endpoints']],
                         ['host', 'lan', 'outside'])
        # Cells join VMs to each other and to the other endpoints: none
        # without a VM.
        self.assertEqual(matrix['cells'], [])
        for cell in matrix['cells']:
            for key in ('from', 'to', 'result', 'reason', 'path', 'rules',
                        'target', 'detail'):
                self.assertIn(key, cell)
            self.assertIn(cell['from'], ('host', 'lan'))
            self.assertNotEqual(cell['from'], cell['to'])

    def test_text(self):
        out = self.ok('matrix')
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith('From \\ To'), out)
        for name in ('Host', 'Net/LAN', 'Outside'):
            self.assertIn(name, lines[0])
        self.assertIn('+ reachable', out)
        for line in lines:
            self.assertEqual(line, line.rstrip(), 'no trailing blanks')


class Lab(MatrixCase):
    """Two VMs on an internal network with static addresses, one of them
    named in Hangul, and a NAT VM with a forward from 127.0.0.1."""

    def setUp(self):
        super().setUp()
        for name, address in (('VM1', '192.168.23.2/24'),
                              (WIDE, '192.168.23.3/24')):
            self.createvm(name)
            self.ok('modifyvm', name, '--nic1', 'intnet', '--intnet1',
                    'intnet')
            self.ok('guestconfig', name, '--guest-ip1', address)
        self.port = free_port()
        self.createvm('Nat')
        self.ok('modifyvm', 'Nat', '--nic1', 'nat', '--natpf1',
                'ssh,tcp,127.0.0.1,%d,,22' % self.port)
        for name in ('VM1', WIDE, 'Nat'):
            self.ok('startvm', name, '--type', 'headless')
        self.ok('guestproperty', 'wait', 'Nat', IP_PROPERTY,
                '--timeout', '10000')

    def cells_by_name(self, matrix):
        names = {e['id']: e['name'] for e in matrix['endpoints']}
        return {(names[c['from']], names[c['to']]): c
                for c in matrix['cells']}

    def test_json(self):
        matrix = self.json_of()
        self.assertTrue(matrix['complete'])
        self.assertEqual([e['name'] for e in matrix['endpoints']
                          if e['kind'] == 'vm'], ['VM1', WIDE, 'Nat'])
        self.assertEqual([e['kind'] for e in matrix['endpoints']
                          if e['kind'] != 'vm'], ['host', 'lan', 'outside'])
        cells = self.cells_by_name(matrix)
        # Each VM to the other two, to Host, Net/LAN and Outside, and from
        # Host and Net/LAN.
        self.assertEqual(len(matrix['cells']), 3 * 2 + 3 * 3 + 3 * 2)
        self.assertEqual(len(cells), len(matrix['cells']), 'one cell a pair')

        self.assertEqual(cells[('VM1', WIDE)]['result'], '+',
                         cells[('VM1', WIDE)])
        self.assertEqual(cells[(WIDE, 'VM1')]['result'], '+')

        forward = cells[('Host', 'Nat')]
        self.assertEqual(forward['result'], 'port-forward', forward)
        self.assertTrue(any("'ssh'" in rule and str(self.port) in rule
                            for rule in forward['rules']), forward)

        for pair in (('Nat', 'VM1'), ('Nat', WIDE), ('VM1', 'Nat'),
                     (WIDE, 'Nat')):
            self.assertEqual(cells[pair]['result'], '-', cells[pair])
            self.assertNotEqual(cells[pair]['reason'], '', cells[pair])

        # An internal network without a gateway has no way to the host;
        # a NAT VM reaches the Net/LAN stand-in through libslirp's side.
        self.assertEqual(cells[('VM1', 'Host')]['result'], '-',
                         cells[('VM1', 'Host')])
        self.assertEqual(cells[('VM1', 'Host')]['reason'], 'no route')
        self.assertEqual(cells[('Nat', 'Net/LAN')]['result'], '+',
                         cells[('Nat', 'Net/LAN')])

        # The Outside is unset: not probed.
        to_outside = [cell for (source, destination), cell in cells.items()
                      if destination == 'Outside']
        self.assertEqual(len(to_outside), 3)
        for cell in to_outside:
            self.assertEqual(cell['result'], 'not probed', cell)

    def test_text(self):
        out = self.ok('matrix')
        lines = out.splitlines()
        header = lines[0]
        self.assertTrue(header.startswith('From \\ To'), out)
        names = ['VM1', WIDE, 'Nat', 'Host', 'Net/LAN', 'Outside']
        starts = [0] + [column_of(header, header.index(n)) for n in names]
        rows = {}
        for line in lines[1:]:
            if not line:
                break
            cells = grid_cells(line, starts)
            rows[cells[0]] = dict(zip(names, cells[1:]))
        self.assertEqual(set(rows), {'VM1', WIDE, 'Nat', 'Host', 'Net/LAN'},
                         out)
        self.assertEqual(rows['VM1'][WIDE], '+', out)
        self.assertEqual(rows[WIDE]['VM1'], '+', out)
        self.assertEqual(rows['VM1']['VM1'], '', out)
        self.assertEqual(rows['Host']['Nat'], 'Port forward', out)
        self.assertEqual(rows['Nat']['VM1'], '-', out)
        self.assertEqual(rows['VM1']['Nat'], '-', out)
        self.assertEqual(rows['Nat']['Outside'], 'not probed', out)
        for line in lines:
            self.assertEqual(line, line.rstrip(), 'no trailing blanks')
        self.assertIn('+ reachable', out)

        # Under the grid, a line per "-" and "Port forward" cell.
        reasons = [line for line in lines if ' -> ' in line]
        host_nat = [r for r in reasons if r.startswith('Host -> Nat')]
        self.assertEqual(len(host_nat), 1, out)
        self.assertIn("'ssh'", host_nat[0])
        self.assertIn(str(self.port), host_nat[0])
        self.assertEqual(len([r for r in reasons
                              if r.startswith('Nat -> %s' % WIDE)]), 1, out)
        self.assertEqual(len([r for r in reasons
                              if r.startswith('VM1 -> %s' % WIDE)]), 0, out)

    def test_outside(self):
        """A real Outside target, here a listener of this test on the
        host's loopback: the cells towards it are probed."""
        with socket.socket() as listener:
            listener.bind(('127.0.0.1', 0))
            listener.listen(16)
            target = '127.0.0.1:%d' % listener.getsockname()[1]
            matrix = self.json_of('--outside', target)
        self.assertEqual(matrix['outside'], target)
        outside = [c for c in matrix['cells'] if c['to'] == 'outside']
        self.assertEqual(len(outside), 3, outside)
        for cell in outside:
            self.assertNotEqual(cell['result'], 'not probed', cell)
        # The one target a probe may leave the engine for: the NAT VM
        # reaches it through libslirp, which connects for real (here to
        # this test's loopback listener).
        nat = [c for c in outside if c['from-name'] == 'Nat']
        self.assertEqual(len(nat), 1)
        self.assertEqual(nat[0]['result'], '+', nat[0])
        self.assertIn('on through libslirp', nat[0]['path'])
        # The internal network has no gateway: no way out, nothing sent.
        for cell in outside:
            if cell['from-name'] != 'Nat':
                self.assertEqual(cell['result'], '-', cell)
                self.assertEqual(cell['reason'], 'no route', cell)


class Modes(MatrixCase):
    def test_modes_match_virtualbox(self):
        result = self.json_of('--modes', timeout=MODES_TIMEOUT)
        self.check_modes_shape(result)
        for mode in result['modes']:
            measured = [mode[c] for c in COLUMNS]
            self.assertEqual(measured, VIRTUALBOX[mode['mode']],
                             '%s: %s' % (mode['mode'], mode['evidence']))
        self.assertEqual(result['findings'], [])
        self.assertEqual(result['fault'], '')


class ModesFault(MatrixCase):
    """The engine started by wirebox-manage itself, with the test-only fault
    in its environment: the forwards are not installed, so the host and
    the LAN cannot reach the NAT modes' VMs, and the measurement says so."""

    start_engine = False

    def setUp(self):
        self.home = Home(start=False,
                         extra_env={'WIREBOX_TEST_FAULT': FAULT})

    def tearDown(self):
        signal_engines(self.home, signal.SIGTERM)
        if not wait_for(lambda: not engine_pids(self.home), timeout=10):
            kill_engines(self.home)
        super().tearDown()

    def test_forwards_not_installed(self):
        result = self.json_of('--modes', timeout=MODES_TIMEOUT)
        self.assertTrue(engine_pids(self.home), 'the CLI started an engine')
        self.check_modes_shape(result)
        self.assertEqual(result['fault'], FAULT)
        broken = {('nat', 'host-to-vm'), ('nat', 'lan-to-vm'),
                  ('natnetwork', 'host-to-vm'), ('natnetwork', 'lan-to-vm')}
        for mode in result['modes']:
            for i, column in enumerate(COLUMNS):
                expected = VIRTUALBOX[mode['mode']][i]
                if (mode['mode'], column) in broken:
                    expected = '-'
                self.assertEqual(mode[column], expected,
                                 '%s %s' % (mode['mode'], column))
        self.assertEqual(len(result['findings']), 4, result['findings'])

        out = self.ok('matrix', '--modes')
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ['Mode', 'VM->Host', 'VM<-Host',
                                            'VM1<->VM2', 'VM->Net/LAN',
                                            'VM<-Net/LAN'])
        nat = [line for line in lines if line.startswith('NAT  ')]
        self.assertEqual(nat[0].split(), ['NAT', '+', '-', '-', '+', '-'])
        self.assertIn("VirtualBox's table:", lines)
        self.assertNotIn("Matches VirtualBox's table.", lines)
        self.assertEqual(nat[1].split(), ['NAT', '+', 'Port', 'forward', '-',
                                          '+', 'Port', 'forward'])
        for finding in result['findings']:
            self.assertIn(finding, lines)
        self.assertIn('Test fault in force: %s' % FAULT, lines)


if __name__ == '__main__':
    wbtest.main()
