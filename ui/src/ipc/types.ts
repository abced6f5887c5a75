// Generated from the Rust types by crates/client/src/ipc_types.rs. Do not edit by hand:
// run `UPDATE_IPC_TYPES=1 cargo test -p portal-client ipc_types` after changing them.

export type AccountLock = { reason: string, by: string, at: number, };

export type AdminSessions = { sessions: Array<DeviceSession>, };

export type AdminUser = { user: UserSummary, lock?: AccountLock, };

export type AdminUserList = { users: Array<AdminUser>, };

export type AllocationBasis = "plan" | "history" | "ordered";

export type AllocationDemand = { sku: string, orders: number, wanted: number, };

export type AllocationGrant = { order_id: string, dealer_id: string, wanted: number, granted: number, short: number, 
/**
 * The short units were cancelled (the dealer chose so), not back-ordered.
 */
short_cancelled: boolean, 
/**
 * Higher is served first (from the dealer's tier).
 */
priority: number, 
/**
 * The dealer's weight by the run's basis (plan units, units sold, or units wanted).
 */
weight: number, reason: AllocationReason, };

export type AllocationReason = { "kind": "full" } | { "kind": "share", shared: number, } | { "kind": "nothing_left" };

export type AllocationReport = { id: string, sku: string, available: number, basis: AllocationBasis, orders: number, wanted: number, granted: number, by: string, at: number, 
/**
 * At most `MAX_GRANTS_SHOWN` of them; each order shows its own in full.
 */
grants: Array<AllocationGrant>, };

export type AllocationRequest = { id: string, sku: string, available: number, basis: AllocationBasis, priority_tiers: Array<string>, };

export type AmountByKey = { key: string, quantity: number, amount: number, };

export type ApiError = { code: ErrorCode, 
/**
 * An English message a person can act on. The app shows its own translation of `code`.
 */
message: string, 
/**
 * Seconds to wait before trying again, for `rate_limited`, `account_locked` and `too_many_attempts`.
 */
retry_after_secs?: number, 
/**
 * The request field the error is about, when there is one.
 */
field?: string, 
/**
 * What exactly is wrong, for the app to say in its own language: a stable key within the
 * code (for `invalid_tag_rule`: `unknown_field`, `value_expected`, …) and what it names.
 */
detail?: ErrorDetail, };

export type AppState = { server_url: string, 
/**
 * `zh-CN` or `en`.
 */
locale: string, signed_in: boolean, 
/**
 * False when the last call to the server could not reach it.
 */
online: boolean, profile?: Profile, 
/**
 * Unix seconds the profile was cached at.
 */
profile_cached_at?: number, home?: RoleHome, home_cached_at?: number, 
/**
 * Why this device was signed out by the server, shown once.
 */
signed_out_reason?: ApiError, };

export type Approval = { id: string, kind: ApprovalKind, dealer_id: string, dealer_name: string, credit_limit?: number, entries: Array<PriceListEntry>, reason: string, requested_by: string, requested_by_name: string, requested_at: number, status: ApprovalStatus, decided_by?: string, decided_at?: number, decision_reason?: string, 
/**
 * The dealer's credit as it stands now.
 */
credit: CreditLine, };

export type ApprovalAsk = { id: string, dealer_id: string, reason: string, credit_limit?: number, entries: Array<PriceListEntry>, };

export type ApprovalDecision = { approve: boolean, reason: string, };

export type ApprovalKind = "credit_limit" | "prices";

export type ApprovalList = { 
/**
 * Waiting ones oldest first (what has waited longest is decided first); decided ones newest first.
 */
approvals: Array<Approval>, };

export type ApprovalQuery = { 
/**
 * `waiting` (the default), `approved` or `rejected`.
 */
status?: string, };

export type ApprovalStatus = "waiting" | "approved" | "rejected";

export type ArmOutcome = { 
/**
 * The arm's name, or `holdout`.
 */
arm: string, people: number, buyers: number, buyer_rate: number, buyer_rate_low: number, buyer_rate_high: number, 
/**
 * What the buyers spent, in fen.
 */
revenue: number, };

export type Audience = { 
/**
 * Customer tags (ids) a person has all of.
 */
tags_all: Array<string>, 
/**
 * Customer tags a person has at least one of.
 */
tags_any: Array<string>, 
/**
 * Customer tags a person has none of.
 */
tags_none: Array<string>, 
/**
 * Roles (consumers when none is given).
 */
roles: Array<Role>, 
/**
 * Bought at one of these stores (within `bought_within_days` when given).
 */
stores: Array<string>, 
/**
 * Bought something within this many days.
 */
bought_within_days?: number, 
/**
 * Signed in within this many days.
 */
active_within_days?: number, 
/**
 * In at least one of these imported lists (ids).
 */
lists: Array<string>, };

export type AudienceList = { id: string, name: string, rows: number, matched: number, created_by: string, created_at: number, };

export type AudienceOverview = { total_users: number, consumers: number, with_phone: number, with_email: number, };

export type AudienceSize = { size: number, };

export type Audiences = { lists: Array<AudienceList>, segments: Array<SavedSegment>, };

export type AuditEntry = { id: number, at: number, actor_id: string, actor_name: string, role: string, method: string, path: string, status: number, };

export type AuditPage = { 
/**
 * Newest first.
 */
entries: Array<AuditEntry>, 
/**
 * Pass as `before` for the next page.
 */
next_before?: number, };

export type AuditQuery = { before?: number, actor?: string, };

export type BusinessDesk = { dealers: Array<DealerCredit>, 
/**
 * Orders in price or credit review at their dealers, oldest first.
 */
waiting: Array<OrderSummary>, };

export type Campaign = { status: CampaignStatus, 
/**
 * Goes up with every edit; an approval is of one revision, and an action names the revision
 * its taker saw.
 */
revision: number, author: string, last_editor: string, submitted_by?: string, decided_by?: string, decision_reason?: string, created_at: number, updated_at: number, 
/**
 * When stopping it withdrew its coupons (tills no longer take them).
 */
coupons_withdrawn_at?: number, id: string, name: string, 
/**
 * The marketing category people opt in or out of (`promotions`, `new_products`, `care`…).
 */
category: string, audience: Audience, content: CampaignContent, channels: Array<MessageChannel>, 
/**
 * Unix seconds; none: when it is started.
 */
starts_at?: number, 
/**
 * Unix seconds; none: until everyone is reached.
 */
ends_at?: number, 
/**
 * Out of every hundred matching people, how many are held out (measured, not messaged).
 */
holdout_percent: number, 
/**
 * An e-coupon each person reached gets (one each), kept in their app's wallet.
 */
coupon?: CouponTerms, };

