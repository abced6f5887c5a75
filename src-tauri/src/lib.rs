//! The Tauri shell: each command adapts one `portal_client::PortalApp` call. No logic lives here.
use std::path::PathBuf;

use portal_api::{
    ApiError, CodeChannel, CodePurpose, DeviceSessionList, LinkIdentityRequest, SendCodeResponse, SetPasswordRequest,
};
use portal_api::{
    Category, DayReport, FavouriteKind, RetailStore, SampleList, StaffList, StaffMember, StoreAction, TransferList,
};
use portal_client::{
    catalog::{view::SkuHit, CatalogStatus, Comparison, ProductView, SearchQuery, SearchResult, StoreDistance},
    favourites::FavouriteEntry,
    store_ops::{Notice, OpenShift, SaleCheck, SaleReceipt},
    store_stock::{Snapshot, StockView},
    vault::{OsKeyring, SecretStore, Unavailable},
    AppState, CodeSignInInput, PasswordSignInInput, PortalApp, SignUpInput,
};
use tauri::{Manager, State};
use uuid::Uuid;

/// The keyring service name the refresh token is filed under.
const KEYRING_SERVICE: &str = "com.brandportal.app";
const DEFAULT_SERVER: &str = "http://127.0.0.1:8787";

type CommandResult<T> = Result<T, ApiError>;

fn ipc<T>(result: portal_client::ClientResult<T>) -> CommandResult<T> {
    result.map_err(|e| e.to_api_error())
}

#[tauri::command]
fn app_state(app: State<'_, PortalApp>) -> CommandResult<AppState> {
    ipc(app.state())
}

#[tauri::command]
async fn app_start(app: State<'_, PortalApp>) -> CommandResult<AppState> {
    ipc(app.start().await)
}

#[tauri::command]
async fn set_server(app: State<'_, PortalApp>, url: String) -> CommandResult<AppState> {
    ipc(app.set_server(&url).await)
}

#[tauri::command]
fn set_locale(app: State<'_, PortalApp>, locale: String) -> CommandResult<AppState> {
    ipc(app.set_locale(&locale))
}

#[tauri::command]
async fn send_code(
    app: State<'_, PortalApp>,
    channel: CodeChannel,
    target: String,
    purpose: CodePurpose,
) -> CommandResult<SendCodeResponse> {
    ipc(app.send_code(channel, &target, purpose).await)
}

#[tauri::command]
async fn sign_up(app: State<'_, PortalApp>, input: SignUpInput) -> CommandResult<AppState> {
    ipc(app.sign_up(input).await)
}

#[tauri::command]
async fn sign_in_with_code(app: State<'_, PortalApp>, input: CodeSignInInput) -> CommandResult<AppState> {
    ipc(app.sign_in_with_code(input).await)
}

#[tauri::command]
async fn sign_in_with_password(app: State<'_, PortalApp>, input: PasswordSignInInput) -> CommandResult<AppState> {
    ipc(app.sign_in_with_password(input).await)
}

#[tauri::command]
async fn sign_out(app: State<'_, PortalApp>) -> CommandResult<AppState> {
    ipc(app.sign_out().await)
}

#[tauri::command]
async fn refresh(app: State<'_, PortalApp>) -> CommandResult<AppState> {
    ipc(app.refresh().await)
}

#[tauri::command]
async fn update_profile(app: State<'_, PortalApp>, display_name: String) -> CommandResult<AppState> {
    ipc(app.update_profile(&display_name).await)
}

#[tauri::command]
async fn set_password(app: State<'_, PortalApp>, input: SetPasswordRequest) -> CommandResult<AppState> {
    ipc(app.set_password(input).await)
}

#[tauri::command]
async fn link_identity(app: State<'_, PortalApp>, input: LinkIdentityRequest) -> CommandResult<AppState> {
    ipc(app.link_identity(input).await)
}

#[tauri::command]
async fn list_sessions(app: State<'_, PortalApp>) -> CommandResult<DeviceSessionList> {
    ipc(app.sessions().await)
}

