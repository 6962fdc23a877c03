# SPDX-License-Identifier: GPL-3.0-or-later
"""The data files are valid for the tools that read them (STYLE.md 11)."""

import os
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

import wbtest

SRC = os.environ.get('WIREBOX_SOURCE_DIR',
                     os.path.join(os.path.dirname(__file__), '..'))
BUILD = wbtest.BUILD
APP_ID = 'io.github.wirebox.Wirebox'


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise unittest.SkipTest('%s is not installed' % name)
    return path


class DataFiles(unittest.TestCase):
    def run_ok(self, *argv):
        r = subprocess.run(argv, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def test_desktop_file(self):
        self.run_ok(tool('desktop-file-validate'),
                    os.path.join(BUILD, 'data', APP_ID + '.desktop'))

    def test_metainfo(self):
        self.run_ok(tool('appstreamcli'), 'validate', '--no-net', '--pedantic',
                    os.path.join(BUILD, 'data', APP_ID + '.metainfo.xml'))

    def test_gschema(self):
        with tempfile.TemporaryDirectory() as out:
            self.run_ok(tool('glib-compile-schemas'), '--strict',
                        '--targetdir=' + out, os.path.join(SRC, 'data'))

    def test_dbus_interface_documented(self):
        tree = ET.parse(os.path.join(SRC, 'data', 'io.github.wirebox.Engine.xml'))
        names = [i.get('name') for i in tree.getroot().iter('interface')]
        self.assertIn('io.github.wirebox.Engine', names)
        for iface in names:
            self.assertTrue(iface.startswith('io.github.wirebox.'), iface)

    def test_translations_compile(self):
        msgfmt = tool('msgfmt')
        po_dir = os.path.join(SRC, 'po')
        with open(os.path.join(po_dir, 'LINGUAS')) as f:
            languages = f.read().split()
        self.assertIn('ko', languages)
        for lang in languages:
            self.run_ok(msgfmt, '--check', '-o', os.devnull,
                        os.path.join(po_dir, lang + '.po'))

    def test_korean_is_complete(self):
        xgettext = tool('xgettext')
        msgmerge = tool('msgmerge')
        po_dir = os.path.join(SRC, 'po')
        with tempfile.TemporaryDirectory() as out:
            pot = os.path.join(out, 'wirebox.pot')
            self.run_ok(xgettext, '--from-code=UTF-8', '-f',
                        os.path.join(po_dir, 'POTFILES.in'), '-D', SRC,
                        '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2',
                        '-o', pot)
            merged = os.path.join(out, 'ko.po')
            self.run_ok(msgmerge, '--quiet', '--no-fuzzy-matching', '-o', merged,
                        os.path.join(po_dir, 'ko.po'), pot)
            r = self.run_ok(tool('msgfmt'), '--statistics', '-o', os.devnull, merged)
        self.assertNotIn('untranslated', r.stderr, r.stderr)
        self.assertNotIn('fuzzy', r.stderr, r.stderr)


if __name__ == '__main__':
    wbtest.main()
