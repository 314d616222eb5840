"""The bodies of mapper and reducer processes.

Each runs in a child process and talks to the parent over a one-way pipe:

    ("progress", {counter: increment, ...})   while working
    ("done", None)                            finished normally
    ("error", traceback_text, in_script)      an exception stopped the task

The parent treats a child that exits without "done" or "error" as killed.
"""

import io
import lzma
import os
import signal
import sys
import time
import zlib

from .contexts import Collector, MapContext, ReduceContext, dump_item, read_frames_in_order, write_frame
from .inputs import read_blocks
from .partition import canonical
from .script import describe_error

# Bad lines printed per mapper; further ones are only counted in progress,
# so a corrupt data set cannot flood the log.
MAX_BAD_LINE_REPORTS = 1000

# Errors that mean "this input file cannot be read any further".
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)

# Sorted reducer output is spilled in frames of this many segments.
_SORTED_FRAME_SEGMENTS = 10_000

# Sort key of what setup_reduce() writes: before every real key.
_PRELUDE_KEY = (-1,)


def child_main(task, conn, script_path, profile, args):
    """Entry point of a child process: run ``task(conn, *args)`` and report."""
    # Forked from the parent: drop its SIGTERM handler (the child should just
    # die when the job is cancelled) and leave Ctrl-C to the parent, which
    # stops the children itself.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    profiler = None
    if profile:
        import cProfile  # only when asked: it and pstats cost startup time

        profiler = cProfile.Profile()
    try:
        if profiler:
            profiler.runcall(task, conn, *args)
        else:
            task(conn, *args)
    except Exception as e:
        text, in_script = describe_error(e, script_path)
        conn.send(("error", text, in_script))
        sys.exit(2)
    finally:
        if profiler:
            _print_profile(profiler, task.__name__)
    conn.send(("done", None))


