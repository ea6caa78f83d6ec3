//! Where to sign in, which Graph to talk to, and which permissions to ask for.
//!
//! Nothing is hard-wired to one vendor app or cloud: customers register their own app (see
//! docs/ENTRA-SETUP.md) and sovereign clouds have other authority and Graph hosts.

use url::Url;

/// Public-cloud authority (`https://login.microsoftonline.com`).
pub const PUBLIC_AUTHORITY: &str = "https://login.microsoftonline.com";
/// Public-cloud Graph v1.0 endpoint.
pub const PUBLIC_GRAPH: &str = "https://graph.microsoft.com/v1.0";

/// Permission names as Entra spells them.
pub mod scopes {
    pub const OFFLINE_ACCESS: &str = "offline_access";
    pub const USER_READ: &str = "User.Read";
    pub const USER_READ_BASIC_ALL: &str = "User.ReadBasic.All";
    pub const PEOPLE_READ: &str = "People.Read";
    pub const PRESENCE_READ: &str = "Presence.Read";
    pub const PRESENCE_READ_ALL: &str = "Presence.Read.All";
    pub const PRESENCE_READ_WRITE: &str = "Presence.ReadWrite";
    /// Free/busy (`getSchedule`): the least-privileged permission Graph lists for it. Reads
    /// events without body, attachments and extensions; Presence Bridge uses only status and
    /// times (docs/ENTRA-SETUP.md).
    pub const CALENDARS_READ_BASIC: &str = "Calendars.ReadBasic";
    /// More privileged calendar permissions that also allow `getSchedule` (accepted when a
    /// tenant grants them anyway, never requested).
    pub const CALENDARS_READ: &str = "Calendars.Read";
    pub const CALENDARS_READ_WRITE: &str = "Calendars.ReadWrite";
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("`{value}` is not a valid URL for {what}: {reason}")]
    BadUrl {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error("the client (application) ID must not be empty")]
    MissingClientId,
}

/// Identity-platform and Graph endpoints plus the app registration to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MicrosoftConfig {
    /// The app registration's "Application (client) ID". Also the `sessionId` for setPresence.
    pub client_id: String,
    /// `organizations`, `common`, or a tenant ID / domain.
    pub tenant: String,
    /// Authority host, e.g. `https://login.microsoftonline.com` (no tenant, no trailing slash).
    pub authority: Url,
    /// Graph base including the version, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_base: Url,
}

impl MicrosoftConfig {
    /// Public cloud, tenant `organizations` (presence exists for work/school accounts only).
    pub fn new(client_id: impl Into<String>) -> Result<Self, ConfigError> {
        let client_id = client_id.into().trim().to_owned();
        if client_id.is_empty() {
            return Err(ConfigError::MissingClientId);
        }
        Ok(Self {
            client_id,
            tenant: "organizations".into(),
            authority: parse_url("authority", PUBLIC_AUTHORITY)?,
            graph_base: parse_url("Graph base", PUBLIC_GRAPH)?,
        })
    }

    pub fn with_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = tenant.into().trim().to_owned();
        self
    }

    pub fn with_authority(mut self, authority: &str) -> Result<Self, ConfigError> {
        self.authority = parse_url("authority", authority)?;
        Ok(self)
    }

    pub fn with_graph_base(mut self, graph_base: &str) -> Result<Self, ConfigError> {
        self.graph_base = parse_url("Graph base", graph_base)?;
        Ok(self)
    }

    fn endpoint(&self, leaf: &str) -> String {
        format!(
            "{}/{}/oauth2/v2.0/{leaf}",
            self.authority.as_str().trim_end_matches('/'),
            self.tenant
        )
    }

    pub fn authorize_endpoint(&self) -> String {
        self.endpoint("authorize")
    }

    pub fn token_endpoint(&self) -> String {
        self.endpoint("token")
    }

    pub fn device_code_endpoint(&self) -> String {
        self.endpoint("devicecode")
    }

    /// `https://graph.microsoft.com/v1.0/` + `path` (path without a leading slash).
    pub fn graph_url(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.graph_base.as_str().trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// Resource-qualified scope, e.g. `https://graph.microsoft.us/Presence.Read` for a sovereign
    /// cloud. Entra treats bare names as Graph-global ones, so they are only qualified when the
    /// Graph host is not the public one.
    pub fn qualify_scope(&self, scope: &str) -> String {
        if matches!(scope, "offline_access" | "openid" | "profile" | "email")
            || self.graph_base.host_str() == Some("graph.microsoft.com")
        {
            return scope.to_owned();
        }
        format!("{}/{scope}", self.graph_base.origin().ascii_serialization())
    }
}

