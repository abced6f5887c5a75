// A dealer's own prices (客户价格), for their business manager (and the order center): the entries
// valid today, and new ones with their validity. A price below the brand's floor is beyond a
// business manager's authority: the same entries can then be sent to the order center to approve,
// with a reason.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { PriceListEntry } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { newId, storeDay, toFen, yuan } from "../format";

export function PricesCard({ dealerId, dealerName }: { dealerId: string; dealerName: string }) {
  const { t, locale } = useI18n();
  const [entries, setEntries] = useState<PriceListEntry[]>([]);
  const [sku, setSku] = useState("");
  const [price, setPrice] = useState("");
  const [from, setFrom] = useState(storeDay());
  const [until, setUntil] = useState("");
  const [refused, setRefused] = useState<PriceListEntry[] | null>(null);
  const [reason, setReason] = useState("");
  const [asked, setAsked] = useState(false);
  const [attempt, setAttempt] = useState(newId);
  const { error, run } = useCommandError();

  const load = useCallback(() => {
    void run(() => commands.priceList({ scope_kind: "dealer", scope_key: dealerId })).then((p) => p && setEntries(p.entries));
  }, [dealerId, run]);
  useEffect(load, [load]);

  const fen = toFen(price);
  const entry = (): PriceListEntry | null =>
    fen == null || !sku.trim()
      ? null
      : { scope_kind: "dealer", scope_key: dealerId, sku: sku.trim(), price: fen, valid_from: from, valid_until: until || undefined };
  const save = async () => {
    const e = entry();
    if (!e) return;
    setAsked(false);
    let refusal: string | null = null;
    const kept = await run(async () => {
      try {
        return await commands.putPrices([e]);
      } catch (err) {
        refusal = (err as { code?: string }).code ?? null;
        throw err;
      }
    });
    if (kept) {
      setSku("");
      setPrice("");
      setRefused(null);
      load();
    } else if (refusal === "forbidden") {
      setRefused([e]);
    }
  };
  const ask = async () => {
    if (!refused) return;
    const made = await run(() => commands.askApproval({ id: attempt, dealer_id: dealerId, reason: reason.trim(), entries: refused }));
    if (made) {
      setAsked(true);
      setRefused(null);
      setReason("");
      setAttempt(newId());
    }
  };

  return (
    <section className="card" data-testid="dealer-prices">
      <h2>{t("prices.title", { dealer: dealerName })}</h2>
      <ErrorBanner error={error} />
      <div className="table-wrap">
        <table className="dense" data-testid="prices-rows">
          <thead>
            <tr>
              <th>SKU</th>
              <th className="num">{t("prices.price")}</th>
              <th>{t("prices.from")}</th>
              <th>{t("prices.until")}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={`${e.sku}|${e.valid_from}`} data-sku={e.sku}>
                <td>{e.sku}</td>
                <td className="num">{yuan(e.price, locale)}</td>
                <td>{e.valid_from}</td>
                <td>{e.valid_until ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.length === 0 && <p className="muted">{t("prices.none")}</p>}
      <div className="row filters">
        <input value={sku} maxLength={64} placeholder="SKU" onChange={(e) => setSku(e.target.value)} data-testid="prices-sku" />
        <input className="qty" inputMode="decimal" value={price} placeholder={t("prices.price")} onChange={(e) => setPrice(e.target.value)} data-testid="prices-price" />
        <label>
          {t("prices.from")}
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="prices-from" />
        </label>
        <label>
          {t("prices.until")}
          <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} data-testid="prices-until" />
        </label>
        <button className="primary" disabled={!entry()} onClick={() => void save()} data-testid="prices-save">
          {t("orders.save")}
        </button>
      </div>
      {refused && (
        <div className="row filters" data-testid="prices-ask">
          <span className="muted">{t("prices.beyondAuthority")}</span>
          <input value={reason} maxLength={200} placeholder={t("orders.reason")} onChange={(e) => setReason(e.target.value)} data-testid="prices-ask-reason" />
          <button className="secondary" disabled={!reason.trim()} onClick={() => void ask()} data-testid="prices-ask-send">
            {t("approvals.ask")}
          </button>
        </div>
      )}
      {asked && <p className="muted" data-testid="prices-asked">{t("approvals.asked")}</p>}
    </section>
  );
}
