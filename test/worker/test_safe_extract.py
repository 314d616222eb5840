"""resources/worker/safe_extract.py: hostile archives refused, good ones unpacked, with and without
Python's own data filter."""
import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "resources", "worker"))
import safe_extract  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "worker", "safe_extract.py")


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
            else:
                # Any other type character, with the payload as its body.
                data = (payload or "").encode()
                info.type = kind.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def tar_bytes(members, **options):
    """An uncompressed archive of (name, payload) files, as bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", **options) as tar:
        for name, payload in members:
            data = payload if isinstance(payload, bytes) else payload.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


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
                with self.assertRaisesRegex(safe_extract.Refused, r"data\.bin takes the package to .* TiB, and the disk under .* has .* free; free up space or unpack it elsewhere"):
                    safe_extract.safe_extract(bomb, self.target, use_filter, limit=size)
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


class PackageRulesTest(unittest.TestCase):
    """The rules the app's extractor and inspect apply too (package-rules.ts): the same
    archives are refused, with the reason, and nothing is left in the target."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.target = os.path.join(self.root, "target")
        self.tarball = os.path.join(self.root, "p.tar.gz")

    def tearDown(self):
        self.tmp.cleanup()

    def write_gz(self, data):
        with open(self.tarball, "wb") as f:
            f.write(gzip.compress(data))

    def run_script(self, tarball, timeout=20):
        """safe_extract.py as run-job.sh runs it: (exit code, stderr)."""
        done = subprocess.run([sys.executable, SCRIPT, tarball, self.target], capture_output=True, text=True, timeout=timeout)
        return done.returncode, done.stderr

    def assert_refused_writing_nothing(self, pattern, tarball=None):
        for use_filter in (True, False):
            with self.subTest(data_filter=use_filter):
                with self.assertRaisesRegex(safe_extract.Refused, pattern):
                    safe_extract.safe_extract(tarball or self.tarball, self.target, use_filter)
                self.assertEqual(os.listdir(self.target), [])

    def test_a_path_given_twice_is_refused_not_overwritten(self):
        make_tar(self.tarball, [("run.sh", "file", "echo first\n"), ("./run.sh", "file", "echo second\n")])
        self.assert_refused_writing_nothing(r"\./run\.sh is in the archive twice \(the first is a file\)")

    def test_an_entry_under_a_file_is_refused(self):
        make_tar(self.tarball, [("lib", "file", "x"), ("lib/a.py", "file", "y")])
        self.assert_refused_writing_nothing(r"lib/a\.py lies under lib, which is a file in the package")

    def test_entries_of_other_types_are_named_and_refused(self):
        for flag, named in (("S", "a GNU sparse file \\(type S\\)"), ("V", "a GNU volume header \\(type V\\)"), ("Z", "an entry of unknown type 'Z'")):
            with self.subTest(type=flag):
                make_tar(self.tarball, [("run.sh", "file", "echo hi\n"), ("odd", flag, "")])
                self.assert_refused_writing_nothing("odd is %s, which is not unpacked" % named)

    def test_a_global_pax_header_that_renames_entries_is_refused(self):
        self.write_gz(tar_bytes([("a.txt", "x")], format=tarfile.PAX_FORMAT, pax_headers={"path": "../../GLOBAL.txt"}))
        self.assert_refused_writing_nothing(r"a global PAX header sets path=\.\./\.\./GLOBAL\.txt for every later entry")

    def test_a_global_pax_comment_as_git_archive_writes_is_fine(self):
        self.write_gz(tar_bytes([("run.sh", "echo hi\n")], format=tarfile.PAX_FORMAT, pax_headers={"comment": "0123abcd"}))
        self.assertEqual(safe_extract.safe_extract(self.tarball, self.target), 1)

    def test_a_name_that_is_not_utf8_is_refused(self):
        data = bytearray(tar_bytes([("run.sh", "x")]))
        data[0:6] = b"r\xffn.sh"
        data[148:156] = b"%06o\0 " % (sum(data[:148]) + 8 * 32 + sum(data[156:512]))
        self.write_gz(bytes(data))
        self.assert_refused_writing_nothing(r"not valid UTF-8")

    def test_more_than_the_limit_is_refused_before_anything_is_written(self):
        make_tar(self.tarball, [("run.sh", "file", "echo hi\n"), ("zeros.bin", "file", "\0" * 300_000)])
        for use_filter in (True, False):
            with self.subTest(data_filter=use_filter):
                with self.assertRaisesRegex(safe_extract.Refused, r"zeros\.bin takes the package past 195\.3 KiB unpacked"):
                    safe_extract.safe_extract(self.tarball, self.target, use_filter, limit=200_000)
                self.assertEqual(os.listdir(self.target), [])
        self.assertEqual(safe_extract.MAX_UNPACKED_BYTES, 4 * 1024 ** 3)

    def test_a_disk_that_fills_while_writing_leaves_nothing_behind(self):
        # The file-size limit (with SIGXFSZ ignored, as a full disk would) makes the second
        # file's write fail part way: what was written before is removed, the exit is 2.
        make_tar(self.tarball, [("a.txt", "file", "a" * 1000), ("big.bin", "file", "b" * 200_000)])
        limited = (
            "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000)); "
            "sys.path.insert(0, sys.argv[1]); import safe_extract as s; sys.exit(s.main(sys.argv[1:4], use_data_filter=sys.argv[4] == '1'))"
        )
        for use_filter in ("1", "0"):
            with self.subTest(data_filter=use_filter):
                done = subprocess.run(
                    [sys.executable, "-c", limited, os.path.dirname(SCRIPT), self.tarball, self.target, use_filter], capture_output=True, text=True, timeout=20
                )
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertRegex(done.stderr, r"Refused to unpack .*: the disk under .* filled up \(File too large\); nothing of it was kept")
                self.assertNotIn("Traceback", done.stderr)
                self.assertEqual(os.listdir(self.target), [])

    def test_a_truncated_archive_exits_2_with_the_reason(self):
        make_tar(self.tarball, [("run.sh", "file", "echo hi\n"), ("data.bin", "file", os.urandom(200_000).hex())])
        with open(self.tarball, "rb") as f:
            whole = f.read()
        with open(self.tarball, "wb") as f:
            f.write(whole[: len(whole) // 2])
        code, err = self.run_script(self.tarball)
        self.assertEqual(code, 2, err)
        self.assertIn("Refused to unpack %s: it is cut short" % self.tarball, err)
        self.assertNotIn("Traceback", err)
        self.assertEqual(os.listdir(self.target), [])

    def test_a_damaged_header_after_the_first_entry_is_not_the_end(self):
        data = bytearray(tar_bytes([("run.sh", "echo hi\n"), ("second.txt", "2"), ("third.txt", "3")]))
        data[1024 + 10] ^= 0xFF  # the second entry's name: its checksum no longer matches
        self.write_gz(bytes(data))
        code, err = self.run_script(self.tarball)
        self.assertEqual(code, 2, err)
        self.assertIn("the header at byte 1024 is damaged", err)
        self.assertEqual(os.listdir(self.target), [])

    def test_an_archive_cut_at_an_entry_boundary_is_refused(self):
        data = tar_bytes([("run.sh", "echo hi\n"), ("second.txt", "2")])
        self.write_gz(data[:1024])
        code, err = self.run_script(self.tarball)
        self.assertEqual(code, 2, err)
        self.assertIn("without tar's end-of-archive marker", err)

    def test_a_second_archive_joined_after_the_end_is_refused(self):
        self.write_gz(tar_bytes([("run.sh", "echo hi\n")]) + tar_bytes([("run.sh", "echo second\n")]))
        self.assert_refused_writing_nothing(r"there is data after its end-of-archive marker")

    def test_a_file_that_is_not_an_archive_is_named_as_such(self):
        with open(self.tarball, "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
        code, err = self.run_script(self.tarball)
        self.assertEqual((code, err), (2, "Refused to unpack %s: it is not a tar archive (.tar, .tar.gz or .tgz).\n" % self.tarball))

    def test_a_tarball_that_is_not_a_regular_file_is_refused_before_reading(self):
        fifo = os.path.join(self.root, "pipe.tar.gz")
        os.mkfifo(fifo)
        for path, kind in ((fifo, "a FIFO"), ("/dev/zero", "a device"), (self.root, "a folder")):
            with self.subTest(path=path):
                code, err = self.run_script(path, timeout=10)
                self.assertEqual(code, 2, err)
                self.assertIn("Refused to unpack %s: it is %s, not a tarball." % (path, kind), err)
        self.assertEqual(os.listdir(self.target), [])


if __name__ == "__main__":
    unittest.main()
