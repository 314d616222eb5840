#!/usr/bin/env python3
"""Benchmark: the map/reduce runner against a plain single-process Python loop.

    python3 bench/mapreduce.py [--size-mb N] [--repeat N] [--seed N]

Both sides do the same job on the same files, a count of submissions by
operating system: decompress every file, split it into lines, split each
line at the tab, json.loads the record and count ``info.OS``. The anchor is
the plain loop a careful analyst would write (whole-file decompression, no
per-line file iteration), run as its own Python process; ours is
``python3 -m mapreduce.job`` run as a user runs it, startup and reduce phase
included, with 1 and then 2 mappers. Both are timed from outside, with
Python's bytecode caching on as on an installed worker.

The data set is generated once by resources/examples/generate_sample_data.py
and cached under .bench/ in the repository root. Each configuration runs
--repeat times, interleaved, and the fastest run counts, which keeps noise
from other processes on the machine out of the ratio.

Output lines (ratio = our time / the anchor's time, as in every benchmark of
this project: below 1 means faster; the speed-up is printed beside it)::

    mapreduce-1-mapper: ours X s, anchor Y s, ratio Z
    mapreduce-2-mappers: ours X s, anchor Y s, ratio Z

The same run also times the Spark engine (``--engine spark --spark-master
local[2]``, through .venv's Python, where pyspark is installed by
``npm run setup:python``) on the same files and prints::

    mapreduce-spark-local: ours X s, anchor Y s, ratio Z
      against the local engine (2 mappers): ...

followed by where Spark's time goes, measured in one process: starting the
JVM, starting the Python workers, the map work itself, and what is left for
serialisation, the shuffle and the reduce. ``--no-spark`` leaves it out.

Goals on a 2-core machine: at least 1.7x the plain loop's speed with 2
mappers (ratio <= 0.59); with 1 mapper at most 15% slower (ratio <= 1.15). A line says whether
they were met, and a last one gives the machine's ceiling: two plain loops,
each on half the files, run at once (virtual CPUs that share a physical
core, or a busy host, keep it well under 2).
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

# Highest acceptable ratio (our time / the plain loop's time) per mapper count.
GOALS = {1: 1.15, 2: 1 / 1.7}

# Highest acceptable ratio of the Spark engine's time on local[2] to the local engine's (2 mappers).
SPARK_GOAL = 2.0
VENV_PYTHON = os.path.join(REPO, ".venv", "bin", "python")

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
    p.add_argument("--size-mb", type=int, default=100, help="uncompressed data set size (default 100)")
    p.add_argument("--repeat", type=int, default=4, help="runs per configuration; the fastest counts (default 4)")
    p.add_argument("--seed", type=int, default=7)
    # The anchor's own process: --plain-loop DIR [--part I/N].
    p.add_argument("--plain-loop", metavar="DIR", help=argparse.SUPPRESS)
    p.add_argument("--part", default="0/1", help=argparse.SUPPRESS)
    p.add_argument("--no-spark", action="store_true", help="leave out mapreduce-spark-local")
    p.add_argument(
        "--cluster-cores", type=int, default=16, help="cores of the cluster in the break-even note (default 16)"
    )
    p.add_argument(
        "--cluster-start-s",
        type=float,
        default=60.0,
        help="seconds a cluster takes to start a job's application and executors (default 60; "
        "an assumption for EMR on YARN, not measured here)",
    )
    # The Spark breakdown's own process: --spark-probe DIR WORK.
    p.add_argument("--spark-probe", nargs=2, metavar=("DIR", "WORK"), help=argparse.SUPPRESS)
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


def child_env():
    """The environment both sides run in: Python's normal bytecode caching on,
    as on an installed worker (where the runner's modules are compiled once),
    even if this shell disables it."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def plain_loop(data, part=0, parts=1):
    """The anchor's work: count by OS with a plain loop. Returns counts by OS.

    With ``parts`` > 1, only every parts-th file starting at ``part``.
    """
    counts = {}
    for path in data_files(data)[part::parts]:
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


def anchor(data, parts=1):
    """One run of the plain loop as its own program, like ours, so both pay
    for interpreter startup. With ``parts`` > 1, that many plain loops run at
    once on interleaved shares of the files: the machine's own ceiling for
    parallel speed-up. Returns (seconds, counts by OS)."""
    start = time.perf_counter()
    loops = [
        subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--plain-loop", data, "--part", f"{part}/{parts}"],
            stdout=subprocess.PIPE, env=child_env(),
        )  # fmt: skip
        for part in range(parts)
    ]
    outputs = [loop.communicate()[0] for loop in loops]
    elapsed = time.perf_counter() - start
    counts = {}
    for loop, output in zip(loops, outputs):
        if loop.returncode != 0:
            sys.exit(f"plain loop failed ({loop.returncode})")
        for name, count in json.loads(output).items():
            counts[name] = counts.get(name, 0) + count
    return elapsed, counts


