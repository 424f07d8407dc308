#!/usr/bin/env bash
# Benchmark (not a test): `voipscope calls` against the reference readers on two generated captures.
#  - signalling: SIPp's built-in uac -> uas scenarios on loopback (CALLS short calls, no RTP, high rate,
#    bounded by -m and a timeout), captured with tcpdump on lo.
#  - media: bench/gen_media_pcap.py writes G.711 calls with RTP both ways, every stream its own SSRC
#    (~MEDIA_MB MB); no traffic is sent, the packets only exist in the file.
# For each file: wall time, packets/s, MB/s, peak RSS (/usr/bin/time -v) and the ratio to
# `tcpdump -r FILE -w /dev/null` (plain re-read, the floor); then voipscope on the file concatenated twice
# (mergecap -a, the second copy shifted in time by editcap -t) for linearity (goal: time ratio ~2, RSS flat).
# The ratio to sngrep is given twice: from the table's medians, and from 5 pairs of runs that alternate
# voipscope and sngrep, so that the machine's drift over minutes does not favour either.
# Usage: bench/capture_bench.sh [path/to/voipscope] [CALLS] [MEDIA_MB]     (needs root for tcpdump on lo)
# Env: KEEP=DIR keeps the captures in DIR; SKIP_MEDIA=1 skips the media file.
set -euo pipefail
bin=${1:-build-release/src/voipscope}
calls=${2:-50000}
media_mb=${3:-500}
here=$(cd "$(dirname "$0")" && pwd)
[[ -x "$bin" ]] || { echo "no binary at $bin (build it: bash scripts/demo.sh builds build-release)"; exit 3; }
for t in sipp tcpdump tshark sngrep mergecap editcap capinfos /usr/bin/time python3; do
  command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps.sh)"; exit 3; }
done
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- signalling capture -------------------------------------------------------------------------
sig="$work/signalling.pcap"
if [[ ! -s "$sig" ]]; then
  uas_port=$(free_port); uac_port=$(free_port)
  tcpdump -i lo -n -s 0 -B 65536 -w "$sig" "udp and (port $uas_port or port $uac_port)" 2>"$work/tcpdump.err" &
  pids+=($!); tcpdump_pid=$!
  sleep 1
  sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -trace_err -error_file "$work/uas.err" >/dev/null 2>&1 &
  pids+=($!); uas_pid=$!
  sleep 0.5
  # 2000 calls/s, at most 3000 open, stop after CALLS calls or 300 s.
  timeout 320 sipp -sn uac 127.0.0.1:"$uas_port" -i 127.0.0.1 -p "$uac_port" -r 2000 -l 3000 -m "$calls" \
    -timeout 300s -nostdin -trace_stat -stf "$work/uac.csv" >/dev/null 2>&1 || true
  sleep 1
  kill "$uas_pid" "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" 2>/dev/null || true
  grep -h "dropped" "$work/tcpdump.err" || true
fi

# ---- media capture ------------------------------------------------------------------------------
media="$work/media.pcap"
if [[ -z "${SKIP_MEDIA:-}" && ! -s "$media" ]]; then
  # 100 calls = 10 000 RTP packets/s of 230 bytes on disk: MEDIA_MB MB take MEDIA_MB*1e6/2.3e6 s.
  python3 "$here/gen_media_pcap.py" "$media" 100 $((media_mb * 1000000 / 2300000 + 1))
fi

