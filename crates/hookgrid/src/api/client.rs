//! The desktop app as a client of a team server: the same commands sent as
//! `POST <server>/api/<command>` with an API token, exports downloaded to this computer, and
//! the server's event stream followed. The shell decides when to use it; what crosses the wire
//! is here, so the app never speaks HTTP itself.
//!
//! Which server and token: kept in the data dir's `settings.json` (mode 0600, like the rest of
//! the data dir's files), not the OS keyring: the desktop app runs where a keyring service may
//! not (a server's desktop, Xvfb), and the token is only as strong as the account anyway.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::{ExportRequest, Role};
use crate::{Error, Event, Hookgrid, Result};

/// A team server to use instead of this computer's own data, and the token for it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamLogin {
    /// `https://hookgrid.example.com` (no trailing slash).
    pub url: String,
    /// An API token (`hgt_…`) made with `hookgrid user token` on the server.
    pub token: String,
}

impl std::fmt::Debug for TeamLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token: settings are printed in logs and failures.
        f.debug_struct("TeamLogin")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Who the token signs in as, on which server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TeamIdentity {
    pub url: String,
    pub name: String,
    pub role: Role,
    /// The server's version (the same as this app's: a different one is refused).
    pub version: String,
}

/// A command the team server refused, or could not be asked: the same `{code, message}` the
/// page gets from any command, so it reacts the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct RemoteError {
    pub code: String,
    pub message: String,
}

impl RemoteError {
    fn new(code: &str, message: impl Into<String>) -> RemoteError {
        RemoteError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// How long a command may take on the server before the app says it does not answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// The URL a person typed, checked: `http(s)://host[:port]`, without a path.
pub fn check_team_url(input: &str) -> Result<String> {
    let url = input.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let plain = rest.is_some_and(|host| {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    if plain {
        Ok(url.to_owned())
    } else {
        Err(Error::BadRequest(format!(
            "{input:?} is not a team server's address: give it as https://hookgrid.example.com \
             (the address its admin gave you, without a path)"
        )))
    }
}

/// A connection to a team server with one API token.
#[derive(Debug, Clone)]
pub struct TeamClient {
    login: TeamLogin,
    http: reqwest::Client,
}

impl TeamClient {
    pub fn new(login: TeamLogin) -> Result<TeamClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("cannot make an HTTP client: {e}")))?;
        Ok(TeamClient {
            login: TeamLogin {
                url: check_team_url(&login.url)?,
                token: login.token.trim().to_owned(),
            },
            http,
        })
    }

    pub fn login(&self) -> &TeamLogin {
        &self.login
    }

    pub fn url(&self) -> &str {
        &self.login.url
    }

    fn unreachable(&self, e: &reqwest::Error) -> RemoteError {
        let what = if e.is_timeout() {
            "it did not answer in time"
        } else if e.is_connect() {
            "the connection failed"
        } else {
            "the request failed"
        };
        RemoteError::new(
            "team_unreachable",
            format!(
                "The team server at {} cannot be reached: {what}. Check the network and the \
                 address under Connection → Team server, or switch back to This computer.",
                self.login.url
            ),
        )
    }

    /// A refusal's `{code, message}`, in the app's words where the app must act.
    async fn refused(&self, response: reqwest::Response) -> RemoteError {
        let status = response.status().as_u16();
        let body: Option<RemoteError> = response.json().await.ok();
        match (status, body) {
            (401, _) => RemoteError::new(
                "team_signed_out",
                format!(
                    "The team server at {} no longer accepts this app's token (it was revoked, \
                     or its user removed). Paste a new token under Connection → Team server, or \
                     switch back to This computer.",
                    self.login.url
                ),
            ),
            (_, Some(e)) => e,
            (404, None) => RemoteError::new(
                "team_unreachable",
                format!(
                    "{} is not a Hookgrid team server (it answered 404)",
                    self.login.url
                ),
            ),
            (status, None) => RemoteError::new(
                "team_unreachable",
                format!("The team server at {} answered {status}", self.login.url),
            ),
        }
    }

    /// Who the token is, and that the server runs this app's version.
    pub async fn check(&self) -> std::result::Result<TeamIdentity, RemoteError> {
        #[derive(Deserialize)]
        struct Version {
            version: String,
        }
        #[derive(Deserialize)]
        struct Me {
            name: String,
            role: Role,
        }
        let version = self
            .http
            .get(format!("{}/api/version", self.login.url))
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        if !version.status().is_success() {
            return Err(self.refused(version).await);
        }
        let version: Version = version.json().await.map_err(|_| {
            RemoteError::new(
                "team_unreachable",
                format!(
                    "{} does not answer as a Hookgrid team server",
                    self.login.url
                ),
            )
        })?;
        if version.version != crate::VERSION {
            return Err(RemoteError::new(
                "team_version",
                format!(
                    "The team server runs Hookgrid {} and this app is {}: they must be the same \
                     version. Update the one that is behind, or switch back to This computer.",
                    version.version,
                    crate::VERSION
                ),
            ));
        }
        let me = self
            .http
            .get(format!("{}/api/me", self.login.url))
            .bearer_auth(&self.login.token)
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        if !me.status().is_success() {
            return Err(self.refused(me).await);
        }
        let me: Me = me
            .json()
            .await
            .map_err(|e| RemoteError::new("team_unreachable", format!("an odd answer: {e}")))?;
        Ok(TeamIdentity {
            url: self.login.url.clone(),
            name: me.name,
            role: me.role,
            version: version.version,
        })
    }

    /// Runs command `name` on the server with `args`; its JSON result.
    pub async fn call(&self, name: &str, args: Value) -> std::result::Result<Value, RemoteError> {
        let response = self
            .http
            .post(format!("{}/api/{name}", self.login.url))
            .bearer_auth(&self.login.token)
            .timeout(COMMAND_TIMEOUT)
            .json(&args)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        if !response.status().is_success() {
            return Err(self.refused(response).await);
        }
        let text = response.text().await.map_err(|e| self.unreachable(&e))?;
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text)
            .map_err(|e| RemoteError::new("internal", format!("an answer that is not JSON: {e}")))
    }

