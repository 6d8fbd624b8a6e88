//! Sign-in, passwords, invitations and the profile.

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{
        FormErrors, TextField, csrf_field, error_summary, new_password_input, notice, text_field,
        text_input,
    },
    i18n::{t, tf},
    layout, paths,
};

pub struct LoginView {
    pub email: String,
    pub next: String,
    pub error: Option<&'static str>,
    /// A one-time notice, e.g. after a password reset.
    pub notice: Option<&'static str>,
}

pub fn login(ctx: &Ctx, view: &LoginView) -> Markup {
    let lang = ctx.lang;
    let mut errors = FormErrors::default();
    if let Some(key) = view.error {
        errors.add("email", key);
    }
    layout::page(
        ctx,
        &t(lang, "auth.sign_in"),
        html! {
            h1 { (t(lang, "auth.sign_in")) }
            (notice(ctx, view.notice))
            (error_summary(ctx, &errors))
            form method="post" action=(paths::LOGIN) {
                (csrf_field(ctx))
                input type="hidden" name="next" value=(view.next);
                (text_field(ctx, &errors, &TextField {
                    field: "email",
                    label: &t(lang, "auth.email"),
                    value: &view.email,
                    kind: "email",
                    max: 254,
                    autocomplete: Some("username"),
                    hint: None,
                }))
                div.field {
                    label for="password" { (t(lang, "auth.password")) }
                    input id="password" name="password" type="password" autocomplete="current-password" required;
                }
                button type="submit" { (t(lang, "auth.sign_in")) }
            }
            p { a href=(paths::PASSWORD_FORGOT) { (t(lang, "auth.forgot_link")) } }
        },
    )
}

pub fn forgot(ctx: &Ctx, email: &str, sent: bool, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "auth.forgot_title"),
        html! {
            h1 { (t(lang, "auth.forgot_title")) }
            @if sent {
                p.notice role="status" { (t(lang, "auth.forgot_sent")) }
            } @else {
                p { (t(lang, "auth.forgot_intro")) }
            }
            (error_summary(ctx, errors))
            form method="post" action=(paths::PASSWORD_FORGOT) {
                (csrf_field(ctx))
                (text_input(ctx, errors, "email", &t(lang, "auth.email"), email, "email", 254))
                button type="submit" { (t(lang, "auth.forgot_submit")) }
            }
        },
    )
}

/// Choose a new password (reset link or the admin's one-time setup link).
/// The form of a password link. `display_name` is asked with an account's first password.
pub fn set_password(
    ctx: &Ctx,
    action: &str,
    display_name: Option<&str>,
    errors: &FormErrors,
) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "auth.set_password"),
        html! {
            h1 { (t(lang, "auth.set_password")) }
            (error_summary(ctx, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                @if let Some(name) = display_name {
                    (text_input(ctx, errors, "display_name", &t(lang, "profile.display_name"), name, "text", 80))
                }
                (new_password_input(ctx, errors))
                button type="submit" { (t(lang, "auth.save_password")) }
            }
        },
    )
}

pub struct InvitationView {
    pub token: String,
    pub forum_title: String,
    pub email: String,
    pub step: InvitationStep,
}

/// What the person holding an invitation link is asked to do. Nobody joins a forum without
/// saying so: an account that exists accepts with its own signed-in session.
pub enum InvitationStep {
    /// No account has the address yet: choose a name and a password.
    NewAccount { display_name: String },
    /// The invited account is the one signed in: one button joins.
    Accept,
    /// The address has an account that is not the one signed in (or none is).
    SignIn {
        login_link: String,
        signed_in_elsewhere: bool,
    },
}

pub fn accept_invitation(ctx: &Ctx, view: &InvitationView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    let action = paths::invitation(&view.token);
    layout::page(
        ctx,
        &t(lang, "invite.title"),
        html! {
            h1 { (t(lang, "invite.title")) }
            @match &view.step {
                InvitationStep::NewAccount { display_name } => {
                    p { (tf(lang, "invite.intro", &[("forum", &view.forum_title), ("email", &view.email)])) }
                    (error_summary(ctx, errors))
                    form method="post" action=(action) {
                        (csrf_field(ctx))
                        (text_input(ctx, errors, "display_name", &t(lang, "profile.display_name"), display_name, "text", 80))
                        (new_password_input(ctx, errors))
                        button type="submit" { (t(lang, "invite.accept")) }
                    }
                }
                InvitationStep::Accept => {
                    p { (tf(lang, "invite.accept_intro", &[("forum", &view.forum_title), ("email", &view.email)])) }
                    form method="post" action=(action) {
                        (csrf_field(ctx))
                        button type="submit" { (t(lang, "invite.accept")) }
                    }
                }
                InvitationStep::SignIn { login_link, signed_in_elsewhere } => {
                    p { (tf(lang, "invite.sign_in_intro", &[("forum", &view.forum_title), ("email", &view.email)])) }
                    @if *signed_in_elsewhere {
                        p { (tf(lang, "invite.signed_in_elsewhere", &[("email", &view.email)])) }
                        form method="post" action=(paths::LOGOUT) {
                            (csrf_field(ctx))
                            button type="submit" { (t(lang, "nav.sign_out")) }
                        }
                    } @else {
                        p { a href=(login_link) { (t(lang, "invite.sign_in")) } }
                    }
                }
            }
        },
    )
}

