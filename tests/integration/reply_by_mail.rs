//! Reply by email (issue 14): a notification of a post carries `Reply-To:
//! reply+TOKEN@FORA_REPLY_DOMAIN`, and `fora mail-in` — the real binary, fed on standard
//! input as Postfix's pipe transport feeds it — posts what the member writes there as their
//! reply, under the web's rules, or tells them by mail why not. Replies are shaped as Gmail,
//! Outlook, Apple Mail and Thunderbird write them (`tests/fixtures/mail-in/reply-*.eml`).

use fora::{
    entities::{posts, states::PostStatus},
    forums::{by_mail::ANSWERS_PER_HOUR, notify, reply_confirmation::CONFIRMATIONS_PER_HOUR},
    mail::reply_address::ReplyTag,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    bounces::{Ran, assert_ran, replace, run_mail_in},
    forums::{remove_from_forum, thread_with_reply},
    support::{Client, Options, TestApp},
};

const REPLY_DOMAIN: &str = "reply.example.org";
const MEMBER: &str = "member-agri@example.org";
const MODERATOR: &str = "mod-agri@example.org";
const REFUSED: &str = "Your reply by email was not posted";
const POSTED: &str = "Your reply by email is posted";
const HELD: &str = "Your reply by email is waiting for approval";

fn options() -> Options {
    Options {
        reply_domain: Some(REPLY_DOMAIN.into()),
        ..Default::default()
    }
}

crate::on_both_databases!(
    options = options;
    the_notification_carries_the_reply_address_and_says_so,
    a_daily_summary_of_one_thread_has_the_reply_address_and_of_two_has_none,
    replies_from_each_mail_client_appear_on_the_thread,
    a_reply_in_a_moderated_forum_is_held_and_moderators_told,
    a_locked_thread_an_empty_reply_and_a_wrong_sender_are_answered,
    a_removed_member_and_a_disabled_account_are_answered_without_the_thread,
    forged_tokens_and_automatic_mail_post_nothing,
    a_second_delivery_posts_once,
    a_flood_of_refusals_gets_a_few_answers,
    a_posted_reply_is_confirmed_with_its_link,
    a_held_reply_is_confirmed_as_waiting_in_the_members_language,
    a_flood_of_posted_replies_gets_a_bounded_number_of_confirmations,
    stopping_replies_from_old_emails_revokes_every_address_mailed_so_far,
    stopping_old_replies_needs_a_signed_in_post_with_its_token,
);

crate::on_both_databases!(without_the_setting_notifications_have_no_reply_to);

/// A forum `agri` whose moderator started a thread that the member replied to on the web.
struct Scene {
    forum: fora::entities::forums::Model,
    moderator: Client,
    path: String,
    thread_id: i32,
    member_id: i32,
}

