#!/usr/bin/env bash
# Instructions per request of one workload, counted by callgrind (which the machine's load does
# not change): a widgets-server run under valgrind with `wrk -t1 -c4` for DURATION, less a run
# that answers nothing, divided by the requests answered. Loopback only. Needs valgrind, wrk,
# curl.
#
#   bash scripts/callgrind.sh target/release/widgets-server [get|create|update] [20s]
#
# get:    GET one Widget.
# create: POST new Widgets (benches/wrk/krest.lua's create mode).
# update: PUT 64 Widgets in turn with the resourceVersion of their last answer, as a controller
#         does (krest.lua's update mode; its first 64 requests are the GETs that learn them).
set -euo pipefail
BIN=$1; MODE=${2:-get}; DUR=${3:-20s}
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
widget() { # NAMESPACE NAME
  printf '{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{"name":"%s","namespace":"%s"},"spec":{"color":"red","replicas":1}}' "$2" "$1"
}
run() { # PORT DURATION (0: no load) -> "instructions requests"
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$1" "$BIN" --store memory \
    --authorization-mode=AlwaysAllow --listen "127.0.0.1:$1" >/dev/null 2>&1 &
  local pid=$! base="http://127.0.0.1:$1/apis/demo.krest.dev/v1/namespaces/default/widgets"
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && break; sleep 0.2; done
  curl -sf -X POST -H 'Content-Type: application/json' -d "$(widget default w1)" "$base" >/dev/null
  if [ "$MODE" = update ]; then
    for i in $(seq 1 64); do
      curl -sf -X POST -H 'Content-Type: application/json' -d "$(widget default "u-1-$i")" "$base" >/dev/null
    done
  fi
  local requests=0 url="$base/w1" args=(get)
  case $MODE in create) url=$base; args=(create 1) ;; update) url=$base; args=(update 64) ;; esac
  if [ "$2" != 0 ]; then
    requests=$(wrk -t1 -c4 -d"$2" -H 'Accept: application/json' -s "$HERE/benches/wrk/krest.lua" \
      "$url" -- "${args[@]}" | sed -n 's/^wrk-result .* requests=\([0-9]*\) .*/\1/p')
  fi
  kill -INT "$pid"
  wait "$pid" || true
  echo "$(awk '/^(summary|totals):/ {print $2; exit}' "$OUT/cg.$1") $requests"
}
port=$((20000 + RANDOM % 20000))
read -r idle _ < <(run "$port" 0)
read -r loaded requests < <(run $((port + 1)) "$DUR")
echo "instructions per $MODE request: $(( (loaded - idle) / requests )) ($requests requests; $loaded instructions, $idle without load)"
