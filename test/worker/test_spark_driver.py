"""spark_driver.py run for real as EMR Serverless runs it, with the local pyspark (master
local[2] from spark-submit's arguments): a real package with the bundled runner, the real worker
kit and run-job.sh, publishing to a local folder (and, for a run that cannot start, moto's S3).
Each test reads back what a user would find: the run record, the published files, the log."""

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest

from . import moto_fixture
from .support import REPO, WORKER_DIR, DataSet, make_filter, record

DRIVER = os.path.join(WORKER_DIR, "spark_driver.py")
KIT_FILES = ("publish_guard.py", "run-job.sh", "run_job_io.py", "safe_extract.py")
PY39 = os.path.join(REPO, ".venv", "py39", "bin", "python")

JOB = """
import json

def map(key, dims, value, context):
    context.write(json.loads(value)["info"]["OS"], 1)

def reduce(key, values, context):
    context.write(key, sum(values))
"""

RUNNER_CALL = 'python3 -m mapreduce.job job.py --input-filter filter.json --data-dir "$DATA_DIR" --output "$OUTPUT_DIR/counts.txt" --local-only --engine spark'

# Other python3 calls before the runner's, and a step after it that must see its output.
RUN_SH = """#!/bin/sh
set -eu
cd "$(dirname "$0")"
python3 -c 'import sys; print("python3 here is", sys.version_info[0])'
PYTHONPATH="$PWD" %s
test -s "$OUTPUT_DIR/counts.txt"
echo "after the runner" > "$OUTPUT_DIR/after.txt"
""" % RUNNER_CALL


def add_tree(tar, folder, prefix):
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            full = os.path.join(root, name)
            tar.add(full, os.path.join(prefix, os.path.relpath(full, folder)))


class DriverCase(unittest.TestCase):
    """A package, the worker kit and v2 data, and the driver run on them."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="spark-driver-")
        cls.root = cls._tmp.name
        cls.kit = os.path.join(cls.root, "kit.tar.gz")
        with tarfile.open(cls.kit, "w:gz") as tar:
            for name in KIT_FILES:
                tar.add(os.path.join(WORKER_DIR, name), name)
        cls.data = os.path.join(cls.root, "data")
        data = DataSet(cls.data)
        for f in range(3):
            dims = ("saved-session", "Firefox", "release", "41.0", "20151001000000", "2026112%d" % f)
            data.add(dims, ["id-%d-%d\t%s" % (f, i, record(("Linux", "WINNT", "Darwin")[i % 3])) for i in range(30)])

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(dir=self.root)

    def package(self, job=JOB, run_sh=RUN_SH):
        folder = os.path.join(self.tmp, "pkg")
        os.makedirs(folder)
        for name, text in (("job.py", job), ("filter.json", json.dumps(make_filter())), ("run.sh", run_sh)):
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        path = os.path.join(self.tmp, "code.tar.gz")
        with tarfile.open(path, "w:gz") as tar:
            for name in ("job.py", "filter.json", "run.sh"):
                tar.add(os.path.join(folder, name), name)
            add_tree(tar, os.path.join(WORKER_DIR, "mapreduce"), "mapreduce")
        return path

    def drive(self, spec, *identity, python=sys.executable, env=None):
        """The driver as EMR Serverless runs it: fetched to a folder of its own, under spark-submit."""
        spec_path = os.path.join(self.tmp, "spec.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        emr = os.path.join(self.tmp, "emr")
        os.makedirs(emr)
        shutil.copy(DRIVER, emr)
        run_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYSPARK", "PYTHONPATH"))}
        run_env.update({"PYSPARK_SUBMIT_ARGS": "--master local[2] pyspark-shell", "PYSPARK_PYTHON": python, "HOME": self.tmp}, **(env or {}))
        argv = [python, os.path.join(emr, "spark_driver.py"), "--spec", spec_path, *(identity or ("--run-id", "r1"))]
        return subprocess.run(argv, capture_output=True, text=True, timeout=240, cwd=emr, env=run_env)

    def spec(self, code, **more):
        publish = os.path.join(self.tmp, "published")
        return {"job": "os-spark", "region": "us-east-1", "kit": self.kit, "code": code, "command": "sh run.sh",
                "outputDir": "output", "timeoutMinutes": 10, "publish": publish, "visibility": "private", "dataDir": self.data, **more}  # fmt: skip

    def published(self, run_id="r1"):
        publish = os.path.join(self.tmp, "published")
        with open(os.path.join(publish, "runs", run_id + ".json")) as f:
            rec = json.load(f)
        with gzip.open(os.path.join(publish, "logs", run_id + ".log.gz"), "rt") as f:
            log = f.read()
        return rec, log, os.path.join(publish, "data")

    def local_engine_counts(self):
        """The same job through the runner's local engine, run as a user would."""
        out = os.path.join(self.tmp, "local-counts.txt")
        job = os.path.join(self.tmp, "pkg", "job.py")
        subprocess.run([sys.executable, "-m", "mapreduce.job", job, "--input-filter", os.path.join(self.tmp, "pkg", "filter.json"), "--data-dir", self.data, "--output", out, "--local-only"],
                       check=True, capture_output=True, cwd=self.tmp, env={**os.environ, "PYTHONPATH": WORKER_DIR}, timeout=120)  # fmt: skip
        with open(out) as f:
            return sorted(f.read().splitlines())

    def assert_runs_in_the_session(self, python):
        result = self.drive(self.spec(self.package()), "--scheduled-for", "2026-12-07T12:00:00Z", python=python)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        rec, log, data = self.published("2026-12-07T12-00-00Z")
        self.assertEqual(rec["status"], "succeeded", log)
        self.assertEqual((rec["runId"], rec["scheduledFor"], rec["exitCode"], rec["filesPublished"]), ("2026-12-07T12-00-00Z", "2026-12-07T12:00:00Z", 0, 2))
        with open(os.path.join(data, "counts.txt")) as f:
            self.assertEqual(sorted(f.read().splitlines()), self.local_engine_counts())
        # The step after the runner ran once the runner had ended.
        with open(os.path.join(data, "after.txt")) as f:
            self.assertEqual(f.read(), "after the runner\n")
        # Other python3 calls ran the real interpreter; the runner ran in the driver's session, on its master.
        self.assertIn("python3 here is 3\n", log)
        self.assertRegex(log, r"match the filter; Spark master local\[2\], 1 reducer\n")
        self.assertNotIn("Spark UI:", log)
        return log



