//! Checking whole messages: every violation, each with the field's wire name and the rule it
//! breaks.
//!
//! Each message type implements [`Validate`] by listing its fields once, in table order, with
//! their [`FieldRule`]s and presence (required `*`/`M`, optional `C`) and its cross-field
//! conditions. Builders run the same check before they hand out a value, so a value built
//! through a public constructor always passes it.

use crate::rules::{CharClass, FieldRule, Len, RuleBreak};

/// Every amount field: `String(12)` of digits.
const AMOUNT: FieldRule = FieldRule::new(CharClass::N, Len::Max(12));
use std::fmt;

/// The rule a field breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Broken {
    /// A required (`*` / `M`) field is absent, `null` or empty.
    Missing,
    /// A conditional (`C`) field is absent although the condition holds.
    MissingWhen(&'static str),
    /// The length rule is broken.
    Length {
        /// The field's rule.
        rule: FieldRule,
        /// Characters found.
        found: usize,
    },
    /// A character lies outside the rule's class.
    Class {
        /// The field's rule.
        rule: FieldRule,
        /// 1-based position of the first offending character.
        position: usize,
    },
    /// The value is not one of those the spec lists.
    NotListed {
        /// The listed values.
        allowed: &'static [&'static str],
    },
    /// The value does not have the required format.
    Format(&'static str),
    /// A rule relating several fields is broken.
    Conflict(&'static str),
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broken::Missing => write!(f, "required but missing"),
            Broken::MissingWhen(when) => write!(f, "required {when} but missing"),
            Broken::Length { rule, found } => {
                write!(f, "length {found} breaks {rule}")
            }
            Broken::Class { rule, position } => {
                write!(f, "character {position} is outside {rule}")
            }
            Broken::NotListed { allowed } => {
                write!(f, "not one of {}", allowed.join(", "))
            }
            Broken::Format(expected) => write!(f, "expected {expected}"),
            Broken::Conflict(what) => write!(f, "{what}"),
        }
    }
}

/// One violation: the field's wire name (a path such as `reqData.merId` or
/// `acc_busi_fields.goods_detail[0].price`) and the rule it breaks. Never contains the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field's path in wire names.
    pub field: String,
    /// The rule broken.
    pub broken: Broken,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.broken)
    }
}

/// Every violation found in one value (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} violation(s): {}", .0.len(), join(.0))]
pub struct ValidationErrors(pub Vec<Violation>);

fn join(list: &[Violation]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    /// The violations, in the order the fields were checked.
    pub fn violations(&self) -> &[Violation] {
        &self.0
    }

    /// The violated fields' paths, in order.
    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().map(|v| v.field.as_str()).collect()
    }
}

/// Whether a field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Req {
    /// Required (`*`, `M`).
    M,
    /// Optional or conditional (`C`); conditions are checked separately.
    C,
}

/// Values with a closed list of wire values that also keep unlisted ones.
pub trait WireEnum {
    /// The values the spec lists.
    const KNOWN: &'static [&'static str];
    /// Whether this value is one of [`WireEnum::KNOWN`].
    fn is_known(&self) -> bool;
    /// The wire value.
    fn as_str(&self) -> &str;
}

/// Collects violations while a message is checked; see [`Validate`].
#[derive(Debug, Default)]
pub struct Checker {
    prefix: String,
    found: Vec<Violation>,
}

impl Checker {
    /// An empty checker.
    pub fn new() -> Self {
        Checker::default()
    }

