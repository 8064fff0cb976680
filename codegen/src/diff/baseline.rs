//! [`Baseline`]: the API a crate has published, committed beside it, that every build is
//! compared with: a breaking change fails the build (through [`crate::Builder::baseline`]) or
//! a test (through [`Baseline::check`]) unless it is on the allow list.
//!
//! # Example
//!
//! ```
//! use krest_codegen::diff::{Api, Baseline};
//!
//! let released = r#"
//! apiVersion: apiextensions.k8s.io/v1
//! kind: CustomResourceDefinition
//! metadata: {name: gadgets.demo.krest.dev}
//! spec:
//!   group: demo.krest.dev
//!   names: {kind: Gadget, plural: gadgets}
//!   scope: Namespaced
//!   versions:
//!     - name: v1
//!       served: true
//!       storage: true
//!       schema:
//!         openAPIV3Schema:
//!           type: object
//!           properties:
//!             spec: {type: object, properties: {vendor: {type: string}}}
//! "#;
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("baseline.yaml"), released)?;
//! let current = Api::from_yaml("gadget.yaml", &released.replace("vendor", "maker"))?;
//!
//! let baseline = Baseline::new(dir.path().join("baseline.yaml"));
//! let error = baseline.check(&current).unwrap_err();
//! assert!(error.message.contains("field-removed demo.krest.dev/v1 Gadget .spec.vendor"));
//!
//! // The same break, intended:
//! let report = baseline
//!     .allow_breaking("field-removed demo.krest.dev/v1 Gadget .spec.vendor")
//!     .check(&current)?;
//! assert!(report.is_breaking());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

use super::{diff, Api, Report};
use crate::error::{Error, Result};

/// A committed baseline (a CRD file or a folder of them) and the breaks allowed against it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    path: PathBuf,
    allowed: Vec<String>,
}

impl Baseline {
    /// The baseline at `path`: a CRD file or a folder of them.
    pub fn new(path: impl Into<PathBuf>) -> Baseline {
        Baseline {
            path: path.into(),
            allowed: Vec::new(),
        }
    }

    /// Allows one intended break, by its key as a failure lists it
    /// (`field-removed demo.krest.dev/v1 Gadget .spec.vendor`: rule, group and version, kind,
    /// path). A key that matches no break is an error, so that the list never outlives the
    /// breaks it was written for.
    #[must_use]
    pub fn allow_breaking(mut self, key: impl Into<String>) -> Baseline {
        self.allowed.push(key.into());
        self
    }

    /// The baseline's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Compares `current` with the baseline. Returns every change when nothing breaks but
    /// what is allowed; otherwise an error listing each break by key (and each allowed key
    /// that matched nothing).
    pub fn check(&self, current: &Api) -> Result<Report> {
        let baseline = Api::read_path(&self.path).map_err(|e| {
            Error::new(
                e.file,
                e.line,
                e.path,
                format!(
                    "{} (the API baseline; copy the CRDs of the last release there to start one)",
                    e.message
                ),
            )
        })?;
        let report = diff(&baseline, current);
        let breaks: Vec<String> = report
            .breaking()
            .map(|c| c.key())
            .filter(|key| !self.allowed.contains(key))
            .collect();
        let stale: Vec<&String> = self
            .allowed
            .iter()
            .filter(|key| !report.breaking().any(|c| c.key() == **key))
            .collect();
        if breaks.is_empty() && stale.is_empty() {
            return Ok(report);
        }
        let mut message = String::new();
        if !breaks.is_empty() {
            message.push_str(&format!(
                "{} breaking change(s) against the API baseline; each is either undone, or \
                 allowed with `.allow_breaking(KEY)` (and the baseline updated at the next \
                 release):",
                breaks.len()
            ));
            for key in &breaks {
                let change = report.breaking().find(|c| c.key() == *key);
                let why = change.map(|c| c.message.as_str()).unwrap_or_default();
                message.push_str(&format!("\n  {key}\n      {why}"));
            }
        }
        for key in stale {
            message.push_str(&format!(
                "\n  allowed but not found (remove it from the allow list): {key}"
            ));
        }
        Err(Error::new(
            self.path.display().to_string(),
            0,
            "",
            message.trim_start().to_string(),
        ))
    }
}
