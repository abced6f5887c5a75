// Receipts made on this device (offline too): find one by its number, reprint it, or take back some
// or all of it. A receipt of another till of the store is found on the server by its number (the
// customer came back to another counter). The refund is worked out by the app core exactly as the
// server will, and comes out of this tablet's open shift.
import { useCallback, useEffect, useMemo, useState } from "react";
import { commands } from "../../ipc/commands";
import type { ApiError, PaymentMethod, SaleReceipt, StoreAction } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, asApiError, useCommandError } from "../../ErrorBanner";
import { newId, yuan } from "../format";
import { ReceiptView, useSkuNames } from "./ReceiptView";
import type { PosContext } from "./context";

export function Receipts({ ctx }: { ctx: PosContext }) {
  const { t, locale, time } = useI18n();
  const [receipts, setReceipts] = useState<SaleReceipt[]>([]);
  const [filter, setFilter] = useState("");
  const [chosen, setChosen] = useState<string | null>(null);
  // Receipts of other tills found on the server, for the number last looked up.
  const [found, setFound] = useState<{ receiptNo: string; receipts: SaleReceipt[] } | null>(null);
  const [findError, setFindError] = useState<ApiError | null>(null);
  // The last return taken, shown above the form (which starts afresh once the receipt reloads).
  const [returned, setReturned] = useState<{ saleId: string; refund: number } | null>(null);

  const load = useCallback(() => commands.posReceipts().then(setReceipts).catch(() => {}), []);
  useEffect(() => {
    load();
  }, [load]);

  const lookUp = useCallback(
    async (receiptNo: string) => {
      setFindError(null);
      try {
        const receipts = await commands.findReceipt(ctx.storeId, receiptNo);
        setFound({ receiptNo, receipts });
        if (receipts.length === 1) setChosen(receipts[0].sale_id);
      } catch (e) {
        setFound(null);
        setFindError(asApiError(e));
      }
    },
    [ctx.storeId],
  );

  const shown = receipts.filter((r) => r.store_id === ctx.storeId && r.receipt_no.toLowerCase().includes(filter.trim().toLowerCase()));
  const fromOtherTills = (found?.receipts ?? []).filter((f) => !receipts.some((r) => r.sale_id === f.sale_id));
  const receipt = receipts.find((r) => r.sale_id === chosen) ?? fromOtherTills.find((r) => r.sale_id === chosen);

  const item = (r: SaleReceipt) => (
    <li key={r.sale_id}>
      <button className={chosen === r.sale_id ? "card plain active" : "card plain"} onClick={() => setChosen(r.sale_id)} data-testid="receipt-item">
        <b>{r.receipt_no}</b>
        <span className="muted">
          {time(r.created_at)} · {yuan(r.total, locale)} {r.pending && <span className="pill warn">{t("pos.receipt.pending")}</span>}
          {r.found && <span className="pill">{t("pos.receipts.otherTill")}</span>}
        </span>
      </button>
    </li>
  );

  return (
    <div className="pos-split">
      <div className="stack">
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (filter.trim()) void lookUp(filter.trim());
          }}
        >
          <label>
            {t("pos.receipts.find")}
            <input value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="receipt-filter" />
          </label>
          <button type="submit" className="secondary" disabled={!filter.trim()} data-testid="receipt-find-store">
            {t("pos.receipts.findAtStore")}
          </button>
        </form>
        <ErrorBanner error={findError} />
        {shown.length === 0 && <p className="muted">{t("pos.receipts.none")}</p>}
        <ul className="list" data-testid="receipt-list">
          {shown.map(item)}
        </ul>
        {found && (
          <>
            <h3>{t("pos.receipts.otherTills")}</h3>
            {fromOtherTills.length === 0 && <p className="muted" data-testid="receipt-not-found">{t("pos.receipts.notFound", { no: found.receiptNo })}</p>}
            <ul className="list" data-testid="receipt-found-list">
              {fromOtherTills.map(item)}
            </ul>
          </>
        )}
      </div>
      {receipt && (
        <div className="stack">
          <ReceiptView receipt={receipt} storeName={ctx.storeName} reprint />
          {returned?.saleId === receipt.sale_id && (
            <p className="banner info" data-testid="return-done">
              {t("pos.return.done", { amount: yuan(returned.refund, locale) })}
            </p>
          )}
          <ReturnForm
            key={receipt.sale_id + receipt.refunded}
            receipt={receipt}
            ctx={ctx}
            onDone={(refund) => {
              setReturned({ saleId: receipt.sale_id, refund });
              load();
              if (receipt.found && found) void lookUp(found.receiptNo);
              ctx.changed();
            }}
          />
        </div>
      )}
    </div>
  );
}

