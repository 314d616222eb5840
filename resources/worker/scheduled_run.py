#!/usr/bin/env python3
"""scheduled_run.py RUN_JSON: the first thing a scheduled EC2 instance runs (from its user-data).

RUN_JSON (written by the app into the user-data) says what to run:
  {"job", "region", "kit": "s3://code-bucket/JOB/code/worker-SHA.tar.gz",
   "code": "s3://code-bucket/JOB/code/SHA.tar.gz", "command", "outputDir", "timeoutMinutes",
   "publish": "s3://bucket/JOB", "visibility", "records": "s3://private-bucket/JOB" (optional),
   "dataDir" (optional)}
"records" is where the log and the run record go when not beside the output ("publish"): a
public job's are kept in the private bucket.
"alertTopic" (an SNS topic ARN) and "metricNamespace" (optional): run-job.sh --alert-topic and
--metric-namespace, the alerts and the metric a run sends from AWS itself.
"dataDir" is the data folder on the instance the job reads (run-job.sh --data-dir, the job's
DATA_DIR); without it the job gets no DATA_DIR. A data source in S3 is to be fetched here, into
a folder that then becomes the job's DATA_DIR, before run-job.sh takes over.
Which run this is comes from the instance's own tags, read from the instance metadata service
(IMDSv2; the instance is launched with tags in its metadata): `workbench-run-id` (a run started
by hand) or `workbench-scheduled-for` (EventBridge Scheduler's scheduled time; the run id is
made from it, so a run's id is the same however often its trigger is retried).

It fetches the worker kit (run-job.sh and its helpers) with boto3, unpacks it, and hands over
to run-job.sh --shutdown, which writes the log and the run record and powers the instance off
(shutdown behaviour "terminate"). If it cannot get that far, it writes a run record saying why
itself (and sends its alert and metric), then powers off: a scheduled instance never outlives
its run.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import tarfile
import urllib.request

# Both overridable only so the tests can run this file for real off EC2 (a local metadata
# server on 127.0.0.1, a temp folder); on an instance nothing sets them.
IMDS = os.environ.get("WORKBENCH_IMDS_ENDPOINT", "http://169.254.169.254")
KIT_DIR = os.environ.get("WORKBENCH_KIT_DIR", "/opt/workbench/kit")


def imds(path, token):
    request = urllib.request.Request(IMDS + path, headers={"X-aws-ec2-metadata-token": token})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.read().decode().strip()
    except OSError:
        return ""


def imds_token():
    request = urllib.request.Request(IMDS + "/latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.read().decode()


def run_identity():
    """(run id, scheduled-for ISO or '') from the instance's tags."""
    token = imds_token()
    run_id = imds("/latest/meta-data/tags/instance/workbench-run-id", token)
    scheduled = imds("/latest/meta-data/tags/instance/workbench-scheduled-for", token)
    if not run_id and scheduled:
        run_id = re.sub(r"[^A-Za-z0-9.-]", "-", scheduled)
    if not run_id:
        run_id = imds("/latest/meta-data/instance-id", token) or "unknown"
    return run_id, scheduled


def split_s3(url):
    bucket, _, key = url[len("s3://"):].partition("/")
    return bucket, key


def fetch_kit(s3, url):
    os.makedirs(KIT_DIR, exist_ok=True)
    local = os.path.join(KIT_DIR, "kit.tar.gz")
    bucket, key = split_s3(url)
    s3.download_file(bucket, key, local)
    with tarfile.open(local, "r:gz") as tar:
        # The kit is the app's own archive; names are still checked before anything is written.
        for member in tar.getmembers():
            if not member.isfile() or "/" in member.name or member.name.startswith("."):
                raise ValueError("unexpected entry %r in the worker kit" % member.name)
        tar.extractall(KIT_DIR)
    return os.path.join(KIT_DIR, "run-job.sh")


def failure_record(s3, spec, run_id, scheduled, started, message):
    bucket, prefix = split_s3(spec.get("records") or spec["publish"])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {
        "version": 1, "job": spec["job"], "runId": run_id, "scheduledFor": scheduled or None,
        "startedAt": started, "endedAt": now, "exitCode": None, "timedOut": False, "status": "failed",
        "filesPublished": 0, "bytesPublished": 0, "guardFindings": [],
        "log": "%s/logs/%s.log.gz" % (prefix, run_id), "output": "%s/runs/%s/data/" % (split_s3(spec["publish"])[1], run_id), "message": message,
    }  # fmt: skip
    s3.put_object(Bucket=bucket, Key="%s/runs/%s.json" % (prefix, run_id), Body=json.dumps(record).encode(), ContentType="application/json")


def alert_failure(spec, run_id, scheduled, message):
    """The alert and the metric of a run that could not start; each best effort, as in run-job.sh."""
    import boto3

    topic = spec.get("alertTopic")
    if topic:
        try:
            boto3.client("sns", region_name=topic.split(":")[3]).publish(
                TopicArn=topic, Subject=("Analysis Workbench: %s failed" % spec["job"])[:100],
                Message="The scheduled job %s failed.\n\nJob: %s\nRun: %s\nStatus: failed\nScheduled for: %s\nMessage: %s\n" % (spec["job"], spec["job"], run_id, scheduled or "-", message),
            )  # fmt: skip
        except Exception as err:  # an alert that cannot be sent must not keep the instance up
            sys.stderr.write("could not send the alert: %s\n" % err)
    if spec.get("metricNamespace"):
        try:
            datum = {"MetricName": "RunSucceeded", "Dimensions": [{"Name": "Job", "Value": spec["job"]}], "Value": 0.0, "Unit": "Count"}
            boto3.client("cloudwatch").put_metric_data(Namespace=spec["metricNamespace"], MetricData=[datum])
        except Exception as err:
            sys.stderr.write("could not put the metric: %s\n" % err)


def main(argv):
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(argv[1]) as f:
        spec = json.load(f)
    os.environ.setdefault("AWS_DEFAULT_REGION", spec["region"])
    run_id, scheduled = run_identity()
    import boto3

    s3 = boto3.client("s3")
    try:
        run_job = fetch_kit(s3, spec["kit"])
    except Exception as err:  # anything at all: the record must say why, then the instance ends
        message = "The instance could not fetch the worker kit: %s" % err
        try:
            alert_failure(spec, run_id, scheduled, message)
            failure_record(s3, spec, run_id, scheduled, started, message)
        finally:
            subprocess.call(["shutdown", "-h", "now"])
        return 1
    argv = ["sh", run_job, "--job", spec["job"], "--run-id", run_id, "--code", spec["code"], "--command", spec["command"],
            "--output-dir", spec["outputDir"], "--timeout-minutes", str(spec["timeoutMinutes"]), "--publish", spec["publish"],
            "--visibility", spec["visibility"], "--shutdown"]  # fmt: skip
    if spec.get("dataDir"):
        argv += ["--data-dir", spec["dataDir"]]
    if spec.get("records"):
        argv += ["--records", spec["records"]]
    if scheduled:
        argv += ["--scheduled-for", scheduled]
    if spec.get("alertTopic"):
        argv += ["--alert-topic", spec["alertTopic"]]
    if spec.get("metricNamespace"):
        argv += ["--metric-namespace", spec["metricNamespace"]]
    os.execvp("sh", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
