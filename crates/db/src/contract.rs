//! One suite for the `Database` trait, run against every backend: SQLite on a scratch file, and
//! PostgreSQL on a fresh database of the cluster `PORTAL_TEST_POSTGRES` names (scripts/with-postgres
//! starts one; `PORTAL_REQUIRE_POSTGRES=1` makes its absence a failure rather than a skip). The
//! races are real: 24 tasks at once through the backend's own connections.
use std::sync::Arc;

use portal_api::*;
use uuid::Uuid;

use super::*;
use crate::{lockout, throttle};

mod allocation;
mod approvals;
mod audiences;
mod campaigns;
mod catalog;
mod console;
mod coupons;
mod customers;
mod delivery;
mod events;
mod funds;
mod orders;
mod outbound;
mod people;
mod price_lists;
mod retention;
mod triggers;
pub use allocation::*;
pub use approvals::*;
pub use audiences::*;
pub use campaigns::*;
pub use catalog::*;
pub use console::*;
pub use coupons::*;
pub use customers::*;
pub use delivery::*;
pub use events::*;
pub use funds::*;
pub use orders::*;
pub use outbound::*;
pub use people::*;
pub use price_lists::*;
pub use retention::*;
pub use triggers::*;

const RACERS: usize = 24;

/// Starts every task, then waits for each, in order. (Collected first: a lazy iterator of spawns
/// would start each only when the previous had finished, and nothing would race.)
pub async fn join_all<T>(
    tasks: impl IntoIterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let tasks: Vec<_> = tasks.into_iter().collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await);
    }
    results
}
const AT: i64 = 1_795_312_800;

/// A backend to test, with what keeps it alive (a scratch directory, a scratch database).
pub struct Backend {
    pub db: Arc<dyn Database>,
    pub guard: Box<dyn std::any::Any + Send + Sync>,
}

/// Whether a PostgreSQL cluster was given to test on (`PORTAL_TEST_POSTGRES`, its base address):
/// without one the PostgreSQL suite is skipped, unless `PORTAL_REQUIRE_POSTGRES` makes that a
/// failure.
pub fn postgres_address() -> Option<String> {
    let Ok(base) = std::env::var("PORTAL_TEST_POSTGRES") else {
        assert!(
            std::env::var_os("PORTAL_REQUIRE_POSTGRES").is_none(),
            "PORTAL_TEST_POSTGRES is not set: run under scripts/with-postgres"
        );
        eprintln!("skipped on PostgreSQL: PORTAL_TEST_POSTGRES is not set (see scripts/with-postgres)");
        return None;
    };
    Some(base)
}

