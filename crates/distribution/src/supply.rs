//! What a dealer's stores hold and sell (分销管理): per SKU, stock on hand, what sold in the last
//! weeks and how many weeks the stock covers at that pace.
use portal_api::SupplyLine;

/// Weeks the stock covers at the pace of `sold` units over `weeks` weeks, to a tenth; none when
/// nothing sold (no pace to measure by).
pub fn weeks_of_cover(on_hand: i64, sold: i64, weeks: i64) -> Option<f32> {
    if sold <= 0 || weeks <= 0 {
        return None;
    }
    let tenths = on_hand.max(0).saturating_mul(weeks).saturating_mul(10) / sold;
    Some(tenths as f32 / 10.0)
}

/// A store's lines from its stock and its sales: every SKU it holds or sold, the shortest cover
/// first (what runs out soonest), then what sold without stock.
pub fn lines(on_hand: &[(String, i64)], sold: &[(String, i64)], weeks: i64) -> Vec<SupplyLine> {
    let mut skus: Vec<&str> = on_hand.iter().chain(sold).map(|(s, _)| s.as_str()).collect();
    skus.sort_unstable();
    skus.dedup();
    let find = |list: &[(String, i64)], sku: &str| list.iter().find(|(s, _)| s == sku).map_or(0, |(_, n)| *n);
    let mut lines: Vec<SupplyLine> = skus
        .into_iter()
        .map(|sku| {
            let (stock, sales) = (find(on_hand, sku), find(sold, sku));
            SupplyLine {
                sku: sku.to_owned(),
                on_hand: stock,
                sold: sales,
                weeks_of_cover: weeks_of_cover(stock, sales, weeks),
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        let key = |l: &SupplyLine| l.weeks_of_cover.unwrap_or(f32::MAX);
        key(a).total_cmp(&key(b)).then_with(|| a.sku.cmp(&b.sku))
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_is_stock_over_the_weekly_pace_and_the_shortest_comes_first() {
        assert_eq!(weeks_of_cover(10, 8, 4), Some(5.0));
        assert_eq!(weeks_of_cover(1, 3, 4), Some(1.3));
        assert_eq!(weeks_of_cover(5, 0, 4), None);
        let lines =
            lines(&[("TV".into(), 10), ("AC".into(), 1)], &[("TV".into(), 8), ("AC".into(), 3), ("WM".into(), 2)], 4);
        let order: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
        assert_eq!(order, ["WM", "AC", "TV"], "sold out first, then the shortest cover");
        assert_eq!(lines[0].on_hand, 0);
    }
}
