//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The Lakala SDK from a shell: identity verification, pre-authorization, barcode payment,
/// notifications, validation, keys, and a local sandbox.
///
/// Connection settings come from flags, `LAKALA_*` environment variables, or a TOML config
/// file (`--config` / `LAKALA_CONFIG`; see lakala-client's `config_file` docs for its
/// keys). With no base URL and no config file, an embedded sandbox is started on
/// loopback and used.
///
/// Exit status: 0 success, 2 bad input or usage, 3 declined on evidence that nothing was
/// done, 4 pending or unknown (resolve with `lakala query`), 5 verification failure or an
/// answer about another order, 6 transient (transport failure, or the platform said try
/// again), 7 the journal could not be used, 8 `payments reconcile` found what a person
/// must look at, 1 internal error.
#[derive(Debug, Parser)]
#[command(name = "lakala", version, about, long_about)]
pub struct Cli {
    /// Print one JSON object on stdout (`outcome`, `response`, ...), and no progress.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print personal data (names, ID, card and phone numbers, wallet user ids, payment
    /// codes) in clear. By default it is masked as in logs (`张*`, `1101**********2316`),
    /// in `--json` output and in text alike.
    #[arg(long, global = true)]
    pub reveal_personal_data: bool,
    /// Base URL of the platform (real or sandbox), for both API families.
    #[arg(long, global = true, env = "LAKALA_BASE_URL")]
    pub base_url: Option<String>,
    /// TOML configuration file.
    #[arg(long, global = true, env = "LAKALA_CONFIG")]
    pub config: Option<PathBuf>,
    /// Cross-border merchant id.
    #[arg(long, global = true)]
    pub mer_id: Option<String>,
    /// The merchant private key of the API family the command uses (PEM, DER or base64).
    #[arg(long, global = true)]
    pub merchant_key: Option<PathBuf>,
    /// Cross-border platform public key (PEM or Lakala's base64 DER).
    #[arg(long, global = true)]
    pub platform_public_key: Option<PathBuf>,
    /// Open-platform appid.
    #[arg(long, global = true)]
    pub appid: Option<String>,
    /// Serial number of the merchant certificate, as Lakala registered it.
    #[arg(long, global = true)]
    pub serial_no: Option<String>,
    /// Open-platform platform certificate (verifies answers).
    #[arg(long, global = true)]
    pub platform_cert: Option<PathBuf>,
    /// Open-platform notification certificate.
    #[arg(long, global = true)]
    pub notify_cert: Option<PathBuf>,
    /// Seconds between micropay queries, comma-separated (default: the spec's
    /// 5,5,5,5,10,10,20). Shorter schedules are for sandboxes and tests.
    #[arg(long, global = true, value_delimiter = ',')]
    pub poll_schedule: Option<Vec<u64>>,
    /// The payment journal: `sqlite:PATH` or `postgres://...`. Without it, an SQLite
    /// journal in the user's data directory (a temporary one with the embedded sandbox);
    /// stderr says which.
    #[arg(long, global = true, env = "LAKALA_JOURNAL")]
    pub journal: Option<String>,
    /// The PostgreSQL schema of the journal (default: the connection's search path).
    #[arg(long, global = true, env = "LAKALA_JOURNAL_SCHEMA")]
    pub journal_schema: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every flow against an embedded sandbox and report each step.
    Demo,
    /// Run the sandbox until interrupted; print its base URL; write keys and a client config.
    /// `lakala sandbox notify ...` asks a running one to send a notification.
    Sandbox(SandboxArgs),
    /// Cross-border identity / bank-card verification (gate/auth).
    Auth(AuthArgs),
    /// Scan-code pre-authorization pre-order (open platform v2).
    Preauth(PreauthArgs),
    /// Barcode payment; polls while pending.
    Micropay(MicropayArgs),
    /// Labs pre-order (聚合主扫): draws the QR code (or prints the wallet's payment
    /// fields), then polls until paid, closed or failed; closes it when asked
    /// (`--close-after`) or past its expiry.
    Preorder(PreorderArgs),
    /// Trade query.
    Query(QueryArgs),
    /// Revoke (cancel) a barcode payment.
    Revoke(RevokeArgs),
    /// Refund a payment.
    Refund(RefundArgs),
    /// Where a refund stands, by the refund's own number (refund query).
    RefundQuery(RefundQueryArgs),
    /// Close an unpaid order so it can no longer be paid; confirmed by a trade query.
    Close(CloseArgs),
    /// Verify a notification read from stdin.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// The payments in the journal: list them, or resolve the open ones by query.
    #[command(subcommand)]
    Payments(PaymentsCommand),
    /// Serve the operations console on the journal (`--journal`): payments, timelines,
    /// per-day charts, and the actions that need a person (with `--config`, through the
    /// client). Loopback only unless a login keeps strangers out; see the README.
    Console(ConsoleArgs),
    /// Check a configuration: keys, certificates (validity, serials), the merchant profile,
    /// the journal (open and unresolved payments) and its resolver, the platform's
    /// reachability. One line per finding; exit status 0 only when nothing failed (2 for a
    /// configuration problem, 6 for an unreachable platform or journal, 1 for a broken
    /// journal).
    Doctor,
    /// Check JSON read from stdin against the spec's rules for KIND.
    Validate {
        /// The kind of message (see --list).
        kind: Option<String>,
        /// List the kinds.
        #[arg(long)]
        list: bool,
    },
    /// Generate an RSA key pair and a self-signed signing certificate (CA:FALSE, key usage
    /// digitalSignature, as Lakala's).
    Keygen {
        /// Key size.
        #[arg(long, default_value_t = 2048)]
        bits: usize,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// The certificate's common name (CN): say whose key it is and what it signs.
        #[arg(
            long,
            default_value = "lakala-rs merchant (signs open-platform requests)"
        )]
        common_name: String,
    },
}

