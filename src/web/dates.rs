//! Times as pages and feeds print them.

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// RFC 3339, as `<time datetime>` and the API want it.
pub fn iso(ts: OffsetDateTime) -> String {
    ts.format(&Rfc3339).unwrap_or_default()
}
