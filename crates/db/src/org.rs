//! The organisation: stores, dealers, and who works where.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

/// Where a role places an account among the stores it was given: its home store (the first), the
/// stores it is assigned to from now on (a promoter works at one store, its first; a store
/// manager at each) and those it manages (a store manager's). Other roles work at no store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffPlacement {
    pub home: Option<Uuid>,
    pub assigned: Vec<Uuid>,
    pub manages: Vec<Uuid>,
}

pub fn staff_placement(role: Role, stores: &[Uuid]) -> StaffPlacement {
    let mut distinct: Vec<Uuid> = Vec::with_capacity(stores.len());
    for store in stores {
        if !distinct.contains(store) {
            distinct.push(*store);
        }
    }
    let home = distinct.first().copied();
    match role {
        Role::Promoter => StaffPlacement { home, assigned: distinct.into_iter().take(1).collect(), manages: vec![] },
        Role::StoreManager => StaffPlacement { home, assigned: distinct.clone(), manages: distinct },
        _ => StaffPlacement { home, assigned: vec![], manages: vec![] },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promoter_works_at_its_first_store_and_a_manager_at_each() {
        let [a, b] = [Uuid::from_u128(1), Uuid::from_u128(2)];
        let promoter = staff_placement(Role::Promoter, &[a, b]);
        assert_eq!(promoter, StaffPlacement { home: Some(a), assigned: vec![a], manages: vec![] });
        let manager = staff_placement(Role::StoreManager, &[b, a, b]);
        assert_eq!(manager, StaffPlacement { home: Some(b), assigned: vec![b, a], manages: vec![b, a] });
        assert_eq!(staff_placement(Role::Consumer, &[]), StaffPlacement::default());
    }
}

#[async_trait]
pub trait Org: Send + Sync {
    async fn upsert_store(&self, store: portal_api::Store) -> DbResult<()>;
    async fn upsert_dealer(&self, dealer: portal_api::Dealer) -> DbResult<()>;
    async fn get_store(&self, id: Uuid) -> DbResult<Option<portal_api::Store>>;
    async fn get_dealer(&self, id: Uuid) -> DbResult<Option<portal_api::Dealer>>;
    async fn count_members(&self, role: Role, org_id: Uuid) -> DbResult<u32>;
    /// Sets the role with its stores (a promoter's one, a manager's several; the first is the home
    /// store) or dealer, and clears any discount limit set for the old role.
    /// Ends the account's current store assignments and starts the new ones at `now`.
    async fn set_role(
        &self,
        user_id: Uuid,
        role: Role,
        store_ids: Vec<Uuid>,
        dealer_id: Option<Uuid>,
        now: i64,
    ) -> DbResult<bool>;
    /// Whether the account worked at the store (as a promoter or its manager) at time `at`.
    async fn assigned_at(&self, user_id: Uuid, store_id: Uuid, at: i64) -> DbResult<bool>;
    /// The stores an account works at: a promoter's own, a store manager's (home store first).
    async fn user_stores(&self, user_id: Uuid) -> DbResult<Vec<portal_api::Store>>;
    async fn manages(&self, user_id: Uuid, store_id: Uuid) -> DbResult<bool>;
    /// The promoters and managers of a store.
    async fn store_staff(&self, store_id: Uuid) -> DbResult<Vec<UserRecord>>;
    async fn set_discount_limit(&self, user_id: Uuid, percent: Option<u32>) -> DbResult<bool>;
}
