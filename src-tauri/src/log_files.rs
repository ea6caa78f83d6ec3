//! The app's log files: one per day (UTC), seven kept, each created readable by the user only
//! (`0600`) in a folder only they can open (`0700`). `tracing-appender`'s rolling appender
//! creates its files with the process's default mode (usually `0644`), hence this small writer.
//! The names are the ones that appender used (`presence-bridge.2025-03-14.log`), so files of
//! older versions are rotated out with the others.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use time::Date;
use tracing_subscriber::fmt::MakeWriter;

const PREFIX: &str = "presence-bridge.";
const SUFFIX: &str = ".log";

/// Today's log file, opened again when the date changes; the oldest beyond `keep` are removed.
pub struct DailyFiles {
    dir: PathBuf,
    keep: usize,
    today: fn() -> Date,
    current: Mutex<(Date, File)>,
}

fn utc_today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

impl DailyFiles {
    /// Opens today's file in `dir` (made private first, see `settings::private_dir`).
    pub fn open(dir: &Path, keep: usize) -> io::Result<Self> {
        Self::with_clock(dir, keep, utc_today)
    }

    fn with_clock(dir: &Path, keep: usize, today: fn() -> Date) -> io::Result<Self> {
        settings::private_dir(dir)?;
        let date = today();
        let file = settings::private_append(&dir.join(file_name(date)))?;
        let files = Self {
            dir: dir.to_owned(),
            keep: keep.max(1),
            today,
            current: Mutex::new((date, file)),
        };
        files.prune();
        Ok(files)
    }

    fn current(&self) -> MutexGuard<'_, (Date, File)> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes one formatted event, into a new file when the day changed.
    fn write_event(&self, bytes: &[u8]) -> io::Result<()> {
        let mut current = self.current();
        let today = (self.today)();
        if current.0 != today {
            settings::private_dir(&self.dir)?;
            *current = (
                today,
                settings::private_append(&self.dir.join(file_name(today)))?,
            );
            self.prune();
        }
        current.1.write_all(bytes)
    }

    /// Removes the oldest log files beyond `keep` (other files in the folder are left alone).
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut dated: Vec<String> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| date_of(name).is_some())
            .collect();
        dated.sort();
        let surplus = dated.len().saturating_sub(self.keep);
        for name in &dated[..surplus] {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
    }
}

fn file_name(date: Date) -> String {
    format!(
        "{PREFIX}{:04}-{:02}-{:02}{SUFFIX}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The `YYYY-MM-DD` of a log file's name (which then sorts by date), or `None` for other files.
fn date_of(name: &str) -> Option<&str> {
    let date = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let shape = date.len() == 10
        && date.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    shape.then_some(date)
}

/// The writer `tracing_subscriber::fmt` gets for each event.
pub struct DailyWriter<'a>(&'a DailyFiles);

impl Write for DailyWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write_event(bytes).map(|()| bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for DailyFiles {
    type Writer = DailyWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        DailyWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU8, Ordering};

    use super::*;

    /// The day the test clock shows: 14 March 2025 plus this many days.
    static DAY: AtomicU8 = AtomicU8::new(0);

    fn test_today() -> Date {
        Date::from_calendar_date(2025, time::Month::March, 14).unwrap()
            + time::Duration::days(i64::from(DAY.load(Ordering::SeqCst)))
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn one_file_a_day_the_oldest_removed_each_the_users_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("logs");
        std::fs::create_dir(&dir).unwrap();
        // An older version's file, and a file that is none of ours.
        std::fs::write(dir.join("presence-bridge.2025-03-01.log"), "old\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "mine\n").unwrap();

        let files = DailyFiles::with_clock(&dir, 3, test_today).unwrap();
        for day in 0..4u8 {
            DAY.store(day, Ordering::SeqCst);
            files
                .make_writer()
                .write_all(format!("day {day}\n").as_bytes())
                .unwrap();
        }
        assert_eq!(
            names(&dir),
            [
                "notes.txt",
                "presence-bridge.2025-03-15.log",
                "presence-bridge.2025-03-16.log",
                "presence-bridge.2025-03-17.log",
            ]
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("presence-bridge.2025-03-17.log")).unwrap(),
            "day 3\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            for name in names(&dir).iter().filter(|n| n.ends_with(".log")) {
                assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
            }
        }
    }

    #[test]
    fn only_dated_log_files_count() {
        assert_eq!(
            date_of("presence-bridge.2025-03-14.log"),
            Some("2025-03-14")
        );
        assert_eq!(date_of("presence-bridge.log"), None);
        assert_eq!(date_of("presence-bridge.2025-3-14.log"), None);
        assert_eq!(date_of("other.2025-03-14.log"), None);
        assert_eq!(
            file_name(Date::from_calendar_date(2025, time::Month::January, 2).unwrap()),
            "presence-bridge.2025-01-02.log"
        );
    }
}
