//! Time zone names as Graph accepts them in `dateTimeTimeZone.timeZone` and in
//! `Prefer: outlook.timezone`: Windows names and IANA names.
//!
//! Kept apart from the client's own mapping on purpose (an independent reading of the same
//! facts). Graph knows every Windows zone; the simulator knows the ones below, which is every
//! zone it serves plus common ones, and rejects the rest like an unknown name.

use jiff::tz::TimeZone;

/// Windows zone name -> IANA zone (CLDR `windowsZones.xml`, territory 001).
const WINDOWS: &[(&str, &str)] = &[
    ("UTC", "Etc/UTC"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Romance Standard Time", "Europe/Paris"),
    ("GMT Standard Time", "Europe/London"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("India Standard Time", "Asia/Calcutta"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
];

/// The zone for a name Graph accepts; `None` otherwise.
pub(crate) fn zone_by_name(name: &str) -> Option<TimeZone> {
    let trimmed = name.trim();
    if trimmed.eq_ignore_ascii_case("UTC") {
        return Some(TimeZone::UTC);
    }
    if let Some((_, iana)) = WINDOWS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(trimmed))
    {
        return TimeZone::get(iana).ok();
    }
    // IANA names: `Area/Location`, as Graph accepts them too.
    let plausible = trimmed.contains('/')
        && !trimmed.contains("..")
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
    plausible.then(|| TimeZone::get(trimmed).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_iana_names() {
        assert_eq!(zone_by_name("utc"), Some(TimeZone::UTC));
        assert_eq!(
            zone_by_name("W. Europe Standard Time"),
            TimeZone::get("Europe/Berlin").ok()
        );
        assert_eq!(
            zone_by_name("America/Chicago"),
            TimeZone::get("America/Chicago").ok()
        );
        for unknown in ["", "Mars Standard Time", "Berlin", "../etc/passwd", "CET "] {
            assert_eq!(zone_by_name(unknown), None, "{unknown:?}");
        }
    }
}
