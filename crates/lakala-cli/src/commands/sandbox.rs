//! `lakala sandbox`: the sandbox as a server, until interrupted; `lakala sandbox notify ...`
//! asks a running one to send a notification (through its control endpoints,
//! `lakala_sandbox::control`).

use crate::args::{Cli, SandboxAction, SandboxArgs, SandboxNotify};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::{self, Family};
use lakala_client::Environment;
use lakala_sandbox::control;
use lakala_sandbox::{Sandbox, SandboxConfig, SandboxKeys};
use lakala_transport::{HttpRequest, HttpTransport, HyperTransport};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;

/// Longest `--pending-delay`: a day.
const MAX_PENDING_DELAY: u64 = 86_400;

pub async fn run(cli: &Cli, args: &SandboxArgs) -> Result<Report, Failure> {
    match &args.action {
        Some(SandboxAction::Notify(what)) => notify(cli, what).await,
        None => serve(args).await,
    }
}

async fn serve(args: &SandboxArgs) -> Result<Report, Failure> {
    let listen = &args.listen;
    let addr: SocketAddr = listen.parse().map_err(|_| {
        Failure::Usage(format!(
            "--listen {listen:?} is not an address like 127.0.0.1:8787"
        ))
    })?;
    if args.pending_delay > MAX_PENDING_DELAY {
        return Err(Failure::Usage(format!(
            "--pending-delay must be at most {MAX_PENDING_DELAY} seconds"
        )));
    }
    if args.slow_answer_delay > MAX_PENDING_DELAY {
        return Err(Failure::Usage(format!(
            "--slow-answer-delay must be at most {MAX_PENDING_DELAY} seconds"
        )));
    }
    if args.preorder_expiry == 0 || args.preorder_expiry > MAX_PENDING_DELAY {
        return Err(Failure::Usage(format!(
            "--preorder-expiry must be 1 to {MAX_PENDING_DELAY} seconds"
        )));
    }
    let deal_refunds = match args.deal_refund_queries {
        Some(n) => lakala_sandbox::DealRefunds::SucceedAfterQueries(n),
        None => lakala_sandbox::DealRefunds::Forever,
    };
    let keys_dir = args.keys_dir.as_deref();
    // Keys written by an earlier run are reused, so a configured client keeps working.
    let keys = match keys_dir {
        Some(dir) if dir.join(lakala_sandbox::files::IDS).exists() => SandboxKeys::load(dir)
            .map_err(|e| {
                Failure::Usage(format!("cannot load the keys in {}: {e}", dir.display()))
            })?,
        _ => SandboxKeys::generate().map_err(|e| Failure::Internal(e.to_string()))?,
    };
    let config = SandboxConfig::default()
        .listen(addr)
        .keys(keys)
        .pending_delay(Duration::from_secs(args.pending_delay))
        .slow_answer_delay(Duration::from_secs(args.slow_answer_delay))
        .deal_refunds(deal_refunds)
        .preorder_expiry(Duration::from_secs(args.preorder_expiry));
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|e| Failure::Usage(format!("cannot start the sandbox: {e}")))?;
    let temp;
    let dir = match keys_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            sandbox
                .keys()
                .write(dir)
                .map_err(|e| Failure::Internal(e.to_string()))?;
            dir.to_path_buf()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let config = sandbox
        .write_client_config(&dir)
        .map_err(|e| Failure::Internal(e.to_string()))?;
    println!("{}", sandbox.base_url());
    eprintln!("lakala sandbox listening on {}", sandbox.base_url());
    eprintln!(
        "client configuration: {} (use: lakala --config {} ...)",
        config.display(),
        config.display()
    );
    eprintln!(
        "pending micropays settle after {} s; send notifications with: lakala --config {} sandbox notify crossborder|open-platform --url ...",
        args.pending_delay,
        config.display()
    );
    eprintln!("Lakala's own open-platform SDK (Java, PHP) settings for this sandbox:");
    for setting in sandbox.sdk_settings(&dir) {
        eprintln!("  {} = {}", setting.name, setting.value);
    }
    eprintln!(
        "developer page (requests and their checks, orders, notifications, scenarios): {}/_dev",
        sandbox.base_url()
    );
    eprintln!("press Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(Report::new("stopped", Exit::Success))
}

