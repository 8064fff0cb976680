//! The action table: the Rust twin of kube-apiserver's `registerResourceHandlers`.
//!
//! [`actions`] turns a [`ResourceModel`] into every route the resource serves, in the order the
//! installer appends them, each gated on the verbs the resource offers the way `appendIf` gates on
//! the storage's interfaces.

use std::fmt;

use crate::model::{Method, ResourceModel, Scope, Str, Verb};
use crate::names::{operation_id, title};

/// The installer's action verbs: which kind of route an action is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionVerb {
    /// GET a collection.
    List,
    /// POST to a collection.
    Post,
    /// DELETE a collection.
    DeleteCollection,
    /// GET `watch/<collection>` (deprecated since 1.11, still served).
    WatchList,
    /// GET one object.
    Get,
    /// PUT one object.
    Put,
    /// PATCH one object.
    Patch,
    /// DELETE one object.
    Delete,
    /// GET `watch/<collection>/{name}` (deprecated since 1.11, still served).
    Watch,
    /// A connect-style subresource answering one HTTP method.
    Connect,
}

impl ActionVerb {
    /// The installer's name for the action verb.
    pub const fn as_str(self) -> &'static str {
        match self {
            ActionVerb::List => "LIST",
            ActionVerb::Post => "POST",
            ActionVerb::DeleteCollection => "DELETECOLLECTION",
            ActionVerb::WatchList => "WATCHLIST",
            ActionVerb::Get => "GET",
            ActionVerb::Put => "PUT",
            ActionVerb::Patch => "PATCH",
            ActionVerb::Delete => "DELETE",
            ActionVerb::Watch => "WATCH",
            ActionVerb::Connect => "CONNECT",
        }
    }
}

impl fmt::Display for ActionVerb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A query parameter a route documents (reference section 2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    /// `pretty`
    Pretty,
    /// `labelSelector`
    LabelSelector,
    /// `fieldSelector`
    FieldSelector,
    /// `watch`
    Watch,
    /// `allowWatchBookmarks`
    AllowWatchBookmarks,
    /// `resourceVersion`
    ResourceVersion,
    /// `resourceVersionMatch`
    ResourceVersionMatch,
    /// `timeoutSeconds`
    TimeoutSeconds,
    /// `limit`
    Limit,
    /// `continue`
    Continue,
    /// `sendInitialEvents`
    SendInitialEvents,
    /// `dryRun`
    DryRun,
    /// `fieldManager`
    FieldManager,
    /// `fieldValidation`
    FieldValidation,
    /// `force`
    Force,
    /// `gracePeriodSeconds`
    GracePeriodSeconds,
    /// `orphanDependents`
    OrphanDependents,
    /// `propagationPolicy`
    PropagationPolicy,
    /// `ignoreStoreReadErrorWithClusterBreakingPotential`
    IgnoreStoreReadErrorWithClusterBreakingPotential,
}

impl Param {
    /// Every parameter, in the order above.
    pub const ALL: [Param; 19] = [
        Param::Pretty,
        Param::LabelSelector,
        Param::FieldSelector,
        Param::Watch,
        Param::AllowWatchBookmarks,
        Param::ResourceVersion,
        Param::ResourceVersionMatch,
        Param::TimeoutSeconds,
        Param::Limit,
        Param::Continue,
        Param::SendInitialEvents,
        Param::DryRun,
        Param::FieldManager,
        Param::FieldValidation,
        Param::Force,
        Param::GracePeriodSeconds,
        Param::OrphanDependents,
        Param::PropagationPolicy,
        Param::IgnoreStoreReadErrorWithClusterBreakingPotential,
    ];

