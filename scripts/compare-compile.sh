#!/usr/bin/env bash
# The compile cost of N derived kinds against two krest checkouts, side by side: a crate like
# scripts/bench.sh's compile stage writes (N kinds as the example's Widget: namespaced, status,
# scale, JsonSchema, all served), built in release against each checkout in interleaved rounds.
# Prints, per build: the crate's clean build time, an incremental rebuild, the binary's size.
#
#   ROUNDS=2 bash scripts/compare-compile.sh OLD_CHECKOUT NEW_CHECKOUT [N]
#
# Dependencies are built once into a shared target folder (COMPILE_TARGET, default
# /tmp/krest-compare-compile) before anything is timed.
set -euo pipefail
OLD=$(cd "$1" && pwd); NEW=$(cd "$2" && pwd); N=${3:-50}; ROUNDS=${ROUNDS:-2}
CT=${COMPILE_TARGET:-/tmp/krest-compare-compile}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
make_crate() { # ROOT LABEL
  local dir=$WORK/$2
  mkdir -p "$dir/src"
  cp "$1/Cargo.lock" "$dir/Cargo.lock"
  cat > "$dir/Cargo.toml" <<T
[package]
name = "compile-kinds-$2"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
krest = { path = "$1/runtime" }
serde = { version = "1", features = ["derive"] }
tokio = { version = "1", features = ["rt-multi-thread"] }

[workspace]
T
  {
    echo "#[derive(krest::JsonSchema, Clone, Debug, Default, serde::Serialize, serde::Deserialize)]"
    echo "#[schemars(crate = \"krest::schemars\")]"
    echo "pub struct KindStatus { pub ready_replicas: i32 }"
    for i in $(seq 1 "$N"); do cat <<T
#[derive(krest::Resource, krest::JsonSchema, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[schemars(crate = "krest::schemars")]
#[resource(group = "group$((i / 10)).bench.krest.dev", version = "v1", kind = "Kind$i", namespaced, status = KindStatus,
  scale(spec_replicas = ".spec.replicas", status_replicas = ".status.readyReplicas"))]
pub struct Kind${i}Spec { pub color: String, pub replicas: i32 }
T
    done
    echo "fn main() {"
    echo "    let builder = krest::Server::builder().namespaces();"
    for i in $(seq 1 "$N"); do echo "    let builder = builder.resource::<Kind$i>();"; done
    echo "    let server = builder.build().expect(\"routes\");"
    echo "    if std::env::var_os(\"SERVE\").is_some() {"
    echo "        let rt = tokio::runtime::Runtime::new().unwrap();"
    echo "        rt.block_on(server.serve(\"127.0.0.1:0\".parse().unwrap(), krest::shutdown_signal())).unwrap();"
    echo "    }"
    echo "}"
  } > "$dir/src/main.rs"
  # Everything it depends on, untimed.
  cargo build -q --release --manifest-path "$dir/Cargo.toml" --target-dir "$CT"
}
secs() { # LABEL
  local s e
  s=$(date +%s.%N)
  cargo build -q --release --manifest-path "$WORK/$1/Cargo.toml" --target-dir "$CT"
  e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN {printf "%.1f", e - s}'
}
measure() { # LABEL
  cargo clean -q --release --manifest-path "$WORK/$1/Cargo.toml" --target-dir "$CT" -p "compile-kinds-$1"
  local clean incremental
  clean=$(secs "$1")
  echo "// touched" >> "$WORK/$1/src/main.rs"
  incremental=$(secs "$1")
  echo "$1 kinds=$N clean_s=$clean incremental_s=$incremental binary_bytes=$(stat -c %s "$CT/release/compile-kinds-$1") load=$(cut -d' ' -f1 /proc/loadavg)"
}
make_crate "$OLD" old
make_crate "$NEW" new
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then measure old; measure new; else measure new; measure old; fi
done
