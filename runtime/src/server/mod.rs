//! The server: the top layer. A builder registers resources and routes and compiles them into
//! a dispatch (this file); `connection.rs` accepts and serves connections, with `http2.rs`,
//! `idle.rs`, `outbound.rs` (bytes waiting for slow clients), `tls.rs`, `accept.rs`;
//! `limits.rs` and `recovery.rs` guard each request; `health.rs` serves the operations routes.
//!
//! Filters are tower layers at three levels, as go-restful has them: server-wide (around every
//! request, like a container filter), per group-version (a web-service filter) and per route.

pub(crate) mod accept;
pub(crate) mod connection;
mod controllers;
pub(crate) mod health;
pub(crate) mod http2;
pub(crate) mod idle;
pub mod limits;
pub(crate) mod outbound;
pub(crate) mod recovery;
#[cfg(feature = "tls")]
pub(crate) mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::Either;
use http::{Request, Response};
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

use crate::admission::{MutatingAdmission, ValidatingAdmission};
use crate::auth::filter::Access;
use crate::auth::{Authorizer, TokenFile};
use crate::codegen::{ActionVerb, Method};
use crate::decode::Decoder;
use crate::discovery::Discovery;
use crate::metrics::Metrics;
use crate::openapi::OpenApi;
use crate::registry::{Registry, ResourceEntry};
use crate::resource::Resource;
use crate::response::Infallibly;
use crate::response::{Body, HandlerFuture};
use crate::route::{Call, Captures, CustomHandler, Handler, Matched, Route};
use crate::router::{Match, Router, RouterError, MAX_PARAMS};
use crate::schema::Validator;
use crate::server::limits::{BodyBudget, InFlight, Limits};
use crate::server::outbound::{Budget, Outbound};
use crate::server::recovery::Recovered;
use crate::status::Status;
use crate::store::{MemoryStore, Store};

pub use controllers::{DEFAULT_CONTROLLER_LEASE, DEFAULT_EVENT_TTL};

/// How often the store's history is compacted by default.
const DEFAULT_COMPACTION: Duration = Duration::from_secs(300);

/// A boxed, cloneable HTTP service: what filters wrap.
pub type HttpService = BoxCloneSyncService<Request<Body>, Response<Body>, Infallible>;

/// A filter: a tower layer over [`HttpService`].
pub type Filter = Arc<dyn Fn(HttpService) -> HttpService + Send + Sync>;

/// Why a server could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Two resources claim the same group, version and plural.
    #[error("two resources claim {0}")]
    DuplicateResource(String),
    /// Two resources claim the same short name.
    #[error("short name {name:?} is claimed by both {first} and {second}")]
    DuplicateShortName {
        /// The short name.
        name: String,
        /// One resource.
        first: String,
        /// The other.
        second: String,
    },
    /// Two routes collide, or a template is malformed.
    #[error(transparent)]
    Route(#[from] RouterError),
    /// A printer column, the scale subresource or a selectable field names a path the kind's
    /// schema has no field for.
    #[error("{}", .0.join("\n"))]
    MissingPath(Vec<String>),
    /// A kind's `x-kubernetes-validations` rule does not compile, or its estimated cost is
    /// over kube-apiserver's limits (each line: the kind, the rule's place, why).
    #[error("{}", .0.join("\n"))]
    InvalidRules(Vec<String>),
}

/// What a matched route leads to.
pub(crate) enum Target {
    /// A generated resource route.
    Resource {
        resource: usize,
        route: &'static Route,
        /// What serves it (`handlers::for_route`), looked up once when the server is built.
        handler: Handler,
    },
    /// A user-defined route (or a built-in one) and its path template.
    Custom(CustomHandler, Arc<str>),
}

