//! Distribution as a service: dealers' orders at their own prices, the reviews they wait for,
//! their shipments to the stores the dealer supplies, and the dealer's credit line. Who may do
//! what is decided here, once:
//! - a distributor acts for their own dealer only;
//! - a business manager for the dealers they look after (credit lines up to their authority);
//! - the order center (administrators) for every dealer;
//! - a store's promoters and managers see the shipments coming to their store, never a price.
//!
//! The rules are `portal_distribution`'s; the storage decides nothing (`db::engines::orders`).
mod allocation;
mod approvals;
mod days;
mod ordering;
mod prices;
mod rebates;
mod statement;
mod steps;
mod supply;
mod trends;

pub use days::local_time;

use std::sync::Arc;

use portal_api::*;
use portal_distribution::{credit::LimitProblem, lifecycle::Actor};
use uuid::Uuid;

use crate::{
    auth::Caller,
    catalog::CatalogService,
    common::now,
    db::{
        position_line, CreditLimitChange, Database, DealerNetwork, DepositChange, OrderPage, Orders, Org,
        PaymentChange, PaymentProblem, PriceLists, Rebates, StoreOps,
    },
    error::{AppError, AppResult},
    org::OrgService,
};

/// The largest credit line a business manager sets on their own (¥5,000,000); above it an
/// administrator of the order center approves.
pub const MANAGER_CREDIT_AUTHORITY: i64 = 5_000_000_00;

#[derive(Clone)]
pub struct DistributionService {
    orders: Arc<dyn Orders>,
    allocations: Arc<dyn crate::db::Allocations>,
    approvals: Arc<dyn crate::db::Approvals>,
    /// Who asked, by name.
    people: Arc<dyn crate::db::Accounts>,
    /// Every dealer, for the order center's desk.
    directory: Arc<dyn crate::db::Console>,
    network: Arc<dyn DealerNetwork>,
    prices: Arc<dyn PriceLists>,
    rebates: Arc<dyn Rebates>,
    /// The stores' ledger, read for what the dealer's stores hold and sold.
    ledger: Arc<dyn StoreOps>,
    dealers: Arc<dyn Org>,
    org: OrgService,
    catalog: CatalogService,
}

/// How the caller stands to a dealer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    OwnDealer,
    ManagesDealer,
    OrderCenter,
}

impl Standing {
    fn actor(self) -> Actor {
        match self {
            Standing::OwnDealer => Actor::Distributor,
            Standing::ManagesDealer => Actor::BusinessManager,
            Standing::OrderCenter => Actor::OrderCenter,
        }
    }
}

impl DistributionService {
    pub fn new(db: &Arc<dyn Database>, org: OrgService, catalog: CatalogService) -> Self {
        Self {
            orders: db.clone(),
            allocations: db.clone(),
            approvals: db.clone(),
            people: db.clone(),
            directory: db.clone(),
            network: db.clone(),
            prices: db.clone(),
            rebates: db.clone(),
            ledger: db.clone(),
            dealers: db.clone(),
            org,
            catalog,
        }
    }

    /// The caller's standing towards a dealer, or forbidden.
    async fn standing(&self, caller: &Caller, dealer: Uuid) -> AppResult<Standing> {
        match caller.user.role {
            Role::Admin => Ok(Standing::OrderCenter),
            Role::Distributor if caller.user.dealer_id == Some(dealer) => Ok(Standing::OwnDealer),
            Role::BusinessManager if self.network.managed_dealers(caller.user.id).await?.contains(&dealer) => {
                Ok(Standing::ManagesDealer)
            }
            _ => Err(AppError::forbidden()),
        }
    }

    async fn dealer(&self, id: Uuid) -> AppResult<Dealer> {
        self.dealers.get_dealer(id).await?.ok_or_else(|| AppError::not_found("dealer"))
    }

    /// A dealer's desk: the dealer, their credit and the stores they supply.
    pub async fn desk(&self, caller: &Caller, dealer_id: Uuid) -> AppResult<DealerDesk> {
        self.standing(caller, dealer_id).await?;
        let dealer = self.dealer(dealer_id).await?;
        let credit = position_line(dealer_id, self.orders.credit_position(dealer_id).await?);
        let stores = self.network.supplied_stores(dealer_id).await?;
        Ok(DealerDesk { dealer, credit, stores })
    }

