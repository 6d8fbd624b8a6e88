//! The query parameters of the list endpoints: the names each handler knows, and their
//! description in the OpenAPI document (`LearningQuery`, `ProductQuery`, used as
//! `params(…)` of the handlers' `#[utoipa::path]`).
//!
//! The handlers read their query strings leniently (`RawQuery`: unknown names and values are
//! reported in `notices`, never refused), so these types only describe the parameters; the
//! descriptions say what is lenient, and a test holds the documented names to the lists the
//! handlers know.

use utoipa::{
    IntoParams,
    openapi::{
        Object, ObjectBuilder, Schema,
        path::{Parameter, ParameterBuilder, ParameterIn},
        schema::{AnyOfBuilder, Type},
    },
};

use crate::{
    learnings::fields::{LANGUAGES, LEARNING_TYPES, SORTS},
    search::query_text::MAX_CHARS,
};

/// The query parameters `/api/v1/learnings` understands: the public ones of the search.
pub const LEARNING_PARAMS: [&str; 15] = crate::learnings::search::PUBLIC_PARAMS;

/// The query parameters `/api/v1/products` understands: the public ones of the listing.
pub const PRODUCT_PARAMS: [&str; 7] =
    crate::web::query::without(crate::products::listing::PARAMS, "status");

/// The parameter every endpoint takes that chooses the language of labels and names. It is
/// not one of the search's parameters: the handlers read it themselves (and never report it in
/// `notices`).
pub const LANG_PARAM: &str = "lang";

const LANG_DESCRIPTION: &str = "Language of the labels and names in the answer (label, name, type_label, and the label of facet values, filters, terms, themes and languages): en, fr or es. Without it, the best match of the Accept-Language header (English when it names none of the three). Any other value, an empty one included, is refused (400, error code bad_parameter). The names in every language stay in labels and names; messages (notices, errors) are in English.";

/// `lang`: exactly one of the three languages.
fn lang() -> Parameter {
    optional(
        LANG_PARAM,
        LANG_DESCRIPTION,
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(crate::taxonomy::labels::LANGUAGES))
            .build(),
    )
}

/// The query parameter of the endpoints that show one item: `lang`.
pub struct LangQuery;

impl IntoParams for LangQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![lang()]
    }
}

/// Text as the edge lets it through: no control characters (those are refused with a 400).
const NO_CONTROLS: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

fn text() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(NO_CONTROLS))
}

fn code() -> Object {
    text().build()
}

fn with_examples<const N: usize>(examples: [&str; N]) -> Object {
    text().examples(examples).build()
}

/// A whole number from 1, or empty (the first page).
fn page() -> Schema {
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1u64))
                .maximum(Some(u64::MAX)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([""])),
        )
        .build()
        .into()
}

const TYPED: &str = "1: search the words of q exactly as typed. Without it, a word that no {what} holds is searched as the closest word (one or two letters apart) that one holds, and notices report it (spelling_corrected). Any other value is ignored.";

fn typed(what: &str) -> Parameter {
    optional(
        "typed",
        &TYPED.replace("{what}", what),
        with_examples(["1"]),
    )
}

const PAGE: &str = "1-based page number. Must be a whole number from 1 (empty means the first page); a page past the last one answers the last page.";
const LANGUAGE: &str = "Language of the {what}: en, fr or es. Any other value is left out and reported in notices (unknown_filter).";
const THEME: &str = "Theme slug.";
const COUNTRY: &str = "ISO 3166-1 alpha-2 country code.";

fn optional(name: &str, description: &str, schema: impl Into<Schema>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .description(Some(description))
        .schema(Some(schema.into()))
        .build()
}

/// The query parameters of `GET /api/v1/learnings`.
pub struct LearningQuery;

impl IntoParams for LearningQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            optional(
                "q",
                "Full-text query: plain words (learnings with more of them rank first), \"quoted phrases\" that must appear, -word to exclude, word* for a prefix. Any text up to maxLength characters is accepted; a longer one is refused (400, error code query_too_long), and one with too many words is shortened (see notices).",
                text().max_length(Some(MAX_CHARS)).build(),
            ),
            typed("learning"),
            optional(
                "type",
                "Learning type: lesson_learned or good_practice. Any other value is left out and reported in notices (unknown_filter).",
                with_examples(LEARNING_TYPES),
            ),
            optional(
                "evaluation_type",
                "Evaluation type code (e.g. final).",
                code(),
            ),
            optional("theme", THEME, code()),
            optional("country", COUNTRY, code()),
            optional("project", "Exact project title.", code()),
            optional("sector", "Child-labour sector code.", code()),
            optional("intervention_type", "Intervention type code.", code()),
            optional("cycle_stage", "Project-cycle stage code.", code()),
            optional("criterion", "Evaluation criterion code.", code()),
            optional(
                "year",
                "Evaluation year, e.g. 2019. Any other value is left out and reported in notices (unknown_filter).",
                with_examples(["2019"]),
            ),
            optional(
                "language",
                &LANGUAGE.replace("{what}", "learning"),
                with_examples(LANGUAGES),
            ),
            optional(
                "sort",
                "Order: relevance (the default with a text query) or newest (the default without). Any other value is ignored and reported in notices (unknown_sort).",
                with_examples(SORTS),
            ),
            optional("page", PAGE, page()),
            lang(),
        ]
    }
}

/// The query parameters of `GET /api/v1/products`.
pub struct ProductQuery;

impl IntoParams for ProductQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            optional(
                "q",
                "Words to look for in titles and summaries: the best matches come first (without words, the newest). \"Quoted phrases\" must appear, -word excludes, word* is a prefix. A longer text than maxLength is refused (400, error code query_too_long).",
                text().max_length(Some(MAX_CHARS)).build(),
            ),
            typed("product"),
            optional(
                "kind",
                "Product kind code (e.g. publication, tool).",
                code(),
            ),
            optional("theme", THEME, code()),
            optional(
                "language",
                &LANGUAGE.replace("{what}", "product"),
                with_examples(LANGUAGES),
            ),
            optional("country", COUNTRY, code()),
            optional("page", PAGE, page()),
            lang(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented<P: IntoParams>() -> Vec<String> {
        P::into_params(|| None)
            .into_iter()
            .map(|parameter| parameter.name)
            .collect()
    }

    #[test]
    fn the_document_names_the_parameters_the_handlers_know() {
        let with_lang = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .chain([&LANG_PARAM])
                .map(|name| name.to_string())
                .collect()
        };
        assert_eq!(documented::<LearningQuery>(), with_lang(&LEARNING_PARAMS));
        assert_eq!(documented::<ProductQuery>(), with_lang(&PRODUCT_PARAMS));
        assert_eq!(documented::<LangQuery>(), with_lang(&[]));
    }
}
