//! Resolving `lib://<connection>/<path>` to a file inside the connection's folder, refusing anything that
//! would leave it: `..`, absolute paths, and links that point outside.

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
    for c in rel_path.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            _ => {
                return Err(format!(
                    "path {path} is not allowed: it must stay inside its connection's folder"
                ))
            }
        }
    }
    if rel.is_empty() {
        return Err(format!("path {path} names no file"));
    }
    let full = root.join(rel_path);
    // A link inside the folder must not lead outside it.
    if let (Ok(real_root), Ok(real)) = (root.canonicalize(), full.canonicalize()) {
        if !real.starts_with(&real_root) {
            return Err(format!("path {path} leads outside its connection's folder"));
        }
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_inside_the_connection() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x").unwrap();
        let conn = |n: &str| (n == "data").then(|| dir.path().to_path_buf());
        assert_eq!(
            resolve("lib://data/a.csv", &conn, Path::new("/nowhere")).unwrap(),
            dir.path().join("a.csv")
        );
        for bad in [
            "lib://data/../etc/passwd",
            "lib://data//etc/passwd",
            "lib://other/a.csv",
            "../x",
            "/etc/passwd",
            "lib://data/",
        ] {
            assert!(resolve(bad, &conn, dir.path()).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", dir.path().join("out")).unwrap();
            assert!(resolve("lib://data/out/passwd", &conn, dir.path()).is_err());
        }
    }
}
