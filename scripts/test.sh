#!/usr/bin/env bash
# README command 2: install every build and test dependency, build with warnings as errors and
# AddressSanitizer + UndefinedBehaviorSanitizer, run every test (unit, integration with real peers,
# browser end to end), then build the static release binary and check what it links.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs=$(nproc)
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVOIPSCOPE_WERROR=ON \
  -DVOIPSCOPE_SANITIZE=address,undefined -DVOIPSCOPE_TESTS=ON
cmake --build build-test -j "$jobs"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
(cd build-test && ctest --output-on-failure --timeout 300 -j "$jobs")

# The release binary: third-party libraries linked statically; it must need only the C runtime.
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DVOIPSCOPE_STATIC=ON -DVOIPSCOPE_TESTS=OFF
cmake --build build-release --target voipscope -j "$jobs"
bash scripts/check-static.sh build-release/src/voipscope
