//! Colleagues' presence: snapshots in, changes and "notify me when available" alerts out.
//!
//! Built for thousands of colleagues polled every 30–60 s: state lives in a `HashMap` keyed by user
//! id, each snapshot costs O(1), and a poll may carry any subset of colleagues (Graph batches are
//! chunked at 650 ids), so colleagues missing from a batch are simply left as they were.
//!
//! Teams presence (polled, [`WatchList::apply`]) and the STARFACE phone (pushed by OneHub,
//! [`WatchList::apply_phone`]) arrive separately; the list keeps both and merges them with
//! [`PersonStatus::merge`].
//!
//! A colleague is **reachable** when [`crate::person_status::is_free`] holds: Teams is Available
//! and the STARFACE phone (if known) is free (not ringing, not in a call, no DND). "Notify me when
//! available" fires on the change from not reachable to reachable. The first reading from each
//! source never produces changes or alerts, so start-up does not flood the user.

use crate::person_status::{self, PersonStatus, PhoneState};
use crate::starface::TelephonyState;
use crate::status_row::StatusRow;
use crate::teams::TeamsPresence;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// A colleague's user id (the Entra object id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColleagueId(pub String);

impl From<&str> for ColleagueId {
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

impl fmt::Display for ColleagueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One observation of a colleague.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColleagueSnapshot {
    /// Who.
    pub id: ColleagueId,
    /// Teams presence, if Graph returned one.
    pub teams: Option<TeamsPresence>,
    /// A STARFACE line state read together with Teams (`Some` replaces the phone's line state);
    /// `None` leaves the phone as [`WatchList::apply_phone`] last set it.
    pub telephony: Option<TelephonyState>,
}

/// What the watch list knows about a colleague.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColleagueState {
    /// Last Teams presence.
    pub teams: Option<TeamsPresence>,
    /// Its row (`Unknown` without Teams presence).
    pub row: StatusRow,
    /// Last STARFACE phone state, if known.
    pub phone: Option<PhoneState>,
    /// Whether a Teams snapshot has arrived (changes of the row are reported only after it).
    teams_seen: bool,
}

impl ColleagueState {
    /// Teams and the phone are both free (see [`crate::person_status::is_free`]).
    pub fn is_reachable(&self) -> bool {
        person_status::is_free(self.teams.as_ref(), self.phone.as_ref())
    }

    /// In a STARFACE call.
    pub fn on_the_phone(&self) -> bool {
        self.phone
            .as_ref()
            .is_some_and(|phone| phone.telephony.is_in_call())
    }

    /// The merged status of Teams and the phone.
    pub fn status(&self) -> PersonStatus {
        PersonStatus::merge(self.teams.as_ref(), self.phone.as_ref())
    }
}

/// A change worth showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Teams row became Available.
    BecameAvailable,
    /// Teams row became Offline.
    WentOffline,
    /// The STARFACE phone went into a call.
    PhoneBusy,
    /// The STARFACE phone left the call.
    PhoneFree,
}

/// A change of one colleague.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColleagueChange {
    /// Who.
    pub id: ColleagueId,
    /// What.
    pub kind: ChangeKind,
    /// Their row after the change.
    pub row: StatusRow,
}

/// How long an alert lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertMode {
    /// Fire once, then forget.
    Once,
    /// Fire every time the colleague becomes reachable.
    Always,
}

/// A "notify me when available" alert that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityAlert {
    /// Who became reachable.
    pub id: ColleagueId,
    /// The alert's mode (a `Once` alert is gone after this).
    pub mode: AlertMode,
}

/// What one batch of snapshots produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchUpdate {
    /// Changes, in snapshot order.
    pub changes: Vec<ColleagueChange>,
    /// Alerts that fired, in snapshot order.
    pub alerts: Vec<AvailabilityAlert>,
}

/// Colleagues' latest presence and the alerts set on them.
#[derive(Debug, Clone, Default)]
pub struct WatchList {
    colleagues: HashMap<ColleagueId, ColleagueState>,
    alerts: HashMap<ColleagueId, AlertMode>,
}