export type CampaignAction = "edit" | "submit" | "approve" | "reject" | "schedule" | "start" | "pause" | "resume" | "stop" | "finish" | "withdraw_coupons";

export type CampaignActionRequest = { action: CampaignAction, revision: number, 
/**
 * Needed to reject or stop.
 */
reason?: string, };

export type CampaignContent = { title_zh: string, title_en: string, body_zh: string, body_en: string, deep_link?: DeepLink, 
/**
 * The SMS provider's code of the approved marketing template its texts go as (the template
 * carries the opt-out instruction); none: the server's configured default.
 */
sms_template?: string, };

export type CampaignDetail = { campaign: Campaign, steps: Array<CampaignStep>, 
/**
 * Whether the one asking may approve or reject it now.
 */
can_decide: boolean, 
/**
 * Its coupons so far, if it issues one.
 */
coupons?: CouponCounts, 
/**
 * What came of it, once it has started.
 */
funnel?: CampaignFunnel, };

export type CampaignDraft = { id: string, name: string, 
/**
 * The marketing category people opt in or out of (`promotions`, `new_products`, `care`…).
 */
category: string, audience: Audience, content: CampaignContent, channels: Array<MessageChannel>, 
/**
 * Unix seconds; none: when it is started.
 */
starts_at?: number, 
/**
 * Unix seconds; none: until everyone is reached.
 */
ends_at?: number, 
/**
 * Out of every hundred matching people, how many are held out (measured, not messaged).
 */
holdout_percent: number, 
/**
 * An e-coupon each person reached gets (one each), kept in their app's wallet.
 */
coupon?: CouponTerms, };

export type CampaignFunnel = { 
/**
 * Deliveries (one a person and channel).
 */
queued: number, sent: number, skipped: number, failed: number, cancelled: number, 
/**
 * People.
 */
reached: number, opened: number, bought: number, held_out: number, held_out_bought: number, 
/**
 * Coupons redeemed (a conversion of its own).
 */
redeemed: number, 
/**
 * Messages handed to the outside gateways (texts, mobile pushes), by what became of them.
 */
gateway: GatewayCounts, opened_rate?: RateInterval, bought_rate?: RateInterval, held_out_rate?: RateInterval, 
/**
 * How much more the people reached bought than the holdout, in rate points.
 */
lift?: RateInterval, };

export type CampaignList = { campaigns: Array<Campaign>, 
/**
 * Pass as `before` for the next page; none at the end.
 */
next?: string, };

export type CampaignQuery = { status?: CampaignStatus, 
/**
 * The `next` of the page before.
 */
before?: string, limit?: number, };

export type CampaignStatus = "draft" | "submitted" | "approved" | "rejected" | "scheduled" | "running" | "paused" | "finished";

export type CampaignStep = { at: number, by: string, by_name: string, action: CampaignAction, from: CampaignStatus, to: CampaignStatus, reason?: string, revision: number, };

export type CatalogStatus = { products: number, 
/**
 * Unix seconds of the last completed sync.
 */
synced_at?: number, };

export type Category = { 
/**
 * A stable code, e.g. `tv`, `tv.oled`.
 */
code: string, parent?: string, name_zh: string, name_en: string, sort: number, 
/**
 * Key specs of products in this category.
 */
specs: Array<SpecDef>, 
/**
 * Units carry serial numbers (TVs, fridges, ACs): each is sold on a line of its own with its
 * serial. A subcategory inherits it from its parent.
 */
serialised: boolean, };

export type Channel = { 
/**
 * `official`, `tmall`, `jd`, `suning`, …
 */
code: string, name_zh: string, name_en: string, url: string, };

export type CodeChannel = "sms" | "email";

export type CodePurpose = "sign_up" | "sign_in" | "link" | "counter_consent";

export type CodeSignInInput = { phone: string, code: string, };

export type CompareRow = { key: string, name_zh: string, name_en: string, 
/**
 * One per product; None where a product lacks the spec.
 */
values: Array<string | null>, differs: boolean, };

export type Comparison = { products: Array<ProductSummary>, rows: Array<CompareRow>, };

export type ConsumerDay = { 
/**
 * Newest first; products no longer in the local catalog are left out.
 */
recently_viewed: Array<ProductSummary>, favourites: Array<ProductSummary>, 
/**
 * Soonest launch first; those already launched after the ones still to come.
 */
followed: Array<FollowedLaunch>, nearest_stores: Array<StoreDistance>, };

export type ConsumerHome = { 
/**
 * Unix seconds.
 */
member_since: number, linked_identities: number, };

export type CountedLine = { sku: string, received: number, damaged: number, };

export type CounterOffer = { 
/**
 * The offer's id: the server's (`CheckoutOffer::id`), or one made on the device offline.
 */
recommendation: string, 
/**
 * The SKUs shown (1–10).
 */
shown: Array<string>, 
/**
 * The SKUs the customer accepted, each among those shown; declined are the rest.
 */
accepted: Array<string>, };

export type CounterOfferView = { 
/**
 * The offer's id, recorded with the sale (`CounterOffer::recommendation`).
 */
id: string, algorithm: string, items: Array<OfferItem>, 
/**
 * Made on the device: the server could not be asked.
 */
offline: boolean, };

export type CouponBenefit = { "kind": "amount_off", fen: number, } | { "kind": "percent_off", percent: number, max_fen?: number, };

export type CouponCounts = { issued: number, redeemed: number, 
/**
 * Sales that took a coupon already redeemed (flagged, counted once).
 */
used_twice: number, 
/**
 * What redeemed coupons took off, in fen.
 */
off: number, };

export type CouponTerms = { benefit: CouponBenefit, 
/**
 * The least the eligible lines must come to, in fen.
 */
min_spend: number, 
/**
 * Products (model numbers) it applies to; none: any.
 */
models: Array<string>, 
/**
 * Categories it applies to (a product in a sub-category counts); none: any.
 */
categories: Array<string>, 
/**
 * Stores that take it; none: every store.
 */
stores: Array<string>, 
/**
 * Unix seconds, from and until (exclusive).
 */
valid_from: number, valid_until: number, };

export type CreditLine = { dealer_id: string, limit: number, 
/**
 * Invoiced and not yet paid.
 */
receivables: number, 
/**
 * Held by orders confirmed and not yet invoiced.
 */
reserved: number, available: number, };

export type CustomerPurchase = { sale_id: string, store_name: string, city: string, at: number, sku: string, 
/**
 * The product, when the catalog knows the SKU.
 */
model?: string, quantity: number, returned: number, 
/**
 * Fen, for the line as sold.
 */
amount: number, };

export type CustomerRecommendation = { list_id: string, served_at: number, placement: string, algorithm: string, models: Array<string>, clicked: Array<string>, bought: Array<string>, };

