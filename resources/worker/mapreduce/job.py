"""Run a map/reduce job: ``python -m mapreduce.job SCRIPT [options]``.

Compatible with telemetry-server's ``mapreduce.job``: same options, same
script functions, same filter files, same v2 data layout. See README.md
beside this file for the job script API and the output format.

Flow: load and check the script and filter; find matching files under
``--data-dir`` (a local folder, or ``s3://BUCKET[/PREFIX]``, whose files are
fetched into a local cache while the mappers already read the first ones;
see fetch.py), and in ``--bucket``; ``--num-mappers`` processes take
files from a shared queue, largest first, so their loads even out; each
mapper spills its pairs into one file per reducer (partitioned by a stable
hash of the key); ``--num-reducers`` processes group, combine and reduce
them; their outputs are concatenated (or merged by key with ``--sorted``)
into ``--output``, written atomically.

Exit codes:
    0   success, or no input file matched the filter (then no output file)
    1   bad invocation or configuration, S3 failure, or a runner error
    2   the job script raised an exception (loading, map, combine, reduce ...)
    3   a mapper or reducer process died without finishing, e.g. killed by
        the out-of-memory killer
    4   the data source cannot be read: S3 access denied, no such bucket,
        wrong region, no credentials (the message names bucket and identity)
    130 / 143   interrupted by SIGINT / SIGTERM (work files are removed)
"""

import argparse
import heapq
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from multiprocessing.connection import wait

from .contexts import read_frames
from .cache import Cache, entry_name
from .errors import EXIT_CONFIG, EXIT_DIED, EXIT_SCRIPT, EXIT_SOURCE, JobFailed
from .fetch import ArrivalQueue, Fetcher
from .filters import FilterError, load_filter
from .inputs import InputFile, find_files
from .progress import PROGRESS_INTERVAL, Progress
from .s3 import S3Error, fetch_inputs
from .s3source import FETCH_THREADS, S3Source, parse_url
from .script import ScriptError, load_script
from .sparkhome import shares_driver_files
from .tasks import child_main, map_files, reduce_partition

# Fork, not spawn: the job script is loaded once, in the parent, and every
# mapper and reducer starts as a copy of that process, so scripts with
# import-time setup behave exactly as under the original framework (which
# forked too), nothing has to be pickled, and a child starts in about a
# millisecond. The runner targets POSIX workers only, and the parent starts
# no threads of its own before forking (the download threads of an s3://
# data dir start once the mappers are forked; --bucket downloads finish first).
_MP = multiprocessing.get_context("fork")

# Seconds a terminated child gets to exit before it is killed.
_STOP_GRACE = 2.0

# Keys named in the --list-only line.
_LIST_FIRST = 10

_DEFAULT_CACHE = os.path.join("~", ".cache", "mapreduce", "s3")

