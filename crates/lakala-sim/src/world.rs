//! One run: the platform, the processes with their tills and resolvers, the crashes, the
//! notifications; then the drain phase; then the invariants.

use crate::clock::SimClock;
use crate::invariants::{self, Violation};
use crate::plan::{Plan, MERCHANT_NO};
use crate::platform::Platform;
use crate::process::{resolve_all, resolver_round, take_back, Process};
use crate::rng::{SimRng, Stream};
use crate::till::{self, PayReport};
use crate::trace::Trace;
use lakala_journal::{ListFilter, MemoryJournal, PaymentJournal, PaymentRecord, PaymentStatus};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinHandle;

pub use crate::records::{PayRecord, Records, RefundAsk};

#[derive(Default)]
struct TillState {
    next: usize,
    current: Option<usize>,
}

#[derive(Default)]
struct Slot {
    process: Option<Arc<Process>>,
    tasks: Vec<JoinHandle<()>>,
    incarnation: u32,
    instance: String,
    crashes: u32,
}

/// A run in progress.
pub struct World {
    /// The seed's plan.
    pub plan: Plan,
    /// The clock.
    pub clock: SimClock,
    /// The trace.
    pub trace: Trace,
    /// The platform.
    pub platform: Arc<Platform>,
    /// The journal every process shares.
    pub journal: MemoryJournal,
    records: Mutex<Records>,
    slots: Mutex<Vec<Slot>>,
    tills: Mutex<Vec<TillState>>,
    draining: AtomicBool,
    deliveries: AtomicUsize,
    crash_rng: Mutex<SimRng>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The seed.
    pub seed: u64,
    /// Every invariant violated.
    pub violations: Vec<Violation>,
    /// SHA-256 of the trace.
    pub trace_hash: String,
    /// How many trace lines.
    pub trace_lines: usize,
    /// Orders the tills paid.
    pub orders: usize,
    /// Simulated time the run took.
    pub simulated: Duration,
}

impl World {
    fn new(plan: Plan, echo: bool) -> Arc<Self> {
        let plan_seed = plan.seed;
        let clock = SimClock::start();
        let trace = Trace::new(echo);
        let platform = Platform::new(
            plan.seed,
            plan.faults.clone(),
            clock,
            trace.clone(),
            plan.request_timeout,
        );
        let slots = (0..plan.processes)
            .map(|p| Slot {
                instance: format!("pos-{p}"),
                ..Slot::default()
            })
            .collect();
        let tills = plan.tills.iter().map(|_| TillState::default()).collect();
        Arc::new(Self {
            plan,
            clock,
            trace,
            platform,
            journal: MemoryJournal::new(),
            records: Mutex::default(),
            slots: Mutex::new(slots),
            tills: Mutex::new(tills),
            draining: AtomicBool::new(false),
            deliveries: AtomicUsize::new(0),
            crash_rng: Mutex::new(SimRng::new(plan_seed, Stream::Process(0))),
        })
    }

    /// Starts process `p` (again), with its resolvers and tills.
    fn start_process(self: &Arc<Self>, p: usize, new_instance: bool) {
        let mut slots = lock(&self.slots);
        let slot = &mut slots[p];
        if slot.process.is_some() {
            return;
        }
        slot.incarnation += 1;
        if new_instance {
            slot.instance = format!("pos-{p}-{}", slot.incarnation);
        }
        let world = Arc::downgrade(self);
        let crash_point: crate::gate::CrashPoint =
            Arc::new(move |url: &str| world.upgrade().is_some_and(|w| w.crash_point(p, url)));
        let process = Arc::new(Process::start(
            slot.instance.clone(),
            self.platform.clone(),
            self.journal.clone(),
            self.clock,
            self.plan.request_timeout,
            crash_point,
        ));
        self.trace.log(format!(
            "process {p} starts as {} (incarnation {})",
            process.instance, slot.incarnation
        ));
        let incarnation = u64::from(slot.incarnation);
        for (r, plan) in self.plan.resolvers.iter().enumerate() {
            if plan.process == p {
                let world = self.clone();
                let process = process.clone();
                slot.tasks.push(tokio::spawn(async move {
                    world.resolver_task(r, process).await
                }));
            }
        }
        for (t, plan) in self.plan.tills.iter().enumerate() {
            if plan.process == p {
                let world = self.clone();
                let process = process.clone();
                let rng = SimRng::new(self.plan.seed, Stream::Till(t as u64 * 100 + incarnation));
                slot.tasks.push(tokio::spawn(async move {
                    world.till_task(t, process, rng).await
                }));
            }
        }
        slot.process = Some(process);
    }

