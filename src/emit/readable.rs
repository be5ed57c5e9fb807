//! Times and day lists as people read them in summaries and reports (machine formats keep
//! full precision): `2026-12-03 23:56 UTC`, and runs of days collapsed into ranges.

use chrono::{DateTime, NaiveDate, Utc};

/// A time to the minute, in UTC: `2026-12-03 23:56 UTC`.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Sorted days collapsed into ranges of consecutive days:
/// `2026-01-04 – 2026-01-09, 6 days; 2026-02-01, 1 day`. Empty for no days.
pub fn day_ranges(days: &[NaiveDate]) -> String {
    let mut ranges: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &day in days {
        match ranges.last_mut() {
            Some((_, end)) if end.succ_opt() == Some(day) => *end = day,
            _ => ranges.push((day, day)),
        }
    }
    ranges
        .iter()
        .map(|&(start, end)| {
            let count = (end - start).num_days() + 1;
            let plural = if count == 1 { "" } else { "s" };
            if start == end {
                format!("{start}, 1 day")
            } else {
                format!("{start} – {end}, {count} day{plural}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn consecutive_days_collapse_into_ranges() {
        let days: Vec<NaiveDate> = day("2026-01-04")
            .iter_days()
            .take(6)
            .chain([day("2026-02-01")])
            .collect();
        assert_eq!(
            day_ranges(&days),
            "2026-01-04 – 2026-01-09, 6 days; 2026-02-01, 1 day"
        );
        assert_eq!(day_ranges(&[]), "");
    }

    #[test]
    fn times_read_to_the_minute_in_utc() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T23:56:41.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(time(at), "2026-12-03 23:56 UTC");
    }
}
