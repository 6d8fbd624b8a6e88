//! The vocabularies that classify learnings and products, and the themes. They are data (admins
//! extend them), loaded once per epoch and shared by every page, import and API answer; the
//! rules and storage of new terms (`vocabularies`, whose form the admin pages show), and the
//! batch loader of the link tables that tie learnings and products to them (`pairs`). The
//! theme pages are a feature of their own (`crate::themes`): they read the learnings and
//! products that build on this module.

pub mod labels;
pub mod pairs;
pub mod translations;
pub mod vocabularies;

use std::{collections::HashMap, sync::Arc};

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};

pub use labels::Translated;

use crate::{
    cache::EpochCache,
    entities::{taxonomy_terms, themes as theme_rows},
    web::AppState,
};

/// A vocabulary: its name in the database and the query parameter that filters by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vocabulary {
    EvaluationType,
    Sector,
    InterventionType,
    CycleStage,
    Criterion,
    Country,
    ProductKind,
}

impl Vocabulary {
    pub const ALL: [Vocabulary; 7] = [
        Vocabulary::EvaluationType,
        Vocabulary::Sector,
        Vocabulary::InterventionType,
        Vocabulary::CycleStage,
        Vocabulary::Criterion,
        Vocabulary::Country,
        Vocabulary::ProductKind,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Vocabulary::EvaluationType => "evaluation_type",
            Vocabulary::Sector => "sector",
            Vocabulary::InterventionType => "intervention_type",
            Vocabulary::CycleStage => "cycle_stage",
            Vocabulary::Criterion => "criterion",
            Vocabulary::Country => "country",
            Vocabulary::ProductKind => "product_kind",
        }
    }

    pub fn from_name(name: &str) -> Option<Vocabulary> {
        Vocabulary::ALL.into_iter().find(|v| v.name() == name)
    }
}

#[derive(Clone, Debug)]
pub struct Term {
    pub id: i32,
    pub vocabulary: Vocabulary,
    pub code: String,
    pub labels: Translated,
}

impl Term {
    /// The label in the reader's language (English when it has none in it).
    pub fn label(&self, lang: &str) -> &str {
        self.labels.get(lang)
    }
}

#[derive(Clone, Debug)]
pub struct Theme {
    pub id: i32,
    pub slug: String,
    pub names: Translated,
}

impl Theme {
    /// The name in the reader's language (English when it has none in it).
    pub fn name(&self, lang: &str) -> &str {
        self.names.get(lang)
    }
}

impl From<theme_rows::Model> for Theme {
    fn from(t: theme_rows::Model) -> Theme {
        Theme {
            id: t.id,
            slug: t.slug,
            names: Translated::new(t.name, t.name_fr, t.name_es),
        }
    }
}

/// A theme's description in the reader's language (English when it has none in it).
pub fn theme_description(theme: &theme_rows::Model, lang: &str) -> String {
    Translated::new(
        theme.description.clone(),
        theme.description_fr.clone(),
        theme.description_es.clone(),
    )
    .get(lang)
    .to_string()
}

/// What a typed list names: the terms found (their ids, each once) and the items that name
/// none, as typed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Listed<'a> {
    pub ids: Vec<i32>,
    pub unknown: Vec<&'a str>,
}

#[derive(Debug, Default)]
pub struct Taxonomy {
    terms: Vec<Term>,
    by_id: HashMap<i32, usize>,
    by_code: HashMap<(Vocabulary, String), usize>,
    /// Every label of every term, folded (`labels::folded`); the first term of a vocabulary
    /// to carry a name keeps it.
    by_name: HashMap<(Vocabulary, String), usize>,
    pub themes: Vec<Theme>,
    /// Every name of every theme, folded, to its place in `themes`.
    theme_by_name: HashMap<String, usize>,
}

/// The vocabularies and themes (a few hundred rows every library page needs), loaded at most
/// once per change.
pub struct TaxonomyCache(EpochCache<(), Arc<Taxonomy>>);

impl Default for TaxonomyCache {
    fn default() -> Self {
        Self(EpochCache::new(1))
    }
}

impl Taxonomy {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Taxonomy, DbErr> {
        let rows = taxonomy_terms::Entity::find()
            .order_by_asc(taxonomy_terms::Column::Vocabulary)
            .order_by_asc(taxonomy_terms::Column::Position)
            .order_by_asc(taxonomy_terms::Column::Label)
            .all(db)
            .await?;
        let themes = theme_rows::Entity::find()
            .order_by_asc(theme_rows::Column::Name)
            .all(db)
            .await?
            .into_iter()
            .map(Theme::from)
            .collect();
        let mut taxonomy = Taxonomy {
            themes,
            ..Taxonomy::default()
        };
        for (index, theme) in taxonomy.themes.iter().enumerate() {
            for (_, name) in theme.names.written() {
                taxonomy
                    .theme_by_name
                    .entry(labels::folded(name))
                    .or_insert(index);
            }
        }
        for row in rows {
            // A vocabulary this version does not know (added by a newer one) is left out.
            let Some(vocabulary) = Vocabulary::from_name(&row.vocabulary) else {
                continue;
            };
            taxonomy.add_term(Term {
                id: row.id,
                vocabulary,
                code: row.code,
                labels: Translated::new(row.label, row.label_fr, row.label_es),
            });
        }
        Ok(taxonomy)
    }

