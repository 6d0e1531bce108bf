//! Issue 19, client side: settled stays settled. One test per rule, each against the
//! scripted platform (real signatures both ways), counting what reaches the transport.

mod support;

use lakala_client::resolver::{ResolverConfig, ResolverPolicy};
use lakala_client::{
    ClientError, Confirmation, FailureReason, HttpTransport, LakalaClient, MicropayOptions,
    PaymentOutcome, PendingPolicy, RefundOutcome, SettledEvent, TransportError,
};
use lakala_journal::{
    Claim, Intent, JournalError, Lease, MemoryJournal, PaymentJournal, PaymentKey, PaymentKind,
    PaymentStatus,
};
use lakala_transport::{async_trait, HttpRequest, HttpResponse};
use lakala_types::micropay::{LocationInfo, MicropayRequest, RefundRequest};
use lakala_types::Amount;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{harness, notify_signer, FakePlatform, Harness, Reply};

const PAY: &str = "/api/v3/dcp/trans/micropay";
const QUERY: &str = "/api/v3/labs/query/tradequery";
const REVOKE: &str = "/api/v3/labs/relation/revoked";
const REFUND: &str = "/api/v3/labs/relation/refund";
const REFUND_QUERY: &str = "/api/v3/labs/query/idmrefundquery";
const MERCHANT: &str = "822290070111135";
const CODE: &str = "288576824003652810";

fn location() -> LocationInfo {
    LocationInfo::builder()
        .request_ip("127.0.0.1")
        .build()
        .unwrap()
}

fn request_with(order: &str, auth_code: &str) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no(MERCHANT)
        .term_no("29034705")
        .out_trade_no(order)
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(location())
        .build()
        .unwrap()
}

fn request(order: &str) -> MicropayRequest {
    request_with(order, CODE)
}

fn answer(code: &str, order: &str, need_query: &str) -> Value {
    json!({"code": code, "msg": "m", "resp_time": "20240929033128", "resp_data": {
        "need_query": need_query, "out_trade_no": order, "trade_no": format!("T{order}"),
        "total_amount": "101"}})
}

fn state_of(order: &str, state: &str) -> Value {
    json!({"code": "BBS00000", "msg": "成功", "resp_time": "20240929033128", "resp_data": {
        "merchant_no": MERCHANT, "out_trade_no": order, "trade_no": format!("T{order}"),
        "trade_state": state, "total_amount": "101"}})
}

fn bare(code: &str, msg: &str) -> Value {
    json!({"code": code, "msg": msg, "resp_time": "20240929033128"})
}

fn key(order: &str) -> PaymentKey {
    PaymentKey::new(MERCHANT, order)
}

/// Counts every request by path, and can hang micropays forever (a process killed while
/// the micropay's answer is slow).
#[derive(Debug)]
struct Counting {
    platform: Arc<FakePlatform>,
    hang_micropay: AtomicBool,
    counts: Mutex<Vec<String>>,
}

impl Counting {
    fn new(platform: Arc<FakePlatform>) -> Arc<Self> {
        Arc::new(Self {
            platform,
            hang_micropay: AtomicBool::new(false),
            counts: Mutex::default(),
        })
    }

    fn count(&self, path: &str) -> usize {
        self.counts
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

#[async_trait]
impl HttpTransport for Counting {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request
            .url
            .strip_prefix("http://platform.test")
            .unwrap_or_default()
            .to_owned();
        self.counts.lock().unwrap().push(path.clone());
        if path == PAY && self.hang_micropay.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.platform.send(request).await
    }
}

fn client(
    h: &Harness,
    transport: &Arc<Counting>,
    journal: Arc<dyn PaymentJournal>,
) -> LakalaClient {
    LakalaClient::builder(h.config.clone())
        .transport(transport.clone())
        .clock(h.clock.clone())
        .sleeper(h.sleeper.clone())
        .journal(journal)
        .instance("till-1")
        .build()
        .unwrap()
}

fn now(h: &Harness) -> i64 {
    lakala_crypto::Clock::unix_seconds(&*h.clock)
}

/// Runs a micropay on a runtime of its own and kills that runtime once the micropay is on
/// the wire: the intent is journaled, the request may have left, no answer was journaled.
fn crash_during_micropay(client: &LakalaClient, transport: &Arc<Counting>, req: MicropayRequest) {
    transport.hang_micropay.store(true, Ordering::SeqCst);
    let (client, transport2) = (client.clone(), transport.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let _handle = client
                .start_micropay(req, MicropayOptions::new(PendingPolicy::ReturnPending))
                .unwrap();
            while transport2.count(PAY) == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        // Dropping the runtime kills the flow mid-exchange.
    })
    .join()
    .unwrap();
    transport.hang_micropay.store(false, Ordering::SeqCst);
}

