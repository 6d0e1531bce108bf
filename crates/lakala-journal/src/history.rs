//! A payment's events as the bytes the SQL stores keep (schema v4's `history` column).
//!
//! The stored form is one format byte, then a compressed text of one line per event:
//!
//! ```text
//! [at,"instance","kind",<payload JSON text, verbatim>]\n
//! ```
//!
//! An event's `seq` is its line's position (1-based, no gaps), so it is not stored. The
//! payload is the text the store was given, byte for byte (the journal's promise:
//! stored as JSON text, exactly as serialized).
//!
//! Format 1: a Zstandard frame without its 4-byte magic number (the format byte says what
//! follows), compressed with dictionary 1 ([`DICTIONARY_1`], raw content: the keys and
//! common values the SDK's client writes, and a typical micropay's four events), no
//! checksum, the content size in the frame header. **Dictionary 1 never changes** once
//! released: every stored history depends on it, and a test pins the exact bytes of a
//! fixed history. A better dictionary would be format 2, and the decoder would keep
//! reading format 1.
//!
//! Decoding takes any bytes: whatever is wrong (unknown format, a damaged frame, a size
//! over [`MAX_TEXT`], a line that is not an event) is a [`JournalError::Corrupt`] naming
//! it, never a panic.

use std::cell::RefCell;
use std::sync::LazyLock;

use serde_json::value::RawValue;
use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};
use zstd::zstd_safe::CParameter;

use crate::error::JournalError;
use crate::event::Event;

/// Format 1: a magic-less Zstandard frame compressed with [`DICTIONARY_1`].
const FORMAT_ZSTD_DICTIONARY_1: u8 = 1;

/// Dictionary 1 (raw content). Never edit: every format-1 history needs these exact bytes.
const DICTIONARY_1: &[u8] = include_bytes!("history-dictionary-1.txt");

/// The Zstandard frame's magic number, which format 1 leaves out (little-endian).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Compression level. Measured on micropay histories (four events, about 500 bytes of
/// text): level 9 takes about 6 µs and 116 bytes, 12 about 57 µs and 113, 19 about
/// 140-360 µs (its dictionary tables are copied for every frame) and no less; 3 about
/// 4 µs and 120. An append encodes the whole history again, in its transaction.
const LEVEL: i32 = 9;

/// The most text a stored history may expand to (refuses decompression bombs). Far above
/// any real payment's (each event's payload is at most 64 KiB).
pub(crate) const MAX_TEXT: usize = 64 << 20;

static ENCODER_DICTIONARY_1: LazyLock<EncoderDictionary<'static>> =
    LazyLock::new(|| EncoderDictionary::copy(DICTIONARY_1, LEVEL));

static DECODER_DICTIONARY_1: LazyLock<DecoderDictionary<'static>> =
    LazyLock::new(|| DecoderDictionary::copy(DICTIONARY_1));

thread_local! {
    /// One compression context per thread (building one costs more than compressing a
    /// history).
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    /// One decompression context per thread.
    static DECOMPRESSOR: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

/// One event of a history, as stored: its payload is JSON text.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredEvent {
    /// When it happened (Unix seconds).
    pub at: i64,
    /// The instance that saw it.
    pub instance: String,
    /// Its kind.
    pub kind: String,
    /// Its payload: JSON text, exactly as given.
    pub payload: String,
}

/// A payment's events, uncompressed: the text of format 1's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct History {
    text: String,
    len: usize,
}

impl History {
    /// No events yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// How many events it holds (the `seq` of the last one).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends an event; its `seq` is the new [`len`](Self::len). `payload` must be JSON
    /// text (the stores pass what `NewEvent::validate` serialized, or what an older schema
    /// stored); it is kept verbatim.
    pub(crate) fn push(&mut self, at: i64, instance: &str, kind: &str, payload: &str) {
        use std::fmt::Write as _;
        let instance = serde_json::Value::from(instance);
        let kind = serde_json::Value::from(kind);
        // Writing to a String cannot fail.
        let _ = writeln!(self.text, "[{at},{instance},{kind},{payload}]");
        self.len += 1;
    }

