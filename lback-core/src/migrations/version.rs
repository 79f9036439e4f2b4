//! Migration versions: `YYYYMMDDHHMMSS` in UTC.

use std::time::SystemTime;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::folder;

/// The version of a new migration: `now` in UTC, or one second after
/// `newest` when `now` is not later (two in one second stay distinct and
/// ordered). Always 14 digits.
pub(super) fn next_version(now: SystemTime, newest: Option<&str>) -> Result<String, String> {
    let now = OffsetDateTime::from(now);
    let candidate = format_version(PrimitiveDateTime::new(now.date(), now.time()));
    let Some(newest) = newest else {
        return candidate.ok_or_else(|| out_of_range(now.year()));
    };
    if let Some(candidate) = candidate.filter(|c| c.as_str() > newest) {
        return Ok(candidate);
    }
    let next = match parse_version(newest) {
        Some(at) => at
            .checked_add(time::Duration::SECOND)
            .and_then(format_version),
        // Not a date (written by hand): the next number.
        None => newest
            .parse::<u64>()
            .ok()
            .map(|n| format!("{:014}", n + 1))
            .filter(|n| n.len() == 14),
    };
    next.ok_or_else(|| {
        format!(
            "no 14-digit version is left after the newest migration's, {newest}; give the \
             newest migrations smaller versions"
        )
    })
}

fn out_of_range(year: i32) -> String {
    format!("the clock says year {year}, which does not fit a 14-digit version; fix the clock")
}

/// `YYYYMMDDHHMMSS`, if the year has four digits.
fn format_version(at: PrimitiveDateTime) -> Option<String> {
    let year = at.year();
    (0..=9999).contains(&year).then(|| {
        format!(
            "{year:04}{:02}{:02}{:02}{:02}{:02}",
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    })
}

/// A 14-digit version read as a date and time, if it is one.
fn parse_version(version: &str) -> Option<PrimitiveDateTime> {
    if !folder::is_version(version) {
        return None;
    }
    let part = |range: std::ops::Range<usize>| version[range].parse::<u16>().ok();
    let month = Month::try_from(u8::try_from(part(4..6)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::from(part(0..4)?),
        month,
        u8::try_from(part(6..8)?).ok()?,
    )
    .ok()?;
    let time = Time::from_hms(
        u8::try_from(part(8..10)?).ok()?,
        u8::try_from(part(10..12)?).ok()?,
        u8::try_from(part(12..14)?).ok()?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time))
}
