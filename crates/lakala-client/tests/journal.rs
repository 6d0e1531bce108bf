//! Issue 11, client side: micropay, revoke and refund written ahead to the journal, a
//! journaled number never paid twice, the resolver finishing what is left pending, and
//! notifications finishing payments and recognised across instances.

mod support;

use lakala_client::notification::{InMemoryReplayGuard, Incoming};
use lakala_client::resolver::{LongTail, ResolverConfig};
use lakala_client::{ClientError, MicropayOptions, PendingPolicy};
use lakala_journal::{
    Intent, JournalError, MemoryJournal, PaymentJournal, PaymentKey, PaymentStatus, SqliteJournal,
};
use lakala_transport::TransportError;
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use support::{harness, notify_signer, Reply};

const PAY: &str = "/api/v3/dcp/trans/micropay";
const QUERY: &str = "/api/v3/labs/query/tradequery";
const MERCHANT: &str = "822290070111135";

fn request(order: &str, fen: u64) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no(MERCHANT)
        .term_no("29034705")
        .out_trade_no(order)
        .auth_code("288576824003652810")
        .total_amount(Amount::from_fen(fen).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn answer(code: &str, order: &str, need_query: &str) -> Value {
    json!({"code": code, "msg": "m", "resp_time": "20240929033128", "resp_data": {
        "need_query": need_query, "out_trade_no": order, "trade_no": format!("T{order}"),
        "merchant_no": MERCHANT,
        "total_amount": "101"}})
}

fn state_of(order: &str, state: &str) -> Value {
    json!({"code": "BBS00000", "msg": "成功", "resp_time": "20240929033128", "resp_data": {
        "merchant_no": MERCHANT, "out_trade_no": order, "trade_no": format!("T{order}"),
        "trade_state": state, "total_amount": "101"}})
}

fn key(order: &str) -> PaymentKey {
    PaymentKey::new(MERCHANT, order)
}

fn pending() -> MicropayOptions {
    MicropayOptions::new(PendingPolicy::ReturnPending)
}

#[tokio::test]
async fn a_micropay_is_journaled_before_it_is_sent_and_finished_after() {
    let h = harness();
    let journal = Arc::new(MemoryJournal::new());
    let client = h.journaled(journal.clone(), "till-1");
    h.platform
        .push(PAY, Reply::Json(answer("DCP00000", "J1", "0")));
    let outcome = client
        .micropay(request("J1", 101), pending())
        .await
        .unwrap();
    assert_eq!(outcome.word(), "succeeded");
    let record = journal.payment(&key("J1")).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded);
    assert_eq!(record.trade_no.as_deref(), Some("TJ1"));
    assert_eq!(record.amount_fen, Some(101));
    assert_eq!(record.created_by, "till-1");
    let masked = record.masked_auth_code.clone().unwrap();
    assert!(
        masked.ends_with("2810") && !masked.contains("2885768240"),
        "{masked}"
    );
    let kinds: Vec<String> = journal
        .events(&key("J1"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["intent", "answer", "outcome"]);
}

/// A memory journal that lists its writes: each call with the event kinds it wrote.
#[derive(Debug, Default)]
struct Writes {
    inner: MemoryJournal,
    calls: std::sync::Mutex<Vec<Vec<String>>>,
}

impl Writes {
    fn log(&self, kinds: Vec<String>) {
        self.calls.lock().unwrap().push(kinds);
    }
    fn calls(&self) -> Vec<Vec<String>> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl PaymentJournal for Writes {
    async fn record_intent(&self, i: &Intent) -> Result<lakala_journal::Recorded, JournalError> {
        self.log(vec!["intent".into()]);
        self.inner.record_intent(i).await
    }
    async fn append(
        &self,
        k: &PaymentKey,
        e: &lakala_journal::NewEvent,
        u: &lakala_journal::StateUpdate,
        f: Option<&lakala_journal::Lease>,
    ) -> Result<lakala_journal::PaymentRecord, JournalError> {
        self.log(vec![e.kind.clone()]);
        self.inner.append(k, e, u, f).await
    }
    async fn append_all(
        &self,
        k: &PaymentKey,
        facts: &[(lakala_journal::NewEvent, lakala_journal::StateUpdate)],
        f: Option<&lakala_journal::Lease>,
    ) -> Result<lakala_journal::PaymentRecord, JournalError> {
        self.log(facts.iter().map(|(e, _)| e.kind.clone()).collect());
        self.inner.append_all(k, facts, f).await
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
        o: &str,
        n: i64,
        s: i64,
        l: usize,
    ) -> Result<Vec<lakala_journal::Claim>, JournalError> {
        self.inner.claim_due(o, n, s, l).await
    }
    async fn claim_payment(
        &self,
        k: &PaymentKey,
        o: &str,
        n: i64,
        s: i64,
    ) -> Result<Option<lakala_journal::Claim>, JournalError> {
        self.inner.claim_payment(k, o, n, s).await
    }
    async fn renew(
        &self,
        l: &lakala_journal::Lease,
        u: i64,
    ) -> Result<lakala_journal::Lease, JournalError> {
        self.inner.renew(l, u).await
    }
    async fn release(&self, l: &lakala_journal::Lease, n: Option<i64>) -> Result<(), JournalError> {
        self.inner.release(l, n).await
    }
    async fn prune(&self, b: i64) -> Result<u64, JournalError> {
        self.inner.prune(b).await
    }
}

/// An answer that decides the outcome (a success, a refusal naming the order) is written
/// with the outcome in one call; an answer that leaves it open is written before the
/// first query is sent.
#[tokio::test]
async fn a_deciding_answer_and_its_outcome_are_written_in_one_call() {
    let h = harness();
    let journal = Arc::new(Writes::default());
    let client = h.journaled(journal.clone(), "till-1");
    h.platform
        .push(PAY, Reply::Json(answer("DCP00000", "W1", "0")));
    let paid = client
        .micropay(request("W1", 101), pending())
        .await
        .unwrap();
    assert_eq!(paid.word(), "succeeded");
    h.platform
        .push(PAY, Reply::Json(answer("BBS11184", "W2", "0")));
    let declined = client
        .micropay(request("W2", 101), pending())
        .await
        .unwrap();
    assert_eq!(declined.word(), "failed");
    let words = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        journal.calls(),
        [
            words(&["intent"]),
            words(&["answer", "outcome"]),
            words(&["intent"]),
            words(&["answer", "outcome"]),
        ]
    );
    for order in ["W1", "W2"] {
        let kinds: Vec<String> = journal
            .events(&key(order))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["intent", "answer", "outcome"], "{order}");
    }

    h.platform
        .push(PAY, Reply::Json(answer("BBS10000", "W3", "1")));
    h.platform
        .push(QUERY, Reply::Json(state_of("W3", "SUCCESS")));
    let later = client
        .micropay(request("W3", 101), pending())
        .await
        .unwrap();
    assert_eq!(later.word(), "succeeded");
    let calls = journal.calls();
    assert_eq!(calls[4], words(&["intent"]));
    assert_eq!(
        calls[5],
        words(&["answer"]),
        "written before the query is sent"
    );
    let kinds: Vec<String> = journal
        .events(&key("W3"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("intent"));
    assert_eq!(kinds.last().map(String::as_str), Some("outcome"));
}

/// A journal that cannot write.
#[derive(Debug)]
struct Unwritable;

#[async_trait::async_trait]
impl PaymentJournal for Unwritable {
    async fn record_intent(&self, _: &Intent) -> Result<lakala_journal::Recorded, JournalError> {
        Err(JournalError::ReadOnly {
            reason: "attempt to write a readonly database".into(),
        })
    }
    async fn append(
        &self,
        _: &PaymentKey,
        _: &lakala_journal::NewEvent,
        _: &lakala_journal::StateUpdate,
        _: Option<&lakala_journal::Lease>,
    ) -> Result<lakala_journal::PaymentRecord, JournalError> {
        unreachable!("nothing is appended when the intent failed")
    }
    async fn payment(
        &self,
        _: &PaymentKey,
    ) -> Result<Option<lakala_journal::PaymentRecord>, JournalError> {
        Ok(None)
    }
    async fn events(&self, _: &PaymentKey) -> Result<Vec<lakala_journal::Event>, JournalError> {
        Ok(vec![])
    }
    async fn list(
        &self,
        _: &lakala_journal::ListFilter,
    ) -> Result<Vec<lakala_journal::PaymentRecord>, JournalError> {
        Ok(vec![])
    }
    async fn claim_due(
        &self,
        _: &str,
        _: i64,
        _: i64,
        _: usize,
    ) -> Result<Vec<lakala_journal::Claim>, JournalError> {
        Ok(vec![])
    }
    async fn claim_payment(
        &self,
        _: &PaymentKey,
        _: &str,
        _: i64,
        _: i64,
    ) -> Result<Option<lakala_journal::Claim>, JournalError> {
        Ok(None)
    }
    async fn renew(
        &self,
        l: &lakala_journal::Lease,
        _: i64,
    ) -> Result<lakala_journal::Lease, JournalError> {
        Ok(l.clone())
    }
    async fn release(&self, _: &lakala_journal::Lease, _: Option<i64>) -> Result<(), JournalError> {
        Ok(())
    }
    async fn prune(&self, _: i64) -> Result<u64, JournalError> {
        Ok(0)
    }
}

#[tokio::test]
async fn nothing_is_sent_when_the_intent_cannot_be_written() {
    let h = harness();
    let client = h.journaled(Arc::new(Unwritable), "till-1");
    let err = client
        .micropay(request("J2", 101), pending())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Journal(JournalError::ReadOnly { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    assert!(!err.may_have_been_executed());
    assert!(h.platform.seen(PAY).is_empty());
}

#[tokio::test]
async fn a_journaled_number_is_resolved_never_paid_twice() {
    let h = harness();
    let journal = Arc::new(MemoryJournal::new());
    let client = h.journaled(journal.clone(), "till-1");
    // The first attempt timed out after sending: the query says paid.
    h.platform.push(
        PAY,
        Reply::FailAfter(TransportError::Timeout { elapsed_ms: 30_000 }),
    );
    h.platform
        .push(QUERY, Reply::Json(state_of("J3", "SUCCESS")));
    assert_eq!(
        client
            .micropay(request("J3", 101), pending())
            .await
            .unwrap()
            .word(),
        "succeeded"
    );
    // The till tries again with the same number (another instance, same journal): the
    // payment is resolved by query, no second micropay.
    let other = h.journaled(journal.clone(), "till-2");
    h.platform
        .push(QUERY, Reply::Json(state_of("J3", "SUCCESS")));
    let again = other.micropay(request("J3", 101), pending()).await.unwrap();
    assert_eq!(again.word(), "succeeded");
    assert_eq!(h.platform.seen(PAY).len(), 1, "exactly one micropay");
    // The same number for another amount is another request: refused, nothing sent.
    let err = other
        .micropay(request("J3", 999), pending())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NumberReused { .. }), "{err}");
    assert_eq!(h.platform.seen(PAY).len(), 1);
}

#[tokio::test]
async fn an_intent_without_an_auth_digest_is_never_sent_again_on_retry() {
    let h = harness();
    let journal = Arc::new(MemoryJournal::new());
    let client = h.journaled(journal.clone(), "till-1");
    // A process recorded the intent and died before sending (simulated: the intent alone).
    let req = request("J4", 101);
    let intent = Intent::micropay(
        key("J4"),
        "29034705",
        101,
        "**************2810",
        // The fingerprint of this request, as the client computes it: learn it by
        // recording through the client first in another journal.
        fingerprint_of(&h, &req).await,
        "dead-till",
        h.clock.unix_seconds_now() - 600,
    );
    journal.record_intent(&intent).await.unwrap();
    // The retry: the intent carries no auth-code digest (an older writer), so nothing says
    // the retry is the same payer's: it is never sent again, only queried (the sending
    // case, with a digest, is in tests/settled.rs).
    for _ in 0..8 {
        h.platform.push(
            QUERY,
            Reply::Json(json!({"code": "SBX00004", "msg": "交易不存在"})),
        );
    }
    let outcome = client.micropay(req, pending()).await.unwrap();
    assert_eq!(outcome.word(), "pending");
    assert_eq!(h.platform.seen(PAY).len(), 0);
}

trait Now {
    fn unix_seconds_now(&self) -> i64;
}
impl Now for lakala_crypto::ManualClock {
    fn unix_seconds_now(&self) -> i64 {
        lakala_crypto::Clock::unix_seconds(self)
    }
}

/// The fingerprint the client writes for `req`.
async fn fingerprint_of(h: &support::Harness, req: &MicropayRequest) -> String {
    let scratch = Arc::new(MemoryJournal::new());
    let client = h.journaled(scratch.clone(), "scratch");
    h.platform.push(
        PAY,
        Reply::FailBefore(TransportError::Connect {
            reason: "scratch".into(),
        }),
    );
    let _ = client.micropay(req.clone(), pending()).await;
    let k = key(req.out_trade_no().unwrap());
    scratch.payment(&k).await.unwrap().unwrap().fingerprint
}

#[tokio::test]
async fn the_resolver_finishes_a_payment_left_pending() {
    let h = harness();
    let journal = Arc::new(MemoryJournal::new());
    let client = h.journaled(journal.clone(), "till-1");
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", "J5", "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state_of("J5", "DEAL")));
    }
    let outcome = client
        .micropay(request("J5", 101), pending())
        .await
        .unwrap();
    assert_eq!(outcome.word(), "pending");
    let record = journal.payment(&key("J5")).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Pending);
    assert_eq!(record.attempts, 7);

    let resolver = client.resolver(ResolverConfig::default()).unwrap();
    // Not due yet: the long tail's first delay has not passed.
    assert!(resolver.run_once().await.unwrap().is_empty());
    h.clock.advance(Duration::from_secs(31));
    h.platform.push(QUERY, Reply::Json(state_of("J5", "DEAL")));
    let round = resolver.run_once().await.unwrap();
    assert_eq!(round.len(), 1);
    assert_eq!(round[0].status, PaymentStatus::Pending);
    // The next tail delay is a minute.
    h.clock.advance(Duration::from_secs(61));
    h.platform
        .push(QUERY, Reply::Json(state_of("J5", "SUCCESS")));
    let round = resolver.run_once().await.unwrap();
    assert_eq!(round[0].outcome, Some("succeeded"));
    let record = journal.payment(&key("J5")).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded);
    assert_eq!(record.lease_owner, None, "the lease is released");
    assert_eq!(h.platform.seen(PAY).len(), 1);
}

