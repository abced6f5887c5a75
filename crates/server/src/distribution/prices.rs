//! Dealers' price lists and order rules: entries by dealer, tier, region and list with validity
//! days, kept whole or refused whole (an overlap with a kept entry, or within the change, names
//! both); minimum order quantities and case packs by SKU. Administrators set any; a business
//! manager sets their own dealers' prices. A consumer or promoter never reads them.
use portal_api::*;
use portal_distribution::prices::{check_entry, resolve, Buyer, PackRule, PriceEntry, PriceScope};
use uuid::Uuid;

use super::{
    days::{day_of, day_text, today},
    DistributionService,
};
use crate::{
    auth::Caller,
    common::now,
    db::{ConflictsWith, PriceListChange},
    error::{AppError, AppResult},
};

/// The most entries one change holds.
const MAX_ENTRIES: usize = 5_000;

fn scope_of(kind: &str, key: &str) -> Option<PriceScope> {
    match kind {
        "dealer" => Uuid::parse_str(key.trim()).ok().map(PriceScope::Dealer),
        "tier" | "region" if !key.trim().is_empty() && key.chars().count() <= 40 => Some(if kind == "tier" {
            PriceScope::Tier(key.trim().to_owned())
        } else {
            PriceScope::Region(key.trim().to_owned())
        }),
        "list" => Some(PriceScope::List),
        _ => None,
    }
}

fn wire(entry: &PriceEntry) -> PriceListEntry {
    let (scope_kind, scope_key) = crate::db::scope_columns(&entry.scope);
    PriceListEntry {
        scope_kind: scope_kind.to_owned(),
        scope_key,
        sku: entry.sku.clone(),
        price: entry.price,
        floor: entry.floor,
        valid_from: day_text(entry.valid_from),
        valid_until: entry.valid_until.map(day_text),
    }
}

fn bad(index: usize, message: impl Into<String>) -> AppError {
    AppError::field(ErrorCode::InvalidParameter, &format!("entries[{index}]"), message)
}

impl DistributionService {
    /// May the caller set or read this scope's prices?
    async fn may_price(&self, caller: &Caller, scope: &PriceScope) -> AppResult<()> {
        match (caller.user.role, scope) {
            (Role::Admin, _) => Ok(()),
            (Role::BusinessManager, PriceScope::Dealer(dealer))
                if self.network.managed_dealers(caller.user.id).await?.contains(dealer) =>
            {
                Ok(())
            }
            _ => Err(AppError::forbidden()),
        }
    }

