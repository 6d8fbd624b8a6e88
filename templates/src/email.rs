//! Emails: each is an HTML part (inline styles, no remote resources) and a plain-text part,
//! built from the same data.

use maud::{DOCTYPE, Markup, html};

use crate::{
    format,
    i18n::{plural, t, tf},
    mail_name,
};

pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn wrap(lang: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width"; }
            body style="margin:0;padding:16px;font-family:sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;background:#ffffff;max-width:600px" {
                (body)
                p style="color:#555;font-size:14px;margin-top:32px" { (t(lang, "email.footer")) }
            }
        }
    }
    .into_string()
}

fn button(href: &str, label: &str) -> Markup {
    html! {
        p { a href=(href) style="display:inline-block;padding:10px 16px;background:#0b5394;color:#ffffff;text-decoration:none;border-radius:4px" { (label) } }
    }
}

/// A simple message: a paragraph of text and one link.
fn simple(
    lang: &str,
    subject: String,
    intro: String,
    link: &str,
    link_label: &str,
    after: Option<String>,
) -> RenderedEmail {
    simple_with(lang, subject, intro, link, link_label, after.as_slice())
}

/// A paragraph of text, one link, and further paragraphs after it.
pub(crate) fn simple_with(
    lang: &str,
    subject: String,
    intro: String,
    link: &str,
    link_label: &str,
    after: &[String],
) -> RenderedEmail {
    let html = wrap(
        lang,
        html! {
            p { (intro) }
            (button(link, link_label))
            p style="font-size:14px;color:#555" { (t(lang, "email.link_fallback")) br; (link) }
            @for paragraph in after { p { (paragraph) } }
        },
    );
    let mut text = format!("{intro}\n\n{link_label}: {link}\n");
    for paragraph in after {
        text.push('\n');
        text.push_str(paragraph);
        text.push('\n');
    }
    text.push_str(&format!("\n-- \n{}\n", t(lang, "email.footer")));
    RenderedEmail {
        subject,
        text,
        html,
    }
}

pub fn invitation(lang: &str, forum: &str, inviter: &str, link: &str) -> RenderedEmail {
    simple(
        lang,
        tf(lang, "email.invitation_subject", &[("forum", forum)]),
        tf(
            lang,
            "email.invitation_intro",
            &[("forum", forum), ("inviter", &mail_name::quoted(inviter))],
        ),
        link,
        &t(lang, "email.invitation_button"),
        Some(t(lang, "email.invitation_expiry").into_owned()),
    )
}

/// An admin's invitation to review learnings from outside: `name` is how the admin named the
/// person, `inviter` the admin.
pub fn reviewer_invitation(lang: &str, name: &str, inviter: &str, link: &str) -> RenderedEmail {
    simple_with(
        lang,
        t(lang, "roles.mail_subject").into_owned(),
        tf(
            lang,
            "roles.mail_intro",
            &[("name", name), ("inviter", &mail_name::quoted(inviter))],
        ),
        link,
        &t(lang, "roles.mail_button"),
        &[
            t(lang, "roles.mail_what").into_owned(),
            t(lang, "roles.mail_expiry").into_owned(),
        ],
    )
}

pub fn password_reset(lang: &str, link: &str) -> RenderedEmail {
    simple(
        lang,
        t(lang, "email.reset_subject").into_owned(),
        t(lang, "email.reset_intro").into_owned(),
        link,
        &t(lang, "auth.set_password"),
        Some(t(lang, "email.reset_ignore").into_owned()),
    )
}

/// Sent to the account's address after every password change or reset. `when` is the moment
/// in ISO 8601 (UTC), written out here in the reader's language; `reset_link` leads to the page
/// that asks for a reset link.
pub fn password_changed(lang: &str, when: &str, reset_link: &str) -> RenderedEmail {
    simple(
        lang,
        t(lang, "email.password_changed_subject").into_owned(),
        tf(
            lang,
            "email.password_changed_intro",
            &[("when", &format::date_time_long(lang, when))],
        ),
        reset_link,
        &t(lang, "auth.forgot_title"),
        Some(t(lang, "email.password_changed_not_you").into_owned()),
    )
}

