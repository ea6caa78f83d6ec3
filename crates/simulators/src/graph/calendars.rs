//! Calendars of the simulated organisation, for `getSchedule`.
//!
//! Every user has working hours in a time zone and, unless a test sets the events, a calendar
//! generated from the simulator's seed, the user's id and the day: the same seed gives the same
//! meetings on the same days, whenever it is asked. Meetings carry a subject and a location (as
//! Exchange shares them when the mailbox allows), so a client that must not keep them has
//! something to leave out; a few are private and carry neither.
//!
//! Most of the organisation works in Central Europe (`W. Europe Standard Time`); a few remote
//! colleagues work from London, New York, or a zone Exchange only knows as a `customTimeZone`
//! (Graph's own example: Pacific rules written as a bias and two transitions).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::time_zones::zone_by_name;
use super::Shared;

/// How a calendar item blocks time (Graph's `freeBusyStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimFreeBusy {
    Free,
    Tentative,
    Busy,
    OutOfOffice,
    WorkingElsewhere,
}

impl SimFreeBusy {
    /// The value Graph writes in `scheduleItems[].status`.
    pub fn wire(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Tentative => "tentative",
            Self::Busy => "busy",
            Self::OutOfOffice => "oof",
            Self::WorkingElsewhere => "workingElsewhere",
        }
    }

    /// The digit of `availabilityView`.
    pub(crate) fn digit(self) -> char {
        match self {
            Self::Free => '0',
            Self::Tentative => '1',
            Self::Busy => '2',
            Self::OutOfOffice => '3',
            Self::WorkingElsewhere => '4',
        }
    }

    /// Which status a slot shows when several items overlap it.
    pub(crate) fn weight(self) -> u8 {
        match self {
            Self::OutOfOffice => 4,
            Self::Busy => 3,
            Self::Tentative => 2,
            Self::WorkingElsewhere => 1,
            Self::Free => 0,
        }
    }
}

/// One calendar item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEvent {
    pub start: SystemTime,
    pub end: SystemTime,
    pub status: SimFreeBusy,
    pub subject: String,
    pub location: String,
    /// Private items are returned without subject and location.
    pub private: bool,
}

/// The zone a user's working hours are written in, as Graph reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimZone {
    /// A Windows zone name (`W. Europe Standard Time`).
    Windows(&'static str),
    /// Pacific rules sent as a `customTimeZone` (bias 480, daylight bias -60), as in Graph's
    /// documentation.
    CustomPacific,
}

impl SimZone {
    pub(crate) fn rules(self) -> TimeZone {
        let name = match self {
            Self::Windows(name) => name,
            Self::CustomPacific => "Pacific Standard Time",
        };
        zone_by_name(name).expect("simulated zones are known")
    }
}

/// A user's working hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimWorkingHours {
    /// Monday first.
    pub days: [bool; 7],
    /// Hour and minute.
    pub start: (i8, i8),
    pub end: (i8, i8),
    pub zone: SimZone,
}

impl SimWorkingHours {
    pub(crate) fn start_time(&self) -> Time {
        Time::new(self.start.0, self.start.1, 0, 0).unwrap_or(Time::midnight())
    }

    pub(crate) fn end_time(&self) -> Time {
        Time::new(self.end.0, self.end.1, 0, 0).unwrap_or(Time::midnight())
    }

    fn works_on(&self, day: Date) -> bool {
        self.days[day.weekday().to_monday_zero_offset() as usize]
    }
}

/// Test and demo overrides on top of the generated calendars.
#[derive(Debug, Default)]
pub(crate) struct CalendarBook {
    seed: u64,
    /// The organisation refuses free/busy to this app (403 for every `getSchedule`).
    pub refused: bool,
    events: HashMap<Uuid, Vec<SimEvent>>,
    hours: HashMap<Uuid, SimWorkingHours>,
}

const SUBJECTS: &[&str] = &[
    "Quarterly planning",
    "Sprint review",
    "Customer call Brauerei Hofmann",
    "1:1 with team lead",
    "Budget 2025 draft",
    "Interview backend engineer",
    "Dentist appointment",
    "Board preparation",
    "Team sync",
    "Lunch with the Zürich office",
    "Contract negotiation Alpenland AG",
    "Onboarding new colleagues",
];
const LOCATIONS: &[&str] = &[
    "Room Rhein 2.14",
    "Microsoft Teams Meeting",
    "Berlin office, Spree room",
    "Café Sacher",
    "Customer site Stuttgart",
    "Hamburg office, Elbe room",
];

