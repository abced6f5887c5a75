//! Stores, dealers, the operator's audience and the administrator's user list, each behind its
//! role and scope check.
use portal_api::*;
use uuid::Uuid;

use std::sync::Arc;

use crate::{
    auth::Caller,
    db::{Accounts, Database, Org},
    error::{AppError, AppResult},
};

/// The organisation as a service: stores, dealers and who works where, with every role and scope
/// check. It sees the organisation's storage and the accounts (a user's role and stores), nothing
/// else; handlers take it with `State<OrgService>`, and other domains ask it for a store's scope.
#[derive(Clone)]
pub struct OrgService {
    org: Arc<dyn Org>,
    accounts: Arc<dyn Accounts>,
}

impl OrgService {
    pub fn new(db: &Arc<dyn Database>) -> Self {
        Self { org: db.clone(), accounts: db.clone() }
    }
}

impl OrgService {
    /// Who may see and act for a store: its promoters, its managers, and administrators.
    pub async fn check_store_scope(&self, caller: &Caller, store_id: Uuid) -> AppResult<()> {
        let allowed = match caller.user.role {
            Role::Admin => true,
            Role::Promoter => caller.user.store_id == Some(store_id),
            Role::StoreManager => self.org.manages(caller.user.id, store_id).await?,
            Role::Consumer | Role::Distributor | Role::BusinessManager | Role::Operator => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// A promoter sees only their own store, a manager the stores they run; an administrator any.
    pub async fn store_overview(&self, caller: &Caller, store_id: Uuid) -> AppResult<StoreOverview> {
        self.check_store_scope(caller, store_id).await?;
        let store = self.org.get_store(store_id).await?.ok_or_else(|| AppError::not_found("store"))?;
        let promoter_count = self.org.count_members(Role::Promoter, store_id).await?;
        Ok(StoreOverview { store, promoter_count })
    }

    /// A distributor sees only their own dealer; an administrator sees any.
    pub async fn dealer_overview(&self, caller: &Caller, dealer_id: Uuid) -> AppResult<DealerOverview> {
        caller.require(&[Role::Distributor, Role::Admin])?;
        if caller.user.role == Role::Distributor && caller.user.dealer_id != Some(dealer_id) {
            return Err(AppError::forbidden());
        }
        let dealer = self.org.get_dealer(dealer_id).await?.ok_or_else(|| AppError::not_found("dealer"))?;
        let member_count = self.org.count_members(Role::Distributor, dealer_id).await?;
        Ok(DealerOverview { dealer, member_count })
    }

    /// An account's role, if the account exists.
    pub async fn account_role(&self, user_id: Uuid) -> AppResult<Option<Role>> {
        Ok(self.accounts.get_user(user_id).await?.map(|u| u.role))
    }

    pub async fn audience(&self, caller: &Caller) -> AppResult<AudienceOverview> {
        caller.require(&[Role::Operator, Role::Admin])?;
        let c = self.accounts.audience_counts().await?;
        Ok(AudienceOverview {
            total_users: c.total_users,
            consumers: c.consumers,
            with_phone: c.with_phone,
            with_email: c.with_email,
        })
    }

    pub async fn list_users(&self, caller: &Caller, limit: u32, offset: u32) -> AppResult<UserList> {
        caller.require(&[Role::Admin])?;
        let (rows, total) = self.accounts.list_users(limit.clamp(1, 200), offset).await?;
        let users = rows.iter().map(|(u, identity_count)| summary(u, *identity_count)).collect();
        Ok(UserList { users, total })
    }

    /// Sets an account's role and its stores or dealer (administrators); the caller reads the
    /// profile as it now is.
    pub async fn set_role(&self, caller: &Caller, user_id: Uuid, req: SetRoleRequest) -> AppResult<()> {
        caller.require(&[Role::Admin])?;
        let (store_ids, dealer_id) = match req.role {
            Role::Promoter => {
                let id = req.store_id.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidRole, "store_id", "A promoter must be bound to a store.")
                })?;
                self.org.get_store(id).await?.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidRole, "store_id", "There is no store with this id.")
                })?;
                (vec![id], None)
            }
            Role::StoreManager => {
                if req.store_ids.is_empty() {
                    return Err(AppError::field(
                        ErrorCode::InvalidRole,
                        "store_ids",
                        "A store manager must run at least one store.",
                    ));
                }
                for id in &req.store_ids {
                    self.org.get_store(*id).await?.ok_or_else(|| {
                        AppError::field(ErrorCode::InvalidRole, "store_ids", "There is no store with this id.")
                    })?;
                }
                (req.store_ids.clone(), None)
            }
            Role::Distributor => {
                let id = req.dealer_id.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidRole, "dealer_id", "A distributor must be bound to a dealer.")
                })?;
                self.org.get_dealer(id).await?.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidRole, "dealer_id", "There is no dealer with this id.")
                })?;
                (vec![], Some(id))
            }
            _ => (vec![], None),
        };
        if user_id == caller.user.id && req.role != Role::Admin {
            return Err(AppError::field(
                ErrorCode::InvalidRole,
                "role",
                "An administrator cannot remove their own administrator role.",
            ));
        }
        if !self.org.set_role(user_id, req.role, store_ids, dealer_id, crate::common::now()).await? {
            return Err(AppError::not_found("account"));
        }
        Ok(())
    }
}

