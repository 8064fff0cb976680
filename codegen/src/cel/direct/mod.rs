//! A direct evaluator for the rules most CRDs carry, on the JSON object itself.
//!
//! The `cel` crate's interpreter needs `self` converted into its values and resolves every
//! name and function at each step: about 7 µs per evaluation of a rule like
//! `!(has(self.cors) && self.type != 'CORS')`. Most rules of real CRDs use a small part of
//! CEL: field selection and `has`, comparisons, `&&`/`||`/`!`/`?:`, `in`, `size`, the string
//! tests, `matches` with a literal pattern, `duration` and the
//! `all`/`exists`/`exists_one`/`filter` macros (`filter` under `size`). [`Direct`] compiles
//! such a rule once, for the schema it sits on, into a tree of nodes that read the object where
//! it lies: how each field binds (as [`super::to_val`] binds it) is decided at compile time, so
//! an evaluation looks up nothing in the schema. The tree is then lowered into closures
//! (`run.rs`), which is what runs.
//!
//! It decides only what it is sure of: a rule it cannot compile has no [`Direct`], and an
//! evaluation that meets anything else (an error, a number the schema calls `number`, values
//! of two types compared, a map's size, `metadata` of the root or of an embedded resource) is
//! [`Unsure`], and the interpreter evaluates the rule instead. So the interpreter stays the
//! one definition of every result; this is only a faster way to reach the same one.

use std::sync::Arc;

use cel::common::ast::{operators, CallExpr, ComprehensionExpr, Expr, IdedExpr, LiteralValue};
use serde_json::Value as Json;

use super::RESERVED;

mod run;

pub use run::Shared;

/// A rule compiled for the direct evaluator: its tree of nodes, and the tree lowered into
/// closures (see `run.rs`), which is what runs.
pub struct Direct {
    root: Node,
    /// The fields read from the comprehensions' variables.
    vars: run::Names,
    run: run::Lowered,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct").field("root", &self.root).finish()
    }
}

/// The direct evaluator cannot decide: the interpreter must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsure;

/// How a value of the object binds: the schema's `number`s are doubles, which the direct
/// evaluator leaves to the interpreter.
#[derive(Debug, Clone, Copy)]
struct Bind {
    number: bool,
}

impl Bind {
    fn of(schema: &Json) -> Bind {
        Bind {
            number: schema.get("type").and_then(Json::as_str) == Some("number"),
        }
    }
}

/// Where a selected field comes from, decided from the schema at compile time.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// Bound when present.
    Bound(Bind),
    /// Never bound: the schema neither declares it nor allows other fields.
    Dropped,
}

impl Field {
    fn is_bound(self) -> bool {
        matches!(self, Field::Bound(_))
    }

    fn how(self) -> Bind {
        match self {
            Field::Bound(how) => how,
            Field::Dropped => Bind { number: false },
        }
    }
}

#[derive(Debug)]
enum Node {
    /// `self`.
    This(Bind),
    /// A comprehension's variable: how many comprehensions out from the innermost.
    Var(usize, Bind),
    Bool(bool),
    Int(i64),
    Str(String),
    Null,
    /// `x.f` and `has(x.f)`, with the property's name in the object.
    Select(Box<Node>, String, Field),
    Has(Box<Node>, String, Field),
    /// `x.f` and `has(x.f)` where `x` is `self` or a comprehension's variable, the commonest
    /// selections: read without a step through `x`'s binding, counted as the two steps.
    PlaceSelect(Place, String, Field),
    PlaceHas(Place, String, Field),
    /// `x[i]` of a list (its items bind so), or `x['k']` of a map (its values, if a map).
    Index(Box<Node>, Box<Node>, Bind, Option<Bind>),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Eq(Box<Node>, Box<Node>),
    Ne(Box<Node>, Box<Node>),
    /// `x == 'text'` (`x != 'text'` with `true`), the literal on either side.
    EqStr(Box<Node>, String, bool),
    Cmp(std::cmp::Ordering, bool, Box<Node>, Box<Node>),
    Add(Box<Node>, Box<Node>),
    Sub(Box<Node>, Box<Node>),
    /// `x in [...]` with a list literal.
    InList(Box<Node>, Vec<Node>),
    /// `x in ['a', 'b']`, a list literal of strings.
    InStrs(Box<Node>, Vec<String>),
    /// `x in list`, the list's items binding so.
    In(Box<Node>, Box<Node>, Bind),
    Size(Box<Node>),
    StartsWith(Box<Node>, Box<Node>),
    EndsWith(Box<Node>, Box<Node>),
    Contains(Box<Node>, Box<Node>),
    /// `x.startsWith('text')`, `endsWith` or `contains` with a literal.
    StrTest(StrTest, Box<Node>, String),
    Matches(Box<Node>, Arc<regex::Regex>),
    /// `duration(s)`: integer nanoseconds, as the Kubernetes library's `duration` gives them.
    Duration(Box<Node>),
    Loop(Macro, Box<Node>, Box<Node>),
}

