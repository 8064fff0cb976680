//! Managed fields: updates, applies, pruning, shared ownership, conflicts, force, status.

use serde_json::{json, Value};

use super::managed::{conflict_message, ApplyError, Managed, Manager, Operation, Scope};
use super::tests::ty;
use super::{manager_from_user_agent, manager_problem, Type};
use crate::stored::Object;

/// [`super::track_update`] on whole objects (managed fields inside), as the tests write them.
fn track_update(
    ty: &Type,
    old: Option<&Value>,
    new: &mut serde_json::Map<String, Value>,
    manager: &Manager,
    scope: Scope,
    now: &str,
) {
    let old = old.map(|o| Object::from_value(o.clone()));
    let mut object = Object::from_value(Value::Object(std::mem::take(new)));
    super::track_update(ty, old.as_ref(), &mut object, manager, scope, now);
    if let Value::Object(map) = object.into_value() {
        *new = map;
    }
}

/// [`super::apply`] on whole objects (managed fields inside).
fn apply(
    ty: &Type,
    live: Option<&Value>,
    config: &Value,
    manager: &Manager,
    scope: Scope,
    force: bool,
    now: &str,
) -> Result<Object, ApplyError> {
    let live = live.map(|l| Object::from_value(l.clone()));
    super::apply(ty, live.as_ref(), config, manager, scope, force, now)
}

const V1: &str = "demo.krest.dev/v1";

fn applier(name: &str) -> Manager {
    Manager {
        name: name.into(),
        operation: Operation::Apply,
        api_version: V1.into(),
        subresource: String::new(),
    }
}

fn updater(name: &str) -> Manager {
    Manager {
        operation: Operation::Update,
        ..applier(name)
    }
}

fn widget(spec: Value) -> Value {
    json!({"apiVersion": V1, "kind": "Widget", "metadata": {"name": "w", "namespace": "default"}, "spec": spec})
}

/// Applies `config` as `who` over `live`: the new object (with managedFields).
fn apply_as(
    live: Option<&Value>,
    who: &str,
    config: Value,
    force: bool,
) -> Result<Value, ApplyError> {
    apply(
        &ty(),
        live,
        &config,
        &applier(who),
        Scope::NotStatus,
        force,
        "2026-01-01T00:00:00Z",
    )
    .map(Object::into_value)
}

fn fields_of(object: &Value, manager: &str) -> Value {
    object["metadata"]["managedFields"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["manager"] == manager))
        .map(|e| e["fieldsV1"].clone())
        .unwrap_or(Value::Null)
}

fn conflicts(result: Result<Value, ApplyError>) -> Vec<String> {
    match result {
        Err(ApplyError::Conflicts(c)) => c
            .iter()
            .map(|c| format!("{} {}", c.manager.describe(), c.field()))
            .collect(),
        other => panic!("expected conflicts, got {other:?}"),
    }
}

#[test]
fn create_records_an_update_entry() {
    let mut new = widget(json!({"color": "red"})).as_object().unwrap().clone();
    new["metadata"]["labels"] = json!({"app": "a"});
    track_update(
        &ty(),
        None,
        &mut new,
        &updater("kubectl-create"),
        Scope::NotStatus,
        "2026-01-01T00:00:00Z",
    );
    assert_eq!(
        new["metadata"]["managedFields"],
        json!([{
            "manager": "kubectl-create", "operation": "Update", "apiVersion": V1,
            "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}, "f:spec": {".": {}, "f:color": {}}},
        }])
    );
}

