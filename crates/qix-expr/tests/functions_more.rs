//! Lunar weeks, the statistical and financial range functions, color maps, hashes, JSON and code
//! pages, with the values of Qlik's help examples (in an en-US app's locale, the default) where it
//! has them.

mod common;

use common::{ev, texts};
use qix_expr::Value;

fn nums(cases: &[(&str, f64, f64)]) {
    for (text, want, tolerance) in cases {
        let got = ev(text).num();
        assert!(
            got.is_some_and(|g| (g - want).abs() <= *tolerance),
            "{text}: {got:?}, want {want}"
        );
    }
}

fn nulls(cases: &[&str]) {
    for text in cases {
        assert_eq!(ev(text), Value::Null, "{text}");
    }
}

#[test]
fn lunar_weeks_start_on_january_first() {
    texts(&[
        ("LunarWeekStart('12/01/2013')", "11/26/2013"),
        ("LunarWeekStart('12/01/2013', -1)", "11/19/2013"),
        ("LunarWeekStart('12/01/2013', 0, 1)", "11/27/2013"),
        ("LunarWeekEnd('12/01/2013')", "12/2/2013"),
        ("LunarWeekEnd('12/01/2013', -1)", "11/25/2013"),
        ("LunarWeekEnd('12/01/2013', 0, 1)", "12/3/2013"),
        ("LunarWeekName('12/12/2013')", "2013/50"),
        ("LunarWeekName('12/12/2013', -1)", "2013/49"),
        ("LunarWeekName('12/12/2013', 0, 1)", "2013/50"),
        // The last week of the year is what is left after 52 weeks: one day, two in leap years.
        ("LunarWeekName('12/31/2013')", "2013/53"),
        ("LunarWeekStart('12/30/2012')", "12/30/2012"),
        ("LunarWeekEnd('12/30/2012')", "12/31/2012"),
        // Moving by weeks crosses years through that short week.
        ("LunarWeekStart('1/3/2014', -1)", "12/31/2013"),
        ("LunarWeekName('1/3/2014', -2)", "2013/52"),
    ]);
    // The start and the name have the first moment as their number; the end the last millisecond.
    nums(&[
        ("LunarWeekStart('12/01/2013')", 41_604.0, 0.0),
        ("LunarWeekName('12/12/2013')", 41_618.0, 0.0),
        (
            "Frac(LunarWeekEnd('12/01/2013'))",
            1.0 - 1.0 / 86_400_000.0,
            1e-9,
        ),
    ]);
}

#[test]
fn in_lunar_week_compares_with_the_base_dates_week() {
    let truth = |text: &str| ev(text).num();
    for (text, want) in [
        ("InLunarWeek('01/12/2013', '01/14/2013', 0)", true),
        ("InLunarWeek('01/12/2013', '01/07/2013', 0)", false),
        ("InLunarWeek('01/12/2013', '01/14/2013', -1)", false),
        ("InLunarWeek('01/07/2013', '01/14/2013', -1)", true),
        ("InLunarWeek('01/11/2013', '01/08/2013', 0, 3)", false),
        ("InLunarWeekToDate('01/12/2013', '01/13/2013', 0)", true),
        ("InLunarWeekToDate('01/12/2013', '01/11/2013', 0)", false),
        ("InLunarWeekToDate('01/12/2006', '01/05/2006', 1)", true),
    ] {
        let want = if want { -1.0 } else { 0.0 };
        assert_eq!(truth(text), Some(want), "{text}");
    }
    nulls(&["InLunarWeek('x', '01/14/2013', 0)", "LunarWeekStart(1e300)"]);
}

#[test]
fn statistical_range_functions() {
    nums(&[
        ("RangeCorrel(2,3,6,8,9,4)", 0.269, 5e-4),
        // A pair with a side that is not a number is left out.
        ("RangeCorrel(2,3,6,8,9,4,'x',7)", 0.269, 5e-4),
        ("RangeKurtosis(1,2,4,7)", -0.285_714_285_714_29, 1e-12),
        ("RangeSkew(1,2,3)", 0.0, 1e-12),
        ("RangeSkew(2,6,4)", 0.0, 1e-12),
        ("RangeSkew(1,2,4)", 0.935_219_529_582_83, 1e-12),
        ("RangeFractileExc(0.5,1,2,3,4)", 2.5, 1e-12),
        ("RangeFractileExc(0.25,1,2,3,4)", 1.25, 1e-12),
        ("RangeFractileExc(0.75,1,2,3,4)", 3.75, 1e-12),
    ]);
    nulls(&[
        "RangeSkew(1,2)",
        "RangeKurtosis(1,2,3)",
        "RangeKurtosis(5,5,5,5)",
        "RangeCorrel(1,2)",
        "RangeFractileExc(0.1,1,2,3,4)",
        "RangeFractileExc(2,1,2,3,4)",
    ]);
}