/// The macros [`Direct`] runs, recognised by the shape the parser expands them into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Macro {
    All,
    Exists,
    ExistsOne,
    /// `size(l.filter(x, p))`: how many items `p` holds for (the only `filter` run here, so
    /// that no evaluation makes a list; the `size` step is counted with the loop's).
    CountFilter,
}

/// What a field is selected from without a step of its own.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// `self`, with the slot its field has among the fields the node's rules share (see
    /// [`share_fields`]), or [`NO_SLOT`].
    This(u8),
    /// A comprehension's variable: how many comprehensions out from the innermost, its level
    /// (how many comprehensions it is inside of), and the slot its field has among those read
    /// from each value the variable takes (see [`var_slots`]), or [`NO_SLOT`].
    Var { depth: usize, level: u8, slot: u8 },
}

/// The string tests with a literal argument.
#[derive(Debug, Clone, Copy)]
enum StrTest {
    StartsWith,
    EndsWith,
    Contains,
}

impl Direct {
    /// `expression`, a rule on a node of `schema`, compiled, if every part of it is one the
    /// direct evaluator runs.
    pub fn compile(expression: &IdedExpr, schema: &Json) -> Option<Direct> {
        let mut scope = Scope {
            this: schema,
            vars: Vec::new(),
        };
        let (mut root, _) = compile(expression, &mut scope)?;
        let vars = var_slots(&mut root);
        let run = run::Lowered::new(&root, Arc::from([]), vars.clone());
        Some(Direct { root, vars, run })
    }

    /// The rule's result on `value` (of the schema it was compiled for): `Ok(true)` when it
    /// holds, `Ok(false)` when it does not, [`Unsure`] when the interpreter must decide.
    ///
    /// With the result comes the evaluation's cost, counted as cel-go's runtime cost counts
    /// it: a unit per step, a tenth of a unit per character of the strings a function reads.
    pub fn evaluate(&self, value: &Json) -> Result<(bool, u64), Unsure> {
        self.evaluate_with(value, &mut Shared::default())
    }

    /// [`Direct::evaluate`], with the fields of `value` the node's rules have looked up so far
    /// (`shared` serves one value only).
    pub fn evaluate_with<'a>(
        &'a self,
        value: &'a Json,
        shared: &mut Shared<'a>,
    ) -> Result<(bool, u64), Unsure> {
        self.run.run(value, shared)
    }
}

/// What names mean where a rule is compiled: `self`'s schema and the comprehensions'
/// variables with their items' schemas, innermost last.
struct Scope<'s> {
    this: &'s Json,
    vars: Vec<(String, &'s Json)>,
}

/// A compiled expression, and the schema of its value when it is a value of the object
/// (`None` for computed values).
type Compiled<'s> = (Node, Option<&'s Json>);

static NO_SCHEMA: Json = Json::Null;

/// The schema of a list's items, or of a map's values.
fn items_schema(schema: &Json) -> &Json {
    schema.get("items").unwrap_or(&NO_SCHEMA)
}

