//! The bundle offer recorded with a sale (the seeds' 夹带式 offer): what it must hold — checked on
//! the device before the sale is queued and again on the server — and what came of it.
use portal_api::{CounterOffer, SaleLine};

use crate::refusal::Refusal;

/// At most this many SKUs are shown with one sale.
pub const SHOWN_MAX: usize = 10;
const SKU_MAX_LEN: usize = 64;

/// Shown: 1 to `SHOWN_MAX` distinct SKUs; accepted: distinct, each among those shown.
pub fn check(offer: &CounterOffer) -> Result<(), Refusal> {
    let sku_ok = |s: &String| !s.trim().is_empty() && s.len() <= SKU_MAX_LEN;
    if offer.shown.is_empty() || offer.shown.len() > SHOWN_MAX || !offer.shown.iter().all(sku_ok) {
        return Err(Refusal::invalid(format!("an offer shows 1 to {SHOWN_MAX} SKUs")));
    }
    if offer.accepted.len() > offer.shown.len() {
        return Err(Refusal::invalid("an offer's customer takes at most what was shown"));
    }
    if has_duplicates(&offer.shown) || has_duplicates(&offer.accepted) {
        return Err(Refusal::invalid("an offer names each SKU once"));
    }
    if let Some(stray) = offer.accepted.iter().find(|a| !offer.shown.contains(a)) {
        return Err(Refusal::invalid(format!("{stray} was accepted but not shown")));
    }
    Ok(())
}

fn has_duplicates(skus: &[String]) -> bool {
    skus.iter().enumerate().any(|(i, s)| skus[..i].contains(s))
}

/// What came of an offer at the moment of the sale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OfferOutcome {
    pub shown: u32,
    pub accepted: u32,
    /// Accepted SKUs that the sale holds (one taken and then put back does not convert).
    pub converted: u32,
    /// The net of the sale's lines of converted SKUs, in fen.
    pub revenue: i64,
}

/// `nets` are the sale's line nets (`checkout::line_nets`), in the order of `lines`.
pub fn outcome(offer: &CounterOffer, lines: &[SaleLine], nets: &[i64]) -> OfferOutcome {
    let mut out =
        OfferOutcome { shown: offer.shown.len() as u32, accepted: offer.accepted.len() as u32, ..Default::default() };
    for sku in &offer.accepted {
        let mut sold = false;
        for (line, net) in lines.iter().zip(nets) {
            if &line.sku == sku {
                sold = true;
                out.revenue = out.revenue.saturating_add(*net);
            }
        }
        out.converted += u32::from(sold);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn offer(shown: &[&str], accepted: &[&str]) -> CounterOffer {
        CounterOffer {
            recommendation: Uuid::nil(),
            shown: shown.iter().map(|s| s.to_string()).collect(),
            accepted: accepted.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn line(sku: &str, quantity: i64, unit_price: i64) -> SaleLine {
        SaleLine { sku: sku.into(), quantity, unit_price, discount: 0, serial: None }
    }

    #[test]
    fn an_offer_names_what_it_showed_and_takes_only_from_it() {
        assert!(check(&offer(&["A", "B"], &["B"])).is_ok());
        assert!(check(&offer(&["A"], &[])).is_ok());
        assert!(check(&offer(&[], &[])).is_err());
        assert!(check(&offer(&["A", "A"], &[])).is_err());
        assert!(check(&offer(&["A", "B"], &["B", "B"])).is_err());
        assert!(check(&offer(&["A"], &["C"])).is_err());
        assert!(check(&offer(&["A"], &["A", "B"])).is_err(), "more taken than shown");
        assert!(check(&offer(&[" "], &[])).is_err());
        let many: Vec<String> = (0..=SHOWN_MAX).map(|i| format!("S{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(check(&offer(&many, &[])).is_err());
        assert!(check(&offer(&many[..SHOWN_MAX], &[])).is_ok());
    }

    #[test]
    fn accepted_skus_in_the_sale_convert_with_their_lines_net() {
        let lines = [line("TV", 1, 500_000), line("CASE", 2, 5_000), line("CABLE", 1, 2_000)];
        let nets = [490_000, 9_800, 2_000];
        let got = outcome(&offer(&["CASE", "CABLE", "EAR"], &["CASE", "EAR"]), &lines, &nets);
        // EAR was accepted, then taken out of the cart: it does not convert.
        assert_eq!(got, OfferOutcome { shown: 3, accepted: 2, converted: 1, revenue: 9_800 });
        assert_eq!(outcome(&offer(&["CASE"], &[]), &lines, &nets), OfferOutcome { shown: 1, ..Default::default() });
    }
}