#[test]
fn financial_range_functions() {
    nums(&[
        ("RangeNPV(0.1,-10000,3000,4200,6800)", 1188.44, 5e-3),
        (
            "RangeIRR(-70000,12000,15000,18000,21000,26000)",
            0.086_630_948_036_531,
            1e-9,
        ),
        (
            "RangeXNPV(0.1, -2500,'2008-01-01',2750,'2008-09-01')",
            80.25,
            5e-3,
        ),
        (
            "RangeXIRR(-2500,'2008-01-01',2750,'2008-09-01')",
            0.1532,
            5e-5,
        ),
        // Dates as numbers work as well.
        ("RangeXIRR(-100, 0, 110, 365)", 0.1, 1e-9),
    ]);
    nulls(&[
        "RangeIRR(100, 200)",
        "RangeXIRR(-100, 'x', 110, 'y')",
        "RangeNPV('x', 1, 2)",
    ]);
}

#[test]
fn color_maps_and_legacy_colors() {
    texts(&[
        ("QlikTechBlue()", "RGB(8,18,90)"),
        ("QlikTechGray()", "RGB(158,148,137)"),
        ("ColorMapHue(0)", "RGB(255,0,0)"),
        ("ColorMapHue(1/6)", "RGB(255,255,0)"),
        ("ColorMapHue(1/3)", "RGB(0,255,0)"),
        ("ColorMapHue(0.5)", "RGB(0,255,255)"),
        ("ColorMapHue(2/3)", "RGB(0,0,255)"),
        ("ColorMapHue(1)", "RGB(255,0,0)"),
        ("ColorMapJet(0)", "RGB(0,0,128)"),
        ("ColorMapJet(0.5)", "RGB(128,255,128)"),
        ("ColorMapJet(1)", "RGB(128,0,0)"),
        ("SysColor(5)", "RGB(255,255,255)"),
        ("SysColor(13)", "RGB(0,120,215)"),
    ]);
    nums(&[("QlikTechBlue()", f64::from(0xFF08_125Au32), 0.0)]);
    nulls(&["SysColor(31)", "SysColor(-1)", "ColorMapJet('x')"]);
}

#[test]
fn hashes_have_qliks_length_and_alphabet() {
    for (name, len) in [("Hash128", 22), ("Hash160", 27), ("Hash256", 43)] {
        let a = ev(&format!("{name}('abc', 'xyz', '123')")).text();
        let b = ev(&format!("{name}('abc', 'xyz', '123')")).text();
        let c = ev(&format!("{name}('abcxyz', '123')")).text();
        let a = a.unwrap_or_default();
        assert_eq!(a.chars().count(), len, "{name}: {a}");
        assert!(a.chars().all(|ch| ('!'..='`').contains(&ch)), "{name}: {a}");
        assert_eq!(Some(a.clone()), b, "{name} is stable");
        assert_ne!(Some(a), c, "{name} tells the values apart");
    }
}

