//! `lakala preorder`: makes a labs pre-order, shows the customer what to pay with (the QR
//! code drawn in the terminal, or the wallet's payment fields), follows the order live on
//! stderr like `lakala micropay`, and exits with its outcome: paid 0, closed or failed 3,
//! pending or unknown 4.

use crate::args::{Cli, PayBy, PreorderArgs, Wallet};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::{PollEvent, PollObserver, PreorderOptions, PreorderOutcome};
use lakala_types::labs::{
    AlipayPreorderFields, PaymentRequestForCustomer, PreorderRequest, PreorderScenario,
    UnionPayPreorderFields, WechatPreorderFields,
};
use lakala_types::micropay::LocationInfo;
use lakala_types::{Amount, Personal};
use serde_json::{json, Value};
use std::time::Duration;

pub async fn run(cli: &Cli, args: &PreorderArgs) -> Result<Report, Failure> {
    let out_trade_no = args
        .out_trade_no
        .clone()
        .unwrap_or_else(|| super::fresh_number("PO"));
    let mut builder = PreorderRequest::builder()
        .merchant_no(args.merchant_no.clone())
        .term_no(args.term_no.clone())
        .out_trade_no(out_trade_no.clone())
        .total_amount(Amount::from_fen(args.amount)?)
        .location_info(
            LocationInfo::builder()
                .request_ip(args.location.request_ip.clone())
                .build()?,
        )
        .subject(args.subject.clone().unwrap_or_else(|| "lakala".to_owned()))
        .scenario(scenario(args)?);
    if let Some(url) = &args.notify_url {
        builder = builder.notify_url(url.clone());
    }
    let request = builder.build()?;
    let mut options = PreorderOptions::default();
    if let Some(secs) = args.close_after {
        options = options.close_after(Duration::from_secs(secs));
    }
    if !cli.json {
        options = options.observer(PollObserver::new(progress));
    }
    let connection = super::connect_journaled(cli, Family::OpenPlatform).await?;
    let handle = connection.client.preorder(request, options).await?;
    let reveal = cli.reveal_personal_data;
    let shown = handle.payment_request().map(|p| for_customer(p, reveal));
    if !cli.json {
        match &shown {
            Some((lines, _)) => lines.iter().for_each(|l| eprintln!("{l}")),
            None => eprintln!(
                "nothing to show the customer ({}); the order is closed",
                handle
                    .why_no_payment_request()
                    .unwrap_or("no payment request")
            ),
        }
    }
    let expires_at = handle.expires_at();
    let outcome = handle.outcome().await;
    Ok(report(&outcome)
        .extra("out_trade_no", json!(out_trade_no))
        .extra("expires_at", json!(expires_at))
        .extra(
            "payment_request",
            shown.map(|(_, value)| value).unwrap_or(Value::Null),
        ))
}

/// The scenario the flags ask for (typed: a wallet's fields cannot go to another).
fn scenario(args: &PreorderArgs) -> Result<PreorderScenario, Failure> {
    let user = || args.user_id.clone().map(Personal::from);
    let minutes = args.timeout_minutes.map(|m| m.to_string());
    Ok(match (args.wallet, args.pay_by) {
        (Wallet::Wechat, PayBy::Jsapi | PayBy::MiniProgram) => {
            let mut fields = WechatPreorderFields::builder();
            if let Some(v) = &args.sub_appid {
                fields = fields.sub_appid(v.clone());
            }
            if let Some(v) = user() {
                fields = fields.user_id(v);
            }
            if let Some(m) = minutes {
                fields = fields.timeout_express(m);
            }
            let fields = fields.build()?;
            match args.pay_by {
                PayBy::Jsapi => PreorderScenario::WechatJsapi(fields),
                _ => PreorderScenario::WechatMiniProgram(fields),
            }
        }
        (Wallet::Alipay, PayBy::Native | PayBy::Jsapi) => {
            let mut fields = AlipayPreorderFields::builder();
            if let Some(v) = user() {
                fields = fields.user_id(v);
            }
            if let Some(m) = minutes {
                fields = fields.timeout_express(m);
            }
            let fields = fields.build()?;
            match args.pay_by {
                PayBy::Native => PreorderScenario::AlipayNative(fields),
                _ => PreorderScenario::AlipayJsapi(fields),
            }
        }
        (Wallet::Unionpay, PayBy::Native | PayBy::Jsapi) => {
            let mut fields = UnionPayPreorderFields::builder();
            if let Some(v) = user() {
                fields = fields.user_id(v);
            }
            if let Some(m) = minutes {
                fields = fields.timeout_express(m);
            }
            let fields = fields.build()?;
            match args.pay_by {
                PayBy::Native => PreorderScenario::UnionPayNative(fields),
                _ => PreorderScenario::UnionPayJsapi(fields),
            }
        }
        (wallet, pay_by) => {
            return Err(Failure::Usage(format!(
                "{wallet:?} cannot be paid by {pay_by:?} (WeChat: jsapi or mini-program; Alipay and UnionPay: native or jsapi)"
            )))
        }
    })
}

