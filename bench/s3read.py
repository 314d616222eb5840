#!/usr/bin/env python3
"""Benchmark: reading a data set from S3 with the runner (--data-dir s3://...) against copying it
down with the AWS CLI and then running on the copy.

    python3 bench/s3read.py [--size-mb N] [--repeat N] [--seed N] [--mappers N]

The data set (the sample generator's, --size-mb of records, 200 by default; cached under .bench/
as bench/mapreduce.py does) is uploaded to a moto_server that this script starts on 127.0.0.1.
Every configuration runs the same job (a count of submissions by operating system over every
file) with the same number of mappers and is timed from outside:

- anchor: ``aws s3 cp --recursive s3://BUCKET/PREFIX DIR`` (the AWS CLI, 10 transfers at once),
  then ``python3 -m mapreduce.job ... --data-dir DIR``;
- ours, cold: ``python3 -m mapreduce.job ... --data-dir s3://BUCKET/PREFIX`` with an empty cache:
  listing, fetching and mapping overlap;
- ours, warm: the same with the cache holding every file (no GetObject at all).

Each configuration runs --repeat times, interleaved, and the fastest run counts. Output lines
(ratio = ours / anchor; below 1 is faster)::

    s3read-cold: ours X s, anchor Y s, ratio Z
    s3read-warm: ours X s, anchor Y s, ratio Z
    s3read-cold-vs-warm: ours X s, anchor Y s, ratio Z   (the anchor here is the warm run)

Goal: s3read-cold ratio <= 0.8. Needs .venv (moto_server, aws): npm run setup:python.
"""

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER_DIR = os.path.join(REPO, "resources", "worker")
VENV_BIN = os.path.join(REPO, ".venv", "bin")
GOAL = 0.8
BUCKET = "bench-data"
PREFIX = "telemetry/v2"


