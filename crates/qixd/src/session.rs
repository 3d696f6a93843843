//! One engine session: the key that finds it, its sockets, its TTL and its open app.
//!
//! Every socket whose key matches shares the session: the same open doc, session objects and variables.
//! All of that sits behind one read-write lock; work under it is short (no I/O waits on the network, no
//! awaits), so a request on one socket never blocks another session. Layouts, the bulk of what a sheet asks
//! after a click, are computed under the shared (read) side, so one session's objects lay out in parallel.

use crate::auth::UserId;
use crate::doc::{DocState, Effects};
use crate::handles::SocketHandles;
use crate::sync::Recover;
use qix_protocol::Notification;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant, SystemTime};

/// The only way to find a session: who, which app (from the URL), which identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionKey {
    /// The authenticated user; never taken from what the client says about itself.
    pub user: UserId,
    /// The app id in the URL path; `None` for `/app/` and `/app/engineData`.
    pub app: Option<String>,
    /// The identity from `/identity/<id>` or `X-Qlik-Session`; empty when none.
    pub identity: String,
}

/// Identifies one socket within the server.
pub type SocketId = u64;

pub use crate::outbox::Outgoing;

/// One socket attached to the session.
#[derive(Debug)]
pub struct SocketLink {
    /// The socket's writer; pushes go here. Bounded in bytes: a client that does not read is cut off.
    pub outbox: crate::outbox::Outbox,
    /// The socket's own handle numbers.
    pub handles: SocketHandles,
    /// Delta mode: the last result of each (handle, method, result key) sent to this socket, the base of
    /// the next JSON Patch.
    pub delta_base: HashMap<(i64, String, String), crate::delta::Sent>,
    /// Where the socket comes from and what it has asked, for the session inspector.
    pub info: SocketInfo,
}

/// What the session inspector shows of a socket.
#[derive(Debug, Clone)]
pub struct SocketInfo {
    /// The peer's address, when the listener knows it.
    pub remote: Option<SocketAddr>,
    /// When the socket attached.
    pub connected_at: SystemTime,
    /// Requests answered so far; the socket's reader counts, the inspector reads.
    pub requests: Arc<AtomicU64>,
}

impl SocketInfo {
    /// A socket from `remote` attaching now, with no request yet.
    pub fn new(remote: Option<SocketAddr>) -> SocketInfo {
        SocketInfo {
            remote,
            connected_at: SystemTime::now(),
            requests: Arc::new(AtomicU64::new(0)),
        }
    }
}

/// The mutable part of a session.
#[derive(Debug)]
pub struct SessionState {
    /// Attached sockets.
    pub sockets: HashMap<SocketId, SocketLink>,
    /// How long the session outlives its last socket (set by the latest connection).
    pub ttl: Duration,
    /// The open app, if any (one per session).
    pub doc: Option<DocState>,
}

/// A live session.
#[derive(Debug)]
pub struct Session {
    /// Unique for the server's lifetime; orders expiry entries.
    pub id: u64,
    /// The key that finds it.
    pub key: SessionKey,
    /// When it was created.
    pub created_at: Instant,
    /// When it was created, by the wall clock (what the inspector shows).
    pub created_wall: SystemTime,
    /// Where a touch is reported (a request that changed something, a socket attached or gone), so the
    /// snapshot writer visits only the sessions that changed.
    dirty: Arc<Dirty>,
    state: RwLock<SessionState>,
    /// How many times the state was locked for writing: what a reader compares to learn whether the state
    /// may have changed since it read it.
    writes: AtomicU64,
}

/// The sessions touched or ended since the snapshot writer last took the set, by id with their key: the
/// writer's cost follows what changed, not how many sessions live.
#[derive(Debug, Default)]
pub struct Dirty(Mutex<HashMap<u64, SessionKey>>);

impl Dirty {
    /// Notes that session `id` (of `key`) changed or ended.
    pub fn mark(&self, id: u64, key: &SessionKey) {
        let mut set = self.0.lock().recover();
        set.entry(id).or_insert_with(|| key.clone());
    }

    /// Whether nothing was noted since the last [`Dirty::take`].
    pub fn is_empty(&self) -> bool {
        self.0.lock().recover().is_empty()
    }

    /// Everything noted since the last call, which starts a new set.
    pub fn take(&self) -> HashMap<u64, SessionKey> {
        std::mem::take(&mut *self.0.lock().recover())
    }
}

impl Session {
    /// A new session with no sockets and no app.
    pub fn new(id: u64, key: SessionKey, ttl: Duration, dirty: Arc<Dirty>) -> Session {
        Session {
            id,
            key,
            created_at: Instant::now(),
            created_wall: SystemTime::now(),
            dirty,
            state: RwLock::new(SessionState {
                sockets: HashMap::new(),
                ttl,
                doc: None,
            }),
            writes: AtomicU64::new(0),
        }
    }

    /// Something may have changed the session: its snapshot is due (see [`Dirty`]).
    pub fn touch(&self) {
        self.dirty.mark(self.id, &self.key);
    }

    /// Locks the session state for writing (and counts the write, see [`Session::read`]). A panic under the
    /// lock cannot leave it half-written in a way later requests depend on, so a poisoned lock is taken over
    /// rather than failing every later request.
    pub fn lock(&self) -> RwLockWriteGuard<'_, SessionState> {
        let guard = self.state.write().recover();
        // Counted under the write lock: a reader holding the read lock sees a count no writer moves.
        self.writes.fetch_add(1, Ordering::Relaxed);
        guard
    }

    /// Locks the session state for writing without counting the write: only for a change no reader's result
    /// depends on (marking an object laid out), so that layouts computed together do not void each other.
    pub fn lock_uncounted(&self) -> RwLockWriteGuard<'_, SessionState> {
        self.state.write().recover()
    }

    /// Locks the session state for reading, with the count of writes so far: the state is still the one
    /// that was read while [`Session::writes`] gives the same count.
    pub fn read(&self) -> (RwLockReadGuard<'_, SessionState>, u64) {
        let guard = self.state.read().recover();
        let writes = self.writes.load(Ordering::Relaxed);
        (guard, writes)
    }

    /// How many times the state was locked for writing (read under the lock, it is exact).
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }
}

impl SessionState {
    /// Tells every socket about `effects` in its own handle numbers. Returns the caller's lists (they go in
    /// its response) and pushes id-less messages to the other sockets that hold an affected object. Closed
    /// objects' handles are released on every socket.
    pub fn fan_out(&mut self, caller: SocketId, effects: &Effects) -> (Vec<i64>, Vec<i64>) {
        let mut mine = (Vec::new(), Vec::new());
        if effects.change.is_empty() && effects.close.is_empty() {
            return mine;
        }
        for (id, link) in self.sockets.iter_mut() {
            let change: Vec<i64> = effects
                .change
                .iter()
                .filter(|o| !effects.close.contains(o))
                .filter_map(|o| link.handles.existing(o))
                .collect();
            let close: Vec<i64> = effects
                .close
                .iter()
                .filter_map(|o| link.handles.release(o))
                .collect();
            // A closed handle's delta bases are forgotten (the client drops its cache too).
            link.delta_base.retain(|(h, _, _), _| !close.contains(h));
            if *id == caller {
                mine = (change, close);
            } else if !change.is_empty() || !close.is_empty() {
                let text = Notification::Handles { change, close }.to_text();
                // A send fails only when the socket is already going away; it is then detached anyway.
                let _ = link.outbox.send(Outgoing::Text(text));
            }
        }
        mine
    }
}
