// Generated from the Rust types by crates/client/src/ipc_types.rs. Do not edit by hand:
// run `UPDATE_IPC_TYPES=1 cargo test -p portal-client ipc_types` after changing them.

export type ErrorCode = "invalid_json" | "body_too_large" | "invalid_phone" | "invalid_email" | "invalid_username" | "invalid_display_name" | "weak_password" | "invalid_code" | "code_expired" | "too_many_attempts" | "rate_limited" | "account_locked" | "invalid_credentials" | "identity_taken" | "account_not_found" | "unauthorized" | "token_expired" | "invalid_refresh_token" | "refresh_token_reused" | "session_revoked" | "forbidden" | "not_found" | "invalid_role" | "invalid_catalog" | "not_dev_mode" | "invalid_store_op" | "discount_above_limit" | "return_exceeds_sale" | "shift_closed" | "reason_required" | "stale_state" | "transition_not_allowed" | "server_unreachable" | "keyring_unavailable" | "cache_too_new" | "not_signed_in" | "invalid_server_url" | "internal";

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
field?: string, };

export type Role = "consumer" | "promoter" | "distributor" | "operator" | "admin";

export type IdentityKind = "phone" | "email" | "username" | "legacy";

export type Identity = { kind: IdentityKind, 
/**
 * Normalised: E.164 phone, lower-case e-mail, lower-case username, `system:id` for legacy.
 */
value: string, verified: boolean, 
/**
 * Unix seconds.
 */
linked_at: number, };

export type Profile = { user_id: string, display_name: string, role: Role, store_id?: string, dealer_id?: string, identities: Array<Identity>, has_password: boolean, 
/**
 * Unix seconds.
 */
created_at: number, };

export type CodeChannel = "sms" | "email";

export type CodePurpose = "sign_up" | "sign_in" | "link";

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

export type LinkIdentityRequest = { kind: IdentityKind, value: string, code: string, };

export type SetPasswordRequest = { new_password: string, 
/**
 * Required when the account already has a password.
 */
current_password?: string, };

export type Store = { id: string, code: string, name: string, city: string, };

export type Dealer = { id: string, code: string, name: string, region: string, };

export type StoreOverview = { store: Store, 
/**
 * Promoters bound to this store.
 */
promoter_count: number, };

export type DealerOverview = { dealer: Dealer, 
/**
 * Distributor accounts bound to this dealer.
 */
member_count: number, };

export type AudienceOverview = { total_users: number, consumers: number, with_phone: number, with_email: number, };

export type UserSummary = { id: string, display_name: string, role: Role, store_id?: string, dealer_id?: string, identity_count: number, 
/**
 * Unix seconds.
 */
created_at: number, };

export type UserList = { users: Array<UserSummary>, total: number, };

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

export type RoleHome = { "role": "consumer", "data": ConsumerHome } | { "role": "promoter", "data": StoreOverview } | { "role": "distributor", "data": DealerOverview } | { "role": "operator", "data": AudienceOverview } | { "role": "admin", "data": UserList };

export type ConsumerHome = { 
/**
 * Unix seconds.
 */
member_since: number, linked_identities: number, };

export type SignUpInput = { phone: string, code: string, password?: string, display_name?: string, };

export type CodeSignInInput = { phone: string, code: string, };

export type PasswordSignInInput = { login: string, password: string, };

export type Lifecycle = "announced" | "pre_sale" | "on_sale" | "discontinued";

export type MarketingTag = "new" | "hot" | "promotion" | "pre_sale" | "recommended";

export type SpecKind = { "type": "number", unit: string, } | { "type": "choice", options: Array<string>, } | { "type": "text" };

export type SpecDef = { key: string, name_zh: string, name_en: string, kind: SpecKind, };

export type SpecValue = number | string;

export type Category = { 
/**
 * A stable code, e.g. `tv`, `tv.oled`.
 */
code: string, parent?: string, name_zh: string, name_en: string, sort: number, 
/**
 * Key specs of products in this category.
 */
specs: Array<SpecDef>, };

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

export type Channel = { 
/**
 * `official`, `tmall`, `jd`, `suning`, …
 */
code: string, name_zh: string, name_en: string, url: string, };

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

export type RetailStore = { code: string, name_zh: string, name_en: string, city_zh: string, city_en: string, address: string, latitude: number, longitude: number, opening_hours: string, 
/**
 * Model numbers on display in this store.
 */
on_display: Array<string>, };

export type SortOrder = "relevance" | "price_asc" | "price_desc" | "newest";

export type SpecRange = { key: string, min?: number, max?: number, };

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

export type ProductSummary = { model: string, name_zh: string, name_en: string, category: string, lifecycle: Lifecycle, 
/**
 * The lowest current price of its SKUs, in fen.
 */
price: number, tags: Array<MarketingTag>, 
/**
 * A data: URL.
 */
image?: string, withdrawn: boolean, };

export type FacetCount = { value: string, count: number, };

export type SearchResult = { total: number, items: Array<ProductSummary>, 
/**
 * Counts by top-level category, lifecycle and tag over all matches.
 */
categories: Array<FacetCount>, lifecycles: Array<FacetCount>, tags: Array<FacetCount>, 
/**
 * True when nothing matched exactly and these are the closest model numbers.
 */
fuzzy: boolean, };

export type StoreDistance = { store: RetailStore, km: number, on_display: boolean, };

export type ProductView = { product: Product, withdrawn: boolean, 
/**
 * data: URLs.
 */
images: Array<string>, category?: Category, };

export type CompareRow = { key: string, name_zh: string, name_en: string, 
/**
 * One per product; None where a product lacks the spec.
 */
values: Array<string | null>, differs: boolean, };

export type Comparison = { products: Array<ProductSummary>, rows: Array<CompareRow>, };

export type CatalogStatus = { products: number, 
/**
 * Unix seconds of the last completed sync.
 */
synced_at?: number, };

export type FavouriteKind = "favourite" | "follow";

export type FavouriteEntry = { model: string, kind: FavouriteKind, 
/**
 * None when the product is not in the local catalog (yet).
 */
product?: ProductSummary, 
/**
 * True until the server has acknowledged this change.
 */
pending: boolean, };
