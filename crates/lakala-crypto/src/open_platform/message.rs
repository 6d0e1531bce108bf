//! The exact byte strings the open platform signs.

/// `appid\nserial_no\ntimestamp\nnonce_str\nbody\n`: what a request (and a response, with
/// the `Lklapi-*` header values) signs.
pub fn request_message(
    appid: &str,
    serial_no: &str,
    timestamp: &str,
    nonce_str: &str,
    body: &[u8],
) -> Vec<u8> {
    join(&[
        appid.as_bytes(),
        serial_no.as_bytes(),
        timestamp.as_bytes(),
        nonce_str.as_bytes(),
        body,
    ])
}

/// `timestamp\nnonce_str\nbody\n`: what a notification signs.
pub fn notification_message(timestamp: &str, nonce_str: &str, body: &[u8]) -> Vec<u8> {
    join(&[timestamp.as_bytes(), nonce_str.as_bytes(), body])
}

fn join(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for part in parts {
        out.extend_from_slice(part);
        out.push(b'\n');
    }
    out
}
