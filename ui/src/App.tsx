import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { commands } from "./ipc/commands";
import type { ApiError, AppState, Store } from "./ipc/types";
import { I18nContext, makeI18n, type Locale, type MessageKey } from "./i18n";
import { ErrorBanner, asApiError } from "./ErrorBanner";
import { SignIn } from "./screens/SignIn";
import { Home } from "./screens/Home";
import { Profile } from "./screens/Profile";
import { Devices } from "./screens/Devices";
import { Catalog } from "./screens/Catalog";
import { Favourites } from "./screens/Favourites";
import { clearCompare } from "./screens/compareList";
import { forgetCity } from "./screens/place";
import { Pos } from "./screens/pos/Pos";
import { Orders } from "./screens/orders/Orders";
import { Console } from "./screens/console/Console";
import { Campaigns } from "./screens/campaigns/Campaigns";
import { noticeText } from "./screens/pos/Notices";
import { announce } from "./screens/InboxCard";
import { reachOf, settlesReach, type Reach } from "./reachability";
import { useBackground } from "./background";

type Tab = "home" | "store" | "orders" | "campaigns" | "console" | "products" | "favourites" | "profile" | "devices";

export default function App() {
  const [state, setState] = useState<AppState | null>(null);
  const [fatal, setFatal] = useState<ApiError | null>(null);
  const [tab, setTab] = useState<Tab>("home");
  /** A category a deep link opened the catalog at (none: the catalog as the person left it). */
  const [browseCategory, setBrowseCategory] = useState<string | undefined>();
  // Tapping the place already open goes back to its start (a product page closes).
  const [visit, setVisit] = useState(0);
  const [busy, setBusy] = useState(false);
  // Whether a call to the server has settled since the app started: until one has, the state's
  // `online` (true by default) does not say that the server answered.
  const [settled, setSettled] = useState(false);
  const stateRef = useRef<AppState | null>(null);
  stateRef.current = state;
  const locale: Locale = state?.locale === "en" ? "en" : "zh-CN";
  const i18n = useMemo(() => makeI18n(locale), [locale]);
  const { t } = i18n;

  useEffect(() => {
    // Draw at once from the cache, then refresh from the server. Once started, the core runs the
    // app's own chores (catalog, outbox, server checks, notices, inbox) and tells what they found.
    commands
      .appState()
      .then(setState)
      .then(() => commands.appStart())
      .then((started) => {
        setState(started);
        // Signed in, the start asked the server for the profile: its `online` is an answer.
        if (started.signed_in) setSettled(true);
        // The opening is sent at once, not at the outbox's next turn.
        commands
          .trackEvent({ kind: "app_open" })
          .catch(() => {})
          .then(() => commands.flushEvents())
          .catch(() => {});
      })
      .catch((e) => setFatal(asApiError(e)));
  }, []);

  // The header's "online" follows what the core last saw of the server (only `online`: the rest
  // of a state read now could be older than a sign-in finishing meanwhile).
  useBackground(["reach"], (h) => {
    setState((s) => (s && s.online !== h.online ? { ...s, online: h.online } : s));
    if (h.settled) setSettled(true);
  });
  const reach: Reach = reachOf(settled, state?.online ?? true);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  // The server's refusals and flags for this device's operations reach the person as OS
  // notifications, each once, whatever screen is open (a store manager's device also hears of
  // what was flagged at the stores they run); the stores' names as the latest profile has them.
  const signedIn = state?.signed_in ?? false;
  const storesRef = useRef<Store[]>([]);
  storesRef.current = state?.profile?.stores ?? [];
  useBackground(["notices"], (h) =>
    h.notices.forEach((n) => {
      const { title, body } = noticeText(i18n, n, storesRef.current);
      commands.notify(title, body).catch(() => {});
    }),
  );
  // Offers from triggers reach a consumer as OS notifications whatever screen is open.
  useBackground(["inbox"], (h) => announce(h.inbox, i18n.locale !== "en"));

  // What sits above a phone's tab bar (the pay bar, the price bar, the comparison tray) is placed
  // by the bar's real height, which depends on the font and the notch's safe area.
  const nav = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = nav.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      const fixed = getComputedStyle(el).position === "fixed";
      const height = fixed ? el.getBoundingClientRect().height : 0;
      document.documentElement.style.setProperty("--tabbar-height", `${Math.ceil(height)}px`);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [signedIn]);

  // Another account starts at its home, not on the screen the last one left open.
  const userId = state?.profile?.user_id;
  useEffect(() => {
    setTab("home");
    clearCompare();
    forgetCity();
  }, [userId]);

  const run = useCallback(async (action: () => Promise<AppState>) => {
    setBusy(true);
    try {
      const next = await action();
      setState(next);
      // A sign-in, or a new server address (checked first), is an answer from the server.
      if (next.signed_in || next.server_url !== stateRef.current?.server_url) setSettled(true);
      return null;
    } catch (e) {
      const error = asApiError(e);
      // The session may have ended on the server: redraw from local state (and whether it answered).
      commands
        .appState()
        .then((fresh) => {
          setState(fresh);
          if (settlesReach(error)) setSettled(true);
        })
        .catch(() => {});
      return error;
    } finally {
      setBusy(false);
    }
  }, []);

  if (fatal && !state) {
    return (
      <I18nContext.Provider value={i18n}>
        <main className="page narrow">
          <h1>{t("error.title")}</h1>
          <ErrorBanner error={fatal} />
        </main>
      </I18nContext.Provider>
    );
  }
  if (!state) return <p className="loading">{t("app.loading")}</p>;

  const toggleLocale = () => run(() => commands.setLocale(locale === "en" ? "zh-CN" : "en"));
  // The point of sale is there for an account that works at a store (a manager's several).
  const stores = state.profile?.stores ?? [];
  // A consumer's places (room for the inbox that comes with campaigns); staff have their store.
  const role = state.profile?.role;
  // Distributors, business managers and the order center have the orders.
  const orders = role === "distributor" || role === "business_manager" || role === "admin";
  const tabs: Tab[] =
    stores.length > 0
      ? ["home", "store", "products", "profile", "devices"]
      : role === "consumer"
        ? ["home", "products", "favourites", "profile", "devices"]
        : role === "admin"
          ? ["home", "orders", "campaigns", "console", "products", "profile", "devices"]
          : orders
            ? ["home", "orders", "products", "profile", "devices"]
            : role === "operator"
              ? ["home", "campaigns", "products", "profile", "devices"]
              : ["home", "products", "profile", "devices"];

  return (
    <I18nContext.Provider value={i18n}>
      <header className="topbar">
        <img src="/icon.png" alt="" className="logo" />
        <span className="brand">{t("app.title")}</span>
        <span className={`status ${reach}`} data-testid="online-status" data-reach={reach}>
          {t(REACH_TEXT[reach])}
        </span>
        <button className="link" onClick={toggleLocale} data-testid="toggle-locale">
          {t("app.language")}
        </button>
      </header>
      {state.signed_in && state.profile ? (
        <div className="shell">
          <nav className="tabs" ref={nav} aria-label={t("nav.label")}>
            {tabs.map((name) => (
              <button
                key={name}
                className={[tab === name ? "tab active" : "tab", name === "devices" ? "extra" : ""].join(" ")}
                onClick={() => {
                  if (tab === name) setVisit((v) => v + 1);
                  setBrowseCategory(undefined);
                  setTab(name);
                }}
                aria-current={tab === name ? "page" : undefined}
                data-testid={`nav-${name}`}
              >
                <TabIcon tab={name} />
                <span className="long">{t(`nav.${name}` as MessageKey)}</span>
                <span className="short">{t(`nav.short.${name}` as MessageKey)}</span>
              </button>
            ))}
            <button className="tab signout extra" disabled={busy} onClick={() => run(commands.signOut)} data-testid="sign-out">
              <span className="long">{t("nav.signOut")}</span>
            </button>
          </nav>
          <main className="page" key={visit}>
            {tab === "home" && (
              <Home
                state={state}
                run={run}
                onBrowse={(category) => {
                  setBrowseCategory(category);
                  setTab("products");
                }}
              />
            )}
            {tab === "store" && stores.length > 0 && <Pos stores={stores} manager={state.profile.role === "store_manager"} />}
            {tab === "orders" && orders && <Orders role={state.profile.role} />}
            {tab === "console" && role === "admin" && <Console />}
            {tab === "campaigns" && (role === "operator" || role === "admin") && <Campaigns />}
            {tab === "products" && (
              <Catalog category={browseCategory} onStatus={() => commands.appState().then(setState).catch(() => {})} />
            )}
            {tab === "profile" && (
              <Profile state={state} run={run} onDevices={() => setTab("devices")} onSignOut={() => run(commands.signOut)} />
            )}
            {tab === "favourites" && <Favourites />}
            {tab === "devices" && <Devices />}
          </main>
        </div>
      ) : (
        <main className="page narrow">
          {state.signed_out_reason && (
            <p className="banner warning" data-testid="signed-out-reason">
              {t("signedOut.reason", { reason: i18n.err(state.signed_out_reason) })}
            </p>
          )}
          <SignIn state={state} run={run} busy={busy} reach={reach} />
        </main>
      )}
    </I18nContext.Provider>
  );
}