/// The whole suite as one test per contract, each on a fresh backend from `$backend` (a function
/// returning `Option<Backend>`; none skips). A backend crate runs it from its tests:
/// `portal_db::contract_suite!(backend);`.
#[macro_export]
macro_rules! contract_suite {
    ($backend:path) => {
        $crate::contract_tests!(
            $backend;
            a_duplicate_identity_leaves_no_half_written_user,
            refresh_rotation_keeps_its_rules_under_parallel_refreshes,
            parallel_wrong_passwords_are_counted_before_verification,
            parallel_right_passwords_all_get_through,
            parallel_code_sends_for_one_number_insert_one_code,
            a_code_is_accepted_once_by_parallel_checks,
            one_operation_sent_many_times_at_once_applies_once,
            one_operation_id_sent_to_two_stores_at_once_applies_once,
            one_serial_sold_at_many_tills_at_once_is_flagged_for_all_but_one,
            a_new_customer_served_at_two_stores_at_once_gets_one_account,
            a_shift_closed_at_many_tills_at_once_closes_once,
            a_batch_sees_the_shifts_it_opens_and_closes,
            a_transfer_received_at_once_from_many_devices_is_received_once,
            the_flags_cursor_never_skips_an_event,
            events_sent_many_times_at_once_are_kept_once,
            people_are_paged_whole_once_each_and_read_alone_alike,
            an_event_id_is_bound_to_its_installation_and_body,
            the_flood_limit_holds_under_parallel_batches,
            anonymous_events_join_the_account_that_signs_in,
            history_pages_newest_first_and_deletes_all,
            one_event_id_from_many_installations_at_once_is_kept_for_one,
            a_throttled_batch_keeps_and_counts_nothing,
            a_declining_account_takes_only_what_the_service_needs,
            deleting_a_history_leaves_nothing_to_join_again,
            served_lists_and_their_trail_are_read_back,
            the_reports_days_seal_once_and_in_order_whatever_seals_at_once,
            one_experiment_runs_per_placement_whatever_starts_at_once,
            a_tag_name_is_taken_once_and_members_are_replaced_for_the_people_checked,
            changed_customers_their_activity_and_record_are_read_back,
            a_counter_grant_lets_one_promoter_see_one_customer_until_it_expires,
            a_sale_keeps_its_counter_offer_and_the_store_its_on_hand,
            a_live_session_gives_its_account_in_one_read,
            a_trigger_sends_once_per_fact_and_once_per_cooldown_whatever_sends_at_once,
            batches_of_messages_racing_send_each_customer_one_within_the_cooldown,
            trigger_facts_are_sign_ins_purchases_and_restocks_of_what_people_follow,
            a_flood_of_one_persons_events_trains_as_one_row_per_kind,
            a_click_needs_its_list_shown_to_the_same_sender,
            deleting_a_history_takes_what_was_derived_from_it,
            retention_deletes_what_expired_and_nothing_else,
            a_month_of_events_past_the_retention_goes_whole_and_a_resent_event_is_found,
            a_price_change_is_kept_or_refused_whole_and_resolves_by_scope,
            parallel_changes_to_one_price_key_never_leave_two_entries_overlapping,
            an_order_reserves_its_credit_or_waits_and_a_retry_lands_once,
            orders_racing_for_one_credit_line_never_reserve_past_it,
            one_order_released_and_rejected_at_once_takes_one_step,
            a_shipment_counted_in_at_many_tablets_at_once_is_booked_once,
            cancelling_the_rest_at_shipping_releases_its_credit,
            a_back_order_given_up_releases_what_is_still_owed_and_a_payment_books_once,
            a_business_manager_releases_only_within_their_authority,
            a_dealer_cannot_bury_the_review_queue_whatever_places_at_once,
            goods_in_and_the_next_shipment_of_one_order_at_once_both_land,
            a_dealers_flows_count_what_their_stores_sold_of_what_they_delivered_and_a_rebate_settles_once,
            a_scarce_sku_is_shared_by_plan_and_each_order_keeps_what_it_got_and_why,
            a_higher_tier_is_served_first_and_a_cancelled_remainder_closes_the_order,
            runs_of_one_sku_made_at_once_never_give_a_line_more_than_it_wants,
            a_prepayment_books_once_and_pays_receivables_never_below_zero,
            a_settled_rebate_is_credited_once_and_pays_receivables,
            locking_an_account_ends_its_sessions_and_keeps_one_lock,
            people_are_found_by_phone_id_or_the_start_of_a_name,
            the_audit_log_pages_newest_first_and_keeps_what_has_not_expired,
            a_request_is_kept_once_and_decided_once_whatever_decides_at_once,
            an_edit_lands_only_over_the_body_it_read_whatever_saves_at_once,
            a_campaign_is_kept_once_and_changed_once_from_the_state_its_changer_read,
            a_campaign_reaches_each_consenting_person_once_whatever_sends_at_once,
            a_coupon_is_issued_once_a_person_and_redeemed_once_whatever_redeems_at_once,
            a_gateway_message_is_claimed_by_one_dispatcher_and_settled_once,
            a_person_keeps_ten_devices_and_a_token_belongs_to_one_installation,
            an_imported_list_is_created_once_and_narrows_an_audience_to_its_members,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! contract_tests {
    ($backend:path; $($name:ident),* $(,)?) => {
        $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            if let Some(backend) = $backend() {
                $crate::contract::$name(backend.db.clone()).await;
            }
        })*
    };
}

const STORE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101);
const OTHER_STORE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0102);

fn user(id: Uuid, phone: &str, role: Role, store: Option<Uuid>) -> NewUser {
    NewUser {
        id,
        display_name: format!("T {phone}"),
        role,
        store_id: store,
        dealer_id: None,
        password_hash: None,
        created_at: AT - 86_400,
        identities: vec![NewIdentity { kind: IdentityKind::Phone, value: phone.into(), verified: true }],
    }
}

