//! Extracts every JSON example of the three spec documents into `fixtures/spec/`.
//!
//! An example is a `{` that starts a line (after indentation) outside any earlier example,
//! up to its matching `}`. The printed text is not clean JSON; the repairs made, each
//! recorded in `fixtures/spec/index.json`, are:
//! * `line-breaks-joined`: a string value wrapped across lines (long hex) is joined: the
//!   line break, the spaces before it and the indentation after it are removed;
//! * `comment-removed`: a `//` comment outside strings is removed;
//! * `trailing-text-removed`: text printed after the closing brace on the same line (the web
//!   page's `复制` button and the next heading) is removed.
//!
//! Names and kinds come from a fixed table per document, checked against the number of
//! examples found, so the file names are stable. The place of each example is the nearest
//! heading above it and the label line right before it. Output is pretty JSON (2-space
//! indent, keys sorted) ending in a newline; nothing but the documents is read.

use crate::generation::{Context, Output};
use serde_json::{json, Value};
use std::fs;

/// The documents, by file-name prefix, and their examples' file stems and kinds, in order.
const DOCUMENTS: &[(&str, &[(&str, &str)])] = &[
    (
        "000_",
        &[
            ("crossborder-request", "request"),
            ("crossborder-response", "response"),
            ("crossborder-notification", "notification"),
            ("crossborder-notification-answer", "answer"),
        ],
    ),
    (
        "001_",
        &[
            ("preauth-native-request", "request"),
            ("preauth-native-response", "response"),
            ("preauth-native-failure-response", "response"),
            ("preauth-jsapi-request", "request"),
            ("preauth-jsapi-response", "response"),
            ("preauth-jsapi-failure-response", "response"),
        ],
    ),
    (
        "003_",
        &[
            ("micropay-example1-request", "request"),
            ("micropay-example1-response", "response"),
            ("micropay-example2-request", "request"),
            ("micropay-example2-response", "response"),
            ("micropay-example3-request", "request"),
            ("micropay-example3-response", "response"),
            ("micropay-example4-request", "request"),
            ("micropay-example4-response", "response"),
        ],
    ),
];

/// One repair made to the printed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    kind: &'static str,
    detail: String,
}

impl Repair {
    fn to_json(&self) -> Value {
        json!({ "kind": self.kind, "detail": self.detail })
    }
}

/// One example as found in a document.
#[derive(Debug)]
pub struct Found {
    /// 1-based line of the opening brace.
    pub line: usize,
    /// The repaired JSON text.
    pub text: String,
    /// The repairs made.
    pub repairs: Vec<Repair>,
    /// The text between the previous example (or the document's start) and this one,
    /// including what was printed after the previous example's closing brace.
    pub before: String,
}

/// Scans one object starting at `start` (a `{`), returning the end offset (just after the
/// matching `}`), the repaired text and the repairs.
fn scan_object(text: &str, start: usize) -> Result<(usize, String, Vec<Repair>), String> {
    let mut out = String::new();
    let mut repairs = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0usize;
    let mut breaks = 0usize;
    let mut last_string = String::new();
    let mut key = String::new();
    let mut chars = text[start..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_string {
            if escaped {
                escaped = false;
                out.push(c);
            } else if c == '\\' {
                escaped = true;
                out.push(c);
            } else if c == '"' {
                in_string = false;
                out.push(c);
                let content = out[string_start..out.len() - 1].to_owned();
                if breaks > 0 {
                    repairs.push(Repair {
                        kind: "line-breaks-joined",
                        detail: format!(
                            "value of \"{key}\": removed {breaks} line break(s) and the spaces around them"
                        ),
                    });
                }
                last_string = content;
            } else if c == '\n' || c == '\r' {
                if c == '\n' {
                    breaks += 1;
                }
                while out.ends_with([' ', '\t']) && out.len() > string_start {
                    out.pop();
                }
                while let Some(&(_, next)) = chars.peek() {
                    if next == ' ' || next == '\t' || (c == '\r' && next == '\n') {
                        chars.next();
                    } else {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                breaks = 0;
                key = last_string.clone();
                out.push(c);
                string_start = out.len();
            }
            '/' if chars.peek().map(|&(_, n)| n) == Some('/') => {
                let rest = &text[start + i..];
                let end = rest.find('\n').unwrap_or(rest.len());
                let comment = rest[..end].trim_end();
                repairs.push(Repair {
                    kind: "comment-removed",
                    detail: comment.to_owned(),
                });
                while chars.peek().is_some_and(|&(j, _)| j < i + end) {
                    chars.next();
                }
                while out.ends_with([' ', '\t']) {
                    out.pop();
                }
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
            }
            '}' | ']' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("unbalanced '{c}' at byte {}", start + i))?;
                out.push(c);
                if depth == 0 {
                    return Ok((start + i + c.len_utf8(), out, repairs));
                }
            }
            _ => out.push(c),
        }
    }
    Err(format!("example at byte {start} never closes"))
}

/// Finds every example of one document, in order.
pub fn find_examples(text: &str) -> Result<Vec<Found>, String> {
    let mut found = Vec::new();
    let mut gap_start = 0usize;
    let mut line_start = 0usize;
    let mut pending_trailing: Option<String> = None;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let line = &text[line_start..line_end];
        let indent = line.len() - line.trim_start().len();
        if line.trim_start().starts_with('{') {
            let start = line_start + indent;
            let (end, cleaned, mut repairs) = scan_object(text, start)?;
            let after_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
            let trailing = text[end..after_end].trim();
            if !trailing.is_empty() {
                repairs.push(Repair {
                    kind: "trailing-text-removed",
                    detail: trailing.to_owned(),
                });
            }
            let mut before = pending_trailing.take().unwrap_or_default();
            before.push_str(&text[gap_start..line_start]);
            found.push(Found {
                line: text[..start].matches('\n').count() + 1,
                text: cleaned,
                repairs,
                before,
            });
            pending_trailing = Some(format!("{trailing}\n"));
            gap_start = (after_end + 1).min(text.len());
            line_start = gap_start;
        } else {
            line_start = line_end + 1;
        }
    }
    Ok(found)
}