    pub async fn put_prices(&self, caller: &Caller, upload: PriceListUpload) -> AppResult<PriceListResult> {
        caller.require(&[Role::Admin, Role::BusinessManager])?;
        if upload.entries.is_empty() || upload.entries.len() > MAX_ENTRIES {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "entries",
                format!("1 to {MAX_ENTRIES} entries."),
            ));
        }
        let mut entries = Vec::with_capacity(upload.entries.len());
        for (i, e) in upload.entries.iter().enumerate() {
            let scope = scope_of(&e.scope_kind, &e.scope_key).ok_or_else(|| {
                bad(i, "A scope is `dealer` (with the dealer's id), `tier`, `region` (with a name) or `list`.")
            })?;
            self.may_price(caller, &scope).await?;
            let sku = e.sku.trim();
            if sku.is_empty() || sku.chars().count() > 64 {
                return Err(bad(i, "A SKU of 1 to 64 characters."));
            }
            let valid_from = day_of(&e.valid_from).ok_or_else(|| bad(i, "valid_from is a day written YYYY-MM-DD."))?;
            let valid_until = match &e.valid_until {
                Some(t) => Some(day_of(t).ok_or_else(|| bad(i, "valid_until is a day written YYYY-MM-DD."))?),
                None => None,
            };
            let entry =
                PriceEntry { scope, sku: sku.to_owned(), price: e.price, floor: e.floor, valid_from, valid_until };
            check_entry(&entry).map_err(|p| bad(i, p.to_string()))?;
            if caller.user.role == Role::BusinessManager {
                self.within_authority(i, &entry).await?;
            }
            entries.push(entry);
        }
        let change = PriceListChange { entries, by: caller.user.id, at: now() };
        match self.prices.put_price_entries(change).await? {
            Ok(kept) => Ok(PriceListResult { kept }),
            Err(conflicts) => {
                let first = &conflicts[0];
                let with = match &first.with {
                    ConflictsWith::Kept(kept) => format!(
                        "the kept entry from {} to {}",
                        day_text(kept.valid_from),
                        kept.valid_until.map_or("open-ended".into(), day_text)
                    ),
                    ConflictsWith::Sent(other) => format!("entries[{other}] of this change"),
                };
                let mut error = ApiError::new(
                    ErrorCode::PriceListOverlap,
                    format!(
                        "{} entries overlap; the first, entries[{}], overlaps {with}: nothing was kept.",
                        conflicts.len(),
                        first.index
                    ),
                )
                .with_field(&format!("entries[{}]", first.index));
                error.detail = Some(ErrorDetail { key: "overlap".into(), column: None, subject: Some(with) });
                Err(AppError(error))
            }
        }
    }

    /// A dealer as a buyer, and the price-list scopes that price them: their tier's, their
    /// region's and the list, and their own list when `own`.
    pub(super) async fn buyer(&self, dealer: Uuid, own: bool) -> AppResult<(Buyer, Vec<PriceScope>)> {
        let (found, links) = tokio::try_join!(self.dealer(dealer), async {
            Ok::<_, AppError>(self.network.dealer_links(dealer).await?)
        })?;
        let (region, tier) = (found.region, links.tier);
        let mut scopes = Vec::with_capacity(4);
        if own {
            scopes.push(PriceScope::Dealer(dealer));
        }
        scopes.extend(tier.clone().map(PriceScope::Tier));
        scopes.extend([PriceScope::Region(region.clone()), PriceScope::List]);
        Ok((Buyer { dealer, tier, region: Some(region) }, scopes))
    }

    /// A business manager prices their dealer no lower than the brand's floor for that dealer
    /// without it (its tier's, region's or the list's, on the entry's first day); below it, the
    /// order center sets the price.
    async fn within_authority(&self, index: usize, entry: &PriceEntry) -> AppResult<()> {
        let PriceScope::Dealer(dealer) = entry.scope else { return Ok(()) };
        let (buyer, scopes) = self.buyer(dealer, false).await?;
        let kept = self.prices.price_entries(scopes, vec![entry.sku.clone()], entry.valid_from).await?;
        let Some(brand) = resolve(&kept, &entry.sku, &buyer, entry.valid_from) else { return Ok(()) };
        let floor = brand.floor.unwrap_or(brand.price);
        if entry.price < floor || entry.floor.is_some_and(|f| f < floor) {
            return Err(AppError::field(
                ErrorCode::Forbidden,
                &format!("entries[{index}]"),
                format!(
                    "Below the brand's floor for this dealer ({}): beyond a business manager's authority, the order center sets it.",
                    super::yuan(floor)
                ),
            ));
        }
        Ok(())
    }

    pub async fn price_list(&self, caller: &Caller, query: PriceListQuery) -> AppResult<PriceListPage> {
        let scope = scope_of(&query.scope_kind, &query.scope_key)
            .ok_or_else(|| AppError::field(ErrorCode::InvalidParameter, "scope_kind", "An unknown scope."))?;
        self.may_price(caller, &scope).await?;
        let day = match &query.day {
            Some(t) => day_of(t)
                .ok_or_else(|| AppError::field(ErrorCode::InvalidParameter, "day", "A day written YYYY-MM-DD."))?,
            None => today(),
        };
        let entries = match &query.sku {
            Some(sku) => self.prices.price_entries(vec![scope], vec![sku.clone()], day).await?,
            None => self.prices.scope_entries(scope, day, 2_000).await?,
        };
        Ok(PriceListPage { entries: entries.iter().map(wire).collect() })
    }

    pub async fn put_order_rule(&self, caller: &Caller, sku: &str, rule: OrderRule) -> AppResult<OrderRule> {
        caller.require(&[Role::Admin])?;
        let sku = sku.trim();
        if sku.is_empty() || sku.chars().count() > 64 {
            return Err(AppError::field(ErrorCode::InvalidParameter, "sku", "A SKU of 1 to 64 characters."));
        }
        if !(1..=100_000).contains(&rule.min_order) || !(1..=10_000).contains(&rule.case_pack) {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "min_order",
                "A minimum of 1 to 100,000 units and a case pack of 1 to 10,000.",
            ));
        }
        self.orders
            .put_order_rule(sku.to_owned(), PackRule { min_order: rule.min_order, case_pack: rule.case_pack })
            .await?;
        Ok(rule)
    }
}
