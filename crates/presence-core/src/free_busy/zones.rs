//! Time zones as Exchange names them: Windows zone names ("W. Europe Standard Time") and
//! Graph's `customTimeZone` (a bias plus two yearly transition rules).
//!
//! Both become real zone rules (`jiff::tz::TimeZone`). Looking an IANA name up in the tz
//! database reads files, so that part is the caller's (graph-client); everything here is pure.

use jiff::civil::Time;
use jiff::tz::TimeZone;

use crate::time::Weekday;

/// The IANA zone for a Windows time zone name, as CLDR maps it for the world at large
/// (`windowsZones.xml`, territory "001"). Case-insensitive; `None` for names that are not
/// Windows zone names (IANA names, for example).
pub fn windows_to_iana(name: &str) -> Option<&'static str> {
    let name = name.trim();
    WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
        .map(|(_, iana)| *iana)
}

/// One yearly transition of a [`CustomZone`]: "the `occurrence`th `weekday` of `month` at
/// `time`", local time before the transition (the Windows `SYSTEMTIME` convention).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// 1 (January) to 12.
    pub month: u8,
    /// 1 to 5; 5 means the last such weekday of the month.
    pub occurrence: u8,
    pub weekday: Weekday,
    pub time: Time,
}

/// Graph's `customTimeZone`: what Exchange sends for a zone it has no name for.
///
/// The bias follows Windows (`UTC = local + bias`): Pacific time has bias 480 and daylight bias
/// -60 in Graph's own example, although the resource page's prose says the opposite sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomZone {
    /// Minutes to add to local standard time to get UTC.
    pub bias_minutes: i32,
    /// Minutes added to the bias during daylight saving time (usually -60).
    pub daylight_bias_minutes: i32,
    /// Back to standard time; `None` without daylight saving time.
    pub standard: Option<Transition>,
    /// Into daylight saving time; `None` without daylight saving time.
    pub daylight: Option<Transition>,
}

impl CustomZone {
    /// The zone's rules, or `None` when they make no sense (bias beyond ±25 h, a transition
    /// outside the calendar).
    pub fn to_time_zone(&self) -> Option<TimeZone> {
        const MAX_BIAS: i32 = 25 * 60;
        let std_bias = self.bias_minutes;
        let dst_bias = self.bias_minutes.checked_add(self.daylight_bias_minutes)?;
        if std_bias.abs() > MAX_BIAS || dst_bias.abs() > MAX_BIAS {
            return None;
        }
        // POSIX TZ offsets count minutes west of Greenwich, exactly like the Windows bias.
        let mut rule = format!("STD{}", posix_offset(std_bias));
        match (self.daylight, self.standard) {
            (Some(daylight), Some(standard)) if self.daylight_bias_minutes != 0 => {
                rule.push_str(&format!(
                    "DST{},{},{}",
                    posix_offset(dst_bias),
                    posix_rule(daylight)?,
                    posix_rule(standard)?
                ));
            }
            _ => {}
        }
        TimeZone::posix(&rule).ok()
    }
}

fn posix_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let minutes = minutes.unsigned_abs();
    format!("{sign}{}:{:02}", minutes / 60, minutes % 60)
}

fn posix_rule(transition: Transition) -> Option<String> {
    if !(1..=12).contains(&transition.month) || !(1..=5).contains(&transition.occurrence) {
        return None;
    }
    let day = match transition.weekday {
        Weekday::Sun => 0,
        Weekday::Mon => 1,
        Weekday::Tue => 2,
        Weekday::Wed => 3,
        Weekday::Thu => 4,
        Weekday::Fri => 5,
        Weekday::Sat => 6,
    };
    let time = transition.time;
    Some(format!(
        "M{}.{}.{day}/{}:{:02}:{:02}",
        transition.month,
        transition.occurrence,
        time.hour(),
        time.minute(),
        time.second()
    ))
}

