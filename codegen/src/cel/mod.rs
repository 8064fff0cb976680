//! CEL validation rules (`x-kubernetes-validations`) as kube-apiserver compiles, checks and
//! evaluates them.
//!
//! One module serves every path: the runtime compiles a kind's rules when the server is built,
//! `krest routes`/`krest new`/build.rs and `#[derive(Resource)]` compile the same rules with the
//! same checks when the code is generated, so a rule that would be refused at start-up is refused
//! at generation, with its place.
//!
//! - [`Rule`] is one entry of `x-kubernetes-validations`; [`Program::compile`] parses it (with the
//!   `cel` crate), type-checks it against the schema it sits on and estimates its cost
//!   ([`check`]), as apiextensions' `cel.Compile` does.
//! - [`evaluate_node`] binds `self` (and `oldSelf`) to the value at the rules' place,
//!   converted as kube-apiserver converts it ([`to_val`]: escaped property names, int-or-string,
//!   preserve-unknown-fields), and reports the failure as kube-apiserver words it.
//! - [`library`] holds the Kubernetes CEL libraries CRD rules use beyond the `cel` crate's
//!   standard and extension libraries.
//! - [`schema`] finds every rule of a schema, with its path, and checks them all and the
//!   schema's total cost ([`schema::check_rules`]).

pub mod check;
#[cfg(feature = "yaml")]
pub mod crd;
pub mod direct;
pub mod library;
pub mod schema;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelOptional, CelString,
    CelUInt,
};
use cel::common::value::Val;
use cel::{Context, Env};
use serde_json::Value as Json;

/// kube-apiserver's limit on the estimated cost of one rule (`StaticEstimatedCostLimit`).
pub const PER_RULE_COST_LIMIT: u64 = 10_000_000;
/// kube-apiserver's limit on the estimated cost of all the rules of a schema
/// (`StaticEstimatedCRDCostLimit`).
pub const PER_SCHEMA_COST_LIMIT: u64 = 100_000_000;
/// kube-apiserver's runtime budget of one validation of an object (`RuntimeCELCostBudget`).
pub const RUNTIME_COST_BUDGET: u64 = 10_000_000;
/// The largest request kube-apiserver takes: sizes of unbounded strings, lists and maps are
/// estimated from it.
pub const MAX_REQUEST_BYTES: u64 = 3 * 1024 * 1024;

/// One entry of `x-kubernetes-validations`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    /// The CEL expression, true when the value is valid.
    pub rule: String,
    /// The message of a failure; `failed rule: <rule>` when neither it nor
    /// `message_expression` is set.
    pub message: Option<String>,
    /// A CEL expression giving the message of a failure.
    pub message_expression: Option<String>,
    /// `FieldValueInvalid` (the default), `FieldValueForbidden`, `FieldValueRequired` or
    /// `FieldValueDuplicate`.
    pub reason: Option<String>,
    /// Where the failure is reported, relative to the rule's place (`.spec.host`).
    pub field_path: Option<String>,
    /// Whether a transition rule runs on creates too, with `oldSelf` an optional.
    pub optional_old_self: bool,
}

impl Rule {
    /// A rule with only an expression.
    pub fn new(rule: impl Into<String>) -> Rule {
        Rule {
            rule: rule.into(),
            ..Rule::default()
        }
    }

    /// Reads one entry of `x-kubernetes-validations`; `None` if it has no `rule` string.
    pub fn from_json(entry: &Json) -> Option<Rule> {
        let text = |key: &str| entry.get(key).and_then(Json::as_str).map(str::to_string);
        Some(Rule {
            rule: text("rule")?,
            message: text("message"),
            message_expression: text("messageExpression"),
            reason: text("reason"),
            field_path: text("fieldPath"),
            optional_old_self: entry.get("optionalOldSelf") == Some(&Json::Bool(true)),
        })
    }