/// A run of "till-1" crashed after sending two payments: at the next start-up, a client
/// named "till-1" again (by its configuration) takes them back at once instead of waiting
/// out their live-flow window; another instance's payment and one recorded by this run
/// are left alone.
#[tokio::test]
async fn a_restarted_instance_takes_back_its_earlier_run_s_payments_at_once() {
    use lakala_client::LakalaClient;
    use lakala_journal::{NewEvent, StateUpdate};
    let h = harness();
    let journal = Arc::new(MemoryJournal::new());
    let t0 = 1_700_000_000;
    h.clock.set_unix(t0);
    let window = t0 + 600;
    let sent = |order: &str, by: &str, at: i64| {
        let journal = journal.clone();
        let (order, by) = (order.to_owned(), by.to_owned());
        async move {
            let intent = Intent::micropay(
                key(&order),
                "29034705",
                101,
                "2885**********2810",
                "9f86d081884c7d659a2feaa0c55ad015",
                &by,
                at,
            )
            .with_next_check_at(window);
            journal.record_intent(&intent).await.unwrap();
            let answer = NewEvent::new(at, by.as_str(), "answer", json!({"code": "BBS11112"}));
            let update = StateUpdate::status(PaymentStatus::Pending).with_next_check_at(window);
            journal
                .append(&key(&order), &answer, &update, None)
                .await
                .unwrap();
        }
    };
    sent("R1", "till-1", t0).await;
    sent("R2", "till-1", t0).await;
    sent("R3", "till-2", t0).await;

    // The restart, 5 seconds later, with the same name from the configuration.
    h.clock.set_unix(t0 + 5);
    let mut config = h.client_config();
    config.instance = Some("till-1".into());
    let client = LakalaClient::builder(config)
        .transport(h.platform.clone())
        .clock(h.clock.clone())
        .sleeper(h.sleeper.clone())
        .journal(journal.clone())
        .build()
        .unwrap();
    assert_eq!(client.instance(), "till-1");
    h.clock.set_unix(t0 + 6);
    sent("R4", "till-1", t0 + 6).await; // this run's own, live
    let resolver = client.resolver(ResolverConfig::default()).unwrap();
    assert_eq!(resolver.take_back_earlier_runs().await.unwrap(), 2);
    h.platform
        .push(QUERY, Reply::Json(state_of("R1", "SUCCESS")));
    h.platform.push(QUERY, Reply::Json(state_of("R2", "FAIL")));
    // A round claims what fits in its lease (one payment at the default 120 s lease and
    // 30 s request timeout): run rounds until none is due.
    let mut round = Vec::new();
    loop {
        let done = resolver.run_once().await.unwrap();
        if done.is_empty() {
            break;
        }
        round.extend(done);
    }
    round.sort_by(|a, b| a.key.cmp(&b.key));
    let done: Vec<_> = round
        .iter()
        .map(|r| (r.key.out_trade_no.as_str(), r.outcome))
        .collect();
    assert_eq!(done, [("R1", Some("succeeded")), ("R2", Some("failed"))]);
    for (order, by) in [("R3", "another instance"), ("R4", "this run")] {
        let record = journal.payment(&key(order)).await.unwrap().unwrap();
        assert_eq!(record.status, PaymentStatus::Pending, "{order}: {by}");
        assert_eq!(record.next_check_at, Some(window), "{order}: {by}");
    }
    assert!(h.platform.seen(PAY).is_empty(), "nothing sent again");
    // Taking back twice takes nothing more.
    assert_eq!(resolver.take_back_earlier_runs().await.unwrap(), 0);
}

