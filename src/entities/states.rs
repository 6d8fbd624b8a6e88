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

/// When a person hears of what happens in the threads they follow and what waits for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum NotifyMode {
    /// A mail for each event, within a minute.
    #[sea_orm(string_value = "immediate")]
    Immediate,
    /// One summary a day.
    #[sea_orm(string_value = "daily")]
    Daily,
    #[sea_orm(string_value = "never")]
    Never,
}

impl NotifyMode {
    /// The mode a form names; anything unknown is `None`.
    pub fn from_form(value: &str) -> Option<NotifyMode> {
        match value {
            "immediate" => Some(NotifyMode::Immediate),
            "daily" => Some(NotifyMode::Daily),
            "never" => Some(NotifyMode::Never),
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

/// How often a subscriber gets the newsletter, and which period an edition covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, clap::ValueEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Frequency {
    #[sea_orm(string_value = "weekly")]
    Weekly,
    #[sea_orm(string_value = "monthly")]
    Monthly,
}

impl Frequency {
    pub const ALL: [Frequency; 2] = [Frequency::Weekly, Frequency::Monthly];

    /// The stored word, for SQL written by hand, forms and views.
    pub const fn as_str(self) -> &'static str {
        match self {
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
        }
    }

    /// The frequency a stored word names, exactly; anything else is `None`.
    pub fn parse(word: &str) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| f.as_str() == word)
    }
}

/// A newsletter subscriber's state. Only `active` subscribers are sent anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SubscriberStatus {
    /// Waiting for the confirmation link to be followed (double opt-in).
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "unsubscribed")]
    Unsubscribed,
    /// Refused permanently by their mail server too many times.
    #[sea_orm(string_value = "suppressed")]
    Suppressed,
}

impl SubscriberStatus {
    pub const ALL: [SubscriberStatus; 4] = [
        SubscriberStatus::Pending,
        SubscriberStatus::Active,
        SubscriberStatus::Unsubscribed,
        SubscriberStatus::Suppressed,
    ];

    /// The stored word, for SQL written by hand and views.
    pub const fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Pending => "pending",
            SubscriberStatus::Active => "active",
            SubscriberStatus::Unsubscribed => "unsubscribed",
            SubscriberStatus::Suppressed => "suppressed",
        }
    }

    /// The status a stored word names, exactly; anything else is `None`.
    pub fn parse(word: &str) -> Option<SubscriberStatus> {
        SubscriberStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == word)
    }
}

/// A newsletter edition's state: `scheduled` (composed, waiting for its time; the introduction
/// can be edited), `sending` (deliveries queued), `sent` (no delivery left queued), `empty`
/// (nothing new: not sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EditionStatus {
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "sending")]
    Sending,
    #[sea_orm(string_value = "sent")]
    Sent,
    #[sea_orm(string_value = "empty")]
    Empty,
}

impl EditionStatus {
    pub const ALL: [EditionStatus; 4] = [
        EditionStatus::Scheduled,
        EditionStatus::Sending,
        EditionStatus::Sent,
        EditionStatus::Empty,
    ];

    /// The stored word, for SQL written by hand and views.
    pub const fn as_str(self) -> &'static str {
        match self {
            EditionStatus::Scheduled => "scheduled",
            EditionStatus::Sending => "sending",
            EditionStatus::Sent => "sent",
            EditionStatus::Empty => "empty",
        }
    }

    /// The status a stored word names, exactly; anything else is `None`.
    pub fn parse(word: &str) -> Option<EditionStatus> {
        EditionStatus::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// One newsletter delivery's state: `queued`, `sent`, `failed` (given up), `cancelled`
/// (unsubscribed before it went) or `skipped` (nothing in it for this subscriber).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum DeliveryStatus {
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "sent")]
    Sent,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "skipped")]
    Skipped,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 5] = [
        DeliveryStatus::Queued,
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
        DeliveryStatus::Cancelled,
        DeliveryStatus::Skipped,
    ];

    /// The stored word, for SQL written by hand and views.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Cancelled => "cancelled",
            DeliveryStatus::Skipped => "skipped",
        }
    }

    /// The status a stored word names, exactly; anything else is `None`.
    pub fn parse(word: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|s| s.as_str() == word)
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
        assert_eq!(
            words(Frequency::iter().map(|s| s.to_value()).collect()),
            "weekly,monthly"
        );
        assert_eq!(
            words(SubscriberStatus::iter().map(|s| s.to_value()).collect()),
            "pending,active,unsubscribed,suppressed"
        );
        assert_eq!(
            words(EditionStatus::iter().map(|s| s.to_value()).collect()),
            "scheduled,sending,sent,empty"
        );
        assert_eq!(
            words(DeliveryStatus::iter().map(|s| s.to_value()).collect()),
            "queued,sent,failed,cancelled,skipped"
        );
    }

    #[test]
    fn newsletter_words_and_names_agree() {
        use clap::ValueEnum;
        for frequency in Frequency::iter() {
            assert_eq!(frequency.as_str(), frequency.to_value());
            assert_eq!(Frequency::parse(frequency.as_str()), Some(frequency));
            let cli = frequency.to_possible_value().unwrap();
            assert_eq!(cli.get_name(), frequency.as_str());
        }
        for status in SubscriberStatus::iter() {
            assert_eq!(status.as_str(), status.to_value());
            assert_eq!(SubscriberStatus::parse(status.as_str()), Some(status));
        }
        for status in EditionStatus::iter() {
            assert_eq!(status.as_str(), status.to_value());
            assert_eq!(EditionStatus::parse(status.as_str()), Some(status));
        }
        for status in DeliveryStatus::iter() {
            assert_eq!(status.as_str(), status.to_value());
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(Frequency::ALL.len(), Frequency::iter().count());
        assert_eq!(
            SubscriberStatus::ALL.len(),
            SubscriberStatus::iter().count()
        );
        assert_eq!(EditionStatus::ALL.len(), EditionStatus::iter().count());
        assert_eq!(DeliveryStatus::ALL.len(), DeliveryStatus::iter().count());
        assert_eq!(Frequency::parse("Weekly"), None);
        assert_eq!(DeliveryStatus::parse("sending"), None);
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
