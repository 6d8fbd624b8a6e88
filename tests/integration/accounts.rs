//! Sign-in, invitations, password reset, sessions.

use std::time::Duration;

use crate::support::{Backend, Client, Options, PASSWORD, TestApp};
use fora::config::RateLimits;

crate::on_both_databases!(
    invitation_flow_from_email_to_forum,
    invitation_tokens_used_expired_or_altered_get_clear_pages,
    invitation_form_keeps_what_was_typed,
    inviting_an_existing_user_sends_an_invitation_to_accept,
    login_answers_do_not_reveal_known_addresses,
    session_is_renewed_at_login_and_ended_at_logout,
    password_reset_ends_other_sessions,
    reset_request_answer_is_identical_for_unknown_addresses,
    sign_out_everywhere_ends_other_sessions,
    disabling_a_user_ends_their_sessions_at_once,
    csrf_token_is_required_and_bound_to_the_session,
    first_run_setup_creates_the_admin_once,
    profile_stores_language_and_notification_choice,
    unicode_display_names_round_trip,
    a_first_password_comes_with_the_name_others_see,
);

async fn invitation_flow_from_email_to_forum(app: TestApp) {
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "new.person@example.org"), ("role", "member")],
        )
        .await
        .assert_status(303);
    let page = moderator
        .get(&format!("/forums/{}/members", forum.slug))
        .await;
    assert!(page.body.contains("1 invitation sent."), "{}", page.body);
    let mail = app.mails_to("new.person@example.org", 1).await.remove(0);
    assert!(mail.subject.contains("Forum agri"));
    let link = mail.link("/invitations/");
    let visitor = app.client();
    let form = visitor.get(&link).await;
    form.assert_status(200);
    assert!(form.body.contains("new.person@example.org"));
    let accepted = visitor
        .post(
            &link,
            &[
                ("display_name", "Nouvelle Personne"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    accepted.assert_status(303);
    assert_eq!(accepted.location.as_deref(), Some("/forums/agri"));
    let forum_page = visitor.get("/forums/agri").await;
    forum_page.assert_status(200);
    assert!(forum_page.body.contains("Nouvelle Personne"));
    // The same person can sign in again with the password they chose.
    let again = app.client();
    again
        .post(
            "/login",
            &[
                ("email", "NEW.person@example.org"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(303);
}

async fn invitation_tokens_used_expired_or_altered_get_clear_pages(app: TestApp) {
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    for email in ["one@example.org", "two@example.org"] {
        moderator
            .post(
                &format!("/forums/{}/members", forum.slug),
                &[("emails", email)],
            )
            .await
            .assert_status(303);
    }
    let first = app
        .mails_to("one@example.org", 1)
        .await
        .remove(0)
        .link("/invitations/");
    let second = app
        .mails_to("two@example.org", 1)
        .await
        .remove(0)
        .link("/invitations/");
    let visitor = app.client();
    visitor.get(&first).await.assert_status(200);
    visitor
        .post(
            &first,
            &[
                ("display_name", "One"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(303);
    let reused = app.client();
    let page = reused.get(&first).await;
    page.assert_status(410);
    assert!(page.body.contains("already been used"));
    let page = reused
        .post(
            &first,
            &[
                ("display_name", "Thief"),
                ("password", "another long password"),
            ],
        )
        .await;
    page.assert_status(410);

    // Altered: one character changed, truncated, or garbage.
    let altered = format!(
        "{}{}",
        &second[..second.len() - 1],
        if second.ends_with('A') { 'B' } else { 'A' }
    );
    for bad in [
        altered.as_str(),
        &second[..second.len() - 5],
        "/invitations/'%20OR%201=1--",
        "/invitations/%E2%80%AE",
    ] {
        let page = reused.get(bad).await;
        assert_eq!(page.status, 404, "{bad}");
        assert!(page.body.contains("not valid"), "{bad}: {}", page.body);
    }
    // A control character and not even UTF-8: refused before any lookup, with a page.
    let page = reused.get("/invitations/%00%ff").await;
    page.assert_status(400);
    assert!(page.body.contains("invisible control characters"));

    app.sql(
        "UPDATE invitations SET expires_at = '2000-01-01 00:00:00+00:00' WHERE accepted_at IS NULL",
    )
    .await;
    let page = reused.get(&second).await;
    page.assert_status(410);
    assert!(page.body.contains("expired"));
}

async fn invitation_form_keeps_what_was_typed(app: TestApp) {
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "x@example.org")],
        )
        .await;
    let link = app
        .mails_to("x@example.org", 1)
        .await
        .remove(0)
        .link("/invitations/");
    let visitor = app.client();
    visitor.get(&link).await;
    let page = visitor
        .post(
            &link,
            &[("display_name", "  Ana María 🌱  "), ("password", "short")],
        )
        .await;
    page.assert_status(422);
    assert!(page.body.contains("at least 10 characters"));
    assert!(page.body.contains("Ana María 🌱"));
    let page = visitor
        .post(
            &link,
            &[
                ("display_name", "   "),
                ("password", "a long enough password"),
            ],
        )
        .await;
    page.assert_status(422);
    assert!(page.body.contains("This field is required"));
    // Still usable after the failed attempts.
    visitor
        .post(
            &link,
            &[
                ("display_name", "Ana María 🌱"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(303);
}

/// An existing account gets an invitation like anyone else and joins only by accepting it.
async fn inviting_an_existing_user_sends_an_invitation_to_accept(app: TestApp) {
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    let known = app.user("known@example.org", "Known Person").await;
    let known_client = app.login(&known.email).await;
    known_client.get("/forums/agri").await.assert_status(404);
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[(
                "emails",
                "Known@Example.org, fresh@example.org\nbad-address",
            )],
        )
        .await
        .assert_status(422);
    assert_eq!(
        app.mail_count(),
        0,
        "nothing is sent when the list has a bad address"
    );
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "Known@Example.org, fresh@example.org")],
        )
        .await
        .assert_status(303);
    let invitation = app.mails_to("known@example.org", 1).await.remove(0);
    let fresh = app.mails_to("fresh@example.org", 1).await.remove(0);
    assert_eq!(invitation.subject, fresh.subject);
    known_client.get("/forums/agri").await.assert_status(404);
    let link = invitation.link("/invitations/");
    known_client.get(&link).await.assert_status(200);
    known_client.post(&link, &[]).await.assert_status(303);
    known_client.get("/forums/agri").await.assert_status(200);
}

async fn login_answers_do_not_reveal_known_addresses(app: TestApp) {
    app.user("member@example.org", "Member").await;
    let client = app.client();
    let wrong_password = client
        .post(
            "/login",
            &[
                ("email", "member@example.org"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    let unknown = client
        .post(
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(unknown.status, 401);
    let strip = |body: &str, email: &str| {
        body.replace(email, "EMAIL").replace(
            &crate::support::extract_csrf(body).unwrap_or_default(),
            "TOKEN",
        )
    };
    assert_eq!(
        strip(&wrong_password.body, "member@example.org"),
        strip(&unknown.body, "nobody@example.org")
    );

    // Timing: both paths run one argon2 verification. Compare medians of a few attempts.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..5 {
        let start = std::time::Instant::now();
        client
            .post(
                "/login",
                &[
                    ("email", "member@example.org"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        known.push(start.elapsed());
        let start = std::time::Instant::now();
        client
            .post(
                "/login",
                &[
                    ("email", "nobody@example.org"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        unknown.push(start.elapsed());
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[2].as_secs_f64(), unknown[2].as_secs_f64());
    assert!(
        u > k * 0.5 && u < k * 2.0,
        "known {k:.3}s vs unknown {u:.3}s"
    );
}

async fn session_is_renewed_at_login_and_ended_at_logout(app: TestApp) {
    app.user("member@example.org", "Member").await;
    let client = app.client();
    let before = client.get("/login").await;
    let before_cookie = before
        .headers
        .get("set-cookie")
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let signed = client
        .post(
            "/login",
            &[("email", "member@example.org"), ("password", PASSWORD)],
        )
        .await;
    signed.assert_status(303);
    let after_cookie = signed
        .headers
        .get("set-cookie")
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let id = |c: &str| c.split(';').next().unwrap_or("").to_string();
    assert!(!after_cookie.is_empty());
    assert_ne!(
        id(&before_cookie),
        id(&after_cookie),
        "session id must change at login"
    );
    assert!(after_cookie.contains("HttpOnly") && after_cookie.contains("SameSite=Lax"));
    client.get("/profile").await.assert_status(200);
    client.post("/logout", &[]).await.assert_status(303);
    let page = client.get("/profile").await;
    page.assert_status(303);
    assert_eq!(page.location.as_deref(), Some("/login?next=%2Fprofile"));
}

async fn password_reset_ends_other_sessions(app: TestApp) {
    let user = app.user("member@example.org", "Member").await;
    let other_device = app.login(&user.email).await;
    other_device.get("/profile").await.assert_status(200);
    let client = app.client();
    client.get("/password/forgot").await;
    client
        .post("/password/forgot", &[("email", "Member@Example.org")])
        .await
        .assert_status(200);
    let link = app
        .mails_to("member@example.org", 1)
        .await
        .remove(0)
        .link("/password/reset/");
    client.get(&link).await.assert_status(200);
    let short = client.post(&link, &[("password", "short")]).await;
    short.assert_status(422);
    let saved = client
        .post(&link, &[("password", "my brand new password")])
        .await;
    saved.assert_status(303);
    assert_eq!(saved.location.as_deref(), Some("/login"));
    // The link does not sign anyone in: the person signs in with the new password.
    client.get("/profile").await.assert_status(303);
    let login = client.get("/login").await;
    assert!(
        login.body.contains("Sign in with your new password"),
        "{}",
        login.body
    );
    other_device.get("/profile").await.assert_status(303);
    client.get(&link).await.assert_status(410);
    let fresh = app.client();
    fresh
        .post(
            "/login",
            &[("email", "member@example.org"), ("password", PASSWORD)],
        )
        .await
        .assert_status(401);
    fresh
        .post(
            "/login",
            &[
                ("email", "member@example.org"),
                ("password", "my brand new password"),
            ],
        )
        .await
        .assert_status(303);
}

async fn reset_request_answer_is_identical_for_unknown_addresses(app: TestApp) {
    app.user("member@example.org", "Member").await;
    let client = app.client();
    let known = client
        .post("/password/forgot", &[("email", "member@example.org")])
        .await;
    let unknown = client
        .post("/password/forgot", &[("email", "nobody@example.org")])
        .await;
    assert_eq!(known.status, unknown.status);
    let strip = |body: &str, email: &str| body.replace(email, "EMAIL");
    assert_eq!(
        strip(&known.body, "member@example.org"),
        strip(&unknown.body, "nobody@example.org")
    );
    app.mails(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.mail_count(), 1, "only the known address gets mail");
    for bad in [
        "",
        "not-an-address",
        "a@b\r\nBcc: x@example.org",
        &format!("{}@example.org", "x".repeat(300)),
    ] {
        let page = client.post("/password/forgot", &[("email", bad)]).await;
        assert_eq!(page.status, 422, "{bad:?}");
    }
    let link = app
        .mails_to("member@example.org", 1)
        .await
        .remove(0)
        .link("/password/reset/");
    app.sql("UPDATE password_tokens SET expires_at = '2000-01-01 00:00:00+00:00'")
        .await;
    let expired = client.get(&link).await;
    expired.assert_status(410);
    assert!(expired.body.contains("expired"));
    client
        .post(&link, &[("password", "a long enough password")])
        .await
        .assert_status(410);
    let bad_token = client.get("/password/reset/not-a-token").await;
    bad_token.assert_status(404);
    assert!(bad_token.body.contains("not valid"));
}

async fn sign_out_everywhere_ends_other_sessions(app: TestApp) {
    let user = app.user("member@example.org", "Member").await;
    let phone = app.login(&user.email).await;
    let laptop = app.login(&user.email).await;
    laptop.get("/profile").await;
    laptop
        .post("/profile/sign-out-everywhere", &[])
        .await
        .assert_status(303);
    let page = laptop.get("/profile").await;
    page.assert_status(200);
    assert!(
        page.body
            .contains("All your other sessions have been signed out.")
    );
    phone.get("/profile").await.assert_status(303);
}

async fn disabling_a_user_ends_their_sessions_at_once(app: TestApp) {
    let admin_user = app.admin().await;
    let admin = app.login(&admin_user.email).await;
    let user = app.user("member@example.org", "Member").await;
    let client = app.login(&user.email).await;
    client.get("/profile").await.assert_status(200);
    admin.get("/admin/users").await.assert_status(200);
    // The button asks first, naming whom and what follows; nothing changes yet.
    let question = admin
        .post(&format!("/admin/users/{}/disable", user.id), &[])
        .await;
    question.assert_status(200);
    assert!(
        question
            .body
            .contains("Disable the account of Member &lt;member@example.org&gt;?"),
        "{}",
        question.body
    );
    assert!(question.body.contains("name=\"confirmed\" value=\"yes\""));
    assert!(
        question
            .body
            .contains(&format!("href=\"/admin/users?user={0}#user-{0}\"", user.id)),
        "a way back to the person's row"
    );
    client.get("/profile").await.assert_status(200);
    admin
        .post(
            &format!("/admin/users/{}/disable", user.id),
            &[("confirmed", "yes")],
        )
        .await
        .assert_status(303);
    client.get("/profile").await.assert_status(303);
    // Disabling oneself is refused in words, not as an unreadable form.
    let own = admin
        .post(
            &format!("/admin/users/{}/disable", admin_user.id),
            &[("confirmed", "yes")],
        )
        .await;
    own.assert_status(409);
    assert!(
        own.body.contains("You cannot disable your own account"),
        "{}",
        own.body
    );
    let again = app.client();
    again
        .post(
            "/login",
            &[("email", "member@example.org"), ("password", PASSWORD)],
        )
        .await
        .assert_status(401);
    // Non-admins never see the admin pages.
    let page = app
        .login(&app.user("other@example.org", "Other").await.email)
        .await
        .get("/admin/users")
        .await;
    page.assert_status(404);
}

async fn csrf_token_is_required_and_bound_to_the_session(app: TestApp) {
    let (forum, _, member) = app.with_forum("agri", "post").await;
    let path = format!("/forums/{}/new", forum.slug);
    member.get(&path).await;
    let missing = member
        .post_raw(&path, &[("title", "Hello"), ("body", "World")])
        .await;
    missing.assert_status(403);
    let wrong = member
        .post_raw(
            &path,
            &[
                ("title", "Hello"),
                ("body", "World"),
                ("csrf_token", "forged-token-value"),
            ],
        )
        .await;
    wrong.assert_status(403);
    let empty = member
        .post_raw(
            &path,
            &[("title", "Hello"), ("body", "World"), ("csrf_token", "")],
        )
        .await;
    empty.assert_status(403);
    let other = app.client();
    let others_token = other.token().await;
    let stolen = member
        .post_raw(
            &path,
            &[
                ("title", "Hello"),
                ("body", "World"),
                ("csrf_token", &others_token),
            ],
        )
        .await;
    stolen.assert_status(403);
    // A login form posted from another site (no session cookie) is refused too.
    let fresh = Client::new(&app.base);
    fresh
        .post_raw(
            "/login",
            &[
                ("email", "x@example.org"),
                ("password", "x"),
                ("csrf_token", "x"),
            ],
        )
        .await
        .assert_status(403);
    member
        .post(&path, &[("title", "Hello"), ("body", "World")])
        .await
        .assert_status(303);
}

async fn first_run_setup_creates_the_admin_once(app: TestApp) {
    let link = fora::accounts::setup::prepare_first_run(&app.state)
        .await
        .expect("setup")
        .expect("link on empty db");
    let client = app.client();
    client.get(&link).await.assert_status(200);
    let page = client
        .post(
            &link,
            &[
                ("email", "boss@example.org"),
                ("display_name", "Boss"),
                ("password", "short"),
            ],
        )
        .await;
    page.assert_status(422);
    assert!(page.body.contains("boss@example.org"));
    client
        .post(
            &link,
            &[
                ("email", "boss@example.org"),
                ("display_name", "Boss"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(303);
    client.get("/admin").await.assert_status(200);
    app.client().get(&link).await.assert_status(404);
    assert!(
        fora::accounts::setup::prepare_first_run(&app.state)
            .await
            .expect("setup")
            .is_none()
    );
}

async fn profile_stores_language_and_notification_choice(app: TestApp) {
    let user = app.user("member@example.org", "Member").await;
    let client = app.login(&user.email).await;
    client.get("/profile").await;
    client
        .post(
            "/profile",
            &[
                ("display_name", "Membre"),
                ("locale", "fr"),
                ("notify_mode", "daily"),
            ],
        )
        .await
        .assert_status(303);
    let page = client.get("/profile").await;
    assert!(
        page.body.contains("<html lang=\"fr\""),
        "language is stored and used"
    );
    assert!(page.body.contains("value=\"daily\" selected"));
    client
        .post(
            "/profile",
            &[
                ("display_name", "Membre"),
                ("locale", "fr"),
                ("notify_mode", "hourly"),
            ],
        )
        .await
        .assert_status(400);
    let page = client
        .post(
            "/profile",
            &[
                ("display_name", ""),
                ("locale", "fr"),
                ("notify_mode", "daily"),
            ],
        )
        .await;
    page.assert_status(422);
}

async fn unicode_display_names_round_trip(app: TestApp) {
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "rtl@example.org")],
        )
        .await;
    let link = app
        .mails_to("rtl@example.org", 1)
        .await
        .remove(0)
        .link("/invitations/");
    let visitor = app.client();
    visitor.get(&link).await;
    let name = "مريم العلي 👩🏽‍🌾";
    visitor
        .post(
            &link,
            &[
                ("display_name", name),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(303);
    let page = visitor.get("/profile").await;
    assert!(page.body.contains(name));
}

/// Sign-in attempts from one client address: a flood at one account is slowed (past the free
/// attempts, each one has to wait), and all accounts together run into the per-address limit.
/// The requests are sent at once, so that no delay runs out between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited() {
    let app = TestApp::start(
        Backend::Sqlite,
        Options {
            limits: RateLimits {
                per_account: 3,
                per_address: 9,
            },
            ..Default::default()
        },
    )
    .await;
    app.user("member@example.org", "Member").await;
    let client = app.client();
    client.token().await;
    let attempt = |email: String| {
        let client = &client;
        async move {
            client
                .post(
                    "/login",
                    &[("email", &email), ("password", "wrong password!")],
                )
                .await
        }
    };
    let flood =
        futures::future::join_all((0..5).map(|_| attempt("member@example.org".to_string()))).await;
    let count = |answers: &[crate::support::Response], status: u16| {
        answers.iter().filter(|r| r.status == status).count()
    };
    assert_eq!((count(&flood, 401), count(&flood, 429)), (3, 2));
    let limited = flood.iter().find(|r| r.status == 429).expect("a 429");
    assert!(limited.body.contains("Too many attempts"));
    assert!(limited.headers.contains_key("retry-after"));
    // Four attempts are left for this address this minute, whichever the accounts.
    let spread =
        futures::future::join_all((0..6).map(|i| attempt(format!("user{i}@example.org")))).await;
    assert!(
        count(&spread, 401) >= 4,
        "{:?}",
        spread.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(count(&spread, 429) >= 1);
}

/// An administrator made from the command line has a name guessed from the address; the
/// link that sets the first password asks for the real one. Later resets do not.
async fn a_first_password_comes_with_the_name_others_see(app: TestApp) {
    use fora::accounts::service;
    let user = service::create_user(
        app.db(),
        "rita.reviewer@example.org",
        "rita.reviewer",
        None,
        true,
    )
    .await
    .expect("admin");
    let token = service::create_password_token(app.db(), user.id, "setup", service::SETUP_LIFETIME)
        .await
        .expect("token");
    let path = format!("/password/reset/{token}");
    let client = app.client();
    let form = client.get(&path).await;
    form.assert_status(200);
    assert!(form.body.contains("name=\"display_name\""), "{}", form.body);
    assert!(
        form.body.contains("value=\"rita.reviewer\""),
        "the guess, to correct"
    );

    for bad in ["", "   ", &"x".repeat(81)] {
        let refused = client
            .post(&path, &[("display_name", bad), ("password", PASSWORD)])
            .await;
        refused.assert_status(422);
        assert!(refused.body.contains("name=\"display_name\""));
    }
    let weak = client
        .post(
            &path,
            &[("display_name", "Rita Reviewer"), ("password", "password")],
        )
        .await;
    weak.assert_status(422);
    assert!(
        weak.body.contains("value=\"Rita Reviewer\""),
        "what was typed stays"
    );

    client
        .post(
            &path,
            &[("display_name", "  Rita Reviewer "), ("password", PASSWORD)],
        )
        .await
        .assert_status(303);
    let stored = service::find_by_email(app.db(), "rita.reviewer@example.org")
        .await
        .expect("db")
        .expect("user");
    assert_eq!(stored.display_name, "Rita Reviewer");
    let signed_in = app.login("rita.reviewer@example.org").await;
    assert!(
        signed_in
            .get("/profile")
            .await
            .body
            .contains("Rita Reviewer")
    );

    // A reset of an account that has a password asks for the password only, and a name sent
    // anyway changes nothing.
    let reset = service::create_password_token(app.db(), user.id, "reset", service::RESET_LIFETIME)
        .await
        .expect("token");
    let path = format!("/password/reset/{reset}");
    let form = client.get(&path).await;
    assert!(!form.body.contains("name=\"display_name\""));
    client
        .post(
            &path,
            &[
                ("display_name", "Someone Else"),
                ("password", "another long passphrase 7"),
            ],
        )
        .await
        .assert_status(303);
    let stored = service::find_by_email(app.db(), "rita.reviewer@example.org")
        .await
        .expect("db")
        .expect("user");
    assert_eq!(stored.display_name, "Rita Reviewer");
}