fn rng_for(seed: u64, user: Uuid, salt: &str, day: i64) -> StdRng {
    let digest = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(user.as_bytes())
        .chain_update(salt.as_bytes())
        .chain_update(day.to_le_bytes())
        .finalize();
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&digest);
    StdRng::from_seed(bytes)
}

fn days_since_epoch(day: Date) -> i64 {
    day.to_zoned(TimeZone::UTC).map_or(0, |midnight| {
        midnight.timestamp().as_second().div_euclid(86_400)
    })
}

fn minute_of_day(time: Time) -> i64 {
    i64::from(time.hour()) * 60 + i64::from(time.minute())
}

impl CalendarBook {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    pub fn working_hours(&self, user: Uuid) -> SimWorkingHours {
        if let Some(hours) = self.hours.get(&user) {
            return *hours;
        }
        let mut rng = rng_for(self.seed, user, "hours", 0);
        let zone = match rng.gen_range(0..100) {
            0..=79 => SimZone::Windows("W. Europe Standard Time"),
            80..=87 => SimZone::Windows("GMT Standard Time"),
            88..=93 => SimZone::Windows("Eastern Standard Time"),
            _ => SimZone::CustomPacific,
        };
        let start_half_hours = rng.gen_range(14..=18); // 07:00 .. 09:00
        let length_half_hours = rng.gen_range(16..=19); // 8 .. 9.5 hours
        let end_half_hours = start_half_hours + length_half_hours;
        let part_time = rng.gen_bool(0.1);
        SimWorkingHours {
            days: [true, true, true, true, !part_time, false, false],
            start: (start_half_hours / 2, (start_half_hours % 2) * 30),
            end: (end_half_hours / 2, (end_half_hours % 2) * 30),
            zone,
        }
    }

    /// The user's items overlapping `[from, to)`, ordered by start.
    pub fn events(&self, user: Uuid, from: Timestamp, to: Timestamp) -> Vec<SimEvent> {
        let overlaps = |e: &SimEvent| {
            Timestamp::try_from(e.start).is_ok_and(|s| s < to)
                && Timestamp::try_from(e.end).is_ok_and(|e| e > from)
        };
        let mut events: Vec<SimEvent> = match self.events.get(&user) {
            Some(events) => events.iter().filter(|e| overlaps(e)).cloned().collect(),
            None => self
                .generated(user, from, to)
                .into_iter()
                .filter(overlaps)
                .collect(),
        };
        events.sort_by_key(|e| e.start);
        events
    }

