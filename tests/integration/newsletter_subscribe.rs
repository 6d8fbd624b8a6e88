//! Subscribing to the newsletter: double opt-in through the real HTTP app and the outbox,
//! answers that do not reveal known addresses, no mail storm, bad input re-rendered, tokens
//! that work once and only for their subscriber, one-click unsubscribe (RFC 8058) that cancels
//! queued deliveries at once, and members' choices on the profile.

use std::time::Duration;

use fora::entities::states::{DeliveryStatus, Frequency, SubscriberStatus};
use fora::{
    accounts::tokens,
    admin::service::create_theme,
    db::now,
    entities::{deliveries, editions, subscribers},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Statement,
};

use crate::{
    smtp::SmtpSink,
    support::{Backend, Client, Options, TestApp},
};
use fora::config::RateLimits;

crate::on_both_databases!(
    subscribe_confirm_by_mail_then_active,
    answer_is_the_same_for_known_and_unknown_addresses,
    repeated_requests_send_one_mail_per_window,
    bad_input_is_refused_and_the_form_keeps_what_was_typed,
    unicode_domains_are_accepted_in_ascii_form,
    expired_altered_and_malformed_confirm_links_get_clear_pages,
    unsubscribe_link_get_never_unsubscribes,
    one_click_post_without_cookie_unsubscribes_with_200,
    unsubscribing_cancels_only_that_subscribers_queued_deliveries,
    tokens_only_act_on_their_own_subscriber,
    unsubscribed_people_can_subscribe_again,
    members_subscribe_manage_and_unsubscribe_on_the_profile,
    member_takes_over_an_anonymous_subscription,
);

/// Two themes; returns their ids.
async fn themes(app: &TestApp) -> (i32, i32) {
    let a = create_theme(app.db(), "agriculture", "Agriculture")
        .await
        .expect("theme");
    let b = create_theme(app.db(), "education", "Education")
        .await
        .expect("theme");
    (a.id, b.id)
}

async fn subscriber(app: &TestApp, email: &str) -> subscribers::Model {
    subscribers::Entity::find()
        .filter(subscribers::Column::Email.eq(email))
        .one(app.db())
        .await
        .expect("db")
        .unwrap_or_else(|| panic!("no subscriber {email}"))
}

async fn subscriber_count(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) AS n FROM subscribers").await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let backend = app.db().get_database_backend();
    let row = app
        .db()
        .query_one_raw(Statement::from_string(backend, sql.to_string()))
        .await
        .expect("db")
        .expect("row");
    row.try_get::<i64>("", "n").expect("count")
}

async fn theme_ids(app: &TestApp, subscriber_id: i32) -> Vec<i32> {
    let backend = app.db().get_database_backend();
    let rows = app
        .db()
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            "SELECT theme_id FROM subscriber_themes WHERE subscriber_id = $1 ORDER BY theme_id",
            [subscriber_id.into()],
        ))
        .await
        .expect("db");
    rows.iter()
        .map(|r| r.try_get::<i32>("", "theme_id").expect("theme_id"))
        .collect()
}

/// An active subscriber added behind the app's back; returns it (with its unsubscribe token).
async fn active_subscriber(app: &TestApp, email: &str, frequency: &str) -> subscribers::Model {
    crate::support::subscriber_row(email, frequency, &tokens::generate())
        .insert(app.db())
        .await
        .expect("subscriber")
}

async fn subscribe(
    client: &Client,
    email: &str,
    themes: &[i32],
    frequency: &str,
) -> crate::support::Response {
    client.get("/newsletter").await.assert_status(200);
    let themes: Vec<String> = themes.iter().map(i32::to_string).collect();
    let mut fields = vec![("email", email), ("frequency", frequency)];
    for theme in &themes {
        fields.push(("themes", theme));
    }
    client.post("/newsletter", &fields).await
}

/// Subscribes (answered 200) and returns the confirmation link of the one mail that follows.
async fn confirm_link(app: &TestApp, client: &Client, email: &str, frequency: &str) -> String {
    subscribe(client, email, &[], frequency)
        .await
        .assert_status(200);
    app.mails_to(email, 1)
        .await
        .remove(0)
        .link("/newsletter/confirm/")
}

