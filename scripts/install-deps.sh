#!/usr/bin/env bash
# Installs every build and test dependency from Debian packages (and the browser-test driver from npm).
# Idempotent and non-interactive: safe to run on every build; it only calls apt-get when something is missing.
set -euo pipefail

build_pkgs=(
  build-essential g++ cmake ninja-build pkg-config git
  libasio-dev libc-ares-dev libssl-dev libpcap-dev libyaml-cpp-dev nlohmann-json3-dev
  libcli11-dev libfmt-dev libsqlite3-dev libpq-dev libcpp-httplib-dev zlib1g-dev libjemalloc-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  kamailio kamailio-tls-modules sip-tester sipsak tshark tcpdump dnsmasq-base iproute2 procps nftables iputils-ping
  sngrep time wireshark-common sofia-sip-bin
  chromium
)

want=("${build_pkgs[@]}")
[[ "${1:-}" == "--build-only" ]] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The dashboard is built with npm (build and tests alike). Node.js may come from another packaging that
# bundles npm; only ask Debian for it when absent.
if ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Packages such as kamailio ship a service; we never want it started by the package manager.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
