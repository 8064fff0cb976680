//! One group-version's OpenAPI 3.0 document: every route of its resources' generated tables as
//! an operation (operation id, tags, `x-kubernetes-action`, `x-kubernetes-group-version-kind`,
//! parameters inline, request and response bodies), and the schemas they refer to.

use serde_json::{json, Map, Value};

use super::meta::{self, reference, META, SCALE};
use crate::codegen::names::operation_tag;
use crate::codegen::{Action, ActionVerb, Param, ResourceModel, SubresourceKind};
use crate::registry::ResourceEntry;

/// The component name of a kind: `dev.krest.demo.v1.Widget` (the group reversed, as
/// apiextensions' `gvkToModelName` does), `io.k8s.api.core.v1.Namespace` for the core group.
pub fn model_name(model: &ResourceModel, kind: &str) -> String {
    if model.group.is_empty() {
        return format!("io.k8s.api.core.{}.{kind}", model.version);
    }
    let reversed: Vec<&str> = model.group.split('.').rev().collect();
    format!("{}.{}.{kind}", reversed.join("."), model.version)
}

fn gvk(model: &ResourceModel, kind: &str) -> Value {
    json!({"group": model.group, "version": model.version, "kind": kind})
}

/// The document of the group-version the `entries` share.
pub fn document(entries: &[&ResourceEntry]) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    let mut schemas = meta::schemas(entries.iter().any(|e| e.model.scale.is_some()));
    for entry in entries {
        let model = &entry.model;
        let name = model_name(model, &model.kind);
        let list = model_name(model, &format!("{}List", model.kind));
        schemas.insert(name.clone(), object_schema(entry));
        schemas.insert(list.clone(), list_schema(model, &name));
        for route in entry.routes {
            let action = &route.action;
            let method = action.method.as_str().to_ascii_lowercase();
            let item = paths
                .entry(action.path.to_string())
                .or_insert_with(|| json!({}));
            if let Value::Object(item) = item {
                item.insert(method, operation(model, action, &name, &list));
            }
        }
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": crate::version::version()["gitVersion"]},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// The kind's schema with its GVK, and `metadata` pointing at ObjectMeta.
fn object_schema(entry: &ResourceEntry) -> Value {
    let model = &entry.model;
    let mut schema = entry.validator.schema().clone();
    if let Value::Object(map) = &mut schema {
        map.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([gvk(model, &model.kind)]),
        );
        if let Some(Value::Object(properties)) = map.get_mut("properties") {
            properties.insert("metadata".into(), reference(&format!("{META}.ObjectMeta")));
        }
    }
    schema
}

fn list_schema(model: &ResourceModel, item: &str) -> Value {
    let list_kind = format!("{}List", model.kind);
    json!({
        "type": "object",
        "description": format!("{list_kind} is a list of {}", model.kind),
        "required": ["items"],
        "properties": {
            "apiVersion": {"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."},
            "kind": {"type": "string", "description": "Kind is a string value representing the REST resource this object represents."},
            "items": {"type": "array", "items": reference(item), "description": format!("List of {}.", model.plural)},
            "metadata": reference(&format!("{META}.ListMeta")),
        },
        "x-kubernetes-group-version-kind": [gvk(model, &list_kind)],
    })
}

/// `x-kubernetes-action` of an action.
fn action_name(verb: ActionVerb) -> &'static str {
    match verb {
        ActionVerb::List => "list",
        ActionVerb::Post => "post",
        ActionVerb::DeleteCollection => "deletecollection",
        ActionVerb::WatchList => "watchlist",
        ActionVerb::Get => "get",
        ActionVerb::Put => "put",
        ActionVerb::Patch => "patch",
        ActionVerb::Delete => "delete",
        ActionVerb::Watch => "watch",
        ActionVerb::Connect => "connect",
    }
}

/// kube-apiserver's operation descriptions.
fn description(model: &ResourceModel, action: &Action) -> String {
    let kind = &model.kind;
    let of = match action.subresource_kind {
        SubresourceKind::Status => "status of ",
        SubresourceKind::Scale => "scale of ",
        _ => "",
    };
    match action.verb {
        ActionVerb::List => format!("list or watch objects of kind {kind}"),
        ActionVerb::Post => format!("create a {kind}"),
        ActionVerb::DeleteCollection => format!("delete collection of {kind}"),
        ActionVerb::WatchList => format!("watch individual changes to a list of {kind}. deprecated: use the 'watch' parameter with a list operation instead."),
        ActionVerb::Get => format!("read {of}the specified {kind}"),
        ActionVerb::Put => format!("replace {of}the specified {kind}"),
        ActionVerb::Patch => format!("partially update {of}the specified {kind}"),
        ActionVerb::Delete => format!("delete a {kind}"),
        ActionVerb::Watch => format!("watch changes to an object of kind {kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter."),
        ActionVerb::Connect => format!(
            "connect {} requests to {} of {kind}",
            action.method,
            action.subresource.as_deref().unwrap_or("")
        ),
    }
}

