//! Delegated authentication and authorization through kube-rs, as kube-rbac-proxy and a
//! controller's metrics endpoint use them: a service account bound to `system:auth-delegator`
//! creates TokenReviews (who is this token?) and SubjectAccessReviews (may that user do this?)
//! against a real `widgets-server` with a token file and an RBAC policy; a user without the
//! binding is refused.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::authentication::v1::{SelfSubjectReview, TokenReview, TokenReviewSpec};
use k8s_openapi::api::authorization::v1::{
    NonResourceAttributes, ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use kube::Client;

const TOKENS: &str = "\
proxy-token,system:serviceaccount:monitoring:proxy,p-1
jane-token,jane,j-1,\"dev\"
";

const POLICY: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: proxy-delegates}
subjects: [{kind: ServiceAccount, name: proxy, namespace: monitoring}]
roleRef: {kind: ClusterRole, name: system:auth-delegator, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: widget-reader, namespace: default}
rules: [{apiGroups: [demo.krest.dev], resources: [widgets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-reads, namespace: default}
subjects: [{kind: Group, name: dev}]
roleRef: {kind: Role, name: widget-reader}
";

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

fn start(dir: &Path) -> ServerProcess {
    std::fs::write(dir.join("tokens.csv"), TOKENS).unwrap();
    std::fs::write(dir.join("policy.yaml"), POLICY).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_widgets-server"))
        .args(["--store", "memory", "--listen", &addr.to_string()])
        .arg(format!(
            "--token-auth-file={}",
            dir.join("tokens.csv").display()
        ))
        .arg(format!(
            "--authorization-policy-file={}",
            dir.join("policy.yaml").display()
        ))
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

fn client(server: &ServerProcess, token: &str) -> Client {
    let mut config = kube::Config::new(format!("http://{}", server.addr).parse().unwrap());
    config.auth_info = serde_json::from_value(serde_json::json!({ "token": token })).unwrap();
    Client::try_from(config).unwrap()
}

fn token_review(token: &str) -> TokenReview {
    TokenReview {
        spec: TokenReviewSpec {
            token: token.into(),
            ..TokenReviewSpec::default()
        },
        ..TokenReview::default()
    }
}

fn access_review(user: &str, groups: &[&str], verb: &str) -> SubjectAccessReview {
    SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some(user.into()),
            groups: Some(groups.iter().map(|g| g.to_string()).collect()),
            resource_attributes: Some(ResourceAttributes {
                namespace: Some("default".into()),
                verb: Some(verb.into()),
                group: Some("demo.krest.dev".into()),
                resource: Some("widgets".into()),
                ..ResourceAttributes::default()
            }),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    }
}

#[tokio::test]
async fn token_and_subject_access_reviews_for_a_delegating_proxy() {
    let temp = tempfile::tempdir().unwrap();
    let server = start(temp.path());
    let proxy = client(&server, "proxy-token");
    let post = PostParams::default();

    // Who is the caller of the proxied endpoint?
    let tokens: Api<TokenReview> = Api::all(proxy.clone());
    let review = tokens
        .create(&post, &token_review("jane-token"))
        .await
        .unwrap();
    let status = review.status.expect("a status");
    assert_eq!(status.authenticated, Some(true));
    let user = status.user.expect("the user");
    assert_eq!(user.username.as_deref(), Some("jane"));
    assert_eq!(user.uid.as_deref(), Some("j-1"));
    assert_eq!(
        user.groups,
        Some(vec!["dev".to_string(), "system:authenticated".to_string()])
    );
    let review = tokens.create(&post, &token_review("forged")).await.unwrap();
    let status = review.status.expect("a status");
    assert_ne!(status.authenticated, Some(true));
    assert_eq!(status.error.as_deref(), Some("invalid bearer token"));

    // May they do what they ask?
    let reviews: Api<SubjectAccessReview> = Api::all(proxy.clone());
    let allowed = reviews
        .create(
            &post,
            &access_review("jane", &["dev", "system:authenticated"], "list"),
        )
        .await
        .unwrap();
    assert!(allowed.status.expect("a status").allowed);
    let refused = reviews
        .create(
            &post,
            &access_review("jane", &["dev", "system:authenticated"], "delete"),
        )
        .await
        .unwrap();
    assert!(!refused.status.expect("a status").allowed);
    let metrics = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some("jane".into()),
            non_resource_attributes: Some(NonResourceAttributes {
                path: Some("/metrics".into()),
                verb: Some("get".into()),
            }),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    };
    let answer = reviews.create(&post, &metrics).await.unwrap();
    assert!(!answer.status.expect("a status").allowed);
    // A review that names no one is kube-apiserver's 422.
    let nobody = SubjectAccessReview::default();
    match reviews.create(&post, &nobody).await {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 422, "{status:?}"),
        other => panic!("expected 422, got {other:?}"),
    }

    // Jane is not a delegator: creating either review is forbidden; asking who she is is not.
    let jane = client(&server, "jane-token");
    match Api::<TokenReview>::all(jane.clone())
        .create(&post, &token_review("proxy-token"))
        .await
    {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 403);
            assert!(
                status
                    .message
                    .contains("cannot create resource \"tokenreviews\""),
                "{}",
                status.message
            );
        }
        other => panic!("expected 403, got {other:?}"),
    }
    let me = Api::<SelfSubjectReview>::all(jane)
        .create(&post, &SelfSubjectReview::default())
        .await
        .unwrap();
    let info = me.status.and_then(|s| s.user_info).expect("the user");
    assert_eq!(info.username.as_deref(), Some("jane"));
}
