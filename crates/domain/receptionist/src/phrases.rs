//! What the fallback receptionist understands of plain caller language:
//! the intent of a message, the days and times it mentions, and which of
//! the offered slots it picks. Deterministic and small on purpose — it
//! runs when no model is configured or the model is down, and the same
//! words always mean the same thing.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};

/// Whether the message points at someone else's details (a phone number,
/// an email address, or a name with a possessive): the caller may act on
/// their own bookings only.
#[must_use]
pub fn names_someone_else(message: &str) -> bool {
    let digits = message.chars().filter(char::is_ascii_digit).count();
    let text = message.to_lowercase();
    digits >= 7
        || message.contains('@')
        || message.split_whitespace().any(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
            let stem = w.trim_end_matches("'s").trim_end_matches("’s");
            stem.len() < w.len()
                && w.chars().next().is_some_and(char::is_uppercase)
                && !["what", "it", "that", "there", "here", "who", "where", "how", "let", "he", "she"]
                    .contains(&stem.to_lowercase().as_str())
        })
        || has_any(&text, &["someone else", "another customer", "my neighbour", "my neighbor", "his", "her"])
}

/// What the caller wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// To stop being contacted.
    OptOut,
    /// A person.
    Human,
    /// To cancel their booking.
    Cancel,
    /// To move their booking.
    Reschedule,
    /// An appointment (with or without a day or time).
    Book,
    /// Opening hours.
    Hours,
    /// Where the business is.
    Address,
    /// What it offers.
    Services,
    /// What it costs.
    Prices,
    /// Thanks or goodbye.
    Goodbye,
    /// Anything else.
    Other,
}

fn has_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| contains_word(text, w))
}

/// Whether `text` holds `phrase` at word boundaries.
fn contains_word(text: &str, phrase: &str) -> bool {
    let mut start = 0;
    while let Some(found) = text[start..].find(phrase) {
        let at = start + found;
        let before = text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = text[at + phrase.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return true;
        }
        start = at + phrase.len();
    }
    false
}

/// Insults aimed at a person, slurs and threats. Swearing about a
/// situation ("these times are shit") is frustration, not abuse: it gets an
/// answer, not a close.
const ABUSE: &[&str] = &[
    "fuck you",
    "fuck off",
    "f off",
    "screw you",
    "piss off",
    "go to hell",
    "go die",
    "you bitch",
    "stupid bitch",
    "you idiot",
    "you moron",
    "you stupid",
    "you're stupid",
    "you are stupid",
    "you're an idiot",
    "you are an idiot",
    "asshole",
    "cunt",
    "motherfucker",
    "dickhead",
    "retard",
    "whore",
    "slut",
    "kill you",
    "hurt you",
    "kill yourself",
    "i'll find you",
    "i will find you",
    "i know where you",
];

/// Whether `message` insults, slurs or threatens (the receptionist then
/// closes politely and flags the lead instead of answering).
#[must_use]
pub fn is_abusive(message: &str) -> bool {
    let text = message.to_lowercase().replace('’', "'");
    has_any(&text, ABUSE)
}