    /// Downloads what download command `name` answers with `args` (an export, a part's
    /// body) into `out`, written as it arrives into a temp file beside it and renamed into place
    /// when complete; returns the rows the server says it holds (0 when it says none).
    pub async fn download(
        &self,
        name: &str,
        args: Value,
        out: &Path,
    ) -> std::result::Result<u64, RemoteError> {
        let mut response = self
            .http
            .post(format!("{}/api/{name}", self.login.url))
            .bearer_auth(&self.login.token)
            .json(&args)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        if !response.status().is_success() {
            return Err(self.refused(response).await);
        }
        let rows = response
            .headers()
            .get("x-hookgrid-rows")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0);
        let local = |e: std::io::Error| {
            RemoteError::new("io", format!("cannot write {}: {e}", out.display()))
        };
        let dir = out
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(local)?;
        let mut file = tempfile::Builder::new()
            .prefix(".hookgrid-download.")
            .tempfile_in(dir)
            .map_err(local)?;
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            RemoteError::new(
                "team_unreachable",
                format!("the download from the team server broke off: {e}"),
            )
        })? {
            file.write_all(&chunk).map_err(local)?;
        }
        file.as_file().sync_all().map_err(local)?;
        #[cfg(unix)]
        {
            // A document of the user's: the permissions any new file gets, as a local export.
            use std::os::unix::fs::PermissionsExt;
            let umask_default = std::fs::Permissions::from_mode(0o644);
            let _ = std::fs::set_permissions(file.path(), umask_default);
        }
        file.persist(out).map_err(|e| local(e.error))?;
        Ok(rows)
    }

    /// An export downloaded into `out`; the rows written.
    pub async fn export(
        &self,
        request: &ExportRequest,
        out: &Path,
    ) -> std::result::Result<u64, RemoteError> {
        let args = serde_json::json!({ "request": request });
        self.download("export_rows", args, out).await
    }

    /// Follows the server's event stream until it ends, calling `on` with each thing heard;
    /// returns why it ended.
    pub async fn follow(&self, on: &mut (dyn FnMut(Heard) + Send)) -> Heard {
        let response = self
            .http
            .get(format!("{}/api/events", self.login.url))
            .bearer_auth(&self.login.token)
            .header("accept", "text/event-stream")
            .send()
            .await;
        let mut response = match response {
            Ok(r) if r.status().is_success() => r,
            Ok(r) if r.status().as_u16() == 401 => return Heard::SignedOut,
            Ok(r) => return Heard::Lost(format!("the event stream answered {}", r.status())),
            Err(e) => return Heard::Lost(self.unreachable(&e).message),
        };
        let mut pending = String::new();
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => return Heard::Lost("the event stream ended".to_owned()),
                Err(e) => return Heard::Lost(format!("the event stream broke off: {e}")),
            };
            pending.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = pending.find("\n\n") {
                let block: String = pending.drain(..end + 2).collect();
                match parse_sse(&block) {
                    Some(Heard::SignedOut) => return Heard::SignedOut,
                    Some(heard) => on(heard),
                    None => {}
                }
            }
        }
    }
}

