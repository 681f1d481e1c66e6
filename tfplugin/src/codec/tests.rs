//! Byte-level wire facts and property round-trips for the codec.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::value::{Number, Type, Value};

fn obj(fields: &[(&str, Type)]) -> Type {
    Type::Object(
        fields
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

#[test]
fn unknown_is_ext0_and_any_ext_decodes_unknown() {
    assert_eq!(
        to_msgpack(&Value::Unknown, &Type::String).unwrap(),
        vec![0xd4, 0x00, 0x00]
    );
    assert_eq!(
        from_msgpack(&[0xd4, 0x00, 0x00], &Type::Number).unwrap(),
        Value::Unknown
    );
    // Refined unknown (ext 12) with a map payload {1: false} (definitely not null).
    let refined = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
    assert_eq!(
        from_msgpack(&refined, &Type::String).unwrap(),
        Value::Unknown
    );
    assert_eq!(
        from_msgpack(&[0xd5, 0x07, 0x01, 0x02], &Type::Bool).unwrap(),
        Value::Unknown
    );
}

#[test]
fn null_and_primitives() {
    assert_eq!(to_msgpack(&Value::Null, &Type::String).unwrap(), vec![0xc0]);
    assert_eq!(
        to_msgpack(&Value::Bool(true), &Type::Bool).unwrap(),
        vec![0xc3]
    );
    assert_eq!(
        to_msgpack(&Value::string("hi"), &Type::String).unwrap(),
        vec![0xa2, b'h', b'i']
    );
    assert!(to_msgpack(&Value::string("hi"), &Type::Number).is_err());
}

#[test]
fn number_forms_on_the_wire() {
    let num = |b: &[u8]| from_msgpack(b, &Type::Number).unwrap();
    assert_eq!(num(&[0x05]), Value::from(5));
    assert_eq!(num(&[0xff]), Value::from(-1));
    assert_eq!(num(&[0xcd, 0x01, 0x00]), Value::from(256));
    assert_eq!(
        num(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
            .as_number()
            .unwrap()
            .to_decimal_string(),
        "18446744073709551615"
    );
    assert_eq!(
        num(&[0xca, 0x3f, 0x00, 0x00, 0x00]),
        Value::Number(Number::from_f64(0.5).unwrap())
    );
    let mut f64_bytes = vec![0xcb];
    f64_bytes.extend_from_slice(&2.25f64.to_be_bytes());
    assert_eq!(num(&f64_bytes).as_f64(), Some(2.25));
    assert_eq!(
        num(&[0xa3, b'1', b'.', b'5']),
        Value::Number(Number::parse("1.5").unwrap())
    );
    assert!(from_msgpack(&[0xa1, b'x'], &Type::Number).is_err());

    // Encoding keeps the form: int stays int, float stays float64, decimal stays a string.
    assert_eq!(
        to_msgpack(&Value::from(5), &Type::Number).unwrap(),
        vec![0x05]
    );
    assert_eq!(
        to_msgpack(
            &Value::Number(Number::from_f64(2.25).unwrap()),
            &Type::Number
        )
        .unwrap(),
        f64_bytes
    );
    let dec = Value::Number(Number::parse("0.1").unwrap());
    assert_eq!(
        to_msgpack(&dec, &Type::Number).unwrap(),
        vec![0xa3, b'0', b'.', b'1']
    );
}

#[test]
fn objects_carry_every_attribute_in_order() {
    let ty = obj(&[("b", Type::String), ("a", Type::Number)]);
    let v = Value::object([("b", Value::string("x"))]);
    // {"a": nil, "b": "x"}
    assert_eq!(
        to_msgpack(&v, &ty).unwrap(),
        vec![0x82, 0xa1, b'a', 0xc0, 0xa1, b'b', 0xa1, b'x']
    );
    let back = from_msgpack(&to_msgpack(&v, &ty).unwrap(), &ty).unwrap();
    assert_eq!(
        back,
        Value::object([("a", Value::Null), ("b", Value::string("x"))])
    );
    let extra = Value::object([("zzz", Value::Null)]);
    assert!(to_msgpack(&extra, &ty).unwrap_err().message.contains("zzz"));
    // An attribute Terraform sends that the schema lacks is an error with a path.
    let other = obj(&[("a", Type::Number), ("b", Type::String), ("c", Type::Bool)]);
    let bytes = to_msgpack(&Value::object([("c", Value::Bool(true))]), &other).unwrap();
    assert!(from_msgpack(&bytes, &ty).is_err());
}

#[test]
fn error_paths_point_inside() {
    let ty = obj(&[(
        "rules",
        Type::List(Box::new(obj(&[("port", Type::Number)]))),
    )]);
    let v = Value::object([(
        "rules",
        Value::List(vec![Value::object([("port", Value::string("http"))])]),
    )]);
    let err = to_msgpack(&v, &ty).unwrap_err();
    assert_eq!(err.path.to_string(), "rules[0].port");
}

#[test]
fn dynamic_is_type_value_pair() {
    let bytes = to_msgpack(&Value::string("x"), &Type::Dynamic).unwrap();
    // [bin("\"string\""), "x"]
    let mut expected = vec![0x92, 0xc4, 8];
    expected.extend_from_slice(b"\"string\"");
    expected.extend_from_slice(&[0xa1, b'x']);
    assert_eq!(bytes, expected);
    // cty also accepts the type JSON as a str.
    let mut as_str = vec![0x92, 0xa8];
    as_str.extend_from_slice(b"\"string\"");
    as_str.extend_from_slice(&[0xa1, b'x']);
    assert_eq!(
        from_msgpack(&as_str, &Type::Dynamic).unwrap(),
        Value::string("x")
    );
    assert_eq!(
        to_msgpack(&Value::Null, &Type::Dynamic).unwrap(),
        vec![0xc0]
    );
    assert_eq!(
        infer_type(&Value::List(vec![])),
        Type::List(Box::new(Type::Dynamic))
    );
    assert_eq!(
        infer_type(&Value::List(vec![Value::Null, Value::from(1)])),
        Type::List(Box::new(Type::Number))
    );
    assert_eq!(
        infer_type(&Value::List(vec![Value::string("a"), Value::from(1)])),
        Type::List(Box::new(Type::Dynamic))
    );
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    for bytes in [
        &[][..],
        &[0x92, 0x01],
        &[0xdb, 0xff, 0xff, 0xff, 0xff],
        &[0xc1],
        &[0x01, 0x02],
        &[0xa2, 0xff, 0xfe],
    ] {
        assert!(
            from_msgpack(bytes, &Type::List(Box::new(Type::Number))).is_err(),
            "{bytes:?}"
        );
    }
    let deep: Vec<u8> = std::iter::repeat_n(0x91, 10_000).chain([0x01]).collect();
    assert!(from_msgpack(&deep, &Type::Dynamic).is_err());
}

#[test]
fn type_json_both_ways() {
    let ty = Type::Object(BTreeMap::from([
        ("a".to_owned(), Type::List(Box::new(Type::String))),
        ("b".to_owned(), Type::Tuple(vec![Type::Bool, Type::Dynamic])),
        (
            "c".to_owned(),
            Type::Map(Box::new(Type::Set(Box::new(Type::Number)))),
        ),
    ]));
    let text = String::from_utf8(type_to_json_bytes(&ty)).unwrap();
    assert_eq!(
        text,
        r#"["object",{"a":["list","string"],"b":["tuple",["bool","dynamic"]],"c":["map",["set","number"]]}]"#
    );
    assert_eq!(type_from_json_bytes(text.as_bytes()).unwrap(), ty);
    // Optional-attribute annotations are accepted and ignored.
    assert_eq!(
        type_from_json_bytes(br#"["object",{"a":"string"},["a"]]"#).unwrap(),
        obj(&[("a", Type::String)])
    );
    assert!(type_from_json_bytes(br#""float""#).is_err());
    assert!(type_from_json_bytes(br#"["list"]"#).is_err());
}

#[test]
fn json_state_decoding() {
    let ty = obj(&[
        ("n", Type::Number),
        ("s", Type::String),
        ("d", Type::Dynamic),
    ]);
    let j: serde_json::Value = serde_json::from_str(
        r#"{"n":0.1,"s":"x","d":{"value":["a"],"type":["list","string"]},"removed":1}"#,
    )
    .unwrap();
    let v = from_json(&j, &ty).unwrap();
    // 0.1 in state is the decimal 0.1, not the nearest float64.
    assert_eq!(v.get("n"), &Value::Number(Number::parse("0.1").unwrap()));
    assert_eq!(v.get("d"), &Value::List(vec![Value::string("a")]));
    assert_eq!(
        to_json(&v, &ty).unwrap(),
        serde_json::json!({"n":0.1,"s":"x","d":{"value":["a"],"type":["list","string"]}})
    );
    assert_eq!(
        from_json(&serde_json::json!("12.5"), &Type::Number)
            .unwrap()
            .as_f64(),
        Some(12.5)
    );
    assert!(from_json(&serde_json::json!(true), &Type::String).is_err());
    assert!(to_json(&Value::Unknown, &Type::String).is_err());
    // A decimal no float64 prints as is kept exact as a string.
    let precise = Value::Number(Number::parse("0.12345678901234567890123").unwrap());
    assert_eq!(
        to_json(&precise, &Type::Number).unwrap(),
        serde_json::json!("0.12345678901234567890123")
    );
}

// ------------------------------------------------------------- properties

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic)
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Type::List(Box::new(t))),
            inner.clone().prop_map(|t| Type::Set(Box::new(t))),
            inner.clone().prop_map(|t| Type::Map(Box::new(t))),
            prop::collection::btree_map("[a-z_]{1,6}", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
        ]
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        ("-?[0-9]{1,30}\\.[0-9]{1,30}").prop_map(|s| Number::parse(&s).unwrap()),
    ]
}

/// A value conforming to `ty`; `unknowns` allows unknown values.
fn arb_value(ty: Type, unknowns: bool) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => ".{0,12}".prop_map(Value::String).boxed(),
        // A dynamic value is any value of some concrete type.
        Type::Dynamic => arb_type()
            .prop_filter("concrete", |t| *t != Type::Dynamic)
            .prop_flat_map(move |t| arb_value(t, unknowns))
            .boxed(),
        Type::List(e) => prop::collection::vec(arb_value(*e, unknowns), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(*e, unknowns), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(e) => prop::collection::btree_map(".{0,5}", arb_value(*e, unknowns), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attrs) => {
            let fields: Vec<_> = attrs
                .into_iter()
                .map(|(k, t)| arb_value(t, unknowns).prop_map(move |v| (k.clone(), v)))
                .collect();
            fields
                .prop_map(|f| Value::Object(f.into_iter().collect()))
                .boxed()
        }
        Type::Tuple(types) => {
            let elems: Vec<_> = types.into_iter().map(|t| arb_value(t, unknowns)).collect();
            elems.prop_map(Value::Tuple).boxed()
        }
    };
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    arb_type()
        .prop_flat_map(move |t| arb_value(t.clone(), unknowns).prop_map(move |v| (t.clone(), v)))
}

/// JSON reads floats as the decimal literal they print as (documented in json.rs).
fn json_normalised(v: &Value) -> Value {
    match v {
        Value::Number(n) => match &n.0 {
            crate::value::NumberRepr::Float(f) => {
                let printed = serde_json::Number::from_f64(*f).unwrap().to_string();
                Value::Number(Number::parse(&printed).unwrap())
            }
            _ => v.clone(),
        },
        Value::List(items) => Value::List(items.iter().map(json_normalised).collect()),
        Value::Set(items) => Value::Set(items.iter().map(json_normalised).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(json_normalised).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), json_normalised(v)))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), json_normalised(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn msgpack_round_trips((ty, v) in typed_value(true)) {
        let bytes = to_msgpack(&v, &ty).unwrap();
        prop_assert_eq!(from_msgpack(&bytes, &ty).unwrap(), v.clone());
        // Re-encoding what we decoded gives Terraform back the same bytes.
        let again = to_msgpack(&from_msgpack(&bytes, &ty).unwrap(), &ty).unwrap();
        prop_assert_eq!(again, bytes);
    }

    #[test]
    fn json_round_trips((ty, v) in typed_value(false)) {
        let j = to_json(&v, &ty).unwrap();
        let text = j.to_string();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(from_json(&parsed, &ty).unwrap(), json_normalised(&v));
    }

    #[test]
    fn type_json_round_trips(ty in arb_type()) {
        prop_assert_eq!(type_from_json_bytes(&type_to_json_bytes(&ty)).unwrap(), ty);
    }

    #[test]
    fn decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), ty in arb_type()) {
        let _ = from_msgpack(&bytes, &ty);
    }
}
