"""Fetching S3 input while the mappers run.

The parent lists the objects, pins them in the cache and puts the cached ones
in an ArrivalQueue, then forks the mappers, then starts a Fetcher: a bounded
pool of download threads, largest object first, each file put in the queue as
soon as it is complete. A mapper takes the next file that has arrived (or
waits for one), so mapping starts with the first file and overlaps the
downloads of the rest, rather than following them.
"""

import queue
import threading
from concurrent.futures import ThreadPoolExecutor

from .s3source import FetchStopped, ObjectGone

# A file that will not arrive (it was deleted mid-run); mappers skip it.
SKIPPED = -1


class ArrivalQueue:
    """File indexes in the order they became readable, shared by forked processes.

    Every file gets one slot (its index, or SKIPPED); a mapper takes the next
    slot and waits until it is filled. ``total`` slots in all.
    """

    def __init__(self, mp, total):
        self.total = total
        self._slots = mp.Array("l", max(total, 1), lock=False)
        self._arrived = mp.Value("l", 0, lock=False)
        self._taken = mp.Value("l", 0, lock=False)
        self._cond = mp.Condition()

    def put(self, index, stopping=lambda: False):
        # A timed acquire: a mapper killed while holding the lock must not hang
        # a download thread once the job is being stopped.
        while not self._cond.acquire(timeout=0.5):
            if stopping():
                return
        try:
            self._slots[self._arrived.value] = index
            self._arrived.value += 1
            self._cond.notify_all()
        finally:
            self._cond.release()

    def take(self):
        """Yield file indexes as they arrive until every slot is taken (in a mapper)."""
        while True:
            with self._cond:
                position = self._taken.value
                if position >= self.total:
                    return
                self._taken.value = position + 1
                while self._arrived.value <= position:
                    self._cond.wait()
                index = self._slots[position]
            if index != SKIPPED:
                yield index


class Fetcher:
    """Downloads the missing objects of a job into the cache on a thread pool.

    The threads only download and post events; ``poll`` (on the parent's main
    thread) turns them into progress, log lines and failures.
    """

    def __init__(self, source, cache, objects, names, missing, log, threads):
        self.source = source
        self.cache = cache
        self.objects = objects
        self.names = names
        self.missing = missing  # indexes to download, largest first
        self.log = log
        self.bad = set()
        self.fetched_bytes = 0
        self._events = queue.Queue()
        self._stop = threading.Event()
        self._pool = None
        self._left = len(missing)
        self._threads = threads

    def start(self, arrivals=None):
        if not self.missing:
            return
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="fetch")
        for index in self.missing:
            self._pool.submit(self._fetch, index, arrivals)

    @property
    def done(self):
        return self._left == 0

    def _fetch(self, index, arrivals):
        obj = self.objects[index]
        if self._stop.is_set():
            return
        temp = self.cache.temp_path()
        try:
            self.source.fetch(obj, temp, lambda n: self._events.put(("bytes", n)), self._stop.is_set)
            self.cache.commit(temp, self.names[index])
        except FetchStopped:
            return
        except ObjectGone as e:
            self._events.put(("gone", index, str(e)))
            if arrivals is not None:
                arrivals.put(SKIPPED, self._stop.is_set)
            return
        except BaseException as e:  # JobFailed, a full disk ...: the job stops
            self._events.put(("error", e))
            return
        finally:
            self.cache.discard(temp)
        self._events.put(("arrived", index))
        if arrivals is not None:
            arrivals.put(index, self._stop.is_set)

    def poll(self, progress):
        """Apply what the threads reported; re-raise the first failure."""
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            self._apply(event, progress)

    def _apply(self, event, progress):
        kind = event[0]
        if kind == "bytes":
            self.fetched_bytes += event[1]
            progress.add(fetched_bytes=event[1])
        elif kind == "arrived":
            self._left -= 1
        elif kind == "gone":
            _, index, why = event
            self._left -= 1
            self.bad.add(index)
            obj = self.objects[index]
            self.log(f"Bad file: {self.source.location(obj.key)}: {why} (skipped)")
            progress.add(bad_files=1, files_done=1, bytes=obj.size)
        elif kind == "error":
            raise event[1]

    def wait(self, progress, interval):
        """Fetch everything before going on (for the Spark engine)."""
        while not self.done:
            try:
                event = self._events.get(timeout=interval)
            except queue.Empty:
                progress.tick()
                continue
            self._apply(event, progress)
            self.poll(progress)
            progress.tick()

    def stop(self):
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
