//! A string-backed enum that keeps values it does not know.
//!
//! Microsoft Graph and STARFACE both add enum members over time (Graph's docs even print two different
//! spellings of the same lists), so a parse error on an unknown value would take the sync down for
//! no good reason. Every enum built with this macro parses case-insensitively and keeps anything else
//! verbatim in `Other(String)`.

/// Declares an open, case-insensitive string enum with an `Other(String)` fallback.
///
/// Each known variant is written as `Variant => "WireText", "English label";`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, $label:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept verbatim (trimmed).
            Other(String),
        }

        impl $name {
            /// Every value this version knows, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// Parses a value case-insensitively; never fails (unknown text becomes `Other`).
            pub fn parse(text: &str) -> Self {
                let trimmed = text.trim();
                $( if trimmed.eq_ignore_ascii_case($text) { return $name::$variant; } )*
                $name::Other(trimmed.to_owned())
            }

            /// The canonical wire spelling (the original text for `Other`).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(text) => text,
                }
            }

            /// A short English label for logs and the journal (the raw text for `Other`).
            pub fn label(&self) -> &str {
                match self {
                    $( $name::$variant => $label, )*
                    $name::Other(text) => text,
                }
            }

            /// Whether this is one of the values this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::parse(text)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(text))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }
    };
}