class SparkDriverTest(DriverCase):
    def test_the_runner_call_runs_in_the_drivers_spark_session_and_the_command_goes_on_after_it(self):
        self.assert_runs_in_the_session(sys.executable)

    def test_under_python_3_9_as_emr_7_offers_it(self):
        if not os.path.exists(PY39):
            reason = ".venv/py39 is missing; install a Python 3.9 (pyenv install 3.9) and run scripts/setup-python.sh"
            sys.stderr.write("\nspark_driver.py under Python 3.9 NOT TESTED: %s\n" % reason)
            self.skipTest(reason)
        self.assert_runs_in_the_session(PY39)

    def test_a_failing_job_script_fails_the_run_with_its_error_in_the_log(self):
        result = self.drive(self.spec(self.package(job="import no_such_module\n")))
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        rec, log, data = self.published()
        self.assertEqual((rec["status"], rec["exitCode"]), ("failed", 2), log)
        self.assertEqual(rec["message"], "The command failed with exit code 2; nothing was published.")
        self.assertIn("No module named 'no_such_module'", log)
        self.assertFalse(os.path.exists(data))

    def test_a_job_over_its_timeout_is_stopped_with_its_spark_tasks_and_leaves_a_timed_out_record(self):
        slow = "import time\n\ndef map(key, dims, value, context):\n    time.sleep(120)\n"
        began = time.monotonic()
        result = self.drive(self.spec(self.package(job=slow), timeoutSeconds=40))
        took = time.monotonic() - began
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        rec, log, data = self.published()
        self.assertEqual((rec["status"], rec["timedOut"]), ("timed-out", True), log)
        # What is left of the job's timeout once Spark is up, less a tenth kept back for the record.
        seconds = int(re.search(r"; timeout (\d+)s;", log).group(1))
        self.assertTrue(1 <= seconds <= 36, log)
        self.assertFalse(os.path.exists(data))
        # The driver did not wait for the map tasks' sleep: its Spark jobs were cancelled.
        self.assertLess(took, 100)

    def test_bad_arguments_exit_64_saying_what_is_wrong(self):
        result = subprocess.run([sys.executable, DRIVER, "--spec", "x.json", "--run-id", "../etc"], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 64)
        self.assertIn("--run-id must be letters, digits, '.', '_' or '-'", result.stderr)


class SparkDriverOnS3Test(moto_fixture.UsesMoto, DriverCase):
    """A run that cannot fetch its kit still leaves its record where history reads it, and alerts."""

    def test_a_kit_it_cannot_fetch_gives_a_failed_record_and_an_alert(self):
        s3, sns, sqs = self.moto.client("s3"), self.moto.client("sns"), self.moto.client("sqs")
        s3.create_bucket(Bucket="wb-private")
        topic = sns.create_topic(Name="analysis-workbench-alerts")["TopicArn"]
        queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
        spec = self.spec("s3://wb-code/os-spark/code/x.tar.gz", kit="s3://wb-code/os-spark/code/worker-gone.tar.gz", publish="s3://wb-private/os-spark", alertTopic=topic)
        result = self.drive(spec, "--scheduled-for", "2026-12-07T12:00:00Z", env=self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        rec = json.loads(s3.get_object(Bucket="wb-private", Key="os-spark/runs/2026-12-07T12-00-00Z.json")["Body"].read())
        self.assertEqual((rec["status"], rec["runId"], rec["log"]), ("failed", "2026-12-07T12-00-00Z", "os-spark/logs/2026-12-07T12-00-00Z.log.gz"))
        self.assertTrue(rec["message"].startswith("The Spark driver could not fetch the worker kit: "), rec["message"])
        body = json.loads(sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"][0]["Body"])
        self.assertEqual(body["Subject"], "Analysis Workbench: os-spark failed")


if __name__ == "__main__":
    unittest.main()
