//! The throwaway server leaves nothing behind, however its test process ends: run a test
//! process in miniature (the crate's `lakala-test-postgres-child`), let it end, and look
//! for its directory and for any process still using it.
//!
//! Reading the child's standard output to its end waits for the cleanup itself: the
//! watchdog holds that output open until it has stopped the server and removed the
//! directory.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn child(how: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lakala-test-postgres-child"))
        .arg(how)
        .env_remove("LAKALA_TEST_POSTGRES_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child")
}

/// The `dir=` line the child printed once its server answered.
fn read_dir_line(reader: &mut impl BufRead) -> PathBuf {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let dir = line
        .trim()
        .strip_prefix("dir=")
        .unwrap_or_else(|| panic!("the child did not start its server: {line:?}"));
    PathBuf::from(dir)
}

/// Processes whose command line mentions `dir` (the server and its backends do: `-D DIR`).
fn processes_using(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|cmdline| cmdline.contains(&needle))
        .collect()
}

fn assert_gone(dir: &Path) {
    assert!(!dir.exists(), "{} is still there", dir.display());
    let left = processes_using(dir);
    assert!(left.is_empty(), "processes left running: {left:?}");
}

fn finish(mut child: Child) -> (std::process::ExitStatus, String) {
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap(), stderr)
}

#[test]
fn a_process_that_ends_normally_leaves_nothing() {
    let mut child = child("exit");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let dir = read_dir_line(&mut out);
    out.read_to_end(&mut Vec::new()).unwrap();
    let (status, stderr) = finish(child);
    assert!(status.success(), "{status}: {stderr}");
    assert_gone(&dir);
}

#[test]
fn a_process_whose_test_panics_leaves_nothing() {
    let mut child = child("panic");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let dir = read_dir_line(&mut out);
    out.read_to_end(&mut Vec::new()).unwrap();
    let (status, stderr) = finish(child);
    assert!(!status.success());
    assert!(stderr.contains("a test failed"), "{stderr}");
    assert_gone(&dir);
}

#[test]
fn a_killed_process_leaves_nothing() {
    let mut child = child("wait");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let dir = read_dir_line(&mut out);
    // Running until killed: the server is there meanwhile.
    assert!(dir.join("data").is_dir());
    assert!(!processes_using(&dir).is_empty());
    child.kill().unwrap(); // SIGKILL: no destructor, no exit handler runs
    out.read_to_end(&mut Vec::new()).unwrap();
    let (status, _) = finish(child);
    assert!(!status.success());
    assert_gone(&dir);
}

#[test]
fn without_the_binaries_a_test_fails_saying_what_to_install() {
    let output = Command::new(env!("CARGO_BIN_EXE_lakala-test-postgres-child"))
        .arg("exit")
        .env_remove("LAKALA_TEST_POSTGRES_URL")
        .env("PATH", "/nonexistent")
        .env("LAKALA_TEST_POSTGRES_DISTRIBUTION_DIR", "/nonexistent")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("apt-get install postgresql"), "{stderr}");
}
