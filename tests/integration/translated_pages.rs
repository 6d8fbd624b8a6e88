//! Every page, for each role, in French and in Spanish: `<html lang>` says the language, and no
//! text of the English catalogue is left in what the page says in its own language. Text that
//! is marked as another language (`lang="en"` on an English learning, post or forum title) is
//! someone's content, not the interface, and is not looked at; so are proper names and codes,
//! which the catalogues write the same in every language, and the `<title>`, which holds the
//! item's own title unmarked (its interface words are the heading's).

use std::collections::BTreeSet;

use crate::{
    site_pages::{PAGES, Role, Site},
    support::{Client, Mail, TestApp},
    waiting::decide_first_held,
};

crate::on_both_databases!(
    every_page_speaks_french_and_spanish,
    every_mail_speaks_french_and_spanish
);

/// Elements that never hold text of their own.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
/// Where one text node ends and the next begins.
const SEPARATOR: char = '\n';
/// Attributes whose values are read out or shown (a button's name, a field's hint).
const SPOKEN_ATTRIBUTES: &[&str] = &["aria-label", "title", "placeholder", "alt"];

/// The text of a page that is in the page's own language: text nodes and spoken attributes,
/// leaving out every element (and what it holds) whose `lang` is another language.
pub fn own_language_text(html: &str, lang: &str) -> String {
    let attribute =
        regex::Regex::new(r#"([a-zA-Z:-]+)(?:="([^"]*)")?"#).expect("attribute pattern");
    let mut out = String::new();
    // For each open element: its name and whether it is in another language.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        let foreign = open.last().is_some_and(|(_, foreign)| *foreign);
        if !foreign {
            out.push_str(&rest[..at]);
        }
        // Interface text never runs across elements: a piece found must be in one text node.
        out.push(SEPARATOR);
        rest = &rest[at..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.split_once("-->").map_or("", |(_, after)| after);
            continue;
        }
        let Some(end) = rest.find('>') else {
            break;
        };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            if let Some(at) = open.iter().rposition(|(open_name, _)| *open_name == name) {
                open.truncate(at);
            }
            continue;
        }
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        let mut element_lang = None;
        let mut spoken = Vec::new();
        let mut submit = false;
        let mut value = None;
        for found in attribute.captures_iter(&tag[name_end..]) {
            let key = found[1].to_ascii_lowercase();
            let text = found.get(2).map_or("", |m| m.as_str());
            match key.as_str() {
                "lang" => element_lang = Some(text.to_string()),
                "type" => submit = matches!(text, "submit" | "button"),
                "value" => value = Some(text.to_string()),
                _ if SPOKEN_ATTRIBUTES.contains(&key.as_str()) => spoken.push(text.to_string()),
                _ => {}
            }
        }
        // A page's `<title>` names its item (a learning's title in its own language), and
        // cannot mark it: its interface words are the heading's, read below.
        let foreign = foreign || name == "title" || element_lang.is_some_and(|l| l != lang);
        if !foreign {
            for text in spoken.into_iter().chain(value.filter(|_| submit)) {
                out.push_str(&text);
                out.push(SEPARATOR);
            }
        }
        if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            open.push((name, foreign));
        }
    }
    decode(&out)
}

/// The character references maud writes, and numeric ones.
fn decode(text: &str) -> String {
    let numeric = regex::Regex::new(r"&#(x?)([0-9a-fA-F]+);").expect("reference pattern");
    let text = numeric.replace_all(text, |found: &regex::Captures| {
        let radix = if found[1].is_empty() { 10 } else { 16 };
        u32::from_str_radix(&found[2], radix)
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_default()
    });
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
        .split(SEPARATOR)
        .map(|node| node.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|node| !node.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The keys of the catalogue files of one language (`en.yml`, `api.en.yml`, …): nested
/// `name:` lines joined with dots.
fn catalogue_keys(lang: &str) -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/locales");
    let mut keys = BTreeSet::new();
    for entry in std::fs::read_dir(&dir)
        .expect("templates/locales")
        .flatten()
    {
        let path = entry.path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem.split('.').next_back() != Some(lang) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("catalogue");
        let mut nesting: Vec<String> = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            nesting.truncate((line.len() - trimmed.len()) / 2);
            let Some((name, value)) = trimmed.split_once(':') else {
                continue;
            };
            if value.trim().is_empty() {
                nesting.push(name.to_string());
            } else {
                let mut key = nesting.join(".");
                key.push('.');
                key.push_str(name);
                keys.insert(key);
            }
        }
    }
    assert!(keys.len() > 600, "only {} keys read", keys.len());
    keys
}

