//! Clock and date parsing. `MEM_NOW` (RFC 3339) fixes the clock so that tests
//! and reproducible runs get deterministic timestamps.

use jiff::{civil::Date, Timestamp};

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
            let per = match unit {
                'm' => Some(60),
                'h' => Some(3600),
                'd' => Some(86_400),
                'w' => Some(7 * 86_400),
                _ => None,
            };
            // Checked all the way: an age past the calendar's range is bad
            // input, not a panic.
            let secs = per.and_then(|p: i64| n.checked_mul(p)).filter(|s| *s >= 0);
            if let Some(secs) = secs {
                if let Ok(ts) = now.checked_sub(jiff::SignedDuration::from_secs(secs)) {
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

/// An expiry from an instant or a time to live, as `mem save --expires` /
/// `--ttl` and MCP's `expires_at` / `ttl_sec` give it. `expires` (RFC 3339,
/// or a date meaning midnight UTC) wins over `ttl`; `ttl` is seconds
/// (`3600`) or an age (`90m`, `12h`, `7d`, `2w`) added to `now`; `0` or
/// nothing given means no expiry.
///
/// # Errors
/// A sentence naming the accepted forms when a value is none of them, or
/// when the ttl is negative.
pub fn expiry(
    expires: Option<&str>,
    ttl: Option<&str>,
    now: Timestamp,
) -> Result<Option<Timestamp>, String> {
    if let Some(e) = expires.map(str::trim).filter(|e| !e.is_empty()) {
        if let Ok(ts) = e.parse::<Timestamp>() {
            return Ok(Some(ts));
        }
        if let Ok(date) = e.parse::<Date>() {
            if let Ok(zoned) = date.to_zoned(jiff::tz::TimeZone::UTC) {
                return Ok(Some(zoned.timestamp()));
            }
        }
        return Err(format!(
            "'{e}' is not an expiry: give an RFC 3339 instant (2026-12-01T09:00:00Z) or a date (2026-12-01)"
        ));
    }
    let Some(t) = ttl.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad =
        || format!("'{t}' is not a time to live: give seconds (3600) or an age (90m, 12h, 7d, 2w)");
    let secs = match t.parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            let unit = t.chars().last().ok_or_else(bad)?;
            let n: i64 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
            let per = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => return Err(bad()),
            };
            n.checked_mul(per).ok_or_else(bad)?
        }
    };
    if secs < 0 {
        return Err(format!(
            "the time to live {t} is negative: give 0 (never) or more"
        ));
    }
    if secs == 0 {
        return Ok(None);
    }
    let span = jiff::SignedDuration::from_secs(secs);
    now.checked_add(span).map(Some).map_err(|_| bad())
}

#[cfg(test)]
mod expiry_tests {
    use super::*;

    #[test]
    fn expires_wins_over_ttl_and_ttl_takes_ages_or_seconds() {
        let now: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            expiry(Some("2026-12-01"), Some("60"), now).unwrap(),
            Some(at("2026-12-01T00:00:00Z"))
        );
        assert_eq!(
            expiry(None, Some("60"), now).unwrap(),
            Some(at("2026-11-22T10:01:00Z"))
        );
        assert_eq!(
            expiry(None, Some("2d"), now).unwrap(),
            Some(at("2026-11-24T10:00:00Z"))
        );
        assert_eq!(expiry(Some(""), Some("0"), now).unwrap(), None);
        assert!(expiry(None, Some("-5"), now)
            .unwrap_err()
            .contains("negative"));
        assert!(expiry(Some("soon"), None, now)
            .unwrap_err()
            .contains("RFC 3339"));
        assert!(expiry(None, Some("3x"), now)
            .unwrap_err()
            .contains("time to live"));
    }
}
