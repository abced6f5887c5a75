// Goods in from the dealer: the shipments on their way to this store (as last read, offline too),
// each counted in against what was shipped. The count is a store operation through the outbox,
// booked once by the server (a second tablet counting the same shipment is refused, never booked
// twice); what arrived good goes into stock, damaged and short lines are reported.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { CountedLine, Shipment } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { useBackground } from "../../background";
import type { PosContext } from "./context";

type Count = Record<string, { received: string; damaged: string }>;

const whole = (text: string) => (/^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : null);

export function GoodsIn({ ctx }: { ctx: PosContext }) {
  const { t, time } = useI18n();
  const [shipments, setShipments] = useState<Shipment[] | null>(null);
  const [fetchedAt, setFetchedAt] = useState<number | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [count, setCount] = useState<Count>({});
  const [done, setDone] = useState<string | null>(null);
  // One count per tap: a second tap while the first is kept would count the shipment twice here.
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();

  const load = useCallback(() => {
    void run(() => commands.expectedShipments(ctx.storeId)).then((snap) => {
      if (!snap) return;
      setShipments(snap.data.shipments);
      setFetchedAt(snap.fetched_at);
    });
  }, [ctx.storeId, run]);
  useEffect(load, [load]);
  useBackground(["outbox_sent", "reach"], load);

  const start = (s: Shipment) => {
    setOpen(s.id);
    setDone(null);
    // Filled from the shipment: the promoter corrects what differs.
    setCount(Object.fromEntries(s.lines.map((l) => [l.sku, { received: String(l.quantity), damaged: "0" }])));
  };
  const shown = shipments?.find((s) => s.id === open) ?? null;
  const lines: (CountedLine | null)[] =
    shown?.lines.map((l) => {
      const c = count[l.sku];
      const received = whole(c?.received ?? "");
      const damaged = whole(c?.damaged ?? "");
      if (received == null || damaged == null || received + damaged > l.quantity) return null;
      return { sku: l.sku, received, damaged };
    }) ?? [];
  const valid = lines.length > 0 && lines.every((l) => l != null);

  const submit = async () => {
    if (!shown || !valid || busy) return;
    setBusy(true);
    const id = await run(() =>
      commands.recordStoreOp(ctx.storeId, { type: "shipment_in", shipment_id: shown.id, lines: lines as CountedLine[] }),
    );
    setBusy(false);
    if (id) {
      setDone(shown.id);
      setOpen(null);
      ctx.changed();
      load();
    }
  };

  return (
    <section className="card" data-testid="goods-in">
      <h2>{t("goodsIn.title")}</h2>
      <p className="muted small">
        {t("goodsIn.hint")}
        {fetchedAt != null && <> · {t("app.updated", { time: time(fetchedAt) })}</>}
      </p>
      <ErrorBanner error={error} />
      {done && (
        <p className="banner" data-testid="goods-in-done">
          {t("goodsIn.done")}
        </p>
      )}
      {shipments && shipments.length === 0 && <p className="muted">{t("goodsIn.none")}</p>}
      {shipments && shipments.length > 0 && !shown && (
        <div className="table-wrap">
          <table className="dense" data-testid="expected-shipments">
            <thead>
              <tr>
                <th>{t("goodsIn.shipment")}</th>
                <th>{t("goodsIn.shippedAt")}</th>
                <th className="num">{t("goodsIn.units")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {shipments.map((s) => (
                <tr key={s.id} data-shipment={s.id}>
                  <td>{s.id.slice(-8).toUpperCase()}</td>
                  <td>{time(s.shipped_at)}</td>
                  <td className="num">{s.lines.reduce((n, l) => n + l.quantity, 0)}</td>
                  <td>
                    <button className="secondary" onClick={() => start(s)} data-testid="goods-in-start">
                      {t("goodsIn.count")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown && (
        <div className="stack">
          <div className="table-wrap">
            <table className="dense" data-testid="goods-in-count">
              <thead>
                <tr>
                  <th>SKU</th>
                  <th className="num">{t("goodsIn.shipped")}</th>
                  <th className="num">{t("goodsIn.received")}</th>
                  <th className="num">{t("goodsIn.damaged")}</th>
                  <th className="num">{t("goodsIn.short")}</th>
                </tr>
              </thead>
              <tbody>
                {shown.lines.map((l, i) => {
                  const c = count[l.sku] ?? { received: "", damaged: "" };
                  const line = lines[i];
                  const short = line ? l.quantity - line.received - line.damaged : null;
                  return (
                    <tr key={l.sku} className={line ? "" : "invalid"}>
                      <td>{l.sku}</td>
                      <td className="num">{l.quantity}</td>
                      <td className="num">
                        <input
                          className="qty"
                          inputMode="numeric"
                          value={c.received}
                          aria-label={t("goodsIn.received")}
                          data-testid={`goods-in-received-${l.sku}`}
                          onChange={(e) => setCount({ ...count, [l.sku]: { ...c, received: e.target.value } })}
                        />
                      </td>
                      <td className="num">
                        <input
                          className="qty"
                          inputMode="numeric"
                          value={c.damaged}
                          aria-label={t("goodsIn.damaged")}
                          onChange={(e) => setCount({ ...count, [l.sku]: { ...c, damaged: e.target.value } })}
                        />
                      </td>
                      <td className="num">{short ?? "—"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {!valid && <p className="banner warning">{t("goodsIn.invalid")}</p>}
          <div className="row">
            <button className="primary" disabled={!valid || busy} onClick={() => void submit()} data-testid="goods-in-submit">
              {t("goodsIn.submit")}
            </button>
            <button className="secondary" onClick={() => setOpen(null)}>
              {t("action.cancel")}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
