//! [`Builder`]: CRD YAML to Rust in `build.rs`, the way prost-build turns `.proto` files into
//! Rust.

use std::path::{Path, PathBuf};

use crate::crd::{read_crds, read_crds_keep_going, Crd};
use crate::diff::{Api, Baseline, Report};
use crate::error::{Error, Result};
use crate::render::{render_index, render_module};
use crate::schema::build_modules;

/// The name of the index file [`Builder::generate`] writes next to the modules.
pub const INDEX_FILE: &str = "mod.rs";

/// Generates Rust types from CustomResourceDefinition YAML, for `build.rs`.
///
/// Every `.yaml`/`.yml` file in the schema directories (not their subdirectories) is read;
/// each served version of each CRD becomes a spec struct carrying `#[derive(krest::Resource)]`
/// with attributes that reproduce the CRD, plus the types its schema needs. One file is
/// written per group-version (`demo_krest_dev_v1.rs`), and an index, `mod.rs`, holding one
/// `pub mod` per group-version. Files are rewritten only when their text changes, and
/// `cargo:rerun-if-changed` is printed for every schema file and directory.
///
/// The crate including the output depends on `krest`, `serde` (with `derive`) and
/// `serde_json`.
///
/// # Example
///
/// `build.rs`:
///
/// ```no_run
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     krest_codegen::Builder::new()
///         .schemas("schemas")
///         .out_dir(std::env::var("OUT_DIR")?)
///         .generate()?;
///     Ok(())
/// }
/// ```
///
/// `src/lib.rs`:
///
/// ```text
/// include!(concat!(env!("OUT_DIR"), "/mod.rs"));
/// pub use demo_krest_dev_v1::{Gadget, Widget};
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    schemas: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    rerun_if_changed: bool,
    baseline: Option<PathBuf>,
    allowed: Vec<String>,
    keep_going: bool,
    user_conversion: bool,
}

/// What [`Builder::generate`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Generated {
    /// Every file of the output, the index last.
    pub files: Vec<PathBuf>,
    /// The files whose text changed (and so were written).
    pub written: Vec<PathBuf>,
    /// What kube-apiserver accepts but krest has an opinion on (see [`Crd::warnings`]).
    pub warnings: Vec<Error>,
    /// With [`Builder::keep_going`]: each CustomResourceDefinition left out, and why.
    pub refused: Vec<Error>,
}

/// The CRDs of a [`Builder`]'s schemas that generate, with what was said of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Read {
    /// The CRDs that generate, in file-name order.
    pub crds: Vec<Crd>,
    /// Their warnings.
    pub warnings: Vec<Error>,
    /// With [`Builder::keep_going`], the CRDs (or whole files) left out, each with its error;
    /// without it, always empty (reading fails at the first).
    pub refused: Vec<Error>,
}

impl Builder {
    /// A builder with no schemas; `cargo:rerun-if-changed` is printed when run from a build
    /// script (when `OUT_DIR` is set).
    pub fn new() -> Builder {
        Builder {
            schemas: Vec::new(),
            out_dir: None,
            rerun_if_changed: std::env::var_os("OUT_DIR").is_some(),
            baseline: None,
            allowed: Vec::new(),
            keep_going: false,
            user_conversion: false,
        }
    }

    /// Who converts between the versions of a CRD whose conversion strategy is `Webhook`:
    /// by default (`false`) the generated code, field by field where names and types agree
    /// (`krest::conversion::by_field_names`); with `true`, the crate itself, implementing
    /// `krest::Convert` for each version but the storage version (as `krest new` sets up in
    /// `src/conversion.rs`, a file regeneration never overwrites).
    #[must_use]
    pub fn user_conversion(mut self, user: bool) -> Builder {
        self.user_conversion = user;
        self
    }

    /// Goes on past a CustomResourceDefinition that krest refuses (kube-apiserver would refuse
    /// it, or krest cannot serve it): the others generate, and [`Generated::refused`] lists
    /// each left out with its file, line, field and reason (a build script prints them as
    /// `cargo:warning`). Off by default: the first refusal is the error.
    #[must_use]
    pub fn keep_going(mut self, keep_going: bool) -> Builder {
        self.keep_going = keep_going;
        self
    }

