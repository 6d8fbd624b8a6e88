//! What a message sent to a return path says: a delivery status notification (RFC 3464,
//! `multipart/report` with a `message/delivery-status` part), one of the forms the large
//! providers write instead (Gmail's "Delivery Status Notification (Failure)", Exchange's
//! "Undeliverable:", qmail's and Yahoo's "I'm afraid I wasn't able to deliver…"), an
//! automatic reply, or a report about a report (a loop), which must change nothing.

use std::sync::LazyLock;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use regex::Regex;

use crate::mail::bounces::Severity;

/// How much of a report's text is searched for status codes: the explanation comes first.
const TEXT_SCANNED: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// A delivery failed (or is delayed): how badly, and the status and diagnostic it gave.
    Failure { severity: Severity, reason: String },
    /// A report that delivery succeeded (`Action: delivered`, `relayed`, `expanded`), or a
    /// message that says nothing about a delivery.
    NoFailure,
    /// An out-of-office or other automatic answer sent to the return path.
    AutoReply,
    /// A report about a report, or about mail sent to a return path: answering would loop.
    Loop,
}

/// Reads `message`, which came to a return path at `bounce_domain`.
pub fn read(message: &Message<'_>, bounce_domain: &str) -> Report {
    if returns_a_report(message) {
        return Report::Loop;
    }
    if let Some(fields) = delivery_status(message) {
        return from_status_fields(&fields, bounce_domain);
    }
    if looks_like_a_bounce(message) {
        return from_text(message);
    }
    if is_automatic_reply(message) {
        return Report::AutoReply;
    }
    Report::NoFailure
}

/// One recipient's fields of a `message/delivery-status` part, names in lower case.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The recipient groups of the first `message/delivery-status` (or `global-` one) part.
fn delivery_status(message: &Message<'_>) -> Option<Vec<Fields>> {
    let part = message.parts.iter().find(|part| {
        part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|sub| {
                    sub.eq_ignore_ascii_case("delivery-status")
                        || sub.eq_ignore_ascii_case("global-delivery-status")
                })
        })
    })?;
    let text = String::from_utf8_lossy(part.contents());
    Some(status_groups(&text))
}

/// Splits a delivery-status body into its groups of fields (blank-line separated, folded
/// lines joined) and keeps those about a recipient.
fn status_groups(text: &str) -> Vec<Fields> {
    let mut groups: Vec<Fields> = vec![Vec::new()];
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let current = groups.last_mut().expect("never empty");
        if line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(Vec::new());
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            current.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    groups
        .into_iter()
        .filter(|group| {
            field(group, "action").is_some() || field(group, "final-recipient").is_some()
        })
        .collect()
}

/// `rfc822; someone@example.org` → `someone@example.org`.
fn address_of(value: &str) -> &str {
    value
        .split_once(';')
        .map_or(value, |(_, address)| address)
        .trim()
        .trim_matches(['<', '>'])
}

fn is_return_path(address: &str, bounce_domain: &str) -> bool {
    address.rsplit_once('@').is_some_and(|(local, domain)| {
        domain.eq_ignore_ascii_case(bounce_domain)
            && local
                .to_ascii_lowercase()
                .starts_with(&format!("{}+", crate::mail::verp::BOUNCES))
    })
}

