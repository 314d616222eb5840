#!/usr/bin/env python3
"""run_job_io.py: the storage side of run-job.sh, for S3 (boto3) and for a local folder alike.

  run_job_io.py fetch SRC FILE            copy the code tarball (s3://bucket/key or a path) to FILE
  run_job_io.py publish DIR DEST RUNID    publish DIR's files to DEST/runs/RUNID/data/, then make them
                                          DEST/data/ (replaced whole); prints {"files", "bytes"}
  run_job_io.py record FILE --job ... [fields]  write the run record (JSON) from run-job.sh's facts
  run_job_io.py finish DEST LOG RECORD    gzip LOG to DEST/logs/RUNID.log.gz, then RECORD (a JSON
                                          file, the run record) to DEST/runs/RUNID.json
  run_job_io.py notify TOPIC DEST RECORD  publish a short alert about the run in RECORD to the SNS
                                          topic TOPIC (an ARN): job, run id, status, message and
                                          where its log is, never the log itself
  run_job_io.py metric NAMESPACE RECORD   put the CloudWatch metric RunSucceeded (dimension Job):
                                          1 when the run in RECORD succeeded, else 0

DEST is s3://bucket/prefix (the job's prefix, usually the job name) or a local folder; both get
the same layout: DEST/runs/RUNID/data/ (each run's output in its own folder, so earlier runs stay
readable beside it), DEST/data/ (the latest successful run's files and nothing else: a consumer
of DEST/data/ gets one run's set, never files of two runs side by side), DEST/logs/RUNID.log.gz,
DEST/runs/RUNID.json. The log and the record may go to another destination than the data (a
public run keeps them in the private bucket): `finish` takes its own DEST. On S3 a .gz file is
stored with Content-Encoding gzip (and the content type of what it holds), so a browser or
`curl --compressed` reads it as the file it is. The record is written last and on its own:
whoever lists DEST/runs/ sees a run only once its log is there. boto3 finds credentials, region
and AWS_ENDPOINT_URL the usual way (the instance profile on EC2; moto in the tests).
Exit codes: 0 done, 1 failed (the reason on stderr), 64 usage.
"""
import gzip
import json
import mimetypes
import os
import shutil
import sys
import tempfile

# Beside this file in resources/worker (and in the worker kit): one walk for guard and publish.
from publish_guard import regular_files


class IoError(Exception):
    pass


def split_s3(url):
    rest = url[len("s3://"):]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise IoError("%s names no bucket" % url)
    return bucket, key.strip("/")


def aws_client(service, region=None):
    try:
        import boto3
    except ImportError:
        raise IoError("AWS needs the boto3 package, which is not installed (pip install boto3)") from None
    return boto3.client(service, **({"region_name": region} if region else {}))


def s3_client():
    return aws_client("s3")


