// A dealer's order being written: a pure reducer over the draft the core keeps on the device
// (`OrderDraft`), so that every edit is saved offline as it is made. Prices and problems come from
// the server's quote and are only shown beside the lines; nothing here decides a price.
import type { OrderDraft, OrderLineDraft, OrderStatus, Quote, Shortfall } from "../../ipc/types";

export type DraftAction =
  | { type: "add"; sku: string; quantity: number }
  | { type: "set_quantity"; sku: string; quantity: number }
  | { type: "set_asked_price"; sku: string; price: number | null }
  | { type: "remove"; sku: string }
  /** Pasted lines (already read by the core's quick-order rule) added to the cart. */
  | { type: "merge"; lines: OrderLineDraft[] }
  | { type: "ship_to"; store: string }
  | { type: "shortfall"; shortfall: Shortfall }
  | { type: "note"; note: string };

export const MAX_QUANTITY = 1_000_000;

export function newDraft(id: string, dealerId: string, shipTo: string | undefined, now: number): OrderDraft {
  return { id, dealer_id: dealerId, ship_to: shipTo, lines: [], shortfall: "back_order", note: "", state: "draft", updated_at: Math.floor(now) };
}

/** A reorder: the lines of a past order in a new draft. */
export function reorder(id: string, dealerId: string, shipTo: string, lines: { sku: string; quantity: number }[], now: number): OrderDraft {
  return { ...newDraft(id, dealerId, shipTo, now), lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) };
}

const clamp = (q: number) => Math.max(1, Math.min(MAX_QUANTITY, Math.floor(q)));
const norm = (sku: string) => sku.trim().toUpperCase();

export function draftReducer(draft: OrderDraft, action: DraftAction): OrderDraft {
  const lines = draft.lines;
  switch (action.type) {
    case "add": {
      const sku = norm(action.sku);
      if (!sku || !(action.quantity > 0)) return draft;
      const at = lines.findIndex((l) => l.sku === sku);
      if (at < 0) return { ...draft, lines: [...lines, { sku, quantity: clamp(action.quantity) }] };
      return { ...draft, lines: lines.map((l, i) => (i === at ? { ...l, quantity: clamp(l.quantity + action.quantity) } : l)) };
    }
    case "set_quantity":
      if (!(action.quantity > 0)) return { ...draft, lines: lines.filter((l) => l.sku !== action.sku) };
      return { ...draft, lines: lines.map((l) => (l.sku === action.sku ? { ...l, quantity: clamp(action.quantity) } : l)) };
    case "set_asked_price":
      return {
        ...draft,
        lines: lines.map((l) => {
          if (l.sku !== action.sku) return l;
          const { asked_price: _, ...rest } = l;
          return action.price != null && action.price > 0 ? { ...rest, asked_price: action.price } : rest;
        }),
      };
    case "remove":
      return { ...draft, lines: lines.filter((l) => l.sku !== action.sku) };
    case "merge":
      return action.lines.reduce((d, l) => draftReducer(d, { type: "add", sku: l.sku, quantity: l.quantity }), draft);
    case "ship_to":
      return { ...draft, ship_to: action.store };
    case "shortfall":
      return { ...draft, shortfall: action.shortfall };
    case "note":
      return { ...draft, note: action.note.slice(0, 500) };
  }
}

/** The quote's line and problem for each SKU of the draft (by SKU: a quote is of the lines it was asked). */
export function quoted(quote: Quote | null, sku: string) {
  return {
    line: quote?.lines.find((l) => l.sku === sku) ?? null,
    problem: quote?.problems.find((p) => p.sku === sku) ?? null,
  };
}

/** Whether the quote was made of exactly the draft's lines as they are now. */
export function quoteIsCurrent(quote: Quote | null, draft: OrderDraft): boolean {
  if (!quote) return false;
  const asked = quote.lines.length + quote.problems.length;
  return (
    asked === draft.lines.length &&
    draft.lines.every((l) => {
      const q = quoted(quote, l.sku);
      return q.problem != null || (q.line != null && q.line.quantity === l.quantity && (l.asked_price == null || q.line.unit_price <= l.asked_price));
    })
  );
}

/** Statuses in the order they come, for a timeline. */
export const STATUS_ORDER: OrderStatus[] = [
  "price_review",
  "credit_review",
  "confirmed",
  "allocated",
  "partly_shipped",
  "shipped",
  "received",
  "invoiced",
];

/** Statuses that wait for someone: the dealer sees them highlighted. */
export function waits(status: OrderStatus): boolean {
  return status === "price_review" || status === "credit_review";
}
