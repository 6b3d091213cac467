//! A located YAML tree. Schedules are first read into this loose shape so that
//! validation can report *every* problem of a file in one run (a derived serde
//! model stops at the first one) and point at exact lines and columns.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::borrow::Cow;
use std::fmt;

/// Where a node starts in its file (1-based line and column, byte range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub start: usize,
    pub end: usize,
}

impl Pos {
    fn from_location(loc: &serde_saphyr::Location) -> Self {
        let span = loc.span();
        let start = span.byte_offset().unwrap_or(0) as usize;
        let len = span.byte_len().unwrap_or(0) as usize;
        Pos {
            line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
            column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
            start,
            end: start + len,
        }
    }
}

/// Scalars borrow from the parsed text where the parser allows it (plain
/// and unescaped ones, keys included): a file's tree allocates only for its
/// containers and escaped scalars.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    /// A scalar YAML resolved to a string (quoted or plain text).
    Str(Cow<'a, str>),
    /// A scalar the YAML core schema reads as a number or boolean; `raw` is
    /// its spelling in the file, so text fields never lose characters.
    Other {
        kind: ScalarKind,
        raw: &'a str,
    },
    Seq(Vec<Node<'a>>),
    Map(Vec<(Node<'a>, Node<'a>)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Bool,
    Int,
    Float,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    pub value: Value<'a>,
    pub pos: Pos,
}

impl Node<'_> {
    /// A short description for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing (null)",
            Value::Str(_) => "text",
            Value::Other {
                kind: ScalarKind::Bool,
                ..
            } => "a boolean",
            Value::Other {
                kind: ScalarKind::Int,
                ..
            } => "a number",
            Value::Other {
                kind: ScalarKind::Float,
                ..
            } => "a number",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Intermediate value as serde hands it over; positions come from the
/// `Spanned` wrapper around it.
enum Raw<'a> {
    Null,
    Str(Cow<'a, str>),
    Other(ScalarKind),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Node<'a>, Node<'a>)>),
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Raw<'de>, E> {
        Ok(Raw::Other(ScalarKind::Bool))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Raw<'de>, E> {
        Ok(Raw::Other(ScalarKind::Int))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Raw<'de>, E> {
        Ok(Raw::Other(ScalarKind::Int))
    }
    fn visit_i128<E>(self, _: i128) -> Result<Raw<'de>, E> {
        Ok(Raw::Other(ScalarKind::Int))
    }
    fn visit_u128<E>(self, _: u128) -> Result<Raw<'de>, E> {
        Ok(Raw::Other(ScalarKind::Int))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Raw<'de>, E> {
        Ok(Raw::Other(ScalarKind::Float))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw<'de>, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node<'de>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node<'de>>()? {
            let value = map.next_value::<Node<'de>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Raw<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

/// Deserialising a `Node` needs the source text to recover the spelling of
/// numbers and booleans; it is patched in by [`attach_raw`] after parsing.
impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Raw<'de>>::deserialize(d)?;
        let pos = Pos::from_location(&spanned.referenced);
        let value = match spanned.value {
            Raw::Null => Value::Null,
            Raw::Str(s) => Value::Str(s),
            Raw::Other(kind) => Value::Other { kind, raw: "" },
            Raw::Seq(items) => Value::Seq(items),
            Raw::Map(entries) => Value::Map(entries),
        };
        Ok(Node { value, pos })
    }
}

/// Fill in the spelling of non-string scalars from the source text.
pub fn attach_raw<'a>(node: &mut Node<'a>, src: &'a str) {
    match &mut node.value {
        Value::Other { raw, .. } => {
            let text = src.get(node.pos.start..node.pos.end).unwrap_or_default();
            *raw = text.trim();
        }
        Value::Seq(items) => items.iter_mut().for_each(|n| attach_raw(n, src)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            attach_raw(k, src);
            attach_raw(v, src);
        }),
        Value::Null | Value::Str(_) => {}
    }
}