    /// Every rule of a schema node's `x-kubernetes-validations`.
    pub fn all_of(schema: &Json) -> Vec<Rule> {
        schema
            .get("x-kubernetes-validations")
            .and_then(Json::as_array)
            .map(|rules| rules.iter().filter_map(Rule::from_json).collect())
            .unwrap_or_default()
    }
}

/// Why a rule is refused, worded as apiextensions' CRD validation words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// Which part of the rule: `rule`, `messageExpression`, `reason`, `fieldPath`.
    pub field: &'static str,
    /// The problem (`compilation failed: ERROR: <input>:1:6: undefined field 'x'`).
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The environment every rule is compiled and run in: CEL's standard library, the strings and
/// lists extensions and the Kubernetes libraries.
pub fn env() -> &'static Arc<Env> {
    static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
        let mut env = Env::stdlib();
        // A failure here is a programming error in this module, caught by its tests.
        env.add_extension(cel::extensions::strings)
            .expect("strings extension");
        env.add_extension(cel::extensions::lists)
            .expect("lists extension");
        env.add_extension(library::extension)
            .expect("Kubernetes libraries");
        Arc::new(env)
    });
    &ENV
}

/// A rule compiled for the schema node it sits on.
#[derive(Debug)]
pub struct Program {
    rule: Rule,
    program: cel::Program,
    /// The rule for the direct evaluator, when it can run it.
    direct: Option<direct::Direct>,
    message: Option<cel::Program>,
    /// Whether the rule reads `oldSelf`: a transition rule.
    pub transition: bool,
    /// The estimated cost of one evaluation, with the schema's bounds.
    pub cost: u64,
}

/// How a rule failed on a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The reason of the cause (`FieldValueInvalid`, ...).
    pub reason: String,
    /// The rule's `fieldPath` in the path syntax of causes (`.spec.host` becomes `spec.host`),
    /// to append to the rule's place; empty for the place itself.
    pub field_path: String,
    /// The cause's message, as kube-apiserver writes it (`Invalid value: "object": ...`).
    pub message: String,
}

/// The state of a validation's runtime cost budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// What is left.
    pub remaining: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            remaining: RUNTIME_COST_BUDGET,
        }
    }
}

/// What evaluating a rule found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The value is valid.
    Pass,
    /// The rule is false, or failed to evaluate.
    Fail(Failure),
    /// The budget ran out: no further rule should run.
    OutOfBudget(Failure),
}

impl Program {
    /// Compiles `rule` for a node of `schema`, with apiextensions' checks: the rule parses and
    /// type-checks to a bool, its estimated cost (times `cardinality`, how many times it may
    /// run on one object) is within [`PER_RULE_COST_LIMIT`], `messageExpression` is a string,
    /// `reason` and `fieldPath` are valid.
    pub fn compile(rule: &Rule, schema: &Json, cardinality: u64) -> Result<Program, RuleError> {
        Program::compile_with(rule, schema, Some(cardinality))
    }

    /// What [`Program::compile`] checks except the cost, and the `fieldPath` when `schema`
    /// declares no properties: for rules checked before their schema's bounds are known (the
    /// derive checks attribute rules against the Rust types; the cost is checked when the
    /// server is built).
    pub fn check(rule: &Rule, schema: &Json) -> Result<(), RuleError> {
        Program::compile_with(rule, schema, None).map(|_| ())
    }