#[tauri::command]
async fn revoke_session(app: State<'_, PortalApp>, id: Uuid) -> CommandResult<DeviceSessionList> {
    ipc(app.revoke_session(id).await)
}

#[tauri::command]
async fn sync_catalog(app: State<'_, PortalApp>) -> CommandResult<CatalogStatus> {
    ipc(app.sync_catalog().await)
}

#[tauri::command]
fn catalog_status(app: State<'_, PortalApp>) -> CommandResult<CatalogStatus> {
    ipc(app.catalog_status())
}

#[tauri::command]
fn catalog_categories(app: State<'_, PortalApp>) -> CommandResult<Vec<Category>> {
    ipc(app.categories())
}

#[tauri::command]
fn catalog_stores(app: State<'_, PortalApp>) -> CommandResult<Vec<RetailStore>> {
    ipc(app.stores())
}

#[tauri::command]
fn search_products(app: State<'_, PortalApp>, query: SearchQuery) -> CommandResult<SearchResult> {
    ipc(app.search(&query))
}

#[tauri::command]
fn product_view(app: State<'_, PortalApp>, model: String) -> CommandResult<Option<ProductView>> {
    ipc(app.product(&model))
}

#[tauri::command]
fn compare_products(app: State<'_, PortalApp>, models: Vec<String>) -> CommandResult<Comparison> {
    ipc(app.compare(&models))
}

#[tauri::command]
fn nearest_stores(
    app: State<'_, PortalApp>,
    latitude: f64,
    longitude: f64,
    model: Option<String>,
) -> CommandResult<Vec<StoreDistance>> {
    ipc(app.nearest_stores(latitude, longitude, model.as_deref()))
}

#[tauri::command]
async fn set_favourite(
    app: State<'_, PortalApp>,
    model: String,
    kind: FavouriteKind,
    active: bool,
) -> CommandResult<Vec<FavouriteEntry>> {
    ipc(app.set_favourite(&model, kind, active).await)
}

#[tauri::command]
fn list_favourites(app: State<'_, PortalApp>) -> CommandResult<Vec<FavouriteEntry>> {
    ipc(app.favourites())
}

#[tauri::command]
async fn flush_outbox(app: State<'_, PortalApp>) -> CommandResult<u32> {
    ipc(app.flush_outbox().await)
}

// ----- store operations (point of sale) -----

#[tauri::command]
async fn record_store_op(app: State<'_, PortalApp>, store_id: Uuid, action: StoreAction) -> CommandResult<Uuid> {
    ipc(app.record_store_op(store_id, action).await)
}

#[tauri::command]
fn scan_sku(app: State<'_, PortalApp>, barcode: String) -> CommandResult<SkuHit> {
    ipc(app.scan(&barcode))
}

#[tauri::command]
fn store_notices(app: State<'_, PortalApp>) -> CommandResult<Vec<Notice>> {
    ipc(app.store_notices())
}

#[tauri::command]
fn pending_ops(app: State<'_, PortalApp>) -> CommandResult<u32> {
    ipc(app.pending_ops())
}

#[tauri::command]
fn pos_receipts(app: State<'_, PortalApp>) -> CommandResult<Vec<SaleReceipt>> {
    ipc(app.receipts())
}

#[tauri::command]
async fn find_receipt(
    app: State<'_, PortalApp>,
    store_id: Uuid,
    receipt_no: String,
) -> CommandResult<Vec<SaleReceipt>> {
    ipc(app.find_receipt(store_id, &receipt_no).await)
}

#[tauri::command]
fn next_receipt_no(app: State<'_, PortalApp>) -> CommandResult<String> {
    ipc(app.next_receipt_no())
}

#[tauri::command]
async fn store_stock(app: State<'_, PortalApp>, store_id: Uuid) -> CommandResult<StockView> {
    ipc(app.stock(store_id).await)
}

#[tauri::command]
async fn store_samples(app: State<'_, PortalApp>, store_id: Uuid) -> CommandResult<Snapshot<SampleList>> {
    ipc(app.samples(store_id).await)
}

#[tauri::command]
async fn store_transfers(app: State<'_, PortalApp>, store_id: Uuid) -> CommandResult<Snapshot<TransferList>> {
    ipc(app.transfers(store_id).await)
}