/// CLDR `windowsZones.xml`, territory "001" (the zone Windows means when no country is known).
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Aleutian Standard Time", "America/Adak"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Marquesas Standard Time", "Pacific/Marquesas"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("UTC-09", "Etc/GMT+9"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("UTC-08", "Etc/GMT+8"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Yukon Standard Time", "America/Whitehorse"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Easter Island Standard Time", "Pacific/Easter"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("Haiti Standard Time", "America/Port-au-Prince"),
    ("Cuba Standard Time", "America/Havana"),
    ("US Eastern Standard Time", "America/Indianapolis"),
    ("Turks And Caicos Standard Time", "America/Grand_Turk"),
    ("Paraguay Standard Time", "America/Asuncion"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Central Brazilian Standard Time", "America/Cuiaba"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Tocantins Standard Time", "America/Araguaina"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("Greenland Standard Time", "America/Godthab"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("Magallanes Standard Time", "America/Punta_Arenas"),
    ("Saint Pierre Standard Time", "America/Miquelon"),
    ("Bahia Standard Time", "America/Bahia"),
    ("UTC-02", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Sao Tome Standard Time", "Africa/Sao_Tome"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("West Bank Standard Time", "Asia/Hebron"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("South Sudan Standard Time", "Africa/Juba"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Sudan Standard Time", "Africa/Khartoum"),
    ("Libya Standard Time", "Africa/Tripoli"),
    ("Namibia Standard Time", "Africa/Windhoek"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Astrakhan Standard Time", "Europe/Astrakhan"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Russia Time Zone 3", "Europe/Samara"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
    ("Saratov Standard Time", "Europe/Saratov"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Volgograd Standard Time", "Europe/Volgograd"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Katmandu"),
    ("Central Asia Standard Time", "Asia/Bishkek"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Omsk Standard Time", "Asia/Omsk"),
    ("Myanmar Standard Time", "Asia/Rangoon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Altai Standard Time", "Asia/Barnaul"),
    ("W. Mongolia Standard Time", "Asia/Hovd"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("N. Central Asia Standard Time", "Asia/Novosibirsk"),
    ("Tomsk Standard Time", "Asia/Tomsk"),
    ("China Standard Time", "Asia/Shanghai"),
    ("North Asia East Standard Time", "Asia/Irkutsk"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Ulaanbaatar Standard Time", "Asia/Ulaanbaatar"),
    ("Aus Central W. Standard Time", "Australia/Eucla"),
    ("Transbaikal Standard Time", "Asia/Chita"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("North Korea Standard Time", "Asia/Pyongyang"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Yakutsk Standard Time", "Asia/Yakutsk"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Bougainville Standard Time", "Pacific/Bougainville"),
    ("Russia Time Zone 10", "Asia/Srednekolymsk"),
    ("Magadan Standard Time", "Asia/Magadan"),
    ("Norfolk Standard Time", "Pacific/Norfolk"),
    ("Sakhalin Standard Time", "Asia/Sakhalin"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("Russia Time Zone 11", "Asia/Kamchatka"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Chatham Islands Standard Time", "Pacific/Chatham"),
    ("UTC+13", "Etc/GMT-13"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "Pacific/Apia"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    #[test]
    fn windows_names_map_case_insensitively() {
        assert_eq!(
            windows_to_iana("W. Europe Standard Time"),
            Some("Europe/Berlin")
        );
        assert_eq!(
            windows_to_iana(" pacific standard time "),
            Some("America/Los_Angeles")
        );
        assert_eq!(windows_to_iana("Europe/Berlin"), None);
        let mut names: Vec<&str> = WINDOWS_ZONES.iter().map(|(w, _)| *w).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), WINDOWS_ZONES.len(), "no name twice");
        for (windows, iana) in WINDOWS_ZONES {
            assert!(
                TimeZone::get(iana).is_ok(),
                "{windows} -> {iana} is in the tz database"
            );
        }
    }

    /// Graph's own example (calendar-getschedule.md): Pacific time as a custom zone.
    fn graph_example() -> CustomZone {
        CustomZone {
            bias_minutes: 480,
            daylight_bias_minutes: -60,
            standard: Some(Transition {
                month: 11,
                occurrence: 1,
                weekday: Weekday::Sun,
                time: time(2, 0, 0, 0),
            }),
            daylight: Some(Transition {
                month: 3,
                occurrence: 2,
                weekday: Weekday::Sun,
                time: time(2, 0, 0, 0),
            }),
        }
    }

    #[test]
    fn custom_zone_follows_its_transitions() {
        let zone = graph_example().to_time_zone().unwrap();
        let offset = |y, m, d, h| {
            let at = zone.to_timestamp(date(y, m, d).at(h, 0, 0, 0)).unwrap();
            zone.to_offset(at).seconds() / 3600
        };
        assert_eq!(offset(2024, 1, 15, 12), -8);
        assert_eq!(offset(2024, 3, 10, 1), -8);
        assert_eq!(offset(2024, 3, 10, 3), -7);
        assert_eq!(offset(2024, 7, 1, 12), -7);
        assert_eq!(offset(2024, 11, 3, 0), -7);
        assert_eq!(offset(2024, 11, 3, 3), -8);
        // Same instants as the tz database's Los Angeles.
        let la = TimeZone::get("America/Los_Angeles").unwrap();
        for day in 0..366 {
            let at =
                jiff::Timestamp::from_second(1_704_067_200 + day * 86_400 + 3_600 * 10).unwrap();
            assert_eq!(zone.to_offset(at), la.to_offset(at), "day {day}");
        }
    }

    #[test]
    fn custom_zone_without_daylight_saving_and_odd_offsets() {
        let india = CustomZone {
            bias_minutes: -330,
            daylight_bias_minutes: 0,
            standard: None,
            daylight: None,
        };
        let zone = india.to_time_zone().unwrap();
        let at = jiff::Timestamp::from_second(0).unwrap();
        assert_eq!(zone.to_offset(at).seconds(), 5 * 3600 + 30 * 60);
        let broken = CustomZone {
            bias_minutes: 99_999,
            ..india
        };
        assert!(broken.to_time_zone().is_none());
        let bad_month = CustomZone {
            daylight: Some(Transition {
                month: 13,
                ..graph_example().daylight.unwrap()
            }),
            ..graph_example()
        };
        assert!(bad_month.to_time_zone().is_none());
    }
}
