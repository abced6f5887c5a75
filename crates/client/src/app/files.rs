//! Files the person saves from the app: a dealer's statement as CSV (对账单) and, for an
//! administrator, the catalog's export, written into the OS's
//! downloads folder under a name that says what it is, never over a file already there.
use std::path::{Path, PathBuf};

use super::*;

/// The most files of one name before giving up on numbering them.
const MAX_NUMBERED: u32 = 1_000;

/// A free path for `stem`.`ext` in `dir`: the name itself, else "stem (2).ext", "stem (3).ext"…
fn free_path(dir: &Path, stem: &str, ext: &str) -> Option<PathBuf> {
    (1..=MAX_NUMBERED)
        .map(|n| if n == 1 { dir.join(format!("{stem}.{ext}")) } else { dir.join(format!("{stem} ({n}).{ext}")) })
        .find(|p| !p.exists())
}

impl PortalApp {
    /// Where saved files go; the shell sets the OS's downloads folder.
    pub fn set_downloads_dir(&self, dir: PathBuf) {
        *self.downloads.lock().unwrap_or_else(|p| p.into_inner()) = Some(dir);
    }

    /// Saves a dealer's statement for the days `from..=to` as CSV; the file's path.
    pub async fn save_statement_csv(&self, dealer_id: Uuid, from: String, to: String) -> ClientResult<String> {
        // Days only: nothing else reaches the file's name.
        let day = |d: &str| {
            d.len() == 10
                && d.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
        };
        if !day(&from) || !day(&to) {
            return Err(ClientError::Api(ApiError::new(ErrorCode::InvalidParameter, "Days are written YYYY-MM-DD.")));
        }
        let path =
            format!("/v1/dealers/{dealer_id}/statement?from={}&to={}&format=csv", urlencode(&from), urlencode(&to));
        let csv = self
            .authed(|api, token| {
                let path = path.clone();
                async move { api.get_text(&token, &path).await }
            })
            .await?;
        let stem = format!("statement-{}-{from}-{to}", &dealer_id.simple().to_string()[24..]);
        self.save_download(stem, "csv", csv).await
    }

    /// Saves the whole catalog's products as CSV (one row per SKU, the import's own format, so an
    /// administrator can edit it and import it back); the file's path.
    pub async fn save_catalog_csv(&self) -> ClientResult<String> {
        let csv = self
            .authed(|api, token| async move { api.get_text(&token, "/v1/admin/catalog/export?format=csv").await })
            .await?;
        let day = portal_store_ops::day::local_day(now());
        self.save_download(format!("catalog-{day}"), "csv", csv).await
    }

    /// Writes `text` into the downloads folder as `stem`.`ext` (numbered when taken); its path.
    async fn save_download(&self, stem: String, ext: &'static str, text: String) -> ClientResult<String> {
        let dir = self
            .downloads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| ClientError::Protocol("no downloads folder is known".into()))?;
        let write = move || -> std::io::Result<String> {
            std::fs::create_dir_all(&dir)?;
            // Written whole under a name of its own, then linked to a free name (a link never
            // replaces a file: two saves at once take two names), and the partial name removed.
            let partial = dir.join(format!(".{stem}.{}.part", Uuid::now_v7().simple()));
            std::fs::write(&partial, text.as_bytes())?;
            let linked = loop {
                let Some(target) = free_path(&dir, &stem, ext) else {
                    break Err(std::io::Error::other("too many files of the same name"));
                };
                match std::fs::hard_link(&partial, &target) {
                    Ok(()) => break Ok(target),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => break Err(e),
                }
            };
            let _ = std::fs::remove_file(&partial);
            Ok(linked?.display().to_string())
        };
        tokio::task::spawn_blocking(write)
            .await
            .map_err(|e| ClientError::Protocol(e.to_string()))?
            .map_err(|e| ClientError::Protocol(format!("the file could not be saved: {e}")))
    }
}

/// Percent-encodes a query value (days are plain, but nothing is assumed).
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_file_never_takes_the_name_of_one_already_there() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_path(dir.path(), "s", "csv").unwrap(), dir.path().join("s.csv"));
        std::fs::write(dir.path().join("s.csv"), "a").unwrap();
        assert_eq!(free_path(dir.path(), "s", "csv").unwrap(), dir.path().join("s (2).csv"));
        assert_eq!(urlencode("2026-11-01"), "2026-11-01");
        assert_eq!(urlencode("a b&c"), "a%20b%26c");
    }
}
