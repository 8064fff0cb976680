//! Walks of objects along their [`Type`]: the fields a value sets, the difference between two
//! values, the merge of an applied configuration into a live object, and the removal of a set
//! of fields.

use serde_json::{Map, Value};

use super::set::{Path, Pe, Set, Step, Steps};
use super::typed::{ListType, Shape, Type};

/// What changed from one value to another, by field: the paths in the order the walk met
/// them, each once, their member names borrowed from the values. A write changes a few fields;
/// the callers that work with field sets build them ([`Set::of_steps`]).
#[derive(Debug, Default)]
pub(crate) struct Comparison<'v> {
    pub added: Vec<Steps<'v>>,
    pub modified: Vec<Steps<'v>>,
    pub removed: Vec<Steps<'v>>,
    /// Members left out of the comparison (`unowned(parent, name)`): walked into only when
    /// they are objects, and never recorded themselves.
    unowned: Option<fn(&[Step], &str) -> bool>,
}

impl Comparison<'_> {
    /// Nothing changed.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.modified.is_empty() && self.removed.is_empty()
    }
}

/// A value's object members, when it is an object.
fn members(value: Option<&Value>) -> Option<&Map<String, Value>> {
    value.and_then(Value::as_object)
}

/// A value's items, when it is an array.
fn items(value: Option<&Value>) -> Option<&Vec<Value>> {
    value.and_then(Value::as_array)
}

/// A granular list's items with their path elements, in list order, and looked up by element
/// through `sorted` (a list is as long as an object's size allows: lookups by scanning would
/// make every walk of it quadratic).
#[derive(Default)]
struct Items<'v> {
    list: Vec<(Pe, &'v Value)>,
    /// Positions in `list`, in element order.
    sorted: Vec<usize>,
}

impl<'v> Items<'v> {
    /// The position of the item whose element is `pe`.
    fn position(&self, pe: &Pe) -> Option<usize> {
        let k = self
            .sorted
            .binary_search_by(|&i| self.list[i].0.cmp(pe))
            .ok()?;
        Some(self.sorted[k])
    }

    /// The item whose element is `pe`.
    fn get(&self, pe: &Pe) -> Option<&'v Value> {
        self.position(pe).map(|i| self.list[i].1)
    }

    fn contains(&self, pe: &Pe) -> bool {
        self.position(pe).is_some()
    }

    fn sort(list: Vec<(Pe, &'v Value)>) -> Items<'v> {
        let mut sorted: Vec<usize> = (0..list.len()).collect();
        // Stable: of equal elements, the first in the list comes first.
        sorted.sort_by(|&i, &j| list[i].0.cmp(&list[j].0));
        Items { list, sorted }
    }
}

/// The items of a granular list with their path elements. Items whose element cannot be made
/// are an error when `strict` (an applied configuration), and skipped otherwise (a live object
/// written before its list had a type); a repeated element is an error when `strict` and keeps
/// its first item otherwise.
fn index_items<'v>(
    list: &ListType,
    values: &'v [Value],
    strict: bool,
    path: &[Pe],
) -> Result<Items<'v>, String> {
    let mut out: Vec<(Pe, &Value)> = Vec::with_capacity(values.len());
    for (i, item) in values.iter().enumerate() {
        match list.element(item, i) {
            Ok(pe) => out.push((pe, item)),
            Err(e) if strict => {
                return Err(format!("{}: element {i}: {e}", super::set::show_path(path)))
            }
            Err(_) => {}
        }
    }
    let items = Items::sort(out);
    // A repeat follows its first item in `sorted`.
    let repeats: Vec<usize> = items
        .sorted
        .windows(2)
        .filter(|w| items.list[w[0]].0 == items.list[w[1]].0)
        .map(|w| w[1])
        .collect();
    if repeats.is_empty() {
        return Ok(items);
    }
    if strict {
        let first = repeats.iter().min().map_or(0, |&i| i);
        return Err(format!(
            "{}: duplicate entries for key {}",
            super::set::show_path(path),
            items.list[first].0
        ));
    }
    let mut keep = vec![true; items.list.len()];
    for i in repeats {
        keep[i] = false;
    }
    let list = items.list.into_iter().zip(keep).filter(|(_, k)| *k);
    Ok(Items::sort(list.map(|(item, _)| item).collect()))
}