    fn compile_with(
        rule: &Rule,
        schema: &Json,
        cardinality: Option<u64>,
    ) -> Result<Program, RuleError> {
        let program = env().compile(&rule.rule).map_err(|e| RuleError {
            field: "rule",
            message: format!("compilation failed: {e}"),
        })?;
        let transition = check::references(program.expression(), "oldSelf");
        let checked = check::check(
            program.expression(),
            schema,
            transition,
            rule.optional_old_self,
        )
        .map_err(|e| RuleError {
            field: "rule",
            message: format!("compilation failed: ERROR: <input>:1:1: {e}"),
        })?;
        if !checked.ty.maybe_bool() {
            return Err(RuleError {
                field: "rule",
                message: "compilation failed: cel expression must evaluate to a bool".into(),
            });
        }
        let total = checked.cost.saturating_mul(cardinality.unwrap_or(1).max(1));
        if cardinality.is_some() && total > PER_RULE_COST_LIMIT {
            return Err(RuleError {
                field: "rule",
                message: cost_message("estimated rule cost", total, PER_RULE_COST_LIMIT),
            });
        }
        let message = match &rule.message_expression {
            Some(text) => {
                let program = env().compile(text).map_err(|e| RuleError {
                    field: "messageExpression",
                    message: format!("messageExpression compilation failed: {e}"),
                })?;
                let checked = check::check(
                    program.expression(),
                    schema,
                    transition,
                    rule.optional_old_self,
                )
                .map_err(|e| RuleError {
                    field: "messageExpression",
                    message: format!(
                        "messageExpression compilation failed: ERROR: <input>:1:1: {e}"
                    ),
                })?;
                if !checked.ty.maybe_string() {
                    return Err(RuleError {
                        field: "messageExpression",
                        message: "messageExpression must evaluate to a string".into(),
                    });
                }
                Some(program)
            }
            None => None,
        };
        if let Some(reason) = &rule.reason {
            const REASONS: [&str; 4] = [
                "FieldValueInvalid",
                "FieldValueForbidden",
                "FieldValueRequired",
                "FieldValueDuplicate",
            ];
            if !REASONS.contains(&reason.as_str()) {
                return Err(RuleError {
                    field: "reason",
                    message: format!(
                        "Unsupported value: \"{reason}\": supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\""
                    ),
                });
            }
        }
        let declared = schema.get("properties").is_some();
        if let Some(path) = rule
            .field_path
            .as_ref()
            .filter(|_| cardinality.is_some() || declared)
        {
            field_path(path, schema).map_err(|message| RuleError {
                field: "fieldPath",
                message,
            })?;
        }
        if rule.message.as_deref().is_some_and(|m| m.trim().is_empty()) {
            return Err(RuleError {
                field: "message",
                message: "Invalid value: \"\": message must be non-empty if specified".into(),
            });
        }
        // Transition rules read `oldSelf`, which the direct evaluator does not bind.
        let direct = (!transition && !rule.optional_old_self)
            .then(|| direct::Direct::compile(program.expression(), schema))
            .flatten();
        Ok(Program {
            rule: rule.clone(),
            program,
            direct,
            message,
            transition,
            cost: checked.cost,
        })
    }

    /// The rule this program was compiled from.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// Evaluates the rule on `value` (the value at the rule's place, of `schema`), with `old`
    /// the value at the same place before an update: [`evaluate_node`] for one rule.
    pub fn evaluate(
        &self,
        value: &Json,
        schema: &Json,
        old: Option<&Json>,
        budget: &mut Budget,
    ) -> Outcome {
        let mut outcome = Outcome::Pass;
        evaluate_node(
            std::slice::from_ref(self),
            value,
            schema,
            old,
            budget,
            |o| outcome = o,
        );
        outcome
    }

    /// Whether the direct evaluator runs this rule (else only the interpreter does).
    pub fn is_direct(&self) -> bool {
        self.direct.is_some()
    }

    /// Takes the rule's estimated cost, with the actual sizes of the values when the estimate
    /// is not small, from `budget`, or says that the budget ran out.
    fn charge(
        &self,
        schema: &Json,
        value: &Json,
        old: Option<&Json>,
        budget: &mut Budget,
    ) -> Result<(), Outcome> {
        let cost = if self.cost <= CHEAP_RULE {
            self.cost
        } else {
            check::runtime_cost(self.program.expression(), schema, value, old).min(self.cost)
        };
        self.take(cost, schema, budget)
    }

