//! Customer tags (operators) and the unified customer view (operators, the customer, and the
//! promoter the customer lets see it at the counter). Online only: nothing here is kept on the
//! device.
use super::*;

impl PortalApp {
    pub async fn customer_tags(&self) -> ClientResult<CustomerTagList> {
        self.authed(|api, token| async move { api.customer_tags(&token).await }).await
    }

    pub async fn create_customer_tag(&self, req: NewCustomerTag) -> ClientResult<CustomerTag> {
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.create_customer_tag(&token, &req).await }
        })
        .await
    }

    pub async fn delete_customer_tag(&self, id: Uuid) -> ClientResult<CustomerTagList> {
        self.authed(|api, token| async move { api.delete_customer_tag(&token, id).await }).await?;
        self.customer_tags().await
    }

    pub async fn recompute_customer_tags(&self, full: bool) -> ClientResult<CustomerTagList> {
        self.authed(|api, token| async move { api.recompute_customer_tags(&token, full).await }).await
    }

    pub async fn find_customer(&self, phone: String) -> ClientResult<CustomerView> {
        self.authed(|api, token| {
            let phone = phone.clone();
            async move { api.find_customer(&token, &phone).await }
        })
        .await
    }

    pub async fn customer_view(&self, id: Uuid) -> ClientResult<CustomerView> {
        self.authed(|api, token| async move { api.customer_view(&token, id).await }).await
    }

    pub async fn own_customer_view(&self) -> ClientResult<CustomerView> {
        self.authed(|api, token| async move { api.own_customer_view(&token).await }).await
    }

    pub async fn counter_code(&self, phone: String) -> ClientResult<SendCodeResponse> {
        self.authed(|api, token| {
            let phone = phone.clone();
            async move { api.counter_code(&token, &phone).await }
        })
        .await
    }

    pub async fn counter_consent(&self, phone: String, code: String) -> ClientResult<CustomerView> {
        let req = CounterConsent { phone, code };
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.counter_consent(&token, &req).await }
        })
        .await
    }
}
