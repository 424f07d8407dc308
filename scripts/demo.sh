#!/usr/bin/env bash
# README command 1: install what the build needs, build a release binary, run the demo:
# a scan of built-in loopback responders, stored in SQLite, dashboard served until Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --build-only
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DVOIPSCOPE_STATIC=ON -DVOIPSCOPE_TESTS=OFF
cmake --build build-release --target voipscope
exec ./build-release/src/voipscope demo "$@"
