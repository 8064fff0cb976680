//! Running a rule the direct evaluator compiled: its tree of [`Node`]s lowered into closures,
//! one per node, each of which does its node's work only. A node whose value is a bool (the
//! logic most rules are made of) lowers to a [`Test`], which answers a bool; any other to a
//! [`Value`]. So a rule's skeleton passes no values around, and no step matches on the kind
//! of node it is.

use std::sync::Arc;

use serde_json::Value as Json;

use super::{Bind, Field, Macro, Node, Place, StrTest, Unsure, NO_SLOT};

/// A node whose value is a bool.
pub(super) type Test =
    Box<dyn for<'a> Fn(&'a Json, &mut Frame<'a, '_>) -> Result<bool, Unsure> + Send + Sync>;

/// Any other node.
type Value =
    Box<dyn for<'a> Fn(&'a Json, &mut Frame<'a, '_>) -> Result<V<'a>, Unsure> + Send + Sync>;

/// A rule lowered: its test, and the string literals it reads as values (which a closure
/// cannot lend out of itself, so they live here and a [`Frame`] lends them).
pub(super) struct Lowered {
    test: Test,
    strings: Vec<String>,
    /// The fields of `self` the node's rules read, by slot.
    this_names: Arc<[String]>,
    /// The fields read from the comprehensions' variables.
    vars: Names,
}

impl Lowered {
    pub(super) fn new(root: &Node, this_names: Arc<[String]>, vars: Names) -> Lowered {
        let mut strings = Vec::new();
        let test = Lower {
            strings: &mut strings,
        }
        .test(root);
        Lowered {
            test,
            strings,
            this_names,
            vars,
        }
    }

    /// The rule's result on `value`, and its cost, with the lookups of `value`'s fields the
    /// node's rules share.
    pub(super) fn run<'a>(
        &'a self,
        value: &'a Json,
        shared: &mut Shared<'a>,
    ) -> Result<(bool, u64), Unsure> {
        let mut frame = Frame {
            vars: [&NO_VALUE; MAX_DEPTH],
            depth: 0,
            cost: 0,
            shared,
            strings: &self.strings,
            this_names: &self.this_names,
            var_names: &self.vars,
            own: [None; SHARED],
            own_object: [false; MAX_DEPTH],
        };
        let holds = (self.test)(value, &mut frame)?;
        Ok((holds, frame.cost))
    }
}

static NO_VALUE: Json = Json::Null;

/// An intermediate value: small and `Copy`, so that an evaluation allocates nothing.
#[derive(Debug, Clone, Copy)]
pub(super) enum V<'a> {
    Bool(bool),
    Int(i64),
    Str(&'a String),
    Null,
    /// A list or an object of the object.
    Json(&'a Json),
}

/// How deep comprehensions may nest in a rule the direct evaluator runs.
const MAX_DEPTH: usize = 4;

/// The state of one evaluation: the comprehensions' variables (the first `depth`, innermost
/// last), the cost so far, the fields of `self` looked up so far, the rule's string literals.
pub(super) struct Frame<'a, 's> {
    vars: [&'a Json; MAX_DEPTH],
    depth: usize,
    cost: u64,
    shared: &'s mut Shared<'a>,
    strings: &'a [String],
    this_names: &'a [String],
    var_names: &'a Names,
    /// The fields of the variables' current values, by slot, and whether each level's value
    /// is an object.
    own: Found<'a>,
    own_object: [bool; MAX_DEPTH],
}

impl<'a> Frame<'a, '_> {
    /// The field `name` of `place`, as `field` says it binds: `Ok(None)` when absent.
    #[inline(always)]
    fn select(
        &mut self,
        place: Place,
        this: &'a Json,
        name: &str,
        field: Field,
    ) -> Result<Option<(&'a Json, Bind)>, Unsure> {
        let found = match place {
            Place::This(slot) if slot != NO_SLOT && field.is_bound() => {
                let shared = &mut *self.shared;
                if !shared.filled {
                    shared.object = fill(this, self.this_names, &mut shared.found);
                    shared.filled = true;
                }
                if !shared.object {
                    return Err(Unsure);
                }
                shared.found.get(usize::from(slot))
            }
            Place::Var { depth, slot, .. } if slot != NO_SLOT && field.is_bound() => {
                let level = self.depth.checked_sub(depth + 1).ok_or(Unsure)?;
                if !self.own_object[level] {
                    return Err(Unsure);
                }
                self.own.get(usize::from(slot))
            }
            Place::This(_) => return select(this, name, field),
            Place::Var { depth, .. } => return select(self.var(depth)?, name, field),
        };
        Ok(found.copied().ok_or(Unsure)?.map(|v| (v, field.how())))
    }

    /// The value of the variable `depth` comprehensions out from the innermost.
    #[inline]
    fn var(&self, depth: usize) -> Result<&'a Json, Unsure> {
        Ok(self.vars[self.depth.checked_sub(depth + 1).ok_or(Unsure)?])
    }
}

