//! Golden action tables: `actions()` against tables written by hand from kube-apiserver's rules.
//!
//! Every expected row below was written from the reference (sections 1.3 to 1.5 and 2), not
//! printed by the code under test. Within one resource or subresource the rows follow
//! `registerResourceHandlers`' `appendIf` order: LIST, POST, DELETECOLLECTION, WATCHLIST, GET,
//! PUT, PATCH, DELETE, WATCH, CONNECT (each method, then each method again for `{path:*}`), and
//! for a namespaced resource the all-namespaces LIST and WATCHLIST last. The blocks follow krest's
//! documented order: the resource, then `status`, `scale`, then connect subresources as declared
//! (the order apiextensions-apiserver uses for a CRD's status and scale; kube-apiserver's
//! `Install` registers built-in storage paths sorted by name instead).
//!
//! The operation ids of the core-group cases (`Pod`, `Node`) are the ones real kube-apiserver
//! publishes, e.g. `connectCoreV1GetNamespacedPodExec` and `listCoreV1PodForAllNamespaces`.

use std::collections::BTreeSet;

use krest_codegen::{
    actions, discovery, Action, ActionVerb, ConnectSubresource, DiscoveryResource, List, Method,
    ResourceModel, Scale, Scope, Verb, VerbSet,
};

// ---------------------------------------------------------------------------------------------
// Models

/// `Widget`: namespaced, every verb, status and scale (the example crate's Widget).
fn widget() -> ResourceModel {
    let mut m = ResourceModel::new("demo.krest.dev", "v1", "Widget");
    m.short_names = List::Owned(vec!["wd".into()]);
    m.categories = List::Owned(vec!["all".into()]);
    m.status = true;
    m.scale = Some(Scale {
        spec_replicas_path: ".spec.replicas".into(),
        status_replicas_path: ".status.readyReplicas".into(),
        label_selector_path: None,
    });
    m
}

/// `Gadget`: cluster-scoped, every verb, no subresources (the example crate's Gadget).
fn gadget() -> ResourceModel {
    let mut m = ResourceModel::new("demo.krest.dev", "v1", "Gadget");
    m.scope = Scope::Cluster;
    m
}

/// `Inventory`: namespaced and read-only (get, list, watch), in an alpha version.
fn inventory() -> ResourceModel {
    let mut m = ResourceModel::new("demo.krest.dev", "v1alpha1", "Inventory");
    m.verbs = VerbSet::READ_ONLY;
    m
}

fn connect(name: &'static str, methods: &[Method], subpath: bool) -> ConnectSubresource {
    ConnectSubresource {
        name: name.into(),
        methods: List::Owned(methods.to_vec()),
        subpath,
    }
}

/// `Pod` in the core group: namespaced, status, and the connect subresources `exec` (GET, POST)
/// and `log` (GET).
fn pod() -> ResourceModel {
    let mut m = ResourceModel::new("", "v1", "Pod");
    m.status = true;
    m.connect = List::Owned(vec![
        connect("exec", &[Method::Get, Method::Post], false),
        connect("log", &[Method::Get], false),
    ]);
    m
}

/// kube-apiserver's `proxyMethods`, the `ConnectMethods()` of `nodes/proxy` and `pods/proxy`.
const PROXY_METHODS: [Method; 7] = [
    Method::Get,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
    Method::Head,
    Method::Options,
];

/// `Node` in the core group: cluster-scoped, status, and `proxy` with every method and a subpath.
fn node() -> ResourceModel {
    let mut m = ResourceModel::new("", "v1", "Node");
    m.scope = Scope::Cluster;
    m.status = true;
    m.connect = List::Owned(vec![connect("proxy", &PROXY_METHODS, true)]);
    m
}

// ---------------------------------------------------------------------------------------------
// Expected tables: method, path, action verb, kube verb (`-` for none), operation id.