    /// Takes `cost` from `budget`, or says that the budget ran out.
    fn take(&self, cost: u64, schema: &Json, budget: &mut Budget) -> Result<(), Outcome> {
        if cost > budget.remaining {
            budget.remaining = 0;
            return Err(Outcome::OutOfBudget(Failure {
                reason: "FieldValueInvalid".into(),
                field_path: String::new(),
                message: format!(
                    "Invalid value: \"{}\": validation failed due to running out of cost budget, no further validation rules will be run",
                    type_word(schema)
                ),
            }));
        }
        budget.remaining -= cost;
        Ok(())
    }

    /// Runs the rule with the interpreter in `context` (where `self`, and `oldSelf` if needed,
    /// are bound), its cost already charged.
    fn interpret(&self, context: &Context, schema: &Json) -> Outcome {
        let detail = match self.program.execute(context) {
            Ok(cel::Value::Bool(true)) => return Outcome::Pass,
            Ok(cel::Value::Bool(false)) => self.failure_message(context),
            Ok(other) => format!(
                "rule evaluation error: expected a boolean, got {}",
                other.type_of()
            ),
            Err(e) => format!("rule evaluation error: {e}"),
        };
        let word = type_word(schema);
        let reason = self
            .rule
            .reason
            .clone()
            .unwrap_or_else(|| "FieldValueInvalid".into());
        let message = match reason.as_str() {
            "FieldValueForbidden" => format!("Forbidden: {detail}"),
            "FieldValueRequired" => format!("Required value: {detail}"),
            "FieldValueDuplicate" => format!("Duplicate value: \"{word}\""),
            _ => format!("Invalid value: \"{word}\": {detail}"),
        };
        Outcome::Fail(Failure {
            reason,
            field_path: self
                .rule
                .field_path
                .as_deref()
                .and_then(|p| field_path(p, schema).ok())
                .unwrap_or_default(),
            message,
        })
    }

    /// The message of a false rule: `messageExpression`'s result when it evaluates to a
    /// non-empty string, else `message`, else `failed rule: <rule>`.
    fn failure_message(&self, context: &Context) -> String {
        if let Some(program) = &self.message {
            if let Ok(cel::Value::String(text)) = program.execute(context) {
                if !text.trim().is_empty() && !text.contains('\n') {
                    return text.to_string();
                }
            }
        }
        match &self.rule.message {
            Some(message) => message.clone(),
            None => format!("failed rule: {}", self.rule.rule.trim()),
        }
    }
}

/// Rules whose estimated cost is at most this are charged it without estimating again with
/// the actual sizes (which costs more than running them).
const CHEAP_RULE: u64 = 1_000;

/// Evaluates `programs`, the rules of one schema node, on `value` (of `schema`), with `old`
/// the value at the same place before an update: `self` is converted and bound once for all.
/// A transition rule without an old value is skipped unless `optionalOldSelf` is set. Each
/// evaluation's cost is taken from `budget` first; `report` gets each failure, and the last
/// outcome is an [`Outcome::OutOfBudget`] when the budget ran out.
pub fn evaluate_node(
    programs: &[Program],
    value: &Json,
    schema: &Json,
    old: Option<&Json>,
    budget: &mut Budget,
    mut report: impl FnMut(Outcome),
) {
    // First every rule the direct evaluator can decide true; the others (false ones included,
    // for their message) go to the interpreter, with `self` converted for it only then. A
    // rule the direct evaluator ran is charged what it counted (at most its estimate), as
    // kube-apiserver charges the cost cel-go counts; one for the interpreter is charged its
    // estimate with the actual sizes, before it runs.
    let mut undecided: Vec<&Program> = Vec::new();
    let mut out_of_budget = None;
    let mut shared = direct::Shared::default();
    for program in programs {
        if program.transition && old.is_none() && !program.rule.optional_old_self {
            continue;
        }
        let direct =
            (program.direct.as_ref()).and_then(|d| d.evaluate_with(value, &mut shared).ok());
        let charged = match direct {
            Some((_, cost)) => program.take(cost.min(program.cost), schema, budget),
            None => program.charge(schema, value, old, budget),
        };
        if let Err(outcome) = charged {
            out_of_budget = Some(outcome);
            break;
        }
        if !matches!(direct, Some((true, _))) {
            undecided.push(program);
        }
    }
    if !undecided.is_empty() {
        interpret_node(&undecided, value, schema, old, &mut report);
    }
    if let Some(outcome) = out_of_budget {
        report(outcome);
    }
}