def ours(data, mappers, work, spark=False):
    """One run of the runner as a user starts it. Returns (seconds, counts by OS).

    With ``spark``, on the Spark engine (local[2]) through .venv's Python."""
    output = os.path.join(work, f"out-{'spark' if spark else mappers}.txt")
    command = [
        VENV_PYTHON if spark else sys.executable, "-m", "mapreduce.job", os.path.join(work, "job.py"),
        "--input-filter", os.path.join(work, "filter.json"),
        "--data-dir", data, "--output", output, "--num-mappers", str(mappers),
        "--work-dir", work,
    ]  # fmt: skip
    if spark:
        command += ["--engine", "spark", "--spark-master", "local[2]"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=WORKER_DIR, env=child_env(), stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"runner failed ({done.returncode}):\n{done.stderr}")
    counts = {}
    with open(output) as f:
        for line in f:
            name, count = line.rstrip("\n").split("\t")
            counts[name] = int(count)
    return elapsed, counts


def spark_missing():
    """Why the Spark engine cannot run here, or None."""
    if not os.path.exists(VENV_PYTHON):
        return "no .venv: run npm run setup:python"
    check = subprocess.run([VENV_PYTHON, "-c", "import pyspark"], stderr=subprocess.DEVNULL)
    if check.returncode != 0:
        return "pyspark is not in .venv: run npm run setup:python"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java: run npm run setup:python (it installs openjdk-17-jre-headless)"
    return None


def spark_probe(data, work):
    """Where the Spark engine's time goes, measured in this process (run with
    .venv's Python). Prints a JSON object of seconds."""
    import functools

    sys.path.insert(0, WORKER_DIR)
    start = time.perf_counter()
    from mapreduce import job, spark
    from mapreduce.filters import load_filter
    from mapreduce.inputs import find_files

    times = {"import": time.perf_counter() - start}
    start = time.perf_counter()
    # With the class archive, as the command line starts it (the runs above wrote the archive).
    sc, _owned = spark.start_spark("local[2]", work, os.path.join(work, "spark.log"), class_archive=True)
    times["jvm"] = time.perf_counter() - start

    def tiny_job():
        begin = time.perf_counter()
        sc.parallelize(range(2), 2).map(spark._identity).count()
        return time.perf_counter() - begin

    first, second = tiny_job(), tiny_job()
    times["python_workers"] = first - second
    times["tiny_job"] = second

    files, _ignored = find_files(data, load_filter(os.path.join(work, "filter.json")))
    spec = spark._Job(os.path.join(work, "job.py"), open(os.path.join(work, "job.py"), "rb").read(), 1, False, False)
    groups = spark.spread_files(files, min(len(files), spark.MAP_TASKS_PER_CORE * sc.defaultParallelism))
    counters = {name: sc.accumulator(0) for name in spark.MAP_COUNTERS}
    reports = sc.accumulator([], spark._ListParam())
    begin = time.perf_counter()
    frames = (
        sc.parallelize(groups, len(groups))
        .flatMap(spark._identity)
        .mapPartitions(functools.partial(spark._map_task, spec, counters, reports))
        .count()
    )
    times["map_only"] = time.perf_counter() - begin
    times["map_tasks"] = len(groups)
    times["frames"] = frames

    argv = [
        os.path.join(work, "job.py"), "-f", os.path.join(work, "filter.json"), "-d", data,
        "-o", os.path.join(work, "out-probe.txt"), "-w", work, "--engine", "spark",
    ]  # fmt: skip
    with open(os.devnull, "w") as devnull:
        saved, sys.stderr = sys.stderr, devnull
        try:
            begin = time.perf_counter()
            code = job.main(argv)
            times["warm_job"] = time.perf_counter() - begin
        finally:
            sys.stderr = saved
    spark.finish_spark(sc)
    if code != 0:
        sys.exit(f"probe job failed ({code})")
    print(json.dumps(times))