// ---------------------------------------------------------------------------------------
// Scenario 1: a paid order is never revoked after the till was told "succeeded".
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn scenario_1_an_inconclusive_pending_policy_revoke_is_never_sent_again_once_paid() {
    // An answered, inconclusive revoke did not run: the SUCCESS after it is final. A revoke
    // that timed out may still arrive and reverse the payment: the SUCCESS after it is
    // reported pending, and a resolver settles it once the revoke cannot be in flight.
    for (revoke_reply, told) in [
        (Reply::Json(bare("BBS99999", "系统异常")), "succeeded"),
        (
            Reply::FailAfter(TransportError::Timeout { elapsed_ms: 30_000 }),
            "pending",
        ),
    ] {
        let h = harness();
        let transport = Counting::new(h.platform.clone());
        let journal = Arc::new(MemoryJournal::new());
        let client = client(&h, &transport, journal.clone());
        let revoke_no = lakala_client::revoke_number("S1", "R");
        h.platform
            .push(PAY, Reply::Json(answer("DCP10000", "S1", "1")));
        for _ in 0..7 {
            h.platform.push(QUERY, Reply::Json(state_of("S1", "DEAL")));
        }
        h.platform.push(REVOKE, revoke_reply);
        // The payer's payment lands while the revoke's fate is unknown.
        h.platform
            .push(QUERY, Reply::Json(state_of("S1", "SUCCESS")));
        let outcome = client
            .micropay(
                request("S1"),
                MicropayOptions::new(PendingPolicy::Revoke {
                    revoke_out_trade_no: revoke_no.clone(),
                }),
            )
            .await
            .unwrap();
        assert_eq!(outcome.word(), told, "{outcome:?}");
        assert_eq!(transport.count(REVOKE), 1);
        let revoke = journal.payment(&key(&revoke_no)).await.unwrap().unwrap();
        assert_eq!(revoke.kind, PaymentKind::Revoke);
        assert_eq!(revoke.origin_out_trade_no.as_deref(), Some("S1"));

        // Everything the resolver can do, long after, on every open payment.
        h.clock.advance(Duration::from_secs(3600));
        for _ in 0..4 {
            h.platform
                .push(QUERY, Reply::Json(state_of("S1", "SUCCESS")));
        }
        let resolver = client.resolver(ResolverConfig::default()).unwrap();
        resolver.resolve_now(None).await.unwrap();
        h.clock.advance(Duration::from_secs(3600));
        resolver.run_once().await.unwrap();
        assert_eq!(transport.count(REVOKE), 1, "the revoke was sent again");
        let revoke = journal.payment(&key(&revoke_no)).await.unwrap().unwrap();
        assert_eq!(revoke.status, PaymentStatus::Failed, "{revoke:?}");
        assert_eq!(revoke.outcome.as_deref(), Some("moot"));
        let payment = journal.payment(&key("S1")).await.unwrap().unwrap();
        assert_eq!(payment.status, PaymentStatus::Succeeded);
    }
}

