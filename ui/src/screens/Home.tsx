import { useCallback, useEffect, useRef, useState } from "react";
import type { AppState, Notice, OpenShift, RoleHome, SaleReceipt, Store } from "../ipc/types";
import { commands } from "../ipc/commands";
import { useBackground } from "../background";
import { useI18n, type MessageKey } from "../i18n";
import type { Run } from "../run";
import { yuan } from "./format";
import { flagText } from "./pos/Notices";
import { ConsumerHome } from "./ConsumerHome";
import { RecommendationReport } from "./RecommendationReport";
import { Experiments } from "./Experiments";
import { CustomerTags } from "./CustomerTags";
import { CustomerLookup } from "./CustomerLookup";
import { Triggers } from "./Triggers";

/** The marketing desk: the recommendation report and the experiments that change it, customer
 *  tags, triggered offers and a customer's whole view. Its panels get a width their tables can be
 *  read at (side by side where two fit, else stacked), not a column of the figures' grid. */
function MarketingDesk() {
  const [refresh, setRefresh] = useState(0);
  return (
    <div className="desk wide" data-testid="marketing-desk">
      <RecommendationReport refresh={refresh} />
      <Experiments onChanged={() => setRefresh((r) => r + 1)} />
      <CustomerTags />
      <Triggers />
      <CustomerLookup />
    </div>
  );
}

/** A store's day as this device knows it (offline too): the open shift, today's sales made here,
 *  operations waiting to be sent and the newest notices. */