    /// The parameter's name in the query string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Param::Pretty => "pretty",
            Param::LabelSelector => "labelSelector",
            Param::FieldSelector => "fieldSelector",
            Param::Watch => "watch",
            Param::AllowWatchBookmarks => "allowWatchBookmarks",
            Param::ResourceVersion => "resourceVersion",
            Param::ResourceVersionMatch => "resourceVersionMatch",
            Param::TimeoutSeconds => "timeoutSeconds",
            Param::Limit => "limit",
            Param::Continue => "continue",
            Param::SendInitialEvents => "sendInitialEvents",
            Param::DryRun => "dryRun",
            Param::FieldManager => "fieldManager",
            Param::FieldValidation => "fieldValidation",
            Param::Force => "force",
            Param::GracePeriodSeconds => "gracePeriodSeconds",
            Param::OrphanDependents => "orphanDependents",
            Param::PropagationPolicy => "propagationPolicy",
            Param::IgnoreStoreReadErrorWithClusterBreakingPotential => {
                "ignoreStoreReadErrorWithClusterBreakingPotential"
            }
        }
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// A set of [`Param`]s.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Params(u32);

impl Params {
    /// No parameters.
    pub const EMPTY: Params = Params(0);
    /// Only `pretty`: GET of one object.
    pub const READ: Params = Params::EMPTY.with(Param::Pretty);
    /// List and watch (`ListOptions`).
    pub const LIST: Params = Params::READ
        .with(Param::LabelSelector)
        .with(Param::FieldSelector)
        .with(Param::Watch)
        .with(Param::AllowWatchBookmarks)
        .with(Param::ResourceVersion)
        .with(Param::ResourceVersionMatch)
        .with(Param::TimeoutSeconds)
        .with(Param::Limit)
        .with(Param::Continue)
        .with(Param::SendInitialEvents);
    /// Create and replace (`CreateOptions`, `UpdateOptions`).
    pub const WRITE: Params = Params::READ
        .with(Param::DryRun)
        .with(Param::FieldManager)
        .with(Param::FieldValidation);
    /// Patch (`PatchOptions`).
    pub const PATCH: Params = Params::WRITE.with(Param::Force);
    /// Delete of one object (`DeleteOptions`).
    pub const DELETE: Params = Params::READ
        .with(Param::GracePeriodSeconds)
        .with(Param::OrphanDependents)
        .with(Param::PropagationPolicy)
        .with(Param::DryRun)
        .with(Param::IgnoreStoreReadErrorWithClusterBreakingPotential);
    /// Delete of a collection: delete's and list's, less `watch` and `allowWatchBookmarks`.
    pub const DELETE_COLLECTION: Params = Params(
        (Params::DELETE.0 | Params::LIST.0)
            & !(Param::Watch.bit() | Param::AllowWatchBookmarks.bit()),
    );

    /// The set from its raw bits (as emitted by the derive).
    pub const fn from_bits(bits: u32) -> Params {
        Params(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// This set with `param` added.
    pub const fn with(self, param: Param) -> Params {
        Params(self.0 | param.bit())
    }

    /// Whether `param` is in the set.
    pub const fn contains(self, param: Param) -> bool {
        self.0 & param.bit() != 0
    }

    /// The parameters in the set.
    pub fn iter(self) -> impl Iterator<Item = Param> {
        Param::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Param::as_str))
            .finish()
    }
}

/// The kind of subresource an action serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubresourceKind {
    /// The main resource.
    None,
    /// `/status`.
    Status,
    /// `/scale`.
    Scale,
    /// A connect-style subresource, with its index in the model's `connect` list.
    Connect(usize),
}

/// One route of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// What kind of route it is.
    pub verb: ActionVerb,
    /// The HTTP method it answers.
    pub method: Method,
    /// The full path template: `/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}`.
    pub path: Str,
    /// The Kubernetes verb for discovery and authorization; `None` for connect methods that have
    /// none (HEAD, OPTIONS). A LIST route also serves `watch` when `?watch=true`.
    pub kube_verb: Option<Verb>,
    /// The subresource this route serves, if any.
    pub subresource: Option<Str>,
    /// The kind of subresource this route serves.
    pub subresource_kind: SubresourceKind,
    /// Whether the path carries `{namespace}`.
    pub namespaced: bool,
    /// Whether this is the all-namespaces LIST or WATCHLIST of a namespaced resource.
    pub all_namespaces: bool,
    /// Whether the path ends in a `{path:*}` wildcard.
    pub subpath: bool,
    /// The go-restful operation name: `readNamespacedWidgetStatus`.
    pub operation: Str,
    /// The OpenAPI operation id: `readDemoKrestDevV1NamespacedWidgetStatus`.
    pub operation_id: Str,
    /// The documented query parameters.
    pub params: Params,
}

