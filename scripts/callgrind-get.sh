#!/usr/bin/env bash
# Instructions per GET of one Widget, counted by callgrind (which the machine's load does not
# change): a widgets-server run under valgrind with `wrk -t1 -c4` for SECONDS, less a run that
# answers nothing, divided by the requests answered. Loopback only. Needs valgrind, wrk, curl.
#
#   bash scripts/callgrind-get.sh target/release/widgets-server [20s]
set -euo pipefail
BIN=$1; DUR=${2:-20s}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() { # PORT DURATION (0: no load) -> "instructions requests"
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$1" "$BIN" --store memory \
    --authorization-mode=AlwaysAllow --listen "127.0.0.1:$1" >/dev/null 2>&1 &
  local pid=$! base="http://127.0.0.1:$1/apis/demo.krest.dev/v1/namespaces/default/widgets"
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && break; sleep 0.2; done
  curl -sf -X POST -H 'Content-Type: application/json' -d '{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"color":"red","replicas":1}}' "$base" >/dev/null
  local requests=0
  if [ "$2" != 0 ]; then
    requests=$(wrk -t1 -c4 -d"$2" "$base/w1" | awk '/requests in/ {print $1}')
  fi
  kill -INT "$pid"
  wait "$pid" || true
  echo "$(awk '/^(summary|totals):/ {print $2; exit}' "$OUT/cg.$1") $requests"
}
port=$((20000 + RANDOM % 20000))
read -r idle _ < <(run "$port" 0)
read -r loaded requests < <(run $((port + 1)) "$DUR")
echo "instructions per GET: $(( (loaded - idle) / requests )) ($requests requests; $loaded instructions, $idle without load)"