#[test]
fn updates_merge_into_the_same_entry_and_take_fields_from_others() {
    let t = ty();
    let mut first = widget(json!({"color": "red"})).as_object().unwrap().clone();
    track_update(
        &t,
        None,
        &mut first,
        &updater("a"),
        Scope::NotStatus,
        "2026-01-01T00:00:00Z",
    );
    let old = Value::Object(first.clone());
    let mut second = first.clone();
    second["spec"]["size"] = json!(3);
    track_update(
        &t,
        Some(&old),
        &mut second,
        &updater("b"),
        Scope::NotStatus,
        "2026-01-01T00:00:01Z",
    );
    let old = Value::Object(second.clone());
    assert_eq!(fields_of(&old, "b"), json!({"f:spec": {"f:size": {}}}));
    // a changes size: it becomes a's, b owns nothing and its entry goes.
    let mut third = second.clone();
    third["spec"]["size"] = json!(4);
    track_update(
        &t,
        Some(&old),
        &mut third,
        &updater("a"),
        Scope::NotStatus,
        "2026-01-01T00:00:02Z",
    );
    let third = Value::Object(third);
    assert_eq!(
        fields_of(&third, "a"),
        json!({"f:spec": {".": {}, "f:color": {}, "f:size": {}}})
    );
    assert_eq!(fields_of(&third, "b"), Value::Null);
    assert_eq!(
        third["metadata"]["managedFields"][0]["time"],
        "2026-01-01T00:00:02Z"
    );
    // An update that changes nothing keeps the entry's time.
    let mut same = third.as_object().unwrap().clone();
    track_update(
        &t,
        Some(&third),
        &mut same,
        &updater("a"),
        Scope::NotStatus,
        "2027-01-01T00:00:00Z",
    );
    assert_eq!(Value::Object(same), third);
}

