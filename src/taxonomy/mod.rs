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
            let index = taxonomy.terms.len();
            taxonomy.by_id.insert(row.id, index);
            taxonomy
                .by_code
                .insert((vocabulary, row.code.clone()), index);
            taxonomy.terms.push(Term {
                id: row.id,
                vocabulary,
                code: row.code,
                labels: Translated::new(row.label, row.label_fr, row.label_es),
            });
            for (_, name) in taxonomy.terms[index].labels.written() {
                taxonomy
                    .by_name
                    .entry((vocabulary, labels::folded(name)))
                    .or_insert(index);
            }
        }
        Ok(taxonomy)
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