/// What the customer pays with: lines for the terminal (the QR code drawn), and the JSON
/// form. The pay signature (a bearer credential for this payment) is shortened unless
/// `reveal`.
fn for_customer(request: &PaymentRequestForCustomer, reveal: bool) -> (Vec<String>, Value) {
    let mut value = serde_json::to_value(request).unwrap_or(Value::Null);
    if !reveal {
        if let Some(sign) = value.get_mut("pay_sign") {
            let short: String = sign.as_str().unwrap_or_default().chars().take(8).collect();
            *sign = json!(format!("{short}…"));
        }
    }
    let mut lines = Vec::new();
    match request {
        PaymentRequestForCustomer::QrCode(qr) => {
            lines.push(format!("scan to pay: {}", qr.code()));
            lines.push(super::preauth::qr_text(qr.code()));
        }
        PaymentRequestForCustomer::UnionPayRedirect { redirect_url } => {
            lines.push(format!("UnionPay page: {redirect_url}"));
            lines.push(super::preauth::qr_text(redirect_url));
        }
        PaymentRequestForCustomer::WechatPay(_) | PaymentRequestForCustomer::AlipayTrade { .. } => {
            lines.push("hand these to the wallet page / mini-program:".to_owned());
            if let Value::Object(map) = &value {
                for (k, v) in map.iter().filter(|(k, _)| *k != "type") {
                    lines.push(format!("  {k}: {}", v.as_str().unwrap_or(&v.to_string())));
                }
            }
        }
        _ => lines.push(format!("payment request: {value}")),
    }
    (lines, value)
}

/// Live progress on stderr.
fn progress(event: &PollEvent) {
    match event {
        PollEvent::Started { order } => eprintln!("pre-order {}", order.out_trade_no),
        PollEvent::Queried { attempt, state } => eprintln!(
            "query {attempt}: {}",
            state
                .as_ref()
                .map(|s| s.as_str())
                .unwrap_or("nothing conclusive")
        ),
        PollEvent::Closing { reason } => eprintln!("closing the order ({reason})"),
        _ => {}
    }
}

pub fn report(outcome: &PreorderOutcome) -> Report {
    let order = outcome.order();
    let order_json = json!({
        "merchant_no": order.merchant_no, "term_no": order.term_no,
        "out_trade_no": order.out_trade_no, "trade_no": order.trade_no,
    });
    let (report, response) = match outcome {
        PreorderOutcome::Paid { response, .. } => {
            (Report::new("paid", Exit::Success), response.json().clone())
        }
        PreorderOutcome::Closed { closed_by, .. } => (
            Report::new("closed", Exit::Declined).extra("closed_by", json!(closed_by.as_str())),
            Value::Null,
        ),
        PreorderOutcome::Failed { .. } => (Report::new("failed", Exit::Declined), Value::Null),
        PreorderOutcome::Pending(p) => (
            Report::new("pending", Exit::Pending)
                .extra("reason", json!(p.reason))
                .extra("settle_by", json!(p.settle_by.word())),
            Value::Null,
        ),
        PreorderOutcome::Unknown(p) => (
            Report::new("unknown", Exit::Pending)
                .extra("reason", json!(p.reason))
                .extra("settle_by", json!(p.settle_by.word())),
            Value::Null,
        ),
        _ => (Report::new("unknown", Exit::Pending), Value::Null),
    };
    report
        .response(response)
        .extra("order", order_json)
        .line(outcome.to_string())
}
