//! Errors raised while loading modules or the field list; check results are `Finding`s, not errors.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("parsing {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("field list {path}: {message}")]
    FieldList { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Readme { path: PathBuf, message: String },
    #[error("{path} is missing: every provider, resource and data source page shows an example")]
    MissingExample { path: PathBuf },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