#[tauri::command]
async fn store_staff(app: State<'_, PortalApp>, store_id: Uuid) -> CommandResult<StaffList> {
    ipc(app.staff(store_id).await)
}

#[tauri::command]
async fn set_discount_limit(
    app: State<'_, PortalApp>,
    store_id: Uuid,
    user_id: Uuid,
    percent: Option<u32>,
) -> CommandResult<StaffMember> {
    ipc(app.set_discount_limit(store_id, user_id, percent).await)
}

#[tauri::command]
async fn watch_store_flags(app: State<'_, PortalApp>) -> CommandResult<u32> {
    ipc(app.watch_store_flags().await)
}

#[tauri::command]
fn take_new_notices(app: State<'_, PortalApp>) -> CommandResult<Vec<Notice>> {
    ipc(app.take_new_notices())
}

/// Shows an OS notification (the text comes from the UI, in the user's language).
#[tauri::command]
fn notify(handle: tauri::AppHandle, title: String, body: String) -> CommandResult<()> {
    use tauri_plugin_notification::NotificationExt;
    handle
        .notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .map_err(|e| ApiError::new(portal_api::ErrorCode::Internal, e.to_string()))
}

#[tauri::command]
async fn send_now(app: State<'_, PortalApp>) -> CommandResult<u32> {
    ipc(app.send_now().await)
}

#[tauri::command]
fn pos_shift(app: State<'_, PortalApp>, store_id: Uuid) -> CommandResult<Option<OpenShift>> {
    ipc(app.open_shift(store_id))
}

#[tauri::command]
fn sale_totals(app: State<'_, PortalApp>, action: StoreAction) -> CommandResult<SaleCheck> {
    ipc(app.sale_totals(&action))
}

#[tauri::command]
fn preview_refund(app: State<'_, PortalApp>, action: StoreAction) -> CommandResult<Option<i64>> {
    ipc(app.preview_refund(&action))
}

#[tauri::command]
async fn store_day_report(app: State<'_, PortalApp>, store_id: Uuid, day: String) -> CommandResult<DayReport> {
    ipc(app.day_report(store_id, &day).await)
}

fn device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "device".into());
    format!("{host} ({})", std::env::consts::OS)
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("PORTAL_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            // PORTAL_APP_DATA_DIR lets tests run the real app against a scratch directory.
            let data_dir = match std::env::var_os("PORTAL_APP_DATA_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_data_dir()?,
            };
            let server = std::env::var("PORTAL_SERVER_URL").unwrap_or_else(|_| DEFAULT_SERVER.into());
            // Without a keyring the app still opens, and every sign-in shows `keyring_unavailable`.
            let secrets: Box<dyn SecretStore> = match OsKeyring::new(KEYRING_SERVICE) {
                Ok(keyring) => Box::new(keyring),
                Err(e) => {
                    tracing::error!(error = %e, "no OS keyring: the session cannot be kept");
                    Box::new(Unavailable(e.to_string()))
                }
            };
            let portal = PortalApp::open(&data_dir.join("cache.sqlite"), secrets, &device_name(), &server)?;
            app.manage(portal);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            app_state,
            app_start,
            set_server,
            set_locale,
            send_code,
            sign_up,
            sign_in_with_code,
            sign_in_with_password,
            sign_out,
            refresh,
            update_profile,
            set_password,
            link_identity,
            list_sessions,
            revoke_session,
            sync_catalog,
            catalog_status,
            catalog_categories,
            catalog_stores,
            search_products,
            product_view,
            compare_products,
            nearest_stores,
            set_favourite,
            list_favourites,
            flush_outbox,
            record_store_op,
            scan_sku,
            store_notices,
            pending_ops,
            pos_receipts,
            find_receipt,
            next_receipt_no,
            store_stock,
            store_day_report,
            pos_shift,
            preview_refund,
            sale_totals,
            send_now,
            take_new_notices,
            watch_store_flags,
            notify,
            store_staff,
            set_discount_limit,
            store_samples,
            store_transfers,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the portal app");
}