const WIDGET: &str = "
GET    /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets                LIST             list             listDemoKrestDevV1NamespacedWidget
POST   /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets                POST             create           createDemoKrestDevV1NamespacedWidget
DELETE /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets                DELETECOLLECTION deletecollection deleteDemoKrestDevV1CollectionNamespacedWidget
GET    /apis/demo.krest.dev/v1/watch/namespaces/{namespace}/widgets          WATCHLIST        watch            watchDemoKrestDevV1NamespacedWidgetList
GET    /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}         GET              get              readDemoKrestDevV1NamespacedWidget
PUT    /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}         PUT              update           replaceDemoKrestDevV1NamespacedWidget
PATCH  /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}         PATCH            patch            patchDemoKrestDevV1NamespacedWidget
DELETE /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}         DELETE           delete           deleteDemoKrestDevV1NamespacedWidget
GET    /apis/demo.krest.dev/v1/watch/namespaces/{namespace}/widgets/{name}   WATCH            watch            watchDemoKrestDevV1NamespacedWidget
GET    /apis/demo.krest.dev/v1/widgets                                       LIST             list             listDemoKrestDevV1WidgetForAllNamespaces
GET    /apis/demo.krest.dev/v1/watch/widgets                                 WATCHLIST        watch            watchDemoKrestDevV1WidgetListForAllNamespaces
GET    /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/status  GET              get              readDemoKrestDevV1NamespacedWidgetStatus
PUT    /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/status  PUT              update           replaceDemoKrestDevV1NamespacedWidgetStatus
PATCH  /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/status  PATCH            patch            patchDemoKrestDevV1NamespacedWidgetStatus
GET    /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/scale   GET              get              readDemoKrestDevV1NamespacedWidgetScale
PUT    /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/scale   PUT              update           replaceDemoKrestDevV1NamespacedWidgetScale
PATCH  /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/scale   PATCH            patch            patchDemoKrestDevV1NamespacedWidgetScale
";

const GADGET: &str = "
GET    /apis/demo.krest.dev/v1/gadgets               LIST             list             listDemoKrestDevV1Gadget
POST   /apis/demo.krest.dev/v1/gadgets               POST             create           createDemoKrestDevV1Gadget
DELETE /apis/demo.krest.dev/v1/gadgets               DELETECOLLECTION deletecollection deleteDemoKrestDevV1CollectionGadget
GET    /apis/demo.krest.dev/v1/watch/gadgets         WATCHLIST        watch            watchDemoKrestDevV1GadgetList
GET    /apis/demo.krest.dev/v1/gadgets/{name}        GET              get              readDemoKrestDevV1Gadget
PUT    /apis/demo.krest.dev/v1/gadgets/{name}        PUT              update           replaceDemoKrestDevV1Gadget
PATCH  /apis/demo.krest.dev/v1/gadgets/{name}        PATCH            patch            patchDemoKrestDevV1Gadget
DELETE /apis/demo.krest.dev/v1/gadgets/{name}        DELETE           delete           deleteDemoKrestDevV1Gadget
GET    /apis/demo.krest.dev/v1/watch/gadgets/{name}  WATCH            watch            watchDemoKrestDevV1Gadget
";

const INVENTORY: &str = "
GET /apis/demo.krest.dev/v1alpha1/namespaces/{namespace}/inventories               LIST      list  listDemoKrestDevV1alpha1NamespacedInventory
GET /apis/demo.krest.dev/v1alpha1/watch/namespaces/{namespace}/inventories         WATCHLIST watch watchDemoKrestDevV1alpha1NamespacedInventoryList
GET /apis/demo.krest.dev/v1alpha1/namespaces/{namespace}/inventories/{name}        GET       get   readDemoKrestDevV1alpha1NamespacedInventory
GET /apis/demo.krest.dev/v1alpha1/watch/namespaces/{namespace}/inventories/{name}  WATCH     watch watchDemoKrestDevV1alpha1NamespacedInventory
GET /apis/demo.krest.dev/v1alpha1/inventories                                      LIST      list  listDemoKrestDevV1alpha1InventoryForAllNamespaces
GET /apis/demo.krest.dev/v1alpha1/watch/inventories                                WATCHLIST watch watchDemoKrestDevV1alpha1InventoryListForAllNamespaces
";

