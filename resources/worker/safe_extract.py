#!/usr/bin/env python3
"""safe_extract.py TARBALL TARGET_DIR

Unpacks a job tarball (.tar, .tar.gz, .tgz) into TARGET_DIR by the package rules the app
applies too (src/main/services/packager/package-rules.ts), refusing the whole archive before
anything is written if any entry breaks one: absolute paths, ``..`` components, symbolic or
hard links (packages hold none), devices, FIFOs, entry types other than files and folders
(GNU sparse ``S``, volume headers ``V``, unknown types), a path given twice, an entry under a
file, a global PAX header that renames or resizes later entries, names that are not UTF-8,
more than MAX_UNPACKED_BYTES in all, or more than the target's free space (keeping a margin
for the run's own output and log). TARBALL must be a regular file (not a FIFO or a device).
A damaged or truncated archive is refused with the reason, never unpacked in part.

While unpacking it checks again that every folder on the way is a real folder inside
TARGET_DIR (never a link), creates files new (O_EXCL | O_NOFOLLOW) so nothing is written
through a link or over an earlier file, and counts the bytes written; if anything fails part
way (a full disk, a damaged archive), everything it wrote is removed. Python's own
``tarfile.data_filter`` (3.12+, and backported to some 3.8-3.11 releases) checks each entry
on top when present, never relied on alone. Exit codes: 0 done, 2 refused, 64 usage.
Standard library only: it runs on any worker with Python 3.
"""
import errno
import os
import shutil
import stat
import sys
import tarfile

FILES = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE)
PLAIN = FILES + (tarfile.DIRTYPE,)

# The most a package may unpack to: it is code; its data is read from DATA_DIR or S3.
MAX_UNPACKED_BYTES = 4 * 1024 ** 3
# Left free after unpacking: the run still has to write its output and log there.
FREE_SPACE_MARGIN = 64 * 1024 * 1024
# The longest name one folder entry may have (NAME_MAX on the file systems packages unpack onto).
MAX_NAME_BYTES = 255
# Keys a global PAX header may carry: comments and times (git archive writes a comment).
HARMLESS_GLOBAL_PAX = {"comment", "mtime", "atime", "ctime", "charset", "hdrcharset"}
# After the end marker only zero padding may follow (tar pads to its record size, 10 KiB).
MAX_TRAILER_BYTES = 1024 * 1024

TYPE_DESCRIPTIONS = {
    b"S": "a GNU sparse file (type S)",
    b"V": "a GNU volume header (type V)",
    b"M": "a GNU multi-volume continuation (type M)",
    b"D": "a GNU dump folder (type D)",
    b"N": "a GNU old long-name entry (type N)",
}


class Refused(Exception):
    pass


def clean_path(name):
    """The entry's path with ``.`` and empty components dropped, so ``./a//b/`` and ``a/b`` are one."""
    return "/".join(part for part in name.split("/") if part not in ("", "."))


