//! What a fixture generator reads ([`Context`]) and what it produces ([`Output`]): shared by
//! the generators and by [`crate::fixtures`], which runs them.

use std::path::{Path, PathBuf};

/// What generators may read.
pub struct Context {
    /// The workspace root (outputs are relative to it).
    pub root: PathBuf,
    /// The directory holding the spec documents.
    pub spec_dir: PathBuf,
}

impl Context {
    /// The workspace root from xtask's own manifest directory, never the current directory;
    /// the spec directory defaults to the committed `spec/` at the root.
    pub fn new(spec_dir: Option<PathBuf>) -> Self {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest.parent().unwrap_or(manifest).to_path_buf();
        let spec_dir = spec_dir.unwrap_or_else(|| root.join("spec"));
        Context { root, spec_dir }
    }
}

/// One generated file.
pub struct Output {
    /// Path relative to the workspace root, `/`-separated.
    pub path: String,
    /// The file's exact content.
    pub bytes: Vec<u8>,
}
