#!/usr/bin/env bash
# Builds llama-cpp-python from source for this CPU (AMX off: these CPUs fault on it) and prints
# the wheel's path. The wheel is cached per version and flag set, so a rebuild happens only when
# either changes. See ../shared/NOTES-models.md for why each flag is set.
set -euo pipefail
version=0.3.36
pip=${1:?usage: build-llama-wheel.sh PIP}

avx512=OFF
grep -qw avx512f /proc/cpuinfo && avx512=ON
flags="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
flags+=" -DGGML_AVX512=$avx512 -DGGML_AVX512_VBMI=$avx512 -DGGML_AVX512_VNNI=$avx512"
flags+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
flags+=" -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_BACKEND_DL=OFF"
flags+=" -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF"

key=$(printf '%s %s' "$version" "$flags" | sha256sum | cut -c1-16)
dir="${CHATWRIGHT_CACHE_DIR:-$HOME/.cache/chatwright}/wheels/llama-cpp-python-$version-$key"
wheel=$(ls "$dir"/llama_cpp_python-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  echo "building llama-cpp-python $version from source (AVX512 $avx512, AMX off; a few minutes)..." >&2
  mkdir -p "$dir"
  CMAKE_ARGS="$flags" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    $pip wheel --quiet --no-cache-dir --no-deps --no-binary llama-cpp-python \
    "llama-cpp-python==$version" -w "$dir" >&2
  wheel=$(ls "$dir"/llama_cpp_python-*.whl | head -n1)
fi
echo "$wheel"