# ---- measuring ----------------------------------------------------------------------------------
# measure NAME FILE CMD...: one line with wall s, packets/s, MB/s, peak RSS MB. With RUNS=n in the
# environment the command runs n times and the line shows the run of median wall time (and the largest
# RSS): on a shared 2-core machine one run of a sub-second tool can be 50 % off.
declare -A wall
measure() {
  local name=$1 file=$2; shift 2
  local runs=${RUNS:-1} i w rss=0 cpu r c
  local -a results=()
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" || true
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time.txt")
    r=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time.txt")
    # CPU seconds (user + system): on a shared machine wall time carries other jobs' load, CPU time less so.
    c=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$work/time.txt")
    results+=("$w $c")
    rss=$(awk -v a="$rss" -v b="$r" 'BEGIN{print (b > a ? b : a)}')
  done
  read -r w cpu < <(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  [[ $runs -gt 1 ]] && name_runs=" (median of $runs)" || name_runs=""
  wall[$name]=$w
  local pk=${packets[$file]} mb=${megabytes[$file]}
  printf '%-40s %9.2f %8s %12.0f %9.1f %9s %9.2f\n' "$name$name_runs" "$w" "$cpu" "$(awk -v p="$pk" -v w="$w" 'BEGIN{print p / (w > 0 ? w : 0.001)}')" \
    "$(awk -v m="$mb" -v w="$w" 'BEGIN{print m / (w > 0 ? w : 0.001)}')" "$rss" \
    "$(awk -v a="$w" -v b="${wall[tcpdump]:-$w}" 'BEGIN{print a / (b > 0 ? b : 0.001)}')"
}
declare -A packets megabytes
describe() {
  packets[$1]=$(capinfos -M -c "$1" | awk -F': *' '/Number of packets/ { print $2 }')
  megabytes[$1]=$(awk -v s="$(stat -c %s "$1")" 'BEGIN{printf "%.1f", s / 1e6}')
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "voipscope: $bin; tshark $(tshark -v | head -1 | awk '{print $3}'); sngrep $(sngrep -V | head -1 | awk '{print $NF}'); $(tcpdump --version 2>&1 | head -1)"
for f in "$sig" "$media"; do
  [[ -s "$f" ]] || continue
  describe "$f"
  echo
  echo "== $(basename "$f"): ${packets[$f]} packets, ${megabytes[$f]} MB"
  printf '%-40s %9s %8s %12s %9s %9s %9s\n' tool wall_s cpu_s packets/s MB/s rss_MB x_tcpdump
  wall=()
  RUNS=3 measure tcpdump "$f" tcpdump -r "$f" -w /dev/null
  RUNS=5 measure "voipscope calls" "$f" "$bin" calls "$f"
  # The summary is the output's last paragraph, after the table's blank line.
  vs_out=$(awk 'BEGIN { RS = "" } { last = $0 } END { print last }' "$work/out.txt" | tr '\n' ' ' | cut -c1-300)
  measure "tshark -z sip,stat" "$f" tshark -q -r "$f" -z sip,stat
  sip_msgs=$(awk -F': ' '/Number of SIP messages/ {print $2}' "$work/out.txt")
  if [[ "$f" == "$media" ]]; then
    measure "tshark -z rtp,streams" "$f" tshark -q -r "$f" -o rtp.heuristic_rtp:TRUE -z rtp,streams
    rtp_streams=$(grep -c 'g711U' "$work/out.txt" || true)
    echo "   (tshark rtp,streams: $rtp_streams streams)"
  fi
  RUNS=3 measure "sngrep -N" "$f" sngrep -N -l 200000 -I "$f"
  echo "   (sngrep: $(tr '\r' '\n' < "$work/out.txt" | grep 'Dialog count' | tail -1); tshark SIP messages: $sip_msgs)"
  echo "   (voipscope summary: $vs_out)"
  printf '   speed-up of voipscope: x%.1f vs tshark sip,stat' "$(awk -v a="${wall[tshark -z sip,stat]}" -v b="${wall[voipscope calls]}" 'BEGIN{print a / (b > 0 ? b : 0.001)}')"
  [[ "$f" == "$media" ]] && printf ', x%.1f vs tshark rtp,streams' "$(awk -v a="${wall[tshark -z rtp,streams]}" -v b="${wall[voipscope calls]}" 'BEGIN{print a / (b > 0 ? b : 0.001)}')"
  printf ', x%.1f vs sngrep\n' "$(awk -v a="${wall[sngrep -N]}" -v b="${wall[voipscope calls]}" 'BEGIN{print a / (b > 0 ? b : 0.001)}')"
  # The same ratio from runs taken in the same minutes: voipscope and sngrep alternate, so a slow stretch
  # of the machine (this VM's speed drifts by up to 40 % from one minute to the next, and the lines above
  # are minutes apart, with tshark between them) weighs on both alike.
  pairs=()
  for ((i = 0; i < 5; i++)); do
    /usr/bin/time -f %e -o "$work/tv.txt" "$bin" calls "$f" >/dev/null 2>&1 || true
    /usr/bin/time -f %e -o "$work/ts.txt" sngrep -N -l 200000 -I "$f" >/dev/null 2>&1 || true
    pairs+=("$(tail -n 1 "$work/tv.txt") $(tail -n 1 "$work/ts.txt")")
  done
  printf '%s\n' "${pairs[@]}" | python3 -c '
import statistics, sys
v, s = zip(*[tuple(map(float, l.split())) for l in sys.stdin if l.strip()])
r = sorted(b / max(a, 0.001) for a, b in zip(v, s))
mv, ms = statistics.median(v), statistics.median(s)
print("   interleaved with sngrep (%d pairs): voipscope median %.2f s, sngrep median %.2f s: x%.1f vs sngrep"
      " (pairs x%.1f to x%.1f)" % (len(v), mv, ms, ms / max(mv, 0.001), r[0], r[-1]))'
  # Linearity: the same file twice in a row, the second copy shifted past the first's end plus the 32 s
  # linger (otherwise its Call-IDs and timestamps would fold into the first copy's legs).
  double="$work/double.pcap"
  span=$(capinfos -u -M "$f" | awk -F': *' '/Capture duration/ { printf "%d", $2 + 60 }')
  editcap -t "$span" "$f" "$work/shifted.pcap"
  mergecap -F pcap -a -w "$double" "$f" "$work/shifted.pcap"
  rm -f "$work/shifted.pcap"
  describe "$double"
  one=${wall[voipscope calls]}
  sync  # timed right after writing the copy, the kernel's writeback of it competed with the run
  RUNS=5 measure "voipscope calls (file x2)" "$double" "$bin" calls "$double"
  printf '   linearity: x2 file takes x%.2f the time\n' "$(awk -v a="${wall[voipscope calls (file x2)]}" -v b="$one" 'BEGIN{print a / (b > 0 ? b : 0.001)}')"
  # And from runs that alternate the two files (the line above compares runs minutes apart).
  pairs=()
  for ((i = 0; i < 5; i++)); do
    /usr/bin/time -f %e -o "$work/tv.txt" "$bin" calls "$f" >/dev/null 2>&1 || true
    /usr/bin/time -f %e -o "$work/ts.txt" "$bin" calls "$double" >/dev/null 2>&1 || true
    pairs+=("$(tail -n 1 "$work/tv.txt") $(tail -n 1 "$work/ts.txt")")
  done
  printf '%s\n' "${pairs[@]}" | python3 -c '
import statistics, sys
a, b = zip(*[tuple(map(float, l.split())) for l in sys.stdin if l.strip()])
print("   linearity, interleaved (%d pairs): file %.2f s, x2 file %.2f s: x%.2f"
      % (len(a), statistics.median(a), statistics.median(b), statistics.median(b) / max(statistics.median(a), 0.001)))'
  rm -f "$double"
done
