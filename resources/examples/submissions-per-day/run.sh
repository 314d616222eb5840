#!/bin/sh
# Runs this folder's job.py with filter.json through the map/reduce runner. Works the same from
# the repository and from the package (tar xzf PKG.tar.gz -C dir && DATA_DIR=... sh dir/run.sh).
#   DATA_DIR      data set to read (default ~/.workbench/sample-data; make one with
#                 python3 ../generate_sample_data.py --out DIR)
#   OUTPUT_DIR    where the result goes (default: output/ next to this script)
#   WORKBENCH_WORKER_DIR  folder holding the mapreduce package when this folder has no
#                 mapreduce/ of its own (a package has it; default ../../worker)
#   NUM_MAPPERS / NUM_REDUCERS  process counts (default 4 / 1)
# Extra arguments go to the runner, e.g. ./run.sh --sorted
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data_dir="${DATA_DIR:-${HOME:?set DATA_DIR to the data set to read}/.workbench/sample-data}"
output_dir="${OUTPUT_DIR:-$here/output}"
if [ -d "$here/mapreduce" ]; then
    runner_dir=$here
else
    runner_dir="${WORKBENCH_WORKER_DIR:-$here/../../worker}"
fi
if [ ! -f "$runner_dir/mapreduce/job.py" ]; then
    echo "run.sh: no map/reduce runner in $runner_dir/mapreduce; set WORKBENCH_WORKER_DIR to the folder holding it, or run the packaged job (its runner is bundled)" >&2
    exit 2
fi
mkdir -p "$output_dir"
PYTHONPATH="$runner_dir${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m mapreduce.job "$here/job.py" \
    --input-filter "$here/filter.json" \
    --data-dir "$data_dir" \
    --output "$output_dir/submissions-per-day.txt" \
    --num-mappers "${NUM_MAPPERS:-4}" \
    --num-reducers "${NUM_REDUCERS:-1}" \
    --local-only \
    "$@"