/// Two stores and a promoter at the first; returns the promoter.
pub async fn fixture(db: &dyn Database) -> Uuid {
    for (id, code) in [(STORE, "SH-001"), (OTHER_STORE, "BJ-001")] {
        db.upsert_store(portal_api::Store { id, code: code.into(), name: code.into(), city: "上海".into() })
            .await
            .unwrap();
    }
    let promoter = Uuid::now_v7();
    db.create_user(user(promoter, "+8613900000003", Role::Promoter, Some(STORE))).await.unwrap();
    promoter
}

pub(crate) fn context(actor: Uuid, op: &StoreOp) -> OpContext {
    OpContext {
        actor,
        customer: None,
        discount_limit_percent: 10,
        prices: vec![],
        manages_store: false,
        body_hash: crate::body_hash(op),
        refusal: None,
        flags: vec![],
        coupon: None,
        day: portal_store_ops::day::local_day(op.device_at),
        now: AT,
    }
}

pub(crate) fn op(store: Uuid, action: StoreAction) -> StoreOp {
    StoreOp { id: Uuid::now_v7(), store_id: store, device_at: AT, action }
}

pub async fn apply(db: &dyn Database, actor: Uuid, op: StoreOp) -> OpOutcome {
    let ctx = context(actor, &op);
    db.apply_store_ops(vec![(op, ctx)]).await.unwrap().remove(0)
}

/// Applies each operation in its own request, all at once.
pub async fn race(db: &Arc<dyn Database>, actor: Uuid, ops: Vec<StoreOp>) -> Vec<OpOutcome> {
    let tasks = ops.into_iter().map(|op| {
        let db = db.clone();
        tokio::spawn(async move { apply(db.as_ref(), actor, op).await })
    });
    join_all(tasks).await.into_iter().map(Result::unwrap).collect()
}

pub async fn a_duplicate_identity_leaves_no_half_written_user(db: Arc<dyn Database>) {
    db.create_user(user(Uuid::now_v7(), "+8613800000000", Role::Consumer, None)).await.unwrap();
    let second = Uuid::now_v7();
    let err = db.create_user(user(second, "+8613800000000", Role::Consumer, None)).await.unwrap_err();
    assert!(matches!(err, DbError::Conflict(_)), "{err}");
    assert!(db.get_user(second).await.unwrap().is_none(), "the user row must roll back with its identity");
}

pub async fn refresh_rotation_keeps_its_rules_under_parallel_refreshes(db: Arc<dyn Database>) {
    let uid = Uuid::now_v7();
    db.create_user(user(uid, "+8613800000001", Role::Consumer, None)).await.unwrap();
    let sid = Uuid::now_v7();
    db.create_session(SessionRecord {
        id: sid,
        user_id: uid,
        device_name: "d".into(),
        created_at: 100,
        last_seen_at: 100,
        generation: 0,
        rotated_at: 100,
        revoked_at: None,
    })
    .await
    .unwrap();
    // One device refreshing many times at once with one token: one rotation, the rest answered
    // with the same successor.
    let tasks = (0..RACERS).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { db.rotate_session(sid, 0, 30, 110).await.unwrap() })
    });
    let outcomes: Vec<Rotation> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let advanced = outcomes.iter().filter(|o| matches!(o, Rotation::Advanced { generation: 1 })).count();
    let repeated = outcomes.iter().filter(|o| matches!(o, Rotation::WithinGrace { generation: 1 })).count();
    assert_eq!((advanced, repeated), (1, RACERS - 1), "{outcomes:?}");
    assert_eq!(db.rotate_session(sid, 1, 30, 130).await.unwrap(), Rotation::Advanced { generation: 2 });
    // Generation 0 is two behind: reuse, and the session is revoked.
    assert_eq!(db.rotate_session(sid, 0, 30, 131).await.unwrap(), Rotation::Reused);
    assert_eq!(db.rotate_session(sid, 2, 30, 132).await.unwrap(), Rotation::Revoked);
}

