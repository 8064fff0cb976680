//! Checks a [`ResourceModel`] against the rules kube-apiserver enforces on a CRD's names, so that
//! mistakes surface when the code is generated, not when the server starts.

use crate::model::{ResourceModel, Verb, PRINTER_COLUMN_TYPES};

/// The part of the model a problem is about, so that each front end can point at its source
/// (a span in the derive, a schema path in YAML).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `group`
    Group,
    /// `version`
    Version,
    /// `kind`
    Kind,
    /// `plural`
    Plural,
    /// `singular`
    Singular,
    /// The n-th short name.
    ShortName(usize),
    /// The n-th category.
    Category(usize),
    /// `verbs`
    Verbs,
    /// `scale`
    Scale,
    /// The n-th connect subresource.
    Connect(usize),
    /// The n-th printer column.
    PrinterColumn(usize),
    /// The n-th selectable field.
    SelectableField(usize),
    /// `storage_version`
    StorageVersion,
}

/// How serious a [`Problem`] is, judged against kube-apiserver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// kube-apiserver refuses such a CustomResourceDefinition (its CRD validation,
    /// `apiextensions-apiserver/pkg/apis/apiextensions/validation`): the message gives its reason.
    Refused,
    /// kube-apiserver accepts it, but krest cannot serve it as written; the message says what to
    /// change.
    Unsupported,
    /// kube-apiserver accepts it and krest serves it: an opinion of krest's, reported as a
    /// warning (a short name equal to the singular, a printer column named twice).
    Warning,
}

/// One thing wrong with a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where the problem is.
    pub field: Field,
    /// What is wrong, lower case, naming the attribute in backticks.
    pub message: String,
    /// Whether it stops generation (`Refused`, `Unsupported`) or is a warning.
    pub severity: Severity,
}

impl Problem {
    /// Whether generation stops on it (anything but a [`Severity::Warning`]).
    pub fn is_error(&self) -> bool {
        self.severity != Severity::Warning
    }
}

/// Why kube-apiserver refuses a name that is not a DNS-1035 label (`IsDNS1035Label`), in
/// krest's words.
fn dns_1035_reason(name: &str) -> &'static str {
    if name.len() > 63 {
        "must be at most 63 characters (a DNS-1035 label)"
    } else {
        "must be a lower-case DNS-1035 label (a-z, 0-9 and `-`, starting with a letter and \
         ending with a letter or digit)"
    }
}