// ---------------------------------------------------------------------------------------
// Scenario 2: inconclusive is not "not found"; a micropay is sent again only on a definite
// not-found past the window, with the same auth code.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn scenario_2_inconclusive_queries_never_lead_to_a_second_micropay() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&h, &transport, journal.clone());
    crash_during_micropay(&client, &transport, request("S2"));
    assert_eq!(transport.count(PAY), 1);
    assert_eq!(
        journal.payment(&key("S2")).await.unwrap().unwrap().status,
        PaymentStatus::Recorded
    );
    // The till retries the same order at once; the queries say nothing conclusive.
    let inconclusive = [
        bare("000101", "网络请求超时"),
        bare("BBS10000", "交易状态为支付中"),
        bare("BBS99999", "系统繁忙"),
        json!({"code": "BBS00000", "msg": "成功", "resp_data": {"merchant_no": MERCHANT,
            "out_trade_no": "S2", "total_amount": "101"}}),
        bare("000100", "网络请求失败"),
        bare("BBS10000", "交易状态为支付中"),
        bare("000101", "网络请求超时"),
        bare("BBS99999", "系统繁忙"),
    ];
    for reply in inconclusive {
        h.platform.push(QUERY, Reply::Json(reply));
    }
    let outcome = client
        .micropay(
            request("S2"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert_eq!(outcome.word(), "pending", "{outcome:?}");
    assert_eq!(transport.count(PAY), 1, "a second micropay went out");
    // Still provably unsent as far as the journal knows.
    assert_eq!(
        journal.payment(&key("S2")).await.unwrap().unwrap().status,
        PaymentStatus::Recorded
    );

    // Past the in-flight window, a definite "no such order": sent again, once, same number.
    h.clock.advance(Duration::from_secs(120));
    h.platform
        .push(QUERY, Reply::Json(bare("SBX00004", "交易不存在")));
    let mut paid = answer("DCP00000", "S2", "0");
    paid["resp_data"]["merchant_no"] = json!(MERCHANT);
    h.platform.push(PAY, Reply::Json(paid));
    let outcome = client
        .micropay(
            request("S2"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert_eq!(outcome.word(), "succeeded", "{outcome:?}");
    assert_eq!(transport.count(PAY), 2);
    let sent: Vec<Value> = h.platform.seen(PAY).into_iter().map(|s| s.json).collect();
    assert_eq!(sent.last().unwrap()["req_data"]["out_trade_no"], "S2");
}

#[tokio::test]
async fn scenario_2_a_reused_number_with_another_barcode_is_refused_naming_it() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&h, &transport, journal.clone());
    crash_during_micropay(&client, &transport, request("S3"));
    h.clock.advance(Duration::from_secs(120));
    let err = client
        .micropay(
            request_with("S3", "288576824003659999"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::OtherAuthCode { out_trade_no, .. } if out_trade_no == "S3"),
        "{err}"
    );
    assert!(err.to_string().contains("S3") && !err.to_string().contains("9999"));
    assert!(!err.may_have_been_executed());
    assert_eq!(transport.count(PAY), 1);
    assert_eq!(
        transport.count(QUERY),
        0,
        "refused before anything was asked"
    );
    // The journal holds a keyed digest, never the code.
    let record = journal.payment(&key("S3")).await.unwrap().unwrap();
    let digest = record.auth_digest.unwrap();
    assert!(digest.starts_with("hmac-sha256:") && !digest.contains("2810"));
}

#[tokio::test]
async fn scenario_2_a_not_found_inside_the_window_waits_for_its_end_then_sends_once() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&h, &transport, journal.clone());
    crash_during_micropay(&client, &transport, request("S4"));
    // Retried at once: not found twice (inside the window, then after it).
    h.platform
        .push(QUERY, Reply::Json(bare("SBX00004", "交易不存在")));
    h.platform
        .push(QUERY, Reply::Json(bare("SBX00004", "交易不存在")));
    let mut paid = answer("DCP00000", "S4", "0");
    paid["resp_data"]["merchant_no"] = json!(MERCHANT);
    h.platform.push(PAY, Reply::Json(paid));
    let outcome = client
        .micropay(
            request("S4"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert_eq!(outcome.word(), "succeeded", "{outcome:?}");
    assert_eq!(transport.count(PAY), 2);
    assert_eq!(transport.count(QUERY), 2);
    // It waited out the window (twice the 30 s request timeout) before asking again.
    assert!(h.waits().iter().sum::<u64>() >= 60, "{:?}", h.waits());
}

#[tokio::test]
async fn a_payment_that_never_reached_the_platform_ends_failed_not_sent_promptly() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&h, &transport, journal.clone());
    // The intent was journaled, then the process died before anything left.
    let started = now(&h);
    journal
        .record_intent(
            &Intent::micropay(
                key("S5"),
                "29034705",
                101,
                "**************2810",
                "0123456789abcdef0123456789abcdef",
                "dead-till",
                started,
            )
            .with_next_check_at(started),
        )
        .await
        .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let resolver = client
        .resolver(
            ResolverConfig::default().on_settled(move |e| seen.lock().unwrap().push(e.clone())),
        )
        .unwrap();
    // Inside the window a "not found" proves nothing: it stays open.
    h.platform
        .push(QUERY, Reply::Json(bare("SBX00004", "交易不存在")));
    let round = resolver.run_once().await.unwrap();
    assert_eq!(round[0].status, PaymentStatus::Recorded, "{round:?}");
    // Minutes later, not hours: failed, never sent, nothing charged.
    h.clock.advance(Duration::from_secs(61));
    h.platform
        .push(QUERY, Reply::Json(bare("SBX00004", "交易不存在")));
    let round = resolver.run_once().await.unwrap();
    assert_eq!(round[0].status, PaymentStatus::Failed, "{round:?}");
    assert!(
        round[0].detail.contains("never reached the platform"),
        "{round:?}"
    );
    assert_eq!(now(&h) - started, 61);
    assert_eq!(transport.count(PAY), 0);
    let events = events.lock().unwrap();
    assert!(
        matches!(
            &events[..],
            [SettledEvent::Final {
                status: PaymentStatus::Failed,
                ..
            }]
        ),
        "{events:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Scenario 3: a refund still in progress is never reported done, never sent again.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn scenario_3_a_refund_answered_deal_is_in_progress_and_settled_by_the_refund_query() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&h, &transport, journal.clone());
    h.platform.push(
        REFUND,
        Reply::Json(json!({"code": "BBS00000", "msg": "成功", "resp_data": {
            "out_trade_no": "S6F", "origin_out_trade_no": "S6", "refund_amount": "50",
            "trade_state": "DEAL"}})),
    );
    let refund = RefundRequest::builder()
        .merchant_no(MERCHANT)
        .term_no("29034705")
        .out_trade_no("S6F")
        .refund_amount(Amount::from_fen(50).unwrap())
        .origin_out_trade_no("S6")
        .location_info(location())
        .build()
        .unwrap();
    let outcome = client.refund(refund).await.unwrap();
    assert!(
        matches!(&outcome, RefundOutcome::InProgress { .. }),
        "{outcome:?}"
    );
    let record = journal.payment(&key("S6F")).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Pending);

    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let resolver = client
        .resolver(
            ResolverConfig::default().on_settled(move |e| seen.lock().unwrap().push(e.clone())),
        )
        .unwrap();
    let refund_state = |state: &str| {
        Reply::Json(json!({"code": "BBS00000", "msg": "成功", "resp_data": {
            "merchant_no": MERCHANT, "out_refund_order_no": "S6F", "trade_state": state}}))
    };
    // Still DEAL, then SUCCESS: settled by query, never by refunding again.
    for state in ["DEAL", "SUCCESS"] {
        h.clock.advance(Duration::from_secs(3600));
        h.platform.push(REFUND_QUERY, refund_state(state));
        resolver.resolve_now(Some(&key("S6F"))).await.unwrap();
    }
    let record = journal.payment(&key("S6F")).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded, "{record:?}");
    assert_eq!(record.outcome.as_deref(), Some("refunded"));
    assert_eq!(transport.count(REFUND), 1, "the refund was sent again");
    assert_eq!(transport.count(REFUND_QUERY), 2);
    assert!(events.lock().unwrap().iter().any(|e| matches!(e,
        SettledEvent::Final { outcome, .. } if outcome == "refunded")));
}

