//! Bad input never panics: every resource's validate and plan (create and
//! update) and every data source's read run on configurations shaped by the
//! real schemas but filled with edge values — nulls, unknowns, empty, odd and
//! oversized strings, negative, fractional and huge numbers, empty and long
//! collections. Half the rounds start from a valid configuration and change
//! one attribute or block, so plan gets past validation into the deeper code.
//! Each answer must be a value or diagnostics, never a panic.

use std::sync::Arc;

use tfplugin::{
    Attribute, Block, NestedBlock, NestingMode, Number, PlanRequest, Provider, Resource, Type,
    Value,
};

use crate::framework::test_support::{ctx, read_with, Harness};

const ROUNDS: usize = 400;
const DATA_SOURCE_ROUNDS: usize = 40;

/// xorshift64*: reproducible without a dependency; the seed is in the message.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

const STRINGS: &[&str] = &[
    "",
    " ",
    "a",
    "-",
    "lk",
    "api",
    "0",
    "-1",
    "5m",
    "0s",
    "1h30m",
    "999999999999h",
    "300s",
    "us-central1",
    "us-central1-a",
    "europe-west1-b",
    "projects/",
    "projects/p/secrets/",
    "projects/p/locations/l/services/s",
    "10.0.0.3:6379",
    ":",
    "://",
    "ü-ñ",
    "UPPER",
    "email",
    "slack",
    "pagerduty",
    "USD",
    "MONTH",
    "rollback",
    "hold",
    "INGRESS_TRAFFIC_ALL",
    "012345-6789AB-CDEF01",
    "x@y.z",
    "%s%n",
    "\u{0}",
];

fn string(rng: &mut Rng) -> String {
    if rng.one_in(20) {
        return "x".repeat(300 + rng.below(5000));
    }
    STRINGS[rng.below(STRINGS.len())].to_owned()
}

fn number(rng: &mut Rng) -> Value {
    const INTS: &[i64] = &[
        0,
        1,
        -1,
        2,
        3,
        5,
        50,
        100,
        101,
        1024,
        7880,
        65535,
        65536,
        i64::MAX,
        i64::MIN,
    ];
    const DECIMALS: &[&str] = &[
        "0.5",
        "-0.0001",
        "0.005",
        "1.5",
        "1e300",
        "99999999999999999999999",
    ];
    if rng.one_in(3) {
        let text = DECIMALS[rng.below(DECIMALS.len())];
        return Number::parse(text).map_or(Value::from(0), Value::from);
    }
    Value::from(INTS[rng.below(INTS.len())])
}

fn value_of(ty: &Type, rng: &mut Rng) -> Value {
    if rng.one_in(8) {
        return Value::Null;
    }
    if rng.one_in(12) {
        return Value::Unknown;
    }
    let items = |rng: &mut Rng| rng.below(4) + usize::from(rng.one_in(10)) * 40;
    match ty {
        Type::Bool => Value::Bool(rng.one_in(2)),
        Type::Number => number(rng),
        Type::String | Type::Dynamic => Value::from(string(rng)),
        Type::List(t) => Value::List((0..items(rng)).map(|_| value_of(t, rng)).collect()),
        Type::Set(t) => Value::Set((0..items(rng)).map(|_| value_of(t, rng)).collect()),
        Type::Map(t) => Value::Map(
            (0..items(rng))
                .map(|i| (format!("{}{i}", string(rng)), value_of(t, rng)))
                .collect(),
        ),
        Type::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, t)| (k.clone(), value_of(t, rng)))
                .collect(),
        ),
        Type::Tuple(types) => Value::Tuple(types.iter().map(|t| value_of(t, rng)).collect()),
    }
}

/// A configuration (computed-only attributes null) or, with `state`, a prior
/// state (every attribute may hold a value) shaped by `block`.
fn object_of(block: &Block, rng: &mut Rng, state: bool) -> Value {
    let mut out = Value::object(std::iter::empty::<(&str, Value)>());
    for a in &block.attributes {
        let settable = a.required || a.optional;
        let v = if settable || state {
            attribute_value(a, rng)
        } else {
            Value::Null
        };
        out.set(&a.name, v);
    }
    for b in &block.blocks {
        out.set(&b.type_name, nested(b, rng, state));
    }
    out
}

fn attribute_value(a: &Attribute, rng: &mut Rng) -> Value {
    let v = value_of(&a.ty, rng);
    // Terraform never sends null for a required attribute of a valid config.
    if a.required && v.is_null() {
        value_of(&a.ty, rng)
    } else {
        v
    }
}

