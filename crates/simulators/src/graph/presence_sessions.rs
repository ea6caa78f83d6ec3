//! Presence as Graph computes it: several sessions per user (Teams clients, apps) aggregated,
//! a user-preferred state overriding them, expirations and the Available idle timeout.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// The session id used for the user's own Teams client (set through the control API).
pub const TEAMS_CLIENT_SESSION: &str = "teams-desktop-client";

/// After 5 minutes an Available app session reports AvailableInactive, after 10 Away.
const AVAILABLE_IDLE_AFTER: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceSession {
    pub availability: String,
    pub activity: String,
    pub set_at: SystemTime,
    /// `None` for the Teams client session, which lives until signed out.
    pub expires_at: Option<SystemTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferredPresence {
    pub availability: String,
    pub activity: String,
    pub expires_at: SystemTime,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresenceState {
    pub sessions: HashMap<String, PresenceSession>,
    pub preferred: Option<PreferredPresence>,
    /// Out-of-office message when OOF is on.
    pub out_of_office: Option<String>,
    /// Returned verbatim instead of the aggregate (to test lenient clients: `busy`, `Focusing`).
    pub raw_override: Option<(String, String)>,
}

fn rank(availability: &str) -> u8 {
    match availability {
        "DoNotDisturb" => 4,
        "Busy" => 3,
        "Available" => 2,
        "Away" | "BeRightBack" => 1,
        _ => 0,
    }
}

impl PresenceState {
    /// A random-looking but deterministic start state; `signed_in_user` starts Available.
    pub fn generated(seed: u64, signed_in_user: bool, now: SystemTime) -> Self {
        let pick = if signed_in_user {
            0
        } else {
            (seed * 2_654_435_761) % 20
        };
        let (availability, activity) = match pick {
            0..=7 => ("Available", "Available"),
            8..=10 => ("Busy", "InAMeeting"),
            11 => ("Busy", "InACall"),
            12 => ("Busy", "Busy"),
            13 => ("DoNotDisturb", "Presenting"),
            14 => ("Away", "Away"),
            15 => ("BeRightBack", "BeRightBack"),
            _ => return Self::default(), // signed out of Teams: Offline
        };
        let mut state = Self::default();
        state.set_session(TEAMS_CLIENT_SESSION, availability, activity, now, None);
        state
    }

    pub fn set_session(
        &mut self,
        session_id: &str,
        availability: &str,
        activity: &str,
        now: SystemTime,
        expires_at: Option<SystemTime>,
    ) {
        self.sessions.insert(
            session_id.to_owned(),
            PresenceSession {
                availability: availability.to_owned(),
                activity: activity.to_owned(),
                set_at: now,
                expires_at,
            },
        );
    }

    /// Whether `session_id` exists and has not expired.
    pub fn has_session(&self, session_id: &str, now: SystemTime) -> bool {
        self.sessions
            .get(session_id)
            .is_some_and(|s| s.expires_at.is_none_or(|e| e > now))
    }
}

/// The (availability, activity) others see at `now`.
pub fn aggregate_presence(state: &PresenceState, now: SystemTime) -> (String, String) {
    if let Some((availability, activity)) = &state.raw_override {
        return (availability.clone(), activity.clone());
    }
    let mut best: Option<(u8, SystemTime, String, String)> = None;
    for session in state.sessions.values() {
        if session.expires_at.is_some_and(|e| e <= now) {
            continue;
        }
        let (availability, activity) = effective(session, now);
        let candidate = (rank(&availability), session.set_at, availability, activity);
        // Highest rank wins; among equals the most recently set.
        if best
            .as_ref()
            .is_none_or(|b| (candidate.0, candidate.1) > (b.0, b.1))
        {
            best = Some(candidate);
        }
    }
    let Some((_, _, availability, activity)) = best else {
        return ("Offline".into(), "Offline".into());
    };
    // The user-preferred state overrides sessions, but only while at least one session exists.
    if let Some(preferred) = state.preferred.as_ref().filter(|p| p.expires_at > now) {
        return (preferred.availability.clone(), preferred.activity.clone());
    }
    (availability, activity)
}

fn effective(session: &PresenceSession, now: SystemTime) -> (String, String) {
    let idle = now.duration_since(session.set_at).unwrap_or_default();
    if session.expires_at.is_some() && session.availability == "Available" {
        if idle >= AVAILABLE_IDLE_AFTER * 2 {
            return ("Away".into(), "Away".into());
        }
        if idle >= AVAILABLE_IDLE_AFTER {
            return ("Available".into(), "AvailableInactive".into());
        }
    }
    (session.availability.clone(), session.activity.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + secs)
    }

    #[test]
    fn precedence_preferred_and_expiry() {
        let mut state = PresenceState::default();
        assert_eq!(
            aggregate_presence(&state, at(0)),
            ("Offline".into(), "Offline".into())
        );

        state.set_session(TEAMS_CLIENT_SESSION, "Available", "Available", at(0), None);
        state.set_session("app", "Busy", "InACall", at(1), Some(at(301)));
        assert_eq!(
            aggregate_presence(&state, at(10)),
            ("Busy".into(), "InACall".into())
        );
        // Expired app session: back to the Teams client's state.
        assert_eq!(
            aggregate_presence(&state, at(301)),
            ("Available".into(), "Available".into())
        );

        state.set_session("app", "DoNotDisturb", "Presenting", at(400), Some(at(900)));
        state.set_session("other-app", "Away", "Away", at(401), Some(at(900)));
        assert_eq!(aggregate_presence(&state, at(410)).0, "DoNotDisturb");

        state.preferred = Some(PreferredPresence {
            availability: "Available".into(),
            activity: "Available".into(),
            expires_at: at(10_000),
        });
        assert_eq!(aggregate_presence(&state, at(410)).0, "Available");
        state.sessions.clear();
        // Preferred state needs at least one session.
        assert_eq!(aggregate_presence(&state, at(410)).0, "Offline");
    }

    #[test]
    fn available_app_sessions_go_idle() {
        let mut state = PresenceState::default();
        state.set_session("app", "Available", "Available", at(0), Some(at(4 * 3600)));
        assert_eq!(aggregate_presence(&state, at(299)).1, "Available");
        assert_eq!(aggregate_presence(&state, at(300)).1, "AvailableInactive");
        assert_eq!(
            aggregate_presence(&state, at(600)),
            ("Away".into(), "Away".into())
        );
    }
}
