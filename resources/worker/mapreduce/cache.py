"""A bounded on-disk cache of S3 objects, shared by the jobs of one machine.

Layout under the cache directory::

    objects/XX/HASH     one object's bytes; HASH names bucket, key, ETag and size,
                        so a changed object is a new entry and a stale one is never read
    tmp/JOB.N           downloads in progress (renamed into objects/ when complete,
                        so a half-written download never looks cached)
    pins/JOB            the entries a running job needs, one a line; the job holds
                        an exclusive flock on it for as long as it runs
    lock                flock'd while pins are written or entries evicted

Eviction removes least recently used entries (by modification time, which a
job sets on every entry it uses) until the cache fits its size limit, never an
entry listed in the pin file of a running job. A pin file whose flock nobody
holds belongs to a job that ended without cleaning up: it and that job's
temporary files are removed at the next eviction.
"""

import fcntl
import hashlib
import itertools
import os
import threading


def entry_name(bucket, key, etag, size):
    """The cache entry (relative path) of one version of an object."""
    digest = hashlib.sha256(f"{bucket}\n{key}\n{etag}\n{size}".encode("utf-8", "surrogateescape")).hexdigest()
    return f"{digest[:2]}/{digest}"


class Cache:
    def __init__(self, root, limit_bytes):
        self.root = os.path.abspath(root)
        self.limit = limit_bytes
        self.objects = os.path.join(self.root, "objects")
        self.tmp = os.path.join(self.root, "tmp")
        self.pins = os.path.join(self.root, "pins")
        self._job = f"{os.uname().nodename}-{os.getpid()}"
        self._pin_file = None
        self._counter = itertools.count()
        self._counter_lock = threading.Lock()

    def open(self, needed):
        """Pin the entries this job needs, then make room for the missing ones.

        ``needed`` is a list of ``(entry name, size)``. Returns the names of
        those already cached (their use time is refreshed).
        """
        for d in (self.objects, self.tmp, self.pins):
            os.makedirs(d, exist_ok=True)
        with self._locked():
            self._pin_file = open(os.path.join(self.pins, self._job), "w", encoding="utf-8")
            fcntl.flock(self._pin_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._pin_file.write("".join(name + "\n" for name, _ in needed))
            self._pin_file.flush()
            cached = set()
            missing_bytes = 0
            for name, size in needed:
                if self.has(name, size):
                    os.utime(self.path(name))
                    cached.add(name)
                else:
                    missing_bytes += size
            self._evict(missing_bytes)
        return cached

    def close(self):
        """Unpin this job's entries and bring the cache back within its limit."""
        if self._pin_file is None:
            return
        with self._locked():
            os.unlink(self._pin_file.name)
            self._pin_file.close()
            self._pin_file = None
            for name in os.listdir(self.tmp):
                if name.startswith(self._job + "."):
                    _remove(os.path.join(self.tmp, name))
            self._evict(0)

    def path(self, name):
        return os.path.join(self.objects, *name.split("/"))

    def has(self, name, size):
        try:
            return os.stat(self.path(name)).st_size == size
        except OSError:
            return False

    def temp_path(self):
        """A fresh file name for a download in progress."""
        with self._counter_lock:
            n = next(self._counter)
        return os.path.join(self.tmp, f"{self._job}.{n}")

    def commit(self, temp, name):
        """Make a complete download the cache entry ``name``."""
        final = self.path(name)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.replace(temp, final)

    def discard(self, temp):
        """Remove a temporary file that did not become an entry."""
        _remove(temp)

    def _locked(self):
        return _FileLock(os.path.join(self.root, "lock"))

    def _live_pins(self):
        """Entries pinned by running jobs; removes what ended jobs left behind."""
        pinned = set()
        for job in os.listdir(self.pins):
            path = os.path.join(self.pins, job)
            if self._pin_file is not None and job == self._job:
                with open(path, encoding="utf-8") as f:
                    pinned.update(f.read().split())
                continue
            try:
                f = open(path, encoding="utf-8")
            except OSError:
                continue
            with f:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # held: that job is running
                    pinned.update(f.read().split())
                    continue
                _remove(path)
                for name in os.listdir(self.tmp):
                    if name.startswith(job + "."):
                        _remove(os.path.join(self.tmp, name))
        return pinned

    def _evict(self, room):
        """Remove least recently used unpinned entries until ``room`` more bytes fit."""
        pinned = self._live_pins()
        entries = []
        total = 0
        for folder in os.listdir(self.objects):
            try:
                names = os.listdir(os.path.join(self.objects, folder))
            except OSError:  # not a folder of entries
                continue
            for name in names:
                rel = f"{folder}/{name}"
                try:
                    st = os.stat(self.path(rel))
                except OSError:
                    continue
                total += st.st_size
                if rel not in pinned:
                    entries.append((st.st_mtime_ns, rel, st.st_size))
        entries.sort()
        for _mtime, rel, size in entries:
            if total + room <= self.limit:
                break
            _remove(self.path(rel))
            total -= size


class _FileLock:
    def __init__(self, path):
        self._path = path
        self._f = None

    def __enter__(self):
        self._f = open(self._path, "a")
        fcntl.flock(self._f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self._f, fcntl.LOCK_UN)
        self._f.close()


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
