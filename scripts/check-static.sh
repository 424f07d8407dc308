#!/usr/bin/env bash
# Fails when the binary needs a shared library other than glibc's own (libc, libm, libpthread, libdl,
# librt, the loader): that would mean it does not copy to another Linux machine as one file.
set -euo pipefail
bin=${1:?usage: check-static.sh BINARY}
extra=$(ldd "$bin" | awk '{print $1}' | grep -Ev '^(linux-vdso\.so|/lib64/ld-linux|ld-linux|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so)' || true)
if [[ -n "$extra" ]]; then
  echo "check-static: $bin needs shared libraries beyond glibc:"
  echo "$extra"
  exit 1
fi
echo "check-static: $bin needs only glibc ($(ldd "$bin" | awk '{print $1}' | tr '\n' ' '))"