// ---------------------------------------------------------------------------------------
// Leases that hold.
// ---------------------------------------------------------------------------------------

/// A memory journal whose lease renewals can be made to fail, and that records claims.
#[derive(Debug, Default)]
struct Leases {
    inner: MemoryJournal,
    /// Renewals to allow before every further one fails with `LeaseLost`.
    renewals_left: Mutex<Option<usize>>,
    claims: Mutex<Vec<(i64, usize, usize)>>,
}

#[async_trait::async_trait]
impl PaymentJournal for Leases {
    async fn record_intent(&self, i: &Intent) -> Result<lakala_journal::Recorded, JournalError> {
        self.inner.record_intent(i).await
    }
    async fn append(
        &self,
        k: &PaymentKey,
        e: &lakala_journal::NewEvent,
        u: &lakala_journal::StateUpdate,
        f: Option<&Lease>,
    ) -> Result<lakala_journal::PaymentRecord, JournalError> {
        self.inner.append(k, e, u, f).await
    }
    async fn payment(
        &self,
        k: &PaymentKey,
    ) -> Result<Option<lakala_journal::PaymentRecord>, JournalError> {
        self.inner.payment(k).await
    }
    async fn events(&self, k: &PaymentKey) -> Result<Vec<lakala_journal::Event>, JournalError> {
        self.inner.events(k).await
    }
    async fn list(
        &self,
        f: &lakala_journal::ListFilter,
    ) -> Result<Vec<lakala_journal::PaymentRecord>, JournalError> {
        self.inner.list(f).await
    }
    async fn claim_due(
        &self,
        owner: &str,
        now: i64,
        lease_secs: i64,
        limit: usize,
    ) -> Result<Vec<Claim>, JournalError> {
        let claims = self.inner.claim_due(owner, now, lease_secs, limit).await?;
        self.claims
            .lock()
            .unwrap()
            .push((lease_secs, limit, claims.len()));
        Ok(claims)
    }
    async fn claim_payment(
        &self,
        key: &PaymentKey,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<Claim>, JournalError> {
        self.inner.claim_payment(key, owner, now, lease_secs).await
    }
    async fn renew(&self, lease: &Lease, until: i64) -> Result<Lease, JournalError> {
        let lost = {
            let mut left = self.renewals_left.lock().unwrap();
            match left.as_mut() {
                Some(0) => true,
                Some(n) => {
                    *n -= 1;
                    false
                }
                None => false,
            }
        };
        if lost {
            return Err(JournalError::LeaseLost);
        }
        self.inner.renew(lease, until).await
    }
    async fn release(&self, lease: &Lease, next: Option<i64>) -> Result<(), JournalError> {
        self.inner.release(lease, next).await
    }
    async fn prune(&self, before: i64) -> Result<u64, JournalError> {
        self.inner.prune(before).await
    }
}

/// A payment pending past the spec's schedule (seven queries), due now.
async fn pending_past_the_schedule(h: &Harness, client: &LakalaClient, order: &str) {
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", order, "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state_of(order, "DEAL")));
    }
    let outcome = client
        .micropay(
            request(order),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert_eq!(outcome.word(), "pending");
    h.clock.advance(Duration::from_secs(600));
}

