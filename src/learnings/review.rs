//! The review workflow of learnings as data: what can be done to a learning (`Action`), which
//! state each action leads to from each state (`next`, the whole table), who may do it (`Who`),
//! and the one service that carries an action out with its review-history row. The pages call
//! it through one handler (`workflow::step_learning`); refusals are typed, never responses.
//!
//! ```text
//!   draft ──submit──▶ in_review ──approve──▶ published ──retire──▶ retired
//!     ▲                │  ▲ │                                        │
//!     │                │  └─┘ name reviewer                          │
//!     └── request changes / reopen ◀────────────── reopen ───────────┘
//! ```

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use super::{store, visibility};
use crate::{
    db::{self, now},
    entities::{
        learnings::{self, LearningStatus},
        users,
    },
    waiting::tell::{Event, tell},
    web::{AppError, AppState},
};

/// Something done to a learning in the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// A knowledge manager sends a draft for review, naming the reviewer.
    Submit,
    /// A knowledge manager names another reviewer for a learning in review.
    NameReviewer,
    /// The named reviewer publishes it.
    Approve,
    /// The named reviewer sends it back to draft, saying what should change.
    RequestChanges,
    /// A knowledge manager withdraws a published learning.
    Retire,
    /// A knowledge manager takes a retired learning, or one in review, back to draft.
    Reopen,
    /// Anyone taking part in the review adds a comment; the learning does not move.
    Comment,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Submit,
        Action::NameReviewer,
        Action::Approve,
        Action::RequestChanges,
        Action::Retire,
        Action::Reopen,
        Action::Comment,
    ];

    /// The word the review history records (and its page translates).
    pub fn recorded_as(self) -> &'static str {
        match self {
            Action::Submit => "submitted",
            Action::NameReviewer => "reviewer",
            Action::Approve => "approved",
            Action::RequestChanges => "changes_requested",
            Action::Retire => "retired",
            Action::Reopen => "reopened",
            Action::Comment => "comment",
        }
    }

    pub fn who(self) -> Who {
        match self {
            Action::Submit | Action::NameReviewer | Action::Retire | Action::Reopen => {
                Who::KnowledgeManager
            }
            Action::Approve | Action::RequestChanges => Who::Reviewer,
            Action::Comment => Who::Participant,
        }
    }

    /// Whether the action names the reviewer.
    pub fn names_reviewer(self) -> bool {
        matches!(self, Action::Submit | Action::NameReviewer)
    }
}

/// The state `action` takes a learning in `state` to, or `None` where the workflow does not
/// allow it. This is the whole workflow: every other rule is about who may act.
pub fn next(state: LearningStatus, action: Action) -> Option<LearningStatus> {
    use Action::*;
    use LearningStatus::*;
    match (state, action) {
        (state, Comment) => Some(state),
        (Draft, Submit) => Some(InReview),
        (InReview, NameReviewer) => Some(InReview),
        (InReview, Approve) => Some(Published),
        (InReview, RequestChanges) => Some(Draft),
        (Published, Retire) => Some(Retired),
        (Retired | InReview, Reopen) => Some(Draft),
        _ => None,
    }
}

/// Who may take an action on a learning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Site administrators.
    KnowledgeManager,
    /// The reviewer a knowledge manager named, only.
    Reviewer,
    /// Knowledge managers, the author and the named reviewer.
    Participant,
}

impl Who {
    pub fn includes(self, learning: &learnings::Model, user: &users::Model) -> bool {
        match self {
            Who::KnowledgeManager => user.is_admin,
            Who::Reviewer => learning.reviewer_id == Some(user.id),
            Who::Participant => visibility::may_manage(learning, user),
        }
    }
}

/// Whether `user` may take `action` on `learning` as it is now (the workflow page offers
/// exactly these).
pub fn may(action: Action, learning: &learnings::Model, user: &users::Model) -> bool {
    action.who().includes(learning, user) && next(learning.status, action).is_some()
}

/// Why an action was not carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The learning is not in a state the action applies to (or another request moved it
    /// first).
    WrongState,
    /// Requesting changes needs a comment saying which.
    CommentRequired,
    /// A comment with nothing in it.
    EmptyComment,
    /// The learning is gone.
    Gone,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("refused: {0:?}")]
    Refused(Refused),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<Refused> for ReviewError {
    fn from(refused: Refused) -> ReviewError {
        ReviewError::Refused(refused)
    }
}

impl From<ReviewError> for AppError {
    fn from(err: ReviewError) -> AppError {
        match err {
            ReviewError::Refused(Refused::WrongState) => AppError::BadRequest("review.wrong_state"),
            ReviewError::Refused(Refused::CommentRequired) => {
                AppError::BadRequest("review.comment_required")
            }
            ReviewError::Refused(Refused::EmptyComment) => AppError::BadRequest("form.required"),
            ReviewError::Refused(Refused::Gone) => AppError::NotFound,
            ReviewError::Db(err) => err.into(),
        }
    }
}

