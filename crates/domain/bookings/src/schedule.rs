//! A schedule: when a sub-account (or one resource) takes appointments.
//!
//! Wall-clock hours in an IANA zone — several ranges a day, date exceptions
//! (closed days, half days, extra openings) — plus the booking rules that
//! go with them: slot granularity, buffers, minimum notice and horizon.
//! Everything here is pure; [`crate::availability`] turns a schedule into
//! instants and [`crate::status`] answers "are we open now?".
//!
//! Wire form (camelCase JSON, also how it is stored):
//! `{"timeZone":"America/New_York","weeklyHours":{"monday":[{"start":"08:00","end":"12:00"},…],…},
//!   "exceptions":[{"date":"2026-12-25","hours":[],"label":"Christmas"}],
//!   "granularityMinutes":15,"bufferBeforeMinutes":0,"bufferAfterMinutes":0,
//!   "minNoticeMinutes":120,"horizonDays":60}`.
//! `end` may be `"24:00"` (until midnight); an exception with no `hours` is a closed day.

//!
//! Two ways in: [`Schedule::parse`] validates client input and names every
//! bad field at once (`weeklyHours.monday.1.start`, `exceptions.3.date`);
//! serde's `Deserialize` reads trusted stored data and fails on the first
//! problem. Both keep each day's ranges sorted, disjoint and merged where
//! they touch, and exceptions sorted by date, one per date.

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use frontdesk_kernel::ValidationErrors;
use frontdesk_kernel::text::check_text;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Minutes since local midnight, `0..=1440` (`1440` is the midnight that ends the day).
pub type WallMinute = u16;

/// One opening range of a day, `start < end`, wall-clock minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeRange {
    /// Opening, minutes since midnight.
    pub start: WallMinute,
    /// Closing, minutes since midnight (`1440` = midnight at the end of the day).
    pub end: WallMinute,
}

/// Opening ranges for each weekday, Monday first; each day's ranges sorted and disjoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    /// Index `Weekday::num_days_from_monday()`.
    pub days: [Vec<TimeRange>; 7],
}

impl WeeklyHours {
    /// The ranges of `day` (empty: closed).
    #[must_use]
    pub fn on(&self, day: Weekday) -> &[TimeRange] {
        &self.days[day.num_days_from_monday() as usize]
    }
}

/// A date whose hours differ from its weekday's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateException {
    /// The local date.
    pub date: NaiveDate,
    /// That day's ranges; empty = closed all day.
    pub hours: Vec<TimeRange>,
    /// Why (`"Christmas"`), at most 120 characters.
    pub label: Option<String>,
}

/// Hours and booking rules, in one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The zone the hours are wall-clock times in.
    pub time_zone: Tz,
    /// The regular week.
    pub weekly_hours: WeeklyHours,
    /// Dates that differ, sorted by date, one per date.
    pub exceptions: Vec<DateException>,
    /// Slots start every this many minutes from each range's opening (5–240, default 15).
    pub granularity_minutes: u32,
    /// Time kept free before each appointment (0–240, default 0).
    pub buffer_before_minutes: u32,
    /// Time kept free after each appointment (0–240, default 0).
    pub buffer_after_minutes: u32,
    /// Nothing can be booked sooner than this after now (0–43200, default 120).
    pub min_notice_minutes: u32,
    /// Nothing can be booked further ahead than this many days (1–730, default 60).
    pub horizon_days: u32,
}

/// The weekday keys of the wire form, Monday first.
const WEEKDAY_NAMES: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// The top-level keys [`Schedule::parse`] accepts.
const SCHEDULE_KEYS: [&str; 8] = [
    "timeZone",
    "weeklyHours",
    "exceptions",
    "granularityMinutes",
    "bufferBeforeMinutes",
    "bufferAfterMinutes",
    "minNoticeMinutes",
    "horizonDays",
];

/// Minutes in a day: the `24:00` that ends it.
const DAY_MINUTES: WallMinute = 1440;

impl TimeRange {
    /// The range `[start, end)` when `start < end <= 24:00`.
    #[must_use]
    pub const fn new(start: WallMinute, end: WallMinute) -> Option<Self> {
        if start < end && end <= DAY_MINUTES { Some(Self { start, end }) } else { None }
    }

    /// `minute` as `"HH:MM"` (`1440` is `"24:00"`).
    #[must_use]
    pub fn format_minute(minute: WallMinute) -> String {
        format!("{:02}:{:02}", minute / 60, minute % 60)
    }

    /// How many minutes the range lasts on the wall clock.
    #[must_use]
    pub const fn minutes(&self) -> u32 {
        (self.end - self.start) as u32
    }
}

impl std::fmt::Display for TimeRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}–{}", Self::format_minute(self.start), Self::format_minute(self.end))
    }
}

impl WeeklyHours {
    /// Monday to Friday 09:00–17:00, closed at weekends: the default week.
    #[must_use]
    pub fn weekdays_nine_to_five() -> Self {
        let day = vec![TimeRange { start: 9 * 60, end: 17 * 60 }];
        let closed = Vec::new;
        Self { days: [day.clone(), day.clone(), day.clone(), day.clone(), day, closed(), closed()] }
    }

    /// Validates a `businessHours` object (the weekly-hours rules of
    /// [`Schedule::parse`], fields named `businessHours.monday.0.start`…);
    /// `null` is the default week.
    ///
    /// # Errors
    /// Every bad field, named.
    pub fn parse_business_hours(value: &Value) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let hours = parse_weekly(value, "businessHours", &mut errors);
        errors.into_result().map(|()| hours)
    }
}

