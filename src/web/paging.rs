//! `?page=` as people type it, and pages of a listing.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QuerySelect, Select};

use super::query::read_lenient;

/// `?page=` as typed: anything that is not a positive number means the first page, and a page
/// past the end means the last one (see `clamp_page`).
pub fn page_number(raw: Option<&str>) -> u64 {
    raw.and_then(|p| p.trim().parse::<u64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// The page to show of `total` results (the one asked for, or the last one) and how many
/// pages there are: the search index pages with the same arithmetic.
pub use crate::search::page::clamp as clamp_page;

/// One page of a query's rows (the page asked for, or the last one), the page shown and how
/// many pages there are.
pub async fn page_of<E>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    requested: u64,
    per_page: u64,
) -> Result<(Vec<E::Model>, u64, u64), DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let counted = counted_page_of(db, select, requested, per_page).await?;
    Ok((counted.rows, counted.page, counted.pages))
}

/// A page of rows with where it stands in the whole listing.
pub struct CountedPage<M> {
    pub rows: Vec<M>,
    pub page: u64,
    pub pages: u64,
    /// Rows in the whole listing.
    pub total: u64,
}

impl<M> CountedPage<M> {
    /// One page of a listing already in memory (the page asked for, or the last one).
    pub fn of_all(all: Vec<M>, requested: u64, per_page: u64) -> CountedPage<M> {
        let total = all.len() as u64;
        let (page, pages) = clamp_page(requested, total, per_page);
        let rows = all
            .into_iter()
            .skip(((page - 1) * per_page) as usize)
            .take(per_page as usize)
            .collect();
        CountedPage {
            rows,
            page,
            pages,
            total,
        }
    }

    /// The same page with other rows in place of these (e.g. the records of these ids).
    pub fn with_rows<N>(self, rows: Vec<N>) -> CountedPage<N> {
        CountedPage {
            rows,
            page: self.page,
            pages: self.pages,
            total: self.total,
        }
    }
}

/// [`page_of`], also saying how many rows the whole listing holds.
pub async fn counted_page_of<E>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    requested: u64,
    per_page: u64,
) -> Result<CountedPage<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = select.clone().count(db).await?;
    let (page, pages) = clamp_page(requested, total, per_page);
    let rows = select
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok(CountedPage {
        rows,
        page,
        pages,
        total,
    })
}

/// A listing's query string when `page` is all it reads.
#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> u64 {
        page_number(self.page.as_deref())
    }
}

/// `page` out of a whole raw query string, leniently: anything else in it is ignored.
pub fn page_from_query(raw_query: Option<&str>) -> u64 {
    let mut page = 1;
    read_lenient(raw_query, 12, |name, value| {
        if name == "page" {
            page = page_number(Some(&value));
            true
        } else {
            false
        }
    });
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anything_but_a_positive_number_is_the_first_page() {
        for raw in [
            None,
            Some(""),
            Some("0"),
            Some("-3"),
            Some("x"),
            Some("99999999999999999999999"),
        ] {
            assert_eq!(page_number(raw), 1, "{raw:?}");
        }
        assert_eq!(page_number(Some(" 7 ")), 7);
    }

    #[test]
    fn pages_past_the_end_show_the_last() {
        assert_eq!(clamp_page(9, 45, 20), (3, 3));
        assert_eq!(clamp_page(1, 0, 20), (1, 1));
    }

    #[test]
    fn a_listing_in_memory_pages_like_a_query() {
        let last = CountedPage::of_all((1..=45).collect(), 9, 20);
        assert_eq!(
            (last.rows, last.page, last.pages, last.total),
            ((41..=45).collect(), 3, 3, 45)
        );
        let empty = CountedPage::<u8>::of_all(Vec::new(), 2, 20);
        assert_eq!(
            (empty.rows.len(), empty.page, empty.pages, empty.total),
            (0, 1, 1, 0)
        );
        let named = CountedPage::of_all(vec![7, 8], 1, 20).with_rows(vec!["seven", "eight"]);
        assert_eq!((named.rows, named.total), (vec!["seven", "eight"], 2));
    }

    #[test]
    fn the_page_is_found_among_other_parameters() {
        assert_eq!(page_from_query(Some("x=1&page=4")), 4);
        assert_eq!(page_from_query(Some("page=zero")), 1);
        assert_eq!(page_from_query(None), 1);
    }
}