/// The type and description of a query parameter.
fn param_doc(param: Param) -> (&'static str, &'static str) {
    match param {
        Param::Pretty => ("string", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
        Param::LabelSelector => ("string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
        Param::FieldSelector => ("string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
        Param::Watch => ("boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion."),
        Param::AllowWatchBookmarks => ("boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers that do not implement bookmarks may ignore this flag."),
        Param::ResourceVersion => ("string", "resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset."),
        Param::ResourceVersionMatch => ("string", "resourceVersionMatch determines how resourceVersion is applied to list calls: Exact or NotOlderThan."),
        Param::TimeoutSeconds => ("integer", "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity."),
        Param::Limit => ("integer", "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results."),
        Param::Continue => ("string", "The continue option should be set when retrieving more results from the server."),
        Param::SendInitialEvents => ("boolean", "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection."),
        Param::DryRun => ("string", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed"),
        Param::FieldManager => ("string", "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters."),
        Param::FieldValidation => ("string", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. This is the default. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered."),
        Param::Force => ("boolean", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests."),
        Param::GracePeriodSeconds => ("integer", "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately."),
        Param::OrphanDependents => ("boolean", "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7."),
        Param::PropagationPolicy => ("string", "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
        Param::IgnoreStoreReadErrorWithClusterBreakingPotential => ("boolean", "if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error."),
    }
}

fn parameters(model: &ResourceModel, action: &Action) -> Vec<Value> {
    let mut out = Vec::new();
    for name in action.path_params() {
        let description = match name {
            "namespace" => "object name and auth scope, such as for teams and projects".to_string(),
            "name" => format!("name of the {}", model.kind),
            "path" => format!(
                "path to the {}",
                action.subresource.as_deref().unwrap_or("resource")
            ),
            other => other.to_string(),
        };
        out.push(json!({
            "name": name, "in": "path", "required": true, "description": description,
            "schema": {"type": "string", "uniqueItems": true},
        }));
    }
    for param in action.params.iter() {
        let (kind, description) = param_doc(param);
        out.push(json!({
            "name": param.as_str(), "in": "query", "description": description,
            "schema": {"type": kind, "uniqueItems": true},
        }));
    }
    out
}

/// `{"application/json": schema, "application/yaml": schema}`.
fn content(schema: &Value) -> Value {
    json!({
        "application/json": {"schema": schema},
        "application/yaml": {"schema": schema},
    })
}

fn responses(codes: &[(&str, &str)], schema: &Value) -> Value {
    let mut out = Map::new();
    for (code, text) in codes {
        out.insert(
            code.to_string(),
            json!({"description": text, "content": content(schema)}),
        );
    }
    out.insert("401".into(), json!({"description": "Unauthorized"}));
    Value::Object(out)
}

fn operation(model: &ResourceModel, action: &Action, object: &str, list: &str) -> Value {
    let target = match action.subresource_kind {
        SubresourceKind::Scale => reference(SCALE),
        _ => reference(object),
    };
    let status = reference(&format!("{META}.Status"));
    let event = reference(&format!("{META}.WatchEvent"));
    let ok = [("200", "OK")];
    let mut op = json!({
        "operationId": action.operation_id,
        "description": description(model, action),
        "tags": [operation_tag(&model.group, &model.version)],
        "parameters": parameters(model, action),
        "x-kubernetes-action": action_name(action.verb),
    });
    match action.subresource_kind {
        SubresourceKind::Scale => {
            op["x-kubernetes-group-version-kind"] =
                json!({"group": "autoscaling", "version": "v1", "kind": "Scale"})
        }
        SubresourceKind::Connect(_) => {}
        _ => op["x-kubernetes-group-version-kind"] = gvk(model, &model.kind),
    }
    let body = |schema: Value| json!({"content": {"*/*": {"schema": schema}}, "required": true});
    match action.verb {
        ActionVerb::List => op["responses"] = responses(&ok, &reference(list)),
        ActionVerb::Get => op["responses"] = responses(&ok, &target),
        ActionVerb::Post => {
            op["requestBody"] = body(target.clone());
            op["responses"] = responses(
                &[("200", "OK"), ("201", "Created"), ("202", "Accepted")],
                &target,
            );
        }
        ActionVerb::Put => {
            op["requestBody"] = body(target.clone());
            op["responses"] = responses(&[("200", "OK"), ("201", "Created")], &target);
        }
        ActionVerb::Patch => {
            // Only what krest applies: no strategic merge patch (kubectl would compute one)
            // but for the built-in kinds kubectl knows; server-side apply.
            let patch = reference(&format!("{META}.Patch"));
            op["requestBody"] = json!({"content": {
                "application/apply-patch+yaml": {"schema": patch},
                "application/json-patch+json": {"schema": patch},
                "application/merge-patch+json": {"schema": patch},
            }, "required": true});
            if crate::builtin::strategic_merge_patch(model) {
                op["requestBody"]["content"]["application/strategic-merge-patch+json"] =
                    json!({"schema": patch});
            }
            op["responses"] = responses(&[("200", "OK"), ("201", "Created")], &target);
        }
        ActionVerb::Delete | ActionVerb::DeleteCollection => {
            op["requestBody"] = json!({"content": {"*/*": {"schema": reference(&format!("{META}.DeleteOptions"))}}});
            op["responses"] = responses(&[("200", "OK"), ("202", "Accepted")], &status);
        }
        ActionVerb::Watch | ActionVerb::WatchList => {
            let mut r = responses(&ok, &event);
            r["200"]["content"] = json!({
                "application/json": {"schema": event},
                "application/json;stream=watch": {"schema": event},
            });
            op["responses"] = r;
        }
        ActionVerb::Connect => {
            op["responses"] = json!({
                "200": {"description": "OK", "content": {"*/*": {"schema": {"type": "string"}}}},
                "401": {"description": "Unauthorized"},
            });
        }
    }
    op
}