/// `lakala console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Address to listen on. A non-loopback address needs `--operators`,
    /// `LAKALA_CONSOLE_TOKEN` or `--auth-header`.
    #[arg(long, default_value = "127.0.0.1:8788")]
    pub bind: String,
    /// Show only: hide and refuse every action.
    #[arg(long)]
    pub read_only: bool,
    /// A TOML file of operators and their tokens (`[operators]` then `alice = "..."`, at
    /// least 16 characters each). Else `LAKALA_CONSOLE_TOKEN` (the operator named by
    /// `LAKALA_CONSOLE_OPERATOR`, default `operator`); else a one-time token printed on
    /// stderr.
    #[arg(long, value_name = "FILE")]
    pub operators: Option<PathBuf>,
    /// Sign people in by this header, set by your reverse proxy (its value is the identity
    /// actions are journaled under). The proxy must set it on every request and strip it
    /// from what clients send.
    #[arg(long, value_name = "NAME")]
    pub auth_header: Option<String>,
}

/// `lakala sandbox`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SandboxArgs {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: String,
    /// Directory for the sandbox's keys and the client configuration.
    #[arg(long)]
    pub keys_dir: Option<PathBuf>,
    /// Seconds a pending micropay (auth codes ending 1001 and 1002) takes to settle.
    #[arg(long, value_name = "SECS", default_value_t = 12)]
    pub pending_delay: u64,
    /// Seconds the answer of a slow micropay (auth code ending 1007) is held back.
    #[arg(long, value_name = "SECS", default_value_t = 40)]
    pub slow_answer_delay: u64,
    /// Refund queries a DEAL refund (amount ending in 77 fen) answers DEAL before SUCCESS;
    /// without it, DEAL forever.
    #[arg(long, value_name = "N")]
    pub deal_refund_queries: Option<u32>,
    /// Seconds an unpaid labs pre-order without `timeout_express` stays payable (Lakala's
    /// default is 5 minutes). Pre-order amounts ending in 44 fen are never paid (they
    /// expire), ending in 45 fail, any other is paid after --pending-delay; a refund of
    /// an amount ending in 78 fen is DEAL first, then SUCCESS.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub preorder_expiry: u64,
    /// Talk to a running sandbox instead of starting one.
    #[command(subcommand)]
    pub action: Option<SandboxAction>,
}

