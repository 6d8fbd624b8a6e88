//! Every path Fora links to, redirects to or mails, built in one place: a constant for a fixed
//! path, a function for one with parts. The router registers the same paths as literals
//! (`src/**/mod.rs`); `tests/integration/routes_in_source.rs` checks that each path built here
//! goes to one of them.
//!
//! Parts are put in as they are: slugs are `[a-z0-9-]` (`admin::service::valid_slug`), tokens
//! URL-safe base64, and actions words of the code, so none needs percent-encoding. Query
//! strings stay with the pages that build them.

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const PASSWORD_FORGOT: &str = "/password/forgot";
pub const PROFILE: &str = "/profile";
pub const PROFILE_PASSWORD: &str = "/profile/password";
pub const PROFILE_NEWSLETTER: &str = "/profile/newsletter";
pub const PROFILE_ADDRESS_WORKS: &str = "/profile/address-works";
pub const PROFILE_SIGN_OUT_EVERYWHERE: &str = "/profile/sign-out-everywhere";
pub const PROFILE_STOP_OLD_REPLIES: &str = "/profile/stop-old-replies";
pub const STYLE_CSS: &str = "/static/style.css";

pub const FORUMS: &str = "/forums";
pub const WAITING: &str = "/waiting";
pub const LEARNINGS: &str = "/learnings";
pub const NEW_LEARNING: &str = "/learnings/new";
pub const PRODUCTS: &str = "/products";
pub const NEW_PRODUCT: &str = "/products/new";
pub const THEMES: &str = "/themes";
pub const NEWSLETTER: &str = "/newsletter";
pub const NEWSLETTER_ARCHIVE: &str = "/newsletter/archive";
pub const FEED_LEARNINGS: &str = "/feeds/learnings.atom";
pub const FEED_PRODUCTS: &str = "/feeds/products.atom";
pub const API_LEARNINGS: &str = "/api/v1/learnings";
pub const API_PRODUCTS: &str = "/api/v1/products";

pub const ADMIN: &str = "/admin";
pub const ADMIN_USERS: &str = "/admin/users";
pub const ADMIN_LOG: &str = "/admin/log";
pub const ADMIN_FORUMS: &str = "/admin/forums";
pub const ADMIN_THEMES: &str = "/admin/themes";
pub const ADMIN_IMPORT: &str = "/admin/import";
pub const ADMIN_VOCABULARIES: &str = "/admin/vocabularies";
pub const ADMIN_NEWSLETTER: &str = "/admin/newsletter";
pub const ADMIN_NEWSLETTER_COMPOSE: &str = "/admin/newsletter/compose";
pub const ADMIN_NEWSLETTER_BOUNCES: &str = "/admin/newsletter/bounces";

pub fn language(code: &str) -> String {
    format!("/language/{code}")
}

pub fn password_reset(token: &str) -> String {
    format!("/password/reset/{token}")
}

pub fn invitation(token: &str) -> String {
    format!("/invitations/{token}")
}

pub fn admin_setup(token: &str) -> String {
    format!("/admin/setup/{token}")
}

pub fn stop_following(token: &str) -> String {
    format!("/follows/{token}/stop")
}

pub fn forum(slug: &str) -> String {
    format!("/forums/{slug}")
}

pub fn forum_new_thread(slug: &str) -> String {
    format!("/forums/{slug}/new")
}

pub fn forum_queue(slug: &str) -> String {
    format!("/forums/{slug}/queue")
}

pub fn forum_log(slug: &str) -> String {
    format!("/forums/{slug}/log")
}

pub fn forum_members(slug: &str) -> String {
    format!("/forums/{slug}/members")
}

pub fn forum_member_remove(slug: &str, user_id: i32) -> String {
    format!("/forums/{slug}/members/{user_id}/remove")
}

pub fn invitation_resend(slug: &str, id: i32) -> String {
    format!("/forums/{slug}/invitations/{id}/resend")
}

pub fn invitation_revoke(slug: &str, id: i32) -> String {
    format!("/forums/{slug}/invitations/{id}/revoke")
}

pub fn thread(id: i32) -> String {
    format!("/threads/{id}")
}

/// A thread's first page scrolled to one of its posts.
pub fn thread_at(thread_id: i32, post_id: i32) -> String {
    format!("/threads/{thread_id}#post-{post_id}")
}

