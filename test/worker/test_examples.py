"""The sample-data generator and the example jobs, each run through its run.sh."""

import collections
import csv
import gzip
import json
import lzma
import os
import re
import subprocess
import sys
import tempfile
import unittest

from .support import EXAMPLES_DIR, WORKER_DIR

GENERATOR = os.path.join(EXAMPLES_DIR, "generate_sample_data.py")
EXAMPLES = ("os-distribution", "submissions-per-day", "slowsql", "histogram-aggregation")
FILE_NAME = re.compile(r"^\d{14}\.\d{8}\.v2\.log\.[0-9a-f]{32}\.(lzma|xz|gz)$")


def generate(out, *args):
    done = subprocess.run(
        [sys.executable, GENERATOR, "--out", out, *args], stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(done.stdout)


def read_data(root):
    """Every (relative dims, line) of a data set, decompressed here, independently of the runner."""
    for folder, _dirs, names in os.walk(root):
        for name in sorted(names):
            with open(os.path.join(folder, name), "rb") as f:
                raw = f.read()
            text = (gzip.decompress(raw) if name.endswith(".gz") else lzma.decompress(raw)).decode()
            dims = os.path.relpath(folder, root).split(os.sep) + name.split(".")[:2]
            for line in text.split("\n")[:-1]:
                yield dims, line


def parsed_records(root):
    for dims, line in read_data(root):
        key, tab, value = line.partition("\t")
        if not tab:
            continue
        try:
            yield dims, json.loads(value)
        except ValueError:
            continue


class GeneratorTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="generator-test-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def snapshot(self, root):
        files = {}
        for folder, _dirs, names in os.walk(root):
            for name in names:
                with open(os.path.join(folder, name), "rb") as f:
                    files[os.path.relpath(os.path.join(folder, name), root)] = f.read()
        return files

    def test_same_seed_same_bytes(self):
        a, b, c = (os.path.join(self.tmp, n) for n in "abc")
        generate(a, "--records", "150", "--seed", "3")
        generate(b, "--records", "150", "--seed", "3")
        generate(c, "--records", "150", "--seed", "4")
        self.assertEqual(self.snapshot(a), self.snapshot(b))
        self.assertNotEqual(self.snapshot(a), self.snapshot(c))

    def test_layout_records_and_bad_lines(self):
        out = os.path.join(self.tmp, "data")
        summary = generate(out, "--records", "300", "--seed", "9", "--bad-lines", "4")
        lines = list(read_data(out))
        self.assertEqual(len(lines), 300)
        self.assertEqual(summary["records"], 300)
        compressions = set()
        for dims, _line in lines:
            self.assertEqual(len(dims), 6)
            self.assertRegex(dims[0], r"^(saved_session|idle_daily)$")
            self.assertIn(dims[1], ("Firefox", "Fennec", "Thunderbird"))
            self.assertIn(dims[2], ("release", "beta", "aurora", "nightly"))
        for folder, _dirs, names in os.walk(out):
            for name in names:
                self.assertRegex(name, FILE_NAME)
                compressions.add(name.rsplit(".", 1)[1])
        self.assertEqual(compressions, {"lzma", "xz", "gz"})
        good = list(parsed_records(out))
        self.assertEqual(len(good), 296)
        payload = good[0][1]
        self.assertEqual(set(payload), {"ver", "info", "simpleMeasurements", "histograms", "slowSQL"})
        self.assertIn(payload["info"]["OS"], ("WINNT", "Darwin", "Linux", "Android"))
        for histogram in payload["histograms"].values():
            self.assertGreater(len(histogram), 5)  # buckets, then five statistics

    def test_refuses_a_non_empty_output_dir(self):
        with open(os.path.join(self.tmp, "keep.txt"), "w") as f:
            f.write("mine")
        done = subprocess.run(
            [sys.executable, GENERATOR, "--out", self.tmp, "--records", "5"], stderr=subprocess.PIPE, text=True
        )
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("is not empty", done.stderr)
        self.assertEqual(os.listdir(self.tmp), ["keep.txt"])

    def test_size_mb(self):
        summary = generate(os.path.join(self.tmp, "sized"), "--size-mb", "0.5")
        self.assertLess(abs(summary["bytes"] - 500_000), 100_000)

    def test_size_mb_is_what_is_asked(self):
        # The size asked for is the records uncompressed, and the set comes within 1% of it.
        for seed in ("1", "42"):
            out = os.path.join(self.tmp, f"five-{seed}")
            summary = generate(out, "--size-mb", "5", "--seed", seed)
            records = sum(len(line.encode()) + 1 for _, line in read_data(out))
            self.assertEqual(records, summary["bytes"])
            self.assertLess(abs(records - 5_000_000), 50_000, seed)


class ExampleJobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="examples-test-")
        cls.data = os.path.join(cls._tmp.name, "data")
        generate(cls.data, "--records", "600", "--seed", "11")
        cls.outputs = os.path.join(cls._tmp.name, "output")
        cls.results = {}
        for name in EXAMPLES:
            env = dict(os.environ, DATA_DIR=cls.data, OUTPUT_DIR=cls.outputs, NUM_MAPPERS="2")
            env.pop("WORKBENCH_WORKER_DIR", None)  # the script's own default must work
            cls.results[name] = subprocess.run(
                ["sh", os.path.join(EXAMPLES_DIR, name, "run.sh")],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120,
            )  # fmt: skip

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def output(self, name, file_name):
        result = self.results[name]
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(self.outputs, file_name), newline="") as f:
            text = f.read()
        self.assertTrue(text)
        return text

    def data_lines(self, text, header):
        """The output's lines after its header line (which names the columns), the header's repeats dropped."""
        lines = text.splitlines()
        self.assertEqual(lines[0], header)
        return [line for line in lines if line != header]

    def test_every_example_has_its_files(self):
        for name in EXAMPLES:
            for part in ("job.py", "filter.json", "run.sh", "README.md"):
                self.assertTrue(os.path.isfile(os.path.join(EXAMPLES_DIR, name, part)), f"{name}/{part}")
            self.assertTrue(os.access(os.path.join(EXAMPLES_DIR, name, "run.sh"), os.X_OK), name)

    def test_os_distribution(self):
        text = self.output("os-distribution", "os-distribution.txt")
        expected = collections.Counter(
            r["info"]["OS"] for dims, r in parsed_records(self.data) if dims[0] == "saved_session"
        )
        got = {k: int(v) for k, v in (line.split("\t") for line in self.data_lines(text, "#OS\tcount"))}
        self.assertEqual(got, expected)

    def test_submissions_per_day(self):
        text = self.output("submissions-per-day", "submissions-per-day.txt")
        expected = collections.Counter(dims[5] for dims, line in read_data(self.data) if "\t" in line)
        got = {k: int(v) for k, v in (line.split("\t") for line in self.data_lines(text, "#submission_date\tsubmissions"))}
        self.assertEqual(got, expected)

    def test_slowsql_csv(self):
        text = self.output("slowsql", "slowsql.csv")
        expected = collections.defaultdict(lambda: [0, 0, 0])
        for dims, r in parsed_records(self.data):
            if dims[0] == "saved_session" and dims[1] == "Firefox":
                for thread in ("mainThread", "otherThreads"):
                    for query, (count, total) in r["slowSQL"][thread].items():
                        totals = expected[thread, query]
                        totals[0] += 1
                        totals[1] += count
                        totals[2] += total
        header = "#thread,query,submissions,invocations,total_ms,mean_ms"
        rows = list(csv.reader(self.data_lines(text, header)))
        got = {(row[0], row[1]): [int(row[2]), int(row[3]), int(row[4])] for row in rows}
        self.assertEqual(got, dict(expected))
        self.assertTrue(any("," in query for _, query in got))  # quoting was exercised

    def test_histogram_aggregation(self):
        text = self.output("histogram-aggregation", "histogram-aggregation.txt")
        submissions = collections.Counter()
        for dims, r in parsed_records(self.data):
            if dims[2] == "nightly" and dims[4] >= "20140601000000":
                submissions.update(r["histograms"].keys())
        got = {}
        for line in self.data_lines(text, "#histogram\ttotals"):
            name, value = line.split("\t")
            got[name] = json.loads(value)["submissions"]
        self.assertEqual(got, dict(submissions))

    def test_run_sh_finds_the_runner_through_the_worker_dir_variable(self):
        env = dict(os.environ, DATA_DIR=self.data, OUTPUT_DIR=self.outputs, WORKBENCH_WORKER_DIR=WORKER_DIR)
        done = subprocess.run(
            ["sh", os.path.join(EXAMPLES_DIR, "submissions-per-day", "run.sh"), "--sorted"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stderr)
