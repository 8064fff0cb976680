//! The resource model: everything krest knows about one served kind.
//!
//! The same types are built three ways: by the derive macro at compile time (then emitted as
//! `const` data), by the YAML reader from a CustomResourceDefinition, and by hand in tests. Text
//! and lists are `Cow<'static, _>` so that one type serves both the `const` tables in user crates
//! and the owned values the generators build.

use std::borrow::Cow;
use std::fmt;

/// Text in the model: borrowed in generated `const` data, owned while generating.
pub type Str = Cow<'static, str>;
/// A list in the model: borrowed in generated `const` data, owned while generating.
pub type List<T> = Cow<'static, [T]>;

/// Whether objects of a kind live in a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One object per name in the whole server (`/apis/g/v/R/{name}`).
    Cluster,
    /// One object per name and namespace (`/apis/g/v/namespaces/{namespace}/R/{name}`).
    Namespaced,
}

/// A Kubernetes verb, as discovery lists it and authorization checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    /// `create`: POST to a collection.
    Create,
    /// `delete`: DELETE of one object.
    Delete,
    /// `deletecollection`: DELETE of a collection.
    DeleteCollection,
    /// `get`: GET of one object.
    Get,
    /// `list`: GET of a collection.
    List,
    /// `patch`: PATCH of one object.
    Patch,
    /// `update`: PUT of one object.
    Update,
    /// `watch`: a watch of a collection or an object.
    Watch,
}

impl Verb {
    /// Every verb, in the sorted order kube-apiserver lists them in discovery.
    pub const ALL: [Verb; 8] = [
        Verb::Create,
        Verb::Delete,
        Verb::DeleteCollection,
        Verb::Get,
        Verb::List,
        Verb::Patch,
        Verb::Update,
        Verb::Watch,
    ];

    /// The verb as Kubernetes spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verb::Create => "create",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "deletecollection",
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Patch => "patch",
            Verb::Update => "update",
            Verb::Watch => "watch",
        }
    }

    /// Parses a verb as Kubernetes spells it.
    pub fn parse(s: &str) -> Option<Verb> {
        Verb::ALL.into_iter().find(|v| v.as_str() == s)
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A set of [`Verb`]s: which capabilities a resource's storage offers (go's `rest.Getter`,
/// `rest.Updater`, ... checked by `registerResourceHandlers`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VerbSet(u16);

impl VerbSet {
    /// No verbs.
    pub const EMPTY: VerbSet = VerbSet(0);
    /// All eight verbs: the default for a resource.
    pub const ALL: VerbSet = VerbSet(0xff);
    /// `get`, `list` and `watch`: a read-only resource.
    pub const READ_ONLY: VerbSet = VerbSet::EMPTY
        .with(Verb::Get)
        .with(Verb::List)
        .with(Verb::Watch);

    /// The set from its raw bits (as emitted by the derive).
    pub const fn from_bits(bits: u16) -> VerbSet {
        VerbSet(bits & 0xff)
    }

    /// The raw bits.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// This set with `verb` added.
    pub const fn with(self, verb: Verb) -> VerbSet {
        VerbSet(self.0 | verb.bit())
    }

    /// Whether `verb` is in the set.
    pub const fn contains(self, verb: Verb) -> bool {
        self.0 & verb.bit() != 0
    }

    /// The verbs in the set, sorted.
    pub fn iter(self) -> impl Iterator<Item = Verb> {
        Verb::ALL.into_iter().filter(move |v| self.contains(*v))
    }
}

impl FromIterator<Verb> for VerbSet {
    fn from_iter<I: IntoIterator<Item = Verb>>(iter: I) -> Self {
        iter.into_iter().fold(VerbSet::EMPTY, VerbSet::with)
    }
}

impl fmt::Debug for VerbSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// An HTTP method a route answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// HEAD
    Head,
    /// OPTIONS
    Options,
}

