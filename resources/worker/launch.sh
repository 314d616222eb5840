#!/bin/sh
# launch.sh RUN_DIR TIMEOUT_SECONDS COMMAND [ARG...]
#
# Starts COMMAND in RUN_DIR, detached from whoever called us (its own session, so it lives on
# when the app quits or the SSH connection drops), killed after TIMEOUT_SECONDS. It leaves:
#   RUN_DIR/log   the command's stdout and stderr, appended as they come
#   RUN_DIR/pid   the process group id of the run (kill -TERM -- -PID cancels all of it),
#                 written once the run has started
#   RUN_DIR/exit  the exit code (124 or 137: timed out), written when it has ended
# pid and exit are written to a temp file and renamed, so a reader never sees half of one.
# Prints the pid. The command's arguments are passed as argv, never through a shell string.
set -eu

if [ $# -lt 3 ]; then
  echo "usage: launch.sh RUN_DIR TIMEOUT_SECONDS COMMAND [ARG...]" >&2
  exit 64
fi
run_dir=$1
timeout_s=$2
shift 2
case $timeout_s in
  '' | *[!0-9]*) echo "launch.sh: TIMEOUT_SECONDS must be a whole number of seconds, not '$timeout_s'" >&2; exit 64 ;;
esac
if [ ! -d "$run_dir" ]; then
  echo "launch.sh: no run directory '$run_dir'" >&2
  exit 66
fi
cd "$run_dir"
if [ -e pid ] || [ -e exit ]; then
  echo "launch.sh: '$run_dir' was launched before; make a new run directory" >&2
  exit 73
fi
: > log

# GNU timeout makes itself the leader of a new process group holding the command and all its
# children, and on time-out signals that whole group; so its pid is the group to cancel.
setsid sh -c '
  timeout_s=$1
  shift
  timeout --kill-after=30 "$timeout_s" "$@" >> log 2>&1 < /dev/null &
  child=$!
  echo "$child" > pid.tmp && mv pid.tmp pid
  code=0
  wait "$child" || code=$?
  echo "$code" > exit.tmp && mv exit.tmp exit
' launch.sh "$timeout_s" "$@" < /dev/null > /dev/null 2>&1 &

# Return only once the pid is known, so the caller can cancel straight away.
tries=0
while [ ! -e pid ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 200 ]; then
    echo "launch.sh: the run did not start within 10 seconds" >&2
    exit 70
  fi
  sleep 0.05
done
cat pid
