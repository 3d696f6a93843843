//! Formatting, interpretation, range, color, general numeric, trigonometric and string functions, with
//! the values of Qlik's help examples (in an en-US app's locale, the default).

mod common;

use common::ev;
use qix_expr::Value;

fn check(cases: &[(&str, Value)]) {
    for (text, want) in cases {
        assert_eq!(&ev(text), want, "{text}");
    }
}

fn nums(cases: &[(&str, f64)]) {
    for (text, want) in cases {
        let got = ev(text).num();
        assert!(
            got.is_some_and(|g| (g - want).abs() < 1e-9),
            "{text}: {got:?}, want {want}"
        );
    }
}

fn dual(text: &str, n: f64) -> Value {
    Value::Dual(text.into(), n)
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn num_and_money_write_format_codes() {
    check(&[
        ("Num(1234.5678, '#,##0.00')", dual("1,234.57", 1234.5678)),
        ("Num(0.1234, '0.0%')", dual("12.3%", 0.1234)),
        ("Num(-1234, '#,##0;(#,##0)')", dual("(1,234)", -1234.0)),
        ("Num(1234, '#,##0;(#,##0)')", dual("1,234", 1234.0)),
        (
            "Num(1234.5, '#.##0,00', ',', '.')",
            dual("1.234,50", 1234.5),
        ),
        ("Num(1234.5, '# ##0,0', ',', ' ')", dual("1 234,5", 1234.5)),
        ("Num(3, '000')", dual("003", 3.0)),
        ("Num(2.5)", Value::Num(2.5)),
        ("Money(1234.5)", dual("$ 1234.50", 1234.5)),
        ("Money(-1234.5)", dual("-$ 1234.50", -1234.5)),
        ("Money(1234.5, '$#,##0.00')", dual("$1,234.50", 1234.5)),
        (
            "Money(1234.5, '#.##0,00 kr', ',', '.')",
            dual("1.234,50 kr", 1234.5),
        ),
        ("Num('x')", Value::Null),
    ]);
}

#[test]
fn interpretation_reads_texts_and_keeps_them() {
    check(&[
        ("Num#('1,234.50')", dual("1,234.50", 1234.5)),
        (
            "Num#('1.234,50', '#.##0,00', ',', '.')",
            dual("1.234,50", 1234.5),
        ),
        ("Num#('12%', '0%')", dual("12%", 0.12)),
        ("Num#('(1,234)', '#,##0;(#,##0)')", dual("(1,234)", -1234.0)),
        ("Num#('abc')", Value::Null),
        ("Money#('$ 1234.50')", dual("$ 1234.50", 1234.5)),
        ("Money#('-$1,234.50')", dual("-$1,234.50", -1234.5)),
        ("Text(123)", t("123")),
        ("Text(Date(41576))", t("10/29/2013")),
        ("Dual('Jan', 1)", dual("Jan", 1.0)),
        ("IsText(Text(123))", Value::Num(-1.0)),
    ]);
    // Text(123) carries no number of its own (Qlik's qNum is NaN), though arithmetic still reads it.
    assert_eq!(ev("Text(123)").own_num(), None);
    assert_eq!(ev("Text(123) + 1"), Value::Num(124.0));
    assert_eq!(ev("Num(123, '0')").own_num(), Some(123.0));
}

#[test]
fn range_functions() {
    nums(&[
        ("RangeSum(1, 2, 'x', Null())", 3.0),
        ("RangeAvg(1, 2, 4)", 7.0 / 3.0),
        ("RangeMode(1, 2, 9, 2, 4)", 2.0),
        ("RangeFractile(0.5, 1, 2, 3, 4)", 2.5),
        ("RangeFractile(0.24, 1, 2, 4, 6)", 1.72),
        ("RangeFractile(1, 1, 2, 4, 6)", 6.0),
        ("RangeStdev(1, 2, 4, 5, 6)", 2.073_644_135_332_772),
        ("RangeCount(1, 'xyz', Null())", 2.0),
        ("RangeNullCount(1, 2, Null())", 1.0),
        ("RangeNumericCount(1, 'xyz', Null())", 1.0),
        ("RangeTextCount(1, 'xyz', Null())", 1.0),
        ("RangeMissingCount(1, 'xyz', Null())", 2.0),
        ("RangeOnly(Null(), 3, Null())", 3.0),
        ("RangeOnly(3, 3)", 3.0),
        ("RangeMinString(1, 'xyz')", 1.0),
    ]);
    check(&[
        ("RangeMode('a', 4, 'a', 4)", Value::Null),
        ("RangeMode('a', 4, 'a')", t("a")),
        ("RangeOnly(1, 2)", Value::Null),
        ("RangeMaxString(1, 'xyz')", t("xyz")),
        ("RangeStdev(1)", Value::Null),
        ("RangeFractile(2, 1, 2)", Value::Null),
    ]);
}

#[test]
fn colors_are_duals() {
    check(&[
        ("RGB(255, 0, 0)", dual("RGB(255,0,0)", 4_294_901_760.0)),
        (
            "ARGB(128, 255, 0, 0)",
            dual("ARGB(128,255,0,0)", 2_164_195_328.0),
        ),
        ("HSL(0, 1, 0.5)", dual("RGB(255,0,0)", 4_294_901_760.0)),
        ("HSL(0.5, 1, 0.25)", dual("RGB(0,128,128)", 4_278_222_976.0)),
        (
            "ColorMix1(0.5, RGB(0, 0, 0), RGB(255, 255, 255))",
            dual("RGB(128,128,128)", 4_286_611_584.0),
        ),
        (
            "ColorMix2(-1, RGB(255, 0, 0), RGB(0, 255, 0))",
            dual("RGB(255,0,0)", 4_294_901_760.0),
        ),
        (
            "ColorMix2(0.5, RGB(255, 0, 0), RGB(0, 255, 0), RGB(0, 0, 0))",
            dual("RGB(0,128,0)", 4_278_222_848.0),
        ),
        ("Red()", dual("RGB(128,0,0)", 4_286_578_688.0)),
        ("LightRed(128)", dual("ARGB(128,255,0,0)", 2_164_195_328.0)),
        ("White()", dual("RGB(255,255,255)", 4_294_967_295.0)),
        ("RGB(256, 0, 0)", Value::Null),
        ("HSL(2, 0, 0)", Value::Null),
    ]);
}

#[test]
fn numeric_functions() {
    nums(&[
        ("Combin(5, 2)", 10.0),
        ("Combin(7, 3)", 35.0),
        ("Permut(5, 2)", 20.0),
        ("Fact(5)", 120.0),
        ("Fact(0)", 1.0),
        ("BitCount(3)", 2.0),
        ("BitCount(-1)", 64.0),
        ("Fmod(7, 2)", 1.0),
        ("Fmod(-7, 2)", -1.0),
        ("Fmod(7.5, 2)", 1.5),
        ("Sqr(3)", 9.0),
        ("E()", std::f64::consts::E),
        ("Atan2(1, 1)", std::f64::consts::FRAC_PI_4),
        ("Sin(0)", 0.0),
        ("Cos(0)", 1.0),
        ("Tan(0)", 0.0),
        ("Asin(1)", std::f64::consts::FRAC_PI_2),
        ("Atan(1)", std::f64::consts::FRAC_PI_4),
        ("Cosh(0)", 1.0),
        ("Tanh(0)", 0.0),
        ("Sinh(0)", 0.0),
    ]);
    check(&[
        ("Fact(171)", Value::Null),
        ("Fact(2.5)", Value::Null),
        ("Combin(2, 5)", Value::Null),
        ("Acos(2)", Value::Null),
        ("Fmod(1, 0)", Value::Null),
        ("Class(23, 10)", dual("20<=x<30", 20.0)),
        ("Class(23, 5, 'value')", dual("20<=value<25", 20.0)),
        ("Class(23, 10, 'x', 5)", dual("15<=x<25", 15.0)),
        ("Class(23, 0)", Value::Null),
    ]);
}

#[test]
fn string_functions() {
    nums(&[
        ("FindOneOf('my example text string', 'et%s')", 4.0),
        ("FindOneOf('my example text string', 'et%s', 3)", 12.0),
        ("FindOneOf('my example text string', '¤%&')", 0.0),
        ("SubStringCount('abcde', 'c')", 1.0),
        ("SubStringCount('abc|def|ghi', '|')", 2.0),
        ("SubStringCount('aaaa', 'aa')", 2.0),
        ("LevenshteinDist('Kitten', 'Sitting')", 3.0),
        ("LevenshteinDist('', 'abc')", 3.0),
    ]);
    check(&[
        ("TextBetween('<abc>', '<', '>')", t("abc")),
        ("TextBetween('<abc><de>', '<', '>', 2)", t("de")),
        ("TextBetween('abc', '<', '>')", Value::Null),
        ("TextBetween('<abc>', '<', '>', 2)", Value::Null),
    ]);
}
