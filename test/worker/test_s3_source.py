"""--data-dir s3://BUCKET/PREFIX against moto_server: the examples' output equals a run on the
same files on disk, listing prunes by the filter, the cache serves re-runs and stays within its
limit, and an unreadable source fails with exit code 4 naming bucket and identity.

Requests are counted on the server's side, from moto's request recorder."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import urllib.request

from . import moto_fixture
from .support import EXAMPLES_DIR, WORKER_DIR, RunnerTestCase, compress, make_filter, record
from .test_examples import EXAMPLES, generate

SLOW_DOWN = (503, "SlowDown", "Please reduce your request rate.")

COUNT_DATES = """
def map(key, dims, value, context):
    context.write(dims[5], 1)
def reduce(key, values, context):
    context.write(key, sum(values))
"""

OUTPUT_NAMES = {
    "os-distribution": "os-distribution.txt",
    "submissions-per-day": "submissions-per-day.txt",
    "slowsql": "slowsql.csv",
    "histogram-aggregation": "histogram-aggregation.txt",
}


class RecordingMoto(moto_fixture.MotoServer):
    """A moto_server that records every request it serves, to count them."""

    def __init__(self, recording):
        saved = {k: os.environ.get(k) for k in ("MOTO_RECORDER_FILEPATH", "MOTO_ENABLE_RECORDING")}
        os.environ["MOTO_RECORDER_FILEPATH"] = recording
        os.environ.pop("MOTO_ENABLE_RECORDING", None)
        try:
            super().__init__()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def api(self, path, body=b""):
        request = urllib.request.Request(self.endpoint + path, data=body, method="POST", headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.read()

    def start_recording(self):
        self.api("/moto-api/recorder/reset-recording")
        self.api("/moto-api/recorder/start-recording")

    def requests(self):
        """``(method, path, query)`` of every request since start_recording."""
        self.api("/moto-api/recorder/stop-recording")
        with urllib.request.urlopen(self.endpoint + "/moto-api/recorder/download-recording", timeout=10) as r:
            lines = r.read().decode().splitlines()
        found = []
        for line in lines:
            if not line.strip():
                continue
            entry = json.loads(line)
            url = urllib.parse.urlsplit(entry["url"])
            found.append((entry["method"], urllib.parse.unquote(url.path), url.query))
        return found

    def lists(self):
        return [path + "?" + query for method, path, query in self.requests() if method == "GET" and "list-type=2" in query]


def upload(s3, bucket, root, prefix):
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            s3.upload_file(path, bucket, prefix + os.path.relpath(path, root).replace(os.sep, "/"))


def gets(requests, bucket):
    """The keys read with GetObject."""
    return sorted(p[len(bucket) + 2 :] for m, p, q in requests if m == "GET" and p.startswith(f"/{bucket}/") and "list-type" not in q)


class ExamplesFromS3Test(unittest.TestCase):
    """The example jobs read the sample set from S3 and write what they write from disk."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="s3-examples-")
        cls.tmp = cls._tmp.name
        cls.moto = moto_fixture.MotoServer()
        cls.data = os.path.join(cls.tmp, "data")
        generate(cls.data, "--records", "600", "--seed", "11")
        s3 = cls.moto.client()
        s3.create_bucket(Bucket="samples")
        upload(s3, "samples", cls.data, "telemetry/v2/")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        cls._tmp.cleanup()

    def run_example(self, name, data_dir, out, *extra):
        env = dict(os.environ, **self.moto.env(), DATA_DIR=data_dir, OUTPUT_DIR=out, NUM_MAPPERS="2")
        env.pop("WORKBENCH_WORKER_DIR", None)
        done = subprocess.run(
            ["sh", os.path.join(EXAMPLES_DIR, name, "run.sh"), "--cache-dir", os.path.join(self.tmp, "cache"), *extra],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300,
        )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(os.path.join(out, OUTPUT_NAMES[name]), "rb") as f:
            return f.read(), done.stderr

    def test_every_example_gives_the_same_bytes_from_s3(self):
        for name in EXAMPLES:
            with self.subTest(name):
                local, _ = self.run_example(name, self.data, os.path.join(self.tmp, "local", name))
                remote, log = self.run_example(name, "s3://samples/telemetry/v2", os.path.join(self.tmp, "s3", name))
                self.assertTrue(local)
                self.assertEqual(remote, local)
                progress = [json.loads(line[len("@progress ") :]) for line in log.splitlines() if line.startswith("@progress ")]
                self.assertEqual(progress[-1]["phase"], "done")

    def test_spark_engine_gives_the_same_bytes_from_s3(self):
        name = "os-distribution"
        local, _ = self.run_example(name, self.data, os.path.join(self.tmp, "spark-local"), "--engine", "spark", "--spark-master", "local[2]")
        remote, _ = self.run_example(
            name, "s3://samples/telemetry/v2/", os.path.join(self.tmp, "spark-s3"), "--engine", "spark", "--spark-master", "local[2]"
        )
        self.assertTrue(local)
        self.assertEqual(remote, local)


