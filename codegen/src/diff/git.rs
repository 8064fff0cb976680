//! `krest diff --git REF [PATH]`: one side read from a git revision, by running `git` (no git
//! library): `git cat-file`, `git ls-tree` and `git show` in the current directory.
//!
//! With PATH (a CRD file or a folder of them, read as [`super::Api::read_path`] reads it), the
//! same PATH is read at REF. Without, every `.yaml`/`.yml` file below the current directory
//! that declares a `CustomResourceDefinition` is read, at REF from the revision's tree and
//! in the working tree from the files git tracks or would track (`git ls-files --cached
//! --others --exclude-standard`).

use std::path::Path;
use std::process::Command;

use super::{is_yaml, Api};
use crate::error::{Error, Result};

/// Whether a file's text declares a CRD (a cheap test before parsing it).
fn declares_crd(text: &str) -> bool {
    text.lines()
        .any(|l| l.trim_start().trim_start_matches("- ").trim() == "kind: CustomResourceDefinition")
}

/// The API at `rev`: PATH's CRDs, or every CRD file below the current directory.
pub fn read_revision(rev: &str, path: Option<&Path>) -> Result<Api> {
    let mut api = Api::default();
    let files: Vec<String> = match path {
        Some(path) => {
            let path = relative(path);
            let object = format!("{rev}:{path}");
            match git(&["cat-file", "-t", &object])?.trim() {
                "blob" => vec![path],
                "tree" => git(&["ls-tree", "--name-only", &object])?
                    .lines()
                    .filter(|name| is_yaml(name))
                    .map(|name| format!("{}/{name}", path.trim_end_matches('/')))
                    .collect(),
                other => {
                    return Err(Error::new(
                        &object,
                        0,
                        "",
                        format!("expected a file or a folder, found a git {other}"),
                    ))
                }
            }
        }
        None => git(&["ls-tree", "-r", "--name-only", rev, "--", "."])?
            .lines()
            .filter(|name| is_yaml(name))
            .map(|name| format!("./{name}"))
            .collect(),
    };
    for file in files {
        let object = format!("{rev}:{file}");
        let text = git(&["show", &object])?;
        if path.is_none() && !declares_crd(&text) {
            continue;
        }
        let name = format!("{rev}:{}", file.trim_start_matches("./"));
        api.kinds.extend(Api::from_yaml(&name, &text)?.kinds);
    }
    Ok(api)
}

/// The working tree's API: PATH's CRDs, or every CRD file below the current directory that
/// git tracks or would track.
pub fn read_working_tree(path: Option<&Path>) -> Result<Api> {
    if let Some(path) = path {
        return Api::read_path(path);
    }
    let mut api = Api::default();
    let listed = git(&[
        "ls-files",
        "--cached",
        "--others",
        "--exclude-standard",
        "--",
        ".",
    ])?;
    let mut files: Vec<&str> = listed.lines().filter(|name| is_yaml(name)).collect();
    files.sort_unstable();
    files.dedup();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // deleted in the working tree but still in the index
        };
        if declares_crd(&text) {
            api.kinds.extend(Api::from_yaml(file, &text)?.kinds);
        }
    }
    Ok(api)
}

/// `path` as git takes it relative to the current directory: `./schemas`.
fn relative(path: &Path) -> String {
    let text = path.to_string_lossy();
    if text.starts_with("./") || text.starts_with('/') {
        text.into_owned()
    } else {
        format!("./{text}")
    }
}

/// Runs `git ARGS` and returns its standard output; a failure is an error quoting git.
fn git(args: &[&str]) -> Result<String> {
    let shown = format!("git {}", args.join(" "));
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| Error::new(&shown, 0, "", format!("cannot run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("failed")
            .trim()
            .trim_start_matches("fatal: ")
            .to_string();
        return Err(Error::new(shown, 0, "", message));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| Error::new(shown, 0, "", "git printed something that is not UTF-8"))
}
