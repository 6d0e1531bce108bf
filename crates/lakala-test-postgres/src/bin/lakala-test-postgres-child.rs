//! A test process in miniature, for this crate's own tests: starts its own server, says
//! where it is, checks it answers, then ends the way its argument says (`exit`, `panic`,
//! or `wait`: block until killed).

use std::io::{Read, Write};
use std::net::TcpStream;

fn main() {
    let how = std::env::args().nth(1).unwrap_or_default();
    let server = match lakala_test_postgres::own_server() {
        Ok(server) => server,
        Err(why) => panic!("{why}"),
    };
    let port = server
        .url
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .and_then(|port| port.parse::<u16>().ok())
        .expect("a port in the URL");
    TcpStream::connect(("127.0.0.1", port)).expect("the server accepts connections");
    let mut out = std::io::stdout();
    writeln!(out, "dir={}", server.dir.display()).unwrap();
    writeln!(out, "url={}", server.url).unwrap();
    out.flush().unwrap();
    match how.as_str() {
        "exit" => {}
        "panic" => panic!("a test failed"),
        "wait" => {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        }
        other => panic!("unknown ending {other:?}"),
    }
}
