//! Archives of pruned payments: gzip-compressed JSON lines (feature `archive`).
//!
//! One line per payment: `{"v":1,"payment":{...},"events":[...]}`, the payment with every
//! field of [`PaymentRecord`] under its own name and the events as stored (`seq`, `at`,
//! `instance`, `kind`, `payload`). Gzip and JSON lines because every machine can read
//! them without this crate (`zcat archive.jsonl.gz | jq`), they stream (neither writing
//! nor reading holds more than a batch), and they append: each batch
//! [`GzipArchive::sync`] writes is one complete gzip member (RFC 1952 allows several in
//! one file; `zcat` and [`ArchiveReader`] read them all), so a file that grew over many
//! prunes, or one whose last prune was interrupted after a sync, is still whole.
//!
//! The archive is a copy of journal rows: it holds what the journal held (masked auth
//! codes, auth digests, payloads as the caller wrote them) and must be kept like the
//! journal itself.

use crate::error::JournalError;
use crate::event::Event;
use crate::payment::{PaymentKey, PaymentRecord};
use crate::retention::ArchiveSink;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The format version written in every line.
const VERSION: i64 = 1;

/// The longest line [`ArchiveReader`] accepts (a payment with many large events).
pub const MAX_LINE: u64 = 64 * 1024 * 1024;

/// A payment read back from an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedPayment {
    /// The payment as it was when archived.
    pub payment: PaymentRecord,
    /// Its events, in order.
    pub events: Vec<Event>,
}

/// Appends payments to a gzip JSON-lines archive file (created when missing).
#[derive(Debug)]
pub struct GzipArchive {
    path: PathBuf,
    file: File,
    batch: GzEncoder<Vec<u8>>,
    pending: u64,
}

impl GzipArchive {
    /// Opens `path` for appending, creating it (and syncing its directory) when missing.
    pub fn append(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let existed = path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| io("cannot open the archive", &path, e))?;
        if !existed {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(|e| io("cannot sync the archive's directory", &path, e))?;
            }
        }
        Ok(Self {
            path,
            file,
            batch: GzEncoder::new(Vec::new(), Compression::default()),
            pending: 0,
        })
    }

    /// The archive's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl ArchiveSink for GzipArchive {
    fn write(&mut self, payment: &PaymentRecord, events: &[Event]) -> Result<(), JournalError> {
        let line = json!({
            "v": VERSION,
            "payment": record_json(payment),
            "events": events.iter().map(event_json).collect::<Vec<_>>(),
        });
        let mut text = line.to_string();
        text.push('\n');
        self.batch
            .write_all(text.as_bytes())
            .map_err(|e| io("cannot compress into the archive", &self.path, e))?;
        self.pending += 1;
        Ok(())
    }

    /// Ends the batch's gzip member, appends it to the file and syncs the file.
    fn sync(&mut self) -> Result<(), JournalError> {
        if self.pending == 0 {
            return Ok(());
        }
        let batch = std::mem::replace(
            &mut self.batch,
            GzEncoder::new(Vec::new(), Compression::default()),
        );
        let bytes = batch
            .finish()
            .map_err(|e| io("cannot compress into the archive", &self.path, e))?;
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| io("cannot write the archive", &self.path, e))?;
        self.pending = 0;
        Ok(())
    }
}

/// Reads an archive back, one payment at a time (never the whole file in memory).
pub struct ArchiveReader {
    path: PathBuf,
    lines: BufReader<MultiGzDecoder<BufReader<File>>>,
    line_no: u64,
    failed: bool,
}

impl std::fmt::Debug for ArchiveReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveReader")
            .field("path", &self.path)
            .field("line_no", &self.line_no)
            .finish()
    }
}

impl ArchiveReader {
    /// Opens the archive at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| io("cannot open the archive", &path, e))?;
        Ok(Self {
            lines: BufReader::new(MultiGzDecoder::new(BufReader::new(file))),
            path,
            line_no: 0,
            failed: false,
        })
    }

    fn next_payment(&mut self) -> Result<Option<ArchivedPayment>, JournalError> {
        let mut line = Vec::new();
        let read = (&mut self.lines)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| {
                JournalError::corrupt(format!(
                    "the archive {} is not readable gzip after line {}: {e}",
                    self.path.display(),
                    self.line_no
                ))
            })?;
        if read == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        let bad = |what: &str| {
            JournalError::corrupt(format!(
                "line {} of the archive {}: {what}",
                self.line_no,
                self.path.display()
            ))
        };
        if line.len() as u64 > MAX_LINE {
            return Err(bad("longer than the longest line accepted"));
        }
        if line.last() != Some(&b'\n') {
            return Err(bad("cut short (no end of line)"));
        }
        let value: Value = serde_json::from_slice(&line).map_err(|_| bad("not JSON"))?;
        if value.get("v").and_then(Value::as_i64) != Some(VERSION) {
            return Err(bad("not a version 1 archive line"));
        }
        let payment = value
            .get("payment")
            .ok_or_else(|| bad("no payment"))
            .and_then(|p| record_from_json(p).map_err(|e| bad(&e)))?;
        let events = value
            .get("events")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no events"))?
            .iter()
            .map(|e| event_from_json(e).map_err(|e| bad(&e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ArchivedPayment { payment, events }))
    }
}