/// The address of one post: the page of its thread that holds it, scrolled to it.
pub fn post(thread_id: i32, post_id: i32) -> String {
    format!("/threads/{thread_id}?post={post_id}#post-{post_id}")
}

/// `reply`, `follow`, `unfollow`, `move`, `summary`, `propose-learning`, or a switch
/// (`pin`, `unlock`, `hide`, …).
pub fn thread_action(id: i32, action: &str) -> String {
    format!("/threads/{id}/{action}")
}

/// `edit`, `flag`, `history`, or a moderation (`hide`, `approve`, `reject_edit`, …).
pub fn post_action(id: i32, action: &str) -> String {
    format!("/posts/{id}/{action}")
}

pub fn flag_dismiss(id: i32) -> String {
    format!("/flags/{id}/dismiss")
}

pub fn learning(id: i32) -> String {
    format!("/learnings/{id}")
}

pub fn api_learning(id: i32) -> String {
    format!("{API_LEARNINGS}/{id}")
}

pub fn api_product(id: i32) -> String {
    format!("{API_PRODUCTS}/{id}")
}

/// A learning's page at its review workflow.
pub fn learning_workflow(id: i32) -> String {
    format!("/learnings/{id}#workflow")
}

/// `edit`, `discuss`, or a review step (`submit`, `reviewer`, `decide`, …).
pub fn learning_action(id: i32, action: &str) -> String {
    format!("/learnings/{id}/{action}")
}

pub fn product(id: i32) -> String {
    format!("/products/{id}")
}

pub fn product_edit(id: i32) -> String {
    format!("/products/{id}/edit")
}

pub fn product_status(id: i32) -> String {
    format!("/products/{id}/status")
}

pub fn theme(slug: &str) -> String {
    format!("/themes/{slug}")
}

pub fn newsletter_confirm(token: &str) -> String {
    format!("/newsletter/confirm/{token}")
}

pub fn newsletter_unsubscribe(token: &str) -> String {
    format!("/newsletter/unsubscribe/{token}")
}

pub fn newsletter_manage(token: &str) -> String {
    format!("/newsletter/manage/{token}")
}

/// A sent edition in the public archive.
pub fn archived_edition(id: i32) -> String {
    format!("/newsletter/archive/{id}")
}

/// `language`, `archive` or `unarchive`.
pub fn admin_forum_action(slug: &str, action: &str) -> String {
    format!("/admin/forums/{slug}/{action}")
}

/// A theme's translations (its French and Spanish names, its descriptions).
pub fn admin_theme(slug: &str) -> String {
    format!("/admin/themes/{slug}")
}

/// A vocabulary term's French and Spanish labels.
pub fn admin_term(vocabulary: &str, code: &str) -> String {
    format!("/admin/vocabularies/{vocabulary}/{code}")
}

/// `make-admin`, `remove-admin`, `make-reviewer`, `remove-reviewer`, `enable` or `disable`.
pub fn admin_user_action(id: i32, action: &str) -> String {
    format!("/admin/users/{id}/{action}")
}

/// A person's row on the users page, on the page of the list that holds it (the moderation
/// log links there, and a change comes back there).
pub fn admin_user(id: i32) -> String {
    format!("/admin/users?user={id}#user-{id}")
}

/// Where an admin invites an outside reviewer.
pub const ADMIN_REVIEWER_INVITATIONS: &str = "/admin/reviewer-invitations";

pub fn admin_reviewer_invitation_revoke(id: i32) -> String {
    format!("/admin/reviewer-invitations/{id}/revoke")
}

/// The link mailed to an outside reviewer.
pub fn reviewer_invitation(token: &str) -> String {
    format!("/reviewer-invitations/{token}")
}

/// `learnings.csv`, `learnings.json`, `products.csv` or `products.json`.
pub fn admin_export(file: &str) -> String {
    format!("/admin/export/{file}")
}

pub fn edition(id: i32) -> String {
    format!("/admin/newsletter/editions/{id}")
}

/// `intro`, `send`, `retry` or `preview`.
pub fn edition_action(id: i32, action: &str) -> String {
    format!("/admin/newsletter/editions/{id}/{action}")
}

pub fn bounce_reset_subscriber(id: i32) -> String {
    format!("/admin/newsletter/bounces/subscribers/{id}/reset")
}

pub fn bounce_reset_member(id: i32) -> String {
    format!("/admin/newsletter/bounces/members/{id}/reset")
}
