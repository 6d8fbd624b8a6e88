//! Ids in paths, as typed.

use super::{AppError, AppResult};

/// Anything that is not a positive 32-bit number names nothing: a 404, never a 400 or 500.
pub fn parse_id(raw: &str) -> AppResult<i32> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}
