//! The front page: visitors learn what Fora offers and see the newest learnings; members see
//! the latest threads of their own forums, with what they have not read, and nothing else.

use fora::learnings::fields::RawLearning;

use crate::{
    library_public::learning,
    support::{Client, TestApp},
};

crate::on_both_databases!(
    visitors_are_shown_the_library_newsletter_and_forums,
    members_see_recent_activity_in_their_own_forums_only,
    each_person_sees_what_waits_for_them,
);

async fn visitors_are_shown_the_library_newsletter_and_forums(app: TestApp) {
    let visitor = app.client();
    let empty = visitor.get("/learnings").await;
    assert!(
        empty.body.contains("No learnings are published yet")
            && !empty.body.contains("fewer words"),
        "nothing was searched: no advice to search differently"
    );
    assert!(!empty.body.contains("Sort by"), "one order only");

    learning(
        &app,
        "Mothers groups keep girls in school",
        "",
        "published",
        RawLearning::default(),
    )
    .await;
    learning(
        &app,
        "Draft about harvest plans",
        "",
        "draft",
        RawLearning::default(),
    )
    .await;
    let home = visitor.get("/").await;
    home.assert_status(200);
    assert!(
        home.body.contains("<title>Fora</title>"),
        "not “Fora · Fora”"
    );
    for link in [
        "href=\"/learnings\"",
        "href=\"/products\"",
        "href=\"/themes\"",
        "href=\"/newsletter\"",
        "href=\"/login\"",
    ] {
        assert!(home.body.contains(link), "{link} on the front page");
    }
    assert!(
        home.body.contains("1 published learning from"),
        "{}",
        home.body
    );
    assert!(home.body.contains("Mothers groups keep girls in school"));
    assert!(
        !home.body.contains("Draft about harvest plans"),
        "drafts stay private"
    );
    assert!(
        !home.body.contains("Recent activity"),
        "visitors have no forums"
    );

    // Listings and snippets quote the words of a description, not its Markdown, and do not
    // repeat the title the description opens with.
    let listing = visitor.get("/learnings").await;
    assert!(listing.body.contains("Newest first."), "one order, named");
    let hit = &listing.body[listing.body.find("class=\"snippet\"").expect("a snippet")..];
    let snippet = &hit[..hit.find("</p>").expect("end")];
    assert!(
        snippet.contains("Mothers' groups met every week") || snippet.contains("Mothers&#39;"),
        "{snippet}"
    );
    assert!(
        !snippet.contains("**") && !snippet.contains("keep girls in school."),
        "{snippet}"
    );
    let found = visitor.get("/learnings?q=every+week").await;
    assert!(
        !found.body.contains("**"),
        "no Markdown in highlighted snippets"
    );

    // The first administrator, before any forum exists, is told where to create one.
    let admin = app.admin().await;
    let admin = app.login(&admin.email).await;
    let home = admin.get("/").await;
    assert!(
        home.body.contains("There are no forums yet"),
        "{}",
        home.body
    );
    assert!(home.body.contains("href=\"/admin\""));
}

async fn members_see_recent_activity_in_their_own_forums_only(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    start(&member, &forum.slug, "Cocoa prices and school fees").await;
    let unread = start(&moderator, &forum.slug, "Who monitors the cooperatives?").await;
    let hidden = start(&moderator, &forum.slug, "A thread the moderator hid").await;
    moderator
        .post(
            &format!("{hidden}/hide"),
            &[("confirmed", "yes"), ("reason", "Off topic")],
        )
        .await
        .assert_status(303);

    let (other, other_moderator, _) = app.with_forum("mines", "post").await;
    start(
        &other_moderator,
        &other.slug,
        "Private to the miners' forum",
    )
    .await;

    let home = member.get("/").await;
    let activity = &home.body[home
        .body
        .find("Recent activity in your forums")
        .expect("activity")..];
    let activity = &activity[..activity.find("</section>").expect("end")];
    assert!(activity.contains("Cocoa prices and school fees"));
    assert!(activity.contains("Who monitors the cooperatives?"));
    assert!(activity.contains("just now"), "a relative time");
    assert!(
        activity.contains("<time datetime=\""),
        "with the exact time for machines"
    );
    assert!(
        !activity.contains("A thread the moderator hid"),
        "hidden threads are not listed"
    );
    assert!(
        !activity.contains("Private to the miners"),
        "only the member's own forums"
    );
    let unread_row = &activity[activity.find("Who monitors").expect("row")..];
    assert!(unread_row[..unread_row.find("</li>").expect("li")].contains("1 new"));
    let read_row = &activity[activity.find("Cocoa prices").expect("row")..];
    assert!(
        !read_row[..read_row.find("</li>").expect("li")].contains(" new<"),
        "its author read it"
    );
    assert!(
        activity.find("Who monitors").unwrap() < activity.find("Cocoa prices").unwrap(),
        "newest first"
    );

    member.get(&unread).await;
    let home = member.get("/").await;
    let row = &home.body[home.body.find("Who monitors").expect("row")..];
    assert!(
        !row[..row.find("</li>").expect("li")].contains("1 new"),
        "read now"
    );
}

