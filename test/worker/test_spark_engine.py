"""The Spark engine (--engine spark) against the local engine: same output, same errors.

Most cases run the job on one local[2] SparkContext kept by this module (in
this process, through mapreduce.job.main, as the command line runs it) and
on the local engine as a user runs it; both must give byte-identical output,
the same exit code, the same bad-line reports and the same final counts.
A few run the command line itself on Spark, which starts its own JVM; the
Python 3.9 cases run under .venv/py39 (made by scripts/setup-python.sh).
"""

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import types
import unittest

from . import test_errors, test_map_reduce
from .support import EXAMPLES_DIR, REPO, WORKER_DIR, Result, RunnerTestCase, make_filter, record
from .test_examples import EXAMPLES, generate

sys.path.insert(0, WORKER_DIR)
from mapreduce import job  # noqa: E402

PYTHON39 = os.path.join(REPO, ".venv", "py39", "bin", "python")
BATCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spark_batch.py")

# What Spark's own logging looks like on stderr; none of it may reach the job's log.
SPARK_NOISE = re.compile(r"log4j|SparkContext|\b(INFO|WARN|ERROR)\b|at org\.apache|py4j|Exception in thread")

_spark = {}


def setUpModule():
    from mapreduce.spark import start_spark

    _spark["env"] = dict(os.environ)
    _spark["tmp"] = tempfile.mkdtemp(prefix="spark-test-")
    _spark["sc"], _owned = start_spark("local[2]", _spark["tmp"], os.path.join(_spark["tmp"], "spark.log"))


def tearDownModule():
    _spark["sc"].stop()
    shutil.rmtree(_spark["tmp"], ignore_errors=True)
    os.environ.clear()
    os.environ.update(_spark["env"])


def run_in_process(argv):
    """``python3 -m mapreduce.job ARGV`` on this module's SparkContext: (exit code, stderr)."""
    err = io.StringIO()
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        with contextlib.redirect_stderr(err):
            code = job.main(argv)
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    return code, err.getvalue()


def reports(stderr):
    """The bad-line and bad-file reports of a run, sorted."""
    return sorted(line for line in stderr.splitlines() if line.startswith(("Bad line:", "Bad file:", "(further")))


FINAL_COUNTS = ("files_done", "files_total", "bytes", "bytes_total", "records", "bad_lines", "bad_files", "reducers_done")


class SparkParity:
    """Runs every job of a RunnerTestCase on both engines and checks that they agree;
    the Spark run's result goes on to the test's own assertions."""

    def run_job(self, source, spec=None, *extra, env=None, data_dir=None, output=None, timeout=60):
        script = source if os.path.isfile(source) else self.script(source)
        local = super().run_job(script, spec, *extra, env=env, data_dir=data_dir, output=output, timeout=timeout)
        self._runs += 1
        spark_output = f"{output}.spark" if output else os.path.join(self.tmp, "out", f"spark{self._runs}.txt")
        argv = [
            script, "--input-filter", self.filter_file(make_filter() if spec is None else spec),
            "--data-dir", data_dir or self.data.root, "--output", spark_output, *extra, "--engine", "spark",
        ]  # fmt: skip
        code, stderr = run_in_process(argv)
        spark = Result(types.SimpleNamespace(returncode=code, stdout="", stderr=stderr), spark_output)
        self.assertEqual(spark.returncode, local.returncode, f"local:\n{local.stderr}\nspark:\n{spark.stderr}")
        self.assertEqual(spark.output, local.output)
        self.assertEqual(reports(spark.stderr), reports(local.stderr))
        if local.progress():
            final_local, final_spark = local.progress()[-1], spark.progress()[-1]
            self.assertEqual({k: final_spark[k] for k in FINAL_COUNTS}, {k: final_local[k] for k in FINAL_COUNTS})
            self.assertEqual(final_spark["phase"], final_local["phase"])
        return spark


class SparkMapReduceTest(SparkParity, test_map_reduce.MapReduceTest):
    """The runner's map/combine/reduce cases."""


class SparkBadInputTest(SparkParity, test_errors.BadInputTest):
    """Bad lines, unreadable files, files outside the layout."""


class SparkNoMatchTest(SparkParity, test_errors.NoMatchTest):
    """No file matches: exit 0, no output."""