export type CustomerTag = { id: string, name: string, 
/**
 * For example `bought_days.tv > 1825` or `spend >= 20000 and city = '上海'`.
 */
rule: string, 
/**
 * Customers with the tag when last worked out.
 */
size: number, 
/**
 * When it was last worked out over every customer; none until then.
 */
computed_at?: number, created_at: number, };

export type CustomerTagList = { 
/**
 * By name.
 */
tags: Array<CustomerTag>, 
/**
 * What rules may name.
 */
fields: Array<TagField>, };

export type CustomerView = { id: string, display_name: string, 
/**
 * Masked (139****0005) for a promoter.
 */
phone?: string, member_since: number, 
/**
 * The customer's choice about tracking; none: not chosen (tracked).
 */
tracking?: boolean, tags: Array<string>, 
/**
 * What they kept of their purchases, in fen.
 */
spend: number, 
/**
 * Newest first.
 */
purchases: Array<CustomerPurchase>, favourites: Array<string>, 
/**
 * Newest first.
 */
recommendations: Array<CustomerRecommendation>, 
/**
 * Until when a promoter may see it (their grant); none for operators and the customer.
 */
visible_until?: number, };

export type DayReport = { store_id: string, 
/**
 * YYYY-MM-DD.
 */
day: string, sales: number, sales_amount: number, returns: number, refunds_amount: number, by_product: Array<AmountByKey>, by_promoter: Array<AmountByKey>, 
/**
 * Per closed shift and method: counted minus expected.
 */
cash_differences: Array<AmountByKey>, samples_by_state: Array<AmountByKey>, flags: Array<OpFlag>, 
/**
 * Per SKU the store held or moved that day: on hand at its start, in, out, on hand at its end.
 */
stock: Array<DayStock>, };

export type DayStock = { sku: string, opening: number, 
/**
 * Units in: goods received, transfers in, returns, found, counted up.
 */
moved_in: number, 
/**
 * Units out: sales, gifts, transfers out, lost, counted down.
 */
moved_out: number, 
/**
 * `opening + moved_in - moved_out`.
 */
closing: number, };

export type Dealer = { id: string, code: string, name: string, region: string, };

export type DealerCredit = { dealer: Dealer, credit: CreditLine, };

export type DealerDesk = { dealer: Dealer, credit: CreditLine, stores: Array<Store>, };

export type DealerDeskView = { desk: DealerDesk, 
/**
 * Newest first (the first page).
 */
orders: Array<OrderSummary>, next?: string, 
/**
 * When it was read from the server (unix seconds).
 */
fetched_at: number, };

export type DealerFunds = { dealer_id: string, prepayment: number, rebate: number, 
/**
 * Newest first (at most 100).
 */
movements: Array<FundsMovement>, };

export type DealerLinks = { store_ids: Array<string>, manager_id?: string, 
/**
 * The dealer's tier (`gold`, `silver`…), for the tier's price lists.
 */
tier?: string, };

export type DealerList = { 
/**
 * By code, at most 200.
 */
dealers: Array<Dealer>, };

export type DealerOverview = { dealer: Dealer, 
/**
 * Distributor accounts bound to this dealer.
 */
member_count: number, };

export type DealerRebates = { 
/**
 * The current periods, not yet settled.
 */
pending: Array<RebateStanding>, 
/**
 * Newest first.
 */
settled: Array<RebateCredit>, };

export type DealerTrends = { dealer_id: string, 
/**
 * `YYYY-MM`, oldest first; the last is the current month, so far.
 */
months: Array<string>, ordered: TrendLine, sell_through: TrendLine, rebates: TrendLine, credit: CreditLine, 
/**
 * Units on hand at the stores the dealer supplies.
 */
stock_on_hand: number, };

export type DeepLink = { "to": "product", model: string, } | { "to": "category", code: string, } | { "to": "inbox" } | { "to": "wallet" };

export type DemandCell = { month: string, suggested: number, 
/**
 * The recent pace the suggestion starts from (units a month).
 */
recent_pace: number, 
/**
 * The season's factor applied, in percent (100: none known).
 */
season_percent: number, planned?: number, };

export type DemandPlan = { dealer_id: string, 
/**
 * `YYYY-MM`, oldest first.
 */
history_months: Array<string>, 
/**
 * `YYYY-MM`: this month and the next ones.
 */
months: Array<string>, rows: Array<DemandPlanRow>, };

export type DemandPlanEntry = { sku: string, 
/**
 * `YYYY-MM`, this month or one of the next ones.
 */
month: string, quantity: number, };

export type DemandPlanRow = { sku: string, name: string, 
/**
 * Units sold by the dealer's stores in each of `history_months`.
 */
history: Array<number>, 
/**
 * One per `months`.
 */
cells: Array<DemandCell>, };

export type DeviceInfo = { installation: string, platform: string, push: PushService, language: string, app_version: string, last_seen: number, 
/**
 * Registered in the session making this request.
 */
this_session: boolean, };

export type DeviceList = { devices: Array<DeviceInfo>, };

export type DeviceSession = { id: string, device_name: string, 
/**
 * Unix seconds.
 */
created_at: number, 
/**
 * Unix seconds of the last refresh or request.
 */
last_seen_at: number, 
/**
 * True for the session making the request.
 */
current: boolean, };

export type DeviceSessionList = { sessions: Array<DeviceSession>, };

export type DraftState = "draft" | "sending" | "refused";

export type ErrorCode = "invalid_json" | "invalid_parameter" | "body_too_large" | "invalid_phone" | "invalid_email" | "invalid_username" | "invalid_display_name" | "weak_password" | "invalid_code" | "code_expired" | "too_many_attempts" | "rate_limited" | "account_locked" | "invalid_credentials" | "identity_taken" | "account_not_found" | "unauthorized" | "token_expired" | "invalid_refresh_token" | "refresh_token_reused" | "session_revoked" | "forbidden" | "not_found" | "invalid_role" | "invalid_catalog" | "not_dev_mode" | "invalid_store_op" | "discount_above_limit" | "return_exceeds_sale" | "shift_closed" | "reason_required" | "stale_state" | "transition_not_allowed" | "unknown_barcode" | "idempotency_conflict" | "invalid_tag_rule" | "name_taken" | "invalid_event" | "tracking_declined" | "invalid_order" | "invalid_credit_limit" | "price_list_overlap" | "receipt_exceeds_shipment" | "shipment_already_received" | "account_suspended" | "link_target_gone" | "server_unreachable" | "keyring_unavailable" | "cache_too_new" | "not_signed_in" | "invalid_server_url" | "internal" | "unavailable";

