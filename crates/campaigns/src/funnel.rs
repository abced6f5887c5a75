//! What a campaign did, with the uncertainty a desk should show: a rate with its 95% Wilson score
//! interval, and the lift of the people reached over the holdout with Newcombe's interval for a
//! difference of two proportions (built from the two Wilson intervals). Small groups get wide
//! intervals instead of confident-looking numbers.

/// A proportion and its 95% interval, each between 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub rate: f64,
    pub low: f64,
    pub high: f64,
}

/// The normal quantile of a two-sided 95% interval.
const Z: f64 = 1.959_963_984_540_054;

/// `successes` out of `trials`, with its Wilson score interval; none of none.
pub fn wilson(successes: u64, trials: u64) -> Option<Interval> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt() / (1.0 + z2 / n);
    // At the ends the bound is exactly 0 or 1 (the arithmetic leaves a last-bit error).
    let low = if successes == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if successes >= trials { 1.0 } else { (centre + half).min(1.0) };
    Some(Interval { rate: p, low, high })
}

/// How much higher the first rate is than the second (in rate points, −1 to 1), with Newcombe's
/// hybrid score interval; none when either group is empty.
pub fn lift(treated: (u64, u64), control: (u64, u64)) -> Option<Interval> {
    let a = wilson(treated.0, treated.1)?;
    let b = wilson(control.0, control.1)?;
    let difference = a.rate - b.rate;
    let low = difference - ((a.rate - a.low).powi(2) + (b.high - b.rate).powi(2)).sqrt();
    let high = difference + ((a.high - a.rate).powi(2) + (b.rate - b.low).powi(2)).sqrt();
    Some(Interval { rate: difference, low: low.max(-1.0), high: high.min(1.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-4
    }

    #[test]
    fn wilsons_interval_matches_the_textbook_and_stays_within_zero_and_one() {
        // 81 of 263: 0.3080, (0.2553, 0.3662) (Newcombe 1998, example).
        let i = wilson(81, 263).unwrap();
        assert!(close(i.rate, 0.3080) && close(i.low, 0.2553) && close(i.high, 0.3662), "{i:?}");
        let none = wilson(0, 10).unwrap();
        assert_eq!(none.low, 0.0);
        assert!(none.high > 0.25 && none.high < 0.32, "{none:?}");
        assert_eq!(wilson(10, 10).unwrap().high, 1.0);
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(12, 10).unwrap().rate, 1.0, "never above one");
    }

    #[test]
    fn the_lift_over_the_holdout_has_newcombes_interval() {
        // 56/70 against 48/80: difference 0.2, interval (0.0524, 0.3339) (Newcombe 1998, method 10).
        let l = lift((56, 70), (48, 80)).unwrap();
        assert!(close(l.rate, 0.2) && close(l.low, 0.0524) && close(l.high, 0.3339), "{l:?}");
        // A small holdout: the interval spans zero, so no claim of a lift.
        let small = lift((30, 100), (1, 5)).unwrap();
        assert!(small.low < 0.0 && small.high > 0.0, "{small:?}");
        assert_eq!(lift((1, 10), (0, 0)), None);
    }
}
