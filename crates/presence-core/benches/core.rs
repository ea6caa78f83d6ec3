//! Hot paths of the pure core: one engine step, merging a 5,000-colleague poll into the watch
//! list, a directory search keystroke over 5,000 entries, and the free/busy lines of 100
//! colleagues (recomputed once a minute for the people on screen).
//!
//! Goals (docs/PERFORMANCE.md): merge + diff <= 5 ms per poll, search <= 2 ms per keystroke.
//! Run: `cargo bench -p presence-core --bench core`.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use presence_core::directory_search::{DirectoryEntry, DirectoryIndex};
use presence_core::engine::{Input, Outputs};
use presence_core::watch_list::{AlertMode, ColleagueId, ColleagueSnapshot, WatchList};
use presence_core::{
    Engine, EngineConfig, LocalTime, Now, StarfaceState, TeamsPresence, TelephonyState, Timestamp,
    Weekday,
};

const COLLEAGUES: usize = 5_000;

fn at(ms: u64) -> Now {
    Now::new(
        Timestamp::from_millis(ms),
        LocalTime::new(Weekday::Tue, 10, 0),
    )
}

/// An engine that has read both sides and settled on Available with DND off.
fn settled_engine() -> Engine {
    let mut engine = Engine::new(EngineConfig::default()).expect("defaults are valid");
    engine.handle(
        Input::StarfaceObserved(StarfaceState::with_dnd(false)),
        at(0),
    );
    // The first Teams reading is acted on at once (STARFACE has been read): no debounce wait.
    let out = engine.handle(
        Input::TeamsObserved(TeamsPresence::new("Available", "Available")),
        at(10),
    );
    ack(&mut engine, &out, 11);
    engine
}

fn ack(engine: &mut Engine, out: &Outputs, ms: u64) {
    for issued in &out.commands {
        engine.handle(
            Input::CommandFinished {
                id: issued.id,
                result: Ok(()),
            },
            at(ms),
        );
    }
}

fn engine_step(c: &mut Criterion) {
    // The common case: a tick with nothing due (every second, all day).
    c.bench_function("engine/idle_tick", |b| {
        let mut engine = settled_engine();
        let mut t = 5_000;
        b.iter(|| {
            t += 1_000;
            black_box(engine.handle(Input::Tick, at(t)))
        })
    });
    // A full Teams transition: observation, debounce expiry with DND + chat commands, results.
    c.bench_function("engine/teams_transition", |b| {
        b.iter_batched(
            settled_engine,
            |mut engine| {
                engine.handle(
                    Input::TeamsObserved(TeamsPresence::new("Busy", "InAMeeting")),
                    at(10_000),
                );
                let out = engine.handle(Input::Tick, at(14_000));
                ack(&mut engine, &out, 14_001);
                black_box(out)
            },
            BatchSize::SmallInput,
        )
    });
}

/// Raw strings as graph-client hands them over, alternating between two states per poll.
fn raw_poll(flip: bool) -> Vec<RawPresence> {
    (0..COLLEAGUES)
        .map(|i| {
            let (availability, activity) = match (i % 4, flip) {
                (0, false) => ("Available", "Available"),
                (0, true) => ("Busy", "InACall"),
                (1, false) => ("Away", "Away"),
                (1, true) => ("Available", "Available"),
                (2, _) => ("Busy", "InAMeeting"),
                _ => ("Offline", "OffWork"),
            };
            let phone = (i % 10 == 0).then_some(if flip { "ACTIVE" } else { "AVAILABLE" });
            (
                format!("{i:08x}-0000-4000-8000-000000000000"),
                availability.to_owned(),
                activity.to_owned(),
                phone,
            )
        })
        .collect()
}

type RawPresence = (String, String, String, Option<&'static str>);

fn snapshots(raw: &[RawPresence]) -> impl Iterator<Item = ColleagueSnapshot> + '_ {
    raw.iter()
        .map(|(id, availability, activity, phone)| ColleagueSnapshot {
            id: ColleagueId(id.clone()),
            teams: Some(TeamsPresence::new(availability.as_str(), activity.as_str())),
            telephony: phone.map(TelephonyState::parse),
        })
}

