// The console's product editor (src/screens/console/productForm.ts), run as it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "product-form-test-"));
const load = (path, name) => {
  const source = readFileSync(new URL(path, import.meta.url), "utf8").replace('from "../format"', 'from "./format.mjs"');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  writeFileSync(join(dir, name), js.outputText);
};
load("../src/screens/format.ts", "format.mjs");
load("../src/screens/console/productForm.ts", "productForm.mjs");
const { formOf, productOf, changed } = await import(join(dir, "productForm.mjs"));

const base = {
  model: "TV-55",
  category: "tv",
  series: "S",
  name_zh: "电视",
  name_en: "TV",
  description_zh: "",
  description_en: "",
  lifecycle: "on_sale",
  tags: ["new"],
  specs: { size: { Number: 55 } },
  images: ["img-1"],
  channels: [],
  released_at: 1,
  skus: [
    { code: "TV-55-B", variant_zh: "黑", variant_en: "Black", barcode: "6901234567892", list_price: 399900, distributor_price: 320000, promotion: { price: 359900 } },
    { code: "TV-55-W", variant_zh: "白", variant_en: "White", barcode: "6901234567893", list_price: 399950 },
  ],
};

test("a form read from a product gives the same product back, unchanged", () => {
  const form = formOf(base);
  assert.equal(form.skus[0].list_price, "3999");
  assert.equal(form.skus[1].list_price, "3999.50");
  assert.equal(form.skus[1].distributor_price, "");
  assert.deepEqual(productOf(base, form), { product: base, bad: null });
  assert.equal(changed(base, form), false);
});

test("prices typed in yuan become fen and what is not edited is kept", () => {
  const form = formOf(base);
  form.skus[0].list_price = "3799.9";
  form.skus[1].distributor_price = "3000";
  form.name_en = "  TV 55  ";
  assert.equal(changed(base, form), true);
  const { product, bad } = productOf(base, form);
  assert.equal(bad, null);
  assert.equal(product.skus[0].list_price, 379990);
  assert.deepEqual(product.skus[0].promotion, { price: 359900 });
  assert.equal(product.skus[1].distributor_price, 300000);
  assert.equal(product.name_en, "TV 55");
  assert.deepEqual([product.tags, product.specs, product.images], [base.tags, base.specs, base.images]);
});

test("spaces alone change nothing", () => {
  const form = formOf(base);
  form.name_en = " TV ";
  form.skus[0].list_price = "3999.00";
  assert.equal(changed(base, form), false);
});

test("clearing a distributor price removes it", () => {
  const form = formOf(base);
  form.skus[0].distributor_price = " ";
  assert.equal("distributor_price" in productOf(base, form).product.skus[0], false);
});

test("the first wrong field is named and nothing is made", () => {
  const cases = [
    [(f) => (f.name_zh = " "), "name_zh"],
    [(f) => (f.description_en = "x".repeat(4001)), "description_en"],
    [(f) => (f.skus[1].list_price = "0"), "skus.1.list_price"],
    [(f) => (f.skus[1].list_price = "12.345"), "skus.1.list_price"],
    [(f) => (f.skus[0].distributor_price = "5000"), "skus.0.distributor_price"],
    [(f) => (f.skus[0].variant_en = "x".repeat(121)), "skus.0.variant_en"],
    [(f) => f.skus.pop(), "skus.1"],
  ];
  for (const [edit, field] of cases) {
    const form = formOf(base);
    edit(form);
    assert.deepEqual(productOf(base, form), { product: null, bad: field });
  }
});
