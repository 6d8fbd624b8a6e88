//! People and their roles: the admins' users page (one "Change" disclosure per person, the
//! outside reviewers' invitations), the page that says why a change was refused, and the page
//! where an invited outside reviewer creates their account.

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{
        FormErrors, Pager, TextField, csrf_field, error_summary, item_name, language_select,
        new_password_input, notice, pager, search_box, text_field, text_input, time,
    },
    format,
    i18n::{plural, plural_with, t, tf},
    layout, paths,
};

pub struct UserRow {
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub is_reviewer: bool,
    pub disabled: bool,
    /// The admin looking at the page.
    pub is_self: bool,
    /// (forum slug, `member` or `moderator`)
    pub memberships: Vec<(String, String)>,
}

/// An outside reviewer's invitation that is neither accepted nor withdrawn.
pub struct PendingReviewer {
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub invited_by: String,
    /// ISO 8601
    pub expires_at: String,
    pub expired: bool,
}

/// What the invitation form holds (as typed, when it is shown again with its problems).
#[derive(Default)]
pub struct ReviewerInviteForm {
    pub email: String,
    pub name: String,
    pub language: String,
}

/// Which people the users page lists: those whose name or address holds `find`, one page.
pub struct UsersListing {
    pub rows: Vec<UserRow>,
    /// As typed (empty: everyone).
    pub find: String,
    /// People the whole listing holds.
    pub total: u64,
    /// Position of the first row in the listing, from 1.
    pub first: u64,
    pub pager: Pager,
}

pub struct UsersView {
    pub listing: UsersListing,
    pub pending: Vec<PendingReviewer>,
    pub form: ReviewerInviteForm,
    pub notice: Option<&'static str>,
}

/// One change offered in a person's "Change" menu: its address segment, and whether it takes
/// something away (shown as a warning button).
fn changes(row: &UserRow) -> Vec<(&'static str, bool)> {
    let mut offered = Vec::new();
    if row.is_admin {
        if !row.is_self {
            offered.push(("remove-admin", true));
        }
    } else {
        offered.push(("make-admin", false));
    }
    if row.is_reviewer {
        offered.push(("remove-reviewer", true));
    } else {
        offered.push(("make-reviewer", false));
    }
    if row.disabled {
        offered.push(("enable", false));
    } else if !row.is_self {
        offered.push(("disable", true));
    }
    offered
}

/// The button of a change, naming the person ("Disable Amina Diallo").
pub fn change_button(lang: &str, segment: &str, name: &str) -> String {
    tf(
        lang,
        &format!("roles.button_{}", segment.replace('-', "_")),
        &[("name", name)],
    )
}

fn roles_of(lang: &str, row: &UserRow) -> String {
    let mut roles = Vec::new();
    if row.is_admin {
        roles.push(t(lang, "roles.admin"));
    }
    if row.is_reviewer {
        roles.push(t(lang, "roles.reviewer"));
    }
    if roles.is_empty() {
        roles.push(t(lang, "roles.member_only"));
    }
    roles.join(", ")
}

