//! Recommendations on the device: the server's latest list per placement kept for offline, and
//! when there is none, neighbours from the local catalog (same category, nearest price; for the
//! home, what the person viewed last leads).
use portal_api::{Placement, RecommendationList};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::{read_setting, write_setting, Cache},
    catalog::{rows::product_row, search::summary, ProductSummary},
    error::ClientResult,
};

/// A list as the screens show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RecommendationView {
    /// The server's list id (impressions and clicks name it); none for a list made on the device.
    #[ts(optional)]
    pub id: Option<Uuid>,
    pub algorithm: String,
    pub products: Vec<ProductSummary>,
    /// True when the server could not be asked (a kept list, or one made on the device).
    pub offline: bool,
}

/// Per person at every placement: a shared device never shows one person's list to the next.
fn key(placement: Placement, model: Option<&str>, user: Option<Uuid>) -> String {
    let user = user.map(|u| u.to_string()).unwrap_or_default();
    format!("recommendations.{}.{}{user}", placement.as_str(), model.unwrap_or(""))
}

/// Keeps the server's list for offline use, per person (and per product for a product page).
pub fn keep(cache: &Cache, user: Option<Uuid>, list: &RecommendationList, model: Option<&str>) -> ClientResult<()> {
    write_setting(
        &cache.conn,
        &key(list.placement, model, user),
        &serde_json::to_string(list).expect("lists serialise"),
    )
}

pub fn kept(
    cache: &Cache,
    user: Option<Uuid>,
    placement: Placement,
    model: Option<&str>,
) -> ClientResult<Option<RecommendationList>> {
    Ok(read_setting(&cache.conn, &key(placement, model, user))?.and_then(|s| serde_json::from_str(&s).ok()))
}

/// The products of `models` this device knows and may show (not withdrawn), in order.
pub fn summaries(cache: &Cache, models: &[String], exclude: Option<&str>) -> ClientResult<Vec<ProductSummary>> {
    let mut out = Vec::new();
    for m in models {
        if Some(m.as_str()) == exclude {
            continue;
        }
        if let Some((p, price, false)) = product_row(cache, m)? {
            out.push(summary(cache, &p, price, false)?);
        }
    }
    Ok(out)
}

/// Products like `model` from the local catalog: its category, nearest in price.
pub fn local_neighbours(cache: &Cache, model: &str, limit: usize) -> ClientResult<Vec<String>> {
    let mut stmt = cache.conn.prepare_cached(
        "SELECT o.model FROM products p JOIN products o ON o.top_category = p.top_category AND o.id <> p.id
         WHERE p.model = ?1 AND o.withdrawn = 0
         ORDER BY abs(o.price - p.price), o.model LIMIT ?2",
    )?;
    let models = stmt.query_map(params![model, limit as i64], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    Ok(models)
}

/// The home's list made on the device: neighbours of what the person viewed last, then what the
/// catalog marks hot.
pub fn local_home(cache: &Cache, viewed: &[String], limit: usize) -> ClientResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for m in viewed.iter().take(3) {
        for n in local_neighbours(cache, m, 4)? {
            if !out.contains(&n) && !viewed.contains(&n) {
                out.push(n);
            }
        }
    }
    let mut stmt = cache.conn.prepare_cached(
        "SELECT model FROM products WHERE withdrawn = 0 AND (tag_bits & 2) <> 0 ORDER BY released_at DESC, model LIMIT ?1",
    )?;
    for m in stmt.query_map([limit as i64], |r| r.get::<_, String>(0))? {
        let m = m?;
        if !out.contains(&m) && !viewed.contains(&m) {
            out.push(m);
        }
    }
    out.truncate(limit);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::catalog;

    #[test]
    fn offline_neighbours_share_the_category_nearest_in_price() {
        let (_dir, cache) = catalog();
        // The fixture's TVs: 65E8K at 8,999 and 75U7N at 6,999; a fridge and an AC.
        assert_eq!(local_neighbours(&cache, "65E8K", 5).unwrap(), ["75U7N"]);
        assert!(local_neighbours(&cache, "NOPE", 5).unwrap().is_empty());
        let home = local_home(&cache, &["65E8K".to_owned()], 5).unwrap();
        assert_eq!(home[0], "75U7N", "neighbours of what was viewed lead");
        assert!(!home.contains(&"65E8K".to_owned()), "never what was just viewed");
        assert!(home.len() > 1, "then what the catalog marks hot: {home:?}");
        let summaries = summaries(&cache, &home, None).unwrap();
        assert_eq!(summaries.len(), home.len());
    }

    #[test]
    fn a_kept_home_list_is_the_persons_own() {
        let (_dir, cache) = catalog();
        let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
        let list = RecommendationList {
            id: Uuid::now_v7(),
            placement: Placement::Home,
            algorithm: "popular".into(),
            arm: None,
            models: vec!["75U7N".into()],
        };
        keep(&cache, Some(me), &list, None).unwrap();
        assert_eq!(kept(&cache, Some(me), Placement::Home, None).unwrap(), Some(list));
        assert_eq!(kept(&cache, Some(other), Placement::Home, None).unwrap(), None);
    }
}
