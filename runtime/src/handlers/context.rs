//! The context of a resource request: the matched call, its resource, its path parameters
//! read once, and the request's body and options as handlers need them.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::codegen::{ResourceModel, Scope};
use crate::negotiate::{response_format, Format, IncludeObject, Output};
use crate::query::Query;
use crate::registry::{Registry, ResourceEntry};
use crate::request_body::{read_object, Protobuf};
use crate::response::Body;
use crate::route::Call;
use crate::status::Status;
use crate::store::{BoxFuture, KeyValue};
use crate::stored::Object;

/// A matched resource request, ready for a handler core.
pub(crate) struct Ctx {
    pub call: Call,
    /// The resource's index in the registry.
    resource: usize,
    /// How the response is written, from the request's headers.
    output: Output,
    namespace: Param,
    name: Param,
    /// Paths of the fields the JSON body held twice, once it is read.
    pub duplicates: Vec<String>,
}

/// A path parameter: where it sits in the request's path, so that the common case allocates
/// nothing, or its percent-decoded value.
enum Param {
    Absent,
    Path(std::ops::Range<usize>),
    Decoded(String),
}

impl Ctx {
    /// The context of `call`; the route must be a resource route.
    pub fn new(call: Call, output: Output) -> Result<Ctx, Status> {
        let (Some(route), Some((resource, _))) = (call.route(), call.resource()) else {
            return Err(Status::internal(
                "resource handler bound to a non-resource route",
            ));
        };
        // What `call.namespace()` and `call.name()` answer, read in one pass over the path and
        // its template instead of one search of the template per parameter; a segment with a
        // `%` escape is left to `Call::param` to decode.
        let path = call.request.uri().path();
        let (namespace, name) = template_params(&route.action.path, path);
        let param = |raw: Option<&str>, param: &str| match raw {
            None => Param::Absent,
            Some(raw) if raw.contains('%') => call
                .param(param)
                .map_or(Param::Absent, |p| Param::Decoded(p.into_owned())),
            // A sub-slice of `path`: its offset is the distance between the pointers.
            Some(raw) => {
                let start = raw.as_ptr() as usize - path.as_ptr() as usize;
                Param::Path(start..start + raw.len())
            }
        };
        let namespace = param(namespace, "namespace");
        let name = param(name, "name");
        let ctx = Ctx {
            call,
            resource,
            output,
            namespace,
            name,
            duplicates: Vec::new(),
        };
        if let Some(ns) = ctx.namespace() {
            if !crate::codegen::is_dns_label(ns) {
                return Err(Status::not_found_namespace(ns));
            }
        }
        Ok(ctx)
    }

    /// The `{namespace}` of the URL, if the route has one.
    pub fn namespace(&self) -> Option<&str> {
        self.param(&self.namespace)
    }

    /// The `{name}` of the URL, if the route has one.
    pub fn name(&self) -> Option<&str> {
        self.param(&self.name)
    }

    fn param<'a>(&'a self, param: &'a Param) -> Option<&'a str> {
        match param {
            Param::Absent => None,
            Param::Path(range) => self.call.request.uri().path().get(range.clone()),
            Param::Decoded(value) => Some(value),
        }
    }