/// Runs `programs` with the interpreter, `self` and `oldSelf` bound once for all, their costs
/// already charged; `report` gets each failure.
fn interpret_node(
    programs: &[&Program],
    value: &Json,
    schema: &Json,
    old: Option<&Json>,
    report: &mut impl FnMut(Outcome),
) {
    let root = Context::with_env(env().clone());
    let mut context = root.new_inner_scope();
    context.add_variable_as_val("self", to_val(value, schema));
    let transition = programs
        .iter()
        .any(|p| p.transition && !p.rule.optional_old_self);
    if let (true, Some(old)) = (transition, old) {
        context.add_variable_as_val("oldSelf", to_val(old, schema));
    }
    let optional = programs.iter().any(|p| p.rule.optional_old_self);
    let mut with_optional = context.new_inner_scope();
    if optional {
        let val = match old {
            Some(old) => CelOptional::of(to_val(old, schema)),
            None => CelOptional::none(),
        };
        with_optional.add_variable_as_val("oldSelf", Box::new(val));
    }
    for program in programs {
        let scope = if program.rule.optional_old_self {
            &with_optional
        } else {
            &context
        };
        match program.interpret(scope, schema) {
            Outcome::Pass => {}
            outcome => report(outcome),
        }
    }
}

/// The word kube-apiserver quotes as the value of a failed rule: the schema's type.
fn type_word(schema: &Json) -> &str {
    schema.get("type").and_then(Json::as_str).unwrap_or("")
}

/// apiextensions' message for a cost over its limit.
pub fn cost_message(what: &str, cost: u64, limit: u64) -> String {
    let factor = cost as f64 / limit as f64;
    let factor = if factor > 100.0 {
        "more than 100x".to_string()
    } else {
        format!("{factor:.1}x")
    };
    format!(
        "Forbidden: {what} exceeds budget by factor of {factor} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )
}

/// CEL's reserved words: a property so named is `__name__` in a rule.
const RESERVED: [&str; 20] = [
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
];

/// A property name as rules spell it, as apiextensions escapes it (`namespace` is
/// `__namespace__`, `a-b` is `a__dash__b`); `None` for a name no rule can reach.
pub fn escape(name: &str) -> Option<Cow<'_, str>> {
    if RESERVED.contains(&name) || name == "while" {
        return Some(Cow::Owned(format!("__{name}__")));
    }
    let first = name.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let plain = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plain && !name.contains("__") {
        return Some(Cow::Borrowed(name));
    }
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '_' if chars.peek() == Some(&'_') => {
                chars.next();
                out.push_str("__underscores__");
            }
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
            _ => return None,
        }
    }
    Some(Cow::Owned(out))
}