/// The intent of `message` (lower-cased inside).
#[must_use]
pub fn intent(message: &str) -> Intent {
    let text = message.to_lowercase();
    let text = text.as_str();
    let keyword = text.trim().trim_end_matches(['.', '!']);
    // "STOP" is the SMS opt-out keyword; in a short message it means that too ("ok stop"),
    // in a sentence it may not ("stop wasting my time").
    let short_stop = contains_word(text, "stop") && text.split_whitespace().count() <= 3;
    if ["stop", "stop all", "end", "quit", "unsubscribe", "stopall"].contains(&keyword)
        || short_stop
        || has_any(
            text,
            &[
                "unsubscribe",
                "opt out",
                "opt-out",
                "don't contact",
                "do not contact",
                "remove me",
                "stop texting",
                "stop messaging",
                "stop contacting",
                "stop calling",
                "stop sending",
            ],
        )
    {
        Intent::OptOut
    } else if has_any(text, &["human", "person", "real person", "agent", "manager", "speak to", "talk to", "call me"]) {
        Intent::Human
    } else if has_any(text, &["cancel", "call off"]) {
        Intent::Cancel
    } else if has_any(
        text,
        &[
            "reschedule",
            "move",
            "postpone",
            "push back",
            "bring forward",
            "change my",
            "different time",
            "another time",
        ],
    ) {
        Intent::Reschedule
    } else if has_any(
        text,
        &[
            "book",
            "appointment",
            "come in",
            "available",
            "availability",
            "slot",
            "schedule",
            "visit",
            "inspection",
            "any time",
            "anything",
            "free",
        ],
    ) || day_words(text).is_some()
        || time_of(text).is_some()
    {
        Intent::Book
    } else if has_any(text, &["hours", "open", "close", "closing", "opening"]) {
        Intent::Hours
    } else if has_any(text, &["address", "where are you", "located", "location", "directions"]) {
        Intent::Address
    } else if has_any(text, &["price", "prices", "cost", "how much", "quote", "rates", "pricing"]) {
        Intent::Prices
    } else if has_any(text, &["services", "do you do", "do you offer", "what do you"]) {
        Intent::Services
    } else if has_any(text, &["thanks", "thank you", "bye", "goodbye", "that's all", "cheers"]) {
        Intent::Goodbye
    } else {
        Intent::Other
    }
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// The days a message asks about, from local `today`: `(first, last)`.
#[must_use]
pub fn days(message: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    day_words(&message.to_lowercase()).map(|f| f(today))
}

type DayRange = fn(NaiveDate) -> (NaiveDate, NaiveDate);

fn day_words(text: &str) -> Option<DayRange> {
    if contains_word(text, "today") {
        return Some(|d| (d, d));
    }
    if contains_word(text, "tomorrow") {
        return Some(|d| (d + Duration::days(1), d + Duration::days(1)));
    }
    if contains_word(text, "next week") {
        return Some(|d| {
            let monday = d + Duration::days(7 - i64::from(d.weekday().num_days_from_monday()));
            (monday, monday + Duration::days(6))
        });
    }
    if contains_word(text, "this week") {
        return Some(|d| (d, d + Duration::days(6 - i64::from(d.weekday().num_days_from_monday()))));
    }
    if contains_word(text, "weekend") {
        return Some(|d| {
            let saturday = d + Duration::days((5 + 7 - i64::from(d.weekday().num_days_from_monday())) % 7);
            (saturday, saturday + Duration::days(1))
        });
    }
    const NEXT: [DayRange; 7] = [
        |d| next_weekday(d, Weekday::Mon),
        |d| next_weekday(d, Weekday::Tue),
        |d| next_weekday(d, Weekday::Wed),
        |d| next_weekday(d, Weekday::Thu),
        |d| next_weekday(d, Weekday::Fri),
        |d| next_weekday(d, Weekday::Sat),
        |d| next_weekday(d, Weekday::Sun),
    ];
    WEEKDAYS
        .iter()
        .enumerate()
        .find(|(_, (name, _))| contains_word(text, name) || contains_word(text, &name[..3]))
        .map(|(i, _)| NEXT[i])
}

/// The next `day` from `today` (today itself when it is that day).
fn next_weekday(today: NaiveDate, day: Weekday) -> (NaiveDate, NaiveDate) {
    let ahead = (7 + i64::from(day.num_days_from_monday()) - i64::from(today.weekday().num_days_from_monday())) % 7;
    let date = today + Duration::days(ahead);
    (date, date)
}

/// The part of the day a message asks for: `[from, to)` local times.
#[must_use]
pub fn part_of_day(message: &str) -> Option<(NaiveTime, NaiveTime)> {
    let text = message.to_lowercase();
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
    if contains_word(&text, "morning") {
        Some((hm(0, 0), hm(12, 0)))
    } else if contains_word(&text, "afternoon") {
        Some((hm(12, 0), hm(17, 0)))
    } else if contains_word(&text, "evening") {
        Some((hm(17, 0), hm(23, 59)))
    } else {
        None
    }
}

/// A clock time in the message: `3pm`, `3:30 pm`, `15:00`, `at 10`.
#[must_use]
pub fn time_of(message: &str) -> Option<NaiveTime> {
    let text = message.to_lowercase();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let digits = i - start;
            let hour: u32 = text[start..i].parse().ok()?;
            let mut minute = 0;
            let mut explicit = false;
            if i + 2 < bytes.len() && bytes[i] == b':' && bytes[i + 1].is_ascii_digit() && bytes[i + 2].is_ascii_digit()
            {
                minute = text[i + 1..i + 3].parse().ok()?;
                i += 3;
                explicit = true;
            }
            let rest = text[i..].trim_start();
            let (pm, am) =
                (rest.starts_with("pm") || rest.starts_with("p.m"), rest.starts_with("am") || rest.starts_with("a.m"));
            let after_at = text[..start].trim_end().ends_with("at");
            if (pm || am || explicit || after_at) && hour <= 23 && minute < 60 && digits <= 2 {
                let hour = match (pm, am) {
                    (true, _) if hour < 12 => hour + 12,
                    (_, true) if hour == 12 => 0,
                    // "at 3" on a business line means the afternoon.
                    (false, false) if !explicit && (1..=6).contains(&hour) => hour + 12,
                    _ => hour,
                };
                return NaiveTime::from_hms_opt(hour, minute, 0);
            }
        }
        i += 1;
    }
    None
}

