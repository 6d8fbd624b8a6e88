//! Display names are whatever people typed: in mail they never reach a subject, and in the
//! bodies they cannot pose as links.

use fora::forums::notify;

use crate::{forums::thread_with_reply, support::TestApp};

crate::on_both_databases!(
    a_name_shaped_like_a_link_stays_out_of_reply_mail,
    a_name_shaped_like_a_link_stays_out_of_mentions_and_summaries,
    an_inviter_name_shaped_like_a_link_stays_out_of_the_invitation,
);

const EVIL: &str = "[CLICK](https://evil.example)";
const SHOWN: &str = "“CLICK(https:∕∕evil․example)”";

/// Nothing in the mail that a reader or a mail program could take for the name's link.
fn assert_defused(mail: &crate::support::Mail) {
    assert!(!mail.subject.contains("CLICK"), "subject: {}", mail.subject);
    assert!(!mail.subject.contains("evil"), "subject: {}", mail.subject);
    for part in [&mail.text, &mail.html] {
        assert!(!part.contains("evil.example"), "{part}");
        assert!(!part.contains("[CLICK]"), "{part}");
        assert!(!part.contains("https://evil"), "{part}");
    }
    assert!(mail.text.contains(SHOWN), "{}", mail.text);
    assert!(mail.html.contains(SHOWN), "{}", mail.html);
}

async fn a_name_shaped_like_a_link_stays_out_of_reply_mail(app: TestApp) {
    let forum = app.forum("agri", "post").await;
    let author = app.user("author@example.org", "Author Ann").await;
    let evil = app.user("evil@example.org", EVIL).await;
    app.join(&forum, &author, "member").await;
    app.join(&forum, &evil, "member").await;
    let author_client = app.login(&author.email).await;
    let evil_client = app.login(&evil.email).await;
    thread_with_reply(&author_client, &evil_client, &forum.slug).await;
    notify::deliver_due(&app.state, None)
        .await
        .expect("deliver");
    let mail = app.mails_to("author@example.org", 1).await.remove(0);
    assert_eq!(mail.subject, "New reply in “Cooperatives and child labour”");
    assert_defused(&mail);
}

async fn a_name_shaped_like_a_link_stays_out_of_mentions_and_summaries(app: TestApp) {
    let forum = app.forum("agri", "post").await;
    let mentioned = app.user("amina@example.org", "Amina").await;
    let daily = app.user("daily@example.org", "Daily Dan").await;
    let evil = app.user("evil@example.org", EVIL).await;
    for user in [&mentioned, &daily, &evil] {
        app.join(&forum, user, "member").await;
    }
    app.sql("UPDATE users SET notify_mode = 'daily' WHERE email = 'daily@example.org'")
        .await;
    let daily_client = app.login(&daily.email).await;
    let evil_client = app.login(&evil.email).await;
    let (path, _, _) = thread_with_reply(&daily_client, &evil_client, &forum.slug).await;
    evil_client
        .post(&format!("{path}/reply"), &[("body", "@amina see above")])
        .await
        .assert_status(303);
    notify::deliver_due(&app.state, None)
        .await
        .expect("deliver");
    let mention = app.mails_to("amina@example.org", 1).await.remove(0);
    assert_eq!(
        mention.subject,
        "You were mentioned in “Cooperatives and child labour”"
    );
    assert_defused(&mention);
    let tomorrow = fora::db::now() + time::Duration::days(1);
    notify::deliver_due(&app.state, Some(tomorrow))
        .await
        .expect("deliver");
    let summary = app.mails_to("daily@example.org", 1).await.remove(0);
    assert!(
        summary.subject.contains("2 new posts"),
        "{}",
        summary.subject
    );
    assert_defused(&summary);
}

async fn an_inviter_name_shaped_like_a_link_stays_out_of_the_invitation(app: TestApp) {
    let forum = app.forum("agri", "post").await;
    let evil = app.user("evil@example.org", EVIL).await;
    app.join(&forum, &evil, "moderator").await;
    let evil_client = app.login(&evil.email).await;
    evil_client.get("/forums/agri/members").await;
    evil_client
        .post("/forums/agri/members", &[("emails", "new@example.org")])
        .await
        .assert_status(303);
    let mail = app.mails_to("new@example.org", 1).await.remove(0);
    assert_eq!(mail.subject, "You are invited to Forum agri on Fora");
    assert_defused(&mail);
}
