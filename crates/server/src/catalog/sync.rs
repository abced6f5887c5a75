//! Delta sync: pages of the catalog's change log after a cursor, with prices by role.
use portal_api::*;

use super::CatalogService;
use crate::{
    auth::Caller,
    db::{CatalogKind, CatalogRow},
    error::{AppError, AppResult},
};

pub const DEFAULT_PAGE: u32 = 500;
pub const MAX_PAGE: u32 = 5000;

/// A cursor is `c1.<epoch>.<version>`: opaque to clients.
fn encode(epoch: &str, version: i64) -> String {
    format!("c1.{epoch}.{version}")
}

fn decode(cursor: &str) -> Option<(&str, i64)> {
    let mut parts = cursor.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("c1"), Some(epoch), Some(version), None) => Some((epoch, version.parse().ok()?)),
        _ => None,
    }
}

/// Whether the caller may see distributor prices.
pub fn sees_distributor_prices(caller: Option<&Caller>) -> bool {
    caller.is_some_and(|c| matches!(c.user.role, Role::Distributor | Role::BusinessManager | Role::Admin))
}

pub fn shape_product(mut product: Product, distributor_prices: bool) -> Product {
    if !distributor_prices {
        for sku in &mut product.skus {
            sku.distributor_price = None;
        }
    }
    product
}

fn item(row: CatalogRow, distributor_prices: bool) -> AppResult<SyncItem> {
    let bad = |e: serde_json::Error| {
        tracing::error!(code = %row.code, error = %e, "unreadable catalog document");
        AppError::internal()
    };
    let (version, code) = (row.version, row.code.clone());
    let body = row.body.as_deref();
    Ok(match row.kind {
        CatalogKind::Category => {
            SyncItem::Category { version, code, data: body.map(serde_json::from_str).transpose().map_err(bad)? }
        }
        CatalogKind::Product => SyncItem::Product {
            version,
            code,
            data: body
                .map(serde_json::from_str::<Product>)
                .transpose()
                .map_err(bad)?
                .map(|p| shape_product(p, distributor_prices)),
        },
        CatalogKind::Store => {
            SyncItem::Store { version, code, data: body.map(serde_json::from_str).transpose().map_err(bad)? }
        }
        CatalogKind::Image => {
            SyncItem::Image { version, code, data: body.map(serde_json::from_str).transpose().map_err(bad)? }
        }
    })
}

impl CatalogService {
    /// The page after `cursor`. No cursor, or one this catalog did not issue (another epoch, a
    /// version from the future, garbage), starts over from the beginning with `reset`.
    pub async fn catalog_sync(&self, caller: Option<&Caller>, cursor: Option<&str>, limit: u32) -> AppResult<SyncPage> {
        let limit = limit.clamp(1, MAX_PAGE);
        let requested = cursor.and_then(decode);
        let after = requested.map(|(_, v)| v).unwrap_or(0);
        let mut changes = self.documents.catalog_changes(after, limit + 1).await?;
        let known = matches!(requested, Some((epoch, v)) if epoch == changes.epoch && v <= changes.last_version);
        let reset = !known;
        if reset && after != 0 {
            changes = self.documents.catalog_changes(0, limit + 1).await?;
        }
        let has_more = changes.rows.len() > limit as usize;
        changes.rows.truncate(limit as usize);
        let next = changes.rows.last().map(|r| r.version).unwrap_or(if reset { 0 } else { after });
        let distributor_prices = sees_distributor_prices(caller);
        let items = changes.rows.into_iter().map(|row| item(row, distributor_prices)).collect::<AppResult<Vec<_>>>()?;
        let in_stock = if has_more { None } else { Some(self.stock.skus_in_stock().await?) };
        Ok(SyncPage { cursor: encode(&changes.epoch, next), items, has_more, reset, in_stock })
    }

    /// Every product of the catalog, as stored (training, planting demo behaviour, evaluating).
    pub async fn catalog_products(&self) -> AppResult<Vec<Product>> {
        Ok(self
            .documents
            .catalog_all(CatalogKind::Product)
            .await?
            .iter()
            .filter_map(|body| serde_json::from_str(body).ok())
            .collect())
    }

    pub async fn catalog_product(&self, caller: Option<&Caller>, model: &str) -> AppResult<Product> {
        let body = self
            .documents
            .catalog_get(CatalogKind::Product, model)
            .await?
            .ok_or_else(|| AppError::not_found("product"))?;
        let product: Product = serde_json::from_str(&body).map_err(|_| AppError::internal())?;
        Ok(shape_product(product, sees_distributor_prices(caller)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_unknown() {
        assert_eq!(decode(&encode("ab12", 42)), Some(("ab12", 42)));
        assert_eq!(decode("c1.ab12"), None);
        assert_eq!(decode("c2.ab12.1"), None);
        assert_eq!(decode("c1.ab12.x"), None);
    }
}