def log(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 1, keeping exit code 2 for errors in the job script."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_CONFIG, f"{self.prog}: error: {message}\n")


def parse_args(argv=None):
    p = _Parser(
        prog="python3 -m mapreduce.job",
        description="Run a telemetry map/reduce job on this machine.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("job_script", help="the job script (defines map, optionally reduce/combine/setup_reduce)")
    p.add_argument("-m", "--num-mappers", metavar="N", type=int, default=4, help="mapper processes")
    p.add_argument("-r", "--num-reducers", metavar="N", type=int, default=1, help="reducer processes")
    p.add_argument(
        "-d", "--data-dir", required=True, help="the input data (v2 layout): a local folder or s3://BUCKET[/PREFIX]"
    )
    p.add_argument(
        "-w", "--work-dir", help="directory for intermediate files (default: a temporary directory, removed)"
    )
    p.add_argument("-o", "--output", help="file to write the job's output to (required unless --list-only)")
    p.add_argument("-f", "--input-filter", required=True, help="JSON filter selecting the input files")
    p.add_argument("-b", "--bucket", help="S3 bucket to read more input from (needs boto3)")
    p.add_argument("-l", "--local-only", action="store_true", help="read only --data-dir, even with --bucket")
    p.add_argument("-X", "--delete-data", action="store_true", help="delete each input file once it is processed")
    p.add_argument("-p", "--profile", action="store_true", help="print cProfile stats of every mapper and reducer")
    p.add_argument("-v", "--verbose", action="store_true", help="list the input files and time each process")
    p.add_argument("--sorted", action="store_true", help="write the output ordered by key, whatever the process counts")
    p.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="local: mapper and reducer processes on this machine; spark: Apache Spark through pyspark",
    )
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        default=_DEFAULT_CACHE,
        help="with an s3:// --data-dir: where fetched files are kept, so a re-run reads them here",
    )
    p.add_argument(
        "--cache-size-gb",
        metavar="N",
        type=float,
        default=10.0,
        help="the cache's size limit; least recently used files beyond it are removed",
    )
    p.add_argument(
        "--fetch-threads",
        metavar="N",
        type=int,
        default=FETCH_THREADS,
        help="with an s3:// --data-dir: downloads in flight at once",
    )
    p.add_argument(
        "--list-only",
        action="store_true",
        help="print one JSON line about the files the filter matches (files, bytes, first, prefixesListed) and exit",
    )
    p.add_argument(
        "--spark-master",
        metavar="URL",
        help="with --engine spark: the Spark master (default local[*], every core of this machine)",
    )
    args = p.parse_args(argv)
    if args.output is None and not args.list_only:
        p.error("the following arguments are required: -o/--output (unless --list-only)")
    return args


def main(argv=None):
    args = parse_args(argv)
    # SIGTERM (a cancelled or timed-out job) unwinds like an exception, so
    # children are stopped and work files removed on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        run(args)
    except JobFailed as e:
        log(f"error: {e}")
        return e.code
    except OSError as e:  # e.g. unreadable data dir, full disk, unwritable output
        log(f"error: {e}")
        return EXIT_CONFIG
    except KeyboardInterrupt:
        log("interrupted")
        return 128 + signal.SIGINT
    return 0


def _check_args(args):
    if args.num_mappers < 1:
        raise JobFailed(EXIT_CONFIG, f"--num-mappers must be at least 1, got {args.num_mappers}")
    if args.num_reducers < 1:
        raise JobFailed(EXIT_CONFIG, f"--num-reducers must be at least 1, got {args.num_reducers}")
    if not os.path.isfile(args.job_script):
        raise JobFailed(EXIT_CONFIG, f"job script {args.job_script}: no such file")
    args.s3 = parse_url(args.data_dir)
    if args.s3 is None and not os.path.isdir(args.data_dir):
        raise JobFailed(EXIT_CONFIG, f"--data-dir {args.data_dir}: no such directory")
    if args.s3 is not None:
        if args.bucket and not args.local_only:
            raise JobFailed(EXIT_CONFIG, "--bucket goes with a local --data-dir; an s3:// --data-dir is read alone")
        if args.delete_data:
            raise JobFailed(
                EXIT_CONFIG, "--delete-data deletes local input files; it does not apply to an s3:// --data-dir"
            )
    if args.fetch_threads < 1:
        raise JobFailed(EXIT_CONFIG, f"--fetch-threads must be at least 1, got {args.fetch_threads}")
    if args.cache_size_gb < 0:
        raise JobFailed(EXIT_CONFIG, f"--cache-size-gb must be 0 or more, got {args.cache_size_gb:g}")
    args.cache_dir = os.path.expanduser(args.cache_dir)
    if args.list_only:
        return
    if os.path.isdir(args.output):
        raise JobFailed(EXIT_CONFIG, f"--output {args.output} is a directory; give a file name")
    if args.work_dir is not None and os.path.exists(args.work_dir) and not os.path.isdir(args.work_dir):
        raise JobFailed(EXIT_CONFIG, f"--work-dir {args.work_dir} is not a directory")
    if args.spark_master is not None and args.engine != "spark":
        raise JobFailed(EXIT_CONFIG, "--spark-master goes with --engine spark; add --engine spark or drop it")
    if args.engine == "spark" and args.spark_master is None:
        args.spark_master = "local[*]"
    if args.engine == "spark" and args.s3 is None and not shares_driver_files(args.spark_master):
        raise JobFailed(
            EXIT_CONFIG,
            f"--data-dir {args.data_dir} is a folder on this machine, and the executors of Spark master "
            f"{args.spark_master} run on other nodes, which cannot read it. Put the data in S3 "
            "(workbench sample-data --to s3://BUCKET/PREFIX, or aws s3 sync FOLDER s3://BUCKET/PREFIX) and "
            "give --data-dir s3://BUCKET/PREFIX, or run on a local master (--spark-master local[*])",
        )


