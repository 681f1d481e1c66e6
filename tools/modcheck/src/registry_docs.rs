//! Registry documentation generated from the provider's schema, in the layout the Terraform
//! Registry reads (the conventions of hashicorp's tfplugindocs): `docs/index.md`,
//! `docs/resources/<name>.md`, `docs/data-sources/<name>.md`, `docs/actions/<name>.md` and
//! `docs/list-resources/<name>.md` (the `config` block of a `terraform query` list block).
//! The schema's markdown descriptions are the text; examples come from fixed places under
//! `examples/` (`provider/provider.tf`, `resources/<type>/resource.tf` and `import.sh`,
//! `data-sources/<type>/data-source.tf`, `actions/<type>/action.tf`,
//! `list-resources/<type>/list-resource.tfquery.hcl`), which the field check
//! covers like any module, so the docs never show an argument the provider would reject.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use platform_provider::PlatformProvider;
use tfplugin::{Attribute, Block, NestedBlock, NestingMode, Provider, Type};

use crate::error::{Error, Result};

/// The provider's local name: type names are `platform_<name>`.
const PROVIDER_NAME: &str = "platform";
/// Folder of the generated pages, relative to the repository root.
pub const DOCS_DIR: &str = "docs";

/// One generated page: its path relative to the repository root and its text.
#[derive(Debug, PartialEq)]
pub struct Page {
    pub path: PathBuf,
    pub text: String,
}

/// What a page documents, and where its examples live.
#[derive(Clone, Copy)]
enum Kind {
    Resource,
    DataSource,
    Action,
    ListResource,
}

impl Kind {
    fn docs_folder(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
            Kind::Action => "actions",
            Kind::ListResource => "list-resources",
        }
    }

    fn example_file(self) -> &'static str {
        match self {
            Kind::Resource => "resource.tf",
            Kind::DataSource => "data-source.tf",
            Kind::Action => "action.tf",
            Kind::ListResource => "list-resource.tfquery.hcl",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
            Kind::Action => "Action",
            Kind::ListResource => "List Resource",
        }
    }
}

/// Every page the provider's schema calls for, rendered with the examples under `root`.
pub fn pages(root: &Path) -> Result<Vec<Page>> {
    let provider = PlatformProvider::new();
    let mut pages = vec![Page {
        path: Path::new(DOCS_DIR).join("index.md"),
        text: index_page(root, &provider.schema().block)?,
    }];
    let resources = provider
        .resources()
        .iter()
        .map(|r| (Kind::Resource, r.type_name(), r.schema().block))
        .collect::<Vec<_>>();
    let data_sources = provider
        .data_sources()
        .iter()
        .map(|d| (Kind::DataSource, d.type_name(), d.schema().block))
        .collect::<Vec<_>>();
    let actions = provider
        .actions()
        .iter()
        .map(|a| (Kind::Action, a.type_name(), a.schema().block))
        .collect::<Vec<_>>();
    let lists = provider
        .list_resources()
        .iter()
        .map(|l| (Kind::ListResource, l.type_name(), l.config_schema().block))
        .collect::<Vec<_>>();
    for (kind, type_name, block) in resources
        .into_iter()
        .chain(data_sources)
        .chain(actions)
        .chain(lists)
    {
        let short = type_name
            .strip_prefix(&format!("{PROVIDER_NAME}_"))
            .unwrap_or(type_name);
        pages.push(Page {
            path: Path::new(DOCS_DIR)
                .join(kind.docs_folder())
                .join(format!("{short}.md")),
            text: type_page(root, kind, type_name, &block)?,
        });
    }
    Ok(pages)
}

/// Writes the pages (or, with `check`, only compares them) and returns the paths that
/// were or would be changed, including pages left over from a type that no longer exists.
pub fn update(root: &Path, check: bool) -> Result<Vec<PathBuf>> {
    let pages = pages(root)?;
    let mut changed = Vec::new();
    for page in &pages {
        let path = root.join(&page.path);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(page.text.as_str()) {
            continue;
        }
        if !check {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            std::fs::write(&path, &page.text).map_err(|e| Error::io(&path, e))?;
        }
        changed.push(path);
    }
    for folder in ["resources", "data-sources", "actions", "list-resources"] {
        let dir = root.join(DOCS_DIR).join(folder);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&dir, e))?.path();
            let wanted = pages.iter().any(|p| root.join(&p.path) == path);
            if !wanted && path.extension().is_some_and(|e| e == "md") {
                if !check {
                    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                }
                changed.push(path);
            }
        }
    }
    Ok(changed)
}

