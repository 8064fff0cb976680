//! `metadata.managedFields`: who owns which fields of an object, read from and written back to
//! the object, and kept up to date by updates (`operation: Update`) and applies
//! (`operation: Apply`) as kube-apiserver's field manager keeps it.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::set::{show_path, FieldsV1, Path, Pe, Set, Step, Steps};
use super::typed::Type;
use super::walk;
use crate::stored::ManagedText;

/// What a manager did: apply a configuration, or write the object some other way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Operation {
    Apply,
    Update,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }

    /// The operation an entry names; `None` for any other text.
    fn from_name(name: &str) -> Option<Operation> {
        match name {
            "Apply" => Some(Operation::Apply),
            "Update" => Some(Operation::Update),
            _ => None,
        }
    }
}

/// Who wrote: the manager's name, how, through which version and subresource. Two entries are
/// the same manager when all of these match, except that an applier's version does not count
/// (kube-apiserver's manager identifier).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Manager {
    pub name: String,
    pub operation: Operation,
    pub api_version: String,
    pub subresource: String,
}

impl Manager {
    fn same(&self, other: &Manager) -> bool {
        self.identity() == other.identity()
    }

    /// What makes two entries the same manager ([`Manager::same`]), as a key.
    fn identity(&self) -> Identity<'_> {
        identity(
            &self.name,
            self.operation,
            &self.api_version,
            &self.subresource,
        )
    }

    /// How a conflict names the manager: `"alice"`, `"ctl" with subresource "status"`,
    /// `"ctl" using demo.krest.dev/v1`.
    pub fn describe(&self) -> String {
        let mut out = Value::from(self.name.as_str()).to_string();
        if !self.subresource.is_empty() {
            out.push_str(&format!(
                " with subresource {}",
                Value::from(self.subresource.as_str())
            ));
        }
        if self.operation == Operation::Update {
            out.push_str(&format!(" using {}", self.api_version));
        }
        out
    }
}

/// A manager as a key: its name, operation, subresource and, for an update, apiVersion (an
/// applier's version does not count, as in kube-apiserver's manager identifier).
type Identity<'a> = (&'a str, Operation, &'a str, &'a str);

/// The [`Identity`] of a manager given by its parts (a [`Manager`], or an entry's text).
fn identity<'a>(
    name: &'a str,
    operation: Operation,
    api_version: &'a str,
    subresource: &'a str,
) -> Identity<'a> {
    let version = match operation {
        Operation::Apply => "",
        Operation::Update => api_version,
    };
    (name, operation, subresource, version)
}

/// One manager's fields, and when it last changed something.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub manager: Manager,
    pub time: Option<String>,
    pub set: Set,
    /// `fieldsV1` as read, while `set` is still what it says: written back as it was instead
    /// of encoding the set again.
    pub raw: Option<Box<RawValue>>,
}

/// Entries are equal when they say the same: `raw` is only the text `set` was read from.
impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.manager == other.manager && self.time == other.time && self.set == other.set
    }
}

impl Entry {
    /// A new entry owning `set`.
    fn new(manager: Manager, time: Option<String>, set: Set) -> Entry {
        Entry {
            manager,
            time,
            set,
            raw: None,
        }
    }

    /// Takes `other`'s fields out of the entry.
    fn subtract(&mut self, other: &Set) {
        if self.set.subtract(other) {
            self.raw = None;
        }
    }

    /// Adds `other`'s fields to the entry.
    fn add(&mut self, other: &Set) {
        if self.set.union_with(other) {
            self.raw = None;
        }
    }
}

/// An object's managed fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Managed {
    pub entries: Vec<Entry>,
}

/// The name of the entry older updates are folded into past [`MAX_UPDATE_MANAGERS`].
const ANCIENT: &str = "ancient-changes";

/// The most `Update` entries an object keeps (kube-apiserver's default).
const MAX_UPDATE_MANAGERS: usize = 10;

/// One field another manager owns and a write would change.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Conflict {
    pub manager: Manager,
    pub path: Path,
}

