//! Demo units (samples): each display unit, by serial, moves through
//! requested → in transit → on display ⇄ under repair → returned / sold as ex-display.
//! A change names the state it expects to leave; a change made from a stale view is refused with
//! the state the unit is really in, never applied over it.
pub use portal_api::SampleState;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// The unit is no longer in the state the change was made from (another device moved it).
    #[error("the unit is {current:?}, not {expected:?} as this change assumed")]
    Stale { expected: SampleState, current: SampleState },
    #[error("a unit cannot go from {from:?} to {to:?}")]
    NotAllowed { from: SampleState, to: SampleState },
}

pub const ALL: [SampleState; 6] = [
    SampleState::Requested,
    SampleState::InTransit,
    SampleState::OnDisplay,
    SampleState::UnderRepair,
    SampleState::Returned,
    SampleState::SoldExDisplay,
];

/// The states a unit may move to from `state`.
pub fn next(state: SampleState) -> &'static [SampleState] {
    use SampleState::*;
    match state {
        // A request can be cancelled (returned) before it ships; a unit in transit can be sent back.
        Requested => &[InTransit, Returned],
        InTransit => &[OnDisplay, Returned],
        OnDisplay => &[UnderRepair, Returned, SoldExDisplay],
        UnderRepair => &[OnDisplay, Returned],
        Returned | SoldExDisplay => &[],
    }
}

/// Whether the unit has left the store for good.
pub fn is_final(state: SampleState) -> bool {
    next(state).is_empty()
}

/// Whether the unit should be found on the floor at an audit.
pub fn expected_on_floor(state: SampleState) -> bool {
    state == SampleState::OnDisplay
}

/// Applies a change made from `expected` to `to` on a unit now in `current`.
pub fn change(current: SampleState, expected: SampleState, to: SampleState) -> Result<SampleState, SampleError> {
    if current != expected {
        return Err(SampleError::Stale { expected, current });
    }
    if !next(current).contains(&to) {
        return Err(SampleError::NotAllowed { from: current, to });
    }
    Ok(to)
}

/// An audit: the serials expected on the floor that were not scanned, and the scanned serials that
/// are not expected there (unknown, or in another state).
pub fn audit<'a>(
    units: impl IntoIterator<Item = (&'a str, SampleState)>,
    scanned: &[&str],
) -> (Vec<String>, Vec<String>) {
    let units: Vec<(&str, SampleState)> = units.into_iter().collect();
    let missing = units
        .iter()
        .filter(|(serial, state)| expected_on_floor(*state) && !scanned.contains(serial))
        .map(|(serial, _)| serial.to_string())
        .collect();
    let unexpected = scanned
        .iter()
        .filter(|s| !units.iter().any(|(serial, state)| serial == *s && expected_on_floor(*state)))
        .map(|s| s.to_string())
        .collect();
    (missing, unexpected)
}

#[cfg(test)]
mod tests {
    use super::{SampleState::*, *};

    #[test]
    fn the_lifecycle_of_a_display_unit() {
        let mut state = Requested;
        for to in [InTransit, OnDisplay, UnderRepair, OnDisplay, SoldExDisplay] {
            state = change(state, state, to).unwrap();
        }
        assert_eq!(state, SoldExDisplay);
        assert!(is_final(state));
        assert_eq!(
            change(state, state, OnDisplay),
            Err(SampleError::NotAllowed { from: SoldExDisplay, to: OnDisplay })
        );
    }

    #[test]
    fn skipping_a_step_is_refused() {
        assert_eq!(
            change(Requested, Requested, OnDisplay),
            Err(SampleError::NotAllowed { from: Requested, to: OnDisplay })
        );
        assert_eq!(
            change(InTransit, InTransit, SoldExDisplay).unwrap_err(),
            SampleError::NotAllowed { from: InTransit, to: SoldExDisplay }
        );
    }

    #[test]
    fn a_change_from_a_stale_state_shows_the_current_one() {
        // Device A sent the unit to repair; device B, still seeing it on display, tries to sell it.
        let current = change(OnDisplay, OnDisplay, UnderRepair).unwrap();
        assert_eq!(
            change(current, OnDisplay, SoldExDisplay),
            Err(SampleError::Stale { expected: OnDisplay, current: UnderRepair })
        );
    }

    #[test]
    fn every_state_is_reachable_and_only_the_ends_are_final() {
        let mut seen = vec![Requested];
        let mut i = 0;
        while i < seen.len() {
            for to in next(seen[i]) {
                if !seen.contains(to) {
                    seen.push(*to);
                }
            }
            i += 1;
        }
        assert_eq!(seen.len(), ALL.len());
        let finals: Vec<_> = ALL.into_iter().filter(|s| is_final(*s)).collect();
        assert_eq!(finals, [Returned, SoldExDisplay]);
    }

    #[test]
    fn audits_flag_missing_and_unexpected_units() {
        let units = [("SN1", OnDisplay), ("SN2", OnDisplay), ("SN3", UnderRepair), ("SN4", Returned)];
        let (missing, unexpected) = audit(units, &["SN1", "SN3", "SN9"]);
        assert_eq!(missing, ["SN2"]);
        assert_eq!(unexpected, ["SN3", "SN9"], "a unit under repair should not be on the floor");
    }
}
