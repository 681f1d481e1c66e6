//! Collecting the references (`var.x`, `module.m.out`, `google_x.y`) an expression makes,
//! honouring the names that `for` expressions and templates bind locally.

use std::ops::Range;

use hcl::edit::expr::{Expression, ForExpr, Traversal, TraversalOperator};
use hcl::edit::template::ForTemplateExpr;
use hcl::edit::visit::{self, Visit};
use hcl::edit::Span;

#[derive(Debug, Clone)]
pub struct Reference {
    pub root: String,
    /// Attribute names directly following the root (`var.a.b` → `["a", "b"]`), up to the first
    /// index or splat.
    pub attrs: Vec<String>,
    pub span: Option<Range<usize>>,
}

#[derive(Debug, Default)]
struct Collector {
    bound: Vec<String>,
    found: Vec<Reference>,
}

impl Collector {
    fn record(&mut self, root: &str, attrs: Vec<String>, span: Option<Range<usize>>) {
        if !self.bound.iter().any(|b| b == root) {
            self.found.push(Reference {
                root: root.to_string(),
                attrs,
                span,
            });
        }
    }

    fn scoped(&mut self, names: Vec<String>, f: impl FnOnce(&mut Self)) {
        let depth = self.bound.len();
        self.bound.extend(names);
        f(self);
        self.bound.truncate(depth);
    }
}

impl Visit for Collector {
    fn visit_expr(&mut self, node: &Expression) {
        match node {
            Expression::Variable(v) => self.record(v.as_str(), Vec::new(), v.span()),
            _ => visit::visit_expr(self, node),
        }
    }

    fn visit_traversal(&mut self, node: &Traversal) {
        if let Expression::Variable(root) = &node.expr {
            let attrs = node
                .operators
                .iter()
                .map_while(|op| match op.value() {
                    TraversalOperator::GetAttr(name) => Some(name.as_str().to_string()),
                    _ => None,
                })
                .collect();
            self.record(root.as_str(), attrs, root.span());
        } else {
            self.visit_expr(&node.expr);
        }
        for op in &node.operators {
            self.visit_traversal_operator(op);
        }
    }

    fn visit_for_expr(&mut self, node: &ForExpr) {
        // The collection is evaluated outside the loop's scope.
        self.visit_expr(&node.intro.collection_expr);
        let mut names = vec![node.intro.value_var.as_str().to_string()];
        names.extend(node.intro.key_var.as_ref().map(|k| k.as_str().to_string()));
        self.scoped(names, |c| {
            if let Some(key) = &node.key_expr {
                c.visit_expr(key);
            }
            c.visit_expr(&node.value_expr);
            if let Some(cond) = &node.cond {
                c.visit_expr(&cond.expr);
            }
        });
    }

    fn visit_for_template_expr(&mut self, node: &ForTemplateExpr) {
        self.visit_expr(&node.collection_expr);
        let mut names = vec![node.value_var.as_str().to_string()];
        names.extend(node.key_var.as_ref().map(|k| k.as_str().to_string()));
        self.scoped(names, |c| c.visit_template(&node.template));
    }
}

/// References made by `expr`, ignoring names in `bound` (e.g. a dynamic block's iterator).
pub fn collect(expr: &Expression, bound: &[String]) -> Vec<Reference> {
    let mut collector = Collector {
        bound: bound.to_vec(),
        found: Vec::new(),
    };
    collector.visit_expr(expr);
    collector.found
}