pub async fn parallel_wrong_passwords_are_counted_before_verification(db: Arc<dyn Database>) {
    let policy = lockout::Policy { max_failures: 5, lockout_secs: 900 };
    let tasks = (0..RACERS).map(|i| {
        let db = db.clone();
        tokio::spawn(async move {
            let keys = vec![("account:a".to_owned(), policy), (format!("address:{i}"), policy)];
            let admission = db.admit_password_attempt(keys, AT).await.unwrap();
            if matches!(admission, lockout::Admission::Allowed { .. }) {
                db.settle_password_attempt(
                    ("account:a".into(), policy),
                    (format!("address:{i}"), policy),
                    lockout::Settle::Failed,
                    AT,
                )
                .await
                .unwrap();
            }
            admission
        })
    });
    let admissions: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let allowed = admissions.iter().filter(|a| matches!(a, lockout::Admission::Allowed { .. })).count();
    assert_eq!(allowed, 5, "exactly the policy's attempts are verified: {admissions:?}");
    let after = db.admit_password_attempt(vec![("account:a".into(), policy)], AT + 1).await.unwrap();
    assert!(matches!(after, lockout::Admission::Locked { .. }), "{after:?}");
}

/// A double tap on "sign in" reaching two instances: each success clears the counters (deleting
/// their rows) while the other attempt is being admitted; neither may fail for it.
pub async fn parallel_right_passwords_all_get_through(db: Arc<dyn Database>) {
    let policy = lockout::Policy { max_failures: 5, lockout_secs: 900 };
    // Attempts in flight count towards the limit, so a double tap is two at once; many rounds of it.
    for _ in 0..RACERS {
        let tasks = (0..2).map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let keys = vec![("account:b".to_owned(), policy), ("address:10.0.0.9".to_owned(), policy)];
                let admission = db.admit_password_attempt(keys, AT).await.unwrap();
                assert!(matches!(admission, lockout::Admission::Allowed { .. }), "{admission:?}");
                db.settle_password_attempt(
                    ("account:b".into(), policy),
                    ("address:10.0.0.9".into(), policy),
                    lockout::Settle::Succeeded,
                    AT,
                )
                .await
                .unwrap();
            })
        });
        for result in join_all(tasks).await {
            result.unwrap();
        }
    }
}

pub async fn parallel_code_sends_for_one_number_insert_one_code(db: Arc<dyn Database>) {
    let limits = throttle::Limits {
        resend_interval_secs: 60,
        per_target_per_hour: 10,
        per_address_per_hour: 100,
        global_per_hour: 1000,
    };
    let tasks = (0..RACERS).map(|i| {
        let db = db.clone();
        tokio::spawn(async move {
            let code = NewCode {
                channel: "sms".into(),
                target: "+8613800000002".into(),
                purpose: "sign_in".into(),
                code_hash: format!("h{i}"),
                client_ip: format!("10.0.0.{i}"),
                created_at: AT,
                expires_at: AT + 300,
            };
            db.insert_code_if_allowed(code, limits).await.unwrap().is_ok()
        })
    });
    let sent = join_all(tasks).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(sent, 1);
}

pub async fn a_code_is_accepted_once_by_parallel_checks(db: Arc<dyn Database>) {
    let limits = throttle::Limits {
        resend_interval_secs: 0,
        per_target_per_hour: 10,
        per_address_per_hour: 10,
        global_per_hour: 10,
    };
    let code = NewCode {
        channel: "sms".into(),
        target: "+8613800000004".into(),
        purpose: "sign_in".into(),
        code_hash: "right".into(),
        client_ip: "10.0.0.1".into(),
        created_at: AT,
        expires_at: AT + 300,
    };
    db.insert_code_if_allowed(code, limits).await.unwrap().unwrap();
    let tasks = (0..RACERS).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { db.check_code("+8613800000004", "sign_in", "right", 5, AT + 1).await.unwrap() })
    });
    let checks: Vec<CodeCheck> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(checks.iter().filter(|c| **c == CodeCheck::Accepted).count(), 1, "{checks:?}");
    assert!(checks.iter().all(|c| matches!(c, CodeCheck::Accepted | CodeCheck::NoLiveCode)), "{checks:?}");
}

