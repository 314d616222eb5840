#!/usr/bin/env bash
# Installs what the tests need and runs every test: typecheck, lint, the worker's Python
# tests, unit, integration (moto_server, OpenSSH sshd) and end-to-end (Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian ..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
bash scripts/setup-python.sh
export PATH="$PWD/.venv/bin:$PATH"
for tool in python3 moto_server ssh-keygen; do
  command -v "$tool" >/dev/null || { echo "The tests need $tool on PATH." >&2; exit 1; }
done

if [ "${CI:-}" = true ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run typecheck
npm run lint
npm run build

mkdir -p test-results
python_log=test-results/python-unittest.log
set +e
python3 -m unittest discover -s test/worker -t . 2>&1 | tee "$python_log"
python_status=${PIPESTATUS[0]}
# One project at a time: integration and e2e tests drive real servers and a browser, and on
# two cores running them side by side only makes each slower and its timings less certain.
vitest_status=0
for project in unit integration e2e; do
  WORKBENCH_E2E_BUILT=1 npx vitest run --project "$project" --reporter=default --reporter=json \
    --outputFile.json="test-results/vitest-$project.json" || vitest_status=1
done
set -e

# Hostile inputs replayed against the built app (test/hostile); it prints its own summary line.
hostile_status=0
npm run -s hostile || hostile_status=1

node scripts/test-summary.mjs "$python_log" test-results/vitest-unit.json test-results/vitest-integration.json test-results/vitest-e2e.json
[ "$python_status" = 0 ] && [ "$vitest_status" = 0 ] && [ "$hostile_status" = 0 ]