fn from_status_fields(groups: &[Fields], bounce_domain: &str) -> Report {
    let mut worst: Option<(Severity, String)> = None;
    for group in groups {
        let about_a_return_path = ["final-recipient", "original-recipient"]
            .iter()
            .filter_map(|name| field(group, name))
            .any(|value| is_return_path(address_of(value), bounce_domain));
        if about_a_return_path {
            return Report::Loop;
        }
        let action = field(group, "action")
            .unwrap_or("failed")
            .to_ascii_lowercase();
        let status = field(group, "status").unwrap_or("");
        let severity = match action.split_whitespace().next().unwrap_or("") {
            "failed" => match status.trim().chars().next() {
                Some('4') => Severity::Soft,
                _ => Severity::Hard,
            },
            "delayed" => Severity::Soft,
            _ => continue,
        };
        let diagnostic = field(group, "diagnostic-code")
            .map(address_of)
            .unwrap_or("");
        let reason = [status.trim(), diagnostic]
            .iter()
            .filter(|text| !text.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let reason = if reason.is_empty() {
            action.clone()
        } else {
            reason
        };
        if worst
            .as_ref()
            .is_none_or(|(s, _)| *s == Severity::Soft && severity == Severity::Hard)
        {
            worst = Some((severity, reason));
        }
    }
    match worst {
        Some((severity, reason)) => Report::Failure { severity, reason },
        None => Report::NoFailure,
    }
}

/// The message a report returns (`message/rfc822`, or only its headers as
/// `text/rfc822-headers`), when it is itself a report or came from a mail system: Fora's mail
/// always has a return path and is never a report, so such a report is not about Fora's mail.
fn returns_a_report(message: &Message<'_>) -> bool {
    message.parts.iter().skip(1).any(|part| match &part.body {
        PartType::Message(returned) => is_a_report(returned),
        PartType::Text(text)
            if part.content_type().is_some_and(|ct| {
                ct.subtype()
                    .is_some_and(|sub| sub.eq_ignore_ascii_case("rfc822-headers"))
            }) =>
        {
            MessageParser::default()
                .parse_headers(text.as_bytes())
                .is_some_and(|returned| is_a_report(&returned))
        }
        _ => false,
    })
}

fn is_a_report(message: &Message<'_>) -> bool {
    let empty_sender = message
        .header_raw("Return-Path")
        .is_some_and(|path| path.trim() == "<>");
    let report_type = message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|sub| sub.eq_ignore_ascii_case("report"))
    });
    empty_sender || report_type || from_a_mail_system(message)
}

fn from_a_mail_system(message: &Message<'_>) -> bool {
    message
        .from()
        .and_then(|from| from.first())
        .and_then(|addr| addr.address())
        .and_then(|address| address.split('@').next())
        .is_some_and(|local| {
            local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
        })
}

/// Subjects and sentences that the providers' own forms of a bounce begin with.
const BOUNCE_SUBJECTS: &[&str] = &[
    "delivery status notification",
    "undeliverable",
    "undelivered mail",
    "undeliverable mail",
    "mail delivery failed",
    "delivery failure",
    "failure notice",
    "returned mail",
    "mail system error",
    "delivery has failed",
    "message not delivered",
    "non remis",
    "no se puede entregar",
    "no entregado",
];
const BOUNCE_SENTENCES: &[&str] = &[
    "i'm afraid i wasn't able to deliver",
    "i wasn't able to deliver",
    "this is a permanent error",
    "delivery to the following recipient failed",
    "delivery to the following recipients failed",
    "delivery has failed to these recipients",
    "your message couldn't be delivered",
    "your message could not be delivered",
    "message could not be delivered",
    "could not be delivered to one or more recipients",
    "this is the mail system at host",
    "the following addresses had permanent fatal errors",
    "unable to deliver your message",
    "delivery incomplete",
];
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "out of office",
    "out of the office",
    "automatic reply",
    "auto:",
    "autoreply",
    "auto-reply",
    "auto reply",
    "vacation",
    "réponse automatique",
    "absent",
    "absence",
    "respuesta automática",
    "fuera de la oficina",
];

fn subject(message: &Message<'_>) -> String {
    message.subject().unwrap_or("").to_lowercase()
}

/// The report's explanation: its text parts (HTML turned into text), up to the copy of the
/// returned message, at most [`TEXT_SCANNED`] bytes.
fn explanation(message: &Message<'_>) -> String {
    const COPY_BEGINS: &[&str] = &[
        "--- below this line is a copy of the message",
        "------ this is a copy of the message",
        "----- original message -----",
        "original message headers",
        "----- the header of the original message is following",
    ];
    let mut text = String::new();
    for n in 0..message.text_body_count().max(message.html_body_count()) {
        if let Some(body) = message.body_text(n) {
            text.push_str(&body);
            text.push('\n');
        }
        if text.len() > TEXT_SCANNED {
            break;
        }
    }
    let mut end = text.len().min(TEXT_SCANNED);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    let lower = text.to_lowercase();
    let copy = COPY_BEGINS
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min();
    match copy {
        // `lower` may differ in length from `text` (case folding); cut at a boundary of both.
        Some(at) if text.is_char_boundary(at) && lower.len() == text.len() => {
            text[..at].to_string()
        }
        _ => text,
    }
}

fn looks_like_a_bounce(message: &Message<'_>) -> bool {
    let subject = subject(message);
    if BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s)) || from_a_mail_system(message) {
        return true;
    }
    let text = explanation(message).to_lowercase();
    BOUNCE_SENTENCES.iter().any(|s| text.contains(s))
}

