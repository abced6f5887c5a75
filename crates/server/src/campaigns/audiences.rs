//! Audiences operators keep for campaigns: lists imported from a file of phone numbers, matched
//! to accounts by verified phone only (a number nobody proved they own reaches nobody), with a
//! report of every row that was not; and saved segments. Operators and administrators only.
use std::collections::{HashMap, HashSet};

use portal_api::*;
use portal_campaigns::import::{phone_rows, with_plus, ReadError};
use uuid::Uuid;

use super::{check, CampaignService, WRITERS};
use crate::{
    auth::Caller,
    common::now,
    db::{ListCreated, ListDeleted, ListRow, SegmentRow, MAX_AUDIENCES, MAX_LIST_ROWS},
    error::{AppError, AppResult},
    identity::normalize,
};

/// Rows of a report named one by one; the rest are counted.
const MAX_PROBLEMS_SHOWN: usize = 100;

fn bad(field: &str, message: &str) -> AppError {
    AppError::field(ErrorCode::InvalidParameter, field, message)
}

fn name_of(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(bad("name", "A name of 1 to 100 characters, on one line."));
    }
    Ok(name.to_owned())
}

fn full_of(what: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidParameter,
        format!("At most {MAX_AUDIENCES} {what} are kept: delete one you no longer need first."),
    )
}

