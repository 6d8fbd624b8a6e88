use maud::{DOCTYPE, Markup, html};

use crate::{Ctx, components::csrf_field, i18n::t, paths};

const BRAND: &str = "Fora";

/// Each language in its own words.
const LANGUAGE_NAMES: [(&str, &str); 3] =
    [("en", "English"), ("fr", "Français"), ("es", "Español")];

/// Longer return addresses come back to the page without its query: a link never repeats
/// oversized input (three of them are on every page).
const RETURN_MAX: usize = 512;

/// The link that switches to `code` and comes back to this page. A `next` of this page (a
/// sign-in's return address, possibly someone else's making) is not carried along.
fn language_link(code: &str, here: &str) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && *pair != "next" && !pair.starts_with("next="))
        .collect();
    let page = match (path.is_empty() || path.len() > RETURN_MAX, kept.is_empty()) {
        (true, _) => "/".to_string(),
        (false, true) => path.to_string(),
        (false, false) => format!("{path}?{}", kept.join("&")),
    };
    let page = if page.len() > RETURN_MAX {
        path.to_string()
    } else {
        page
    };
    format!("{}?next={}", paths::language(code), url_escape(&page))
}

/// Percent-encodes everything but unreserved characters and `/`.
fn url_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Every HTML page: one stylesheet, no script, a skip link, and navigation that is plain links:
/// a row on wide screens, folded into a disclosure on phones. The stylesheet shows one of the
/// two (a closed disclosure's content cannot be shown on wide screens in every browser).
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    let links = nav_links(ctx);
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // The front page is titled by the name alone, not "Fora · Fora".
                title { (title) @if title != BRAND { " · " (BRAND) } }
                link rel="stylesheet" href=(paths::STYLE_CSS);
            }
            body {
                a.skip href="#main" { (t(lang, "nav.skip")) }
                header.site {
                    a.brand href=(paths::HOME) { "Fora" }
                    nav.wide aria-label=(t(lang, "nav.label")) { (links) }
                    details.menu {
                        summary { (t(lang, "nav.menu")) }
                        nav aria-label=(t(lang, "nav.label")) { (links) }
                    }
                }
                main #main {
                    @if ctx.user.as_ref().is_some_and(|user| user.address_bounces) {
                        p.notice role="status" {
                            (t(lang, "bounce.member_notice")) " "
                            a href={ (paths::PROFILE) "#address" } { (t(lang, "bounce.member_notice_link")) }
                        }
                    }
                    (body)
                }
                footer.site {
                    p { (t(lang, "nav.footer")) }
                    // Members choose on their profile; visitors here (remembered in a cookie).
                    @if ctx.user.is_none() {
                        nav.languages aria-label=(t(lang, "nav.languages")) {
                            @for (code, name) in LANGUAGE_NAMES {
                                @if code == lang {
                                    span aria-current="true" lang=(code) { (name) }
                                } @else {
                                    a href=(language_link(code, &ctx.here)) lang=(code) hreflang=(code) { (name) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The site's links, and signing out.
fn nav_links(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    html! {
        a href=(paths::LEARNINGS) { (t(lang, "nav.learnings")) }
        a href=(paths::PRODUCTS) { (t(lang, "nav.products")) }
        a href=(paths::THEMES) { (t(lang, "nav.themes")) }
        a href=(paths::NEWSLETTER) { (t(lang, "nav.newsletter")) }
        @if let Some(user) = &ctx.user {
            a href=(paths::FORUMS) { (t(lang, "nav.forums")) }
            @if user.waiting > 0 {
                a.waiting href=(paths::WAITING) {
                    (t(lang, "waiting.nav")) " "
                    span.count { (crate::format::number(lang, user.waiting)) }
                }
            }
            a href=(paths::PROFILE) { (t(lang, "nav.profile")) " (" (user.display_name) ")" }
            @if user.is_admin {
                a href=(paths::ADMIN) { (t(lang, "nav.admin")) }
            }
            form.inline method="post" action=(paths::LOGOUT) {
                (csrf_field(ctx))
                button.link type="submit" { (t(lang, "nav.sign_out")) }
            }
        } @else {
            a href=(paths::LOGIN) { (t(lang, "nav.sign_in")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::language_link;

    #[test]
    fn language_links_come_back_without_a_return_address() {
        assert_eq!(language_link("fr", ""), "/language/fr?next=/");
        assert_eq!(
            language_link("es", "/learnings?q=child labour&page=2"),
            "/language/es?next=/learnings%3Fq%3Dchild%20labour%26page%3D2"
        );
        assert_eq!(
            language_link("fr", "/login?next=//evil.example/x"),
            "/language/fr?next=/login"
        );
        assert_eq!(
            language_link("fr", "/login?a=1&next=/x&b=2"),
            "/language/fr?next=/login%3Fa%3D1%26b%3D2"
        );
        let long = format!("/learnings?q={}", "x".repeat(600));
        assert_eq!(language_link("en", &long), "/language/en?next=/learnings");
        assert_eq!(
            language_link("en", &"/x".repeat(300)),
            "/language/en?next=/"
        );
    }
}