pub async fn one_operation_sent_many_times_at_once_applies_once(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let receipt = op(
        STORE,
        StoreAction::Receipt { lines: vec![SkuQuantity { sku: "TV-1".into(), quantity: 3 }], source: "brand".into() },
    );
    let outcomes = race(&db, promoter, vec![receipt; RACERS]).await;
    let applied = outcomes.iter().filter(|o| o.status == OpStatus::Applied).count();
    let duplicates = outcomes.iter().filter(|o| o.status == OpStatus::Duplicate).count();
    assert_eq!((applied, duplicates), (1, RACERS - 1), "{outcomes:?}");
    let stock = db.stock(STORE).await.unwrap();
    assert_eq!(stock.levels.iter().find(|l| l.sku == "TV-1").map(|l| l.on_hand), Some(3));
    assert!(stock.balances_agree);

    // Twice in one batch: applied, then answered as the duplicate it is.
    let again = op(
        STORE,
        StoreAction::Receipt { lines: vec![SkuQuantity { sku: "TV-1".into(), quantity: 2 }], source: "brand".into() },
    );
    let ctx = context(promoter, &again);
    let outcomes = db.apply_store_ops(vec![(again.clone(), ctx.clone()), (again, ctx)]).await.unwrap();
    let statuses: Vec<OpStatus> = outcomes.iter().map(|o| o.status).collect();
    assert_eq!(statuses, [OpStatus::Applied, OpStatus::Duplicate], "{outcomes:?}");
    let stock = db.stock(STORE).await.unwrap();
    assert_eq!(stock.levels.iter().find(|l| l.sku == "TV-1").map(|l| l.on_hand), Some(5));
}

pub async fn open_shift(db: &dyn Database, promoter: Uuid) -> Uuid {
    let shift = Uuid::now_v7();
    let outcome = apply(db, promoter, op(STORE, StoreAction::OpenShift { shift_id: shift, opening_cash: 0 })).await;
    assert_eq!(outcome.status, OpStatus::Applied, "{outcome:?}");
    shift
}

pub(crate) fn cash_sale(shift: Uuid, i: usize, serial: Option<&str>) -> StoreAction {
    StoreAction::Sale {
        sale_id: Uuid::now_v7(),
        shift_id: shift,
        receipt_no: format!("R-{i}"),
        customer_phone: None,
        customer_consent: false,
        lines: vec![SaleLine {
            sku: "TV-1".into(),
            quantity: 1,
            unit_price: 100_00,
            discount: 0,
            serial: serial.map(str::to_owned),
        }],
        order_discount: 0,
        payments: vec![Payment { method: PaymentMethod::Cash, amount: 100_00 }],
        gifts: vec![],
        offer: None,
        coupon: None,
    }
}

pub async fn a_live_session_gives_its_account_in_one_read(db: Arc<dyn Database>) {
    let (uid, other, sid) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    db.create_user(user(uid, "+8613900000151", Role::Consumer, None)).await.unwrap();
    db.create_user(user(other, "+8613900000152", Role::Consumer, None)).await.unwrap();
    db.create_session(SessionRecord {
        id: sid,
        user_id: uid,
        device_name: "d".into(),
        created_at: AT,
        last_seen_at: AT,
        generation: 0,
        rotated_at: AT,
        revoked_at: None,
    })
    .await
    .unwrap();
    assert_eq!(db.live_session_user(sid, uid).await.unwrap().map(|u| u.id), Some(uid));
    assert!(db.live_session_user(sid, other).await.unwrap().is_none(), "another's session");
    assert!(db.live_session_user(Uuid::now_v7(), uid).await.unwrap().is_none(), "no such session");
    assert!(db.revoke_session(sid, "signed_out", AT + 1).await.unwrap());
    assert!(db.live_session_user(sid, uid).await.unwrap().is_none(), "revoked");
}

