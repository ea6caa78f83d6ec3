use std::fmt;

use zeroize::Zeroizing;

/// A secret string (password, token). Its `Debug` and `Display` never show the value and it has no
/// `Serialize`, so it cannot end up in a log line, a config file or the journal by accident. Its
/// memory is wiped when it is dropped, every copy's too.
///
/// It is `Clone` because secrets have more than one owner by design: one STARFACE sign-in serves
/// REST, UCI and XMPP, each holding the credentials in its own connection settings; a cached
/// access token is handed to each request; the OS keychain writes from a thread that may outlive
/// a missed deadline; the in-memory store keeps one copy and hands out another.
///
/// It can be deserialized (a password the window sends with a command arrives as one). The copies
/// made before it exists (the WebView's, the IPC message's) are outside this type's reach.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The value itself; call this only where it is handed to the server or the keychain.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads one line (a password piped to a command), without its line end, leaving no copy of
    /// it in memory this type does not wipe: the line grows in buffers that are wiped when they
    /// are outgrown. The reader's own buffer (stdin's) is outside this type's reach.
    pub fn read_line(reader: &mut impl std::io::BufRead) -> std::io::Result<Self> {
        let mut line = Zeroizing::new(Vec::<u8>::with_capacity(64));
        loop {
            let available = reader.fill_buf()?;
            if available.is_empty() {
                break;
            }
            let end = available.iter().position(|b| *b == b'\n');
            let chunk = &available[..end.unwrap_or(available.len())];
            if line.len() + chunk.len() > line.capacity() {
                let mut bigger = Zeroizing::new(Vec::with_capacity(
                    (line.len() + chunk.len()).max(line.capacity() * 2),
                ));
                bigger.extend_from_slice(&line);
                line = bigger;
            }
            line.extend_from_slice(chunk);
            let used = chunk.len() + usize::from(end.is_some());
            reader.consume(used);
            if end.is_some() {
                break;
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        match String::from_utf8(std::mem::take(&mut *line)) {
            Ok(text) => Ok(Self::from(text)),
            Err(error) => {
                drop(Zeroizing::new(error.into_bytes()));
                Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the input is not UTF-8 text",
                ))
            }
        }
    }
}

impl From<String> for Secret {
    /// Takes the string's buffer over (no copy is left behind).
    fn from(value: String) -> Self {
        Self(Zeroizing::new(value))
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_reveals_the_value() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{secret}").contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn a_line_is_read_without_its_line_end() {
        let read = |input: &[u8]| Secret::read_line(&mut std::io::Cursor::new(input.to_vec()));
        assert_eq!(read(b"hunter2\r\nnext line\n").unwrap().expose(), "hunter2");
        assert_eq!(read(b"no line end").unwrap().expose(), "no line end");
        assert_eq!(read(b"").unwrap().expose(), "");
        let long = "x".repeat(1000);
        assert_eq!(read(format!("{long}\n").as_bytes()).unwrap().expose(), long);
        assert!(read(b"\xff\xfe\n").is_err());
    }

    #[test]
    fn a_command_argument_becomes_a_secret_without_showing_it() {
        let secret: Secret = serde_json::from_value(serde_json::json!("hunter2")).unwrap();
        assert_eq!(secret.expose(), "hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }
}
