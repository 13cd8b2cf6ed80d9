//! A parsed JSON body read into the API's types with one rule serde leaves out: a struct is
//! read only from an object. serde's derive also takes a struct from an array of its fields
//! in order, so `[]` would be an empty body and `{"experience": [["FSE+", "adg", "PR"]]}` an
//! experience; no client means that, and the OpenAPI document says objects.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Value};

/// `T::deserialize(Strict(&value))`: what `serde_json::from_value` does, but objects only.
pub struct Strict<'a>(pub &'a Value);

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Unexpected::Signed(i),
            (_, Some(u), _) => Unexpected::Unsigned(u),
            (_, _, f) => Unexpected::Float(f.unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(fields) => visitor.visit_map(Fields { fields: fields.iter(), value: None }),
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(Strict(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields<'a> {
    fields: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Fields<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((name, value)) = self.fields.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(BorrowedStrDeserializer::new(name)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("a field without its value"))?;
        seed.deserialize(Strict(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Inner {
        #[serde(default)]
        fund: String,
        #[serde(default)]
        role: String,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Body {
        #[serde(default)]
        ids: Vec<i64>,
        #[serde(default)]
        inner: Vec<Inner>,
        note: Option<String>,
    }

    fn read(json: &str) -> Result<Body, Error> {
        Body::deserialize(Strict(&serde_json::from_str(json).unwrap()))
    }

    #[test]
    fn objects_are_read_as_serde_reads_them() {
        let b =
            read(r#"{"ids": [1, 2], "inner": [{"fund": "FSE+", "role": "adg"}], "note": null, "x": [[1]]}"#).unwrap();
        let inner = vec![Inner { fund: "FSE+".into(), role: "adg".into() }];
        assert_eq!(b, Body { ids: vec![1, 2], inner, note: None });
        assert_eq!(read(r#"{"note": "sì"}"#).unwrap().note.as_deref(), Some("sì"));
        assert!(read(r#"{"ids": [1.5]}"#).is_err());
        assert!(read(r#"{"ids": "1"}"#).is_err());
    }

    #[test]
    fn arrays_are_not_structs_at_any_depth() {
        for json in ["[]", "[[1, 2]]", r#"{"inner": [["FSE+", "adg"]]}"#, "null", "3"] {
            let e = read(json).expect_err(json);
            assert!(e.to_string().starts_with("invalid type"), "{json}: {e}");
        }
        // serde_json alone takes them.
        assert!(serde_json::from_str::<Body>(r#"{"inner": [["FSE+", "adg"]]}"#).is_ok());
    }
}
