//! The one error type of the YAML reader and the generators.

use std::fmt;
use std::path::PathBuf;

/// What went wrong, and where: the file, the line (0 when unknown) and the path inside the
/// document (`spec.versions[0].schema.openAPIV3Schema.properties.spec`), so that the message
/// points at the input that must change.
///
/// Displayed as one line: `schemas/widget.yaml:12: spec.names.kind: missing field`.
///
/// `Debug` prints the same line, so that a build script's `main` returning
/// `Result<(), Box<dyn std::error::Error>>` shows it as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    /// The file the input came from (as given to the reader).
    pub file: String,
    /// 1-based line of the offending node; 0 when the input gives none.
    pub line: u64,
    /// Where in the document: dotted keys and `[index]`, empty for the whole document.
    pub path: String,
    /// What is wrong, lower case.
    pub message: String,
}

impl Error {
    /// An error at `file:line`, under `path`.
    pub fn new(
        file: impl Into<String>,
        line: u64,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error {
            file: file.into(),
            line,
            path: path.into(),
            message: message.into(),
        }
    }

    /// An input or output failure on `path`.
    pub fn io(path: impl Into<PathBuf>, error: &std::io::Error) -> Error {
        let path = path.into();
        Error::new(path.display().to_string(), 0, "", error.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// The result of reading and generating.
pub type Result<T, E = Error> = std::result::Result<T, E>;
