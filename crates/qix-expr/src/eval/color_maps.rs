//! Colors that are not given by their channels: the color maps `ColorMapHue(x)` (the hue of the HSV
//! model from red through yellow, green, cyan, blue and magenta back to red) and `ColorMapJet(x)`
//! (dark blue through cyan, yellow and orange to dark red, as the "jet" map), `x` from 0 to 1; the
//! legacy `QlikTechBlue()` and `QlikTechGray()`; and `SysColor(n)`, Windows' system color `n` as
//! `GetSysColor(n)` gives it in Windows 10's default scheme (the engine has no desktop to ask).

use super::args::Args;
use super::color::color;
use crate::value::Value;

/// Windows 10's default system colors, by `GetSysColor` index (0 to 30).
const SYSTEM: [[u8; 3]; 31] = [
    [200, 200, 200], // COLOR_SCROLLBAR
    [0, 0, 0],       // COLOR_BACKGROUND
    [153, 180, 209], // COLOR_ACTIVECAPTION
    [191, 205, 219], // COLOR_INACTIVECAPTION
    [240, 240, 240], // COLOR_MENU
    [255, 255, 255], // COLOR_WINDOW
    [100, 100, 100], // COLOR_WINDOWFRAME
    [0, 0, 0],       // COLOR_MENUTEXT
    [0, 0, 0],       // COLOR_WINDOWTEXT
    [0, 0, 0],       // COLOR_CAPTIONTEXT
    [180, 180, 180], // COLOR_ACTIVEBORDER
    [244, 247, 252], // COLOR_INACTIVEBORDER
    [171, 171, 171], // COLOR_APPWORKSPACE
    [0, 120, 215],   // COLOR_HIGHLIGHT
    [255, 255, 255], // COLOR_HIGHLIGHTTEXT
    [240, 240, 240], // COLOR_BTNFACE
    [160, 160, 160], // COLOR_BTNSHADOW
    [109, 109, 109], // COLOR_GRAYTEXT
    [0, 0, 0],       // COLOR_BTNTEXT
    [0, 0, 0],       // COLOR_INACTIVECAPTIONTEXT
    [255, 255, 255], // COLOR_BTNHIGHLIGHT
    [105, 105, 105], // COLOR_3DDKSHADOW
    [227, 227, 227], // COLOR_3DLIGHT
    [0, 0, 0],       // COLOR_INFOTEXT
    [255, 255, 225], // COLOR_INFOBK
    [0, 0, 0],       // (unused)
    [0, 102, 204],   // COLOR_HOTLIGHT
    [185, 209, 234], // COLOR_GRADIENTACTIVECAPTION
    [215, 228, 242], // COLOR_GRADIENTINACTIVECAPTION
    [0, 120, 215],   // COLOR_MENUHILIGHT
    [240, 240, 240], // COLOR_MENUBAR
];

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    let rgb = match name {
        "ColorMapHue" => args.num(0).map(hue),
        "ColorMapJet" => args.num(0).map(jet),
        "QlikTechBlue" => Some([8, 18, 90]),
        "QlikTechGray" => Some([158, 148, 137]),
        "SysColor" => args
            .int(0)
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| SYSTEM.get(n).copied()),
        _ => return None,
    };
    Some(rgb.map_or(Value::Null, |[r, g, b]| color(255, r, g, b)))
}

/// A channel from a fraction 0 to 1.
fn channel(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The fully saturated, full-value color of hue `x` (0 to 1, clamped).
fn hue(x: f64) -> [u8; 3] {
    let h6 = x.clamp(0.0, 1.0) * 6.0;
    let f = |k: f64| {
        // HSV to RGB with S = V = 1: v − v·s·max(0, min(k', 4 − k', 1)).
        let k = (k + h6).rem_euclid(6.0);
        channel(1.0 - k.min(4.0 - k).clamp(0.0, 1.0))
    };
    [f(5.0), f(3.0), f(1.0)]
}

/// The jet color map at `x` (0 to 1, clamped).
fn jet(x: f64) -> [u8; 3] {
    let x = x.clamp(0.0, 1.0);
    let f = |centre: f64| channel(1.5 - (4.0 * x - centre).abs());
    [f(3.0), f(2.0), f(1.0)]
}
