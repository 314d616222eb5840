"""resources/worker/safe_extract.py: hostile archives refused, good ones unpacked, with and without
Python's own data filter."""
import io
import os
import shutil
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "resources", "worker"))
import safe_extract  # noqa: E402


def make_tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                data = payload.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                tar.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = payload
                tar.addfile(info)
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
                tar.addfile(info)


class SafeExtractTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.outside = os.path.join(self.root, "outside")
        os.mkdir(self.outside)
        self.target = os.path.join(self.root, "target")
        self.tarball = os.path.join(self.root, "p.tar.gz")

    def tearDown(self):
        self.tmp.cleanup()

    def both_ways(self):
        return (True, False)

    def test_unpacks_a_good_package_both_ways(self):
        make_tar(self.tarball, [("./run.sh", "file", "echo hi\n"), ("lib", "dir", None), ("lib/a.py", "file", "X = 1\n")])
        for use_filter in self.both_ways():
            target = self.target + str(use_filter)
            self.assertEqual(safe_extract.safe_extract(self.tarball, target, use_filter), 2)
            with open(os.path.join(target, "lib", "a.py")) as f:
                self.assertEqual(f.read(), "X = 1\n")

    def test_refuses_hostile_archives_writing_nothing(self):
        cases = {
            "traversal": [("ok", "file", "x"), ("../outside/evil", "file", "x")],
            "absolute": [(os.path.join(self.outside, "abs"), "file", "x")],
            "symlink then through it": [("link", "symlink", self.outside), ("link/evil", "file", "x")],
            "hard link": [("hard", "hardlink", "/etc/passwd")],
            "fifo": [("pipe", "fifo", None)],
        }
        for name, members in cases.items():
            for use_filter in self.both_ways():
                with self.subTest(name=name, data_filter=use_filter):
                    make_tar(self.tarball, members)
                    with self.assertRaises(safe_extract.Refused):
                        safe_extract.safe_extract(self.tarball, self.target, use_filter)
                    self.assertEqual(os.listdir(self.outside), [])
                    self.assertEqual(os.listdir(self.target), [])

    def test_a_link_planted_beforehand_is_not_written_through(self):
        make_tar(self.tarball, [("lib/x.py", "file", "escaped")])
        os.mkdir(self.target)
        os.symlink(self.outside, os.path.join(self.target, "lib"))
        for use_filter in self.both_ways():
            with self.subTest(data_filter=use_filter):
                with self.assertRaises((safe_extract.Refused, tarfile.TarError)):
                    safe_extract.safe_extract(self.tarball, self.target, use_filter)
                self.assertEqual(os.listdir(self.outside), [])

    def test_refuses_an_archive_bigger_than_the_free_space_writing_nothing(self):
        # A sparse archive: its one file declares more bytes than the disk has free (1 TiB
        # here), so a few kilobytes on disk would unpack into a full disk.
        bomb = os.path.join(self.root, "bomb.tar")
        size = max(1024 ** 4, shutil.disk_usage(self.root).free + 1)
        info = tarfile.TarInfo("data.bin")
        info.size = size
        with open(bomb, "wb") as f:
            f.write(info.tobuf(format=tarfile.GNU_FORMAT))
            f.seek(512 + size + (-size % 512))
            f.write(b"\0" * 1024)
        for use_filter in self.both_ways():
            with self.subTest(data_filter=use_filter):
                with self.assertRaisesRegex(safe_extract.Refused, r"its files hold .* TiB, and the disk under .* free; free up space"):
                    safe_extract.safe_extract(bomb, self.target, use_filter)
                self.assertEqual(os.listdir(self.target), [])

    def test_main_exits_2_with_the_reason(self):
        make_tar(self.tarball, [("../evil", "file", "x")])
        err = io.StringIO()
        old, sys.stderr = sys.stderr, err
        try:
            code = safe_extract.main(["safe_extract.py", self.tarball, self.target])
        finally:
            sys.stderr = old
        self.assertEqual(code, 2)
        self.assertIn("../evil climbs out of the package", err.getvalue())


if __name__ == "__main__":
    unittest.main()
