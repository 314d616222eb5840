"""The run environment run-job.sh gives a package's command (docs/ARCHITECTURE.md, "Run
environment"), its log kept where a caller follows it live, and a run stopped from outside:
run-job.sh executed for real on real tarballs, publishing into a local folder."""

import gzip
import json
import os
import signal
import subprocess
import time

from .test_run_job import RUN_JOB, RunJobCase, tarball

# Writes what the job sees into its output folder, one NAME=value line each ("unset" when unset).
RUN_SH_ENV = """#!/bin/sh
set -e
{
  echo "PWD=$PWD"
  for name in DATA_DIR OUTPUT_DIR WORKBENCH_WORKER_DIR PYTHONPATH; do
    eval "value=\\${$name-unset}"
    echo "$name=$value"
  done
  [ -d "$OUTPUT_DIR" ] && echo "OUTPUT_DIR made before the command"
} > "$OUTPUT_DIR/env.txt"
"""

# What a caller's own environment may hold; none of it may reach the job.
LEAKS = {"DATA_DIR": "/caller/data", "OUTPUT_DIR": "/caller/out", "WORKBENCH_WORKER_DIR": "/caller/worker", "PYTHONPATH": "/caller/lib"}


def running(pid):
    """Whether a process is still running (a zombie no one has reaped yet has ended)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


class RunJobEnvironmentTest(RunJobCase):
    def setUp(self):
        super().setUp()
        self.dest = os.path.join(self.tmp, "published", "env-job")
        self.data = os.path.join(self.tmp, "data set")
        os.makedirs(self.data)

    def record(self, run_id="r1"):
        with open(os.path.join(self.dest, "runs", "%s.json" % run_id)) as f:
            return json.load(f)

    def published(self, name, run_id="r1"):
        """A file of the run's published output, found where its record says the output is."""
        with open(os.path.join(os.path.dirname(self.dest), self.record(run_id)["output"], name)) as f:
            return f.read()

    def published_log(self, run_id="r1"):
        with gzip.open(os.path.join(self.dest, "logs", "%s.log.gz" % run_id), "rt") as f:
            return f.read()

    def seen(self):
        return dict(line.split("=", 1) for line in self.published("env.txt").splitlines() if "=" in line)

    def test_the_job_sees_the_data_dir_its_output_dir_and_nothing_of_the_callers(self):
        code = tarball(os.path.join(self.tmp, "env.tar.gz"), {"run.sh": RUN_SH_ENV})
        result = self.run_job("--data-dir", self.data, code=code, dest=self.dest, command="sh run.sh", env=LEAKS)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.record()["status"], "succeeded", self.published_log())
        seen = self.seen()
        self.assertEqual(seen["DATA_DIR"], self.data)
        self.assertEqual(seen["OUTPUT_DIR"], os.path.join(seen["PWD"], "output"))
        self.assertTrue(os.path.isabs(seen["OUTPUT_DIR"]))
        self.assertEqual((seen["WORKBENCH_WORKER_DIR"], seen["PYTHONPATH"]), ("unset", "unset"))
        self.assertIn("OUTPUT_DIR made before the command", self.published("env.txt"))

    def test_without_a_data_dir_the_job_gets_none(self):
        code = tarball(os.path.join(self.tmp, "env.tar.gz"), {"run.sh": RUN_SH_ENV})
        result = self.run_job(code=code, dest=self.dest, command="sh run.sh", env=LEAKS)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.seen()["DATA_DIR"], "unset")
        self.assertIn("no data folder given", self.published_log())

    def test_an_output_dir_of_the_jobs_own_is_made_and_is_output_dir(self):
        script = '#!/bin/sh\nset -e\necho "$OUTPUT_DIR" > "$OUTPUT_DIR/where.txt"\n'
        code = tarball(os.path.join(self.tmp, "own.tar.gz"), {"run.sh": script})
        result = self.run_job("--output-dir", "results/tables", code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(self.published("where.txt"), r"^/.*/code/results/tables\n$")

    def test_a_data_dir_that_is_not_there_fails_a_job_that_reads_it_and_the_record_says_why(self):
        missing = os.path.join(self.tmp, "never-generated")
        code = tarball(os.path.join(self.tmp, "reads.tar.gz"), {"run.sh": '#!/bin/sh\nset -e\nls "$DATA_DIR"\n'})
        result = self.run_job("--data-dir", missing, code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        record = self.record()
        self.assertEqual(record["status"], "failed")
        self.assertIn("Its data folder %s does not exist where it ran" % missing, record["message"])
        # A job that reads no data runs all the same.
        code = tarball(os.path.join(self.tmp, "no-data.tar.gz"), {"run.sh": "#!/bin/sh\necho 1 > \"$OUTPUT_DIR/one.txt\"\n"})
        result = self.run_job("--data-dir", missing, code=code, dest=self.dest, run_id="r2")
        self.assertEqual(self.record("r2")["status"], "succeeded")

    def test_bad_data_dir_or_log_say_what_to_fix(self):
        code = tarball(os.path.join(self.tmp, "env.tar.gz"), {"run.sh": RUN_SH_ENV})
        marker = os.path.join(self.tmp, "marker")
        cases = [
            (["--data-dir", "data"], "--data-dir must be an absolute path"),
            (["--data-dir", ""], "--data-dir must name the data folder on one line"),
            (["--data-dir", "/data\ntouch %s" % marker], "--data-dir must name the data folder on one line"),
            (["--log", os.path.join(self.tmp, "no-such-folder", "log")], "--log must name a file that can be written"),
            (["--work-dir", os.path.join(self.tmp, "no-such-folder")], "--work-dir must name an existing folder"),
        ]
        for extra, message in cases:
            result = self.run_job(*extra, code=code, dest=self.dest)
            self.assertEqual(result.returncode, 64, extra)
            self.assertIn(message, result.stderr)
        self.assertFalse(os.path.exists(marker))
        self.assertFalse(os.path.exists(self.dest))

    def test_the_code_is_unpacked_and_run_in_the_work_dir_given_which_is_left_clean(self):
        work = os.path.join(self.tmp, "run folder")
        os.makedirs(work)
        code = tarball(os.path.join(self.tmp, "env.tar.gz"), {"run.sh": RUN_SH_ENV})
        result = self.run_job("--work-dir", work, code=code, dest=self.dest, command="sh run.sh")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(self.seen()["PWD"].startswith(os.path.join(work, "run-job.")), self.seen()["PWD"])
        self.assertEqual(os.listdir(work), [])

    def test_an_empty_output_is_said_in_the_record(self):
        code = tarball(os.path.join(self.tmp, "quiet.tar.gz"), {"run.sh": "#!/bin/sh\necho nothing to say\n"})
        result = self.run_job(code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        record = self.record()
        self.assertEqual((record["status"], record["filesPublished"]), ("succeeded", 0))
        self.assertEqual(record["message"], "The command wrote nothing to its output folder 'output'.")

    def start(self, code, log, run_id="r1"):
        argv = ["sh", RUN_JOB,
                "--job", "live", "--run-id", run_id, "--code", code, "--command", "./run.sh", "--output-dir", "output",
                "--timeout-minutes", "5", "--publish", self.dest, "--log", log]  # fmt: skip
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env, start_new_session=True)

    def wait_for(self, path, text, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if os.path.exists(path):
                with open(path) as f:
                    if text in f.read():
                        return
            time.sleep(0.05)
        self.fail("%s never held %r" % (path, text))

    def test_the_log_grows_in_the_file_given_while_the_job_runs_and_is_published_whole(self):
        go_on = os.path.join(self.tmp, "go-on")
        script = '#!/bin/sh\necho "first line"\nwhile [ ! -e "%s" ]; do sleep 0.05; done\necho "second line"\necho x > "$OUTPUT_DIR/x.txt"\n' % go_on
        code = tarball(os.path.join(self.tmp, "live.tar.gz"), {"run.sh": script})
        log = os.path.join(self.tmp, "run", "log")
        os.makedirs(os.path.dirname(log))
        job = self.start(code, log)
        try:
            self.wait_for(log, "first line")
            with open(log) as f:
                self.assertNotIn("second line", f.read())
            open(go_on, "w").close()
            out, err = job.communicate(timeout=60)
        finally:
            job.kill()
        self.assertEqual(job.returncode, 0, err)
        self.assertEqual(out, "run r1 of live: succeeded; record in %s/runs/r1.json\n" % self.dest)
        with open(log) as f:
            whole = f.read()
        self.assertIn("first line\nsecond line\n", whole)
        self.assertEqual(self.published_log(), whole)

    def test_a_run_stopped_from_outside_stops_its_command_and_still_records(self):
        pid_file = os.path.join(self.tmp, "job.pid")
        script = '#!/bin/sh\necho $$ > "%s"\necho "working"\nsleep 300\necho "never"\n' % pid_file
        code = tarball(os.path.join(self.tmp, "long.tar.gz"), {"run.sh": script})
        log = os.path.join(self.tmp, "log")
        job = self.start(code, log)
        try:
            self.wait_for(log, "working")
            with open(pid_file) as f:
                job_pid = int(f.read())
            started = time.monotonic()
            job.send_signal(signal.SIGTERM)
            _out, err = job.communicate(timeout=60)
        finally:
            job.kill()
        self.assertEqual(job.returncode, 0, err)
        self.assertLess(time.monotonic() - started, 20)
        self.assertFalse(running(job_pid))
        record = self.record()
        self.assertEqual(record["status"], "failed")
        self.assertIn("The run was stopped", record["message"])
        self.assertNotIn("never", self.published_log())
