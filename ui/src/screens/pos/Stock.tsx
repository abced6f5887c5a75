// Store stock: on-hand per SKU (the server's ledger sums plus this device's unsent operations), the
// low-stock view, and the movements in and out: goods received, transfers sent and received,
// adjustments with a reason, and stock counts that post their differences.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { OpenTransfer, SkuQuantity, StockView, StoreAction, TransferList } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { newId } from "../format";
import { useBarcodeWedge } from "./barcodeWedge";
import { useSkuNames } from "./ReceiptView";
import type { PosContext } from "./context";

type Form = "receipt" | "transfer_out" | "transfer_in" | "adjustment" | "stock_count";
const FORMS: Form[] = ["receipt", "transfer_out", "transfer_in", "adjustment", "stock_count"];

export function Stock({ ctx }: { ctx: PosContext }) {
  const { t, locale, time } = useI18n();
  const [view, setView] = useState<StockView | null>(null);
  const [lowOnly, setLowOnly] = useState(false);
  const [form, setForm] = useState<Form | null>(null);
  const { error, setError, showError } = useCommandError();
  const [note, setNote] = useState<string | null>(null);

  const load = useCallback(() => {
    commands
      .storeStock(ctx.storeId)
      .then((v) => (setView(v), setError(null)))
      .catch((e) => showError(e));
  }, [ctx.storeId]);
  useEffect(() => {
    load();
  }, [load]);

  const recorded = () => {
    setNote(t("pos.stock.recorded"));
    setForm(null);
    load();
    ctx.changed();
  };

  const lines = (view?.lines ?? []).filter((l) => !lowOnly || l.low);
  return (
    <div className="stack">
      <div className="chips">
        {FORMS.map((f) => (
          <button key={f} className={form === f ? "chip active" : "chip"} onClick={() => (setForm(form === f ? null : f), setNote(null))} data-testid={`stock-form-${f}`}>
            {t(`pos.stock.form.${f}` as MessageKey)}
          </button>
        ))}
      </div>
      {note && <p className="banner info" data-testid="stock-note">{note}</p>}
      {form === "transfer_in" ? (
        <IncomingTransfers ctx={ctx} onDone={recorded} />
      ) : form ? (
        <MovementForm key={form} form={form} ctx={ctx} onDone={recorded} />
      ) : null}
      <ErrorBanner error={error} />
      {view && (
        <div className="card">
          <div className="row spread">
            <h2>{t("pos.stock.title")}</h2>
            <label className="check">
              <input type="checkbox" checked={lowOnly} onChange={(e) => setLowOnly(e.target.checked)} data-testid="low-only" />
              {t("pos.stock.lowOnly")}
            </label>
          </div>
          <p className="muted small">
            {view.fetched_at != null ? t("pos.stock.asOf", { time: time(view.fetched_at) }) : t("pos.stock.neverFetched")}
            {view.unsent_ops > 0 && <> · {t("pos.pending", { count: view.unsent_ops })}</>}
            {!view.balances_agree && <span className="bad"> · {t("pos.stock.disagree")}</span>}
          </p>
          <div className="table-wrap">
            <table className="cart" data-testid="stock-table">
              <thead>
                <tr>
                  <th>{t("pos.sell.item")}</th>
                  <th>{t("pos.stock.onHand")}</th>
                  <th>{t("pos.stock.unsent")}</th>
                </tr>
              </thead>
              <tbody>
                {lines.map((l) => (
                  <tr key={l.sku} data-testid="stock-line" data-sku={l.sku} data-on-hand={l.on_hand} className={l.low ? "low" : ""}>
                    <td>
                      {(locale === "en" ? l.name_en : l.name_zh) || l.sku}
                      <div className="muted small">{l.sku}</div>
                    </td>
                    <td className="num">
                      <b>{l.on_hand}</b> {l.low && <span className="pill warn">{t("pos.stock.low")}</span>}
                    </td>
                    <td className="num">{l.unsent !== 0 ? (l.unsent > 0 ? `+${l.unsent}` : l.unsent) : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {lines.length === 0 && <p className="muted">{t("pos.stock.empty")}</p>}
        </div>
      )}
    </div>
  );
}

/** Lines of SKUs and quantities, filled by scanning (anywhere on the screen) or typing a code. */
function LinesEditor({ lines, setLines, signed = false }: { lines: SkuQuantity[]; setLines: (l: SkuQuantity[]) => void; signed?: boolean }) {
  const { t } = useI18n();
  const [code, setCode] = useState("");
  const { error, setError, showError } = useCommandError();
  const names = useSkuNames(lines.map((l) => l.sku));

  async function add(scanned: string) {
    setError(null);
    try {
      const hit = await commands.scanSku(scanned.trim());
      const found = lines.find((l) => l.sku === hit.sku.code);
      setLines(found ? lines.map((l) => (l === found ? { ...l, quantity: l.quantity + 1 } : l)) : [...lines, { sku: hit.sku.code, quantity: 1 }]);
    } catch (e) {
      showError(e);
    }
  }
  useBarcodeWedge((c) => void add(c));

  return (
    <div className="stack">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void add(code);
          setCode("");
        }}
      >
        <label className="grow">
          {t("pos.sell.scan")}
          <input value={code} onChange={(e) => setCode(e.target.value)} data-wedge="box" data-testid="lines-scan" placeholder={t("pos.sell.scanHint")} />
        </label>
        <button type="submit" className="secondary">
          {t("pos.sell.add")}
        </button>
      </form>
      <ErrorBanner error={error} />
      <ul className="list">
        {lines.map((l) => (
          <li key={l.sku} className="row spread" data-testid="movement-line">
            <span className="grow">
              {names[l.sku] ?? l.sku} <span className="muted small">{l.sku}</span>
            </span>
            <input
              type="number"
              className="qty"
              min={signed ? undefined : 0}
              value={l.quantity}
              aria-label={t("pos.sell.qty")}
              onChange={(e) => setLines(lines.map((x) => (x === l ? { ...x, quantity: Math.trunc(Number(e.target.value) || 0) } : x)))}
            />
            <button className="link bad" onClick={() => setLines(lines.filter((x) => x !== l))}>
              {t("pos.sell.remove")}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function MovementForm({ form, ctx, onDone }: { form: Exclude<Form, "transfer_in">; ctx: PosContext; onDone: () => void }) {
  const { t } = useI18n();
  const [lines, setLines] = useState<SkuQuantity[]>([]);
  const [source, setSource] = useState("");
  const [reason, setReason] = useState("");
  const [toStore, setToStore] = useState("");
  const [stores, setStores] = useState<TransferList["stores"]>([]);
  const { error, showError } = useCommandError();

  useEffect(() => {
    if (form === "transfer_out") commands.storeTransfers(ctx.storeId).then((s) => setStores(s.data.stores)).catch((e) => showError(e));
  }, [form, ctx.storeId]);

  const positive = lines.filter((l) => l.quantity > 0);
  let action: StoreAction | null = null;
  if (form === "receipt" && positive.length > 0 && source.trim()) action = { type: "receipt", lines: positive, source: source.trim() };
  if (form === "transfer_out" && positive.length > 0 && toStore)
    action = { type: "transfer_out", transfer_id: newId(), to_store: toStore, lines: positive };
  if (form === "stock_count" && lines.length > 0)
    action = { type: "stock_count", counted: lines.map((l) => ({ sku: l.sku, quantity: Math.max(0, l.quantity) })) };
  if (form === "adjustment" && lines.length === 1 && lines[0].quantity !== 0 && reason.trim())
    action = { type: "adjustment", sku: lines[0].sku, quantity: lines[0].quantity, reason: reason.trim() };

  async function submit() {
    if (!action) return;
    try {
      await commands.recordStoreOp(ctx.storeId, action);
      onDone();
    } catch (e) {
      showError(e);
    }
  }

  return (
    <div className="card form" data-testid="movement-form">
      <h2>{t(`pos.stock.form.${form}` as MessageKey)}</h2>
      <p className="muted small">{t(`pos.stock.help.${form}` as MessageKey)}</p>
      {form === "receipt" && (
        <label>
          {t("pos.stock.source")}
          <input value={source} onChange={(e) => setSource(e.target.value)} data-testid="receipt-source" placeholder={t("pos.stock.sourceHint")} />
        </label>
      )}
      {form === "transfer_out" && (
        <label>
          {t("pos.stock.toStore")}
          <select value={toStore} onChange={(e) => setToStore(e.target.value)} data-testid="transfer-to">
            <option value="">—</option>
            {stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.code} {s.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <LinesEditor lines={lines} setLines={setLines} signed={form === "adjustment"} />
      {form === "adjustment" && (
        <label>
          {t("pos.stock.reason")}
          <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="adjust-reason" />
        </label>
      )}
      {form === "adjustment" && lines.length > 1 && <p className="banner error">{t("pos.stock.oneSku")}</p>}
      <ErrorBanner error={error} />
      <button disabled={!action} onClick={() => void submit()} data-testid="movement-submit">
        {t("pos.stock.submit")}
      </button>
    </div>
  );
}

function IncomingTransfers({ ctx, onDone }: { ctx: PosContext; onDone: () => void }) {
  const { t, time } = useI18n();
  const [list, setList] = useState<OpenTransfer[] | null>(null);
  const [stores, setStores] = useState<TransferList["stores"]>([]);
  const { error, showError } = useCommandError();
  const names = useSkuNames((list ?? []).flatMap((tr) => tr.lines.map((l) => l.sku)));

  useEffect(() => {
    commands
      .storeTransfers(ctx.storeId)
      .then((s) => (setList(s.data.incoming), setStores(s.data.stores)))
      .catch((e) => showError(e));
  }, [ctx.storeId]);

  async function receive(id: string) {
    try {
      await commands.recordStoreOp(ctx.storeId, { type: "transfer_in", transfer_id: id });
      onDone();
    } catch (e) {
      showError(e);
    }
  }

  return (
    <div className="card form">
      <h2>{t("pos.stock.form.transfer_in")}</h2>
      <ErrorBanner error={error} />
      {list?.length === 0 && <p className="muted">{t("pos.stock.noIncoming")}</p>}
      <ul className="list">
        {(list ?? []).map((tr) => (
          <li key={tr.transfer_id} className="row spread" data-testid="incoming-transfer">
            <span className="grow">
              {t("pos.stock.from", { store: stores.find((s) => s.id === tr.from_store)?.name ?? tr.from_store, time: time(tr.sent_at) })}
              <br />
              <span className="muted small">{tr.lines.map((l) => `${names[l.sku] ?? l.sku} × ${l.quantity}`).join(", ")}</span>
            </span>
            <button onClick={() => void receive(tr.transfer_id)}>{t("pos.stock.receive")}</button>
          </li>
        ))}
      </ul>
    </div>
  );
}
