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
