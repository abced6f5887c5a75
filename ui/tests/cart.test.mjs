// The point of sale's cart reducer (src/screens/pos/cart.ts), run as it is: transpiled with the
// project's TypeScript into a scratch directory, with its one runtime import (../format).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "cart-test-"));
for (const [from, to] of [
  ["../src/screens/format.ts", "format.mjs"],
  ["../src/screens/pos/cart.ts", "cart.mjs"],
]) {
  const source = readFileSync(new URL(from, import.meta.url), "utf8");
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  writeFileSync(join(dir, to), js.outputText.replace('from "../format"', 'from "./format.mjs"'));
}
const { cartReducer, draftSale, emptyCart, missingSerial, offerBasis, paidSoFar, phoneLooksRight } = await import(join(dir, "cart.mjs"));

const hit = (code, serialised = false, unit_price = 100_00) => ({
  sku: { code, variant_zh: code, variant_en: code },
  product: { name_zh: code, name_en: code },
  serialised,
  unit_price,
});
const apply = (...actions) => actions.reduce(cartReducer, emptyCart);

test("a SKU scanned twice is one line of two; a serialised unit is a line of its own each time", () => {
  const cart = apply(
    { type: "scanned", hit: hit("A"), key: "a" },
    { type: "scanned", hit: hit("A"), key: "a2" },
    { type: "scanned", hit: hit("TV", true), key: "t1" },
    { type: "scanned", hit: hit("TV", true), key: "t2" },
  );
  assert.deepEqual(
    cart.lines.map((l) => [l.key, l.quantity]),
    [["a", 2], ["t1", 1], ["t2", 1]],
  );
  assert.equal(cart.focusSerial, "t2", "the new unit's serial field takes the focus");
  assert.ok(missingSerial(cart));
  const serials = apply(...[
    { type: "scanned", hit: hit("TV", true), key: "t1" },
    { type: "serial", key: "t1", serial: " SN1 " },
  ]);
  assert.ok(!missingSerial(serials));
});

test("gift mode adds gifts, not lines; quantities never drop below one; a serialised line never steps", () => {
  const cart = apply(
    { type: "giftMode", on: true },
    { type: "scanned", hit: hit("G") },
    { type: "scanned", hit: hit("G") },
    { type: "giftMode", on: false },
    { type: "scanned", hit: hit("A"), key: "a" },
    { type: "step", key: "a", by: -1 },
    { type: "scanned", hit: hit("TV", true), key: "t" },
    { type: "step", key: "t", by: 1 },
  );
  assert.deepEqual(cart.gifts.map((g) => [g.hit.sku.code, g.quantity]), [["G", 2]]);
  assert.deepEqual(cart.lines.map((l) => l.quantity), [1, 1]);
});

test("the draft sale carries what was typed, in fen; an amount that does not parse stops it", () => {
  const cart = apply(
    { type: "scanned", hit: hit("A", false, 1999_00), key: "a" },
    { type: "lineDiscount", key: "a", discount: "10.5" },
    { type: "orderDiscount", discount: "5" },
    { type: "phone", phone: " 13800000000 " },
    { type: "consent", consent: true },
    { type: "paid", method: "card", amount: "1000" },
  );
  const { action } = draftSale(cart, "shift-1");
  assert.equal(action.shift_id, "shift-1");
  assert.deepEqual(action.lines, [{ sku: "A", quantity: 1, unit_price: 1999_00, discount: 10_50, serial: undefined }]);
  assert.equal(action.order_discount, 5_00);
  assert.equal(action.customer_phone, "13800000000");
  assert.deepEqual(action.payments, [{ method: "card", amount: 1000_00 }]);
  assert.deepEqual(draftSale(cartReducer(cart, { type: "orderDiscount", discount: "1,5" }), null), {
    invalid: "pos.sell.badAmount",
  });
});