impl Schedule {
    /// Default slot granularity.
    pub const DEFAULT_GRANULARITY_MINUTES: u32 = 15;
    /// Default minimum notice.
    pub const DEFAULT_MIN_NOTICE_MINUTES: u32 = 120;
    /// Default horizon.
    pub const DEFAULT_HORIZON_DAYS: u32 = 60;
    /// Smallest slot granularity.
    pub const MIN_GRANULARITY_MINUTES: u32 = 5;
    /// Largest slot granularity.
    pub const MAX_GRANULARITY_MINUTES: u32 = 240;
    /// Longest buffer before or after an appointment.
    pub const MAX_BUFFER_MINUTES: u32 = 240;
    /// Longest minimum notice (30 days).
    pub const MAX_NOTICE_MINUTES: u32 = 43_200;
    /// Furthest horizon (two years).
    pub const MAX_HORIZON_DAYS: u32 = 730;
    /// Most date exceptions.
    pub const MAX_EXCEPTIONS: usize = 366;
    /// Most opening ranges in one day.
    pub const MAX_RANGES_PER_DAY: usize = 12;
    /// Longest exception label, in characters.
    pub const MAX_LABEL_CHARS: usize = 120;

    /// Monday–Friday 09:00–17:00 in `tz`, no exceptions, the default rules, no buffers.
    #[must_use]
    pub fn default_in(tz: Tz) -> Self {
        Self {
            time_zone: tz,
            weekly_hours: WeeklyHours::weekdays_nine_to_five(),
            exceptions: Vec::new(),
            granularity_minutes: Self::DEFAULT_GRANULARITY_MINUTES,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            min_notice_minutes: Self::DEFAULT_MIN_NOTICE_MINUTES,
            horizon_days: Self::DEFAULT_HORIZON_DAYS,
        }
    }

    /// Validates client input (a PUT body) in the wire form; absent fields
    /// take their defaults (`timeZone`: `default_zone`; `weeklyHours`:
    /// Monday–Friday 09:00–17:00).
    ///
    /// # Errors
    /// Every bad field at once, named by its camelCase dotted path.
    pub fn parse(value: &Value, default_zone: Tz) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let Some(map) = value.as_object() else {
            return Err(ValidationErrors::single("body", "must be a JSON object"));
        };
        for key in map.keys().filter(|key| !SCHEDULE_KEYS.contains(&key.as_str())) {
            errors.add(printable(key), "unknown field");
        }
        let schedule = Self {
            time_zone: parse_zone(map.get("timeZone"), default_zone, &mut errors),
            weekly_hours: parse_weekly(map.get("weeklyHours").unwrap_or(&Value::Null), "weeklyHours", &mut errors),
            exceptions: parse_exceptions(map.get("exceptions"), &mut errors),
            granularity_minutes: int_field(
                map,
                "granularityMinutes",
                (Self::MIN_GRANULARITY_MINUTES, Self::MAX_GRANULARITY_MINUTES, Self::DEFAULT_GRANULARITY_MINUTES),
                &mut errors,
            ),
            buffer_before_minutes: int_field(map, "bufferBeforeMinutes", (0, Self::MAX_BUFFER_MINUTES, 0), &mut errors),
            buffer_after_minutes: int_field(map, "bufferAfterMinutes", (0, Self::MAX_BUFFER_MINUTES, 0), &mut errors),
            min_notice_minutes: int_field(
                map,
                "minNoticeMinutes",
                (0, Self::MAX_NOTICE_MINUTES, Self::DEFAULT_MIN_NOTICE_MINUTES),
                &mut errors,
            ),
            horizon_days: int_field(
                map,
                "horizonDays",
                (1, Self::MAX_HORIZON_DAYS, Self::DEFAULT_HORIZON_DAYS),
                &mut errors,
            ),
        };
        errors.into_result().map(|()| schedule)
    }

    /// The opening ranges of local `date`: its exception's if it has one, else its weekday's.
    #[must_use]
    pub fn ranges_on(&self, date: NaiveDate) -> &[TimeRange] {
        match self.exception_on(date) {
            Some(exception) => &exception.hours,
            None => self.weekly_hours.on(chrono::Datelike::weekday(&date)),
        }
    }

    /// The exception for local `date`, if any.
    #[must_use]
    pub fn exception_on(&self, date: NaiveDate) -> Option<&DateException> {
        self.exceptions.binary_search_by_key(&date, |e| e.date).ok().map(|i| &self.exceptions[i])
    }

    /// The booking-rule numbers against their bounds, as `(field, message)`.
    fn rule_problems(&self) -> Vec<(&'static str, String)> {
        let checks = [
            (
                "granularityMinutes",
                self.granularity_minutes,
                Self::MIN_GRANULARITY_MINUTES,
                Self::MAX_GRANULARITY_MINUTES,
            ),
            ("bufferBeforeMinutes", self.buffer_before_minutes, 0, Self::MAX_BUFFER_MINUTES),
            ("bufferAfterMinutes", self.buffer_after_minutes, 0, Self::MAX_BUFFER_MINUTES),
            ("minNoticeMinutes", self.min_notice_minutes, 0, Self::MAX_NOTICE_MINUTES),
            ("horizonDays", self.horizon_days, 1, Self::MAX_HORIZON_DAYS),
        ];
        checks
            .into_iter()
            .filter(|(_, value, min, max)| !(min..=max).contains(&value))
            .map(|(field, _, min, max)| (field, range_message(min, max)))
            .collect()
    }
}