#[test]
fn client_written_managed_fields_reset_replace_or_are_ignored() {
    let t = ty();
    let mut created = widget(json!({"color": "red"})).as_object().unwrap().clone();
    track_update(
        &t,
        None,
        &mut created,
        &updater("a"),
        Scope::NotStatus,
        "2026-01-01T00:00:00Z",
    );
    let old = Value::Object(created.clone());
    for reset in [json!([]), json!([{}])] {
        let mut new = created.clone();
        new["metadata"]["managedFields"] = reset;
        new["spec"]["size"] = json!(1);
        track_update(
            &t,
            Some(&old),
            &mut new,
            &updater("b"),
            Scope::NotStatus,
            "2026-01-01T00:00:01Z",
        );
        let entries = new["metadata"]["managedFields"].as_array().unwrap().clone();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0]["manager"], "b");
    }
    // Unreadable entries: the live object's stand (kube-apiserver never fails a write on them).
    let mut new = created.clone();
    new["metadata"]["managedFields"] =
        json!([{"manager": "x", "operation": "Bogus", "apiVersion": V1, "fieldsType": "FieldsV1"}]);
    track_update(
        &t,
        Some(&old),
        &mut new,
        &updater("a"),
        Scope::NotStatus,
        "2026-01-01T00:00:01Z",
    );
    assert_eq!(
        new["metadata"]["managedFields"],
        old["metadata"]["managedFields"]
    );
    // Readable entries a client sends replace the live ones.
    let mut new = created.clone();
    new["metadata"]["managedFields"] = json!([{"manager": "x", "operation": "Apply", "apiVersion": V1,
        "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:color": {}}}}]);
    track_update(
        &t,
        Some(&old),
        &mut new,
        &updater("a"),
        Scope::NotStatus,
        "2026-01-01T00:00:01Z",
    );
    assert_eq!(new["metadata"]["managedFields"][0]["manager"], "x");
    assert_eq!(
        new["metadata"]["managedFields"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn decoding_checks_each_entry() {
    let entry = |patch: Value| {
        let mut e = json!({"manager": "m", "operation": "Apply", "apiVersion": V1, "fieldsType": "FieldsV1", "fieldsV1": {}});
        for (k, v) in patch.as_object().unwrap() {
            e[k] = v.clone();
        }
        e
    };
    assert!(Managed::decode(Some(&json!([entry(json!({}))]))).is_ok());
    for (bad, why) in [
        (
            json!([entry(json!({"operation": "Create"}))]),
            "operation must be `Apply` or `Update`",
        ),
        (
            json!([entry(json!({"apiVersion": ""}))]),
            "apiVersion must not be empty",
        ),
        (
            json!([entry(json!({"fieldsType": ""}))]),
            "missing fieldsType in managed fields entry 0",
        ),
        (
            json!([entry(json!({"fieldsType": "FieldsV2"}))]),
            "invalid fieldsType \"FieldsV2\" in managed fields entry 0",
        ),
        (
            json!([
                entry(json!({})),
                entry(json!({"apiVersion": "demo.krest.dev/v2"}))
            ]),
            "duplicate entries for manager \"m\"",
        ),
        (
            json!([entry(json!({"fieldsV1": {"f:a": 1}}))]),
            "error decoding managed fields entry 0",
        ),
        (json!({}), "managedFields must be a list"),
    ] {
        let err = Managed::decode(Some(&bad)).unwrap_err();
        assert!(err.starts_with(why), "{err}");
    }
    let text = |v: Value| v.to_string();
    assert!(Managed::is_reset(Some(&text(json!([])))));
    assert!(Managed::is_reset(Some(&text(json!([{}])))));
    assert!(!Managed::is_reset(None));
    assert!(!Managed::is_reset(Some(&text(json!([{"manager": "m"}])))));
}

#[test]
fn encoding_orders_appliers_first_then_by_time() {
    let mut m = Managed::default();
    let set = super::set::Set::from_fields_v1(&json!({"f:spec": {"f:a": {}}})).unwrap();
    for (who, op, time) in [
        ("u2", Operation::Update, "2"),
        ("a", Operation::Apply, "3"),
        ("u1", Operation::Update, "1"),
    ] {
        m.entries.push(super::managed::Entry {
            manager: Manager {
                operation: op,
                ..applier(who)
            },
            time: Some(time.into()),
            set: set.clone(),
            raw: None,
        });
    }
    let names: Vec<Value> = m
        .encode()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["manager"].clone())
        .collect();
    assert_eq!(names, vec![json!("a"), json!("u1"), json!("u2")]);
    let round = Managed::decode(Some(&m.encode())).unwrap();
    assert_eq!(round.encode(), m.encode());
}

#[test]
fn apply_creates_reapplies_and_removes_dropped_fields() {
    let first = apply_as(
        None,
        "alice",
        widget(json!({"color": "red", "size": 2, "tags": ["a"]})),
        false,
    )
    .unwrap();
    assert_eq!(
        first["spec"],
        json!({"color": "red", "size": 2, "tags": ["a"]})
    );
    assert_eq!(
        first["metadata"]["managedFields"],
        json!([{"manager": "alice", "operation": "Apply", "apiVersion": V1, "time": "2026-01-01T00:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:color": {}, "f:size": {}, "f:tags": {"v:\"a\"": {}}}}}])
    );
    // The same configuration again changes nothing, not even the time.
    let again = apply(
        &ty(),
        Some(&first),
        &widget(json!({"color": "red", "size": 2, "tags": ["a"]})),
        &applier("alice"),
        Scope::NotStatus,
        false,
        "2027-01-01T00:00:00Z",
    )
    .unwrap();
    assert_eq!(again.into_value(), first);
    // Dropping size and a tag removes them.
    let dropped = apply_as(
        Some(&first),
        "alice",
        widget(json!({"color": "red", "tags": ["b"]})),
        false,
    )
    .unwrap();
    assert_eq!(dropped["spec"], json!({"color": "red", "tags": ["b"]}));
}

#[test]
fn dropped_fields_another_manager_owns_stay() {
    let a = apply_as(
        None,
        "alice",
        widget(json!({"color": "red", "size": 1})),
        false,
    )
    .unwrap();
    // bob applies the same colour: shared, no conflict.
    let b = apply_as(Some(&a), "bob", widget(json!({"color": "red"})), false).unwrap();
    assert_eq!(
        fields_of(&b, "alice"),
        json!({"f:spec": {"f:color": {}, "f:size": {}}})
    );
    assert_eq!(fields_of(&b, "bob"), json!({"f:spec": {"f:color": {}}}));
    // alice drops colour and size: size goes, colour stays (bob's). An empty `spec` is a
    // field alice now applies, and owns.
    let c = apply_as(Some(&b), "alice", widget(json!({})), false).unwrap();
    assert_eq!(c["spec"], json!({"color": "red"}));
    assert_eq!(fields_of(&c, "alice"), json!({"f:spec": {}}));
    let mut bare = widget(json!({}));
    bare.as_object_mut().unwrap().remove("spec");
    let d = apply_as(Some(&c), "alice", bare, false).unwrap();
    assert_eq!(d["spec"], json!({"color": "red"}));
    assert_eq!(fields_of(&d, "alice"), Value::Null);
}

