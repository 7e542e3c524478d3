//! Why rows are invalid: the importer configurations, and an import's errors under the one
//! that applies to it.

use serde::Deserialize;
use ts_rs::TS;

use super::{Ctx, EventArgs, NoArgs};
use crate::{ConfigScope, ConfigView, ErrorSummary, Result};

/// Every configuration, with its fields and validators.
pub(super) fn list_configs(cx: &Ctx<'_>, _: NoArgs) -> Result<Vec<ConfigView>> {
    cx.hookgrid.config_views()
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AddConfigArgs {
    pub name: String,
    /// The importer settings (or just their `fields`) as JSON text.
    pub body: String,
    /// For imports with this schema id.
    #[ts(type = "number | null")]
    pub for_schema: Option<i64>,
    /// For every import.
    #[serde(rename = "default")]
    pub is_default: bool,
}

/// Adds a configuration (or replaces the one with that name): for imports with schema id
/// `for_schema`, for every import (`default`), or only for imports it is given to.
pub(super) fn add_config(cx: &Ctx<'_>, args: AddConfigArgs) -> Result<ConfigView> {
    let scope = match (args.for_schema, args.is_default) {
        (Some(id), _) => ConfigScope::Schema(id),
        (None, true) => ConfigScope::Default,
        (None, false) => ConfigScope::Chosen,
    };
    Ok(cx
        .hookgrid
        .add_config(&args.name, args.body.as_bytes(), Some(scope))?
        .view())
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ConfigNameArgs {
    pub name: String,
}

/// Removes a configuration.
pub(super) fn remove_config(cx: &Ctx<'_>, args: ConfigNameArgs) -> Result<()> {
    cx.hookgrid.remove_config(&args.name)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct UseConfigArgs {
    pub event: String,
    /// `None`: back to the automatic choice.
    pub name: Option<String>,
}

/// Gives one import a configuration (`None`: back to the automatic choice).
pub(super) fn use_config(cx: &Ctx<'_>, args: UseConfigArgs) -> Result<()> {
    let h = cx.hookgrid;
    h.use_config(&h.resolve(&args.event)?, args.name.as_deref())
}

/// Why the import's rows are invalid; `None` when no configuration applies.
pub(super) fn import_errors(cx: &Ctx<'_>, args: EventArgs) -> Result<Option<ErrorSummary>> {
    let h = cx.hookgrid;
    h.errors(&h.resolve(&args.event)?)
}
