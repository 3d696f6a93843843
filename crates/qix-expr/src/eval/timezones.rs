//! `ConvertToLocalTime(timestamp, place, ignore_dst)`: a UTC timestamp as the local time of a place,
//! from the IANA time zone database bundled with `jiff`. The place is one of the city and region
//! names Qlik's help lists (`Paris`, `Eastern Time (US & Canada)`, ...), an IANA name
//! (`Europe/Paris`), or a fixed offset `GMT+hh:mm` / `UTC-hh` (no daylight saving there); with
//! `ignore_dst` true, the place's standard time is used all year. `DayLightSaving()`: the engine's
//! clock is UTC (see `TimeZone()`), which has no daylight saving, so it is 0.

use super::args::Args;
use super::dates::zone_offset;
use super::format::date_dual;
use crate::locale::Locale;
use crate::value::Value;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Qlik's place names and the IANA zones they stand for.
const PLACES: &[(&str, &str)] = &[
    ("Abu Dhabi", "Asia/Dubai"),
    ("Adelaide", "Australia/Adelaide"),
    ("Alaska", "America/Anchorage"),
    ("Almaty", "Asia/Almaty"),
    ("Amsterdam", "Europe/Amsterdam"),
    ("Arizona", "America/Phoenix"),
    ("Astana", "Asia/Almaty"),
    ("Athens", "Europe/Athens"),
    ("Atlantic Time (Canada)", "America/Halifax"),
    ("Auckland", "Pacific/Auckland"),
    ("Azores", "Atlantic/Azores"),
    ("Baghdad", "Asia/Baghdad"),
    ("Baku", "Asia/Baku"),
    ("Bangkok", "Asia/Bangkok"),
    ("Beijing", "Asia/Shanghai"),
    ("Belgrade", "Europe/Belgrade"),
    ("Berlin", "Europe/Berlin"),
    ("Bern", "Europe/Zurich"),
    ("Bogota", "America/Bogota"),
    ("Brasilia", "America/Sao_Paulo"),
    ("Bratislava", "Europe/Bratislava"),
    ("Brisbane", "Australia/Brisbane"),
    ("Brussels", "Europe/Brussels"),
    ("Bucharest", "Europe/Bucharest"),
    ("Budapest", "Europe/Budapest"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Cairo", "Africa/Cairo"),
    ("Canberra", "Australia/Sydney"),
    ("Cape Verde Is.", "Atlantic/Cape_Verde"),
    ("Caracas", "America/Caracas"),
    ("Casablanca", "Africa/Casablanca"),
    ("Central America", "America/Guatemala"),
    ("Central Time (US & Canada)", "America/Chicago"),
    ("Chennai", "Asia/Kolkata"),
    ("Chihuahua", "America/Chihuahua"),
    ("Chongqing", "Asia/Shanghai"),
    ("Copenhagen", "Europe/Copenhagen"),
    ("Darwin", "Australia/Darwin"),
    ("Dhaka", "Asia/Dhaka"),
    ("Dublin", "Europe/Dublin"),
    ("Eastern Time (US & Canada)", "America/New_York"),
    ("Edinburgh", "Europe/London"),
    ("Ekaterinburg", "Asia/Yekaterinburg"),
    ("Fiji", "Pacific/Fiji"),
    ("Georgetown", "America/Guyana"),
    ("Greenland", "America/Nuuk"),
    ("Guadalajara", "America/Mexico_City"),
    ("Guam", "Pacific/Guam"),
    ("Hanoi", "Asia/Bangkok"),
    ("Harare", "Africa/Harare"),
    ("Hawaii", "Pacific/Honolulu"),
    ("Helsinki", "Europe/Helsinki"),
    ("Hobart", "Australia/Hobart"),
    ("Hong Kong", "Asia/Hong_Kong"),
    ("Indiana (East)", "America/Indiana/Indianapolis"),
    ("International Date Line West", "Etc/GMT+12"),
    ("Irkutsk", "Asia/Irkutsk"),
    ("Islamabad", "Asia/Karachi"),
    ("Istanbul", "Europe/Istanbul"),
    ("Jakarta", "Asia/Jakarta"),
    ("Jerusalem", "Asia/Jerusalem"),
    ("Kabul", "Asia/Kabul"),
    ("Kamchatka", "Asia/Kamchatka"),
    ("Karachi", "Asia/Karachi"),
    ("Kathmandu", "Asia/Kathmandu"),
    ("Kolkata", "Asia/Kolkata"),
    ("Krasnoyarsk", "Asia/Krasnoyarsk"),
    ("Kuala Lumpur", "Asia/Kuala_Lumpur"),
    ("Kuwait", "Asia/Kuwait"),
    ("Kyiv", "Europe/Kyiv"),
    ("La Paz", "America/La_Paz"),
    ("Lima", "America/Lima"),
    ("Lisbon", "Europe/Lisbon"),
    ("Ljubljana", "Europe/Ljubljana"),
    ("London", "Europe/London"),
    ("Madrid", "Europe/Madrid"),
    ("Magadan", "Asia/Magadan"),
    ("Mazatlan", "America/Mazatlan"),
    ("Melbourne", "Australia/Melbourne"),
    ("Mexico City", "America/Mexico_City"),
    ("Mid-Atlantic", "Atlantic/South_Georgia"),
    ("Midway Island", "Pacific/Midway"),
    ("Minsk", "Europe/Minsk"),
    ("Monrovia", "Africa/Monrovia"),
    ("Monterrey", "America/Monterrey"),
    ("Moscow", "Europe/Moscow"),
    ("Mountain Time (US & Canada)", "America/Denver"),
    ("Mumbai", "Asia/Kolkata"),
    ("Muscat", "Asia/Muscat"),
    ("Nairobi", "Africa/Nairobi"),
    ("New Caledonia", "Pacific/Noumea"),
    ("New Delhi", "Asia/Kolkata"),
    ("Newfoundland", "America/St_Johns"),
    ("Novosibirsk", "Asia/Novosibirsk"),
    ("Nuku'alofa", "Pacific/Tongatapu"),
    ("Osaka", "Asia/Tokyo"),
    ("Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("Paris", "Europe/Paris"),
    ("Perth", "Australia/Perth"),
    ("Port Moresby", "Pacific/Port_Moresby"),
    ("Prague", "Europe/Prague"),
    ("Pretoria", "Africa/Johannesburg"),
    ("Quito", "America/Guayaquil"),
    ("Riga", "Europe/Riga"),
    ("Riyadh", "Asia/Riyadh"),
    ("Rome", "Europe/Rome"),
    ("Samoa", "Pacific/Pago_Pago"),
    ("Santiago", "America/Santiago"),
    ("Sapporo", "Asia/Tokyo"),
    ("Sarajevo", "Europe/Sarajevo"),
    ("Saskatchewan", "America/Regina"),
    ("Seoul", "Asia/Seoul"),
    ("Singapore", "Asia/Singapore"),
    ("Skopje", "Europe/Skopje"),
    ("Sofia", "Europe/Sofia"),
    ("Solomon Is.", "Pacific/Guadalcanal"),
    ("Sri Jayawardenepura", "Asia/Colombo"),
    ("St. Petersburg", "Europe/Moscow"),
    ("Stockholm", "Europe/Stockholm"),
    ("Sydney", "Australia/Sydney"),
    ("Taipei", "Asia/Taipei"),
    ("Tallinn", "Europe/Tallinn"),
    ("Tashkent", "Asia/Tashkent"),
    ("Tbilisi", "Asia/Tbilisi"),
    ("Tehran", "Asia/Tehran"),
    ("Tokyo", "Asia/Tokyo"),
    ("Urumqi", "Asia/Urumqi"),
    ("Vienna", "Europe/Vienna"),
    ("Vilnius", "Europe/Vilnius"),
    ("Vladivostok", "Asia/Vladivostok"),
    ("Volgograd", "Europe/Volgograd"),
    ("Warsaw", "Europe/Warsaw"),
    ("Wellington", "Pacific/Auckland"),
    ("West Central Africa", "Africa/Lagos"),
    ("Yakutsk", "Asia/Yakutsk"),
    ("Yerevan", "Asia/Yerevan"),
    ("Zagreb", "Europe/Zagreb"),
];

/// Days from 1899-12-30 (serial 0) to 1970-01-01.
const UNIX_EPOCH: f64 = 25_569.0;

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    match name {
        "ConvertToLocalTime" => Some(convert(args, locale).unwrap_or(Value::Null)),
        "DayLightSaving" => Some(Value::Num(0.0)),
        _ => None,
    }
}

/// A place's zone: a fixed offset in days, or a zone of the database.
enum Zone {
    Fixed(f64),
    Tz(TimeZone),
}

fn zone(place: &str) -> Option<Zone> {
    let place = place.trim();
    if let Some(offset) = zone_offset(place) {
        return Some(Zone::Fixed(offset));
    }
    let iana = PLACES
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(place))
        .map_or(place, |(_, z)| z);
    TimeZone::get(iana).ok().map(Zone::Tz)
}

