//! Durable storage of apps in `qixd --apps-dir`.
//!
//! What it is for: creating, listing, reading, saving and deleting the persistent part of an app (id, title,
//! script, app properties, timestamps), so that apps survive a restart. Every save writes a new file and
//! renames it over the old one after an fsync, then fsyncs the folder: a crash at any instant leaves the
//! old or the new version, never a torn one.
//!
//! What it is not for: sessions, open documents or the data model in memory. A session works on its own copy
//! of an [`AppRecord`] and writes it back with [`AppStore::save`] (the engine's `DoSave`).

mod record;
mod store;

pub use record::{now_iso, AppRecord, BookmarkField, BookmarkRecord};
pub use store::{AppStore, StoreError};