export type ErrorDetail = { 
/**
 * A stable key within the error's code.
 */
key: string, 
/**
 * Where in the field's text (a character position, from 1), when it points at one.
 */
column?: number, 
/**
 * What the problem names (a field, a word, a character), when it names one.
 */
subject?: string, };

export type EventHistory = { events: Array<RecordedEvent>, 
/**
 * Everything the account has recorded.
 */
total: number, };

export type EventInput = { kind: EventKind, model?: string, models?: Array<string>, query?: string, results?: number, recommendation?: string, detail?: string, };

export type EventKind = "app_open" | "sign_in" | "product_view" | "search" | "filter" | "compare" | "favourite" | "follow" | "channel_click" | "store_finder" | "purchase" | "recommendation_shown" | "recommendation_clicked" | "offer_accepted";

export type EventsDeleted = { deleted: number, };

export type Experiment = { id: string, name: string, placement: Placement, arms: Array<ExperimentArm>, holdout_percent: number, status: ExperimentStatus, started_at: number, stopped_at?: number, 
/**
 * The arm made the placement's default when the experiment stopped.
 */
winner?: string, };

export type ExperimentArm = { name: string, 
/**
 * Recommenders joined by `+`, best first. At home: `popular`, `local+popular` (popular in the
 * person's city and segments first), `item_to_item+popular`, `als+popular`,
 * `als+item_to_item+popular`, `als+item_to_item+local+popular`; on a product's page: `content`
 * or `item_to_item+content`. Counter offers are not split.
 */
algorithm: string, 
/**
 * Percent of the people not held out.
 */
share: number, };

export type ExperimentList = { 
/**
 * Newest first.
 */
experiments: Array<Experiment>, 
/**
 * What the people of each arm (and of the holdout) did, per experiment.
 */
outcomes: Array<ExperimentOutcome>, };

export type ExperimentOutcome = { experiment_id: string, arms: Array<ArmOutcome>, };

export type ExperimentStatus = "running" | "stopped";

export type FacetCount = { value: string, count: number, };

export type FavouriteEntry = { model: string, kind: FavouriteKind, 
/**
 * None when the product is not in the local catalog (yet).
 */
product?: ProductSummary, 
/**
 * True until the server has acknowledged this change.
 */
pending: boolean, };

export type FavouriteKind = "favourite" | "follow";

export type FollowedLaunch = { product: ProductSummary, 
/**
 * Unix seconds of the launch.
 */
launches_at: number, };

export type FundsKind = "deposit" | "rebate" | "paid_from_prepayment" | "paid_from_rebate";

export type FundsMovement = { at: number, kind: FundsKind, 
/**
 * Positive in, negative out.
 */
amount: number, reference: string, };

export type GatewayCounts = { pending: number, sent: number, delivered: number, failed: number, cancelled: number, };

export type Happening = { "kind": "reach", online: boolean, settled: boolean, } | { "kind": "notices", notices: Array<Notice>, } | { "kind": "inbox", inbox: InboxView, } | { "kind": "catalog_synced", status: CatalogStatus, } | { "kind": "outbox_sent", sent: number, };

export type Identity = { kind: IdentityKind, 
/**
 * Normalised: E.164 phone, lower-case e-mail, lower-case username, `system:id` for legacy.
 */
value: string, verified: boolean, 
/**
 * Unix seconds.
 */
linked_at: number, };

export type IdentityKind = "phone" | "email" | "username" | "legacy";

export type ImportProblem = { row: number, field: string, message: string, };

export type ImportReport = { 
/**
 * True when everything was applied; false when nothing was.
 */
applied: boolean, categories: number, products: number, stores: number, problems: Array<ImportProblem>, };

export type InboxChangeKind = "read" | "delete";

export type InboxItem = { message: InboxMessage, 
/**
 * Its products this device knows and may show.
 */
products: Array<ProductSummary>, };

export type InboxMessage = { id: string, kind: TriggerKind, title_zh: string, title_en: string, body_zh: string, body_en: string, 
/**
 * The list of products it carries (placement `inbox`): impressions and clicks name it.
 */
recommendation: string, models: Array<string>, created_at: number, read: boolean, 
/**
 * Where tapping it leads (a campaign's deep link).
 */
link?: DeepLink, };

export type InboxView = { items: Array<InboxItem>, unread: number, 
/**
 * Unread messages not announced on this device before: announce them now (they are
 * remembered as announced).
 */
fresh: Array<InboxMessage>, 
/**
 * The server could not be asked: the inbox as last read.
 */
offline: boolean, };

export type InstanceView = { id: string, started_at: number, last_seen: number, version: string, };

export type Lifecycle = "announced" | "pre_sale" | "on_sale" | "discontinued";

export type LineAllocation = { 
/**
 * Units given to the line so far (shipped ones included); no more of it ships.
 */
allocated: number, basis: AllocationBasis, reason: AllocationReason, at: number, };

export type LineProblem = { 
/**
 * The line's place in the request.
 */
index: number, sku: string, key: string, message: string, 
/**
 * The nearest quantities that would do (whole cases, the minimum).
 */
suggestions?: Array<number>, };

export type LinkIdentityRequest = { kind: IdentityKind, value: string, code: string, };

export type ListProblem = { line: number, problem: ListProblemKind, };

export type ListProblemKind = "invalid" | "duplicate" | "no_account" | "unverified";

export type ListReport = { list: AudienceList, invalid: number, duplicates: number, no_account: number, unverified: number, problems: Array<ListProblem>, };

export type ManagerOverview = { stores: Array<StoreOverview>, };

export type MarketingTag = "new" | "hot" | "promotion" | "pre_sale" | "recommended";

export type MessageChannel = "push" | "inbox" | "sms" | "email";

export type MessagePreferences = { marketing: boolean, channels_off: Array<MessageChannel>, categories_off: Array<string>, quiet_start?: number, quiet_end?: number, 
/**
 * IANA, such as `Asia/Shanghai`.
 */
time_zone: string, };

export type NewCustomerTag = { name: string, rule: string, };

export type NewExperiment = { name: string, placement: Placement, arms: Array<ExperimentArm>, holdout_percent: number, };

export type NewSegment = { id: string, name: string, audience: Audience, };

export type NewTrigger = { name: string, kind: TriggerKind, title_zh: string, title_en: string, body_zh: string, body_en: string, cooldown_days: number, };

export type Notice = { outcome: OpOutcome, 
/**
 * The store the operation was made at (unknown for notices kept by an older version).
 */
store_id: string | null, 
/**
 * Who made the operation, when this account heard of it as a store manager.
 */
made_by: string | null, };

export type OfferItem = { 
/**
 * The SKU to add (one the store has on hand).
 */
sku: string, product: ProductSummary, };

