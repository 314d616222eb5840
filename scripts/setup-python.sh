#!/usr/bin/env bash
# Creates .venv/ at the repository root from requirements.txt, or brings it up to date when the
# requirements changed since it was made. Nothing relies on Python packages that happen to be
# installed on the machine: the tests put .venv/bin first on PATH.
#
# The runner's Spark engine needs a JVM: Debian's OpenJDK 17 (headless) is installed when `java`
# is missing. The engine also runs on Python 3.9 (as EMR 7 nodes offer it), so when a Python 3.9
# is found (python3.9 on PATH, or pyenv's), .venv/py39/ gets the same pyspark for the tests to run
# the engine under 3.9 too; without one this says so and the 3.9 tests report themselves skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v java >/dev/null; then
  echo "Installing openjdk-17-jre-headless from Debian (the Spark engine's JVM) ..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"

venv=.venv
stamp="$venv/.requirements.sha256"
if ! { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; }; then
  echo "Setting up $venv from requirements.txt ..."
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
  echo "$wanted" > "$stamp"
fi

is_python39() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 9))' >/dev/null 2>&1; }

find_python39() {
  local candidate
  # pyenv's shim answers to python3.9 even when that version is not selected: each candidate
  # is asked for its version rather than trusted by name.
  for candidate in "${PYTHON39:-}" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9.*/bin/python3.9 \
    /root/.pyenv/versions/3.9.*/bin/python3.9 "$(command -v python3.9 || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && is_python39 "$candidate"; then
      echo "$candidate"
      return
    fi
  done
}

py39="$(find_python39)"
venv39="$venv/py39"
stamp39="$venv39/.requirements.sha256"
if [ -z "$py39" ]; then
  echo "No Python 3.9 found (python3.9 on PATH, pyenv's 3.9.x, or PYTHON39=/path/to/python3.9):" \
    "the Spark engine's Python 3.9 tests will be skipped; Python 3.11 is tested as usual."
elif ! { [ -x "$venv39/bin/python" ] && [ -f "$stamp39" ] && [ "$(cat "$stamp39")" = "$wanted" ]; }; then
  echo "Setting up $venv39 with $py39 (the Spark engine under Python 3.9) ..."
  "$py39" -m venv "$venv39"
  # Only what the engine needs: the rest of requirements.txt is for the tests' own process.
  grep -E '^(pyspark|py4j)==' requirements.txt > "$venv39/requirements.txt"
  "$venv39/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$venv39/requirements.txt"
  echo "$wanted" > "$stamp39"
fi
