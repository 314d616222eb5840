"""run-job.sh --data-dir s3://BUCKET/PREFIX: passed to the job as it is, checked for shape, never
looked for as a folder."""

import gzip
import os

from .test_run_job import RunJobCase, tarball
from .test_run_job_env import RUN_SH_ENV


class RunJobS3DataTest(RunJobCase):
    def setUp(self):
        super().setUp()
        self.dest = os.path.join(self.tmp, "published", "s3-data-job")
        self.code = tarball(os.path.join(self.tmp, "env.tar.gz"), {"run.sh": RUN_SH_ENV})

    def test_an_s3_data_dir_reaches_the_job_as_given(self):
        result = self.run_job("--data-dir", "s3://telemetry-data/v2/", code=self.code, dest=self.dest, command="sh run.sh")
        self.assertEqual(result.returncode, 0, result.stderr)
        runs = os.path.join(self.dest, "runs", "r1", "data", "env.txt")
        with open(runs) as f:
            seen = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
        self.assertEqual(seen["DATA_DIR"], "s3://telemetry-data/v2/")
        with gzip.open(os.path.join(self.dest, "logs", "r1.log.gz"), "rt") as f:
            log = f.read()
        self.assertIn("data in S3: s3://telemetry-data/v2/", log)
        self.assertNotIn("does not exist", log)

    def test_a_bad_s3_data_dir_says_what_to_write(self):
        cases = [
            ("s3://a", "--data-dir must be s3://BUCKET or s3://BUCKET/PREFIX with a valid bucket name"),
            ("s3://bad bucket/x", "--data-dir must be s3://BUCKET or s3://BUCKET/PREFIX with a valid bucket name"),
            ("s3://", "--data-dir must be an absolute path, such as /data/telemetry, or s3://BUCKET/PREFIX"),
            ("s3:/one-slash", "--data-dir must be an absolute path, such as /data/telemetry, or s3://BUCKET/PREFIX"),
        ]
        for bad, message in cases:
            result = self.run_job("--data-dir", bad, code=self.code, dest=self.dest)
            self.assertEqual(result.returncode, 64, bad)
            self.assertIn(message, result.stderr)
        self.assertFalse(os.path.exists(self.dest))
