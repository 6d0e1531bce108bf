//! The sandbox's memory: gate/auth orders, open-platform orders, refunds, revocations, and
//! the replay guards. Guarded by one mutex; no lock is held across an `.await`.

use std::collections::{HashMap, HashSet, VecDeque};

/// How many `ts` values and nonces are remembered for replay detection.
const REPLAY_MEMORY: usize = 100_000;

/// A set that forgets its oldest entries past a bound.
#[derive(Debug, Default)]
pub(crate) struct BoundedSet {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl BoundedSet {
    /// Inserts `value`; `false` if it was already there.
    pub(crate) fn insert(&mut self, value: String) -> bool {
        if self.set.contains(&value) {
            return false;
        }
        if self.order.len() >= REPLAY_MEMORY {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.order.push_back(value.clone());
        self.set.insert(value);
        true
    }
}

/// A merchant's order key: `(merchant_no, out_trade_no)`.
pub(crate) type OrderKey = (String, String);

/// What settles a pending payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settle {
    Success,
    Fail,
    Close,
}

/// Where an order stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// A pre-order awaiting payment (trade state CREATE): the payer pays at `pay_at` (with
    /// the outcome `then`), or it expires (closes) at `expire_at`, whichever comes first, by
    /// the sandbox clock; `None`: never.
    Created {
        pay_at: Option<i64>,
        then: Settle,
        expire_at: Option<i64>,
        /// What expiry does: closes the order (`true`), or, as WeChat does, only ends the
        /// payer's chance to pay, leaving the order for the merchant to close
        /// ([`Status::Expired`]).
        closes_at_expiry: bool,
    },
    /// A WeChat pre-order past its expiry: it can no longer be paid, and stays open (trade
    /// state CREATE) until the merchant closes it, as WeChat leaves an expired order.
    Expired,
    /// A pending micropay (trade state DEAL); settles at `at` (sandbox clock), or never.
    Paying { at: Option<i64>, then: Settle },
    /// Paid (trade state SUCCESS).
    Success,
    /// Failed (trade state FAIL).
    Failed { desc: &'static str },
    /// Revoked (trade state REFUND, as the platform reports a revoked order): not paid,
    /// anything paid was returned.
    Revoked,
    /// Closed before it was paid (trade state CLOSE).
    Closed,
}

/// What an order's scenario makes the platform do besides settling (see
/// [`crate::behaviour::MicropayScenario`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Quirks {
    /// The first revoke answers an unlisted code without executing, and the payer's payment
    /// lands at that moment (auth code `1006`).
    pub(crate) inconclusive_first_revoke: bool,
    /// The first trade query answers `000101` without `resp_data` (auth code `1007`).
    pub(crate) timeout_first_query: bool,
}

/// An open-platform order: a micropay or a pre-order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(crate) merchant_no: String,
    pub(crate) term_no: String,
    pub(crate) out_trade_no: String,
    pub(crate) trade_no: String,
    pub(crate) acc_trade_no: String,
    pub(crate) account_type: String,
    pub(crate) total: u64,
    /// Refunded and done (SUCCESS refunds and revokes).
    pub(crate) refunded: u64,
    /// Accepted refunds still in progress (DEAL): not refundable again.
    pub(crate) refunding: u64,
    pub(crate) status: Status,
    /// Unix seconds of the last change of status (the `trade_time`).
    pub(crate) trade_time: i64,
    pub(crate) notify_url: Option<String>,
    /// `MICROPAY` or `PREORDER` (the trade query's `trade_main_type`).
    pub(crate) main_type: &'static str,
    pub(crate) quirks: Quirks,
}

impl Order {
    /// What is left to refund.
    pub(crate) fn refundable(&self) -> u64 {
        self.total
            .saturating_sub(self.refunded)
            .saturating_sub(self.refunding)
    }

    pub(crate) fn log_no(&self) -> &str {
        &self.trade_no[self.trade_no.len().saturating_sub(14)..]
    }

    pub(crate) fn trade_state(&self) -> (&'static str, &'static str) {
        match &self.status {
            Status::Created { .. } => ("CREATE", "订单已创建,待支付"),
            Status::Expired => ("CREATE", "订单已过期,未支付,请关单"),
            Status::Paying { .. } => ("DEAL", "支付中"),
            Status::Success if self.refunded >= self.total => ("REFUND", "已全额退款"),
            Status::Success if self.refunded > 0 => ("PART_REFUND", "部分退款"),
            Status::Success => ("SUCCESS", "交易成功"),
            Status::Failed { desc } => ("FAIL", desc),
            Status::Revoked => ("REFUND", "交易已撤销"),
            Status::Closed => ("CLOSE", "交易已关闭"),
        }
    }
}

