// Selling: scan (a keyboard-wedge scanner anywhere on the screen, or the scan box), search, serial
// numbers for serialised products, quantities, line and order discounts within the promoter's
// limit, gifts from the store's gift stock, the customer by phone, payments split across methods
// with change, the bundle offer of add-ons (`CounterOfferCard`), and the receipt. The cart is a
// reducer (`cart.ts`); its parts are `CartTable`, `PaymentPanel` and `ProductSearch`. The sums and every rule come from the app core
// (`sale_totals`), the same check the sale is recorded with; nothing is computed twice here.
import { useEffect, useMemo, useReducer, useState } from "react";
import { commands } from "../../ipc/commands";
import type { SaleReceipt, TillCoupon } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, asApiError, useCommandError } from "../../ErrorBanner";
import { newId, skuLabel } from "../format";
import { useBarcodeWedge } from "./barcodeWedge";
import { ReceiptView } from "./ReceiptView";
import { CartTable } from "./CartTable";
import { PaymentPanel, type Check } from "./PaymentPanel";
import { ProductSearch } from "./ProductSearch";
import { CounterOfferCard } from "./CounterOfferCard";
import { cartReducer, draftSale, emptyCart, offerBasis } from "./cart";
import type { PosContext } from "./context";

const NO_CHECK: Check = { totals: null, problem: null, owed: null };

export function Sell({ ctx, goToShift }: { ctx: PosContext; goToShift: () => void }) {
  const { t, locale } = useI18n();
  const [cart, dispatch] = useReducer(cartReducer, emptyCart);
  const [check, setCheck] = useState<Check>(NO_CHECK);
  const { error, setError, showError } = useCommandError();
  const [scanText, setScanText] = useState("");
  const [lastScan, setLastScan] = useState<string | null>(null);
  const [done, setDone] = useState<SaleReceipt | null>(null);
  const [busy, setBusy] = useState(false);
  const [couponRefused, setCouponRefused] = useState<TillCoupon | null>(null);

  // The store's coupons and the brand's key, kept for checking codes offline; fetched when online.
  useEffect(() => {
    commands.refreshStoreCoupons(ctx.storeId).catch(() => {});
  }, [ctx.storeId]);

  /** Checks a coupon's code on this device against the cart as it is now. */
  async function applyCoupon(code: string) {
    const lines = "action" in draft && draft.action.type === "sale" ? draft.action.lines : [];
    try {
      const till = await commands.checkCoupon(ctx.storeId, code, lines);
      if (till.refused || till.off <= 0) {
        setCouponRefused(till.refused ? till : { ...till, refused: "nothing_eligible" });
        return;
      }
      setCouponRefused(null);
      dispatch({ type: "coupon", coupon: { code, off: till.off, titleZh: till.title_zh, titleEn: till.title_en } });
    } catch (e) {
      showError(e);
    }
  }

  async function add(code: string) {
    const scanned = code.trim();
    if (!scanned) return;
    // A coupon's code scanned at the till is applied, not looked up as a product.
    if (scanned.startsWith("CP1.")) return applyCoupon(scanned);
    setError(null);
    try {
      const hit = await commands.scanSku(scanned);
      setDone(null);
      setLastScan(skuLabel(hit, locale));
      dispatch({ type: "scanned", hit });
    } catch (e) {
      showError(e);
    }
  }

  useBarcodeWedge((code) => void add(code), !done);

  // The bundle offer for what is in the cart, asked again when the cart's products change (not
  // when the customer takes an add-on from it). Offline, the app core makes one itself.
  const basis = offerBasis(cart).join("\n");
  useEffect(() => {
    if (!basis || cart.giftMode) return;
    let current = true;
    const timer = window.setTimeout(() => {
      commands
        .checkoutOffer(ctx.storeId, basis.split("\n"))
        .then((offer) => current && dispatch({ type: "offer", offer }))
        .catch(() => current && dispatch({ type: "offer", offer: null }));
    }, 300);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [basis, ctx.storeId, cart.giftMode]);

  async function addOffered(sku: string) {
    const offerId = cart.offer?.id;
    if (!offerId) return;
    setError(null);
    try {
      const hit = await commands.scanSku(sku);
      if (cart.giftMode) dispatch({ type: "giftMode", on: false });
      dispatch({ type: "scanned", hit });
      dispatch({ type: "acceptOffer", offerId, sku });
    } catch (e) {
      showError(e);
    }
  }

  // The sale as it would be recorded now (without its receipt number), or why it cannot be built.
  const draft = useMemo(() => draftSale(cart, ctx.shift?.shift_id ?? null), [cart, ctx.shift]);

  // The sums, what is owed and what stops the sale, all from the app core (one call per change).
  useEffect(() => {
    if (!("action" in draft) || cart.lines.length === 0) {
      setCheck(NO_CHECK);
      return;
    }
    let current = true;
    commands
      .saleTotals(draft.action)
      .then((c) => current && setCheck({ totals: c.totals, problem: c.problem, owed: c.owed }))
      .catch((e) => current && setCheck({ totals: null, problem: asApiError(e), owed: null }));
    return () => {
      current = false;
    };
  }, [draft, cart.lines.length]);

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
      dispatch({ type: "clear" });
      setLastScan(null);
      ctx.changed();
    } catch (e) {
      showError(e);
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
        {/* Scanning and finding by name side by side on a tablet, so the cart starts high. */}
        <div className="pos-inputs">
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void add(scanText);
              setScanText("");
            }}
          >
            <label className="grow">
              {cart.giftMode ? t("pos.sell.scanGift") : t("pos.sell.scan")}
              <input
                value={scanText}
                onChange={(e) => setScanText(e.target.value)}
                data-wedge="box"
                data-testid="scan-input"
                placeholder={t("pos.sell.scanHint")}
              />
            </label>
            <button type="submit" className="secondary">
              {t("pos.sell.add")}
            </button>
            <button
              type="button"
              className={cart.giftMode ? "chip active" : "chip"}
              onClick={() => dispatch({ type: "giftMode", on: !cart.giftMode })}
              data-testid="gift-mode"
              aria-pressed={cart.giftMode}
            >
              {t("pos.sell.giftMode")}
            </button>
          </form>
          <ProductSearch onPick={(code) => void add(code)} />
        </div>
        {lastScan && <p className="muted small" data-testid="last-scan">{t("pos.sell.lastScan", { name: lastScan })}</p>}
        <ErrorBanner error={error} />
        <CartTable cart={cart} dispatch={dispatch} />
        <CounterOfferCard cart={cart} dispatch={dispatch} onAdd={(sku) => void addOffered(sku)} />
      </div>
      <PaymentPanel
        cart={cart}
        dispatch={dispatch}
        check={check}
        invalid={"invalid" in draft ? draft.invalid : null}
        canCheckout={!busy && !!ctx.shift}
        onCheckout={() => void checkout()}
        onCoupon={(code) => void applyCoupon(code)}
        couponRefused={couponRefused}
      />
    </div>
  );
}