/// The fields `value` sets, as kube-apiserver counts an applied configuration's: every leaf,
/// every list item, every member of a map that is not a named field, and named fields that are
/// `null` or empty objects.
pub(crate) fn field_set(value: &Value, ty: &Type) -> Result<Set, String> {
    let mut set = Set::new();
    fields(value, ty, &mut Vec::new(), &mut set, 0)?;
    Ok(set)
}

fn fields(
    value: &Value,
    ty: &Type,
    path: &mut Path,
    set: &mut Set,
    depth: usize,
) -> Result<(), String> {
    if depth > super::MAX_DEPTH {
        return Err(format!("{}: nests too deeply", super::set::show_path(path)));
    }
    match ty.shape(value) {
        Shape::Skip => {}
        Shape::Leaf => set.insert(path),
        Shape::Map(ty) => {
            let Value::Object(map) = value else {
                set.insert(path);
                return Ok(());
            };
            for (name, child) in map {
                let child_ty = ty.field(name);
                if matches!(child_ty, Type::Pruned) {
                    continue;
                }
                path.push(Pe::Field(name.clone()));
                fields(child, child_ty, path, set, depth + 1)?;
                let empty = child.is_null() || child.as_object().is_some_and(Map::is_empty);
                if empty || !ty.is_named(name) {
                    set.insert(path);
                }
                path.pop();
            }
        }
        Shape::List(list) => {
            let Value::Array(values) = value else {
                set.insert(path);
                return Ok(());
            };
            for (pe, item) in index_items(list, values, true, path)?.list {
                path.push(pe);
                fields(item, &list.elem, path, set, depth + 1)?;
                set.insert(path);
                path.pop();
            }
        }
    }
    Ok(())
}

/// What changed from `old` to `new`: leaves added, changed or removed, and the map members and
/// list items that appeared or went away.
#[cfg(test)]
pub(crate) fn compare<'v>(old: &'v Value, new: &'v Value, ty: &Type) -> Comparison<'v> {
    let mut c = Comparison::default();
    if old == new {
        return c;
    }
    diff(Some(old), Some(new), ty, &mut Vec::new(), &mut c, 0);
    c
}

/// [`compare`] without the members `unowned(parent, name)` names (the fields no manager owns),
/// which are not walked into unless they are objects: what a write changed, in a tenth of the
/// work when most of what changed is the server's bookkeeping.
pub(crate) fn changes<'v>(
    old: &'v Value,
    new: &'v Value,
    ty: &Type,
    unowned: fn(&[Step], &str) -> bool,
) -> Comparison<'v> {
    let mut c = Comparison {
        unowned: Some(unowned),
        ..Comparison::default()
    };
    // Equal members are passed over as they are met: comparing the whole objects first would
    // only compare them twice.
    diff(Some(old), Some(new), ty, &mut Vec::new(), &mut c, 0);
    c
}

fn leaf<'v>(old: Option<&Value>, new: Option<&Value>, path: &[Step<'v>], c: &mut Comparison<'v>) {
    match (old, new) {
        (None, Some(_)) => c.added.push(path.to_vec()),
        (Some(_), None) => c.removed.push(path.to_vec()),
        (Some(a), Some(b)) if a != b => c.modified.push(path.to_vec()),
        _ => {}
    }
}

