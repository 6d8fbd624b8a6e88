//! A member's answer to a notification, sent to its `Reply-To` (`reply+TOKEN@…`): who sent it,
//! which message it is, and the member's own text, with the quoted original, the signature and
//! the mail client's boilerplate cut away. Read without the database; the forums feature posts
//! it (or refuses it) as a reply on the web would be.

use std::sync::LazyLock;

use mail_parser::{Message, MimeHeaders, PartType};
use regex::Regex;
use sha2::{Digest, Sha256};

use super::{Outcome, dsn};
use crate::mail::reply_address::ReplyTag;

/// The longest `Message-ID` kept as it is; a longer one is kept as its hash.
const MESSAGE_ID_CHARS: usize = 200;

/// A reply by mail, read and its token checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The member and the thread its address names.
    pub tag: ReplyTag,
    /// Who sent it, in lower case: the `From` address, else the envelope sender.
    pub sender: Option<String>,
    /// What makes a second delivery of the same message recognisable: its `Message-ID`, else
    /// (or when it is very long) `sha256:` and a hash.
    pub message_id: String,
    /// The member's own text, as Markdown; empty when nothing is left once the quote is cut.
    pub text: String,
    /// Files attached to it (not images shown inline), which are not posted.
    pub attachments: usize,
}

/// Reads a message sent to a reply address whose token said `tag`. `envelope_sender`: the
/// MTA's `${sender}`, when it gives it (empty for a delivery report). Mail that no person
/// wrote, and mail from Fora's own domains (`own_domains`: the return paths' and the reply
/// addresses'), is [`Outcome::Ignored`]: neither posted nor answered, so no loop can form.
pub(super) fn read(
    message: &Message<'_>,
    raw: &[u8],
    tag: ReplyTag,
    envelope_sender: Option<&str>,
    own_domains: &[&str],
) -> Result<Reply, Outcome> {
    if let Some(why) = automatic(message, envelope_sender) {
        return Err(Outcome::Ignored(format!("a reply address got {why}")));
    }
    let from = message
        .from()
        .and_then(|from| from.first())
        .and_then(|address| address.address())
        .map(str::to_string);
    let sender = from
        .or_else(|| envelope_sender.map(|s| s.trim().trim_matches(['<', '>']).to_string()))
        .map(|address| address.trim().to_lowercase())
        .filter(|address| !address.is_empty());
    let from_fora = |address: &str| {
        address.rsplit_once('@').is_some_and(|(_, domain)| {
            own_domains
                .iter()
                .any(|own| own.eq_ignore_ascii_case(domain))
        })
    };
    if [sender.as_deref(), envelope_sender]
        .into_iter()
        .flatten()
        .any(|address| from_fora(address.trim().trim_matches(['<', '>'])))
    {
        return Err(Outcome::Ignored(
            "a reply address got mail from Fora's own addresses".into(),
        ));
    }
    let message_id = match message.message_id() {
        Some(id) if !id.trim().is_empty() && id.chars().count() <= MESSAGE_ID_CHARS => {
            id.trim().to_string()
        }
        Some(id) if !id.trim().is_empty() => hashed(id.trim().as_bytes()),
        _ => hashed(raw),
    };
    Ok(Reply {
        tag,
        sender,
        message_id,
        text: own_text(message),
        attachments: message
            .attachments()
            .filter(|part| {
                part.content_disposition()
                    .is_some_and(|disposition| disposition.is_attachment())
            })
            .count(),
    })
}

