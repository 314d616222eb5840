#!/usr/bin/env python3
"""Benchmark: the map/reduce runner against a plain single-process Python loop.

    python3 bench/mapreduce.py [--size-mb N] [--repeat N] [--seed N]

Both sides do the same job on the same files, a count of submissions by
operating system: decompress every file, split it into lines, split each
line at the tab, json.loads the record and count ``info.OS``. The anchor is
the plain loop a careful analyst would write (whole-file decompression, no
per-line file iteration), run as its own Python process; ours is
``python3 -m mapreduce.job`` run as a user runs it, startup and reduce phase
included, with 1 and then 2 mappers. Both are timed from outside.

The data set is generated once by resources/examples/generate_sample_data.py
and cached under .bench/ in the repository root. Each configuration runs
--repeat times, interleaved, and the fastest run counts, which keeps noise
from other processes on the machine out of the ratio.

Output lines (ratio = anchor time / our time, i.e. our speed relative to the
plain loop; above 1 means faster)::

    mapreduce-1-mapper: ours X s, anchor Y s, ratio Z
    mapreduce-2-mappers: ours X s, anchor Y s, ratio Z

Goals on a 2-core machine: ratio >= 1.7 with 2 mappers, >= 0.85 with 1.
"""

import argparse
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER_DIR = os.path.join(REPO, "resources", "worker")
GENERATOR = os.path.join(REPO, "resources", "examples", "generate_sample_data.py")
CACHE = os.path.join(REPO, ".bench")

JOB_SCRIPT = """\
import json


def map(key, dims, value, context):
    context.write(json.loads(value)["info"]["OS"], 1)


def reduce(key, values, context):
    context.write(key, sum(values))
"""

MATCH_ALL = {
    "version": 1,
    "dimensions": [
        {"field_name": name, "allowed_values": "*"}
        for name in ("reason", "appName", "appUpdateChannel", "appVersion", "appBuildID", "submission_date")
    ],
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mb", type=int, default=150, help="uncompressed data set size (default 150)")
    p.add_argument("--repeat", type=int, default=3, help="runs per configuration; the fastest counts")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--plain-loop", metavar="DIR", help=argparse.SUPPRESS)  # the anchor's own process
    return p.parse_args()


def data_set(size_mb, seed):
    """The cached data set's directory and generator summary; generated if missing."""
    base = os.path.join(CACHE, f"mapreduce-{size_mb}mb-seed{seed}")
    data, summary_path = os.path.join(base, "data"), os.path.join(base, "summary.json")
    if not os.path.exists(summary_path):  # written last: its presence means complete
        print(f"generating a {size_mb} MB data set in {base} (cached for later runs) ...", flush=True)
        if os.path.isdir(data):
            shutil.rmtree(data)
        os.makedirs(base, exist_ok=True)
        out = subprocess.run(
            [sys.executable, GENERATOR, "--out", data, "--size-mb", str(size_mb), "--seed", str(seed)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        with open(summary_path, "w") as f:
            f.write(out)
    with open(summary_path) as f:
        return data, json.load(f)


def data_files(data):
    found = []
    for root, _dirs, names in os.walk(data):
        found.extend(os.path.join(root, n) for n in names)
    return sorted(found)


def plain_loop(data):
    """The anchor's work: count by OS with a plain loop. Returns counts by OS."""
    counts = {}
    for path in data_files(data):
        with open(path, "rb") as f:
            raw = f.read()
        data = zlib.decompress(raw, 16 + zlib.MAX_WBITS) if path.endswith(".gz") else lzma.decompress(raw)
        for line in data.decode("utf-8").split("\n"):
            if not line:
                continue
            try:
                _key, value = line.split("\t", 1)
                os_name = json.loads(value)["info"]["OS"]
            except ValueError:
                continue
            counts[os_name] = counts.get(os_name, 0) + 1
    return counts


def anchor(data):
    """One run of the plain loop as its own program, like ours, so both pay
    for interpreter startup. Returns (seconds, counts by OS)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--plain-loop", data], stdout=subprocess.PIPE, check=True
    )
    return time.perf_counter() - start, json.loads(done.stdout)


def ours(data, mappers, work):
    """One run of the runner as a user starts it. Returns (seconds, counts by OS)."""
    output = os.path.join(work, f"out-{mappers}.txt")
    command = [
        sys.executable, "-m", "mapreduce.job", os.path.join(work, "job.py"),
        "--input-filter", os.path.join(work, "filter.json"),
        "--data-dir", data, "--output", output, "--num-mappers", str(mappers),
        "--work-dir", work,
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, cwd=WORKER_DIR, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"runner failed ({done.returncode}):\n{done.stderr}")
    counts = {}
    with open(output) as f:
        for line in f:
            name, count = line.rstrip("\n").split("\t")
            counts[name] = int(count)
    return elapsed, counts


def main():
    args = parse_args()
    if args.plain_loop:
        print(json.dumps(plain_loop(args.plain_loop)))
        return
    data, summary = data_set(args.size_mb, args.seed)
    files = data_files(data)
    megabytes, records = summary["bytes"] / 1e6, summary["records"]
    print(
        f"data: {len(files)} files, {records} records, {megabytes:.0f} MB uncompressed, "
        f"{summary['bytes_on_disk'] / 1e6:.0f} MB on disk; {os.cpu_count()} CPUs; best of {args.repeat}"
    )
    print("ratio = anchor time / our time (our speed relative to the plain loop; > 1 is faster)")

    best = {"anchor": float("inf"), 1: float("inf"), 2: float("inf")}
    with tempfile.TemporaryDirectory(prefix="bench-mapreduce-") as work:
        with open(os.path.join(work, "job.py"), "w") as f:
            f.write(JOB_SCRIPT)
        with open(os.path.join(work, "filter.json"), "w") as f:
            json.dump(MATCH_ALL, f)
        anchor(data)  # warm the page cache so no side pays for the first read
        for _ in range(args.repeat):
            seconds, expected = anchor(data)
            best["anchor"] = min(best["anchor"], seconds)
            for mappers in (1, 2):
                seconds, counts = ours(data, mappers, work)
                if counts != expected:
                    sys.exit(f"results differ with {mappers} mappers: {counts} != {expected}")
                best[mappers] = min(best[mappers], seconds)

    base = best["anchor"]
    for mappers, label in ((1, "mapreduce-1-mapper"), (2, "mapreduce-2-mappers")):
        t = best[mappers]
        print(f"{label}: ours {t:.2f} s, anchor {base:.2f} s, ratio {base / t:.2f}")
        print(
            f"  throughput: ours {megabytes / t:.1f} MB/s, {records / t:,.0f} records/s; "
            f"anchor {megabytes / base:.1f} MB/s, {records / base:,.0f} records/s"
        )


if __name__ == "__main__":
    main()
