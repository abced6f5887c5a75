// The dealer's order draft reducer (src/screens/orders/draft.ts), run as it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "draft-test-"));
const source = readFileSync(new URL("../src/screens/orders/draft.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
writeFileSync(join(dir, "draft.mjs"), js.outputText);
const { draftReducer, newDraft, reorder, quoteIsCurrent, MAX_QUANTITY } = await import(join(dir, "draft.mjs"));

const apply = (draft, ...actions) => actions.reduce(draftReducer, draft);
const empty = () => newDraft("d1", "dealer", "store", 0);

test("a SKU added twice, in any case, is one line; pasted lines merge the same way", () => {
  const d = apply(empty(), { type: "add", sku: "tv-55", quantity: 2 }, { type: "add", sku: "TV-55 ", quantity: 3 });
  assert.deepEqual(d.lines, [{ sku: "TV-55", quantity: 5 }]);
  const merged = draftReducer(d, { type: "merge", lines: [{ sku: "TV-55", quantity: 1 }, { sku: "AC-12", quantity: 4 }] });
  assert.deepEqual(merged.lines, [{ sku: "TV-55", quantity: 6 }, { sku: "AC-12", quantity: 4 }]);
});

test("quantities stay whole and bounded; zero removes the line; a blank SKU adds nothing", () => {
  let d = apply(empty(), { type: "add", sku: "A", quantity: 1 }, { type: "set_quantity", sku: "A", quantity: 2.7 });
  assert.equal(d.lines[0].quantity, 2);
  d = draftReducer(d, { type: "set_quantity", sku: "A", quantity: 10_000_000 });
  assert.equal(d.lines[0].quantity, MAX_QUANTITY);
  assert.deepEqual(draftReducer(d, { type: "set_quantity", sku: "A", quantity: 0 }).lines, []);
  assert.equal(draftReducer(d, { type: "add", sku: "  ", quantity: 1 }), d);
});

test("an asked price is set and cleared; a reorder copies the lines of a past order", () => {
  let d = apply(empty(), { type: "add", sku: "A", quantity: 1 }, { type: "set_asked_price", sku: "A", price: 990_00 });
  assert.equal(d.lines[0].asked_price, 990_00);
  d = draftReducer(d, { type: "set_asked_price", sku: "A", price: null });
  assert.equal("asked_price" in d.lines[0], false);
  const again = reorder("d2", "dealer", "store", [{ sku: "A", quantity: 3, unit_price: 5 }], 1);
  assert.deepEqual(again.lines, [{ sku: "A", quantity: 3 }]);
  assert.equal(again.state, "draft");
});

test("a quote stops being current when a line changes", () => {
  const d = apply(empty(), { type: "add", sku: "A", quantity: 2 });
  const quote = { lines: [{ sku: "A", quantity: 2, unit_price: 100 }], problems: [], total: 200 };
  assert.equal(quoteIsCurrent(quote, d), true);
  assert.equal(quoteIsCurrent(quote, draftReducer(d, { type: "set_quantity", sku: "A", quantity: 3 })), false);
  assert.equal(quoteIsCurrent(quote, draftReducer(d, { type: "add", sku: "B", quantity: 1 })), false);
  assert.equal(quoteIsCurrent(null, d), false);
});

test("a draft's time is whole seconds, as the core keeps it", () => {
  assert.equal(newDraft("d", "dealer", undefined, 1_800_000_000.789).updated_at, 1_800_000_000);
});
