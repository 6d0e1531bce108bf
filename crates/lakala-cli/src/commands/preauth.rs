//! `lakala preauth`.

use crate::args::{Cli, PreauthArgs};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::PreOrderOutcome;
use lakala_types::preauth::{AccountType, PaymentData, PreOrderRequest, TransType};
use lakala_types::Amount;
use serde_json::json;

pub async fn run(cli: &Cli, args: &PreauthArgs) -> Result<Report, Failure> {
    let mer_req_sno = args
        .mer_req_sno
        .clone()
        .unwrap_or_else(|| super::fresh_number("PRE"));
    let mut builder = PreOrderRequest::builder()
        .mer_id(args.merchant_no.clone())
        .term_id(args.term_id.clone())
        .account_type(AccountType::from(args.account_type.as_str()))
        .trans_type(TransType::from(args.trans_type.as_str()))
        .amount(Amount::from_fen(args.amount)?)
        .mer_req_sno(mer_req_sno.clone())
        .subject(args.subject.clone());
    if let Some(app_id) = &args.app_id {
        builder = builder.app_id(app_id.clone());
    }
    if let Some(open_id) = &args.open_id {
        builder = builder.open_id(open_id.clone());
    }
    let request = builder.build()?;
    let connection = super::connect(cli, Family::OpenPlatform).await?;
    let answer = connection.client.preauth_pre_order(request, None).await?;
    let report = match &answer.value {
        PreOrderOutcome::Created { response, payment } => {
            let mut report = Report::new("created", Exit::Success).line(format!(
                "pre-order {mer_req_sno} created: lklOrderNo {}",
                response.lkl_order_no().unwrap_or("?")
            ));
            if let PaymentData::Native(native) = payment {
                if let Some(code) = native.code() {
                    report = report
                        .line(format!("QR code: {code}"))
                        .line(qr_text(code))
                        .extra("qr_code", json!(code));
                }
            }
            report
        }
        PreOrderOutcome::Declined { code, message } => Report::new("declined", Exit::Declined)
            .line(format!(
                "pre-order {mer_req_sno} declined: {} {message}",
                code.as_str()
            )),
        _ => Report::new("unknown", Exit::Internal),
    };
    Ok(report
        .response(answer.json().clone())
        .extra("mer_req_sno", json!(mer_req_sno)))
}

/// The QR code drawn with Unicode half blocks, two modules per character row.
pub fn qr_text(data: &str) -> String {
    match qrcode::QrCode::new(data.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
        Err(e) => format!("(cannot draw the QR code: {e})"),
    }
}
