//! Phone numbers in E.164, parsed rather than validated.
//!
//! Numbers go through the `phonenumber` library (Google's libphonenumber
//! metadata): a national number is read in the tenant's country, an
//! international one in its own, and only numbers valid for their numbering
//! plan are kept, as E.164. Leads, bookings, the receptionist's hand-off
//! number and the channels' caller ids all hold this one type, so a number
//! compared anywhere compares equal everywhere.
//!
//! Checking a number against its plan runs dozens of regexes (tens of
//! microseconds), and the same few numbers arrive again and again: every
//! webhook of a sub-account carries its own number in `To`, and callers call
//! back. So the verdicts of up to [`MEMO_ENTRIES`] distinct inputs are
//! remembered, starting over when full (a pure function's results: nothing
//! to invalidate).

use crate::Country;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, Mutex, PoisonError};

/// How many distinct (input, region) verdicts are remembered; the memo
/// starts over when full, so it holds at most this many (~0.5 MB).
pub const MEMO_ENTRIES: usize = 4096;

/// The E.164 form of each recently parsed input, `None` when it was invalid.
type Memo = HashMap<(Box<str>, Option<Country>), Option<Box<str>>>;

static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Mutex::default);

/// The E.164 form of `input` read in `region`, `None` when it is not a valid number.
fn e164(input: &str, region: Option<Country>) -> Option<Box<str>> {
    let key = (Box::<str>::from(input), region);
    if let Some(known) = MEMO.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return known.clone();
    }
    let parsed = phonenumber::parse(region.map(Country::phone_region), input)
        .ok()
        .filter(phonenumber::PhoneNumber::is_valid)
        .map(|number| number.format().mode(phonenumber::Mode::E164).to_string().into_boxed_str());
    let mut memo = MEMO.lock().unwrap_or_else(PoisonError::into_inner);
    if memo.len() >= MEMO_ENTRIES {
        memo.clear();
    }
    memo.insert(key, parsed.clone());
    parsed
}

/// A phone number in E.164 form (`+14155550123`). Input is checked against
/// the numbering plan of its country (length and prefixes), not just its
/// shape; stored values are only shape-checked when read back
/// ([`PhoneNumber::from_stored`]), so a numbering-plan update in a new
/// library version can never make existing leads unreadable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number in international form (`+44 20 7946 0958`, `00 44 …`
    /// is national-prefix dependent and so refused without a region).
    ///
    /// # Errors
    /// A message naming the expected form.
    pub fn parse(input: &str) -> Result<Self, String> {
        Self::parse_in(input, None)
    }

    /// Parses `input`, reading a national number (`(415) 555-0123`) in
    /// `region`, the tenant's country. Separators, spaces and an `ext.`
    /// suffix are tolerated; the result is normalized to E.164.
    ///
    /// # Errors
    /// A message saying what is wrong and, for a national number without a
    /// region, how to fix it.
    pub fn parse_in(input: &str, region: Option<Country>) -> Result<Self, String> {
        let input = input.trim();
        if input.is_empty() {
            return Err("is required".into());
        }
        if input.chars().count() > 40 {
            return Err("must be at most 40 characters".into());
        }
        let international = input.starts_with('+');
        if !international && region.is_none() {
            return Err("must be in international form: + and country code (e.g. +14155550123), \
                 or set the sub-account's country to accept national numbers"
                .into());
        }
        match e164(input, region) {
            Some(number) => Ok(Self(number.into())),
            None if international => Err("is not a valid phone number".into()),
            None => {
                Err(format!("is not a valid phone number in {}", region.map(|r| r.to_string()).unwrap_or_default()))
            }
        }
    }

    /// A number this system stored earlier (database row, cache entry):
    /// `+` and 8–15 digits, the first not zero. Cheap, and deliberately not
    /// a numbering-plan check (see the type's docs).
    ///
    /// # Errors
    /// When the value is not E.164-shaped (corrupt data).
    pub fn from_stored(value: &str) -> Result<Self, String> {
        let well_formed = value.strip_prefix('+').is_some_and(|digits| {
            (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
        });
        if well_formed { Ok(Self(value.to_owned())) } else { Err(format!("{value:?} is not an E.164 number")) }
    }

    /// The E.164 string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits only (no `+`), as searched by `q`.
    #[must_use]
    pub fn digits(&self) -> &str {
        self.0.trim_start_matches('+')
    }
}

