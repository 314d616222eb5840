"""Reading input (compressions, layout, dims), progress lines, work dir and data deletion."""

import gzip
import lzma
import os

from .support import RunnerTestCase, compress, record

KEYS_AND_DIMS = """
def map(key, dims, value, context):
    context.write(key, "|".join(dims))
"""


def dims_for(date):
    return ("saved_session", "Firefox", "nightly", "33.0a1", "20140625030201", date)


class CompressionTest(RunnerTestCase):
    def test_all_three_compressions_are_read(self):
        expected = set()
        for n, compression in enumerate(("lzma", "xz", "gz")):
            dims = dims_for(f"2014070{n + 1}")
            uuids = [f"{compression}-{i}" for i in range(40)]
            self.data.add(dims, [f"{u}\t{record()}" for u in uuids], compression=compression)
            expected.update(f"{u}\t{'|'.join(dims)}" for u in uuids)
        result = self.run_job(KEYS_AND_DIMS, None, "-m", "2")
        self.assertSucceeded(result)
        self.assertEqual(set(result.lines()), expected)
        self.assertEqual(len(result.lines()), len(expected))

    def test_concatenated_streams_and_members(self):
        first, second = b"a\t{}\nb\t{}\n", b"c\t{}\n"
        gz = gzip.compress(first) + gzip.compress(second)
        xz = lzma.compress(first, format=lzma.FORMAT_XZ) + lzma.compress(second, format=lzma.FORMAT_XZ)
        self.data.add(dims_for("20140701"), [], compression="gz", raw=gz)
        self.data.add(dims_for("20140702"), [], compression="xz", raw=xz)
        result = self.run_job(KEYS_AND_DIMS)
        self.assertSucceeded(result)
        self.assertEqual(sorted(line.split("\t")[0] for line in result.lines()), ["a", "a", "b", "b", "c", "c"])

    def test_last_line_without_newline_and_large_files(self):
        # Many blocks of input, and a final line with no newline after it.
        lines = [f"id{i}\t{record(padding='x' * 200)}" for i in range(3000)]
        data = ("\n".join(lines)).encode()
        self.data.add(dims_for("20140701"), [], compression="xz", raw=compress(data, "xz"))
        result = self.run_job(KEYS_AND_DIMS)
        self.assertSucceeded(result)
        self.assertEqual(len(result.lines()), 3000)
        self.assertIn("id2999\t", result.output)
        self.assertNotIn("Bad line", result.stderr)


class ProgressTest(RunnerTestCase):
    def test_progress_lines_are_complete_json_snapshots(self):
        sizes = 0
        for n in range(4):
            path = self.data.add(dims_for(f"2014070{n + 1}"), [f"u{n}-{i}\t{record()}" for i in range(50)] + ["bad"])
            sizes += os.path.getsize(path)
        result = self.run_job(KEYS_AND_DIMS, None, "-m", "2", "-r", "2")
        self.assertSucceeded(result)
        snapshots = result.progress()
        self.assertEqual(snapshots[0]["phase"], "map")
        self.assertIn("reduce", [s["phase"] for s in snapshots])
        final = snapshots[-1]
        self.assertEqual(final["phase"], "done")
        self.assertEqual((final["files_done"], final["files_total"]), (4, 4))
        self.assertEqual((final["bytes"], final["bytes_total"]), (sizes, sizes))
        self.assertEqual((final["records"], final["bad_lines"], final["bad_files"]), (204, 4, 0))
        self.assertEqual((final["reducers_done"], final["reducers_total"]), (2, 2))
        self.assertIsInstance(final["elapsed_s"], float)


class WorkDirTest(RunnerTestCase):
    def setUp(self):
        super().setUp()
        self.data.add(dims_for("20140701"), [f"u{i}\t{record()}" for i in range(5)])

    def test_given_work_dir_is_left_empty(self):
        work = os.path.join(self.tmp, "work")
        result = self.run_job(KEYS_AND_DIMS, None, "--work-dir", work)
        self.assertSucceeded(result)
        self.assertEqual(os.listdir(work), [])

    def test_default_work_dir_is_a_removed_temp_dir(self):
        tmpdir = os.path.join(self.tmp, "tmpdir")
        os.mkdir(tmpdir)
        result = self.run_job(KEYS_AND_DIMS, None, env={"TMPDIR": tmpdir})
        self.assertSucceeded(result)
        self.assertEqual(os.listdir(tmpdir), [])

    def test_work_dir_is_removed_after_a_failure_too(self):
        work = os.path.join(self.tmp, "work")
        result = self.run_job("def map(k, d, v, cx):\n    raise KeyError(k)\n", None, "--work-dir", work)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(os.listdir(work), [])

    def test_output_parent_directories_are_created(self):
        output = os.path.join(self.tmp, "a", "b", "out.txt")
        result = self.run_job(KEYS_AND_DIMS, None, output=output)
        self.assertSucceeded(result)
        self.assertEqual(len(result.lines()), 5)
        self.assertEqual(os.listdir(os.path.dirname(output)), ["out.txt"])  # no partial file left

    def test_delete_data_removes_processed_files(self):
        result = self.run_job(KEYS_AND_DIMS, None, "--delete-data")
        self.assertSucceeded(result)
        self.assertEqual(len(result.lines()), 5)
        self.assertFalse(any(os.path.exists(path) for path, _, _ in self.data.files))

    def test_verbose_and_profile(self):
        result = self.run_job(KEYS_AND_DIMS, None, "--verbose", "--profile")
        self.assertSucceeded(result)
        self.assertIn(f"input: {self.data.files[0][0]}", result.stderr)
        self.assertIn("mapper 0 finished after", result.stderr)
        self.assertIn("profile of map_files", result.stderr)
        self.assertIn("profile of reduce_partition", result.stderr)
