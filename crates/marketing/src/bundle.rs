//! The bundle offer at a store's counter (the seeds' 夹带式 offer): a few add-ons to the cart being
//! sold — what people bought and viewed with the cart's products first, then the most popular
//! accessories — among what the store has on hand. No I/O: the server chooses with it, and the
//! app when it is offline.
use std::collections::{HashMap, HashSet};

use portal_api::EventKind;

use crate::recommend;

/// The top-level category of accessories and consumables: they go with anything.
pub const ACCESSORY: &str = "accessory";

pub fn is_accessory(top_category: &str) -> bool {
    top_category == ACCESSORY
}

/// At most this many add-ons are offered with one cart.
pub const OFFER_MAX: usize = 3;
/// Anything but an accessory is an add-on only when it costs at most this share of the cart.
pub const ADD_ON_PERCENT: i64 = 25;
/// At most this many add-ons of one category.
const PER_CATEGORY: usize = 2;

/// What the offer needs to know of a product.
#[derive(Debug, Clone, PartialEq)]
pub struct AddOn {
    /// Top-level category.
    pub category: String,
    /// Accessories and consumables go with anything.
    pub accessory: bool,
    pub withdrawn: bool,
    /// Its lowest price, in fen.
    pub price: i64,
    /// The store has some on hand.
    pub on_hand: bool,
}

/// Whether `candidate` may be offered with a cart worth `cart_value` fen.
pub fn is_add_on(candidate: &AddOn, cart_value: i64) -> bool {
    let small = candidate.price.saturating_mul(100) <= cart_value.saturating_mul(ADD_ON_PERCENT);
    !candidate.withdrawn && candidate.on_hand && candidate.price > 0 && (candidate.accessory || small)
}

/// The neighbours of the cart's products (what people did with them), best first, none in the cart.
pub fn cart_neighbours(cart: &[u32], similar: &HashMap<u32, Vec<(u32, f64)>>) -> Vec<u32> {
    let history: Vec<(u32, EventKind)> = cart.iter().map(|&i| (i, EventKind::Purchase)).collect();
    recommend::personal(&history, similar)
}

/// The first `OFFER_MAX` candidates, taken from `sources` in order, that are add-ons to this cart,
/// not in it, at most `PER_CATEGORY` of one category, each once.
pub fn choose(sources: &[&[u32]], facts: &impl Fn(u32) -> Option<AddOn>, cart: &[u32], cart_value: i64) -> Vec<u32> {
    let in_cart: HashSet<u32> = cart.iter().copied().collect();
    let mut out = Vec::with_capacity(OFFER_MAX);
    let mut per: HashMap<String, usize> = HashMap::new();
    for &item in sources.iter().flat_map(|s| s.iter()) {
        if out.len() == OFFER_MAX {
            break;
        }
        if in_cart.contains(&item) || out.contains(&item) {
            continue;
        }
        let Some(f) = facts(item) else { continue };
        if !is_add_on(&f, cart_value) {
            continue;
        }
        let taken = per.entry(f.category.clone()).or_default();
        if *taken < PER_CATEGORY {
            *taken += 1;
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(item: u32) -> Option<AddOn> {
        // 1: a TV; 2–5, 9: accessories (5 is withdrawn, 9 is not on hand); 6: a fridge; 7: a
        // microwave, small beside a TV; 8: unknown.
        let (category, accessory, price) = match item {
            1 => ("tv", false, 500_000),
            2..=5 | 9 => ("accessory", true, 9_900),
            6 => ("fridge", false, 400_000),
            7 => ("kitchen", false, 60_000),
            _ => return None,
        };
        Some(AddOn { category: category.into(), accessory, withdrawn: item == 5, price, on_hand: item != 9 })
    }

    #[test]
    fn offers_small_add_ons_on_hand_never_the_cart_nor_a_second_big_appliance() {
        let neighbours = [6, 5, 9, 1, 7, 2, 8];
        let popular = [3, 4, 2];
        let got = choose(&[&neighbours, &popular], &facts, &[1], 500_000);
        // 6 costs more than a quarter of the cart, 5 is withdrawn, 9 is not on hand, 1 is in the
        // cart, 8 is unknown; two accessories at most, so 4 is not reached.
        assert_eq!(got, vec![7, 2, 3]);
        // With a small cart, a microwave is no add-on; accessories still are.
        assert_eq!(choose(&[&neighbours, &popular], &facts, &[2], 9_900), vec![3, 4]);
        assert!(choose(&[], &facts, &[1], 500_000).is_empty());
    }

    #[test]
    fn cart_neighbours_sum_the_similarity_to_each_product_in_the_cart() {
        let similar: HashMap<u32, Vec<(u32, f64)>> =
            [(1, vec![(2, 0.5), (3, 0.4)]), (6, vec![(3, 0.4), (1, 0.9)])].into_iter().collect();
        // 3 is near both (0.8 in all), 2 near one (0.5); 1 is in the cart.
        assert_eq!(cart_neighbours(&[1, 6], &similar), vec![3, 2]);
    }
}
