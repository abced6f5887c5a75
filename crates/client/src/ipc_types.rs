//! The app's TypeScript types for the IPC, generated from the Rust types. This test fails when
//! `ui/src/ipc/types.ts` is not current; `UPDATE_IPC_TYPES=1 cargo test -p portal-client` rewrites it.
use portal_api::*;
use ts_rs::TS;

use crate::{
    catalog::*,
    consumer_day::{ConsumerDay, FollowedLaunch},
    favourites::FavouriteEntry,
    state::*,
    store_ops::SaleReceipt,
};

fn render() -> String {
    let decls = [
        ErrorCode::decl(),
        ApiError::decl(),
        ErrorDetail::decl(),
        Role::decl(),
        IdentityKind::decl(),
        Identity::decl(),
        Profile::decl(),
        CodeChannel::decl(),
        CodePurpose::decl(),
        SendCodeResponse::decl(),
        DeviceSession::decl(),
        DeviceSessionList::decl(),
        LinkIdentityRequest::decl(),
        SetPasswordRequest::decl(),
        Store::decl(),
        Dealer::decl(),
        StoreOverview::decl(),
        ManagerOverview::decl(),
        StaffMember::decl(),
        StaffList::decl(),
        DealerOverview::decl(),
        AudienceOverview::decl(),
        UserSummary::decl(),
        UserList::decl(),
        AppState::decl(),
        RoleHome::decl(),
        ConsumerHome::decl(),
        SignUpInput::decl(),
        CodeSignInInput::decl(),
        PasswordSignInInput::decl(),
        Lifecycle::decl(),
        MarketingTag::decl(),
        SpecKind::decl(),
        SpecDef::decl(),
        SpecValue::decl(),
        portal_api::Category::decl(),
        Promotion::decl(),
        Sku::decl(),
        Channel::decl(),
        Product::decl(),
        RetailStore::decl(),
        SortOrder::decl(),
        SpecRange::decl(),
        SearchQuery::decl(),
        ProductSummary::decl(),
        FacetCount::decl(),
        SearchResult::decl(),
        StoreDistance::decl(),
        ProductView::decl(),
        CompareRow::decl(),
        Comparison::decl(),
        CatalogStatus::decl(),
        FavouriteKind::decl(),
        FavouriteEntry::decl(),
        FollowedLaunch::decl(),
        ConsumerDay::decl(),
        EventKind::decl(),
        crate::events::EventInput::decl(),
        crate::events::TrackingState::decl(),
        Placement::decl(),
        ExperimentArm::decl(),
        ExperimentStatus::decl(),
        Experiment::decl(),
        NewExperiment::decl(),
        ExperimentList::decl(),
        ExperimentOutcome::decl(),
        ArmOutcome::decl(),
        CustomerTag::decl(),
        NewCustomerTag::decl(),
        TagField::decl(),
        CustomerTagList::decl(),
        CustomerPurchase::decl(),
        CustomerRecommendation::decl(),
        CustomerView::decl(),
        RecommendationReportRow::decl(),
        RecommendationReport::decl(),
        crate::recommendations::RecommendationView::decl(),
        CounterOffer::decl(),
        TriggerKind::decl(),
        Trigger::decl(),
        NewTrigger::decl(),
        TriggerList::decl(),
        InboxMessage::decl(),
        Inbox::decl(),
        crate::inbox::InboxItem::decl(),
        crate::inbox::InboxView::decl(),
        crate::counter_offer::OfferItem::decl(),
        crate::counter_offer::CounterOfferView::decl(),
        TrackedEvent::decl(),
        RecordedEvent::decl(),
        EventHistory::decl(),
        EventsDeleted::decl(),
        SampleState::decl(),
        MovementKind::decl(),
        PaymentMethod::decl(),
        Payment::decl(),
        SaleLine::decl(),
        SkuQuantity::decl(),
        ReturnLine::decl(),
        StoreAction::decl(),
        OpStatus::decl(),
        OpFlag::decl(),
        OpOutcome::decl(),
        StockLevel::decl(),
        StockReport::decl(),
        AmountByKey::decl(),
        DayReport::decl(),
        DayStock::decl(),
        SaleReceipt::decl(),
        crate::catalog::view::SkuHit::decl(),
        crate::store_ops::OpenShift::decl(),
        portal_store_ops::checkout::Totals::decl(),
        crate::store_ops::SaleCheck::decl(),
        crate::store_ops::Notice::decl(),
        crate::store_stock::StockLine::decl(),
        crate::store_stock::StockView::decl(),
        crate::store_stock::Snapshot::<()>::decl(),
        SampleEvent::decl(),
        SampleUnit::decl(),
        SampleList::decl(),
        OpenTransfer::decl(),
        TransferList::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by crates/client/src/ipc_types.rs. Do not edit by hand:\n\
         // run `UPDATE_IPC_TYPES=1 cargo test -p portal-client ipc_types` after changing them.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        // 64-bit integers cross as JSON numbers (unix seconds, counts): well inside 2^53.
        out.push_str(&decl.replace("bigint", "number"));
        out.push_str("\n\n");
    }
    out.trim_end().to_owned() + "\n"
}

/// Checks that the UI's file `ui/src/ipc/<file>` holds `expected`, or, with `UPDATE_IPC_TYPES` set,
/// writes it: the generated IPC files are committed and kept current by their tests.
pub(crate) fn assert_generated_current(file: &str, expected: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc").join(file);
    if std::env::var_os("UPDATE_IPC_TYPES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "ui/src/ipc/{file} is stale; run `UPDATE_IPC_TYPES=1 cargo test -p portal-client ipc_`"
    );
}

#[test]
fn ipc_types_are_current() {
    assert_generated_current("types.ts", &render());
}
