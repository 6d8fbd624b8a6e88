//! What an edition says to one subscriber. An edition's items (new learnings, new knowledge
//! products, featured threads) are fixed when it is composed; which of them a subscriber gets
//! is decided when their message is built, at send time: their themes, and — for threads —
//! their membership of the thread's forum *now*, so a member removed from a forum or a
//! disabled account stops getting its threads in the very next message. A private forum never
//! reaches anyone else's inbox.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};

use crate::entities::{
    learnings::LearningStatus, products::ProductStatus, states::SubscriberStatus,
};
use crate::web::paths;

/// What kind of thing an edition item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Learning,
    Product,
    Thread,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Learning => "learning",
            ItemKind::Product => "product",
            ItemKind::Thread => "thread",
        }
    }

    pub fn parse(text: &str) -> Option<ItemKind> {
        match text {
            "learning" => Some(ItemKind::Learning),
            "product" => Some(ItemKind::Product),
            "thread" => Some(ItemKind::Thread),
            _ => None,
        }
    }

    /// The page of the item with this id.
    pub fn path(self, id: i32) -> String {
        match self {
            ItemKind::Learning => paths::learning(id),
            ItemKind::Product => paths::product(id),
            ItemKind::Thread => paths::thread(id),
        }
    }
}

/// One item of an edition, as every message of it shows it.
#[derive(Clone, Debug)]
pub struct Item {
    pub kind: ItemKind,
    pub id: i32,
    pub title: String,
    /// Plain text, already shortened.
    pub summary: String,
    /// Absolute address.
    pub url: String,
    /// The item's themes (for a thread: its forum's theme).
    pub themes: Vec<i32>,
    /// Threads only: the forum it belongs to.
    pub forum_id: Option<i32>,
    /// The language it is written in (a thread: its own, migration `m20261202_000030`), `en`,
    /// `fr` or `es`. A message in
    /// another language names it next to the item.
    pub language: String,
}

/// One subscriber as the sender needs them, read afresh for each batch.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub subscriber_id: i32,
    pub email: String,
    pub language: String,
    /// Salt of the subscriber's unsubscribe and manage links: the links themselves are made
    /// with the server secret when the message is written (`link_tokens`).
    pub link_salt: String,
    /// The themes picked; empty means every theme.
    pub themes: HashSet<i32>,
    /// Forums whose featured threads this subscriber may get: those their (enabled) account
    /// is a member of right now. Empty for subscribers without an account.
    pub forums: HashSet<i32>,
}

impl Recipient {
    fn wants(&self, item: &Item) -> bool {
        let theme_ok =
            self.themes.is_empty() || item.themes.iter().any(|t| self.themes.contains(t));
        match item.kind {
            ItemKind::Thread => theme_ok && item.forum_id.is_some_and(|f| self.forums.contains(&f)),
            ItemKind::Learning | ItemKind::Product => theme_ok,
        }
    }
}

/// The items of an edition this recipient gets, in the edition's order.
pub fn items_for<'a>(items: &'a [Item], recipient: &Recipient) -> Vec<&'a Item> {
    items.iter().filter(|item| recipient.wants(item)).collect()
}

#[derive(FromQueryResult)]
struct SubscriberRow {
    id: i32,
    email: String,
    language: String,
    link_salt: String,
    user_id: Option<i32>,
}