fn hashed(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Why no person wrote this message, if none did: a delivery report (an empty envelope
/// sender, a report's form), an automatic reply (`Auto-Submitted` other than `no`, the
/// headers and subjects of out-of-office replies), bulk or list mail.
fn automatic(message: &Message<'_>, envelope_sender: Option<&str>) -> Option<&'static str> {
    if envelope_sender.is_some_and(|sender| {
        let sender = sender.trim().trim_matches(['<', '>']);
        sender.is_empty()
            || sender
                .split('@')
                .next()
                .is_some_and(|local| local.eq_ignore_ascii_case("mailer-daemon"))
    }) {
        return Some("mail from a return path");
    }
    let precedence = message
        .header_raw("Precedence")
        .map(|v| v.trim().to_ascii_lowercase());
    if precedence.is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list"))
        || message.header_raw("List-Id").is_some()
    {
        return Some("bulk or list mail");
    }
    dsn::is_automatic(message).then_some("an automatic message")
}

/// The member's own text: the first `text/plain` body, else the HTML one turned into text,
/// with the quoted original and what follows it cut.
pub fn own_text(message: &Message<'_>) -> String {
    let plain = message.text_bodies().find_map(|part| match &part.body {
        PartType::Text(text) => Some(text.to_string()),
        _ => None,
    });
    let text = plain.or_else(|| {
        message.html_bodies().find_map(|part| match &part.body {
            PartType::Html(html) => Some(html_to_text(html)),
            _ => None,
        })
    });
    cut_quote(&text.unwrap_or_default())
}

/// "On Mon, 30 Nov 2026 at 10:02, Fora <…> wrote:", "Le 30 nov. 2026 à 10:02, … a écrit :",
/// "El lun, 30 nov 2026 a las 10:02, … escribió:" (and the German, Italian and Portuguese
/// forms), possibly wrapped over two or three lines.
static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(on|le|el|am|il|em)\s.{0,400}?\s(wrote|a\s+écrit|escribió|schrieb|ha\s+scritto|escreveu)\s*:$",
    )
    .expect("a regex")
});
/// The longest an attribution may be, over the lines it is wrapped on.
const ATTRIBUTION_BYTES: usize = 600;
/// The first line of the header block Outlook writes above the quoted original.
static HEADER_FROM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\*?(from|de|von)\s*:").expect("a regex"));
/// Its next lines.
static HEADER_NEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\*?(sent|date|envoyé|enviado|fecha|to|à|para|subject|objet|asunto|cc)\s*:")
        .expect("a regex")
});
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(-{2,}\s*(original message|message d.origine|mensaje original|forwarded message|message transféré|mensaje reenviado)\s*-{2,}|_{20,})$",
    )
    .expect("a regex")
});
/// What mail clients add under what the member wrote.
static BOILERPLATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(sent from my|sent from outlook|get outlook for|envoyé de mon|envoyé depuis|obtenir outlook pour|enviado desde mi|obtener outlook para)\b",
    )
    .expect("a regex")
});

/// What a line is, for cutting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    /// The member's text.
    Own,
    /// A line of the quoted original (`>`).
    Quoted,
    /// The line (or the first of the lines) that introduces the quoted original.
    Attribution,
    /// The signature, the client's boilerplate, or Outlook's copy of the original: it and all
    /// that follows go.
    End,
}

fn classify(lines: &[&str], at: usize) -> Line {
    let line = lines[at].trim();
    if lines[at] == "-- " || line == "--" || SEPARATOR.is_match(line) || BOILERPLATE.is_match(line)
    {
        return Line::End;
    }
    if HEADER_FROM.is_match(line)
        && lines[at + 1..]
            .iter()
            .take(4)
            .any(|next| HEADER_NEXT.is_match(next.trim()))
    {
        return Line::End;
    }
    if line.starts_with('>') {
        return Line::Quoted;
    }
    let mut joined = String::new();
    for next in lines[at..].iter().take(3) {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(next.trim());
        // An attribution is one sentence; a long paragraph is the member's own.
        if joined.len() > ATTRIBUTION_BYTES {
            break;
        }
        if ATTRIBUTION.is_match(&joined) {
            return Line::Attribution;
        }
    }
    Line::Own
}

