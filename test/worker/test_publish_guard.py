"""The publish guard (resources/worker/publish_guard.py), run for real on real files."""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
GUARD = os.path.join(HERE, "..", "..", "resources", "worker", "publish_guard.py")


def raw_ping(client_id):
    return json.dumps({
        "clientId": client_id,
        "type": "main",
        "environment": {"system": {"os": {"name": "Linux"}}, "settings": {"locale": "en-US"}},
        "payload": {"histograms": {"GC_MS": {"values": {"0": 1, "1": 5, "2": 9}}}, "info": {"reason": "shutdown"}},
    })


class GuardTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rel, text, gz=False):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = text.encode()
        if gz:
            with gzip.open(path, "wb") as out:
                out.write(data)
        else:
            with open(path, "wb") as out:
                out.write(data)
        return path

    def run_guard(self, *extra):
        proc = subprocess.run([sys.executable, GUARD, self.dir, *extra], capture_output=True, text=True, timeout=60)
        return proc.returncode, (json.loads(proc.stdout) if proc.stdout else None), proc.stderr

    def kinds(self, result):
        return sorted({(f["file"], f["kind"]) for f in result["findings"]})

    def test_aggregates_pass(self):
        self.write("output/os.csv", "os,count\nLinux,120\nWindows_NT,5000\nDarwin,800\n")
        self.write("output/versions.json", json.dumps({"52.0.1": 10, "Firefox 45.0.2": 3, "when": "2015-01-01T12:30:45Z"}) + "\n")
        code, result, _ = self.run_guard()
        self.assertEqual(code, 0)
        self.assertEqual(result["findings"], [])
        self.assertEqual(result["filesScanned"], 2)

    def test_finds_client_ids_emails_and_addresses_with_lines_and_redacted_samples(self):
        self.write("data/rows.csv", "\n".join([
            "id,n",
            "c0ffee00-1234-4abc-9def-0123456789ab,3",
            "someone.real@example.org,1",
            "from 192.168.10.77 today,2",
            "v6 2001:db8:85a3::8a2e:370:7334 seen,4",
        ]) + "\n")
        code, result, _ = self.run_guard()
        self.assertEqual(code, 1)
        by_kind = {f["kind"]: f for f in result["findings"]}
        self.assertEqual(by_kind["client-id"]["line"], 2)
        self.assertEqual(by_kind["email"]["line"], 3)
        lines = sorted(f["line"] for f in result["findings"] if f["kind"] == "ip-address")
        self.assertEqual(lines, [4, 5])
        text = json.dumps(result)
        for secret in ("c0ffee00-1234-4abc-9def-0123456789ab", "someone.real@example.org", "192.168.10.77", "8a2e:370:7334"):
            self.assertNotIn(secret, text, "the raw value must never be printed")
        self.assertTrue(all(f["file"] == "data/rows.csv" for f in result["findings"]))

    def test_edges_of_each_pattern(self):
        self.write("found.txt", "\n".join([
            "c0ffee00-1234-4abc-9def-0123456789ab at the start",
            "full 2001:0db8:0000:0000:0000:ff00:0042:8329 here",
            "x.y+tag@mail.example.co.uk,1",
            "::1",
        ]) + "\n")
        self.write("clean.txt", "\n".join([
            "std::string and Foo::bar() are code",
            "mac 00:1a:2b:3c:4d:5e, time 12:30:45, 2015-01-02T12:30:00Z",
            "version 45.0.2, float 0.1234, 999.1.1.1, 1.2.3.4.5",
            "not-an-id: 0c0ffee00-1234-4abc-9def-0123456789ab0",
            "at @ sign, user@localhost",
        ]) + "\n")
        code, result, _ = self.run_guard()
        self.assertEqual(code, 1)
        found = sorted((f["file"], f["line"], f["kind"]) for f in result["findings"])
        self.assertEqual(found, [
            ("found.txt", 1, "client-id"),
            ("found.txt", 2, "ip-address"),
            ("found.txt", 3, "email"),
            ("found.txt", 4, "ip-address"),
        ])  # fmt: skip

    def test_long_json_lines_that_look_like_raw_pings(self):
        # A raw submission without a UUID (ids redacted upstream) is still raw data.
        self.write("out/pings.jsonl", raw_ping("not-an-id") + "\n" + raw_ping("again") + "\n")
        code, result, _ = self.run_guard()
        self.assertEqual(code, 1)
        raw = [f for f in result["findings"] if f["kind"] == "raw-json"]
        self.assertEqual([f["line"] for f in raw], [1, 2])
        self.assertIn("clientId", raw[0]["sample"])
        self.assertNotIn("Linux", raw[0]["sample"])

    def test_reads_gzip_transparently(self):
        self.write("out/part-0.jsonl.gz", "ok\n" + raw_ping("0badc0de-1111-4222-8333-444455556666") + "\n", gz=True)
        code, result, _ = self.run_guard()
        self.assertEqual(code, 1)
        self.assertEqual(self.kinds(result), [("out/part-0.jsonl.gz", "client-id"), ("out/part-0.jsonl.gz", "raw-json")])
        self.assertEqual({f["line"] for f in result["findings"]}, {2})

    def test_huge_line_is_scanned_by_its_head_in_bounded_memory(self):
        # 3 MiB on one line: more than the guard keeps of a line; its head still tells.
        huge = '{"clientId": "x", "payload": "' + "A" * (3 * 1024 * 1024) + '"}'
        self.write("big.json", huge + "\nafter 10.0.0.1\n")
        code, result, _ = self.run_guard()
        self.assertEqual(code, 1)
        self.assertEqual(self.kinds(result), [("big.json", "ip-address"), ("big.json", "raw-json")])
        ip = [f for f in result["findings"] if f["kind"] == "ip-address"][0]
        self.assertEqual(ip["line"], 2, "the long line still counts as one line")
        self.assertGreater(result["bytesScanned"], 3 * 1024 * 1024)

    def test_findings_are_capped_and_marked_truncated(self):
        rows = ["%08x-0000-4000-8000-000000000000" % i for i in range(50)]
        self.write("ids.txt", "\n".join(rows) + "\n")
        code, result, _ = self.run_guard()
        self.assertEqual(code, 1)
        self.assertEqual(len(result["findings"]), 5)
        self.assertTrue(result["truncated"])

    def test_links_are_not_followed(self):
        outside = tempfile.TemporaryDirectory()
        self.addCleanup(outside.cleanup)
        with open(os.path.join(outside.name, "secret.txt"), "w") as out:
            out.write("someone@example.com\n")
        os.symlink(os.path.join(outside.name, "secret.txt"), os.path.join(self.dir, "link.txt"))
        code, result, _ = self.run_guard()
        self.assertEqual(code, 0)
        self.assertEqual(result["filesScanned"], 0)

    def test_a_missing_folder_is_a_clear_error(self):
        proc = subprocess.run([sys.executable, GUARD, os.path.join(self.dir, "nope")], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("is not a folder", proc.stderr)


if __name__ == "__main__":
    unittest.main()
