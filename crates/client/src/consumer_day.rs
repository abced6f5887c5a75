//! A consumer's home, from what this device already holds (offline too): the products they viewed
//! last, their favourites, the pre-sale products they follow with their launch dates, and the
//! stores nearest to them.
use portal_api::FavouriteKind;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::Cache,
    catalog::{search::summary, view::nearest_stores, view::product_row, ProductSummary, StoreDistance},
    error::ClientResult,
    favourites,
};

/// How many viewed products a device remembers per user.
pub const RECENTLY_VIEWED_KEPT: usize = 30;
/// How many of each list the home shows.
const SHOWN: usize = 8;
const NEAREST_STORES: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FollowedLaunch {
    pub product: ProductSummary,
    /// Unix seconds of the launch.
    pub launches_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConsumerDay {
    /// Newest first; products no longer in the local catalog are left out.
    pub recently_viewed: Vec<ProductSummary>,
    pub favourites: Vec<ProductSummary>,
    /// Soonest launch first; those already launched after the ones still to come.
    pub followed: Vec<FollowedLaunch>,
    pub nearest_stores: Vec<StoreDistance>,
}

/// Notes that `user` opened `model`, keeping only the newest views.
pub fn record_view(cache: &Cache, user: Uuid, model: &str, now: i64) -> ClientResult<()> {
    let user = user.to_string();
    cache.conn.execute(
        "INSERT INTO recently_viewed (user_id, model, viewed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, model) DO UPDATE SET viewed_at = max(viewed_at, ?3)",
        params![user, model, now],
    )?;
    cache.conn.execute(
        "DELETE FROM recently_viewed WHERE user_id = ?1 AND model NOT IN
           (SELECT model FROM recently_viewed WHERE user_id = ?1 ORDER BY viewed_at DESC, model LIMIT ?2)",
        params![user, RECENTLY_VIEWED_KEPT as i64],
    )?;
    Ok(())
}

fn recently_viewed(cache: &Cache, user: Uuid) -> ClientResult<Vec<ProductSummary>> {
    let models: Vec<String> = cache
        .conn
        .prepare_cached("SELECT model FROM recently_viewed WHERE user_id = ?1 ORDER BY viewed_at DESC, model")?
        .query_map([user.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for model in models {
        if let Some((p, price, withdrawn)) = product_row(cache, &model)? {
            if !withdrawn {
                out.push(summary(cache, &p, price, withdrawn)?);
            }
        }
        if out.len() == SHOWN {
            break;
        }
    }
    Ok(out)
}

/// The home's lists for `user`, with the stores nearest to (`latitude`, `longitude`).
pub fn consumer_day(cache: &Cache, user: Uuid, latitude: f64, longitude: f64, now: i64) -> ClientResult<ConsumerDay> {
    let marked = favourites::list(cache, user)?;
    let favourites: Vec<ProductSummary> = marked
        .iter()
        .filter(|f| f.kind == FavouriteKind::Favourite)
        .filter_map(|f| f.product.clone())
        .take(SHOWN)
        .collect();
    let mut followed = Vec::new();
    for f in marked.iter().filter(|f| f.kind == FavouriteKind::Follow) {
        if let Some((p, price, withdrawn)) = product_row(cache, &f.model)? {
            followed
                .push(FollowedLaunch { launches_at: p.released_at, product: summary(cache, &p, price, withdrawn)? });
        }
    }
    followed.sort_by_key(|f| (f.launches_at < now, if f.launches_at < now { -f.launches_at } else { f.launches_at }));
    followed.truncate(SHOWN);
    Ok(ConsumerDay {
        recently_viewed: recently_viewed(cache, user)?,
        favourites,
        followed,
        nearest_stores: nearest_stores(cache, latitude, longitude, None, NEAREST_STORES)?,
    })
}

#[cfg(test)]
mod tests {
    use portal_api::{Lifecycle, SyncItem};

    use super::*;
    use crate::catalog::{
        sync::apply_page,
        tests::{catalog, item, page, product, NOW},
    };

    fn models(list: &[ProductSummary]) -> Vec<&str> {
        list.iter().map(|p| p.model.as_str()).collect()
    }

    #[test]
    fn the_home_lists_views_newest_first_favourites_and_follows_by_launch() {
        let (_dir, mut cache) = catalog();
        let me = Uuid::now_v7();
        let someone_else = Uuid::now_v7();
        record_view(&cache, me, "65E8K", NOW - 30).unwrap();
        record_view(&cache, me, "75U7N", NOW - 20).unwrap();
        record_view(&cache, me, "65E8K", NOW - 10).unwrap();
        record_view(&cache, me, "NOT-SYNCED", NOW - 5).unwrap();
        record_view(&cache, someone_else, "KFR-35GW-A1", NOW).unwrap();
        let day = consumer_day(&cache, me, 31.2, 121.5, NOW).unwrap();
        assert_eq!(models(&day.recently_viewed), ["65E8K", "75U7N"], "newest first, unknown ones left out, mine only");

        // Two pre-sale products launching later, one launched already.
        let mut soon = product("SOON-1", "tv", "新品一", "New one", 1000_00, &[]);
        soon.lifecycle = Lifecycle::PreSale;
        soon.released_at = NOW + 86_400;
        let mut later = product("LATER-1", "tv", "新品二", "New two", 1000_00, &[]);
        later.lifecycle = Lifecycle::PreSale;
        later.released_at = NOW + 30 * 86_400;
        apply_page(&mut cache, &page(vec![item(later), item(soon)], "c1.e.9", false, false), "consumer", NOW).unwrap();
        for (model, kind) in [
            ("LATER-1", FavouriteKind::Follow),
            ("65E8K", FavouriteKind::Follow),
            ("SOON-1", FavouriteKind::Follow),
            ("BCD-540WKPZM", FavouriteKind::Favourite),
        ] {
            favourites::set(&mut cache, me, model, kind, true, NOW).unwrap();
        }
        let day = consumer_day(&cache, me, 31.2, 121.5, NOW).unwrap();
        assert_eq!(models(&day.favourites), ["BCD-540WKPZM"]);
        let followed: Vec<(&str, i64)> =
            day.followed.iter().map(|f| (f.product.model.as_str(), f.launches_at - NOW)).collect();
        assert_eq!(
            followed,
            [("SOON-1", 86_400), ("LATER-1", 30 * 86_400), ("65E8K", -8999_00)],
            "soonest first, launched last"
        );

        // Withdrawn products leave the viewed list.
        let gone = SyncItem::Product { version: 10, code: "65E8K".into(), data: None };
        apply_page(&mut cache, &page(vec![gone], "c1.e.10", false, false), "consumer", NOW).unwrap();
        assert_eq!(models(&consumer_day(&cache, me, 31.2, 121.5, NOW).unwrap().recently_viewed), ["75U7N"]);
    }

    #[test]
    fn a_device_keeps_the_newest_views_and_forgets_them_at_sign_out() {
        let (_dir, cache) = catalog();
        let me = Uuid::now_v7();
        for i in 0..(RECENTLY_VIEWED_KEPT as i64 + 5) {
            record_view(&cache, me, &format!("M-{i:03}"), NOW + i).unwrap();
        }
        let kept: i64 = cache.conn.query_row("SELECT COUNT(*) FROM recently_viewed", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, RECENTLY_VIEWED_KEPT as i64);
        let oldest: String = cache
            .conn
            .query_row("SELECT model FROM recently_viewed ORDER BY viewed_at LIMIT 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(oldest, "M-005");
        cache.clear_user_data().unwrap();
        let kept: i64 = cache.conn.query_row("SELECT COUNT(*) FROM recently_viewed", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 0);
    }
}
