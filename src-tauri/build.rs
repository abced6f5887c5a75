fn main() {
    // Only these commands exist; capabilities/default.json grants exactly them to the main window.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "app_state",
        "app_start",
        "set_server",
        "set_locale",
        "send_code",
        "sign_up",
        "sign_in_with_code",
        "sign_in_with_password",
        "sign_out",
        "refresh",
        "update_profile",
        "set_password",
        "link_identity",
        "list_sessions",
        "revoke_session",
        "sync_catalog",
        "catalog_status",
        "catalog_categories",
        "catalog_stores",
        "search_products",
        "product_view",
        "compare_products",
        "nearest_stores",
        "set_favourite",
        "list_favourites",
        "flush_outbox",
    ])))
    .expect("tauri build script");
}