/// Shared state of a built server: its registry (what handlers see), and what only the server
/// uses: routing, filters, authentication, limits, health.
pub struct State {
    /// The store, the resources, the admission chain, the watch hubs and the metrics.
    pub registry: Arc<Registry>,
    /// Authentication and authorization; `None` serves everyone as they are.
    pub(crate) access: Option<Arc<Access>>,
    pub(crate) health: Arc<crate::server::health::Health>,
    pub(crate) limits: Limits,
    in_flight: InFlight,
    /// Response bytes waiting for clients on every connection.
    pub(crate) write_budget: Arc<Budget>,
    /// Request body bytes read before their requests took a slot.
    body_budget: BodyBudget,
    /// Lists being read (`--max-lists-inflight`).
    lists: Option<Arc<tokio::sync::Semaphore>>,
    /// The warning to log when serving, for a server that lets everyone do everything.
    pub(crate) allow_all: Option<&'static str>,
    /// The authorizer's name, for the line logged when serving starts.
    pub(crate) authorization: &'static str,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::TlsConfig>,
    compaction: Option<Duration>,
    compacting: std::sync::Once,
    /// Whether the garbage collector runs (off with `without_builtins`).
    collects_garbage: bool,
    /// How long the controllers' lease lasts without renewal.
    controller_lease: Duration,
    /// The election of the server that runs the controllers, once started.
    elector: std::sync::OnceLock<Arc<crate::gc::election::Elector>>,
    router: Router,
    targets: Vec<(Target, Option<HttpService>)>,
}

/// Builds a [`Server`].
pub struct ServerBuilder {
    store: Option<Arc<dyn Store>>,
    resources: Vec<ResourceEntry>,
    /// Paths of the resources' attributes their schemas have no field for.
    missing_paths: Vec<String>,
    invalid_rules: Vec<String>,
    custom: Vec<(Method, String, CustomHandler)>,
    server_filters: Vec<Filter>,
    group_filters: Vec<(String, Filter)>,
    route_filters: Vec<(String, Filter)>,
    ops: bool,
    /// Whether the built-in kinds every server serves (Lease, Events) are added when building.
    builtins: bool,
    /// How long Events live after their last write.
    event_ttl: Duration,
    /// How long the controllers' Lease lasts without renewal.
    controller_lease: Duration,
    watch_window: crate::watch::WindowLimits,
    compaction: Option<Duration>,
    tokens: Option<TokenFile>,
    anonymous: Option<bool>,
    authorizer: Option<Arc<dyn Authorizer>>,
    /// The authorizer's type name without its path (`Rbac`, `AlwaysAllow`).
    authorizer_name: &'static str,
    always_allow: bool,
    admission: crate::admission::Chain,
    limits: Limits,
    #[cfg(feature = "tls")]
    tls: Option<crate::TlsConfig>,
}

/// A built server: serve it on one or more listeners.
#[derive(Clone)]
pub struct Server {
    pub(crate) state: Arc<State>,
    service: Option<HttpService>,
}

impl Server {
    /// Starts building a server. Its store is in memory, and loses every object when the
    /// process exits, unless [`ServerBuilder::store`] gives another (`EmbeddedStore` for a
    /// durable one; `krest::flags::ServeFlags::open_store` opens the one `--store` names).
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            store: None,
            resources: Vec::new(),
            missing_paths: Vec::new(),
            invalid_rules: Vec::new(),
            custom: Vec::new(),
            server_filters: Vec::new(),
            group_filters: Vec::new(),
            route_filters: Vec::new(),
            ops: true,
            builtins: true,
            event_ttl: DEFAULT_EVENT_TTL,
            controller_lease: DEFAULT_CONTROLLER_LEASE,
            watch_window: crate::watch::WindowLimits::default(),
            compaction: Some(DEFAULT_COMPACTION),
            tokens: None,
            anonymous: None,
            authorizer: None,
            authorizer_name: "none",
            always_allow: false,
            admission: crate::admission::Chain::default(),
            limits: Limits::default(),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// A second container for another listener: this server's `/healthz`, `/livez`, `/readyz`
    /// (and their checks), `/version` and `/metrics`, and nothing else. Serve the API on one
    /// port and this on another (pair it with [`ServerBuilder::without_ops`] to keep them off
    /// the API port).
    pub fn ops(&self) -> Result<Server, BuildError> {
        ServerBuilder {
            ops: false,
            builtins: false,
            custom: crate::server::health::routes(
                self.state.health.clone(),
                self.state.write_budget.clone(),
                Some(self.state.registry.clone()),
            ),
            ..Server::builder()
        }
        .build()
    }