/// What the event stream says.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// The stream is open (its first message).
    Hello,
    Event(Event),
    /// Events were missed: read everything again.
    Resync,
    /// The token no longer works.
    SignedOut,
    /// The stream broke off (a reason for people); the caller connects again.
    Lost(String),
}

/// One server-sent event block (`event:` and `data:` lines) as what it says.
fn parse_sse(block: &str) -> Option<Heard> {
    let mut name = "message";
    let mut data = String::new();
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            name = v.trim();
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    match name {
        "hello" => Some(Heard::Hello),
        "resync" => Some(Heard::Resync),
        "signed_out" => Some(Heard::SignedOut),
        "event" => match serde_json::from_str(&data) {
            Ok(event) => Some(Heard::Event(event)),
            // An event this version does not know: reading everything again covers it.
            Err(_) => Some(Heard::Resync),
        },
        _ => None,
    }
}

impl Hookgrid {
    /// The team server this app uses instead of its own data, if one is set.
    pub fn team_login(&self) -> Result<Option<TeamLogin>> {
        Ok(self.settings()?.team_server)
    }

    /// Remembers `login` (kept in the settings file, readable by this user only), or forgets
    /// the team server with `None`.
    pub fn set_team_login(&self, login: Option<TeamLogin>) -> Result<()> {
        let mut settings = self.settings()?;
        settings.team_server = login;
        self.save_settings(&settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_url_is_a_plain_origin() {
        assert_eq!(
            check_team_url(" https://hookgrid.example.com/ ").expect("ok"),
            "https://hookgrid.example.com"
        );
        assert_eq!(
            check_team_url("http://127.0.0.1:8788").expect("ok"),
            "http://127.0.0.1:8788"
        );
        for bad in [
            "hookgrid.example.com",
            "ftp://x",
            "https://x/api",
            "https://",
            "https://a b",
        ] {
            assert!(check_team_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn server_sent_events_are_read_as_what_they_say() {
        assert_eq!(parse_sse("event: hello\ndata: {}\n\n"), Some(Heard::Hello));
        assert_eq!(
            parse_sse("event: resync\ndata: {}\n\n"),
            Some(Heard::Resync)
        );
        assert_eq!(parse_sse(": keep-alive\n\n"), None);
        let deleted = parse_sse(
            "event: event\ndata: {\"type\":\"batch_deleted\",\"event\":\"e\",\"batch\":\"b\",\"key\":7}\n\n",
        );
        assert_eq!(
            deleted,
            Some(Heard::Event(Event::BatchDeleted {
                event: "e".into(),
                batch: "b".into(),
                key: 7
            }))
        );
        assert_eq!(
            parse_sse("event: event\ndata: {\"type\":\"from_the_future\"}\n\n"),
            Some(Heard::Resync)
        );
    }
}
