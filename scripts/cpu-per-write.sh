#!/usr/bin/env bash
# Server CPU time (user + system, from /proc) per request of each build under the same wrk load,
# in interleaved rounds: a figure of throughput that the machine's other load disturbs less
# than requests per second do. Loopback only. Needs wrk and curl.
#
#   ROUNDS=5 DUR=10s bash scripts/cpu-per-write.sh OLD/widgets-server NEW/widgets-server [create|update|get]
set -euo pipefail
OLD=$1; NEW=$2; MODE=${3:-create}; ROUNDS=${ROUNDS:-5}; DUR=${DUR:-10s}
HERE=$(cd "$(dirname "$0")/.." && pwd)
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
one() { # BIN PORT -> "microseconds-of-cpu-per-request requests" (to a tenth)
  "$1" --store memory --authorization-mode=AlwaysAllow --listen "127.0.0.1:$2" >/dev/null 2>&1 &
  local pid=$! base="http://127.0.0.1:$2/apis/demo.krest.dev/v1/namespaces/default/widgets"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  for i in $(seq 1 64); do
    curl -sf -X POST -H 'Content-Type: application/json' -d "{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"u-1-$i\"},\"spec\":{\"color\":\"red\",\"replicas\":1}}" "$base" >/dev/null
  done
  local url=$base args=("$MODE" 1)
  case $MODE in update) args=(update 64) ;; get) url=$base/u-1-1; args=(get) ;; esac
  local before; before=$(cpu_ticks "$pid")
  local requests
  requests=$(wrk -t1 -c8 -d"$DUR" -H 'Accept: application/json' -s "$HERE/benches/wrk/krest.lua" \
    "$url" -- "${args[@]}" | sed -n 's/^wrk-result .* requests=\([0-9]*\) .*/\1/p')
  local after; after=$(cpu_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v t=$((after - before)) -v hz="$TICKS" -v n="$requests" 'BEGIN {printf "%.1f %d\n", t * 1e6 / hz / n, n}'
}
port=$((20000 + RANDOM % 20000))
echo "round old_us_per_request new_us_per_request new/old ($MODE)"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then
    read -r o _ < <(one "$OLD" $((port++))); read -r n _ < <(one "$NEW" $((port++)))
  else
    read -r n _ < <(one "$NEW" $((port++))); read -r o _ < <(one "$OLD" $((port++)))
  fi
  r=$(awk -v a="$o" -v b="$n" 'BEGIN {printf "%.2f", b / a}')
  ratios+=("$r")
  echo "$round $o $n $r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print "median new/old: " a[int((NR+1)/2)]}'
