//! The HTTP API: routes and their OpenAPI document come from the same declarations.
mod allocation;
mod approvals;
mod auth;
mod campaigns;
mod catalog;
mod console;
mod customers;
mod devices;
mod distribution;
mod extract;
mod funds;
mod live;
mod marketing;
mod me;
mod org;
mod rebates;
mod store_ops;
mod system;
mod triggers;

use std::sync::Arc;

use axum::{extract::DefaultBodyLimit, routing::get, Json, Router};
use portal_api::ErrorCode;
use tower_http::trace::TraceLayer;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{error::AppError, portal::Portal};

#[derive(OpenApi)]
#[openapi(
    info(title = "Unified brand portal API", description = "The portal server: unified user center and role homes."),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "catalog"), (name = "me"), (name = "store"), (name = "dealer"), (name = "marketing"), (name = "campaigns"), (name = "admin"), (name = "system"), (name = "dev"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The answers any operation can give besides its own: a malformed parameter or body, a missing
/// or expired token where one is needed, a body too large, a storage failure. Listed on every
/// operation so that the document says every status a client may see.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{path::Operation, Ref, RefOr, ResponseBuilder};
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiError"))).build(),
                    )
                    .build(),
            )
        };
        let add = |op: &mut Operation| {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let has_body = op.request_body.is_some();
            let mut wanted = vec![("500", "A storage or server failure.")];
            if secured {
                wanted.push(("401", "Not signed in, the token expired, or the session was revoked."));
                wanted.push(("403", "The account's role or scope does not allow this."));
            }
            if has_params {
                wanted.push(("400", "A path or query parameter is malformed."));
            }
            let names_a_thing = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter().any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path))
            });
            if names_a_thing {
                wanted.push(("404", "What the path names does not exist."));
            }
            if has_body {
                wanted.push(("413", "The body is too large."));
                wanted.push(("422", "The body is not valid JSON or lacks fields."));
            }
            for (status, description) in wanted {
                op.responses.responses.entry(status.to_owned()).or_insert_with(|| error(description));
            }
        };
        for item in openapi.paths.paths.values_mut() {
            for op in
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
            {
                add(op);
            }
        }
    }
}

/// Catalog imports are whole catalogs: far larger than any other request.
const IMPORT_MAX_BYTES: usize = 256 * 1024 * 1024;
/// A device's batch of store operations (up to 500, a sale being a kilobyte or two).
const STORE_OPS_MAX_BYTES: usize = 8 * 1024 * 1024;
/// An imported list: 100,000 phone numbers with a few other columns each.
const AUDIENCE_LIST_MAX_BYTES: usize = 8 * 1024 * 1024;
/// A batch of behaviour events: 500 events of well under 2 KB each.
const EVENTS_MAX_BYTES: usize = 1024 * 1024;

