//! One data cell's facts — `qText`, `qNum`, `qElemNumber`, `qState` and a flag — and the two ways it goes
//! out: a JSON value ([`Cell::to_value`], what the renderer builds where a cell may get more keys:
//! attributes, mini charts) or JSON text written straight into a page ([`Cell::write`], see
//! [`super::page_text`]). Both are made from the same facts, so the two cannot say different things.
//! What a cell of each kind says (NULLs, Others, formatted measures) is decided here, once.

use qix_engine::hypercube::DimCell;
use qix_engine::ListRow;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// How a cell's `qNum` is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// A number, as `serde_json` writes an `f64` (one that is not finite is `null`).
    Number(f64),
    /// The string `"NaN"`: the cell has no number.
    NaN,
}

/// One cell of a data page.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<'a> {
    /// `qText`.
    pub text: Cow<'a, str>,
    /// `qNum`.
    pub num: Num,
    /// `qElemNumber`.
    pub elem: i64,
    /// `qState`: a state's letter.
    pub state: &'static str,
    /// A key written last as `true` when present: `qIsNull` or `qIsOtherCell`.
    pub flag: Option<&'static str>,
    /// `qFrequency` of a list cell, written as a string as the engine does.
    pub frequency: Option<usize>,
}

impl<'a> Cell<'a> {
    /// A dimension cell (a NULL is `-`, element -2, state `O`; an Others cell element -3).
    pub fn dim(d: &'a DimCell) -> Cell<'a> {
        if d.other {
            return Cell::flagged(Cow::Borrowed(&*d.text), -3, "O", "qIsOtherCell");
        }
        match d.symbol {
            Some(s) => Cell {
                text: Cow::Borrowed(&*d.text),
                num: d
                    .num
                    .filter(|x| x.is_finite())
                    .map_or(Num::NaN, Num::Number),
                elem: i64::from(s),
                state: d.state.letter(),
                flag: None,
                frequency: None,
            },
            None => Cell::flagged(Cow::Borrowed("-"), -2, "O", "qIsNull"),
        }
    }

    /// A measure cell (`qState` `L`) showing `formatted` (the value in a number format) when given, else
    /// its own text; a NULL is `-` with `qIsNull`, and a text that reads as a number (`Text(123)`) has no
    /// `qNum` of its own.
    pub fn measure(v: &qix_expr::Value, formatted: Option<String>) -> Cell<'static> {
        if v.is_null() && v.own_num().is_none() {
            let text = formatted.unwrap_or_else(|| "-".into());
            return Cell::flagged(Cow::Owned(text), 0, "L", "qIsNull");
        }
        Cell {
            text: Cow::Owned(formatted.or_else(|| v.text()).unwrap_or_default()),
            num: v.own_num().map_or(Num::NaN, Num::Number),
            elem: 0,
            state: "L",
            flag: None,
            frequency: None,
        }
    }

    /// A list object's cell.
    pub fn list(r: &'a ListRow) -> Cell<'a> {
        Cell {
            text: Cow::Borrowed(&r.text),
            num: r
                .num
                .filter(|x| x.is_finite())
                .map_or(Num::NaN, Num::Number),
            elem: i64::from(r.symbol),
            state: r.state.letter(),
            flag: None,
            frequency: r.frequency,
        }
    }

    fn flagged(text: Cow<'a, str>, elem: i64, state: &'static str, flag: &'static str) -> Cell<'a> {
        Cell {
            text,
            num: Num::NaN,
            elem,
            state,
            flag: Some(flag),
            frequency: None,
        }
    }

    /// The cell as a JSON object, keys in the engine's order.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(5);
        m.insert("qText".into(), Value::String(self.text.to_string()));
        let num = match self.num {
            Num::Number(n) => Value::from(n),
            Num::NaN => Value::from("NaN"),
        };
        m.insert("qNum".into(), num);
        m.insert("qElemNumber".into(), self.elem.into());
        m.insert("qState".into(), self.state.into());
        if let Some(flag) = self.flag {
            m.insert(flag.into(), true.into());
        }
        if let Some(n) = self.frequency {
            m.insert("qFrequency".into(), n.to_string().into());
        }
        Value::Object(m)
    }

    /// The cell as JSON text appended to `out`: exactly what writing [`Cell::to_value`] would give.
    pub fn write(&self, out: &mut Vec<u8>) {
        // Writing a string or a number to a vector cannot fail.
        out.extend_from_slice(br#"{"qText":"#);
        let _ = serde_json::to_writer(&mut *out, self.text.as_ref());
        out.extend_from_slice(br#","qNum":"#);
        match self.num {
            Num::Number(n) => {
                let _ = serde_json::to_writer(&mut *out, &n);
            }
            Num::NaN => out.extend_from_slice(br#""NaN""#),
        }
        out.extend_from_slice(br#","qElemNumber":"#);
        let _ = serde_json::to_writer(&mut *out, &self.elem);
        out.extend_from_slice(br#","qState":"#);
        let _ = serde_json::to_writer(&mut *out, self.state);
        if let Some(flag) = self.flag {
            out.push(b',');
            let _ = serde_json::to_writer(&mut *out, flag);
            out.extend_from_slice(b":true");
        }
        if let Some(n) = self.frequency {
            out.extend_from_slice(br#","qFrequency":"#);
            let _ = serde_json::to_writer(&mut *out, &n.to_string());
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_of_a_cell_is_its_value_written_out() {
        let cells = [
            Cell::measure(&qix_expr::Value::Num(1.5), None),
            Cell::measure(&qix_expr::Value::Num(f64::INFINITY), Some("∞ \"x\"".into())),
            Cell::measure(&qix_expr::Value::Null, None),
            Cell::measure(&qix_expr::Value::Dual("3 kg".into(), 3.0), None),
            Cell::measure(&qix_expr::Value::Text("a\nb".into()), None),
            Cell {
                frequency: Some(12),
                ..Cell::flagged(Cow::Borrowed("é\\"), -3, "XS", "qIsOtherCell")
            },
        ];
        for cell in cells {
            let mut out = Vec::new();
            cell.write(&mut out);
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text, cell.to_value().to_string(), "{cell:?}");
        }
    }
}
