// CEL rules of the attributes are checked at compile time, each error at its rule: a rule that
// does not parse, a field the spec does not have, operators on the wrong types (the field's
// Rust type), a bad reason, a messageExpression calling an undeclared function.
use krest::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Clone, Debug, Serialize, Deserialize, krest::JsonSchema)]
#[schemars(crate = "krest::schemars")]
#[resource(
    group = "demo.krest.dev",
    version = "v1",
    rule = "self.replicas >",
    rule = "self.replica > 0",
    rule("self.name == 1", message = "name")
)]
pub struct WidgetSpec {
    pub replicas: i32,
    #[resource(rule = "self + 1")]
    pub name: String,
    #[resource(rule("self.size() > 0", reason = "FieldValueWrong"))]
    pub tags: Vec<String>,
    #[resource(rule("size(self) > 0", message_expression = "self.unknownFunction()"))]
    pub notes: Vec<String>,
}

fn main() {}