#[tokio::test]
async fn past_the_horizon_a_payment_is_left_for_a_person() {
    let h = harness();
    let journal = Arc::new(MemoryJournal::new());
    let client = h.journaled(journal.clone(), "till-1");
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", "J6", "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state_of("J6", "DEAL")));
    }
    client
        .micropay(request("J6", 101), pending())
        .await
        .unwrap();
    let config = ResolverConfig {
        tail: LongTail::new(vec![Duration::from_secs(60)], Duration::from_secs(180)),
        ..ResolverConfig::default()
    };
    let resolver = client.resolver(config).unwrap();
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 10, "the horizon is never reached");
        h.clock.advance(Duration::from_secs(61));
        h.platform.push(QUERY, Reply::Json(state_of("J6", "DEAL")));
        let round = resolver.run_once().await.unwrap();
        assert_eq!(round.len(), 1);
        if round[0].status == PaymentStatus::Unresolved {
            break;
        }
        assert_eq!(round[0].status, PaymentStatus::Pending);
    }
    let record = journal.payment(&key("J6")).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Unresolved);
    assert!(record.reason.unwrap().contains("a person must look"));
    // Resolvers leave it alone now...
    h.clock.advance(Duration::from_secs(3600));
    assert!(resolver.run_once().await.unwrap().is_empty());
    // ...until asked.
    h.platform
        .push(QUERY, Reply::Json(state_of("J6", "SUCCESS")));
    let done = resolver.resolve_now(Some(&key("J6"))).await.unwrap();
    assert_eq!(done.last().unwrap().outcome, Some("succeeded"));
}