/// A notification to deliver after a pending order settled.
#[derive(Debug, Clone)]
pub(crate) struct NotifyJob {
    pub(crate) url: String,
    pub(crate) order: Order,
}

/// A remembered successful revoke or refund, replayed when its number is sent again with
/// the same content.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    /// What identifies the request's content (origin order and amount).
    pub(crate) fingerprint: String,
    /// The answer's `resp_data`.
    pub(crate) resp_data: serde_json::Value,
    /// The answer's `msg`.
    pub(crate) msg: &'static str,
}

/// Where an accepted refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefundProgress {
    /// Refunded (SUCCESS).
    Done,
    /// In progress (DEAL): done once `until` has passed on the sandbox clock (`None`:
    /// never by time), or after `queries_left` more refund queries (`None`: never by
    /// queries), whichever comes first.
    Deal {
        queries_left: Option<u32>,
        until: Option<i64>,
    },
}

/// An accepted refund, by its own number.
#[derive(Debug, Clone)]
pub(crate) struct RefundRecord {
    pub(crate) origin: OrderKey,
    pub(crate) trade_no: String,
    pub(crate) amount: u64,
    pub(crate) progress: RefundProgress,
    pub(crate) trade_time: i64,
}

impl RefundRecord {
    pub(crate) fn trade_state(&self) -> (&'static str, &'static str) {
        match self.progress {
            RefundProgress::Done => ("SUCCESS", "退款成功"),
            RefundProgress::Deal { .. } => ("DEAL", "退款处理中"),
        }
    }
}

/// What the tests can count: how often money moved per original order (by its
/// `out_trade_no`).
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    /// Revokes that executed (cancelled the order), per original order.
    pub(crate) revokes_executed: HashMap<String, usize>,
    /// Refunds accepted (SUCCESS at once, or DEAL), per original order.
    pub(crate) refunds_executed: HashMap<String, usize>,
    /// The amount of those refunds, fen, per original order.
    pub(crate) refunded_amount: HashMap<String, u64>,
    /// What the payer paid (fen) per order, counted once when the order became paid:
    /// micropays and pre-orders alike.
    pub(crate) paid_amount: HashMap<String, u64>,
}

impl Ledger {
    /// Counts the payment of an order that just became paid.
    pub(crate) fn record_payment(&mut self, out_trade_no: &str, amount: u64) {
        *self.paid_amount.entry(out_trade_no.to_owned()).or_default() += amount;
    }
}

#[derive(Debug, Default)]
pub(crate) struct State {
    /// gate/auth orderNo → fingerprint of the request's content.
    pub(crate) auth_orders: HashMap<String, String>,
    /// gate/auth `ts` values seen (merId + ts).
    pub(crate) seen_ts: BoundedSet,
    /// Open-platform `timestamp + nonce` seen.
    pub(crate) seen_nonces: BoundedSet,
    pub(crate) orders: HashMap<OrderKey, Order>,
    /// trade_no and log_no → order key.
    pub(crate) by_number: HashMap<String, OrderKey>,
    /// Orders that are pending with a settle time.
    pub(crate) pending: Vec<OrderKey>,
    pub(crate) revokes: HashMap<OrderKey, Remembered>,
    /// `out_trade_no` of every micropay request that passed authentication, duplicates
    /// included, in arrival order.
    pub(crate) micropays: Vec<String>,
    /// `out_trade_no` of every labs pre-order request that passed authentication,
    /// duplicates included, in arrival order.
    pub(crate) preorders: Vec<String>,
    /// How many authenticated `*_encry` requests opened with the SM4 key.
    pub(crate) sealed_requests: usize,
    pub(crate) refunds: HashMap<OrderKey, Remembered>,
    /// Accepted refunds by their own number `(merchant_no, out_trade_no)`.
    pub(crate) refund_records: HashMap<OrderKey, RefundRecord>,
    pub(crate) ledger: Ledger,
    seq: u64,
}

impl State {
    /// A fresh platform number: `yyyyMMdd` of `day` and `digits` more digits (a counter).
    pub(crate) fn next_number(&mut self, day: &str, digits: usize) -> String {
        self.seq += 1;
        format!("{day}{:0width$}", self.seq, width = digits)
    }

