//! Audiences kept for campaigns: lists imported from files (their members written with the list
//! in one transaction) and saved segments; and who owns a batch of phone numbers.
use async_trait::async_trait;
use uuid::Uuid;

use crate::DbResult;

/// Rows an imported list may have, at most.
pub const MAX_LIST_ROWS: usize = 100_000;
/// Lists and segments kept, at most, each (the oldest must be deleted to add more).
pub const MAX_AUDIENCES: u32 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub id: Uuid,
    pub name: String,
    pub rows: u32,
    pub matched: u32,
    pub created_by: Uuid,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentRow {
    pub id: Uuid,
    pub name: String,
    /// JSON of the `Audience`.
    pub audience: String,
    pub created_by: Uuid,
    pub updated_at: i64,
}

/// The account a phone number is an identity of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneOwner {
    pub phone: String,
    pub user: Uuid,
    pub verified: bool,
}

/// What creating a list came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListCreated {
    Created,
    /// A list with this id exists already (a retry): nothing written.
    Exists,
    /// `MAX_AUDIENCES` lists are kept already.
    Full,
}

/// What deleting a list came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListDeleted {
    Deleted,
    /// No such list (or deleted already).
    Missing,
    /// A campaign that may still send names it.
    InUse,
}

#[async_trait]
pub trait Audiences: Send + Sync {
    /// The owners of these phone numbers (E.164), those that have one.
    async fn phone_owners(&self, phones: Vec<String>) -> DbResult<Vec<PhoneOwner>>;
    /// Creates the list with its members in one transaction.
    async fn create_list(&self, list: ListRow, members: Vec<Uuid>) -> DbResult<ListCreated>;
    /// A list, deleted or not (with when it was deleted).
    async fn list(&self, id: Uuid) -> DbResult<Option<(ListRow, Option<i64>)>>;
    /// Lists not deleted, newest first.
    async fn lists(&self, limit: u32) -> DbResult<Vec<ListRow>>;
    /// Deletes a list's members and marks it deleted (its id is never used again), unless a
    /// campaign not yet finished or rejected names it.
    async fn delete_list(&self, id: Uuid, at: i64) -> DbResult<ListDeleted>;
    /// Which of these ids are lists (not deleted).
    async fn existing_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<Uuid>>;
    /// Saves a segment (replacing one with its id); false when `MAX_AUDIENCES` are kept already.
    async fn put_segment(&self, segment: SegmentRow) -> DbResult<bool>;
    /// Segments, the most recently saved first.
    async fn segments(&self, limit: u32) -> DbResult<Vec<SegmentRow>>;
    async fn delete_segment(&self, id: Uuid) -> DbResult<bool>;
}