fn compile<'s>(e: &IdedExpr, scope: &mut Scope<'s>) -> Option<Compiled<'s>> {
    Some(match &e.expr {
        Expr::Literal(LiteralValue::Boolean(b)) => (Node::Bool(**b), None),
        Expr::Literal(LiteralValue::Int(i)) => (Node::Int(**i), None),
        Expr::Literal(LiteralValue::String(s)) => (Node::Str(s.inner().to_string()), None),
        Expr::Literal(LiteralValue::Null) => (Node::Null, None),
        Expr::Ident(name) => match scope.vars.iter().rposition(|(v, _)| v == name) {
            Some(i) => {
                let schema = scope.vars[i].1;
                let depth = scope.vars.len() - 1 - i;
                (Node::Var(depth, Bind::of(schema)), Some(schema))
            }
            None if name == "self" => (Node::This(Bind::of(scope.this)), Some(scope.this)),
            None => return None,
        },
        Expr::Select(select) => {
            let (name, escaped) = property(&select.field)?;
            let (operand, schema) = compile(&select.operand, scope)?;
            let (field, sub) = field(schema?, &name, escaped)?;
            let place = match operand {
                Node::This(_) => Some(Place::This(NO_SLOT)),
                Node::Var(depth, _) => Some(Place::Var {
                    depth,
                    level: u8::try_from(scope.vars.len() - 1 - depth).ok()?,
                    slot: NO_SLOT,
                }),
                _ => None,
            };
            match (place, select.test) {
                (Some(place), true) => (Node::PlaceHas(place, name, field), None),
                (Some(place), false) => (Node::PlaceSelect(place, name, field), sub),
                (None, true) => (Node::Has(Box::new(operand), name, field), None),
                (None, false) => (Node::Select(Box::new(operand), name, field), sub),
            }
        }
        Expr::Call(call) => return compile_call(call, scope),
        Expr::Comprehension(c) => return compile_loop(c, scope, false),
        _ => return None,
    })
}

/// How the field `name` of an object of `schema` binds, as [`super::to_val`] binds it, and
/// its schema; `None` for what only the interpreter binds (the root object's `metadata`, an
/// embedded resource's `apiVersion`, `kind` and `metadata`, escaped names of map keys).
fn field<'s>(schema: &'s Json, name: &str, escaped: bool) -> Option<(Field, Option<&'s Json>)> {
    let properties = schema.get("properties").and_then(Json::as_object);
    let additional = schema.get("additionalProperties").filter(|a| a.is_object());
    let root = properties.is_some_and(|p| p.contains_key("apiVersion") && p.contains_key("kind"));
    if root && name == "metadata" {
        return None;
    }
    // Only declared properties are bound escaped; map keys are bound as they are.
    if escaped && (properties.is_none_or(|p| !p.contains_key(name)) || additional.is_some()) {
        return None;
    }
    if let Some(sub) = properties.and_then(|p| p.get(name)).or(additional) {
        return Some((Field::Bound(Bind::of(sub)), Some(sub)));
    }
    if schema.get("x-kubernetes-embedded-resource") == Some(&Json::Bool(true))
        && matches!(name, "apiVersion" | "kind" | "metadata")
    {
        return None;
    }
    if properties.is_none() {
        return Some((Field::Bound(Bind::of(&NO_SCHEMA)), Some(&NO_SCHEMA)));
    }
    Some((Field::Dropped, None))
}

/// The property a rule's field name selects, and whether the rule escaped it
/// (`__namespace__`, `x__dash__y`): the name [`super::escape`] turns into it.
fn property(field: &str) -> Option<(String, bool)> {
    if !field.contains("__") {
        // A reserved word is only ever selected escaped.
        return (!RESERVED.contains(&field)).then(|| (field.to_string(), false));
    }
    let name = match field.strip_prefix("__").and_then(|f| f.strip_suffix("__")) {
        Some(word) if RESERVED.contains(&word) || word == "while" => word.to_string(),
        _ => field
            .replace("__underscores__", "\0")
            .replace("__dot__", ".")
            .replace("__dash__", "-")
            .replace("__slash__", "/")
            .replace('\0', "__"),
    };
    (super::escape(&name).as_deref() == Some(field)).then_some((name, true))
}