class SparkScriptErrorTest(SparkParity, test_errors.ScriptErrorTest):
    """The script raises: exit 2 with the script's traceback, no output."""


class SparkEngineTest(RunnerTestCase):
    def setUp(self):
        super().setUp()
        for f in range(5):
            dims = ("saved_session", "Firefox", "release", "30.0", "20140601000000", f"2014070{f + 1}")
            self.data.add(dims, [f"id-{f}-{i}\t{record(('Linux', 'WINNT')[i % 2])}" for i in range(40)])

    def test_map_order_dependent_combine_matches_with_several_reducers(self):
        # combine() that keeps what it was given in order: only the same values, in the same
        # order and at the same moments, give the same text.
        script = """
def map(key, dims, value, context):
    context.write(dims[5][-1:], key)
    context.write("all", key[-3:])
def combine(key, values, context):
    context.write(key, "|".join(str(v) for v in values))
def reduce(key, values, context):
    context.write(key, "|".join(str(v) for v in values))
"""
        result = self.run_both(script, "-r", "3")
        self.assertEqual(len(result.lines()), 6)

    def test_sorted_output_and_delete_data(self):
        script = test_map_reduce.counting_map("key[-2:]") + "\ndef reduce(key, values, context):\n    context.write(key, len(values))\n"
        result = self.run_both(script, "--sorted", "-r", "4")
        keys = [line.split("\t")[0] for line in result.lines()]
        self.assertEqual(keys, sorted(keys))
        copy = os.path.join(self.tmp, "copy")
        shutil.copytree(self.data.root, copy)
        code, stderr = run_in_process(
            [self.script(script), "-f", self.filter_file(make_filter()), "-d", copy, "-o", os.path.join(self.tmp, "x"),
             "-X", "--engine", "spark"]
        )  # fmt: skip
        self.assertEqual(code, 0, stderr)
        self.assertEqual([names for _, _, names in os.walk(copy) if names], [])

    def test_output_travels_to_the_driver_when_executors_do_not_share_its_files(self):
        # As on a cluster: the reducers' text comes back through Spark instead of files.
        from mapreduce import spark

        script = test_map_reduce.counting_map("(dims[5], key[-1:])") + (
            "\ndef reduce(key, values, context):\n    context.write(key, len(values))\n"
        )
        saved = spark.SHARED_FILES_MASTERS
        spark.SHARED_FILES_MASTERS = ()
        try:
            self.run_both(script, "-r", "3")
            self.run_both(script, "--sorted", "-r", "2")
        finally:
            spark.SHARED_FILES_MASTERS = saved

    def test_a_killed_python_worker_exits_3(self):
        script = self.script("import os, signal\ndef map(key, dims, value, context):\n    os.kill(os.getpid(), signal.SIGKILL)\n")
        output = os.path.join(self.tmp, "killed.txt")
        code, stderr = run_in_process(
            [script, "-f", self.filter_file(make_filter()), "-d", self.data.root, "-o", output, "--engine", "spark"]
        )
        self.assertEqual(code, 3, stderr)
        self.assertIn("Python worker died", stderr)
        self.assertFalse(os.path.exists(output))

    def run_both(self, script, *extra):
        local = self.run_job(script, None, *extra)
        self.assertSucceeded(local)
        output = os.path.join(self.tmp, "spark-out.txt")
        code, stderr = run_in_process(
            [self.script(script), "-f", self.filter_file(make_filter()), "-d", self.data.root, "-o", output,
             *extra, "--engine", "spark"]
        )  # fmt: skip
        self.assertEqual(code, 0, stderr)
        with open(output, encoding="utf-8", newline="") as f:
            self.assertEqual(f.read(), local.output)
        return local


