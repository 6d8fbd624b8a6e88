//! Knowledge managers create and edit products and move them between draft, published and
//! retired. Everyone else gets 404 on these routes (the `AdminUser` extractor). A form that
//! fails re-renders with its errors and everything that was typed; one that succeeds answers
//! 303 to the product's page.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, SqlErr};
use templates::{
    catalogue as views,
    components::{FieldProblem, FormErrors},
};

use super::{
    listing::path_id,
    pages::{PathText, theme_links},
    store::{self, ProductFields, RawProduct},
};
use crate::{
    db::{self, now},
    entities::products::{self as product_rows, ProductStatus},
    markdown,
    taxonomy::{Taxonomy, Vocabulary},
    web::html,
    web::{AdminUser, AppError, AppResult, AppState, flash, forms::Form, paths},
};

/// The form's fields as posted. Themes are checkboxes, so the name repeats: the body is read
/// as pairs rather than into a struct.
fn read_form(pairs: &[(String, String)]) -> (RawProduct, views::ProductFormValues) {
    let mut values = views::ProductFormValues::default();
    for (name, value) in pairs {
        match name.as_str() {
            "external_id" => values.external_id = value.clone(),
            "kind" => values.kind = value.clone(),
            "title" => values.title = value.clone(),
            "summary" => values.summary = value.clone(),
            "url" => values.url = value.clone(),
            "themes" if !values.themes.contains(value) => values.themes.push(value.clone()),
            "countries" => values.countries = value.clone(),
            "language" => values.language = value.clone(),
            "published_on" => values.published_on = value.clone(),
            _ => {}
        }
    }
    let raw = RawProduct {
        external_id: values.external_id.clone(),
        kind: values.kind.clone(),
        title: values.title.clone(),
        summary: values.summary.clone(),
        url: values.url.clone(),
        // Slugs never hold commas (they are validated letters, digits and dashes), so an odd
        // value stays one item and is reported as unknown.
        themes: values.themes.join(";"),
        countries: values.countries.clone(),
        language: values.language.clone(),
        published_on: values.published_on.clone(),
    };
    (raw, values)
}

/// Kinds in their vocabulary's order and themes by name, in the editor's language.
fn form_view(
    lang: &str,
    id: Option<i32>,
    values: views::ProductFormValues,
    taxonomy: &Taxonomy,
) -> views::ProductFormView {
    views::ProductFormView {
        id,
        values,
        kinds: taxonomy
            .terms_of(Vocabulary::ProductKind)
            .map(|term| (term.code.clone(), term.label(lang).to_string()))
            .collect(),
        themes: taxonomy
            .themes_by_name(lang)
            .into_iter()
            .map(|t| views::ThemeLink {
                slug: t.slug.clone(),
                name: t.name(lang).to_string(),
            })
            .collect(),
    }
}

/// The stored product in the shape of its form, its countries named in `lang`.
fn values_of(lang: &str, fields: &ProductFields, taxonomy: &Taxonomy) -> views::ProductFormValues {
    views::ProductFormValues {
        external_id: fields.external_id.clone().unwrap_or_default(),
        kind: fields
            .kind_id
            .and_then(|id| taxonomy.term(id))
            .map(|term| term.code.clone())
            .unwrap_or_default(),
        title: fields.title.clone(),
        summary: fields.summary.clone(),
        url: fields.url.clone(),
        themes: theme_links("en", &fields.theme_ids, taxonomy)
            .into_iter()
            .map(|link| link.slug)
            .collect(),
        countries: taxonomy.names_listed(&fields.country_ids, lang),
        language: fields.language.clone(),
        published_on: fields
            .published_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
    }
}

/// Another product already holding this external id, or this title and link.
async fn duplicate(
    db: &impl ConnectionTrait,
    fields: &ProductFields,
    except: Option<i32>,
) -> Result<Option<(&'static str, &'static str)>, DbErr> {
    let others = |query: sea_orm::Select<product_rows::Entity>| match except {
        Some(id) => query.filter(product_rows::Column::Id.ne(id)),
        None => query,
    };
    if let Some(external_id) = &fields.external_id {
        let taken = others(
            product_rows::Entity::find()
                .filter(product_rows::Column::ExternalId.eq(external_id.as_str())),
        )
        .one(db)
        .await?;
        if taken.is_some() {
            return Ok(Some(("external_id", "product.duplicate_external_id")));
        }
    }
    let key = store::content_key(&fields.title, &fields.url);
    let taken =
        others(product_rows::Entity::find().filter(product_rows::Column::ContentKey.eq(key)))
            .one(db)
            .await?;
    Ok(taken.map(|_| ("title", "product.duplicate")))
}

fn unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

fn rerender(
    admin: &crate::web::SignedIn,
    id: Option<i32>,
    values: views::ProductFormValues,
    taxonomy: &Taxonomy,
    errors: &FormErrors,
) -> Response {
    html(
        StatusCode::UNPROCESSABLE_ENTITY,
        views::product_form(
            &admin.ctx(),
            &form_view(admin.lang, id, values, taxonomy),
            errors,
        ),
    )
}