    /// Whether process `p` crashes right after an exchange with `url` (it then does, and
    /// comes back later).
    fn crash_point(self: &Arc<Self>, p: usize, url: &str) -> bool {
        if self.draining.load(Ordering::SeqCst) {
            return false;
        }
        let (down_for, new_instance) = {
            let mut rng = lock(&self.crash_rng);
            if !rng.chance(self.plan.faults.crash_mid_exchange) {
                return false;
            }
            (rng.secs(1, 300), rng.chance(0.4))
        };
        let path = url.strip_prefix(crate::platform::BASE_URL).unwrap_or(url);
        self.trace.log(format!(
            "process {p}: crash point after an exchange with {path}"
        ));
        if !self.crash(p) {
            return false;
        }
        let world = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(down_for).await;
            world.start_process(p, new_instance);
        });
        true
    }

    /// Crashes process `p`: its gates shut, its tasks stop.
    fn crash(&self, p: usize) -> bool {
        let mut slots = lock(&self.slots);
        let slot = &mut slots[p];
        if slot.crashes >= crate::plan::MAX_CRASHES {
            return false;
        }
        let Some(process) = slot.process.take() else {
            return false;
        };
        slot.crashes += 1;
        process.life.kill();
        for task in slot.tasks.drain(..) {
            task.abort();
        }
        drop(slots);
        self.trace
            .log(format!("process {p} ({}) CRASHES", process.instance));
        // A till interrupted mid-payment retries it after the restart, or leaves it to
        // the resolvers, as its plan says.
        let mut tills = lock(&self.tills);
        for (t, plan) in self.plan.tills.iter().enumerate() {
            if plan.process != p {
                continue;
            }
            if let Some(o) = tills[t].current {
                if !plan.orders[o].retry_after_crash {
                    tills[t].current = None;
                    self.trace.log(format!(
                        "till {t} abandons {} (left to the resolvers)",
                        plan.orders[o].out_trade_no
                    ));
                }
            }
        }
        true
    }

    fn alive(&self) -> Vec<Arc<Process>> {
        lock(&self.slots)
            .iter()
            .filter_map(|s| s.process.clone())
            .collect()
    }

    async fn resolver_task(self: Arc<Self>, r: usize, process: Arc<Process>) {
        let plan = &self.plan.resolvers[r];
        let resolver = process.resolver(plan);
        match take_back(&resolver).await {
            Ok(0) => {}
            Ok(n) => self.trace.log(format!(
                "resolver {r} ({}) takes back {n}",
                process.instance
            )),
            Err(e) => self
                .trace
                .log(format!("resolver {r}: take back failed: {e}")),
        }
        loop {
            match resolver_round(&resolver).await {
                Ok(lines) => {
                    for line in lines {
                        self.trace
                            .log(format!("resolver {r} ({}): {line}", process.instance));
                    }
                }
                Err(e) => self.trace.log(format!("resolver {r}: round failed: {e}")),
            }
            tokio::time::sleep(plan.tick).await;
        }
    }

    async fn till_task(self: Arc<Self>, t: usize, process: Arc<Process>, mut rng: SimRng) {
        let plan = &self.plan.tills[t];
        loop {
            let (o, retry) = {
                let state = &lock(&self.tills)[t];
                match state.current {
                    Some(o) => (o, true),
                    None if state.next < plan.orders.len() => (state.next, false),
                    None => break,
                }
            };
            let order = &plan.orders[o];
            if !retry {
                // The next customer: the till is idle until then (a crash now interrupts
                // nothing).
                tokio::time::sleep(order.think).await;
                let mut tills = lock(&self.tills);
                tills[t].current = Some(o);
                tills[t].next = o + 1;
            }
            let auth_code = if retry && order.retry_new_code {
                format!("28{}", rng.digits(16))
            } else {
                order.auth_code.clone()
            };
            lock(&self.records)
                .started
                .insert(order.out_trade_no.clone());
            if let Some(pre) = &order.preorder {
                self.trace.log(format!(
                    "till {t} ({}) pre-orders {} ({} fen, {} min, close after {:?}{})",
                    process.instance,
                    order.out_trade_no,
                    order.amount,
                    pre.timeout_minutes,
                    pre.close_after,
                    if retry { ", RETRY" } else { "" }
                ));
                let (report, line) =
                    till::preorder(&process.client, order, pre, &plan.term_no).await;
                self.trace
                    .log(format!("till {t}: {} reported {line}", order.out_trade_no));
                lock(&self.records)
                    .preorders
                    .entry(order.out_trade_no.clone())
                    .or_default()
                    .push((report, self.clock.unix()));
                lock(&self.tills)[t].current = None;
                continue;
            }
            self.trace.log(format!(
                "till {t} ({}) pays {} ({} fen, {}{})",
                process.instance,
                order.out_trade_no,
                order.amount,
                if order.revoke_on_pending {
                    "revoke on pending"
                } else {
                    "return pending"
                },
                if retry { ", RETRY" } else { "" }
            ));
            let (report, line) = till::pay(&process.client, order, &plan.term_no, &auth_code).await;
            self.trace
                .log(format!("till {t}: {} reported {line}", order.out_trade_no));
            lock(&self.records)
                .pays
                .entry(order.out_trade_no.clone())
                .or_default()
                .push(PayRecord {
                    report,
                    at: self.clock.unix(),
                    said: line.chars().take(200).collect(),
                });
            if report == PayReport::Succeeded {
                for (n, amount) in order.refunds.iter().enumerate() {
                    tokio::time::sleep(rng.secs(1, 90)).await;
                    let number = till::refund_number(&order.out_trade_no, n);
                    lock(&self.records)
                        .refunds
                        .entry(number.clone())
                        .or_insert_with(|| RefundAsk {
                            origin: order.out_trade_no.clone(),
                            amount: *amount,
                            reports: Vec::new(),
                        });
                    self.trace.log(format!(
                        "till {t} refunds {amount} fen of {} as {number}",
                        order.out_trade_no
                    ));
                    let (report, line) =
                        till::refund(&process.client, order, &plan.term_no, &number, *amount).await;
                    self.trace.log(format!(
                        "till {t}: refund {number} reported {report:?} ({line})"
                    ));
                    if let Some(entry) = lock(&self.records).refunds.get_mut(&number) {
                        entry.reports.push((report, self.clock.unix()));
                    }
                }
            }
            lock(&self.tills)[t].current = None;
        }
    }

    fn tills_done(&self) -> bool {
        let tills = lock(&self.tills);
        self.plan
            .tills
            .iter()
            .zip(tills.iter())
            .all(|(p, s)| s.current.is_none() && s.next >= p.orders.len())
    }

    async fn chaos(self: Arc<Self>) {
        let start = tokio::time::Instant::now();
        for crash in self.plan.crashes.clone() {
            tokio::time::sleep_until(start + crash.at).await;
            if self.draining.load(Ordering::SeqCst) || !self.crash(crash.process) {
                continue;
            }
            let world = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(crash.down_for).await;
                world.start_process(crash.process, crash.new_instance);
            });
        }
    }

    async fn notifier(self: Arc<Self>) {
        let mut rng = SimRng::new(self.plan.seed, Stream::Notifier);
        loop {
            tokio::time::sleep(rng.secs(1, 5)).await;
            let landings = self
                .platform
                .with_truth(|t| std::mem::take(&mut t.landings));
            for landing in landings {
                let Some(body) = self.platform.with_truth(|t| {
                    t.orders.get(&landing.out_trade_no).map(|o| {
                        serde_json::json!({
                            "merchant_no": MERCHANT_NO,
                            "term_no": o.term_no,
                            "out_trade_no": landing.out_trade_no,
                            "trade_no": o.trade_no,
                            "trade_state": landing.trade_state,
                            "total_amount": o.total.to_string(),
                            "account_type": "WECHAT",
                        })
                        .to_string()
                    })
                }) else {
                    continue;
                };
                let f = &self.plan.faults;
                let attempts: Vec<(Duration, bool, bool, u64)> = [1u64, 5, 5, 10, 180, 600]
                    .iter()
                    .map(|d| {
                        (
                            Duration::from_secs(*d) + rng.millis(0, 3000),
                            rng.chance(f.fresh_signature),
                            rng.chance(f.redeliver),
                            rng.range(0, 1000),
                        )
                    })
                    .collect();
                let world = self.clone();
                self.deliveries.fetch_add(1, Ordering::SeqCst);
                let key = (landing.out_trade_no.clone(), landing.trade_state.to_owned());
                let nonce_seed = rng.range(0, u64::MAX);
                tokio::spawn(async move {
                    world.clone().deliver(key, body, attempts, nonce_seed).await;
                    world.deliveries.fetch_sub(1, Ordering::SeqCst);
                });
            }
        }
    }

    async fn deliver(
        self: Arc<Self>,
        key: (String, String),
        body: String,
        attempts: Vec<(Duration, bool, bool, u64)>,
        nonce_seed: u64,
    ) {
        let mut nonces = SimRng::new(nonce_seed, Stream::Notifier);
        let mut authorization = self
            .platform
            .sign_notification(body.as_bytes(), &nonces.nonce());
        let label = format!("{} {}", key.0, key.1);
        for (i, (delay, fresh, again, pick)) in attempts.into_iter().enumerate() {
            tokio::time::sleep(delay).await;
            if i > 0 && fresh {
                authorization = self
                    .platform
                    .sign_notification(body.as_bytes(), &nonces.nonce());
            }
            let alive = self.alive();
            if alive.is_empty() {
                self.trace.log(format!("notify {label}: no process up"));
                continue;
            }
            let process = &alive[(pick as usize) % alive.len()];
            let records = &self.records;
            let counted = key.clone();
            let result = tokio::time::timeout(
                Duration::from_secs(10),
                process.notify(&authorization, body.as_bytes(), |_| {
                    *lock(records).notified.entry(counted).or_default() += 1;
                }),
            )
            .await;
            match result {
                Ok(Ok(_)) => {
                    self.trace.log(format!(
                        "notify {label} (delivery {}{}) to {}: answered",
                        i + 1,
                        if i > 0 && fresh {
                            ", fresh signature"
                        } else {
                            ""
                        },
                        process.instance
                    ));
                    if !again {
                        return;
                    }
                }
                Ok(Err(e)) => self
                    .trace
                    .log(format!("notify {label} to {}: {e}", process.instance)),
                Err(_) => self
                    .trace
                    .log(format!("notify {label} to {}: no answer", process.instance)),
            }
        }
    }

    async fn open_payments(&self) -> Vec<PaymentRecord> {
        self.all_payments()
            .await
            .into_iter()
            .filter(|r| matches!(r.status, PaymentStatus::Recorded | PaymentStatus::Pending))
            .collect()
    }

    async fn all_payments(&self) -> Vec<PaymentRecord> {
        let mut all = Vec::new();
        let mut filter = ListFilter::all().limit(500);
        while let Ok(page) = self.journal.list(&filter).await {
            let Some(last) = page.last() else { break };
            filter = filter.after(last.key.clone());
            all.extend(page);
        }
        all
    }

    async fn run(self: Arc<Self>) -> Vec<Violation> {
        let start = tokio::time::Instant::now();
        for p in 0..self.plan.processes {
            self.start_process(p, false);
        }
        let chaos = tokio::spawn(self.clone().chaos());
        let notifier = tokio::spawn(self.clone().notifier());
        tokio::time::sleep(self.plan.active).await;

        // Drain: faults stop, everything lands, every process is up, the tills finish,
        // the resolvers finish what is left.
        self.draining.store(true, Ordering::SeqCst);
        chaos.abort();
        self.platform.drain();
        for p in 0..self.plan.processes {
            self.start_process(p, false);
        }
        let cap = self.plan.active + Duration::from_secs(4 * 3600);
        while !self.platform.settled() && start.elapsed() < cap {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        while !self.tills_done() && start.elapsed() < cap {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        self.wait_until_closed(start, cap).await;
        if self.plan.person_resolves {
            self.person_resolves().await;
            self.wait_until_closed(start, cap).await;
        }
        // A refund sent in the drain phase settles within a minute of it.
        while !self.platform.settled() && start.elapsed() < cap {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        while self.deliveries.load(Ordering::SeqCst) > 0 && start.elapsed() < cap {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        notifier.abort();
        for p in 0..self.plan.processes {
            self.crash_silently(p);
        }
        self.trace.log("run over: checking the invariants");
        let truth = self.platform.with_truth(|t| t.clone());
        let journal = self.all_payments().await;
        let records = lock(&self.records).clone();
        invariants::check(&truth, &journal, &records, &self.trace)
    }

    /// Waits until no payment is `recorded` or `pending` (or the cap).
    async fn wait_until_closed(&self, start: tokio::time::Instant, cap: Duration) {
        loop {
            let open = self.open_payments().await;
            if open.is_empty() || start.elapsed() >= cap {
                if !open.is_empty() {
                    self.trace.log(format!(
                        "drain: {} payments still open at the cap",
                        open.len()
                    ));
                }
                return;
            }
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }

    /// A person runs `resolve_now` on every open payment, `unresolved` ones included.
    async fn person_resolves(&self) {
        let Some(process) = self.alive().into_iter().next() else {
            return;
        };
        let resolver = process.resolver(&self.plan.resolvers[0]);
        self.trace.log(format!(
            "a person resolves everything on {}",
            process.instance
        ));
        match tokio::time::timeout(Duration::from_secs(3600), resolve_all(&resolver)).await {
            Ok(Ok(lines)) => {
                for line in lines {
                    self.trace.log(format!("resolve now: {line}"));
                }
            }
            Ok(Err(e)) => self.trace.log(format!("resolve now failed: {e}")),
            Err(_) => self.trace.log("resolve now still running after an hour"),
        }
    }

    fn crash_silently(&self, p: usize) {
        let mut slots = lock(&self.slots);
        if let Some(process) = slots[p].process.take() {
            process.life.kill();
        }
        for task in slots[p].tasks.drain(..) {
            task.abort();
        }
    }
}

/// Runs `seed`; with `echo`, prints the trace as it is written.
pub fn run(seed: u64, echo: bool) -> RunOutcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let plan = Plan::of(seed);
        let orders = plan.orders().count();
        let world = World::new(plan, echo);
        world.trace.log(format!("seed {seed}: {:?}", world.plan));
        let started = tokio::time::Instant::now();
        let violations = world.clone().run().await;
        RunOutcome {
            seed,
            violations,
            trace_hash: world.trace.hash(),
            trace_lines: world.trace.len(),
            orders,
            simulated: started.elapsed(),
        }
    })
}
