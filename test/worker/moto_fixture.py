"""A moto_server on a free 127.0.0.1 port for the worker's Python tests (as test/fixtures/moto.ts
does for vitest): started by a test class, stopped (and waited for) at its end."""

import socket
import subprocess
import time

KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


class MotoServer:
    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("moto_server did not start (npm run setup:python installs it into .venv)")
                time.sleep(0.1)  # polling for the port to open, not waiting for a result

    def env(self):
        """The environment a worker process needs to reach this moto with boto3."""
        return {**KEYS, "AWS_ENDPOINT_URL": self.endpoint}

    def client(self, service="s3"):
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