/// `value`, of `schema`, as the CEL value a rule sees: objects with declared properties are
/// maps keyed by the escaped names, maps (`additionalProperties`) keep their keys, `number`s are
/// doubles, int-or-string stays what it is, and unknown fields are as JSON has them. Strings
/// are borrowed from `value`.
pub fn to_val<'a>(value: &'a Json, schema: &Json) -> Box<dyn Val + 'a> {
    match value {
        Json::Null => Box::new(CelNull),
        Json::Bool(b) => Box::new(CelBool::from(*b)),
        Json::Number(n) => {
            if type_word(schema) == "number" {
                Box::new(CelDouble::from(n.as_f64().unwrap_or(0.0)))
            } else if let Some(i) = n.as_i64() {
                Box::new(CelInt::from(i))
            } else if let Some(u) = n.as_u64() {
                Box::new(CelUInt::from(u))
            } else {
                Box::new(CelDouble::from(n.as_f64().unwrap_or(0.0)))
            }
        }
        Json::String(s) => Box::new(CelString::from(s.as_str())),
        Json::Array(items) => {
            let item_schema = schema.get("items").unwrap_or(&Json::Null);
            Box::new(CelList::from(
                items
                    .iter()
                    .map(|i| to_val(i, item_schema))
                    .collect::<Vec<_>>(),
            ))
        }
        Json::Object(fields) => {
            let properties = schema.get("properties").and_then(Json::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let embedded = schema.get("x-kubernetes-embedded-resource") == Some(&Json::Bool(true));
            let mut map: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> =
                HashMap::with_capacity(fields.len());
            // The object itself (a CRD's `openAPIV3Schema`): its metadata is open in the
            // schema, and rules see only its name and generateName, as in kube-apiserver.
            let root =
                properties.is_some_and(|p| p.contains_key("apiVersion") && p.contains_key("kind"));
            for (name, field) in fields {
                if root && name == "metadata" {
                    map.insert(CelMapKey::from("metadata"), embedded_metadata(field));
                } else if let Some(sub) = properties.and_then(|p| p.get(name)) {
                    match escape(name) {
                        Some(Cow::Borrowed(_)) => {
                            map.insert(CelMapKey::from(name.as_str()), to_val(field, sub));
                        }
                        Some(Cow::Owned(key)) => {
                            map.insert(CelMapKey::from(key), to_val(field, sub));
                        }
                        None => {}
                    }
                } else if let Some(sub) = additional {
                    map.insert(CelMapKey::from(name.as_str()), to_val(field, sub));
                } else if embedded && matches!(name.as_str(), "apiVersion" | "kind" | "metadata") {
                    let val = if name == "metadata" {
                        embedded_metadata(field)
                    } else {
                        to_val(field, &Json::Null)
                    };
                    map.insert(CelMapKey::from(name.as_str()), val);
                } else if properties.is_none() {
                    // Preserved unknown fields: as they are.
                    map.insert(CelMapKey::from(name.as_str()), to_val(field, &Json::Null));
                }
            }
            Box::new(CelMap::from(map))
        }
    }
}

/// The metadata of an embedded resource as rules see it: `name` and `generateName` only.
fn embedded_metadata(meta: &Json) -> Box<dyn Val + '_> {
    let mut map: HashMap<CelMapKey<'_>, Box<dyn Val + '_>> = HashMap::new();
    for key in ["name", "generateName"] {
        if let Some(Json::String(s)) = meta.get(key) {
            map.insert(CelMapKey::from(key), Box::new(CelString::from(s.as_str())));
        }
    }
    Box::new(CelMap::from(map))
}

/// A rule's `fieldPath` (`.spec.host`, `.map['key']`, `.list[0]`... kube-apiserver allows
/// property and map-key steps) checked against `schema`, in the syntax of causes' paths
/// (`spec.host`, `map[key]`).
pub fn field_path(path: &str, schema: &Json) -> Result<String, String> {
    let invalid = |why: &str| format!("Invalid value: \"{path}\": {why}");
    let mut out = String::new();
    let mut node = schema;
    let mut rest = path;
    if rest.is_empty() {
        return Ok(out);
    }
    while !rest.is_empty() {
        let name;
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            name = &after[..end];
            rest = &after[end..];
            if name.is_empty() {
                return Err(invalid("fieldPath must be a valid path"));
            }
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(name);
        } else if let Some(after) = rest.strip_prefix("['") {
            let end = after
                .find("']")
                .ok_or_else(|| invalid("fieldPath must be a valid path"))?;
            name = &after[..end];
            rest = &after[end + 2..];
            if node.get("additionalProperties").is_some() {
                out.push_str(&format!("[{name}]"));
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
        } else {
            return Err(invalid("fieldPath must be a valid path"));
        }
        node = match node
            .get("properties")
            .and_then(|p| p.get(name))
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()))
        {
            Some(next) => next,
            None => {
                return Err(invalid(&format!(
                    "fieldPath must be a valid path: does not refer to a valid field: {name}"
                )))
            }
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
