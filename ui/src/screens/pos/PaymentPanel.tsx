// The customer and the payment at the point of sale: the phone and consent, the order discount,
// what is owed, the payments split across methods, the sums and the checkout button.
import { useRef, useState, type Dispatch } from "react";
import type { ApiError, TillCoupon, Totals } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner } from "../../ErrorBanner";
import { yuan } from "../format";
import { useBottomBar } from "../BottomBars";
import { METHODS, missingSerial, paidSoFar, phoneLooksRight, type Cart, type CartAction } from "./cart";

export interface Check {
  totals: Totals | null;
  problem: ApiError | null;
  owed: number | null;
}

export function PaymentPanel({
  cart,
  dispatch,
  check,
  invalid,
  canCheckout,
  onCheckout,
  onCoupon,
  couponRefused,
}: {
  cart: Cart;
  dispatch: Dispatch<CartAction>;
  check: Check;
  invalid: MessageKey | null;
  canCheckout: boolean;
  onCheckout: () => void;
  /** Checks a coupon's code on this device for the cart as it is. */
  onCoupon: (code: string) => void;
  /** Why the last code checked does not apply. */
  couponRefused: TillCoupon | null;
}) {
  const { t, locale } = useI18n();
  const [couponCode, setCouponCode] = useState("");
  const { totals, problem, owed } = check;
  const paid = paidSoFar(cart);
  const phoneOk = phoneLooksRight(cart);
  const serialMissing = missingSerial(cart);
  // Fixed at the bottom until cart and payment fit side by side: the sale leaves room for it.
  const payBar = useRef<HTMLDivElement>(null);
  useBottomBar(payBar, "--pay-bar-height");
  return (
    <div className="stack pos-pay">
      <div className="card form">
        <h2>{t("pos.sell.customer")}</h2>
        <label>
          {t("field.phone")}
          <input
            value={cart.phone}
            onChange={(e) => dispatch({ type: "phone", phone: e.target.value })}
            inputMode="tel"
            data-testid="customer-phone"
            placeholder={t("pos.sell.phoneHint")}
          />
        </label>
        {!phoneOk && <p className="banner error">{t("error.invalid_phone")}</p>}
        <label className="check">
          <input
            type="checkbox"
            checked={cart.consent}
            onChange={(e) => dispatch({ type: "consent", consent: e.target.checked })}
            data-testid="customer-consent"
          />
          {t("pos.sell.consent")}
        </label>
      </div>

      <div className="card form">
        <h2>{t("pos.sell.payment")}</h2>
        <label>
          {t("pos.sell.orderDiscount")}
          <input
            className="money"
            value={cart.orderDiscount}
            onChange={(e) => dispatch({ type: "orderDiscount", discount: e.target.value })}
            inputMode="decimal"
            data-testid="order-discount"
          />
        </label>
        {cart.coupon ? (
          <p className="row spread" data-testid="coupon-applied" data-off={cart.coupon.off}>
            <span>
              {t("pos.coupon.applied", {
                title: locale === "en" ? cart.coupon.titleEn : cart.coupon.titleZh,
                amount: yuan(cart.coupon.off, locale),
              })}
            </span>
            <button className="link" onClick={() => dispatch({ type: "coupon", coupon: null })} data-testid="coupon-remove">
              {t("pos.coupon.remove")}
            </button>
          </p>
        ) : (
          <form className="row" onSubmit={(e) => (e.preventDefault(), couponCode.trim() && onCoupon(couponCode.trim()))}>
            <label className="grow">
              {t("pos.coupon.code")}
              <input value={couponCode} maxLength={200} onChange={(e) => setCouponCode(e.target.value)} data-testid="coupon-code" />
            </label>
            <button className="secondary" type="submit" disabled={couponCode.trim() === "" || cart.lines.length === 0} data-testid="coupon-apply">
              {t("pos.coupon.apply")}
            </button>
          </form>
        )}
        {couponRefused?.refused && !cart.coupon && (
          <p className="banner error" role="alert" data-testid="coupon-refused" data-reason={couponRefused.refused}>
            {t(`pos.coupon.refused.${couponRefused.refused}` as MessageKey, { needed: yuan(couponRefused.needed ?? 0, locale) })}
          </p>
        )}
        {METHODS.map((m) => (
          <div className="row" key={m}>
            <label className="grow">
              {t(`pos.pay.${m}` as MessageKey)}
              <input
                className="money"
                value={cart.paid[m]}
                inputMode="decimal"
                data-testid={`pay-${m}`}
                onChange={(e) => dispatch({ type: "paid", method: m, amount: e.target.value })}
              />
            </label>
            <button
              className="secondary"
              onClick={() => owed !== null && dispatch({ type: "payRest", method: m, owed })}
              disabled={owed === null}
              data-testid={`pay-rest-${m}`}
            >
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
        {invalid && <p className="banner error">{t(invalid)}</p>}
        {/* Short payments show as "still to pay"; any other broken rule is shown as it is. */}
        {problem && (owed === null || paid >= owed || problem.code === "discount_above_limit") && <ErrorBanner error={problem} />}
        {serialMissing && <p className="muted">{t("pos.sell.serialNeeded")}</p>}
        {/* What is owed and the pay button stay in view however long the form (sticky at the bottom). */}
        <div className="pay-bar" ref={payBar}>
          <p className="total" data-testid="amount-owed" data-owed={owed ?? ""}>
            {t("pos.sell.owed")} <b>{owed === null ? "—" : yuan(owed, locale)}</b>
          </p>
          {owed !== null && paid < owed && (
            <p className="muted" data-testid="still-to-pay">
              {t("pos.sell.stillToPay", { amount: yuan(owed - paid, locale) })}
            </p>
          )}
          <button
            className="big"
            disabled={!canCheckout || !totals || serialMissing || !phoneOk}
            onClick={onCheckout}
            data-testid="checkout"
          >
            {t("pos.sell.checkout")}
          </button>
        </div>
      </div>
    </div>
  );
}