/// The pieces of English interface text that must not show on a page in `lang`: each English
/// text cut at its placeholders, kept when it is at least two words and the translation
/// differs (a word that is the same in both, a name or a code, is not a finding).
fn english_pieces(lang: &str) -> Vec<(String, String)> {
    let placeholder = regex::Regex::new(r"%\{[a-z_]+\}").expect("placeholder pattern");
    let mut pieces = Vec::new();
    for key in catalogue_keys("en") {
        let english = templates::i18n::t("en", &key);
        let translated = templates::i18n::t(lang, &key);
        if english == translated {
            continue;
        }
        for piece in placeholder.split(&english) {
            let piece = decode(piece.trim_matches(|c: char| {
                c.is_whitespace() || c.is_ascii_punctuation() || "«»“”‘’…·—–".contains(c)
            }));
            if piece.split_whitespace().count() >= 2 && !translated.contains(&piece) {
                pieces.push((key.clone(), piece));
            }
        }
    }
    assert!(pieces.len() > 300, "only {} English pieces", pieces.len());
    pieces
}

async fn every_page_speaks_french_and_spanish(app: TestApp) {
    let site = Site::seed(&app).await;
    let mut problems = Vec::new();
    let mut looked_at = 0;
    for lang in ["fr", "es"] {
        let english = english_pieces(lang);
        // Members read their profile's language; visitors the one they chose with the link.
        app.sql(&format!("UPDATE users SET locale = '{lang}'"))
            .await;
        for role in Role::ALL {
            let client = Site::client(&app, role).await;
            client.get(&format!("/language/{lang}?next=/")).await;
            for page in PAGES.iter().filter(|p| p.roles.contains(&role)) {
                let address = site.address(page.path);
                let answer = client.get(&address).await;
                looked_at += 1;
                let at = format!("{role:?} {lang} {address}");
                let opening = format!("<html lang=\"{lang}\"");
                if !answer.body.contains(&opening) {
                    problems.push(format!("{at}: not <html lang=\"{lang}\">"));
                    continue;
                }
                let text = own_language_text(&answer.body, lang);
                for (key, piece) in &english {
                    if let Some(found) = text.find(piece.as_str()) {
                        let start = text.floor_char_boundary(found.saturating_sub(50));
                        let end =
                            text.ceil_char_boundary((found + piece.len() + 30).min(text.len()));
                        problems.push(format!(
                            "{at}: English {key}: «{piece}» in «…{}…»",
                            &text[start..end]
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "translated pages: {looked_at} looked at, {} problems",
        problems.len()
    );
    assert!(looked_at > 150, "only {looked_at} pages looked at");
    assert!(
        problems.is_empty(),
        "{} problems on {looked_at} pages:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

async fn new_thread(client: &Client, forum: &str, title: &str) -> crate::support::Response {
    client.get(&format!("/forums/{forum}/new")).await;
    client
        .post(
            &format!("/forums/{forum}/new"),
            &[("title", title), ("body", "Ghana 2026, Kumasi.")],
        )
        .await
}

/// Every kind of mail a person's action sends to someone (an invitation, a password link, a
/// post waiting for approval, a decision with its reason, a reply to a followed thread, the
/// newsletter's confirmation, a reviewer's invitation), written for readers of French and of
/// Spanish: `<html lang>` and no English interface text in the subject, the text or the HTML.
async fn every_mail_speaks_french_and_spanish(app: TestApp) {
    app.admin().await;
    let thread_link = regex::Regex::new(r#"href="(/threads/\d+)""#).expect("pattern");
    let mut problems = Vec::new();
    let mut kinds = BTreeSet::new();
    for lang in ["fr", "es"] {
        let english = english_pieces(lang);
        let slug = format!("cacao-{lang}");
        let (_, moderator, member) = app.with_forum(&slug, "pre").await;
        app.sql(&format!("UPDATE users SET locale = '{lang}'"))
            .await;
        let admin = app.login("admin@example.org").await;
        let moderator_again = app.login(&format!("mod-{slug}@example.org")).await;
        let member_again = app.login(&format!("member-{slug}@example.org")).await;
        drop((moderator, member));
        let before = app.mail_count();

        moderator_again
            .get(&format!("/forums/{slug}/members"))
            .await;
        moderator_again
            .post(
                &format!("/forums/{slug}/members"),
                &[
                    ("emails", &format!("new-{lang}@example.org")),
                    ("language", lang),
                ],
            )
            .await
            .assert_status(303);
        let visitor = app.client();
        visitor.get("/password/forgot").await;
        visitor
            .post(
                "/password/forgot",
                &[("email", &format!("member-{slug}@example.org"))],
            )
            .await;
        new_thread(&member_again, &slug, "Kumasi 2026")
            .await
            .assert_status(303);
        decide_first_held(
            &moderator_again,
            &slug,
            "reject",
            &[("confirmed", "yes"), ("reason", "Kumasi")],
        )
        .await;
        new_thread(&member_again, &slug, "Tamale 2026")
            .await
            .assert_status(303);
        decide_first_held(&moderator_again, &slug, "approve", &[]).await;
        let thread = thread_link
            .captures(&member_again.get(&format!("/forums/{slug}")).await.body)
            .expect("the approved thread")[1]
            .to_string();
        moderator_again.get(&thread).await;
        moderator_again
            .post(
                &format!("{thread}/reply"),
                &[("body", "Tamale, Bolgatanga.")],
            )
            .await
            .assert_status(303);
        fora::forums::notify::deliver_due(&app.state, None)
            .await
            .expect("deliver the reply's notification");
        let subscriber = app.client();
        subscriber
            .get(&format!("/language/{lang}?next=/newsletter"))
            .await;
        subscriber.get("/newsletter").await;
        subscriber
            .post(
                "/newsletter",
                &[
                    ("email", &format!("sub-{lang}@example.org")),
                    ("frequency", "weekly"),
                ],
            )
            .await;
        admin.get("/admin/users").await;
        admin
            .post(
                "/admin/reviewer-invitations",
                &[
                    ("reviewer_email", &format!("rev-{lang}@example.org")),
                    ("reviewer_name", "Rita Okafor"),
                    ("reviewer_language", lang),
                ],
            )
            .await
            .assert_status(303);

        let mails: Vec<Mail> = app.mails(before + 8).await.split_off(before);
        for mail in &mails {
            let at = format!("{lang} mail to {} «{}»", mail.to, mail.subject);
            kinds.insert(format!("{lang}: {}", mail.subject));
            if !mail.html.is_empty() && !mail.html.contains(&format!("<html lang=\"{lang}\"")) {
                problems.push(format!("{at}: not <html lang=\"{lang}\">"));
            }
            let html = own_language_text(&mail.html, lang);
            for (key, piece) in &english {
                for (part, text) in [
                    ("subject", mail.subject.as_str()),
                    ("text", mail.text.as_str()),
                    ("html", html.as_str()),
                ] {
                    if text.contains(piece.as_str()) {
                        problems.push(format!("{at}: English {key} in its {part}: «{piece}»"));
                    }
                }
            }
        }
    }
    eprintln!("translated mail: {kinds:#?}");
    assert!(
        kinds.len() >= 14 && kinds.iter().any(|k| k.contains("Tamale")),
        "only these mails were sent: {kinds:#?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn text_in_another_language_is_left_out_and_the_rest_is_read() {
    let html = r#"<!DOCTYPE html><html lang="fr"><head><title>Accueil</title></head><body>
        <p>Bonjour &amp; bienvenue</p><!-- a comment -->
        <article lang="en"><h2>Child labour in cocoa</h2><p>Read <em>more</em></p><br></article>
        <button aria-label="Masquer le message">x</button><input type="submit" value="Envoyer">
        <img alt="Logo de Fora"><input type="text" value="typed by someone">
        <p lang="fr">Encore</p></body></html>"#;
    let text = own_language_text(html, "fr");
    assert_eq!(
        text.split('\n').collect::<Vec<_>>(),
        [
            "Bonjour & bienvenue",
            "Masquer le message",
            "x",
            "Envoyer",
            "Logo de Fora",
            "Encore"
        ]
    );
}
