//! The run's trace: one line per thing that happened, stamped with simulated time. Two runs
//! of one seed write the same lines; a violation shows the tail.

use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// A shared, append-only trace. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Trace {
    lines: Arc<Mutex<Vec<String>>>,
    origin: Instant,
    echo: bool,
}

impl Trace {
    /// An empty trace whose times count from now; with `echo`, every line is also printed
    /// as it is written (for replays).
    pub fn new(echo: bool) -> Self {
        Self {
            lines: Arc::default(),
            origin: Instant::now(),
            echo,
        }
    }

    /// Appends `line`, stamped with the simulated time.
    pub fn log(&self, line: impl AsRef<str>) {
        let elapsed = Instant::now().saturating_duration_since(self.origin);
        let stamped = format!(
            "[{:>6}.{:03}] {}",
            elapsed.as_secs(),
            elapsed.subsec_millis(),
            line.as_ref()
        );
        if self.echo {
            use std::io::Write;
            // A closed pipe (`| head`) is not the run's business.
            let _ = writeln!(std::io::stdout().lock(), "{stamped}");
        }
        self.lock().push(stamped);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many lines were written.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The last `n` lines, and the earlier lines that mention `needle` (at most `n` of them).
    pub fn tail(&self, n: usize, needle: Option<&str>) -> Vec<String> {
        let lines = self.lock();
        let start = lines.len().saturating_sub(n);
        let mut out: Vec<String> = match needle {
            Some(needle) => {
                let earlier: Vec<&String> = lines[..start]
                    .iter()
                    .filter(|l| l.contains(needle))
                    .collect();
                let skip = earlier.len().saturating_sub(n);
                earlier.into_iter().skip(skip).cloned().collect()
            }
            None => Vec::new(),
        };
        if !out.is_empty() {
            out.push("  ...".to_owned());
        }
        out.extend(lines[start..].iter().cloned());
        out
    }

    /// Every line.
    pub fn lines(&self) -> Vec<String> {
        self.lock().clone()
    }

    /// SHA-256 of every line, in order (hex): equal for two runs of one seed.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        for line in self.lock().iter() {
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
        }
        hex::encode(hasher.finalize())
    }
}
