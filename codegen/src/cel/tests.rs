//! Rules compiled and evaluated against values, one table per library and option.

use serde_json::{json, Value as Json};

use super::*;

/// Compiles `rule` on `schema` and evaluates it on `value`: `Ok(())` or the failure's message.
fn run(rule: &str, schema: Json, value: Json) -> Result<(), String> {
    run_rule(&Rule::new(rule), schema, value, None)
}

fn run_rule(rule: &Rule, schema: Json, value: Json, old: Option<Json>) -> Result<(), String> {
    let program = Program::compile(rule, &schema, 1).map_err(|e| format!("compile: {e}"))?;
    match program.evaluate(&value, &schema, old.as_ref(), &mut Budget::default()) {
        Outcome::Pass => Ok(()),
        Outcome::Fail(f) | Outcome::OutOfBudget(f) => Err(f.message),
    }
}

fn strings() -> Json {
    json!({"type": "string", "maxLength": 64})
}

#[test]
fn scalars_bind_self() {
    assert_eq!(run("self > 1", json!({"type": "integer"}), json!(2)), Ok(()));
    assert_eq!(
        run("self > 1", json!({"type": "integer"}), json!(1)),
        Err("Invalid value: \"integer\": failed rule: self > 1".into())
    );
    assert_eq!(run("self == 1.5", json!({"type": "number"}), json!(1.5)), Ok(()));
    assert_eq!(run("self.startsWith('a')", strings(), json!("abc")), Ok(()));
    assert_eq!(run("self", json!({"type": "boolean"}), json!(true)), Ok(()));
}
