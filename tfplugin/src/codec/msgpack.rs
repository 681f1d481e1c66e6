//! The msgpack encoding of cty values (`DynamicValue.msgpack`).
//!
//! Wire rules: null is nil; unknown is extension type 0 (`d4 00 00`); any
//! other extension (e.g. type 12, a refined unknown) decodes as unknown;
//! numbers may arrive as int, uint, float32, float64 or a decimal string;
//! objects are maps holding every attribute of the type; `dynamic` values are
//! `[type JSON, value]` pairs.

use std::collections::BTreeMap;

use rmp::Marker;

use super::{
    check_tuple_len, index_step, infer_type, kind_of, parse_number, type_from_json_bytes,
    type_to_json_bytes, CodecError, WithinExt,
};
use crate::diag::PathStep;
use crate::value::{Number, NumberRepr, Type, Value};

/// Extension type cty uses for a wholly unknown value.
const UNKNOWN_EXT: i8 = 0;

/// Nesting limit when decoding, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 64;

pub fn to_msgpack(v: &Value, t: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    encode(&mut out, v, t)?;
    Ok(out)
}

pub fn from_msgpack(bytes: &[u8], t: &Type) -> Result<Value, CodecError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let item = r.item(0)?;
    if r.pos != bytes.len() {
        return Err(CodecError::new("trailing bytes after msgpack value"));
    }
    decode(item, t)
}

// ---------------------------------------------------------------- encoding

