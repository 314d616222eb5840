"""Finding v2-layout input files and reading them as blocks of whole lines.

Layout, relative to the data dir (directory names are the sanitised values)::

    <reason>/<appName>/<appUpdateChannel>/<appVersion>/
        <appBuildID>.<submission_date>.v2.log.<32 hex>.<lzma|xz|gz>

Each file holds records, one per line: ``uuid<TAB>json``.
"""

import lzma
import os
import re
import zlib
from typing import NamedTuple

# Directory levels above the files: reason, appName, appUpdateChannel, appVersion.
DIRECTORY_LEVELS = 4

# Compressed bytes per read. Text expands about 8x, so a block is about
# half a megabyte: large enough that per-block Python overhead vanishes,
# small enough that decompressing, decoding and parsing it stays within the
# CPU caches, so mappers running side by side do not compete for memory.
READ_SIZE = 1 << 16

_FILE_NAME = re.compile(r"^([^.]+)\.([^.]+)\.v2\.log\.(.+)\.(lzma|xz|gz)$")


class InputFile(NamedTuple):
    path: str
    dims: tuple  # the six dimension values of the path, as stored
    size: int
    compression: str  # "lzma", "xz" or "gz"
    # How bad-line and bad-file reports name the file when not by its path
    # (a file fetched from S3 is named by its s3:// address, not its place in the cache).
    label: str = ""


def parse_file_name(name):
    """``(appBuildID, submission_date, compression)`` of a data file name, or None."""
    m = _FILE_NAME.match(name)
    if m is None:
        return None
    return m.group(1), m.group(2), m.group(4)


def find_files(data_dir, input_filter, counter=None):
    """Files under ``data_dir`` whose six dimensions pass the filter.

    Returns ``(matched, ignored)``: InputFiles sorted by path, and the paths of
    files that are not where the layout puts data files (wrong depth or name).
    Directories whose level fails the filter are not descended into;
    ``counter`` (a list of one int), when given, counts the directories read.
    """
    matched, ignored = [], []

    def walk(directory, level, dims):
        if counter is not None:
            counter[0] += 1
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir():
                    if level < DIRECTORY_LEVELS and input_filter.allows(level, entry.name):
                        walk(entry.path, level + 1, dims + (entry.name,))
                    continue
                parsed = parse_file_name(entry.name) if level == DIRECTORY_LEVELS else None
                if parsed is None:
                    ignored.append(entry.path)
                    continue
                build, date, compression = parsed
                if input_filter.allows(4, build) and input_filter.allows(5, date):
                    size = entry.stat().st_size
                    matched.append(InputFile(entry.path, dims + (build, date), size, compression))

    walk(data_dir, 0, ())
    matched.sort()
    ignored.sort()
    return matched, ignored


def _decompressor(compression):
    if compression == "gz":
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    # FORMAT_AUTO reads both .xz streams and legacy .lzma ("alone") files.
    return lzma.LZMADecompressor()


def read_blocks(path, compression, read_size=READ_SIZE):
    """Yield ``(block, raw_offset)`` for a compressed data file.

    ``block`` is bytes holding whole lines joined by ``\\n`` (no trailing
    newline); ``raw_offset`` is how many compressed bytes have been consumed
    so far, for progress. Concatenated streams (several gzip members, several
    xz streams) are read in sequence. A file that stops mid-stream raises
    EOFError; corrupt data raises the codec's error (lzma.LZMAError,
    zlib.error).
    """
    decomp = _decompressor(compression)
    tail = b""
    offset = 0
    with open(path, "rb") as f:
        while True:
            raw = f.read(read_size)
            if not raw:
                break
            offset += len(raw)
            pieces = [tail]
            while raw:
                if decomp.eof:  # the previous stream ended and another follows
                    decomp = _decompressor(compression)
                pieces.append(decomp.decompress(raw))
                raw = decomp.unused_data if decomp.eof else b""
            buf = b"".join(pieces)
            cut = buf.rfind(b"\n")
            if cut < 0:
                tail = buf
                continue
            yield buf[:cut], offset
            tail = buf[cut + 1 :]
    if not decomp.eof:
        raise EOFError("compressed data ends before the end of the stream (truncated file?)")
    if tail:
        yield tail, offset
