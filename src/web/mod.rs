//! Shared HTTP infrastructure: state, errors, sessions, CSRF, extractors and headers.

pub mod caching;
pub mod client_addr;
pub mod control_chars;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod flash;
pub mod forms;
pub mod headers;
pub mod query;
pub mod server;
pub mod session_store;
pub mod state;

pub use error::{AppError, AppResult};
pub use extract::{AdminUser, SignedIn, Viewer};
pub use state::AppState;
