//! The question asked before an action that cannot be taken back or that reaches many people.
//! No script: the page's form posts again to the same address with `confirmed=yes`.

use maud::{Markup, html};

use crate::{Ctx, components::csrf_field, i18n::t, layout};

pub struct Confirmation<'a> {
    /// The question, as the page's heading ("Send edition 3 now?").
    pub question: &'a str,
    /// What will happen, in a sentence or two.
    pub consequence: &'a str,
    /// Where the form posts (the action's own address).
    pub action: &'a str,
    /// The button that does it, named by what it does ("Send to 1,204 subscribers").
    pub button: &'a str,
    /// Where "Cancel" leads: the page the action was started from.
    pub cancel_href: &'a str,
}

pub fn page(ctx: &Ctx, confirmation: &Confirmation<'_>) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        confirmation.question,
        html! {
            h1 { (confirmation.question) }
            p.warning-text { (confirmation.consequence) }
            form.confirm method="post" action=(confirmation.action) {
                (csrf_field(ctx))
                input type="hidden" name="confirmed" value="yes";
                button.warning type="submit" { (confirmation.button) }
                " "
                a.button.secondary href=(confirmation.cancel_href) { (t(lang, "confirm.cancel")) }
            }
        },
    )
}