/// The routes and the OpenAPI document describing exactly them.
pub fn routes() -> (Router<Arc<Portal>>, utoipa::openapi::OpenApi) {
    let parts = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::health))
        .routes(routes!(system::ready))
        .routes(routes!(system::outbox))
        .routes(routes!(auth::send_code))
        .routes(routes!(auth::sign_up))
        .routes(routes!(auth::sign_in_code))
        .routes(routes!(auth::sign_in_password))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::sign_out))
        .routes(routes!(auth::revoke))
        .routes(routes!(me::get_profile, me::update_profile))
        .routes(routes!(me::set_password))
        .routes(routes!(me::link_identity))
        .routes(routes!(me::list_sessions))
        .routes(routes!(me::revoke_session))
        .routes(routes!(me::list_favourites))
        .routes(routes!(me::favourite_ops))
        .routes(routes!(marketing::get_consent, marketing::set_consent))
        .routes(routes!(marketing::history, marketing::delete_history))
        .routes(routes!(marketing::recommendations))
        .routes(routes!(marketing::checkout_offer))
        .routes(routes!(marketing::report))
        .routes(routes!(marketing::start_experiment, marketing::experiments))
        .routes(routes!(marketing::stop_experiment))
        .routes(routes!(customers::tags, customers::create_tag))
        .routes(routes!(triggers::triggers, triggers::create_trigger))
        .routes(routes!(triggers::set_trigger_active))
        .routes(routes!(triggers::inbox))
        .routes(routes!(triggers::change_inbox))
        .routes(routes!(devices::devices))
        .routes(routes!(devices::register_device, devices::forget_device))
        .routes(routes!(devices::sms_receipts))
        .routes(routes!(devices::sms_replies))
        .routes(routes!(devices::unsubscribe_page, devices::unsubscribe))
        .routes(routes!(triggers::mark_read))
        .routes(routes!(customers::delete_tag))
        .routes(routes!(customers::recompute_tags))
        .routes(routes!(customers::find))
        .routes(routes!(customers::view))
        .routes(routes!(customers::own_view))
        .routes(routes!(customers::counter_code))
        .routes(routes!(customers::counter_consent))
        .routes(routes!(org::store_overview))
        .routes(routes!(org::store_staff))
        .routes(routes!(org::set_discount_limit))
        .routes(routes!(org::dealer_overview))
        .routes(routes!(org::audience))
        .routes(routes!(org::list_users))
        .routes(routes!(org::set_role))
        .routes(routes!(store_ops::stock))
        .routes(routes!(store_ops::day_report))
        .routes(routes!(store_ops::purchases))
        .routes(routes!(store_ops::samples))
        .routes(routes!(store_ops::transfers))
        .routes(routes!(store_ops::sales))
        .routes(routes!(store_ops::flags))
        .routes(routes!(distribution::desk))
        .routes(routes!(distribution::quote))
        .routes(routes!(distribution::dealer_orders))
        .routes(routes!(distribution::credit, distribution::set_credit))
        .routes(routes!(distribution::links))
        .routes(routes!(distribution::record_payment))
        .routes(routes!(distribution::statement))
        .routes(routes!(rebates::dealer_rebates))
        .routes(routes!(rebates::supply))
        .routes(routes!(rebates::rules))
        .routes(routes!(rebates::create_rule))
        .routes(routes!(rebates::settle))
        .routes(routes!(console::search))
        .routes(routes!(console::lock, console::unlock))
        .routes(routes!(console::sessions))
        .routes(routes!(console::end_session))
        .routes(routes!(console::audit))
        .routes(routes!(console::stores))
        .routes(routes!(console::put_store))
        .routes(routes!(console::dealers))
        .routes(routes!(console::put_dealer))
        .routes(routes!(console::health))
        .routes(routes!(funds::funds))
        .routes(routes!(funds::prepayment))
        .routes(routes!(approvals::ask, approvals::list))
        .routes(routes!(approvals::decide))
        .routes(routes!(campaigns::list, campaigns::create))
        .routes(routes!(campaigns::detail, campaigns::edit))
        .routes(routes!(campaigns::act))
        .routes(routes!(campaigns::audience_size))
        .routes(routes!(campaigns::set_approve_right))
        .routes(routes!(campaigns::preferences, campaigns::set_preferences))
        .routes(routes!(campaigns::wallet))
        .routes(routes!(campaigns::store_coupons))
        .routes(routes!(live::live))
        .routes(routes!(allocation::demand))
        .routes(routes!(allocation::run))
        .routes(routes!(allocation::plan, allocation::set_plan))
        .routes(routes!(allocation::trends))
        .routes(routes!(distribution::set_links))
        .routes(routes!(distribution::place, distribution::queue))
        .routes(routes!(distribution::put_prices, distribution::price_list))
        .routes(routes!(distribution::put_order_rule))
        .routes(routes!(distribution::order))
        .routes(routes!(distribution::step))
        .routes(routes!(distribution::ship))
        .routes(routes!(distribution::expected))
        .routes(routes!(distribution::business_desk))
        .routes(routes!(catalog::sync_page))
        .routes(routes!(catalog::product))
        .routes(routes!(catalog::admin_product, catalog::put_product, catalog::withdraw_product))
        .routes(routes!(catalog::export))
        .merge(
            OpenApiRouter::<Arc<Portal>>::new()
                .routes(routes!(catalog::import))
                .layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES)),
        )
        .merge(
            OpenApiRouter::<Arc<Portal>>::new()
                .routes(routes!(store_ops::store_ops))
                .routes(routes!(store_ops::set_aside))
                .layer(DefaultBodyLimit::max(STORE_OPS_MAX_BYTES)),
        )
        .routes(routes!(campaigns::audiences))
        .routes(routes!(campaigns::delete_list))
        .routes(routes!(campaigns::save_segment))
        .routes(routes!(campaigns::delete_segment))
        .merge(
            OpenApiRouter::<Arc<Portal>>::new()
                .routes(routes!(campaigns::import_list))
                .layer(DefaultBodyLimit::max(AUDIENCE_LIST_MAX_BYTES)),
        )
        .merge(
            OpenApiRouter::<Arc<Portal>>::new()
                .routes(routes!(marketing::ingest))
                .layer(DefaultBodyLimit::max(EVENTS_MAX_BYTES)),
        )
        .split_for_parts();
    let (router, mut api) = parts;
    CommonResponses.modify(&mut api);
    (router, api)
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

