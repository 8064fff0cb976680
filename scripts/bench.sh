#!/usr/bin/env bash
# Runs krest's benchmarks side by side with its peers and writes the figures, a Markdown report
# and an SVG chart of the throughput into target/bench-report/. See docs/performance.md.
#
#   bash scripts/bench.sh                      # every stage
#   BENCH_STAGES="dispatch http" bash scripts/bench.sh
#
# Stages, in order:
#   dispatch  criterion: krest's router vs matchit; go test -bench: go-restful's CurlyRouter
#   http      wrk -t2 -c64 on loopback: GET, LIST 100, CREATE, UPDATE against widgets-server
#             (memory and embedded store), krest-bench-server (500 kinds), the go-restful peer
#             (1 and 500 kinds) and hyper-ceiling; interleaved rounds, medians
#   memory    RSS of idle servers, and of widgets-server holding 10,000 objects
#   compile   release build time and binary size of crates with 0, 1, 10 and 50 derived kinds
#
# Knobs: BENCH_SKIP_BUILD=1 (reuse the release binaries), BENCH_DURATION (wrk -d, default 10s), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS
# (default 64), BENCH_THREADS (default 2). CARGO_TARGET_DIR is honoured (binaries and criterion's
# figures are read from it); the report still goes to target/bench-report unless BENCH_OUT says
# otherwise. Every load goes to 127.0.0.1 only, and every run is bounded by its duration.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

STAGES=${BENCH_STAGES:-"dispatch http memory compile"}
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=${BENCH_OUT:-$ROOT/target/bench-report}
RELEASE=$TARGET/release
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
export CARGO_TERM_COLOR=never

has_stage() { [[ " $STAGES " == *" $1 "* ]]; }
log() { printf '\n== %s\n' "$*" >&2; }

# --- what the benchmarks need -------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/emicklei/go-restful ] || need+=(golang-github-emicklei-go-restful-dev)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

mkdir -p "$OUT"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version)"
  echo "go: $(go version | cut -d' ' -f3)"
  echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# --- builds ---------------------------------------------------------------------------------
# One cargo invocation, so that every krest binary is built from the same sources. The
# 500-kind server takes several minutes; BENCH_SKIP_BUILD=1 reuses the binaries already built.
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building (release)"
  KREST_BENCH_KINDS=499 cargo build --release -p krest-example-widgets -p krest-benches --features krest-benches/many-kinds \
    --bin widgets-server --bin krest-bench-server --bin hyper-ceiling --bin krest-route-sets --bin bench-report
fi
"$RELEASE/krest-route-sets" "$OUT/routes"
# widgets-server asks for an authorization mode where it has one; the benchmarks let everyone in,
# as the Go peer and the ceiling do.
WIDGETS_AUTH=()
usage=$("$RELEASE/widgets-server" --help 2>&1 || true)
if [[ $usage == *--authorization-mode* ]]; then
  WIDGETS_AUTH=(--authorization-mode=AlwaysAllow)
fi
(cd benches/peers/go-restful && go build -o "$OUT/go-restful-peer" .)

# --- 1. route dispatch ----------------------------------------------------------------------
if has_stage dispatch; then
  log "dispatch: krest vs matchit (criterion)"
  KREST_BENCH_KINDS=499 cargo bench -p krest-benches --bench dispatch -- --noplot 2>&1 | tee "$OUT/dispatch-criterion.txt" | grep -E '^dispatch/|time:' >&2
  log "dispatch: go-restful CurlyRouter (go test -bench)"
  (cd benches/peers/go-restful && KREST_ROUTES_DIR="$OUT/routes" go test -run TestProbes -bench BenchmarkCurlyRouter -benchtime 2s -count 3 .) \
    | tee "$OUT/dispatch-go.txt" >&2
  probes=$(wc -l < "$OUT/routes/dispatch-1.probes")
  {
    echo "router,size,ns_per_request"
    for router in krest matchit; do
      for n in 1 100 500; do
        est="$TARGET/criterion/dispatch/$router/$n/new/estimates.json"
        jq -r --arg r "$router" --arg n "$n" --argjson p "$probes" \
          '"\($r),\($n),\(.median.point_estimate / $p)"' "$est"
      done
    done
    # the median of go test's -count runs
    for n in 1 100 500; do
      grep -E "^BenchmarkCurlyRouter/$n-" "$OUT/dispatch-go.txt" \
        | awk '{for (i = 1; i <= NF; i++) if ($(i+1) == "ns/request") print $i}' | sort -g \
        | awk -v n="$n" '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; print "go-restful," n "," m}'
    done
  } > "$OUT/dispatch.csv"
  cat "$OUT/dispatch.csv" >&2
fi

# --- servers --------------------------------------------------------------------------------
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_port() { # wait until http://$1 answers
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://$1/" && return 0
    sleep 0.1
  done
  echo "nothing answers on $1" >&2
  return 1
}

