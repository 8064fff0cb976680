#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time, on the STABLE toolchain.
#
#   bash scripts/fuzz.sh                      # every target, 60 s each
#   FUZZ_SECONDS=20 bash scripts/fuzz.sh      # shorter
#   bash scripts/fuzz.sh body_decode json_patch
#
# What it does, in order:
#  1. Installs cargo-fuzz (`cargo install cargo-fuzz --locked`) when `cargo fuzz` is missing.
#  2. Builds every target once: `cargo fuzz build --sanitizer none` (release, with debug
#     assertions and overflow checks, as cargo-fuzz always builds).
#  3. Runs each target's binary from that build (what `cargo fuzz run` would run, without
#     building again, so every target fuzzes the same tree) for FUZZ_SECONDS (default 60):
#       fuzz/target/<host>/release/<target> fuzz/corpus-work/<target> fuzz/corpus/<target> \
#         -artifact_prefix=fuzz/artifacts/<target>/ -max_total_time=$FUZZ_SECONDS -timeout=30 \
#         -rss_limit_mb=4096 -print_final_stats=1
#     libFuzzer reads both corpora and writes what it finds to the first, fuzz/corpus-work/
#     (git-ignored), so the checked-in seeds in fuzz/corpus/ stay as they are.
#  4. Prints runs and runs/s per target, and exits 1 if any target crashed, naming the input
#     it saved under fuzz/artifacts/<target>/ and the command that replays it.
#
# Why `--sanitizer none`: cargo-fuzz's default is AddressSanitizer, `-Zsanitizer=address`,
# which only nightly accepts. With `none` it passes rustc only stable flags (`--cfg fuzzing`,
# `-Cpasses=sancov-module`, `-Cllvm-args=-sanitizer-coverage-*`, `-Cdebug-assertions`), so
# the stable toolchain builds the targets and libfuzzer-sys's bundled libFuzzer (C++, built
# with the system's c++). krest forbids unsafe code, so AddressSanitizer would only watch its
# dependencies; panics, failed invariants, 5xx answers (turned into panics by
# krest::fuzzing), stack overflows, timeouts and out-of-memory are all caught without it.
set -euo pipefail

cd "$(dirname "$0")/.."
# Pin the stable toolchain where rustup has one by that name (this machine may also have a
# nightly); elsewhere the default toolchain is the only one.
if [ -z "${RUSTUP_TOOLCHAIN:-}" ] && rustup toolchain list 2>/dev/null | grep -q '^stable'; then
    export RUSTUP_TOOLCHAIN=stable
fi
seconds="${FUZZ_SECONDS:-60}"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for file in fuzz/fuzz_targets/*.rs; do
        targets+=("$(basename "$file" .rs)")
    done
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
echo "== $(cargo fuzz --version), $(rustc --version)"

started=$SECONDS
echo "== building ${#targets[@]} targets"
cargo fuzz build --sanitizer none
echo "== built in $((SECONDS - started)) s"
host=$(rustc -vV | sed -n 's/^host: //p')
bin="${CARGO_TARGET_DIR:-fuzz/target}/$host/release"

failed=()
summary=()
for target in "${targets[@]}"; do
    echo "== fuzzing $target for $seconds s"
    mkdir -p "fuzz/corpus-work/$target" "fuzz/artifacts/$target"
    before=$(ls "fuzz/artifacts/$target")
    log=$(mktemp)
    status=0
    "$bin/$target" "fuzz/corpus-work/$target" "fuzz/corpus/$target" \
        -artifact_prefix="fuzz/artifacts/$target/" -max_total_time="$seconds" -timeout=30 \
        -rss_limit_mb=4096 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "$status" -eq 0 ]; then
        summary+=("$target: ok, ${runs:-?} runs, ${rate:-?} runs/s")
        tail -n 3 "$log"
    else
        tail -n 60 "$log"
        new=$(comm -13 <(echo "$before") <(ls "fuzz/artifacts/$target") | sed "s|^|fuzz/artifacts/$target/|")
        summary+=("$target: FAILED (exit $status), ${runs:-?} runs; input: ${new:-none saved}")
        for input in $new; do
            echo "== $target crashed on $input; replay with:"
            echo "   $bin/$target $input"
            echo "   (or, rebuilding: cargo +stable fuzz run --sanitizer none $target $input)"
        done
        failed+=("$target")
    fi
    rm -f "$log"
done

echo "== summary ($((SECONDS - started)) s)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
    echo "== crashed: ${failed[*]}"
    exit 1
fi
