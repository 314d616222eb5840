"""The Spark engine (``--engine spark``): the same job on Apache Spark through pyspark.

The driver (this process) has already loaded the script and the filter and
chosen the input files, as for the local engine. Here:

* the input files are spread over a few map tasks per core, of about equal
  bytes (largest file first to the lightest task), so the cores finish
  together as the local engine's mappers do with their shared queue;
* a map task runs the local engine's FileMapper over its files: the same
  block reading, bad-line handling and map() calls; the pairs are
  partitioned by the same CRC-32 of the key and marshal'd into frames, one
  per (block, reducer), keyed ``(reducer, file index, block)``;
* Spark shuffles the frames to ``--num-reducers`` reduce tasks, sorted by
  that key, so each reducer sees its pairs in input-file order exactly as a
  local reducer does; it runs the local engine's reduce (with combine() at
  the same threshold) and returns its text;
* the driver writes the reducers' texts in reducer order (or merged by key
  with ``--sorted``) to the output file, as the local engine does.

Bad lines, unreadable files and counts travel back to the driver in
accumulators (so they reach the job's log even from a cluster's executors);
the driver polls them for the progress lines. An exception in the script is
raised in the task as TaskFailed, whose message carries the traceback to
the driver, which exits with the local engine's code for it.

An ``s3://`` data dir on a master whose executors do not share the driver's
files (a cluster): the driver only lists the objects, and each map task
fetches its own (S3Source.fetch, with the node's own AWS credentials) into a
temporary file in the executor's local directory, the next one while the
current one is mapped, and removes each once mapped. Fetched bytes travel
back in an accumulator; an object deleted after the listing is a bad file;
an S3 access error fails the job with exit code 4 and S3Source's message.

Only this module imports pyspark, and job.py imports it only for
``--engine spark``. It runs on Python 3.9, as EMR 7 nodes offer it.
"""

import collections
import functools
import hashlib
import heapq
import json
import marshal
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from pyspark import AccumulatorParam, SparkConf, SparkContext, StorageLevel

from . import sparkhome
from .contexts import MapContext, frame_payload
from .errors import EXIT_CONFIG, EXIT_DIED, EXIT_SCRIPT, JobFailed
from .inputs import InputFile
from .progress import PROGRESS_INTERVAL
from .s3source import ObjectGone, S3Source
from .script import ScriptError, describe_error, load_script_source
from .tasks import BadLineReporter, FileMapper, reduce_frames

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# The map-phase counters of the progress line, summed over map tasks.
MAP_COUNTERS = ("files_done", "bytes", "records", "bad_lines", "bad_files")

# Masters whose executors see the driver's files (they run in its JVM):
# there reduce tasks write their output straight into the run's work area.
SHARED_FILES_MASTERS = sparkhome.SHARED_FILES_MASTERS

# Map tasks per core Spark offers: enough for the cores to finish together
# when files differ in size, few enough that the cost of starting a task
# stays small beside its work.
MAP_TASKS_PER_CORE = 4

# Downloads a map task that fetches its own objects keeps in flight: enough
# that the wait for each object's first byte overlaps the others' and the
# mapping, few enough that a task's temporary files stay a handful.
TASK_FETCHES = 4

# Reduce output travels to the driver in pieces of at most this many bytes.
OUTPUT_CHUNK = 4 << 20

# Starts the message of TaskFailed; the rest of that line is JSON.
_FAILURE_MARK = "@mapreduce-task-failed "
_FAILURE = re.compile(re.escape(_FAILURE_MARK) + r"(.*)$", re.MULTILINE)

