//! No import circle between the server's modules: each file's `use` and paths through `crate::`,
//! `super::` and `self::` are read as text, resolved to the module (file) they name, and the
//! graph of files must have no cycle. A domain that needs another's state takes it from the
//! composition root (`portal.rs`), which imports the domains' state and never their behaviour.
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// A module's path (`marketing::model`) for each source file.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    parts.pop();
                }
                out.insert(parts.join("::"), path);
            }
        }
    }
    out
}

/// Every path a file names from the crate, written out whole (`use crate::{a::{b, c}}` is
/// `crate::a::b` and `crate::a::c`), with `super::` and `self::` resolved from `module`.
fn paths_named(text: &str, module: &str) -> Vec<String> {
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut out = Vec::new();
    for start in ["crate::", "super::", "self::"] {
        let mut at = 0;
        while let Some(found) = code[at..].find(start) {
            let begin = at + found;
            at = begin + start.len();
            if begin > 0 && code[..begin].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            expand(&code[begin..], &mut String::new(), &mut out);
        }
    }
    out.into_iter().filter_map(|p| resolve(&p, module)).collect()
}

/// Expands one path expression with its braces into whole paths.
fn expand(text: &str, prefix: &mut String, out: &mut Vec<String>) -> usize {
    let mut i = 0;
    let bytes = text.as_bytes();
    let mut segment = String::new();
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
            i += 1;
        } else if c == '{' {
            let base = format!("{prefix}{segment}");
            i += 1;
            loop {
                while i < bytes.len() && (bytes[i] as char).is_whitespace() {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    return i + 1;
                }
                let mut inner = base.clone();
                i += expand(&text[i..], &mut inner, out);
                while i < bytes.len() && (bytes[i] == b',' || (bytes[i] as char).is_whitespace()) {
                    i += 1;
                }
            }
        } else {
            break;
        }
    }
    out.push(format!("{prefix}{segment}"));
    i
}

fn resolve(path: &str, module: &str) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let mut base: Vec<&str> = if module.is_empty() { vec![] } else { module.split("::").collect() };
    match parts.first()? {
        &"crate" => {
            base.clear();
            parts.remove(0);
        }
        &"self" => {
            parts.remove(0);
        }
        &"super" => {
            while parts.first() == Some(&"super") {
                parts.remove(0);
                base.pop()?;
            }
        }
        _ => return None,
    }
    base.extend(parts);
    Some(base.join("::"))
}

#[test]
fn the_servers_modules_import_each_other_in_no_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        for path in paths_named(&text, module) {
            // The longest module the path starts with; a module's own items are no edge.
            let mut parts: Vec<&str> = path.split("::").collect();
            let target = loop {
                let candidate = parts.join("::");
                if let Some((name, _)) = modules.get_key_value(&candidate) {
                    break Some(name.as_str());
                }
                if parts.pop().is_none() {
                    break None;
                }
            };
            if let Some(target) = target.filter(|t| *t != module && !t.is_empty()) {
                // A parent naming its own child module (`pub use child::X` in mod.rs) is how Rust
                // lays modules out, not an import of another domain; the reverse is an import.
                if !target.starts_with(&format!("{module}::")) || module.is_empty() {
                    edges.entry(module).or_default().insert(target);
                }
            }
        }
    }
    // Depth-first search for a back edge, reporting the circle it closes.
    fn visit<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
        circles: &mut Vec<String>,
    ) {
        state.insert(node, 1);
        stack.push(node);
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next) {
                Some(1) => {
                    let from = stack.iter().position(|n| n == next).unwrap();
                    circles.push(format!("{} -> {next}", stack[from..].join(" -> ")));
                }
                Some(_) => {}
                None => visit(next, edges, state, stack, circles),
            }
        }
        stack.pop();
        state.insert(node, 2);
    }
    let mut state = BTreeMap::new();
    let mut circles = Vec::new();
    for node in modules.keys() {
        if !state.contains_key(node.as_str()) {
            visit(node, &edges, &mut state, &mut Vec::new(), &mut circles);
        }
    }
    assert!(edges.values().map(BTreeSet::len).sum::<usize>() > 50, "the imports were read: {edges:?}");
    assert!(circles.is_empty(), "import circles between the server's modules:\n{}", circles.join("\n"));
}