pub async fn show_new_product(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let values = views::ProductFormValues {
        language: "en".into(),
        ..Default::default()
    };
    Ok(html(
        StatusCode::OK,
        views::product_form(
            &admin.ctx(),
            &form_view(admin.lang, None, values, &taxonomy),
            &FormErrors::default(),
        ),
    ))
}

/// Saves a new product as a draft: publishing is a separate, deliberate step.
pub async fn create_product(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let (raw, values) = read_form(&pairs);
    let fields = match raw.validate(&taxonomy) {
        Ok(fields) => fields,
        Err(problems) => {
            return Ok(rerender(
                &admin,
                None,
                values,
                &taxonomy,
                &FormErrors::from(problems),
            ));
        }
    };
    let summary_html = markdown::render_off_thread(fields.summary.clone()).await;
    let txn = db::begin_write(&state.db).await?;
    if let Some((field, key)) = duplicate(&txn, &fields, None).await? {
        txn.rollback().await?;
        let errors = FormErrors::from(FieldProblem::new(field, key));
        return Ok(rerender(&admin, None, values, &taxonomy, &errors));
    }
    let inserted = store::insert(
        &txn,
        &fields,
        &summary_html,
        ProductStatus::Draft,
        Some(admin.user.id),
        now(),
    )
    .await;
    let saved = match inserted {
        Ok(saved) => saved,
        Err(err) if unique_violation(&err) => {
            txn.rollback().await?;
            let errors = FormErrors::from(FieldProblem::new("title", "product.duplicate"));
            return Ok(rerender(&admin, None, values, &taxonomy, &errors));
        }
        Err(err) => return Err(err.into()),
    };
    txn.commit().await?;
    flash::set(&admin.session, "notice.saved").await;
    Ok(Redirect::to(&paths::product(saved.id)).into_response())
}

async fn existing(state: &AppState, raw_id: &str) -> AppResult<product_rows::Model> {
    let id = path_id(raw_id).ok_or(AppError::NotFound)?;
    store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

pub async fn show_edit_product(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathText(raw_id): PathText,
) -> AppResult<Response> {
    let product = existing(&state, &raw_id).await?;
    let taxonomy = Taxonomy::current(&state).await?;
    let fields = store::fields_of(&state.db, &product).await?;
    Ok(html(
        StatusCode::OK,
        views::product_form(
            &admin.ctx(),
            &form_view(
                admin.lang,
                Some(product.id),
                values_of(admin.lang, &fields, &taxonomy),
                &taxonomy,
            ),
            &FormErrors::default(),
        ),
    ))
}

pub async fn update_product(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathText(raw_id): PathText,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = path_id(&raw_id).ok_or(AppError::NotFound)?;
    let taxonomy = Taxonomy::current(&state).await?;
    let (raw, values) = read_form(&pairs);
    let fields = match raw.validate(&taxonomy) {
        Ok(fields) => fields,
        Err(problems) => {
            // Still 404 for a product that does not exist, whatever was posted.
            existing(&state, &raw_id).await?;
            return Ok(rerender(
                &admin,
                Some(id),
                values,
                &taxonomy,
                &FormErrors::from(problems),
            ));
        }
    };
    let summary_html = markdown::render_off_thread(fields.summary.clone()).await;
    let txn = db::begin_write(&state.db).await?;
    let Some(product) = store::by_id(&txn, id).await? else {
        txn.rollback().await?;
        return Err(AppError::NotFound);
    };
    if let Some((field, key)) = duplicate(&txn, &fields, Some(id)).await? {
        txn.rollback().await?;
        let errors = FormErrors::from(FieldProblem::new(field, key));
        return Ok(rerender(&admin, Some(id), values, &taxonomy, &errors));
    }
    match store::update(&txn, product, &fields, &summary_html, now()).await {
        Ok(_) => {}
        Err(err) if unique_violation(&err) => {
            txn.rollback().await?;
            let errors = FormErrors::from(FieldProblem::new("title", "product.duplicate"));
            return Ok(rerender(&admin, Some(id), values, &taxonomy, &errors));
        }
        Err(err) => return Err(err.into()),
    }
    txn.commit().await?;
    flash::set(&admin.session, "notice.saved").await;
    Ok(Redirect::to(&paths::product(id)).into_response())
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// Publish, retire or send back to draft.
pub async fn change_product_status(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathText(raw_id): PathText,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let id = path_id(&raw_id).ok_or(AppError::NotFound)?;
    let status = ProductStatus::parse(form.status.trim())
        .ok_or(AppError::BadRequest("product.bad_status"))?;
    let txn = db::begin_write(&state.db).await?;
    let Some(product) = store::by_id(&txn, id).await? else {
        txn.rollback().await?;
        return Err(AppError::NotFound);
    };
    if product.status != status {
        store::set_status(&txn, product, status, now()).await?;
    }
    txn.commit().await?;
    flash::set(&admin.session, "notice.saved").await;
    Ok(Redirect::to(&paths::product(id)).into_response())
}
