//! A campaign's lifecycle: draft → submitted → approved or rejected → scheduled → running ⇄
//! paused → finished. Approval is by another operator holding the approve right: nobody approves
//! (or rejects) what they wrote or submitted. An edit after submission returns it to draft, so
//! nothing changed after approval is ever sent unapproved.
use uuid::Uuid;

pub use portal_api::{CampaignAction, CampaignStatus};

/// Whether messages may be claimed for sending in this state.
pub fn sends(status: CampaignStatus) -> bool {
    status == CampaignStatus::Running
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: Uuid,
    /// Holds the right to approve campaigns.
    pub approves: bool,
    /// The scheduler or the sender, not a person.
    pub system: bool,
}

/// Who wrote a campaign: its author, everyone who ever edited it, and who last submitted it.
/// None of them approves it: an approver never approves words they wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorship<'a> {
    pub author: Uuid,
    pub editors: &'a [Uuid],
    pub submitted_by: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepRefusal {
    #[error("a campaign that is {from:?} cannot {action:?}")]
    NotNow { from: CampaignStatus, action: CampaignAction },
    #[error("only an operator holding the approve right approves or rejects")]
    NoApproveRight,
    #[error("nobody approves or rejects a campaign they wrote, edited or submitted")]
    OwnCampaign,
    #[error("only the scheduler and the sender take this step")]
    SystemOnly,
    #[error("recipients are still waiting to be sent or reconciled")]
    Unreconciled,
    #[error("the start time has passed")]
    StartPassed,
}

/// Facts a step needs besides the campaign's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepFacts {
    /// Recipients neither sent, skipped nor failed yet.
    pub unreconciled: u64,
    /// Whether the campaign's start time is still ahead.
    pub start_ahead: bool,
}

