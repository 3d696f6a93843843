//! Which folders a data connection may point to, and where each of an app's connections really is.
//!
//! A folder connection (`CreateConnection`, `qType: folder`) names a folder in its connection string. A
//! relative one is under `--data-dir`; an absolute one is honoured in desktop mode (the user's own
//! machine), and in server mode only inside `--data-dir` or a folder an admin allowed with
//! `--allow-folder`. Checks run on the real path, after links are followed, both when the connection is
//! made and each time a reload uses it (a link may have changed since); paths inside a connection are
//! checked by `qix_script::sources::path`.

use crate::config::{Config, Mode};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The folders connections may use.
#[derive(Debug, Clone)]
pub struct Folders {
    mode: Mode,
    data_dir: PathBuf,
    allowed: Vec<PathBuf>,
}

impl Folders {
    /// The folders the flags allow.
    pub fn new(config: &Config) -> Folders {
        Folders {
            mode: config.mode,
            data_dir: config.data_dir.clone(),
            allowed: config.allow_folders.clone(),
        }
    }

    /// `--data-dir`, the folder behind `lib://data/`.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The real folder a connection string names, or why it may not be used.
    pub fn connection_root(&self, connection_string: &str) -> Result<PathBuf, String> {
        let written = PathBuf::from(connection_string);
        let candidate = if written.is_absolute() {
            written
        } else {
            self.data_dir.join(connection_string)
        };
        let real = real_path(&candidate)
            .ok_or_else(|| format!("connection folder {connection_string} cannot be resolved"))?;
        let inside = |root: &Path| root.canonicalize().is_ok_and(|r| real.starts_with(r));
        let desktop_absolute =
            self.mode == Mode::Desktop && Path::new(connection_string).is_absolute();
        if desktop_absolute || inside(&self.data_dir) || self.allowed.iter().any(|a| inside(a)) {
            Ok(real)
        } else {
            Err(format!(
                "connection folder {connection_string} is outside the data folder and the allowed folders"
            ))
        }
    }

    /// The folder of connection `name` of an app with these connections: `data` is `--data-dir` unless the
    /// app defines its own. `None` when the app has no such connection or it may not be used (logged).
    pub fn connection(
        &self,
        connections: &BTreeMap<String, String>,
        name: &str,
    ) -> Option<PathBuf> {
        match connections.get(name) {
            Some(path) => match self.connection_root(path) {
                Ok(root) => Some(root),
                Err(e) => {
                    tracing::warn!(connection = name, error = %e, "connection refused");
                    None
                }
            },
            None => (name == "data").then(|| self.data_dir.clone()),
        }
    }
}

/// The real location of `path`: its longest existing prefix with links followed, then the rest, which
/// must be plain names (a `..` after a missing folder cannot be resolved safely, so it is refused).
fn real_path(path: &Path) -> Option<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while existing.symlink_metadata().is_err() {
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?.to_path_buf();
    }
    let mut real = existing.canonicalize().ok()?;
    for name in rest.iter().rev() {
        if Path::new(name)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return None;
        }
        real.push(name);
    }
    Some(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folders(mode: Mode, data: &Path, allowed: Vec<PathBuf>) -> Folders {
        Folders {
            mode,
            data_dir: data.to_path_buf(),
            allowed,
        }
    }

    #[test]
    fn connections_stay_in_the_data_folder_or_allowed_ones() {
        let data = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir(data.path().join("sub")).unwrap();
        let server = folders(Mode::Server, data.path(), vec![]);
        let real_data = data.path().canonicalize().unwrap();
        assert_eq!(
            server.connection_root("sub").unwrap(),
            real_data.join("sub")
        );
        assert!(server.connection_root("/").is_err());
        assert_eq!(
            server.connection_root("new-folder").unwrap(),
            real_data.join("new-folder")
        );
        for bad in [
            "../../../../etc",
            "sub/../../x",
            "/etc",
            "missing/../../etc",
        ] {
            assert!(server.connection_root(bad).is_err(), "{bad}");
        }
        let other_path = other.path().to_str().unwrap();
        assert!(server.connection_root(other_path).is_err());
        let allowing = folders(Mode::Server, data.path(), vec![other.path().to_path_buf()]);
        assert!(allowing.connection_root(other_path).is_ok());
        // Desktop mode: absolute folders are the user's own; relative ones still stay in the data folder.
        let desktop = folders(Mode::Desktop, data.path(), vec![]);
        assert!(desktop.connection_root(other_path).is_ok());
        assert!(desktop.connection_root("../../../../etc").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_data_folder_does_not_widen_it() {
        let data = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(other.path(), data.path().join("out")).unwrap();
        let server = folders(Mode::Server, data.path(), vec![]);
        assert!(server.connection_root("out").is_err());
        assert!(server.connection_root("out/deeper").is_err());
        let mut conns = BTreeMap::new();
        conns.insert("x".to_string(), "out".to_string());
        assert_eq!(server.connection(&conns, "x"), None);
        assert_eq!(
            server.connection(&conns, "data"),
            Some(data.path().to_path_buf())
        );
    }
}
