//! Mail in the recipient's language (issue 13): forums have a language, invitations go out in
//! the one the inviter picks (the forum's by default), newsletter subscribers choose theirs
//! (confirmation and editions follow it), and an edition carries one introduction per
//! language while each item stays in its own, labelled when it differs.
//! An unknown language, in any form field, is refused and nothing is stored.

use fora::{
    db::now,
    entities::{forums, invitations, states::Frequency, subscribers},
    newsletter::{deliver, editions as edition_service},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    library_search::{learning, raw},
    support::{Client, TestApp},
};

crate::on_both_databases!(
    admins_give_forums_a_language,
    invitations_go_out_in_the_chosen_or_the_forums_language,
    subscribers_choose_the_language_of_their_newsletter,
    editions_speak_each_subscribers_language,
    members_get_the_newsletter_in_their_profile_language,
);

async fn forum_language(app: &TestApp, slug: &str) -> Option<String> {
    forums::Entity::find()
        .filter(forums::Column::Slug.eq(slug))
        .one(app.db())
        .await
        .expect("db")
        .map(|f| f.language)
}

async fn admin_client(app: &TestApp) -> Client {
    let admin = app.admin().await;
    app.login(&admin.email).await
}

async fn subscriber(app: &TestApp, email: &str) -> Option<subscribers::Model> {
    subscribers::Entity::find()
        .filter(subscribers::Column::Email.eq(email))
        .one(app.db())
        .await
        .expect("db")
}

async fn admins_give_forums_a_language(app: TestApp) {
    let admin = admin_client(&app).await;
    admin
        .post(
            "/admin/themes",
            &[("theme_slug", "agri"), ("theme_name", "Agriculture")],
        )
        .await
        .assert_status(303);
    let form = |slug: &'static str, language: &'static str| {
        [
            ("slug", slug),
            ("title", "Cacao et coopératives"),
            ("theme", "agri"),
            ("purpose", "Partager ce qui fonctionne."),
            ("expected_outcome", ""),
            ("moderation", "post"),
            ("language", language),
        ]
    };
    // An unknown language: the form comes back with the error and what was typed.
    for bad in ["de", "FR ", "fr-FR", "<b>", "english"] {
        let page = admin.post("/admin/forums", &form("cacao", bad)).await;
        page.assert_status(422);
        assert!(
            page.body.contains("Choose English, French or Spanish."),
            "{}",
            page.body
        );
        assert!(page.body.contains("Cacao et coopératives"));
        assert!(page.body.contains("aria-invalid=\"true\""));
        assert_eq!(
            forum_language(&app, "cacao").await,
            None,
            "{bad} not stored"
        );
    }
    admin
        .post("/admin/forums", &form("cacao", "fr"))
        .await
        .assert_status(303);
    assert_eq!(forum_language(&app, "cacao").await.as_deref(), Some("fr"));
    // Left out (an older form): English.
    let mut older = form("farms", "").to_vec();
    older.pop();
    admin.post("/admin/forums", &older).await.assert_status(303);
    assert_eq!(forum_language(&app, "farms").await.as_deref(), Some("en"));

    // The forum page in English marks the forum's French texts, and names the language.
    let page = admin.get("/forums/cacao").await;
    page.assert_status(200);
    assert!(
        page.body
            .contains("<h1 lang=\"fr\">Cacao et coopératives</h1>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<span lang=\"fr\">Partager ce qui fonctionne.</span>")
    );
    assert!(page.body.contains("<span lang=\"fr\">Français</span>"));
    // An English forum on an English page needs no mark.
    let page = admin.get("/forums/farms").await;
    assert!(
        page.body.contains("<h1>Cacao et coopératives</h1>"),
        "{}",
        page.body
    );

    // Changing it on the admin page: a known language is stored and logged, others refused.
    admin
        .post("/admin/forums/cacao/language", &[("language", "es")])
        .await
        .assert_status(303);
    assert_eq!(forum_language(&app, "cacao").await.as_deref(), Some("es"));
    for bad in ["xx", "", "ES"] {
        let page = admin
            .post("/admin/forums/cacao/language", &[("language", bad)])
            .await;
        if bad.is_empty() {
            // Empty means the default, English.
            page.assert_status(303);
            assert_eq!(forum_language(&app, "cacao").await.as_deref(), Some("en"));
            admin
                .post("/admin/forums/cacao/language", &[("language", "es")])
                .await
                .assert_status(303);
            continue;
        }
        page.assert_status(422);
        assert!(page.body.contains("Choose English, French or Spanish."));
        assert!(
            page.body.contains("href=\"#language-cacao\""),
            "{}",
            page.body
        );
        assert_eq!(forum_language(&app, "cacao").await.as_deref(), Some("es"));
    }
    admin
        .post("/admin/forums/nope/language", &[("language", "fr")])
        .await
        .assert_status(404);
    let log = admin.get("/admin/log").await;
    assert!(log.body.contains("changed the language of"), "{}", log.body);

    // The database refuses an unknown language whoever writes it.
    let backend = app.db().get_database_backend();
    let refused = sea_orm::ConnectionTrait::execute_raw(
        app.db(),
        sea_orm::Statement::from_string(
            backend,
            "UPDATE forums SET language = 'de' WHERE slug = 'cacao'".to_string(),
        ),
    )
    .await;
    assert!(refused.is_err(), "the CHECK constraint refuses 'de'");
}

