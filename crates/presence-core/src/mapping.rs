//! What each status row does on STARFACE, and what a STARFACE call shows in Teams.
//!
//! # Serde format
//!
//! A [`Mapping`] is a table keyed by snake_case row ids, so an admin policy can lock single rows by
//! dotted key (`mapping.busy_meeting`). Missing rows take their default ([`Mapping::default_row`]);
//! unknown keys are rejected.
//!
//! ```toml
//! [mapping]
//! reverse = "busy_in_a_call"          # busy_in_a_call | do_not_disturb_presenting | off
//!
//! [mapping.busy_meeting]
//! dnd = "activate"                    # activate | deactivate | unchanged (required)
//! chat_status = "do_not_disturb"      # one of the six chat presences in snake_case, or "unchanged" (default)
//! chat_message = "In a meeting (Teams)"  # optional template; needs a chat_status; "" = no message
//! ```
//!
//! A row given in the file is taken as written: fields left out of it mean "unchanged" / no message,
//! not the row's default. (The settings file is merged key by key over the defaults first, so
//! there "no message" must be written as `chat_message = ""`, which is how a row without a message
//! is serialised.) Templates know `{teams_status_message}`, `{teams_availability}` and
//! `{teams_activity}`; `{{` and `}}` are literal braces.
//!
//! # Default messages and the user's language
//!
//! The defaults' chat messages exist in English and German ([`MessageLanguage`]). The file and
//! [`Mapping::default`] hold the English ones; the sync and the window switch them to the UI
//! language with [`Mapping::with_default_messages_in`], and a copy edited in the window goes back
//! through [`Mapping::with_stored_default_messages`], so an unchanged default is never written to
//! the file in another language. A message counts as a default only when it is its
//! row's built-in text exactly; anything else the user wrote is kept as written.

use crate::starface::{ChatPresence, ChatStatus};
use crate::status_row::StatusRow;
use crate::teams::TeamsPresence;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Why a mapping value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MappingError {
    /// `chat_status` is neither `unchanged` nor one of the six chat presences.
    #[error("unknown chat_status {0:?} (expected \"unchanged\" or one of available, free_for_chat, away, extended_away, do_not_disturb, unavailable)")]
    UnknownChatStatus(String),
    /// A template uses a placeholder this version does not know.
    #[error("unknown placeholder {{{0}}} in chat_message (known: {{teams_status_message}}, {{teams_availability}}, {{teams_activity}})")]
    UnknownPlaceholder(String),
    /// A template has a `{` without matching `}` or a lone `}`.
    #[error("unbalanced brace in chat_message {0:?} (write {{{{ or }}}} for a literal brace)")]
    UnbalancedBrace(String),
    /// A row sets a chat message but leaves the chat status unchanged; the message is written together
    /// with the status, so it would silently do nothing.
    #[error("chat_message needs a chat_status other than \"unchanged\"")]
    MessageWithoutChatStatus,
}

/// What a row does to STARFACE DND.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DndAction {
    /// Switch DND on.
    Activate,
    /// Switch DND off.
    Deactivate,
    /// Leave DND alone (and restore what the engine changed for the previous row, see the engine docs).
    Unchanged,
}

impl DndAction {
    /// The DND value this action asks for, if any.
    pub fn target(self) -> Option<bool> {
        match self {
            DndAction::Activate => Some(true),
            DndAction::Deactivate => Some(false),
            DndAction::Unchanged => None,
        }
    }
}

/// One placeholder in a [`MessageTemplate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placeholder {
    /// `{teams_status_message}`: the Teams status message text, empty if none.
    TeamsStatusMessage,
    /// `{teams_availability}`: e.g. `Busy`.
    TeamsAvailability,
    /// `{teams_activity}`: e.g. `In a meeting`.
    TeamsActivity,
}

impl Placeholder {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "teams_status_message" => Some(Placeholder::TeamsStatusMessage),
            "teams_availability" => Some(Placeholder::TeamsAvailability),
            "teams_activity" => Some(Placeholder::TeamsActivity),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Part {
    Text(String),
    Field(Placeholder),
}

/// A validated chat message template, e.g. `In a meeting ({teams_status_message})`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageTemplate {
    source: String,
    parts: Vec<Part>,
}