#[derive(FromQueryResult)]
struct Pair {
    owner: i32,
    other: i32,
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The given subscribers that are still active, with their themes and forums, in three
/// statements whatever the batch size. Anyone unsubscribed or suppressed is left out.
/// (SQLite's `+status` keeps it on the primary key instead of the status index.)
pub async fn recipients(
    db: &impl ConnectionTrait,
    subscriber_ids: &[i32],
) -> Result<Vec<Recipient>, DbErr> {
    if subscriber_ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let ids: Vec<sea_orm::Value> = subscriber_ids.iter().map(|id| (*id).into()).collect();
    let mut values = vec![SubscriberStatus::Active.into()];
    values.extend(ids.iter().cloned());
    let rows = SubscriberRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT id, email, language, link_salt, user_id FROM subscribers
             WHERE {status} = $1 AND id IN ({})",
            placeholders(2, ids.len()),
            status = match backend {
                sea_orm::DbBackend::Postgres => "status",
                _ => "+status",
            }
        ),
        values,
    ))
    .all(db)
    .await?;
    let themes = Pair::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT subscriber_id AS owner, theme_id AS other FROM subscriber_themes
             WHERE subscriber_id IN ({})",
            placeholders(1, ids.len())
        ),
        ids,
    ))
    .all(db)
    .await?;
    let user_ids: Vec<sea_orm::Value> = rows
        .iter()
        .filter_map(|r| r.user_id)
        .map(Into::into)
        .collect();
    let forums = if user_ids.is_empty() {
        Vec::new()
    } else {
        Pair::find_by_statement(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT m.user_id AS owner, m.forum_id AS other FROM memberships m
                 JOIN users u ON u.id = m.user_id
                 WHERE u.disabled_at IS NULL AND m.user_id IN ({})",
                placeholders(1, user_ids.len())
            ),
            user_ids,
        ))
        .all(db)
        .await?
    };
    let mut themes_of: HashMap<i32, HashSet<i32>> = HashMap::new();
    for pair in themes {
        themes_of.entry(pair.owner).or_default().insert(pair.other);
    }
    let mut forums_of: HashMap<i32, HashSet<i32>> = HashMap::new();
    for pair in forums {
        forums_of.entry(pair.owner).or_default().insert(pair.other);
    }
    Ok(rows
        .into_iter()
        .map(|row| Recipient {
            subscriber_id: row.id,
            themes: themes_of.remove(&row.id).unwrap_or_default(),
            forums: row
                .user_id
                .and_then(|u| forums_of.get(&u).cloned())
                .unwrap_or_default(),
            email: row.email,
            language: row.language,
            link_salt: row.link_salt,
        })
        .collect())
}

/// An edition with its items, loaded once and shared by every message of a batch.
#[derive(Clone, Debug)]
pub struct EditionContent {
    pub edition: crate::entities::editions::Model,
    pub items: Vec<Item>,
    /// Every theme, with its names in the three languages: the headings items are grouped
    /// under.
    pub themes: Vec<crate::taxonomy::Theme>,
}

/// The day an edition is dated by: the day it went out once it was queued (an edition sent
/// ahead of its time is not titled for a later day), else the day it is due.
pub fn dated(edition: &crate::entities::editions::Model) -> time::OffsetDateTime {
    edition.queued_at.unwrap_or(edition.scheduled_for)
}

/// Items under one theme heading; `theme` is `None` for the items that have none ("Other").
pub struct Group<'a, T> {
    pub theme: Option<&'a crate::taxonomy::Theme>,
    pub items: Vec<&'a T>,
}

/// Items grouped by theme, themes in the order of their names in `lang`, the items without a
/// known theme last. An item with several themes appears once, under the first of them in
/// that order; within a group the items keep their order.
pub fn by_theme<'a, T>(
    themes: &'a [crate::taxonomy::Theme],
    items: impl IntoIterator<Item = &'a T>,
    themes_of: impl Fn(&T) -> &[i32],
    lang: &str,
) -> Vec<Group<'a, T>> {
    let mut ordered: Vec<&crate::taxonomy::Theme> = themes.iter().collect();
    crate::taxonomy::labels::sort_by_name(&mut ordered, |t| t.name(lang));
    let rank: HashMap<i32, usize> = ordered.iter().enumerate().map(|(n, t)| (t.id, n)).collect();
    let mut groups: Vec<Group<'a, T>> = ordered
        .iter()
        .map(|theme| Group {
            theme: Some(*theme),
            items: Vec::new(),
        })
        .chain(std::iter::once(Group {
            theme: None,
            items: Vec::new(),
        }))
        .collect();
    let other = groups.len() - 1;
    for item in items {
        let first = themes_of(item)
            .iter()
            .filter_map(|id| rank.get(id).copied())
            .min()
            .unwrap_or(other);
        groups[first].items.push(item);
    }
    groups.retain(|group| !group.items.is_empty());
    groups
}

/// Characters of a summary in a message.
const SUMMARY_CHARS: usize = 280;

#[derive(FromQueryResult)]
struct ItemRow {
    kind: String,
    item_id: i32,
}

#[derive(FromQueryResult)]
struct ContentRow {
    id: i32,
    title: String,
    body: Option<String>,
    forum_id: Option<i32>,
    theme_id: Option<i32>,
    language: String,
}

