// People in the console: found by phone, account id or the start of a name, optionally of one
// role; each with their role and scope (set here), a lock (with the reason, which ends every
// session at once) and their sessions (each can be ended).
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { AdminSessions, AdminUser, Dealer, Role, Store } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";

const ROLES: Role[] = ["consumer", "promoter", "store_manager", "distributor", "business_manager", "operator", "admin"];

export function People() {
  const { t } = useI18n();
  const [q, setQ] = useState("");
  const [role, setRole] = useState<Role | "">("");
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const { error, run } = useCommandError();

  const search = async () => {
    const found = await run(() => commands.searchPeople({ q: q.trim() || undefined, role: role || undefined, limit: 50 }));
    if (found) setUsers(found.users);
  };
  const replace = (next: AdminUser) => setUsers((list) => list?.map((u) => (u.user.id === next.user.id ? next : u)) ?? null);

  return (
    <section className="card" data-testid="console-people">
      <h2>{t("console.people")}</h2>
      <ErrorBanner error={error} />
      <form className="row filters" onSubmit={(e) => (e.preventDefault(), void search())}>
        <input value={q} maxLength={64} placeholder={t("console.searchHint")} onChange={(e) => setQ(e.target.value)} data-testid="people-q" />
        <select value={role} onChange={(e) => setRole(e.target.value as Role | "")} data-testid="people-role">
          <option value="">{t("console.anyRole")}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`home.role.${r}` as MessageKey)}
            </option>
          ))}
        </select>
        <button className="primary" type="submit" data-testid="people-search">
          {t("console.search")}
        </button>
      </form>
      {users && users.length === 0 && <p className="muted">{t("console.nobody")}</p>}
      {users && users.length > 0 && (
        <div className="table-wrap">
          <table className="dense" data-testid="people-rows">
            <thead>
              <tr>
                <th>{t("console.name")}</th>
                <th>{t("console.role")}</th>
                <th>{t("console.since")}</th>
                <th>{t("console.state")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <PersonRow key={u.user.id} person={u} open={open === u.user.id} onOpen={() => setOpen(open === u.user.id ? null : u.user.id)} onChanged={replace} onSearch={search} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PersonRow({ person, open, onOpen, onChanged, onSearch }: {
  person: AdminUser;
  open: boolean;
  onOpen: () => void;
  onChanged: (u: AdminUser) => void;
  onSearch: () => Promise<void>;
}) {
  const { t, time } = useI18n();
  const u = person.user;
  return (
    <>
      <tr data-user={u.id} data-locked={person.lock ? "true" : "false"}>
        <td>
          {u.display_name} <span className="muted small">{u.id.slice(-8)}</span>
        </td>
        <td>{t(`home.role.${u.role}` as MessageKey)}</td>
        <td>{time(u.created_at, true)}</td>
        <td>
          {person.lock ? (
            <span className="pill warn" title={person.lock.reason}>
              {t("console.locked")}
            </span>
          ) : (
            <span className="pill">{t("console.active")}</span>
          )}
        </td>
        <td>
          <button className="link" onClick={onOpen} data-testid="person-open">
            {open ? t("console.close") : t("console.manage")}
          </button>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            <PersonTools person={person} onChanged={onChanged} onRoleSet={onSearch} />
          </td>
        </tr>
      )}
    </>
  );
}

function PersonTools({ person, onChanged, onRoleSet }: { person: AdminUser; onChanged: (u: AdminUser) => void; onRoleSet: () => Promise<void> }) {
  const { t, time } = useI18n();
  const id = person.user.id;
  const [sessions, setSessions] = useState<AdminSessions | null>(null);
  const [reason, setReason] = useState("");
  const [role, setRole] = useState<Role>(person.user.role);
  const [storeId, setStoreId] = useState(person.user.store_id ?? "");
  const [dealerId, setDealerId] = useState(person.user.dealer_id ?? "");
  const [stores, setStores] = useState<Store[]>([]);
  const [dealers, setDealers] = useState<Dealer[]>([]);
  const { error, run } = useCommandError();

  useEffect(() => {
    void run(() => commands.userSessions(id)).then((s) => s && setSessions(s));
    void run(() => commands.adminStores(null)).then((s) => s && setStores(s.stores));
    void run(() => commands.adminDealers(null)).then((d) => d && setDealers(d.dealers));
  }, [id, run]);

  const lock = async () => {
    const locked = await run(() => commands.lockUser(id, reason.trim()));
    if (locked) {
      onChanged(locked);
      setReason("");
      const s = await run(() => commands.userSessions(id));
      if (s) setSessions(s);
    }
  };
  const unlock = async () => {
    const unlocked = await run(() => commands.unlockUser(id));
    if (unlocked) onChanged(unlocked);
  };
  const end = async (session: string) => {
    const s = await run(() => commands.endUserSession(id, session));
    if (s) setSessions(s);
  };
  const needsStore = role === "promoter" || role === "store_manager";
  const saveRole = async () => {
    const request = {
      role,
      store_id: needsStore && storeId ? storeId : undefined,
      store_ids: needsStore && storeId ? [storeId] : [],
      dealer_id: role === "distributor" && dealerId ? dealerId : undefined,
    };
    const saved = await run(() => commands.setUserRole(id, request));
    if (saved) await onRoleSet();
  };

  return (
    <div className="stack" data-testid="person-tools">
      <ErrorBanner error={error} />
      <div className="row filters">
        <label>
          {t("console.role")}
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="person-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`home.role.${r}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        {needsStore && (
          <label>
            {t("console.store")}
            <select value={storeId} onChange={(e) => setStoreId(e.target.value)} data-testid="person-store">
              <option value="">—</option>
              {stores.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.code} {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {role === "distributor" && (
          <label>
            {t("console.dealer")}
            <select value={dealerId} onChange={(e) => setDealerId(e.target.value)} data-testid="person-dealer">
              <option value="">—</option>
              {dealers.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.code} {d.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button className="secondary" onClick={() => void saveRole()} data-testid="person-role-save">
          {t("console.setRole")}
        </button>
      </div>
      <div className="row filters">
        {person.lock ? (
          <>
            <span className="muted">{t("console.lockedBecause", { reason: person.lock.reason, time: time(person.lock.at) })}</span>
            <button className="secondary" onClick={() => void unlock()} data-testid="person-unlock">
              {t("console.unlock")}
            </button>
          </>
        ) : (
          <>
            <input value={reason} maxLength={200} placeholder={t("console.lockReason")} onChange={(e) => setReason(e.target.value)} data-testid="person-lock-reason" />
            <button className="secondary" disabled={!reason.trim()} onClick={() => void lock()} data-testid="person-lock">
              {t("console.lock")}
            </button>
          </>
        )}
      </div>
      <h3>{t("console.sessions")}</h3>
      {sessions && sessions.sessions.length === 0 && <p className="muted">{t("console.noSessions")}</p>}
      <ul data-testid="person-sessions">
        {sessions?.sessions.map((s) => (
          <li key={s.id} data-session={s.id}>
            {s.device_name} · {t("console.lastSeen", { time: time(s.last_seen_at) })}{" "}
            <button className="link" onClick={() => void end(s.id)} data-testid="person-end-session">
              {t("console.endSession")}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