impl Conflict {
    /// The field as kube-apiserver prints it: `.spec.color`.
    pub fn field(&self) -> String {
        show_path(&self.path)
    }
}

/// The top-level fields no manager owns.
const UNOWNED: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// The fields of `metadata` no manager owns: identity and bookkeeping the server sets
/// (kube-apiserver's `stripMetaManager`).
const UNOWNED_META: [&str; 9] = [
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
];

/// Where a node is, for the members no manager owns: the object, its `metadata`, or below.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Level {
    Root,
    Metadata,
    Below,
}

impl Level {
    fn of(parent: &[Step]) -> Level {
        match parent {
            [] => Level::Root,
            [Step::Field("metadata")] => Level::Metadata,
            _ => Level::Below,
        }
    }

    /// Whether the member `name` of a node here is one no manager owns.
    pub fn unowned(self, name: &str) -> bool {
        match self {
            Level::Root => UNOWNED.contains(&name),
            Level::Metadata => UNOWNED_META.contains(&name),
            Level::Below => false,
        }
    }

    /// Where the member `name` of a node here is.
    pub fn child(self, name: &str) -> Level {
        match (self, name) {
            (Level::Root, "metadata") => Level::Metadata,
            _ => Level::Below,
        }
    }
}

/// Whether the member `name` of the node at `parent` is one no manager owns.
fn unowned(parent: &[Step], name: &str) -> bool {
    Level::of(parent).unowned(name)
}

/// The fields no manager owns, as a set.
fn stripped() -> &'static Set {
    static STRIPPED: std::sync::OnceLock<Set> = std::sync::OnceLock::new();
    STRIPPED.get_or_init(|| {
        let mut set = Set::new();
        for name in UNOWNED {
            set.insert(&[Pe::Field(name.into())]);
        }
        for name in UNOWNED_META {
            set.insert(&[Pe::Field("metadata".into()), Pe::Field(name.into())]);
        }
        set
    })
}

/// Which top-level fields a write through a subresource may own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Everything.
    All,
    /// Everything but `status` (the main resource of a kind with a status subresource).
    NotStatus,
    /// Only `status` (the status subresource).
    Status,
}

impl Scope {
    /// Whether this scope reaches the top-level field `name`.
    pub fn reaches(self, name: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::NotStatus => name != "status",
            Scope::Status => name == "status",
        }
    }

    /// `paths` without those this scope does not reach.
    pub fn keep(self, mut paths: Vec<Steps>) -> Vec<Steps> {
        paths.retain(|path| match path.first() {
            Some(Step::Field(name)) => self.reaches(name),
            _ => self.reaches(""),
        });
        paths
    }

    /// `set` without the fields this scope does not reach.
    pub fn filter(self, mut set: Set) -> Set {
        static STATUS: std::sync::OnceLock<Pe> = std::sync::OnceLock::new();
        let status = STATUS.get_or_init(|| Pe::Field("status".into()));
        match self {
            Scope::All => set,
            Scope::NotStatus => {
                set.remove_subtree(status);
                set
            }
            Scope::Status => set.only_subtree(status),
        }
    }
}