    /// Adds a term after those already there, findable by id, code and every label.
    fn add_term(&mut self, term: Term) {
        let index = self.terms.len();
        self.by_id.insert(term.id, index);
        self.by_code
            .insert((term.vocabulary, term.code.clone()), index);
        for (_, name) in term.labels.written() {
            self.by_name
                .entry((term.vocabulary, labels::folded(name)))
                .or_insert(index);
        }
        self.terms.push(term);
    }

    /// The taxonomy as of the current epoch, loaded at most once per change.
    pub async fn current(state: &AppState) -> Result<Arc<Taxonomy>, DbErr> {
        let epoch = state.caches.epoch();
        state
            .caches
            .feature::<TaxonomyCache>()
            .0
            .get_or_load((), epoch, async {
                Ok(Arc::new(Taxonomy::load(&state.db).await?))
            })
            .await
    }

    pub fn term(&self, id: i32) -> Option<&Term> {
        self.by_id.get(&id).map(|&i| &self.terms[i])
    }

    /// Looks a code up; countries are matched without regard to case (`ke` = `KE`).
    pub fn by_code(&self, vocabulary: Vocabulary, code: &str) -> Option<&Term> {
        let code = if vocabulary == Vocabulary::Country {
            code.trim().to_ascii_uppercase()
        } else {
            code.trim().to_ascii_lowercase()
        };
        self.by_code
            .get(&(vocabulary, code))
            .map(|&i| &self.terms[i])
    }

    pub fn terms_of(&self, vocabulary: Vocabulary) -> impl Iterator<Item = &Term> {
        self.terms
            .iter()
            .filter(move |t| t.vocabulary == vocabulary)
    }

    /// A term named by its code or by its label in any of the three languages (what an
    /// imported file may hold: `CI`, `Côte d'Ivoire`, `Costa de Marfil`).
    pub fn term_named(&self, vocabulary: Vocabulary, text: &str) -> Option<&Term> {
        self.by_code(vocabulary, text).or_else(|| {
            self.by_name
                .get(&(vocabulary, labels::folded(text)))
                .map(|&i| &self.terms[i])
        })
    }