fn revoking() -> ResolverConfig {
    ResolverConfig {
        on_pending: ResolverPolicy::Revoke {
            suffix: "R".into(),
            location: location(),
        },
        ..ResolverConfig::default()
    }
}

#[tokio::test]
async fn a_lease_lost_right_before_the_send_sends_nothing() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(Leases::default());
    let client = client(&h, &transport, journal.clone());
    pending_past_the_schedule(&h, &client, "L1").await;
    // The renewal before the work succeeds, the one right before the revoke fails.
    *journal.renewals_left.lock().unwrap() = Some(1);
    h.platform.push(QUERY, Reply::Json(state_of("L1", "DEAL")));
    let round = client
        .resolver(revoking())
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(round.len(), 1);
    assert!(round[0].detail.contains("lease lost"), "{round:?}");
    assert_eq!(
        transport.count(REVOKE),
        0,
        "a revoke went out under a lost lease"
    );

    // With the lease held, the same round revokes (the test could fail).
    *journal.renewals_left.lock().unwrap() = None;
    h.clock.advance(Duration::from_secs(600));
    h.platform.push(QUERY, Reply::Json(state_of("L1", "DEAL")));
    h.platform.push(
        REVOKE,
        Reply::Json(json!({"code": "BBS00000", "msg": "成功", "resp_data": {
            "out_trade_no": "L1R", "origin_out_trade_no": "L1"}})),
    );
    let round = client
        .resolver(revoking())
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(round[0].outcome, Some("revoked"), "{round:?}");
    assert_eq!(transport.count(REVOKE), 1);
}

#[tokio::test]
async fn a_round_claims_only_what_it_can_finish_inside_its_lease() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(Leases::default());
    let client = client(&h, &transport, journal.clone());
    for order in ["C1", "C2", "C3", "C4"] {
        pending_past_the_schedule(&h, &client, order).await;
    }
    for order in ["C1", "C2", "C3", "C4"] {
        h.platform.push(QUERY, Reply::Json(state_of(order, "DEAL")));
    }
    // 120 s lease, 30 s request timeout: three exchanges and margin take 100 s: one.
    let resolver = client.resolver(ResolverConfig::default()).unwrap();
    assert_eq!(resolver.run_once().await.unwrap().len(), 1);
    // A 1000 s lease covers ten: all four.
    let resolver = client
        .resolver(ResolverConfig {
            lease: Duration::from_secs(1000),
            ..ResolverConfig::default()
        })
        .unwrap();
    assert_eq!(resolver.run_once().await.unwrap().len(), 3);
    let claims = journal.claims.lock().unwrap().clone();
    assert_eq!(claims, vec![(120, 1, 1), (1000, 10, 3)]);
}

