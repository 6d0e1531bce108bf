//! [`redacted`]: a journal URL or connection string fit for a log line.

/// The libpq settings that are credentials (or say where one is): their values are hidden.
const SECRET_KEYS: [&str; 3] = ["password", "passfile", "sslpassword"];

/// `url` fit for a log line, every credential a PostgreSQL connection string can carry
/// replaced by `***`:
///
/// - the password of `scheme://user:password@host/...` (the user name is kept);
/// - `password=`, `passfile=` and `sslpassword=` in a URL's query string (keys compared
///   without regard to case or percent-encoding);
/// - the same settings in a libpq key=value string (`host=db password='s e' user=pos`),
///   quoted or not.
///
/// Anything else (an SQLite path, `memory:`) is returned unchanged.
///
/// ```
/// use lakala_journal::redacted;
/// assert_eq!(redacted("postgres://pos:s3cret@db/pay"), "postgres://pos:***@db/pay");
/// assert_eq!(redacted("postgres://db/pay?password=s3cret"), "postgres://db/pay?password=***");
/// assert_eq!(redacted("host=db password=s3cret"), "host=db password=***");
/// ```
pub fn redacted(url: &str) -> String {
    match url.find("://") {
        Some(scheme) => redact_url(url, scheme + 3),
        None if url.contains('=') => redact_key_values(url),
        None => url.to_owned(),
    }
}

/// A URL: user-info, then the query string.
fn redact_url(url: &str, authority: usize) -> String {
    let query_at = url[authority..].find('?').map(|q| authority + q);
    let before_query = &url[..query_at.unwrap_or(url.len())];
    let mut out = match before_query[authority..].rfind('@') {
        Some(at) => {
            let at = authority + at;
            match url[authority..at].split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..authority], &url[at..]),
                None => before_query.to_owned(),
            }
        }
        None => before_query.to_owned(),
    };
    // The user-info rewrite above keeps everything up to the query.
    if let Some(pos) = out.find('?') {
        out.truncate(pos);
    }
    if let Some(q) = query_at {
        let (query, fragment) = match url[q + 1..].split_once('#') {
            Some((query, fragment)) => (query, Some(fragment)),
            None => (&url[q + 1..], None),
        };
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if is_secret(&percent_decoded(key)) => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(fragment);
        }
    }
    out
}

fn is_secret(key: &str) -> bool {
    SECRET_KEYS
        .iter()
        .any(|s| key.trim().eq_ignore_ascii_case(s))
}

/// `%XX` sequences decoded (others kept as they are), for comparing keys.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A libpq key=value string: `key = value` pairs separated by spaces, values optionally in
/// single quotes with `\'` and `\\` escapes.
fn redact_key_values(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // Copy spaces, then read a key up to '=' or a space.
        if chars[i].is_whitespace() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let key_start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[key_start..i].iter().collect();
        out.push_str(&key);
        // Spaces around '='.
        let mut j = i;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        if j >= chars.len() || chars[j] != '=' {
            continue;
        }
        out.extend(&chars[i..=j]);
        i = j + 1;
        while i < chars.len() && chars[i].is_whitespace() {
            out.push(chars[i]);
            i += 1;
        }
        // The value.
        let value_start = i;
        if i < chars.len() && chars[i] == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = i.min(chars.len());
        }
        if is_secret(&key) {
            out.push_str("***");
        } else {
            out.extend(&chars[value_start..i]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn user_info_passwords_are_hidden() {
        assert_eq!(
            redacted("postgres://lakala:s3cr@t@db.internal:5432/pay"),
            "postgres://lakala:***@db.internal:5432/pay"
        );
        assert_eq!(
            redacted("postgresql://pos:s3cret@h1:5432,h2:5433/pay?sslmode=require"),
            "postgresql://pos:***@h1:5432,h2:5433/pay?sslmode=require"
        );
        assert_eq!(
            redacted("postgres://lakala@db/pay"),
            "postgres://lakala@db/pay"
        );
        // A '@' in the query is not user-info.
        assert_eq!(
            redacted("postgres://db/pay?application_name=a@b"),
            "postgres://db/pay?application_name=a@b"
        );
    }

    #[test]
    fn query_string_credentials_are_hidden() {
        for (url, expected) in [
            (
                "postgres://pos@db/pay?password=s3cret",
                "postgres://pos@db/pay?password=***",
            ),
            (
                "postgres://db/pay?sslmode=disable&PASSWORD=s3cret&user=pos",
                "postgres://db/pay?sslmode=disable&PASSWORD=***&user=pos",
            ),
            (
                "postgres://db/pay?pass%77ord=s3cret",
                "postgres://db/pay?pass%77ord=***",
            ),
            (
                "postgres://db/pay?passfile=/home/s3cret/.pgpass",
                "postgres://db/pay?passfile=***",
            ),
            (
                "postgres://db/pay?sslpassword=s3cret#x",
                "postgres://db/pay?sslpassword=***#x",
            ),
            (
                "postgres://u:s3cret@db/pay?password=s3cret",
                "postgres://u:***@db/pay?password=***",
            ),
        ] {
            assert_eq!(redacted(url), expected);
            assert!(!redacted(url).contains("s3cret"));
        }
    }

    #[test]
    fn key_value_strings_are_hidden() {
        for (text, expected) in [
            (
                "host=db user=pos password=s3cret dbname=pay",
                "host=db user=pos password=*** dbname=pay",
            ),
            (
                "host=db password = 's3 cr\\'et' dbname=pay",
                "host=db password = *** dbname=pay",
            ),
            ("passfile=/s3cret/.pgpass host=db", "passfile=*** host=db"),
            ("host=db Password=s3cret", "host=db Password=***"),
        ] {
            assert_eq!(redacted(text), expected);
        }
    }

    #[test]
    fn other_urls_are_unchanged() {
        for url in [
            "sqlite:/var/lib/pos/j.sqlite",
            "memory:",
            "sqlite://j.sqlite",
        ] {
            assert_eq!(redacted(url), url);
        }
    }
}
