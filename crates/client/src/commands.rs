//! The app's commands, each declared once: its name, arguments, answer and the `PortalApp` call
//! it makes. `for_each_app_command!(callback)` hands the whole list to a macro of the caller's:
//! the Tauri shell (`src-tauri`) turns each into a `#[tauri::command]` adapter and all of them into
//! the handler list; `ipc_commands` below turns them into `ui/src/ipc/commands.ts`, the UI's typed
//! calls. A command is added here and nowhere else.
//!
//! Each entry is `<kind> fn <name>(<app>, <arg>: <type>, …) -> <answer> { <body> }`:
//! - `sync`: answered from the local cache on the calling thread; `<app>` is the `PortalApp`;
//! - `awaited`: an async call, may wait for the network; `<app>` is the `PortalApp`;
//! - `shell`: needs the Tauri shell itself; `<app>` is its `tauri::AppHandle`.
//!
//! The body is written where the callback expands it (types by full path, so that they resolve in
//! this crate and in the shell alike); a body's `ClientResult` is turned into the `ApiError` the UI
//! receives by the adapter.

#[macro_export]
// `crate::` in a body is the shell's crate, where the body is expanded: meant.
#[allow(clippy::crate_in_macro_def)]
macro_rules! for_each_app_command {
    ($callback:ident) => {
        $callback! {
            // ----- session and account -----
            sync fn app_state(app) -> portal_client::AppState { app.state() }
            awaited fn app_start(app) -> portal_client::AppState { app.start().await }
            awaited fn set_server(app, url: String) -> portal_client::AppState { app.set_server(&url).await }
            awaited fn check_server(app) -> portal_client::AppState { app.check_server().await }
            sync fn set_locale(app, locale: String) -> portal_client::AppState { app.set_locale(&locale) }
            /// The push service's token the OS gave this installation (from a phone's shell).
            awaited fn set_push_token(app, push: portal_api::PushService, token: String) -> portal_client::AppState { app.set_push_token(push, &token).await }
            awaited fn my_devices(app) -> portal_api::DeviceList { app.my_devices().await }
            awaited fn send_code(
                app,
                channel: portal_api::CodeChannel,
                target: String,
                purpose: portal_api::CodePurpose
            ) -> portal_api::SendCodeResponse {
                app.send_code(channel, &target, purpose).await
            }
            awaited fn sign_up(app, input: portal_client::SignUpInput) -> portal_client::AppState {
                app.sign_up(input).await
            }
            awaited fn sign_in_with_code(app, input: portal_client::CodeSignInInput) -> portal_client::AppState {
                app.sign_in_with_code(input).await
            }
            awaited fn sign_in_with_password(app, input: portal_client::PasswordSignInInput) -> portal_client::AppState {
                app.sign_in_with_password(input).await
            }
            awaited fn sign_out(app) -> portal_client::AppState { app.sign_out().await }
            awaited fn refresh(app) -> portal_client::AppState { app.refresh().await }
            /// `birthday`: MM-DD sets it, "" forgets it, none leaves it.
            awaited fn update_profile(app, display_name: String, birthday: Option<String>) -> portal_client::AppState {
                app.update_profile(&display_name, birthday).await
            }
            awaited fn set_password(app, input: portal_api::SetPasswordRequest) -> portal_client::AppState {
                app.set_password(input).await
            }
            awaited fn link_identity(app, input: portal_api::LinkIdentityRequest) -> portal_client::AppState {
                app.link_identity(input).await
            }
            awaited fn list_sessions(app) -> portal_api::DeviceSessionList { app.sessions().await }
            awaited fn revoke_session(app, id: uuid::Uuid) -> portal_api::DeviceSessionList {
                app.revoke_session(id).await
            }

            // ----- product center -----
            awaited fn sync_catalog(app) -> portal_client::catalog::CatalogStatus { app.sync_catalog().await }
            sync fn catalog_status(app) -> portal_client::catalog::CatalogStatus { app.catalog_status() }
            sync fn catalog_categories(app) -> Vec<portal_api::Category> { app.categories() }
            sync fn catalog_stores(app) -> Vec<portal_api::RetailStore> { app.stores() }
            sync fn search_products(app, query: portal_client::catalog::SearchQuery)
                -> portal_client::catalog::SearchResult { app.search(&query) }
            sync fn product_view(app, model: String) -> Option<portal_client::catalog::ProductView> {
                app.product(&model)
            }
            /// Puts a product on the signed-in person's "recently viewed" (the product page calls it).
            sync fn record_product_view(app, model: String) -> () { app.record_product_view(&model) }
            sync fn compare_products(app, models: Vec<String>) -> portal_client::catalog::Comparison {
                app.compare(&models)
            }
            sync fn nearest_stores(app, latitude: f64, longitude: f64, model: Option<String>)
                -> Vec<portal_client::catalog::StoreDistance> {
                app.nearest_stores(latitude, longitude, model.as_deref())
            }
            awaited fn set_favourite(app, model: String, kind: portal_api::FavouriteKind, active: bool)
                -> Vec<portal_client::favourites::FavouriteEntry> {
                app.set_favourite(&model, kind, active).await
            }
            sync fn list_favourites(app) -> Vec<portal_client::favourites::FavouriteEntry> { app.favourites() }
            awaited fn recommendations(app, placement: portal_api::Placement, model: Option<String>)
                -> portal_client::recommendations::RecommendationView {
                app.recommendations(placement, model.as_deref()).await
            }
            awaited fn recommendation_report(app, days: u32) -> portal_api::RecommendationReport {
                app.recommendation_report(days).await
            }
            awaited fn experiments(app) -> portal_api::ExperimentList { app.experiments().await }
            awaited fn start_experiment(app, input: portal_api::NewExperiment) -> portal_api::Experiment {
                app.start_experiment(input).await
            }
            awaited fn stop_experiment(app, id: uuid::Uuid, winner: Option<String>) -> portal_api::Experiment {
                app.stop_experiment(id, winner).await
            }
            // ----- customer tags and the customer view -----
            awaited fn customer_tags(app) -> portal_api::CustomerTagList { app.customer_tags().await }
            awaited fn create_customer_tag(app, input: portal_api::NewCustomerTag) -> portal_api::CustomerTag {
                app.create_customer_tag(input).await
            }
            awaited fn delete_customer_tag(app, id: uuid::Uuid) -> portal_api::CustomerTagList {
                app.delete_customer_tag(id).await
            }
            awaited fn recompute_customer_tags(app, full: bool) -> portal_api::CustomerTagList {
                app.recompute_customer_tags(full).await
            }
            awaited fn find_customer(app, phone: String) -> portal_api::CustomerView { app.find_customer(phone).await }
            awaited fn customer_view(app, id: uuid::Uuid) -> portal_api::CustomerView { app.customer_view(id).await }
            awaited fn own_customer_view(app) -> portal_api::CustomerView { app.own_customer_view().await }
            awaited fn counter_code(app, phone: String) -> portal_api::SendCodeResponse { app.counter_code(phone).await }
            awaited fn counter_consent(app, phone: String, code: String) -> portal_api::CustomerView {
                app.counter_consent(phone, code).await
            }
            // ----- behaviour events and the person's choice about them -----
            sync fn track_event(app, input: portal_client::events::EventInput) -> () { app.track(input) }
            sync fn tracking_state(app) -> portal_client::events::TrackingState { app.tracking_state() }
            awaited fn set_tracking(app, on: bool) -> portal_client::events::TrackingState { app.set_tracking(on).await }
            awaited fn flush_events(app) -> u32 { app.flush_events().await }
            awaited fn event_history(app, before_at: Option<i64>, before_id: Option<uuid::Uuid>) -> portal_api::EventHistory {
                app.event_history(before_at.zip(before_id)).await
            }
            awaited fn delete_event_history(app) -> portal_api::EventsDeleted { app.delete_event_history().await }
            sync fn consumer_day(app, latitude: f64, longitude: f64) -> portal_client::consumer_day::ConsumerDay {
                app.consumer_day(latitude, longitude)
            }

            // ----- outbox and notices -----
            awaited fn flush_outbox(app) -> u32 { app.flush_outbox().await }
            awaited fn send_now(app) -> u32 { app.send_now().await }
            sync fn take_new_notices(app) -> Vec<portal_client::store_ops::Notice> { app.take_new_notices() }
            awaited fn watch_store_flags(app) -> u32 { app.watch_store_flags().await }
            /// Shows an OS notification (the text comes from the UI, in the user's language).
            shell fn notify(handle, title: String, body: String) -> () { crate::show_notification(&handle, title, body) }

            // ----- store operations (point of sale) -----
            awaited fn store_staff(app, store_id: uuid::Uuid) -> portal_api::StaffList { app.staff(store_id).await }
            awaited fn set_discount_limit(app, store_id: uuid::Uuid, user_id: uuid::Uuid, percent: Option<u32>)
                -> portal_api::StaffMember {
                app.set_discount_limit(store_id, user_id, percent).await
            }
            awaited fn record_store_op(app, store_id: uuid::Uuid, action: portal_api::StoreAction) -> uuid::Uuid {
                app.record_store_op(store_id, action).await
            }
            sync fn scan_sku(app, barcode: String) -> portal_client::catalog::view::SkuHit { app.scan(&barcode) }
            sync fn store_notices(app) -> Vec<portal_client::store_ops::Notice> { app.store_notices() }
            sync fn pending_ops(app) -> u32 { app.pending_ops() }
            sync fn pos_receipts(app) -> Vec<portal_client::store_ops::SaleReceipt> { app.receipts() }
            awaited fn find_receipt(app, store_id: uuid::Uuid, receipt_no: String)
                -> Vec<portal_client::store_ops::SaleReceipt> {
                app.find_receipt(store_id, &receipt_no).await
            }
            sync fn next_receipt_no(app) -> String { app.next_receipt_no() }
            awaited fn store_stock(app, store_id: uuid::Uuid) -> portal_client::store_stock::StockView {
                app.stock(store_id).await
            }
            awaited fn store_samples(app, store_id: uuid::Uuid)
                -> portal_client::store_stock::Snapshot<portal_api::SampleList> {
                app.samples(store_id).await
            }
            awaited fn store_transfers(app, store_id: uuid::Uuid)
                -> portal_client::store_stock::Snapshot<portal_api::TransferList> {
                app.transfers(store_id).await
            }
            awaited fn expected_shipments(app, store_id: uuid::Uuid)
                -> portal_client::store_stock::Snapshot<portal_api::ShipmentList> {
                app.expected_shipments(store_id).await
            }

            // ----- distribution: dealers' orders, reviews, credit -----
            /// `dealer_id`: none for the signed-in distributor's own dealer.
            awaited fn dealer_desk(app, dealer_id: Option<uuid::Uuid>) -> portal_client::app::DealerDeskView {
                app.dealer_desk(dealer_id).await
            }
            awaited fn dealer_orders_page(app, dealer_id: uuid::Uuid, query: portal_api::OrderListQuery)
                -> portal_api::OrderList {
                app.dealer_orders_page(dealer_id, query).await
            }
            sync fn read_quick_order(app, text: String) -> portal_client::dealer_orders::QuickOrderRead {
                Ok::<_, portal_client::error::ClientError>(app.read_quick_order(&text))
            }
            // Drafts are written as the dealer types, while a catalog sync may hold the cache for a
            // while: off the window's thread, so that typing never waits for it.
            awaited fn order_drafts(app) -> Vec<portal_client::dealer_orders::OrderDraft> { app.order_drafts() }
            awaited fn save_order_draft(app, draft: portal_client::dealer_orders::OrderDraft)
                -> Vec<portal_client::dealer_orders::OrderDraft> {
                app.save_order_draft(draft)
            }
            awaited fn delete_order_draft(app, id: uuid::Uuid) -> Vec<portal_client::dealer_orders::OrderDraft> {
                app.delete_order_draft(id)
            }
            awaited fn send_order_draft(app, draft: portal_client::dealer_orders::OrderDraft)
                -> Vec<portal_client::dealer_orders::OrderDraft> {
                app.send_order_draft(draft).await
            }
            awaited fn quote_order(app, dealer_id: uuid::Uuid, lines: Vec<portal_api::OrderLineDraft>) -> portal_api::Quote {
                app.quote_order(dealer_id, lines).await
            }
            awaited fn order_detail(app, id: uuid::Uuid) -> portal_api::Order { app.order_detail(id).await }
            awaited fn take_order_step(app, id: uuid::Uuid, action: portal_api::OrderAction, reason: Option<String>)
                -> portal_api::Order {
                app.take_order_step(id, action, reason).await
            }
            awaited fn ship_order(app, id: uuid::Uuid, shipment_id: uuid::Uuid, lines: Vec<portal_api::ShipLine>)
                -> portal_api::Order {
                app.ship_order(id, shipment_id, lines).await
            }
            awaited fn order_queue(app, query: portal_api::OrderListQuery) -> portal_api::OrderList {
                app.order_queue(query).await
            }
            awaited fn business_desk(app) -> portal_api::BusinessDesk { app.business_desk().await }
            awaited fn dealer_supply(app, dealer_id: uuid::Uuid) -> portal_api::SupplyReport {
                app.dealer_supply(dealer_id).await
            }
            awaited fn dealer_rebates(app, dealer_id: uuid::Uuid) -> portal_api::DealerRebates {
                app.dealer_rebates(dealer_id).await
            }
            awaited fn dealer_statement(app, dealer_id: uuid::Uuid, from: String, to: String) -> portal_api::Statement {
                app.dealer_statement(dealer_id, from, to).await
            }
            /// Saves the statement as CSV in the downloads folder; the file's path.
            awaited fn save_statement_csv(app, dealer_id: uuid::Uuid, from: String, to: String) -> String {
                app.save_statement_csv(dealer_id, from, to).await
            }
            awaited fn set_credit_line(app, dealer_id: uuid::Uuid, limit: i64, reason: String) -> portal_api::CreditLine {
                app.set_credit_line(dealer_id, limit, reason).await
            }
            // ----- the administrator's console -----
            awaited fn search_people(app, query: portal_api::UserSearchQuery) -> portal_api::AdminUserList {
                app.search_people(query).await
            }
            awaited fn lock_user(app, id: uuid::Uuid, reason: String) -> portal_api::AdminUser {
                app.lock_user(id, reason).await
            }
            awaited fn unlock_user(app, id: uuid::Uuid) -> portal_api::AdminUser { app.unlock_user(id).await }
            awaited fn user_sessions(app, id: uuid::Uuid) -> portal_api::AdminSessions { app.user_sessions(id).await }
            awaited fn end_user_session(app, id: uuid::Uuid, session: uuid::Uuid) -> portal_api::AdminSessions {
                app.end_user_session(id, session).await
            }
            awaited fn set_user_role(app, id: uuid::Uuid, request: portal_api::SetRoleRequest) -> portal_api::Profile {
                app.set_user_role(id, request).await
            }
            awaited fn audit_log(app, query: portal_api::AuditQuery) -> portal_api::AuditPage {
                app.audit_log(query).await
            }
            awaited fn system_health(app) -> portal_api::SystemHealth { app.system_health().await }
            awaited fn import_catalog_csv(app, csv: String) -> portal_api::ImportReport {
                app.import_catalog_csv(csv).await
            }
            awaited fn save_catalog_csv(app) -> String { app.save_catalog_csv().await }
            // ----- campaigns (operators, online) and anyone's message preferences -----
            awaited fn campaigns(app, query: portal_api::CampaignQuery) -> portal_api::CampaignList {
                app.campaigns(query).await
            }
            awaited fn campaign(app, id: uuid::Uuid) -> portal_api::CampaignDetail { app.campaign(id).await }
            awaited fn audiences(app) -> portal_api::Audiences { app.audiences().await }
            awaited fn import_audience_list(app, name: String, csv: String) -> portal_api::ListReport {
                app.import_audience_list(name, csv).await
            }
            awaited fn delete_audience_list(app, id: uuid::Uuid) -> () { app.delete_audience_list(id).await }
            awaited fn save_segment(app, segment: portal_api::NewSegment) -> portal_api::SavedSegment {
                app.save_segment(segment).await
            }
            awaited fn delete_segment(app, id: uuid::Uuid) -> () { app.delete_segment(id).await }
            awaited fn wallet(app) -> portal_client::coupons::WalletView { app.wallet().await }
            sync fn coupon_qr(app, code: String) -> Vec<Vec<bool>> { Ok(portal_client::coupons::qr(&code)) }
            awaited fn audience_size(app, audience: portal_api::Audience) -> portal_api::AudienceSize {
                app.audience_size(audience).await
            }
            awaited fn create_campaign(app, draft: portal_api::CampaignDraft) -> portal_api::Campaign {
                app.create_campaign(draft).await
            }
            awaited fn edit_campaign(app, draft: portal_api::CampaignDraft, revision: u32) -> portal_api::Campaign {
                app.edit_campaign(draft, revision).await
            }
            awaited fn act_on_campaign(app, id: uuid::Uuid, request: portal_api::CampaignActionRequest)
                -> portal_api::Campaign {
                app.act_on_campaign(id, request).await
            }
            awaited fn message_preferences(app) -> portal_api::MessagePreferences { app.message_preferences().await }
            awaited fn set_message_preferences(app, preferences: portal_api::MessagePreferences)
                -> portal_api::MessagePreferences {
                app.set_message_preferences(preferences).await
            }
            awaited fn admin_product(app, model: String) -> portal_api::ProductRevision { app.admin_product(model).await }
            awaited fn put_product(app, product: portal_api::Product, revision: String) -> portal_api::Product {
                app.put_product(product, revision).await
            }
            awaited fn withdraw_product(app, model: String, revision: String) -> () {
                app.withdraw_product(model, revision).await
            }
            awaited fn admin_stores(app, after: Option<String>) -> portal_api::StoreList {
                app.admin_stores(after).await
            }
            awaited fn put_store(app, store: portal_api::Store) -> portal_api::Store { app.put_store(store).await }
            awaited fn admin_dealers(app, after: Option<String>) -> portal_api::DealerList {
                app.admin_dealers(after).await
            }
            awaited fn put_dealer(app, dealer: portal_api::Dealer) -> portal_api::Dealer { app.put_dealer(dealer).await }
            awaited fn dealer_links(app, dealer_id: uuid::Uuid) -> portal_api::DealerLinks {
                app.dealer_links(dealer_id).await
            }
            awaited fn set_dealer_links(app, dealer_id: uuid::Uuid, links: portal_api::DealerLinks)
                -> portal_api::DealerLinks {
                app.set_dealer_links(dealer_id, links).await
            }
            awaited fn dealer_funds(app, dealer_id: uuid::Uuid) -> portal_api::DealerFunds {
                app.dealer_funds(dealer_id).await
            }
            awaited fn record_prepayment(app, dealer_id: uuid::Uuid, prepayment: portal_api::Prepayment)
                -> portal_api::DealerFunds {
                app.record_prepayment(dealer_id, prepayment).await
            }
            awaited fn record_dealer_payment(app, dealer_id: uuid::Uuid, payment: portal_api::RecordPayment)
                -> portal_api::CreditLine {
                app.record_dealer_payment(dealer_id, payment).await
            }
            awaited fn price_list(app, query: portal_api::PriceListQuery) -> portal_api::PriceListPage {
                app.price_list(query).await
            }
            awaited fn put_prices(app, entries: Vec<portal_api::PriceListEntry>) -> portal_api::PriceListResult {
                app.put_prices(entries).await
            }
            awaited fn ask_approval(app, ask: portal_api::ApprovalAsk) -> portal_api::Approval {
                app.ask_approval(ask).await
            }
            awaited fn approvals(app, query: portal_api::ApprovalQuery) -> portal_api::ApprovalList {
                app.approvals(query).await
            }
            awaited fn decide_approval(app, id: uuid::Uuid, decision: portal_api::ApprovalDecision)
                -> portal_api::Approval {
                app.decide_approval(id, decision).await
            }
            awaited fn allocation_demand(app, sku: String) -> portal_api::AllocationDemand {
                app.allocation_demand(sku).await
            }
            awaited fn run_allocation(app, request: portal_api::AllocationRequest) -> portal_api::AllocationReport {
                app.run_allocation(request).await
            }
            awaited fn dealer_trends(app, dealer_id: uuid::Uuid) -> portal_api::DealerTrends {
                app.dealer_trends(dealer_id).await
            }
            awaited fn demand_plan(app, dealer_id: uuid::Uuid) -> portal_api::DemandPlan {
                app.demand_plan(dealer_id).await
            }
            awaited fn set_demand_plan(app, dealer_id: uuid::Uuid, entries: Vec<portal_api::DemandPlanEntry>)
                -> portal_api::DemandPlan {
                app.set_demand_plan(dealer_id, entries).await
            }
            awaited fn triggers(app) -> portal_api::TriggerList {
                app.triggers().await
            }
            awaited fn create_trigger(app, req: portal_api::NewTrigger) -> portal_api::Trigger {
                app.create_trigger(req).await
            }
            awaited fn set_trigger_active(app, id: uuid::Uuid, active: bool) -> portal_api::TriggerList {
                app.set_trigger_active(id, active).await
            }
            awaited fn inbox(app) -> portal_client::inbox::InboxView {
                app.inbox().await
            }
            awaited fn change_inbox(app, id: uuid::Uuid, change: portal_api::InboxChangeKind)
                -> portal_client::inbox::InboxView {
                app.change_inbox(id, change).await
            }
            awaited fn checkout_offer(app, store_id: uuid::Uuid, skus: Vec<String>)
                -> portal_client::counter_offer::CounterOfferView {
                app.checkout_offer(store_id, skus).await
            }
            sync fn pos_shift(app, store_id: uuid::Uuid) -> Option<portal_client::store_ops::OpenShift> {
                app.open_shift(store_id)
            }
            awaited fn refresh_store_coupons(app, store_id: uuid::Uuid) -> u32 { app.refresh_store_coupons(store_id).await }
            sync fn check_coupon(app, store_id: uuid::Uuid, code: String, lines: Vec<portal_api::SaleLine>)
                -> portal_client::coupons::TillCoupon {
                app.check_coupon(store_id, &code, &lines)
            }
            sync fn sale_totals(app, action: portal_api::StoreAction) -> portal_client::store_ops::SaleCheck {
                app.sale_totals(&action)
            }
            sync fn preview_refund(app, action: portal_api::StoreAction) -> Option<i64> {
                app.preview_refund(&action)
            }
            awaited fn store_day_report(app, store_id: uuid::Uuid, day: String) -> portal_api::DayReport {
                app.day_report(store_id, &day).await
            }
        }
    };
}

