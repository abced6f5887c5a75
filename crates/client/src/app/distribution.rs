//! Distribution in the app: a dealer's desk (offline from what was read last), drafts and quick
//! orders kept on the device and sent through the outbox, the reviews and steps a business
//! manager or the order center takes (online: a review must see the ledger as it is), and the
//! shipments a store expects.
use super::*;
use crate::dealer_orders::{self, OrderDraft, QuickOrderRead};

/// A dealer's desk as the app shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct DealerDeskView {
    pub desk: DealerDesk,
    /// Newest first (the first page).
    pub orders: Vec<OrderSummary>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// When it was read from the server (unix seconds).
    pub fetched_at: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct DeskRead {
    desk: DealerDesk,
    orders: OrderList,
}

impl PortalApp {
    fn dealer_of_caller(&self) -> ClientResult<Uuid> {
        let user = self.signed_in_user()?;
        let profile = self.cache().profile(user)?.ok_or(ClientError::NotSignedIn)?;
        profile.value.dealer_id.ok_or_else(|| ClientError::Protocol("this account is not bound to a dealer".into()))
    }

    /// A dealer's desk: their credit, stores and recent orders (as last read, offline).
    pub async fn dealer_desk(&self, dealer_id: Option<Uuid>) -> ClientResult<DealerDeskView> {
        let dealer = match dealer_id {
            Some(id) => id,
            None => self.dealer_of_caller()?,
        };
        let fetched = self
            .authed(|api, token| async move {
                let desk = api.call(Some(&token), &ep::DealerDeskOf { id: dealer }).await?;
                let query = OrderListQuery { status: None, after: None, limit: Some(50) };
                let orders = api.call(Some(&token), &ep::DealerOrders { id: dealer, query }).await?;
                Ok(DeskRead { desk, orders })
            })
            .await;
        let snap = store_stock::snapshot(&self.cache(), &format!("dealer.desk.{dealer}"), fetched, now())?;
        Ok(DealerDeskView {
            desk: snap.data.desk,
            orders: snap.data.orders.orders,
            next: snap.data.orders.next,
            fetched_at: snap.fetched_at,
        })
    }

    pub async fn dealer_orders_page(&self, dealer_id: Uuid, query: OrderListQuery) -> ClientResult<OrderList> {
        self.authed(|api, token| {
            let query = query.clone();
            async move { api.call(Some(&token), &ep::DealerOrders { id: dealer_id, query }).await }
        })
        .await
    }

    pub fn read_quick_order(&self, text: &str) -> QuickOrderRead {
        dealer_orders::read_quick_order(text)
    }

    pub fn order_drafts(&self) -> ClientResult<Vec<OrderDraft>> {
        // The user first: reading it takes the cache, which is not re-entrant.
        let user = self.signed_in_user()?;
        dealer_orders::drafts(&self.cache(), user)
    }

    pub fn save_order_draft(&self, draft: OrderDraft) -> ClientResult<Vec<OrderDraft>> {
        let user = self.signed_in_user()?;
        dealer_orders::save(&self.cache(), user, draft, now())?;
        dealer_orders::drafts(&self.cache(), user)
    }

    pub fn delete_order_draft(&self, id: Uuid) -> ClientResult<Vec<OrderDraft>> {
        let user = self.signed_in_user()?;
        dealer_orders::delete(&self.cache(), user, id)?;
        dealer_orders::drafts(&self.cache(), user)
    }

    /// Sends a draft as the dealer sees it now (kept first: an edit saved a moment before may not
    /// have landed yet) through the outbox (offline it waits there), then tries to send it now.
    pub async fn send_order_draft(&self, draft: OrderDraft) -> ClientResult<Vec<OrderDraft>> {
        let user = self.signed_in_user()?;
        let id = draft.id;
        if draft.state != dealer_orders::DraftState::Sending {
            dealer_orders::save(&self.cache(), user, draft, now())?;
        }
        dealer_orders::send(&mut self.cache(), user, id, now())?;
        if let Err(e) = self.flush_outbox().await {
            tracing::info!(error = %e, "the order waits in the outbox");
        }
        dealer_orders::drafts(&self.cache(), user)
    }

