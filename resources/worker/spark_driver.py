#!/usr/bin/env python3
"""spark_driver.py: the entry point of a scheduled Spark run on EMR Serverless.

  spark_driver.py --spec SPEC (--scheduled-for ISO | --run-id RUNID)

EventBridge Scheduler calls EMR Serverless StartJobRun with this file (uploaded by the app
beside the job's package in the code bucket) as the sparkSubmit entry point. SPEC is the run's
description as the app wrote it (s3://code-bucket/JOB/code/spark-run-SHA.json, or a local
file): the same fields as an EC2 run's run.json (see scheduled_run.py): "job", "region",
"kit", "code", "command", "outputDir", "timeoutMinutes", "publish", "visibility", and
optionally "records", "dataDir", "alertTopic", "metricNamespace" (and "timeoutSeconds", finer
than minutes, as run-job.sh takes it). The run id is made from the scheduled time as on EC2, so a
run's id is the same however often its trigger is retried.

EMR Serverless ends the job run at the job's timeout (executionTimeoutMinutes). The command gets
what is left of it once the driver is up, less a margin (a minute, or a tenth of the timeout
when less), so a run that takes too long is stopped by run-job.sh first and still leaves its
timed-out record, log and alert.

It starts the Spark session (its master is the one spark-submit gave it: EMR Serverless' own,
or local[N] when run by hand), fetches the worker kit and hands the run to run-job.sh, exactly
as a scheduled EC2 instance does: the package is fetched and unpacked by safe_extract.py (no
absolute paths, no ../, no links), its command runs under the job's timeout, a public run's
output passes the publish guard, and the output, the log and the run record land in S3 where
EC2 runs put them, with the alert and the RunSucceeded metric. So history, alerts and the
guard work the same.

The package's command runs in a shell as always; only its runner call (`python3 -m
mapreduce.job ...`) runs here, in this Spark session: the command's PATH starts with a folder
whose `python3` is this file (--as-python3), which hands such a call to this process over a
Unix socket, with its working folder, its arguments and its stderr (the run's log), and exits
with the runner's exit code. Every other python3 call goes to the real interpreter. The runner
is the package's own (its mapreduce/ folder), shipped to the executors with addPyFile, and is
told the session's master, so its log says where it ran. If the command is stopped (its
timeout), the Spark jobs it started are cancelled.

Python 3.9 (EMR 7's), standard library, pyspark and boto3 only. Exit 0 when the run record was
written (whatever the run's status, which the record says), 1 when it could not be, 64 on bad
arguments.
"""
import argparse
import array
import datetime
import json
import os
import re
import select
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile

SOCKET_VARIABLE = "WORKBENCH_SPARK_SOCKET"
# Seconds kept back from the job's timeout for run-job.sh to write the log and the record of a
# run that timed out, before EMR Serverless ends the whole job run (executionTimeoutMinutes);
# a tenth of the timeout when that is less.
RECORD_MARGIN_S = 60
RUNNER_CALL = ["-m", "mapreduce.job"]


# --- the python3 of the package's command --------------------------------------------------


def as_python3(args):
    """Hands a runner call to the driver; runs any other python3 call with the real interpreter."""
    where = os.environ.get(SOCKET_VARIABLE)
    if args[:2] != RUNNER_CALL or not where:
        os.execv(sys.executable, [sys.executable] + args)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(where)
    request = json.dumps({"cwd": os.getcwd(), "argv": args[2:]}).encode() + b"\n"
    # The runner writes to this call's own stderr (the run's log), passed as a descriptor.
    conn.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [2]))])
    answer = b""
    while not answer.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            sys.stderr.write("spark_driver: the Spark driver ended before the job did\n")
            return 1
        answer += chunk
    return int(json.loads(answer.decode())["code"])


# --- the driver ------------------------------------------------------------------------------


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_s3(url):
    bucket, _, key = url[len("s3://"):].partition("/")
    return bucket, key


def read_spec(where):
    if where.startswith("s3://"):
        import boto3

        bucket, key = split_s3(where)
        return json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode())
    with open(where) as f:
        return json.load(f)


def claim(spec, run_id):
    """Whether this job run is the one to run a scheduled run: the first to write its claim
    (RDEST/runs/RUNID.claim, written only if absent) is. EMR Serverless' clientToken may not
    hold the scheduled time (no ':' allowed), so two deliveries of one trigger could start two
    job runs; the second stops here. A destination off S3, or an S3 client too old for
    conditional writes, is not claimed."""
    where = spec.get("records") or spec["publish"]
    if not where.startswith("s3://"):
        return True
    import boto3
    import botocore.exceptions

    bucket, prefix = split_s3(where)
    body = json.dumps({"runId": run_id, "claimedAt": now_iso()}).encode()
    try:
        boto3.client("s3").put_object(Bucket=bucket, Key="%s/runs/%s.claim" % (prefix, run_id), Body=body, IfNoneMatch="*")
    except botocore.exceptions.ParamValidationError:
        return True
    except botocore.exceptions.ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
            return False
        sys.stderr.write("spark_driver: could not claim run %s (%s); running it all the same\n" % (run_id, err))
    return True


