//! Issue 10 end to end: the real client against the real sandbox over loopback HTTP.
//! Every reported outcome is checked against the sandbox's own state, by query afterwards.

mod support;

use lakala_client::{
    Config, FailureReason, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy, PollEvent,
    PollObserver, Sleeper,
};
use lakala_crypto::ManualClock;
use lakala_sandbox::behaviour::auth_codes;
use lakala_transport::{async_trait, HttpRequest, HttpResponse, HttpTransport, TransportError};
use lakala_types::micropay::{LocationInfo, MicropayRequest, TradeState};
use lakala_types::Amount;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{start, Env, MERCHANT_NO, TERM_NO};

/// Waits move the shared manual clock; `real` adds a real pause, so that a caller has
/// time to go away while the flow is mid-schedule.
#[derive(Debug)]
struct ClockSleeper {
    clock: Arc<ManualClock>,
    real: Duration,
}

#[async_trait]
impl Sleeper for ClockSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(self.real).await;
        self.clock.advance(duration);
    }
}

/// Forwards to the sandbox, but while armed answers micropay with a recorded answer.
#[derive(Debug)]
struct Swap {
    inner: Arc<dyn HttpTransport>,
    record: Mutex<Option<HttpResponse>>,
    armed: Mutex<bool>,
}

#[async_trait]
impl HttpTransport for Swap {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let micropay = request.url.ends_with("/api/v3/dcp/trans/micropay");
        let response = self.inner.send(request).await?;
        if !micropay {
            return Ok(response);
        }
        if *self.armed.lock().unwrap() {
            return Ok(self.record.lock().unwrap().clone().expect("recorded"));
        }
        *self.record.lock().unwrap() = Some(response.clone());
        Ok(response)
    }
}

struct Setup {
    env: Env,
    client: LakalaClient,
    _dir: tempfile::TempDir,
}

async fn setup(real_wait: Duration, transport: Option<Arc<dyn HttpTransport>>) -> Setup {
    let env = start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = env.sandbox.write_client_config(dir.path()).unwrap();
    let config = Config::from_file_and_env(Some(&path), |_| None).unwrap();
    let mut builder = LakalaClient::builder(config)
        .clock(env.clock.clone())
        .sleeper(Arc::new(ClockSleeper {
            clock: env.clock.clone(),
            real: real_wait,
        }));
    if let Some(t) = transport {
        builder = builder.transport(t);
    }
    Setup {
        client: builder.build().unwrap(),
        env,
        _dir: dir,
    }
}

fn pay(out_trade_no: &str, auth_code: &str) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(out_trade_no)
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

