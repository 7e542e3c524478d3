//! Connections that send nothing cannot starve the listeners. Every connection either listener
//! accepts is counted in one registry per process, and its socket is wrapped so that:
//!
//! - a request's headers must arrive within the header timeout (10 s) of the connection
//!   opening, or of the byte that began them on a kept-alive connection;
//! - a kept-alive connection with no request is closed after the idle timeout (60 s);
//! - past a cap on open connections, set below the process's open-file limit so the ledger
//!   and the files always get a descriptor, the connection that has waited longest without a
//!   request is closed for each new one, so a real request still gets in at once. A
//!   connection serving a request is never closed this way.
//!
//! A request is "in flight" from the moment its headers are read until its response body is
//! dropped (sent, or abandoned), as [`track`] marks it; the timeouts apply only between
//! requests, so a slow upload or a long download is bounded by its own limits, not these.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What a connection may cost while it makes no request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Time allowed for a request's headers to arrive.
    pub header_timeout: Duration,
    /// Time a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Connections open at once, both listeners together; past it, the longest-waiting one
    /// is closed for each new one.
    pub max_connections: usize,
}

/// 10 s: a sender writes its headers at once; only a stalled or hostile one takes longer.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// 60 s: long enough to keep one connection across an import's parts.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for Policy {
    fn default() -> Self {
        Policy {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: default_max_connections(open_file_limit()),
        }
    }
}

/// The open-file limit this process runs under (`ulimit -n`, systemd's `LimitNOFILE`), or
/// 1,024 (the usual default) when it cannot be read.
pub fn open_file_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(1024)
}

/// The cap for a file limit: an eighth of it (at least 64) kept for the ledger, the derived
/// files, the tunnel and the runtime.
pub fn default_max_connections(file_limit: usize) -> usize {
    let reserve = (file_limit / 8).max(64);
    file_limit.saturating_sub(reserve).max(16)
}

/// Every connection open in this process.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    policy: Mutex<Option<Policy>>,
    open: Mutex<HashMap<u64, Weak<Activity>>>,
    next_id: AtomicU64,
    said: Mutex<Said>,
}

/// What was last logged about the cap, so a flood is one line every few seconds.
#[derive(Debug, Default)]
struct Said {
    at: Option<Instant>,
    closed: u64,
    refused: u64,
}

