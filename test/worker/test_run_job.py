"""run-job.sh executed for real: a real tarball, moto_server's S3 (or a local folder), the real
guard and safe unpacking. Each test reads back what a user would find in the bucket."""

import gzip
import io
import json
import os
import subprocess
import tarfile
import tempfile
import unittest

from . import moto_fixture
from .support import WORKER_DIR

RUN_JOB = os.path.join(WORKER_DIR, "run-job.sh")

RUN_SH_OK = """#!/bin/sh
set -e
mkdir -p output/nested
echo "os,count" > output/os.csv
echo "Linux,12" >> output/os.csv
printf 'a,1\\nb,2\\n' | gzip -c > output/nested/part-0.csv.gz
echo "job $WORKBENCH_JOB run $WORKBENCH_RUN_ID did its work"
"""


def tarball(path, files, extra=None):
    """A .tar.gz of files {name: text}, executable when the text starts with #!."""
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if text.startswith("#!") else 0o644
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info)
    return path


class RunJobCase(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}

    def run_job(self, *args, code, dest, command="./run.sh", job="daily-os", run_id="r1", timeout_minutes="5", env=None):
        argv = ["sh", RUN_JOB, "--job", job, "--run-id", run_id, "--code", code, "--command", command,
                "--output-dir", "output", "--timeout-minutes", timeout_minutes, "--publish", dest, *args]  # fmt: skip
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, env={**self.env, **(env or {})})


