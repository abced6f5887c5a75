//! The composition root: the server's domain services, built once over one database, and the
//! passes that cross domains (pruning).
use std::sync::Arc;

use crate::{
    campaigns::CampaignService,
    catalog::CatalogService,
    common::now,
    config::Config,
    console::ConsoleService,
    db::Database,
    distribution::DistributionService,
    favourites::FavouritesService,
    gateways::Gateways,
    identity::{tokens::ServerKeys, IdentityService},
    marketing::{customer_view::CustomerViewService, MarketingService},
    org::OrgService,
    store_ops::StoreOpsService,
};

pub struct Portal {
    /// The database whole, for the passes that cross domains and for the benches; a domain's
    /// code reaches storage through its service, which sees only its own traits.
    pub db: Arc<dyn Database>,
    pub keys: Arc<ServerKeys>,
    pub config: Arc<Config>,
    /// Accounts, codes, passwords, tokens and sessions.
    pub identity: IdentityService,
    /// Stores, dealers and who works where.
    pub org: OrgService,
    /// The product center.
    pub catalog: CatalogService,
    /// Each store's ledger.
    pub store_ops: StoreOpsService,
    /// The products each person saved.
    pub favourites: FavouritesService,
    /// Events, tags, recommenders, experiments, triggers and the inbox.
    pub marketing: MarketingService,
    /// One page per customer, for operators, the counter and the person.
    pub customers: CustomerViewService,
    /// Dealers' orders, credit and shipments.
    pub distribution: DistributionService,
    /// The administrator's console, this instance's metrics and heartbeat.
    pub console: ConsoleService,
    pub campaigns: CampaignService,
    /// The live channel's connections and what they are told.
    pub live: std::sync::Arc<crate::live::LiveHub>,
}

impl Portal {
    pub fn new(db: Arc<dyn Database>, gateways: Arc<Gateways>, keys: ServerKeys, config: Config) -> Self {
        let keys = Arc::new(keys);
        let config = Arc::new(config);
        let catalog = CatalogService::new(&db);
        let org = OrgService::new(&db);
        let identity = IdentityService::new(&db, gateways.clone(), keys.clone(), config.clone());
        let coupon_signer = Arc::new(keys.coupon_signer());
        Self {
            marketing: MarketingService::new(&db, catalog.clone(), org.clone(), config.clone()),
            customers: CustomerViewService::new(&db, identity.clone(), catalog.clone()),
            identity,
            store_ops: StoreOpsService::new(&db, org.clone(), catalog.clone(), &coupon_signer.public_key()),
            distribution: DistributionService::new(&db, org.clone(), catalog.clone()),
            favourites: FavouritesService::new(&db),
            console: ConsoleService::new(&db),
            campaigns: CampaignService::new(
                &db,
                coupon_signer,
                org.clone(),
                gateways,
                &config.sms_callback_token.0,
                keys.clone(),
            ),
            live: crate::live::LiveHub::new(),
            catalog,
            org,
            db,
            keys,
            config,
        }
    }

    /// Deletes expired codes, old password attempts and ended sessions, and what the retention
    /// policy says has expired, now and then on a timer.
    pub async fn prune(&self) -> Result<crate::db::PruneCounts, crate::db::DbError> {
        let now = now();
        let codes_before = now - 24 * 3600;
        let attempts_before = now - 2 * self.config.password_lockout_secs as i64;
        let sessions_before = now - self.config.session_idle_ttl_secs as i64;
        let counts = self.db.prune(codes_before, attempts_before, sessions_before).await?;
        let kept = self.db.prune_marketing(self.config.retention(), now).await?;
        let audit = self.db.prune_audit(now - crate::console::AUDIT_RETENTION_SECS).await?;
        tracing::info!(
            events = kept.events,
            anonymous_events = kept.anonymous_events,
            interest = kept.interest,
            lists = kept.lists,
            inbox = kept.inbox,
            counter_grants = kept.counter_grants,
            audit,
            "retention applied"
        );
        Ok(counts)
    }
}
