#!/usr/bin/env bash
# Schemathesis against widgets-server's own OpenAPI documents: no request it can generate from
# them may get a server error (5xx).
#
#   bash scripts/schemathesis.sh                   # 25 examples per operation
#   ST_MAX_EXAMPLES=100 bash scripts/schemathesis.sh
#
# What it does:
#  1. Installs schemathesis (pinned, works on Python 3.11) with pip when `st` is missing or is
#     another version.
#  2. Builds widgets-server (debug) and starts it on a free loopback port with the memory
#     store, adding --authorization-mode=AlwaysAllow when its --help offers the flag.
#  3. Waits for /healthz, then runs `st run` on /openapi/v3/apis/demo.krest.dev/v1 and, when
#     served, /openapi/v3/api/v1 (less the watches, which stream until the client leaves and
#     so look hung to schemathesis), twice each: with generated path parameters, then with
#     them pinned to a seeded widget, gadget and namespace (and no DELETE), so that item
#     operations get past 404. Only the not_a_server_error check, a fixed seed,
#     ST_MAX_EXAMPLES (default 25) examples per operation, a 10 s timeout per request, each
#     run bounded by ST_TIMEOUT seconds (default 300; about 30 s each here).
#  4. Stops the server, and exits non-zero if any run found a 5xx (schemathesis prints the
#     request, with a curl command that replays it) or did not finish.
set -euo pipefail

cd "$(dirname "$0")/.."
# Pin the stable toolchain where rustup has one by that name (this machine may also have a
# nightly); elsewhere the default toolchain is the only one.
if [ -z "${RUSTUP_TOOLCHAIN:-}" ] && rustup toolchain list 2>/dev/null | grep -q '^stable'; then
    export RUSTUP_TOOLCHAIN=stable
fi
version=4.32.5
examples="${ST_MAX_EXAMPLES:-25}"
budget="${ST_TIMEOUT:-300}"
python="${PYTHON:-python3}"

if ! st --version 2>/dev/null | grep -q "version $version\$"; then
    echo "== installing schemathesis $version"
    "$python" -m pip install --quiet "schemathesis==$version"
fi
echo "== $(st --version)"

started=$SECONDS
cargo build --quiet -p krest-example-widgets --bin widgets-server
server="${CARGO_TARGET_DIR:-target}/debug/widgets-server"

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
flags=(--store memory --listen "127.0.0.1:$port")
# (Read the help whole before grepping, for pipefail; older servers exited non-zero on it.)
help=$("$server" --help 2>&1 || true)
if grep -q -- --authorization-mode <<<"$help"; then
    flags+=(--authorization-mode=AlwaysAllow)
fi
log=$(mktemp)
echo "== starting $server ${flags[*]}"
RUST_LOG=warn "$server" "${flags[@]}" >"$log" 2>&1 &
pid=$!
stop() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
}
trap stop EXIT

for _ in $(seq 1 100); do
    if curl -sf -o /dev/null "$base/healthz"; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "== widgets-server exited:"
        cat "$log"
        exit 1
    fi
    sleep 0.2
done
curl -sf -o /dev/null "$base/healthz" || { echo "== no /healthz on $base"; cat "$log"; exit 1; }

documents=(/openapi/v3/apis/demo.krest.dev/v1)
if curl -sf -o /dev/null "$base/openapi/v3/api/v1"; then
    documents+=(/openapi/v3/api/v1)
fi

# Watches stream until the client leaves, which schemathesis reads as a hung server: leave out
# the deprecated /watch/ paths and the `watch` parameter of lists (tests/watch_protocol.rs and
# the fuzz target server_request cover watches). With `pin`, path parameters name the objects
# seeded below, so that GET, PUT and PATCH reach the handlers instead of a 404.
work=$(mktemp -d)
trap 'stop; rm -rf "$work"' EXIT
cat >"$work/prepare.py" <<'PY'
import json, sys

document = json.load(sys.stdin)
pin = sys.argv[1:] == ["pin"]
document["paths"] = {p: o for p, o in document["paths"].items() if "/watch/" not in p}
for path, operations in document["paths"].items():
    for operation in operations.values():
        if not isinstance(operation, dict) or "parameters" not in operation:
            continue
        operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "watch"]
        for parameter in operation["parameters"] if pin else []:
            if parameter.get("in") != "path":
                continue
            if parameter["name"] == "namespace":
                value = "default"
            elif "/gadgets/" in path:
                value = "g1"
            elif "/widgets/" in path:
                value = "w1"
            else:
                value = "pinned"
            parameter["schema"] = {"type": "string", "enum": [value]}
json.dump(document, sys.stdout)
PY
# (Re)creates the pinned objects; one that already exists answers 409, which is fine.
seed() {
    local post=(curl -s -o /dev/null -X POST -H 'Content-Type: application/json')
    "${post[@]}" --data '{"metadata":{"name":"pinned"}}' "$base/api/v1/namespaces"
    "${post[@]}" --data '{"metadata":{"name":"w1","labels":{"app":"web"}},"spec":{"color":"red","replicas":1}}' \
        "$base/apis/demo.krest.dev/v1/namespaces/default/widgets"
    "${post[@]}" --data '{"metadata":{"name":"g1"},"spec":{"vendor":"acme"}}' \
        "$base/apis/demo.krest.dev/v1/gadgets"
}

failed=()
for document in "${documents[@]}"; do
    for mode in random pin; do
        echo "== schemathesis on $document (without watches; path parameters: $mode)"
        schema="$work/$(echo "$document" | tr / _)-$mode.json"
        curl -sf "$base$document" | "$python" "$work/prepare.py" "$mode" >"$schema"
        extra=()
        if [ "$mode" = pin ]; then
            seed
            # Deleting the seeded objects first would leave the rest 404s again.
            extra=(--exclude-method DELETE)
        fi
        status=0
        timeout "$budget" st run "$schema" --url "$base" \
            --checks not_a_server_error \
            --max-examples "$examples" \
            --seed 1 \
            --request-timeout 10 \
            --generation-database none \
            --no-color \
            "${extra[@]}" \
            || status=$?
        if [ "$status" -ne 0 ]; then
            failed+=("$document, $mode (exit $status)")
        fi
    done
done

if ! kill -0 "$pid" 2>/dev/null; then
    echo "== widgets-server died:"
    cat "$log"
    failed+=("server")
fi
echo "== done in $((SECONDS - started)) s"
if [ ${#failed[@]} -ne 0 ]; then
    printf '== failed: %s\n' "${failed[@]}"
    exit 1
fi
