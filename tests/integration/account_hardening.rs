//! Accounts under attack (issue 10): guessing never locks the owner out, password hashing is
//! bounded, reset links work once and only while they are the newest, reset mail is limited,
//! weak passwords are refused, sessions are renewed and ended when a password changes, and the
//! owner hears of every change.

use std::{net::IpAddr, time::Duration};

use fora::config::{PasswordHashing, RateLimits};

use crate::support::{Client, Mail, Options, PASSWORD, Response, TestApp};

const RESET_SUBJECT: &str = "Choose a new Fora password";
const CHANGED_SUBJECT: &str = "Your Fora password was changed";

crate::on_both_databases!(
    reset_links_work_once_only_while_newest_and_never_after_a_password_change,
    reset_mail_is_limited_to_three_an_hour_with_the_same_answer,
    weak_passwords_are_refused_everywhere_with_the_rule_beside_the_field,
    a_reset_signs_nobody_in_and_ends_every_session,
    changing_the_password_renews_the_session_and_ends_the_others,
    the_owner_is_told_of_every_password_change,
);

crate::on_both_databases!(
    options = few_free_attempts;
    guessing_never_stops_the_owner_elsewhere_nor_a_reset,
);

crate::on_both_databases!(
    options = one_hashing_slot;
    a_login_flood_waits_for_hashing_slots_and_overflow_gets_a_clear_503,
);

crate::on_both_databases!(
    options = behind_https;
    the_session_cookie_has_the_host_prefix_behind_https,
);

fn few_free_attempts() -> Options {
    Options {
        limits: RateLimits {
            per_account: 3,
            per_address: 1000,
        },
        ..Default::default()
    }
}

fn one_hashing_slot() -> Options {
    Options {
        password_hashing: PasswordHashing {
            concurrency: 1,
            wait: Duration::from_secs(1),
        },
        ..Default::default()
    }
}

fn behind_https() -> Options {
    Options {
        base_url: Some("https://fora.example.org".into()),
        ..Default::default()
    }
}

fn address(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

async fn sign_in(client: &Client, email: &str, password: &str) -> Response {
    client
        .post("/login", &[("email", email), ("password", password)])
        .await
}

async fn ask_for_reset(client: &Client, email: &str) -> Response {
    client.post("/password/forgot", &[("email", email)]).await
}

/// Mail to `to` with `subject`, waiting up to 5 s for at least `count`.
async fn mails_about(app: &TestApp, to: &str, subject: &str, count: usize) -> Vec<Mail> {
    for _ in 0..100 {
        let mails: Vec<Mail> = app
            .mails(0)
            .await
            .into_iter()
            .filter(|m| m.to == to && m.subject == subject)
            .collect();
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {count} mails to {to} about {subject:?}");
}

/// Background mail has had time to go out.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("fora_session="))
        .map(str::to_string)
}

// -------------------------------------------------------------------------------------------
// Item 2: guessing slows the guesser, never the owner.

async fn guessing_never_stops_the_owner_elsewhere_nor_a_reset(app: TestApp) {
    let owner = app.user("owner@example.org", "Owner").await;
    let guesser = Client::from_address(&app.base, address(2));
    guesser.token().await;
    // Sent at once, so none of the waits can run out in between.
    let guesses = futures::future::join_all(
        (0..6).map(|_| sign_in(&guesser, &owner.email, "not the password")),
    )
    .await;
    let statuses: Vec<u16> = guesses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        3,
        "{statuses:?}"
    );
    let slowed = guesses.iter().find(|r| r.status == 429).expect("a 429");
    let wait: u64 = slowed.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    // The owner, elsewhere, signs in at once, however many guesses there were.
    let elsewhere = Client::from_address(&app.base, address(3));
    sign_in(&elsewhere, &owner.email, PASSWORD)
        .await
        .assert_status(303);
    elsewhere.get("/profile").await.assert_status(200);

    // A reset is never blocked by sign-in attempts, not even from the guessing address.
    ask_for_reset(&guesser, &owner.email)
        .await
        .assert_status(200);
    mails_about(&app, &owner.email, RESET_SUBJECT, 1).await;

    // A delay is a delay, not a lock: once it has passed, the guesser may try once more.
    tokio::time::sleep(Duration::from_millis(wait * 1000 + 200)).await;
    sign_in(&guesser, &owner.email, "not the password either")
        .await
        .assert_status(401);
}

// -------------------------------------------------------------------------------------------
// Item 3: argon2 work is bounded.