class SparkExamplesTest(unittest.TestCase):
    """Every example of resources/examples, on both engines, plain and --sorted over 3 reducers."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="spark-examples-")
        cls.data = os.path.join(cls._tmp.name, "data")
        generate(cls.data, "--records", "400", "--seed", "5", "--bad-lines", "3")

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def example_argv(self, name, output, *extra):
        folder = os.path.join(EXAMPLES_DIR, name)
        return [
            os.path.join(folder, "job.py"), "--input-filter", os.path.join(folder, "filter.json"),
            "--data-dir", self.data, "--output", output, *extra,
        ]  # fmt: skip

    def test_every_example_gives_the_same_bytes(self):
        for name in EXAMPLES:
            for extra in ((), ("--sorted", "-r", "3")):
                with self.subTest(example=name, options=extra):
                    local_out = os.path.join(self._tmp.name, f"{name}-local.txt")
                    spark_out = os.path.join(self._tmp.name, f"{name}-spark.txt")
                    local = subprocess.run(
                        [sys.executable, "-m", "mapreduce.job", *self.example_argv(name, local_out, *extra)],
                        env=dict(os.environ, PYTHONPATH=WORKER_DIR), stderr=subprocess.PIPE, text=True, timeout=120,
                    )  # fmt: skip
                    self.assertEqual(local.returncode, 0, local.stderr)
                    code, stderr = run_in_process(self.example_argv(name, spark_out, *extra, "--engine", "spark"))
                    self.assertEqual(code, 0, stderr)
                    with open(local_out, "rb") as a, open(spark_out, "rb") as b:
                        expected, got = a.read(), b.read()
                    self.assertTrue(expected)
                    self.assertEqual(got, expected)
                    self.assertEqual(reports(stderr), reports(local.stderr))


class SparkCommandLineTest(RunnerTestCase):
    """``python3 -m mapreduce.job ... --engine spark`` as a user runs it: its own JVM."""

    @classmethod
    def setUpClass(cls):
        # The JVM's class archive goes to the user's cache: here one of the class's own.
        cls._cache = tempfile.TemporaryDirectory(prefix="spark-cache-")

    @classmethod
    def tearDownClass(cls):
        cls._cache.cleanup()

    def run_job(self, *args, **kwargs):
        return super().run_job(*args, env={"XDG_CACHE_HOME": self._cache.name}, **kwargs)

    def setUp(self):
        super().setUp()
        for f in range(3):
            dims = ("saved_session", "Firefox", "release", "30.0", "20140601000000", f"2014070{f + 1}")
            self.data.add(dims, [f"u{f}-{i}\t{record(('Linux', 'Darwin')[i % 2])}" for i in range(30)] + ["no tab"])

    def test_runs_on_spark_with_progress_and_without_spark_log_noise(self):
        local = self.run_job(test_errors.COUNT_OS)
        spark = self.run_job(test_errors.COUNT_OS, None, "--engine", "spark", timeout=300)
        self.assertSucceeded(spark)
        self.assertEqual(spark.output, local.output)
        self.assertIn("Spark master local[*]", spark.stderr)
        progress = spark.progress()
        self.assertEqual([p["phase"] for p in progress][0], "map")
        self.assertEqual(progress[-1]["phase"], "done")
        self.assertIn("reduce", [p["phase"] for p in progress])
        final = progress[-1]
        self.assertEqual((final["files_done"], final["bytes"], final["records"], final["bad_lines"]), (3, final["bytes_total"], 93, 3))
        self.assertEqual(reports(spark.stderr), reports(local.stderr))
        # At most one line sums up what Spark logged (a busy port for its UI, say).
        lines = spark.stderr.splitlines()
        self.assertLessEqual(sum(line.startswith("Spark logged ") for line in lines), 1)
        noise = [line for line in lines if SPARK_NOISE.search(line) and not line.startswith("Spark logged ")]
        self.assertEqual(noise, [])
        # The first run left the JVM's class archive for the next ones, whole.
        archives = os.listdir(os.path.join(self._cache.name, "mapreduce-spark"))
        self.assertEqual(len(archives), 1, archives)
        self.assertRegex(archives[0], r"^spark-3\.5\.\d+-[0-9a-f]{16}\.jsa$")
        again = super().run_job(test_errors.COUNT_OS, None, "--engine", "spark", "-v", timeout=300,
                                env={"XDG_CACHE_HOME": self._cache.name})  # fmt: skip
        self.assertSucceeded(again)
        self.assertEqual(again.output, local.output)
        self.assertEqual([line for line in again.stderr.splitlines() if SPARK_NOISE.search(line) and not line.startswith("Spark logged ")], [])

    def test_script_error_exits_2_with_the_scripts_traceback_only(self):
        script = self.script("def map(key, dims, value, context):\n    raise RuntimeError('boom on spark')\n")
        result = self.run_job(script, None, "--engine", "spark", "--spark-master", "local[2]", timeout=300)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn(f'File "{script}", line 2, in map', result.stderr)
        self.assertIn("RuntimeError: boom on spark", result.stderr)
        self.assertNotIn("at org.apache", result.stderr)
        self.assertIsNone(result.output)

    def test_spark_master_without_the_spark_engine_is_refused(self):
        result = self.run_job(test_errors.COUNT_OS, None, "--spark-master", "local[2]")
        self.assertEqual(result.returncode, 1)
        self.assertIn("--spark-master goes with --engine spark", result.stderr)

    def test_the_local_engine_needs_no_pyspark(self):
        code = (
            "import sys; from mapreduce import job; rc = job.main(sys.argv[1:]); "
            "assert 'pyspark' not in sys.modules, 'pyspark imported'; sys.exit(rc)"
        )
        done = self.run_runner(
            [sys.executable, "-c", code, self.script(test_errors.COUNT_OS), "-f", self.filter_file(make_filter()),
             "-d", self.data.root, "-o", os.path.join(self.tmp, "o.txt")]
        )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stderr)


class SparkPython39Test(unittest.TestCase):
    """The engine under Python 3.9 (as EMR 7 nodes offer it) gives the local engine's output."""

    def setUp(self):
        if not os.path.exists(PYTHON39):
            reason = (
                "no Python 3.9 for the Spark engine: .venv/py39 is missing. Install a Python 3.9 "
                "(pyenv install 3.9) and run scripts/setup-python.sh"
            )
            sys.stderr.write(f"\nSpark engine under Python 3.9 NOT TESTED: {reason}\n")  # shown at any verbosity
            self.skipTest(reason)
        self._tmp = tempfile.TemporaryDirectory(prefix="spark-py39-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def test_examples_and_a_script_error_under_python_3_9(self):
        data = os.path.join(self.tmp, "data")
        generate(data, "--records", "300", "--seed", "8", "--bad-lines", "2")
        jobs, expected = [], []
        for name in EXAMPLES:
            folder = os.path.join(EXAMPLES_DIR, name)
            common = ["--input-filter", os.path.join(folder, "filter.json"), "--data-dir", data, "-r", "2"]
            local_out, spark_out = (os.path.join(self.tmp, f"{name}-{e}.txt") for e in ("local", "spark"))
            local = subprocess.run(
                [sys.executable, "-m", "mapreduce.job", os.path.join(folder, "job.py"), *common, "-o", local_out],
                env=dict(os.environ, PYTHONPATH=WORKER_DIR), stderr=subprocess.PIPE, text=True, timeout=120,
            )  # fmt: skip
            self.assertEqual(local.returncode, 0, local.stderr)
            jobs.append([os.path.join(folder, "job.py"), *common, "-o", spark_out, "--engine", "spark"])
            expected.append((local_out, spark_out, reports(local.stderr)))
        failing = os.path.join(self.tmp, "failing.py")
        with open(failing, "w") as f:
            f.write("def map(key, dims, value, context):\n    raise KeyError('py39')\n")
        filter_path = os.path.join(self.tmp, "all.json")
        with open(filter_path, "w") as f:
            json.dump(make_filter(), f)
        jobs.append([failing, "-f", filter_path, "-d", data, "-o", os.path.join(self.tmp, "f.txt"), "--engine", "spark"])

        done = subprocess.run(
            [PYTHON39, BATCH, self.tmp], input=json.dumps(jobs), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, timeout=600, env=dict(os.environ, PYTHONPATH=WORKER_DIR, PYSPARK_PYTHON=PYTHON39),
        )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stderr)
        answer = json.loads(done.stdout)
        self.assertEqual(answer["python"][:2], [3, 9])
        for (local_out, spark_out, local_reports), result in zip(expected, answer["results"]):
            self.assertEqual(result["code"], 0, result["stderr"])
            with open(local_out, "rb") as a, open(spark_out, "rb") as b:
                self.assertEqual(b.read(), a.read())
            self.assertEqual(reports(result["stderr"]), local_reports)
        failed = answer["results"][-1]
        self.assertEqual(failed["code"], 2, failed["stderr"])
        self.assertIn(f'File "{failing}", line 2, in map', failed["stderr"])
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "f.txt")))


if __name__ == "__main__":
    unittest.main()
