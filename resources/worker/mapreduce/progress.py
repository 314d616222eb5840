"""Progress lines: the runner's machine-readable status, written to stderr.

Every status line is the word ``@progress``, one space, and a compact JSON
object on a single line; each is a complete snapshot, so a reader only needs
the latest one::

    @progress {"phase":"map","files_done":3,"files_total":12,"bytes":1048576,"bytes_total":4194304,"records":5000,"bad_lines":1,"bad_files":0,"reducers_done":0,"reducers_total":1,"fetched_bytes":0,"elapsed_s":1.52}

Fields:
    phase           "map", "reduce" or "done" (emitted as each phase starts,
                    then at most every PROGRESS_INTERVAL seconds while there
                    is news, and once at the end of a successful run)
    files_done      input files fully read         / files_total matched
    bytes           compressed input bytes read    / bytes_total
    records         input lines read (bad ones included)
    bad_lines       lines skipped ("Bad line: FILE:N")
    bad_files       files abandoned because they could not be read
    reducers_done   finished reducer processes     / reducers_total
    fetched_bytes   bytes downloaded from S3 so far (0 for a local data dir;
                    files already in the cache are not downloaded again)
    elapsed_s       seconds since the job started

Other stderr lines are for people. Consumers must ignore unknown fields.
"""

import json
import time

PROGRESS_INTERVAL = 0.5
PREFIX = "@progress "


class Progress:
    def __init__(self, stream, files_total, bytes_total, reducers_total):
        self._stream = stream
        self._start = time.monotonic()
        self._last_emit = 0.0
        self._dirty = False
        self.state = {
            "phase": "map",
            "files_done": 0,
            "files_total": files_total,
            "bytes": 0,
            "bytes_total": bytes_total,
            "records": 0,
            "bad_lines": 0,
            "bad_files": 0,
            "reducers_done": 0,
            "reducers_total": reducers_total,
            "fetched_bytes": 0,
            "elapsed_s": 0.0,
        }

    def add(self, **counts):
        for name, amount in counts.items():
            self.state[name] += amount
        self._dirty = True

    def phase(self, name):
        self.state["phase"] = name
        self.emit()

    def tick(self):
        """Emit if there is news and the last line is old enough."""
        if self._dirty and time.monotonic() - self._last_emit >= PROGRESS_INTERVAL:
            self.emit()

    def emit(self):
        now = time.monotonic()
        self.state["elapsed_s"] = round(now - self._start, 2)
        self._stream.write(PREFIX + json.dumps(self.state, separators=(",", ":")) + "\n")
        self._stream.flush()
        self._last_emit = now
        self._dirty = False
