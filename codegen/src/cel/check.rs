//! The type check and cost estimate of a rule, on the `cel` crate's AST, against the schema
//! the rule sits on: what apiextensions gets from cel-go's checker and `checker.Cost`.
//!
//! The check finds what kube-apiserver's would refuse in the rules CRDs carry: an undeclared
//! variable or function, a field the schema does not declare (`undefined field 'x'`), an
//! operator applied to types it has no overload for (`found no matching overload for '_==_'
//! applied to '(int, string)'`), a rule that is not a bool. Values of unknown type (`dyn`,
//! preserve-unknown-fields, results of functions it does not model) pass.
//!
//! The estimate follows cel-go's model: one unit per variable, selection and call, a tenth of
//! a unit per character a string function traverses, and a comprehension costs its range's
//! size times its body. Sizes come from the schema's `maxLength`, `maxItems` and
//! `maxProperties`, or, without them, from the largest request (3 MiB), as kube-apiserver
//! estimates them. [`runtime_cost`] runs the same estimate with the sizes of the actual values,
//! which is what a validation charges to its budget.

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use serde_json::Value as Json;

use super::MAX_REQUEST_BYTES;

/// A type as the checker knows it.
#[derive(Debug, Clone)]
pub enum Ty<'a> {
    /// Anything: not checked.
    Dyn,
    /// `null`.
    Null,
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `uint`.
    Uint,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// A list of the type.
    List(Box<Ty<'a>>),
    /// A map from strings to the type.
    Map(Box<Ty<'a>>),
    /// A value of a schema node, with the actual values it may be (for the runtime estimate).
    Schema(&'a Json, Actual<'a>),
    /// A value of a Kubernetes library type (`kubernetes.Quantity`, `net.IP`...).
    Opaque(&'static str),
    /// An optional of the type.
    Optional(Box<Ty<'a>>),
}

/// The actual values a schema-typed expression may be: none known when estimating statically.
#[derive(Debug, Clone)]
pub enum Actual<'a> {
    /// Estimating from the schema.
    Static,
    /// One of these values (no value: the field is absent).
    Values(Vec<&'a Json>),
}

impl<'a> Ty<'a> {
    /// Resolves a schema node into the type it gives a rule.
    fn resolve(&self) -> Ty<'a> {
        let Ty::Schema(schema, actual) = self else {
            return self.clone();
        };
        if schema.get("x-kubernetes-int-or-string") == Some(&Json::Bool(true)) {
            return Ty::Dyn;
        }
        match schema.get("type").and_then(Json::as_str) {
            Some("string") => Ty::String,
            Some("integer") => Ty::Int,
            Some("number") => Ty::Double,
            Some("boolean") => Ty::Bool,
            Some("array") => match schema.get("items") {
                Some(items) => Ty::List(Box::new(Ty::Schema(items, actual.items()))),
                None => Ty::List(Box::new(Ty::Dyn)),
            },
            Some("object") => {
                if let Some(additional) =
                    schema.get("additionalProperties").filter(|a| a.is_object())
                {
                    Ty::Map(Box::new(Ty::Schema(additional, actual.values())))
                } else if schema.get("properties").is_some()
                    || schema.get("x-kubernetes-embedded-resource") == Some(&Json::Bool(true))
                {
                    self.clone()
                } else {
                    Ty::Map(Box::new(Ty::Dyn))
                }
            }
            _ => Ty::Dyn,
        }
    }

    /// The name cel-go gives the type in messages.
    fn name(&self) -> String {
        match self.resolve() {
            Ty::Dyn => "dyn".into(),
            Ty::Null => "null_type".into(),
            Ty::Bool => "bool".into(),
            Ty::Int => "int".into(),
            Ty::Uint => "uint".into(),
            Ty::Double => "double".into(),
            Ty::String => "string".into(),
            Ty::Bytes => "bytes".into(),
            Ty::List(item) => format!("list({})", item.name()),
            Ty::Map(value) => format!("map(string, {})", value.name()),
            Ty::Schema(..) => "object".into(),
            Ty::Opaque(name) => name.into(),
            Ty::Optional(inner) => format!("optional_type({})", inner.name()),
        }
    }

    /// Whether a value of this type may be a bool.
    pub fn maybe_bool(&self) -> bool {
        matches!(self.resolve(), Ty::Bool | Ty::Dyn)
    }

    /// Whether a value of this type may be a string.
    pub fn maybe_string(&self) -> bool {
        matches!(self.resolve(), Ty::String | Ty::Dyn)
    }

    /// The scalar kind for operator checks: `None` for what is not a plain scalar.
    fn scalar(&self) -> Option<&'static str> {
        match self.resolve() {
            Ty::Bool => Some("bool"),
            Ty::Int => Some("int"),
            Ty::Uint => Some("uint"),
            Ty::Double => Some("double"),
            Ty::String => Some("string"),
            Ty::Bytes => Some("bytes"),
            _ => None,
        }
    }
}

impl<'a> Actual<'a> {
    fn items(&self) -> Actual<'a> {
        self.flat_map(|v| v.as_array().map(|a| a.iter().collect()).unwrap_or_default())
    }

    fn values(&self) -> Actual<'a> {
        self.flat_map(|v| {
            v.as_object()
                .map(|m| m.values().collect())
                .unwrap_or_default()
        })
    }

    fn field(&self, name: &str) -> Actual<'a> {
        self.flat_map(|v| v.get(name).into_iter().collect())
    }

    fn flat_map(&self, f: impl Fn(&'a Json) -> Vec<&'a Json>) -> Actual<'a> {
        match self {
            Actual::Static => Actual::Static,
            Actual::Values(values) => Actual::Values(values.iter().flat_map(|v| f(v)).collect()),
        }
    }
}