/// `ConvertToLocalTime(timestamp, place, ignore_dst)`.
fn convert(args: &mut Args, locale: &Locale) -> Option<Value> {
    let t = args.date(0, locale)?;
    let zone = match args.text(1) {
        Some(place) => zone(&place)?,
        None => Zone::Fixed(0.0),
    };
    let ignore_dst = args.take(2).truthy();
    let offset = match zone {
        Zone::Fixed(days) => days,
        Zone::Tz(tz) => f64::from(tz_offset(&tz, t, ignore_dst)?) / 86_400.0,
    };
    Some(date_dual(t + offset, &locale.timestamp_format, locale))
}

/// The offset from UTC, in seconds, of `tz` at serial `t`: its standard time's when `ignore_dst`.
fn tz_offset(tz: &TimeZone, t: f64, ignore_dst: bool) -> Option<i32> {
    let ms = ((t - UNIX_EPOCH) * 86_400_000.0).round();
    if !ms.is_finite() || ms.abs() > 1e16 {
        return None;
    }
    let ts = Timestamp::from_millisecond(ms as i64).ok()?;
    let info = tz.to_offset_info(ts);
    if !ignore_dst || !info.dst().is_dst() {
        return Some(info.offset().seconds());
    }
    // The offset of the latest change to standard time before it (or the next one after it).
    let standard = tz
        .preceding(ts)
        .find(|tr| !tr.dst().is_dst())
        .or_else(|| tz.following(ts).find(|tr| !tr.dst().is_dst()))
        .map_or(info.offset(), |tr| tr.offset());
    Some(standard.seconds())
}
