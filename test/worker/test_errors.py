"""Bad lines, unreadable files, script errors, dead processes, bad invocations, no match."""

import os
import signal
import subprocess
import sys
import time

from .support import COUNT_BY_DIMS, WORKER_DIR, RunnerTestCase, make_filter, record

DIMS = ("saved_session", "Firefox", "release", "30.0", "20140601000000", "20140701")

COUNT_OS = """
import json
def map(key, dims, value, context):
    context.write(json.loads(value)["info"]["OS"], 1)
def reduce(key, values, context):
    context.write(key, sum(values))
"""


class BadInputTest(RunnerTestCase):
    def test_bad_lines_are_reported_with_file_and_line_and_skipped(self):
        script = """
import json
def map(key, dims, value, context):
    payload = json.loads(value)
    if payload.get("unwritable"):
        context.write(key, object())  # marshal cannot store it: ValueError
    context.write(payload["info"]["OS"], 1)
def reduce(key, values, context):
    context.write(key, sum(values))
"""
        lines = [
            f"a\t{record('WINNT')}",  # 1 good
            f"b {record('WINNT')}",  # 2 no tab
            'c\t{"info": {"OS": "Linux"',  # 3 JSON cut short
            f"d\t{record('Linux')}",  # 4 good
            f"e\t{record('Linux', unwritable=True)}",  # 5 value cannot be written
            b"f\t{\"info\": {\"OS\": \"\xff\xfe\"}}",  # 6 not UTF-8
            "",  # 7 empty
            f"g\t{record('Darwin')}",  # 8 good
        ]
        path = self.data.add(DIMS, lines, compression="xz")
        result = self.run_job(script)
        self.assertSucceeded(result)
        self.assertEqual(sorted(result.lines()), ["Darwin\t1", "Linux\t1", "WINNT\t1"])
        reported = [line for line in result.stderr.splitlines() if line.startswith("Bad line:")]
        self.assertEqual([line.split(": ")[1] for line in reported], [f"{path}:{n}" for n in (2, 3, 5, 6, 7)])
        self.assertIn("no tab between key and value", reported[0])
        self.assertIn("JSONDecodeError", reported[1])
        self.assertIn("unmarshallable", reported[2])
        self.assertIn("UnicodeDecodeError", reported[3])
        final = result.progress()[-1]
        self.assertEqual((final["records"], final["bad_lines"]), (8, 5))
        self.assertRegex(result.stderr, r"Done in [\d.]+s: 8 records from 1 file, 5 bad lines, 0 unreadable files;")

    def test_a_truncated_file_is_skipped_and_the_job_goes_on(self):
        good = self.data.add(DIMS, [f"u{i}\t{record('Linux')}" for i in range(5)], compression="gz")
        with open(good, "rb") as f:
            data = f.read()
        broken_dims = DIMS[:5] + ("20140702",)
        broken = self.data.add(broken_dims, [], compression="gz", raw=data[: len(data) // 2])
        result = self.run_job(COUNT_OS)
        self.assertSucceeded(result)
        self.assertEqual(result.output, "Linux\t5\n")
        self.assertIn(f"Bad file: {broken}: EOFError", result.stderr)
        self.assertRegex(result.stderr, r"Done in [\d.]+s: 5 records from 2 files, 0 bad lines, 1 unreadable file;")
        self.assertEqual(result.progress()[-1]["bad_files"], 1)

    def test_files_outside_the_layout_are_ignored(self):
        self.data.add(DIMS, [f"u\t{record()}"])
        with open(os.path.join(self.data.root, "README.txt"), "w") as f:
            f.write("not data")
        result = self.run_job(COUNT_OS)
        self.assertSucceeded(result)
        self.assertEqual(result.output, "WINNT\t1\n")
        self.assertIn(f"1 file under {self.data.root} is not a v2 data file and was ignored", result.stderr)


class NoMatchTest(RunnerTestCase):
    def test_nothing_matched_exits_0_without_output(self):
        self.data.add(DIMS, [f"u\t{record()}"])
        result = self.run_job(COUNT_OS, make_filter(["idle-daily"]))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("No input files", result.stderr)
        self.assertIn("no output written", result.stderr)
        self.assertFalse(os.path.exists(result.output_path))

    def test_empty_data_dir_is_no_match(self):
        result = self.run_job(COUNT_OS)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse(os.path.exists(result.output_path))


class ScriptErrorTest(RunnerTestCase):
    def setUp(self):
        super().setUp()
        for date in ("20140701", "20140702", "20140703"):
            self.data.add(DIMS[:5] + (date,), [f"u{i}\t{record()}" for i in range(20)])

    def assertScriptError(self, result, *fragments):
        self.assertEqual(result.returncode, 2, result.stderr)
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)
        self.assertFalse(os.path.exists(result.output_path))

    def test_exception_in_map_fails_with_2_and_names_the_script_line(self):
        script = self.script(
            "def map(key, dims, value, context):\n"
            "    context.write(key, 1)\n"
            "    raise RuntimeError('boom in map')\n"
        )
        result = self.run_job(script, None, "-m", "2")
        self.assertScriptError(result, f'File "{script}", line 3, in map', "RuntimeError: boom in map")

    def test_exception_in_reduce_fails_with_2(self):
        script = self.script(
            "def map(key, dims, value, context):\n"
            "    context.write(key, 1)\n"
            "def reduce(key, values, context):\n"
            "    {}['missing']\n"
        )
        result = self.run_job(script, None, "-r", "2")
        self.assertScriptError(result, f'File "{script}", line 4, in reduce', "KeyError: 'missing'")

    def test_value_error_in_reduce_is_not_a_bad_line(self):
        script = self.script(
            "def map(key, dims, value, context):\n"
            "    context.write(key, 1)\n"
            "def reduce(key, values, context):\n"
            "    int('x')\n"
        )
        self.assertScriptError(self.run_job(script), "ValueError")

    def test_exception_in_combine_and_setup_reduce(self):
        combine = self.script(
            "def map(key, dims, value, context):\n"
            "    context.write('k', 1)\n"
            "def combine(key, values, context):\n"
            "    raise LookupError('in combine')\n"
            "def reduce(key, values, context):\n"
            "    pass\n"
        )
        self.assertScriptError(self.run_job(combine), f'File "{combine}", line 4, in combine')
        setup = self.script(
            "def map(key, dims, value, context):\n"
            "    pass\n"
            "def setup_reduce(context):\n"
            "    context.nope()\n"
        )
        self.assertScriptError(self.run_job(setup), f'File "{setup}", line 4, in setup_reduce', "AttributeError")

    def test_syntax_error(self):
        script = self.script("def map(key, dims, value, context)\n    pass\n")
        self.assertScriptError(self.run_job(script), "failed to load", "SyntaxError", f'File "{script}", line 1')

    def test_error_at_import(self):
        script = self.script("import no_such_module_here\ndef map(key, dims, value, context):\n    pass\n")
        self.assertScriptError(self.run_job(script), "ModuleNotFoundError")

    def test_script_without_map(self):
        self.assertScriptError(self.run_job("def reduce(k, v, cx):\n    pass\n"), "defines no map(")


class KilledProcessTest(RunnerTestCase):
    def setUp(self):
        super().setUp()
        self.data.add(DIMS, [f"u{i}\t{record()}" for i in range(10)])

    def test_killed_mapper(self):
        script = """
import os, signal
def map(key, dims, value, context):
    os.kill(os.getpid(), signal.SIGKILL)
"""
        result = self.run_job(script)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("mapper 0 was killed by SIGKILL (signal 9)", result.stderr)
        self.assertIn("out-of-memory", result.stderr)
        self.assertFalse(os.path.exists(result.output_path))

    def test_killed_reducer(self):
        script = """
import os, signal
def map(key, dims, value, context):
    context.write(key, 1)
def reduce(key, values, context):
    os.kill(os.getpid(), signal.SIGKILL)
"""
        result = self.run_job(script, None, "-r", "2")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertRegex(result.stderr, r"reducer \d was killed by SIGKILL")

    def test_mapper_that_exits_early(self):
        script = """
import os
def map(key, dims, value, context):
    os._exit(5)
"""
        result = self.run_job(script)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("mapper 0 exited with code 5 before finishing", result.stderr)


class InvocationTest(RunnerTestCase):
    def setUp(self):
        super().setUp()
        self.data.add(DIMS, [f"u\t{record()}"])
        self.job = self.script(COUNT_BY_DIMS)

    def invoke(self, *args):
        return self.run_runner([sys.executable, "-m", "mapreduce.job", *args])

    def test_missing_required_options(self):
        filter_path = self.filter_file(make_filter())
        required = {"--data-dir": self.data.root, "--output": "out.txt", "--input-filter": filter_path}
        for left_out in required:
            args = [a for name, value in required.items() if name != left_out for a in (name, value)]
            result = self.invoke(self.job, *args)
            self.assertEqual(result.returncode, 1, left_out)
            self.assertIn("the following arguments are required", result.stderr)
            self.assertIn(left_out, result.stderr)

    def test_missing_job_script_argument(self):
        result = self.invoke("-d", self.data.root, "-o", "out.txt", "-f", self.filter_file(make_filter()))
        self.assertEqual(result.returncode, 1)
        self.assertIn("job_script", result.stderr)

    def test_nonexistent_data_dir(self):
        result = self.invoke(self.job, "-d", "/no/such/dir", "-o", "out.txt", "-f", self.filter_file(make_filter()))
        self.assertEqual(result.returncode, 1)
        self.assertIn("--data-dir /no/such/dir: no such directory", result.stderr)

    def test_nonexistent_job_script(self):
        args = ["nope.py", "-d", self.data.root, "-o", "out.txt", "-f", self.filter_file(make_filter())]
        result = self.invoke(*args)
        self.assertEqual(result.returncode, 1)
        self.assertIn("job script nope.py: no such file", result.stderr)

    def test_process_counts_must_be_positive(self):
        base = [self.job, "-d", self.data.root, "-o", "out.txt", "-f", self.filter_file(make_filter())]
        for option in ("--num-mappers", "--num-reducers"):
            result = self.invoke(*base, option, "0")
            self.assertEqual(result.returncode, 1)
            self.assertIn(f"{option} must be at least 1", result.stderr)

    def test_output_that_is_a_directory(self):
        result = self.invoke(self.job, "-d", self.data.root, "-o", self.tmp, "-f", self.filter_file(make_filter()))
        self.assertEqual(result.returncode, 1)
        self.assertIn("is a directory", result.stderr)


class CancelTest(RunnerTestCase):
    def test_sigterm_stops_the_children_and_removes_work_files(self):
        for date in ("20140701", "20140702"):
            self.data.add(DIMS[:5] + (date,), [f"u{i}\t{record()}" for i in range(50)])
        pids = os.path.join(self.tmp, "pids")
        os.mkdir(pids)
        script = self.script(
            "import os, time\n"
            "def map(key, dims, value, context):\n"
            f"    open(os.path.join({pids!r}, str(os.getpid())), 'w').close()\n"
            "    time.sleep(0.2)\n"
        )
        work = os.path.join(self.tmp, "work")
        filter_path = self.filter_file(make_filter())
        env = dict(os.environ, PYTHONPATH=WORKER_DIR)
        runner = subprocess.Popen(
            [sys.executable, "-m", "mapreduce.job", script, "-f", filter_path, "-d", self.data.root,
             "-o", os.path.join(self.tmp, "out.txt"), "-w", work, "-m", "2"],
            env=env, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while len(os.listdir(pids)) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)  # both mappers are at work
            runner.send_signal(signal.SIGTERM)
            runner.wait(timeout=20)
        finally:
            runner.kill()
            stderr = runner.stderr.read()
            runner.stderr.close()
        self.assertEqual(runner.returncode, 128 + signal.SIGTERM, stderr)
        for pid in map(int, os.listdir(pids)):
            with self.assertRaises(ProcessLookupError):
                os.kill(pid, 0)
        self.assertEqual(os.listdir(work), [])
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out.txt")))