    /// Prices lines for the dealer today (online: prices and credit are the server's).
    pub async fn quote_order(&self, dealer_id: Uuid, lines: Vec<OrderLineDraft>) -> ClientResult<Quote> {
        self.authed(|api, token| {
            let body = QuoteRequest { lines: lines.clone() };
            async move { api.call(Some(&token), &ep::QuoteOrder { id: dealer_id, body }).await }
        })
        .await
    }

    pub async fn order_detail(&self, id: Uuid) -> ClientResult<Order> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::OrderOf { id }).await }).await
    }

    pub async fn take_order_step(&self, id: Uuid, action: OrderAction, reason: Option<String>) -> ClientResult<Order> {
        self.authed(|api, token| {
            let body = TakeOrderStep { action, reason: reason.clone() };
            async move { api.call(Some(&token), &ep::StepOrder { id, body }).await }
        })
        .await
    }

    /// Ships lines of an order (the order center); `shipment_id` is made once per shipment, so a
    /// retry ships once.
    pub async fn ship_order(&self, id: Uuid, shipment_id: Uuid, lines: Vec<ShipLine>) -> ClientResult<Order> {
        self.authed(|api, token| {
            let body = ShipOrder { shipment_id, lines: lines.clone() };
            async move { api.call(Some(&token), &ep::ShipOrderNow { id, body }).await }
        })
        .await
    }

    pub async fn order_queue(&self, query: OrderListQuery) -> ClientResult<OrderList> {
        self.authed(|api, token| {
            let query = query.clone();
            async move { api.call(Some(&token), &ep::OrderQueue { query }).await }
        })
        .await
    }

    /// A dealer's statement for a span of days (online: balances are the server's).
    pub async fn dealer_statement(&self, dealer_id: Uuid, from: String, to: String) -> ClientResult<Statement> {
        self.authed(|api, token| {
            let query = StatementQuery { from: from.clone(), to: to.clone(), format: None };
            async move { api.call(Some(&token), &ep::DealerStatement { id: dealer_id, query }).await }
        })
        .await
    }

    /// What the dealer's stores hold and sold, by weeks of cover.
    pub async fn dealer_supply(&self, dealer_id: Uuid) -> ClientResult<SupplyReport> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DealerSupply { id: dealer_id }).await }).await
    }

    /// What a dealer stands to earn in each rebate rule's current period, and what was settled.
    pub async fn dealer_rebates(&self, dealer_id: Uuid) -> ClientResult<DealerRebates> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DealerRebatesOf { id: dealer_id }).await })
            .await
    }

    pub async fn business_desk(&self) -> ClientResult<BusinessDesk> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::BusinessDeskOf {}).await }).await
    }

    pub async fn set_credit_line(&self, dealer_id: Uuid, limit: i64, reason: String) -> ClientResult<CreditLine> {
        self.authed(|api, token| {
            let body = SetCreditLimit { limit, reason: reason.clone() };
            async move { api.call(Some(&token), &ep::SetCredit { id: dealer_id, body }).await }
        })
        .await
    }

    /// Shipments on their way to a store (as last read, offline), without those this device has
    /// already counted in and not yet heard back about.
    pub async fn expected_shipments(&self, store_id: Uuid) -> ClientResult<store_stock::Snapshot<ShipmentList>> {
        let user = self.signed_in_user()?;
        let fetched = self
            .authed(|api, token| async move { api.call(Some(&token), &ep::ExpectedShipments { id: store_id }).await })
            .await;
        let mut snap = store_stock::snapshot(&self.cache(), &format!("pos.shipments.{store_id}"), fetched, now())?;
        let counted = store_ops::pending_shipment_counts(&self.cache(), user)?;
        snap.data.shipments.retain(|s| !counted.contains(&s.id));
        Ok(snap)
    }
}