def run(args):
    started = time.monotonic()
    _check_args(args)
    try:
        input_filter = load_filter(args.input_filter)
    except FilterError as e:
        raise JobFailed(EXIT_CONFIG, str(e)) from None
    source = S3Source(args.data_dir, args.fetch_threads) if args.s3 is not None else None
    if args.list_only:
        _list_only(args, input_filter, source)
        return
    try:
        module = load_script(args.job_script)
    except ScriptError as e:
        raise JobFailed(EXIT_SCRIPT, str(e)) from None

    if source is not None:
        if args.engine == "spark" and not shares_driver_files(args.spark_master):
            # The executors fetch the objects themselves: the driver only lists them.
            files, objects = _s3_listed(args, source, input_filter)
            _run_job(args, module, files, None, started, objects=objects)
            return
        with _s3_inputs(args, source, input_filter) as (files, fetcher):
            _run_job(args, module, files, fetcher, started)
        return
    files, ignored = find_files(args.data_dir, input_filter)
    if ignored:
        log(f"{_count(len(ignored), 'file')} under {args.data_dir} {'is not a v2 data file and was' if len(ignored) == 1 else 'are not v2 data files and were'} ignored")
        if args.verbose:
            for path in ignored:
                log(f"  ignored: {path}")

    _run_job(args, module, files, None, started, input_filter)


def _run_job(args, module, files, fetcher, started, input_filter=None, objects=None):
    """Map and reduce ``files`` (with ``fetcher`` still bringing those of an s3:// data dir,
    or, with ``objects``, the Spark engine's map tasks fetching them)."""
    with _work_area(args.work_dir) as job_dir:
        if args.bucket and not args.local_only and fetcher is None:
            files += _fetch_remote(args, input_filter, files, job_dir)
        if not files:
            where = args.data_dir + (f" or s3://{args.bucket}" if args.bucket and not args.local_only else "")
            log(f"No input files in {where} match the filter {args.input_filter}; nothing to do, no output written.")
            return

        num_mappers = min(args.num_mappers, len(files))
        total_bytes = sum(f.size for f in files)
        if args.engine == "spark":
            workers = f"Spark master {args.spark_master}"
        else:
            workers = _count(num_mappers, "mapper")
        log(
            f"{_count(len(files), 'input file')} ({total_bytes / 1e6:.1f} MB) {'matches' if len(files) == 1 else 'match'} the filter; "
            f"{workers}, {_count(args.num_reducers, 'reducer')}"
        )
        if args.verbose:
            for f in files:
                log(f"  input: {f.label or f.path} ({f.size} bytes)")
        progress = Progress(sys.stderr, len(files), total_bytes, args.num_reducers)
        progress.phase("map")
        if args.engine == "spark":
            from .sparkhome import add_spark_python

            # A Spark installation's pyspark (EMR's /usr/lib/spark) when python3 has none of its own.
            add_spark_python()
            from .spark import run_spark  # pyspark is imported only for this engine

            if fetcher is not None:
                # Executors that read the driver's files get them fetched first, on the driver.
                fetcher.start()
                fetcher.wait(progress, PROGRESS_INTERVAL)
                files = [f for i, f in enumerate(files) if i not in fetcher.bad]
                if not files:
                    raise JobFailed(EXIT_SOURCE, f"none of the matching files of {args.data_dir} could be fetched")
            outputs = run_spark(args, files, job_dir, progress, log, objects)
        else:
            spills = _map_phase(args, module, files, num_mappers, job_dir, progress, fetcher)
            progress.phase("reduce")
            outputs = _reduce_phase(args, module, spills, job_dir, progress)
        _assemble(outputs, args.output, args.sorted)
        progress.phase("done")

    state = progress.state
    fetched = f", {state['fetched_bytes'] / 1e6:.1f} MB fetched" if args.s3 is not None else ""
    log(
        f"Done in {time.monotonic() - started:.2f}s: {_count(state['records'], 'record')} from "
        f"{_count(state['files_done'], 'file')}, {_count(state['bad_lines'], 'bad line')}, "
        f"{_count(state['bad_files'], 'unreadable file')}{fetched}; output in {args.output}"
    )