/// The member's own text of a reply: what comes before the quoted original (an attribution
/// line, `>` lines, Outlook's "-----Original Message-----" or "From:" block), the signature
/// (`-- `) or the client's boilerplate ("Sent from my iPhone"). A reply written below the
/// quote (or between its lines) has nothing before it: then its lines that are not quoted
/// are kept, up to the signature.
pub fn cut_quote(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut top = Vec::new();
    let mut cut = None;
    for at in 0..lines.len() {
        match classify(&lines, at) {
            Line::Own => top.push(lines[at]),
            kind => {
                cut = Some((at, kind));
                break;
            }
        }
    }
    if let Some((from, kind)) = cut
        && kind != Line::End
        && top.iter().all(|line| line.trim().is_empty())
    {
        top.clear();
        let mut at = from;
        while at < lines.len() {
            match classify(&lines, at) {
                Line::Own => top.push(lines[at]),
                Line::Quoted => {}
                Line::Attribution => {
                    // Skip the lines the attribution was wrapped over.
                    while at + 1 < lines.len() && !lines[at].trim_end().ends_with(':') {
                        at += 1;
                    }
                }
                Line::End => break,
            }
            at += 1;
        }
    }
    tidy(&top)
}

/// Lines joined, without the blank lines around them, trailing spaces or runs of blank lines.
fn tidy(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        let line = line.trim_end();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(line);
    }
    out
}

/// HTML mail as text with a little Markdown: paragraphs and line breaks, `>` before quoted
/// blocks (so [`cut_quote`] finds them), `- ` before list items, links as `[text](url)`.
/// Images, styles, scripts and the head are dropped; entities are decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = Html::default();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.text(&rest[..open]);
        rest = &rest[open..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let end = tag_end(rest);
        let inside = rest[1..end].strip_suffix('>').unwrap_or(&rest[1..end]);
        out.tag(inside);
        rest = &rest[end..];
    }
    out.text(rest);
    out.finish()
}

/// The length of the tag at the start of `text` (through its `>`), quotes respected.
fn tag_end(text: &str) -> usize {
    let mut quote = None;
    for (at, c) in text.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return at + 1,
            _ => {}
        }
    }
    text.len()
}

/// The most `>` marks written before a line of nested quotes.
const MAX_QUOTE_MARKS: usize = 8;

#[derive(Default)]
struct Html {
    out: String,
    /// Inside `<blockquote>`s.
    depth: usize,
    /// Inside `<head>`, `<style>`, `<script>` or `<title>`.
    hidden: usize,
    pre: bool,
    /// Where each open link's text began, and where it goes.
    links: Vec<(usize, Option<String>)>,
    /// A space is due before the next word.
    space: bool,
}

impl Html {
    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn newline(&mut self) {
        if !self.at_line_start() {
            self.out.push('\n');
        }
        self.space = false;
    }

