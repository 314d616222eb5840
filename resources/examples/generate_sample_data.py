#!/usr/bin/env python3
"""Write a seeded, realistic telemetry v2 sample data set.

    python3 generate_sample_data.py --out DIR [--seed N] [--size-mb MB | --records N]

Layout (what the map/reduce runner reads)::

    DIR/<reason>/<appName>/<appUpdateChannel>/<appVersion>/
        <appBuildID>.<submission_date>.v2.log.<32 hex>.<lzma|xz|gz>

Directory names are sanitised like the storage layout did (``saved-session``
is stored as ``saved_session``). Each line is ``uuid<TAB>json``; the JSON is
a v2 payload with ``info`` (OS, version, app fields ...),
``simpleMeasurements``, ``histograms`` (bucket counts followed by sum,
log_sum, log_sum_squares, sum_squares_lo, sum_squares_hi) and ``slowSQL``.
A few lines are deliberately bad (no tab, or JSON cut short), and the files
use all three compressions. The same seed and size give byte-identical files.

``--size-mb`` is the size of the uncompressed records, to within about half a
percent; on disk the data set is about six times smaller. A one-line JSON
summary goes to stdout.
"""

import argparse
import datetime
import json
import lzma
import os
import random
import re
import sys
import zlib

REASONS = {"saved-session": 7, "idle-daily": 3}
APPS = {"Firefox": 75, "Fennec": 15, "Thunderbird": 10}
CHANNELS = {"release": 60, "beta": 20, "aurora": 8, "nightly": 12}
APP_IDS = {
    "Firefox": "{ec8030f7-c20a-464f-9b0e-13a3a9e97384}",
    "Fennec": "{aa3c5121-dab2-40e2-81ca-7ea25febc110}",
    "Thunderbird": "{3550f703-e582-4d05-9a08-453d09bdfdc6}",
}
VERSIONS = {
    ("Firefox", "release"): "30.0",
    ("Firefox", "beta"): "31.0",
    ("Firefox", "aurora"): "32.0a2",
    ("Firefox", "nightly"): "33.0a1",
    ("Fennec", "release"): "30.0",
    ("Fennec", "beta"): "31.0",
    ("Fennec", "aurora"): "32.0a2",
    ("Fennec", "nightly"): "33.0a1",
    ("Thunderbird", "release"): "24.6.0",
    ("Thunderbird", "beta"): "31.0",
    ("Thunderbird", "aurora"): "32.0a2",
    ("Thunderbird", "nightly"): "33.0a1",
}
# How many builds each channel has in use at once (nightly: one a day).
BUILDS_PER_CHANNEL = {"release": 2, "beta": 3, "aurora": 4, "nightly": 7}
DESKTOP_OS = {
    ("WINNT", "6.1"): 45,
    ("WINNT", "5.1"): 15,
    ("WINNT", "6.3"): 13,
    ("WINNT", "6.2"): 8,
    ("Darwin", "13.2.0"): 7,
    ("Darwin", "12.5.0"): 3,
    ("Linux", "3.13.0-24-generic"): 5,
    ("Linux", "3.2.0-4-amd64"): 4,
}
ANDROID_OS = {("Android", "4.4.2"): 40, ("Android", "4.1.2"): 35, ("Android", "2.3.6"): 25}
LOCALES = {"en-US": 50, "de": 12, "fr": 9, "es-ES": 7, "ru": 6, "pt-BR": 6, "ja": 5, "pl": 5}
# name: (kind, bucket count, typical value)
HISTOGRAMS = {
    "CYCLE_COLLECTOR": ("exponential", 50, 40),
    "GC_MS": ("exponential", 50, 60),
    "MEMORY_RESIDENT": ("exponential", 50, 300000),
    "CHECKERBOARD_SEVERITY": ("exponential", 50, 5),
    "FX_TAB_SWITCH_TOTAL_MS": ("exponential", 20, 30),
    "PLACES_PAGES_COUNT": ("exponential", 20, 20000),
    "HTTP_PAGE_DNS_LOOKUP_TIME": ("exponential", 50, 25),
    "TELEMETRY_PING": ("exponential", 20, 200),
    "DOM_TIMERS_FIRED_PER_NATIVE_TIMEOUT": ("linear", 10, 3),
    "NEWTAB_PAGE_SHOWN": ("boolean", 3, 1),
    "SHUTDOWN_OK": ("boolean", 3, 1),
}
SLOW_SQL_MAIN = [
    "SELECT h.url, h.title, h.frecency FROM moz_places h WHERE h.id = :page_id",
    "UPDATE moz_places SET frecency = CALCULATE_FRECENCY(id) WHERE frecency < 0",
    "SELECT * FROM moz_formhistory WHERE fieldname = 'searchbar-history' ORDER BY frecency DESC",
    "INSERT OR REPLACE INTO moz_cookies (name, value, host, path) VALUES (:name, :value, :host, :path)",
    'SELECT "id", "guid" FROM moz_bookmarks WHERE parent = :parent AND type = 1',
    "DELETE FROM moz_historyvisits WHERE visit_date < :cutoff",
]
SLOW_SQL_OTHER = [
    "SELECT b.id, b.title, b.dateAdded FROM moz_bookmarks b JOIN moz_places h ON b.fk = h.id",
    "PRAGMA wal_checkpoint",
    "SELECT key, value FROM moz_annos WHERE place_id = :id AND anno_attribute_id = :attr",
    "VACUUM",
    "SELECT COUNT(*), SUM(size) FROM moz_cache WHERE expiry < :now",
    "INSERT INTO moz_downloads (name, source, target, state) VALUES (:name, :source, :target, 0)",
]
VENDORS = ["0x8086", "0x10de", "0x1002"]
# Variants pre-built per histogram; records pick among them, which keeps
# generation fast without making every record alike.
HISTOGRAM_VARIANTS = 96
# A line is a 36-character uuid, a tab, the payload and a newline.
LINE_OVERHEAD = 38
# Records drawn to estimate the mean record size for --size-mb: enough that the set comes within
# about half a percent of the size asked for (records vary a lot: histograms, slow SQL).
PROBE_RECORDS = 2000