def _list_only(args, input_filter, source):
    """Print what the filter matches in the data dir as one JSON line."""
    counter = [0]
    if source is None:
        files, _ignored = find_files(args.data_dir, input_filter, counter)
        keys = [os.path.relpath(f.path, args.data_dir).replace(os.sep, "/") for f in files]
        sizes = [f.size for f in files]
        listed = counter[0]
    else:
        objects, listed = _list_s3(source, input_filter)
        keys = [o.key for o in objects]
        sizes = [o.size for o in objects]
    line = {"files": len(keys), "bytes": sum(sizes), "first": keys[:_LIST_FIRST], "prefixesListed": listed}
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _list_s3(source, input_filter):
    """The matching objects of an s3:// data dir, listed level by level, each
    level's prefixes side by side."""
    from concurrent.futures import ThreadPoolExecutor

    # The pool's threads end here, before any process is forked.
    with ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="list") as pool:
        return source.list(input_filter, pool)


def _s3_listed(args, source, input_filter):
    """The matching objects of an s3:// data dir, for map tasks that fetch them:
    ``(files, objects)``, the files naming each object by its s3:// address."""
    objects, _listed = _list_s3(source, input_filter)
    files = [InputFile(source.location(o.key), o.dims, o.size, o.compression, source.location(o.key)) for o in objects]
    if objects:
        log(
            f"{_count(len(objects), 'file')} in {args.data_dir} {'matches' if len(objects) == 1 else 'match'}; "
            f"the Spark executors fetch them ({sum(o.size for o in objects) / 1e6:.1f} MB)"
        )
    return files, objects


@contextmanager
def _s3_inputs(args, source, input_filter):
    """The matching files of an s3:// data dir as InputFiles in the cache, and
    the Fetcher that brings those not there yet; their cache entries stay
    pinned (never evicted) until the job ends."""
    objects, _listed = _list_s3(source, input_filter)
    cache = Cache(args.cache_dir, int(args.cache_size_gb * (1 << 30)))
    names = [entry_name(source.bucket, o.key, o.etag, o.size) for o in objects]
    try:
        cached = cache.open(list(zip(names, (o.size for o in objects))))
    except OSError as e:
        raise JobFailed(EXIT_CONFIG, f"--cache-dir {args.cache_dir}: {e.strerror or e}") from None
    try:
        files = [
            InputFile(cache.path(n), o.dims, o.size, o.compression, source.location(o.key))
            for n, o in zip(names, objects)
        ]
        missing = sorted((i for i, n in enumerate(names) if n not in cached), key=lambda i: (-objects[i].size, i))
        if objects:
            log(
                f"{_count(len(objects), 'file')} in {args.data_dir} {'matches' if len(objects) == 1 else 'match'}; "
                f"{len(objects) - len(missing)} in the cache, {len(missing)} to fetch "
                f"({sum(objects[i].size for i in missing) / 1e6:.1f} MB); cache {args.cache_dir}, at most {args.cache_size_gb:g} GiB"
            )
        fetcher = Fetcher(source, cache, objects, names, missing, log, args.fetch_threads)
        try:
            yield files, fetcher
        finally:
            fetcher.stop()
    finally:
        cache.close()