/// Records what changed from `old` to `new` at `path`; whether it recorded `path` itself as a
/// leaf (added, removed or modified as a whole).
fn diff<'v>(
    old: Option<&'v Value>,
    new: Option<&'v Value>,
    ty: &Type,
    path: &mut Steps<'v>,
    c: &mut Comparison<'v>,
    depth: usize,
) -> bool {
    let sample = new.or(old).unwrap_or(&Value::Null);
    let mismatched = match (old, new) {
        (Some(a), Some(b)) => {
            (a.is_object() != b.is_object() && !a.is_null() && !b.is_null())
                || (a.is_array() != b.is_array() && !a.is_null() && !b.is_null())
        }
        _ => false,
    };
    if depth > super::MAX_DEPTH || mismatched {
        leaf(old, new, path, c);
        return true;
    }
    match ty.shape(sample) {
        Shape::Skip => {}
        Shape::Leaf => {
            leaf(old, new, path, c);
            return true;
        }
        Shape::Map(ty) => {
            let (a, b) = (members(old), members(new));
            if a.is_none_or(Map::is_empty) && b.is_none_or(Map::is_empty) {
                leaf(old, new, path, c);
                return true;
            }
            let (a, b) = (a.unwrap_or(empty_map()), b.unwrap_or(empty_map()));
            side_by_side(a, b, maps_iterate_in_name_order(), |name, x, y| {
                // Most of an object is the same on both sides: nothing to walk (or to copy
                // a path element for) there.
                if x == y {
                    return;
                }
                let child_ty = ty.field(name);
                if matches!(child_ty, Type::Pruned) {
                    return;
                }
                let unowned = c.unowned.is_some_and(|f| f(path, name));
                if unowned && !(x.is_some_and(Value::is_object) || y.is_some_and(Value::is_object))
                {
                    return;
                }
                path.push(Step::Field(name));
                let recorded = diff(x, y, child_ty, path, c, depth + 1);
                if unowned {
                    // Recorded as a whole, it is the last path recorded.
                    for paths in [&mut c.added, &mut c.modified, &mut c.removed] {
                        if paths.last() == Some(path) {
                            paths.pop();
                        }
                    }
                } else if !recorded {
                    item_hook(x, y, path, c);
                }
                path.pop();
            });
        }
        Shape::List(list) => {
            let (a, b) = (items(old), items(new));
            if a.is_none_or(Vec::is_empty) && b.is_none_or(Vec::is_empty) {
                leaf(old, new, path, c);
                return true;
            }
            // Not strict: no error names the path.
            let a = index_items(list, a.map_or(&[], Vec::as_slice), false, &[]);
            let b = index_items(list, b.map_or(&[], Vec::as_slice), false, &[]);
            let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
            let pairs = a.list.iter().map(|(pe, x)| (pe, Some(*x), b.get(pe)));
            let added = b.list.iter().filter(|(pe, _)| !a.contains(pe));
            for (pe, x, y) in pairs.chain(added.map(|(pe, y)| (pe, None, Some(*y)))) {
                if x == y {
                    continue;
                }
                path.push(Step::Item(pe.clone()));
                if !diff(x, y, &list.elem, path, c, depth + 1) {
                    item_hook(x, y, path, c);
                }
                path.pop();
            }
        }
    }
    false
}

/// Calls `visit` with each member name of `a` or `b` and its value on each side. Both maps are
/// walked in one pass when they iterate in name order (`in_order`: serde_json's default), and
/// by lookups when they do not (its `preserve_order`, which any crate in a build can turn on).
fn side_by_side<'v>(
    a: &'v Map<String, Value>,
    b: &'v Map<String, Value>,
    in_order: bool,
    mut visit: impl FnMut(&'v str, Option<&'v Value>, Option<&'v Value>),
) {
    use std::cmp::Ordering::{Equal, Greater, Less};
    if !in_order {
        for (name, x) in a {
            visit(name, Some(x), b.get(name));
        }
        for (name, y) in b.iter().filter(|(name, _)| !a.contains_key(*name)) {
            visit(name, None, Some(y));
        }
        return;
    }
    let (mut a, mut b) = (a.iter(), b.iter());
    let (mut x, mut y) = (a.next(), b.next());
    loop {
        match (x, y) {
            (None, None) => return,
            (Some((name, v)), None) => {
                visit(name, Some(v), None);
                x = a.next();
            }
            (None, Some((name, w))) => {
                visit(name, None, Some(w));
                y = b.next();
            }
            (Some((n, v)), Some((m, w))) => match n.cmp(m) {
                Less => {
                    visit(n, Some(v), None);
                    x = a.next();
                }
                Greater => {
                    visit(m, None, Some(w));
                    y = b.next();
                }
                Equal => {
                    visit(n, Some(v), Some(w));
                    (x, y) = (a.next(), b.next());
                }
            },
        }
    }
}

/// An empty object, for a side that has none.
fn empty_map() -> &'static Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Map::new)
}

/// Whether `serde_json`'s maps iterate in name order in this build.
pub(super) fn maps_iterate_in_name_order() -> bool {
    static SORTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SORTED.get_or_init(|| {
        let mut map = Map::new();
        map.insert("b".into(), Value::Null);
        map.insert("a".into(), Value::Null);
        map.keys().next().is_some_and(|first| first == "a")
    })
}

/// A map member or list item that appeared is added, one that went away is removed.
fn item_hook<'v>(
    old: Option<&Value>,
    new: Option<&Value>,
    path: &[Step<'v>],
    c: &mut Comparison<'v>,
) {
    match (old, new) {
        (None, Some(_)) => c.added.push(path.to_vec()),
        (Some(_), None) => c.removed.push(path.to_vec()),
        _ => {}
    }
}

