//! What people write carries its own language (issue 13): a thread and each post store the
//! language they are written in (the author's interface language unless they pick another),
//! pages mark it with `lang` where it differs from the page's, notifications name it, and
//! threads that existed before get their forum's language.

use fora::entities::{posts, threads};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::support::{Client, TestApp};

crate::on_both_databases!(
    threads_and_replies_carry_their_language,
    unknown_languages_are_refused_and_nothing_typed_is_lost,
    pages_mark_text_in_another_language,
    notifications_name_a_post_in_another_language,
    existing_threads_take_their_forums_language,
);

/// A forum `langs` (held in English), its moderator with an English interface and a member
/// with a French one, both signed in.
async fn forum_with_a_french_member(app: &TestApp) -> (Client, Client) {
    let forum = app.forum("langs", "post").await;
    let moderator = app.user("mod@example.org", "Moderator Mo").await;
    let member = app.user("marie@example.org", "Marie").await;
    app.join(&forum, &moderator, "moderator").await;
    app.join(&forum, &member, "member").await;
    app.sql("UPDATE users SET locale = 'fr' WHERE email = 'marie@example.org'")
        .await;
    (
        app.login("mod@example.org").await,
        app.login("marie@example.org").await,
    )
}

async fn thread_by_title(app: &TestApp, title: &str) -> Option<threads::Model> {
    threads::Entity::find()
        .filter(threads::Column::Title.eq(title))
        .one(app.db())
        .await
        .expect("thread")
}

async fn posts_of(app: &TestApp, thread_id: i32) -> Vec<posts::Model> {
    posts::Entity::find()
        .filter(posts::Column::ThreadId.eq(thread_id))
        .order_by_asc(posts::Column::Id)
        .all(app.db())
        .await
        .expect("posts")
}

/// Starts a thread; `language` is left out of the form when `None`.
async fn start(client: &Client, title: &str, language: Option<&str>) -> String {
    let mut form = vec![
        ("title", title),
        ("body", "Les coopératives paient l’école."),
    ];
    if let Some(language) = language {
        form.push(("language", language));
    }
    let answer = client.post("/forums/langs/new", &form).await;
    answer.assert_status(303);
    answer.location.clone().expect("the thread's address")
}

async fn threads_and_replies_carry_their_language(app: TestApp) {
    let (moderator, member) = forum_with_a_french_member(&app).await;

    // The form offers the three languages, the author's own chosen.
    let form = member.get("/forums/langs/new").await;
    form.assert_status(200);
    assert!(
        form.body
            .contains("<label for=\"language\">Langue de votre message</label>"),
        "{}",
        form.body
    );
    assert!(
        form.body
            .contains("<option value=\"fr\" lang=\"fr\" selected>Français</option>"),
        "{}",
        form.body
    );
    assert!(
        form.body
            .contains("<option value=\"es\" lang=\"es\">Español</option>")
    );

    // Without a choice (an older form), the author's interface language.
    start(&member, "Cantines scolaires", None).await;
    let french = thread_by_title(&app, "Cantines scolaires")
        .await
        .expect("thread");
    assert_eq!(french.language, "fr");
    assert_eq!(posts_of(&app, french.id).await[0].language, "fr");

    // A choice wins over the interface language.
    let path = start(&member, "Comedores escolares", Some("es")).await;
    let spanish = thread_by_title(&app, "Comedores escolares")
        .await
        .expect("thread");
    assert_eq!(spanish.language, "es");
    assert_eq!(posts_of(&app, spanish.id).await[0].language, "es");

    // Replies have their own, whatever the thread's; spaces around the code are forgiven.
    moderator
        .post(
            &format!("{path}/reply"),
            &[("body", "School meals work too."), ("language", " en ")],
        )
        .await
        .assert_status(303);
    moderator
        .post(&format!("{path}/reply"), &[("body", "Default.")])
        .await
        .assert_status(303);
    let languages: Vec<String> = posts_of(&app, spanish.id)
        .await
        .into_iter()
        .map(|p| p.language)
        .collect();
    assert_eq!(
        languages,
        ["es", "en", "en"],
        "the moderator's interface is English"
    );
    let reloaded = thread_by_title(&app, "Comedores escolares")
        .await
        .expect("thread");
    assert_eq!(
        reloaded.language, "es",
        "a reply does not change the thread's"
    );

    // The reply box offers the choice too, the reader's language first.
    let page = member.get(&path).await;
    assert!(page.body.contains("name=\"language\""), "{}", page.body);
    assert!(
        page.body
            .contains("<option value=\"fr\" lang=\"fr\" selected>")
    );
}