def _count(n, noun):
    """``n noun`` with the noun in plural unless n is 1 (a log line reads as a sentence)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


@contextmanager
def _work_area(work_dir):
    """A private directory for this run's intermediate files, removed afterwards."""
    if work_dir is None:
        area = tempfile.mkdtemp(prefix="mapreduce-")
    else:
        os.makedirs(work_dir, exist_ok=True)
        area = tempfile.mkdtemp(prefix="job-", dir=work_dir)
    try:
        yield area
    finally:
        shutil.rmtree(area, ignore_errors=True)


def _fetch_remote(args, input_filter, local_files, job_dir):
    # With --work-dir the cache outlives the run (re-run with --data-dir
    # WORK/cache --local-only); otherwise it lives and dies with the run.
    cache = os.path.join(args.work_dir if args.work_dir else job_dir, "cache")
    local_keys = {os.path.relpath(f.path, args.data_dir).replace(os.sep, "/") for f in local_files}
    try:
        return fetch_inputs(args.bucket, input_filter, cache, local_keys, log)
    except S3Error as e:
        raise JobFailed(EXIT_CONFIG, str(e)) from None


def _map_phase(args, module, files, num_mappers, job_dir, progress, fetcher=None):
    """Run the mappers; return spill paths indexed [mapper][reducer]."""
    # Mappers take files from a shared queue, largest first (the longest
    # jobs start early, small ones fill the gaps at the end).
    order = sorted(range(len(files)), key=lambda i: (-files[i].size, i))
    if fetcher is None:
        queue = (order, _MP.Value("q", 0))
    else:
        # Files of an s3:// data dir join the queue as they arrive: the cached
        # ones now (largest first), the others when their download completes.
        queue = ArrivalQueue(_MP, len(files))
        fetching = set(fetcher.missing)
        for i in order:
            if i not in fetching:
                queue.put(i)
    spills = [
        [os.path.join(job_dir, f"map-{m}-{r}") for r in range(args.num_reducers)] for m in range(num_mappers)
    ]
    tasks = [
        (f"mapper {m}", map_files, (files, queue, spills[m], module, args.delete_data)) for m in range(num_mappers)
    ]
    _run_children(tasks, args, progress, on_done=None, fetcher=fetcher, arrivals=queue)
    return spills


def _reduce_phase(args, module, spills, job_dir, progress):
    """Run the reducers; return their output paths in reducer order."""
    outputs = [os.path.join(job_dir, f"reduce-{r}") for r in range(args.num_reducers)]
    tasks = [
        (f"reducer {r}", reduce_partition, ([s[r] for s in spills], outputs[r], module, args.sorted))
        for r in range(args.num_reducers)
    ]
    _run_children(tasks, args, progress, on_done=lambda: progress.add(reducers_done=1))
    return outputs


class _Child:
    def __init__(self, name, process, conn):
        self.name = name
        self.process = process
        self.conn = conn
        self.done = False
        self.error = None  # (traceback text, raised in the script)


