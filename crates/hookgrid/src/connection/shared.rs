//! Settings that instances sharing a PostgreSQL ledger must agree on: the public URL (what
//! every instance tells Flatfile), the signing secret (what every instance asks of a request)
//! and retention (what every instance deletes). With a PostgreSQL ledger they are kept in it,
//! not in each data dir's `settings.json`; the first instance to start brings its own, and a
//! change made on one reaches the others' requests within a second.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::intake::signature::SigningSecret;
use crate::{Core, Error, Result, Settings};

/// The shared setting holding them, as JSON.
const SETTING: &str = "settings";
/// How old what a request is checked against (the signing secret, the webhook token) may be:
/// a change on another instance holds here within this.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// Says when a value read from the shared ledger is due to be read again: once per
/// [`FRESH_FOR`] at most, whatever the number of requests.
#[derive(Debug, Default)]
pub(crate) struct Every(Mutex<Option<Instant>>);

impl Every {
    /// Whether it is due now; if so, the next one is a [`FRESH_FOR`] from now.
    pub(crate) fn due(&self) -> bool {
        let mut at = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if at.is_some_and(|at| at.elapsed() < FRESH_FOR) {
            return false;
        }
        *at = Some(Instant::now());
        true
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct Shared {
    public_url: Option<String>,
    signing_secret: Option<String>,
    retention_days: Option<u32>,
}

impl Shared {
    fn of(settings: &Settings) -> Shared {
        Shared {
            public_url: settings.public_url.clone(),
            signing_secret: settings.signing_secret.clone(),
            retention_days: settings.retention_days,
        }
    }

    fn apply(self, settings: &mut Settings) {
        settings.public_url = self.public_url;
        settings.signing_secret = self.signing_secret;
        settings.retention_days = self.retention_days;
    }
}

impl Core {
    /// The settings in force: the data dir's, with the shared ones from the ledger when it
    /// is shared.
    pub(crate) fn load_settings(&self) -> Result<Settings> {
        let mut settings = Settings::load(&self.dir)?;
        if self.ledger.is_postgres() {
            read(self)?.apply(&mut settings);
        }
        Ok(settings)
    }

    /// Keeps `settings`: the shared ones in the ledger when it is shared (and out of the
    /// data dir's file, so no stale copy is left there), the rest in the data dir.
    pub(crate) fn store_settings(&self, settings: &Settings) -> Result<()> {
        if !self.ledger.is_postgres() {
            return settings.save(&self.dir);
        }
        let json = serde_json::to_string(&Shared::of(settings))
            .map_err(|e| Error::Internal(format!("cannot encode settings: {e}")))?;
        self.ledger.set_shared_setting(SETTING, &json)?;
        let mut local = settings.clone();
        Shared::default().apply(&mut local);
        local.save(&self.dir)
    }

    /// Before a request's signature is checked: the signing secret as the ledger has it now
    /// (another instance may have changed it), read at most once a second.
    pub(crate) fn refresh_signing(&self) {
        if !self.ledger.is_postgres() || !self.shared_read.due() {
            return;
        }
        // A database that cannot be reached keeps the secret it gave last: the request
        // cannot be stored anyway, and is answered so.
        match read(self).map(|shared| shared.signing_secret) {
            Ok(secret) => {
                let parsed = secret.as_deref().map(SigningSecret::parse).transpose();
                match parsed {
                    Ok(parsed) => {
                        *self.signing.write().unwrap_or_else(|p| p.into_inner()) = parsed;
                    }
                    Err(e) => tracing::error!("the shared signing secret is not usable: {e}"),
                }
            }
            Err(e) => tracing::debug!("cannot read the shared settings: {e}"),
        }
    }
}

fn read(core: &Core) -> Result<Shared> {
    match core.ledger.shared_setting(SETTING)? {
        Some(json) => parse(&core.ledger, &json),
        None => Ok(Shared::default()),
    }
}

fn parse(ledger: &hookgrid_ledger::Ledger, json: &str) -> Result<Shared> {
    serde_json::from_str(json).map_err(|e| {
        Error::Config(format!(
            "the settings shared in {} are not valid: {e}",
            ledger.location().display()
        ))
    })
}

/// At the start of an instance on a shared ledger: the shared settings, made from this data
/// dir's own when no instance has made them yet.
pub(crate) fn seed(ledger: &hookgrid_ledger::Ledger, local: &Settings) -> Result<Settings> {
    let json = serde_json::to_string(&Shared::of(local))
        .map_err(|e| Error::Internal(format!("cannot encode settings: {e}")))?;
    let stored = ledger.shared_setting_or(SETTING, &json)?;
    let mut settings = local.clone();
    parse(ledger, &stored)?.apply(&mut settings);
    Ok(settings)
}
