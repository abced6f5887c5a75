//! E-coupons in the app: the person's wallet (kept for offline), and a store's tills checking a
//! code offline against the coupons the store takes (fetched whenever the till is online).
use super::*;
use crate::coupons::{self, TillCoupon, WalletView};

impl PortalApp {
    /// The person's coupons: the server's (kept for offline), else as last read.
    pub async fn wallet(&self) -> ClientResult<WalletView> {
        let user = self.signed_in_user()?;
        match self.authed(|api, token| async move { api.call(Some(&token), &ep::MyCoupons {}).await }).await {
            Ok(wallet) => {
                coupons::keep_wallet(&self.cache(), user, &wallet)?;
                Ok(WalletView { wallet, offline: false })
            }
            Err(ClientError::Unreachable { .. }) => {
                let wallet = coupons::kept_wallet(&self.cache(), user)?.unwrap_or(Wallet { coupons: vec![] });
                Ok(WalletView { wallet, offline: true })
            }
            Err(e) => Err(e),
        }
    }

    /// Fetches the coupons `store` takes and the brand's key, for its tills to check codes
    /// offline; returns how many series it keeps (as last fetched, when the server is away).
    pub async fn refresh_store_coupons(&self, store: Uuid) -> ClientResult<u32> {
        match self
            .authed(|api, token| async move { api.call(Some(&token), &ep::CouponsOfStore { id: store }).await })
            .await
        {
            Ok(fetched) => {
                coupons::keep_store(&self.cache(), store, &fetched)?;
                Ok(fetched.series.len() as u32)
            }
            Err(ClientError::Unreachable { .. }) => {
                Ok(coupons::kept_store(&self.cache(), store)?.map_or(0, |k| k.series.len() as u32))
            }
            Err(e) => Err(e),
        }
    }

    /// What a coupon's code takes off the basket `lines` at `store` now, checked on this device.
    pub fn check_coupon(&self, store: Uuid, code: &str, lines: &[SaleLine]) -> ClientResult<TillCoupon> {
        coupons::check(&self.cache(), store, code, lines, now())
    }
}
