//! End to end through kube-rs: the same everyday flow as the kubectl test, with `kube::Api`
//! against a real `widgets-server`, plus discovery and a watcher.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::discovery::Discovery;
use kube::Client;
use serde_json::json;

struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> ServerProcess {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .arg("--authorization-mode=AlwaysAllow")
        .args(["--store", "memory", "--listen", &addr.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "widgets-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    ServerProcess { child, addr }
}

fn client(server: &ServerProcess) -> Client {
    let config = kube::Config::new(format!("http://{}", server.addr).parse().unwrap());
    Client::try_from(config).unwrap()
}

fn widgets(client: &Client) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("demo.krest.dev", "v1", "Widget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    Api::namespaced_with(client.clone(), "default", &resource)
}

#[tokio::test]
async fn kube_rs_everyday_flow() {
    let server = start();
    let client = client(&server);

    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .expect("kube-rs discovery");
    let group = discovery
        .get("demo.krest.dev")
        .expect("the group is discovered");
    let kinds: Vec<String> = group
        .recommended_resources()
        .into_iter()
        .map(|(r, _)| r.kind)
        .collect();
    assert!(
        kinds.contains(&"Widget".to_string()) && kinds.contains(&"Gadget".to_string()),
        "{kinds:?}"
    );

    let api = widgets(&client);
    let body: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "demo.krest.dev/v1",
        "kind": "Widget",
        "metadata": {"name": "kube", "labels": {"app": "demo"}},
        "spec": {"color": "blue", "replicas": 1},
    }))
    .unwrap();
    let created = api
        .create(&PostParams::default(), &body)
        .await
        .expect("create");
    assert_eq!(created.data["spec"]["color"], "blue");
    let err = api.create(&PostParams::default(), &body).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409),
        "{err:?}"
    );

    let listed = api
        .list(&ListParams::default().labels("app=demo"))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    let got = api.get("kube").await.expect("get");
    assert_eq!(got.metadata.uid, created.metadata.uid);

    let patched = api
        .patch(
            "kube",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"color": "red"}})),
        )
        .await
        .expect("merge patch");
    assert_eq!(patched.data["spec"]["color"], "red");

    let mut replace = patched.clone();
    replace.data["spec"]["replicas"] = json!(4);
    let replaced = api
        .replace("kube", &PostParams::default(), &replace)
        .await
        .expect("replace");
    assert_eq!(replaced.data["spec"]["replicas"], 4);
    let stale = api
        .replace("kube", &PostParams::default(), &replace)
        .await
        .unwrap_err();
    assert!(
        matches!(stale, kube::Error::Api(ref s) if s.code == 409 && s.reason == "Conflict"),
        "{stale:?}"
    );

    let status = api
        .patch_status(
            "kube",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"phase": "Ready", "readyReplicas": 4}})),
        )
        .await
        .expect("status patch");
    assert_eq!(status.data["status"]["phase"], "Ready");
    let scale = api.get_scale("kube").await.expect("get scale");
    assert_eq!(scale.spec.and_then(|s| s.replicas), Some(4));
    let scaled = api
        .patch_scale(
            "kube",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 6}})),
        )
        .await
        .expect("scale patch");
    assert_eq!(scaled.spec.and_then(|s| s.replicas), Some(6));

    let deleted = api
        .delete("kube", &DeleteParams::default())
        .await
        .expect("delete");
    assert!(
        deleted.is_right(),
        "no finalizers: deleted at once, answered with a Status"
    );
    let gone = api.get("kube").await.unwrap_err();
    assert!(
        matches!(gone, kube::Error::Api(ref s) if s.code == 404),
        "{gone:?}"
    );
}
