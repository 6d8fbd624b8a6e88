//! `/admin/vocabularies`: every vocabulary's terms, and the form that adds one (its rules and
//! storage are the taxonomy's; adding is logged like the other admin actions).

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use templates::learnings as views;

use super::actions;
use crate::{
    taxonomy::{
        Taxonomy,
        vocabularies::{TermForm, page_view},
    },
    web::{
        AdminUser, AppResult, AppState, flash,
        forms::{Form, FormErrors},
        html, paths,
    },
};

pub async fn show(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let notice = flash::take(&admin.session).await;
    Ok(html(
        StatusCode::OK,
        views::vocabularies_page(
            &admin.ctx(),
            &page_view(&taxonomy, &TermForm::default()),
            &FormErrors::default(),
            notice,
        ),
    ))
}

pub async fn create_term(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Form(form): Form<TermForm>,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::load(&state.db).await?;
    let term = match form.validate(&taxonomy) {
        Ok(term) => term,
        Err(errors) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::vocabularies_page(&admin.ctx(), &page_view(&taxonomy, &form), &errors, None),
            ));
        }
    };
    actions::add_term(&state.db, &admin.user, term).await?;
    flash::set(&admin.session, "notice.saved").await;
    Ok(Redirect::to(paths::ADMIN_VOCABULARIES).into_response())
}