impl Method {
    /// Every method, in the order above.
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Head,
        Method::Options,
    ];

    /// The method's name, upper case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    /// Parses an upper-case method name.
    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The Kubernetes verb a request with this method means on a connect route
    /// (`toDiscoveryKubeVerb`); HEAD and OPTIONS have none.
    pub const fn connect_verb(self) -> Option<Verb> {
        match self {
            Method::Get => Some(Verb::Get),
            Method::Post => Some(Verb::Create),
            Method::Put => Some(Verb::Update),
            Method::Patch => Some(Verb::Patch),
            Method::Delete => Some(Verb::Delete),
            Method::Head | Method::Options => None,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The `scale` subresource: where the replica counts live in the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scale {
    /// JSON path of the desired replicas, e.g. `.spec.replicas`.
    pub spec_replicas_path: Str,
    /// JSON path of the observed replicas, e.g. `.status.readyReplicas`.
    pub status_replicas_path: Str,
    /// JSON path of the label selector string in the status, if any.
    pub label_selector_path: Option<Str>,
}

/// A connect-style subresource (like a pod's `exec` or `log`) served by a user handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectSubresource {
    /// The subresource name, the last path segment: `/widgets/{name}/logs`.
    pub name: Str,
    /// The HTTP methods it answers; one CONNECT route each.
    pub methods: List<Method>,
    /// Whether it also answers below its path (`/widgets/{name}/logs/{path:*}`).
    pub subpath: bool,
}

/// A column of `kubectl get` output (a CRD's `additionalPrinterColumns`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrinterColumn {
    /// Column header.
    pub name: Str,
    /// OpenAPI type: `string`, `integer`, `number`, `boolean` or `date`.
    pub type_: Str,
    /// OpenAPI format, e.g. `int32`; empty when none.
    pub format: Str,
    /// Where the value is, as a simple JSON path: `.spec.color`.
    pub json_path: Str,
    /// 0 for the default view, more for `-o wide` only.
    pub priority: i32,
    /// Text for the column's description.
    pub description: Str,
}

/// The printer column types Kubernetes accepts.
pub const PRINTER_COLUMN_TYPES: [&str; 5] = ["string", "integer", "number", "boolean", "date"];

/// Everything krest knows about one served kind: the input of [`crate::actions`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceModel {
    /// API group; empty for the core group, served under `/api/v1`.
    pub group: Str,
    /// API version: `v1`, `v1beta2`, `v2alpha1`.
    pub version: Str,
    /// Kind, in CamelCase: `Widget`.
    pub kind: Str,
    /// Resource name in URLs: `widgets`.
    pub plural: Str,
    /// Singular resource name: `widget`.
    pub singular: Str,
    /// Short names for kubectl: `wd`.
    pub short_names: List<Str>,
    /// Categories for `kubectl get <category>`: `all`.
    pub categories: List<Str>,
    /// Cluster or namespaced.
    pub scope: Scope,
    /// The verbs the resource's storage offers.
    pub verbs: VerbSet,
    /// Whether there is a `status` subresource.
    pub status: bool,
    /// The `scale` subresource, if any.
    pub scale: Option<Scale>,
    /// Connect-style subresources.
    pub connect: List<ConnectSubresource>,
    /// Columns of `kubectl get`.
    pub printer_columns: List<PrinterColumn>,
    /// Fields besides `metadata.name` and `metadata.namespace` that field selectors may use,
    /// as a CRD's `selectableFields` write them: `.spec.color`.
    pub selectable_fields: List<Str>,
    /// Whether this version is deprecated: every response through it carries a `Warning`.
    pub deprecated: bool,
    /// The warning of a deprecated version; `None` for Kubernetes' default,
    /// `group/version Kind is deprecated`.
    pub deprecation_warning: Option<Str>,
    /// The version objects are stored in when it is another version of this kind, as a CRD's
    /// `storage: true` says; `None` when objects are stored in this version.
    pub storage_version: Option<Str>,
    /// How this version converts to and from its storage version (the hub), when it is not
    /// the storage version and the kind's versions differ in more than their `apiVersion`
    /// (`#[resource(conversion)]`, or a generated crate's conversion file). `None`: objects are
    /// served as stored with this version's `apiVersion`, as a CRD's strategy `None` does.
    pub conversion: Option<Conversion>,
    /// The conversions of the kind's other served versions that convert, by version: empty in
    /// the derive's `const` data, filled by the server when it registers the kind's versions,
    /// so that an object stored in any version (written while it was the storage version) is
    /// read converted to the storage version first.
    pub stored_conversions: List<(Str, Conversion)>,
}