fn encode(out: &mut Vec<u8>, v: &Value, t: &Type) -> Result<(), CodecError> {
    let mismatch = || CodecError::new(format!("expected {}, got {}", type_name(t), kind_of(v)));
    match (v, t) {
        (Value::Null, _) => io(rmp::encode::write_nil(out))?,
        (Value::Unknown, _) => {
            io(rmp::encode::write_ext_meta(out, 1, UNKNOWN_EXT))?;
            out.push(0);
        }
        (_, Type::Dynamic) => {
            let inferred = infer_type(v);
            io(rmp::encode::write_array_len(out, 2))?;
            let type_json = type_to_json_bytes(&inferred);
            io(rmp::encode::write_bin(out, &type_json))?;
            encode(out, v, &inferred)?;
        }
        (Value::Bool(b), Type::Bool) => io(rmp::encode::write_bool(out, *b))?,
        (Value::Number(n), Type::Number) => match &n.0 {
            NumberRepr::Int(i) => io(rmp::encode::write_sint(out, *i))?,
            NumberRepr::Float(f) => io(rmp::encode::write_f64(out, *f))?,
            NumberRepr::Decimal(s) => io(rmp::encode::write_str(out, s))?,
        },
        (Value::String(s), Type::String) => io(rmp::encode::write_str(out, s))?,
        (Value::List(items), Type::List(et)) | (Value::Set(items), Type::Set(et)) => {
            io(rmp::encode::write_array_len(out, len_u32(items.len())?))?;
            for (i, item) in items.iter().enumerate() {
                encode(out, item, et).within(|| index_step(i))?;
            }
        }
        (Value::Tuple(items), Type::Tuple(types)) => {
            check_tuple_len(types.len(), items.len())?;
            io(rmp::encode::write_array_len(out, len_u32(items.len())?))?;
            for (i, (item, et)) in items.iter().zip(types).enumerate() {
                encode(out, item, et).within(|| index_step(i))?;
            }
        }
        (Value::Map(m), Type::Map(et)) => {
            io(rmp::encode::write_map_len(out, len_u32(m.len())?))?;
            for (k, item) in m {
                io(rmp::encode::write_str(out, k))?;
                encode(out, item, et).within(|| PathStep::Key(k.clone()))?;
            }
        }
        (Value::Object(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(CodecError::new(format!("unsupported attribute {extra:?}")));
            }
            io(rmp::encode::write_map_len(out, len_u32(attrs.len())?))?;
            for (k, at) in attrs {
                io(rmp::encode::write_str(out, k))?;
                let item = m.get(k).unwrap_or(&Value::Null);
                encode(out, item, at).within(|| PathStep::Attribute(k.clone()))?;
            }
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

/// Writes into a Vec cannot fail, but rmp's writers are generic over I/O.
fn io<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<(), CodecError> {
    r.map(drop)
        .map_err(|e| CodecError::new(format!("msgpack write failed: {e}")))
}

fn len_u32(n: usize) -> Result<u32, CodecError> {
    u32::try_from(n).map_err(|_| CodecError::new("collection too large for msgpack"))
}

pub(crate) fn type_name(t: &Type) -> String {
    String::from_utf8_lossy(&type_to_json_bytes(t)).into_owned()
}

// ---------------------------------------------------------------- decoding

/// A parsed msgpack item, before it is interpreted against a cty type.
#[derive(Debug)]
enum Item {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Bin(Vec<u8>),
    Array(Vec<Item>),
    Map(Vec<(Item, Item)>),
    Ext,
}

impl Item {
    fn kind(&self) -> &'static str {
        match self {
            Item::Nil => "nil",
            Item::Bool(_) => "bool",
            Item::Int(_) | Item::UInt(_) => "integer",
            Item::Float(_) => "float",
            Item::Str(_) => "string",
            Item::Bin(_) => "binary",
            Item::Array(_) => "array",
            Item::Map(_) => "map",
            Item::Ext => "extension",
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        let end = end.ok_or_else(|| CodecError::new("truncated msgpack value"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn len(&mut self, bytes: usize) -> Result<usize, CodecError> {
        Ok(match bytes {
            1 => usize::from(self.be::<1>()?[0]),
            2 => usize::from(u16::from_be_bytes(self.be()?)),
            _ => u32::from_be_bytes(self.be()?) as usize,
        })
    }

    fn string(&mut self, len: usize) -> Result<Item, CodecError> {
        let raw = self.take(len)?;
        let s =
            std::str::from_utf8(raw).map_err(|_| CodecError::new("string is not valid UTF-8"))?;
        Ok(Item::Str(s.to_owned()))
    }

    fn array(&mut self, len: usize, depth: usize) -> Result<Item, CodecError> {
        // Cap the pre-allocation: the length prefix is untrusted.
        let mut items = Vec::with_capacity(len.min(1024));
        for _ in 0..len {
            items.push(self.item(depth + 1)?);
        }
        Ok(Item::Array(items))
    }

    fn map(&mut self, len: usize, depth: usize) -> Result<Item, CodecError> {
        let mut entries = Vec::with_capacity(len.min(1024));
        for _ in 0..len {
            let k = self.item(depth + 1)?;
            let v = self.item(depth + 1)?;
            entries.push((k, v));
        }
        Ok(Item::Map(entries))
    }

    fn ext(&mut self, len: usize) -> Result<Item, CodecError> {
        self.take(1 + len)?; // type byte + payload: every extension means "unknown"
        Ok(Item::Ext)
    }

    /// Reads the big-endian length that follows `marker` (1, 2 or 4 bytes
    /// by the marker's width).
    fn prefixed_len(&mut self, marker: Marker) -> Result<usize, CodecError> {
        let width = match marker {
            Marker::Str8 | Marker::Bin8 | Marker::Ext8 => 1,
            Marker::Str16 | Marker::Bin16 | Marker::Array16 | Marker::Map16 | Marker::Ext16 => 2,
            Marker::Str32 | Marker::Bin32 | Marker::Array32 | Marker::Map32 | Marker::Ext32 => 4,
            _ => return Err(CodecError::new("msgpack marker has no length prefix")),
        };
        self.len(width)
    }

    fn item(&mut self, depth: usize) -> Result<Item, CodecError> {
        if depth > MAX_DEPTH {
            return Err(CodecError::new("msgpack value nested too deeply"));
        }
        let marker = Marker::from_u8(self.be::<1>()?[0]);
        Ok(match marker {
            Marker::Null => Item::Nil,
            Marker::True => Item::Bool(true),
            Marker::False => Item::Bool(false),
            Marker::FixPos(n) => Item::Int(i64::from(n)),
            Marker::FixNeg(n) => Item::Int(i64::from(n)),
            Marker::U8 => Item::Int(i64::from(self.be::<1>()?[0])),
            Marker::U16 => Item::Int(i64::from(u16::from_be_bytes(self.be()?))),
            Marker::U32 => Item::Int(i64::from(u32::from_be_bytes(self.be()?))),
            Marker::U64 => Item::UInt(u64::from_be_bytes(self.be()?)),
            Marker::I8 => Item::Int(i64::from(i8::from_be_bytes(self.be()?))),
            Marker::I16 => Item::Int(i64::from(i16::from_be_bytes(self.be()?))),
            Marker::I32 => Item::Int(i64::from(i32::from_be_bytes(self.be()?))),
            Marker::I64 => Item::Int(i64::from_be_bytes(self.be()?)),
            Marker::F32 => Item::Float(f64::from(f32::from_be_bytes(self.be()?))),
            Marker::F64 => Item::Float(f64::from_be_bytes(self.be()?)),
            Marker::FixStr(n) => self.string(usize::from(n))?,
            Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                let n = self.prefixed_len(marker)?;
                self.string(n)?
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let n = self.prefixed_len(marker)?;
                Item::Bin(self.take(n)?.to_vec())
            }
            Marker::FixArray(n) => self.array(usize::from(n), depth)?,
            Marker::Array16 | Marker::Array32 => {
                let n = self.prefixed_len(marker)?;
                self.array(n, depth)?
            }
            Marker::FixMap(n) => self.map(usize::from(n), depth)?,
            Marker::Map16 | Marker::Map32 => {
                let n = self.prefixed_len(marker)?;
                self.map(n, depth)?
            }
            Marker::FixExt1 => self.ext(1)?,
            Marker::FixExt2 => self.ext(2)?,
            Marker::FixExt4 => self.ext(4)?,
            Marker::FixExt8 => self.ext(8)?,
            Marker::FixExt16 => self.ext(16)?,
            Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => {
                let n = self.prefixed_len(marker)?;
                self.ext(n)?
            }
            Marker::Reserved => return Err(CodecError::new("reserved msgpack marker 0xc1")),
        })
    }
}

fn decode(item: Item, t: &Type) -> Result<Value, CodecError> {
    let mismatch = |item: &Item| {
        CodecError::new(format!(
            "expected {}, got msgpack {}",
            type_name(t),
            item.kind()
        ))
    };
    Ok(match (item, t) {
        (Item::Nil, _) => Value::Null,
        (Item::Ext, _) => Value::Unknown,
        (Item::Array(mut pair), Type::Dynamic) if pair.len() == 2 => {
            let inner = pair.pop().unwrap_or(Item::Nil);
            let concrete = match pair.pop() {
                Some(Item::Bin(b)) => type_from_json_bytes(&b)?,
                Some(Item::Str(s)) => type_from_json_bytes(s.as_bytes())?,
                _ => {
                    return Err(CodecError::new(
                        "dynamic value must start with its type JSON",
                    ))
                }
            };
            decode(inner, &concrete)?
        }
        (Item::Bool(b), Type::Bool) => Value::Bool(b),
        (Item::Int(i), Type::Number) => Value::Number(Number::from(i)),
        (Item::UInt(u), Type::Number) => Value::Number(Number::from_u64(u)),
        (Item::Float(f), Type::Number) => Value::Number(
            Number::from_f64(f).ok_or_else(|| CodecError::new("number is NaN or infinite"))?,
        ),
        (Item::Str(s), Type::Number) => Value::Number(parse_number(&s)?),
        (Item::Str(s), Type::String) => Value::String(s),
        (Item::Array(items), Type::List(et)) => Value::List(decode_seq(items, |_| et)?),
        (Item::Array(items), Type::Set(et)) => Value::Set(decode_seq(items, |_| et)?),
        (Item::Array(items), Type::Tuple(types)) => {
            check_tuple_len(types.len(), items.len())?;
            Value::Tuple(decode_seq(items, |i| &types[i])?)
        }
        (Item::Map(entries), Type::Map(et)) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                let k = map_key(k)?;
                let v = decode(v, et).within(|| PathStep::Key(k.clone()))?;
                m.insert(k, v);
            }
            Value::Map(m)
        }
        (Item::Map(entries), Type::Object(attrs)) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                let k = map_key(k)?;
                let at = attrs
                    .get(&k)
                    .ok_or_else(|| CodecError::new(format!("unsupported attribute {k:?}")))?;
                let v = decode(v, at).within(|| PathStep::Attribute(k.clone()))?;
                m.insert(k, v);
            }
            for k in attrs.keys() {
                m.entry(k.clone()).or_insert(Value::Null);
            }
            Value::Object(m)
        }
        (item, _) => return Err(mismatch(&item)),
    })
}

fn decode_seq<'t>(
    items: Vec<Item>,
    type_at: impl Fn(usize) -> &'t Type,
) -> Result<Vec<Value>, CodecError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| decode(item, type_at(i)).within(|| index_step(i)))
        .collect()
}

fn map_key(k: Item) -> Result<String, CodecError> {
    match k {
        Item::Str(s) => Ok(s),
        other => Err(CodecError::new(format!(
            "map key must be a string, got msgpack {}",
            other.kind()
        ))),
    }
}