async fn scene(app: &TestApp, moderation: &str) -> Scene {
    let (forum, moderator, member) = app.with_forum("agri", moderation).await;
    let (path, thread_id, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let member_id = fora::accounts::service::find_by_email(app.db(), MEMBER)
        .await
        .expect("db")
        .expect("member")
        .id;
    Scene {
        forum,
        moderator,
        path,
        thread_id,
        member_id,
    }
}

fn reply_to(app: &TestApp, scene: &Scene) -> String {
    app.state
        .reply_address
        .as_ref()
        .expect("a reply domain")
        .address(ReplyTag {
            member_id: scene.member_id,
            thread_id: scene.thread_id,
            generation: 0,
        })
}

/// A fixture with its reply address, sender and Message-ID filled in.
fn message(name: &str, reply_to: &str, from: &str, message_id: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/mail-in/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let raw = replace(&raw, b"{{REPLY_TO}}", reply_to.as_bytes());
    let raw = replace(&raw, b"{{FROM}}", from.as_bytes());
    replace(&raw, b"{{MESSAGE_ID}}", message_id.as_bytes())
}

/// Runs `fora mail-in --recipient TO` (and `--sender`, when given) with the reply domain set.
async fn deliver_mail(app: &TestApp, raw: Vec<u8>, to: &str, sender: Option<&str>) -> Ran {
    let mut args = vec!["--recipient", to];
    if let Some(sender) = sender {
        args.extend(["--sender", sender]);
    }
    run_mail_in(app, raw, &args, &[("FORA_REPLY_DOMAIN", REPLY_DOMAIN)]).await
}

/// Delivers the fixture `name` from the member to the scene's reply address.
async fn reply(app: &TestApp, scene: &Scene, name: &str, message_id: &str) -> Ran {
    let to = reply_to(app, scene);
    deliver_mail(app, message(name, &to, MEMBER, message_id), &to, None).await
}

async fn posts_in(app: &TestApp, thread_id: i32) -> u64 {
    posts::Entity::find()
        .filter(posts::Column::ThreadId.eq(thread_id))
        .count(app.db())
        .await
        .expect("db")
}

async fn deliver_notifications(app: &TestApp) -> usize {
    notify::deliver_due(&app.state, None)
        .await
        .expect("deliver")
}

/// The answers to refused replies the member got, waiting up to 5 s for `count` of them.
async fn answers(app: &TestApp, count: usize) -> Vec<crate::support::Mail> {
    mails_titled(app, REFUSED, count).await
}

/// The mails to the member with this subject, waiting up to 5 s for `count` of them.
async fn mails_titled(app: &TestApp, subject: &str, count: usize) -> Vec<crate::support::Mail> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let found: Vec<_> = app
            .sent_mails()
            .into_iter()
            .filter(|mail| mail.to == MEMBER && mail.subject == subject)
            .collect();
        if found.len() >= count || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// How many mails to the member have this subject, once the mail worker had time to send
/// any more.
async fn titled_in_the_end(app: &TestApp, subject: &str) -> usize {
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    app.sent_mails()
        .iter()
        .filter(|mail| mail.to == MEMBER && mail.subject == subject)
        .count()
}

/// How many answers were sent, once the mail worker had time to send any more.
async fn answered_in_the_end(app: &TestApp) -> usize {
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    app.sent_mails()
        .iter()
        .filter(|mail| mail.subject == REFUSED)
        .count()
}

async fn the_notification_carries_the_reply_address_and_says_so(app: TestApp) {
    let scene = scene(&app, "post").await;
    assert_eq!(deliver_notifications(&app).await, 1);
    let mail = app.mails_to(MODERATOR, 1).await.remove(0);
    let moderator_id = fora::accounts::service::find_by_email(app.db(), MODERATOR)
        .await
        .expect("db")
        .expect("moderator")
        .id;
    let address = app
        .state
        .reply_address
        .as_ref()
        .expect("a reply domain")
        .address(ReplyTag {
            member_id: moderator_id,
            thread_id: scene.thread_id,
            generation: 0,
        });
    assert!(
        mail.raw.contains(&format!("Reply-To: {address}")),
        "{}",
        mail.raw
    );
    let local = address.split('@').next().expect("a local part");
    assert!(local.len() <= 64, "{local}");
    assert!(
        mail.text
            .contains("You can answer this email to reply in the discussion"),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("You can answer this email"));

    // In the member's language.
    app.sql(&format!(
        "UPDATE users SET locale = 'fr' WHERE id = {moderator_id}"
    ))
    .await;
    let member = app.login(MEMBER).await;
    member.get(&scene.path).await;
    member
        .post(&format!("{}/reply", scene.path), &[("body", "Encore une")])
        .await
        .assert_status(303);
    deliver_notifications(&app).await;
    let mail = app.mails_to(MODERATOR, 2).await.remove(1);
    assert!(
        mail.text
            .contains("Vous pouvez répondre à ce message pour répondre dans la discussion\u{a0}:"),
        "{}",
        mail.text
    );
}

async fn a_daily_summary_of_one_thread_has_the_reply_address_and_of_two_has_none(app: TestApp) {
    let scene = scene(&app, "post").await;
    app.sql(&format!(
        "UPDATE users SET notify_mode = 'daily' WHERE email = '{MODERATOR}'"
    ))
    .await;
    let daily = || async {
        let cutoff = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);
        notify::deliver_due(&app.state, Some(cutoff))
            .await
            .expect("deliver")
    };
    assert_eq!(deliver_notifications(&app).await, 0, "a daily reader waits");
    assert_eq!(daily().await, 1);
    let one_thread = app.mails_to(MODERATOR, 1).await.remove(0);
    assert!(
        one_thread.raw.contains("Reply-To: reply+"),
        "{}",
        one_thread.raw
    );
    assert!(one_thread.text.contains("You can answer this email"));
    assert!(one_thread.raw.contains(&format!("-t{}-", scene.thread_id)));

    let member = app.login(MEMBER).await;
    thread_with_reply(&scene.moderator, &member, "agri").await;
    member
        .post(
            &format!("{}/reply", scene.path),
            &[("body", "And one more")],
        )
        .await
        .assert_status(303);
    assert_eq!(daily().await, 1);
    let two_threads = app.mails_to(MODERATOR, 2).await.remove(1);
    assert!(
        !two_threads.raw.contains("Reply-To:"),
        "{}",
        two_threads.raw
    );
    assert!(!two_threads.text.contains("You can answer this email"));
}