pub struct NotificationItem {
    pub thread_title: String,
    pub forum_title: String,
    pub author: String,
    pub excerpt: String,
    /// The post's language (`en`, `fr` or `es`): marked with `lang` and named in the message's
    /// language when it differs from it.
    pub language: String,
    pub post_link: String,
    pub stop_link: Option<String>,
    pub is_mention: bool,
}

fn item_heading(lang: &str, item: &NotificationItem) -> String {
    let key = if item.is_mention {
        "email.mention_line"
    } else {
        "email.reply_line"
    };
    let heading = tf(
        lang,
        key,
        &[
            ("author", &mail_name::quoted(&item.author)),
            ("thread", &item.thread_title),
            ("forum", &item.forum_title),
        ],
    );
    match item_language(lang, item) {
        Some(other) => format!("{heading} {}", t(lang, crate::i18n::in_language_key(other))),
        None => heading,
    }
}

/// The post's language when it is not the message's.
fn item_language<'a>(lang: &str, item: &'a NotificationItem) -> Option<&'a str> {
    (item.language != lang).then_some(item.language.as_str())
}

/// One new post (immediate mode) or several (daily summary). Subjects never hold a display
/// name; in the bodies names are quoted so that they cannot pose as links. `reply_by_mail`:
/// the message's `Reply-To` posts an answer in the thread, and the text says so.
pub fn notifications(
    lang: &str,
    items: &[NotificationItem],
    daily: bool,
    profile_link: &str,
    reply_by_mail: bool,
) -> RenderedEmail {
    let subject = match (daily, items) {
        (false, [item]) => tf(
            lang,
            if item.is_mention {
                "email.mention_subject"
            } else {
                "email.reply_subject"
            },
            &[("thread", &item.thread_title)],
        ),
        _ => plural(lang, "email.summary_subject", items.len()),
    };
    let html = wrap(
        lang,
        html! {
            @if reply_by_mail {
                p style="font-size:14px;color:#555" { (t(lang, "reply_mail.hint")) }
            }
            @for item in items {
                div style="border-left:4px solid #0b5394;padding-left:12px;margin-bottom:24px" {
                    p { strong { (item_heading(lang, item)) } }
                    p style="white-space:pre-wrap" lang=[item_language(lang, item)] { (item.excerpt) }
                    p { a href=(item.post_link) { (t(lang, "email.read_post")) } }
                    @if let Some(stop) = &item.stop_link {
                        p style="font-size:14px" { a href=(stop) { (t(lang, "email.stop_following")) } }
                    }
                }
            }
            p style="font-size:14px" { a href=(profile_link) { (t(lang, "email.change_frequency")) } }
        },
    );
    let mut text = String::new();
    if reply_by_mail {
        text.push_str(&format!("{}\n\n", t(lang, "reply_mail.hint")));
    }
    for item in items {
        text.push_str(&format!(
            "{}\n\n{}\n\n{}: {}\n",
            item_heading(lang, item),
            item.excerpt,
            t(lang, "email.read_post"),
            item.post_link
        ));
        if let Some(stop) = &item.stop_link {
            text.push_str(&format!("{}: {}\n", t(lang, "email.stop_following"), stop));
        }
        text.push_str("\n---\n\n");
    }
    text.push_str(&format!(
        "{}: {}\n",
        t(lang, "email.change_frequency"),
        profile_link
    ));
    RenderedEmail {
        subject,
        text,
        html,
    }
}

/// Why a reply by mail was not posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyRefusal {
    NotMember,
    Gone,
    Disabled,
    Locked,
    Archived,
    Empty,
    TooLong,
    WrongSender,
    /// Sent to an address the member revoked ("Stop replies from old emails").
    Revoked,
}