/// An edition and the items it still may carry, in its order. Whatever was composed into it
/// but has since been unpublished, retired, hidden, unfeatured or moved into an archived forum
/// is left out here, so it never goes out. `None` when there is no such edition.
pub async fn load(
    db: &impl ConnectionTrait,
    config: &crate::config::Config,
    edition_id: i32,
) -> Result<Option<EditionContent>, DbErr> {
    use sea_orm::EntityTrait;
    let Some(edition) = crate::entities::editions::Entity::find_by_id(edition_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let backend = db.get_database_backend();
    let rows = ItemRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT kind, item_id FROM edition_items WHERE edition_id = $1 ORDER BY position, kind, item_id",
        [edition_id.into()],
    ))
    .all(db)
    .await?;
    let mut wanted: HashMap<ItemKind, Vec<i32>> = HashMap::new();
    for row in &rows {
        if let Some(kind) = ItemKind::parse(&row.kind) {
            wanted.entry(kind).or_default().push(row.item_id);
        }
    }
    let mut found: HashMap<(ItemKind, i32), Item> = HashMap::new();
    for (kind, ids) in &wanted {
        for item in load_kind(db, config, *kind, ids).await? {
            found.insert((item.kind, item.id), item);
        }
    }
    let items = rows
        .iter()
        .filter_map(|row| {
            let kind = ItemKind::parse(&row.kind)?;
            found.remove(&(kind, row.item_id))
        })
        .collect();
    let themes = crate::entities::themes::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(crate::taxonomy::Theme::from)
        .collect();
    Ok(Some(EditionContent {
        edition,
        items,
        themes,
    }))
}

/// The items of one kind that may still go out, with their themes.
async fn load_kind(
    db: &impl ConnectionTrait,
    config: &crate::config::Config,
    kind: ItemKind,
    ids: &[i32],
) -> Result<Vec<Item>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let list = placeholders(1, ids.len());
    let values: Vec<sea_orm::Value> = ids.iter().map(|id| (*id).into()).collect();
    let (sql, themes_sql) = match kind {
        ItemKind::Learning => (
            format!(
                "SELECT id, title, description AS body, CAST(NULL AS INTEGER) AS forum_id, CAST(NULL AS INTEGER) AS theme_id, language
                 FROM learnings WHERE status = '{published}' AND id IN ({list})",
                published = LearningStatus::Published.as_str(),
            ),
            Some(format!(
                "SELECT learning_id AS owner, theme_id AS other FROM learning_themes
                 WHERE learning_id IN ({list})"
            )),
        ),
        ItemKind::Product => (
            format!(
                "SELECT id, title, summary AS body, CAST(NULL AS INTEGER) AS forum_id, CAST(NULL AS INTEGER) AS theme_id, language
                 FROM products WHERE status = '{published}' AND id IN ({list})",
                published = ProductStatus::Published.as_str(),
            ),
            Some(format!(
                "SELECT product_id AS owner, theme_id AS other FROM product_themes
                 WHERE product_id IN ({list})"
            )),
        ),
        // A thread's summary, or else its first visible post.
        ItemKind::Thread => (
            format!(
                "SELECT t.id, t.title,
                        COALESCE(t.summary_md, (SELECT p.body_md FROM posts p
                            WHERE p.thread_id = t.id AND p.status = 'published'
                              AND p.hidden_at IS NULL ORDER BY p.id LIMIT 1)) AS body,
                        t.forum_id, f.theme_id, t.language
                 FROM threads t JOIN forums f ON f.id = t.forum_id
                 WHERE t.hidden_at IS NULL AND t.featured_at IS NOT NULL
                   AND f.archived_at IS NULL AND t.id IN ({list})"
            ),
            None,
        ),
    };
    let rows =
        ContentRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values.clone()))
            .all(db)
            .await?;
    let mut themes_of: HashMap<i32, Vec<i32>> = HashMap::new();
    if let Some(themes_sql) = themes_sql {
        for pair in
            Pair::find_by_statement(Statement::from_sql_and_values(backend, themes_sql, values))
                .all(db)
                .await?
        {
            themes_of.entry(pair.owner).or_default().push(pair.other);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| Item {
            kind,
            id: row.id,
            summary: crate::markdown::summary::after_title(
                &row.title,
                row.body.as_deref().unwrap_or(""),
                SUMMARY_CHARS,
            ),
            url: config.absolute(&kind.path(row.id)),
            themes: match row.theme_id {
                Some(theme) => vec![theme],
                None => themes_of.remove(&row.id).unwrap_or_default(),
            },
            forum_id: row.forum_id,
            language: templates::i18n::supported(&row.language).to_owned(),
            title: row.title,
        })
        .collect())
}

/// The subject of an edition in a language: "Fora hebdo — 23 novembre 2026". It is made from
/// the frequency and the day it is dated by ([`dated`]) only, so it needs no column per
/// language.
pub fn subject_in(
    lang: &str,
    frequency: crate::entities::states::Frequency,
    day: time::OffsetDateTime,
) -> String {
    let lang = templates::i18n::supported(lang);
    let key = match frequency {
        crate::entities::states::Frequency::Monthly => "edition.subject_monthly",
        crate::entities::states::Frequency::Weekly => "edition.subject_weekly",
    };
    let date = templates::format::date(lang, &crate::web::dates::iso(day));
    templates::i18n::tf(lang, key, &[("date", &date)])
}