    /// Adds a directory of CRD YAML files, or one file.
    #[must_use]
    pub fn schemas(mut self, path: impl Into<PathBuf>) -> Builder {
        self.schemas.push(path.into());
        self
    }

    /// Where to write the generated files; defaults to `OUT_DIR`.
    #[must_use]
    pub fn out_dir(mut self, path: impl Into<PathBuf>) -> Builder {
        self.out_dir = Some(path.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines, and each warning and refusal as a
    /// `cargo:warning` (by default, only in build scripts).
    #[must_use]
    pub fn rerun_if_changed(mut self, print: bool) -> Builder {
        self.rerun_if_changed = print;
        self
    }

    /// Compares the schemas with a committed API baseline (a CRD file or a folder of them,
    /// typically the schemas of the last release) before generating: [`Builder::generate`]
    /// fails, listing each breaking change by key, unless it is allowed with
    /// [`Builder::allow_breaking`]. The rules are `krest diff`'s (`docs/diff.md`).
    ///
    /// ```no_run
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     krest_codegen::Builder::new()
    ///         .schemas("schemas")
    ///         .baseline("api-baseline")
    ///         // Intended: `size` was never read by anything.
    ///         .allow_breaking("field-removed demo.krest.dev/v1 Widget .spec.size")
    ///         .out_dir(std::env::var("OUT_DIR")?)
    ///         .generate()?;
    ///     Ok(())
    /// }
    /// ```
    #[must_use]
    pub fn baseline(mut self, path: impl Into<PathBuf>) -> Builder {
        self.baseline = Some(path.into());
        self
    }

    /// Allows one intended breaking change against the [baseline](Builder::baseline), by its
    /// key as the failure lists it: `field-removed demo.krest.dev/v1 Widget .spec.size`.
    #[must_use]
    pub fn allow_breaking(mut self, key: impl Into<String>) -> Builder {
        self.allowed.push(key.into());
        self
    }

    /// Compares the schemas with the [baseline](Builder::baseline): every change, or an error
    /// listing what breaks. `Ok(None)` when no baseline is set.
    pub fn check_baseline(&self) -> Result<Option<Report>> {
        self.check_crds(&self.read()?)
    }

    fn check_crds(&self, crds: &[Crd]) -> Result<Option<Report>> {
        let Some(path) = &self.baseline else {
            return Ok(None);
        };
        let baseline = self
            .allowed
            .iter()
            .fold(Baseline::new(path), |b, key| b.allow_breaking(key.clone()));
        baseline.check(&Api::from_crds(crds)).map(Some)
    }

    /// Reads every CRD of the schema paths, in file-name order (with
    /// [`keep_going`](Builder::keep_going), those that generate).
    pub fn read(&self) -> Result<Vec<Crd>> {
        Ok(self.read_all()?.crds)
    }

    /// Reads every CRD of the schema paths, in file-name order, with their warnings and, with
    /// [`keep_going`](Builder::keep_going), the CRDs left out. A CRD is left out (without
    /// `keep_going`, is the error) when kube-apiserver would refuse it, when its names conflict
    /// with an earlier CRD of its group (kube-apiserver's naming controller would not establish
    /// it, [`crate::naming`]), or when krest cannot generate its types.
    pub fn read_all(&self) -> Result<Read> {
        let mut crds = Vec::new();
        let mut refused = Vec::new();
        for file in self.files()? {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, &e))?;
            let name = file.display().to_string();
            let (read, errors) = if self.keep_going {
                read_crds_keep_going(&name, &text)
            } else {
                (read_crds(&name, &text)?, Vec::new())
            };
            refused.extend(errors);
            for crd in read {
                // The rules, as kube-apiserver checks them when the CRD is created.
                match crate::cel::crd::check_crd(&crd) {
                    Ok(()) => crds.push(crd),
                    Err(e) if self.keep_going => refused.push(e),
                    Err(e) => return Err(e),
                }
            }
        }
        let (crds, conflicts) = crate::naming::establish(crds);
        if let Some(first) = conflicts.first().filter(|_| !self.keep_going) {
            return Err(first.clone());
        }
        refused.extend(conflicts);
        let mut generating = Vec::with_capacity(crds.len());
        for crd in crds {
            // Each CRD's types alone, so that one that cannot generate is left out by itself
            // (without `keep_going`, rendering reports the first).
            match self
                .keep_going
                .then(|| build_modules(std::slice::from_ref(&crd)))
            {
                Some(Err(e)) => refused.push(e),
                _ => generating.push(crd),
            }
        }
        refused.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        let warnings = generating
            .iter()
            .flat_map(|c| c.warnings.iter().cloned())
            .collect();
        Ok(Read {
            crds: generating,
            warnings,
            refused,
        })
    }

