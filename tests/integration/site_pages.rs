//! Every page of the site, for the tests that look at pages in a browser (axe-core, the phone
//! layout, screenshots): which route it belongs to, an address filled from the demo data, and
//! who opens it. `every_get_route_has_a_page` holds the list to the routes in `src/`: a route a
//! browser can open needs a page here or a reason to be left out.

use std::collections::{BTreeMap, BTreeSet};

use fora::{
    demo::DEMO_PASSWORD,
    entities::{
        editions, follows, forums, learnings, posts, products, states::LearningStatus, subscribers,
        threads,
    },
    link_tokens::{self, Purpose},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    routes_in_source::{self, RoutePath},
    support::{Client, TestApp},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Visitor,
    Member,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Visitor, Role::Member, Role::Moderator, Role::Admin];

    /// The demo account that plays this role (none for a visitor).
    pub fn email(self) -> Option<&'static str> {
        match self {
            Role::Visitor => None,
            // A member of every demo forum, moderator of none.
            Role::Member => Some("marie.dubois@example.org"),
            // Moderator of the domestic-work forum, member of the others.
            Role::Moderator => Some("amina.diallo@example.org"),
            Role::Admin => Some("admin@example.org"),
        }
    }
}

const ALL: &[Role] = &Role::ALL;
const VISITOR: &[Role] = &[Role::Visitor];
const SIGNED_IN: &[Role] = &[Role::Member, Role::Moderator, Role::Admin];
const FORUM: &[Role] = &[Role::Member, Role::Moderator];
const MEMBER: &[Role] = &[Role::Member];
const MODERATOR: &[Role] = &[Role::Moderator];
const WAITING: &[Role] = &[Role::Moderator, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];

/// One page to look at: `path` is an address with `{placeholders}` filled from [`Site`].
pub struct Page {
    /// The route it belongs to, as `src/` declares it (`None`: the answer to an unknown path).
    pub route: Option<&'static str>,
    pub path: &'static str,
    pub roles: &'static [Role],
}

const fn page(route: &'static str, path: &'static str, roles: &'static [Role]) -> Page {
    Page {
        route: Some(route),
        path,
        roles,
    }
}