    fn generated(&self, user: Uuid, from: Timestamp, to: Timestamp) -> Vec<SimEvent> {
        let hours = self.working_hours(user);
        let zone = hours.zone.rules();
        let at = |day: Date, time: Time| {
            zone.to_timestamp(day.to_datetime(time))
                .map(SystemTime::from)
                .ok()
        };
        let first = zone
            .to_datetime(
                from.checked_sub(SignedDuration::from_hours(24 * 7))
                    .unwrap_or(from),
            )
            .date();
        let last = zone.to_datetime(to).date();
        let mut events = Vec::new();
        let mut day = first;
        while day <= last {
            let number = days_since_epoch(day);
            // A holiday week now and then: out of office from Monday to Friday.
            if day.weekday() == Weekday::Monday {
                let mut week = rng_for(self.seed, user, "holiday", number);
                if week.gen_bool(0.04) {
                    let saturday = day.checked_add(jiff::Span::new().days(5)).ok();
                    if let (Some(start), Some(end)) = (
                        at(day, Time::midnight()),
                        saturday.and_then(|s| at(s, Time::midnight())),
                    ) {
                        events.push(SimEvent {
                            start,
                            end,
                            status: SimFreeBusy::OutOfOffice,
                            subject: "Holiday".into(),
                            location: String::new(),
                            private: false,
                        });
                    }
                }
            }
            if hours.works_on(day) {
                let mut rng = rng_for(self.seed, user, "day", number);
                let start = hours.start_time();
                let end = hours.end_time();
                let slots = (minute_of_day(end) - minute_of_day(start)) / 30;
                for _ in 0..rng.gen_range(0..=4) {
                    if slots < 2 {
                        break;
                    }
                    let offset = SignedDuration::from_mins(30 * rng.gen_range(0..slots - 1));
                    let Ok(begin) = start.checked_add(offset) else {
                        continue;
                    };
                    let length = SignedDuration::from_mins(30 * rng.gen_range(1..=3));
                    let status = match rng.gen_range(0..10) {
                        0..=6 => SimFreeBusy::Busy,
                        7 | 8 => SimFreeBusy::Tentative,
                        _ => SimFreeBusy::WorkingElsewhere,
                    };
                    let private = rng.gen_bool(0.1);
                    let subject = SUBJECTS[rng.gen_range(0..SUBJECTS.len())];
                    let location = LOCATIONS[rng.gen_range(0..LOCATIONS.len())];
                    let finish = begin.checked_add(length).unwrap_or(end);
                    if let (Some(s), Some(e)) = (at(day, begin), at(day, finish)) {
                        events.push(SimEvent {
                            start: s,
                            end: e,
                            status,
                            subject: subject.into(),
                            location: location.into(),
                            private,
                        });
                    }
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        events
    }
}

/// Steering the calendars: `GraphControl::calendars()`.
#[derive(Clone)]
pub struct CalendarControl {
    shared: Arc<Shared>,
}

impl CalendarControl {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, CalendarBook> {
        self.shared.calendars.lock().expect("calendar lock")
    }

    /// Replaces the user's generated calendar with exactly these items.
    pub fn set_events(&self, user: Uuid, events: Vec<SimEvent>) {
        self.book().events.insert(user, events);
    }

    /// Back to the generated calendar.
    pub fn clear_events(&self, user: Uuid) {
        self.book().events.remove(&user);
    }

    /// While set, every `getSchedule` is refused with 403 `ErrorAccessDenied` although the token
    /// carries a calendar permission (an organisation policy, a user without a mailbox).
    pub fn refuse_access(&self, refuse: bool) {
        self.book().refused = refuse;
    }

    pub fn set_working_hours(&self, user: Uuid, hours: SimWorkingHours) {
        self.book().hours.insert(user, hours);
    }

    pub fn working_hours(&self, user: Uuid) -> SimWorkingHours {
        self.book().working_hours(user)
    }

    /// What `getSchedule` serves for the user between `from` and `to`, subjects included.
    pub fn events(&self, user: Uuid, from: SystemTime, to: SystemTime) -> Vec<SimEvent> {
        let (Ok(from), Ok(to)) = (Timestamp::try_from(from), Timestamp::try_from(to)) else {
            return Vec::new();
        };
        self.book().events(user, from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendars_are_deterministic_per_seed_and_mostly_central_european() {
        let users: Vec<Uuid> = (0..200u128).map(Uuid::from_u128).collect();
        let from = Timestamp::from_second(1_733_011_200).unwrap(); // Sun 1 Dec 2024
        let to = from
            .checked_add(SignedDuration::from_hours(24 * 14))
            .unwrap();
        let a = CalendarBook::new(7);
        let b = CalendarBook::new(7);
        let other = CalendarBook::new(8);
        let mut subjects = 0;
        let mut private = 0;
        for user in &users {
            let events = a.events(*user, from, to);
            assert_eq!(events, b.events(*user, from, to));
            subjects += events.iter().filter(|e| !e.private).count();
            private += events.iter().filter(|e| e.private).count();
            assert!(events.iter().all(|e| e.start < e.end));
        }
        assert!(subjects > 500 && private > 20, "{subjects} {private}");
        let differs = users
            .iter()
            .any(|u| a.events(*u, from, to) != other.events(*u, from, to));
        assert!(differs, "another seed, other calendars");
        let central = users
            .iter()
            .filter(|u| a.working_hours(**u).zone == SimZone::Windows("W. Europe Standard Time"))
            .count();
        assert!((140..=180).contains(&central), "{central}");
        assert!(users
            .iter()
            .any(|u| a.working_hours(*u).zone == SimZone::CustomPacific));
    }

    #[test]
    fn overrides_replace_the_generated_calendar() {
        let mut book = CalendarBook::new(7);
        let user = Uuid::from_u128(1);
        let start = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_733_400_000);
        let event = SimEvent {
            start,
            end: start + std::time::Duration::from_secs(1800),
            status: SimFreeBusy::Busy,
            subject: "Secret".into(),
            location: "Room".into(),
            private: false,
        };
        book.events.insert(user, vec![event.clone()]);
        let from = Timestamp::from_second(1_733_356_800).unwrap();
        let to = Timestamp::from_second(1_733_443_200).unwrap();
        assert_eq!(book.events(user, from, to), vec![event]);
        assert!(book
            .events(
                user,
                to,
                to.checked_add(SignedDuration::from_hours(1)).unwrap()
            )
            .is_empty());
    }
}