pub async fn a_sale_keeps_its_counter_offer_and_the_store_its_on_hand(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let receipt = StoreAction::Receipt {
        lines: vec![
            SkuQuantity { sku: "TV-1".into(), quantity: 2 },
            SkuQuantity { sku: "CASE".into(), quantity: 3 },
            SkuQuantity { sku: "CABLE".into(), quantity: 1 },
        ],
        source: "brand".into(),
    };
    assert_eq!(apply(db.as_ref(), promoter, op(STORE, receipt)).await.status, OpStatus::Applied);
    let shift = open_shift(db.as_ref(), promoter).await;
    let list = Uuid::now_v7();
    let StoreAction::Sale { sale_id, shift_id, receipt_no, customer_phone, customer_consent, payments, .. } =
        cash_sale(shift, 1, Some("SN-OFFER"))
    else {
        unreachable!()
    };
    let sale = StoreAction::Sale {
        sale_id,
        shift_id,
        receipt_no,
        customer_phone,
        customer_consent,
        lines: vec![
            SaleLine {
                sku: "TV-1".into(),
                quantity: 1,
                unit_price: 90_00,
                discount: 0,
                serial: Some("SN-OFFER".into()),
            },
            SaleLine { sku: "CABLE".into(), quantity: 1, unit_price: 10_00, discount: 0, serial: None },
        ],
        order_discount: 0,
        payments,
        gifts: vec![],
        offer: Some(portal_api::CounterOffer {
            recommendation: list,
            shown: vec!["CABLE".into(), "CASE".into()],
            accepted: vec!["CABLE".into()],
        }),
        coupon: None,
    };
    let outcome = apply(db.as_ref(), promoter, op(STORE, sale)).await;
    assert_eq!(outcome.status, OpStatus::Applied, "{outcome:?}");
    let facts = db.trail_facts(AT - 60, AT + 86_400).await.unwrap();
    assert_eq!(
        facts.counter,
        [portal_marketing::trail::CounterOutcome {
            list,
            group: None,
            store: STORE,
            list_store: None,
            accepted: 1,
            converted: 1,
            revenue: 10_00
        }]
    );
    assert!(db.trail_facts(AT + 60, AT + 86_400).await.unwrap().counter.is_empty(), "read from `since` on");
    // The cable comes back: the offer no longer converts.
    let back = StoreAction::Return {
        return_id: Uuid::now_v7(),
        sale_id,
        lines: vec![ReturnLine { line: 1, quantity: 1 }],
        gifts: vec![],
        refund_method: PaymentMethod::Cash,
        shift_id: Some(shift),
    };
    let outcome = apply(db.as_ref(), promoter, op(STORE, back)).await;
    assert_eq!(outcome.status, OpStatus::Applied, "{outcome:?}");
    assert_eq!(
        db.trail_facts(AT - 60, AT + 86_400).await.unwrap().counter,
        [portal_marketing::trail::CounterOutcome {
            list,
            group: None,
            store: STORE,
            list_store: None,
            accepted: 1,
            converted: 0,
            revenue: 0
        }]
    );
    // The cable sold out: only what is on hand.
    assert_eq!(
        db.store_on_hand(STORE).await.unwrap(),
        [("CABLE".to_owned(), 1), ("CASE".to_owned(), 3), ("TV-1".to_owned(), 1)],
        "the returned cable is on hand again"
    );
    assert!(db.store_on_hand(OTHER_STORE).await.unwrap().is_empty());
}

/// Each racer's batch: its contested operation, then sales that keep its transaction open a while
/// (so that batches holding different store locks overlap, as they would at two busy stores).
const FILLER_SALES: usize = 20;

/// Applies one batch per racer, all at once: each the racer's operation then filler sales at the
/// same store; returns the racers' outcomes.
pub async fn race_in_long_batches(db: &Arc<dyn Database>, batches: Vec<(StoreOp, OpContext)>) -> Vec<OpOutcome> {
    let tasks = batches.into_iter().map(|(op, ctx)| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut batch = vec![(op.clone(), ctx.clone())];
            for i in 0..FILLER_SALES {
                let filler = StoreOp {
                    id: Uuid::now_v7(),
                    store_id: op.store_id,
                    device_at: AT,
                    action: cash_sale(Uuid::now_v7(), i, None),
                };
                let filler_ctx = context(ctx.actor, &filler);
                batch.push((filler, filler_ctx));
            }
            db.apply_store_ops(batch).await.unwrap().remove(0)
        })
    });
    join_all(tasks).await.into_iter().map(Result::unwrap).collect()
}

pub async fn one_operation_id_sent_to_two_stores_at_once_applies_once(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    const PAIRS: usize = 6;
    let mut batches = Vec::new();
    for _ in 0..PAIRS {
        // One id, two operations at two stores (their batches hold different store locks).
        let id = Uuid::now_v7();
        for store in [STORE, OTHER_STORE] {
            let receipt = StoreAction::Receipt {
                lines: vec![SkuQuantity { sku: "TV-1".into(), quantity: 3 }],
                source: "brand".into(),
            };
            let op = StoreOp { id, store_id: store, device_at: AT, action: receipt };
            let ctx = context(promoter, &op);
            batches.push((op, ctx));
        }
    }
    let outcomes = race_in_long_batches(&db, batches).await;
    for pair in outcomes.chunks(2) {
        let applied = pair.iter().filter(|o| o.status == OpStatus::Applied).count();
        let conflict =
            pair.iter().filter(|o| o.error.as_ref().is_some_and(|e| e.code == ErrorCode::IdempotencyConflict)).count();
        assert_eq!((applied, conflict), (1, 1), "{pair:?}");
    }
    // Each receipt applied once, and each batch's sales once (its filler sales sell one TV-1 each).
    let mut total = 0;
    for store in [STORE, OTHER_STORE] {
        let stock = db.stock(store).await.unwrap();
        assert!(stock.balances_agree, "{stock:?}");
        total += stock.levels.iter().find(|l| l.sku == "TV-1").map_or(0, |l| l.on_hand);
    }
    assert_eq!(total, (PAIRS * 3) as i64 - (2 * PAIRS * FILLER_SALES) as i64);
}

