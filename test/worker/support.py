"""Helpers for the worker tests: write v2-layout data, run the runner as a user would.

Expected results in the tests are computed from the records written here,
never with the runner's own code.
"""

import gzip
import json
import lzma
import os
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER_DIR = os.path.join(REPO, "resources", "worker")
EXAMPLES_DIR = os.path.join(REPO, "resources", "examples")
DIMENSIONS = ("reason", "appName", "appUpdateChannel", "appVersion", "appBuildID", "submission_date")


def compress(data, compression):
    if compression == "gz":
        return gzip.compress(data, mtime=0)
    if compression == "xz":
        return lzma.compress(data, format=lzma.FORMAT_XZ)
    return lzma.compress(data, format=lzma.FORMAT_ALONE, preset=0)


def record(os_name="WINNT", **fields):
    """A v2 record's JSON text."""
    return json.dumps({"ver": 2, "info": {"OS": os_name}, **fields})


class DataSet:
    """A v2 data directory built file by file."""

    def __init__(self, root):
        self.root = root
        self.files = []  # (path, dims, lines)
        os.makedirs(root, exist_ok=True)

    def add(self, dims, lines, compression="gz", raw=None):
        """Write one data file. ``lines`` are str or bytes; ``raw`` replaces the file's bytes."""
        reason, app, channel, version, build, date = dims
        folder = os.path.join(self.root, reason, app, channel, version)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{build}.{date}.v2.log.{len(self.files):032x}.{compression}")
        encoded = [line if isinstance(line, bytes) else line.encode("utf-8") for line in lines]
        data = b"".join(line + b"\n" for line in encoded)
        with open(path, "wb") as f:
            f.write(raw if raw is not None else compress(data, compression))
        self.files.append((path, tuple(dims), list(lines)))
        return path


def make_filter(*allowed):
    """A filter file's content from six allowed_values (missing ones are "*")."""
    values = list(allowed) + ["*"] * (6 - len(allowed))
    return {
        "version": 1,
        "dimensions": [{"field_name": n, "allowed_values": v} for n, v in zip(DIMENSIONS, values)],
    }


class Result:
    def __init__(self, completed, output_path):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.output_path = output_path
        self.output = None
        if os.path.exists(output_path):
            with open(output_path, encoding="utf-8", newline="") as f:
                self.output = f.read()

    def progress(self):
        """The @progress snapshots written to stderr, parsed."""
        return [json.loads(line[len("@progress ") :]) for line in self.stderr.splitlines() if line.startswith("@progress ")]

    def lines(self):
        return self.output.splitlines()


class RunnerTestCase(unittest.TestCase):
    """Gives each test a temp dir, a data set in it, and a way to run jobs."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="mapreduce-test-")
        self.tmp = self._tmp.name
        self.data = DataSet(os.path.join(self.tmp, "data"))
        self._scripts = 0
        self._runs = 0

    def tearDown(self):
        self._tmp.cleanup()

    def script(self, source):
        self._scripts += 1
        path = os.path.join(self.tmp, f"job{self._scripts}.py")
        with open(path, "w") as f:
            f.write(source)
        return path

    def filter_file(self, spec):
        path = os.path.join(self.tmp, f"filter{self._runs}.json")
        with open(path, "w") as f:
            f.write(spec if isinstance(spec, str) else json.dumps(spec))
        return path

    def run_job(self, source, spec=None, *extra, env=None, data_dir=None, output=None, timeout=60):
        """Run ``python3 -m mapreduce.job`` as a user would; returns a Result."""
        script = source if os.path.isfile(source) else self.script(source)
        self._runs += 1
        output = output or os.path.join(self.tmp, "out", f"result{self._runs}.txt")
        spec = make_filter() if spec is None else spec
        args = [
            sys.executable, "-m", "mapreduce.job", script,
            "--input-filter", self.filter_file(spec),
            "--data-dir", data_dir or self.data.root,
            "--output", output,
            *extra,
        ]  # fmt: skip
        return Result(self.run_runner(args, env=env, timeout=timeout), output)

    def run_runner(self, args, env=None, timeout=60):
        full_env = dict(os.environ)
        full_env["PYTHONPATH"] = WORKER_DIR
        full_env.update(env or {})
        return subprocess.run(
            args, cwd=self.tmp, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout
        )

    def assertSucceeded(self, result):
        self.assertEqual(result.returncode, 0, f"runner failed:\n{result.stderr}")


COUNT_BY_DIMS = """
def map(key, dims, value, context):
    context.write("/".join(dims), 1)

def reduce(key, values, context):
    context.write(key, sum(values))
"""


def parse_counts(text, separator="\t"):
    counts = {}
    for line in text.splitlines():
        key, value = line.rsplit(separator, 1)
        counts[key] = int(value)
    return counts