#[test]
fn fields_an_updater_owns_are_not_removed_by_an_applier() {
    let a = apply_as(None, "alice", widget(json!({"color": "red"})), false).unwrap();
    let mut edited = a.as_object().unwrap().clone();
    edited["spec"]["size"] = json!(5);
    track_update(
        &ty(),
        Some(&a),
        &mut edited,
        &updater("kubectl-edit"),
        Scope::NotStatus,
        "2026-01-01T00:00:01Z",
    );
    let edited = Value::Object(edited);
    let b = apply_as(
        Some(&edited),
        "alice",
        widget(json!({"color": "blue"})),
        false,
    )
    .unwrap();
    assert_eq!(b["spec"], json!({"color": "blue", "size": 5}));
}

#[test]
fn conflicts_name_the_manager_and_field() {
    let a = apply_as(
        None,
        "alice",
        widget(json!({"color": "red", "size": 1})),
        false,
    )
    .unwrap();
    let result = apply_as(
        Some(&a),
        "bob",
        widget(json!({"color": "blue", "size": 2})),
        false,
    );
    let Err(ApplyError::Conflicts(found)) = result else {
        panic!("conflict expected")
    };
    assert_eq!(
        conflict_message(&found),
        "Apply failed with 2 conflicts: conflicts with \"alice\":\n- .spec.color\n- .spec.size"
    );
    // An updater is named with its version.
    let mut edited = a.as_object().unwrap().clone();
    edited["spec"]["color"] = json!("green");
    track_update(
        &ty(),
        Some(&a),
        &mut edited,
        &updater("kubectl-edit"),
        Scope::NotStatus,
        "2026-01-01T00:00:01Z",
    );
    let edited = Value::Object(edited);
    let result = apply_as(
        Some(&edited),
        "alice",
        widget(json!({"color": "red", "size": 1})),
        false,
    );
    let Err(ApplyError::Conflicts(found)) = result else {
        panic!("conflict expected")
    };
    assert_eq!(
        conflict_message(&found),
        format!(
            "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using {V1}: .spec.color"
        )
    );
}

#[test]
fn conflicts_across_versions_and_subresources() {
    let a = apply_as(None, "alice", widget(json!({"color": "red"})), false).unwrap();
    let mut edited = a.as_object().unwrap().clone();
    edited["spec"]["size"] = json!(1);
    let old_version = Manager {
        api_version: "demo.krest.dev/v1beta1".into(),
        ..updater("old")
    };
    track_update(
        &ty(),
        Some(&a),
        &mut edited,
        &old_version,
        Scope::NotStatus,
        "2026-01-01T00:00:01Z",
    );
    let mut status_writer = Manager {
        subresource: "status".into(),
        ..applier("ctl")
    };
    status_writer.operation = Operation::Apply;
    assert_eq!(
        status_writer.describe(),
        "\"ctl\" with subresource \"status\""
    );
    let edited = Value::Object(edited);
    assert_eq!(
        conflicts(apply_as(
            Some(&edited),
            "bob",
            widget(json!({"size": 2})),
            false
        )),
        vec!["\"old\" using demo.krest.dev/v1beta1 .spec.size"]
    );
}

#[test]
fn force_takes_ownership() {
    let a = apply_as(
        None,
        "alice",
        widget(json!({"color": "red", "size": 1})),
        false,
    )
    .unwrap();
    let b = apply_as(Some(&a), "bob", widget(json!({"color": "blue"})), true).unwrap();
    assert_eq!(b["spec"], json!({"color": "blue", "size": 1}));
    assert_eq!(fields_of(&b, "alice"), json!({"f:spec": {"f:size": {}}}));
    assert_eq!(fields_of(&b, "bob"), json!({"f:spec": {"f:color": {}}}));
    // alice applying red again now conflicts with bob.
    assert_eq!(
        conflicts(apply_as(
            Some(&b),
            "alice",
            widget(json!({"color": "red", "size": 1})),
            false
        )),
        vec!["\"bob\" .spec.color"]
    );
}