    /// The stored form (format 1).
    pub(crate) fn encode(&self) -> Result<Vec<u8>, JournalError> {
        let frame = COMPRESSOR.with(|cell| {
            let mut cell = cell.borrow_mut();
            let compressor = match cell.as_mut() {
                Some(compressor) => compressor,
                None => cell.insert(new_compressor()?),
            };
            compressor.compress(self.text.as_bytes())
        });
        let frame = frame.map_err(|e| JournalError::Io {
            reason: format!("compressing a payment's history: {e}"),
        })?;
        // The frame starts with the magic number, which the format byte replaces.
        let Some(body) = frame.strip_prefix(&ZSTD_MAGIC) else {
            return Err(JournalError::Io {
                reason: "compressing a payment's history: the frame has no magic number".into(),
            });
        };
        let mut stored = Vec::with_capacity(1 + body.len());
        stored.push(FORMAT_ZSTD_DICTIONARY_1);
        stored.extend_from_slice(body);
        Ok(stored)
    }

    /// Reads a stored history back (any bytes: what is wrong is an error, never a panic).
    pub(crate) fn decode(stored: &[u8]) -> Result<Self, JournalError> {
        let text = match stored.split_first() {
            Some((&FORMAT_ZSTD_DICTIONARY_1, body)) => decompress(body)?,
            Some((format, _)) => {
                return Err(JournalError::corrupt(format!(
                    "a payment's history has the unknown format {format}"
                )))
            }
            None => return Err(JournalError::corrupt("a payment's history is empty")),
        };
        let text = String::from_utf8(text)
            .map_err(|_| JournalError::corrupt("a payment's history is not UTF-8 text"))?;
        let mut len = 0;
        for entry in entries(&text) {
            entry?;
            len += 1;
        }
        Ok(Self { text, len })
    }

    /// Its events, in order (`seq` 1, 2, ...), payloads as stored.
    #[cfg(test)]
    pub(crate) fn stored_events(&self) -> Result<Vec<StoredEvent>, JournalError> {
        entries(&self.text)
            .map(|entry| {
                entry.map(|(at, instance, kind, payload)| StoredEvent {
                    at,
                    instance,
                    kind,
                    payload: payload.get().to_owned(),
                })
            })
            .collect()
    }

    /// Its events, in order, payloads parsed.
    pub(crate) fn events(&self) -> Result<Vec<Event>, JournalError> {
        entries(&self.text)
            .zip(1..)
            .map(|(entry, seq)| {
                let (at, instance, kind, payload) = entry?;
                Event::from_stored(seq, at, instance, kind, payload.get())
            })
            .collect()
    }
}

/// One line: `[at, instance, kind, payload]`.
type Entry<'a> = (i64, String, String, &'a RawValue);

/// The lines of a history's text, each parsed (the payload left as its text).
fn entries(text: &str) -> impl Iterator<Item = Result<Entry<'_>, JournalError>> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(end) = rest.find('\n') else {
            rest = "";
            return Some(Err(JournalError::corrupt(
                "a payment's history does not end with a line break",
            )));
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        Some(serde_json::from_str::<Entry<'_>>(line).map_err(|_| {
            JournalError::corrupt("a payment's history holds a line that is not an event")
        }))
    })
}

/// A compressor with dictionary 1 and format 1's frame parameters.
fn new_compressor() -> std::io::Result<Compressor<'static>> {
    let mut compressor = Compressor::with_prepared_dictionary(&ENCODER_DICTIONARY_1)?;
    compressor.set_parameter(CParameter::ChecksumFlag(false))?;
    compressor.set_parameter(CParameter::ContentSizeFlag(true))?;
    // Dictionary 1 is raw content (it has no id); say so explicitly anyway.
    compressor.set_parameter(CParameter::DictIdFlag(false))?;
    Ok(compressor)
}

