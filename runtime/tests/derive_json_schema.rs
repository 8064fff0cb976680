//! `#[derive(krest::JsonSchema)]` needs no `#[schemars(crate = "krest::schemars")]` in a crate
//! that depends on krest alone, and derives exactly the schema schemars' own derive does: the
//! same properties, doc comments, attributes, definition names and ids.

/// The types with krest's derive and nothing else.
mod plain {
    use krest::{JsonSchema, Resource};
    use serde::{Deserialize, Serialize};

    /// The desired state of a widget.
    #[derive(Resource, JsonSchema, Clone, Debug, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[resource(group = "demo.krest.dev", version = "v1", status = WidgetStatus)]
    pub struct WidgetSpec {
        /// Never negative.
        #[schemars(range(min = 0))]
        pub ready_replicas: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub part: Option<Part>,
        pub shape: Shape,
    }

    /// A part.
    #[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
    pub struct Part {
        pub name: String,
    }

    /// A shape.
    #[derive(JsonSchema, Clone, Debug, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Shape {
        Round,
        Square,
    }

    #[derive(JsonSchema, Clone, Debug, Default, Serialize, Deserialize)]
    pub struct WidgetStatus {
        pub ready: bool,
    }
}

/// The same types with schemars' own derive and the attribute it needs.
mod explicit {
    use krest::schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// The desired state of a widget.
    #[derive(JsonSchema, Serialize, Deserialize)]
    #[schemars(crate = "krest::schemars")]
    #[serde(rename_all = "camelCase")]
    pub struct WidgetSpec {
        /// Never negative.
        #[schemars(range(min = 0))]
        pub ready_replicas: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub part: Option<Part>,
        pub shape: Shape,
    }

    /// A part.
    #[derive(JsonSchema, Serialize, Deserialize)]
    #[schemars(crate = "krest::schemars")]
    pub struct Part {
        pub name: String,
    }

    /// A shape.
    #[derive(JsonSchema, Serialize, Deserialize)]
    #[schemars(crate = "krest::schemars")]
    #[serde(rename_all = "lowercase")]
    pub enum Shape {
        Round,
        Square,
    }
}

#[test]
fn the_schema_is_schemars_own() {
    use krest::schemars::{schema_for, JsonSchema};
    assert_eq!(
        schema_for!(plain::WidgetSpec).as_value(),
        schema_for!(explicit::WidgetSpec).as_value()
    );
    assert_eq!(plain::Part::schema_name(), explicit::Part::schema_name());
    // The ids differ only by module.
    assert_eq!(
        plain::Shape::schema_id().replace("plain", "explicit"),
        explicit::Shape::schema_id()
    );
    let schema = schema_for!(plain::WidgetSpec);
    let schema = schema.as_value();
    assert_eq!(schema["title"], "WidgetSpec");
    assert_eq!(schema["description"], "The desired state of a widget.");
    assert_eq!(schema["properties"]["readyReplicas"]["minimum"], 0);
}

#[test]
fn a_kind_declared_without_the_attribute_serves() {
    use krest::Resource;
    let server = krest::Server::builder()
        .resource::<plain::Widget>()
        .build()
        .expect("the server builds");
    drop(server);
    let schema = plain::Widget::schema();
    assert_eq!(
        schema["properties"]["spec"]["properties"]["shape"]["enum"],
        serde_json::json!(["round", "square"])
    );
}
