//! The schema model: blocks, attributes, nested blocks.
//!
//! Composite resources use nested blocks (not nested attributes) so that
//! Terraform 1.0.x can load them.

use crate::value::Type;

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
}

impl Schema {
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}