    /// The shared state.
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// Answers one request: routing, filters, handler, recovery, metrics. This is the whole
    /// server without sockets, for tests (`tower::ServiceExt::oneshot` on [`Server::service`]
    /// works the same).
    pub fn handle(&self, request: Request<Body>) -> HandlerFuture {
        Box::pin(self.respond(request))
    }

    /// [`handle`](Self::handle) without boxing the future: what each connection awaits. Not an
    /// `async fn`, whose future would carry the request a second time beside the one it awaits.
    pub(crate) fn respond(
        &self,
        request: Request<Body>,
    ) -> impl Future<Output = Response<Body>> + Send + 'static {
        match &self.service {
            Some(service) => Either::Left(filtered_route(service.clone(), request)),
            None => Either::Right(dispatch(self.state.clone(), request)),
        }
    }

    /// The server as a tower service.
    pub fn service(&self) -> HttpService {
        match &self.service {
            Some(service) => service.clone(),
            None => {
                let state = self.state.clone();
                BoxCloneSyncService::new(tower::service_fn(move |request| {
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(dispatch(state, request).await) }
                }))
            }
        }
    }
}

impl ServerBuilder {
    /// Serves the resource `R` with its generated route table.
    pub fn resource<R: Resource>(mut self) -> Self {
        let schema = crate::schema::structural_object::<R>();
        crate::table::compile(&R::MODEL);
        let (missing, columns) = crate::schema::paths::missing_paths(&R::MODEL, &schema);
        self.missing_paths.extend(missing);
        for column in columns {
            tracing::warn!("{column} (kube-apiserver serves the column empty, and so does krest)");
        }
        let validator = Validator::new(schema);
        self.invalid_rules.extend(
            validator
                .rule_problems()
                .iter()
                .map(|p| format!("{} {}: {p}", R::MODEL.api_version(), R::MODEL.kind)),
        );
        self.resources.push(ResourceEntry {
            model: R::MODEL,
            routes: R::ROUTES,
            decoder: Decoder::of::<R>(),
            validator,
            deprecation: R::MODEL
                .deprecation()
                .and_then(|text| crate::response::warning_value(&text)),
            shape: std::sync::OnceLock::new(),
            expiry: None,
        });
        self
    }

    /// Serves the built-in core `v1` [`Namespace`](crate::Namespace) (`kubectl create
    /// namespace`, `kubectl get namespaces`). With it, namespaced objects can only be created in
    /// a namespace that exists and is not terminating, deleting a namespace terminates it as
    /// Kubernetes does (its content deleted by the namespace controller, then the namespace;
    /// see docs/controllers.md), and `default`, `kube-system` and `kube-public` exist from the
    /// start.
    pub fn namespaces(self) -> Self {
        self.resource::<crate::Namespace>()
    }

    /// Uses `store` (the default is an in-memory store: nothing survives the process).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Adds a user-defined route. `template` may use `{param}` segments and a trailing
    /// `{param:*}`; handlers read them with [`Call::param`].
    pub fn route<F, Fut>(mut self, method: Method, template: &str, handler: F) -> Self
    where
        F: Fn(Call) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response<Body>, Status>> + Send + 'static,
    {
        let handler: CustomHandler = Arc::new(move |call| {
            let future = handler(call);
            Box::pin(async move { future.await.unwrap_or_else(Status::into_response) })
        });
        self.custom.push((method, template.to_string(), handler));
        self
    }

    /// Adds a server-wide filter: a tower layer around every request.
    pub fn layer(mut self, layer: impl FilterLayer) -> Self {
        self.server_filters.push(layer.into_filter());
        self
    }

    /// Adds a filter around the routes of one group-version (`demo.krest.dev/v1`, or `v1` for
    /// the core group).
    pub fn group_version_layer(mut self, group_version: &str, layer: impl FilterLayer) -> Self {
        self.group_filters
            .push((group_version.to_string(), layer.into_filter()));
        self
    }

    /// Adds a filter around one route, named by its OpenAPI operation id
    /// (`readDemoKrestDevV1NamespacedWidget`) or, for user routes, by its path template.
    pub fn route_layer(mut self, route: &str, layer: impl FilterLayer) -> Self {
        self.route_filters
            .push((route.to_string(), layer.into_filter()));
        self
    }