def print_break_even(best, megabytes, probe, cores, start_s, compressed_share):
    """From what data size Spark on a cluster beats the local engine on this machine."""
    local_rate = megabytes / best[2]  # MB/s of the local engine, 2 mappers, here
    core_rate = megabytes / (probe["map_only"] * 2)  # MB/s of one Spark core doing the map work
    cluster_rate = cores * core_rate
    print(
        f"  when a cluster pays off: the local engine reads {local_rate:.1f} MB/s here; a Spark core does the map "
        f"work at {core_rate:.1f} MB/s, so {cores} cluster cores at {cluster_rate:.0f} MB/s"
    )
    if cluster_rate <= local_rate:
        print("    with so few cores a cluster never catches up with this machine")
        return
    break_even = start_s / (1 / local_rate - 1 / cluster_rate)
    print(
        f"    with {start_s:.0f} s to start the job on the cluster (--cluster-start-s), it wins from about "
        f"{break_even / 1000:.1f} GB uncompressed ({break_even / 1000 * compressed_share:.2f} GB compressed as this set is); below "
        f"that this machine's local engine finishes first"
    )


def print_spark(best, megabytes, probe):
    t, base, local = best["spark"], best["anchor"], best[2]
    print(f"mapreduce-spark-local: ours {t:.2f} s, anchor {base:.2f} s, ratio {t / base:.2f} (speed-up {base / t:.2f}x)")
    met = "met" if t / local <= SPARK_GOAL else "MISSED"
    print(
        f"  against the local engine (2 mappers, {local:.2f} s): ratio {t / local:.2f}; "
        f"goal Spark local[2] <= {SPARK_GOAL:.1f}x the local engine: {met}"
    )
    print(f"  throughput: Spark {megabytes / t:.1f} MB/s; local engine {megabytes / local:.1f} MB/s")
    if probe is None:
        return
    rest = probe["warm_job"] - probe["map_only"]
    cold = t - probe["warm_job"]
    print("  where Spark's time goes (one process, measured separately from the runs above):")
    print(f"    python imports (pyspark, py4j) {probe['import']:.2f} s; JVM start (SparkContext) {probe['jvm']:.2f} s")
    print(
        f"    Python workers' start {probe['python_workers']:.2f} s (first tiny job less a second one); "
        f"a tiny 2-task job on a warm Spark {probe['tiny_job']:.2f} s"
    )
    print(
        f"    the job on a warm Spark {probe['warm_job']:.2f} s: map work {probe['map_only']:.2f} s "
        f"({probe['map_tasks']} tasks, {probe['frames']} frames); serialisation, shuffle and reduce {rest:.2f} s"
    )
    print(f"    so starting Spark (JVM, workers, imports) costs the command line about {cold:.2f} s of its {t:.2f} s")