// --- validating parser (client input) ---

/// `prefix.key`, or `key` alone at the top.
fn join(prefix: &str, key: impl std::fmt::Display) -> String {
    if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") }
}

/// A client-supplied key made safe to echo in a field name.
fn printable(key: &str) -> String {
    key.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

fn range_message(min: u32, max: u32) -> String {
    format!("must be a whole number from {min} to {max}")
}

fn parse_zone(value: Option<&Value>, default_zone: Tz, errors: &mut ValidationErrors) -> Tz {
    let parsed = match value {
        None | Some(Value::Null) => return default_zone,
        Some(Value::String(name)) => name.parse::<Tz>().ok(),
        Some(_) => None,
    };
    parsed.unwrap_or_else(|| {
        errors.add("timeZone", "must be an IANA time zone such as \"America/New_York\"");
        default_zone
    })
}

/// An optional whole-number field; `bounds` is `(min, max, default)`.
fn int_field(map: &Map<String, Value>, key: &str, bounds: (u32, u32, u32), errors: &mut ValidationErrors) -> u32 {
    let (min, max, default) = bounds;
    let value = match map.get(key) {
        None | Some(Value::Null) => return default,
        Some(value) => value.as_u64().and_then(|v| u32::try_from(v).ok()),
    };
    match value {
        Some(v) if (min..=max).contains(&v) => v,
        _ => {
            errors.add(key, range_message(min, max));
            default
        }
    }
}

/// Parses `"HH:MM"` (or `"HH:MM:00"`) into minutes; `24:00` only for an end.
pub(crate) fn parse_clock(text: &str, is_end: bool) -> Result<WallMinute, String> {
    let bad = || {
        let upper = if is_end { "24:00" } else { "23:59" };
        format!("must be a time \"HH:MM\" from 00:00 to {upper}")
    };
    let bytes = text.as_bytes();
    let shape_ok = matches!(bytes.len(), 5 | 8)
        && bytes[2] == b':'
        && (bytes.len() == 5 || &bytes[5..] == b":00")
        && [0, 1, 3, 4].iter().all(|&i| bytes[i].is_ascii_digit());
    if !shape_ok {
        return Err(bad());
    }
    let digit = |i: usize| WallMinute::from(bytes[i] - b'0');
    let (hour, minute) = (digit(0) * 10 + digit(1), digit(3) * 10 + digit(4));
    let total = hour * 60 + minute;
    let limit = if is_end { DAY_MINUTES } else { DAY_MINUTES - 1 };
    if minute < 60 && total <= limit { Ok(total) } else { Err(bad()) }
}

fn parse_clock_field(
    value: Option<&Value>,
    field: &str,
    is_end: bool,
    errors: &mut ValidationErrors,
) -> Option<WallMinute> {
    let result = match value {
        Some(Value::String(text)) => parse_clock(text, is_end),
        None | Some(Value::Null) => Err("is required".to_owned()),
        Some(_) => parse_clock("", is_end),
    };
    errors.check(field, result)
}

/// Reports every key of `map` outside `allowed`, under `prefix`.
fn unknown_keys(map: &Map<String, Value>, allowed: &[&str], prefix: &str, errors: &mut ValidationErrors) {
    for key in map.keys().filter(|key| !allowed.contains(&key.as_str())) {
        errors.add(join(prefix, printable(key)), "unknown field");
    }
}

fn parse_range(value: &Value, field: &str, errors: &mut ValidationErrors) -> Option<TimeRange> {
    let Some(map) = value.as_object() else {
        errors.add(field, "must be an object {\"start\":\"HH:MM\",\"end\":\"HH:MM\"}");
        return None;
    };
    unknown_keys(map, &["start", "end"], field, errors);
    let start = parse_clock_field(map.get("start"), &join(field, "start"), false, errors);
    let end = parse_clock_field(map.get("end"), &join(field, "end"), true, errors);
    let (start, end) = (start?, end?);
    let range = TimeRange::new(start, end);
    if range.is_none() {
        errors.add(join(field, "end"), format!("must be after the start ({})", TimeRange::format_minute(start)));
    }
    range
}

/// Sorts ranges and merges the ones that touch; `Err((index, message))`
/// names the first range (by input index) that overlaps another.
pub(crate) fn normalize_ranges(ranges: Vec<(usize, TimeRange)>) -> Result<Vec<TimeRange>, (usize, String)> {
    let mut sorted = ranges;
    sorted.sort_by_key(|(_, range)| *range);
    let mut merged: Vec<TimeRange> = Vec::with_capacity(sorted.len());
    for (index, range) in sorted {
        match merged.last_mut() {
            Some(last) if range.start < last.end => {
                return Err((index, format!("overlaps {last}")));
            }
            Some(last) if range.start == last.end => last.end = range.end,
            _ => merged.push(range),
        }
    }
    Ok(merged)
}

/// One day's ranges (`null` = closed): an array of at most
/// [`Schedule::MAX_RANGES_PER_DAY`] disjoint ranges.
fn parse_day(value: &Value, field: &str, errors: &mut ValidationErrors) -> Vec<TimeRange> {
    let items = match value {
        Value::Null => return Vec::new(),
        Value::Array(items) => items,
        _ => {
            errors.add(field, "must be an array of {\"start\":\"HH:MM\",\"end\":\"HH:MM\"} ranges");
            return Vec::new();
        }
    };
    if items.len() > Schedule::MAX_RANGES_PER_DAY {
        errors.add(field, format!("must have at most {} ranges", Schedule::MAX_RANGES_PER_DAY));
        return Vec::new();
    }
    let ranges: Vec<(usize, TimeRange)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| parse_range(item, &join(field, i), errors).map(|range| (i, range)))
        .collect();
    normalize_ranges(ranges).unwrap_or_else(|(index, message)| {
        errors.add(join(field, index), message);
        Vec::new()
    })
}

