//! The kinds generated from `schemas/*.yaml` have the same model and route table as the ones
//! `examples/widgets` declares with `#[derive(Resource)]`: one emitter of routes.

use krest::Resource;

fn rows<R: Resource>() -> Vec<String> {
    R::ROUTES
        .iter()
        .map(|r| {
            let a = &r.action;
            format!(
                "{} {} {} {:?} {:?}",
                a.method, a.path, a.operation_id, a.kube_verb, a.subresource
            )
        })
        .collect()
}

#[test]
fn widget_routes_and_model_match_the_derive() {
    assert_eq!(
        rows::<krest_example_from_yaml::Widget>(),
        rows::<krest_example_widgets::Widget>()
    );
    assert_eq!(
        krest_example_from_yaml::Widget::MODEL,
        krest_example_widgets::Widget::MODEL
    );
    assert_eq!(krest_example_from_yaml::Widget::ROUTES.len(), 17);
}

#[test]
fn gadget_routes_and_model_match_the_derive() {
    assert_eq!(
        rows::<krest_example_from_yaml::Gadget>(),
        rows::<krest_example_widgets::Gadget>()
    );
    assert_eq!(
        krest_example_from_yaml::Gadget::MODEL,
        krest_example_widgets::Gadget::MODEL
    );
}

/// The schema served for each kind (as the server makes it structural) is the same whether it
/// comes from the CRD or from the derive's `JsonSchema`.
#[test]
fn schemas_match_the_derive() {
    fn served<R: Resource>() -> serde_json::Value {
        let mut schema = R::schema();
        krest::schema::structural(&mut schema);
        schema
    }
    assert_eq!(
        served::<krest_example_from_yaml::Widget>(),
        served::<krest_example_widgets::Widget>()
    );
    assert_eq!(
        served::<krest_example_from_yaml::Gadget>(),
        served::<krest_example_widgets::Gadget>()
    );
}