fn parse_url(what: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| ConfigError::BadUrl {
        what,
        value: value.to_owned(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(ConfigError::BadUrl {
            what,
            value: value.to_owned(),
            reason: "only http(s) URLs are allowed".into(),
        });
    }
    Ok(url)
}

/// Which features the user switched on, and so which permissions to ask for (least privilege;
/// `Presence.ReadWrite` only with the reverse direction: incremental consent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeRequest {
    /// Colleagues' presence (`Presence.Read.All`). Off = own presence only (`Presence.Read`), the
    /// fallback for tenants that block user consent for `Presence.Read.All`.
    pub colleague_presence: bool,
    /// Teams status set from STARFACE calls (`Presence.ReadWrite`).
    pub reverse_sync: bool,
    /// Colleagues' free/busy from their calendars (`Calendars.ReadBasic`). Optional: when the
    /// saved sign-in was never granted it, a refresh drops it instead of failing (presence keeps
    /// working; `GrantedScopes::free_busy_access` tells the card why free/busy is missing).
    pub free_busy: bool,
}

impl Default for ScopeRequest {
    fn default() -> Self {
        Self {
            colleague_presence: true,
            reverse_sync: false,
            free_busy: false,
        }
    }
}

impl ScopeRequest {
    /// Own presence only: works without admin consent in tenants that block `Presence.Read.All`.
    pub fn own_presence_only(self) -> Self {
        Self {
            colleague_presence: false,
            ..self
        }
    }

    pub fn with_reverse_sync(self) -> Self {
        Self {
            reverse_sync: true,
            ..self
        }
    }

    pub fn with_free_busy(self) -> Self {
        Self {
            free_busy: true,
            ..self
        }
    }

    /// The same request without the permissions a refresh may drop ([`Self::free_busy`]).
    pub fn without_optional(self) -> Self {
        Self {
            free_busy: false,
            ..self
        }
    }

    /// Unqualified permission names.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = vec![
            scopes::OFFLINE_ACCESS,
            scopes::USER_READ,
            if self.colleague_presence {
                scopes::PRESENCE_READ_ALL
            } else {
                scopes::PRESENCE_READ
            },
            scopes::USER_READ_BASIC_ALL,
            scopes::PEOPLE_READ,
        ];
        if self.reverse_sync {
            names.push(scopes::PRESENCE_READ_WRITE);
        }
        if self.free_busy {
            names.push(scopes::CALENDARS_READ_BASIC);
        }
        names
    }

    /// Names as sent to Entra for `config`'s cloud.
    pub fn qualified(&self, config: &MicrosoftConfig) -> Vec<String> {
        self.names()
            .into_iter()
            .map(|s| config.qualify_scope(s))
            .collect()
    }
}

/// `https://host/Presence.Read` -> `Presence.Read`; bare names unchanged.
pub fn unqualified_scope(scope: &str) -> &str {
    if scope.starts_with("http://") || scope.starts_with("https://") {
        scope.rsplit('/').next().unwrap_or(scope)
    } else {
        scope
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_scopes_follow_the_configured_cloud() {
        let public = MicrosoftConfig::new("abc").unwrap();
        assert_eq!(
            public.token_endpoint(),
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        );
        assert_eq!(public.qualify_scope("Presence.Read"), "Presence.Read");
        let us = MicrosoftConfig::new("abc")
            .unwrap()
            .with_tenant("contoso.onmicrosoft.us")
            .with_authority("https://login.microsoftonline.us/")
            .unwrap()
            .with_graph_base("https://graph.microsoft.us/v1.0")
            .unwrap();
        assert_eq!(
            us.device_code_endpoint(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.us/oauth2/v2.0/devicecode"
        );
        assert_eq!(
            us.qualify_scope("Presence.Read"),
            "https://graph.microsoft.us/Presence.Read"
        );
        assert_eq!(us.qualify_scope("offline_access"), "offline_access");
        assert_eq!(
            us.graph_url("/me/presence"),
            "https://graph.microsoft.us/v1.0/me/presence"
        );
        assert!(MicrosoftConfig::new("  ").is_err());
    }

    #[test]
    fn reverse_sync_adds_the_write_scope_only_when_asked() {
        let base = ScopeRequest::default();
        assert!(!base.names().contains(&scopes::PRESENCE_READ_WRITE));
        assert!(base.names().contains(&scopes::PRESENCE_READ_ALL));
        let own = base.own_presence_only().with_reverse_sync();
        assert!(own.names().contains(&scopes::PRESENCE_READ));
        assert!(!own.names().contains(&scopes::PRESENCE_READ_ALL));
        assert!(own.names().contains(&scopes::PRESENCE_READ_WRITE));
        assert_eq!(
            unqualified_scope("https://graph.microsoft.us/User.Read"),
            "User.Read"
        );
    }

    #[test]
    fn free_busy_asks_for_the_basic_calendar_permission_only() {
        let base = ScopeRequest::default();
        assert!(!base.names().contains(&scopes::CALENDARS_READ_BASIC));
        let with = base.with_free_busy();
        assert!(with.names().contains(&scopes::CALENDARS_READ_BASIC));
        assert!(!with.names().contains(&scopes::CALENDARS_READ));
        assert_eq!(with.without_optional(), base);
    }
}
