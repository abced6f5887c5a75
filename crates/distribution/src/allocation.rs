//! Allocation of scarce goods: when confirmed orders want more of a SKU than is available, higher
//! priority is served first; within one priority each order gets a share in proportion to its
//! dealer's plan (its weight), never more than it wants, what one does not need going to the
//! others; units left from rounding go to the largest remainders, then the earliest orders. The
//! shortfall is back-ordered, and each order is told why it got what it got.
use portal_api::Shortfall;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One confirmed order's want of the SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub order: Uuid,
    pub wanted: u32,
    /// Higher is served first.
    pub priority: u8,
    /// The dealer's planned share (units of their demand plan). When no order of a priority has
    /// one, shares follow what each wants.
    pub weight: u64,
    pub placed_at: i64,
}

/// Why an order got what it got (the wire's reason: `Full`, `Share { shared }`, `NothingLeft`).
pub use portal_api::AllocationReason as Why;

/// What one order is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub order: Uuid,
    pub granted: u32,
    /// Back-ordered (or cancelled, as the dealer chose).
    pub short: u32,
    pub why: Why,
}

/// Shares `available` units among `claims`; the grants come back in the claims' order and never
/// add up to more than `available`.
pub fn allocate(available: u64, claims: &[Claim]) -> Vec<Grant> {
    let mut granted = vec![0u32; claims.len()];
    let mut why = vec![Why::NothingLeft; claims.len()];
    let mut remaining = available;
    let mut priorities: Vec<u8> = claims.iter().map(|c| c.priority).collect();
    priorities.sort_unstable_by(|a, b| b.cmp(a));
    priorities.dedup();
    for priority in priorities {
        let tier: Vec<usize> = (0..claims.len()).filter(|&i| claims[i].priority == priority).collect();
        let wanted: u64 = tier.iter().map(|&i| u64::from(claims[i].wanted)).sum();
        if remaining == 0 {
            break;
        }
        if wanted <= remaining {
            for &i in &tier {
                granted[i] = claims[i].wanted;
                why[i] = Why::Full;
            }
            remaining -= wanted;
            continue;
        }
        let by_plan = tier.iter().any(|&i| claims[i].weight > 0);
        let (planned, unplanned): (Vec<usize>, Vec<usize>) =
            if by_plan { tier.iter().partition(|&&i| claims[i].weight > 0) } else { (tier.clone(), Vec::new()) };
        // Orders with a plan share first; what they do not need goes to those without one, by
        // what each wants.
        remaining -= share(claims, &planned, remaining, by_plan, &mut granted, &mut why);
        for &i in &unplanned {
            why[i] = Why::Share { shared: remaining };
        }
        if remaining > 0 {
            remaining -= share(claims, &unplanned, remaining, false, &mut granted, &mut why);
        }
    }
    claims
        .iter()
        .zip(granted)
        .zip(why)
        .map(|((c, granted), why)| Grant { order: c.order, granted, short: c.wanted - granted, why })
        .collect()
}

/// Shares at most `units` among `tier` by weight (`by_plan`) or by what each wants, never more
/// than each wants; returns the units given.
fn share(claims: &[Claim], tier: &[usize], units: u64, by_plan: bool, granted: &mut [u32], why: &mut [Why]) -> u64 {
    let weight = |i: usize| u128::from(if by_plan { claims[i].weight } else { u64::from(claims[i].wanted) });
    // Those who want least for their weight are filled first; what they leave goes to the rest.
    for &i in tier.iter().filter(|&&i| claims[i].wanted == 0) {
        why[i] = Why::Full;
    }
    let mut order: Vec<usize> = tier.iter().copied().filter(|&i| weight(i) > 0 && claims[i].wanted > 0).collect();
    order.sort_by(|&a, &b| (u128::from(claims[a].wanted) * weight(b)).cmp(&(u128::from(claims[b].wanted) * weight(a))));
    let mut left = u128::from(units);
    let mut total_weight: u128 = order.iter().map(|&i| weight(i)).sum();
    let mut first_partial = order.len();
    for (n, &i) in order.iter().enumerate() {
        let want = u128::from(claims[i].wanted);
        if want * total_weight <= left * weight(i) {
            granted[i] = claims[i].wanted;
            why[i] = Why::Full;
            left -= want;
            total_weight -= weight(i);
        } else {
            first_partial = n;
            break;
        }
    }
    let rest = &order[first_partial..];
    if rest.is_empty() || total_weight == 0 {
        return units - left as u64;
    }
    let shared = left as u64;
    let mut given: u128 = 0;
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(rest.len());
    for &i in rest {
        let exact = left * weight(i);
        let whole = (exact / total_weight).min(u128::from(claims[i].wanted));
        granted[i] = whole as u32;
        why[i] = Why::Share { shared };
        given += whole;
        remainders.push((exact % total_weight, i));
    }
    // Units lost to rounding: the largest remainders first, then the earliest orders.
    remainders.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(claims[a.1].placed_at.cmp(&claims[b.1].placed_at))
            .then(claims[a.1].order.cmp(&claims[b.1].order))
    });
    let mut spare = left - given;
    for (_, i) in remainders {
        if spare == 0 {
            break;
        }
        if granted[i] < claims[i].wanted {
            granted[i] += 1;
            spare -= 1;
        }
    }
    units - spare as u64
}