def _print_profile(profiler, name):
    import pstats

    out = io.StringIO()
    out.write(f"--- profile of {name} (pid {os.getpid()}), top 25 by cumulative time ---\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    sys.stderr.write(out.getvalue())
    sys.stderr.flush()


class BadLineReporter:
    """Reports bad lines through ``say`` (a callable taking one line of text),
    the first MAX_BAD_LINE_REPORTS of them; all are counted."""

    def __init__(self, say=None):
        self.count = 0
        self.say = say or _say

    def __call__(self, path, lineno, error, line=None):
        self.count += 1
        if self.count > MAX_BAD_LINE_REPORTS:
            return
        if line is not None and "\t" not in line:
            reason = "no tab between key and value"
        else:
            reason = f"{type(error).__name__}: {error}"
        self.say(f"Bad line: {path}:{lineno}: {reason}\n")
        if self.count == MAX_BAD_LINE_REPORTS:
            self.say("(further bad lines of this mapper are counted, not shown)\n")


def _say(text):
    sys.stderr.write(text)


def map_files(conn, files, queue, spill_paths, module, delete_data):
    """Mapper: run map() over every line of the files it takes from ``queue``.

    ``queue`` is a shared counter into the file indexes ordered largest file
    first: each mapper takes the next file when it is free, so the mappers
    finish together even when files, codecs or CPUs differ in speed.
    """
    context = MapContext(spill_paths)
    counts = _Counts(conn)
    mapper = FileMapper(module.map, context, counts, BadLineReporter())
    for index in _take(queue):
        for _block in mapper.map_file(files[index], index, delete_data):
            pass
    context.close()
    counts.send()


class FileMapper:
    """Runs map() over input files, block by block, into ``context``.

    ``counts`` takes the progress increments (``add(name, amount)`` and
    ``send_if_due()``); bad lines and unreadable files are told through
    ``report_bad`` and its ``say``.
    """

    def __init__(self, mapfunc, context, counts, report_bad):
        self.mapfunc = mapfunc
        self.context = context
        self.counts = counts
        self.report_bad = report_bad

    def map_file(self, f, index, delete_data):
        """Map one file; yields after each block, once its pairs are flushed
        into the context (tagged with the file's ``index``)."""
        mapfunc, context, counts, report_bad = self.mapfunc, self.context, self.counts, self.report_bad
        dims = list(f.dims)
        lineno = 0
        read_bytes = 0
        readable = True
        blocks = read_blocks(f.path, f.compression)
        name = f.label or f.path
        while True:
            # Only reading is guarded here: an OSError raised by map() itself
            # is the script's error, not an unreadable file.
            try:
                block, offset = next(blocks)
            except StopIteration:
                break
            except _READ_ERRORS as e:
                report_bad.say(f"Bad file: {name}: {type(e).__name__}: {e} (rest of file skipped)\n")
                counts.add("bad_files", 1)
                readable = False
                break
            bad_before = report_bad.count
            try:
                lines = block.decode("utf-8").split("\n")
            except UnicodeDecodeError:
                end = _map_undecodable(block, lineno, name, mapfunc, dims, context, report_bad)
            else:
                end = _map_lines(lines, lineno, name, mapfunc, dims, context, report_bad)
            context.flush(index)
            counts.add("records", end - lineno)
            counts.add("bad_lines", report_bad.count - bad_before)
            counts.add("bytes", offset - read_bytes)
            counts.send_if_due()
            lineno, read_bytes = end, offset
            yield
        # Account for bytes not covered by a block (e.g. a trailing newline).
        counts.add("bytes", f.size - read_bytes)
        counts.add("files_done", 1)
        counts.send_if_due()
        if delete_data and readable:  # a damaged file is kept for inspection
            _delete(f.path, report_bad.say)


class _Counts:
    """Progress increments, sent to the parent a few times a second at most
    (a message per block would cost the parent CPU the mappers need)."""

    INTERVAL = 0.1

    def __init__(self, conn):
        self._conn = conn
        self._pending = {}
        self._last = time.monotonic()

    def add(self, name, amount):
        if amount:
            self._pending[name] = self._pending.get(name, 0) + amount

    def send_if_due(self):
        if time.monotonic() - self._last >= self.INTERVAL:
            self.send()

    def send(self):
        if self._pending:
            self._conn.send(("progress", self._pending))
            self._pending = {}
        self._last = time.monotonic()


def _take(queue):
    """Yield file indexes from the shared queue until it is exhausted.

    The queue is ``(order, shared counter)`` for files that are all present,
    or an ArrivalQueue (fetch.py) for files still being fetched."""
    if hasattr(queue, "take"):
        yield from queue.take()
        return
    order, counter = queue
    while True:
        with counter.get_lock():
            position = counter.value
            counter.value = position + 1
        if position >= len(order):
            return
        yield order[position]


def _map_lines(lines, lineno, path, mapfunc, dims, context, report_bad):
    """The hot loop. Returns the number of the last line handled."""
    for lineno, line in enumerate(lines, lineno + 1):
        try:
            key, value = line.split("\t", 1)
            mapfunc(key, dims, value, context)
        except ValueError as e:
            report_bad(path, lineno, e, line)
    return lineno


def _map_undecodable(block, lineno, path, mapfunc, dims, context, report_bad):
    """Slow path for a block with invalid UTF-8: decode and map line by line."""
    for raw in block.split(b"\n"):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            lineno += 1
            report_bad(path, lineno, e)
            continue
        lineno = _map_lines((line,), lineno, path, mapfunc, dims, context, report_bad)
    return lineno


def _delete(path, say):
    try:
        os.remove(path)
    except OSError as e:
        say(f"warning: could not delete {path}: {e.strerror or e}\n")


def reduce_partition(conn, spill_paths, out_path, module, sorted_output):
    """Reducer: group this partition's pairs and write reduce()'s text output."""
    with _open_output(out_path, sorted_output) as out:
        reduce_frames(read_frames_in_order(spill_paths), out, module, sorted_output)


def reduce_frames(frames, out, module, sorted_output):
    """Group the pairs of ``frames`` (lists of pairs, in input-file order) and
    write reduce()'s text output to ``out``.

    Without a reduce() function every pair is written as is. With
    ``sorted_output`` ``out`` is binary and gets frames of
    ``(canonical key, text)`` segments in key order, for the parent to merge.
    """
    reducefunc = getattr(module, "reduce", None)
    combinefunc = getattr(module, "combine", None)
    setup = getattr(module, "setup_reduce", None)
    if not callable(reducefunc):
        reducefunc = None
    segments = _SortedSegments(out) if sorted_output else None
    context = ReduceContext(segments.emit if segments else out.write)
    if callable(setup):
        setup(context)
    if segments:
        segments.end(_PRELUDE_KEY)

    if reducefunc is None:
        _write_pairs(frames, context, segments)
    else:
        collector = Collector(combinefunc if callable(combinefunc) else None)
        for pairs in frames:
            collector.add(pairs)
        groups = collector.groups
        keys = sorted(groups, key=canonical) if segments else groups
        for key in keys:
            reducefunc(key, groups[key], context)
            if segments:
                segments.end(canonical(key))
    if segments:
        segments.close()


def _open_output(path, sorted_output):
    if sorted_output:
        return open(path, "wb")  # frames of segments
    # Output must not fail at the end of a long job over one odd character
    # (a lone surrogate from a JSON escape, say): it is written escaped.
    return open(path, "w", encoding="utf-8", errors="backslashreplace", newline="")


def _write_pairs(frames, context, segments):
    """Map-only output: every pair as written by map()."""
    if segments is None:
        write = context.write
        for pairs in frames:
            for key, value in pairs:
                write(key, value)
        return
    # Sorted: by key, then by the record's text (values need not be orderable).
    records = []
    for pairs in frames:
        for key, value in pairs:
            context.write(key, value)
            records.append((canonical(key), segments.take()))
    records.sort()
    for key, text in records:
        segments.emit(text)
        segments.end(key)


class _SortedSegments:
    """Collects reduce output per key as ``(canonical key, text)`` segments."""

    def __init__(self, out):
        self._out = out
        self._pending = []
        self._items = []
        self.emit = self._pending.append

    def take(self):
        text = "".join(self._pending)
        self._pending.clear()
        return text

    def end(self, key):
        text = self.take()
        if text:
            self._items.append(dump_item((key, text)))
            if len(self._items) >= _SORTED_FRAME_SEGMENTS:
                self._flush()

    def _flush(self):
        if self._items:
            write_frame(self._out, self._items)
            self._items.clear()

    def close(self):
        self._flush()
