//! Date and time functions, with the values of Qlik's help examples (in an en-US app: `M/D/YYYY`,
//! weeks from Sunday, broken; the examples written for ISO weeks pass the week settings explicitly).

use qix_expr::{eval, parse, Aggr, Locale, Scope, Value};

/// No fields; the clock is 11/18/2011 12:00 UTC; the locale is the one given.
struct Clock {
    locale: Locale,
}

/// 2011-11-18 12:00.
const NOW: f64 = 40_865.5;

impl Scope for Clock {
    fn field(&mut self, _: &str) -> Value {
        Value::Null
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn locale(&self) -> &Locale {
        &self.locale
    }
    fn now(&self) -> f64 {
        NOW
    }
}

fn ev_in(locale: &Locale, text: &str) -> Value {
    let mut scope = Clock {
        locale: locale.clone(),
    };
    match parse(text) {
        Ok(e) => eval(&e, &mut scope),
        Err(e) => panic!("parse({text:?}) failed: {e}"),
    }
}

fn ev(text: &str) -> Value {
    ev_in(&Locale::default(), text)
}

/// Asserts each expression's text.
fn texts(cases: &[(&str, &str)]) {
    for (text, want) in cases {
        assert_eq!(ev(text).text().as_deref(), Some(*want), "{text}");
    }
}

/// Asserts each expression's number.
fn nums(cases: &[(&str, f64)]) {
    for (text, want) in cases {
        let got = ev(text).num();
        assert!(
            got.is_some_and(|g| (g - want).abs() < 1e-9),
            "{text}: {got:?}, want {want}"
        );
    }
}

/// Asserts each expression is true (-1) or false (0).
fn truths(cases: &[(&str, bool)]) {
    for (text, want) in cases {
        assert_eq!(ev(text), Value::from_bool(*want), "{text}");
    }
}

#[test]
fn parts_of_a_date() {
    nums(&[
        ("Year('10/29/2013')", 2013.0),
        ("Month('10/29/2013')", 10.0),
        ("Day('10/29/2013')", 29.0),
        ("Hour('10/29/2013 6:17:52 PM')", 18.0),
        ("Minute('10/29/2013 6:17:52 PM')", 17.0),
        ("Second('10/29/2013 6:17:52 PM')", 52.0),
        ("Year(41576)", 2013.0),
        ("Year('2013-10-29')", 2013.0),
        ("WeekDay('10/12/1971', 0)", 1.0),
        ("WeekDay('10/12/1971')", 2.0),
        ("DayNumberOfYear('12/09/2014')", 343.0),
        ("DayNumberOfQuarter('12/09/2014')", 70.0),
        ("DayNumberOfQuarter('12/09/2014', 3)", 9.0),
        ("Week('12/28/2020', 0, 0, 4)", 53.0),
        ("Week('1/4/2021', 0, 0, 4)", 1.0),
        ("Week('1/3/2021')", 2.0),
        ("Week('12/27/2020')", 53.0),
        ("WeekYear('1/1/2021', 0, 0, 4)", 2020.0),
        ("WeekYear('1/1/2021')", 2021.0),
    ]);
    texts(&[
        ("Month('10/29/2013')", "Oct"),
        ("WeekDay('10/12/1971')", "Tue"),
    ]);
    assert_eq!(ev("Year('not a date')"), Value::Null);
    for extreme in ["1e300", "-1e300", "-9.3e18", "9.3e18"] {
        for f in [
            "Year(x)",
            "Week(x)",
            "WeekYear(x)",
            "WeekName(x, x)",
            "MakeDate(x, 1, 1)",
            "MakeDate(x, x, x)",
            "MakeWeekDate(x, x, x)",
            "AddMonths(x, x)",
            "AddYears(1, x)",
            "SetDateYear(1, x)",
            "MonthsStart(4, 1, x)",
            "InWeek(1, 1, x)",
            "InDayToTime(1, 1, x)",
            "YearToDate(x, x, 1, x)",
            "LastWorkDate(1, x)",
            "NetWorkDays(x, 1, x)",
            "Age(x, 1)",
            "DayStart(x, x)",
            "Interval(x)",
            "Date(x)",
            "WeekStart(1, x)",
        ] {
            let e = f.replace('x', extreme);
            let _ = ev(&e); // no panic, no hang
        }
    }
    assert_eq!(ev("Year(1e300)"), Value::Null);
}

#[test]
fn making_and_moving_dates() {
    texts(&[
        ("MakeDate(2012)", "1/1/2012"),
        ("MakeDate(2012, 12)", "12/1/2012"),
        ("MakeDate(2012, 2, 14)", "2/14/2012"),
        ("MakeTime(22)", "10:00:00 PM"),
        ("MakeTime(22, 17, 52)", "10:17:52 PM"),
        ("MakeWeekDate(2014, 6, 6, 0, 0, 4)", "2/9/2014"),
        ("MakeWeekDate(2014, 6, 1, 0, 0, 4)", "2/4/2014"),
        ("AddMonths('1/29/2003', 3)", "4/29/2003"),
        ("AddMonths('1/29/2003', 3, 1)", "4/28/2003"),
        ("AddMonths('1/29/2003', 1)", "2/28/2003"),
        ("AddMonths('1/29/2003', 1, 1)", "2/26/2003"),
        ("AddMonths('2/28/2003', 1, 1)", "3/31/2003"),
        ("AddMonths('1/29/2003', -3)", "10/29/2002"),
        ("AddYears('1/29/2010', 3)", "1/29/2013"),
        ("AddYears('1/29/2010', -1)", "1/29/2009"),
        ("AddYears('2/29/2012', 1)", "2/28/2013"),
        ("SetDateYear('10/29/2005', 2013)", "10/29/2013"),
        (
            "SetDateYear('10/29/2005 4:26:14 PM', 2013)",
            "10/29/2013 4:26:14 PM",
        ),
        ("SetDateYearMonth('10/29/2005', 2013, 3)", "3/29/2013"),
        ("SetDateYearMonth('5/31/2005', 2013, 2)", "2/28/2013"),
    ]);
    nums(&[
        ("MakeDate(2013, 10, 29)", 41_576.0),
        ("MakeTime(18)", 0.75),
        ("Age('2/25/2014', '10/29/2012')", 1.0),
        ("Age('10/29/2014', '10/29/2012')", 2.0),
    ]);
    assert_eq!(ev("MakeDate(2012, 2, 30)"), Value::Null);
    assert_eq!(ev("MakeDate(2012, 13)"), Value::Null);
}

#[test]
fn working_days() {
    nums(&[
        ("NetWorkDays('12/19/2013', '12/20/2013')", 2.0),
        ("NetWorkDays('12/19/2013', '1/2/2014')", 11.0),
        (
            "NetWorkDays('12/19/2013', '1/2/2014', '12/25/2013', '12/26/2013')",
            9.0,
        ),
        (
            "NetWorkDays('12/19/2013', '1/2/2014', '12/25/2013', '12/28/2013')",
            10.0,
        ),
    ]);
    texts(&[
        ("FirstWorkDate('12/29/2014', 9)", "12/17/2014"),
        (
            "FirstWorkDate('12/29/2014', 9, '12/25/2014', '12/26/2014')",
            "12/15/2014",
        ),
        ("LastWorkDate('12/19/2014', 9)", "12/31/2014"),
        (
            "LastWorkDate('12/19/2014', 9, '12/25/2014', '12/26/2014')",
            "1/2/2015",
        ),
    ]);
}

#[test]
fn period_starts_ends_and_names() {
    texts(&[
        ("YearStart('10/19/2001')", "1/1/2001"),
        ("YearStart('10/19/2001', -1)", "1/1/2000"),
        ("YearStart('10/19/2001', 0, 4)", "4/1/2001"),
        ("YearEnd('10/19/2001')", "12/31/2001"),
        ("YearEnd('10/19/2001', 0, 4)", "3/31/2002"),
        ("YearName('10/19/2001')", "2001"),
        ("YearName('10/19/2001', -1)", "2000"),
        ("YearName('10/19/2001', 0, 4)", "2001-2002"),
        ("QuarterStart('10/29/2005')", "10/1/2005"),
        ("QuarterStart('10/29/2005', -1)", "7/1/2005"),
        ("QuarterStart('10/29/2005', 0, 3)", "9/1/2005"),
        ("QuarterEnd('10/29/2005')", "12/31/2005"),
        ("QuarterName('10/29/2013')", "Oct-Dec 2013"),
        ("QuarterName('10/29/2013', -1)", "Jul-Sep 2013"),
        ("QuarterName('10/29/2013', 0, 3)", "Sep-Nov 2013"),
        ("MonthStart('10/19/2001')", "10/1/2001"),
        ("MonthStart('10/19/2001', -1)", "9/1/2001"),
        ("MonthEnd('2/19/2001')", "2/28/2001"),
        ("MonthEnd('2/19/2001', 4)", "6/30/2001"),
        ("MonthName('10/19/2013')", "Oct 2013"),
        ("MonthName('10/19/2013', -1)", "Sep 2013"),
        ("MonthsStart(4, '10/19/2013')", "9/1/2013"),
        ("MonthsStart(4, '10/19/2013', -1)", "5/1/2013"),
        ("MonthsStart(4, '10/19/2013', 0, 2)", "10/1/2013"),
        ("MonthsEnd(4, '7/19/2013')", "8/31/2013"),
        ("MonthsName(4, '10/19/2013')", "Sep-Dec 2013"),
        ("MonthsName(4, '10/19/2013', 0, 2)", "Oct-Jan 2013"),
        ("WeekStart('1/12/2013', 0, 0)", "1/7/2013"),
        ("WeekStart('1/12/2013', 1, 0)", "1/14/2013"),
        ("WeekStart('1/12/2013')", "1/6/2013"),
        ("WeekEnd('1/12/2013', 0, 0)", "1/13/2013"),
        ("WeekName('1/12/2013', 0, 0, 0, 4)", "2013/02"),
        ("WeekName('1/1/2021', 0, 0, 0, 4)", "2020/53"),
        ("WeekName('1/1/2021')", "2021/01"),
        ("DayStart('7/25/2013 5:45:00 PM')", "7/25/2013 12:00:00 AM"),
        (
            "DayStart('7/25/2013 5:45:00 PM', 0, 0.5)",
            "7/25/2013 12:00:00 PM",
        ),
        (
            "DayEnd('7/25/2013 5:45:00 PM')",
            "7/25/2013 11:59:59.999 PM",
        ),
        ("DayName('7/25/2013 5:45:00 PM', 1)", "7/26/2013"),
    ]);
    nums(&[
        ("YearStart('10/19/2001')", 36_892.0),
        (
            "YearEnd('10/19/2001')",
            37_256.0 + 86_399_999.0 / 86_400_000.0,
        ),
        ("MonthName('10/19/2013')", 41_548.0),
        ("WeekName('1/1/2021')", 44_192.0),
    ]);
    assert_eq!(ev("MonthsStart(5, '10/19/2013')"), Value::Null, "5 months");
}

#[test]
fn timestamps_in_periods() {
    truths(&[
        ("InYear('1/25/2013', '1/1/2013', 0)", true),
        ("InYear('1/25/2012', '1/1/2013', 0)", false),
        ("InYear('1/25/2012', '1/1/2013', -1)", true),
        ("InYear('1/25/2013', '1/1/2013', 0, 3)", true),
        ("InYear('3/25/2013', '1/1/2013', 0, 3)", false),
        ("InYearToDate('1/25/2013', '2/1/2013', 0)", true),
        ("InYearToDate('1/25/2012', '2/1/2013', -1)", true),
        ("InYearToDate('2/5/2012', '2/1/2013', -1)", false),
        ("InYearToDate('2/1/2013 11:00:00 PM', '2/1/2013', 0)", true),
        ("InQuarter('1/25/2013', '1/1/2013', 0)", true),
        ("InQuarter('1/25/2013', '4/1/2013', -1)", true),
        ("InQuarter('1/25/2013', '4/1/2013', 0)", false),
        ("InQuarterToDate('1/25/2013', '3/1/2013', 0)", true),
        ("InQuarterToDate('3/25/2013', '3/1/2013', 0)", false),
        ("InMonth('1/25/2013', '1/1/2013', 0)", true),
        ("InMonth('1/25/2013', '4/1/2013', -3)", true),
        ("InMonthToDate('1/25/2013', '1/25/2013', 0)", true),
        ("InMonthToDate('1/26/2013', '1/25/2013', 0)", false),
        ("InMonthToDate('12/25/2012', '1/25/2013', -1)", true),
        ("InMonths(4, '1/25/2013', '4/15/2013', 0)", true),
        ("InMonths(4, '1/25/2013', '5/15/2013', 0)", false),
        ("InMonthsToDate(4, '1/25/2013', '4/15/2013', 0)", true),
        ("InMonthsToDate(4, '4/25/2013', '4/15/2013', 0)", false),
        ("InWeek('1/12/2006', '1/14/2006', 0)", true),
        ("InWeek('1/12/2006', '1/20/2006', 0)", false),
        ("InWeek('1/12/2006', '1/20/2006', -1)", true),
        ("InWeek('1/12/2006', '1/14/2006', 0, 4)", false),
        ("InWeekToDate('1/12/2006', '1/12/2006', 0)", true),
        ("InWeekToDate('1/13/2006', '1/12/2006', 0)", false),
        (
            "InDay('1/12/2006 12:23:00 PM', '1/12/2006 12:00:00 AM', 0)",
            true,
        ),
        (
            "InDay('1/12/2006 12:23:00 PM', '1/13/2006 12:00:00 PM', -1)",
            true,
        ),
        (
            "InDay('1/12/2006 12:23:00 PM', '1/12/2006 11:00:00 AM', 0, 0.5)",
            false,
        ),
        (
            "InDayToTime('1/12/2006 12:23:00 PM', '1/12/2006 11:59:00 PM', 0)",
            true,
        ),
        (
            "InDayToTime('1/12/2006 12:23:00 PM', '1/12/2006 12:00:00 AM', 0)",
            false,
        ),
    ]);
}

#[test]
fn year_to_date_and_the_clock() {
    // The clock is 11/18/2011 12:00, as in Qlik's YearToDate examples.
    truths(&[
        ("YearToDate('11/18/2010')", false),
        ("YearToDate('2/1/2011')", true),
        ("YearToDate('11/18/2011')", true),
        ("YearToDate('11/19/2011')", false),
        ("YearToDate('11/19/2011', 0, 1, '12/31/2011')", true),
        ("YearToDate('11/18/2010', -1)", true),
        ("YearToDate('11/19/2010', -1)", false),
        ("YearToDate('4/30/2011', 0, 5)", false),
        ("YearToDate('5/1/2011', 0, 5)", true),
    ]);
    assert_eq!(ev("Today()"), Value::Dual("11/18/2011".into(), 40_865.0));
    assert_eq!(
        ev("Now()"),
        Value::Dual("11/18/2011 12:00:00 PM".into(), NOW)
    );
    assert_eq!(ev("UTC()"), ev("GMT()"));
    texts(&[
        ("LocalTime('GMT+02:00')", "11/18/2011 2:00:00 PM"),
        ("LocalTime('UTC-5')", "11/18/2011 7:00:00 AM"),
        ("TimeZone()", "UTC"),
    ]);
}

#[test]
fn formatting_dates_times_and_intervals() {
    assert_eq!(
        ev("Date(40182.75, 'YYYY-MM-DD hh:mm:ss')"),
        Value::Dual("2010-01-04 18:00:00".into(), 40_182.75),
        "the number is kept"
    );
    texts(&[
        ("Date(41576)", "10/29/2013"),
        ("Date(41576, 'DD.MM.YY')", "29.10.13"),
        ("Date(41576, 'WWW D MMM YYYY')", "Tue 29 Oct 2013"),
        ("Date(41576, 'WWWW, MMMM D')", "Tuesday, October 29"),
        ("Date('10/29/2013', 'YYYY-MM-DD')", "2013-10-29"),
        ("Time(0.5)", "12:00:00 PM"),
        ("Time(0.75, 'hh:mm')", "18:00"),
        ("Time(0.75 + 0.5 / 86400, 'hh:mm:ss.fff')", "18:00:00.500"),
        ("Timestamp(41576.5)", "10/29/2013 12:00:00 PM"),
        (
            "Timestamp(41576.5, 'YYYY-MM-DD hh:mm:ss')",
            "2013-10-29 12:00:00",
        ),
        ("Interval(0.375)", "9:00:00"),
        ("Interval(1.375, 'hh:mm')", "33:00"),
        ("Interval(35.648, 'D hh:mm')", "35 15:33"),
    ]);
    assert_eq!(
        ev("Date#('2013-10-29', 'YYYY-MM-DD')"),
        Value::Dual("2013-10-29".into(), 41_576.0)
    );
    assert_eq!(ev("Date#('10/29/2013')").num(), Some(41_576.0));
    assert_eq!(
        ev("Date#('29 Oct 2013', 'D MMM YYYY')").num(),
        Some(41_576.0)
    );
    assert_eq!(ev("Date#('2013-10-32', 'YYYY-MM-DD')"), Value::Null);
    nums(&[
        (
            "Timestamp#('2013-10-29 12:00:00', 'YYYY-MM-DD hh:mm:ss')",
            41_576.5,
        ),
        ("Timestamp#('10/29/2013 6:00:00 PM')", 41_576.75),
        ("Time#('18:00', 'hh:mm')", 0.75),
        ("Time#('6:00:00 PM')", 0.75),
        ("Interval#('1 09:00', 'D hh:mm')", 1.375),
        ("Interval#('33:00', 'hh:mm')", 1.375),
    ]);
}

#[test]
fn the_locale_is_the_scopes() {
    let mut l = Locale::default();
    l.set("DateFormat", "DD.MM.YYYY");
    l.set("DecimalSep", ",");
    l.set("ThousandSep", ".");
    l.set(
        "MonthNames",
        "Jan;Feb;Mär;Apr;Mai;Jun;Jul;Aug;Sep;Okt;Nov;Dez",
    );
    l.set("DayNames", "Mo;Di;Mi;Do;Fr;Sa;So");
    l.set("FirstWeekDay", "0");
    l.set("BrokenWeeks", "0");
    l.set("ReferenceDay", "4");
    assert_eq!(
        ev_in(&l, "Date(41576)").text().as_deref(),
        Some("29.10.2013")
    );
    assert_eq!(ev_in(&l, "Month(41576)").text().as_deref(), Some("Okt"));
    assert_eq!(ev_in(&l, "WeekDay(41576)"), Value::Dual("Di".into(), 1.0));
    assert_eq!(ev_in(&l, "Year('29.10.2013')").num(), Some(2013.0));
    assert_eq!(
        ev_in(&l, "Week('1/1/2021')"),
        Value::Null,
        "not this locale's format"
    );
    assert_eq!(ev_in(&l, "Week('01.01.2021')").num(), Some(53.0));
    assert_eq!(
        ev_in(&l, "MonthName('29.10.2013')").text().as_deref(),
        Some("Okt 2013")
    );
    assert_eq!(
        ev_in(&l, "Num(1234.5, '#.##0,00')").text().as_deref(),
        Some("1.234,50")
    );
    assert_eq!(ev_in(&l, "Num#('1.234,5')").num(), Some(1234.5));
}