fn watch_list_merge(c: &mut Criterion) {
    let polls = [raw_poll(false), raw_poll(true)];
    let mut list = WatchList::new();
    list.apply(snapshots(&polls[0]));
    for i in (0..COLLEAGUES).step_by(7) {
        list.notify_when_available(ColleagueId(polls[0][i].0.clone()), AlertMode::Always);
    }
    let mut next = 1;
    // Conversion from raw strings is inside the loop: the bridge pays it on every poll too.
    c.bench_function("watch_list/merge_diff_5000", |b| {
        b.iter(|| {
            let update = list.apply(snapshots(&polls[next]));
            next ^= 1;
            black_box(update)
        })
    });
}

const FIRST: [&str; 12] = [
    "Jürgen",
    "Anna",
    "Lukas",
    "Sophie",
    "Maximilian",
    "Marie",
    "Jörg",
    "Zoë",
    "Ömer",
    "Hannah",
    "José",
    "Ludwig",
];
const LAST: [&str; 12] = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weiß",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Groß",
    "Köhler",
];

fn directory(c: &mut Criterion) {
    let entries: Vec<DirectoryEntry> = (0..COLLEAGUES)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len()) % LAST.len()];
            DirectoryEntry {
                id: format!("{i:08x}-0000-4000-8000-000000000000"),
                display_name: format!("{first} {last}-{i}"),
                email: Some(format!("{first}.{last}{i}@contoso.de").to_lowercase()),
                favourite: i % 250 == 0,
            }
        })
        .collect();
    c.bench_function("directory/build_index_5000", |b| {
        b.iter_batched(
            || entries.clone(),
            |entries| black_box(DirectoryIndex::new(entries)),
            BatchSize::LargeInput,
        )
    });
    let index = DirectoryIndex::new(entries);
    // One keystroke each: short prefixes match thousands, longer ones few.
    for query in ["m", "mue", "muller", "anna sch", "xyz"] {
        c.bench_function(&format!("directory/search_5000/{query}"), |b| {
            b.iter(|| black_box(index.search(black_box(query), 50)))
        });
    }
}

/// 100 colleagues, each with two days of eight meetings and office hours in Berlin.
fn free_busy_lines(c: &mut Criterion) {
    use presence_core::free_busy::{describe, FreeBusyStatus, Schedule, ScheduleItem, WorkWeek};
    use presence_core::jiff::civil::time;
    use presence_core::jiff::tz::TimeZone;
    use presence_core::jiff::{SignedDuration, Timestamp as Instant};

    let zone = TimeZone::get("Europe/Berlin").expect("tzdata");
    let start = Instant::from_second(1_733_180_400).unwrap(); // 2024-12-03 00:00 Berlin
    let schedules: Vec<Schedule> = (0..100i64)
        .map(|n| Schedule {
            known_from: start,
            known_until: start + SignedDuration::from_hours(48),
            items: (0..16i64)
                .map(|k| {
                    let from = start + SignedDuration::from_mins(8 * 60 + k * 170 + n % 30);
                    ScheduleItem {
                        start: from,
                        end: from + SignedDuration::from_mins(45),
                        status: if k % 3 == 0 {
                            FreeBusyStatus::Tentative
                        } else {
                            FreeBusyStatus::Busy
                        },
                    }
                })
                .collect(),
            work_week: Some(WorkWeek {
                days: vec![
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                ],
                start: time(8, 0, 0, 0),
                end: time(17, 0, 0, 0),
                zone: zone.clone(),
            }),
        })
        .collect();
    let now = start + SignedDuration::from_hours(10);
    c.bench_function("free_busy_100_lines", |b| {
        b.iter(|| {
            for schedule in &schedules {
                black_box(describe(black_box(schedule), now, &zone));
            }
        })
    });
}

criterion_group!(
    benches,
    engine_step,
    watch_list_merge,
    directory,
    free_busy_lines
);
criterion_main!(benches);
