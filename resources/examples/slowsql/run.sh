#!/bin/sh
# Runs this folder's job.py with filter.json through the map/reduce runner.
#   DATA_DIR      data set to read (default ~/.workbench/sample-data; make one with
#                 python3 ../generate_sample_data.py --out DIR)
#   OUTPUT_DIR    where the result goes (default: output/ next to this script)
#   WORKBENCH_WORKER_DIR  folder holding the mapreduce package (default ../../worker)
#   NUM_MAPPERS / NUM_REDUCERS  process counts (default 4 / 1)
# Extra arguments go to the runner, e.g. ./run.sh --sorted
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data_dir="${DATA_DIR:-$HOME/.workbench/sample-data}"
output_dir="${OUTPUT_DIR:-$here/output}"
worker_dir="${WORKBENCH_WORKER_DIR:-$here/../../worker}"
mkdir -p "$output_dir"
PYTHONPATH="$worker_dir${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m mapreduce.job "$here/job.py" \
    --input-filter "$here/filter.json" \
    --data-dir "$data_dir" \
    --output "$output_dir/slowsql.csv" \
    --num-mappers "${NUM_MAPPERS:-4}" \
    --num-reducers "${NUM_REDUCERS:-1}" \
    --local-only \
    "$@"
