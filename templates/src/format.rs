//! Numbers and dates as people write them in each language, following CLDR for English,
//! French and Spanish. Three languages do not need ICU4X's number and date formatters (several
//! crates and their data); these few functions and tables are the whole of what the app shows.
//!
//! Dates arrive as ISO 8601 / RFC 3339 text (`2026-11-30` or `2026-11-30T14:05:00Z`, always
//! UTC): what the views carry. Text that is not such a date is shown as it is.

/// An integer with the language's digit grouping: 1,191 (en) · 1 191 with U+202F (fr) ·
/// 1191 but 11.191 (es: CLDR's minimumGroupingDigits is 2, so a lone group of four digits
/// stays whole).
pub fn number(lang: &str, n: impl TryInto<i128>) -> String {
    let n: i128 = n.try_into().unwrap_or_default();
    let digits = n.unsigned_abs().to_string();
    let (separator, minimum_grouping) = match lang {
        "fr" => ("\u{202f}", 1),
        "es" => (".", 2),
        _ => (",", 1),
    };
    let mut out = String::with_capacity(digits.len() + 8);
    if n < 0 {
        out.push('-');
    }
    let grouped = digits.len() >= 3 + minimum_grouping;
    for (i, c) in digits.chars().enumerate() {
        if grouped && i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// CLDR's wide month names (format context), January first.
const MONTHS: [[&str; 12]; 3] = [
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
];

/// CLDR's abbreviated month names (format context), January first.
const SHORT_MONTHS: [[&str; 12]; 3] = [
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
];

fn language_index(lang: &str) -> usize {
    match lang {
        "fr" => 1,
        "es" => 2,
        _ => 0,
    }
}

/// The parts of an ISO date (and time, when there is one) that are shown.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Parts {
    year: u32,
    month: usize,
    day: u32,
    /// (hour, minute)
    time: Option<(u32, u32)>,
}

fn parse(iso: &str) -> Option<Parts> {
    let bytes = iso.as_bytes();
    let field = |range: std::ops::Range<usize>| -> Option<u32> {
        let text = iso.get(range)?;
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse().ok())?
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (field(0..4)?, field(5..7)?, field(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let time = match bytes.get(10) {
        None => None,
        Some(b'T' | b't' | b' ') if bytes.len() >= 16 && bytes[13] == b':' => {
            let (hour, minute) = (field(11..13)?, field(14..16)?);
            if hour > 23 || minute > 59 {
                return None;
            }
            Some((hour, minute))
        }
        Some(_) => return None,
    };
    Some(Parts {
        year,
        month: month as usize - 1,
        day,
        time,
    })
}

/// The day of the month: French writes the first as "1er".
fn day(lang: &str, day: u32) -> String {
    if lang == "fr" && day == 1 {
        "1er".to_string()
    } else {
        day.to_string()
    }
}

fn long_date(lang: &str, parts: Parts) -> String {
    let month = MONTHS[language_index(lang)][parts.month];
    let day = day(lang, parts.day);
    match lang {
        "es" => format!("{day} de {month} de {}", parts.year),
        _ => format!("{day} {month} {}", parts.year),
    }
}

fn hour_minute((hour, minute): (u32, u32)) -> String {
    format!("{hour:02}:{minute:02}")
}

/// A date written out: "30 November 2026", "30 novembre 2026", "30 de noviembre de 2026".
pub fn date(lang: &str, iso: &str) -> String {
    match parse(iso) {
        Some(parts) => long_date(lang, parts),
        None => iso.to_string(),
    }
}

/// A moment in the short form lists and page headers use: "30 Nov 2026, 14:05 UTC",
/// "30 nov. 2026, 14:05 UTC", "30 nov 2026, 14:05 UTC" (CLDR's medium date and time). A date
/// without a time is shown in the same short form.
pub fn date_time(lang: &str, iso: &str) -> String {
    let Some(parts) = parse(iso) else {
        return iso.to_string();
    };
    let month = SHORT_MONTHS[language_index(lang)][parts.month];
    let date = format!("{} {month} {}", day(lang, parts.day), parts.year);
    match parts.time {
        Some(time) => format!("{date}, {} UTC", hour_minute(time)),
        None => date,
    }
}

/// A moment written out, for sentences: "30 November 2026 at 14:05 UTC",
/// "30 novembre 2026 à 14:05 UTC", "30 de noviembre de 2026, 14:05 UTC" (CLDR's long date
/// and time).
pub fn date_time_long(lang: &str, iso: &str) -> String {
    let Some(parts) = parse(iso) else {
        return iso.to_string();
    };
    let date = long_date(lang, parts);
    let Some(time) = parts.time else {
        return date;
    };
    let time = hour_minute(time);
    match lang {
        "fr" => format!("{date} à {time} UTC"),
        "es" => format!("{date}, {time} UTC"),
        _ => format!("{date} at {time} UTC"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_as_cldr_says() {
        assert_eq!(number("en", 0), "0");
        assert_eq!(number("en", 999), "999");
        assert_eq!(number("en", 1191), "1,191");
        assert_eq!(number("en", 1_234_567u64), "1,234,567");
        assert_eq!(number("fr", 1191), "1\u{202f}191");
        assert_eq!(number("fr", 1_000_000usize), "1\u{202f}000\u{202f}000");
        assert_eq!(number("fr", 191), "191");
        assert_eq!(
            number("es", 1191),
            "1191",
            "four digits stay whole in Spanish"
        );
        assert_eq!(number("es", 11_191), "11.191");
        assert_eq!(number("es", 1_234_567i64), "1.234.567");
        assert_eq!(number("en", -1191), "-1,191");
    }

    #[test]
    fn dates_in_three_languages() {
        let iso = "2026-11-30";
        assert_eq!(date("en", iso), "30 November 2026");
        assert_eq!(date("fr", iso), "30 novembre 2026");
        assert_eq!(date("es", iso), "30 de noviembre de 2026");
        assert_eq!(date("fr", "2026-08-01"), "1er août 2026");
        assert_eq!(date("es", "2026-02-01T00:00:00Z"), "1 de febrero de 2026");
        assert_eq!(
            date("en", "someday"),
            "someday",
            "not a date: shown as it is"
        );
    }

    #[test]
    fn moments_in_three_languages() {
        let iso = "2026-11-30T14:05:09Z";
        assert_eq!(date_time("en", iso), "30 Nov 2026, 14:05 UTC");
        assert_eq!(date_time("fr", iso), "30 nov. 2026, 14:05 UTC");
        assert_eq!(date_time("es", iso), "30 nov 2026, 14:05 UTC");
        assert_eq!(
            date_time("fr", "2026-02-01T09:00:00Z"),
            "1er févr. 2026, 09:00 UTC"
        );
        assert_eq!(date_time("es", "2026-09-03"), "3 sept 2026");
        assert_eq!(date_time_long("en", iso), "30 November 2026 at 14:05 UTC");
        assert_eq!(date_time_long("fr", iso), "30 novembre 2026 à 14:05 UTC");
        assert_eq!(
            date_time_long("es", iso),
            "30 de noviembre de 2026, 14:05 UTC"
        );
        for bad in [
            "",
            "2026-13-01",
            "2026-11-30T25:00",
            "2026/11/30",
            "2026-11-30X",
        ] {
            assert_eq!(date_time("en", bad), bad);
        }
    }
}