async fn invite(
    moderator: &Client,
    slug: &str,
    fields: &[(&str, &str)],
) -> crate::support::Response {
    moderator.get(&format!("/forums/{slug}/members")).await;
    moderator
        .post(&format!("/forums/{slug}/members"), fields)
        .await
}

async fn invitations_go_out_in_the_chosen_or_the_forums_language(app: TestApp) {
    let (forum, moderator, _member) = app.with_forum("cacao", "post").await;
    app.sql("UPDATE forums SET language = 'fr' WHERE slug = 'cacao'")
        .await;

    // The members page offers the forum's language first.
    let page = moderator.get("/forums/cacao/members").await;
    assert!(
        page.body
            .contains("<option value=\"fr\" lang=\"fr\" selected>Français</option>"),
        "{}",
        page.body
    );

    // No choice made: the forum's language, French (whatever the moderator's own, English).
    invite(
        &moderator,
        "cacao",
        &[("emails", "ana@example.org"), ("role", "member")],
    )
    .await
    .assert_status(303);
    let mail = app.mails_to("ana@example.org", 1).await.remove(0);
    assert_eq!(mail.subject, "Invitation au forum Forum cacao sur Fora");
    assert!(
        mail.text.contains("vous invite à rejoindre"),
        "{}",
        mail.text
    );

    // The moderator picks Spanish, then French explicitly.
    invite(
        &moderator,
        "cacao",
        &[
            ("emails", "luis@example.org"),
            ("role", "member"),
            ("language", "es"),
        ],
    )
    .await
    .assert_status(303);
    let mail = app.mails_to("luis@example.org", 1).await.remove(0);
    assert_eq!(mail.subject, "Invitación al foro Forum cacao en Fora");
    app.sql("UPDATE forums SET language = 'en' WHERE slug = 'cacao'")
        .await;
    invite(
        &moderator,
        "cacao",
        &[
            ("emails", "marie@example.org"),
            ("role", "member"),
            ("language", "fr"),
        ],
    )
    .await
    .assert_status(303);
    let mail = app.mails_to("marie@example.org", 1).await.remove(0);
    assert_eq!(mail.subject, "Invitation au forum Forum cacao sur Fora");

    // Sent again, it keeps its language (Spanish), whatever the forum's now.
    let luis = invitations::Entity::find()
        .filter(invitations::Column::Email.eq("luis@example.org"))
        .one(app.db())
        .await
        .expect("db")
        .expect("invitation");
    assert_eq!(luis.language, "es");
    moderator
        .post(
            &format!("/forums/cacao/invitations/{}/resend", luis.id),
            &[],
        )
        .await
        .assert_status(303);
    let mails = app.mails_to("luis@example.org", 2).await;
    assert_eq!(mails[1].subject, "Invitación al foro Forum cacao en Fora");

    // An unknown language: the form comes back with the error and the addresses typed, and
    // nobody is invited.
    let before = invitations::Entity::find()
        .count(app.db())
        .await
        .expect("count");
    for bad in ["de", "xx", "fr-CA", "Español"] {
        let page = invite(
            &moderator,
            "cacao",
            &[
                ("emails", "nadie@example.org"),
                ("role", "member"),
                ("language", bad),
            ],
        )
        .await;
        page.assert_status(422);
        assert!(page.body.contains("Choose English, French or Spanish."));
        assert!(page.body.contains("nadie@example.org"));
    }
    assert_eq!(
        invitations::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        before
    );
    let _ = forum;
}