    /// How many recent events each resource's watch hub keeps, so that watchers resume from a
    /// recent revision without touching the store (default 4096). Older revisions are served
    /// from the store's own history while it has it.
    pub fn watch_window(mut self, events: usize) -> Self {
        self.watch_window.events = events;
        self
    }

    /// How many bytes of recent events each resource's watch hub keeps (default 64 MiB); the
    /// window ends at whichever of this and [`ServerBuilder::watch_window`] comes first. It is
    /// also the most one watcher may have waiting before it is closed as too slow, so a client
    /// that rewrites large objects, or one that stops reading its watch, cannot grow the
    /// server's memory without limit.
    pub fn watch_window_bytes(mut self, bytes: usize) -> Self {
        self.watch_window.bytes = bytes;
        self
    }

    /// How often the server compacts the store's history, as kube-apiserver does with etcd
    /// (default every 5 minutes; `None` never). Each pass compacts up to the revision the
    /// previous pass saw, so history always spans at least one interval.
    pub fn compaction(mut self, interval: Option<Duration>) -> Self {
        self.compaction = interval;
        self
    }

    /// Authenticates bearer tokens from a token file (`--token-auth-file`). With any
    /// authenticator, requests without credentials are refused (401) unless
    /// [`anonymous`](Self::anonymous) allows them.
    pub fn tokens(mut self, tokens: TokenFile) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Whether requests without credentials are served as `system:anonymous` in the group
    /// `system:unauthenticated` (`--anonymous-auth`). The default is `true` only when no
    /// authenticator (token file, client CA) is configured. Wrong credentials get 401 either way.
    pub fn anonymous(mut self, allow: bool) -> Self {
        self.anonymous = Some(allow);
        self
    }

    /// Decides who may do what: [`Rbac`](crate::auth::Rbac) from a policy file, your own
    /// [`Authorizer`], or [`AlwaysAllow`](crate::auth::AlwaysAllow), which lets every request through and is logged as a
    /// warning when the server starts. A server without an authorizer allows everything too,
    /// with the same warning.
    pub fn authorizer<A: Authorizer>(mut self, authorizer: A) -> Self {
        self.always_allow = authorizer.allows_everything();
        let name = std::any::type_name::<A>();
        self.authorizer_name = name.rsplit("::").next().unwrap_or(name);
        self.authorizer = (!self.always_allow).then(|| Arc::new(authorizer) as Arc<dyn Authorizer>);
        self
    }

    /// Adds a mutating admission, run on every create, update, patch and delete before schema
    /// validation, after those added before it.
    pub fn mutating_admission(mut self, admission: impl MutatingAdmission) -> Self {
        self.admission.mutating.push(Arc::new(admission));
        self
    }

    /// Adds a validating admission, run on every create, update, patch and delete after schema
    /// validation, after those added before it.
    pub fn validating_admission(mut self, admission: impl ValidatingAdmission) -> Self {
        self.admission.validating.push(Arc::new(admission));
        self
    }

    /// Sets the in-flight, timeout and connection limits (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Serves over TLS; with a client CA, client certificates identify users.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Leaves `/healthz`, `/livez`, `/readyz`, `/version` and `/metrics` off this server, for
    /// serving them on another listener with [`Server::ops`].
    pub fn without_ops(mut self) -> Self {
        self.ops = false;
        self
    }