export type OpFlag = { "type": "negative_stock", sku: string, on_hand: number, } | { "type": "serial_sold_twice", serial: string, } | { "type": "cash_difference", method: PaymentMethod, difference: number, } | { "type": "sample_missing", serial: string, } | { "type": "price_below_limit", line?: number, sku?: string, 
/**
 * What the catalog price comes to, in fen.
 */
expected: number, 
/**
 * What was charged, in fen.
 */
charged: number, 
/**
 * The most the person could take off, in fen.
 */
allowed: number, } | { "type": "serial_missing", line: number, sku: string, } | { "type": "unknown_sku", line: number, sku: string, } | { "type": "shift_not_open", shift_id: string, } | { "type": "no_open_till" } | { "type": "clock_skew", device_at: number, } | { "type": "made_before_move" } | { "type": "priced_at_server_time", device_at: number, } | { "type": "set_aside_on_device" } | { "type": "shipment_short", sku: string, short: number, } | { "type": "shipment_damaged", sku: string, damaged: number, } | { "type": "coupon_used_twice", coupon: string, } | { "type": "coupon_not_valid" } | { "type": "coupon_misapplied", coupon: string, reason: string, allowed: number, };

export type OpOutcome = { id: string, status: OpStatus, error?: ApiError, flags: Array<OpFlag>, 
/**
 * For a refused sample change: the state the unit is really in.
 */
current_state?: SampleState, 
/**
 * For a return: what is refunded, in fen.
 */
refund?: number, };

export type OpStatus = "applied" | "duplicate" | "rejected";

export type OpenShift = { shift_id: string, store_id: string, opening_cash: number, opened_at: number, 
/**
 * Per payment method: opening cash plus sales (less change) less refunds, in fen.
 */
expected: Array<Payment>, sales: number, };

export type OpenTransfer = { transfer_id: string, from_store: string, to_store: string, lines: Array<SkuQuantity>, sent_at: number, };

export type Order = { id: string, dealer_id: string, ship_to: string, status: OrderStatus, shortfall: Shortfall, lines: Array<OrderLine>, total: number, 
/**
 * Credit the order holds now (reserved while confirmed and not yet invoiced).
 */
credit_held: number, placed_by: string, placed_at: number, updated_at: number, note?: string, steps: Array<OrderStepRecord>, shipments: Array<Shipment>, };

export type OrderAction = "approve_price" | "reject_price" | "release_credit" | "reject_credit" | "allocate" | "invoice" | "cancel" | "close_rest" | "mark_received";

export type OrderDraft = { id: string, dealer_id: string, ship_to?: string, lines: Array<OrderLineDraft>, shortfall: Shortfall, note: string, state: DraftState, 
/**
 * The order's id while it is being sent.
 */
order_id?: string, error?: ApiError, updated_at: number, };

export type OrderLine = { sku: string, quantity: number, 
/**
 * What the dealer pays per unit.
 */
unit_price: number, 
/**
 * The dealer's price from their price lists (dealer > tier > region > list).
 */
list_price: number, 
/**
 * The lowest price the brand's managers accept without a second thought: shown to them only.
 */
floor?: number, 
/**
 * A special price asked below the dealer's price: the order went to price review.
 */
special_price: boolean, 
/**
 * The price asked is also below the floor (shown to managers only).
 */
below_floor: boolean, shipped: number, received: number, 
/**
 * No longer owed: cancelled with the rest of the order.
 */
cancelled: number, 
/**
 * Rationed by an allocation of scarce stock: no more than its `allocated` units ship.
 */
allocation?: LineAllocation, };

export type OrderLineDraft = { sku: string, quantity: number, 
/**
 * A special price asked for this line, in fen; below the line's floor it goes to price review.
 */
asked_price?: number, };

export type OrderList = { orders: Array<OrderSummary>, next?: string, };

export type OrderListQuery = { 
/**
 * Only these statuses, comma-separated (`price_review,credit_review`).
 */
status?: string, 
/**
 * The `next` of the page before.
 */
after?: string, 
/**
 * Orders per page (1–200, default 50).
 */
limit?: number, };

export type OrderStatus = "price_review" | "credit_review" | "confirmed" | "allocated" | "partly_shipped" | "shipped" | "received" | "invoiced" | "rejected" | "cancelled";

export type OrderStepRecord = { status: OrderStatus, 
/**
 * `submitted`, `approve_price`, `reject_price`, `release_credit`, `reject_credit`,
 * `allocate`, `ship`, `receive`, `invoice` or `cancel`.
 */
action: string, by: string, by_name: string, reason?: string, at: number, };

export type OrderSummary = { id: string, dealer_id: string, ship_to: string, status: OrderStatus, total: number, line_count: number, placed_at: number, updated_at: number, };

export type PasswordSignInInput = { login: string, password: string, };

export type Payment = { method: PaymentMethod, 
/**
 * What was handed over, in fen (for cash, possibly more than owed).
 */
amount: number, };

export type PaymentMethod = "cash" | "card" | "qr_wallet";

export type PaymentSource = "bank" | "prepayment" | "rebate";

export type Placement = "home" | "product" | "checkout" | "inbox";

export type Prepayment = { reference: string, amount: number, };

export type PriceListEntry = { scope_kind: string, scope_key: string, sku: string, price: number, floor?: number, valid_from: string, valid_until?: string, };

export type PriceListPage = { entries: Array<PriceListEntry>, };

export type PriceListQuery = { scope_kind: string, scope_key: string, sku?: string, 
/**
 * `YYYY-MM-DD`.
 */
day?: string, };

export type PriceListResult = { kept: number, };

export type Product = { 
/**
 * The model number, unique: the product's id.
 */
model: string, category: string, series: string, name_zh: string, name_en: string, description_zh: string, description_en: string, lifecycle: Lifecycle, tags: Array<MarketingTag>, specs: { [key in string]?: SpecValue }, 
/**
 * Ids of images (synced as their own items).
 */
images: Array<string>, skus: Array<Sku>, channels: Array<Channel>, 
/**
 * Unix seconds of launch, for "newest".
 */
released_at: number, };

export type ProductRevision = { product: Product, 
/**
 * Names the stored document's exact content; changes whenever the product does.
 */
revision: string, };

export type ProductSummary = { model: string, name_zh: string, name_en: string, category: string, lifecycle: Lifecycle, 
/**
 * The lowest current price of its SKUs, in fen.
 */
price: number, tags: Array<MarketingTag>, 
/**
 * A data: URL.
 */
image?: string, withdrawn: boolean, };

export type ProductView = { product: Product, withdrawn: boolean, 
/**
 * data: URLs.
 */
images: Array<string>, category?: Category, };