/// The introduction a reader of `lang` gets, as (Markdown, HTML): theirs, or the English one
/// when none was written in their language.
pub fn intro_in<'a>(
    edition: &'a crate::entities::editions::Model,
    lang: &str,
) -> (&'a str, &'a str) {
    let own = match templates::i18n::supported(lang) {
        "fr" => (edition.intro_md_fr.as_str(), edition.intro_html_fr.as_str()),
        "es" => (edition.intro_md_es.as_str(), edition.intro_html_es.as_str()),
        _ => ("", ""),
    };
    if own.0.trim().is_empty() {
        (&edition.intro_md, &edition.intro_html)
    } else {
        own
    }
}

/// The message one recipient gets for an edition, or `None` when nothing in it is for them.
/// An edition with an introduction but no item for this recipient is skipped too: an
/// introduction alone is not news, and the archive still has it. Built without touching the
/// database (it runs once per subscriber).
pub fn message_for(
    config: &crate::config::Config,
    secret: &crate::secret::ServerSecret,
    content: &EditionContent,
    recipient: &Recipient,
) -> Option<crate::mail::Email> {
    let items = items_for(&content.items, recipient);
    if items.is_empty() {
        return None;
    }
    Some(render_message(config, secret, content, recipient, &items))
}

/// The message for a recipient with the given items (possibly none: an admin's preview of an
/// empty edition).
pub fn render_message(
    config: &crate::config::Config,
    secret: &crate::secret::ServerSecret,
    content: &EditionContent,
    recipient: &Recipient,
    items: &[&Item],
) -> crate::mail::Email {
    use templates::newsletter_edition::{EditionMail, MailGroup, MailItem};
    let edition = &content.edition;
    // Subject, introduction and headings in the subscriber's language; items in their own.
    let lang = templates::i18n::supported(&recipient.language);
    let groups = by_theme(
        &content.themes,
        items.iter().copied(),
        |item: &Item| &item.themes,
        lang,
    )
    .into_iter()
    .map(|group| {
        let pick = |kind: ItemKind| -> Vec<MailItem<'_>> {
            group
                .items
                .iter()
                .filter(|item| item.kind == kind)
                .map(|item| MailItem {
                    title: &item.title,
                    summary: &item.summary,
                    url: &item.url,
                    language: &item.language,
                })
                .collect()
        };
        MailGroup {
            theme: group.theme.map(|theme| theme.name(lang)),
            learnings: pick(ItemKind::Learning),
            products: pick(ItemKind::Product),
            threads: pick(ItemKind::Thread),
        }
    })
    .collect();
    let token = crate::link_tokens::issue(
        secret,
        crate::link_tokens::Purpose::Newsletter,
        recipient.subscriber_id,
        &recipient.link_salt,
    );
    let unsubscribe_url = config.absolute(&paths::newsletter_unsubscribe(&token));
    let manage_url = config.absolute(&paths::newsletter_manage(&token));
    let archive_url = config.absolute(&paths::archived_edition(edition.id));
    let subject = subject_in(lang, edition.frequency, dated(edition));
    let (intro_md, intro_html) = intro_in(edition, lang);
    let rendered = templates::newsletter_edition::edition_email(
        lang,
        &EditionMail {
            subject: &subject,
            frequency: edition.frequency.as_str(),
            intro_md,
            intro_html,
            groups,
            archive_url: &archive_url,
            manage_url: &manage_url,
            unsubscribe_url: &unsubscribe_url,
        },
    );
    let domain = config.mail_domain();
    crate::mail::Email {
        to: recipient.email.clone(),
        to_name: None,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        message_id: Some(format!(
            "edition-{}.subscriber-{}@{}",
            edition.id, recipient.subscriber_id, domain
        )),
        automatic: None,
        reply_to: None,
        list: Some(crate::mail::ListHeaders {
            list_id: format!("Fora newsletter <newsletter.{domain}>"),
            unsubscribe_url,
            reply_to: config.newsletter.reply_to.clone(),
        }),
        tag: Some(crate::mail::verp::Tag {
            recipient: crate::mail::verp::Recipient::Subscriber(recipient.subscriber_id),
            sent: crate::mail::verp::Sent::Edition(edition.id),
        }),
    }
}