class RunJobOnS3Test(moto_fixture.UsesMoto, RunJobCase):
    def setUp(self):
        super().setUp()
        self.env.update(self.moto.env())
        self.s3 = self.moto.client("s3")
        suffix = "%d-%d" % (os.getpid(), id(self) % 100000)
        self.code_bucket = "code-" + suffix
        self.data_bucket = "data-" + suffix
        self.s3.create_bucket(Bucket=self.code_bucket)
        self.s3.create_bucket(Bucket=self.data_bucket)
        self.dest = "s3://%s/daily-os" % self.data_bucket

    def upload_code(self, files, extra=None):
        local = tarball(os.path.join(self.tmp, "code.tar.gz"), files, extra)
        self.s3.upload_file(local, self.code_bucket, "daily-os/code/abc.tar.gz")
        return "s3://%s/daily-os/code/abc.tar.gz" % self.code_bucket

    def keys(self, prefix="daily-os/"):
        listing = self.s3.list_objects_v2(Bucket=self.data_bucket, Prefix=prefix)
        return sorted(o["Key"] for o in listing.get("Contents", []))

    def record(self, run_id="r1"):
        body = self.s3.get_object(Bucket=self.data_bucket, Key="daily-os/runs/%s.json" % run_id)["Body"].read()
        return json.loads(body)

    def log(self, run_id="r1"):
        obj = self.s3.get_object(Bucket=self.data_bucket, Key="daily-os/logs/%s.log.gz" % run_id)
        self.assertEqual(obj.get("ContentEncoding"), "gzip")
        return gzip.decompress(obj["Body"].read()).decode()

    def test_success_publishes_output_log_and_record(self):
        code = self.upload_code({"run.sh": RUN_SH_OK})
        result = self.run_job("--scheduled-for", "2026-03-01T12:00:00Z", code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.keys(), [
            "daily-os/data/nested/part-0.csv.gz", "daily-os/data/os.csv",
            "daily-os/logs/r1.log.gz",
            "daily-os/runs/r1.json", "daily-os/runs/r1/data/nested/part-0.csv.gz", "daily-os/runs/r1/data/os.csv",
        ])  # fmt: skip
        # The run's own folder and the latest set in data/ hold the same files, with their headers.
        for folder in ("daily-os/runs/r1/data", "daily-os/data"):
            csv = self.s3.get_object(Bucket=self.data_bucket, Key=folder + "/os.csv")
            self.assertEqual(csv["Body"].read(), b"os,count\nLinux,12\n")
            self.assertEqual(csv["ContentType"], "text/csv")
            gz = self.s3.get_object(Bucket=self.data_bucket, Key=folder + "/nested/part-0.csv.gz")
            self.assertEqual(gz["ContentEncoding"], "gzip")
            self.assertEqual(gzip.decompress(gz["Body"].read()), b"a,1\nb,2\n")
        record = self.record()
        self.assertEqual(record["status"], "succeeded")
        self.assertEqual(record["exitCode"], 0)
        self.assertFalse(record["timedOut"])
        self.assertEqual(record["scheduledFor"], "2026-03-01T12:00:00Z")
        self.assertEqual(record["filesPublished"], 2)
        self.assertEqual(record["bytesPublished"], 18 + gz["ContentLength"])
        self.assertEqual(record["log"], "daily-os/logs/r1.log.gz")
        self.assertEqual(record["output"], "daily-os/runs/r1/data/")
        self.assertIsNone(record["message"])
        self.assertLessEqual(record["startedAt"], record["endedAt"])
        self.assertIn("job daily-os run r1 did its work", self.log())

    def test_failure_records_the_exit_code_and_still_uploads_log_and_record(self):
        code = self.upload_code({"run.sh": "#!/bin/sh\nmkdir -p output\necho partial > output/x.csv\necho 'it broke' >&2\nexit 3\n"})
        result = self.run_job(code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        record = self.record()
        self.assertEqual((record["status"], record["exitCode"], record["timedOut"]), ("failed", 3, False))
        self.assertIn("exit code 3", record["message"])
        self.assertEqual(record["filesPublished"], 0)
        self.assertEqual(self.keys("daily-os/data/"), [])
        self.assertIn("it broke", self.log())

    def test_timeout_stops_the_command_and_still_uploads_log_and_record(self):
        code = self.upload_code({"run.sh": "#!/bin/sh\necho started\nsleep 300\necho never\n"})
        result = self.run_job("--timeout-seconds", "2", code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        record = self.record()
        self.assertEqual(record["status"], "timed-out")
        self.assertTrue(record["timedOut"])
        self.assertEqual(record["exitCode"], 124)
        self.assertIn("timeout", record["message"])
        log = self.log()
        self.assertIn("started", log)
        self.assertNotIn("never", log)

    def test_guard_blocks_a_public_run_and_publishes_nothing(self):
        script = "#!/bin/sh\nmkdir -p output\necho 'user,n' > output/rows.csv\necho 'someone@example.org,1' >> output/rows.csv\n"
        code = self.upload_code({"run.sh": script})
        result = self.run_job("--visibility", "public", code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.keys("daily-os/data/"), [])
        record = self.record()
        self.assertEqual(record["status"], "blocked")
        self.assertEqual(record["exitCode"], 0)
        self.assertIn("publish guard", record["message"])
        self.assertEqual(record["guardFindings"], [{"file": "rows.csv", "line": 2, "kind": "email", "sample": "s***@***.org"}])
        self.assertIn("publish guard", self.log())

    def test_the_same_output_goes_out_when_private(self):
        script = "#!/bin/sh\nmkdir -p output\necho 'someone@example.org,1' > output/rows.csv\n"
        code = self.upload_code({"run.sh": script})
        result = self.run_job("--visibility", "private", code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.record()["status"], "succeeded")
        self.assertEqual(self.keys("daily-os/data/"), ["daily-os/data/rows.csv"])

    def test_data_holds_the_latest_successful_set_alone_and_a_failed_run_leaves_it(self):
        for run_id, body in (("r1", "echo a > output/a.csv\necho b > output/b.csv"), ("r2", "echo a2 > output/a.csv"), ("r3", "echo a3 > output/a.csv\nexit 2")):
            code = self.upload_code({"run.sh": "#!/bin/sh\nmkdir -p output\n%s\n" % body})
            self.assertEqual(self.run_job(code=code, dest=self.dest, run_id=run_id).returncode, 0)
        self.assertEqual(self.keys("daily-os/data/"), ["daily-os/data/a.csv"])
        latest = self.s3.get_object(Bucket=self.data_bucket, Key="daily-os/data/a.csv")["Body"].read()
        self.assertEqual(latest, b"a2\n")
        self.assertEqual(self.keys("daily-os/runs/r1/"), ["daily-os/runs/r1/data/a.csv", "daily-os/runs/r1/data/b.csv"])
        self.assertEqual(self.keys("daily-os/runs/r3/"), [])

    def test_a_public_runs_log_and_record_go_to_the_private_place_and_never_to_the_public_bucket(self):
        private = "private-%d-%d" % (os.getpid(), id(self) % 100000)
        self.s3.create_bucket(Bucket=private)
        client_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
        script = "#!/bin/sh\nmkdir -p output\necho 'os,n' > output/os.csv\necho 'Linux,3' >> output/os.csv\necho 'debug: client %s wrote to someone@example.org'\n" % client_id
        code = self.upload_code({"run.sh": script})
        result = self.run_job("--visibility", "public", "--records", "s3://%s/daily-os" % private, code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        public_keys = self.keys()
        self.assertEqual(public_keys, ["daily-os/data/os.csv", "daily-os/runs/r1/data/os.csv"])
        for key in public_keys:
            body = self.s3.get_object(Bucket=self.data_bucket, Key=key)["Body"].read().decode()
            self.assertNotIn(client_id, body)
            self.assertNotIn("someone@example.org", body)
        private_keys = sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket=private).get("Contents", []))
        self.assertEqual(private_keys, ["daily-os/logs/r1.log.gz", "daily-os/runs/r1.json"])
        log = gzip.decompress(self.s3.get_object(Bucket=private, Key="daily-os/logs/r1.log.gz")["Body"].read()).decode()
        self.assertIn(client_id, log)
        record = json.loads(self.s3.get_object(Bucket=private, Key="daily-os/runs/r1.json")["Body"].read())
        self.assertEqual((record["status"], record["output"], record["log"]), ("succeeded", "daily-os/runs/r1/data/", "daily-os/logs/r1.log.gz"))

    def test_hostile_tarball_is_refused_whole_and_the_record_says_why(self):
        outside = os.path.join(self.tmp, "pwned")
        link = tarfile.TarInfo("output")
        link.type = tarfile.SYMTYPE
        link.linkname = self.tmp
        climb = "../" * 12 + outside.lstrip("/")
        code = self.upload_code({"run.sh": RUN_SH_OK, climb: "owned\n"}, extra=[link])
        result = self.run_job(code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse(os.path.exists(outside))
        record = self.record()
        self.assertEqual(record["status"], "failed")
        self.assertIsNone(record["exitCode"])
        self.assertIn("not unpacked", record["message"])
        self.assertIn("climbs out", record["message"])
        self.assertEqual(self.keys("daily-os/data/"), [])
        self.assertIn("Refused to unpack", self.log())

    def test_missing_code_is_recorded(self):
        result = self.run_job(code="s3://%s/daily-os/code/none.tar.gz" % self.code_bucket, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        record = self.record()
        self.assertEqual(record["status"], "failed")
        self.assertIn("Could not fetch the code", record["message"])

    def test_a_record_that_cannot_be_written_is_exit_1(self):
        code = self.upload_code({"run.sh": RUN_SH_OK})
        result = self.run_job(code=code, dest="s3://no-such-bucket-%d/daily-os" % os.getpid())
        self.assertEqual(result.returncode, 1)
        self.assertIn("could not write the run record", result.stderr)


class RunJobLocallyTest(RunJobCase):
    """The local backend's variant: a tarball on this computer and a local folder as DEST."""

    def test_local_code_and_local_folder(self):
        code = tarball(os.path.join(self.tmp, "job.tar.gz"), {"run.sh": RUN_SH_OK})
        dest = os.path.join(self.tmp, "published", "daily-os")
        result = self.run_job(code=code, dest=dest, run_id="2026-03-01T12-00-00Z")
        self.assertEqual(result.returncode, 0, result.stderr)
        found = sorted(os.path.relpath(os.path.join(d, f), dest) for d, _, fs in os.walk(dest) for f in fs)
        self.assertEqual(found, [
            "data/nested/part-0.csv.gz", "data/os.csv", "logs/2026-03-01T12-00-00Z.log.gz", "runs/2026-03-01T12-00-00Z.json",
            "runs/2026-03-01T12-00-00Z/data/nested/part-0.csv.gz", "runs/2026-03-01T12-00-00Z/data/os.csv",
        ])  # fmt: skip
        with open(os.path.join(dest, "runs", "2026-03-01T12-00-00Z.json")) as f:
            record = json.load(f)
        self.assertEqual(record["status"], "succeeded")
        self.assertEqual(record["log"], "daily-os/logs/2026-03-01T12-00-00Z.log.gz")
        self.assertEqual(record["output"], "daily-os/runs/2026-03-01T12-00-00Z/data/")
        with gzip.open(os.path.join(dest, "logs", "2026-03-01T12-00-00Z.log.gz"), "rt") as f:
            self.assertIn("did its work", f.read())

    def test_each_run_keeps_its_own_output_and_data_holds_the_latest_successful_set_alone(self):
        dest = os.path.join(self.tmp, "published", "daily-os")
        runs = (
            ("r1", "printf 'Linux\\t12\\n' > output/part-00000\nprintf 'x\\n' > output/only-in-r1"),
            ("r2", "printf 'Linux\\t15\\n' > output/part-00000"),
            # Fails after writing part of its output: data/ stays r2's set, whole.
            ("r3", "printf 'Linux\\t99\\n' > output/part-00000\nexit 1"),
        )
        for run_id, body in runs:
            code = tarball(os.path.join(self.tmp, "%s.tar.gz" % run_id), {"run.sh": "#!/bin/sh\nmkdir -p output\n%s\n" % body})
            result = self.run_job(code=code, dest=dest, run_id=run_id)
            self.assertEqual(result.returncode, 0, result.stderr)
        for run_id, count in (("r1", 12), ("r2", 15)):
            with open(os.path.join(dest, "runs", run_id, "data", "part-00000")) as f:
                self.assertEqual(f.read(), "Linux\t%d\n" % count)
        self.assertEqual(sorted(os.listdir(os.path.join(dest, "data"))), ["part-00000"])
        with open(os.path.join(dest, "data", "part-00000")) as f:
            self.assertEqual(f.read(), "Linux\t15\n")
        self.assertFalse(os.path.exists(os.path.join(dest, "runs", "r3", "data")))
        # No staging folder is left beside data/.
        self.assertEqual(sorted(os.listdir(dest)), ["data", "logs", "runs"])

    def test_a_package_naming_run_sh_twice_is_refused_and_neither_copy_runs(self):
        marker = os.path.join(self.tmp, "second-copy-ran")
        code = os.path.join(self.tmp, "twice.tar.gz")
        with tarfile.open(code, "w:gz") as tar:
            for text in (RUN_SH_OK, "#!/bin/sh\ntouch %s\n" % marker):
                info = tarfile.TarInfo("run.sh")
                info.size, info.mode = len(text.encode()), 0o755
                tar.addfile(info, io.BytesIO(text.encode()))
        dest = os.path.join(self.tmp, "published", "daily-os")
        result = self.run_job(code=code, dest=dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(dest, "runs", "r1.json")) as f:
            record = json.load(f)
        self.assertEqual(record["status"], "failed")
        self.assertRegex(record["message"], r"^The code tarball was not unpacked: Refused to unpack .*: run\.sh is in the archive twice")
        self.assertFalse(os.path.exists(marker))
        self.assertFalse(os.path.exists(os.path.join(dest, "data")))

    def test_the_command_line_is_the_jobs_own_and_nothing_else_is_pasted_in(self):
        # A hostile-looking job name is refused before anything runs; the command is run as written.
        code = tarball(os.path.join(self.tmp, "job.tar.gz"), {"run.sh": RUN_SH_OK})
        dest = os.path.join(self.tmp, "published", "x")
        marker = os.path.join(self.tmp, "marker")
        bad = self.run_job(code=code, dest=dest, job="x; touch %s" % marker)
        self.assertEqual(bad.returncode, 64)
        self.assertIn("--job must be a short slug", bad.stderr)
        self.assertFalse(os.path.exists(marker))
        self.assertFalse(os.path.exists(dest))
        ok = self.run_job(code=code, dest=dest, job="x", command="./run.sh && echo second-step")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        with gzip.open(os.path.join(dest, "logs", "r1.log.gz"), "rt") as f:
            self.assertIn("second-step", f.read())

    def test_an_output_folder_that_is_a_link_out_of_the_job_is_not_published(self):
        # The job makes output/ (or a folder on the way to it) a link to a secret folder, as
        # ~/.aws would be: nothing of it may reach DEST, and the record says why.
        secrets = os.path.join(self.tmp, "home", ".aws")
        os.makedirs(secrets)
        with open(os.path.join(secrets, "credentials"), "w") as f:
            f.write("[default]\naws_secret_access_key = hunter2\n")
        # run-job.sh makes the output folder before the command: the job replaces it.
        cases = [
            ("output", 'rm -r output\nln -s "$SECRETS" output', "left no output folder 'output'"),
            ("results/.aws", 'rm -r results\nln -s "$SECRETS/.." results', "'results/.aws' leads out of the job's folder through a link"),
        ]
        for n, (output_dir, run_sh, message) in enumerate(cases):
            code = tarball(os.path.join(self.tmp, "job%d.tar.gz" % n), {"run.sh": "#!/bin/sh\nset -e\n%s\n" % run_sh})
            dest = os.path.join(self.tmp, "published%d" % n, "leaky")
            result = self.run_job("--output-dir", output_dir, code=code, dest=dest, env={"SECRETS": secrets})
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(os.path.join(dest, "runs", "r1.json")) as f:
                record = json.load(f)
            self.assertEqual((record["status"], record["filesPublished"]), ("failed", 0), output_dir)
            self.assertIn(message, record["message"])
            self.assertFalse(os.path.exists(os.path.join(dest, "data")), output_dir)

    def test_bad_arguments_say_what_to_fix(self):
        code = tarball(os.path.join(self.tmp, "job.tar.gz"), {"run.sh": RUN_SH_OK})
        dest = os.path.join(self.tmp, "d")
        cases = [
            (["--output-dir", "../etc"], "--output-dir must not climb out"),
            (["--visibility", "world"], "--visibility must be public or private"),
        ]
        for extra, message in cases:
            result = self.run_job(*extra, code=code, dest=dest)
            self.assertEqual(result.returncode, 64, extra)
            self.assertIn(message, result.stderr)
        result = self.run_job(code=code, dest=dest, timeout_minutes="2000")
        self.assertIn("--timeout-minutes must be a whole number from 1 to 1440", result.stderr)
        result = self.run_job(code=code, dest=dest, command="./run.sh\nrm -rf /")
        self.assertIn("--command must be one line", result.stderr)


if __name__ == "__main__":
    unittest.main()