impl MessageTemplate {
    /// Parses and validates a template.
    pub fn parse(source: &str) -> Result<Self, MappingError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(MappingError::UnbalancedBrace(source.to_owned()))
                            }
                            Some(other) => name.push(other),
                        }
                    }
                    let field = Placeholder::parse(name.trim())
                        .ok_or_else(|| MappingError::UnknownPlaceholder(name.clone()))?;
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Field(field));
                }
                '}' => return Err(MappingError::UnbalancedBrace(source.to_owned())),
                other => text.push(other),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Self {
            source: source.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Fills in the placeholders from a Teams presence. The result is trimmed, and empty brackets
    /// left by an empty status message (`"In a meeting ()"`) are removed so the text still reads well.
    pub fn render(&self, presence: &TeamsPresence) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(Placeholder::TeamsStatusMessage) => {
                    out.push_str(presence.status_message.as_deref().unwrap_or("").trim())
                }
                Part::Field(Placeholder::TeamsAvailability) => {
                    out.push_str(presence.availability.label())
                }
                Part::Field(Placeholder::TeamsActivity) => out.push_str(presence.activity.label()),
            }
        }
        let cleaned = out.replace("()", "").replace("[]", "");
        cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl TryFrom<String> for MessageTemplate {
    type Error = MappingError;
    fn try_from(source: String) -> Result<Self, Self::Error> {
        Self::parse(&source)
    }
}

impl From<MessageTemplate> for String {
    fn from(template: MessageTemplate) -> Self {
        template.source
    }
}

impl fmt::Display for MessageTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// What a row does to the STARFACE chat status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChatAction {
    /// Leave the chat status alone.
    Unchanged,
    /// Set the chat presence, with a message rendered from the template (no template: empty message).
    Set {
        /// The chat presence to set.
        presence: ChatPresence,
        /// The message template, if any.
        message: Option<MessageTemplate>,
    },
}

impl ChatAction {
    /// Sets `presence` with no message.
    pub fn set(presence: ChatPresence) -> Self {
        ChatAction::Set {
            presence,
            message: None,
        }
    }

    /// Sets `presence` with a message template.
    pub fn set_with_message(presence: ChatPresence, template: &str) -> Result<Self, MappingError> {
        Ok(ChatAction::Set {
            presence,
            message: Some(MessageTemplate::parse(template)?),
        })
    }

    /// The chat status this action asks for, given the Teams presence that selected the row.
    pub fn target(&self, presence: &TeamsPresence) -> Option<ChatStatus> {
        match self {
            ChatAction::Unchanged => None,
            ChatAction::Set {
                presence: chat,
                message,
            } => Some(ChatStatus::new(
                *chat,
                message
                    .as_ref()
                    .map(|template| template.render(presence))
                    .unwrap_or_default(),
            )),
        }
    }
}

/// The mapping of one status row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RowMappingFile", into = "RowMappingFile")]
pub struct RowMapping {
    /// What happens to DND.
    pub dnd: DndAction,
    /// What happens to the chat status.
    pub chat: ChatAction,
}

impl RowMapping {
    /// A row mapping.
    pub fn new(dnd: DndAction, chat: ChatAction) -> Self {
        Self { dnd, chat }
    }

    /// The chat message template, if the row sets one.
    pub fn message(&self) -> Option<&MessageTemplate> {
        match &self.chat {
            ChatAction::Set { message, .. } => message.as_ref(),
            ChatAction::Unchanged => None,
        }
    }

    fn message_mut(&mut self) -> Option<&mut MessageTemplate> {
        match &mut self.chat {
            ChatAction::Set { message, .. } => message.as_mut(),
            ChatAction::Unchanged => None,
        }
    }
}

/// The on-disk shape of a [`RowMapping`].
///
/// "No message" is written as `chat_message = ""`, not left out: the settings file records only
/// what differs from the defaults and takes every missing key from them, so a left-out message
/// would come back as the row's default message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowMappingFile {
    dnd: DndAction,
    #[serde(default = "unchanged_text")]
    chat_status: String,
    #[serde(default)]
    chat_message: String,
}

fn unchanged_text() -> String {
    "unchanged".to_owned()
}