    /// Checks the registrations and compiles the router.
    pub fn build(mut self) -> Result<Server, BuildError> {
        self = self.with_builtins();
        if !self.missing_paths.is_empty() {
            return Err(BuildError::MissingPath(self.missing_paths));
        }
        if !self.invalid_rules.is_empty() {
            return Err(BuildError::InvalidRules(self.invalid_rules));
        }
        check_unique(&self.resources)?;
        crate::conversion::link(&mut self.resources);
        let namespaces = self
            .resources
            .iter()
            .any(|e| crate::builtin::namespace::is_namespace(&e.model));
        if namespaces {
            // The Namespace's own write rules run before the user's admission.
            self.admission
                .mutating
                .insert(0, Arc::new(crate::builtin::namespace::lifecycle::Strategy));
        }
        let mut router = Router::new();
        let mut targets: Vec<(Target, Option<HttpService>)> = Vec::new();
        let mut names: Vec<(String, String)> = Vec::new();
        for (index, entry) in self.resources.iter().enumerate() {
            for route in entry.routes {
                router.insert(route.action.method, &route.action.path)?;
                targets.push((
                    Target::Resource {
                        resource: index,
                        route,
                        handler: crate::handlers::for_route(route),
                    },
                    None,
                ));
                names.push((
                    entry.model.api_version(),
                    route.action.operation_id.to_string(),
                ));
            }
        }
        let discovery = Arc::new(Discovery::new(self.resources.iter().map(|e| &e.model)));
        for path in discovery.paths() {
            router.insert(Method::Get, path)?;
            let template: Arc<str> = Arc::from(path);
            let (discovery, path) = (discovery.clone(), template.clone());
            let handler: CustomHandler = Arc::new(move |call: Call| {
                let response = discovery.response(&path, &call.request);
                Box::pin(async move { response })
            });
            targets.push((Target::Custom(handler, template), None));
            names.push((String::new(), String::new()));
        }
        let openapi = Arc::new(OpenApi::new(&self.resources));
        for path in openapi.paths() {
            router.insert(Method::Get, path)?;
            let template: Arc<str> = Arc::from(path);
            let (openapi, path) = (openapi.clone(), template.clone());
            let handler: CustomHandler = Arc::new(move |call: Call| {
                let response = openapi.response(&path, &call.request);
                Box::pin(async move { response })
            });
            targets.push((Target::Custom(handler, template), None));
            names.push((String::new(), String::new()));
        }
        #[cfg(feature = "tls")]
        let client_certificates = self.tls.as_ref().is_some_and(|t| t.verifies_clients());
        #[cfg(not(feature = "tls"))]
        let client_certificates = false;
        let authenticates = self.tokens.is_some() || client_certificates;
        let access = (authenticates || self.authorizer.is_some() || self.anonymous == Some(false))
            .then(|| {
                Arc::new(Access {
                    tokens: self.tokens,
                    anonymous: self.anonymous.unwrap_or(!authenticates),
                    authorizer: self.authorizer,
                })
            });
        let health = Arc::new(crate::server::health::Health::default());
        let write_budget = Budget::new(self.limits.max_write_buffer);
        let builtins = if self.ops {
            crate::server::health::routes(health.clone(), write_budget.clone(), None)
        } else {
            Vec::new()
        };
        for (method, template, handler) in builtins
            .into_iter()
            .chain(crate::builtin::reviews::routes(access.clone()))
            .chain(namespaces.then(crate::builtin::namespace::lifecycle::finalize_route))
            .chain(crate::storage_version::routes())
            .chain(self.custom)
        {
            router.insert(method, &template)?;
            targets.push((Target::Custom(handler, Arc::from(template.as_str())), None));
            names.push((String::new(), template));
        }
        // Wrap routes in their group-version and route filters, innermost first.
        for ((target, service), (group_version, name)) in targets.iter_mut().zip(&names) {
            let route_filters = self.route_filters.iter().filter(|(n, _)| n == name);
            let group_filters = self
                .group_filters
                .iter()
                .filter(|(gv, _)| !gv.is_empty() && gv == group_version);
            let mut wrapped: Option<HttpService> = None;
            for (_, f) in route_filters.chain(group_filters) {
                let inner = wrapped.take().unwrap_or_else(|| matched_service(target));
                wrapped = Some(f(inner));
            }
            *service = wrapped;
        }
        let metrics = Metrics::new(targets.iter().map(|(t, _)| match t {
            Target::Resource {
                resource, route, ..
            } => Some((&self.resources[*resource].model, &route.action)),
            Target::Custom(..) => None,
        }));
        let allow_all = match &access {
            _ if self.always_allow => {
                Some("authorization mode AlwaysAllow: every request is allowed, whoever sent it")
            }
            Some(access) if access.authorizer.is_some() => None,
            _ => Some("no authorizer is configured: every request is allowed, whoever sent it"),
        };
        let authorization = match allow_all {
            None => self.authorizer_name,
            Some(_) if self.always_allow => "AlwaysAllow",
            Some(_) => "none (every request is allowed)",
        };
        let registry = Arc::new(Registry::new(
            self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
            self.resources,
            self.admission,
            metrics,
            self.watch_window,
        ));
        let state = Arc::new(State {
            registry,
            access,
            health,
            in_flight: InFlight::new(&self.limits),
            write_budget,
            body_budget: BodyBudget::new(self.limits.max_request_body_buffer),
            lists: (self.limits.max_lists_in_flight > 0)
                .then(|| Arc::new(tokio::sync::Semaphore::new(self.limits.max_lists_in_flight))),
            limits: self.limits,
            allow_all,
            authorization,
            #[cfg(feature = "tls")]
            tls: self.tls,
            compaction: self.compaction,
            compacting: std::sync::Once::new(),
            collects_garbage: self.builtins,
            controller_lease: self.controller_lease,
            elector: std::sync::OnceLock::new(),
            router,
            targets,
        });
        let service = (!self.server_filters.is_empty()).then(|| {
            let dispatch_state = state.clone();
            let mut service: HttpService =
                BoxCloneSyncService::new(tower::service_fn(move |request| {
                    let state = dispatch_state.clone();
                    async move { Ok::<_, Infallible>(dispatch(state, request).await) }
                }));
            for f in self.server_filters.iter().rev() {
                service = f(service);
            }
            service
        });
        Ok(Server { state, service })
    }
}

