// Opening a shift with the cash in the till, and closing it with what was counted per payment method
// against what the till should hold; a difference needs a reason.
import { useState } from "react";
import { commands } from "../../ipc/commands";
import type { PaymentMethod } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { newId, toFen, yuan } from "../format";
import type { PosContext } from "./context";

const METHODS: PaymentMethod[] = ["cash", "card", "qr_wallet"];

export function Shift({ ctx }: { ctx: PosContext }) {
  const { t, locale, time } = useI18n();
  const [opening, setOpening] = useState("");
  const [counted, setCounted] = useState<Record<PaymentMethod, string>>({ cash: "", card: "", qr_wallet: "" });
  const [reason, setReason] = useState("");
  const { error, setError, showError } = useCommandError();
  const [closed, setClosed] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function write(action: Parameters<typeof commands.recordStoreOp>[1], after: () => void) {
    setBusy(true);
    setError(null);
    try {
      await commands.recordStoreOp(ctx.storeId, action);
      after();
      ctx.changed();
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  }

  if (!ctx.shift) {
    const cash = toFen(opening);
    return (
      <div className="card form narrow-card">
        <h2>{t("pos.shift.open")}</h2>
        {closed && <p className="banner info" data-testid="shift-closed">{closed}</p>}
        <label>
          {t("pos.shift.openingCash")}
          <input className="money" value={opening} inputMode="decimal" onChange={(e) => setOpening(e.target.value)} data-testid="opening-cash" />
        </label>
        {cash === null && <p className="banner error">{t("pos.sell.badAmount")}</p>}
        <ErrorBanner error={error} />
        <button
          disabled={busy || cash === null}
          data-testid="open-shift"
          onClick={() => void write({ type: "open_shift", shift_id: newId(), opening_cash: cash ?? 0 }, () => setClosed(null))}
        >
          {t("pos.shift.open")}
        </button>
      </div>
    );
  }

  const shift = ctx.shift;
  const amounts = METHODS.map((m) => ({ method: m, amount: toFen(counted[m]) }));
  const bad = amounts.some((a) => a.amount === null);
  const expected = (m: PaymentMethod) => shift.expected.find((e) => e.method === m)?.amount ?? 0;
  const differs = !bad && amounts.some((a) => a.amount !== expected(a.method));
  return (
    <div className="card form narrow-card">
      <h2>{t("pos.shift.close")}</h2>
      <p className="muted">
        {t("pos.shift.openedAt", { time: time(shift.opened_at), cash: yuan(shift.opening_cash, locale) })} ·{" "}
        {t("pos.shift.sales", { count: shift.sales })}
      </p>
      <table className="cart">
        <thead>
          <tr>
            <th />
            <th>{t("pos.shift.expected")}</th>
            <th>{t("pos.shift.counted")}</th>
            <th>{t("pos.shift.difference")}</th>
          </tr>
        </thead>
        <tbody>
          {METHODS.map((m) => {
            const c = toFen(counted[m]);
            return (
              <tr key={m}>
                <td>{t(`pos.pay.${m}` as MessageKey)}</td>
                <td className="num" data-testid={`expected-${m}`}>
                  {yuan(expected(m), locale)}
                </td>
                <td>
                  <input className="money" value={counted[m]} inputMode="decimal" data-testid={`counted-${m}`} onChange={(e) => setCounted({ ...counted, [m]: e.target.value })} />
                </td>
                <td className="num">{c === null ? "—" : yuan(c - expected(m), locale)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {bad && <p className="banner error">{t("pos.sell.badAmount")}</p>}
      {differs && (
        <label>
          {t("pos.shift.reason")}
          <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="close-reason" />
        </label>
      )}
      <ErrorBanner error={error} />
      <button
        disabled={busy || bad}
        data-testid="close-shift"
        onClick={() =>
          void write(
            {
              type: "close_shift",
              shift_id: shift.shift_id,
              counted: amounts.map((a) => ({ method: a.method, amount: a.amount ?? 0 })),
              reason: differs ? reason : undefined,
            },
            () => {
              setClosed(t("pos.shift.closedNote"));
              setCounted({ cash: "", card: "", qr_wallet: "" });
              setReason("");
            },
          )
        }
      >
        {t("pos.shift.close")}
      </button>
    </div>
  );
}