/// Merges an applied configuration into a live value: the configuration's leaves win, map
/// members and list items of both are merged, the live value's others stay. List order is
/// kube-apiserver's: items of both in the configuration's order, live-only items where they
/// were, configuration-only items where the configuration has them.
pub(crate) fn merge(
    live: Option<&Value>,
    config: Option<&Value>,
    ty: &Type,
) -> Result<Option<Value>, String> {
    merge_at(live, config, ty, &mut Vec::new(), 0)
}

fn merge_at(
    live: Option<&Value>,
    config: Option<&Value>,
    ty: &Type,
    path: &mut Path,
    depth: usize,
) -> Result<Option<Value>, String> {
    let (lhs, rhs) = match (live, config) {
        (None, None) => return Ok(None),
        (Some(l), None) => return Ok(Some(l.clone())),
        (l, Some(r)) => (l, r),
    };
    if depth > super::MAX_DEPTH {
        return Err(format!("{}: nests too deeply", super::set::show_path(path)));
    }
    match ty.shape(rhs) {
        // Kept for the write's own pruning, which warns about it or refuses it.
        Shape::Skip => Ok(Some(rhs.clone())),
        Shape::Leaf => {
            // The configuration is still checked (keys of its lists, say) where it is typed.
            Ok(Some(rhs.clone()))
        }
        Shape::Map(ty) => {
            let Value::Object(r) = rhs else {
                // `null` keeps what is there, as kube-apiserver merges it; another kind of
                // value replaces it.
                return Ok(Some(match (rhs, lhs) {
                    (Value::Null, Some(l)) if l.is_object() => l.clone(),
                    _ => rhs.clone(),
                }));
            };
            let empty = Map::new();
            let l = members(lhs).unwrap_or(&empty);
            if l.is_empty() && r.is_empty() {
                return Ok(Some(rhs.clone()));
            }
            let mut out = Map::new();
            for name in l.keys().chain(r.keys().filter(|k| !l.contains_key(*k))) {
                path.push(Pe::Field(name.clone()));
                if let Some(v) =
                    merge_at(l.get(name), r.get(name), ty.field(name), path, depth + 1)?
                {
                    out.insert(name.clone(), v);
                }
                path.pop();
            }
            Ok(Some(Value::Object(out)))
        }
        Shape::List(list) => {
            let Value::Array(r) = rhs else {
                return Ok(Some(rhs.clone()));
            };
            let none = Vec::new();
            let l = items(lhs).unwrap_or(&none);
            if l.is_empty() && r.is_empty() {
                return Ok(Some(rhs.clone()));
            }
            let rhs_items = index_items(list, r, true, path)?;
            let lhs_items = index_items(list, l, false, path)?;
            let order = merge_order(&lhs_items, &rhs_items);
            let mut out = Vec::with_capacity(order.len());
            for pe in order {
                let (x, y) = (lhs_items.get(&pe), rhs_items.get(&pe));
                path.push(pe);
                if let Some(v) = merge_at(x, y, &list.elem, path, depth + 1)? {
                    out.push(v);
                }
                path.pop();
            }
            Ok(Some(Value::Array(out)))
        }
    }
}

/// The order of a merged list's items. Walks both lists at once: an item of both is written
/// when both walks reach it in the configuration's order; a live-only item is written where the
/// live walk finds it; a configuration-only item where the configuration walk finds it.
fn merge_order(lhs: &Items<'_>, rhs: &Items<'_>) -> Vec<Pe> {
    let (l, r) = (&lhs.list, &rhs.list);
    let mut shared = r.iter().map(|(p, _)| p).filter(|p| lhs.contains(p));
    let mut next_shared = shared.next();
    let mut out: Vec<Pe> = Vec::with_capacity(l.len().max(r.len()));
    let (mut i, mut j) = (0, 0);
    // Each step past a configuration item writes it: the items of the configuration in `out`
    // are those before `j`.
    while i < l.len() || j < r.len() {
        if i < l.len() && j < r.len() {
            let pe = &l[i].0;
            if *pe == r[j].0 {
                out.push(pe.clone());
                i += 1;
                j += 1;
                next_shared = shared.next();
                continue;
            }
            if rhs.contains(pe) && next_shared.is_some_and(|n| n != pe) {
                // Shared, but the configuration puts it later.
                i += 1;
                continue;
            }
        }
        if i < l.len() {
            let pe = &l[i].0;
            match rhs.position(pe) {
                None => {
                    out.push(pe.clone());
                    i += 1;
                    continue;
                }
                // Written already.
                Some(k) if k < j => i += 1,
                Some(_) => {}
            }
        }
        if j < r.len() {
            let pe = &r[j].0;
            out.push(pe.clone());
            j += 1;
            if next_shared == Some(pe) {
                next_shared = shared.next();
            }
        }
    }
    out
}

