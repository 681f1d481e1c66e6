//! Loading a Terraform module directory: every `*.tf` file parsed with its text kept, so spans
//! can be turned into line numbers and source snippets.

use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl::edit::parser::parse_body;
use hcl::edit::structure::Body;

use crate::error::{Error, Result};

#[derive(Debug)]
pub struct TfFile {
    pub path: PathBuf,
    pub text: String,
    pub body: Body,
}

impl TfFile {
    pub fn parse(path: &Path) -> Result<TfFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let body = parse_body(&text).map_err(|e| Error::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(TfFile {
            path: path.to_path_buf(),
            text,
            body,
        })
    }

    /// 1-based line of a byte offset (spans are byte ranges into `text`).
    pub fn line_of(&self, span: Option<Range<usize>>) -> usize {
        let offset = span.map_or(0, |r| r.start).min(self.text.len());
        self.text.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub fn snippet(&self, span: Option<Range<usize>>) -> Option<&str> {
        span.and_then(|r| self.text.get(r))
    }
}

/// All `*.tf` files of one directory (not recursive: nested directories are other modules).
#[derive(Debug)]
pub struct ModuleDir {
    pub dir: PathBuf,
    pub files: Vec<TfFile>,
}

impl ModuleDir {
    pub fn load(dir: &Path) -> Result<ModuleDir> {
        let mut paths = tf_files(dir)?;
        paths.sort();
        let files = paths
            .iter()
            .map(|p| TfFile::parse(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(ModuleDir {
            dir: dir.to_path_buf(),
            files,
        })
    }
}

fn tf_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        // `.tfquery.hcl`: `terraform query`'s list blocks (the list resources' examples).
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_file() && (name.ends_with(".tf") || name.ends_with(".tfquery.hcl")) {
            out.push(path);
        }
    }
    Ok(out)
}

/// Module directories of a repository: each child of `modules/` holding `*.tf`, and every
/// directory below `examples/` holding `*.tf` or `*.tfquery.hcl` (the registry docs'
/// examples sit two levels down, in `examples/resources/<type>/`).
pub fn discover(root: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    let modules = root.join("modules");
    if modules.is_dir() {
        for path in subdirs(&modules)? {
            if !tf_files(&path)?.is_empty() {
                dirs.push(path);
            }
        }
    }
    let mut pending = vec![root.join("examples")];
    while let Some(dir) = pending.pop() {
        if !dir.is_dir() {
            continue;
        }
        for path in subdirs(&dir)? {
            if !tf_files(&path)?.is_empty() {
                dirs.push(path.clone());
            }
            pending.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            out.push(path);
        }
    }
    Ok(out)
}
