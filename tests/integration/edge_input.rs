//! What every request must not carry, refused before any handler: control characters (NUL,
//! which PostgreSQL cannot store, and the others) in paths, query strings and forms.

use crate::{
    forums::thread_with_reply,
    support::{Client, PASSWORD, TestApp},
};

const REFUSED: &str = "invisible control characters";

/// Who posts, where, and which fields.
type FormCase<'a> = (&'a Client, &'a str, Vec<(&'a str, &'a str)>);

fn assert_refused(response: &crate::support::Response, what: &str) {
    assert_eq!(response.status, 400, "{what}: {}", response.body);
    assert!(response.body.contains(REFUSED), "{what}: {}", response.body);
}

async fn control_characters_are_refused_everywhere(app: TestApp) {
    let admin_user = app.admin().await;
    let admin = app.login(&admin_user.email).await;
    let (forum, moderator, member) = app.with_forum("cdw", "post").await;
    let (thread, _, _) = thread_with_reply(&member, &moderator, &forum.slug).await;
    let anonymous = app.client();
    let new_thread = format!("/forums/{}/new", forum.slug);
    let moved = format!("{thread}/move");
    let reply = format!("{thread}/reply");
    let forms: [FormCase; 9] = [
        (
            &anonymous,
            "/login",
            vec![("email", "someone\0@example.org"), ("password", PASSWORD)],
        ),
        (&anonymous, "/login", vec![("email\0", "a@example.org")]),
        (
            &anonymous,
            "/password/forgot",
            vec![("email", "someone@example.org\0")],
        ),
        (
            &anonymous,
            "/newsletter",
            vec![("email", "reader\0@example.org"), ("frequency", "weekly")],
        ),
        (&member, &new_thread, vec![("title", "Hi\0"), ("body", "x")]),
        (&member, &reply, vec![("body", "bell \u{7} here")]),
        (&moderator, &moved, vec![("forum", "\0")]),
        (
            &admin,
            "/admin/forums",
            vec![
                ("slug", "new\0forum"),
                ("title", "New forum"),
                ("theme", "theme-cdw"),
                ("moderation", "post"),
            ],
        ),
        (
            &admin,
            "/admin/themes",
            vec![("theme_slug", "\u{1b}[31m"), ("theme_name", "Red")],
        ),
    ];
    for (client, path, fields) in &forms {
        let response = client.post(path, fields).await;
        assert_refused(&response, &format!("POST {path} {fields:?}"));
    }

    let reads: [(&Client, &str); 9] = [
        (&member, "/learnings/1/discuss?forum=%00"),
        (&anonymous, "/learnings?q=%00"),
        (&anonymous, "/learnings?project=a%01b"),
        (&anonymous, "/products?kind=%00"),
        (&anonymous, "/feeds/learnings.atom?q=%00"),
        (&member, "/forums/%00"),
        (&member, "/forums/cdw?page=%00"),
        (&anonymous, "/themes/%00"),
        (&anonymous, "/password/reset/abc%00"),
    ];
    for (client, path) in reads {
        assert_refused(&client.get(path).await, path);
    }
    let archive = admin.post("/admin/forums/cdw%00/archive", &[]).await;
    assert_refused(&archive, "archive with NUL in the slug");

    // The API answers in JSON, like its other errors.
    let api = anonymous.get("/api/v1/learnings?q=%00").await;
    assert_eq!(api.status, 400, "{}", api.body);
    let body: serde_json::Value = serde_json::from_str(&api.body).expect("JSON error");
    assert_eq!(body["error"], "bad_parameter", "{body}");

    // Tabs and line breaks are text, not controls: a reply may hold them.
    let fine = member
        .post(&reply, &[("body", "first line\r\nsecond\tline")])
        .await;
    fine.assert_status(303);
    assert!(member.get(&thread).await.body.contains("second"));
}

crate::on_both_databases!(control_characters_are_refused_everywhere);
