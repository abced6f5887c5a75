//! Every route of the server, declared once: its method, its path, what it takes (path
//! parameters, a query, a JSON body) and what it answers. The server's handlers and its OpenAPI
//! document name their paths from here (`path = endpoints::SendCode::PATH`, with a test that the
//! two agree), and the client has one generic call that builds a request from an endpoint value.
use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

use crate::*;

/// The HTTP methods the server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One route. A value of it is one request: its path parameters, query and body.
pub trait Endpoint {
    const METHOD: Method;
    /// As the server routes it, with `{name}` for each path parameter.
    const PATH: &'static str;
    /// The query string's fields (`()` for none).
    type Query: Serialize;
    /// The JSON body (`()` for none).
    type Body: Serialize;
    /// What a success answers (`()` for 204 No Content).
    type Answer: DeserializeOwned;
    /// The path parameters, in the order of `PATH`.
    fn path_params(&self) -> Vec<String>;
    fn query(&self) -> Option<&Self::Query>;
    fn body(&self) -> Option<&Self::Body>;

    /// The path with its parameters filled in, each percent-encoded as one segment.
    fn path(&self) -> String {
        let mut params = self.path_params().into_iter();
        let mut out = String::with_capacity(Self::PATH.len() + 16);
        let mut rest = Self::PATH;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
            out.push_str(&encode_segment(&params.next().unwrap_or_default()));
            rest = &rest[close..];
        }
        out.push_str(rest);
        out
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

macro_rules! endpoints {
    (@or_unit) => { () };
    (@or_unit $t:ty) => { $t };
    (@field $this:ident $field:ident) => { None };
    (@field $this:ident $field:ident $t:ty) => { Some(&$this.$field) };
    ($(
        $(#[$doc:meta])*
        $name:ident = $method:ident $path:literal
            $([ $($param:ident: $param_ty:ty),* ])?
            $(? $query:ty,)?
            $(body $body:ty,)?
            => $answer:ty;
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone)]
            pub struct $name {
                $($(pub $param: $param_ty,)*)?
                $(pub query: $query,)?
                $(pub body: $body,)?
            }

            impl Endpoint for $name {
                const METHOD: Method = Method::$method;
                const PATH: &'static str = $path;
                type Query = endpoints!(@or_unit $($query)?);
                type Body = endpoints!(@or_unit $($body)?);
                type Answer = $answer;
                fn path_params(&self) -> Vec<String> {
                    let this = self;
                    let _ = this;
                    vec![$($(this.$param.to_string()),*)?]
                }
                fn query(&self) -> Option<&Self::Query> {
                    let this = self;
                    let _ = this;
                    endpoints!(@field this query $($query)?)
                }
                fn body(&self) -> Option<&Self::Body> {
                    let this = self;
                    let _ = this;
                    endpoints!(@field this body $($body)?)
                }
            }
        )*

        /// Every route: (method, path), for checking the server's routes against this list.
        pub const ALL: &[(Method, &str)] = &[$((Method::$method, $path)),*];
    };
}

