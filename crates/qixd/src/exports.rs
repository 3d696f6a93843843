//! Files `ExportData` made, kept in memory until their user downloads them at `/tempcontent/<id>/<name>`
//! or they expire: Qlik's exported files are temporary and only for the user who asked.
//!
//! Bounded: entries live [`TTL`], and past [`MAX_BYTES`] in all the oldest go first, so exports cannot
//! grow the server without end.

use crate::auth::UserId;
use crate::sync::Recover;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an export waits for its download.
pub const TTL: Duration = Duration::from_secs(10 * 60);

/// Most bytes all exports may hold together.
pub const MAX_BYTES: usize = 512 << 20;

/// One exported file.
#[derive(Debug, Clone)]
pub struct Export {
    /// Who may download it.
    pub owner: UserId,
    /// The file name it downloads as.
    pub name: String,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Served once, then gone (`qServeOnce`).
    pub once: bool,
    created: Instant,
}

/// The exports waiting for their download.
#[derive(Debug, Default)]
pub struct Exports {
    files: Mutex<HashMap<String, Export>>,
}

impl Exports {
    /// Keeps a file for `owner`; answers its id.
    pub fn put(
        &self,
        owner: UserId,
        name: String,
        content_type: &'static str,
        bytes: Vec<u8>,
        once: bool,
    ) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let mut files = self.lock();
        Self::expire(&mut files, bytes.len());
        files.insert(
            id.clone(),
            Export {
                owner,
                name,
                content_type,
                bytes,
                once,
                created: Instant::now(),
            },
        );
        id
    }

    /// The file `id` for `user`: `None` when there is none, it expired, or it is someone else's.
    pub fn get(&self, id: &str, user: &UserId) -> Option<Export> {
        let mut files = self.lock();
        Self::expire(&mut files, 0);
        let found = files.get(id).filter(|e| e.owner == *user)?;
        // Served once: taken out, not copied.
        if found.once {
            files.remove(id)
        } else {
            Some(found.clone())
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Export>> {
        self.files.lock().recover()
    }

    /// Drops expired files, then the oldest while `incoming` more bytes would pass [`MAX_BYTES`].
    fn expire(files: &mut HashMap<String, Export>, incoming: usize) {
        files.retain(|_, e| e.created.elapsed() < TTL);
        let mut held: usize = files.values().map(|e| e.bytes.len()).sum();
        while held + incoming > MAX_BYTES {
            let Some(oldest) = files
                .iter()
                .min_by_key(|(_, e)| e.created)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            held -= files.remove(&oldest).map_or(0, |e| e.bytes.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_gets_a_file_and_serve_once_serves_once() {
        let me = UserId::personal();
        let other = UserId {
            directory: "D".into(),
            id: "other".into(),
        };
        let exports = Exports::default();
        let id = exports.put(me.clone(), "a.csv".into(), "text/csv", b"x".to_vec(), true);
        assert!(exports.get(&id, &other).is_none());
        assert_eq!(exports.get(&id, &me).map(|e| e.bytes), Some(b"x".to_vec()));
        assert!(exports.get(&id, &me).is_none(), "served once");
        let kept = exports.put(me.clone(), "b.csv".into(), "text/csv", vec![0; 8], false);
        assert!(exports.get(&kept, &me).is_some());
        assert!(exports.get(&kept, &me).is_some());
    }
}
