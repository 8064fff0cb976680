//! The JSON patch semantics as a table: document, patch, and the document after it or the
//! library's error. Cases follow evanphx/json-patch v4's behaviour as kube-apiserver runs it.

use serde_json::{json, Value};

use super::{merge, ApplyError, DecodeError, JsonPatch};

/// The copy limit of the table's cases: 100 bytes, as the library's own tests use.
const LIMIT: usize = 100;

enum Want {
    Doc(Value),
    Error(&'static str),
}
use Want::{Doc, Error};

fn run(doc: &Value, patch: &Value) -> Result<Value, String> {
    let patch = JsonPatch::parse(patch.clone()).map_err(|DecodeError(e)| format!("decode: {e}"))?;
    let mut out = doc.clone();
    patch
        .apply(&mut out, LIMIT)
        .map_err(|ApplyError(e)| e)
        .map(|()| out)
}

#[test]
fn operations_apply_as_kube_apiserver_applies_them() {
    let a48 = "A".repeat(48);
    let a49 = "A".repeat(49);
    #[rustfmt::skip]
    let cases: Vec<(&str, Value, Value, Want)> = vec![
        // add
        ("add a member", json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/baz", "value": "qux"}]),
            Doc(json!({"foo": "bar", "baz": "qux"}))),
        ("add replaces a member", json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/foo", "value": 1}]),
            Doc(json!({"foo": 1}))),
        ("add inserts before an index", json!({"foo": ["bar", "baz"]}),
            json!([{"op": "add", "path": "/foo/1", "value": "qux"}]),
            Doc(json!({"foo": ["bar", "qux", "baz"]}))),
        ("add at the length appends", json!({"foo": ["bar"]}),
            json!([{"op": "add", "path": "/foo/1", "value": "qux"}]),
            Doc(json!({"foo": ["bar", "qux"]}))),
        ("add at - appends", json!({"foo": ["bar"]}),
            json!([{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]),
            Doc(json!({"foo": ["bar", ["abc", "def"]]}))),
        ("add at -1 appends", json!({"foo": ["bar", "baz"]}),
            json!([{"op": "add", "path": "/foo/-1", "value": "qux"}]),
            Doc(json!({"foo": ["bar", "baz", "qux"]}))),
        ("add at -1 of an empty array", json!({"foo": []}),
            json!([{"op": "add", "path": "/foo/-1", "value": "qux"}]),
            Doc(json!({"foo": ["qux"]}))),
        ("add at -3 inserts first", json!({"foo": ["bar", "baz"]}),
            json!([{"op": "add", "path": "/foo/-3", "value": "qux"}]),
            Doc(json!({"foo": ["qux", "bar", "baz"]}))),
        ("add at +0 (a sign is a number)", json!({"foo": ["bar"]}),
            json!([{"op": "add", "path": "/foo/+0", "value": "qux"}]),
            Doc(json!({"foo": ["qux", "bar"]}))),
        ("add of null", json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/baz", "value": null}]),
            Doc(json!({"foo": "bar", "baz": null}))),
        ("add without a value adds null", json!({}),
            json!([{"op": "add", "path": "/baz"}]),
            Doc(json!({"baz": null}))),
        ("add of a nested object", json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/child", "value": {"grandchild": {}}}]),
            Doc(json!({"foo": "bar", "child": {"grandchild": {}}}))),
        ("add into a missing parent", json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/baz/bat", "value": "qux"}]),
            Error("add operation does not apply: doc is missing path: \"/baz/bat\": missing value")),
        ("add into a null parent", json!({"a": null}),
            json!([{"op": "add", "path": "/a/b", "value": 1}]),
            Error("add operation does not apply: doc is missing path: \"/a/b\": missing value")),
        ("add into a string", json!({"a": "x"}),
            json!([{"op": "add", "path": "/a/b", "value": 1}]),
            Error("add operation does not apply: doc is missing path: \"/a/b\": missing value")),
        ("add at the root", json!({"foo": "bar"}),
            json!([{"op": "add", "path": "", "value": "qux"}]),
            Error("add operation does not apply: doc is missing path: \"\": missing value")),
        ("add past the end", json!({"foo": ["bar"]}),
            json!([{"op": "add", "path": "/foo/2", "value": "bum"}]),
            Error("error in add for path: '/foo/2': Unable to access invalid index: 2: invalid index referenced")),
        ("add before the start", json!({"foo": ["bar", "baz"]}),
            json!([{"op": "add", "path": "/foo/-4", "value": "bum"}]),
            Error("error in add for path: '/foo/-4': Unable to access invalid index: -4: invalid index referenced")),
        ("add at a word of an array", json!({"foo": []}),
            json!([{"op": "add", "path": "/foo/x", "value": 1}]),
            Error("error in add for path: '/foo/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax")),
        ("add without a path", json!({}),
            json!([{"op": "add", "pathz": "/baz", "value": "qux"}]),
            Error("add operation failed to decode path: missing value")),
        ("add with a null path", json!({}),
            json!([{"op": "add", "path": null}]),
            Error("add operation failed to decode path: missing value")),
        ("a path's first token is not read", json!({"foo": 1}),
            json!([{"op": "add", "path": "x/bar", "value": 2}]),
            Doc(json!({"foo": 1, "bar": 2}))),
        ("a path without / is missing", json!({"foo": 1}),
            json!([{"op": "add", "path": "foo", "value": 2}]),
            Error("add operation does not apply: doc is missing path: \"foo\": missing value")),
        ("~1 and ~0 unescape once", json!({}),
            json!([{"op": "add", "path": "/a~1b~01", "value": 1}]),
            Doc(json!({"a/b~1": 1}))),
        ("the empty key", json!({}),
            json!([{"op": "add", "path": "/", "value": 1}]),
            Doc(json!({"": 1}))),
        // remove
        ("remove a member", json!({"baz": "qux", "foo": "bar"}),
            json!([{"op": "remove", "path": "/baz"}]),
            Doc(json!({"foo": "bar"}))),
        ("remove a null member", json!({"foo": "bar", "qux": {"baz": 1, "bar": null}}),
            json!([{"op": "remove", "path": "/qux/bar"}]),
            Doc(json!({"foo": "bar", "qux": {"baz": 1}}))),
        ("remove an element", json!({"foo": ["bar", "qux", "baz"]}),
            json!([{"op": "remove", "path": "/foo/1"}]),
            Doc(json!({"foo": ["bar", "baz"]}))),
        ("remove at -2", json!({"foo": ["bar", "qux", "baz"]}),
            json!([{"op": "remove", "path": "/foo/-2"}]),
            Doc(json!({"foo": ["bar", "baz"]}))),
        ("remove a missing member", json!({"a": {"b": {"d": 1}}}),
            json!([{"op": "remove", "path": "/a/b/c"}]),
            Error("error in remove for path: '/a/b/c': Unable to remove nonexistent key: c: missing value")),
        ("remove past the end", json!({"a": {"b": [1]}}),
            json!([{"op": "remove", "path": "/a/b/1"}]),
            Error("error in remove for path: '/a/b/1': Unable to access invalid index: 1: invalid index referenced")),
        ("remove at -", json!({"foo": []}),
            json!([{"op": "remove", "path": "/foo/-"}]),
            Error("error in remove for path: '/foo/-': strconv.Atoi: parsing \"-\": invalid syntax")),
        ("remove at -1 of an empty array", json!({"foo": []}),
            json!([{"op": "remove", "path": "/foo/-1"}]),
            Error("error in remove for path: '/foo/-1': Unable to access invalid index: -1: invalid index referenced")),
        ("remove a huge index", json!({"foo": []}),
            json!([{"op": "remove", "path": "/foo/99999999999999999999"}]),
            Error("error in remove for path: '/foo/99999999999999999999': strconv.Atoi: parsing \"99999999999999999999\": value out of range")),
        ("remove the root", json!({"foo": 1}),
            json!([{"op": "remove", "path": ""}]),
            Error("remove operation does not apply: doc is missing path: \"\": missing value")),
        // replace
        ("replace a member", json!({"baz": "qux", "foo": "bar"}),
            json!([{"op": "replace", "path": "/baz", "value": "boo"}]),
            Doc(json!({"baz": "boo", "foo": "bar"}))),
        ("replace a missing member adds it", json!({"foo": 1}),
            json!([{"op": "replace", "path": "/bar", "value": 2}]),
            Doc(json!({"foo": 1, "bar": 2}))),
        ("replace with null", json!({"bar": [1]}),
            json!([{"op": "replace", "path": "/bar/0", "value": null}]),
            Doc(json!({"bar": [null]}))),
        ("replace null", json!({"bar": [{"baz": null}]}),
            json!([{"op": "replace", "path": "/bar/0/baz", "value": 1}]),
            Doc(json!({"bar": [{"baz": 1}]}))),
        ("replace at -1", json!({"foo": ["a", "b"]}),
            json!([{"op": "replace", "path": "/foo/-1", "value": "z"}]),
            Doc(json!({"foo": ["a", "z"]}))),
        ("replace the document", json!({"id": "0", "parentID": "0"}),
            json!([{"op": "test", "path": "", "value": {"id": "0", "parentID": "0"}},
                   {"op": "replace", "path": "", "value": {"id": "1", "originalID": "bar"}}]),
            Doc(json!({"id": "1", "originalID": "bar"}))),
        ("replace the document with a scalar", json!({"a": 1}),
            json!([{"op": "replace", "path": "", "value": 5}]),
            Error("replace operation value must be object or array")),
        ("replace past the end", json!({"foo": ["bar", "baz"]}),
            json!([{"op": "replace", "path": "/foo/2", "value": "bum"}]),
            Error("replace operation does not apply: doc is missing key: /foo/2: missing value")),
        ("replace under a missing parent", json!({"name": {"foo": "bat"}}),
            json!([{"op": "replace", "path": "/foo/bar", "value": "baz"}]),
            Error("replace operation does not apply: doc is missing path: /foo/bar: missing value")),
        ("replace without a path", json!({}),
            json!([{"op": "replace", "value": 1}]),
            Error("replace operation failed to decode path: operation missing path field: missing value")),
        // move
        ("move a member", json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}),
            json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]),
            Doc(json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}))),
        ("move an element forward", json!({"foo": ["all", "grass", "cows", "eat"]}),
            json!([{"op": "move", "from": "/foo/1", "path": "/foo/3"}]),
            Doc(json!({"foo": ["all", "cows", "eat", "grass"]}))),
        ("move an element by one", json!({"foo": ["all", "grass", "cows", "eat"]}),
            json!([{"op": "move", "from": "/foo/1", "path": "/foo/2"}]),
            Doc(json!({"foo": ["all", "cows", "grass", "eat"]}))),
        ("move past the end", json!({"foo": ["all", "grass", "cows", "eat"]}),
            json!([{"op": "move", "from": "/foo/1", "path": "/foo/4"}]),
            Error("error in move for path: '/foo/4': Unable to access invalid index: 4: invalid index referenced")),
        ("move a missing member", json!({"a": {"b": {"d": 1}}}),
            json!([{"op": "move", "from": "/a/b/c", "path": "/a/b/e"}]),
            Error("error in move for path: 'c': Unable to remove nonexistent key: c: missing value")),
        ("move from a missing element", json!({"a": {"b": [1]}}),
            json!([{"op": "move", "from": "/a/b/1", "path": "/a/b/2"}]),
            Error("error in move for path: '1': Unable to access invalid index: 1: invalid index referenced")),
        ("move into itself", json!({"a": {"b": 1}}),
            json!([{"op": "move", "from": "/a", "path": "/a/c"}]),
            Error("move operation does not apply: doc is missing destination path: /a/c: missing value")),
        ("move without from", json!({}),
            json!([{"op": "move", "path": "/a"}]),
            Error("move operation failed to decode from: operation, missing from field: missing value")),
        // copy
        ("copy an element", json!([{"foo": ["bar", "qux", "baz"], "bar": ["qux", "baz"]}]),
            json!([{"op": "copy", "from": "/0/foo/0", "path": "/0/bar/0"}]),
            Doc(json!([{"foo": ["bar", "qux", "baz"], "bar": ["bar", "qux", "baz"]}]))),
        ("copy over a member", json!([{"foo": ["bar", "qux", "baz"], "bar": ["qux", "baz"]}]),
            json!([{"op": "copy", "from": "/0/foo/0", "path": "/0/bar"}]),
            Doc(json!([{"foo": ["bar", "qux", "baz"], "bar": "bar"}]))),
        ("copy an array into itself", json!({"foo": ["bar"]}),
            json!([{"op": "copy", "path": "/foo/0", "from": "/foo"}]),
            Doc(json!({"foo": [["bar"], "bar"]}))),
        ("copy a missing member copies null", json!({"foo": 1}),
            json!([{"op": "copy", "from": "/nothing", "path": "/bar"}]),
            Doc(json!({"foo": 1, "bar": null}))),
        ("copies up to the limit", json!({"foo": ["A", a48.clone()]}),
            json!([{"op": "copy", "path": "/foo/-", "from": "/foo/1"},
                   {"op": "copy", "path": "/foo/-", "from": "/foo/1"}]),
            Doc(json!({"foo": ["A", a48.clone(), a48.clone(), a48]}))),
        ("copies past the limit", json!({"foo": ["A", a49]}),
            json!([{"op": "copy", "path": "/foo/-", "from": "/foo/1"},
                   {"op": "copy", "path": "/foo/-", "from": "/foo/1"}]),
            Error("Unable to complete the copy, the accumulated size increase of copy is 102, exceeding the limit 100")),
        ("copy past the end", json!({"foo": ["bar"]}),
            json!([{"op": "copy", "path": "/foo/2", "from": "/foo/0"}]),
            Error("error while adding value during copy: Unable to access invalid index: 2: invalid index referenced")),
        ("copy from a missing element", json!({"foo": ["bar"]}),
            json!([{"op": "copy", "path": "/x", "from": "/foo/3"}]),
            Error("error in copy for from: '/foo/3': Unable to access invalid index: 3: invalid index referenced")),
        ("copy to a missing parent", json!({"foo": 1}),
            json!([{"op": "copy", "path": "/x/y", "from": "/foo"}]),
            Error("copy operation does not apply: doc is missing destination path: /x/y: missing value")),
        ("copy without a path", json!({"foo": 1}),
            json!([{"op": "copy", "from": "/foo"}]),
            Error("copy operation failed to decode path: missing value")),
        ("copy with a null from", json!({}),
            json!([{"op": "copy", "from": null}]),
            Error("copy operation failed to decode from: operation, missing from field: missing value")),
        // test
        ("test equal values", json!({"baz": "qux", "foo": ["a", 2, "c"]}),
            json!([{"op": "test", "path": "/baz", "value": "qux"},
                   {"op": "test", "path": "/foo/1", "value": 2}]),
            Doc(json!({"baz": "qux", "foo": ["a", 2, "c"]}))),
        ("test a different value", json!({"baz": "qux"}),
            json!([{"op": "test", "path": "/baz", "value": "bar"}]),
            Error("testing value /baz failed: test failed")),
        ("test a missing member against null", json!({"baz": "qux"}),
            json!([{"op": "test", "path": "/foo", "value": null}]),
            Doc(json!({"baz": "qux"}))),
        ("test a missing member without a value", json!({"baz": []}),
            json!([{"op": "test", "path": "/foo"}]),
            Doc(json!({"baz": []}))),
        ("test a missing member against 42", json!({"baz": "qux"}),
            json!([{"op": "test", "path": "/foo", "value": 42}]),
            Error("testing value /foo failed: test failed")),
        ("test null against null", json!({"foo": null}),
            json!([{"op": "test", "path": "/foo", "value": null}]),
            Doc(json!({"foo": null}))),
        ("test {} against null", json!({"foo": {}}),
            json!([{"op": "test", "path": "/foo", "value": null}]),
            Error("testing value /foo failed: test failed")),
        ("test [] without a value", json!({"foo": []}),
            json!([{"op": "test", "path": "/foo"}]),
            Error("testing value /foo failed: test failed")),
        ("test an escaped key", json!({"baz/foo": "qux"}),
            json!([{"op": "test", "path": "/baz~1foo", "value": "qux"}]),
            Doc(json!({"baz/foo": "qux"}))),
        ("test objects whatever their order", json!({"a": {"x": 1, "y": [1, {"z": null}]}}),
            json!([{"op": "test", "path": "/a", "value": {"y": [1, {"z": null}], "x": 1}}]),
            Doc(json!({"a": {"x": 1, "y": [1, {"z": null}]}}))),
        ("test 1 against 1.0", json!({"a": 1}),
            json!([{"op": "test", "path": "/a", "value": 1.0}]),
            Error("testing value /a failed: test failed")),
        ("test under a missing parent", json!({}),
            json!([{"op": "test", "path": "/a/b", "value": null}]),
            Error("test operation does not apply: is missing path: /a/b: missing value")),
        ("test past the end", json!({"a": [1]}),
            json!([{"op": "test", "path": "/a/1", "value": null}]),
            Error("error in test for path: '/a/1': Unable to access invalid index: 1: invalid index referenced")),
        ("test the document", json!({"a": 1}),
            json!([{"op": "test", "path": "", "value": {"a": 2}}]),
            Error("testing value  failed: test failed")),
        ("kube-rs's finalizer patch", json!({"metadata": {"name": "w"}}),
            json!([{"op": "test", "path": "/metadata/finalizers", "value": null},
                   {"op": "add", "path": "/metadata/finalizers", "value": ["widgets.demo/cleanup"]}]),
            Doc(json!({"metadata": {"name": "w", "finalizers": ["widgets.demo/cleanup"]}}))),
        ("kube-rs's finalizer patch, appending", json!({"metadata": {"finalizers": ["a"]}}),
            json!([{"op": "test", "path": "/metadata/finalizers", "value": ["a"]},
                   {"op": "add", "path": "/metadata/finalizers/-", "value": "b"}]),
            Doc(json!({"metadata": {"finalizers": ["a", "b"]}}))),
        ("kube-rs's finalizer removal", json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!([{"op": "test", "path": "/metadata/finalizers/1", "value": "b"},
                   {"op": "remove", "path": "/metadata/finalizers/1"}]),
            Doc(json!({"metadata": {"finalizers": ["a"]}}))),
        // kinds and the patch as a whole
        ("an unknown op", json!({}),
            json!([{"op": "frobnicate", "path": "/a"}]),
            Error("Unexpected kind: frobnicate")),
        ("a null op", json!({}),
            json!([{"op": null, "path": ""}]),
            Error("Unexpected kind: unknown")),
        ("a null operation", json!({}), json!([null]), Error("Unexpected kind: unknown")),
        ("the null patch", json!({"a": 1}), json!(null), Doc(json!({"a": 1}))),
        ("the empty patch", json!({"a": 1}), json!([]), Doc(json!({"a": 1}))),
        ("a later failure undoes nothing it sees", json!({"a": 1}),
            json!([{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/c"}]),
            Error("error in remove for path: '/c': Unable to remove nonexistent key: c: missing value")),
        ("operations see earlier ones", json!({}),
            json!([{"op": "add", "path": "/a", "value": {}}, {"op": "add", "path": "/a/b", "value": [1]},
                   {"op": "add", "path": "/a/b/0", "value": 0}, {"op": "test", "path": "/a", "value": {"b": [0, 1]}}]),
            Doc(json!({"a": {"b": [0, 1]}}))),
        // decoding (400 in kube-apiserver)
        ("an object is not a patch", json!({}), json!({"op": "add"}),
            Error("decode: error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp")),
        ("a string is not an operation", json!({}), json!(["add"]),
            Error("decode: error decoding patch: json: cannot unmarshal string into Go value of type handlers.jsonPatchOp")),
        ("a path is a string", json!({}), json!([{"op": "add", "path": 5}]),
            Error("decode: error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string")),
    ];
    let mut failures = Vec::new();
    for (name, doc, patch, want) in cases {
        let got = run(&doc, &patch);
        let ok = match (&want, &got) {
            (Doc(want), Ok(got)) => want == got,
            (Error(want), Err(got)) => want == got,
            _ => false,
        };
        if !ok {
            let want = match want {
                Doc(doc) => Ok(doc),
                Error(e) => Err(e.to_string()),
            };
            failures.push(format!("{name}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn copies_are_counted_before_they_are_made() {
    // 64 KiB doubled by copies: the 3 MiB limit stops it at the copy that would pass it.
    let limit = 3 * 1024 * 1024;
    let mut doc = json!({"a": ["x".repeat(64 * 1024)]});
    let ops = vec![json!({"op": "copy", "from": "/a", "path": "/a/-"}); 16];
    let patch = JsonPatch::parse(json!(ops)).unwrap();
    let err = patch.apply(&mut doc, limit).unwrap_err();
    assert!(
        err.0
            .starts_with("Unable to complete the copy, the accumulated size increase of copy is "),
        "{err:?}"
    );
    assert!(err.0.ends_with("exceeding the limit 3145728"), "{err:?}");
    // The copies made before the refused one: 64 KiB * (1 + 1 + 2 + ... + 16).
    assert_eq!(super::json_size(&doc) / (64 * 1024), 32);
}

#[test]
fn merge_patches_follow_rfc_7396() {
    #[rustfmt::skip]
    let cases = [
        (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
        (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
        (json!({"a": "b"}), json!({"a": null}), json!({})),
        (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
        (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
        (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
        (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
        (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
        (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
        (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
        (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        (json!({"a": "b"}), json!(["c"]), json!(["c"])),
    ];
    for (doc, patch, want) in cases {
        let mut got = doc.clone();
        merge(&mut got, &patch);
        assert_eq!(got, want, "{doc} merged with {patch}");
    }
}
