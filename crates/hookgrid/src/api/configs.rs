//! Why rows are invalid: the importer configurations, and an import's errors under the one
//! that applies to it.

use serde::{Deserialize, Serialize};
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
    /// For Flatfile Platform sheets with this slug.
    #[serde(default)]
    #[ts(optional)]
    pub for_sheet: Option<String>,
    /// Send the cells it rejects back to Flatfile in the answer to a workbook's submit
    /// (absent: as the configuration it replaces did, else not).
    #[serde(default)]
    #[ts(optional)]
    pub send_back: Option<bool>,
}

/// Adds a configuration (or replaces the one with that name): for imports with schema id
/// `for_schema`, for every import (`default`), or only for imports it is given to.
pub(super) fn add_config(cx: &Ctx<'_>, args: AddConfigArgs) -> Result<ConfigView> {
    let scope = match (args.for_schema, args.for_sheet, args.is_default) {
        (Some(id), _, _) => ConfigScope::Schema(id),
        (None, Some(slug), _) => ConfigScope::Sheet(slug),
        (None, None, true) => ConfigScope::Default,
        (None, None, false) => ConfigScope::Chosen,
    };
    Ok(cx
        .hookgrid
        .add_config(
            &args.name,
            args.body.as_bytes(),
            Some(scope),
            args.send_back,
        )?
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
    /// No configuration at all (`name` is then ignored).
    #[serde(default)]
    #[ts(optional)]
    pub none: Option<bool>,
}

/// Gives one import a configuration (`None`: back to the automatic choice), or none at all.
pub(super) fn use_config(cx: &Ctx<'_>, args: UseConfigArgs) -> Result<()> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    if args.none == Some(true) {
        return h.use_no_config(&batch);
    }
    h.use_config(&batch, args.name.as_deref())
}

/// What one import was given by hand: a configuration's name, or none on purpose.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConfigUse {
    /// The configuration given to it, when one was.
    pub name: Option<String>,
    /// Given no configuration at all.
    pub none: bool,
}

/// What the import was given by hand (the per-import menu shows it).
pub(super) fn config_use(cx: &Ctx<'_>, args: EventArgs) -> Result<ConfigUse> {
    let h = cx.hookgrid;
    let batch = h.resolve(&args.event)?;
    Ok(ConfigUse {
        name: h.chosen_config(&batch)?,
        none: h.has_no_config(&batch)?,
    })
}

/// Why the import's rows are invalid; `None` when no configuration applies.
pub(super) fn import_errors(cx: &Ctx<'_>, args: EventArgs) -> Result<Option<ErrorSummary>> {
    let h = cx.hookgrid;
    h.errors(&h.resolve(&args.event)?)
}
