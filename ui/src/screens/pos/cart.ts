// The point of sale's cart: what the promoter has put together for one sale, changed only by the
// actions below (a reducer, no I/O), and the sale it would be recorded as. The sums and every rule
// are the app core's (`sale_totals`); this only holds what was typed and scanned.
import type { CounterOfferView, PaymentMethod, SkuHit, StoreAction } from "../../ipc/types";
import type { MessageKey } from "../../i18n";
import { fenText, newId, toFen } from "../format";

export const METHODS: PaymentMethod[] = ["cash", "card", "qr_wallet"];

export interface CartLine {
  key: string;
  hit: SkuHit;
  quantity: number;
  /** As typed, in yuan. */
  discount: string;
  serial: string;
}

/** An e-coupon the till checked for this cart: what it takes off goes into the order discount. */
export interface AppliedCoupon {
  code: string;
  off: number;
  titleZh: string;
  titleEn: string;
}

export interface GiftLine {
  hit: SkuHit;
  quantity: number;
}

export interface Cart {
  lines: CartLine[];
  gifts: GiftLine[];
  /** Scans add gifts rather than lines. */
  giftMode: boolean;
  phone: string;
  consent: boolean;
  orderDiscount: string;
  paid: Record<PaymentMethod, string>;
  /** The line whose serial field should take the focus (a serialised unit just scanned). */
  focusSerial: string | null;
  /** The bundle offer on screen for this cart; it goes with the sale as shown. */
  offer: CounterOfferView | null;
  /** SKUs of the offer the customer accepted. */
  accepted: string[];
  /** The promoter put the offer away ("not now"): still recorded as shown, if it was. */
  offerDismissed: boolean;
  /** Checked against the lines as they were: a change to the lines takes it off, to be applied again. */
  coupon: AppliedCoupon | null;
}

export const emptyCart: Cart = {
  lines: [],
  gifts: [],
  giftMode: false,
  phone: "",
  consent: false,
  orderDiscount: "",
  paid: { cash: "", card: "", qr_wallet: "" },
  focusSerial: null,
  offer: null,
  accepted: [],
  offerDismissed: false,
  coupon: null,
};

export type CartAction =
  | { type: "scanned"; hit: SkuHit; key?: string }
  | { type: "serial"; key: string; serial: string }
  | { type: "step"; key: string; by: 1 | -1 }
  | { type: "lineDiscount"; key: string; discount: string }
  | { type: "removeLine"; key: string }
  | { type: "removeGift"; sku: string }
  | { type: "giftMode"; on: boolean }
  | { type: "phone"; phone: string }
  | { type: "consent"; consent: boolean }
  | { type: "orderDiscount"; discount: string }
  | { type: "paid"; method: PaymentMethod; amount: string }
  | { type: "payRest"; method: PaymentMethod; owed: number }
  | { type: "offer"; offer: CounterOfferView | null }
  | { type: "acceptOffer"; offerId: string; sku: string }
  | { type: "dismissOffer" }
  | { type: "coupon"; coupon: AppliedCoupon | null }
  | { type: "clear" };

/** Actions that change what the lines come to: a coupon checked before no longer holds. */
const CHANGES_LINES: CartAction["type"][] = ["scanned", "step", "lineDiscount", "removeLine"];

export function cartReducer(cart: Cart, action: CartAction): Cart {
  const next = apply(cart, action);
  return next.coupon && CHANGES_LINES.includes(action.type) && !(action.type === "scanned" && cart.giftMode)
    ? { ...next, coupon: null }
    : next;
}

