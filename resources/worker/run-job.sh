#!/bin/sh
# run-job.sh: one run of a packaged job, the same on an EC2 instance, an SSH worker or here, for
# a scheduled run and for the app's Test run alike.
#
#   run-job.sh --job NAME --run-id RUNID --code SRC --command CMD --output-dir DIR
#              --timeout-minutes N --publish DEST [--data-dir DATA] [--log FILE] [--work-dir WORK]
#              [--visibility public|private] [--scheduled-for ISO] [--timeout-seconds S] [--shutdown]
#              [--alert-topic ARN] [--metric-namespace NS]
#              [--records RDEST]
#
# SRC   the code tarball: s3://bucket/key.tar.gz or a local file.
# DEST  where the run's output goes: s3://bucket/JOB or a local folder, laid out as
#       DEST/runs/RUNID/data/ (this run's output, kept) and DEST/data/ (the latest successful
#       run's output alone, replaced whole when a run succeeds; a failed run leaves it as it was).
# RDEST where the log and the run record go: RDEST/logs/RUNID.log.gz, RDEST/runs/RUNID.json;
#       default DEST. A public run keeps them in a private place: a log holds whatever the job
#       printed, and only the output is checked by the publish guard.
# DATA  the data (v2 layout) the job reads: a local folder as an absolute path, or an S3 location
#       s3://BUCKET[/PREFIX] (passed on as it is; the runner reads it with the run's AWS identity,
#       and no folder is looked for). Without --data-dir the job gets no DATA_DIR. A folder that
#       does not exist where the run happens is said in the log, and in the record's message when
#       the command fails.
# FILE  where the run's log is kept while it runs (appended to), so that it can be followed live;
#       by default a file in run-job.sh's own work folder. The published log is a copy of it.
# WORK  an existing folder where run-job.sh makes its work folder (the code is unpacked and run
#       there, and it is removed at the end); default $TMPDIR, else /tmp. The app gives the run's
#       own folder, so a run stays on the disk it was checked against.
#
# The run environment (docs/ARCHITECTURE.md, "Run environment"): CMD runs in the unpacked folder
# with DATA_DIR=DATA and OUTPUT_DIR=the absolute path of DIR inside the unpacked folder (made
# before CMD starts), plus WORKBENCH_JOB, WORKBENCH_RUN_ID and WORKBENCH_SCHEDULED_FOR for
# information. The data folder is an option, not taken from run-job.sh's own environment, so
# what the caller passes is checked like every other value and is exactly what the job sees;
# DATA_DIR, OUTPUT_DIR, PYTHONPATH and WORKBENCH_WORKER_DIR of run-job.sh's own environment do
# not reach the job. A package needs nothing but what it carries and these, so it runs the
# same in a Test run, a local or worker schedule, on EC2, and by hand.
#
# Steps: fetch SRC; unpack it with safe_extract.py (an archive that breaks a package rule, e.g.
# absolute paths, ../, links, devices, a path twice, over 4 GiB, damaged, is refused whole);
# make DIR; run CMD in the unpacked folder under `timeout`; for a public run, scan
# DIR with publish_guard.py (any finding: status "blocked", nothing published); then publish DIR
# to DEST/runs/RUNID/data/ and make DEST/data/ that set. The log and the run record are uploaded ALWAYS, also when a step fails, the
# command times out or run-job.sh is stopped by SIGTERM, SIGINT or SIGHUP (the command is
# stopped with it, then the record says so). Exit 0 when the record was written (whatever the
# run's status), 1 when it could not be, 64 on bad arguments. --shutdown powers the machine off
# at the very end, whatever happened (an EC2 instance launched with shutdown behaviour
# "terminate" then ends itself). --timeout-seconds, finer than minutes, wins when given.
#
# ARN   an SNS topic: a run that ends failed, timed-out or blocked publishes a short alert to it
#       (job, run id, status, message, where its log is; never the log itself).
# NS    a CloudWatch namespace: every run end puts the metric RunSucceeded (dimension Job = NAME,
#       1 when it succeeded, else 0) there, which the schedule's alarm watches. A failure to alert
#       or to put the metric is written to the log and never changes the run's status.
#
# CMD is the job's own command line (the schedule's "command", or the package's own command for
# a Test run). It is the user's shell on purpose, so it runs as `sh -c CMD` in the unpacked
# folder, and nothing else is ever pasted into it; it is checked first to be one line (no line
# breaks) of at most 1024 characters. Every other value is checked against a strict pattern
# and passed as argv.
set -u

here=$(cd "$(dirname "$0")" && pwd)
nl='
'