/// A tower layer usable as a filter: any layer whose service answers `Request<Body>` with
/// `Response<Body>` and never fails (errors are responses: `metav1.Status`).
pub trait FilterLayer: Send + Sync + 'static {
    /// The layer as a type-erased filter.
    fn into_filter(self) -> Filter;
}

impl<L> FilterLayer for L
where
    L: Layer<HttpService> + Send + Sync + 'static,
    L::Service: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    <L::Service as Service<Request<Body>>>::Future: Send + 'static,
{
    fn into_filter(self) -> Filter {
        Arc::new(move |inner| BoxCloneSyncService::new(self.layer(inner)))
    }
}

/// The innermost service of a filtered route: runs the matched handler that `dispatch` left in
/// the request's extensions.
fn matched_service(_target: &Target) -> HttpService {
    BoxCloneSyncService::new(tower::service_fn(|mut request: Request<Body>| async move {
        let Some(pending) = request.extensions_mut().remove::<Pending>() else {
            return Ok(Status::internal("filtered route lost its match").into_response());
        };
        let call = pending.state.call(pending.index, request, pending.captures);
        Ok::<_, Infallible>(run(&pending.state, pending.index, call).await)
    }))
}

/// The match carried through a filtered route's layers.
#[derive(Clone)]
struct Pending {
    state: Arc<State>,
    index: usize,
    captures: Captures,
}