/// The running sandbox's base URL: `--base-url`, or the `base_url` of `--config`.
fn sandbox_url(cli: &Cli) -> Result<String, Failure> {
    if !settings::platform_configured(cli) {
        return Err(Failure::Usage(
            "which sandbox? give --base-url, or --config with the lakala.toml `lakala sandbox` wrote".into(),
        ));
    }
    match settings::load(cli, Family::OpenPlatform, None)?.environment {
        Environment::Custom(url) => Ok(url.trim_end_matches('/').to_owned()),
        other => Err(Failure::Usage(format!(
            "{other:?} is Lakala's platform, not a sandbox: `sandbox notify` needs a sandbox's base URL"
        ))),
    }
}

/// Parses `text` as JSON for the control request, so a typo is caught here.
fn json_arg(flag: &str, text: &str) -> Result<(), Failure> {
    serde_json::from_str::<Value>(text)
        .map(|_| ())
        .map_err(|e| Failure::Usage(format!("{flag} is not JSON: {e}")))
}

async fn notify(cli: &Cli, what: &SandboxNotify) -> Result<Report, Failure> {
    let base = sandbox_url(cli)?;
    let (path, order, family) = match what {
        SandboxNotify::Crossborder { url, req_type, biz } => {
            let mut order = json!({"url": url, "req_type": req_type});
            if let Some(biz) = biz {
                json_arg("--biz", biz)?;
                order["biz"] = json!(biz);
            }
            (control::CROSSBORDER_PATH, order, "cross-border")
        }
        SandboxNotify::OpenPlatform {
            url,
            body,
            merchant_no,
            out_trade_no,
            repeat,
            as_merchant_no,
        } => {
            let mut order = json!({"url": url, "repeat": repeat});
            if let Some(other) = as_merchant_no {
                order["as_merchant_no"] = json!(other);
            }
            if let Some(body) = body {
                json_arg("--body", body)?;
                order["body"] = json!(body);
            }
            if let (Some(m), Some(o)) = (merchant_no, out_trade_no) {
                order["merchant_no"] = json!(m);
                order["out_trade_no"] = json!(o);
            }
            (control::OPEN_PLATFORM_PATH, order, "open-platform")
        }
    };
    let transport = HyperTransport::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let request = HttpRequest::post(format!("{base}{path}"), order.to_string().into_bytes())
        .header("Content-Type", "application/json");
    let answer = match transport.send(request).await {
        Ok(answer) => answer,
        Err(e) => {
            return Ok(Report::new("unreachable", Exit::Transport)
                .line(format!("the sandbox at {base} could not be reached: {e}")))
        }
    };
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let code = body["code"].as_str().unwrap_or_default();
    let msg = body["msg"].as_str().unwrap_or_default().to_owned();
    let (outcome, exit) = match code {
        control::codes::DELIVERED => ("delivered", Exit::Success),
        control::codes::ANSWER_REFUSED => ("answer_refused", Exit::Verification),
        control::codes::NOT_DELIVERED => ("not_delivered", Exit::Transport),
        control::codes::BAD_ORDER => ("refused", Exit::Usage),
        _ => {
            return Ok(Report::new("unexpected", Exit::Internal).line(format!(
                "{base} answered HTTP {} without a control answer: is it a lakala sandbox? {}",
                answer.status,
                String::from_utf8_lossy(&answer.body[..answer.body.len().min(200)])
            )))
        }
    };
    let mut report = Report::new(outcome, exit)
        .response(body.clone())
        .line(format!("{family} notification: {msg}"));
    // What was sent and the decrypted answer may hold personal data: only --json shows them.
    if exit == Exit::Success {
        let answer = &body["answer"];
        let said = match answer {
            Value::String(text) => format!("{} bytes: {text:.120}", text.len()),
            _ => format!(
                "retCode {} ({}), {}",
                answer["ret_code"].as_str().unwrap_or("?"),
                answer["ret_msg"].as_str().unwrap_or(""),
                match answer["biz"].as_str() {
                    Some(biz) => format!("{} bytes of answer data", biz.len()),
                    None => "no answer data".to_owned(),
                }
            ),
        };
        report = report
            .line(format!("your endpoint answered {said}"))
            .line("(--json shows what was sent and the whole answer)");
    }
    Ok(report)
}
