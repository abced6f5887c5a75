// Every UI string exists in both languages, and every error code the Rust side can send has a translation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const read = (p) => readFileSync(new URL(p, import.meta.url), "utf8");
const en = JSON.parse(read("../src/i18n/en.json"));
const zh = JSON.parse(read("../src/i18n/zh-CN.json"));

test("zh-CN and en have the same keys", () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
});

test("placeholders match between the languages", () => {
  const vars = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(en)) assert.deepEqual(vars(zh[key]), vars(en[key]), key);
});

test("every error code has a translation", () => {
  const types = read("../src/ipc/types.ts");
  const union = types.match(/export type ErrorCode = ([^;]+);/)[1];
  const codes = [...union.matchAll(/"(\w+)"/g)].map((m) => m[1]);
  assert.ok(codes.length > 20, "ErrorCode union parsed");
  for (const code of codes) {
    assert.ok(en[`error.${code}`], `en lacks error.${code}`);
    assert.ok(zh[`error.${code}`], `zh-CN lacks error.${code}`);
  }
});

test("every t() key used in the screens exists", () => {
  const files = ["App.tsx", "screens/SignIn.tsx", "screens/Home.tsx", "screens/Profile.tsx", "screens/Devices.tsx", "screens/Catalog.tsx", "screens/ProductPage.tsx", "screens/ComparePage.tsx"];
  for (const file of files) {
    const source = read(`../src/${file}`);
    for (const m of source.matchAll(/\bt\("([\w.]+)"/g)) assert.ok(en[m[1]], `${file} uses missing key ${m[1]}`);
  }
});