async fn unknown_languages_are_refused_and_nothing_typed_is_lost(app: TestApp) {
    let (moderator, member) = forum_with_a_french_member(&app).await;
    let long = "f".repeat(5_000);
    for bad in ["de", "FR", "fr-FR", "\u{202e}fr", "<b>fr</b>", "e n", &long] {
        let answer = member
            .post(
                "/forums/langs/new",
                &[
                    ("title", "Titre gardé"),
                    ("body", "Texte gardé"),
                    ("language", bad),
                ],
            )
            .await;
        answer.assert_status(422);
        assert!(
            answer
                .body
                .contains("Choisissez l’anglais, le français ou l’espagnol."),
            "{bad:?}: {}",
            answer.body
        );
        assert!(answer.body.contains("value=\"Titre gardé\""), "{bad:?}");
        assert!(answer.body.contains("Texte gardé"), "{bad:?}");
        assert!(answer.body.contains("aria-invalid=\"true\""), "{bad:?}");
        assert!(!answer.body.contains("<b>fr</b>"), "markup is escaped");
    }
    // Control characters are refused at the edge, before any handler (400).
    for bad in ["f\u{0}r", "fr\u{7}"] {
        member
            .post(
                "/forums/langs/new",
                &[("title", "Titre gardé"), ("body", "x"), ("language", bad)],
            )
            .await
            .assert_status(400);
    }
    // A bad title and a bad language are both reported.
    let both = member
        .post(
            "/forums/langs/new",
            &[("title", " "), ("body", "x"), ("language", "xx")],
        )
        .await;
    both.assert_status(422);
    assert!(both.body.contains("href=\"#title\"") && both.body.contains("href=\"#language\""));
    assert!(thread_by_title(&app, "Titre gardé").await.is_none());

    let path = start(&moderator, "Monitoring", Some("en")).await;
    let thread = thread_by_title(&app, "Monitoring").await.expect("thread");
    for bad in ["pt", "", "\u{202e}es"] {
        let answer = member
            .post(
                &format!("{path}/reply"),
                &[("body", "Réponse gardée"), ("language", bad)],
            )
            .await;
        if bad.is_empty() {
            // Empty is a form without the field: the author's language.
            answer.assert_status(303);
            continue;
        }
        answer.assert_status(422);
        assert!(answer.body.contains("Réponse gardée"), "{bad:?}");
        assert!(answer.body.contains("#language"), "{bad:?}");
    }
    let languages: Vec<String> = posts_of(&app, thread.id)
        .await
        .into_iter()
        .map(|p| p.language)
        .collect();
    assert_eq!(languages, ["en", "fr"], "only the good reply was posted");
    // The database itself refuses another language.
    let refused = app
        .db()
        .execute_unprepared(&format!(
            "UPDATE posts SET language = 'de' WHERE thread_id = {}",
            thread.id
        ))
        .await;
    assert!(refused.is_err(), "a CHECK keeps languages to en, fr, es");
}