impl TryFrom<RowMappingFile> for RowMapping {
    type Error = MappingError;
    fn try_from(file: RowMappingFile) -> Result<Self, Self::Error> {
        let message = match file.chat_message.trim() {
            "" => None,
            _ => Some(MessageTemplate::parse(&file.chat_message)?),
        };
        let chat = if file.chat_status == "unchanged" {
            if message.is_some() {
                return Err(MappingError::MessageWithoutChatStatus);
            }
            ChatAction::Unchanged
        } else {
            let presence = ChatPresence::ALL
                .into_iter()
                .find(|value| value.id() == file.chat_status)
                .ok_or(MappingError::UnknownChatStatus(file.chat_status))?;
            ChatAction::Set { presence, message }
        };
        Ok(RowMapping::new(file.dnd, chat))
    }
}

impl From<RowMapping> for RowMappingFile {
    fn from(row: RowMapping) -> Self {
        let (chat_status, chat_message) = match row.chat {
            ChatAction::Unchanged => (unchanged_text(), None),
            ChatAction::Set { presence, message } => (presence.id().to_owned(), message),
        };
        RowMappingFile {
            dnd: row.dnd,
            chat_status,
            chat_message: chat_message.map(String::from).unwrap_or_default(),
        }
    }
}

/// The presence a STARFACE call sets in Teams (the reverse direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReverseMode {
    /// Teams shows Busy / In a call (the natural meaning; Graph supports it).
    #[default]
    BusyInACall,
    /// Teams shows Do not disturb / Presenting, which also silences Teams notifications
    /// (Graph's "In a call" does not trigger Teams busy-on-busy).
    DoNotDisturbPresenting,
    /// STARFACE calls are not shown in Teams.
    Off,
}

impl ReverseMode {
    /// The Teams presence session to hold during a STARFACE call, if any.
    pub fn session(self) -> Option<SessionPresence> {
        match self {
            ReverseMode::BusyInACall => Some(SessionPresence::BusyInACall),
            ReverseMode::DoNotDisturbPresenting => Some(SessionPresence::DoNotDisturbPresenting),
            ReverseMode::Off => None,
        }
    }
}

/// A presence the app may set through Graph `setPresence` (a subset of Graph's supported pairs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPresence {
    /// `Busy` / `InACall`.
    BusyInACall,
    /// `DoNotDisturb` / `Presenting`.
    DoNotDisturbPresenting,
}

impl SessionPresence {
    /// Graph `availability` to send.
    pub fn availability(self) -> crate::teams::Availability {
        match self {
            SessionPresence::BusyInACall => crate::teams::Availability::Busy,
            SessionPresence::DoNotDisturbPresenting => crate::teams::Availability::DoNotDisturb,
        }
    }

    /// Graph `activity` to send.
    pub fn activity(self) -> crate::teams::Activity {
        match self {
            SessionPresence::BusyInACall => crate::teams::Activity::InACall,
            SessionPresence::DoNotDisturbPresenting => crate::teams::Activity::Presenting,
        }
    }

    /// Whether an observed Teams presence is exactly this session's pair.
    pub fn matches(self, presence: &TeamsPresence) -> bool {
        presence.availability == self.availability() && presence.activity == self.activity()
    }
}

impl fmt::Display for SessionPresence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} / {}",
            self.availability().label(),
            self.activity().label()
        )
    }
}

/// The whole mapping: one [`RowMapping`] per status row, plus the reverse direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// What a STARFACE call shows in Teams.
    #[serde(default)]
    pub reverse: ReverseMode,
    /// Row `available`.
    #[serde(default = "defaults::available")]
    pub available: RowMapping,
    /// Row `busy`.
    #[serde(default = "defaults::busy")]
    pub busy: RowMapping,
    /// Row `busy_phone`.
    #[serde(default = "defaults::busy_phone")]
    pub busy_phone: RowMapping,
    /// Row `busy_meeting`.
    #[serde(default = "defaults::busy_meeting")]
    pub busy_meeting: RowMapping,
    /// Row `presenting`.
    #[serde(default = "defaults::presenting")]
    pub presenting: RowMapping,
    /// Row `do_not_disturb`.
    #[serde(default = "defaults::do_not_disturb")]
    pub do_not_disturb: RowMapping,
    /// Row `be_right_back`.
    #[serde(default = "defaults::be_right_back")]
    pub be_right_back: RowMapping,
    /// Row `away`.
    #[serde(default = "defaults::away")]
    pub away: RowMapping,
    /// Row `offline`.
    #[serde(default = "defaults::offline")]
    pub offline: RowMapping,
    /// Row `out_of_office`.
    #[serde(default = "defaults::out_of_office")]
    pub out_of_office: RowMapping,
    /// Row `unknown`.
    #[serde(default = "defaults::unknown")]
    pub unknown: RowMapping,
}

