import { DIMENSIONS } from '../../../shared/filter.ts';

/** The files of a new job made from the template (not from an example). */
export function templateFiles(name: string): Record<string, { text: string; mode: number }> {
  const filter = {
    version: 1,
    dimensions: DIMENSIONS.map((field_name) => ({ field_name, allowed_values: '*' })),
  };
  return {
    'job.py': {
      mode: 0o644,
      text: `"""${name}: a map/reduce job over telemetry submissions."""

import json


def map(key, dims, value, context):
    # dims: [reason, appName, appUpdateChannel, appVersion, appBuildID, submission_date]
    payload = json.loads(value)
    context.write(payload["info"].get("OS", "unknown"), 1)


def reduce(key, values, context):
    context.write(key, sum(values))
`,
    },
    'filter.json': {
      mode: 0o644,
      text: `{
  "version": 1,
  "dimensions": [
${filter.dimensions.map((d) => `    ${JSON.stringify(d).replace(/":/g, '": ').replace(/,"/g, ', "')}`).join(',\n')}
  ]
}
`,
    },
    'run.sh': {
      mode: 0o755,
      text: `#!/bin/sh
# Runs job.py with filter.json through the map/reduce runner. Packaged, it carries the runner in
# its own mapreduce/ folder and needs only DATA_DIR (tar xzf PKG.tar.gz -C dir && DATA_DIR=...
# sh dir/run.sh); run from this folder, WORKBENCH_WORKER_DIR names the app's resources/worker.
#   DATA_DIR              data set to read (v2 layout)
#   OUTPUT_DIR            where the result goes (default: output/ next to this script)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ -d "$here/mapreduce" ]; then
    runner_dir=$here
else
    runner_dir="\${WORKBENCH_WORKER_DIR:?set WORKBENCH_WORKER_DIR to the folder holding the mapreduce package, or run the packaged job (its runner is bundled)}"
fi
: "\${DATA_DIR:?set DATA_DIR to the data set to read}"
output_dir="\${OUTPUT_DIR:-$here/output}"
mkdir -p "$output_dir"
PYTHONPATH="$runner_dir\${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m mapreduce.job "$here/job.py" \\
    --input-filter "$here/filter.json" \\
    --data-dir "$DATA_DIR" \\
    --output "$output_dir/result.txt" \\
    --local-only \\
    "$@"
`,
    },
  };
}
