//! Label selectors: the grammar and the matching of apimachinery's `labels.Parse`.

mod parser;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::status::Status;

/// How a [`Requirement`] relates a label to its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `key in (a,b)`: the label is present and its value is one of the values.
    In,
    /// `key notin (a,b)`: the label is absent or its value is none of the values.
    NotIn,
    /// `key=a`: the label is present with this value.
    Equals,
    /// `key==a`: the same as [`Operator::Equals`], spelled differently.
    DoubleEquals,
    /// `key!=a`: the label is absent or has another value.
    NotEquals,
    /// `key`: the label is present.
    Exists,
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key>5`: the label is present and, as an integer, greater.
    GreaterThan,
    /// `key<5`: the label is present and, as an integer, smaller.
    LessThan,
}

/// One condition of a [`LabelSelector`]: a key, an operator and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    key: String,
    operator: Operator,
    /// Sorted and without duplicates; one value for the exact-match and integer operators,
    /// none for `Exists` and `DoesNotExist`.
    values: Vec<String>,
}

impl Requirement {
    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, sorted, without duplicates; empty for `Exists` and `DoesNotExist`.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    fn has_value(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }

    /// Whether labels, seen through `get`, satisfy the requirement.
    fn matches_with<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        let value = get(&self.key);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                value.is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => value.is_none_or(|v| !self.has_value(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(Ok(actual)), [bound]) = (value.map(str::parse::<i64>), &self.values[..])
                else {
                    return false;
                };
                let Ok(bound) = bound.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    actual > bound
                } else {
                    actual < bound
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        let values = self.values.join(",");
        match self.operator {
            Operator::Exists => write!(f, "{key}"),
            Operator::DoesNotExist => write!(f, "!{key}"),
            Operator::Equals => write!(f, "{key}={values}"),
            Operator::DoubleEquals => write!(f, "{key}=={values}"),
            Operator::NotEquals => write!(f, "{key}!={values}"),
            Operator::GreaterThan => write!(f, "{key}>{values}"),
            Operator::LessThan => write!(f, "{key}<{values}"),
            Operator::In => write!(f, "{key} in ({values})"),
            Operator::NotIn => write!(f, "{key} notin ({values})"),
        }
    }
}

/// A parsed `labelSelector`: requirements that must all hold. The empty selector matches
/// everything.
///
/// ```
/// use std::collections::BTreeMap;
/// use krest::selectors::LabelSelector;
///
/// let selector = LabelSelector::parse("tier in (web, api), !canary").unwrap();
/// let labels = BTreeMap::from([("tier".to_string(), "web".to_string())]);
/// assert!(selector.matches(&labels));
/// assert_eq!(selector.to_string(), "!canary,tier in (api,web)");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// Sorted by key (stably, so requirements on one key keep their order).
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses a selector with the grammar of apimachinery's `labels.Parse`; a syntax error, a
    /// bad key or a bad value is a 400 whose message is Kubernetes' (`unable to parse
    /// requirement: ...`).
    ///
    /// ```text
    /// <selector>    ::= <requirement> | <requirement> "," <selector>
    /// <requirement> ::= [!] KEY [ <set-based> | <exact-match> ]
    /// <set-based>   ::= ("in" | "notin") "(" VALUE ("," VALUE)* ")"
    /// <exact-match> ::= ("=" | "==" | "!=" | ">" | "<") VALUE
    /// ```
    ///
    /// Spaces, tabs and line breaks separate tokens; `in` and `notin` are keywords only
    /// where an operator is expected.
    pub fn parse(text: &str) -> Result<LabelSelector, Status> {
        let mut requirements = parser::parse(text).map_err(Status::bad_request)?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector { requirements })
    }

    /// Whether the selector has no requirement, so matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_with(|key| labels.get(key).map(String::as_str))
    }

    /// Whether a JSON labels map (`metadata.labels`) satisfies every requirement. Anything
    /// but an object counts as no labels; a value that is not a string counts as absent.
    pub fn matches_labels(&self, labels: &Value) -> bool {
        self.matches_with(|key| labels.get(key).and_then(Value::as_str))
    }

    /// Whether the labels of a JSON object (its `metadata.labels`) satisfy every requirement.
    pub fn matches_object(&self, object: &Value) -> bool {
        self.matches_labels(object.pointer("/metadata/labels").unwrap_or(&Value::Null))
    }

    fn matches_with<'a>(&self, get: impl Fn(&str) -> Option<&'a str> + Copy) -> bool {
        self.requirements.iter().all(|r| r.matches_with(get))
    }
}

