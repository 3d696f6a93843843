//! The default number format written from the digits directly, against its definition: round to 14
//! significant digits, read the rounded number back, and write it in its shortest form.

use proptest::prelude::*;
use qix_expr::format_number;

/// The format as Qlik defines it for numbers that are not whole (or too large to be written whole), done
/// the slow, plain way: three conversions a number. (NaN, the infinities, zero and whole numbers take
/// the same early branches in both; `eval.rs` covers them.)
fn by_definition(n: f64) -> String {
    let r: f64 = format!("{n:.13e}").parse().unwrap();
    if (1e-6..1e15).contains(&r.abs()) {
        return format!("{r}");
    }
    let s = format!("{r:e}");
    let (mantissa, exp) = s.split_once('e').unwrap();
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

/// Numbers as measures produce them: any bits, a few decimals, sums of such, every magnitude.
fn numbers() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        (any::<i64>(), 0u32..8).prop_map(|(k, d)| (k % 10_000_000) as f64 / 10f64.powi(d as i32)),
        (any::<i32>(), any::<i32>()).prop_map(|(a, b)| a as f64 / (b as f64).max(1.0)),
        (-1.0f64..1.0, -30i32..30).prop_map(|(m, e)| m * 10f64.powi(e)),
        (0u64..1_000_000, 1u64..1000).prop_map(|(a, b)| a as f64 / b as f64 + 0.1),
    ]
}

/// Whether `n` takes the rounding path (finite, not zero, not a whole number below 1e15).
fn rounded(n: f64) -> bool {
    n.is_finite() && n != 0.0 && (n.fract() != 0.0 || n.abs() >= 1e15)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]
    #[test]
    fn written_from_digits_as_by_definition(n in numbers().prop_filter("rounded", |n| rounded(*n))) {
        prop_assert_eq!(format_number(n), by_definition(n), "{:e}", n);
    }
}

#[test]
fn edges_of_the_plain_range_and_carries() {
    for n in [
        1e-6,
        9.99999999999999e-7,
        1e15 - 0.5,
        999999999999999.9,
        99999999999999.99,
        0.000001234,
        1.0000000000000002,
        9.999999999999999e14,
        -9.99999999999999e-7,
        5e-324,
        f64::MAX,
        f64::MIN,
        123.45,
        -0.5,
        0.05,
        1e21 + 1.0,
    ] {
        assert_eq!(format_number(n), by_definition(n), "{n:e}");
    }
}