fn compile_call<'s>(call: &CallExpr, scope: &mut Scope<'s>) -> Option<Compiled<'s>> {
    let mut args = Vec::with_capacity(call.args.len() + 1);
    if let Some(target) = &call.target {
        args.push(target.as_ref());
    }
    args.extend(call.args.iter());
    let with_schema = |i: usize, scope: &mut Scope<'s>| compile(args[i], scope);
    let arg = |i: usize, scope: &mut Scope<'s>| compile(args[i], scope).map(|(n, _)| Box::new(n));
    use std::cmp::Ordering::{Greater, Less};
    let node = match (call.func_name.as_str(), args.len()) {
        (operators::LOGICAL_NOT, 1) => Node::Not(arg(0, scope)?),
        (operators::LOGICAL_AND, 2) => Node::And(arg(0, scope)?, arg(1, scope)?),
        (operators::LOGICAL_OR, 2) => Node::Or(arg(0, scope)?, arg(1, scope)?),
        (operators::CONDITIONAL, 3) => Node::Cond(arg(0, scope)?, arg(1, scope)?, arg(2, scope)?),
        (operators::EQUALS | operators::NOT_EQUALS, 2) => {
            let negated = call.func_name == operators::NOT_EQUALS;
            match (literal(args[0]), literal(args[1])) {
                (None, Some(text)) => Node::EqStr(arg(0, scope)?, text, negated),
                (Some(text), None) => Node::EqStr(arg(1, scope)?, text, negated),
                _ if negated => Node::Ne(arg(0, scope)?, arg(1, scope)?),
                _ => Node::Eq(arg(0, scope)?, arg(1, scope)?),
            }
        }
        (operators::LESS, 2) => Node::Cmp(Less, false, arg(0, scope)?, arg(1, scope)?),
        (operators::LESS_EQUALS, 2) => Node::Cmp(Less, true, arg(0, scope)?, arg(1, scope)?),
        (operators::GREATER, 2) => Node::Cmp(Greater, false, arg(0, scope)?, arg(1, scope)?),
        (operators::GREATER_EQUALS, 2) => Node::Cmp(Greater, true, arg(0, scope)?, arg(1, scope)?),
        (operators::ADD, 2) => Node::Add(arg(0, scope)?, arg(1, scope)?),
        (operators::SUBSTRACT, 2) => Node::Sub(arg(0, scope)?, arg(1, scope)?),
        (operators::INDEX, 2) => {
            let (operand, schema) = with_schema(0, scope)?;
            let schema = schema?;
            let item = items_schema(schema);
            // A map's values, bound as `to_val` binds a map's keys (an object of declared
            // properties, or an embedded resource, is for the interpreter).
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let value = (schema.get("properties").is_none()
                && schema.get("x-kubernetes-embedded-resource") != Some(&Json::Bool(true)))
            .then(|| Bind::of(additional.unwrap_or(&NO_SCHEMA)));
            let sub = if schema.get("items").is_some() {
                item
            } else {
                additional.unwrap_or(&NO_SCHEMA)
            };
            let index = arg(1, scope)?;
            return Some((
                Node::Index(Box::new(operand), index, Bind::of(item), value),
                Some(sub),
            ));
        }
        (operators::IN, 2) => match &args[1].expr {
            Expr::List(list) if list.optional_indices.is_empty() => {
                let item = arg(0, scope)?;
                let texts = list
                    .elements
                    .iter()
                    .map(literal)
                    .collect::<Option<Vec<_>>>();
                if let Some(texts) = texts {
                    return Some((Node::InStrs(item, texts), None));
                }
                let items = list
                    .elements
                    .iter()
                    .map(|e| compile(e, scope).map(|(n, _)| n))
                    .collect::<Option<Vec<_>>>()?;
                Node::InList(item, items)
            }
            _ => {
                let item = arg(0, scope)?;
                let (list, schema) = with_schema(1, scope)?;
                Node::In(item, Box::new(list), Bind::of(items_schema(schema?)))
            }
        },
        ("size", 1) => match &args[0].expr {
            Expr::Comprehension(c) => return compile_loop(c, scope, true),
            _ => Node::Size(arg(0, scope)?),
        },
        ("duration", 1) if call.target.is_none() => Node::Duration(arg(0, scope)?),
        (name @ ("startsWith" | "endsWith" | "contains"), 2) if call.target.is_some() => {
            let test = match name {
                "startsWith" => StrTest::StartsWith,
                "endsWith" => StrTest::EndsWith,
                _ => StrTest::Contains,
            };
            match (literal(args[1]), test) {
                (Some(text), _) => Node::StrTest(test, arg(0, scope)?, text),
                (None, StrTest::StartsWith) => Node::StartsWith(arg(0, scope)?, arg(1, scope)?),
                (None, StrTest::EndsWith) => Node::EndsWith(arg(0, scope)?, arg(1, scope)?),
                (None, StrTest::Contains) => Node::Contains(arg(0, scope)?, arg(1, scope)?),
            }
        }
        ("matches", 2) => match &args[1].expr {
            Expr::Literal(LiteralValue::String(pattern)) => {
                let re = super::library::regex(pattern.inner()).ok()?;
                Node::Matches(arg(0, scope)?, re)
            }
            _ => return None,
        },
        _ => return None,
    };
    Some((node, None))
}

