use maud::{DOCTYPE, Markup, html};

use crate::{Ctx, components::csrf_field, i18n::t};

/// Each language in its own words.
const LANGUAGE_NAMES: [(&str, &str); 3] =
    [("en", "English"), ("fr", "Français"), ("es", "Español")];

fn language_link(code: &str, here: &str) -> String {
    let next: String = url_escape(if here.is_empty() { "/" } else { here });
    format!("/language/{code}?next={next}")
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

/// Every HTML page: one stylesheet, no script, a skip link, and navigation that is plain links.
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Fora" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                a.skip href="#main" { (t(lang, "nav.skip")) }
                header.site {
                    a.brand href="/" { "Fora" }
                    nav aria-label=(t(lang, "nav.label")) {
                        a href="/learnings" { (t(lang, "nav.learnings")) }
                        a href="/products" { (t(lang, "nav.products")) }
                        a href="/newsletter" { (t(lang, "nav.newsletter")) }
                        @if let Some(user) = &ctx.user {
                            a href="/forums" { (t(lang, "nav.forums")) }
                            a href="/profile" { (t(lang, "nav.profile")) " (" (user.display_name) ")" }
                            @if user.is_admin {
                                a href="/admin" { (t(lang, "nav.admin")) }
                            }
                            form.inline method="post" action="/logout" {
                                (csrf_field(ctx))
                                button.link type="submit" { (t(lang, "nav.sign_out")) }
                            }
                        } @else {
                            a href="/login" { (t(lang, "nav.sign_in")) }
                        }
                    }
                }
                main #main { (body) }
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
