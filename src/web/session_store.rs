//! tower-sessions store over our own `sessions` table through sea-orm (one sqlx in the tree),
//! with an in-process cache so a page view does not read the database for its session. Cached
//! records are used only within the epoch they were loaded in (see `crate::cache`): a sign-out
//! on any instance is a POST, which makes every instance's copy stale.

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{self, Error},
};

use crate::{
    cache::{Epoch, EpochCache},
    entities::sessions,
};

pub const USER_ID_KEY: &str = "uid";

#[derive(Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
    epoch: Epoch,
    cache: Arc<EpochCache<i128, Record>>,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

fn backend(err: impl std::fmt::Display) -> Error {
    Error::Backend(err.to_string())
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection, epoch: Epoch) -> Self {
        Self {
            db,
            epoch,
            cache: Arc::new(EpochCache::new(50_000)),
        }
    }

    fn row(record: &Record) -> session_store::Result<sessions::ActiveModel> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let user_id = record
            .data
            .get(USER_ID_KEY)
            .and_then(|v| v.as_i64())
            .and_then(|v| i32::try_from(v).ok());
        Ok(sessions::ActiveModel {
            id: Set(record.id.to_string()),
            user_id: Set(user_id),
            data: Set(data),
            expires_at: Set(record.expiry_date),
        })
    }

    /// Ends every session of a user except, optionally, the one making the request.
    pub async fn delete_for_user(
        &self,
        user_id: i32,
        except: Option<Id>,
    ) -> Result<(), sea_orm::DbErr> {
        let mut delete =
            sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
        if let Some(keep) = except {
            delete = delete.filter(sessions::Column::Id.ne(keep.to_string()));
        }
        delete.exec(&self.db).await?;
        Ok(())
    }

    pub async fn delete_expired(&self) -> Result<u64, sea_orm::DbErr> {
        let result = sessions::Entity::delete_many()
            .filter(sessions::Column::ExpiresAt.lt(OffsetDateTime::now_utc()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let inserted = sessions::Entity::insert(Self::row(record)?)
                .on_conflict(
                    OnConflict::column(sessions::Column::Id)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if inserted == 1 {
                self.cache
                    .insert(record.id.0, self.epoch.current(), record.clone())
                    .await;
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        sessions::Entity::insert(Self::row(record)?)
            .on_conflict(
                OnConflict::column(sessions::Column::Id)
                    .update_columns([
                        sessions::Column::UserId,
                        sessions::Column::Data,
                        sessions::Column::ExpiresAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(backend)?;
        self.cache
            .insert(record.id.0, self.epoch.current(), record.clone())
            .await;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let epoch = self.epoch.current();
        if let Some(record) = self.cache.get(&id.0, epoch).await {
            return Ok((record.expiry_date > OffsetDateTime::now_utc()).then_some(record));
        }
        let Some(row) = sessions::Entity::find_by_id(id.to_string())
            .filter(sessions::Column::ExpiresAt.gt(OffsetDateTime::now_utc()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        let record = Record {
            id: *id,
            data,
            expiry_date: row.expires_at,
        };
        self.cache.insert(id.0, epoch, record.clone()).await;
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.cache.remove(&id.0).await;
        sessions::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