pub async fn a_new_customer_served_at_two_stores_at_once_gets_one_account(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let shift = open_shift(db.as_ref(), promoter).await;
    let phone = "+8613700000024";
    let batches = (0..RACERS)
        .map(|i| {
            // Half at another store: their batches hold different store locks.
            let store = if i % 2 == 0 { STORE } else { OTHER_STORE };
            let op = op(store, cash_sale(shift, i, None));
            let mut ctx = context(promoter, &op);
            ctx.customer =
                Some(CounterCustomer { phone: phone.into(), consent: true, display_name: format!("顾客 {i}") });
            (op, ctx)
        })
        .collect();
    // The customer signs up on their phone at the same moment.
    let sign_up = {
        let db = db.clone();
        tokio::spawn(async move { db.create_user(user(Uuid::now_v7(), phone, Role::Consumer, None)).await })
    };
    let outcomes = race_in_long_batches(&db, batches).await;
    match sign_up.await.unwrap() {
        Ok(()) | Err(DbError::Conflict(_)) => {}
        Err(e) => panic!("sign-up failed: {e}"),
    }
    assert!(outcomes.iter().all(|o| o.status == OpStatus::Applied), "a sale is a fact: {outcomes:?}");
    let owner = db.find_identity(IdentityKind::Phone, phone).await.unwrap().expect("an account for the phone");
    let purchases = db.purchases(owner.user_id).await.unwrap();
    assert_eq!(purchases.purchases.len(), RACERS, "every sale is the one account's: {purchases:?}");
    // Their region is the city of the store of their latest purchase (both stores' city here).
    let regions = interactions(&db, 0).await.regions;
    assert_eq!(
        regions.iter().filter(|(u, _)| *u == owner.user_id).collect::<Vec<_>>(),
        [&(owner.user_id, "上海".to_owned())]
    );
}

pub async fn one_serial_sold_at_many_tills_at_once_is_flagged_for_all_but_one(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let shift = open_shift(db.as_ref(), promoter).await;
    let batches = (0..RACERS)
        .map(|i| {
            // Half at another store: their batches hold different store locks.
            let store = if i % 2 == 0 { STORE } else { OTHER_STORE };
            let op = op(store, cash_sale(shift, i, Some("SN-ONE")));
            let ctx = context(promoter, &op);
            (op, ctx)
        })
        .collect();
    let outcomes = race_in_long_batches(&db, batches).await;
    assert!(outcomes.iter().all(|o| o.status == OpStatus::Applied), "a sale is a fact: {outcomes:?}");
    let twice = |o: &&OpOutcome| o.flags.iter().any(|f| matches!(f, OpFlag::SerialSoldTwice { .. }));
    assert_eq!(outcomes.iter().filter(twice).count(), RACERS - 1, "{outcomes:?}");
}

pub async fn a_batch_sees_the_shifts_it_opens_and_closes(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let shift = Uuid::now_v7();
    let batch: Vec<StoreOp> = vec![
        op(STORE, cash_sale(shift, 0, None)),
        op(STORE, StoreAction::OpenShift { shift_id: shift, opening_cash: 0 }),
        op(STORE, cash_sale(shift, 1, None)),
        op(
            STORE,
            StoreAction::CloseShift {
                shift_id: shift,
                // Both sales paid into the shift's till: the one made before the server heard
                // of the shift is flagged, and counted all the same.
                counted: vec![Payment { method: PaymentMethod::Cash, amount: 200_00 }],
                reason: None,
            },
        ),
        op(STORE, cash_sale(shift, 2, None)),
    ];
    let outcomes = db
        .apply_store_ops(
            batch
                .into_iter()
                .map(|op| {
                    let ctx = context(promoter, &op);
                    (op, ctx)
                })
                .collect(),
        )
        .await
        .unwrap();
    assert!(outcomes.iter().all(|o| o.status == OpStatus::Applied), "{outcomes:?}");
    let not_open: Vec<bool> =
        outcomes.iter().map(|o| o.flags.iter().any(|f| matches!(f, OpFlag::ShiftNotOpen { .. }))).collect();
    assert_eq!(not_open, [true, false, false, false, true], "{outcomes:?}");
    // The close counted what the sales took, and no difference was flagged.
    assert!(outcomes[3].flags.is_empty(), "{:?}", outcomes[3]);
}

