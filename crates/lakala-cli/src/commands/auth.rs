//! `lakala auth`.

use crate::args::{AuthArgs, Cli};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::AuthOutcome;
use lakala_types::crossborder::{AuthRequest, BizType, CertType};
use serde_json::json;

pub async fn run(cli: &Cli, args: &AuthArgs) -> Result<Report, Failure> {
    let order_no = args
        .order_no
        .clone()
        .unwrap_or_else(|| super::fresh_number("AUTH"));
    let mut builder = AuthRequest::builder()
        .order_no(order_no.clone())
        .biz_type(BizType::from(args.biz_type.as_str()))
        .name(args.name.clone())
        .cert_no(args.cert_no.clone())
        .cert_type(CertType::from(args.cert_type.as_str()));
    if let Some(card) = &args.bank_card_no {
        builder = builder.bank_card_no(card.clone());
    }
    if let Some(mobile) = &args.bank_mobile {
        builder = builder.bank_mobile(mobile.clone());
    }
    let request = builder.build()?;
    let connection = super::connect(cli, Family::CrossBorder).await?;
    let answer = connection.client.auth(&request).await?;
    let report =
        match &answer.value {
            AuthOutcome::Verified(_) => Report::new("verified", Exit::Success)
                .line(format!("order {order_no}: verified (0000)")),
            AuthOutcome::Refused { code, message, .. } => Report::new("refused", Exit::Declined)
                .line(format!(
                    "order {order_no}: refused, retCode {} {message}",
                    code.as_str()
                )),
            AuthOutcome::TryAgain { code, message } => Report::new("try_again", Exit::Transport)
                .line(format!(
                    "order {order_no}: nothing decided, retCode {} {message}; try again later",
                    code.as_str()
                )),
            _ => Report::new("unknown", Exit::Internal),
        };
    Ok(report
        .response(answer.json().clone())
        .extra("order_no", json!(order_no))
        .extra("ret_code", json!(answer.value.code().as_str())))
}
