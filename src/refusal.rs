//! The error of a service that may refuse what it is asked: a reason to tell the person (a
//! field that is wrong, a link that no longer works), or a failure of the database. Services
//! return `Result<T, Refusal<R>>`; `?` lifts a `DbErr`, and callers match the two cases.

use std::fmt;

use sea_orm::DbErr;

#[derive(Debug)]
pub enum Refusal<R> {
    Refused(R),
    Db(DbErr),
}

impl<R> From<DbErr> for Refusal<R> {
    fn from(err: DbErr) -> Self {
        Refusal::Db(err)
    }
}

impl<R: fmt::Debug> fmt::Display for Refusal<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Refused(reason) => write!(f, "refused: {reason:?}"),
            Refusal::Db(err) => write!(f, "database: {err}"),
        }
    }
}

impl<R: fmt::Debug> std::error::Error for Refusal<R> {}