def undecodable(text):
    """True when tarfile could not decode the bytes as UTF-8 (they came back as surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def type_name(member):
    if member.type == tarfile.DIRTYPE:
        return "directory"
    if member.type in FILES:
        return "file"
    return "entry of type %s" % member.type.decode("latin-1")


def member_problem(member):
    """Why a member may not be unpacked, or None."""
    name = member.name
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "climbs out of the package (../)"
    if "\0" in name:
        return "has a NUL in its name"
    if undecodable(name) or undecodable(member.linkname):
        return "has a name (or link target) that is not valid UTF-8"
    if any(len(part.encode("utf-8")) > MAX_NAME_BYTES for part in name.split("/")):
        return "has a name part longer than %d bytes, which file systems do not store" % MAX_NAME_BYTES
    if clean_path(name) == "" and not member.isdir():
        return "has no name"
    if member.sparse is not None or any(key.startswith("GNU.sparse.") for key in member.pax_headers):
        if member.type == tarfile.GNUTYPE_SPARSE:
            return "is %s, which is not unpacked" % TYPE_DESCRIPTIONS[tarfile.GNUTYPE_SPARSE]
        return "is a sparse file (GNU.sparse PAX keys), which is not unpacked"
    if member.issym():
        return "is a symbolic link (to %s); links are not unpacked" % member.linkname
    if member.islnk():
        return "is a hard link (to %s); links are not unpacked" % member.linkname
    if member.ischr() or member.isblk():
        return "is a device file"
    if member.isfifo():
        return "is a FIFO"
    if member.type not in PLAIN:
        flag = member.type.decode("latin-1")
        return "is %s, which is not unpacked" % TYPE_DESCRIPTIONS.get(member.type, "an entry of unknown type %r" % flag)
    return None


def human_bytes(n):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024:
            return "%d %s" % (n, unit) if unit == "bytes" else "%.1f %s" % (n, unit)
        n /= 1024.0
    return "%.1f TiB" % n


class PackageCheck:
    """The rules that need the entries seen before: a path given twice (an extractor that
    overwrites would run the second copy), an entry under something that is not a folder,
    and the total a package may unpack to. ``room`` is (free bytes, folder) where it will be
    unpacked: the package must leave FREE_SPACE_MARGIN of it, so a small archive that unpacks
    to more than the disk holds is refused at its header."""

    def __init__(self, limit=MAX_UNPACKED_BYTES, room=None):
        self.limit = limit
        self.room = room
        self.seen = {}
        self.unpacked = 0

    def problem(self, member):
        own = member_problem(member)
        path = clean_path(member.name)
        earlier = self.seen.get(path)
        if member.type in FILES:
            self.unpacked += member.size
        if own:
            return own
        if earlier is not None:
            return "is in the archive twice (the first is a %s); a package names each path once" % earlier
        kind = type_name(member)
        self.seen[path] = kind
        parts = path.split("/")
        for i in range(1, len(parts)):
            above = "/".join(parts[:i])
            above_kind = self.seen.get(above)
            if above_kind is not None and above_kind != "directory":
                return "lies under %s, which is a %s in the package, not a folder" % (above, above_kind)
        if self.unpacked > self.limit:
            return (
                "takes the package past %s unpacked (the most a package may hold; keep data out of it and read it from DATA_DIR or S3)"
                % human_bytes(self.limit)
            )
        if self.out_of_room:
            free, where = self.room
            return "takes the package to %s, and the disk under %s has %s free; free up space or unpack it elsewhere" % (
                human_bytes(self.unpacked),
                where,
                human_bytes(max(free, 0)),
            )
        return None

    @property
    def out_of_room(self):
        return self.room is not None and self.unpacked > self.room[0] - FREE_SPACE_MARGIN

    @property
    def over_limit(self):
        return self.unpacked > self.limit or self.out_of_room


def global_pax_problem(tar):
    keys = sorted(key for key in tar.pax_headers if key not in HARMLESS_GLOBAL_PAX)
    if not keys:
        return None
    return "a global PAX header sets %s for every later entry, which packages may not do" % ", ".join(
        "%s=%s" % (key, tar.pax_headers[key]) for key in keys
    )


def check_end(tar):
    """tarfile takes a damaged header after the first entry, or a file cut short at an entry's
    end, for the end of the archive: read what is really there."""
    tar.fileobj.seek(tar.offset)
    block = tar.fileobj.read(tarfile.BLOCKSIZE)
    if len(block) == 0:
        raise Refused("it ends at byte %d without tar's end-of-archive marker: it was probably cut short" % tar.offset)
    if len(block) < tarfile.BLOCKSIZE:
        raise Refused("it is cut short inside the header at byte %d" % tar.offset)
    if block.count(0) != len(block):
        raise Refused("the header at byte %d is damaged (the archive is corrupt or cut short)" % tar.offset)
    seen = 0
    while True:
        chunk = tar.fileobj.read(64 * 1024)
        if not chunk:
            return
        if chunk.count(0) != len(chunk):
            raise Refused("there is data after its end-of-archive marker; archives joined together are not read")
        seen += len(chunk)
        if seen > MAX_TRAILER_BYTES:
            raise Refused("more than %d bytes follow its end-of-archive marker" % MAX_TRAILER_BYTES)


def read_members(tar, limit, room=None):
    """Every member, checked by the package rules; refuses the archive (listing up to ten
    problems) if any breaks one. Stops reading at the entry that takes it past the limit."""
    check = PackageCheck(limit, room)
    members = []
    problems = []
    global_problem = None
    while True:
        member = tar.next()
        global_problem = global_problem or global_pax_problem(tar)
        if member is None:
            check_end(tar)
            break
        members.append(member)
        problem = check.problem(member)
        if problem:
            problems.append("%s %s" % (member.name, problem))
        if check.over_limit:
            break
    if global_problem:
        problems.insert(0, global_problem)
    if problems:
        raise Refused("; ".join(problems[:10]) + (" (and %d more)" % (len(problems) - 10) if len(problems) > 10 else ""))
    return members


def inside(target, name):
    """The member's destination, refused unless it stays under target."""
    dest = os.path.realpath(os.path.join(target, name))
    if dest != target and not dest.startswith(target + os.sep):
        raise Refused("%s would land outside %s" % (name, target))
    return dest