async fn pages_mark_text_in_another_language(app: TestApp) {
    let (moderator, member) = forum_with_a_french_member(&app).await;
    let path = start(&member, "Cantines scolaires", None).await;
    moderator
        .post(
            &format!("{path}/reply"),
            &[("body", "School meals work too.")],
        )
        .await
        .assert_status(303);

    // The English moderator: the French title and body are marked, the English reply is not.
    let list = moderator.get("/forums/langs").await;
    assert!(
        list.body.contains(&format!(
            "<a href=\"{path}\" lang=\"fr\">Cantines scolaires</a>"
        )),
        "{}",
        list.body
    );
    let page = moderator.get(&path).await;
    assert!(
        page.body
            .contains("<h1 lang=\"fr\">Cantines scolaires</h1>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<div class=\"body\" lang=\"fr\">"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("<div class=\"body\"").count(), 2);
    assert_eq!(page.body.matches("<div class=\"body\" lang=").count(), 1);

    // The French member: the other way round.
    let page = member.get(&path).await;
    assert!(
        page.body.contains("<h1>Cantines scolaires</h1>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<div class=\"body\" lang=\"en\">"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("<div class=\"body\" lang=").count(), 1);
    let list = member.get("/forums/langs").await;
    assert!(
        list.body
            .contains(&format!("<a href=\"{path}\">Cantines scolaires</a>"))
    );
    // The home's recent discussions too.
    let home = moderator.get("/").await;
    assert!(
        home.body.contains(&format!(
            "<a href=\"{path}\" lang=\"fr\">Cantines scolaires</a>"
        )),
        "{}",
        home.body
    );
}

async fn notifications_name_a_post_in_another_language(app: TestApp) {
    let (moderator, member) = forum_with_a_french_member(&app).await;
    let path = start(&moderator, "Monitoring", Some("en")).await;
    member
        .post(
            &format!("{path}/reply"),
            &[("body", "Les comités villageois suivent les enfants.")],
        )
        .await
        .assert_status(303);
    fora::forums::notify::deliver_due(&app.state, None)
        .await
        .expect("deliver");
    let mail = app.mails_to("mod@example.org", 1).await.remove(0);
    assert!(mail.text.contains("(in French)"), "{}", mail.text);
    assert!(
        mail.html
            .contains("lang=\"fr\">Les comités villageois suivent les enfants.</p>"),
        "{}",
        mail.html
    );
    // A reply in the reader's own language is not labelled.
    moderator
        .post(&format!("{path}/reply"), &[("body", "Thank you.")])
        .await
        .assert_status(303);
    fora::forums::notify::deliver_due(&app.state, None)
        .await
        .expect("deliver");
    let mail = app.mails_to("marie@example.org", 1).await.remove(0);
    assert!(mail.text.contains("(en anglais)"), "{}", mail.text);
}

/// Takes the schema back to just before the post-language migration and forward again.
async fn migrate_again(app: &TestApp) {
    let migrations = Migrator::migrations();
    let at = migrations
        .iter()
        .position(|m| m.name() == "m20261202_000035_post_language")
        .expect("the post-language migration");
    let steps = u32::try_from(migrations.len() - at).expect("steps");
    Migrator::down(app.db(), Some(steps)).await.expect("down");
    Migrator::up(app.db(), None).await.expect("up");
}

async fn existing_threads_take_their_forums_language(app: TestApp) {
    let (moderator, member) = forum_with_a_french_member(&app).await;
    app.sql("UPDATE forums SET language = 'es' WHERE slug = 'langs'")
        .await;
    let path = start(&member, "Cantines scolaires", Some("fr")).await;
    moderator
        .post(&format!("{path}/reply"), &[("body", "In English.")])
        .await
        .assert_status(303);
    migrate_again(&app).await;
    let thread = thread_by_title(&app, "Cantines scolaires")
        .await
        .expect("thread");
    assert_eq!(
        thread.language, "es",
        "the forum's language, as Fora assumed before"
    );
    let languages: Vec<String> = posts_of(&app, thread.id)
        .await
        .into_iter()
        .map(|p| p.language)
        .collect();
    assert_eq!(languages, ["es", "es"]);
}
