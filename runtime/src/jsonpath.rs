//! JSONPath as kubectl and kube-apiserver evaluate it (client-go's `util/jsonpath`), for
//! printer columns: fields (`.status.phase`, `['app.kubernetes.io/name']`), wildcards (`.*`,
//! `[*]`), indexes and slices (`[0]`, `[-1]`, `[1:3]`, `[::2]`), recursive descent (`..name`),
//! unions (`['a','b']`) and filters (`[?(@.type=="Ready")]`, `[?(@.count>1)]`, `[?(@.ready)]`).
//!
//! A path is parsed once ([`JsonPath::parse`]) and evaluated against many objects
//! ([`JsonPath::find`]). As kube-apiserver evaluates printer columns (`AllowMissingKeys`), a
//! missing key or a `null` is no result rather than an error; what client-go reports as an
//! error (an index out of range, comparing a string with a number) is an [`Err`], which a
//! printer column shows as an empty cell, as kube-apiserver does.

use serde_json::Value;

/// A parsed JSONPath.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// `.name`, `['name']`, `['a','b']`: these keys of a map, in order.
    Fields(Vec<String>),
    /// `.*`, `[*]`: every value of a map (by key) or element of a list.
    Wildcard,
    /// `[i]` (`end` unset: one element), `[a:b]`, `[a:b:c]`.
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        step: Option<i64>,
        single: bool,
    },
    /// `..`: the value and every map or list below it.
    Recursive,
    /// `[?(...)]`: the elements of a list for which the filter holds.
    Filter(Box<Filter>),
}

#[derive(Clone, Debug, PartialEq)]
struct Filter {
    left: Operand,
    /// The comparison; `None` for an existence test (`[?(@.ready)]`).
    compare: Option<(Op, Operand)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Operand {
    /// `@...`: a path from the element.
    Path(Vec<Step>),
    Literal(Value),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Why a path does not parse, or does not evaluate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn err<T>(message: impl Into<String>) -> Result<T, Error> {
    Err(Error(message.into()))
}

impl JsonPath {
    /// Parses `path`, as written in a CRD's `jsonPath` (`.status.conditions[0].type`); a
    /// leading `$` and client-go's braces (`{.spec}`) are allowed.
    pub fn parse(path: &str) -> Result<JsonPath, Error> {
        let text = path.trim();
        let text = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let text = text.strip_prefix('$').unwrap_or(text);
        let mut parser = Parser {
            chars: text.chars().collect(),
            at: 0,
        };
        let steps = parser.steps(false)?;
        if parser.at < parser.chars.len() {
            return err(format!(
                "unexpected `{}` at {}",
                parser.chars[parser.at], parser.at
            ));
        }
        Ok(JsonPath { steps })
    }

    /// Every value the path reaches in `value`, in client-go's order.
    pub fn find<'v>(&self, value: &'v Value) -> Result<Vec<&'v Value>, Error> {
        eval(&self.steps, vec![value])
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), Error> {
        if self.eat(c) {
            Ok(())
        } else {
            err(format!("expected `{c}` at {}", self.at))
        }
    }

