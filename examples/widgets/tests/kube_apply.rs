//! End to end through kube-rs: `Patch::Apply` against a real `widgets-server`, with and
//! without `force()`, on the object and through `/scale`, and the managed fields it leaves.

mod support;
#[path = "support/kube.rs"]
mod support_kube;

use kube::api::{Patch, PatchParams};
use serde_json::json;
use support::start;
use support_kube::widgets;

fn config(color: &str, replicas: i32) -> serde_json::Value {
    json!({
        "apiVersion": "demo.krest.dev/v1",
        "kind": "Widget",
        "metadata": {"name": "applied"},
        "spec": {"color": color, "replicas": replicas},
    })
}

#[tokio::test]
async fn kube_rs_patch_apply() {
    let server = start(&["--store", "memory"]);
    let api = widgets(&server);
    let controller = PatchParams::apply("controller");

    let created = api
        .patch("applied", &controller, &Patch::Apply(config("red", 1)))
        .await
        .expect("apply creates");
    assert_eq!(created.data["spec"]["color"], "red");
    let managed = created.metadata.managed_fields.clone().unwrap_or_default();
    assert_eq!(managed.len(), 1);
    assert_eq!(managed[0].manager.as_deref(), Some("controller"));
    assert_eq!(managed[0].operation.as_deref(), Some("Apply"));
    assert_eq!(managed[0].fields_type.as_deref(), Some("FieldsV1"));

    // A reconciler applying the same thing every loop writes nothing.
    let again = api
        .patch("applied", &controller, &Patch::Apply(config("red", 1)))
        .await
        .expect("re-apply");
    assert_eq!(
        again.metadata.resource_version,
        created.metadata.resource_version
    );

    // Another manager's different value is a 409 with one cause per field.
    let other = PatchParams::apply("other");
    let err = api
        .patch("applied", &other, &Patch::Apply(config("blue", 1)))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("an API error: {err:?}")
    };
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        status.message,
        "Apply failed with 1 conflict: conflict with \"controller\": .spec.color"
    );

    // force() takes the field.
    let forced = api
        .patch("applied", &other.force(), &Patch::Apply(config("blue", 1)))
        .await
        .expect("forced apply");
    assert_eq!(forced.data["spec"]["color"], "blue");
    let managers: Vec<String> = forced
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.manager)
        .collect();
    assert!(managers.contains(&"other".to_string()), "{managers:?}");

    // The controller stops applying replicas: other applies it too, so it stays.
    let mut without = config("blue", 1);
    without["spec"].as_object_mut().unwrap().remove("replicas");
    let kept = api
        .patch("applied", &controller, &Patch::Apply(without.clone()))
        .await
        .expect("apply without replicas");
    assert_eq!(kept.data["spec"]["replicas"], 1);

    // An autoscaler applies a Scale through /scale: it takes spec.replicas with force().
    let scale = json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "applied"}, "spec": {"replicas": 4}});
    let scaled: kube::core::DynamicObject = api
        .patch_subresource(
            "scale",
            "applied",
            &PatchParams::apply("hpa").force(),
            &Patch::Apply(scale),
        )
        .await
        .expect("apply through /scale");
    assert_eq!(scaled.data["spec"]["replicas"], 4);
    assert_eq!(
        api.get("applied").await.unwrap().data["spec"]["replicas"],
        4
    );

    // An apply without a field manager is a 422 from the server.
    let err = api
        .patch(
            "applied",
            &PatchParams::default(),
            &Patch::Apply(config("red", 1)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 422),
        "{err:?}"
    );
}