// ---------------------------------------------------------------------------------------
// Contradictions surface; merchant binding.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_notification_with_another_trade_no_never_overwrites_the_journaled_one() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&h, &transport, journal.clone());
    let mut paid = answer("DCP00000", "N1", "0");
    paid["resp_data"]["merchant_no"] = json!(MERCHANT);
    h.platform.push(PAY, Reply::Json(paid));
    let outcome = client
        .micropay(
            request("N1"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert_eq!(outcome.word(), "succeeded");
    let mut stream = client.settled_events();
    let body = json!({"merchant_no": MERCHANT, "out_trade_no": "N1", "trade_no": "OTHER1",
        "trade_state": "SUCCESS", "total_amount": "101"})
    .to_string()
    .into_bytes();
    let auth = notify_signer()
        .sign_notification(&body, now(&h), "nonce-n1")
        .unwrap()
        .to_string();
    let handler = client
        .open_platform_notification_handler(Arc::new(
            lakala_client::notification::InMemoryReplayGuard::new(),
        ))
        .unwrap()
        .for_merchants([MERCHANT]);
    if let lakala_client::notification::Incoming::New(n) =
        handler.handle(&auth, &body).await.unwrap()
    {
        handler.answer(&n).await.unwrap();
    }
    let record = journal.payment(&key("N1")).await.unwrap().unwrap();
    assert_eq!(record.trade_no.as_deref(), Some("TN1"), "overwritten");
    assert!(record.conflict.is_some(), "{record:?}");
    match stream.try_recv() {
        Ok(SettledEvent::Conflict { key: k, field, .. }) => {
            assert_eq!(k, key("N1"));
            assert_eq!(field, "trade_no");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_success_that_does_not_name_the_merchant_is_confirmed_by_query() {
    // Merchant B's order N answered DCP00000 without merchant_no: it binds to nobody.
    let h = harness();
    h.platform
        .push(PAY, Reply::Json(answer("DCP00000", "B1", "0")));
    h.platform
        .push(QUERY, Reply::Json(state_of("B1", "SUCCESS")));
    let outcome = h
        .client
        .micropay(
            request("B1"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            &outcome,
            PaymentOutcome::Succeeded {
                confirmation: Confirmation::Query { attempt: 1, .. },
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(h.platform.seen(QUERY).len(), 1);

    // Its query names another merchant: never this merchant's success.
    let h = harness();
    h.platform
        .push(PAY, Reply::Json(answer("DCP00000", "B2", "0")));
    for _ in 0..8 {
        let mut other = state_of("B2", "SUCCESS");
        other["resp_data"]["merchant_no"] = json!("822290070199999");
        h.platform.push(QUERY, Reply::Json(other));
    }
    let outcome = h
        .client
        .micropay(
            request("B2"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert_eq!(outcome.word(), "pending", "{outcome:?}");
    assert!(!matches!(
        outcome,
        PaymentOutcome::Failed {
            reason: FailureReason::Declined { .. },
            ..
        }
    ));
}

#[tokio::test]
async fn the_resolver_revoke_number_fits_and_differs_from_the_order() {
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&h, &transport, journal.clone());
    let order = "R".repeat(32);
    pending_past_the_schedule(&h, &client, &order).await;
    h.platform
        .push(QUERY, Reply::Json(state_of(&order, "DEAL")));
    h.platform.push(REVOKE, Reply::Json(bare("BBS99999", "?")));
    h.platform
        .push(QUERY, Reply::Json(state_of(&order, "DEAL")));
    client
        .resolver(revoking())
        .unwrap()
        .run_once()
        .await
        .unwrap();
    let sent = h.platform.seen(REVOKE);
    let number = sent[0].json["req_data"]["out_trade_no"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(number.len() <= 32 && number != order, "{number}");
    assert_eq!(number, lakala_client::revoke_number(&order, "R"));
}

#[tokio::test]
async fn a_bbs10000_micropay_answer_is_journaled_as_what_it_is() {
    // Issue 20: "paying" with no resp_data used to be journaled as "answer is not about
    // this request".
    let h = harness();
    let transport = Counting::new(h.platform.clone());
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&h, &transport, journal.clone());
    h.platform
        .push(PAY, Reply::Json(bare("BBS10000", "交易状态为支付中")));
    h.platform
        .push(QUERY, Reply::Json(state_of("P1", "SUCCESS")));
    let outcome = client
        .micropay(
            request("P1"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert_eq!(outcome.word(), "succeeded");
    let events = journal.events(&key("P1")).await.unwrap();
    let answer = events.iter().find(|e| e.kind == "answer").unwrap();
    assert_eq!(answer.payload["code"], "BBS10000", "{:?}", answer.payload);
    assert_eq!(answer.payload["class"], "pending");
    assert!(answer.payload.get("error").is_none());
}
