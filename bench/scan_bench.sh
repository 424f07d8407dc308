#!/usr/bin/env bash
# Benchmark (not a test): a scan of 50 checks against loopback responders. Prints the scan's wall time
# next to its slowest single check (goal: wall <= 1.2 x slowest, i.e. the checks really run side by side),
# and the start-up time of `voipscope --version` next to /bin/true as the floor.
# Usage: bench/scan_bench.sh [path/to/voipscope] [runs]
set -euo pipefail
bin=${1:-build-release/src/voipscope}
runs=${2:-5}
[[ -x "$bin" ]] || { echo "no binary at $bin (build it: bash scripts/demo.sh builds build-release)"; exit 3; }
command -v python3 >/dev/null || { echo "python3 is needed to read the JSON"; exit 3; }
work=$(mktemp -d)
trap 'kill $resp_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" responders --dns-record sbc.bench.voipscope.test=127.0.0.1 > "$work/ports" &
resp_pid=$!
for _ in $(seq 50); do [[ -s "$work/ports" ]] && break; sleep 0.1; done
read -r sip echo http dns < <(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["sip"],p["echo"],p["http"],p["dns"])' "$work/ports")

{
  echo 'template: bench'
  echo 'version: "1"'
  echo 'checks:'
  for i in $(seq 10); do
    printf '  - id: dns-%d\n    type: dns\n    targets: sbc.bench.voipscope.test\n    remediation: x\n' "$i"
    printf '  - id: tcp-%d\n    type: tcp_port\n    targets: "127.0.0.1:%d"\n    remediation: x\n' "$i" "$sip"
    printf '  - id: sipu-%d\n    type: sip_options\n    targets: "sbc.bench.voipscope.test:%d"\n    transport: udp\n    remediation: x\n' "$i" "$sip"
    printf '  - id: sipt-%d\n    type: sip_options\n    targets: "sbc.bench.voipscope.test:%d"\n    transport: tcp\n    remediation: x\n' "$i" "$sip"
  done
  for i in $(seq 5); do
    printf '  - id: http-%d\n    type: http\n    targets: "http://127.0.0.1:%d/provisioning/x.cfg"\n    remediation: x\n' "$i" "$http"
    printf '  - id: lat-%d\n    type: latency\n    targets: "127.0.0.1:%d"\n    count: 20\n    interval_ms: 20\n    remediation: x\n' "$i" "$echo"
  done
} > "$work/bench.yaml"

printf '%-6s %8s %10s %12s %8s %s\n' run checks wall_ms slowest_ms ratio statuses
for r in $(seq "$runs"); do
  "$bin" scan --template "$work/bench.yaml" --json --dns-server "127.0.0.1:$dns" > "$work/scan.json" || true
  python3 - "$work/scan.json" "$r" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
slowest = max(x["duration_ms"] for x in s["results"])
c = s["summary"]
print(f'{sys.argv[2]:<6} {len(s["results"]):>8} {s["duration_ms"]:>10.1f} {slowest:>12.1f} {s["duration_ms"]/slowest:>8.2f} '
      f'pass={c["pass"]} warn={c["warn"]} fail={c["fail"]} error={c["error"]}')
PY
done

echo
echo "start-up time: mean of 200 runs each, interleaved (noise from other load hits both alike):"
"$bin" --version > /dev/null; /bin/true
t_true=0; t_vs=0
for _ in $(seq 200); do
  a=$(date +%s%N); /bin/true; b=$(date +%s%N); "$bin" --version > /dev/null; c=$(date +%s%N)
  t_true=$((t_true + b - a)); t_vs=$((t_vs + c - b))
done
awk -v t="$t_true" -v v="$t_vs" 'BEGIN {
  printf "%-22s %8.2f ms\n", "/bin/true (floor)", t / 200 / 1e6
  printf "%-22s %8.2f ms\n", "voipscope --version", v / 200 / 1e6 }'
