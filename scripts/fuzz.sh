#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS (default 20) on a copy
# of its corpus; new inputs that libFuzzer finds stay in build-fuzz/corpus/<name>. A crash fails the run
# and leaves the crashing input in build-fuzz/ (add it to fuzz/corpus/<name>/ once fixed).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOIPSCOPE_FUZZ=ON \
  -DVOIPSCOPE_TESTS=OFF -DVOIPSCOPE_WEB=OFF -DVOIPSCOPE_SANITIZE=address,undefined > /dev/null
targets=$(cd fuzz && ls *_fuzz.cpp | sed 's/_fuzz\.cpp$//')
cmake --build build-fuzz --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done)
for t in $targets; do
  mkdir -p "build-fuzz/corpus/$t"
  [[ -d "fuzz/corpus/$t" ]] && cp -n fuzz/corpus/$t/* "build-fuzz/corpus/$t/" 2>/dev/null || true
  echo "fuzz: $t for ${secs}s"
  (cd build-fuzz && "./fuzz/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 "corpus/$t" 2>&1 | tail -n 4)
done
