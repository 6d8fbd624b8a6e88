use std::{ops::Deref, sync::Arc};

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::session_store::DbSessionStore;
use crate::{
    cache::{Caches, Epoch, FeatureCaches},
    config::Config,
    mail::Mailer,
    security::{password_hashing::Hashing, rate_limit::LoginLimiter},
};

/// Counts what waits for a person (the header's count). A feature provides it; the web layer
/// only asks, so it depends on no feature.
pub type CountWaiting =
    for<'a> fn(
        &'a DatabaseConnection,
        &'a crate::entities::users::Model,
    ) -> futures_util::future::BoxFuture<'a, Result<u32, sea_orm::DbErr>>;

/// What the features give the shared layer, which names none of them: their caches and the
/// header's waiting count.
pub struct Features {
    pub caches: FeatureCaches,
    pub count_waiting: CountWaiting,
}

/// Everything a request handler, job or CLI command needs, shared behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: DatabaseConnection,
    pub config: Config,
    pub mailer: Mailer,
    /// Signs links in mail (`link_tokens`).
    pub secret: crate::secret::ServerSecret,
    /// `FORA_BOUNCE_DOMAIN` and the key of its return paths (`mail::verp`).
    pub return_path: Option<crate::mail::verp::ReturnPath>,
    /// `FORA_REPLY_DOMAIN` and the key of its reply addresses (`mail::reply_address`).
    pub reply_address: Option<crate::mail::reply_address::ReplyAddress>,
    pub limiter: LoginLimiter,
    /// Every password hash and check goes through here (bounded argon2 work).
    pub hashing: Hashing,
    pub sessions: DbSessionStore,
    pub caches: Caches,
    /// The learnings search index (`FORA_DATA_DIR/search-index`).
    pub search: crate::search::SearchIndex,
    /// Wakes the background worker (a post may have notifications to send).
    pub wake_jobs: tokio::sync::Notify,
    /// Wakes the newsletter delivery worker (an edition may have been queued).
    pub wake_newsletter: tokio::sync::Notify,
    /// Wakes the mail queue's worker (a message may have been queued).
    pub wake_mail: tokio::sync::Notify,
    pub count_waiting: CountWaiting,
    /// SHA-256 of the first-run setup token, while the database has no user.
    pub setup_token: std::sync::Mutex<Option<String>>,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        config: Config,
        mailer: Mailer,
        secret: crate::secret::ServerSecret,
        features: Features,
    ) -> Self {
        let limiter = LoginLimiter::new(&config.limits);
        let hashing = Hashing::new(&config.password_hashing);
        let epoch = Epoch::default();
        let sessions = DbSessionStore::new(db.clone(), epoch.clone());
        let search = crate::search::SearchIndex::new(db.clone(), &config.data_dir);
        let return_path = config
            .bounces
            .domain
            .as_deref()
            .map(|domain| crate::mail::verp::ReturnPath::new(domain, &secret));
        let reply_address = config
            .reply_domain
            .as_deref()
            .map(|domain| crate::mail::reply_address::ReplyAddress::new(domain, &secret));
        Self(Arc::new(Inner {
            db,
            config,
            mailer,
            secret,
            return_path,
            reply_address,
            limiter,
            hashing,
            sessions,
            caches: Caches::new(epoch, features.caches),
            search,
            wake_jobs: tokio::sync::Notify::new(),
            wake_newsletter: tokio::sync::Notify::new(),
            wake_mail: tokio::sync::Notify::new(),
            count_waiting: features.count_waiting,
            setup_token: std::sync::Mutex::new(None),
        }))
    }
}

impl AppState {
    /// Wakes the mail worker: call after committing a transaction that queued mail.
    pub fn mail_queued(&self) {
        self.wake_mail.notify_one();
    }

    /// Who mail comes from, the DKIM key that signs it and its return path: what every message
    /// is built with.
    pub fn mail_origin(&self) -> crate::mail::Origin<'_> {
        crate::mail::Origin {
            from: &self.config.from,
            dkim: self.config.dkim.as_ref(),
            return_path: self.return_path.as_ref(),
        }
    }

    /// What the mail queue's worker sends with.
    pub fn mail_sender(&self) -> crate::mail::queue::Sender<'_> {
        crate::mail::queue::Sender {
            db: &self.db,
            mailer: &self.mailer,
            lease: self.config.newsletter.lease,
        }
    }

    /// Marks the caches stale after a change, here and, on PostgreSQL, on every other
    /// instance sharing the database.
    pub async fn changed(&self) {
        self.caches.bump();
        // New posts are announced at once rather than at the worker's next tick.
        self.wake_jobs.notify_one();
        self.wake_newsletter.notify_one();
        self.wake_mail.notify_one();
        if self.db.get_database_backend() == sea_orm::DbBackend::Postgres
            && let Err(err) = self
                .db
                .execute_unprepared(&format!("NOTIFY {}", crate::cache::CHANGES_CHANNEL))
                .await
        {
            tracing::warn!(error = %err, "could not tell other instances about a change");
        }
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