async fn without_the_setting_notifications_have_no_reply_to(app: TestApp) {
    let _scene = scene(&app, "post").await;
    assert_eq!(deliver_notifications(&app).await, 1);
    let mail = app.mails_to(MODERATOR, 1).await.remove(0);
    assert!(!mail.raw.contains("Reply-To:"), "{}", mail.raw);
    assert!(!mail.text.contains("answer this email"), "{}", mail.text);
    assert!(app.state.reply_address.is_none());
}

async fn replies_from_each_mail_client_appear_on_the_thread(app: TestApp) {
    let scene = scene(&app, "post").await;
    deliver_notifications(&app).await;
    let before = posts_in(&app, scene.thread_id).await;
    let cases: [(&str, &[&str]); 6] = [
        (
            "reply-gmail.eml",
            &[
                "cocoa cooperatives in Soubré",
                "<em>community monitoring</em>",
                "paying the monitors",
            ],
        ),
        (
            "reply-outlook.eml",
            &["In the Outlook office we agree", "Regards,"],
        ),
        (
            "reply-apple-mail.eml",
            &["From my phone in the field: the district office visits are what the"],
        ),
        (
            "reply-thunderbird-fr.eml",
            &["Chez nous, les comités de village ont réduit"],
        ),
        (
            "reply-html-only.eml",
            &[
                "En Perú las cooperativas de café hicieron lo mismo &amp; funcionó.",
                "href=\"https://example.org/informe\"",
            ],
        ),
        (
            "reply-with-attachment.eml",
            &[
                "Here is our evaluation of the monitoring committees.",
                "<em>(Files attached to the email are not posted.)</em>",
            ],
        ),
    ];
    for (n, (name, _)) in cases.iter().enumerate() {
        let ran = reply(&app, &scene, name, &format!("client-{n}@mail.example.net")).await;
        assert_ran(&ran, 0);
        assert!(ran.log.contains("Posted"), "{name}: {}", ran.log);
    }
    assert_eq!(posts_in(&app, scene.thread_id).await, before + 6);
    let page = scene.moderator.get(&scene.path).await;
    page.assert_status(200);
    for (name, expected) in cases {
        for text in expected {
            assert!(page.body.contains(text), "{name}: {text} not on the page");
        }
    }
    for cut in [
        "wrote:",
        "a écrit",
        "escribió",
        "Sent from my iPhone",
        "Original Message",
        "Sent: Monday",
        "Chargée de programme",
        "tracker.example.net",
        "alert(1)",
        "Read the post",
        "evaluation-2026.pdf",
        "SECRET",
    ] {
        assert!(!page.body.contains(cut), "{cut:?} was posted");
    }
    // The replies reach the thread's followers as a web reply does.
    assert!(deliver_notifications(&app).await >= 1);
    let told = app.mails_to(MODERATOR, 7).await;
    assert!(
        told.iter()
            .any(|mail| mail.text.contains("In the Outlook office we agree")),
        "{:?}",
        told.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}

async fn a_reply_in_a_moderated_forum_is_held_and_moderators_told(app: TestApp) {
    let scene = scene(&app, "pre").await;
    // The member's web reply waits too: approve nothing, count what waits.
    let pending = |app: &TestApp| {
        let db = app.db().clone();
        let thread_id = scene.thread_id;
        async move {
            posts::Entity::find()
                .filter(posts::Column::ThreadId.eq(thread_id))
                .filter(posts::Column::Status.eq(PostStatus::Pending))
                .count(&db)
                .await
                .expect("db")
        }
    };
    let waiting = pending(&app).await;
    // The member's reply on the web waits too, and the moderator was told of it.
    assert_eq!(waiting, 1);
    app.mails_to(MODERATOR, 1).await;
    let ran = reply(&app, &scene, "reply-gmail.eml", "held@mail.example.net").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("held: true"), "{}", ran.log);
    assert_eq!(pending(&app).await, waiting + 1);
    // Others do not see it; the moderators are told it waits.
    let page = app.login(MEMBER).await.get(&scene.path).await;
    assert!(
        page.body.contains("cocoa cooperatives"),
        "its author sees it"
    );
    let stranger = app.user("other-agri@example.org", "Other").await;
    app.join(&scene.forum, &stranger, "member").await;
    let page = app.login(&stranger.email).await.get(&scene.path).await;
    assert!(!page.body.contains("cocoa cooperatives"));
    app.mails_to(MODERATOR, 2).await;
}