/// A string literal's text.
fn literal(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner().to_string()),
        _ => None,
    }
}

/// A comprehension the parser made of `all`, `exists`, `exists_one` or `filter` over a list;
/// `filter` only when `counted`, the argument of `size`.
fn compile_loop<'s>(
    c: &ComprehensionExpr,
    scope: &mut Scope<'s>,
    counted: bool,
) -> Option<Compiled<'s>> {
    if c.iter_var2.is_some() || c.accu_var != "@result" {
        return None;
    }
    let accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == "@result");
    let call = |e: &'_ IdedExpr, name: &str, n: usize| -> Option<Vec<IdedExpr>> {
        match &e.expr {
            Expr::Call(c) if c.func_name == name && c.target.is_none() && c.args.len() == n => {
                Some(c.args.clone())
            }
            _ => None,
        }
    };
    let int =
        |e: &IdedExpr, v: i64| matches!(&e.expr, Expr::Literal(LiteralValue::Int(i)) if **i == v);
    let (kind, predicate) = match &c.accu_init.expr {
        Expr::Literal(LiteralValue::Boolean(init)) => {
            let op = if **init {
                operators::LOGICAL_AND
            } else {
                operators::LOGICAL_OR
            };
            let step = call(&c.loop_step, op, 2)?;
            if !accu(&step[0]) || !accu(&c.result) {
                return None;
            }
            let kind = if **init { Macro::All } else { Macro::Exists };
            (kind, step[1].clone())
        }
        Expr::Literal(LiteralValue::Int(zero)) if **zero == 0 => {
            let step = call(&c.loop_step, operators::CONDITIONAL, 3)?;
            let add = call(&step[1], operators::ADD, 2)?;
            let result = call(&c.result, operators::EQUALS, 2)?;
            let counts = accu(&add[0]) && int(&add[1], 1) && accu(&step[2]);
            if !(counts && accu(&result[0]) && int(&result[1], 1)) {
                return None;
            }
            (Macro::ExistsOne, step[0].clone())
        }
        Expr::List(init) if init.elements.is_empty() => {
            let step = call(&c.loop_step, operators::CONDITIONAL, 3)?;
            let add = call(&step[1], operators::ADD, 2)?;
            let one = match &add[1].expr {
                Expr::List(l) if l.elements.len() == 1 && l.optional_indices.is_empty() => {
                    &l.elements[0]
                }
                _ => return None,
            };
            let is_var = matches!(&one.expr, Expr::Ident(n) if *n == c.iter_var);
            if !(accu(&add[0]) && is_var && accu(&step[2]) && accu(&c.result)) {
                return None;
            }
            if !counted {
                return None;
            }
            (Macro::CountFilter, step[0].clone())
        }
        _ => return None,
    };
    let (range, schema) = compile(&c.iter_range, scope)?;
    let schema = schema?;
    scope.vars.push((c.iter_var.clone(), items_schema(schema)));
    let predicate = compile(&predicate, scope);
    scope.vars.pop();
    let (predicate, _) = predicate?;
    if counted != (kind == Macro::CountFilter) {
        return None;
    }
    Some((Node::Loop(kind, Box::new(range), Box::new(predicate)), None))
}

