//! Compiles every schema golden (the checked-in output `tests/codegen_schemas.rs` compares),
//! then checks that the generated types behave: they decode and encode the JSON their CRDs describe,
//! and a server serving all of them builds.

// The generated models are constants: asserting on them is the point.
#![allow(dead_code, clippy::assertions_on_constants)]

mod demo {
    include!("../generated/demo/mod.rs");
}
mod argo {
    include!("../generated/argoproj.io_applications/mod.rs");
}
mod certificates {
    include!("../generated/cert-manager.io_certificates/mod.rs");
}
mod issuers {
    include!("../generated/cert-manager.io_issuers/mod.rs");
}
mod gateways {
    include!("../generated/gateway.networking.k8s.io_gateways/mod.rs");
}
mod httproutes {
    include!("../generated/gateway.networking.k8s.io_httproutes/mod.rs");
}
mod podmonitors {
    include!("../generated/monitoring.coreos.com_podmonitors/mod.rs");
}
mod servicemonitors {
    include!("../generated/monitoring.coreos.com_servicemonitors/mod.rs");
}
mod names {
    include!("../schemas/names.rs");
    pub use names_krest_dev_v1::*;
}
mod shapes {
    include!("../schemas/shapes.rs");
    pub use shapes_krest_dev_v1::*;
}
mod types {
    include!("../schemas/types.rs");
    pub use types_krest_dev_v1::*;
}
mod conversion {
    include!("../schemas/conversion.rs");
}
mod versions {
    include!("../schemas/versions.rs");
    pub use versions_krest_dev_v1::*;
}

use krest::Resource;
use serde_json::json;

