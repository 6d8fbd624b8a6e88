//! Who is asking: `Viewer` (anyone), `SignedIn` (a member) and `AdminUser`. Authentication
//! lives here; authorization on objects is explicit in each feature's `access` module.

use axum::{extract::FromRequestParts, http::request::Parts};
use sea_orm::EntityTrait;
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;

use super::{AppError, AppState, csrf, session_store::USER_ID_KEY};
use crate::entities::users;

pub const GENERATION_KEY: &str = "gen";
pub const SIGNED_IN_AT_KEY: &str = "signed_in_at";
pub const SEEN_AT_KEY: &str = "seen_at";
/// A session lasts at most this long after sign-in, however active.
pub const ABSOLUTE_LIFETIME: Duration = Duration::days(14);
/// And ends after this long without a request.
pub const IDLE_LIFETIME: Duration = Duration::hours(12);
/// The idle clock is written back at most this often, so page views rarely write.
const SEEN_RESOLUTION: Duration = Duration::minutes(10);

pub struct Viewer {
    pub session: Session,
    pub user: Option<users::Model>,
    pub csrf: String,
    pub lang: &'static str,
    /// Path and query of this request, for "sign in and come back".
    pub here: String,
    /// How many hand-offs wait for the signed-in person (0 for visitors).
    pub waiting: u32,
    /// Whether `lang` was chosen (a member's profile, a visitor's language link) rather than
    /// guessed from the browser's `Accept-Language`.
    chosen_language: bool,
}

impl Viewer {
    /// A page reached from a mail written in `lang` (an invitation) speaks it, unless the
    /// reader chose a language: the browser's guess gives way to what brought them here.
    pub fn prefer_language(&mut self, lang: &str) {
        if let Some(lang) = templates::i18n::known(lang)
            && !self.chosen_language
        {
            self.lang = lang;
            super::error::set_error_language(lang);
        }
    }

    pub fn ctx(&self) -> templates::Ctx {
        templates::Ctx {
            lang: self.lang,
            csrf: self.csrf.clone(),
            user: self.user.as_ref().map(|u| templates::NavUser {
                display_name: u.display_name.clone(),
                is_admin: u.is_admin,
                waiting: self.waiting,
                address_bounces: u.bounce_suppressed_at.is_some(),
            }),
            here: self.here.clone(),
            now: templates::relative_time::unix_now(),
        }
    }

    /// The page context for a page with a form: makes sure the session holds a CSRF token.
    pub async fn form_ctx(&mut self) -> Result<templates::Ctx, AppError> {
        if self.csrf.is_empty() {
            self.csrf = csrf::token(&self.session).await?;
        }
        Ok(self.ctx())
    }

    pub fn require_user(self) -> Result<SignedIn, AppError> {
        match self.user {
            Some(user) => Ok(SignedIn {
                user,
                session: self.session,
                csrf: self.csrf,
                lang: self.lang,
                waiting: self.waiting,
            }),
            None => Err(AppError::SignInRequired { next: self.here }),
        }
    }
}

pub struct SignedIn {
    pub user: users::Model,
    pub session: Session,
    pub csrf: String,
    pub lang: &'static str,
    pub waiting: u32,
}

impl SignedIn {
    pub fn ctx(&self) -> templates::Ctx {
        templates::Ctx {
            lang: self.lang,
            csrf: self.csrf.clone(),
            user: Some(templates::NavUser {
                display_name: self.user.display_name.clone(),
                is_admin: self.user.is_admin,
                waiting: self.waiting,
                address_bounces: self.user.bounce_suppressed_at.is_some(),
            }),
            here: String::new(),
            now: templates::relative_time::unix_now(),
        }
    }
}

pub struct AdminUser(pub SignedIn);