impl WatchList {
    /// An empty watch list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies a batch of snapshots (any subset of colleagues) and returns what changed.
    pub fn apply(&mut self, snapshots: impl IntoIterator<Item = ColleagueSnapshot>) -> WatchUpdate {
        let mut update = WatchUpdate::default();
        for snapshot in snapshots {
            self.apply_one(snapshot, &mut update);
        }
        update
    }

    fn apply_one(&mut self, snapshot: ColleagueSnapshot, update: &mut WatchUpdate) {
        let row = snapshot
            .teams
            .as_ref()
            .map_or(StatusRow::Unknown, StatusRow::from_presence);
        let old = self.colleagues.get(&snapshot.id).cloned();
        let mut phone = old.as_ref().and_then(|o| o.phone.clone());
        if let Some(telephony) = snapshot.telephony {
            phone = Some(match phone {
                Some(known) => PhoneState { telephony, ..known },
                None => PhoneState::new(telephony),
            });
        }
        let new = ColleagueState {
            teams: snapshot.teams,
            row,
            phone,
            teams_seen: true,
        };
        self.replace(snapshot.id, old, new, update);
    }

    /// Applies phone states pushed by STARFACE (any subset of colleagues; `None` forgets a
    /// colleague's phone, e.g. when OneHub no longer reports them) and returns what changed.
    pub fn apply_phone(
        &mut self,
        phones: impl IntoIterator<Item = (ColleagueId, Option<PhoneState>)>,
    ) -> WatchUpdate {
        let mut update = WatchUpdate::default();
        for (id, phone) in phones {
            let old = self.colleagues.get(&id).cloned();
            let new = match &old {
                Some(known) => ColleagueState {
                    phone,
                    ..known.clone()
                },
                None => ColleagueState {
                    teams: None,
                    row: StatusRow::Unknown,
                    phone,
                    teams_seen: false,
                },
            };
            self.replace(id, old, new, &mut update);
        }
        update
    }

    /// Stores `new` and reports what changed since `old`: row changes only once Teams had been
    /// seen before, phone changes only once the phone had been known before.
    fn replace(
        &mut self,
        id: ColleagueId,
        old: Option<ColleagueState>,
        new: ColleagueState,
        update: &mut WatchUpdate,
    ) {
        self.colleagues.insert(id.clone(), new.clone());
        let Some(old) = old else {
            return;
        };
        let row = new.row;
        let mut push = |kind| {
            update.changes.push(ColleagueChange {
                id: id.clone(),
                kind,
                row,
            })
        };
        if old.teams_seen && old.row != row {
            match row {
                StatusRow::Available => push(ChangeKind::BecameAvailable),
                StatusRow::Offline => push(ChangeKind::WentOffline),
                _ => {}
            }
        }
        if old.phone.is_some() {
            match (old.on_the_phone(), new.on_the_phone()) {
                (false, true) => push(ChangeKind::PhoneBusy),
                (true, false) => push(ChangeKind::PhoneFree),
                _ => {}
            }
        }
        if old.teams_seen && !old.is_reachable() && new.is_reachable() {
            if let Some(mode) = self.alerts.get(&id).copied() {
                if mode == AlertMode::Once {
                    self.alerts.remove(&id);
                }
                update.alerts.push(AvailabilityAlert { id, mode });
            }
        }
    }

    /// Sets (or replaces) a "notify me when available" alert. Returns whether the colleague is
    /// reachable right now, so the UI can say so instead of waiting for a change that already happened.
    pub fn notify_when_available(&mut self, id: ColleagueId, mode: AlertMode) -> bool {
        let reachable = self
            .colleagues
            .get(&id)
            .is_some_and(ColleagueState::is_reachable);
        self.alerts.insert(id, mode);
        reachable
    }

    /// Removes an alert; returns whether there was one.
    pub fn cancel_alert(&mut self, id: &ColleagueId) -> bool {
        self.alerts.remove(id).is_some()
    }

    /// The alert set on a colleague, if any.
    pub fn alert(&self, id: &ColleagueId) -> Option<AlertMode> {
        self.alerts.get(id).copied()
    }