async fn a_locked_thread_an_empty_reply_and_a_wrong_sender_are_answered(app: TestApp) {
    let scene = scene(&app, "post").await;
    let before = posts_in(&app, scene.thread_id).await;
    let to = reply_to(&app, &scene);

    // Someone else sends to the member's address: the member is told, not the sender.
    let forged = message("reply-gmail.eml", &to, "intruder@example.net", "wrong@x");
    let ran = deliver_mail(&app, forged, &to, None).await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("wrong_sender"), "{}", ran.log);
    // The sender compared without regard to case.
    let upper = message(
        "reply-apple-mail.eml",
        &to,
        &MEMBER.to_uppercase(),
        "upper@x",
    );
    assert_ran(&deliver_mail(&app, upper, &to, None).await, 0);
    assert_eq!(posts_in(&app, scene.thread_id).await, before + 1);
    // Its confirmation goes to the stored address.
    assert_eq!(mails_titled(&app, POSTED, 1).await.len(), 1);

    let ran = reply(&app, &scene, "reply-only-quote.eml", "empty@x").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("empty"), "{}", ran.log);

    scene.moderator.get(&scene.path).await;
    scene
        .moderator
        .post(&format!("{}/lock", scene.path), &[])
        .await
        .assert_status(303);
    let ran = reply(&app, &scene, "reply-outlook.eml", "locked@x").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("locked"), "{}", ran.log);
    assert_eq!(posts_in(&app, scene.thread_id).await, before + 1);

    let answered = answers(&app, 3).await;
    assert_eq!(answered.len(), 3, "one answer each");
    assert!(
        app.sent_mails()
            .iter()
            .all(|mail| mail.to != "intruder@example.net"),
        "never to the From of the message"
    );
    for (mail, why) in answered.iter().zip([
        "sent from an address other than yours",
        "no text of yours",
        "The discussion is locked",
    ]) {
        assert!(mail.text.contains(why), "{why}: {}", mail.text);
        assert!(mail.text.contains("Cooperatives and child labour"));
        assert!(
            mail.link("/threads/")
                .ends_with(&format!("/threads/{}", scene.thread_id))
        );
        assert!(
            mail.raw.contains("Auto-Submitted: auto-replied"),
            "{}",
            mail.raw
        );
    }
}

