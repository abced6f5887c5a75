//! The unified customer view: one page per customer. Operators see anyone's, a consumer their own,
//! and a promoter (or store manager) the customer they are serving at the counter, for a while,
//! once the customer has read out the code sent to their phone.
use portal_api::{
    CodeChannel, CodePurpose, CounterConsent, CustomerPhone, CustomerPurchase, CustomerRecommendation, CustomerView,
    ErrorCode, IdentityKind, Role, SendCodeResponse,
};
use portal_marketing::{
    profile::{self, Viewer},
    trail::ATTRIBUTION_WINDOW_SECS,
};
use uuid::Uuid;

use crate::{
    auth::Caller,
    catalog::CatalogService,
    common::now,
    db::{Accounts, CustomerView as CustomerRecords, Database, Events, Favourites},
    error::{AppError, AppResult},
    identity::{normalize, IdentityService},
};
use std::sync::Arc;

/// The customer view as a service: it reads a person's record, identities, favourites and
/// consent, and asks the user center for the counter codes a customer reads out.
#[derive(Clone)]
pub struct CustomerViewService {
    customers: Arc<dyn CustomerRecords>,
    accounts: Arc<dyn Accounts>,
    favourites: Arc<dyn Favourites>,
    /// The person's tracking consent.
    consents: Arc<dyn Events>,
    identity: IdentityService,
    catalog: CatalogService,
}

impl CustomerViewService {
    pub fn new(db: &Arc<dyn Database>, identity: IdentityService, catalog: CatalogService) -> Self {
        Self {
            customers: db.clone(),
            accounts: db.clone(),
            favourites: db.clone(),
            consents: db.clone(),
            identity,
            catalog,
        }
    }
}

/// How long a promoter may see a customer's view after the customer agreed.
pub const COUNTER_GRANT_SECS: i64 = 30 * 60;
/// Purchase lines and recommendation lists a view shows.
const VIEW_LINES: u32 = 100;

/// A mainland number as 139****0005; any other as ****5678 (its last four digits only).
pub fn masked(phone: &str) -> String {
    let tail = |digits: &[char]| digits[digits.len().saturating_sub(4)..].iter().collect::<String>();
    match phone.strip_prefix("+86") {
        Some(rest) if rest.chars().count() == 11 => {
            let digits: Vec<char> = rest.chars().collect();
            format!("{}****{}", digits[..3].iter().collect::<String>(), tail(&digits))
        }
        _ => {
            let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
            if digits.len() < 8 {
                "****".into()
            } else {
                format!("****{}", tail(&digits))
            }
        }
    }
}

/// The key a counter code is kept under: bound to the promoter who asked for it.
fn counter_purpose(promoter: Uuid) -> String {
    format!("{}:{promoter}", CodePurpose::CounterConsent.as_str())
}

impl CustomerViewService {
    /// A customer's view, if the caller may see it.
    pub async fn customer_view(&self, caller: &Caller, id: Uuid) -> AppResult<CustomerView> {
        let now = now();
        let visible_until = match caller.user.role {
            Role::Operator | Role::Admin => {
                // Every look at a customer by staff is on record.
                tracing::info!(viewer = %caller.user.id, customer = %id, "customer view opened");
                None
            }
            Role::Consumer if caller.user.id == id => None,
            Role::Promoter | Role::StoreManager => {
                let Some(until) =
                    self.customers.counter_view_until(caller.user.id, id, caller.user.store_id, now).await?
                else {
                    return Err(AppError::new(
                        ErrorCode::Forbidden,
                        "Ask the customer for the code sent to their phone to see their profile.",
                    ));
                };
                Some(until)
            }
            _ => return Err(AppError::forbidden()),
        };
        let viewer = if caller.user.id == id { Viewer::Themself } else { Viewer::Staff };
        let mut view = self.assemble_view(id, viewer).await?;
        if matches!(caller.user.role, Role::Promoter | Role::StoreManager) {
            view.phone = view.phone.as_deref().map(masked);
            view.visible_until = visible_until;
        }
        Ok(view)
    }

