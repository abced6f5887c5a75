// Selling: scan (a keyboard-wedge scanner anywhere on the screen, or the scan box), search, serial
// numbers for serialised products, quantities, line and order discounts within the promoter's
// limit, gifts from the store's gift stock, the customer by phone, payments split across methods
// with change, and the receipt. The sums and every rule come from the app core (`sale_totals`), the
// same check the sale is recorded with; nothing is computed twice here.
import { useEffect, useMemo, useRef, useState } from "react";
import { commands } from "../../ipc/commands";
import type { ApiError, PaymentMethod, ProductSummary, SaleReceipt, SkuHit, StoreAction, Totals } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, asApiError } from "../../ErrorBanner";
import { fenText, newId, skuLabel, toFen, yuan } from "../format";
import { useBarcodeWedge } from "./barcodeWedge";
import { ReceiptView } from "./ReceiptView";
import type { PosContext } from "./Pos";

interface CartLine {
  key: string;
  hit: SkuHit;
  quantity: number;
  discount: string;
  serial: string;
}

interface GiftLine {
  hit: SkuHit;
  quantity: number;
}

const METHODS: PaymentMethod[] = ["cash", "card", "qr_wallet"];

export function Sell({ ctx, goToShift }: { ctx: PosContext; goToShift: () => void }) {
  const { t, locale } = useI18n();
  const [lines, setLines] = useState<CartLine[]>([]);
  const [gifts, setGifts] = useState<GiftLine[]>([]);
  const [giftMode, setGiftMode] = useState(false);
  const [phone, setPhone] = useState("");
  const [consent, setConsent] = useState(false);
  const [orderDiscount, setOrderDiscount] = useState("");
  const [paid, setPaid] = useState<Record<PaymentMethod, string>>({ cash: "", card: "", qr_wallet: "" });
  const [totals, setTotals] = useState<Totals | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [scanText, setScanText] = useState("");
  const [lastScan, setLastScan] = useState<string | null>(null);
  const [done, setDone] = useState<SaleReceipt | null>(null);
  const [busy, setBusy] = useState(false);
  const serialRefs = useRef(new Map<string, HTMLInputElement>());
  const [focusSerial, setFocusSerial] = useState<string | null>(null);

  const name = (hit: SkuHit) => skuLabel(hit, locale);

  async function add(code: string) {
    const scanned = code.trim();
    if (!scanned) return;
    setError(null);
    try {
      const hit = await commands.scanSku(scanned);
      setDone(null);
      setLastScan(name(hit));
      if (giftMode) {
        setGifts((g) => {
          const found = g.find((x) => x.hit.sku.code === hit.sku.code);
          return found ? g.map((x) => (x === found ? { ...x, quantity: x.quantity + 1 } : x)) : [...g, { hit, quantity: 1 }];
        });
        return;
      }
      if (hit.serialised) {
        // Each serialised unit is a line of its own, with its serial number.
        const key = newId();
        setLines((l) => [...l, { key, hit, quantity: 1, discount: "", serial: "" }]);
        setFocusSerial(key);
        return;
      }
      setLines((l) => {
        const found = l.find((x) => x.hit.sku.code === hit.sku.code && !x.hit.serialised);
        return found
          ? l.map((x) => (x === found ? { ...x, quantity: x.quantity + 1 } : x))
          : [...l, { key: newId(), hit, quantity: 1, discount: "", serial: "" }];
      });
    } catch (e) {
      setError(asApiError(e));
    }
  }

  useBarcodeWedge((code) => void add(code), !done);

  useEffect(() => {
    if (focusSerial) serialRefs.current.get(focusSerial)?.focus();
  }, [focusSerial, lines]);

  // The sale as it would be recorded now (without its receipt number), or why it cannot be built.
  const draft = useMemo((): { action: StoreAction } | { invalid: MessageKey } => {
    const lineDiscounts = lines.map((l) => toFen(l.discount));
    const order = toFen(orderDiscount);
    const payments = METHODS.map((method) => ({ method, amount: toFen(paid[method]) }));
    if (lineDiscounts.some((d) => d === null) || order === null || payments.some((p) => p.amount === null)) {
      return { invalid: "pos.sell.badAmount" };
    }
    return {
      action: {
        type: "sale",
        sale_id: "00000000-0000-0000-0000-000000000000",
        shift_id: ctx.shift?.shift_id ?? "00000000-0000-0000-0000-000000000000",
        receipt_no: "draft",
        customer_phone: phone.trim() || undefined,
        customer_consent: consent,
        lines: lines.map((l, i) => ({
          sku: l.hit.sku.code,
          quantity: l.quantity,
          unit_price: l.hit.unit_price,
          discount: lineDiscounts[i]!,
          serial: l.hit.serialised ? l.serial.trim() || undefined : undefined,
        })),
        order_discount: order!,
        payments: payments.filter((p) => p.amount! > 0).map((p) => ({ method: p.method, amount: p.amount! })),
        gifts: gifts.map((g) => ({ sku: g.hit.sku.code, quantity: g.quantity })),
      },
    };
  }, [lines, gifts, phone, consent, orderDiscount, paid, ctx.shift]);

  // The sums, what is owed and what stops the sale, all from the app core (one call per change).
  const [owed, setOwed] = useState<number | null>(null);
  useEffect(() => {
    if (!("action" in draft) || lines.length === 0) {
      setTotals(null);
      setProblem(null);
      setOwed(null);
      return;
    }
    let current = true;
    commands
      .saleTotals(draft.action)
      .then((check) => {
        if (!current) return;
        setTotals(check.totals);
        setProblem(check.problem);
        setOwed(check.owed);
      })
      .catch((e) => current && (setTotals(null), setProblem(asApiError(e)), setOwed(null)));
    return () => {
      current = false;
    };
  }, [draft, lines.length]);

  const paidSoFar = METHODS.reduce((sum, m) => sum + (toFen(paid[m]) ?? 0), 0);
  const missingSerial = lines.some((l) => l.hit.serialised && !l.serial.trim());
  const phoneOk = !phone.trim() || /^\+?[\d\s-]{6,20}$/.test(phone.trim());

  function payRest(method: PaymentMethod) {
    if (owed === null) return;
    const others = METHODS.filter((m) => m !== method).reduce((sum, m) => sum + (toFen(paid[m]) ?? 0), 0);
    setPaid({ ...paid, [method]: fenText(Math.max(0, owed - others)) });
  }

  async function checkout() {
    if (!("action" in draft) || draft.action.type !== "sale" || !ctx.shift) return;
    setBusy(true);
    setError(null);
    try {
      const receiptNo = await commands.nextReceiptNo();
      const saleId = newId();
      await commands.recordStoreOp(ctx.storeId, { ...draft.action, sale_id: saleId, receipt_no: receiptNo });
      const receipts = await commands.posReceipts();
      setDone(receipts.find((r) => r.sale_id === saleId) ?? null);
      setLines([]);
      setGifts([]);
      setPhone("");
      setConsent(false);
      setOrderDiscount("");
      setPaid({ cash: "", card: "", qr_wallet: "" });
      setGiftMode(false);
      setLastScan(null);
      ctx.changed();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <div className="stack">
        <p className="banner info" data-testid="sale-done">
          {done.pending ? t("pos.sell.savedOffline") : t("pos.sell.saved")}
        </p>
        <ReceiptView receipt={done} storeName={ctx.storeName} />
        <button onClick={() => setDone(null)} data-testid="new-sale">
          {t("pos.sell.next")}
        </button>
      </div>
    );
  }

  return (
    <div className="pos-sell">
      <div className="stack">
        {!ctx.shift && (
          <p className="banner warning" data-testid="no-shift">
            {t("pos.sell.noShift")}{" "}
            <button className="link" onClick={goToShift}>
              {t("pos.shift.open")}
            </button>
          </p>
        )}
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void add(scanText);
            setScanText("");
          }}
        >
          <label className="grow">
            {giftMode ? t("pos.sell.scanGift") : t("pos.sell.scan")}
            <input
              value={scanText}
              onChange={(e) => setScanText(e.target.value)}
              data-wedge="box"
              data-testid="scan-input"
              inputMode="numeric"
              placeholder={t("pos.sell.scanHint")}
            />
          </label>
          <button type="submit" className="secondary">
            {t("pos.sell.add")}
          </button>
          <button
            type="button"
            className={giftMode ? "chip active" : "chip"}
            onClick={() => setGiftMode(!giftMode)}
            data-testid="gift-mode"
            aria-pressed={giftMode}
          >
            {t("pos.sell.giftMode")}
          </button>
        </form>
        {lastScan && <p className="muted" data-testid="last-scan">{t("pos.sell.lastScan", { name: lastScan })}</p>}
        <ErrorBanner error={error} />
        <ProductSearch onPick={(code) => void add(code)} />

        <div className="card">
          <h2>{t("pos.sell.cart")}</h2>
          {lines.length === 0 ? (
            <p className="muted">{t("pos.sell.empty")}</p>
          ) : (
            <div className="table-wrap">
              <table className="cart" data-testid="cart">
                <thead>
                  <tr>
                    <th>{t("pos.sell.item")}</th>
                    <th>{t("pos.sell.price")}</th>
                    <th>{t("pos.sell.qty")}</th>
                    <th>{t("pos.sell.lineDiscount")}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {lines.map((l) => (
                    <tr key={l.key} data-testid="cart-line" data-sku={l.hit.sku.code}>
                      <td>
                        {name(l.hit)}
                        <div className="muted small">{l.hit.sku.code}</div>
                        {l.hit.serialised && (
                          <input
                            ref={(el) => {
                              if (el) serialRefs.current.set(l.key, el);
                              else serialRefs.current.delete(l.key);
                            }}
                            className={l.serial.trim() ? "serial" : "serial missing"}
                            value={l.serial}
                            data-wedge="off"
                            data-testid="serial-input"
                            placeholder={t("pos.sell.serial")}
                            aria-label={t("pos.sell.serial")}
                            onChange={(e) =>
                              setLines(lines.map((x) => (x.key === l.key ? { ...x, serial: e.target.value } : x)))
                            }
                          />
                        )}
                      </td>
                      <td className="num">{yuan(l.hit.unit_price, locale)}</td>
                      <td className="num">
                        {l.hit.serialised ? (
                          1
                        ) : (
                          <span className="stepper">
                            <button
                              className="secondary"
                              aria-label="-"
                              onClick={() =>
                                setLines(lines.map((x) => (x.key === l.key ? { ...x, quantity: Math.max(1, x.quantity - 1) } : x)))
                              }
                            >
                              −
                            </button>
                            <span data-testid="qty">{l.quantity}</span>
                            <button
                              className="secondary"
                              aria-label="+"
                              onClick={() => setLines(lines.map((x) => (x.key === l.key ? { ...x, quantity: x.quantity + 1 } : x)))}
                            >
                              +
                            </button>
                          </span>
                        )}
                      </td>
                      <td>
                        <input
                          className="money"
                          value={l.discount}
                          inputMode="decimal"
                          aria-label={t("pos.sell.lineDiscount")}
                          data-testid="line-discount"
                          onChange={(e) => setLines(lines.map((x) => (x.key === l.key ? { ...x, discount: e.target.value } : x)))}
                        />
                      </td>
                      <td>
                        <button className="link bad" onClick={() => setLines(lines.filter((x) => x.key !== l.key))}>
                          {t("pos.sell.remove")}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {gifts.length > 0 && (
            <>
              <h3>{t("pos.sell.gifts")}</h3>
              <ul className="list" data-testid="gifts">
                {gifts.map((g) => (
                  <li key={g.hit.sku.code} className="row spread">
                    <span>
                      🎁 {name(g.hit)} × {g.quantity}
                    </span>
                    <button className="link bad" onClick={() => setGifts(gifts.filter((x) => x !== g))}>
                      {t("pos.sell.remove")}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </div>

      <div className="stack pos-pay">
        <div className="card form">
          <h2>{t("pos.sell.customer")}</h2>
          <label>
            {t("field.phone")}
            <input
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              inputMode="tel"
              data-testid="customer-phone"
              placeholder={t("pos.sell.phoneHint")}
            />
          </label>
          {!phoneOk && <p className="banner error">{t("error.invalid_phone")}</p>}
          <label className="check">
            <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} data-testid="customer-consent" />
            {t("pos.sell.consent")}
          </label>
        </div>

        <div className="card form">
          <h2>{t("pos.sell.payment")}</h2>
          <label>
            {t("pos.sell.orderDiscount")}
            <input
              className="money"
              value={orderDiscount}
              onChange={(e) => setOrderDiscount(e.target.value)}
              inputMode="decimal"
              data-testid="order-discount"
            />
          </label>
          <p className="total" data-testid="amount-owed" data-owed={owed ?? ""}>
            {t("pos.sell.owed")}: <b>{owed === null ? "—" : yuan(owed, locale)}</b>
          </p>
          {METHODS.map((m) => (
            <div className="row" key={m}>
              <label className="grow">
                {t(`pos.pay.${m}` as MessageKey)}
                <input
                  className="money"
                  value={paid[m]}
                  inputMode="decimal"
                  data-testid={`pay-${m}`}
                  onChange={(e) => setPaid({ ...paid, [m]: e.target.value })}
                />
              </label>
              <button className="secondary" onClick={() => payRest(m)} disabled={owed === null} data-testid={`pay-rest-${m}`}>
                {t("pos.sell.payRest")}
              </button>
            </div>
          ))}
          {totals && (
            <dl className="sums" data-testid="sums">
              <dt>{t("pos.sell.gross")}</dt>
              <dd>{yuan(totals.gross, locale)}</dd>
              <dt>{t("pos.sell.discounts")}</dt>
              <dd>−{yuan(totals.discounts, locale)}</dd>
              <dt>{t("pos.sell.total")}</dt>
              <dd>
                <b>{yuan(totals.total, locale)}</b>
              </dd>
              <dt>{t("pos.sell.change")}</dt>
              <dd data-testid="change" data-change={totals.change}>
                <b>{yuan(totals.change, locale)}</b>
              </dd>
            </dl>
          )}
          {"invalid" in draft && <p className="banner error">{t(draft.invalid)}</p>}
          {owed !== null && paidSoFar < owed && (
            <p className="muted" data-testid="still-to-pay">
              {t("pos.sell.stillToPay", { amount: yuan(owed - paidSoFar, locale) })}
            </p>
          )}
          {/* Short payments show as "still to pay"; any other broken rule is shown as it is. */}
          {problem && (owed === null || paidSoFar >= owed || problem.code === "discount_above_limit") && (
            <ErrorBanner error={problem} />
          )}
          {missingSerial && <p className="muted">{t("pos.sell.serialNeeded")}</p>}
          <button
            className="big"
            disabled={busy || !ctx.shift || !totals || missingSerial || !phoneOk}
            onClick={() => void checkout()}
            data-testid="checkout"
          >
            {t("pos.sell.checkout")}
          </button>
        </div>
      </div>
    </div>
  );
}

/** Finding a product by name or model when there is nothing to scan; picking one of its SKUs adds it. */
function ProductSearch({ onPick }: { onPick: (skuCode: string) => void }) {
  const { t, locale } = useI18n();
  const [text, setText] = useState("");
  const [items, setItems] = useState<ProductSummary[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [skus, setSkus] = useState<{ code: string; label: string; price: number }[]>([]);

  useEffect(() => {
    if (text.trim().length === 0) {
      setItems([]);
      return;
    }
    let current = true;
    commands
      .searchProducts({ text, specs: [], tags: [], lifecycles: [], sort: "relevance", limit: 8, offset: 0 })
      .then((r) => current && setItems(r.items.filter((p) => !p.withdrawn)))
      .catch(() => current && setItems([]));
    return () => {
      current = false;
    };
  }, [text]);

  async function expand(model: string) {
    setOpen(model);
    const view = await commands.productView(model).catch(() => null);
    setSkus(
      (view?.product.skus ?? []).map((s) => ({
        code: s.code,
        label: locale === "en" ? s.variant_en : s.variant_zh,
        price: s.list_price,
      })),
    );
  }

  return (
    <div className="stack">
      <label>
        {t("pos.sell.search")}
        <input value={text} onChange={(e) => setText(e.target.value)} data-testid="pos-search" placeholder={t("catalog.search")} />
      </label>
      {items.length > 0 && (
        <ul className="list" data-testid="pos-search-results">
          {items.map((p) => (
            <li key={p.model} className="card">
              <button className="plain" onClick={() => void expand(p.model)}>
                <b>{locale === "en" ? p.name_en : p.name_zh}</b>
                <span className="muted">
                  {p.model} · {yuan(p.price, locale)}
                </span>
              </button>
              {open === p.model && (
                <div className="chips">
                  {skus.map((s) => (
                    <button
                      key={s.code}
                      className="chip"
                      data-testid="pos-pick-sku"
                      onClick={() => {
                        onPick(s.code);
                        setText("");
                        setOpen(null);
                      }}
                    >
                      {s.label} · {yuan(s.price, locale)}
                    </button>
                  ))}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