/// The most fields of `self` the rules of one node share lookups of.
pub(super) const SHARED: usize = 16;

/// Fields of a value, by slot.
type Found<'a> = [Option<&'a Json>; SHARED];

/// The fields of one value that its node's rules read, found in one pass over the value's
/// members the first time a rule reads one: `self.type` is looked up once for every rule of
/// the node that reads it.
#[derive(Debug, Default)]
pub struct Shared<'a> {
    filled: bool,
    object: bool,
    found: Found<'a>,
}

/// The fields a rule reads from its comprehensions' variables, by slot, grouped by the
/// variable's level: each value a variable takes is searched once for its group.
#[derive(Debug, Clone, Default)]
pub(super) struct Names {
    names: Arc<[String]>,
    /// Where each level's slots start; the last is where they end.
    levels: [u8; MAX_DEPTH + 1],
}

impl Names {
    /// Names sorted by level, at most [`SHARED`].
    pub(super) fn by_level(names: Vec<(u8, String)>) -> Names {
        let mut levels = [0u8; MAX_DEPTH + 1];
        for (i, start) in levels.iter_mut().enumerate() {
            *start = names
                .iter()
                .filter(|(level, _)| usize::from(*level) < i)
                .count() as u8;
        }
        Names {
            names: names.into_iter().map(|(_, name)| name).collect(),
            levels,
        }
    }

    fn range(&self, level: usize) -> std::ops::Range<usize> {
        usize::from(self.levels[level])..usize::from(self.levels[level + 1])
    }
}

/// Searches `value` once for every one of `names`, setting `found` (as long); whether `value`
/// is an object (else no field is).
fn fill<'a>(value: &'a Json, names: &[String], found: &mut [Option<&'a Json>]) -> bool {
    let Json::Object(fields) = value else {
        return false;
    };
    found.fill(None);
    if fields.len() > 2 * SHARED {
        for (name, slot) in names.iter().zip(found.iter_mut()) {
            *slot = fields.get(name.as_str());
        }
        return true;
    }
    for (key, field) in fields {
        let slot = names
            .iter()
            .position(|name| name.len() == key.len() && name.as_bytes() == key.as_bytes());
        if let Some(slot) = slot.and_then(|i| found.get_mut(i)) {
            *slot = Some(field);
        }
    }
    true
}

/// The cost of reading `characters` characters: cel-go's 0.1 per character, rounded up.
fn per_character(characters: usize) -> u64 {
    (characters as u64).div_ceil(10)
}

/// `value` as the interpreter binds it; lists and objects stay where they are.
#[inline]
fn bind(value: &Json, how: Bind) -> Result<V<'_>, Unsure> {
    Ok(match value {
        Json::Null => V::Null,
        Json::Bool(b) => V::Bool(*b),
        Json::Number(_) if how.number => return Err(Unsure),
        Json::Number(n) => V::Int(n.as_i64().ok_or(Unsure)?),
        Json::String(s) => V::Str(s),
        Json::Array(_) | Json::Object(_) => V::Json(value),
    })
}

#[inline]
fn truth(v: V<'_>) -> Result<bool, Unsure> {
    match v {
        V::Bool(b) => Ok(b),
        _ => Err(Unsure),
    }
}

#[inline]
fn string(v: V<'_>) -> Result<&String, Unsure> {
    match v {
        V::Str(s) => Ok(s),
        _ => Err(Unsure),
    }
}

/// Equality of two scalars of one type; anything else is for the interpreter.
#[inline]
fn equal(a: V<'_>, b: V<'_>) -> Result<bool, Unsure> {
    match (a, b) {
        (V::Bool(x), V::Bool(y)) => Ok(x == y),
        (V::Int(x), V::Int(y)) => Ok(x == y),
        (V::Str(x), V::Str(y)) => Ok(x == y),
        (V::Null, V::Null) => Ok(true),
        _ => Err(Unsure),
    }
}