impl Default for Mapping {
    fn default() -> Self {
        Self {
            reverse: ReverseMode::default(),
            available: defaults::available(),
            busy: defaults::busy(),
            busy_phone: defaults::busy_phone(),
            busy_meeting: defaults::busy_meeting(),
            presenting: defaults::presenting(),
            do_not_disturb: defaults::do_not_disturb(),
            be_right_back: defaults::be_right_back(),
            away: defaults::away(),
            offline: defaults::offline(),
            out_of_office: defaults::out_of_office(),
            unknown: defaults::unknown(),
        }
    }
}

impl Mapping {
    /// The mapping of one row.
    pub fn row(&self, row: StatusRow) -> &RowMapping {
        match row {
            StatusRow::Available => &self.available,
            StatusRow::Busy => &self.busy,
            StatusRow::BusyPhone => &self.busy_phone,
            StatusRow::BusyMeeting => &self.busy_meeting,
            StatusRow::Presenting => &self.presenting,
            StatusRow::DoNotDisturb => &self.do_not_disturb,
            StatusRow::BeRightBack => &self.be_right_back,
            StatusRow::Away => &self.away,
            StatusRow::Offline => &self.offline,
            StatusRow::OutOfOffice => &self.out_of_office,
            StatusRow::Unknown => &self.unknown,
        }
    }

    /// Mutable access to one row (for the mapping editor).
    pub fn row_mut(&mut self, row: StatusRow) -> &mut RowMapping {
        match row {
            StatusRow::Available => &mut self.available,
            StatusRow::Busy => &mut self.busy,
            StatusRow::BusyPhone => &mut self.busy_phone,
            StatusRow::BusyMeeting => &mut self.busy_meeting,
            StatusRow::Presenting => &mut self.presenting,
            StatusRow::DoNotDisturb => &mut self.do_not_disturb,
            StatusRow::BeRightBack => &mut self.be_right_back,
            StatusRow::Away => &mut self.away,
            StatusRow::Offline => &mut self.offline,
            StatusRow::OutOfOffice => &mut self.out_of_office,
            StatusRow::Unknown => &mut self.unknown,
        }
    }

    /// Replaces one row, builder style.
    pub fn with_row(mut self, row: StatusRow, mapping: RowMapping) -> Self {
        *self.row_mut(row) = mapping;
        self
    }

    /// The default mapping of one row (reasons in `docs/MAPPING.md`), messages in English.
    pub fn default_row(row: StatusRow) -> RowMapping {
        defaults::row(row, MessageLanguage::English)
    }

    /// The default mapping with its chat messages in `language` ([`Mapping::default`] is the
    /// English one).
    pub fn defaults_in(language: MessageLanguage) -> Self {
        Mapping::default().with_default_messages_in(language)
    }

    /// This mapping with every row that carries its built-in default message (in any language)
    /// given that default in `language`. Every other message stays exactly as written, even one
    /// equal to another row's default.
    pub fn with_default_messages_in(mut self, language: MessageLanguage) -> Self {
        for row in StatusRow::ALL {
            if let Some(message) = self.row_mut(row).message_mut() {
                if is_default_message(row, message) {
                    *message = defaults::template(row, language)
                        .expect("a row with a default message has one in every language");
                }
            }
        }
        self
    }

    /// Undoes [`Mapping::with_default_messages_in`] for a copy the user edited, so it can be
    /// stored: a row that carries a default message (in any language) in both `self` and
    /// `stored` gets `stored`'s text back, so saving a default shown in the UI language changes
    /// nothing in the file. A default chosen in place of a message the user wrote is stored in
    /// English, the language of the defaults in the file. Messages the user wrote are kept.
    pub fn with_stored_default_messages(mut self, stored: &Mapping) -> Self {
        for row in StatusRow::ALL {
            let stored_default = stored
                .row(row)
                .message()
                .filter(|message| is_default_message(row, message));
            if let Some(message) = self.row_mut(row).message_mut() {
                if is_default_message(row, message) {
                    *message = match stored_default {
                        Some(stored) => stored.clone(),
                        None => defaults::template(row, MessageLanguage::English)
                            .expect("a row with a default message has one in every language"),
                    };
                }
            }
        }
        self
    }
}