/// A checked expression: its type, its cost and the largest size of its value.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    /// The type.
    pub ty: Ty<'a>,
    /// The estimated cost of evaluating it, at most.
    pub cost: u64,
    /// The largest length of the string, or count of the list or map, it gives.
    pub size: u64,
}

/// The estimated cost of one evaluation of a checked expression.
pub fn check<'a>(
    expr: &IdedExpr,
    schema: &'a Json,
    transition: bool,
    optional_old_self: bool,
) -> Result<Checked<'a>, String> {
    let this = Ty::Schema(schema, Actual::Static);
    let size = static_size(schema);
    let mut scope = vec![("self".to_string(), this.clone(), size)];
    if transition {
        let old = if optional_old_self {
            Ty::Optional(Box::new(this))
        } else {
            this
        };
        scope.push(("oldSelf".to_string(), old, size));
    }
    Checker { scope }.walk(expr)
}

/// The cost of one evaluation of a rule with the sizes of `value` (and `old`): what a
/// validation charges to its budget. Without checks: the rule compiled.
pub fn runtime_cost(expr: &IdedExpr, schema: &Json, value: &Json, old: Option<&Json>) -> u64 {
    let this = Ty::Schema(schema, Actual::Values(vec![value]));
    let mut scope = vec![("self".to_string(), this, actual_size(value))];
    if let Some(old) = old {
        let ty = Ty::Schema(schema, Actual::Values(vec![old]));
        scope.push(("oldSelf".to_string(), ty, actual_size(old)));
    } else {
        scope.push(("oldSelf".to_string(), Ty::Dyn, 0));
    }
    Checker { scope }
        .walk(expr)
        .map(|c| c.cost)
        .unwrap_or(u64::MAX)
}

/// Whether `expr` reads the variable `name`.
pub fn references(expr: &IdedExpr, name: &str) -> bool {
    match &expr.expr {
        Expr::Ident(id) => id == name,
        Expr::Call(call) => {
            call.target.as_deref().is_some_and(|t| references(t, name))
                || call.args.iter().any(|a| references(a, name))
        }
        Expr::Select(select) => references(&select.operand, name),
        Expr::List(list) => list.elements.iter().any(|e| references(e, name)),
        Expr::Map(map) => map.entries.iter().any(|e| match &e.expr {
            EntryExpr::MapEntry(entry) => {
                references(&entry.key, name) || references(&entry.value, name)
            }
            EntryExpr::StructField(field) => references(&field.value, name),
        }),
        Expr::Struct(s) => s.entries.iter().any(|e| match &e.expr {
            EntryExpr::MapEntry(entry) => {
                references(&entry.key, name) || references(&entry.value, name)
            }
            EntryExpr::StructField(field) => references(&field.value, name),
        }),
        Expr::Comprehension(c) => {
            references(&c.iter_range, name)
                || references(&c.accu_init, name)
                || references(&c.loop_cond, name)
                || references(&c.loop_step, name)
                || references(&c.result, name)
        }
        Expr::Literal(_) | Expr::Unspecified => false,
    }
}

