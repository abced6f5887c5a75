//! Demo data: a few stores and dealers, and one account per role. Idempotent.
use portal_api::{Dealer, IdentityKind, Role, Store as StoreInfo};
use uuid::Uuid;

use crate::{
    common::now,
    db::{CreditLimitChange, Database, DbError, NewIdentity, NewUser},
    identity::password,
    portal::Portal,
};

pub const DEMO_PASSWORD: &str = "Portal#2026";

pub const STORE_SHANGHAI: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101);
pub const STORE_BEIJING: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0102);
pub const STORE_SHENZHEN: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0103);
pub const DEALER_EAST: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0201);
pub const DEALER_SOUTH: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0202);

/// (username, phone, e-mail, display name, role, stores (a manager's several), dealer)
type DemoAccount =
    (&'static str, &'static str, Option<&'static str>, &'static str, Role, &'static [Uuid], Option<Uuid>);

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    ("admin", "+8613900000001", Some("admin@example.com"), "系统管理员", Role::Admin, &[], None),
    ("operator", "+8613900000002", Some("marketing@example.com"), "市场运营 王芳", Role::Operator, &[], None),
    ("promoter", "+8613900000003", None, "促销员 李娜", Role::Promoter, &[STORE_SHANGHAI], None),
    ("distributor", "+8613900000004", None, "华东经销商 张强", Role::Distributor, &[], Some(DEALER_EAST)),
    ("consumer", "+8613900000005", Some("consumer@example.com"), "消费者 陈晨", Role::Consumer, &[], None),
    ("manager", "+8613900000006", None, "店长 周敏", Role::StoreManager, &[STORE_SHANGHAI, STORE_BEIJING], None),
    ("sales", "+8613900000007", Some("sales@example.com"), "业务经理 刘洋", Role::BusinessManager, &[], None),
];

/// Which stores each demo dealer supplies, and its opening credit line in fen.
const DEMO_SUPPLY: &[(Uuid, &[Uuid], i64)] =
    &[(DEALER_EAST, &[STORE_SHANGHAI, STORE_BEIJING], 200_000_00), (DEALER_SOUTH, &[STORE_SHENZHEN], 100_000_00)];

/// The demo catalog's size when none is asked for.
pub const DEFAULT_SKUS: usize = 6000;

/// Accounts, organisation and (when the catalog is empty) a generated catalog of about `skus` SKUs.
pub async fn seed(portal: &Portal, skus: usize) -> anyhow::Result<usize> {
    let created = seed_accounts(portal.db.as_ref()).await?;
    let empty = portal.db.catalog_changes(0, 1).await?.rows.is_empty();
    if empty && skus > 0 {
        let doc = crate::catalog::demo::generate(skus, 2026, now());
        portal.catalog.write_images(&crate::catalog::demo::images()).await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
        let products = doc.products.len();
        portal.catalog.apply_document(doc).await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
        tracing::info!(products, skus, "demo catalog generated");
    }
    Ok(created)
}

pub async fn seed_accounts(store: &dyn Database) -> Result<usize, DbError> {
    for (id, code, name, city) in [
        (STORE_SHANGHAI, "SH-001", "上海南京东路旗舰店", "上海"),
        (STORE_BEIJING, "BJ-001", "北京中关村体验店", "北京"),
        (STORE_SHENZHEN, "SZ-001", "深圳华强北专卖店", "深圳"),
    ] {
        store.upsert_store(StoreInfo { id, code: code.into(), name: name.into(), city: city.into() }).await?;
    }
    for (id, code, name, region) in
        [(DEALER_EAST, "D-EAST", "华东电器贸易有限公司", "华东"), (DEALER_SOUTH, "D-SOUTH", "华南家电分销中心", "华南")]
    {
        store.upsert_dealer(Dealer { id, code: code.into(), name: name.into(), region: region.into() }).await?;
    }
    let mut created = 0;
    for &(username, phone, email, name, role, stores, dealer_id) in DEMO_ACCOUNTS {
        if store.find_identity(IdentityKind::Username, username).await?.is_some() {
            continue;
        }
        let hash =
            password::hash(DEMO_PASSWORD.into(), None).await.map_err(|_| DbError::Database("hashing failed".into()))?;
        let mut identities = vec![
            NewIdentity { kind: IdentityKind::Username, value: username.into(), verified: true },
            NewIdentity { kind: IdentityKind::Phone, value: phone.into(), verified: true },
        ];
        if let Some(email) = email {
            identities.push(NewIdentity { kind: IdentityKind::Email, value: email.into(), verified: true });
        }
        let id = Uuid::now_v7();
        store
            .create_user(NewUser {
                id,
                display_name: name.into(),
                role,
                store_id: stores.first().copied(),
                dealer_id,
                password_hash: Some(hash),
                created_at: now(),
                identities,
            })
            .await?;
        if role == Role::StoreManager {
            // The stores a manager runs are kept beside the account.
            store.set_role(id, role, stores.to_vec(), dealer_id, crate::common::now()).await?;
        }
        created += 1;
    }
    seed_supply(store).await?;
    Ok(created)
}

/// The demo dealers' stores, their business manager and their opening credit lines (once: a
/// dealer that has links already is left as it is).
async fn seed_supply(store: &dyn Database) -> Result<(), DbError> {
    let manager = match store.find_identity(IdentityKind::Username, "sales").await? {
        Some(identity) => Some(identity.user_id),
        None => None,
    };
    for &(dealer, stores, limit) in DEMO_SUPPLY {
        if !store.dealer_links(dealer).await?.store_ids.is_empty() {
            continue;
        }
        let links =
            portal_api::DealerLinks { store_ids: stores.to_vec(), manager_id: manager, tier: Some("gold".into()) };
        store.set_dealer_links(dealer, links, now()).await?;
        let by = manager.unwrap_or(Uuid::nil());
        let change =
            CreditLimitChange { dealer_id: dealer, limit, by, reason: "opening line (demo)".into(), at: now() };
        let _ = store.set_credit_limit(change).await?;
    }
    Ok(())
}