    /// Renders every group-version: `(file name, source)`, the index last.
    pub fn render(&self) -> Result<Vec<(String, String)>> {
        self.render_crds(&self.read()?)
    }

    fn render_crds(&self, crds: &[Crd]) -> Result<Vec<(String, String)>> {
        if crds.is_empty() {
            let paths: Vec<String> = self
                .schemas
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            return Err(Error::new(
                paths.join(", "),
                0,
                "",
                "no CustomResourceDefinition found (looked for *.yaml and *.yml files)",
            ));
        }
        let mut modules = build_modules(crds)?;
        for resource in modules.iter_mut().flat_map(|m| m.resources.iter_mut()) {
            if let Some(conversion) = &mut resource.conversion {
                conversion.default_impl = !self.user_conversion;
            }
        }
        let mut out = Vec::new();
        for module in &modules {
            out.push((format!("{}.rs", module.file_stem()), render_module(module)?));
        }
        out.push((INDEX_FILE.to_string(), render_index(&modules)?));
        Ok(out)
    }

    /// Generates the files into the output directory.
    pub fn generate(&self) -> Result<Generated> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::new(
                        "OUT_DIR",
                        0,
                        "",
                        "no output directory: call `out_dir` or run from a build script",
                    )
                })?,
        };
        if self.rerun_if_changed {
            for path in &self.schemas {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            for file in self.files()? {
                println!("cargo:rerun-if-changed={}", file.display());
            }
            if let Some(baseline) = &self.baseline {
                println!("cargo:rerun-if-changed={}", baseline.display());
            }
        }
        let read = self.read_all()?;
        if self.rerun_if_changed {
            for problem in &read.warnings {
                println!("cargo:warning=krest: warning: {problem}");
            }
            for problem in &read.refused {
                println!("cargo:warning=krest: left out: {problem}");
            }
        }
        let crds = read.crds;
        self.check_crds(&crds)?;
        let mut generated = Generated {
            warnings: read.warnings,
            refused: read.refused,
            ..Generated::default()
        };
        for (name, source) in self.render_crds(&crds)? {
            let path = out_dir.join(&name);
            if write_file_if_changed(&path, &source)? {
                generated.written.push(path.clone());
            }
            generated.files.push(path);
        }
        Ok(generated)
    }

    /// The schema files: each path that is a file, and the `.yaml`/`.yml` files of each
    /// directory, sorted by name.
    pub fn files(&self) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for path in &self.schemas {
            let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
            if meta.is_file() {
                files.push(path.clone());
                continue;
            }
            let mut found = Vec::new();
            for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, &e))? {
                let entry = entry.map_err(|e| Error::io(path, &e))?;
                let file = entry.path();
                let yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
                if yaml && file.is_file() {
                    found.push(file);
                }
            }
            found.sort();
            files.extend(found);
        }
        Ok(files)
    }
}

/// Writes `text` to `path` unless the file already holds exactly that (prost-build's
/// `write_file_if_changed`), so that cargo does not rebuild what did not change. Returns
/// whether it wrote.
pub fn write_file_if_changed(path: &Path, text: &str) -> Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
    }
    std::fs::write(path, text).map_err(|e| Error::io(path, &e))?;
    Ok(true)
}