    /// Steps until the end, or (in a filter) until an operator or `)`.
    fn steps(&mut self, in_filter: bool) -> Result<Vec<Step>, Error> {
        let mut steps = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                '.' => {
                    self.at += 1;
                    if self.eat('.') {
                        steps.push(Step::Recursive);
                        if matches!(self.peek(), Some('[') | None) {
                            continue;
                        }
                    }
                    if self.eat('*') {
                        steps.push(Step::Wildcard);
                    } else if self.peek().is_some_and(|c| !is_terminator(c, in_filter)) {
                        steps.push(Step::Fields(vec![self.name(in_filter)?]));
                    } else if self.peek().is_some() && self.peek() != Some('[') {
                        return err(format!("expected a field name at {}", self.at));
                    }
                }
                '[' => {
                    self.at += 1;
                    steps.push(self.bracket()?);
                    self.expect(']')?;
                }
                _ if in_filter => break,
                _ => return err(format!("unexpected `{c}` at {}", self.at)),
            }
        }
        Ok(steps)
    }

    /// A field name: up to a terminator, `\` escaping the next character.
    fn name(&mut self, in_filter: bool) -> Result<String, Error> {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.at += 1;
                match self.peek() {
                    Some(next) => name.push(next),
                    None => return err("a `\\` ends the path"),
                }
                self.at += 1;
                continue;
            }
            if is_terminator(c, in_filter) {
                break;
            }
            name.push(c);
            self.at += 1;
        }
        Ok(name)
    }

    /// The inside of `[...]`.
    fn bracket(&mut self) -> Result<Step, Error> {
        self.spaces();
        match self.peek() {
            Some('*') => {
                self.at += 1;
                self.spaces();
                Ok(Step::Wildcard)
            }
            Some('?') => {
                self.at += 1;
                self.expect('(')?;
                let filter = self.filter()?;
                self.expect(')')?;
                Ok(Step::Filter(Box::new(filter)))
            }
            Some('\'' | '"') => {
                let mut names = vec![self.quoted()?];
                self.spaces();
                while self.eat(',') {
                    self.spaces();
                    names.push(self.quoted()?);
                    self.spaces();
                }
                Ok(Step::Fields(names))
            }
            _ => self.slice(),
        }
    }

    fn spaces(&mut self) {
        while self.peek() == Some(' ') {
            self.at += 1;
        }
    }

    fn quoted(&mut self) -> Result<String, Error> {
        let Some(quote) = self.peek().filter(|c| *c == '\'' || *c == '"') else {
            return err(format!("expected a quoted string at {}", self.at));
        };
        self.at += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return err("a quoted string is not closed"),
                Some('\\') => {
                    self.at += 1;
                    if let Some(c) = self.peek() {
                        text.push(c);
                        self.at += 1;
                    }
                }
                Some(c) if c == quote => {
                    self.at += 1;
                    return Ok(text);
                }
                Some(c) => {
                    text.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// `i`, `a:b`, `a:b:c`, any part empty.
    fn slice(&mut self) -> Result<Step, Error> {
        let mut parts: Vec<Option<i64>> = vec![self.int()?];
        while self.eat(':') {
            parts.push(self.int()?);
        }
        self.spaces();
        match parts.as_slice() {
            [Some(i)] => Ok(Step::Slice {
                start: Some(*i),
                end: None,
                step: None,
                single: true,
            }),
            [start, end] => Ok(Step::Slice {
                start: *start,
                end: *end,
                step: None,
                single: false,
            }),
            [start, end, step] => Ok(Step::Slice {
                start: *start,
                end: *end,
                step: *step,
                single: false,
            }),
            _ => err(format!("unrecognized index at {}", self.at)),
        }
    }

    fn int(&mut self) -> Result<Option<i64>, Error> {
        self.spaces();
        let start = self.at;
        if self.peek() == Some('-') {
            self.at += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        self.spaces();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| Error(format!("`{text}` is not an index")))
    }

    /// `left`, or `left OP right`, inside `?(...)`.
    fn filter(&mut self) -> Result<Filter, Error> {
        self.spaces();
        let left = self.operand()?;
        self.spaces();
        let op = match (self.peek(), self.chars.get(self.at + 1)) {
            (Some('='), Some('=')) => Some((Op::Eq, 2)),
            (Some('!'), Some('=')) => Some((Op::Ne, 2)),
            (Some('<'), Some('=')) => Some((Op::Le, 2)),
            (Some('>'), Some('=')) => Some((Op::Ge, 2)),
            (Some('<'), _) => Some((Op::Lt, 1)),
            (Some('>'), _) => Some((Op::Gt, 1)),
            _ => None,
        };
        let compare = match op {
            None => None,
            Some((op, len)) => {
                self.at += len;
                self.spaces();
                let right = self.operand()?;
                self.spaces();
                Some((op, right))
            }
        };
        Ok(Filter { left, compare })
    }

    fn operand(&mut self) -> Result<Operand, Error> {
        match self.peek() {
            Some('@') => {
                self.at += 1;
                Ok(Operand::Path(self.steps(true)?))
            }
            Some('\'' | '"') => Ok(Operand::Literal(Value::String(self.quoted()?))),
            Some(_) => {
                let start = self.at;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
                {
                    self.at += 1;
                }
                let text: String = self.chars[start..self.at].iter().collect();
                let literal = match text.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => match text.parse::<i64>() {
                        Ok(i) => Value::from(i),
                        Err(_) => match text.parse::<f64>() {
                            Ok(f) => Value::from(f),
                            Err(_) => return err(format!("unrecognized filter operand `{text}`")),
                        },
                    },
                };
                Ok(Operand::Literal(literal))
            }
            None => err("a filter ends early"),
        }
    }
}

/// What ends a field name; in a filter, operators and `)` do too.
fn is_terminator(c: char, in_filter: bool) -> bool {
    matches!(c, '.' | '[' | ']' | ' ' | ',' | '{' | '}' | '$' | '@')
        || (in_filter && matches!(c, '(' | ')' | '=' | '!' | '<' | '>'))
}

fn eval<'v>(steps: &[Step], mut values: Vec<&'v Value>) -> Result<Vec<&'v Value>, Error> {
    for step in steps {
        let mut next = Vec::new();
        match step {
            Step::Fields(names) => {
                for value in values.iter().filter_map(|v| v.as_object()) {
                    // A missing key, or a null, is no result (`AllowMissingKeys`).
                    next.extend(names.iter().filter_map(|n| value.get(n)));
                }
            }
            Step::Wildcard => {
                for value in &values {
                    match value {
                        Value::Object(map) => next.extend(sorted(map)),
                        Value::Array(items) => next.extend(items.iter()),
                        _ => {}
                    }
                }
            }
            Step::Slice {
                start,
                end,
                step,
                single,
            } => {
                for value in &values {
                    match value {
                        Value::Array(items) => {
                            slice(items, *start, *end, *step, *single, &mut next)?
                        }
                        Value::Null => {}
                        _ => return err("not an array or slice"),
                    }
                }
            }
            Step::Recursive => {
                for value in &values {
                    descend(value, &mut next);
                }
            }
            Step::Filter(filter) => {
                for value in &values {
                    match value {
                        Value::Array(items) => {
                            for item in items {
                                if filter.holds(item)? {
                                    next.push(item);
                                }
                            }
                        }
                        Value::Null => {}
                        _ => return err("a filter needs an array or slice"),
                    }
                }
            }
        }
        // client-go skips nil values as it goes.
        next.retain(|v| !v.is_null());
        values = next;
    }
    Ok(values)
}

