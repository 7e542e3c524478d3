//! Settings kept in the data dir, the signing secret, and the webhook token: how the listener
//! is reached and what it asks of a request.

use crate::intake::signature;
use crate::{Hookgrid, Result, Settings, WindowState, datadir};

impl Hookgrid {
    /// Settings stored in the data dir (those instances share, in a shared ledger).
    pub fn settings(&self) -> Result<Settings> {
        self.core.load_settings()
    }

    /// Replaces the stored settings. Only the facade writes them, each setting through its
    /// own checked setter.
    pub(crate) fn save_settings(&self, settings: &Settings) -> Result<()> {
        self.core.store_settings(settings)
    }

    /// Sets the listen address (`host:port`), remembered for later starts; returns the
    /// settings saved. The shells bind it; this only checks and keeps it.
    pub fn set_listen_address(&self, address: &str) -> Result<Settings> {
        let address = datadir::check_listen_address(address)?;
        let mut settings = self.settings()?;
        settings.listen = Some(address);
        self.save_settings(&settings)?;
        Ok(settings)
    }

    /// Remembers the app window's place. A maximised window keeps the place it returns to
    /// when un-maximised; an unchanged place is not written again.
    pub fn set_window(&self, mut state: WindowState) -> Result<()> {
        let mut settings = self.settings()?;
        if let (true, Some(before)) = (state.maximized, settings.window) {
            state = WindowState {
                maximized: true,
                ..before
            };
        }
        if settings.window == Some(state) {
            return Ok(());
        }
        settings.window = Some(state);
        self.save_settings(&settings)
    }

    /// Sets (or, when blank, clears) the public tunnel URL for `by`; returns the settings
    /// saved.
    pub fn set_public_url(&self, url: &str, by: &str) -> Result<Settings> {
        let mut settings = self.settings()?;
        let url = datadir::check_public_url(url)?;
        if settings.public_url != url {
            settings.public_url = url;
            self.save_settings(&settings)?;
            let target = settings.public_url.as_deref().unwrap_or("none");
            self.record(by, "set_public_url", target);
        }
        Ok(settings)
    }

    /// Sets (or, when blank, clears) the signing secret (`whsec_…`): from now on every
    /// request must carry a valid Standard Webhooks signature made with it.
    pub fn set_signing_secret(&self, secret: &str, by: &str) -> Result<()> {
        let parsed = match secret.trim() {
            "" => None,
            s => Some(signature::SigningSecret::parse(s)?),
        };
        let mut settings = self.settings()?;
        let secret = parsed.as_ref().map(|_| secret.trim().to_owned());
        if settings.signing_secret != secret {
            // Never the secret itself.
            let target = if secret.is_some() { "set" } else { "cleared" };
            settings.signing_secret = secret;
            self.save_settings(&settings)?;
            self.record(by, "set_signing_secret", target);
        }
        *self.core.signing.write().unwrap_or_else(|p| p.into_inner()) = parsed;
        Ok(())
    }

    /// Whether requests must be signed.
    pub fn requires_signature(&self) -> bool {
        self.core.refresh_signing();
        self.core
            .signing
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The current webhook token.
    pub fn token(&self) -> String {
        self.core.token.current()
    }

    /// Whether `candidate` is the webhook token (constant time).
    pub fn token_matches(&self, candidate: &str) -> bool {
        self.core.token.matches(candidate)
    }

    /// Replaces the webhook token for `by`; the old URL stops working at once, also in a
    /// running listener on this data dir.
    pub fn rotate_token(&self, by: &str) -> Result<String> {
        let token = self.core.token.rotate()?;
        let target = format!(
            "webhook token, now {}",
            crate::intake::token::fingerprint(&token)
        );
        self.record(by, "rotate_token", &target);
        Ok(token)
    }

    /// The full webhook URL under `base` (`https://tunnel.example` or `http://127.0.0.1:8787`).
    pub fn webhook_url(&self, base: &str) -> String {
        format!("{}/hooks/{}", base.trim_end_matches('/'), self.token())
    }
}
