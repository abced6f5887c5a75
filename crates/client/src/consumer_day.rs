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
    catalog::{rows::product_row, search::summary, view::nearest_stores, ProductSummary, StoreDistance},
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

/// Notes that `user` opened `model`, keeping only the newest views. The order is the order of
/// the views on this device (a new row each time), not the clock's, which can jump.
pub fn record_view(cache: &mut Cache, user: Uuid, model: &str) -> ClientResult<()> {
    let user = user.to_string();
    let tx = cache.conn.transaction()?;
    tx.execute("DELETE FROM recently_viewed WHERE user_id = ?1 AND model = ?2", params![user, model])?;
    tx.execute(
        "INSERT INTO recently_viewed (user_id, model, seq)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM recently_viewed))",
        params![user, model],
    )?;
    tx.execute(
        "DELETE FROM recently_viewed WHERE user_id = ?1 AND model NOT IN
           (SELECT model FROM recently_viewed WHERE user_id = ?1 ORDER BY seq DESC LIMIT ?2)",
        params![user, RECENTLY_VIEWED_KEPT as i64],
    )?;
    tx.commit()?;
    Ok(())
}

/// The models `user` viewed on this device, newest first.
pub fn recent_models(cache: &Cache, user: Uuid) -> ClientResult<Vec<String>> {
    Ok(cache
        .conn
        .prepare_cached("SELECT model FROM recently_viewed WHERE user_id = ?1 ORDER BY seq DESC")?
        .query_map([user.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

fn recently_viewed(cache: &Cache, user: Uuid) -> ClientResult<Vec<ProductSummary>> {
    let mut out = Vec::new();
    for model in recent_models(cache, user)? {
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
        // A withdrawn product will not launch: it leaves the list (favourites show it marked).
        if let Some((p, price, false)) = product_row(cache, &f.model)? {
            followed.push(FollowedLaunch { launches_at: p.released_at, product: summary(cache, &p, price, false)? });
        }
    }
    // Launches to come, soonest first; then those past, latest first.
    followed.sort_by(|a, b| {
        let (a_past, b_past) = (a.launches_at < now, b.launches_at < now);
        a_past.cmp(&b_past).then_with(|| {
            if a_past {
                b.launches_at.cmp(&a.launches_at)
            } else {
                a.launches_at.cmp(&b.launches_at)
            }
        })
    });
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
        record_view(&mut cache, me, "65E8K").unwrap();
        record_view(&mut cache, me, "75U7N").unwrap();
        record_view(&mut cache, me, "65E8K").unwrap();
        record_view(&mut cache, me, "NOT-SYNCED").unwrap();
        record_view(&mut cache, someone_else, "KFR-35GW-A1").unwrap();
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

        // Withdrawn products leave the viewed and followed lists.
        let gone = SyncItem::Product { version: 10, code: "65E8K".into(), data: None };
        apply_page(&mut cache, &page(vec![gone], "c1.e.10", false, false), "consumer", NOW).unwrap();
        let day = consumer_day(&cache, me, 31.2, 121.5, NOW).unwrap();
        assert_eq!(models(&day.recently_viewed), ["75U7N"]);
        assert!(day.followed.iter().all(|f| f.product.model != "65E8K"));
    }

    #[test]
    fn a_device_keeps_the_newest_views_and_forgets_them_at_sign_out() {
        let (_dir, mut cache) = catalog();
        let me = Uuid::now_v7();
        for i in 0..(RECENTLY_VIEWED_KEPT + 5) {
            record_view(&mut cache, me, &format!("M-{i:03}")).unwrap();
        }
        let kept: i64 = cache.conn.query_row("SELECT COUNT(*) FROM recently_viewed", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, RECENTLY_VIEWED_KEPT as i64);
        let oldest: String =
            cache.conn.query_row("SELECT model FROM recently_viewed ORDER BY seq LIMIT 1", [], |r| r.get(0)).unwrap();
        assert_eq!(oldest, "M-005");
        cache.clear_user_data().unwrap();
        let kept: i64 = cache.conn.query_row("SELECT COUNT(*) FROM recently_viewed", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 0);
    }
}