/// Carries out `action` by `actor` on `learning` (as the caller read it; rights already
/// checked): names `reviewer` when given, moves the learning to `next(status, action)` and
/// records the step with `comment` in its review history, in one write that is refused if
/// another request moved the learning (or changed its reviewer) first. Returns the new state.
pub async fn act(
    state: &AppState,
    learning: &learnings::Model,
    actor: &users::Model,
    action: Action,
    comment: &str,
    reviewer: Option<i32>,
) -> Result<LearningStatus, ReviewError> {
    match action {
        Action::Comment if comment.is_empty() => return Err(Refused::EmptyComment.into()),
        Action::RequestChanges if comment.is_empty() => {
            return Err(Refused::CommentRequired.into());
        }
        _ => {}
    }
    let to = next(learning.status, action).ok_or(Refused::WrongState)?;
    let id = learning.id;
    let txn = db::begin_write(&state.db).await?;
    let now = now();
    if action == Action::Comment {
        store::record_review(&txn, id, Some(actor.id), action.recorded_as(), comment, now).await?;
        txn.commit().await?;
        return Ok(to);
    }
    let current = learnings::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Refused::Gone)?;
    if current.status != learning.status || current.reviewer_id != learning.reviewer_id {
        return Err(Refused::WrongState.into());
    }
    if let Some(reviewer_id) = reviewer {
        learnings::Entity::update_many()
            .col_expr(learnings::Column::ReviewerId, Expr::value(reviewer_id))
            .col_expr(learnings::Column::UpdatedAt, Expr::value(now))
            .filter(learnings::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    let recorded_as = action.recorded_as();
    let author_id = current.author_id;
    if current.status == to {
        store::record_review(&txn, id, Some(actor.id), recorded_as, comment, now).await?;
    } else {
        store::set_status(&txn, current, to, Some(actor.id), recorded_as, comment, now).await?;
    }
    let title = &learning.title;
    let told = match (action, reviewer, author_id) {
        (Action::Submit | Action::NameReviewer, Some(reviewer_id), _) => {
            Some(Event::ReviewerNamed {
                learning_id: id,
                title,
                reviewer_id,
            })
        }
        (Action::Approve, _, Some(author_id)) => Some(Event::Published {
            learning_id: id,
            title,
            author_id,
        }),
        (Action::RequestChanges, _, Some(author_id)) => Some(Event::ChangesRequested {
            learning_id: id,
            title,
            author_id,
            comment,
        }),
        _ => None,
    };
    if let Some(event) = told {
        tell(&txn, state, event, actor.id).await?;
    }
    txn.commit().await?;
    state.mail_queued();
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use LearningStatus::*;

    /// Every state × action, written out: a change to the workflow changes this table.
    #[test]
    fn the_whole_transition_table() {
        let table: [(LearningStatus, [Option<LearningStatus>; 7]); 4] = [
            //          Submit          NameReviewer    Approve          RequestChanges Retire         Reopen       Comment
            (
                Draft,
                [Some(InReview), None, None, None, None, None, Some(Draft)],
            ),
            (
                InReview,
                [
                    None,
                    Some(InReview),
                    Some(Published),
                    Some(Draft),
                    None,
                    Some(Draft),
                    Some(InReview),
                ],
            ),
            (
                Published,
                [None, None, None, None, Some(Retired), None, Some(Published)],
            ),
            (
                Retired,
                [None, None, None, None, None, Some(Draft), Some(Retired)],
            ),
        ];
        let mut checked = 0;
        for (state, row) in table {
            for (action, expected) in Action::ALL.into_iter().zip(row) {
                assert_eq!(next(state, action), expected, "{state:?} × {action:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, LearningStatus::ALL.len() * Action::ALL.len());
    }

    #[test]
    fn only_approval_publishes_and_only_retirement_retires() {
        for state in LearningStatus::ALL {
            for action in Action::ALL {
                if next(state, action) == Some(Published) && state != Published {
                    assert_eq!(action, Approve);
                }
                if next(state, action) == Some(Retired) && state != Retired {
                    assert_eq!(action, Retire);
                }
            }
        }
    }

    #[test]
    fn who_may_act() {
        assert_eq!(Submit.who(), Who::KnowledgeManager);
        assert_eq!(NameReviewer.who(), Who::KnowledgeManager);
        assert_eq!(Retire.who(), Who::KnowledgeManager);
        assert_eq!(Reopen.who(), Who::KnowledgeManager);
        assert_eq!(Approve.who(), Who::Reviewer);
        assert_eq!(RequestChanges.who(), Who::Reviewer);
        assert_eq!(Comment.who(), Who::Participant);
        let named: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|a| a.names_reviewer())
            .collect();
        assert_eq!(named, [Submit, NameReviewer]);
    }

    #[test]
    fn recorded_words_are_unchanged() {
        let words: Vec<&str> = Action::ALL.into_iter().map(Action::recorded_as).collect();
        assert_eq!(
            words,
            [
                "submitted",
                "reviewer",
                "approved",
                "changes_requested",
                "retired",
                "reopened",
                "comment"
            ]
        );
    }
}
