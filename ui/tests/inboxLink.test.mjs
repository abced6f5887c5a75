// Where an inbox message's deep link leads (src/screens/inboxLink.ts), run as it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "inbox-link-test-"));
const source = readFileSync(new URL("../src/screens/inboxLink.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
writeFileSync(join(dir, "inboxLink.mjs"), js.outputText);
const { linkAction } = await import(join(dir, "inboxLink.mjs"));

const item = (link, models = []) => ({
  message: { id: "m", kind: "campaign", title_zh: "", title_en: "", body_zh: "", body_en: "", recommendation: "r", models, created_at: 1, read: false, ...(link ? { link } : {}) },
  products: models.map((model) => ({ model })),
});

test("a product link opens the product this device has", () => {
  assert.deepEqual(linkAction(item({ to: "product", model: "75U7N" }, ["75U7N"])), { to: "product", model: "75U7N" });
});

test("a product this device does not have (withdrawn since) is said to be gone, never opened blank", () => {
  assert.deepEqual(linkAction(item({ to: "product", model: "OLD-1" }, [])), { to: "gone", model: "OLD-1" });
});

test("a category link opens the catalog there; an inbox link or none leads nowhere further", () => {
  assert.deepEqual(linkAction(item({ to: "category", code: "tv" })), { to: "category", code: "tv" });
  assert.deepEqual(linkAction(item({ to: "wallet" })), { to: "wallet" });
  assert.equal(linkAction(item({ to: "inbox" })), null);
  assert.equal(linkAction(item(undefined)), null);
});
