//! Stores, dealers, the operator's audience and the administrator's user list, each behind its
//! role and scope check.
use portal_api::*;
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    identity::accounts::Caller,
    portal::Portal,
};

impl Portal {
    /// A promoter sees only their own store; an administrator sees any.
    pub async fn store_overview(&self, caller: &Caller, store_id: Uuid) -> AppResult<StoreOverview> {
        caller.require(&[Role::Promoter, Role::Admin])?;
        if caller.user.role == Role::Promoter && caller.user.store_id != Some(store_id) {
            return Err(AppError::forbidden());
        }
        let store = self.store.get_store(store_id).await?.ok_or_else(|| AppError::not_found("store"))?;
        let promoter_count = self.store.count_members(Role::Promoter, store_id).await?;
        Ok(StoreOverview { store, promoter_count })
    }

    /// A distributor sees only their own dealer; an administrator sees any.
    pub async fn dealer_overview(&self, caller: &Caller, dealer_id: Uuid) -> AppResult<DealerOverview> {
        caller.require(&[Role::Distributor, Role::Admin])?;
        if caller.user.role == Role::Distributor && caller.user.dealer_id != Some(dealer_id) {
            return Err(AppError::forbidden());
        }
        let dealer = self.store.get_dealer(dealer_id).await?.ok_or_else(|| AppError::not_found("dealer"))?;
        let member_count = self.store.count_members(Role::Distributor, dealer_id).await?;
        Ok(DealerOverview { dealer, member_count })
    }

    pub async fn audience(&self, caller: &Caller) -> AppResult<AudienceOverview> {
        caller.require(&[Role::Operator, Role::Admin])?;
        let c = self.store.audience_counts().await?;
        Ok(AudienceOverview {
            total_users: c.total_users,
            consumers: c.consumers,
            with_phone: c.with_phone,
            with_email: c.with_email,
        })
    }

    pub async fn list_users(&self, caller: &Caller, limit: u32, offset: u32) -> AppResult<UserList> {
        caller.require(&[Role::Admin])?;
        let (rows, total) = self.store.list_users(limit.clamp(1, 200), offset).await?;
        let users = rows
            .into_iter()
            .map(|(u, identity_count)| UserSummary {
                id: u.id,
                display_name: u.display_name,
                role: u.role,
                store_id: u.store_id,
                dealer_id: u.dealer_id,
                identity_count,
                created_at: u.created_at,
            })
            .collect();
        Ok(UserList { users, total })
    }

    pub async fn set_role(&self, caller: &Caller, user_id: Uuid, req: SetRoleRequest) -> AppResult<Profile> {
        caller.require(&[Role::Admin])?;
        let (store_id, dealer_id) = match req.role {
            Role::Promoter => {
                let id = req.store_id.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidRole, "store_id", "A promoter must be bound to a store.")
                })?;
                self.store.get_store(id).await?.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidRole, "store_id", "There is no store with this id.")
                })?;
                (Some(id), None)
            }
            Role::Distributor => {
                let id = req.dealer_id.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidRole, "dealer_id", "A distributor must be bound to a dealer.")
                })?;
                self.store.get_dealer(id).await?.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidRole, "dealer_id", "There is no dealer with this id.")
                })?;
                (None, Some(id))
            }
            _ => (None, None),
        };
        if user_id == caller.user.id && req.role != Role::Admin {
            return Err(AppError::field(
                ErrorCode::InvalidRole,
                "role",
                "An administrator cannot remove their own administrator role.",
            ));
        }
        if !self.store.set_role(user_id, req.role, store_id, dealer_id).await? {
            return Err(AppError::not_found("account"));
        }
        self.profile(user_id).await
    }
}
