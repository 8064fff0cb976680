//! The paths real CRDs print, and client-go's evaluation rules.

use serde_json::{json, Value};

use super::{print, JsonPath};

fn find(path: &str, value: &Value) -> Vec<Value> {
    JsonPath::parse(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .find(value)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .into_iter()
        .cloned()
        .collect()
}

fn certificate() -> Value {
    json!({
        "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web", "tier": "front"}},
        "spec": {"secretName": "web-tls", "dnsNames": ["a.example", "b.example", "c.example"]},
        "status": {
            "conditions": [
                {"type": "Issuing", "status": "False", "observedGeneration": 1},
                {"type": "Ready", "status": "True", "message": "Certificate is up to date", "observedGeneration": 2},
            ],
            "notAfter": "2027-01-01T00:00:00Z",
        },
    })
}

#[test]
fn filters_pick_the_condition() {
    let c = certificate();
    // cert-manager's READY and STATUS columns.
    assert_eq!(
        find(".status.conditions[?(@.type==\"Ready\")].status", &c),
        [json!("True")]
    );
    assert_eq!(
        find(".status.conditions[?(@.type=='Ready')].message", &c),
        [json!("Certificate is up to date")]
    );
    assert_eq!(
        find(".status.conditions[?(@.type!=\"Ready\")].type", &c),
        [json!("Issuing")]
    );
    assert_eq!(
        find(".status.conditions[?(@.observedGeneration>1)].type", &c),
        [json!("Ready")]
    );
    assert_eq!(
        find(".status.conditions[?(@.observedGeneration<=1)].type", &c),
        [json!("Issuing")]
    );
    assert_eq!(
        find(".status.conditions[?(@.message)].type", &c),
        [json!("Ready")]
    );
    assert!(find(".status.conditions[?(@.type==\"Gone\")].status", &c).is_empty());
    // A string compared with a number is an error in client-go (and an empty cell).
    let path = JsonPath::parse(".status.conditions[?(@.type==1)].status").unwrap();
    assert!(path.find(&c).is_err());
    // An integer compared with a float is too (Go's template comparison).
    let path = JsonPath::parse(".status.conditions[?(@.observedGeneration==1.0)].type").unwrap();
    assert!(path.find(&c).is_err());
}

#[test]
fn wildcards_indexes_and_slices() {
    let c = certificate();
    let names = [json!("a.example"), json!("b.example"), json!("c.example")];
    assert_eq!(find(".spec.dnsNames[*]", &c), names);
    assert_eq!(find(".spec.dnsNames[0]", &c), names[..1]);
    assert_eq!(find(".spec.dnsNames[-1]", &c), names[2..]);
    assert_eq!(find(".spec.dnsNames[1:]", &c), names[1..]);
    assert_eq!(find(".spec.dnsNames[:2]", &c), names[..2]);
    assert_eq!(
        find(".spec.dnsNames[::2]", &c),
        [names[0].clone(), names[2].clone()]
    );
    assert_eq!(
        find(".status.conditions[*].type", &c),
        [json!("Issuing"), json!("Ready")]
    );
    assert_eq!(
        find(".metadata.labels.*", &c),
        [json!("web"), json!("front")]
    );
    assert_eq!(find("{.metadata.name}", &c), [json!("web")]);
    assert_eq!(find("$.metadata.name", &c), [json!("web")]);
    // Out of range is client-go's error; a missing key is no result.
    assert!(JsonPath::parse(".spec.dnsNames[3]")
        .unwrap()
        .find(&c)
        .is_err());
    assert!(find(".spec.missing[0]", &c).is_empty());
    assert!(find(".spec.secretName.deeper", &c).is_empty());
}

#[test]
fn keys_with_dots_and_unions() {
    let c = certificate();
    assert_eq!(
        find(".metadata.labels['app.kubernetes.io/name']", &c),
        [json!("web")]
    );
    assert_eq!(
        find(".metadata.labels.app\\.kubernetes\\.io/name", &c),
        [json!("web")]
    );
    assert_eq!(
        find(".metadata.labels['tier','app.kubernetes.io/name']", &c),
        [json!("front"), json!("web")]
    );
}

#[test]
fn recursive_descent_finds_every_level() {
    let c = certificate();
    assert_eq!(
        find("..observedGeneration", &c),
        [json!(1), json!(2)],
        "both conditions, depth first"
    );
    assert_eq!(find("..secretName", &c), [json!("web-tls")]);
    assert_eq!(
        find(".status..type", &c),
        [json!("Issuing"), json!("Ready")]
    );
}

#[test]
fn bad_paths_do_not_parse() {
    for bad in [
        ".spec[",
        ".spec.dnsNames[?(@.a==)]",
        ".spec['unclosed]",
        ".a[1:2:3:4]",
        ".a[x]",
    ] {
        assert!(JsonPath::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn values_print_as_client_go_prints_them() {
    assert_eq!(print(&json!("text")).as_deref(), Some("text"));
    assert_eq!(print(&json!(3)).as_deref(), Some("3"));
    assert_eq!(print(&json!(2.5)).as_deref(), Some("2.5"));
    assert_eq!(print(&json!(1234567.5)).as_deref(), Some("1.2345675e+06"));
    assert_eq!(print(&json!(0.00001)).as_deref(), Some("1e-05"));
    assert_eq!(print(&json!(true)).as_deref(), Some("true"));
    assert_eq!(print(&json!(null)), None);
    assert_eq!(
        print(&json!({"b": [1, "<x>"], "a": "&"})).as_deref(),
        Some("{\"a\":\"\\u0026\",\"b\":[1,\"\\u003cx\\u003e\"]}")
    );
}
