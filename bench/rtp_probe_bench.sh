#!/usr/bin/env bash
# Benchmark (not a test): send-schedule accuracy of `voipscope rtp probe` with 1, 10 and 100 concurrent
# 50 pps G.711 streams from one process pinned to one core, against a loopback reflector on another core.
# Side by side: voipscope's own figure (actual send time - planned start + n*ptime, read in the process)
# and tcpdump's (capture timestamps of the same packets on lo, each stream's packets compared with the best
# fixed 20 ms grid for that stream). CPU % is the prober's (user+system)/wall from /usr/bin/time; load is
# the 1-minute load average when the run started (tails on a shared machine follow it).
# Goal: p99 < 0.5 ms for 100 streams on one core.
# Usage: bench/rtp_probe_bench.sh [path/to/voipscope] [seconds per run] [more `rtp probe` options, e.g. --spin-us 0]
set -euo pipefail
bin=${1:-build-release/src/voipscope}
secs=${2:-10}
shift $(( $# < 2 ? $# : 2 ))
extra=("$@")
[[ -x "$bin" ]] || { echo "no binary at $bin (build it: cmake -B build-release -DCMAKE_BUILD_TYPE=Release; ninja -C build-release src/voipscope)"; exit 3; }
command -v python3 >/dev/null || { echo "python3 is needed"; exit 3; }
have_tcpdump=1
command -v tcpdump >/dev/null || have_tcpdump=0
work=$(mktemp -d)
refl_pid=""
dump_pid=""
cleanup() {
  [[ -n "$dump_pid" ]] && kill "$dump_pid" 2>/dev/null || true
  [[ -n "$refl_pid" ]] && kill "$refl_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

taskset -c 1 "$bin" reflect --bind 127.0.0.1 --port 0 --rate-limit 100000 --max-sessions 4096 > "$work/refl" 2>/dev/null &
refl_pid=$!
for _ in $(seq 50); do [[ -s "$work/refl" ]] && break; sleep 0.1; done
port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$work/refl")

printf '%-8s %8s | %-30s | %-30s | %6s | %5s\n' streams packets "voipscope p50/p99/max (us)" "tcpdump p50/p99/max (us)" "CPU %" load
for n in 1 10 100; do
  pcap="$work/s$n.pcap"
  if (( have_tcpdump )); then
    tcpdump -i lo -U -s 96 --time-stamp-precision=nano -w "$pcap" "udp and dst port $port" 2>/dev/null &
    dump_pid=$!
    sleep 1
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%U %S %e' -o "$work/time$n" taskset -c 0 "$bin" rtp probe "127.0.0.1:$port" \
    --duration "$secs" --streams "$n" --linger 500 --json "${extra[@]}" > "$work/out$n"
  if (( have_tcpdump )); then
    sleep 0.5
    kill -INT "$dump_pid"; wait "$dump_pid" 2>/dev/null || true
    dump_pid=""
  fi
  python3 - "$work/out$n" "$work/time$n" "$pcap" "$n" "$load" <<'PY'
import json, os, struct, sys
out = json.load(open(sys.argv[1]))
u, s, e = map(float, open(sys.argv[2]).read().split()[-3:])
cpu = 100.0 * (u + s) / e if e > 0 else 0
ref = "(no tcpdump)"
if os.path.exists(sys.argv[3]):
    data = open(sys.argv[3], "rb").read()
    nano = data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    pos, streams = 24, {}
    while pos + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if len(pkt) < 14 + 20 + 8 + 12 + 16: continue
        ihl = (pkt[14] & 0x0F) * 4
        udp = 14 + ihl
        sport = struct.unpack(">H", pkt[udp:udp + 2])[0]
        rtp = pkt[udp + 8:]
        if rtp[12:15] != b"VSR" or rtp[16] != 1: continue  # probes only, not the report requests
        seq = struct.unpack(">I", rtp[24:28])[0]
        streams.setdefault(sport, []).append((seq, t))
    errs = []
    for pkts in streams.values():
        anchor = min(t - seq * 0.020 for seq, t in pkts)  # the earliest packet relative to its slot
        errs += [(t - seq * 0.020 - anchor) * 1e6 for seq, t in pkts]
    errs.sort()
    if errs:
        pick = lambda p: errs[min(len(errs) - 1, max(0, int(-(-p * len(errs) // 100)) - 1))]
        ref = "%8.1f %8.1f %9.1f" % (pick(50), pick(99), errs[-1])
if "streams" in out:
    mine = "%8.1f %8.1f %9.1f" % (out["schedule_error_p50_us"], out["schedule_error_p99_us"], out["schedule_error_max_us"])
    pk = out["packets"]
else:
    mine = "%8.1f %8.1f %9s" % (out.get("schedule_error_p50_us", 0), out.get("schedule_error_p99_us", 0), "-")
    pk = out["forward"]["sent"]
print("%-8s %8d | %-30s | %-30s | %6.1f | %5s" % (sys.argv[4], pk, mine, ref, cpu, sys.argv[5]))
PY
done