/// Lets background work (the request after the answer, mail) finish.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

async fn subscribe_confirm_by_mail_then_active(app: TestApp) {
    let (agri, edu) = themes(&app).await;
    let visitor = app.client();
    let form = visitor.get("/newsletter").await;
    form.assert_status(200);
    for needle in [
        "name=\"csrf_token\"",
        "<label for=\"email\">",
        "name=\"themes\"",
        "Agriculture",
        "Education",
        "value=\"weekly\"",
        "value=\"monthly\"",
        "Tick none to get every theme",
    ] {
        assert!(
            form.body.contains(needle),
            "{needle} missing: {}",
            form.body
        );
    }
    let answer = subscribe(&visitor, "Reader@Example.org", &[agri, edu], "monthly").await;
    answer.assert_status(200);
    assert!(answer.body.contains("Check your inbox"), "{}", answer.body);
    let mail = app.mails_to("reader@example.org", 1).await.remove(0);
    assert!(mail.subject.contains("Confirm"), "{}", mail.subject);
    assert!(mail.text.contains("48 hours"), "{}", mail.text);
    let link = mail.link("/newsletter/confirm/");
    let token = link.rsplit('/').next().expect("token").to_string();
    let row = subscriber(&app, "reader@example.org").await;
    assert_eq!(row.status, SubscriberStatus::Pending);
    assert_eq!(row.frequency, Frequency::Monthly);
    assert_eq!(
        row.confirm_token_hash.as_deref(),
        Some(tokens::digest(&token).as_str())
    );
    assert_ne!(row.confirm_token_hash.as_deref(), Some(token.as_str()));
    assert!(row.confirm_expires_at.expect("expiry") > now() + time::Duration::hours(47));
    assert_eq!(theme_ids(&app, row.id).await, {
        let mut ids = vec![agri, edu];
        ids.sort();
        ids
    });
    // Opening the link (as a mail scanner would) confirms nothing.
    let page = visitor.get(&link).await;
    page.assert_status(200);
    assert!(page.body.contains("reader@example.org"));
    assert!(page.body.contains(">Confirm</button>"), "{}", page.body);
    assert_eq!(
        subscriber(&app, "reader@example.org").await.status,
        SubscriberStatus::Pending
    );
    // The button does, once; without a CSRF token it is refused.
    app.client().post_raw(&link, &[]).await.assert_status(403);
    let done = visitor.post(&link, &[]).await;
    done.assert_status(200);
    assert!(
        done.body.contains("Subscription confirmed"),
        "{}",
        done.body
    );
    let row = subscriber(&app, "reader@example.org").await;
    assert_eq!(row.status, SubscriberStatus::Active);
    assert!(row.confirmed_at.is_some());
    assert!(row.confirm_token_hash.is_none());
    let again = visitor.post(&link, &[]).await;
    again.assert_status(404);
    assert!(again.body.contains("not valid or has already been used"));
    assert_eq!(app.mail_count(), 1);
}

