//! The states, modes and roles stored as text columns, as types: the database keeps the same
//! words (no schema change), and code compares variants instead of string literals.

use sea_orm::entity::prelude::*;

/// A post's place in moderation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PostStatus {
    /// Waiting in a pre-moderated forum's queue; only its author and moderators see it.
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

/// Whether members' posts wait for a moderator before anyone sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, clap::ValueEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ModerationMode {
    #[sea_orm(string_value = "pre")]
    Pre,
    #[sea_orm(string_value = "post")]
    Post,
}

/// A person's role in one forum (site administrators moderate every forum without one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, clap::ValueEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MemberRole {
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "moderator")]
    Moderator,
}

impl MemberRole {
    /// The role named in a form, leniently: empty means member; anything unknown is `None`.
    pub fn from_form(value: &str) -> Option<MemberRole> {
        match value.trim() {
            "" | "member" => Some(MemberRole::Member),
            "moderator" => Some(MemberRole::Moderator),
            _ => None,
        }
    }
}

/// A learning's place in the review workflow (`learnings::workflow` moves it between them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, clap::ValueEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum LearningStatus {
    #[sea_orm(string_value = "draft")]
    #[value(name = "draft")]
    Draft,
    #[sea_orm(string_value = "in_review")]
    #[value(name = "in_review")]
    InReview,
    #[sea_orm(string_value = "published")]
    #[value(name = "published")]
    Published,
    #[sea_orm(string_value = "retired")]
    #[value(name = "retired")]
    Retired,
}

impl LearningStatus {
    pub const ALL: [LearningStatus; 4] = [
        LearningStatus::Draft,
        LearningStatus::InReview,
        LearningStatus::Published,
        LearningStatus::Retired,
    ];

    /// The stored word, for SQL written by hand, facet tokens, files and query strings.
    pub const fn as_str(self) -> &'static str {
        match self {
            LearningStatus::Draft => "draft",
            LearningStatus::InReview => "in_review",
            LearningStatus::Published => "published",
            LearningStatus::Retired => "retired",
        }
    }

    /// The status a stored word names, exactly; anything else is `None`.
    pub fn parse(word: &str) -> Option<LearningStatus> {
        LearningStatus::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// A knowledge product's status: knowledge managers set it directly (no review).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, clap::ValueEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ProductStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "retired")]
    Retired,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 3] = [
        ProductStatus::Draft,
        ProductStatus::Published,
        ProductStatus::Retired,
    ];

    /// The stored word, for SQL written by hand, files and query strings.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Published => "published",
            ProductStatus::Retired => "retired",
        }
    }

    /// The status a stored word names, exactly; anything else is `None`.
    pub fn parse(word: &str) -> Option<ProductStatus> {
        ProductStatus::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    #[test]
    fn stored_words_are_unchanged() {
        let words = |values: Vec<String>| values.join(",");
        assert_eq!(
            words(PostStatus::iter().map(|s| s.to_value()).collect()),
            "pending,published,rejected"
        );
        assert_eq!(
            words(ModerationMode::iter().map(|s| s.to_value()).collect()),
            "pre,post"
        );
        assert_eq!(
            words(MemberRole::iter().map(|s| s.to_value()).collect()),
            "member,moderator"
        );
        assert_eq!(
            words(LearningStatus::iter().map(|s| s.to_value()).collect()),
            "draft,in_review,published,retired"
        );
        assert_eq!(
            words(ProductStatus::iter().map(|s| s.to_value()).collect()),
            "draft,published,retired"
        );
    }

    #[test]
    fn stored_words_and_names_agree() {
        use clap::ValueEnum;
        for status in LearningStatus::iter() {
            assert_eq!(status.as_str(), status.to_value());
            assert_eq!(LearningStatus::parse(status.as_str()), Some(status));
            let cli = status.to_possible_value().unwrap();
            assert_eq!(cli.get_name(), status.as_str());
        }
        for status in ProductStatus::iter() {
            assert_eq!(status.as_str(), status.to_value());
            assert_eq!(ProductStatus::parse(status.as_str()), Some(status));
            let cli = status.to_possible_value().unwrap();
            assert_eq!(cli.get_name(), status.as_str());
        }
        assert_eq!(LearningStatus::ALL.len(), LearningStatus::iter().count());
        assert_eq!(ProductStatus::ALL.len(), ProductStatus::iter().count());
        assert_eq!(LearningStatus::parse("Published"), None);
        assert_eq!(ProductStatus::parse("in_review"), None);
    }

    #[test]
    fn form_roles_are_read_leniently_but_not_invented() {
        assert_eq!(MemberRole::from_form(""), Some(MemberRole::Member));
        assert_eq!(
            MemberRole::from_form(" moderator "),
            Some(MemberRole::Moderator)
        );
        assert_eq!(MemberRole::from_form("admin"), None);
    }
}
