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

Memory stays bounded on huge files: files are read in blocks of whole lines, with a cap on how
much of one line is kept (the rest is skipped, the line still counted); .gz files are read
transparently.
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

# Each pattern starts with a literal character ("-", "@", ".", ":"), which lets the regular
# expression engine skip ahead to it instead of trying every position of a block; the rest of a
# match (the part before that character) is then taken by hand, and checked, only for the rare
# hits.
UUID_TAIL = re.compile(rb"-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])")
EMAIL_DOMAIN = re.compile(rb"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}")
IPV4_TAIL = re.compile(rb"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9]|\.[0-9])")
# An IPv6 address has "::" or eight groups (seven colons in a row of hex groups).
IPV6_HINT = re.compile(rb":(?::|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){6})")
HEX = frozenset(b"0123456789abcdefABCDEF")
DIGITS = frozenset(b"0123456789")
EMAIL_LOCAL = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
IPV6_CHARS = HEX | frozenset(b":")
WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
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


def back(data, pos, allowed, most):
    """Where a run of `allowed` bytes ending at pos starts (at most `most` of them)."""
    start = pos
    while start > 0 and pos - start < most and data[start - 1] in allowed:
        start -= 1
    return start


def find_uuids(data):
    for m in UUID_TAIL.finditer(data):
        start = m.start() - 8
        if start >= 0 and back(data, m.start(), HEX, 9) == start and (start == 0 or data[start - 1] not in HEX):
            yield start, data[start : m.end()]


def find_emails(data):
    for m in EMAIL_DOMAIN.finditer(data):
        start = back(data, m.start(), EMAIL_LOCAL, 64)
        if start < m.start():
            yield start, data[start : m.end()]


def find_ipv4(data):
    for m in IPV4_TAIL.finditer(data):
        start = back(data, m.start(), DIGITS, 3)
        if start < m.start() and (start == 0 or data[start - 1] not in DIGITS and data[start - 1] != 0x2E) and is_ipv4(data[start : m.end()]):
            yield start, data[start : m.end()]


def find_ipv6(data):
    end = 0
    for m in IPV6_HINT.finditer(data):
        if m.start() < end:
            continue  # inside the address found last
        start = back(data, m.start(), IPV6_CHARS, 39)
        end = m.end()
        while end < len(data) and end - start < 39 and data[end] in IPV6_CHARS:
            end += 1
        # Not part of a word or a longer token: "std::string" and "a::b" are code, not addresses.
        if (start > 0 and (data[start - 1] in WORD or data[start - 1] == 0x2E)) or (end < len(data) and data[end] in WORD):
            continue
        if is_ipv6(data[start:end]):
            yield start, data[start:end]


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


# Each check: its kind, a byte that any match must contain (a block without it is not searched
# at all), the finder, and how to redact what it found.
CHECKS = (
    ("client-id", b"-", find_uuids, redact_uuid),
    ("email", b"@", find_emails, redact_email),
    ("ip-address", b".", find_ipv4, redact_ip),
    ("ip-address", b":", find_ipv6, redact_ip),
)
# A "{" followed by enough of a line to be a raw submission (it must also start its line).
RAW_LINE = re.compile(rb"\{[^\n]{%d,}" % (RAW_JSON_MIN_CHARS - 1))
# Files are read in blocks of whole lines and each pattern runs over a whole block (in C), not
# line by line in Python; a line number is worked out only for a finding.
BLOCK = 4 * 1024 * 1024


class FileScan:
    """The findings of one file: at most PER_FILE_KIND of a kind; a kind that had more is done."""

    def __init__(self, scan, rel):
        self.scan = scan
        self.rel = rel
        self.counts = {}
        self.done = set()

    def add(self, kind, line, sample):
        """Records a finding; False (and the scan marked truncated) when no more are wanted."""
        if self.counts.get(kind, 0) >= PER_FILE_KIND or len(self.scan.findings) >= self.scan.max_findings:
            self.scan.truncated = True
            self.done.add(kind)
            return False
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.scan.findings.append({"file": self.rel, "line": line, "kind": kind, "sample": sample})
        return True

    def block(self, data, first_line, complete):
        """Searches a block of whole lines (or, complete=False, the head of an over-long line)."""

        def line_of(pos):
            return first_line + data.count(b"\n", 0, pos)

        if "raw-json" not in self.done:
            for match in RAW_LINE.finditer(data):
                if data[data.rfind(b"\n", 0, match.start()) + 1 : match.start()].strip(b" \t"):
                    continue  # a "{" inside a line, not an object that is the line
                end = data.find(b"\n", match.start())
                text = data[match.start() : end if end >= 0 else len(data)]
                sample = raw_json_sample(text, complete or end >= 0)
                if sample and not self.add("raw-json", line_of(match.start()), sample):
                    break
        for kind, hint, finder, redact in CHECKS:
            if kind in self.done or hint not in data:
                continue
            for pos, value in finder(data):
                if not self.add(kind, line_of(pos), redact(value.decode())):
                    break


class Scan:
    def __init__(self, max_findings):
        self.max_findings = max_findings
        self.findings = []
        self.files = 0
        self.bytes = 0
        self.truncated = False

    def scan_file(self, path, rel):
        found = FileScan(self, rel)
        line = 1
        pending = b""
        with open_maybe_gzip(path) as stream:
            while True:
                chunk = stream.read(BLOCK)
                self.bytes += len(chunk)
                data = pending + chunk if pending else chunk
                if not chunk:
                    if data:
                        found.block(data, line, True)  # the last line, without a newline
                    break
                cut = data.rfind(b"\n")
                if cut < 0:
                    pending = data
                else:
                    whole, pending = data[: cut + 1], data[cut + 1 :]
                    found.block(whole, line, True)
                    line += whole.count(b"\n")
                if len(pending) > MAX_LINE:
                    # A line longer than MAX_LINE: its head is searched, the rest skipped.
                    found.block(pending[:MAX_LINE], line, False)
                    pending = self.skip_rest_of_line(stream, pending)
                    line += 1
        self.files += 1

    def skip_rest_of_line(self, stream, pending):
        """Reads past the end of an over-long line in bounded pieces; returns what follows it."""
        rest = pending
        while True:
            cut = rest.find(b"\n")
            if cut >= 0:
                return rest[cut + 1 :]
            rest = stream.read(BLOCK)
            self.bytes += len(rest)
            if not rest:
                return b""

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