export type Profile = { user_id: string, display_name: string, role: Role, store_id?: string, dealer_id?: string, identities: Array<Identity>, has_password: boolean, 
/**
 * Unix seconds.
 */
created_at: number, 
/**
 * The stores this account works at (a promoter's one, a store manager's several).
 */
stores: Array<Store>, 
/**
 * The most a sale made by this account may take off, in percent (a line or the whole sale).
 */
discount_limit_percent: number, 
/**
 * The person's birthday, MM-DD, if they gave it (for birthday offers).
 */
birthday?: string, };

export type Promotion = { 
/**
 * Fen (1/100 yuan).
 */
price: number, 
/**
 * Unix seconds.
 */
starts_at: number, 
/**
 * Unix seconds.
 */
ends_at: number, };

export type PushService = "fcm" | "apns" | "huawei" | "none";

export type QuickBadLine = { line_no: number, text: string, 
/**
 * `malformed`, `bad_sku`, `bad_quantity` or `too_many_lines`.
 */
problem: string, };

export type QuickOrderRead = { lines: Array<OrderLineDraft>, bad: Array<QuickBadLine>, };

export type Quote = { lines: Array<QuoteLine>, problems: Array<LineProblem>, total: number, credit: CreditLine, 
/**
 * Whether an order of these lines would wait for a review (`price_review`, `credit_review`)
 * or be confirmed at once (`confirmed`).
 */
goes_to: OrderStatus, };

export type QuoteLine = { sku: string, name_zh: string, name_en: string, quantity: number, unit_price: number, list_price: number, 
/**
 * Shown to managers only.
 */
floor?: number, 
/**
 * A special price asked below the dealer's price: the order would go to price review.
 */
special_price: boolean, 
/**
 * Shown to managers only.
 */
below_floor: boolean, line_total: number, 
/**
 * `dealer`, `tier`, `region` or `list`.
 */
price_source: string, min_order: number, case_pack: number, };

export type RateInterval = { rate: number, low: number, high: number, };

export type RebateBasis = "sold_onward" | "sell_in";

export type RebateCredit = { rule_id: string, rule_name: string, period: string, sell_in: number, sell_through: number, basis: number, tier?: number, amount: number, paid_as: RebatePaidAs, settled_at: number, };

export type RebatePaidAs = "credit" | "goods";

export type RebatePeriod = "month" | "quarter" | "year";

export type RebateRuleView = { id: string, name: string, basis: RebateBasis, period: RebatePeriod, tiers: Array<RebateTier>, paid_as: RebatePaidAs, dealer_id?: string, starts_on: string, };

export type RebateStanding = { rule: RebateRuleView, 
/**
 * `2026-11`, `2026-Q4` or `2026`.
 */
period: string, 
/**
 * Bought (delivered to the dealer's stores) since the rule started, at the dealer's prices.
 */
sell_in: number, 
/**
 * Sold by the dealer's stores of what the dealer delivered, at the dealer's prices.
 */
sell_through: number, 
/**
 * What this period's rebate is computed on (less what earlier periods were paid on).
 */
basis: number, 
/**
 * The tier reached (0 = the first), if any.
 */
tier?: number, amount: number, 
/**
 * More basis needed to reach the next tier.
 */
to_next_tier?: number, };

export type RebateTier = { from: number, basis_points: number, };

export type RecommendationReport = { 
/**
 * Unix seconds the report starts at.
 */
since: number, 
/**
 * Days a purchase may follow its click.
 */
attribution_days: number, rows: Array<RecommendationReportRow>, };

export type RecommendationReportRow = { placement: string, algorithm: string, arm?: string, 
/**
 * The experiment the arm belongs to.
 */
experiment?: string, lists: number, 
/**
 * Lists shown (each list once, however often it was on screen).
 */
impressions: number, 
/**
 * Clicks, each (list, person, product) once, on a list shown before.
 */
clicks: number, 
/**
 * Impressions with at least one click.
 */
clicked_lists: number, 
/**
 * The share of impressions clicked (`clicked_lists / impressions`, at most 1), with its 95 %
 * interval.
 */
click_rate: number, click_rate_low: number, click_rate_high: number, 
/**
 * Purchases of a clicked product by the person who clicked it, within the attribution window.
 */
conversions: number, 
/**
 * Conversions per click, with its 95 % interval.
 */
conversion_rate: number, conversion_rate_low: number, conversion_rate_high: number, 
/**
 * What the converted purchases cost, in fen.
 */
revenue: number, };

export type RecommendationView = { 
/**
 * The server's list id (impressions and clicks name it); none for a list made on the device.
 */
id?: string, algorithm: string, products: Array<ProductSummary>, 
/**
 * True when the server could not be asked (a kept list, or one made on the device).
 */
offline: boolean, };

export type RecordPayment = { 
/**
 * The payer's reference (a bank transfer's number), kept with the movement; a retry with the
 * same reference books once.
 */
reference: string, amount: number, 
/**
 * Where the money comes from: a bank transfer (booked by the order center), or the dealer's
 * own prepayment or rebate balance (the dealer pays from it, or the order center for them).
 */
source: PaymentSource, };

export type RecordedEvent = { event: TrackedEvent, 
/**
 * When the server received it (unix seconds).
 */
received_at: number, 
/**
 * Set when the device's clock was far off and `at` was moved into range.
 */
clock_adjusted: boolean, };

export type RetailStore = { code: string, name_zh: string, name_en: string, city_zh: string, city_en: string, address: string, latitude: number, longitude: number, opening_hours: string, 
/**
 * Model numbers on display in this store.
 */
on_display: Array<string>, };

export type ReturnLine = { 
/**
 * The line's position in the original sale.
 */
line: number, quantity: number, };

export type Role = "consumer" | "promoter" | "store_manager" | "distributor" | "business_manager" | "operator" | "admin";

export type RoleHome = { "role": "consumer", "data": ConsumerHome } | { "role": "promoter", "data": StoreOverview } | { "role": "store_manager", "data": ManagerOverview } | { "role": "distributor", "data": DealerOverview } | { "role": "business_manager", "data": BusinessDesk } | { "role": "operator", "data": AudienceOverview } | { "role": "admin", "data": UserList };

export type SaleCheck = { 
/**
 * What the customer owes, once the lines and discounts hold (whatever has been paid so far).
 */
owed: number | null, 
/**
 * The sums, once the sale could be recorded as it stands.
 */
totals: Totals | null, 
/**
 * Why it cannot be recorded yet (a discount above the limit, payments short, …).
 */
problem: ApiError | null, };

export type SaleCoupon = { code: string, 
/**
 * What it took off, in fen (part of the sale's order discount).
 */
off: number, };