def sanitise(value):
    return re.sub(r"[^A-Za-z0-9_/.]", "_", value)


def weighted(rng, table):
    return rng.choices(list(table), weights=list(table.values()))[0]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="directory to create (must be empty or absent)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--size-mb", type=float, help="size of the uncompressed records in MB (default 20)")
    size.add_argument("--records", type=int, help="exact number of lines to write")
    p.add_argument("--start-date", default="20140701", help="first submission date, yyyymmdd")
    p.add_argument("--days", type=int, default=7, help="number of submission dates")
    p.add_argument(
        "--bad-lines", type=int, help="deliberately bad lines (default: about 1 in 5000, at least 2)"
    )
    args = p.parse_args(argv)
    if args.records is None and args.size_mb is None:
        args.size_mb = 20.0
    if (args.records is not None and args.records < 0) or (args.size_mb is not None and args.size_mb <= 0):
        p.error("--records must not be negative and --size-mb must be positive")
    if args.days < 1:
        p.error("--days must be at least 1")
    try:
        args.start = datetime.datetime.strptime(args.start_date, "%Y%m%d").date()
    except ValueError:
        p.error(f"--start-date {args.start_date!r} is not yyyymmdd")
    return args


class Generator:
    def __init__(self, seed, start, days):
        self.rng = random.Random(seed)
        self.dates = [(start + datetime.timedelta(days=d)).strftime("%Y%m%d") for d in range(days)]
        # Weekends see about 15-20% fewer submissions.
        self.date_weights = {
            d: (82 if datetime.datetime.strptime(d, "%Y%m%d").weekday() >= 5 else 100) for d in self.dates
        }
        self.builds = self._builds(start)
        self.histograms = {name: self._variants(*spec) for name, spec in HISTOGRAMS.items()}

    def _builds(self, start):
        """14-digit build ids (yyyymmddhhmmss) per (app, channel), newest last."""
        builds = {}
        for app, channel in VERSIONS:
            count = BUILDS_PER_CHANNEL[channel]
            step = 1 if channel == "nightly" else 7
            ids = []
            for i in range(count):
                day = start - datetime.timedelta(days=step * (count - i))
                clock = f"{self.rng.randrange(24):02d}{self.rng.randrange(60):02d}{self.rng.randrange(60):02d}"
                ids.append(day.strftime("%Y%m%d") + clock)
            builds[app, channel] = ids
        return builds

    def _variants(self, kind, buckets, typical):
        """Serialised v2 arrays: bucket counts then the five statistics."""
        rng = self.rng
        variants = []
        for _ in range(HISTOGRAM_VARIANTS):
            counts = [0] * buckets
            if kind == "boolean":
                counts[rng.random() < 0.8] = rng.randint(1, 20)
                total = counts[1]
            else:
                centre = min(buckets - 2, max(1, int(rng.gauss(buckets * 0.4, buckets * 0.15))))
                for b in range(max(0, centre - 3), min(buckets, centre + 4)):
                    counts[b] = rng.randint(0, 30)
                total = int(sum(counts) * typical * rng.uniform(0.5, 1.5))
            if kind == "exponential":
                log_sum = round(sum(counts) * rng.uniform(1.0, 6.0), 4)
                stats = [total, log_sum, round(log_sum * rng.uniform(2.0, 6.0), 4), -1, -1]
            else:
                squares = total * typical
                stats = [total, -1, -1, squares & 0xFFFFFFFF, squares >> 32]
            variants.append(json.dumps(counts + stats, separators=(",", ":")))
        return variants

    def file_key(self):
        """The six path dimensions of one submission."""
        rng = self.rng
        reason = weighted(rng, REASONS)
        app = weighted(rng, APPS)
        channel = weighted(rng, CHANNELS)
        build = rng.choice(self.builds[app, channel])
        date = weighted(rng, self.date_weights)
        return (reason, app, channel, VERSIONS[app, channel], build, date)

    def uuid(self):
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"

    def record(self, dims):
        rng = self.rng
        reason, app, channel, version, build, _date = dims
        os_name, os_version = weighted(rng, ANDROID_OS if app == "Fennec" else DESKTOP_OS)
        info = {
            "reason": reason,
            "OS": os_name,
            "version": os_version,
            "appID": APP_IDS[app],
            "appVersion": version,
            "appName": app,
            "appBuildID": build,
            "appUpdateChannel": channel,
            "platformBuildID": build,
            "locale": weighted(rng, LOCALES),
            "cpucount": rng.choice([1, 2, 2, 4, 4, 4, 8]),
            "memsize": rng.choice([1024, 2048, 3072, 4096, 8192, 16384]),
            "arch": "armv7l" if app == "Fennec" else rng.choice(["x86", "x86", "x86-64"]),
            "hasSSE2": app != "Fennec",
            "adapterVendorID": rng.choice(VENDORS),
            "adapterDeviceID": f"0x{rng.randrange(0x10000):04x}",
            "revision": f"https://hg.mozilla.org/releases/mozilla-{channel}/rev/{rng.getrandbits(48):012x}",
            "flashVersion": rng.choice(["14.0.0.125", "13.0.0.214", "11.2.202.378", None]),
        }
        main = rng.randint(80, 900)
        simple = {
            "uptime": rng.randint(1, 600),
            "main": main,
            "firstPaint": main + rng.randint(300, 4000),
            "sessionRestored": main + rng.randint(400, 6000),
            "startupInterrupted": int(rng.random() < 0.03),
            "debuggerAttached": 0,
            "maximalNumberOfConcurrentThreads": rng.randint(20, 90),
            "js": {"setTimeout": rng.randint(0, 5000), "setInterval": rng.randint(0, 500)},
        }
        names = rng.sample(sorted(self.histograms), rng.randint(6, len(self.histograms)))
        histograms = ",".join(f'"{n}":{rng.choice(self.histograms[n])}' for n in sorted(names))
        main_queries = rng.sample(SLOW_SQL_MAIN, rng.randint(0, 3))
        other_queries = rng.sample(SLOW_SQL_OTHER, rng.randint(0, 4))
        slow_sql = {
            "mainThread": {q: [rng.randint(1, 5), rng.randint(100, 3000)] for q in main_queries},
            "otherThreads": {q: [rng.randint(1, 9), rng.randint(100, 9000)] for q in other_queries},
        }
        return (
            f'{{"ver":2,"info":{json.dumps(info, separators=(",", ":"))},'
            f'"simpleMeasurements":{json.dumps(simple, separators=(",", ":"))},'
            f'"histograms":{{{histograms}}},'
            f'"slowSQL":{json.dumps(slow_sql, separators=(",", ":"))}}}'
        )


