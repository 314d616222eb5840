"""resources/worker/hash_service.py: the worker's hashing service, driven over stdin and stdout
as the app drives it (one line per request, one line per answer)."""
import hashlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import unittest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "worker", "hash_service.py")


class Service:
    """The service as a child process; answers are collected by a reader thread."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.answers = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.answers.put(line.rstrip("\n"))

    def send(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def hash(self, ident, size, path):
        self.send(f"hash {ident} {size} {json.dumps(path)}")

    def answer(self, timeout=10):
        return self.answers.get(timeout=timeout)

    def close(self):
        self.process.stdin.close()
        code = self.process.wait(timeout=10)
        self.process.stdout.close()
        return code


class HashServiceTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="hash-service-")
        self.service = Service()

    def tearDown(self):
        if self.service.process.poll() is None:
            self.service.close()
        self.dir.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_hashes_the_first_size_bytes_of_files_larger_than_a_window(self):
        data = os.urandom((8 << 20) * 2 + 12345)
        path = self.write("big.bin", data)
        self.service.hash("1", len(data) - 7, path)
        self.assertEqual(self.service.answer(), "1 ok " + hashlib.sha256(data[:-7]).hexdigest())

    def test_names_with_spaces_quotes_newlines_and_dashes_arrive_intact(self):
        path = self.write('-n "odd"\nname \\ here.txt', b"hello")
        self.service.hash("7", 5, path)
        self.assertEqual(self.service.answer(), "7 ok " + hashlib.sha256(b"hello").hexdigest())

    def test_an_empty_file_has_the_empty_digest(self):
        path = self.write("empty", b"")
        self.service.hash("0", 0, path)
        self.assertEqual(self.service.answer(), "0 ok " + hashlib.sha256(b"").hexdigest())

    def test_follows_a_file_that_is_still_being_written(self):
        data = os.urandom(3 << 20)
        path = self.write("growing.part", data[:1000])
        self.service.hash("2", len(data), path)
        with self.assertRaises(queue.Empty):
            self.service.answer(timeout=0.3)
        with open(path, "ab") as f:
            f.write(data[1000:])
        self.assertEqual(self.service.answer(), "2 ok " + hashlib.sha256(data).hexdigest())

    def test_stop_gives_up_a_hash_waiting_for_bytes_and_the_service_goes_on(self):
        waiting = self.write("never-finished.part", b"x" * 10)
        self.service.hash("3", 100, waiting)
        self.service.send("stop 3")
        self.assertEqual(self.service.answer(), "3 stopped")
        done = self.write("done.txt", b"abc")
        self.service.hash("4", 3, done)
        self.assertEqual(self.service.answer(), "4 ok " + hashlib.sha256(b"abc").hexdigest())

    def test_a_missing_file_is_an_error_naming_why(self):
        self.service.hash("5", 10, os.path.join(self.dir.name, "not there"))
        ident, outcome, message = self.service.answer().split(" ", 2)
        self.assertEqual((ident, outcome), ("5", "error"))
        self.assertEqual(json.loads(message), "No such file or directory")

    def test_answers_come_back_by_id_while_several_hash_at_once(self):
        files = {str(i): os.urandom(100_000 * (i + 1)) for i in range(5)}
        for ident, data in files.items():
            self.service.hash(ident, len(data), self.write(f"f{ident}", data))
        answers = {}
        for _ in files:
            ident, outcome, digest = self.service.answer().split(" ")
            answers[ident] = (outcome, digest)
        self.assertEqual(answers, {ident: ("ok", hashlib.sha256(data).hexdigest()) for ident, data in files.items()})

    def test_exits_when_stdin_closes_even_with_a_hash_waiting(self):
        self.service.hash("6", 100, self.write("stuck.part", b""))
        self.assertEqual(self.service.close(), 0)

    def test_lines_it_does_not_know_are_ignored(self):
        self.service.send("stop")
        self.service.send("hello there")
        self.service.send("stop 99")
        path = self.write("after.txt", b"still here")
        self.service.hash("8", 10, path)
        self.assertEqual(self.service.answer(), "8 ok " + hashlib.sha256(b"still here").hexdigest())


if __name__ == "__main__":
    unittest.main()
