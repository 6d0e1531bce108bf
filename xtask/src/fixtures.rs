//! `cargo xtask fixtures`: runs every generator, then writes or checks what they produce.
//!
//! A generator turns inputs (the spec documents, keys, ...) into `(relative path, bytes)`
//! outputs. To add one, write a module with a `generate(&Context) -> Result<Vec<Output>,
//! String>` function and list it in [`GENERATORS`] with the directory it owns.

use crate::generation::{Context, Output};
use crate::{spec_examples, test_keys, vectors_crossborder, vectors_labs, vectors_open_platform};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// A fixture generator.
pub struct Generator {
    /// Its name, for messages.
    pub name: &'static str,
    /// The directory (relative to the root) whose every file this generator produces: files
    /// there that it no longer produces are reported by `--check` and removed on write.
    pub owned_dir: &'static str,
    /// Produces the outputs.
    pub generate: fn(&Context) -> Result<Vec<Output>, String>,
}

/// Every generator, run in this order.
pub const GENERATORS: &[Generator] = &[
    Generator {
        name: "spec-examples",
        owned_dir: "fixtures/spec",
        generate: spec_examples::generate,
    },
    Generator {
        name: "test-keys",
        owned_dir: test_keys::DIR,
        generate: test_keys::generate,
    },
    Generator {
        name: "vectors",
        owned_dir: "fixtures/vectors",
        generate: vectors,
    },
];

/// Every vector file: one generator, because they share `fixtures/vectors/`.
fn vectors(context: &Context) -> Result<Vec<Output>, String> {
    let mut outputs = vectors_crossborder::generate(context)?;
    outputs.extend(vectors_open_platform::generate(context)?);
    outputs.extend(vectors_labs::generate(context)?);
    Ok(outputs)
}

fn files_under(dir: &Path, root: &Path, found: &mut BTreeSet<String>) -> Result<(), String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            files_under(&path, root, found)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            found.insert(parts.join("/"));
        }
    }
    Ok(())
}

/// Runs every generator. Returns `Ok(false)` when `check` found differences (listed on
/// stderr); writes the files otherwise.
pub fn run(context: &Context, check: bool) -> Result<bool, String> {
    let mut problems = Vec::new();
    for generator in GENERATORS {
        let outputs =
            (generator.generate)(context).map_err(|e| format!("{}: {e}", generator.name))?;
        let mut existing = BTreeSet::new();
        files_under(
            &context.root.join(generator.owned_dir),
            &context.root,
            &mut existing,
        )?;
        for output in &outputs {
            existing.remove(&output.path);
            let target = context.root.join(&output.path);
            let current = fs::read(&target).ok();
            if current.as_deref() == Some(output.bytes.as_slice()) {
                continue;
            }
            if check {
                let what = if current.is_some() {
                    "differs"
                } else {
                    "missing"
                };
                problems.push(format!("{what}: {}", output.path));
            } else {
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                fs::write(&target, &output.bytes)
                    .map_err(|e| format!("{}: {e}", target.display()))?;
                println!("wrote {}", output.path);
            }
        }
        for stale in existing {
            if check {
                problems.push(format!("not generated: {stale}"));
            } else {
                let target = context.root.join(&stale);
                fs::remove_file(&target).map_err(|e| format!("{}: {e}", target.display()))?;
                println!("removed {stale}");
            }
        }
        if !check {
            println!("{}: {} file(s) up to date", generator.name, outputs.len());
        }
    }
    if problems.is_empty() {
        if check {
            println!("fixtures are up to date");
        }
        Ok(true)
    } else {
        eprintln!("fixtures differ from what the generators produce (run `cargo xtask fixtures`):");
        for problem in &problems {
            eprintln!("  {problem}");
        }
        Ok(false)
    }
}
