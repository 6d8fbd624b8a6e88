//! One-time notices carried across a redirect in the session ("Saved.", "Post held for review").

use tower_sessions::Session;

const KEY: &str = "flash";

/// Only these keys may be shown, so a session can never inject arbitrary text.
const KNOWN: &[&str] = &[
    "profile.saved",
    "profile.signed_out_elsewhere",
    "auth.password_saved",
    "auth.password_reset_sign_in",
    "post.held",
    "post.edit_held",
    "notice.saved",
    "admin.created",
    "learning.saved",
    "learning.proposed",
    "bounce.member_works_saved",
    "reply_mail.profile_stopped",
    "roles.done_make_admin",
    "roles.done_remove_admin",
    "roles.done_make_reviewer",
    "roles.done_remove_reviewer",
    "roles.done_disable",
    "roles.done_enable",
    "roles.done_invite",
    "roles.done_revoke",
    "mod.done_hide",
    "mod.done_unhide",
    "mod.done_approve",
    "mod.done_reject",
    "mod.done_approve_edit",
    "mod.done_reject_edit",
    "mod.done_pin",
    "mod.done_unpin",
    "mod.done_lock",
    "mod.done_unlock",
    "mod.done_feature",
    "mod.done_unfeature",
    "mod.done_hide_thread",
    "mod.done_unhide_thread",
    "mod.done_move",
    "mod.done_summary",
    "mod.done_dismiss",
];

pub async fn set(session: &Session, key: &'static str) {
    if let Err(err) = session.insert(KEY, key).await {
        tracing::warn!(error = %err, "could not store a notice");
    }
}

/// Reads and clears the notice. Removing marks the session for saving, so only do it when
/// there is something to remove: page views must not write.
pub async fn take(session: &Session) -> Option<&'static str> {
    let stored: String = session.get(KEY).await.ok().flatten()?;
    let _ = session.remove::<String>(KEY).await;
    KNOWN.iter().copied().find(|k| *k == stored)
}
