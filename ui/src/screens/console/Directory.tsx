// Stores and dealers in the console: each created and edited by code, name and city or region;
// a dealer's links set here too (the stores it supplies, its business manager and its tier).
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { AdminUser, Dealer, DealerLinks, Store } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { newId } from "../format";

type Editing = { kind: "store"; value: Store } | { kind: "dealer"; value: Dealer } | null;

export function Directory() {
  const { t } = useI18n();
  const [stores, setStores] = useState<Store[]>([]);
  const [dealers, setDealers] = useState<Dealer[]>([]);
  const [editing, setEditing] = useState<Editing>(null);
  const [linksOf, setLinksOf] = useState<Dealer | null>(null);
  const { error, run } = useCommandError();

  const load = useCallback(() => {
    void run(() => commands.adminStores(null)).then((s) => s && setStores(s.stores));
    void run(() => commands.adminDealers(null)).then((d) => d && setDealers(d.dealers));
  }, [run]);
  useEffect(load, [load]);

  const save = async () => {
    if (!editing) return;
    const saved =
      editing.kind === "store" ? await run(() => commands.putStore(editing.value)) : await run(() => commands.putDealer(editing.value));
    if (saved) {
      setEditing(null);
      load();
    }
  };
  const field = (name: string, value: string, set: (v: string) => void) => (
    <label>
      {t(`console.field.${name}` as MessageKey)}
      <input value={value} maxLength={100} onChange={(e) => set(e.target.value)} data-testid={`directory-${name}`} />
    </label>
  );

  return (
    <section className="stack" data-testid="console-directory">
      <ErrorBanner error={error} />
      {editing && (
        <div className="card row filters" data-testid="directory-form">
          {field("code", editing.value.code, (code) => setEditing({ ...editing, value: { ...editing.value, code } } as Editing))}
          {field("name", editing.value.name, (name) => setEditing({ ...editing, value: { ...editing.value, name } } as Editing))}
          {editing.kind === "store"
            ? field("city", editing.value.city, (city) => setEditing({ kind: "store", value: { ...editing.value, city } }))
            : field("region", editing.value.region, (region) => setEditing({ kind: "dealer", value: { ...editing.value, region } }))}
          <button className="primary" onClick={() => void save()} data-testid="directory-save">
            {t("orders.save")}
          </button>
          <button className="link" onClick={() => setEditing(null)}>
            {t("console.close")}
          </button>
        </div>
      )}
      {linksOf && <LinksEditor dealer={linksOf} stores={stores} onClose={() => setLinksOf(null)} />}
      <div className="card">
        <div className="row spread">
          <h2>{t("console.stores")}</h2>
          <button className="secondary" onClick={() => setEditing({ kind: "store", value: { id: newId(), code: "", name: "", city: "" } })} data-testid="store-new">
            {t("console.add")}
          </button>
        </div>
        <div className="table-wrap">
          <table className="dense" data-testid="directory-stores">
            <tbody>
              {stores.map((s) => (
                <tr key={s.id} data-code={s.code}>
                  <td>{s.code}</td>
                  <td>{s.name}</td>
                  <td>{s.city}</td>
                  <td>
                    <button className="link" onClick={() => setEditing({ kind: "store", value: s })}>
                      {t("console.edit")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div className="card">
        <div className="row spread">
          <h2>{t("console.dealers")}</h2>
          <button className="secondary" onClick={() => setEditing({ kind: "dealer", value: { id: newId(), code: "", name: "", region: "" } })} data-testid="dealer-new">
            {t("console.add")}
          </button>
        </div>
        <div className="table-wrap">
          <table className="dense" data-testid="directory-dealers">
            <tbody>
              {dealers.map((d) => (
                <tr key={d.id} data-code={d.code}>
                  <td>{d.code}</td>
                  <td>{d.name}</td>
                  <td>{d.region}</td>
                  <td>
                    <button className="link" onClick={() => setEditing({ kind: "dealer", value: d })}>
                      {t("console.edit")}
                    </button>
                    <button className="link" onClick={() => setLinksOf(d)} data-testid="dealer-links">
                      {t("console.links")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

function LinksEditor({ dealer, stores, onClose }: { dealer: Dealer; stores: Store[]; onClose: () => void }) {
  const { t } = useI18n();
  const [links, setLinks] = useState<DealerLinks | null>(null);
  const [managers, setManagers] = useState<AdminUser[]>([]);
  const [saved, setSaved] = useState(false);
  const { error, run } = useCommandError();
  useEffect(() => {
    void run(() => commands.dealerLinks(dealer.id)).then((l) => l && setLinks(l));
    void run(() => commands.searchPeople({ role: "business_manager", limit: 100 })).then((m) => m && setManagers(m.users));
  }, [dealer.id, run]);
  if (!links) return <ErrorBanner error={error} />;
  const toggle = (id: string) =>
    setLinks({ ...links, store_ids: links.store_ids.includes(id) ? links.store_ids.filter((s) => s !== id) : [...links.store_ids, id] });
  const save = async () => {
    const next = await run(() => commands.setDealerLinks(dealer.id, links));
    if (next) {
      setLinks(next);
      setSaved(true);
    }
  };
  return (
    <div className="card stack" data-testid="dealer-links-editor">
      <h3>{t("console.linksOf", { dealer: dealer.name })}</h3>
      <ErrorBanner error={error} />
      <div className="row filters">
        <label>
          {t("console.manager")}
          <select value={links.manager_id ?? ""} onChange={(e) => setLinks({ ...links, manager_id: e.target.value || undefined })} data-testid="links-manager">
            <option value="">—</option>
            {managers.map((m) => (
              <option key={m.user.id} value={m.user.id}>
                {m.user.display_name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("console.tier")}
          <input value={links.tier ?? ""} maxLength={32} onChange={(e) => setLinks({ ...links, tier: e.target.value || undefined })} data-testid="links-tier" />
        </label>
      </div>
      <div className="row filters" data-testid="links-stores">
        {stores.map((s) => (
          <label key={s.id}>
            <input type="checkbox" checked={links.store_ids.includes(s.id)} onChange={() => toggle(s.id)} /> {s.code}
          </label>
        ))}
      </div>
      <div className="row">
        <button className="primary" onClick={() => void save()} data-testid="links-save">
          {t("orders.save")}
        </button>
        {saved && <span className="muted">{t("plan.saved")}</span>}
        <button className="link" onClick={onClose}>
          {t("console.close")}
        </button>
      </div>
    </div>
  );
}
