//! The snapshot files themselves: their format, their names, and reading and writing them safely.
//!
//! A file is named by the SHA-256 of its session key, so a client that chooses its identity cannot aim
//! at another user's file name; the key is also stored in the file and compared before a file is used,
//! overwritten or removed. Files are private to the server's user (folder 0700, files 0600 on unix), read
//! with a size cap, and written whole (temporary file, fsync, rename).

use crate::auth::UserId;
use crate::doc::SessionPart;
use crate::session::SessionKey;
use qix_apps::{AppRecord, BookmarkField};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// The snapshot format this build writes and reads (2: claims are epochs, files say when written).
pub(super) const FORMAT: u32 = 2;

/// A file larger than this is not read (a session app's data is beside it, not in it).
pub(super) const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How long after it was written (plus its TTL) a file written while a socket was attached is kept: its
/// node may have died without saying when the session would have expired.
pub(super) const GRACE: Duration = Duration::from_secs(3600);

/// Temporary files and orphaned data folders younger than this may belong to a write under way on a
/// node sharing the folder, so they are left alone.
pub(super) const STALE_AFTER: Duration = Duration::from_secs(60);

/// One session on disk.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SessionFile {
    pub format: u32,
    /// The node that owns the session (wrote it last, or took it over).
    pub node: String,
    /// How many times the session was claimed by a node: a node that takes a session over writes the
    /// epoch it found plus one, and a node finding a higher epoch (or an equal one of a higher node id)
    /// than its own claim lost the session. No clock is compared.
    pub epoch: u64,
    /// When the file was written (ms since the epoch): with `expires_ms` unknown, the file expires at
    /// this plus the TTL plus [`GRACE`].
    pub written_ms: u64,
    pub directory: String,
    pub user: String,
    pub app: Option<String>,
    pub identity: String,
    pub ttl_secs: u64,
    /// When the session expires (ms since the epoch); `None`: a socket was attached when written, so its
    /// TTL starts when it is restored.
    pub expires_ms: Option<u64>,
    pub doc: Option<DocFile>,
}

/// The open app of a session on disk.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct DocFile {
    pub app: String,
    /// A session app's record (script, properties ...): it is stored nowhere else.
    pub session_app: Option<AppRecord>,
    /// The folder (beside the file) holding a session app's data.
    pub data: Option<String>,
    pub part: SessionPart,
    /// Selections by state (`$` and alternate states).
    pub selections: BTreeMap<String, Vec<BookmarkField>>,
}

/// Only whose a file is, read before writing over it or removing it.
#[derive(Debug, Deserialize)]
pub(super) struct Head {
    pub node: String,
    pub epoch: u64,
    directory: String,
    user: String,
    app: Option<String>,
    identity: String,
}

impl Head {
    /// Whether the file is of session `key` (its name could be another key's only by a hash collision).
    pub fn is_of(&self, key: &SessionKey) -> bool {
        self.directory == key.user.directory
            && self.user == key.user.id
            && self.app == key.app
            && self.identity == key.identity
    }
}

impl SessionFile {
    /// The session key the file holds.
    pub fn key(&self) -> SessionKey {
        SessionKey {
            user: UserId {
                directory: self.directory.clone(),
                id: self.user.clone(),
            },
            app: self.app.clone(),
            identity: self.identity.clone(),
        }
    }

    /// When the session of this file runs out (ms since the epoch): its expiry, else (a socket was
    /// attached when written) when it was written plus its TTL plus [`GRACE`].
    pub fn ends_ms(&self) -> u64 {
        self.expires_ms.unwrap_or_else(|| {
            let ttl_ms = self.ttl_secs.saturating_mul(1000);
            let grace = u64::try_from(GRACE.as_millis()).unwrap_or(u64::MAX);
            self.written_ms.saturating_add(ttl_ms).saturating_add(grace)
        })
    }

    /// The data folder the file names, when it is a plain name of this session's (nothing a crafted file
    /// could point elsewhere with).
    pub fn data_dir(&self, stem: &str) -> Option<&str> {
        let name = self.doc.as_ref()?.data.as_deref()?;
        is_data_name_of(name, stem).then_some(name)
    }
}

/// Whether `name` is a data folder name of session file `stem`.
pub(super) fn is_data_name_of(name: &str, stem: &str) -> bool {
    name.strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(".data"))
        .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The file stem of a session key: `s-` and the SHA-256 of the key, in hex.
pub(super) fn stem(key: &SessionKey) -> String {
    let text = serde_json::json!([key.user.directory, key.user.id, key.app, key.identity]);
    let digest = Sha256::digest(text.to_string().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("s-{hex}")
}

/// The bytes of `path`, or `None` (logged) when it cannot be read or is larger than [`MAX_FILE_BYTES`].
fn read_capped(path: &Path) -> Option<Vec<u8>> {
    let file = fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    if let Err(e) = file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
        tracing::warn!(path = %path.display(), error = %e, "unreadable session snapshot skipped");
        return None;
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        tracing::warn!(path = %path.display(), "session snapshot too large, skipped");
        return None;
    }
    Some(bytes)
}

/// The session file at `path`, or `None` (logged) when it is missing, unreadable or of another format.
pub(super) fn read(path: &Path) -> Option<SessionFile> {
    let bytes = read_capped(path)?;
    match serde_json::from_slice::<SessionFile>(&bytes) {
        Ok(f) if f.format == FORMAT => Some(f),
        Ok(f) => {
            tracing::warn!(path = %path.display(), format = f.format, "session snapshot of another format skipped");
            None
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "unreadable session snapshot skipped");
            None
        }
    }
}

/// Whether the file at `path` is of a format older than this build's (written before an upgrade: its
/// session cannot come back, and no node of this build or a newer one reads it).
pub(super) fn is_outdated(path: &Path) -> bool {
    #[derive(Deserialize)]
    struct Format {
        format: u32,
    }
    read_capped(path)
        .and_then(|bytes| serde_json::from_slice::<Format>(&bytes).ok())
        .is_some_and(|f| f.format < FORMAT)
}

/// Whose the file at `path` is; `None` when there is no readable file.
pub(super) fn read_head(path: &Path) -> Option<Head> {
    serde_json::from_slice(&read_capped(path)?).ok()
}

/// Writes `bytes` to `path` whole: a private temporary file, fsynced, renamed over it.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = private_file(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    renamed
}

/// A new file only the server's user may read (0600 on unix).
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates folder `path` (and its parents) only the server's user may enter (0700 on unix); an existing
/// one is made so too.
pub(super) fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)?;
    #[cfg(unix)]
    fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// Whether `path` was last changed more than [`STALE_AFTER`] ago.
pub(super) fn is_stale(path: &Path) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_AFTER)
}
