//! The fuzz targets on stable `cargo test`: every seed of every `fuzz/corpus/<target>/` replayed
//! through the target's entry point in `krest::fuzzing`, then a bounded number of random,
//! mutated and token-built inputs per target (`proptest`, seeded, so a run is reproducible).
//! The entry points assert the invariants; cargo-fuzz (`scripts/fuzz.sh`) explores further.
//!
//! `FUZZ_CASES=N` changes how many generated inputs each target gets.

use std::path::{Path, PathBuf};

use krest::fuzzing::TARGETS;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Generated inputs per target, unless `FUZZ_CASES` says otherwise.
const CASES: u32 = 2000;
/// Targets that build a server per input get fewer: a debug build spends some 35 ms building
/// one (most of it hashing the OpenAPI documents with an unoptimized SHA-512).
const SERVER_CASES: u32 = 120;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

/// The seeds of `target`, sorted by file name.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_root().join(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.display().to_string(), bytes)
        })
        .collect();
    seeds.sort();
    seeds
}

fn entry_point(target: &str) -> krest::fuzzing::Entry {
    TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, entry)| *entry)
        .unwrap_or_else(|| panic!("no fuzz target {target}"))
}

#[test]
fn every_target_has_a_corpus_and_a_fuzz_target() {
    let root = corpus_root();
    let mut dirs: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    dirs.sort();
    let mut targets: Vec<String> = TARGETS.iter().map(|(name, _)| name.to_string()).collect();
    targets.sort();
    assert_eq!(dirs, targets, "fuzz/corpus/ and krest::fuzzing::TARGETS");
    for target in &targets {
        let source = root.join(format!("../fuzz_targets/{target}.rs"));
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(
            text.contains(&format!("krest::fuzzing::{target}(")),
            "{} calls another entry point",
            source.display()
        );
        let count = seeds(target).len();
        assert!((1..=40).contains(&count), "{target} has {count} seeds");
    }
}

/// Replays the corpus, then `cases` generated inputs.
fn fuzz(target: &str, cases: u32, dictionary: &'static [&'static str]) {
    let entry = entry_point(target);
    let seeds = seeds(target);
    for (path, bytes) in &seeds {
        eprintln!("replaying {path}");
        entry(bytes);
    }
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let seeds: Vec<Vec<u8>> = seeds.into_iter().map(|(_, bytes)| bytes).collect();
    let strategy = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        mutated(seeds.clone(), dictionary),
        tokens(dictionary),
        // A seed, then a mutated seed: splices like libFuzzer's CrossOver.
        (proptest::sample::select(seeds), tokens(dictionary)).prop_map(|(mut a, b)| {
            a.extend(b);
            a
        }),
    ];
    let result = runner.run(&strategy, |input| {
        entry(&input);
        Ok(())
    });
    if let Err(e) = result {
        panic!("fuzz target {target}: {e}");
    }
}

/// One edit of a seed.
#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, u8),
    Remove(usize),
    Replace(usize, u8),
    Token(usize, &'static str),
    Truncate(usize),
}

/// A seed with a few edits: bytes inserted, removed or replaced, dictionary tokens inserted.
fn mutated(seeds: Vec<Vec<u8>>, dictionary: &'static [&'static str]) -> BoxedStrategy<Vec<u8>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), proptest::sample::select(dictionary))
            .prop_map(|(at, t)| Edit::Token(at, t)),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    (
        proptest::sample::select(seeds),
        proptest::collection::vec(edit, 1..6),
    )
        .prop_map(|(mut bytes, edits)| {
            for edit in edits {
                let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
                match edit {
                    Edit::Insert(i, b) => bytes.insert(at(i, bytes.len() + 1), b),
                    Edit::Remove(i) if !bytes.is_empty() => {
                        bytes.remove(at(i, bytes.len()));
                    }
                    Edit::Replace(i, b) if !bytes.is_empty() => {
                        let i = at(i, bytes.len());
                        bytes[i] = b;
                    }
                    Edit::Token(i, token) => {
                        let i = at(i, bytes.len() + 1);
                        bytes.splice(i..i, token.bytes());
                    }
                    Edit::Truncate(i) => bytes.truncate(at(i, bytes.len() + 1)),
                    _ => {}
                }
            }
            bytes
        })
        .boxed()
}

/// A sequence of dictionary tokens.
fn tokens(dictionary: &'static [&'static str]) -> BoxedStrategy<Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(dictionary), 0..24)
        .prop_map(|tokens| tokens.concat().into_bytes())
        .boxed()
}

const PATH_TOKENS: &[&str] = &[
    "GET ",
    "HEAD ",
    "POST ",
    "PUT ",
    "PATCH ",
    "DELETE ",
    "OPTIONS ",
    "BREW ",
    "/",
    "/",
    "/",
    "api",
    "apis",
    "v1",
    "demo.krest.dev",
    "namespaces",
    "default",
    "kube-system",
    "widgets",
    "gadgets",
    "w1",
    "g1",
    "status",
    "scale",
    "watch",
    "proxy",
    "openapi",
    "v3",
    "healthz",
    "?",
    "&",
    "=",
    "watch=true",
    "limit=1",
    "%2F",
    "%",
    "..",
    ".",
    "//",
    "\u{e9}",
    "{name}",
    "*",
    " ",
];

