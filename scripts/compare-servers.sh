#!/usr/bin/env bash
# GET and LIST throughput of two widgets-server builds side by side, in interleaved rounds, on
# loopback only (docs/performance.md). Needs wrk and curl.
#
#   ROUNDS=3 DUR=8s bash scripts/compare-servers.sh OLD/widgets-server NEW/widgets-server
set -u
OLD=$1; NEW=$2; ROUNDS=${ROUNDS:-3}; DUR=${DUR:-10s}
port=18300
run() { # bin label round
  local bin=$1 label=$2
  port=$((port+1))
  $bin --store memory --authorization-mode=AlwaysAllow --listen 127.0.0.1:$port >/dev/null 2>&1 &
  local pid=$!
  for i in $(seq 1 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
  local base=http://127.0.0.1:$port/apis/demo.krest.dev/v1/namespaces/default/widgets
  for i in $(seq 0 99); do curl -sf -X POST -H 'Content-Type: application/json' -d "{\"apiVersion\":\"demo.krest.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w$i\"},\"spec\":{\"color\":\"red\",\"replicas\":1}}" $base >/dev/null; done
  local get=$(wrk -t2 -c64 -d$DUR $base/w1 | awk '/Requests\/sec/ {print $2}')
  local list=$(wrk -t2 -c16 -d$DUR $base | awk '/Requests\/sec/ {print $2}')
  echo "$label get=$get list100=$list"
  kill $pid; wait $pid 2>/dev/null
}
for r in $(seq 1 $ROUNDS); do
  if [ $((r % 2)) -eq 1 ]; then run $OLD old; run $NEW new; else run $NEW new; run $OLD old; fi
done
