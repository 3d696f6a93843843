//! Rust names for QIX names: `qHyperCubeDef` → `hyper_cube_def`, `GetHyperCubeData` → `get_hyper_cube_data`,
//! `NX_SORT_INDICATE_ASC` → `NxSortIndicateAsc`, and doc comments that rustdoc will not run as tests.

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// `camelCase` / `PascalCase` → `snake_case` (runs of capitals stay one word: `qNxID` → `nx_id`).
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// A field or parameter name: the `q` prefix dropped (`qText` → `text`, `qcx` → `cx`, `qnRows` →
/// `n_rows`), keywords made raw.
pub fn member(name: &str) -> String {
    let stripped = match name.strip_prefix('q') {
        Some(rest) if !rest.is_empty() => rest,
        _ => name,
    };
    ident(&snake(stripped))
}

/// A keyword-safe identifier.
pub fn ident(name: &str) -> String {
    match name {
        "self" | "super" | "crate" | "Self" => format!("{name}_"),
        n if n.starts_with(|c: char| c.is_ascii_digit()) => format!("n{n}"),
        n if KEYWORDS.contains(&n) => format!("r#{n}"),
        n => n.to_string(),
    }
}

/// An enum variant from a wire title: `NX_SORT_INDICATE_ASC` → `NxSortIndicateAsc`, `A` → `A`.
pub fn variant(title: &str) -> String {
    let words: Vec<String> =
        if title.contains('_') || title.chars().all(|c| !c.is_ascii_lowercase()) {
            title
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let lower = w.to_ascii_lowercase();
                    let mut cs = lower.chars();
                    match cs.next() {
                        Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                        None => String::new(),
                    }
                })
                .collect()
        } else {
            let mut cs = title.chars();
            vec![match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }]
        };
    let v = words.concat();
    if v.starts_with(|c: char| c.is_ascii_digit()) || v.is_empty() {
        format!("V{v}")
    } else {
        v
    }
}

/// `///` lines for a spec description. Code fences become `text` blocks and indentation is dropped, so
/// rustdoc never tries to compile a spec example as a doctest.
pub fn doc(out: &mut String, indent: &str, text: &str) {
    let mut in_fence = false;
    for line in text.trim().lines() {
        let line = line.trim();
        let line = if line.starts_with("```") {
            in_fence = !in_fence;
            if in_fence {
                "```text"
            } else {
                "```"
            }
        } else {
            line
        };
        if line.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {line}\n"));
        }
    }
    if in_fence {
        out.push_str(&format!("{indent}/// ```\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(member("qHyperCubeDef"), "hyper_cube_def");
        assert_eq!(member("qType"), "r#type");
        assert_eq!(member("qcx"), "cx");
        assert_eq!(member("qnRows"), "n_rows");
        assert_eq!(member("q"), "q");
        assert_eq!(member("qNxID"), "nx_id");
        assert_eq!(member("qSelf"), "self_");
        assert_eq!(snake("GetHyperCubeData"), "get_hyper_cube_data");
        assert_eq!(snake("GetDatabaseOwners"), "get_database_owners");
        assert_eq!(snake("ABCDef"), "abc_def");
        assert_eq!(variant("NX_SORT_INDICATE_ASC"), "NxSortIndicateAsc");
        assert_eq!(variant("A"), "A");
        assert_eq!(variant("dense"), "Dense");
        assert_eq!(variant("LOCERR_GENERIC_OK"), "LocerrGenericOk");
    }

    #[test]
    fn docs_never_become_doctests() {
        let mut out = String::new();
        doc(
            &mut out,
            "",
            "Example:\n```\n    { \"a\": 1 }\n```\n    indented",
        );
        assert_eq!(
            out,
            "/// Example:\n/// ```text\n/// { \"a\": 1 }\n/// ```\n/// indented\n"
        );
    }
}