/// A gap line without the page's decorations (`复制`, bullets, fences, a final colon).
fn clean_line(line: &str) -> String {
    let mut line = line.trim();
    line = line.strip_prefix("复制").unwrap_or(line).trim();
    for bullet in ["- ", "● ", "• "] {
        line = line.strip_prefix(bullet).unwrap_or(line).trim();
    }
    line = line.trim_end_matches([':', '：']).trim();
    if line.starts_with("```") {
        return String::new();
    }
    line.to_owned()
}

/// Whether a cleaned line is a section heading: a numbered one (`2.5.1 交易报文`), an
/// examples heading (`NATIVE示例报文`) or a numbered example (`示例1-支付宝全场优惠券`).
fn is_heading(line: &str) -> bool {
    let numbered = {
        let number: String = line
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        number.contains('.')
            && number.starts_with(|c: char| c.is_ascii_digit())
            && line[number.len()..].starts_with(' ')
            && !line.contains("....")
    };
    let example = line
        .strip_prefix("示例")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    numbered || example || line.ends_with("示例报文")
}

/// The place of example `index`: (heading, label).
fn place(examples: &[Found], index: usize) -> (String, String) {
    let gap_lines = |i: usize| -> Vec<String> {
        examples[i]
            .before
            .lines()
            .map(clean_line)
            .filter(|l| !l.is_empty())
            .collect()
    };
    let own = gap_lines(index);
    let label = own
        .last()
        .filter(|l| !is_heading(l))
        .cloned()
        .unwrap_or_default();
    let heading = (0..=index)
        .rev()
        .flat_map(|i| gap_lines(i).into_iter().rev())
        .find(|l| is_heading(l))
        .unwrap_or_default();
    (heading, label)
}

fn pretty(value: &Value) -> Result<Vec<u8>, String> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The generator: `fixtures/spec/*.json` and `fixtures/spec/index.json`.
pub fn generate(context: &Context) -> Result<Vec<Output>, String> {
    let dir = &context.spec_dir;
    let mut names: Vec<String> = fs::read_dir(dir)
        .map_err(|e| format!("spec dir {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut outputs = Vec::new();
    let mut index = Vec::new();
    for (prefix, table) in DOCUMENTS {
        let matching: Vec<&String> = names
            .iter()
            .filter(|n| n.starts_with(prefix) && n.ends_with(".txt"))
            .collect();
        let [document] = matching.as_slice() else {
            return Err(format!(
                "expected exactly one {prefix}*.txt in {}, found {}",
                dir.display(),
                matching.len()
            ));
        };
        let text =
            fs::read_to_string(dir.join(document)).map_err(|e| format!("{document}: {e}"))?;
        let examples = find_examples(&text).map_err(|e| format!("{document}: {e}"))?;
        if examples.len() != table.len() {
            return Err(format!(
                "{document}: found {} examples, the table names {}",
                examples.len(),
                table.len()
            ));
        }
        for (i, (example, (stem, kind))) in examples.iter().zip(table.iter()).enumerate() {
            let value: Value = serde_json::from_str(&example.text).map_err(|e| {
                format!(
                    "{document} line {}: still not JSON after repairs: {e}",
                    example.line
                )
            })?;
            if !value.is_object() {
                return Err(format!("{document} line {}: not an object", example.line));
            }
            let file = format!("{stem}.json");
            outputs.push(Output {
                path: format!("fixtures/spec/{file}"),
                bytes: pretty(&value)?,
            });
            let (heading, label) = place(&examples, i);
            index.push(json!({
                "file": file,
                "source": document,
                "line": example.line,
                "heading": heading,
                "label": label,
                "kind": kind,
                "repairs": example.repairs.iter().map(Repair::to_json).collect::<Vec<_>>(),
            }));
        }
    }
    let index = json!({
        "generated_by": "cargo xtask fixtures (xtask/src/spec_examples.rs); do not edit",
        "note": "every JSON example of the spec documents, repaired as listed; keys sorted",
        "examples": index,
    });
    outputs.push(Output {
        path: "fixtures/spec/index.json".to_owned(),
        bytes: pretty(&index)?,
    });
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_are_recorded() {
        let text =
            "head\n{\n  \"a\": \"AB  \nCD\", // note\n  \"b\": 1\n}复制Next\nlabel\n{\"c\": 2}\n";
        let found = find_examples(text).unwrap();
        assert_eq!(found.len(), 2);
        let value: Value = serde_json::from_str(&found[0].text).unwrap();
        assert_eq!(value, json!({"a": "ABCD", "b": 1}));
        let kinds: Vec<_> = found[0].repairs.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                "line-breaks-joined",
                "comment-removed",
                "trailing-text-removed"
            ]
        );
        assert_eq!(found[1].before, "复制Next\nlabel\n");
    }

    #[test]
    fn headings() {
        assert!(is_heading("2.5.1 交易报文"));
        assert!(!is_heading("2.5.1 交易报文.....\t8"));
        assert!(is_heading("NATIVE示例报文"));
        assert!(is_heading("示例3-支付宝口碑产品券"));
        assert!(!is_heading("请求报文"));
    }
}
