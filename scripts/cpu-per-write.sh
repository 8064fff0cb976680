#!/usr/bin/env bash
# Server CPU time (user + system, from /proc) per request of each build under the same wrk load,
# in rounds: a figure of throughput that the machine's other load disturbs less than requests
# per second do. Loopback only. Needs wrk and curl (and taskset for PIN and TOGETHER).
#
#   ROUNDS=5 DUR=10s [PIN=1 | TOGETHER=1 [WARMUP=30s]] [STORE=embedded] bash scripts/cpu-per-write.sh OLD/widgets-server NEW/widgets-server [create|update|get]
#
# By default the builds take turns, each round in the other order, and each round prints the
# requests per second each build answered (wrk shares the machine's two cores with the server,
# as a client on the same host does). With PIN=1 the server runs on core 0 and wrk on core 1:
# the server's core is then the bottleneck, and requests per second are the server's
# throughput, as with its clients on other machines.
#
# With TOGETHER=1 both builds serve at the same time, both on core 0, each under its own wrk on
# core 1: whatever else the machine does in a round, both builds see it, so the ratio of their
# CPU time per request strays far less than between turns (a build against a copy of itself:
# within 3 % a round, where turns stray by 20 %). The core is shared, so the requests each
# build answered measure the same thing again; the ratio printed is CPU time per request.
#
# WARMUP=30s (with TOGETHER=1) runs the load that long before each measured round: a fresh
# server's store keeps every change until its history holds --store-history-bytes (64 MiB by
# default), so its first seconds take fresh memory on every write, the larger the objects the
# more; after the warm-up it reuses what the oldest changes held, as a server does for good.
#
# The servers use the memory store, where a write costs the least and what the builds differ in
# weighs the most; STORE=embedded puts them on the default durable store (fsync per commit).
#
# The same binary as OLD and NEW measures the machine's noise: how far from 1.00 its ratios
# stray.
set -euo pipefail
OLD=$1; NEW=$2; MODE=${3:-create}; ROUNDS=${ROUNDS:-5}; DUR=${DUR:-10s}
SERVER_CPU=(); CLIENT_CPU=()
if [ "${PIN:-0}" = 1 ] || [ "${TOGETHER:-0}" = 1 ]; then
  SERVER_CPU=(taskset -c 0); CLIENT_CPU=(taskset -c 1)
fi
HERE=$(cd "$(dirname "$0")/.." && pwd)
# STORE=embedded: each server on the default durable store, in a directory removed at the end.
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
base_of() { echo "http://127.0.0.1:$1/apis/demo.krest.dev/v1/namespaces/default/widgets"; }
serve() { # BIN PORT: a server with the 64 Widgets the load updates; its pid in $pid
  local store=(--store memory)
  if [ "${STORE:-memory}" = embedded ]; then
    store=(--store embedded --data-dir "$DATA/$2")
  fi
  "${SERVER_CPU[@]}" "$1" "${store[@]}" --authorization-mode=AlwaysAllow --listen "127.0.0.1:$2" >/dev/null 2>&1 &
  pid=$!
  local base; base=$(base_of "$2")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  if ! curl -sf "http://127.0.0.1:$2/readyz" >/dev/null; then
    kill "$pid" 2>/dev/null || true
    echo "$1 did not start on port $2" >&2
    exit 1
  fi
  for i in $(seq 1 64); do
    curl -sf -X POST -H 'Content-Type: application/json' -d "{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"u-1-$i\"},\"spec\":{\"color\":\"red\",\"replicas\":1}}" "$base" >/dev/null
  done
}
load() { # PORT -> requests answered in DUR
  local url args=("$MODE" 1)
  url=$(base_of "$1")
  case $MODE in update) args=(update 64) ;; get) url=$url/u-1-1; args=(get) ;; esac
  "${CLIENT_CPU[@]}" wrk -t1 -c8 -d"$DUR" -H 'Accept: application/json' -s "$HERE/benches/wrk/krest.lua" \
    "$url" -- "${args[@]}" | sed -n 's/^wrk-result .* requests=\([0-9]*\) .*/\1/p'
}
per_request() { # TICKS REQUESTS -> "microseconds-of-cpu-per-request requests-per-second"
  awk -v t="$1" -v hz="$TICKS" -v n="$2" -v d="${DUR%s}" 'BEGIN {printf "%.1f %d\n", t * 1e6 / hz / n, n / d}'
}
one() { # BIN PORT -> "microseconds-of-cpu-per-request requests-per-second"
  local pid; serve "$1" "$2"
  local before; before=$(cpu_ticks "$pid")
  local requests; requests=$(load "$2")
  local after; after=$(cpu_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  per_request $((after - before)) "$requests"
}
both() { # PORT -> "old-us old-per-s new-us new-per-s", both builds serving at once
  local pid old new
  serve "$OLD" "$1"; old=$pid
  serve "$NEW" $(($1 + 1)); new=$pid
  if [ -n "${WARMUP:-}" ]; then
    DUR=$WARMUP load "$1" >/dev/null &
    local warm=$!
    DUR=$WARMUP load $(($1 + 1)) >/dev/null
    wait "$warm"
  fi
  local o0 n0; o0=$(cpu_ticks "$old"); n0=$(cpu_ticks "$new")
  local out; out=$(mktemp)
  load "$1" >"$out" &
  local client=$!
  local nr; nr=$(load $(($1 + 1)))
  wait "$client"
  local or; or=$(cat "$out"); rm -f "$out"
  local o1 n1; o1=$(cpu_ticks "$old"); n1=$(cpu_ticks "$new")
  kill "$old" "$new"; wait "$old" "$new" 2>/dev/null || true
  echo "$(per_request $((o1 - o0)) "$or") $(per_request $((n1 - n0)) "$nr")"
}
# Below the kernel's ephemeral ports (32768 on), which the clients' connections hold.
port=$((20000 + RANDOM % 12000))
echo "round old_us_per_request new_us_per_request new/old old_per_s new_per_s throughput_new/old ($MODE)"
ratios=()
throughputs=()
for round in $(seq 1 "$ROUNDS"); do
  if [ "${TOGETHER:-0}" = 1 ]; then
    read -r o or n nr < <(both "$port"); port=$((port + 2))
  elif (( round % 2 )); then
    read -r o or < <(one "$OLD" $((port++))); read -r n nr < <(one "$NEW" $((port++)))
  else
    read -r n nr < <(one "$NEW" $((port++))); read -r o or < <(one "$OLD" $((port++)))
  fi
  [ -n "${o:-}" ] && [ -n "${n:-}" ] || { echo "round $round: a server gave no figure" >&2; exit 1; }
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
