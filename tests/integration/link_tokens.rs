//! Links that work without signing in and are written into mail when the mail is sent
//! (newsletter unsubscribe and manage, stop following a thread; issue 10 item 17): the
//! database holds no working link, only a salt per row; a mailed link works as designed;
//! altered, foreign and malformed tokens get a 404 (or the edge's 400), never a 500; links
//! mailed before the change keep working after the migration; a new subscription or a new
//! follow gets new links and the old ones stop working.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use fora::entities::states::SubscriberStatus;
use fora::{
    entities::{follows, subscribers},
    forums::notify,
    link_tokens::{self, Purpose},
    secret::ServerSecret,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    forums::thread_with_reply,
    support::{Client, TestApp},
};

crate::on_both_databases!(
    the_database_holds_no_working_link,
    mailed_links_work_as_designed,
    altered_foreign_and_malformed_tokens_are_refused,
    links_mailed_before_the_migration_keep_working,
    a_new_subscription_or_follow_gets_new_links,
);

const ONE_CLICK: &[u8] = b"List-Unsubscribe=One-Click";

/// The last path segment of a link (`…/{token}` or `…/{token}/stop`).
fn token_of(link: &str) -> String {
    let path = link.trim_end_matches("/stop");
    path.rsplit('/').next().expect("segment").to_string()
}

async fn subscriber(app: &TestApp, email: &str) -> subscribers::Model {
    subscribers::Entity::find()
        .filter(subscribers::Column::Email.eq(email))
        .one(app.db())
        .await
        .expect("db")
        .unwrap_or_else(|| panic!("no subscriber {email}"))
}

async fn follow_of(app: &TestApp, email: &str, thread_id: i32) -> Option<follows::Model> {
    let user = fora::accounts::service::find_by_email(app.db(), email)
        .await
        .expect("db")
        .expect("user");
    follows::Entity::find()
        .filter(follows::Column::UserId.eq(user.id))
        .filter(follows::Column::ThreadId.eq(thread_id))
        .one(app.db())
        .await
        .expect("db")
}

/// Subscribes through the form and confirms by the mailed link (the `nth` mail to `email`);
/// returns the manage token the confirmation page links to.
async fn subscribe_and_confirm(app: &TestApp, client: &Client, email: &str, nth: usize) -> String {
    client.get("/newsletter").await.assert_status(200);
    client
        .post("/newsletter", &[("email", email), ("frequency", "weekly")])
        .await
        .assert_status(200);
    let confirm = app.mails_to(email, nth).await[nth - 1].link("/newsletter/confirm/");
    client.get(&confirm).await.assert_status(200);
    let done = client.post(&confirm, &[]).await;
    done.assert_status(200);
    let re = regex::Regex::new(r"/newsletter/manage/([A-Za-z0-9_-]+)").expect("regex");
    re.captures(&done.body)
        .unwrap_or_else(|| panic!("no manage link in {}", done.body))[1]
        .to_string()
}

/// Asks again for an active address (after the mail window) and returns the links of the
/// "already subscribed" mail (the `nth` to `email`): (manage, unsubscribe).
async fn already_subscribed_links(
    app: &TestApp,
    client: &Client,
    email: &str,
    nth: usize,
) -> (String, String) {
    app.sql("UPDATE subscribers SET confirm_sent_at = NULL")
        .await;
    client
        .post("/newsletter", &[("email", email), ("frequency", "weekly")])
        .await
        .assert_status(200);
    let mail = app.mails_to(email, nth).await.remove(nth - 1);
    assert!(mail.subject.contains("already"), "{}", mail.subject);
    (
        mail.link("/newsletter/manage/"),
        mail.link("/newsletter/unsubscribe/"),
    )
}

async fn deliver_notifications(app: &TestApp) -> usize {
    notify::deliver_due(&app.state, None)
        .await
        .expect("deliver")
}

/// Every quoted value of every row of `subscribers` and `follows`, as the database holds it.
async fn stored_text(app: &TestApp) -> String {
    let subscribers = subscribers::Entity::find().all(app.db()).await.expect("db");
    let follows = follows::Entity::find().all(app.db()).await.expect("db");
    format!("{subscribers:?}\n{follows:?}")
}