fn main() {
    // Every real kind, both Gateway API versions, and the demo kinds, in one server.
    let mut builder = krest::Server::builder();
    builder = demo::register(builder);
    builder = argo::register(builder);
    builder = certificates::register(builder);
    builder = issuers::register(builder);
    builder = gateways::register(builder);
    builder = httproutes::register(builder);
    builder = podmonitors::register(builder);
    builder = servicemonitors::register(builder);
    builder = builder
        .resource::<types::Thing>()
        .resource::<versions::Pool>()
        .resource::<shapes::Bare>()
        .resource::<shapes::Open>()
        .resource::<shapes::Map>()
        .resource::<names::String>()
        .resource::<conversion::conversion_krest_dev_v1::Pool>()
        .resource::<conversion::conversion_krest_dev_v1beta1::Pool>();
    let server = builder.build();
    assert!(server.is_ok(), "the server builds");

    // Route tables as the CRDs say: namespaced with status, cluster-scoped without.
    let cert = certificates::cert_manager_io_v1::Certificate::ROUTES;
    assert!(cert.iter().any(|r| r.action.path
        == "/apis/cert-manager.io/v1/namespaces/{namespace}/certificates/{name}/status"));
    assert_eq!(
        <gateways::gateway_networking_k8s_io_v1beta1::Gateway as Resource>::MODEL.version,
        "v1beta1"
    );
    assert_eq!(
        <argo::argoproj_io_v1alpha1::Application as Resource>::MODEL
            .short_names
            .len(),
        2
    );
    assert!(<versions::Pool as Resource>::MODEL.scale.is_some());
    assert_eq!(
        *<versions::Pool as Resource>::MODEL.selectable_fields,
        [".spec.class"]
    );
    let beta = <versions::versions_krest_dev_v1beta1::Pool as Resource>::MODEL;
    assert_eq!(beta.storage_version.as_deref(), Some("v1"));
    assert_eq!(
        beta.deprecation().as_deref(),
        Some("versions.krest.dev/v1beta1 Pool is deprecated; use v1")
    );
    assert_eq!(<versions::Pool as Resource>::MODEL.storage_version, None);

    // A webhook-converted version converts with the generated default, field by field.
    {
        use conversion::{conversion_krest_dev_v1 as v1, conversion_krest_dev_v1beta1 as v1beta1};
        use krest::Convert;
        assert!(<v1beta1::Pool as Resource>::MODEL.conversion.is_some());
        assert!(<v1::Pool as Resource>::MODEL.conversion.is_none());
        let beta: v1beta1::Pool = serde_json::from_value(
            json!({"metadata": {"name": "p"}, "spec": {"class": "gold", "note": "n"}}),
        )
        .unwrap();
        let hub: v1::Pool = beta.into_hub().expect("the default conversion converts");
        assert_eq!(hub.spec.class, "gold");
        assert_eq!(hub.spec.size, None);
        let back = <v1beta1::Pool as Convert>::from_hub(hub).unwrap();
        assert_eq!((back.spec.class.as_str(), back.spec.note), ("gold", None));
    }

    // Argo CD's Application has `status` without the status subresource, and `operation`: both
    // are fields of the object, kept through a round trip.
    let application = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "guestbook", "namespace": "argocd"},
        "spec": {
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "guestbook"},
            "project": "default",
            "source": {"repoURL": "https://github.com/argoproj/argocd-example-apps.git", "path": "guestbook"}
        },
        "status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}},
        "operation": {"sync": {"revision": "HEAD", "prune": true}, "initiatedBy": {"username": "admin"}}
    });
    let app: argo::argoproj_io_v1alpha1::Application =
        serde_json::from_value(application.clone()).expect("an Application decodes");
    assert_eq!(
        app.operation
            .as_ref()
            .and_then(|o| o.initiated_by.as_ref())
            .and_then(|i| i.username.as_deref()),
        Some("admin")
    );
    assert_eq!(serde_json::to_value(&app).unwrap(), application);
    assert!(!<argo::argoproj_io_v1alpha1::Application as Resource>::MODEL.status);

    // A real object decodes and encodes unchanged.
    let certificate = json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "secretName": "web-tls",
            "dnsNames": ["example.com"],
            "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"},
            "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
            "usages": ["server auth", "digital signature"]
        }
    });
    let decoded: certificates::cert_manager_io_v1::Certificate =
        serde_json::from_value(certificate.clone()).expect("a Certificate decodes");
    assert_eq!(
        decoded.spec.private_key.as_ref().and_then(|k| k.algorithm),
        Some(certificates::cert_manager_io_v1::CertificateSpecPrivateKeyAlgorithm::Ecdsa)
    );
    assert_eq!(serde_json::to_value(&decoded).unwrap(), certificate);

    // The synthetic schema: renames, defaults, enums, int-or-string, maps, preserved fields.
    let thing: types::Thing = serde_json::from_value(json!({
        "metadata": {"name": "t"},
        "spec": {
            "name": "n", "count": 1, "tags": [], "nested": {},
            "requiredButNullable": null,
            "port": "http", "limits": {"cpu": 2, "memory": "1Gi"},
            "raw": {"any": ["thing"]},
            "mode": "HTTP/2", "odd": "1st", "level": 2,
            "items": [{"key": "k", "type": "t", "self": true, "ref": "r", "x-dashed-name": "d"}]
        }
    }))
    .expect("a Thing decodes");
    let spec = &thing.spec;
    assert_eq!(spec.port, Some(types::IntOrString::String("http".into())));
    assert_eq!(
        spec.limits.as_ref().unwrap()["cpu"],
        types::IntOrString::Int(2)
    );
    assert_eq!(spec.mode, types::ThingSpecMode::Http2);
    assert_eq!(spec.odd.as_deref(), Some("1st"));
    assert_eq!(spec.replicas, 3);
    assert_eq!(spec.zero, 0);
    assert!(spec.flag);
    assert_eq!(spec.title, "untitled \"thing\"");
    assert_eq!(spec.weight, 0.5);
    assert!(spec.list.is_empty());
    assert_eq!(spec.preset, None);
    assert_eq!(spec.raw, Some(json!({"any": ["thing"]})));
    let item = &spec.items.as_ref().unwrap()[0];
    assert_eq!(
        (item.r#type.as_deref(), item.self_, item.r#ref.as_deref()),
        (Some("t"), Some(true), Some("r"))
    );
    assert_eq!(item.x_dashed_name.as_deref(), Some("d"));
    let encoded = serde_json::to_value(&thing).unwrap();
    assert_eq!(encoded["spec"]["mode"], "HTTP/2");
    assert_eq!(encoded["spec"]["items"][0]["x-dashed-name"], "d");
    assert!(encoded["spec"].get("maybe").is_none());

    // Shapes the derive needs a struct for: unknown fields kept, maps flattened.
    let open: shapes::Open =
        serde_json::from_value(json!({"spec": {"a": 1, "b": [true]}})).unwrap();
    assert_eq!(open.spec.fields["b"], json!([true]));
    let map: shapes::Map = serde_json::from_value(json!({"spec": {"x": {"weight": 2}}})).unwrap();
    assert_eq!(map.spec.fields["x"].weight, Some(2));
    let bare: shapes::Bare = serde_json::from_value(json!({"spec": {}})).unwrap();
    assert_eq!(bare.spec, shapes::BareSpec {});

    // The served schema is the CRD's.
    let schema = <demo::demo_krest_dev_v1::Widget as Resource>::schema();
    assert_eq!(
        schema["properties"]["spec"]["properties"]["replicas"]["minimum"],
        0
    );
    println!("goldens: every generated kind compiles, serves and round-trips");
}
