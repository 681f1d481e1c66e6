//! The schema model: blocks, attributes, nested blocks.
//!
//! Composite resources use nested blocks (not nested attributes) so that
//! Terraform 1.0.x can load them.

use crate::value::{Type, Value};

/// How a description is formatted (tfplugin6 `StringKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StringKind {
    Plain,
    #[default]
    Markdown,
}

/// A resource, data source or provider schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Bumped when the state shape changes; `UpgradeResourceState` receives the old one.
    pub version: i64,
    pub block: Block,
}

#[derive(Debug, Clone, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub description_kind: StringKind,
    pub deprecated: bool,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub description_kind: StringKind,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// Write-only (protocol 6.8, Terraform >= 1.11): never stored in state or plan.
    pub write_only: bool,
    pub deprecated: bool,
    /// Filled in by [`Block::apply_defaults`] when the configuration leaves
    /// the attribute null; set with [`Attribute::default`].
    pub default: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NestingMode {
    Single,
    List,
    Set,
    Map,
    Group,
}

#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: NestingMode,
    pub min_items: i64,
    pub max_items: i64,
}

impl Attribute {
    fn new(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            name: name.to_owned(),
            ty,
            description: description.to_owned(),
            description_kind: StringKind::Markdown,
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: false,
            default: None,
        }
    }

    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            required: true,
            ..Self::new(name, ty, description)
        }
    }

    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            ..Self::new(name, ty, description)
        }
    }

    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            computed: true,
            ..Self::new(name, ty, description)
        }
    }

    /// Optional in config; the provider fills a default or the remote value when unset.
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            computed: true,
            ..Self::new(name, ty, description)
        }
    }

    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    #[must_use]
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    #[must_use]
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// The value the provider plans when the configuration leaves this
    /// optional attribute null. The attribute becomes computed (the provider
    /// sets it) and its description ends with "Defaults to `value`.", so the
    /// default is written exactly once.
    #[must_use]
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        let value = value.into();
        assert!(
            self.optional && !self.required,
            "default on attribute {:?}, which is not optional",
            self.name
        );
        self.computed = true;
        let text = match &value {
            Value::String(s) => s.clone(),
            other => hcl(other),
        };
        if !self.description.is_empty() {
            self.description.push(' ');
        }
        self.description.push_str(&format!("Defaults to `{text}`."));
        self.default = Some(value);
        self
    }
}

/// A value as it would be written in HCL, for descriptions.
fn hcl(v: &Value) -> String {
    let join = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(", ");
    match v {
        Value::Null | Value::Unknown => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            format!("[{}]", join(&mut items.iter().map(hcl)))
        }
        Value::Map(m) | Value::Object(m) => format!(
            "{{ {} }}",
            join(&mut m.iter().map(|(k, v)| format!("{k} = {}", hcl(v))))
        ),
    }
}

impl Block {
    /// The cty object type of values conforming to this block.
    pub fn value_type(&self) -> Type {
        let mut fields = std::collections::BTreeMap::new();
        for a in &self.attributes {
            fields.insert(a.name.clone(), a.ty.clone());
        }
        for b in &self.blocks {
            let inner = b.block.value_type();
            let ty = match b.nesting {
                NestingMode::Single | NestingMode::Group => inner,
                NestingMode::List => Type::List(Box::new(inner)),
                NestingMode::Set => Type::Set(Box::new(inner)),
                NestingMode::Map => Type::Map(Box::new(inner)),
            };
            fields.insert(b.type_name.clone(), ty);
        }
        Type::Object(fields)
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn nested(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.type_name == name)
    }

    /// Sets every null attribute that declares a default, here and in every
    /// nested block present in `v` (absent blocks stay absent: a block
    /// cannot be computed). Unknowns are left alone.
    pub fn apply_defaults(&self, v: &mut Value) {
        self.fill_null(v, &|a| a.default.clone());
    }

    /// Replaces every null attribute for which `fill` gives a value, here and
    /// in every nested block present in `v`.
    pub fn fill_null(&self, v: &mut Value, fill: &dyn Fn(&Attribute) -> Option<Value>) {
        for a in &self.attributes {
            if let Some(slot @ Value::Null) = v.get_mut(&a.name) {
                if let Some(value) = fill(a) {
                    *slot = value;
                }
            }
        }
        for b in &self.blocks {
            match v.get_mut(&b.type_name) {
                Some(Value::List(items) | Value::Set(items)) => {
                    items.iter_mut().for_each(|i| b.block.fill_null(i, fill));
                }
                Some(Value::Map(m)) => m.values_mut().for_each(|i| b.block.fill_null(i, fill)),
                Some(obj @ Value::Object(_)) => b.block.fill_null(obj, fill),
                _ => {}
            }
        }
    }
}

impl Schema {
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}
