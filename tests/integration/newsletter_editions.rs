//! Newsletter editions: what a period's edition carries, what each subscriber's message holds
//! (themes; featured threads only for members of their forum, checked again at every build),
//! the public archive (never threads), the admin pages (admins only, CSRF), the scheduler's
//! tick, and the headers of the messages that reach the outbox.

use fora::entities::states::{DeliveryStatus, EditionStatus, Frequency, SubscriberStatus};
use fora::{
    db::now,
    entities::{edition_items, editions, products, subscriber_themes, subscribers, threads},
    newsletter::{
        compose::{self, ItemKind},
        deliver, editions as service, schedule,
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use time::macros::datetime;

use crate::{
    library_search::{learning, raw},
    support::{TestApp, edition_row},
};

crate::on_both_databases!(
    composition_takes_exactly_the_period_items,
    messages_follow_themes_and_forum_membership,
    archive_shows_only_the_public_part_of_sent_editions,
    admin_pages_are_for_admins_and_do_what_they_say,
    tick_composes_no_backlog_and_sends_what_is_due,
    editions_read_by_theme_and_are_dated_by_the_day_they_go_out,
);

/// Runs a test on both databases with the given newsletter settings.
macro_rules! with_newsletter {
    ($name:ident, $settings:expr) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let options = crate::support::Options {
                    newsletter: $settings,
                    ..Default::default()
                };
                let app =
                    crate::support::TestApp::start(crate::support::Backend::Sqlite, options).await;
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if std::env::var("TEST_DATABASE_URL").is_err() {
                    crate::support::skip(
                        concat!(stringify!($name), "::postgres"),
                        "TEST_DATABASE_URL is not set",
                    );
                    return;
                }
                let options = crate::support::Options {
                    newsletter: $settings,
                    ..Default::default()
                };
                let app =
                    crate::support::TestApp::start(crate::support::Backend::Postgres, options)
                        .await;
                super::$name(app).await;
            }
        }
    };
}

with_newsletter!(
    sent_messages_carry_list_headers,
    fora::config::NewsletterConfig {
        reply_to: Some("editors@example.org".into()),
        ..Default::default()
    }
);

// ---------------------------------------------------------------------------------------------
// Helpers

/// A published learning with the given title, on a theme (slug) or none.
async fn published_learning(app: &TestApp, title: &str, theme: Option<&str>) -> i32 {
    let mut raw = raw(
        title,
        &format!("{title}: what the evaluation found, in **detail**."),
    );
    if let Some(theme) = theme {
        raw.themes = theme.into();
    }
    learning(app, raw, "published").await
}

