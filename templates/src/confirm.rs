//! The question asked before an action that cannot be taken back or that reaches many people.
//! No script: the page's form posts again to the same address with `confirmed=yes`.

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{FormErrors, csrf_field, error_summary, field_error},
    i18n::t,
    layout,
};

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

/// The box where a moderator says why: the author reads it, so it must be given.
pub struct ReasonBox<'a> {
    /// What was typed (shown again when the form comes back with an error).
    pub value: &'a str,
    /// What the reason is for, under the box ("The author reads it…").
    pub hint: &'a str,
}

/// [`page`] with a required reason: the errors come first, each linked to its field, and the
/// form keeps what was typed.
pub fn page_with_reason(
    ctx: &Ctx,
    confirmation: &Confirmation<'_>,
    reason: &ReasonBox<'_>,
    errors: &FormErrors,
) -> Markup {
    let lang = ctx.lang;
    let invalid = errors.get("reason").is_some();
    let described_by = if invalid {
        "reason-hint reason-error"
    } else {
        "reason-hint"
    };
    layout::page(
        ctx,
        confirmation.question,
        html! {
            (error_summary(ctx, errors))
            h1 { (confirmation.question) }
            p.warning-text { (confirmation.consequence) }
            form.confirm method="post" action=(confirmation.action) {
                (csrf_field(ctx))
                input type="hidden" name="confirmed" value="yes";
                div.field {
                    label for="reason" { (t(lang, "mod.reason")) }
                    (field_error(ctx, errors, "reason"))
                    input #reason name="reason" type="text" maxlength="1000" required value=(reason.value)
                        aria-invalid=[invalid.then_some("true")] aria-describedby=(described_by);
                    p.hint #reason-hint { (reason.hint) }
                }
                div.buttons {
                    button.warning type="submit" { (confirmation.button) }
                    a.button.secondary href=(confirmation.cancel_href) { (t(lang, "confirm.cancel")) }
                }
            }
        },
    )
}
