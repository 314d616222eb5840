"""Remote input with --bucket: the boto3 requirement, and listing/fetching against moto_server."""

import os

from . import moto_fixture
from .support import WORKER_DIR, RunnerTestCase, compress, make_filter, record

COUNT_KEYS = """
def map(key, dims, value, context):
    context.write(dims[5], 1)
def reduce(key, values, context):
    context.write(key, sum(values))
"""

DIMS = ("saved_session", "Firefox", "release", "30.0", "20140601000000")


class WithoutBoto3Test(RunnerTestCase):
    def setUp(self):
        super().setUp()
        self.data.add(DIMS + ("20140701",), [f"u\t{record()}"])
        fake = os.path.join(self.tmp, "fake", "boto3")
        os.makedirs(fake)
        with open(os.path.join(fake, "__init__.py"), "w") as f:
            f.write("raise ImportError('boto3 is hidden for this test')\n")
        self.env = {"PYTHONPATH": os.pathsep.join([os.path.dirname(fake), WORKER_DIR])}

    def test_bucket_needs_boto3(self):
        result = self.run_job(COUNT_KEYS, None, "--bucket", "some-bucket", env=self.env)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("--bucket needs the boto3 package", result.stderr)
        self.assertIsNone(result.output)

    def test_local_only_ignores_the_bucket(self):
        result = self.run_job(COUNT_KEYS, None, "--bucket", "some-bucket", "--local-only", env=self.env)
        self.assertSucceeded(result)
        self.assertEqual(result.output, "20140701\t1\n")


class MotoBucketTest(moto_fixture.UsesMoto, RunnerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls.moto.endpoint

    def setUp(self):
        super().setUp()
        self.env = self.moto.env()
        s3 = self.moto.client("s3")
        self.bucket = f"telemetry-{os.getpid()}-{id(self)}"
        s3.create_bucket(Bucket=self.bucket)

        def put(reason, date, count, compression="xz"):
            key = f"{reason}/Firefox/release/30.0/20140601000000.{date}.v2.log.{date:0>32}.{compression}"
            lines = "".join(f"{date}-{i}\t{record()}\n" for i in range(count)).encode()
            s3.put_object(Bucket=self.bucket, Key=key, Body=compress(lines, compression))
            return key

        self.matching = [put("saved_session", "20140701", 3), put("saved_session", "20140702", 4, "gz")]
        self.other = put("idle_daily", "20140701", 5)
        # Also present locally (2 records there, 3 in the bucket): read from
        # the data dir, not fetched.
        self.local = put("saved_session", "20140703", 3)
        local_path = os.path.join(self.data.root, *self.local.split("/"))
        os.makedirs(os.path.dirname(local_path))
        with open(local_path, "wb") as f:
            f.write(compress(b"l1\t{}\nl2\t{}\n", "xz"))

    def test_matching_remote_files_are_fetched_and_read(self):
        work = os.path.join(self.tmp, "work")
        spec = make_filter(["saved-session"])
        result = self.run_job(COUNT_KEYS, spec, "--bucket", self.bucket, "--work-dir", work, env=self.env)
        self.assertSucceeded(result)
        self.assertEqual(sorted(result.lines()), ["20140701\t3", "20140702\t4", "20140703\t2"])
        cache = os.path.join(work, "cache")
        for key in self.matching:
            self.assertTrue(os.path.isfile(os.path.join(cache, *key.split("/"))), key)
        for key in (self.other, self.local):
            self.assertFalse(os.path.exists(os.path.join(cache, *key.split("/"))), key)

        # The cache is a data dir of its own for later runs.
        again = self.run_job(COUNT_KEYS, spec, "--local-only", data_dir=cache)
        self.assertSucceeded(again)
        self.assertEqual(sorted(again.lines()), ["20140701\t3", "20140702\t4"])

    def test_missing_bucket_is_a_clear_error(self):
        result = self.run_job(COUNT_KEYS, None, "--bucket", "no-such-bucket-here", env=self.env)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("S3 bucket no-such-bucket-here", result.stderr)
        self.assertIn("NoSuchBucket", result.stderr)