impl Managed {
    /// Reads `metadata.managedFields` from its JSON text (absent is empty). An entry needs an
    /// `Apply` or `Update` operation, an apiVersion, `fieldsType: FieldsV1` and a readable
    /// `fieldsV1`, and no two entries may name the same manager.
    pub fn read(text: Option<&str>) -> Result<Managed, String> {
        let Some(text) = text else {
            return Ok(Managed::default());
        };
        if !text.starts_with('[') {
            return Err("managedFields must be a list".into());
        }
        let entries: Vec<EntryText<'_>> = serde_json::from_str(text)
            .map_err(|e| format!("error decoding managed fields: {e}"))?;
        let mut out = Managed::default();
        for (i, e) in entries.into_iter().enumerate() {
            let operation = e
                .operation
                .as_deref()
                .and_then(Operation::from_name)
                .ok_or("operation must be `Apply` or `Update`")?;
            let api_version = e.api_version.unwrap_or_default();
            if api_version.is_empty() {
                return Err("apiVersion must not be empty".into());
            }
            match e.fields_type.as_deref().unwrap_or("") {
                "FieldsV1" => {}
                "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
                other => {
                    return Err(format!(
                        "invalid fieldsType {other:?} in managed fields entry {i}"
                    ))
                }
            }
            let fields = e.fields_v1.filter(|f| f.get() != "null");
            let set = match fields {
                None => Set::new(),
                Some(fields) => Set::parse(fields.get())
                    .map_err(|why| format!("error decoding managed fields entry {i}: {why}"))?,
            };
            let manager = Manager {
                name: e.manager.unwrap_or_default(),
                operation,
                api_version,
                subresource: e.subresource.unwrap_or_default(),
            };

            out.entries.push(Entry {
                manager,
                time: e.time,
                set,
                raw: fields
                    .filter(|f| f.get().starts_with('{'))
                    .map(RawValue::to_owned),
            });
        }
        // Looked up, not compared with every entry before it: a client can make an object
        // hold many managers.
        let mut seen = std::collections::HashSet::with_capacity(out.entries.len());
        if let Some(twice) = out
            .entries
            .iter()
            .find(|e| !seen.insert(e.manager.identity()))
        {
            return Err(format!(
                "duplicate entries for manager {}",
                twice.manager.describe()
            ));
        }
        Ok(out)
    }

    /// Whether a client's `managedFields` asks to clear them: an empty list, or a list of one
    /// empty entry.
    pub fn is_reset(text: Option<&str>) -> bool {
        let Some(text) = text else { return false };
        match serde_json::from_str::<Vec<Map<String, Value>>>(text) {
            Ok(entries) => entries.is_empty() || (entries.len() == 1 && entries[0].is_empty()),
            Err(_) => false,
        }
    }

    /// The entries as `metadata.managedFields` text, in kube-apiserver's order: appliers
    /// first, then by time, manager, apiVersion and subresource; entries that own nothing are
    /// left out, and `None` when none is left.
    pub fn write(&self) -> Option<ManagedText> {
        let out: Vec<EntryOut<'_>> = self
            .entries
            .iter()
            .filter(|e| !e.set.is_empty())
            .map(|e| EntryOut {
                api_version: &e.manager.api_version,
                fields_type: "FieldsV1",
                fields_v1: match &e.raw {
                    Some(raw) => FieldsOut::Raw(raw),
                    None => FieldsOut::Set(FieldsV1(&e.set)),
                },
                manager: &e.manager.name,
                operation: e.manager.operation.name(),
                subresource: &e.manager.subresource,
                time: e.time.as_deref(),
            })
            .collect();
        write_entries(out)
    }

    /// [`Managed::read`] of a value (tests write them as values).
    #[cfg(test)]
    pub fn decode(value: Option<&Value>) -> Result<Managed, String> {
        match value {
            None | Some(Value::Null) => Ok(Managed::default()),
            Some(v) => Managed::read(Some(&v.to_string())),
        }
    }

    /// [`Managed::write`] as a value (tests compare them as values).
    #[cfg(test)]
    pub fn encode(&self) -> Value {
        self.write()
            .map(|text| serde_json::from_str(text.get()).unwrap())
            .unwrap_or_else(|| Value::Array(Vec::new()))
    }

    fn find(&self, manager: &Manager) -> Option<usize> {
        self.entries.iter().position(|e| e.manager.same(manager))
    }

    /// Every field some manager owns.
    fn owned(&self) -> Set {
        let mut all = Set::new();
        for e in &self.entries {
            all.union_with(&e.set);
        }
        all
    }

