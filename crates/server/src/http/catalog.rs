//! /v1/catalog (anyone; prices by role) and /v1/admin/catalog (administrators).

use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::MaybeCaller;
use crate::{
    auth::Caller,
    catalog::CatalogService,
    catalog::{csv_format, sync, validate},
    error::{AppError, AppResult},
};

/// A page of catalog changes after `cursor`. Distributor prices only for distributors and admins.
#[utoipa::path(get, path = endpoints::CatalogSync::PATH, tag = "catalog", params(SyncQuery),
    responses((status = 200, body = SyncPage)))]
pub async fn sync_page(
    State(catalog): State<CatalogService>,
    MaybeCaller(caller): MaybeCaller,
    ApiQuery(q): ApiQuery<SyncQuery>,
) -> AppResult<ApiJson<SyncPage>> {
    catalog.catalog_sync(caller.as_ref(), q.cursor.as_deref(), q.limit.unwrap_or(sync::DEFAULT_PAGE)).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::GetProduct::PATH, tag = "catalog",
    params(("model" = String, Path, description = "model number")),
    responses((status = 200, body = Product), (status = 404, body = ApiError)))]
pub async fn product(
    State(catalog): State<CatalogService>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath(model): ApiPath<String>,
) -> AppResult<ApiJson<Product>> {
    catalog.catalog_product(caller.as_ref(), &model).await.map(ApiJson)
}

/// One product with its revision, for the console's editor (withdrawn ones are not found).
#[utoipa::path(get, path = endpoints::AdminProduct::PATH, tag = "admin", security(("bearer" = [])),
    params(("model" = String, Path, description = "model number")),
    responses((status = 200, body = ProductRevision), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn admin_product(
    State(catalog): State<CatalogService>,
    caller: Caller,
    ApiPath(model): ApiPath<String>,
) -> AppResult<ApiJson<ProductRevision>> {
    catalog.admin_product(&caller, &model).await.map(ApiJson)
}

/// Create or replace one product (a new catalog version). With `revision`, only over the product
/// as it was read: 409 `stale_state` when someone changed it since.
#[utoipa::path(put, path = endpoints::PutProduct::PATH, tag = "admin", security(("bearer" = [])),
    params(("model" = String, Path, description = "model number"), RevisionQuery), request_body = Product,
    responses((status = 200, body = Product), (status = 403, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn put_product(
    State(catalog): State<CatalogService>,
    caller: Caller,
    ApiPath(model): ApiPath<String>,
    ApiQuery(q): ApiQuery<RevisionQuery>,
    ApiJson(product): ApiJson<Product>,
) -> AppResult<ApiJson<Product>> {
    catalog.put_product(&caller, &model, product, q.revision.as_deref()).await.map(ApiJson)
}

/// Withdraw a product: clients receive a tombstone. With `revision`, only the product as it was
/// read.
#[utoipa::path(delete, path = endpoints::WithdrawProduct::PATH, tag = "admin", security(("bearer" = [])),
    params(("model" = String, Path, description = "model number"), RevisionQuery),
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn withdraw_product(
    State(catalog): State<CatalogService>,
    caller: Caller,
    ApiPath(model): ApiPath<String>,
    ApiQuery(q): ApiQuery<RevisionQuery>,
) -> AppResult<StatusCode> {
    catalog.withdraw_product(&caller, &model, q.revision.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import a catalog: JSON (`application/json`, a CatalogDocument) or CSV (`text/csv`, products one
/// row per SKU). Validated as a whole; applied all-or-nothing. 422 with the report when refused.
#[utoipa::path(post, path = endpoints::ImportCatalog::PATH, tag = "admin", security(("bearer" = [])),
    request_body(content = CatalogDocument, description = "JSON document, or text/csv"),
    responses((status = 200, body = ImportReport), (status = 422, body = ImportRefusal), (status = 403, body = ApiError)))]
pub async fn import(
    State(catalog): State<CatalogService>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    caller.require(&[Role::Admin])?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let report = if content_type.starts_with("text/csv") {
        let text =
            std::str::from_utf8(&body).map_err(|_| AppError::new(ErrorCode::InvalidJson, "The CSV must be UTF-8."))?;
        let parsed = csv_format::read(text);
        if !parsed.problems.is_empty() {
            ImportReport {
                applied: false,
                categories: 0,
                products: parsed.products.len(),
                stores: 0,
                problems: parsed.problems,
            }
        } else {
            let (lines, sku_lines) = (parsed.lines, parsed.sku_lines);
            let row_of = move |_: &str, i: usize, sku: Option<usize>| match sku {
                Some(j) => sku_lines[i][j],
                None => lines[i],
            };
            let doc = CatalogDocument { products: parsed.products, ..Default::default() };
            catalog.import_catalog(&caller, doc, &row_of).await?
        }
    } else if content_type.starts_with("application/json") {
        let doc: CatalogDocument = serde_json::from_slice(&body)
            .map_err(|e| AppError::new(ErrorCode::InvalidJson, format!("The body is not a catalog document: {e}")))?;
        catalog.import_catalog(&caller, doc, &validate::json_rows).await?
    } else {
        return Err(AppError::new(ErrorCode::InvalidJson, "Send the catalog as application/json or text/csv."));
    };
    let status = if report.applied { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, ApiJson(report)).into_response())
}

#[utoipa::path(get, path = endpoints::ExportCatalog::PATH, tag = "admin", security(("bearer" = [])), params(ExportQuery),
    responses((status = 200, body = CatalogDocument), (status = 403, body = ApiError)))]
pub async fn export(
    State(catalog): State<CatalogService>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> AppResult<Response> {
    let doc = catalog.export_catalog(&caller).await?;
    Ok(match q.format.as_deref() {
        Some("csv") => {
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv_format::write(&doc.products)).into_response()
        }
        None | Some("json") => ApiJson(doc).into_response(),
        Some(_) => return Err(AppError::field(ErrorCode::InvalidJson, "format", "The format is json or csv.")),
    })
}

/// Catalog handlers take the product center from the server's state.
impl axum::extract::FromRef<std::sync::Arc<crate::portal::Portal>> for CatalogService {
    fn from_ref(portal: &std::sync::Arc<crate::portal::Portal>) -> Self {
        portal.catalog.clone()
    }
}