pub struct ProfileView {
    pub display_name: String,
    pub email: String,
    pub locale: String,
    pub notify_mode: String,
    pub memberships: Vec<(String, String, String)>,
    pub saved: Option<&'static str>,
    pub newsletter: crate::newsletter::ProfileNewsletter,
    /// Set when mail to the address stopped after bounces: what the last report said.
    pub bounced: Option<crate::bounces::Bounced>,
    /// Whether notifications can be answered by mail (`FORA_REPLY_DOMAIN`): then the member
    /// can revoke the reply addresses mailed so far.
    pub replies_by_mail: bool,
}

pub fn profile(ctx: &Ctx, view: &ProfileView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    let option = |value: &str, current: &str, key: &str| {
        html! {
            option value=(value) selected[value == current] { (t(lang, key)) }
        }
    };
    layout::page(
        ctx,
        &t(lang, "profile.title"),
        html! {
            h1 { (t(lang, "profile.title")) }
            (notice(ctx, view.saved))
            (error_summary(ctx, errors))
            @if let Some(bounced) = &view.bounced {
                (crate::bounces::member_section(ctx, &view.email, bounced))
            }
            section {
                h2 { (t(lang, "profile.settings")) }
                form method="post" action=(paths::PROFILE) {
                    (csrf_field(ctx))
                    p { (t(lang, "auth.email")) ": " (view.email) }
                    (text_input(ctx, errors, "display_name", &t(lang, "profile.display_name"), &view.display_name, "text", 80))
                    div.field {
                        label for="locale" { (t(lang, "profile.language")) }
                        select id="locale" name="locale" {
                            (option("en", &view.locale, "profile.lang_en"))
                            (option("fr", &view.locale, "profile.lang_fr"))
                            (option("es", &view.locale, "profile.lang_es"))
                        }
                    }
                    div.field {
                        label for="notify_mode" { (t(lang, "profile.notify")) }
                        select id="notify_mode" name="notify_mode" {
                            (option("immediate", &view.notify_mode, "profile.notify_immediate"))
                            (option("daily", &view.notify_mode, "profile.notify_daily"))
                            (option("never", &view.notify_mode, "profile.notify_never"))
                        }
                    }
                    button type="submit" { (t(lang, "common.save")) }
                }
            }
            (crate::newsletter::profile_section(ctx, &view.newsletter, errors))
            section {
                h2 { (t(lang, "profile.change_password")) }
                form method="post" action=(paths::PROFILE_PASSWORD) {
                    (csrf_field(ctx))
                    div.field {
                        label for="current_password" { (t(lang, "profile.current_password")) }
                        input id="current_password" name="current_password" type="password" autocomplete="current-password";
                    }
                    (new_password_input(ctx, errors))
                    button type="submit" { (t(lang, "auth.save_password")) }
                }
            }
            section {
                h2 { (t(lang, "profile.sessions")) }
                p { (t(lang, "profile.sessions_help")) }
                form method="post" action=(paths::PROFILE_SIGN_OUT_EVERYWHERE) {
                    (csrf_field(ctx))
                    button type="submit" { (t(lang, "profile.sign_out_everywhere")) }
                }
            }
            @if view.replies_by_mail {
                section {
                    h2 { (t(lang, "reply_mail.profile_heading")) }
                    p { (t(lang, "reply_mail.profile_help")) }
                    form method="post" action=(paths::PROFILE_STOP_OLD_REPLIES) {
                        (csrf_field(ctx))
                        button type="submit" { (t(lang, "reply_mail.profile_stop")) }
                    }
                }
            }
            @if !view.memberships.is_empty() {
                section {
                    h2 { (t(lang, "profile.forums")) }
                    ul {
                        @for (slug, title, role) in &view.memberships {
                            li { a href=(paths::forum(slug)) { (title) } " — " (t(lang, &format!("members.role_{role}"))) }
                        }
                    }
                }
            }
        },
    )
}

pub fn unfollow(ctx: &Ctx, token: &str, thread_title: &str, done: bool) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "follow.stop_title"),
        html! {
            h1 { (t(lang, "follow.stop_title")) }
            @if done {
                p.notice role="status" { (tf(lang, "follow.stopped", &[("thread", thread_title)])) }
            } @else {
                p { (tf(lang, "follow.stop_question", &[("thread", thread_title)])) }
                form method="post" action=(paths::stop_following(token)) {
                    (csrf_field(ctx))
                    button type="submit" { (t(lang, "follow.stop_button")) }
                }
            }
        },
    )
}

pub fn first_run_setup(
    ctx: &Ctx,
    token: &str,
    email: &str,
    display_name: &str,
    errors: &FormErrors,
) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "auth.setup_title"),
        html! {
            h1 { (t(lang, "auth.setup_title")) }
            p { (t(lang, "auth.setup_intro")) }
            (error_summary(ctx, errors))
            form method="post" action=(paths::admin_setup(token)) {
                (csrf_field(ctx))
                (text_input(ctx, errors, "email", &t(lang, "auth.email"), email, "email", 254))
                (text_input(ctx, errors, "display_name", &t(lang, "profile.display_name"), display_name, "text", 80))
                (new_password_input(ctx, errors))
                button type="submit" { (t(lang, "auth.setup_submit")) }
            }
        },
    )
}