impl ReplyRefusal {
    pub fn key(self) -> &'static str {
        match self {
            ReplyRefusal::NotMember => "reply_mail.reason_not_member",
            ReplyRefusal::Gone => "reply_mail.reason_gone",
            ReplyRefusal::Disabled => "reply_mail.reason_disabled",
            ReplyRefusal::Locked => "reply_mail.reason_locked",
            ReplyRefusal::Archived => "reply_mail.reason_archived",
            ReplyRefusal::Empty => "reply_mail.reason_empty",
            ReplyRefusal::TooLong => "reply_mail.reason_too_long",
            ReplyRefusal::WrongSender => "reply_mail.reason_wrong_sender",
            ReplyRefusal::Revoked => "reply_mail.reason_revoked",
        }
    }

    /// Its short name, for logs and records: `locked`, `wrong_sender`, …
    pub fn name(self) -> &'static str {
        self.key()
            .split_once("reason_")
            .map_or("", |(_, name)| name)
    }
}

/// The answer to a reply by mail that was not posted: why, and, when the member may still see
/// the thread, its title and link (`thread`); otherwise neither, so that the answer tells
/// nothing about a forum the member may no longer see.
pub fn reply_refused(
    lang: &str,
    reason: ReplyRefusal,
    thread: Option<(&str, &str)>,
) -> RenderedEmail {
    let subject = t(lang, "reply_mail.refused_subject").into_owned();
    let why = t(lang, reason.key()).into_owned();
    match thread {
        Some((title, link)) => simple_with(
            lang,
            subject,
            format!(
                "{} {why}",
                tf(lang, "reply_mail.refused_intro", &[("thread", title)])
            ),
            link,
            &t(lang, "reply_mail.open_thread"),
            &[t(lang, "reply_mail.write_on_site").into_owned()],
        ),
        None => {
            let intro = format!("{} {why}", t(lang, "reply_mail.refused_intro_unknown"));
            RenderedEmail {
                subject,
                html: wrap(lang, html! { p { (intro) } }),
                text: format!("{intro}\n\n-- \n{}\n", t(lang, "email.footer")),
            }
        }
    }
}

/// The answer to a reply by mail that was posted: where it is (`post_link`), and, when the
/// forum approves posts first (`held`), that it waits for that.
pub fn reply_posted(lang: &str, thread_title: &str, post_link: &str, held: bool) -> RenderedEmail {
    let (subject, intro) = if held {
        ("reply_mail.held_subject", "reply_mail.held_intro")
    } else {
        ("reply_mail.posted_subject", "reply_mail.posted_intro")
    };
    simple_with(
        lang,
        t(lang, subject).into_owned(),
        tf(lang, intro, &[("thread", thread_title)]),
        post_link,
        &t(lang, "reply_mail.open_post"),
        &[],
    )
}

/// Double opt-in: the link confirms a newsletter subscription (it opens a page with one
/// button; mail scanners that follow it confirm nothing).
pub fn newsletter_confirm(lang: &str, link: &str) -> RenderedEmail {
    simple(
        lang,
        t(lang, "newsletter.mail_confirm_subject").into_owned(),
        t(lang, "newsletter.mail_confirm_intro").into_owned(),
        link,
        &t(lang, "newsletter.mail_confirm_button"),
        Some(t(lang, "newsletter.mail_confirm_expiry").into_owned()),
    )
}

/// Sent instead of a confirmation when the address already receives the newsletter.
pub fn newsletter_already_subscribed(
    lang: &str,
    manage_link: &str,
    unsubscribe_link: &str,
) -> RenderedEmail {
    simple(
        lang,
        t(lang, "newsletter.mail_already_subject").into_owned(),
        t(lang, "newsletter.mail_already_intro").into_owned(),
        manage_link,
        &t(lang, "newsletter.mail_already_button"),
        Some(tf(
            lang,
            "newsletter.mail_already_unsubscribe",
            &[("link", unsubscribe_link)],
        )),
    )
}
