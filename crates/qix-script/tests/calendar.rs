//! A standard master-calendar script, and the number and date variables a script sets.

mod common;

use qix_engine::DataModel;
use qix_script::LoadOutput;

fn run(script: &str) -> LoadOutput {
    common::reload_plain(script).unwrap_or_else(|e| panic!("{e}"))
}

fn texts(m: &DataModel, table: &str, field: &str) -> Vec<String> {
    common::cells(m, table, field)
        .into_iter()
        .map(|d| d.map(|d| d.text).unwrap_or_default())
        .collect()
}

fn nums(m: &DataModel, table: &str, field: &str) -> Vec<f64> {
    common::cells(m, table, field)
        .into_iter()
        .map(|d| d.and_then(|d| d.num).unwrap_or(f64::NAN))
        .collect()
}

const CALENDAR: &str = r#"
SET DateFormat='M/D/YYYY';
SET FirstWeekDay=0;
SET BrokenWeeks=0;
SET ReferenceDay=4;
LET vMin = Num(MakeDate(2023, 12, 25));
LET vMax = Num(MakeDate(2024, 1, 8));
LET vToday = Num(Date#('2024-01-03', 'YYYY-MM-DD'));

MasterCalendar:
LOAD
    TempDate AS Date,
    Year(TempDate) AS Year,
    Month(TempDate) AS Month,
    MonthStart(TempDate) AS MonthStart,
    Week(TempDate) AS Week,
    WeekDay(TempDate) AS WeekDay,
    'Q' & Ceil(Month(TempDate) / 3) AS Quarter,
    InYearToDate(TempDate, $(vToday), 0) AS YTD,
    InYearToDate(TempDate, Today(), 0) AS YTDNow;
LOAD Date($(vMin) + IterNo() - 1) AS TempDate
AUTOGENERATE 1
WHILE $(vMin) + IterNo() - 1 <= $(vMax);
"#;

#[test]
fn a_master_calendar_reloads_with_the_right_values() {
    let out = run(CALENDAR);
    let m = &out.model;
    let dates = texts(m, "MasterCalendar", "Date");
    assert_eq!(dates.len(), 15);
    assert_eq!(dates.first().map(String::as_str), Some("12/25/2023"));
    assert_eq!(dates.last().map(String::as_str), Some("1/8/2024"));
    assert_eq!(
        nums(m, "MasterCalendar", "Date").first().copied(),
        Some(45_285.0),
        "dates are duals"
    );
    let years = nums(m, "MasterCalendar", "Year");
    assert_eq!(years.iter().filter(|&&y| y == 2023.0).count(), 7);
    assert_eq!(years.iter().filter(|&&y| y == 2024.0).count(), 8);
    let months = texts(m, "MasterCalendar", "Month");
    assert_eq!((months[0].as_str(), months[7].as_str()), ("Dec", "Jan"));
    assert_eq!(nums(m, "MasterCalendar", "Month")[7], 1.0);
    let starts = texts(m, "MasterCalendar", "MonthStart");
    assert_eq!(
        (starts[0].as_str(), starts[14].as_str()),
        ("12/1/2023", "1/1/2024")
    );
    // ISO weeks (the script sets them): Dec 25-31 is week 52, Jan 1-7 week 1, Jan 8 week 2.
    let weeks = nums(m, "MasterCalendar", "Week");
    assert_eq!(
        (weeks[0], weeks[6], weeks[7], weeks[14]),
        (52.0, 52.0, 1.0, 2.0)
    );
    let weekdays = texts(m, "MasterCalendar", "WeekDay");
    assert_eq!((weekdays[0].as_str(), weekdays[6].as_str()), ("Mon", "Sun"));
    assert_eq!(nums(m, "MasterCalendar", "WeekDay")[6], 6.0, "Monday first");
    let quarters = texts(m, "MasterCalendar", "Quarter");
    assert_eq!((quarters[0].as_str(), quarters[14].as_str()), ("Q4", "Q1"));
    // Year to date up to 1/3/2024: January 1 to 3.
    let ytd = nums(m, "MasterCalendar", "YTD");
    let in_ytd: Vec<usize> = (0..ytd.len()).filter(|&i| ytd[i] == -1.0).collect();
    assert_eq!(in_ytd, [7, 8, 9]);
    assert!(ytd.iter().all(|&v| v == 0.0 || v == -1.0));
    // Today is after 2024: the whole of these dates' years is not this year to date.
    assert!(nums(m, "MasterCalendar", "YTDNow")
        .iter()
        .all(|&v| v == 0.0));
}

#[test]
fn the_number_and_date_variables_apply_to_the_statements_after_them() {
    let out = run(r#"
        A: LOAD Date(MakeDate(2024, 3, 5)) AS D, Num(1234.5, '#,##0.00') AS N, Money(1234.5) AS M,
                Week(MakeDate(2021, 1, 3)) AS W
           AUTOGENERATE 1;
        SET DateFormat='DD.MM.YYYY';
        SET DecimalSep=',';
        SET ThousandSep='.';
        SET MoneyDecimalSep=',';
        SET MoneyThousandSep='.';
        SET MoneyFormat='#.##0,00 €';
        SET MonthNames='Jan;Feb;Mär;Apr;Mai;Jun;Jul;Aug;Sep;Okt;Nov;Dez';
        SET FirstWeekDay=0;
        SET BrokenWeeks=0;
        SET ReferenceDay=4;
        B: LOAD Date(MakeDate(2024, 3, 5)) AS D2, Num(1234.5, '#.##0,00') AS N2, Money(1234.5) AS M2,
                Num#('1.234,5') AS R2, Date#('05.03.2024') AS I2, Month(MakeDate(2024, 3, 5)) AS Mo2,
                Week(MakeDate(2021, 1, 3)) AS W2
           AUTOGENERATE 1;
        LET vText = Text(123);
        LET vDate = Date(MakeDate(2024, 10, 1));
    "#);
    let m = &out.model;
    assert_eq!(texts(m, "A", "D"), ["3/5/2024"]);
    assert_eq!(texts(m, "A", "N"), ["1,234.50"]);
    assert_eq!(texts(m, "A", "M"), ["$ 1234.50"]);
    assert_eq!(nums(m, "A", "W"), [2.0], "US weeks by default");
    assert_eq!(texts(m, "B", "D2"), ["05.03.2024"]);
    assert_eq!(texts(m, "B", "N2"), ["1.234,50"]);
    assert_eq!(texts(m, "B", "M2"), ["1.234,50 €"]);
    assert_eq!(nums(m, "B", "R2"), [1234.5]);
    assert_eq!(nums(m, "B", "I2"), [45_356.0]);
    assert_eq!(texts(m, "B", "Mo2"), ["Mär"]);
    assert_eq!(nums(m, "B", "W2"), [53.0], "ISO weeks once set");
    assert_eq!(out.variables.get("vText").map(String::as_str), Some("123"));
    assert_eq!(
        out.variables.get("vDate").map(String::as_str),
        Some("01.10.2024")
    );
}
