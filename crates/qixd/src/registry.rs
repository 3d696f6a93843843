//! The session registry: finds or creates the session for a key, and destroys sessions whose TTL ran out.
//!
//! Same shape as mini-redis's expiring keys: a session that loses its last socket gets one entry in an
//! ordered set of `(deadline, session id)`; a single background task sleeps until the earliest deadline
//! (or until woken because an earlier one was added), destroys what is due, and sleeps again. No loop ever
//! scans all sessions. Reattaching before the deadline removes the entry.

use crate::auth::UserId;
use crate::session::{Dirty, Outgoing, Session, SessionKey, SocketId, SocketInfo, SocketLink};
use crate::sync::Recover;
use crate::telemetry;
use qix_protocol::Notification;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// Close code for the sockets of a session ended on purpose ([`Registry::end`]): an application code, not
/// 1000 nor 4000, which enigma.js takes for a close its own side asked for (a close, a manual suspend)
/// and does not report.
pub const CLOSE_SESSION_ENDED: u16 = 4001;

/// Session lifetime limits from the flags.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// TTL of a session whose URL sets none.
    pub default_ttl: Duration,
    /// Cap on any TTL.
    pub max_ttl: Duration,
    /// Live sessions per user; 0 = unlimited.
    pub max_sessions_per_user: usize,
}

/// Why a socket could not attach.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachError {
    /// The user already has the maximum number of live sessions.
    #[error("user already has {0} live sessions, the maximum")]
    TooManySessions(usize),
}

/// The outcome of a successful attach.
#[derive(Debug, Clone)]
pub struct Attached {
    /// The session the socket now belongs to.
    pub session: Arc<Session>,
    /// The socket's id within the server.
    pub socket: SocketId,
    /// Whether the session was created for this socket (`SESSION_CREATED`) or joined (`SESSION_ATTACHED`).
    pub created: bool,
}

#[derive(Debug, Default)]
struct RegistryState {
    /// Live sessions by key.
    sessions: HashMap<SessionKey, Arc<Session>>,
    /// Sessions with no sockets, by deadline.
    expirations: BTreeSet<(Instant, u64)>,
    /// The deadline and key of each session in `expirations`, by session id.
    expiring: HashMap<u64, (Instant, SessionKey)>,
    /// Live sessions per user, for `--max-sessions-per-user`.
    per_user: HashMap<UserId, usize>,
    /// Attached sockets, for /healthcheck.
    live_sockets: usize,
    /// Set at shutdown: the purge task ends.
    shutdown: bool,
}

/// All live sessions of the server.
#[derive(Debug)]
pub struct Registry {
    limits: Limits,
    state: Mutex<RegistryState>,
    /// Wakes the purge task when an earlier deadline is added or at shutdown.
    purge_wakeup: Notify,
    next_session: AtomicU64,
    next_socket: AtomicU64,
    /// Socket handlers still running: a handler outlives its link while its writer flushes the last
    /// frames (the 1001 close at shutdown), and the process must not exit before that.
    handlers: AtomicU64,
    /// Woken when a handler ends.
    handler_ended: Notify,
    /// Woken when the last live session is destroyed.
    emptied: Notify,
    /// Counts changes of the session list (a session made, ended, a socket attached or gone): the
    /// session inspector's live stream waits on it.
    changes: watch::Sender<u64>,
    /// Sessions touched or ended since the snapshot writer last looked.
    dirty: Arc<Dirty>,
}

/// Counts one running socket handler until dropped.
pub struct HandlerGuard(Arc<Registry>);

impl Drop for HandlerGuard {
    fn drop(&mut self) {
        self.0.handlers.fetch_sub(1, Ordering::AcqRel);
        self.0.handler_ended.notify_waiters();
    }
}

impl Registry {
    /// Counts a socket handler as running until the guard is dropped.
    pub fn handler_started(self: &Arc<Self>) -> HandlerGuard {
        self.handlers.fetch_add(1, Ordering::AcqRel);
        HandlerGuard(self.clone())
    }

