//! YAML request and response bodies (`application/yaml`), through serde-saphyr, with limits
//! that make alias bombs and deep nesting fail fast instead of eating the server.

use serde_json::Value;

/// The deepest YAML nesting accepted (serde_json's own limit is 128). serde-saphyr recurses once
/// per level, about 21 KiB a level in a debug build (5 KiB in release): at 100 levels a debug
/// build overflowed a tokio worker's 2 MiB stack, which aborts the whole server. 64 leaves room.
const MAX_DEPTH: usize = 64;
/// At most this many aliases (`*ref`) in a body, and this many events replayed from them.
const MAX_ALIASES: usize = 100;
const MAX_REPLAYED_EVENTS: usize = 10_000;
/// No more scalar text than a request body may hold.
const MAX_SCALAR_BYTES: usize = 3 * 1024 * 1024;

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = MAX_SCALAR_BYTES;
    let mut limits = serde_saphyr::options::AliasLimits::default();
    limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    limits.max_replay_stack_depth = 16;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits = limits;
    options.with_snippet = false;
    // YAML 1.2 core: `y`, `yes`, `on` stay strings (a widget named `y` is not `true`).
    options.strict_booleans = true;
    options
}

/// Parses one YAML document into JSON.
pub(crate) fn from_slice(bytes: &[u8]) -> Result<Value, String> {
    serde_saphyr::from_slice_with_options::<Value>(bytes, options()).map_err(|e| e.to_string())
}

/// Writes a JSON value as a YAML document.
pub(crate) fn to_string(value: &Value) -> Result<String, String> {
    serde_saphyr::to_string(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let value = json!({"apiVersion": "demo.krest.dev/v1", "metadata": {"name": "y", "labels": {"x": "1", "on": "no"}}, "spec": {"replicas": 2, "ports": [80, 443], "on": true, "note": null, "ratio": 0.5}});
        let text = to_string(&value).unwrap();
        assert!(text.contains("apiVersion: demo.krest.dev/v1"), "{text}");
        assert_eq!(from_slice(text.as_bytes()).unwrap(), value);
        assert_eq!(
            from_slice(b"name: y\nflag: yes\nother: True\n").unwrap(),
            json!({"name": "y", "flag": "yes", "other": true})
        );
    }

    #[test]
    fn limits() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        assert!(from_slice(bomb.as_bytes()).is_err());
        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        assert!(from_slice(deep.as_bytes()).is_err());
        assert!(from_slice(b"a: 1\n---\nb: 2\n").is_err());
        assert!(from_slice(b"a: [1, 2").is_err());
        assert!(from_slice(&[0xff, 0xfe]).is_err());
    }

    /// Found by `fuzz/` (`body_decode`): nesting just under the old limit of 100 overflowed the
    /// stack of a debug build. Run on a thread with a tokio worker's stack.
    #[test]
    fn deepest_nesting_fits_a_worker_stack() {
        let nested = |depth: usize| {
            let flow = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let block: String = (0..depth)
                .map(|i| format!("{}- ", "  ".repeat(i)))
                .collect();
            [flow, block + "x\n"]
        };
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                for text in nested(MAX_DEPTH) {
                    assert!(from_slice(text.as_bytes()).is_ok(), "{text}");
                }
                for depth in [MAX_DEPTH + 1, 99, 1000] {
                    for text in nested(depth) {
                        assert!(from_slice(text.as_bytes()).is_err(), "{depth}");
                    }
                }
            })
            .expect("a thread")
            .join()
            .expect("no stack overflow");
    }
}