/// The largest size a value of `schema` may have: its bound, or what fits in a request.
pub fn static_size(schema: &Json) -> u64 {
    let bound = |key: &str| schema.get(key).and_then(Json::as_u64);
    match schema.get("type").and_then(Json::as_str) {
        Some("string") => bound("maxLength").unwrap_or(MAX_REQUEST_BYTES - 2),
        Some("array") => bound("maxItems").unwrap_or_else(|| {
            let item = schema.get("items").map_or(1, min_serialized_size);
            (MAX_REQUEST_BYTES - 2) / (item + 1)
        }),
        // An object of named properties (kube-apiserver's object type, not a map) holds at
        // most those.
        Some("object")
            if !schema
                .get("additionalProperties")
                .is_some_and(Json::is_object) =>
        {
            schema
                .get("properties")
                .and_then(Json::as_object)
                .map_or(0, |p| p.len() as u64)
        }
        Some("object") => bound("maxProperties").unwrap_or_else(|| {
            let value = schema
                .get("additionalProperties")
                .map_or(1, min_serialized_size);
            // `"":` and a comma around each value.
            (MAX_REQUEST_BYTES - 2) / (value + 4)
        }),
        _ => MAX_REQUEST_BYTES,
    }
}

/// The fewest bytes a value of `schema` takes in JSON, as kube-apiserver counts them: an
/// object holds at least its required properties that have no default (the request must send
/// them), each with its quoted name, a colon and a comma.
pub(super) fn min_serialized_size(schema: &Json) -> u64 {
    match schema.get("type").and_then(Json::as_str) {
        Some("string") => 2 + schema.get("minLength").and_then(Json::as_u64).unwrap_or(0),
        Some("boolean") => 4,
        Some("object") => {
            let properties = schema.get("properties");
            let required = schema
                .get("required")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str);
            2 + required
                .filter_map(|name| {
                    let property = properties?.get(name)?;
                    let sent = property.get("default").is_none();
                    sent.then(|| name.len() as u64 + min_serialized_size(property) + 4)
                })
                .sum::<u64>()
        }
        Some("array") => 2,
        _ => 1,
    }
}

/// The size of an actual value: characters, items or properties.
fn actual_size(value: &Json) -> u64 {
    match value {
        Json::String(s) => s.chars().count() as u64,
        Json::Array(a) => a.len() as u64,
        Json::Object(m) => m.len() as u64,
        _ => 1,
    }
}

/// The size of an expression of type `ty` with a known `fallback`.
fn size_of(ty: &Ty, fallback: u64) -> u64 {
    match ty {
        Ty::Schema(schema, Actual::Static) => static_size(schema),
        Ty::Schema(_, Actual::Values(values)) => {
            values.iter().map(|v| actual_size(v)).max().unwrap_or(0)
        }
        _ => fallback,
    }
}

/// A tenth of `n`, rounded up: cel-go's cost of traversing `n` characters.
fn traverse(n: u64) -> u64 {
    n.div_ceil(10)
}

struct Checker<'a> {
    scope: Vec<(String, Ty<'a>, u64)>,
}

