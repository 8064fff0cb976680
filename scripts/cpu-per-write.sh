#!/usr/bin/env bash
# Server CPU time (user + system, from /proc) per request of each build under the same wrk load,
# in interleaved rounds: a figure of throughput that the machine's other load disturbs less
# than requests per second do. The requests per second each build answered are printed too
# (wrk shares the machine's two cores with the server, as a client on the same host does).
# With PIN=1 the server runs on core 0 and wrk on core 1 (taskset): the server's core is then
# the bottleneck, and requests per second are the server's throughput, as with its clients on
# other machines. Loopback only. Needs wrk and curl (and taskset for PIN=1).
#
#   ROUNDS=5 DUR=10s [PIN=1] bash scripts/cpu-per-write.sh OLD/widgets-server NEW/widgets-server [create|update|get]
#
# The same binary as OLD and NEW measures the machine's noise: how far from 1.00 its ratios
# stray.
set -euo pipefail
OLD=$1; NEW=$2; MODE=${3:-create}; ROUNDS=${ROUNDS:-5}; DUR=${DUR:-10s}
SERVER_CPU=(); CLIENT_CPU=()
if [ "${PIN:-0}" = 1 ]; then SERVER_CPU=(taskset -c 0); CLIENT_CPU=(taskset -c 1); fi
HERE=$(cd "$(dirname "$0")/.." && pwd)
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
one() { # BIN PORT -> "microseconds-of-cpu-per-request requests-per-second"
  "${SERVER_CPU[@]}" "$1" --store memory --authorization-mode=AlwaysAllow --listen "127.0.0.1:$2" >/dev/null 2>&1 &
  local pid=$! base="http://127.0.0.1:$2/apis/demo.krest.dev/v1/namespaces/default/widgets"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  for i in $(seq 1 64); do
    curl -sf -X POST -H 'Content-Type: application/json' -d "{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"u-1-$i\"},\"spec\":{\"color\":\"red\",\"replicas\":1}}" "$base" >/dev/null
  done
  local url=$base args=("$MODE" 1)
  case $MODE in update) args=(update 64) ;; get) url=$base/u-1-1; args=(get) ;; esac
  local before; before=$(cpu_ticks "$pid")
  local requests
  requests=$("${CLIENT_CPU[@]}" wrk -t1 -c8 -d"$DUR" -H 'Accept: application/json' -s "$HERE/benches/wrk/krest.lua" \
    "$url" -- "${args[@]}" | sed -n 's/^wrk-result .* requests=\([0-9]*\) .*/\1/p')
  local after; after=$(cpu_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v t=$((after - before)) -v hz="$TICKS" -v n="$requests" -v d="${DUR%s}" \
    'BEGIN {printf "%.1f %d\n", t * 1e6 / hz / n, n / d}'
}
port=$((20000 + RANDOM % 20000))
echo "round old_us_per_request new_us_per_request new/old old_per_s new_per_s throughput_new/old ($MODE)"
ratios=()
throughputs=()
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then
    read -r o or < <(one "$OLD" $((port++))); read -r n nr < <(one "$NEW" $((port++)))
  else
    read -r n nr < <(one "$NEW" $((port++))); read -r o or < <(one "$OLD" $((port++)))
  fi
  r=$(awk -v a="$o" -v b="$n" 'BEGIN {printf "%.2f", b / a}')
  t=$(awk -v a="$or" -v b="$nr" 'BEGIN {printf "%.2f", b / a}')
  ratios+=("$r")
  throughputs+=("$t")
  echo "$round $o $n $r $or $nr $t"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The middle half of the rounds' ratios: how far one run's median can be trusted.
quartiles() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+3)/4)] "-" a[int((3*NR+3)/4)]}'; }
echo "median new/old: $(printf '%s\n' "${ratios[@]}" | median)" \
  "(CPU time per request); throughput new/old: $(printf '%s\n' "${throughputs[@]}" | median)"
echo "quartiles: CPU time $(printf '%s\n' "${ratios[@]}" | quartiles)," \
  "throughput $(printf '%s\n' "${throughputs[@]}" | quartiles)"
