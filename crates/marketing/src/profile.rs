//! What a customer's page may show, and to whom: one rule for every read path of the unified
//! customer view (the operator's desk, the counter, the person's own page).

/// Who is looking at a customer's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The customer themself: they see everything the brand keeps about them.
    Themself,
    /// An operator, an administrator, or a promoter the customer let see it at the counter.
    Staff,
}

/// The parts of a customer's page a viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileScope {
    /// What was learnt from behaviour: the lists recommended to them, what they clicked.
    pub behaviour: bool,
    /// The customer tags they carry, by the operators' internal names.
    pub tags: bool,
}

/// Purchases, favourites and the profile are the service itself and always shown. What was
/// learnt from behaviour is shown to staff only while the person allows tracking (`None`: never
/// chose, tracking on); the person always sees their own. Tags are operators' internal names
/// (e.g. "churn risk"): staff see them while tracking is allowed, the person never does.
pub fn scope(viewer: Viewer, tracking: Option<bool>) -> ProfileScope {
    let allowed = tracking.unwrap_or(true);
    match viewer {
        Viewer::Themself => ProfileScope { behaviour: true, tags: false },
        Viewer::Staff => ProfileScope { behaviour: allowed, tags: allowed },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_see_no_behaviour_of_a_person_who_declined_and_nobody_sees_internal_tags_of_themself() {
        assert_eq!(scope(Viewer::Staff, Some(false)), ProfileScope { behaviour: false, tags: false });
        assert_eq!(scope(Viewer::Staff, None), ProfileScope { behaviour: true, tags: true });
        assert_eq!(scope(Viewer::Staff, Some(true)), ProfileScope { behaviour: true, tags: true });
        assert_eq!(scope(Viewer::Themself, Some(false)), ProfileScope { behaviour: true, tags: false });
    }
}
