"""Lists a run's output folder: `python3 run_outputs.py OUTPUT_DIR RUN_DIR`.

Prints a JSON list of [path inside OUTPUT_DIR with / separators, size in bytes] for every regular
file below it, sorted; links are not followed. The app (src/main/services/jobs/run-outputs.ts)
sends this file's text as `python3 -c` with the folders as arguments, never through a shell.

OUTPUT_DIR itself must really be inside RUN_DIR: a job that turned its output folder (or a folder
on its way) into a link to, say, ~/.aws would otherwise have that listed, downloaded and offered
for publishing. Python 3 is on every worker (the runner needs it) and behaves the same on GNU and
BSD systems, unlike `find -printf`.

Exit codes: 0 listed, 3 OUTPUT_DIR does not exist, 4 OUTPUT_DIR leads outside RUN_DIR (its real
path is printed).
"""
import json
import os
import sys

MISSING = 3
OUTSIDE = 4


def list_files(root):
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                found.append([os.path.relpath(path, root).replace(os.sep, "/"), os.path.getsize(path)])
    found.sort()
    return found


def main(root, run_dir):
    run_dir = os.path.realpath(run_dir)
    if not os.path.isdir(root):
        return MISSING
    real = os.path.realpath(root)
    if not real.startswith(run_dir + os.sep):
        print(real)
        return OUTSIDE
    print(json.dumps(list_files(root)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