fn read_example(root: &Path, rel: &Path) -> Result<Option<String>> {
    let path = root.join(rel);
    if !path.is_file() {
        return Ok(None);
    }
    std::fs::read_to_string(&path)
        .map(Some)
        .map_err(|e| Error::io(&path, e))
}

fn required_example(root: &Path, rel: &Path) -> Result<String> {
    read_example(root, rel)?.ok_or_else(|| Error::MissingExample {
        path: root.join(rel),
    })
}

/// YAML front matter the registry reads; the description is the first paragraph.
fn front_matter(out: &mut String, title: &str, description: &str) {
    let summary = description.split("\n\n").next().unwrap_or_default();
    let _ = writeln!(
        out,
        "---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-"
    );
    for line in summary.lines() {
        let _ = writeln!(out, "  {line}");
    }
    out.push_str("---\n\n");
}

fn code_block(out: &mut String, language: &str, text: &str) {
    let _ = write!(out, "```{language}\n{}\n```\n", text.trim_end());
}

fn index_page(root: &Path, block: &Block) -> Result<String> {
    let example = required_example(root, &Path::new("examples/provider").join("provider.tf"))?;
    let mut out = String::new();
    front_matter(
        &mut out,
        &format!("{PROVIDER_NAME} Provider"),
        &block.description,
    );
    let _ = write!(
        out,
        "# {PROVIDER_NAME} Provider\n\n{}\n\n## Example Usage\n\n",
        block.description
    );
    code_block(&mut out, "terraform", &example);
    out.push_str("\n## Schema\n");
    render_block(&mut out, block, &[]);
    Ok(out)
}

fn type_page(root: &Path, kind: Kind, type_name: &str, block: &Block) -> Result<String> {
    let examples = Path::new("examples")
        .join(kind.docs_folder())
        .join(type_name);
    let example = required_example(root, &examples.join(kind.example_file()))?;
    let mut out = String::new();
    front_matter(
        &mut out,
        &format!(
            "{type_name} {} - terraform-provider-{PROVIDER_NAME}",
            kind.title()
        ),
        &block.description,
    );
    let _ = write!(
        out,
        "# {type_name} ({})\n\n{}\n\n## Example Usage\n\n",
        kind.title(),
        block.description
    );
    code_block(&mut out, "terraform", &example);
    if let Kind::ListResource = kind {
        out.push_str("\nIn Terraform v1.14.0 and later, `terraform query` runs the `list` blocks of `.tfquery.hcl` files; each result carries the object's identity, and with `include_resource = true` the whole object, so `terraform query -generate-config-out=FILE` writes a `resource` block and an `import { identity = ... }` block for each.\n\n## Schema of `config`\n");
    } else {
        out.push_str("\n## Schema\n");
    }
    render_block(&mut out, block, &[]);
    if let Some(import) = read_example(root, &examples.join("import.sh"))? {
        out.push_str("\n## Import\n\nImport is supported using the following syntax:\n\n");
        code_block(&mut out, "shell", &import);
    }
    if let Some(by_identity) = read_example(root, &examples.join("import-by-identity.tf"))? {
        out.push_str("\nIn Terraform v1.12.0 and later, an `import` block can name the object by its identity instead of its ID:\n\n");
        code_block(&mut out, "terraform", &by_identity);
    }
    if let Some(moved) = read_example(root, &examples.join("moved.tf"))? {
        out.push_str("\n## Moving from hashicorp/google\n\nIn Terraform v1.8.0 and later, a resource managed with hashicorp/google can be handed to this type with a `moved` block: nothing is replaced or recreated. The refresh that follows the move reads the object as an import would.\n\n");
        code_block(&mut out, "terraform", &moved);
    }
    Ok(out)
}

fn anchor(prefix: &str, path: &[&str]) -> String {
    format!("{prefix}--{}", path.join("--"))
}