/// What an instance serves while it starts (its database being opened and migrated): 503
/// `unavailable` to every request, so that a load balancer checking `/readyz` waits for it.
pub fn starting() -> Router {
    Router::new()
        .fallback(|| async { AppError::new(ErrorCode::Unavailable, "The server is starting; try again in a moment.") })
}

/// The smallest answer worth compressing, in bytes.
pub const COMPRESS_FROM: u16 = 1024;

/// tower-http's default rule (not gRPC, images or event streams) with `COMPRESS_FROM` for its size.
fn compress_when() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    SizeAbove::new(COMPRESS_FROM)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
}

pub fn app(portal: Arc<Portal>) -> Router {
    let max_body = portal.config.max_body_bytes;
    let (router, api) = routes();
    let api = Arc::new(api);
    router
        .route_layer(axum::middleware::from_fn_with_state(portal.clone(), crate::console::observe::observe))
        .route("/openapi.json", get(move || async move { Json(api.as_ref().clone()) }))
        .route("/metrics", get(console::metrics))
        .fallback(|| async { AppError::new(ErrorCode::NotFound, "No such endpoint.") })
        .layer(DefaultBodyLimit::max(max_body))
        // Answers are compressed when the client accepts it (gzip, brotli or zstd) and they are
        // worth it: a page of the catalog shrinks about tenfold. One under `COMPRESS_FROM` bytes
        // is not: it would save a few hundred bytes at most, and setting up the compressor (a
        // zstd context) cost more than the rest of a recommendation list's serving.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest)
                .compress_when(compress_when()),
        )
        // Spans name the route, not the address: some addresses carry a secret (the SMS
        // service's callbacks, an unsubscribe link's token).
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let route = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
            tracing::debug_span!("request", method = %req.method(), route = route.unwrap_or_default())
        }))
        .with_state(portal)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use portal_api::endpoints::{Method, ALL};

    /// The routes the server serves and documents are exactly those `portal_api::endpoints`
    /// declares, each with its method: a route added on one side only fails here.
    #[test]
    fn the_server_serves_every_declared_endpoint_and_no_other() {
        let (_, doc) = super::routes();
        let mut served = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            let methods = [
                (Method::Get, item.get.is_some()),
                (Method::Post, item.post.is_some()),
                (Method::Put, item.put.is_some()),
                (Method::Patch, item.patch.is_some()),
                (Method::Delete, item.delete.is_some()),
            ];
            for (method, present) in methods {
                if present {
                    served.insert((method.as_str(), path.clone()));
                }
            }
        }
        let declared: BTreeSet<(&str, String)> = ALL.iter().map(|(m, p)| (m.as_str(), p.to_string())).collect();
        assert_eq!(served, declared);
    }
}