const POD: &str = "
GET    /api/v1/namespaces/{namespace}/pods               LIST             list             listCoreV1NamespacedPod
POST   /api/v1/namespaces/{namespace}/pods               POST             create           createCoreV1NamespacedPod
DELETE /api/v1/namespaces/{namespace}/pods               DELETECOLLECTION deletecollection deleteCoreV1CollectionNamespacedPod
GET    /api/v1/watch/namespaces/{namespace}/pods         WATCHLIST        watch            watchCoreV1NamespacedPodList
GET    /api/v1/namespaces/{namespace}/pods/{name}        GET              get              readCoreV1NamespacedPod
PUT    /api/v1/namespaces/{namespace}/pods/{name}        PUT              update           replaceCoreV1NamespacedPod
PATCH  /api/v1/namespaces/{namespace}/pods/{name}        PATCH            patch            patchCoreV1NamespacedPod
DELETE /api/v1/namespaces/{namespace}/pods/{name}        DELETE           delete           deleteCoreV1NamespacedPod
GET    /api/v1/watch/namespaces/{namespace}/pods/{name}  WATCH            watch            watchCoreV1NamespacedPod
GET    /api/v1/pods                                      LIST             list             listCoreV1PodForAllNamespaces
GET    /api/v1/watch/pods                                WATCHLIST        watch            watchCoreV1PodListForAllNamespaces
GET    /api/v1/namespaces/{namespace}/pods/{name}/status GET              get              readCoreV1NamespacedPodStatus
PUT    /api/v1/namespaces/{namespace}/pods/{name}/status PUT              update           replaceCoreV1NamespacedPodStatus
PATCH  /api/v1/namespaces/{namespace}/pods/{name}/status PATCH            patch            patchCoreV1NamespacedPodStatus
GET    /api/v1/namespaces/{namespace}/pods/{name}/exec   CONNECT          get              connectCoreV1GetNamespacedPodExec
POST   /api/v1/namespaces/{namespace}/pods/{name}/exec   CONNECT          create           connectCoreV1PostNamespacedPodExec
GET    /api/v1/namespaces/{namespace}/pods/{name}/log    CONNECT          get              connectCoreV1GetNamespacedPodLog
";

const NODE: &str = "
GET     /api/v1/nodes                         LIST             list             listCoreV1Node
POST    /api/v1/nodes                         POST             create           createCoreV1Node
DELETE  /api/v1/nodes                         DELETECOLLECTION deletecollection deleteCoreV1CollectionNode
GET     /api/v1/watch/nodes                   WATCHLIST        watch            watchCoreV1NodeList
GET     /api/v1/nodes/{name}                  GET              get              readCoreV1Node
PUT     /api/v1/nodes/{name}                  PUT              update           replaceCoreV1Node
PATCH   /api/v1/nodes/{name}                  PATCH            patch            patchCoreV1Node
DELETE  /api/v1/nodes/{name}                  DELETE           delete           deleteCoreV1Node
GET     /api/v1/watch/nodes/{name}            WATCH            watch            watchCoreV1Node
GET     /api/v1/nodes/{name}/status           GET              get              readCoreV1NodeStatus
PUT     /api/v1/nodes/{name}/status           PUT              update           replaceCoreV1NodeStatus
PATCH   /api/v1/nodes/{name}/status           PATCH            patch            patchCoreV1NodeStatus
GET     /api/v1/nodes/{name}/proxy            CONNECT          get              connectCoreV1GetNodeProxy
POST    /api/v1/nodes/{name}/proxy            CONNECT          create           connectCoreV1PostNodeProxy
PUT     /api/v1/nodes/{name}/proxy            CONNECT          update           connectCoreV1PutNodeProxy
PATCH   /api/v1/nodes/{name}/proxy            CONNECT          patch            connectCoreV1PatchNodeProxy
DELETE  /api/v1/nodes/{name}/proxy            CONNECT          delete           connectCoreV1DeleteNodeProxy
HEAD    /api/v1/nodes/{name}/proxy            CONNECT          -                connectCoreV1HeadNodeProxy
OPTIONS /api/v1/nodes/{name}/proxy            CONNECT          -                connectCoreV1OptionsNodeProxy
GET     /api/v1/nodes/{name}/proxy/{path:*}   CONNECT          get              connectCoreV1GetNodeProxyWithPath
POST    /api/v1/nodes/{name}/proxy/{path:*}   CONNECT          create           connectCoreV1PostNodeProxyWithPath
PUT     /api/v1/nodes/{name}/proxy/{path:*}   CONNECT          update           connectCoreV1PutNodeProxyWithPath
PATCH   /api/v1/nodes/{name}/proxy/{path:*}   CONNECT          patch            connectCoreV1PatchNodeProxyWithPath
DELETE  /api/v1/nodes/{name}/proxy/{path:*}   CONNECT          delete           connectCoreV1DeleteNodeProxyWithPath
HEAD    /api/v1/nodes/{name}/proxy/{path:*}   CONNECT          -                connectCoreV1HeadNodeProxyWithPath
OPTIONS /api/v1/nodes/{name}/proxy/{path:*}   CONNECT          -                connectCoreV1OptionsNodeProxyWithPath
";

