#!/usr/bin/env python3
"""publish_guard.py OUTPUT_DIR [--max-findings N]

The publish guard: before anything goes to a public bucket, scans OUTPUT_DIR for raw data that
must not be published -- UUID-like client ids, e-mail addresses, IP addresses (v4 and v6) and
long JSON lines that look like raw submissions (telemetry pings: objects with keys such as
clientId, payload, environment). Aggregates pass; raw records do not.

Prints one JSON object on stdout:
  {"findings": [{"file", "line", "kind", "sample"}...], "filesScanned", "bytesScanned", "truncated"}
where each finding has the shape of a run record's guardFindings and its sample is redacted
(the raw value is never printed). Exit codes: 0 nothing found, 1 findings, 2 could not scan,
64 usage. The app runs this same file with python3 before a by-hand public publish, and
run-job.sh runs it before a scheduled one, so there is one guard.

Memory stays bounded on huge files: files are read line by line with a cap on how much of a
line is kept (the rest is skipped, the line still counted); .gz files are read transparently.
Standard library only.
"""
import gzip
import ipaddress
import json
import os
import re
import sys

# How much of one line is examined; a longer line is still counted and its head examined.
MAX_LINE = 1024 * 1024
# A JSON line shorter than this is an aggregate row, not a raw submission.
RAW_JSON_MIN_CHARS = 200
# Findings per file and kind, and in all, so a file full of ids gives a readable list.
PER_FILE_KIND = 5
DEFAULT_MAX_FINDINGS = 200
# Keys of a telemetry submission; two of them in one long object means a raw ping.
RAW_KEYS = ("clientId", "client_id", "payload", "environment", "meta", "application", "creationDate", "documentId")

UUID = re.compile(rb"(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])")
EMAIL = re.compile(rb"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}")
IPV4 = re.compile(rb"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9]|\.\d)")
IPV6 = re.compile(rb"(?<![0-9A-Fa-f:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])")
RAW_KEY = re.compile(rb'"(' + b"|".join(k.encode() for k in RAW_KEYS) + rb')"\s*:')


def redact_uuid(value):
    return value[:4] + "****-****-****-****-********" + value[-2:]


def redact_email(value):
    local, _, domain = value.partition("@")
    tld = domain.rsplit(".", 1)[-1]
    return "%s***@***.%s" % (local[:1], tld)


def redact_ip(value):
    if ":" in value:
        return value.split(":", 1)[0] + ":****:…"
    return value.split(".", 1)[0] + ".x.x.x"


def is_ipv4(raw):
    try:
        ipaddress.IPv4Address(raw.decode("ascii"))
        return True
    except ValueError:
        return False


def is_ipv6(raw):
    text = raw.decode("ascii")
    if text.count(":") < 2 or not any(c in "0123456789abcdefABCDEF" for c in text):
        return False  # "::" alone, or a run of colons, is not an address anyone leaked
    try:
        ipaddress.IPv6Address(text)
        return True
    except ValueError:
        return False


def raw_json_sample(head, complete):
    """A redacted description of a line that looks like a raw submission, or None."""
    stripped = head.strip()
    if not stripped.startswith(b"{"):
        return None
    keys = sorted({m.group(1).decode() for m in RAW_KEY.finditer(stripped)})
    if complete:
        try:
            value = json.loads(stripped)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        keys = sorted(k for k in value if k in RAW_KEYS)
    if len(keys) < 2:
        return None
    size = "%d+ chars" % len(head) if not complete else "%d chars" % len(stripped)
    return "JSON object (%s) with keys %s" % (size, ", ".join(keys))


class Scan:
    def __init__(self, max_findings):
        self.max_findings = max_findings
        self.findings = []
        self.files = 0
        self.bytes = 0
        self.truncated = False

    def add(self, counts, rel, line, kind, sample):
        if counts.get(kind, 0) >= PER_FILE_KIND:
            self.truncated = True
            return
        if len(self.findings) >= self.max_findings:
            self.truncated = True
            return
        counts[kind] = counts.get(kind, 0) + 1
        self.findings.append({"file": rel, "line": line, "kind": kind, "sample": sample})

    def scan_line(self, counts, rel, number, head, complete):
        if len(head) >= RAW_JSON_MIN_CHARS:
            sample = raw_json_sample(head, complete)
            if sample:
                self.add(counts, rel, number, "raw-json", sample)
        for match in UUID.finditer(head):
            self.add(counts, rel, number, "client-id", redact_uuid(match.group().decode()))
        for match in EMAIL.finditer(head):
            self.add(counts, rel, number, "email", redact_email(match.group().decode()))
        for match in IPV4.finditer(head):
            if is_ipv4(match.group()):
                self.add(counts, rel, number, "ip-address", redact_ip(match.group().decode()))
        if b":" in head:
            for match in IPV6.finditer(head):
                if is_ipv6(match.group()):
                    self.add(counts, rel, number, "ip-address", redact_ip(match.group().decode()))

    def scan_file(self, path, rel):
        counts = {}
        with open_maybe_gzip(path) as stream:
            number = 0
            while True:
                head = stream.readline(MAX_LINE)
                if not head:
                    break
                number += 1
                self.bytes += len(head)
                # Shorter than the cap without a newline: the file's last line, complete.
                whole = head.endswith(b"\n") or len(head) < MAX_LINE
                if not whole:
                    self.skip_rest_of_line(stream)
                self.scan_line(counts, rel, number, head, whole)
        self.files += 1

    def skip_rest_of_line(self, stream):
        """Reads past the rest of an over-long line in bounded pieces."""
        while True:
            rest = stream.readline(MAX_LINE)
            self.bytes += len(rest)
            if not rest or rest.endswith(b"\n"):
                return

    def result(self):
        return {"findings": self.findings, "filesScanned": self.files, "bytesScanned": self.bytes, "truncated": self.truncated}


def open_maybe_gzip(path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def regular_files(root):
    """(relative path, absolute path) of every regular file under root, sorted; links are not
    followed or listed. What the guard scans is exactly what run_job_io.py publishes."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if not os.path.islink(path) and os.path.isfile(path):
                yield os.path.relpath(path, root).replace(os.sep, "/"), path


def scan_dir(root, max_findings=DEFAULT_MAX_FINDINGS):
    """Scans every regular file under root (links are not followed); returns the result dict."""
    scan = Scan(max_findings)
    root = os.path.realpath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError("%s is not a folder" % root)
    for rel, path in regular_files(root):
        scan.scan_file(path, rel)
    return scan.result()


def main(argv):
    args = argv[1:]
    max_findings = DEFAULT_MAX_FINDINGS
    if len(args) == 3 and args[1] == "--max-findings" and args[2].isdigit():
        max_findings = int(args[2])
        args = args[:1]
    if len(args) != 1:
        sys.stderr.write("usage: publish_guard.py OUTPUT_DIR [--max-findings N]\n")
        return 64
    try:
        result = scan_dir(args[0], max_findings)
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        sys.stderr.write("The publish guard could not scan %s: %s\n" % (args[0], err))
        return 2
    sys.stdout.write(json.dumps(result) + "\n")
    return 1 if result["findings"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
