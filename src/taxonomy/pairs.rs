//! The link tables of the library — a learning's or a product's themes and countries — read
//! and rewritten the same way: each is a set of (owner id, other id) pairs.

use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, DbErr, FromQueryResult, Statement, Value,
    sea_query::{Alias, Expr, ExprTrait, Order, Query},
};

/// An item with the ids of its themes and countries.
pub struct Tagged<T> {
    pub item: T,
    pub theme_ids: Vec<i32>,
    pub country_ids: Vec<i32>,
}

/// `rows` (in any order) with their themes and countries, in the order of `ids`; ids without a
/// row are left out.
pub async fn tag_in_order<T>(
    db: &impl ConnectionTrait,
    ids: &[i32],
    rows: Vec<T>,
    id_of: impl Fn(&T) -> i32,
    (themes, countries): (&Pairs, &Pairs),
) -> Result<Vec<Tagged<T>>, DbErr> {
    let mut rows: HashMap<i32, T> = rows.into_iter().map(|row| (id_of(&row), row)).collect();
    let mut theme_ids = themes.of_each(db, ids).await?;
    let mut country_ids = countries.of_each(db, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            Some(Tagged {
                item: rows.remove(id)?,
                theme_ids: theme_ids.remove(id).unwrap_or_default(),
                country_ids: country_ids.remove(id).unwrap_or_default(),
            })
        })
        .collect())
}

pub struct Pairs {
    table: &'static str,
    owner: &'static str,
    other: &'static str,
}

pub const LEARNING_THEMES: Pairs = Pairs {
    table: "learning_themes",
    owner: "learning_id",
    other: "theme_id",
};
pub const LEARNING_COUNTRIES: Pairs = Pairs {
    table: "learning_countries",
    owner: "learning_id",
    other: "country_id",
};
pub const PRODUCT_THEMES: Pairs = Pairs {
    table: "product_themes",
    owner: "product_id",
    other: "theme_id",
};
pub const PRODUCT_COUNTRIES: Pairs = Pairs {
    table: "product_countries",
    owner: "product_id",
    other: "country_id",
};

#[derive(FromQueryResult)]
struct Other {
    id: i32,
}

#[derive(FromQueryResult)]
struct Pair {
    owner_id: i32,
    other_id: i32,
}

impl Pairs {
    /// The ids linked to one owner, in ascending order.
    pub async fn of(&self, db: &impl ConnectionTrait, owner_id: i32) -> Result<Vec<i32>, DbErr> {
        let Pairs {
            table,
            owner,
            other,
        } = self;
        Ok(Other::find_by_statement(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!("SELECT {other} AS id FROM {table} WHERE {owner} = $1 ORDER BY {other}"),
            [owner_id.into()],
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect())
    }

    /// The ids linked to each of many owners (one statement), each list in ascending order;
    /// owners with none are absent.
    pub async fn of_each(
        &self,
        db: &impl ConnectionTrait,
        owner_ids: &[i32],
    ) -> Result<HashMap<i32, Vec<i32>>, DbErr> {
        let mut linked: HashMap<i32, Vec<i32>> = HashMap::new();
        if owner_ids.is_empty() {
            return Ok(linked);
        }
        let (owner, other) = (Alias::new(self.owner), Alias::new(self.other));
        let query = Query::select()
            .expr_as(Expr::col(owner.clone()), Alias::new("owner_id"))
            .expr_as(Expr::col(other.clone()), Alias::new("other_id"))
            .from(Alias::new(self.table))
            .and_where(Expr::col(owner.clone()).is_in(owner_ids.iter().copied()))
            .order_by(owner, Order::Asc)
            .order_by(other, Order::Asc)
            .to_owned();
        let statement = db.get_database_backend().build(&query);
        for pair in Pair::find_by_statement(statement).all(db).await? {
            linked.entry(pair.owner_id).or_default().push(pair.other_id);
        }
        Ok(linked)
    }

    /// Makes `ids` the exact set linked to the owner.
    pub async fn replace(
        &self,
        db: &impl ConnectionTrait,
        owner_id: i32,
        ids: &[i32],
    ) -> Result<(), DbErr> {
        let Pairs {
            table,
            owner,
            other,
        } = self;
        let backend = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM {table} WHERE {owner} = $1"),
            [owner_id.into()],
        ))
        .await?;
        if ids.is_empty() {
            return Ok(());
        }
        let mut values: Vec<Value> = vec![owner_id.into()];
        let rows: Vec<String> = ids
            .iter()
            .map(|id| {
                values.push((*id).into());
                format!("($1, ${})", values.len())
            })
            .collect();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO {table} ({owner}, {other}) VALUES {}",
                rows.join(", ")
            ),
            values,
        ))
        .await?;
        Ok(())
    }
}
