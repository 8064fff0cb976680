//! Selector errors through the handlers, without sockets: every invalid label or field selector
//! is a 400 BadRequest Status saying what is wrong, on list, watch and deletecollection alike,
//! and nothing is deleted.

mod common;

use common::*;

/// Bad selectors (URL-encoded) and the start of the message each gets.
const CASES: [(&str, &str); 7] = [
    (
        "labelSelector=a%20in%20(",
        "unable to parse requirement: found '', expected: ',', ')' or identifier",
    ),
    (
        "labelSelector=a%3E-1",
        "unable to parse requirement: values[0][a]: Invalid value: \"-1\"",
    ),
    (
        "labelSelector=-a%3Db",
        "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of",
    ),
    (
        "fieldSelector=metadata.name",
        "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    ),
    (
        "fieldSelector=spec.color%3Dred",
        "field label not supported: spec.color",
    ),
    (
        "fieldSelector=a%3Db%5Cx",
        "invalid field selector: invalid escape sequence: \\x",
    ),
    (
        "fieldSelector=a%3Db%3Dc",
        "invalid field selector: unescaped character in value: 61",
    ),
];

#[tokio::test]
async fn bad_selectors_are_bad_requests_everywhere() {
    let s = server();
    json(&s, "POST", WIDGETS, widget("a", "red", 1)).await;
    for (query, message) in CASES {
        for (method, uri) in [
            ("GET", format!("{WIDGETS}?{query}")),
            ("GET", format!("{WIDGETS}?watch=true&{query}")),
            ("GET", format!("/apis/demo.krest.dev/v1/widgets?{query}")),
            ("DELETE", format!("{WIDGETS}?{query}")),
        ] {
            let r = send(&s, method, &uri, &[], None).await;
            assert_eq!(
                (r.code, r.reason()),
                (400, "BadRequest"),
                "{method} {uri}: {}",
                r.text
            );
            let text = r.body["message"].as_str().unwrap();
            assert!(text.starts_with(message), "{method} {uri}: {text}");
        }
    }
    assert_eq!(
        get(&s, &format!("{WIDGETS}/a")).await.code,
        200,
        "nothing was deleted"
    );
}

#[tokio::test]
async fn namespace_fields_only_for_namespaced_kinds() {
    let s = server();
    let r = get(
        &s,
        "/apis/demo.krest.dev/v1/widgets?fieldSelector=metadata.namespace%3Ddefault",
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    let r = get(
        &s,
        &format!("{GADGETS}?fieldSelector=metadata.namespace%3Dx"),
    )
    .await;
    assert_eq!((r.code, r.reason()), (400, "BadRequest"));
    assert_eq!(
        r.body["message"],
        "field label not supported: metadata.namespace"
    );
}
