//! What the bridge writes about people into log lines. Log files are kept for a week, so
//! colleagues (names, addresses, presence, status messages) appear only at `debug`, which nobody
//! runs by default; and any name that reaches a line is [`Escaped`], so a directory entry with
//! control characters cannot forge log lines or drive the terminal that shows them.

use std::fmt;

/// `text` with control characters written as escapes (`\n`, `\u{1b}`): C0 and C1 controls, DEL,
/// and the invisible format characters that reorder or hide text (bidirectional overrides and
/// isolates, zero-width characters, line and paragraph separators). Everything else, umlauts
/// included, is written as it is.
pub struct Escaped<'a>(pub &'a str);

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if needs_escape(c) {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_letters_kept() {
        let name =
            "Jörg\n2024-05-01T09:00:00Z  INFO forged line\r\u{1b}[31mred\u{7}\u{9b}\u{202e}gpj.exe";
        let shown = Escaped(name).to_string();
        assert_eq!(
            shown,
            "Jörg\\n2024-05-01T09:00:00Z  INFO forged line\\r\\u{1b}[31mred\\u{7}\\u{9b}\\u{202e}gpj.exe"
        );
        assert!(!shown.chars().any(needs_escape), "{shown:?}");
        assert_eq!(
            Escaped("Anna Berg-Özdemir").to_string(),
            "Anna Berg-Özdemir"
        );
    }
}