pub const PAGES: &[Page] = &[
    page("/", "/", ALL),
    page("/login", "/login", VISITOR),
    page("/password/forgot", "/password/forgot", VISITOR),
    page(
        "/password/reset/{token}",
        "/password/reset/{reset}",
        VISITOR,
    ),
    page("/invitations/{token}", "/invitations/{invitation}", VISITOR),
    page(
        "/reviewer-invitations/{token}",
        "/reviewer-invitations/{reviewer}",
        VISITOR,
    ),
    page("/admin/setup/{token}", "/admin/setup/{setup}", VISITOR),
    page("/profile", "/profile", SIGNED_IN),
    page("/forums", "/forums", SIGNED_IN),
    page("/forums/{slug}", "/forums/{forum}", FORUM),
    page("/forums/{slug}/new", "/forums/{forum}/new", FORUM),
    // Citing a learning (where "Discuss in a forum" leads).
    page(
        "/forums/{slug}/new",
        "/forums/{forum}/new?cite={learning}",
        MEMBER,
    ),
    page("/forums/{slug}/queue", "/forums/{forum}/queue", MODERATOR),
    page("/forums/{slug}/log", "/forums/{forum}/log", MODERATOR),
    page(
        "/forums/{slug}/members",
        "/forums/{forum}/members",
        MODERATOR,
    ),
    page("/threads/{id}", "/threads/{thread}", FORUM),
    // Its author's view of a post a moderator hid: marked, with the reason.
    page("/threads/{id}", "/threads/{hidden_thread}", MEMBER),
    page("/posts/{id}/edit", "/posts/{post}/edit", MODERATOR),
    page("/posts/{id}/flag", "/posts/{post}/flag", MEMBER),
    page("/posts/{id}/history", "/posts/{post}/history", MODERATOR),
    page("/follows/{token}/stop", "/follows/{follow}/stop", VISITOR),
    page("/admin/log", "/admin/log", ADMIN),
    page("/learnings", "/learnings", ALL),
    // Words and filters: highlighted passages and the filters' remove buttons.
    page(
        "/learnings",
        "/learnings?q=domestic+workers&type=good_practice",
        ALL,
    ),
    // A slip: the question as typed finds nothing, so the corrected one is searched.
    page("/learnings", "/learnings?q=schoool", ALL),
    // A slip beside a word that finds something: the corrected question is offered.
    page("/learnings", "/learnings?q=schoool+girls", ALL),
    page("/learnings/{id}", "/learnings/{learning}", ALL),
    page("/learnings/new", "/learnings/new", ADMIN),
    page("/learnings/{id}/edit", "/learnings/{learning}/edit", ADMIN),
    page("/products", "/products", ALL),
    page("/products", "/products?q=guide", ALL),
    page("/products", "/products?q=migrnts", ALL),
    page("/products/new", "/products/new", ADMIN),
    page("/products/{id}", "/products/{product}", ALL),
    page("/products/{id}/edit", "/products/{product}/edit", ADMIN),
    page("/themes", "/themes", ALL),
    page("/themes/{slug}", "/themes/{theme}", ALL),
    page("/newsletter", "/newsletter", ALL),
    page(
        "/newsletter/confirm/{token}",
        "/newsletter/confirm/{confirm}",
        VISITOR,
    ),
    page(
        "/newsletter/unsubscribe/{token}",
        "/newsletter/unsubscribe/{newsletter}",
        VISITOR,
    ),
    page(
        "/newsletter/manage/{token}",
        "/newsletter/manage/{newsletter}",
        VISITOR,
    ),
    page("/newsletter/archive", "/newsletter/archive", ALL),
    page(
        "/newsletter/archive/{id}",
        "/newsletter/archive/{edition}",
        ALL,
    ),
    page("/admin/newsletter", "/admin/newsletter", ADMIN),
    page(
        "/admin/newsletter/bounces",
        "/admin/newsletter/bounces",
        ADMIN,
    ),
    page(
        "/admin/newsletter/editions/{id}",
        "/admin/newsletter/editions/{edition}",
        ADMIN,
    ),
    page(
        "/admin/newsletter/editions/{id}/preview",
        "/admin/newsletter/editions/{edition}/preview?email=admin%40example.org",
        ADMIN,
    ),
    page("/waiting", "/waiting", WAITING),
    page("/admin", "/admin", ADMIN),
    page("/admin/users", "/admin/users", ADMIN),
    page("/admin/vocabularies", "/admin/vocabularies", ADMIN),
    page(
        "/admin/vocabularies/{vocabulary}/{code}",
        "/admin/vocabularies/evaluation_type/midterm",
        ADMIN,
    ),
    page(
        "/admin/themes/{slug}",
        "/admin/themes/child-domestic-work",
        ADMIN,
    ),
    page(
        fora::transfer::import::PATH,
        fora::transfer::import::PATH,
        ADMIN,
    ),
    Page {
        route: None,
        path: "/no/such/page",
        roles: ALL,
    },
];

/// Routes a browser can open that are not pages to look at, and why.
pub const NOT_PAGES: &[(&str, &str)] = &[
    ("/healthz", "plain text for load balancers"),
    ("/static/style.css", "the stylesheet"),
    ("/favicon.ico", "the site's icon"),
    (
        "/language/{code}",
        "sets the language and redirects back to the page it came from",
    ),
    ("/admin/export/{file}", "a CSV or JSON download"),
    (
        "/learnings/{id}/discuss",
        "redirects to the new-thread form citing the learning",
    ),
    ("/feeds/learnings.atom", "an Atom feed"),
    ("/feeds/products.atom", "an Atom feed"),
    ("/api/v1", "JSON API: the answer to an unknown API path"),
    ("/api/v1/", "JSON API: the answer to an unknown API path"),
    (
        "/api/v1/{*rest}",
        "JSON API: the answer to an unknown API path",
    ),
];

/// Routes whose path is computed in code, by file and expression, and why they are no pages.
const COMPUTED_NOT_PAGES: &[(&str, &str, &str)] = &[(
    "src/api/mod.rs",
    "&path",
    "the JSON API's routes, taken from its OpenAPI document (checked by scripts/api-check.sh)",
)];

/// Routes whose path is computed in code but is a constant a test can name.
const COMPUTED_PAGES: &[(&str, &str, &str)] = &[(
    "src/transfer/import/web.rs",
    "PATH",
    fora::transfer::import::PATH,
)];