/// How often a flood at the cap is reported.
const SAY_EVERY: Duration = Duration::from_secs(10);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Connections {
    pub(crate) fn policy(&self) -> Policy {
        *lock(&self.policy).get_or_insert_with(Policy::default)
    }

    pub(crate) fn set_policy(&self, policy: Policy) {
        *lock(&self.policy) = Some(policy);
    }

    /// Counts a new connection; at the cap, closes the one that has waited longest without
    /// a request, or refuses this one (`None`) when every connection is serving a request.
    fn admit(&self) -> Option<Arc<Activity>> {
        let cap = self.policy().max_connections.max(1);
        let mut open = lock(&self.open);
        open.retain(|_, a| a.strong_count() > 0);
        if open.len() >= cap {
            let longest = open
                .values()
                .filter_map(Weak::upgrade)
                .filter(|a| !a.is_evicted())
                .filter_map(|a| a.waiting_since().map(|since| (since, a)))
                .min_by_key(|(since, _)| *since);
            match longest {
                Some((_, activity)) => {
                    activity.evict();
                    self.say(cap, open.len(), true);
                }
                None => {
                    self.say(cap, open.len(), false);
                    return None;
                }
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity::new());
        open.insert(id, Arc::downgrade(&activity));
        Some(activity)
    }

    fn say(&self, cap: usize, open: usize, closed: bool) {
        let mut said = lock(&self.said);
        if closed {
            said.closed += 1;
        } else {
            said.refused += 1;
        }
        if said.at.is_none_or(|at| at.elapsed() >= SAY_EVERY) {
            tracing::warn!(
                "{open} connections open, the cap ({cap}, below the open-file limit of {}): \
                 closed {} waiting without a request and refused {} while all were serving \
                 one, since the last report; many idle connections at once is a client gone \
                 wrong or an attack",
                open_file_limit(),
                said.closed,
                said.refused
            );
            *said = Said {
                at: Some(Instant::now()),
                closed: 0,
                refused: 0,
            };
        }
    }
}

/// One connection's state, shared by its socket and the requests made on it.
#[derive(Debug)]
pub struct Activity {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Requests in flight on it.
    busy: usize,
    /// When it last began waiting for a request (opened, or answered the last one).
    waiting_since: Instant,
    /// The first byte read since then: a request has begun.
    began: Option<Instant>,
    /// Requests it has served.
    served: u64,
    evicted: bool,
    /// The reader to wake when it is evicted or turns idle.
    reader: Option<Waker>,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            state: Mutex::new(State {
                busy: 0,
                waiting_since: Instant::now(),
                began: None,
                served: 0,
                evicted: false,
                reader: None,
            }),
        }
    }

    fn waiting_since(&self) -> Option<Instant> {
        let s = lock(&self.state);
        (s.busy == 0).then_some(s.waiting_since)
    }

    fn is_evicted(&self) -> bool {
        lock(&self.state).evicted
    }

    fn evict(&self) {
        let mut s = lock(&self.state);
        s.evicted = true;
        if let Some(w) = s.reader.take() {
            w.wake();
        }
    }

    /// When the connection must be closed if nothing more happens: none while a request is
    /// in flight.
    fn deadline(&self, policy: &Policy) -> Option<Instant> {
        let s = lock(&self.state);
        if s.busy > 0 {
            return None;
        }
        Some(match (s.began, s.served) {
            (Some(began), _) => began + policy.header_timeout,
            (None, 0) => s.waiting_since + policy.header_timeout,
            (None, _) => s.waiting_since + policy.idle_timeout,
        })
    }

    fn read_some(&self) {
        let mut s = lock(&self.state);
        if s.busy == 0 && s.began.is_none() {
            s.began = Some(Instant::now());
        }
    }

    /// A request's headers were read: it is in flight until the guard is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        let mut s = lock(&self.state);
        s.busy += 1;
        InFlight(self.clone())
    }
}

/// A request in flight on a connection; dropping it (with the response body) ends it.
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = lock(&self.0.state);
        s.busy = s.busy.saturating_sub(1);
        if s.busy == 0 {
            s.served += 1;
            s.waiting_since = Instant::now();
            s.began = None;
            // Its reader may have gone to sleep with no deadline: let it set one.
            if let Some(w) = s.reader.take() {
                w.wake();
            }
        }
    }
}

/// A listener whose connections are counted and guarded.
#[derive(Debug)]
pub struct Guarded<L> {
    inner: L,
    connections: Arc<Connections>,
}

impl<L> Guarded<L> {
    pub(crate) fn new(inner: L, connections: Arc<Connections>) -> Guarded<L> {
        Guarded { inner, connections }
    }
}

impl<L> axum::serve::Listener for Guarded<L>
where
    L: axum::serve::Listener,
{
    type Io = GuardedIo<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (io, addr) = self.inner.accept().await;
            // Refused: dropped, so closed, at once.
            if let Some(activity) = self.connections.admit() {
                let policy = self.connections.policy();
                return (
                    GuardedIo {
                        inner: io,
                        activity,
                        policy,
                        sleep: Box::pin(tokio::time::sleep(policy.header_timeout)),
                    },
                    addr,
                );
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection's socket, closed (as a read error) when it waits too long without a request
/// or is evicted at the cap.
#[derive(Debug)]
pub struct GuardedIo<T> {
    inner: T,
    activity: Arc<Activity>,
    policy: Policy,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl<T> GuardedIo<T> {
    pub fn activity(&self) -> &Arc<Activity> {
        &self.activity
    }
}

fn closed(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, why.to_owned())
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.activity.is_evicted() {
            return Poll::Ready(Err(closed(
                "closed to make room: too many connections waiting",
            )));
        }
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.activity.read_some();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                lock(&this.activity.state).reader = Some(cx.waker().clone());
                if let Some(deadline) = this.activity.deadline(&this.policy) {
                    this.sleep
                        .as_mut()
                        .reset(tokio::time::Instant::from_std(deadline));
                    if this.sleep.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Err(closed("no request in time")));
                    }
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// What a guarded listener's requests know of their connection: its peer, and its
/// [`Activity`] for [`track`].
#[derive(Debug, Clone)]
pub struct Conn {
    pub addr: SocketAddr,
    activity: Arc<Activity>,
}

impl Conn {
    /// A connection counted nowhere: for a router served without a guarded listener.
    pub fn detached(addr: SocketAddr) -> Conn {
        Conn {
            addr,
            activity: Arc::new(Activity::new()),
        }
    }
}

impl<L> axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Guarded<L>>> for Conn
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, Guarded<L>>) -> Conn {
        Conn {
            addr: *stream.remote_addr(),
            activity: stream.io().activity().clone(),
        }
    }
}

