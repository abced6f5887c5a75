//! Audiences an operator keeps for campaigns: saved segments (a named audience to start a
//! campaign's from) and lists imported from a CSV file of phone numbers (外部导入), matched to
//! accounts by verified phone only, with a report of every row that was not.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::Audience;

/// A list of people imported from a file: how many rows it had and how many became members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AudienceList {
    pub id: Uuid,
    pub name: String,
    pub rows: u32,
    pub matched: u32,
    pub created_by: Uuid,
    pub created_at: i64,
}

/// A named audience, saved to start campaigns from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SavedSegment {
    pub id: Uuid,
    pub name: String,
    pub audience: Audience,
    pub created_by: Uuid,
    pub updated_at: i64,
}

/// The imported lists and saved segments, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Audiences {
    pub lists: Vec<AudienceList>,
    pub segments: Vec<SavedSegment>,
}

/// A segment as its writer saves it (the id chosen by the app; saving again replaces it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct NewSegment {
    pub id: Uuid,
    pub name: String,
    pub audience: Audience,
}

/// A file of phone numbers to import as a list (`POST /v1/audiences/lists`): CSV text with a
/// column named `phone` (or 手机/手机号/mobile), or one number a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ListImport {
    pub id: Uuid,
    pub name: String,
    pub csv: String,
}

/// Why a row did not become a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListProblemKind {
    /// Not a phone number.
    Invalid,
    /// The same number again (the first row counts).
    Duplicate,
    /// No account has this number.
    NoAccount,
    /// An account has it, not verified: nobody proved they own it, so it is not matched.
    Unverified,
}

/// One row that did not become a member (its line in the file, from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ListProblem {
    pub line: u32,
    pub problem: ListProblemKind,
}

/// What an import did: every row counted once, by what became of it; the first rows that did not
/// match, by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ListReport {
    pub list: AudienceList,
    pub invalid: u32,
    pub duplicates: u32,
    pub no_account: u32,
    pub unverified: u32,
    pub problems: Vec<ListProblem>,
}
