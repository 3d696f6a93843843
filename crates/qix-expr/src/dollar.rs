//! Dollar-sign expansion: the text substitution Qlik makes before an expression is parsed.
//!
//! `$(name)` becomes the text of variable `name`, `$(=expr)` the value of `expr`; what goes in is
//! expanded first, so `$(v$(i))` and `$(=Max($(field)))` work. This module only finds the `$( ... )`
//! spans and splices in what the caller's resolver answers: the load script resolves names to its
//! `SET`/`LET` variables, the server to the app's variables, each evaluating `=` in its own way.

/// Deepest nesting of `$()` inside `$()` (a variable that names itself stops here, not in a stack overflow).
pub const MAX_EXPANSION_DEPTH: usize = 20;

/// Expands every `$( ... )` in `text`. `resolve` gets the (already expanded) text between the parentheses
/// — a name, or `=` and an expression — and answers what replaces the whole `$( ... )`.
///
/// ```
/// let vars = |s: &str| -> Result<String, String> {
///     Ok(match s { "v" => "Sum(Amount)".into(), "i" => "1".into(), "f1" => "Region".into(), _ => String::new() })
/// };
/// assert_eq!(qix_expr::expand_dollars("$(v) by $(f$(i))", &mut |s| vars(s)).unwrap(), "Sum(Amount) by Region");
/// assert!(qix_expr::expand_dollars("$(v", &mut |s| vars(s)).is_err());
/// ```
pub fn expand_dollars(
    text: &str,
    resolve: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    expand_at(text, resolve, 0)
}

fn expand_at(
    text: &str,
    resolve: &mut dyn FnMut(&str) -> Result<String, String>,
    depth: usize,
) -> Result<String, String> {
    if !text.contains("$(") {
        return Ok(text.to_string());
    }
    if depth > MAX_EXPANSION_DEPTH {
        return Err("$() expansion nests too deeply".into());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("$(") {
        out.push_str(&rest[..p]);
        let body = &rest[p + 2..];
        let end = closing_paren(body).ok_or("unterminated $(")?;
        let inner = expand_at(&body[..end], resolve, depth + 1)?;
        let value = resolve(&inner)?;
        // What a variable holds may itself contain `$( ... )`.
        out.push_str(&expand_at(&value, resolve, depth + 1)?);
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `)` that closes a `$(` whose body starts `body`.
fn closing_paren(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (k, c) in body.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(k),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)], text: &str) -> Result<String, String> {
        let map: std::collections::HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        expand_dollars(text, &mut |s| {
            Ok(match s.strip_prefix('=') {
                Some(e) => format!("<{e}>"),
                None => map.get(s.trim()).cloned().unwrap_or_default(),
            })
        })
    }

    #[test]
    fn names_expressions_nesting_and_values_that_expand_again() {
        assert_eq!(with(&[("a", "1")], "x $(a) y").unwrap(), "x 1 y");
        assert_eq!(with(&[], "$(=Max(F))").unwrap(), "<Max(F)>");
        assert_eq!(
            with(&[("i", "2"), ("v2", "two")], "$(v$(i))").unwrap(),
            "two"
        );
        assert_eq!(
            with(&[("a", "$(b)+1"), ("b", "41")], "$(a)").unwrap(),
            "41+1"
        );
        assert_eq!(with(&[], "no dollars (here)").unwrap(), "no dollars (here)");
        assert_eq!(
            with(&[], "$(missing)!").unwrap(),
            "!",
            "unknown names expand to nothing"
        );
    }

    #[test]
    fn self_reference_and_unterminated_are_errors() {
        assert!(with(&[("a", "$(a)")], "$(a)").is_err());
        assert!(with(&[], "Sum($(x)").is_ok());
        assert!(with(&[], "Sum($(x").is_err());
    }
}
