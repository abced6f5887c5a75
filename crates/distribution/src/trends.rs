//! A dealer's trends for their business manager (我的客户): a figure per month (orders placed,
//! units their stores sold, rebates settled) and how the last full month compares with the three
//! before it.
use crate::demand::MonthNo;

/// A figure per month, oldest first, and the last full month's change against the mean of the
/// three months before it, in percent (none without those months' figures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trend {
    pub values: Vec<i64>,
    pub change_percent: Option<i32>,
}

/// Sums `points` (month, value) into `months` (ascending); points of other months are left out.
pub fn by_month(points: impl IntoIterator<Item = (MonthNo, i64)>, months: &[MonthNo]) -> Vec<i64> {
    let mut values = vec![0i64; months.len()];
    for (month, value) in points {
        if let Ok(i) = months.binary_search(&month) {
            values[i] = values[i].saturating_add(value);
        }
    }
    values
}

/// The trend of monthly `values` whose last is the current (not yet full) month.
pub fn trend(values: Vec<i64>) -> Trend {
    let n = values.len();
    let change_percent = if n >= 5 {
        let last_full = values[n - 2];
        let before: i64 = values[n - 5..n - 2].iter().sum::<i64>() / 3;
        (before > 0).then(|| {
            let change = (last_full - before).saturating_mul(100) / before;
            i32::try_from(change.clamp(-10_000, 10_000)).unwrap_or(0)
        })
    } else {
        None
    };
    Trend { values, change_percent }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_fall_into_their_months_and_others_are_left_out() {
        let months = [100, 101, 102];
        assert_eq!(by_month([(100, 5), (102, 7), (102, 1), (99, 50), (103, 9)], &months), vec![5, 0, 8]);
    }

    #[test]
    fn the_last_full_month_is_compared_with_the_three_before_it() {
        // Three months of 100, then 150, then the current month so far.
        let t = trend(vec![0, 100, 100, 100, 150, 20]);
        assert_eq!(t.change_percent, Some(50));
        assert_eq!(trend(vec![0, 0, 0, 0, 80, 10]).change_percent, None, "nothing to compare with");
        assert_eq!(trend(vec![100, 100, 100, 40, 5]).change_percent, Some(-60));
        assert_eq!(trend(vec![1, 2]).change_percent, None);
    }
}
