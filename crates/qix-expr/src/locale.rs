//! The number and date settings formatting and interpretation follow: what the load script's
//! `SET DateFormat`, `ThousandSep`, `MonthNames`, `FirstWeekDay` ... variables say.

/// The number interpretation variables of an app, as one value.
///
/// [`Locale::default`] is what Qlik writes at the top of a new en-US app's script (`M/D/YYYY`, `,` and
/// `.`, weeks starting on Sunday and broken at the new year). A script changes it with `SET` / `LET`
/// of the variables in [`Locale::VARIABLES`] ([`Locale::set`]); the evaluator reads it from
/// [`crate::Scope::locale`].
#[derive(Debug, Clone, PartialEq)]
pub struct Locale {
    /// `ThousandSep`: the digit-group separator of `Num` and `Num#`.
    pub thousand_sep: String,
    /// `DecimalSep`: the decimal separator of `Num` and `Num#`.
    pub decimal_sep: String,
    /// `MoneyThousandSep`: the digit-group separator of `Money` and `Money#`.
    pub money_thousand_sep: String,
    /// `MoneyDecimalSep`: the decimal separator of `Money` and `Money#`.
    pub money_decimal_sep: String,
    /// `MoneyFormat`: the format `Money` uses when none is given.
    pub money_format: String,
    /// `TimeFormat`: the format of `Time`, `MakeTime` and `Interval` when none is given.
    pub time_format: String,
    /// `DateFormat`: the format of dates (`Date`, `MakeDate`, `MonthStart`, ...) when none is given.
    pub date_format: String,
    /// `TimestampFormat`: the format of `Timestamp`, `Now` and the period ends.
    pub timestamp_format: String,
    /// `MonthNames`: twelve short month names (`MMM`).
    pub month_names: Vec<String>,
    /// `LongMonthNames`: twelve long month names (`MMMM`).
    pub long_month_names: Vec<String>,
    /// `DayNames`: seven short day names, Monday first (`WWW`).
    pub day_names: Vec<String>,
    /// `LongDayNames`: seven long day names, Monday first (`WWWW`).
    pub long_day_names: Vec<String>,
    /// `FirstWeekDay`: the day weeks start on, 0 for Monday to 6 for Sunday.
    pub first_week_day: u8,
    /// `BrokenWeeks`: week 1 starts on January 1 (true) or is the first whole week holding
    /// [`Locale::reference_day`] (false).
    pub broken_weeks: bool,
    /// `ReferenceDay`: the day of January (1 to 7) that week 1 always holds when weeks are not broken;
    /// 0 (and anything outside 1 to 7) means 4, as in ISO 8601.
    pub reference_day: u8,
    /// `FirstMonthOfYear`: the month (1 to 12) a fiscal year starts in.
    pub first_month_of_year: u8,
}

fn names(list: &str) -> Vec<String> {
    list.split(';').map(str::to_string).collect()
}

impl Default for Locale {
    fn default() -> Locale {
        Locale {
            thousand_sep: ",".into(),
            decimal_sep: ".".into(),
            money_thousand_sep: ",".into(),
            money_decimal_sep: ".".into(),
            money_format: "$ ###0.00;-$ ###0.00".into(),
            time_format: "h:mm:ss TT".into(),
            date_format: "M/D/YYYY".into(),
            timestamp_format: "M/D/YYYY h:mm:ss[.fff] TT".into(),
            month_names: names("Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec"),
            long_month_names: names(
                "January;February;March;April;May;June;July;August;September;October;November;December",
            ),
            day_names: names("Mon;Tue;Wed;Thu;Fri;Sat;Sun"),
            long_day_names: names("Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday"),
            first_week_day: 6,
            broken_weeks: true,
            reference_day: 0,
            first_month_of_year: 1,
        }
    }
}

impl Locale {
    /// The script variables that set a field of the locale, as Qlik spells them.
    pub const VARIABLES: [&'static str; 16] = [
        "ThousandSep",
        "DecimalSep",
        "MoneyThousandSep",
        "MoneyDecimalSep",
        "MoneyFormat",
        "TimeFormat",
        "DateFormat",
        "TimestampFormat",
        "MonthNames",
        "LongMonthNames",
        "DayNames",
        "LongDayNames",
        "FirstWeekDay",
        "BrokenWeeks",
        "ReferenceDay",
        "FirstMonthOfYear",
    ];

