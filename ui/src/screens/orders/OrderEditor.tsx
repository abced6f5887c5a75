// Writing an order: a cart typed line by line (SKU, Enter, quantity), lines pasted from a
// spreadsheet or a CSV (each bad line reported, nothing added while one is), prices and problems
// from the server's quote beside each line, the store to ship to and what to do with a shortfall.
// Every edit is kept on the device at once (offline too); sending puts it in the outbox.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { commands } from "../../ipc/commands";
import type { DealerDesk, OrderDraft, Quote, QuickOrderRead } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { toFen, yuan } from "../format";
import { draftReducer, quoted, quoteIsCurrent, type DraftAction } from "./draft";
import { StatusPill } from "./StatusPill";

export function OrderEditor({
  initial,
  desk,
  onSent,
  onClose,
}: {
  initial: OrderDraft;
  desk: DealerDesk;
  onSent: () => void;
  onClose: () => void;
}) {
  const { t, locale } = useI18n();
  const [draft, setDraft] = useState(initial);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [pasted, setPasted] = useState("");
  const [read, setRead] = useState<QuickOrderRead | null>(null);
  const [sku, setSku] = useState("");
  const [qty, setQty] = useState("1");
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();
  const skuInput = useRef<HTMLInputElement>(null);
  const locked = draft.state === "sending";

  // Every edit is kept at once: closing the app loses nothing.
  const edit = (action: DraftAction) => {
    const next = draftReducer(draft, action);
    if (next === draft) return;
    setDraft(next);
    void commands.saveOrderDraft(next).catch(() => {});
  };
  useEffect(() => {
    if (initial.state !== "sending") void commands.saveOrderDraft(initial).catch(() => {});
  }, [initial]);

  const addTyped = () => {
    const q = Number(qty);
    if (!sku.trim() || !Number.isInteger(q) || q < 1) return;
    edit({ type: "add", sku, quantity: q });
    setSku("");
    setQty("1");
    skuInput.current?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter") {
      e.preventDefault();
      addTyped();
    }
  };
  const readPasted = async () => {
    const r = await run(() => commands.readQuickOrder(pasted));
    if (!r) return;
    setRead(r);
    if (r.bad.length === 0) {
      edit({ type: "merge", lines: r.lines });
      setPasted("");
    }
  };
  const price = async () => {
    if (draft.lines.length === 0) return;
    setBusy(true);
    const q = await run(() => commands.quoteOrder(draft.dealer_id, draft.lines));
    setBusy(false);
    if (q) setQuote(q);
  };
  const send = async () => {
    setBusy(true);
    const sent = await run(() => commands.sendOrderDraft(draft));
    setBusy(false);
    if (sent) onSent();
  };
  const current = quoteIsCurrent(quote, draft);
  const problems = current ? (quote?.problems.length ?? 0) : 0;

  return (
    <section className="card" data-testid="order-editor">
      <div className="row spread">
        <h2>{t("orders.newOrder")}</h2>
        <button className="link" onClick={onClose}>
          {t("orders.back")}
        </button>
      </div>
      {draft.state === "refused" && draft.error && (
        <p className="banner error" data-testid="draft-refused">
          {t("orders.refused")} {draft.error.message}
        </p>
      )}
      <ErrorBanner error={error} />
      <div className="row filters">
        <label>
          {t("orders.shipTo")}
          <select
            value={draft.ship_to ?? ""}
            disabled={locked}
            onChange={(e) => edit({ type: "ship_to", store: e.target.value })}
            data-testid="order-ship-to"
          >
            <option value="" disabled>
              {t("orders.chooseStore")}
            </option>
            {desk.stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.code})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("orders.shortfallLabel")}
          <select
            value={draft.shortfall}
            disabled={locked}
            onChange={(e) => edit({ type: "shortfall", shortfall: e.target.value as OrderDraft["shortfall"] })}
            data-testid="order-shortfall"
          >
            <option value="back_order">{t("orders.shortfall.back_order")}</option>
            <option value="cancel_the_rest">{t("orders.shortfall.cancel_the_rest")}</option>
          </select>
        </label>
        <label>
          {t("orders.note")}
          <input value={draft.note} disabled={locked} maxLength={500} onChange={(e) => edit({ type: "note", note: e.target.value })} />
        </label>
      </div>

      <div className="row filters" onKeyDown={onKey}>
        <label>
          SKU
          <input ref={skuInput} value={sku} disabled={locked} onChange={(e) => setSku(e.target.value)} data-testid="order-sku" autoFocus />
        </label>
        <label>
          {t("orders.quantity")}
          <input className="qty" inputMode="numeric" value={qty} disabled={locked} onChange={(e) => setQty(e.target.value)} data-testid="order-qty" />
        </label>
        <button className="secondary" disabled={locked} onClick={addTyped} data-testid="order-add">
          {t("orders.addLine")}
        </button>
      </div>

      <details open={draft.lines.length === 0}>
        <summary>{t("orders.quickOrder")}</summary>
        <p className="muted small">{t("orders.quickHint")}</p>
        <textarea rows={5} value={pasted} disabled={locked} onChange={(e) => setPasted(e.target.value)} data-testid="quick-order-text" />
        <button className="secondary" disabled={locked || !pasted.trim()} onClick={() => void readPasted()} data-testid="quick-order-read">
          {t("orders.quickAdd")}
        </button>
        {read && read.bad.length > 0 && (
          <div className="banner error" data-testid="quick-order-bad">
            <p>{t("orders.quickBad", { count: read.bad.length })}</p>
            <ul>
              {read.bad.map((b) => (
                <li key={b.line_no}>
                  {t("orders.lineNo", { n: b.line_no })}: “{b.text}” — {t(`orders.quickProblem.${b.problem}` as MessageKey)}
                </li>
              ))}
            </ul>
          </div>
        )}
      </details>

      <div className="table-wrap">
        <table className="dense" data-testid="order-cart">
          <thead>
            <tr>
              <th>SKU</th>
              <th>{t("orders.product")}</th>
              <th className="num">{t("orders.quantity")}</th>
              <th className="num">{t("orders.askedPrice")}</th>
              <th className="num">{t("orders.unitPrice")}</th>
              <th className="num">{t("orders.lineTotal")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {draft.lines.map((l) => {
              const q = current ? quoted(quote, l.sku) : { line: null, problem: null };
              return (
                <tr key={l.sku} data-sku={l.sku} className={q.problem ? "invalid" : ""}>
                  <td>{l.sku}</td>
                  <td>
                    {q.line ? (locale === "en" ? q.line.name_en : q.line.name_zh) : ""}
                    {q.problem && (
                      <div className="error small" data-testid="line-problem" data-key={q.problem.key}>
                        {t(`orders.problem.${q.problem.key}` as MessageKey)}
                        {(q.problem.suggestions ?? []).length > 0 && <> ({(q.problem.suggestions ?? []).join(" / ")})</>}
                      </div>
                    )}
                  </td>
                  <td className="num">
                    <input
                      className="qty"
                      inputMode="numeric"
                      value={l.quantity}
                      disabled={locked}
                      aria-label={t("orders.quantity")}
                      onChange={(e) => edit({ type: "set_quantity", sku: l.sku, quantity: Number(e.target.value) || 0 })}
                    />
                  </td>
                  <td className="num">
                    <input
                      className="qty"
                      inputMode="decimal"
                      defaultValue={l.asked_price != null ? String(l.asked_price / 100) : ""}
                      disabled={locked}
                      aria-label={t("orders.askedPrice")}
                      onBlur={(e) => edit({ type: "set_asked_price", sku: l.sku, price: toFen(e.target.value) || null })}
                    />
                  </td>
                  <td className="num">
                    {q.line ? yuan(q.line.unit_price, locale) : "—"}
                    {q.line?.below_floor && <span className="pill warn">{t("orders.belowFloor")}</span>}
                  </td>
                  <td className="num">{q.line ? yuan(q.line.line_total, locale) : "—"}</td>
                  <td>
                    <button className="link" disabled={locked} onClick={() => edit({ type: "remove", sku: l.sku })}>
                      {t("orders.remove")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      {current && quote && (
        <p data-testid="order-quote" data-goes-to={quote.goes_to}>
          {t("orders.total", { amount: yuan(quote.total, locale) })} · {t("orders.available", { amount: yuan(quote.credit.available, locale) })} ·{" "}
          {t("orders.goesTo")} <StatusPill status={quote.goes_to} />
        </p>
      )}
      <div className="row">
        <button className="secondary" disabled={busy || locked || draft.lines.length === 0} onClick={() => void price()} data-testid="order-price">
          {t("orders.checkPrices")}
        </button>
        <button
          className="primary"
          disabled={busy || locked || draft.lines.length === 0 || !draft.ship_to || problems > 0}
          onClick={() => void send()}
          data-testid="order-send"
        >
          {t("orders.send")}
        </button>
        {locked && <span className="pill warn">{t("orders.sending")}</span>}
      </div>
    </section>
  );
}