def fetch_kit(url, kit_dir):
    """run-job.sh and its helpers, from the app's own archive (in S3, or a file when run by hand);
    names are checked all the same."""
    local = os.path.join(kit_dir, "kit.tar.gz")
    if url.startswith("s3://"):
        import boto3

        bucket, key = split_s3(url)
        boto3.client("s3").download_file(bucket, key, local)
    else:
        shutil.copyfile(url, local)
    with tarfile.open(local, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or "/" in member.name or member.name.startswith("."):
                raise ValueError("unexpected entry %r in the worker kit" % member.name)
        tar.extractall(kit_dir)
    return os.path.join(kit_dir, "run-job.sh")


def failure_record(spec, run_id, scheduled, started, message):
    """The run record of a run that could not reach run-job.sh, in run-job.sh's format."""
    import boto3

    bucket, prefix = split_s3(spec.get("records") or spec["publish"])
    record = {
        "version": 1, "job": spec["job"], "runId": run_id, "scheduledFor": scheduled or None,
        "startedAt": started, "endedAt": now_iso(), "exitCode": None, "timedOut": False, "status": "failed",
        "filesPublished": 0, "bytesPublished": 0, "guardFindings": [],
        "log": "%s/logs/%s.log.gz" % (prefix, run_id), "output": "%s/runs/%s/data/" % (split_s3(spec["publish"])[1], run_id), "message": message,
    }  # fmt: skip
    boto3.client("s3").put_object(Bucket=bucket, Key="%s/runs/%s.json" % (prefix, run_id), Body=json.dumps(record).encode(), ContentType="application/json")
    topic = spec.get("alertTopic")
    try:
        if topic:
            boto3.client("sns", region_name=topic.split(":")[3]).publish(
                TopicArn=topic, Subject=("Analysis Workbench: %s failed" % spec["job"])[:100],
                Message="The scheduled job %s failed.\n\nJob: %s\nRun: %s\nStatus: failed\nScheduled for: %s\nMessage: %s\n" % (spec["job"], spec["job"], run_id, scheduled or "-", message),
            )  # fmt: skip
        if spec.get("metricNamespace"):
            datum = {"MetricName": "RunSucceeded", "Dimensions": [{"Name": "Job", "Value": spec["job"]}], "Value": 0.0, "Unit": "Count"}
            boto3.client("cloudwatch").put_metric_data(Namespace=spec["metricNamespace"], MetricData=[datum])
    except Exception as err:  # alerts are best effort, as in run-job.sh
        sys.stderr.write("could not send the alert or the metric: %s\n" % err)


def command_seconds(spec, elapsed):
    """The command's timeout: what is left of the job's once the driver has started, less the margin."""
    budget = int(spec.get("timeoutSeconds") or int(spec["timeoutMinutes"]) * 60)
    return max(1, int(budget - elapsed - min(RECORD_MARGIN_S, budget // 10)))


def run_job_argv(run_job, spec, run_id, scheduled, log, work, timeout_s):
    argv = ["sh", run_job, "--job", spec["job"], "--run-id", run_id, "--code", spec["code"], "--command", spec["command"],
            "--output-dir", spec["outputDir"], "--timeout-minutes", str(spec["timeoutMinutes"]), "--publish", spec["publish"],
            "--visibility", spec["visibility"], "--log", log, "--work-dir", work, "--timeout-seconds", str(timeout_s)]  # fmt: skip
    for option, field in (("--data-dir", "dataDir"), ("--records", "records"), ("--alert-topic", "alertTopic"), ("--metric-namespace", "metricNamespace")):
        if spec.get(field):
            argv += [option, spec[field]]
    if scheduled:
        argv += ["--scheduled-for", scheduled]
    return argv


def with_master(argv, master):
    """The runner's arguments with --engine spark and --spark-master naming this session's master."""
    out = []
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == "--spark-master":
            skip = i + 1 < len(argv)
            continue
        if arg.startswith("--spark-master="):
            continue
        out.append(arg)
    if "--engine" in out or any(a.startswith("--engine=") for a in out):
        return out + ["--spark-master", master]
    return out


def zip_runner(package_dir, into):
    """The package's mapreduce/ folder as a zip for the executors' Python path."""
    path = os.path.join(into, "mapreduce-%d.zip" % len(os.listdir(into)))
    root = os.path.join(package_dir, "mapreduce")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if name.endswith(".py"):
                    full = os.path.join(folder, name)
                    z.write(full, os.path.relpath(full, package_dir))
    return path


class Session:
    """Runs the runner calls of the package's command in this process's Spark session."""

    def __init__(self, spark, scratch):
        self.spark = spark
        self.scratch = scratch

    def serve(self, conn):
        data, fds, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(array.array("i", [0]).itemsize))
        while not data.endswith(b"\n"):
            more = conn.recv(65536)
            if not more:
                return
            data += more
        stderr_fd = None
        for level, kind, payload in fds:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                stderr_fd = array.array("i", payload[: array.array("i").itemsize])[0]
        request = json.loads(data.decode())
        out = os.fdopen(stderr_fd, "w", buffering=1) if stderr_fd is not None else sys.stderr
        try:
            code = self.run(request["cwd"], request["argv"], out, conn)
        except BaseException as err:  # the answer must go back whatever happened
            out.write("spark_driver: the runner could not run here: %s\n" % err)
            code = 1
        finally:
            if out is not sys.stderr:
                out.close()
        try:
            conn.sendall(json.dumps({"code": code}).encode() + b"\n")
        except OSError:
            pass  # the command was stopped (its timeout); its record says so

    def run(self, cwd, argv, out, conn):
        sc = self.spark.sparkContext
        for name in [m for m in sys.modules if m == "mapreduce" or m.startswith("mapreduce.")]:
            del sys.modules[name]
        sys.path.insert(0, cwd)
        saved = (os.getcwd(), sys.stdout, sys.stderr)
        stopped = threading.Event()
        watcher = threading.Thread(target=self.watch, args=(conn, stopped), daemon=True)
        try:
            os.chdir(cwd)
            sys.stdout = sys.stderr = out
            sc.addPyFile(zip_runner(cwd, self.scratch))
            import mapreduce.job as runner

            watcher.start()
            return runner.main(with_master(argv, sc.master))
        finally:
            stopped.set()
            os.chdir(saved[0])
            sys.stdout, sys.stderr = saved[1], saved[2]
            sys.path.remove(cwd)

    def watch(self, conn, stopped):
        """The command gone before the runner ended (its timeout stopped it): cancel the Spark jobs."""
        while not stopped.is_set():
            ready, _, _ = select.select([conn], [], [], 1.0)
            if ready and not stopped.is_set():
                try:
                    gone = conn.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    gone = True
                if gone:
                    self.spark.sparkContext.cancelAllJobs()
                    return


def parse_args(argv):
    p = argparse.ArgumentParser(prog="spark_driver.py", description="One scheduled Spark run of a package on EMR Serverless.")
    p.add_argument("--spec", required=True, help="the run's spec: s3://BUCKET/KEY.json or a file")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--scheduled-for", help="the time the run was due (ISO, from EventBridge Scheduler)")
    which.add_argument("--run-id", help="the id of a run started by hand")
    args = p.parse_args(argv)
    if args.run_id is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", args.run_id):
        p.error("--run-id must be letters, digits, '.', '_' or '-'")
    if args.scheduled_for is not None and not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z?$", args.scheduled_for):
        p.error("--scheduled-for must be an ISO time such as 2026-01-31T12:00:00Z")
    return args


def main(argv):
    if argv[:1] == ["--as-python3"]:
        return as_python3(argv[1:])
    try:
        args = parse_args(argv)
    except SystemExit as e:
        return 64 if e.code else 0
    started, clock = now_iso(), time.monotonic()
    spec = read_spec(args.spec)
    os.environ.setdefault("AWS_DEFAULT_REGION", spec["region"])
    scheduled = args.scheduled_for or ""
    run_id = args.run_id or re.sub(r"[^A-Za-z0-9.-]", "-", scheduled)
    if scheduled and not claim(spec, run_id):
        print("run %s of %s is run by another job run of the same trigger; this one stops" % (run_id, spec["job"]))
        return 0

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("workbench %s" % spec["job"]).getOrCreate()
    scratch = tempfile.mkdtemp(prefix="workbench-spark-")
    try:
        try:
            run_job = fetch_kit(spec["kit"], scratch)
        except Exception as err:  # anything at all: the record must say why
            failure_record(spec, run_id, scheduled, started, "The Spark driver could not fetch the worker kit: %s" % err)
            return 0
        shim = os.path.join(scratch, "bin")
        os.mkdir(shim)
        with open(os.path.join(shim, "python3"), "w") as f:
            f.write("#!/bin/sh\nexec %s %s --as-python3 \"$@\"\n" % (shlex.quote(sys.executable), shlex.quote(os.path.abspath(__file__))))
        os.chmod(os.path.join(shim, "python3"), 0o755)
        work = os.path.join(scratch, "work")
        os.mkdir(work)
        log = os.path.join(scratch, "run.log")
        where = os.path.join(scratch, "session.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(where)
        server.listen(4)
        server.settimeout(1.0)
        env = dict(os.environ, PATH=shim + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"), **{SOCKET_VARIABLE: where})
        timeout_s = command_seconds(spec, time.monotonic() - clock)
        proc = subprocess.Popen(run_job_argv(run_job, spec, run_id, scheduled, log, work, timeout_s), env=env, stdin=subprocess.DEVNULL)
        session = Session(spark, scratch)
        while proc.poll() is None:
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            with conn:
                session.serve(conn)
        server.close()
        return 0 if proc.returncode == 0 else 1
    finally:
        spark.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