/// Every problem with `model`, errors and warnings (see [`Severity`]); empty when it is valid.
///
/// The rules are kube-apiserver's CRD validation and its naming controller: what it refuses is
/// [`Severity::Refused`] with its reason, what it accepts but krest cannot serve is
/// [`Severity::Unsupported`], and krest's stricter opinions are [`Severity::Warning`]s.
pub fn check(model: &ResourceModel) -> Vec<Problem> {
    use Severity::{Refused, Unsupported, Warning};
    let mut problems = Vec::new();
    let mut bad = |field, severity, message: String| {
        problems.push(Problem {
            field,
            message,
            severity,
        })
    };

    if !model.group.is_empty() && !is_dns_subdomain(&model.group) {
        bad(
            Field::Group,
            Refused,
            format!(
                "`group` must be a lower-case DNS subdomain such as `example.com`, found `{}`",
                model.group
            ),
        );
    }
    if !is_dns_1035_label(&model.version) {
        bad(
            Field::Version,
            Refused,
            format!(
                "`version` {} such as `v1` or `v1beta2`, found `{}`",
                dns_1035_reason(&model.version),
                model.version
            ),
        );
    } else if !is_kube_version(&model.version) {
        bad(
            Field::Version,
            Warning,
            format!(
                "version `{}` does not look like `v1`, `v1beta2` or `v2alpha1`: discovery lists \
                 it after every version that does, alphabetically",
                model.version
            ),
        );
    }
    if !is_dns_1035_label(&model.kind.to_ascii_lowercase()) {
        bad(
            Field::Kind,
            Refused,
            format!(
                "`kind` may have mixed case, but otherwise {}, found `{}`",
                dns_1035_reason(&model.kind),
                model.kind
            ),
        );
    } else if !is_kind(&model.kind) {
        bad(
            Field::Kind,
            Unsupported,
            format!(
                "`kind` must be an upper-camel-case identifier such as `Widget`, found `{}`: \
                 krest names Rust types after it",
                model.kind
            ),
        );
    }
    if !is_dns_1035_label(&model.plural) {
        bad(
            Field::Plural,
            Refused,
            format!(
                "`plural` {}, found `{}`",
                dns_1035_reason(&model.plural),
                model.plural
            ),
        );
    }
    if !is_dns_1035_label(&model.singular) {
        bad(
            Field::Singular,
            Refused,
            format!(
                "`singular` {}, found `{}`",
                dns_1035_reason(&model.singular),
                model.singular
            ),
        );
    }
    for (i, name) in model.short_names.iter().enumerate() {
        if !is_dns_1035_label(name) {
            bad(
                Field::ShortName(i),
                Refused,
                format!("short name `{name}` {}", dns_1035_reason(name)),
            );
        } else if model.short_names[..i].contains(name) {
            bad(
                Field::ShortName(i),
                Warning,
                format!("short name `{name}` is listed twice"),
            );
        } else if **name == *model.plural || **name == *model.singular {
            bad(
                Field::ShortName(i),
                Warning,
                format!("short name `{name}` repeats the plural or singular name"),
            );
        }
    }
    for (i, name) in model.categories.iter().enumerate() {
        if !is_dns_1035_label(name) {
            bad(
                Field::Category(i),
                Refused,
                format!("category `{name}` {}", dns_1035_reason(name)),
            );
        } else if model.categories[..i].contains(name) {
            bad(
                Field::Category(i),
                Warning,
                format!("category `{name}` is listed twice"),
            );
        }
    }
    if model.verbs.bits() == 0 {
        bad(
            Field::Verbs,
            Unsupported,
            "`verbs` must name at least one verb".into(),
        );
    }
    // kube-apiserver's Patcher is a Getter and an Updater: PATCH reads, patches and updates.
    if model.verbs.contains(Verb::Patch)
        && !(model.verbs.contains(Verb::Get) && model.verbs.contains(Verb::Update))
    {
        bad(
            Field::Verbs,
            Unsupported,
            "verb `patch` needs `get` and `update`: a patch reads the object and updates it".into(),
        );
    }
    if let Some(scale) = &model.scale {
        if !model.status {
            bad(
                Field::Scale,
                Unsupported,
                "`scale` needs a `status` subresource: add `status = YourStatusType` (in a CRD, \
                 `subresources.status: {}`)"
                    .into(),
            );
        }
        if !scale.spec_replicas_path.starts_with(".spec.") {
            bad(
                Field::Scale,
                Refused,
                format!(
                    "`spec_replicas` must be a path under `.spec`, found `{}`",
                    scale.spec_replicas_path
                ),
            );
        }
        if !scale.status_replicas_path.starts_with(".status.") {
            bad(
                Field::Scale,
                Refused,
                format!(
                    "`status_replicas` must be a path under `.status`, found `{}`",
                    scale.status_replicas_path
                ),
            );
        }
        if let Some(path) = &scale.label_selector_path {
            if !path.is_empty() && !path.starts_with(".spec.") && !path.starts_with(".status.") {
                bad(
                    Field::Scale,
                    Refused,
                    format!(
                        "`label_selector` must be a path under `.spec` or `.status`, found `{path}`"
                    ),
                );
            }
        }
    }
    for (i, connect) in model.connect.iter().enumerate() {
        let name = &connect.name;
        if !is_dns_label(name) {
            bad(
                Field::Connect(i),
                Unsupported,
                format!("subresource name `{name}` must be a lower-case DNS label"),
            );
        } else if name == "status" || name == "scale" {
            bad(
                Field::Connect(i),
                Unsupported,
                format!("subresource `{name}` is built in: use the `{name}` attribute"),
            );
        } else if model.connect[..i].iter().any(|c| c.name == *name) {
            bad(
                Field::Connect(i),
                Unsupported,
                format!("subresource `{name}` is declared twice"),
            );
        }
        if connect.methods.is_empty() {
            bad(
                Field::Connect(i),
                Unsupported,
                format!("subresource `{name}` must answer at least one method"),
            );
        }
        for (j, m) in connect.methods.iter().enumerate() {
            if connect.methods[..j].contains(m) {
                bad(
                    Field::Connect(i),
                    Unsupported,
                    format!("subresource `{name}` lists method `{m}` twice"),
                );
            }
        }
    }
    for (i, column) in model.printer_columns.iter().enumerate() {
        if column.name.is_empty() {
            bad(
                Field::PrinterColumn(i),
                Refused,
                "printer column `name` must not be empty".into(),
            );
        }
        if !PRINTER_COLUMN_TYPES.contains(&&*column.type_) {
            bad(
                Field::PrinterColumn(i),
                Refused,
                format!(
                    "printer column type `{}` is not one of {}",
                    column.type_,
                    PRINTER_COLUMN_TYPES.map(|t| format!("`{t}`")).join(", ")
                ),
            );
        }
        if !column.format.is_empty() && !PRINTER_COLUMN_FORMATS.contains(&&*column.format) {
            bad(
                Field::PrinterColumn(i),
                Refused,
                format!(
                    "printer column format `{}` is not one of {}",
                    column.format,
                    PRINTER_COLUMN_FORMATS.map(|t| format!("`{t}`")).join(", ")
                ),
            );
        }
        if !column.json_path.starts_with('.') {
            bad(
                Field::PrinterColumn(i),
                Refused,
                format!(
                    "printer column `json_path` must start with `.`, found `{}`",
                    column.json_path
                ),
            );
        }
        if model.printer_columns[..i]
            .iter()
            .any(|c| c.name == column.name)
        {
            bad(
                Field::PrinterColumn(i),
                Warning,
                format!(
                    "printer column `{}` is declared twice: tables carry both columns, as \
                     kube-apiserver serves them",
                    column.name
                ),
            );
        }
    }
    if model.selectable_fields.len() > MAX_SELECTABLE_FIELDS {
        bad(
            Field::SelectableField(MAX_SELECTABLE_FIELDS),
            Refused,
            format!(
                "at most {MAX_SELECTABLE_FIELDS} selectable fields are allowed, found {}",
                model.selectable_fields.len()
            ),
        );
    }
    for (i, path) in model.selectable_fields.iter().enumerate() {
        if !is_simple_json_path(path) {
            bad(
                Field::SelectableField(i),
                Refused,
                format!("selectable field `{path}` must be a simple path such as `.spec.color`"),
            );
        } else if path == ".metadata" || path.starts_with(".metadata.") {
            bad(
                Field::SelectableField(i),
                Refused,
                format!(
                    "selectable field `{path}` must not point to fields in metadata \
                     (`.metadata.name` and `.metadata.namespace` are always selectable)"
                ),
            );
        } else if model.selectable_fields[..i].contains(path) {
            bad(
                Field::SelectableField(i),
                Refused,
                format!("selectable field `{path}` is declared twice"),
            );
        }
    }
    if let Some(storage) = &model.storage_version {
        if storage == &model.version {
            bad(
                Field::StorageVersion,
                Unsupported,
                "`storage_version` names this version; leave it out when objects are stored in it"
                    .into(),
            );
        } else if !is_dns_1035_label(storage) {
            bad(
                Field::StorageVersion,
                Refused,
                format!("`storage_version` `{storage}` {}", dns_1035_reason(storage)),
            );
        }
    }
    problems
}

