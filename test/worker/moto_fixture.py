"""A moto_server on a free 127.0.0.1 port for the worker's Python tests (as test/fixtures/moto.ts
does for vitest): started by a test class, stopped (and waited for) at its end."""

import socket
import subprocess
import time

KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


class MotoServer:
    def __init__(self, executable="moto_server"):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen([executable, "-H", "127.0.0.1", "-p", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


class UsesMoto:
    """A test class mixin: one moto_server for the class (``cls.moto``), stopped at its end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.moto = MotoServer()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        super().tearDownClass()


def is_object_read(method, path):
    """A GetObject (path-style: /bucket/key), not a listing."""
    return method == "GET" and "list-type" not in path and path.count("/") > 1


class FaultProxy:
    """A proxy on 127.0.0.1 in front of moto that passes requests through, except the object reads
    ``fault(path)`` answers for: None passes it, "cut" sends half the body and closes the
    connection, (status, code, message) is an S3 error answer. ``object_reads`` lists
    (path, fault) for every object read."""

    def __init__(self, upstream, fault):
        import http.client
        import http.server
        import threading

        host, port = upstream.split("//", 1)[1].split(":")
        self.object_reads = []
        reads = self.object_reads
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, data, headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()

            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                chosen = None
                if is_object_read(self.command, self.path):
                    with lock:
                        chosen = fault(self.path)
                        reads.append((self.path, chosen))
                if isinstance(chosen, tuple):
                    status, code, message = chosen
                    data = ("<Error><Code>%s</Code><Message>%s</Message></Error>" % (code, message)).encode()
                    self.answer(status, data, [("Content-Type", "application/xml")])
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                conn.request(self.command, self.path, body=body or None, headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
                reply = conn.getresponse()
                data = reply.read()
                conn.close()
                passed = [(n, v) for n, v in reply.getheaders() if n.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server")]
                self.answer(reply.status, data, passed)
                if chosen == "cut":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
