#!/usr/bin/env bash
# Installs what the tests need on a fresh machine, then runs every check CI runs:
# formatting, clippy, docs and the whole test suite (including the end-to-end tests that drive
# the real kubectl binary against widgets-server).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubernetes-client)
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if [ "${#need_apt[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}"
fi

# The official Python client, for the client-compatibility tests.
python3 -c "import kubernetes" 2>/dev/null || python3 -m pip install --quiet kubernetes

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# A one-shot build gains nothing from incremental compilation, whose caches would double the
# target folder's size.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# KREST_LEAN_DISK=1 (.ci/run sets it): delete each stage's build folders once no later stage
# needs them, so that the run holds under 5 GB at its peak rather than the 12 GB of every stage's
# folders kept (a re-run then builds them again). Every stage prints the disk it leaves.
lean="${KREST_LEAN_DISK:-0}"
if [ "$lean" = 1 ]; then
  # No line tables either: they are two fifths of every test binary. A panic still names its
  # file and line; a backtrace names functions only.
  export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-false}"
fi
target="${CARGO_TARGET_DIR:-target}"
disk() {
  echo "== disk after $1: target folder $(du -sh "$target" 2>/dev/null | cut -f1 || echo 0)," \
    "$(df -h --output=avail . | tail -n 1 | tr -d ' ') free"
}
disk "set-up"
# Every relative link of README.md and docs/*.md resolves.
bash scripts/check-links.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --all-features
cargo test --workspace --all-features
# The commands README.md and docs/codegen.md show, run as written. After the workspace's tests:
# `cargo run -p krest-example-widgets` rebuilds the widgets-server they run with other features.
cargo test --workspace --all-features --test docs_commands -- --ignored
disk "the tests"
# trybuild's own build of krest for the compile-fail tests (derive_ui), 1.5 GB.
if [ "$lean" = 1 ]; then rm -rf "$target/tests/trybuild"; fi

# The corpus of real CRDs, a subset: MetalLB and Flux (16 CRDs) generated, compiled into one
# server and listed through kubectl, about 40 s of compilation and 2 min in all on 2 cores. The
# whole corpus (173 CRDs, `bash scripts/corpus.sh`) takes far longer: docs/performance.md.
bash scripts/corpus.sh metallb flux
disk "the corpus"

# Hostile input: schemathesis against the served OpenAPI documents (no 5xx), then every fuzz
# target for a bounded time (cargo-fuzz on the stable toolchain, `--sanitizer none`).
bash scripts/schemathesis.sh
# The fuzz targets are built apart (release, with coverage instrumentation): nothing later needs
# the workspace's build.
if [ "$lean" = 1 ]; then rm -rf "$target"; fi
FUZZ_SECONDS="${FUZZ_SECONDS:-30}" bash scripts/fuzz.sh
disk "fuzzing"
