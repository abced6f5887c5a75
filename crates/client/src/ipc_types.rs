//! The app's TypeScript types for the IPC, generated from the Rust types. This test fails when
//! `ui/src/ipc/types.ts` is not current; `UPDATE_IPC_TYPES=1 cargo test -p portal-client` rewrites it.
use portal_api::*;
use ts_rs::{TypeVisitor, TS};

/// Every type the commands take or answer, and every type those name, each declared once: found
/// by walking the commands' argument and answer types (`for_each_app_command!`), not listed by
/// hand. Ordered by name, so that the file changes only where a type does.
fn declarations() -> Vec<String> {
    let mut walk = Walk::default();
    macro_rules! visit_commands {
        ($(
            $(#[$doc:meta])*
            $kind:ident fn $name:ident ($app:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $answer:ty $body:block
        )*) => {
            $($(walk.visit::<$ty>();)* walk.visit::<$answer>();)*
        };
    }
    crate::for_each_app_command!(visit_commands);
    // What every command can answer instead: its error. And what the UI builds itself to send
    // (the store's operations, a sale's totals), reached through no command's signature.
    walk.visit::<ApiError>();
    walk.visit::<crate::background::Happening>();
    walk.visit::<StoreAction>();
    walk.visit::<portal_store_ops::checkout::Totals>();
    walk.declarations.into_values().collect()
}

/// Collects the declaration of every type it visits and of the types those depend on.
#[derive(Default)]
struct Walk {
    seen: std::collections::HashSet<std::any::TypeId>,
    declarations: std::collections::BTreeMap<String, String>,
}

impl ts_rs::TypeVisitor for Walk {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(std::any::TypeId::of::<T>()) {
            return;
        }
        // Declared types have a file of their own; primitives and wrappers (Option, Vec) do not.
        if T::output_path().is_some() {
            self.declarations.entry(T::ident()).or_insert_with(<T::WithoutGenerics as TS>::decl);
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

fn render() -> String {
    let decls = declarations();
    let mut out = String::from(
        "// Generated from the Rust types by crates/client/src/ipc_types.rs. Do not edit by hand:\n\
         // run `UPDATE_IPC_TYPES=1 cargo test -p portal-client ipc_types` after changing them.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        // 64-bit integers cross as JSON numbers (unix seconds, counts): well inside 2^53.
        out.push_str(&decl.replace("bigint", "number"));
        out.push_str("\n\n");
    }
    out.trim_end().to_owned() + "\n"
}

/// Checks that the UI's file `ui/src/ipc/<file>` holds `expected`, or, with `UPDATE_IPC_TYPES` set,
/// writes it: the generated IPC files are committed and kept current by their tests.
pub(crate) fn assert_generated_current(file: &str, expected: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc").join(file);
    if std::env::var_os("UPDATE_IPC_TYPES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "ui/src/ipc/{file} is stale; run `UPDATE_IPC_TYPES=1 cargo test -p portal-client ipc_`"
    );
}

#[test]
fn ipc_types_are_current() {
    assert_generated_current("types.ts", &render());
}
