//! Customer tags (operators) and the unified customer view (operators, the customer, and the
//! promoter the customer lets see it at the counter). Online only: nothing here is kept on the
//! device.
use super::*;

impl PortalApp {
    pub async fn customer_tags(&self) -> ClientResult<CustomerTagList> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::ListCustomerTags {}).await }).await
    }

    pub async fn create_customer_tag(&self, req: NewCustomerTag) -> ClientResult<CustomerTag> {
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.call(Some(&token), &ep::CreateCustomerTag { body: req.clone() }).await }
        })
        .await
    }

    pub async fn delete_customer_tag(&self, id: Uuid) -> ClientResult<CustomerTagList> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DeleteCustomerTag { id: id }).await })
            .await?;
        self.customer_tags().await
    }

    pub async fn recompute_customer_tags(&self, full: bool) -> ClientResult<CustomerTagList> {
        self.authed(|api, token| async move {
            api.call(Some(&token), &ep::RecomputeCustomerTags { query: RecomputeQuery { full: Some(full) } }).await
        })
        .await
    }

    pub async fn find_customer(&self, phone: String) -> ClientResult<CustomerView> {
        self.authed(|api, token| {
            let phone = phone.clone();
            async move {
                api.call(Some(&token), &ep::FindCustomer { body: CustomerPhone { phone: phone.to_owned() } }).await
            }
        })
        .await
    }

    pub async fn customer_view(&self, id: Uuid) -> ClientResult<CustomerView> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::CustomerViewOf { id: id }).await }).await
    }

    pub async fn own_customer_view(&self) -> ClientResult<CustomerView> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::OwnCustomerView {}).await }).await
    }

    pub async fn counter_code(&self, phone: String) -> ClientResult<SendCodeResponse> {
        self.authed(|api, token| {
            let phone = phone.clone();
            async move { api.call(Some(&token), &ep::CounterCode { body: CustomerPhone { phone: phone.to_owned() } }).await }
        })
        .await
    }

    pub async fn counter_consent(&self, phone: String, code: String) -> ClientResult<CustomerView> {
        let req = CounterConsent { phone, code };
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.call(Some(&token), &ep::CounterConsentGiven { body: req.clone() }).await }
        })
        .await
    }
}
