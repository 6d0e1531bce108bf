//! What the platform knows: every order, revoke and refund as it really is, and how they
//! move with time. No answers, no network: `answers` turns this into what the client sees.

use std::collections::BTreeMap;

/// How a payment still in progress ends when it lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The payer pays.
    Success,
    /// The wallet refuses.
    Fail,
    /// The order closes unpaid.
    Close,
}

/// Where a payment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// In progress: it lands at `lands_at` (never on its own when `None`) with `then`.
    Paying {
        /// When the payer's wallet answers (Unix seconds).
        lands_at: Option<i64>,
        /// What it answers.
        then: Fate,
    },
    /// Paid.
    Success,
    /// Failed: no money moved.
    Failed,
    /// Closed unpaid.
    Closed,
    /// Revoked: `was_paid` when the money had been taken and went back.
    Revoked {
        /// Whether the order was paid when the revoke executed.
        was_paid: bool,
    },
}

/// One micropay order.
#[derive(Debug, Clone)]
pub struct Order {
    /// `merchant_no`.
    pub merchant_no: String,
    /// `term_no`.
    pub term_no: String,
    /// The platform's `trade_no`.
    pub trade_no: String,
    /// `total_amount`, fen.
    pub total: u64,
    /// Where it is.
    pub status: Status,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When it became paid, if it did.
    pub paid_at: Option<i64>,
    /// A pre-order's own facts (`None` for a micropay).
    pub preorder: Option<PreorderFacts>,
}

/// What a pre-order has that a micropay has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreorderFacts {
    /// When the platform closes it if still unpaid.
    pub expires_at: i64,
    /// The customer pays right as a close arrives: the payment lands first.
    pub pays_at_close: bool,
    /// Whether a close ever executed on it.
    pub closed_by_close: bool,
}

/// Where a refund is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    /// In progress (`DEAL`) until `until`, then succeeds or fails.
    Deal {
        /// When it settles.
        until: i64,
        /// Whether it then succeeds.
        succeeds: bool,
    },
    /// Refunded.
    Success,
    /// Failed: nothing refunded.
    Fail,
}

impl RefundState {
    /// Its `trade_state` word.
    pub fn word(&self) -> &'static str {
        match self {
            RefundState::Deal { .. } => "DEAL",
            RefundState::Success => "SUCCESS",
            RefundState::Fail => "FAIL",
        }
    }
}

/// One refund the platform executed.
#[derive(Debug, Clone)]
pub struct Refund {
    /// The refunded order's `out_trade_no`.
    pub origin: String,
    /// Fen.
    pub amount: u64,
    /// Where it is.
    pub state: RefundState,
    /// Its `trade_no`.
    pub trade_no: String,
    /// When it succeeded, if it did.
    pub success_at: Option<i64>,
}

/// One revoke the platform executed.
#[derive(Debug, Clone)]
pub struct Revoke {
    /// The revoked order's `out_trade_no`.
    pub origin: String,
    /// Whether the order was paid when it executed (money went back).
    pub was_paid: bool,
    /// The answer's `resp_data`, sent again for a repeat of the number.
    pub resp_data: serde_json::Value,
    /// When it executed.
    pub at: i64,
}

/// A final state reached, for the notifier.
#[derive(Debug, Clone)]
pub struct Landing {
    /// The order's `out_trade_no`.
    pub out_trade_no: String,
    /// Its `trade_state`.
    pub trade_state: &'static str,
}

/// Everything the platform knows.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// Orders by `out_trade_no`.
    pub orders: BTreeMap<String, Order>,
    /// How many micropay requests arrived per `out_trade_no` (repeats included).
    pub micropay_arrivals: BTreeMap<String, u32>,
    /// How many pre-order requests arrived per `out_trade_no` (repeats included).
    pub preorder_arrivals: BTreeMap<String, u32>,
    /// How many close requests arrived per `out_trade_no`.
    pub close_arrivals: BTreeMap<String, u32>,
    /// How many revoke requests arrived per revoke number.
    pub revoke_arrivals: BTreeMap<String, u32>,
    /// Executed revokes by their own number.
    pub revokes: BTreeMap<String, Revoke>,
    /// Executed refunds by their own number.
    pub refunds: BTreeMap<String, Refund>,
    /// Final states reached and not yet handed to the notifier.
    pub landings: Vec<Landing>,
    counter: u64,
}

