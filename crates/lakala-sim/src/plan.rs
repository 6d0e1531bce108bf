//! What a seed decides before anything runs: how many processes, tills, orders and
//! resolvers, how faulty the platform and the network are (each seed its own mix, so that
//! rare combinations come up), and when processes crash.

use crate::rng::{SimRng, Stream};
use std::time::Duration;

/// The merchant every order belongs to.
pub const MERCHANT_NO: &str = "822290070111135";

/// How often each fault happens in this run (probabilities per occasion).
#[derive(Debug, Clone)]
pub struct Faults {
    /// A request fails to connect: it never arrives, the client knows nothing was sent.
    pub connect_refused: f64,
    /// A request is lost on the way: it never arrives, the client times out.
    pub lost_request: f64,
    /// An answer is lost: the request executed, the client times out.
    pub lost_answer: f64,
    /// An exchange is slow (seconds, up to past the request timeout).
    pub slow: f64,
    /// A micropay is answered with an inconclusive code whatever happened.
    pub micropay_odd_code: f64,
    /// A trade query is answered with an inconclusive code (or without `trade_state`).
    pub query_odd: f64,
    /// A revoke is answered inconclusively (and did or did not execute).
    pub revoke_inconclusive: f64,
    /// A payment lands while an inconclusive revoke that did not execute is on its way.
    pub lands_during_revoke: f64,
    /// A refund is answered inconclusively (and did or did not execute).
    pub refund_inconclusive: f64,
    /// A refund stays `DEAL` for a while.
    pub refund_deal: f64,
    /// A payment lands later than the client's schedule.
    pub late_landing: f64,
    /// A payment does not land before the drain phase.
    pub never_lands: f64,
    /// A process crashes right after an exchange, before the answer reaches it.
    pub crash_mid_exchange: f64,
    /// A pre-order's customer never pays (the order expires or is closed).
    pub preorder_never_paid: f64,
    /// A pre-order's customer pays right as the close arrives (the payment lands first).
    pub preorder_pays_at_close: f64,
    /// A pre-order is answered with an inconclusive code (it was made or not).
    pub preorder_odd_code: f64,
    /// A close is answered inconclusively (it executed or not).
    pub close_inconclusive: f64,
    /// A notification is delivered again.
    pub redeliver: f64,
    /// A redelivery carries a fresh signature (as the real platform's do) rather than
    /// the same bytes.
    pub fresh_signature: f64,
}

impl Faults {
    fn draw(rng: &mut SimRng) -> Self {
        // Each fault is off in some seeds and frequent in others ("swarm testing").
        let mut f = |hi: f64| {
            if rng.chance(0.25) {
                0.0
            } else {
                rng.rate(0.0, hi)
            }
        };
        Faults {
            connect_refused: f(0.1),
            lost_request: f(0.15),
            lost_answer: f(0.2),
            slow: f(0.3),
            micropay_odd_code: f(0.3),
            query_odd: f(0.4),
            revoke_inconclusive: f(0.6),
            lands_during_revoke: f(0.8),
            refund_inconclusive: f(0.4),
            refund_deal: f(0.7),
            late_landing: f(0.5),
            never_lands: f(0.3),
            crash_mid_exchange: f(0.15),
            preorder_never_paid: f(0.6),
            preorder_pays_at_close: f(0.5),
            preorder_odd_code: f(0.3),
            close_inconclusive: f(0.5),
            redeliver: f(0.7),
            fresh_signature: f(0.8),
        }
    }
}

/// One order a till pays.
#[derive(Debug, Clone)]
pub struct OrderPlan {
    /// Its `out_trade_no`.
    pub out_trade_no: String,
    /// Fen.
    pub amount: u64,
    /// The payer's code.
    pub auth_code: String,
    /// Revoke when the schedule ends pending (else return pending).
    pub revoke_on_pending: bool,
    /// Refunds to ask for once paid (fen each), in order.
    pub refunds: Vec<u64>,
    /// Whether the till pays it again after its process crashed mid-payment.
    pub retry_after_crash: bool,
    /// Whether that retry uses another auth code (a new scan of the payer's code).
    pub retry_new_code: bool,
    /// Pause before the order.
    pub think: Duration,
    /// A pre-order (the customer scans a QR code) instead of a barcode payment.
    pub preorder: Option<PreorderPlan>,
}

/// A pre-order a till makes: the customer scans, pays late, never, or right as the close
/// arrives (the platform's faults decide which).
#[derive(Debug, Clone)]
pub struct PreorderPlan {
    /// The order's validity (`timeout_express`), minutes.
    pub timeout_minutes: u32,
    /// The till gives up (closes the order) this long after making it, if still unpaid.
    pub close_after: Option<Duration>,
}