#[test]
fn nested_keyed_lists_prune_item_by_item() {
    let config =
        |env: Value| widget(json!({"containers": [{"name": "app", "image": "app:1", "env": env}]}));
    let a = apply_as(
        None,
        "alice",
        config(json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])),
        false,
    )
    .unwrap();
    // bob adds an env item to alice's container.
    let b = apply_as(
        Some(&a),
        "bob",
        widget(json!({"containers": [{"name": "app", "env": [{"name": "C", "value": "3"}]}]})),
        false,
    )
    .unwrap();
    assert_eq!(
        b["spec"]["containers"][0]["env"].as_array().unwrap().len(),
        3
    );
    // alice drops B: B goes, bob's C stays.
    let c = apply_as(
        Some(&b),
        "alice",
        config(json!([{"name": "A", "value": "1"}])),
        false,
    )
    .unwrap();
    assert_eq!(
        c["spec"]["containers"],
        json!([{"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]}])
    );
}

#[test]
fn atomic_fields_are_owned_whole() {
    let a = apply_as(
        None,
        "alice",
        widget(json!({"args": ["--a"], "selector": {"app": "x"}})),
        false,
    )
    .unwrap();
    assert_eq!(
        fields_of(&a, "alice"),
        json!({"f:spec": {"f:args": {}, "f:selector": {}}})
    );
    assert_eq!(
        conflicts(apply_as(
            Some(&a),
            "bob",
            widget(json!({"args": ["--a", "--b"]})),
            false
        )),
        vec!["\"alice\" .spec.args"]
    );
    // Granular maps are shared member by member.
    let m = apply_as(None, "alice", widget(json!({"extra": {"a": "1"}})), false).unwrap();
    let n = apply_as(Some(&m), "bob", widget(json!({"extra": {"b": "2"}})), false).unwrap();
    assert_eq!(n["spec"]["extra"], json!({"a": "1", "b": "2"}));
}

#[test]
fn status_and_main_resource_are_owned_apart() {
    let t = ty();
    let mut live = widget(json!({"color": "red"}));
    live["status"] = json!({"phase": "Ready"});
    let main = apply(
        &t,
        Some(&live),
        &{
            let mut c = widget(json!({"color": "red"}));
            c["status"] = json!({"phase": "Ignored"});
            c
        },
        &applier("alice"),
        Scope::NotStatus,
        false,
        "t",
    )
    .unwrap();
    let main = main.into_value();
    assert_eq!(
        fields_of(&main, "alice"),
        json!({"f:spec": {"f:color": {}}})
    );
    let ctl = Manager {
        subresource: "status".into(),
        ..applier("ctl")
    };
    let mut status_config = widget(json!({"color": "blue"}));
    status_config["status"] = json!({"phase": "Done"});
    let status = apply(
        &t,
        Some(&main),
        &status_config,
        &ctl,
        Scope::Status,
        false,
        "t",
    )
    .unwrap();
    let status = status.into_value();
    assert_eq!(
        fields_of(&status, "ctl"),
        json!({"f:status": {"f:phase": {}}})
    );
    assert_eq!(
        status["metadata"]["managedFields"][1]["subresource"],
        "status"
    );
}

#[test]
fn update_entries_are_capped() {
    let t = ty();
    let mut object = widget(json!({"extra": {}})).as_object().unwrap().clone();
    for i in 0..12 {
        let old = Value::Object(object.clone());
        object["spec"]["extra"][format!("f{i}")] = json!(i.to_string());
        track_update(
            &t,
            Some(&old),
            &mut object,
            &updater(&format!("m{i:02}")),
            Scope::NotStatus,
            &format!("2026-01-01T00:00:{i:02}Z"),
        );
    }
    let entries = object["metadata"]["managedFields"].as_array().unwrap();
    assert_eq!(entries.len(), 10);
    let ancient = entries
        .iter()
        .find(|e| e["manager"] == "ancient-changes")
        .expect("bucket");
    assert_eq!(
        ancient["fieldsV1"],
        json!({"f:spec": {"f:extra": {"f:f0": {}, "f:f1": {}, "f:f2": {}}}})
    );
}

#[test]
fn managers_from_user_agents_and_their_checks() {
    assert_eq!(
        manager_from_user_agent("kubectl/v1.31.0 (linux/amd64) kubernetes/abc"),
        "kubectl"
    );
    assert_eq!(
        manager_from_user_agent("Go-http-client/2.0"),
        "Go-http-client"
    );
    assert_eq!(manager_from_user_agent(""), "");
    assert_eq!(manager_from_user_agent(&"x".repeat(300)).len(), 128);
    assert!(manager_problem("ok").is_none());
    assert!(manager_problem(&"x".repeat(129))
        .unwrap()
        .contains("Too long"));
    assert!(manager_problem("a\u{7}b")
        .unwrap()
        .contains("invalid character"));
}

/// A random object of the test kind: some of its fields, lists and maps, from few values so
/// that writes keep meeting fields written before.
/// Numbers below a bound from a xorshift generator seeded with `state`: the same run every time.
fn random(mut state: u64) -> impl FnMut(u64) -> u64 {
    move |below| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    }
}

fn random_widget(next: &mut impl FnMut(u64) -> u64) -> Value {
    let mut spec = serde_json::Map::new();
    if next(3) > 0 {
        spec.insert("color".into(), json!(["red", "blue"][next(2) as usize]));
    }
    if next(2) > 0 {
        spec.insert("size".into(), json!(next(3)));
    }
    let tags: Vec<&str> = ["a", "b", "c"]
        .into_iter()
        .filter(|_| next(2) > 0)
        .collect();
    if !tags.is_empty() {
        spec.insert("tags".into(), json!(tags));
    }
    let mut containers = Vec::new();
    for name in ["x", "y"] {
        if next(2) == 0 {
            continue;
        }
        let mut env = Vec::new();
        for e in ["P", "Q"] {
            if next(3) == 0 {
                env.push(json!({"name": e, "value": (["1", "2"][next(2) as usize])}));
            }
        }
        containers
            .push(json!({"name": name, "image": (["i1", "i2"][next(2) as usize]), "env": env}));
    }
    if !containers.is_empty() {
        spec.insert("containers".into(), json!(containers));
    }
    let mut extra = serde_json::Map::new();
    for k in ["k1", "k2"] {
        if next(2) > 0 {
            extra.insert(k.to_owned(), json!(["v1", "v2"][next(2) as usize]));
        }
    }
    if !extra.is_empty() {
        spec.insert("extra".into(), Value::Object(extra));
    }
    let mut object = widget(Value::Object(spec));
    if next(2) > 0 {
        object["status"] = json!({"phase": (["Ready", "Pending"][next(2) as usize])});
    }
    object
}

/// Updates recorded on the entries' text (`update_text`) come out exactly as recorded through
/// parsed field sets, over a long run of random writes by three managers through the main
/// resource and the status subresource; both ways are taken many times.
#[test]
fn updates_recorded_on_text_match_updates_recorded_on_sets() {
    let ty = ty();
    let mut next = random(0x2545_f491_4f6c_dd1d);
    let mut live = Object::from_value(random_widget(&mut next));
    let (mut quick, mut slow) = (0, 0);
    for step in 0..3000 {
        let mut manager = updater(["ctl", "helper", "kubectl"][next(3) as usize]);
        let (scope, mut value) = if next(4) == 0 {
            manager.subresource = "status".into();
            let mut value = live.value.clone();
            value["status"] = random_widget(&mut next)["status"].take();
            (Scope::Status, value)
        } else {
            let mut value = random_widget(&mut next);
            value["status"] = live.value["status"].clone();
            (Scope::NotStatus, value)
        };
        if value["status"].is_null() {
            value.as_object_mut().unwrap().remove("status");
        }
        // Some writes change one field only, as a controller does.
        if next(2) == 0 {
            value = live.value.clone();
            value["spec"]["size"] = json!(next(3));
        }
        let now = format!("2026-01-01T00:{:02}:{:02}Z", step / 60 % 60, step % 60);
        let changes = super::Changes::between(&live.value, &value, &ty, scope);
        let stored = live.managed.as_ref().map(|m| m.get());
        let text = live
            .managed
            .as_ref()
            .and_then(|m| super::managed::update_text(m, &changes, &manager, &now));
        let recorded = super::recorded(stored, None, changes, &manager, &now);
        match text {
            Some(text) => {
                quick += 1;
                assert_eq!(
                    Some(text.get()),
                    recorded.as_ref().map(|r| r.get()),
                    "step {step}: {} over {}",
                    Value::Object(value.as_object().unwrap().clone()),
                    stored.unwrap_or(""),
                );
            }
            None => slow += 1,
        }
        live = Object {
            value,
            managed: recorded,
        };
    }
    assert!(quick > 500 && slow > 500, "{quick} quick, {slow} recorded");
}

/// Creates written straight from the object (`created`) come out exactly as recorded through
/// field sets, over random widgets in every scope and objects with the edge cases of the
/// walk; objects with items in a granular list are left to the sets.
#[test]
fn creates_written_from_the_object_match_creates_recorded_on_sets() {
    let ty = ty();
    let manager = updater("ctl");
    let now = "2026-01-01T00:00:00Z";
    let check = |value: &Value, scope: Scope| -> bool {
        let written = super::created::created(value, &ty, scope, &manager, now);
        let empty = json!({});
        let changes = super::Changes::between(&empty, value, &ty, scope);
        let recorded = super::recorded(None, None, changes, &manager, now);
        match written {
            Some(written) => {
                assert_eq!(
                    written.as_ref().map(|w| w.get()),
                    recorded.as_ref().map(|r| r.get()),
                    "{value} in {scope:?}"
                );
                true
            }
            None => false,
        }
    };
    let mut next = random(0x9e37_79b9_7f4a_7c15);
    let (mut written, mut left) = (0, 0);
    for _ in 0..2000 {
        let mut value = random_widget(&mut next);
        value["metadata"]["labels"] = json!({"app": "a", "tier": "web"});
        if next(2) == 0 {
            value["status"] = json!({"phase": "Ready"});
        }
        for scope in [Scope::All, Scope::NotStatus, Scope::Status] {
            match check(&value, scope) {
                true => written += 1,
                false => left += 1,
            }
        }
    }
    assert!(
        written > 1000 && left > 1000,
        "{written} written, {left} left"
    );
    let edge_cases = [
        // Nothing a manager owns: no entry.
        json!({"apiVersion": V1, "kind": "Widget", "metadata": {"name": "w"}}),
        json!({"apiVersion": V1, "kind": "Widget", "metadata": {}, "spec": {}}),
        // Empty and null members, unknown members the schema prunes, atomic lists and maps,
        // preserved unknown fields, int-or-string, empty granular lists.
        json!({"metadata": {"name": "w", "annotations": {}, "labels": {"a\"b\\c\n": "x"}},
               "spec": {"color": null, "extra": {}, "unknown": {"x": 1}, "args": ["a", "b"],
                        "selector": {"app": "a"}, "blob": {"a": {"b": {}, "c": [1]}, "d": null},
                        "port": "http", "tags": [], "containers": []},
               "status": {}}),
        json!({"metadata": {"finalizers": [], "ownerReferences": []}, "spec": {"blob": {}}}),
        json!({"spec": "not an object", "status": 3}),
    ];
    for value in &edge_cases {
        for scope in [Scope::All, Scope::NotStatus, Scope::Status] {
            assert!(check(value, scope), "{value} left to the sets");
        }
    }
    let listed = json!({"metadata": {"finalizers": ["f"]}, "spec": {"color": "red"}});
    assert!(!check(&listed, Scope::All));
}
