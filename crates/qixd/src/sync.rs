//! Locks that outlive a panic. A request handler that panics is answered with an internal error and the
//! server goes on serving; a lock it held is then poisoned, and qixd takes such a lock anyway rather
//! than fail every later request that needs it (one client's panic must not take a session, an app or
//! the server down with it). Every lock in qixd (the library and the binary) is taken through
//! [`Recover`], which says that once; `qix-engine` keeps its own few.

use std::sync::{LockResult, PoisonError};

/// The guard of a lock whether or not a panic poisoned it.
pub trait Recover<G> {
    /// The guard, poisoned or not.
    fn recover(self) -> G;
}

impl<G> Recover<G> for LockResult<G> {
    fn recover(self) -> G {
        self.unwrap_or_else(PoisonError::into_inner)
    }
}