/// What to ask a running sandbox (at --base-url, or the base_url of --config).
#[derive(Debug, Subcommand)]
pub enum SandboxAction {
    /// Have the sandbox send a notification to your endpoint, and report how it answered.
    #[command(subcommand)]
    Notify(SandboxNotify),
}

/// `lakala sandbox notify`.
#[derive(Debug, Subcommand)]
pub enum SandboxNotify {
    /// A cross-border notification, sealed with the sandbox's keys; the sandbox verifies and
    /// opens your endpoint's answer.
    Crossborder {
        /// Your endpoint (a loopback http:// URL).
        #[arg(long)]
        url: String,
        /// The notification type.
        #[arg(long, default_value = "B0005")]
        req_type: String,
        /// The business JSON to send, exactly (default: an orderNo, retCode 0000, retMsg).
        #[arg(long)]
        biz: Option<String>,
    },
    /// An open-platform notification, signed with the sandbox's notification key; your
    /// endpoint must answer {"code":"SUCCESS",...}.
    OpenPlatform {
        /// Your endpoint (a loopback http:// URL).
        #[arg(long)]
        url: String,
        /// The body to send, exactly (JSON).
        #[arg(long, conflicts_with_all = ["merchant_no", "out_trade_no"], required_unless_present = "out_trade_no")]
        body: Option<String>,
        /// With --out-trade-no: the result notification of this order in the sandbox.
        #[arg(long, requires = "out_trade_no")]
        merchant_no: Option<String>,
        /// The order's out_trade_no.
        #[arg(long, requires = "merchant_no")]
        out_trade_no: Option<String>,
        /// Send it this many times (1 to 20), each a new request freshly signed, as
        /// Lakala's redeliveries are.
        #[arg(long, default_value_t = 1)]
        repeat: u32,
        /// Send it as this other merchant's notification (merchant_no replaced): your
        /// endpoint should take it as not for it.
        #[arg(long)]
        as_merchant_no: Option<String>,
    },
}

/// `lakala auth`.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// 00 identity, 01 bank card (3 elements), 02 bank card (4 elements).
    #[arg(long)]
    pub biz_type: String,
    /// Holder's name.
    #[arg(long)]
    pub name: String,
    /// Certificate (ID card) number.
    #[arg(long)]
    pub cert_no: String,
    /// Certificate type (00: ID card).
    #[arg(long, default_value = "00")]
    pub cert_type: String,
    /// Bank card number (bizType 01, 02).
    #[arg(long)]
    pub bank_card_no: Option<String>,
    /// Mobile number registered with the bank (bizType 02).
    #[arg(long)]
    pub bank_mobile: Option<String>,
    /// Order number (generated when absent).
    #[arg(long)]
    pub order_no: Option<String>,
}

/// `lakala preauth`.
#[derive(Debug, Args)]
pub struct PreauthArgs {
    /// WECHAT, ALIPAY, UQRCODEPAY, BESTPAY, SUNING, DCPAY, LKLACC.
    #[arg(long)]
    pub account_type: String,
    /// 41 NATIVE, 51 JSAPI, 71 mini-program, 61 APP, 81 Alipay H5.
    #[arg(long)]
    pub trans_type: String,
    /// Amount in fen.
    #[arg(long)]
    pub amount: u64,
    /// Order title.
    #[arg(long)]
    pub subject: String,
    /// Merchant number (merId).
    #[arg(long, default_value = "822100050210643")]
    pub merchant_no: String,
    /// Terminal id (termId).
    #[arg(long, default_value = "47846848")]
    pub term_id: String,
    /// WeChat sub-appid (JSAPI and mini-program).
    #[arg(long)]
    pub app_id: Option<String>,
    /// Payer's openid (JSAPI and mini-program).
    #[arg(long)]
    pub open_id: Option<String>,
    /// Merchant request number (generated when absent).
    #[arg(long)]
    pub mer_req_sno: Option<String>,
}