async fn a_removed_member_and_a_disabled_account_are_answered_without_the_thread(app: TestApp) {
    let scene = scene(&app, "post").await;
    let before = posts_in(&app, scene.thread_id).await;
    app.sql(&format!(
        "UPDATE users SET locale = 'es' WHERE id = {}",
        scene.member_id
    ))
    .await;
    remove_from_forum(&app, &scene.moderator, "agri", MEMBER).await;
    let ran = reply(&app, &scene, "reply-gmail.eml", "removed@x").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("not_member"), "{}", ran.log);
    app.sql(&format!(
        "UPDATE users SET disabled_at = created_at WHERE id = {}",
        scene.member_id
    ))
    .await;
    let ran = reply(&app, &scene, "reply-gmail.eml", "disabled@x").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("disabled"), "{}", ran.log);
    assert_eq!(posts_in(&app, scene.thread_id).await, before);
    let answered: Vec<_> = app
        .mails_to(MEMBER, 2)
        .await
        .into_iter()
        .filter(|mail| mail.subject == "Su respuesta por correo no se publicó")
        .collect();
    assert_eq!(answered.len(), 2);
    assert!(answered[0].text.contains("Ya no es miembro del foro"));
    assert!(answered[1].text.contains("Su cuenta está desactivada"));
    for mail in answered {
        assert!(!mail.text.contains("/threads/"), "{}", mail.text);
        assert!(!mail.text.contains("Cooperatives"), "{}", mail.text);
    }
}

async fn forged_tokens_and_automatic_mail_post_nothing(app: TestApp) {
    let scene = scene(&app, "post").await;
    let before = posts_in(&app, scene.thread_id).await;
    let genuine = reply_to(&app, &scene);
    let other_thread = genuine.replacen(
        &format!("-t{}-", scene.thread_id),
        &format!("-t{}-", scene.thread_id + 1),
        1,
    );
    let other_key = format!(
        "reply+m{}-t{}-00112233445566778899@{REPLY_DOMAIN}",
        scene.member_id, scene.thread_id
    );
    let other_domain = genuine.replace(REPLY_DOMAIN, "elsewhere.example.net");
    for to in [other_thread, other_key, other_domain] {
        let ran = deliver_mail(
            &app,
            message("reply-gmail.eml", &to, MEMBER, "forged@x"),
            &to,
            None,
        )
        .await;
        assert_ran(&ran, 67);
    }
    // An out-of-office answer, mail with an empty envelope sender (a report), list mail.
    let ran = reply(&app, &scene, "reply-out-of-office.eml", "ooo@x").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("Ignored"), "{}", ran.log);
    let bounce = message("reply-gmail.eml", &genuine, MEMBER, "bounce@x");
    let ran = deliver_mail(&app, bounce, &genuine, Some("")).await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("Ignored"), "{}", ran.log);
    let bulk = [
        b"Precedence: bulk\n".as_slice(),
        &message("reply-gmail.eml", &genuine, MEMBER, "bulk@x"),
    ]
    .concat();
    let ran = deliver_mail(&app, bulk, &genuine, None).await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("Ignored"), "{}", ran.log);
    // Mail from Fora's own addresses (a notification forwarded back, a return path).
    for from in [
        "bounces+m1-k5-00112233445566778899@bounce.example.org".to_string(),
        genuine.clone(),
    ] {
        let ran = deliver_mail(
            &app,
            message("reply-gmail.eml", &genuine, &from, "own@x"),
            &genuine,
            None,
        )
        .await;
        assert_ran(&ran, 0);
        assert!(ran.log.contains("Fora's own addresses"), "{}", ran.log);
    }
    assert_eq!(posts_in(&app, scene.thread_id).await, before);
    assert_eq!(answered_in_the_end(&app).await, 0, "nothing is answered");
}

async fn a_second_delivery_posts_once(app: TestApp) {
    let scene = scene(&app, "post").await;
    let before = posts_in(&app, scene.thread_id).await;
    for attempt in 0..2 {
        let ran = reply(&app, &scene, "reply-thunderbird-fr.eml", "twice@x").await;
        assert_ran(&ran, 0);
        if attempt == 1 {
            assert!(ran.log.contains("received before"), "{}", ran.log);
        }
    }
    assert_eq!(posts_in(&app, scene.thread_id).await, before + 1);
    // A refused message delivered twice is answered once.
    for _ in 0..2 {
        assert_ran(
            &reply(&app, &scene, "reply-only-quote.eml", "empty-twice@x").await,
            0,
        );
    }
    answers(&app, 1).await;
    assert_eq!(answered_in_the_end(&app).await, 1);
    // The posted one was confirmed once.
    assert_eq!(titled_in_the_end(&app, POSTED).await, 1);
}