    /// Forgets a colleague's presence (alerts stay until cancelled).
    pub fn forget(&mut self, id: &ColleagueId) {
        self.colleagues.remove(id);
    }

    /// What is known about a colleague.
    pub fn get(&self, id: &ColleagueId) -> Option<&ColleagueState> {
        self.colleagues.get(id)
    }

    /// All known colleagues (unordered).
    pub fn iter(&self) -> impl Iterator<Item = (&ColleagueId, &ColleagueState)> {
        self.colleagues.iter()
    }

    /// Number of known colleagues.
    pub fn len(&self) -> usize {
        self.colleagues.len()
    }

    /// Whether no colleague is known.
    pub fn is_empty(&self) -> bool {
        self.colleagues.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(
        id: &str,
        availability: &str,
        activity: &str,
        phone: Option<&str>,
    ) -> ColleagueSnapshot {
        ColleagueSnapshot {
            id: id.into(),
            teams: Some(TeamsPresence::new(availability, activity)),
            telephony: phone.map(TelephonyState::parse),
        }
    }

    fn kinds(update: &WatchUpdate) -> Vec<ChangeKind> {
        update.changes.iter().map(|change| change.kind).collect()
    }

    #[test]
    fn first_snapshot_is_silent_then_changes_are_reported() {
        let mut list = WatchList::new();
        let first = list.apply([snap("a", "Busy", "InAMeeting", None)]);
        assert_eq!(first, WatchUpdate::default());
        let update = list.apply([snap("a", "Available", "Available", None)]);
        assert_eq!(kinds(&update), vec![ChangeKind::BecameAvailable]);
        assert_eq!(update.changes[0].id, ColleagueId::from("a"));
        let update = list.apply([snap("a", "Offline", "OffWork", None)]);
        assert_eq!(kinds(&update), vec![ChangeKind::WentOffline]);
        let same = list.apply([snap("a", "Offline", "Offline", None)]);
        assert!(same.changes.is_empty());
    }

    #[test]
    fn phone_busy_and_free() {
        let mut list = WatchList::new();
        list.apply([snap("a", "Available", "Available", Some("AVAILABLE"))]);
        let busy = list.apply([snap("a", "Available", "Available", Some("ACTIVE"))]);
        assert_eq!(kinds(&busy), vec![ChangeKind::PhoneBusy]);
        let ringing = list.apply([snap("a", "Available", "Available", Some("RINGING"))]);
        assert_eq!(kinds(&ringing), vec![ChangeKind::PhoneFree]);
    }

    #[test]
    fn one_shot_alert_fires_once_and_waits_for_the_phone() {
        let mut list = WatchList::new();
        list.apply([snap("a", "Busy", "InACall", None)]);
        assert!(!list.notify_when_available("a".into(), AlertMode::Once));
        // Teams available but on the STARFACE phone: not reachable yet.
        let update = list.apply([snap("a", "Available", "Available", Some("ACTIVE"))]);
        assert!(update.alerts.is_empty());
        let update = list.apply([snap("a", "Available", "Available", Some("AVAILABLE"))]);
        assert_eq!(
            update.alerts,
            vec![AvailabilityAlert {
                id: "a".into(),
                mode: AlertMode::Once
            }]
        );
        assert_eq!(list.alert(&"a".into()), None);
        list.apply([snap("a", "Away", "Away", None)]);
        assert!(list
            .apply([snap("a", "Available", "Available", None)])
            .alerts
            .is_empty());
    }

    #[test]
    fn persistent_alert_fires_every_time() {
        let mut list = WatchList::new();
        list.apply([snap("a", "Away", "Away", None)]);
        list.notify_when_available("a".into(), AlertMode::Always);
        for _ in 0..3 {
            assert_eq!(
                list.apply([snap("a", "Available", "Available", None)])
                    .alerts
                    .len(),
                1
            );
            assert!(list
                .apply([snap("a", "Busy", "Busy", None)])
                .alerts
                .is_empty());
        }
        assert!(list.cancel_alert(&"a".into()));
        assert!(list
            .apply([snap("a", "Available", "Available", None)])
            .alerts
            .is_empty());
    }

    #[test]
    fn arming_on_a_reachable_colleague_says_so() {
        let mut list = WatchList::new();
        list.apply([snap("a", "Available", "Available", None)]);
        assert!(list.notify_when_available("a".into(), AlertMode::Once));
    }

    #[test]
    fn partial_batches_leave_others_untouched() {
        let mut list = WatchList::new();
        list.apply([
            snap("a", "Away", "Away", None),
            snap("b", "Away", "Away", None),
        ]);
        let update = list.apply([snap("b", "Available", "Available", None)]);
        assert_eq!(update.changes.len(), 1);
        assert_eq!(list.get(&"a".into()).unwrap().row, StatusRow::Away);
        list.forget(&"a".into());
        assert_eq!(list.len(), 1);
    }

    fn line(state: &str) -> Option<PhoneState> {
        Some(PhoneState::new(TelephonyState::parse(state)))
    }

    #[test]
    fn first_readings_of_either_source_are_silent() {
        let mut list = WatchList::new();
        list.notify_when_available("a".into(), AlertMode::Always);
        // OneHub answers before the first Graph poll.
        assert_eq!(
            list.apply_phone([("a".into(), line("AVAILABLE"))]),
            WatchUpdate::default()
        );
        assert_eq!(
            list.apply([snap("a", "Available", "Available", None)]),
            WatchUpdate::default()
        );
        let state = list.get(&"a".into()).unwrap();
        assert!(state.is_reachable());
        assert_eq!(state.phone, line("AVAILABLE"));
    }

    #[test]
    fn pushed_phone_states_merge_with_teams_and_hold_the_alert() {
        let mut list = WatchList::new();
        list.apply([snap("a", "Available", "Available", None)]);
        list.apply_phone([("a".into(), line("AVAILABLE"))]);
        let busy = list.apply_phone([("a".into(), line("ACTIVE"))]);
        assert_eq!(kinds(&busy), vec![ChangeKind::PhoneBusy]);
        let state = list.get(&"a".into()).unwrap();
        assert_eq!(state.status().activity, crate::PersonActivity::OnThePhone);
        assert!(!list.notify_when_available("a".into(), AlertMode::Once));
        // Teams polls keep the pushed phone state.
        assert!(list
            .apply([snap("a", "Available", "Available", None)])
            .alerts
            .is_empty());
        let mut dnd = PhoneState::new(TelephonyState::Available);
        dnd.dnd = true;
        let update = list.apply_phone([("a".into(), Some(dnd))]);
        assert_eq!(kinds(&update), vec![ChangeKind::PhoneFree]);
        assert!(update.alerts.is_empty(), "STARFACE DND is not free");
        let update = list.apply_phone([("a".into(), line("AVAILABLE"))]);
        assert_eq!(update.alerts.len(), 1);
    }

    #[test]
    fn forgetting_the_phone_leaves_teams_in_charge() {
        let mut list = WatchList::new();
        list.apply([snap("a", "Available", "Available", Some("RINGING"))]);
        list.notify_when_available("a".into(), AlertMode::Once);
        let update = list.apply_phone([("a".into(), None)]);
        assert_eq!(update.alerts.len(), 1);
        assert_eq!(list.get(&"a".into()).unwrap().phone, None);
    }

    #[test]
    fn five_thousand_colleagues_in_one_batch() {
        let mut list = WatchList::new();
        let batch = |activity: &str| {
            (0..5_000)
                .map(|i| snap(&format!("user-{i}"), activity, activity, None))
                .collect::<Vec<_>>()
        };
        list.apply(batch("Away"));
        for i in (0..5_000).step_by(2) {
            list.notify_when_available(ColleagueId(format!("user-{i}")), AlertMode::Once);
        }
        let update = list.apply(batch("Available"));
        assert_eq!(update.changes.len(), 5_000);
        assert_eq!(update.alerts.len(), 2_500);
        assert_eq!(list.len(), 5_000);
    }
}
