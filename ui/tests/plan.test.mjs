// The demand plan's edits (src/screens/orders/plan.ts), run as they are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "plan-test-"));
const source = readFileSync(new URL("../src/screens/orders/plan.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
writeFileSync(join(dir, "plan.mjs"), js.outputText);
const { planEntries, cellKey } = await import(join(dir, "plan.mjs"));

const cell = (month, planned) => ({ month, suggested: 40, recent_pace: 40, season_percent: 100, planned });
const plan = {
  dealer_id: "d",
  history_months: [],
  months: ["2026-12", "2027-01"],
  rows: [{ sku: "TV-55", name: "", history: [], cells: [cell("2026-12", 30), cell("2027-01", undefined)] }],
};

test("only changed cells are sent", () => {
  const edits = { [cellKey("TV-55", "2026-12")]: "30", [cellKey("TV-55", "2027-01")]: " 45 " };
  assert.deepEqual(planEntries(plan, edits), { entries: [{ sku: "TV-55", month: "2027-01", quantity: 45 }], bad: null });
});

test("a cell that is not a whole number stops the save and is named", () => {
  for (const text of ["-1", "1.5", "", "abc", "99999999"]) {
    const { entries, bad } = planEntries(plan, { [cellKey("TV-55", "2026-12")]: text });
    assert.deepEqual(entries, []);
    assert.equal(bad, cellKey("TV-55", "2026-12"), text);
  }
});