def main():
    args = parse_args()
    if args.spark_probe:
        spark_probe(*args.spark_probe)
        return
    if args.plain_loop:
        part, parts = (int(n) for n in args.part.split("/"))
        print(json.dumps(plain_loop(args.plain_loop, part, parts)))
        return
    data, summary = data_set(args.size_mb, args.seed)
    files = data_files(data)
    megabytes, records = summary["bytes"] / 1e6, summary["records"]
    print(
        f"data: {len(files)} files, {records} records, {megabytes:.0f} MB uncompressed, "
        f"{summary['bytes_on_disk'] / 1e6:.0f} MB on disk; {os.cpu_count()} CPUs; best of {args.repeat}"
    )
    print("ratio = our time / anchor time (< 1 is faster); speed-up = anchor time / our time")

    no_spark = "--no-spark given" if args.no_spark else spark_missing()
    best = {"anchor": float("inf"), "ceiling": float("inf"), 1: float("inf"), 2: float("inf"), "spark": float("inf")}
    probe = None
    with tempfile.TemporaryDirectory(prefix="bench-mapreduce-") as work:
        with open(os.path.join(work, "job.py"), "w") as f:
            f.write(JOB_SCRIPT)
        with open(os.path.join(work, "filter.json"), "w") as f:
            json.dump(MATCH_ALL, f)
        # Warm up: the page cache holds the data and the runner's bytecode is
        # cached, so no side pays for a first run.
        anchor(data)
        ours(data, 2, work)
        if no_spark is None:
            ours(data, 2, work, spark=True)
        for _ in range(args.repeat):
            seconds, expected = anchor(data)
            best["anchor"] = min(best["anchor"], seconds)
            for mappers in (1, 2):
                seconds, counts = ours(data, mappers, work)
                if counts != expected:
                    sys.exit(f"results differ with {mappers} mappers: {counts} != {expected}")
                best[mappers] = min(best[mappers], seconds)
            best["ceiling"] = min(best["ceiling"], anchor(data, parts=2)[0])
            if no_spark is None:
                seconds, counts = ours(data, 2, work, spark=True)
                if counts != expected:
                    sys.exit(f"results differ on Spark: {counts} != {expected}")
                best["spark"] = min(best["spark"], seconds)
        if no_spark is None:
            done = subprocess.run(
                [VENV_PYTHON, os.path.abspath(__file__), "--spark-probe", data, work],
                stdout=subprocess.PIPE, text=True, env=child_env(),
            )  # fmt: skip
            probe = json.loads(done.stdout) if done.returncode == 0 else None

    base = best["anchor"]
    verdicts = []
    for mappers, label in ((1, "mapreduce-1-mapper"), (2, "mapreduce-2-mappers")):
        t = best[mappers]
        print(f"{label}: ours {t:.2f} s, anchor {base:.2f} s, ratio {t / base:.2f} (speed-up {base / t:.2f}x)")
        print(
            f"  throughput: ours {megabytes / t:.1f} MB/s, {records / t:,.0f} records/s; "
            f"anchor {megabytes / base:.1f} MB/s, {records / base:,.0f} records/s"
        )
        met = "met" if t / base <= GOALS[mappers] else "MISSED"
        verdicts.append(f"{mappers} mapper{'s' if mappers > 1 else ''} ratio <= {GOALS[mappers]:.2f} {met}")
    print("goals: " + "; ".join(verdicts))
    ceiling = best["ceiling"]
    print(
        f"machine ceiling: 2 plain loops on half the files each, in parallel: "
        f"{ceiling:.2f} s, ratio {ceiling / base:.2f} (what 2 processes can gain here at best)"
    )
    if no_spark is None:
        print_spark(best, megabytes, probe)
        if probe is not None:
            share = summary["bytes_on_disk"] / summary["bytes"]
            print_break_even(best, megabytes, probe, args.cluster_cores, args.cluster_start_s, share)
    else:
        print(f"mapreduce-spark-local: skipped: {no_spark}")


if __name__ == "__main__":
    main()