    /// Whether `variable` is one of [`Locale::VARIABLES`].
    pub fn is_variable(variable: &str) -> bool {
        Locale::VARIABLES.contains(&variable)
    }

    /// Applies the script variable `variable` set to `value`; other variables are ignored. A name list
    /// with the wrong number of names, or a number out of range, leaves the setting as it was.
    pub fn set(&mut self, variable: &str, value: &str) {
        let list = |n: usize| Some(names(value)).filter(|v| v.len() == n);
        let small = |max: u8| value.trim().parse::<u8>().ok().filter(|&v| v <= max);
        match variable {
            "ThousandSep" => self.thousand_sep = value.into(),
            "DecimalSep" => self.decimal_sep = value.into(),
            "MoneyThousandSep" => self.money_thousand_sep = value.into(),
            "MoneyDecimalSep" => self.money_decimal_sep = value.into(),
            "MoneyFormat" => self.money_format = value.into(),
            "TimeFormat" => self.time_format = value.into(),
            "DateFormat" => self.date_format = value.into(),
            "TimestampFormat" => self.timestamp_format = value.into(),
            "MonthNames" => set_some(&mut self.month_names, list(12)),
            "LongMonthNames" => set_some(&mut self.long_month_names, list(12)),
            "DayNames" => set_some(&mut self.day_names, list(7)),
            "LongDayNames" => set_some(&mut self.long_day_names, list(7)),
            "FirstWeekDay" => set_some(&mut self.first_week_day, small(6)),
            "BrokenWeeks" => set_some(&mut self.broken_weeks, small(1).map(|v| v == 1)),
            "ReferenceDay" => set_some(&mut self.reference_day, small(7)),
            "FirstMonthOfYear" => {
                set_some(&mut self.first_month_of_year, small(12).filter(|&m| m >= 1))
            }
            _ => {}
        }
    }

    /// The default locale with each of [`Locale::VARIABLES`] that `lookup` has applied.
    pub fn from_variables<'v>(lookup: impl Fn(&str) -> Option<&'v str>) -> Locale {
        let mut locale = Locale::default();
        for name in Locale::VARIABLES {
            if let Some(value) = lookup(name) {
                locale.set(name, value);
            }
        }
        locale
    }

    /// The reference day week 1 holds when weeks are not broken (1 to 7).
    pub fn effective_reference_day(&self) -> u8 {
        reference_day(i64::from(self.reference_day))
    }
}

/// A `ReferenceDay` value as used: 1 to 7 as given, anything else 4.
pub(crate) fn reference_day(v: i64) -> u8 {
    u8::try_from(v)
        .ok()
        .filter(|d| (1..=7).contains(d))
        .unwrap_or(4)
}

fn set_some<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_change_their_field_and_bad_values_are_ignored() {
        let mut l = Locale::default();
        l.set("DateFormat", "YYYY-MM-DD");
        l.set("DayNames", "Mo;Tu;We;Th;Fr;Sa;Su");
        l.set("MonthNames", "only;three;names");
        l.set("FirstWeekDay", "0");
        l.set("BrokenWeeks", "0");
        l.set("ReferenceDay", "9");
        l.set("Unrelated", "x");
        assert_eq!(l.date_format, "YYYY-MM-DD");
        assert_eq!(l.day_names[6], "Su");
        assert_eq!(l.month_names[0], "Jan", "a list of 3 names is ignored");
        assert_eq!(l.first_week_day, 0);
        assert!(!l.broken_weeks);
        assert_eq!(l.reference_day, 0, "9 is out of range");
        assert_eq!(l.effective_reference_day(), 4);
        let from = Locale::from_variables(|n| (n == "DecimalSep").then_some(","));
        assert_eq!(from.decimal_sep, ",");
        assert_eq!(from.thousand_sep, ",");
    }
}