/// The state `action` takes a campaign to, or why it cannot.
pub fn step(
    from: CampaignStatus,
    action: CampaignAction,
    actor: Actor,
    who: Authorship<'_>,
    facts: StepFacts,
) -> Result<CampaignStatus, StepRefusal> {
    use CampaignAction as A;
    use CampaignStatus as S;
    let not_now = Err(StepRefusal::NotNow { from, action });
    match action {
        A::Edit => match from {
            S::Draft | S::Submitted | S::Approved | S::Rejected | S::Scheduled => Ok(S::Draft),
            _ => not_now,
        },
        A::Submit => match from {
            S::Draft => Ok(S::Submitted),
            _ => not_now,
        },
        A::Approve | A::Reject => {
            if from != S::Submitted {
                return not_now;
            }
            if !actor.approves || actor.system {
                return Err(StepRefusal::NoApproveRight);
            }
            if actor.id == who.author || who.editors.contains(&actor.id) || Some(actor.id) == who.submitted_by {
                return Err(StepRefusal::OwnCampaign);
            }
            Ok(if action == A::Approve { S::Approved } else { S::Rejected })
        }
        A::Schedule => match from {
            S::Approved if facts.start_ahead => Ok(S::Scheduled),
            S::Approved => Err(StepRefusal::StartPassed),
            _ => not_now,
        },
        A::Start => match from {
            S::Approved if !actor.system => Ok(S::Running),
            S::Scheduled if actor.system => Ok(S::Running),
            S::Scheduled => Err(StepRefusal::SystemOnly),
            _ => not_now,
        },
        // A scheduled campaign is stopped or edited, not paused: resuming would start it early.
        A::Pause => match from {
            S::Running => Ok(S::Paused),
            _ => not_now,
        },
        A::Resume => match from {
            S::Paused => Ok(S::Running),
            _ => not_now,
        },
        A::Stop => match from {
            S::Approved | S::Scheduled | S::Running | S::Paused => Ok(S::Finished),
            _ => not_now,
        },
        A::Finish => match from {
            S::Running if !actor.system => Err(StepRefusal::SystemOnly),
            S::Running if facts.unreconciled > 0 => Err(StepRefusal::Unreconciled),
            S::Running => Ok(S::Finished),
            _ => not_now,
        },
        // Coupons exist once it has run; calling them off changes nothing else.
        A::WithdrawCoupons => match from {
            S::Running | S::Paused | S::Finished => Ok(from),
            _ => not_now,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CampaignAction as A;
    use CampaignStatus as S;

    #[test]
    fn coupons_are_withdrawn_once_the_campaign_has_run_and_its_status_stays() {
        let actor = Actor { id: Uuid::from_u128(9), approves: false, system: false };
        let who = Authorship { author: Uuid::from_u128(9), editors: &[], submitted_by: None };
        for from in [S::Running, S::Paused, S::Finished] {
            assert_eq!(step(from, A::WithdrawCoupons, actor, who, StepFacts::default()), Ok(from));
        }
        for from in [S::Draft, S::Submitted, S::Approved, S::Scheduled, S::Rejected] {
            assert!(step(from, A::WithdrawCoupons, actor, who, StepFacts::default()).is_err(), "{from:?}");
        }
    }

    const WRITER: Uuid = Uuid::from_u128(1);
    const APPROVER: Uuid = Uuid::from_u128(2);
    const OTHER: Uuid = Uuid::from_u128(3);

    fn person(id: Uuid, approves: bool) -> Actor {
        Actor { id, approves, system: false }
    }
    const SYSTEM: Actor = Actor { id: Uuid::nil(), approves: false, system: true };
    const WHO: Authorship<'static> = Authorship { author: WRITER, editors: &[WRITER], submitted_by: Some(WRITER) };

    fn go(from: S, action: A, actor: Actor) -> Result<S, StepRefusal> {
        step(from, action, actor, WHO, StepFacts { unreconciled: 0, start_ahead: true })
    }

    #[test]
    fn a_campaign_goes_from_draft_to_finished_with_someone_elses_approval() {
        let mut s = S::Draft;
        for (action, actor, to) in [
            (A::Submit, person(WRITER, false), S::Submitted),
            (A::Approve, person(APPROVER, true), S::Approved),
            (A::Schedule, person(WRITER, false), S::Scheduled),
            (A::Start, SYSTEM, S::Running),
            (A::Pause, person(WRITER, false), S::Paused),
            (A::Resume, person(WRITER, false), S::Running),
            (A::Finish, SYSTEM, S::Finished),
        ] {
            s = go(s, action, actor).unwrap_or_else(|e| panic!("{action:?}: {e}"));
            assert_eq!(s, to);
        }
    }

    #[test]
    fn nobody_approves_their_own_and_only_approvers_approve() {
        assert_eq!(go(S::Submitted, A::Approve, person(WRITER, true)), Err(StepRefusal::OwnCampaign));
        assert_eq!(go(S::Submitted, A::Reject, person(WRITER, true)), Err(StepRefusal::OwnCampaign));
        assert_eq!(go(S::Submitted, A::Approve, person(OTHER, false)), Err(StepRefusal::NoApproveRight));
        assert_eq!(go(S::Submitted, A::Approve, SYSTEM), Err(StepRefusal::NoApproveRight));
        // An approver who ever edited it has made it their own, even if another edited it since.
        let edited = Authorship { editors: &[WRITER, APPROVER, WRITER], ..WHO };
        let facts = StepFacts::default();
        assert_eq!(
            step(S::Submitted, A::Approve, person(APPROVER, true), edited, facts),
            Err(StepRefusal::OwnCampaign)
        );
        assert_eq!(go(S::Submitted, A::Reject, person(APPROVER, true)), Ok(S::Rejected));
    }

    #[test]
    fn an_edit_after_approval_returns_it_to_draft_and_a_running_one_is_not_edited() {
        for from in [S::Submitted, S::Approved, S::Scheduled, S::Rejected, S::Draft] {
            assert_eq!(go(from, A::Edit, person(WRITER, false)), Ok(S::Draft), "{from:?}");
        }
        for from in [S::Running, S::Paused, S::Finished] {
            assert!(matches!(go(from, A::Edit, person(WRITER, false)), Err(StepRefusal::NotNow { .. })), "{from:?}");
        }
        // A draft is never started, scheduled or approved by skipping a step.
        for action in [A::Start, A::Schedule, A::Approve, A::Resume, A::Finish] {
            assert!(go(S::Draft, action, person(APPROVER, true)).is_err(), "{action:?}");
        }
    }

    #[test]
    fn the_sender_finishes_only_what_is_reconciled_and_only_the_scheduler_starts_a_schedule() {
        let waiting = StepFacts { unreconciled: 3, start_ahead: false };
        assert_eq!(step(S::Running, A::Finish, SYSTEM, WHO, waiting), Err(StepRefusal::Unreconciled));
        assert_eq!(go(S::Running, A::Finish, person(WRITER, false)), Err(StepRefusal::SystemOnly));
        assert_eq!(go(S::Scheduled, A::Start, person(WRITER, false)), Err(StepRefusal::SystemOnly));
        assert_eq!(go(S::Approved, A::Start, person(WRITER, false)), Ok(S::Running));
        let passed = StepFacts { unreconciled: 0, start_ahead: false };
        assert_eq!(step(S::Approved, A::Schedule, person(WRITER, false), WHO, passed), Err(StepRefusal::StartPassed));
        // An operator stops it at any point after approval: what is left is cancelled.
        assert!(go(S::Scheduled, A::Pause, person(WRITER, false)).is_err(), "a schedule is stopped or edited");
        for from in [S::Approved, S::Scheduled, S::Running, S::Paused] {
            assert_eq!(go(from, A::Stop, person(WRITER, false)), Ok(S::Finished));
        }
        for s in CampaignStatus::ALL {
            assert_eq!(sends(s), s == S::Running);
        }
    }
}
