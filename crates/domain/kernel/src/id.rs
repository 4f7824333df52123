//! Typed identifiers.
//!
//! Every entity id is a newtype over a UUID v7: time-ordered, so primary-key
//! indexes stay append-mostly, and typed, so a `LeadId` can never be passed
//! where a `TenantId` is expected. They serialize as plain strings.

/// Declares an id newtype over a UUID v7 with parsing, display and serde.
///
/// Used by every domain crate so all ids behave the same way.
#[macro_export]
macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered (UUID v7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            /// Wraps an existing UUID (e.g. read back from storage).
            #[must_use]
            pub const fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID.
            #[must_use]
            pub const fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::KernelError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| $crate::KernelError::InvalidId { kind: $what, value: s.chars().take(64).collect() })
            }
        }

        impl From<$name> for uuid::Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

define_id!(
    /// A tenant ("sub-account"): the unit of isolation of every business's data.
    TenantId,
    "tenant id"
);
define_id!(
    /// A user or admin account.
    UserId,
    "user id"
);
define_id!(
    /// A lead: held by leads, and by bookings, conversations and integrations
    /// that refer to one without depending on the leads crate.
    LeadId,
    "lead id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_uuid_v7_and_time_ordered() {
        let a = TenantId::new();
        let b = TenantId::new();
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!(a < b, "v7 ids created later sort later");
    }

    #[test]
    fn ids_round_trip_through_strings_and_json() {
        let id = UserId::new();
        let parsed: UserId = id.to_string().parse().expect("parse");
        assert_eq!(parsed, id);
        let json = serde_json::to_string(&id).expect("json");
        assert_eq!(json, format!("\"{id}\""));
    }

    #[test]
    fn parsing_garbage_names_the_kind_of_id() {
        let err = "not-a-uuid".parse::<TenantId>().unwrap_err();
        assert_eq!(err.to_string(), "not-a-uuid is not a valid tenant id");
    }
}