test("pay the rest puts on one method what the others leave owed, never below zero", () => {
  const cart = apply(
    { type: "paid", method: "card", amount: "30" },
    { type: "paid", method: "qr_wallet", amount: "20.50" },
    { type: "payRest", method: "cash", owed: 100_00 },
  );
  assert.equal(cart.paid.cash, "49.50");
  assert.equal(paidSoFar(cart), 100_00);
  assert.equal(cartReducer(cart, { type: "payRest", method: "cash", owed: 10_00 }).paid.cash, "0");
});

test("clear empties the cart, gift mode included; a phone that cannot be one is caught early", () => {
  const cart = apply({ type: "scanned", hit: hit("A") }, { type: "giftMode", on: true }, { type: "phone", phone: "abc" });
  assert.ok(!phoneLooksRight(cart));
  assert.deepEqual(cartReducer(cart, { type: "clear" }), emptyCart);
});

test("the counter offer goes with the sale as shown, with what the customer took; taking one keeps it", () => {
  const offer = (id, ...skus) => ({ id, algorithm: "item_to_item+accessories", offline: false, items: skus.map((sku) => ({ sku, product: {} })) });
  const cart = apply(
    { type: "scanned", hit: hit("TV", true), key: "t1" },
    { type: "offer", offer: offer("o1", "CASE", "CABLE") },
    { type: "acceptOffer", offerId: "o1", sku: "NOT-SHOWN" },
    { type: "scanned", hit: hit("CASE"), key: "c" },
    { type: "acceptOffer", offerId: "o0", sku: "CASE" }, // pressed on an offer since replaced
    { type: "acceptOffer", offerId: "o1", sku: "CASE" },
    { type: "acceptOffer", offerId: "o1", sku: "CASE" },
    // The cart changed and another offer came: the one the customer took from stays.
    { type: "offer", offer: offer("o2", "EAR") },
  );
  const sale = draftSale(cart, "shift").action;
  assert.deepEqual(sale.offer, { recommendation: "o1", shown: ["CASE", "CABLE"], accepted: ["CASE"] });
  assert.deepEqual(offerBasis(cart), ["TV"], "an accepted add-on does not ask for a new offer");
  const none = apply({ type: "scanned", hit: hit("TV", true), key: "t1" }, { type: "offer", offer: offer("o3") });
  assert.equal(draftSale(none, "shift").action.offer, undefined, "an empty offer is not recorded");
  const dismissed = apply({ type: "offer", offer: offer("o4", "CASE") }, { type: "dismissOffer" });
  assert.ok(dismissed.offerDismissed);
  const later = cartReducer(dismissed, { type: "offer", offer: offer("o5", "CABLE") });
  assert.ok(later.offerDismissed && later.offer.id === "o4", "put away stays away; the one shown is recorded");
  assert.deepEqual(draftSale(dismissed, "shift").action.offer.accepted, [], "put away: shown and declined");
  assert.equal(apply({ type: "offer", offer: offer("o4", "CASE") }, { type: "clear" }).offer, null);
});

test("a coupon's sum off joins the order discount and goes with the sale; a change to the lines takes it off", () => {
  const coupon = { code: "CP1.x", off: 20_00, titleZh: "立减", titleEn: "Off" };
  const cart = apply(
    { type: "scanned", hit: hit("A"), key: "a" },
    { type: "orderDiscount", discount: "5" },
    { type: "coupon", coupon },
  );
  const sale = draftSale(cart, "s").action;
  assert.equal(sale.order_discount, 25_00, "the typed discount and the coupon's");
  assert.deepEqual(sale.coupon, { code: "CP1.x", off: 20_00 });
  assert.equal(apply({ type: "scanned", hit: hit("A"), key: "a" }, { type: "coupon", coupon }, { type: "giftMode", on: true }, { type: "scanned", hit: hit("G") }).coupon, coupon, "a gift changes no line");
  for (const change of [{ type: "scanned", hit: hit("B") }, { type: "step", key: "a", by: 1 }, { type: "lineDiscount", key: "a", discount: "1" }, { type: "removeLine", key: "a" }]) {
    assert.equal(cartReducer(cart, change).coupon, null, change.type);
  }
  assert.equal(draftSale(apply({ type: "scanned", hit: hit("A") }), "s").action.coupon, undefined);
});