fn list_view(row: ListRow) -> AudienceList {
    AudienceList {
        id: row.id,
        name: row.name,
        rows: row.rows,
        matched: row.matched,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

impl CampaignService {
    pub async fn audiences(&self, caller: &Caller) -> AppResult<Audiences> {
        caller.require(WRITERS)?;
        let lists = self.audiences.lists(MAX_AUDIENCES).await?.into_iter().map(list_view).collect();
        let segments = self
            .audiences
            .segments(MAX_AUDIENCES)
            .await?
            .into_iter()
            .map(|s| SavedSegment {
                id: s.id,
                name: s.name,
                audience: serde_json::from_str(&s.audience).unwrap_or_default(),
                created_by: s.created_by,
                updated_at: s.updated_at,
            })
            .collect();
        Ok(Audiences { lists, segments })
    }

    /// Imports a list: every row read, normalised, matched by verified phone, and counted by
    /// what became of it. The same import sent again gives the list as kept.
    pub async fn import_list(&self, caller: &Caller, import: ListImport) -> AppResult<ListReport> {
        caller.require(WRITERS)?;
        let name = name_of(&import.name)?;
        match self.audiences.list(import.id).await? {
            Some((_, Some(_))) => return Err(bad("id", "That list was deleted: import the file as a new list.")),
            Some((kept, None)) => return Ok(ListReport::kept(list_view(kept))),
            None => {}
        }
        if self.audiences.lists(MAX_AUDIENCES).await?.len() as u32 >= MAX_AUDIENCES {
            return Err(full_of("lists"));
        }
        let rows = phone_rows(&import.csv, MAX_LIST_ROWS).map_err(|e| match e {
            ReadError::TooManyRows { max } => bad("csv", &format!("At most {max} rows in one list: split the file.")),
            ReadError::NoPhoneColumn => {
                bad("csv", "Name the column of phone numbers phone or 手机号, or give one number a line.")
            }
            ReadError::Empty => bad("csv", "The file is empty."),
        })?;
        let mut report = ListReport::kept(AudienceList {
            id: import.id,
            name,
            rows: rows.len() as u32,
            matched: 0,
            created_by: caller.user.id,
            created_at: now(),
        });
        // Normalised, each number once (the first row counts).
        let mut seen: HashSet<String> = HashSet::new();
        let mut wanted: Vec<(u32, String)> = Vec::new();
        for row in &rows {
            match normalize::phone(&with_plus(&row.text)) {
                Err(_) => report.note(row.line, ListProblemKind::Invalid),
                Ok(phone) if !seen.insert(phone.clone()) => report.note(row.line, ListProblemKind::Duplicate),
                Ok(phone) => wanted.push((row.line, phone)),
            }
        }
        let owners: HashMap<String, (Uuid, bool)> = self
            .audiences
            .phone_owners(wanted.iter().map(|(_, p)| p.clone()).collect())
            .await?
            .into_iter()
            .map(|o| (o.phone, (o.user, o.verified)))
            .collect();
        let mut members: Vec<Uuid> = Vec::new();
        for (line, phone) in &wanted {
            match owners.get(phone) {
                None => report.note(*line, ListProblemKind::NoAccount),
                Some((_, false)) => report.note(*line, ListProblemKind::Unverified),
                Some((user, true)) => members.push(*user),
            }
        }
        members.sort();
        members.dedup();
        report.list.matched = members.len() as u32;
        let l = &report.list;
        let row = ListRow {
            id: l.id,
            name: l.name.clone(),
            rows: l.rows,
            matched: l.matched,
            created_by: l.created_by,
            created_at: l.created_at,
        };
        match self.audiences.create_list(row, members).await? {
            ListCreated::Created => Ok(report),
            // Another request with this id got there first: the list as it kept it.
            ListCreated::Exists => Ok(ListReport::kept(list_view(
                self.audiences
                    .list(import.id)
                    .await?
                    .ok_or_else(|| AppError::new(ErrorCode::NotFound, "No such list."))?
                    .0,
            ))),
            ListCreated::Full => Err(full_of("lists")),
        }
    }

    /// Deletes a list (its id is never used again); refused while a campaign that may still
    /// send names it.
    pub async fn delete_list(&self, caller: &Caller, id: Uuid) -> AppResult<()> {
        caller.require(WRITERS)?;
        match self.audiences.delete_list(id, now()).await? {
            ListDeleted::Deleted | ListDeleted::Missing => Ok(()),
            ListDeleted::InUse => Err(AppError::new(
                ErrorCode::TransitionNotAllowed,
                "A campaign that is not finished names this list: finish or edit it first.",
            )),
        }
    }

    pub async fn save_segment(&self, caller: &Caller, segment: NewSegment) -> AppResult<SavedSegment> {
        caller.require(WRITERS)?;
        let name = name_of(&segment.name)?;
        check::audience(&segment.audience, &self.tag_ids().await?)?;
        self.lists_exist(&segment.audience).await?;
        let row = SegmentRow {
            id: segment.id,
            name: name.clone(),
            audience: serde_json::to_string(&segment.audience).unwrap_or_default(),
            created_by: caller.user.id,
            updated_at: now(),
        };
        if !self.audiences.put_segment(row.clone()).await? {
            return Err(full_of("segments"));
        }
        Ok(SavedSegment {
            id: row.id,
            name,
            audience: segment.audience,
            created_by: row.created_by,
            updated_at: row.updated_at,
        })
    }

    pub async fn delete_segment(&self, caller: &Caller, id: Uuid) -> AppResult<()> {
        caller.require(WRITERS)?;
        self.audiences.delete_segment(id).await?;
        Ok(())
    }

    /// Every list an audience names exists.
    pub(super) async fn lists_exist(&self, audience: &Audience) -> AppResult<()> {
        if audience.lists.is_empty() {
            return Ok(());
        }
        let found: HashSet<Uuid> = self.audiences.existing_lists(audience.lists.clone()).await?.into_iter().collect();
        match audience.lists.iter().find(|l| !found.contains(l)) {
            Some(gone) => Err(bad("audience.lists", &format!("There is no imported list {gone}."))),
            None => Ok(()),
        }
    }
}

trait Noting {
    fn kept(list: AudienceList) -> Self;
    fn note(&mut self, line: u32, problem: ListProblemKind);
}

impl Noting for ListReport {
    /// A report with nothing noted yet.
    fn kept(list: AudienceList) -> Self {
        ListReport { list, invalid: 0, duplicates: 0, no_account: 0, unverified: 0, problems: vec![] }
    }

    fn note(&mut self, line: u32, problem: ListProblemKind) {
        match problem {
            ListProblemKind::Invalid => self.invalid += 1,
            ListProblemKind::Duplicate => self.duplicates += 1,
            ListProblemKind::NoAccount => self.no_account += 1,
            ListProblemKind::Unverified => self.unverified += 1,
        }
        if self.problems.len() < MAX_PROBLEMS_SHOWN {
            self.problems.push(ListProblem { line, problem });
        }
    }
}
