//! Shared HTTP infrastructure: state, errors, sessions, CSRF, extractors and headers.

pub mod api_error;
pub mod caching;
pub mod client_addr;
pub mod confirm;
pub mod control_chars;
pub mod csrf;
pub mod dates;
pub mod error;
pub mod extract;
pub mod flash;
pub mod forms;
pub mod headers;
pub mod language;
pub mod lead_back;
pub mod paging;
pub mod path_id;
pub mod query;
pub mod response;
pub mod server;
pub mod session_store;
pub mod spelling_notice;
pub mod state;

pub use error::{AppError, AppResult};
pub use extract::{AdminUser, SignedIn, Viewer};
pub use response::html;
pub use state::AppState;
pub use templates::paths;