/// The canonical form: requirements sorted by key, joined by `,`, set values sorted
/// (`a in (x,y),!b,c=d`); it parses back to the same selector.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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

    fn one(text: &str) -> Requirement {
        let selector = parse(text);
        assert_eq!(selector.requirements().len(), 1, "{text:?}");
        selector.requirements()[0].clone()
    }

    #[test]
    fn empty_selectors_match_everything() {
        for text in ["", " ", "\t\r\n "] {
            let selector = parse(text);
            assert!(selector.is_empty());
            assert!(selector.matches(&labels(&[])));
            assert!(selector.matches(&labels(&[("a", "b")])));
            assert_eq!(selector.to_string(), "");
        }
    }

    #[test]
    fn operators_parse() {
        let cases: &[(&str, Operator, &[&str])] = &[
            ("a", Operator::Exists, &[]),
            ("!a", Operator::DoesNotExist, &[]),
            ("a=b", Operator::Equals, &["b"]),
            ("a==b", Operator::DoubleEquals, &["b"]),
            ("a!=b", Operator::NotEquals, &["b"]),
            ("a>5", Operator::GreaterThan, &["5"]),
            ("a<5", Operator::LessThan, &["5"]),
            ("a in (b)", Operator::In, &["b"]),
            ("a notin (b)", Operator::NotIn, &["b"]),
            ("a=", Operator::Equals, &[""]),
            ("a!=", Operator::NotEquals, &[""]),
            ("a in ()", Operator::In, &[""]),
            ("a in (c,b,c)", Operator::In, &["b", "c"]),
        ];
        for (text, operator, values) in cases {
            let r = one(text);
            assert_eq!(r.key(), "a", "{text}");
            assert_eq!(r.operator(), *operator, "{text}");
            assert_eq!(r.values(), *values, "{text}");
        }
    }

    #[test]
    fn requirements_are_sorted_by_key_stably() {
        let selector = parse("b=1,a=2,b!=3,a");
        assert_eq!(selector.to_string(), "a=2,a,b=1,b!=3");
    }

    #[test]
    fn matching_follows_kubernetes() {
        let none = labels(&[]);
        let web = labels(&[("tier", "web"), ("n", "10")]);
        let api = labels(&[("tier", "api")]);
        let cases: &[(&str, [bool; 3])] = &[
            // selector: [no labels, web, api]
            ("tier", [false, true, true]),
            ("!tier", [true, false, false]),
            ("tier=web", [false, true, false]),
            ("tier==web", [false, true, false]),
            ("tier!=web", [true, false, true]),
            ("tier in (web,db)", [false, true, false]),
            ("tier notin (web,db)", [true, false, true]),
            ("tier=", [false, false, false]),
            ("n>9", [false, true, false]),
            ("n>10", [false, false, false]),
            ("n<11", [false, true, false]),
            ("tier>1", [false, false, false]),
            ("tier,n", [false, true, false]),
            ("tier in (web,api),!n", [false, false, true]),
        ];
        for (text, expected) in cases {
            let selector = parse(text);
            let actual = [
                selector.matches(&none),
                selector.matches(&web),
                selector.matches(&api),
            ];
            assert_eq!(&actual, expected, "{text}");
        }
        assert!(parse("a=").matches(&labels(&[("a", "")])));
        assert!(parse("a in (,b)").matches(&labels(&[("a", "")])));
    }

    #[test]
    fn matching_json_labels() {
        let object = serde_json::json!({
            "metadata": {"name": "x", "labels": {"tier": "web", "odd": 5}}
        });
        assert!(parse("tier=web").matches_object(&object));
        assert!(parse("!odd").matches_object(&object));
        assert!(parse("tier,!missing").matches_labels(&object["metadata"]["labels"]));
        assert!(!parse("tier").matches_object(&serde_json::json!({"metadata": {}})));
        assert!(parse("!tier").matches_object(&serde_json::json!({})));
        assert!(parse("!tier").matches_labels(&Value::Null));
        assert!(parse("").matches_object(&Value::Null));
    }

    #[test]
    fn display_is_canonical() {
        let cases = [
            ("z=1, a in (c, b)", "a in (b,c),z=1"),
            ("x notin (b,a,a)", "x notin (a,b)"),
            ("a==b", "a==b"),
            ("!a", "!a"),
            ("a>1,a<5", "a>1,a<5"),
            ("a in ()", "a in ()"),
            ("a in (,b)", "a in (,b)"),
            ("a=", "a="),
        ];
        for (text, canonical) in cases {
            let selector = parse(text);
            assert_eq!(selector.to_string(), canonical, "{text}");
            assert_eq!(parse(canonical), selector, "{text}");
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-zA-Z0-9]([a-zA-Z0-9._-]{0,8}[a-zA-Z0-9])?",
                "[a-z0-9]{1,5}(\\.[a-z0-9]{1,5}){0,2}/[a-zA-Z0-9]([a-zA-Z0-9._-]{0,5}[a-zA-Z0-9])?",
                Just("in".to_string()),
                Just("notin".to_string()),
            ]
        }

        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                "([a-zA-Z0-9]([a-zA-Z0-9._-]{0,6}[a-zA-Z0-9])?)?",
                Just("in".to_string()),
            ]
        }

        fn requirement() -> impl Strategy<Value = (String, Operator, Vec<String>)> {
            let operator = prop_oneof![
                Just(Operator::In),
                Just(Operator::NotIn),
                Just(Operator::Equals),
                Just(Operator::DoubleEquals),
                Just(Operator::NotEquals),
                Just(Operator::Exists),
                Just(Operator::DoesNotExist),
                Just(Operator::GreaterThan),
                Just(Operator::LessThan),
            ];
            (
                key(),
                operator,
                prop::collection::vec(value(), 1..4),
                0..1000i64,
            )
                .prop_map(|(key, operator, values, n)| {
                    let values = match operator {
                        Operator::Exists | Operator::DoesNotExist => Vec::new(),
                        Operator::GreaterThan | Operator::LessThan => vec![n.to_string()],
                        Operator::In | Operator::NotIn => {
                            // Two empty values in a row before ')' do not parse (`(a,,)`).
                            let mut values = values;
                            values.sort();
                            values.dedup();
                            values
                        }
                        _ => values[..1].to_vec(),
                    };
                    (key, operator, values)
                })
        }

        /// Renders a requirement with arbitrary spacing where spacing is allowed.
        fn render(key: &str, operator: Operator, values: &[String], space: &str) -> String {
            let s = space;
            let joined = values.join(&format!("{s},{s}"));
            match operator {
                Operator::Exists => key.to_string(),
                Operator::DoesNotExist => format!("!{s}{key}"),
                Operator::Equals => format!("{key}{s}={s}{joined}"),
                Operator::DoubleEquals => format!("{key}{s}=={s}{joined}"),
                Operator::NotEquals => format!("{key}{s}!={s}{joined}"),
                Operator::GreaterThan => format!("{key}{s}>{s}{joined}"),
                Operator::LessThan => format!("{key}{s}<{s}{joined}"),
                Operator::In => format!("{key} in{s}({s}{joined}{s})"),
                Operator::NotIn => format!("{key} notin{s}({s}{joined}{s})"),
            }
        }

        /// What a requirement means, written independently of the parser.
        fn oracle(
            key: &str,
            operator: Operator,
            values: &[String],
            labels: &BTreeMap<String, String>,
        ) -> bool {
            let actual = labels.get(key);
            let contains = |v: &String| values.contains(v);
            let int = |v: &String| v.parse::<i64>().ok();
            match operator {
                Operator::Exists => actual.is_some(),
                Operator::DoesNotExist => actual.is_none(),
                Operator::In | Operator::Equals | Operator::DoubleEquals => {
                    actual.is_some_and(contains)
                }
                Operator::NotIn | Operator::NotEquals => !actual.is_some_and(contains),
                Operator::GreaterThan => actual
                    .and_then(int)
                    .is_some_and(|a| a > values[0].parse().unwrap()),
                Operator::LessThan => actual
                    .and_then(int)
                    .is_some_and(|a| a < values[0].parse().unwrap()),
            }
        }

        fn label_map() -> impl Strategy<Value = BTreeMap<String, String>> {
            prop::collection::btree_map(
                prop_oneof![key(), Just("a".to_string())],
                prop_oneof![value(), "[0-9]{1,3}"],
                0..6,
            )
        }

        proptest! {
            #[test]
            fn generated_selectors_parse_print_and_match(
                requirements in prop::collection::vec(requirement(), 0..5),
                space in "[ \\t]{0,2}",
                labels in label_map(),
            ) {
                let text: Vec<String> = requirements
                    .iter()
                    .map(|(k, o, v)| render(k, *o, v, &space))
                    .collect();
                let text = text.join(&format!("{space},{space}"));
                let selector = LabelSelector::parse(&text);
                prop_assert!(selector.is_ok(), "{:?}: {:?}", text, selector);
                let selector = selector.unwrap();
                prop_assert_eq!(selector.requirements().len(), requirements.len());
                let printed = selector.to_string();
                prop_assert_eq!(LabelSelector::parse(&printed), Ok(selector.clone()));
                prop_assert_eq!(parse(&printed).to_string(), printed);
                let expected = requirements.iter().all(|(k, o, v)| oracle(k, *o, v, &labels));
                prop_assert_eq!(selector.matches(&labels), expected, "{:?} on {:?}", text, labels);
                let json = serde_json::json!({"metadata": {"labels": labels}});
                prop_assert_eq!(selector.matches_object(&json), expected);
            }
        }
    }
}