impl Truth {
    /// A new platform number: the day and a counter (22 characters).
    pub fn number(&mut self, now: i64) -> String {
        self.counter += 1;
        let day = &lakala_crypto::format_china_time(now)[..8];
        format!("{day}{:014}", self.counter)
    }

    /// Moves every order and refund whose time has come; returns what changed, for the
    /// trace.
    pub fn settle(&mut self, now: i64) -> Vec<String> {
        let mut changed = Vec::new();
        for (no, order) in self.orders.iter_mut() {
            // A pre-order still unpaid at its expiry closes (a payment that would land
            // later never does).
            if let (Status::Paying { lands_at, .. }, Some(pre)) = (order.status, order.preorder) {
                let lands_first = lands_at.is_some_and(|at| at <= pre.expires_at);
                if pre.expires_at <= now && !lands_first {
                    order.status = Status::Closed;
                    changed.push(format!("platform: {no} expires unpaid: CLOSE"));
                    self.landings.push(Landing {
                        out_trade_no: no.clone(),
                        trade_state: "CLOSE",
                    });
                    continue;
                }
            }
            if let Status::Paying {
                lands_at: Some(at),
                then,
            } = order.status
            {
                if at <= now {
                    land(order, then, now);
                    changed.push(format!("platform: {no} lands {:?}", order.status));
                    self.landings.push(Landing {
                        out_trade_no: no.clone(),
                        trade_state: trade_state_word(order),
                    });
                }
            }
        }
        for (no, refund) in self.refunds.iter_mut() {
            if let RefundState::Deal { until, succeeds } = refund.state {
                if until <= now {
                    refund.state = if succeeds {
                        refund.success_at = Some(now);
                        RefundState::Success
                    } else {
                        RefundState::Fail
                    };
                    changed.push(format!(
                        "platform: refund {no} of {} settles {}",
                        refund.origin,
                        refund.state.word()
                    ));
                }
            }
        }
        changed
    }

    /// Lands `out_trade_no` now if it is in progress (a payment landing while a revoke is
    /// on its way).
    pub fn land_now(&mut self, out_trade_no: &str, now: i64) -> bool {
        let Some(order) = self.orders.get_mut(out_trade_no) else {
            return false;
        };
        let Status::Paying { then, .. } = order.status else {
            return false;
        };
        land(order, then, now);
        self.landings.push(Landing {
            out_trade_no: out_trade_no.to_owned(),
            trade_state: trade_state_word(order),
        });
        true
    }

    /// The amount refunded for good or in progress on `origin`.
    pub fn committed_refunds(&self, origin: &str) -> u64 {
        self.refunds
            .values()
            .filter(|r| r.origin == origin && r.state != RefundState::Fail)
            .map(|r| r.amount)
            .sum()
    }

    /// The amount refunded for good on `origin`.
    pub fn refunded(&self, origin: &str) -> u64 {
        self.refunds
            .values()
            .filter(|r| r.origin == origin && r.state == RefundState::Success)
            .map(|r| r.amount)
            .sum()
    }

    /// The order's `trade_state` as a query reports it (in progress: `DEAL`).
    pub fn trade_state(&self, out_trade_no: &str) -> Option<&'static str> {
        let order = self.orders.get(out_trade_no)?;
        Some(match order.status {
            Status::Success => {
                let refunded = self.refunded(out_trade_no);
                if refunded >= order.total {
                    "REFUND"
                } else if refunded > 0 {
                    "PART_REFUND"
                } else {
                    "SUCCESS"
                }
            }
            _ => trade_state_word(order),
        })
    }
}

/// Lands a payment in progress with `then`, now.
pub fn land(order: &mut Order, then: Fate, now: i64) {
    order.status = match then {
        Fate::Success => {
            order.paid_at = Some(now);
            Status::Success
        }
        Fate::Fail => Status::Failed,
        Fate::Close => Status::Closed,
    };
}

fn trade_state_word(order: &Order) -> &'static str {
    match order.status {
        Status::Paying { .. } => "DEAL",
        Status::Success => "SUCCESS",
        Status::Failed => "FAIL",
        Status::Closed => "CLOSE",
        Status::Revoked { .. } => "REFUND",
    }
}