export type SaleLine = { sku: string, quantity: number, 
/**
 * The price per unit at the time of sale (a running promotion's price, if any), in fen.
 */
unit_price: number, 
/**
 * Taken off this line, in fen.
 */
discount: number, 
/**
 * The serial number of a serialised product (TVs, ACs, fridges); such a line is one unit.
 */
serial?: string, };

export type SaleReceipt = { sale_id: string, store_id: string, receipt_no: string, 
/**
 * The sale as it was recorded (a `StoreAction` of type `sale`).
 */
sale: StoreAction, total: number, change: number, created_at: number, 
/**
 * Still in the outbox: the server has not acknowledged it yet.
 */
pending: boolean, 
/**
 * Units of each line returned so far (on this device, and for a found sale at any device).
 */
returned: Array<number>, 
/**
 * What those returns refunded, in fen.
 */
refunded: number, 
/**
 * Made on another device and found on the server by its number.
 */
found: boolean, };

export type SampleEvent = { state: SampleState, location: string, 
/**
 * Unix seconds on the device that made the change.
 */
at: number, };

export type SampleList = { store_id: string, samples: Array<SampleUnit>, };

export type SampleState = "requested" | "in_transit" | "on_display" | "under_repair" | "returned" | "sold_ex_display";

export type SampleUnit = { serial: string, sku: string, state: SampleState, location: string, updated_at: number, 
/**
 * Oldest first.
 */
history: Array<SampleEvent>, 
/**
 * The states it may move to from here (the state machine's rule, so screens need not know it).
 */
next_states: Array<SampleState>, 
/**
 * Whether an audit of the floor should find it.
 */
expected_on_floor: boolean, };

export type SavedSegment = { id: string, name: string, audience: Audience, created_by: string, updated_at: number, };

export type SearchQuery = { text: string, 
/**
 * A category code; its sub-categories are included.
 */
category?: string, 
/**
 * Fen.
 */
price_min?: number, price_max?: number, specs: Array<SpecRange>, tags: Array<MarketingTag>, lifecycles: Array<Lifecycle>, 
/**
 * Only products on display at this store.
 */
store?: string, sort: SortOrder, limit: number, offset: number, };

export type SearchResult = { total: number, items: Array<ProductSummary>, 
/**
 * Counts by top-level category, lifecycle and tag over all matches.
 */
categories: Array<FacetCount>, lifecycles: Array<FacetCount>, tags: Array<FacetCount>, 
/**
 * True when nothing matched exactly and these are the closest model numbers.
 */
fuzzy: boolean, };

export type SendCodeResponse = { 
/**
 * The normalised target the code went to.
 */
target: string, 
/**
 * Seconds until the code expires.
 */
expires_in_secs: number, 
/**
 * Seconds before another code may be requested for this target.
 */
resend_after_secs: number, };

export type SetPasswordRequest = { new_password: string, 
/**
 * Required when the account already has a password.
 */
current_password?: string, };

export type SetRoleRequest = { role: Role, store_id?: string, store_ids: Array<string>, dealer_id?: string, };

export type ShipLine = { sku: string, quantity: number, };

export type Shipment = { id: string, order_id: string, store_id: string, lines: Array<ShipmentLine>, shipped_at: number, received_at?: number, };

export type ShipmentLine = { sku: string, quantity: number, received: number, damaged: number, };

export type ShipmentList = { shipments: Array<Shipment>, };

export type Shortfall = "back_order" | "cancel_the_rest";

export type SignUpInput = { phone: string, code: string, password?: string, display_name?: string, };

export type Sku = { code: string, variant_zh: string, variant_en: string, 
/**
 * EAN-13.
 */
barcode: string, 
/**
 * Fen (1/100 yuan).
 */
list_price: number, promotion?: Promotion, 
/**
 * Fen. Present only for distributors and administrators.
 */
distributor_price?: number, };

export type SkuHit = { product: Product, sku: Sku, 
/**
 * The running promotion's price if there is one, else the list price (fen).
 */
unit_price: number, 
/**
 * Units carry serial numbers: each is sold on its own line with its serial.
 */
serialised: boolean, };

export type SkuQuantity = { sku: string, quantity: number, };

export type Snapshot<T> = { data: T, 
/**
 * When it was read from the server (unix seconds).
 */
fetched_at: number, };

export type SortOrder = "relevance" | "price_asc" | "price_desc" | "newest";

export type SpecDef = { key: string, name_zh: string, name_en: string, kind: SpecKind, };

export type SpecKind = { "type": "number", unit: string, } | { "type": "choice", options: Array<string>, } | { "type": "text" };

export type SpecRange = { key: string, min?: number, max?: number, };

export type SpecValue = number | string;

export type StaffList = { store_id: string, members: Array<StaffMember>, };

export type StaffMember = { user_id: string, display_name: string, role: Role, 
/**
 * Percent of a line or of a sale they may take off.
 */
discount_limit_percent: number, 
/**
 * Whether that is their role's default (no limit set for them).
 */
default_limit: boolean, };

export type Statement = { dealer: Dealer, 
/**
 * `YYYY-MM-DD`, inclusive.
 */
from: string, to: string, opening_receivables: number, opening_reserved: number, opening_limit: number, lines: Array<StatementLine>, closing_receivables: number, closing_reserved: number, closing_limit: number, 
/**
 * More movements than one statement shows: ask for a shorter span.
 */
truncated: boolean, };

export type StatementLine = { at: number, 
/**
 * `limit`, `reserve`, `release`, `invoice` or `payment`.
 */
kind: string, amount: number, order_id?: string, reason?: string, receivables: number, reserved: number, limit: number, };

export type StockLine = { sku: string, 
/**
 * The product's name and the variant, from the local catalog ("" when it is not there).
 */
name_zh: string, name_en: string, barcode: string, 
/**
 * The server's on-hand plus `unsent`.
 */
on_hand: number, 
/**
 * The change this device's unacknowledged operations make.
 */
unsent: number, 
/**
 * Below zero, or at or below the low-stock level.
 */
low: boolean, };

export type StockView = { store_id: string, lines: Array<StockLine>, 
/**
 * When the server's figures were fetched (unix seconds); none yet on this device.
 */
fetched_at?: number, 
/**
 * Whether the server's running balances agreed with its ledger at that time.
 */
balances_agree: boolean, 
/**
 * This device's operations for the store still waiting for the server.
 */
unsent_ops: number, };

export type Store = { id: string, code: string, name: string, city: string, };