DIMS = ("saved_session", "Firefox", "release", "30.0", "20140601000000")


class S3SourceTest(RunnerTestCase):
    @classmethod
    def setUpClass(cls):
        cls._recording = tempfile.TemporaryDirectory(prefix="moto-recording-")
        cls.moto = RecordingMoto(os.path.join(cls._recording.name, "requests.jsonl"))

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        cls._recording.cleanup()

    def setUp(self):
        super().setUp()
        self.s3 = self.moto.client()
        self.bucket = f"src-{self._testMethodName.replace('_', '-')[:40]}-{os.getpid()}".lower()
        self.s3.create_bucket(Bucket=self.bucket)
        self.env = self.moto.env()
        self.cache = os.path.join(self.tmp, "cache")
        self.keys = {}

    def put(self, dims, count, compression="gz", prefix="data/", body=None):
        date = dims[5]
        key = prefix + "/".join(dims[:4]) + f"/{dims[4]}.{date}.v2.log.{len(self.keys):0>32}.{compression}"
        lines = "".join(f"{date}-{i}\t{record()}\n" for i in range(count)).encode()
        data = body if body is not None else compress(lines, compression)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        self.keys[key] = len(data)
        return key

    def run_s3(self, spec=None, *extra, source=None, script=COUNT_DATES):
        return self.run_job(
            script, spec, "--cache-dir", self.cache, *extra, env=self.env, data_dir=source or f"s3://{self.bucket}/data"
        )

    def list_only(self, spec, source=None):
        done = self.run_runner(
            [sys.executable, "-m", "mapreduce.job", self.script(COUNT_DATES), "--input-filter", self.filter_file(spec),
             "--data-dir", source or f"s3://{self.bucket}/data", "--list-only"],
            env=self.env,
        )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def cached_files(self):
        found = []
        for folder, _dirs, names in os.walk(os.path.join(self.cache, "objects")):
            found += [os.path.join(folder, n) for n in names]
        return found

    def test_a_filter_that_matches_nothing_lists_only_what_it_must(self):
        for reason in ("saved_session", "idle_daily"):
            for app in ("Firefox", "Fennec"):
                self.put((reason, app, "release", "30.0", "20140601000000", "20140701"), 2)
        # Nothing has reason 'main': only the prefix itself is listed.
        self.moto.start_recording()
        listing = self.list_only(make_filter(["main"]))
        self.assertEqual(self.moto.lists(), [f"/{self.bucket}?list-type=2&prefix=data/&delimiter=/&encoding-type=url"])
        self.assertEqual(listing, {"files": 0, "bytes": 0, "first": [], "prefixesListed": 1})
        # saved_session, then no appName 'Thunderbird' under it: two prefixes.
        self.moto.start_recording()
        listing = self.list_only(make_filter(["saved-session"], "Thunderbird"))
        prefixes = sorted(urllib.parse.parse_qs(q.split("?", 1)[1])["prefix"][0] for q in self.moto.lists())
        self.assertEqual(prefixes, ["data/", "data/saved_session/"])
        self.assertEqual(listing["prefixesListed"], 2)
        self.assertEqual(listing["files"], 0)
        # A job with that filter writes no output and fetches nothing.
        self.moto.start_recording()
        result = self.run_s3(make_filter(["main"]))
        self.assertSucceeded(result)
        self.assertIsNone(result.output)
        self.assertEqual(gets(self.moto.requests(), self.bucket), [])

    def test_folders_every_value_passes_are_listed_in_one_go(self):
        wanted = [self.put((reason, app, "release", "30.0", "20140601000000", "20140701"), 1) for reason in ("saved_session", "idle_daily") for app in ("Firefox", "Fennec")]
        # Not data files where the layout puts them: a file one level too high, a README.
        self.s3.put_object(Bucket=self.bucket, Key="data/saved_session/Firefox/release/20140601000000.20140701.v2.log." + "0" * 32 + ".gz", Body=b"x")
        self.s3.put_object(Bucket=self.bucket, Key="data/saved_session/Firefox/release/30.0/README", Body=b"x")
        self.moto.start_recording()
        listing = self.list_only(make_filter())
        self.assertEqual(self.moto.lists(), [f"/{self.bucket}?list-type=2&prefix=data/&encoding-type=url"])
        self.assertEqual((listing["files"], listing["prefixesListed"]), (4, 1))
        self.assertEqual(listing["first"], sorted(wanted))
        self.moto.start_recording()
        listing = self.list_only(make_filter(["idle-daily"]))
        self.assertEqual(
            self.moto.lists(),
            [f"/{self.bucket}?list-type=2&prefix=data/&delimiter=/&encoding-type=url", f"/{self.bucket}?list-type=2&prefix=data/idle_daily/&encoding-type=url"],
        )
        self.assertEqual(listing["first"], sorted(k for k in wanted if "/idle_daily/" in k))

    def test_list_only_counts_what_the_filter_matches(self):
        a = self.put(DIMS + ("20140701",), 3)
        b = self.put(DIMS + ("20140702",), 4, "xz")
        self.put(("idle_daily",) + DIMS[1:] + ("20140701",), 5)
        listing = self.list_only(make_filter(["saved-session"]))
        self.assertEqual(listing["files"], 2)
        self.assertEqual(listing["bytes"], self.keys[a] + self.keys[b])
        self.assertEqual(listing["first"], sorted([a, b]))

    def test_a_rerun_reads_the_cache_without_fetching(self):
        keys = [self.put(DIMS + (f"201407{d:02}",), d) for d in range(1, 6)]
        self.moto.start_recording()
        first = self.run_s3()
        self.assertSucceeded(first)
        self.assertEqual(gets(self.moto.requests(), self.bucket), sorted(keys))
        expected = sorted(f"201407{d:02}\t{d}" for d in range(1, 6))
        self.assertEqual(sorted(first.lines()), expected)
        self.assertEqual(first.progress()[-1]["fetched_bytes"], sum(self.keys.values()))
        self.moto.start_recording()
        second = self.run_s3()
        self.assertSucceeded(second)
        self.assertEqual(gets(self.moto.requests(), self.bucket), [])
        self.assertEqual(second.output, first.output)
        self.assertEqual(second.progress()[-1]["fetched_bytes"], 0)

    def test_a_changed_object_is_fetched_again(self):
        key = self.put(DIMS + ("20140701",), 3)
        self.assertSucceeded(self.run_s3())
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=compress(b"x\t{}\ny\t{}\nz\t{}\nw\t{}\n", "gz"))
        self.moto.start_recording()
        result = self.run_s3()
        self.assertSucceeded(result)
        self.assertEqual(gets(self.moto.requests(), self.bucket), [key])
        self.assertEqual(result.output, "20140701\t4\n")

    def test_the_cache_is_kept_within_its_limit_least_recently_used_first(self):
        old = [self.put(("saved_session",) + DIMS[1:] + (f"201407{d:02}",), 400) for d in range(1, 4)]
        new = [self.put(("idle_daily",) + DIMS[1:] + (f"201407{d:02}",), 400) for d in range(1, 4)]
        old_bytes = sum(self.keys[k] for k in old)
        new_bytes = sum(self.keys[k] for k in new)
        # Room for either set, and for no file of the other beside it.
        limit_gb = (max(old_bytes, new_bytes) + 100) / (1 << 30)
        limit = ["--cache-size-gb", repr(limit_gb)]
        self.assertSucceeded(self.run_s3(make_filter(["saved-session"]), *limit))
        self.assertEqual(len(self.cached_files()), 3)
        self.assertSucceeded(self.run_s3(make_filter(["idle-daily"]), *limit))
        self.assertLessEqual(sum(os.path.getsize(p) for p in self.cached_files()), limit_gb * (1 << 30))
        self.moto.start_recording()
        self.assertSucceeded(self.run_s3(make_filter(["idle-daily"]), *limit))
        self.assertEqual(gets(self.moto.requests(), self.bucket), [])
        self.moto.start_recording()
        self.assertSucceeded(self.run_s3(make_filter(["saved-session"]), *limit))
        self.assertEqual(gets(self.moto.requests(), self.bucket), sorted(old))

    def test_a_job_larger_than_the_cache_keeps_its_files_until_it_ends(self):
        self.put(DIMS + ("20140701",), 300)
        self.put(DIMS + ("20140702",), 200)
        result = self.run_s3(None, "--cache-size-gb", "0", "--num-mappers", "1")
        self.assertSucceeded(result)
        self.assertEqual(sorted(result.lines()), ["20140701\t300", "20140702\t200"])
        self.assertEqual(self.cached_files(), [])

    def test_entries_pinned_by_a_running_job_are_not_evicted(self):
        key = self.put(DIMS + ("20140701",), 50)
        self.assertSucceeded(self.run_s3())
        [entry] = self.cached_files()
        # Another job (a process holding the cache open with this entry pinned) runs meanwhile.
        holder = subprocess.Popen(
            [sys.executable, "-c", PIN_AND_WAIT, self.cache, os.path.relpath(entry, os.path.join(self.cache, "objects")), str(self.keys[key])],
            env=dict(os.environ, PYTHONPATH=WORKER_DIR), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            self.assertEqual(holder.stdout.readline().strip(), "pinned")
            self.put(("idle_daily",) + DIMS[1:] + ("20140701",), 5)
            self.assertSucceeded(self.run_s3(make_filter(["idle-daily"]), "--cache-size-gb", "0"))
            self.assertTrue(os.path.isfile(entry))
        finally:
            holder.stdin.close()
            holder.wait(10)
            holder.stdout.close()
        self.assertSucceeded(self.run_s3(make_filter(["idle-daily"]), "--cache-size-gb", "0"))
        self.assertFalse(os.path.exists(entry))

    def test_what_a_killed_job_left_is_never_read_and_is_cleared(self):
        self.put(DIMS + ("20140701",), 3)
        self.assertSucceeded(self.run_s3())
        # A job on another machine sharing nothing: its pin file is unlocked, its download half done.
        os.makedirs(os.path.join(self.cache, "tmp"), exist_ok=True)
        left = [os.path.join(self.cache, "pins", "gone-host-1"), os.path.join(self.cache, "tmp", "gone-host-1.0")]
        for path in left:
            with open(path, "w") as f:
                f.write("half")
        [entry] = self.cached_files()
        with open(entry, "r+b") as f:  # an entry of the wrong size (cut short) is not trusted
            f.truncate(10)
        self.moto.start_recording()
        result = self.run_s3()
        self.assertSucceeded(result)
        self.assertEqual(result.output, "20140701\t3\n")
        self.assertEqual(len(gets(self.moto.requests(), self.bucket)), 1)
        for path in left:
            self.assertFalse(os.path.exists(path), path)

    def test_a_key_deleted_mid_run_is_a_bad_file_and_the_job_goes_on(self):
        big = [self.put(DIMS + (f"201407{d:02}",), 1, body=big_file(d)) for d in range(1, 6)]
        doomed = self.put(DIMS + ("20140709",), 2)
        script = DELETE_ON_FIRST_MAP.format(endpoint=self.moto.endpoint, bucket=self.bucket, key=doomed, marker=os.path.join(self.tmp, "deleted"))
        result = self.run_s3(None, "--fetch-threads", "1", "--num-mappers", "1", script=script)
        self.assertSucceeded(result)
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "deleted")))
        self.assertIn(f"Bad file: s3://{self.bucket}/{doomed}: it was deleted after it was listed", result.stderr)
        self.assertEqual(sorted(result.lines()), sorted(f"201407{d:02}\t{BIG_LINES}" for d in range(1, 6)))
        final = result.progress()[-1]
        self.assertEqual((final["bad_files"], final["files_done"], final["files_total"]), (1, 6, 6))
        self.assertEqual(len(big), 5)

    def test_a_damaged_object_is_named_by_its_s3_address(self):
        good = self.put(DIMS + ("20140701",), 3)
        whole = compress(b"".join(b"k%d\t{}\n" % i for i in range(500)), "gz")
        bad = self.put(DIMS + ("20140702",), 0, body=whole[: len(whole) // 2])
        result = self.run_s3()
        self.assertSucceeded(result)
        self.assertIn(f"Bad file: s3://{self.bucket}/{bad}: EOFError", result.stderr)
        # Only the line about the cache itself names the cache; no report of a file does.
        self.assertEqual([line for line in result.stderr.splitlines() if self.cache in line and "; cache " not in line], [])
        self.assertIn("20140701\t3", result.lines())
        self.assertEqual(result.progress()[-1]["bad_files"], 1)
        self.assertTrue(good)

    def test_a_missing_bucket_exits_4_naming_bucket_and_identity(self):
        result = self.run_s3(source="s3://no-such-bucket-here/data")
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assertIn("s3://no-such-bucket-here: no such bucket", result.stderr)
        self.assertIn("arn:aws:sts::123456789012:user/moto", result.stderr)
        self.assertIsNone(result.output)

    def test_bad_sources_are_refused_saying_what_to_write(self):
        result = self.run_s3(source="s3://")
        self.assertEqual(result.returncode, 1)
        self.assertIn("write s3://BUCKET or s3://BUCKET/PREFIX", result.stderr)
        result = self.run_s3(None, "--delete-data")
        self.assertEqual(result.returncode, 1)
        self.assertIn("--delete-data deletes local input files", result.stderr)


# Lines in each big file: few, long and incompressible, so fetching them takes a while.
BIG_LINES = 4


def big_file(seed):
    import random

    rng = random.Random(seed)
    lines = "".join(f"{i}\t{{\"pad\": \"{rng.randbytes(1_500_000).hex()}\"}}\n" for i in range(BIG_LINES))
    return compress(lines.encode(), "gz")


DELETE_ON_FIRST_MAP = """
import os
import boto3

s3 = boto3.client("s3", endpoint_url={endpoint!r})

def map(key, dims, value, context):
    if not os.path.exists({marker!r}):
        s3.delete_object(Bucket={bucket!r}, Key={key!r})
        open({marker!r}, "w").close()
    context.write(dims[5], 1)

def reduce(key, values, context):
    context.write(key, sum(values))
"""

PIN_AND_WAIT = """
import sys
from mapreduce.cache import Cache
cache = Cache(sys.argv[1], 0)
cache.open([(sys.argv[2], int(sys.argv[3]))])
print("pinned", flush=True)
sys.stdin.read()
"""


class RefusingS3:
    """An S3 endpoint on 127.0.0.1 that refuses every S3 request the way S3 does (``denied``:
    403 AccessDenied; ``region``: 301 PermanentRedirect naming the bucket's region) and answers
    STS GetCallerIdentity. moto cannot show these: its IAM checks reject the signature of any
    request whose query holds a '/', which every listing by the layout's levels does."""

    ARN = "arn:aws:iam::111122223333:user/analyst"

    def __init__(self, mode):
        import http.server
        import threading

        arn = self.ARN
        self.requests = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body, headers=()):
                data = body.encode()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                seen.append(("POST", self.path, body))
                self.reply(
                    200,
                    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
                    f"<Arn>{arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account></GetCallerIdentityResult>"
                    "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                )

            def do_GET(self):
                seen.append(("GET", self.path, ""))
                if mode == "denied":
                    self.reply(403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>")
                else:
                    self.reply(
                        301,
                        "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed "
                        "using the specified endpoint.</Message><Endpoint>s3.eu-west-1.amazonaws.com</Endpoint>"
                        "<Bucket>private-data</Bucket><RequestId>1</RequestId></Error>",
                        [("x-amz-bucket-region", "eu-west-1")],
                    )

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def env(self):
        return {**moto_fixture.KEYS, "AWS_ENDPOINT_URL": self.endpoint}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


class RetryTest(moto_fixture.UsesMoto, RunnerTestCase):
    """Throttling and a body cut short are retried; the job reads every file whole."""

    def test_throttling_and_a_cut_off_body_are_retried(self):
        s3 = self.moto.client()
        s3.create_bucket(Bucket="flaky")
        keys = []
        for d in range(1, 4):
            key = "data/" + "/".join(DIMS) + f".201407{d:02}.v2.log.{d:0>32}.gz"
            lines = "".join(f"r{i}\t{record()}\n" for i in range(200 * d)).encode()
            s3.put_object(Bucket="flaky", Key=key, Body=compress(lines, "gz"))
            keys.append(key)
        left = {"throttle": 2, "cut": 2}

        def fault(_path):
            # The first two object reads are throttled, the next two cut off halfway.
            for kind, answer in (("throttle", SLOW_DOWN), ("cut", "cut")):
                if left[kind]:
                    left[kind] -= 1
                    return answer
            return None

        proxy = moto_fixture.FaultProxy(self.moto.endpoint, fault)
        try:
            env = {**self.moto.env(), "AWS_ENDPOINT_URL": proxy.endpoint}
            result = self.run_job(
                COUNT_DATES, None, "--cache-dir", os.path.join(self.tmp, "cache"), "--fetch-threads", "1", env=env, data_dir="s3://flaky/data"
            )
        finally:
            proxy.stop()
        self.assertSucceeded(result)
        self.assertEqual(sorted(result.lines()), ["20140701\t200", "20140702\t400", "20140703\t600"])
        self.assertEqual(result.progress()[-1]["bad_files"], 0)
        faults = [fault for _, fault in proxy.object_reads]
        self.assertEqual(faults.count(SLOW_DOWN), 2)
        self.assertEqual(faults.count("cut"), 2)
        self.assertEqual(faults.count(None), 3)


class UnreadableSourceTest(RunnerTestCase):
    def run_against(self, mode):
        server = RefusingS3(mode)
        try:
            result = self.run_job(
                COUNT_DATES, None, "--cache-dir", os.path.join(self.tmp, "cache"), env=server.env(), data_dir="s3://private-data/data"
            )
        finally:
            server.stop()
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assertIsNone(result.output)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "cache", "objects")) and os.listdir(os.path.join(self.tmp, "cache", "objects")))
        return result

    def test_access_denied_exits_4_naming_bucket_identity_and_the_permission(self):
        result = self.run_against("denied")
        self.assertIn(f"s3://private-data: access denied to {RefusingS3.ARN}", result.stderr)
        self.assertIn("s3:ListBucket on arn:aws:s3:::private-data", result.stderr)

    def test_a_bucket_in_another_region_exits_4_naming_its_region(self):
        result = self.run_against("region")
        self.assertIn("s3://private-data: the bucket is in eu-west-1; set the region to it", result.stderr)
        self.assertIn("not us-east-1", result.stderr)


if __name__ == "__main__":
    unittest.main()
