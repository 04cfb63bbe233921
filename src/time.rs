//! Clock and date parsing. `MEM_NOW` (RFC 3339) fixes the clock so that tests
//! and reproducible runs get deterministic timestamps.

use jiff::{civil::Date, Timestamp, ToSpan};

/// The current time, or `MEM_NOW` when set to an RFC 3339 timestamp.
pub fn now() -> Timestamp {
    std::env::var("MEM_NOW")
        .ok()
        .and_then(|s| s.parse::<Timestamp>().ok())
        .unwrap_or_else(Timestamp::now)
}

/// Format a timestamp as stored in front matter: RFC 3339, UTC, whole seconds
/// (`2026-11-22T10:00:00Z`).
pub fn format(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parse a `--since` value: an RFC 3339 timestamp, a date (`2026-11-01`,
/// midnight UTC), or an age relative to `now` (`90m`, `12h`, `7d`, `2w`).
///
/// # Errors
/// A sentence naming the accepted forms when `s` is none of them.
pub fn parse_since(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(date) = s.parse::<Date>() {
        if let Ok(zoned) = date.to_zoned(jiff::tz::TimeZone::UTC) {
            return Ok(zoned.timestamp());
        }
    }
    if let Some(unit) = s.chars().last() {
        let number = &s[..s.len() - unit.len_utf8()];
        if let Ok(n) = number.parse::<i64>() {
            let secs = match unit {
                'm' => Some(n * 60),
                'h' => Some(n * 3600),
                'd' => Some(n * 86_400),
                'w' => Some(n * 7 * 86_400),
                _ => None,
            };
            if let Some(secs) = secs.filter(|s| *s >= 0) {
                if let Ok(ts) = now.checked_sub(secs.seconds()) {
                    return Ok(ts);
                }
            }
        }
    }
    Err(format!(
        "'{s}' is not a date: use a date like 2026-11-01, a timestamp like 2026-11-01T09:30:00Z, or an age like 7d, 12h or 2w"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        let now: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        assert_eq!(
            format(parse_since("2026-11-01", now).unwrap()),
            "2026-11-01T00:00:00Z"
        );
        assert_eq!(
            format(parse_since("7d", now).unwrap()),
            "2026-11-15T10:00:00Z"
        );
        assert_eq!(
            format(parse_since("2h", now).unwrap()),
            "2026-11-22T08:00:00Z"
        );
        assert!(parse_since("yesterday", now).is_err());
        assert!(parse_since("2026-13-01", now).is_err());
    }
}