def s3_errors():
    import botocore.exceptions

    return (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


def join_key(prefix, *parts):
    return "/".join(p for p in (prefix,) + parts if p)


def content_headers(name):
    """ContentType (and ContentEncoding for .gz) of a file to publish."""
    if name.endswith(".gz"):
        inner, _ = mimetypes.guess_type(name[:-3])
        return {"ContentType": inner or "application/octet-stream", "ContentEncoding": "gzip"}
    kind, _ = mimetypes.guess_type(name)
    return {"ContentType": kind or "application/octet-stream"}


def fetch(src, dest_file):
    if src.startswith("s3://"):
        bucket, key = split_s3(src)
        try:
            s3_client().download_file(bucket, key, dest_file)
        except s3_errors() as err:
            raise IoError("could not fetch the code %s: %s" % (src, err)) from None
        return
    if not os.path.isfile(src):
        raise IoError("the code tarball %s is not a file" % src)
    shutil.copyfile(src, dest_file)


def local_put(dest_path, source_path):
    """Copies a file into place atomically (temp file in the same folder, then rename)."""
    os.makedirs(os.path.dirname(dest_path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest_path), prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out, open(source_path, "rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest_path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def put(dest, rel_key, source_path, headers=None):
    if dest.startswith("s3://"):
        bucket, prefix = split_s3(dest)
        key = join_key(prefix, rel_key)
        try:
            s3_client().upload_file(source_path, bucket, key, ExtraArgs=headers or {})
        except s3_errors() as err:
            raise IoError("could not upload s3://%s/%s: %s" % (bucket, key, err)) from None
    else:
        local_put(os.path.join(dest, *rel_key.split("/")), source_path)


def run_data(run_id):
    """Where one run's output is kept, relative to DEST."""
    return "runs/%s/data" % run_id


def publish(out_dir, dest, run_id):
    """The run's files under DEST/runs/RUNID/data/, then DEST/data/ made that set, whole."""
    if not os.path.isdir(out_dir):
        raise IoError("the job left no output folder %s" % os.path.basename(out_dir))
    files = list(regular_files(out_dir))
    total = 0
    for rel, path in files:
        put(dest, "%s/%s" % (run_data(run_id), rel), path, content_headers(rel))
        total += os.path.getsize(path)
    if dest.startswith("s3://"):
        promote_s3(dest, run_id, [rel for rel, _ in files])
    else:
        promote_local(dest, run_id)
    return {"files": len(files), "bytes": total}


def promote_local(dest, run_id):
    """DEST/data/ becomes a copy of the run's folder in one rename: readers see the old set or the new."""
    source = os.path.join(dest, *run_data(run_id).split("/"))
    os.makedirs(source, exist_ok=True)  # a run that wrote nothing has an empty folder, and an empty data/
    staging = tempfile.mkdtemp(dir=dest, prefix=".data-")
    try:
        os.chmod(staging, 0o755)
        for rel, path in regular_files(source):
            target = os.path.join(staging, *rel.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                os.link(path, target)  # the run's files are never written again: share them
            except OSError:
                shutil.copy2(path, target)
        data = os.path.join(dest, "data")
        old = None
        if os.path.lexists(data):
            old = tempfile.mkdtemp(dir=dest, prefix=".data-old-")
            os.rename(data, os.path.join(old, "data"))
        os.rename(staging, data)
        staging = None
        if old:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)


def promote_s3(dest, run_id, rels):
    """DEST/data/ made the run's set: its files copied in (server side), then every other key removed.

    S3 has no rename of a folder, so for the moments between the first copy and the last delete
    DEST/data/ holds the new files beside old ones; the run record, written after, says which.
    """
    bucket, prefix = split_s3(dest)
    s3 = s3_client()
    keep = set()
    try:
        for rel in rels:
            key = join_key(prefix, "data", rel)
            # Headers given again: a large file's copy is a new multipart upload, which keeps none.
            extra = dict(content_headers(rel), MetadataDirective="REPLACE")
            s3.copy({"Bucket": bucket, "Key": join_key(prefix, run_data(run_id), rel)}, bucket, key, ExtraArgs=extra)
            keep.add(key)
        stale = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=join_key(prefix, "data") + "/"):
            stale += [o["Key"] for o in page.get("Contents", []) if o["Key"] not in keep]
        for i in range(0, len(stale), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[i:i + 1000]], "Quiet": True})
    except s3_errors() as err:
        raise IoError("could not make s3://%s/%s the latest run's output: %s" % (bucket, join_key(prefix, "data/"), err)) from None


def finish(dest, log_path, record_path):
    with open(record_path) as f:
        record = json.load(f)
    run_id = record["runId"]
    with tempfile.TemporaryDirectory() as tmp:
        gz = os.path.join(tmp, "log.gz")
        with open(log_path, "rb") as src, gzip.GzipFile(gz, "wb", mtime=0) as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        put(dest, "logs/%s.log.gz" % run_id, gz, {"ContentType": "text/plain; charset=utf-8", "ContentEncoding": "gzip"})
    put(dest, "runs/%s.json" % run_id, record_path, {"ContentType": "application/json"})


def record(argv):
    """Builds the run record from run-job.sh's facts: JSON is made here, never by the shell."""
    import argparse

    parser = argparse.ArgumentParser(prog="run_job_io.py record")
    parser.add_argument("file")
    for name in ("--job", "--run-id", "--dest", "--started-at", "--ended-at", "--status"):
        parser.add_argument(name, required=True)
    parser.add_argument("--scheduled-for", default="")
    parser.add_argument("--exit-code", default="")
    parser.add_argument("--timed-out", default="false")
    parser.add_argument("--message", default="")
    parser.add_argument("--findings", default="", help="the guard's JSON output file")
    parser.add_argument("--published", default="", help="publish's JSON output file")
    parser.add_argument("--data-dest", default="", help="where the output was published, when not DEST")
    args = parser.parse_args(argv)
    findings = read_json(args.findings).get("findings", []) if args.findings else []
    published = read_json(args.published) if args.published else {}
    # Paths in the record are relative to the bucket (or the folder holding DEST): JOB/logs/...
    base = dest_name(args.dest)
    doc = {
        "version": 1,
        "job": args.job,
        "runId": args.run_id,
        "scheduledFor": args.scheduled_for or None,
        "startedAt": args.started_at,
        "endedAt": args.ended_at,
        "exitCode": int(args.exit_code) if args.exit_code.lstrip("-").isdigit() else None,
        "timedOut": args.timed_out == "true",
        "status": args.status,
        "filesPublished": int(published.get("files", 0)),
        "bytesPublished": int(published.get("bytes", 0)),
        "guardFindings": findings,
        "log": join_key(base, "logs", "%s.log.gz" % args.run_id),
        "output": join_key(dest_name(args.data_dest or args.dest), run_data(args.run_id)) + "/",
        "message": args.message or None,
    }
    with open(args.file, "w") as out:
        json.dump(doc, out, indent=2)
        out.write("\n")


