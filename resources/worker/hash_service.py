"""The worker's hashing service: SHA-256 of files on this machine, asked for over stdin.

The app starts one per SSH connection (src/main/services/ssh/transfers/remote-hash.ts sends this
file's text as `python3 -c`) and keeps it while files keep coming, so verifying a file costs a
line on an open channel instead of a new SSH session. hashlib is OpenSSL's SHA-256, several times
faster than coreutils' sha256sum.

Protocol, one line each way:
  in:  `hash ID SIZE PATH`  hash the first SIZE bytes of PATH (a JSON string, so any name fits on
                            one line), waiting for them while an upload is still writing them
       `stop ID`            give up on ID
  out: `ID ok HEX`, `ID stopped`, `ID error "MESSAGE"` (MESSAGE a JSON string)

The file is mapped WINDOW bytes at a time (no copy into Python); what is not on disk yet is polled
for every 1 to 10 ms, so an upload's digest is ready moments after its last byte lands. It hashes
the file on this disk, not the app's data stream, so the check covers everything in between. It
runs at idle priority: the transfer goes first and hashing uses the gaps. When stdin closes (the
connection is gone, or the app let the service go idle) it exits, abandoning hashes in progress.
"""
import hashlib
import json
import mmap
import os
import sys
import threading
import time

WINDOW = 8 << 20

lock, active, stopped = threading.Lock(), set(), set()


def lower_priority():
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(19)


def reply(line):
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def hash_file(ident, size, path):
    try:
        digest, done, pause = hashlib.sha256(), 0, 0.001
        fd = os.open(path, os.O_RDONLY)
        try:
            while done < size:
                if ident in stopped:
                    return reply(ident + " stopped")
                have = min(os.fstat(fd).st_size, size)
                if have - done >= min(WINDOW, size - done):
                    start = done - done % mmap.ALLOCATIONGRANULARITY
                    length = min(start + WINDOW, have) - start
                    with mmap.mmap(fd, length, offset=start, access=mmap.ACCESS_READ) as window, memoryview(window) as view:
                        digest.update(view[done - start:])
                    done, pause = start + length, 0.001
                else:
                    time.sleep(pause)
                    pause = min(pause * 2, 0.01)
        finally:
            os.close(fd)
        reply(ident + " ok " + digest.hexdigest())
    except Exception as error:
        reply(ident + " error " + json.dumps(getattr(error, "strerror", None) or str(error)))
    finally:
        active.discard(ident)
        stopped.discard(ident)


def serve(lines):
    for line in lines:
        words = line.rstrip("\n").split(" ", 3)
        if words[0] == "hash" and len(words) == 4:
            active.add(words[1])
            threading.Thread(target=hash_file, args=(words[1], int(words[2]), json.loads(words[3])), daemon=True).start()
        elif words[0] == "stop" and len(words) > 1 and words[1] in active:
            stopped.add(words[1])


if __name__ == "__main__":
    lower_priority()
    serve(sys.stdin)
    # Hashing threads still waiting for bytes end with the process, not after it.
    os._exit(0)
