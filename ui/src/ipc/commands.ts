// Typed wrappers over the app's Tauri commands. The types come from the Rust side (types.ts is generated).
import { invoke } from "@tauri-apps/api/core";
import type {
  ApiError,
  DayReport,
  Notice,
  SaleReceipt,
  SkuHit,
  OpenShift,
  SampleList,
  Snapshot,
  StaffList,
  StaffMember,
  StockView,
  StoreAction,
  SaleCheck,
  TransferList,
  AppState,
  CatalogStatus,
  Category,
  Comparison,
  FavouriteEntry,
  FavouriteKind,
  ProductView,
  RetailStore,
  SearchQuery,
  SearchResult,
  StoreDistance,
  CodeChannel,
  CodePurpose,
  CodeSignInInput,
  DeviceSessionList,
  LinkIdentityRequest,
  PasswordSignInInput,
  SendCodeResponse,
  SetPasswordRequest,
  SignUpInput,
} from "./types";

/** Every command rejects with an ApiError; anything else is turned into one. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (e && typeof e === "object" && "code" in e) throw e as ApiError;
    throw { code: "internal", message: String(e) } satisfies ApiError;
  }
}

export const commands = {
  appState: () => call<AppState>("app_state"),
  appStart: () => call<AppState>("app_start"),
  setServer: (url: string) => call<AppState>("set_server", { url }),
  setLocale: (locale: string) => call<AppState>("set_locale", { locale }),
  sendCode: (channel: CodeChannel, target: string, purpose: CodePurpose) =>
    call<SendCodeResponse>("send_code", { channel, target, purpose }),
  signUp: (input: SignUpInput) => call<AppState>("sign_up", { input }),
  signInWithCode: (input: CodeSignInInput) => call<AppState>("sign_in_with_code", { input }),
  signInWithPassword: (input: PasswordSignInInput) => call<AppState>("sign_in_with_password", { input }),
  signOut: () => call<AppState>("sign_out"),
  refresh: () => call<AppState>("refresh"),
  updateProfile: (displayName: string) => call<AppState>("update_profile", { displayName }),
  setPassword: (input: SetPasswordRequest) => call<AppState>("set_password", { input }),
  linkIdentity: (input: LinkIdentityRequest) => call<AppState>("link_identity", { input }),
  listSessions: () => call<DeviceSessionList>("list_sessions"),
  revokeSession: (id: string) => call<DeviceSessionList>("revoke_session", { id }),
  syncCatalog: () => call<CatalogStatus>("sync_catalog"),
  catalogStatus: () => call<CatalogStatus>("catalog_status"),
  catalogCategories: () => call<Category[]>("catalog_categories"),
  catalogStores: () => call<RetailStore[]>("catalog_stores"),
  setFavourite: (model: string, kind: FavouriteKind, active: boolean) =>
    call<FavouriteEntry[]>("set_favourite", { model, kind, active }),
  listFavourites: () => call<FavouriteEntry[]>("list_favourites"),
  flushOutbox: () => call<number>("flush_outbox"),
  sendNow: () => call<number>("send_now"),
  takeNewNotices: () => call<Notice[]>("take_new_notices"),
  watchStoreFlags: () => call<number>("watch_store_flags"),
  notify: (title: string, body: string) => call<void>("notify", { title, body }),
  storeStaff: (storeId: string) => call<StaffList>("store_staff", { storeId }),
  setDiscountLimit: (storeId: string, userId: string, percent: number | null) =>
    call<StaffMember>("set_discount_limit", { storeId, userId, percent }),
  recordStoreOp: (storeId: string, action: StoreAction) => call<string>("record_store_op", { storeId, action }),
  scanSku: (barcode: string) => call<SkuHit>("scan_sku", { barcode }),
  storeNotices: () => call<Notice[]>("store_notices"),
  pendingOps: () => call<number>("pending_ops"),
  posReceipts: () => call<SaleReceipt[]>("pos_receipts"),
  findReceipt: (storeId: string, receiptNo: string) => call<SaleReceipt[]>("find_receipt", { storeId, receiptNo }),
  nextReceiptNo: () => call<string>("next_receipt_no"),
  storeStock: (storeId: string) => call<StockView>("store_stock", { storeId }),
  storeSamples: (storeId: string) => call<Snapshot<SampleList>>("store_samples", { storeId }),
  storeTransfers: (storeId: string) => call<Snapshot<TransferList>>("store_transfers", { storeId }),
  posShift: (storeId: string) => call<OpenShift | null>("pos_shift", { storeId }),
  saleTotals: (action: StoreAction) => call<SaleCheck>("sale_totals", { action }),
  previewRefund: (action: StoreAction) => call<number | null>("preview_refund", { action }),
  storeDayReport: (storeId: string, day: string) => call<DayReport>("store_day_report", { storeId, day }),
  searchProducts: (query: SearchQuery) => call<SearchResult>("search_products", { query }),
  productView: (model: string) => call<ProductView | null>("product_view", { model }),
  compareProducts: (models: string[]) => call<Comparison>("compare_products", { models }),
  nearestStores: (latitude: number, longitude: number, model?: string) =>
    call<StoreDistance[]>("nearest_stores", { latitude, longitude, model }),
};