/// The printer column formats kube-apiserver allows.
pub const PRINTER_COLUMN_FORMATS: [&str; 8] = [
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "date",
    "date-time",
    "password",
];

/// An RFC 1035 label, what kube-apiserver wants of a CRD's names and versions: at most 63 of
/// `a-z0-9-`, starting with a letter and ending alphanumeric.
pub fn is_dns_1035_label(s: &str) -> bool {
    s.len() <= 63 && s.starts_with(|c: char| c.is_ascii_lowercase()) && is_dns_label_pattern(s)
}

/// How many selectable fields a kind may have, as kube-apiserver allows for a CRD version.
pub const MAX_SELECTABLE_FIELDS: usize = 8;

/// A path of one or more `.name` steps, each an identifier: `.spec.color`.
fn is_simple_json_path(path: &str) -> bool {
    path.strip_prefix('.').is_some_and(|rest| {
        rest.split('.').all(|step| {
            !step.is_empty()
                && step
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
    })
}

/// An RFC 1123 label: at most 63 of `a-z0-9-`, starting and ending alphanumeric.
pub fn is_dns_label(s: &str) -> bool {
    s.len() <= 63 && is_dns_label_pattern(s)
}

/// The pattern of an RFC 1123 label whatever its length, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`: the
/// runtime's validation reports the length and the pattern apart, as Kubernetes does.
pub fn is_dns_label_pattern(s: &str) -> bool {
    let bytes = s.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

/// An RFC 1123 subdomain: at most 253 characters of dot-separated labels.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A Kubernetes version: `v1`, `v1beta2`, `v2alpha1` (no leading zeros).
pub fn is_kube_version(s: &str) -> bool {
    fn number(s: &str) -> Option<&str> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, rest) = s.split_at(end);
        (!digits.is_empty() && !digits.starts_with('0')).then_some(rest)
    }
    let Some(rest) = s.strip_prefix('v').and_then(number) else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    rest.strip_prefix("alpha")
        .or_else(|| rest.strip_prefix("beta"))
        .and_then(number)
        .is_some_and(str::is_empty)
}

/// A kind: an ASCII identifier starting with an upper-case letter.
pub fn is_kind(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in ["v1", "v10", "v1beta2", "v2alpha1"] {
            assert!(is_kube_version(ok), "{ok}");
        }
        for bad in [
            "", "1", "v", "v0", "v01", "v1beta", "v1gamma1", "V1", "v1beta01",
        ] {
            assert!(!is_kube_version(bad), "{bad}");
        }
    }

    #[test]
    fn dns_names() {
        assert!(is_dns_subdomain("demo.krest.dev"));
        assert!(!is_dns_subdomain("Demo.krest.dev"));
        assert!(!is_dns_subdomain("demo..dev"));
        assert!(!is_dns_subdomain("-demo.dev"));
        assert!(is_dns_label("widgets"));
        assert!(!is_dns_label("Widgets"));
        assert!(!is_dns_label("wid_gets"));
        assert!(!is_dns_label(&"a".repeat(64)));
    }

    #[test]
    fn selectable_fields_and_storage_version() {
        let mut model = ResourceModel::new("demo.krest.dev", "v1beta1", "Widget");
        model.selectable_fields = vec![".spec.color".into(), ".status.phase".into()].into();
        model.storage_version = Some("v1".into());
        assert_eq!(check(&model), vec![]);

        let fields = [
            "spec.color",
            ".spec..color",
            ".metadata.name",
            ".spec.size[0]",
            ".status.phase",
        ];
        model.selectable_fields = fields.map(Into::into).to_vec().into();
        let mut extra = model.selectable_fields.to_vec();
        extra.push(".status.phase".into());
        model.selectable_fields = extra.into();
        model.storage_version = Some("v1beta1".into());
        let problems = check(&model);
        let messages: Vec<_> = problems.iter().map(|p| (p.field, &*p.message)).collect();
        assert_eq!(
            messages,
            vec![
                (
                    Field::SelectableField(0),
                    "selectable field `spec.color` must be a simple path such as `.spec.color`"
                ),
                (
                    Field::SelectableField(1),
                    "selectable field `.spec..color` must be a simple path such as `.spec.color`"
                ),
                (
                    Field::SelectableField(2),
                    "selectable field `.metadata.name` must not point to fields in metadata (`.metadata.name` and `.metadata.namespace` are always selectable)"
                ),
                (
                    Field::SelectableField(3),
                    "selectable field `.spec.size[0]` must be a simple path such as `.spec.color`"
                ),
                (
                    Field::SelectableField(5),
                    "selectable field `.status.phase` is declared twice"
                ),
                (
                    Field::StorageVersion,
                    "`storage_version` names this version; leave it out when objects are stored in it"
                ),
            ]
        );
        model.selectable_fields = (0..9)
            .map(|i| format!(".spec.f{i}").into())
            .collect::<Vec<_>>()
            .into();
        model.storage_version = Some("1".into());
        let messages: Vec<_> = check(&model).into_iter().map(|p| p.message).collect();
        assert_eq!(
            messages,
            vec![
                "at most 8 selectable fields are allowed, found 9".to_string(),
                format!("`storage_version` `1` {}", dns_1035_reason("1")),
            ]
        );
    }

    #[test]
    fn deprecation_and_storage_names() {
        let mut model = ResourceModel::new("demo.krest.dev", "v1beta1", "Widget");
        assert_eq!(model.deprecation(), None);
        assert_eq!(model.storage_api_version(), "demo.krest.dev/v1beta1");
        let own_hash = model.storage_version_hash();
        model.deprecated = true;
        assert_eq!(
            model.deprecation().as_deref(),
            Some("demo.krest.dev/v1beta1 Widget is deprecated")
        );
        model.deprecation_warning = Some("use demo.krest.dev/v1".into());
        assert_eq!(
            model.deprecation().as_deref(),
            Some("use demo.krest.dev/v1")
        );
        model.storage_version = Some("v1".into());
        assert_eq!(model.storage_api_version(), "demo.krest.dev/v1");
        let stored = ResourceModel::new("demo.krest.dev", "v1", "Widget");
        assert_eq!(model.storage_version_hash(), stored.storage_version_hash());
        assert_ne!(model.storage_version_hash(), own_hash);
    }

    #[test]
    fn scale_needs_status() {
        let mut model = ResourceModel::new("demo.krest.dev", "v1", "Widget");
        model.scale = Some(crate::model::Scale {
            spec_replicas_path: ".spec.replicas".into(),
            status_replicas_path: ".status.readyReplicas".into(),
            label_selector_path: None,
        });
        let problems = check(&model);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, Field::Scale);
        model.status = true;
        assert!(check(&model).is_empty());
    }
}