async fn a_flood_of_refusals_gets_a_few_answers(app: TestApp) {
    let scene = scene(&app, "post").await;
    let sent = usize::try_from(ANSWERS_PER_HOUR).expect("small") + 3;
    for n in 0..sent {
        let ran = reply(
            &app,
            &scene,
            "reply-only-quote.eml",
            &format!("flood-{n}@x"),
        )
        .await;
        assert_ran(&ran, 0);
    }
    let most = usize::try_from(ANSWERS_PER_HOUR).expect("small");
    answers(&app, most).await;
    assert_eq!(answered_in_the_end(&app).await, most);
}

/// The member's reply generation, as stored.
async fn generation(app: &TestApp, member_id: i32) -> i32 {
    fora::entities::users::Entity::find_by_id(member_id)
        .one(app.db())
        .await
        .expect("db")
        .expect("member")
        .reply_generation
}

/// The id of the newest post in a thread.
async fn newest_post(app: &TestApp, thread_id: i32) -> i32 {
    use sea_orm::QueryOrder;
    posts::Entity::find()
        .filter(posts::Column::ThreadId.eq(thread_id))
        .order_by_desc(posts::Column::Id)
        .one(app.db())
        .await
        .expect("db")
        .expect("a post")
        .id
}

async fn a_posted_reply_is_confirmed_with_its_link(app: TestApp) {
    let scene = scene(&app, "post").await;
    let ran = reply(&app, &scene, "reply-gmail.eml", "confirm@mail.example.net").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("Posted"), "{}", ran.log);
    let post_id = newest_post(&app, scene.thread_id).await;
    let confirmed = mails_titled(&app, POSTED, 1).await;
    assert_eq!(confirmed.len(), 1);
    let mail = &confirmed[0];
    assert!(
        mail.text.contains("Cooperatives and child labour"),
        "{}",
        mail.text
    );
    assert!(
        mail.text.contains("is posted in the discussion"),
        "{}",
        mail.text
    );
    assert!(
        mail.link("/threads/").ends_with(&format!(
            "/threads/{}?post={post_id}#post-{post_id}",
            scene.thread_id
        )),
        "{}",
        mail.text
    );
    for header in ["Auto-Submitted: auto-replied", "Message-ID: <", "Date: "] {
        assert!(mail.raw.contains(header), "{header}: {}", mail.raw);
    }
    // An answer to the member, never one that invites a reply by mail again.
    assert!(!mail.raw.contains("Reply-To: reply+"), "{}", mail.raw);
    assert!(!mail.text.contains("You can answer this email"));
    // It went through the durable queue, as a kind of its own.
    use sea_orm::ConnectionTrait;
    let rows = app
        .db()
        .query_all_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT kind, status FROM mail_queue WHERE kind = 'reply-posted'",
        ))
        .await
        .expect("db");
    assert_eq!(rows.len(), 1);
    // The message delivered again is neither posted nor confirmed again; a refused one is
    // never confirmed.
    assert_ran(
        &reply(&app, &scene, "reply-gmail.eml", "confirm@mail.example.net").await,
        0,
    );
    assert_ran(
        &reply(
            &app,
            &scene,
            "reply-only-quote.eml",
            "nothing@mail.example.net",
        )
        .await,
        0,
    );
    answers(&app, 1).await;
    assert_eq!(titled_in_the_end(&app, POSTED).await, 1);
    assert_eq!(titled_in_the_end(&app, HELD).await, 0);
}