/// The GET and one-click POST of each link kind for `token`: their status codes.
async fn statuses(client: &Client, token: &str) -> Vec<(String, u16)> {
    let mut seen = Vec::new();
    for path in [
        format!("/newsletter/unsubscribe/{token}"),
        format!("/newsletter/manage/{token}"),
        format!("/follows/{token}/stop"),
    ] {
        let page = client.get(&path).await;
        seen.push((format!("GET {path}"), page.status));
        let done = if path.starts_with("/follows/") {
            // A form with the session's CSRF token, as the page sends it.
            Some(client.post(&path, &[]).await)
        } else if path.starts_with("/newsletter/unsubscribe/") {
            // RFC 8058: no cookie, no CSRF token.
            Some(client.post_body(&path, ONE_CLICK.to_vec()).await)
        } else {
            None
        };
        if let Some(done) = done {
            seen.push((format!("POST {path}"), done.status));
        }
    }
    seen
}

async fn assert_refused(client: &Client, token: &str) {
    for (request, status) in statuses(client, token).await {
        let shown = if request.len() > 200 {
            format!("{}…", &request[..200])
        } else {
            request.clone()
        };
        assert!(
            matches!(status, 400 | 404),
            "{shown} answered {status}, not 404 (or 400)"
        );
    }
}