/// One till: a sequence of orders, on one process.
#[derive(Debug, Clone)]
pub struct TillPlan {
    /// Which process it runs on.
    pub process: usize,
    /// Its `term_no`.
    pub term_no: String,
    /// Its orders.
    pub orders: Vec<OrderPlan>,
}

/// A process crash.
#[derive(Debug, Clone)]
pub struct CrashPlan {
    /// Which process.
    pub process: usize,
    /// When (from the start of the run).
    pub at: Duration,
    /// How long it stays down.
    pub down_for: Duration,
    /// Whether it comes back under a new instance name (else the same one).
    pub new_instance: bool,
}

/// How many times a process may crash in a run (planned crashes and crash points).
pub const MAX_CRASHES: u32 = 3;

/// A resolver.
#[derive(Debug, Clone)]
pub struct ResolverPlan {
    /// Which process runs it.
    pub process: usize,
    /// Its lease.
    pub lease: Duration,
    /// How many payments a round claims.
    pub batch: usize,
    /// Time between rounds.
    pub tick: Duration,
    /// Whether it revokes payments still pending when the spec's schedule is over.
    pub revokes: bool,
}

/// Everything a seed decides up front.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The seed.
    pub seed: u64,
    /// How many processes.
    pub processes: usize,
    /// The tills.
    pub tills: Vec<TillPlan>,
    /// The resolvers.
    pub resolvers: Vec<ResolverPlan>,
    /// The crashes, in time order.
    pub crashes: Vec<CrashPlan>,
    /// The faults.
    pub faults: Faults,
    /// How long faults and crashes go on before the drain phase.
    pub active: Duration,
    /// The client's request timeout.
    pub request_timeout: Duration,
    /// Whether a person runs `resolve_now` on everything at the end of the drain (what
    /// `lakala payments resolve --all` does).
    pub person_resolves: bool,
}

impl Plan {
    /// The plan of `seed`.
    pub fn of(seed: u64) -> Self {
        let mut rng = SimRng::new(seed, Stream::Plan);
        let processes = rng.range(1, 3) as usize;
        let till_count = rng.range(1, 4);
        let mut tills = Vec::new();
        for t in 0..till_count {
            let orders = (0..rng.range(1, 5))
                .map(|o| {
                    let amount = rng.range(1, 50_000);
                    let refunds = if rng.chance(0.35) {
                        let first = rng.range(1, amount + 1);
                        let mut r = vec![first];
                        if first < amount && rng.chance(0.3) {
                            r.push(rng.range(1, amount - first + 1));
                        }
                        r
                    } else {
                        Vec::new()
                    };
                    OrderPlan {
                        out_trade_no: format!("S{seed}T{t}O{o}"),
                        amount,
                        auth_code: format!("28{}", rng.digits(16)),
                        revoke_on_pending: rng.chance(0.5),
                        refunds,
                        retry_after_crash: rng.chance(0.8),
                        retry_new_code: rng.chance(0.1),
                        think: rng.secs(0, 120),
                        // A quarter are pre-orders, valid a few minutes (each costs a
                        // query every 20 s until it ends: the seeds test keeps its time).
                        preorder: rng.chance(0.25).then(|| PreorderPlan {
                            timeout_minutes: rng.range(1, 8) as u32,
                            close_after: rng.chance(0.5).then(|| rng.secs(5, 400)),
                        }),
                    }
                })
                .collect();
            tills.push(TillPlan {
                process: (t as usize) % processes,
                term_no: format!("SIM{t:05}"),
                orders,
            });
        }
        let resolver_count = rng.range(1, 3) as usize;
        let resolvers = (0..resolver_count)
            .map(|r| ResolverPlan {
                process: r % processes,
                lease: rng.secs(5, 130),
                batch: rng.range(1, 20) as usize,
                tick: rng.secs(2, 30),
                revokes: rng.chance(0.3),
            })
            .collect();
        let active = rng.secs(300, 1200);
        let mut crashes = Vec::new();
        for p in 0..processes {
            for _ in 0..rng.range(0, 3) {
                crashes.push(CrashPlan {
                    process: p,
                    at: rng.secs(1, active.as_secs()),
                    down_for: rng.secs(1, 300),
                    new_instance: rng.chance(0.4),
                });
            }
        }
        crashes.sort_by_key(|c| (c.at, c.process));
        Plan {
            seed,
            processes,
            tills,
            resolvers,
            crashes,
            faults: Faults::draw(&mut rng),
            active,
            request_timeout: Duration::from_secs(30),
            person_resolves: rng.chance(0.5),
        }
    }

    /// Every order of every till.
    pub fn orders(&self) -> impl Iterator<Item = &OrderPlan> {
        self.tills.iter().flat_map(|t| t.orders.iter())
    }
}
