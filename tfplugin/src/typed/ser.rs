//! Model → `Value`. Structs become objects, maps maps, `Vec` lists, `Set` sets.

use std::collections::BTreeMap;

use serde::ser::{self, Impossible, Serialize};

use super::{ValueError, NUMBER, SET, UNKNOWN};
use crate::value::{Number, Value};

pub(crate) struct ValueSerializer;

fn unsupported(what: &str) -> ValueError {
    ValueError::new(format!("{what} has no cty equivalent"))
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = ValueError;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Impossible<Value, ValueError>;
    type SerializeMap = MapSer;
    type SerializeStruct = StructSer;
    type SerializeStructVariant = Impossible<Value, ValueError>;

    fn serialize_bool(self, b: bool) -> Result<Value, ValueError> {
        Ok(Value::Bool(b))
    }
    fn serialize_i8(self, i: i8) -> Result<Value, ValueError> {
        self.serialize_i64(i.into())
    }
    fn serialize_i16(self, i: i16) -> Result<Value, ValueError> {
        self.serialize_i64(i.into())
    }
    fn serialize_i32(self, i: i32) -> Result<Value, ValueError> {
        self.serialize_i64(i.into())
    }
    fn serialize_i64(self, i: i64) -> Result<Value, ValueError> {
        Ok(Value::Number(Number::from(i)))
    }
    fn serialize_u8(self, u: u8) -> Result<Value, ValueError> {
        self.serialize_i64(u.into())
    }
    fn serialize_u16(self, u: u16) -> Result<Value, ValueError> {
        self.serialize_i64(u.into())
    }
    fn serialize_u32(self, u: u32) -> Result<Value, ValueError> {
        self.serialize_i64(u.into())
    }
    fn serialize_u64(self, u: u64) -> Result<Value, ValueError> {
        Ok(Value::Number(Number::from_u64(u)))
    }
    fn serialize_f32(self, f: f32) -> Result<Value, ValueError> {
        self.serialize_f64(f.into())
    }
    fn serialize_f64(self, f: f64) -> Result<Value, ValueError> {
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| ValueError::new(format!("{f} is not a cty number")))
    }
    fn serialize_char(self, c: char) -> Result<Value, ValueError> {
        Ok(Value::String(c.to_string()))
    }
    fn serialize_str(self, s: &str) -> Result<Value, ValueError> {
        Ok(Value::String(s.to_owned()))
    }
    fn serialize_bytes(self, _b: &[u8]) -> Result<Value, ValueError> {
        Err(unsupported("a byte string"))
    }
    fn serialize_none(self) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, ValueError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<Value, ValueError> {
        Ok(if name == UNKNOWN {
            Value::Unknown
        } else {
            Value::Null
        })
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ValueError> {
        Ok(Value::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<Value, ValueError> {
        match (name, v.serialize(self)?) {
            (NUMBER, Value::String(s)) => Number::parse(&s)
                .map(Value::Number)
                .map_err(ValueError::new),
            (SET, Value::List(items)) => Ok(Value::Set(items)),
            (_, value) => Ok(value),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Result<Value, ValueError> {
        Err(unsupported("an enum variant with data"))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, ValueError> {
        Ok(Seq {
            items: Vec::with_capacity(len.unwrap_or(0)),
            tuple: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq, ValueError> {
        Ok(Seq {
            items: Vec::with_capacity(len),
            tuple: true,
        })
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq, ValueError> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, ValueError> {
        Err(unsupported("an enum variant with data"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer, ValueError> {
        Ok(MapSer {
            entries: BTreeMap::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<StructSer, ValueError> {
        Ok(StructSer(BTreeMap::new()))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, ValueError> {
        Err(unsupported("an enum variant with data"))
    }
}

pub(crate) struct Seq {
    items: Vec<Value>,
    tuple: bool,
}

impl Seq {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), ValueError> {
        let i = self.items.len();
        let value = v.serialize(ValueSerializer).map_err(|e| {
            e.inside(crate::diag::PathStep::Index(
                i64::try_from(i).unwrap_or(i64::MAX),
            ))
        })?;
        self.items.push(value);
        Ok(())
    }

    fn finish(self) -> Value {
        if self.tuple {
            Value::Tuple(self.items)
        } else {
            Value::List(self.items)
        }
    }
}

impl ser::SerializeSeq for Seq {
    type Ok = Value;
    type Error = ValueError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), ValueError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, ValueError> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = Value;
    type Error = ValueError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), ValueError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, ValueError> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = Value;
    type Error = ValueError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), ValueError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, ValueError> {
        Ok(self.finish())
    }
}

pub(crate) struct MapSer {
    entries: BTreeMap<String, Value>,
    key: Option<String>,
}

impl ser::SerializeMap for MapSer {
    type Ok = Value;
    type Error = ValueError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), ValueError> {
        match k.serialize(ValueSerializer)? {
            Value::String(s) => {
                self.key = Some(s);
                Ok(())
            }
            _ => Err(ValueError::new("map keys must be strings")),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), ValueError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ValueError::new("map value without a key"))?;
        let value = v
            .serialize(ValueSerializer)
            .map_err(|e| e.inside(crate::diag::PathStep::Key(key.clone())))?;
        self.entries.insert(key, value);
        Ok(())
    }
    fn end(self) -> Result<Value, ValueError> {
        Ok(Value::Map(self.entries))
    }
}

pub(crate) struct StructSer(BTreeMap<String, Value>);

impl ser::SerializeStruct for StructSer {
    type Ok = Value;
    type Error = ValueError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), ValueError> {
        let value = v
            .serialize(ValueSerializer)
            .map_err(|e| e.inside(crate::diag::PathStep::Attribute(key.to_owned())))?;
        self.0.insert(key.to_owned(), value);
        Ok(())
    }
    fn end(self) -> Result<Value, ValueError> {
        Ok(Value::Object(self.0))
    }
}