    /// The terms a person listed, by code or by name in any of the three languages, without
    /// regard to case and accents (`KE; côte d'ivoire; Perú`). Items are separated by `;` or
    /// new lines, and by commas too unless the comma belongs to a name: within a piece the
    /// longest run of comma-separated parts that names a term is taken first, so
    /// `Congo, The Democratic Republic of the, Ghana` is two countries. Terms named twice are
    /// kept once, in the order first named; what names no term is given back as typed.
    pub fn terms_listed<'a>(&self, vocabulary: Vocabulary, text: &'a str) -> Listed<'a> {
        /// No label holds more than two commas: a run is at most this many parts.
        const MAX_PARTS: usize = 4;
        let mut listed = Listed::default();
        for piece in text.split([';', '\n', '\r']) {
            let parts: Vec<&str> = piece.split(',').map(str::trim).collect();
            let mut start = 0;
            while start < parts.len() {
                if parts[start].is_empty() {
                    start += 1;
                    continue;
                }
                let longest = MAX_PARTS.min(parts.len() - start);
                let found = (1..=longest).rev().find_map(|width| {
                    let run = &parts[start..start + width];
                    if run.iter().any(|part| part.is_empty()) {
                        return None;
                    }
                    self.term_named(vocabulary, &run.join(", "))
                        .map(|term| (width, term.id))
                });
                match found {
                    Some((width, id)) => {
                        if !listed.ids.contains(&id) {
                            listed.ids.push(id);
                        }
                        start += width;
                    }
                    None => {
                        if !listed.unknown.contains(&parts[start]) {
                            listed.unknown.push(parts[start]);
                        }
                        start += 1;
                    }
                }
            }
        }
        listed
    }

    /// The terms `ids` names, in `lang` and in its alphabetical order, separated by `; `
    /// (what [`Taxonomy::terms_listed`] reads back, even for names that hold a comma).
    pub fn names_listed(&self, ids: &[i32], lang: &str) -> String {
        let mut names: Vec<&str> = ids
            .iter()
            .filter_map(|id| self.term(*id))
            .map(|term| term.label(lang))
            .collect();
        labels::sort_by_name(&mut names, |name| name);
        names.join("; ")
    }

    /// The themes sorted by their name in `lang`.
    pub fn themes_by_name(&self, lang: &str) -> Vec<&Theme> {
        let mut themes: Vec<&Theme> = self.themes.iter().collect();
        labels::sort_by_name(&mut themes, |t| t.name(lang));
        themes
    }

    /// A theme named by its slug or by its name in any of the three languages.
    pub fn theme_named(&self, text: &str) -> Option<&Theme> {
        self.theme_by_slug(text).or_else(|| {
            self.theme_by_name
                .get(&labels::folded(text))
                .map(|&i| &self.themes[i])
        })
    }

    pub fn theme_by_slug(&self, slug: &str) -> Option<&Theme> {
        let slug = slug.trim().to_ascii_lowercase();
        self.themes.iter().find(|t| t.slug == slug)
    }

    pub fn theme(&self, id: i32) -> Option<&Theme> {
        self.themes.iter().find(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A few countries as the schema seeds them (English, French, Spanish).
    fn countries() -> Taxonomy {
        let mut taxonomy = Taxonomy::default();
        let rows = [
            (
                "CD",
                "Congo, The Democratic Republic of the",
                "République démocratique du Congo",
                "República Democrática del Congo",
            ),
            ("CG", "Congo", "Congo", "Congo"),
            ("CI", "Côte d'Ivoire", "Côte d'Ivoire", "Costa de Marfil"),
            ("GH", "Ghana", "Ghana", "Ghana"),
            ("KE", "Kenya", "Kenya", "Kenya"),
            ("PE", "Peru", "Pérou", "Perú"),
            (
                "BQ",
                "Bonaire, Sint Eustatius and Saba",
                "Bonaire, Saint-Eustache et Saba",
                "Bonaire, San Eustaquio y Saba",
            ),
        ];
        for (id, (code, en, fr, es)) in (1..).zip(rows) {
            taxonomy.add_term(Term {
                id,
                vocabulary: Vocabulary::Country,
                code: code.into(),
                labels: Translated::new(en.into(), fr.into(), es.into()),
            });
        }
        taxonomy
    }

    fn listed<'t, 'a>(taxonomy: &'t Taxonomy, text: &'a str) -> (Vec<&'t str>, Vec<&'a str>) {
        let listed = taxonomy.terms_listed(Vocabulary::Country, text);
        let codes = listed
            .ids
            .iter()
            .map(|id| taxonomy.term(*id).unwrap().code.as_str())
            .collect();
        (codes, listed.unknown)
    }

    #[test]
    fn countries_are_named_by_code_or_by_name_in_any_language() {
        let taxonomy = countries();
        assert_eq!(listed(&taxonomy, "ke, gh"), (vec!["KE", "GH"], vec![]));
        assert_eq!(
            listed(&taxonomy, "Pérou; costa de marfil; KENYA"),
            (vec!["PE", "CI", "KE"], vec![])
        );
        assert_eq!(
            listed(&taxonomy, "cote d’ivoire\nPERU\r\nGH"),
            (vec!["CI", "PE", "GH"], vec![])
        );
    }

    #[test]
    fn a_name_holding_commas_is_one_country() {
        let taxonomy = countries();
        assert_eq!(
            listed(&taxonomy, "Congo, The Democratic Republic of the, Ghana"),
            (vec!["CD", "GH"], vec![])
        );
        assert_eq!(
            listed(
                &taxonomy,
                "Congo, Ghana; bonaire,sint eustatius  and saba, KE"
            ),
            (vec!["CG", "GH", "BQ", "KE"], vec![])
        );
    }

    #[test]
    fn duplicates_empty_pieces_and_unknown_names() {
        let taxonomy = countries();
        assert_eq!(
            listed(&taxonomy, " ; KE,, kenya ;;\n Kenya ; "),
            (vec!["KE"], vec![])
        );
        assert_eq!(
            listed(&taxonomy, "Kenia, KE; <b>GH</b>, Kenia"),
            (vec!["KE"], vec!["Kenia", "<b>GH</b>"])
        );
        assert_eq!(listed(&taxonomy, ""), (vec![], vec![]));
    }

    #[test]
    fn names_come_back_in_the_reader_language_and_read_again() {
        let taxonomy = countries();
        let ids = taxonomy.terms_listed(Vocabulary::Country, "CD, CI, GH").ids;
        let french = taxonomy.names_listed(&ids, "fr");
        assert_eq!(
            french,
            "Côte d'Ivoire; Ghana; République démocratique du Congo"
        );
        let english = taxonomy.names_listed(&ids, "en");
        assert_eq!(
            english,
            "Congo, The Democratic Republic of the; Côte d'Ivoire; Ghana"
        );
        for text in [french, english] {
            let mut read = taxonomy.terms_listed(Vocabulary::Country, &text).ids;
            read.sort_unstable();
            assert_eq!(read, ids);
        }
    }
}