static ENHANCED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b").expect("a regex"));
static BASIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)(?:^|[\s:(\[])([45][0-5]\d)(?:[\s\-:]|$)").expect("a regex"));

/// Classifies a bounce written for people by the status codes in its text: an enhanced
/// status (`5.1.1`) first, else an SMTP reply code (`550`), else its words.
fn from_text(message: &Message<'_>) -> Report {
    let text = explanation(message);
    let line_of = |at: usize| -> String {
        let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
        text[start..end].trim().to_string()
    };
    let coded = ENHANCED
        .captures_iter(&text)
        .find(|c| &c[1] != "2")
        .map(|c| (c[1].starts_with('5'), c.get(0).map_or(0, |m| m.start())))
        .or_else(|| {
            BASIC
                .captures(&text)
                .and_then(|c| c.get(1))
                .map(|m| (m.as_str().starts_with('5'), m.start()))
        });
    let (severity, reason) = match coded {
        Some((permanent, at)) => (
            if permanent {
                Severity::Hard
            } else {
                Severity::Soft
            },
            line_of(at),
        ),
        None => {
            let lower = format!("{} {}", subject(message), text.to_lowercase());
            let temporary = [
                "delay",
                "temporar",
                "will retry",
                "will be retried",
                "still trying",
            ]
            .iter()
            .any(|word| lower.contains(word));
            let severity = if temporary {
                Severity::Soft
            } else {
                Severity::Hard
            };
            (severity, message.subject().unwrap_or("").to_string())
        }
    };
    Report::Failure { severity, reason }
}

/// Whether no person wrote `message` in answer to something: a delivery report of any form,
/// a report about a report, or an automatic reply. Mail to a reply address that is one of
/// these is never posted (nor answered: answering could loop).
pub(super) fn is_automatic(message: &Message<'_>) -> bool {
    is_a_report(message)
        || returns_a_report(message)
        || delivery_status(message).is_some()
        || looks_like_a_bounce(message)
        || is_automatic_reply(message)
}

fn is_automatic_reply(message: &Message<'_>) -> bool {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let auto_submitted = header("Auto-Submitted").is_some_and(|v| !v.starts_with("no"));
    let flagged = ["X-Autoreply", "X-Autorespond", "X-Auto-Response"]
        .iter()
        .any(|name| header(name).is_some())
        || header("Precedence").is_some_and(|v| v == "auto_reply");
    let subject = subject(message);
    auto_submitted
        || flagged
        || AUTO_REPLY_SUBJECTS
            .iter()
            .any(|prefix| subject.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(raw: &str) -> Report {
        let message = MessageParser::default()
            .parse(raw.as_bytes())
            .expect("a message");
        read(&message, "bounce.example.org")
    }

    #[test]
    fn status_fields_fold_and_group() {
        let groups = status_groups(
            "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; a@example.net\r\n\
             Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1\r\n  user unknown\r\n",
        );
        assert_eq!(groups.len(), 1);
        assert_eq!(
            field(&groups[0], "diagnostic-code"),
            Some("smtp; 550 5.1.1 user unknown")
        );
    }

    #[test]
    fn codes_in_text_decide_hard_or_soft() {
        let hard = "From: Mail Delivery Subsystem <mailer-daemon@example.net>\r\n\
                    Subject: failure notice\r\n\r\nRemote host said: 550 5.1.1 no such user\r\n";
        assert!(matches!(
            read_text(hard),
            Report::Failure {
                severity: Severity::Hard,
                ..
            }
        ));
        let soft = "From: postmaster@example.net\r\nSubject: Delivery delayed\r\n\r\n\
                    452 4.2.2 mailbox full, will retry\r\n";
        assert!(matches!(
            read_text(soft),
            Report::Failure {
                severity: Severity::Soft,
                ..
            }
        ));
        let no_code = "From: mailer-daemon@example.net\r\nSubject: Returned mail\r\n\r\nsorry\r\n";
        assert!(matches!(
            read_text(no_code),
            Report::Failure {
                severity: Severity::Hard,
                ..
            }
        ));
    }

    #[test]
    fn a_person_writing_is_no_failure_and_an_auto_reply_is_one() {
        let note =
            "From: someone@example.net\r\nSubject: Thanks\r\n\r\nSee you at 450 Main St.\r\n";
        assert_eq!(read_text(note), Report::NoFailure);
        let away = "From: someone@example.net\r\nSubject: Out of Office: Fora weekly\r\n\r\nBack Monday\r\n";
        assert_eq!(read_text(away), Report::AutoReply);
    }
}