    /// An operator finds a customer by phone.
    pub async fn find_customer(&self, caller: &Caller, phone: &str) -> AppResult<CustomerView> {
        caller.require(&[Role::Operator, Role::Admin])?;
        let phone = normalize::phone(phone)?;
        let identity = self
            .accounts
            .find_identity(IdentityKind::Phone, &phone)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::AccountNotFound, "No customer uses this phone number."))?;
        self.customer_view(caller, identity.user_id).await
    }

    /// The promoter serving a customer asks for the code that lets them see the customer's view;
    /// it goes to the customer's phone.
    pub async fn send_counter_code(
        &self,
        caller: &Caller,
        req: CustomerPhone,
        client_ip: &str,
    ) -> AppResult<SendCodeResponse> {
        caller.require(&[Role::Promoter, Role::StoreManager])?;
        let phone = normalize::phone(&req.phone)?;
        // Whether the number belongs to a customer is not told: a number that does not gets the
        // same answer, throttles and a code kept the same way, but no message (so the code read
        // out never matches, and a wrong one is answered as for anyone).
        if self.customer_with_phone(&phone).await.is_err() {
            tracing::info!(promoter = %caller.user.id, "counter code asked for a number of no customer");
            return self
                .identity
                .issue_code_unsent(
                    CodeChannel::Sms,
                    phone,
                    CodePurpose::CounterConsent,
                    counter_purpose(caller.user.id),
                    client_ip,
                )
                .await;
        }
        self.identity
            .deliver_code(
                CodeChannel::Sms,
                phone,
                CodePurpose::CounterConsent,
                counter_purpose(caller.user.id),
                client_ip,
            )
            .await
    }

    /// The customer read out the code: the promoter may see their view for a while.
    pub async fn counter_consent(&self, caller: &Caller, req: CounterConsent) -> AppResult<CustomerView> {
        caller.require(&[Role::Promoter, Role::StoreManager])?;
        let phone = normalize::phone(&req.phone)?;
        // A number of no customer is checked against its unsent code like anyone's, so the answer
        // is a wrong code's, never "no such customer".
        let customer = match self.customer_with_phone(&phone).await {
            Ok(customer) => customer,
            Err(_) => {
                self.identity.verify_code_for(&phone, &counter_purpose(caller.user.id), &req.code).await?;
                return Err(AppError::field(ErrorCode::InvalidCode, "code", "The code is wrong."));
            }
        };
        if let Err(refused) = self.identity.verify_code_for(&phone, &counter_purpose(caller.user.id), &req.code).await {
            // The answer to an accepted code was lost and the promoter tries again: the grant stands.
            if self.customers.counter_view_until(caller.user.id, customer, caller.user.store_id, now()).await?.is_some()
            {
                return self.customer_view(caller, customer).await;
            }
            return Err(refused);
        }
        self.customers
            .grant_counter_view(caller.user.id, customer, caller.user.store_id, now() + COUNTER_GRANT_SECS)
            .await?;
        tracing::info!(promoter = %caller.user.id, customer = %customer, "customer agreed to show their profile at the counter");
        self.customer_view(caller, customer).await
    }

    async fn customer_with_phone(&self, phone: &str) -> AppResult<Uuid> {
        let identity = self.accounts.find_identity(IdentityKind::Phone, phone).await?;
        let user = match identity {
            Some(i) => self.accounts.get_user(i.user_id).await?,
            None => None,
        };
        match user {
            Some(u) if u.role == Role::Consumer => Ok(u.id),
            _ => Err(AppError::new(ErrorCode::AccountNotFound, "No customer uses this phone number.")),
        }
    }

    async fn assemble_view(&self, id: Uuid, viewer: Viewer) -> AppResult<CustomerView> {
        // Staff accounts are not customers: nobody sees them here.
        let user = self
            .accounts
            .get_user(id)
            .await?
            .filter(|u| u.role == Role::Consumer)
            .ok_or_else(|| AppError::not_found("customer"))?;
        let phone = self
            .accounts
            .list_identities(id)
            .await?
            .into_iter()
            .find(|i| i.kind == IdentityKind::Phone)
            .map(|i| i.value);
        let mut record = self.customers.customer_record(id, VIEW_LINES).await?;
        let tracking = self.consents.tracking_consent(id).await?.map(|(t, _)| t);
        // One rule says what this viewer may see of this person (`portal_marketing::profile`).
        let scope = profile::scope(viewer, tracking);
        if !scope.behaviour {
            record.lists.clear();
            record.clicks.clear();
        }
        if !scope.tags {
            record.tags.clear();
        }
        let favourites = self.favourites.favourites(id).await?.into_iter().map(|f| f.model).collect();
        let book = self.catalog.price_book().await?;
        let purchases: Vec<CustomerPurchase> = record
            .purchases
            .into_iter()
            .map(|p| CustomerPurchase {
                model: book.model_of_sku.get(&p.sku).cloned(),
                sale_id: p.sale_id,
                store_name: p.store_name,
                city: p.city,
                at: p.at,
                sku: p.sku,
                quantity: p.quantity,
                returned: p.returned,
                amount: p.net,
            })
            .collect();
        let recommendations = record
            .lists
            .into_iter()
            .map(|(list_id, served_at, placement, algorithm, models)| {
                let clicked: Vec<String> =
                    record.clicks.iter().filter(|(l, _)| *l == list_id).map(|(_, m)| m.clone()).collect();
                let bought: Vec<String> = models
                    .iter()
                    .filter(|m| {
                        purchases.iter().any(|p| {
                            p.model.as_ref() == Some(*m)
                                && p.at >= served_at
                                && p.at - served_at <= ATTRIBUTION_WINDOW_SECS
                        })
                    })
                    .cloned()
                    .collect();
                CustomerRecommendation { list_id, served_at, placement, algorithm, models, clicked, bought }
            })
            .collect();
        Ok(CustomerView {
            id,
            display_name: user.display_name,
            phone,
            member_since: user.created_at,
            tracking,
            tags: record.tags,
            spend: record.spend,
            purchases,
            favourites,
            recommendations,
            visible_until: None,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn phones_are_masked_for_the_counter() {
        assert_eq!(super::masked("+8613900000005"), "139****0005");
        assert_eq!(super::masked("+86123"), "****");
        assert_eq!(super::masked("+12025550123"), "****0123", "only the last four of other numbers");
        assert_eq!(super::masked("+1234567"), "****");
    }
}