// ---------------------------------------------------------------------------------------------
// Comparison

/// One row as the expected tables spell it, columns separated by single spaces.
fn render(action: &Action) -> String {
    format!(
        "{} {} {} {} {}",
        action.method,
        action.path,
        action.verb,
        action.kube_verb.map_or("-", Verb::as_str),
        action.operation_id
    )
}

fn expected_rows(table: &str) -> Vec<String> {
    table
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect()
}

/// Compares the whole table, in order; a mismatch prints the rows side by side, `-` for the
/// expected row and `+` for the produced one.
fn assert_table(model: &ResourceModel, table: &str) {
    let expected = expected_rows(table);
    let table = actions(model);
    let got: Vec<String> = table.iter().map(render).collect();
    if got != expected {
        let mut diff = String::new();
        for i in 0..got.len().max(expected.len()) {
            match (expected.get(i), got.get(i)) {
                (Some(e), Some(g)) if e == g => diff.push_str(&format!("  {e}\n")),
                (e, g) => {
                    if let Some(e) = e {
                        diff.push_str(&format!("- {e}\n"));
                    }
                    if let Some(g) = g {
                        diff.push_str(&format!("+ {g}\n"));
                    }
                }
            }
        }
        panic!(
            "action table of {} differs from the expected one:\n{diff}",
            model.kind
        );
    }
    for action in &table {
        assert_row_flags(model, action);
    }
}

/// The flags of a row follow from its (already checked) path by the installer's rules.
fn assert_row_flags(model: &ResourceModel, a: &Action) {
    let prefix = if model.group.is_empty() {
        format!("/api/{}/", model.version)
    } else {
        format!("/apis/{}/{}/", model.group, model.version)
    };
    let relative = a.path.strip_prefix(&prefix).expect("path under the prefix");
    let relative = relative.strip_prefix("watch/").unwrap_or(relative);
    let segments: Vec<&str> = relative.split('/').collect();

    let has_namespace = segments.starts_with(&["namespaces", "{namespace}"]);
    assert_eq!(a.namespaced, has_namespace, "namespaced flag of {}", a.path);
    assert_eq!(
        a.all_namespaces,
        model.scope == Scope::Namespaced && !has_namespace,
        "all_namespaces flag of {}",
        a.path
    );
    assert_eq!(
        a.subpath,
        a.path.ends_with("/{path:*}"),
        "subpath flag of {}",
        a.path
    );

    // After `{name}` comes the subresource, if any.
    let after_name = segments
        .iter()
        .position(|s| *s == "{name}")
        .and_then(|i| segments.get(i + 1))
        .copied();
    assert_eq!(
        a.subresource.as_deref(),
        after_name,
        "subresource of {}",
        a.path
    );

    let params: Vec<&str> = a.path_params().collect();
    let mut want = Vec::new();
    if has_namespace {
        want.push("namespace");
    }
    if a.path.contains("/{name}") {
        want.push("name");
    }
    if a.subpath {
        want.push("path");
    }
    assert_eq!(params, want, "path parameters of {}", a.path);
}

