import type { AppState, RoleHome } from "../ipc/types";
import { commands } from "../ipc/commands";
import { useI18n, type MessageKey } from "../i18n";
import type { Run } from "../App";

/** The role-based home. Later work fills each role's tools in. */
export function Home({ state, run }: { state: AppState; run: Run }) {
  const { t, time } = useI18n();
  const profile = state.profile!;
  return (
    <section>
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
      {state.home ? <RoleHomeView home={state.home} /> : <p className="muted">{t("home.unavailable")}</p>}
    </section>
  );
}

function RoleHomeView({ home }: { home: RoleHome }) {
  const { t, time } = useI18n();
  switch (home.role) {
    case "consumer":
      return (
        <div className="grid">
          <div className="card stat">{t("home.consumer.memberSince", { date: time(home.data.member_since, true) })}</div>
          <div className="card stat">{t("home.consumer.identities", { count: home.data.linked_identities })}</div>
          <p className="muted wide">{t("home.consumer.next")}</p>
        </div>
      );
    case "promoter":
      return (
        <div className="grid">
          <div className="card stat" data-testid="home-store">
            {t("home.promoter.store", { name: home.data.store.name, code: home.data.store.code, city: home.data.store.city })}
          </div>
          <div className="card stat">{t("home.promoter.promoters", { count: home.data.promoter_count })}</div>
          <p className="muted wide">{t("home.promoter.next")}</p>
        </div>
      );
    case "store_manager":
      return (
        <div className="grid">
          {home.data.stores.map((s) => (
            <div className="card stat" key={s.store.id} data-testid="home-managed-store">
              {t("home.promoter.store", { name: s.store.name, code: s.store.code, city: s.store.city })}
              <div className="muted">{t("home.promoter.promoters", { count: s.promoter_count })}</div>
            </div>
          ))}
          <p className="muted wide">{t("home.manager.next")}</p>
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
          <p className="muted wide">{t("home.distributor.next")}</p>
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
          <p className="muted wide">{t("home.operator.next")}</p>
        </div>
      );
    case "admin":
      return (
        <div>
          <h2>{t("home.admin.users", { total: home.data.total })}</h2>
          <div className="table-wrap">
            <table data-testid="admin-users">
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