/// A weekly-hours object under `prefix`; `null` is the default week.
fn parse_weekly(value: &Value, prefix: &str, errors: &mut ValidationErrors) -> WeeklyHours {
    let map = match value {
        Value::Null => return WeeklyHours::weekdays_nine_to_five(),
        Value::Object(map) => map,
        _ => {
            errors.add(prefix, "must be an object with weekday keys (\"monday\" … \"sunday\")");
            return WeeklyHours::weekdays_nine_to_five();
        }
    };
    let mut hours = WeeklyHours::default();
    let mut seen = [false; 7];
    for (key, day_value) in map {
        let field = join(prefix, printable(key));
        let Some(index) = WEEKDAY_NAMES.iter().position(|name| name.eq_ignore_ascii_case(key)) else {
            errors.add(
                field,
                "unknown weekday: expected one of monday, tuesday, wednesday, thursday, friday, saturday, sunday",
            );
            continue;
        };
        if std::mem::replace(&mut seen[index], true) {
            errors.add(field, "this weekday is given twice");
            continue;
        }
        hours.days[index] = parse_day(day_value, &field, errors);
    }
    hours
}

fn parse_date(value: Option<&Value>, field: &str, errors: &mut ValidationErrors) -> Option<NaiveDate> {
    let date = match value {
        Some(Value::String(text)) if text.len() == 10 => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
        _ => None,
    };
    if date.is_none() {
        errors.add(field, "must be a date \"YYYY-MM-DD\"");
    }
    date
}

/// A label: trimmed, empty is none, at most [`Schedule::MAX_LABEL_CHARS`], no control characters.
pub(crate) fn clean_label(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    check_text(text)?;
    if text.chars().count() > Schedule::MAX_LABEL_CHARS {
        return Err(format!("must be at most {} characters", Schedule::MAX_LABEL_CHARS));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

fn parse_label(value: Option<&Value>, field: &str, errors: &mut ValidationErrors) -> Option<String> {
    let result = match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => clean_label(text),
        Some(_) => Err("must be a string or null".to_owned()),
    };
    errors.check(field, result).flatten()
}

fn parse_exception(value: &Value, field: &str, errors: &mut ValidationErrors) -> Option<DateException> {
    let Some(map) = value.as_object() else {
        errors.add(field, "must be an object {\"date\":\"YYYY-MM-DD\",\"hours\":[…],\"label\":…}");
        return None;
    };
    unknown_keys(map, &["date", "hours", "label"], field, errors);
    let date = parse_date(map.get("date"), &join(field, "date"), errors);
    let hours = parse_day(map.get("hours").unwrap_or(&Value::Null), &join(field, "hours"), errors);
    let label = parse_label(map.get("label"), &join(field, "label"), errors);
    Some(DateException { date: date?, hours, label })
}

fn parse_exceptions(value: Option<&Value>, errors: &mut ValidationErrors) -> Vec<DateException> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.add("exceptions", "must be an array of {\"date\":\"YYYY-MM-DD\",\"hours\":[…]} objects");
            return Vec::new();
        }
    };
    if items.len() > Schedule::MAX_EXCEPTIONS {
        errors.add("exceptions", format!("must have at most {} dates", Schedule::MAX_EXCEPTIONS));
        return Vec::new();
    }
    let mut exceptions: Vec<DateException> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = join("exceptions", i);
        let Some(exception) = parse_exception(item, &field, errors) else { continue };
        if exceptions.iter().any(|e| e.date == exception.date) {
            errors.add(join(&field, "date"), format!("{} is already listed", exception.date));
            continue;
        }
        exceptions.push(exception);
    }
    exceptions.sort_by_key(|e| e.date);
    exceptions
}

// --- wire form (trusted stored data) ---

#[derive(Serialize, Deserialize)]
struct RangeRepr {
    start: String,
    end: String,
}

#[derive(Serialize, Deserialize)]
struct WeeklyRepr {
    #[serde(default)]
    monday: Vec<RangeRepr>,
    #[serde(default)]
    tuesday: Vec<RangeRepr>,
    #[serde(default)]
    wednesday: Vec<RangeRepr>,
    #[serde(default)]
    thursday: Vec<RangeRepr>,
    #[serde(default)]
    friday: Vec<RangeRepr>,
    #[serde(default)]
    saturday: Vec<RangeRepr>,
    #[serde(default)]
    sunday: Vec<RangeRepr>,
}

