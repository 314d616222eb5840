#!/usr/bin/env python3
"""safe_extract.py TARBALL TARGET_DIR

Unpacks a job tarball (.tar, .tar.gz, .tgz) into TARGET_DIR, refusing the whole archive,
before anything is written, if any entry could land outside TARGET_DIR: absolute paths,
``..`` components, symbolic or hard links (packages hold none), devices, FIFOs. While
unpacking it checks again that every folder on the way is a real folder inside TARGET_DIR
(never a link) and creates files new (O_EXCL | O_NOFOLLOW), so nothing is written through
a link. An archive whose files would not fit in the target's free space (keeping a margin for
the run's own output and log) is refused up front, so a small archive that unpacks to
terabytes cannot fill the worker's disk. Python's own ``filter='data'`` (3.12+, and backported to some 3.8-3.11 releases) is
used on top when present, never relied on alone. Exit codes: 0 done, 2 refused, 64 usage.
Standard library only: it runs on any worker with Python 3.
"""
import os
import shutil
import stat
import sys
import tarfile

PLAIN = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE, tarfile.DIRTYPE)

# Left free after unpacking: the run still has to write its output and log there.
FREE_SPACE_MARGIN = 64 * 1024 * 1024


class Refused(Exception):
    pass


def member_problem(member):
    """Why a member may not be unpacked, or None."""
    name = member.name
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "climbs out of the package (../)"
    if "\0" in name:
        return "has a NUL in its name"
    if member.issym():
        return "is a symbolic link (to %s); links are not unpacked" % member.linkname
    if member.islnk():
        return "is a hard link (to %s); links are not unpacked" % member.linkname
    if member.ischr() or member.isblk():
        return "is a device file"
    if member.isfifo():
        return "is a FIFO"
    if member.type not in PLAIN:
        return "is not a regular file or folder"
    return None


def check_members(members):
    problems = []
    for member in members:
        problem = member_problem(member)
        if problem:
            problems.append("%s %s" % (member.name, problem))
    if problems:
        raise Refused("; ".join(problems[:10]) + (" (and %d more)" % (len(problems) - 10) if len(problems) > 10 else ""))


def check_fits(members, target):
    """Refuses an archive whose files (by their declared sizes) would not fit in target."""
    total = sum(m.size for m in members if m.isfile())
    free = shutil.disk_usage(target).free
    if total > free - FREE_SPACE_MARGIN:
        raise Refused(
            "its files hold %s, and the disk under %s has %s free; free up space or unpack it elsewhere"
            % (human_bytes(total), target, human_bytes(max(free, 0)))
        )


def human_bytes(n):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024:
            return "%d %s" % (n, unit) if unit == "bytes" else "%.1f %s" % (n, unit)
        n /= 1024.0
    return "%.1f TiB" % n


def inside(target, name):
    """The member's destination, refused unless it stays under target."""
    dest = os.path.realpath(os.path.join(target, name))
    if dest != target and not dest.startswith(target + os.sep):
        raise Refused("%s would land outside %s" % (name, target))
    return dest


def real_dirs(target, dest):
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
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise Refused("%s is not a real folder" % os.path.relpath(path, target))


def extract_by_hand(tar, members, target):
    for member in members:
        name = member.name
        while name.startswith("./"):
            name = name[2:]
        if name in ("", "."):
            continue
        dest = inside(target, name)
        real_dirs(target, dest)
        if member.isdir():
            if os.path.lexists(dest):
                if not stat.S_ISDIR(os.lstat(dest).st_mode):
                    raise Refused("%s is not a real folder" % name)
            else:
                os.mkdir(dest, 0o755)
            continue
        mode = 0o755 if member.mode & 0o111 else 0o644
        try:
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        except FileExistsError:
            raise Refused("%s is in the archive twice, or something is already there" % name)
        with os.fdopen(fd, "wb") as out, tar.extractfile(member) as src:
            while True:
                chunk = src.read(1024 * 1024)
                if not chunk:
                    break
                out.write(chunk)


def safe_extract(tarball, target, use_data_filter=True):
    target = os.path.realpath(target)
    os.makedirs(target, exist_ok=True)
    with tarfile.open(tarball, "r:*") as tar:
        members = tar.getmembers()
        check_members(members)
        check_fits(members, target)
        for member in members:
            inside(target, member.name)
        if use_data_filter and hasattr(tarfile, "data_filter"):
            # Our checks above already refused everything it would; this is a second lock.
            tar.extractall(target, members=members, filter="data")
        else:
            extract_by_hand(tar, members, target)
    return len([m for m in members if m.isfile()])


def main(argv, use_data_filter=True):
    if len(argv) != 3:
        sys.stderr.write("usage: safe_extract.py TARBALL TARGET_DIR\n")
        return 64
    try:
        count = safe_extract(argv[1], argv[2], use_data_filter)
    except Refused as err:
        sys.stderr.write("Refused to unpack %s: %s.\n" % (argv[1], err))
        return 2
    except (tarfile.TarError, OSError) as err:
        sys.stderr.write("Could not unpack %s: %s\n" % (argv[1], err))
        return 2
    print("%d files unpacked into %s" % (count, argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
