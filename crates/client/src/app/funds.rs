//! A dealer's prepayment and rebate balances in the app, online (a payment is decided on the
//! balance as it is): the dealer pays receivables from a balance, the order center books
//! prepayments and bank transfers. Each carries a reference made once per attempt by the screen,
//! so a lost answer retried books once.
use super::*;

impl PortalApp {
    pub async fn dealer_funds(&self, dealer_id: Uuid) -> ClientResult<DealerFunds> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DealerFundsOf { id: dealer_id }).await })
            .await
    }

    pub async fn record_prepayment(&self, dealer_id: Uuid, prepayment: Prepayment) -> ClientResult<DealerFunds> {
        self.authed(|api, token| {
            let body = prepayment.clone();
            async move { api.call(Some(&token), &ep::RecordPrepayment { id: dealer_id, body }).await }
        })
        .await
    }

    pub async fn record_dealer_payment(&self, dealer_id: Uuid, payment: RecordPayment) -> ClientResult<CreditLine> {
        self.authed(|api, token| {
            let body = payment.clone();
            async move { api.call(Some(&token), &ep::RecordDealerPayment { id: dealer_id, body }).await }
        })
        .await
    }
}