pub fn users(ctx: &Ctx, view: &UsersView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "admin.users"),
        html! {
            p.crumbs { a href=(paths::ADMIN) { (t(lang, "admin.title")) } }
            h1 { (t(lang, "admin.users")) }
            (notice(ctx, view.notice))
            p { (t(lang, "roles.users_intro")) }
            (search_box(paths::ADMIN_USERS, &t(lang, "roles.find_label"), &t(lang, "roles.find_button"),
                &t(lang, "roles.find_hint"), &view.listing.find, &[]))
            (listing_summary(ctx, &view.listing))
            @if !view.listing.rows.is_empty() {
                table.users {
                    thead { tr {
                        th scope="col" { (t(lang, "profile.display_name")) }
                        th scope="col" { (t(lang, "auth.email")) }
                        th scope="col" { (t(lang, "roles.roles")) }
                        th scope="col" { (t(lang, "admin.memberships")) }
                        th scope="col" { (t(lang, "admin.status")) }
                        th scope="col" { span.visually-hidden { (t(lang, "common.actions")) } }
                    } }
                    tbody {
                        @for row in &view.listing.rows {
                            tr id={ "user-" (row.id) } {
                                td { (row.display_name) @if row.is_self { " " span.hint { (t(lang, "roles.you")) } } }
                                td.email data-label=(t(lang, "auth.email")) { (row.email) }
                                td data-label=(t(lang, "roles.roles")) { (roles_of(lang, row)) }
                                td data-label=(t(lang, "admin.memberships")) {
                                    @if row.memberships.is_empty() { span.hint { (t(lang, "roles.no_forum")) } }
                                @for (i, (slug, role)) in row.memberships.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        a href=(paths::forum(slug)) { (slug) } " (" (t(lang, &format!("members.role_{role}"))) ")"
                                    }
                                }
                                td data-label=(t(lang, "admin.status")) { (t(lang, if row.disabled { "admin.disabled" } else { "admin.active" })) }
                                td {
                                    details.change {
                                        summary { (t(lang, "roles.change")) (item_name(&row.display_name)) }
                                        ul.change-list {
                                            @for (segment, warning) in changes(row) {
                                                li {
                                                    form method="post" action=(paths::admin_user_action(row.id, segment)) {
                                                        (csrf_field(ctx))
                                                        @if warning {
                                                            button.warning type="submit" { (change_button(lang, segment, &row.display_name)) }
                                                        } @else {
                                                            button.secondary type="submit" { (change_button(lang, segment, &row.display_name)) }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                        @if row.is_self {
                                            p.hint { (t(lang, "roles.self_hint")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (pager(ctx, &view.listing.pager))
            }
            (reviewer_section(ctx, view, errors))
        },
    )
}

/// How many people the listing holds and which of them this page shows.
fn listing_summary(ctx: &Ctx, listing: &UsersListing) -> Markup {
    let lang = ctx.lang;
    let count = if listing.find.is_empty() {
        plural(lang, "roles.everyone", listing.total)
    } else if listing.total == 0 {
        tf(lang, "roles.found_none", &[("find", &listing.find)])
    } else {
        plural_with(
            lang,
            "roles.found",
            listing.total,
            &[("find", &listing.find)],
        )
    };
    let last = listing.first + listing.rows.len() as u64 - 1;
    html! {
        p.listing-count {
            (count)
            @if listing.pager.pages > 1 {
                " " (tf(lang, "roles.showing", &[
                    ("first", &format::number(lang, listing.first)),
                    ("last", &format::number(lang, last)),
                    ("total", &format::number(lang, listing.total)),
                ]))
            }
        }
        @if !listing.find.is_empty() {
            p { a href=(paths::ADMIN_USERS) { (t(lang, "roles.show_everyone")) } }
        }
    }
}

fn reviewer_section(ctx: &Ctx, view: &UsersView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    html! {
        section #outside-reviewers aria-labelledby="reviewers-h" {
            h2 #reviewers-h { (t(lang, "roles.outside_title")) }
            p { (t(lang, "roles.outside_intro")) }
            (error_summary(ctx, errors))
            form method="post" action=(paths::ADMIN_REVIEWER_INVITATIONS) {
                (csrf_field(ctx))
                (text_field(ctx, errors, &TextField {
                    field: "reviewer_email",
                    label: &t(lang, "roles.outside_email"),
                    value: &view.form.email,
                    kind: "email",
                    max: 254,
                    autocomplete: Some("off"),
                    hint: None,
                }))
                (text_field(ctx, errors, &TextField {
                    field: "reviewer_name",
                    label: &t(lang, "roles.outside_name"),
                    value: &view.form.name,
                    kind: "text",
                    max: 80,
                    autocomplete: Some("off"),
                    hint: Some(&t(lang, "roles.outside_name_hint")),
                }))
                (language_select(ctx, errors, "reviewer_language", &t(lang, "roles.outside_language"),
                    if view.form.language.is_empty() { lang } else { &view.form.language }))
                button type="submit" { (t(lang, "roles.outside_send")) }
            }
            h3 { (t(lang, "roles.pending_title")) }
            @if view.pending.is_empty() {
                p { (t(lang, "roles.pending_none")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "profile.display_name")) }
                        th scope="col" { (t(lang, "auth.email")) }
                        th scope="col" { (t(lang, "roles.invited_by")) }
                        th scope="col" { (t(lang, "roles.expires")) }
                        th scope="col" { span.visually-hidden { (t(lang, "common.actions")) } }
                    } }
                    tbody {
                        @for invitation in &view.pending {
                            tr {
                                td { (invitation.display_name) }
                                td.email data-label=(t(lang, "auth.email")) { (invitation.email) }
                                td data-label=(t(lang, "roles.invited_by")) { (invitation.invited_by) }
                                td data-label=(t(lang, "roles.expires")) {
                                    @if invitation.expired { (t(lang, "roles.expired")) " " }
                                    (time(lang, &invitation.expires_at))
                                }
                                td {
                                    form.inline method="post" action=(paths::admin_reviewer_invitation_revoke(invitation.id)) {
                                        (csrf_field(ctx))
                                        button.secondary type="submit" { (tf(lang, "roles.revoke", &[("email", &invitation.email)])) }
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

/// Why a change was not made, and the way back.
pub fn refused(ctx: &Ctx, reason: &str) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "roles.refused_title"),
        html! {
            h1 { (t(lang, "roles.refused_title")) }
            p.warning-text { (reason) }
            p { a href=(paths::ADMIN_USERS) { (t(lang, "roles.back_to_users")) } }
        },
    )
}

pub struct ReviewerInvitationView {
    pub token: String,
    pub email: String,
    pub display_name: String,
}

/// Where an invited outside reviewer chooses a name and a password.
pub fn reviewer_invitation(
    ctx: &Ctx,
    view: &ReviewerInvitationView,
    errors: &FormErrors,
) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "roles.accept_title"),
        html! {
            h1 { (t(lang, "roles.accept_title")) }
            p { (tf(lang, "roles.accept_intro", &[("email", &view.email)])) }
            p { (t(lang, "roles.accept_what")) }
            (error_summary(ctx, errors))
            form method="post" action=(paths::reviewer_invitation(&view.token)) {
                (csrf_field(ctx))
                (text_input(ctx, errors, "display_name", &t(lang, "profile.display_name"), &view.display_name, "text", 80))
                (new_password_input(ctx, errors))
                button type="submit" { (t(lang, "roles.accept_button")) }
            }
        },
    )
}

/// A reviewer's link that cannot be used (`key` says why), or an address that has an account.
pub fn link_problem(ctx: &Ctx, key: &str) -> Markup {
    let title = t(ctx.lang, key);
    layout::page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (t(ctx.lang, "roles.link_help")) }
            p { a href=(paths::LOGIN) { (t(ctx.lang, "nav.sign_in")) } }
        },
    )
}