def real_dirs(target, dest, created):
    """Makes (or checks) each folder between target and dest as a real folder, never a link."""
    rel = os.path.relpath(os.path.dirname(dest), target)
    path = target
    if rel == ".":
        return
    for part in rel.split(os.sep):
        path = os.path.join(path, part)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            os.mkdir(path, 0o755)
            created.append(path)
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise Refused("%s is not a real folder" % os.path.relpath(path, target))


def extract(tar, members, target, limit, use_data_filter, created):
    written = 0
    data_filter = getattr(tarfile, "data_filter", None) if use_data_filter else None
    for member in members:
        name = clean_path(member.name)
        if name == "":
            continue
        if data_filter is not None:
            # Our checks already refused everything it would; this is a second lock.
            data_filter(member, target)
        dest = inside(target, name)
        real_dirs(target, dest, created)
        if member.isdir():
            if os.path.lexists(dest):
                if not stat.S_ISDIR(os.lstat(dest).st_mode):
                    raise Refused("%s is not a real folder" % name)
            else:
                os.mkdir(dest, 0o755)
                created.append(dest)
            continue
        mode = 0o755 if member.mode & 0o111 else 0o644
        try:
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        except FileExistsError:
            raise Refused("%s: something is already there" % name)
        created.append(dest)
        with os.fdopen(fd, "wb") as out, tar.extractfile(member) as src:
            while True:
                chunk = src.read(1024 * 1024)
                if not chunk:
                    break
                written += len(chunk)
                if written > limit:
                    raise Refused("it unpacks to more than %s" % human_bytes(limit))
                out.write(chunk)


def remove_created(created):
    """Takes back what an unpacking that failed had written: files first, then its folders."""
    for path in reversed(created):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass


def open_regular(path):
    """The tarball opened for reading; anything but a regular file is refused before a read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = (
            "a folder" if stat.S_ISDIR(info.st_mode)
            else "a FIFO" if stat.S_ISFIFO(info.st_mode)
            else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "not a regular file"
        )
        raise Refused("it is %s, not a tarball" % kind)
    return os.fdopen(fd, "rb")


def open_tar(f):
    try:
        return tarfile.open(fileobj=f, mode="r:*", encoding="utf-8", errors="surrogateescape")
    except tarfile.ReadError:
        raise Refused("it is not a tar archive (.tar, .tar.gz or .tgz)")


def safe_extract(tarball, target, use_data_filter=True, limit=MAX_UNPACKED_BYTES):
    target = os.path.realpath(target)
    os.makedirs(target, exist_ok=True)
    created = []
    with open_regular(tarball) as f, open_tar(f) as tar:
        members = read_members(tar, limit, (shutil.disk_usage(target).free, target))
        try:
            for member in members:
                inside(target, member.name)
            extract(tar, members, target, limit, use_data_filter, created)
        except OSError as err:
            remove_created(created)
            if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise Refused("the disk under %s filled up (%s); nothing of it was kept" % (target, err.strerror))
            raise
        except BaseException:
            remove_created(created)
            raise
    return len([m for m in members if m.type in FILES])


def main(argv, use_data_filter=True):
    if len(argv) != 3:
        sys.stderr.write("usage: safe_extract.py TARBALL TARGET_DIR\n")
        return 64
    try:
        count = safe_extract(argv[1], argv[2], use_data_filter)
    except Refused as err:
        sys.stderr.write("Refused to unpack %s: %s.\n" % (argv[1], err))
        return 2
    except EOFError:
        sys.stderr.write("Refused to unpack %s: it is cut short (the compressed data ends early).\n" % argv[1])
        return 2
    except Exception as err:  # noqa: BLE001 - any other failure is still a refusal with its reason
        sys.stderr.write("Could not unpack %s: %s\n" % (argv[1], err or type(err).__name__))
        return 2
    print("%d files unpacked into %s" % (count, argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