impl<'a> Checker<'a> {
    fn walk(&mut self, expr: &IdedExpr) -> Result<Checked<'a>, String> {
        match &expr.expr {
            Expr::Literal(literal) => Ok(match literal {
                LiteralValue::Boolean(_) => leaf(Ty::Bool, 1),
                LiteralValue::Int(_) => leaf(Ty::Int, 1),
                LiteralValue::UInt(_) => leaf(Ty::Uint, 1),
                LiteralValue::Double(_) => leaf(Ty::Double, 1),
                LiteralValue::Null => leaf(Ty::Null, 1),
                LiteralValue::String(s) => leaf(Ty::String, s.inner().chars().count() as u64),
                LiteralValue::Bytes(b) => leaf(Ty::Bytes, b.inner().len() as u64),
            })
            .map(|mut c| {
                c.cost = 0;
                c
            }),
            Expr::Ident(name) => match self.scope.iter().rev().find(|(n, _, _)| n == name) {
                Some((_, ty, size)) => Ok(Checked {
                    ty: ty.clone(),
                    cost: 1,
                    size: size_of(ty, *size),
                }),
                None if is_type_name(name) => Ok(leaf(Ty::Dyn, 1)),
                None => Err(format!(
                    "undeclared reference to '{name}' (in container '')"
                )),
            },
            Expr::Select(select) => {
                let operand = self.walk(&select.operand)?;
                let field = select.field.as_str();
                let ty = match operand.ty.resolve() {
                    Ty::Schema(schema, actual) => match schema_field(schema, field) {
                        Some((sub, raw)) => Ty::Schema(sub, actual.field(raw)),
                        None => return Err(format!("undefined field '{field}'")),
                    },
                    Ty::Map(value) => *value,
                    Ty::Dyn => Ty::Dyn,
                    other => {
                        return Err(format!(
                            "type '{}' does not support field selection",
                            other.name()
                        ))
                    }
                };
                if select.test {
                    // A presence test costs its operand only: kube-apiserver estimates with
                    // cel-go's `PresenceTestHasCost(false)`.
                    return Ok(Checked {
                        ty: Ty::Bool,
                        cost: operand.cost,
                        size: 1,
                    });
                }
                let size = size_of(&ty, MAX_REQUEST_BYTES);
                Ok(Checked {
                    ty,
                    cost: operand.cost + 1,
                    size,
                })
            }
            Expr::List(list) => {
                let mut cost = 10;
                let mut item = None;
                for element in &list.elements {
                    let c = self.walk(element)?;
                    cost += c.cost;
                    item.get_or_insert(c.ty);
                }
                Ok(Checked {
                    ty: Ty::List(Box::new(item.unwrap_or(Ty::Dyn))),
                    cost,
                    size: list.elements.len() as u64,
                })
            }
            Expr::Map(map) => {
                let mut cost = 30;
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        cost += self.walk(&e.key)?.cost + self.walk(&e.value)?.cost;
                    }
                }
                Ok(Checked {
                    ty: Ty::Map(Box::new(Ty::Dyn)),
                    cost,
                    size: map.entries.len() as u64,
                })
            }
            Expr::Struct(_) => Err("struct literals are not supported".into()),
            Expr::Comprehension(c) => {
                let range = self.walk(&c.iter_range)?;
                let (item_ty, key_ty) = match range.ty.resolve() {
                    Ty::List(item) => (*item, Ty::Int),
                    Ty::Map(_) => (Ty::String, Ty::String),
                    Ty::Schema(..) => (Ty::String, Ty::String),
                    Ty::Dyn => (Ty::Dyn, Ty::Dyn),
                    other => {
                        return Err(format!(
                            "expression of type '{}' cannot be the range of a comprehension (must be list, map, or dynamic)",
                            other.name()
                        ))
                    }
                };
                let n = range.size;
                // A map's keys are kube-apiserver's declared `string` type, which has no
                // maximum size (unlike a string property): estimated as empty.
                let item_size = match range.ty.resolve() {
                    Ty::Map(_) | Ty::Schema(..) => 0,
                    _ => size_of(&item_ty, MAX_REQUEST_BYTES),
                };
                let init = self.walk(&c.accu_init)?;
                let depth = self.scope.len();
                match &c.iter_var2 {
                    Some(second) => {
                        self.scope.push((c.iter_var.clone(), key_ty, item_size));
                        self.scope.push((second.clone(), item_ty, item_size));
                    }
                    None => self.scope.push((c.iter_var.clone(), item_ty, item_size)),
                }
                self.scope.push((c.accu_var.clone(), init.ty.clone(), n));
                let cond = self.walk(&c.loop_cond);
                let step = self.walk(&c.loop_step);
                let step_ty = step.as_ref().map(|s| s.ty.clone()).unwrap_or(Ty::Dyn);
                if let Some(accu) = self.scope.last_mut() {
                    accu.1 = step_ty;
                }
                let result = self.walk(&c.result);
                self.scope.truncate(depth);
                let (cond, step, result) = (cond?, step?, result?);
                let cost = range
                    .cost
                    .saturating_add(init.cost)
                    .saturating_add(n.saturating_mul(cond.cost.saturating_add(step.cost)))
                    .saturating_add(result.cost);
                Ok(Checked {
                    ty: result.ty,
                    cost,
                    size: n,
                })
            }
            Expr::Call(call) => {
                // `ip.isCanonical(s)`, `format.dns1123Label()`: a namespaced function, when
                // the namespace is no variable.
                let namespaced = match call.target.as_deref().map(|t| &t.expr) {
                    Some(Expr::Ident(ns)) if !self.scope.iter().any(|(n, _, _)| n == ns) => {
                        Some(format!("{ns}.{}", call.func_name))
                    }
                    _ => None,
                };
                let target = match (&call.target, &namespaced) {
                    (Some(t), None) => Some(self.walk(t)?),
                    _ => None,
                };
                let name = namespaced.as_deref().unwrap_or(&call.func_name);
                let mut args = Vec::with_capacity(call.args.len());
                for a in &call.args {
                    args.push(self.walk(a)?);
                }
                let inner: u64 = match (name, args.as_slice()) {
                    // A conditional runs its condition and one branch (cel-go's estimate).
                    ("_?_:_", [cond, yes, no]) => cond.cost.saturating_add(yes.cost.max(no.cost)),
                    _ => target
                        .iter()
                        .chain(&args)
                        .fold(0u64, |acc, c| acc.saturating_add(c.cost)),
                };
                let (ty, own, size) = super::library::signature(name, target.as_ref(), &args)?;
                Ok(Checked {
                    ty,
                    cost: inner.saturating_add(own),
                    size,
                })
            }
            Expr::Unspecified => Ok(leaf(Ty::Dyn, 0)),
        }
    }
}