def _compressor(compression):
    if compression == "gz":
        # zlib's gzip wrapper writes mtime 0: the output is reproducible.
        return zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    if compression == "xz":
        return lzma.LZMACompressor(format=lzma.FORMAT_XZ, preset=1)
    return lzma.LZMACompressor(format=lzma.FORMAT_ALONE, preset=1)


def generate(args):
    gen = Generator(args.seed, args.start, args.days)
    rng = gen.rng
    if args.records is not None:
        total = args.records
    else:
        # Estimate the mean record size from a sample drawn from its own seed.
        probe = Generator(args.seed + 1, args.start, args.days)
        sample = [len(probe.record(probe.file_key())) + LINE_OVERHEAD for _ in range(PROBE_RECORDS)]
        total = max(1, round(args.size_mb * 1e6 / (sum(sample) / len(sample))))
    bad_total = args.bad_lines if args.bad_lines is not None else (max(2, total // 5000) if total >= 20 else 0)
    bad_total = min(bad_total, total)

    # Decide how many records each file gets first, then write file by file,
    # so memory stays small whatever the size.
    counts = {}
    for _ in range(total):
        key = gen.file_key()
        counts[key] = counts.get(key, 0) + 1
    bad_at = set(rng.sample(range(total), bad_total))
    offset = rng.randrange(3)

    summary = {"records": total, "bad_lines": bad_total, "files": len(counts), "bytes": 0, "bytes_on_disk": 0}
    index = bad_written = 0
    for n, key in enumerate(sorted(counts)):
        reason, app, channel, version, build, date = key
        compression = ("lzma", "xz", "gz")[(n + offset) % 3]
        folder = os.path.join(args.out, *(sanitise(v) for v in (reason, app, channel, version)))
        os.makedirs(folder, exist_ok=True)
        name = f"{build}.{date}.v2.log.{rng.getrandbits(128):032x}.{compression}"
        path = os.path.join(folder, name)
        compressor = _compressor(compression)
        with open(path, "wb") as out:
            lines = []
            for _ in range(counts[key]):
                uuid, payload = gen.uuid(), gen.record(key)
                if index in bad_at:
                    # Alternate the two kinds of damage seen in real data.
                    if bad_written % 2:
                        line = f"{uuid} {payload}"
                    else:
                        line = f"{uuid}\t{payload[: len(payload) // 2]}"
                    bad_written += 1
                else:
                    line = f"{uuid}\t{payload}"
                lines.append(line)
                index += 1
                if len(lines) >= 256:
                    summary["bytes"] += _write(out, compressor, lines)
            summary["bytes"] += _write(out, compressor, lines)
            out.write(compressor.flush())
        summary["bytes_on_disk"] += os.path.getsize(path)
    return summary


def _write(out, compressor, lines):
    data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    lines.clear()
    out.write(compressor.compress(data))
    return len(data)


def main(argv=None):
    args = parse_args(argv)
    if os.path.isdir(args.out) and os.listdir(args.out):
        sys.exit(f"error: --out {args.out} is not empty; give a new or empty directory")
    summary = generate(args)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
