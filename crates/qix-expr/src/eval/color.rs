//! Color functions, as charts use them for colors by expression: `RGB`, `ARGB`, `HSL`, `ColorMix1`,
//! `ColorMix2` and the named colors (`Black()`, `LightRed(alpha)`, ...). A color is a dual: the text
//! `RGB(r,g,b)` (or `ARGB(a,r,g,b)` when not opaque) and the number `a·2²⁴ + r·2¹⁶ + g·2⁸ + b`.

use super::args::Args;
use crate::value::Value;

/// The named colors and their red, green and blue.
const NAMED: [(&str, [u8; 3]); 16] = [
    ("Black", [0, 0, 0]),
    ("Blue", [0, 0, 128]),
    ("Brown", [128, 128, 0]),
    ("Cyan", [0, 128, 128]),
    ("DarkGray", [128, 128, 128]),
    ("Green", [0, 128, 0]),
    ("LightBlue", [0, 0, 255]),
    ("LightCyan", [0, 255, 255]),
    ("LightGray", [192, 192, 192]),
    ("LightGreen", [0, 255, 0]),
    ("LightMagenta", [255, 0, 255]),
    ("LightRed", [255, 0, 0]),
    ("Magenta", [128, 0, 128]),
    ("Red", [128, 0, 0]),
    ("White", [255, 255, 255]),
    ("Yellow", [255, 255, 0]),
];

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    let value = match name {
        "RGB" => channels(args, 0).map(|[r, g, b]| color(255, r, g, b)),
        "ARGB" => args
            .int(0)
            .and_then(channel)
            .and_then(|a| channels(args, 1).map(|[r, g, b]| color(a, r, g, b))),
        "HSL" => hsl(args),
        "ColorMix1" => {
            let x = args.num(0);
            let (zero, one) = (color_of(&args.take(1)), color_of(&args.take(2)));
            x.zip(zero)
                .zip(one)
                .map(|((x, zero), one)| mix(zero, one, x))
        }
        "ColorMix2" => color_mix2(args),
        _ => {
            let &(_, [r, g, b]) = NAMED.iter().find(|(n, _)| *n == name)?;
            if args.len() > 0 {
                args.int(0).and_then(channel).map(|a| color(a, r, g, b))
            } else {
                Some(color(255, r, g, b))
            }
        }
    };
    Some(value.unwrap_or(Value::Null))
}

/// A channel value 0 to 255.
fn channel(v: i64) -> Option<u8> {
    u8::try_from(v).ok()
}

/// Three channels from argument `first` on.
fn channels(args: &mut Args, first: usize) -> Option<[u8; 3]> {
    let r = args.int(first).and_then(channel);
    let g = args.int(first + 1).and_then(channel);
    let b = args.int(first + 2).and_then(channel);
    Some([r?, g?, b?])
}

/// The color dual of alpha, red, green and blue.
pub(super) fn color(a: u8, r: u8, g: u8, b: u8) -> Value {
    let text = if a == 255 {
        format!("RGB({r},{g},{b})")
    } else {
        format!("ARGB({a},{r},{g},{b})")
    };
    let n = u32::from_be_bytes([a, r, g, b]);
    Value::Dual(text, f64::from(n))
}

/// The alpha, red, green and blue of a color value (its number).
fn color_of(v: &Value) -> Option<[u8; 4]> {
    let n = v.num()?;
    if !(0.0..=f64::from(u32::MAX)).contains(&n) {
        return None;
    }
    Some((n as u32).to_be_bytes())
}

/// The channels a fraction `x` (clamped to 0 to 1) of the way from `from` to `to`.
fn blend(from: [u8; 4], to: [u8; 4], x: f64) -> [u8; 4] {
    let x = x.clamp(0.0, 1.0);
    let mut out = [0u8; 4];
    for ((o, a), b) in out.iter_mut().zip(from).zip(to) {
        let (a, b) = (f64::from(a), f64::from(b));
        *o = (a + (b - a) * x).round() as u8;
    }
    out
}

/// The color a fraction `x` of the way from `from` to `to`.
fn mix(from: [u8; 4], to: [u8; 4], x: f64) -> Value {
    let [a, r, g, b] = blend(from, to, x);
    color(a, r, g, b)
}

/// `ColorMix2(x, minus_one, one [, zero])`: `x` from -1 to 1 between three colors (the middle one
/// the mix of the ends when not given).
fn color_mix2(args: &mut Args) -> Option<Value> {
    let x = args.num(0)?;
    let minus_one = color_of(&args.take(1))?;
    let one = color_of(&args.take(2))?;
    let zero = if args.len() > 3 {
        color_of(&args.take(3))?
    } else {
        blend(minus_one, one, 0.5)
    };
    let x = x.clamp(-1.0, 1.0);
    Some(if x < 0.0 {
        mix(zero, minus_one, -x)
    } else {
        mix(zero, one, x)
    })
}

/// `HSL(hue, saturation, luminosity)`, each 0 to 1.
fn hsl(args: &mut Args) -> Option<Value> {
    let (h, s, l) = (args.num(0)?, args.num(1)?, args.num(2)?);
    if ![h, s, l].iter().all(|v| (0.0..=1.0).contains(v)) {
        return None;
    }
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let channel = |t: f64| {
        // The hue in sixths of the circle.
        let h6 = t.rem_euclid(1.0) * 6.0;
        let v = if h6 < 1.0 {
            p + (q - p) * h6
        } else if h6 < 3.0 {
            q
        } else if h6 < 4.0 {
            p + (q - p) * (4.0 - h6)
        } else {
            p
        };
        (v * 255.0).round().clamp(0.0, 255.0) as u8
    };
    Some(color(
        255,
        channel(h + 1.0 / 3.0),
        channel(h),
        channel(h - 1.0 / 3.0),
    ))
}