# Spark's own log goes to a file in the run's work area; warnings and errors
# are summed up in one line at the end. Loggers whose warnings every local
# run gets, and which say nothing about the job, are kept at ERROR.
_LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {path}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %p %c{{1}}: %m%n
logger.hadoop.name = org.apache.hadoop.util.NativeCodeLoader
logger.hadoop.level = error
"""


_LOCAL_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


class _Job(NamedTuple):
    """What every task needs to know about the job (pickled into each task)."""

    script_path: str
    source: bytes
    num_reducers: int
    delete_data: bool
    sorted_output: bool
    # Where reduce tasks write their output themselves (executors that share
    # the driver's file system, as on a local master), else None: the output
    # then travels back to the driver.
    output_dir: str = None
    # With an s3:// data dir whose objects the map tasks fetch themselves: its URL.
    source_url: str = None


class TaskFailed(Exception):
    """A task stopped: the message carries ``[task name, traceback, in_script]``,
    or ``[task name, message, false, exit code]`` for a JobFailed (an S3 error)."""


def run_spark(args, files, job_dir, progress, log, objects=None):
    """Run the job on Spark; returns the reducers' output files in ``job_dir``
    (reducer order; the format job._assemble reads).

    ``objects``, when given, are the RemoteObjects of ``args.data_dir`` (an
    s3:// URL) behind ``files``, index for index: the map tasks fetch them."""
    try:
        with open(args.job_script, "rb") as f:
            source = f.read()
    except OSError as e:
        raise JobFailed(EXIT_CONFIG, f"cannot read job script {args.job_script}: {e.strerror or e}") from None
    log_path = os.path.join(job_dir, "spark.log")
    started = time.monotonic()
    sc, owned = start_spark(
        args.spark_master, job_dir, log_path, app_name=os.path.basename(args.job_script), class_archive=True
    )
    if args.verbose and owned:
        log(f"Spark started in {time.monotonic() - started:.2f}s")
    if owned and sc.uiWebUrl:
        log(f"Spark UI: {sc.uiWebUrl}")
    shared_files = sparkhome.shares_driver_files(sc.master, SHARED_FILES_MASTERS)
    job = _Job(
        args.job_script,
        source,
        args.num_reducers,
        args.delete_data,
        args.sorted,
        job_dir if shared_files else None,
        args.data_dir if objects is not None else None,
    )
    try:
        outputs = _run(sc, job, objects if objects is not None else files, job_dir, progress, log, args.verbose)
    except BaseException:
        if owned:
            finish_spark(sc, keep_archive=False)
            _summarise_log(log_path, log)
        raise
    if owned:
        finish_spark(sc)
        _summarise_log(log_path, log)
    return outputs


def start_spark(master, local_dir, log_path, app_name="mapreduce", class_archive=False):
    """The SparkContext to run on: the active one if this process has one
    (returned with ``owned`` False), else a new one for ``master``.

    With ``class_archive`` (and a local master) the JVM maps the classes it
    loads from an archive kept in the user's cache, made by the first run
    (see finish_spark), which cuts the JVM's start to about a third.
    """
    active = SparkContext._active_spark_context
    if active is not None:
        return active, False
    local = master.startswith("local")
    log4j = os.path.join(local_dir, "log4j2.properties")
    with open(log4j, "w") as f:
        f.write(_LOG4J2.format(path=log_path))
    log_option = _java_option(f"-Dlog4j2.configurationFile=file:{log4j}")
    java_options = [log_option]
    if local:
        # Executors run in this machine's JVM: their Python workers use this
        # interpreter and find this package, and nothing listens beyond loopback.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        parent = os.path.dirname(PACKAGE_DIR)
        paths = os.environ.get("PYTHONPATH", "")
        if parent not in paths.split(os.pathsep):
            os.environ["PYTHONPATH"] = parent + (os.pathsep + paths if paths else "")
        # Shuffle and spill files go to the run's work area (removed after the run).
        os.environ["SPARK_LOCAL_DIRS"] = local_dir
        # The JVM only moves Python's frames about and lives for one job: the quick
        # compiler alone and a single-threaded collector leave the cores to Python
        # and start it in about half the time.
        java_options.append(_LOCAL_JVM_OPTIONS)
        os.environ.setdefault("SPARK_LAUNCHER_OPTS", _LOCAL_JVM_OPTIONS)
        if class_archive:
            java_options.extend(_class_archive_options())
    conf = (
        SparkConf()
        .setMaster(master)
        .setAppName(f"mapreduce {app_name}")
        .set("spark.driver.extraJavaOptions", " ".join(java_options))
        .set("spark.executor.extraJavaOptions", log_option)
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.python.worker.reuse", "true")
    )
    if local:
        conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
    try:
        sc = SparkContext(conf=conf)
    except Exception as e:
        _dumping.clear()
        raise JobFailed(EXIT_CONFIG, _start_failure(e)) from None
    if not local:
        sc.addPyFile(_package_zip(local_dir))
    return sc, True


def finish_spark(sc, keep_archive=True):
    """Stop a SparkContext that start_spark made. If its JVM is writing the
    class archive, let it exit now and put the archive in place; after a
    failed or interrupted run the JVM is killed instead, writing nothing."""
    sc.stop()
    if not _dumping:
        return
    partial, final = _dumping.pop("partial"), _dumping.pop("final")
    gateway = SparkContext._gateway
    proc = getattr(gateway, "proc", None)
    try:
        if proc is not None and not keep_archive:
            proc.kill()
            proc.wait(ARCHIVE_WAIT)
        elif proc is not None and proc.stdin is not None:
            proc.stdin.close()  # the JVM exits when its stdin closes, writing the archive
            if proc.wait(ARCHIVE_WAIT) == 0 and os.path.getsize(partial) > 0:
                os.replace(partial, final)
    except (OSError, subprocess.TimeoutExpired):
        pass
    finally:
        if os.path.exists(partial):
            os.remove(partial)


# Seconds the JVM gets to write the class archive when it exits.
ARCHIVE_WAIT = 60

# The archive the running JVM writes when it exits: {"partial": path, "final": path}.
_dumping = {}


def _class_archive_options():
    """JVM options that use the class archive, or have this JVM write it."""
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else shutil.which("java")
    if not java:
        return []
    import pyspark

    java = os.path.realpath(java)
    try:
        stamp = os.stat(java)
    except OSError:
        return []
    key = hashlib.sha256(
        f"{java}|{stamp.st_size}|{stamp.st_mtime_ns}|{os.path.dirname(os.path.abspath(pyspark.__file__))}".encode()
    ).hexdigest()[:16]
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mapreduce-spark")
    final = os.path.join(cache, f"spark-{pyspark.__version__}-{key}.jsa")
    # The JVM's own notes about the archive would land in the job's log: only errors may.
    quiet = "-Xlog:disable -Xlog:all=error:stderr"
    if os.path.isfile(final):
        return [_java_option(f"-XX:SharedArchiveFile={final}"), "-Xshare:auto", quiet]
    try:
        os.makedirs(cache, exist_ok=True)
    except OSError:
        return []
    partial = f"{final}.{os.getpid()}.partial"
    _dumping.update(partial=partial, final=final)
    return [_java_option(f"-XX:ArchiveClassesAtExit={partial}"), quiet]


def _java_option(option):
    """One JVM option for extraJavaOptions, quoted if it holds spaces (a path)."""
    if not re.search(r"\s|\"", option):
        return option
    return '"' + option.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _start_failure(error):
    text = str(error)
    if "JAVA_GATEWAY_EXITED" in text or "Java gateway process exited" in text:
        return (
            "Spark could not start its JVM. The Spark engine needs Java 17: install it "
            "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
    return f"Spark could not start: {text.strip().splitlines()[0] if text.strip() else type(error).__name__}"


def _package_zip(directory):
    """This package as a zip for a cluster's executors (sc.addPyFile)."""
    path = os.path.join(directory, "mapreduce.zip")
    with zipfile.ZipFile(path, "w") as z:
        for name in sorted(os.listdir(PACKAGE_DIR)):
            if name.endswith(".py"):
                z.write(os.path.join(PACKAGE_DIR, name), f"mapreduce/{name}")
    return path


def _run(sc, job, files, job_dir, progress, log, verbose=False):
    counters = {name: sc.accumulator(0) for name in MAP_COUNTERS + ("fetched_bytes",)}
    reducers_done = sc.accumulator(0)
    reports = sc.accumulator([], _ListParam())
    groups = spread_files(files, min(len(files), MAP_TASKS_PER_CORE * max(1, sc.defaultParallelism)))
    if verbose:
        log(f"{len(groups)} map tasks on {sc.defaultParallelism} cores")
    inputs = sc.parallelize(groups, len(groups)).flatMap(_identity)
    reduced = (
        inputs.mapPartitions(functools.partial(_map_task, job, counters, reports))
        .repartitionAndSortWithinPartitions(job.num_reducers, _reducer_of)
        .mapPartitionsWithIndex(functools.partial(_reduce_task, job, reducers_done))
    )
    if job.output_dir is None:
        # Computed once by count() (with progress), then fetched a reducer at a time.
        reduced = reduced.persist(StorageLevel.MEMORY_AND_DISK)
    watcher = _Watcher(progress, counters, reducers_done, reports, len(files))
    outputs = [os.path.join(job_dir, f"reduce-{r}") for r in range(job.num_reducers)]
    if job.output_dir is not None:
        _wait(sc, reduced.count, watcher)  # the reducers wrote their files
        return outputs
    try:
        _wait(sc, reduced.count, watcher)
        for path in outputs:
            open(path, "wb").close()
        handles = {}
        try:
            for r, chunk in reduced.toLocalIterator():
                out = handles.get(r)
                if out is None:
                    out = handles[r] = open(outputs[r], "wb")
                out.write(chunk)
        finally:
            for out in handles.values():
                out.close()
        return outputs
    finally:
        reduced.unpersist()


def spread_files(files, tasks):
    """The files as ``tasks`` lists of ``(index, InputFile)`` of about equal
    bytes: largest file first, each to the list holding the fewest bytes."""
    order = sorted(range(len(files)), key=lambda i: (-files[i].size, i))
    loads = [(0, t) for t in range(tasks)]
    groups = [[] for _ in range(tasks)]
    for i in order:
        load, t = heapq.heappop(loads)
        groups[t].append((i, files[i]))
        heapq.heappush(loads, (load + files[i].size, t))
    return groups


def _identity(value):
    return value


def _wait(sc, action, watcher):
    """Run ``action`` in a thread while this one relays progress; on a
    failure, raise JobFailed; on an interruption, cancel Spark's jobs."""
    outcome = {}

    def target():
        try:
            outcome["result"] = action()
        except BaseException as e:  # handed to the main thread below
            outcome["error"] = e

    thread = threading.Thread(target=target, name="spark-action", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(PROGRESS_INTERVAL)
            watcher.poll()
    except BaseException:
        sc.cancelAllJobs()
        raise
    watcher.poll()
    if "error" in outcome:
        raise _failure(outcome["error"]) from None
    return outcome["result"]


class _Watcher:
    """Turns the accumulators' totals into progress lines and relays reports."""

    def __init__(self, progress, counters, reducers_done, reports, files_total):
        self.progress = progress
        self.counters = counters
        self.reducers_done = reducers_done
        self.reports = reports
        self.files_total = files_total
        self.seen = dict.fromkeys(counters, 0)
        self.seen["reducers_done"] = 0
        self.reported = 0

    def poll(self):
        reports = self.reports.value
        if len(reports) > self.reported:
            sys.stderr.write("".join(reports[self.reported :]))
            sys.stderr.flush()
            self.reported = len(reports)
        totals = {name: acc.value for name, acc in self.counters.items()}
        totals["reducers_done"] = self.reducers_done.value
        news = {name: totals[name] - self.seen[name] for name in totals if totals[name] != self.seen[name]}
        if news:
            self.progress.add(**news)
            self.seen.update(totals)
        if self.progress.state["phase"] == "map" and totals["files_done"] >= self.files_total:
            self.progress.phase("reduce")
        self.progress.tick()


def _failure(error):
    """The JobFailed for an exception raised by a Spark action."""
    text = str(error)
    found = _FAILURE.search(text)
    if found:
        try:
            name, trace, in_script, *code = json.loads(found.group(1))
        except ValueError:
            pass
        else:
            if code:
                return JobFailed(code[0], trace)
            what = "the job script raised an exception" if in_script else "it failed"
            return JobFailed(EXIT_SCRIPT if in_script else EXIT_CONFIG, f"{name} stopped: {what}:\n{trace}")
    if "Python worker exited unexpectedly" in text or "crashed" in text:
        return JobFailed(
            EXIT_DIED,
            "a Spark task's Python worker died without finishing; most likely the system ran out of "
            "memory and the out-of-memory killer stopped it. Try a narrower filter, or more reducers",
        )
    lines = [line for line in text.splitlines() if line.strip()]
    summary = next((line for line in lines if "Exception" in line or "Error" in line), lines[0] if lines else "")
    return JobFailed(EXIT_CONFIG, f"Spark failed: {summary.strip() or type(error).__name__}")


class _ListParam(AccumulatorParam):
    """An accumulator of lists (report lines), concatenated in task order."""

    def zero(self, value):
        return []

    def addInPlace(self, value1, value2):
        value1.extend(value2)
        return value1


# --- In the executors ------------------------------------------------------

# The job script as loaded in this Python worker, per role: map and reduce
# each get their own module, as the local engine's mapper and reducer
# processes each start from the freshly loaded script.
_modules = {}


def _script(job, role):
    key = (role, job.script_path, job.source)
    module = _modules.get(key)
    if module is None:
        try:
            module = load_script_source(job.source, job.script_path)
        except ScriptError as e:
            raise TaskFailed(_FAILURE_MARK + json.dumps([role, str(e), True])) from None
        _modules.clear()
        _modules[key] = module
    return module


def _fail(name, error, job):
    text, in_script = describe_error(error, job.script_path)
    return TaskFailed(_FAILURE_MARK + json.dumps([name, text, in_script]))


class _TaskCounts:
    """A map task's progress increments, added to the accumulators at its end."""

    def __init__(self):
        self.totals = dict.fromkeys(MAP_COUNTERS + ("fetched_bytes",), 0)

    def add(self, name, amount):
        self.totals[name] += amount

    def send_if_due(self):
        pass


class _FrameContext(MapContext):
    """MapContext whose flush keeps frames for the task to return, keyed
    ``(reducer, input file index, block)`` for the shuffle's sort."""

    def __init__(self, partitions):
        self._buffers = [[] for _ in range(partitions)]
        self.write = self._make_write()
        self._frames = []
        self._block = 0

    def flush(self, tag):
        block = self._block
        self._block += 1
        for reducer, items in enumerate(self._buffers):
            if items:
                self._frames.append(((reducer, tag, block), frame_payload(items)))
                items.clear()

    def take(self):
        frames = self._frames
        self._frames = []
        return frames

    def close(self):
        pass


def _map_task(job, counters, reports, items):
    module = _script(job, "mapper")
    context = _FrameContext(job.num_reducers)
    counts = _TaskCounts()
    said = []
    mapper = FileMapper(module.map, context, counts, BadLineReporter(said.append))
    if job.source_url is not None:
        items = _fetched(job, items, counts, said.append)
    for index, f in items:
        try:
            for _block in mapper.map_file(f, index, job.delete_data):
                yield from context.take()
        except TaskFailed:
            raise
        except Exception as e:
            raise _fail(f"mapper of {f.label or f.path}", e, job) from None
    for name, amount in counts.totals.items():
        if amount:
            counters[name].add(amount)
    if said:
        reports.add(said)


# The S3 source of this Python worker, by URL (its boto3 client is reused by later tasks).
_sources = {}


def _fetched(job, items, counts, say):
    """Yield the task's ``(index, RemoteObject)`` items as ``(index, InputFile)``
    of a local copy: each object is fetched into a temporary file (the next
    TASK_FETCHES at once, while the current one is mapped) and the file
    removed once mapped. An object gone since the listing is reported and
    counted as a bad file."""
    items = list(items)
    if not items:
        return
    try:
        source = _sources.get(job.source_url)
        if source is None:
            source = _sources[job.source_url] = S3Source(job.source_url, threads=1)
    except JobFailed as e:  # boto3 is missing here, on the executor
        message = (
            f"the Spark executors' Python ({sys.executable} on {socket.gethostname()}) has no boto3, which they "
            f"need to fetch {job.source_url}: install it for that Python on every node (on EMR, a bootstrap "
            f"action running 'sudo {sys.executable} -m pip install boto3')"
        )
        raise TaskFailed(_FAILURE_MARK + json.dumps(["map task", message, False, e.code])) from None
    directory = _local_dir()
    stopping = threading.Event()
    fetched = [0]  # bytes downloaded
    lock = threading.Lock()

    def on_bytes(n):
        with lock:
            fetched[0] += n

    def fetch(obj):
        fd, temp = tempfile.mkstemp(prefix="mapreduce-s3-", dir=directory)
        os.close(fd)
        try:
            source.fetch(obj, temp, on_bytes, stopping.is_set)
        except BaseException:
            os.remove(temp)
            raise
        return temp

    pool = ThreadPoolExecutor(min(TASK_FETCHES, len(items)), thread_name_prefix="fetch")
    pending = collections.deque(pool.submit(fetch, obj) for _index, obj in items[:TASK_FETCHES])
    try:
        for position, (index, obj) in enumerate(items):
            current = pending.popleft()
            if position + TASK_FETCHES < len(items):
                pending.append(pool.submit(fetch, items[position + TASK_FETCHES][1]))
            location = source.location(obj.key)
            try:
                temp = current.result()
            except ObjectGone as e:
                say(f"Bad file: {location}: {e} (skipped)\n")
                counts.add("bad_files", 1)
                counts.add("files_done", 1)
                counts.add("bytes", obj.size)
                continue
            except JobFailed as e:
                raise TaskFailed(_FAILURE_MARK + json.dumps([f"mapper of {location}", str(e), False, e.code])) from None
            try:
                yield index, InputFile(temp, obj.dims, obj.size, obj.compression, location)
            finally:
                os.remove(temp)
    finally:
        stopping.set()
        for future in pending:
            if not future.cancel():
                try:
                    os.remove(future.result())
                except BaseException:  # the stopped or failed download left no file
                    pass
        pool.shutdown(wait=True)
        counts.add("fetched_bytes", fetched[0])


def _local_dir():
    """The executor's own scratch directory (Spark tells its Python workers
    SPARK_LOCAL_DIRS: on YARN the node's local disks), else the system's."""
    for directory in os.environ.get("SPARK_LOCAL_DIRS", "").split(","):
        if directory and os.path.isdir(directory):
            return directory
    return tempfile.gettempdir()


def _reducer_of(key):
    return key[0]


class _Parts:
    """The file-like object reduce_frames writes to: it keeps the pieces."""

    def __init__(self):
        self.parts = []
        self.write = self.parts.append


def _reduce_task(job, reducers_done, reducer, items):
    module = _script(job, "reducer")
    out = _Parts()
    frames = (marshal.loads(payload) for _key, payload in items)
    try:
        reduce_frames(frames, out, module, job.sorted_output)
    except Exception as e:
        raise _fail(f"reducer {reducer}", e, job) from None
    if job.sorted_output:
        data = b"".join(out.parts)
    else:
        # As the local reducer writes its file: an odd character is escaped, not fatal.
        data = "".join(out.parts).encode("utf-8", "backslashreplace")
    reducers_done.add(1)
    if job.output_dir is not None:
        path = os.path.join(job.output_dir, f"reduce-{reducer}")
        with open(path + ".partial", "wb") as f:
            f.write(data)
        os.replace(path + ".partial", path)
        return
    for start in range(0, len(data), OUTPUT_CHUNK):
        yield reducer, data[start : start + OUTPUT_CHUNK]


def _summarise_log(path, log):
    """One line about what Spark logged at WARN or above, if anything."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            entries = [line.rstrip("\n") for line in f if line.startswith(("WARN ", "ERROR ", "FATAL "))]
    except OSError:
        return
    if entries:
        log(f"Spark logged {len(entries)} warnings or errors; the first: {entries[0]}")