impl crate::Hookgrid {
    /// Sets the timeouts and the cap for the connections both listeners accept from now on.
    pub fn set_connection_policy(&self, policy: Policy) {
        self.core.connections.set_policy(policy);
    }

    /// The timeouts and the cap in force.
    pub fn connection_policy(&self) -> Policy {
        self.core.connections.policy()
    }

    /// `listener`, with its connections counted and guarded.
    pub(crate) fn guard<L>(&self, listener: L) -> Guarded<L> {
        Guarded::new(listener, self.core.connections.clone())
    }
}

/// Middleware: marks the request in flight on its connection until its response body is
/// dropped. Without connection info (a router tested with `oneshot`) it does nothing.
pub async fn track(req: Request, next: Next) -> Response {
    let in_flight = req
        .extensions()
        .get::<ConnectInfo<Conn>>()
        .map(|c| c.0.activity.begin());
    let response = next.run(req).await;
    match in_flight {
        Some(in_flight) => response.map(|body| {
            Body::new(TrackedBody {
                inner: body,
                _in_flight: in_flight,
            })
        }),
        None => response,
    }
}

/// A response body holding its request in flight.
struct TrackedBody {
    inner: Body,
    _in_flight: InFlight,
}

impl http_body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_keeps_an_eighth_of_the_file_limit() {
        assert_eq!(default_max_connections(1024), 896);
        assert_eq!(default_max_connections(256), 192);
        assert_eq!(default_max_connections(65536), 57344);
        assert_eq!(default_max_connections(10), 16);
    }

    #[test]
    fn the_file_limit_is_read() {
        assert!(open_file_limit() >= 16);
    }

    #[test]
    fn at_the_cap_the_longest_waiting_connection_is_closed_never_a_busy_one() {
        let connections = Connections::default();
        connections.set_policy(Policy {
            max_connections: 2,
            ..Policy::default()
        });
        let busy = connections.admit().expect("first");
        let _in_flight = busy.begin();
        let waiting = connections.admit().expect("second");
        let third = connections
            .admit()
            .expect("third, in place of the waiting one");
        assert!(waiting.is_evicted());
        assert!(!busy.is_evicted());
        let _also_busy = third.begin();
        drop(waiting);
        assert!(
            connections.admit().is_none(),
            "all serving a request: the new one is refused"
        );
    }

    #[test]
    fn timeouts_apply_between_requests_only() {
        let policy = Policy::default();
        let a = Arc::new(Activity::new());
        let opened = a.waiting_since().expect("waiting");
        assert_eq!(a.deadline(&policy), Some(opened + policy.header_timeout));
        let in_flight = a.begin();
        assert_eq!(a.deadline(&policy), None);
        drop(in_flight);
        let answered = a.waiting_since().expect("waiting again");
        assert_eq!(a.deadline(&policy), Some(answered + policy.idle_timeout));
        a.read_some();
        let began = lock(&a.state).began.expect("began");
        assert_eq!(a.deadline(&policy), Some(began + policy.header_timeout));
    }
}