fn leaf<'a>(ty: Ty<'a>, size: u64) -> Checked<'a> {
    Checked { ty, cost: 1, size }
}

fn is_type_name(name: &str) -> bool {
    matches!(
        name,
        "int"
            | "uint"
            | "double"
            | "string"
            | "bool"
            | "bytes"
            | "list"
            | "map"
            | "null_type"
            | "type"
            | "dyn"
    )
}

/// The property of `schema` a rule names `field` (escaped), and its name in objects.
fn schema_field<'a>(schema: &'a Json, field: &str) -> Option<(&'a Json, &'a str)> {
    if let Some(properties) = schema.get("properties").and_then(Json::as_object) {
        if let Some((name, sub)) = properties.get_key_value(field) {
            if matches!(super::escape(name), Some(std::borrow::Cow::Borrowed(_))) {
                return Some((sub, name));
            }
        }
        if field.contains("__") {
            for (name, sub) in properties {
                if super::escape(name).as_deref() == Some(field) {
                    return Some((sub, name));
                }
            }
        }
    }
    if schema.get("x-kubernetes-embedded-resource") == Some(&Json::Bool(true)) {
        static STRING: Json = Json::Null;
        return match field {
            "apiVersion" => Some((&STRING, "apiVersion")),
            "kind" => Some((&STRING, "kind")),
            "metadata" => Some((&STRING, "metadata")),
            _ => None,
        };
    }
    None
}

/// The operator check: a binary operator on two known, different scalars has no overload
/// (but `int`, `uint` and `double` compare with each other, as in cel-go's heterogeneous
/// equality).
pub(super) fn operands(op: &str, left: &Checked, right: &Checked) -> Result<(), String> {
    if let (Some(l), Some(r)) = (left.ty.scalar(), right.ty.scalar()) {
        let numeric = |t: &str| matches!(t, "int" | "uint" | "double");
        let comparison = matches!(op, "_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_");
        if l != r && !(comparison && numeric(l) && numeric(r)) {
            return Err(format!(
                "found no matching overload for '{op}' applied to '({l}, {r})'"
            ));
        }
    }
    Ok(())
}

/// The name of a checked value's type, for messages.
pub(super) fn type_name(c: &Checked) -> String {
    c.ty.name()
}

/// The resolved type of a checked value.
pub(super) fn resolved<'a>(c: &Checked<'a>) -> Ty<'a> {
    c.ty.resolve()
}

/// The size of the value of `ty`, or `fallback`.
pub(super) fn size(c: &Checked) -> u64 {
    c.size
}

/// A tenth of `n`, rounded up.
pub(super) fn tenth(n: u64) -> u64 {
    traverse(n)
}