/// What a line still wants from an allocation: the whole unshipped rest when it was never rationed,
/// else what its earlier allocations left short (back-ordered).
pub fn wanted(quantity: u32, shipped: u32, cancelled: u32, allocated: Option<u32>) -> u32 {
    match allocated {
        None => quantity.saturating_sub(shipped.saturating_add(cancelled)),
        Some(allocated) => quantity.saturating_sub(allocated.max(shipped).saturating_add(cancelled)),
    }
}

/// A line after a grant: units allocated in all, and units cancelled now (the short part, when
/// the dealer chose to cancel the rest rather than wait for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAfter {
    pub allocated: u32,
    pub cancel_now: u32,
}

pub fn after_grant(shipped: u32, allocated: Option<u32>, grant: &Grant, shortfall: Shortfall) -> LineAfter {
    let before = allocated.map_or(shipped, |a| a.max(shipped));
    LineAfter {
        allocated: before.saturating_add(grant.granted),
        cancel_now: if shortfall == Shortfall::CancelTheRest { grant.short } else { 0 },
    }
}

/// What may still ship of a line: what it owes, and no more than its allocation left.
pub fn shippable(quantity: u32, shipped: u32, cancelled: u32, allocated: Option<u32>) -> u32 {
    let owed = quantity.saturating_sub(shipped.saturating_add(cancelled));
    allocated.map_or(owed, |a| owed.min(a.saturating_sub(shipped)))
}