async fn a_held_reply_is_confirmed_as_waiting_in_the_members_language(app: TestApp) {
    let scene = scene(&app, "pre").await;
    let ran = reply(&app, &scene, "reply-gmail.eml", "held-en@x").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("held: true"), "{}", ran.log);
    let mail = mails_titled(&app, HELD, 1).await.remove(0);
    assert!(mail.text.contains("approve posts"), "{}", mail.text);
    let post_id = newest_post(&app, scene.thread_id).await;
    assert!(
        mail.link("/threads/")
            .ends_with(&format!("#post-{post_id}"))
    );
    assert_eq!(titled_in_the_end(&app, POSTED).await, 0);

    for (locale, subject, words) in [
        (
            "fr",
            "Votre réponse par e-mail attend d’être approuvée",
            "approuvent les messages",
        ),
        (
            "es",
            "Su respuesta por correo espera aprobación",
            "aprueban los mensajes",
        ),
    ] {
        app.sql(&format!(
            "UPDATE users SET locale = '{locale}' WHERE id = {}",
            scene.member_id
        ))
        .await;
        let ran = reply(
            &app,
            &scene,
            "reply-thunderbird-fr.eml",
            &format!("held-{locale}@x"),
        )
        .await;
        assert_ran(&ran, 0);
        let mail = mails_titled(&app, subject, 1).await.remove(0);
        assert!(mail.text.contains(words), "{locale}: {}", mail.text);
        assert!(
            mail.html.contains(&format!("lang=\"{locale}\"")),
            "{locale}"
        );
    }
}

async fn a_flood_of_posted_replies_gets_a_bounded_number_of_confirmations(app: TestApp) {
    let scene = scene(&app, "post").await;
    // As if the member had had as many confirmations as an hour allows.
    for n in 0..CONFIRMATIONS_PER_HOUR {
        app.sql(&format!(
            "INSERT INTO mail_replies (message_id, user_id, thread_id, post_id, refusal, answered, created_at)
             VALUES ('earlier-{n}@x', {}, {}, NULL, NULL, TRUE, CURRENT_TIMESTAMP)",
            scene.member_id, scene.thread_id
        ))
        .await;
    }
    let before = posts_in(&app, scene.thread_id).await;
    let ran = reply(&app, &scene, "reply-gmail.eml", "one-more@x").await;
    assert_ran(&ran, 0);
    assert_eq!(
        posts_in(&app, scene.thread_id).await,
        before + 1,
        "still posted"
    );
    assert_eq!(titled_in_the_end(&app, POSTED).await, 0, "not confirmed");
    // Confirmations do not use up the answers to refusals.
    let ran = reply(&app, &scene, "reply-only-quote.eml", "refused@x").await;
    assert_ran(&ran, 0);
    assert_eq!(answers(&app, 1).await.len(), 1);
}