/// Removes the members of `set` from `value`: map members and list items whose path is a
/// member go, with everything under them. A map or list that loses all it had goes too (a
/// `null` in kube-apiserver, which a custom resource's pruning then drops).
pub(crate) fn remove(value: &mut Value, set: &Set, ty: &Type) {
    remove_at(value, set, ty, 0);
}

/// Returns whether `value` emptied out.
fn remove_at(value: &mut Value, set: &Set, ty: &Type, depth: usize) -> bool {
    if depth > super::MAX_DEPTH {
        return false;
    }
    match ty.shape(value) {
        Shape::Leaf | Shape::Skip => false,
        Shape::Map(ty) => {
            let Value::Object(map) = value else {
                return false;
            };
            if map.is_empty() {
                return false;
            }
            let names: Vec<String> = map.keys().cloned().collect();
            for name in names {
                let pe = Pe::Field(name.clone());
                if set.has_member(&pe) {
                    map.remove(&name);
                } else if let Some(sub) = set.child(&pe) {
                    let emptied = map
                        .get_mut(&name)
                        .is_some_and(|child| remove_at(child, sub, ty.field(&name), depth + 1));
                    if emptied {
                        map.remove(&name);
                    }
                }
            }
            map.is_empty()
        }
        Shape::List(list) => {
            let Value::Array(values) = value else {
                return false;
            };
            if values.is_empty() {
                return false;
            }
            let old = std::mem::take(values);
            for (i, mut item) in old.into_iter().enumerate() {
                let Ok(pe) = list.element(&item, i) else {
                    values.push(item);
                    continue;
                };
                if set.has_member(&pe) {
                    continue;
                }
                if let Some(sub) = set.child(&pe) {
                    remove_at(&mut item, sub, &list.elem, depth + 1);
                }
                values.push(item);
            }
            values.is_empty()
        }
    }
}

/// Makes the named fields of structs that have owned fields under them members of `set`
/// (kube-apiserver's `EnsureNamedFieldsAreMembers`), so that pruning a dropped field removes
/// the struct field holding it only when nothing under it is owned.
pub(crate) fn named_fields_as_members(set: &Set, ty: &Type) -> Set {
    let mut out = set.clone();
    name_members(&mut out, ty, 0);
    out
}

