// An e-coupon's terms in words, for the wallet, the till and the campaign desk.
import type { CouponTerms } from "../ipc/types";
import type { I18n } from "../i18n";
import { yuan } from "./format";

export function benefitText(t: I18n["t"], locale: string, terms: CouponTerms): string {
  const b = terms.benefit;
  if (b.kind === "amount_off") return t("coupon.amountOff", { amount: yuan(b.fen, locale) });
  return b.max_fen !== undefined
    ? t("coupon.percentOffCapped", { percent: b.percent, cap: yuan(b.max_fen, locale) })
    : t("coupon.percentOff", { percent: b.percent });
}

/** The conditions: minimum spend, what it applies to, until when. */
export function conditionsText(t: I18n["t"], locale: string, terms: CouponTerms, date: (unix: number) => string): string {
  const parts: string[] = [];
  if (terms.min_spend > 0) parts.push(t("coupon.minSpend", { amount: yuan(terms.min_spend, locale) }));
  if (terms.categories.length > 0 || terms.models.length > 0) {
    parts.push(t("coupon.only", { what: [...terms.categories, ...terms.models].join(", ") }));
  }
  parts.push(t("coupon.until", { date: date(terms.valid_until) }));
  return parts.join(" · ");
}