/// A dealer's priority from their tier: the first of `priority_tiers` is served first; a tier not
/// named (or none) last.
pub fn priority_of(tier: Option<&str>, priority_tiers: &[String]) -> u8 {
    let Some(tier) = tier else { return 0 };
    priority_tiers
        .iter()
        .take(usize::from(u8::MAX))
        .position(|t| t == tier)
        .map_or(0, |i| (priority_tiers.len().min(usize::from(u8::MAX)) - i) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(n: u128, wanted: u32, priority: u8, weight: u64) -> Claim {
        Claim { order: Uuid::from_u128(n), wanted, priority, weight, placed_at: n as i64 }
    }

    #[test]
    fn enough_for_everyone_gives_everyone_all() {
        let grants = allocate(100, &[claim(1, 30, 0, 1), claim(2, 70, 0, 1)]);
        assert!(grants.iter().all(|g| g.why == Why::Full && g.short == 0));
    }

    #[test]
    fn a_shortage_is_shared_by_plan_and_what_one_does_not_need_goes_to_the_others() {
        // Plans 1:1:2 of 100 units: the first wants only 10, so 90 are shared 1:2 by the others.
        let grants = allocate(100, &[claim(1, 10, 0, 1), claim(2, 80, 0, 1), claim(3, 80, 0, 2)]);
        let got: Vec<u32> = grants.iter().map(|g| g.granted).collect();
        assert_eq!(got, vec![10, 30, 60]);
        assert_eq!(grants[1].why, Why::Share { shared: 90 });
        assert_eq!(grants[2].short, 20);
    }

    #[test]
    fn higher_priority_is_served_first() {
        let grants = allocate(50, &[claim(1, 40, 0, 1), claim(2, 40, 9, 1)]);
        assert_eq!((grants[1].granted, grants[1].why), (40, Why::Full));
        assert_eq!((grants[0].granted, grants[0].short), (10, 30));
        let none = allocate(40, &[claim(1, 40, 0, 1), claim(2, 40, 9, 1)]);
        assert_eq!(none[0].why, Why::NothingLeft);
    }

    #[test]
    fn rounding_never_gives_more_than_there_is_and_spare_units_go_to_the_largest_remainders() {
        let claims: Vec<Claim> = (0..7).map(|n| claim(n, 10, 0, 1)).collect();
        let grants = allocate(20, &claims);
        assert_eq!(grants.iter().map(|g| u64::from(g.granted)).sum::<u64>(), 20);
        // 20 / 7 = 2 each and 6 spare, to the earliest six (equal remainders).
        assert_eq!(grants.iter().map(|g| g.granted).collect::<Vec<_>>(), vec![3, 3, 3, 3, 3, 3, 2]);
    }

    #[test]
    fn what_planned_orders_leave_goes_to_those_without_a_plan_and_then_to_lower_priorities() {
        let grants = allocate(50, &[claim(1, 10, 0, 1), claim(2, 100, 0, 0)]);
        assert_eq!((grants[0].granted, grants[1].granted), (10, 40));
        let grants = allocate(120, &[claim(1, 10, 5, 1), claim(2, 100, 5, 0), claim(3, 30, 0, 1)]);
        assert_eq!(grants.iter().map(|g| g.granted).collect::<Vec<_>>(), vec![10, 100, 10]);
        let nothing_wanted = allocate(5, &[claim(1, 0, 0, 0), claim(2, 10, 0, 0)]);
        assert_eq!(nothing_wanted[0].why, Why::Full);
        assert_eq!(nothing_wanted[1].granted, 5);
    }

    #[test]
    fn without_plans_shares_follow_what_each_wants() {
        let grants = allocate(30, &[claim(1, 20, 0, 0), claim(2, 40, 0, 0)]);
        assert_eq!(grants.iter().map(|g| g.granted).collect::<Vec<_>>(), vec![10, 20]);
    }

    #[test]
    fn five_thousand_orders_share_one_scarce_sku_exactly() {
        let claims: Vec<Claim> =
            (0..5_000u128).map(|n| claim(n, 1 + (n % 17) as u32, (n % 3) as u8, 1 + (n % 5) as u64)).collect();
        let grants = allocate(12_345, &claims);
        assert_eq!(grants.iter().map(|g| u64::from(g.granted)).sum::<u64>(), 12_345);
        assert!(grants.iter().zip(&claims).all(|(g, c)| g.granted + g.short == c.wanted));
    }
    #[test]
    fn a_line_wants_its_unshipped_rest_once_and_then_only_what_was_short() {
        assert_eq!(wanted(10, 2, 0, None), 8);
        assert_eq!(wanted(10, 2, 0, Some(6)), 4);
        assert_eq!(wanted(10, 0, 4, Some(6)), 0);
        let grant = Grant { order: Uuid::nil(), granted: 3, short: 5, why: Why::Share { shared: 9 } };
        assert_eq!(after_grant(2, None, &grant, Shortfall::BackOrder), LineAfter { allocated: 5, cancel_now: 0 });
        assert_eq!(
            after_grant(2, Some(4), &grant, Shortfall::CancelTheRest),
            LineAfter { allocated: 7, cancel_now: 5 }
        );
        assert_eq!(shippable(10, 2, 0, Some(5)), 3);
        assert_eq!(shippable(10, 2, 0, None), 8);
    }

    #[test]
    fn the_first_tier_named_is_served_first_and_an_unnamed_one_last() {
        let tiers = vec!["gold".to_owned(), "silver".to_owned()];
        assert_eq!(priority_of(Some("gold"), &tiers), 2);
        assert_eq!(priority_of(Some("silver"), &tiers), 1);
        assert_eq!(priority_of(Some("bronze"), &tiers), 0);
        assert_eq!(priority_of(None, &tiers), 0);
    }
}
