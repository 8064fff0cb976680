#!/usr/bin/env bash
# One server for the corpus of real CRDs (codegen/tests/crds and codegen/tests/crds/corpus/*,
# sources in codegen/tests/crds/README.md): `krest new` over all of them, `cargo build`, start
# it on loopback with an in-memory store, and list every kind through kubectl. Prints the
# figures docs/performance.md records: generation time, compile time, binary size.
#
# The whole corpus is 340,000 lines of generated Rust: one crate of it needs more memory than
# rustc has on a 23 GB machine (past 16 GB when stopped). So the server is a workspace: one
# library crate per folder (each with the build.rs `krest new` writes, `include!`ing its
# types) and the `krest new` binary, registering every library's kinds in one server.
#
#   bash scripts/corpus.sh                      # the whole corpus (173 CRDs)
#   bash scripts/corpus.sh metallb flux         # these projects only (`top`: the seven
#                                               # CRDs of codegen/tests/crds itself)
#   PROFILE=release bash scripts/corpus.sh      # an optimized build
#
# The generated crate is built in CORPUS_TARGET (default: the workspace's target folder,
# CARGO_TARGET_DIR or ./target), so krest's own dependencies are compiled once; the compile
# time printed is the generated crate's alone when they already are (the script builds them
# first, untimed). Needs kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PROFILE=${PROFILE:-debug}
TARGET=${CORPUS_TARGET:-${CARGO_TARGET_DIR:-$ROOT/target}}
case "$TARGET" in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
release=()
[ "$PROFILE" = release ] && release=(--release)

# The schemas, flat, each project's prefixed with its folder; `top` is the seven files of
# codegen/tests/crds itself.
mkdir -p "$WORK/schemas"
if [ "$#" -eq 0 ]; then
  set -- top $(cd codegen/tests/crds/corpus && ls -d */ | tr -d /)