endpoints! {
    // System.
    HealthCheck = Get "/healthz" => Health;
    ReadyCheck = Get "/readyz" => Health;
    /// Messages the embedded sender delivered (dev mode only).
    DevOutbox = Get "/v1/dev/outbox" ? OutboxQuery, => Vec<OutboxMessage>;

    // Signing in.
    SendCode = Post "/v1/auth/codes" body SendCodeRequest, => SendCodeResponse;
    SignUp = Post "/v1/auth/sign-up" body SignUpRequest, => AuthResponse;
    SignInCode = Post "/v1/auth/sign-in/code" body CodeSignInRequest, => AuthResponse;
    SignInPassword = Post "/v1/auth/sign-in/password" body PasswordSignInRequest, => AuthResponse;
    Refresh = Post "/v1/auth/refresh" body RefreshRequest, => TokenPair;
    SignOut = Post "/v1/auth/sign-out" => ();
    /// Ends the session a refresh token names (a sign-out made offline, sent later).
    Revoke = Post "/v1/auth/revoke" body RefreshRequest, => ();

    // The signed-in person.
    GetProfile = Get "/v1/me" => Profile;
    UpdateProfile = Patch "/v1/me" body UpdateProfileRequest, => Profile;
    SetPassword = Put "/v1/me/password" body SetPasswordRequest, => ();
    LinkIdentity = Post "/v1/me/identities" body LinkIdentityRequest, => Profile;
    ListSessions = Get "/v1/me/sessions" => DeviceSessionList;
    RevokeSession = Delete "/v1/me/sessions/{id}" [id: Uuid] => ();
    ListFavourites = Get "/v1/me/favourites" => FavouriteList;
    FavouriteOpsBatch = Post "/v1/me/favourites/ops" body FavouriteOps, => FavouriteList;
    GetTracking = Get "/v1/me/tracking" => TrackingConsent;
    SetTracking = Put "/v1/me/tracking" body SetTrackingConsent, => TrackingConsent;
    EventHistoryPage = Get "/v1/me/events" ? HistoryQuery, => EventHistory;
    DeleteEvents = Delete "/v1/me/events" => EventsDeleted;
    OwnCustomerView = Get "/v1/me/customer-view" => CustomerView;
    OwnPurchases = Get "/v1/me/purchases" => PurchaseList;
    GetInbox = Get "/v1/me/inbox" => Inbox;
    ReadInbox = Post "/v1/me/inbox/{id}/read" [id: Uuid] => Inbox;
    ChangeInbox = Post "/v1/me/inbox/changes" body InboxChanges, => Inbox;
    MyDevices = Get "/v1/me/devices" => DeviceList;
    ListAudiences = Get "/v1/audiences" => Audiences;
    ImportAudienceList = Post "/v1/audiences/lists" body ListImport, => ListReport;
    DeleteAudienceList = Delete "/v1/audiences/lists/{id}" [id: Uuid] => ();
    SaveSegment = Post "/v1/audiences/segments" body NewSegment, => SavedSegment;
    DeleteSegment = Delete "/v1/audiences/segments/{id}" [id: Uuid] => ();
    RegisterDevice = Put "/v1/me/devices/{installation}" [installation: Uuid] body DeviceRegistration, => ();
    ForgetDevice = Delete "/v1/me/devices/{installation}" [installation: Uuid] => ();
    /// The SMS service's pushes (JSON arrays of its own shape): declared for their routes only.
    SmsReceipts = Post "/v1/gateways/aliyun-sms/{token}/receipts" [token: String] => ProviderAck;
    SmsReplies = Post "/v1/gateways/aliyun-sms/{token}/replies" [token: String] => ProviderAck;
    /// Marketing e-mail's one-click unsubscribe (RFC 8058), answering HTML: declared for its route only.
    Unsubscribe = Post "/v1/unsubscribe/{token}" [token: String] => ();
    UnsubscribePage = Get "/v1/unsubscribe/{token}" [token: String] => ();

    // Product center.
    CatalogSync = Get "/v1/catalog/sync" ? SyncQuery, => SyncPage;
    GetProduct = Get "/v1/catalog/products/{model}" [model: String] => Product;
    AdminProduct = Get "/v1/admin/catalog/products/{model}" [model: String] => ProductRevision;
    PutProduct = Put "/v1/admin/catalog/products/{model}" [model: String] ? RevisionQuery, body Product, => Product;
    WithdrawProduct = Delete "/v1/admin/catalog/products/{model}" [model: String] ? RevisionQuery, => ();
    /// The body is the catalog as JSON or CSV text, not a JSON value: declared for its route only.
    ImportCatalog = Post "/v1/admin/catalog/import" => ImportReport;
    /// Answers JSON or CSV as the query asks: declared for its route only.
    ExportCatalog = Get "/v1/admin/catalog/export" ? ExportQuery, => CatalogDocument;

    // Organisation.
    StoreOverviewOf = Get "/v1/stores/{id}" [id: Uuid] => StoreOverview;
    StoreStaff = Get "/v1/stores/{id}/staff" [id: Uuid] => StaffList;
    SetStaffDiscountLimit = Put "/v1/stores/{id}/staff/{user_id}" [id: Uuid, user_id: Uuid] body SetDiscountLimit, => StaffMember;
    DealerOverviewOf = Get "/v1/dealers/{id}" [id: Uuid] => DealerOverview;
    Audience = Get "/v1/marketing/audience" => AudienceOverview;
    ListUsers = Get "/v1/admin/users" ? PageQuery, => UserList;
    SetRole = Put "/v1/admin/users/{id}/role" [id: Uuid] body SetRoleRequest, => Profile;
    /// The console: people found by phone, id or name, their locks and sessions.
    SearchUsers = Get "/v1/admin/people" ? UserSearchQuery, => AdminUserList;
    LockUser = Put "/v1/admin/users/{id}/lock" [id: Uuid] body LockAccount, => AdminUser;
    UnlockUser = Delete "/v1/admin/users/{id}/lock" [id: Uuid] => AdminUser;
    UserSessions = Get "/v1/admin/users/{id}/sessions" [id: Uuid] => AdminSessions;
    EndUserSession = Delete "/v1/admin/users/{id}/sessions/{session}" [id: Uuid, session: Uuid] => AdminSessions;
    AuditLog = Get "/v1/admin/audit" ? AuditQuery, => AuditPage;
    AdminStores = Get "/v1/admin/stores" ? DirectoryQuery, => StoreList;
    PutStore = Put "/v1/admin/stores/{id}" [id: Uuid] body Store, => Store;
    AdminDealers = Get "/v1/admin/dealers" ? DirectoryQuery, => DealerList;
    PutDealer = Put "/v1/admin/dealers/{id}" [id: Uuid] body Dealer, => Dealer;
    SystemHealthOf = Get "/v1/admin/health" => SystemHealth;

    // Store operations.
    ApplyStoreOps = Post "/v1/store-ops" body StoreOps, => StoreOpsResult;
    ReportSetAside = Post "/v1/store-ops/set-aside" body SetAsideReport, => SetAsideAck;
    Stock = Get "/v1/stores/{id}/stock" [id: Uuid] => StockReport;
    Samples = Get "/v1/stores/{id}/samples" [id: Uuid] => SampleList;
    Transfers = Get "/v1/stores/{id}/transfers" [id: Uuid] => TransferList;
    StoreFlags = Get "/v1/stores/{id}/flags" [id: Uuid] ? FlagsQuery, => StoreFlagList;
    SalesByReceipt = Get "/v1/stores/{id}/sales" [id: Uuid] ? ReceiptQuery, => StoreSaleList;
    StoreDayReport = Get "/v1/stores/{id}/report" [id: Uuid] ? DayQuery, => DayReport;
    CheckoutOfferFor = Post "/v1/stores/{id}/checkout-offer" [id: Uuid] body CheckoutOfferRequest, => CheckoutOffer;

    // Distribution: dealers' orders, credit and shipments.
    DealerDeskOf = Get "/v1/dealers/{id}/desk" [id: Uuid] => DealerDesk;
    QuoteOrder = Post "/v1/dealers/{id}/quote" [id: Uuid] body QuoteRequest, => Quote;
    DealerOrders = Get "/v1/dealers/{id}/orders" [id: Uuid] ? OrderListQuery, => OrderList;
    CreditOf = Get "/v1/dealers/{id}/credit" [id: Uuid] => CreditLine;
    SetCredit = Put "/v1/dealers/{id}/credit" [id: Uuid] body SetCreditLimit, => CreditLine;
    /// Answers JSON, or CSV when the query asks.
    DealerStatement = Get "/v1/dealers/{id}/statement" [id: Uuid] ? StatementQuery, => Statement;
    DealerSupply = Get "/v1/dealers/{id}/supply" [id: Uuid] => SupplyReport;
    DealerRebatesOf = Get "/v1/dealers/{id}/rebates" [id: Uuid] => DealerRebates;
    ListRebateRules = Get "/v1/rebate-rules" => RebateRuleList;
    CreateRebateRule = Post "/v1/admin/rebate-rules" body NewRebateRule, => RebateRuleView;
    SettleRebatesNow = Post "/v1/admin/rebates/settle" body SettleRebates, => SettleReport;
    DealerFundsOf = Get "/v1/dealers/{id}/funds" [id: Uuid] => DealerFunds;
    RecordPrepayment = Post "/v1/dealers/{id}/prepayments" [id: Uuid] body Prepayment, => DealerFunds;
    RecordDealerPayment = Post "/v1/dealers/{id}/payments" [id: Uuid] body RecordPayment, => CreditLine;
    DealerLinksOf = Get "/v1/dealers/{id}/links" [id: Uuid] => DealerLinks;
    SetDealerLinks = Put "/v1/admin/dealers/{id}/links" [id: Uuid] body DealerLinks, => DealerLinks;
    /// Price-list entries kept whole or refused whole (administrators; a business manager for
    /// their dealers' own prices).
    PutPriceEntries = Post "/v1/price-lists" body PriceListUpload, => PriceListResult;
    PriceListOf = Get "/v1/price-lists" ? PriceListQuery, => PriceListPage;
    PutOrderRule = Put "/v1/admin/order-rules/{sku}" [sku: String] body OrderRule, => OrderRule;
    PlaceDealerOrder = Post "/v1/orders" body PlaceOrder, => Order;
    /// Orders across the caller's dealers (a business manager's) or all (the order center).
    OrderQueue = Get "/v1/orders" ? OrderListQuery, => OrderList;
    OrderOf = Get "/v1/orders/{id}" [id: Uuid] => Order;
    StepOrder = Post "/v1/orders/{id}/steps" [id: Uuid] body TakeOrderStep, => Order;
    ShipOrderNow = Post "/v1/orders/{id}/shipments" [id: Uuid] body ShipOrder, => Order;
    ExpectedShipments = Get "/v1/stores/{id}/shipments" [id: Uuid] => ShipmentList;
    BusinessDeskOf = Get "/v1/business/desk" => BusinessDesk;
    /// What waits for a SKU among the orders that may be allocated.
    AllocationDemandOf = Get "/v1/admin/allocations/demand" ? AllocationDemandQuery, => AllocationDemand;
    RunAllocation = Post "/v1/admin/allocations" body AllocationRequest, => AllocationReport;
    /// Changes beyond a business manager's authority, for the order center to decide.
    AskApproval = Post "/v1/approvals" body ApprovalAsk, => Approval;
    Approvals = Get "/v1/approvals" ? ApprovalQuery, => ApprovalList;
    DecideApproval = Post "/v1/approvals/{id}/decision" [id: Uuid] body ApprovalDecision, => Approval;

    // Campaigns.
    Campaigns = Get "/v1/campaigns" ? CampaignQuery, => CampaignList;
    CreateCampaign = Post "/v1/campaigns" body CampaignDraft, => Campaign;
    SizeAudience = Post "/v1/campaigns/audience-size" body crate::Audience, => AudienceSize;
    CampaignOf = Get "/v1/campaigns/{id}" [id: Uuid] => CampaignDetail;
    EditCampaign = Put "/v1/campaigns/{id}" [id: Uuid] ? RevisionQuery, body CampaignDraft, => Campaign;
    ActOnCampaign = Post "/v1/campaigns/{id}/actions" [id: Uuid] body CampaignActionRequest, => Campaign;
    MessagePreferencesOf = Get "/v1/me/message-preferences" => MessagePreferences;
    /// Server-sent events, not a JSON value: declared for its route only.
    LiveChannel = Get "/v1/me/live" => ();
    SetMessagePreferences = Put "/v1/me/message-preferences" body MessagePreferences, => MessagePreferences;
    MyCoupons = Get "/v1/me/coupons" => Wallet;
    CouponsOfStore = Get "/v1/stores/{id}/coupons" [id: Uuid] => StoreCoupons;
    SetApproveRight = Put "/v1/admin/users/{id}/campaign-approver" [id: Uuid] body ApproveRight, => ApproveRight;
    DealerTrendsOf = Get "/v1/dealers/{id}/trends" [id: Uuid] => DealerTrends;
    DemandPlanOf = Get "/v1/dealers/{id}/demand-plan" [id: Uuid] => DemandPlan;
    SetDemandPlan = Put "/v1/dealers/{id}/demand-plan" [id: Uuid] body DemandPlanUpdate, => DemandPlan;

    // Precision marketing.
    IngestEvents = Post "/v1/events" body EventBatch, => EventReceipt;
    Recommendations = Get "/v1/recommendations" ? RecommendationQuery, => RecommendationList;
    RecommendationReportFor = Get "/v1/marketing/recommendations/report" ? ReportQuery, => RecommendationReport;
    ListExperiments = Get "/v1/marketing/experiments" => ExperimentList;
    StartExperiment = Post "/v1/marketing/experiments" body NewExperiment, => Experiment;
    StopExperimentNow = Post "/v1/marketing/experiments/{id}/stop" [id: Uuid] body StopExperiment, => Experiment;
    ListTriggers = Get "/v1/marketing/triggers" => TriggerList;
    CreateTrigger = Post "/v1/marketing/triggers" body NewTrigger, => Trigger;
    SetTriggerActiveNow = Put "/v1/marketing/triggers/{id}/active" [id: Uuid] body SetTriggerActive, => TriggerList;
    ListCustomerTags = Get "/v1/marketing/tags" => CustomerTagList;
    CreateCustomerTag = Post "/v1/marketing/tags" body NewCustomerTag, => CustomerTag;
    DeleteCustomerTag = Delete "/v1/marketing/tags/{id}" [id: Uuid] => ();
    RecomputeCustomerTags = Post "/v1/marketing/tags/recompute" ? RecomputeQuery, => CustomerTagList;

    // The customer view at the counter.
    FindCustomer = Post "/v1/customers/find" body CustomerPhone, => CustomerView;
    CustomerViewOf = Get "/v1/customers/{id}" [id: Uuid] => CustomerView;
    CounterCode = Post "/v1/customers/counter-code" body CustomerPhone, => SendCodeResponse;
    CounterConsentGiven = Post "/v1/customers/counter-consent" body CounterConsent, => CustomerView;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_filled_in_order_and_each_parameter_stays_one_segment() {
        let id = Uuid::nil();
        let user_id = Uuid::from_u128(1);
        let e = SetStaffDiscountLimit { id, user_id, body: SetDiscountLimit { discount_limit_percent: None } };
        assert_eq!(e.path(), format!("/v1/stores/{id}/staff/{user_id}"));
        assert_eq!(GetProduct { model: "a/b c".into() }.path(), "/v1/catalog/products/a%2Fb%20c");
        assert!(GetProfile {}.body().is_none() && GetProfile {}.query().is_none());
        let mut seen = std::collections::HashSet::new();
        assert!(ALL.iter().all(|route| seen.insert(*route)), "each route declared once");
    }
}
