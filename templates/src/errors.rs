use maud::{Markup, html};

use crate::{Ctx, i18n::t, layout, paths};

/// An error page. It carries no user or session details: errors are rendered before either
/// is known.
pub fn error_page(lang: &'static str, status: u16, key: &str) -> Markup {
    let ctx = Ctx {
        lang,
        csrf: String::new(),
        user: None,
        here: String::new(),
        now: crate::relative_time::unix_now(),
    };
    let title = t(lang, key);
    layout::page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (t(lang, "error.status")) " " (status) }
            p { a href=(paths::HOME) { (t(lang, "error.home")) } }
        },
    )
}

/// A clear page for a link that cannot be used (expired, used, altered).
pub fn token_problem(ctx: &Ctx, key: &str) -> Markup {
    let title = t(ctx.lang, key);
    layout::page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (t(ctx.lang, "error.token_help")) }
            p { a href=(paths::PASSWORD_FORGOT) { (t(ctx.lang, "auth.forgot_link")) } }
        },
    )
}