    pub async fn credit(&self, caller: &Caller, dealer_id: Uuid) -> AppResult<CreditLine> {
        self.standing(caller, dealer_id).await?;
        Ok(position_line(dealer_id, self.orders.credit_position(dealer_id).await?))
    }

    /// Sets a dealer's credit line: their business manager up to their authority, the order
    /// center any; never below what is already in use; always with a reason.
    pub async fn set_credit(&self, caller: &Caller, dealer_id: Uuid, req: SetCreditLimit) -> AppResult<CreditLine> {
        let standing = self.standing(caller, dealer_id).await?;
        if standing == Standing::OwnDealer {
            return Err(AppError::forbidden());
        }
        let reason = req.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(AppError::field(
                ErrorCode::ReasonRequired,
                "reason",
                "Say why the line changes (1 to 200 characters).",
            ));
        }
        if standing == Standing::ManagesDealer && req.limit > MANAGER_CREDIT_AUTHORITY {
            return Err(AppError::field(
                ErrorCode::Forbidden,
                "limit",
                "This line is above a business manager's authority (¥5,000,000): the order center sets it.",
            ));
        }
        self.dealer(dealer_id).await?;
        let change =
            CreditLimitChange { dealer_id, limit: req.limit, by: caller.user.id, reason: reason.to_owned(), at: now() };
        match self.orders.set_credit_limit(change).await? {
            Ok(position) => Ok(position_line(dealer_id, position)),
            Err(LimitProblem::Negative) => {
                Err(AppError::field(ErrorCode::InvalidCreditLimit, "limit", "A credit line is zero or more."))
            }
            Err(LimitProblem::BelowUsed { used }) => Err(AppError::field(
                ErrorCode::InvalidCreditLimit,
                "limit",
                format!(
                    "The dealer already uses {} of credit (receivables and confirmed orders): lower the line after \
                     they are invoiced and paid.",
                    yuan(used)
                ),
            )),
        }
    }

    pub async fn links(&self, caller: &Caller, dealer_id: Uuid) -> AppResult<DealerLinks> {
        self.standing(caller, dealer_id).await?;
        Ok(self.network.dealer_links(dealer_id).await?)
    }

    /// Books a dealer's payment against their receivables, once per reference: a bank transfer by
    /// the order center; from the dealer's prepayment or rebate balance by the dealer or the order
    /// center.
    pub async fn record_payment(&self, caller: &Caller, dealer_id: Uuid, req: RecordPayment) -> AppResult<CreditLine> {
        let standing = self.standing(caller, dealer_id).await?;
        let allowed = match req.source {
            PaymentSource::Bank => standing == Standing::OrderCenter,
            PaymentSource::Prepayment | PaymentSource::Rebate => standing != Standing::ManagesDealer,
        };
        if !allowed {
            return Err(AppError::forbidden());
        }
        // One reference space per source: a dealer's own payment never takes a bank transfer's.
        let reference = format!("{}:{}", wire_name(&req.source), reference_of(&req.reference)?);
        self.dealer(dealer_id).await?;
        let payment = PaymentChange {
            dealer_id,
            amount: req.amount,
            reference,
            source: req.source,
            by: caller.user.id,
            at: now(),
        };
        match self.orders.record_payment(payment).await? {
            Ok(position) => Ok(position_line(dealer_id, position)),
            Err(problem) => Err(payment_refused(problem)),
        }
    }

    /// A dealer's prepayment and rebate balances with their latest movements.
    pub async fn funds(&self, caller: &Caller, dealer_id: Uuid) -> AppResult<DealerFunds> {
        self.standing(caller, dealer_id).await?;
        let (position, movements) = self.orders.dealer_funds(dealer_id, 100).await?;
        Ok(DealerFunds { dealer_id, prepayment: position.prepayment, rebate: position.rebate, movements })
    }

    /// Books a prepayment paid in (the order center), once per reference.
    pub async fn record_prepayment(&self, caller: &Caller, dealer_id: Uuid, req: Prepayment) -> AppResult<DealerFunds> {
        if self.standing(caller, dealer_id).await? != Standing::OrderCenter {
            return Err(AppError::forbidden());
        }
        let reference = reference_of(&req.reference)?;
        self.dealer(dealer_id).await?;
        let deposit = DepositChange { dealer_id, amount: req.amount, reference, by: caller.user.id, at: now() };
        match self.orders.deposit_prepayment(deposit).await? {
            Ok(_) => self.funds(caller, dealer_id).await,
            Err(problem) => Err(payment_refused(problem)),
        }
    }

    /// Which stores a dealer supplies and who manages them (administrators).
    pub async fn set_links(&self, caller: &Caller, dealer_id: Uuid, links: DealerLinks) -> AppResult<DealerLinks> {
        caller.require(&[Role::Admin])?;
        self.dealer(dealer_id).await?;
        if links.tier.as_ref().is_some_and(|t| t.trim().chars().count() > 40) {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "tier",
                "A tier's name of at most 40 characters.",
            ));
        }
        if links.store_ids.len() > 500 {
            return Err(AppError::field(ErrorCode::InvalidParameter, "store_ids", "At most 500 stores per dealer."));
        }
        for store in &links.store_ids {
            if self.dealers.get_store(*store).await?.is_none() {
                return Err(AppError::field(ErrorCode::InvalidParameter, "store_ids", format!("No store {store}.")));
            }
        }
        if let Some(manager) = links.manager_id {
            let ok = self.org.account_role(manager).await? == Some(Role::BusinessManager);
            if !ok {
                return Err(AppError::field(
                    ErrorCode::InvalidRole,
                    "manager_id",
                    "The manager must be an account with the business manager role.",
                ));
            }
        }
        self.network.set_dealer_links(dealer_id, links, now()).await?;
        Ok(self.network.dealer_links(dealer_id).await?)
    }

    /// A business manager's desk: their dealers' credit and the reviews waiting for them.
    pub async fn business_desk(&self, caller: &Caller) -> AppResult<BusinessDesk> {
        caller.require(&[Role::BusinessManager, Role::Admin])?;
        let ids = match caller.user.role {
            Role::Admin => None,
            _ => Some(self.network.managed_dealers(caller.user.id).await?),
        };
        // The order center sees the first dealers by code (the console pages through the rest).
        let listed: Vec<Uuid> = match &ids {
            Some(ids) => ids.iter().copied().take(200).collect(),
            None => self.directory.dealers_page(None, 200).await?.into_iter().map(|d| d.id).collect(),
        };
        let mut dealers = Vec::new();
        for id in &listed {
            if let Some(dealer) = self.dealers.get_dealer(*id).await? {
                let credit = position_line(*id, self.orders.credit_position(*id).await?);
                dealers.push(DealerCredit { dealer, credit });
            }
        }
        // The oldest first: what has waited longest is decided first.
        let page = OrderPage {
            dealers: ids,
            statuses: vec![OrderStatus::PriceReview, OrderStatus::CreditReview],
            before: None,
            limit: 200,
            oldest_first: true,
        };
        let waiting = self.orders.order_page(page).await?;
        Ok(BusinessDesk { dealers, waiting })
    }
}