/// The front page's "Waiting for you" section, which must be there.
fn waiting_section(body: &str) -> &str {
    let start = body
        .find("<h2 id=\"waiting\">Waiting for you</h2>")
        .unwrap_or_else(|| panic!("no waiting section in:\n{body}"));
    let section = &body[start..];
    &section[..section.find("</section>").expect("end")]
}

async fn each_person_sees_what_waits_for_them(app: TestApp) {
    let (held, moderator, member) = app.with_forum("agri", "pre").await;
    let (open, open_moderator, _) = app.with_forum("mines", "post").await;
    app.admin().await;
    let admin = app.login("admin@example.org").await;

    // Nothing waits for anyone yet: each is told so, and no count or list is shown.
    for client in [&member, &moderator, &admin] {
        let section = waiting_section(&client.get("/").await.body).to_string();
        assert!(section.contains("Nothing waits for you"), "{section}");
        assert!(!section.contains("<li>") && !section.contains("wait for you</a>"));
    }

    // A knowledge manager with a proposed learning.
    let thread = start(&open_moderator, &open.slug, "Mine safety committees").await;
    open_moderator
        .post(
            &format!("{thread}/summary"),
            &[(
                "summary",
                "Committees that meet monthly found fewer children underground.",
            )],
        )
        .await
        .assert_status(303);
    open_moderator
        .post(&format!("{thread}/propose-learning"), &[])
        .await
        .assert_status(303);
    let section = waiting_section(&admin.get("/").await.body).to_string();
    assert!(
        section.contains("Proposed learnings without a reviewer · Learning · "),
        "{section}"
    );
    assert!(section.contains("Mine safety committees"));
    assert!(section.contains("<a href=\"/waiting\">1 item waits for you</a>"));
    for client in [&member, &moderator, &open_moderator] {
        let section = waiting_section(&client.get("/").await.body).to_string();
        assert!(section.contains("Nothing waits for you"), "{section}");
    }

    // A moderator with held posts: the first three, the count and the way to the rest.
    for title in ["First held", "Second held", "Third held", "Fourth held"] {
        start(&member, &held.slug, title).await;
    }
    let section = waiting_section(&moderator.get("/").await.body).to_string();
    assert!(section.contains("First held") && section.contains("Third held"));
    assert!(!section.contains("Fourth held"), "three at most: {section}");
    assert!(section.contains("Posts waiting for approval · Forum agri · "));
    assert!(section.contains("href=\"/forums/agri/queue\""));
    assert!(section.contains("<a href=\"/waiting\">4 items wait for you</a>"));
    assert!(!section.contains("Nothing waits for you"));
    // Their author and a moderator of another forum wait for nothing.
    for client in [&member, &open_moderator] {
        let section = waiting_section(&client.get("/").await.body).to_string();
        assert!(section.contains("Nothing waits for you"), "{section}");
        assert!(!section.contains("held"));
    }
    // The admin moderates every forum: the held posts come first, the proposal is counted.
    let section = waiting_section(&admin.get("/").await.body).to_string();
    assert!(section.contains("5 items wait for you"), "{section}");
    assert!(section.contains("First held") && !section.contains("Mine safety"));

    // Visitors have no such section.
    let home = app.client().get("/").await;
    assert!(!home.body.contains("Waiting for you</h2>"));
    assert!(!home.body.contains("Nothing waits for you"));
}

/// Opens a thread in a forum and returns its address.
async fn start(client: &Client, forum: &str, title: &str) -> String {
    client.get(&format!("/forums/{forum}/new")).await;
    let created = client
        .post(
            &format!("/forums/{forum}/new"),
            &[("title", title), ("body", "Hello")],
        )
        .await;
    created.assert_status(303);
    created.location.expect("thread")
}
