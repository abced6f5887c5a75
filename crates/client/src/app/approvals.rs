//! Customer prices (客户价格) and requests beyond a business manager's authority in the app, online:
//! a price is decided on the lists as they are, a request is decided by the order center. A
//! request's id is made once per attempt by the screen, so a lost answer retried lands once.
use super::*;

impl PortalApp {
    pub async fn price_list(&self, query: PriceListQuery) -> ClientResult<PriceListPage> {
        self.authed(|api, token| {
            let query = query.clone();
            async move { api.call(Some(&token), &ep::PriceListOf { query }).await }
        })
        .await
    }

    pub async fn put_prices(&self, entries: Vec<PriceListEntry>) -> ClientResult<PriceListResult> {
        self.authed(|api, token| {
            let body = PriceListUpload { entries: entries.clone() };
            async move { api.call(Some(&token), &ep::PutPriceEntries { body }).await }
        })
        .await
    }

    pub async fn ask_approval(&self, ask: ApprovalAsk) -> ClientResult<Approval> {
        self.authed(|api, token| {
            let body = ask.clone();
            async move { api.call(Some(&token), &ep::AskApproval { body }).await }
        })
        .await
    }

    pub async fn approvals(&self, query: ApprovalQuery) -> ClientResult<ApprovalList> {
        self.authed(|api, token| {
            let query = query.clone();
            async move { api.call(Some(&token), &ep::Approvals { query }).await }
        })
        .await
    }

    pub async fn decide_approval(&self, id: Uuid, decision: ApprovalDecision) -> ClientResult<Approval> {
        self.authed(|api, token| {
            let body = decision.clone();
            async move { api.call(Some(&token), &ep::DecideApproval { id, body }).await }
        })
        .await
    }
}