async fn answer_is_the_same_for_known_and_unknown_addresses(app: TestApp) {
    let (agri, _) = themes(&app).await;
    let known = active_subscriber(&app, "known@example.org", "weekly").await;
    let visitor = app.client();
    let for_known = subscribe(&visitor, "known@example.org", &[agri], "monthly").await;
    let for_unknown = subscribe(&visitor, "unknown@example.org", &[agri], "monthly").await;
    assert_eq!(for_known.status, 200);
    assert_eq!(for_known.status, for_unknown.status);
    assert_eq!(
        for_known.body.replace("known@example.org", "X"),
        for_unknown.body.replace("unknown@example.org", "X"),
    );
    // The unknown address is asked to confirm; the known one gets a link to manage, and an
    // unauthenticated request changed nothing of its settings.
    let unknown_mail = app.mails_to("unknown@example.org", 1).await.remove(0);
    assert!(unknown_mail.text.contains("/newsletter/confirm/"));
    let known_mail = app.mails_to("known@example.org", 1).await.remove(0);
    assert!(
        known_mail.subject.contains("already"),
        "{}",
        known_mail.subject
    );
    assert!(!known_mail.text.contains("/newsletter/confirm/"));
    assert!(known_mail.text.contains(&format!(
        "/newsletter/unsubscribe/{}",
        app.newsletter_token(&known)
    )));
    let row = subscriber(&app, "known@example.org").await;
    assert_eq!(row.status, SubscriberStatus::Active);
    assert_eq!(row.frequency, Frequency::Weekly);
    assert!(theme_ids(&app, row.id).await.is_empty());
    // The manage link changes the settings (a CSRF-protected form).
    let manage = known_mail.link("/newsletter/manage/");
    let page = visitor.get(&manage).await;
    page.assert_status(200);
    let saved = visitor
        .post(
            &manage,
            &[("themes", &agri.to_string()), ("frequency", "monthly")],
        )
        .await;
    saved.assert_status(303);
    let row = subscriber(&app, "known@example.org").await;
    assert_eq!(row.frequency, Frequency::Monthly);
    assert_eq!(theme_ids(&app, row.id).await, vec![agri]);
    assert!(
        visitor
            .get(saved.location.as_deref().expect("location"))
            .await
            .body
            .contains("Your choices are saved")
    );
}

async fn repeated_requests_send_one_mail_per_window(app: TestApp) {
    let (agri, _) = themes(&app).await;
    let visitor = app.client();
    let first = subscribe(&visitor, "storm@example.org", &[agri], "weekly").await;
    first.assert_status(200);
    app.mails_to("storm@example.org", 1).await;
    for spelling in [
        "storm@example.org",
        "STORM@example.org",
        " storm@Example.org ",
    ] {
        let again = subscribe(&visitor, spelling, &[], "monthly").await;
        again.assert_status(200);
        assert_eq!(again.body, first.body, "{spelling}");
    }
    // Many at once, too.
    let mut requests = Vec::new();
    for _ in 0..10 {
        let client = app.client();
        requests.push(async move {
            subscribe(&client, "storm@example.org", &[agri], "weekly")
                .await
                .status
        });
    }
    for status in futures::future::join_all(requests).await {
        assert_eq!(status, 200);
    }
    settle().await;
    assert_eq!(app.mail_count(), 1);
    let row = subscriber(&app, "storm@example.org").await;
    assert_eq!(
        row.frequency,
        Frequency::Weekly,
        "requests inside the window change nothing"
    );
    assert_eq!(subscriber_count(&app).await, 1);
    // Once the window has passed, a new request sends a new link; the old one stops working.
    let old_link = app.mails(1).await.remove(0).link("/newsletter/confirm/");
    subscribers::Entity::update_many()
        .col_expr(
            subscribers::Column::ConfirmSentAt,
            sea_orm::sea_query::Expr::value(now() - time::Duration::minutes(16)),
        )
        .filter(subscribers::Column::Id.eq(row.id))
        .exec(app.db())
        .await
        .expect("db");
    subscribe(&visitor, "storm@example.org", &[], "monthly")
        .await
        .assert_status(200);
    let mails = app.mails_to("storm@example.org", 2).await;
    settle().await;
    assert_eq!(app.mail_count(), 2);
    let new_link = mails
        .iter()
        .map(|m| m.link("/newsletter/confirm/"))
        .find(|l| *l != old_link)
        .expect("a new link");
    visitor.get(&old_link).await.assert_status(404);
    visitor.get(&new_link).await.assert_status(200);
    visitor.post(&new_link, &[]).await.assert_status(200);
    let row = subscriber(&app, "storm@example.org").await;
    assert_eq!(
        (row.status.as_str(), row.frequency.as_str()),
        ("active", "monthly")
    );
    assert!(
        theme_ids(&app, row.id).await.is_empty(),
        "none ticked means all themes"
    );
}

/// A bad-input case: its name, the fields posted, and words the answer must show.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