def _run_children(tasks, args, progress, on_done, fetcher=None, arrivals=None):
    """Start one process per task, relay their progress, and fail fast.

    Raises JobFailed as soon as any child reports an error or dies without
    finishing (or ``fetcher``, downloading for them, fails); the others are
    then stopped. ``fetcher`` starts once every child is forked.
    """
    children = []
    started = time.monotonic()
    sys.stdout.flush()
    sys.stderr.flush()  # or the children would repeat buffered output
    try:
        for name, task, task_args in tasks:
            reader, writer = _MP.Pipe(duplex=False)
            process = _MP.Process(
                target=child_main, args=(task, writer, args.job_script, args.profile, task_args), name=name
            )
            process.start()
            writer.close()  # the child holds the only write end: EOF means it is gone
            children.append(_Child(name, process, reader))
        if fetcher is not None:
            fetcher.start(arrivals)
        active = list(children)
        while active:
            handles = [c.conn for c in active if c.conn is not None] + [c.process.sentinel for c in active]
            ready = set(wait(handles, timeout=PROGRESS_INTERVAL))
            for child in list(active):
                if child.conn is not None and child.conn in ready:
                    _receive(child, progress)
                if child.process.sentinel in ready:
                    child.process.join()
                    while child.conn is not None:  # whatever it sent before exiting
                        _receive(child, progress)
                    active.remove(child)
                    _check_finished(child)
                    if args.verbose:
                        log(f"{child.name} finished after {time.monotonic() - started:.2f}s")
                    if on_done:
                        on_done()
            if fetcher is not None:
                fetcher.poll(progress)
            progress.tick()
        if fetcher is not None:
            fetcher.poll(progress)  # the last downloads' byte counts
    finally:
        if fetcher is not None:
            fetcher.stop()
        _stop(children)


def _receive(child, progress):
    try:
        message = child.conn.recv()
    except EOFError:
        child.conn.close()
        child.conn = None
        return
    kind = message[0]
    if kind == "progress":
        progress.add(**message[1])
    elif kind == "done":
        child.done = True
    elif kind == "error":
        child.error = message[1:]


def _check_finished(child):
    code = child.process.exitcode
    if child.error is not None:
        text, in_script = child.error
        what = "the job script raised an exception" if in_script else "it failed"
        raise JobFailed(EXIT_SCRIPT if in_script else EXIT_CONFIG, f"{child.name} stopped: {what}:\n{text}")
    if child.done and code == 0:
        return
    if code is not None and code < 0:
        signum = -code
        name = signal.Signals(signum).name if signum in signal.valid_signals() else f"signal {signum}"
        message = f"{child.name} was killed by {name} (signal {signum})"
        if signum == signal.SIGKILL:
            message += (
                "; most likely the system ran out of memory and the out-of-memory killer "
                "stopped it. Try a narrower filter, or more mappers/reducers so each holds less"
            )
        raise JobFailed(EXIT_DIED, message)
    raise JobFailed(EXIT_DIED, f"{child.name} exited with code {code} before finishing its work")


def _stop(children):
    """Stop children that are still running (after a failure or a signal)."""
    running = [c.process for c in children if c.process.is_alive()]
    for p in running:
        p.terminate()
    deadline = time.monotonic() + _STOP_GRACE
    for p in running:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join()
    for c in children:
        if c.conn is not None:
            c.conn.close()


def _assemble(outputs, output, sorted_output):
    """Write the reducers' outputs to ``output`` atomically (temp file + rename)."""
    parent = os.path.dirname(os.path.abspath(output))
    os.makedirs(parent, exist_ok=True)
    partial = os.path.join(parent, f".{os.path.basename(output)}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as out:
            if sorted_output:
                for _key, text in heapq.merge(*(_segments(path) for path in outputs)):
                    out.write(text.encode("utf-8", "backslashreplace"))
            else:
                for path in outputs:
                    with open(path, "rb") as f:
                        shutil.copyfileobj(f, out, 1 << 20)
        os.replace(partial, output)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


def _segments(path):
    """The ``(canonical key, text)`` segments of one reducer's sorted output."""
    for frame in read_frames(path):
        yield from frame


if __name__ == "__main__":
    sys.exit(main())