fn name_members(set: &mut Set, ty: &Type, depth: usize) {
    if depth > super::MAX_DEPTH {
        return;
    }
    set.add_members_where(|pe| matches!(pe, Pe::Field(name) if ty.is_named(name)));
    for (pe, child) in set.children_mut() {
        name_members(child, ty.child(pe), depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::set::Pe;
    use super::super::typed::{ListKind, ListType, Type};
    use super::{index_items, merge_order, Items};

    /// The order of merged list items as first written, by scanning both lists for each step:
    /// the reference for [`merge_order`]'s lookups.
    fn merge_order_by_scanning(lhs: &[Pe], rhs: &[Pe]) -> Vec<Pe> {
        let in_lhs = |pe: &Pe| lhs.contains(pe);
        let in_rhs = |pe: &Pe| rhs.contains(pe);
        let mut shared = rhs.iter().filter(|p| in_lhs(p));
        let mut next_shared = shared.next();
        let mut out: Vec<Pe> = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < lhs.len() || j < rhs.len() {
            if i < lhs.len() && j < rhs.len() {
                let pe = &lhs[i];
                if *pe == rhs[j] {
                    out.push(pe.clone());
                    (i, j) = (i + 1, j + 1);
                    next_shared = shared.next();
                    continue;
                }
                if in_rhs(pe) && next_shared.is_some_and(|n| n != pe) {
                    i += 1;
                    continue;
                }
            }
            if i < lhs.len() {
                let pe = &lhs[i];
                if !in_rhs(pe) {
                    out.push(pe.clone());
                    i += 1;
                    continue;
                }
                if out.contains(pe) {
                    i += 1;
                }
            }
            if j < rhs.len() {
                let pe = &rhs[j];
                if !out.contains(pe) {
                    out.push(pe.clone());
                }
                j += 1;
                if next_shared == Some(pe) {
                    next_shared = shared.next();
                }
            }
        }
        out
    }

    /// Every ordered selection of up to `n` distinct letters of `alphabet`.
    fn selections(alphabet: &[char], n: usize) -> Vec<Vec<char>> {
        let mut out: Vec<Vec<char>> = vec![Vec::new()];
        let mut last: Vec<Vec<char>> = vec![Vec::new()];
        for _ in 0..n {
            let mut next = Vec::new();
            for s in &last {
                for &c in alphabet.iter().filter(|c| !s.contains(c)) {
                    let mut longer = s.clone();
                    longer.push(c);
                    next.push(longer);
                }
            }
            out.extend(next.iter().cloned());
            last = next;
        }
        out
    }

    /// Merged lists come out in the same order by lookups as by scanning, for every pair of
    /// lists of up to four items out of five.
    #[test]
    fn merge_order_by_lookups_is_merge_order_by_scanning() {
        let set = ListType {
            elem: Box::new(Type::Scalar),
            kind: ListKind::Set,
        };
        let lists: Vec<Vec<Value>> = selections(&['a', 'b', 'c', 'd', 'e'], 4)
            .into_iter()
            .map(|s| s.into_iter().map(|c| json!(c.to_string())).collect())
            .collect();
        let indexed = |values: &[Value]| -> Vec<Pe> {
            values.iter().map(|v| set.element(v, 0).unwrap()).collect()
        };
        for live in &lists {
            let lhs = index_items(&set, live, false, &[]).unwrap();
            for config in &lists {
                let rhs = index_items(&set, config, true, &[]).unwrap();
                assert_eq!(
                    merge_order(&lhs, &rhs),
                    merge_order_by_scanning(&indexed(live), &indexed(config)),
                    "{live:?} under {config:?}"
                );
            }
        }
    }

    /// A repeated item of a live list keeps its first place and value; of a configuration it is
    /// an error naming the first repeat.
    #[test]
    fn repeated_items_keep_the_first_or_are_refused() {
        let keyed = ListType {
            elem: Box::new(Type::Deduced),
            kind: ListKind::Map(vec![("name".into(), None)]),
        };
        let values = vec![
            json!({"name": "b", "v": 1}),
            json!({"name": "a", "v": 2}),
            json!({"name": "b", "v": 3}),
            json!({"name": "c", "v": 4}),
            json!({"name": "a", "v": 5}),
        ];
        let live: Items<'_> = index_items(&keyed, &values, false, &[]).unwrap();
        let kept: Vec<&Value> = live.list.iter().map(|(_, v)| *v).collect();
        assert_eq!(kept, [&values[0], &values[1], &values[3]]);
        let a = keyed.element(&json!({"name": "a"}), 0).unwrap();
        assert_eq!(live.get(&a), Some(&values[1]));
        let refused = index_items(&keyed, &values, true, &[Pe::Field("items".into())]);
        assert_eq!(
            refused.err().unwrap(),
            ".items: duplicate entries for key [name=\"b\"]"
        );
    }

    /// Both ways of pairing members visit the same names with the same values.
    #[test]
    fn members_are_paired_by_name_either_way() {
        let a = json!({"b": 1, "d": 2, "e": 3, "g": null});
        let b = json!({"a": 0, "b": 1, "e": 4, "f": 5, "z": 6});
        let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
        let mut seen = [Vec::new(), Vec::new()];
        for (in_order, seen) in [true, false].into_iter().zip(&mut seen) {
            super::side_by_side(a, b, in_order, |name, x, y| {
                seen.push((name.to_owned(), x.cloned(), y.cloned()))
            });
            seen.sort_by(|p, q| p.0.cmp(&q.0));
        }
        let n = |v: i64| Some(Value::from(v));
        let expected = vec![
            ("a".to_owned(), None, n(0)),
            ("b".to_owned(), n(1), n(1)),
            ("d".to_owned(), n(2), None),
            ("e".to_owned(), n(3), n(4)),
            ("f".to_owned(), None, n(5)),
            ("g".to_owned(), Some(Value::Null), None),
            ("z".to_owned(), None, n(6)),
        ];
        assert_eq!(seen[0], expected);
        assert_eq!(seen[1], expected);
    }
}