/// No shared lookup.
const NO_SLOT: u8 = u8::MAX;

/// Gives the fields of `self` that the rules of one node select their slots among
/// [`Shared`]'s, so that evaluating the rules with one [`Shared`] looks each up once.
pub fn share_fields<'d>(rules: impl IntoIterator<Item = &'d mut Direct>) {
    let mut rules: Vec<&mut Direct> = rules.into_iter().collect();
    let mut names: Vec<String> = Vec::new();
    for rule in rules.iter_mut() {
        each_node(&mut rule.root, &mut |node| {
            if let Node::PlaceSelect(Place::This(slot), name, _)
            | Node::PlaceHas(Place::This(slot), name, _) = node
            {
                let i = match names.iter().position(|n| n == name) {
                    Some(i) => i,
                    None if names.len() < run::SHARED => {
                        names.push(name.clone());
                        names.len() - 1
                    }
                    None => return,
                };
                *slot = i as u8;
            }
        });
    }
    // Lowered anew, with the slots.
    let names: Arc<[String]> = Arc::from(names);
    for rule in rules {
        rule.run = run::Lowered::new(&rule.root, Arc::clone(&names), rule.vars.clone());
    }
}

/// Gives the fields that `root` reads from comprehensions' variables their slots, grouped by
/// the variable's level, so that each value a variable takes is searched once for all of
/// them.
fn var_slots(root: &mut Node) -> run::Names {
    let mut names: Vec<(u8, String)> = Vec::new();
    each_node(root, &mut |node| {
        if let Node::PlaceSelect(Place::Var { level, .. }, name, _)
        | Node::PlaceHas(Place::Var { level, .. }, name, _) = node
        {
            if !names.iter().any(|(l, n)| l == level && n == name) {
                names.push((*level, name.clone()));
            }
        }
    });
    names.sort();
    names.truncate(run::SHARED);
    each_node(root, &mut |node| {
        if let Node::PlaceSelect(Place::Var { level, slot, .. }, name, _)
        | Node::PlaceHas(Place::Var { level, slot, .. }, name, _) = node
        {
            if let Some(i) = names.iter().position(|(l, n)| l == level && n == name) {
                *slot = i as u8;
            }
        }
    });
    run::Names::by_level(names)
}

/// Calls `f` on `node` and every node below it.
fn each_node(node: &mut Node, f: &mut impl FnMut(&mut Node)) {
    f(node);
    match node {
        Node::This(_)
        | Node::Var(..)
        | Node::Bool(_)
        | Node::Int(_)
        | Node::Str(_)
        | Node::Null
        | Node::PlaceSelect(..)
        | Node::PlaceHas(..) => {}
        Node::Select(a, ..)
        | Node::Has(a, ..)
        | Node::Not(a)
        | Node::EqStr(a, ..)
        | Node::InStrs(a, _)
        | Node::Size(a)
        | Node::StrTest(_, a, _)
        | Node::Matches(a, _)
        | Node::Duration(a) => each_node(a, f),
        Node::Index(a, b, ..)
        | Node::And(a, b)
        | Node::Or(a, b)
        | Node::Eq(a, b)
        | Node::Ne(a, b)
        | Node::Cmp(_, _, a, b)
        | Node::Add(a, b)
        | Node::Sub(a, b)
        | Node::In(a, b, _)
        | Node::StartsWith(a, b)
        | Node::EndsWith(a, b)
        | Node::Contains(a, b)
        | Node::Loop(_, a, b) => {
            each_node(a, f);
            each_node(b, f);
        }
        Node::Cond(a, b, c) => {
            each_node(a, f);
            each_node(b, f);
            each_node(c, f);
        }
        Node::InList(a, list) => {
            each_node(a, f);
            list.iter_mut().for_each(|n| each_node(n, f));
        }
    }
}