async fn the_database_holds_no_working_link(app: TestApp) {
    let visitor = app.client();
    subscribe_and_confirm(&app, &visitor, "reader@example.org", 1).await;
    let (manage, unsubscribe) =
        already_subscribed_links(&app, &visitor, "reader@example.org", 2).await;
    let newsletter_token = token_of(&unsubscribe);
    assert_eq!(token_of(&manage), newsletter_token);
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    thread_with_reply(&moderator, &member, &forum.slug).await;
    assert_eq!(deliver_notifications(&app).await, 1);
    let stop = app
        .mails_to("mod-agri@example.org", 1)
        .await
        .remove(0)
        .link("/follows/");
    let follow_token = token_of(&stop);

    // The mailed tokens are nowhere in the rows…
    let stored = stored_text(&app).await;
    assert!(!stored.contains(&newsletter_token), "{stored}");
    assert!(!stored.contains(&follow_token), "{stored}");
    // …and no value stored there works as a link.
    // Every quoted value in turn (states print unquoted, so a length limit in the pattern
    // would pair one value's closing quote with the next one's opening quote).
    let re = regex::Regex::new(r#""([^"]*)""#).expect("regex");
    let values: Vec<String> = re
        .captures_iter(&stored)
        .map(|c| c[1].to_string())
        .filter(|v| v.chars().count() >= 16 && !v.contains('@') && !v.contains(' '))
        .collect();
    assert!(
        values.len() >= 3,
        "the salts of two subscribers' and followers' rows: {values:?}"
    );
    let stranger = Client::new(&app.base);
    for value in &values {
        assert_refused(&stranger, value).await;
    }
    // The mailed links do work.
    stranger.get(&unsubscribe).await.assert_status(200);
    stranger.get(&manage).await.assert_status(200);
    stranger.get(&stop).await.assert_status(200);
}

async fn mailed_links_work_as_designed(app: TestApp) {
    let visitor = app.client();
    subscribe_and_confirm(&app, &visitor, "reader@example.org", 1).await;
    let (manage, unsubscribe) =
        already_subscribed_links(&app, &visitor, "reader@example.org", 2).await;
    let scanner = Client::new(&app.base);
    // GETs show pages and change nothing.
    for _ in 0..2 {
        let page = scanner.get(&unsubscribe).await;
        page.assert_status(200);
        assert!(page.body.contains("reader@example.org"));
        scanner.get(&manage).await.assert_status(200);
    }
    assert_eq!(
        subscriber(&app, "reader@example.org").await.status,
        SubscriberStatus::Active
    );
    // One click unsubscribes; clicking again is harmless and the link still shows the page
    // (the row keeps its salt until a new subscription starts).
    for _ in 0..2 {
        scanner
            .post_body(&unsubscribe, ONE_CLICK.to_vec())
            .await
            .assert_status(200);
        assert_eq!(
            subscriber(&app, "reader@example.org").await.status,
            SubscriberStatus::Unsubscribed
        );
    }
    scanner.get(&manage).await.assert_status(200);

    // Stop following: GETs ask, the POST stops, and then the link is spent.
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (_, thread_id, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    deliver_notifications(&app).await;
    let stop = app
        .mails_to("mod-agri@example.org", 1)
        .await
        .remove(0)
        .link("/follows/");
    for _ in 0..2 {
        scanner.get(&stop).await.assert_status(200);
    }
    assert!(
        follow_of(&app, "mod-agri@example.org", thread_id)
            .await
            .is_some()
    );
    let done = scanner.post(&stop, &[]).await;
    done.assert_status(200);
    assert!(done.body.contains("You no longer follow"), "{}", done.body);
    assert!(
        follow_of(&app, "mod-agri@example.org", thread_id)
            .await
            .is_none()
    );
    scanner.get(&stop).await.assert_status(404);
    scanner.post(&stop, &[]).await.assert_status(404);
    // The member still follows: only the link's own follow ended.
    assert!(
        follow_of(&app, "member-agri@example.org", thread_id)
            .await
            .is_some()
    );
}

/// `token` with its first four bytes (the row id) replaced by `id`.
fn with_id(token: &str, id: i32) -> String {
    let mut bytes = URL_SAFE_NO_PAD.decode(token).expect("base64url");
    bytes[..4].copy_from_slice(&id.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn altered_foreign_and_malformed_tokens_are_refused(app: TestApp) {
    let alice =
        crate::support::subscriber_row("alice@example.org", "weekly", &link_tokens::new_salt())
            .insert(app.db())
            .await
            .expect("alice");
    let bob = crate::support::subscriber_row("bob@example.org", "weekly", &link_tokens::new_salt())
        .insert(app.db())
        .await
        .expect("bob");
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (_, thread_id, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let follow = follow_of(&app, "mod-agri@example.org", thread_id)
        .await
        .expect("follow");
    let secret = &app.state.secret;
    let alice_token = app.newsletter_token(&alice);
    let follow_token =
        link_tokens::issue(secret, Purpose::StopFollowing, follow.id, &follow.link_salt);
    let visitor = Client::new(&app.base);
    // The genuine ones work (GET only: nothing changes).
    visitor
        .get(&format!("/newsletter/manage/{alice_token}"))
        .await
        .assert_status(200);
    visitor
        .get(&format!("/follows/{follow_token}/stop"))
        .await
        .assert_status(200);

    // Each for the other purpose, with the other row's id and salt, or the same id.
    visitor
        .get(&format!("/follows/{alice_token}/stop"))
        .await
        .assert_status(404);
    for path in [
        format!("/newsletter/unsubscribe/{follow_token}"),
        format!("/newsletter/manage/{follow_token}"),
    ] {
        visitor.get(&path).await.assert_status(404);
    }
    let wrong_purpose = [
        link_tokens::issue(secret, Purpose::StopFollowing, alice.id, &alice.link_salt),
        link_tokens::issue(secret, Purpose::Newsletter, follow.id, &follow.link_salt),
    ];
    // Another key (another deployment, or a guess), another row's salt, an altered MAC,
    // another row's id with this MAC, ids that never exist.
    let other_dir = tempfile::tempdir().expect("dir");
    let other_secret = ServerSecret::load_or_create(None, other_dir.path()).expect("secret");
    let mut flipped = URL_SAFE_NO_PAD.decode(&alice_token).expect("base64url");
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let forged = [
        link_tokens::issue(
            &other_secret,
            Purpose::Newsletter,
            alice.id,
            &alice.link_salt,
        ),
        link_tokens::issue(secret, Purpose::Newsletter, alice.id, &bob.link_salt),
        link_tokens::issue(secret, Purpose::Newsletter, alice.id, ""),
        URL_SAFE_NO_PAD.encode(flipped),
        with_id(&alice_token, bob.id),
        with_id(&alice_token, 0),
        with_id(&alice_token, -1),
        with_id(&alice_token, i32::MAX),
        with_id(&follow_token, follow.id + 1),
        link_tokens::issue(
            &other_secret,
            Purpose::StopFollowing,
            follow.id,
            &follow.link_salt,
        ),
        // A token of the old kind that was never issued.
        fora::accounts::tokens::generate(),
    ];
    // Bad input: empty, short, one character off in length, overlong, not base64url
    // (standard alphabet, padding, punctuation, non-ASCII, percent-escapes, a NUL).
    let standard = alice_token.replace('-', "+").replace('_', "/");
    let malformed = [
        String::new(),
        "short".to_string(),
        alice_token[..alice_token.len() - 1].to_string(),
        format!("{alice_token}A"),
        format!("{alice_token}="),
        "A".repeat(44),
        "A".repeat(2_000),
        "A".repeat(20_000),
        "!".repeat(48),
        "%FF".repeat(16),
        "é".repeat(24),
        "..%2F..%2F".repeat(5),
        format!("{}%00", &alice_token[..45]),
        if standard == alice_token {
            format!("{}+/", &alice_token[..46])
        } else {
            standard
        },
    ];
    for token in wrong_purpose.iter().chain(&forged).chain(&malformed) {
        assert_refused(&visitor, token).await;
    }
    // Nothing was changed by any of them.
    assert_eq!(subscriber(&app, "alice@example.org").await, alice);
    assert_eq!(subscriber(&app, "bob@example.org").await, bob);
    assert_eq!(
        follow_of(&app, "mod-agri@example.org", thread_id).await,
        Some(follow)
    );
}

/// Takes the schema back to just before the link-salt migration.
async fn before_link_salts(app: &TestApp) {
    let migrations = Migrator::migrations();
    let at = migrations
        .iter()
        .position(|m| m.name() == "m20261201_000030_link_salts")
        .expect("the link-salt migration");
    let steps = u32::try_from(migrations.len() - at).expect("steps");
    Migrator::down(app.db(), Some(steps)).await.expect("down");
}

async fn links_mailed_before_the_migration_keep_working(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (_, thread_id, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let old = crate::support::subscriber_row("old@example.org", "weekly", &link_tokens::new_salt())
        .insert(app.db())
        .await
        .expect("old");
    let kept_salt = link_tokens::new_salt();
    let new = crate::support::subscriber_row("new@example.org", "weekly", &kept_salt)
        .insert(app.db())
        .await
        .expect("new");
    let mod_follow = follow_of(&app, "mod-agri@example.org", thread_id)
        .await
        .expect("follow");
    let member_follow = follow_of(&app, "member-agri@example.org", thread_id)
        .await
        .expect("follow");

    // The schema as it was, with plain tokens in it, as mailed before.
    before_link_salts(&app).await;
    let old_subscriber_token = fora::accounts::tokens::generate();
    let old_follow_token = fora::accounts::tokens::generate();
    let member_follow_token = fora::accounts::tokens::generate();
    app.sql(&format!(
        "UPDATE subscribers SET unsubscribe_token = '{old_subscriber_token}' WHERE id = {}",
        old.id
    ))
    .await;
    app.sql(&format!(
        "UPDATE follows SET token = '{old_follow_token}' WHERE id = {}",
        mod_follow.id
    ))
    .await;
    app.sql(&format!(
        "UPDATE follows SET token = '{member_follow_token}' WHERE id = {}",
        member_follow.id
    ))
    .await;
    Migrator::up(app.db(), None).await.expect("up");

    // Only digests are left; a salt that was no old token is untouched.
    let stored = stored_text(&app).await;
    for token in [
        &old_subscriber_token,
        &old_follow_token,
        &member_follow_token,
    ] {
        assert!(!stored.contains(token.as_str()), "{stored}");
    }
    let old_now = subscriber(&app, "old@example.org").await;
    assert_eq!(
        old_now.link_salt,
        link_tokens::legacy_salt(&old_subscriber_token)
    );
    assert_eq!(
        subscriber(&app, "new@example.org").await.link_salt,
        kept_salt
    );
    assert_eq!(
        follow_of(&app, "mod-agri@example.org", thread_id)
            .await
            .expect("follow")
            .link_salt,
        link_tokens::legacy_salt(&old_follow_token)
    );

    // The old links work as they did…
    let reader = Client::new(&app.base);
    let manage = reader
        .get(&format!("/newsletter/manage/{old_subscriber_token}"))
        .await;
    manage.assert_status(200);
    assert!(manage.body.contains("old@example.org"));
    reader
        .get(&format!("/follows/{old_follow_token}/stop"))
        .await
        .assert_status(200);
    // …and so do the new links made for these rows; each acts on its own row only.
    reader
        .get(&format!(
            "/newsletter/manage/{}",
            app.newsletter_token(&old_now)
        ))
        .await
        .assert_status(200);
    reader
        .post_body(
            &format!("/newsletter/unsubscribe/{old_subscriber_token}"),
            ONE_CLICK.to_vec(),
        )
        .await
        .assert_status(200);
    assert_eq!(
        subscriber(&app, "old@example.org").await.status,
        SubscriberStatus::Unsubscribed
    );
    assert_eq!(
        subscriber(&app, "new@example.org").await.status,
        SubscriberStatus::Active
    );
    reader
        .post(&format!("/follows/{old_follow_token}/stop"), &[])
        .await
        .assert_status(200);
    assert!(
        follow_of(&app, "mod-agri@example.org", thread_id)
            .await
            .is_none()
    );
    assert!(
        follow_of(&app, "member-agri@example.org", thread_id)
            .await
            .is_some()
    );
    // An old token is found by digest only in its own table.
    reader
        .get(&format!("/newsletter/manage/{member_follow_token}"))
        .await
        .assert_status(404);
    reader
        .get(&format!("/follows/{old_subscriber_token}/stop"))
        .await
        .assert_status(404);
    // Links made from the migrated rows before the next mail keep working too: the new
    // subscriber's link was never a plain token.
    reader
        .get(&format!(
            "/newsletter/manage/{}",
            app.newsletter_token(&new)
        ))
        .await
        .assert_status(200);
}

async fn a_new_subscription_or_follow_gets_new_links(app: TestApp) {
    let visitor = app.client();
    let first = subscribe_and_confirm(&app, &visitor, "back@example.org", 1).await;
    visitor
        .post_body(
            &format!("/newsletter/unsubscribe/{first}"),
            ONE_CLICK.to_vec(),
        )
        .await
        .assert_status(200);
    // While unsubscribed, the link still shows where things stand.
    visitor
        .get(&format!("/newsletter/manage/{first}"))
        .await
        .assert_status(200);
    app.sql("UPDATE subscribers SET confirm_sent_at = NULL")
        .await;
    let second = subscribe_and_confirm(&app, &visitor, "back@example.org", 2).await;
    assert_ne!(first, second);
    assert_eq!(
        subscriber(&app, "back@example.org").await.status,
        SubscriberStatus::Active
    );
    // The links of the earlier subscription are dead: a forwarded old newsletter cannot
    // unsubscribe the new one.
    visitor
        .get(&format!("/newsletter/manage/{first}"))
        .await
        .assert_status(404);
    visitor
        .post_body(
            &format!("/newsletter/unsubscribe/{first}"),
            ONE_CLICK.to_vec(),
        )
        .await
        .assert_status(404);
    assert_eq!(
        subscriber(&app, "back@example.org").await.status,
        SubscriberStatus::Active
    );
    visitor
        .get(&format!("/newsletter/manage/{second}"))
        .await
        .assert_status(200);

    // A member who leaves and subscribes again on the profile gets new links as well; saving
    // choices while subscribed keeps them.
    let (_, moderator, member) = app.with_forum("agri", "post").await;
    let profile = |action: &'static str| {
        let member = &member;
        async move {
            member
                .post(
                    "/profile/newsletter",
                    &[("action", action), ("frequency", "weekly")],
                )
                .await
                .assert_status(303);
        }
    };
    profile("save").await;
    let joined = app.newsletter_token(&subscriber(&app, "member-agri@example.org").await);
    profile("save").await;
    assert_eq!(
        app.newsletter_token(&subscriber(&app, "member-agri@example.org").await),
        joined
    );
    profile("unsubscribe").await;
    profile("save").await;
    let rejoined = app.newsletter_token(&subscriber(&app, "member-agri@example.org").await);
    assert_ne!(rejoined, joined);
    visitor
        .get(&format!("/newsletter/manage/{joined}"))
        .await
        .assert_status(404);

    // Following again after stopping gets a new link; the stopped one stays dead.
    let (path, thread_id, _) = thread_with_reply(&moderator, &member, "agri").await;
    deliver_notifications(&app).await;
    let stop = app
        .mails_to("mod-agri@example.org", 1)
        .await
        .remove(0)
        .link("/follows/");
    visitor.post(&stop, &[]).await.assert_status(200);
    moderator.get(&path).await;
    moderator
        .post(&format!("{path}/follow"), &[])
        .await
        .assert_status(303);
    assert!(
        follow_of(&app, "mod-agri@example.org", thread_id)
            .await
            .is_some()
    );
    visitor.get(&stop).await.assert_status(404);
    visitor.post(&stop, &[]).await.assert_status(404);
    member
        .post(&format!("{path}/reply"), &[("body", "Another reply")])
        .await
        .assert_status(303);
    deliver_notifications(&app).await;
    let again = app
        .mails_to("mod-agri@example.org", 2)
        .await
        .into_iter()
        .map(|m| m.link("/follows/"))
        .find(|link| *link != stop)
        .expect("a new stop link");
    visitor.get(&again).await.assert_status(200);
}
