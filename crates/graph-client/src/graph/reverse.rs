//! Reverse presence: the app's own presence session (`setPresence` / `clearPresence`), e.g.
//! "Busy / In a call" while a STARFACE call is active.
//!
//! Graph aggregates all sessions of a user (Teams clients, apps), and a status the user picked in
//! Teams ("user-preferred") wins over every session, so a set status may not be visible.

use std::time::{Duration, SystemTime};

use serde_json::json;

use super::ids::is_object_id;
use super::{GraphClient, GraphError, GraphRequest};

pub const MIN_EXPIRATION: Duration = Duration::from_secs(5 * 60);
pub const MAX_EXPIRATION: Duration = Duration::from_secs(4 * 60 * 60);

/// The combinations Graph accepts for an application session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppPresenceStatus {
    /// `Busy` / `InACall`.
    InACall,
    /// `Busy` / `InAConferenceCall`.
    InAConferenceCall,
    /// `DoNotDisturb` / `Presenting` (the only DND an app session can set).
    Presenting,
    /// `Available` / `Available`.
    Available,
    /// `Away` / `Away`.
    Away,
}

impl AppPresenceStatus {
    pub fn wire(&self) -> (&'static str, &'static str) {
        match self {
            Self::InACall => ("Busy", "InACall"),
            Self::InAConferenceCall => ("Busy", "InAConferenceCall"),
            Self::Presenting => ("DoNotDisturb", "Presenting"),
            Self::Available => ("Available", "Available"),
            Self::Away => ("Away", "Away"),
        }
    }
}

/// What `clearPresence` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearOutcome {
    Cleared,
    /// 404: the session had already expired or was never set; nothing to do.
    AlreadyGone,
}

/// ISO 8601 duration as Graph wants it (`PT5M`, `PT1H30M`, `PT45S`).
pub fn format_iso_duration(duration: Duration) -> String {
    let total = duration.as_secs();
    let (hours, minutes, seconds) = (total / 3600, (total % 3600) / 60, total % 60);
    let mut out = String::from("PT");
    if hours > 0 {
        out.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || total == 0 {
        out.push_str(&format!("{seconds}S"));
    }
    out
}

impl GraphClient {
    /// `POST /users/{id}/presence/setPresence` with `sessionId` = this app's client id.
    /// `expiration` must lie within PT5M..PT4H (Graph rejects anything else).
    pub async fn set_presence(
        &self,
        user_id: &str,
        status: AppPresenceStatus,
        expiration: Duration,
    ) -> Result<(), GraphError> {
        check_user_id(user_id)?;
        if !(MIN_EXPIRATION..=MAX_EXPIRATION).contains(&expiration) {
            return Err(GraphError::InvalidRequest(format!(
                "presence expiration {expiration:?} is outside 5 minutes to 4 hours"
            )));
        }
        let (availability, activity) = status.wire();
        let path = format!("users/{user_id}/presence/setPresence");
        self.send(GraphRequest::post(
            &path,
            json!({
                "sessionId": self.client_id(),
                "availability": availability,
                "activity": activity,
                "expirationDuration": format_iso_duration(expiration),
            }),
        ))
        .await?;
        tracing::debug!(availability, activity, "app presence session set");
        Ok(())
    }

    /// `POST /users/{id}/presence/clearPresence` for this app's session.
    pub async fn clear_presence(&self, user_id: &str) -> Result<ClearOutcome, GraphError> {
        check_user_id(user_id)?;
        let path = format!("users/{user_id}/presence/clearPresence");
        match self
            .send(GraphRequest::post(
                &path,
                json!({ "sessionId": self.client_id() }),
            ))
            .await
        {
            Ok(_) => Ok(ClearOutcome::Cleared),
            Err(GraphError::Api { status: 404, .. }) => Ok(ClearOutcome::AlreadyGone),
            Err(other) => Err(other),
        }
    }
}

fn check_user_id(user_id: &str) -> Result<(), GraphError> {
    if is_object_id(user_id) {
        Ok(())
    } else {
        Err(GraphError::InvalidRequest(format!(
            "`{user_id}` is not a user object id"
        )))
    }
}

#[derive(Debug, Clone, Copy)]
struct ActiveSession {
    status: AppPresenceStatus,
    expires_at: SystemTime,
}

/// Keeps one app presence session alive while it is needed: [`Self::set`] at call start,
/// [`Self::keep_alive`] periodically (it re-posts shortly before the expiration), [`Self::end`]
/// at hang-up. Time comes from the credentials' injected clock.
#[derive(Debug)]
pub struct AppPresenceSession {
    graph: GraphClient,
    user_id: String,
    expiration: Duration,
    refresh_margin: Duration,
    active: Option<ActiveSession>,
}

impl AppPresenceSession {
    /// `expiration` is clamped to PT5M..PT4H; the session is re-posted `expiration / 5` (at least
    /// one minute) before it would expire, leaving time for a retry.
    pub fn new(graph: GraphClient, user_id: impl Into<String>, expiration: Duration) -> Self {
        let expiration = expiration.clamp(MIN_EXPIRATION, MAX_EXPIRATION);
        Self {
            graph,
            user_id: user_id.into(),
            expiration,
            refresh_margin: (expiration / 5).max(Duration::from_secs(60)),
            active: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// When [`Self::keep_alive`] will next re-post, if a session is active.
    pub fn refresh_due_at(&self) -> Option<SystemTime> {
        self.active.map(|a| a.expires_at - self.refresh_margin)
    }

    pub async fn set(&mut self, status: AppPresenceStatus) -> Result<(), GraphError> {
        self.graph
            .set_presence(&self.user_id, status, self.expiration)
            .await?;
        self.active = Some(ActiveSession {
            status,
            expires_at: self.now() + self.expiration,
        });
        Ok(())
    }

    /// Re-posts the status if its expiration is near. Returns whether it did.
    pub async fn keep_alive(&mut self) -> Result<bool, GraphError> {
        let Some(active) = self.active else {
            return Ok(false);
        };
        if self.now() + self.refresh_margin < active.expires_at {
            return Ok(false);
        }
        self.set(active.status).await?;
        Ok(true)
    }

    /// Clears the session (404 = already gone is fine). Safe to call when nothing is active.
    pub async fn end(&mut self) -> Result<ClearOutcome, GraphError> {
        let outcome = self.graph.clear_presence(&self.user_id).await?;
        self.active = None;
        Ok(outcome)
    }

    fn now(&self) -> SystemTime {
        self.graph.credentials().timing().now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(format_iso_duration(Duration::from_secs(300)), "PT5M");
        assert_eq!(format_iso_duration(Duration::from_secs(3600)), "PT1H");
        assert_eq!(format_iso_duration(Duration::from_secs(5445)), "PT1H30M45S");
        assert_eq!(format_iso_duration(Duration::ZERO), "PT0S");
    }
}
