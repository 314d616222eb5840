"""What the job script's functions write to.

* ``map(key, dims, value, context)`` gets a MapContext: ``write(k, v)`` sends
  the pair to the reducer that owns ``k``.
* ``combine(key, values, context)`` gets the reducer's Collector:
  ``write(k, v)`` replaces the values collected for ``k`` with ``[v]``.
* ``setup_reduce(context)`` and ``reduce(key, values, context)`` get a
  ReduceContext that writes text records: ``write(k, v)``,
  ``writecsv(list)``, ``writeline(s)``, separated as its
  ``field_separator`` / ``record_separator`` say.

Between map and reduce, pairs travel through per-(mapper, reducer) spill
files made of frames: a header (4-byte tag, 8-byte payload size, little
endian), then a marshal'd list of ``(key, value)`` tuples. marshal is the
fastest serialiser in the standard library and round-trips exactly the
types JSON produces (plus tuples).
"""

import csv
import marshal
import struct

from .partition import partition_of

# Format version 2 writes no back-references, so each pair marshal'd on its
# own is self-contained and a frame can be assembled by concatenation.
_MARSHAL_VERSION = 2
_FRAME_HEADER = struct.Struct("<IQ")  # tag, payload size
_LIST_HEADER = struct.Struct("<ci")

# A key's values are handed to combine() each time this many have collected.
COMBINE_THRESHOLD = 50


def dump_item(item):
    """One item, marshal'd so that it can be concatenated into a frame."""
    return marshal.dumps(item, _MARSHAL_VERSION)


def write_frame(f, items, tag=0):
    """Write already-marshal'd items to ``f`` as one frame (a marshal'd list).

    ``tag`` orders frames across files; see read_frames_in_order.
    """
    payload = frame_payload(items)
    f.write(_FRAME_HEADER.pack(tag, len(payload)) + payload)


def frame_payload(items):
    """Already-marshal'd items joined into one marshal'd list (a frame's payload)."""
    return _LIST_HEADER.pack(b"[", len(items)) + b"".join(items)


def read_frames(path):
    """Yield the lists stored in a spill file, in the order they were written."""
    with open(path, "rb") as f:
        yield from read_frames_from(f)


def read_frames_from(f):
    """Yield the lists stored in an open binary file of frames, in order."""
    while True:
        header = f.read(_FRAME_HEADER.size)
        if not header:
            return
        _tag, size = _FRAME_HEADER.unpack(header)
        yield marshal.loads(f.read(size))


def read_frames_in_order(paths):
    """Yield the lists stored in several spill files, ordered by frame tag.

    Mappers tag each frame with the index of the input file it came from, so
    a reducer sees its pairs in input-file order whichever mapper read which
    file: the output does not depend on the number of mappers or on timing.
    Only the headers are scanned up front; frames are read as they are due.
    """
    frames = []
    files = [open(p, "rb") for p in paths]
    try:
        for number, f in enumerate(files):
            offset = 0
            while True:
                header = f.read(_FRAME_HEADER.size)
                if not header:
                    break
                tag, size = _FRAME_HEADER.unpack(header)
                offset += _FRAME_HEADER.size
                frames.append((tag, number, offset, size))
                offset += size
                f.seek(offset)
        frames.sort()
        for _tag, number, offset, size in frames:
            f = files[number]
            f.seek(offset)
            yield marshal.loads(f.read(size))
    finally:
        for f in files:
            f.close()


class MapContext:
    """Partitions map output by key into one spill file per reducer.

    ``write`` serialises each pair at once, so a value that cannot be stored
    raises ValueError inside map() and its input line is reported as bad,
    exactly like a line that fails to parse.
    """

    def __init__(self, spill_paths):
        # Every spill file exists even if empty: reducers need not check.
        self._files = [open(p, "wb") for p in spill_paths]
        self._buffers = [[] for _ in spill_paths]
        self.write = self._make_write()

    def _make_write(self):
        dumps = marshal.dumps
        version = _MARSHAL_VERSION
        if len(self._buffers) == 1:
            append = self._buffers[0].append

            def write(key, value):
                append(dumps((key, value), version))

        else:
            appends = [b.append for b in self._buffers]
            count = len(appends)

            def write(key, value):
                # Serialise first: a bad value must fail before anything is kept.
                item = dumps((key, value), version)
                appends[partition_of(key, count)](item)

        return write

    def flush(self, tag):
        """Spill what was written so far, tagged with its input file's index."""
        for f, items in zip(self._files, self._buffers):
            if items:
                write_frame(f, items, tag)
                items.clear()

    def close(self):
        for f in self._files:
            f.close()


class Collector:
    """Groups a reducer's input pairs by key, calling combine() as values pile up."""

    def __init__(self, combine=None):
        self.groups = {}
        self._combine = combine

    def add(self, pairs):
        groups = self.groups
        combine = self._combine
        for key, value in pairs:
            values = groups.get(key)
            if values is None:
                groups[key] = [value]
                continue
            values.append(value)
            if combine is not None and len(values) >= COMBINE_THRESHOLD:
                combine(key, values, self)

    def write(self, key, value):
        """combine()'s output: it replaces what was collected for ``key``."""
        self.groups[key] = [value]


class ReduceContext:
    """Writes text records through ``emit`` (a callable taking a str)."""

    def __init__(self, emit):
        self.field_separator = "\t"
        self.record_separator = "\n"
        self._emit = emit
        self._csv = None  # (field_separator, record_separator, writer)

    def write(self, key, value):
        self._emit(f"{key!s}{self.field_separator}{value!s}{self.record_separator}")

    def writeline(self, line):
        self._emit(f"{line!s}{self.record_separator}")

    def writecsv(self, values):
        """One CSV row: fields quoted as needed, joined by field_separator."""
        fs, rs = self.field_separator, self.record_separator
        if self._csv is None or self._csv[:2] != (fs, rs):
            try:
                writer = csv.writer(_EmitFile(self._emit), delimiter=fs, lineterminator=rs)
            except TypeError:
                raise TypeError(
                    f"writecsv needs a one-character field_separator, got {fs!r}"
                ) from None
            self._csv = (fs, rs, writer)
        self._csv[2].writerow(values)


class _EmitFile:
    """The file-like object csv.writer wants; it writes each row in one call."""

    def __init__(self, emit):
        self.write = emit