impl Iterator for ArchiveReader {
    type Item = Result<ArchivedPayment, JournalError>;

    /// The next payment; an error (a damaged or foreign file, naming the line) ends the
    /// reading.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_payment() {
            Ok(p) => p.map(Ok),
            Err(e) => {
                // Nothing after a damaged place is trusted.
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> JournalError {
    JournalError::Io {
        reason: format!("{what} {}: {e}", path.display()),
    }
}

fn record_json(r: &PaymentRecord) -> Value {
    json!({
        "merchant_no": r.key.merchant_no, "out_trade_no": r.key.out_trade_no,
        "kind": r.kind.as_str(), "term_no": r.term_no,
        "origin_out_trade_no": r.origin_out_trade_no, "amount_fen": r.amount_fen,
        "masked_auth_code": r.masked_auth_code, "auth_digest": r.auth_digest,
        "fingerprint": r.fingerprint, "status": r.status.as_str(), "trade_no": r.trade_no,
        "last_trade_state": r.last_trade_state, "outcome": r.outcome, "reason": r.reason,
        "attempts": r.attempts, "event_count": r.event_count, "created_at": r.created_at,
        "created_by": r.created_by, "updated_at": r.updated_at,
        "next_check_at": r.next_check_at, "finished_at": r.finished_at,
        "lease_owner": r.lease_owner, "lease_until": r.lease_until,
        "lease_token": r.lease_token, "conflict": r.conflict,
    })
}

fn event_json(e: &Event) -> Value {
    json!({"seq": e.seq, "at": e.at, "instance": e.instance, "kind": e.kind, "payload": e.payload})
}

fn text(v: &Value, field: &str) -> Result<String, String> {
    v.get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{field} is not text"))
}

fn opt_text(v: &Value, field: &str) -> Result<Option<String>, String> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{field} is not text")),
    }
}

fn int(v: &Value, field: &str) -> Result<i64, String> {
    v.get(field)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("{field} is not an integer"))
}

fn opt_int(v: &Value, field: &str) -> Result<Option<i64>, String> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{field} is not an integer")),
    }
}

fn record_from_json(v: &Value) -> Result<PaymentRecord, String> {
    let key = PaymentKey::new(text(v, "merchant_no")?, text(v, "out_trade_no")?);
    key.validate().map_err(|e| e.to_string())?;
    Ok(PaymentRecord {
        key,
        kind: text(v, "kind")?.parse().map_err(|_| "unknown kind")?,
        term_no: text(v, "term_no")?,
        origin_out_trade_no: opt_text(v, "origin_out_trade_no")?,
        amount_fen: opt_int(v, "amount_fen")?,
        masked_auth_code: opt_text(v, "masked_auth_code")?,
        auth_digest: opt_text(v, "auth_digest")?,
        fingerprint: text(v, "fingerprint")?,
        status: text(v, "status")?.parse().map_err(|_| "unknown status")?,
        trade_no: opt_text(v, "trade_no")?,
        last_trade_state: opt_text(v, "last_trade_state")?,
        outcome: opt_text(v, "outcome")?,
        reason: opt_text(v, "reason")?,
        attempts: int(v, "attempts")?,
        event_count: int(v, "event_count")?,
        created_at: int(v, "created_at")?,
        created_by: text(v, "created_by")?,
        updated_at: int(v, "updated_at")?,
        next_check_at: opt_int(v, "next_check_at")?,
        finished_at: opt_int(v, "finished_at")?,
        lease_owner: opt_text(v, "lease_owner")?,
        lease_until: opt_int(v, "lease_until")?,
        lease_token: int(v, "lease_token")?,
        conflict: opt_text(v, "conflict")?,
    })
}

fn event_from_json(v: &Value) -> Result<Event, String> {
    Ok(Event {
        seq: int(v, "seq")?,
        at: int(v, "at")?,
        instance: text(v, "instance")?,
        kind: text(v, "kind")?,
        payload: v.get("payload").cloned().ok_or("no payload")?,
    })
}
