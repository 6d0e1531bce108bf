//! What the sandbox received and how each check went, for the developer page
//! ([`crate::dev_page`]): the first place to look when a signature is refused.
//!
//! Each open-platform request passes its checks in order — the `Authorization` header is
//! read, the `appid` known, the `serial_no` the merchant certificate's, the signature
//! good, the timestamp fresh, the nonce new, then the content valid — and the first that
//! fails decides the answer code; so the code says which check failed, that the ones
//! before it passed and that the ones after it were not run.

use crate::api::{Api, HttpResponse};
use crate::behaviour::codes;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use lakala_crypto::Clock;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Requests remembered (the oldest are forgotten first).
const KEPT: usize = 500;

/// The checks of an open-platform request, in the order they run.
pub(crate) const CHECKS: [&str; 7] = [
    "authorization header",
    "appid",
    "serial",
    "signature",
    "freshness",
    "replay",
    "validation",
];

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckResult {
    Passed,
    Failed,
    NotRun,
}

/// One request and its answer.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub seq: u64,
    pub at: i64,
    pub path: String,
    pub out_trade_no: Option<String>,
    pub status: u16,
    pub code: String,
    pub msg: String,
    /// `None` for gate/auth (its own envelope: see the answer).
    pub checks: Option<[CheckResult; 7]>,
}

/// The log.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<Received>,
    seq: u64,
}

impl RequestLog {
    /// The entries, newest first.
    pub(crate) fn newest_first(&self) -> Vec<Received> {
        self.entries.iter().rev().cloned().collect()
    }
}

/// Which check an answer code says failed (`None`: every check passed).
fn failed_check(code: &str) -> Option<usize> {
    Some(match code {
        codes::AUTH_MALFORMED => 0,
        codes::AUTH_UNKNOWN_APPID => 1,
        codes::AUTH_UNKNOWN_SERIAL => 2,
        codes::AUTH_BAD_SIGNATURE => 3,
        codes::AUTH_STALE => 4,
        codes::AUTH_REPLAY => 5,
        codes::INVALID_REQUEST | codes::UNSUPPORTED_COMBINATION | codes::CANNOT_DECRYPT => 6,
        _ => return None,
    })
}

fn checks_of(code: &str) -> [CheckResult; 7] {
    let failed = failed_check(code);
    std::array::from_fn(|i| match failed {
        None => CheckResult::Passed,
        Some(f) if i < f => CheckResult::Passed,
        Some(f) if i == f => CheckResult::Failed,
        Some(_) => CheckResult::NotRun,
    })
}

/// The `out_trade_no` of a request body (`req_data.out_trade_no`), if it is plain JSON.
fn out_trade_no(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let n = v.get("req_data")?.get("out_trade_no")?.as_str()?;
    Some(n.chars().take(64).collect())
}

/// Notes `response` (to a request to `path` for `api` with `body`) in the log, and gives
/// it back unchanged.
pub(crate) async fn record(
    requests: &Mutex<RequestLog>,
    clock: &dyn Clock,
    path: &str,
    api: Api,
    body: &[u8],
    response: HttpResponse,
) -> HttpResponse {
    let (parts, full) = response.into_parts();
    let bytes: Bytes = full
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let answer: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
    let field = |names: &[&str]| {
        answer
            .as_ref()
            .and_then(|a| names.iter().find_map(|n| a.get(*n)?.as_str()))
            .map(|s| s.chars().take(300).collect::<String>())
    };
    let code = field(&["code", "retCode"]).unwrap_or_else(|| "(sealed)".to_owned());
    let msg = field(&["msg", "retMsg"]).unwrap_or_default();
    let checks = (api != Api::GateAuth).then(|| checks_of(&code));
    {
        // As `crate::shared::lock`: a panic while holding the lock leaves plain data behind.
        let mut log = requests.lock().unwrap_or_else(|p| p.into_inner());
        log.seq += 1;
        let entry = Received {
            seq: log.seq,
            at: clock.unix_seconds(),
            path: path.to_owned(),
            out_trade_no: out_trade_no(body),
            status: parts.status.as_u16(),
            code,
            msg,
            checks,
        };
        log.entries.push_back(entry);
        while log.entries.len() > KEPT {
            log.entries.pop_front();
        }
    }
    HttpResponse::from_parts(parts, Full::new(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_says_which_check_failed() {
        use CheckResult::*;
        assert_eq!(
            checks_of(codes::AUTH_BAD_SIGNATURE),
            [Passed, Passed, Passed, Failed, NotRun, NotRun, NotRun]
        );
        assert_eq!(checks_of("BBS00000"), [Passed; 7]);
        assert_eq!(checks_of(codes::AUTH_MALFORMED)[0], Failed);
        assert_eq!(checks_of(codes::INVALID_REQUEST)[6], Failed);
    }
}
