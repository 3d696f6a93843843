//! Who owns a session's snapshot, decided without clocks and without races.
//!
//! Every check of a file followed by a write or removal of it happens under an advisory lock (`flock`,
//! as `qix_apps::AppLock` does for apps) on one of [`BUCKETS`] lock files in `.locks` of the snapshot
//! folder, chosen by the file's stem: the kernel releases it when the holder ends however it ends, it
//! works across the processes sharing the folder, and two threads of one process exclude each other too
//! (each opens its own file description). A fixed number of lock files means none is ever removed (which
//! would let two holders lock two different files of one name).
//!
//! Ownership is an epoch: a node claiming a session writes the epoch it found plus one; a node whose
//! claim is lower than the file's (or equal, from a node of a higher id) has lost the session.

use super::file::Head;
use crate::session::SessionKey;
use std::fs::{self, File};
use std::path::Path;

/// How many lock files the stems share.
const BUCKETS: usize = 256;

/// The folder, in the snapshot folder, of the lock files.
const LOCKS_DIR: &str = ".locks";

/// The lock of one snapshot stem, held until dropped. Not reentrant: a thread holding one must take no
/// other.
#[derive(Debug)]
pub(super) struct StemLock {
    _file: File,
}

/// Waits until no one else (thread or process) holds the lock of `stem` in snapshot folder `dir`, and
/// takes it.
pub(super) fn lock(dir: &Path, stem: &str) -> std::io::Result<StemLock> {
    let locks = dir.join(LOCKS_DIR);
    let bucket = stem.bytes().fold(0usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    }) % BUCKETS;
    let path = locks.join(format!("{bucket:02x}.lock"));
    let open = || {
        fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
    };
    // The folder is made the first time a lock needs it (and again should it be removed).
    let file = match open() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            super::file::private_dir(&locks)?;
            open()?
        }
        opened => opened?,
    };
    file.lock()?;
    Ok(StemLock { _file: file })
}

/// What a write of a session should do, given the head of its file as it is now.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Claim {
    /// Write the file with this epoch.
    Write(u64),
    /// Another node claimed the session after this node did: this copy ends.
    TakenOver,
    /// The file is of another session key (a hash collision): neither written nor removed.
    Foreign,
}

/// Decides a write of session `key` by node `node`, whose claim is `mine` (`None`: not claimed yet, so it
/// claims now, above whatever the file holds).
pub(super) fn decide(
    head: Option<&Head>,
    key: &SessionKey,
    node: &str,
    mine: Option<u64>,
) -> Claim {
    let Some(head) = head else {
        return Claim::Write(mine.unwrap_or(1));
    };
    if !head.is_of(key) {
        return Claim::Foreign;
    }
    match mine {
        None => Claim::Write(head.epoch.saturating_add(1)),
        Some(epoch) if head.node != node && (head.epoch, head.node.as_str()) > (epoch, node) => {
            Claim::TakenOver
        }
        Some(epoch) => Claim::Write(epoch),
    }
}
