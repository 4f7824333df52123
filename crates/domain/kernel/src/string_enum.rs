//! The `string_enum!` macro: fieldless enums with one stable string form.
//!
//! Shared by every domain crate (like [`crate::define_id`]), so there is one
//! definition of how an enum is spelled in storage and over the API.
//!
//! Statuses, sources and kinds are stored as text and sent to clients as
//! text; declaring the string once per variant keeps serde, `Display`,
//! `FromStr` and the SQL adapters from ever disagreeing about spelling.

/// Declares a fieldless enum whose variants each have a stable snake_case
/// string form, with serde, `as_str`, `ALL`, `Display` and `FromStr`.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable string form, as stored and as clients see it.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!("unknown {} {other:?}; expected {}", $what, [$($text),+].join(", "))),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::string_enum!(
        /// A test enum.
        Colour, "colour" {
            /// Red.
            Red => "red",
            /// Dark blue.
            DarkBlue => "dark_blue",
        }
    );

    #[test]
    fn variants_round_trip_through_their_string_form() {
        for colour in Colour::ALL {
            assert_eq!(colour.as_str().parse::<Colour>(), Ok(*colour));
            assert_eq!(serde_json::to_string(colour).unwrap_or_default(), format!("\"{colour}\""));
        }
        assert_eq!("green".parse::<Colour>(), Err("unknown colour \"green\"; expected red, dark_blue".to_owned()));
    }
}
