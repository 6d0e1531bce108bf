//! The specs' field notation (`AN..50`, `N20`, `String(32)`) as data, and the one check that
//! applies it to a value.
//!
//! Every length and character-class rule in this crate is a [`FieldRule`] constant next to
//! the type that uses it; [`FieldRule::check`] is the only code that enforces them. Lengths
//! are counted in Unicode scalar values (`char`s), so `"测试"` has length 2, not 6.

use std::fmt;

/// The character classes of the specs (cross-border spec section 2.4.1), plus the few this
/// crate needs where a spec gives none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CharClass {
    /// `A`: ASCII letters.
    A,
    /// `N`: ASCII digits.
    N,
    /// `AN`: ASCII letters and/or digits.
    AN,
    /// `ANS`: printable ASCII (letters, digits, punctuation and space).
    ANS,
    /// `AS`: printable ASCII without digits.
    AS,
    /// `U`: "Chinese characters"; read as any text without control characters, since the
    /// platform's messages mix Chinese, digits and punctuation (see the crate's departure table).
    U,
    /// A person's name in any script: letters (including CJK), `·`, `.`, `-` and space.
    Name,
    /// Hexadecimal digits, either case (ciphertexts, MACs, request ids).
    Hex,
    /// `String(n)` of the open platform: any characters.
    Text,
}

impl CharClass {
    /// Whether `c` belongs to the class.
    pub fn allows(self, c: char) -> bool {
        match self {
            CharClass::A => c.is_ascii_alphabetic(),
            CharClass::N => c.is_ascii_digit(),
            CharClass::AN => c.is_ascii_alphanumeric(),
            CharClass::ANS => c.is_ascii_graphic() || c == ' ',
            CharClass::AS => (c.is_ascii_graphic() && !c.is_ascii_digit()) || c == ' ',
            CharClass::U => !c.is_control(),
            CharClass::Name => c.is_alphabetic() || matches!(c, '·' | '•' | '.' | '-' | ' '),
            CharClass::Hex => c.is_ascii_hexdigit(),
            CharClass::Text => true,
        }
    }

    fn notation(self) -> &'static str {
        match self {
            CharClass::A => "A",
            CharClass::N => "N",
            CharClass::AN => "AN",
            CharClass::ANS => "ANS",
            CharClass::AS => "AS",
            CharClass::U => "U",
            CharClass::Name => "Name",
            CharClass::Hex => "Hex",
            CharClass::Text => "String",
        }
    }
}

/// A length rule, counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Len {
    /// Exactly this many characters (`A10`).
    Fixed(usize),
    /// At most this many characters (`A..10`, `String(10)`); at least one unless the field
    /// is optional and sent empty.
    Max(usize),
    /// No length limit.
    Any,
}

/// One field's rule: a character class and a length, in the spec's notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldRule {
    /// The characters allowed.
    pub class: CharClass,
    /// The length allowed.
    pub len: Len,
}

/// How a value breaks a [`FieldRule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleBreak {
    /// The value has `found` characters, which the length rule does not allow.
    Length {
        /// Characters counted.
        found: usize,
    },
    /// The character at `position` (1-based, in characters) is outside the class. The
    /// character itself is not reported, since the value may be personal data.
    Class {
        /// 1-based character position of the first offending character.
        position: usize,
    },
}

impl FieldRule {
    /// A rule from its class and length.
    pub const fn new(class: CharClass, len: Len) -> Self {
        FieldRule { class, len }
    }

    /// `String(n)` of the open platform: any characters, at most `n` of them.
    pub const fn text(max: usize) -> Self {
        FieldRule::new(CharClass::Text, Len::Max(max))
    }

    /// Checks `value`, reporting the length first and then the first character outside the
    /// class.
    pub fn check(&self, value: &str) -> Result<(), RuleBreak> {
        let found = value.chars().count();
        let length_ok = match self.len {
            Len::Fixed(n) => found == n,
            Len::Max(n) => found <= n,
            Len::Any => true,
        };
        if !length_ok {
            return Err(RuleBreak::Length { found });
        }
        match value.chars().position(|c| !self.class.allows(c)) {
            Some(i) => Err(RuleBreak::Class { position: i + 1 }),
            None => Ok(()),
        }
    }
}

impl fmt::Display for FieldRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = self.class.notation();
        match (self.class, self.len) {
            (CharClass::Text, Len::Max(n) | Len::Fixed(n)) => write!(f, "String({n})"),
            (_, Len::Fixed(n)) => write!(f, "{class}{n}"),
            (_, Len::Max(n)) => write!(f, "{class}..{n}"),
            (_, Len::Any) => write!(f, "{class}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notation_matches_the_spec() {
        assert_eq!(
            FieldRule::new(CharClass::AN, Len::Fixed(12)).to_string(),
            "AN12"
        );
        assert_eq!(
            FieldRule::new(CharClass::U, Len::Max(99)).to_string(),
            "U..99"
        );
        assert_eq!(FieldRule::text(32).to_string(), "String(32)");
    }

    #[test]
    fn chinese_counts_as_characters() {
        let rule = FieldRule::new(CharClass::U, Len::Max(2));
        assert_eq!(rule.check("成功"), Ok(()));
        assert_eq!(rule.check("成功了"), Err(RuleBreak::Length { found: 3 }));
    }
}
