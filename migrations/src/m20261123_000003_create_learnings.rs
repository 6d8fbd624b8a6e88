//! The learnings library: taxonomies kept as data, learnings and knowledge products with their
//! themes and countries, review history, links to threads, and the full-text index of each
//! backend (SQLite FTS5 kept in step by triggers; a PostgreSQL generated tsvector with GIN).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TaxonomyTerms {
    Table,
    Id,
    Vocabulary,
    Code,
    Label,
    Position,
}

#[derive(DeriveIden)]
enum Learnings {
    Table,
    Id,
    ExternalId,
    ContentKey,
    Title,
    Description,
    DescriptionHtml,
    LearningType,
    ProjectTitle,
    EvaluationTypeId,
    Year,
    SectorId,
    InterventionTypeId,
    CycleStageId,
    CriterionId,
    SourceUrl,
    Language,
    Status,
    AuthorId,
    ReviewerId,
    FacetKeys,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LearningThemes {
    Table,
    LearningId,
    ThemeId,
}

#[derive(DeriveIden, Clone, Copy)]
enum LearningCountries {
    Table,
    LearningId,
    CountryId,
}

#[derive(DeriveIden)]
enum LearningReviews {
    Table,
    Id,
    LearningId,
    UserId,
    Action,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    ExternalId,
    ContentKey,
    KindId,
    Title,
    Summary,
    SummaryHtml,
    Url,
    Language,
    PublishedOn,
    Status,
    AuthorId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProductThemes {
    Table,
    ProductId,
    ThemeId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProductCountries {
    Table,
    ProductId,
    CountryId,
}

#[derive(DeriveIden)]
enum ThreadLearnings {
    Table,
    ThreadId,
    LearningId,
    CreatedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Themes {
    Table,
}

#[derive(DeriveIden)]
enum Threads {
    Table,
    Id,
}

/// The starting vocabularies. Admins add terms later; codes are what URLs and imports use.
const VOCABULARIES: &[(&str, &[(&str, &str)])] = &[
    (
        "evaluation_type",
        &[
            ("interim", "Interim"),
            ("midterm", "Midterm"),
            ("final", "Final"),
            ("ex_post", "Ex-post"),
            ("impact", "Impact"),
        ],
    ),
    (
        "sector",
        &[
            ("agriculture", "Agriculture"),
            ("domestic_work", "Domestic work"),
            ("mining", "Mining and quarrying"),
            ("fishing", "Fishing and aquaculture"),
            ("manufacturing", "Manufacturing"),
            ("construction", "Construction"),
            ("street_work", "Street work"),
            ("sexual_exploitation", "Commercial sexual exploitation"),
            ("armed_conflict", "Children in armed conflict"),
            ("services", "Services"),
        ],
    ),
    (
        "intervention_type",
        &[
            ("awareness_raising", "Awareness raising"),
            ("education", "Education"),
            ("vocational_training", "Vocational training"),
            ("livelihoods", "Livelihoods"),
            ("social_protection", "Social protection"),
            ("policy_legislation", "Policy and legislation"),
            ("capacity_building", "Capacity building"),
            ("monitoring", "Child labour monitoring"),
            ("withdrawal", "Withdrawal and rehabilitation"),
            ("research", "Research and data"),
            ("social_dialogue", "Social dialogue"),
        ],
    ),
    (
        "cycle_stage",
        &[
            ("design", "Design"),
            ("start_up", "Start-up"),
            ("implementation", "Implementation"),
            ("monitoring", "Monitoring"),
            ("evaluation", "Evaluation"),
            ("phase_out", "Phase-out and sustainability"),
        ],
    ),
    (
        "criterion",
        &[
            ("relevance", "Relevance"),
            ("coherence_design", "Coherence / design"),
            ("effectiveness", "Effectiveness"),
            ("efficiency", "Efficiency"),
            ("impact", "Impact"),
            ("sustainability", "Sustainability"),
        ],
    ),
    (
        "product_kind",
        &[
            ("publication", "Publication"),
            ("tool", "Tool"),
            ("compendium", "Compendium"),
            ("training", "Training"),
            ("guide", "Guide"),
            ("video", "Video"),
            ("dataset", "Dataset"),
        ],
    ),
];

/// ISO 3166-1 alpha-2 codes and English short names (from Debian's iso-codes).
const COUNTRIES: &str = include_str!("countries.tsv");

fn fk(
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
    ref_table: impl IntoIden + 'static,
    ref_column: impl IntoIden + 'static,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(ref_table, ref_column)
        .on_delete(on_delete)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(Alias::new(*column));
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}

/// A join table of (owner, term) pairs, both cascading.
async fn pair_table(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + Clone + 'static,
    owner: impl IntoIden + Clone + 'static,
    owner_table: impl IntoIden + 'static,
    other: impl IntoIden + Clone + 'static,
    other_table: impl IntoIden + 'static,
) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(table.clone())
                .col(integer(owner.clone()))
                .col(integer(other.clone()))
                .primary_key(Index::create().col(owner.clone()).col(other.clone()))
                .foreign_key(&mut fk(
                    table.clone(),
                    owner,
                    owner_table,
                    Alias::new("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    table,
                    other,
                    other_table,
                    Alias::new("id"),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await
}

const SQLITE_FTS: &[&str] = &[
    "CREATE VIRTUAL TABLE learnings_fts USING fts5(
        title, description, project_title, facet_keys,
        content='learnings', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER learnings_fts_insert AFTER INSERT ON learnings BEGIN
        INSERT INTO learnings_fts(rowid, title, description, project_title, facet_keys)
        VALUES (new.id, new.title, new.description, new.project_title, new.facet_keys);
     END",
    "CREATE TRIGGER learnings_fts_delete AFTER DELETE ON learnings BEGIN
        INSERT INTO learnings_fts(learnings_fts, rowid, title, description, project_title, facet_keys)
        VALUES ('delete', old.id, old.title, old.description, old.project_title, old.facet_keys);
     END",
    "CREATE TRIGGER learnings_fts_update
     AFTER UPDATE OF title, description, project_title, facet_keys ON learnings BEGIN
        INSERT INTO learnings_fts(learnings_fts, rowid, title, description, project_title, facet_keys)
        VALUES ('delete', old.id, old.title, old.description, old.project_title, old.facet_keys);
        INSERT INTO learnings_fts(rowid, title, description, project_title, facet_keys)
        VALUES (new.id, new.title, new.description, new.project_title, new.facet_keys);
     END",
];

const POSTGRES_FTS: &[&str] = &[
    "ALTER TABLE learnings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', project_title), 'B')
        || setweight(to_tsvector('english', description), 'C')
        || to_tsvector('simple', facet_keys)) STORED",
    "CREATE INDEX learnings_search_idx ON learnings USING GIN (search_vector)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TaxonomyTerms::Table)
                    .col(pk_auto(TaxonomyTerms::Id))
                    .col(string_len(TaxonomyTerms::Vocabulary, 32))
                    .col(string_len(TaxonomyTerms::Code, 64))
                    .col(string(TaxonomyTerms::Label))
                    .col(integer(TaxonomyTerms::Position).default(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "taxonomy_terms_vocabulary_code",
            TaxonomyTerms::Table,
            &["vocabulary", "code"],
            true,
        )
        .await?;
        let mut insert = Query::insert();
        insert.into_table(TaxonomyTerms::Table).columns([
            TaxonomyTerms::Vocabulary,
            TaxonomyTerms::Code,
            TaxonomyTerms::Label,
            TaxonomyTerms::Position,
        ]);
        for (vocabulary, terms) in VOCABULARIES {
            for (position, (code, label)) in terms.iter().enumerate() {
                insert.values_panic([
                    (*vocabulary).into(),
                    (*code).into(),
                    (*label).into(),
                    (position as i32).into(),
                ]);
            }
        }
        for line in COUNTRIES.lines().filter(|l| !l.is_empty()) {
            let (code, name) = line.split_once('\t').expect("code<TAB>name");
            insert.values_panic(["country".into(), code.into(), name.into(), 0.into()]);
        }
        manager.exec_stmt(insert).await?;

        let term_fk = |column: Learnings| {
            fk(
                Learnings::Table,
                column,
                TaxonomyTerms::Table,
                TaxonomyTerms::Id,
                ForeignKeyAction::SetNull,
            )
        };
        manager
            .create_table(
                Table::create()
                    .table(Learnings::Table)
                    .col(pk_auto(Learnings::Id))
                    .col(string_null(Learnings::ExternalId))
                    .col(string_len(Learnings::ContentKey, 64))
                    .col(text(Learnings::Title))
                    .col(text(Learnings::Description))
                    .col(text(Learnings::DescriptionHtml))
                    .col(string_len(Learnings::LearningType, 16))
                    .col(text(Learnings::ProjectTitle).default(""))
                    .col(integer_null(Learnings::EvaluationTypeId))
                    .col(integer_null(Learnings::Year))
                    .col(integer_null(Learnings::SectorId))
                    .col(integer_null(Learnings::InterventionTypeId))
                    .col(integer_null(Learnings::CycleStageId))
                    .col(integer_null(Learnings::CriterionId))
                    .col(text(Learnings::SourceUrl).default(""))
                    .col(string_len(Learnings::Language, 8).default("en"))
                    .col(string_len(Learnings::Status, 16).default("draft"))
                    .col(integer_null(Learnings::AuthorId))
                    .col(integer_null(Learnings::ReviewerId))
                    .col(text(Learnings::FacetKeys).default(""))
                    .col(timestamp_with_time_zone_null(Learnings::PublishedAt))
                    .col(timestamp_with_time_zone(Learnings::CreatedAt))
                    .col(timestamp_with_time_zone(Learnings::UpdatedAt))
                    .foreign_key(&mut term_fk(Learnings::EvaluationTypeId))
                    .foreign_key(&mut term_fk(Learnings::SectorId))
                    .foreign_key(&mut term_fk(Learnings::InterventionTypeId))
                    .foreign_key(&mut term_fk(Learnings::CycleStageId))
                    .foreign_key(&mut term_fk(Learnings::CriterionId))
                    .foreign_key(&mut fk(
                        Learnings::Table,
                        Learnings::AuthorId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        Learnings::Table,
                        Learnings::ReviewerId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "learnings_external_id",
            Learnings::Table,
            &["external_id"],
            true,
        )
        .await?;
        index(
            manager,
            "learnings_content_key",
            Learnings::Table,
            &["content_key"],
            true,
        )
        .await?;
        index(
            manager,
            "learnings_status_published",
            Learnings::Table,
            &["status", "published_at"],
            false,
        )
        .await?;
        index(
            manager,
            "learnings_project",
            Learnings::Table,
            &["project_title"],
            false,
        )
        .await?;
        pair_table(
            manager,
            LearningThemes::Table,
            LearningThemes::LearningId,
            Learnings::Table,
            LearningThemes::ThemeId,
            Themes::Table,
        )
        .await?;
        index(
            manager,
            "learning_themes_theme",
            LearningThemes::Table,
            &["theme_id", "learning_id"],
            false,
        )
        .await?;
        pair_table(
            manager,
            LearningCountries::Table,
            LearningCountries::LearningId,
            Learnings::Table,
            LearningCountries::CountryId,
            TaxonomyTerms::Table,
        )
        .await?;
        index(
            manager,
            "learning_countries_country",
            LearningCountries::Table,
            &["country_id", "learning_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(LearningReviews::Table)
                    .col(pk_auto(LearningReviews::Id))
                    .col(integer(LearningReviews::LearningId))
                    .col(integer_null(LearningReviews::UserId))
                    .col(string_len(LearningReviews::Action, 24))
                    .col(text(LearningReviews::Comment).default(""))
                    .col(timestamp_with_time_zone(LearningReviews::CreatedAt))
                    .foreign_key(&mut fk(
                        LearningReviews::Table,
                        LearningReviews::LearningId,
                        Learnings::Table,
                        Learnings::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        LearningReviews::Table,
                        LearningReviews::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "learning_reviews_learning",
            LearningReviews::Table,
            &["learning_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(pk_auto(Products::Id))
                    .col(string_null(Products::ExternalId))
                    .col(string_len(Products::ContentKey, 64))
                    .col(integer_null(Products::KindId))
                    .col(text(Products::Title))
                    .col(text(Products::Summary))
                    .col(text(Products::SummaryHtml))
                    .col(text(Products::Url).default(""))
                    .col(string_len(Products::Language, 8).default("en"))
                    .col(date_null(Products::PublishedOn))
                    .col(string_len(Products::Status, 16).default("draft"))
                    .col(integer_null(Products::AuthorId))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .foreign_key(&mut fk(
                        Products::Table,
                        Products::KindId,
                        TaxonomyTerms::Table,
                        TaxonomyTerms::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        Products::Table,
                        Products::AuthorId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "products_external_id",
            Products::Table,
            &["external_id"],
            true,
        )
        .await?;
        index(
            manager,
            "products_content_key",
            Products::Table,
            &["content_key"],
            true,
        )
        .await?;
        index(
            manager,
            "products_status_published",
            Products::Table,
            &["status", "published_on"],
            false,
        )
        .await?;
        pair_table(
            manager,
            ProductThemes::Table,
            ProductThemes::ProductId,
            Products::Table,
            ProductThemes::ThemeId,
            Themes::Table,
        )
        .await?;
        index(
            manager,
            "product_themes_theme",
            ProductThemes::Table,
            &["theme_id", "product_id"],
            false,
        )
        .await?;
        pair_table(
            manager,
            ProductCountries::Table,
            ProductCountries::ProductId,
            Products::Table,
            ProductCountries::CountryId,
            TaxonomyTerms::Table,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ThreadLearnings::Table)
                    .col(integer(ThreadLearnings::ThreadId))
                    .col(integer(ThreadLearnings::LearningId))
                    .col(integer_null(ThreadLearnings::CreatedById))
                    .col(timestamp_with_time_zone(ThreadLearnings::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ThreadLearnings::ThreadId)
                            .col(ThreadLearnings::LearningId),
                    )
                    .foreign_key(&mut fk(
                        ThreadLearnings::Table,
                        ThreadLearnings::ThreadId,
                        Threads::Table,
                        Threads::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ThreadLearnings::Table,
                        ThreadLearnings::LearningId,
                        Learnings::Table,
                        Learnings::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ThreadLearnings::Table,
                        ThreadLearnings::CreatedById,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "thread_learnings_learning",
            ThreadLearnings::Table,
            &["learning_id", "thread_id"],
            false,
        )
        .await?;

        let statements = match manager.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_FTS,
            _ => SQLITE_FTS,
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS learnings_fts")
                .await?;
        }
        for table in [
            ThreadLearnings::Table.into_iden(),
            ProductCountries::Table.into_iden(),
            ProductThemes::Table.into_iden(),
            Products::Table.into_iden(),
            LearningReviews::Table.into_iden(),
            LearningCountries::Table.into_iden(),
            LearningThemes::Table.into_iden(),
            Learnings::Table.into_iden(),
            TaxonomyTerms::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
