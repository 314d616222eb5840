#!/usr/bin/env python3
"""Benchmark: the publish guard against GNU grep looking for the same things.

    python3 bench/publish_guard.py [--size-mb N] [--repeat N]

A job's output of about --size-mb MB (half plain CSV, half gzip; aggregate rows with dates,
times and version numbers, as real output has, and a few raw-looking rows) is scanned by
``python3 resources/worker/publish_guard.py DIR`` as run-job.sh runs it. The anchor is what a
careful shell user would run for the same three patterns (UUIDs, e-mail and IPv4 addresses):
``zcat -f`` of every file piped into one ``grep -E -c``. The guard does more (IPv6, JSON
submissions, line numbers, redaction, validation of each address), so a ratio above 1 is
expected; it says what the extra care costs. The fastest of --repeat runs counts.

Output line (ratio = our time / the anchor's time, as in every benchmark of this project):

    publish-guard: ours X s, anchor Y s, ratio Z
"""

import argparse
import gzip
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUARD = os.path.join(REPO, "resources", "worker", "publish_guard.py")
ANCHOR_PATTERN = (
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
    r"|([0-9]{1,3}\.){3}[0-9]{1,3}"
)


def rows(rng, count):
    oses = ["Windows_NT", "Darwin", "Linux", "Android"]
    for i in range(count):
        if i % 50_000 == 7:
            yield "leak,%08x-1111-4222-8333-444455556666,ana@example.org,10.0.0.%d\n" % (i, i % 250)
            continue
        yield "20%02d-%02d-%02dT%02d:%02d:00Z,%s,%d.0.%d,%d,%.4f\n" % (
            rng.randint(10, 26), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59),
            rng.choice(oses), rng.randint(30, 60), rng.randint(0, 9), rng.randint(0, 10**6), rng.random(),
        )  # fmt: skip


def make_output(root, size_mb):
    rng = random.Random(1)
    per_file = 200_000  # about 9 MB of rows
    made = 0
    index = 0
    while made < size_mb * 1024 * 1024:
        text = "".join(rows(rng, per_file)).encode()
        name = os.path.join(root, "part-%03d.csv%s" % (index, ".gz" if index % 2 else ""))
        if index % 2:
            with gzip.open(name, "wb", compresslevel=6) as out:
                out.write(text)
        else:
            with open(name, "wb") as out:
                out.write(text)
        made += len(text)
        index += 1
    return made


def timed(argv, shell=False):
    start = time.perf_counter()
    subprocess.run(argv, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("grep") or not shutil.which("zcat"):
        print("publish-guard: skipped, needs grep and zcat")
        return 0
    with tempfile.TemporaryDirectory() as root:
        made = make_output(root, args.size_mb)
        files = " ".join(sorted(os.path.join(root, f) for f in os.listdir(root)))
        # The anchor's pipeline is fixed text of our own (temp paths only): no user input in it.
        anchor_cmd = "zcat -f %s | LC_ALL=C grep -E -c '%s'" % (files, ANCHOR_PATTERN)
        ours, anchor = [], []
        for _ in range(args.repeat):
            ours.append(timed([sys.executable, GUARD, root]))
            anchor.append(timed(anchor_cmd, shell=True))
        best_ours, best_anchor = min(ours), min(anchor)
        print("publish-guard: ours %.2f s, anchor %.2f s, ratio %.2f  (%.0f MB of output, %.0f MB/s scanned)" % (
            best_ours, best_anchor, best_ours / best_anchor, made / 1e6, made / 1e6 / best_ours))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