#[derive(Serialize, Deserialize)]
struct ExceptionRepr {
    date: NaiveDate,
    #[serde(default)]
    hours: Vec<RangeRepr>,
    #[serde(default)]
    label: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleRepr {
    time_zone: String,
    weekly_hours: WeeklyRepr,
    exceptions: Vec<ExceptionRepr>,
    granularity_minutes: u32,
    buffer_before_minutes: u32,
    buffer_after_minutes: u32,
    min_notice_minutes: u32,
    horizon_days: u32,
}

fn ranges_repr(ranges: &[TimeRange]) -> Vec<RangeRepr> {
    ranges
        .iter()
        .map(|r| RangeRepr { start: TimeRange::format_minute(r.start), end: TimeRange::format_minute(r.end) })
        .collect()
}

fn ranges_from_repr(ranges: Vec<RangeRepr>, what: &str) -> Result<Vec<TimeRange>, String> {
    if ranges.len() > Schedule::MAX_RANGES_PER_DAY {
        return Err(format!("{what}: more than {} ranges", Schedule::MAX_RANGES_PER_DAY));
    }
    let mut parsed = Vec::with_capacity(ranges.len());
    for (i, raw) in ranges.into_iter().enumerate() {
        let start = parse_clock(&raw.start, false).map_err(|e| format!("{what}.{i}.start {e}"))?;
        let end = parse_clock(&raw.end, true).map_err(|e| format!("{what}.{i}.end {e}"))?;
        let range = TimeRange::new(start, end).ok_or_else(|| format!("{what}.{i} must end after it starts"))?;
        parsed.push((i, range));
    }
    normalize_ranges(parsed).map_err(|(i, e)| format!("{what}.{i} {e}"))
}

impl From<&WeeklyHours> for WeeklyRepr {
    fn from(hours: &WeeklyHours) -> Self {
        let [mo, tu, we, th, fr, sa, su] = &hours.days;
        Self {
            monday: ranges_repr(mo),
            tuesday: ranges_repr(tu),
            wednesday: ranges_repr(we),
            thursday: ranges_repr(th),
            friday: ranges_repr(fr),
            saturday: ranges_repr(sa),
            sunday: ranges_repr(su),
        }
    }
}

impl TryFrom<WeeklyRepr> for WeeklyHours {
    type Error = String;
    fn try_from(repr: WeeklyRepr) -> Result<Self, String> {
        let days = [repr.monday, repr.tuesday, repr.wednesday, repr.thursday, repr.friday, repr.saturday, repr.sunday];
        let mut hours = Self::default();
        for ((slot, ranges), name) in hours.days.iter_mut().zip(days).zip(WEEKDAY_NAMES) {
            *slot = ranges_from_repr(ranges, &format!("weeklyHours.{name}"))?;
        }
        Ok(hours)
    }
}

impl From<&DateException> for ExceptionRepr {
    fn from(exception: &DateException) -> Self {
        Self { date: exception.date, hours: ranges_repr(&exception.hours), label: exception.label.clone() }
    }
}

impl TryFrom<ExceptionRepr> for DateException {
    type Error = String;
    fn try_from(repr: ExceptionRepr) -> Result<Self, String> {
        let what = format!("exceptions[{}].hours", repr.date);
        let label = match repr.label {
            Some(text) => clean_label(&text).map_err(|e| format!("exceptions[{}].label {e}", repr.date))?,
            None => None,
        };
        Ok(Self { date: repr.date, hours: ranges_from_repr(repr.hours, &what)?, label })
    }
}

impl From<&Schedule> for ScheduleRepr {
    fn from(schedule: &Schedule) -> Self {
        Self {
            time_zone: schedule.time_zone.name().to_owned(),
            weekly_hours: WeeklyRepr::from(&schedule.weekly_hours),
            exceptions: schedule.exceptions.iter().map(ExceptionRepr::from).collect(),
            granularity_minutes: schedule.granularity_minutes,
            buffer_before_minutes: schedule.buffer_before_minutes,
            buffer_after_minutes: schedule.buffer_after_minutes,
            min_notice_minutes: schedule.min_notice_minutes,
            horizon_days: schedule.horizon_days,
        }
    }
}

impl TryFrom<ScheduleRepr> for Schedule {
    type Error = String;
    fn try_from(repr: ScheduleRepr) -> Result<Self, String> {
        let time_zone = repr
            .time_zone
            .parse::<Tz>()
            .map_err(|_| format!("timeZone {:?} is not an IANA time zone", repr.time_zone))?;
        if repr.exceptions.len() > Self::MAX_EXCEPTIONS {
            return Err(format!("exceptions: more than {}", Self::MAX_EXCEPTIONS));
        }
        let mut exceptions = repr.exceptions.into_iter().map(DateException::try_from).collect::<Result<Vec<_>, _>>()?;
        exceptions.sort_by_key(|e| e.date);
        if let Some(pair) = exceptions.windows(2).find(|pair| pair[0].date == pair[1].date) {
            return Err(format!("exceptions: {} is listed twice", pair[0].date));
        }
        let schedule = Self {
            time_zone,
            weekly_hours: WeeklyHours::try_from(repr.weekly_hours)?,
            exceptions,
            granularity_minutes: repr.granularity_minutes,
            buffer_before_minutes: repr.buffer_before_minutes,
            buffer_after_minutes: repr.buffer_after_minutes,
            min_notice_minutes: repr.min_notice_minutes,
            horizon_days: repr.horizon_days,
        };
        match schedule.rule_problems().first() {
            Some((field, message)) => Err(format!("{field} {message}")),
            None => Ok(schedule),
        }
    }
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ScheduleRepr::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = ScheduleRepr::deserialize(deserializer)?;
        Self::try_from(repr).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn range(start: &str, end: &str) -> TimeRange {
        TimeRange::new(parse_clock(start, false).unwrap(), parse_clock(end, true).unwrap()).unwrap()
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.errors().iter().map(|e| e.field.as_str()).collect()
    }