/// A list's items.
#[inline]
fn items(v: V<'_>) -> Result<&[Json], Unsure> {
    match v {
        V::Json(Json::Array(items)) => Ok(items),
        _ => Err(Unsure),
    }
}

/// The field `name` of the object `value`, as `field` says it binds: `Ok(None)` when absent.
#[inline]
fn select<'a>(
    value: &'a Json,
    name: &str,
    field: Field,
) -> Result<Option<(&'a Json, Bind)>, Unsure> {
    let Json::Object(fields) = value else {
        return Err(Unsure);
    };
    Ok(match field {
        Field::Bound(how) => lookup(fields, name).map(|v| (v, how)),
        Field::Dropped => None,
    })
}

/// The field `name` of `fields`. The objects rules read are mostly small, where a scan that
/// compares lengths first costs less than the ordered map's search, which compares every key
/// it passes byte by byte.
#[inline]
fn lookup<'a>(fields: &'a serde_json::Map<String, Json>, name: &str) -> Option<&'a Json> {
    if fields.len() > 8 {
        return fields.get(name);
    }
    fields
        .iter()
        .find(|(key, _)| key.len() == name.len() && key.as_bytes() == name.as_bytes())
        .map(|(_, value)| value)
}

/// A string test with a literal, charged as cel-go charges it.
#[inline]
fn str_test(test: StrTest, a: &str, b: &str, f: &mut Frame<'_, '_>) -> bool {
    match test {
        StrTest::StartsWith => {
            f.cost += per_character(b.len());
            a.starts_with(b)
        }
        StrTest::EndsWith => {
            f.cost += per_character(b.len());
            a.ends_with(b)
        }
        StrTest::Contains => {
            f.cost += per_character(a.len() * b.len());
            a.contains(b)
        }
    }
}

/// `c ? a : b`, for a bool (`a` and `b` tests) or any value (`a` and `b` values): the same
/// closure over either kind of branch.
macro_rules! choose {
    ($c:expr, $a:expr, $b:expr) => {{
        let (c, a, b) = ($c, $a, $b);
        Box::new(move |this, f| {
            f.cost += 1;
            if c(this, f)? {
                a(this, f)
            } else {
                b(this, f)
            }
        })
    }};
}

/// Lowers nodes into closures, keeping the string literals read as values. Each closure counts
/// its node's steps as cel-go counts them: one per node, and one more for a node that stands
/// for two or more (a field of a place, a comparison with a literal, `size` of a `filter`).
struct Lower<'s> {
    strings: &'s mut Vec<String>,
}