const HTTP_TOKENS: &[&str] = &[
    "GET ",
    "POST ",
    "PUT ",
    "PATCH ",
    "DELETE ",
    "HEAD ",
    "/api/v1/namespaces",
    "/api/v1/namespaces/default",
    "/apis/demo.krest.dev/v1/namespaces/default/widgets",
    "/w1",
    "/status",
    "/scale",
    "/apis/demo.krest.dev/v1/gadgets/g1",
    "/apis",
    "/api",
    "/openapi/v3",
    "/watch",
    "?watch=true",
    "?labelSelector=app%3Dweb",
    "&fieldSelector=metadata.name%3Dw1",
    "&limit=1",
    "&dryRun=All",
    "&fieldValidation=Strict",
    "&resourceVersion=1",
    "&pretty=true",
    "\nContent-Type: application/json",
    "\nContent-Type: application/yaml",
    "\nContent-Type: application/merge-patch+json",
    "\nContent-Type: application/json-patch+json",
    "\nContent-Type: application/strategic-merge-patch+json",
    "\nContent-Type: application/vnd.kubernetes.protobuf",
    "\nAccept: application/json;as=Table;v=v1;g=meta.k8s.io",
    "\nAccept: application/yaml",
    "\n\n",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"metadata\"",
    "\"name\"",
    "\"w1\"",
    "\"spec\"",
    "\"color\"",
    "\"replicas\"",
    "\"status\"",
    "\"finalizers\"",
    "\"op\"",
    "\"add\"",
    "\"path\"",
    "\"value\"",
    "null",
    "1",
    "-1",
    "\"x\"",
];

const BODY_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\"a\"",
    "\"metadata\"",
    "\"name\"",
    "\"spec\"",
    "\"$patch\"",
    "\"replace\"",
    "\"delete\"",
    "\"$retainKeys\"",
    "\"$deleteFromPrimitiveList/finalizers\"",
    "\"finalizers\"",
    "\"ownerReferences\"",
    "\"uid\"",
    "\"op\"",
    "\"add\"",
    "\"remove\"",
    "\"move\"",
    "\"copy\"",
    "\"test\"",
    "\"from\"",
    "\"path\"",
    "\"/spec/color\"",
    "\"/metadata/labels/a~1b\"",
    "\"/-\"",
    "\"value\"",
    "null",
    "true",
    "0",
    "-1",
    "1e400",
    "1.5",
    "18446744073709551616",
    "\\u0000",
    "\\ud800",
    "\n",
    "- ",
    ": ",
    "&a ",
    "*a",
    "!!str ",
    "---\n",
    "... ",
    "? ",
    "|\n  ",
    "k8s\u{0}",
    "\u{a}\u{2}",
    "\u{12}",
    "\u{1a}",
    "\u{8}",
];

const SELECTOR_TOKENS: &[&str] = &[
    "a",
    "app",
    "tier",
    "example.com/",
    "x",
    "web",
    "1",
    "metadata.name",
    "metadata.namespace",
    "spec.replicas",
    "=",
    "==",
    "!=",
    "!",
    ",",
    " ",
    "in",
    "notin",
    "(",
    ")",
    ">",
    "<",
    "\\",
    "\\,",
    "\\=",
    "-",
    ".",
    "_",
    "\t",
    "\u{e9}",
];

const TOKEN_TOKENS: &[&str] = &[
    "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6",
    "MSwic3RhcnQiOiJ3Mlx1MDAwMCJ9",
    "=",
    "-",
    "_",
    "+",
    "/",
    "A",
    "a",
    "0",
    "{\"v\":\"meta.k8s.io/v1\",\"rv\":",
    "1",
    "\"start\":\"",
    "..",
    "\"}",
    ",",
    "%",
];

#[test]
fn request_path() {
    fuzz("request_path", CASES, PATH_TOKENS);
}

#[test]
fn server_request() {
    fuzz("server_request", SERVER_CASES, HTTP_TOKENS);
}

#[test]
fn body_decode() {
    fuzz("body_decode", CASES, BODY_TOKENS);
}

#[test]
fn label_selector() {
    fuzz("label_selector", CASES, SELECTOR_TOKENS);
}

#[test]
fn field_selector() {
    fuzz("field_selector", CASES, SELECTOR_TOKENS);
}

#[test]
fn continue_token() {
    fuzz("continue_token", SERVER_CASES, TOKEN_TOKENS);
}

#[test]
fn json_patch() {
    fuzz("json_patch", SERVER_CASES, BODY_TOKENS);
}

/// The operation limit, with inputs too big for a corpus: 10,000 operations are applied,
/// 10,001 refused.
#[test]
fn json_patch_operation_limit() {
    let op = r#"{"op":"test","path":"/kind","value":"Widget"}"#;
    for (count, code) in [(10_000, 200), (10_001, 413)] {
        let body = format!("[{}]", vec![op; count].join(","));
        assert_eq!(
            krest::fuzzing::patch_widget(body.as_bytes()),
            code,
            "{count}"
        );
    }
}