function apply(cart: Cart, action: CartAction): Cart {
  switch (action.type) {
    case "scanned": {
      const { hit } = action;
      if (cart.giftMode) {
        const found = cart.gifts.find((g) => g.hit.sku.code === hit.sku.code);
        const gifts = found
          ? cart.gifts.map((g) => (g === found ? { ...g, quantity: g.quantity + 1 } : g))
          : [...cart.gifts, { hit, quantity: 1 }];
        return { ...cart, gifts };
      }
      if (hit.serialised) {
        // Each serialised unit is a line of its own, with its serial number.
        const key = action.key ?? newId();
        return { ...cart, lines: [...cart.lines, { key, hit, quantity: 1, discount: "", serial: "" }], focusSerial: key };
      }
      const found = cart.lines.find((l) => l.hit.sku.code === hit.sku.code && !l.hit.serialised);
      const lines = found
        ? cart.lines.map((l) => (l === found ? { ...l, quantity: l.quantity + 1 } : l))
        : [...cart.lines, { key: action.key ?? newId(), hit, quantity: 1, discount: "", serial: "" }];
      return { ...cart, lines };
    }
    case "serial":
      return { ...cart, lines: cart.lines.map((l) => (l.key === action.key ? { ...l, serial: action.serial } : l)) };
    case "step":
      return {
        ...cart,
        lines: cart.lines.map((l) =>
          l.key === action.key && !l.hit.serialised ? { ...l, quantity: Math.max(1, l.quantity + action.by) } : l,
        ),
      };
    case "lineDiscount":
      return { ...cart, lines: cart.lines.map((l) => (l.key === action.key ? { ...l, discount: action.discount } : l)) };
    case "removeLine":
      return { ...cart, lines: cart.lines.filter((l) => l.key !== action.key) };
    case "removeGift":
      return { ...cart, gifts: cart.gifts.filter((g) => g.hit.sku.code !== action.sku) };
    case "giftMode":
      return { ...cart, giftMode: action.on };
    case "phone":
      return { ...cart, phone: action.phone };
    case "consent":
      return { ...cart, consent: action.consent };
    case "orderDiscount":
      return { ...cart, orderDiscount: action.discount };
    case "paid":
      return { ...cart, paid: { ...cart.paid, [action.method]: action.amount } };
    case "payRest": {
      // What the other methods do not cover, on this one.
      const others = METHODS.filter((m) => m !== action.method).reduce((sum, m) => sum + (toFen(cart.paid[m]) ?? 0), 0);
      return { ...cart, paid: { ...cart.paid, [action.method]: fenText(Math.max(0, action.owed - others)) } };
    }
    case "offer":
      // Once the customer took something, or the promoter put it away, the offer they saw stays
      // the one recorded (and away stays away for this sale).
      if (cart.accepted.length > 0 || cart.offerDismissed) return cart;
      return { ...cart, offer: action.offer };
    case "acceptOffer":
      // Taken from the offer on screen when "Add" was pressed: if another came meanwhile, the
      // line stays in the cart but is not counted as taken from the new one.
      if (cart.offer?.id !== action.offerId || !cart.offer.items.some((i) => i.sku === action.sku)) return cart;
      if (cart.accepted.includes(action.sku)) return cart;
      return { ...cart, accepted: [...cart.accepted, action.sku] };
    case "dismissOffer":
      return { ...cart, offerDismissed: true };
    case "coupon":
      return { ...cart, coupon: action.coupon };
    case "clear":
      return emptyCart;
  }
}

const NO_ID = "00000000-0000-0000-0000-000000000000";

/** The sale the cart would be recorded as (with no id or receipt number yet), or why it cannot be built. */
export function draftSale(cart: Cart, shiftId: string | null): { action: StoreAction } | { invalid: MessageKey } {
  const lineDiscounts = cart.lines.map((l) => toFen(l.discount));
  const order = toFen(cart.orderDiscount);
  const payments = METHODS.map((method) => ({ method, amount: toFen(cart.paid[method]) }));
  if (lineDiscounts.some((d) => d === null) || order === null || payments.some((p) => p.amount === null)) {
    return { invalid: "pos.sell.badAmount" };
  }
  return {
    action: {
      type: "sale",
      sale_id: NO_ID,
      shift_id: shiftId ?? NO_ID,
      receipt_no: "draft",
      customer_phone: cart.phone.trim() || undefined,
      customer_consent: cart.consent,
      lines: cart.lines.map((l, i) => ({
        sku: l.hit.sku.code,
        quantity: l.quantity,
        unit_price: l.hit.unit_price,
        discount: lineDiscounts[i]!,
        serial: l.hit.serialised ? l.serial.trim() || undefined : undefined,
      })),
      order_discount: order! + (cart.coupon?.off ?? 0),
      payments: payments.filter((p) => p.amount! > 0).map((p) => ({ method: p.method, amount: p.amount! })),
      gifts: cart.gifts.map((g) => ({ sku: g.hit.sku.code, quantity: g.quantity })),
      offer: cart.offer && cart.offer.items.length > 0
        ? { recommendation: cart.offer.id, shown: cart.offer.items.map((i) => i.sku), accepted: cart.accepted }
        : undefined,
      coupon: cart.coupon ? { code: cart.coupon.code, off: cart.coupon.off } : undefined,
    },
  };
}

/** The SKUs an offer is asked for: the cart's lines, less the add-ons the customer took from it. */
export function offerBasis(cart: Cart): string[] {
  const skus = cart.lines.map((l) => l.hit.sku.code).filter((sku) => !cart.accepted.includes(sku));
  return [...new Set(skus)].sort();
}

/** What the promoter has typed as paid, in fen (amounts that do not parse count as nothing). */
export function paidSoFar(cart: Cart): number {
  return METHODS.reduce((sum, m) => sum + (toFen(cart.paid[m]) ?? 0), 0);
}

/** A serialised unit without its serial number: the sale waits for it. */
export function missingSerial(cart: Cart): boolean {
  return cart.lines.some((l) => l.hit.serialised && !l.serial.trim());
}

/** Empty, or something that looks like a phone number (the core checks it properly). */
export function phoneLooksRight(cart: Cart): boolean {
  const phone = cart.phone.trim();
  return !phone || /^\+?[\d\s-]{6,20}$/.test(phone);
}
