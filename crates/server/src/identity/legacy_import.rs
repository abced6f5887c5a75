//! Merging the old user centers' exports into unified accounts.
//!
//! A record joins an existing account only through a verified phone number or e-mail address that
//! the account already has — never by name. A record whose verified phone and e-mail point at two
//! different accounts, or whose unverified contact collides with an account, is a conflict for a
//! person to settle. Re-running an import skips records already imported (same system and id).
use std::io::Read;

use portal_api::{IdentityKind, Role};
use serde::Serialize;
use uuid::Uuid;

use super::normalize;
use crate::{
    common::now,
    db::{Database, DbError, NewIdentity, NewUser},
};

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct ImportReport {
    pub records: usize,
    pub merged: Vec<ReportLine>,
    pub created: Vec<ReportLine>,
    pub skipped: Vec<ReportLine>,
    pub conflicts: Vec<ReportLine>,
    pub rejected: Vec<ReportLine>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ReportLine {
    /// 1-based line in the CSV, counting the header as line 1.
    pub line: usize,
    pub system: String,
    pub legacy_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the CSV cannot be read: {0}")]
    Csv(#[from] csv::Error),
    #[error("the CSV header lacks the column {0:?} (expected: system, legacy_id, phone, email, name, created)")]
    MissingColumn(&'static str),
    #[error(transparent)]
    Store(#[from] DbError),
}

struct Columns {
    system: usize,
    legacy_id: usize,
    phone: usize,
    email: usize,
    name: usize,
    created: usize,
    phone_verified: Option<usize>,
    email_verified: Option<usize>,
}

fn truthy(value: &str) -> bool {
    matches!(value.trim().to_lowercase().as_str(), "1" | "true" | "yes" | "y" | "t")
}

pub async fn import(store: &dyn Database, input: impl Read) -> Result<ImportReport, ImportError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(input);
    let headers = reader.headers()?.clone();
    let find = |name: &'static str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let col = |name: &'static str| find(name).ok_or(ImportError::MissingColumn(name));
    let cols = Columns {
        system: col("system")?,
        legacy_id: col("legacy_id")?,
        phone: col("phone")?,
        email: col("email")?,
        name: col("name")?,
        created: col("created")?,
        phone_verified: find("phone_verified"),
        email_verified: find("email_verified"),
    };
    let mut report = ImportReport::default();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record?;
        report.records += 1;
        let get = |i: usize| record.get(i).unwrap_or("").to_owned();
        let system = get(cols.system).to_lowercase();
        let legacy_id = get(cols.legacy_id);
        let mut out = ReportLine {
            line,
            system: system.clone(),
            legacy_id: legacy_id.clone(),
            user_id: None,
            detail: String::new(),
        };
        if system.is_empty() || legacy_id.is_empty() || system.contains(':') {
            out.detail = "system and legacy_id are required; system must not contain ':'".into();
            report.rejected.push(out);
            continue;
        }
        let legacy_value = format!("{system}:{legacy_id}");
        if let Some(existing) = store.find_identity(IdentityKind::Legacy, &legacy_value).await? {
            out.user_id = Some(existing.user_id);
            out.detail = "already imported".into();
            report.skipped.push(out);
            continue;
        }
        // Without verification columns, the export's contacts count as verified: the old centers
        // verified phones by SMS and addresses by mail before storing them.
        let phone_verified = cols.phone_verified.map(|i| truthy(&get(i))).unwrap_or(true);
        let email_verified = cols.email_verified.map(|i| truthy(&get(i))).unwrap_or(true);
        let raw_phone = get(cols.phone);
        let raw_email = get(cols.email);
        let phone = if raw_phone.is_empty() { None } else { Some(normalize::phone(&raw_phone)) };
        let email = if raw_email.is_empty() { None } else { Some(normalize::email(&raw_email)) };
        let phone = match phone.transpose() {
            Ok(p) => p,
            Err(e) => {
                out.detail = format!("phone {raw_phone:?}: {}", e.0.message);
                report.rejected.push(out);
                continue;
            }
        };
        let email = match email.transpose() {
            Ok(e) => e,
            Err(e) => {
                out.detail = format!("email {raw_email:?}: {}", e.0.message);
                report.rejected.push(out);
                continue;
            }
        };

        let phone_owner = match &phone {
            Some(p) => store.find_identity(IdentityKind::Phone, p).await?,
            None => None,
        };
        let email_owner = match &email {
            Some(e) => store.find_identity(IdentityKind::Email, e).await?,
            None => None,
        };
        // Only a match that is verified on both sides may merge.
        let phone_match = phone_owner.as_ref().filter(|o| o.verified && phone_verified).map(|o| o.user_id);
        let email_match = email_owner.as_ref().filter(|o| o.verified && email_verified).map(|o| o.user_id);
        let unverified_collision =
            (phone_owner.is_some() && phone_match.is_none()) || (email_owner.is_some() && email_match.is_none());

        let target = match (phone_match, email_match) {
            (Some(a), Some(b)) if a != b => {
                out.detail = format!("phone belongs to account {a} and e-mail to account {b}; a person must decide");
                report.conflicts.push(out);
                continue;
            }
            (Some(a), _) | (_, Some(a)) => Some(a),
            (None, None) => None,
        };
        if unverified_collision {
            out.user_id = target;
            out.detail = "a contact matches an existing account but is unverified on one side; not merged".into();
            report.conflicts.push(out);
            continue;
        }

        let now = now();
        let mut new_identities = vec![NewIdentity { kind: IdentityKind::Legacy, value: legacy_value, verified: true }];
        if let Some(p) = phone.filter(|_| phone_owner.is_none()) {
            new_identities.push(NewIdentity { kind: IdentityKind::Phone, value: p, verified: phone_verified });
        }
        if let Some(e) = email.filter(|_| email_owner.is_none()) {
            new_identities.push(NewIdentity { kind: IdentityKind::Email, value: e, verified: email_verified });
        }
        match target {
            Some(user_id) => {
                for identity in new_identities {
                    store.add_identity(user_id, identity, now).await?;
                }
                out.user_id = Some(user_id);
                out.detail = "linked to an existing account by a verified phone or e-mail".into();
                report.merged.push(out);
            }
            None => {
                let name = normalize::display_name(&get(cols.name)).unwrap_or_else(|_| format!("{system} {legacy_id}"));
                let created_at = parse_created(&get(cols.created)).unwrap_or(now);
                let id = Uuid::now_v7();
                store
                    .create_user(NewUser {
                        id,
                        display_name: name,
                        role: Role::Consumer,
                        store_id: None,
                        dealer_id: None,
                        password_hash: None,
                        created_at,
                        identities: new_identities,
                    })
                    .await?;
                out.user_id = Some(id);
                out.detail = "new account".into();
                report.created.push(out);
            }
        }
    }
    Ok(report)
}

/// Accepts unix seconds or a date `YYYY-MM-DD` (optionally followed by a time, which is ignored).
fn parse_created(value: &str) -> Option<i64> {
    if let Ok(secs) = value.parse::<i64>() {
        return Some(secs);
    }
    value.get(..10).and_then(crate::catalog::csv_format::parse_date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Accounts, SqliteDatabase};

    #[test]
    fn dates() {
        assert_eq!(parse_created("1970-01-02"), Some(86400));
        assert_eq!(parse_created("2020-03-01 10:00"), Some(1583020800));
        assert_eq!(parse_created("nonsense"), None);
    }

    #[tokio::test]
    async fn merges_by_verified_contact_never_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteDatabase::open(&dir.path().join("s.sqlite")).unwrap();
        let csv = "system,legacy_id,phone,email,name,created,phone_verified,email_verified
mall,1,13800000001,li@example.com,李伟,2019-05-01,1,1
crm,77,+86 138 0000 0001,,Li Wei,2018-01-01,1,0
service,5,,li@example.com,李伟,2020-01-01,0,1
club,9,13900000009,,李伟,2020-01-01,1,1
app,3,13900000009,li@example.com,X,2021-01-01,1,1
legacy,4,12345,,Bad,2021-01-01,1,1
iot,8,13700000007,,Z,2021-01-01,0,1
iot,9,13700000007,,Z2,2021-01-01,1,1
";
        let report = import(&store, csv.as_bytes()).await.unwrap();
        assert_eq!(report.records, 8);
        let first = report.created.iter().find(|l| l.system == "mall").unwrap().user_id.unwrap();
        // crm shares the verified phone: merged into the mall account.
        assert_eq!(report.merged.iter().find(|l| l.system == "crm").unwrap().user_id, Some(first));
        // service shares the verified e-mail: merged.
        assert_eq!(report.merged.iter().find(|l| l.system == "service").unwrap().user_id, Some(first));
        // club has the same name but a different phone: a separate account.
        let club = report.created.iter().find(|l| l.system == "club").unwrap().user_id.unwrap();
        assert_ne!(club, first);
        // app's phone points at club, its e-mail at mall: a conflict for a person.
        assert!(report.conflicts.iter().any(|l| l.system == "app"));
        assert!(report.rejected.iter().any(|l| l.system == "legacy"));
        // iot 8 creates an account with an unverified phone; iot 9 collides with it: conflict, not merged.
        assert!(report.created.iter().any(|l| l.system == "iot" && l.legacy_id == "8"));
        assert!(report.conflicts.iter().any(|l| l.system == "iot" && l.legacy_id == "9"));

        let identities = store.list_identities(first).await.unwrap();
        assert!(identities.iter().any(|i| i.value == "mall:1"));
        assert!(identities.iter().any(|i| i.value == "crm:77"));
        assert!(identities.iter().any(|i| i.value == "service:5"));

        // Idempotent: a second run skips everything already imported and creates nothing.
        let again = import(&store, csv.as_bytes()).await.unwrap();
        assert!(again.created.is_empty() && again.merged.is_empty(), "{again:?}");
        assert_eq!(again.skipped.len(), 5);
    }

    #[tokio::test]
    async fn missing_column_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteDatabase::open(&dir.path().join("s.sqlite")).unwrap();
        let err = import(&store, "system,legacy_id,phone\nx,1,13800000000\n".as_bytes()).await.unwrap_err();
        assert!(err.to_string().contains("email"), "{err}");
    }
}