die_usage() {
  echo "run-job.sh: $*" >&2
  echo "usage: run-job.sh --job NAME --run-id RUNID --code SRC --command CMD --output-dir DIR --timeout-minutes N --publish DEST [--data-dir DATA] [--log FILE] [--work-dir WORK] [--visibility public|private] [--scheduled-for ISO] [--timeout-seconds S] [--shutdown] [--records RDEST] [--alert-topic ARN] [--metric-namespace NS]" >&2
  exit 64
}

# matches VALUE ERE: the whole value (one line) matches the extended regular expression.
matches() {
  case $1 in *"$nl"* | *"$(printf '\r')"*) return 1 ;; esac
  printf '%s\n' "$1" | grep -Eqx -- "$2"
}

# one_line VALUE MAX: non-empty, at most MAX characters, no control characters. Checked by length
# and a case pattern: grep's '{1,4096}' repetition takes seconds per value in the C locale.
one_line() {
  [ -n "$1" ] && [ "${#1}" -le "$2" ] || return 1
  case $1 in *[[:cntrl:]]*) return 1 ;; esac
}

# real_inside DIR ROOT: DIR, with every link on its way resolved, is ROOT or below it.
real_inside() {
  dir_real=$(cd "$1" 2>/dev/null && pwd -P) && root_real=$(cd "$2" && pwd -P) || return 1
  case $dir_real/ in "$root_real"/*) return 0 ;; *) return 1 ;; esac
}

job='' run_id='' code='' command='' output_dir='' timeout_min='' timeout_s='' dest='' visibility=private scheduled_for='' shutdown=false
data_dir='' log_file='' work_dir='' records='' alert_topic='' metric_namespace=''
data_given=false
while [ $# -gt 0 ]; do
  case $1 in
    --shutdown) shutdown=true; shift; continue ;;
    --job | --run-id | --code | --command | --output-dir | --timeout-minutes | --timeout-seconds | --publish | --visibility | --scheduled-for | --data-dir | --log | --work-dir | --records | --alert-topic | --metric-namespace)
      [ $# -ge 2 ] || die_usage "$1 needs a value" ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
  case $1 in
    --job) job=$2 ;;
    --run-id) run_id=$2 ;;
    --code) code=$2 ;;
    --command) command=$2 ;;
    --output-dir) output_dir=$2 ;;
    --timeout-minutes) timeout_min=$2 ;;
    --timeout-seconds) timeout_s=$2 ;;
    --publish) dest=$2 ;;
    --visibility) visibility=$2 ;;
    --scheduled-for) scheduled_for=$2 ;;
    --data-dir) data_dir=$2 data_given=true ;;
    --log) log_file=$2 ;;
    --work-dir) work_dir=$2 ;;
    --alert-topic) alert_topic=$2 ;;
    --metric-namespace) metric_namespace=$2 ;;
    --records) records=$2 ;;
  esac
  shift 2
done

matches "$job" '[a-z0-9][a-z0-9-]{0,62}' || die_usage "--job must be a short slug (a-z, 0-9, -), not '$job'"
matches "$run_id" '[A-Za-z0-9][A-Za-z0-9._-]{0,127}' || die_usage "--run-id must be letters, digits, '.', '_' or '-', not '$run_id'"
one_line "$code" 4096 || die_usage "--code must name the code tarball (s3://bucket/key or a file)"
one_line "$command" 1024 || die_usage "--command must be one line of at most 1024 characters, such as sh run.sh"
matches "$output_dir" '[A-Za-z0-9._-][A-Za-z0-9._/-]{0,254}' || die_usage "--output-dir must be a folder inside the job, such as output"
case /$output_dir/ in */../*) die_usage "--output-dir must not climb out of the job with ..";; esac
matches "$timeout_min" '[0-9]{1,4}' && [ "$timeout_min" -ge 1 ] && [ "$timeout_min" -le 1440 ] || die_usage "--timeout-minutes must be a whole number from 1 to 1440"
if [ -n "$timeout_s" ]; then
  matches "$timeout_s" '[0-9]{1,5}' && [ "$timeout_s" -ge 1 ] || die_usage "--timeout-seconds must be a whole number of seconds"
else
  timeout_s=$((timeout_min * 60))
fi
one_line "$dest" 4096 || die_usage "--publish must name s3://bucket/prefix or a folder"
[ -n "$records" ] || records=$dest
one_line "$records" 4096 || die_usage "--records must name s3://bucket/prefix or a folder"
case $visibility in public | private) ;; *) die_usage "--visibility must be public or private" ;; esac
if [ "$data_given" = true ]; then
  one_line "$data_dir" 4096 || die_usage "--data-dir must name the data folder on one line"
  case $data_dir in
    /*) ;;
    s3://?*) matches "$data_dir" 's3://[A-Za-z0-9][A-Za-z0-9._-]{1,254}(/.*)?' || die_usage "--data-dir must be s3://BUCKET or s3://BUCKET/PREFIX with a valid bucket name, not '$data_dir'" ;;
    *) die_usage "--data-dir must be an absolute path, such as /data/telemetry, or s3://BUCKET/PREFIX, not '$data_dir'" ;;
  esac
fi
if [ -n "$log_file" ]; then
  one_line "$log_file" 4096 || die_usage "--log must name a file on one line"
  ( : >> "$log_file" ) 2> /dev/null || die_usage "--log must name a file that can be written: '$log_file'"
fi
[ -z "$work_dir" ] || { one_line "$work_dir" 4096 && [ -d "$work_dir" ]; } || die_usage "--work-dir must name an existing folder, not '$work_dir'"
[ -z "$alert_topic" ] || matches "$alert_topic" 'arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}' || die_usage "--alert-topic must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:analysis-workbench-alerts"
[ -z "$metric_namespace" ] || { matches "$metric_namespace" '[A-Za-z0-9._/#:-]{1,255}' && case $metric_namespace in AWS/*) false ;; esac; } || die_usage "--metric-namespace must be a CloudWatch namespace such as AnalysisWorkbench (letters, digits and . - _ / # :, not starting AWS/)"
[ -z "$scheduled_for" ] || matches "$scheduled_for" '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z?' || die_usage "--scheduled-for must be an ISO time such as 2026-01-31T12:00:00Z"

io() { python3 "$here/run_job_io.py" "$@"; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

work=$(mktemp -d "${work_dir:-${TMPDIR:-/tmp}}/run-job.XXXXXX") && work=$(cd "$work" && pwd) || { echo "run-job.sh: cannot make a work folder" >&2; exit 1; }
trap 'rm -rf "$work"' EXIT
# Stopped from outside (a cancelled Test run, the machine shutting down): the command is stopped
# too (its `timeout` leads a process group of its own, which a signal to ours does not reach),
# and the log and the record are still written.
stopped=false cmd_pid=''
trap 'stopped=true; [ -z "$cmd_pid" ] || kill -TERM "$cmd_pid" 2> /dev/null' HUP INT TERM
if [ -n "$log_file" ]; then
  log=$log_file
else
  log=$work/log
  : > "$log"
fi
note() { printf '[run-job %s] %s\n' "$(now)" "$*" >> "$log"; }
# The last line a step wrote to its own stderr file, for the record's message.
last_line() { tail -n 1 "$1" 2>/dev/null | cut -c 1-400; }

started=$(now)
status=failed exit_code='' timed_out=false message='' findings='' published=''
note "job $job, run $run_id${scheduled_for:+, scheduled for $scheduled_for}; timeout ${timeout_s}s; $visibility output to $dest"
# A job that reads no data runs without its data folder; one that does fails, and its record says why.
no_data=''
if [ "$data_given" = false ]; then
  note "no data folder given: DATA_DIR is not set"
elif [ -d "$data_dir" ]; then
  note "data folder: $data_dir"
elif case $data_dir in s3://*) true ;; *) false ;; esac; then
  note "data in S3: $data_dir"
else
  no_data=" Its data folder $data_dir does not exist where it ran: generate the sample data there, or give the job a data folder that exists."
  note "the data folder $data_dir does not exist here (DATA_DIR names it all the same)"
fi

# Unpacks the code; what safe_extract.py says of it goes into the log as one of run-job.sh's notes.
unpack() {
  python3 "$here/safe_extract.py" "$work/code.tar.gz" "$work/code" > "$work/step.out" 2> "$work/step.err" || return 1
  note "$(cat "$work/step.out")"
}

out=$work/code/$output_dir
if ! io fetch "$code" "$work/code.tar.gz" 2> "$work/step.err"; then
  cat "$work/step.err" >> "$log"
  message="Could not fetch the code: $(last_line "$work/step.err")"
elif ! unpack; then
  cat "$work/step.err" >> "$log"
  message="The code tarball was not unpacked: $(last_line "$work/step.err")"
elif ! mkdir -p "$out" 2> "$work/step.err" || ! out=$(cd "$out" 2> "$work/step.err" && pwd); then
  cat "$work/step.err" >> "$log"
  message="The output folder '$output_dir' could not be made in the unpacked job: $(last_line "$work/step.err"); nothing was run."
elif [ "$stopped" = true ]; then
  message="The run was stopped before its command started; nothing was run."
else
  note "running: $command"
  (
    cd "$work/code" || exit 1
    # Exactly the run environment: nothing of run-job.sh's own that a package might lean on.
    unset DATA_DIR OUTPUT_DIR PYTHONPATH WORKBENCH_WORKER_DIR
    [ "$data_given" = false ] || export DATA_DIR="$data_dir"
    export OUTPUT_DIR="$out"
    WORKBENCH_JOB=$job WORKBENCH_RUN_ID=$run_id WORKBENCH_SCHEDULED_FOR=$scheduled_for
    export WORKBENCH_JOB WORKBENCH_RUN_ID WORKBENCH_SCHEDULED_FOR
    exec timeout --kill-after=30 "$timeout_s" sh -c "$command"
  ) < /dev/null >> "$log" 2>&1 &
  cmd_pid=$!
  exit_code=0
  wait "$cmd_pid" || exit_code=$?
  # A trapped signal ends `wait` early: wait on for the command's own end and exit code.
  while kill -0 "$cmd_pid" 2> /dev/null; do
    exit_code=0
    wait "$cmd_pid" || exit_code=$?
  done
  note "the command ended with exit code $exit_code"
  if [ "$stopped" = true ]; then
    message="The run was stopped (cancelled, or its machine shut down) before its command ended; nothing was published."
  elif [ "$exit_code" = 124 ] || [ "$exit_code" = 137 ]; then
    status=timed-out timed_out=true
    message="The command ran longer than its timeout (${timeout_s} s) and was stopped; nothing was published."
  elif [ "$exit_code" != 0 ]; then
    message="The command failed with exit code $exit_code; nothing was published.$no_data"
  elif [ ! -d "$out" ] || [ -L "$out" ]; then
    message="The command left no output folder '$output_dir'; nothing was published."
  elif ! real_inside "$out" "$work/code"; then
    # A folder on the way (results/ of results/out) made a link by the job: what it leads to
    # (~/.aws ...) is not the job's output and must not be scanned or published.
    message="The output folder '$output_dir' leads out of the job's folder through a link; nothing was published."
  else
    guard_code=0
    if [ "$visibility" = public ]; then
      findings=$work/findings.json
      python3 "$here/publish_guard.py" "$out" > "$findings" 2> "$work/step.err" || guard_code=$?
      cat "$work/step.err" >> "$log"
    fi
    if [ "$guard_code" = 1 ]; then
      status=blocked
      message="The publish guard found what looks like raw data (client ids, e-mail or IP addresses, raw submissions) in the output of a public run; nothing was published. Fix the job, or publish privately."
      note "$message"
    elif [ "$guard_code" != 0 ]; then
      findings=''
      message="The publish guard could not scan the output: $(last_line "$work/step.err"); nothing was published."
    elif io publish "$out" "$dest" "$run_id" > "$work/published.json" 2> "$work/step.err"; then
      published=$work/published.json
      status=succeeded
      note "published $(cat "$published")"
      case $(cat "$published") in '{"files": 0,'*) message="The command wrote nothing to its output folder '$output_dir'." ;; esac
    else
      cat "$work/step.err" >> "$log"
      message="Publishing the output failed: $(last_line "$work/step.err")"
    fi
  fi
fi
[ -z "$message" ] || note "$message"
note "status $status"

record=$work/record.json
result=0
# Alerts from AWS itself, sent before the log is uploaded so that the log says what they did;
# they never change the run's status.
send_alerts() {
  if [ -n "$alert_topic" ] && [ "$status" != succeeded ]; then
    if io notify "$alert_topic" "$records" "$record" 2> "$work/step.err"; then
      note "alert sent to $alert_topic"
    else
      note "could not send the alert: $(last_line "$work/step.err")"
    fi
  fi
  if [ -n "$metric_namespace" ]; then
    io metric "$metric_namespace" "$record" 2> "$work/step.err" || note "could not put the metric $metric_namespace RunSucceeded: $(last_line "$work/step.err")"
  fi
  return 0
}
if io record "$record" --job "$job" --run-id "$run_id" --dest "$records" --data-dest "$dest" --started-at "$started" --ended-at "$(now)" \
  --status "$status" --scheduled-for "$scheduled_for" --exit-code "$exit_code" --timed-out "$timed_out" \
  --message "$message" --findings "$findings" --published "$published" && send_alerts && io finish "$records" "$log" "$record"; then
  echo "run $run_id of $job: $status; record in $records/runs/$run_id.json"
else
  echo "run-job.sh: could not write the run record of $run_id to $records" >&2
  result=1
fi

if [ "$shutdown" = true ]; then
  # Whatever happened: a scheduled instance must never outlive its run.
  shutdown -h now || poweroff
fi
exit "$result"
