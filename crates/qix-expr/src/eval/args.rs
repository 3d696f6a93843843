//! The evaluated arguments of one function call, as the function families take them: each argument is
//! taken out once (no clone), and an argument that is missing reads as `Null`.

use super::int;
use crate::dates::format::parse_date;
use crate::locale::Locale;
use crate::value::Value;

/// The evaluated arguments of one call.
pub(super) struct Args {
    values: Vec<Value>,
}

impl Args {
    pub(super) fn new(values: Vec<Value>) -> Self {
        Args { values }
    }

    /// How many arguments the call has.
    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    /// Argument `i`, taken out of the call (taking it again gives `Null`); `Null` when there is none.
    pub(super) fn take(&mut self, i: usize) -> Value {
        self.values
            .get_mut(i)
            .map_or(Value::Null, |v| std::mem::replace(v, Value::Null))
    }

    /// The text of argument `i`, if it has one.
    pub(super) fn text(&mut self, i: usize) -> Option<String> {
        self.take(i).text()
    }

    /// The number of argument `i`, if it has one.
    pub(super) fn num(&mut self, i: usize) -> Option<f64> {
        self.take(i).num()
    }

    /// The integer part of argument `i`'s number (saturating), if it has one.
    pub(super) fn int(&mut self, i: usize) -> Option<i64> {
        int(&self.take(i))
    }

    /// The integer part of argument `i`'s number, `default` when it is missing or has none.
    pub(super) fn int_or(&mut self, i: usize, default: i64) -> i64 {
        self.int(i).unwrap_or(default)
    }

    /// The text of argument `i`, `None` when it is missing, `Null` or empty.
    pub(super) fn text_opt(&mut self, i: usize) -> Option<String> {
        self.text(i).filter(|s| !s.is_empty())
    }

    /// Argument `i` as a date serial: its number, or a text read with the locale's date, timestamp or
    /// time format or as an ISO date (`YYYY-MM-DD[ hh:mm[:ss[.fff]]]`).
    pub(super) fn date(&mut self, i: usize, locale: &Locale) -> Option<f64> {
        date_of(&self.take(i), locale)
    }

    /// The arguments from `i` on, taken out.
    pub(super) fn rest(&mut self, i: usize) -> Vec<Value> {
        (i..self.len()).map(|k| self.take(k)).collect()
    }
}

/// A value as a date serial: its number, or its text read as a date (see [`Args::date`]).
pub(super) fn date_of(v: &Value, locale: &Locale) -> Option<f64> {
    if let Some(n) = v.num() {
        return Some(n);
    }
    let Value::Text(t) = v else {
        return None;
    };
    [
        locale.date_format.as_str(),
        locale.timestamp_format.as_str(),
        locale.time_format.as_str(),
        "YYYY-MM-DD",
        "YYYY-MM-DD hh:mm[:ss][.fff]",
        "YYYY-MM-DDThh:mm[:ss][.fff]",
    ]
    .iter()
    .find_map(|f| parse_date(t, f, locale))
}
