// A demand plan's edits as the entries to send (pure, tested in tests/plan.test.mjs): only the cells
// changed, each a whole number, keyed by SKU and month.
import type { DemandPlan, DemandPlanEntry } from "../../ipc/types";

export type Edits = Record<string, string>;
export const cellKey = (sku: string, month: string) => `${sku}|${month}`;

/** The changed cells as entries, or the key of the first one that is not a whole number. */
export function planEntries(plan: DemandPlan, edits: Edits): { entries: DemandPlanEntry[]; bad: string | null } {
  const entries: DemandPlanEntry[] = [];
  for (const row of plan.rows) {
    for (const cell of row.cells) {
      const text = edits[cellKey(row.sku, cell.month)];
      if (text === undefined) continue;
      const trimmed = text.trim();
      if (!/^\d{1,7}$/.test(trimmed)) return { entries: [], bad: cellKey(row.sku, cell.month) };
      const quantity = Number(trimmed);
      if (quantity !== cell.planned) entries.push({ sku: row.sku, month: cell.month, quantity });
    }
  }
  return { entries, bad: null };
}