// ---------------------------------------------------------------------------------------------
// Tables

#[test]
fn namespaced_resource_with_status_and_scale() {
    assert_table(&widget(), WIDGET);
}

#[test]
fn cluster_scoped_resource() {
    assert_table(&gadget(), GADGET);
}

#[test]
fn read_only_resource() {
    assert_table(&inventory(), INVENTORY);
}

#[test]
fn core_group_namespaced_resource_with_connect_subresources() {
    assert_table(&pod(), POD);
}

#[test]
fn core_group_cluster_resource_with_subpath_connect() {
    assert_table(&node(), NODE);
}

#[test]
fn watch_routes_need_both_list_and_watch() {
    // `allowWatchList := isWatcher && isLister`: watch without list keeps only the item WATCH.
    let mut m = ResourceModel::new("demo.krest.dev", "v1", "Gadget");
    m.scope = Scope::Cluster;
    m.verbs = [Verb::Get, Verb::Watch].into_iter().collect();
    assert_table(
        &m,
        "
        GET /apis/demo.krest.dev/v1/gadgets/{name}       GET   get   readDemoKrestDevV1Gadget
        GET /apis/demo.krest.dev/v1/watch/gadgets/{name} WATCH watch watchDemoKrestDevV1Gadget
        ",
    );

    // List without watch: the LISTs, no WATCHLIST anywhere.
    let mut m = ResourceModel::new("demo.krest.dev", "v1", "Widget");
    m.verbs = [Verb::List].into_iter().collect();
    assert_table(
        &m,
        "
        GET /apis/demo.krest.dev/v1/namespaces/{namespace}/widgets LIST list listDemoKrestDevV1NamespacedWidget
        GET /apis/demo.krest.dev/v1/widgets                        LIST list listDemoKrestDevV1WidgetForAllNamespaces
        ",
    );
}

#[test]
fn each_verb_gates_its_own_routes() {
    // Dropping a verb drops exactly the rows it gates (a storage that is not a `rest.Creater`
    // has no POST); status and scale are storages of their own and keep theirs.
    let mut m = widget();
    m.verbs = VerbSet::ALL
        .iter()
        .filter(|v| *v != Verb::Create && *v != Verb::DeleteCollection)
        .collect();
    let got: Vec<String> = actions(&m).iter().map(render).collect();
    let expected: Vec<String> = expected_rows(WIDGET)
        .into_iter()
        .filter(|row| !row.contains(" POST ") && !row.contains(" DELETECOLLECTION "))
        .collect();
    assert_eq!(expected.len(), 15);
    assert_eq!(got, expected);
}

