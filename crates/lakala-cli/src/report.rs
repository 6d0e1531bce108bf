//! What a command prints: human text by default, one JSON object with `--json`.

use crate::exit::Exit;
use serde_json::{json, Value};

/// The result of a command.
pub struct Report {
    /// A stable snake_case word.
    pub outcome: &'static str,
    /// The verified answer in the platform's wire field names (or `null`).
    pub response: Value,
    /// Further machine-readable fields (order numbers, QR code, ...).
    pub extra: Value,
    /// Lines for people.
    pub human: Vec<String>,
    /// The exit status.
    pub exit: Exit,
}

impl Report {
    pub fn new(outcome: &'static str, exit: Exit) -> Self {
        Self {
            outcome,
            response: Value::Null,
            extra: json!({}),
            human: Vec::new(),
            exit,
        }
    }

    pub fn response(mut self, response: Value) -> Self {
        self.response = response;
        self
    }

    pub fn extra(mut self, key: &str, value: Value) -> Self {
        if let Value::Object(map) = &mut self.extra {
            map.insert(key.to_owned(), value);
        }
        self
    }

    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.human.push(line.into());
        self
    }

    /// Prints to stdout in the chosen form and returns the exit status. Personal data in
    /// the JSON form is masked unless `reveal` (`--reveal-personal-data`); the text lines
    /// are written by each command, which masks what it shows there
    /// ([`crate::personal::shown`]).
    pub fn print(self, json_output: bool, reveal: bool) -> Exit {
        if json_output {
            let mut object = json!({"outcome": self.outcome, "response": self.response});
            if let (Value::Object(o), Value::Object(extra)) = (&mut object, self.extra) {
                o.extend(extra);
            }
            if !reveal {
                lakala_types::mask::mask_json(&mut object);
            }
            println!("{object}");
        } else {
            for line in &self.human {
                println!("{line}");
            }
        }
        self.exit
    }
}
