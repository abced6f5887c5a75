// Every UI string exists in both languages, and every error code the Rust side can send has a translation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

const read = (p) => readFileSync(new URL(p, import.meta.url), "utf8");
const en = JSON.parse(read("../src/i18n/en.json"));
const zh = JSON.parse(read("../src/i18n/zh-CN.json"));

test("zh-CN and en have the same keys", () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
});

test("placeholders match between the languages", () => {
  const vars = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(en)) {
    // An English singular may spell its count out ("1 product"); the other language keeps it.
    if (key.endsWith(".one")) assert.ok(vars(en[key]).every((v) => vars(zh[key]).includes(v)), key);
    else assert.deepEqual(vars(zh[key]), vars(en[key]), key);
  }
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
  const src = new URL("../src/", import.meta.url);
  const files = readdirSync(src, { recursive: true }).filter((f) => /\.tsx?$/.test(f));
  assert.ok(files.length > 20, "the screens were found");
  for (const file of files) {
    const source = readFileSync(new URL(file, src), "utf8");
    for (const m of source.matchAll(/\bt\("([\w.]+)"/g)) assert.ok(en[m[1]], `${file} uses missing key ${m[1]}`);
  }
});

test("a singular form exists only beside its plural, with the same placeholders", () => {
  for (const key of Object.keys(en).filter((k) => k.endsWith(".one"))) {
    const plural = key.slice(0, -".one".length);
    assert.ok(en[plural], `${key} has no plural ${plural}`);
    assert.ok(en[plural].includes("{count}"), `${plural} takes a count`);
  }
});