async fn bad_input_is_refused_and_the_form_keeps_what_was_typed(app: TestApp) {
    let (agri, edu) = themes(&app).await;
    let long = format!("{}@example.org", "a".repeat(288));
    assert_eq!(long.len(), 300);
    let agri_s = agri.to_string();
    let edu_s = edu.to_string();
    let cases: Vec<Case> = vec![
        (
            "header injection",
            vec![
                ("email", "a@example.org\r\nBcc: victim@example.org"),
                ("themes", &agri_s),
                ("frequency", "monthly"),
            ],
            "Enter a valid email address",
        ),
        (
            "bare LF",
            vec![
                ("email", "a@example.org\nBcc: victim@example.org"),
                ("frequency", "weekly"),
            ],
            "Enter a valid email address",
        ),
        (
            "300 characters",
            vec![("email", &long), ("frequency", "weekly")],
            "too long",
        ),
        (
            "invalid",
            vec![("email", "not an address"), ("themes", &edu_s)],
            "Enter a valid email address",
        ),
        (
            "no domain",
            vec![("email", "reader@")],
            "Enter a valid email address",
        ),
        (
            "empty",
            vec![("email", ""), ("frequency", "monthly")],
            "Enter your email address",
        ),
        (
            "unknown theme",
            vec![
                ("email", "ok@example.org"),
                ("themes", "999999"),
                ("themes", &agri_s),
            ],
            "Choose themes from the list",
        ),
        (
            "theme not a number",
            vec![("email", "ok@example.org"), ("themes", "agri'--")],
            "Choose themes from the list",
        ),
        (
            "bad frequency",
            vec![("email", "ok@example.org"), ("frequency", "daily")],
            "Choose weekly or monthly",
        ),
    ];
    let visitor = app.client();
    visitor.get("/newsletter").await.assert_status(200);
    for (name, fields, message) in &cases {
        let response = visitor.post("/newsletter", fields).await;
        assert_eq!(response.status, 422, "{name}: {}", response.body);
        assert!(
            response.body.contains(message),
            "{name}: {message} missing: {}",
            response.body
        );
        assert!(response.body.contains("role=\"alert\""), "{name}");
        assert!(
            response
                .body
                .contains("<form method=\"post\" action=\"/newsletter\""),
            "{name}"
        );
        let email = fields
            .iter()
            .find(|(k, _)| *k == "email")
            .map(|(_, v)| *v)
            .unwrap_or("");
        if !email.contains('\n') && !email.is_empty() {
            let shown = email.replace('\'', "&#39;");
            assert!(
                response.body.contains(&format!("value=\"{shown}\"")),
                "{name}: typed address lost"
            );
        }
        for (key, value) in fields {
            if *key == "themes" && (*value == agri_s || *value == edu_s) {
                assert!(
                    response
                        .body
                        .contains(&format!("id=\"theme-{value}\" checked")),
                    "{name}: ticked theme lost"
                );
            }
            if *key == "frequency" && *value == "monthly" {
                assert!(
                    response.body.contains("id=\"frequency-monthly\" checked"),
                    "{name}: frequency lost"
                );
            }
        }
    }
    // Without the CSRF token: refused before anything happens.
    let forged = app
        .client()
        .post_raw(
            "/newsletter",
            &[("email", "csrf@example.org"), ("frequency", "weekly")],
        )
        .await;
    forged.assert_status(403);
    settle().await;
    assert_eq!(subscriber_count(&app).await, 0);
    assert_eq!(app.mail_count(), 0);
}

async fn unicode_domains_are_accepted_in_ascii_form(app: TestApp) {
    let visitor = app.client();
    let answer = subscribe(&visitor, "Ana@Bücher.Example", &[], "weekly").await;
    answer.assert_status(200);
    let mail = app.mails_to("ana@xn--bcher-kva.example", 1).await.remove(0);
    let link = mail.link("/newsletter/confirm/");
    visitor.get(&link).await.assert_status(200);
    visitor.post(&link, &[]).await.assert_status(200);
    assert_eq!(
        subscriber(&app, "ana@xn--bcher-kva.example").await.status,
        SubscriberStatus::Active
    );
    // The Unicode spelling of the same address is the same subscriber.
    subscribe(&visitor, "ana@bücher.example", &[], "weekly")
        .await
        .assert_status(200);
    settle().await;
    assert_eq!(subscriber_count(&app).await, 1);
}