/// What `lakala micropay` does when polling ends without a final state.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnPending {
    /// Report the payment as pending (exit 4) with what resolves it.
    Wait,
    /// Revoke the order.
    Revoke,
}

/// Location fields shared by the v3 calls.
#[derive(Debug, Args)]
pub struct Location {
    /// The requester's IP address (location_info.request_ip).
    #[arg(long, default_value = "127.0.0.1")]
    pub request_ip: String,
}

/// `lakala micropay`.
#[derive(Debug, Args)]
pub struct MicropayArgs {
    /// Merchant number.
    #[arg(long)]
    pub merchant_no: String,
    /// Terminal number.
    #[arg(long)]
    pub term_no: String,
    /// The payer's barcode.
    #[arg(long)]
    pub auth_code: String,
    /// Amount in fen.
    #[arg(long)]
    pub amount: u64,
    /// Order title.
    #[arg(long)]
    pub subject: Option<String>,
    /// The merchant's trade number (generated when absent).
    #[arg(long)]
    pub out_trade_no: Option<String>,
    /// Asynchronous notification URL.
    #[arg(long)]
    pub notify_url: Option<String>,
    /// When polling ends without a final state.
    #[arg(long, value_enum, default_value_t = OnPending::Wait)]
    pub on_pending: OnPending,
    /// The micropay route (default: the configuration's `open_platform.micropay_route`,
    /// else `dcp`).
    #[arg(long, value_enum)]
    pub route: Option<Route>,
    #[command(flatten)]
    pub location: Location,
}

/// Which route `lakala micropay` sends the payment to.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Route {
    /// `/api/v3/dcp/trans/micropay`.
    Dcp,
    /// `/api/v3/labs/trans/micropay` (the route of Lakala's Java SDK).
    Labs,
}

impl Route {
    /// The client's setting for this route.
    pub fn setting(self) -> lakala_client::MicropayRoute {
        match self {
            Route::Dcp => lakala_client::MicropayRoute::Dcp,
            Route::Labs => lakala_client::MicropayRoute::Labs,
        }
    }
}

/// The wallet of `lakala preorder`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Wallet {
    /// ALIPAY.
    Alipay,
    /// WECHAT.
    Wechat,
    /// UQRCODEPAY (UnionPay).
    Unionpay,
}

/// How the customer pays a `lakala preorder`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PayBy {
    /// 41: a QR code the customer scans (Alipay, UnionPay).
    Native,
    /// 51: a page in the wallet (WeChat needs --sub-appid and --user-id; Alipay --user-id).
    Jsapi,
    /// 71: a WeChat mini-program (--sub-appid and --user-id).
    MiniProgram,
}

/// `lakala preorder`.
#[derive(Debug, Args)]
pub struct PreorderArgs {
    /// Merchant number.
    #[arg(long)]
    pub merchant_no: String,
    /// Terminal number.
    #[arg(long)]
    pub term_no: String,
    /// Amount in fen.
    #[arg(long)]
    pub amount: u64,
    /// The wallet.
    #[arg(long, value_enum, default_value_t = Wallet::Alipay)]
    pub wallet: Wallet,
    /// How the customer pays.
    #[arg(long = "pay-by", value_enum, default_value_t = PayBy::Native)]
    pub pay_by: PayBy,
    /// The merchant's app (WeChat official account or mini-program) id.
    #[arg(long)]
    pub sub_appid: Option<String>,
    /// The payer in the wallet (WeChat openid, Alipay buyer id). Personal data.
    #[arg(long)]
    pub user_id: Option<String>,
    /// Order title.
    #[arg(long)]
    pub subject: Option<String>,
    /// The merchant's trade number (generated when absent).
    #[arg(long)]
    pub out_trade_no: Option<String>,
    /// Asynchronous notification URL.
    #[arg(long)]
    pub notify_url: Option<String>,
    /// Minutes the order stays payable (timeout_express; Lakala's default 5).
    #[arg(long)]
    pub timeout_minutes: Option<u32>,
    /// Close the order this many seconds after it was made, if still unpaid (otherwise at
    /// its expiry plus a minute).
    #[arg(long)]
    pub close_after: Option<u64>,
    #[command(flatten)]
    pub location: Location,
}