impl Lower<'_> {
    fn test(&mut self, node: &Node) -> Test {
        match node {
            &Node::Bool(b) => Box::new(move |_, f| {
                f.cost += 1;
                Ok(b)
            }),
            Node::PlaceHas(place, name, field) => {
                let (place, name, field) = (*place, name.clone(), *field);
                Box::new(move |this, f| {
                    f.cost += 2;
                    Ok(f.select(place, this, &name, field)?.is_some())
                })
            }
            Node::Has(operand, name, field) => {
                let (operand, name, field) = (self.value(operand), name.clone(), *field);
                Box::new(move |this, f| {
                    f.cost += 1;
                    let V::Json(operand) = operand(this, f)? else {
                        return Err(Unsure);
                    };
                    Ok(select(operand, &name, field)?.is_some())
                })
            }
            Node::Not(a) => {
                let a = self.test(a);
                Box::new(move |this, f| {
                    f.cost += 1;
                    Ok(!a(this, f)?)
                })
            }
            Node::And(a, b) => {
                let (a, b) = (self.test(a), self.test(b));
                Box::new(move |this, f| {
                    f.cost += 1;
                    Ok(a(this, f)? && b(this, f)?)
                })
            }
            Node::Or(a, b) => {
                let (a, b) = (self.test(a), self.test(b));
                Box::new(move |this, f| {
                    f.cost += 1;
                    Ok(a(this, f)? || b(this, f)?)
                })
            }
            Node::Cond(c, a, b) => choose!(self.test(c), self.test(a), self.test(b)),
            Node::Eq(a, b) | Node::Ne(a, b) => {
                let negated = matches!(node, Node::Ne(..));
                let (a, b) = (self.value(a), self.value(b));
                Box::new(move |this, f| {
                    f.cost += 1;
                    Ok(equal(a(this, f)?, b(this, f)?)? != negated)
                })
            }
            Node::EqStr(a, text, negated) => {
                let (a, text, negated) = (self.value(a), text.clone(), *negated);
                Box::new(move |this, f| {
                    f.cost += 2;
                    Ok((*string(a(this, f)?)? == text) != negated)
                })
            }
            &Node::Cmp(want, or_equal, ref a, ref b) => {
                let (a, b) = (self.value(a), self.value(b));
                Box::new(move |this, f| {
                    f.cost += 1;
                    let order = match (a(this, f)?, b(this, f)?) {
                        (V::Int(x), V::Int(y)) => x.cmp(&y),
                        (V::Str(x), V::Str(y)) => x.cmp(y),
                        _ => return Err(Unsure),
                    };
                    Ok(order == want || (or_equal && order.is_eq()))
                })
            }
            Node::InList(item, list) => {
                let item = self.value(item);
                let list: Vec<Value> = list.iter().map(|n| self.value(n)).collect();
                Box::new(move |this, f| {
                    f.cost += 1;
                    let item = item(this, f)?;
                    let mut found = false;
                    for candidate in &list {
                        found |= equal(item, candidate(this, f)?)?;
                    }
                    Ok(found)
                })
            }
            Node::InStrs(item, texts) => {
                let (item, texts) = (self.value(item), texts.clone());
                Box::new(move |this, f| {
                    f.cost += 1 + texts.len() as u64;
                    let item = string(item(this, f)?)?;
                    Ok(texts.iter().any(|t| t == item))
                })
            }
            &Node::In(ref item, ref list, how) => {
                let (item, list) = (self.value(item), self.value(list));
                Box::new(move |this, f| {
                    f.cost += 1;
                    let item = item(this, f)?;
                    let mut found = false;
                    for candidate in items(list(this, f)?)? {
                        found |= equal(item, bind(candidate, how)?)?;
                    }
                    Ok(found)
                })
            }
            Node::StartsWith(a, b) | Node::EndsWith(a, b) | Node::Contains(a, b) => {
                let test = match node {
                    Node::StartsWith(..) => StrTest::StartsWith,
                    Node::EndsWith(..) => StrTest::EndsWith,
                    _ => StrTest::Contains,
                };
                let (a, b) = (self.value(a), self.value(b));
                Box::new(move |this, f| {
                    f.cost += 1;
                    let (a, b) = (string(a(this, f)?)?, string(b(this, f)?)?);
                    Ok(str_test(test, a, b, f))
                })
            }
            Node::StrTest(test, a, text) => {
                let (test, a, text) = (*test, self.value(a), text.clone());
                Box::new(move |this, f| {
                    f.cost += 2;
                    let a = string(a(this, f)?)?;
                    Ok(str_test(test, a, &text, f))
                })
            }
            Node::Matches(a, re) => {
                let (a, re) = (self.value(a), Arc::clone(re));
                Box::new(move |this, f| {
                    f.cost += 1;
                    let a = string(a(this, f)?)?;
                    f.cost += per_character(a.len());
                    Ok(re.is_match(a))
                })
            }
            &Node::Loop(
                kind @ (Macro::All | Macro::Exists | Macro::ExistsOne),
                ref range,
                ref predicate,
            ) => {
                let (range, predicate) = (self.value(range), self.test(predicate));
                Box::new(move |this, f| {
                    f.cost += 1;
                    let list = items(range(this, f)?)?;
                    let count = count(list, kind, &predicate, this, f)?;
                    Ok(match kind {
                        Macro::All => count == list.len(),
                        Macro::ExistsOne => count == 1,
                        _ => count > 0,
                    })
                })
            }
            // A value that is a bool, or is not: the interpreter words the error then.
            _ => {
                let value = self.value(node);
                Box::new(move |this, f| truth(value(this, f)?))
            }
        }
    }

    fn value(&mut self, node: &Node) -> Value {
        match node {
            &Node::This(how) => Box::new(move |this, f| {
                f.cost += 1;
                bind(this, how)
            }),
            &Node::Var(depth, how) => Box::new(move |_, f| {
                f.cost += 1;
                bind(f.var(depth)?, how)
            }),
            &Node::Int(i) => Box::new(move |_, f| {
                f.cost += 1;
                Ok(V::Int(i))
            }),
            Node::Str(s) => {
                let i = self.strings.len();
                self.strings.push(s.clone());
                Box::new(move |_, f| {
                    f.cost += 1;
                    Ok(V::Str(&f.strings[i]))
                })
            }
            Node::Null => Box::new(|_, f| {
                f.cost += 1;
                Ok(V::Null)
            }),
            Node::PlaceSelect(place, name, field) => {
                let (place, name, field) = (*place, name.clone(), *field);
                Box::new(move |this, f| {
                    f.cost += 2;
                    let (value, how) = f.select(place, this, &name, field)?.ok_or(Unsure)?;
                    bind(value, how)
                })
            }
            Node::Select(operand, name, field) => {
                let (operand, name, field) = (self.value(operand), name.clone(), *field);
                Box::new(move |this, f| {
                    f.cost += 1;
                    let V::Json(operand) = operand(this, f)? else {
                        return Err(Unsure);
                    };
                    let (value, how) = select(operand, &name, field)?.ok_or(Unsure)?;
                    bind(value, how)
                })
            }
            &Node::Index(ref operand, ref index, item, value) => {
                let (operand, index) = (self.value(operand), self.value(index));
                Box::new(move |this, f| {
                    f.cost += 1;
                    match (operand(this, f)?, index(this, f)?) {
                        (V::Json(Json::Object(fields)), V::Str(key)) => {
                            bind(lookup(fields, key).ok_or(Unsure)?, value.ok_or(Unsure)?)
                        }
                        (list, V::Int(i)) => {
                            let list = items(list)?;
                            let found = usize::try_from(i).ok().and_then(|i| list.get(i));
                            bind(found.ok_or(Unsure)?, item)
                        }
                        _ => Err(Unsure),
                    }
                })
            }
            Node::Cond(c, a, b) => choose!(self.test(c), self.value(a), self.value(b)),
            Node::Add(a, b) | Node::Sub(a, b) => {
                let add = matches!(node, Node::Add(..));
                let (a, b) = (self.value(a), self.value(b));
                Box::new(move |this, f| {
                    f.cost += 1;
                    let (V::Int(x), V::Int(y)) = (a(this, f)?, b(this, f)?) else {
                        return Err(Unsure);
                    };
                    let sum = if add {
                        x.checked_add(y)
                    } else {
                        x.checked_sub(y)
                    };
                    Ok(V::Int(sum.ok_or(Unsure)?))
                })
            }
            Node::Size(a) => {
                let a = self.value(a);
                Box::new(move |this, f| {
                    f.cost += 1;
                    Ok(V::Int(match a(this, f)? {
                        V::Str(s) => s.chars().count() as i64,
                        V::Json(Json::Array(items)) => items.len() as i64,
                        _ => return Err(Unsure),
                    }))
                })
            }
            Node::Duration(a) => {
                let a = self.value(a);
                Box::new(move |this, f| {
                    f.cost += 1;
                    let text = string(a(this, f)?)?;
                    f.cost += per_character(text.len());
                    let nanoseconds = crate::cel::library::kinds::parse_duration(text);
                    Ok(V::Int(nanoseconds.ok_or(Unsure)?))
                })
            }
            Node::Loop(Macro::CountFilter, range, predicate) => {
                let (range, predicate) = (self.value(range), self.test(predicate));
                Box::new(move |this, f| {
                    // The loop's step and `size`'s.
                    f.cost += 2;
                    let list = items(range(this, f)?)?;
                    let count = count(list, Macro::CountFilter, &predicate, this, f)?;
                    Ok(V::Int(i64::try_from(count).map_err(|_| Unsure)?))
                })
            }
            // A bool.
            _ => {
                let test = self.test(node);
                Box::new(move |this, f| Ok(V::Bool(test(this, f)?)))
            }
        }
    }
}

/// How many items of `list` `predicate` holds for, each bound in turn to the comprehension's
/// variable; `all` stops at the first that fails (answering fewer than all), `exists` at the
/// first that holds.
fn count<'a>(
    list: &'a [Json],
    kind: Macro,
    predicate: &Test,
    this: &'a Json,
    f: &mut Frame<'a, '_>,
) -> Result<usize, Unsure> {
    let level = f.depth;
    if level == MAX_DEPTH {
        return Err(Unsure);
    }
    let mut count = 0;
    let names: &'a Names = f.var_names;
    let own = names.range(level);
    for value in list {
        f.vars[level] = value;
        if !own.is_empty() {
            f.own_object[level] = fill(value, &names.names[own.clone()], &mut f.own[own.clone()]);
        }
        f.depth += 1;
        let holds = predicate(this, f);
        f.depth -= 1;
        let holds = holds?;
        count += usize::from(holds);
        match kind {
            Macro::All if !holds => return Ok(count),
            Macro::Exists if holds => return Ok(count),
            _ => {}
        }
    }
    Ok(count)
}