async fn a_login_flood_waits_for_hashing_slots_and_overflow_gets_a_clear_503(app: TestApp) {
    app.user("member@example.org", "Member").await;
    // Sixteen hashes one at a time take well over the second allowed to wait (a debug-build
    // argon2 run takes 100 ms at the very least).
    let flood: Vec<Client> = (0..16).map(|_| app.client()).collect();
    for client in &flood {
        client.token().await;
    }
    let answers = futures::future::join_all(flood.iter().enumerate().map(|(i, c)| async move {
        sign_in(c, &format!("nobody{i}@example.org"), "wrong password!").await
    }))
    .await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 503),
        "{statuses:?}"
    );
    assert!(statuses.contains(&401), "{statuses:?}");
    let busy = answers
        .iter()
        .find(|r| r.status == 503)
        .unwrap_or_else(|| panic!("one slot for 16 hashes: some must wait too long: {statuses:?}"));
    assert!(busy.body.contains("busy"), "{}", busy.body);
    assert_eq!(busy.headers["retry-after"], "5");
    // Once the flood is over, signing in works again at once.
    let member = app.client();
    sign_in(&member, "member@example.org", PASSWORD)
        .await
        .assert_status(303);
}

// -------------------------------------------------------------------------------------------
// Item 4: reset links.

async fn reset_links_work_once_only_while_newest_and_never_after_a_password_change(app: TestApp) {
    let user = app.user("member@example.org", "Member").await;
    let visitor = app.client();
    ask_for_reset(&visitor, &user.email)
        .await
        .assert_status(200);
    let first = mails_about(&app, &user.email, RESET_SUBJECT, 1).await[0].link("/password/reset/");
    ask_for_reset(&visitor, &user.email)
        .await
        .assert_status(200);
    let second = mails_about(&app, &user.email, RESET_SUBJECT, 2).await;
    let second = second
        .iter()
        .map(|m| m.link("/password/reset/"))
        .find(|l| *l != first)
        .expect("a second link");

    // Only the newest link works.
    let replaced = visitor.get(&first).await;
    replaced.assert_status(410);
    assert!(
        replaced.body.contains("a newer link was sent"),
        "{}",
        replaced.body
    );
    visitor
        .post(&first, &[("password", "an older link's password")])
        .await
        .assert_status(410);

    // It works once.
    visitor.get(&second).await.assert_status(200);
    visitor
        .post(&second, &[("password", "my brand new password")])
        .await
        .assert_status(303);
    visitor.get(&second).await.assert_status(410);
    // (Using the link ended the visitor's session: a fresh form token first.)
    visitor.get("/password/forgot").await;
    visitor
        .post(&second, &[("password", "yet another password")])
        .await
        .assert_status(410);
    let member = app.client();
    sign_in(&member, &user.email, "my brand new password")
        .await
        .assert_status(303);

    // A link sent before the password changed stops working when it changes.
    ask_for_reset(&visitor, &user.email)
        .await
        .assert_status(200);
    let third = mails_about(&app, &user.email, RESET_SUBJECT, 3)
        .await
        .iter()
        .map(|m| m.link("/password/reset/"))
        .find(|l| *l != first && *l != second)
        .expect("a third link");
    member.get("/profile").await.assert_status(200);
    member
        .post(
            "/profile/password",
            &[
                ("current_password", "my brand new password"),
                ("password", "changed from the profile"),
            ],
        )
        .await
        .assert_status(303);
    let stale = visitor.get(&third).await;
    stale.assert_status(410);
    assert!(stale.body.contains("the password has been changed"));
    sign_in(&app.client(), &user.email, "changed from the profile")
        .await
        .assert_status(303);
}

// -------------------------------------------------------------------------------------------
// Item 5: reset mail storm.

