#![allow(clippy::unwrap_used)] // tests may unwrap

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::*;
use crate::schema::{Attribute, Block, NestedBlock, NestingMode};
use crate::value::Type;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Port {
    port: i64,
    #[serde(default)]
    weight: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Status {
    Running,
    Stopped,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Model {
    name: String,
    disk_type: Option<String>,
    count: MaybeUnknown<i64>,
    price: Number,
    tags: Vec<String>,
    zones: Set<String>,
    labels: BTreeMap<String, String>,
    status: Status,
    enabled: bool,
    #[serde(with = "single_block")]
    port: Option<Port>,
}

fn port_block() -> NestedBlock {
    NestedBlock {
        type_name: "port".into(),
        block: Block {
            attributes: vec![
                Attribute::required("port", Type::Number, "Port."),
                Attribute::optional("weight", Type::Number, "Weight."),
            ],
            ..Block::default()
        },
        nesting: NestingMode::List,
        min_items: 0,
        max_items: 1,
    }
}

fn block() -> Block {
    Block {
        attributes: vec![
            Attribute::required("name", Type::String, "Name."),
            Attribute::optional("disk_type", Type::String, "Disk.").default("pd-ssd"),
            Attribute::computed("count", Type::Number, "Count."),
            Attribute::required("price", Type::Number, "Price."),
            Attribute::optional("tags", Type::List(Box::new(Type::String)), "Tags.")
                .default(vec!["a", "b"]),
            Attribute::required("zones", Type::Set(Box::new(Type::String)), "Zones."),
            Attribute::optional("labels", Type::Map(Box::new(Type::String)), "Labels.")
                .default(Value::Map(BTreeMap::new())),
            Attribute::required("status", Type::String, "Status."),
            Attribute::optional("enabled", Type::Bool, "On.").default(true),
        ],
        blocks: vec![port_block()],
        ..Block::default()
    }
}

fn value() -> Value {
    Value::object([
        ("name", Value::from("c1")),
        ("disk_type", Value::Null),
        ("count", Value::Unknown),
        ("price", Value::Number(Number::parse("0.005").unwrap())),
        ("tags", Value::from(vec!["a"])),
        ("zones", Value::Set(vec![Value::from("z")])),
        (
            "labels",
            Value::Map(BTreeMap::from([("k".into(), Value::from("v"))])),
        ),
        ("status", Value::from("RUNNING")),
        ("enabled", Value::from(true)),
        (
            "port",
            Value::List(vec![Value::object([
                ("port", Value::from(7880)),
                ("weight", Value::Null),
            ])]),
        ),
    ])
}

#[test]
fn round_trips_every_shape() {
    let m: Model = from_value(&value()).unwrap();
    assert_eq!(m.name, "c1");
    assert_eq!(m.disk_type, None);
    assert!(m.count.is_unknown());
    assert_eq!(m.price.to_decimal_string(), "0.005");
    assert_eq!(m.zones.0, vec!["z".to_owned()]);
    assert_eq!(m.status, Status::Running);
    assert_eq!(m.port.as_ref().unwrap().port, 7880);
    assert_eq!(to_value(&m).unwrap(), value());
}

#[test]
fn numbers_keep_their_wire_form() {
    for n in [
        Number::from_f64(0.1).unwrap(),
        Number::parse("123456789012345678901234567890.5").unwrap(),
        Number::from(-7),
    ] {
        let back: Number = from_value(&Value::Number(n.clone())).unwrap();
        assert_eq!(format!("{:?}", back.0), format!("{:?}", n.0));
        assert_eq!(
            format!("{:?}", to_value(&n).unwrap()),
            format!("{:?}", Value::Number(n))
        );
    }
    let whole: i64 = from_value(&Value::Number(Number::from_f64(3.0).unwrap())).unwrap();
    assert_eq!(whole, 3);
    let e = from_value::<i64>(&Value::Number(Number::parse("2.5").unwrap())).unwrap_err();
    assert!(e.message.contains("not a whole number"), "{e}");
    let e = from_value::<u8>(&Value::from(300)).unwrap_err();
    assert!(e.message.contains("300"), "{e}");
}

#[test]
fn misspelt_or_missing_field_fails_with_its_path() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only decoding is tested
    struct Typo {
        disk_typ: Option<String>,
    }
    let v = Value::object([("disk_type", Value::from("pd-ssd"))]);
    let e = from_value::<Typo>(&v).unwrap_err();
    assert_eq!(e.path, AttributePath::root("disk_type"));
    assert!(e.message.contains("unknown field `disk_type`"), "{e}");
    let status = |v: &mut Value| v.set("status", Value::from("STOPPED"));
    assert_eq!(check_plan_model::<Model>(&block(), status), Ok(()));
    let e = check_model::<Model>(&block()).unwrap_err();
    assert!(e.contains("status: unknown variant `x`"), "{e}");
    let e = check_model::<Port>(&port_block().block);
    assert!(e.is_ok(), "{e:?}");
}

#[test]
fn nested_errors_name_the_attribute_path() {
    let mut v = value();
    v.set(
        "port",
        Value::List(vec![Value::object([
            ("port", Value::from("http")),
            ("weight", Value::Null),
        ])]),
    );
    let e = from_value::<Model>(&v).unwrap_err();
    assert_eq!(
        e.to_string(),
        "port[0].port: expected a whole number, found a string"
    );
    let d = e.to_diagnostic("Invalid plan");
    assert_eq!(
        d.attribute,
        Some(AttributePath::root("port").index(0).attr("port"))
    );
    let mut v = value();
    v.set(
        "labels",
        Value::Map(BTreeMap::from([("k".into(), Value::from(1))])),
    );
    let e = from_value::<Model>(&v).unwrap_err();
    assert_eq!(e.path, AttributePath::root("labels").key("k"));
}

#[test]
fn null_and_unknown_only_fit_the_types_that_say_so() {
    let mut v = value();
    v.set("name", Value::Null);
    let e = from_value::<Model>(&v).unwrap_err();
    assert!(
        e.to_string().starts_with(
            "name: expected a string, found null (the model field needs to be an Option)"
        ),
        "{e}"
    );
    let mut v = value();
    v.set("disk_type", Value::Unknown);
    let e = from_value::<Model>(&v).unwrap_err();
    assert!(e.message.contains("MaybeUnknown"), "{e}");
    let mut v = value();
    v.set("count", Value::Null);
    assert!(from_value::<Model>(&v).unwrap().count.is_null());
    v.set("count", Value::from(4));
    let m = from_value::<Model>(&v).unwrap();
    assert_eq!(m.count.known(), Some(&4));
    assert_eq!(
        to_value(&MaybeUnknown::<i64>::Unknown).unwrap(),
        Value::Unknown
    );
}

#[test]
fn sets_and_lists_are_not_interchangeable() {
    let mut v = value();
    v.set("tags", Value::Set(vec![Value::from("a")]));
    let e = from_value::<Model>(&v).unwrap_err();
    assert!(e.message.contains("tfplugin::typed::Set"), "{e}");
    let mut v = value();
    v.set("zones", Value::from(vec!["z"]));
    assert!(from_value::<Model>(&v)
        .unwrap_err()
        .message
        .contains("expected a set"));
}

#[test]
fn single_block_allows_at_most_one() {
    let mut v = value();
    v.set("port", Value::List(Vec::new()));
    assert_eq!(from_value::<Model>(&v).unwrap().port, None);
    // A `dynamic "port"` over an unknown value: not known to be there.
    v.set("port", Value::Unknown);
    assert_eq!(from_value::<Model>(&v).unwrap().port, None);
    let p = Value::object([("port", Value::from(1)), ("weight", Value::Null)]);
    v.set("port", Value::List(vec![p.clone(), p]));
    let e = from_value::<Model>(&v).unwrap_err();
    assert!(e.to_string().starts_with("port: at most one block"), "{e}");
}

#[test]
fn defaults_are_declared_once() {
    let b = block();
    let disk = b.attribute("disk_type").unwrap();
    assert_eq!(disk.description, "Disk. Defaults to `pd-ssd`.");
    assert!(disk.computed && disk.optional);
    assert_eq!(
        b.attribute("tags").unwrap().description,
        "Tags. Defaults to `[\"a\", \"b\"]`."
    );
    assert_eq!(
        b.attribute("enabled").unwrap().description,
        "On. Defaults to `true`."
    );
    let mut v = value();
    v.set("tags", Value::Null);
    v.set("count", Value::Null);
    b.apply_defaults(&mut v);
    assert_eq!(v.get("disk_type"), &Value::from("pd-ssd"));
    assert_eq!(v.get("tags"), &Value::from(vec!["a", "b"]));
    assert_eq!(v.get("count"), &Value::Null, "no default declared");
    // Unknowns are not replaced; nested blocks get theirs.
    let mut nb = Block {
        attributes: vec![Attribute::optional("x", Type::Number, "").default(5)],
        ..Block::default()
    };
    nb.blocks.push(NestedBlock {
        type_name: "inner".into(),
        block: nb.clone(),
        nesting: NestingMode::List,
        min_items: 0,
        max_items: 0,
    });
    let mut v = Value::object([
        ("x", Value::Unknown),
        (
            "inner",
            Value::List(vec![Value::object([("x", Value::Null)])]),
        ),
    ]);
    nb.apply_defaults(&mut v);
    assert_eq!(v.get("x"), &Value::Unknown);
    assert_eq!(
        v.get("inner").as_seq().unwrap()[0].get("x"),
        &Value::from(5)
    );
}

#[test]
fn check_model_finds_every_mismatch() {
    // Model field the schema lacks.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Extra {
        port: i64,
        weight: Option<f64>,
        extra: Option<String>,
    }
    let e = check_model::<Extra>(&port_block().block).unwrap_err();
    assert_eq!(
        e,
        "every attribute set: extra: model field has no schema attribute"
    );
    // Schema attribute the model lacks.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Missing {
        port: i64,
    }
    let e = check_model::<Missing>(&port_block().block).unwrap_err();
    assert!(
        e.starts_with("every attribute set: decoding: weight: unknown field `weight`"),
        "{e}"
    );
    // Wrong type.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct WrongType {
        port: String,
        weight: Option<f64>,
    }
    let e = check_model::<WrongType>(&port_block().block).unwrap_err();
    assert!(e.contains("port: expected a string, found a number"), "{e}");
    // An optional attribute without a default modelled as required.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NotOptional {
        port: i64,
        weight: f64,
    }
    let e = check_model::<NotOptional>(&port_block().block).unwrap_err();
    assert!(e.starts_with("only required attributes and defaults set: decoding: weight: expected a number, found null"), "{e}");
    // A plan model must accept unknown computed attributes.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Planned {
        id: MaybeUnknown<String>,
    }
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NotPlanned {
        id: Option<String>,
    }
    let b = Block {
        attributes: vec![Attribute::computed("id", Type::String, "")],
        ..Block::default()
    };
    assert_eq!(check_plan_model::<Planned>(&b, |_| {}), Ok(()));
    assert!(check_model::<NotPlanned>(&b).is_ok());
    assert!(check_plan_model::<NotPlanned>(&b, |_| {})
        .unwrap_err()
        .contains("id: expected a known value or null"));
}

#[derive(Debug, Serialize, Deserialize, crate::Fields)]
struct Named {
    disk_type: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

#[test]
fn derived_field_consts_are_the_names_serde_uses() {
    let v = to_value(&Named {
        disk_type: "pd-ssd".into(),
        kind: Some("EMAIL".into()),
    })
    .unwrap();
    assert_eq!((Named::DISK_TYPE, Named::KIND), ("disk_type", "type"));
    assert_eq!(v.get(Named::DISK_TYPE).as_str(), Some("pd-ssd"));
    assert_eq!(v.get(Named::KIND).as_str(), Some("EMAIL"));
}