fn notification(order: &str, state: &str, amount: &str, at: i64, nonce: &str) -> (String, Vec<u8>) {
    let body =
        json!({"merchant_no": MERCHANT, "out_trade_no": order, "trade_no": format!("T{order}"),
        "trade_state": state, "total_amount": amount})
        .to_string()
        .into_bytes();
    let auth = notify_signer().sign_notification(&body, at, nonce).unwrap();
    (auth.to_string(), body)
}

#[tokio::test]
async fn a_notification_finishes_a_pending_payment_and_is_known_to_every_instance() {
    // Notifications are taken for the configured merchant only.
    let h = support::harness_with(|c| {
        c.with_merchant(lakala_client::MerchantProfile::new(MERCHANT, "29034705"))
    });
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(
        SqliteJournal::open(dir.path().join("journal.sqlite"))
            .await
            .unwrap(),
    );
    let a = h.journaled(journal.clone(), "instance-a");
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", "J7", "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state_of("J7", "DEAL")));
    }
    assert_eq!(
        a.micropay(request("J7", 101), pending())
            .await
            .unwrap()
            .word(),
        "pending"
    );

    // Another amount: recorded, not applied.
    let now = lakala_crypto::Clock::unix_seconds(&*h.clock);
    let (auth, body) = notification("J7", "FAIL", "1", now, "nonce-other-amount");
    let handler_a = a
        .open_platform_notification_handler(journal.clone())
        .unwrap();
    let Incoming::New(n) = handler_a.handle(&auth, &body).await.unwrap() else {
        panic!()
    };
    handler_a.answer(&n).await.unwrap();
    assert_eq!(
        journal.payment(&key("J7")).await.unwrap().unwrap().status,
        PaymentStatus::Pending
    );

    // The right one finishes it.
    let (auth, body) = notification("J7", "SUCCESS", "101", now, "nonce-paid");
    let Incoming::New(n) = handler_a.handle(&auth, &body).await.unwrap() else {
        panic!()
    };
    let answer_a = handler_a.answer(&n).await.unwrap();
    assert!(n.changed, "the notification settled the payment");
    assert_eq!(
        n.payment.as_ref().map(|p| p.status),
        Some(PaymentStatus::Succeeded)
    );
    let record = journal.payment(&key("J7")).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded);
    assert_eq!(record.outcome.as_deref(), Some("succeeded"));
    // The journal shows the notified state, not the last queried DEAL.
    assert_eq!(record.last_trade_state.as_deref(), Some("SUCCESS"));
    assert_eq!(record.reason.as_deref(), Some("notification: SUCCESS"));

    // Delivered again, to the other instance (another process on the same file): known,
    // answered with the same bytes, not processed again.
    let journal_b = Arc::new(
        SqliteJournal::open(dir.path().join("journal.sqlite"))
            .await
            .unwrap(),
    );
    let b = h.journaled(journal_b.clone(), "instance-b");
    let handler_b = b.open_platform_notification_handler(journal_b).unwrap();
    match handler_b.handle(&auth, &body).await.unwrap() {
        Incoming::Repeat(bytes) => assert_eq!(bytes, answer_a),
        Incoming::New(_) => panic!("a redelivery to another instance was taken as new"),
    }
    // An in-memory guard per process would not have known it.
    let forgetful = b
        .open_platform_notification_handler(Arc::new(InMemoryReplayGuard::new()))
        .unwrap();
    assert!(matches!(
        forgetful.handle(&auth, &body).await.unwrap(),
        Incoming::New(_)
    ));
}