/// Which of `offered` (local start times, in order) the message picks, by
/// position ("the second one"), time ("3pm"), day ("Tuesday"), or a plain
/// yes when only one was offered.
#[must_use]
pub fn choice(message: &str, offered: &[chrono::NaiveDateTime]) -> Option<usize> {
    let text = message.to_lowercase();
    // Several at once, or a refusal, is not a choice.
    if has_any(
        &text,
        &[
            "all",
            "every",
            "both",
            "each",
            "no",
            "not",
            "never",
            "stop",
            "don't",
            "dont",
            "wait",
            "cancel",
            "never mind",
            "nevermind",
        ],
    ) {
        return None;
    }
    // Ordinals before "one": "the second one" is the second.
    let positions = [
        (&["second", "2nd", "two", "#2", "option 2", "number 2"][..], 1),
        (&["third", "3rd", "three", "#3", "option 3", "number 3"][..], 2),
        (&["last", "latest", "later one"][..], usize::MAX),
        (&["first", "1st", "earliest", "#1", "option 1", "number 1", "one"][..], 0),
    ];
    for (words, index) in positions {
        if has_any(&text, words) {
            let index = if index == usize::MAX { offered.len().checked_sub(1)? } else { index };
            return (index < offered.len()).then_some(index);
        }
    }
    if let Some(time) = time_of(&text) {
        let matching: Vec<usize> = (0..offered.len()).filter(|&i| offered[i].time() == time).collect();
        if let Some(day) = WEEKDAYS.iter().find(|(name, _)| contains_word(&text, name)).map(|(_, d)| *d) {
            return matching.into_iter().find(|&i| offered[i].weekday() == day);
        }
        return matching.first().copied();
    }
    if let Some(day) = WEEKDAYS.iter().find(|(name, _)| contains_word(&text, name)).map(|(_, d)| *d) {
        return (0..offered.len()).find(|&i| offered[i].weekday() == day);
    }
    let yes = has_any(
        &text,
        &["yes", "yeah", "yep", "sure", "ok", "okay", "that works", "perfect", "sounds good", "book it"],
    );
    (yes && offered.len() == 1).then_some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn intents_in_plain_words() {
        let cases = [
            ("Can I come in Tuesday afternoon?", Intent::Book),
            ("anything tomorrow?", Intent::Book),
            ("I need an inspection next week", Intent::Book),
            ("What are your opening hours?", Intent::Hours),
            ("where are you located", Intent::Address),
            ("how much does a repair cost", Intent::Prices),
            ("what services do you offer", Intent::Services),
            ("I want to cancel my appointment", Intent::Cancel),
            ("can I reschedule?", Intent::Reschedule),
            ("let me talk to a real person", Intent::Human),
            ("STOP", Intent::OptOut),
            ("thanks, bye", Intent::Goodbye),
            ("my gutter is weird", Intent::Other),
            ("stopwatch", Intent::Other),
            ("stop wasting my time", Intent::Other),
            ("Stop!", Intent::OptOut),
            ("please stop texting me", Intent::OptOut),
        ];
        for (text, expected) in cases {
            assert_eq!(intent(text), expected, "{text}");
        }
    }

    #[test]
    fn someone_elses_details_are_noticed() {
        assert!(names_someone_else("cancel the booking of +13125550199"));
        assert!(names_someone_else("what time is Bo Li's appointment?"));
        assert!(names_someone_else("move bo@example.com to Friday"));
        assert!(!names_someone_else("I need to cancel my appointment"));
        assert!(!names_someone_else("What's free on Tuesday? It's urgent"));
    }

    #[test]
    fn days_from_a_monday() {
        let monday = date(12, 7);
        assert_eq!(days("anything tomorrow?", monday), Some((date(12, 8), date(12, 8))));
        assert_eq!(days("Tuesday afternoon", monday), Some((date(12, 8), date(12, 8))));
        assert_eq!(days("monday?", monday), Some((monday, monday)));
        assert_eq!(days("next week", monday), Some((date(12, 14), date(12, 20))));
        assert_eq!(days("this weekend", monday), Some((date(12, 12), date(12, 13))));
        assert_eq!(days("whenever", monday), None);
        assert_eq!(days("fri", date(12, 11)), Some((date(12, 11), date(12, 11))));
    }

    #[test]
    fn times() {
        assert_eq!(time_of("3pm works"), Some(t(15, 0)));
        assert_eq!(time_of("how about 3:30 pm"), Some(t(15, 30)));
        assert_eq!(time_of("at 10 please"), Some(t(10, 0)));
        assert_eq!(time_of("at 3"), Some(t(15, 0)));
        assert_eq!(time_of("15:45"), Some(t(15, 45)));
        assert_eq!(time_of("12am"), Some(t(0, 0)));
        assert_eq!(time_of("I have 3 kids"), None);
        assert_eq!(time_of("room 2024"), None);
        assert_eq!(part_of_day("tuesday afternoon"), Some((t(12, 0), t(17, 0))));
    }

    #[test]
    fn choices_among_offered_slots() {
        let offered = [date(12, 8).and_time(t(9, 0)), date(12, 8).and_time(t(15, 0)), date(12, 9).and_time(t(15, 0))];
        assert_eq!(choice("the second one", &offered), Some(1));
        assert_eq!(choice("3pm works", &offered), Some(1));
        assert_eq!(choice("wednesday at 3pm", &offered), Some(2));
        assert_eq!(choice("Wednesday", &offered), Some(2));
        assert_eq!(choice("the last one", &offered), Some(2));
        assert_eq!(choice("yes", &offered), None, "ambiguous with three offered");
        assert_eq!(choice("yes please", &offered[..1]), Some(0));
        assert_eq!(choice("the fourth", &offered), None);
        assert_eq!(choice("5pm", &offered), None);
        assert_eq!(choice("confirm all three", &offered), None, "not one choice");
        assert_eq!(choice("ok stop, never mind", &offered[..1]), None, "a refusal");
        assert_eq!(choice("no, not the second one", &offered), None, "a refusal");
    }

    #[test]
    fn insults_and_threats_are_abuse_but_swearing_about_a_situation_is_not() {
        for abusive in ["Fuck you", "you're an IDIOT", "I know where you live", "you’re stupid", "f off bot"] {
            assert!(is_abusive(abusive), "{abusive}");
        }
        for frustrated in [
            "these times are shit",
            "this is fucking useless",
            "what the hell",
            "Cunningham Rd",
            "Scunthorpe",
            "can you shoot me a text",
        ] {
            assert!(!is_abusive(frustrated), "{frustrated}");
        }
    }
}