async fn reset_mail_is_limited_to_three_an_hour_with_the_same_answer(app: TestApp) {
    let user = app.user("member@example.org", "Member").await;
    let visitor = app.client();
    let strip = |r: &Response, email: &str| {
        let csrf = crate::support::extract_csrf(&r.body).unwrap_or_default();
        (
            r.status,
            r.body.replace(email, "EMAIL").replace(&csrf, "TOKEN"),
        )
    };
    let unknown = strip(
        &ask_for_reset(&visitor, "nobody@example.org").await,
        "nobody@example.org",
    );
    for attempt in 0..6 {
        let known = ask_for_reset(&visitor, &user.email).await;
        assert_eq!(strip(&known, &user.email), unknown, "request {attempt}");
    }
    mails_about(&app, &user.email, RESET_SUBJECT, 3).await;
    // Counted in the database: another instance (or a restart) does not start afresh.
    let other = app.second_instance().await;
    let elsewhere = other.client();
    let answer = ask_for_reset(&elsewhere, &user.email).await;
    assert_eq!(strip(&answer, &user.email), unknown);
    settle().await;
    assert_eq!(app.mail_count(), 3, "three reset mails an hour, no more");
    assert_eq!(other.mail_count(), 0);
    // Every instance sends from the one outbox: stopped, the second one can no longer take
    // (and deliver into its own mailbox) the mail the rest of this test waits for.
    drop(other);
    settle().await;
    // The limit is per account: another one still gets its link.
    app.user("other@example.org", "Other").await;
    ask_for_reset(&visitor, "other@example.org")
        .await
        .assert_status(200);
    mails_about(&app, "other@example.org", RESET_SUBJECT, 1).await;
    // An hour later the account may have links again.
    app.sql("UPDATE password_tokens SET created_at = '2000-01-01 00:00:00+00:00'")
        .await;
    ask_for_reset(&visitor, &user.email)
        .await
        .assert_status(200);
    mails_about(&app, &user.email, RESET_SUBJECT, 4).await;
}

// -------------------------------------------------------------------------------------------
// Item 12: weak passwords.

