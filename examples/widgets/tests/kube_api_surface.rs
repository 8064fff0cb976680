//! End to end through kube-rs against a real `widgets-server`: paginated lists, label and field
//! selectors, dry runs, and errors (strict field validation, schema validation) parsed as
//! `kube::Error::Api` with the right reason.

mod support;
#[path = "support/kube.rs"]
mod support_kube;

use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::core::DynamicObject;
use serde_json::json;
use support::start;
use support_kube::widgets;

fn widget(name: &str, color: &str, replicas: i64) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "demo.krest.dev/v1",
        "kind": "Widget",
        "metadata": {"name": name, "labels": {"color": color}},
        "spec": {"color": color, "replicas": replicas},
    }))
    .unwrap()
}

fn names(list: &[DynamicObject]) -> Vec<String> {
    list.iter()
        .map(|o| o.metadata.name.clone().unwrap_or_default())
        .collect()
}

/// The Status of an API error.
fn api_error(result: Result<impl std::fmt::Debug, kube::Error>) -> Box<kube::core::Status> {
    match result {
        Err(kube::Error::Api(status)) => status,
        other => panic!("expected kube::Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn paginated_lists_and_selectors() {
    let server = start(&["--store", "memory"]);
    let api = widgets(&server);
    for i in 0..5 {
        let color = if i < 2 { "red" } else { "blue" };
        api.create(&PostParams::default(), &widget(&format!("w{i}"), color, i))
            .await
            .unwrap();
    }

    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(names(&first.items), ["w0", "w1"]);
    assert_eq!(first.metadata.remaining_item_count, Some(3));
    let revision = first.metadata.resource_version.clone();
    let mut all = names(&first.items);
    let mut token = first.metadata.continue_.clone();
    let mut pages = 1;
    while let Some(t) = token.filter(|t| !t.is_empty()) {
        let page = api
            .list(&ListParams::default().limit(2).continue_token(&t))
            .await
            .unwrap();
        assert_eq!(page.metadata.resource_version, revision, "one snapshot");
        all.extend(names(&page.items));
        token = page.metadata.continue_;
        pages += 1;
    }
    assert_eq!(all, ["w0", "w1", "w2", "w3", "w4"]);
    assert_eq!(pages, 3);

    let red = api
        .list(&ListParams::default().labels("color=red"))
        .await
        .unwrap();
    assert_eq!(names(&red.items), ["w0", "w1"]);
    let not_red = api
        .list(&ListParams::default().labels("color notin (red),!missing"))
        .await
        .unwrap();
    assert_eq!(names(&not_red.items), ["w2", "w3", "w4"]);
    let one = api
        .list(&ListParams::default().fields("metadata.name=w3"))
        .await
        .unwrap();
    assert_eq!(names(&one.items), ["w3"]);
    let red_by_field = api
        .list(&ListParams::default().fields("spec.color=red"))
        .await
        .unwrap();
    assert_eq!(names(&red_by_field.items), ["w0", "w1"]);

    let bad = api_error(
        api.list(&ListParams::default().labels("color in (red"))
            .await,
    );
    assert_eq!((bad.code, bad.reason.as_str()), (400, "BadRequest"));
    let bad = api_error(
        api.list(&ListParams::default().fields("spec.size=large"))
            .await,
    );
    assert_eq!((bad.code, bad.reason.as_str()), (400, "BadRequest"));
    assert_eq!(bad.message, "field label not supported: spec.size");
}

#[tokio::test]
async fn dry_runs_change_nothing() {
    let server = start(&["--store", "memory"]);
    let api = widgets(&server);
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let created = api.create(&dry, &widget("ghost", "red", 1)).await.unwrap();
    assert_eq!(created.metadata.name.as_deref(), Some("ghost"));
    assert!(created.metadata.uid.is_some(), "the dry run ran everything");
    assert!(api.get_opt("ghost").await.unwrap().is_none());

    api.create(&PostParams::default(), &widget("real", "red", 1))
        .await
        .unwrap();
    let patched = api
        .patch(
            "real",
            &PatchParams::default().dry_run(),
            &Patch::Merge(json!({"spec": {"replicas": 9}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.data["spec"]["replicas"], 9);
    assert_eq!(api.get("real").await.unwrap().data["spec"]["replicas"], 1);

    api.delete("real", &DeleteParams::default().dry_run())
        .await
        .unwrap();
    assert!(api.get_opt("real").await.unwrap().is_some());

    // A dry run is validated like a real write.
    let invalid = api_error(api.create(&dry, &widget("bad", "red", -1)).await);
    assert_eq!((invalid.code, invalid.reason.as_str()), (422, "Invalid"));
}

#[tokio::test]
async fn validation_errors_are_api_errors() {
    let server = start(&["--store", "memory"]);
    let api = widgets(&server);
    api.create(&PostParams::default(), &widget("a", "red", 1))
        .await
        .unwrap();

    let strict = api_error(
        api.patch(
            "a",
            &PatchParams::default().validation_strict(),
            &Patch::Merge(json!({"spec": {"x": 1}})),
        )
        .await,
    );
    assert_eq!((strict.code, strict.reason.as_str()), (400, "BadRequest"));
    assert_eq!(
        strict.message,
        "strict decoding error: unknown field \"spec.x\""
    );

    // The same patch with the default (Warn) goes through, without the field.
    let warned = api
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"x": 1}})),
        )
        .await
        .unwrap();
    assert!(warned.data["spec"].get("x").is_none());

    let invalid = api_error(
        api.patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": -3}})),
        )
        .await,
    );
    assert_eq!((invalid.code, invalid.reason.as_str()), (422, "Invalid"));
    let causes = invalid.details.expect("details").causes;
    assert_eq!(causes.len(), 1);
    assert_eq!(causes[0].field, "spec.replicas");
    assert_eq!(causes[0].reason, "FieldValueInvalid");
    assert_eq!(
        causes[0].message,
        "Invalid value: -3: spec.replicas in body should be greater than or equal to 0"
    );

    let wrong_type = api_error(
        api.patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": "many"}})),
        )
        .await,
    );
    assert_eq!(
        (wrong_type.code, wrong_type.reason.as_str()),
        (422, "Invalid")
    );
}
