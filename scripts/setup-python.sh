#!/usr/bin/env bash
# Creates .venv/ at the repository root from requirements.txt, or brings it up to date when the
# requirements changed since it was made. Nothing relies on Python packages that happen to be
# installed on the machine: the tests put .venv/bin first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

echo "Setting up $venv from requirements.txt ..."
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
echo "$wanted" > "$stamp"
