//! What the test suite needs from the machine besides the Rust toolchain, how each need is
//! checked, and the Debian/Ubuntu package that meets it (the same list `.ci/run` checked
//! on its own before `cargo xtask test` existed).

use std::path::Path;
use std::process::{Command, Stdio};

/// One thing the tests need.
pub struct Prerequisite {
    /// What it is for, in a few words.
    pub purpose: &'static str,
    /// The Debian/Ubuntu package that provides it.
    pub package: &'static str,
    /// Whether the machine has it.
    pub present: fn() -> bool,
}

/// Everything the tests (and CI's independent consumers) need.
pub const ALL: &[Prerequisite] = &[
    Prerequisite {
        purpose: "openssl command (crypto cross-checks)",
        package: "openssl",
        present: || on_path("openssl"),
    },
    Prerequisite {
        purpose: "iconv (GBK cross-checks)",
        package: "libc-bin",
        present: || on_path("iconv"),
    },
    Prerequisite {
        purpose: "pkg-config (lakala-crypto's `openssl` backend)",
        package: "pkg-config",
        present: || on_path("pkg-config"),
    },
    Prerequisite {
        purpose: "OpenSSL headers (lakala-crypto's `openssl` backend)",
        package: "libssl-dev",
        present: || succeeds("pkg-config", &["--exists", "openssl"]),
    },
    Prerequisite {
        purpose: "PostgreSQL server binaries (journal tests start their own server)",
        package: "postgresql",
        present: postgres_present,
    },
    Prerequisite {
        purpose: "chattr (journal tests make a file immutable)",
        package: "e2fsprogs",
        present: || on_path("chattr"),
    },
    Prerequisite {
        purpose: "Python with cryptography (interop/python, the SM4 cross-check)",
        package: "python3-cryptography",
        present: || succeeds("python3", &["-c", "import cryptography"]),
    },
    Prerequisite {
        purpose: "Node.js (interop/node)",
        package: "nodejs",
        present: || on_path("node"),
    },
    Prerequisite {
        // default-jdk-headless: whichever JDK the release ships (17 or 21), where a
        // versioned package would be missing from some releases.
        purpose: "a JDK (interop/java)",
        package: "default-jdk-headless",
        present: || on_path("javac"),
    },
    Prerequisite {
        purpose: "Chromium (lakala-console's and the sandbox page's browser tests)",
        package: "chromium",
        present: || executable(Path::new("/usr/bin/chromium")),
    },
    Prerequisite {
        purpose: "chromedriver (the browser tests drive Chromium over WebDriver)",
        package: "chromium-driver",
        present: || executable(Path::new("/usr/bin/chromedriver")),
    },
    Prerequisite {
        purpose: "git (CI's fresh clone)",
        package: "git",
        present: || on_path("git"),
    },
];

/// The prerequisites this machine lacks.
pub fn missing() -> Vec<&'static Prerequisite> {
    ALL.iter().filter(|p| !(p.present)()).collect()
}

/// Whether `name` is an executable file in a directory of `PATH`.
pub fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(name))))
        .unwrap_or(false)
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Whether `program args` runs and exits 0 (quietly).
fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `initdb` and `pg_ctl` on `PATH`, or in `/usr/lib/postgresql/*/bin` (where Debian and
/// Ubuntu keep them): where lakala-test-postgres looks.
fn postgres_present() -> bool {
    if on_path("initdb") && on_path("pg_ctl") {
        return true;
    }
    std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|version| {
            let bin = version.path().join("bin");
            executable(&bin.join("initdb")) && executable(&bin.join("pg_ctl"))
        })
}