const REACH_TEXT: Record<Reach, MessageKey> = { checking: "app.checking", online: "app.online", offline: "app.offline" };

/** The main places' icons (24 px line drawings; decorative, the label says the place). */
function TabIcon({ tab }: { tab: Tab }) {
  const paths: Record<Tab, string> = {
    home: "M3 11.5 12 4l9 7.5M5.5 9.5V20h5v-6h3v6h5V9.5",
    store: "M4 9h16l-1-5H5L4 9Zm0 0v11h16V9M9 20v-6h6v6",
    orders: "M6 3h12v18l-3-2-3 2-3-2-3 2V3Zm3 5h6M9 12h6M9 16h4",
    console: "M4 5h16v11H4V5Zm4 15h8m-4-4v4M8 9l2 2-2 2m4 0h4",
    campaigns: "M3 10v4h3l7 5V5L6 10H3Zm14-2a5 5 0 0 1 0 8m2-11a9 9 0 0 1 0 14",
    products: "M4 4h7v7H4V4Zm9 0h7v7h-7V4ZM4 13h7v7H4v-7Zm9 0h7v7h-7v-7Z",
    favourites: "m12 3.5 2.6 5.3 5.9.9-4.3 4.1 1 5.8-5.2-2.7-5.2 2.7 1-5.8-4.3-4.1 5.9-.9L12 3.5Z",
    profile: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm-8 8c0-3.3 3.6-6 8-6s8 2.7 8 6",
    devices: "M4 5h12v9H4V5Zm-2 12h16M18 8h4v11h-4V8Z",
  };
  return (
    <svg className="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={paths[tab]} />
    </svg>
  );
}