impl Action {
    /// The path parameters in the template, in order: some of `namespace`, `name`, `path`.
    pub fn path_params(&self) -> impl Iterator<Item = &str> {
        self.path.split('/').filter_map(|segment| {
            let inner = segment.strip_prefix('{')?.strip_suffix('}')?;
            Some(inner.split(':').next().unwrap_or(inner))
        })
    }
}

/// Where a set of actions is mounted: the main resource or one subresource.
struct Mount<'a> {
    /// `R`, or `R/{name}/S` for a subresource.
    resource_path: String,
    /// `R/{name}`, or `R/{name}/S`.
    item_path: String,
    subresource: Option<&'a str>,
    kind: SubresourceKind,
}

/// Every route of a resource, in the order kube-apiserver's installer appends them: the main
/// resource first, then `status`, `scale` and the connect subresources.
pub fn actions(model: &ResourceModel) -> Vec<Action> {
    let mut out = Vec::new();
    let v = model.verbs;
    let lister = v.contains(Verb::List);
    let watch_list = lister && v.contains(Verb::Watch);

    let main = mount(model, None, SubresourceKind::None);
    let gated = [
        (ActionVerb::List, lister),
        (ActionVerb::Post, v.contains(Verb::Create)),
        (
            ActionVerb::DeleteCollection,
            v.contains(Verb::DeleteCollection),
        ),
        (ActionVerb::WatchList, watch_list),
        (ActionVerb::Get, v.contains(Verb::Get)),
        (ActionVerb::Put, v.contains(Verb::Update)),
        (ActionVerb::Patch, v.contains(Verb::Patch)),
        (ActionVerb::Delete, v.contains(Verb::Delete)),
        (ActionVerb::Watch, v.contains(Verb::Watch)),
    ];
    for (verb, enabled) in gated {
        if enabled {
            out.push(action(model, &main, verb, None, false, false));
        }
    }
    if model.namespaced() {
        if lister {
            out.push(action(model, &main, ActionVerb::List, None, true, false));
        }
        if watch_list {
            out.push(action(
                model,
                &main,
                ActionVerb::WatchList,
                None,
                true,
                false,
            ));
        }
    }

    // Status and scale storages are Getter + Updater + Patcher in kube-apiserver.
    let fixed = [
        ("status", model.status, SubresourceKind::Status),
        ("scale", model.scale.is_some(), SubresourceKind::Scale),
    ];
    for (name, enabled, kind) in fixed {
        if enabled {
            let sub = mount(model, Some(name), kind);
            for verb in [ActionVerb::Get, ActionVerb::Put, ActionVerb::Patch] {
                out.push(action(model, &sub, verb, None, false, false));
            }
        }
    }

    for (index, connect) in model.connect.iter().enumerate() {
        let sub = mount(model, Some(&connect.name), SubresourceKind::Connect(index));
        for subpath in [false, true] {
            if subpath && !connect.subpath {
                continue;
            }
            for method in connect.methods.iter() {
                out.push(action(
                    model,
                    &sub,
                    ActionVerb::Connect,
                    Some(*method),
                    false,
                    subpath,
                ));
            }
        }
    }
    out
}

