//! Bounces: what a member whose mail stopped sees on their profile, and the admin's list of
//! subscribers and members whose mail bounces, with the reset.

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{Pager, csrf_field, notice, pager, time},
    i18n::{t, tf},
    layout, paths,
};

/// One recipient's bounce record.
#[derive(Clone, Debug)]
pub struct Bounced {
    /// The score in half-bounces (a hard bounce counts 2, a soft one 1).
    pub points: i32,
    /// ISO 8601.
    pub last_at: Option<String>,
    /// The last report's status and diagnostic.
    pub reason: Option<String>,
    /// No more mail goes to the address.
    pub suppressed: bool,
}

/// A score of half-bounces as people write it: "2", "2.5" ("2,5" in French and Spanish).
pub fn score(lang: &str, points: i32) -> String {
    let whole = crate::format::number(lang, points / 2);
    if points % 2 == 0 {
        whole
    } else {
        let separator = if lang == "en" { "." } else { "," };
        format!("{whole}{separator}5")
    }
}

fn details(ctx: &Ctx, bounced: &Bounced) -> Markup {
    let lang = ctx.lang;
    html! {
        dl {
            @if let Some(at) = &bounced.last_at {
                dt { (t(lang, "bounce.last")) }
                dd { (time(lang, at)) }
            }
            @if let Some(reason) = &bounced.reason {
                dt { (t(lang, "bounce.reason")) }
                dd { code { (reason) } }
            }
        }
    }
}

/// The profile's section for a member whose mail stopped.
pub fn member_section(ctx: &Ctx, email: &str, bounced: &Bounced) -> Markup {
    let lang = ctx.lang;
    html! {
        section #address aria-labelledby="address-h" {
            h2 #address-h { (t(lang, "bounce.member_title")) }
            p { (tf(lang, "bounce.member_explain", &[("email", email)])) }
            (details(ctx, bounced))
            p { (t(lang, "bounce.member_fix")) }
            form method="post" action=(paths::PROFILE_ADDRESS_WORKS) {
                (csrf_field(ctx))
                button type="submit" { (t(lang, "bounce.member_works")) }
            }
        }
    }
}

pub struct BounceRow {
    pub id: i32,
    pub email: String,
    pub bounced: Bounced,
}

pub struct AdminBouncesView {
    pub subscribers: Vec<BounceRow>,
    pub members: Vec<BounceRow>,
    pub threshold_points: i32,
    pub notice: Option<&'static str>,
    pub pages: Pager,
}

fn table(ctx: &Ctx, caption: &str, rows: &[BounceRow], reset: fn(i32) -> String) -> Markup {
    let lang = ctx.lang;
    html! {
        div.table-wrap {
            table {
                caption { (caption) }
                thead { tr {
                    th scope="col" { (t(lang, "bounce.address")) }
                    th scope="col" { (t(lang, "bounce.state")) }
                    th scope="col" { (t(lang, "bounce.score")) }
                    th scope="col" { (t(lang, "bounce.last")) }
                    th scope="col" { (t(lang, "bounce.reason")) }
                    th scope="col" { (t(lang, "bounce.action")) }
                } }
                tbody {
                    @for row in rows {
                        tr {
                            td { (row.email) }
                            td {
                                @if row.bounced.suppressed {
                                    strong { (t(lang, "bounce.suppressed")) }
                                } @else {
                                    (t(lang, "bounce.counting"))
                                }
                            }
                            td { (score(lang, row.bounced.points)) }
                            td { @if let Some(at) = &row.bounced.last_at { (time(lang, at)) } }
                            td { @if let Some(reason) = &row.bounced.reason { code { (reason) } } }
                            td {
                                form.inline method="post" action=(reset(row.id)) {
                                    (csrf_field(ctx))
                                    button type="submit" aria-label=(tf(lang, "bounce.reset_for", &[("email", &row.email)])) {
                                        (t(lang, "bounce.reset"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `/admin/newsletter/bounces`
pub fn admin_page(ctx: &Ctx, view: &AdminBouncesView) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "bounce.admin_title"),
        html! {
            p { a href=(paths::ADMIN_NEWSLETTER) { (t(lang, "edition.admin_title")) } }
            h1 { (t(lang, "bounce.admin_title")) }
            (notice(ctx, view.notice))
            p { (tf(lang, "bounce.admin_explain", &[("threshold", &score(lang, view.threshold_points))])) }
            section aria-labelledby="bounce-subscribers-h" {
                h2 #bounce-subscribers-h { (t(lang, "bounce.subscribers")) }
                @if view.subscribers.is_empty() {
                    p { (t(lang, "bounce.none")) }
                } @else {
                    (table(ctx, &t(lang, "bounce.subscribers"), &view.subscribers, paths::bounce_reset_subscriber))
                }
            }
            section aria-labelledby="bounce-members-h" {
                h2 #bounce-members-h { (t(lang, "bounce.members")) }
                @if view.members.is_empty() {
                    p { (t(lang, "bounce.none")) }
                } @else {
                    (table(ctx, &t(lang, "bounce.members"), &view.members, paths::bounce_reset_member))
                }
            }
            (pager(ctx, &view.pages))
        },
    )
}