/// Deserialization reads stored values (the cache), so it only checks the shape.
impl TryFrom<String> for PhoneNumber {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::from_stored(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonObject;
    use serde_json::json;

    fn us() -> Option<Country> {
        Country::parse("US").ok()
    }

    #[test]
    fn remembered_verdicts_match_fresh_ones() {
        // Each input twice (the second from the memo), then again after the memo filled up and started over.
        let inputs = [("+1 415 555 2671", None), ("(415) 555-2671", us()), ("+1 415 555", None), ("555-2671", us())];
        let first: Vec<_> = inputs.iter().map(|(i, r)| PhoneNumber::parse_in(i, *r)).collect();
        let again: Vec<_> = inputs.iter().map(|(i, r)| PhoneNumber::parse_in(i, *r)).collect();
        assert_eq!(first, again);
        assert_eq!(first[0].as_ref().map(PhoneNumber::as_str), Ok("+14155552671"));
        assert_eq!(first[1], first[0]);
        assert!(first[2].is_err() && first[3].is_err());
        {
            let mut memo = MEMO.lock().unwrap();
            for n in memo.len()..MEMO_ENTRIES {
                memo.insert((format!("filler {n}").into(), None), None);
            }
        }
        let _ = PhoneNumber::parse("+1 415 555 0000");
        assert!(MEMO.lock().unwrap().len() < MEMO_ENTRIES, "a full memo starts over");
        let after: Vec<_> = inputs.iter().map(|(i, r)| PhoneNumber::parse_in(i, *r)).collect();
        assert_eq!(first, after);
    }

    #[test]
    fn international_numbers_normalize_to_e164_whatever_the_separators() {
        for raw in [" +1 (415) 555-2671 ", "+1.415.555.2671", "+14155552671"] {
            assert_eq!(PhoneNumber::parse(raw).unwrap().as_str(), "+14155552671", "{raw}");
        }
        assert_eq!(PhoneNumber::parse("+44 20 7946 0958").unwrap().as_str(), "+442079460958");
        // An international number keeps its own country whatever the tenant's region.
        assert_eq!(PhoneNumber::parse_in("+44 20 7946 0958", us()).unwrap().as_str(), "+442079460958");
    }

    #[test]
    fn national_numbers_are_read_in_the_tenant_region() {
        assert_eq!(PhoneNumber::parse_in("(415) 555-2671", us()).unwrap().as_str(), "+14155552671");
        let gb = Country::parse("GB").ok();
        assert_eq!(PhoneNumber::parse_in("020 7946 0958", gb).unwrap().as_str(), "+442079460958");
        let de = Country::parse("DE").ok();
        assert_eq!(PhoneNumber::parse_in("030 123456", de).unwrap().as_str(), "+4930123456");
        // The international access code of the region works too.
        assert_eq!(PhoneNumber::parse_in("011 44 20 7946 0958", us()).unwrap().as_str(), "+442079460958");
    }

    #[test]
    fn a_national_number_without_a_region_says_how_to_fix_it() {
        let err = PhoneNumber::parse("4155552671").unwrap_err();
        assert!(err.contains("international form") && err.contains("country"), "{err}");
    }

    #[test]
    fn numbers_outside_the_numbering_plan_are_rejected() {
        // Too short, too long, impossible prefixes, letters.
        for bad in ["+1415555", "+1415555267199999", "+10155552671", "+999123456789", "+1 415 555 26x"] {
            assert_eq!(PhoneNumber::parse(bad).unwrap_err(), "is not a valid phone number", "{bad}");
        }
        assert_eq!(PhoneNumber::parse_in("12", us()).unwrap_err(), "is not a valid phone number in US");
        assert_eq!(PhoneNumber::parse(" ").unwrap_err(), "is required");
        assert!(PhoneNumber::parse(&"+1".repeat(30)).unwrap_err().contains("at most 40"));
    }

    #[test]
    fn vanity_letters_dial_as_digits() {
        assert_eq!(PhoneNumber::parse("+1 415 CALL NOW").unwrap().as_str(), "+14152255669");
    }

    #[test]
    fn digits_drop_the_plus() {
        assert_eq!(PhoneNumber::parse("+14155552671").unwrap().digits(), "14155552671");
    }

    #[test]
    fn values_deserialize_through_their_parsers() {
        let phone: PhoneNumber = serde_json::from_value(json!("+442079460958")).unwrap();
        assert_eq!(serde_json::to_value(&phone).unwrap(), json!("+442079460958"));
        assert!(serde_json::from_value::<PhoneNumber>(json!("020 7946 0958")).is_err());
        // Stored numbers are shape-checked only: one the current plan rejects still loads.
        assert!(PhoneNumber::parse("+10155552671").is_err());
        assert_eq!(PhoneNumber::from_stored("+10155552671").unwrap().as_str(), "+10155552671");
        assert!(PhoneNumber::from_stored("+0123456789").is_err() && PhoneNumber::from_stored("123").is_err());
        assert!(serde_json::from_value::<JsonObject>(json!("text")).is_err());
    }
}
