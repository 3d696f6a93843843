//! Durable storage of apps in `qixd --apps-dir`.
//!
//! What it is for: creating, listing, reading, saving and deleting the persistent part of an app (id, title,
//! script, app properties, timestamps) with its saved data files, so that apps survive a restart. One writer
//! per app at a time ([`AppLock`]); a save writes its data as a new version, then the record naming it
//! (temporary file, fsync, rename, fsync of the folder), and only then removes the old version: a crash at
//! any instant leaves the old record with its data or the new record with its data, never a torn or mixed
//! one. Opening the store removes what a crash left over ([`Cleanup`]). Several processes (qixd nodes) may
//! share one folder: the lock is also a file lock, so their saves of one app take turns and the last wins.
//!
//! What it is not for: sessions, open documents or the data model in memory. A session works on its own copy
//! of an [`AppRecord`] and writes it back with [`AppLock::save`] (the engine's `DoSave`).

mod record;
mod store;

pub use record::{now_iso, AppRecord, BookmarkField, BookmarkRecord};
pub use store::{read_files, AppLock, AppStore, Cleanup, StoreError};
