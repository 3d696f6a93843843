//! File names with wildcards (`*`, `?` in the last part of a path): `LOAD ... FROM
//! [lib://data/sales_*.csv]` loads each matching file in name order (each a LOAD of its own, so files
//! with the same fields concatenate), `FOR EACH f IN FileList('lib://data/*.csv')` / `DirList(...)`
//! loop over the files or folders; and the file functions (`FileName()`, `FileBaseName()`,
//! `FilePath()`, `FileDir()`, `FileExtension()`, `FileSize()`, `FileTime()`) that describe the file a
//! LOAD reads, or the file they name. Every path goes through the same `lib://` resolution that
//! refuses to leave a connection's folder.

use super::Exec;
use crate::ast::{Load, Source};
use crate::error::ScriptError;
use crate::sources::path;
use qix_expr::Value;
use std::path::PathBuf;

/// The file a LOAD reads: its path as the script names it and where it really is.
#[derive(Debug, Clone)]
pub(super) struct CurrentFile {
    pub(super) written: String,
    pub(super) real: PathBuf,
}

/// Whether a path has wildcards.
pub(super) fn has_wildcards(p: &str) -> bool {
    p.contains('*') || p.contains('?')
}

/// Whether `name` matches `pattern` (`*`: any run of characters, `?`: one character), ignoring case.
pub(super) fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        match p.get(i) {
            Some('*') => {
                star = Some((i, j));
                i += 1;
            }
            Some(c) if *c == '?' || *c == n[j] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((si, sj)) => {
                    i = si + 1;
                    j = sj + 1;
                    star = Some((si, sj + 1));
                }
                None => return false,
            },
        }
    }
    p[i.min(p.len())..].iter().all(|c| *c == '*')
}

impl Exec<'_> {
    /// The files (or, with `dirs`, the folders) `pattern` names, as the script would write them, in
    /// name order. The wildcards may only be in the last part of the path.
    pub(super) fn list_files(&self, pattern: &str, dirs: bool) -> Result<Vec<String>, String> {
        let (dir, name) = match pattern.rsplit_once('/') {
            Some((d, n)) => (Some(d), n),
            None => (None, pattern),
        };
        if dir.is_some_and(has_wildcards) {
            return Err(format!(
                "{pattern}: wildcards are allowed in the last part of a path only"
            ));
        }
        let folder = match dir {
            Some(d) => match d.strip_prefix("lib://").filter(|c| !c.contains('/')) {
                Some(conn) => (self.env.connection)(conn)
                    .ok_or_else(|| format!("unknown connection '{conn}' in {pattern}"))?,
                None => path::resolve(d, self.env.connection, &self.env.default_dir)?,
            },
            None => self.env.default_dir.clone(),
        };
        let entries = std::fs::read_dir(&folder)
            .map_err(|e| format!("the folder of {pattern} cannot be read: {e}"))?;
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let Some(file) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if !matches(name, &file) {
                continue;
            }
            let written = match dir {
                Some(d) => format!("{d}/{file}"),
                None => file,
            };
            // Each match is resolved like any path: a link that leaves the folder is left out.
            let Ok(real) = path::resolve(&written, self.env.connection, &self.env.default_dir)
            else {
                continue;
            };
            if real.is_dir() == dirs {
                out.push(written);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Runs a LOAD chain (top first) whose bottom reads a file: once per file its name's wildcards
    /// match, or once; the file functions describe the file while it runs.
    pub(super) fn load_files(&mut self, mut chain: Vec<(Load, usize)>) -> Result<(), ScriptError> {
        let Some((Source::File { path: p, .. }, bi)) =
            chain.last().map(|(l, bi)| (l.source.clone(), *bi))
        else {
            return self.load(chain);
        };
        let files = if has_wildcards(&p) {
            let files = self.list_files(&p, false).map_err(|m| self.err(bi, &m))?;
            if files.is_empty() {
                return Err(self.err(bi, &format!("no file matches {p}")));
            }
            files
        } else {
            vec![p]
        };
        for file in files {
            if let Some((
                Load {
                    source: Source::File { path, .. },
                    ..
                },
                _,
            )) = chain.last_mut()
            {
                path.clone_from(&file);
            }
            // The file functions (`FileName()`, ...) answer about this file while its LOAD runs.
            self.current_file = self.resolve_path(bi, &file).ok().map(|real| CurrentFile {
                written: file.clone(),
                real,
            });
            let result = self.load(chain.clone());
            self.current_file = None;
            result?;
        }
        Ok(())
    }

    /// The file functions: about the file a LOAD reads, or (`FileSize`, `FileTime` with an argument)
    /// the file the argument names. NULL outside a LOAD from a file, or for a file that cannot be
    /// read.
    pub(super) fn file_function(&mut self, name: &str, args: &[Value]) -> Value {
        let named = args.first().and_then(Value::text);
        let file = match &named {
            Some(p) => path::resolve(p, self.env.connection, &self.env.default_dir)
                .ok()
                .map(|real| CurrentFile {
                    written: p.clone(),
                    real,
                }),
            None => self.current_file.clone(),
        };
        let Some(file) = file else {
            return Value::Null;
        };
        let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::Text(s.to_string()));
        let written = std::path::Path::new(&file.written);
        match name {
            "FileName" => text(written.file_name().and_then(|s| s.to_str())),
            "FileBaseName" => text(written.file_stem().and_then(|s| s.to_str())),
            "FileExtension" => text(Some(
                written.extension().and_then(|s| s.to_str()).unwrap_or(""),
            )),
            "FilePath" => Value::Text(file.written.clone()),
            "FileDir" => text(file.written.rsplit_once('/').map(|(d, _)| d)),
            "FileSize" => {
                std::fs::metadata(&file.real).map_or(Value::Null, |m| Value::Num(m.len() as f64))
            }
            "FileTime" => self.file_time(&file.real),
            _ => Value::Null,
        }
    }

    /// The time file `real` was last changed, as a timestamp (UTC).
    fn file_time(&mut self, real: &std::path::Path) -> Value {
        let Some(secs) = std::fs::metadata(real)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        else {
            return Value::Null;
        };
        // Days since 1899-12-30, Qlik's serial.
        let serial = secs.as_secs_f64() / 86_400.0 + 25_569.0;
        match qix_expr::parse(&format!("Timestamp({serial})")) {
            Ok(e) => self.eval_norow(&e),
            Err(_) => Value::Num(serial),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards_match_names() {
        assert!(matches("sales_*.csv", "sales_2024.csv"));
        assert!(matches("SALES_*.CSV", "sales_.csv"));
        assert!(matches("s?l*", "sale"));
        assert!(matches("*", "x"));
        assert!(matches("*a*b", "xxaxxb"));
        assert!(!matches("sales_*.csv", "sales_2024.txt"));
        assert!(!matches("s?", "s"));
        assert!(!matches("a*b", "acbd"));
    }
}