async fn expired_altered_and_malformed_confirm_links_get_clear_pages(app: TestApp) {
    let visitor = app.client();
    let link = confirm_link(&app, &visitor, "late@example.org", "weekly").await;
    let token = link.rsplit('/').next().expect("token").to_string();
    // Altered: one character changed.
    let last = token.chars().last().expect("char");
    let altered = format!(
        "{}{}",
        &token[..token.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    let page = visitor.get(&format!("/newsletter/confirm/{altered}")).await;
    page.assert_status(404);
    assert!(
        page.body.contains("not valid or has already been used"),
        "{}",
        page.body
    );
    visitor
        .post(&format!("/newsletter/confirm/{altered}"), &[])
        .await
        .assert_status(404);
    // Malformed: never reaches the database, same clear page.
    for bad in [
        "abc",
        "%27%20OR%201%3D1--",
        &format!("{token}x"),
        &"A".repeat(43).replace('A', "+"),
    ] {
        let page = visitor.get(&format!("/newsletter/confirm/{bad}")).await;
        assert_eq!(page.status, 404, "{bad}");
        assert!(page.body.contains("Subscribe to the newsletter"), "{bad}");
    }
    // Expired.
    subscribers::Entity::update_many()
        .col_expr(
            subscribers::Column::ConfirmExpiresAt,
            sea_orm::sea_query::Expr::value(now() - time::Duration::minutes(1)),
        )
        .filter(subscribers::Column::Email.eq("late@example.org"))
        .exec(app.db())
        .await
        .expect("db");
    let page = visitor.get(&link).await;
    page.assert_status(410);
    assert!(page.body.contains("expired"), "{}", page.body);
    visitor.post(&link, &[]).await.assert_status(410);
    assert_eq!(
        subscriber(&app, "late@example.org").await.status,
        SubscriberStatus::Pending
    );
}

async fn unsubscribe_link_get_never_unsubscribes(app: TestApp) {
    let row = active_subscriber(&app, "stay@example.org", "weekly").await;
    let path = format!("/newsletter/unsubscribe/{}", app.newsletter_token(&row));
    for _ in 0..3 {
        let page = app.client().get(&path).await;
        page.assert_status(200);
        assert!(
            page.body
                .contains(&format!("<form method=\"post\" action=\"{path}\"")),
            "{}",
            page.body
        );
        assert_eq!(page.body.matches("<button").count(), 1, "one button");
    }
    let head = reqwest::Client::new()
        .head(format!("{}{path}", app.base))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.status(), 200);
    assert_eq!(
        subscriber(&app, "stay@example.org").await.status,
        SubscriberStatus::Active
    );
}

async fn one_click_post_without_cookie_unsubscribes_with_200(app: TestApp) {
    let row = active_subscriber(&app, "oneclick@example.org", "weekly").await;
    let path = format!("/newsletter/unsubscribe/{}", app.newsletter_token(&row));
    // As a mail client does it (RFC 8058): no cookie, no CSRF token, this exact body.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("location").is_none());
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session for a one-click POST"
    );
    let body = response.text().await.expect("body");
    assert!(body.contains("You are unsubscribed"), "{body}");
    let row = subscriber(&app, "oneclick@example.org").await;
    assert_eq!(row.status, SubscriberStatus::Unsubscribed);
    assert!(row.unsubscribed_at.is_some());
    // Again (a retry, or the page's own button): still 200, same state.
    let again = app.client().post_raw(&path, &[]).await;
    again.assert_status(200);
    assert!(again.location.is_none());
    assert_eq!(
        subscriber(&app, "oneclick@example.org")
            .await
            .unsubscribed_at,
        row.unsubscribed_at
    );
    // The page now says so, and offers no button.
    let page = app.client().get(&path).await;
    page.assert_status(200);
    assert!(
        !page.body.contains("<button type=\"submit\">Unsubscribe"),
        "{}",
        page.body
    );
}

