//! Turning a rendered page into a response.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

pub fn html(status: StatusCode, markup: templates::Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}