/// A map's values by key, the order client-go's results take once sorted (Go's own map order
/// is random).
fn sorted(map: &serde_json::Map<String, Value>) -> impl Iterator<Item = &Value> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries.into_iter().map(|(_, v)| v)
}

/// client-go's `evalRecursive`: a map or list, then everything below it, depth first.
fn descend<'v>(value: &'v Value, out: &mut Vec<&'v Value>) {
    let children: Vec<&Value> = match value {
        Value::Object(map) => sorted(map).collect(),
        Value::Array(items) => items.iter().collect(),
        _ => return,
    };
    if children.is_empty() {
        return;
    }
    out.push(value);
    for child in children {
        descend(child, out);
    }
}

/// client-go's `evalArray`, its bounds checks included.
fn slice<'v>(
    items: &'v [Value],
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
    single: bool,
    out: &mut Vec<&'v Value>,
) -> Result<(), Error> {
    let len = items.len() as i64;
    let mut a = start.unwrap_or(0);
    if a < 0 {
        a += len;
    }
    let mut b = if single {
        a + 1
    } else {
        end.map_or(len, |e| if e < 0 { e + len } else { e })
    };
    if b == a {
        return Ok(());
    }
    if a >= len || a < 0 {
        return err(format!(
            "array index out of bounds: index {a}, length {len}"
        ));
    }
    if b > len || b < 0 {
        if single {
            b = a + 1;
        } else {
            return err(format!(
                "array index out of bounds: index {}, length {len}",
                b - 1
            ));
        }
    }
    if a > b {
        return err(format!(
            "starting index {a} is greater than ending index {b}"
        ));
    }
    let step = match step {
        None => 1,
        Some(s) if s > 0 => s as usize,
        Some(_) => return err("step must be > 0"),
    };
    out.extend(items[a as usize..b as usize].iter().step_by(step));
    Ok(())
}

impl Filter {
    fn holds(&self, item: &Value) -> Result<bool, Error> {
        let operand = |o: &Operand| -> Result<Option<Value>, Error> {
            let found = match o {
                Operand::Literal(v) => return Ok(Some(v.clone())),
                Operand::Path(steps) => eval(steps, vec![item])?,
            };
            match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some((*one).clone())),
                _ => err("can only compare one element at a time"),
            }
        };
        let Some(left) = operand(&self.left)? else {
            return Ok(false);
        };
        let Some((op, right)) = &self.compare else {
            return Ok(true);
        };
        let Some(right) = operand(right)? else {
            return Ok(false);
        };
        compare(&left, *op, &right)
    }
}

/// Go's `text/template` comparisons: values of one basic kind only (an integer with a float
/// is an error, as is ordering booleans).
fn compare(left: &Value, op: Op, right: &Value) -> Result<bool, Error> {
    use std::cmp::Ordering;
    let ordering = match (left, right) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Bool(a), Value::Bool(b)) => match op {
            Op::Eq => return Ok(a == b),
            Op::Ne => return Ok(a != b),
            _ => return err("invalid type for comparison"),
        },
        (Value::Number(a), Value::Number(b)) => {
            let int = |n: &serde_json::Number| n.is_i64() || n.is_u64();
            if int(a) != int(b) {
                return err("incompatible types for comparison");
            }
            if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
                a.cmp(&b)
            } else {
                let (a, b) = (
                    a.as_f64().unwrap_or(f64::NAN),
                    b.as_f64().unwrap_or(f64::NAN),
                );
                a.partial_cmp(&b).unwrap_or(Ordering::Equal)
            }
        }
        _ => return err("incompatible types for comparison"),
    };
    Ok(match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
    })
}

/// A value as client-go's `PrintResults` writes it: strings as they are, maps and lists as
/// compact JSON (Go's `encoding/json`: sorted keys, `<`, `>`, `&` escaped), numbers and booleans
/// as Go's `fmt` prints them.
pub fn print(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Number(n) => n.as_f64().map(go_float),
        Value::Array(_) | Value::Object(_) => Some(go_json(value)),
    }
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest digits, in
/// exponent form below 1e-4 or from 1e6 up (`1234567` is `1.234567e+06`).
fn go_float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f.is_nan() {
        return "NaN".into();
    }
    // `{:e}` gives the shortest digits: `1.5e-7`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

/// Compact JSON as Go's `encoding/json` writes it.
fn go_json(value: &Value) -> String {
    fn sort(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sort(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(value)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests;