    /// What handlers may use of the server: store, resources, admission, hubs, metrics.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.call.registry
    }

    /// The resource the request is for.
    pub fn entry(&self) -> &ResourceEntry {
        &self.call.registry.resources[self.resource]
    }

    /// The index of the resource in the registry.
    pub fn resource_index(&self) -> usize {
        self.resource
    }

    pub fn model(&self) -> &ResourceModel {
        &self.entry().model
    }

    pub fn query(&self) -> Query<'_> {
        Query::of(self.call.request.uri())
    }

    pub fn header(&self, name: http::header::HeaderName) -> Option<&str> {
        self.call.request.headers().get(name)?.to_str().ok()
    }

    /// The item name from the URL; every item route has one.
    pub fn item_name(&self) -> Result<&str, Status> {
        self.name()
            .ok_or_else(|| Status::internal("item route without a name"))
    }

    /// The store key of object `name` in the request's namespace.
    pub fn key(&self, name: &str) -> String {
        let model = self.model();
        let namespace = match (self.namespace(), model.scope) {
            (Some(ns), Scope::Namespaced) => Some(ns),
            _ => None,
        };
        crate::stored::key(model, namespace, name)
    }

    /// The store prefix of the request's collection (all namespaces when there is none).
    pub fn prefix(&self) -> String {
        crate::stored::key(self.model(), self.namespace(), "")
    }

    /// The store prefix of the whole resource, every namespace.
    pub fn resource_prefix(&self) -> String {
        crate::stored::key(self.model(), None, "")
    }

    /// Takes the request body, to read it.
    fn take_body(&mut self) -> Body {
        std::mem::replace(
            self.call.request.body_mut(),
            crate::response::full(Bytes::new()),
        )
    }

    /// Reads the request body, at most [`MAX_BODY_BYTES`](crate::request_body::MAX_BODY_BYTES).
    pub fn body(&mut self) -> crate::response::Collect {
        crate::request_body::read(self.take_body())
    }

    /// Reads the body, JSON or YAML by its `Content-Type`, as an object. A Namespace may also
    /// come as protobuf, as kubectl's typed client sends it.
    pub async fn json_body(&mut self) -> Result<Map<String, Value>, Status> {
        let namespace: Protobuf<'_> = &crate::builtin::namespace::from_protobuf;
        let protobuf = crate::builtin::namespace::is_namespace(self.model())
            .then_some(("Namespace", namespace));
        let content_type = self.header(http::header::CONTENT_TYPE).map(str::to_string);
        let body = self.take_body();
        let (map, duplicates) = read_object(body, content_type.as_deref(), protobuf).await?;
        self.duplicates = duplicates;
        Ok(map)
    }

    /// What admission sees of this call's write of `name`.
    pub fn admission_request<'a>(
        &'a self,
        operation: crate::admission::Operation,
        name: &'a str,
        old_object: Option<&'a Value>,
    ) -> crate::admission::Request<'a> {
        let subresource = self
            .call
            .route()
            .and_then(|r| r.action.subresource.as_deref())
            .unwrap_or("");
        crate::admission::Request {
            operation,
            resource: self.model(),
            subresource,
            namespace: self.namespace().unwrap_or(""),
            name,
            user: self
                .call
                .request
                .extensions()
                .get::<crate::auth::UserInfo>(),
            old_object,
            dry_run: self.dry_run().unwrap_or(false),
        }
    }

    /// The format the client asked for.
    pub fn format(&self) -> Result<Format, Status> {
        let include = IncludeObject::parse(self.query().get("includeObject").as_deref())?;
        if self.output.object {
            return Ok(Format::Json);
        }
        response_format(self.header(http::header::ACCEPT), true, include)
    }

    /// Reads the object `name`, with its `resourceVersion` set, or 404.
    pub fn read(&self, name: &str) -> BoxFuture<'static, Result<(KeyValue, Object), Status>> {
        let key = self.key(name);
        let store = self.registry().store.clone();
        let missing = Status::not_found(self.model(), name);
        let model = self.model().clone();
        Box::pin(async move {
            let kv = store
                .get(&key)
                .await
                .map_err(Status::from)?
                .ok_or(missing)?;
            let object = Object::decode(&kv, &model)?;
            Ok((kv, object))
        })
    }

    /// `dryRun=All` was asked for (anything else in `dryRun` is a 400).
    pub fn dry_run(&self) -> Result<bool, Status> {
        let mut dry = false;
        for value in self.query().all("dryRun") {
            if value == "All" {
                dry = true;
            } else if !value.is_empty() {
                return Err(Status::bad_request(format!(
                    "dryRun: Unsupported value: {value:?}: supported values: \"All\""
                )));
            }
        }
        Ok(dry)
    }
}

/// The `{namespace}` and `{name}` segments of `path`, which the router matched to `template`:
/// each template segment, a literal or a parameter, stands for one segment of the path.
fn template_params<'p>(template: &str, path: &'p str) -> (Option<&'p str>, Option<&'p str>) {
    let (mut namespace, mut name) = (None, None);
    let (mut template, mut path) = (template, path);
    loop {
        let (param, template_rest) = first_segment(template);
        let (segment, path_rest) = first_segment(path);
        match param {
            "{namespace}" => namespace = Some(segment),
            "{name}" => name = Some(segment),
            _ => {}
        }
        match (template_rest, path_rest) {
            (Some(t), Some(p)) => (template, path) = (t, p),
            _ => return (namespace, name),
        }
    }
}

/// `s` up to its first `/`, and what follows that `/`.
fn first_segment(s: &str) -> (&str, Option<&str>) {
    match s.bytes().position(|b| b == b'/') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}