fn type_text(ty: &Type) -> String {
    match ty {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(t) => format!("List of {}", type_text(t)),
        Type::Set(t) => format!("Set of {}", type_text(t)),
        Type::Map(t) => format!("Map of {}", type_text(t)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

/// The object type inside an attribute's type, if any: its fields get a nested section.
fn object_fields(ty: &Type) -> Option<&BTreeMap<String, Type>> {
    match ty {
        Type::Object(fields) => Some(fields),
        Type::List(t) | Type::Set(t) | Type::Map(t) => object_fields(t),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

fn attribute_group(a: &Attribute) -> Group {
    if a.required {
        Group::Required
    } else if a.optional {
        Group::Optional
    } else {
        Group::ReadOnly
    }
}

/// A section per group, then one nested section per block or object attribute.
fn render_block(out: &mut String, block: &Block, path: &[&str]) {
    let mut nested: Vec<(String, Vec<&str>, Section<'_>)> = Vec::new();
    for (group, heading) in [
        (Group::Required, "Required"),
        (Group::Optional, "Optional"),
        (Group::ReadOnly, "Read-Only"),
    ] {
        let mut lines: Vec<(&str, String)> = Vec::new();
        for a in block
            .attributes
            .iter()
            .filter(|a| attribute_group(a) == group)
        {
            let mut line = attribute_line(a);
            if let Some(fields) = object_fields(&a.ty) {
                let p = [path, &[a.name.as_str()]].concat();
                let id = anchor("nestedatt", &p);
                let _ = write!(line, " (see [below for nested schema](#{id}))");
                nested.push((id, p, Section::Object(fields)));
            }
            lines.push((&a.name, line));
        }
        for b in block.blocks.iter().filter(|b| block_group(b) == group) {
            let p = [path, &[b.type_name.as_str()]].concat();
            let id = anchor("nestedblock", &p);
            let line = format!("{} (see [below for nested schema](#{id}))", block_line(b));
            nested.push((id, p, Section::Block(&b.block)));
            lines.push((&b.type_name, line));
        }
        if lines.is_empty() {
            continue;
        }
        lines.sort();
        // Top-level groups are headings; nested sections use plain labels, as on the registry.
        if path.is_empty() {
            let _ = writeln!(out, "\n### {heading}\n");
        } else {
            let _ = writeln!(out, "\n{heading}:\n");
        }
        for (_, line) in lines {
            let _ = writeln!(out, "{line}");
        }
    }
    for (id, p, section) in nested {
        section_header(out, &id, &p);
        match section {
            Section::Block(b) => render_block(out, b, &p),
            Section::Object(fields) => render_object(out, &id, &p, fields),
        }
    }
}

/// An object attribute's fields (all read back as a whole, so no groups), then the
/// sections of fields that are objects themselves.
fn render_object(out: &mut String, id: &str, path: &[&str], fields: &BTreeMap<String, Type>) {
    out.push_str("\nRead-Only:\n\n");
    let mut nested = Vec::new();
    for (name, ty) in fields {
        let mut line = format!("- `{name}` ({})", type_text(ty));
        if let Some(inner) = object_fields(ty) {
            let inner_id = format!("{id}--{name}");
            let _ = write!(line, " (see [below for nested schema](#{inner_id}))");
            nested.push((inner_id, [path, &[name.as_str()]].concat(), inner));
        }
        let _ = writeln!(out, "{line}");
    }
    for (inner_id, p, inner) in nested {
        section_header(out, &inner_id, &p);
        render_object(out, &inner_id, &p, inner);
    }
}

/// The anchored heading the parent's "see below" link points at.
fn section_header(out: &mut String, id: &str, path: &[&str]) {
    let _ = write!(
        out,
        "\n<a id=\"{id}\"></a>\n### Nested Schema for `{}`\n",
        path.join(".")
    );
}

/// What a nested section documents.
enum Section<'a> {
    Block(&'a Block),
    Object(&'a BTreeMap<String, Type>),
}

fn block_group(b: &NestedBlock) -> Group {
    if b.min_items > 0 {
        Group::Required
    } else {
        Group::Optional
    }
}

fn attribute_line(a: &Attribute) -> String {
    let mut flags = vec![type_text(&a.ty)];
    if a.sensitive {
        flags.push("Sensitive".into());
    }
    if a.write_only {
        flags.push("Write-only".into());
    }
    if a.deprecated {
        flags.push("Deprecated".into());
    }
    let description = if a.deprecated {
        format!("**Deprecated** {}", a.description)
    } else {
        a.description.clone()
    };
    format!("- `{}` ({}) {}", a.name, flags.join(", "), description)
        .trim_end()
        .to_owned()
}

fn block_line(b: &NestedBlock) -> String {
    let kind = match b.nesting {
        NestingMode::Single | NestingMode::Group => "Block",
        NestingMode::List => "Block List",
        NestingMode::Set => "Block Set",
        NestingMode::Map => "Block Map",
    };
    let mut flags = vec![kind.to_owned()];
    if b.min_items > 0 {
        flags.push(format!("Min: {}", b.min_items));
    }
    if b.max_items > 0 {
        flags.push(format!("Max: {}", b.max_items));
    }
    format!(
        "- `{}` ({}) {}",
        b.type_name,
        flags.join(", "),
        b.block.description
    )
    .trim_end()
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::StringKind;

    fn block(attributes: Vec<Attribute>, blocks: Vec<NestedBlock>, description: &str) -> Block {
        Block {
            attributes,
            blocks,
            description: description.to_owned(),
            description_kind: StringKind::Markdown,
            deprecated: false,
        }
    }

    fn rendered() -> String {
        let step = Type::Object(BTreeMap::from([("percent".to_owned(), Type::Number)]));
        let record = Type::Object(BTreeMap::from([(
            "steps".to_owned(),
            Type::List(Box::new(step)),
        )]));
        let inner = block(
            vec![Attribute::required("image", Type::String, "Image.")],
            vec![],
            "",
        );
        let root = block(
            vec![
                Attribute::required("name", Type::String, "Name."),
                Attribute::optional("token", Type::String, "Token.").sensitive(),
                Attribute::computed("record", record, "Record."),
                Attribute::optional("old", Type::Bool, "Old.").deprecated(),
            ],
            vec![NestedBlock {
                type_name: "template".to_owned(),
                block: inner,
                nesting: NestingMode::List,
                min_items: 1,
                max_items: 1,
            }],
            "",
        );
        let mut out = String::new();
        render_block(&mut out, &root, &[]);
        out
    }

    #[test]
    fn groups_attributes_and_blocks_by_what_the_user_must_write() {
        let out = rendered();
        let required = out.find("### Required").unwrap();
        let optional = out.find("### Optional").unwrap();
        let read_only = out.find("### Read-Only").unwrap();
        assert!(required < optional && optional < read_only, "{out}");
        let name = out.find("- `name` (String) Name.").unwrap();
        let template = out
            .find("- `template` (Block List, Min: 1, Max: 1) (see [below for nested schema](#nestedblock--template))")
            .unwrap();
        assert!(
            required < name && name < template && template < optional,
            "{out}"
        );
        assert!(
            out.contains("- `token` (String, Sensitive) Token."),
            "{out}"
        );
        assert!(
            out.contains("- `old` (Boolean, Deprecated) **Deprecated** Old."),
            "{out}"
        );
    }

    #[test]
    fn nested_blocks_and_objects_get_anchored_sections() {
        let out = rendered();
        assert!(
            out.contains("<a id=\"nestedblock--template\"></a>\n### Nested Schema for `template`\n\nRequired:\n\n- `image` (String) Image."),
            "{out}"
        );
        assert!(
            out.contains("- `steps` (List of Object) (see [below for nested schema](#nestedatt--record--steps))"),
            "{out}"
        );
        assert!(
            out.contains("<a id=\"nestedatt--record--steps\"></a>\n### Nested Schema for `record.steps`\n\nRead-Only:\n\n- `percent` (Number)"),
            "{out}"
        );
    }

    #[test]
    fn front_matter_quotes_the_first_paragraph_only() {
        let mut out = String::new();
        front_matter(&mut out, "t", "First line\nsecond line.\n\nDetails.");
        assert_eq!(
            out,
            "---\npage_title: \"t\"\nsubcategory: \"\"\ndescription: |-\n  First line\n  second line.\n---\n\n"
        );
    }
}