export type StoreAction = { "type": "open_shift", shift_id: string, opening_cash: number, } | { "type": "close_shift", shift_id: string, counted: Array<Payment>, reason?: string, } | { "type": "sale", sale_id: string, shift_id: string, 
/**
 * Printed on the receipt; unique per device (the device's prefix and a counter).
 */
receipt_no: string, 
/**
 * The customer's phone, to link the sale to their unified account.
 */
customer_phone?: string, 
/**
 * The customer agreed to an account being created for them if they have none.
 */
customer_consent: boolean, lines: Array<SaleLine>, order_discount: number, payments: Array<Payment>, 
/**
 * Gifts handed over with the sale, from the store's gift stock.
 */
gifts: Array<SkuQuantity>, 
/**
 * The bundle offer shown at the counter with this sale, and what the customer took.
 */
offer?: CounterOffer, 
/**
 * An e-coupon the customer showed, checked on the device, and what it took off (part of
 * `order_discount`).
 */
coupon?: SaleCoupon, } | { "type": "return", return_id: string, sale_id: string, lines: Array<ReturnLine>, 
/**
 * The sale's gifts come back with it.
 */
gifts: Array<SkuQuantity>, refund_method: PaymentMethod, 
/**
 * The shift whose till pays the refund. The app sends the shift open on the device; when
 * absent the server takes the promoter's shift open at the store at that moment.
 */
shift_id?: string, } | { "type": "receipt", lines: Array<SkuQuantity>, source: string, } | { "type": "transfer_out", transfer_id: string, to_store: string, lines: Array<SkuQuantity>, } | { "type": "transfer_in", transfer_id: string, } | { "type": "shipment_in", shipment_id: string, lines: Array<CountedLine>, } | { "type": "adjustment", sku: string, 
/**
 * Signed: positive found, negative lost or damaged.
 */
quantity: number, reason: string, } | { "type": "stock_count", counted: Array<SkuQuantity>, } | { "type": "sample_register", serial: string, sku: string, location: string, } | { "type": "sample_change", serial: string, from: SampleState, to: SampleState, location?: string, } | { "type": "sample_audit", scanned: Array<string>, };

export type StoreDistance = { store: RetailStore, km: number, on_display: boolean, 
/**
 * Whether the store has it in stock; none when the store does not keep its stock in the portal.
 */
in_stock?: boolean, };

export type StoreList = { 
/**
 * By code, at most 200.
 */
stores: Array<Store>, };

export type StoreOverview = { store: Store, 
/**
 * Promoters bound to this store.
 */
promoter_count: number, };

export type SupplyLine = { sku: string, on_hand: number, sold: number, 
/**
 * At the pace of the last weeks' sales; none when nothing sold.
 */
weeks_of_cover?: number, };

export type SupplyReport = { weeks: number, stores: Array<SupplyStore>, };

export type SupplyStore = { store: Store, lines: Array<SupplyLine>, };

export type SystemHealth = { database: string, instances: Array<InstanceView>, 
/**
 * Requests this instance answered since it started, and those that failed on its side (5xx).
 */
requests: number, server_errors: number, 
/**
 * Operations devices reported set aside (refused for good) in the last 7 days.
 */
set_aside_7d: number, 
/**
 * Dealers' orders waiting for a price or credit review.
 */
orders_waiting_review: number, 
/**
 * Shipments on their way to stores, not yet counted in.
 */
shipments_on_the_way: number, };

export type TagField = { name: string, description: string, };

export type TillCoupon = { 
/**
 * What it takes off this basket, in fen (0 when it does not apply).
 */
off: number, coupon?: string, title_zh: string, title_en: string, 
/**
 * Why it does not apply: `no_coupons_here` (this till has not fetched the store's coupons),
 * `malformed`, `not_ours`, `unknown_campaign`, or a `CouponRefusal` (`expired`,
 * `other_store`, `below_minimum`…).
 */
refused?: string, 
/**
 * For `below_minimum`: the spend needed on what it applies to, in fen.
 */
needed?: number, };

export type Totals = { 
/**
 * Before any discount.
 */
gross: number, discounts: number, 
/**
 * What the customer owes.
 */
total: number, paid: number, 
/**
 * Given back in cash.
 */
change: number, };

export type TrackedEvent = { 
/**
 * Client-generated; the server keeps each id once.
 */
id: string, kind: EventKind, 
/**
 * Unix seconds on the device's clock.
 */
at: number, 
/**
 * The product (model) the event is about, if any.
 */
model?: string, 
/**
 * Several products (a comparison).
 */
models?: Array<string>, query?: string, results?: number, 
/**
 * The recommendation list an impression, click or conversion belongs to.
 */
recommendation?: string, 
/**
 * A short detail: a channel's code, a city, the filters applied.
 */
detail?: string, };

export type TrackingState = { tracking: boolean, 
/**
 * Events recorded on this device and not yet sent.
 */
waiting: number, };

export type TransferList = { store_id: string, 
/**
 * Sent to this store, waiting to be received here.
 */
incoming: Array<OpenTransfer>, 
/**
 * Sent from this store, not yet received at the other end.
 */
outgoing: Array<OpenTransfer>, 
/**
 * The other stores.
 */
stores: Array<Store>, };

export type TrendLine = { 
/**
 * One per `DealerTrends::months`, oldest first.
 */
values: Array<number>, change_percent?: number, };

export type Trigger = { id: string, name: string, kind: TriggerKind, 
/**
 * `{product}` and `{store}` are filled in.
 */
title_zh: string, title_en: string, body_zh: string, body_en: string, cooldown_days: number, active: boolean, created_at: number, 
/**
 * What happens from this time on sets it off: its creation, or when it was last resumed.
 */
active_since: number, 
/**
 * Messages it has sent.
 */
sent: number, };

export type TriggerKind = "after_sign_in" | "after_purchase" | "back_in_stock" | "birthday" | "order_update" | "campaign";

export type TriggerList = { 
/**
 * Newest first.
 */
triggers: Array<Trigger>, };

export type UserList = { users: Array<UserSummary>, total: number, };

export type UserSearchQuery = { q?: string, role?: string, limit?: number, };

export type UserSummary = { id: string, display_name: string, role: Role, store_id?: string, dealer_id?: string, identity_count: number, 
/**
 * Unix seconds.
 */
created_at: number, };

export type Wallet = { 
/**
 * Those still usable first, then the newest of the others (issued in the last two years).
 */
coupons: Array<WalletCoupon>, };

export type WalletCoupon = { id: string, campaign: string, 
/**
 * The campaign's title, in both languages.
 */
title_zh: string, title_en: string, terms: CouponTerms, 
/**
 * Signed by the server: a till checks it offline with the brand's public key.
 */
code: string, issued_at: number, 
/**
 * When it was redeemed, if it was.
 */
redeemed_at?: number, 
/**
 * When its campaign withdrew it (the campaign was stopped): no longer taken.
 */
withdrawn_at?: number, };

export type WalletView = { wallet: Wallet, 
/**
 * The server could not be asked: the wallet as last read.
 */
offline: boolean, };