    fn good_body() -> Value {
        json!({
            "timeZone": "America/New_York",
            "weeklyHours": {
                "monday": [{"start": "13:00", "end": "17:00"}, {"start": "08:00", "end": "12:00"}],
                "Tuesday": [{"start": "09:00", "end": "24:00"}],
                "wednesday": null,
                "saturday": [{"start": "10:00:00", "end": "14:00"}]
            },
            "exceptions": [
                {"date": "2026-12-31", "hours": [{"start": "09:00", "end": "12:00"}], "label": "  New Year's Eve "},
                {"date": "2026-12-25", "label": "Christmas"}
            ],
            "granularityMinutes": 30,
            "bufferBeforeMinutes": 5,
            "bufferAfterMinutes": 10,
            "minNoticeMinutes": 60,
            "horizonDays": 90
        })
    }

    #[test]
    fn a_good_body_parses_sorted_and_trimmed() {
        let schedule = Schedule::parse(&good_body(), Tz::UTC).unwrap();
        assert_eq!(schedule.time_zone, chrono_tz::America::New_York);
        assert_eq!(schedule.weekly_hours.on(Weekday::Mon), [range("08:00", "12:00"), range("13:00", "17:00")]);
        assert_eq!(schedule.weekly_hours.on(Weekday::Tue), [range("09:00", "24:00")]);
        assert!(schedule.weekly_hours.on(Weekday::Wed).is_empty());
        assert!(schedule.weekly_hours.on(Weekday::Thu).is_empty(), "a missing day is closed");
        assert_eq!(schedule.weekly_hours.on(Weekday::Sat), [range("10:00", "14:00")]);
        let dates: Vec<String> = schedule.exceptions.iter().map(|e| e.date.to_string()).collect();
        assert_eq!(dates, ["2026-12-25", "2026-12-31"]);
        assert!(schedule.exceptions[0].hours.is_empty());
        assert_eq!(schedule.exceptions[1].label.as_deref(), Some("New Year's Eve"));
        assert_eq!(
            (schedule.granularity_minutes, schedule.buffer_before_minutes, schedule.buffer_after_minutes),
            (30, 5, 10)
        );
        assert_eq!((schedule.min_notice_minutes, schedule.horizon_days), (60, 90));
    }

    #[test]
    fn a_parsed_schedule_round_trips_through_the_wire_form() {
        let schedule = Schedule::parse(&good_body(), Tz::UTC).unwrap();
        let wire = serde_json::to_value(&schedule).unwrap();
        assert_eq!(wire["timeZone"], "America/New_York");
        assert_eq!(wire["weeklyHours"]["tuesday"], json!([{"start": "09:00", "end": "24:00"}]));
        assert_eq!(wire["weeklyHours"]["sunday"], json!([]));
        assert_eq!(wire["exceptions"][0], json!({"date": "2026-12-25", "hours": [], "label": "Christmas"}));
        assert_eq!(wire["granularityMinutes"], 30);
        assert_eq!(wire.as_object().unwrap().len(), 8);
        assert_eq!(serde_json::from_value::<Schedule>(wire.clone()).unwrap(), schedule);
        assert_eq!(Schedule::parse(&wire, Tz::UTC).unwrap(), schedule, "the wire form is valid client input");
        let plain = Schedule::default_in(chrono_tz::Asia::Tokyo);
        let wire = serde_json::to_value(&plain).unwrap();
        assert_eq!(wire["exceptions"], json!([]));
        assert_eq!(serde_json::from_value::<Schedule>(wire).unwrap(), plain);
    }

    #[test]
    fn a_null_label_is_serialized_as_null() {
        let mut schedule = Schedule::default_in(Tz::UTC);
        schedule.exceptions.push(DateException {
            date: NaiveDate::from_ymd_opt(2026, 7, 4).unwrap(),
            hours: vec![],
            label: None,
        });
        let wire = serde_json::to_value(&schedule).unwrap();
        assert_eq!(wire["exceptions"][0], json!({"date": "2026-07-04", "hours": [], "label": null}));
        assert_eq!(serde_json::from_value::<Schedule>(wire).unwrap(), schedule);
    }

    #[test]
    fn deserializing_refuses_invalid_stored_data() {
        let good = serde_json::to_value(Schedule::default_in(Tz::UTC)).unwrap();
        let broken = |path: &[&str], value: Value| {
            let mut wire = good.clone();
            let mut target = &mut wire;
            for key in &path[..path.len() - 1] {
                target = &mut target[*key];
            }
            target[path[path.len() - 1]] = value;
            serde_json::from_value::<Schedule>(wire).is_err()
        };
        assert!(broken(&["timeZone"], json!("Mars/Olympus")));
        assert!(broken(&["granularityMinutes"], json!(0)));
        assert!(broken(&["horizonDays"], json!(0)));
        assert!(broken(&["weeklyHours", "monday"], json!([{"start": "10:00", "end": "09:00"}])));
        assert!(broken(
            &["weeklyHours", "monday"],
            json!([{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}])
        ));
        assert!(broken(&["weeklyHours", "monday"], json!([{"start": "24:00", "end": "24:00"}])));
        assert!(broken(
            &["exceptions"],
            json!([{"date": "2026-01-01", "hours": []}, {"date": "2026-01-01", "hours": []}])
        ));
        assert!(!broken(&["granularityMinutes"], json!(60)));
    }