    fn paragraph(&mut self) {
        self.newline();
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn write(&mut self, word: &str) {
        if self.at_line_start() {
            // Any depth marks a quote; a bounded prefix keeps deep nesting from multiplying.
            self.out
                .push_str(&"> ".repeat(self.depth.min(MAX_QUOTE_MARKS)));
        } else if self.space {
            self.out.push(' ');
        }
        self.space = false;
        self.out.push_str(word);
    }

    fn text(&mut self, raw: &str) {
        if self.hidden > 0 || raw.is_empty() {
            return;
        }
        let text = decode_entities(raw);
        if self.pre {
            for (n, line) in text.split('\n').enumerate() {
                if n > 0 {
                    self.out.push('\n');
                }
                if !line.is_empty() {
                    self.write(line);
                }
            }
            return;
        }
        if text.starts_with(char::is_whitespace) {
            self.space = true;
        }
        let mut words = text.split_whitespace().peekable();
        while let Some(word) = words.next() {
            self.write(word);
            if words.peek().is_some() {
                self.space = true;
            }
        }
        if text.ends_with(char::is_whitespace) {
            self.space = true;
        }
    }

    fn tag(&mut self, inside: &str) {
        let closing = inside.starts_with('/');
        let inside = inside.trim_start_matches('/');
        let name_end = inside
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inside.len());
        let name = inside[..name_end].to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("head" | "style" | "script" | "title", false) => self.hidden += 1,
            ("head" | "style" | "script" | "title", true) => {
                self.hidden = self.hidden.saturating_sub(1)
            }
            ("br", _) => {
                self.out.push('\n');
                self.space = false;
            }
            ("blockquote", false) => {
                self.paragraph();
                self.depth += 1;
            }
            ("blockquote", true) => {
                self.depth = self.depth.saturating_sub(1);
                self.paragraph();
            }
            ("p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "table" | "hr", _) => {
                self.paragraph()
            }
            ("pre", _) => {
                self.paragraph();
                self.pre = !closing;
            }
            ("div" | "tr" | "section" | "article" | "header" | "footer", _) => self.newline(),
            ("li", false) => {
                self.newline();
                self.write("-");
                self.space = true;
            }
            ("a", false) => {
                let href = attribute(inside, "href").filter(|href| {
                    href.starts_with("http://")
                        || href.starts_with("https://")
                        || href.starts_with("mailto:")
                });
                self.links.push((self.out.len(), href));
            }
            ("a", true) => {
                if let Some((start, Some(href))) = self.links.pop() {
                    let shown = self.out[start..].trim().to_string();
                    if !shown.is_empty() && shown != href && !shown.contains('\n') {
                        let lead = self.out[start..].len() - self.out[start..].trim_start().len();
                        self.out.insert(start + lead, '[');
                        self.out.push_str(&format!("]({href})"));
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> String {
        self.out
    }
}

/// The value of an attribute in a tag's inside (`a href="…"`), entities decoded.
fn attribute(inside: &str, name: &str) -> Option<String> {
    static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)\s([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"#).expect("a regex")
    });
    ATTRIBUTE.captures_iter(inside).find_map(|found| {
        found[1].eq_ignore_ascii_case(name).then(|| {
            let value = found
                .get(2)
                .or_else(|| found.get(3))
                .or_else(|| found.get(4))
                .map_or("", |m| m.as_str());
            decode_entities(value)
        })
    })
}

/// `&amp;`, `&#233;`, `&#xE9;` and the named entities of English, French and Spanish text.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest[1..]
            .find(';')
            .filter(|end| *end <= 10)
            .and_then(|end| entity(&rest[1..=end]).map(|c| (c, end + 2)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control() || c.is_whitespace());
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "iexcl" => '¡',
        "iquest" => '¿',
        "agrave" => 'à',
        "aacute" => 'á',
        "acirc" => 'â',
        "ccedil" => 'ç',
        "egrave" => 'è',
        "eacute" => 'é',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "iacute" => 'í',
        "icirc" => 'î',
        "iuml" => 'ï',
        "ntilde" => 'ñ',
        "oacute" => 'ó',
        "ocirc" => 'ô',
        "uacute" => 'ú',
        "ugrave" => 'ù',
        "ucirc" => 'û',
        "uuml" => 'ü',
        "Agrave" => 'À',
        "Eacute" => 'É',
        "Egrave" => 'È',
        "Ccedil" => 'Ç',
        "Ntilde" => 'Ñ',
        "euro" => '€',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_top_posted_reply_keeps_what_is_above_the_attribution() {
        let gmail = "Thanks, we tried the same in Ghana.\n\nIt worked.\n\nOn Mon, 30 Nov 2026 at 10:02, Fora <\nfora@example.org> wrote:\n\n> Bridging classes helped.\n> A lot.\n";
        assert_eq!(
            cut_quote(gmail),
            "Thanks, we tried the same in Ghana.\n\nIt worked."
        );
        let apple = "Yes.\r\n\r\nSent from my iPhone\r\n\r\n> On 30 Nov 2026, at 10:02, Fora <fora@example.org> wrote:\r\n> \r\n> Text\r\n";
        assert_eq!(cut_quote(apple), "Yes.");
    }

    #[test]
    fn french_and_spanish_attributions_are_cut() {
        for (text, kept) in [
            (
                "Merci pour ce retour.\n\nLe lun. 30 nov. 2026 à 10:02, Fora <fora@example.org> a\u{a0}écrit\u{a0}:\n> Bonjour\n",
                "Merci pour ce retour.",
            ),
            (
                "Merci.\nLe 30/11/2026 à 10:02, Fora a écrit :\nBonjour sans chevron\n",
                "Merci.",
            ),
            (
                "Gracias.\n\nEl lun, 30 nov 2026 a las 10:02, Fora (<fora@example.org>)\nescribió:\n\n> Hola\n",
                "Gracias.",
            ),
        ] {
            assert_eq!(cut_quote(text), kept, "{text:?}");
        }
    }

    #[test]
    fn outlook_blocks_and_signatures_are_cut() {
        let outlook = "We agree.\r\n\r\n________________________________\r\nFrom: Fora <fora@example.org>\r\nSent: Monday, 30 November 2026 10:02\r\nTo: Amina <amina@example.net>\r\nSubject: New reply\r\n\r\nOriginal text\r\n";
        assert_eq!(cut_quote(outlook), "We agree.");
        let original = "Oui.\n\n-----Original Message-----\nDe : Fora\nOriginal\n";
        assert_eq!(cut_quote(original), "Oui.");
        let french_outlook = "D’accord.\n\nDe\u{a0}: Fora <fora@example.org>\nEnvoyé\u{a0}: lundi 30 novembre 2026 10:02\nÀ\u{a0}: Amina\nObjet\u{a0}: Nouvelle réponse\n";
        assert_eq!(cut_quote(french_outlook), "D’accord.");
        let signed = "Short answer.\n\n-- \nAmina Diallo\nProgramme officer\n";
        assert_eq!(cut_quote(signed), "Short answer.");
        // A "From:" line that is the member's own text, not a header block, stays.
        assert_eq!(
            cut_quote("From: our field notes, it works.\nSee above."),
            "From: our field notes, it works.\nSee above."
        );
    }

    #[test]
    fn a_reply_below_the_quote_keeps_the_lines_not_quoted() {
        let thunderbird = "On 30/11/2026 10:02, Fora wrote:\n> Bridging classes helped.\n\nThey did here too.\n\n-- \nAmina\n";
        assert_eq!(cut_quote(thunderbird), "They did here too.");
        assert_eq!(cut_quote("> only a quote\n> nothing else\n"), "");
        assert_eq!(cut_quote("\n\n-- \nAmina\n"), "");
    }

    #[test]
    fn html_becomes_text_with_quotes_marked() {
        let gmail = r#"<div dir="ltr">We tried it &amp; it <b>worked</b>.<div><br></div><div>See <a href="https://example.org/report">the report</a>.</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 30 Nov 2026 at 10:02, Fora &lt;<a href="mailto:fora@example.org">fora@example.org</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Bridging classes<br>helped.</blockquote></div>"#;
        let text = html_to_text(gmail);
        assert!(text.contains("> Bridging classes"), "{text}");
        assert_eq!(
            cut_quote(&text),
            "We tried it & it worked.\n\nSee [the report](https://example.org/report)."
        );
        let styled = "<html><head><style>p{color:red}</style><title>x</title></head><body><p>Caf&eacute; &#233;t&#xE9;</p><img src=\"https://track.example/p.gif\"><script>alert(1)</script><ul><li>one</li><li>two</li></ul></body></html>";
        assert_eq!(html_to_text(styled).trim(), "Café été\n\n- one\n- two");
    }

    #[test]
    fn a_long_reply_is_cut_in_linear_time() {
        let paragraph = "Les comités de village ont réduit le travail des enfants. ".repeat(200);
        let text = format!("{paragraph}\n").repeat(800) + "> quoted\n";
        let started = std::time::Instant::now();
        let kept = cut_quote(&text);
        assert_eq!(kept.lines().count(), 800);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn broken_html_and_entities_do_not_panic() {
        for html in [
            "<",
            "<a href='x",
            "&",
            "&#xFFFFFFFF;",
            "&#0;",
            "<!-- open",
            "</blockquote></blockquote>é<",
        ] {
            let _ = html_to_text(html);
        }
        assert_eq!(decode_entities("a &unknown; b &amp"), "a &unknown; b &amp");
        let nested = "<blockquote>".repeat(10_000) + &"line<br>".repeat(10_000);
        assert!(html_to_text(&nested).len() < 300_000);
    }
}
