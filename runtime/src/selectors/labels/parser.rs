//! The lexer and parser of label selectors. They follow apimachinery's `labels.Parse` token by
//! token, so that what it accepts, what it rejects and how it words the rejection are the same.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Operator, Requirement};
use crate::validation::{is_label_value, is_qualified_name};

/// Parses `text` into requirements, in the order written; the error is the message of the 400.
pub(super) fn parse(text: &str) -> Result<Vec<Requirement>, String> {
    let tokens = lex(text);
    Parser {
        tokens: &tokens,
        position: 0,
    }
    .parse()
}

/// A token of the selector language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    Identifier(&'a str),
    In,
    NotIn,
    OpenPar,
    ClosedPar,
    Comma,
    Not,
    Equals,
    DoubleEquals,
    NotEquals,
    GreaterThan,
    LessThan,
    End,
}

impl Token<'_> {
    /// The text of the token, as error messages quote it.
    fn literal(&self) -> &str {
        match self {
            Token::Identifier(s) => s,
            Token::In => "in",
            Token::NotIn => "notin",
            Token::OpenPar => "(",
            Token::ClosedPar => ")",
            Token::Comma => ",",
            Token::Not => "!",
            Token::Equals => "=",
            Token::DoubleEquals => "==",
            Token::NotEquals => "!=",
            Token::GreaterThan => ">",
            Token::LessThan => "<",
            Token::End => "",
        }
    }
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Splits `text` into tokens, ending with [`Token::End`]. Delimiters are ASCII, so slicing
/// between them always falls on character boundaries. (Go's lexer also stops at a NUL byte, so
/// that `"\0"` selects everything there; here a NUL is an identifier character, which no key or
/// value accepts.)
fn lex(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_whitespace(b) {
            i += 1;
        } else if is_special(b) {
            let next = bytes.get(i + 1).copied();
            let (token, len) = match (b, next) {
                (b'=', Some(b'=')) => (Token::DoubleEquals, 2),
                (b'!', Some(b'=')) => (Token::NotEquals, 2),
                (b'=', _) => (Token::Equals, 1),
                (b'!', _) => (Token::Not, 1),
                (b'(', _) => (Token::OpenPar, 1),
                (b')', _) => (Token::ClosedPar, 1),
                (b',', _) => (Token::Comma, 1),
                (b'>', _) => (Token::GreaterThan, 1),
                _ => (Token::LessThan, 1),
            };
            tokens.push(token);
            i += len;
        } else {
            let start = i;
            while i < bytes.len() && !is_whitespace(bytes[i]) && !is_special(bytes[i]) {
                i += 1;
            }
            tokens.push(match &text[start..i] {
                "in" => Token::In,
                "notin" => Token::NotIn,
                word => Token::Identifier(word),
            });
        }
    }
    tokens.push(Token::End);
    tokens
}

/// Where a token is read: `in` and `notin` are keywords only where an operator may stand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

/// A recursive-descent parser over the tokens, with one token of lookahead; its errors are
/// worded as apimachinery's.
struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    position: usize,
}

