//! Resolving `lib://<connection>/<path>` to a file inside the connection's folder, refusing anything that
//! would leave it: `..`, absolute paths, and links (to files or folders) that point outside.
//!
//! Links are followed one component at a time and each real location is checked, so the path returned has
//! a real, checked prefix and, after it, only plain names that do not exist yet: creating those folders
//! (STORE into a new subfolder) cannot leave the connection either.

use std::path::{Component, Path, PathBuf};

/// Resolves `path` as written in a script. `connection` maps a connection name (`data`) to its folder;
/// paths without `lib://` are relative to `default_dir`.
pub fn resolve(
    path: &str,
    connection: &dyn Fn(&str) -> Option<PathBuf>,
    default_dir: &Path,
) -> Result<PathBuf, String> {
    let (root, rel) = match path.strip_prefix("lib://") {
        Some(rest) => {
            let (name, rel) = rest.split_once('/').unwrap_or((rest, ""));
            let root =
                connection(name).ok_or_else(|| format!("unknown connection '{name}' in {path}"))?;
            (root, rel.to_string())
        }
        None => (default_dir.to_path_buf(), path.to_string()),
    };
    let rel_path = Path::new(&rel);
    let mut names = Vec::new();
    for c in rel_path.components() {
        match c {
            Component::Normal(n) => names.push(n),
            Component::CurDir => {}
            _ => {
                return Err(format!(
                    "path {path} is not allowed: it must stay inside its connection's folder"
                ))
            }
        }
    }
    if names.is_empty() {
        return Err(format!("path {path} names no file"));
    }
    let real_root = root
        .canonicalize()
        .map_err(|e| format!("the folder of {path} cannot be opened: {e}"))?;
    let outside = || format!("path {path} leads outside its connection's folder");
    let mut real = real_root.clone();
    let mut missing = false;
    for name in names {
        let next = real.join(name);
        if missing {
            real = next;
            continue;
        }
        match std::fs::symlink_metadata(&next) {
            Ok(_) => {
                // Exists (a link is followed to where it really leads; a dangling link fails here).
                real = next.canonicalize().map_err(|_| outside())?;
                if !real.starts_with(&real_root) {
                    return Err(outside());
                }
            }
            Err(_) => {
                missing = true;
                real = next;
            }
        }
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_inside_the_connection() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x").unwrap();
        let real = dir.path().canonicalize().unwrap();
        let conn = |n: &str| (n == "data").then(|| dir.path().to_path_buf());
        assert_eq!(
            resolve("lib://data/a.csv", &conn, Path::new("/nowhere")).unwrap(),
            real.join("a.csv")
        );
        assert_eq!(
            resolve("lib://data/new/sub/b.qvd", &conn, Path::new("/nowhere")).unwrap(),
            real.join("new/sub/b.qvd")
        );
        for bad in [
            "lib://data/../etc/passwd",
            "lib://data//etc/passwd",
            "lib://data/x/../../etc/passwd",
            "lib://other/a.csv",
            "../x",
            "/etc/passwd",
            "lib://data/",
        ] {
            assert!(resolve(bad, &conn, dir.path()).is_err(), "{bad}");
        }
        // Encoded dots are names, not parents: they stay inside.
        assert_eq!(
            resolve("lib://data/%2e%2e/passwd", &conn, dir.path()).unwrap(),
            real.join("%2e%2e/passwd")
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_that_leave_the_folder_are_refused_for_reads_writes_and_new_folders() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "x").unwrap();
        let conn = |n: &str| (n == "data").then(|| dir.path().to_path_buf());
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap()
        };
        link(outside.path(), "out");
        link(&outside.path().join("secret.txt"), "file-link.txt");
        link(&outside.path().join("not-there.txt"), "dangling.txt");
        std::fs::create_dir(dir.path().join("in")).unwrap();
        link(&dir.path().join("in"), "inside-link");
        for bad in [
            "lib://data/out/secret.txt",       // read through a folder link
            "lib://data/out/new.qvd",          // write a new file through it
            "lib://data/out/new/folder/t.qvd", // create folders through it
            "lib://data/file-link.txt",        // a link to a file outside
            "lib://data/dangling.txt",         // a link to nothing, outside
        ] {
            assert!(resolve(bad, &conn, dir.path()).is_err(), "{bad}");
        }
        // A link that stays inside is fine.
        let ok = resolve("lib://data/inside-link/t.qvd", &conn, dir.path()).unwrap();
        assert_eq!(ok, dir.path().canonicalize().unwrap().join("in/t.qvd"));
    }
}