#[test]
fn go_restful_operation_names() {
    // The installer's operation names (section 2.1), before the group and version are added.
    let table = actions(&pod());
    let names: Vec<&str> = table.iter().map(|a| &*a.operation).collect();
    assert_eq!(
        names,
        [
            "listNamespacedPod",
            "createNamespacedPod",
            "deletecollectionNamespacedPod",
            "watchNamespacedPodList",
            "readNamespacedPod",
            "replaceNamespacedPod",
            "patchNamespacedPod",
            "deleteNamespacedPod",
            "watchNamespacedPod",
            "listPodForAllNamespaces",
            "watchPodListForAllNamespaces",
            "readNamespacedPodStatus",
            "replaceNamespacedPodStatus",
            "patchNamespacedPodStatus",
            "connectGetNamespacedPodExec",
            "connectPostNamespacedPodExec",
            "connectGetNamespacedPodLog",
        ]
    );
    let table = actions(&node());
    let with_path: Vec<&str> = table
        .iter()
        .filter(|a| a.subpath)
        .map(|a| &*a.operation)
        .take(2)
        .collect();
    assert_eq!(
        with_path,
        [
            "connectGetNodeProxyWithPath",
            "connectPostNodeProxyWithPath"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Query parameters (section 2.3)

const LIST_PARAMS: &[&str] = &[
    "pretty",
    "labelSelector",
    "fieldSelector",
    "watch",
    "allowWatchBookmarks",
    "resourceVersion",
    "resourceVersionMatch",
    "timeoutSeconds",
    "limit",
    "continue",
    "sendInitialEvents",
];
const WRITE_PARAMS: &[&str] = &["pretty", "dryRun", "fieldManager", "fieldValidation"];
const PATCH_PARAMS: &[&str] = &[
    "pretty",
    "dryRun",
    "force",
    "fieldManager",
    "fieldValidation",
];
const DELETE_PARAMS: &[&str] = &[
    "pretty",
    "gracePeriodSeconds",
    "orphanDependents",
    "propagationPolicy",
    "dryRun",
    "ignoreStoreReadErrorWithClusterBreakingPotential",
];

fn expected_params(verb: ActionVerb) -> BTreeSet<&'static str> {
    match verb {
        ActionVerb::List | ActionVerb::WatchList | ActionVerb::Watch => {
            LIST_PARAMS.iter().copied().collect()
        }
        ActionVerb::Get => ["pretty"].into_iter().collect(),
        ActionVerb::Post | ActionVerb::Put => WRITE_PARAMS.iter().copied().collect(),
        ActionVerb::Patch => PATCH_PARAMS.iter().copied().collect(),
        ActionVerb::Delete => DELETE_PARAMS.iter().copied().collect(),
        // DeleteOptions' and ListOptions' parameters, less `watch` and `allowWatchBookmarks`.
        ActionVerb::DeleteCollection => DELETE_PARAMS
            .iter()
            .chain(LIST_PARAMS)
            .copied()
            .filter(|p| *p != "watch" && *p != "allowWatchBookmarks")
            .collect(),
        // The installer documents only the connect options type's fields on CONNECT routes (no
        // `pretty`), and krest's connect subresources have no options type.
        ActionVerb::Connect => BTreeSet::new(),
    }
}

#[test]
fn query_parameters_per_verb() {
    let mut seen = BTreeSet::new();
    for model in [widget(), gadget(), inventory(), pod(), node()] {
        for a in actions(&model) {
            let got: BTreeSet<&str> = a.params.iter().map(|p| p.as_str()).collect();
            assert_eq!(
                got,
                expected_params(a.verb),
                "query parameters of {} {} ({})",
                a.method,
                a.path,
                a.verb
            );
            seen.insert(a.verb.as_str());
        }
    }
    assert_eq!(seen.len(), 10, "every action verb was checked: {seen:?}");
}

// ---------------------------------------------------------------------------------------------
// Discovery (section 3.1)

struct Entry {
    name: &'static str,
    singular: &'static str,
    namespaced: bool,
    group_version: Option<(&'static str, &'static str)>,
    kind: &'static str,
    verbs: &'static [&'static str],
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    hash: Option<&'static str>,
}

const ALL_VERBS_SORTED: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const SUBRESOURCE_VERBS: &[&str] = &["get", "patch", "update"];

fn sub(
    name: &'static str,
    namespaced: bool,
    kind: &'static str,
    verbs: &'static [&'static str],
) -> Entry {
    Entry {
        name,
        singular: "",
        namespaced,
        group_version: None,
        kind,
        verbs,
        short_names: &[],
        categories: &[],
        hash: None,
    }
}

