//! Dollar-sign expansion: the text substitution Qlik makes before an expression is parsed.
//!
//! `$(name)` becomes the text of variable `name`, `$(=expr)` the value of `expr`; what goes in is
//! expanded first, so `$(v$(i))` and `$(=Max($(field)))` work. This module only finds the `$( ... )`
//! spans and splices in what the caller's resolver answers: the load script resolves names to its
//! `SET`/`LET` variables, the server to the app's variables, each evaluating `=` in its own way.
//!
//! Two forms are handled here, the same for every caller: parameters, `$(vFn(a, b))`, where `$1`, `$2`,
//! ... in the value of `vFn` become `a`, `b` (parameters beyond those given stay as written); and
//! `$(#v)`, the value of `v` as a plain number (`.` decimal point, no thousands separator) when it reads
//! as one.

/// Deepest nesting of `$()` inside `$()` (a variable that names itself stops here, not in a stack overflow).
pub const MAX_EXPANSION_DEPTH: usize = 20;

/// Most `$( ... )` one call of [`expand_dollars`] resolves, those in values that expand again included: a
/// few variables that each name the next many times would otherwise ask for billions.
pub const MAX_EXPANSIONS: usize = 100_000;

/// Longest text, in bytes beyond the length of the text expanded, that [`expand_dollars`] builds at any
/// level.
pub const MAX_EXPANDED_LEN: usize = 64 << 20;

/// Expands every `$( ... )` in `text`. `resolve` gets the (already expanded) text between the parentheses
/// — a name, or `=` and an expression — and answers what replaces the whole `$( ... )`.
///
/// Expansion is bounded: at most [`MAX_EXPANSION_DEPTH`] levels of `$()` in `$()`, [`MAX_EXPANSIONS`]
/// calls of `resolve` and [`MAX_EXPANDED_LEN`] bytes of growth; beyond them it is an error.
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
    let mut budget = Budget {
        resolves_left: MAX_EXPANSIONS,
        max_len: text.len().saturating_add(MAX_EXPANDED_LEN),
    };
    expand_at(text, resolve, 0, &mut budget)
}

/// What is left for one [`expand_dollars`] call.
struct Budget {
    resolves_left: usize,
    max_len: usize,
}

fn expand_at(
    text: &str,
    resolve: &mut dyn FnMut(&str) -> Result<String, String>,
    depth: usize,
    budget: &mut Budget,
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
        let inner = expand_at(&body[..end], resolve, depth + 1, budget)?;
        if budget.resolves_left == 0 {
            return Err(format!(
                "$() expansion needs more than {MAX_EXPANSIONS} expansions"
            ));
        }
        budget.resolves_left -= 1;
        let value = resolve_form(&inner, resolve)?;
        // What a variable holds may itself contain `$( ... )`.
        let value = expand_at(&value, resolve, depth + 1, budget)?;
        if out.len().saturating_add(value.len()) > budget.max_len {
            return Err(format!(
                "$() expansion makes a text longer than {} bytes",
                budget.max_len
            ));
        }
        out.push_str(&value);
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// What `$(inner)` stands for: a plain name or `=expr` through `resolve`; `name(args)` with its
/// parameters substituted; `#name` as a plain number.
fn resolve_form(
    inner: &str,
    resolve: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    let trimmed = inner.trim();
    if let Some(name) = trimmed.strip_prefix('#') {
        let value = resolve(name.trim())?;
        return Ok(match crate::value::parse_number(value.trim()) {
            Some(n) => crate::value::format_number(n),
            None => value,
        });
    }
    if let Some((name, args)) = call_form(trimmed) {
        let value = resolve(name)?;
        return Ok(substitute_params(&value, &args));
    }
    resolve(inner)
}

/// `name(a, b)` split into the name and its arguments (split at top-level commas, trimmed), when `text`
/// has that shape and is not an `=` expression.
fn call_form(text: &str) -> Option<(&str, Vec<&str>)> {
    if text.starts_with('=') || !text.ends_with(')') {
        return None;
    }
    let open = text.find('(')?;
    let name = text[..open].trim();
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '#' | '%' | '@' | '$'));
    if !plain {
        return None;
    }
    let body = &text[open + 1..text.len() - 1];
    let mut args = Vec::new();
    let (mut depth, mut start, mut quote) = (0usize, 0usize, None::<char>);
    for (k, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '[') => quote = Some(if c == '[' { ']' } else { c }),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                args.push(body[start..k].trim());
                start = k + 1;
            }
            _ => {}
        }
    }
    args.push(body[start..].trim());
    Some((name, args))
}

/// `$1`, `$2`, ... in `value` replaced by `args` (the highest numbers first, so `$1` does not eat the
/// start of `$10`).
fn substitute_params(value: &str, args: &[&str]) -> String {
    let mut out = value.to_string();
    for (i, a) in args.iter().enumerate().rev() {
        out = out.replace(&format!("${}", i + 1), a);
    }
    out
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
    fn fan_out_and_growth_are_bounded() {
        // Each variable names the next ten times: 10^12 expansions of nothing if nothing stopped it.
        let mut vars: Vec<(String, String)> = (0..12)
            .map(|k| (format!("v{k}"), format!("$(v{})", k + 1).repeat(10)))
            .collect();
        vars.push(("v12".into(), String::new()));
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let e = with(&refs, "$(v0)").unwrap_err();
        assert!(e.contains("more than 100000 expansions"), "{e}");
        // Each variable doubles the text of the next: 2^20 copies of a 100-byte text.
        let mut vars: Vec<(String, String)> = (0..20)
            .map(|k| (format!("d{k}"), format!("$(d{0})$(d{0})", k + 1)))
            .collect();
        vars.push(("d20".into(), "x".repeat(100)));
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let e = with(&refs, "$(d0)").unwrap_err();
        assert!(
            e.contains("more than 100000 expansions") || e.contains("longer than"),
            "{e}"
        );
        // A value of 40 MiB expanded twice is past the length bound.
        let big = "y".repeat(40 << 20);
        let e = with(&[("big", big.as_str())], "$(big)$(big)").unwrap_err();
        assert!(e.contains("longer than"), "{e}");
        assert_eq!(
            with(&[("big", big.as_str())], "$(big)").map(|s| s.len()),
            Ok(40 << 20)
        );
    }

    #[test]
    fn parameters_and_numbers() {
        let vars = [
            ("vMul", "$1 * $2"),
            ("vSales", "Sum({<Year={$1}>} Sales)"),
            ("vPi", "3.14"),
        ];
        assert_eq!(with(&vars, "$(vMul(2, 3))").unwrap(), "2 * 3");
        assert_eq!(
            with(&vars, "$(vMul(Max(a, b), 'x,y'))").unwrap(),
            "Max(a, b) * 'x,y'"
        );
        assert_eq!(
            with(&vars, "$(vSales(2020))").unwrap(),
            "Sum({<Year={2020}>} Sales)"
        );
        assert_eq!(
            with(&vars, "$(vMul(7))").unwrap(),
            "7 * $2",
            "missing ones stay"
        );
        assert_eq!(with(&vars, "$(#vPi)").unwrap(), "3.14");
        assert_eq!(
            with(&[], "$(=Sum(x))").unwrap(),
            "<Sum(x)>",
            "= stays an expression"
        );
    }

    #[test]
    fn self_reference_and_unterminated_are_errors() {
        assert!(with(&[("a", "$(a)")], "$(a)").is_err());
        assert!(with(&[], "Sum($(x)").is_ok());
        assert!(with(&[], "Sum($(x").is_err());
    }
}