    /// The violations found so far.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.found.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.found))
        }
    }

    fn path(&self, name: &str) -> String {
        if name.is_empty() {
            self.prefix.clone()
        } else if self.prefix.is_empty() {
            name.to_owned()
        } else if name.starts_with('[') {
            format!("{}{name}", self.prefix)
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    pub(crate) fn push(&mut self, name: &str, broken: Broken) {
        let field = self.path(name);
        self.found.push(Violation { field, broken });
    }

    /// Presence check shared by every field kind; returns whether there is a value to check.
    pub(crate) fn present(&mut self, name: &str, present: bool, req: Req) -> bool {
        if !present && req == Req::M {
            self.push(name, Broken::Missing);
        }
        present
    }

    /// A text field against its rule. Empty optional values pass; empty required ones are missing.
    pub(crate) fn text(&mut self, name: &str, value: Option<&str>, rule: FieldRule, req: Req) {
        let value = value.filter(|v| !(v.is_empty() && req == Req::M));
        if !self.present(name, value.is_some(), req) {
            return;
        }
        let value = value.unwrap_or_default();
        if value.is_empty() {
            return;
        }
        match rule.check(value) {
            Ok(()) => {}
            Err(RuleBreak::Length { found }) => self.push(name, Broken::Length { rule, found }),
            Err(RuleBreak::Class { position }) => self.push(name, Broken::Class { rule, position }),
        }
    }

    /// A field whose value must be one of a listed set.
    pub(crate) fn listed<E: WireEnum>(&mut self, name: &str, value: Option<&E>, req: Req) {
        if self.present(name, value.is_some(), req) && !value.is_some_and(WireEnum::is_known) {
            self.push(name, Broken::NotListed { allowed: E::KNOWN });
        }
    }

    /// A text field whose value must be one of `allowed`.
    pub(crate) fn one_of(
        &mut self,
        name: &str,
        value: Option<&str>,
        allowed: &'static [&'static str],
        req: Req,
    ) {
        let value = value.filter(|v| !v.is_empty());
        if self.present(name, value.is_some(), req) && !value.is_some_and(|v| allowed.contains(&v))
        {
            self.push(name, Broken::NotListed { allowed });
        }
    }

    /// A nested message, checked with its own rules under `name`.
    pub(crate) fn nested<T: Validate + ?Sized>(&mut self, name: &str, value: Option<&T>, req: Req) {
        if !self.present(name, value.is_some(), req) {
            return;
        }
        if let Some(value) = value {
            let inner = self.path(name);
            let outer = std::mem::replace(&mut self.prefix, inner);
            value.check(self);
            self.prefix = outer;
        }
    }

    /// A money field: digits, at most 12 of them as written (`String(12)`).
    pub(crate) fn amount(&mut self, name: &str, value: Option<&crate::money::Amount>, req: Req) {
        let text = value.map(|a| a.to_wire());
        self.text(name, text.as_deref(), AMOUNT, req);
    }

    /// A yuan field inside Alipay's JSON: at most 12 characters as written.
    pub(crate) fn yuan(&mut self, name: &str, value: Option<&crate::money::Yuan>, req: Req) {
        let text = value.map(|a| a.to_wire());
        self.text(name, text.as_deref(), FieldRule::text(12), req);
    }

    /// A conditional requirement: when `condition` holds, `present` must be true.
    pub(crate) fn required_when(
        &mut self,
        condition: bool,
        name: &str,
        present: bool,
        when: &'static str,
    ) {
        if condition && !present {
            self.push(name, Broken::MissingWhen(when));
        }
    }

    /// A value that must equal a literal (protocol versions).
    pub(crate) fn literal(&mut self, name: &str, value: Option<&str>, expected: &'static str) {
        if self.present(name, value.is_some_and(|v| !v.is_empty()), Req::M)
            && value != Some(expected)
        {
            self.push(name, Broken::Format(expected));
        }
    }
}

/// A message that knows its spec's rules.
pub trait Validate {
    /// Adds every violation of this value to `checker`.
    fn check(&self, checker: &mut Checker);

    /// Every violation of this value, or `Ok` when it follows all of its spec's rules.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut checker = Checker::new();
        self.check(&mut checker);
        checker.finish()
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn check(&self, checker: &mut Checker) {
        for (i, item) in self.iter().enumerate() {
            checker.nested(&format!("[{i}]"), Some(item), Req::M);
        }
    }
}