/// An amount in fen as people read it: ¥1,234.56.
/// A payment's or prepayment's reference, trimmed: 1 to 100 characters.
fn reference_of(text: &str) -> AppResult<String> {
    let reference = text.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(AppError::field(ErrorCode::InvalidParameter, "reference", "A reference of 1 to 100 characters."));
    }
    Ok(reference.to_owned())
}

fn payment_refused(problem: PaymentProblem) -> AppError {
    match problem {
        PaymentProblem::NotPositive => {
            AppError::field(ErrorCode::InvalidParameter, "amount", "An amount more than zero (and not too large).")
        }
        PaymentProblem::MoreThanOwed { owed } => AppError::field(
            ErrorCode::InvalidParameter,
            "amount",
            format!("The dealer owes {}: book the rest as a prepayment.", yuan(owed)),
        ),
        PaymentProblem::ReferenceTaken => AppError::field(
            ErrorCode::IdempotencyConflict,
            "reference",
            "This reference was booked for another amount: send it with its own reference.",
        ),
        PaymentProblem::MoreThanBalance { balance } => AppError::field(
            ErrorCode::InvalidParameter,
            "amount",
            format!("The balance it is paid from holds {}.", yuan(balance)),
        ),
    }
}

pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}¥{grouped}.{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(super::yuan(123_456_789), "¥1,234,567.89");
        assert_eq!(super::yuan(5), "¥0.05");
        assert_eq!(super::yuan(-100_000), "-¥1,000.00");
    }
}