async fn product(app: &TestApp, title: &str, status: &str, published_on: time::Date) -> i32 {
    let at = now();
    products::ActiveModel {
        external_id: Set(None),
        content_key: Set(format!("key-{title}")),
        kind_id: Set(None),
        title: Set(title.into()),
        summary: Set(format!("{title}, a toolkit.")),
        summary_html: Set(format!("<p>{title}, a toolkit.</p>")),
        url: Set("https://example.org/toolkit".into()),
        language: Set("en".into()),
        published_on: Set(Some(published_on)),
        status: Set(products::ProductStatus::parse(status).expect("a product status")),
        author_id: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .expect("product")
    .id
}

async fn thread(app: &TestApp, forum_id: i32, author_id: i32, title: &str, featured: bool) -> i32 {
    let at = now();
    threads::ActiveModel {
        forum_id: Set(forum_id),
        author_id: Set(author_id),
        title: Set(title.into()),
        pinned_at: Set(None),
        locked_at: Set(None),
        hidden_at: Set(None),
        featured_at: Set(featured.then_some(at)),
        summary_md: Set(Some(format!("{title}: the moderator's summary."))),
        summary_html: Set(None),
        last_post_at: Set(at),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .expect("thread")
    .id
}

async fn subscriber(
    app: &TestApp,
    email: &str,
    user_id: Option<i32>,
    themes: &[i32],
    status: SubscriberStatus,
) -> i32 {
    let row = subscribers::ActiveModel {
        user_id: Set(user_id),
        status: Set(status),
        ..crate::support::subscriber_row(
            email,
            Frequency::Weekly.as_str(),
            &format!("tok-{}", email.replace(['@', '.'], "-")),
        )
    }
    .insert(app.db())
    .await
    .expect("subscriber");
    for theme in themes {
        subscriber_themes::ActiveModel {
            subscriber_id: Set(row.id),
            theme_id: Set(*theme),
        }
        .insert(app.db())
        .await
        .expect("subscriber theme");
    }
    row.id
}

async fn theme_id(app: &TestApp, slug: &str) -> i32 {
    fora::entities::themes::Entity::find()
        .filter(fora::entities::themes::Column::Slug.eq(slug))
        .one(app.db())
        .await
        .expect("db")
        .expect("theme")
        .id
}

/// An edition of this week around now, composed for real.
async fn compose_now(app: &TestApp) -> editions::Model {
    let at = now();
    service::compose(
        app.db(),
        Frequency::Weekly,
        at - time::Duration::hours(1),
        at + time::Duration::hours(1),
        at + time::Duration::hours(1),
    )
    .await
    .expect("compose")
}

async fn items_of(app: &TestApp, edition_id: i32) -> Vec<(String, i32)> {
    edition_items::Entity::find()
        .filter(edition_items::Column::EditionId.eq(edition_id))
        .order_by_asc(edition_items::Column::Position)
        .all(app.db())
        .await
        .expect("items")
        .into_iter()
        .map(|i| (i.kind, i.item_id))
        .collect()
}

async fn message(app: &TestApp, edition_id: i32, subscriber_id: i32) -> Option<fora::mail::Email> {
    let content = compose::load(app.db(), &app.state.config, edition_id)
        .await
        .expect("load")
        .expect("edition");
    let recipient = compose::recipients(app.db(), &[subscriber_id])
        .await
        .expect("recipients")
        .into_iter()
        .next()?;
    compose::message_for(&app.state.config, &app.state.secret, &content, &recipient)
}

// ---------------------------------------------------------------------------------------------
// Tests

async fn composition_takes_exactly_the_period_items(app: TestApp) {
    let author = app.user("author@example.org", "Author").await;
    let forum = app.forum("agri", "post").await;
    let archived = app.forum("old", "post").await;
    let today = now().date();

    let fresh = published_learning(&app, "Fresh learning", None).await;
    let _draft = learning(&app, raw("Draft learning", "Not yet."), "draft").await;
    let old = published_learning(&app, "Old learning", None).await;
    app.sql(&format!(
        "UPDATE learnings SET published_at = '2020-01-06 10:00:00+00:00' WHERE id = {old}"
    ))
    .await;
    let new_product = product(&app, "New toolkit", "published", today).await;
    let _draft_product = product(&app, "Draft toolkit", "draft", today).await;
    let _old_product = product(
        &app,
        "Old toolkit",
        "published",
        today - time::Duration::days(400),
    )
    .await;
    let featured = thread(&app, forum.id, author.id, "Featured thread", true).await;
    let _plain = thread(&app, forum.id, author.id, "Ordinary thread", false).await;
    let hidden = thread(&app, forum.id, author.id, "Hidden thread", true).await;
    app.sql(&format!(
        "UPDATE threads SET hidden_at = featured_at WHERE id = {hidden}"
    ))
    .await;
    let _in_archived = thread(&app, archived.id, author.id, "Archived forum thread", true).await;
    app.sql(&format!(
        "UPDATE forums SET archived_at = created_at WHERE id = {}",
        archived.id
    ))
    .await;

    let edition = compose_now(&app).await;
    assert_eq!(edition.status, EditionStatus::Scheduled);
    assert!(
        edition.subject.starts_with("Fora weekly — "),
        "{}",
        edition.subject
    );
    let mut items = items_of(&app, edition.id).await;
    items.sort();
    assert_eq!(
        items,
        vec![
            ("learning".to_string(), fresh),
            ("product".to_string(), new_product),
            ("thread".to_string(), featured),
        ]
    );

    // Composing the same period again (another instance, an admin) changes nothing.
    let again = compose_now_same(&app, &edition).await;
    assert_eq!(again.id, edition.id);
    assert_eq!(items_of(&app, edition.id).await.len(), 3);
    assert_eq!(
        editions::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        1
    );

    // Something unpublished after composition does not go out.
    app.sql(&format!(
        "UPDATE learnings SET status = 'retired' WHERE id = {fresh}"
    ))
    .await;
    let content = compose::load(app.db(), &app.state.config, edition.id)
        .await
        .expect("load")
        .expect("edition");
    let kinds: Vec<ItemKind> = content.items.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, vec![ItemKind::Product, ItemKind::Thread]);
    assert!(
        content.items[1]
            .url
            .ends_with(&format!("/threads/{featured}"))
    );
    assert!(content.items[1].url.starts_with("http://"));

    // A newly published learning joins a scheduled edition when it is refreshed, once.
    let later = published_learning(&app, "Later learning", None).await;
    assert!(
        service::refresh(app.db(), edition.id)
            .await
            .expect("refresh")
    );
    assert!(
        service::refresh(app.db(), edition.id)
            .await
            .expect("refresh")
    );
    let items = items_of(&app, edition.id).await;
    assert_eq!(items.iter().filter(|(_, id)| *id == later).count(), 1);
    // And never into a second edition of the same frequency.
    let at = now();
    let next = service::compose(
        app.db(),
        Frequency::Weekly,
        at - time::Duration::hours(2),
        at + time::Duration::hours(3),
        at + time::Duration::hours(3),
    )
    .await
    .expect("compose");
    assert_ne!(next.id, edition.id);
    assert!(items_of(&app, next.id).await.is_empty());
}

async fn compose_now_same(app: &TestApp, edition: &editions::Model) -> editions::Model {
    service::compose(
        app.db(),
        Frequency::Weekly,
        edition.period_start,
        edition.period_end,
        edition.scheduled_for,
    )
    .await
    .expect("compose again")
}

async fn messages_follow_themes_and_forum_membership(app: TestApp) {
    let forum = app.forum("agri", "post").await;
    let member = app.user("member@example.org", "Member").await;
    app.join(&forum, &member, "member").await;
    let outsider = app.user("outsider@example.org", "Outsider").await;
    app.sql("INSERT INTO themes (slug, name, description, created_at) VALUES ('education', 'Education', '', '2026-01-01 00:00:00+00:00')").await;
    let agri = theme_id(&app, "theme-agri").await;
    let education = theme_id(&app, "education").await;

    let school = published_learning(&app, "Schools feed children", Some("education")).await;
    let farm = published_learning(&app, "Farm cooperatives", Some("theme-agri")).await;
    let featured = thread(&app, forum.id, member.id, "Private discussion", true).await;
    let edition = compose_now(&app).await;
    assert_eq!(items_of(&app, edition.id).await.len(), 3);

    let education_only = subscriber(
        &app,
        "edu@example.org",
        None,
        &[education],
        SubscriberStatus::Active,
    )
    .await;
    let everything = subscriber(&app, "all@example.org", None, &[], SubscriberStatus::Active).await;
    let agri_only = subscriber(
        &app,
        "agri@example.org",
        None,
        &[agri],
        SubscriberStatus::Active,
    )
    .await;
    let member_sub = subscriber(
        &app,
        "member@example.org",
        Some(member.id),
        &[],
        SubscriberStatus::Active,
    )
    .await;
    let outsider_sub = subscriber(
        &app,
        "outsider@example.org",
        Some(outsider.id),
        &[],
        SubscriberStatus::Active,
    )
    .await;
    let member_edu = {
        let other = app.user("member2@example.org", "Member Two").await;
        app.join(&forum, &other, "member").await;
        subscriber(
            &app,
            "member2@example.org",
            Some(other.id),
            &[education],
            SubscriberStatus::Active,
        )
        .await
    };
    let pending = subscriber(
        &app,
        "pending@example.org",
        None,
        &[],
        SubscriberStatus::Pending,
    )
    .await;

    let text_of = |m: Option<fora::mail::Email>| m.map(|m| m.text).unwrap_or_default();
    let edu = text_of(message(&app, edition.id, education_only).await);
    assert!(edu.contains("Schools feed children") && !edu.contains("Farm cooperatives"));
    assert!(!edu.contains("Private discussion"));
    let all = message(&app, edition.id, everything)
        .await
        .expect("message");
    assert!(all.text.contains("Schools feed children") && all.text.contains("Farm cooperatives"));
    assert!(!all.text.contains("Private discussion") && !all.html.contains("Private discussion"));
    let agri_text = text_of(message(&app, edition.id, agri_only).await);
    assert!(agri_text.contains("Farm cooperatives") && !agri_text.contains("Private discussion"));
    let outsider_text = text_of(message(&app, edition.id, outsider_sub).await);
    assert!(!outsider_text.contains("Private discussion"));
    // A member whose themes do not include the forum's theme does not get its threads either.
    let member_edu_text = text_of(message(&app, edition.id, member_edu).await);
    assert!(!member_edu_text.contains("Private discussion"));
    assert!(message(&app, edition.id, pending).await.is_none());

    let for_member = message(&app, edition.id, member_sub)
        .await
        .expect("message");
    assert!(for_member.text.contains("Private discussion"));
    assert!(for_member.html.contains("Private discussion"));
    assert!(for_member.text.contains(&format!("/threads/{featured}")));
    assert!(for_member.text.contains("From your forums"));

    // Removed from the forum: the very next build leaves the thread out.
    app.sql(&format!(
        "DELETE FROM memberships WHERE user_id = {} AND forum_id = {}",
        member.id, forum.id
    ))
    .await;
    let after_removal = message(&app, edition.id, member_sub)
        .await
        .expect("message");
    assert!(!after_removal.text.contains("Private discussion"));
    assert!(!after_removal.html.contains("Private discussion"));

    // Back in, but the account disabled: nothing of the forum either.
    app.join(&forum, &member, "member").await;
    assert!(text_of(message(&app, edition.id, member_sub).await).contains("Private discussion"));
    app.sql(&format!(
        "UPDATE users SET disabled_at = created_at WHERE id = {}",
        member.id
    ))
    .await;
    assert!(!text_of(message(&app, edition.id, member_sub).await).contains("Private discussion"));

    // Hidden after composition: nobody gets it.
    app.sql(&format!(
        "UPDATE users SET disabled_at = NULL WHERE id = {}",
        member.id
    ))
    .await;
    app.sql(&format!(
        "UPDATE threads SET hidden_at = featured_at WHERE id = {featured}"
    ))
    .await;
    assert!(!text_of(message(&app, edition.id, member_sub).await).contains("Private discussion"));

    // Nothing for an education subscriber once the school learning is retired: no message,
    // even with an introduction.
    service::set_intro(app.db(), edition.id, "Welcome to this week's *digest*.")
        .await
        .expect("intro");
    app.sql(&format!(
        "UPDATE learnings SET status = 'retired' WHERE id = {school}"
    ))
    .await;
    assert!(message(&app, edition.id, education_only).await.is_none());
    let all = message(&app, edition.id, everything)
        .await
        .expect("message");
    assert!(all.html.contains("<em>digest</em>"), "{}", all.html);
    assert!(all.text.contains("Welcome to this week's *digest*."));
    let _ = farm;
}

async fn archive_shows_only_the_public_part_of_sent_editions(app: TestApp) {
    let forum = app.forum("agri", "post").await;
    let member = app.user("member@example.org", "Member").await;
    app.join(&forum, &member, "member").await;
    published_learning(&app, "Public learning", None).await;
    product(&app, "Public toolkit", "published", now().date()).await;
    thread(&app, forum.id, member.id, "Secret forum thread", true).await;
    let edition = compose_now(&app).await;
    service::set_intro(
        app.db(),
        edition.id,
        "Hello <script>alert(1)</script> **readers**",
    )
    .await
    .expect("intro");

    let visitor = app.client();
    // Not sent yet: not in the archive.
    visitor
        .get(&format!("/newsletter/archive/{}", edition.id))
        .await
        .assert_status(404);
    let list = visitor.get("/newsletter/archive").await;
    list.assert_status(200);
    assert!(!list.body.contains(&edition.subject));

    deliver::enqueue(app.db(), edition.id)
        .await
        .expect("enqueue");
    let list = visitor.get("/newsletter/archive?page=abc&page=2").await;
    list.assert_status(200);
    assert!(list.body.contains(&edition.subject));
    assert!(
        list.body
            .contains(&format!("/newsletter/archive/{}", edition.id))
    );

    let page = visitor
        .get(&format!("/newsletter/archive/{}", edition.id))
        .await;
    page.assert_status(200);
    assert!(page.body.contains("Public learning"));
    assert!(page.body.contains("Public toolkit"));
    assert!(page.body.contains("<strong>readers</strong>"));
    assert!(!page.body.contains("<script>alert"));
    assert!(!page.body.contains("Secret forum thread"));
    // Not even for a member of the forum.
    let member_client = app.login("member@example.org").await;
    let page = member_client
        .get(&format!("/newsletter/archive/{}", edition.id))
        .await;
    page.assert_status(200);
    assert!(!page.body.contains("Secret forum thread"));

    for bad in ["0", "-1", "abc", "99999", "99999999999999"] {
        visitor
            .get(&format!("/newsletter/archive/{bad}"))
            .await
            .assert_status(404);
    }
}

async fn admin_pages_are_for_admins_and_do_what_they_say(app: TestApp) {
    app.admin().await;
    let forum = app.forum("agri", "post").await;
    let member = app.user("member@example.org", "Member").await;
    app.join(&forum, &member, "member").await;
    published_learning(&app, "Admin learning", None).await;
    let edition = compose_now(&app).await;
    let reader = subscriber(
        &app,
        "reader@example.org",
        None,
        &[],
        SubscriberStatus::Active,
    )
    .await;
    let base = format!("/admin/newsletter/editions/{}", edition.id);

    // Signed out: the login page; a member: nothing there.
    let anonymous = app.client();
    for path in [
        "/admin/newsletter".to_string(),
        base.clone(),
        format!("{base}/preview?email=reader@example.org"),
    ] {
        let response = anonymous.get(&path).await;
        response.assert_status(303);
        assert!(
            response
                .location
                .as_deref()
                .unwrap_or("")
                .starts_with("/login")
        );
    }
    let member_client = app.login("member@example.org").await;
    for path in [
        "/admin/newsletter".to_string(),
        base.clone(),
        format!("{base}/preview?email=reader@example.org"),
    ] {
        member_client.get(&path).await.assert_status(404);
    }
    for action in ["intro", "send", "retry"] {
        member_client
            .post(&format!("{base}/{action}"), &[("intro", "Hijacked")])
            .await
            .assert_status(404);
    }
    member_client
        .post("/admin/newsletter/compose", &[("frequency", "weekly")])
        .await
        .assert_status(404);

    let admin = app.login("admin@example.org").await;
    let home = admin.get("/admin/newsletter").await;
    home.assert_status(200);
    assert!(home.body.contains(&edition.subject));
    assert!(home.body.contains("csrf_token"));
    let page = admin.get(&base).await;
    page.assert_status(200);
    assert!(page.body.contains("Admin learning"));

    // Without the CSRF token nothing happens.
    for action in ["intro", "send", "retry"] {
        admin
            .post_raw(&format!("{base}/{action}"), &[("intro", "No token")])
            .await
            .assert_status(403);
    }
    admin
        .post_raw("/admin/newsletter/compose", &[("frequency", "weekly")])
        .await
        .assert_status(403);

    // Preview as a subscriber: exactly their message.
    let preview = admin
        .get(&format!("{base}/preview?email=Reader@Example.org"))
        .await;
    preview.assert_status(200);
    assert!(preview.body.contains("<iframe"));
    assert!(preview.body.contains("srcdoc="));
    assert!(preview.body.contains("Admin learning"));
    let token = app.newsletter_token_for(reader, "tok-reader-example-org");
    assert!(
        preview
            .body
            .contains(&format!("/newsletter/unsubscribe/{token}"))
    );
    admin
        .get(&format!("{base}/preview?email=nobody@example.org"))
        .await
        .assert_status(404);
    admin
        .get(&format!("{base}/preview?email=not-an-address"))
        .await
        .assert_status(422);
    admin
        .get(&format!("{base}/preview"))
        .await
        .assert_status(422);
    for bad in ["0", "abc", "99999"] {
        admin
            .get(&format!("/admin/newsletter/editions/{bad}"))
            .await
            .assert_status(404);
        admin
            .get(&format!(
                "/admin/newsletter/editions/{bad}/preview?email=reader@example.org"
            ))
            .await
            .assert_status(404);
    }
    admin
        .post("/admin/newsletter/compose", &[("frequency", "daily")])
        .await
        .assert_status(400);

    // The introduction: Markdown, sanitized, re-rendered with the text when too long.
    let saved = admin
        .post(
            &format!("{base}/intro"),
            &[("intro", "Dear *readers* <script>x()</script>")],
        )
        .await;
    saved.assert_status(303);
    assert_eq!(saved.location.as_deref(), Some(base.as_str()));
    shown_once(&admin, &base, "Introduction saved.").await;
    // A crafted address shows no notice.
    let crafted = admin.get(&format!("{base}?done=intro")).await;
    assert!(!crafted.body.contains("Introduction saved."));
    let stored = editions::Entity::find_by_id(edition.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    assert!(stored.intro_html.contains("<em>readers</em>"));
    assert!(!stored.intro_html.contains("<script"));
    let long = "x".repeat(20_001);
    let refused = admin
        .post(&format!("{base}/intro"), &[("intro", &long)])
        .await;
    refused.assert_status(422);
    assert!(refused.body.contains(&long));

    // Compose now: the upcoming weekly edition.
    let composed = admin
        .post("/admin/newsletter/compose", &[("frequency", "weekly")])
        .await;
    composed.assert_status(303);
    let composed_page = composed.location.expect("edition page");
    assert!(composed_page.starts_with("/admin/newsletter/editions/"));
    shown_once(&admin, &composed_page, "Edition composed.").await;

    // Send now asks first, saying how many it reaches; nothing is queued yet.
    let question = admin.post(&format!("{base}/send"), &[]).await;
    question.assert_status(200);
    assert!(
        question
            .body
            .contains(&format!("Send edition {} to ", edition.id))
            && question.body.contains("subscriber"),
        "{}",
        question.body
    );
    let waiting = editions::Entity::find_by_id(edition.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    assert_eq!(waiting.status, EditionStatus::Scheduled);
    // Confirmed: deliveries queued, the introduction no longer editable.
    let sent = admin
        .post(&format!("{base}/send"), &[("confirmed", "yes")])
        .await;
    sent.assert_status(303);
    assert_eq!(sent.location.as_deref(), Some(base.as_str()));
    shown_once(&admin, &base, "The edition is being sent.").await;
    let stored = editions::Entity::find_by_id(edition.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    assert_eq!(stored.status, EditionStatus::Sending);
    let late = admin
        .post(&format!("{base}/intro"), &[("intro", "Too late")])
        .await;
    assert_eq!(late.location.as_deref(), Some(base.as_str()));
    shown_once(
        &admin,
        &base,
        "Nothing to do: the edition is not in a state",
    )
    .await;
    let again = admin
        .post(&format!("{base}/send"), &[("confirmed", "yes")])
        .await;
    assert_eq!(again.location.as_deref(), Some(base.as_str()));
    shown_once(
        &admin,
        &base,
        "Nothing to do: the edition is not in a state",
    )
    .await;

    // Composing after that early send prepares the edition after it, not the one sent.
    let next = admin
        .post("/admin/newsletter/compose", &[("frequency", "weekly")])
        .await;
    next.assert_status(303);
    let following = editions::Entity::find()
        .filter(editions::Column::Frequency.eq("weekly"))
        .order_by_desc(editions::Column::PeriodEnd)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    assert_ne!(following.id, edition.id);
    assert_eq!(following.status, EditionStatus::Scheduled);
    assert!(following.period_end > stored.period_end);
    assert_eq!(
        next.location.as_deref(),
        Some(format!("/admin/newsletter/editions/{}", following.id).as_str())
    );

    // An edition with nothing that would go out offers no "Send now", and sending it anyway
    // queues nobody.
    let empty = edition_row("monthly", datetime!(2030-01-01 06:00 UTC), "scheduled")
        .insert(app.db())
        .await
        .expect("edition");
    let empty_base = format!("/admin/newsletter/editions/{}", empty.id);
    let page = admin.get(&empty_base).await;
    page.assert_status(200);
    assert!(page.body.contains("Nothing to send"));
    assert!(!page.body.contains(&format!("action=\"{empty_base}/send\"")));
    let refused = admin.post(&format!("{empty_base}/send"), &[]).await;
    assert_eq!(refused.location.as_deref(), Some(empty_base.as_str()));
    let page = admin
        .get(refused.location.as_deref().unwrap_or_default())
        .await;
    assert!(
        page.body
            .contains("the edition has nothing that would go out")
    );
    assert_eq!(
        deliver::progress(app.db(), empty.id)
            .await
            .expect("progress"),
        deliver::Progress::default()
    );

    // Retry failed: only the failed deliveries go back in the queue.
    let other = subscriber(
        &app,
        "other@example.org",
        None,
        &[],
        SubscriberStatus::Active,
    )
    .await;
    let _ = other;
    app.sql(&format!(
        "INSERT INTO deliveries (edition_id, subscriber_id, status, attempts, next_attempt_at, created_at, updated_at)
         VALUES ({}, {other}, 'failed', 8, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
        edition.id
    ))
    .await;
    app.sql(&format!(
        "UPDATE deliveries SET status = 'sent' WHERE edition_id = {} AND subscriber_id = {reader}",
        edition.id
    ))
    .await;
    let page = admin.get(&base).await;
    assert!(
        page.body.contains("Retry the failed delivery"),
        "{}",
        page.body
    );
    let retried = admin.post(&format!("{base}/retry"), &[]).await;
    assert_eq!(retried.location.as_deref(), Some(base.as_str()));
    let states: Vec<(i32, DeliveryStatus)> = fora::entities::deliveries::Entity::find()
        .filter(fora::entities::deliveries::Column::EditionId.eq(edition.id))
        .all(app.db())
        .await
        .expect("deliveries")
        .into_iter()
        .map(|d| (d.subscriber_id, d.status))
        .collect();
    assert!(states.contains(&(other, DeliveryStatus::Queued)));
    assert!(states.contains(&(reader, DeliveryStatus::Sent)));
    shown_once(&admin, &base, "Failed deliveries are queued again.").await;
}

async fn tick_composes_no_backlog_and_sends_what_is_due(app: TestApp) {
    let config = &app.state.config.newsletter;
    let at = now();
    // A fresh install: the first editions are the upcoming ones; nothing is sent.
    published_learning(&app, "Tick learning", None).await;
    subscriber(
        &app,
        "reader@example.org",
        None,
        &[],
        SubscriberStatus::Active,
    )
    .await;
    schedule::tick(&app.state).await.expect("tick");
    let all = editions::Entity::find()
        .all(app.db())
        .await
        .expect("editions");
    assert_eq!(all.len(), 2, "one upcoming edition per frequency");
    assert!(
        all.iter()
            .all(|e| e.status == EditionStatus::Scheduled && e.scheduled_for > at)
    );
    schedule::tick(&app.state).await.expect("tick again");
    assert_eq!(
        editions::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        2
    );

    // The upcoming weekly edition's time comes (moved into the past here): it is queued.
    let due = schedule::latest_due(config, Frequency::Weekly, at).expect("due");
    let weekly = all
        .iter()
        .find(|e| e.frequency == Frequency::Weekly)
        .expect("weekly");
    app.sql(&format!(
        "UPDATE editions SET scheduled_for = period_start WHERE id = {}",
        weekly.id
    ))
    .await;
    schedule::tick(&app.state).await.expect("tick");
    let weekly = editions::Entity::find_by_id(weekly.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    assert_eq!(weekly.status, EditionStatus::Sending);
    assert_eq!(weekly.recipients, 1);
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent, 1, "{summary}");
    let mails = app.mails_to("reader@example.org", 1).await;
    assert!(mails[0].text.contains("Tick learning"));

    // A monthly edition with nothing in it is not sent.
    let monthly = editions::Entity::find()
        .filter(editions::Column::Frequency.eq("monthly"))
        .one(app.db())
        .await
        .expect("db")
        .expect("monthly");
    assert!(
        items_of(&app, monthly.id).await.len() == 1,
        "the learning is in the monthly edition too"
    );
    app.sql("UPDATE learnings SET status = 'retired'").await;
    app.sql(&format!(
        "UPDATE editions SET scheduled_for = period_start WHERE id = {}",
        monthly.id
    ))
    .await;
    schedule::tick(&app.state).await.expect("tick");
    let monthly = editions::Entity::find_by_id(monthly.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    assert_eq!(monthly.status, EditionStatus::Empty);

    // After downtime: a stale scheduled edition is moved forward to the latest due time
    // instead of two messages going out at once; no older period is composed.
    let stale_end = due - time::Duration::weeks(3);
    let stale = service::compose(
        app.db(),
        Frequency::Weekly,
        stale_end - time::Duration::weeks(1),
        stale_end,
        stale_end,
    )
    .await
    .expect("stale");
    app.sql(&format!(
        "DELETE FROM edition_items WHERE edition_id = {}",
        weekly.id
    ))
    .await;
    app.sql(&format!(
        "DELETE FROM deliveries WHERE edition_id = {}",
        weekly.id
    ))
    .await;
    app.sql(&format!("DELETE FROM editions WHERE id = {}", weekly.id))
        .await;
    schedule::tick(&app.state).await.expect("tick");
    let moved = editions::Entity::find_by_id(stale.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    assert_eq!(moved.period_end, due);
    assert_eq!(
        moved.status,
        EditionStatus::Empty,
        "nothing published: not sent"
    );
    let weekly_count = editions::Entity::find()
        .filter(editions::Column::Frequency.eq(Frequency::Weekly))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(weekly_count, 2, "the moved one and the upcoming one");
}

async fn sent_messages_carry_list_headers(app: TestApp) {
    let forum = app.forum("agri", "post").await;
    let member = app.user("member@example.org", "Member").await;
    app.join(&forum, &member, "member").await;
    published_learning(&app, "Header learning", None).await;
    thread(&app, forum.id, member.id, "Members only", true).await;
    let edition = compose_now(&app).await;
    let member_sub = subscriber(
        &app,
        "member@example.org",
        Some(member.id),
        &[],
        SubscriberStatus::Active,
    )
    .await;
    let reader = subscriber(
        &app,
        "reader@example.org",
        None,
        &[],
        SubscriberStatus::Active,
    )
    .await;
    deliver::enqueue(app.db(), edition.id)
        .await
        .expect("enqueue");
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent, 2, "{summary}");
    let domain = url::Url::parse(&app.base)
        .expect("base")
        .host_str()
        .expect("host")
        .to_string();

    for (address, id) in [
        ("member@example.org", member_sub),
        ("reader@example.org", reader),
    ] {
        let mails = app.mails_to(address, 1).await;
        assert_eq!(mails.len(), 1, "one message each");
        let mail = &mails[0];
        let parsed = mail_parser::MessageParser::default()
            .parse(mail.raw.as_bytes())
            .expect("parse");
        assert_eq!(
            parsed.message_id(),
            Some(format!("edition-{}.subscriber-{id}@{domain}", edition.id).as_str())
        );
        let header = |name: &str| {
            parsed
                .header_raw(name)
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| panic!("no {name} header in {}", mail.raw))
        };
        assert_eq!(
            header("List-Id"),
            format!("Fora newsletter <newsletter.{domain}>")
        );
        let salt = format!("tok-{}", address.replace(['@', '.'], "-"));
        let unsubscribe = format!(
            "{}/newsletter/unsubscribe/{}",
            app.base,
            app.newsletter_token_for(id, &salt)
        );
        assert_eq!(header("List-Unsubscribe"), format!("<{unsubscribe}>"));
        assert_eq!(
            header("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        assert!(parsed.date().is_some(), "Date header");
        let from = parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address());
        assert_eq!(from, Some("fora@example.org"));
        let reply_to = parsed
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address());
        assert_eq!(reply_to, Some("editors@example.org"));
        assert_eq!(mail.subject, edition.subject);
        // Self-contained HTML: no remote images, fonts or stylesheets; one narrow column.
        let html = mail.html.to_lowercase();
        assert!(!html.contains("src=\"http") && !html.contains("src='http"));
        assert!(!html.contains("<link") && !html.contains("@import") && !html.contains("url("));
        assert!(html.contains("max-width:600px"));
        assert!(mail.text.contains("Header learning"));
        assert!(mail.text.contains(&unsubscribe));
        assert!(mail.html.contains("Header learning"));
        let has_thread = mail.text.contains("Members only");
        assert_eq!(has_thread, address == "member@example.org", "{address}");
    }
}

/// The page shows the notice once: a second look no longer has it.
async fn shown_once(client: &crate::support::Client, path: &str, notice: &str) {
    let page = client.get(path).await;
    assert!(
        page.body.contains(notice),
        "{notice} missing: {}",
        page.body
    );
    assert!(
        !client.get(path).await.body.contains(notice),
        "{notice} shown twice"
    );
}

/// The position of `needle` in `haystack`, which must hold it.
fn at(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} missing from:\n{haystack}"))
}

async fn editions_read_by_theme_and_are_dated_by_the_day_they_go_out(app: TestApp) {
    app.admin().await;
    app.sql("INSERT INTO themes (slug, name, name_fr, description, created_at) VALUES ('education', 'Education', 'Éducation', '', '2026-01-01 00:00:00+00:00')").await;
    app.sql("INSERT INTO themes (slug, name, name_fr, description, created_at) VALUES ('trafficking', 'Trafficking', 'Traite', '', '2026-01-01 00:00:00+00:00')").await;
    let themed = |title: &str, description: &str, themes: &str| {
        let mut raw = raw(title, description);
        raw.themes = themes.into();
        raw
    };
    // The title repeats the first sentence; a title cut from a long first sentence; two themes.
    learning(
        &app,
        themed(
            "Schools feed children.",
            "Schools feed children. Attendance rose by a third.",
            "education",
        ),
        "published",
    )
    .await;
    learning(
        &app,
        themed(
            "Shelters need steady funding.",
            "Shelters need steady funding. Two closed in a year.",
            "trafficking",
        ),
        "published",
    )
    .await;
    learning(
        &app,
        themed(
            "Border committees trained…",
            "Border committees trained by the project stopped forty children at the border.",
            "trafficking; education",
        ),
        "published",
    )
    .await;
    published_learning(&app, "Unthemed learning", None).await;
    product(&app, "Unthemed toolkit", "published", now().date()).await;
    let later = now() + time::Duration::days(5);
    let edition = service::compose(
        app.db(),
        Frequency::Weekly,
        now() - time::Duration::hours(1),
        later,
        later,
    )
    .await
    .expect("compose");
    service::set_intro(app.db(), edition.id, "A word from the **editors**.")
        .await
        .expect("intro");
    let english = subscriber(&app, "en@example.org", None, &[], SubscriberStatus::Active).await;
    let french = subscriber(&app, "fr@example.org", None, &[], SubscriberStatus::Active).await;
    app.sql(&format!(
        "UPDATE subscribers SET language = 'fr' WHERE id = {french}"
    ))
    .await;
    subscriber(
        &app,
        "waiting@example.org",
        None,
        &[],
        SubscriberStatus::Pending,
    )
    .await;

    // Before it goes out: dated by its due day, and whom it would reach now.
    let due_subject = compose::subject_in("en", Frequency::Weekly, later);
    assert_eq!(edition.subject, due_subject);
    let admin = app.login("admin@example.org").await;
    let base = format!("/admin/newsletter/editions/{}", edition.id);
    let page = admin.get(&base).await;
    page.assert_status(200);
    assert!(
        page.body.contains("<dt>Recipients</dt><dd>2</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<dt>Goes out</dt>"));
    assert!(!page.body.contains("Went out"));

    // Sent ahead of its time: dated by the day it went out, everywhere.
    assert_eq!(
        deliver::enqueue(app.db(), edition.id)
            .await
            .expect("enqueue"),
        2
    );
    let sent = editions::Entity::find_by_id(edition.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    let today_subject = compose::subject_in("en", Frequency::Weekly, now());
    assert_ne!(today_subject, due_subject);
    assert_eq!(sent.subject, today_subject);
    let page = admin.get(&base).await;
    assert!(
        page.body.contains("<dt>Status</dt><dd>Sending</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<dt>Went out</dt>"));
    assert!(!page.body.contains("Goes out"), "{}", page.body);
    assert!(page.body.contains("<dt>Recipients</dt><dd>2</dd>"));
    assert!(page.body.contains(&today_subject) && !page.body.contains(&due_subject));
    let list = admin.get("/admin/newsletter").await;
    assert!(list.body.contains(&today_subject) && !list.body.contains(&due_subject));

    // The message: intro on top, then themes in name order, an item once under its first
    // theme, the items without one last under "Other"; no title repeated in its summary.
    let mail = message(&app, edition.id, english).await.expect("a message");
    assert_eq!(mail.subject, today_subject);
    for (part, theme_heading, other_heading) in [
        (&mail.html, "Education</h2>", "Other</h2>"),
        (&mail.text, "Education\n=========", "Other\n====="),
    ] {
        let order = [
            at(part, "editors"),
            at(part, theme_heading),
            at(part, "Schools feed children."),
            at(part, "Attendance rose by a third."),
            at(part, "Border committees trained"),
            at(part, "…by the project stopped forty children"),
            at(part, "Trafficking"),
            at(part, "Shelters need steady funding."),
            at(part, other_heading),
            at(part, "Unthemed learning"),
            at(part, "Unthemed toolkit"),
        ];
        assert!(order.is_sorted(), "{order:?}\n{part}");
        for once in [
            "Schools feed children",
            "Shelters need steady funding",
            "Border committees trained",
        ] {
            assert_eq!(part.matches(once).count(), 1, "{once} in\n{part}");
        }
    }
    // French headings and theme names, French order.
    let mail = message(&app, edition.id, french).await.expect("a message");
    assert_eq!(
        mail.subject,
        compose::subject_in("fr", Frequency::Weekly, now())
    );
    let order = [
        at(&mail.text, "Éducation\n========="),
        at(&mail.text, "Traite\n======"),
        at(&mail.text, "Autres\n======"),
    ];
    assert!(order.is_sorted(), "{}", mail.text);

    // The archive: the same groups, the same date.
    let visitor = app.client();
    let list = visitor.get("/newsletter/archive").await;
    assert!(list.body.contains(&today_subject) && !list.body.contains(&due_subject));
    let page = visitor
        .get(&format!("/newsletter/archive/{}", edition.id))
        .await;
    page.assert_status(200);
    assert!(page.body.contains(&today_subject) && !page.body.contains(&due_subject));
    let order = [
        at(&page.body, "<h2>Education</h2>"),
        at(&page.body, "<h3>New learnings</h3>"),
        at(&page.body, "Border committees trained"),
        at(&page.body, "<h2>Trafficking</h2>"),
        at(&page.body, "<h2>Other</h2>"),
        at(&page.body, "<h3>New knowledge products</h3>"),
    ];
    assert!(order.is_sorted(), "{}", page.body);
    assert_eq!(page.body.matches("Border committees trained").count(), 1);
}

/// With no theme on any item, no lone "Other" heading: the kinds are the page's sections.
#[tokio::test]
async fn an_edition_without_themes_has_no_theme_heading() {
    let app = TestApp::start(crate::support::Backend::Sqlite, Default::default()).await;
    published_learning(&app, "Unthemed learning", None).await;
    let edition = compose_now(&app).await;
    let reader = subscriber(&app, "r@example.org", None, &[], SubscriberStatus::Active).await;
    let mail = message(&app, edition.id, reader).await.expect("a message");
    assert!(!mail.text.contains("Other"), "{}", mail.text);
    assert!(mail.html.contains("New learnings</h2>"), "{}", mail.html);
    deliver::enqueue(app.db(), edition.id)
        .await
        .expect("enqueue");
    let page = app
        .client()
        .get(&format!("/newsletter/archive/{}", edition.id))
        .await;
    assert!(
        page.body.contains("<h2>New learnings</h2>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<h3>"));
}