fi
for project in "$@"; do
  if [ "$project" = top ]; then
    cp codegen/tests/crds/*.yaml "$WORK/schemas/"
    continue
  fi
  for file in codegen/tests/crds/corpus/"$project"/*.yaml; do
    cp "$file" "$WORK/schemas/$project--$(basename "$file")"
  done
done
crds=$(cat "$WORK"/schemas/*.yaml | grep -c '^kind: CustomResourceDefinition')
echo "corpus: $crds CRDs in $(ls "$WORK/schemas" | wc -l) files of $# folder(s): $*"

export CARGO_TARGET_DIR=$TARGET
# A one-shot build: incremental caches only cost memory and disk.
export CARGO_INCREMENTAL=0
cargo build --quiet -p krest-codegen --features cli --bin krest
KREST=$TARGET/debug/krest

# Generation: the Rust a build script writes, timed on its own.
ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(ms)
"$KREST" generate --schemas "$WORK/schemas" --out "$WORK/generated" 2>"$WORK/generate.log"
gen_ms=$(($(ms) - start))
warnings=$(grep -c '^krest: warning' "$WORK/generate.log" || true)
echo "generation: $warnings warning(s) (krest routes prints them)"
lines=$(cat "$WORK"/generated/*.rs | wc -l)

# The server: `krest new` over the whole corpus for its main.rs, its types moved to a library
# per folder.
"$KREST" new corpus-server --schemas "$WORK/schemas" --out "$WORK/ws/corpus-server" 2>/dev/null
server=$WORK/ws/corpus-server
rm -rf "$server/build.rs" "$server/schemas"
python3 - "$server" "$@" <<'PY'
import pathlib, re, sys
server, folders = pathlib.Path(sys.argv[1]), sys.argv[2:]
crates = ["corpus_" + f.replace("-", "_") for f in folders]
toml = (server / "Cargo.toml").read_text()
toml = re.sub(r"\n\[build-dependencies\]\n[^\n]*\n", "\n", toml)
toml = re.sub(r"\n# A workspace of its own[^\n]*\n\[workspace\]\n?", "\n", toml)
deps = "".join(f'corpus-{f} = {{ path = "../{f}" }}\n' for f in folders)
toml = toml.replace("[dependencies]\n", "[dependencies]\n" + deps)
(server / "Cargo.toml").write_text(toml)
main = (server / "src/main.rs").read_text()
shim = (
    "/// Every folder's kinds.\n"
    "fn register(builder: krest::ServerBuilder) -> krest::ServerBuilder {\n"
    + "".join(f"    let builder = {c}::register(builder);\n" for c in crates)
    + "    builder\n}\n\n"
    "/// Every folder's route tables.\n"
    "static ROUTES: std::sync::LazyLock<Vec<&'static [krest::Route]>> =\n"
    "    std::sync::LazyLock::new(|| [" + ", ".join(f"{c}::ROUTES" for c in crates) + "].concat());\n"
)
main = main.replace('include!(concat!(env!("OUT_DIR"), "/mod.rs"));\n', shim)
(server / "src/main.rs").write_text(main)
PY
for project in "$@"; do
  crate=$WORK/ws/$project
  mkdir -p "$crate/src" "$crate/schemas"
  if [ "$project" = top ]; then
    cp codegen/tests/crds/*.yaml "$crate/schemas/"
  else
    cp codegen/tests/crds/corpus/"$project"/*.yaml "$crate/schemas/"
  fi
  cat >"$crate/Cargo.toml" <<T
[package]
name = "corpus-$project"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
krest = { path = "$ROOT/runtime" }
serde = { version = "1", features = ["derive"] }
serde_json = "1"

[build-dependencies]
krest-codegen = { path = "$ROOT/codegen", features = ["generate"] }
T
  cat >"$crate/build.rs" <<'T'
fn main() -> Result<(), Box<dyn std::error::Error>> {
    krest_codegen::Builder::new()
        .schemas("schemas")
        .out_dir(std::env::var("OUT_DIR")?)
        .generate()?;
    Ok(())
}
T
  echo 'include!(concat!(env!("OUT_DIR"), "/mod.rs"));' >"$crate/src/lib.rs"
done
{
  echo '[workspace]'
  echo 'resolver = "2"'
  printf 'members = ["corpus-server"'
  for project in "$@"; do printf ', "%s"' "$project"; done
  echo ']'
  # Generated code without debug info: half the memory and time of rustc.
  for project in "$@"; do printf '\n[profile.dev.package.corpus-%s]\ndebug = 0\n' "$project"; done
} >"$WORK/ws/Cargo.toml"
cp Cargo.lock "$WORK/ws/Cargo.lock"
# krest's own dependencies first, untimed: the build of a one-kind crate in the same folder.
"$KREST" new corpus-deps --schemas codegen/tests/crds/cert-manager.io_issuers.yaml \
  --out "$WORK/corpus-deps" 2>/dev/null
cp Cargo.lock "$WORK/corpus-deps/Cargo.lock"
cargo build --quiet "${release[@]}" --manifest-path "$WORK/corpus-deps/Cargo.toml"

start=$(ms)
cargo build --quiet "${release[@]}" --manifest-path "$WORK/ws/Cargo.toml"
build_ms=$(($(ms) - start))
binary=$TARGET/$PROFILE/corpus-server
size=$(stat -c %s "$binary")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$binary" --listen "127.0.0.1:$port" --store memory --authorization-mode=AlwaysAllow \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
k() { HOME=$WORK KUBECONFIG=$WORK/none kubectl --server "http://127.0.0.1:$port" "$@"; }

# Every served version of every kind, by its full name (`plural.version.group`), listed in
# every namespace: the list routes without `{namespace}` that `krest routes` prints.
listed=0
failed=0
while read -r group version plural; do
  if k get "$plural.$version.$group" --all-namespaces >/dev/null 2>"$WORK/kubectl.err"; then
    listed=$((listed + 1))
  else
    failed=$((failed + 1))
    echo "kubectl get $plural.$version.$group failed: $(cat "$WORK/kubectl.err")"
  fi
done < <("$KREST" routes "$WORK/schemas" 2>/dev/null |
  awk '$3 == "list" && $2 !~ /[{]namespace[}]/ { split($2, p, "/"); print p[3], p[4], p[5] }')
kinds=$(k api-resources --no-headers | wc -l)
echo "kubectl: $listed kind versions listed, $failed failed; api-resources: $kinds resources"
echo "figures ($PROFILE): $crds CRDs, generation $((gen_ms / 1000)).$((gen_ms % 1000 / 100)) s ($lines lines of Rust), compile $((build_ms / 1000)) s, binary $((size / 1048576)) MiB ($size bytes)"
# Each CRD is one resource of kubectl's discovery (its preferred version), and each listed.
[ "$failed" -eq 0 ] && [ "$kinds" -ge "$crds" ] && [ "$listed" -ge "$crds" ]
