//! Colleagues as the window gets them (`Colleague`, `Presence` in docs/UI-CONTRACT.md): the
//! directory's [`Person`] field by field, what the user set on them, their presence and
//! free/busy; and the `colleagues` event with the presence and free/busy that changed.

use bridge::{BridgeSnapshot, ColleagueView};
use presence_core::watch_list::AlertMode;
use presence_core::{
    Activity, Availability, ChatStatus, Person, PhoneKind, StatusRow, TelephonyState,
};
use serde::{Serialize, Serializer};

use crate::colleague_status::Status;
use crate::free_busy::FreeBusy;

/// One colleague.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Colleague {
    pub id: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub user_principal_name: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub phones: Vec<Phone>,
    /// The internal number of their STARFACE user.
    pub starface_number: Option<String>,
    /// Without `sip:`; only what Graph reports.
    pub sip_address: Option<String>,
    pub favourite: bool,
    /// "Notify me when available".
    pub notify: Option<AlertMode>,
    /// `None` until their presence was read (or while they are not watched).
    pub presence: Option<Presence>,
    /// Their free/busy while they are on screen (open card, favourite, alert target) and
    /// free/busy is on; `None` otherwise.
    pub free_busy: Option<FreeBusy>,
}

/// One phone number with its kind (`business`, `mobile`, `home`, or Graph's own word).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phone {
    pub kind: PhoneKind,
    pub number: String,
}

/// A colleague's presence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Presence {
    pub row: StatusRow,
    /// Graph's values as Graph spells them, e.g. `Busy`, `InAMeeting`.
    pub availability: Availability,
    pub activity: Activity,
    pub out_of_office: bool,
    /// Not read from Graph (yet): always `None`.
    pub out_of_office_message: Option<String>,
    /// The Teams status note, as text.
    pub status_message: Option<String>,
    /// Their STARFACE phone's line; `None` while unknown (no OneHub, STARFACE 9, not matched).
    pub phone: Option<Telephony>,
    /// Teams and the phone merged: what the dot and the status text show.
    pub status: Status,
    /// Their STARFACE chat status (OneHub, or the XMPP roster on STARFACE 9 and older).
    pub starface_chat: Option<ChatStatus>,
    /// Wall clock (ms) at which the current value was first read.
    pub updated_at: Option<u64>,
    pub stale: bool,
}

/// A STARFACE telephony state on the wire: lower case (`available`, `ringing`, `active`,
/// `unavailable`), values this version does not know passed through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telephony(pub TelephonyState);

impl Serialize for Telephony {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.as_str().to_ascii_lowercase())
    }
}

impl Colleague {
    /// A colleague the bridge watches. `started_wall_ms`: wall clock at the bridge's start (the
    /// snapshot's times count from there).
    pub fn watched(view: &ColleagueView, started_wall_ms: u64) -> Self {
        Self {
            favourite: view.favourite,
            notify: view.alert,
            presence: presence(view, started_wall_ms),
            free_busy: view.free_busy.as_ref().map(FreeBusy::from),
            ..Self::of_person(&view.person)
        }
    }

    /// A colleague the bridge does not watch (a search hit): no presence, no alert;
    /// `favourites` are the addresses in the settings.
    pub fn unwatched(person: &Person, favourites: &[String]) -> Self {
        Self {
            favourite: person.is_among(favourites),
            ..Self::of_person(person)
        }
    }

    fn of_person(person: &Person) -> Self {
        // Every field named: a field added to `Person` must be decided on here.
        let Person {
            id,
            display_name,
            mail,
            user_principal_name,
            sip_address,
            job_title,
            department,
            office_location,
            phones,
            starface,
        } = person;
        Self {
            id: id.clone(),
            display_name: display_name.clone(),
            mail: mail.clone(),
            user_principal_name: user_principal_name.clone(),
            job_title: job_title.clone(),
            department: department.clone(),
            office_location: office_location.clone(),
            phones: phones
                .iter()
                .map(|phone| Phone {
                    kind: phone.kind.clone(),
                    number: phone.number.clone(),
                })
                .collect(),
            starface_number: starface
                .as_ref()
                .and_then(|account| account.internal_number.clone()),
            sip_address: sip_address.clone(),
            favourite: false,
            notify: None,
            presence: None,
            free_busy: None,
        }
    }
}

/// The presence of a watched colleague, once read.
pub fn presence(view: &ColleagueView, started_wall_ms: u64) -> Option<Presence> {
    let teams = view.teams.as_ref()?;
    Some(Presence {
        row: view.row.unwrap_or(StatusRow::Unknown),
        availability: teams.availability.clone(),
        activity: teams.activity.clone(),
        out_of_office: teams.out_of_office,
        out_of_office_message: None,
        status_message: teams.status_message.clone(),
        phone: view
            .phone
            .as_ref()
            .map(|phone| Telephony(phone.telephony.clone())),
        status: Status::from(&view.status),
        starface_chat: view.starface_chat.clone(),
        updated_at: view.updated_at_ms.map(|at| started_wall_ms + at),
        stale: view.stale,
    })
}

/// The `colleagues` event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColleaguesEvent {
    pub presence: Vec<PresenceUpdate>,
    pub free_busy: Vec<FreeBusyUpdate>,
}

impl ColleaguesEvent {
    /// Nothing changed: no event is sent.
    pub fn is_empty(&self) -> bool {
        self.presence.is_empty() && self.free_busy.is_empty()
    }
}

/// The new free/busy of one colleague (`None`: no longer on screen, or free/busy is off).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreeBusyUpdate {
    pub id: String,
    pub free_busy: Option<FreeBusy>,
}

/// The new presence of one colleague.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresenceUpdate {
    pub id: String,
    pub presence: Presence,
}

/// The presence of watched colleagues that changed from `before` to `after`: a new value, the
/// phone, the freshness, or a colleague watched since; and their free/busy that changed.
pub fn presence_changes(
    before: &BridgeSnapshot,
    after: &BridgeSnapshot,
    started_wall_ms: u64,
) -> ColleaguesEvent {
    let presence = after
        .colleagues
        .iter()
        .filter(|c| {
            let old = before
                .colleagues
                .iter()
                .find(|o| o.person.id == c.person.id);
            old.is_none_or(|o| {
                o.teams != c.teams
                    || o.stale != c.stale
                    || o.phone != c.phone
                    || o.starface_chat != c.starface_chat
                    || o.updated_at_ms != c.updated_at_ms
            })
        })
        .filter_map(|c| {
            Some(PresenceUpdate {
                id: c.person.id.clone(),
                presence: presence(c, started_wall_ms)?,
            })
        })
        .collect();
    let free_busy = after
        .colleagues
        .iter()
        .filter(|c| {
            let old = before
                .colleagues
                .iter()
                .find(|o| o.person.id == c.person.id);
            match old {
                Some(old) => old.free_busy != c.free_busy,
                None => c.free_busy.is_some(),
            }
        })
        .map(|c| FreeBusyUpdate {
            id: c.person.id.clone(),
            free_busy: c.free_busy.as_ref().map(FreeBusy::from),
        })
        .collect();
    ColleaguesEvent {
        presence,
        free_busy,
    }
}

/// What `copy_sip` put on the clipboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Copied {
    pub copied: String,
}

#[cfg(test)]
mod tests;