    pub(crate) fn insert_order(&mut self, order: Order) {
        let key = (order.merchant_no.clone(), order.out_trade_no.clone());
        self.by_number.insert(order.trade_no.clone(), key.clone());
        self.by_number
            .insert(order.log_no().to_owned(), key.clone());
        let timed = match order.status {
            Status::Paying { at, .. } => at.is_some(),
            Status::Created {
                pay_at, expire_at, ..
            } => pay_at.is_some() || expire_at.is_some(),
            _ => false,
        };
        if timed {
            self.pending.push(key.clone());
        }
        if order.status == Status::Success {
            self.ledger.record_payment(&order.out_trade_no, order.total);
        }
        self.orders.insert(key, order);
    }

    /// Finds `merchant_no`'s order by its own number or the platform's (trade or log no).
    pub(crate) fn find(
        &self,
        merchant_no: &str,
        out_trade_no: Option<&str>,
        trade_no: Option<&str>,
    ) -> Option<OrderKey> {
        fn non_empty(v: Option<&str>) -> Option<&str> {
            v.filter(|v| !v.is_empty())
        }
        if let Some(out) = non_empty(out_trade_no) {
            let key = (merchant_no.to_owned(), out.to_owned());
            return self.orders.contains_key(&key).then_some(key);
        }
        let key = self.by_number.get(non_empty(trade_no)?)?;
        (key.0 == merchant_no).then(|| key.clone())
    }

    /// Settles every pending order and every timed `DEAL` refund whose time has come;
    /// returns the notifications due.
    pub(crate) fn settle_due(&mut self, now: i64) -> Vec<NotifyJob> {
        self.settle_refunds(now);
        let mut jobs = Vec::new();
        let orders = &mut self.orders;
        let ledger = &mut self.ledger;
        self.pending.retain(|key| {
            let Some(order) = orders.get_mut(key) else {
                return false;
            };
            let (then, at) = match order.status {
                Status::Paying { at: Some(at), then } => (then, at),
                Status::Created {
                    pay_at,
                    then,
                    expire_at,
                    closes_at_expiry,
                } => {
                    let expiry = match (pay_at, expire_at) {
                        (Some(pay), Some(expire)) if expire <= pay => Some(expire),
                        (Some(pay), _) => return settle(pay, then, now, order, ledger, &mut jobs),
                        (None, Some(expire)) => Some(expire),
                        (None, None) => None,
                    };
                    let Some(expire) = expiry else {
                        return false;
                    };
                    if closes_at_expiry {
                        (Settle::Close, expire)
                    } else if expire <= now {
                        // WeChat: no longer payable; the order waits for a close call.
                        order.status = Status::Expired;
                        return false;
                    } else {
                        return true;
                    }
                }
                // Revoked, closed (or otherwise settled) while pending.
                _ => return false,
            };
            settle(at, then, now, order, ledger, &mut jobs)
        });
        jobs
    }

    /// Completes the `DEAL` refunds whose time has come: they become part of their order's
    /// refunded amount.
    fn settle_refunds(&mut self, now: i64) {
        for record in self.refund_records.values_mut() {
            if let RefundProgress::Deal {
                until: Some(until), ..
            } = record.progress
            {
                if until <= now {
                    record.progress = RefundProgress::Done;
                    record.trade_time = until;
                    if let Some(order) = self.orders.get_mut(&record.origin) {
                        order.refunding = order.refunding.saturating_sub(record.amount);
                        order.refunded = order.refunded.saturating_add(record.amount);
                    }
                }
            }
        }
    }
}

/// Settles `order` as `then` if `at` has come (and queues its notification); whether it
/// is still pending.
fn settle(
    at: i64,
    then: Settle,
    now: i64,
    order: &mut Order,
    ledger: &mut Ledger,
    jobs: &mut Vec<NotifyJob>,
) -> bool {
    if at > now {
        return true;
    }
    order.status = match then {
        Settle::Success => {
            ledger.record_payment(&order.out_trade_no, order.total);
            Status::Success
        }
        Settle::Fail => Status::Failed {
            desc: "用户取消支付",
        },
        Settle::Close => Status::Closed,
    };
    order.trade_time = at;
    if let Some(url) = &order.notify_url {
        jobs.push(NotifyJob {
            url: url.clone(),
            order: order.clone(),
        });
    }
    false
}
