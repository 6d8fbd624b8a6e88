//! Forums, threads and posts: privacy, bad input, Markdown safety, concurrency, paging.

use crate::support::{Client, TestApp};

/// The card of `slug` on a forum list page.
fn forum_card<'a>(body: &'a str, slug: &str) -> &'a str {
    let start = body
        .find(&format!(r#"href="/forums/{slug}""#))
        .unwrap_or_else(|| panic!("{slug} listed: {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</li>").expect("card ends")]
}

async fn thread_titled(app: &TestApp, title: &str) -> i32 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    fora::entities::threads::Entity::find()
        .filter(fora::entities::threads::Column::Title.eq(title))
        .one(app.db())
        .await
        .expect("db")
        .expect("thread")
        .id
}

async fn the_forum_list_says_what_happens_in_each_forum(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let quiet = app.forum("quiet", "post").await;
    let mia = fora::accounts::service::find_by_email(app.db(), "member-agri@example.org")
        .await
        .expect("db")
        .expect("member");
    app.join(&quiet, &mia, "member").await;

    let list = member.get("/forums").await;
    assert!(forum_card(&list.body, "quiet").contains("No discussion yet."));
    assert!(forum_card(&list.body, "agri").contains("No discussion yet."));

    // The moderator starts two discussions; the member has read neither.
    for title in ["First question", "Second question"] {
        moderator
            .post(
                &format!("/forums/{}/new", forum.slug),
                &[("title", title), ("body", "What worked?")],
            )
            .await
            .assert_status(303);
    }
    let list = member.get("/forums").await;
    let card = forum_card(&list.body, "agri");
    assert!(card.contains("2 discussions"), "{card}");
    assert!(card.contains("<strong>2 with new posts</strong>"), "{card}");
    assert!(card.contains("latest activity <time"), "{card}");
    assert!(card.contains(">just now</time>"), "{card}");
    // Their own discussions are never unread for the moderator.
    let card_of_moderator = moderator.get("/forums").await.body;
    assert!(!forum_card(&card_of_moderator, "agri").contains("with new posts"));

    // Reading one leaves one unread; a hidden discussion is neither counted nor unread.
    let first = thread_titled(&app, "First question").await;
    let second = thread_titled(&app, "Second question").await;
    member
        .get(&format!("/threads/{first}"))
        .await
        .assert_status(200);
    let card_html = member.get("/forums").await.body;
    assert!(forum_card(&card_html, "agri").contains("<strong>1 with new posts</strong>"));
    moderator
        .post(
            &format!("/threads/{second}/hide"),
            &[("reason", "Off topic"), ("confirmed", "yes")],
        )
        .await
        .assert_status(303);
    let card_html = member.get("/forums").await.body;
    let card = forum_card(&card_html, "agri");
    assert!(card.contains("1 discussion"), "{card}");
    assert!(!card.contains("with new posts"), "{card}");

    // In French.
    member.get("/profile").await;
    member
        .post(
            "/profile",
            &[
                ("display_name", "Member Mia"),
                ("locale", "fr"),
                ("notify_mode", "immediate"),
            ],
        )
        .await
        .assert_status(303);
    let french = member.get("/forums").await.body;
    let card = forum_card(&french, "agri");
    assert!(card.contains("1 discussion"), "{card}");
    assert!(card.contains("dernière activité"), "{card}");
    assert!(forum_card(&french, "quiet").contains("Aucune discussion pour l’instant."));
}

crate::on_both_databases!(
    outsiders_get_404_on_every_forum_route,
    members_get_404_on_moderator_routes,
    thread_and_posts_round_trip_unicode_exactly,
    markdown_and_titles_render_inert,
    bad_thread_input_rerenders_with_what_was_typed,
    oversized_requests_get_a_clear_error,
    concurrent_replies_lose_nothing,
    forum_page_lists_pinned_first_with_unread_counts,
    the_forum_list_says_what_happens_in_each_forum,
    paging_accepts_any_page_parameter,
    quoting_editing_and_history,
    flags_reach_the_moderation_queue,
    removed_member_loses_access_at_once,
    archived_forum_is_read_only,
);