async fn stopping_replies_from_old_emails_revokes_every_address_mailed_so_far(app: TestApp) {
    let scene = scene(&app, "post").await;
    // The moderator's notification of the member's web reply, out of the way.
    assert_eq!(deliver_notifications(&app).await, 1);
    let old = reply_to(&app, &scene);
    let before = posts_in(&app, scene.thread_id).await;

    // The profile offers it; the member uses it and is told it is done.
    let member = app.login(MEMBER).await;
    let profile = member.get("/profile").await;
    profile.assert_status(200);
    assert!(profile.body.contains("Stop replies from old emails"));
    assert!(
        profile
            .body
            .contains("action=\"/profile/stop-old-replies\"")
    );
    member
        .post("/profile/stop-old-replies", &[])
        .await
        .assert_status(303);
    let profile = member.get("/profile").await;
    assert!(
        profile
            .body
            .contains("Replies to the emails you received before now are no longer posted."),
        "{}",
        profile.body
    );
    assert_eq!(generation(&app, scene.member_id).await, 1);

    // The old address, from the member: not posted, and the member told why (without the
    // thread: it was not checked whether they may still see it).
    let ran = reply(&app, &scene, "reply-gmail.eml", "old-own@x").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("revoked"), "{}", ran.log);
    let answer = answers(&app, 1).await.remove(0);
    assert!(
        answer.text.contains("stopped replies from older emails"),
        "{}",
        answer.text
    );
    assert!(!answer.text.contains("/threads/"), "{}", answer.text);
    assert!(answer.raw.contains("Auto-Submitted: auto-replied"));
    // From anyone else: no such address, nothing posted, nobody answered.
    let forwarded = message(
        "reply-outlook.eml",
        &old,
        "colleague@example.net",
        "old-fw@x",
    );
    let ran = deliver_mail(&app, forwarded, &old, None).await;
    assert_ran(&ran, 67);
    assert_eq!(posts_in(&app, scene.thread_id).await, before);
    assert_eq!(
        answered_in_the_end(&app).await,
        1,
        "{:?}",
        app.sent_mails()
            .iter()
            .map(|m| (&m.to, &m.subject, &m.text))
            .collect::<Vec<_>>()
    );
    assert!(
        app.sent_mails()
            .iter()
            .all(|m| m.to != "colleague@example.net")
    );

    // The old address moved on to the new number by hand is a forgery.
    let (body, mac) = old
        .strip_prefix("reply+")
        .and_then(|rest| rest.split_once('@'))
        .and_then(|(token, _)| token.rsplit_once('-'))
        .expect("a token");
    let moved = format!("reply+{body}-g1-{mac}@{REPLY_DOMAIN}");
    let ran = deliver_mail(
        &app,
        message("reply-gmail.eml", &moved, MEMBER, "moved@x"),
        &moved,
        None,
    )
    .await;
    assert_ran(&ran, 67);

    // Notifications from now on carry the new number, and a reply to them is posted (after
    // the moderator's new post: two more in the thread).
    scene
        .moderator
        .post(
            &format!("{}/reply", scene.path),
            &[("body", "A new question")],
        )
        .await
        .assert_status(303);
    assert_eq!(deliver_notifications(&app).await, 1);
    // The member has had the refusal already: wait for the notification itself.
    let notification = app
        .mails_to(MEMBER, 2)
        .await
        .into_iter()
        .find(|mail| mail.raw.contains("Reply-To: reply+"))
        .expect("a notification to the member");
    let new = format!("reply+m{}-t{}-g1-", scene.member_id, scene.thread_id);
    assert!(notification.raw.contains(&new), "{}", notification.raw);
    let current = app
        .state
        .reply_address
        .as_ref()
        .expect("a reply domain")
        .address(ReplyTag {
            member_id: scene.member_id,
            thread_id: scene.thread_id,
            generation: 1,
        });
    assert!(notification.raw.contains(&format!("Reply-To: {current}")));
    let ran = deliver_mail(
        &app,
        message("reply-apple-mail.eml", &current, MEMBER, "new@x"),
        &current,
        None,
    )
    .await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("Posted"), "{}", ran.log);
    assert_eq!(posts_in(&app, scene.thread_id).await, before + 2);

    // Once more: the address of generation 1 stops too.
    member
        .post("/profile/stop-old-replies", &[])
        .await
        .assert_status(303);
    assert_eq!(generation(&app, scene.member_id).await, 2);
    let ran = deliver_mail(
        &app,
        message("reply-apple-mail.eml", &current, MEMBER, "new-again@x"),
        &current,
        None,
    )
    .await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("revoked"), "{}", ran.log);
    assert_eq!(posts_in(&app, scene.thread_id).await, before + 2);
}

async fn stopping_old_replies_needs_a_signed_in_post_with_its_token(app: TestApp) {
    let scene = scene(&app, "post").await;
    let member = app.login(MEMBER).await;
    member.get("/profile").await;
    member
        .post_raw("/profile/stop-old-replies", &[])
        .await
        .assert_status(403);
    member
        .post_raw("/profile/stop-old-replies", &[("csrf_token", "forged")])
        .await
        .assert_status(403);
    let other = app.client();
    let others_token = other.token().await;
    member
        .post_raw(
            "/profile/stop-old-replies",
            &[("csrf_token", &others_token)],
        )
        .await
        .assert_status(403);
    // A GET changes nothing: it leads to the profile; a visitor is sent to sign in.
    let got = member.get("/profile/stop-old-replies").await;
    assert_eq!(got.status, 303, "{}", got.body);
    assert_eq!(got.location.as_deref(), Some("/profile"));
    let visitor = app.client();
    let page = visitor.post("/profile/stop-old-replies", &[]).await;
    assert!(
        page.status == 303
            && page
                .location
                .as_deref()
                .is_some_and(|l| l.contains("/login")),
        "{} {:?}",
        page.status,
        page.location
    );
    assert_eq!(generation(&app, scene.member_id).await, 0);
    // The old address still works.
    assert_ran(&reply(&app, &scene, "reply-gmail.eml", "still@x").await, 0);
    mails_titled(&app, POSTED, 1).await.remove(0);
}