# The metric every run end puts, per job: the schedule's CloudWatch alarm watches it.
METRIC_NAME = "RunSucceeded"
STATUS_WORDS = {"failed": "failed", "timed-out": "timed out", "blocked": "was blocked from publishing", "succeeded": "succeeded"}


def read_record(path):
    record = read_json(path)
    if not record.get("job") or not record.get("runId") or not record.get("status"):
        raise IoError("%s is not a run record" % path)
    return record


def log_location(dest, record):
    """Where the run's log is kept: s3://BUCKET/KEY or a local path."""
    if dest.startswith("s3://"):
        return "s3://%s/%s" % (split_s3(dest)[0], record["log"])
    return os.path.join(os.path.dirname(os.path.normpath(dest)), *record["log"].split("/"))


def notify(topic, dest, record_path):
    """One short message per run that did not succeed: the facts and where to look, never the log."""
    record = read_record(record_path)
    # arn:aws:sns:REGION:ACCOUNT:NAME; the topic may be in another region than the run.
    parts = topic.split(":")
    if len(parts) != 6 or parts[2] != "sns":
        raise IoError("%s is not an SNS topic ARN" % topic)
    what = STATUS_WORDS.get(record["status"], record["status"])
    subject = ("Analysis Workbench: %s %s" % (record["job"], what))[:100]
    lines = [
        "The scheduled job %s %s." % (record["job"], what),
        "",
        "Job: %s" % record["job"],
        "Run: %s" % record["runId"],
        "Status: %s" % record["status"],
    ]
    if record.get("scheduledFor"):
        lines.append("Scheduled for: %s" % record["scheduledFor"])
    lines += ["Started: %s" % record.get("startedAt"), "Ended: %s" % record.get("endedAt")]
    if record.get("message"):
        lines.append("Message: %s" % record["message"])
    lines.append("Log: %s" % log_location(dest, record))
    try:
        aws_client("sns", parts[3]).publish(TopicArn=topic, Subject=subject, Message="\n".join(lines) + "\n")
    except s3_errors() as err:
        raise IoError("could not publish the alert to %s: %s" % (topic, err)) from None


def metric(namespace, record_path):
    record = read_record(record_path)
    datum = {"MetricName": METRIC_NAME, "Dimensions": [{"Name": "Job", "Value": record["job"]}], "Value": 1.0 if record["status"] == "succeeded" else 0.0, "Unit": "Count"}
    try:
        aws_client("cloudwatch").put_metric_data(Namespace=namespace, MetricData=[datum])
    except s3_errors() as err:
        raise IoError("could not put the metric %s/%s: %s" % (namespace, METRIC_NAME, err)) from None


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def dest_name(dest):
    if dest.startswith("s3://"):
        return split_s3(dest)[1]
    return os.path.basename(os.path.normpath(dest))


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "fetch":
            fetch(argv[2], argv[3])
        elif len(argv) == 5 and argv[1] == "publish":
            print(json.dumps(publish(argv[2], argv[3], argv[4])))
        elif len(argv) > 2 and argv[1] == "record":
            record(argv[2:])
        elif len(argv) == 5 and argv[1] == "finish":
            finish(argv[2], argv[3], argv[4])
        elif len(argv) == 5 and argv[1] == "notify":
            notify(argv[2], argv[3], argv[4])
        elif len(argv) == 4 and argv[1] == "metric":
            metric(argv[2], argv[3])
        else:
            sys.stderr.write("usage: run_job_io.py fetch SRC FILE | publish DIR DEST RUNID | finish DEST LOG RECORD | notify TOPIC DEST RECORD | metric NAMESPACE RECORD\n")
            return 64
    except (IoError, OSError) as err:
        sys.stderr.write("%s\n" % err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
