//! The notice of a search whose words nothing held, as the learnings and products pages show
//! it: what was searched instead and the link to the words as typed, or the question offered.

use templates::components::SpellingView;

use crate::search::spelling::{self, Spelling};

/// `None` when the words were searched as typed with nothing to offer. `link` makes a link to
/// the page from a query string; `query_with` gives the page's query string with a parameter
/// replaced.
pub fn spelling_view(
    spelling: &Spelling,
    typed: &str,
    link: impl Fn(String) -> String,
    query_with: impl Fn(&str, &str) -> String,
) -> Option<SpellingView> {
    match spelling {
        Spelling::AsTyped => None,
        Spelling::Corrected(corrections) => Some(SpellingView::Corrected {
            searched: spelling::searched(typed, corrections),
            typed: typed.to_string(),
            as_typed_href: link(query_with("typed", "1")),
        }),
        Spelling::Offered(corrections) => {
            let suggested = spelling::searched(typed, corrections);
            Some(SpellingView::Offered {
                href: link(query_with("q", &suggested)),
                suggested,
            })
        }
    }
}