/// `lakala query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Merchant number.
    #[arg(long)]
    pub merchant_no: String,
    /// Terminal number.
    #[arg(long)]
    pub term_no: String,
    /// The merchant's trade number.
    #[arg(long, required_unless_present = "trade_no")]
    pub out_trade_no: Option<String>,
    /// The platform's trade number.
    #[arg(long)]
    pub trade_no: Option<String>,
}

/// `lakala revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Merchant number.
    #[arg(long)]
    pub merchant_no: String,
    /// Terminal number.
    #[arg(long)]
    pub term_no: String,
    /// The payment to revoke.
    #[arg(long)]
    pub origin_out_trade_no: String,
    /// This revocation's own number (generated when absent).
    #[arg(long)]
    pub out_trade_no: Option<String>,
    #[command(flatten)]
    pub location: Location,
}

/// `lakala refund`.
#[derive(Debug, Args)]
pub struct RefundArgs {
    /// Merchant number.
    #[arg(long)]
    pub merchant_no: String,
    /// Terminal number.
    #[arg(long)]
    pub term_no: String,
    /// The payment to refund.
    #[arg(long)]
    pub origin_out_trade_no: String,
    /// Amount in fen.
    #[arg(long)]
    pub refund_amount: u64,
    /// Reason.
    #[arg(long)]
    pub refund_reason: Option<String>,
    /// This refund's own number (generated when absent; retry only with the same one).
    /// With `--by-order`, the refund's `out_refund_order_no`.
    #[arg(long)]
    pub out_trade_no: Option<String>,
    /// Refund by the merchant's order (`/api/v3/labs/relation/idmrefund`, 商户订单退款)
    /// instead of the plain refund route; settled the same way, by `lakala refund-query`.
    #[arg(long)]
    pub by_order: bool,
    #[command(flatten)]
    pub location: Location,
}

/// `lakala refund-query`.
#[derive(Debug, Args)]
pub struct RefundQueryArgs {
    /// Merchant number.
    #[arg(long)]
    pub merchant_no: String,
    /// Terminal number.
    #[arg(long)]
    pub term_no: String,
    /// The refund's own number (`out_refund_order_no`; for a refund sent with
    /// `lakala refund`, its `--out-trade-no`).
    #[arg(long)]
    pub out_refund_order_no: String,
}

/// `lakala close`.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// Merchant number.
    #[arg(long)]
    pub merchant_no: String,
    /// Terminal number.
    #[arg(long)]
    pub term_no: String,
    /// The order to close, by the merchant's number.
    #[arg(long, required_unless_present = "origin_trade_no")]
    pub origin_out_trade_no: Option<String>,
    /// The order to close, by the platform's number.
    #[arg(long)]
    pub origin_trade_no: Option<String>,
    #[command(flatten)]
    pub location: Location,
}

/// `lakala notify`.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Verify and open a cross-border notification; print its content and the signed answer.
    Crossborder {
        /// Accept a notification of any age (for recorded ones).
        #[arg(long)]
        any_age: bool,
    },
    /// Verify an open-platform notification.
    OpenPlatform {
        /// The notification's Authorization header.
        #[arg(long)]
        authorization: String,
        /// Check as of this Unix time (for recorded notifications).
        #[arg(long)]
        now: Option<i64>,
    },
}