/// The moderator removes someone from the forum through the members page.
pub async fn remove_from_forum(app: &TestApp, moderator: &Client, forum_slug: &str, email: &str) {
    let user = fora::accounts::service::find_by_email(app.db(), email)
        .await
        .expect("db")
        .expect("user to remove");
    moderator
        .get(&format!("/forums/{forum_slug}/members"))
        .await;
    moderator
        .post(
            &format!("/forums/{forum_slug}/members/{}/remove", user.id),
            &[],
        )
        .await
        .assert_status(303);
}

/// A thread with one reply, returning (thread path, thread id, reply post id).
pub async fn thread_with_reply(
    author: &Client,
    replier: &Client,
    forum_slug: &str,
) -> (String, i32, i32) {
    author.get(&format!("/forums/{forum_slug}/new")).await;
    let created = author
        .post(
            &format!("/forums/{forum_slug}/new"),
            &[
                ("title", "Cooperatives and child labour"),
                ("body", "How do cooperatives help?"),
            ],
        )
        .await;
    created.assert_status(303);
    let path = created.location.clone().expect("location");
    let id: i32 = path
        .trim_start_matches("/threads/")
        .parse()
        .expect("thread id");
    replier.get(&path).await;
    let reply = replier
        .post(
            &format!("{path}/reply"),
            &[("body", "They run their own monitoring.")],
        )
        .await;
    reply.assert_status(303);
    let location = reply.location.expect("location");
    let post_id: i32 = location
        .split("post=")
        .nth(1)
        .and_then(|s| s.split('#').next())
        .and_then(|s| s.parse().ok())
        .expect("post id");
    (path, id, post_id)
}

async fn outsiders_get_404_on_every_forum_route(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("private", "post").await;
    let (path, thread_id, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let outsider = app
        .login(&app.user("outsider@example.org", "Outsider").await.email)
        .await;
    let other_forum = app.forum("other", "post").await;
    app.join(
        &other_forum,
        &app.user("x@example.org", "X").await,
        "moderator",
    )
    .await;
    let gets = [
        "/forums/private".to_string(),
        "/forums/private/new".into(),
        "/forums/private/queue".into(),
        "/forums/private/members".into(),
        "/forums/private/log".into(),
        path.clone(),
        format!("{path}?page=2"),
        format!("/posts/{post_id}/edit"),
        format!("/posts/{post_id}/flag"),
        format!("/posts/{post_id}/history"),
        "/forums/does-not-exist".into(),
    ];
    for route in &gets {
        let page = outsider.get(route).await;
        assert_eq!(page.status, 404, "GET {route}");
        assert!(
            !page.body.contains("Cooperatives"),
            "GET {route} leaks the thread"
        );
        assert!(
            !page.body.contains("Forum private"),
            "GET {route} leaks the forum title"
        );
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/forums/private/new".into(),
            vec![("title", "x"), ("body", "y")],
        ),
        (
            "/forums/private/members".into(),
            vec![("emails", "a@example.org")],
        ),
        ("/forums/private/members/1/remove".to_string(), vec![]),
        (format!("{path}/reply"), vec![("body", "y")]),
        (format!("{path}/follow"), vec![]),
        (format!("{path}/pin"), vec![]),
        (format!("{path}/lock"), vec![]),
        (format!("{path}/hide"), vec![("reason", "x")]),
        (format!("{path}/feature"), vec![]),
        (format!("{path}/summary"), vec![("summary", "x")]),
        (format!("{path}/move"), vec![("forum", "other")]),
        (format!("/posts/{post_id}/edit"), vec![("body", "x")]),
        (format!("/posts/{post_id}/flag"), vec![("reason", "x")]),
        (format!("/posts/{post_id}/hide"), vec![("reason", "x")]),
        (format!("/posts/{post_id}/approve"), vec![]),
    ];
    outsider.get("/forums").await;
    for (route, fields) in &posts {
        let page = outsider.post(route, fields).await;
        assert_eq!(page.status, 404, "POST {route}");
    }
    let list = outsider.get("/forums").await;
    assert!(!list.body.contains("Forum private"));
    let home = outsider.get("/").await;
    assert!(!home.body.contains("Forum private"));
    // Anonymous visitors are sent to sign in, and learn nothing either.
    let anonymous = app.client();
    let page = anonymous.get(&path).await;
    page.assert_status(303);
    assert!(!page.body.contains("Cooperatives"));
    let _ = thread_id;
}