function ReturnForm({ receipt, ctx, onDone }: { receipt: SaleReceipt; ctx: PosContext; onDone: (refund: number) => void }) {
  const { t, locale } = useI18n();
  const sale = receipt.sale.type === "sale" ? receipt.sale : null;
  const [quantities, setQuantities] = useState<number[]>(() => (sale ? sale.lines.map(() => 0) : []));
  const [withGifts, setWithGifts] = useState(false);
  const [method, setMethod] = useState<PaymentMethod>(sale?.payments[0]?.method ?? "cash");
  const [refund, setRefund] = useState<number | null>(null);
  const { error, setError, showError } = useCommandError();
  const names = useSkuNames(sale ? sale.lines.map((l) => l.sku) : []);

  const action = useMemo((): StoreAction | null => {
    if (!sale) return null;
    const lines = quantities.map((quantity, line) => ({ line, quantity })).filter((l) => l.quantity > 0);
    if (lines.length === 0 && !withGifts) return null;
    return {
      type: "return",
      return_id: newId(),
      sale_id: receipt.sale_id,
      lines,
      gifts: withGifts ? sale.gifts : [],
      refund_method: method,
    };
  }, [sale, quantities, withGifts, method, receipt.sale_id]);

  useEffect(() => {
    setError(null);
    if (!action) {
      setRefund(null);
      return;
    }
    commands
      .previewRefund(action)
      .then(setRefund)
      .catch((e) => {
        setRefund(null);
        showError(e);
      });
  }, [action]);

  if (!sale) return null;
  const everythingBack = sale.lines.every((l, i) => receipt.returned[i] >= l.quantity);
  if (everythingBack) return <p className="muted">{t("pos.return.allReturned")}</p>;

  async function submit() {
    if (!action) return;
    try {
      await commands.recordStoreOp(ctx.storeId, action);
      onDone(refund ?? 0);
    } catch (e) {
      showError(e);
    }
  }

  return (
    <div className="card form" data-testid="return-form">
      <h2>{t("pos.return.title")}</h2>
      {sale.lines.map((l, i) => {
        const left = l.quantity - (receipt.returned[i] ?? 0);
        return (
          <label key={i} className="row spread">
            <span className="grow">
              {names[l.sku] ?? l.sku}
              {l.serial && <span className="muted"> · {l.serial}</span>}
              <span className="muted"> · {t("pos.return.left", { count: left })}</span>
            </span>
            <input
              type="number"
              min={0}
              max={left}
              className="qty"
              value={quantities[i]}
              data-testid="return-qty"
              onChange={(e) => setQuantities(quantities.map((q, j) => (j === i ? Math.max(0, Math.floor(Number(e.target.value) || 0)) : q)))}
            />
          </label>
        );
      })}
      {sale.gifts.length > 0 && (
        <label className="check">
          <input type="checkbox" checked={withGifts} onChange={(e) => setWithGifts(e.target.checked)} />
          {t("pos.return.withGifts")}
        </label>
      )}
      <label>
        {t("pos.return.method")}
        <select value={method} onChange={(e) => setMethod(e.target.value as PaymentMethod)}>
          {(["cash", "card", "qr_wallet"] as PaymentMethod[]).map((m) => (
            <option key={m} value={m}>
              {t(`pos.pay.${m}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {refund !== null && (
        <p className="total" data-testid="refund">
          {t("pos.return.refund")}: <b>{yuan(refund, locale)}</b>
        </p>
      )}
      <ErrorBanner error={error} />
      <button disabled={!action || error !== null} onClick={() => void submit()} data-testid="return-submit">
        {t("pos.return.submit")}
      </button>
    </div>
  );
}
