//! `AutoNumber(value, AutoID)`, `AutoNumberHash128(values...)` and `AutoNumberHash256(values...)`:
//! 1, 2, 3, ... for each distinct value (or combination of values) in the order the script meets
//! them, one counter per AutoID (`AutoNumber` without one shares the counter named `''`; the two hash
//! forms have a counter each).

use crate::exec::cells::{cell_key, to_cell};
use crate::exec::Exec;
use qix_expr::Value;

/// The counters of `AutoNumberHash128` and `AutoNumberHash256`, apart from any AutoID a script names.
const HASH128: &str = "\u{0}AutoNumberHash128";
const HASH256: &str = "\u{0}AutoNumberHash256";

impl Exec<'_> {
    /// `AutoNumber`, `AutoNumberHash128` or `AutoNumberHash256` (`name`).
    pub(super) fn autonumber(&mut self, name: &str, args: &[Value]) -> Value {
        let (counter, key) = match name {
            "AutoNumber" => {
                let Some(v) = args.first().filter(|v| !v.is_null()) else {
                    return Value::Null;
                };
                let id = args.get(1).and_then(Value::text).unwrap_or_default();
                (id, cell_key(&to_cell(v.clone())))
            }
            _ => {
                let texts: Vec<String> =
                    args.iter().map(|v| v.text().unwrap_or_default()).collect();
                let counter = if name == "AutoNumberHash128" {
                    HASH128
                } else {
                    HASH256
                };
                (counter.to_string(), texts.join("\u{1f}"))
            }
        };
        let numbers = self.autonumbers.entry(counter).or_default();
        let next = numbers.len() + 1;
        let n = *numbers.entry(key).or_insert(next);
        Value::Num(n as f64)
    }
}