/// A conversion between one version of a kind and its storage version (the hub): two
/// functions on whole objects as JSON, typed in between. The runtime answers an error that is a
/// `krest::Status` with it, and any other as a 500.
///
/// The runtime's `krest::conversion` builds one from a `Convert` implementation and wraps it
/// so that nothing a version cannot express is lost (see docs/conversion.md).
#[derive(Clone, Copy)]
pub struct Conversion {
    /// This version's object as the storage version's.
    pub to_hub: ConvertFn,
    /// The storage version's object as this version's.
    pub from_hub: ConvertFn,
}

/// One direction of a [`Conversion`]: an object in as JSON, the converted object out, or why
/// not.
pub type ConvertFn =
    fn(serde_json::Value) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>>;

impl fmt::Debug for Conversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Conversion")
    }
}

/// Models compare whether they convert, not the functions: a function's address is not
/// stable across codegen units.
impl PartialEq for Conversion {
    fn eq(&self, _: &Conversion) -> bool {
        true
    }
}

impl Eq for Conversion {}

impl ResourceModel {
    /// A model with the defaults Kubernetes would pick for `kind` in `group`/`version`: plural and
    /// singular guessed from the kind, namespaced, every verb, no subresources.
    pub fn new(group: impl Into<Str>, version: impl Into<Str>, kind: impl Into<Str>) -> Self {
        let kind = kind.into();
        let (plural, singular) = crate::names::guess_plural_and_singular(&kind);
        ResourceModel {
            group: group.into(),
            version: version.into(),
            kind,
            plural: plural.into(),
            singular: singular.into(),
            short_names: List::default(),
            categories: List::default(),
            scope: Scope::Namespaced,
            verbs: VerbSet::ALL,
            status: false,
            scale: None,
            connect: List::default(),
            printer_columns: List::default(),
            selectable_fields: List::default(),
            deprecated: false,
            deprecation_warning: None,
            storage_version: None,
            conversion: None,
            stored_conversions: List::Borrowed(&[]),
        }
    }

    /// `group/version`, or just `version` for the core group: the `apiVersion` of objects.
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }

    /// The URL prefix of the group-version: `/api/v1` or `/apis/{group}/{version}`.
    pub fn prefix(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    /// Whether objects live in namespaces.
    pub fn namespaced(&self) -> bool {
        self.scope == Scope::Namespaced
    }

    /// `plural.group` (or just `plural` for the core group), as error messages name a resource.
    pub fn qualified_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The discovery `storageVersionHash` of this kind: the same for every version of it, as it
    /// names the version objects are stored in.
    pub fn storage_version_hash(&self) -> String {
        let version = self.storage_version.as_deref().unwrap_or(&self.version);
        crate::names::storage_version_hash(&self.group, version, &self.kind)
    }

    /// The `apiVersion` objects of this kind are stored with.
    pub fn storage_api_version(&self) -> String {
        api_version(
            &self.group,
            self.storage_version.as_deref().unwrap_or(&self.version),
        )
    }

    /// The `Warning` a deprecated version's responses carry, as kube-apiserver words it for a
    /// custom resource; `None` when the version is not deprecated.
    pub fn deprecation(&self) -> Option<String> {
        if !self.deprecated {
            return None;
        }
        Some(match &self.deprecation_warning {
            Some(text) => text.to_string(),
            None => format!("{} {} is deprecated", self.api_version(), self.kind),
        })
    }
}

/// `group/version`, or `version` alone for the core group. Joined with one allocation of the
/// right size: the write path asks for it on every request, and `format!` costs ten times as
/// much.
fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        [group, "/", version].concat()
    }
}