/// Decompresses format 1's frame (without its magic number), refusing more than
/// [`MAX_TEXT`] and any frame whose header does not state its size.
fn decompress(body: &[u8]) -> Result<Vec<u8>, JournalError> {
    let mut frame = Vec::with_capacity(ZSTD_MAGIC.len() + body.len());
    frame.extend_from_slice(&ZSTD_MAGIC);
    frame.extend_from_slice(body);
    let size = match zstd::zstd_safe::get_frame_content_size(&frame) {
        Ok(Some(size)) => size,
        Ok(None) => {
            return Err(JournalError::corrupt(
                "a payment's history does not state its size",
            ))
        }
        Err(_) => {
            return Err(JournalError::corrupt(
                "a payment's history is not a compressed frame",
            ))
        }
    };
    let size = usize::try_from(size)
        .ok()
        .filter(|&size| size <= MAX_TEXT)
        .ok_or_else(|| {
            JournalError::corrupt(format!(
                "a payment's history states {size} bytes, over the limit of {MAX_TEXT}"
            ))
        })?;
    let text = DECOMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let decompressor = match cell.as_mut() {
            Some(decompressor) => decompressor,
            None => cell.insert(Decompressor::with_prepared_dictionary(
                &DECODER_DICTIONARY_1,
            )?),
        };
        decompressor.decompress(&frame, size)
    });
    let text = text.map_err(|e| {
        JournalError::corrupt(format!("a payment's history does not decompress: {e}"))
    })?;
    if text.len() != size {
        return Err(JournalError::corrupt(
            "a payment's history is shorter than its frame states",
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A typical finished micropay, as the client writes it.
    fn micropay() -> History {
        let mut history = History::new();
        history.push(
            1796212020,
            "shop-7f3a-till-02",
            "intent",
            r#"{"amount_fen":101,"kind":"micropay","masked_auth_code":"**************2810","next_check_at":1796212025,"term_no":"SBX00001"}"#,
        );
        history.push(
            1796212021,
            "shop-7f3a-till-02",
            "answer",
            r#"{"class":"success","code":"DCP00000","msg":"交易成功","names_merchant":false,"names_order":true,"need_query":false}"#,
        );
        history.push(
            1796212023,
            "shop-7f3a-till-02",
            "query",
            r#"{"attempt":1,"code":"BBS00000","inconclusive":null,"trade_state":"SUCCESS"}"#,
        );
        history.push(
            1796212023,
            "shop-7f3a-till-02",
            "outcome",
            r#"{"outcome":"succeeded","reason":null,"trade_no":"2026120200000000000001"}"#,
        );
        history
    }

    #[test]
    fn format_1_is_pinned() {
        // The exact stored bytes of a fixed history. If this fails, dictionary 1 or the
        // frame parameters changed: every stored history would stop reading. Restore
        // them; a new encoding is a new format byte.
        let stored = micropay().encode().unwrap();
        let hex: String = stored.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, GOLDEN_MICROPAY_HEX, "{} bytes", stored.len());
        let history = History::decode(&stored).unwrap();
        assert_eq!(history, micropay());
    }

    #[test]
    fn histories_stored_in_format_1_read_back() {
        // What a journal holds must stay readable whatever the encoder does later (a
        // newer zstd may choose other bytes for the same text; it must still read these).
        let stored: Vec<u8> = (0..GOLDEN_MICROPAY_HEX.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&GOLDEN_MICROPAY_HEX[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(History::decode(&stored).unwrap(), micropay());
    }

    /// [`format_1_is_pinned`]'s bytes.
    const GOLDEN_MICROPAY_HEX: &str =
        "016033018501009073686f702d376633612d74696c6c2d3032330800614326c0030d4e43262819e51032840a95a1c1090c41ad8b430001";

    #[test]
    fn dictionary_1_is_pinned() {
        // A cheap second guard: the dictionary's size and a checksum of its bytes.
        let sum = DICTIONARY_1.iter().fold(0u64, |sum, &b| {
            sum.wrapping_mul(31).wrapping_add(u64::from(b))
        });
        assert_eq!((DICTIONARY_1.len(), sum), (1634, 17601403337412640940));
    }

    #[test]
    fn a_micropay_takes_few_bytes() {
        let stored = micropay().encode().unwrap();
        assert!(stored.len() < 200, "{} bytes", stored.len());
    }

    #[test]
    fn events_are_numbered_and_parsed() {
        let events = micropay().events().unwrap();
        assert_eq!(events.len(), 4);
        assert_eq!(
            events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        assert_eq!(events[1].kind, "answer");
        assert_eq!(events[1].payload["msg"], "交易成功");
        assert_eq!(events[3].instance, "shop-7f3a-till-02");
        assert_eq!(events[0].at, 1796212020);
    }

    #[test]
    fn an_empty_history_round_trips() {
        let stored = History::new().encode().unwrap();
        let history = History::decode(&stored).unwrap();
        assert_eq!(history.len(), 0);
        assert!(history.events().unwrap().is_empty());
    }

    fn corrupt(stored: &[u8]) -> String {
        match History::decode(stored) {
            Err(JournalError::Corrupt { reason }) => reason,
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn unknown_formats_and_empty_blobs_are_refused() {
        assert!(corrupt(&[]).contains("empty"));
        let mut stored = micropay().encode().unwrap();
        stored[0] = 2;
        assert!(corrupt(&stored).contains("unknown format 2"));
        assert!(corrupt(&[1]).contains("not a compressed frame"));
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decompressing() {
        // A frame stating 1 GiB of content: refused from its header.
        let big = vec![b' '; 1 << 20];
        let mut compressor = zstd::bulk::Compressor::new(1).unwrap();
        compressor
            .set_parameter(CParameter::ContentSizeFlag(true))
            .unwrap();
        let frame = compressor.compress(&big).unwrap();
        let mut stored = vec![FORMAT_ZSTD_DICTIONARY_1];
        stored.extend_from_slice(&frame[4..]);
        // 1 MiB is under the limit but not a history: it decodes, then the lines fail.
        assert!(corrupt(&stored).contains("line"));

        // The header's frame content size field, rewritten to claim more than MAX_TEXT:
        // single-segment frames with an 8-byte size use descriptor 0xe0.
        let mut header = vec![FORMAT_ZSTD_DICTIONARY_1, 0xe0];
        header.extend_from_slice(&(1u64 << 40).to_le_bytes());
        header.extend_from_slice(&[1, 0, 0]); // an empty last raw block
        assert!(corrupt(&header).contains("over the limit"));
    }

    #[test]
    fn text_that_is_not_events_is_refused() {
        fn stored_text(text: &str) -> Vec<u8> {
            let history = History {
                text: text.to_owned(),
                len: 0,
            };
            history.encode().unwrap()
        }
        assert!(corrupt(&stored_text("[1,\"a\",\"b\",{}]")).contains("line break"));
        assert!(corrupt(&stored_text("[1,\"a\",\"b\"]\n")).contains("not an event"));
        assert!(corrupt(&stored_text("[1,\"a\",\"b\",{]\n")).contains("not an event"));
        assert!(corrupt(&stored_text("\n")).contains("not an event"));
    }

    /// Any JSON text serde_json writes (what `NewEvent::validate` stores).
    fn payload() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            any::<String>().prop_map(serde_json::Value::from),
            "[\\u{0}-\\u{1f}\"\\\\交易成功é]{0,8}".prop_map(serde_json::Value::from),
        ];
        let value = leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-z_\"\\\\交]{0,6}", inner, 0..4)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        });
        value.prop_map(|v| serde_json::to_string(&v).unwrap())
    }

    fn stored_event() -> impl Strategy<Value = StoredEvent> {
        (any::<i64>(), any::<String>(), "[a-z0-9_]{1,32}", payload()).prop_map(
            |(at, instance, kind, payload)| StoredEvent {
                at,
                instance,
                kind,
                payload,
            },
        )
    }

    proptest! {
        #[test]
        fn any_events_round_trip_exactly(events in prop::collection::vec(stored_event(), 0..8)) {
            let mut history = History::new();
            for e in &events {
                history.push(e.at, &e.instance, &e.kind, &e.payload);
            }
            let stored = history.encode().unwrap();
            let back = History::decode(&stored).unwrap();
            prop_assert_eq!(back.len(), events.len());
            prop_assert_eq!(back.stored_events().unwrap(), events.clone());
            let parsed = back.events().unwrap();
            for (i, (event, original)) in parsed.iter().zip(&events).enumerate() {
                prop_assert_eq!(event.seq, i as i64 + 1);
                let value: serde_json::Value = serde_json::from_str(&original.payload).unwrap();
                prop_assert_eq!(&event.payload, &value);
            }
        }

        #[test]
        fn damaged_histories_are_errors_not_panics(
            cut in 0usize..400,
            flips in prop::collection::vec((0usize..400, 1u8..=255), 0..4),
        ) {
            let mut stored = micropay().encode().unwrap();
            let whole = stored.len();
            if flips.is_empty() && cut < whole {
                prop_assert!(History::decode(&stored[..cut]).is_err());
            }
            for (at, mask) in flips {
                let at = at % stored.len();
                stored[at] ^= mask;
            }
            stored.truncate(cut);
            // Any outcome but a panic; a damaged history that still decodes is whole.
            if let Ok(history) = History::decode(&stored) {
                let _ = history.events();
            }
        }

        #[test]
        fn arbitrary_bytes_are_errors_not_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut stored = vec![FORMAT_ZSTD_DICTIONARY_1];
            stored.extend_from_slice(&bytes);
            if let Ok(history) = History::decode(&stored) {
                let _ = history.events();
            }
        }
    }
}
