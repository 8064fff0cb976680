//! Hygiene: the derive's output names everything by absolute path, so it compiles in a module
//! that shadows the prelude's `Result`, `Ok`, `Err`, `Option`, `Some`, `None`, `Vec`, `String`
//! and `Box` (as serde's `test_gen.rs` does for serde_derive).

mod shadowed {
    #![allow(dead_code)]

    use krest::{JsonSchema, Resource};
    use serde::{Deserialize, Serialize};

    // Each name is a type that takes no parameters and is not callable as a variant, so any
    // unqualified use in generated code (`Result<T, E>`, `Ok(x)`, `Option<T>`, `Some(x)`,
    // `None`, `Vec<T>`, `String::new()`, `Box::pin(..)`) fails to compile.
    pub struct Result;
    pub struct Ok;
    pub struct Err;
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Vec;
    pub struct String;
    pub struct Box;

    /// A namespaced kind using every part of the derive: status, scale, printer columns and a
    /// connect subresource.
    #[derive(Resource, JsonSchema, Clone, Debug, Serialize, Deserialize)]
    #[resource(
        group = "demo.krest.dev",
        version = "v1",
        namespaced,
        short_names("wd"),
        categories("all"),
        status = WidgetStatus,
        scale(
            spec_replicas = ".spec.replicas",
            status_replicas = ".status.readyReplicas",
            label_selector = ".status.selector"
        ),
        printer_column(name = "Replicas", type = "integer", json_path = ".spec.replicas"),
        subresource(name = "logs", methods(GET), subpath, handler = logs)
    )]
    pub struct WidgetSpec {
        pub color: ::std::string::String,
        pub replicas: i32,
        pub tags: ::std::vec::Vec<::std::string::String>,
        pub size: ::core::option::Option<::std::string::String>,
    }

    #[derive(JsonSchema, Clone, Debug, Default, Serialize, Deserialize)]
    pub struct WidgetStatus {
        pub ready_replicas: i32,
        pub selector: ::core::option::Option<::std::string::String>,
    }

    /// A cluster-scoped kind without status, whose schema comes from a function (as for kinds
    /// generated from a CRD), so it needs no `JsonSchema`.
    #[derive(Resource, Clone, Debug, Serialize, Deserialize)]
    #[resource(group = "demo.krest.dev", version = "v1", cluster, schema = gadget_schema)]
    pub struct GadgetSpec {
        pub vendor: ::std::string::String,
    }

    fn gadget_schema() -> serde_json::Value {
        serde_json::json!({"type": "object", "properties": {"spec": {"type": "object"}}})
    }

    async fn logs(
        _call: krest::Call,
    ) -> ::core::result::Result<::http::Response<krest::Body>, krest::Status> {
        ::core::unimplemented!("never called: the test only needs the route table")
    }
}

use krest::Resource;
use shadowed::{Gadget, GadgetSpec, Widget, WidgetSpec, WidgetStatus};

#[test]
fn generated_code_works_in_a_shadowing_module() {
    let mut widget = Widget::new(
        "a",
        WidgetSpec {
            color: "red".into(),
            replicas: 2,
            tags: vec!["x".into()],
            size: None,
        },
    );
    widget.status = Some(WidgetStatus {
        ready_replicas: 1,
        selector: None,
    });
    let json = serde_json::to_value(&widget).unwrap();
    assert_eq!(json["apiVersion"], "demo.krest.dev/v1");
    assert_eq!(json["kind"], "Widget");
    assert_eq!(json["status"]["ready_replicas"], 1);
    let back: Widget = serde_json::from_value(json).unwrap();
    assert_eq!(back.spec.color, "red");
    assert_eq!(back.status.map(|s| s.ready_replicas), Some(1));

    // 11 for the resource, 3 each for status and scale, 1 + 1 (subpath) for `logs`.
    assert_eq!(Widget::ROUTES.len(), 19);
    assert!(Widget::MODEL.status && Widget::MODEL.scale.is_some());

    let gadget = Gadget::new(
        "g",
        GadgetSpec {
            vendor: "acme".into(),
        },
    );
    let json = serde_json::to_value(&gadget).unwrap();
    assert!(json.get("status").is_none());
    assert_eq!(Gadget::ROUTES.len(), 9);

    let schema = Widget::schema();
    assert_eq!(
        schema["properties"]["spec"]["properties"]["tags"]["type"],
        "array"
    );
    assert_eq!(
        schema["properties"]["status"]["properties"]["ready_replicas"]["format"],
        "int32"
    );
    assert_eq!(Gadget::schema()["properties"]["spec"]["type"], "object");
}