impl<'a> Parser<'_, 'a> {
    fn token_at(&self, position: usize, context: Context) -> Token<'a> {
        // The last token is End, and nothing reads past it.
        let token = self.tokens.get(position).copied().unwrap_or(Token::End);
        match (token, context) {
            (Token::In, Context::Values) => Token::Identifier("in"),
            (Token::NotIn, Context::Values) => Token::Identifier("notin"),
            (token, _) => token,
        }
    }

    fn lookahead(&self, context: Context) -> Token<'a> {
        self.token_at(self.position, context)
    }

    fn consume(&mut self, context: Context) -> Token<'a> {
        let token = self.token_at(self.position, context);
        if self.position < self.tokens.len() {
            self.position += 1;
        }
        token
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut requirements = Vec::new();
        loop {
            match self.lookahead(Context::Values) {
                Token::Identifier(_) | Token::Not => {
                    let requirement = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    requirements.push(requirement);
                    match self.consume(Context::Values) {
                        Token::End => return Ok(requirements),
                        Token::Comma => {
                            let next = self.lookahead(Context::Values);
                            if !matches!(next, Token::Identifier(_) | Token::Not) {
                                return Err(format!(
                                    "found '{}', expected: identifier after ','",
                                    next.literal()
                                ));
                            }
                        }
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or 'end of string'",
                                other.literal()
                            ))
                        }
                    }
                }
                Token::End => return Ok(requirements),
                other => {
                    return Err(format!(
                        "found '{}', expected: !, identifier, or 'end of string'",
                        other.literal()
                    ))
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, operator) = self.parse_key_and_infer_operator()?;
        if let Some(operator) = operator {
            return Ok(Requirement {
                key: key.to_string(),
                operator,
                values: Vec::new(),
            });
        }
        let operator = self.parse_operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        new_requirement(key, operator, values)
    }

    /// The key, and the operator when it is unary: `!key` or a bare `key` before `,` or the
    /// end.
    fn parse_key_and_infer_operator(&mut self) -> Result<(&'a str, Option<Operator>), String> {
        let mut token = self.consume(Context::Values);
        let negated = token == Token::Not;
        if negated {
            token = self.consume(Context::Values);
        }
        let Token::Identifier(key) = token else {
            return Err(format!("found '{}', expected: identifier", token.literal()));
        };
        let errs = is_qualified_name(key);
        if !errs.is_empty() {
            // apimachinery reports the key against a nil field path, printed `<nil>`.
            return Err(format!(
                "<nil>: Invalid value: {}: {}",
                quote(key),
                errs.join("; ")
            ));
        }
        if negated {
            return Ok((key, Some(Operator::DoesNotExist)));
        }
        match self.lookahead(Context::Values) {
            Token::End | Token::Comma => Ok((key, Some(Operator::Exists))),
            _ => Ok((key, None)),
        }
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        match self.consume(Context::KeyAndOperator) {
            Token::In => Ok(Operator::In),
            Token::NotIn => Ok(Operator::NotIn),
            Token::Equals => Ok(Operator::Equals),
            Token::DoubleEquals => Ok(Operator::DoubleEquals),
            Token::NotEquals => Ok(Operator::NotEquals),
            Token::GreaterThan => Ok(Operator::GreaterThan),
            Token::LessThan => Ok(Operator::LessThan),
            other => Err(format!(
                "found '{}', expected: in, notin, =, ==, !=, gt, lt",
                other.literal()
            )),
        }
    }

    /// `(a,b,...)`; empty values may stand anywhere a value may: `()` is `{""}`.
    fn parse_values(&mut self) -> Result<BTreeSet<String>, String> {
        let open = self.consume(Context::Values);
        if open != Token::OpenPar {
            return Err(format!("found '{}' expected: '('", open.literal()));
        }
        match self.lookahead(Context::Values) {
            Token::Identifier(_) | Token::Comma => {
                let values = self.parse_identifiers_list()?;
                // parse_identifiers_list returns only in front of ')'.
                self.consume(Context::Values);
                Ok(values)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            other => Err(format!(
                "found '{}', expected: ',', ')' or identifier",
                other.literal()
            )),
        }
    }

    /// A comma-separated list of possibly empty values, up to (not including) `)`; it follows
    /// apimachinery's state machine, quirks included (`(a,,)` is an error, `(a,,b)` is not).
    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, String> {
        let mut values = BTreeSet::new();
        loop {
            match self.consume(Context::Values) {
                Token::Identifier(value) => {
                    values.insert(value.to_string());
                    match self.lookahead(Context::Values) {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(values),
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or ')'",
                                other.literal()
                            ))
                        }
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        values.insert(String::new());
                    }
                    match self.lookahead(Context::Values) {
                        Token::ClosedPar => {
                            values.insert(String::new());
                            return Ok(values);
                        }
                        Token::Comma => {
                            self.consume(Context::Values);
                            values.insert(String::new());
                        }
                        _ => {}
                    }
                }
                other => {
                    return Err(format!(
                        "found '{}', expected: ',', or identifier",
                        other.literal()
                    ))
                }
            }
        }
    }

    /// The single value after `=`, `==`, `!=`, `>` or `<`; empty before `,` or the end.
    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        if matches!(self.lookahead(Context::Values), Token::End | Token::Comma) {
            return Ok(BTreeSet::from([String::new()]));
        }
        match self.consume(Context::Values) {
            Token::Identifier(value) => Ok(BTreeSet::from([value.to_string()])),
            other => Err(format!("found '{}', expected: identifier", other.literal())),
        }
    }
}

