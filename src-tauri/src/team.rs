//! The app as a client of a team server (Connection → Team server): with a server's URL and
//! an API token kept, the UI's shared commands go to the server instead of this computer's
//! data, exports are downloaded to this computer, the server's events reach the window, and
//! this computer's own listener is stopped (Flatfile posts to the team server now). "This
//! computer" switches back. The HTTP is the facade's ([`hookgrid::api::client`]).

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hookgrid::api::client::{Heard, TeamClient, TeamIdentity, TeamLogin};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};
use ts_rs::TS;

use crate::error::IpcError;
use crate::events::{self, EVENT, RESYNC};

/// The event the window listens on when the team connection changes (connected, lost, back,
/// signed out); the payload is a [`TeamView`].
pub const TEAM_EVENT: &str = "hookgrid://team";

/// The team connection as the connection panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TeamView {
    /// The team server in use, if any (`None`: this computer's own data).
    pub url: Option<String>,
    /// Who the token signs in as, once the server said so.
    pub identity: Option<TeamIdentity>,
    /// What is wrong with the connection now (unreachable, token refused, another version).
    pub problem: Option<IpcError>,
}

#[derive(Debug, Default)]
struct Link {
    client: Option<Arc<TeamClient>>,
    identity: Option<TeamIdentity>,
    problem: Option<IpcError>,
    /// Bumped at each connect and disconnect: a follower of an older link stops.
    generation: u64,
}

/// The team server the app uses, if any.
#[derive(Debug, Default)]
pub struct Team {
    link: RwLock<Link>,
    follower: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
}

impl Team {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Link> {
        self.link.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Link> {
        self.link.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The client, while the app uses a team server.
    pub fn client(&self) -> Option<Arc<TeamClient>> {
        self.read().client.clone()
    }

    pub fn connected(&self) -> bool {
        self.read().client.is_some()
    }

    pub fn view(&self) -> TeamView {
        let link = self.read();
        TeamView {
            url: link.client.as_ref().map(|c| c.url().to_owned()),
            identity: link.identity.clone(),
            problem: link.problem.clone(),
        }
    }

    /// Notes a command's failure that concerns the connection itself, for the panel.
    pub fn noticed<R: Runtime>(&self, app: &AppHandle<R>, error: &IpcError) {
        if error.code.starts_with("team_") {
            self.write().problem = Some(error.clone());
            let _ = app.emit(TEAM_EVENT, self.view());
        }
    }

    /// Uses `client` from now on (already checked, or at start before it could be), and
    /// follows its events.
    pub fn connect<R: Runtime>(
        self: &Arc<Self>,
        app: &AppHandle<R>,
        client: TeamClient,
        identity: Option<TeamIdentity>,
        problem: Option<IpcError>,
    ) {
        let client = Arc::new(client);
        let generation = {
            let mut link = self.write();
            link.generation += 1;
            link.client = Some(client.clone());
            link.identity = identity;
            link.problem = problem;
            link.generation
        };
        let follow =
            tauri::async_runtime::spawn(follow(app.clone(), self.clone(), client, generation));
        if let Some(old) = self
            .follower
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(follow)
        {
            old.abort();
        }
        let _ = app.emit(TEAM_EVENT, self.view());
        let _ = app.emit(RESYNC, ());
    }

    /// Back to this computer's own data.
    pub fn disconnect<R: Runtime>(&self, app: &AppHandle<R>) {
        {
            let mut link = self.write();
            link.generation += 1;
            link.client = None;
            link.identity = None;
            link.problem = None;
        }
        if let Some(old) = self
            .follower
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            old.abort();
        }
        let _ = app.emit(TEAM_EVENT, self.view());
        let _ = app.emit(RESYNC, ());
    }

    fn current(&self, generation: u64) -> bool {
        self.read().generation == generation
    }

    fn set(&self, generation: u64, update: impl FnOnce(&mut Link)) -> bool {
        let mut link = self.write();
        if link.generation != generation {
            return false;
        }
        update(&mut link);
        true
    }
}

/// Follows the server's events into the window until the link changes: reconnecting after a
/// gap (1, 2, 4 … 30 s), asking the window to read everything again when it is back, and
/// saying what is wrong meanwhile.
async fn follow<R: Runtime>(
    app: AppHandle<R>,
    team: Arc<Team>,
    client: Arc<TeamClient>,
    generation: u64,
) {
    let mut wait = Duration::from_secs(1);
    let mut first = true;
    while team.current(generation) {
        let mut on = |heard: Heard| match heard {
            Heard::Hello => {
                let cleared = team.set(generation, |l| {
                    if l.problem
                        .as_ref()
                        .is_some_and(|p| p.code == "team_unreachable")
                    {
                        l.problem = None;
                    }
                });
                if cleared {
                    let _ = app.emit(TEAM_EVENT, team.view());
                }
                if !first {
                    // Back after a gap: what happened meanwhile was not heard.
                    let _ = app.emit(RESYNC, ());
                }
                first = false;
            }
            Heard::Event(event) => {
                if let Err(e) = app.emit(EVENT, &event) {
                    tracing::debug!("cannot send an event to the window: {e}");
                }
                events::announce(&app, &event);
            }
            Heard::Resync => {
                let _ = app.emit(RESYNC, ());
            }
            Heard::SignedOut | Heard::Lost(_) => {}
        };
        let ended = client.follow(&mut on).await;
        if !team.current(generation) {
            return;
        }
        let problem = match ended {
            Heard::SignedOut => IpcError::new(
                "team_signed_out",
                format!(
                    "The team server at {} no longer accepts this app's token (it was revoked, \
                     or its user removed). Paste a new token under Connection → Team server, or \
                     switch back to This computer.",
                    client.url()
                ),
            ),
            Heard::Lost(why) => IpcError::new(
                "team_unreachable",
                format!(
                    "Live updates from the team server at {} stopped ({why}); reconnecting.",
                    client.url()
                ),
            ),
            _ => continue,
        };
        let signed_out = problem.code == "team_signed_out";
        team.set(generation, |l| l.problem = Some(problem));
        let _ = app.emit(TEAM_EVENT, team.view());
        tokio::time::sleep(wait).await;
        wait = if signed_out {
            // A new token is needed; check now and then whether it came back anyway.
            Duration::from_secs(30)
        } else {
            (wait * 2).min(Duration::from_secs(30))
        };
        first = false;
    }
}

/// The client for `url` and `token`, checked with the server: who it signs in as.
pub async fn checked(url: &str, token: &str) -> Result<(TeamClient, TeamIdentity), IpcError> {
    let client = TeamClient::new(TeamLogin {
        url: url.to_owned(),
        token: token.to_owned(),
    })
    .map_err(IpcError::from)?;
    let identity = client.check().await.map_err(IpcError::from)?;
    Ok((client, identity))
}