/// The language of the built-in default chat messages ("Busy (Teams)", "Beschäftigt (Teams)").
///
/// The sync sends the defaults in the user's UI language. The settings file, serde's defaults and
/// [`Mapping::default`] hold them in English; [`Mapping::with_default_messages_in`] switches them.
/// A message the user wrote is never translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageLanguage {
    English,
    German,
}

impl MessageLanguage {
    /// Every language with built-in messages.
    pub const ALL: [MessageLanguage; 2] = [MessageLanguage::English, MessageLanguage::German];

    /// The built-in chat message of `row` in this language; `None` for rows that send none.
    pub fn default_message(self, row: StatusRow) -> Option<&'static str> {
        defaults::message(row, self)
    }
}

/// Whether `message` is the built-in default message of `row` in one of the languages.
fn is_default_message(row: StatusRow, message: &MessageTemplate) -> bool {
    MessageLanguage::ALL
        .into_iter()
        .any(|language| language.default_message(row) == Some(message.as_str()))
}

/// Default rows. The reasons are in `docs/MAPPING.md`; keep both in step.
mod defaults {
    use super::{ChatAction, DndAction, MessageLanguage, MessageTemplate, RowMapping};
    use crate::starface::ChatPresence;
    use crate::status_row::StatusRow;

