//! Allocation and demand plans in the app, online: the order center sees what waits for a scarce
//! SKU and shares what it has (a run's id is made once per attempt by the screen, so a lost answer
//! retried lands once); a business manager reads and sets a dealer's demand plan (setting a
//! quantity is idempotent: sent again, it sets the same).
use super::*;

impl PortalApp {
    pub async fn allocation_demand(&self, sku: String) -> ClientResult<AllocationDemand> {
        self.authed(|api, token| {
            let query = AllocationDemandQuery { sku: sku.clone() };
            async move { api.call(Some(&token), &ep::AllocationDemandOf { query }).await }
        })
        .await
    }

    pub async fn run_allocation(&self, request: AllocationRequest) -> ClientResult<AllocationReport> {
        self.authed(|api, token| {
            let body = request.clone();
            async move { api.call(Some(&token), &ep::RunAllocation { body }).await }
        })
        .await
    }

    pub async fn demand_plan(&self, dealer_id: Uuid) -> ClientResult<DemandPlan> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DemandPlanOf { id: dealer_id }).await }).await
    }

    pub async fn set_demand_plan(&self, dealer_id: Uuid, entries: Vec<DemandPlanEntry>) -> ClientResult<DemandPlan> {
        self.authed(|api, token| {
            let body = DemandPlanUpdate { entries: entries.clone() };
            async move { api.call(Some(&token), &ep::SetDemandPlan { id: dealer_id, body }).await }
        })
        .await
    }

    pub async fn dealer_trends(&self, dealer_id: Uuid) -> ClientResult<DealerTrends> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DealerTrendsOf { id: dealer_id }).await })
            .await
    }
}