fn assert_refused(page: &Response, message: &str) {
    page.assert_status(422);
    assert!(page.body.contains(message), "{}", page.body);
    // The rule is beside the field and read with it.
    assert!(page.body.contains(r#"id="password-hint""#), "{}", page.body);
    assert!(
        page.body
            .contains(r#"aria-describedby="password-hint password-error""#),
        "{}",
        page.body
    );
}

const COMMON: &str = "on the list of the most common passwords";
const EMAIL_RULE: &str = "must not contain your email address";

async fn weak_passwords_are_refused_everywhere_with_the_rule_beside_the_field(app: TestApp) {
    let user = app.user("amina.diallo@example.org", "Amina").await;
    // A reset link.
    let visitor = app.client();
    ask_for_reset(&visitor, &user.email)
        .await
        .assert_status(200);
    let link = mails_about(&app, &user.email, RESET_SUBJECT, 1).await[0].link("/password/reset/");
    let form = visitor.get(&link).await;
    assert!(form.body.contains(r#"aria-describedby="password-hint""#));
    assert!(form.body.contains("20,000 most common passwords"));
    for (password, message) in [
        ("qwertyuiop", COMMON),
        ("1234567890", COMMON),
        ("QWERTYUIOP", COMMON),
        ("amina.diallo@example.org", EMAIL_RULE),
        ("Amina.Diallo2026!", EMAIL_RULE),
        ("short", "at least 10 characters"),
    ] {
        assert_refused(
            &visitor.post(&link, &[("password", password)]).await,
            message,
        );
    }
    // The link still works after refusals.
    visitor
        .post(&link, &[("password", "a sentence nobody guesses")])
        .await
        .assert_status(303);

    // The profile.
    let member = app.client();
    sign_in(&member, &user.email, "a sentence nobody guesses")
        .await
        .assert_status(303);
    member.get("/profile").await.assert_status(200);
    for (password, message) in [
        ("iloveyou12", COMMON),
        ("amina.diallo@example.org", EMAIL_RULE),
    ] {
        assert_refused(
            &member
                .post(
                    "/profile/password",
                    &[
                        ("current_password", "a sentence nobody guesses"),
                        ("password", password),
                    ],
                )
                .await,
            message,
        );
    }

    // An invitation to a new address.
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "kofi@example.org"), ("role", "member")],
        )
        .await
        .assert_status(303);
    let invitation = app.mails_to("kofi@example.org", 1).await.remove(0);
    let link = invitation.link("/invitations/");
    let guest = app.client();
    guest.get(&link).await.assert_status(200);
    for (password, message) in [
        ("basketball", COMMON),
        ("kofi@example.org", EMAIL_RULE),
        ("I am kofi here", EMAIL_RULE),
    ] {
        let page = guest
            .post(&link, &[("display_name", "Kofi"), ("password", password)])
            .await;
        assert_refused(&page, message);
        assert!(
            page.body.contains(r#"value="Kofi""#),
            "the name typed is kept"
        );
    }
    guest
        .post(
            &link,
            &[
                ("display_name", "Kofi"),
                ("password", "a sentence nobody guesses"),
            ],
        )
        .await
        .assert_status(303);
}

// -------------------------------------------------------------------------------------------
// Item 13: sessions.

async fn the_session_cookie_has_the_host_prefix_behind_https(app: TestApp) {
    let page = app.client().get("/login").await;
    let cookie = session_cookie(&page).expect("a session cookie");
    assert!(cookie.starts_with("__Host-fora_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
}

async fn a_reset_signs_nobody_in_and_ends_every_session(app: TestApp) {
    let user = app.user("member@example.org", "Member").await;
    let phone = app.login(&user.email).await;
    let laptop = app.login(&user.email).await;
    // The link is opened in a browser that is itself signed in to the account.
    ask_for_reset(&laptop, &user.email).await.assert_status(200);
    let link = mails_about(&app, &user.email, RESET_SUBJECT, 1).await[0].link("/password/reset/");
    laptop.get(&link).await.assert_status(200);
    let saved = laptop
        .post(&link, &[("password", "my brand new password")])
        .await;
    saved.assert_status(303);
    assert_eq!(saved.location.as_deref(), Some("/login"));
    laptop.get("/profile").await.assert_status(303);
    phone.get("/profile").await.assert_status(303);
    let login = laptop.get("/login").await;
    login.assert_status(200);
    assert!(
        login
            .body
            .contains("every session of your account has been signed out")
    );
    sign_in(&laptop, &user.email, "my brand new password")
        .await
        .assert_status(303);
    laptop.get("/profile").await.assert_status(200);
}

async fn changing_the_password_renews_the_session_and_ends_the_others(app: TestApp) {
    let user = app.user("member@example.org", "Member").await;
    let phone = app.login(&user.email).await;
    let laptop = app.login(&user.email).await;
    let old_cookie = laptop.cookie_header();
    let changed = laptop
        .post(
            "/profile/password",
            &[
                ("current_password", PASSWORD),
                ("password", "my brand new password"),
            ],
        )
        .await;
    changed.assert_status(303);
    let renewed = session_cookie(&changed).expect("a new session cookie");
    assert!(
        !old_cookie.contains(renewed.split(';').next().unwrap_or_default()),
        "the session id must change: {old_cookie} vs {renewed}"
    );
    let page = laptop.get("/profile").await;
    page.assert_status(200);
    assert!(page.body.contains("Your password is saved"));
    phone.get("/profile").await.assert_status(303);
    // Whoever copied the old cookie has nothing.
    let copied = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/profile", app.base))
        .header("cookie", old_cookie)
        .send()
        .await
        .expect("GET");
    assert_eq!(copied.status(), 303);
}

// -------------------------------------------------------------------------------------------
// Item 16: the owner hears of every change.

async fn the_owner_is_told_of_every_password_change(app: TestApp) {
    let name = "[CLICK](https://evil.example)";
    let user = app.user("member@example.org", name).await;
    let member = app.login(&user.email).await;
    // A wrong current password changes nothing and tells nobody.
    member
        .post(
            "/profile/password",
            &[
                ("current_password", "not my password"),
                ("password", "my brand new password"),
            ],
        )
        .await
        .assert_status(422);
    member
        .post(
            "/profile/password",
            &[
                ("current_password", PASSWORD),
                ("password", "my brand new password"),
            ],
        )
        .await
        .assert_status(303);
    let mail = mails_about(&app, &user.email, CHANGED_SUBJECT, 1)
        .await
        .remove(0);
    assert!(!mail.subject.contains("CLICK"));
    // The moment is written out in the reader's language: "1 December 2026 at 14:00 UTC".
    let when = regex::Regex::new(r"was changed on \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2} UTC\.")
        .expect("regex");
    assert!(when.is_match(&mail.text), "{}", mail.text);
    assert!(
        mail.text.contains("If you did not change it"),
        "{}",
        mail.text
    );
    assert!(mail.link("/password/forgot").ends_with("/password/forgot"));

    // A reset is a change too.
    let visitor = app.client();
    ask_for_reset(&visitor, &user.email)
        .await
        .assert_status(200);
    let link = mails_about(&app, &user.email, RESET_SUBJECT, 1).await[0].link("/password/reset/");
    visitor
        .post(&link, &[("password", "reset from the link")])
        .await
        .assert_status(303);
    mails_about(&app, &user.email, CHANGED_SUBJECT, 2).await;
    settle().await;
    let all = app.mails(0).await;
    assert_eq!(all.len(), 3, "two notices and one reset link");
}