    #[test]
    fn an_empty_body_takes_every_default() {
        let schedule = Schedule::parse(&json!({}), chrono_tz::Europe::Paris).unwrap();
        assert_eq!(schedule, Schedule::default_in(chrono_tz::Europe::Paris));
        assert_eq!(schedule.weekly_hours.on(Weekday::Fri), [range("09:00", "17:00")]);
        assert!(schedule.weekly_hours.on(Weekday::Sun).is_empty());
        assert_eq!(schedule.granularity_minutes, 15);
        assert_eq!(schedule.min_notice_minutes, 120);
        assert_eq!(schedule.horizon_days, 60);
        let nulls = json!({"timeZone": null, "weeklyHours": null, "exceptions": null, "horizonDays": null});
        assert_eq!(Schedule::parse(&nulls, chrono_tz::Europe::Paris).unwrap(), schedule);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let body = json!({
            "timeZone": "Mars/Olympus",
            "weeklyHours": {
                "monday": [{"start": "09:00", "end": "12:00"}, {"start": "9am", "end": "25:00"}],
                "funday": [],
                "friday": "9-5",
                "sunday": [{"start": "12:00", "end": "10:00"}, {"start": "08:00"}]
            },
            "exceptions": [
                {"date": "2026-01-01"},
                {"date": "2026-02-30"},
                {"date": "2026-01-02", "hours": [{"start": "09:00", "end": "11:00"}, {"start": "10:00", "end": "12:00"}]},
                {"date": "2026-01-01", "label": "again"},
                {"date": "2026-03-01", "label": "bell\u{7}"},
                {"date": "2026-03-02", "label": "x".repeat(121)},
                {"date": "2026-03-03", "hours": [], "colour": "red"},
                "2026-03-04"
            ],
            "granularityMinutes": "15",
            "bufferBeforeMinutes": -5,
            "bufferAfterMinutes": 241,
            "minNoticeMinutes": 1.5,
            "horizonDays": 0,
            "colour": "blue"
        });
        let errors = Schedule::parse(&body, Tz::UTC).unwrap_err();
        let mut got = fields(&errors);
        got.sort_unstable();
        let mut want = vec![
            "colour",
            "timeZone",
            "weeklyHours.monday.1.start",
            "weeklyHours.monday.1.end",
            "weeklyHours.funday",
            "weeklyHours.friday",
            "weeklyHours.sunday.0.end",
            "weeklyHours.sunday.1.end",
            "exceptions.1.date",
            "exceptions.2.hours.1",
            "exceptions.3.date",
            "exceptions.4.label",
            "exceptions.5.label",
            "exceptions.6.colour",
            "exceptions.7",
            "granularityMinutes",
            "bufferBeforeMinutes",
            "bufferAfterMinutes",
            "minNoticeMinutes",
            "horizonDays",
        ];
        want.sort_unstable();
        assert_eq!(got, want, "{errors}");
        let message = |field: &str| errors.errors().iter().find(|e| e.field == field).unwrap().message.clone();
        assert!(message("timeZone").contains("IANA"));
        assert!(message("granularityMinutes").contains("5 to 240"));
        assert!(message("horizonDays").contains("1 to 730"));
        assert!(message("colour").contains("unknown field"));
        assert!(message("exceptions.2.hours.1").contains("overlaps 09:00–11:00"));
        assert!(message("exceptions.4.label").contains("U+0007"));
    }

    #[test]
    fn a_body_that_is_not_an_object_is_named_body() {
        for body in [json!([]), json!("x"), json!(null), json!(3)] {
            assert_eq!(fields(&Schedule::parse(&body, Tz::UTC).unwrap_err()), ["body"]);
        }
    }

    #[test]
    fn touching_ranges_merge_and_overlapping_ones_are_refused() {
        let day = |ranges: Value| Schedule::parse(&json!({"weeklyHours": {"monday": ranges}}), Tz::UTC);
        let merged = day(json!([
            {"start": "13:00", "end": "15:00"},
            {"start": "09:00", "end": "12:00"},
            {"start": "12:00", "end": "13:00"},
            {"start": "16:00", "end": "17:00"}
        ]))
        .unwrap();
        assert_eq!(merged.weekly_hours.on(Weekday::Mon), [range("09:00", "15:00"), range("16:00", "17:00")]);
        let errors = day(json!([{"start": "09:00", "end": "12:00"}, {"start": "11:59", "end": "13:00"}])).unwrap_err();
        assert_eq!(fields(&errors), ["weeklyHours.monday.1"]);
        let nested = day(json!([{"start": "08:00", "end": "18:00"}, {"start": "09:00", "end": "10:00"}])).unwrap_err();
        assert_eq!(fields(&nested), ["weeklyHours.monday.1"]);
        let same = day(json!([{"start": "09:00", "end": "10:00"}, {"start": "09:00", "end": "10:00"}])).unwrap_err();
        assert_eq!(same.errors().len(), 1);
    }

    #[test]
    fn times_accept_24_00_only_as_an_end() {
        assert_eq!(parse_clock("24:00", true), Ok(1440));
        assert!(parse_clock("24:00", false).is_err());
        assert_eq!(parse_clock("00:00", false), Ok(0));
        assert_eq!(parse_clock("23:59", false), Ok(1439));
        assert_eq!(parse_clock("07:30:00", false), Ok(450));
        for bad in ["24:01", "7:30", "07:60", "07:30:15", "0730", "07-30", "", "25:00", "ab:cd", "07:30:0"] {
            assert!(parse_clock(bad, true).is_err(), "{bad}");
        }
        let body = json!({"weeklyHours": {"monday": [{"start": "24:00", "end": "24:00"}], "sunday": [{"start": "00:00", "end": "24:00"}]}});
        let errors = Schedule::parse(&body, Tz::UTC).unwrap_err();
        assert_eq!(fields(&errors), ["weeklyHours.monday.0.start"]);
    }

