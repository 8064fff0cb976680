//! Round trip: the derive-declared Widget and Gadget -> their CRD YAML (what `krest crd`
//! prints) -> the YAML reader and generator -> the same models, route tables and schemas.

use krest::Resource;
use krest_codegen::schema::build_modules;
use krest_codegen::{actions, read_crds};
use krest_example_widgets::{Gadget, Widget};

#[test]
fn derive_to_crd_to_codegen_keeps_routes_and_schemas() {
    let yaml = krest_codegen::crd::write_crds(&[
        (Widget::MODEL, Widget::schema()),
        (Gadget::MODEL, Gadget::schema()),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let crds = read_crds("round-trip.yaml", &yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(crds.len(), 2);
    let (widget, gadget) = (&crds[0], &crds[1]);
    assert_eq!(widget.name, "widgets.demo.krest.dev");
    assert_eq!(widget.model(&widget.versions[0]), Widget::MODEL);
    assert_eq!(gadget.model(&gadget.versions[0]), Gadget::MODEL);

    // The same route table: `actions` on the model read back is what the derive emitted.
    let derived: Vec<String> = Widget::ROUTES
        .iter()
        .chain(Gadget::ROUTES)
        .map(|r| {
            format!(
                "{} {} {}",
                r.action.method, r.action.path, r.action.operation_id
            )
        })
        .collect();
    let read_back: Vec<String> = crds
        .iter()
        .flat_map(|c| actions(&c.model(&c.versions[0])))
        .map(|a| format!("{} {} {}", a.method, a.path, a.operation_id))
        .collect();
    assert_eq!(read_back, derived);

    // The same schema, and the generator takes it: the modules it would write carry the same
    // models and embed the same schema.
    assert_eq!(
        widget.versions[0].schema_json("round-trip.yaml").unwrap(),
        Widget::schema()
    );
    assert_eq!(
        gadget.versions[0].schema_json("round-trip.yaml").unwrap(),
        Gadget::schema()
    );
    let modules = build_modules(&crds).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(modules.len(), 1);
    let models: Vec<_> = modules[0].resources.iter().map(|r| &r.model).collect();
    assert_eq!(models, [&Widget::MODEL, &Gadget::MODEL]);
    let schema: serde_json::Value =
        serde_json::from_str(&modules[0].resources[0].schema_json).unwrap();
    assert_eq!(schema, Widget::schema());
    // Its spec is the derive's, field for field.
    let spec = modules[0]
        .types
        .iter()
        .find(|t| t.name == "WidgetSpec")
        .expect("WidgetSpec is generated");
    let krest_codegen::schema::TypeBody::Struct { fields, .. } = &spec.body else {
        panic!("WidgetSpec is a struct");
    };
    let fields: Vec<(&str, &str)> = fields.iter().map(|f| (&*f.ident, &*f.ty)).collect();
    assert_eq!(
        fields,
        [
            ("color", "::std::string::String"),
            ("replicas", "i32"),
            ("size", "::core::option::Option<::std::string::String>"),
        ]
    );
}

/// The CRDs for a real cluster are what `schemas/` holds, in meaning: the same models and the
/// same structural schemas.
#[test]
fn the_derive_crds_match_the_schema_files() {
    let yaml = krest_codegen::crd::write_crds(&[
        (Widget::MODEL, Widget::schema()),
        (Gadget::MODEL, Gadget::schema()),
    ])
    .unwrap();
    let written = read_crds("written.yaml", &yaml).unwrap();
    for (crd, file) in written.iter().zip(["widget.yaml", "gadget.yaml"]) {
        let path = format!("{}/../../schemas/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let committed = read_crds(&path, &text).unwrap();
        let version = &committed[0].versions[0];
        assert_eq!(crd.model(&crd.versions[0]), committed[0].model(version));
        let mut a = crd.versions[0].schema_json("written.yaml").unwrap();
        let mut b = version.schema_json(&path).unwrap();
        krest::schema::structural(&mut a);
        krest::schema::structural(&mut b);
        assert_eq!(a, b, "{file}");
    }
}
