//! The label and field selectors of one list, watch or deletecollection request.

use serde_json::Value;

use crate::codegen::ResourceModel;
use crate::query::Query;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::Status;

/// The selectors of a request; empty when it has none.
#[derive(Debug, Default)]
pub struct Selection {
    labels: Option<LabelSelector>,
    fields: Option<FieldSelector>,
}

impl Selection {
    /// Parses `labelSelector` and `fieldSelector`; a bad selector or an unsupported field is a
    /// 400.
    pub fn from_query(
        query: &Query<'_>,
        model: &ResourceModel,
        _namespaced_request: bool,
    ) -> Result<Selection, Status> {
        let labels = match query.text("labelSelector") {
            Some(text) => Some(LabelSelector::parse(&text)?).filter(|s| !s.is_empty()),
            None => None,
        };
        let fields = match query.text("fieldSelector") {
            Some(text) => {
                let selector = FieldSelector::parse(&text)?;
                let mut allowed = vec!["metadata.name"];
                if model.namespaced() {
                    allowed.push("metadata.namespace");
                }
                allowed.extend(
                    model
                        .selectable_fields
                        .iter()
                        .map(|path| path.strip_prefix('.').unwrap_or(path)),
                );
                selector.check_fields(&allowed)?;
                Some(selector).filter(|s| !s.is_empty())
            }
            None => None,
        };
        Ok(Selection { labels, fields })
    }

    /// Whether there is nothing to filter by.
    pub fn is_empty(&self) -> bool {
        self.labels.is_none() && self.fields.is_none()
    }

    /// Whether `object` is selected.
    pub fn matches(&self, object: &Value, _model: &ResourceModel) -> bool {
        self.labels
            .as_ref()
            .is_none_or(|s| s.matches_object(object))
            && self.fields.as_ref().is_none_or(|s| s.matches(object))
    }

    /// The name a `metadata.name=X` field selector pins, if any.
    pub fn exact_name(&self) -> Option<&str> {
        self.fields.as_ref()?.exact_name()
    }
}
