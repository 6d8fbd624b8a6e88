//! What axe-core does not check but a person using autofill, a screen reader or voice control
//! needs: fields say what fills them (`autocomplete`), hints are read with their fields
//! (`aria-describedby`), and in a row of identical buttons each names the item it acts on.

use crate::{
    forums::thread_with_reply,
    on_both_databases,
    support::{Response, TestApp},
};

fn has(page: &Response, html: &str) {
    assert!(page.body.contains(html), "{html} missing in: {}", page.body);
}

async fn fields_say_what_fills_them_and_what_they_expect(app: TestApp) {
    let visitor = app.client();
    let login = visitor.get("/login").await;
    has(&login, r#"autocomplete="username""#);
    has(&login, r#"autocomplete="current-password""#);
    let forgot = visitor.get("/password/forgot").await;
    has(
        &forgot,
        r#"type="email" value="" maxlength="254" autocomplete="email""#,
    );
    let search = visitor.get("/learnings").await;
    has(&search, r#"aria-describedby="q-hint""#);
    has(&search, r#"id="q-hint""#);

    let (forum, _, member) = app.with_forum("agri", "post").await;
    let profile = member.get("/profile").await;
    has(&profile, r#"autocomplete="current-password""#);
    has(&profile, r#"autocomplete="new-password""#);
    has(&profile, r#"aria-describedby="password-hint""#);
    let new_thread = member.get(&format!("/forums/{}/new", forum.slug)).await;
    has(&new_thread, r#"aria-describedby="body-hint""#);
    has(&new_thread, r#"id="body-hint""#);
}

async fn each_button_of_a_row_names_its_item(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let admin = app.admin().await;
    let admin = app.login(&admin.email).await;
    let users = admin.get("/admin/users").await;
    // Each row's menu and every button in it say whom they are about.
    has(
        &users,
        r#"Change<span class="visually-hidden"> Member Mia</span>"#,
    );
    has(&users, ">Disable Member Mia</button>");
    has(&users, ">Disable Moderator Mo</button>");
    has(&users, ">Make Member Mia a reviewer</button>");
    let forums = admin.get("/admin").await;
    has(
        &forums,
        &format!(
            r#"Archive<span class="visually-hidden"> {}</span>"#,
            forum.title
        ),
    );

    // A moderator's Hide button under each post is named with that post's author.
    let (path, _, reply) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let thread = moderator.get(&path).await;
    has(&thread, &format!(r#"id="post-{reply}-author">Member Mia<"#));
    has(
        &thread,
        &format!(r#"aria-labelledby="moderate-{reply} post-{reply}-author""#),
    );
}

on_both_databases!(
    fields_say_what_fills_them_and_what_they_expect,
    each_button_of_a_row_names_its_item,
);
