//! "3 hours ago" in each language: how lists say when something happened in the last week.

use crate::i18n::{plural, t};

/// The current time in Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64)
}

/// How long ago a moment was, in words ("3 hours ago", "il y a 3 heures", "hace 3 horas"),
/// for moments of the last week; `None` for older or future ones and unreadable input
/// (those are shown as dates).
pub fn relative(lang: &str, iso: &str, now: i64) -> Option<String> {
    let then = time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
        .ok()?
        .unix_timestamp();
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    // A clock a little ahead of the database's still says "just now".
    match now - then {
        ago if ago < -MINUTE => None,
        ago if ago < MINUTE => Some(t(lang, "time.just_now").into_owned()),
        ago if ago < HOUR => Some(plural(lang, "time.minutes_ago", ago / MINUTE)),
        ago if ago < DAY => Some(plural(lang, "time.hours_ago", ago / HOUR)),
        ago if ago < 7 * DAY => Some(plural(lang, "time.days_ago", ago / DAY)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_moments_are_said_in_words_and_older_ones_as_dates() {
        let iso = "2026-11-30T14:05:00Z";
        let then = 1_796_047_500; // 2026-11-30T14:05:00Z
        let at = |seconds: i64| then + seconds;
        assert_eq!(relative("en", iso, at(-30)).as_deref(), Some("just now"));
        assert_eq!(relative("en", iso, at(-120)), None, "the future is a date");
        assert_eq!(relative("en", iso, at(59)).as_deref(), Some("just now"));
        assert_eq!(relative("en", iso, at(60)).as_deref(), Some("1 minute ago"));
        assert_eq!(
            relative("fr", iso, at(3 * 3600 + 59)).as_deref(),
            Some("il y a 3 heures")
        );
        assert_eq!(
            relative("es", iso, at(2 * 60)).as_deref(),
            Some("hace 2 minutos")
        );
        assert_eq!(
            relative("en", iso, at(86_400)).as_deref(),
            Some("yesterday")
        );
        assert_eq!(relative("es", iso, at(86_400)).as_deref(), Some("ayer"));
        assert_eq!(
            relative("fr", iso, at(6 * 86_400)).as_deref(),
            Some("il y a 6 jours")
        );
        assert_eq!(relative("en", iso, at(7 * 86_400)), None);
        assert_eq!(
            relative("en", "2026-11-30", at(60)),
            None,
            "a day has no hour"
        );
        assert_eq!(relative("en", "yesterday", at(60)), None);
    }
}