    /// The built-in chat message of `row` in `language`, if the row has one. The German words are
    /// the ones the window uses for the statuses (`ui/i18n/de.json`, `status.*`).
    pub fn message(row: StatusRow, language: MessageLanguage) -> Option<&'static str> {
        let (english, german) = match row {
            StatusRow::Busy => ("Busy (Teams)", "Beschäftigt (Teams)"),
            StatusRow::BusyPhone => ("In a call (Teams)", "Im Telefonat (Teams)"),
            StatusRow::BusyMeeting => ("In a meeting (Teams)", "In einer Besprechung (Teams)"),
            StatusRow::Presenting => ("Presenting (Teams)", "Präsentiert (Teams)"),
            StatusRow::DoNotDisturb => ("{teams_status_message}", "{teams_status_message}"),
            StatusRow::BeRightBack => ("Be right back", "Bin gleich zurück"),
            StatusRow::OutOfOffice => (
                "Out of office {teams_status_message}",
                "Außer Haus {teams_status_message}",
            ),
            StatusRow::Available | StatusRow::Away | StatusRow::Offline | StatusRow::Unknown => {
                return None
            }
        };
        Some(match language {
            MessageLanguage::English => english,
            MessageLanguage::German => german,
        })
    }

    /// [`message`] as a template.
    pub fn template(row: StatusRow, language: MessageLanguage) -> Option<MessageTemplate> {
        message(row, language)
            .map(|text| MessageTemplate::parse(text).expect("default templates are valid"))
    }

    /// The default mapping of `row`, with its message in `language`.
    pub fn row(row: StatusRow, language: MessageLanguage) -> RowMapping {
        let (dnd, chat) = match row {
            StatusRow::Available => (DndAction::Deactivate, Some(ChatPresence::Available)),
            StatusRow::Busy => (DndAction::Unchanged, Some(ChatPresence::DoNotDisturb)),
            StatusRow::BusyPhone
            | StatusRow::BusyMeeting
            | StatusRow::Presenting
            | StatusRow::DoNotDisturb => (DndAction::Activate, Some(ChatPresence::DoNotDisturb)),
            StatusRow::BeRightBack | StatusRow::Away => {
                (DndAction::Unchanged, Some(ChatPresence::Away))
            }
            StatusRow::OutOfOffice => (DndAction::Unchanged, Some(ChatPresence::ExtendedAway)),
            StatusRow::Offline | StatusRow::Unknown => (DndAction::Unchanged, None),
        };
        let chat = match chat {
            Some(presence) => ChatAction::Set {
                presence,
                message: template(row, language),
            },
            None => ChatAction::Unchanged,
        };
        RowMapping::new(dnd, chat)
    }

    // What serde fills in for a row missing from the file: the English defaults, the file's
    // language (see `MessageLanguage`).
    pub fn available() -> RowMapping {
        row(StatusRow::Available, MessageLanguage::English)
    }
    pub fn busy() -> RowMapping {
        row(StatusRow::Busy, MessageLanguage::English)
    }
    pub fn busy_phone() -> RowMapping {
        row(StatusRow::BusyPhone, MessageLanguage::English)
    }
    pub fn busy_meeting() -> RowMapping {
        row(StatusRow::BusyMeeting, MessageLanguage::English)
    }
    pub fn presenting() -> RowMapping {
        row(StatusRow::Presenting, MessageLanguage::English)
    }
    pub fn do_not_disturb() -> RowMapping {
        row(StatusRow::DoNotDisturb, MessageLanguage::English)
    }
    pub fn be_right_back() -> RowMapping {
        row(StatusRow::BeRightBack, MessageLanguage::English)
    }
    pub fn away() -> RowMapping {
        row(StatusRow::Away, MessageLanguage::English)
    }
    pub fn offline() -> RowMapping {
        row(StatusRow::Offline, MessageLanguage::English)
    }
    pub fn out_of_office() -> RowMapping {
        row(StatusRow::OutOfOffice, MessageLanguage::English)
    }
    pub fn unknown() -> RowMapping {
        row(StatusRow::Unknown, MessageLanguage::English)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_renders_placeholders_and_tidies_empty_parts() {
        let template = MessageTemplate::parse("In a meeting ({teams_status_message})").unwrap();
        let with = TeamsPresence::new("Busy", "InAMeeting").with_status_message("Budget review");
        assert_eq!(template.render(&with), "In a meeting (Budget review)");
        let without = TeamsPresence::new("Busy", "InAMeeting");
        assert_eq!(template.render(&without), "In a meeting");
        let both = MessageTemplate::parse("{teams_availability}: {teams_activity} {{x}}").unwrap();
        assert_eq!(both.render(&without), "Busy: In a meeting {x}");
    }

    #[test]
    fn template_rejects_unknown_placeholders_and_bad_braces() {
        assert_eq!(
            MessageTemplate::parse("{teams_mood}"),
            Err(MappingError::UnknownPlaceholder("teams_mood".into()))
        );
        assert!(matches!(
            MessageTemplate::parse("open {teams_activity"),
            Err(MappingError::UnbalancedBrace(_))
        ));
        assert!(matches!(
            MessageTemplate::parse("close }"),
            Err(MappingError::UnbalancedBrace(_))
        ));
    }

    #[test]
    fn defaults_follow_the_documented_intent() {
        let mapping = Mapping::default();
        for row in [
            StatusRow::BusyPhone,
            StatusRow::BusyMeeting,
            StatusRow::Presenting,
            StatusRow::DoNotDisturb,
        ] {
            assert_eq!(mapping.row(row).dnd, DndAction::Activate, "{row}");
        }
        assert_eq!(mapping.row(StatusRow::Available).dnd, DndAction::Deactivate);
        for row in [
            StatusRow::Away,
            StatusRow::BeRightBack,
            StatusRow::Offline,
            StatusRow::OutOfOffice,
            StatusRow::Unknown,
            StatusRow::Busy,
        ] {
            assert_eq!(mapping.row(row).dnd, DndAction::Unchanged, "{row}");
        }
        assert_eq!(mapping.reverse, ReverseMode::BusyInACall);
    }

    fn message_of(mapping: &Mapping, row: StatusRow) -> Option<&str> {
        mapping.row(row).message().map(MessageTemplate::as_str)
    }

    fn with_message(mapping: Mapping, row: StatusRow, message: Option<&str>) -> Mapping {
        let presence = match mapping.row(row).chat {
            ChatAction::Set { presence, .. } => presence,
            ChatAction::Unchanged => ChatPresence::Away,
        };
        let chat = match message {
            Some(text) => ChatAction::set_with_message(presence, text).unwrap(),
            None => ChatAction::set(presence),
        };
        let dnd = mapping.row(row).dnd;
        mapping.with_row(row, RowMapping::new(dnd, chat))
    }

    #[test]
    fn german_defaults_differ_from_english_only_in_the_messages() {
        let english = Mapping::default();
        let german = Mapping::defaults_in(MessageLanguage::German);
        assert_eq!(Mapping::defaults_in(MessageLanguage::English), english);
        assert_eq!(german.reverse, english.reverse);
        for row in StatusRow::ALL {
            let (en, de) = (english.row(row), german.row(row));
            assert_eq!(en.dnd, de.dnd, "{row}");
            assert_eq!(
                en.chat
                    .target(&TeamsPresence::new("Busy", "Busy"))
                    .map(|c| c.presence),
                de.chat
                    .target(&TeamsPresence::new("Busy", "Busy"))
                    .map(|c| c.presence),
                "{row}"
            );
            assert_eq!(en.message().is_some(), de.message().is_some(), "{row}");
        }
        assert_eq!(
            message_of(&german, StatusRow::Busy),
            Some("Beschäftigt (Teams)")
        );
        assert_eq!(
            message_of(&german, StatusRow::BusyPhone),
            Some("Im Telefonat (Teams)")
        );
        assert_eq!(
            message_of(&german, StatusRow::BusyMeeting),
            Some("In einer Besprechung (Teams)")
        );
        assert_eq!(
            message_of(&german, StatusRow::Presenting),
            Some("Präsentiert (Teams)")
        );
        assert_eq!(
            message_of(&german, StatusRow::BeRightBack),
            Some("Bin gleich zurück")
        );
        let out_of_office = german.row(StatusRow::OutOfOffice).message().unwrap();
        let away =
            TeamsPresence::new("Away", "OutOfOffice").with_status_message("Zurück am Montag");
        assert_eq!(out_of_office.render(&away), "Außer Haus Zurück am Montag");
        assert_eq!(
            out_of_office.render(&TeamsPresence::new("Away", "OutOfOffice")),
            "Außer Haus"
        );
    }

    #[test]
    fn default_messages_follow_the_language_and_written_ones_stay_as_written() {
        let mine = with_message(
            Mapping::default(),
            StatusRow::Busy,
            Some("Busy (Teams), chat me"),
        );
        // Another row's default is not this row's default: the user chose it.
        let mine = with_message(mine, StatusRow::Presenting, Some("In a meeting (Teams)"));
        let mine = with_message(mine, StatusRow::BeRightBack, None);
        let mine = with_message(mine, StatusRow::Away, Some("Mittagspause"));

        let german = mine
            .clone()
            .with_default_messages_in(MessageLanguage::German);
        assert_eq!(
            message_of(&german, StatusRow::Busy),
            Some("Busy (Teams), chat me")
        );
        assert_eq!(
            message_of(&german, StatusRow::Presenting),
            Some("In a meeting (Teams)")
        );
        assert_eq!(message_of(&german, StatusRow::BeRightBack), None);
        assert_eq!(message_of(&german, StatusRow::Away), Some("Mittagspause"));
        assert_eq!(
            message_of(&german, StatusRow::BusyMeeting),
            Some("In einer Besprechung (Teams)")
        );
        assert_eq!(
            message_of(&german, StatusRow::OutOfOffice),
            Some("Außer Haus {teams_status_message}")
        );
        assert_eq!(german.busy_meeting.dnd, mine.busy_meeting.dnd);

        // Back and forth changes nothing, and German defaults switch back to English.
        assert_eq!(
            german
                .clone()
                .with_default_messages_in(MessageLanguage::English),
            mine
        );
        assert_eq!(
            german
                .clone()
                .with_default_messages_in(MessageLanguage::German),
            german
        );
    }

    #[test]
    fn stored_default_messages_come_back_after_an_edit_in_another_language() {
        let stored = with_message(Mapping::default(), StatusRow::Away, Some("Mittagspause"));
        let shown = stored
            .clone()
            .with_default_messages_in(MessageLanguage::German);

        // Saved back unchanged: exactly what was stored.
        assert_eq!(shown.clone().with_stored_default_messages(&stored), stored);

        // A message written over a default, and a default chosen over a written message.
        let edited = with_message(shown, StatusRow::BusyPhone, Some("Am Apparat"));
        let edited = with_message(edited, StatusRow::Away, Some("Beschäftigt (Teams)"));
        let edited = with_message(edited, StatusRow::Busy, Some("Beschäftigt (Teams)"));
        let back = edited.with_stored_default_messages(&stored);
        assert_eq!(message_of(&back, StatusRow::BusyPhone), Some("Am Apparat"));
        // Not the away row's default: kept as written.
        assert_eq!(
            message_of(&back, StatusRow::Away),
            Some("Beschäftigt (Teams)")
        );
        assert_eq!(message_of(&back, StatusRow::Busy), Some("Busy (Teams)"));
        assert_eq!(
            message_of(&back, StatusRow::BusyMeeting),
            Some("In a meeting (Teams)")
        );

        // A default stored in German (say, by an admin policy) stays German in the file.
        let pinned = with_message(
            Mapping::default(),
            StatusRow::Busy,
            Some("Beschäftigt (Teams)"),
        );
        let shown = pinned
            .clone()
            .with_default_messages_in(MessageLanguage::English);
        assert_eq!(message_of(&shown, StatusRow::Busy), Some("Busy (Teams)"));
        assert_eq!(shown.with_stored_default_messages(&pinned), pinned);
        // A written message replaced by the German default is stored as the English default.
        let written = with_message(Mapping::default(), StatusRow::Busy, Some("Nur Chat"));
        let edited = with_message(
            written.clone(),
            StatusRow::Busy,
            Some("Beschäftigt (Teams)"),
        );
        assert_eq!(
            message_of(
                &edited.with_stored_default_messages(&written),
                StatusRow::Busy
            ),
            Some("Busy (Teams)")
        );
    }

    #[test]
    fn toml_rows_are_keyed_by_snake_case_id_and_missing_rows_default() {
        let text = r#"
            reverse = "do_not_disturb_presenting"
            [busy_meeting]
            dnd = "unchanged"
            chat_status = "away"
            chat_message = "Meeting: {teams_status_message}"
            [away]
            dnd = "activate"
        "#;
        let mapping: Mapping = toml::from_str(text).unwrap();
        assert_eq!(mapping.reverse, ReverseMode::DoNotDisturbPresenting);
        assert_eq!(mapping.busy_meeting.dnd, DndAction::Unchanged);
        assert_eq!(
            mapping.busy_meeting.chat,
            ChatAction::set_with_message(ChatPresence::Away, "Meeting: {teams_status_message}")
                .unwrap()
        );
        assert_eq!(
            mapping.away,
            RowMapping::new(DndAction::Activate, ChatAction::Unchanged)
        );
        assert_eq!(
            mapping.presenting,
            Mapping::default_row(StatusRow::Presenting)
        );
    }

    #[test]
    fn toml_round_trip_of_the_defaults() {
        let text = toml::to_string(&Mapping::default()).unwrap();
        assert!(text.contains("[busy_meeting]"), "{text}");
        assert!(text.contains("chat_status = \"do_not_disturb\""), "{text}");
        let back: Mapping = toml::from_str(&text).unwrap();
        assert_eq!(back, Mapping::default());
    }

    #[test]
    fn every_row_id_is_a_mapping_key() {
        let value = toml::Value::try_from(Mapping::default()).unwrap();
        let table = value.as_table().unwrap();
        for row in StatusRow::ALL {
            assert!(table.contains_key(row.id()), "{}", row.id());
        }
    }

    #[test]
    fn toml_rejects_unknown_and_invalid_values() {
        for bad in [
            "[busy_meting]\ndnd = \"activate\"",
            "[busy]\ndnd = \"activate\"\ncolour = \"red\"",
            "[busy]\ndnd = \"on\"",
            "[busy]\ndnd = \"activate\"\nchat_status = \"busy\"",
            "[busy]\ndnd = \"activate\"\nchat_message = \"hi\"",
            "[busy]\ndnd = \"activate\"\nchat_status = \"away\"\nchat_message = \"{nope}\"",
            "[busy]\nchat_status = \"away\"",
            "reverse = \"sometimes\"",
        ] {
            assert!(toml::from_str::<Mapping>(bad).is_err(), "accepted: {bad}");
        }
    }

    #[test]
    fn reverse_modes_map_to_graph_pairs() {
        assert_eq!(ReverseMode::Off.session(), None);
        let call = ReverseMode::BusyInACall.session().unwrap();
        assert!(call.matches(&TeamsPresence::new("busy", "inacall")));
        assert!(!call.matches(&TeamsPresence::new("Busy", "InAMeeting")));
        assert_eq!(
            ReverseMode::DoNotDisturbPresenting
                .session()
                .unwrap()
                .to_string(),
            "Do not disturb / Presenting"
        );
    }
}
