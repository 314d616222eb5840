#!/bin/sh
# workbench-deadline [EPOCH_SECONDS]
#
# Schedules this worker's power-off at its deadline (the instance was launched with shutdown
# behaviour "terminate", so power-off ends it for good). With an argument, records a new
# deadline first (the app extends a worker this way, over SSH, through sudo). Run at every
# boot too, so a reboot or a late boot never loses the kill: minutes are computed from the
# deadline's epoch, not from when user-data was written.
set -eu

file=${WORKBENCH_DEADLINE_FILE:-/etc/workbench/deadline}

if [ $# -ge 1 ]; then
  case $1 in
    '' | *[!0-9]*) echo "workbench-deadline: the deadline must be seconds since the epoch, not '$1'" >&2; exit 2 ;;
  esac
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$1" > "$file.tmp"
  mv -f "$file.tmp" "$file"
fi

deadline=$(cat "$file")
now=$(date +%s)
# Rounded down: the machine may die a little early, never late.
minutes=$(( (deadline - now) / 60 ))

shutdown -c 2>/dev/null || true
if [ "$minutes" -le 0 ]; then
  exec shutdown -h now "Analysis Workbench: this worker's lifetime is over."
fi
exec shutdown -h "+$minutes" "Analysis Workbench: this worker powers off (and is terminated) at its deadline."