def _bench_mapreduce():
    """bench/mapreduce.py, for its data set and job (loaded by path: its name is the runner's)."""
    spec = importlib.util.spec_from_file_location("bench_mapreduce", os.path.join(HERE, "mapreduce.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mb", type=int, default=200, help="uncompressed data set size (default 200)")
    p.add_argument("--repeat", type=int, default=3, help="runs per configuration; the fastest counts (default 3)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--mappers", type=int, default=2, help="mapper processes on both sides (default 2)")
    return p.parse_args()


def _moto_fixture():
    """test/worker/moto_fixture.py, the tests' moto_server on 127.0.0.1 (loaded by path)."""
    spec = importlib.util.spec_from_file_location("moto_fixture", os.path.join(REPO, "test", "worker", "moto_fixture.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Moto(_moto_fixture().MotoServer):
    """The tests' moto_server, from .venv, with the CPU it has used."""

    def __init__(self):
        super().__init__(os.path.join(VENV_BIN, "moto_server"))

    def cpu(self):
        """CPU seconds moto_server has used so far (it serves the downloads of both sides)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args, env, cpu=None):
    """Wall seconds of one command; its CPU seconds are added to ``cpu[0]`` when given."""
    before = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} ... failed ({done.returncode}):\n{done.stderr[-2000:]}")
    if cpu is not None:
        cpu[0] += children_cpu() - before
    return elapsed


def main():
    python = os.path.join(VENV_BIN, "python")
    if os.path.realpath(sys.prefix) != os.path.realpath(os.path.join(REPO, ".venv")) and os.path.exists(python):
        os.execv(python, [python, *sys.argv])  # boto3 and the AWS CLI are .venv's
    args = parse_args()
    bench = _bench_mapreduce()
    data, summary = bench.data_set(args.size_mb, args.seed)
    work = tempfile.mkdtemp(prefix="s3read-")
    moto = Moto()
    try:
        env = dict(os.environ, **moto.env(), PYTHONPATH=WORKER_DIR, PATH=VENV_BIN + os.pathsep + os.environ["PATH"])
        script = os.path.join(work, "job.py")
        with open(script, "w") as f:
            f.write(bench.JOB_SCRIPT)
        spec = os.path.join(work, "filter.json")
        with open(spec, "w") as f:
            json.dump(bench.MATCH_ALL, f)
        upload(moto, data)
        files = sum(len(names) for _, _, names in os.walk(data))
        compressed = sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(data) for n in names)
        print(
            f"s3read: {files} files, {compressed / 1e6:.1f} MB compressed ({summary['bytes'] / 1e6:.0f} MB of records) "
            f"in moto_server; {args.mappers} mappers; fastest of {args.repeat}",
            flush=True,
        )
        job = [python, "-m", "mapreduce.job", script, "--input-filter", spec, "--num-mappers", str(args.mappers)]
        source = f"s3://{BUCKET}/{PREFIX}"
        warm_cache = os.path.join(work, "warm-cache")
        # Fill the warm cache once, and check both sides give the same output.
        timed(job + ["--data-dir", source, "--cache-dir", warm_cache, "--output", os.path.join(work, "warm.txt")], env)
        best = {"anchor": float("inf"), "cold": float("inf"), "warm": float("inf")}
        # CPU seconds over all runs: the client's (ours or aws + the local run) and moto_server's.
        cpu = {name: [0.0] for name in best}
        server = {name: 0.0 for name in best}

        def ours(name, cache):
            """Our runner reading the source through `cache`; its time, and moto's CPU counted to `name`."""
            before = moto.cpu()
            took = timed(job + ["--data-dir", source, "--cache-dir", cache, "--output", os.path.join(work, f"{name}.txt")], env, cpu[name])
            server[name] += moto.cpu() - before
            return took
        load = os.getloadavg()[0]
        for run in range(args.repeat):
            copy = os.path.join(work, f"copy-{run}")
            before = moto.cpu()
            anchor = timed(
                [os.path.join(VENV_BIN, "aws"), "s3", "cp", "--recursive", "--only-show-errors", source + "/", copy],
                env,
                cpu["anchor"],
            )
            anchor += timed(job + ["--data-dir", copy, "--output", os.path.join(work, "anchor.txt")], env, cpu["anchor"])
            server["anchor"] += moto.cpu() - before
            shutil.rmtree(copy)
            cold_cache = os.path.join(work, f"cold-cache-{run}")
            cold = ours("cold", cold_cache)
            shutil.rmtree(cold_cache)
            warm = ours("warm", warm_cache)
            for name, value in (("anchor", anchor), ("cold", cold), ("warm", warm)):
                best[name] = min(best[name], value)
        outputs = set()
        for name in ("anchor", "cold", "warm"):
            with open(os.path.join(work, f"{name}.txt"), "rb") as f:
                outputs.add(f.read())
        if len(outputs) != 1:
            raise SystemExit("s3read: the runs' outputs differ")
        line("s3read-cold", best["cold"], best["anchor"])
        line("s3read-warm", best["warm"], best["anchor"])
        line("s3read-cold-vs-warm", best["cold"], best["warm"])
        ratio = best["cold"] / best["anchor"]
        print(f"  goal: s3read-cold ratio <= {GOAL}: {'met' if ratio <= GOAL else 'NOT met'}")
        # On a machine whose cores are all busy, overlapping fetching and mapping cannot hide
        # either: the CPU both sides spend (moto_server's included) is then what decides.
        print(
            "  cpu per run (client + moto_server): "
            + ", ".join(
                f"{name} {cpu[name][0] / args.repeat:.2f} + {server[name] / args.repeat:.2f} s" for name in ("anchor", "cold", "warm")
            )
            + f"; {os.cpu_count()} cores, load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        )
    finally:
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)


def upload(moto, data):
    import boto3  # from .venv, as the runner's

    s3 = boto3.client(
        "s3", endpoint_url=moto.endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    s3.create_bucket(Bucket=BUCKET)
    for folder, _dirs, names in os.walk(data):
        for name in names:
            path = os.path.join(folder, name)
            s3.upload_file(path, BUCKET, f"{PREFIX}/{os.path.relpath(path, data).replace(os.sep, '/')}")


def line(name, ours, anchor):
    print(f"{name}: ours {ours:.2f} s, anchor {anchor:.2f} s, ratio {ours / anchor:.2f}", flush=True)


if __name__ == "__main__":
    main()
