//! A problem found by a check, located at a file and line so editors can jump to it.

use std::fmt;
use std::path::PathBuf;

use hcl::edit::Span;

use crate::source::TfFile;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// Where the findings about one `resource` or `data` block go: each is located
/// in the block's file and names the block's address first.
pub(crate) struct BlockFindings<'a> {
    pub file: &'a TfFile,
    pub address: String,
    pub out: &'a mut Vec<Finding>,
}

impl BlockFindings<'_> {
    pub fn report(&mut self, at: &impl Span, message: impl fmt::Display) {
        self.out.push(Finding {
            file: self.file.path.clone(),
            line: self.file.line_of(at.span()),
            message: format!("{}: {message}", self.address),
        });
    }
}