    /// Waits until every socket handler has ended (true), or `limit` has passed (false).
    pub async fn handlers_finished(&self, limit: Duration) -> bool {
        let wait = async {
            loop {
                let ended = self.handler_ended.notified();
                if self.handlers.load(Ordering::Acquire) == 0 {
                    return;
                }
                ended.await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }

    /// An empty registry. Call [`Registry::spawn_purge_task`] to have expired sessions destroyed.
    pub fn new(limits: Limits) -> Arc<Registry> {
        Arc::new(Registry {
            limits,
            state: Mutex::new(RegistryState::default()),
            purge_wakeup: Notify::new(),
            emptied: Notify::new(),
            next_session: AtomicU64::new(1),
            next_socket: AtomicU64::new(1),
            handlers: AtomicU64::new(0),
            handler_ended: Notify::new(),
            changes: watch::channel(0).0,
            dirty: Arc::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, RegistryState> {
        self.state.lock().recover()
    }

    /// The TTL a connection asks for, capped, or the default.
    pub fn effective_ttl(&self, requested: Option<u64>) -> Duration {
        requested
            .map(Duration::from_secs)
            .unwrap_or(self.limits.default_ttl)
            .min(self.limits.max_ttl)
    }

    /// Attaches a socket to the session for `key`, creating it if needed, and queues `OnConnected` as the
    /// socket's first frame (under the lock, so nothing can be pushed to the socket before it).
    pub fn attach(
        &self,
        key: SessionKey,
        ttl: Option<u64>,
        outbox: crate::outbox::Outbox,
        info: SocketInfo,
    ) -> Result<Attached, AttachError> {
        let ttl = self.effective_ttl(ttl);
        let socket = self.next_socket.fetch_add(1, Ordering::Relaxed);
        let mut reg = self.lock();
        let (session, created) = match reg.sessions.get(&key) {
            Some(s) => (s.clone(), false),
            None => {
                let limit = self.limits.max_sessions_per_user;
                let count = reg.per_user.get(&key.user).copied().unwrap_or(0);
                if limit > 0 && count >= limit {
                    return Err(AttachError::TooManySessions(limit));
                }
                let id = self.next_session.fetch_add(1, Ordering::Relaxed);
                let s = Arc::new(Session::new(id, key.clone(), ttl, self.dirty.clone()));
                reg.sessions.insert(key.clone(), s.clone());
                *reg.per_user.entry(key.user.clone()).or_default() += 1;
                (s, true)
            }
        };
        if let Some((when, _)) = reg.expiring.remove(&session.id) {
            reg.expirations.remove(&(when, session.id));
        }
        reg.live_sockets += 1;
        let state = if created {
            "SESSION_CREATED"
        } else {
            "SESSION_ATTACHED"
        };
        let hello = Notification::OnConnected {
            state: state.into(),
        };
        // The receiver is held by the caller; a failure here means the socket is already gone, and the
        // detach that follows cleans up.
        let _ = outbox.send(Outgoing::Text(hello.to_text()));
        {
            let mut st = session.lock();
            st.ttl = ttl;
            st.sockets.insert(
                socket,
                SocketLink {
                    outbox,
                    handles: Default::default(),
                    delta_base: Default::default(),
                    info,
                },
            );
        }
        session.touch();
        telemetry::session_attached(created, reg.sessions.len(), reg.live_sockets);
        self.changed();
        Ok(Attached {
            session,
            socket,
            created,
        })
    }

    /// Detaches a socket. A session left with no sockets is destroyed now (TTL 0) or scheduled for
    /// destruction at now + TTL.
    /// A socket of a session that was ended ([`Registry::end`]) is no longer counted: nothing happens.
    pub fn detach(&self, session: &Arc<Session>, socket: SocketId) {
        let mut reg = self.lock();
        let (removed, empty, ttl) = {
            let mut st = session.lock();
            let removed = st.sockets.remove(&socket).is_some();
            (removed, st.sockets.is_empty(), st.ttl)
        };
        if !removed {
            return;
        }
        session.touch();
        reg.live_sockets = reg.live_sockets.saturating_sub(1);
        if empty {
            if ttl.is_zero() {
                self.destroy(&mut reg, session.id, &session.key);
            } else {
                let when = Instant::now() + ttl;
                reg.expirations.insert((when, session.id));
                reg.expiring.insert(session.id, (when, session.key.clone()));
                self.purge_wakeup.notify_one();
            }
        }
        telemetry::gauges(reg.sessions.len(), reg.live_sockets);
        self.changed();
    }

    /// Puts back a session restored from a snapshot, with no socket, destroyed at `deadline` unless a
    /// socket attaches first (its TTL runs, as for any detached session). False, and nothing done, when a
    /// session with this key already lives, or its user already has `--max-sessions-per-user` (a
    /// snapshot is no way around the limit).
    pub fn insert_detached(
        &self,
        key: SessionKey,
        ttl: Duration,
        deadline: Instant,
        doc: Option<crate::doc::DocState>,
    ) -> bool {
        let mut reg = self.lock();
        if reg.shutdown || reg.sessions.contains_key(&key) {
            return false;
        }
        let limit = self.limits.max_sessions_per_user;
        if limit > 0 && reg.per_user.get(&key.user).copied().unwrap_or(0) >= limit {
            return false;
        }
        let id = self.next_session.fetch_add(1, Ordering::Relaxed);
        let session = Arc::new(Session::new(id, key.clone(), ttl, self.dirty.clone()));
        session.lock().doc = doc;
        reg.sessions.insert(key.clone(), session);
        *reg.per_user.entry(key.user.clone()).or_default() += 1;
        reg.expirations.insert((deadline, id));
        reg.expiring.insert(id, (deadline, key));
        self.purge_wakeup.notify_one();
        telemetry::gauges(reg.sessions.len(), reg.live_sockets);
        self.changed();
        true
    }

    /// Resolves when the last live session has gone (checked again by the caller: one may have come since).
    pub async fn emptied(&self) {
        self.emptied.notified().await
    }

    /// Removes a session and everything in it.
    fn destroy(&self, reg: &mut RegistryState, id: u64, key: &SessionKey) {
        let is_same = reg.sessions.get(key).is_some_and(|s| s.id == id);
        if !is_same {
            return;
        }
        if let Some(session) = reg.sessions.remove(key) {
            // Drop the open app, session objects and variables now, not when the last Arc goes.
            session.lock().doc = None;
        }
        // Its snapshot goes too.
        self.dirty.mark(id, key);
        if let Some(n) = reg.per_user.get_mut(&key.user) {
            *n -= 1;
            if *n == 0 {
                reg.per_user.remove(&key.user);
            }
        }
        telemetry::session_expired();
        self.changed();
        if reg.sessions.is_empty() {
            // The maps keep the capacity of their busiest moment (about 100 KiB after 500 sessions) and
            // it would sit among what the allocator could otherwise give back.
            reg.sessions.shrink_to_fit();
            reg.per_user.shrink_to_fit();
            reg.expiring.shrink_to_fit();
            self.emptied.notify_one();
        }
    }

    /// Destroys every session whose deadline has passed; returns the next deadline, if any.
    fn purge_expired(&self) -> Option<Instant> {
        let mut reg = self.lock();
        if reg.shutdown {
            return None;
        }
        let now = Instant::now();
        while let Some(&(when, id)) = reg.expirations.iter().next() {
            if when > now {
                telemetry::gauges(reg.sessions.len(), reg.live_sockets);
                return Some(when);
            }
            reg.expirations.remove(&(when, id));
            if let Some((_, key)) = reg.expiring.remove(&id) {
                self.destroy(&mut reg, id, &key);
            }
        }
        telemetry::gauges(reg.sessions.len(), reg.live_sockets);
        None
    }

    fn is_shutdown(&self) -> bool {
        self.lock().shutdown
    }

    /// Starts the background task that destroys expired sessions.
    pub fn spawn_purge_task(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let registry = self.clone();
        tokio::spawn(async move {
            while !registry.is_shutdown() {
                match registry.purge_expired() {
                    Some(when) => {
                        tokio::select! {
                            _ = tokio::time::sleep_until(when.into()) => {}
                            _ = registry.purge_wakeup.notified() => {}
                        }
                    }
                    None => registry.purge_wakeup.notified().await,
                }
            }
        })
    }

    /// Stops the purge task and asks every socket to close (server shutdown).
    pub fn shutdown(&self) {
        let mut reg = self.lock();
        reg.shutdown = true;
        for session in reg.sessions.values() {
            for link in session.lock().sockets.values() {
                let _ = link
                    .outbox
                    .send(Outgoing::Close(1001, "server shutting down".into()));
            }
        }
        self.purge_wakeup.notify_one();
    }

    /// Live sessions.
    pub fn live_sessions(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Attached sockets.
    pub fn live_sockets(&self) -> usize {
        self.lock().live_sockets
    }

    /// Tells the inspector's streams that the session list changed.
    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that sees every change of the session list (sessions made or ended, sockets attached
    /// or gone); not selections or requests, which the inspector polls.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Every live session, oldest first, with the instant it expires at when it has no socket.
    pub fn sessions(&self) -> Vec<(Arc<Session>, Option<Instant>)> {
        let reg = self.lock();
        let mut all: Vec<_> = reg
            .sessions
            .values()
            .map(|s| (s.clone(), reg.expiring.get(&s.id).map(|(when, _)| *when)))
            .collect();
        all.sort_by_key(|(s, _)| s.id);
        all
    }

    /// The live session with this id, with its expiry instant when it has no socket.
    pub fn by_id(&self, id: u64) -> Option<(Arc<Session>, Option<Instant>)> {
        let reg = self.lock();
        let session = reg.sessions.values().find(|s| s.id == id)?.clone();
        let expires = reg.expiring.get(&id).map(|(when, _)| *when);
        Some((session, expires))
    }

    /// Ends session `id` now, whatever its sockets and TTL: each socket gets `OnSessionClosed` and a
    /// close frame ([`CLOSE_SESSION_ENDED`]), the session and its app are dropped. False when no such session lives.
    pub fn end(&self, id: u64, why: &str) -> bool {
        let mut reg = self.lock();
        let Some(session) = reg.sessions.values().find(|s| s.id == id).cloned() else {
            return false;
        };
        if let Some((when, _)) = reg.expiring.remove(&id) {
            reg.expirations.remove(&(when, id));
        }
        let links: Vec<SocketLink> = session.lock().sockets.drain().map(|(_, l)| l).collect();
        reg.live_sockets = reg.live_sockets.saturating_sub(links.len());
        let note = Notification::Event {
            method: "OnSessionClosed".into(),
            severity: "fatal".into(),
            message: why.into(),
            timestamp: qix_apps::now_iso(),
        }
        .to_text();
        for link in links {
            let _ = link.outbox.send(Outgoing::Text(note.clone()));
            let _ = link
                .outbox
                .send(Outgoing::Close(CLOSE_SESSION_ENDED, "session ended".into()));
        }
        self.destroy(&mut reg, id, &session.key);
        telemetry::gauges(reg.sessions.len(), reg.live_sockets);
        true
    }

    /// The live session for `key`, if any (for tests and diagnostics).
    pub fn find(&self, key: &SessionKey) -> Option<Arc<Session>> {
        self.lock().sessions.get(key).cloned()
    }

    /// The live session for `key` with the instant it expires at when it has no socket.
    pub fn lookup(&self, key: &SessionKey) -> Option<(Arc<Session>, Option<Instant>)> {
        let reg = self.lock();
        let session = reg.sessions.get(key)?.clone();
        let expires = reg.expiring.get(&session.id).map(|(when, _)| *when);
        Some((session, expires))
    }

    /// The sessions touched or ended since the last call, by id with their key (the snapshot writer's
    /// work list).
    pub fn take_dirty(&self) -> HashMap<u64, SessionKey> {
        self.dirty.take()
    }

    /// Whether no session changed or ended since the last [`Registry::take_dirty`].
    pub fn nothing_dirty(&self) -> bool {
        self.dirty.is_empty()
    }
}