#[cfg(test)]
mod ipc_commands {
    //! `ui/src/ipc/commands.ts`, generated from the declarations above. This test fails when the
    //! file is not current; `UPDATE_IPC_TYPES=1 cargo test -p portal-client ipc_` rewrites it.
    use std::collections::BTreeSet;

    use ts_rs::TS;

    struct Command {
        name: &'static str,
        args: Vec<(&'static str, String)>,
        answer: String,
    }

    macro_rules! describe {
        ($(
            $(#[$doc:meta])*
            $kind:ident fn $name:ident ($app:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $answer:ty $body:block
        )*) => {
            vec![$(Command {
                name: stringify!($name),
                args: vec![$((stringify!($arg), <$ty as TS>::name())),*],
                answer: <$answer as TS>::name(),
            }),*]
        };
    }

    fn camel(snake: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    /// A TypeScript type as the UI writes it: 64-bit integers cross as JSON numbers (well inside
    /// 2^53), and an answer of nothing is `void`.
    fn ts(name: &str) -> String {
        match name.replace("bigint", "number").as_str() {
            "null" => "void".into(),
            other => other.into(),
        }
    }

    fn render() -> String {
        let commands: Vec<Command> = crate::for_each_app_command!(describe);
        let builtin = ["Array", "string", "number", "boolean", "null", "void", "Record"];
        let mut imports = BTreeSet::new();
        let mut body = String::new();
        for c in &commands {
            // Every argument is passed, an optional one as null: none can be left out by mistake
            // (a discount limit left out would reset it).
            let params: Vec<String> = c.args.iter().map(|(arg, ty)| format!("{}: {}", camel(arg), ts(ty))).collect();
            for ty in c.args.iter().map(|(_, t)| ts(t)).chain([ts(&c.answer)]) {
                for word in ty.split(|ch: char| !ch.is_alphanumeric() && ch != '_') {
                    if !word.is_empty() && !builtin.contains(&word) {
                        imports.insert(word.to_owned());
                    }
                }
            }
            let names: Vec<String> = c.args.iter().map(|(a, _)| camel(a)).collect();
            let passed = if names.is_empty() { String::new() } else { format!(", {{ {} }}", names.join(", ")) };
            body.push_str(&format!(
                "  {}: ({}) => call<{}>(\"{}\"{passed}),\n",
                camel(c.name),
                params.join(", "),
                ts(&c.answer),
                c.name
            ));
        }
        let mut out = String::from(
            "// Generated from crates/client/src/commands.rs, the one declaration of the app's commands.\n\
             // Do not edit by hand: run `UPDATE_IPC_TYPES=1 cargo test -p portal-client ipc_` after changing them.\n\
             import { invoke } from \"@tauri-apps/api/core\";\n",
        );
        imports.insert("ApiError".into());
        out.push_str("import type {\n");
        for name in &imports {
            out.push_str(&format!("  {name},\n"));
        }
        out.push_str("} from \"./types\";\n\n");
        out.push_str(
            "/** Every command rejects with an ApiError; anything else is turned into one. */\n\
             async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {\n\
             \x20 try {\n\
             \x20   return await invoke<T>(command, args);\n\
             \x20 } catch (e) {\n\
             \x20   if (e && typeof e === \"object\" && \"code\" in e) throw e as ApiError;\n\
             \x20   throw { code: \"internal\", message: String(e) } satisfies ApiError;\n\
             \x20 }\n\
             }\n\n\
             export const commands = {\n",
        );
        out.push_str(&body);
        out.push_str("};\n");
        out
    }

    #[test]
    fn ipc_commands_are_current() {
        crate::ipc_types::assert_generated_current("commands.ts", &render());
    }
}