async fn members_get_404_on_moderator_routes(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    for route in [
        "/forums/agri/queue".to_string(),
        "/forums/agri/log".into(),
        format!("/posts/{post_id}/history"),
        "/admin".into(),
        "/admin/log".into(),
    ] {
        assert_eq!(member.get(&route).await.status, 404, "GET {route}");
    }
    member.get(&path).await;
    for action in [
        "pin",
        "unpin",
        "lock",
        "unlock",
        "hide",
        "unhide",
        "feature",
        "unfeature",
    ] {
        assert_eq!(
            member
                .post(&format!("{path}/{action}"), &[("reason", "x")])
                .await
                .status,
            404,
            "{action}"
        );
    }
    assert_eq!(
        member
            .post(&format!("{path}/summary"), &[("summary", "x")])
            .await
            .status,
        404
    );
    for action in ["hide", "unhide", "approve", "reject"] {
        assert_eq!(
            member
                .post(&format!("/posts/{post_id}/{action}"), &[("reason", "x")])
                .await
                .status,
            404,
            "{action}"
        );
    }
    // Members may not invite, nor give themselves the moderator role.
    assert_eq!(
        member
            .post("/forums/agri/members", &[("emails", "a@example.org")])
            .await
            .status,
        404
    );
    // Moderators may not name moderators; only admins can.
    moderator.get("/forums/agri/members").await;
    assert_eq!(
        moderator
            .post(
                "/forums/agri/members",
                &[("emails", "a@example.org"), ("role", "moderator")]
            )
            .await
            .status,
        400
    );
    // Unknown actions are not found, not errors.
    assert_eq!(
        moderator.post(&format!("{path}/explode"), &[]).await.status,
        404
    );
    // The member's own post can be edited by them; someone else's cannot.
    let page = member.get(&format!("/posts/{post_id}/edit")).await;
    page.assert_status(200);
    let first_post: i32 = post_id - 1;
    assert_eq!(
        member
            .get(&format!("/posts/{first_post}/edit"))
            .await
            .status,
        404
    );
    assert_eq!(
        member
            .post(
                &format!("/posts/{first_post}/edit"),
                &[("body", "vandalism")]
            )
            .await
            .status,
        404
    );
}

async fn thread_and_posts_round_trip_unicode_exactly(app: TestApp) {
    let (forum, _, member) = app.with_forum("agri", "post").await;
    let title = "Travail des enfants — عمل الأطفال — 童工 🌾 ñandú";
    let body = "שלום עולם — right-to-left text\n\nEmoji: 👩🏽‍🌾🧒🏿 and combining: é (e\u{301})";
    member.get(&format!("/forums/{}/new", forum.slug)).await;
    let created = member
        .post(
            &format!("/forums/{}/new", forum.slug),
            &[("title", title), ("body", body)],
        )
        .await;
    created.assert_status(303);
    let page = member
        .get(created.location.as_deref().expect("location"))
        .await;
    page.assert_status(200);
    assert!(page.body.contains(title));
    assert!(page.body.contains("שלום עולם"));
    assert!(page.body.contains("👩🏽‍🌾🧒🏿"));
    assert!(page.body.contains("e\u{301}"));
    let stored = fora::entities::posts::Entity::find()
        .one(app.db())
        .await
        .expect("db")
        .expect("post");
    assert_eq!(stored.body_md, body);
    let thread = fora::entities::threads::Entity::find()
        .one(app.db())
        .await
        .expect("db")
        .expect("thread");
    assert_eq!(thread.title, title);
}

use sea_orm::EntityTrait;