/// Block instances within the schema's bounds, which Terraform enforces
/// before the provider sees a configuration.
fn nested(b: &NestedBlock, rng: &mut Rng, state: bool) -> Value {
    if rng.one_in(15) && b.min_items == 0 {
        return Value::Unknown;
    }
    let min = usize::try_from(b.min_items).unwrap_or(0);
    let max = usize::try_from(b.max_items)
        .ok()
        .filter(|m| *m > 0)
        .unwrap_or(min + 4)
        .min(min + 4);
    let n = min + rng.below(max - min + 1);
    let items: Vec<Value> = (0..n).map(|_| object_of(&b.block, rng, state)).collect();
    match b.nesting {
        NestingMode::Single | NestingMode::Group => items.into_iter().next().unwrap_or(Value::Null),
        NestingMode::List => Value::List(items),
        NestingMode::Set => Value::Set(items),
        NestingMode::Map => Value::Map(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("k{i}"), v))
                .collect(),
        ),
    }
}

/// Replaces one settable attribute or block somewhere in `v` (descending into
/// an existing block instance at random) with an edge value of its type.
fn mutate(block: &Block, v: &mut Value, rng: &mut Rng) {
    let attributes: Vec<&Attribute> = block
        .attributes
        .iter()
        .filter(|a| a.required || a.optional)
        .collect();
    let choices = attributes.len() + block.blocks.len();
    if choices == 0 {
        return;
    }
    let pick = rng.below(choices);
    if let Some(a) = attributes.get(pick) {
        v.set(&a.name, attribute_value(a, rng));
        return;
    }
    let b = &block.blocks[pick - attributes.len()];
    let descend = !rng.one_in(3);
    match v.get_mut(&b.type_name) {
        Some(Value::List(items) | Value::Set(items)) if descend && !items.is_empty() => {
            let i = rng.below(items.len());
            mutate(&b.block, &mut items[i], rng);
        }
        _ => v.set(&b.type_name, nested(b, rng, false)),
    }
}

/// The valid configuration a resource's own tests start from.
fn valid_config(type_name: &str) -> Option<Value> {
    match type_name {
        "platform_livekit_cluster" => Some(super::livekit_cluster::tests::valid_config()),
        "platform_blue_green_service" => Some(super::blue_green_service::tests::valid_config()),
        "platform_budget_guard" => Some(super::budget_guard::tests::valid_config()),
        _ => None,
    }
}

/// Runs `work` on its own task so a panic is caught and reported with the input.
async fn no_panic(what: String, work: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Err(e) = tokio::spawn(work).await {
        assert!(!e.is_panic(), "{what} panicked");
    }
}

#[tokio::test]
async fn resources_and_data_sources_never_panic_on_edge_input() {
    let h = Harness::configured(&[
        ("project", Value::from("platform-local")),
        ("region", Value::from("us-central1")),
    ])
    .await;
    for resource in h.provider.resources() {
        let block = resource.schema().block;
        let valid = valid_config(resource.type_name());
        let Some(base) = &valid else {
            panic!("{}: add its valid_config", resource.type_name());
        };
        // The mutation rounds start from a configuration that plans cleanly.
        let planned = resource
            .plan(
                &ctx(),
                PlanRequest {
                    prior_state: Value::Null,
                    proposed_new_state: base.clone(),
                    config: base.clone(),
                    prior_private: Vec::new(),
                },
            )
            .await;
        assert!(
            !planned.diagnostics.has_errors(),
            "{}: {:?}",
            resource.type_name(),
            planned.diagnostics
        );
        for round in 0..ROUNDS {
            let seed = 0x9E37_79B9_7F4A_7C15 ^ (round as u64 + 1);
            let mut rng = Rng(seed);
            let config = match &valid {
                Some(base) if round % 2 == 0 => {
                    let mut config = base.clone();
                    for _ in 0..=rng.below(2) {
                        mutate(&block, &mut config, &mut rng);
                    }
                    config
                }
                _ => object_of(&block, &mut rng, false),
            };
            let prior = if rng.one_in(2) {
                Value::Null
            } else {
                object_of(&block, &mut rng, true)
            };
            let r: Arc<dyn Resource> = resource.clone();
            let what = format!(
                "{} (seed {seed:#x}) with config {config:?}",
                resource.type_name()
            );
            no_panic(what, async move {
                r.validate(&config).await;
                r.plan(
                    &ctx(),
                    PlanRequest {
                        prior_state: prior,
                        proposed_new_state: config.clone(),
                        config,
                        prior_private: Vec::new(),
                    },
                )
                .await;
            })
            .await;
        }
    }
    for data_source in h.provider.data_sources() {
        let block = data_source.schema().block;
        for round in 0..DATA_SOURCE_ROUNDS {
            let seed = 0xD1B5_4A32_D192_ED03 ^ (round as u64 + 1);
            let config = object_of(&block, &mut Rng(seed), false);
            let d = data_source.clone();
            let what = format!(
                "{} (seed {seed:#x}) with config {config:?}",
                data_source.type_name()
            );
            no_panic(what, async move {
                d.validate(&config).await;
                read_with(d.as_ref(), config).await;
            })
            .await;
        }
    }
}