#[test]
fn every_get_route_has_a_page() {
    let mut problems = Vec::new();
    let mut declared = BTreeSet::new();
    for route in routes_in_source::routes() {
        let path = match &route.path {
            RoutePath::Literal(path) => path.clone(),
            RoutePath::Computed { file, expression } => {
                if let Some((_, _, path)) = COMPUTED_PAGES
                    .iter()
                    .find(|(f, e, _)| f == file && e == expression)
                {
                    path.to_string()
                } else if !route.may_get
                    || COMPUTED_NOT_PAGES
                        .iter()
                        .any(|(f, e, _)| f == file && e == expression)
                {
                    continue;
                } else {
                    problems.push(format!(
                        "{file}: the route at `{expression}` may answer GET; name it in COMPUTED_PAGES or COMPUTED_NOT_PAGES"
                    ));
                    continue;
                }
            }
        };
        declared.insert(path.clone());
        let listed = PAGES.iter().any(|p| p.route == Some(path.as_str()))
            || NOT_PAGES.iter().any(|(r, _)| *r == path);
        if route.may_get && !listed {
            problems.push(format!(
                "GET {path} has no entry in tests/integration/site_pages.rs (PAGES or NOT_PAGES)"
            ));
        }
    }
    for route in PAGES
        .iter()
        .filter_map(|p| p.route)
        .chain(NOT_PAGES.iter().map(|(r, _)| *r))
    {
        if !declared.contains(route) {
            problems.push(format!("{route} is listed but no longer a route in src/"));
        }
    }
    assert!(
        declared.len() > 40,
        "only {} routes read from src/: is the parser still right?",
        declared.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The demo data (`fora demo`) plus the links that mail would carry, and the values that fill
/// the pages' addresses.
pub struct Site {
    values: BTreeMap<&'static str, String>,
}

/// A reply by the demo's member in the forum's second thread, hidden by its moderator with a
/// reason: the thread as its author sees it. Returns the thread's id.
async fn hidden_reply(app: &TestApp, forum: &forums::Model) -> i32 {
    let thread = threads::Entity::find()
        .filter(threads::Column::ForumId.eq(forum.id))
        .order_by_asc(threads::Column::Id)
        .all(app.db())
        .await
        .expect("threads")
        .into_iter()
        .nth(1)
        .expect("a second demo thread");
    let path = format!("/threads/{}", thread.id);
    let member = Site::client(app, Role::Member).await;
    member.get(&path).await;
    let reply = member
        .post(
            &format!("{path}/reply"),
            &[("body", "A reply that names a child by mistake.")],
        )
        .await;
    reply.assert_status(303);
    let post_id = posts::Entity::find()
        .filter(posts::Column::ThreadId.eq(thread.id))
        .order_by_desc(posts::Column::Id)
        .one(app.db())
        .await
        .expect("post")
        .expect("the reply")
        .id;
    let moderator = Site::client(app, Role::Moderator).await;
    moderator.get(&path).await;
    moderator
        .post(
            &format!("/posts/{post_id}/hide"),
            &[("confirmed", "yes"), ("reason", "It names a child")],
        )
        .await
        .assert_status(303);
    thread.id
}

impl Site {
    pub async fn seed(app: &TestApp) -> Site {
        let setup = fora::accounts::setup::prepare_first_run(&app.state)
            .await
            .expect("setup link")
            .expect("an empty database has a setup link");
        fora::demo::fill(&app.state).await.expect("demo data");
        let db = app.db();
        let forum = forums::Entity::find()
            .filter(forums::Column::Slug.eq("domestic-work-practitioners"))
            .one(db)
            .await
            .expect("forum")
            .expect("the demo's domestic work forum");
        let thread = threads::Entity::find()
            .filter(threads::Column::ForumId.eq(forum.id))
            .order_by_asc(threads::Column::Id)
            .one(db)
            .await
            .expect("thread")
            .expect("a demo thread");
        let post = posts::Entity::find()
            .filter(posts::Column::ThreadId.eq(thread.id))
            .order_by_asc(posts::Column::Id)
            .one(db)
            .await
            .expect("post")
            .expect("a demo post");
        let follow = follows::Entity::find()
            .filter(follows::Column::ThreadId.eq(thread.id))
            .one(db)
            .await
            .expect("follow")
            .expect("the author follows the thread");
        let learning = learnings::Entity::find()
            .filter(learnings::Column::Status.eq(LearningStatus::Published))
            .order_by_asc(learnings::Column::Id)
            .one(db)
            .await
            .expect("learning")
            .expect("a published demo learning");
        let product = products::Entity::find()
            .order_by_asc(products::Column::Id)
            .one(db)
            .await
            .expect("product")
            .expect("a demo product");
        let edition = editions::Entity::find()
            .one(db)
            .await
            .expect("edition")
            .expect("the demo edition");
        let subscriber = subscribers::Entity::find()
            .one(db)
            .await
            .expect("subscriber")
            .expect("a demo subscriber");
        let reset = fora::accounts::service::create_password_token(
            db,
            subscriber.user_id.expect("a member's subscription"),
            "reset",
            fora::accounts::service::RESET_LIFETIME,
        )
        .await
        .expect("reset token");
        let invitation = fora::forums::members::invite(
            &app.state,
            None,
            &forum,
            "new.member@example.org",
            fora::entities::states::MemberRole::Member,
            None,
        )
        .await
        .expect("invitation");
        let admin = fora::accounts::service::find_by_email(db, "admin@example.org")
            .await
            .expect("admin")
            .expect("the demo's admin");
        let reviewer = fora::admin::reviewers::invite(
            &app.state,
            &admin,
            &fora::admin::forms::ReviewerInvite {
                email: "outside.reviewer@example.org".into(),
                display_name: "Rita Okafor".into(),
                language: "en",
            },
        )
        .await
        .expect("reviewer invitation")
        .expect("an address without an account");
        let visitor = app.client();
        visitor
            .post(
                "/newsletter",
                &[("email", "reader@example.org"), ("frequency", "monthly")],
            )
            .await
            .assert_status(200);
        let confirm = app
            .mails_to("reader@example.org", 1)
            .await
            .remove(0)
            .link("/newsletter/confirm/");
        let hidden_thread = hidden_reply(app, &forum).await;
        let values = BTreeMap::from([
            ("hidden_thread", hidden_thread.to_string()),
            ("forum", forum.slug.clone()),
            ("theme", "child-domestic-work".to_string()),
            ("thread", thread.id.to_string()),
            ("post", post.id.to_string()),
            ("learning", learning.id.to_string()),
            ("product", product.id.to_string()),
            ("edition", edition.id.to_string()),
            ("reset", reset),
            ("invitation", last_segment(&invitation)),
            ("reviewer", last_segment(&reviewer)),
            ("setup", last_segment(&setup)),
            ("confirm", last_segment(&confirm)),
            ("newsletter", app.newsletter_token(&subscriber)),
            (
                "follow",
                link_tokens::issue(
                    &app.state.secret,
                    Purpose::StopFollowing,
                    follow.id,
                    &follow.link_salt,
                ),
            ),
        ]);
        Site { values }
    }

    /// `path` with its `{placeholders}` filled.
    pub fn address(&self, path: &str) -> String {
        let mut out = path.to_string();
        for (name, value) in &self.values {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        assert!(!out.contains('{'), "unknown placeholder in {path}");
        out
    }

    /// A client signed in as `role` (a visitor's has no session).
    pub async fn client(app: &TestApp, role: Role) -> Client {
        let client = app.client();
        if let Some(email) = role.email() {
            client
                .post("/login", &[("email", email), ("password", DEMO_PASSWORD)])
                .await
                .assert_status(303);
        }
        client
    }
}

fn last_segment(link: &str) -> String {
    link.rsplit('/').next().expect("a link").to_string()
}

/// Every page answers its roles with 200 (the unknown path with 404), so the browser tests
/// look at the pages themselves and not at refusals.
pub async fn assert_pages_answer(app: &TestApp, site: &Site) {
    let mut problems = Vec::new();
    for role in Role::ALL {
        let client = Site::client(app, role).await;
        for page in PAGES.iter().filter(|p| p.roles.contains(&role)) {
            let address = site.address(page.path);
            let wanted = if page.route.is_some() { 200 } else { 404 };
            let status = client.get(&address).await.status;
            if status != wanted {
                problems.push(format!(
                    "{role:?} GET {address}: {status}, expected {wanted}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

async fn every_page_answers_its_roles(app: TestApp) {
    let site = Site::seed(&app).await;
    assert_pages_answer(&app, &site).await;
}

crate::on_both_databases!(every_page_answers_its_roles);