async fn markdown_and_titles_render_inert(app: TestApp) {
    let (forum, _, member) = app.with_forum("agri", "post").await;
    let title = "<script>alert('title')</script><img src=x onerror=alert(1)>";
    let body = r#"<script>alert(1)</script>
<a href="javascript:alert(2)">click</a> [md link](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=)
<svg onload="alert(4)"><circle/></svg>
<img src="x" onerror="alert(5)">
<div onclick="alert(6)" style="background:url(javascript:alert(7))">div</div>
<iframe src="https://evil.example"></iframe>
<form action="/logout"><button>x</button></form>

[ok](https://www.ilo.org/ "ILO")"#;
    member.get(&format!("/forums/{}/new", forum.slug)).await;
    let created = member
        .post(
            &format!("/forums/{}/new", forum.slug),
            &[("title", title), ("body", body)],
        )
        .await;
    created.assert_status(303);
    let page = member
        .get(created.location.as_deref().expect("location"))
        .await;
    let start = page.body.find("<div class=\"body\">").expect("post body");
    let end = page.body[start..].find("</article>").expect("post end") + start;
    let html = page.body[start..end].to_lowercase();
    for forbidden in [
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "onclick",
        "<svg",
        "data:text",
        "<iframe",
        "<img",
        "style=\"background",
        "<form action=\"/logout\"",
    ] {
        assert!(
            !html.contains(forbidden),
            "{forbidden} survived: {}",
            page.body
        );
    }
    assert!(
        !page.body.contains("<script") && !page.body.contains("<img"),
        "no live tags anywhere on the page"
    );
    assert!(
        page.body
            .contains("&lt;script&gt;alert('title')&lt;/script&gt;")
            || page.body.contains("&lt;script&gt;alert(&#39;title&#39;)"),
        "title is escaped"
    );
    assert!(
        page.body.contains("href=\"https://www.ilo.org/\""),
        "safe links stay"
    );
    assert!(
        page.body
            .contains("rel=\"nofollow noopener noreferrer ugc\"")
    );
}

async fn bad_thread_input_rerenders_with_what_was_typed(app: TestApp) {
    let (forum, _, member) = app.with_forum("agri", "post").await;
    let path = format!("/forums/{}/new", forum.slug);
    member.get(&path).await;
    let page = member
        .post(
            &path,
            &[
                ("title", "   \t "),
                ("body", "My long message that must not be lost"),
            ],
        )
        .await;
    page.assert_status(422);
    assert!(page.body.contains("This field is required"));
    assert!(page.body.contains("My long message that must not be lost"));
    let long_title = "t".repeat(10_000);
    let page = member
        .post(&path, &[("title", &long_title), ("body", "Body kept")])
        .await;
    page.assert_status(422);
    assert!(page.body.contains("This is too long"));
    assert!(page.body.contains("Body kept"));
    let page = member
        .post(&path, &[("title", "A fine title"), ("body", " \n\n ")])
        .await;
    page.assert_status(422);
    assert!(page.body.contains("A fine title"));
    // Missing fields altogether, and a form that is not a form.
    member.post(&path, &[]).await.assert_status(422);
    let garbage = member.post_body(&path, b"%%%\xff\xfe=&&==".to_vec()).await;
    assert!(
        garbage.status == 400 || garbage.status == 403,
        "{}",
        garbage.status
    );
    // Reply with an empty body keeps the thread page and says why.
    let created = member
        .post(&path, &[("title", "Thread"), ("body", "First")])
        .await;
    let thread = created.location.expect("location");
    member.get(&thread).await;
    let page = member
        .post(&format!("{thread}/reply"), &[("body", "   ")])
        .await;
    page.assert_status(422);
    assert!(page.body.contains("This field is required"));
    assert_eq!(
        fora::entities::threads::Entity::find()
            .all(app.db())
            .await
            .expect("db")
            .len(),
        1
    );
}

async fn oversized_requests_get_a_clear_error(app: TestApp) {
    let (forum, _, member) = app.with_forum("agri", "post").await;
    let path = format!("/forums/{}/new", forum.slug);
    member.get(&path).await;
    let token = member.token().await;
    let big = format!(
        "csrf_token={token}&title=Big&body={}",
        "a".repeat(1024 * 1024)
    );
    let page = member.post_body(&path, big.into_bytes()).await;
    page.assert_status(413);
    assert!(page.body.contains("too long to send"));
    // Just over the Markdown limit but under the request limit: a form error, text kept.
    let body = "b".repeat(50_001);
    let page = member
        .post(&path, &[("title", "Long"), ("body", &body)])
        .await;
    page.assert_status(422);
    assert!(page.body.contains("This is too long"));
    assert!(
        fora::entities::threads::Entity::find()
            .one(app.db())
            .await
            .expect("db")
            .is_none()
    );
}

async fn concurrent_replies_lose_nothing(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, thread_id, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    moderator.get(&path).await;
    member.get(&path).await;
    let moderator = std::sync::Arc::new(moderator);
    let member = std::sync::Arc::new(member);
    let mut tasks = Vec::new();
    for i in 0..15 {
        for (who, client) in [("mod", moderator.clone()), ("mem", member.clone())] {
            let path = path.clone();
            tasks.push(tokio::spawn(async move {
                let body = format!("{who} reply {i}");
                client
                    .post(&format!("{path}/reply"), &[("body", &body)])
                    .await
                    .status
            }));
        }
    }
    for task in tasks {
        assert_eq!(task.await.expect("task"), 303);
    }
    let posts = fora::entities::posts::Entity::find()
        .all(app.db())
        .await
        .expect("db");
    let in_thread: Vec<_> = posts.iter().filter(|p| p.thread_id == thread_id).collect();
    assert_eq!(in_thread.len(), 32);
    for i in 0..15 {
        for who in ["mod", "mem"] {
            assert!(
                in_thread
                    .iter()
                    .any(|p| p.body_md == format!("{who} reply {i}")),
                "{who} reply {i} lost"
            );
        }
    }
}

async fn forum_page_lists_pinned_first_with_unread_counts(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (older, _, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    member.get(&format!("/forums/{}/new", forum.slug)).await;
    let newer = member
        .post(
            &format!("/forums/{}/new", forum.slug),
            &[("title", "Newest thread"), ("body", "Hello")],
        )
        .await
        .location
        .expect("loc");
    moderator.get(&older).await;
    moderator
        .post(&format!("{older}/pin"), &[])
        .await
        .assert_status(303);
    let page = member.get(&format!("/forums/{}", forum.slug)).await;
    let pinned_at = page
        .body
        .find("Cooperatives and child labour")
        .expect("pinned thread listed");
    let newest_at = page.body.find("Newest thread").expect("newest listed");
    assert!(pinned_at < newest_at, "pinned first");
    // The moderator has not read the member's new thread: 1 unread of 1.
    let page = moderator.get(&format!("/forums/{}", forum.slug)).await;
    let row = &page.body[page.body.find("Newest thread").expect("row")..];
    assert!(
        row.contains(r#"<td data-label="Posts">1</td><td data-label="Unread">1</td>"#),
        "{row}"
    );
    moderator.get(&newer).await;
    let page = moderator.get(&format!("/forums/{}", forum.slug)).await;
    let row = &page.body[page.body.find("Newest thread").expect("row")..];
    assert!(
        row.contains(r#"<td data-label="Posts">1</td><td data-label="Unread">0</td>"#),
        "{row}"
    );
}

async fn paging_accepts_any_page_parameter(app: TestApp) {
    let (forum, _, member) = app.with_forum("agri", "post").await;
    let path = format!("/forums/{}/new", forum.slug);
    member.get(&path).await;
    let thread = member
        .post(&path, &[("title", "Long thread"), ("body", "Post 0")])
        .await
        .location
        .expect("loc");
    for i in 1..55 {
        member
            .post(
                &format!("{thread}/reply"),
                &[("body", &format!("Post number {i}"))],
            )
            .await
            .assert_status(303);
    }
    let first = member.get(&thread).await;
    assert!(first.body.contains("Page 1 of 2"));
    assert!(first.body.contains("Post number 49") && !first.body.contains("Post number 50"));
    let second = member.get(&format!("{thread}?page=2")).await;
    assert!(second.body.contains("Post number 54"));
    for weird in [
        "-1",
        "0",
        "abc",
        "99999999999999999999999",
        "2.5",
        "1;DROP TABLE posts",
        "",
        "NaN",
    ] {
        let page = member.get(&format!("{thread}?page={weird}")).await;
        assert_eq!(page.status, 200, "page={weird}");
        let forum_page = member
            .get(&format!("/forums/{}?page={weird}", forum.slug))
            .await;
        assert_eq!(forum_page.status, 200, "forum page={weird}");
    }
    let huge = member.get(&format!("{thread}?page=999")).await;
    assert!(
        huge.body.contains("Page 2 of 2"),
        "past the end shows the last page"
    );
    let jump = member.get(&format!("{thread}?post=999999")).await;
    jump.assert_status(200);
    for bad_id in [
        "/threads/abc",
        "/threads/-1",
        "/threads/99999999999",
        "/threads/1.5",
    ] {
        let page = member.get(bad_id).await;
        assert!(
            page.status == 404 || page.status == 400,
            "{bad_id}: {}",
            page.status
        );
        assert!(page.body.contains("<h1>"), "{bad_id} has a page");
    }
}

async fn quoting_editing_and_history(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let quoted = moderator.get(&format!("{path}?quote={post_id}")).await;
    assert!(
        quoted.body.contains("&gt; They run their own monitoring."),
        "reply box prefilled with the quote"
    );
    member.get(&format!("/posts/{post_id}/edit")).await;
    member
        .post(
            &format!("/posts/{post_id}/edit"),
            &[("body", "They run their own monitoring, with the school.")],
        )
        .await
        .assert_status(303);
    let page = member.get(&path).await;
    assert!(page.body.contains("with the school") && page.body.contains("edited"));
    moderator.get(&format!("/posts/{post_id}/edit")).await;
    moderator
        .post(
            &format!("/posts/{post_id}/edit"),
            &[("body", "Edited by the moderator.")],
        )
        .await
        .assert_status(303);
    let page = member.get(&path).await;
    assert!(page.body.contains("edited by a moderator"));
    let history = moderator.get(&format!("/posts/{post_id}/history")).await;
    history.assert_status(200);
    assert!(
        history.body.contains("They run their own monitoring.")
            && history.body.contains("with the school")
    );
    let log = moderator.get(&format!("/forums/{}/log", forum.slug)).await;
    assert!(log.body.contains("edited"));
}

async fn flags_reach_the_moderation_queue(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (_, _, post_id) = thread_with_reply(&member, &moderator, &forum.slug).await;
    member
        .get(&format!("/posts/{post_id}/flag"))
        .await
        .assert_status(200);
    member
        .post(&format!("/posts/{post_id}/flag"), &[("reason", "  ")])
        .await
        .assert_status(422);
    let done = member
        .post(
            &format!("/posts/{post_id}/flag"),
            &[("reason", "Names a child victim")],
        )
        .await;
    done.assert_status(200);
    assert!(done.body.contains("The moderators have your report"));
    let queue = moderator
        .get(&format!("/forums/{}/queue", forum.slug))
        .await;
    assert!(queue.body.contains("Names a child victim"));
    moderator
        .post(
            &format!("/posts/{post_id}/hide"),
            &[("confirmed", "yes"), ("reason", "Protects a child")],
        )
        .await
        .assert_status(303);
    let queue = moderator
        .get(&format!("/forums/{}/queue", forum.slug))
        .await;
    assert!(
        !queue.body.contains("Names a child victim"),
        "hiding resolves the report"
    );
    let log = moderator.get(&format!("/forums/{}/log", forum.slug)).await;
    assert!(log.body.contains("Protects a child"));
}

async fn removed_member_loses_access_at_once(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    member.get(&path).await.assert_status(200);
    remove_from_forum(&app, &moderator, &forum.slug, "member-agri@example.org").await;
    member.get(&path).await.assert_status(404);
    member
        .get(&format!("/forums/{}", forum.slug))
        .await
        .assert_status(404);
    // A moderator cannot remove another moderator.
    let other_mod = app.user("mod2@example.org", "Mod Two").await;
    app.join(&forum, &other_mod, "moderator").await;
    assert_eq!(
        moderator
            .post(
                &format!("/forums/{}/members/{}/remove", forum.slug, other_mod.id),
                &[]
            )
            .await
            .status,
        404
    );
}

async fn archived_forum_is_read_only(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let admin = app.login(&app.admin().await.email).await;
    admin.get("/admin").await;
    let question = admin
        .post(&format!("/admin/forums/{}/archive", forum.slug), &[])
        .await;
    question.assert_status(200);
    assert!(
        question.body.contains("Archive the forum “Forum agri”?"),
        "{}",
        question.body
    );
    assert!(
        member.get(&path).await.body.contains("Post reply"),
        "not archived yet"
    );
    admin
        .post(
            &format!("/admin/forums/{}/archive", forum.slug),
            &[("confirmed", "yes")],
        )
        .await
        .assert_status(303);
    let page = member.get(&path).await;
    page.assert_status(200);
    assert!(!page.body.contains("Post reply"));
    assert_eq!(
        member
            .post(&format!("{path}/reply"), &[("body", "late")])
            .await
            .status,
        400
    );
    assert_eq!(
        member
            .post(
                &format!("/forums/{}/new", forum.slug),
                &[("title", "t"), ("body", "b")]
            )
            .await
            .status,
        400
    );
}

/// On SQLite, another process writing the same file (a second server, `fora mail-in`,
/// `fora import`) announces nothing: each instance notices within a second or two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_instances_see_each_others_changes() {
    let first = TestApp::start(crate::support::Backend::Sqlite, Default::default()).await;
    let second = first.second_instance().await;
    let (forum, moderator, member_on_first) = first.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&moderator, &member_on_first, &forum.slug).await;
    let member_on_second = second.login("member-agri@example.org").await;
    for _ in 0..3 {
        member_on_second.get(&path).await.assert_status(200);
    }
    remove_from_forum(&first, &moderator, &forum.slug, "member-agri@example.org").await;
    let started = std::time::Instant::now();
    let mut status = 0;
    // Usually a second or two; the bound leaves room for a watcher that waited out a busy
    // database (its busy timeout is 10 s), far below the caches' minutes.
    while started.elapsed() < std::time::Duration::from_secs(15) {
        status = member_on_second.get(&path).await.status;
        if status == 404 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        404,
        "the second instance still shows the thread to a removed member after {:?} (caches \
         otherwise keep it for minutes)",
        started.elapsed()
    );
}

/// Two instances behind a load balancer share one PostgreSQL database: a change made through
/// one is seen at once through the other, although each caches what it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removal_reaches_every_instance_at_once() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        crate::support::skip(
            "forums::removal_reaches_every_instance_at_once",
            "TEST_DATABASE_URL is not set",
        );
        return;
    }
    let first = TestApp::start(crate::support::Backend::Postgres, Default::default()).await;
    let second = first.second_instance().await;
    // Give both change listeners time to subscribe.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (forum, moderator, member_on_first) = first.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&moderator, &member_on_first, &forum.slug).await;
    let member_on_second = second.login("member-agri@example.org").await;
    // Warm the second instance's caches.
    for _ in 0..3 {
        member_on_second.get(&path).await.assert_status(200);
    }
    remove_from_forum(&first, &moderator, &forum.slug, "member-agri@example.org").await;
    // The notification travels through PostgreSQL; allow it a moment, far below any cache TTL.
    let mut status = 0;
    for _ in 0..20 {
        status = member_on_second.get(&path).await.status;
        if status == 404 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(
        status, 404,
        "the second instance still shows the thread to a removed member"
    );
    // A post hidden through the second instance disappears on the first one too.
    let (path2, _, post_id) = thread_with_reply(&moderator, &moderator, &forum.slug).await;
    let other = first.user("other@example.org", "Other").await;
    first.join(&forum, &other, "member").await;
    let other_on_first = first.login(&other.email).await;
    assert!(
        other_on_first
            .get(&path2)
            .await
            .body
            .contains("They run their own monitoring.")
    );
    let moderator_on_second = second.login("mod-agri@example.org").await;
    moderator_on_second.get(&path2).await;
    moderator_on_second
        .post(
            &format!("/posts/{post_id}/hide"),
            &[("confirmed", "yes"), ("reason", "x")],
        )
        .await
        .assert_status(303);
    assert!(
        !other_on_first
            .get(&path2)
            .await
            .body
            .contains("They run their own monitoring.")
    );

    // Signing out through one instance ends the session on the other, even for a replayed cookie.
    let cookie = other_on_first.cookie_header();
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let profile_on_second = format!("{}/profile", second.base);
    let status_on_second = |cookie: String| {
        let request = replay.get(&profile_on_second).header("cookie", cookie);
        async move { request.send().await.expect("get").status().as_u16() }
    };
    assert_eq!(
        status_on_second(cookie.clone()).await,
        200,
        "sessions are shared by the instances"
    );
    other_on_first.post("/logout", &[]).await.assert_status(303);
    let mut status = 0;
    for _ in 0..20 {
        status = status_on_second(cookie.clone()).await;
        if status == 303 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(
        status, 303,
        "the second instance still honours a signed-out session"
    );
}