fn mount<'a>(
    model: &ResourceModel,
    subresource: Option<&'a str>,
    kind: SubresourceKind,
) -> Mount<'a> {
    let base = match model.scope {
        Scope::Cluster => model.plural.to_string(),
        Scope::Namespaced => format!("namespaces/{{namespace}}/{}", model.plural),
    };
    let item_path = match subresource {
        Some(sub) => format!("{base}/{{name}}/{sub}"),
        None => format!("{base}/{{name}}"),
    };
    let resource_path = match subresource {
        Some(_) => item_path.clone(),
        None => base,
    };
    Mount {
        resource_path,
        item_path,
        subresource,
        kind,
    }
}

fn action(
    model: &ResourceModel,
    mount: &Mount<'_>,
    verb: ActionVerb,
    connect_method: Option<Method>,
    all_namespaces: bool,
    subpath: bool,
) -> Action {
    let prefix = model.prefix();
    let relative = match (verb, all_namespaces) {
        (ActionVerb::List, true) => model.plural.to_string(),
        (ActionVerb::WatchList, true) => format!("watch/{}", model.plural),
        (ActionVerb::List | ActionVerb::Post | ActionVerb::DeleteCollection, false) => {
            mount.resource_path.clone()
        }
        (ActionVerb::WatchList, false) => format!("watch/{}", mount.resource_path),
        (ActionVerb::Watch, _) => format!("watch/{}", mount.item_path),
        _ => mount.item_path.clone(),
    };
    let relative = if subpath {
        format!("{relative}/{{path:*}}")
    } else {
        relative
    };
    let path = format!("{prefix}/{relative}");

    let (method, kube_verb, op_verb, params) = match verb {
        ActionVerb::List => (
            Method::Get,
            Some(Verb::List),
            "list".to_string(),
            Params::LIST,
        ),
        ActionVerb::Post => (
            Method::Post,
            Some(Verb::Create),
            "create".into(),
            Params::WRITE,
        ),
        ActionVerb::DeleteCollection => (
            Method::Delete,
            Some(Verb::DeleteCollection),
            "deletecollection".into(),
            Params::DELETE_COLLECTION,
        ),
        ActionVerb::WatchList => (Method::Get, Some(Verb::Watch), "watch".into(), Params::LIST),
        ActionVerb::Get => (Method::Get, Some(Verb::Get), "read".into(), Params::READ),
        ActionVerb::Put => (
            Method::Put,
            Some(Verb::Update),
            "replace".into(),
            Params::WRITE,
        ),
        ActionVerb::Patch => (
            Method::Patch,
            Some(Verb::Patch),
            "patch".into(),
            Params::PATCH,
        ),
        ActionVerb::Delete => (
            Method::Delete,
            Some(Verb::Delete),
            "delete".into(),
            Params::DELETE,
        ),
        ActionVerb::Watch => (Method::Get, Some(Verb::Watch), "watch".into(), Params::LIST),
        ActionVerb::Connect => {
            let method = connect_method.unwrap_or(Method::Get);
            let op = format!("connect{}", title(&method.as_str().to_lowercase()));
            // The installer documents no `pretty` on CONNECT routes, only the fields of the
            // connect options type, and krest's connect subresources have none.
            (method, method.connect_verb(), op, Params::EMPTY)
        }
    };

    let namespaced = model.namespaced() && !all_namespaces;
    let mut operation = op_verb;
    if namespaced {
        operation.push_str("Namespaced");
    }
    operation.push_str(&model.kind);
    if let Some(sub) = mount.subresource {
        operation.push_str(&title(sub));
    }
    if verb == ActionVerb::WatchList {
        operation.push_str("List");
    }
    if subpath {
        operation.push_str("WithPath");
    }
    if all_namespaces {
        operation.push_str("ForAllNamespaces");
    }
    let operation_id = operation_id(&operation, &model.group, &model.version);

    Action {
        verb,
        method,
        path: path.into(),
        kube_verb,
        subresource: mount.subresource.map(|s| Str::from(s.to_string())),
        subresource_kind: mount.kind,
        namespaced,
        all_namespaces,
        subpath,
        operation: operation.into(),
        operation_id: operation_id.into(),
        params,
    }
}