pub async fn a_shift_closed_at_many_tills_at_once_closes_once(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let shift = open_shift(db.as_ref(), promoter).await;
    let closes = (0..RACERS)
        .map(|_| {
            op(
                STORE,
                StoreAction::CloseShift {
                    shift_id: shift,
                    counted: vec![Payment { method: PaymentMethod::Cash, amount: 0 }],
                    reason: None,
                },
            )
        })
        .collect();
    let outcomes = race(&db, promoter, closes).await;
    let applied = outcomes.iter().filter(|o| o.status == OpStatus::Applied).count();
    let refused =
        outcomes.iter().filter(|o| o.error.as_ref().is_some_and(|e| e.code == ErrorCode::ShiftClosed)).count();
    assert_eq!((applied, refused), (1, RACERS - 1), "{outcomes:?}");
}

pub async fn a_transfer_received_at_once_from_many_devices_is_received_once(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let transfer = Uuid::now_v7();
    let send = op(
        OTHER_STORE,
        StoreAction::TransferOut {
            transfer_id: transfer,
            to_store: STORE,
            lines: vec![SkuQuantity { sku: "FR-1".into(), quantity: 2 }],
        },
    );
    // The send and many receipts at the same moment: the goods arrive once, whichever lands first.
    let mut ops: Vec<StoreOp> =
        (0..RACERS).map(|_| op(STORE, StoreAction::TransferIn { transfer_id: transfer })).collect();
    ops.insert(RACERS / 2, send);
    let outcomes = race(&db, promoter, ops).await;
    let applied_in = outcomes.iter().filter(|o| o.status == OpStatus::Applied).count();
    assert_eq!(applied_in, 2, "the send and one receipt: {outcomes:?}");
    let stock = db.stock(STORE).await.unwrap();
    assert_eq!(stock.levels.iter().find(|l| l.sku == "FR-1").map(|l| l.on_hand), Some(2), "{stock:?}");
    assert!(db.transfers(STORE).await.unwrap().incoming.is_empty(), "received, not waiting");
}

pub async fn the_flags_cursor_never_skips_an_event(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let start = db.flags_after(STORE, None, 100).await.unwrap().cursor;
    // Flagged operations at two stores at once, while a reader follows the cursor.
    let writers = (0..RACERS).map(|i| {
        let db = db.clone();
        tokio::spawn(async move {
            let store = if i % 2 == 0 { STORE } else { OTHER_STORE };
            // Closing a shift that does not exist: refused, and the manager hears of it.
            let refused =
                op(store, StoreAction::CloseShift { shift_id: Uuid::now_v7(), counted: vec![], reason: None });
            let outcome = apply(db.as_ref(), promoter, refused).await;
            assert_eq!(outcome.status, OpStatus::Rejected);
            (store == STORE).then_some(outcome.id)
        })
    });
    let reader = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut cursor = start;
            let mut seen = Vec::new();
            for _ in 0..200 {
                let page = db.flags_after(STORE, Some(cursor), 5).await.unwrap();
                seen.extend(page.events.iter().map(|e| e.op_id));
                cursor = page.cursor;
                tokio::task::yield_now().await;
            }
            (seen, cursor)
        })
    };
    let mut expected: Vec<Uuid> = join_all(writers).await.into_iter().filter_map(Result::unwrap).collect();
    let (mut seen, mut cursor) = reader.await.unwrap();
    loop {
        let page = db.flags_after(STORE, Some(cursor), 100).await.unwrap();
        seen.extend(page.events.iter().map(|e| e.op_id));
        cursor = page.cursor;
        if !page.has_more {
            break;
        }
    }
    seen.sort();
    let read = seen.len();
    seen.dedup();
    assert_eq!(read, seen.len(), "no event is read twice");
    expected.sort();
    assert_eq!(seen, expected, "every flagged operation of the store is read once the cursor moves past it");
}