function StoreDay({ store }: { store: Store }) {
  const { t, time, locale } = useI18n();
  const [shift, setShift] = useState<OpenShift | null | undefined>(undefined);
  const [receipts, setReceipts] = useState<SaleReceipt[]>([]);
  const [pending, setPending] = useState(0);
  const [notices, setNotices] = useState<Notice[]>([]);
  // The store shown now: a read begun for another store is not drawn.
  const shown = useRef(store.id);
  shown.current = store.id;
  const load = useCallback(
    () =>
      Promise.all([commands.posShift(store.id), commands.posReceipts(), commands.pendingOps(), commands.storeNotices()])
        .then(([s, r, p, n]) => {
          if (shown.current !== store.id) return;
          setShift(s);
          setReceipts(r);
          setPending(p);
          setNotices(n);
        })
        .catch(() => undefined),
    [store.id],
  );
  useEffect(() => {
    void load();
  }, [load]);
  // What the core sends or hears changes what waits and the notices, and the server coming back
  // or going: read again then.
  useBackground(["outbox_sent", "notices", "reach"], () => void load());
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const today = receipts.filter((r) => r.store_id === store.id && r.created_at * 1000 >= midnight.getTime());
  const takings = today.reduce((sum, r) => sum + r.total - r.refunded, 0);
  const newest = notices.filter((n) => n.store_id === null || n.store_id === store.id).slice(0, 3);
  return (
    <div className="grid" data-testid="store-day">
      <div className="card stat" data-testid="home-shift" data-open={shift ? "true" : "false"}>
        {shift === undefined
          ? t("app.loading")
          : shift
            ? t("home.store.shiftOpen", { time: time(shift.opened_at) })
            : t("home.store.shiftClosed")}
      </div>
      <div className="card stat" data-testid="home-sales" data-count={today.length}>
        {t("home.store.salesToday", { count: today.length, amount: yuan(takings, locale) })}
      </div>
      <div className="card stat" data-testid="home-pending" data-count={pending}>
        {pending > 0 ? t("home.store.pending", { count: pending }) : t("home.store.allSent")}
      </div>
      <div className="card wide" data-testid="home-notices">
        <b>{t("home.store.notices")}</b>
        {newest.length === 0 ? (
          <p className="muted">{t("home.store.noNotices")}</p>
        ) : (
          <ul>
            {newest.map((n) => (
              <li key={n.outcome.id}>
                {n.outcome.error
                  ? t(`error.${n.outcome.error.code}` as MessageKey)
                  : n.outcome.flags.map((f) => flagText(t, locale, f)).join("; ")}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

/** The role-based home: each role's day, from what the app holds. */
export function Home({ state, run, onBrowse }: { state: AppState; run: Run; onBrowse: (category?: string) => void }) {
  const { t, time } = useI18n();
  const profile = state.profile!;
  const header = (
    <div className="row spread">
      <div>
        <h1 data-testid="greeting">{t("home.greeting", { name: profile.display_name })}</h1>
        <p className="muted">
          <span className="pill" data-testid="role">{t(`home.role.${profile.role}` as MessageKey)}</span>
          {state.home_cached_at != null && <> · {t("app.updated", { time: time(state.home_cached_at) })}</>}
        </p>
      </div>
      <button className="secondary" onClick={() => run(commands.refresh)} data-testid="refresh">
        {t("action.refresh")}
      </button>
    </div>
  );
  if (state.home?.role === "consumer") {
    const data = state.home.data;
    return (
      <ConsumerHome
        header={header}
        onBrowse={onBrowse}
        footer={
          <p className="muted small" data-testid="member-since">
            {t("home.consumer.memberSince", { date: time(data.member_since, true) })} ·{" "}
            {t("home.consumer.identities", { count: data.linked_identities })}
          </p>
        }
      />
    );
  }
  return (
    <section>
      {header}
      {state.home ? <RoleHomeView home={state.home} /> : <p className="muted">{t("home.unavailable")}</p>}
    </section>
  );
}

function RoleHomeView({ home }: { home: RoleHome }) {
  const { t, time } = useI18n();
  switch (home.role) {
    case "consumer":
      return null; // drawn by ConsumerHome above
    case "promoter":
      return (
        <div className="grid">
          <div className="card stat" data-testid="home-store">
            {t("home.promoter.store", { name: home.data.store.name, code: home.data.store.code, city: home.data.store.city })}
          </div>
          <div className="card stat">{t("home.promoter.promoters", { count: home.data.promoter_count })}</div>
          <div className="wide">
            <StoreDay store={home.data.store} />
          </div>
        </div>
      );
    case "store_manager":
      return (
        <div className="grid">
          {home.data.stores.map((s) => (
            <div className="card stat" key={s.store.id} data-testid="home-managed-store">
              {t("home.promoter.store", { name: s.store.name, code: s.store.code, city: s.store.city })}
              <div className="muted">{t("home.promoter.promoters", { count: s.promoter_count })}</div>
              <StoreDay store={s.store} />
            </div>
          ))}
        </div>
      );
    case "distributor":
      return (
        <div className="grid">
          <div className="card stat" data-testid="home-dealer">
            {t("home.distributor.dealer", {
              name: home.data.dealer.name,
              code: home.data.dealer.code,
              region: home.data.dealer.region,
            })}
          </div>
          <div className="card stat">{t("home.distributor.members", { count: home.data.member_count })}</div>
        </div>
      );
    case "business_manager":
      return (
        <div className="grid">
          <div className="card stat" data-testid="home-dealers">
            {t("home.manager.dealers", { count: home.data.dealers.length })}
          </div>
          <div className="card stat" data-testid="home-waiting" data-count={home.data.waiting.length}>
            {t("home.manager.waiting", { count: home.data.waiting.length })}
          </div>
        </div>
      );
    case "operator":
      return (
        <div className="grid">
          <h2 className="wide">{t("home.operator.audience")}</h2>
          <div className="card stat"><b>{home.data.total_users}</b> {t("home.operator.total")}</div>
          <div className="card stat"><b>{home.data.consumers}</b> {t("home.operator.consumers")}</div>
          <div className="card stat"><b>{home.data.with_phone}</b> {t("home.operator.withPhone")}</div>
          <div className="card stat"><b>{home.data.with_email}</b> {t("home.operator.withEmail")}</div>
          <MarketingDesk />
        </div>
      );
    case "admin":
      return (
        <div className="stack">
          <MarketingDesk />
          <h2>{t("home.admin.users", { total: home.data.total })}</h2>
          <div className="table-wrap">
            <table className="dense" data-testid="admin-users">
              <thead>
                <tr>
                  <th>{t("home.admin.name")}</th>
                  <th>{t("home.admin.role")}</th>
                  <th>{t("home.admin.identities")}</th>
                  <th>{t("home.admin.created")}</th>
                </tr>
              </thead>
              <tbody>
                {home.data.users.map((u) => (
                  <tr key={u.id}>
                    <td>{u.display_name}</td>
                    <td>{t(`home.role.${u.role}` as MessageKey)}</td>
                    <td>{u.identity_count}</td>
                    <td>{time(u.created_at, true)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      );
  }
}