/// Routes one request and runs its handler, with panic recovery and metrics.
async fn dispatch(state: Arc<State>, mut request: Request<Body>) -> Response<Body> {
    let started = tokio::time::Instant::now();
    let Some(method) = Method::parse(request.method().as_str()) else {
        return Status::method_not_allowed(format!(
            "the server does not allow the method {}",
            request.method()
        ))
        .into_response();
    };
    let logged = tracing::enabled!(target: "krest::request", tracing::Level::DEBUG)
        .then(|| (request.uri().clone(), request.version()));
    if let Some(access) = &state.access {
        if let Err(status) = access.check(&mut request) {
            // Logged like every other answer: 401s and 403s are what an operator looks for.
            log_request(&logged, None, method, status.code, started);
            return status.into_response();
        }
    }
    let user = logged
        .as_ref()
        .and_then(|_| crate::auth::filter::who(&request));
    let found = state.router.find(method, request.uri().path());
    let (index, captures) = match found {
        Match::Found {
            route,
            captures,
            len,
        } => (route, Captures::new(captures, len)),
        Match::MethodNotAllowed(allowed) => {
            let allowed: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
            let mut response = Status::method_not_allowed(format!(
                "the server does not allow this method on the requested resource (allowed: {})",
                allowed.join(", ")
            ))
            .into_response();
            if let Ok(value) = http::HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(http::header::ALLOW, value);
            }
            return response;
        }
        Match::NotFound => return Status::path_not_found().into_response(),
    };
    if let Some(status) = declared_too_large(&request) {
        return status.into_response();
    }
    let long_running = state.long_running(index, &request);
    let mutating = crate::server::limits::is_mutating(request.method());
    if mutating && !long_running && state.target(index).is_some() {
        // Boxed, like the list gate below: off the path of reads and watches, whose futures
        // would otherwise carry room for them (see `connection.rs` on the size of futures).
        let read = Box::pin(crate::server::limits::read_body_first(
            &mut request,
            &state.body_budget,
            crate::request_body::MAX_BODY_BYTES,
            started,
            state.limits.request_body_timeout,
        ));
        if let Err(status) = read.await {
            log_request(&logged, user.as_deref(), method, status.code, started);
            let mut response = status.into_response();
            if response.status() == http::StatusCode::REQUEST_TIMEOUT {
                // The rest of the body may still be on its way: do not read it.
                response.headers_mut().insert(
                    http::header::CONNECTION,
                    http::HeaderValue::from_static("close"),
                );
            }
            return response;
        }
    }
    let _slot = if long_running {
        None
    } else {
        match state.in_flight.enter(mutating) {
            Ok(slot) => slot,
            Err(status) => return status.into_response(),
        }
    };
    let _list_slot = if !long_running && state.is_list(index) {
        match Box::pin(state.enter_list(&request, started)).await {
            Ok(slot) => slot,
            Err(status) => {
                log_request(&logged, user.as_deref(), method, status.code, started);
                return status.into_response();
            }
        }
    } else {
        None
    };
    let _in_flight = state.registry.metrics.in_flight();
    // The handler is called here: what the timeout and the connection hold is its boxed future.
    let handler = match state.targets[index].1.clone() {
        Some(service) => {
            request.extensions_mut().insert(Pending {
                state: state.clone(),
                index,
                captures,
            });
            Recovered::start(|| filtered_route(service, request))
        }
        None => {
            let call = state.call(index, request, captures);
            run(&state, index, call)
        }
    };
    let mut response = if long_running {
        handler.await
    } else {
        crate::server::limits::within(started + state.limits.request_timeout, handler)
            .await
            .unwrap_or_else(|| Status::timeout().into_response())
    };
    if let Some((entry, _)) = state.target(index) {
        if let Some(warning) = &entry.deprecation {
            response
                .headers_mut()
                .append(http::header::WARNING, warning.clone());
        }
    }
    let elapsed = started.elapsed();
    state
        .registry
        .metrics
        .observe(index, response.status().as_u16(), elapsed);
    log_request(
        &logged,
        user.as_deref(),
        method,
        response.status().as_u16(),
        started,
    );
    response
}

/// The request log line (`krest::request` at debug level), when it is enabled.
fn log_request(
    logged: &Option<(http::Uri, http::Version)>,
    user: Option<&str>,
    method: Method,
    code: u16,
    started: tokio::time::Instant,
) {
    if let Some((uri, version)) = logged {
        tracing::debug!(
            target: "krest::request",
            %method,
            %uri,
            ?version,
            user = user.unwrap_or(""),
            code,
            micros = started.elapsed().as_micros() as u64,
            "request"
        );
    }
}

/// A request through a filter stack. Boxed: a tower future in an `async fn` makes the caller's
/// future fail to be `Send` for every lifetime (rust-lang/rust#102211).
fn filtered_route(service: HttpService, request: Request<Body>) -> HandlerFuture {
    Box::pin(Infallibly(service.oneshot(request)))
}

/// 413 for a body whose declared length is past the limit, before any of it is read. Bodies
/// without a length are cut off by the handlers as soon as they pass it.
fn declared_too_large(request: &Request<Body>) -> Option<Status> {
    let limit = crate::request_body::MAX_BODY_BYTES;
    let length: u64 = request
        .headers()
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    (length > limit as u64).then(|| Status::too_large(limit))
}

/// Starts the handler of target `index` on `call`, turning a panic into a 500 Status.
fn run(state: &State, index: usize, call: Call) -> Recovered {
    Recovered::start(|| match &state.targets[index].0 {
        Target::Resource { handler, .. } => handler(call),
        Target::Custom(handler, _) => handler(call),
    })
}

