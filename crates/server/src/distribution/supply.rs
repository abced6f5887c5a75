//! What a dealer's stores hold and sold (分销管理), from the point-of-sale ledger: the dealer, their
//! business manager and the order center read it; per store, SKUs by weeks of cover.
use portal_api::*;
use portal_distribution::supply;
use uuid::Uuid;

use super::{
    days::{day_text, today},
    DistributionService,
};
use crate::{auth::Caller, error::AppResult};

/// The weeks whose sales set the pace.
const WEEKS: i64 = 4;
/// The most stores one report reads.
const MAX_STORES: usize = 50;

impl DistributionService {
    pub async fn supply(&self, caller: &Caller, dealer: Uuid) -> AppResult<SupplyReport> {
        self.standing(caller, dealer).await?;
        let stores = self.network.supplied_stores(dealer).await?;
        let yesterday = today() - 1;
        let (first, last) = (day_text(yesterday - (WEEKS as i32) * 7 + 1), day_text(yesterday));
        let mut report = SupplyReport { weeks: WEEKS as u32, stores: Vec::new() };
        for store in stores.into_iter().take(MAX_STORES) {
            let on_hand = self.ledger.store_on_hand(store.id).await?;
            let sold = self.ledger.store_sold(store.id, first.clone(), last.clone()).await?;
            report.stores.push(SupplyStore { store, lines: supply::lines(&on_hand, &sold, WEEKS) });
        }
        Ok(report)
    }
}