async fn micropay(s: &Setup, order: &str, auth_code: &str) -> PaymentOutcome {
    s.client
        .micropay(
            pay(order, auth_code),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap()
}

/// The sandbox's own verdict, by a query made outside the client.
async fn truth(s: &Setup, order: &str) -> String {
    s.env.state(order).await
}

/// The outcome agrees with the sandbox's state.
fn agrees(outcome: &PaymentOutcome, state: &str) {
    let ok = match outcome {
        PaymentOutcome::Succeeded { .. } => state == "SUCCESS",
        PaymentOutcome::Failed { .. } => matches!(state, "FAIL" | "CLOSE" | "REFUND"),
        PaymentOutcome::Pending(_) => state == "DEAL",
        PaymentOutcome::Revoked { .. } => state == "REFUND",
        _ => false,
    };
    assert!(ok, "reported {outcome:?} while the sandbox says {state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_orders_signed_answer_never_decides_this_one() {
    for (recorded_code, target_code, expected) in [
        // A's success served as the answer to B, which failed / is pending.
        (
            auth_codes::SUCCEED,
            auth_codes::INSUFFICIENT_BALANCE,
            "FAIL",
        ),
        (
            auth_codes::SUCCEED,
            auth_codes::PENDING_UNTIL_REVOKED,
            "DEAL",
        ),
        // A's named decline served as the answer to B, which was paid.
        (auth_codes::NAMED_REFUSAL, auth_codes::SUCCEED, "SUCCESS"),
    ] {
        let env_transport = Arc::new(Swap {
            inner: Arc::new(
                lakala_transport::HyperTransport::builder()
                    .timeout(Duration::from_secs(15))
                    .build()
                    .unwrap(),
            ),
            record: Mutex::new(None),
            armed: Mutex::new(false),
        });
        let s = setup(Duration::ZERO, Some(env_transport.clone())).await;
        let a = micropay(&s, "A", recorded_code).await;
        assert!(a.is_final());
        *env_transport.armed.lock().unwrap() = true;
        let b = micropay(&s, "B", target_code).await;
        let state = truth(&s, "B").await;
        assert_eq!(state, expected);
        agrees(&b, &state);
        assert_ne!(b.order().trade_no, a.order().trade_no);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_retrying_a_paid_order_learns_it_was_paid() {
    let s = setup(Duration::ZERO, None).await;
    let first = micropay(&s, "DUP1", auth_codes::SUCCEED).await;
    assert_eq!(first.word(), "succeeded");
    // The till lost the answer and sends the same out_trade_no again: the sandbox answers
    // with a duplicate-order code; the client queries and finds the payment.
    let again = micropay(&s, "DUP1", auth_codes::SUCCEED).await;
    assert_eq!(again.word(), "succeeded", "{again:?}");
    agrees(&again, &truth(&s, "DUP1").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_close_and_declines_as_the_platform_answers_them() {
    let s = setup(Duration::ZERO, None).await;
    // BBS10000 "paying": polled to SUCCESS.
    let paid = micropay(&s, "P1", auth_codes::PAYING_THEN_SUCCEED).await;
    assert_eq!(paid.word(), "succeeded", "{paid:?}");
    agrees(&paid, &truth(&s, "P1").await);
    // Pending, then CLOSE: failed with the state named, polling over at once.
    let closed = micropay(&s, "C1", auth_codes::PENDING_THEN_CLOSE).await;
    assert!(
        matches!(
            &closed,
            PaymentOutcome::Failed {
                reason: FailureReason::TradeFailed {
                    state: TradeState::Close,
                    ..
                },
                ..
            }
        ),
        "{closed:?}"
    );
    agrees(&closed, &truth(&s, "C1").await);
    // A definite refusal naming the order: failed at once.
    let refused = micropay(&s, "R1", auth_codes::NAMED_REFUSAL).await;
    assert!(
        matches!(&refused, PaymentOutcome::Failed { reason: FailureReason::Declined { code, .. }, .. } if code.as_str() == "BBS16111"),
        "{refused:?}"
    );
    // A code-only decline: failed only once the query says FAIL.
    let declined = micropay(&s, "R2", auth_codes::INSUFFICIENT_BALANCE).await;
    assert!(
        matches!(
            &declined,
            PaymentOutcome::Failed {
                reason: FailureReason::TradeFailed {
                    state: TradeState::Fail,
                    micropay_answer: Some(_),
                    ..
                },
                ..
            }
        ),
        "{declined:?}"
    );
    agrees(&declined, &truth(&s, "R2").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_future_still_finishes_the_payment_and_tells_the_observer() {
    // Each wait of the schedule takes 100 ms of real time, so the caller can go away
    // mid-schedule.
    let s = setup(Duration::from_millis(100), None).await;
    let (pending_tx, mut pending_rx) = tokio::sync::mpsc::unbounded_channel();
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let observer = PollObserver::new(move |e| match e {
        PollEvent::Pending { .. } => {
            let _ = pending_tx.send(());
        }
        PollEvent::Finished { order, outcome } => {
            let _ = done_tx.send((order.clone(), *outcome));
        }
        _ => {}
    });
    let options = MicropayOptions::new(PendingPolicy::ReturnPending).observer(observer);
    let call = s
        .client
        .micropay(pay("DROP1", auth_codes::PENDING_THEN_SUCCEED), options);
    // The caller (an HTTP handler whose client hung up) goes away once the payment is
    // pending: the future is dropped.
    tokio::select! {
        _ = call => panic!("the flow cannot have finished before it was pending"),
        _ = pending_rx.recv() => {}
    }
    assert_eq!(truth(&s, "DROP1").await, "DEAL");
    let (order, outcome) = tokio::time::timeout(Duration::from_secs(20), done_rx.recv())
        .await
        .expect("the flow finished")
        .expect("the observer heard it");
    assert_eq!(outcome, "succeeded");
    assert_eq!(order.out_trade_no, "DROP1");
    assert!(order.trade_no.is_some());
    assert_eq!(truth(&s, "DROP1").await, "SUCCESS");
}
