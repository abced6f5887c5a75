//! What the server's list and search endpoints take in their query string. Absent fields are
//! left out of the URL.
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::Placement;

fn default_limit() -> u32 {
    50
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct PageQuery {
    #[serde(default = "default_limit")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
}

/// Which price list to read: a scope and, optionally, one SKU; valid on `day` (default today).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams, ts_rs::TS)]
pub struct PriceListQuery {
    pub scope_kind: String,
    #[serde(default)]
    pub scope_key: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// `YYYY-MM-DD`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
}

/// A statement's span: days `YYYY-MM-DD`, inclusive; `format=csv` answers CSV.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams, ts_rs::TS)]
pub struct StatementQuery {
    pub from: String,
    pub to: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// A page of orders, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams, ts_rs::TS)]
pub struct OrderListQuery {
    /// Only these statuses, comma-separated (`price_review,credit_review`).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The `next` of the page before.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Orders per page (1–200, default 50).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// The last page's last event: its time (unix seconds) and id, both or neither.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_id: Option<Uuid>,
    /// Events per page (1–200, default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct RecommendationQuery {
    /// `home` or `product`.
    pub placement: Placement,
    /// The product whose page shows the list (for `product`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Products in the list (1–24, default 12).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// Days back from now (1–90, default 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct SyncQuery {
    /// The cursor from the previous page; none for a full sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Items per page (1–5000, default 500).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `json` (default: the whole catalog) or `csv` (products, one row per SKU).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct RevisionQuery {
    /// The revision the editor read (`ProductRevision::revision`): the change lands only over it.
    /// Without one, the change lands over whatever is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// A phone number or e-mail address, normalised as the sender saw it.
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct RecomputeQuery {
    /// Over every customer (default: only those whose behaviour or purchases arrived since).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct FlagsQuery {
    /// The cursor of the last answer; absent, the answer holds no events and says where to start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct ReceiptQuery {
    /// The number printed on the receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct DayQuery {
    /// YYYY-MM-DD, the store's local day; today when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
}
