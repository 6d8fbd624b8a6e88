//! One Atom builder for every feed: what a channel and its entries show, made safe for XML.

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
};
use templates::i18n::{t, tf};
use time::OffsetDateTime;

use crate::{
    learnings::search::Notice,
    taxonomy::Taxonomy,
    web::{AppError, dates::iso, paths},
};

pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// Characters XML 1.0 cannot carry at all, escaped or not: they would make the feed invalid.
fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|c| {
            matches!(*c, '\t' | '\n' | '\r')
                || (!c.is_control() && !matches!(*c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .collect()
}

pub fn timestamp(ts: OffsetDateTime) -> FixedDateTime {
    FixedDateTime::parse_from_rfc3339(&iso(ts)).unwrap_or_default()
}

pub fn date_stamp(date: time::Date) -> FixedDateTime {
    timestamp(date.midnight().assume_utc())
}

fn link(href: String, rel: &str, mime_type: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.to_string(),
        mime_type: mime_type.map(str::to_string),
        ..Default::default()
    }
}

/// A category of an entry: its code, the address that lists its items, its label.
pub fn category(term: &str, scheme: String, label: &str) -> Category {
    Category {
        term: xml_safe(term),
        scheme: Some(scheme),
        label: Some(xml_safe(label)),
    }
}

/// The themes as categories, labelled in the feed's language.
pub fn theme_categories<'a>(
    theme_ids: &'a [i32],
    taxonomy: &'a Taxonomy,
    base: &'a str,
    lang: &'a str,
) -> impl Iterator<Item = Category> + 'a {
    theme_ids.iter().filter_map(move |id| {
        let theme = taxonomy.theme(*id)?;
        Some(category(
            &theme.slug,
            format!("{base}{}/", paths::THEMES),
            theme.name(lang),
        ))
    })
}

pub fn with_query(base: &str, query: &str) -> String {
    if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{query}")
    }
}

/// A feed whose filter names nothing Fora knows, or whose text only excludes words, would
/// silently follow everything instead: say so rather than serve the wrong feed.
pub fn refuse_unknown(notices: &[Notice]) -> Result<(), AppError> {
    for notice in notices {
        match notice {
            Notice::UnknownFilter(..) => return Err(AppError::BadRequest("feed.unknown_filter")),
            Notice::OnlyExclusions => return Err(AppError::BadRequest("feed.only_exclusions")),
            Notice::Shortened | Notice::BadSort => {}
        }
    }
    Ok(())
}

/// The title of a filtered feed: "Learnings: Agriculture, Kenya".
pub fn filtered_title(lang: &str, key: &str, labels: &[String]) -> String {
    if labels.is_empty() {
        t(lang, key).into_owned()
    } else {
        tf(
            lang,
            "feed.filtered",
            &[("feed", &t(lang, key)), ("filters", &labels.join(", "))],
        )
    }
}

/// What a feed is: its title, the address it is read at and the page it follows, its entries.
pub struct Channel {
    pub lang: &'static str,
    pub title: String,
    pub subtitle: String,
    /// The feed's own absolute address (also its id).
    pub self_href: String,
    /// The page that shows the same items.
    pub alternate: String,
    pub entries: Vec<Entry>,
}

impl Channel {
    /// The Atom document; `site` is the absolute address of the site's home.
    pub fn write(self, site: String) -> anyhow::Result<Vec<u8>> {
        let updated = self
            .entries
            .iter()
            .map(|e| e.updated)
            .max()
            .unwrap_or_else(|| timestamp(OffsetDateTime::now_utc()));
        let feed = Feed {
            title: Text::plain(xml_safe(&self.title)),
            subtitle: Some(Text::plain(self.subtitle)),
            updated,
            id: self.self_href.clone(),
            lang: Some(self.lang.to_string()),
            authors: vec![Person {
                name: "Fora".into(),
                uri: Some(site),
                ..Default::default()
            }],
            generator: Some(Generator {
                value: "Fora".into(),
                ..Default::default()
            }),
            links: vec![
                link(self.self_href, "self", Some("application/atom+xml")),
                link(self.alternate, "alternate", Some("text/html")),
            ],
            entries: self.entries,
            ..Default::default()
        };
        feed.write_to(Vec::new())
            .map_err(|err| anyhow::anyhow!("cannot write a feed: {err}"))
    }
}

/// What an entry shows of a learning or a product.
pub struct Item<'a> {
    pub url: String,
    pub title: &'a str,
    pub updated: FixedDateTime,
    pub published: Option<FixedDateTime>,
    pub author: Option<&'a String>,
    pub categories: Vec<Category>,
    /// The item's own link elsewhere (a report, a publication); empty for none.
    pub related: &'a str,
    pub summary: Option<String>,
    pub content_html: &'a str,
    pub language: &'a str,
}

impl Item<'_> {
    pub fn entry(self) -> Entry {
        let mut links = vec![link(self.url.clone(), "alternate", Some("text/html"))];
        if !self.related.is_empty() {
            links.push(link(xml_safe(self.related), "related", None));
        }
        Entry {
            title: Text::plain(xml_safe(self.title)),
            id: self.url,
            updated: self.updated,
            published: self.published,
            authors: self
                .author
                .map(|name| Person {
                    name: xml_safe(name),
                    ..Default::default()
                })
                .into_iter()
                .collect(),
            categories: self.categories,
            links,
            summary: self.summary.map(|summary| Text::plain(xml_safe(&summary))),
            content: Some(Content {
                value: Some(xml_safe(self.content_html)),
                content_type: Some("html".into()),
                lang: Some(self.language.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_safe_drops_what_xml_cannot_hold() {
        assert_eq!(
            xml_safe("a\u{0}b\u{1b}c\nd\u{FFFF}\u{E000}"),
            "abc\nd\u{E000}"
        );
    }

    #[test]
    fn timestamps_convert() {
        let ts = time::macros::datetime!(2026-11-23 10:20:30.123456 UTC);
        assert_eq!(
            timestamp(ts).to_rfc3339(),
            "2026-11-23T10:20:30.123456+00:00"
        );
    }
}
