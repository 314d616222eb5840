"""run-job.sh's alerts from AWS itself, run for real against moto_server: an SNS topic with an SQS
queue subscribed (what an e-mail subscriber would receive, read back from the queue) and
CloudWatch (the metric the schedule's alarm watches, read back with GetMetricStatistics)."""

import datetime
import json
import os

from . import moto_fixture
from .test_run_job import RUN_SH_OK, RunJobCase, tarball

NAMESPACE = "AnalysisWorkbench"


class RunJobAlertsTest(moto_fixture.UsesMoto, RunJobCase):
    def setUp(self):
        super().setUp()
        self.env.update(self.moto.env())
        self.s3 = self.moto.client("s3")
        self.sns = self.moto.client("sns")
        self.sqs = self.moto.client("sqs")
        self.cloudwatch = self.moto.client("cloudwatch")
        suffix = "%d-%d" % (os.getpid(), id(self) % 100000)
        self.bucket = "data-" + suffix
        self.s3.create_bucket(Bucket=self.bucket)
        self.dest = "s3://%s/daily-os" % self.bucket
        self.topic = self.sns.create_topic(Name="alerts-" + suffix)["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName="inbox-" + suffix)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=queue_arn)
        # A job name of its own per test: the metric's dimension tells the tests' runs apart.
        self.job = "job-%d" % (id(self) % 100000)

    def run_with_alerts(self, files, *args, **kwargs):
        code = tarball(os.path.join(self.tmp, "code.tar.gz"), files)
        dest = "s3://%s/%s" % (self.bucket, self.job)
        result = self.run_job("--alert-topic", self.topic, "--metric-namespace", NAMESPACE, *args, code=code, dest=dest, job=self.job, **kwargs)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key="%s/runs/r1.json" % self.job)["Body"].read())

    def alerts(self):
        """The messages the topic delivered: (subject, text)."""
        out = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            if not answer.get("Messages"):
                return out
            for m in answer["Messages"]:
                body = json.loads(m["Body"])
                out.append((body.get("Subject"), body["Message"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])

    def metric_values(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        answer = self.cloudwatch.get_metric_statistics(
            Namespace=NAMESPACE, MetricName="RunSucceeded", Dimensions=[{"Name": "Job", "Value": self.job}],
            StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=5), Period=3600,
            Statistics=["Minimum", "Maximum", "SampleCount"],
        )  # fmt: skip
        return [(p["SampleCount"], p["Minimum"], p["Maximum"]) for p in answer["Datapoints"]]

    def log_text(self):
        import gzip

        return gzip.decompress(self.s3.get_object(Bucket=self.bucket, Key="%s/logs/r1.log.gz" % self.job)["Body"].read()).decode()

    def assert_one_alert(self, status, words):
        [(subject, text)] = self.alerts()
        self.assertEqual(subject, "Analysis Workbench: %s %s" % (self.job, words))
        self.assertIn("Job: %s\n" % self.job, text)
        self.assertIn("Run: r1\n", text)
        self.assertIn("Status: %s\n" % status, text)
        self.assertIn("Log: s3://%s/%s/logs/r1.log.gz\n" % (self.bucket, self.job), text)
        return text

    def test_a_failed_run_alerts_with_the_facts_but_not_the_log_and_puts_0(self):
        record = self.run_with_alerts({"run.sh": "#!/bin/sh\necho 'secret-token-123 in the log'\necho 'it broke' >&2\nexit 4\n"})
        self.assertEqual(record["status"], "failed")
        text = self.assert_one_alert("failed", "failed")
        self.assertIn("Message: The command failed with exit code 4", text)
        self.assertNotIn("secret-token-123", text)
        self.assertNotIn("it broke", text)
        self.assertEqual(self.metric_values(), [(1.0, 0.0, 0.0)])
        self.assertIn("alert sent to %s" % self.topic, self.log_text())

    def test_a_timed_out_run_alerts(self):
        record = self.run_with_alerts({"run.sh": "#!/bin/sh\nsleep 300\n"}, "--timeout-seconds", "2")
        self.assertEqual(record["status"], "timed-out")
        self.assertIn("Message: The command ran longer than its timeout", self.assert_one_alert("timed-out", "timed out"))
        self.assertEqual(self.metric_values(), [(1.0, 0.0, 0.0)])

    def test_a_blocked_public_run_alerts_without_the_finding(self):
        script = "#!/bin/sh\nmkdir -p output\necho 'user,n' > output/rows.csv\necho 'someone@example.org,1' >> output/rows.csv\n"
        record = self.run_with_alerts({"run.sh": script}, "--visibility", "public")
        self.assertEqual(record["status"], "blocked")
        text = self.assert_one_alert("blocked", "was blocked from publishing")
        self.assertNotIn("someone@example.org", text)
        self.assertEqual(self.metric_values(), [(1.0, 0.0, 0.0)])

    def test_a_successful_run_sends_no_alert_and_puts_1(self):
        record = self.run_with_alerts({"run.sh": RUN_SH_OK})
        self.assertEqual(record["status"], "succeeded")
        self.assertEqual(self.alerts(), [])
        self.assertEqual(self.metric_values(), [(1.0, 1.0, 1.0)])

    def test_an_alert_that_cannot_be_sent_is_logged_and_the_status_stands(self):
        code = tarball(os.path.join(self.tmp, "code.tar.gz"), {"run.sh": "#!/bin/sh\nexit 2\n"})
        gone = self.topic + "-deleted"
        result = self.run_job("--alert-topic", gone, "--metric-namespace", NAMESPACE, code=code, dest=self.dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        record = json.loads(self.s3.get_object(Bucket=self.bucket, Key="daily-os/runs/r1.json")["Body"].read())
        self.assertEqual((record["status"], record["exitCode"]), ("failed", 2))
        import gzip

        log = gzip.decompress(self.s3.get_object(Bucket=self.bucket, Key="daily-os/logs/r1.log.gz")["Body"].read()).decode()
        self.assertIn("could not send the alert: could not publish the alert to %s" % gone, log)

    def test_bad_alert_options_say_what_to_fix(self):
        code = tarball(os.path.join(self.tmp, "code.tar.gz"), {"run.sh": RUN_SH_OK})
        for args, words in [
            (["--alert-topic", "arn:aws:s3:::bucket"], "--alert-topic must be an SNS topic ARN"),
            (["--alert-topic", "arn:aws:sns:us-east-1:123456789012:x; rm -rf /"], "--alert-topic must be an SNS topic ARN"),
            (["--metric-namespace", "AWS/EC2"], "--metric-namespace must be a CloudWatch namespace"),
            (["--metric-namespace", "has space"], "--metric-namespace must be a CloudWatch namespace"),
        ]:
            result = self.run_job(*args, code=code, dest=self.dest)
            self.assertEqual(result.returncode, 64, args)
            self.assertIn(words, result.stderr)
        self.assertEqual(self.s3.list_objects_v2(Bucket=self.bucket).get("KeyCount"), 0)
