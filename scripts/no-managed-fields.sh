#!/usr/bin/env bash
# Builds the comparator for the cost of managed fields: widgets-server from HEAD with
# benches/no-managed-fields.patch applied, so that creates, updates and patches do not record
# `metadata.managedFields` (the managed fields stay as the client sent them), and the two
# binaries differ by that only (docs/performance.md, "Server-side apply"). The build happens in
# a temporary git worktree of HEAD, removed afterwards; the binary lands in OUTDIR.
#
#   bash scripts/no-managed-fields.sh OUTDIR     # -> OUTDIR/widgets-server
#
# CARGO_TARGET_DIR is used when set (dependencies already built there are reused), else
# OUTDIR/target.
set -euo pipefail
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")/.." && pwd)
TREE=$(mktemp -d)
cleanup() { git -C "$HERE" worktree remove --force "$TREE" 2>/dev/null || rm -rf "$TREE"; }
trap cleanup EXIT
git -C "$HERE" worktree add --detach "$TREE" HEAD >/dev/null
git -C "$TREE" apply "$HERE/benches/no-managed-fields.patch"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$OUT/target}
(cd "$TREE" && cargo build --release -p krest-example-widgets --bin widgets-server)
cp "$CARGO_TARGET_DIR/release/widgets-server" "$OUT/widgets-server"
echo "$OUT/widgets-server: $(git -C "$HERE" rev-parse --short HEAD) without managed fields"