    /// Records a write (create, update, patch) by `manager` that made `changes`: the fields it
    /// added or changed become its own (and no one else's), the fields it removed are no one's.
    pub fn update(&mut self, changes: Changes, manager: &Manager, now: &str) {
        let changed = Set::of_steps(&changes.changed);
        let removed = Set::of_steps(&changes.removed);
        // The writer's own entry loses only what it removed: what it changed it keeps (and
        // its `fieldsV1` need not be written again when that was already its own).
        for e in &mut self.entries {
            if !e.manager.same(manager) {
                e.subtract(&changed);
            }
            e.subtract(&removed);
        }
        // `Changes` left out the fields no one owns.
        let mine = changed;
        if !mine.is_empty() {
            match self.find(manager) {
                Some(i) => {
                    let e = &mut self.entries[i];
                    e.add(&mine);
                    e.time = Some(now.to_string());
                }
                None => {
                    let entry = Entry::new(manager.clone(), Some(now.to_string()), mine);
                    self.entries.push(entry)
                }
            }
        }
        self.entries.retain(|e| !e.set.is_empty());
        self.cap_updates();
    }

    /// Applies `config` by `manager` over `live` (both without managed fields): the merged
    /// object, without the fields the manager applied before and no longer applies unless
    /// someone else owns them, or the conflicts with other managers' fields when not `force`.
    /// `None` when the apply changes nothing in the object.
    pub fn apply(
        &mut self,
        live: &Value,
        config: &Value,
        ty: &Type,
        applier: &Applier<'_>,
    ) -> Result<Option<Value>, ApplyError> {
        let Applier {
            manager,
            scope,
            force,
            now,
        } = *applier;
        let merged = walk::merge(Some(live), Some(config), ty)
            .map_err(ApplyError::Invalid)?
            .unwrap_or(Value::Null);
        let applied = scope.filter(walk::field_set(config, ty).map_err(ApplyError::Invalid)?);
        let last = self.find(manager).map(|i| self.entries[i].set.clone());
        let me = match self.find(manager) {
            Some(i) => {
                let e = &mut self.entries[i];
                if e.set != applied {
                    e.set = applied.clone();
                    e.raw = None;
                }
                e.manager.api_version = manager.api_version.clone();
                i
            }
            None => {
                let entry = Entry::new(manager.clone(), None, applied.clone());
                self.entries.push(entry);
                self.entries.len() - 1
            }
        };
        let mut pruned = merged;
        if let Some(last) = last.filter(|l| !l.is_empty()) {
            let dropped = walk::named_fields_as_members(&last, ty)
                .difference(&walk::named_fields_as_members(&self.owned(), ty))
                .difference(stripped());
            walk::remove(&mut pruned, &dropped, ty);
        }
        // Only the fields this scope reaches count: the rest of the object is not written.
        let changes = Changes::between(live, &pruned, ty, scope);
        let changed = Set::of_steps(&changes.changed);
        let removed = Set::of_steps(&changes.removed);
        let mut conflicts = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if i == me {
                continue;
            }
            for path in e.set.intersection(&changed).paths() {
                conflicts.push(Conflict {
                    manager: e.manager.clone(),
                    path,
                });
            }
        }
        if !force && !conflicts.is_empty() {
            conflicts.sort_by(|a, b| {
                (a.manager.name.as_str(), &a.path).cmp(&(b.manager.name.as_str(), &b.path))
            });
            return Err(ApplyError::Conflicts(conflicts));
        }
        for (i, e) in self.entries.iter_mut().enumerate() {
            if i != me {
                e.subtract(&changed);
                e.subtract(&removed);
            }
        }
        let mine = &mut self.entries[me];
        mine.subtract(stripped());
        let unchanged = pruned == *live;
        if !unchanged {
            mine.time = Some(now.to_string());
        }
        self.entries.retain(|e| !e.set.is_empty());
        Ok((!unchanged).then_some(pruned))
    }

    /// Folds the oldest `Update` entries into `ancient-changes` past the limit.
    fn cap_updates(&mut self) {
        loop {
            let mut updates: Vec<usize> = (0..self.entries.len())
                .filter(|&i| {
                    self.entries[i].manager.operation == Operation::Update
                        && self.entries[i].manager.name != ANCIENT
                })
                .collect();
            let buckets = self
                .entries
                .iter()
                .filter(|e| e.manager.operation == Operation::Update && e.manager.name == ANCIENT)
                .count();
            if updates.len() + buckets <= MAX_UPDATE_MANAGERS || updates.is_empty() {
                return;
            }
            updates.sort_by_key(|&i| self.entries[i].time.clone().unwrap_or_default());
            let oldest = self.entries.remove(updates[0]);
            let bucket = Manager {
                name: ANCIENT.into(),
                operation: Operation::Update,
                api_version: oldest.manager.api_version.clone(),
                subresource: String::new(),
            };
            match self.find(&bucket) {
                Some(i) => self.entries[i].add(&oldest.set),
                None => self.entries.push(Entry {
                    manager: bucket,
                    ..oldest
                }),
            }
        }
    }
}