fn assert_discovery(model: &ResourceModel, expected: &[Entry]) {
    let got = discovery(model);
    let names: Vec<&str> = got.iter().map(|d| d.name.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|e| e.name).collect();
    assert_eq!(names, want, "discovery entries of {}", model.kind);
    for (d, e) in got.iter().zip(expected) {
        let DiscoveryResource {
            name,
            singular_name,
            namespaced,
            group,
            version,
            kind,
            verbs,
            short_names,
            categories,
            storage_version_hash,
        } = d;
        assert_eq!(singular_name, e.singular, "singularName of {name}");
        assert_eq!(*namespaced, e.namespaced, "namespaced of {name}");
        assert_eq!(
            (group.as_deref(), version.as_deref()),
            e.group_version.unzip(),
            "group and version of {name}"
        );
        assert_eq!(kind, e.kind, "kind of {name}");
        let verbs: Vec<&str> = verbs.iter().map(|v| v.as_str()).collect();
        assert_eq!(verbs, e.verbs, "verbs of {name}");
        assert_eq!(short_names, e.short_names, "shortNames of {name}");
        assert_eq!(categories, e.categories, "categories of {name}");
        assert_eq!(
            storage_version_hash.as_deref(),
            e.hash,
            "storageVersionHash of {name}"
        );
    }
}

// The hashes are base64(sha256("<group>/<version>/<kind>")[:8]), computed outside this crate:
//   printf '%s' demo.krest.dev/v1/Widget | sha256sum | head -c16 | xxd -r -p | base64
// `/v1/Pod` and `/v1/Node` give the values real kube-apiserver publishes.

#[test]
fn discovery_of_namespaced_resource_with_status_and_scale() {
    assert_discovery(
        &widget(),
        &[
            Entry {
                name: "widgets",
                singular: "widget",
                namespaced: true,
                group_version: None,
                kind: "Widget",
                verbs: ALL_VERBS_SORTED,
                short_names: &["wd"],
                categories: &["all"],
                hash: Some("JPjlJmfBvnk="),
            },
            sub("widgets/status", true, "Widget", SUBRESOURCE_VERBS),
            Entry {
                group_version: Some(("autoscaling", "v1")),
                ..sub("widgets/scale", true, "Scale", SUBRESOURCE_VERBS)
            },
        ],
    );
}

#[test]
fn discovery_of_cluster_scoped_resource() {
    assert_discovery(
        &gadget(),
        &[Entry {
            name: "gadgets",
            singular: "gadget",
            namespaced: false,
            group_version: None,
            kind: "Gadget",
            verbs: ALL_VERBS_SORTED,
            short_names: &[],
            categories: &[],
            hash: Some("37m+Sr6/wAU="),
        }],
    );
}

#[test]
fn discovery_of_read_only_resource() {
    assert_discovery(
        &inventory(),
        &[Entry {
            name: "inventories",
            singular: "inventory",
            namespaced: true,
            group_version: None,
            kind: "Inventory",
            verbs: &["get", "list", "watch"],
            short_names: &[],
            categories: &[],
            hash: Some("lrFNeJKo3IM="),
        }],
    );
}

#[test]
fn discovery_of_core_group_resources_with_connect_subresources() {
    // Connect methods map to verbs through `toDiscoveryKubeVerb` (POST is `create`); HEAD and
    // OPTIONS map to none and are not listed.
    assert_discovery(
        &pod(),
        &[
            Entry {
                name: "pods",
                singular: "pod",
                namespaced: true,
                group_version: None,
                kind: "Pod",
                verbs: ALL_VERBS_SORTED,
                short_names: &[],
                categories: &[],
                hash: Some("xPOwRZ+Yhw8="),
            },
            sub("pods/status", true, "Pod", SUBRESOURCE_VERBS),
            sub("pods/exec", true, "Pod", &["create", "get"]),
            sub("pods/log", true, "Pod", &["get"]),
        ],
    );
    assert_discovery(
        &node(),
        &[
            Entry {
                name: "nodes",
                singular: "node",
                namespaced: false,
                group_version: None,
                kind: "Node",
                verbs: ALL_VERBS_SORTED,
                short_names: &[],
                categories: &[],
                hash: Some("XwShjMxG9Fs="),
            },
            sub("nodes/status", false, "Node", SUBRESOURCE_VERBS),
            sub(
                "nodes/proxy",
                false,
                "Node",
                &["create", "delete", "get", "patch", "update"],
            ),
        ],
    );
}
