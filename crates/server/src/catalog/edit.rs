//! Administrators change the catalog: whole imports (JSON or CSV, all-or-nothing), single product
//! edits, withdrawals, and exports. Every change takes a new catalog version.
use portal_api::*;

use super::validate::{self, RowOf};
use super::CatalogService;
use crate::{
    auth::Caller,
    db::{CatalogKind, CatalogWrite},
    error::{AppError, AppResult},
};

fn write<T: serde::Serialize>(kind: CatalogKind, code: &str, value: &T) -> CatalogWrite {
    CatalogWrite {
        kind,
        code: code.to_owned(),
        body: Some(serde_json::to_string(value).expect("catalog types serialise")),
    }
}

/// A stored document's revision: the start of its SHA-256, in hex.
fn revision_of(body: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(body.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}

impl CatalogService {
    /// Every live document of one kind, parsed.
    async fn catalog_documents<T: serde::de::DeserializeOwned>(&self, kind: CatalogKind) -> AppResult<Vec<T>> {
        self.documents
            .catalog_all(kind)
            .await?
            .iter()
            .map(|body| serde_json::from_str(body).map_err(|_| AppError::internal()))
            .collect()
    }

    pub async fn catalog_categories(&self) -> AppResult<Vec<Category>> {
        self.catalog_documents(CatalogKind::Category).await
    }

    /// Validates the whole document; applies it in one transaction only when nothing is wrong.
    pub async fn import_catalog(
        &self,
        caller: &Caller,
        doc: CatalogDocument,
        row_of: RowOf<'_>,
    ) -> AppResult<ImportReport> {
        caller.require(&[Role::Admin])?;
        let existing = self.catalog_categories().await?;
        let problems = validate::check(&doc, &existing, row_of);
        let mut report = ImportReport {
            applied: false,
            categories: doc.categories.len(),
            products: doc.products.len(),
            stores: doc.stores.len(),
            problems,
        };
        if !report.problems.is_empty() {
            return Ok(report);
        }
        self.apply_document(doc).await?;
        report.applied = true;
        Ok(report)
    }

    /// Writes a validated document (used by imports and by the demo generator).
    pub async fn apply_document(&self, doc: CatalogDocument) -> AppResult<usize> {
        let mut writes = Vec::with_capacity(doc.categories.len() + doc.products.len() + doc.stores.len());
        writes.extend(doc.categories.iter().map(|c| write(CatalogKind::Category, &c.code, c)));
        writes.extend(doc.products.iter().map(|p| write(CatalogKind::Product, &p.model, p)));
        writes.extend(doc.stores.iter().map(|s| write(CatalogKind::Store, &s.code, s)));
        Ok(self.documents.catalog_write(writes).await?)
    }

    pub async fn write_images(&self, images: &[CatalogImage]) -> AppResult<usize> {
        Ok(self.documents.catalog_write(images.iter().map(|i| write(CatalogKind::Image, &i.id, i)).collect()).await?)
    }

    /// One product with its revision, for the console's editor.
    pub async fn admin_product(&self, caller: &Caller, model: &str) -> AppResult<ProductRevision> {
        caller.require(&[Role::Admin])?;
        let body = self
            .documents
            .catalog_get(CatalogKind::Product, model)
            .await?
            .ok_or_else(|| AppError::not_found("product"))?;
        let product = serde_json::from_str(&body).map_err(|_| AppError::internal())?;
        Ok(ProductRevision { product, revision: revision_of(&body) })
    }

    /// Creates or replaces one product. With `revision`, only over the product as it was read.
    pub async fn put_product(
        &self,
        caller: &Caller,
        model: &str,
        product: Product,
        revision: Option<&str>,
    ) -> AppResult<Product> {
        caller.require(&[Role::Admin])?;
        if product.model != model {
            return Err(AppError::field(
                ErrorCode::InvalidJson,
                "model",
                "The model number in the body differs from the address.",
            ));
        }
        let doc = CatalogDocument { products: vec![product.clone()], ..Default::default() };
        let problems = validate::check(&doc, &self.catalog_categories().await?, &validate::json_rows);
        if let Some(first) = problems.first() {
            return Err(AppError::field(ErrorCode::InvalidCatalog, &first.field, first.message.clone()));
        }
        match revision {
            None => {
                self.apply_document(doc).await?;
            }
            Some(revision) => self.replace(write(CatalogKind::Product, model, &product), model, revision).await?,
        }
        Ok(product)
    }

    /// Withdraws a product: a tombstone every client applies at its next sync. With `revision`,
    /// only the product as it was read.
    pub async fn withdraw_product(&self, caller: &Caller, model: &str, revision: Option<&str>) -> AppResult<()> {
        caller.require(&[Role::Admin])?;
        let tombstone = CatalogWrite { kind: CatalogKind::Product, code: model.to_owned(), body: None };
        match revision {
            None => {
                if self.documents.catalog_get(CatalogKind::Product, model).await?.is_none() {
                    return Err(AppError::not_found("product"));
                }
                self.documents.catalog_write(vec![tombstone]).await?;
            }
            Some(revision) => self.replace(tombstone, model, revision).await?,
        }
        Ok(())
    }

    /// Writes `change` only over the body whose revision is `revision`, checked again in the
    /// write's transaction.
    async fn replace(&self, change: CatalogWrite, model: &str, revision: &str) -> AppResult<()> {
        let stale = || {
            AppError::new(
                ErrorCode::StaleState,
                "Someone changed this product since you opened it. Open it again to see their change, then make yours.",
            )
        };
        let Some(live) = self.documents.catalog_get(CatalogKind::Product, model).await? else {
            // Withdrawn (or never there): a withdrawal has nothing left to do; a save is stale.
            return match change.body {
                None => Err(AppError::not_found("product")),
                Some(_) => Err(AppError::new(
                    ErrorCode::StaleState,
                    "Someone withdrew this product since you opened it. Import it again to bring it back.",
                )),
            };
        };
        // The same save again (its answer lost on the way): it landed already.
        if change.body.as_deref() == Some(live.as_str()) {
            return Ok(());
        }
        if revision_of(&live) != revision {
            return Err(stale());
        }
        if !self.documents.catalog_replace(change, Some(live)).await? {
            return Err(stale());
        }
        Ok(())
    }

    pub async fn export_catalog(&self, caller: &Caller) -> AppResult<CatalogDocument> {
        caller.require(&[Role::Admin])?;
        Ok(CatalogDocument {
            categories: self.catalog_categories().await?,
            products: self.catalog_documents(CatalogKind::Product).await?,
            stores: self.catalog_documents(CatalogKind::Store).await?,
        })
    }
}