/// Entries as `metadata.managedFields` text, in kube-apiserver's order: appliers first, then
/// by time, manager, apiVersion and subresource; `None` when there are none.
fn write_entries(mut entries: Vec<EntryOut<'_>>) -> Option<ManagedText> {
    fn order<'e>(e: &EntryOut<'e>) -> (&'static str, &'e str, &'e str, &'e str, &'e str) {
        // "Apply" sorts before "Update".
        (
            e.operation,
            e.time.unwrap_or_default(),
            e.manager,
            e.api_version,
            e.subresource,
        )
    }
    if entries.is_empty() {
        return None;
    }
    entries.sort_by(|a, b| order(a).cmp(&order(b)));
    serde_json::to_string(&entries)
        .ok()
        .map(ManagedText::from_json)
}

/// What a write changed, in the fields managers own (the scope's, without those no one owns).
/// Member names are borrowed from the objects compared.
#[derive(Debug, Default)]
pub(crate) struct Changes<'v> {
    /// Fields added or modified.
    pub changed: Vec<Steps<'v>>,
    /// Fields removed.
    pub removed: Vec<Steps<'v>>,
}

impl<'v> Changes<'v> {
    /// What changed from `old` to `new` (the objects without their managed fields) in the
    /// fields `scope` reaches.
    pub fn between(old: &'v Value, new: &'v Value, ty: &Type, scope: Scope) -> Changes<'v> {
        let c = walk::changes(old, new, ty, unowned);
        let changed = match c.added.is_empty() {
            true => c.modified,
            false => [c.added, c.modified].concat(),
        };
        Changes {
            changed: scope.keep(changed),
            removed: scope.keep(c.removed),
        }
    }
}

/// The most paths [`update_text`] looks up in all entries together, and the most entries it
/// compares pairwise; beyond them a write is recorded through [`Managed::update`].
const MAX_TEXT_LOOKUPS: usize = 64;
const MAX_TEXT_ENTRIES: usize = 32;

