use std::{ops::Deref, sync::Arc};

use sea_orm::DatabaseConnection;

use super::session_store::DbSessionStore;
use crate::{accounts::rate_limit::LoginLimiter, cache::Caches, config::Config, mail::Mailer};

/// Everything a request handler, job or CLI command needs, shared behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: DatabaseConnection,
    pub config: Config,
    pub mailer: Mailer,
    pub limiter: LoginLimiter,
    pub sessions: DbSessionStore,
    pub caches: Caches,
    /// SHA-256 of the first-run setup token, while the database has no user.
    pub setup_token: std::sync::Mutex<Option<String>>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config, mailer: Mailer) -> Self {
        let limiter = LoginLimiter::new(&config.limits);
        let sessions = DbSessionStore::new(db.clone());
        Self(Arc::new(Inner {
            db,
            config,
            mailer,
            limiter,
            sessions,
            caches: Caches::default(),
            setup_token: std::sync::Mutex::new(None),
        }))
    }
}

impl AppState {
    /// Drops the cached copy of a user after any change to them (profile, password,
    /// sessions, disabled).
    pub async fn forget_user(&self, user_id: i32) {
        self.caches.users.invalidate(&user_id).await;
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