    #[test]
    fn limits_on_ranges_and_exceptions() {
        let many: Vec<Value> =
            (0..13).map(|h| json!({"start": format!("{h:02}:00"), "end": format!("{h:02}:30")})).collect();
        let errors = Schedule::parse(&json!({"weeklyHours": {"monday": many}}), Tz::UTC).unwrap_err();
        assert_eq!(fields(&errors), ["weeklyHours.monday"]);
        let dates: Vec<Value> = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .iter_days()
            .take(367)
            .map(|d| json!({"date": d.to_string()}))
            .collect();
        let errors = Schedule::parse(&json!({"exceptions": dates}), Tz::UTC).unwrap_err();
        assert_eq!(fields(&errors), ["exceptions"]);
        let ok: Vec<Value> = dates_json(366);
        assert_eq!(Schedule::parse(&json!({"exceptions": ok}), Tz::UTC).unwrap().exceptions.len(), 366);
    }

    fn dates_json(count: usize) -> Vec<Value> {
        NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .iter_days()
            .take(count)
            .map(|d| json!({"date": d.to_string()}))
            .collect()
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        let with_label = |label: Value| {
            Schedule::parse(&json!({"exceptions": [{"date": "2026-05-01", "label": label}]}), Tz::UTC)
                .map(|s| s.exceptions[0].label.clone())
        };
        assert_eq!(with_label(json!("   ")).unwrap(), None);
        assert_eq!(with_label(json!(" May Day ")).unwrap().as_deref(), Some("May Day"));
        assert_eq!(with_label(json!("é".repeat(120))).unwrap().map(|l| l.chars().count()), Some(120));
        assert!(with_label(json!("é".repeat(121))).is_err());
        assert!(with_label(json!(5)).is_err());
        assert!(with_label(json!("nul\u{0}")).is_err());
    }

    #[test]
    fn integers_are_checked_against_their_ranges() {
        let field = |key: &str, value: Value| Schedule::parse(&json!({ key: value }), Tz::UTC);
        assert_eq!(field("granularityMinutes", json!(5)).unwrap().granularity_minutes, 5);
        assert_eq!(field("granularityMinutes", json!(240)).unwrap().granularity_minutes, 240);
        assert!(field("granularityMinutes", json!(4)).is_err());
        assert!(field("granularityMinutes", json!(241)).is_err());
        assert_eq!(field("minNoticeMinutes", json!(43_200)).unwrap().min_notice_minutes, 43_200);
        assert!(field("minNoticeMinutes", json!(43_201)).is_err());
        assert_eq!(field("horizonDays", json!(730)).unwrap().horizon_days, 730);
        assert!(field("horizonDays", json!(731)).is_err());
        assert!(field("bufferAfterMinutes", json!(u64::MAX)).is_err());
        assert!(field("bufferAfterMinutes", json!(true)).is_err());
        assert_eq!(field("bufferAfterMinutes", json!(240)).unwrap().buffer_after_minutes, 240);
    }

    #[test]
    fn weekday_keys_ignore_case_but_not_twice() {
        let hours =
            WeeklyHours::parse_business_hours(&json!({"SUNDAY": [{"start": "10:00", "end": "12:00"}]})).unwrap();
        assert_eq!(hours.on(Weekday::Sun), [range("10:00", "12:00")]);
        assert!(hours.on(Weekday::Mon).is_empty());
        let errors = WeeklyHours::parse_business_hours(&json!({"monday": [], "Monday": []})).unwrap_err();
        assert_eq!(errors.errors().len(), 1);
    }

    #[test]
    fn business_hours_use_their_own_prefix() {
        let errors = WeeklyHours::parse_business_hours(&json!({
            "monday": [{"start": "09:00", "end": "08:00"}],
            "noday": [],
            "tuesday": [{"start": "x", "end": "10:00"}]
        }))
        .unwrap_err();
        let mut got = fields(&errors);
        got.sort_unstable();
        assert_eq!(got, ["businessHours.monday.0.end", "businessHours.noday", "businessHours.tuesday.0.start"]);
        assert_eq!(fields(&WeeklyHours::parse_business_hours(&json!([])).unwrap_err()), ["businessHours"]);
        assert_eq!(WeeklyHours::parse_business_hours(&Value::Null).unwrap(), WeeklyHours::weekdays_nine_to_five());
    }

    #[test]
    fn ranges_on_prefers_the_exception() {
        let schedule = Schedule::parse(&good_body(), Tz::UTC).unwrap();
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(schedule.ranges_on(date("2026-12-25")).is_empty(), "a Friday, closed");
        assert_eq!(schedule.ranges_on(date("2026-12-31")), [range("09:00", "12:00")]);
        assert_eq!(schedule.ranges_on(date("2026-12-28")), [range("08:00", "12:00"), range("13:00", "17:00")]);
    }

    #[test]
    fn minutes_format_as_clock_times() {
        assert_eq!(TimeRange::format_minute(0), "00:00");
        assert_eq!(TimeRange::format_minute(545), "09:05");
        assert_eq!(TimeRange::format_minute(1440), "24:00");
        assert_eq!(range("09:00", "24:00").to_string(), "09:00–24:00");
        assert!(TimeRange::new(600, 600).is_none());
        assert!(TimeRange::new(0, 1441).is_none());
    }
}