impl State {
    /// The resource and route of a resource target.
    pub(crate) fn target(&self, index: usize) -> Option<(&ResourceEntry, &'static Route)> {
        match &self.targets.get(index)?.0 {
            Target::Resource {
                resource, route, ..
            } => Some((&self.registry.resources[*resource], route)),
            Target::Custom(..) => None,
        }
    }

    /// The call a handler gets for target `index`.
    fn call(&self, index: usize, request: Request<Body>, captures: Captures) -> Call {
        let matched = match &self.targets[index].0 {
            Target::Resource {
                resource, route, ..
            } => Matched::Resource {
                resource: *resource,
                route,
            },
            Target::Custom(_, template) => Matched::Custom {
                template: template.clone(),
            },
        };
        Call {
            request,
            captures,
            registry: self.registry.clone(),
            matched,
        }
    }

    /// Whether target `index` serves a long-running request (a watch, a connect subresource),
    /// which neither counts against the in-flight limits nor times out.
    fn long_running(&self, index: usize, request: &Request<Body>) -> bool {
        let Some((_, route)) = self.target(index) else {
            return false;
        };
        route.action.verb == ActionVerb::Connect
            || crate::route::is_watch(route.action.verb, request.uri())
    }

    /// Whether target `index` lists a collection (and, called for a request that is not long
    /// running, does not watch it).
    fn is_list(&self, index: usize) -> bool {
        self.target(index)
            .is_some_and(|(_, route)| route.action.verb == ActionVerb::List)
    }

    /// Lets a list be read: lists are what makes large responses, so they are refused (429)
    /// while the connection or the server already has as many response bytes waiting for
    /// slow clients as it may, and read a few at a time (`--max-lists-inflight`), which bounds
    /// the memory of the lists being made, not only of those waiting to be written.
    async fn enter_list(
        &self,
        request: &Request<Body>,
        started: tokio::time::Instant,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, Status> {
        let full = request
            .extensions()
            .get::<Outbound>()
            .is_some_and(Outbound::full);
        if full {
            return Err(crate::server::outbound::refusal());
        }
        let Some(lists) = &self.lists else {
            return Ok(None);
        };
        let wait = lists.clone().acquire_owned();
        match crate::server::limits::within(started + self.limits.request_timeout, wait).await {
            Some(Ok(slot)) => Ok(Some(slot)),
            _ => Err(Status::timeout()),
        }
    }

    /// Starts the server's own controllers once: the garbage collector (`gc/`).
    /// Starts the periodic compaction once per server.
    pub(crate) fn start_compaction(self: &Arc<Self>) {
        let Some(interval) = self.compaction else {
            return;
        };
        let store = self.registry.store.clone();
        self.compacting.call_once(|| {
            tokio::spawn(async move {
                let mut seen = None;
                loop {
                    tokio::time::sleep(interval).await;
                    if let Some(revision) = seen {
                        if let Err(e) = store.compact(revision).await {
                            tracing::warn!(error = %e, revision, "compaction failed");
                        }
                    }
                    seen = store.current_revision().await.ok();
                }
            });
        });
    }
}

fn check_unique(resources: &[ResourceEntry]) -> Result<(), BuildError> {
    for (i, a) in resources.iter().enumerate() {
        for b in &resources[..i] {
            let (a, b) = (&a.model, &b.model);
            if a.group == b.group && a.version == b.version && a.plural == b.plural {
                return Err(BuildError::DuplicateResource(format!(
                    "{}/{}",
                    a.prefix(),
                    a.plural
                )));
            }
            // Short names must be unique across versions of different kinds too: kubectl maps
            // them without a version.
            let same_kind = a.group == b.group && a.kind == b.kind;
            if !same_kind {
                if let Some(name) = a.short_names.iter().find(|n| b.short_names.contains(n)) {
                    return Err(BuildError::DuplicateShortName {
                        name: name.to_string(),
                        first: b.qualified_resource(),
                        second: a.qualified_resource(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

const _: () = assert!(MAX_PARAMS >= 3);