async fn subscribers_choose_the_language_of_their_newsletter(app: TestApp) {
    let visitor = app.client();
    // The form offers the page's language first.
    let page = visitor.get("/newsletter").await;
    assert!(
        page.body
            .contains("<option value=\"en\" lang=\"en\" selected>English</option>"),
        "{}",
        page.body
    );
    // Refused: the page again with the error and the address; nothing stored, nothing sent.
    for bad in ["de", "ES", "e", "español"] {
        let page = visitor
            .post(
                "/newsletter",
                &[
                    ("email", "ines@example.org"),
                    ("frequency", "weekly"),
                    ("language", bad),
                ],
            )
            .await;
        page.assert_status(422);
        assert!(page.body.contains("Choose English, French or Spanish."));
        assert!(page.body.contains("ines@example.org"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(subscriber(&app, "ines@example.org").await.is_none());
    assert_eq!(app.mail_count(), 0);

    // Spanish picked on an English page: the confirmation is in Spanish.
    visitor
        .post(
            "/newsletter",
            &[
                ("email", "ines@example.org"),
                ("frequency", "weekly"),
                ("language", "es"),
            ],
        )
        .await
        .assert_status(200);
    let mail = app.mails_to("ines@example.org", 1).await.remove(0);
    assert_eq!(mail.subject, "Confirme su suscripción al boletín de Fora");
    assert!(mail.html.contains("lang=\"es\""));
    assert_eq!(
        subscriber(&app, "ines@example.org")
            .await
            .expect("row")
            .language,
        "es"
    );

    // No choice sent: the page's language (French here, from the browser).
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let page = http
        .get(format!("{}/newsletter", app.base))
        .header("Accept-Language", "fr")
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let token = crate::support::extract_csrf(&page).expect("csrf");
    let answer = http
        .post(format!("{}/newsletter", app.base))
        .header("Accept-Language", "fr")
        .form(&[
            ("email", "paul@example.org"),
            ("frequency", "weekly"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(answer.status(), 200);
    let mail = app.mails_to("paul@example.org", 1).await.remove(0);
    assert_eq!(
        mail.subject,
        "Confirmez votre abonnement à la lettre d’information de Fora"
    );
}

async fn editions_speak_each_subscribers_language(app: TestApp) {
    let admin = admin_client(&app).await;
    let english = learning(
        &app,
        raw(
            "Cocoa cooperatives",
            "Cooperatives kept children in school.",
        ),
        "published",
    )
    .await;
    let french = learning(
        &app,
        fora::learnings::fields::RawLearning {
            language: "fr".into(),
            ..raw(
                "Les cantines scolaires",
                "Les cantines ont réduit le travail des enfants.",
            )
        },
        "published",
    )
    .await;
    let row = crate::support::subscriber_row("reader@example.org", "weekly", "salt-reader")
        .insert(app.db())
        .await
        .expect("subscriber");
    let at = now();
    let edition = edition_service::compose(
        app.db(),
        Frequency::Weekly,
        at - time::Duration::hours(1),
        at + time::Duration::hours(1),
        at + time::Duration::hours(1),
    )
    .await
    .expect("compose");

    // The admin writes the introduction in English and French, not in Spanish.
    let base = format!("/admin/newsletter/editions/{}", edition.id);
    let page = admin.get(&base).await;
    assert!(page.body.contains("Introduction in French (Markdown)"));
    let too_long = "x".repeat(20_001);
    let page = admin
        .post(
            &format!("{base}/intro"),
            &[
                ("intro", "Hello"),
                ("intro_fr", &too_long),
                ("intro_es", ""),
            ],
        )
        .await;
    page.assert_status(422);
    assert!(page.body.contains("href=\"#intro_fr\""));
    admin
        .post(
            &format!("{base}/intro"),
            &[
                ("intro", "Welcome to this week's *digest*."),
                ("intro_fr", "Bienvenue dans ce *numéro*."),
                ("intro_es", ""),
            ],
        )
        .await
        .assert_status(303);

    // The subscriber switches to French on the manage page; an unknown language is refused.
    let token = app.newsletter_token(&row);
    let manage = format!("/newsletter/manage/{token}");
    let page = visitor_get(&app, &manage).await;
    assert!(
        page.contains("<option value=\"en\" lang=\"en\" selected>English</option>"),
        "{page}"
    );
    let visitor = app.client();
    visitor.get(&manage).await.assert_status(200);
    for bad in ["de", "FR", "zz"] {
        let page = visitor
            .post(&manage, &[("frequency", "weekly"), ("language", bad)])
            .await;
        page.assert_status(422);
        assert!(page.body.contains("Choose English, French or Spanish."));
        assert_eq!(
            subscriber(&app, "reader@example.org")
                .await
                .expect("row")
                .language,
            "en"
        );
    }
    visitor
        .post(&manage, &[("frequency", "weekly"), ("language", "fr")])
        .await
        .assert_status(303);
    assert_eq!(
        subscriber(&app, "reader@example.org")
            .await
            .expect("row")
            .language,
        "fr"
    );
    // Themes and frequency alone (an older page) leave the language as it is.
    visitor
        .post(&manage, &[("frequency", "weekly")])
        .await
        .assert_status(303);
    assert_eq!(
        subscriber(&app, "reader@example.org")
            .await
            .expect("row")
            .language,
        "fr"
    );

    // The next edition: French subject, introduction and headings; the English learning is
    // marked and named, the French one is not.
    deliver::enqueue(app.db(), edition.id)
        .await
        .expect("enqueue");
    deliver::drain(&app.state).await.expect("drain");
    let mail = app.mails_to("reader@example.org", 1).await.remove(0);
    assert!(
        mail.subject.starts_with("Fora hebdo — "),
        "{}",
        mail.subject
    );
    assert!(mail.html.contains("<html lang=\"fr\">"));
    assert!(
        mail.html.contains("Bienvenue dans ce <em>numéro</em>."),
        "{}",
        mail.html
    );
    assert!(!mail.html.contains("Welcome to this week"));
    assert!(mail.html.contains("Nouveaux enseignements"));
    assert!(
        mail.html.contains(&format!(
            "/learnings/{english}\" style=\"color:#0b5394\" lang=\"en\" hreflang=\"en\">Cocoa cooperatives</a>"
        )),
        "{}",
        mail.html
    );
    assert!(mail.html.contains("(en anglais)"));
    assert!(
        mail.html.contains(&format!(
            "/learnings/{french}\" style=\"color:#0b5394\">Les cantines scolaires</a>"
        )),
        "{}",
        mail.html
    );
    assert!(
        mail.text.contains("* Cocoa cooperatives (en anglais)"),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .lines()
            .any(|line| line.trim_end() == "* Les cantines scolaires"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("Bienvenue dans ce *numéro*."));

    // A Spanish reader gets the English introduction (none was written in Spanish), with
    // Spanish headings; an English reader gets it in English, the French item labelled.
    let spanish = fora::newsletter::compose::recipients(app.db(), &[row.id])
        .await
        .expect("recipients")
        .into_iter()
        .map(|mut r| {
            r.language = "es".into();
            r
        })
        .next()
        .expect("recipient");
    let content = fora::newsletter::compose::load(app.db(), &app.state.config, edition.id)
        .await
        .expect("load")
        .expect("edition");
    let message = fora::newsletter::compose::message_for(
        &app.state.config,
        &app.state.secret,
        &content,
        &spanish,
    )
    .expect("message");
    assert!(
        message.subject.starts_with("Fora semanal — "),
        "{}",
        message.subject
    );
    assert!(
        message
            .html
            .contains("Welcome to this week's <em>digest</em>.")
    );
    assert!(message.html.contains("Nuevas lecciones"));
    assert!(message.html.contains("(en inglés)"));
    assert!(message.html.contains("(en francés)"));
    let english_reader = fora::newsletter::compose::Recipient {
        language: "en".into(),
        ..spanish
    };
    let message = fora::newsletter::compose::message_for(
        &app.state.config,
        &app.state.secret,
        &content,
        &english_reader,
    )
    .expect("message");
    assert!(message.html.contains("(in French)"));
    assert!(!message.html.contains("(in English)"));

    // The archive speaks the reader's language too.
    let archive =
        visitor_get_lang(&app, &format!("/newsletter/archive/{}", edition.id), "fr").await;
    assert!(
        archive.contains("Bienvenue dans ce <em>numéro</em>."),
        "{archive}"
    );
    assert!(archive.contains("(en anglais)"));
}

async fn visitor_get(app: &TestApp, path: &str) -> String {
    app.client().get(path).await.body
}

async fn visitor_get_lang(app: &TestApp, path: &str, lang: &str) -> String {
    reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body")
}

async fn members_get_the_newsletter_in_their_profile_language(app: TestApp) {
    let user = app.user("ana@example.org", "Ana").await;
    app.sql(&format!(
        "UPDATE users SET locale = 'es' WHERE id = {}",
        user.id
    ))
    .await;
    let client = app.login(&user.email).await;
    client
        .post(
            "/profile/newsletter",
            &[("action", "save"), ("frequency", "weekly")],
        )
        .await
        .assert_status(303);
    assert_eq!(
        subscriber(&app, "ana@example.org")
            .await
            .expect("row")
            .language,
        "es"
    );
    // Changing the profile's language changes the newsletter's.
    let profile = client.get("/profile").await;
    profile.assert_status(200);
    client
        .post(
            "/profile",
            &[
                ("display_name", "Ana"),
                ("locale", "fr"),
                ("notify_mode", "immediate"),
            ],
        )
        .await
        .assert_status(303);
    assert_eq!(
        subscriber(&app, "ana@example.org")
            .await
            .expect("row")
            .language,
        "fr"
    );
}