async fn delivery(
    app: &TestApp,
    edition_id: i32,
    subscriber_id: i32,
    status: DeliveryStatus,
) -> i32 {
    let at = now();
    deliveries::ActiveModel {
        edition_id: Set(edition_id),
        subscriber_id: Set(subscriber_id),
        status: Set(status),
        attempts: Set(0),
        next_attempt_at: Set(at),
        lease_owner: Set(None),
        lease_until: Set(None),
        last_error: Set(None),
        sent_at: Set((status == DeliveryStatus::Sent).then_some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .expect("delivery")
    .id
}

async fn edition(app: &TestApp, days_ago: i64) -> i32 {
    let at = now() - time::Duration::days(days_ago);
    editions::ActiveModel {
        recipients: Set(2),
        ..crate::support::edition_row("weekly", at, "sending")
    }
    .insert(app.db())
    .await
    .expect("edition")
    .id
}

async fn delivery_status(app: &TestApp, id: i32) -> DeliveryStatus {
    deliveries::Entity::find_by_id(id)
        .one(app.db())
        .await
        .expect("db")
        .expect("delivery")
        .status
}

async fn unsubscribing_cancels_only_that_subscribers_queued_deliveries(app: TestApp) {
    let leaving = active_subscriber(&app, "leaving@example.org", "weekly").await;
    let staying = active_subscriber(&app, "staying@example.org", "weekly").await;
    let old = edition(&app, 7).await;
    let current = edition(&app, 0).await;
    let leaving_sent = delivery(&app, old, leaving.id, DeliveryStatus::Sent).await;
    let leaving_queued = delivery(&app, current, leaving.id, DeliveryStatus::Queued).await;
    let staying_sent = delivery(&app, old, staying.id, DeliveryStatus::Sent).await;
    let staying_queued = delivery(&app, current, staying.id, DeliveryStatus::Queued).await;
    app.client()
        .post_body(
            &format!("/newsletter/unsubscribe/{}", app.newsletter_token(&leaving)),
            b"List-Unsubscribe=One-Click".to_vec(),
        )
        .await
        .assert_status(200);
    assert_eq!(
        delivery_status(&app, leaving_queued).await,
        DeliveryStatus::Cancelled
    );
    assert_eq!(
        delivery_status(&app, leaving_sent).await,
        DeliveryStatus::Sent
    );
    assert_eq!(
        delivery_status(&app, staying_queued).await,
        DeliveryStatus::Queued
    );
    assert_eq!(
        delivery_status(&app, staying_sent).await,
        DeliveryStatus::Sent
    );
    assert_eq!(
        subscriber(&app, "staying@example.org").await.status,
        SubscriberStatus::Active
    );
}

async fn tokens_only_act_on_their_own_subscriber(app: TestApp) {
    let (agri, _) = themes(&app).await;
    let alice = active_subscriber(&app, "alice@example.org", "weekly").await;
    let bob = active_subscriber(&app, "bob@example.org", "weekly").await;
    let visitor = app.client();
    // Forged, altered and malformed tokens: 404 on every route, no hint.
    let bob_token = app.newsletter_token(&bob);
    let mut altered = bob_token.clone();
    let last = altered.pop().expect("char");
    altered.push(if last == 'A' { 'B' } else { 'A' });
    for token in [
        tokens::generate(),
        altered,
        "short".to_string(),
        format!("{}=", &bob_token[..47]),
        bob_token[..43].to_string(),
        "0".repeat(43),
    ] {
        for path in [
            format!("/newsletter/unsubscribe/{token}"),
            format!("/newsletter/manage/{token}"),
        ] {
            let page = visitor.get(&path).await;
            assert_eq!(page.status, 404, "{path}");
            assert!(!page.body.contains("example.org"), "{path}");
        }
        visitor
            .post_raw(
                &format!("/newsletter/unsubscribe/{token}"),
                &[("List-Unsubscribe", "One-Click")],
            )
            .await
            .assert_status(404);
    }
    // Alice's token acts on Alice only.
    let manage = format!("/newsletter/manage/{}", app.newsletter_token(&alice));
    visitor.get(&manage).await.assert_status(200);
    visitor
        .post(
            &manage,
            &[("themes", &agri.to_string()), ("frequency", "monthly")],
        )
        .await
        .assert_status(303);
    visitor
        .post_raw(
            &format!("/newsletter/unsubscribe/{}", app.newsletter_token(&alice)),
            &[],
        )
        .await
        .assert_status(200);
    let alice = subscriber(&app, "alice@example.org").await;
    let bob_now = subscriber(&app, "bob@example.org").await;
    assert_eq!(
        (alice.status.as_str(), alice.frequency.as_str()),
        ("unsubscribed", "monthly")
    );
    assert_eq!(bob_now, bob, "Bob's row is untouched");
    assert!(theme_ids(&app, bob.id).await.is_empty());
}

async fn unsubscribed_people_can_subscribe_again(app: TestApp) {
    let row = active_subscriber(&app, "back@example.org", "weekly").await;
    app.client()
        .post_raw(
            &format!("/newsletter/unsubscribe/{}", app.newsletter_token(&row)),
            &[],
        )
        .await
        .assert_status(200);
    let visitor = app.client();
    let link = confirm_link(&app, &visitor, "back@example.org", "monthly").await;
    assert_eq!(
        subscriber(&app, "back@example.org").await.status,
        SubscriberStatus::Pending
    );
    visitor.get(&link).await.assert_status(200);
    visitor.post(&link, &[]).await.assert_status(200);
    let again = subscriber(&app, "back@example.org").await;
    assert_eq!(
        (again.status.as_str(), again.frequency.as_str()),
        ("active", "monthly")
    );
    assert_eq!(again.id, row.id);
    assert!(again.unsubscribed_at.is_none());
}

async fn members_subscribe_manage_and_unsubscribe_on_the_profile(app: TestApp) {
    let (agri, edu) = themes(&app).await;
    let user = app.user("member@example.org", "Member Mia").await;
    let member = app.login(&user.email).await;
    let profile = member.get("/profile").await;
    profile.assert_status(200);
    assert!(
        profile.body.contains("<h2>Newsletter</h2>"),
        "{}",
        profile.body
    );
    assert!(profile.body.contains("action=\"/profile/newsletter\""));
    // Subscribe: no confirmation, active at once.
    let saved = member
        .post(
            "/profile/newsletter",
            &[
                ("action", "save"),
                ("themes", &agri.to_string()),
                ("frequency", "monthly"),
            ],
        )
        .await;
    saved.assert_status(303);
    assert_eq!(saved.location.as_deref(), Some("/profile#newsletter"));
    let row = subscriber(&app, "member@example.org").await;
    assert_eq!(row.status, SubscriberStatus::Active);
    assert_eq!(row.user_id, Some(user.id));
    assert_eq!(row.frequency, Frequency::Monthly);
    assert_eq!(theme_ids(&app, row.id).await, vec![agri]);
    let profile = member.get("/profile").await;
    assert!(profile.body.contains("every month"), "{}", profile.body);
    assert!(
        profile
            .body
            .contains(&format!("id=\"theme-{agri}\" checked"))
    );
    // Manage.
    member
        .post(
            "/profile/newsletter",
            &[
                ("action", "save"),
                ("themes", &edu.to_string()),
                ("frequency", "weekly"),
            ],
        )
        .await
        .assert_status(303);
    let row = subscriber(&app, "member@example.org").await;
    assert_eq!(row.frequency, Frequency::Weekly);
    assert_eq!(theme_ids(&app, row.id).await, vec![edu]);
    // Bad choices re-render the profile with what was ticked.
    let bad = member
        .post(
            "/profile/newsletter",
            &[
                ("action", "save"),
                ("themes", &edu.to_string()),
                ("themes", "424242"),
                ("frequency", "monthly"),
            ],
        )
        .await;
    bad.assert_status(422);
    assert!(bad.body.contains("Choose themes from the list"));
    assert!(bad.body.contains("id=\"frequency-monthly\" checked"));
    assert_eq!(
        subscriber(&app, "member@example.org").await.frequency,
        Frequency::Weekly
    );
    // Without the token: refused.
    member
        .post_raw("/profile/newsletter", &[("action", "unsubscribe")])
        .await
        .assert_status(403);
    // Unsubscribe, then subscribe again: the same row.
    member
        .post("/profile/newsletter", &[("action", "unsubscribe")])
        .await
        .assert_status(303);
    assert_eq!(
        subscriber(&app, "member@example.org").await.status,
        SubscriberStatus::Unsubscribed
    );
    assert!(!member.get("/profile").await.body.contains("every week"));
    member
        .post(
            "/profile/newsletter",
            &[("action", "save"), ("frequency", "weekly")],
        )
        .await
        .assert_status(303);
    let again = subscriber(&app, "member@example.org").await;
    assert_eq!((again.id, again.status.as_str()), (row.id, "active"));
    assert!(theme_ids(&app, row.id).await.is_empty());
    // Signed out: the profile route asks to sign in.
    let anonymous = app.client();
    anonymous.get("/newsletter").await;
    let response = anonymous
        .post("/profile/newsletter", &[("action", "save")])
        .await;
    response.assert_status(303);
    assert!(response.location.expect("location").starts_with("/login"));
    settle().await;
    assert_eq!(app.mail_count(), 0, "members get no confirmation mail");
}

async fn member_takes_over_an_anonymous_subscription(app: TestApp) {
    let visitor = app.client();
    subscribe(&visitor, "Person@Example.org", &[], "monthly")
        .await
        .assert_status(200);
    app.mails_to("person@example.org", 1).await;
    let pending = subscriber(&app, "person@example.org").await;
    assert_eq!(pending.status, SubscriberStatus::Pending);
    let user = app.user("person@example.org", "Person").await;
    let member = app.login(&user.email).await;
    member
        .post(
            "/profile/newsletter",
            &[("action", "save"), ("frequency", "weekly")],
        )
        .await
        .assert_status(303);
    let row = subscriber(&app, "person@example.org").await;
    assert_eq!(row.id, pending.id);
    assert_eq!(
        (row.status.as_str(), row.user_id),
        ("active", Some(user.id))
    );
    assert!(
        row.confirm_token_hash.is_none(),
        "the pending link is spent"
    );
    assert_eq!(subscriber_count(&app).await, 1);
}

/// The confirmation mail through a real SMTP server (postfix's smtp-sink), then confirmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_mail_goes_through_a_real_smtp_server() {
    let test = "newsletter_subscribe::confirmation_mail_goes_through_a_real_smtp_server";
    let Some(sink) = SmtpSink::start(test) else {
        return;
    };
    let app = TestApp::start(
        Backend::Sqlite,
        Options {
            smtp_url: Some(sink.url()),
            ..Default::default()
        },
    )
    .await;
    let visitor = app.client();
    subscribe(&visitor, "over.smtp@example.org", &[], "weekly")
        .await
        .assert_status(200);
    let mail = sink.messages(1).await.remove(0);
    assert_eq!(mail.to, "over.smtp@example.org");
    assert!(mail.html.contains("/newsletter/confirm/"), "{}", mail.html);
    let link = mail.link("/newsletter/confirm/");
    visitor.get(&link).await.assert_status(200);
    visitor.post(&link, &[]).await.assert_status(200);
    assert_eq!(
        subscriber(&app, "over.smtp@example.org").await.status,
        SubscriberStatus::Active
    );
}

/// Past the limit for one address (or one client), requests get 429, whoever the address is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_requests_are_rate_limited() {
    let app = TestApp::start(
        Backend::Sqlite,
        Options {
            limits: RateLimits {
                per_account: 3,
                per_address: 1000,
            },
            ..Default::default()
        },
    )
    .await;
    let visitor = app.client();
    for _ in 0..3 {
        subscribe(&visitor, "limited@example.org", &[], "weekly")
            .await
            .assert_status(200);
    }
    let refused = subscribe(&visitor, "limited@example.org", &[], "weekly").await;
    refused.assert_status(429);
    // Other addresses are not affected.
    subscribe(&visitor, "other@example.org", &[], "weekly")
        .await
        .assert_status(200);
    settle().await;
    assert_eq!(app.mail_count(), 2);
}