/// The most a sale by this person may take off: what their manager set, else their role's default.
pub fn discount_limit(user: &crate::db::UserRecord) -> u32 {
    user.discount_limit_percent.unwrap_or_else(|| portal_store_ops::checkout::default_discount_limit(user.role))
}

impl OrgService {
    /// The promoters and managers of a store, with their discount limits (its managers and
    /// administrators only).
    pub async fn store_staff(&self, caller: &Caller, store_id: Uuid) -> AppResult<StaffList> {
        caller.require(&[Role::StoreManager, Role::Admin])?;
        self.check_store_scope(caller, store_id).await?;
        let members = self.org.store_staff(store_id).await?.iter().map(staff_member).collect();
        Ok(StaffList { store_id, members })
    }

    /// A store manager sets the discount limit of a promoter of one of their stores: at most their
    /// own limit (and never above the cap). An administrator sets anyone's at the store.
    pub async fn set_discount_limit(
        &self,
        caller: &Caller,
        store_id: Uuid,
        user_id: Uuid,
        req: SetDiscountLimit,
    ) -> AppResult<StaffMember> {
        caller.require(&[Role::StoreManager, Role::Admin])?;
        self.check_store_scope(caller, store_id).await?;
        let staff = self.org.store_staff(store_id).await?;
        let target = staff.iter().find(|u| u.id == user_id).ok_or_else(|| AppError::not_found("staff member"))?;
        if caller.user.role == Role::StoreManager && target.role != Role::Promoter {
            return Err(AppError::forbidden());
        }
        if let Some(percent) = req.discount_limit_percent {
            let cap = match caller.user.role {
                Role::Admin => portal_store_ops::checkout::MAX_DISCOUNT_LIMIT_PERCENT,
                _ => discount_limit(&caller.user).min(portal_store_ops::checkout::MAX_DISCOUNT_LIMIT_PERCENT),
            };
            if percent > cap {
                return Err(AppError::field(
                    ErrorCode::DiscountAboveLimit,
                    "discount_limit_percent",
                    format!("A limit above {cap}% cannot be set here."),
                ));
            }
        }
        self.org.set_discount_limit(user_id, req.discount_limit_percent).await?;
        let updated = self.accounts.get_user(user_id).await?.ok_or_else(|| AppError::not_found("account"))?;
        Ok(staff_member(&updated))
    }
}

fn staff_member(u: &crate::db::UserRecord) -> StaffMember {
    StaffMember {
        user_id: u.id,
        display_name: u.display_name.clone(),
        role: u.role,
        discount_limit_percent: discount_limit(u),
        default_limit: u.discount_limit_percent.is_none(),
    }
}

/// An account as lists show it.
pub fn summary(u: &crate::db::UserRecord, identity_count: u32) -> UserSummary {
    UserSummary {
        id: u.id,
        display_name: u.display_name.clone(),
        role: u.role,
        store_id: u.store_id,
        dealer_id: u.dealer_id,
        identity_count,
        created_at: u.created_at,
    }
}