start() { # start NAME ADDR COMMAND...
  local name=$1 addr=$2
  shift 2
  if curl -s -o /dev/null "http://$addr/"; then
    echo "$addr is already in use" >&2
    exit 1
  fi
  "$@" > "$OUT/$name.log" 2>&1 &
  PIDS+=($!)
  eval "PID_${name//-/_}=$!"
  wait_port "$addr"
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

WIDGETS=/apis/demo.krest.dev/v1/namespaces
widget_json() { # NAME
  printf '{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{"name":"%s"},"spec":{"color":"blue","replicas":3}}' "$1"
}

# post_many ADDR: POSTs `PATH BODY` lines from stdin over one keep-alive connection; prints the
# status codes that were not 201.
post_many() {
  local config
  config=$(mktemp)
  local sep=""
  while read -r path body; do
    body=${body//\\/\\\\}
    printf '%surl = "http://%s%s"\ndata = "%s"\nheader = "Content-Type: application/json"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nsilent\n' \
      "$sep" "$1" "$path" "${body//\"/\\\"}" >> "$config"
    sep=$'next\n'
  done
  curl -K "$config" | grep -v '^201$' | sort | uniq -c || true
  rm -f "$config"
}

# seed ADDR: the objects every server starts the throughput runs with.
seed() {
  {
    for ns in bench bench-list bench-create bench-update; do
      echo "/api/v1/namespaces {\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$ns\"}}"
    done
    echo "$WIDGETS/bench/widgets $(widget_json get-me)"
    for i in $(seq -w 0 99); do echo "$WIDGETS/bench-list/widgets $(widget_json "w-$i")"; done
    for t in 1 2 3 4; do
      for i in $(seq 1 64); do echo "$WIDGETS/bench-update/widgets $(widget_json "u-$t-$i")"; done
    done
  } | post_many "$1"
}

# --- 2. HTTP throughput and latency ---------------------------------------------------------
if has_stage http; then
  log "http: starting servers"
  rm -rf "$OUT/embedded-data"
  declare -A ADDR=(
    [krest-memory]=127.0.0.1:18180
    [krest-embedded]=127.0.0.1:18181
    [krest-500]=127.0.0.1:18182
    [go-restful-1]=127.0.0.1:18183
    [go-restful-500]=127.0.0.1:18184
    [hyper-ceiling]=127.0.0.1:18185
  )
  TARGETS=(krest-memory krest-embedded krest-500 go-restful-1 go-restful-500 hyper-ceiling)
  start krest-memory "${ADDR[krest-memory]}" "$RELEASE/widgets-server" "${WIDGETS_AUTH[@]}" --store memory --listen "${ADDR[krest-memory]}"
  start krest-embedded "${ADDR[krest-embedded]}" "$RELEASE/widgets-server" "${WIDGETS_AUTH[@]}" --store embedded \
    --data-dir "$OUT/embedded-data" --listen "${ADDR[krest-embedded]}"
  start krest-500 "${ADDR[krest-500]}" "$RELEASE/krest-bench-server" --kinds 500 --listen "${ADDR[krest-500]}"
  start go-restful-1 "${ADDR[go-restful-1]}" "$OUT/go-restful-peer" -routes "$OUT/routes/server-1.routes" -listen "${ADDR[go-restful-1]}"
  start go-restful-500 "${ADDR[go-restful-500]}" "$OUT/go-restful-peer" -routes "$OUT/routes/server-500.routes" -listen "${ADDR[go-restful-500]}"
  for t in krest-memory krest-embedded krest-500 go-restful-1 go-restful-500; do
    echo "seeding $t" >&2
    seed "${ADDR[$t]}"
  done
  # The ceiling answers the bytes krest answers. (krest, like kube-apiserver, indents JSON for a
  # curl User-Agent: fetch as a client would.)
  curl -s -A krest-bench -H 'Accept: application/json' "http://${ADDR[krest-memory]}$WIDGETS/bench/widgets/get-me" > "$OUT/get.json"
  curl -s -A krest-bench -H 'Accept: application/json' "http://${ADDR[krest-memory]}$WIDGETS/bench-list/widgets" > "$OUT/list.json"
  start hyper-ceiling "${ADDR[hyper-ceiling]}" "$RELEASE/hyper-ceiling" --get "$OUT/get.json" --list "$OUT/list.json" \
    --listen "${ADDR[hyper-ceiling]}"
  {
    echo "response sizes (bytes), GET one object / LIST 100:"
    for t in "${TARGETS[@]}"; do
      g=$(curl -s -A krest-bench -H 'Accept: application/json' "http://${ADDR[$t]}$WIDGETS/bench/widgets/get-me" | wc -c)
      l=$(curl -s -A krest-bench -H 'Accept: application/json' "http://${ADDR[$t]}$WIDGETS/bench-list/widgets" | wc -c)
      echo "  $t: $g / $l"
    done
  } | tee "$OUT/sizes.txt" >&2

  url_of() { # TARGET WORKLOAD
    local base="http://${ADDR[$1]}$WIDGETS"
    case $2 in
      get) echo "$base/bench/widgets/get-me" ;;
      list) echo "$base/bench-list/widgets" ;;
      create) echo "$base/bench-create/widgets" ;;
      update) echo "$base/bench-update/widgets" ;;
    esac
  }
  run_wrk() { # TARGET WORKLOAD DURATION RUN-ID
    local args=("$2")
    case $2 in list) args=(get) ;; create) args=(create "$4") ;; update) args=(update 64) ;; esac
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" -H 'Accept: application/json' \
      -s benches/wrk/krest.lua "$(url_of "$1" "$2")" -- "${args[@]}"
  }

  log "http: warm-up (2s per server and workload)"
  for w in get list create update; do
    for t in "${TARGETS[@]}"; do run_wrk "$t" "$w" 2s "warm" > /dev/null; done
  done

  echo "round,target,workload,rps,p50_us,p99_us,requests,status_errors,socket_errors" > "$OUT/http.csv"
  : > "$OUT/http-wrk.txt"
  for round in $(seq 1 "$ROUNDS"); do
    # Rotate the order each round so that no server always runs first or last.
    order=("${TARGETS[@]:$(( (round - 1) % ${#TARGETS[@]} ))}" "${TARGETS[@]:0:$(( (round - 1) % ${#TARGETS[@]} ))}")
    for w in get list create update; do
      for t in "${order[@]}"; do
        log "http: round $round, $w, $t"
        result=$(run_wrk "$t" "$w" "$DURATION" "r$round" | tee -a "$OUT/http-wrk.txt" | grep '^wrk-result')
        echo "$t $w $result" >&2
        kv() { sed -E "s/.* $1=([^ ]+).*/\1/" <<< "$result"; }
        echo "$round,$t,$w,$(kv rps),$(kv p50_us),$(kv p99_us),$(kv requests),$(kv status_errors),$(kv socket_errors)" >> "$OUT/http.csv"
      done
    done
  done
  echo "load average after http: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
  {
    echo "RSS after the http runs (KiB):"
    for t in "${TARGETS[@]}"; do
      v=PID_${t//-/_}
      echo "  $t: $(rss_kib "${!v}")"
    done
  } | tee -a "$OUT/sizes.txt" >&2
  cleanup
  PIDS=()
fi

# --- 4. memory ------------------------------------------------------------------------------
if has_stage memory; then
  log "memory: idle RSS"
  echo "server,state,rss_kib,rss_mib" > "$OUT/memory.csv"
  mem_row() { echo "$1,$2,$3,$(awk -v k="$3" 'BEGIN {printf "%.1f", k/1024}')" >> "$OUT/memory.csv"; }
  addr=127.0.0.1:18190
  idle() { # NAME COMMAND...
    local name=$1
    shift
    start "$name" "$addr" "$@"
    sleep 2
    local v=PID_${name//-/_}
    mem_row "$name" idle "$(rss_kib "${!v}")"
    kill "${!v}"
    wait "${!v}" 2>/dev/null || true
    PIDS=()
  }
  idle widgets-server-memory "$RELEASE/widgets-server" "${WIDGETS_AUTH[@]}" --store memory --listen "$addr"
  rm -rf "$OUT/memory-data"
  idle widgets-server-embedded "$RELEASE/widgets-server" "${WIDGETS_AUTH[@]}" --store embedded --data-dir "$OUT/memory-data" --listen "$addr"
  idle krest-bench-server-500 "$RELEASE/krest-bench-server" --kinds 500 --listen "$addr"
  idle go-restful-peer-1 "$OUT/go-restful-peer" -routes "$OUT/routes/server-1.routes" -listen "$addr"
  idle go-restful-peer-500 "$OUT/go-restful-peer" -routes "$OUT/routes/server-500.routes" -listen "$addr"
  idle hyper-ceiling "$RELEASE/hyper-ceiling" --listen "$addr"

  log "memory: widgets-server (memory store) with 10,000 objects"
  start loaded "$addr" "$RELEASE/widgets-server" "${WIDGETS_AUTH[@]}" --store memory --listen "$addr"
  {
    echo "/api/v1/namespaces {\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"bench\"}}"
    for i in $(seq -w 1 10000); do echo "$WIDGETS/bench/widgets $(widget_json "m-$i")"; done
  } | post_many "$addr"
  sleep 1
  mem_row widgets-server-memory "10000 objects" "$(rss_kib "$PID_loaded")"
  # The peak while listing all of them: VmHWM after resetting it to the current RSS (writing 5
  # to clear_refs), minus that RSS, is what the LIST held at its largest. (As a client would:
  # with curl's User-Agent krest, like kube-apiserver, indents the JSON, which re-encodes it.)
  before=$(rss_kib "$PID_loaded")
  echo 5 > "/proc/$PID_loaded/clear_refs"
  curl -s -A krest-bench -H 'Accept: application/json' "http://$addr$WIDGETS/bench/widgets" > "$OUT/list-10000.json"
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$PID_loaded/status")
  count=$(jq '.items | length' "$OUT/list-10000.json")
  body_kib=$(( $(stat -c %s "$OUT/list-10000.json") / 1024 ))
  mem_row widgets-server-memory "LIST of $count objects ($body_kib KiB): peak above the RSS before it" "$((peak - before))"
  kill "$PID_loaded"
  wait "$PID_loaded" 2>/dev/null || true
  PIDS=()
  cat "$OUT/memory.csv" >&2
fi

# --- 3. compile cost ------------------------------------------------------------------------
if has_stage compile; then
  log "compile: crates with 0, 1, 10 and 50 derived kinds"
  CDIR=$OUT/compile
  CTARGET=$CDIR/target
  rm -rf "$CDIR"
  mkdir -p "$CDIR"
  per_kind=$(wc -l < macros/tests/expand/widget.expanded.rs)
  make_crate() { # N
    local dir=$CDIR/kinds-$1
    mkdir -p "$dir/src"
    cp Cargo.lock "$dir/Cargo.lock"
    cat > "$dir/Cargo.toml" <<EOF
[package]
name = "compile-kinds-$1"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
krest = { path = "$ROOT/runtime" }
serde = { version = "1", features = ["derive"] }
tokio = { version = "1", features = ["rt-multi-thread"] }

[workspace]
EOF
    {
      echo "//! $1 derived kinds, each namespaced with status and scale, all served."
      echo "#[derive(krest::JsonSchema, Clone, Debug, Default, serde::Serialize, serde::Deserialize)]"
      echo "#[schemars(crate = \"krest::schemars\")]"
      echo "pub struct KindStatus { pub ready_replicas: i32 }"
      for i in $(seq 1 "$1"); do
        cat <<EOF
#[derive(krest::Resource, krest::JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[schemars(crate = "krest::schemars")]
#[resource(group = "group$((i / 10)).bench.krest.dev", version = "v1", kind = "Kind$i", namespaced, status = KindStatus,
  scale(spec_replicas = ".spec.replicas", status_replicas = ".status.readyReplicas"))]
pub struct Kind${i}Spec { pub color: String, pub replicas: i32 }
EOF
      done
      echo "fn main() {"
      echo "    let builder = krest::Server::builder().namespaces();"
      for i in $(seq 1 "$1"); do echo "    let builder = builder.resource::<Kind$i>();"; done
      echo "    let server = builder.build().expect(\"routes\");"
      echo "    if std::env::var_os(\"SERVE\").is_some() {"
      echo "        let rt = tokio::runtime::Runtime::new().unwrap();"
      echo "        rt.block_on(server.serve(\"127.0.0.1:0\".parse().unwrap(), krest::shutdown_signal())).unwrap();"
      echo "    }"
      echo "}"
    } > "$dir/src/main.rs"
  }
  build_secs() { # N: seconds of a release build of the crate
    local start end
    start=$(date +%s.%N)
    cargo build -q --release --manifest-path "$CDIR/kinds-$1/Cargo.toml" --target-dir "$CTARGET" >&2
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN {printf "%.1f", e - s}'
  }
  for n in 0 1 10 50; do make_crate "$n"; done
  full=$(build_secs 0)
  echo "full clean release build of the 0-kind crate with every dependency: ${full}s" | tee -a "$OUT/machine.txt" >&2
  echo "kinds,generated_lines,crate_clean_build_s,incremental_build_s,binary_bytes" > "$OUT/compile.csv"
  for n in 0 1 10 50; do
    cargo clean -q --release --manifest-path "$CDIR/kinds-$n/Cargo.toml" --target-dir "$CTARGET" -p "compile-kinds-$n"
    clean=$(build_secs "$n")
    echo "// touched" >> "$CDIR/kinds-$n/src/main.rs"
    incremental=$(build_secs "$n")
    size=$(stat -c %s "$CTARGET/release/compile-kinds-$n")
    echo "$n,$((n * per_kind)),$clean,$incremental,$size" | tee -a "$OUT/compile.csv" >&2
  done
  echo "widgets-server binary: $(stat -c %s "$RELEASE/widgets-server") bytes" | tee -a "$OUT/machine.txt" >&2
fi

log "report"
"$RELEASE/bench-report" "$OUT" > /dev/null
echo "wrote $OUT/report.md and $OUT/throughput.svg" >&2