/// [`Managed::update`] on the text of managed fields the server wrote (the stored object's),
/// for the update a controller makes over and over: `manager` already owns every field it
/// changed, no one else owns any of them, and no one owns a field it removed. No field moves
/// between managers, so only the writer's `time` changes: the entries are copied as they are
/// (`managed_text`), in their new order, instead of being parsed into sets and written again.
/// `None` when the write is not of that kind, or the text is not as the server writes it.
pub(crate) fn update_text<'t>(
    managed: &'t ManagedText,
    changes: &Changes,
    manager: &Manager,
    now: &'t str,
) -> Option<ManagedText> {
    use super::managed_text::{entries, has, EntrySpan};
    let text = managed.get();
    let mut entries = entries(managed).filter(|e| e.len() <= MAX_TEXT_ENTRIES)?;
    let mut lookups = 0;
    // Whether `fields` holds each of `paths` (`want`) or none of them (`!want`).
    let mut holds = |fields: &str, paths: &[Steps], want: bool| -> Option<bool> {
        for path in paths {
            lookups += 1;
            if lookups > MAX_TEXT_LOOKUPS || has(fields, path)? != want {
                return (lookups <= MAX_TEXT_LOOKUPS).then_some(false);
            }
        }
        Some(true)
    };
    let key = |e: &EntrySpan<'t>| {
        let operation = Operation::from_name(e.operation)?;
        Some(identity(e.manager, operation, e.api_version, e.subresource))
    };
    let writer = manager.identity();
    let mut mine = None;
    let mut updates = 0;
    for (i, e) in entries.iter().enumerate() {
        let id = key(e)?;
        updates += usize::from(id.1 == Operation::Update);
        // `Managed::read` refuses entries without an apiVersion and two entries of one
        // manager; `Managed::write` drops entries that own nothing.
        let twice = entries[..i].iter().any(|other| key(other) == Some(id));
        if e.api_version.is_empty() || e.fields_type != "FieldsV1" || e.fields_v1 == "{}" || twice {
            return None;
        }
        let own = id == writer;
        if !holds(e.fields_v1, &changes.changed, own)?
            || !holds(e.fields_v1, &changes.removed, false)?
        {
            return None;
        }
        if own {
            mine = Some(i);
        }
    }
    if updates > MAX_UPDATE_MANAGERS {
        return None;
    }
    // The writer's entry takes the new time, written as it is: it must need no escapes. The
    // entry is told from the others by where its text is.
    let retimed = match changes.changed.is_empty() {
        true => None,
        false if crate::json::needs_no_escape(now) => {
            let mine = &mut entries[mine?];
            mine.time = Some(now);
            Some(mine.text)
        }
        false => return None,
    };
    entries.sort_by(|a, b| {
        let key =
            |e: &EntrySpan<'t>| (e.operation, e.time, e.manager, e.api_version, e.subresource);
        key(a).cmp(&key(b))
    });
    let mut out = String::with_capacity(text.len() + 32);
    out.push('[');
    for (n, e) in entries.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        if retimed.is_some_and(|t| std::ptr::eq(t, e.text)) {
            out.push_str(&e.text[..e.time_at]);
            out.push_str(",\"time\":\"");
            out.push_str(now);
            out.push_str("\"}");
        } else {
            out.push_str(e.text);
        }
    }
    out.push(']');
    // Pieces of text as the server writes it, and a time without escapes: one JSON value.
    Some(ManagedText::from_json(out))
}

/// A `managedFields` entry as read: every member optional, so that what is missing is
/// reported as kube-apiserver reports it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryText<'a> {
    manager: Option<String>,
    operation: Option<String>,
    api_version: Option<String>,
    time: Option<String>,
    fields_type: Option<String>,
    #[serde(borrow)]
    fields_v1: Option<&'a RawValue>,
    subresource: Option<String>,
}

/// A `managedFields` entry as written, its members in the order kube-apiserver's JSON has
/// them.
#[derive(serde::Serialize)]
struct EntryOut<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    #[serde(rename = "fieldsType")]
    fields_type: &'static str,
    #[serde(rename = "fieldsV1")]
    fields_v1: FieldsOut<'a>,
    manager: &'a str,
    operation: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    subresource: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<&'a str>,
}

/// An entry's `fieldsV1`: as it was read, or written from its set.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum FieldsOut<'a> {
    Raw(&'a RawValue),
    Set(FieldsV1<'a>),
}

/// Who applies, through which part of the object, whether it takes fields from their owners,
/// and when.
#[derive(Clone, Copy)]
pub(crate) struct Applier<'a> {
    pub manager: &'a Manager,
    pub scope: Scope,
    pub force: bool,
    pub now: &'a str,
}

/// Why an apply did not go through.
#[derive(Debug)]
pub(crate) enum ApplyError {
    /// The configuration does not fit the kind's list semantics (a keyed item without its key,
    /// a repeated key).
    Invalid(String),
    /// Fields other managers own would change.
    Conflicts(Vec<Conflict>),
    /// The live object's managed fields cannot be read.
    Live(String),
}

/// kube-apiserver's message for apply conflicts.
pub(crate) fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [one] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            one.manager.describe(),
            one.field()
        );
    }
    let mut lines = Vec::new();
    let mut current: Option<&Manager> = None;
    for c in conflicts {
        if current != Some(&c.manager) {
            lines.push(format!("conflicts with {}:", c.manager.describe()));
            current = Some(&c.manager);
        }
        lines.push(format!("- {}", c.field()));
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}
