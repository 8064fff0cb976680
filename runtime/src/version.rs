//! `/version`: the Kubernetes API level krest serves and krest's own version and build.

use serde_json::{json, Value};

/// The Kubernetes API level krest serves, as a `version.Info`'s major and minor.
const KUBERNETES: (&str, &str) = ("1", "32");

/// `/version`, in kube-apiserver's `version.Info` shape: the Kubernetes API level krest serves
/// and krest's own version in `gitVersion` (`v1.32.0-krest.0.1.0`, a semantic version clients
/// parse), the commit and the build date `build.rs` found, the compiler that built it.
pub fn version() -> Value {
    let (major, minor) = KUBERNETES;
    json!({
        "major": major,
        "minor": minor,
        "gitVersion": format!("v{major}.{minor}.0-krest.{}", env!("CARGO_PKG_VERSION")),
        "gitCommit": env!("KREST_GIT_COMMIT"),
        "gitTreeState": "",
        "buildDate": env!("KREST_BUILD_DATE"),
        "goVersion": env!("KREST_RUSTC_VERSION"),
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, go_arch()),
    })
}

/// The architecture as Go names it (`GOARCH`), which is what `platform` holds in Kubernetes.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        other => other,
    }
}
