//! The commands exist once, in `portal_client::commands` (`for_each_app_command!`). This script
//! reads their names from there, gives them to Tauri's manifest (only these commands exist), and
//! writes `capabilities/default.json`, which grants exactly them to the main window: a command is
//! added in one place.
use std::{fs, path::Path};

const DECLARATIONS: &str = "../crates/client/src/commands.rs";
const CAPABILITY: &str = "capabilities/default.json";

/// `sync fn name(`, `awaited fn name(`, `shell fn name(` at the start of a line of the declarations.
fn declared_commands(source: &str) -> Vec<String> {
    source
        .lines()
        .map(str::trim_start)
        .filter_map(|line| {
            let rest = ["sync fn ", "awaited fn ", "shell fn "].iter().find_map(|kind| line.strip_prefix(kind))?;
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            (!name.is_empty() && rest[name.len()..].starts_with('(')).then_some(name)
        })
        .collect()
}

fn capability(commands: &[String]) -> String {
    let mut permissions: Vec<String> =
        commands.iter().map(|c| format!("    \"allow-{}\"", c.replace('_', "-"))).collect();
    // The window hears the core's background events (`portal_client::background::EVENT`).
    permissions.push("    \"core:event:allow-listen\"".to_owned());
    permissions.push("    \"core:event:allow-unlisten\"".to_owned());
    permissions.push(
        "    {\n      \"identifier\": \"opener:allow-open-url\",\n      \"allow\": [\n        {\n          \"url\": \"https://*\"\n        }\n      ]\n    }"
            .to_owned(),
    );
    format!(
        "{{\n  \"$schema\": \"../gen/schemas/desktop-schema.json\",\n  \"identifier\": \"default\",\n  \"description\": \"The main window may call the app's own commands, hear the core's background events, and open https links (purchase channels) in the system browser; nothing else. Written by build.rs from the declared commands.\",\n  \"windows\": [\n    \"main\"\n  ],\n  \"permissions\": [\n{}\n  ]\n}}\n",
        permissions.join(",\n")
    )
}

fn main() {
    println!("cargo:rerun-if-changed={DECLARATIONS}");
    let source = fs::read_to_string(DECLARATIONS).expect("the command declarations");
    let commands = declared_commands(&source);
    assert!(commands.len() > 10, "no commands found in {DECLARATIONS}");
    let json = capability(&commands);
    // Written only when it changes: Tauri's own build script watches the capabilities.
    if fs::read_to_string(CAPABILITY).ok().as_deref() != Some(json.as_str()) {
        fs::write(Path::new(CAPABILITY), json).expect("write the capability");
    }
    // Tauri's manifest keeps the names for the life of the build script.
    let names: &'static [&'static str] =
        Box::leak(commands.into_iter().map(|c| &*Box::leak(c.into_boxed_str())).collect::<Vec<_>>().into_boxed_slice());
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(names)),
    )
    .expect("tauri build script");
}
