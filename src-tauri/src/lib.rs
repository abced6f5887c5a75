//! The Tauri shell: each command adapts one `portal_client::PortalApp` call. No logic lives here.
use std::path::PathBuf;

use portal_api::ApiError;
use portal_client::{
    vault::{OsKeyring, SecretStore, Unavailable},
    PortalApp,
};
use tauri::{Emitter, Manager, State};

/// The keyring service name the refresh token is filed under.
const KEYRING_SERVICE: &str = "com.brandportal.app";
const DEFAULT_SERVER: &str = "http://127.0.0.1:8787";

type CommandResult<T> = Result<T, ApiError>;

fn ipc<T>(result: portal_client::ClientResult<T>) -> CommandResult<T> {
    result.map_err(|e| e.to_api_error())
}

/// Each command declared in `portal_client::commands` becomes an adapter here, and all of them the
/// handler list: a `PortalApp` call (answered on the calling thread when `sync`, awaited when
/// `awaited`), or the shell's own work (`shell`).
macro_rules! tauri_adapters {
    ($(
        $(#[$doc:meta])*
        $kind:ident fn $name:ident ($app:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        $(tauri_adapters!(@one $(#[$doc])* $kind $name ($app $(, $arg: $ty)*) -> $answer $body);)*

        fn invoke_handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
    (@one $(#[$doc:meta])* sync $name:ident ($app:ident $(, $arg:ident : $ty:ty)*) -> $answer:ty $body:block) => {
        $(#[$doc])*
        #[tauri::command]
        fn $name($app: State<'_, PortalApp> $(, $arg: $ty)*) -> CommandResult<$answer> {
            ipc($body)
        }
    };
    (@one $(#[$doc:meta])* awaited $name:ident ($app:ident $(, $arg:ident : $ty:ty)*) -> $answer:ty $body:block) => {
        $(#[$doc])*
        #[tauri::command]
        async fn $name($app: State<'_, PortalApp> $(, $arg: $ty)*) -> CommandResult<$answer> {
            ipc($body)
        }
    };
    (@one $(#[$doc:meta])* shell $name:ident ($app:ident $(, $arg:ident : $ty:ty)*) -> $answer:ty $body:block) => {
        $(#[$doc])*
        #[tauri::command]
        fn $name($app: tauri::AppHandle $(, $arg: $ty)*) -> CommandResult<$answer> {
            $body
        }
    };
}

portal_client::for_each_app_command!(tauri_adapters);

/// Shows an OS notification.
fn show_notification(handle: &tauri::AppHandle, title: String, body: String) -> CommandResult<()> {
    use tauri_plugin_notification::NotificationExt;
    handle
        .notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .map_err(|e| ApiError::new(portal_api::ErrorCode::Internal, e.to_string()))
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

/// When the process began, for `PORTAL_MEASURE_START` (scripts/measure-app).
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
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
            // Saved files go to the OS's downloads folder (PORTAL_APP_DOWNLOADS_DIR for tests).
            let downloads = match std::env::var_os("PORTAL_APP_DOWNLOADS_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => app.path().download_dir().unwrap_or_else(|_| data_dir.join("downloads")),
            };
            portal.set_downloads_dir(downloads);
            app.manage(portal);
            // The app's own chores run in the core; each thing they find reaches the window as
            // one event.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let portal = handle.state::<PortalApp>();
                portal
                    .run_background(|happening| {
                        if let Err(e) = handle.emit(portal_client::background::EVENT, happening) {
                            tracing::warn!(error = %e, "a background event was not delivered");
                        }
                    })
                    .await;
            });
            // The live channel: the server says when the inbox changed.
            let live = app.handle().clone();
            tauri::async_runtime::spawn(async move { live.state::<PortalApp>().run_live().await });
            Ok(())
        })
        // `PORTAL_MEASURE_START=1`: print how long the window took to load its page, then quit
        // (the start-time figure of scripts/measure-app).
        .on_page_load(|webview, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished
                && std::env::var_os("PORTAL_MEASURE_START").is_some()
            {
                let started = STARTED.get().copied().unwrap_or_else(std::time::Instant::now);
                println!("page loaded after {} ms", started.elapsed().as_millis());
                webview.app_handle().exit(0);
            }
        })
        .invoke_handler(invoke_handler())
        .run(tauri::generate_context!())
        .expect("error while running the portal app");
}

#[cfg(test)]
mod tests {
    /// The command names, from the one declaration.
    macro_rules! names {
        ($($(#[$doc:meta])* $kind:ident fn $name:ident ($($args:tt)*) -> $answer:ty $body:block)*) => {
            vec![$(stringify!($name)),*]
        };
    }

    /// Tauri refuses a command the window's capability does not name: build.rs writes the
    /// capability from the declared commands, and it must grant exactly them.
    #[test]
    fn the_capability_grants_exactly_the_declared_commands() {
        let mut declared: Vec<&str> = portal_client::for_each_app_command!(names);
        declared.sort_unstable();
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).expect("capability JSON");
        let mut granted: Vec<String> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|n| n.replace('-', "_")))
            .collect();
        granted.sort_unstable();
        assert_eq!(granted, declared, "capabilities/default.json grants the declared commands");
    }
}
