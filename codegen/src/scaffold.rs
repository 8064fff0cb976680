//! `krest new`: a whole server crate for a directory of CRDs, or a starter crate declaring a kind
//! with `#[derive(Resource)]`.
//!
//! From CRDs, the crate holds a copy of them in `schemas/`, a `build.rs` running [`Builder`] on
//! them, and a `src/main.rs` serving every generated kind with the flags of `widgets-server`.
//! Without CRDs, `src/main.rs` declares a Widget and serves it the same way (the README's "Your
//! own server"). When
//! this krest checkout is at hand (the `krest` command was built from it), `krest` and
//! `krest-codegen` are path dependencies; otherwise registry versions.

use std::path::{Component, Path, PathBuf};

use askama::Template;

use crate::builder::Builder;
use crate::error::{Error, Result};

/// Where this krest checkout is: the parent of `codegen/`, when it still exists.
pub fn krest_checkout() -> Option<PathBuf> {
    let codegen = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = codegen.parent()?;
    root.join("runtime/Cargo.toml")
        .is_file()
        .then(|| root.to_path_buf())
}

/// A crate to generate.
#[derive(Clone, Debug)]
pub struct NewCrate {
    /// The package (and binary) name.
    pub name: String,
    /// The directory (or file) of CRDs to copy and serve; `None` for a crate declaring its kind
    /// with the derive.
    pub schemas: Option<PathBuf>,
    /// Where the crate goes.
    pub out: PathBuf,
    /// The krest checkout to depend on by path; `None` for registry versions.
    pub krest: Option<PathBuf>,
    /// Leave out the CRDs krest refuses, here and in the crate's `build.rs`
    /// ([`Builder::keep_going`]), instead of failing.
    pub keep_going: bool,
}

#[derive(Template)]
#[template(path = "new/Cargo.toml.j2", escape = "none")]
struct CargoToml<'a> {
    name: &'a str,
    kinds: &'a str,
    krest: String,
    codegen: String,
    standalone: bool,
    /// From CRDs: `serde_json` and the build dependency on `krest-codegen`.
    crds: bool,
}

#[derive(Template)]
#[template(path = "new/build.rs.j2", escape = "none")]
struct BuildRs<'a> {
    name: &'a str,
    keep_going: bool,
    /// Versions convert through the crate's own `src/conversion.rs`.
    user_conversion: bool,
}

#[derive(Template)]
#[template(path = "new/main.rs.j2", escape = "none")]
struct MainRs<'a> {
    name: &'a str,
    kinds: &'a str,
    /// The crate has `src/conversion.rs`.
    user_conversion: bool,
}

#[derive(Template)]
#[template(path = "new/derive_main.rs.j2", escape = "none")]
struct DeriveMainRs<'a> {
    name: &'a str,
}

#[derive(Template)]
#[template(path = "new/derive_README.md.j2", escape = "none")]
struct DeriveReadme<'a> {
    name: &'a str,
}

#[derive(Template)]
#[template(path = "new/README.md.j2", escape = "none")]
struct Readme<'a> {
    name: &'a str,
    kinds: &'a str,
    resources: Vec<String>,
}

impl NewCrate {
    /// A crate `name` at `out` serving the CRDs in `schemas`, depending on this checkout by
    /// path when there is one.
    pub fn new(
        name: impl Into<String>,
        schemas: impl Into<PathBuf>,
        out: impl Into<PathBuf>,
    ) -> Self {
        NewCrate {
            name: name.into(),
            schemas: Some(schemas.into()),
            out: out.into(),
            krest: krest_checkout(),
            keep_going: false,
        }
    }

    /// A crate `name` at `out` declaring a Widget with `#[derive(Resource)]` in `src/main.rs`
    /// and serving it, depending on this checkout by path when there is one.
    pub fn derive(name: impl Into<String>, out: impl Into<PathBuf>) -> Self {
        NewCrate {
            name: name.into(),
            schemas: None,
            out: out.into(),
            krest: krest_checkout(),
            keep_going: false,
        }
    }