async fn session_user(
    session: &Session,
    state: &AppState,
) -> Result<Option<users::Model>, AppError> {
    let Some(user_id) = session
        .get::<i32>(USER_ID_KEY)
        .await
        .map_err(AppError::internal)?
    else {
        return Ok(None);
    };
    let generation = session
        .get::<i32>(GENERATION_KEY)
        .await
        .map_err(AppError::internal)?;
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT_KEY)
        .await
        .map_err(AppError::internal)?;
    let seen_at = session
        .get::<i64>(SEEN_AT_KEY)
        .await
        .map_err(AppError::internal)?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let expired = match (signed_in_at, seen_at) {
        (Some(signed_in), Some(seen)) => {
            now - signed_in > ABSOLUTE_LIFETIME.whole_seconds()
                || now - seen > IDLE_LIFETIME.whole_seconds()
        }
        _ => true,
    };
    let epoch = state.caches.epoch();
    let user = match state.caches.users.get(&user_id, epoch).await {
        Some(user) => Some(user),
        None => {
            let loaded = users::Entity::find_by_id(user_id).one(&state.db).await?;
            if let Some(user) = &loaded {
                state
                    .caches
                    .users
                    .insert(user_id, epoch, user.clone())
                    .await;
            }
            loaded
        }
    };
    let valid = match &user {
        Some(user) => {
            !expired && user.disabled_at.is_none() && Some(user.session_generation) == generation
        }
        None => false,
    };
    if !valid {
        session.flush().await.map_err(AppError::internal)?;
        return Ok(None);
    }
    if now - seen_at.unwrap_or(0) > SEEN_RESOLUTION.whole_seconds() {
        session
            .insert(SEEN_AT_KEY, now)
            .await
            .map_err(AppError::internal)?;
    }
    Ok(user)
}

/// The header's count of hand-offs waiting for `user`, cached until the next change.
async fn waiting_for(state: &AppState, user: &users::Model) -> Result<u32, AppError> {
    let epoch = state.caches.epoch();
    if let Some(count) = state.caches.waiting.get(&user.id, epoch).await {
        return Ok(count);
    }
    let count = (state.count_waiting)(&state.db, user).await?;
    state.caches.waiting.insert(user.id, epoch, count).await;
    Ok(count)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::internal(anyhow::anyhow!(msg)))?;
        let user = session_user(&session, state).await?;
        // Anonymous visitors get a session (and a token) only when a page shows them a form.
        let csrf = session
            .get::<String>(csrf::SESSION_KEY)
            .await
            .map_err(AppError::internal)?
            .unwrap_or_default();
        let chosen = super::language::chosen(&parts.headers);
        let chosen_language = user.is_some() || chosen.is_some();
        let lang = match &user {
            Some(user) => templates::i18n::supported(&user.locale),
            None => super::language::of_visitor(&parts.headers),
        };
        super::error::set_error_language(lang);
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let waiting = match &user {
            Some(user) => waiting_for(state, user).await?,
            None => 0,
        };
        Ok(Viewer {
            session,
            user,
            csrf,
            lang,
            here,
            waiting,
            chosen_language,
        })
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Viewer::from_request_parts(parts, state)
            .await?
            .require_user()
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if !signed_in.user.is_admin {
            return Err(AppError::NotFound);
        }
        Ok(AdminUser(signed_in))
    }
}

/// Starts a fresh session for a user who just proved who they are: new id (no fixation),
/// new CSRF token, clocks set.
pub async fn sign_in(session: &Session, user: &users::Model) -> Result<(), AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    session.clear().await;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    session
        .insert(USER_ID_KEY, user.id)
        .await
        .map_err(AppError::internal)?;
    session
        .insert(GENERATION_KEY, user.session_generation)
        .await
        .map_err(AppError::internal)?;
    session
        .insert(SIGNED_IN_AT_KEY, now)
        .await
        .map_err(AppError::internal)?;
    session
        .insert(SEEN_AT_KEY, now)
        .await
        .map_err(AppError::internal)?;
    session
        .insert(csrf::SESSION_KEY, csrf::new_token())
        .await
        .map_err(AppError::internal)?;
    Ok(())
}