/// `lakala payments ...`.
#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// List the journaled payments, newest first, --limit at a time (default 50); prints
    /// a cursor to continue with when there are more. Times are China time (UTC+08:00).
    /// Payments are printed as they are read: `--json` prints one object when the limit
    /// is at most 1000, JSON lines (one payment a line, then a summary line) above that
    /// or with `--limit 0` (all).
    List(PaymentsListArgs),
    /// Delete payments final for longer than --older-than days, with their events,
    /// optionally archived first. Never open, unresolved or contradicted payments, never
    /// a payment whose revoke or refund is kept nor a revoke or refund whose payment is.
    Prune(PaymentsPruneArgs),
    /// Resolve open payments now by trade query (also unresolved ones).
    Resolve {
        /// The payment's out_trade_no (else --all).
        #[arg(required_unless_present = "all")]
        out_trade_no: Option<String>,
        /// Every open payment.
        #[arg(long, conflicts_with = "out_trade_no")]
        all: bool,
        /// The merchant, when several have a payment with that number.
        #[arg(long)]
        merchant_no: Option<String>,
        /// Seconds a claimed payment is held before another resolver may take it over.
        #[arg(long, default_value_t = 120)]
        lease_secs: u64,
    },
    /// Copy the SQLite journal to a new file PATH, consistently, while it may be in use
    /// (SQLite's online backup); the copy opens as a journal of its own.
    Backup {
        /// The new file (never overwritten).
        path: std::path::PathBuf,
    },
    /// Check every journaled payment of a range of days against the platform, by query
    /// (nothing that moves money is sent): agrees, finished now, contradicted (marked for
    /// a person), not found, inconclusive. Exit status 0 when all agree, 8 when a person
    /// must look (a contradiction, a payment the platform cannot find), 4 when some could
    /// not be checked (run again later).
    Reconcile(crate::reconcile_args::ReconcileArgs),
}

/// `lakala payments list`.
#[derive(Debug, Args)]
pub struct PaymentsListArgs {
    /// Only those left for a person (past the resolver's horizon).
    #[arg(long, conflicts_with = "status")]
    pub unresolved: bool,
    /// Only those not final (recorded, pending, unresolved).
    #[arg(long, conflicts_with = "status")]
    pub open: bool,
    /// Only those the platform contradicted, marked for a person (any status, or
    /// only the open or unresolved ones with --open or --unresolved); shows what
    /// disagreed.
    #[arg(long)]
    pub conflicts: bool,
    /// Only this status (recorded, pending, succeeded, failed, revoked, unresolved);
    /// repeat for several.
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Only this merchant's payments.
    #[arg(long)]
    pub merchant_no: Option<String>,
    /// Only payments created at or after this time: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS]
    /// (China time unless followed by Z or +HH:MM), or @UNIX_SECONDS.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only payments created before this time (a date alone: before the end of that
    /// day, so `--since D --until D` is the day D).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// At most this many (0: all, streamed).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Continue after the last payment of an earlier listing (the cursor it printed),
    /// with the same filters.
    #[arg(long, conflicts_with = "from_archive")]
    pub cursor: Option<String>,
    /// Read the payments of an archive written by `payments prune --archive`, in the
    /// archive's order, instead of the journal.
    #[arg(long, value_name = "FILE")]
    pub from_archive: Option<std::path::PathBuf>,
}

/// `lakala payments prune`.
#[derive(Debug, Args)]
pub struct PaymentsPruneArgs {
    /// Prune payments that became final more than this many days ago.
    #[arg(long, value_name = "DAYS")]
    pub older_than: u32,
    /// First append what is pruned to this gzip JSON-lines file (created if missing),
    /// synced to disk before anything is deleted; read it with `payments list
    /// --from-archive FILE`.
    #[arg(long, value_name = "FILE")]
    pub archive: Option<std::path::PathBuf>,
    /// SQLite: a journal file made before incremental vacuum keeps freed pages for later
    /// payments; this runs the one full VACUUM that converts it (rewrites the file: it
    /// needs as much free disk space again).
    #[arg(long)]
    pub vacuum: bool,
}