#[test]
fn json_functions_follow_rfc_6901() {
    let data = r#"'{"a":{"xyz":"XYZ"},"b":[123,"abc","ABC"]}'"#;
    let get = |path: &str| ev(&format!("JsonGet({data}, '{path}')"));
    assert_eq!(
        get("").text().as_deref(),
        Some(r#"{"a":{"xyz":"XYZ"},"b":[123,"abc","ABC"]}"#)
    );
    assert_eq!(get("/a").text().as_deref(), Some(r#"{"xyz":"XYZ"}"#));
    assert_eq!(get("/a/xyz").text().as_deref(), Some(r#""XYZ""#));
    assert_eq!(get("/b").text().as_deref(), Some(r#"[123,"abc","ABC"]"#));
    assert_eq!(get("/b/0"), Value::Dual("123".into(), 123.0));
    assert_eq!(get("/b/1").text().as_deref(), Some(r#""abc""#));
    assert_eq!(get("b"), Value::Null);
    nulls(&[
        r#"JsonGet('{"a":"b"}', '/b')"#,
        r#"JsonGet('{"a"}', '/a')"#,
        r#"JsonSet('"abc"', '/x', '123')"#,
        r#"JsonSet('{"a":{"b":"c"}}', 'a/b', '"x"')"#,
        r#"JsonSet('{"a":"b"}', '/a', 'abc')"#,
        r#"JsonSet('[]', '/1', '1')"#,
    ]);
    texts(&[
        (r#"JsonSet('{}', '/a', '"b"')"#, r#"{"a":"b"}"#),
        (r#"JsonSet('[]', '/0', '"x"')"#, r#"["x"]"#),
        (r#"JsonSet('"abc"', '', '123')"#, "123"),
        (r#"JsonSet('[1,2]', '/-', '3')"#, "[1,2,3]"),
        (r#"JsonSet('{"a/b":1}', '/a~1b', '2')"#, r#"{"a/b":2}"#),
        (
            r#"JsonSet(JsonSet('{ "items": {"product": "Laptop", "price": 1200 }, "total_price": 2400 }', '/items/price', 1100), '/total_price', 2200)"#,
            r#"{"items":{"product":"Laptop","price":1100},"total_price":2200}"#,
        ),
    ]);
    let truth = |text: &str| ev(text).num();
    for (text, want) in [
        ("IsJson('null')", -1.0),
        (r#"IsJson('"abc"', 'value')"#, -1.0),
        (r#"IsJson('"abc"', 'string')"#, -1.0),
        ("IsJson(123, 'number')", -1.0),
        ("IsJson('[1]', 'array')", -1.0),
        ("IsJson('text')", 0.0),
        (r#"IsJson('"text"', 'number')"#, 0.0),
        (r#"IsJson('"text"', 'text')"#, 0.0),
    ] {
        assert_eq!(truth(text), Some(want), "{text}");
    }
}

#[test]
fn apply_codepage_reads_the_bytes_again() {
    texts(&[
        ("ApplyCodepage('Ã©tÃ©', 65001)", "été"),
        ("ApplyCodepage(Chr(128) & 'x', 1252)", "€x"),
        ("ApplyCodepage('é', 28591)", "é"),
        ("ApplyCodepage('A' & Chr(0) & 'B' & Chr(0), 1200)", "AB"),
        ("ApplyCodepage(Chr(0) & 'A', 1201)", "A"),
        ("ApplyCodepage('aé', 20127)", "a\u{fffd}"),
    ]);
    nulls(&["ApplyCodepage('abc', 1253)", "ApplyCodepage('abc', 'x')"]);
}

#[test]
fn convert_to_local_time_uses_the_time_zone_database() {
    let at = |text: &str| ev(&format!("Timestamp#('{text}', 'YYYY-MM-DD hh:mm:ss')")).num();
    let cases = [
        (
            "ConvertToLocalTime('2007-11-10 23:59:00', 'Paris')",
            "2007-11-11 00:59:00",
        ),
        (
            "ConvertToLocalTime('2007-11-10 23:59:00', 'Paris', -1)",
            "2007-11-11 00:59:00",
        ),
        (
            "ConvertToLocalTime('2023-07-01 12:00:00', 'Paris')",
            "2023-07-01 14:00:00",
        ),
        (
            "ConvertToLocalTime('2023-07-01 12:00:00', 'Paris', -1)",
            "2023-07-01 13:00:00",
        ),
        (
            "ConvertToLocalTime('2023-07-01 12:00:00', 'Europe/Paris')",
            "2023-07-01 14:00:00",
        ),
        (
            "ConvertToLocalTime('2023-07-01 12:00:00', 'Eastern Time (US & Canada)')",
            "2023-07-01 08:00:00",
        ),
        (
            "ConvertToLocalTime('2023-01-01 12:00:00', 'America/New_York')",
            "2023-01-01 07:00:00",
        ),
        (
            "ConvertToLocalTime('2023-07-01 12:00:00', 'GMT+02:00')",
            "2023-07-01 14:00:00",
        ),
        (
            "ConvertToLocalTime('2023-07-01 12:00:00', 'UTC-05:30')",
            "2023-07-01 06:30:00",
        ),
        (
            "ConvertToLocalTime('2023-07-01 12:00:00', 'Kathmandu')",
            "2023-07-01 17:45:00",
        ),
    ];
    for (text, want) in cases {
        let (got, want) = (ev(text).num(), at(want));
        assert!(
            got.zip(want).is_some_and(|(g, w)| (g - w).abs() < 1e-9),
            "{text}: {got:?}, want {want:?}"
        );
    }
    // The result shows in the timestamp format.
    texts(&[(
        "ConvertToLocalTime('2007-11-10 23:59:00', 'Paris')",
        "11/11/2007 12:59:00 AM",
    )]);
    nulls(&[
        "ConvertToLocalTime('2023-07-01 12:00:00', 'Nowhere')",
        "ConvertToLocalTime('2023-07-01 12:00:00', 'New York')",
        "ConvertToLocalTime('x', 'Paris')",
        "ConvertToLocalTime(1e300, 'Paris')",
    ]);
    nums(&[("DayLightSaving()", 0.0, 0.0)]);
}