    /// Every file of the crate, by path relative to its root. The CRDs are read (and so
    /// checked) and their types generated once, so that a broken schema fails here rather than
    /// in the new crate's build.
    pub fn render(&self) -> Result<Vec<(PathBuf, String)>> {
        if !is_package_name(&self.name) {
            return Err(Error::new(
                &self.name,
                0,
                "",
                "a crate name is letters, digits, `-` and `_`, starting with a letter",
            ));
        }
        let builder = self.schemas.as_ref().map(|schemas| {
            Builder::new()
                .schemas(schemas)
                .rerun_if_changed(false)
                .keep_going(self.keep_going)
        });
        let mut kinds: Vec<String> = Vec::new();
        let mut resources: Vec<String> = Vec::new();
        let mut pairs = Vec::new();
        match &builder {
            Some(builder) => {
                // Read (and so checked) and generated once, so that a broken schema fails here.
                let crds = builder.read()?;
                for crd in &crds {
                    if !kinds.contains(&crd.kind) {
                        kinds.push(crd.kind.clone());
                        resources.push(crd.plural.clone());
                    }
                }
                pairs = crate::conversion::version_pairs(&crds)?;
                builder.render()?;
            }
            None => kinds.push("Widget".into()),
        }
        let user_conversion = !pairs.is_empty();
        let kinds = kinds
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let out = absolute(&self.out)?;
        let (krest, codegen, standalone) = match &self.krest {
            Some(root) => {
                let root = absolute(root)?;
                let base = relative(&out, &root);
                let dep = |dir: &str, extra: &str| {
                    format!("{{ path = {:?}{extra} }}", slash(&base.join(dir)))
                };
                (
                    dep("runtime", ""),
                    dep("codegen", ", features = [\"generate\"]"),
                    !is_member(&root, &out),
                )
            }
            None => {
                let version = env!("CARGO_PKG_VERSION");
                (
                    format!("{version:?}"),
                    format!("{{ version = {version:?}, features = [\"generate\"] }}"),
                    true,
                )
            }
        };
        let render = |t: &dyn DynRender, file: &str| {
            t.render_dyn()
                .map_err(|e| Error::new(file, 0, "", format!("rendering the template failed: {e}")))
        };
        let manifest = render(
            &CargoToml {
                name: &self.name,
                kinds: &kinds,
                krest,
                codegen,
                standalone,
                crds: builder.is_some(),
            },
            "Cargo.toml",
        )?;
        let mut files = vec![(PathBuf::from("Cargo.toml"), manifest)];
        let Some(builder) = builder else {
            files.push((
                PathBuf::from("src/main.rs"),
                render(&DeriveMainRs { name: &self.name }, "src/main.rs")?,
            ));
            files.push((
                PathBuf::from("README.md"),
                render(&DeriveReadme { name: &self.name }, "README.md")?,
            ));
            return Ok(finish(files));
        };
        files.push((
            PathBuf::from("build.rs"),
            render(
                &BuildRs {
                    name: &self.name,
                    keep_going: self.keep_going,
                    user_conversion,
                },
                "build.rs",
            )?,
        ));
        files.push((
            PathBuf::from("src/main.rs"),
            render(
                &MainRs {
                    name: &self.name,
                    kinds: &kinds,
                    user_conversion,
                },
                "src/main.rs",
            )?,
        ));
        files.push((
            PathBuf::from("README.md"),
            render(
                &Readme {
                    name: &self.name,
                    kinds: &kinds,
                    resources,
                },
                "README.md",
            )?,
        ));
        if user_conversion {
            files.push((
                PathBuf::from(crate::conversion::USER_FILE),
                crate::conversion::render_user_file(&pairs),
            ));
        }
        for file in builder.files()? {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, &e))?;
            let name = file.file_name().map(PathBuf::from).unwrap_or_default();
            files.push((Path::new("schemas").join(name), text));
        }
        Ok(finish(files))
    }
    /// Writes the crate (files whose text is unchanged are left alone). Returns the files.
    /// The user's conversion file ([`crate::conversion::USER_FILE`]) is written only when it
    /// does not exist: it is the user's, and regenerating never overwrites it.
    pub fn write(&self) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for (relative, text) in self.render()? {
            let path = self.out.join(&relative);
            let users = relative == Path::new(crate::conversion::USER_FILE);
            if !(users && path.exists()) {
                crate::builder::write_file_if_changed(&path, &text)?;
            }
            written.push(path);
        }
        Ok(written)
    }
}

/// Every file ends with a newline.
fn finish(mut files: Vec<(PathBuf, String)>) -> Vec<(PathBuf, String)> {
    for (_, text) in &mut files {
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    files
}

/// Askama's `Template` is not object safe; this is enough of it.
trait DynRender {
    fn render_dyn(&self) -> askama::Result<String>;
}

impl<T: Template> DynRender for T {
    fn render_dyn(&self) -> askama::Result<String> {
        self.render()
    }
}

/// Whether the checkout's workspace at `root` lists `out` among its members (as it does
/// `examples/generated`). Any other crate, inside the checkout or not, gets a `[workspace]` of
/// its own: cargo refuses to build a package under a workspace that does not list it.
fn is_member(root: &Path, out: &Path) -> bool {
    let Ok(member) = out.strip_prefix(root) else {
        return false;
    };
    let member = format!("{:?}", slash(member));
    std::fs::read_to_string(root.join("Cargo.toml")).is_ok_and(|manifest| {
        manifest
            .lines()
            .filter(|l| l.trim_start().starts_with("members"))
            .any(|l| l.contains(&member))
    })
}

/// A cargo package name krest accepts: `[A-Za-z][A-Za-z0-9_-]*`.
fn is_package_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `path` made absolute against the current directory, with `.` and `..` resolved lexically.
fn absolute(path: &Path) -> Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(path, &e))?
            .join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// The path from the directory `from` to `to` (both absolute): `../../runtime`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to[common..] {
        out.push(part);
    }
    out
}

/// A path with `/` separators, for Cargo.toml.
fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/w/examples/generated"), Path::new("/w")),
            PathBuf::from("../..")
        );
        assert_eq!(
            relative(Path::new("/tmp/x"), Path::new("/w")),
            PathBuf::from("../../w")
        );
        let checkout = krest_checkout().expect("tests run in the checkout");
        assert!(is_member(&checkout, &checkout.join("examples/generated")));
        assert!(!is_member(&checkout, &checkout.join("my-server")));
        assert!(!is_member(
            &checkout,
            Path::new("/elsewhere/examples/generated")
        ));
        assert!(is_package_name("my-server"));
        assert!(!is_package_name("1x"));
        assert!(!is_package_name("a b"));
    }
}