/// A requirement from parsed parts, its values checked as `labels.NewRequirement` does; several
/// errors are reported as `[first, second]`.
fn new_requirement(
    key: &str,
    operator: Operator,
    values: BTreeSet<String>,
) -> Result<Requirement, String> {
    let values: Vec<String> = values.into_iter().collect();
    let mut errors: Vec<String> = Vec::new();
    if matches!(operator, Operator::GreaterThan | Operator::LessThan) {
        for (i, value) in values.iter().enumerate() {
            if value.parse::<i64>().is_err() {
                errors.push(format!(
                    "values[{i}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                    quote(value)
                ));
            }
        }
    }
    for (i, value) in values.iter().enumerate() {
        let errs = is_label_value(value);
        if !errs.is_empty() {
            errors.push(format!(
                "values[{i}][{key}]: Invalid value: {}: {}",
                quote(value),
                errs.join("; ")
            ));
        }
    }
    let mut seen = BTreeSet::new();
    errors.retain(|e| seen.insert(e.clone()));
    match errors.len() {
        0 => Ok(Requirement {
            key: key.to_string(),
            operator,
            values,
        }),
        1 => Err(errors.remove(0)),
        _ => Err(format!("[{}]", errors.join(", "))),
    }
}

/// `text` as a quoted string in an error message.
fn quote(text: &str) -> String {
    Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::LabelSelector;
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse(text: &str) -> LabelSelector {
        LabelSelector::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn error(text: &str) -> String {
        let status = LabelSelector::parse(text).expect_err(text);
        assert_eq!(status.code, 400, "{text:?}");
        assert_eq!(status.reason, "BadRequest", "{text:?}");
        status.message
    }

    fn one(text: &str) -> Requirement {
        let selector = parse(text);
        assert_eq!(selector.requirements().len(), 1, "{text:?}");
        selector.requirements()[0].clone()
    }

    #[test]
    fn whitespace_separates_tokens() {
        let selector = parse("  a  =  b ,\tc\nin\r( d , e ) , ! f ");
        assert_eq!(selector.to_string(), "a=b,c in (d,e),!f");
        assert_eq!(parse("x notin(a)").to_string(), "x notin (a)");
        assert_eq!(parse("x in(a,b)").to_string(), "x in (a,b)");
    }

    #[test]
    fn keys_may_be_prefixed_and_keywords() {
        assert_eq!(
            parse("example.com/tier=web").to_string(),
            "example.com/tier=web"
        );
        assert_eq!(one("in").operator(), Operator::Exists);
        assert_eq!(one("!notin").operator(), Operator::DoesNotExist);
        let r = one("in in (in,notin)");
        assert_eq!((r.key(), r.operator()), ("in", Operator::In));
        assert_eq!(r.values(), ["in", "notin"]);
        assert_eq!(one("notin notin (x)").operator(), Operator::NotIn);
        assert_eq!(one("a=in").values(), ["in"]);
    }

    #[test]
    fn empty_values_in_sets() {
        assert_eq!(one("a in (,)").values(), [""]);
        assert_eq!(one("a in (,b)").values(), ["", "b"]);
        assert_eq!(one("a in (b,)").values(), ["", "b"]);
        assert_eq!(one("a in (b,,c)").values(), ["", "b", "c"]);
        assert_eq!(one("a in (,,b)").values(), ["", "b"]);
        // apimachinery's list parser rejects these; so does ours.
        assert_eq!(
            error("a in (b,,)"),
            "unable to parse requirement: found ')', expected: ',', or identifier"
        );
        assert_eq!(
            error("a in (,,)"),
            "unable to parse requirement: found ')', expected: ',', or identifier"
        );
    }

    #[test]
    fn syntax_errors_are_worded_as_kubernetes() {
        let cases = [
            (
                ",",
                "found ',', expected: !, identifier, or 'end of string'",
            ),
            (
                "=a",
                "found '=', expected: !, identifier, or 'end of string'",
            ),
            (
                "(",
                "found '(', expected: !, identifier, or 'end of string'",
            ),
            ("a,", "found '', expected: identifier after ','"),
            ("a,,b", "found ',', expected: identifier after ','"),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
            ("a=b in", "found 'in', expected: ',' or 'end of string'"),
            (
                "a b",
                "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "a (",
                "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "!",
                "unable to parse requirement: found '', expected: identifier",
            ),
            (
                "!,a",
                "unable to parse requirement: found ',', expected: identifier",
            ),
            (
                "!!a",
                "unable to parse requirement: found '!', expected: identifier",
            ),
            (
                "a in",
                "unable to parse requirement: found '' expected: '('",
            ),
            (
                "a in b",
                "unable to parse requirement: found 'b' expected: '('",
            ),
            (
                "a in (",
                "unable to parse requirement: found '', expected: ',', ')' or identifier",
            ),
            (
                "a in (=)",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            ),
            (
                "a in (b",
                "unable to parse requirement: found '', expected: ',' or ')'",
            ),
            (
                "a in (b c)",
                "unable to parse requirement: found 'c', expected: ',' or ')'",
            ),
            (
                "a in (b,=)",
                "unable to parse requirement: found '=', expected: ',', or identifier",
            ),
            (
                "a=(",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "a==!",
                "unable to parse requirement: found '!', expected: identifier",
            ),
            (
                "a===b",
                "unable to parse requirement: found '=', expected: identifier",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(error(text), message, "{text:?}");
        }
    }

    #[test]
    fn bad_keys_are_invalid() {
        assert_eq!(
            error("-a=b"),
            "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        );
        assert_eq!(
            error("/a"),
            "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty"
        );
        let long = "k".repeat(64);
        assert_eq!(
            error(&format!("!{long}")),
            format!("unable to parse requirement: <nil>: Invalid value: \"{long}\": name part must be no more than 63 bytes")
        );
        let message = error("Example.com/a");
        assert!(
            message.starts_with("unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part a lowercase RFC 1123 subdomain"),
            "{message}"
        );
        // Two problems are joined with "; ".
        assert!(error("a/").contains("name part must be non-empty; name part must consist"));
        assert!(error("a/b/c").contains("a valid label key must consist of"));
        assert!(error("é").contains("Invalid value: \"é\""));
    }

    #[test]
    fn bad_values_are_invalid() {
        assert_eq!(
            error("a=-b"),
            "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
        let long = "v".repeat(64);
        assert_eq!(
            error(&format!("a in (ok,{long})")),
            format!("unable to parse requirement: values[1][a]: Invalid value: \"{long}\": must be no more than 63 bytes")
        );
        let both = error("a in (-x,-y)");
        assert!(
            both.starts_with("unable to parse requirement: [values[0][a]: Invalid value: \"-x\": ")
        );
        assert!(both.contains(", values[1][a]: Invalid value: \"-y\": "));
        assert!(both.ends_with(")]"));
    }

    #[test]
    fn integer_operators_need_integers() {
        assert_eq!(
            error("a>b"),
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
        assert_eq!(
            error("a<"),
            "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
        // A negative number is an integer but not a label value.
        assert!(error("a>-1").starts_with(
            "unable to parse requirement: values[0][a]: Invalid value: \"-1\": a valid label"
        ));
        // Too large for int64, and a bad label value: both are reported.
        let big = error("a>99999999999999999999_");
        assert!(
            big.starts_with("unable to parse requirement: [values[0]: Invalid value:"),
            "{big}"
        );
        assert!(parse("a>007").matches(&labels(&[("a", "8")])));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Pieces of selector text, so that random sequences often parse.
        fn token() -> impl Strategy<Value = &'static str> {
            prop::sample::select(
                &[
                    "a", "b", "x.io/k", "in", "notin", "!", "=", "==", "!=", "(", ")", ",", ">",
                    "<", "1", "-1", " ", " ", ",", "", "é",
                ][..],
            )
        }

        proptest! {
            #[test]
            fn parse_never_panics(text in any::<String>()) {
                let _ = LabelSelector::parse(&text);
            }

            #[test]
            fn whatever_parses_round_trips(text in prop_oneof![
                "[a-c!=(),<> \\t\\n/.0-9inot_-]{0,40}",
                prop::collection::vec(token(), 0..16).prop_map(|t| t.concat()),
            ]) {
                if let Ok(selector) = LabelSelector::parse(&text) {
                    // Whatever parses prints to text that parses back to the same selector.
                    let printed = selector.to_string();
                    let reparsed = LabelSelector::parse(&printed);
                    prop_assert_eq!(reparsed.as_ref(), Ok(&selector), "{:?} printed as {:?}", text, printed);
                } else {
                    prop_assert_eq!(LabelSelector::parse(&text).unwrap_err().code, 400);
                }
            }
        }
    }
}
